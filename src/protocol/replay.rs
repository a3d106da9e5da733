//! Replaying stored changes: the push ops that rebuild a widget from its `history` data (what a
//! store keeps as a snapshot and a replica applies), and a widget rebuilt from its stored changes
//! as of a time (what a replay shows for tables, bar charts, texts and heatmaps).

use serde_json::{json, Value};

use super::push::apply_push_to;
use crate::engine::{Engine, Placement, WidgetSpec};

/// A widget as stored changes (lists of `data` ops, as [`crate::history::History::changes`]
/// gives them) leave it: an engine holding only that widget (placed nowhere), the changes applied in
/// order as a restart applies them. A replay shows tables, bars and texts as of a time with it.
pub fn replay_widget(spec: &WidgetSpec, changes: &[String]) -> Result<Engine, String> {
    let mut engine = Engine::new();
    engine.set_replica(true);
    let mut alone = spec.clone();
    alone.placement = Placement::default();
    engine.declare(alone).map_err(|err| err.to_string())?;
    for ops in changes {
        apply_push_to(&mut engine, &format!(r#"{{"updates": {ops}}}"#))
            .map_err(|err| err.to_string())?;
    }
    Ok(engine)
}

/// The push ops that rebuild widget `id` from empty as the `data` of its `history` message
/// describes it (points, series, bars, rows, text, heatmap); none for an empty widget. A mirror
/// applies a producer's history with them, a store its snapshots.
pub fn history_ops(id: &str, data: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    for key in ["points", "partial", "values"] {
        if let Some(value) = data.get(key) {
            ops.push(json!({"widget": id, key: value}));
        }
    }
    for series in data
        .get("series")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        ops.push(
            json!({"widget": id, "series": series.get("name"), "points": series.get("points")}),
        );
    }
    if let Some(rows) = data.get("rows") {
        ops.push(json!({"widget": id, "upsert": rows}));
    }
    if let Some(text) = data.get("text") {
        ops.push(json!({"widget": id, "text": text}));
    }
    if let Some(matrix) = data
        .get("matrix")
        .filter(|m| m.as_array().is_some_and(|m| !m.is_empty()))
    {
        ops.push(json!({"widget": id, "matrix": matrix}));
    }
    ops
}
