// The WebSocket to the server (`/ws`): every message parsed and handed on, the status shown in
// the header, and a reconnection with backoff whenever the socket closes (the server sends a
// fresh snapshot to every new connection). A connection refused because the session ended goes
// to the sign-in page; an embed whose token was revoked says so and stops trying. A snapshot
// file plays the messages it captured instead; an embed framed by the embed library gets its
// messages from the page that frames it (embed.js).

import { embedId, sharedConnection, snapshot, state, withAccess } from "./state.js";

// Show the connection's state (`live`, `reconnecting`, ...) in the header; a recording says
// "Replay" while live, and a server whose relay to other servers is down says it shows only
// what reaches it (`local-only`).
export function setConnection(status, text) {
  state.connection = status;
  const localOnly = status === "live" && !state.replay && state.relay?.connected === false;
  const element = document.getElementById("sv-status");
  element.dataset.state = localOnly ? "local-only" : status;
  element.title = localOnly ? "The relay to the other servers is down: this shows what reaches this server only, until it is back." : "";
  document.getElementById("sv-status-text").textContent =
    status === "live" && state.replay ? "Replay" : localOnly ? "Live: this server only (relay down)" : text;
}

// The server's relay state changed (a `stats` message): show it while live.
export function showRelay() {
  if (state.connection === "live") setConnection("live", "Live");
}

// Connect, and keep connecting; `onMessage(message)` gets every message.
export function connect(onMessage) {
  if (snapshot) {
    for (const message of snapshot.messages) onMessage(message);
    setConnection("snapshot", `Snapshot of ${new Date(snapshot.taken).toLocaleString()}`);
    return;
  }
  if (sharedConnection) {
    connectShared(onMessage);
    return;
  }
  let retryMs = 250;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${withAccess("/ws")}`);
    let opened = false;
    socket.onopen = () => { opened = true; retryMs = 250; };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { console.error("bad message", err); return; }
      onMessage(message);
    };
    socket.onclose = () => {
      setConnection("reconnecting", "Reconnecting…");
      const retry = () => { setTimeout(open, retryMs); retryMs = Math.min(retryMs * 2, 5000); };
      if (opened) { retry(); return; }
      // Refused before it opened: signed out (or revoked), or just a server that is away?
      fetch(withAccess("/api/v1/auth/whoami")).then((r) => {
        if (r.status !== 401) { retry(); return; }
        if (embedId) { setConnection("signed-out", "No access"); return; }
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      }, retry);
    };
    socket.onerror = () => socket.close();
  };
  open();
}

// Messages from the page that frames this embed (embed.js), which shares one WebSocket among
// its embeds of this server: it is told this page has started, then hands each message on.
function connectShared(onMessage) {
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !event.data) return;
    if (event.data.streamvizStatus === "closed") { setConnection("reconnecting", "Reconnecting…"); return; }
    if (typeof event.data.streamviz !== "string") return;
    let message;
    try { message = JSON.parse(event.data.streamviz); } catch (err) { console.error("bad message", err); return; }
    onMessage(message);
  });
  window.parent.postMessage({ streamvizReady: embedId }, "*");
}
