// The model of every widget, kept from the protocol's messages: a widget is `{spec, data}` plus
// what the view hangs on it (its card, its chart). This module applies `config`, `history` and
// `data` to the models and knows nothing of the DOM, so Node's test runner checks it (tests/js).

import { append, clearHeld } from "./held.js";

// Points a series holds when neither `max_points` nor the dashboard's `buffer_size` says.
export const DEFAULT_CAPACITY = 1000;

// How many points one series of `spec` holds: as the server's ring does.
export function capacity(spec, config) {
  return (spec.options && spec.options.max_points) || (config && config.buffer_size) || DEFAULT_CAPACITY;
}

// Empty data for a widget of `kind`.
export function emptyData(kind) {
  switch (kind) {
    case "metric": case "stat": case "gauge": return { points: [] };
    case "line_chart": return { series: new Map() };
    case "bar_chart": return { values: [] };
    case "table": return { rows: new Map() };
    case "text": case "markdown": return { text: "", html: "" };
    case "heatmap": return { matrix: [] };
    default: return {};
  }
}

// Make the widgets match a `config`'s specs: widgets no longer declared are removed, new ones
// created empty, and ones whose spec changed made anew keeping their data. Returns the widgets
// removed (their cards to dispose of) and created (cards to build), in declaration order.
export function reconcile(widgets, specs) {
  const removed = [], created = [];
  const wanted = new Set(specs.map((spec) => spec.id));
  for (const [id, widget] of widgets) {
    if (!wanted.has(id)) { removed.push(widget); widgets.delete(id); }
  }
  for (const spec of specs) {
    const old = widgets.get(spec.id);
    if (old && JSON.stringify(old.spec) === JSON.stringify(spec)) continue;
    if (old) removed.push(old); // options changed: a new card, the same data
    const widget = { spec, data: old ? old.data : emptyData(spec.kind) };
    widgets.set(spec.id, widget);
    created.push(widget);
  }
  return { removed, created };
}

// Replace a widget's data with the `data` of its `history` message.
export function setHistory(widget, data) {
  const kind = widget.spec.kind;
  widget.data = emptyData(kind);
  widget.decimated = !!data.decimated;
  widget.detail = null;
  widget.older = null;
  if (kind === "line_chart") {
    for (const s of data.series || []) widget.data.series.set(s.name, s.points.slice());
  } else if (kind === "table") {
    for (const r of data.rows || []) widget.data.rows.set(r.key, r.row);
  } else if (kind === "bar_chart") {
    widget.data.values = (data.values || []).map((p) => [p[0], p[1], p[2] || ""]); // [category, value, series]
  } else {
    Object.assign(widget.data, data);
  }
}

// Apply one op of a `data` message; the widget it changed, or null for an unknown widget.
export function applyOp(widgets, config, op) {
  const widget = widgets.get(op.widget);
  if (!widget) return null;
  const d = widget.data;
  const kind = widget.spec.kind;
  if (op.points) {
    // A burst the server sent M4-reduced (docs/PROTOCOL.md): zooming fetches its detail.
    if (op.decimated) widget.decimated = true;
    if (kind === "line_chart") {
      let pts = d.series.get(op.series);
      if (!pts) { pts = []; d.series.set(op.series, pts); }
      if (append(pts, op.points, capacity(widget.spec, config))) widget.decimated = true;
    } else if (append(d.points, op.points, capacity(widget.spec, config))) {
      widget.decimated = true; // the older points are held decimated: zooming fetches their detail
    }
  } else if (op.values) {
    for (const [category, value, series = ""] of op.values) {
      const slot = d.values.find((v) => v[0] === category && v[2] === series);
      if (slot) slot[1] = value; else d.values.push([category, value, series]);
    }
  } else if (op.upsert) {
    const maxRows = widget.spec.options.max_rows || 100;
    widget.changed = widget.changed || new Set(); // rows the table flashes when next drawn
    for (const r of op.upsert) {
      widget.changed.add(r.key);
      d.rows.set(r.key, r.row);
      while (d.rows.size > maxRows) d.rows.delete(d.rows.keys().next().value);
    }
  } else if (op.delete) {
    for (const key of op.delete) d.rows.delete(key);
  } else if (op.clear) {
    if (d.rows) d.rows.clear();
    if (d.points) clearHeld(d.points);
    if (d.series) for (const pts of d.series.values()) clearHeld(pts);
    if (d.partial) d.partial = null;
  } else if (op.text !== undefined) {
    d.text = op.text;
    d.html = op.html || "";
  } else if (op.matrix) {
    d.matrix = op.matrix;
  } else if (op.partial !== undefined) {
    d.partial = op.partial; // a windowed metric's open window: [newest ts, value so far] or null
  }
  return widget;
}

// The newest value of a series that is not a gap, or null.
export function lastValue(points) {
  for (let i = points.length - 1; i >= 0; i--) if (points[i][1] !== null) return points[i][1];
  return null;
}

// "critical", "warning" or "" for a metric's value against its thresholds.
export function levelOf(value, thresholds) {
  if (!thresholds || value === null || value === undefined) return "";
  if (thresholds.critical !== undefined && thresholds.critical !== null && value >= thresholds.critical) return "critical";
  if (thresholds.warning !== undefined && thresholds.warning !== null && value >= thresholds.warning) return "warning";
  return "";
}
