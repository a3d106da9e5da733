//! What lets a server starting on a shared store tell what it loaded from what it still has to
//! take from the relay (`relay/threads.rs`, `Start::Stored`):
//!
//! - every write stores, in its transaction, the number of the journal it stores under its
//!   run's id (`streamviz:stored`, `run` → `"<journal> <epoch ms>"`);
//! - a server loading the store puts a hold on the others' writes (`streamviz:loading`, with a
//!   token of its own and an expiry it renews while it reads): a writer that finds the hold, or
//!   whose transaction the hold came between (`WATCH`), stores nothing this time and keeps its
//!   journal for the next (the pause is not an error). What the loader reads is then exactly
//!   what the journals numbered in `stored` hold.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::{Connection, Pipeline};

use super::conn::{key, Hold};
use crate::clock::now_ms;
use crate::engine::Journal;

/// How long a hold lasts unless its loader renews it (a loader that died lets go by then).
const HOLD_FOR: Duration = Duration::from_secs(20);
/// How long a loader waits for another's hold to end before loading without one.
const WAIT_FOR_HOLD: Duration = Duration::from_secs(60);
/// A run's last stored journal is forgotten this long after it was stored, when the store has a
/// retention: its points are gone by then too.
const FORGET_RUNS_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

fn hold_key() -> String {
    key("loading")
}

fn stored_key() -> String {
    key("stored")
}

impl Hold {
    /// Put the hold on, waiting while another loader holds it (at most [`WAIT_FOR_HOLD`]:
    /// then `None`, and the load goes on without one).
    pub(super) fn take(connection: &mut Connection) -> redis::RedisResult<Option<Self>> {
        let token = crate::engine::fresh_id();
        let until = Instant::now() + WAIT_FOR_HOLD;
        loop {
            let set: Option<String> = redis::cmd("SET")
                .arg(hold_key())
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(HOLD_FOR.as_millis() as u64)
                .query(connection)?;
            if set.is_some() {
                return Ok(Some(Self {
                    token,
                    renewed: Instant::now(),
                }));
            }
            if Instant::now() >= until {
                tracing::warn!(
                    "persistence: another server has been loading the shared store for over \
                     {}s; loading without waiting for it",
                    WAIT_FOR_HOLD.as_secs()
                );
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Renew the hold when a third of it has passed (called between the loader's reads).
    pub(super) fn renew(&mut self, connection: &mut Connection) -> redis::RedisResult<()> {
        if self.renewed.elapsed() < HOLD_FOR / 3 {
            return Ok(());
        }
        self.renewed = Instant::now();
        let mut renew = redis::cmd("PEXPIRE");
        renew.arg(hold_key()).arg(HOLD_FOR.as_millis() as u64);
        if !self.if_ours(connection, renew)? {
            tracing::warn!(
                "persistence: the hold on the shared store's writes ran out while loading; \
                 what peers stored meanwhile may be loaded and relayed both"
            );
        }
        Ok(())
    }

    /// Let the other servers write again.
    pub(super) fn release(self, connection: &mut Connection) -> redis::RedisResult<()> {
        let mut delete = redis::cmd("DEL");
        delete.arg(hold_key());
        self.if_ours(connection, delete).map(drop)
    }

    /// Run `command` in a transaction if the hold is still this one's (not run out and taken by
    /// another loader); whether it ran.
    fn if_ours(
        &self,
        connection: &mut Connection,
        command: redis::Cmd,
    ) -> redis::RedisResult<bool> {
        redis::cmd("WATCH")
            .arg(hold_key())
            .query::<()>(connection)?;
        let holder: Option<String> = redis::cmd("GET").arg(hold_key()).query(connection)?;
        if holder.as_deref() != Some(self.token.as_str()) {
            redis::cmd("UNWATCH").query::<()>(connection)?;
            return Ok(false);
        }
        let mut pipe = redis::pipe();
        pipe.atomic().add_command(command).ignore();
        let done: Option<()> = pipe.query(connection)?;
        Ok(done.is_some())
    }
}

/// Per run, the number of its last stored journal (read under the hold).
pub(super) fn stored_journals(
    connection: &mut Connection,
) -> redis::RedisResult<HashMap<String, u64>> {
    let stored: HashMap<String, String> =
        redis::cmd("HGETALL").arg(stored_key()).query(connection)?;
    Ok(stored
        .into_iter()
        .filter_map(|(run, value)| Some((run, parse(&value)?.0)))
        .collect())
}

/// `"<journal> <epoch ms>"`.
fn parse(value: &str) -> Option<(u64, f64)> {
    let (journal, ms) = value.split_once(' ')?;
    Some((journal.parse().ok()?, ms.parse().ok()?))
}

/// Watch the hold before a write, and say whether there is one now (then write nothing): one
/// round trip.
pub(super) fn held(connection: &mut Connection) -> redis::RedisResult<bool> {
    let (held,): (bool,) = redis::pipe()
        .cmd("WATCH")
        .arg(hold_key())
        .ignore()
        .cmd("EXISTS")
        .arg(hold_key())
        .query(connection)?;
    if held {
        redis::cmd("UNWATCH").query::<()>(connection)?;
    }
    Ok(held)
}

/// Queue, in a write's transaction, that `journal` is stored.
pub(super) fn mark_stored(pipe: &mut Pipeline, journal: &Journal) {
    pipe.hset(
        stored_key(),
        &*journal.run,
        format!("{} {}", journal.number, now_ms() as u64),
    )
    .ignore();
}

/// Forget the runs whose last journal is older than the retention and [`FORGET_RUNS_AFTER`].
pub(super) fn forget_old_runs(
    connection: &mut Connection,
    retention: Duration,
) -> redis::RedisResult<()> {
    let cutoff = now_ms() - retention.max(FORGET_RUNS_AFTER).as_secs_f64() * 1000.0;
    let stored: HashMap<String, String> =
        redis::cmd("HGETALL").arg(stored_key()).query(connection)?;
    let old: Vec<&String> = stored
        .iter()
        .filter(|(_, value)| parse(value).is_some_and(|(_, ms)| ms < cutoff))
        .map(|(run, _)| run)
        .collect();
    if old.is_empty() {
        return Ok(());
    }
    redis::cmd("HDEL")
        .arg(stored_key())
        .arg(old)
        .query::<()>(connection)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn a_stored_mark_reads_back_and_a_damaged_one_is_left_out() {
        assert_eq!(parse("12 1700000000000"), Some((12, 1.7e12)));
        assert_eq!(parse("12"), None);
        assert_eq!(parse("x 1"), None);
    }
}
