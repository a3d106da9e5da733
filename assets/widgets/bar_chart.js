// Bar charts: categories in declared, then arrival, order; one series, or several grouped or
// stacked.

import { baseChartOptions, chartBody, chartFor } from "../charts.js";
import { css } from "../dom.js";
import { formatNumber } from "../format.js";

export const build = chartBody;

export function render(widget) {
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
  options.xAxis.data = categories;
  if (!single) { options.legend = { top: 0, textStyle: { color: css("--sv-text-muted") } }; options.grid.top = 30; }
  options.series = seriesNames.map((name, i) => {
    const data = categories.map((c) => { const v = widget.data.values.find((p) => p[0] === c && p[2] === name); return v ? v[1] : null; });
    const last = !o.stacked || i === seriesNames.length - 1;
    return { type: "bar", name: single ? o.title || widget.spec.id : name, data, stack: o.stacked ? "total" : undefined,
             itemStyle: { color: i < palette.length ? palette[i] : undefined, borderRadius: last ? [4, 4, 0, 0] : 0 },
             label: { show: single || !o.stacked, position: "top", color: css("--sv-text-muted"), formatter: (p) => formatNumber(p.value) } };
  });
  chartFor(widget, widget.chartEl).setOption(options, { notMerge: true });
}
