//! Checkpoints of a database's write-ahead log on a thread of their own (`streamviz-checkpoint`,
//! with its own connection), so that the writer never waits for them. SQLite's automatic
//! checkpoint runs inside the commit that passes its page count, and with it the fsyncs of the
//! log and of the database: a commit that usually takes a few milliseconds took 50–140 ms then,
//! and a writer that stalls that long while `send` runs at ten million points a second lets the
//! engine's journal pass its bound (docs/BENCHMARKS.md, "send() from threads"). The writer's
//! connection turns the automatic checkpoint off and nudges this thread after each commit; the
//! thread checkpoints passively (never blocking the writer, nor waiting for readers) at most once
//! per [`CHECKPOINT_INTERVAL`], so the log stays about one interval of writes long.

use std::path::Path;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};
use rusqlite::{Connection, OpenFlags};

use crate::store::error::StoreError;

/// Least time between two checkpoints while commits keep coming.
pub(super) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// The checkpointing thread of one database; dropping it stops the thread (after the pass it is
/// in, and one a nudge already queued would start at once).
pub(super) struct Checkpointer {
    /// Nudges: a commit added to the log.
    nudges: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Open a connection of its own to `path` (a database in WAL mode) and start the thread.
    pub(super) fn start(path: &Path) -> Result<Self, StoreError> {
        let error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|err| error(format!("cannot open a connection for checkpoints: {err}")))?;
        // Nudges beyond one waiting add nothing: the next pass takes every commit before it.
        let (nudges, receiver) = bounded(1);
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("streamviz-checkpoint".into())
            .spawn(move || run(&conn, &receiver, &shown))
            .map_err(|err| error(format!("cannot start the checkpoint thread: {err}")))?;
        Ok(Self {
            nudges: Some(nudges),
            thread: Some(thread),
        })
    }

    /// A commit added to the log: checkpoint it within [`CHECKPOINT_INTERVAL`] (at once after a
    /// quiet interval). Never blocks.
    pub(super) fn nudge(&self) {
        if let Some(nudges) = &self.nudges {
            let _ = nudges.try_send(());
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.nudges = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, nudges: &Receiver<()>, path: &str) {
    let mut last_pass: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    // Nudged: a pass, but not within CHECKPOINT_INTERVAL of the last one (the nudges meanwhile
    // wait in the channel's one slot, and that pass takes their commits too).
    while nudges.recv().is_ok() {
        if let Some(due) = last_pass.map(|at| at + CHECKPOINT_INTERVAL) {
            loop {
                match nudges.recv_deadline(due) {
                    Ok(()) => {}
                    Err(RecvTimeoutError::Timeout) => break,
                    // Stopped: the writer checkpoints the whole log as it closes.
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
        }
        last_pass = Some(Instant::now());
        match pass(conn) {
            Ok(()) => last_error = None,
            // Said once per kind of failure (a full disk fails every pass until freed); the
            // writer's own errors say what it means for the data.
            Err(message) if last_error.as_ref() != Some(&message) => {
                tracing::warn!("persistence: checkpoint of {path} failed: {message}");
                last_error = Some(message);
            }
            Err(_) => {}
        }
    }
}

/// One passive checkpoint: copies what it can of the log into the database without waiting for
/// the writer or for readers.
fn pass(conn: &Connection) -> Result<(), String> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_len(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    #[test]
    fn the_thread_copies_the_log_into_the_database_while_the_writer_never_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .pragma_update_and_check(None, "journal_mode", "wal", |row| row.get::<_, String>(0))
            .unwrap();
        writer.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
        writer
            .execute_batch("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(4000000));")
            .unwrap();
        let before = file_len(&path);
        assert!(
            file_len(&dir.path().join("c.db-wal")) > 4_000_000,
            "the rows are in the log"
        );
        // The first nudge is taken at once, and stopping waits for the pass it started.
        let checkpointer = Checkpointer::start(&path).unwrap();
        checkpointer.nudge();
        drop(checkpointer);
        assert!(
            file_len(&path) > before + 4_000_000,
            "the database holds the rows: {before} -> {}",
            file_len(&path)
        );
        assert_eq!(
            writer
                .query_row("SELECT length(x) FROM t", [], |row| row.get::<_, i64>(0))
                .unwrap(),
            4_000_000
        );
    }

    #[test]
    fn a_store_checkpoints_on_its_thread_and_not_in_its_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut db = crate::store::sqlite::db::Db::open(&path).unwrap();
        let automatic = |db: &crate::store::sqlite::db::Db| {
            db.conn
                .pragma_query_value(None, "wal_autocheckpoint", |row| row.get::<_, i64>(0))
                .unwrap()
        };
        assert_eq!(
            automatic(&db),
            1000,
            "SQLite's default until the thread runs"
        );
        db.checkpoint_elsewhere(&path);
        assert_eq!(automatic(&db), 0);
        assert!(db.checkpointer.is_some());
        db.checkpoint();
        assert!(
            db.checkpointer.is_none(),
            "stopped before the last checkpoint"
        );
    }
}
