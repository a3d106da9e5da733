//! The tables, all prefixed `streamviz_` (schema version 2, in `streamviz_meta` under
//! `schema_version`; version 1 had no `t1_ms`, added when such a database is opened). They hold
//! what SQLite's do (`store/sqlite/schema.rs` documents each):
//! - `streamviz_meta(key, value)`: dashboard settings, containers, alert rules, the version;
//! - `streamviz_widgets(seq, id, kind, options)`: every widget's spec, in the order first stored;
//! - `streamviz_series(sid, widget, name)`: one row per time series;
//! - `streamviz_chunks(id, sid, t0, t1, n, data, t1_ms)`: the points, a chunk (`store/codec.rs`)
//!   per series and write, `data` as `bytea`, `t1_ms` its newest time as an integer (what
//!   TimescaleDB partitions by: `timescale.rs`);
//! - `streamviz_changes(id, widget, ts_ms, change)`: every other update as its protocol op;
//! - `streamviz_snapshots(widget, change_id, ts_ms, ops)`: a widget's whole state every so many
//!   changes;
//! - `streamviz_alert_transitions(id, rule, ts_ms, transition)`: alert transitions in order.

use super::conn::{error, Pg};
use crate::store::error::StoreError;

/// The schema version this build writes and reads.
pub const PG_SCHEMA_VERSION: i32 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS streamviz_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS streamviz_widgets (
    seq BIGSERIAL, id TEXT PRIMARY KEY, kind TEXT NOT NULL, options TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS streamviz_series (
    sid BIGSERIAL PRIMARY KEY, widget TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (widget, name)
);
CREATE TABLE IF NOT EXISTS streamviz_chunks (
    id BIGSERIAL PRIMARY KEY,
    sid BIGINT NOT NULL,
    t0 DOUBLE PRECISION NOT NULL,
    t1 DOUBLE PRECISION NOT NULL,
    n INTEGER NOT NULL,
    data BYTEA NOT NULL,
    t1_ms BIGINT
);
ALTER TABLE streamviz_chunks ADD COLUMN IF NOT EXISTS t1_ms BIGINT;
CREATE INDEX IF NOT EXISTS streamviz_chunks_by_series_end ON streamviz_chunks (sid, t1);
CREATE INDEX IF NOT EXISTS streamviz_chunks_by_end ON streamviz_chunks (t1);
CREATE TABLE IF NOT EXISTS streamviz_changes (
    id BIGSERIAL PRIMARY KEY, widget TEXT NOT NULL, ts_ms DOUBLE PRECISION NOT NULL, change TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS streamviz_changes_by_time ON streamviz_changes (ts_ms);
CREATE INDEX IF NOT EXISTS streamviz_changes_by_widget ON streamviz_changes (widget, id);
CREATE TABLE IF NOT EXISTS streamviz_snapshots (
    widget TEXT NOT NULL, change_id BIGINT NOT NULL, ts_ms DOUBLE PRECISION NOT NULL, ops TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS streamviz_snapshots_by_widget ON streamviz_snapshots (widget, change_id);
CREATE TABLE IF NOT EXISTS streamviz_alert_transitions (
    id BIGSERIAL PRIMARY KEY, rule TEXT NOT NULL, ts_ms DOUBLE PRECISION NOT NULL, transition TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS streamviz_alert_transitions_by_time ON streamviz_alert_transitions (ts_ms);
CREATE INDEX IF NOT EXISTS streamviz_alert_transitions_by_rule ON streamviz_alert_transitions (rule, id);
";

/// Create the tables when missing, and refuse a database written by a newer StreamViz.
pub(super) fn prepare(pg: &mut Pg) -> Result<(), StoreError> {
    pg.client
        .batch_execute(SCHEMA)
        .map_err(|err| error(&pg.location, err))?;
    let found: Option<String> = pg
        .client
        .query_opt(
            "SELECT value FROM streamviz_meta WHERE key = 'schema_version'",
            &[],
        )
        .map_err(|err| error(&pg.location, err))?
        .map(|row| row.get(0));
    match found.map(|v| v.parse::<i32>()) {
        None => {
            pg.client
                .execute(
                    "INSERT INTO streamviz_meta (key, value) VALUES ('schema_version', $1) \
                     ON CONFLICT (key) DO NOTHING",
                    &[&PG_SCHEMA_VERSION.to_string()],
                )
                .map_err(|err| error(&pg.location, err))?;
            Ok(())
        }
        Some(Ok(version)) if version > PG_SCHEMA_VERSION => Err(StoreError::Newer {
            path: pg.location.clone(),
            found: version,
            reads: PG_SCHEMA_VERSION,
        }),
        Some(Ok(version)) => {
            if version < PG_SCHEMA_VERSION {
                // Version 1's chunks get their `t1_ms` (the column was added above).
                pg.client
                    .batch_execute(
                        "UPDATE streamviz_chunks SET t1_ms = floor(t1)::bigint WHERE t1_ms IS NULL; \
                         UPDATE streamviz_meta SET value = '2' WHERE key = 'schema_version'",
                    )
                    .map_err(|err| error(&pg.location, err))?;
            }
            Ok(())
        }
        Some(Err(err)) => Err(StoreError::Foreign {
            path: pg.location.clone(),
            reason: format!("streamviz_meta.schema_version is not a number: {err}"),
        }),
    }
}
