//! Loading a stored dashboard into an engine, whatever backend holds it: settings, containers,
//! widgets, the newest points of every series (up to its ring's capacity), and each widget's
//! newest snapshot with the changes after it, applied through the push path as any push is.
//! Alert rules are declared again and resume the states their last stored transitions left
//! them in. A backend provides the reads ([`StoredDashboard`]).

use crate::engine::{
    AlertRule, AlertsView, ConfigPatch, ContainerSpec, Engine, Rule, SeriesOptions, Update,
    WidgetData, WidgetOptions, WidgetSpec,
};
use crate::ingest::Pipeline;
use crate::protocol::apply_push_to;
use crate::store::backend::Restored;
use crate::store::error::StoreError;

/// A series of a stored widget: (widget, series name: `""` for a widget's only series).
pub(crate) type SeriesKey = (Box<str>, Box<str>);

/// Most changes one read of a widget's stored changes returns.
pub(crate) const MAX_CHANGES_READ: usize = 5_000_000;

/// What rebuilds a widget from its stored changes, as JSON lists of push ops: its newest
/// snapshot's, then one for each change after it, in order.
pub(crate) struct StoredOps {
    /// The ops lists, oldest first.
    pub(crate) ops: Vec<String>,
    /// Changes among them (the snapshot not counted).
    pub(crate) changes: u64,
}

/// The reads a backend offers for loading a stored dashboard.
pub(crate) trait StoredDashboard {
    /// A stored setting (`dashboard`, `containers`, `alerts`), as JSON.
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError>;
    /// Every stored widget, `(id, kind, options JSON)`, in the order they were first stored.
    fn widgets(&mut self) -> Result<Vec<(String, String, String)>, StoreError>;
    /// Every stored series and its id.
    fn series(&mut self) -> Result<Vec<(SeriesKey, i64)>, StoreError>;
    /// A series' newest `limit` points, oldest first.
    fn newest(&mut self, sid: i64, limit: usize) -> Result<Vec<(f64, f64)>, StoreError>;
    /// A widget's newest snapshot (stored at or before `until`) and the changes after it.
    fn changes(&mut self, widget: &str, until: Option<f64>) -> Result<StoredOps, StoreError>;
    /// Every alert rule's state as its last transition (up to `until`) left it.
    fn alerts(&mut self, until: Option<f64>) -> Result<AlertsView, StoreError>;
    /// The error for stored content that cannot be read.
    fn damaged(&self, reason: String) -> StoreError;
}

/// Load a stored dashboard into `pipeline`'s engine made a replica, as a recording shows it:
/// what was stored, nothing aggregated or evaluated again.
pub(crate) fn restore_recording(
    stored: &mut dyn StoredDashboard,
    pipeline: &Pipeline,
) -> Result<Restored, StoreError> {
    let mut engine = pipeline.engine();
    engine.set_replica(true);
    restore(stored, &mut engine)
}

/// Load the stored dashboard into `engine`: settings, widgets, the newest points of every
/// series (up to its capacity), and each widget's newest snapshot with the changes after it in
/// order.
pub(crate) fn restore(
    stored: &mut dyn StoredDashboard,
    engine: &mut Engine,
) -> Result<Restored, StoreError> {
    // The stored points were evaluated when they came: rules (declared already by the script,
    // or below) resume from their stored transitions instead.
    engine.set_alert_evaluation(false);
    let restored = restore_dashboard(stored, engine);
    engine.set_alert_evaluation(true);
    restored
}

fn restore_dashboard(
    stored: &mut dyn StoredDashboard,
    engine: &mut Engine,
) -> Result<Restored, StoreError> {
    if let Some(dashboard) = stored.meta("dashboard")? {
        let patch = serde_json::from_str(&dashboard)
            .map_err(|err| err.to_string())
            .and_then(|v| ConfigPatch::from_json(v).map_err(|err| err.to_string()))
            .map_err(|err| stored.damaged(format!("stored dashboard settings: {err}")))?;
        engine.configure(patch);
    }
    if let Some(containers) = stored.meta("containers")? {
        let containers: Vec<ContainerSpec> = serde_json::from_str(&containers)
            .map_err(|err| stored.damaged(format!("stored layout: {err}")))?;
        for container in containers {
            let id = container.id.clone();
            if let Err(err) = engine.declare_container(container) {
                tracing::warn!("persistence: stored container {id:?} skipped: {err}");
            }
        }
    }
    let widgets = stored.widgets()?;
    let mut restored_widgets = 0;
    for (id, kind, options) in &widgets {
        let spec = serde_json::from_str(options)
            .map_err(|err| err.to_string())
            .and_then(|options| {
                WidgetSpec::parse(id, kind, options).map_err(|err| err.to_string())
            });
        match spec.and_then(|spec| engine.declare(spec).map_err(|err| err.to_string())) {
            Ok(_) => restored_widgets += 1,
            Err(err) => tracing::warn!("persistence: stored widget {id:?} skipped: {err}"),
        }
    }
    let mut restored_points = 0;
    let series = stored.series()?;
    for ((widget, name), sid) in series {
        let Some(handle) = engine.handle(&widget) else {
            continue;
        };
        let capacity = match engine.widget(&widget) {
            Some((_, WidgetData::Series(ring))) => ring.capacity_points(),
            Some((spec, WidgetData::MultiSeries(_))) => {
                spec.max_points().unwrap_or(engine.config().buffer_size)
            }
            _ => continue,
        };
        let series_index = if matches!(handle.spec.options, WidgetOptions::LineChart(_)) {
            let series = SeriesOptions {
                name: name.to_string(),
                color: None,
                label: None,
            };
            match engine.series_index(handle.widget, series, false) {
                Ok(index) => Some(index),
                Err(_) => continue,
            }
        } else {
            None
        };
        let points = stored.newest(sid, capacity)?;
        restored_points += points.len() as u64;
        if !points.is_empty() {
            engine.apply(Update::Points {
                widget: handle.widget,
                series: series_index.unwrap_or(u32::MAX),
                points: Box::new(points),
            });
        }
    }
    let mut restored = Restored {
        widgets: restored_widgets,
        points: restored_points,
        ..Restored::default()
    };
    let ids: Vec<String> = engine
        .config_view()
        .widgets
        .iter()
        .map(|spec| spec.id.clone())
        .collect();
    for widget in ids {
        let ops = stored.changes(&widget, None)?;
        for ops in &ops.ops {
            let body = format!(r#"{{"updates": {ops}}}"#);
            if let Err(err) = apply_push_to(engine, &body) {
                tracing::warn!("persistence: a stored change of {widget:?} skipped: {err}");
            }
        }
        restored.changes += ops.changes;
        if ops.changes > 0 {
            restored.since_snapshot.insert(widget.into(), ops.changes);
        }
    }
    if let Some(alerts) = stored.meta("alerts")? {
        let rules: Vec<AlertRule> = serde_json::from_str(&alerts)
            .map_err(|err| stored.damaged(format!("stored alert rules: {err}")))?;
        for rule in rules {
            let name = rule.name.clone();
            if let Err(err) = Rule::new(rule).and_then(|rule| engine.declare_alert(rule)) {
                tracing::warn!("persistence: stored alert rule {name:?} skipped: {err}");
            }
        }
    }
    // Every rule resumes as its last transition left it; no listener hears of it (a firing
    // rule is not announced again).
    let states = stored.alerts(None)?;
    if !states.states.is_empty() || !states.transitions.is_empty() {
        engine.set_alert_states(&states, true);
    }
    Ok(restored)
}
