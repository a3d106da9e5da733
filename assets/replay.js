// Recordings (python -m stream_viz replay, streamviz serve --open): a time scrubber instead of
// pause. Plots end at the scrubbed time and read what lies before their rings from /range;
// stats and gauges show the points up to it (the last one exact); tables, bars, texts and
// heatmaps are asked for as their stored changes left them then (/at); alerts as their stored
// transitions left them (/alerts?at=). Nothing live arrives.

import { applyAlerts } from "./alerts.js";
import { showAlerts } from "./alertpanel.js";
import { setConnection } from "./connection.js";
import { setPaused } from "./controls.js";
import { formatExactTime } from "./format.js";
import { setHistory } from "./model.js";
import { markDirty } from "./scheduler.js";
import { embedId, state, withAccess } from "./state.js";

const scrubBox = document.getElementById("sv-scrub");
const scrubInput = document.getElementById("sv-scrub-input");
const scrubTime = document.getElementById("sv-scrub-time");
let asOfSeq = 0;
let scrubTimer = null;

// Show the recording spanning `span` ({from, to}), at its end.
export function startReplay(span) {
  state.replay = { from: span.from, to: span.to, at: span.to };
  document.documentElement.dataset.replay = "true";
  document.getElementById("sv-pause").hidden = true;
  setPaused(false); // the scrubber moves the view (a dashboard opening paused does not apply)
  scrubBox.hidden = false;
  // The slider counts milliseconds from the start: epoch times have too many digits for it.
  scrubInput.min = "0";
  scrubInput.max = String(span.to - span.from);
  scrubInput.value = scrubInput.max;
  scrubTime.textContent = formatExactTime(span.to).slice(0, 19);
  if (state.connection === "live") setConnection("live", "Live");
  for (const widget of state.widgets.values()) markDirty(widget);
}

// A widget's data as of `at`, read from the server.
function asOf(widget, at) {
  const id = encodeURIComponent(widget.spec.id);
  const ok = (r) => (r.ok ? r.json() : r.json().then((b) => Promise.reject(new Error(b.error || `HTTP ${r.status}`))));
  if (widget.spec.kind === "stat" || widget.spec.kind === "gauge") {
    // The newest points up to `at`: a minute back, then an hour, ... until the sparkline is
    // full (as the native viewer does). M4 over 64 columns keeps each column's last point, so
    // the newest is exactly the one at `at`.
    const start = state.replay.from - 1;
    const read = (span) => {
      const from = Math.max(start, at - span);
      return fetch(withAccess(`/api/v1/widgets/${id}/range?from=${from}&to=${at}&width=64`)).then(ok)
        .then((b) => (b.points_in_range > 60 || from <= start ? { points: b.points } : read(span * 60)));
    };
    return read(60e3);
  }
  return fetch(withAccess(`/api/v1/widgets/${id}/at?t=${at}`)).then(ok).then((m) => m.data);
}

// Move the replay to `at` (kept within the recording): `window.streamviz.seek`.
export function seek(at) {
  const replay = state.replay;
  if (!replay) return;
  replay.at = Math.min(replay.to, Math.max(replay.from, at));
  scrubInput.value = String(replay.at - replay.from);
  scrubTime.textContent = formatExactTime(replay.at).slice(0, 19);
  ++asOfSeq;
  state.asOfPending = 0;
  for (const widget of state.widgets.values()) replayWidget(widget);
  replayAlerts();
}

// Show the alerts as they stood at the scrubbed time (also when a reconnection sent the last).
export function replayAlerts() {
  const seq = asOfSeq;
  state.asOfPending++;
  fetch(withAccess(`/api/v1/alerts?at=${state.replay.at}`))
    .then((r) => (r.ok ? r.json() : r.json().then((b) => Promise.reject(new Error(b.error || `HTTP ${r.status}`)))))
    .then((body) => {
      if (seq !== asOfSeq) return; // scrubbed on since
      applyAlerts(state.alerts, { ...body, recent: true }, embedId);
      showAlerts();
    })
    .catch((err) => console.warn("replay of the alerts failed:", err.message))
    .finally(() => { if (seq === asOfSeq) state.asOfPending--; });
}

// Show one widget as of the scrubbed time (also when a reconnection sent its last state).
export function replayWidget(widget) {
  const kind = widget.spec.kind;
  if (kind === "metric" || kind === "line_chart") { markDirty(widget); return; }
  const seq = asOfSeq;
  state.asOfPending++;
  asOf(widget, state.replay.at).then((data) => {
    if (seq !== asOfSeq) return; // scrubbed on since
    setHistory(widget, data);
    markDirty(widget);
  }).catch((err) => console.warn("replay of", widget.spec.id, "failed:", err.message))
    .finally(() => { if (seq === asOfSeq) state.asOfPending--; });
}

const scrubbedTo = () => {
  const offset = Number(scrubInput.value);
  return offset >= Number(scrubInput.max) ? state.replay.to : state.replay.from + offset;
};

export function initReplay() {
  // While dragging, ask at most every 150 ms; where it stops, at once.
  scrubInput.addEventListener("input", () => {
    scrubTime.textContent = formatExactTime(scrubbedTo()).slice(0, 19);
    if (scrubTimer === null) scrubTimer = setTimeout(() => { scrubTimer = null; seek(scrubbedTo()); }, 150);
  });
  scrubInput.addEventListener("change", () => {
    if (scrubTimer !== null) { clearTimeout(scrubTimer); scrubTimer = null; }
    seek(scrubbedTo());
  });
  fetch(withAccess("/api/v1/recording")).then((r) => (r.ok ? r.json() : {})).then((b) => { if (b.recording) startReplay(b.recording); }).catch(() => {});
}
