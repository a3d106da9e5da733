// What a time chart draws (assets/plotdata.js): series decimated to pixel columns only when they
// hold more than four points a column, and aligned on one time axis where a missing point spans
// and a gap breaks.

import assert from "node:assert/strict";
import { test } from "node:test";

import { aligned, decimated, extentOf, stacked } from "../../assets/plotdata.js";

test("short series pass whole; long ones keep each column's extremes and both ends", () => {
  const short = Array.from({ length: 400 }, (_, i) => [i, i % 3]);
  assert.deepEqual(decimated(short, 0, 399, 100), short, "four a column: untouched");
  assert.notEqual(decimated(short, 0, 399, 100), short, "a copy");
  const long = Array.from({ length: 100_000 }, (_, i) => [i, Math.sin(i / 50) * 10 + (i === 77_777 ? 1000 : 0)]);
  const kept = decimated(long, 0, 99_999, 200);
  assert.ok(kept.length <= 4 * 200 && kept.length >= 200, `${kept.length}`);
  assert.deepEqual(kept[0], long[0]);
  assert.deepEqual(kept[kept.length - 1], long[long.length - 1]);
  assert.ok(kept.some((p) => p[0] === 77_777), "the spike stays");
  for (let k = 1; k < kept.length; k++) assert.ok(kept[k][0] > kept[k - 1][0], "in time order");
});

test("aligning series shares equal times, spans missing points and keeps gaps", () => {
  const a = [[1, 10], [2, null], [3, 30]];
  const b = [[2, 200], [4, 400]];
  assert.deepEqual(aligned([a, b]), [[1, 2, 3, 4], [10, null, 30, undefined], [undefined, 200, undefined, 400]]);
  // Points of one series at the same time keep a slot each (a burst drawn as a vertical stroke).
  assert.deepEqual(aligned([[[5, 1], [5, 2]], [[5, 9]]]), [[5, 5], [1, 2], [9, undefined]]);
  assert.deepEqual(aligned([[[7, 1], [8, 2]]]), [[7, 8], [1, 2]]);
  assert.deepEqual(aligned([[], []]), [[], [], []]);
});

test("the extent of several series is their first and last time", () => {
  assert.deepEqual(extentOf([[[5, 0], [9, 0]], [], [[3, 1]]]), [3, 9]);
  assert.equal(extentOf([[], []]), null);
});

test("stacked series add up slot by slot, a series interpolated between its own points and held after its newest", () => {
  // a at 0, 10, 20; b at 5 and 15 only.
  const data = aligned([
    [[0, 1], [10, 3], [20, 5]],
    [[5, 10], [15, 20]],
  ]);
  assert.deepEqual(data[0], [0, 5, 10, 15, 20]);
  const { tops, own } = stacked(data);
  assert.deepEqual(own[0], [1, 2, 3, 4, 5]);
  assert.deepEqual(own[1], [undefined, 10, 15, 20, 20]);
  assert.deepEqual(tops[1], [1, 2, 3, 4, 5]);
  // b's line: its own value on top of a's, from its first point on.
  assert.deepEqual(tops[2], [undefined, 12, 18, 24, 25]);
});

test("a hidden series adds nothing and a gap breaks only its own line", () => {
  const data = aligned([
    [[0, 1], [1, null], [2, 1]],
    [[0, 2], [1, 2], [2, 2]],
  ]);
  const { tops } = stacked(data);
  assert.deepEqual(tops[1], [1, null, 1]);
  assert.deepEqual(tops[2], [3, 2, 3]);
  const hidden = stacked(data, [false, true]).tops;
  assert.deepEqual(hidden[2], [2, 2, 2]);
  assert.deepEqual(hidden[1], [undefined, null, undefined]);
  // A series whose newest value is a gap holds nothing after it.
  const ended = stacked(aligned([[[0, 1], [1, null]], [[0, 1], [1, 1], [2, 1]]]));
  assert.deepEqual(ended.own[0], [1, null, undefined]);
});
