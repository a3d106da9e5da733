// Gauges: an ECharts dial from `min` to `max`, coloured by its threshold bands.

import { chartFor, valueAndChartBody } from "../charts.js";
import { dialLayout } from "../dial.js";
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
  const d = dialLayout(widget.chartEl.clientWidth, widget.chartEl.clientHeight);
  chartFor(widget, widget.chartEl).setOption({
    animation: false,
    series: [{
      type: "gauge", min: o.min, max: o.max, radius: d.radius, center: d.center, splitNumber: d.ticks,
      axisLine: { lineStyle: { width: d.ring, color: bands } },
      pointer: { itemStyle: { color: css("--sv-text") }, width: d.pointerWidth, length: d.pointerLength },
      anchor: { show: true, size: d.pointerWidth * 2.4, itemStyle: { color: css("--sv-text") } },
      axisTick: { show: false },
      splitLine: { length: d.tickLength, distance: 0, lineStyle: { color: css("--sv-text-muted"), width: 1 } },
      axisLabel: { color: css("--sv-text-muted"), distance: d.ring + d.labelGap, fontSize: d.labelSize, formatter: (v) => formatNumber(v) },
      detail: { formatter: (v) => formatNumber(v) + (o.unit || ""), color: css("--sv-text"), fontSize: d.valueSize, fontWeight: 600, offsetCenter: [0, d.valueOffset] },
      data: [{ value: last === null ? o.min : last }],
    }],
  }, { notMerge: true });
}
