//! Decoding what a server sends onto a replica engine (a mirror's copy of a producer): `config`
//! (settings, containers, widgets, alert rules), `history` (one widget's data, replaced), `data`
//! (live ops), `stats` (the producer's counters of what was lost) and `alerts` (states), all applied through the push path's
//! validation. A message that does not apply is logged and skipped; the connection goes on.

use serde_json::{json, Map, Value};

use super::alerts::{apply_alerts, apply_config_alerts};
use super::push::apply_push_to;
use super::replay::history_ops;
use crate::engine::{ConfigPatch, ContainerSpec, Engine, Losses, WidgetSpec};

/// Apply one message a server sent: `config`, `history`, `data` or `stats`; other types
/// (`hello`, `error`) change nothing here.
pub fn apply_message(engine: &mut Engine, message: &Value) {
    match message.get("type").and_then(Value::as_str) {
        Some("config") => apply_config(engine, message),
        Some("history") => apply_history(engine, message),
        Some("data") => {
            let updates = message.get("updates").cloned().unwrap_or(Value::Null);
            let body = json!({ "updates": updates }).to_string();
            if let Err(err) = apply_push_to(engine, &body) {
                tracing::warn!("mirror: a data message was not applied: {err}");
            }
        }
        Some("stats") => apply_stats(engine, message),
        Some("alerts") => apply_alerts(engine, message),
        _ => {}
    }
}

/// Make the local dashboard match a `config`: settings, containers and widgets. Widgets that
/// disappeared or changed kind mean the producer was reset: start again from empty.
fn apply_config(engine: &mut Engine, config: &Value) {
    apply_config_with(engine, config, true);
}

/// Add what another server's `config` declares to the local dashboard (a relay's peer): its
/// settings, containers and widgets, declared or re-declared; widgets only this server has are
/// kept, and alert rules stay each server's own.
pub fn merge_config(engine: &mut Engine, config: &Value) {
    apply_config_with(engine, config, false);
}

fn apply_config_with(engine: &mut Engine, config: &Value, replica: bool) {
    // Whose configuration it is, in what is logged.
    let from = if replica { "mirror" } else { "relay" };
    let widgets = config
        .get("widgets")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let remote: Vec<(String, String)> = widgets
        .iter()
        .filter_map(|w| {
            Some((
                w.get("id")?.as_str()?.to_owned(),
                w.get("kind")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    if replica {
        let local = engine.config_view();
        let still_there = local.widgets.iter().all(|w| {
            remote
                .iter()
                .any(|(id, kind)| *id == w.id && kind == w.kind.name())
        });
        if !still_there {
            engine.reset();
        }
    }
    let mut patch = Map::new();
    for key in [
        "title",
        "theme",
        "buffer_size",
        "default_time_range_ms",
        "auto_refresh",
    ] {
        if let Some(value) = config.get(key) {
            patch.insert(key.into(), value.clone());
        }
    }
    match ConfigPatch::from_json(Value::Object(patch)) {
        Ok(patch) => engine.configure(patch),
        Err(err) => tracing::warn!("{from}: dashboard settings not applied: {err}"),
    }
    for container in config
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let declared = ContainerSpec::from_json(container.clone())
            .and_then(|spec| engine.declare_container(spec));
        if let Err(err) = declared {
            tracing::warn!("{from}: a container was not declared: {err}");
        }
    }
    for widget in widgets {
        let (Some(id), Some(kind)) = (
            widget.get("id").and_then(Value::as_str),
            widget.get("kind").and_then(Value::as_str),
        ) else {
            continue;
        };
        let mut options = widget.get("options").cloned().unwrap_or(Value::Null);
        if let (Value::Object(map), Some(Value::Object(placement))) =
            (&mut options, widget.get("placement"))
        {
            map.extend(placement.clone());
        }
        let declared = WidgetSpec::parse(id, kind, options).and_then(|spec| engine.declare(spec));
        if let Err(err) = declared {
            tracing::warn!("{from}: widget {id:?} was not declared: {err}");
        }
    }
    if replica {
        apply_config_alerts(engine, config);
    }
}

/// Take the producer's counters of what each widget lost (absent widgets lost nothing), and
/// whether its relay to other servers reaches them.
fn apply_stats(engine: &mut Engine, stats: &Value) {
    engine.set_relay_connected(
        stats
            .get("relay")
            .and_then(|relay| relay.get("connected"))
            .and_then(Value::as_bool),
    );
    let reported = stats.get("widgets").and_then(Value::as_object);
    engine.set_all_losses(|id| {
        let counters = reported.and_then(|w| w.get(id));
        let count = |name: &str| {
            counters
                .and_then(|c| c.get(name))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        Losses {
            dropped: count("dropped"),
            late: count("late"),
        }
    });
}

/// Replace one widget's data with a `history` message.
fn apply_history(engine: &mut Engine, history: &Value) {
    let Some(id) = history.get("widget").and_then(Value::as_str) else {
        return;
    };
    if engine.clear_data(id).is_err() {
        return;
    }
    let ops = history_ops(id, history.get("data").unwrap_or(&Value::Null));
    if ops.is_empty() {
        return;
    }
    let body = json!({ "updates": ops }).to_string();
    if let Err(err) = apply_push_to(engine, &body) {
        tracing::warn!("mirror: history of {id:?} was not applied: {err}");
    }
}
