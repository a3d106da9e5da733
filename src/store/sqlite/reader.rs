//! Reading a database while it is written: the [`History`] a running store and a recording give
//! to range queries and replays. Each kind of read has a read-only connection of its own (WAL
//! lets it read while the writer writes), used by one read at a time, so reading never holds up
//! the writer or the engine.

use std::path::Path;
use std::sync::{Mutex, PoisonError};

use rusqlite::{Connection, OpenFlags};

use super::chunks;
use super::restore::stored_changes;
use crate::engine::AlertsView;
use crate::history::{History, HistoryError, MAX_HISTORY_POINTS};
use crate::store::error::StoreError;

/// The stored points and changes of one database file.
pub(super) struct StoredHistory {
    /// Read by range queries.
    points: Mutex<Connection>,
    /// Read by a replay's widgets as of a time.
    changes: Mutex<Connection>,
}

impl StoredHistory {
    /// Readers of the database at `path`.
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        Ok(Self {
            points: reader(path)?,
            changes: reader(path)?,
        })
    }
}

/// A read-only connection of its own to `path`.
fn reader(path: &Path) -> Result<Mutex<Connection>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|err| StoreError::Open {
        path: path.display().to_string(),
        reason: format!("cannot open a reader: {err}"),
    })?;
    Ok(Mutex::new(conn))
}

fn read_error(err: rusqlite::Error) -> HistoryError {
    HistoryError(err.to_string())
}

impl History for StoredHistory {
    fn points(
        &self,
        widget: &str,
        series: &str,
        from: f64,
        to: f64,
    ) -> Result<Vec<(f64, f64)>, HistoryError> {
        let conn = self.points.lock().unwrap_or_else(PoisonError::into_inner);
        chunks::range(&conn, (widget, series), (from, to), MAX_HISTORY_POINTS).map_err(read_error)
    }

    fn changes(&self, widget: &str, until: f64) -> Result<Vec<String>, HistoryError> {
        let conn = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
        stored_changes(&conn, widget, Some(until))
            .map(|ops| ops.ops)
            .map_err(read_error)
    }

    fn alerts(&self, until: f64) -> Result<AlertsView, HistoryError> {
        let conn = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
        super::alerts::read(&conn, Some(until)).map_err(read_error)
    }
}
