// The header's alerts indicator (how many rules fire, in the most severe one's colour) and the
// alerts panel it opens: every rule's state and the recent transitions with their times. A
// firing widget's card shows its border and badge in its rule's severity colour, the message
// on hover. Rows leave room for acknowledging (silencing) later.

import { isActive, stateLabel, widgetAlert, worstSeverity } from "./alerts.js";
import { el } from "./dom.js";
import { formatNumber } from "./format.js";
import { state } from "./state.js";

const button = document.getElementById("sv-alerts");
const panel = document.getElementById("sv-alerts-panel");

// Wire the indicator: a click opens or closes the panel.
export function initAlerts() {
  if (!button || !panel) return;
  button.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) drawPanel();
  });
}

// Show the alerts model: the indicator, the open panel, and every card's badge.
export function showAlerts() {
  const alerts = state.alerts;
  if (button) {
    button.hidden = alerts.states.length === 0;
    button.dataset.severity = worstSeverity(alerts) || "none";
    button.dataset.firing = String(alerts.firing);
    button.textContent = alerts.firing ? `● ${alerts.firing} firing` : "Alerts: none firing";
    button.title = alerts.firing ? `${alerts.firing} alert${alerts.firing > 1 ? "s" : ""} firing` : "No alert firing";
  }
  if (panel && !panel.hidden) drawPanel();
  for (const widget of state.widgets.values()) showCardAlert(widget);
}

// A card's border and badge for its most severe firing rule.
export function showCardAlert(widget) {
  const card = widget.card;
  if (!card) return;
  const alert = widgetAlert(state.alerts, widget.spec.id);
  let badge = card.querySelector(".sv-alert-badge");
  if (!alert) {
    delete card.dataset.alert;
    if (badge) badge.remove();
    return;
  }
  card.dataset.alert = alert.severity;
  if (!badge) {
    badge = el("div", "sv-alert-badge");
    const head = card.querySelector(".sv-card-head");
    head.insertBefore(badge, head.querySelector(".sv-loss"));
  }
  badge.dataset.severity = alert.severity;
  badge.textContent = `${alert.state === "firing" ? "●" : "◐"} ${stateLabel(alert.state).toUpperCase()}${alert.count > 1 ? ` ×${alert.count}` : ""}`;
  badge.title = alert.message || alert.rule;
}

function time(ms) {
  if (ms === null || ms === undefined) return "–";
  return new Date(ms).toLocaleString("en-GB", { hour12: false });
}

function drawPanel() {
  const alerts = state.alerts;
  const rules = el("table", "sv-alerts-table");
  const head = rules.createTHead().insertRow();
  for (const name of ["Rule", "Widget", "Severity", "State", "Since", "Value", "Message"]) head.append(el("th", "", name));
  const body = rules.createTBody();
  for (const s of alerts.states) {
    const row = body.insertRow();
    row.dataset.rule = s.rule;
    row.dataset.state = s.state;
    const target = s.series ? `${s.widget}.${s.series}` : s.widget;
    for (const text of [s.rule, target, s.severity, stateLabel(s.state), time(s.since_ms), formatNumber(s.value), s.message]) {
      row.insertCell().textContent = text;
    }
    row.cells[3].className = `sv-alert-state${isActive(s.state) ? " sv-active" : ""}`;
    row.cells[3].dataset.severity = s.severity;
  }
  const recent = el("ol", "sv-alerts-recent");
  for (const t of alerts.transitions.slice().reverse()) {
    const item = el("li", "", `${time(t.ts_ms)} — ${t.rule}: ${stateLabel(t.from)} → ${stateLabel(t.to)} (${formatNumber(t.value)})`);
    item.dataset.severity = t.severity;
    recent.append(item);
  }
  panel.replaceChildren(el("h2", "", "Alerts"), rules, el("h3", "", "Recent transitions"), recent);
}
