// Alert rules as the page holds them (the server's `alerts` messages): every rule's state, the
// recent transitions, and what a widget shows of them. Pure: no DOM, so Node's test runner
// checks it (tests/js). The same rules as the native viewer's (src/gui/alerts.rs).

// Transitions the page keeps for the alerts panel.
export const RECENT = 50;

// States in which a rule counts as firing (receivers were told it fired and not yet resolved).
const ACTIVE = new Set(["firing", "recovering", "no_data"]);
const RANK = { critical: 3, warning: 2, info: 1 };

// An empty alerts model.
export function emptyAlerts() {
  return { states: [], transitions: [], firing: 0 };
}

// Apply an `alerts` message: the states replace the old ones; the transitions replace the
// recent ones (`recent`: a client's start) or are added to them, the newest RECENT kept.
// `embedId`, when set, keeps only that widget's rules.
export function applyAlerts(alerts, message, embedId = null) {
  const ours = (item) => !embedId || item.widget === embedId;
  alerts.states = (message.states || []).filter(ours);
  const transitions = (message.transitions || []).filter(ours);
  alerts.transitions = message.recent ? transitions.slice(-RECENT) : alerts.transitions.concat(transitions).slice(-RECENT);
  alerts.firing = alerts.states.filter((s) => ACTIVE.has(s.state)).length;
  return alerts;
}

// Whether a rule in `state` counts as firing.
export function isActive(state) {
  return ACTIVE.has(state);
}

// What a widget shows: its most severe active rule ({severity, state, message, rule, count}),
// or null when none fires.
export function widgetAlert(alerts, widgetId) {
  let worst = null;
  let count = 0;
  for (const status of alerts.states) {
    if (status.widget !== widgetId || !ACTIVE.has(status.state)) continue;
    count++;
    if (!worst || RANK[status.severity] > RANK[worst.severity]) worst = status;
  }
  if (!worst) return null;
  return { severity: worst.severity, state: worst.state, message: worst.message, rule: worst.rule, count };
}

// The severity of the most severe firing rule, or null.
export function worstSeverity(alerts) {
  let worst = null;
  for (const status of alerts.states) {
    if (ACTIVE.has(status.state) && (!worst || RANK[status.severity] > RANK[worst])) worst = status.severity;
  }
  return worst;
}

// A state's name for people: "no_data" → "no data".
export function stateLabel(state) {
  return state === "no_data" ? "no data" : state;
}
