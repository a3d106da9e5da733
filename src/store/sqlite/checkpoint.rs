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

/// A commit added to the log (`reply` `None`: checkpoint it within [`CHECKPOINT_INTERVAL`]),
/// or a checkpoint asked for now, with where to say how it went.
struct Request {
    reply: Option<Sender<Result<(), String>>>,
}

/// The checkpointing thread of one database; dropping it stops the thread (after the pass it is
/// in, if any).
pub(super) struct Checkpointer {
    requests: Option<Sender<Request>>,
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
        let (requests, receiver) = bounded(1);
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("streamviz-checkpoint".into())
            .spawn(move || run(&conn, &receiver, &shown))
            .map_err(|err| error(format!("cannot start the checkpoint thread: {err}")))?;
        Ok(Self {
            requests: Some(requests),
            thread: Some(thread),
        })
    }

    /// A commit added to the log. Never blocks.
    pub(super) fn nudge(&self) {
        if let Some(requests) = &self.requests {
            let _ = requests.try_send(Request { reply: None });
        }
    }

    /// Checkpoint now; `Err` says why it failed or did not happen within `timeout`.
    #[cfg(test)]
    pub(super) fn checkpoint_now(&self, timeout: Duration) -> Result<(), String> {
        let (reply, answer) = bounded(1);
        let requests = self.requests.as_ref().ok_or("stopped")?;
        requests
            .send_timeout(Request { reply: Some(reply) }, timeout)
            .map_err(|_| "the checkpoint thread is busy or gone".to_owned())?;
        answer
            .recv_timeout(timeout)
            .map_err(|_| "no answer from the checkpoint thread".to_owned())?
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(conn: &Connection, requests: &Receiver<Request>, path: &str) {
    // When the next pass may run, once a nudge asked for one.
    let mut due: Option<Instant> = None;
    let mut last_pass: Option<Instant> = None;
    let mut last_error: Option<String> = None;
    loop {
        let request = match due {
            Some(due) => match requests.recv_deadline(due) {
                Ok(request) => Some(request),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            },
            None => match requests.recv() {
                Ok(request) => Some(request),
                Err(_) => return,
            },
        };
        let reply = match request {
            Some(Request { reply: Some(reply) }) => Some(reply),
            Some(Request { reply: None }) => {
                if due.is_some() {
                    continue;
                }
                let earliest = last_pass.map_or_else(Instant::now, |at| at + CHECKPOINT_INTERVAL);
                if earliest > Instant::now() {
                    due = Some(earliest);
                    continue;
                }
                None
            }
            // The pass a nudge made due.
            None => None,
        };
        due = None;
        last_pass = Some(Instant::now());
        let passed = pass(conn);
        match &passed {
            Ok(()) => last_error = None,
            // Said once per kind of failure (a full disk fails every pass until freed); the
            // writer's own errors say what it means for the data.
            Err(message) if last_error.as_ref() != Some(message) => {
                tracing::warn!("persistence: checkpoint of {path} failed: {message}");
                last_error = Some(message.clone());
            }
            Err(_) => {}
        }
        if let Some(reply) = reply {
            let _ = reply.try_send(passed);
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
        let checkpointer = Checkpointer::start(&path).unwrap();
        checkpointer
            .checkpoint_now(Duration::from_secs(30))
            .unwrap();
        assert!(
            file_len(&path) > before + 4_000_000,
            "the database holds the rows: {before} -> {}",
            file_len(&path)
        );
        // Stopping after a nudge waits for nothing more than the pass it started.
        checkpointer.nudge();
        drop(checkpointer);
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
