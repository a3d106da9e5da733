//! What a Redis store's keys hold, against a real `redis-server`: a series as a stream of
//! chunks whose ids never precede their points (late chunks still found by ranges and loads,
//! two servers adding to one series at once), a table's rows as hashes bound as the engine bounds
//! them, and a store of the older layout upgraded.

#![cfg(feature = "redis-store")]
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use streamviz::clock::now_ms;
use streamviz::engine::{KeyedRow, WidgetData, WidgetHandle};
use streamviz::ingest::Pipeline;
use streamviz::store::{Persistence, StoreOptions};
use streamviz::Update;

mod common;
use common::declare;
use common::redis_server::{series_id, RedisServer};

const TIMEOUT: Duration = Duration::from_secs(10);

fn options(url: &str) -> StoreOptions {
    StoreOptions::new(Path::new(url))
}

/// An engine storing into the Redis at `url`, having loaded what it holds.
fn serving(url: &str) -> (Pipeline, Persistence) {
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options(url)).unwrap();
    (pipeline, store)
}

/// Send `points` to `widget` as one write, and wait until it is stored.
fn store_points(
    pipeline: &Pipeline,
    store: &Persistence,
    widget: &WidgetHandle,
    points: &[(f64, f64)],
) {
    pipeline.send(
        Update::Points {
            widget: widget.widget,
            series: u32::MAX,
            points: Box::new(points.to_vec()),
        },
        &widget.dropped,
    );
    assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
}

/// A series' stream entries: (id, the newest point's time).
fn entries(raw: &mut redis::Connection, widget: &str) -> Vec<(String, f64)> {
    let sid = series_id(raw, widget);
    let found: Vec<(String, HashMap<String, Vec<u8>>)> = redis::cmd("XRANGE")
        .arg(format!("streamviz:points:{sid}"))
        .arg("-")
        .arg("+")
        .query(raw)
        .unwrap();
    found
        .into_iter()
        .map(|(id, fields)| {
            let t1 = f64::from_le_bytes(fields["c"][8..16].try_into().unwrap());
            (id, t1)
        })
        .collect()
}

#[test]
fn a_series_is_a_stream_whose_late_chunks_ranges_and_loads_still_find() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (pipeline, store) = serving(&url);
    let cpu = declare(&pipeline, "cpu", "metric", json!({"max_points": 60}));
    let now = now_ms().floor();
    let at = |start: f64, value: f64| -> Vec<(f64, f64)> {
        (0..50)
            .map(|i| (start + f64::from(i) * 10.0, value))
            .collect()
    };
    // Now; then an hour ago (a late chunk, as a backfill); then a second later than now.
    let (first, late, last) = (
        at(now, 1.0),
        at(now - 3_600_000.0, 2.0),
        at(now + 1000.0, 3.0),
    );
    for points in [&first, &late, &last] {
        store_points(&pipeline, &store, &cpu, points);
    }
    let mut raw = redis.connection();
    let stored = entries(&mut raw, "cpu");
    assert_eq!(stored.len(), 3, "{stored:?}");
    for (id, t1) in &stored {
        let ms: f64 = id.split('-').next().unwrap().parse().unwrap();
        assert!(
            ms >= *t1,
            "an id is never before its chunk's newest point: {id} < {t1}"
        );
    }
    assert_eq!(
        stored[1].0.split('-').next(),
        stored[0].0.split('-').next(),
        "the late chunk follows"
    );
    let lateness: f64 = redis::cmd("ZSCORE")
        .arg("streamviz:lateness")
        .arg(series_id(&mut raw, "cpu"))
        .query(&mut raw)
        .unwrap();
    assert!(lateness >= 3_600_000.0, "{lateness}");

    // A narrow range an hour back finds the late chunk, one now finds the first.
    let range = |from: f64, to: f64| store.history().points("cpu", "", from, to).unwrap();
    assert_eq!(range(now - 3_600_000.0, now - 3_599_900.0), late[..10]);
    assert_eq!(range(now, now + 500.0), first);
    assert_eq!(range(now + 1000.0, now + 1010.0), last[..1]);
    let mut every: Vec<(f64, f64)> = [late.clone(), first.clone(), last.clone()].concat();
    every.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(range(f64::NEG_INFINITY, f64::INFINITY), every);
    store.stop();

    // Loading keeps the newest 60 by time: the last chunk and the first's newest ten.
    let held = common::stores::restored_ring(options(&url), "cpu");
    assert_eq!(held, [&first[40..], &last[..]].concat());
}

#[test]
fn servers_adding_to_one_series_at_once_store_every_point_once() {
    let redis = RedisServer::start();
    let url = redis.url();
    let servers: Vec<(Pipeline, Persistence)> = (0..2).map(|_| serving(&url)).collect();
    let now = now_ms().floor();
    // Each server writes 200 times to the same series, at once: their transactions meet, and
    // the one a peer's write came before is tried again with ids after it.
    std::thread::scope(|scope| {
        for (n, (pipeline, store)) in servers.iter().enumerate() {
            scope.spawn(move || {
                let cpu = declare(pipeline, "cpu", "metric", json!({}));
                for write in 0..200 {
                    let value = f64::from(n as u32 * 1000 + write);
                    store_points(pipeline, store, &cpu, &[(now + value, value)]);
                }
            });
        }
    });
    for (_, store) in &servers {
        assert!(
            store.stats().last_error.is_none(),
            "{:?}",
            store.stats().last_error
        );
    }
    let mut values = common::stores::stored_values(&servers[0].1, "cpu");
    values.sort_by(f64::total_cmp);
    let sent: Vec<f64> = (0..200).chain(1000..1200).map(f64::from).collect();
    assert_eq!(values, sent, "every point once");
    let mut raw = redis.connection();
    let ids: Vec<String> = entries(&mut raw, "cpu")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids.len(), 400, "an entry a write");
}

#[test]
fn a_store_of_schema_version_1_is_upgraded_and_loads_back_exactly() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (pipeline, store) = serving(&url);
    let cpu = declare(&pipeline, "cpu", "metric", json!({"max_points": 1000}));
    let now = now_ms().floor();
    let mut sent = Vec::new();
    for write in 0..5 {
        let points: Vec<(f64, f64)> = (0..20)
            .map(|i| (now + f64::from(write * 100 + i), f64::from(write * 100 + i)))
            .collect();
        store_points(&pipeline, &store, &cpu, &points);
        sent.extend(points);
    }
    store.stop();
    // Version 1's layout: a sorted set of chunks per series, scored by the newest point.
    let mut raw = redis.connection();
    let sid = series_id(&mut raw, "cpu");
    let found: Vec<(String, HashMap<String, Vec<u8>>)> = redis::cmd("XRANGE")
        .arg(format!("streamviz:points:{sid}"))
        .arg("-")
        .arg("+")
        .query(&mut raw)
        .unwrap();
    for (n, (_, fields)) in found.iter().enumerate() {
        let bytes = &fields["c"];
        let mut member = (n as i64 + 1).to_be_bytes().to_vec();
        member.extend_from_slice(&bytes[..8]);
        member.extend_from_slice(&bytes[16..]);
        let t1 = f64::from_le_bytes(bytes[8..16].try_into().unwrap());
        let _: i64 = redis::cmd("ZADD")
            .arg(format!("streamviz:chunks:{sid}"))
            .arg(t1)
            .arg(member)
            .query(&mut raw)
            .unwrap();
    }
    let _: () = redis::pipe()
        .del(format!("streamviz:points:{sid}"))
        .del("streamviz:points_top")
        .del("streamviz:lateness")
        .hset("streamviz:meta", "schema_version", 1)
        .query(&mut raw)
        .unwrap();

    let (again, store) = serving(&url);
    assert_eq!(
        common::ring_values(&again, "cpu"),
        sent.iter().map(|p| p.1).collect::<Vec<_>>()
    );
    assert_eq!(
        store
            .history()
            .points("cpu", "", now + 110.0, now + 120.0)
            .unwrap(),
        sent[30..40]
    );
    let version: i32 = redis::cmd("HGET")
        .arg("streamviz:meta")
        .arg("schema_version")
        .query(&mut raw)
        .unwrap();
    assert_eq!(version, 2);
    let old: bool = redis::cmd("EXISTS")
        .arg(format!("streamviz:chunks:{sid}"))
        .query(&mut raw)
        .unwrap();
    assert!(!old, "the sorted set is gone");
    assert_eq!(entries(&mut raw, "cpu").len(), 5);
    // Written to after the upgrade, it goes on after the chunks it moved.
    let cpu = declare(&again, "cpu", "metric", json!({"max_points": 1000}));
    store_points(&again, &store, &cpu, &[(now + 1000.0, 1000.0)]);
    assert_eq!(common::stores::stored_values(&store, "cpu").len(), 101);
}

/// Upsert (`Some(row)`) or delete (`None`) rows of `table` as one write, and wait until stored.
fn change_rows(
    pipeline: &Pipeline,
    store: &Persistence,
    table: &WidgetHandle,
    rows: &[(&str, Option<Value>)],
) {
    for (key, row) in rows {
        let update = match row {
            Some(row) => Update::Upsert {
                widget: table.widget,
                row: Box::new(KeyedRow {
                    key: Some((*key).into()),
                    row: row.as_object().cloned().unwrap(),
                }),
            },
            None => Update::Delete {
                widget: table.widget,
                key: (*key).into(),
            },
        };
        pipeline.send(update, &table.dropped);
    }
    assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
}

/// A table's rows as the engine holds them, oldest inserted first: (key, row).
fn engine_rows(pipeline: &Pipeline, id: &str) -> Vec<(String, Value)> {
    let engine = pipeline.engine();
    let Some((_, WidgetData::Table(table))) = engine.widget(id) else {
        panic!("{id} is a table")
    };
    table
        .iter()
        .map(|(key, row)| (key.to_owned(), Value::Object(row.clone())))
        .collect()
}

/// A table's rows as the store's hashes hold them, oldest inserted first.
fn stored_rows(raw: &mut redis::Connection, id: &str) -> Vec<(String, Value)> {
    let order: Vec<String> = redis::cmd("ZRANGE")
        .arg(format!("streamviz:row_order:{id}"))
        .arg(0)
        .arg(-1)
        .query(raw)
        .unwrap();
    let rows: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(format!("streamviz:rows:{id}"))
        .query(raw)
        .unwrap();
    assert_eq!(
        rows.len(),
        order.len(),
        "every row placed, no row left over: {rows:?} {order:?}"
    );
    order
        .into_iter()
        .map(|key| {
            let row = serde_json::from_str(&rows[&key]).unwrap();
            (key, row)
        })
        .collect()
}

#[test]
fn a_tables_rows_are_hashes_bound_as_the_engine_bounds_them_and_load_from_them() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (pipeline, store) = serving(&url);
    let jobs = declare(&pipeline, "jobs", "table", json!({"max_rows": 3}));
    let mut raw = redis.connection();
    let writes: [&[(&str, Option<Value>)]; 4] = [
        &[
            ("a", Some(json!({"n": 1}))),
            ("b", Some(json!({"n": 2}))),
            ("c", Some(json!({"n": 3}))),
        ],
        // a changed in place (still the oldest), d evicts it, b deleted.
        &[
            ("a", Some(json!({"n": 10}))),
            ("d", Some(json!({"n": 4}))),
            ("b", None),
        ],
        // b back (newest now), e evicts c; x in and out within the write.
        &[
            ("b", Some(json!({"n": 20}))),
            ("x", Some(json!({"n": 0}))),
            ("x", None),
            ("e", Some(json!({"n": 5}))),
        ],
        // More new rows than the bound in one write: the newest three stay.
        &[
            ("f", Some(json!({"n": 6}))),
            ("g", Some(json!({"n": 7}))),
            ("h", Some(json!({"n": 8}))),
            ("g", Some(json!({"n": 70}))),
        ],
    ];
    for rows in writes {
        change_rows(&pipeline, &store, &jobs, rows);
        let held = engine_rows(&pipeline, "jobs");
        assert_eq!(stored_rows(&mut raw, "jobs"), held, "after {rows:?}");
    }
    assert_eq!(
        engine_rows(&pipeline, "jobs"),
        [
            ("f", json!({"n": 6})),
            ("g", json!({"n": 70})),
            ("h", json!({"n": 8}))
        ]
        .map(|(k, v)| (k.to_owned(), v))
    );
    let held = engine_rows(&pipeline, "jobs");
    store.stop();

    // Loading reads the hashes: with the stream of changes gone, the rows still come back.
    let _: () = redis::cmd("DEL")
        .arg("streamviz:changes:jobs")
        .query(&mut raw)
        .unwrap();
    let (again, store) = serving(&url);
    assert_eq!(engine_rows(&again, "jobs"), held);
    // A clear deletes them.
    let jobs = declare(&again, "jobs", "table", json!({"max_rows": 3}));
    again.send(
        Update::Clear {
            widget: jobs.widget,
        },
        &jobs.dropped,
    );
    assert!(again.flush(TIMEOUT) && store.flush(TIMEOUT));
    let left: i64 = redis::cmd("EXISTS")
        .arg("streamviz:rows:jobs")
        .arg("streamviz:row_order:jobs")
        .query(&mut raw)
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn servers_changing_one_table_at_once_keep_its_hashes_whole_and_bound() {
    let redis = RedisServer::start();
    let url = redis.url();
    let servers: Vec<(Pipeline, Persistence)> = (0..2).map(|_| serving(&url)).collect();
    // Each server inserts 150 rows of its own, a write each, into a table of 100, at once.
    std::thread::scope(|scope| {
        for (n, (pipeline, store)) in servers.iter().enumerate() {
            scope.spawn(move || {
                let table = declare(pipeline, "log", "table", json!({"max_rows": 100}));
                for i in 0..150 {
                    let key = format!("{n}-{i}");
                    change_rows(pipeline, store, &table, &[(&key, Some(json!({"i": i})))]);
                }
            });
        }
    });
    for (_, store) in &servers {
        assert!(
            store.stats().last_error.is_none(),
            "{:?}",
            store.stats().last_error
        );
    }
    let mut raw = redis.connection();
    let rows = stored_rows(&mut raw, "log");
    assert_eq!(rows.len(), 100, "bound to max_rows");
    // The newest hundred inserted: each server's rows in the order it sent them.
    for n in 0..2 {
        let mine: Vec<i64> = rows
            .iter()
            .filter(|(key, _)| key.starts_with(&format!("{n}-")))
            .map(|(_, row)| row["i"].as_i64().unwrap())
            .collect();
        let first = 150 - mine.len() as i64;
        assert_eq!(mine, (first..150).collect::<Vec<_>>(), "server {n}");
    }
}

#[test]
fn without_a_retention_given_a_series_stream_keeps_a_day() {
    let redis = RedisServer::start();
    let url = redis.url();
    let now = now_ms().floor();
    let day = 24.0 * 3_600_000.0;
    // Every writer pass purges, so a flush is answered after the purge.
    for (retention, kept) in [
        (None, vec![2.0, 3.0]),
        (
            Some(Duration::from_secs(7 * 24 * 3600)),
            vec![1.0, 2.0, 3.0],
        ),
    ] {
        let _: () = redis::cmd("FLUSHALL")
            .query(&mut redis.connection())
            .unwrap();
        let pipeline = Pipeline::default();
        let store = Persistence::start(
            &pipeline,
            StoreOptions {
                retention,
                purge_interval: Duration::ZERO,
                ..options(&url)
            },
        )
        .unwrap();
        let cpu = declare(&pipeline, "cpu", "metric", json!({}));
        // A day and a minute old, a minute less than a day, and now.
        store_points(&pipeline, &store, &cpu, &[(now - day - 60_000.0, 1.0)]);
        store_points(&pipeline, &store, &cpu, &[(now - day + 60_000.0, 2.0)]);
        store_points(&pipeline, &store, &cpu, &[(now, 3.0)]);
        assert!(store.flush(TIMEOUT));
        assert_eq!(
            common::stores::stored_values(&store, "cpu"),
            kept,
            "retention {retention:?}"
        );
        let mut raw = redis.connection();
        assert_eq!(
            entries(&mut raw, "cpu").len(),
            kept.len(),
            "trimmed from the stream"
        );
        store.stop();
    }
}

#[test]
fn a_table_declared_again_with_fewer_rows_is_cut_to_them_in_the_store_too() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (pipeline, store) = serving(&url);
    let jobs = declare(&pipeline, "jobs", "table", json!({"max_rows": 5}));
    let five: Vec<(String, Option<Value>)> = (0..5)
        .map(|i| (format!("k{i}"), Some(json!({"i": i}))))
        .collect();
    let five: Vec<(&str, Option<Value>)> =
        five.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    change_rows(&pipeline, &store, &jobs, &five);
    store.stop();
    // The next run declares it with room for two, and inserts one: the store keeps the same two
    // rows as the engine.
    let (again, store) = serving(&url);
    let jobs = declare(&again, "jobs", "table", json!({"max_rows": 2}));
    change_rows(&again, &store, &jobs, &[("new", Some(json!({"i": 9})))]);
    let held = engine_rows(&again, "jobs");
    assert_eq!(held.len(), 2, "{held:?}");
    assert_eq!(stored_rows(&mut redis.connection(), "jobs"), held);
}

#[test]
fn a_table_stored_before_its_rows_were_hashes_gets_them_when_loaded() {
    let redis = RedisServer::start();
    let url = redis.url();
    let (pipeline, store) = serving(&url);
    let jobs = declare(&pipeline, "jobs", "table", json!({"max_rows": 10}));
    change_rows(
        &pipeline,
        &store,
        &jobs,
        &[
            ("a", Some(json!({"n": 1}))),
            ("b", Some(json!({"n": 2}))),
            ("a", None),
        ],
    );
    let held = engine_rows(&pipeline, "jobs");
    store.stop();
    // As a store written before: the rows only in the widget's stream of changes.
    let mut raw = redis.connection();
    let _: () = redis::cmd("DEL")
        .arg("streamviz:rows:jobs")
        .arg("streamviz:row_order:jobs")
        .query(&mut raw)
        .unwrap();
    // Loaded from its changes, and its rows stored as hashes then; a row added after goes on
    // from them, and what the next run loads from the hashes alone is all of it.
    let (again, store) = serving(&url);
    assert_eq!(engine_rows(&again, "jobs"), held);
    assert_eq!(stored_rows(&mut raw, "jobs"), held);
    let jobs = declare(&again, "jobs", "table", json!({"max_rows": 10}));
    change_rows(&again, &store, &jobs, &[("c", Some(json!({"n": 3})))]);
    let held = engine_rows(&again, "jobs");
    store.stop();
    let _: () = redis::cmd("DEL")
        .arg("streamviz:changes:jobs")
        .query(&mut raw)
        .unwrap();
    let (third, _store) = serving(&url);
    assert_eq!(engine_rows(&third, "jobs"), held);
    assert_eq!(held.len(), 2, "{held:?}");
}
