// The WebSocket to the server (`/ws`): every message parsed and handed on, the status shown in
// the header, and a reconnection with backoff whenever the socket closes (the server sends a
// fresh snapshot to every new connection).

import { state, withAccess } from "./state.js";

// Show the connection's state (`live`, `reconnecting`, ...) in the header; a recording says
// "Replay" while live.
export function setConnection(status, text) {
  state.connection = status;
  document.getElementById("sv-status").dataset.state = status;
  document.getElementById("sv-status-text").textContent = status === "live" && state.replay ? "Replay" : text;
}

// Connect, and keep connecting; `onMessage(message)` gets every message.
export function connect(onMessage) {
  let retryMs = 250;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${withAccess("/ws")}`);
    socket.onopen = () => { retryMs = 250; };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { console.error("bad message", err); return; }
      onMessage(message);
    };
    socket.onclose = () => {
      setConnection("reconnecting", "Reconnecting…");
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
    socket.onerror = () => socket.close();
  };
  open();
}
