//! Messages as the holder of embed tokens sees them: their widgets (one a token), nothing of the
//! others (not their specs, data, names in the layout, or losses).

use serde_json::{json, Value};

use super::alerts::alerts_message;
use crate::engine::AlertsView;

/// `message` as a viewer of `widgets` alone may see it, or `None` when nothing of it is theirs.
pub fn scope_message(message: &str, widgets: &[String]) -> Option<String> {
    let mine = |id: Option<&str>| id.is_some_and(|id| widgets.iter().any(|w| w == id));
    let mut value: Value = serde_json::from_str(message).ok()?;
    let object = value.as_object_mut()?;
    match object.get("type").and_then(Value::as_str)? {
        "hello" | "ack" | "error" => return Some(message.to_owned()),
        "config" => {
            let mut shown = Vec::new();
            if let Some(Value::Array(specs)) = object.get_mut("widgets") {
                specs.retain(|spec| mine(spec.get("id").and_then(Value::as_str)));
                shown.extend(specs.iter().filter_map(|spec| spec.get("id").cloned()));
            }
            if let Some(Value::Array(rules)) = object.get_mut("alerts") {
                rules.retain(|rule| mine(rule.get("widget").and_then(Value::as_str)));
            }
            object.insert("containers".into(), json!([]));
            let children: Vec<Value> = shown
                .into_iter()
                .map(|id| json!({"type": "widget", "id": id}))
                .collect();
            object.insert(
                "layout".into(),
                json!({
                    "pages": [{"id": null, "name": null, "slug": "", "children": children}],
                    "sidebar": [],
                }),
            );
        }
        "history" => {
            if !mine(object.get("widget").and_then(Value::as_str)) {
                return None;
            }
            return Some(message.to_owned());
        }
        "data" => {
            let Some(Value::Array(updates)) = object.get_mut("updates") else {
                return None;
            };
            updates.retain(|op| mine(op.get("widget").and_then(Value::as_str)));
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
            view.states.retain(|s| mine(Some(&*s.widget)));
            view.transitions.retain(|t| mine(Some(&*t.widget)));
            return Some(alerts_message(&view, recent));
        }
        "stats" => {
            if let Some(Value::Object(widgets)) = object.get_mut("widgets") {
                widgets.retain(|id, _| mine(Some(id)));
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
        let cpu = ["cpu".to_string()];
        let config = json!({
            "type": "config", "title": "Ops",
            "widgets": [{"id": "cpu", "kind": "metric"}, {"id": "secret", "kind": "table"}],
            "containers": [{"id": "t", "kind": "tabs", "labels": ["Private"]}],
            "layout": {"pages": [{"id": null, "name": null, "slug": "", "children": [{"type": "tabs", "id": "t"}]}], "sidebar": []},
        })
        .to_string();
        let scoped = scope_message(&config, &cpu).unwrap();
        assert!(
            !scoped.contains("secret") && !scoped.contains("Private"),
            "{scoped}"
        );
        assert!(scoped.contains("\"cpu\"") && scoped.contains("Ops"));

        let data = json!({"type": "data", "seq": 4, "updates": [
            {"widget": "secret", "op": "upsert"}, {"widget": "cpu", "op": "points"}]})
        .to_string();
        let scoped: Value = serde_json::from_str(&scope_message(&data, &cpu).unwrap()).unwrap();
        assert_eq!(scoped["updates"].as_array().unwrap().len(), 1);
        assert_eq!(scope_message(&data, &["mem".to_string()]), None);

        let history = json!({"type": "history", "widget": "secret", "data": {}}).to_string();
        assert_eq!(scope_message(&history, &cpu), None);
        let stats =
            json!({"type": "stats", "widgets": {"secret": {"dropped": 1}, "cpu": {"dropped": 2}}});
        let scoped = scope_message(&stats.to_string(), &cpu).unwrap();
        assert!(!scoped.contains("secret"));
        let alerts = json!({"type": "alerts", "recent": true, "firing": 2, "states": [
            {"rule": "a", "widget": "secret", "severity": "critical", "state": "firing", "message": "s"},
            {"rule": "b", "widget": "cpu", "severity": "info", "state": "no_data", "message": "m"}],
            "transitions": [{"rule": "a", "widget": "secret", "severity": "critical", "from": "normal",
                             "to": "firing", "value": 1.0, "ts_ms": 1.0, "message": "s"}]});
        let scoped: Value =
            serde_json::from_str(&scope_message(&alerts.to_string(), &cpu).unwrap()).unwrap();
        assert_eq!(scoped["states"].as_array().unwrap().len(), 1);
        assert_eq!(scoped["states"][0]["rule"], "b");
        assert_eq!(scoped["transitions"], json!([]));
        assert_eq!(
            (scoped["firing"].clone(), scoped["recent"].clone()),
            (json!(1), json!(true))
        );
        assert_eq!(scope_message("{\"type\": \"new\"}", &cpu), None);
        assert_eq!(scope_message("not json", &cpu), None);
    }

    #[test]
    fn several_embedded_widgets_keep_each_and_only_theirs() {
        let both = ["cpu".to_string(), "mem".to_string()];
        let config = json!({
            "type": "config", "title": "Ops",
            "widgets": [{"id": "mem", "kind": "gauge"}, {"id": "secret", "kind": "table"}, {"id": "cpu", "kind": "metric"}],
            "layout": {"pages": [], "sidebar": []},
        });
        let scoped: Value =
            serde_json::from_str(&scope_message(&config.to_string(), &both).unwrap()).unwrap();
        let ids: Vec<&str> = scoped["widgets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["mem", "cpu"]);
        assert_eq!(
            scoped["layout"]["pages"][0]["children"],
            json!([{"type": "widget", "id": "mem"}, {"type": "widget", "id": "cpu"}])
        );
        let data = json!({"type": "data", "seq": 4, "updates": [
            {"widget": "secret", "op": "upsert"}, {"widget": "cpu", "op": "points"}, {"widget": "mem", "op": "points"}]});
        let scoped: Value =
            serde_json::from_str(&scope_message(&data.to_string(), &both).unwrap()).unwrap();
        assert_eq!(scoped["updates"].as_array().unwrap().len(), 2);
    }
}
