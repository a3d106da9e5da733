// Time-series charts (metric, line chart, stat sparkline) drawn with uPlot (vendored, a global
// script): chosen over ECharts by measurement (docs/BENCHMARKS.md, "Choosing the chart library").
// A widget's kind describes what to show as a view (below); this module keeps one uPlot per
// widget, made anew only when the view's shape changes (its series, colours, theme), and
// otherwise only gives it new data: points cut to the span (ranges.js), decimated to the chart's
// pixel columns and aligned (plotdata.js). Threshold zones and lines, exact tooltips and the
// legend are drawn here; zooming by hand is zoom.js.
//
// A view: {
//   series: [{name, color (null: the palette's), width, dash, fill (opacity under the line),
//             marker ("last": a hollow circle on the newest point), points}],
//   span: [from, to] or null (fitted to the points), time (false: x is a plain number),
//   lines: [{value, color}], zones: [{from, to (null: the top), color, opacity}],
//   yAxis: {name, min, max} or null, legend, axes (false: a bare sparkline),
//   area (fill under each line, from 0), stacked (each series on top of those before it)
// }

import { css, el } from "./dom.js";
import { escapeHtml, formatExactTime, formatTick } from "./format.js";
import { aligned, decimated, extentOf, stacked } from "./plotdata.js";

// Line colours of series that declare none, after the theme's primary.
const PALETTE = ["--sv-primary", "--sv-secondary", "--sv-success", "--sv-warning", "--sv-error"];
const EXTRA = ["#73c0de", "#fc8452", "#9a60b4", "#ea7ccc", "#3ba272"];

function paletteColor(i) {
  return i < PALETTE.length ? css(PALETTE[i]) : EXTRA[(i - PALETTE.length) % EXTRA.length];
}

// A CSS colour at `alpha` opacity, as a canvas style.
const probe = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
export function withAlpha(color, alpha) {
  probe.fillStyle = "#000";
  probe.fillStyle = color;
  const c = probe.fillStyle; // "#rrggbb" or "rgba(r, g, b, a)"
  if (c.startsWith("#")) {
    const n = parseInt(c.slice(1), 16);
    return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  return c.replace(/rgba?\(([^,]+),([^,]+),([^,)]+)(,[^)]*)?\)/, `rgba($1,$2,$3, ${alpha})`);
}

// Draw `view` in the widget's chart area (`widget.chartEl`), making its chart on first use or
// when the view's shape changed; true when the chart is new (zoom.js attaches to it then).
export function drawTimeChart(widget, view) {
  const colors = view.series.map((s, i) => s.color || paletteColor(i));
  const shape = JSON.stringify([view.series.map((s) => [s.name, s.width, s.dash, s.fill, s.marker]), colors, view.yAxis,
    view.legend, view.axes, view.time, view.zones, view.lines, !!view.area, !!view.stacked,
    css("--sv-text-muted"), css("--sv-border"), css("--sv-surface")]);
  let plot = widget.plot;
  const fresh = !plot || plot.shape !== shape;
  if (fresh) {
    disposeTimeChart(widget);
    plot = widget.plot = makePlot(widget, view, colors);
    plot.shape = shape;
  }
  plot.view = view;
  // Each series cut to the span (done by ranges.js) and decimated to the chart's columns.
  const extent = extentOf(view.series.map((s) => s.points));
  // Points all at one time (a burst sent in a loop) stand in the middle of two seconds.
  const fixed = view.span || (extent && view.time && extent[0] === extent[1] ? [extent[0] - 1000, extent[1] + 1000] : null);
  const span = fixed || extent || [0, 1];
  const plotWidth = Math.max(1, plot.u.bbox.width / (devicePixelRatio || 1));
  plot.drawn = view.series.map((s) => decimated(s.points, span[0], span[1], plotWidth));
  plot.lone = plot.drawn.map(isLone);
  plot.span = view.span;
  const u = plot.u;
  let data = aligned(plot.drawn);
  plot.own = null;
  if (view.stacked) {
    const st = stacked(data, u.series.slice(1).map((s) => s.show));
    data = st.tops;
    plot.own = st.own;
  }
  u.batch(() => {
    u.setData(data, true);
    if (fixed) u.setScale("x", { min: fixed[0], max: fixed[1] });
  });
  return fresh;
}

// Whether a series has fewer than two values to draw a line between (its point is shown).
function isLone(points) {
  let values = 0;
  for (let i = 0; i < points.length && values < 2; i++) if (points[i][1] !== null) values++;
  return values < 2;
}

// A new uPlot for `view` in the widget's chart area. The area's size is read here and then only
// when it changes (ResizeObserver): reading it at every draw would make the browser lay out the
// page again after each widget drawn before it.
function makePlot(widget, view, colors) {
  const box = widget.chartEl;
  const width = Math.max(50, box.clientWidth || 400);
  const plot = { u: null, shape: "", drawn: [], own: null, lone: [], span: null, tipAt: null, view, colors, legend: null, tip: null };
  const muted = css("--sv-text-muted");
  const border = css("--sv-border");
  const font = `11px ${css("--sv-font-family") || "sans-serif"}`;
  // Hiding a stacked series stacks the others without it.
  const toggle = (i, on) => { plot.u.setSeries(i + 1, { show: on }); if (view.stacked) drawTimeChart(widget, plot.view); };
  if (view.legend) plot.legend = legendOf(view, colors, muted, toggle);
  if (plot.legend) box.append(plot.legend);
  const declared = view.yAxis || {};
  // Zones are part of the shape, so their tints are worked out once per chart.
  const zoneFills = (view.zones || []).map((z) => ({ from: z.from, to: z.to, fill: withAlpha(z.color, z.opacity) }));
  const axis = (extra) => Object.assign({ stroke: muted, font, labelFont: font, ticks: { stroke: border, width: 1, size: 4 },
    grid: { stroke: withAlpha(border, 0.5), width: 1 }, border: { show: true, stroke: border, width: 1 } }, extra);
  const opts = {
    width,
    height: chartHeight(box, plot.legend),
    ms: 1, // times are epoch milliseconds
    legend: { show: false },
    padding: view.axes ? [12, 36, 0, 0] : [2, 0, 0, 0],
    select: { show: false },
    cursor: view.axes
      ? { y: false, drag: { x: false, y: false, setScale: false }, bind: { dblclick: () => null }, points: { size: 7 } }
      : { show: false },
    scales: {
      x: { time: view.time },
      y: { range: (u, lo, hi) => valueRange(lo, hi, declared, view.area) },
    },
    axes: view.axes
      ? [axis({ grid: { show: false }, size: 28, space: 90, values: view.time ? (u, splits, ax, space, step) => splits.map((t) => formatTick(t, step)) : undefined }),
        axis({ size: 48, space: 36, label: declared.name || undefined, labelSize: declared.name ? 16 : 0 })]
      : [{ show: false }, { show: false }],
    series: [{}, ...view.series.map((s, i) => seriesOptions(plot, s, colors[i], i))],
    // A stacked area fills between each series and the one under it.
    bands: view.area && view.stacked
      ? view.series.slice(1).map((s, i) => ({ series: [i + 2, i + 1], fill: withAlpha(colors[i + 1], AREA_FILL) }))
      : undefined,
    hooks: {
      drawAxes: [(u) => drawZones(u, zoneFills)],
      draw: [(u) => drawLines(u, plot.view.lines || [])],
      setCursor: [(u) => { plot.tipAt = u.cursor.idx; showTip(plot); }],
    },
  };
  plot.u = new uPlot(opts, [[], ...view.series.map(() => [])], box);
  widget.chart = plot.u;
  if (view.axes) {
    plot.tip = el("div", "sv-tip");
    plot.tip.hidden = true;
    plot.u.over.append(plot.tip);
  }
  plot.resize = new ResizeObserver(() => {
    const w = Math.max(50, box.clientWidth), h = chartHeight(box, plot.legend);
    if (w !== plot.u.width || h !== plot.u.height) plot.u.setSize({ width: w, height: h });
  });
  plot.resize.observe(box);
  return plot;
}

function chartHeight(box, legend) {
  return Math.max(20, (box.clientHeight || 220) - (legend ? legend.offsetHeight || 22 : 0));
}

// Opacity of an area chart's fill.
const AREA_FILL = 0.25;

function seriesOptions(plot, s, color, index) {
  const surface = css("--sv-surface");
  const points = s.marker === "last"
    ? { show: false, size: 8, width: 2, stroke: color, fill: surface, filter: (u, si) => lastIndex(u.data[si]) }
    : { show: (u, si) => plot.view.axes && plot.lone[si - 1], size: 6, stroke: color, fill: color }; // a bare sparkline shows no dot
  const { area, stacked: onTop } = plot.view;
  // An area fills down to 0; a stacked one's first series only (bands fill between the others).
  const fill = area && (!onTop || index === 0) ? AREA_FILL : s.fill;
  return { label: s.name, stroke: color, width: s.width || 2, dash: s.dash || undefined, spanGaps: false,
           fill: fill ? withAlpha(color, fill) : undefined, fillTo: area ? 0 : undefined, points };
}

function lastIndex(ys) {
  for (let i = ys.length - 1; i >= 0; i--) if (ys[i] !== null && ys[i] !== undefined) return [i];
  return null;
}

// The value axis: the declared ends where given, else the data's with a little room (and 0,
// for an area).
function valueRange(lo, hi, declared, area) {
  if (area && lo !== null && hi !== null) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
  let range = lo === null || hi === null ? [0, 1] : uPlot.rangeNum(lo, hi, 0.1, false);
  if (lo !== null && lo === hi) range = [lo - Math.max(1, Math.abs(lo) * 0.1), hi + Math.max(1, Math.abs(hi) * 0.1)];
  return [declared.min ?? range[0], declared.max ?? range[1]];
}

// Tinted bands from each zone's value up to its end (or the top), under the lines: `zones` are
// {from, to, fill}.
function drawZones(u, zones) {
  const { ctx, bbox } = u;
  for (const z of zones) {
    const y0 = u.valToPos(z.from, "y", true);
    const y1 = z.to === null || z.to === undefined ? bbox.top : u.valToPos(z.to, "y", true);
    const top = Math.max(bbox.top, Math.min(y0, y1)), bottom = Math.min(bbox.top + bbox.height, Math.max(y0, y1));
    if (bottom <= top) continue;
    ctx.fillStyle = z.fill;
    ctx.fillRect(bbox.left, top, bbox.width, bottom - top);
  }
}

// Threshold lines across the plot, over the lines.
function drawLines(u, lines) {
  const { ctx, bbox } = u;
  ctx.save();
  ctx.lineWidth = devicePixelRatio || 1;
  for (const line of lines) {
    const y = Math.round(u.valToPos(line.value, "y", true)) + 0.5;
    if (y < bbox.top || y > bbox.top + bbox.height) continue;
    ctx.strokeStyle = line.color;
    ctx.setLineDash([5 * (devicePixelRatio || 1), 4 * (devicePixelRatio || 1)]);
    ctx.beginPath();
    ctx.moveTo(bbox.left, y);
    ctx.lineTo(bbox.left + bbox.width, y);
    ctx.stroke();
  }
  ctx.restore();
}

// A legend above the plot: each series' colour and name; a click shows or hides the series.
function legendOf(view, colors, muted, toggle) {
  const legend = el("div", "sv-legend");
  legend.style.color = muted;
  view.series.forEach((s, i) => {
    const item = el("button", "sv-legend-item");
    item.type = "button";
    const swatch = el("span", "sv-legend-swatch");
    swatch.style.background = colors[i];
    item.append(swatch, document.createTextNode(s.name));
    item.addEventListener("click", () => {
      const on = item.classList.toggle("sv-off");
      toggle(i, !on);
    });
    legend.append(item);
  });
  return legend;
}

// The tooltip at the cursor's slot: its exact time and each series' exact value there.
function showTip(plot) {
  const { u, tip } = plot;
  if (!tip) return;
  const i = plot.tipAt;
  if (i === null || i === undefined || !u.data[0] || i >= u.data[0].length) { tip.hidden = true; return; }
  const rows = [];
  plot.view.series.forEach((s, k) => {
    const v = plot.own ? plot.own[k][i] : u.data[k + 1][i];
    if (v === undefined) return;
    const swatch = `<span class="sv-legend-swatch" style="background:${escapeHtml(plot.colors[k])}"></span>`;
    rows.push(`${swatch}${escapeHtml(s.name)}: <b>${v === null ? "–" : escapeHtml(v)}</b>`);
  });
  const time = plot.view.time ? formatExactTime(u.data[0][i]) : escapeHtml(u.data[0][i]);
  tip.innerHTML = `<div class="sv-tip-time">${time}</div>${rows.join("<br>")}`;
  tip.hidden = false;
  const x = u.valToPos(u.data[0][i], "x");
  const room = u.over.clientWidth;
  tip.style.left = `${x + 12 + tip.offsetWidth > room ? Math.max(0, x - 12 - tip.offsetWidth) : x + 12}px`;
  tip.style.top = "4px";
}

// Show the tooltip of series `s` at its drawn point `i` (`window.streamviz.showTip`).
export function showTipAt(widget, s, i) {
  const plot = widget && widget.plot;
  const point = plot && plot.drawn[s] && plot.drawn[s][i];
  if (!point || point[1] === null) return;
  plot.u.setCursor({ left: plot.u.valToPos(point[0], "x"), top: plot.u.valToPos(point[1], "y") });
}

// Hide the tooltip (the span moved, so the point under it did).
export function hideTip(widget) {
  const plot = widget && widget.plot;
  if (!plot || plot.tipAt === null) return;
  plot.u.setCursor({ left: -10, top: -10 });
  plot.tipAt = null;
  if (plot.tip) plot.tip.hidden = true;
}

// What the chart shows now (`window.streamviz.drawn(id)`, for tests and tools); null before it
// is drawn: `series` (each one's `name`, `data`: the [time, value] points drawn, its declared
// `color` or null for the palette's, `dashed`, `shown`: not hidden from its legend, `filled`:
// an area under it), `stack` (stacked: `xs` and each series' `tops`), threshold `lines` ({value, color}) and `zones`
// ({from, color}), `x` (the span, null when fitted to the data), `y` (the value axis' extent),
// `yAxis` as declared ({name, min, max}), `legendColor` (null without a legend), `height`.
export function drawnOf(widget) {
  const plot = widget && widget.plot;
  if (!plot) return null;
  const { u, view } = plot;
  const declared = view.yAxis || {};
  return {
    series: view.series.map((s, i) => ({ name: s.name, data: plot.drawn[i] || [], color: s.color || null, dashed: !!s.dash, shown: u.series[i + 1].show,
      filled: u.series[i + 1].fill(u, i + 1) != null || u.bands.some((b) => b.series[0] === i + 1 && b.fill(u, 0) != null) })),
    // Stacked: the times and each series' top as drawn (its own value plus those under it).
    stack: view.stacked ? { xs: Array.from(u.data[0]), tops: u.data.slice(1).map((ys) => Array.from(ys)) } : null,
    lines: (view.lines || []).map((l) => ({ value: l.value, color: l.color })),
    zones: (view.zones || []).map((z) => ({ from: z.from, color: z.color })),
    x: plot.span ? plot.span.slice() : null,
    y: [u.scales.y.min, u.scales.y.max],
    yAxis: { name: declared.name ?? null, min: declared.min ?? null, max: declared.max ?? null },
    legendColor: plot.legend ? css("--sv-text-muted") : null,
    height: widget.chartEl.clientHeight,
  };
}

// The time on the x axis at `x` CSS pixels from the plot area's left edge, the span shown now,
// and the plot area's element and width: what zoom.js works with.
export function plotGeometry(widget) {
  const u = widget.plot.u;
  return {
    surface: u.over,
    timeAt: (x) => u.posToVal(x, "x"),
    shown: () => [u.scales.x.min, u.scales.x.max],
    width: () => u.over.clientWidth,
  };
}

// The chart as a PNG data URL on `background` (its canvas holds the axes and the lines, at the
// screen's pixel density).
export function timeChartImage(widget, background) {
  const source = widget.plot.u.ctx.canvas;
  const canvas = document.createElement("canvas");
  canvas.width = source.width;
  canvas.height = source.height;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = background;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(source, 0, 0);
  return canvas.toDataURL("image/png");
}

// Remove the widget's chart (its card is going, or its shape changed).
export function disposeTimeChart(widget) {
  const plot = widget.plot;
  if (!plot) return;
  plot.resize.disconnect();
  plot.u.destroy();
  if (plot.legend) plot.legend.remove();
  widget.plot = null;
  widget.chart = null;
}
