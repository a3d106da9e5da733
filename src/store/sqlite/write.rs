//! Storing one journal in SQLite: one transaction for its points (in chunks), its other changes
//! (as protocol ops), the snapshots taken with it, the configuration when it changed and alert
//! transitions; all or nothing.

use rusqlite::{params, Transaction};

use super::chunks::delete_widget;
use super::db::Db;
use super::error::sqlite_error;
use crate::clock::now_ms;
use crate::engine::{ConfigView, Journal};
use crate::store::backend::Snapshot;
use crate::store::chunking::{Chunk, ChunkWriter};
use crate::store::error::StoreError;
use crate::store::journal::{config_meta, nothing_to_store, walk, Stored};

impl Db {
    /// Store one journal in one transaction. Returns (points, changes) stored. When it fails,
    /// nothing of it is stored.
    pub(super) fn write(
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
        if nothing_to_store(journal, snapshots) {
            return Ok((0, 0));
        }
        let path = self.path.clone();
        let error = |err: rusqlite::Error| sqlite_error(&path, err);
        let tx = self.conn.transaction().map_err(error)?;
        if let Some(config) = &journal.config {
            write_config(&tx, config).map_err(error)?;
        }
        let now = now_ms();
        let mut changes = 0;
        let mut chunks = ChunkWriter::default();
        {
            let mut insert_change = tx
                .prepare_cached("INSERT INTO changes (widget, ts_ms, change) VALUES (?1, ?2, ?3)")
                .map_err(error)?;
            walk(journal, |stored| -> Result<(), StoreError> {
                match stored {
                    Stored::Clear { index, info } => {
                        // What was stored before a clear is gone: a restart must not bring
                        // it back (points are restored before changes are replayed).
                        chunks.discard(index);
                        delete_widget(&tx, &info.id).map_err(error)?;
                        tx.execute("DELETE FROM changes WHERE widget = ?1", params![&*info.id])
                            .map_err(error)?;
                        tx.execute(
                            "DELETE FROM snapshots WHERE widget = ?1",
                            params![&*info.id],
                        )
                        .map_err(error)?;
                    }
                    Stored::Change { info, op, .. } => {
                        insert_change
                            .execute(params![&*info.id, now, op])
                            .map_err(error)?;
                        changes += 1;
                    }
                    Stored::Points {
                        index,
                        info,
                        series,
                        points,
                    } => {
                        let sid = chunks
                            .sid(&mut self.series, (index, info, series), |widget, name| {
                                create_series(&tx, widget, name)
                            })
                            .map_err(error)?;
                        chunks
                            .push(index, sid, points, |chunk| insert_chunk(&tx, chunk))
                            .map_err(error)?;
                    }
                }
                Ok(())
            })?;
        }
        let points = chunks
            .finish(|chunk| insert_chunk(&tx, chunk))
            .map_err(error)?;
        super::alerts::write(&tx, &journal.alerts.0).map_err(error)?;
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
        self.committed();
        Ok((points, changes))
    }
}

/// A new series' row; its sid.
fn create_series(tx: &Transaction<'_>, widget: &str, name: &str) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT OR IGNORE INTO series (widget, name) VALUES (?1, ?2)",
        params![widget, name],
    )?;
    tx.query_row(
        "SELECT sid FROM series WHERE widget = ?1 AND name = ?2",
        params![widget, name],
        |row| row.get(0),
    )
}

/// A chunk of points as a row.
fn insert_chunk(tx: &Transaction<'_>, chunk: Chunk) -> rusqlite::Result<()> {
    tx.prepare_cached("INSERT INTO chunks (sid, t0, t1, n, data) VALUES (?1, ?2, ?3, ?4, ?5)")?
        .execute(params![
            chunk.sid,
            chunk.t0,
            chunk.t1,
            chunk.n as i64,
            chunk.data
        ])?;
    Ok(())
}

fn write_config(tx: &Transaction<'_>, config: &ConfigView) -> rusqlite::Result<()> {
    let mut set_meta = tx.prepare_cached(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    for (key, value) in config_meta(config) {
        set_meta.execute(params![key, value])?;
    }
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
    use crate::engine::{Engine, Update, WidgetSpec};
    use serde_json::json;

    fn points_of(db: &Db, widget: &str) -> Vec<f64> {
        let range = (f64::NEG_INFINITY, f64::INFINITY);
        super::super::chunks::range(&db.conn, (widget, ""), range, usize::MAX)
            .unwrap()
            .into_iter()
            .map(|p| p.1)
            .collect()
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
