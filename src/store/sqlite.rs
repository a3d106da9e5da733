//! SQLite persistence: every accepted update is stored, in batches, by a writer thread named
//! `streamviz-store`; on start the stored dashboard is loaded back into the engine.
//!
//! Schema (version 1, `PRAGMA application_id` = `SVZD`, `PRAGMA user_version` = 1):
//! - `meta(key, value)`: the dashboard settings (`dashboard` → `{"title", "theme", "buffer_size"}`)
//!   and the layout containers (`containers` → a JSON list of container declarations).
//! - `widgets(id, kind, options)`: every widget's spec, options (with its placement) as JSON.
//! - `series(sid, widget, name)`: one row per time series (`name` is `''` for a metric, stat or
//!   gauge, the series name for a line chart).
//! - `points(sid, ts_ms, value)`: every point; `value` is NULL for a gap (NaN).
//! - `changes(id, widget, ts_ms, change)`: every other update (table upserts and deletes, bars,
//!   text, markdown, heatmaps) as the JSON op of a `data` message, in order; `ts_ms` is when it
//!   was stored.
//! - `snapshots(widget, change_id, ts_ms, ops)`: every [`StoreOptions::snapshot_every`] changes of
//!   a table, bar chart, text, markdown or heatmap, its whole state as the JSON list of push ops
//!   that rebuild it, including every change up to `change_id`. Loading (and a replay's state as
//!   of a time) starts from the newest snapshot and applies only the changes after it. Readers
//!   that predate snapshots ignore them and apply every change: the result is the same.
//!
//! The database runs in WAL mode with `synchronous = NORMAL`: a committed batch survives a crash
//! of the process (`kill -9`); a power failure may lose the last batches. At most one flush
//! interval of updates is in memory only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use serde::Serialize;
use serde_json::json;

use crate::engine::{
    ConfigPatch, ConfigView, ContainerSpec, Engine, Journal, SeriesOptions, Update, WidgetData,
    WidgetInfo, WidgetOptions, WidgetSpec, MAX_JOURNAL_UPDATES,
};
use crate::ingest::push::{apply_push_to, history_ops};
use crate::ingest::{now_ms, ChangeSource, HistorySource, Pipeline};
use crate::protocol::{change_json, history_data};

/// `PRAGMA application_id` of a StreamViz database: the bytes `SVZD`.
pub const APPLICATION_ID: i32 = 0x5356_5a44;
/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 1;
/// How often the writer stores what was applied. Default for [`StoreOptions::flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Changes of a widget between two snapshots of its state. Default for
/// [`StoreOptions::snapshot_every`].
pub const DEFAULT_SNAPSHOT_EVERY: u64 = 10_000;
/// How often rows older than the retention are purged. Default for
/// [`StoreOptions::purge_interval`].
pub const DEFAULT_PURGE_INTERVAL: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS widgets (id TEXT PRIMARY KEY, kind TEXT NOT NULL, options TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS series (
    sid INTEGER PRIMARY KEY,
    widget TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (widget, name)
);
CREATE TABLE IF NOT EXISTS points (sid INTEGER NOT NULL, ts_ms REAL NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS points_by_series_time ON points (sid, ts_ms);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY,
    widget TEXT NOT NULL,
    ts_ms REAL NOT NULL,
    change TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_time ON changes (ts_ms);
CREATE INDEX IF NOT EXISTS changes_by_widget ON changes (widget);
CREATE TABLE IF NOT EXISTS snapshots (
    widget TEXT NOT NULL,
    change_id INTEGER NOT NULL,
    ts_ms REAL NOT NULL,
    ops TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_by_widget ON snapshots (widget, change_id);
";

/// Where and how to persist.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The database file; created with its tables when missing.
    pub path: PathBuf,
    /// Rows older than this are purged (at start, then every `purge_interval`). `None` keeps
    /// everything.
    pub retention: Option<Duration>,
    /// How often the writer purges rows older than `retention`. Default:
    /// [`DEFAULT_PURGE_INTERVAL`].
    pub purge_interval: Duration,
    /// How often the writer stores the journal. Default: [`DEFAULT_FLUSH_INTERVAL`].
    pub flush_interval: Duration,
    /// A widget's state is stored whole after this many of its changes, so that loading it
    /// applies at most this many. Default: [`DEFAULT_SNAPSHOT_EVERY`].
    pub snapshot_every: u64,
}

impl StoreOptions {
    /// Options for `path` with the defaults.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            retention: None,
            purge_interval: DEFAULT_PURGE_INTERVAL,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            snapshot_every: DEFAULT_SNAPSHOT_EVERY,
        }
    }
}

/// Why persistence could not start or continue. Messages name the file and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("cannot open {path}: {reason}")]
    Open {
        /// The database path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is a database of another program, or not a database.
    #[error("{path} is not a StreamViz database ({reason}); choose another file")]
    Foreign {
        /// The database path.
        path: String,
        /// What was found.
        reason: String,
    },
    /// The file was written by a newer StreamViz.
    #[error("{path} has schema version {found}; this StreamViz reads version {SCHEMA_VERSION} (upgrade stream_viz)")]
    Newer {
        /// The database path.
        path: String,
        /// The version found.
        found: i32,
    },
    /// The file is a StreamViz database whose content is damaged.
    #[error(
        "{path} is damaged ({reason}); it is left as it is: recover what can be read with \
         `sqlite3 {path} .recover`, or choose another file"
    )]
    Corrupt {
        /// The database path.
        path: String,
        /// SQLite's message.
        reason: String,
    },
    /// The disk holding the database has no room left.
    #[error("{path}: the disk holding it is full; free space on it (what is stored is kept)")]
    Full {
        /// The database path.
        path: String,
    },
    /// A query failed.
    #[error("{path}: {reason}")]
    Sqlite {
        /// The database path.
        path: String,
        /// SQLite's message.
        reason: String,
    },
}

/// Counters of the writer, as in `/api/v1/stats` and `sv.stats()`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersistenceStats {
    /// The database file.
    pub path: String,
    /// Points stored since start.
    pub points_stored: u64,
    /// Other changes (rows, texts, ...) stored since start.
    pub changes_stored: u64,
    /// Updates never stored because the writer fell too far behind or writes kept failing.
    pub updates_lost: u64,
    /// Points loaded back into the engine at start.
    pub points_restored: u64,
    /// Widgets loaded back at start.
    pub widgets_restored: u64,
    /// Stored changes applied at start: those after each widget's newest snapshot.
    pub changes_restored: u64,
    /// The last write error, if the last write failed.
    pub last_error: Option<String>,
}

#[derive(Default)]
struct Counters {
    points_stored: AtomicU64,
    changes_stored: AtomicU64,
    updates_lost: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl Counters {
    fn snapshot(&self, path: &str, restored: &Restored) -> PersistenceStats {
        PersistenceStats {
            path: path.to_owned(),
            points_stored: self.points_stored.load(Ordering::Relaxed),
            changes_stored: self.changes_stored.load(Ordering::Relaxed),
            updates_lost: self.updates_lost.load(Ordering::Relaxed),
            points_restored: restored.points,
            widgets_restored: restored.widgets,
            changes_restored: restored.changes,
            last_error: self
                .last_error
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone(),
        }
    }
}

enum Command {
    Flush(Sender<bool>),
    Stop,
}

/// A running SQLite sink. [`Persistence::stop`] (or dropping it) stores what is left and closes
/// the database.
pub struct Persistence {
    path: PathBuf,
    commands: Sender<Command>,
    thread: Option<std::thread::JoinHandle<()>>,
    counters: Arc<Counters>,
    restored: Arc<Restored>,
    pipeline: Pipeline,
}

impl std::fmt::Debug for Persistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persistence")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Persistence {
    /// Open (or create) the database, load what it holds into `pipeline`'s engine, and start
    /// storing every update applied from now on. The engine should hold no widgets yet; stored
    /// widgets it already has keep their data and gain the stored points in front.
    pub fn start(pipeline: &Pipeline, options: StoreOptions) -> Result<Self, StoreError> {
        let mut db = Db::open(&options.path)?;
        let history = history_reader(&options.path)?;
        if let Some(retention) = options.retention {
            // Not fatal: on a full disk even a delete needs room; the next purge tries again.
            if let Err(err) = db.purge(retention) {
                tracing::warn!("persistence: purging old rows failed: {err}");
            }
        }
        let restored = {
            let mut engine = pipeline.engine();
            // Stored points of windowed metrics are the windows' results: load them as they are.
            let replica = engine.is_replica();
            engine.set_replica(true);
            let restored = db.restore(&mut engine);
            engine.set_replica(replica);
            let restored = restored?;
            engine.set_journaling(true);
            restored
        };
        let counters = Arc::new(Counters::default());
        let (commands, receiver) = bounded(16);
        let writer = Writer {
            db,
            pipeline: pipeline.clone(),
            counters: Arc::clone(&counters),
            retention: options.retention,
            purge_interval: options.purge_interval,
            flush_interval: options.flush_interval,
            backlog: Vec::new(),
            snapshot_every: options.snapshot_every.max(1),
            since_snapshot: restored.since_snapshot.clone(),
        };
        let restored = Arc::new(restored);
        let thread = std::thread::Builder::new()
            .name("streamviz-store".into())
            .spawn(move || writer.run(&receiver))
            .map_err(|err| StoreError::Open {
                path: options.path.display().to_string(),
                reason: format!("cannot start the writer thread: {err}"),
            })?;
        {
            let (counters, restored) = (Arc::clone(&counters), Arc::clone(&restored));
            let path = options.path.display().to_string();
            pipeline.set_stats_source(
                "persistence",
                Box::new(move || {
                    serde_json::to_value(counters.snapshot(&path, &restored)).unwrap_or_default()
                }),
            );
        }
        pipeline.set_history_source(Some(history));
        Ok(Self {
            path: options.path,
            commands,
            thread: Some(thread),
            counters,
            restored,
            pipeline: pipeline.clone(),
        })
    }

    /// Store everything applied so far now; true when it was written within `timeout`.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (done, wait) = bounded(1);
        if self
            .commands
            .send_timeout(Command::Flush(done), timeout)
            .is_err()
        {
            return false;
        }
        wait.recv_timeout(timeout).unwrap_or(false)
    }

    /// The writer's counters.
    pub fn stats(&self) -> PersistenceStats {
        self.counters
            .snapshot(&self.path.display().to_string(), &self.restored)
    }

    /// Store what is left, stop the writer and close the database.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.commands.send(Command::Stop);
            let _ = thread.join();
            self.pipeline.engine().set_journaling(false);
            self.pipeline.remove_stats_source("persistence");
            self.pipeline.set_history_source(None);
        }
    }
}

impl Drop for Persistence {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Writer {
    db: Db,
    pipeline: Pipeline,
    counters: Arc<Counters>,
    retention: Option<Duration>,
    purge_interval: Duration,
    flush_interval: Duration,
    /// Journals whose write failed (with the snapshots taken with them), retried with the next.
    backlog: Vec<(Journal, Vec<Snapshot>)>,
    /// A widget's state is stored after this many of its changes.
    snapshot_every: u64,
    /// Changes stored (or taken to be) per widget since its last snapshot.
    since_snapshot: HashMap<Box<str>, u64>,
}

/// A widget's whole state, taken with a journal under the same engine lock: the JSON list of
/// push ops that rebuild it.
struct Snapshot {
    widget: Box<str>,
    ops: String,
}

/// What [`Db::restore`] loaded.
#[derive(Debug, Default)]
struct Restored {
    widgets: u64,
    points: u64,
    /// Changes applied (those after each widget's newest snapshot).
    changes: u64,
    /// Per widget, the changes applied after its newest snapshot.
    since_snapshot: HashMap<Box<str>, u64>,
}

impl Writer {
    fn run(mut self, commands: &Receiver<Command>) {
        let mut last_purge = Instant::now();
        loop {
            let command = match commands.recv_timeout(self.flush_interval) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Command::Stop),
            };
            let written = self.write_pending();
            // Before a flush is answered, so that what it stored is purged already when due.
            if let Some(retention) = self.retention {
                if last_purge.elapsed() >= self.purge_interval {
                    last_purge = Instant::now();
                    if let Err(err) = self.db.purge(retention) {
                        tracing::warn!("persistence: purging old rows failed: {err}");
                    }
                }
            }
            match command {
                Some(Command::Flush(done)) => {
                    let _ = done.try_send(written);
                }
                Some(Command::Stop) => {
                    self.db.checkpoint();
                    return;
                }
                None => {}
            }
        }
    }

    /// Take the engine's journal and store it with any backlog; false when a write failed.
    fn write_pending(&mut self) -> bool {
        let taken = {
            let mut engine = self.pipeline.engine();
            let journal = engine.take_journal();
            let snapshots = take_snapshots(
                &mut self.since_snapshot,
                self.snapshot_every,
                &engine,
                &journal,
            );
            (journal, snapshots)
        };
        self.counters
            .updates_lost
            .fetch_add(taken.0.lost, Ordering::Relaxed);
        self.backlog.push(taken);
        while let Some((journal, snapshots)) = self.backlog.first() {
            match self.db.write(journal, snapshots) {
                Ok((points, changes)) => {
                    self.counters
                        .points_stored
                        .fetch_add(points, Ordering::Relaxed);
                    self.counters
                        .changes_stored
                        .fetch_add(changes, Ordering::Relaxed);
                    self.backlog.remove(0);
                    let mut last_error = self
                        .counters
                        .last_error
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if last_error.take().is_some() {
                        tracing::warn!(
                            "persistence: {} takes writes again; the updates that waited are stored",
                            self.db.path
                        );
                    }
                }
                Err(err) => {
                    let message = err.to_string();
                    let mut last_error = self
                        .counters
                        .last_error
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // Said once per kind of failure, not at every retry.
                    if last_error.as_deref() != Some(&message) {
                        tracing::error!(
                            "persistence: {message}; updates wait in memory (up to \
                             {MAX_JOURNAL_UPDATES}) and are stored once it takes writes again"
                        );
                    }
                    *last_error = Some(message);
                    drop(last_error);
                    // Bound what waits in memory: beyond the journal's own bound, the oldest
                    // waiting batch is given up and counted.
                    let waiting: usize = self.backlog.iter().map(|(j, _)| j.updates.len()).sum();
                    if waiting > MAX_JOURNAL_UPDATES {
                        let (given_up, _) = self.backlog.remove(0);
                        self.counters
                            .updates_lost
                            .fetch_add(given_up.updates.len() as u64, Ordering::Relaxed);
                    }
                    return false;
                }
            }
        }
        true
    }
}

/// Count `journal`'s changes per widget in `since_snapshot`; the state of each widget that
/// reached `every` changes since its last snapshot, as `engine` holds it now (the engine lock
/// that took the journal is still held, so the state is exactly the journal's end).
fn take_snapshots(
    since_snapshot: &mut HashMap<Box<str>, u64>,
    every: u64,
    engine: &Engine,
    journal: &Journal,
) -> Vec<Snapshot> {
    for update in &journal.updates {
        let Some(info) = journal.directory.get(update.widget().index as usize) else {
            continue;
        };
        match update {
            Update::Point { .. }
            | Update::SeriesPoint { .. }
            | Update::Points { .. }
            | Update::Partial { .. } => {}
            // A clear deletes what the widget stored, snapshots too.
            Update::Clear { .. } => {
                since_snapshot.remove(&*info.id);
            }
            // Under the engine lock: no allocation for a widget already counted.
            _ => match since_snapshot.get_mut(&*info.id) {
                Some(changes) => *changes += 1,
                None => {
                    since_snapshot.insert(Box::from(&*info.id), 1);
                }
            },
        }
    }
    let due: Vec<Box<str>> = since_snapshot
        .iter()
        .filter(|(_, &changes)| changes >= every)
        .map(|(id, _)| id.clone())
        .collect();
    let mut snapshots = Vec::new();
    for id in due {
        since_snapshot.remove(&id);
        // Time series keep their points in `points`; their few changes are replayed.
        let Some((spec, data)) = engine.widget(&id).filter(|(_, data)| {
            !matches!(data, WidgetData::Series(_) | WidgetData::MultiSeries(_))
        }) else {
            continue;
        };
        let ops = history_ops(&id, &history_data(spec, data));
        snapshots.push(Snapshot {
            widget: id,
            ops: serde_json::Value::from(ops).to_string(),
        });
    }
    snapshots
}

/// A stored series: (widget id, series name).
type SeriesKey = (Box<str>, Box<str>);

struct Db {
    conn: Connection,
    path: String,
    /// (widget id, series name) → sid.
    series: HashMap<SeriesKey, i64>,
}

impl Db {
    fn open(path: &Path) -> Result<Self, StoreError> {
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
    fn open_read_only(path: &Path) -> Result<Self, StoreError> {
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
            });
        }
        let mut db = Self {
            conn,
            path: shown,
            series: HashMap::new(),
        };
        db.load_series()?;
        Ok(db)
    }

    fn error(&self, err: rusqlite::Error) -> StoreError {
        sqlite_error(&self.path, err)
    }

    fn damaged(&self, reason: String) -> StoreError {
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
    fn load_series(&mut self) -> Result<(), StoreError> {
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

    /// Delete points and changes older than `retention`.
    fn purge(&self, retention: Duration) -> Result<(), StoreError> {
        let cutoff = now_ms() - retention.as_secs_f64() * 1000.0;
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|err| self.error(err))?;
        tx.execute("DELETE FROM points WHERE ts_ms < ?1", params![cutoff])
            .map_err(|err| self.error(err))?;
        tx.execute("DELETE FROM changes WHERE ts_ms < ?1", params![cutoff])
            .map_err(|err| self.error(err))?;
        tx.execute("DELETE FROM snapshots WHERE ts_ms < ?1", params![cutoff])
            .map_err(|err| self.error(err))?;
        tx.commit().map_err(|err| self.error(err))
    }

    /// Load the stored dashboard into `engine`: settings, widgets, the newest points of every
    /// series (up to its capacity), and each widget's newest snapshot with the changes after it
    /// in order.
    fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
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
            let mut statement = self
                .conn
                .prepare_cached(
                    "SELECT ts_ms, value FROM points WHERE sid = ?1 ORDER BY ts_ms DESC LIMIT ?2",
                )
                .map_err(|err| self.error(err))?;
            let rows = statement
                .query_map(params![sid, capacity as i64], |row| {
                    Ok((row.get::<_, f64>(0)?, row.get::<_, Option<f64>>(1)?))
                })
                .map_err(|err| self.error(err))?;
            let mut points = rows
                .collect::<Result<Vec<_>, _>>()
                .map_err(|err| self.error(err))?;
            points.reverse();
            restored_points += points.len() as u64;
            for (ts_ms, value) in points {
                let value = value.unwrap_or(f64::NAN);
                engine.apply(Update::point(handle.widget, series_index, ts_ms, value));
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
        Ok(restored)
    }

    /// A value of the `meta` table.
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                params![key],
                |row| row.get(0),
            )
            .optional()
            .map_err(|err| self.error(err))
    }

    /// Store one journal in one transaction. Returns (points, changes) stored. When it fails,
    /// nothing of it is stored.
    fn write(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        let written = self.write_once(journal, snapshots);
        if written.is_err() {
            // Series created in the rolled-back transaction do not exist: look them up again.
            self.series.clear();
        }
        written
    }

    fn write_once(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        if journal.config.is_none() && journal.updates.is_empty() && snapshots.is_empty() {
            return Ok((0, 0));
        }
        let path = self.path.clone();
        let error = |err: rusqlite::Error| sqlite_error(&path, err);
        let tx = self.conn.transaction().map_err(error)?;
        if let Some(config) = &journal.config {
            write_config(&tx, config).map_err(error)?;
        }
        let now = now_ms();
        let (mut points, mut changes) = (0, 0);
        {
            let mut insert_point = tx
                .prepare_cached("INSERT INTO points (sid, ts_ms, value) VALUES (?1, ?2, ?3)")
                .map_err(error)?;
            let mut insert_change = tx
                .prepare_cached("INSERT INTO changes (widget, ts_ms, change) VALUES (?1, ?2, ?3)")
                .map_err(error)?;
            let mut last: Option<(u32, u32, i64)> = None;
            for update in &journal.updates {
                let target = update.widget();
                let Some(info) = journal.directory.get(target.index as usize) else {
                    continue;
                };
                let (series, ts_ms, value) = match update {
                    Update::Point { ts_ms, value, .. } => (0, *ts_ms, *value),
                    Update::SeriesPoint {
                        series,
                        ts_ms,
                        value,
                        ..
                    } => (*series + 1, *ts_ms, *value),
                    Update::Clear { .. } => {
                        // What was stored before a clear is gone: a restart must not bring
                        // it back (points are restored before changes are replayed).
                        tx.execute(
                            "DELETE FROM points WHERE sid IN (SELECT sid FROM series WHERE widget = ?1)",
                            params![&*info.id],
                        )
                        .map_err(error)?;
                        tx.execute("DELETE FROM changes WHERE widget = ?1", params![&*info.id])
                            .map_err(error)?;
                        tx.execute(
                            "DELETE FROM snapshots WHERE widget = ?1",
                            params![&*info.id],
                        )
                        .map_err(error)?;
                        continue;
                    }
                    other => {
                        if let Some(change) = change_json(other, info) {
                            insert_change
                                .execute(params![&*info.id, now, change.to_string()])
                                .map_err(error)?;
                            changes += 1;
                        }
                        continue;
                    }
                };
                let sid = match last {
                    Some((index, s, sid)) if index == target.index && s == series => sid,
                    _ => {
                        let sid = series_id(&tx, &mut self.series, info, series).map_err(error)?;
                        last = Some((target.index, series, sid));
                        sid
                    }
                };
                let value = (!value.is_nan()).then_some(value);
                insert_point
                    .execute(params![sid, ts_ms, value])
                    .map_err(error)?;
                points += 1;
            }
        }
        for snapshot in snapshots {
            // It includes every change of the widget stored so far, this transaction's too.
            let last: Option<i64> = tx
                .query_row(
                    "SELECT max(id) FROM changes WHERE widget = ?1",
                    params![&*snapshot.widget],
                    |row| row.get(0),
                )
                .map_err(error)?;
            if let Some(last) = last {
                tx.execute(
                    "INSERT INTO snapshots (widget, change_id, ts_ms, ops) VALUES (?1, ?2, ?3, ?4)",
                    params![&*snapshot.widget, last, now, snapshot.ops],
                )
                .map_err(error)?;
            }
        }
        tx.commit().map_err(error)?;
        Ok((points, changes))
    }

    fn checkpoint(&self) {
        if let Err(err) = self.conn.pragma_update(None, "wal_checkpoint", "TRUNCATE") {
            tracing::warn!("persistence: checkpoint of {} failed: {err}", self.path);
        }
    }
}

/// What [`open_recording`] loaded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Recording {
    /// Widgets declared.
    pub widgets: u64,
    /// Points loaded into the rings (the rest are read on demand).
    pub points: u64,
    /// The first and last timestamp of every stored point and change (changes are stamped when
    /// they were stored), if any.
    pub span: Option<(f64, f64)>,
}

/// Open the database at `path` as a recording: load the dashboard it holds into `pipeline`'s
/// engine (as stored: windows are not aggregated again) and serve its older points to range
/// queries. Nothing is written to the file.
pub fn open_recording(pipeline: &Pipeline, path: &Path) -> Result<Recording, StoreError> {
    let mut db = Db::open_read_only(path)?;
    let history = history_reader(path)?;
    let Restored {
        widgets, points, ..
    } = {
        let mut engine = pipeline.engine();
        engine.set_replica(true);
        db.restore(&mut engine)?
    };
    // Points carry their own timestamps; changes the time they were stored.
    let span: (Option<f64>, Option<f64>) = db
        .conn
        .query_row(
            "SELECT min(lo), max(hi) FROM (SELECT min(ts_ms) AS lo, max(ts_ms) AS hi FROM points \
             UNION ALL SELECT min(ts_ms), max(ts_ms) FROM changes)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(|err| db.error(err))?;
    pipeline.set_history_source(Some(history));
    pipeline.set_change_source(Some(changes_reader(path)?));
    Ok(Recording {
        widgets,
        points,
        span: span.0.zip(span.1),
    })
}

/// A read-only connection of its own to `path` (WAL lets it read while the writer writes), for
/// one reader at a time.
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

/// Most points one history read returns (a 24 h view of a 1 kHz metric is 86.4 M; the range
/// endpoint decimates them, but they are read into memory first).
const MAX_HISTORY_POINTS: usize = 20_000_000;

/// A reader of stored points for range queries: its own read-only connection (WAL lets it
/// read while the writer writes), used by one query at a time.
fn history_reader(path: &Path) -> Result<HistorySource, StoreError> {
    let conn = reader(path)?;
    Ok(Arc::new(
        move |widget: &str, series: &str, from: f64, to: f64| {
            let conn = conn
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut statement = conn
                .prepare_cached(
                    "SELECT p.ts_ms, p.value FROM points p JOIN series s ON p.sid = s.sid \
                 WHERE s.widget = ?1 AND s.name = ?2 AND p.ts_ms >= ?3 AND p.ts_ms < ?4 \
                 ORDER BY p.ts_ms LIMIT ?5",
                )
                .map_err(|err| err.to_string())?;
            let rows = statement
                .query_map(
                    params![widget, series, from, to, MAX_HISTORY_POINTS as i64],
                    |row| {
                        Ok((
                            row.get::<_, f64>(0)?,
                            row.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN),
                        ))
                    },
                )
                .map_err(|err| err.to_string())?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(|err| err.to_string())
        },
    ))
}

/// Most changes one read of a widget's stored changes returns.
const MAX_CHANGES_READ: usize = 5_000_000;

/// A reader of a recording's stored changes, for a replay's widgets as of a time: its own
/// read-only connection, used by one read at a time.
fn changes_reader(path: &Path) -> Result<ChangeSource, StoreError> {
    let conn = reader(path)?;
    Ok(Arc::new(move |widget: &str, until: f64| {
        let conn = conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        stored_changes(&conn, widget, Some(until))
            .map(|ops| ops.ops)
            .map_err(|err| err.to_string())
    }))
}

/// What rebuilds a widget from its stored changes, as JSON lists of push ops: its newest
/// snapshot's, then one for each change after it, in order.
struct StoredOps {
    ops: Vec<String>,
    /// Changes among them (the snapshot not counted).
    changes: u64,
}

/// A widget's newest snapshot (stored at or before `until`, when given) and the changes after it
/// (up to `until`).
fn stored_changes(
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

/// A failed first read of a file: one that is not a database is foreign, other errors say what
/// went wrong.
fn first_read_error(path: &str, err: rusqlite::Error) -> StoreError {
    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
        StoreError::Foreign {
            path: path.into(),
            reason: err.to_string(),
        }
    } else {
        sqlite_error(path, err)
    }
}

/// A failed query as a [`StoreError`]: a full disk says so.
fn sqlite_error(path: &str, err: rusqlite::Error) -> StoreError {
    let full = match &err {
        rusqlite::Error::SqliteFailure(failure, _) => {
            failure.code == rusqlite::ErrorCode::DiskFull
                // The `-shm` file of a WAL database could not be grown.
                || failure.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE
        }
        _ => false,
    };
    if full {
        StoreError::Full { path: path.into() }
    } else if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt) {
        StoreError::Corrupt {
            path: path.into(),
            reason: err.to_string(),
        }
    } else if err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) {
        StoreError::Open {
            path: path.into(),
            reason: "SQLite cannot open it or its -wal and -shm files beside it; the folder must \
                     be writable"
                .into(),
        }
    } else {
        StoreError::Sqlite {
            path: path.into(),
            reason: err.to_string(),
        }
    }
}

/// The sid of a widget's series (`series` is 0 for a single series, else 1 + its index),
/// creating the row when new.
fn series_id(
    tx: &Transaction<'_>,
    cache: &mut HashMap<SeriesKey, i64>,
    info: &WidgetInfo,
    series: u32,
) -> rusqlite::Result<i64> {
    let name: &str = match series {
        0 => "",
        n => info.series.get(n as usize - 1).map_or("", String::as_str),
    };
    let key = (Box::<str>::from(&*info.id), Box::<str>::from(name));
    if let Some(&sid) = cache.get(&key) {
        return Ok(sid);
    }
    tx.execute(
        "INSERT OR IGNORE INTO series (widget, name) VALUES (?1, ?2)",
        params![&*info.id, name],
    )?;
    let sid = tx.query_row(
        "SELECT sid FROM series WHERE widget = ?1 AND name = ?2",
        params![&*info.id, name],
        |row| row.get(0),
    )?;
    cache.insert(key, sid);
    Ok(sid)
}

fn write_config(tx: &Transaction<'_>, config: &ConfigView) -> rusqlite::Result<()> {
    let dashboard = json!({
        "title": config.title,
        "theme": config.theme,
        "buffer_size": config.buffer_size,
    });
    let containers = serde_json::to_string(&config.containers).unwrap_or_else(|_| "[]".into());
    let mut set_meta = tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    set_meta.execute(params!["dashboard", dashboard.to_string()])?;
    set_meta.execute(params!["containers", containers])?;
    let mut upsert = tx.prepare_cached(
        "INSERT INTO widgets (id, kind, options) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, options = excluded.options",
    )?;
    for spec in &config.widgets {
        upsert.execute(params![
            spec.id,
            spec.kind.name(),
            spec.options_json().to_string()
        ])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn points_of(db: &Db, widget: &str) -> Vec<f64> {
        let mut statement = db
            .conn
            .prepare(
                "SELECT value FROM points JOIN series USING (sid) WHERE widget = ?1 ORDER BY ts_ms",
            )
            .unwrap();
        let values = statement
            .query_map([widget], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<Vec<f64>>>()
            .unwrap();
        values
    }

    /// A full disk (SQLite's `SQLITE_FULL`, here from `max_page_count`) fails the whole batch
    /// with an error that says so; a series created in the failed batch is created again when
    /// the batch is retried, so its points are not stored under a series that does not exist.
    #[test]
    fn a_batch_refused_by_a_full_disk_is_stored_whole_when_there_is_room_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("full.db");
        let mut db = Db::open(&path).unwrap();
        let mut engine = Engine::new();
        engine.set_journaling(true);
        let spec = |id: &str| WidgetSpec::parse(id, "metric", json!({})).unwrap();
        let before = engine.declare(spec("before")).unwrap().widget;
        for i in 0..100 {
            engine.apply(Update::Point {
                widget: before,
                ts_ms: f64::from(i),
                value: f64::from(i),
            });
        }
        assert_eq!(db.write(&engine.take_journal(), &[]).unwrap(), (100, 0));

        let pages: i64 = db
            .conn
            .pragma_query_value(None, "page_count", |row| row.get(0))
            .unwrap();
        db.conn
            .pragma_update(None, "max_page_count", pages)
            .unwrap();
        let during = engine.declare(spec("during")).unwrap().widget;
        for i in 0..20_000 {
            engine.apply(Update::Point {
                widget: during,
                ts_ms: f64::from(i),
                value: f64::from(i),
            });
        }
        let journal = engine.take_journal();
        let err = db.write(&journal, &[]).unwrap_err();
        assert!(matches!(err, StoreError::Full { .. }), "{err:?}");
        assert!(err.to_string().contains("disk holding it is full"), "{err}");
        assert_eq!(
            points_of(&db, "during"),
            Vec::<f64>::new(),
            "nothing of it is stored"
        );
        assert_eq!(
            points_of(&db, "before").len(),
            100,
            "what was stored is kept"
        );

        db.conn
            .pragma_update(None, "max_page_count", 1 << 30)
            .unwrap();
        assert_eq!(db.write(&journal, &[]).unwrap(), (20_000, 0));
        let stored = points_of(&db, "during");
        assert_eq!(stored.len(), 20_000);
        assert_eq!(stored.last(), Some(&19_999.0));
    }
}
