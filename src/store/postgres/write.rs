//! Storing one journal in PostgreSQL in one transaction (points in chunks, other changes as
//! their ops, snapshots, the configuration when it changed, alert transitions), purging what is
//! older than the retention, and the writer's [`Backend`].

use std::collections::HashMap;
use std::time::Duration;

use postgres::Transaction;

use super::conn::{connect, error, Pg};
use super::timescale;
use crate::clock::now_ms;
use crate::engine::{ConfigView, Engine, Journal};
use crate::store::backend::{Backend, Restored, Snapshot};
use crate::store::chunking::{Chunk, ChunkWriter};
use crate::store::codec::trim_older;
use crate::store::error::StoreError;
use crate::store::journal::{config_meta, nothing_to_store, walk, Stored};
use crate::store::restore::{restore, SeriesKey};

impl Backend for Pg {
    fn location(&self) -> &str {
        &self.location
    }

    fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        restore(self, engine)
    }

    fn write(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        if nothing_to_store(journal, snapshots) {
            return Ok((0, 0));
        }
        if self.client.is_closed() {
            // The server went away: a new connection, and the series looked up again.
            self.client = connect(&self.url, &self.location)?;
            self.load_series()?;
        }
        let written = write_once(&mut self.client, &mut self.series, journal, snapshots)
            .map_err(|err| error(&self.location, err));
        if written.is_err() {
            // Series created in the rolled-back transaction do not exist.
            self.series.clear();
        }
        written
    }

    fn purge(&mut self, retention: Duration) -> Result<(), StoreError> {
        if self.hypertable {
            timescale::keep_for(self, retention)?;
        }
        let cutoff = now_ms() - retention.as_secs_f64() * 1000.0;
        let location = self.location.clone();
        let mut tx = self.client.transaction().map_err(|e| error(&location, e))?;
        // A chunk that straddles the cutoff keeps its newer points.
        let spanning = tx
            .query(
                "SELECT id, n, data FROM streamviz_chunks WHERE t0 < $1 AND t1 >= $1",
                &[&cutoff],
            )
            .map_err(|e| error(&location, e))?;
        for row in spanning {
            let (id, n): (i64, i32) = (row.get(0), row.get(1));
            let (t0, n, data) = trim_older(i64::from(n), row.get(2), cutoff).ok_or_else(|| {
                StoreError::Corrupt {
                    path: location.clone(),
                    reason: "a chunk of points cut short".into(),
                }
            })?;
            tx.execute(
                "UPDATE streamviz_chunks SET t0 = $2, n = $3, data = $4 WHERE id = $1",
                &[&id, &t0, &(n as i32), &data],
            )
            .map_err(|e| error(&location, e))?;
        }
        for sql in [
            "DELETE FROM streamviz_chunks WHERE t1 < $1",
            // A widget's state is its newest snapshot and the changes after it: those stay,
            // however old.
            "DELETE FROM streamviz_changes c WHERE ts_ms < $1 AND id <= COALESCE((SELECT \
             max(change_id) FROM streamviz_snapshots s WHERE s.widget = c.widget), -1)",
            "DELETE FROM streamviz_snapshots s WHERE ts_ms < $1 AND change_id < (SELECT \
             max(change_id) FROM streamviz_snapshots t WHERE t.widget = s.widget)",
            // Each rule's last transition stays: its state now.
            "DELETE FROM streamviz_alert_transitions WHERE ts_ms < $1 AND id NOT IN \
             (SELECT max(id) FROM streamviz_alert_transitions GROUP BY rule)",
        ] {
            tx.execute(sql, &[&cutoff])
                .map_err(|e| error(&location, e))?;
        }
        tx.commit().map_err(|e| error(&location, e))
    }

    fn close(&mut self) {}
}

fn write_once(
    client: &mut postgres::Client,
    cache: &mut HashMap<SeriesKey, i64>,
    journal: &Journal,
    snapshots: &[Snapshot],
) -> Result<(u64, u64), postgres::Error> {
    let mut tx = client.transaction()?;
    if let Some(config) = &journal.config {
        write_config(&mut tx, config)?;
    }
    let now = now_ms();
    let mut changes = 0;
    let mut chunks = ChunkWriter::default();
    let insert_change =
        tx.prepare("INSERT INTO streamviz_changes (widget, ts_ms, change) VALUES ($1, $2, $3)")?;
    let insert_chunk = tx.prepare(
        "INSERT INTO streamviz_chunks (sid, t0, t1, n, data, t1_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    let insert = |tx: &mut Transaction<'_>, chunk: Chunk| -> Result<(), postgres::Error> {
        let n = chunk.n as i32;
        let t1_ms = chunk.t1.floor() as i64;
        tx.execute(
            &insert_chunk,
            &[&chunk.sid, &chunk.t0, &chunk.t1, &n, &chunk.data, &t1_ms],
        )?;
        Ok(())
    };
    walk(journal, |stored| -> Result<(), postgres::Error> {
        match stored {
            Stored::Clear { index, info } => {
                chunks.discard(index);
                tx.execute(
                    "DELETE FROM streamviz_chunks WHERE sid IN \
                     (SELECT sid FROM streamviz_series WHERE widget = $1)",
                    &[&&*info.id],
                )?;
                for table in ["streamviz_changes", "streamviz_snapshots"] {
                    tx.execute(
                        &format!("DELETE FROM {table} WHERE widget = $1"),
                        &[&&*info.id],
                    )?;
                }
            }
            Stored::Change { info, op, .. } => {
                tx.execute(&insert_change, &[&&*info.id, &now, &op])?;
                changes += 1;
            }
            Stored::Points {
                index,
                info,
                series,
                points,
            } => {
                let sid = chunks.sid(cache, (index, info, series), |widget, name| {
                    create_series(&mut tx, widget, name)
                })?;
                chunks.push(index, sid, points, |chunk| insert(&mut tx, chunk))?;
            }
        }
        Ok(())
    })?;
    let points = chunks.finish(|chunk| insert(&mut tx, chunk))?;
    if !journal.alerts.0.is_empty() {
        let insert = tx.prepare(
            "INSERT INTO streamviz_alert_transitions (rule, ts_ms, transition) VALUES ($1, $2, $3)",
        )?;
        for transition in &journal.alerts.0 {
            let text = serde_json::to_string(transition).unwrap_or_default();
            tx.execute(&insert, &[&&*transition.rule, &transition.ts_ms, &text])?;
        }
    }
    for snapshot in snapshots {
        // It includes every change of the widget stored so far, this transaction's too.
        let last: Option<i64> = tx
            .query_one(
                "SELECT max(id) FROM streamviz_changes WHERE widget = $1",
                &[&&*snapshot.widget],
            )?
            .get(0);
        if let Some(last) = last {
            tx.execute(
                "INSERT INTO streamviz_snapshots (widget, change_id, ts_ms, ops) VALUES ($1, $2, $3, $4)",
                &[&&*snapshot.widget, &last, &now, &snapshot.ops],
            )?;
        }
    }
    tx.commit()?;
    Ok((points, changes))
}

/// A new series' row; its sid.
fn create_series(
    tx: &mut Transaction<'_>,
    widget: &str,
    name: &str,
) -> Result<i64, postgres::Error> {
    tx.execute(
        "INSERT INTO streamviz_series (widget, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[&widget, &name],
    )?;
    let row = tx.query_one(
        "SELECT sid FROM streamviz_series WHERE widget = $1 AND name = $2",
        &[&widget, &name],
    )?;
    Ok(row.get(0))
}

fn write_config(tx: &mut Transaction<'_>, config: &ConfigView) -> Result<(), postgres::Error> {
    let set_meta = tx.prepare(
        "INSERT INTO streamviz_meta (key, value) VALUES ($1, $2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?;
    for (key, value) in config_meta(config) {
        tx.execute(&set_meta, &[&key, &value])?;
    }
    let upsert = tx.prepare(
        "INSERT INTO streamviz_widgets (id, kind, options) VALUES ($1, $2, $3) \
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, options = excluded.options",
    )?;
    for spec in &config.widgets {
        let options = spec.options_json().to_string();
        tx.execute(&upsert, &[&spec.id, &spec.kind.name(), &options])?;
    }
    Ok(())
}
