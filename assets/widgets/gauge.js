// Gauges: an ECharts dial from `min` to `max`, coloured by its threshold bands.

import { chartFor, valueAndChartBody } from "../charts.js";
import { css, setValue } from "../dom.js";
import { formatNumber } from "../format.js";
import { lastValue } from "../model.js";

export const build = valueAndChartBody;

export function render(widget) {
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
}
