// Metrics and line charts: ECharts lines over the visible span (ranges.js), threshold lines and
// zones, a windowed metric's open window dashed; zoom and pan by hand (zoom.js).

import { baseChartOptions, chartBody, chartFor, valueAndChartBody } from "../charts.js";
import { css, setValue } from "../dom.js";
import { lastValue, levelOf } from "../model.js";
import { applyWindow } from "../ranges.js";
import { attachZoom } from "../zoom.js";

// The name of a windowed metric's open window in tooltips and exports.
const PARTIAL = "open window (so far)";

// The chart of a time series, made with its zoom on first use.
function plotChart(widget) {
  const fresh = !widget.chart;
  const chart = chartFor(widget, widget.chartEl);
  if (fresh) attachZoom(widget);
  return chart;
}

export const metric = {
  build: valueAndChartBody,

  render(widget) {
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
    plotChart(widget).setOption(options, { notMerge: true });
  },
};

export const lineChart = {
  build: chartBody,

  render(widget) {
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
    plotChart(widget).setOption(options, { notMerge: true });
  },
};
