// StreamViz browser dashboard: connects to /ws, applies the protocol of docs/PROTOCOL.md
// (hello, config, history, data) to a model of every widget, and renders them with ECharts.
// Rendering is batched per animation frame; only widgets whose data changed are redrawn.
"use strict";

(function () {
  const PROTOCOL_VERSION = 3;
  const embedMatch = location.pathname.match(/^\/embed\/([A-Za-z0-9_.-]+)\/?$/);
  const embedId = embedMatch ? embedMatch[1] : null;

  const state = {
    config: null,
    widgets: new Map(), // id -> widget model
    connection: "connecting",
    lastSeq: 0,
    messages: 0,
    paused: false,
    renderStats: { frames: 0, widgets: 0, totalMs: 0, maxMs: 0 }, // main-thread time spent drawing
    range: { kind: "all" }, // or {kind: "last", ms} or {kind: "custom", from, to}
    replay: null, // serving a recording: {from, to, at}, `at` the scrubbed time (ms)
    asOfPending: 0, // replay reads under way (tests wait for 0)
    losses: {}, // widget id -> {dropped, late}, from the server's `stats` messages
  };
  // Exposed for tests and debugging: read-only use, plus zoomTo(id, min, max) (null resets).
  window.streamviz = state;
  state.zoomTo = (id, min, max) => {
    const widget = state.widgets.get(id);
    if (!widget) return;
    if (widget.chart) widget.chart.dispatchAction({ type: "hideTip" });
    widget.zoom = min === null ? null : { min, max };
    markDirty(widget);
  };

  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  // Theme variables, read once per theme: reading computed style after the previous widget wrote
  // to the DOM forces a style recalculation, which made every chart redraw cost milliseconds.
  const cssCache = new Map();
  const css = (name) => {
    let value = cssCache.get(name);
    if (value === undefined) {
      value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
      cssCache.set(name, value);
    }
    return value;
  };

  // ---- number and time formatting --------------------------------------------------------------
  function formatNumber(value, format) {
    if (value === null || value === undefined || Number.isNaN(value)) return "–";
    const m = typeof format === "string" ? format.match(/^(,)?(?:\.(\d+))?([fd%])?$/) : null;
    if (m) {
      const grouping = !!m[1];
      const digits = m[2] !== undefined ? Number(m[2]) : (m[3] === "d" ? 0 : undefined);
      const percent = m[3] === "%";
      const opts = { useGrouping: grouping };
      if (digits !== undefined) { opts.minimumFractionDigits = digits; opts.maximumFractionDigits = digits; }
      return new Intl.NumberFormat("en-US", opts).format(percent ? value * 100 : value) + (percent ? "%" : "");
    }
    const abs = Math.abs(value);
    const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 4;
    return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits }).format(value);
  }
  const formatTime = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });
  function formatDateTime(value) {
    const date = typeof value === "number" ? new Date(value) : new Date(String(value));
    return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString([], { hour12: false });
  }

  // ---- widget models ----------------------------------------------------------------------------
  function capacity(spec) {
    return (spec.options && spec.options.max_points) || (state.config && state.config.buffer_size) || 1000;
  }

  function emptyData(kind) {
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

  function setHistory(widget, data) {
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
    markDirty(widget);
  }

  function trim(points, max) {
    if (points.length > max) points.splice(0, points.length - max);
  }

  function applyOp(op) {
    const widget = state.widgets.get(op.widget);
    if (!widget) return;
    const d = widget.data;
    const kind = widget.spec.kind;
    if (op.points) {
      if (kind === "line_chart") {
        let pts = d.series.get(op.series);
        if (!pts) { pts = []; d.series.set(op.series, pts); }
        for (const p of op.points) pts.push(p);
        trim(pts, capacity(widget.spec));
      } else {
        for (const p of op.points) d.points.push(p);
        trim(d.points, capacity(widget.spec));
      }
    } else if (op.values) {
      for (const [category, value, series = ""] of op.values) {
        const slot = d.values.find((v) => v[0] === category && v[2] === series);
        if (slot) slot[1] = value; else d.values.push([category, value, series]);
      }
    } else if (op.upsert) {
      const maxRows = widget.spec.options.max_rows || 100;
      widget.changed = widget.changed || new Set();
      for (const r of op.upsert) {
        widget.changed.add(r.key);
        d.rows.set(r.key, r.row);
        while (d.rows.size > maxRows) d.rows.delete(d.rows.keys().next().value);
      }
    } else if (op.delete) {
      for (const key of op.delete) d.rows.delete(key);
    } else if (op.clear) {
      if (d.rows) d.rows.clear();
      if (d.points) d.points.length = 0;
      if (d.series) for (const pts of d.series.values()) pts.length = 0;
      if (d.partial) d.partial = null;
    } else if (op.text !== undefined) {
      d.text = op.text;
      d.html = op.html || "";
    } else if (op.matrix) {
      d.matrix = op.matrix;
    } else if (op.partial !== undefined) {
      d.partial = op.partial; // a windowed metric's open window: [newest ts, value so far] or null
    }
    markDirty(widget);
  }

  // ---- rendering ----------------------------------------------------------------------------------
  const dirty = new Set();
  let frameRequested = false;
  function markDirty(widget) {
    dirty.add(widget);
    if (!frameRequested) {
      frameRequested = true;
      requestAnimationFrame(renderDirty);
    }
  }
  function renderDirty() {
    frameRequested = false;
    if (state.paused) return; // the models keep updating; the view catches up on resume
    const started = performance.now();
    let drawn = 0;
    for (const widget of dirty) {
      if (!isVisible(widget)) continue; // drawn when its page, tab or expander is shown
      try { render(widget); drawn++; } catch (err) { console.error("render failed for", widget.spec.id, err); }
    }
    const elapsed = performance.now() - started;
    const stats = state.renderStats;
    stats.frames++;
    stats.widgets += drawn;
    stats.totalMs += elapsed;
    stats.maxMs = Math.max(stats.maxMs, elapsed);
    dirty.clear();
  }

  function chartFor(widget, container) {
    if (!widget.chart) {
      widget.chart = echarts.init(container, null, { renderer: "canvas" });
      widget.resize = new ResizeObserver(() => widget.chart && widget.chart.resize());
      widget.resize.observe(container);
      if (widget.spec.kind === "metric" || widget.spec.kind === "line_chart") attachZoom(widget);
    }
    return widget.chart;
  }

  function baseChartOptions() {
    const text = css("--sv-text-muted");
    const border = css("--sv-border");
    return {
      animation: false,
      backgroundColor: "transparent",
      textStyle: { color: text, fontFamily: css("--sv-font-family") },
      grid: { left: 48, right: 16, top: 16, bottom: 28 },
      tooltip: { trigger: "axis", backgroundColor: css("--sv-surface"), borderColor: border, textStyle: { color: css("--sv-text") }, formatter: exactTooltip },
      xAxis: { type: "time", axisLine: { lineStyle: { color: border } }, splitLine: { show: false }, axisLabel: { color: text, hideOverlap: true } },
      yAxis: { type: "value", scale: true, axisLine: { lineStyle: { color: border } }, splitLine: { lineStyle: { color: border, opacity: 0.5 } }, axisLabel: { color: text } },
    };
  }

  // Tooltips show exact values and times to the millisecond (axis labels are rounded).
  function exactTooltip(params) {
    const list = Array.isArray(params) ? params : [params];
    if (!list.length) return "";
    const first = list[0];
    const ts = Array.isArray(first.value) ? first.value[0] : null;
    const escape = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
    const head = typeof ts === "number" ? formatExactTime(ts) : escape(first.name);
    const rows = list.map((p) => {
      const v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      return `${p.marker}${escape(p.seriesName)}: <b>${v === null || v === undefined ? "–" : escape(v)}</b>`;
    });
    return `<div class="sv-tip-time">${head}</div>${rows.join("<br>")}`;
  }
  function formatExactTime(ms) {
    const d = new Date(ms);
    const pad = (n, w = 2) => String(n).padStart(w, "0");
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  }

  // ---- time window: range selector and per-chart zoom ---------------------------------------------
  // The visible span of a time-series chart: the chart's own zoom if the user zoomed it, else the
  // dashboard's time range (the last N minutes up to now, or a custom interval), else everything.
  // A recording ends its spans at the scrubbed time: "All" is from its start, "Last N" before it.
  function timeWindow(widget, lastTs) {
    if (widget.zoom) return [widget.zoom.min, widget.zoom.max];
    const r = state.range;
    const replay = state.replay;
    if (r.kind === "last") { const end = replay ? replay.at : Math.max(Date.now(), lastTs || 0); return [end - r.ms, end]; }
    if (r.kind === "custom") return [r.from, r.to];
    if (replay) return [replay.from, replay.at];
    return null;
  }
  function applyWindow(widget, options, lastTs) {
    const span = timeWindow(widget, lastTs);
    widget.window = span;
    if (!span) return;
    options.xAxis.min = span[0];
    options.xAxis.max = span[1];
    // A history that came decimated is fetched again at full detail for a zoomed or custom span.
    if (widget.decimated && (widget.zoom || state.range.kind === "custom")) {
      const width = Math.max(100, Math.round(widget.chartEl.clientWidth || 800));
      const key = `${span[0]}:${span[1]}:${width}`;
      if (widget.detail && widget.detail.key === key) {
        options.series.forEach((series, i) => { series.data = widget.detail.points[i] || []; });
        return;
      }
      if (!widget.detail || widget.detail.pending !== key) fetchDetail(widget, span, width, key);
    }
    // Only the points in view (and one on each side, so lines reach the edges) are drawn, and
    // the value axis fits them.
    for (const series of options.series) series.data = inWindow(series.data, span);
    addOlder(widget, options, span);
  }
  // Points older than the ring holds: when a full ring starts after the span does, the part of
  // the span before it is asked of the producer, whose store (persistence) may have it, and drawn
  // in front of the live points. Fetched again only when the span or the ring's start moves by
  // more than 1/200 of the span.
  function addOlder(widget, options, span) {
    const held = widget.spec.kind === "line_chart" ? (widget.seriesNames || []).map((n) => widget.data.series.get(n) || []) : [widget.data.points];
    const full = held.some((points) => points.length >= capacity(widget.spec));
    const firstHeld = Math.min(...held.filter((p) => p.length).map((p) => p[0][0]));
    if (!full || !(span[0] < firstHeld)) return;
    const width = Math.max(100, Math.round(widget.chartEl.clientWidth || 800));
    const q = Math.max(1, (span[1] - span[0]) / 200);
    const key = `${Math.floor(span[0] / q)}:${Math.floor(firstHeld / q)}:${width}`;
    const older = widget.older;
    if (older && older.key === key) {
      held.forEach((_, i) => {
        const before = (older.points[i] || []).filter((p) => p[0] < firstHeld);
        if (before.length && options.series[i]) options.series[i].data = before.concat(options.series[i].data);
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
  function fetchRange(widget, span, width) {
    const id = encodeURIComponent(widget.spec.id);
    const names = widget.spec.kind === "line_chart" ? widget.seriesNames || [] : [null];
    return Promise.all(names.map((name) => {
      let url = `/api/v1/widgets/${id}/range?from=${span[0]}&to=${span[1]}&width=${width}`;
      if (name !== null) url += `&series=${encodeURIComponent(name)}`;
      return fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))));
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
  function inWindow(points, [min, max]) {
    let lo = 0, hi = points.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (points[mid][0] < min) lo = mid + 1; else hi = mid; }
    let end = lo;
    while (end < points.length && points[end][0] <= max) end++;
    return points.slice(Math.max(0, lo - 1), Math.min(points.length, end + 1));
  }
  const GRID_LEFT = 48, GRID_RIGHT = 16;
  // Drag selects a span to zoom into; shift+drag and shift+wheel pan; ctrl+wheel zooms; a
  // double-click returns to the dashboard's time range.
  function attachZoom(widget) {
    const chart = widget.chart;
    const zr = chart.getZr();
    const box = el("div", "sv-zoom-box");
    box.hidden = true;
    widget.chartEl.append(box);
    const valueAt = (x) => chart.convertFromPixel({ xAxisIndex: 0 }, x);
    const current = () => {
      if (widget.window) return widget.window.slice();
      return [valueAt(GRID_LEFT), valueAt(chart.getWidth() - GRID_RIGHT)];
    };
    // The tooltip points at a data index; hide it whenever the span (and so the drawn data) moves.
    const hideTip = () => chart.dispatchAction({ type: "hideTip" });
    const setZoom = (min, max) => { if (max > min) { hideTip(); widget.zoom = { min, max }; markDirty(widget); } };
    let drag = null;
    zr.on("mousedown", (e) => {
      if (e.event.button !== 0) return;
      drag = { x: e.offsetX, shift: e.event.shiftKey, span: current() };
    });
    zr.on("mousemove", (e) => {
      if (!drag) return;
      if (drag.shift) {
        const perPixel = (drag.span[1] - drag.span[0]) / Math.max(1, chart.getWidth() - GRID_LEFT - GRID_RIGHT);
        const shift = (drag.x - e.offsetX) * perPixel;
        setZoom(drag.span[0] + shift, drag.span[1] + shift);
      } else {
        const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
        Object.assign(box.style, { left: `${a}px`, width: `${b - a}px` });
        box.hidden = b - a < 3;
      }
    });
    const finish = (e) => {
      if (!drag) return;
      box.hidden = true;
      if (!drag.shift && Math.abs(e.offsetX - drag.x) >= 5) {
        const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
        setZoom(valueAt(a), valueAt(b));
      }
      drag = null;
    };
    zr.on("mouseup", finish);
    zr.on("globalout", () => { drag = null; box.hidden = true; });
    zr.on("mousewheel", (e) => {
      // A plain wheel scrolls the page; with ctrl it zooms, with shift it pans.
      if (!e.event.ctrlKey && !e.event.shiftKey) return;
      const [min, max] = current();
      e.event.preventDefault();
      if (e.event.ctrlKey) {
        const at = valueAt(e.offsetX);
        const factor = e.wheelDelta > 0 ? 0.8 : 1.25;
        setZoom(at - (at - min) * factor, at + (max - at) * factor);
      } else {
        const shift = (max - min) * 0.1 * (e.wheelDelta > 0 ? -1 : 1);
        setZoom(min + shift, max + shift);
      }
    });
    zr.on("mousedown", hideTip);
    zr.on("dblclick", () => { hideTip(); widget.zoom = null; markDirty(widget); });
  }

  function levelOf(value, thresholds) {
    if (!thresholds || value === null || value === undefined) return "";
    if (thresholds.critical !== undefined && thresholds.critical !== null && value >= thresholds.critical) return "critical";
    if (thresholds.warning !== undefined && thresholds.warning !== null && value >= thresholds.warning) return "warning";
    return "";
  }

  function lastValue(points) {
    for (let i = points.length - 1; i >= 0; i--) if (points[i][1] !== null) return points[i][1];
    return null;
  }

  function setValue(node, value, unit, format) {
    node.textContent = formatNumber(value, format);
    if (unit) node.append(el("span", "sv-unit", unit));
  }

  // What widgets lost of their input (the server's `stats` message): a warning badge on the card.
  function applyStats(message) {
    state.losses = message.widgets || {};
    for (const widget of state.widgets.values()) showLosses(widget);
  }
  function compactCount(n) {
    if (n < 1000) return String(n);
    if (n < 100000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
    if (n < 1000000) return `${Math.floor(n / 1000)}k`;
    return `${(n / 1e6).toFixed(1).replace(/\.0$/, "")}M`;
  }
  function showLosses(widget) {
    const node = widget.lossEl;
    if (!node) return;
    const losses = (state.losses || {})[widget.spec.id] || { dropped: 0, late: 0 };
    const parts = [], detail = [];
    if (losses.dropped > 0) {
      parts.push(`${compactCount(losses.dropped)} dropped`);
      detail.push(`${losses.dropped.toLocaleString("en-US")} updates dropped: the producer's queue was full`);
    }
    if (losses.late > 0) {
      parts.push(`${compactCount(losses.late)} late`);
      detail.push(`${losses.late.toLocaleString("en-US")} points came after their window had closed and were left out`);
    }
    node.hidden = parts.length === 0;
    node.textContent = parts.length ? `⚠ ${parts.join(" · ")}` : "";
    node.title = detail.join("\n");
    node.dataset.dropped = String(losses.dropped);
    node.dataset.late = String(losses.late);
  }

  // The name of a windowed metric's open window in tooltips and exports.
  const PARTIAL = "open window (so far)";
  // What a windowed metric shows: "p95 per 1m", "avg over 5m every 10s".
  function windowCaption(o) {
    if (!o.window) return "";
    const aggregation = o.aggregation || "avg";
    return o.slide ? `${aggregation} over ${o.window} every ${o.slide}` : `${aggregation} per ${o.window}`;
  }

  const renderers = {
    metric(widget) {
      const o = widget.spec.options;
      const last = lastValue(widget.data.points);
      setValue(widget.valueEl, last, o.unit);
      widget.valueEl.dataset.value = last === null ? "" : String(last);
      widget.valueEl.dataset.level = levelOf(last, o.thresholds);
      const color = o.color || css("--sv-primary");
      const marks = [];
      if (o.thresholds && o.thresholds.warning != null) marks.push({ yAxis: o.thresholds.warning, lineStyle: { color: css("--sv-warning") } });
      if (o.thresholds && o.thresholds.critical != null) marks.push({ yAxis: o.thresholds.critical, lineStyle: { color: css("--sv-error") } });
      // Threshold zones: the band from warning to critical, and above critical, tinted.
      const t = o.thresholds || {};
      const zones = [];
      if (t.warning != null) zones.push([{ yAxis: t.warning, itemStyle: { color: css("--sv-warning"), opacity: 0.08 } }, { yAxis: t.critical != null ? t.critical : "max" }]);
      if (t.critical != null) zones.push([{ yAxis: t.critical, itemStyle: { color: css("--sv-error"), opacity: 0.1 } }, { yAxis: "max" }]);
      const options = baseChartOptions();
      options.series = [{
        type: "line", name: o.title || widget.spec.id, data: widget.data.points, showSymbol: widget.data.points.length < 2, connectNulls: false,
        lineStyle: { color, width: 2 }, itemStyle: { color }, areaStyle: { color, opacity: 0.08 },
        markLine: marks.length ? { symbol: "none", silent: true, label: { show: false }, data: marks } : undefined,
        markArea: zones.length ? { silent: true, data: zones } : undefined,
      }];
      const points = widget.data.points;
      let newest = points.length ? points[points.length - 1][0] : null;
      const partial = widget.data.partial;
      if (partial) {
        // A windowed metric's open window: dashed from the last closed window, a hollow marker.
        const from = points.length && points[points.length - 1][1] !== null ? [points[points.length - 1]] : [];
        options.series.push({
          type: "line", name: PARTIAL, data: from.concat([partial]), connectNulls: false,
          showSymbol: true, symbol: (value, params) => (params.dataIndex === from.length ? "emptyCircle" : "none"), symbolSize: 8,
          lineStyle: { color, width: 2, type: "dashed", opacity: 0.8 }, itemStyle: { color },
        });
        newest = Math.max(newest === null ? -Infinity : newest, partial[0]);
      }
      applyWindow(widget, options, newest);
      chartFor(widget, widget.chartEl).setOption(options, { notMerge: true });
    },
    stat(widget) {
      const o = widget.spec.options;
      const points = widget.data.points;
      const last = lastValue(points);
      setValue(widget.valueEl, last, o.unit, o.format);
      widget.valueEl.dataset.value = last === null ? "" : String(last);
      if (o.delta && points.length >= 2) {
        const diff = points[points.length - 1][1] - points[points.length - 2][1];
        const sign = diff > 0 ? "▲ +" : diff < 0 ? "▼ " : "● ";
        widget.deltaEl.textContent = sign + formatNumber(diff, o.format);
        let direction = "neutral";
        if (o.delta_color !== "off" && diff !== 0) {
          const up = diff > 0;
          direction = (o.delta_color === "inverse" ? !up : up) ? "good" : "bad";
        }
        widget.deltaEl.dataset.direction = direction;
      } else {
        widget.deltaEl.textContent = "";
      }
      if (o.sparkline) {
        const color = css("--sv-primary");
        // The sparkline shows the sequence of values, evenly spaced: values sent within the same
        // millisecond would otherwise collapse onto one time.
        const recent = points.slice(-200).map((p, i) => [i, p[1]]);
        chartFor(widget, widget.chartEl).setOption({
          animation: false, grid: { left: 0, right: 0, top: 2, bottom: 0 },
          xAxis: { type: "value", show: false, min: 0, max: Math.max(1, recent.length - 1) },
          yAxis: { type: "value", show: false, scale: true },
          series: [{ type: "line", data: recent, showSymbol: false, lineStyle: { color, width: 1.5 }, areaStyle: { color, opacity: 0.15 } }],
        }, { notMerge: true });
      }
    },
    gauge(widget) {
      const o = widget.spec.options;
      const last = lastValue(widget.data.points);
      widget.valueEl.dataset.value = last === null ? "" : String(last);
      setValue(widget.valueEl, last, o.unit);
      const span = o.max - o.min;
      const bands = (o.thresholds || []).map(([bound, color]) => [Math.min(1, Math.max(0, (bound - o.min) / span)), color]);
      if (!bands.length || bands[bands.length - 1][0] < 1) bands.push([1, bands.length ? css("--sv-error") : css("--sv-primary")]);
      chartFor(widget, widget.chartEl).setOption({
        animation: false,
        series: [{
          type: "gauge", min: o.min, max: o.max, radius: "92%", center: ["50%", "58%"],
          axisLine: { lineStyle: { width: 14, color: bands } },
          pointer: { itemStyle: { color: css("--sv-text") }, width: 5 },
          axisTick: { show: false }, splitLine: { length: 10, lineStyle: { color: css("--sv-border") } },
          axisLabel: { color: css("--sv-text-muted"), distance: 18, fontSize: 10 },
          detail: { formatter: (v) => formatNumber(v) + (o.unit || ""), color: css("--sv-text"), fontSize: 20, offsetCenter: [0, "55%"] },
          data: [{ value: last === null ? o.min : last }],
        }],
      }, { notMerge: true });
    },
    line_chart(widget) {
      const o = widget.spec.options;
      const declared = o.series || [];
      const names = declared.map((s) => s.name);
      for (const name of widget.data.series.keys()) if (!names.includes(name)) names.push(name);
      const options = baseChartOptions();
      options.legend = { top: 0, textStyle: { color: css("--sv-text-muted") } };
      options.grid.top = 30;
      if (o.y_axis) {
        if (o.y_axis.label) { options.yAxis.name = o.y_axis.label; options.yAxis.nameTextStyle = { color: css("--sv-text-muted") }; }
        if (o.y_axis.min != null) options.yAxis.min = o.y_axis.min;
        if (o.y_axis.max != null) options.yAxis.max = o.y_axis.max;
      }
      options.series = names.map((name) => {
        const spec = declared.find((s) => s.name === name) || {};
        const color = spec.color || undefined;
        const data = widget.data.series.get(name) || [];
        // A lone point has no line to show it: draw its symbol.
        return { type: "line", name: spec.label || name, data, showSymbol: data.length < 2,
                 lineStyle: { width: 2, color }, itemStyle: { color } };
      });
      widget.seriesNames = names;
      let lastTs = null;
      for (const pts of widget.data.series.values()) if (pts.length) lastTs = Math.max(lastTs || 0, pts[pts.length - 1][0]);
      applyWindow(widget, options, lastTs);
      chartFor(widget, widget.chartEl).setOption(options, { notMerge: true });
    },
    bar_chart(widget) {
      const o = widget.spec.options;
      const categories = (o.categories || []).slice();
      for (const [c] of widget.data.values) if (!categories.includes(c)) categories.push(c);
      // Series in order of arrival: one ("") for a plain bar chart, else grouped or stacked.
      const seriesNames = [];
      for (const [, , s] of widget.data.values) if (!seriesNames.includes(s)) seriesNames.push(s);
      if (!seriesNames.length) seriesNames.push("");
      const single = seriesNames.length === 1 && seriesNames[0] === "";
      const palette = [o.color || css("--sv-primary"), css("--sv-secondary"), css("--sv-success"), css("--sv-warning"), css("--sv-error")];
      const options = baseChartOptions();
      options.tooltip.trigger = "axis";
      options.tooltip.formatter = undefined;
      options.xAxis = { type: "category", data: categories, axisLabel: { color: css("--sv-text-muted") }, axisLine: { lineStyle: { color: css("--sv-border") } } };
      options.yAxis.scale = false;
      if (!single) { options.legend = { top: 0, textStyle: { color: css("--sv-text-muted") } }; options.grid.top = 30; }
      options.series = seriesNames.map((name, i) => {
        const data = categories.map((c) => { const v = widget.data.values.find((p) => p[0] === c && p[2] === name); return v ? v[1] : null; });
        const last = !o.stacked || i === seriesNames.length - 1;
        return { type: "bar", name: single ? o.title || widget.spec.id : name, data, stack: o.stacked ? "total" : undefined,
                 itemStyle: { color: i < palette.length ? palette[i] : undefined, borderRadius: last ? [4, 4, 0, 0] : 0 },
                 label: { show: single || !o.stacked, position: "top", color: css("--sv-text-muted"), formatter: (p) => formatNumber(p.value) } };
      });
      chartFor(widget, widget.chartEl).setOption(options, { notMerge: true });
    },
    table(widget) {
      const o = widget.spec.options;
      let rows = Array.from(widget.data.rows.entries()).reverse(); // newest first
      if (widget.sort === undefined && o.sort_by) { // the declared order until a header is clicked
        const descending = o.sort_by.startsWith("-");
        widget.sort = { column: descending ? o.sort_by.slice(1) : o.sort_by, descending };
      }
      const sort = widget.sort; // {column, descending}
      if (sort) {
        const compare = (a, b) => {
          const x = a[1][sort.column], y = b[1][sort.column];
          if (x === y) return 0;
          if (x === null || x === undefined) return 1; // empty cells last either way
          if (y === null || y === undefined) return -1;
          const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
          return sort.descending ? -order : order;
        };
        rows = rows.slice().sort(compare);
      }
      const changed = widget.changed || new Set();
      widget.changed = new Set();
      const columns = (o.columns || []).slice();
      const names = columns.map((c) => c.name);
      for (const [, row] of rows) for (const field of Object.keys(row)) if (!names.includes(field)) { names.push(field); columns.push({ name: field, type: "text" }); }
      const filter = widget.filterEl ? widget.filterEl.value.trim().toLowerCase() : "";
      const table = el("table", "sv-table");
      const head = el("tr");
      for (const c of columns) {
        const th = el("th", "", c.label || c.name);
        if (c.width) th.style.width = c.width + "px";
        if (o.sortable !== false) {
          th.classList.add("sv-sortable");
          th.dataset.column = c.name;
          const active = sort && sort.column === c.name;
          th.setAttribute("aria-sort", active ? (sort.descending ? "descending" : "ascending") : "none");
          if (active) th.append(el("span", "sv-sort", sort.descending ? " ▼" : " ▲"));
          // Click: ascending, descending, then back to newest first.
          th.addEventListener("click", () => {
            const current = widget.sort && widget.sort.column === c.name ? widget.sort : null;
            widget.sort = !current ? { column: c.name, descending: false } : !current.descending ? { column: c.name, descending: true } : null;
            markDirty(widget);
          });
        }
        head.append(th);
      }
      const thead = el("thead");
      thead.append(head);
      table.append(thead);
      const body = el("tbody");
      let shown = 0;
      for (const [key, row] of rows) {
        if (filter && !Object.values(row).some((v) => String(v).toLowerCase().includes(filter))) continue;
        const tr = el("tr");
        tr.dataset.key = key;
        if (changed.has(key)) tr.classList.add("sv-flash"); // just inserted or updated
        for (const c of columns) {
          const value = row[c.name];
          const td = el("td");
          if (value === null || value === undefined) { td.textContent = ""; }
          else if (c.type === "number") { td.className = "sv-number"; td.textContent = typeof value === "number" ? formatNumber(value, c.format) : String(value); }
          else if (c.type === "datetime") { td.textContent = formatDateTime(value); }
          else if (c.type === "badge") {
            const badge = el("span", "sv-badge", String(value));
            const color = c.colors && c.colors[String(value)];
            if (color) { badge.style.background = color; badge.style.color = "#fff"; }
            td.append(badge);
          } else { td.textContent = String(value); }
          tr.append(td);
        }
        body.append(tr);
        shown++;
      }
      table.append(body);
      widget.tableEl.replaceChildren(table);
      widget.countEl.textContent = `${shown} of ${widget.data.rows.size} rows`;
    },
    text(widget) {
      widget.textEl.textContent = widget.data.text;
    },
    markdown(widget) {
      // The server renders markdown with raw HTML escaped and unsafe URLs removed.
      widget.textEl.innerHTML = widget.data.html || "";
    },
    heatmap(widget) {
      const o = widget.spec.options;
      const matrix = widget.data.matrix || [];
      const rows = matrix.length;
      const cols = rows ? matrix[0].length : 0;
      const xs = o.x_labels && o.x_labels.length ? o.x_labels : Array.from({ length: cols }, (_, i) => String(i));
      const ys = o.y_labels && o.y_labels.length ? o.y_labels : Array.from({ length: rows }, (_, i) => String(i));
      const cells = [];
      let lo = Infinity, hi = -Infinity;
      matrix.forEach((row, y) => row.forEach((v, x) => { cells.push([x, y, v]); lo = Math.min(lo, v); hi = Math.max(hi, v); }));
      if (!cells.length) { lo = 0; hi = 1; }
      const muted = css("--sv-text-muted");
      chartFor(widget, widget.chartEl).setOption({
        animation: false,
        tooltip: { formatter: (p) => `${ys[p.value[1]]} · ${xs[p.value[0]]}: ${formatNumber(p.value[2])}${o.unit || ""}` },
        grid: { left: 60, right: 16, top: 10, bottom: 60 },
        xAxis: { type: "category", data: xs, axisLabel: { color: muted }, splitArea: { show: true } },
        yAxis: { type: "category", data: ys, inverse: true, axisLabel: { color: muted }, splitArea: { show: true } },
        visualMap: { min: o.min != null ? o.min : lo, max: o.max != null ? o.max : hi, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                     itemHeight: 120, textStyle: { color: muted }, inRange: { color: [css("--sv-surface"), css("--sv-primary"), css("--sv-secondary")] } },
        series: [{ type: "heatmap", data: cells, label: { show: cols * rows <= 100, color: css("--sv-text"), formatter: (p) => formatNumber(p.value[2]) } }],
      }, { notMerge: true });
    },
  };

  function render(widget) {
    const renderer = renderers[widget.spec.kind];
    if (renderer) renderer(widget);
    widget.card.dataset.rendered = String((Number(widget.card.dataset.rendered) || 0) + 1);
  }

  // ---- cards ----------------------------------------------------------------------------------------
  function buildCard(widget) {
    const spec = widget.spec;
    const o = spec.options || {};
    const card = el("section", "sv-card");
    card.dataset.widget = spec.id;
    card.dataset.kind = spec.kind;
    const head = el("div", "sv-card-head");
    const titleText = o.title || (["text", "markdown"].includes(spec.kind) ? "" : spec.id);
    if (titleText) head.append(el("div", "sv-card-title", titleText));
    const caption = spec.kind === "metric" ? windowCaption(o) : "";
    if (caption) head.append(el("div", "sv-card-caption", caption));
    widget.lossEl = el("div", "sv-loss");
    head.append(widget.lossEl);
    showLosses(widget);
    card.append(head);
    widget.card = card;
    head.append(buildTools(widget));
    switch (spec.kind) {
      case "metric": case "gauge":
        widget.valueEl = el("div", "sv-value");
        head.append(widget.valueEl);
        widget.chartEl = el("div", "sv-chart");
        card.append(widget.chartEl);
        break;
      case "stat": {
        const box = el("div", "sv-stat");
        widget.valueEl = el("div", "sv-stat-number sv-value");
        widget.deltaEl = el("div", "sv-delta");
        widget.chartEl = el("div", "sv-chart");
        box.append(widget.valueEl, widget.deltaEl, widget.chartEl);
        card.append(box);
        break;
      }
      case "line_chart": case "bar_chart": case "heatmap":
        widget.chartEl = el("div", "sv-chart");
        card.append(widget.chartEl);
        break;
      case "table":
        if (o.filterable) {
          widget.filterEl = el("input", "sv-filter");
          widget.filterEl.placeholder = "Filter…";
          widget.filterEl.addEventListener("input", () => markDirty(widget));
          card.append(widget.filterEl);
        }
        widget.countEl = el("div", "sv-card-title");
        head.append(widget.countEl);
        widget.tableEl = el("div", "sv-table-wrap");
        card.append(widget.tableEl);
        break;
      case "text":
        widget.textEl = el("div", "sv-text");
        widget.textEl.dataset.style = o.style || "body";
        card.append(widget.textEl);
        break;
      case "markdown":
        widget.textEl = el("div", "sv-markdown");
        card.append(widget.textEl);
        break;
    }
    return card;
  }

  // Per-widget tools: export (CSV, JSON, PNG of the chart) and maximise.
  const CHART_KINDS = ["metric", "stat", "gauge", "line_chart", "bar_chart", "heatmap"];
  function buildTools(widget) {
    const id = widget.spec.id;
    const tools = el("div", "sv-tools");
    const menu = el("details", "sv-menu");
    const summary = el("summary", "sv-tool", "⋯");
    summary.title = "Export";
    menu.append(summary);
    const list = el("div", "sv-menu-list");
    for (const format of ["csv", "json"]) {
      const link = el("a", "sv-menu-item", `Export ${format.toUpperCase()}`);
      link.href = `/api/v1/widgets/${encodeURIComponent(id)}/data?format=${format}`;
      link.download = `${id}.${format}`;
      link.dataset.export = format;
      link.addEventListener("click", () => { menu.open = false; });
      list.append(link);
    }
    if (CHART_KINDS.includes(widget.spec.kind)) {
      const png = el("button", "sv-menu-item", "Export PNG");
      png.type = "button";
      png.dataset.export = "png";
      png.addEventListener("click", () => {
        menu.open = false;
        if (!widget.chart) return;
        const link = el("a");
        link.href = widget.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: css("--sv-surface") });
        link.download = `${id}.png`;
        document.body.append(link);
        link.click();
        link.remove();
      });
      list.append(png);
    }
    menu.append(list);
    const maximise = el("button", "sv-tool", "⤢");
    maximise.type = "button";
    maximise.title = "Maximise (Esc to restore)";
    maximise.dataset.action = "maximise";
    maximise.addEventListener("click", () => setMaximised(widget, !widget.card.classList.contains("sv-maximised")));
    tools.append(menu, maximise);
    return tools;
  }
  function setMaximised(widget, on) {
    for (const other of state.widgets.values()) other.card.classList.remove("sv-maximised");
    widget.card.classList.toggle("sv-maximised", on);
    document.body.classList.toggle("sv-has-maximised", on);
    markDirty(widget);
  }
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const widget of state.widgets.values()) if (widget.card.classList.contains("sv-maximised")) setMaximised(widget, false);
  });

  function disposeWidget(widget) {
    if (widget.resize) widget.resize.disconnect();
    if (widget.chart) widget.chart.dispose();
    widget.card.remove();
  }

  // ---- layout --------------------------------------------------------------------------------------
  // The config's layout tree (pages, sidebar, columns, tabs, expanders) is rebuilt on every config;
  // widget cards are kept and moved, and the open tab and expander state survives a rebuild.
  const openTabs = new Map(); // tabs id -> tab name
  const emptyEl = document.getElementById("sv-empty");
  const openExpanders = new Map(); // expander id -> open?

  function currentSlug() {
    const m = location.pathname.match(/^\/page\/([^/]+)\/?$/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function cardOf(id) {
    const widget = state.widgets.get(id);
    if (!widget) return null;
    const o = widget.spec.placement || {};
    widget.card.style.gridColumn = o.width ? `span ${o.width}` : "";
    if (o.height && widget.chartEl) widget.chartEl.style.height = `${o.height}px`;
    if (o.height && widget.tableEl) widget.tableEl.style.maxHeight = `${o.height}px`;
    return widget.card;
  }

  // Children of a page, tab, expander or the sidebar: widgets side by side in a responsive grid,
  // containers full width between them.
  function buildChildren(nodes, parent, flowClass) {
    let flow = null;
    for (const node of nodes) {
      if (node.type === "widget") {
        const card = cardOf(node.id);
        if (!card) continue;
        if (!flow) { flow = el("div", flowClass); parent.append(flow); }
        flow.append(card);
      } else {
        flow = null;
        parent.append(buildNode(node));
      }
    }
  }

  function buildNode(node) {
    switch (node.type) {
      case "columns": {
        const row = el("div", "sv-columns");
        row.dataset.container = node.id;
        row.style.gridTemplateColumns = node.weights.map((w) => `minmax(0, ${w}fr)`).join(" ");
        for (const column of node.children) {
          const col = el("div", "sv-column");
          col.dataset.container = column.id;
          buildChildren(column.children, col, "sv-stack");
          row.append(col);
        }
        return row;
      }
      case "tabs": {
        const box = el("div", "sv-tabs");
        box.dataset.container = node.id;
        const bar = el("div", "sv-tab-bar");
        bar.setAttribute("role", "tablist");
        box.append(bar);
        const names = node.children.map((t) => t.name);
        if (!names.includes(openTabs.get(node.id))) openTabs.set(node.id, names[0]);
        for (const tab of node.children) {
          const button = el("button", "sv-tab", tab.name);
          button.type = "button";
          button.setAttribute("role", "tab");
          const panel = el("div", "sv-tab-panel");
          panel.dataset.container = tab.id;
          panel.dataset.tab = tab.name;
          buildChildren(tab.children, panel, "sv-flow");
          const select = () => {
            openTabs.set(node.id, tab.name);
            for (const b of bar.children) b.setAttribute("aria-selected", String(b === button));
            for (const p of box.querySelectorAll(":scope > .sv-tab-panel")) p.hidden = p !== panel;
            redrawVisible();
          };
          button.addEventListener("click", select);
          const selected = openTabs.get(node.id) === tab.name;
          button.setAttribute("aria-selected", String(selected));
          panel.hidden = !selected;
          bar.append(button);
          box.append(panel);
        }
        return box;
      }
      case "expander": {
        const details = el("details", "sv-expander");
        details.dataset.container = node.id;
        details.open = openExpanders.has(node.id) ? openExpanders.get(node.id) : node.expanded;
        details.append(el("summary", "", node.title));
        const body = el("div", "sv-expander-body");
        buildChildren(node.children, body, "sv-flow");
        details.append(body);
        details.addEventListener("toggle", () => { openExpanders.set(node.id, details.open); redrawVisible(); });
        return details;
      }
      default:
        return el("div");
    }
  }

  function buildNav(pages, current) {
    const nav = document.getElementById("sv-nav");
    nav.replaceChildren();
    nav.hidden = pages.length < 2;
    for (const page of pages) {
      const link = el("a", "sv-nav-link", page.name || (state.config && state.config.title) || "Home");
      link.href = page.slug ? `/page/${encodeURIComponent(page.slug)}` : "/";
      link.dataset.slug = page.slug;
      if (page === current) link.setAttribute("aria-current", "page");
      link.addEventListener("click", (event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
        event.preventDefault();
        history.pushState(null, "", link.href);
        layout();
      });
      nav.append(link);
    }
  }

  function layout() {
    const config = state.config;
    if (!config) return;
    const main = document.getElementById("sv-grid");
    const sidebar = document.getElementById("sv-sidebar");
    for (const widget of state.widgets.values()) widget.card.remove();
    if (embedId) {
      const card = cardOf(embedId);
      main.replaceChildren(...(card ? [card] : []));
      redrawVisible();
      return;
    }
    const tree = config.layout || { pages: [{ slug: "", children: config.widgets.map((w) => ({ type: "widget", id: w.id })) }], sidebar: [] };
    const slug = currentSlug();
    const page = tree.pages.find((p) => p.slug === slug) || tree.pages[0];
    buildNav(tree.pages, page);
    document.documentElement.dataset.page = page.slug;
    main.replaceChildren();
    buildChildren(page.children, main, "sv-flow");
    sidebar.replaceChildren();
    buildChildren(tree.sidebar || [], sidebar, "sv-stack");
    sidebar.hidden = !(tree.sidebar && tree.sidebar.length);
    const empty = emptyEl;
    empty.hidden = state.widgets.size > 0;
    if (state.widgets.size === 0) main.append(empty);
    redrawVisible();
  }

  // Charts in hidden tabs, closed expanders or other pages are drawn when they become visible.
  function redrawVisible() {
    for (const widget of state.widgets.values()) if (isVisible(widget)) markDirty(widget);
  }
  function isVisible(widget) {
    return widget.card.isConnected && widget.card.getClientRects().length > 0;
  }

  // ---- theme and branding -----------------------------------------------------------------------
  // The server sends the resolved palette; it becomes the CSS variables every style and chart
  // reads. `?theme=dark|light` in the URL (for embeds) overrides it with a built-in theme.
  const THEME_KEYS = ["background", "surface", "border", "primary", "secondary", "success", "warning", "error", "text", "text_muted", "font_family"];
  function applyTheme(theme) {
    const root = document.documentElement;
    const override = new URLSearchParams(location.search).get("theme");
    const builtin = override === "dark" || override === "light" ? override : null;
    const palette = builtin || typeof theme !== "object" || !theme ? null : theme;
    root.dataset.theme = builtin || (palette ? palette.base : theme) || "dark";
    for (const key of THEME_KEYS) {
      const name = "--sv-" + key.replace("_", "-");
      if (palette && palette[key]) root.style.setProperty(name, palette[key]);
      else root.style.removeProperty(name);
    }
    state.theme = root.dataset.theme;
    cssCache.clear();
    for (const widget of state.widgets.values()) markDirty(widget); // charts read the colours
  }

  function applyBranding(config) {
    document.getElementById("sv-favicon").href = config.favicon || "/assets/favicon.svg";
    const logo = document.getElementById("sv-logo");
    if (config.logo) { logo.src = config.logo; logo.hidden = false; } else { logo.removeAttribute("src"); logo.hidden = true; }
  }

  function applyConfig(config) {
    state.config = config;
    applyTheme(config.theme);
    applyBranding(config);
    document.getElementById("sv-title").textContent = config.title;
    document.title = embedId ? `${embedId} · ${config.title}` : config.title;
    const wanted = config.widgets.filter((w) => !embedId || w.id === embedId);
    const wantedIds = new Set(wanted.map((w) => w.id));
    for (const [id, widget] of state.widgets) {
      if (!wantedIds.has(id)) { disposeWidget(widget); state.widgets.delete(id); }
    }
    for (const spec of wanted) {
      let widget = state.widgets.get(spec.id);
      if (widget && JSON.stringify(widget.spec) !== JSON.stringify(spec)) {
        // Options changed: rebuild the card, keep the data.
        const data = widget.data;
        disposeWidget(widget);
        widget = { spec, data };
        buildCard(widget);
        state.widgets.set(spec.id, widget);
      } else if (!widget) {
        widget = { spec, data: emptyData(spec.kind) };
        buildCard(widget);
        state.widgets.set(spec.id, widget);
      }
    }
    layout();
  }

  window.addEventListener("popstate", layout);

  // ---- connection -------------------------------------------------------------------------------------
  function setConnection(status, text) {
    state.connection = status;
    const node = document.getElementById("sv-status");
    node.dataset.state = status;
    document.getElementById("sv-status-text").textContent = status === "live" && state.replay ? "Replay" : text;
  }

  let retryMs = 250;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws`);
    socket.onopen = () => { retryMs = 250; };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch (err) { console.error("bad message", err); return; }
      state.messages++;
      switch (message.type) {
        case "hello":
          if (message.protocol !== PROTOCOL_VERSION) console.warn(`server speaks protocol ${message.protocol}, this page ${PROTOCOL_VERSION}`);
          setConnection("live", "Live");
          break;
        case "config": applyConfig(message); break;
        case "history": {
          const w = state.widgets.get(message.widget);
          if (!w) break;
          setHistory(w, message.data);
          if (state.replay && state.replay.at < state.replay.to) replayWidget(w); // scrubbed back
          break;
        }
        case "data": state.lastSeq = message.seq; for (const op of message.updates) applyOp(op); break;
        case "stats": applyStats(message); break;
        case "error": console.error("server:", message.reason); break;
        default: break;
      }
    };
    socket.onclose = () => {
      setConnection("reconnecting", "Reconnecting…");
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
    socket.onerror = () => socket.close();
  }

  // ---- header controls: pause/resume and the time range ----------------------------------------
  const pauseButton = document.getElementById("sv-pause");
  function setPaused(paused) {
    state.paused = paused;
    pauseButton.textContent = paused ? "▶ Resume" : "Pause";
    pauseButton.setAttribute("aria-pressed", String(paused));
    document.documentElement.dataset.paused = String(paused);
    if (!paused && dirty.size && !frameRequested) { frameRequested = true; requestAnimationFrame(renderDirty); }
  }
  pauseButton.addEventListener("click", () => setPaused(!state.paused));

  const RANGES = { "5m": 300e3, "15m": 900e3, "1h": 3600e3, "6h": 21600e3, "24h": 86400e3 };
  const rangeSelect = document.getElementById("sv-range");
  const customBox = document.getElementById("sv-custom");
  const fromInput = document.getElementById("sv-from");
  const toInput = document.getElementById("sv-to");
  const localInput = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3); return d.toISOString().slice(0, 16); };
  function applyRange() {
    const value = rangeSelect.value;
    customBox.hidden = value !== "custom";
    if (value === "custom") {
      if (!fromInput.value || !toInput.value) { const now = Date.now(); fromInput.value = localInput(now - 3600e3); toInput.value = localInput(now); }
      const from = new Date(fromInput.value).getTime();
      const to = new Date(toInput.value).getTime();
      if (!(to > from)) { toInput.setCustomValidity("The end must be after the start"); toInput.reportValidity(); return; }
      toInput.setCustomValidity("");
      state.range = { kind: "custom", from, to };
    } else {
      state.range = RANGES[value] ? { kind: "last", ms: RANGES[value] } : { kind: "all" };
    }
    for (const widget of state.widgets.values()) {
      if (widget.chart) widget.chart.dispatchAction({ type: "hideTip" });
      widget.zoom = null;
      markDirty(widget);
    }
  }
  rangeSelect.addEventListener("change", applyRange);
  fromInput.addEventListener("change", applyRange);
  toInput.addEventListener("change", applyRange);
  // "Last N minutes" follows the clock even when no data arrives.
  setInterval(() => {
    if (state.range.kind !== "last") return;
    for (const widget of state.widgets.values()) if (widget.spec.kind === "metric" || widget.spec.kind === "line_chart") markDirty(widget);
  }, 1000);

  // ---- recordings (python -m stream_viz replay, streamviz serve --open): a time scrubber --------
  // Plots end at the scrubbed time and read what lies before their rings from /range; stats and
  // gauges show the points up to it (the last one exact); tables, bars, texts and heatmaps are
  // asked for as their stored changes left them then (/at). Nothing live arrives meanwhile.
  const scrubBox = document.getElementById("sv-scrub");
  const scrubInput = document.getElementById("sv-scrub-input");
  const scrubTime = document.getElementById("sv-scrub-time");
  let asOfSeq = 0;
  let scrubTimer = null;
  function startReplay(span) {
    state.replay = { from: span.from, to: span.to, at: span.to };
    document.documentElement.dataset.replay = "true";
    pauseButton.hidden = true;
    scrubBox.hidden = false;
    // The slider counts milliseconds from the start: epoch times have too many digits for it.
    scrubInput.min = "0";
    scrubInput.max = String(span.to - span.from);
    scrubInput.value = scrubInput.max;
    scrubTime.textContent = formatExactTime(span.to).slice(0, 19);
    if (state.connection === "live") setConnection("live", "Live");
    for (const widget of state.widgets.values()) markDirty(widget);
  }
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
        return fetch(`/api/v1/widgets/${id}/range?from=${from}&to=${at}&width=64`).then(ok)
          .then((b) => (b.points_in_range > 60 || from <= start ? { points: b.points } : read(span * 60)));
      };
      return read(60e3);
    }
    return fetch(`/api/v1/widgets/${id}/at?t=${at}`).then(ok).then((m) => m.data);
  }
  state.seek = (at) => {
    const replay = state.replay;
    if (!replay) return;
    replay.at = Math.min(replay.to, Math.max(replay.from, at));
    scrubInput.value = String(replay.at - replay.from);
    scrubTime.textContent = formatExactTime(replay.at).slice(0, 19);
    ++asOfSeq;
    state.asOfPending = 0;
    for (const widget of state.widgets.values()) replayWidget(widget);
  };
  // Show one widget as of the scrubbed time (also when a reconnection sent its last state).
  function replayWidget(widget) {
    const kind = widget.spec.kind;
    if (kind === "metric" || kind === "line_chart") { markDirty(widget); return; }
    const seq = asOfSeq;
    state.asOfPending++;
    asOf(widget, state.replay.at).then((data) => {
      if (seq !== asOfSeq) return; // scrubbed on since
      setHistory(widget, data);
    }).catch((err) => console.warn("replay of", widget.spec.id, "failed:", err.message))
      .finally(() => { if (seq === asOfSeq) state.asOfPending--; });
  }
  const scrubbedTo = () => {
    const offset = Number(scrubInput.value);
    return offset >= Number(scrubInput.max) ? state.replay.to : state.replay.from + offset;
  };
  // While dragging, ask at most every 150 ms; where it stops, at once.
  scrubInput.addEventListener("input", () => {
    scrubTime.textContent = formatExactTime(scrubbedTo()).slice(0, 19);
    if (scrubTimer === null) scrubTimer = setTimeout(() => { scrubTimer = null; state.seek(scrubbedTo()); }, 150);
  });
  scrubInput.addEventListener("change", () => {
    if (scrubTimer !== null) { clearTimeout(scrubTimer); scrubTimer = null; }
    state.seek(scrubbedTo());
  });

  if (embedId) document.body.classList.add("sv-embed");
  fetch("/api/v1/recording").then((r) => (r.ok ? r.json() : {})).then((b) => { if (b.recording) startReplay(b.recording); }).catch(() => {});
  connect();
})();
