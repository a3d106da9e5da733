// The page's alerts model: states replaced, transitions kept (the recent ones at a start, the
// new ones added after), what a widget shows of its rules.

import assert from "node:assert/strict";
import { test } from "node:test";

import { applyAlerts, emptyAlerts, RECENT, widgetAlert, worstSeverity } from "../../assets/alerts.js";
import { applyMessage } from "../../assets/protocol.js";

const status = (rule, widget, state, severity, message = "") => ({ rule, widget, state, severity, message });
const transition = (rule, ts_ms) => ({ rule, widget: "cpu", from: "normal", to: "firing", ts_ms, severity: "warning" });

test("an alerts message replaces the states and keeps the recent transitions", () => {
  const model = { widgets: new Map(), config: null };
  const start = {
    type: "alerts", recent: true,
    states: [status("hot", "cpu", "firing", "warning", "CPU 95%"), status("cold", "cpu", "normal", "critical")],
    transitions: [transition("hot", 1)],
  };
  assert.deepEqual(applyMessage(model, start), { type: "alerts" });
  assert.equal(model.alerts.firing, 1);
  const later = Array.from({ length: RECENT + 5 }, (_, i) => transition("hot", i + 2));
  applyMessage(model, { type: "alerts", recent: false, states: start.states, transitions: later });
  assert.equal(model.alerts.transitions.length, RECENT);
  assert.equal(model.alerts.transitions.at(-1).ts_ms, RECENT + 6, "the newest kept");
  applyMessage(model, { type: "alerts", recent: true, states: [], transitions: [] });
  assert.deepEqual(model.alerts, { states: [], transitions: [], firing: 0 });
});

test("a widget shows its most severe firing rule, and how many fire", () => {
  const alerts = applyAlerts(emptyAlerts(), {
    recent: true,
    states: [
      status("a", "cpu", "firing", "info", "info!"),
      status("b", "cpu", "no_data", "critical", "quiet"),
      status("c", "cpu", "pending", "critical"),
      status("d", "mem", "normal", "warning"),
    ],
    transitions: [],
  });
  assert.deepEqual(widgetAlert(alerts, "cpu"), { severity: "critical", state: "no_data", message: "quiet", rule: "b", count: 2 });
  assert.equal(widgetAlert(alerts, "mem"), null, "normal does not show");
  assert.equal(worstSeverity(alerts), "critical");
  assert.equal(worstSeverity(emptyAlerts()), null);
  const embedded = applyAlerts(emptyAlerts(), { recent: true, states: alerts.states, transitions: [transition("a", 1)] }, "mem");
  assert.deepEqual(embedded.states.map((s) => s.rule), ["d"], "an embed keeps its widget's rules");
  assert.deepEqual(embedded.transitions, []);
});
