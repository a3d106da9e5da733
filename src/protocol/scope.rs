//! Messages as the holder of an embed token sees them: one widget, nothing of the others (not
//! their specs, data, names in the layout, or losses).

use serde_json::{json, Value};

use super::alerts::alerts_message;
use crate::engine::AlertsView;

/// `message` as a viewer of `widget` alone may see it, or `None` when nothing of it is theirs.
pub fn scope_message(message: &str, widget: &str) -> Option<String> {
    let mut value: Value = serde_json::from_str(message).ok()?;
    let object = value.as_object_mut()?;
    match object.get("type").and_then(Value::as_str)? {
        "hello" | "ack" | "error" => return Some(message.to_owned()),
        "config" => {
            if let Some(Value::Array(widgets)) = object.get_mut("widgets") {
                widgets.retain(|spec| spec.get("id").and_then(Value::as_str) == Some(widget));
            }
            if let Some(Value::Array(rules)) = object.get_mut("alerts") {
                rules.retain(|rule| rule.get("widget").and_then(Value::as_str) == Some(widget));
            }
            object.insert("containers".into(), json!([]));
            object.insert(
                "layout".into(),
                json!({
                    "pages": [{"id": null, "name": null, "slug": "", "children": [{"type": "widget", "id": widget}]}],
                    "sidebar": [],
                }),
            );
        }
        "history" => {
            if object.get("widget").and_then(Value::as_str) != Some(widget) {
                return None;
            }
            return Some(message.to_owned());
        }
        "data" => {
            let Some(Value::Array(updates)) = object.get_mut("updates") else {
                return None;
            };
            updates.retain(|op| op.get("widget").and_then(Value::as_str) == Some(widget));
            if updates.is_empty() {
                return None;
            }
        }
        "alerts" => {
            // Re-encoded by the one encoder, so `firing` is counted as everywhere else.
            let recent = object
                .get("recent")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let mut view: AlertsView = serde_json::from_str(message).ok()?;
            view.states.retain(|s| &*s.widget == widget);
            view.transitions.retain(|t| &*t.widget == widget);
            return Some(alerts_message(&view, recent));
        }
        "stats" => {
            if let Some(Value::Object(widgets)) = object.get_mut("widgets") {
                widgets.retain(|id, _| id == widget);
            }
        }
        _ => return None,
    }
    Some(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_embedded_widget_is_left() {
        let config = json!({
            "type": "config", "title": "Ops",
            "widgets": [{"id": "cpu", "kind": "metric"}, {"id": "secret", "kind": "table"}],
            "containers": [{"id": "t", "kind": "tabs", "labels": ["Private"]}],
            "layout": {"pages": [{"id": null, "name": null, "slug": "", "children": [{"type": "tabs", "id": "t"}]}], "sidebar": []},
        })
        .to_string();
        let scoped = scope_message(&config, "cpu").unwrap();
        assert!(
            !scoped.contains("secret") && !scoped.contains("Private"),
            "{scoped}"
        );
        assert!(scoped.contains("\"cpu\"") && scoped.contains("Ops"));

        let data = json!({"type": "data", "seq": 4, "updates": [
            {"widget": "secret", "op": "upsert"}, {"widget": "cpu", "op": "points"}]})
        .to_string();
        let scoped: Value = serde_json::from_str(&scope_message(&data, "cpu").unwrap()).unwrap();
        assert_eq!(scoped["updates"].as_array().unwrap().len(), 1);
        assert_eq!(scope_message(&data, "mem"), None);

        let history = json!({"type": "history", "widget": "secret", "data": {}}).to_string();
        assert_eq!(scope_message(&history, "cpu"), None);
        let stats =
            json!({"type": "stats", "widgets": {"secret": {"dropped": 1}, "cpu": {"dropped": 2}}});
        let scoped = scope_message(&stats.to_string(), "cpu").unwrap();
        assert!(!scoped.contains("secret"));
        let alerts = json!({"type": "alerts", "recent": true, "firing": 2, "states": [
            {"rule": "a", "widget": "secret", "severity": "critical", "state": "firing", "message": "s"},
            {"rule": "b", "widget": "cpu", "severity": "info", "state": "no_data", "message": "m"}],
            "transitions": [{"rule": "a", "widget": "secret", "severity": "critical", "from": "normal",
                             "to": "firing", "value": 1.0, "ts_ms": 1.0, "message": "s"}]});
        let scoped: Value =
            serde_json::from_str(&scope_message(&alerts.to_string(), "cpu").unwrap()).unwrap();
        assert_eq!(scoped["states"].as_array().unwrap().len(), 1);
        assert_eq!(scoped["states"][0]["rule"], "b");
        assert_eq!(scoped["transitions"], json!([]));
        assert_eq!(
            (scoped["firing"].clone(), scoped["recent"].clone()),
            (json!(1), json!(true))
        );
        assert_eq!(scope_message("{\"type\": \"new\"}", "cpu"), None);
        assert_eq!(scope_message("not json", "cpu"), None);
    }
}
