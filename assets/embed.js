// StreamViz widgets on any page: `<script src="http://HOST:PORT/embed.js"></script>` defines
// `<streamviz-widget server="http://HOST:PORT" widget="cpu" theme="light" token="…" height="320">`
// and `StreamViz.embed(target, {server, widget, theme, token, height})`, which appends one. Each
// shows the server's embed page of its widget (`/embed/{id}?shared=1`) in a frame, and the page
// holds one WebSocket per server for all of them: it carries every widget's token
// (`/ws?embed=…&embed=…`, the server sends those widgets and no other) and each message is
// handed to every frame of that server, which keeps its own widget. The server must list this
// page's origin in `cors` (its WebSocket and frames refuse other sites). `token` is the
// widget's embed token (`server.embed_url(id)` in Python) when the server has authentication.
// A classic script (no module), so that any page can include it.

(() => {
  if (window.customElements.get("streamviz-widget")) return;
  const scriptOrigin = document.currentScript ? new URL(document.currentScript.src).origin : location.origin;
  const ATTRIBUTES = ["server", "widget", "theme", "token", "height"];

  // One connection per server origin: its frames and the socket they share.
  const servers = new Map();

  function serverOf(origin) {
    let server = servers.get(origin);
    if (!server) {
      server = { origin, elements: new Set(), socket: null, timer: null, retryMs: 250 };
      servers.set(origin, server);
    }
    return server;
  }

  // Every frame of `server` gets `data` (a message's text, or a status).
  function handOut(server, data) {
    for (const element of server.elements) {
      if (element.ready && element.frame.contentWindow) element.frame.contentWindow.postMessage(data, server.origin);
    }
  }

  // (Re)open the server's socket with the tokens of its frames: a frame that just started
  // needs the snapshot, which every frame then gets again (frames starting together share one).
  function reconnect(server, ms) {
    if (server.timer !== null) return;
    server.timer = setTimeout(() => {
      server.timer = null;
      if (server.socket) { server.socket.onclose = null; server.socket.close(); server.socket = null; }
      const ready = [...server.elements].filter((e) => e.ready);
      if (!ready.length) return;
      const tokens = [...new Set(ready.map((e) => e.getAttribute("token")).filter(Boolean))].sort();
      const query = tokens.map((t) => `embed=${encodeURIComponent(t)}`).join("&");
      const url = new URL(`/ws${query ? `?${query}` : ""}`, server.origin);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(url);
      server.socket = socket;
      socket.onopen = () => { server.retryMs = 250; };
      socket.onmessage = (event) => handOut(server, { streamviz: event.data });
      socket.onclose = () => {
        if (server.socket !== socket) return;
        server.socket = null;
        handOut(server, { streamvizStatus: "closed" });
        reconnect(server, server.retryMs);
        server.retryMs = Math.min(server.retryMs * 2, 5000);
      };
    }, ms);
  }

  // A frame says it has started (connection.js): it is given the shared socket's messages.
  window.addEventListener("message", (event) => {
    const server = servers.get(event.origin);
    if (!server || !event.data || typeof event.data.streamvizReady !== "string") return;
    for (const element of server.elements) {
      if (element.frame && element.frame.contentWindow === event.source) {
        element.ready = true;
        reconnect(server, 20);
      }
    }
  });

  class StreamVizWidget extends HTMLElement {
    static get observedAttributes() { return ATTRIBUTES; }

    connectedCallback() { this.show(); }

    disconnectedCallback() {
      if (this.server) { this.server.elements.delete(this); this.ready = false; reconnect(this.server, 20); }
    }

    attributeChangedCallback() { if (this.isConnected) this.show(); }

    // The frame of the embed page this element's attributes name.
    show() {
      const widget = this.getAttribute("widget");
      if (!widget) return;
      if (!this.shadowRoot) {
        const root = this.attachShadow({ mode: "open" });
        const style = document.createElement("style");
        style.textContent = ":host { display: block; } iframe { width: 100%; border: 0; display: block; }";
        this.frame = document.createElement("iframe");
        root.append(style, this.frame);
      }
      const origin = new URL(this.getAttribute("server") || scriptOrigin, location.href).origin;
      if (this.server && this.server.origin !== origin) this.server.elements.delete(this);
      this.server = serverOf(origin);
      this.server.elements.add(this);
      const params = new URLSearchParams({ shared: "1" });
      const theme = this.getAttribute("theme");
      if (theme) params.set("theme", theme);
      const token = this.getAttribute("token");
      if (token) params.set("embed", token); // the embed page itself is behind the token
      const src = `${origin}/embed/${encodeURIComponent(widget)}?${params}`;
      this.frame.title = `StreamViz ${widget}`;
      const height = Number(this.getAttribute("height")) || 320;
      this.frame.style.height = `${Math.min(Math.max(height, 80), 4000)}px`;
      if (this.frame.getAttribute("src") !== src) { this.ready = false; this.frame.setAttribute("src", src); }
    }
  }

  window.customElements.define("streamviz-widget", StreamVizWidget);
  window.StreamViz = Object.freeze({
    // Append a <streamviz-widget> for `options.widget` to `target`; returns it.
    embed(target, options) {
      const element = document.createElement("streamviz-widget");
      for (const name of ATTRIBUTES) {
        if (options && options[name] !== undefined && options[name] !== null) element.setAttribute(name, String(options[name]));
      }
      target.append(element);
      return element;
    },
  });
})();
