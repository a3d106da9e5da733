// M4 decimation (Jugel et al., "M4: a visualization-oriented time series data aggregation",
// VLDB 2014): of the points falling in each of `width` pixel columns between `x0` and `x1`,
// keep the first, the lowest, the highest and the last, so a line drawn `width` pixels wide
// looks exactly as it would with every point, from at most 4 points a column. The server does
// the same for history beyond the ring (protocol/encode.rs); this is the client's, so that the
// cost of drawing a frame follows the chart's width, not the points held. Pure: no DOM.

import { indexSpan } from "./timewindow.js";

// The indices to keep of the points (`xs` ascending, `ys` numbers or null for gaps) for a chart
// `width` pixels wide showing `x0`..`x1`: every index when there are at most four a column,
// else per column the first, lowest, highest and last, plus every null (a gap stays a gap) and
// the nearest point on either side outside the span (the line runs on to the edge). Ascending.
export function m4Indices(xs, ys, x0, x1, width) {
  const n = xs.length;
  const [lo, hi] = indexSpan(n, (i) => xs[i], x0, x1);
  const from = Math.max(0, lo - 1), to = Math.min(n, hi + 1);
  const columns = Math.max(1, Math.floor(width));
  if (to - from <= 4 * columns || !(x1 > x0)) return range(from, to);
  const keep = [];
  if (from < lo) keep.push(from);
  const scale = columns / (x1 - x0);
  let column = -1, first = -1, last = -1, min = -1, max = -1;
  const flush = () => {
    if (first < 0) return;
    const four = [first, min, max, last].filter((i) => i >= 0).sort((a, b) => a - b);
    for (let k = 0; k < four.length; k++) if (k === 0 || four[k] !== four[k - 1]) keep.push(four[k]);
  };
  for (let i = lo; i < hi; i++) {
    const y = ys[i];
    if (y === null || y === undefined || Number.isNaN(y)) {
      // A gap: what came before it in its column is kept, then the gap itself.
      flush();
      keep.push(i);
      first = -1;
      column = -1;
      continue;
    }
    const c = Math.min(columns - 1, Math.floor((xs[i] - x0) * scale));
    if (c !== column) { flush(); column = c; first = i; min = -1; max = -1; }
    last = i;
    if (min < 0 || y < ys[min]) min = i;
    if (max < 0 || y > ys[max]) max = i;
  }
  flush();
  if (hi < to) keep.push(hi);
  return keep;
}

// The indices kept for several series sharing `xs` (a line chart's aligned columns): the union of
// each one's, ascending, so every series keeps its own first, lowest, highest and last a column.
export function m4IndicesOfAll(xs, yss, x0, x1, width) {
  if (yss.length === 1) return m4Indices(xs, yss[0], x0, x1, width);
  const all = new Set();
  for (const ys of yss) for (const i of m4Indices(xs, ys, x0, x1, width)) all.add(i);
  return Array.from(all).sort((a, b) => a - b);
}

function range(from, to) {
  const out = new Array(Math.max(0, to - from));
  for (let i = 0; i < out.length; i++) out[i] = from + i;
  return out;
}
