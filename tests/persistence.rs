//! SQLite persistence with real database files: what one process stores, the next one loads
//! back exactly; retention, capacity, and clear errors for files that are not ours.

#![cfg(feature = "sqlite")]
// Helpers here are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use serde_json::json;
use streamviz::clock::now_ms;
use streamviz::ingest::Pipeline;
use streamviz::store::{Persistence, StoreError, StoreOptions};
use streamviz::Update;

mod common;
use common::{dashboard, declare, feed, loads_back_exactly, stored_points};

const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn a_new_process_loads_back_exactly_what_the_last_one_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    loads_back_exactly(|| StoreOptions::new(&path));
}

#[test]
fn retention_purges_older_rows_when_the_store_opens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let first = Pipeline::default();
    let store = Persistence::start(&first, StoreOptions::new(&path)).unwrap();
    let cpu = declare(&first, "cpu", "metric", json!({}));
    let now = now_ms();
    for (age_h, value) in [(48.0, 1.0), (30.0, 2.0), (2.0, 3.0), (0.0, 4.0)] {
        first.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: now - age_h * 3_600_000.0,
                value,
            },
            &cpu.dropped,
        );
    }
    assert!(first.flush(TIMEOUT));
    store.stop();

    let second = Pipeline::default();
    let mut options = StoreOptions::new(&path);
    options.retention = Some(Duration::from_secs(24 * 3600));
    let _store = Persistence::start(&second, options).unwrap();
    let history = &dashboard(&second)[1];
    let values: Vec<f64> = history["data"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .collect();
    assert_eq!(values, [3.0, 4.0]);
}

#[test]
fn a_widgets_state_outlives_the_retention() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    common::stores::state_outlives_the_retention(|| StoreOptions::new(&path));
}

/// While the producer runs, the writer purges on its schedule: points that fell out of the
/// retention go, and table changes and snapshots older than the table's newest snapshot (its
/// state, which stays however old, and loads back).
#[test]
fn retention_purges_older_rows_on_a_schedule_while_the_store_runs() {
    use streamviz::ingest::push::apply_push;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let pipeline = Pipeline::default();
    let options = StoreOptions {
        retention: Some(Duration::from_secs(3600)),
        // Every pass of the writer: the flush below is answered after the purge.
        purge_interval: Duration::ZERO,
        snapshot_every: 1,
        ..StoreOptions::new(&path)
    };
    let store = Persistence::start(&pipeline, options).unwrap();
    declare(&pipeline, "cpu", "metric", json!({}));
    declare(&pipeline, "events", "table", json!({}));
    let now = now_ms();
    let body = json!({"updates": [
        {"widget": "cpu", "points": [[now - 7_200_000.0, 1.0], [now - 60_000.0, 2.0], [now, 3.0]]},
        {"widget": "events", "upsert": [{"key": "a", "row": {"n": 1}}]}]});
    apply_push(&pipeline, &body.to_string()).unwrap();
    assert!(store.flush(TIMEOUT));
    let count = |sql: &str| -> i64 {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    };
    let values = |path| -> Vec<f64> { stored_points(path).into_iter().map(|p| p.2).collect() };
    assert_eq!(values(&path), [2.0, 3.0], "the point of 2 h ago is gone");
    // Changes are stamped when stored: two hours on, as far as the store can tell.
    let age = || {
        let conn = rusqlite::Connection::open(&path).unwrap();
        for table in ["changes", "snapshots"] {
            conn.execute(&format!("UPDATE {table} SET ts_ms = ts_ms - 7200000"), [])
                .unwrap();
        }
    };
    age();
    assert_eq!(count("SELECT count(*) FROM snapshots"), 1);
    // A second row and its snapshot, both in the retention; the first change and snapshot,
    // an hour and more out of it, go; the newest snapshot stays when it too ages out.
    let body = json!({"updates": [{"widget": "cpu", "value": 4.0},
        {"widget": "events", "upsert": [{"key": "b", "row": {"n": 2}}]}]});
    apply_push(&pipeline, &body.to_string()).unwrap();
    assert!(store.flush(TIMEOUT));
    assert_eq!(count("SELECT count(*) FROM changes"), 1);
    assert_eq!(count("SELECT count(*) FROM snapshots"), 1);
    assert_eq!(values(&path), [2.0, 3.0, 4.0]);
    age();
    apply_push(
        &pipeline,
        &json!({"updates": [{"widget": "cpu", "value": 5.0}]}).to_string(),
    )
    .unwrap();
    assert!(store.flush(TIMEOUT));
    assert_eq!(
        count("SELECT count(*) FROM snapshots"),
        1,
        "the newest snapshot stays, however old"
    );
    assert_eq!(count("SELECT count(*) FROM changes"), 0);
    store.stop();
    let again = Pipeline::default();
    let _store = Persistence::start(&again, StoreOptions::new(&path)).unwrap();
    let engine = again.engine();
    let keys: Vec<&str> = match engine.widget("events") {
        Some((_, streamviz::engine::WidgetData::Table(table))) => {
            table.iter().map(|(k, _)| k).collect()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        keys,
        ["a", "b"],
        "the table loads back from its old snapshot"
    );
}

#[test]
fn files_that_are_not_streamviz_databases_are_refused_with_a_reason_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let pipeline = Pipeline::default();

    let foreign = dir.path().join("app.db");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ada');")
            .unwrap();
    }
    let err = Persistence::start(&pipeline, StoreOptions::new(&foreign)).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert!(
        err.to_string().contains("not a StreamViz database"),
        "{err}"
    );
    let conn = rusqlite::Connection::open(&foreign).unwrap();
    let name: String = conn
        .query_row("SELECT name FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(name, "ada", "the foreign database is untouched");

    let text = dir.path().join("notes.txt");
    std::fs::write(
        &text,
        "this is not a database, just some text that is long enough ".repeat(20),
    )
    .unwrap();
    let before = std::fs::read(&text).unwrap();
    let err = Persistence::start(&pipeline, StoreOptions::new(&text)).unwrap_err();
    assert!(matches!(err, StoreError::Foreign { .. }), "{err}");
    assert_eq!(std::fs::read(&text).unwrap(), before);

    let err = Persistence::start(&pipeline, StoreOptions::new(dir.path())).unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
    let err = Persistence::start(
        &pipeline,
        StoreOptions::new(dir.path().join("missing/metrics.db")),
    )
    .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");

    let newer = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(
            None,
            "application_id",
            streamviz::store::sqlite::APPLICATION_ID,
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = Persistence::start(&pipeline, StoreOptions::new(&newer)).unwrap_err();
    assert!(matches!(err, StoreError::Newer { found: 99, .. }), "{err}");
    assert!(
        pipeline.engine().config_view().widgets.is_empty(),
        "nothing was loaded"
    );
}

#[test]
fn a_windowed_metric_stores_its_windows_and_a_new_process_goes_on_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    common::stores::windows_load_back(|| StoreOptions::new(&path));
}

#[test]
fn a_damaged_database_is_refused_with_a_way_out_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("damaged.db");
    common::record(&path, |pipeline, _| feed(pipeline));
    // Every page but the first (the header and the schema) overwritten: a disk that went bad.
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(bytes.len() > 4 * page, "{}", bytes.len());
    for (i, byte) in bytes[page..].iter_mut().enumerate() {
        *byte = (i * 7 % 251) as u8;
    }
    std::fs::write(&path, &bytes).unwrap();

    let pipeline = Pipeline::default();
    let err = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("is damaged"), "{err}");
    assert!(err.to_string().contains(".recover"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "left as it is");
    let err = streamviz::store::open_recording(&Pipeline::default(), &path).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

/// Every few changes a table's and a text's whole state is stored: a restart applies only the
/// changes after the newest snapshot and ends where the producer was, and a replay's widget as of
/// any stored time (snapshot before it, changes up to it) is what the producer showed then.
#[test]
fn snapshots_bound_what_loading_applies_and_every_state_as_of_a_time_is_kept() {
    use streamviz::ingest::push::apply_push;
    use streamviz::protocol::history_message;
    use streamviz::protocol::replay_widget;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("snapshots.db");
    let shown = |pipeline: &Pipeline, id: &str| {
        let engine = pipeline.engine();
        let (spec, data) = engine.widget(id).unwrap();
        history_message(spec, data)
    };
    let mut states = Vec::new(); // (time, table, text) after each flush
    let (expected, stored_changes) = {
        let pipeline = Pipeline::default();
        let options = StoreOptions {
            snapshot_every: 10,
            ..StoreOptions::new(&path)
        };
        let store = Persistence::start(&pipeline, options).unwrap();
        declare(&pipeline, "events", "table", json!({"max_rows": 5}));
        declare(&pipeline, "status", "text", json!({}));
        for i in 0..95 {
            let mut updates = vec![
                json!({"widget": "events", "upsert": [{"key": format!("k{}", i % 7), "row": {"n": i}}]}),
                json!({"widget": "status", "text": format!("step {i}")}),
            ];
            if i % 13 == 12 {
                updates.push(json!({"widget": "events", "delete": [format!("k{}", i % 5)]}));
            }
            apply_push(&pipeline, &json!({"updates": updates}).to_string()).unwrap();
            if i % 20 == 19 || i == 94 {
                assert!(store.flush(TIMEOUT));
                let at = now_ms();
                states.push((at, shown(&pipeline, "events"), shown(&pipeline, "status")));
                while now_ms() <= at {
                    std::hint::spin_loop(); // what comes next is stored at a later millisecond
                }
            }
        }
        let stored = store.stats().changes_stored;
        store.stop();
        (dashboard(&pipeline), stored)
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    let snapshots: i64 = conn
        .query_row("SELECT count(*) FROM snapshots", [], |row| row.get(0))
        .unwrap();
    drop(conn);
    assert!(snapshots >= 8, "{snapshots} snapshots");

    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap();
    assert_eq!(dashboard(&pipeline), expected);
    let restored = store.stats().changes_restored;
    assert!(
        restored < 20 && stored_changes > 190,
        "{restored} of {stored_changes} changes applied"
    );
    store.stop();

    let replay = Pipeline::default();
    let history = streamviz::store::open_recording(&replay, &path)
        .unwrap()
        .history;
    for (at, table, text) in &states {
        for (id, expected) in [("events", table), ("status", text)] {
            let spec = replay.engine().widget(id).unwrap().0.clone();
            let engine = replay_widget(&spec, &history.changes(id, *at).unwrap()).unwrap();
            let (spec, data) = engine.widget(id).unwrap();
            assert_eq!(&history_message(spec, data), expected, "{id} as of {at}");
        }
    }

    // A database without snapshots (as an older StreamViz wrote it) loads every change, and
    // the first write after stores a snapshot of each widget that had that many.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM snapshots", []).unwrap();
    drop(conn);
    let pipeline = Pipeline::default();
    let options = StoreOptions {
        snapshot_every: 10,
        ..StoreOptions::new(&path)
    };
    let store = Persistence::start(&pipeline, options).unwrap();
    assert_eq!(dashboard(&pipeline), expected);
    assert_eq!(store.stats().changes_restored, stored_changes);
    assert!(store.flush(TIMEOUT));
    store.stop();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let snapshotted: i64 = conn
        .query_row("SELECT count(DISTINCT widget) FROM snapshots", [], |row| {
            row.get(0)
        })
        .unwrap();
    drop(conn);
    assert_eq!(snapshotted, 2, "the table and the text");
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap();
    assert_eq!(dashboard(&pipeline), expected);
    assert_eq!(store.stats().changes_restored, 0);
    store.stop();
}

/// A file written by schema version 1 (a row per point) is upgraded in place: its points are
/// loaded back and read by range queries together with the chunks written after.
#[test]
fn a_version_1_file_keeps_its_points_and_goes_on_in_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE widgets (id TEXT PRIMARY KEY, kind TEXT NOT NULL, options TEXT NOT NULL);
             CREATE TABLE series (sid INTEGER PRIMARY KEY, widget TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (widget, name));
             CREATE TABLE points (sid INTEGER NOT NULL, ts_ms REAL NOT NULL, value REAL);
             CREATE INDEX points_by_series_time ON points (sid, ts_ms);
             CREATE TABLE changes (id INTEGER PRIMARY KEY, widget TEXT NOT NULL, ts_ms REAL NOT NULL, change TEXT NOT NULL);
             CREATE TABLE snapshots (widget TEXT NOT NULL, change_id INTEGER NOT NULL, ts_ms REAL NOT NULL, ops TEXT NOT NULL);
             INSERT INTO widgets VALUES ('cpu', 'metric', '{\"max_points\": 4}');
             INSERT INTO series VALUES (1, 'cpu', '');
             INSERT INTO points VALUES (1, 1000, 1), (1, 2000, NULL), (1, 3000, 3);
             PRAGMA user_version = 1;",
        )
        .unwrap();
        conn.pragma_update(
            None,
            "application_id",
            streamviz::store::sqlite::APPLICATION_ID,
        )
        .unwrap();
    }
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap();
    let cpu = pipeline.engine().handle("cpu").unwrap();
    for (ts_ms, value) in [(4000.0, 4.0), (5000.0, 5.0)] {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms,
                value,
            },
            &cpu.dropped,
        );
    }
    assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
    let history = store.history().points("cpu", "", 0.0, 10_000.0).unwrap();
    let times: Vec<f64> = history.iter().map(|p| p.0).collect();
    assert_eq!(times, [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]);
    assert!(history[1].1.is_nan(), "a gap stays a gap");
    let version: i32 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, streamviz::store::sqlite::SCHEMA_VERSION);
    store.stop();

    // A new process loads the newest four across both layouts.
    let times: Vec<f64> = common::stores::restored_ring(StoreOptions::new(&path), "cpu")
        .iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(times, [2000.0, 3000.0, 4000.0, 5000.0]);
}

/// The ring of `id` as a new process loads it from `path`.
/// Many writes of a series leave many chunks, some spanning others in time: loading keeps
/// exactly the newest points by time, and a range reads every stored point in time order; one
/// chunk a write.
#[test]
fn chunks_load_the_newest_points_by_time_and_ranges_read_them_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chunks.db");
    common::stores::newest_and_ranges(|| StoreOptions::new(&path));
    let chunks: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM chunks", [], |row| row.get(0))
        .unwrap();
    assert_eq!(chunks, 20);
}
