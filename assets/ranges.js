// What a time-series chart draws of its span: only the points in view, at full detail when its
// history came decimated and the view is zoomed or custom, and the points older than its ring
// asked of the server's `/range` (which reads the store) when the span reaches past a full ring.
// A snapshot file has no server: it draws what it captured.

import { heldCount } from "./held.js";
import { capacity } from "./model.js";
import { markDirty } from "./scheduler.js";
import { nowMs, snapshot, state, withAccess } from "./state.js";
import { inWindow, visibleSpan } from "./timewindow.js";

// Fit `view` (a time chart's view, timechart.js: its `series` each with `points`) to the
// widget's visible span; `lastTs` is its newest point.
export function applyWindow(widget, view, lastTs) {
  const span = visibleSpan(widget.zoom, state.range, state.replay, lastTs, nowMs());
  widget.window = span;
  view.span = span;
  if (!span) return;
  // A history that came decimated is fetched again at full detail for a zoomed or custom span.
  if (widget.decimated && !snapshot && (widget.zoom || state.range.kind === "custom")) {
    const width = chartWidth(widget);
    const key = `${span[0]}:${span[1]}:${width}`;
    if (widget.detail && widget.detail.key === key) {
      view.series.forEach((series, i) => { series.points = widget.detail.points[i] || []; });
      return;
    }
    if (!widget.detail || widget.detail.pending !== key) fetchDetail(widget, span, width, key);
  }
  // Only the points in view (and one on each side, so lines reach the edges) are drawn, and
  // the value axis fits them.
  for (const series of view.series) series.points = inWindow(series.points, span);
  if (!snapshot) addOlder(widget, view, span);
}

// The chart's width in pixels: its uPlot's (kept by its ResizeObserver; reading the element's
// would lay the page out again), before it has one the element's.
function chartWidth(widget) {
  const width = widget.plot ? widget.plot.u.width : widget.chartEl.clientWidth;
  return Math.max(100, Math.round(width || 800));
}

// Points older than the ring holds: when a full ring starts after the span does, the part of
// the span before it is asked of the producer, whose store (persistence) may have it, and drawn
// in front of the live points. Fetched again only when the span or the ring's start moves by
// more than 1/200 of the span.
function addOlder(widget, view, span) {
  const held = widget.spec.kind === "line_chart" ? (widget.seriesNames || []).map((n) => widget.data.series.get(n) || []) : [widget.data.points];
  const full = held.some((points) => heldCount(points) >= capacity(widget.spec, state.config));
  const firstHeld = Math.min(...held.filter((p) => p.length).map((p) => p[0][0]));
  if (!full || !(span[0] < firstHeld)) return;
  const width = chartWidth(widget);
  const q = Math.max(1, (span[1] - span[0]) / 200);
  const key = `${Math.floor(span[0] / q)}:${Math.floor(firstHeld / q)}:${width}`;
  const older = widget.older;
  if (older && older.key === key) {
    held.forEach((_, i) => {
      const before = (older.points[i] || []).filter((p) => p[0] < firstHeld);
      if (before.length && view.series[i]) view.series[i].points = before.concat(view.series[i].points);
    });
    return;
  }
  if (older && older.pending === key) return;
  widget.older = { key: null, pending: key, points: older ? older.points : [] };
  fetchRange(widget, [span[0], firstHeld - 0.001], width).then((bodies) => {
    if (!widget.older || widget.older.pending !== key) return;
    widget.older = { key, pending: null, points: bodies.map((b) => b.points) };
    markDirty(widget);
  }).catch((err) => { console.warn("older points fetch failed", err); widget.older = null; });
}

// Each series' points in `span` at the detail a chart `width` pixels wide shows (`/range`).
function fetchRange(widget, span, width) {
  const id = encodeURIComponent(widget.spec.id);
  const names = widget.spec.kind === "line_chart" ? widget.seriesNames || [] : [null];
  return Promise.all(names.map((name) => {
    let url = `/api/v1/widgets/${id}/range?from=${span[0]}&to=${span[1]}&width=${width}`;
    if (name !== null) url += `&series=${encodeURIComponent(name)}`;
    return fetch(withAccess(url)).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))));
  }));
}

function fetchDetail(widget, span, width, key) {
  widget.detail = { key: null, pending: key, points: [] };
  const started = performance.now();
  fetchRange(widget, span, width).then((bodies) => {
    if (!widget.detail || widget.detail.pending !== key) return; // the view moved on
    widget.detail = { key, pending: null, points: bodies.map((b) => b.points), decimated: bodies.some((b) => b.decimated), ms: performance.now() - started };
    markDirty(widget);
  }).catch((err) => { console.warn("detail fetch failed", err); widget.detail = null; });
}
