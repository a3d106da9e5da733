// ECharts (vendored, a global script) for the widgets that draw charts: one chart per widget,
// resized with its card, the options every time axis shares, and exact tooltips.

import { css, el } from "./dom.js";
import { escapeHtml, formatExactTime } from "./format.js";

// The plot area's margins, in pixels: zoom.js turns pointer positions into times with them.
export const GRID_LEFT = 48, GRID_RIGHT = 16;

// The widget's chart in `container`, made on first use.
export function chartFor(widget, container) {
  if (!widget.chart) {
    widget.chart = echarts.init(container, null, { renderer: "canvas" });
    widget.resize = new ResizeObserver(() => widget.chart && widget.chart.resize());
    widget.resize.observe(container);
  }
  return widget.chart;
}

// A chart area in the card (`widget.chartEl`).
export function chartBody(widget, card) {
  widget.chartEl = el("div", "sv-chart");
  card.append(widget.chartEl);
}

// The newest value in the card's header (`widget.valueEl`) and a chart area below.
export function valueAndChartBody(widget, card, head) {
  widget.valueEl = el("div", "sv-value");
  head.append(widget.valueEl);
  chartBody(widget, card);
}

// The options a time-series chart starts from, in the theme's colours.
export function baseChartOptions() {
  const text = css("--sv-text-muted");
  const border = css("--sv-border");
  return {
    animation: false,
    backgroundColor: "transparent",
    textStyle: { color: text, fontFamily: css("--sv-font-family") },
    grid: { left: GRID_LEFT, right: GRID_RIGHT, top: 16, bottom: 28 },
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
  const head = typeof ts === "number" ? formatExactTime(ts) : escapeHtml(first.name);
  const rows = list.map((p) => {
    const v = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
    return `${p.marker}${escapeHtml(p.seriesName)}: <b>${v === null || v === undefined ? "–" : escapeHtml(v)}</b>`;
  });
  return `<div class="sv-tip-time">${head}</div>${rows.join("<br>")}`;
}

// What a time-series chart shows now, whatever library draws it (`window.streamviz.drawn(id)`,
// for tests and tools); null before it is drawn:
// - `series`: each one's `name`, `data` ([time, value] points as drawn), line `color` (null:
//   the palette's) and whether it is `dashed` (a windowed metric's open window);
// - `lines` (threshold lines: `value`, `color`) and `zones` (tinted bands from `from` up:
//   `from`, `color`);
// - `x`: the time span of its axis (null: fitted to the data); `y`: the extent of its value
//   axis; `yAxis`: the axis as declared (`name`, `min`, `max`);
// - `legendColor`: the legend's text colour (null without a legend); `height` in pixels.
export function drawnOf(widget) {
  const chart = widget && widget.chart;
  if (!chart) return null;
  const option = chart.getOption();
  const xAxis = (option.xAxis || [])[0] || {};
  const yAxis = (option.yAxis || [])[0] || {};
  const first = (option.series || [])[0] || {};
  let y = null;
  try { y = chart.getModel().getComponent("yAxis").axis.scale.getExtent(); } catch (err) { y = null; }
  const style = (s) => s.lineStyle || {};
  return {
    series: (option.series || []).map((s) => ({ name: s.name, data: s.data, color: style(s).color ?? null, dashed: style(s).type === "dashed" })),
    lines: ((first.markLine || {}).data || []).map((m) => ({ value: m.yAxis, color: (m.lineStyle || {}).color ?? null })),
    zones: ((first.markArea || {}).data || []).map((z) => ({ from: z[0].yAxis, color: (z[0].itemStyle || {}).color ?? null })),
    x: xAxis.min != null && xAxis.max != null ? [xAxis.min, xAxis.max] : null,
    y,
    yAxis: { name: yAxis.name ?? null, min: yAxis.min ?? null, max: yAxis.max ?? null },
    legendColor: (((option.legend || [])[0] || {}).textStyle || {}).color ?? null,
    height: chart.getHeight(),
  };
}

// Show the tooltip of series `seriesIndex` at its point `dataIndex` (`window.streamviz.showTip`).
export function showTipAt(widget, seriesIndex, dataIndex) {
  if (widget && widget.chart) widget.chart.dispatchAction({ type: "showTip", seriesIndex, dataIndex });
}

// Remove a widget's chart (its card is going).
export function disposeChart(widget) {
  if (widget.resize) widget.resize.disconnect();
  if (widget.chart) widget.chart.dispose();
}
