//! A SQLite database's reads for loading its dashboard into an engine
//! ([`crate::store::restore`] does the loading), and a widget's changes up to a time, which a
//! replay reads the same way ([`stored_changes`]).

use rusqlite::{params, Connection, OptionalExtension};

use super::chunks::newest;
use super::db::Db;
use crate::engine::{AlertsView, Engine};
use crate::store::backend::Restored;
use crate::store::error::StoreError;
use crate::store::restore::{restore, SeriesKey, StoredDashboard, StoredOps, MAX_CHANGES_READ};

impl Db {
    /// Load the stored dashboard into `engine` ([`crate::store::restore`]).
    pub(super) fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        restore(self, engine)
    }
}

impl StoredDashboard for Db {
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Db::meta(self, key)
    }

    fn widgets(&mut self) -> Result<Vec<(String, String, String)>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT id, kind, options FROM widgets ORDER BY rowid")
            .map_err(|err| self.error(err))?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(|err| self.error(err))?;
        rows.collect::<Result<Vec<_>, _>>()
            .map_err(|err| self.error(err))
    }

    fn series(&mut self) -> Result<Vec<(SeriesKey, i64)>, StoreError> {
        Ok(self
            .series
            .iter()
            .map(|(key, sid)| (key.clone(), *sid))
            .collect())
    }

    fn newest(&mut self, sid: i64, limit: usize) -> Result<Vec<(f64, f64)>, StoreError> {
        newest(&self.conn, sid, limit).map_err(|err| self.error(err))
    }

    fn changes(&mut self, widget: &str, until: Option<f64>) -> Result<StoredOps, StoreError> {
        stored_changes(&self.conn, widget, until).map_err(|err| self.error(err))
    }

    fn alerts(&mut self, until: Option<f64>) -> Result<AlertsView, StoreError> {
        super::alerts::read(&self.conn, until).map_err(|err| self.error(err))
    }

    fn damaged(&self, reason: String) -> StoreError {
        Db::damaged(self, reason)
    }
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
