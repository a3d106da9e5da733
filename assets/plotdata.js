// What a time-series chart draws of its series: each one's points decimated to the chart's pixel
// columns (M4, decimate.js), then the series aligned on one time axis as uPlot takes them
// (`[xs, ys0, ys1, ...]`). Pure, so Node's test runner checks it (tests/js).

import { m4Indices } from "./decimate.js";

// Of `points` ([time, value] pairs in time order, already cut to the span), those a chart
// `width` pixels wide shows of `x0`..`x1`: all of them when there are at most four a pixel
// column, else M4's first, lowest, highest and last of each column (and every gap). A new array:
// the series it came from may grow after it is drawn.
export function decimated(points, x0, x1, width) {
  const n = points.length;
  if (n <= 4 * Math.max(1, Math.floor(width))) return points.slice();
  const xs = new Array(n), ys = new Array(n);
  for (let i = 0; i < n; i++) { xs[i] = points[i][0]; ys[i] = points[i][1]; }
  return m4Indices(xs, ys, x0, x1, width).map((i) => points[i]);
}

// The time extent of several series in time order: [first, last], or null when all are empty.
export function extentOf(seriesPoints) {
  let lo = Infinity, hi = -Infinity;
  for (const points of seriesPoints) {
    if (!points.length) continue;
    lo = Math.min(lo, points[0][0]);
    hi = Math.max(hi, points[points.length - 1][0]);
  }
  return lo <= hi ? [lo, hi] : null;
}

// Several series of [time, value] points, each in time order, on one time axis: `[xs, ys...]`
// where `xs` holds every time once per point (series sharing a time share its slot; points of
// one series at the same time keep a slot each), a series' value is `undefined` where it has no
// point (its line runs across) and `null` where it sent a gap (its line breaks).
export function aligned(seriesPoints) {
  const k = seriesPoints.length;
  if (k === 1) {
    const points = seriesPoints[0];
    const xs = new Array(points.length), ys = new Array(points.length);
    for (let i = 0; i < points.length; i++) { xs[i] = points[i][0]; ys[i] = points[i][1]; }
    return [xs, ys];
  }
  const at = new Array(k).fill(0);
  const xs = [];
  const yss = seriesPoints.map(() => []);
  for (;;) {
    let t = Infinity;
    for (let s = 0; s < k; s++) if (at[s] < seriesPoints[s].length) t = Math.min(t, seriesPoints[s][at[s]][0]);
    if (t === Infinity) break;
    xs.push(t);
    for (let s = 0; s < k; s++) {
      const points = seriesPoints[s];
      if (at[s] < points.length && points[at[s]][0] === t) yss[s].push(points[at[s]++][1]);
      else yss[s].push(undefined);
    }
  }
  return [xs, ...yss];
}

// Aligned series (`[xs, ys...]`, as `aligned` makes them) stacked: each series' line is the sum
// of its own value and those of the series before it. Where a series has no point of its own
// its value is interpolated between its neighbours, and after its newest point it holds that
// value (a series sent a moment after another does not drop to nothing at the live edge);
// before its first point it has none (not drawn, adds nothing). A gap (`null`) adds nothing and
// breaks that series' own line. Series with `shown[i]` false add nothing (hidden from the
// legend). Returns `{ tops: [xs, sums...], own: [values...] }`, `own` being each series' own
// value in each slot (for tooltips).
export function stacked(data, shown) {
  const xs = data[0];
  const n = xs.length;
  const own = [];
  const tops = [xs];
  const sum = new Array(n).fill(0);
  for (let s = 1; s < data.length; s++) {
    const values = interpolated(xs, data[s]);
    own.push(values);
    const top = new Array(n);
    const on = !shown || shown[s - 1] !== false;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (on && typeof v === "number") sum[i] += v;
      top[i] = v === null ? null : on && v !== undefined ? sum[i] : undefined;
    }
    tops.push(top);
  }
  return { tops, own };
}

// A series' value in every slot: its own where it has one, else interpolated in time between
// its nearest values, its newest value held after it; undefined before its first value and
// after a gap it ends with, null at its gaps.
function interpolated(xs, ys) {
  const out = ys.slice();
  let prev = -1;
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i];
    if (y === undefined) {
      if (prev >= 0) out[i] = ys[prev];
      continue;
    }
    if (y !== null && prev >= 0 && i - prev > 1) {
      const [x0, y0, x1] = [xs[prev], ys[prev], xs[i]];
      for (let k = prev + 1; k < i; k++) out[k] = x1 === x0 ? y0 : y0 + ((y - y0) * (xs[k] - x0)) / (x1 - x0);
    }
    prev = y === null ? -1 : i;
  }
  return out;
}
