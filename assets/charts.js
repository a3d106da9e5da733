// ECharts (vendored, a global script) for the widgets that draw charts other than time series
// (gauge, bar chart, heatmap; timechart.js draws those): one chart per widget, resized with its
// card, the options a bar chart starts from; and what every chart widget has in
// common, whichever library draws it: its chart area, its PNG, its disposal.

import { css, el } from "./dom.js";
import { markDirty } from "./scheduler.js";
import { disposeTimeChart, timeChartImage } from "./timechart.js";

// The widget's chart in `container`, made on first use.
export function chartFor(widget, container) {
  if (!widget.chart) {
    widget.chart = echarts.init(container, null, { renderer: "canvas" });
    // A resized chart is drawn again: some (the gauge) lay themselves out by their size.
    widget.resize = new ResizeObserver(() => { if (widget.chart) { widget.chart.resize(); markDirty(widget); } });
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

// The options a bar chart starts from, in the theme's colours: category axis, value axis.
export function baseChartOptions() {
  const text = css("--sv-text-muted");
  const border = css("--sv-border");
  return {
    animation: false,
    backgroundColor: "transparent",
    textStyle: { color: text, fontFamily: css("--sv-font-family") },
    grid: { left: 48, right: 16, top: 16, bottom: 28 },
    tooltip: { trigger: "axis", backgroundColor: css("--sv-surface"), borderColor: border, textStyle: { color: css("--sv-text") } },
    xAxis: { type: "category", axisLine: { lineStyle: { color: border } }, axisLabel: { color: text } },
    yAxis: { type: "value", axisLine: { lineStyle: { color: border } }, splitLine: { lineStyle: { color: border, opacity: 0.5 } }, axisLabel: { color: text } },
  };
}

// The widget's chart as a PNG data URL on the card's colour.
export function chartImage(widget) {
  const background = css("--sv-surface");
  if (widget.plot) return timeChartImage(widget, background);
  return widget.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: background });
}

// Remove a widget's chart (its card is going).
export function disposeChart(widget) {
  if (widget.plot) { disposeTimeChart(widget); return; }
  if (widget.resize) widget.resize.disconnect();
  if (widget.chart) widget.chart.dispose();
}
