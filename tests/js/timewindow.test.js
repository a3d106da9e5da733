// The span a time-series chart shows and the points drawn in it (assets/timewindow.js).

import assert from "node:assert/strict";
import { test } from "node:test";

import { inWindow, visibleSpan } from "../../assets/timewindow.js";

test("a zoom wins, then the time range, then a recording's span", () => {
  const all = { kind: "all" }, last5m = { kind: "last", ms: 300e3 };
  const replay = { from: 1000, to: 9000, at: 5000 };
  assert.deepEqual(visibleSpan({ min: 1, max: 2 }, last5m, replay, 0, 0), [1, 2]);
  assert.equal(visibleSpan(null, all, null, 100, 500), null, "everything held");
  assert.deepEqual(visibleSpan(null, all, replay, 100, 500), [1000, 5000]);
  assert.deepEqual(visibleSpan(null, last5m, null, 100, 600e3), [300e3, 600e3], "live: up to now");
  assert.deepEqual(visibleSpan(null, last5m, null, 700e3, 600e3), [400e3, 700e3], "or the newest point, if later");
  assert.deepEqual(visibleSpan(null, last5m, replay, 100, 600e3), [5000 - 300e3, 5000], "a recording: up to the scrubbed time");
  assert.deepEqual(visibleSpan(null, { kind: "custom", from: 10, to: 20 }, replay, 0, 0), [10, 20]);
});

test("the points in a span, with one on each side", () => {
  const points = [[1, "a"], [2, "b"], [3, "c"], [4, "d"], [5, "e"]];
  assert.deepEqual(inWindow(points, [2.5, 3.5]), [[2, "b"], [3, "c"], [4, "d"]]);
  assert.deepEqual(inWindow(points, [2, 4]), [[1, "a"], [2, "b"], [3, "c"], [4, "d"], [5, "e"]]);
  assert.deepEqual(inWindow(points, [0, 0.5]), [[1, "a"]]);
  assert.deepEqual(inWindow(points, [9, 10]), [[5, "e"]]);
  assert.deepEqual(inWindow([], [0, 1]), []);
});
