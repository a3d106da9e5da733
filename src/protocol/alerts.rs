//! Alerts on the wire: the `alerts` message (every rule's state, and transitions: the recent
//! ones when a client connects, the new ones after), the body of `GET /api/v1/alerts`, a
//! replica's rules from `config` and states from `alerts`, and the `alerts` of a push.

use serde::Serialize;
use serde_json::Value;

use crate::engine::alert::{check_target, AlertRule, AlertsView, Rule};
use crate::engine::{Engine, EngineResult, WidgetKind};

/// The `alerts` message: `{"type": "alerts", "states": [...], "transitions": [...],
/// "recent": bool}`; `recent` is true when the transitions are the recent ones (a client's
/// start) rather than the new ones since the last message.
pub fn alerts_message(view: &AlertsView, recent: bool) -> String {
    #[derive(Serialize)]
    struct Message<'a> {
        r#type: &'static str,
        #[serde(flatten)]
        view: &'a AlertsView,
        recent: bool,
        firing: usize,
    }
    serde_json::to_string(&Message {
        r#type: "alerts",
        view,
        recent,
        firing: view.active(),
    })
    .unwrap_or_default()
}

/// The body of `GET /api/v1/alerts`: rules, states, recent transitions, and what firing now.
pub fn alerts_body(rules: &[AlertRule], view: &AlertsView) -> Value {
    serde_json::json!({
        "rules": rules,
        "states": view.states,
        "transitions": view.transitions,
        "firing": view.active(),
    })
}

/// Rules as a push or a `config` gives them, each parsed and checked on its own (`at` names
/// the place of a refused one); `kind_of` finds a widget's kind, declared or about to be.
pub fn parse_rules(
    values: Vec<Value>,
    kind_of: impl Fn(&str) -> Option<WidgetKind>,
) -> Result<Vec<Rule>, (usize, crate::engine::EngineError)> {
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let rule = Rule::from_json(value).map_err(|err| (i, err))?;
            check_target(&rule.spec, kind_of(&rule.spec.widget)).map_err(|err| (i, err))?;
            Ok(rule)
        })
        .collect()
}

/// A replica's rules from a producer's `config`: declared as given, the others removed.
pub(super) fn apply_config_alerts(engine: &mut Engine, config: &Value) {
    let values = config
        .get("alerts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut names = std::collections::HashSet::new();
    for value in values {
        let declared: EngineResult<()> = Rule::from_json(value).and_then(|rule| {
            names.insert(rule.spec.name.clone());
            engine.declare_alert(rule)
        });
        if let Err(err) = declared {
            tracing::warn!("mirror: an alert rule was not declared: {err}");
        }
    }
    for rule in engine.alerts().rules() {
        if !names.contains(&rule.name) {
            engine.remove_alert(&rule.name);
        }
    }
}

/// A replica's states and transitions from a producer's `alerts` message.
pub(super) fn apply_alerts(engine: &mut Engine, message: &Value) {
    let recent = message
        .get("recent")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match serde_json::from_value::<AlertsView>(message.clone()) {
        Ok(view) => engine.set_alert_states(&view, recent),
        Err(err) => tracing::warn!("mirror: an alerts message was not applied: {err}"),
    }
}
