//! The database's layout: its tables, and how a StreamViz database is told from others.
//!
//! Schema (version 3, `PRAGMA application_id` = `SVZD`, `PRAGMA user_version` = 3):
//! - `meta(key, value)`: the dashboard settings (`dashboard` → `{"title", "theme", "buffer_size", "default_time_range_ms", "auto_refresh"}`)
//!   the layout containers (`containers` → a JSON list of container declarations) and the alert
//!   rules (`alerts` → a JSON list of rules as declared, without their webhooks).
//! - `widgets(id, kind, options)`: every widget's spec, options (with its placement) as JSON.
//! - `series(sid, widget, name)`: one row per time series (`name` is `''` for a metric, stat or
//!   gauge, the series name for a line chart).
//! - `chunks(sid, t0, t1, n, data)`: the points, stored per series in chunks of up to 65,536
//!   (the points of a series taken in one write): `t0`/`t1` the earliest and latest time in it,
//!   `n` its points, in the order they were applied. `data` is a codec byte and the points: codec
//!   0, the `n` timestamps then the `n` values, each a little-endian IEEE 754 double (epoch
//!   milliseconds; a NaN value is a gap); codec 1 (what is written), those `16 n` bytes as byte
//!   planes (byte `b` of double `i` of the timestamps at `b·n + i`, of the values at
//!   `8n + b·n + i`), compressed as one LZ4 block.
//! - `points(sid, ts_ms, value)`: a point per row, as version 1 stored them (`value` NULL for a
//!   gap); read alongside `chunks`, no longer written. Version 1 files are upgraded in place
//!   when opened for writing (the `chunks` table is added; their rows stay where they are).
//! - `changes(id, widget, ts_ms, change)`: every other update (table upserts and deletes, bars,
//!   text, markdown, heatmaps) as the JSON op of a `data` message, in order; `ts_ms` is when it
//!   was stored.
//! - `snapshots(widget, change_id, ts_ms, ops)`: every `StoreOptions::snapshot_every` changes of
//!   a table, bar chart, text, markdown or heatmap, its whole state as the JSON list of push ops
//!   that rebuild it, including every change up to `change_id`. Loading (and a replay's state as
//!   of a time) starts from the newest snapshot and applies only the changes after it. Readers
//!   that predate snapshots ignore them and apply every change: the result is the same.
//! - `alert_transitions(id, rule, ts_ms, transition)`: every alert transition in order, as the
//!   JSON of the `alerts` message's transitions (without webhooks); `ts_ms` is its event time. A
//!   rule's state is its last transition's: a restart resumes it, a replay reads it as of a time.
//!   Retention keeps each rule's last transition. Added in version 3 (files of version 2 get the
//!   table when opened for writing; read-only, they have no alerts).

/// `PRAGMA application_id` of a StreamViz database: the bytes `SVZD`.
pub const APPLICATION_ID: i32 = 0x5356_5a44;
/// The schema version this build writes and reads.
pub const SCHEMA_VERSION: i32 = 3;
pub(super) const SCHEMA: &str = "
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
CREATE TABLE IF NOT EXISTS chunks (
    sid INTEGER NOT NULL,
    t0 REAL NOT NULL,
    t1 REAL NOT NULL,
    n INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_series_end ON chunks (sid, t1);
CREATE INDEX IF NOT EXISTS chunks_by_start ON chunks (t0);
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
CREATE TABLE IF NOT EXISTS alert_transitions (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    ts_ms REAL NOT NULL,
    transition TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_transitions_by_time ON alert_transitions (ts_ms);
CREATE INDEX IF NOT EXISTS alert_transitions_by_rule ON alert_transitions (rule, id);
";
