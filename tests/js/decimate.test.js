// M4 decimation (assets/decimate.js) against a brute-force reference: every pixel column keeps
// its exact first, lowest, highest and last point, gaps stay, and short series pass whole.

import assert from "node:assert/strict";
import { test } from "node:test";

import { m4Indices, m4IndicesOfAll } from "../../assets/decimate.js";

// A seeded generator, so a failure can be replayed.
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function reference(xs, ys, x0, x1, width) {
  const columns = new Map();
  xs.forEach((x, i) => {
    if (x < x0 || x > x1 || ys[i] === null) return;
    const c = Math.min(width - 1, Math.floor(((x - x0) * width) / (x1 - x0)));
    const col = columns.get(c) || [];
    col.push(i);
    columns.set(c, col);
  });
  return columns;
}

test("each column keeps its exact first, lowest, highest and last point", () => {
  for (let seed = 1; seed <= 30; seed++) {
    const next = random(seed);
    const n = 500 + Math.floor(next() * 20000);
    const xs = [], ys = [];
    let x = 0;
    for (let i = 0; i < n; i++) { x += next() < 0.1 ? 0 : next() * 10; xs.push(x); ys.push(next() < 0.01 ? null : Math.sin(i / 30) * 100 + next() * 20); }
    const width = 20 + Math.floor(next() * 400);
    const x0 = xs[Math.floor(n * 0.1)], x1 = xs[Math.floor(n * 0.9)];
    const kept = m4Indices(xs, ys, x0, x1, width);
    assert.deepEqual(kept, [...kept].sort((a, b) => a - b), "ascending");
    assert.equal(new Set(kept).size, kept.length, "no repeats");
    const set = new Set(kept);
    for (const [c, col] of reference(xs, ys, x0, x1, width)) {
      const values = col.map((i) => ys[i]);
      const lowest = Math.min(...values), highest = Math.max(...values);
      assert.ok(set.has(col[0]) && set.has(col[col.length - 1]), `seed ${seed} column ${c}: first and last`);
      assert.ok(col.some((i) => set.has(i) && ys[i] === lowest), `seed ${seed} column ${c}: lowest`);
      assert.ok(col.some((i) => set.has(i) && ys[i] === highest), `seed ${seed} column ${c}: highest`);
    }
    xs.forEach((xv, i) => { if (ys[i] === null && xv >= x0 && xv <= x1) assert.ok(set.has(i), `seed ${seed}: the gap at ${i} stays`); });
    // Four a column, a gap splitting a column in two, the gap itself, a neighbour each side.
    const gaps = ys.filter((y) => y === null).length;
    assert.ok(kept.length <= 4 * (width + gaps) + gaps + 2, `seed ${seed}: ${kept.length} kept for ${width} px`);
    const inSpan = xs.filter((xv) => xv >= x0 && xv <= x1).length;
    if (inSpan > 8 * (width + gaps)) assert.ok(kept.length < inSpan / 2, `seed ${seed}: decimated (${kept.length} of ${inSpan})`);
  }
});

test("short spans pass whole, with the neighbours outside so the line reaches the edges", () => {
  const xs = [0, 10, 20, 30, 40, 50], ys = [1, 2, 3, 4, 5, 6];
  assert.deepEqual(m4Indices(xs, ys, 15, 35, 100), [1, 2, 3, 4]);
  assert.deepEqual(m4Indices(xs, ys, -100, 100, 2), [0, 1, 2, 3, 4, 5]);
  // One column for six points: its first (the lowest) and its last (the highest).
  assert.deepEqual(m4Indices(xs, ys, -100, 100, 1), [0, 5]);
  assert.deepEqual(m4Indices([], [], 0, 1, 10), []);
});

test("series sharing their times keep the union of what each keeps", () => {
  const xs = Array.from({ length: 10000 }, (_, i) => i);
  const a = xs.map((i) => Math.sin(i / 7)), b = xs.map((i) => Math.cos(i / 11));
  const both = new Set(m4IndicesOfAll(xs, [a, b], 0, 9999, 50));
  for (const own of [m4Indices(xs, a, 0, 9999, 50), m4Indices(xs, b, 0, 9999, 50)]) for (const i of own) assert.ok(both.has(i));
  assert.ok(both.size <= 2 * 4 * 50 + 4);
});
