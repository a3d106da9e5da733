// Heatmaps: an ECharts heatmap of the matrix with its row and column labels, values on small ones.

import { chartBody, chartFor } from "../charts.js";
import { css } from "../dom.js";
import { formatNumber } from "../format.js";

export const build = chartBody;

export function render(widget) {
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
}
