// A series as the page holds it: its [time, value] points in time order, trimmed to the widget's
// capacity as the server's ring is, and bounded like the history the server sends, so that the
// cost of drawing it does not grow with the points a widget holds: past HELD_LIMIT points, all
// but the newest KEEP_RAW are decimated (M4) to COLUMNS columns. A point kept for its column then
// stands for every raw point of the column (its weight), so trimming to the capacity still
// counts raw points (to a column). What a series stands for is kept beside it (a WeakMap), so
// the series stays a plain array of points. Zooming into decimated points fetches their full detail
// (ranges.js). Pure: no DOM, so Node's test runner checks it (tests/js).

import { m4Indices } from "./decimate.js";

export const HELD_LIMIT = 32_768;
const KEEP_RAW = 8_192;
const COLUMNS = 3_840; // as the server's decimated history (src/protocol/encode.rs)

// Of a decimated series: how many raw points it stands for (`held`) and each point (`weights`).
const decimatedSeries = new WeakMap();

// How many raw points `points` stands for.
export function heldCount(points) {
  const meta = decimatedSeries.get(points);
  return meta ? meta.held : points.length;
}

// Append `fresh` points, trim to `capacity` raw points, and decimate the older points when the
// series grew past HELD_LIMIT; true when it did (the series is then held decimated).
export function append(points, fresh, capacity) {
  for (const p of fresh) points.push(p);
  const meta = decimatedSeries.get(points);
  if (meta) {
    meta.held += fresh.length;
    for (let i = 0; i < fresh.length; i++) meta.weights.push(1);
    // Whole columns go: the series may stand for up to a column fewer than the capacity.
    let drop = 0;
    while (drop < points.length && meta.held > capacity) meta.held -= meta.weights[drop++];
    points.splice(0, drop);
    meta.weights.splice(0, drop);
  } else if (points.length > capacity) {
    points.splice(0, points.length - capacity);
  }
  if (points.length <= HELD_LIMIT) return false;
  compact(points, meta);
  return true;
}

// Empty the series.
export function clearHeld(points) {
  points.length = 0;
  decimatedSeries.delete(points);
}

// Decimate all but the newest KEEP_RAW points to COLUMNS columns over their time extent; each
// point kept takes on the weight of the points after it in its column that were dropped.
function compact(points, meta) {
  const old = points.length - KEEP_RAW;
  const xs = new Array(old), ys = new Array(old);
  for (let i = 0; i < old; i++) { xs[i] = points[i][0]; ys[i] = points[i][1]; }
  const kept = m4Indices(xs, ys, xs[0], xs[old - 1], COLUMNS);
  const weights = meta ? meta.weights : null;
  const keptWeights = new Array(kept.length).fill(0);
  let k = 0;
  for (let i = 0; i < old; i++) {
    while (k + 1 < kept.length && kept[k + 1] <= i) k++;
    keptWeights[k] += weights ? weights[i] : 1;
  }
  const tailWeights = weights ? weights.slice(old) : new Array(KEEP_RAW).fill(1);
  const held = meta ? meta.held : points.length;
  points.splice(0, old, ...kept.map((i) => points[i]));
  decimatedSeries.set(points, { held, weights: keptWeights.concat(tailWeights) });
}
