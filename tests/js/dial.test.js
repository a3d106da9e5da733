// The gauge dial's geometry (assets/dial.js; the native viewer's gauge.rs follows the same rule).

import { test } from "node:test";
import assert from "node:assert/strict";

import { dialLayout } from "../../assets/dial.js";

test("at every size the needle ends short of the labels and the value sits below them, inside the area", () => {
  for (const [width, height] of [[180, 110], [300, 130], [303, 200], [409, 200], [900, 600]]) {
    const d = dialLayout(width, height);
    const labelsCentre = d.radius - d.ring - d.labelGap - d.labelSize * 1.2;
    assert.ok(d.pointerLength < labelsCentre - d.labelSize / 2, `${width}x${height}`);
    // The lowest labels, at the ring's ends, are above the value's top.
    assert.ok((d.radius - d.ring - d.labelGap) * Math.SQRT1_2 < d.valueOffset - d.valueSize / 2);
    assert.ok(d.center[1] - d.radius >= 0 && d.center[1] + d.valueOffset + d.valueSize / 2 <= height);
    assert.ok(2 * d.radius <= width);
  }
});

test("the dial divides its range in fewer ticks when small", () => {
  assert.equal(dialLayout(409, 200).ticks, 10);
  assert.equal(dialLayout(220, 130).ticks, 5);
  assert.equal(dialLayout(100, 70).ticks, 2);
});
