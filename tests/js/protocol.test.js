// Messages as a server sends them (docs/PROTOCOL.md) applied to the page's model
// (assets/protocol.js): what each one changes, and what it leaves alone.

import assert from "node:assert/strict";
import { test } from "node:test";

import { applyMessage, PROTOCOL_VERSION } from "../../assets/protocol.js";

const model = () => ({ config: null, widgets: new Map(), lastSeq: 0, losses: {} });

const config = {
  type: "config", title: "Ops", theme: "dark", buffer_size: 1000,
  layout: { pages: [{ slug: "", children: [{ type: "widget", id: "cpu" }, { type: "widget", id: "log" }] }], sidebar: [] },
  widgets: [{ id: "cpu", kind: "metric", options: { max_points: 2 } }, { id: "log", kind: "table", options: {} }],
  containers: [],
};

test("a session from hello to live data", () => {
  const m = model();
  assert.deepEqual(applyMessage(m, { type: "hello", protocol: PROTOCOL_VERSION, server: "streamviz" }),
    { type: "hello", compatible: true, protocol: PROTOCOL_VERSION });
  assert.equal(applyMessage(m, { type: "hello", protocol: 99 }).compatible, false);

  const declared = applyMessage(m, config);
  assert.equal(declared.type, "config");
  assert.equal(m.config, config);
  assert.deepEqual(declared.created.map((w) => w.spec.id), ["cpu", "log"]);

  const history = applyMessage(m, { type: "history", widget: "cpu", kind: "metric", data: { points: [[1, 10], [2, 20]] } });
  assert.equal(history.widget, m.widgets.get("cpu"));
  assert.deepEqual(m.widgets.get("cpu").data.points, [[1, 10], [2, 20]]);
  assert.equal(applyMessage(m, { type: "history", widget: "gone", data: {} }), null);

  const data = applyMessage(m, { type: "data", seq: 7, updates: [
    { widget: "cpu", points: [[3, 30]] },
    { widget: "log", upsert: [{ key: "a", row: { level: "INFO" } }] },
    { widget: "gone", points: [[1, 1]] },
  ] });
  assert.equal(m.lastSeq, 7);
  assert.deepEqual([...data.widgets].map((w) => w.spec.id), ["cpu", "log"]);
  assert.deepEqual(m.widgets.get("cpu").data.points, [[2, 20], [3, 30]], "max_points holds");
  assert.deepEqual(m.widgets.get("log").data.rows.get("a"), { level: "INFO" });

  assert.deepEqual(applyMessage(m, { type: "stats", widgets: { cpu: { dropped: 3, late: 0 } } }), { type: "stats" });
  assert.deepEqual(m.losses, { cpu: { dropped: 3, late: 0 } });
  assert.equal(m.relay, null, "no relay: nothing said");
  applyMessage(m, { type: "stats", widgets: {}, relay: { connected: false } });
  assert.deepEqual(m.relay, { connected: false });
  applyMessage(m, { type: "stats" });
  assert.deepEqual(m.losses, {});
  assert.equal(m.relay, null);

  assert.deepEqual(applyMessage(m, { type: "error", reason: "too big" }), { type: "error", reason: "too big" });
  assert.equal(applyMessage(m, { type: "something new" }), null);
});

test("an embed keeps only its widget", () => {
  const m = model();
  const declared = applyMessage(m, config, "log");
  assert.deepEqual(declared.created.map((w) => w.spec.id), ["log"]);
  assert.deepEqual([...m.widgets.keys()], ["log"]);
  assert.equal(applyMessage(m, { type: "history", widget: "cpu", data: { points: [] } }), null);
});

test("a new config after a producer restart removes what went and keeps data of what stayed", () => {
  const m = model();
  applyMessage(m, config);
  applyMessage(m, { type: "data", seq: 1, updates: [{ widget: "cpu", points: [[1, 1]] }] });
  const next = { ...config, widgets: [config.widgets[0]] };
  const declared = applyMessage(m, next);
  assert.deepEqual(declared.removed.map((w) => w.spec.id), ["log"]);
  assert.deepEqual(declared.created, []);
  assert.deepEqual(m.widgets.get("cpu").data.points, [[1, 1]]);
});
