//! Alert transitions in the database: every transition stored as it happened (the
//! `alert_transitions` table), and the alerts as they stood at a time read back from them — a
//! rule's state is its last transition's, so a restart resumes every rule where it was and a
//! replay shows which rules fired at the scrubbed time.

use rusqlite::{params, Connection, Transaction};

use crate::engine::alert::{AlertsView, Transition, MAX_RECENT};

/// Store `transitions` (in order).
pub(super) fn write(tx: &Transaction<'_>, transitions: &[Transition]) -> rusqlite::Result<()> {
    if transitions.is_empty() {
        return Ok(());
    }
    let mut insert = tx.prepare_cached(
        "INSERT INTO alert_transitions (rule, ts_ms, transition) VALUES (?1, ?2, ?3)",
    )?;
    for transition in transitions {
        let json = serde_json::to_string(transition).unwrap_or_default();
        insert.execute(params![&*transition.rule, transition.ts_ms, json])?;
    }
    Ok(())
}

/// The alerts as they stood at `until` (epoch ms; everything when `None`): each rule's state
/// from its last transition then, and the recent transitions up to then. Rules that are not
/// declared are left for the engine to ignore. A database older than schema 3 has none.
pub(super) fn read(conn: &Connection, until: Option<f64>) -> rusqlite::Result<AlertsView> {
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'alert_transitions'",
        [],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(AlertsView::default());
    }
    let until = until.unwrap_or(f64::INFINITY);
    let parse = |json: String| serde_json::from_str::<Transition>(&json).ok();
    let mut last = conn.prepare_cached(
        "SELECT transition FROM alert_transitions WHERE id IN \
         (SELECT max(id) FROM alert_transitions WHERE ts_ms <= ?1 GROUP BY rule) ORDER BY id",
    )?;
    let states = last
        .query_map(params![until], |row| row.get::<_, String>(0))?
        .filter_map(|row| row.map(parse).transpose())
        .map(|row| row.map(|t| t.status()))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut recent = conn.prepare_cached(
        "SELECT transition FROM (SELECT id, transition FROM alert_transitions WHERE ts_ms <= ?1 \
         ORDER BY id DESC LIMIT ?2) ORDER BY id",
    )?;
    let transitions = recent
        .query_map(params![until, MAX_RECENT as i64], |row| {
            row.get::<_, String>(0)
        })?
        .filter_map(|row| row.map(parse).transpose())
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(AlertsView {
        states,
        transitions,
    })
}

/// Delete transitions older than `cutoff`, except each rule's last (its state now).
pub(super) fn purge(tx: &Transaction<'_>, cutoff: f64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM alert_transitions WHERE ts_ms < ?1 AND id NOT IN \
         (SELECT max(id) FROM alert_transitions GROUP BY rule)",
        params![cutoff],
    )?;
    Ok(())
}
