//! The writer: a `streamviz-store` thread that drains the engine's journal every flush interval
//! and has its backend store it whole (points in columns, every other change as its protocol
//! op, and every so many changes a widget's whole state as a snapshot); a failed write keeps its
//! batch and retries it whole. [`Persistence`] starts it after loading what the database holds.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use serde::Serialize;

use super::backend::{Backend, Opened, Restored, Snapshot};
use super::error::StoreError;
use super::sqlite;
use crate::engine::{Engine, Journal, Update, WidgetData, MAX_JOURNAL_UPDATES};
use crate::history::History;
use crate::ingest::Pipeline;
use crate::protocol::{history_data, history_ops};

/// How often the writer stores what was applied. Default for [`StoreOptions::flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(200);
/// Points in one write from which the writer counts the stream as busy and writes again after
/// [`BUSY_INTERVAL`] instead of the flush interval.
const BUSY_WRITE: u64 = 16_384;
/// How often a busy writer writes.
const BUSY_INTERVAL: Duration = Duration::from_millis(10);
/// Changes of a widget between two snapshots of its state. Default for
/// [`StoreOptions::snapshot_every`].
pub const DEFAULT_SNAPSHOT_EVERY: u64 = 10_000;
/// How long a flush, or the last write as the writer stops, waits for another server's load of
/// a shared store to end (its hold on writes lasts its load: ~0.1 s for 3 M points).
const WAIT_FOR_LOADER: Duration = Duration::from_secs(30);
/// How often rows older than the retention are purged. Default for
/// [`StoreOptions::purge_interval`].
pub const DEFAULT_PURGE_INTERVAL: Duration = Duration::from_secs(60);

/// Where and how to persist.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// The SQLite database file, or a PostgreSQL database's `postgresql://` URL (feature
    /// `postgres`); its tables are created when missing.
    pub path: PathBuf,
    /// Rows older than this are purged (at start, then every `purge_interval`), but not what a
    /// widget's state loads from (its newest snapshot and the changes after it). `None` keeps
    /// everything, except in Redis, which keeps a day when none is given (it holds everything
    /// in memory).
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
    /// Writes that waited (and were tried again) while another server loaded the shared store.
    pub paused_writes: u64,
    /// The last write error, if the last write failed.
    pub last_error: Option<String>,
}

#[derive(Default)]
struct Counters {
    points_stored: AtomicU64,
    changes_stored: AtomicU64,
    updates_lost: AtomicU64,
    paused_writes: AtomicU64,
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
            paused_writes: self.paused_writes.load(Ordering::Relaxed),
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

/// A running persistence sink. [`Persistence::stop`] (or dropping it) stores what is left and closes
/// the database.
pub struct Persistence {
    location: String,
    commands: Sender<Command>,
    thread: Option<std::thread::JoinHandle<()>>,
    counters: Arc<Counters>,
    restored: Arc<Restored>,
    history: Arc<dyn History>,
    pipeline: Pipeline,
}

impl std::fmt::Debug for Persistence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Persistence")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Persistence {
    /// Open (or create) the database, load what it holds into `pipeline`'s engine, and start
    /// storing every update applied from now on. The engine should hold no widgets yet; stored
    /// widgets it already has keep their data and gain the stored points in front.
    pub fn start(pipeline: &Pipeline, options: StoreOptions) -> Result<Self, StoreError> {
        let Opened {
            backend: mut db,
            history,
        } = open(&options.path)?;
        // Where it is, as stats and messages show it (a URL without its password).
        let location = db.location().to_owned();
        let retention = options.retention.or_else(|| db.default_retention());
        if let (None, Some(kept)) = (options.retention, retention) {
            tracing::info!(
                "persistence: {location} keeps {} of points and changes, its default when no \
                 retention is given; give a retention to keep more",
                humantime::format_duration(kept)
            );
        }
        if let Some(retention) = retention {
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
            engine.set_journal_shared(db.shared());
            restored
        };
        let counters = Arc::new(Counters::default());
        let (commands, receiver) = bounded(16);
        let writer = Writer {
            db,
            pipeline: pipeline.clone(),
            counters: Arc::clone(&counters),
            retention,
            purge_interval: options.purge_interval,
            flush_interval: options.flush_interval,
            backlog: Vec::new(),
            snapshot_every: options.snapshot_every.max(1),
            since_snapshot: restored.since_snapshot.clone(),
            paused: false,
        };
        let restored = Arc::new(restored);
        let thread = std::thread::Builder::new()
            .name("streamviz-store".into())
            .spawn(move || writer.run(&receiver))
            .map_err(|err| StoreError::Open {
                path: location.clone(),
                reason: format!("cannot start the writer thread: {err}"),
            })?;
        {
            let (counters, restored) = (Arc::clone(&counters), Arc::clone(&restored));
            let path = location.clone();
            pipeline.set_stats_source(
                "persistence",
                Box::new(move || {
                    serde_json::to_value(counters.snapshot(&path, &restored)).unwrap_or_default()
                }),
            );
        }
        Ok(Self {
            location,
            history,
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

    /// What the database holds, read on its own connections while the writer writes: what a
    /// server's range queries read beyond the rings.
    pub fn history(&self) -> Arc<dyn History> {
        Arc::clone(&self.history)
    }

    /// The writer's counters.
    pub fn stats(&self) -> PersistenceStats {
        self.counters.snapshot(&self.location, &self.restored)
    }

    /// Store what is left, stop the writer and close the database.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = self.commands.send(Command::Stop);
            let _ = thread.join();
            let mut engine = self.pipeline.engine();
            engine.set_journaling(false);
            engine.set_journal_shared(false);
            drop(engine);
            self.pipeline.remove_stats_source("persistence");
        }
    }
}

impl Drop for Persistence {
    fn drop(&mut self) {
        self.shutdown();
    }
}

struct Writer {
    db: Box<dyn Backend>,
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
    /// The last write waited for another server's load of the shared store.
    paused: bool,
}

impl Writer {
    fn run(mut self, commands: &Receiver<Command>) {
        let mut last_purge = Instant::now();
        let mut wait = self.flush_interval;
        loop {
            let command = match commands.recv_timeout(wait) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Command::Stop),
            };
            let stored_before = self.counters.points_stored.load(Ordering::Relaxed);
            let mut written = self.write_pending();
            // A flush, or the last write, waits for another server's load to end.
            if command.is_some() && self.paused {
                let until = Instant::now() + WAIT_FOR_LOADER;
                while self.paused && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(20));
                    written = self.write_pending();
                }
            }
            // A busy stream is stored as it comes, not a flush interval at a time: the journal
            // stays small (its bound is what the writer may fall behind by).
            let stored = self.counters.points_stored.load(Ordering::Relaxed) - stored_before;
            wait = if stored >= BUSY_WRITE {
                self.flush_interval.min(BUSY_INTERVAL)
            } else {
                self.flush_interval
            };
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
                    self.db.close();
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
            self.pipeline.journal_taken(&engine);
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
            .fetch_add(taken.0.lost + taken.0.alerts.1, Ordering::Relaxed);
        self.backlog.push(taken);
        self.paused = false;
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
                            self.db.location()
                        );
                    }
                }
                Err(err) => {
                    // Another server loading the shared store pauses writes: not an error.
                    self.paused = matches!(err, StoreError::Paused { .. });
                    if self.paused {
                        self.counters.paused_writes.fetch_add(1, Ordering::Relaxed);
                    } else {
                        self.note_failure(err.to_string());
                    }
                    // Bound what waits in memory: beyond the journal's own bound, the oldest
                    // waiting batch is given up and counted.
                    let weight = |journal: &Journal| -> usize {
                        journal.updates.iter().map(|u| u.batch_len().max(1)).sum()
                    };
                    let waiting: usize = self.backlog.iter().map(|(j, _)| weight(j)).sum();
                    if waiting > MAX_JOURNAL_UPDATES {
                        let (given_up, _) = self.backlog.remove(0);
                        self.counters
                            .updates_lost
                            .fetch_add(weight(&given_up) as u64, Ordering::Relaxed);
                    }
                    return false;
                }
            }
        }
        true
    }

    /// A write failed: said once per kind of failure (not at every retry), and kept for stats.
    fn note_failure(&self, message: String) {
        let mut last_error = self
            .counters
            .last_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if last_error.as_deref() != Some(&message) {
            tracing::error!(
                "persistence: {message}; updates wait in memory (up to \
                 {MAX_JOURNAL_UPDATES}) and are stored once it takes writes again"
            );
        }
        *last_error = Some(message);
    }
}

/// The backend for `path`: a PostgreSQL URL's database, else a SQLite file.
fn open(path: &std::path::Path) -> Result<Opened, StoreError> {
    #[cfg(feature = "postgres")]
    if let Some(url) = path
        .to_str()
        .filter(|p| super::postgres::is_postgres_url(p))
    {
        return super::postgres::open_store(url);
    }
    #[cfg(feature = "redis-store")]
    if let Some(url) = path.to_str().filter(|p| super::redis::is_redis_url(p)) {
        return super::redis::open_store(url);
    }
    sqlite::open_store(path)
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
