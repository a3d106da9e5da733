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
