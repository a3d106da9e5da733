// Which span of time a time-series chart shows, and the points of a series within it. Pure, so
// Node's test runner checks it (tests/js).

// The span a chart shows, [from, to] in epoch ms, or null for everything held: the chart's own
// `zoom` if the user zoomed it, else the dashboard's `range` ({kind: "all"}, {kind: "last", ms}
// or {kind: "custom", from, to}). A recording (`replay`: {from, to, at}) ends spans at the
// scrubbed time: "All" is from its start, "Last N" before it; live, "Last N" ends now (or at the
// newest point, `lastTs`, if that is later).
export function visibleSpan(zoom, range, replay, lastTs, now) {
  if (zoom) return [zoom.min, zoom.max];
  if (range.kind === "last") {
    const end = replay ? replay.at : Math.max(now, lastTs || 0);
    return [end - range.ms, end];
  }
  if (range.kind === "custom") return [range.from, range.to];
  if (replay) return [replay.from, replay.at];
  return null;
}

// The points of a time-sorted series within [min, max], with one more on each side so that
// lines reach the edges of the chart.
export function inWindow(points, [min, max]) {
  const [lo, end] = indexSpan(points.length, (i) => points[i][0], min, max);
  return points.slice(Math.max(0, lo - 1), Math.min(points.length, end + 1));
}

// Of `count` points in time order (`timeAt(i)` the time of the i-th), the first index at or
// after `min` and the first after `max`: the points within [min, max] are those in between.
export function indexSpan(count, timeAt, min, max) {
  let lo = 0, hi = count;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (timeAt(mid) < min) lo = mid + 1; else hi = mid; }
  let end = lo;
  while (end < count && timeAt(end) <= max) end++;
  return [lo, end];
}
