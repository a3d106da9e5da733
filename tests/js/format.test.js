// Number and time formatting (assets/format.js), as widgets show values.

import assert from "node:assert/strict";
import { test } from "node:test";

import { compactCount, escapeHtml, formatExactTime, formatNumber, formatTick, windowCaption } from "../../assets/format.js";

test("numbers follow their format, or get decimals by size", () => {
  assert.equal(formatNumber(null), "–");
  assert.equal(formatNumber(undefined), "–");
  assert.equal(formatNumber(NaN), "–");
  assert.equal(formatNumber(1234567.8, ",.0f"), "1,234,568");
  assert.equal(formatNumber(3.14159, ".2f"), "3.14");
  assert.equal(formatNumber(2, ".2f"), "2.00");
  assert.equal(formatNumber(3.6, "d"), "4");
  assert.equal(formatNumber(0.256, ".1%"), "25.6%");
  assert.equal(formatNumber(1234.56), "1,235");
  assert.equal(formatNumber(150.44), "150.4");
  assert.equal(formatNumber(12.345), "12.35");
  assert.equal(formatNumber(0.123456), "0.1235");
  // Small numbers keep three significant digits.
  assert.equal(formatNumber(0.000123456), "0.000123");
  assert.equal(formatNumber(-0.0000050505), "-0.00000505");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(-5), "-5");
});

test("exact times are local, to the millisecond", () => {
  process.env.TZ = "UTC";
  assert.equal(formatExactTime(Date.UTC(2026, 10, 26, 14, 3, 7, 250)), "2026-11-26 14:03:07.250");
  assert.equal(formatExactTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), "2026-01-02 03:04:05.006");
});

test("time axis labels are as fine as the step between them", () => {
  process.env.TZ = "UTC";
  const t = Date.UTC(2026, 10, 26, 14, 3, 7, 250);
  assert.equal(formatTick(t, 86_400_000), "11-26");
  assert.equal(formatTick(t, 300_000), "14:03");
  assert.equal(formatTick(t, 5000), "14:03:07");
  assert.equal(formatTick(t, 50), "14:03:07.250");
});

test("counts are compact", () => {
  assert.deepEqual([999, 1000, 1234, 45678, 123456, 2000000, 3400000].map(compactCount),
    ["999", "1k", "1.2k", "45.7k", "123k", "2M", "3.4M"]);
});

test("a windowed metric says what it aggregates", () => {
  assert.equal(windowCaption({}), "");
  assert.equal(windowCaption({ window: "1m", aggregation: "p95" }), "p95 per 1m");
  assert.equal(windowCaption({ window: "5m", slide: "10s" }), "avg over 5m every 10s");
});

test("text is escaped for HTML", () => {
  assert.equal(escapeHtml(`<b a="1">&</b>`), "&lt;b a=&quot;1&quot;&gt;&amp;&lt;/b&gt;");
  assert.equal(escapeHtml(42), "42");
});
