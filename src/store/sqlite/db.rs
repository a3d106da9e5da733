//! The database file: opening and creating it (saying why when it cannot be), checking that it is
//! a StreamViz database of a version this build reads, the schema, and purging old rows.

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::checkpoint::Checkpointer;
use super::error::{first_read_error, sqlite_error};
use super::schema::{APPLICATION_ID, SCHEMA, SCHEMA_VERSION};
use crate::clock::now_ms;
use crate::store::error::StoreError;
use crate::store::restore::SeriesKey;

/// An open database: its connection, its path as shown in messages, and the sid of every
/// stored series.
pub(super) struct Db {
    pub(super) conn: Connection,
    pub(super) path: String,
    /// (widget id, series name) → sid.
    pub(super) series: HashMap<SeriesKey, i64>,
    /// Checkpoints the log for the writer ([`Db::checkpoint_elsewhere`]); `None`: SQLite's
    /// automatic checkpoint does, in the commits.
    pub(super) checkpointer: Option<Checkpointer>,
}

impl Db {
    pub(super) fn open(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(StoreError::Open {
                path: shown,
                reason: "it is a directory; give a file path such as metrics.db".into(),
            });
        }
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if !parent.is_dir() {
                return Err(StoreError::Open {
                    path: shown,
                    reason: format!("the directory {} does not exist", parent.display()),
                });
            }
        }
        // Made (or checked writable) here, so that the error says why: SQLite would only say it
        // is "unable to open database file". An empty file is an empty database.
        let created = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
        {
            Ok(_) => true,
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|err| StoreError::Open {
                        path: shown.clone(),
                        reason: format!(
                            "it cannot be written ({err}); choose a writable place or change its \
                             permissions"
                        ),
                    })?;
                false
            }
            Err(err) => {
                return Err(StoreError::Open {
                    path: shown,
                    reason: format!(
                        "it cannot be created ({err}); choose a writable place or change the \
                         folder's permissions"
                    ),
                })
            }
        };
        let opened = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| sqlite_error(&shown, err))
        .and_then(|conn| {
            let mut db = Self {
                conn,
                path: shown,
                series: HashMap::new(),
                checkpointer: None,
            };
            db.prepare_schema().map(|()| db)
        });
        if opened.is_err() && created {
            // A file this call created and could not set up is not left behind.
            for suffix in ["", "-wal", "-shm"] {
                let mut file = path.as_os_str().to_owned();
                file.push(suffix);
                let _ = std::fs::remove_file(file);
            }
        }
        opened
    }

    /// Open a recording for reading only: it must exist and be a StreamViz database; nothing
    /// is created or written.
    pub(super) fn open_read_only(path: &Path) -> Result<Self, StoreError> {
        let shown = path.display().to_string();
        if !path.is_file() {
            return Err(StoreError::Open {
                path: shown,
                reason: if path.exists() {
                    "it is not a file".into()
                } else {
                    "no such file".into()
                },
            });
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| StoreError::Open {
            path: shown.clone(),
            reason: err.to_string(),
        })?;
        let foreign = |reason: String| StoreError::Foreign {
            path: shown.clone(),
            reason,
        };
        let application_id: i32 = conn
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(|err| first_read_error(&shown, err))?;
        if application_id != APPLICATION_ID {
            return Err(foreign(format!("application id {application_id:#x}")));
        }
        let version: i32 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|err| first_read_error(&shown, err))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: shown,
                found: version,
                reads: SCHEMA_VERSION,
            });
        }
        let mut db = Self {
            conn,
            path: shown,
            series: HashMap::new(),
            checkpointer: None,
        };
        db.load_series()?;
        Ok(db)
    }

    pub(super) fn error(&self, err: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, err)
    }

    pub(super) fn damaged(&self, reason: String) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            reason,
        }
    }

    fn prepare_schema(&mut self) -> Result<(), StoreError> {
        let foreign = |reason: String| StoreError::Foreign {
            path: self.path.clone(),
            reason,
        };
        // The first read tells a database from any other file.
        let application_id: i32 = self
            .conn
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(|err| first_read_error(&self.path, err))?;
        let version: i32 = self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|err| first_read_error(&self.path, err))?;
        let tables: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))
            .map_err(|err| first_read_error(&self.path, err))?;
        if application_id != APPLICATION_ID && !(application_id == 0 && tables == 0) {
            return Err(foreign(format!(
                "it holds {tables} other tables and application id {application_id:#x}"
            )));
        }
        if version > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found: version,
                reads: SCHEMA_VERSION,
            });
        }
        self.conn
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0))
            .map_err(|err| self.error(err))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|err| self.error(err))?;
        self.conn
            .busy_timeout(Duration::from_secs(5))
            .map_err(|err| self.error(err))?;
        // Creating what exists already writes nothing, nor do the pragmas of a database that is
        // ours: opening one writes nothing to it.
        self.conn
            .execute_batch(SCHEMA)
            .map_err(|err| self.error(err))?;
        if application_id != APPLICATION_ID || version != SCHEMA_VERSION {
            self.conn
                .pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|err| self.error(err))?;
            self.conn
                .pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|err| self.error(err))?;
        }
        self.load_series()
    }

    /// Read the series table into the sid cache.
    pub(super) fn load_series(&mut self) -> Result<(), StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT sid, widget, name FROM series")
            .map_err(|err| self.error(err))?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(|err| self.error(err))?;
        let mut series = HashMap::new();
        for row in rows {
            let (sid, widget, name) = row.map_err(|err| self.error(err))?;
            series.insert((widget.into_boxed_str(), name.into_boxed_str()), sid);
        }
        drop(statement);
        self.series = series;
        Ok(())
    }

    /// Delete points, changes, snapshots and alert transitions older than `retention`, but not
    /// what a widget's state is loaded from: its newest snapshot and the changes after it.
    pub(super) fn purge(&self, retention: Duration) -> Result<(), StoreError> {
        let cutoff = now_ms() - retention.as_secs_f64() * 1000.0;
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|err| self.error(err))?;
        super::chunks::purge(&tx, cutoff).map_err(|err| self.error(err))?;
        for sql in [PURGE_CHANGES, PURGE_SNAPSHOTS] {
            tx.execute(sql, params![cutoff])
                .map_err(|err| self.error(err))?;
        }
        super::alerts::purge(&tx, cutoff).map_err(|err| self.error(err))?;
        tx.commit().map_err(|err| self.error(err))
    }

    /// A value of the `meta` table.
    pub(super) fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()
            .map_err(|err| self.error(err))
    }

    /// Checkpoint the log on a thread of its own instead of in the writer's commits (see
    /// `checkpoint`). Without that thread SQLite's automatic checkpoint stays on, so a failure
    /// here only costs the writer's steadiness: said, not fatal.
    pub(super) fn checkpoint_elsewhere(&mut self, path: &Path) {
        let started = Checkpointer::start(path).and_then(|checkpointer| {
            self.conn
                .pragma_update(None, "wal_autocheckpoint", 0)
                .map_err(|err| self.error(err))?;
            Ok(checkpointer)
        });
        match started {
            Ok(checkpointer) => self.checkpointer = Some(checkpointer),
            Err(err) => tracing::warn!(
                "persistence: {err}; the writer checkpoints {} itself",
                self.path
            ),
        }
    }

    /// A commit added to the log: the checkpoint thread, if any, takes it in due time.
    pub(super) fn committed(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.nudge();
        }
    }

    /// Checkpoint the whole log and empty it (at close), after the checkpoint thread stops.
    pub(super) fn checkpoint(&mut self) {
        self.checkpointer = None;
        if let Err(err) = self.conn.pragma_update(None, "wal_checkpoint", "TRUNCATE") {
            tracing::warn!("persistence: checkpoint of {} failed: {err}", self.path);
        }
    }
}

/// Changes older than the cutoff that a newer snapshot of their widget includes (a widget's
/// state is its newest snapshot and the changes after it: those stay, however old).
const PURGE_CHANGES: &str = "DELETE FROM changes WHERE ts_ms < ?1 AND id <= \
     COALESCE((SELECT max(change_id) FROM snapshots s WHERE s.widget = changes.widget), -1)";
/// Snapshots older than the cutoff but each widget's newest.
const PURGE_SNAPSHOTS: &str = "DELETE FROM snapshots WHERE ts_ms < ?1 AND change_id < \
     (SELECT max(change_id) FROM snapshots t WHERE t.widget = snapshots.widget)";
