//! Loading a stored dashboard into an engine: settings, containers, widgets, the newest points
//! of every series (up to its ring's capacity), and each widget's newest snapshot with the changes
//! after it, applied through the push path as any push is. A replay reads a widget's changes up
//! to a time the same way ([`stored_changes`]). Alert rules are declared again and resume the
//! states their last stored transitions left them in.

use rusqlite::{params, Connection, OptionalExtension};

use super::chunks::newest;
use super::db::{Db, SeriesKey};
use crate::engine::{
    AlertRule, ConfigPatch, ContainerSpec, Engine, Rule, SeriesOptions, Update, WidgetData,
    WidgetOptions, WidgetSpec,
};
use crate::protocol::apply_push_to;
use crate::store::backend::Restored;
use crate::store::error::StoreError;

impl Db {
    /// Load the stored dashboard into `engine`: settings, widgets, the newest points of every
    /// series (up to its capacity), and each widget's newest snapshot with the changes after it
    /// in order.
    pub(super) fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        // The stored points were evaluated when they came: rules (declared already by the
        // script, or below) resume from their stored transitions instead.
        engine.set_alert_evaluation(false);
        let restored = self.restore_dashboard(engine);
        engine.set_alert_evaluation(true);
        restored
    }

    fn restore_dashboard(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        if let Some(dashboard) = self.meta("dashboard")? {
            let patch = serde_json::from_str(&dashboard)
                .map_err(|err| err.to_string())
                .and_then(|v| ConfigPatch::from_json(v).map_err(|err| err.to_string()))
                .map_err(|err| self.damaged(format!("stored dashboard settings: {err}")))?;
            engine.configure(patch);
        }
        if let Some(containers) = self.meta("containers")? {
            let containers: Vec<ContainerSpec> = serde_json::from_str(&containers)
                .map_err(|err| self.damaged(format!("stored layout: {err}")))?;
            for container in containers {
                let id = container.id.clone();
                if let Err(err) = engine.declare_container(container) {
                    tracing::warn!("persistence: stored container {id:?} skipped: {err}");
                }
            }
        }
        let widgets = {
            let mut statement = self
                .conn
                .prepare("SELECT id, kind, options FROM widgets ORDER BY rowid")
                .map_err(|err| self.error(err))?;
            let rows = statement
                .query_map([], |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                    ))
                })
                .map_err(|err| self.error(err))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|err| self.error(err))?
        };
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
        let series: Vec<(SeriesKey, i64)> = self
            .series
            .iter()
            .map(|(key, sid)| (key.clone(), *sid))
            .collect();
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
            let points = newest(&self.conn, sid, capacity).map_err(|err| self.error(err))?;
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
            let ops = stored_changes(&self.conn, &widget, None).map_err(|err| self.error(err))?;
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
        if let Some(alerts) = self.meta("alerts")? {
            let rules: Vec<AlertRule> = serde_json::from_str(&alerts)
                .map_err(|err| self.damaged(format!("stored alert rules: {err}")))?;
            for rule in rules {
                let name = rule.name.clone();
                if let Err(err) = Rule::new(rule).and_then(|rule| engine.declare_alert(rule)) {
                    tracing::warn!("persistence: stored alert rule {name:?} skipped: {err}");
                }
            }
        }
        // Every rule resumes as its last transition left it; no listener hears of it (a firing
        // rule is not announced again).
        let stored = super::alerts::read(&self.conn, None).map_err(|err| self.error(err))?;
        if !stored.states.is_empty() || !stored.transitions.is_empty() {
            engine.set_alert_states(&stored, true);
        }
        Ok(restored)
    }
}

/// Most changes one read of a widget's stored changes returns.
const MAX_CHANGES_READ: usize = 5_000_000;

/// What rebuilds a widget from its stored changes, as JSON lists of push ops: its newest
/// snapshot's, then one for each change after it, in order.
pub(super) struct StoredOps {
    /// The ops lists, oldest first.
    pub(super) ops: Vec<String>,
    /// Changes among them (the snapshot not counted).
    pub(super) changes: u64,
}

/// A widget's newest snapshot (stored at or before `until`, when given) and the changes after it
/// (up to `until`).
pub(super) fn stored_changes(
    conn: &Connection,
    widget: &str,
    until: Option<f64>,
) -> rusqlite::Result<StoredOps> {
    let until = until.unwrap_or(f64::INFINITY);
    let snapshot: Option<(i64, String)> = conn
        .prepare_cached(
            "SELECT change_id, ops FROM snapshots WHERE widget = ?1 AND ts_ms <= ?2 \
             ORDER BY change_id DESC LIMIT 1",
        )?
        .query_row(params![widget, until], |row| Ok((row.get(0)?, row.get(1)?)))
        .optional()?;
    let (after, mut ops) = match snapshot {
        Some((change_id, ops)) => (change_id, vec![ops]),
        None => (0, Vec::new()),
    };
    let mut statement = conn.prepare_cached(
        "SELECT '[' || change || ']' FROM changes WHERE widget = ?1 AND id > ?2 AND ts_ms <= ?3 \
         ORDER BY id LIMIT ?4",
    )?;
    let rows = statement.query_map(
        params![widget, after, until, MAX_CHANGES_READ as i64],
        |row| row.get::<_, String>(0),
    )?;
    let before = ops.len();
    for row in rows {
        ops.push(row?);
    }
    let changes = (ops.len() - before) as u64;
    Ok(StoredOps { ops, changes })
}
