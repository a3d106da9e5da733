// A series as the page holds it (assets/held.js): trimmed to the capacity in raw points, and
// bounded in the points it keeps however many it is sent, its extremes and newest points exact.

import assert from "node:assert/strict";
import { test } from "node:test";

import { append, clearHeld, HELD_LIMIT, heldCount } from "../../assets/held.js";

const value = (i) => Math.sin(i / 700) * 50 + (i % 13) + (i === 123_457 ? 500 : 0) - (i === 400_001 ? 500 : 0);

test("a small series is trimmed to its capacity exactly", () => {
  const points = [];
  assert.equal(append(points, [[1, 1], [2, 2], [3, 3]], 2), false);
  assert.deepEqual(points, [[2, 2], [3, 3]]);
  assert.equal(heldCount(points), 2);
});

test("a million points sent in batches: bounded, the newest raw, the capacity counted in raw points", () => {
  const capacity = 600_000;
  const points = [];
  let decimated = false;
  for (let start = 0; start < 1_000_000; start += 5_000) {
    const batch = Array.from({ length: 5_000 }, (_, k) => [start + k, value(start + k)]);
    decimated = append(points, batch, capacity) || decimated;
    assert.ok(points.length <= HELD_LIMIT + 5_000, `${points.length} held after ${start}`);
  }
  assert.ok(decimated, "it said it decimated");
  // Within a column of the capacity, and never over it.
  assert.ok(heldCount(points) <= capacity && heldCount(points) > capacity - 1_000, `${heldCount(points)}`);
  // Time order, the newest 8,192 exactly as sent, the extremes of what is held kept.
  for (let i = 1; i < points.length; i++) assert.ok(points[i][0] > points[i - 1][0]);
  assert.deepEqual(points.slice(-8_192), Array.from({ length: 8_192 }, (_, k) => [1_000_000 - 8_192 + k, value(1_000_000 - 8_192 + k)]));
  const first = points[0][0];
  assert.ok(first >= 1_000_000 - capacity - 1_000 && first <= 1_000_000 - capacity + 1_000, `${first}`);
  let lo = Infinity, hi = -Infinity;
  for (let i = first; i < 1_000_000; i++) { lo = Math.min(lo, value(i)); hi = Math.max(hi, value(i)); }
  assert.equal(Math.min(...points.map((p) => p[1])), lo);
  assert.equal(Math.max(...points.map((p) => p[1])), hi, "the dip at 400,001 is held");
  clearHeld(points);
  assert.equal(points.length, 0);
  assert.equal(heldCount(points), 0);
});
