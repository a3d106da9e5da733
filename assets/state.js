// The page's state, shared by every module: the model of every widget (model.js) and what the
// viewer chose (pause, time range, the replayed time). `app.js` exposes it as `window.streamviz`
// for tests and debugging.

// A snapshot file's captured messages and the time it was taken ({taken, messages}, written by
// the server's snapshot.rs), or null on a live page: the page plays them instead of connecting.
export const snapshot = globalThis.__STREAMVIZ_SNAPSHOT__ || null;

// "Now" for "Last N" ranges: a snapshot's is when it was taken.
export const nowMs = () => (snapshot ? snapshot.taken : Date.now());

// The widget an embed page (`/embed/{id}`) shows alone, or null for the dashboard.
export const embedId = (location.pathname.match(/^\/embed\/([A-Za-z0-9_.-]+)\/?$/) || [])[1] || null;

// An embed page's token (`/embed/{id}?embed=…`), sent with every request the page makes: an
// embed framed by another site's page is sent no cookie.
const embedToken = new URLSearchParams(location.search).get("embed");

// An embed page framed by the embed library (`?shared=1`, embed.js): its messages come from the
// page that frames it, which holds one WebSocket for all its embeds of this server.
export const sharedConnection = Boolean(embedId) && window.parent !== window && new URLSearchParams(location.search).has("shared");

// A framed page opened with `?token=` keeps it (the server does not trade it for a cookie in
// a frame, where another site's page would not be sent one): it goes with every request too.
const pageToken = new URLSearchParams(location.search).get("token");

// `url`, a path on this server, with the page's embed token (or framed page's token) when it
// has one.
export function withAccess(url) {
  const [name, value] = embedToken ? ["embed", embedToken] : ["token", pageToken];
  if (!value) return url;
  return `${url}${url.includes("?") ? "&" : "?"}${name}=${encodeURIComponent(value)}`;
}

export const state = {
  config: null,
  widgets: new Map(), // id -> widget model
  connection: "connecting",
  lastSeq: 0,
  messages: 0,
  paused: false,
  skipFar: true, // cards far from the viewport wait to be redrawn until they come near (render.js)
  renderStats: { frames: 0, widgets: 0, totalMs: 0, maxMs: 0 }, // main-thread time spent drawing
  range: { kind: "all" }, // or {kind: "last", ms} or {kind: "custom", from, to}
  replay: null, // serving a recording: {from, to, at}, `at` the scrubbed time (ms)
  asOfPending: 0, // replay reads under way (tests wait for 0)
  losses: {}, // widget id -> {dropped, late}, from the server's `stats` messages
  alerts: { states: [], transitions: [], firing: 0 }, // the server's `alerts` messages (alerts.js)
  theme: null, // "dark" or "light", the theme drawn
};
