// Stats: a big number, its change from the value before (coloured by whether up is good), and
// a sparkline of recent values.

import { css, el, setValue } from "../dom.js";
import { formatNumber } from "../format.js";
import { lastValue } from "../model.js";
import { drawTimeChart } from "../timechart.js";

export function build(widget, card) {
  const box = el("div", "sv-stat");
  widget.valueEl = el("div", "sv-stat-number sv-value");
  widget.deltaEl = el("div", "sv-delta");
  widget.chartEl = el("div", "sv-chart");
  box.append(widget.valueEl, widget.deltaEl, widget.chartEl);
  card.append(box);
}

export function render(widget) {
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
    // The sparkline shows the sequence of values, evenly spaced: values sent within the same
    // millisecond would otherwise collapse onto one time.
    const recent = points.slice(-200).map((p, i) => [i, p[1]]);
    drawTimeChart(widget, {
      series: [{ name: o.title || widget.spec.id, color: css("--sv-primary"), width: 1.5, fill: 0.15, points: recent }],
      span: [0, Math.max(1, recent.length - 1)], time: false, lines: [], zones: [], yAxis: null, legend: false, axes: false,
    });
  }
}
