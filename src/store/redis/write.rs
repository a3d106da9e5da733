//! Storing one journal in Redis in one `MULTI`/`EXEC` transaction (points in chunks, other
//! changes as their ops, snapshots, the configuration when it changed, alert transitions),
//! purging what is older than the retention, and the writer's [`Backend`].

use std::collections::HashMap;
use std::time::Duration;

use redis::{Connection, Pipeline};

use super::conn::{changes_key, key, series_field, Hold, RedisStore};
use super::tables::{self, TableChanges};
use super::{hold, points};
use crate::clock::{now_ms, stream_id};
use crate::engine::{ConfigView, Engine, Journal, WidgetData};
use crate::store::backend::{Backend, Restored, Snapshot};
use crate::store::chunking::{Chunk, ChunkWriter};
use crate::store::error::StoreError;
use crate::store::journal::{config_meta, nothing_to_store, walk, Stored};
use crate::store::restore::restore;

/// What a Redis store keeps when no retention is given.
pub(crate) const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 3600);

/// Transactions a write tries while other servers add to its series first.
const MAX_TRIES: usize = 8;

impl Backend for RedisStore {
    fn location(&self) -> &str {
        &self.location
    }

    /// Load the store under a hold on the other servers' writes, and tell the engine which
    /// journal of each run it held (so the relay takes only what came after).
    fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        let waited = std::time::Instant::now();
        let held = Hold::take(self.connection()?).map_err(|err| self.failed(&err))?;
        let loading = std::time::Instant::now();
        self.hold = held;
        let stored = hold::stored_journals(self.connection()?).map_err(|err| self.failed(&err));
        let restored = stored.and_then(|stored| {
            let restored = restore(self, engine)?;
            self.hash_tables(engine)?;
            engine.set_stored_journals(stored);
            Ok(restored)
        });
        if let Some(held) = self.hold.take() {
            let released = match self.connection() {
                Ok(connection) => held.release(connection).map_err(|err| err.to_string()),
                Err(err) => Err(err.to_string()),
            };
            if let Err(err) = released {
                tracing::warn!(
                    "persistence: the hold on the shared store stays until it runs out: {err}"
                );
            }
        }
        if let Ok(restored) = &restored {
            tracing::info!(
                "persistence: loaded {} points from {} in {} ms (the other servers' writes \
                 waited meanwhile; {} ms waiting for another server's load first)",
                restored.points,
                self.location,
                loading.elapsed().as_millis(),
                (loading - waited).as_millis()
            );
        }
        restored
    }

    fn write(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        if nothing_to_store(journal, snapshots) {
            return Ok((0, 0));
        }
        let paused = StoreError::Paused {
            path: self.location.clone(),
        };
        // A transaction that stored nothing: a loader's hold came between (then the journal
        // waits for the next turn), or another server added to one of its series first (then it
        // is tried again at once, with ids after that server's).
        for _ in 0..MAX_TRIES {
            let held = hold::held(self.connection()?);
            if held.as_ref().is_ok_and(|held| *held) {
                return Err(paused);
            }
            held.map_err(|err| self.failed(&err))?;
            let mut pipe = redis::pipe();
            pipe.atomic();
            let counts = self.gather(&mut pipe, journal, snapshots)?;
            hold::mark_stored(&mut pipe, journal);
            // `None`: a watched key changed, and nothing was stored; else the ids of the
            // snapshots added, in order.
            let done: redis::RedisResult<Option<Vec<String>>> = pipe.query(self.connection()?);
            match done {
                Ok(Some(ids)) => {
                    self.note_snapshots(snapshots, &ids);
                    return Ok(counts);
                }
                Ok(None) => continue,
                Err(err) => return Err(self.failed(&err)),
            }
        }
        Err(paused)
    }

    fn purge(&mut self, retention: Duration) -> Result<(), StoreError> {
        let cutoff = now_ms() - retention.as_secs_f64() * 1000.0;
        // Every series of the store, those other servers sharing it created since too.
        self.load_series()?;
        let widgets = self.widgets()?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        for sid in self.series.values() {
            // Entries whose newest point is older; the older points of one that straddles the
            // cutoff, or came late, are left out by every read (`purged_before`).
            points::trim(&mut pipe, *sid, cutoff);
        }
        let minid = format!("{}", cutoff.max(0.0) as u64);
        let newest = self.snapshot_ids()?;
        for widget in widgets {
            // A widget's state is its newest snapshot and the changes after it: those stay,
            // however old; a widget without a snapshot keeps every change.
            let Some(snapshot) = newest.get(&widget) else {
                continue;
            };
            let keep_from = if stream_id(snapshot) < stream_id(&minid) {
                snapshot
            } else {
                &minid
            };
            pipe.cmd("XTRIM")
                .arg(changes_key(&widget))
                .arg("MINID")
                .arg(keep_from)
                .ignore();
        }
        // Each rule's last transition stays in `alert_last`: its state now.
        pipe.cmd("XTRIM")
            .arg(key("alerts"))
            .arg("MINID")
            .arg(&minid)
            .ignore();
        pipe.cmd("HSET")
            .arg(key("meta"))
            .arg("purged_before")
            .arg(cutoff)
            .ignore();
        let done: redis::RedisResult<()> = pipe.query(self.connection()?);
        done.map_err(|err| self.failed(&err))?;
        let forgot = hold::forget_old_runs(self.connection()?, retention);
        forgot.map_err(|err| self.failed(&err))
    }

    fn shared(&self) -> bool {
        true
    }

    /// Redis holds everything in memory: without a retention given, a series' stream is bound
    /// to a day (the vision's default retention).
    fn default_retention(&self) -> Option<Duration> {
        Some(DEFAULT_RETENTION)
    }

    fn close(&mut self) {
        self.connection = None;
    }
}

impl RedisStore {
    /// Store as hashes the rows of the tables just loaded from their changes (a store written
    /// before tables were kept as hashes), under the loading hold.
    fn hash_tables(&mut self, engine: &Engine) -> Result<(), StoreError> {
        for widget in std::mem::take(&mut self.unhashed) {
            let Some((_, WidgetData::Table(table))) = engine.widget(&widget) else {
                continue;
            };
            if table.is_empty() {
                continue;
            }
            let stored = tables::adopt(self.connection()?, &widget, table.iter());
            stored.map_err(|err| self.failed(&err))?;
            tracing::info!(
                "persistence: the {} rows of table {widget:?} are now stored as hashes too",
                table.len()
            );
        }
        Ok(())
    }

    /// Each widget's newest snapshot: its id in the widget's stream of changes.
    fn snapshot_ids(&mut self) -> Result<HashMap<String, String>, StoreError> {
        let ids: redis::RedisResult<HashMap<String, String>> = redis::cmd("HGETALL")
            .arg(key("snapshot_ids"))
            .query(self.connection()?);
        ids.map_err(|err| self.failed(&err))
    }

    /// Keep the ids of the snapshots a write added (`ids`, in order), so purging keeps each
    /// widget's newest. Not in the write's transaction (the ids are its answer): if this fails,
    /// a purge keeps more, never less.
    fn note_snapshots(&mut self, snapshots: &[Snapshot], ids: &[String]) {
        if snapshots.is_empty() || snapshots.len() != ids.len() {
            return;
        }
        let mut command = redis::cmd("HSET");
        command.arg(key("snapshot_ids"));
        for (snapshot, id) in snapshots.iter().zip(ids) {
            command.arg(&*snapshot.widget).arg(id);
        }
        let noted: redis::RedisResult<()> = match self.connection() {
            Ok(connection) => command.query(connection),
            Err(_) => return,
        };
        if let Err(err) = noted {
            tracing::warn!("persistence: noting the newest snapshots failed: {err}");
        }
    }

    /// Every stored widget (each may have a stream of changes).
    fn widgets(&mut self) -> Result<Vec<String>, StoreError> {
        let widgets: redis::RedisResult<Vec<String>> = redis::cmd("ZRANGE")
            .arg(key("widget_order"))
            .arg(0)
            .arg(-1)
            .query(self.connection()?);
        widgets.map_err(|err| self.failed(&err))
    }

    /// Queue in `pipe` what storing `journal` and `snapshots` takes: (points, changes).
    /// Series and widgets new to the store get their ids first, outside the transaction.
    fn gather(
        &mut self,
        pipe: &mut Pipeline,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        if let Some(config) = &journal.config {
            let location = self.location.clone();
            write_config(self.connection()?, pipe, config)
                .map_err(|err| super::conn::error(&location, &err))?;
        }
        let mut changes = 0;
        let mut chunks = ChunkWriter::default();
        let mut cache = std::mem::take(&mut self.series);
        let connection = match self.connection() {
            Ok(connection) => connection,
            Err(err) => {
                self.series = cache;
                return Err(err);
            }
        };
        // Chunks filled as the journal is walked, placed in their streams at the end; so are
        // the tables' rows.
        let mut filled: Vec<Chunk> = Vec::new();
        let mut tables = TableChanges::default();
        let walked = walk(journal, |stored| -> redis::RedisResult<()> {
            match stored {
                Stored::Clear { index, info } => {
                    chunks.discard(index);
                    // Its series as the store has them (another server may have added some).
                    let stored: HashMap<String, i64> =
                        redis::cmd("HGETALL").arg(key("series")).query(connection)?;
                    let prefix = series_field(&info.id, "");
                    for (_, sid) in stored.iter().filter(|(f, _)| f.starts_with(&prefix)) {
                        filled.retain(|chunk| chunk.sid != *sid);
                        points::delete(pipe, *sid);
                    }
                    pipe.del(changes_key(&info.id)).ignore();
                    pipe.hdel(key("snapshot_ids"), &*info.id).ignore();
                    tables.clear(pipe, &info.id);
                }
                Stored::Change { info, update, op } => {
                    tables.note(info, update);
                    pipe.cmd("XADD")
                        .arg(changes_key(&info.id))
                        .arg("*")
                        .arg("k")
                        .arg("c")
                        .arg("o")
                        .arg(op)
                        .ignore();
                    changes += 1;
                }
                Stored::Points {
                    index,
                    info,
                    series,
                    points,
                } => {
                    let sid = chunks.sid(&mut cache, (index, info, series), |widget, name| {
                        create_series(connection, widget, name)
                    })?;
                    chunks.push(index, sid, points, |chunk| -> redis::RedisResult<()> {
                        filled.push(chunk);
                        Ok(())
                    })?;
                }
            }
            Ok(())
        })
        .and_then(|()| {
            chunks.finish(|chunk| -> redis::RedisResult<()> {
                filled.push(chunk);
                Ok(())
            })
        })
        .and_then(|stored| {
            points::queue(pipe, &points::place(connection, filled)?);
            tables.queue(connection, pipe)?;
            Ok(stored)
        });
        let points = match walked {
            Ok(points) => points,
            Err(err) => {
                self.series = cache;
                return Err(self.failed(&err));
            }
        };
        self.series = cache;
        for transition in &journal.alerts.0 {
            let text = serde_json::to_string(transition).unwrap_or_default();
            pipe.cmd("XADD")
                .arg(key("alerts"))
                .arg("*")
                .arg("r")
                .arg(&*transition.rule)
                .arg("t")
                .arg(&text)
                .ignore();
            pipe.hset(key("alert_last"), &*transition.rule, &text)
                .ignore();
        }
        for snapshot in snapshots {
            // After this write's changes in the same stream: it includes every one of them.
            pipe.cmd("XADD")
                .arg(changes_key(&snapshot.widget))
                .arg("*")
                .arg("k")
                .arg("s")
                .arg("o")
                .arg(&snapshot.ops);
        }
        Ok((points, changes))
    }
}

/// A series' sid: the one stored (by this server or another), else a new one.
fn create_series(connection: &mut Connection, widget: &str, name: &str) -> redis::RedisResult<i64> {
    let field = series_field(widget, name);
    let found: Option<i64> = redis::cmd("HGET")
        .arg(key("series"))
        .arg(&field)
        .query(connection)?;
    if let Some(sid) = found {
        return Ok(sid);
    }
    let sid: i64 = redis::cmd("INCR").arg(key("seq")).query(connection)?;
    let _: bool = redis::cmd("HSETNX")
        .arg(key("series"))
        .arg(&field)
        .arg(sid)
        .query(connection)?;
    // Another server may have stored it first: its sid serves.
    redis::cmd("HGET")
        .arg(key("series"))
        .arg(&field)
        .query(connection)
}

/// The settings and every widget's spec; a widget new to the store is placed after the others
/// (one round trip reserves the places).
fn write_config(
    connection: &mut Connection,
    pipe: &mut Pipeline,
    config: &ConfigView,
) -> redis::RedisResult<()> {
    for (name, value) in config_meta(config) {
        pipe.hset(key("meta"), name, value).ignore();
    }
    if config.widgets.is_empty() {
        return Ok(());
    }
    // Places after every widget stored so far, in this order; `NX` keeps a stored widget's.
    let count = config.widgets.len() as i64;
    let end: i64 = redis::cmd("INCRBY")
        .arg(key("seq"))
        .arg(count)
        .query(connection)?;
    let mut order = redis::cmd("ZADD");
    order.arg(key("widget_order")).arg("NX");
    for (place, spec) in (end - count..).zip(&config.widgets) {
        let entry = serde_json::json!([spec.kind.name(), spec.options_json()]).to_string();
        pipe.hset(key("widgets"), &spec.id, entry).ignore();
        order.arg(place).arg(&spec.id);
    }
    pipe.add_command(order).ignore();
    Ok(())
}
