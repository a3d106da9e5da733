// Metrics and line charts: lines over the visible span (ranges.js) drawn by timechart.js,
// threshold lines and zones, a windowed metric's open window dashed; zoom and pan by hand
// (zoom.js).

import { chartBody, valueAndChartBody } from "../charts.js";
import { css, setValue } from "../dom.js";
import { lastValue, levelOf } from "../model.js";
import { applyWindow } from "../ranges.js";
import { drawTimeChart } from "../timechart.js";
import { attachZoom } from "../zoom.js";

// The name of a windowed metric's open window in tooltips and exports.
const PARTIAL = "open window (so far)";

// Draw a time series' view, with its zoom on a new chart.
function draw(widget, view, lastTs) {
  applyWindow(widget, view, lastTs);
  if (drawTimeChart(widget, view)) attachZoom(widget);
}

function view(series, extra) {
  return Object.assign({ series, span: null, time: true, lines: [], zones: [], yAxis: null, legend: false, axes: true }, extra);
}

export const metric = {
  build: valueAndChartBody,

  render(widget) {
    const o = widget.spec.options;
    const points = widget.data.points;
    const last = lastValue(points);
    setValue(widget.valueEl, last, o.unit);
    widget.valueEl.dataset.value = last === null ? "" : String(last);
    widget.valueEl.dataset.level = levelOf(last, o.thresholds);
    const color = o.color || css("--sv-primary");
    // Threshold lines, and zones: the band from warning to critical, and above critical, tinted.
    const t = o.thresholds || {};
    const lines = [], zones = [];
    if (t.warning != null) {
      lines.push({ value: t.warning, color: css("--sv-warning") });
      zones.push({ from: t.warning, to: t.critical ?? null, color: css("--sv-warning"), opacity: 0.08 });
    }
    if (t.critical != null) {
      lines.push({ value: t.critical, color: css("--sv-error") });
      zones.push({ from: t.critical, to: null, color: css("--sv-error"), opacity: 0.1 });
    }
    const series = [{ name: o.title || widget.spec.id, color, width: 2, fill: 0.08, points }];
    let newest = points.length ? points[points.length - 1][0] : null;
    const partial = widget.data.partial;
    if (partial) {
      // A windowed metric's open window: dashed from the last closed window, a hollow marker.
      const from = points.length && points[points.length - 1][1] !== null ? [points[points.length - 1]] : [];
      series.push({ name: PARTIAL, color, width: 2, dash: [6, 4], marker: "last", points: from.concat([partial]) });
      newest = Math.max(newest === null ? -Infinity : newest, partial[0]);
    }
    draw(widget, view(series, { lines, zones }), newest);
  },
};

export const lineChart = {
  build: chartBody,

  render(widget) {
    const o = widget.spec.options;
    const declared = o.series || [];
    const names = declared.map((s) => s.name);
    for (const name of widget.data.series.keys()) if (!names.includes(name)) names.push(name);
    const series = names.map((name) => {
      const spec = declared.find((s) => s.name === name) || {};
      return { name: spec.label || name, color: spec.color || null, width: 2, points: widget.data.series.get(name) || [] };
    });
    widget.seriesNames = names;
    let lastTs = null;
    for (const pts of widget.data.series.values()) if (pts.length) lastTs = Math.max(lastTs || 0, pts[pts.length - 1][0]);
    const y = o.y_axis || {};
    const yAxis = { name: y.label ?? null, min: y.min ?? null, max: y.max ?? null };
    draw(widget, view(series, { legend: true, yAxis, area: !!o.area, stacked: !!o.stacked }), lastTs);
  },
};
