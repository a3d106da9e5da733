// The widget models (assets/model.js): configs reconciled, histories and data ops applied as
// the server's own engine applies them.

import assert from "node:assert/strict";
import { test } from "node:test";

import { applyOp, capacity, emptyData, lastValue, levelOf, reconcile, setHistory } from "../../assets/model.js";

const spec = (id, kind, options = {}) => ({ id, kind, options });

function widgetsOf(...specs) {
  const widgets = new Map();
  reconcile(widgets, specs);
  return widgets;
}

test("a config creates, keeps, remakes and removes widgets", () => {
  const widgets = new Map();
  const first = reconcile(widgets, [spec("cpu", "metric"), spec("log", "table")]);
  assert.deepEqual(first.created.map((w) => w.spec.id), ["cpu", "log"]);
  assert.deepEqual(first.removed, []);
  assert.deepEqual(widgets.get("cpu").data, { points: [] });
  const cpu = widgets.get("cpu");
  cpu.data.points.push([1, 2]);

  // The same spec keeps its widget; new options make a new one with the same data; a widget
  // no longer declared goes.
  const second = reconcile(widgets, [spec("cpu", "metric", { unit: "%" }), spec("t", "text")]);
  assert.deepEqual(second.created.map((w) => w.spec.id), ["cpu", "t"]);
  assert.deepEqual(second.removed.map((w) => w.spec.id), ["log", "cpu"]);
  assert.notEqual(widgets.get("cpu"), cpu);
  assert.equal(widgets.get("cpu").data, cpu.data);
  assert.deepEqual([...widgets.keys()], ["cpu", "t"]);
  const third = reconcile(widgets, [spec("cpu", "metric", { unit: "%" }), spec("t", "text")]);
  assert.deepEqual(third, { removed: [], created: [] });
});

test("every kind starts empty", () => {
  assert.deepEqual(emptyData("gauge"), { points: [] });
  assert.ok(emptyData("line_chart").series instanceof Map);
  assert.deepEqual(emptyData("bar_chart"), { values: [] });
  assert.ok(emptyData("table").rows instanceof Map);
  assert.deepEqual(emptyData("markdown"), { text: "", html: "" });
  assert.deepEqual(emptyData("heatmap"), { matrix: [] });
});

test("a history replaces a widget's data", () => {
  const widgets = widgetsOf(spec("cpu", "metric"), spec("lat", "line_chart"), spec("log", "table"), spec("bars", "bar_chart"));
  const cpu = widgets.get("cpu");
  cpu.detail = { key: "x" };
  setHistory(cpu, { points: [[1, 10], [2, null]], decimated: true, partial: [3, 5] });
  assert.deepEqual(cpu.data, { points: [[1, 10], [2, null]], decimated: true, partial: [3, 5] });
  assert.equal(cpu.decimated, true);
  assert.equal(cpu.detail, null);
  const lat = widgets.get("lat");
  setHistory(lat, { series: [{ name: "api", points: [[1, 2]] }, { name: "db", points: [] }] });
  assert.deepEqual([...lat.data.series.entries()], [["api", [[1, 2]]], ["db", []]]);
  const log = widgets.get("log");
  setHistory(log, { rows: [{ key: "a", row: { n: 1 } }, { key: "b", row: { n: 2 } }] });
  assert.deepEqual([...log.data.rows.keys()], ["a", "b"]);
  const bars = widgets.get("bars");
  setHistory(bars, { values: [["US", 3], ["EU", 4, "web"]] });
  assert.deepEqual(bars.data.values, [["US", 3, ""], ["EU", 4, "web"]]);
});

test("points keep the ring's capacity and line charts add series on first use", () => {
  const widgets = widgetsOf(spec("cpu", "metric", { max_points: 3 }), spec("lat", "line_chart"));
  const config = { buffer_size: 2 };
  assert.equal(capacity(widgets.get("cpu").spec, config), 3);
  assert.equal(capacity(widgets.get("lat").spec, config), 2);
  assert.equal(capacity(widgets.get("lat").spec, null), 1000);
  for (let i = 0; i < 5; i++) applyOp(widgets, config, { widget: "cpu", points: [[i, i * 10]] });
  assert.deepEqual(widgets.get("cpu").data.points, [[2, 20], [3, 30], [4, 40]]);
  applyOp(widgets, config, { widget: "lat", series: "api", points: [[1, 1], [2, 2], [3, 3]] });
  assert.deepEqual(widgets.get("lat").data.series.get("api"), [[2, 2], [3, 3]]);
  assert.equal(applyOp(widgets, config, { widget: "nope", points: [[1, 1]] }), null);
});

test("a burst the server reduced marks its widget for detail on zoom", () => {
  const widgets = widgetsOf(spec("cpu", "metric", { max_points: 100 }), spec("lat", "line_chart"));
  applyOp(widgets, null, { widget: "cpu", points: [[1, 1], [2, 2]] });
  assert.ok(!widgets.get("cpu").decimated);
  applyOp(widgets, null, { widget: "cpu", points: [[3, 0], [4, 9]], decimated: true });
  assert.equal(widgets.get("cpu").decimated, true);
  assert.deepEqual(widgets.get("cpu").data.points, [[1, 1], [2, 2], [3, 0], [4, 9]]);
  applyOp(widgets, null, { widget: "lat", series: "api", points: [[1, 1]], decimated: true });
  assert.equal(widgets.get("lat").decimated, true);
});

test("bars are set per category and series", () => {
  const widgets = widgetsOf(spec("bars", "bar_chart"));
  applyOp(widgets, null, { widget: "bars", values: [["US", 1], ["EU", 2, "web"]] });
  applyOp(widgets, null, { widget: "bars", values: [["US", 5], ["EU", 6, "mobile"]] });
  assert.deepEqual(widgets.get("bars").data.values, [["US", 5, ""], ["EU", 2, "web"], ["EU", 6, "mobile"]]);
});

test("table rows are upserted by key, the oldest evicted, and deleted", () => {
  const widgets = widgetsOf(spec("log", "table", { max_rows: 2 }));
  const log = widgets.get("log");
  applyOp(widgets, null, { widget: "log", upsert: [{ key: "a", row: { n: 1 } }, { key: "b", row: { n: 2 } }] });
  applyOp(widgets, null, { widget: "log", upsert: [{ key: "a", row: { n: 3 } }] });
  assert.deepEqual([...log.data.rows.entries()], [["a", { n: 3 }], ["b", { n: 2 }]]);
  applyOp(widgets, null, { widget: "log", upsert: [{ key: "c", row: { n: 4 } }] });
  assert.deepEqual([...log.data.rows.keys()], ["b", "c"], "a, inserted first, is evicted");
  assert.deepEqual([...log.changed], ["a", "b", "c"]);
  applyOp(widgets, null, { widget: "log", delete: ["b", "zzz"] });
  assert.deepEqual([...log.data.rows.keys()], ["c"]);
  applyOp(widgets, null, { widget: "log", clear: true });
  assert.equal(log.data.rows.size, 0);
});

test("a clear empties series and the open window; texts, matrices and partials are replaced", () => {
  const widgets = widgetsOf(spec("cpu", "metric"), spec("lat", "line_chart"), spec("t", "markdown"), spec("h", "heatmap"));
  applyOp(widgets, null, { widget: "cpu", points: [[1, 1]] });
  applyOp(widgets, null, { widget: "cpu", partial: [2, 9] });
  assert.deepEqual(widgets.get("cpu").data.partial, [2, 9]);
  applyOp(widgets, null, { widget: "cpu", clear: true });
  assert.deepEqual(widgets.get("cpu").data, { points: [], partial: null });
  applyOp(widgets, null, { widget: "lat", series: "a", points: [[1, 1]] });
  applyOp(widgets, null, { widget: "lat", clear: true });
  assert.deepEqual(widgets.get("lat").data.series.get("a"), []);
  applyOp(widgets, null, { widget: "t", text: "**hi**", html: "<p><strong>hi</strong></p>" });
  assert.deepEqual(widgets.get("t").data, { text: "**hi**", html: "<p><strong>hi</strong></p>" });
  applyOp(widgets, null, { widget: "h", matrix: [[1, 2], [3, 4]] });
  assert.deepEqual(widgets.get("h").data.matrix, [[1, 2], [3, 4]]);
});

test("the newest value skips gaps, and thresholds give a level", () => {
  assert.equal(lastValue([[1, 5], [2, 7], [3, null]]), 7);
  assert.equal(lastValue([]), null);
  const thresholds = { warning: 70, critical: 90 };
  assert.deepEqual([50, 70, 95, null].map((v) => levelOf(v, thresholds)), ["", "warning", "critical", ""]);
  assert.equal(levelOf(95, null), "");
});
