//! Redis persistence against a real `redis-server` (the distribution's, started by the tests on
//! a free port in a temporary directory): what one process stores, the next loads back exactly,
//! as with SQLite and PostgreSQL; retention; history beyond the ring for range queries; Redis
//! killed and started again mid-stream (batches kept and retried, nothing lost, nothing twice,
//! the error in the stats meanwhile); two servers sharing one store; passwords never shown.

#![cfg(feature = "redis-store")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use streamviz::clock::now_ms;
use streamviz::ingest::Pipeline;
use streamviz::store::{Persistence, StoreOptions};
use streamviz::Update;

mod common;
use common::redis_server::{series_id, wait_until, RedisServer};
use common::{declare, loads_back_exactly};

const TIMEOUT: Duration = Duration::from_secs(10);

/// The store at `url`, keeping everything: the scenarios' points are stamped in 1970 or hours
/// back, and a Redis store given no retention keeps a day (`tests/redis_layout.rs`).
fn options(url: &str) -> StoreOptions {
    StoreOptions {
        retention: Some(Duration::from_secs(100 * 365 * 24 * 3600)),
        ..StoreOptions::new(Path::new(url))
    }
}

#[test]
fn a_new_process_loads_back_exactly_what_the_last_one_stored() {
    let redis = RedisServer::start();
    let url = redis.url();
    loads_back_exactly(|| options(&url));
}

#[test]
fn a_windowed_metric_stores_its_windows_and_a_new_process_goes_on_from_them() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::windows_load_back(|| options(&url));
}

#[test]
fn chunks_load_the_newest_points_by_time_and_ranges_read_them_in_order() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::newest_and_ranges(|| options(&url));
}

#[test]
fn a_firing_rule_stays_firing_after_a_restart_and_is_not_announced_again() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::firing_rule_survives_a_restart(|| options(&url));
}

#[test]
fn a_store_opens_as_a_recording_that_replays_as_of_a_time() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::opens_as_a_recording(|| options(&url), Path::new(&url));
}

#[test]
fn retention_purges_older_points_and_history_reaches_past_the_ring() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::retention_and_history_past_the_ring(|| options(&url));
}

#[test]
fn a_widgets_state_outlives_the_retention() {
    let redis = RedisServer::start();
    let url = redis.url();
    common::stores::state_outlives_the_retention(|| options(&url));
    // The purge trimmed the table's stream to its newest snapshot and the change after it.
    let left: usize = redis::cmd("XLEN")
        .arg("streamviz:changes:events")
        .query(&mut redis.connection())
        .unwrap();
    assert_eq!(left, 2);
}

#[test]
fn redis_killed_and_started_again_mid_stream_loses_nothing_and_says_so_meanwhile() {
    let redis = std::cell::RefCell::new(RedisServer::durable());
    let url = redis.borrow().url();
    common::stores::away_and_back(
        || options(&url),
        || redis.borrow_mut().kill(),
        || redis.borrow_mut().run(),
    );
}

#[test]
fn two_servers_share_one_store_and_each_loads_what_both_stored() {
    let redis = RedisServer::start();
    let url = redis.url();
    let a = Pipeline::default();
    let b = Pipeline::default();
    let store_a = Persistence::start(&a, options(&url)).unwrap();
    let store_b = Persistence::start(&b, options(&url)).unwrap();
    let cpu_a = declare(&a, "cpu", "metric", json!({"max_points": 100}));
    let mem_b = declare(&b, "mem", "metric", json!({"max_points": 100}));
    let now = now_ms();
    for i in 0..10 {
        let ts_ms = now + f64::from(i);
        a.send(
            Update::Point {
                widget: cpu_a.widget,
                ts_ms,
                value: f64::from(i),
            },
            &cpu_a.dropped,
        );
        b.send(
            Update::Point {
                widget: mem_b.widget,
                ts_ms,
                value: f64::from(100 + i),
            },
            &mem_b.dropped,
        );
    }
    assert!(
        a.flush(TIMEOUT) && b.flush(TIMEOUT) && store_a.flush(TIMEOUT) && store_b.flush(TIMEOUT)
    );
    store_a.stop();
    store_b.stop();
    // A third server (or either restarted) loads both widgets, in the order they were stored.
    let c = Pipeline::default();
    let store = Persistence::start(&c, options(&url)).unwrap();
    assert_eq!(
        common::ring_values(&c, "cpu"),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
    assert_eq!(
        common::ring_values(&c, "mem"),
        (100..110).map(f64::from).collect::<Vec<_>>()
    );
    assert_eq!(common::stores::stored_values(&store, "mem").len(), 10);
}

#[test]
fn relayed_servers_sharing_the_store_store_each_point_once() {
    use streamviz::ingest::push::apply_push;
    use streamviz::relay::{Relay, RelayOptions};
    let redis = RedisServer::start();
    let url = redis.url();
    let servers: Vec<(Pipeline, Relay, Persistence)> = (0..2)
        .map(|_| {
            let pipeline = Pipeline::default();
            let store = Persistence::start(&pipeline, options(&url)).unwrap();
            let relay = Relay::start(&pipeline, RelayOptions::new(url.clone())).unwrap();
            wait_until("the relay connects", || relay.stats().connected);
            (pipeline, relay, store)
        })
        .collect();
    let (a, b) = (&servers[0].0, &servers[1].0);
    let push = |pipeline: &Pipeline, body: serde_json::Value| {
        apply_push(pipeline, &body.to_string()).unwrap();
    };
    push(
        a,
        json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"max_points": 1000}}]}),
    );
    wait_until("b knows cpu", || b.engine().widget("cpu").is_some());
    let now = now_ms();
    for i in 0..100 {
        let target = if i % 2 == 0 { a } else { b };
        let point = json!({"widget": "cpu", "ts_ms": now + f64::from(i), "value": i});
        push(target, json!({"updates": [point]}));
    }
    wait_until("both servers hold every point", || {
        common::ring_values(a, "cpu").len() == 100 && common::ring_values(b, "cpu").len() == 100
    });
    for (pipeline, _, store) in &servers {
        assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
    }
    let mut stored = common::stores::stored_values(&servers[0].2, "cpu");
    stored.sort_by(f64::total_cmp);
    assert_eq!(
        stored,
        (0..100).map(f64::from).collect::<Vec<_>>(),
        "each point stored once"
    );
}

#[test]
fn a_password_in_the_url_is_never_shown() {
    let bad = Persistence::start(
        &Pipeline::default(),
        options("redis://:s3cret@127.0.0.1:1/"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad.contains("cannot open") && !bad.contains("s3cret"),
        "{bad}"
    );
}

#[test]
fn a_damaged_chunk_is_refused_with_a_reason_and_left_as_it_is() {
    let redis = RedisServer::start();
    let url = redis.url();
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options(&url)).unwrap();
    let cpu = declare(&pipeline, "cpu", "metric", json!({}));
    pipeline.send(
        Update::Point {
            widget: cpu.widget,
            ts_ms: now_ms(),
            value: 1.0,
        },
        &cpu.dropped,
    );
    assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
    store.stop();
    // An entry cut short, as a hand-edited or truncated key would hold.
    let mut raw = redis.connection();
    let sid = series_id(&mut raw, "cpu");
    let _: String = redis::cmd("XADD")
        .arg(format!("streamviz:points:{sid}"))
        .arg(format!("{}-0", now_ms() as u64 + 1000))
        .arg("c")
        .arg(&b"\x00\x01short"[..])
        .query(&mut raw)
        .unwrap();
    let err = Persistence::start(&Pipeline::default(), options(&url))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is damaged")
            && err.contains("database's own tools")
            && !err.contains("sqlite3"),
        "{err}"
    );
    let entries: i64 = redis::cmd("XLEN")
        .arg(format!("streamviz:points:{sid}"))
        .query(&mut raw)
        .unwrap();
    assert_eq!(entries, 2, "left as it is");
}

#[test]
fn a_named_server_restarted_on_the_shared_store_takes_nothing_twice() {
    use streamviz::ingest::push::apply_push;
    use streamviz::relay::{Relay, RelayOptions};
    let redis = RedisServer::start();
    let url = redis.url();
    let start = |name: Option<&str>| {
        let pipeline = Pipeline::default();
        let store = Persistence::start(&pipeline, options(&url)).unwrap();
        let relay = Relay::start(
            &pipeline,
            RelayOptions {
                name: name.map(str::to_owned),
                ..RelayOptions::new(url.clone())
            },
        )
        .unwrap();
        wait_until("the relay connects", || relay.stats().connected);
        (pipeline, relay, store)
    };
    let push = |pipeline: &Pipeline, values: std::ops::Range<i32>| {
        let points: Vec<serde_json::Value> = values
            .map(|i| json!([1_700_000_000_000.0 + f64::from(i), i]))
            .collect();
        apply_push(
            pipeline,
            &json!({"updates": [{"widget": "cpu", "points": points}]}).to_string(),
        )
        .unwrap();
    };
    let (a, relay_a, store_a) = start(Some("a"));
    let (b, relay_b, store_b) = start(None);
    apply_push(
        &a,
        &json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"max_points": 1000}}]})
            .to_string(),
    )
    .unwrap();
    push(&a, 0..10);
    wait_until("b has a's points", || {
        common::ring_values(&b, "cpu").len() == 10
    });
    assert!(a.flush(TIMEOUT) && store_a.flush(TIMEOUT));
    relay_a.stop();
    store_a.stop();
    drop(a);
    // While a is down, b takes more: stored by b in the shared store, and in the stream.
    let published = relay_b.stats().published;
    push(&b, 10..20);
    assert!(b.flush(TIMEOUT) && store_b.flush(TIMEOUT));
    // Stored and in the stream both before a starts again (what b relays but has not stored
    // when a starts: `servers_starting_on_the_shared_store_mid_stream_take_every_point_once`).
    wait_until("b has published them", || {
        let stats = relay_b.stats();
        stats.published > published && stats.waiting == 0
    });
    let (a, _relay_a, _store_a) = start(Some("a"));
    assert_eq!(
        common::ring_values(&a, "cpu"),
        (0..20).map(f64::from).collect::<Vec<_>>(),
        "restored from the shared store"
    );
    push(&b, 20..21);
    wait_until("a has what b takes now", || {
        common::ring_values(&a, "cpu").last() == Some(&20.0)
    });
    assert_eq!(
        common::ring_values(&a, "cpu"),
        (0..21).map(f64::from).collect::<Vec<_>>(),
        "nothing taken again from the stream"
    );
}

/// Servers starting on the shared store while a peer streams take every point once: what the
/// store held when each loaded, from the store; the rest (relayed before or after, stored
/// later: the peer's store lags its relay by up to its flush interval), from the relay. Two
/// start at once, the second loading after the first's hold.
#[test]
fn servers_starting_on_the_shared_store_mid_stream_take_every_point_once() {
    use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use std::sync::Arc;
    use streamviz::ingest::push::apply_push;
    use streamviz::relay::{Relay, RelayOptions};
    let redis = RedisServer::start();
    let url = redis.url();
    let start = |flush_ms: u64| {
        let pipeline = Pipeline::default();
        let store = Persistence::start(
            &pipeline,
            StoreOptions {
                flush_interval: Duration::from_millis(flush_ms),
                ..options(&url)
            },
        )
        .unwrap();
        let relay = Relay::start(&pipeline, RelayOptions::new(url.clone())).unwrap();
        wait_until("the relay connects", || relay.stats().connected);
        (pipeline, relay, store)
    };
    let (b, relay_b, store_b) = start(300);
    apply_push(
        &b,
        &json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"max_points": 100_000}},
                            {"id": "end", "kind": "text"}]})
        .to_string(),
    )
    .unwrap();
    // A producer on b: 20 points a push, values counting up, until told to stop.
    let sent = Arc::new(AtomicU32::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let producer = {
        let (b, sent, stop) = (b.clone(), Arc::clone(&sent), Arc::clone(&stop));
        let thread = std::thread::Builder::new().name("producer".into());
        thread
            .spawn(move || {
                let t0 = now_ms();
                while !stop.load(Ordering::Relaxed) {
                    let first = sent.load(Ordering::Relaxed);
                    let points: Vec<serde_json::Value> = (first..first + 20)
                        .map(|i| json!([t0 + f64::from(i), i]))
                        .collect();
                    let body = json!({"updates": [{"widget": "cpu", "points": points}]});
                    apply_push(&b, &body.to_string()).unwrap();
                    sent.store(first + 20, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_micros(500));
                }
            })
            .unwrap()
    };
    wait_until("b has stored some", || {
        store_b.stats().points_stored >= 2_000
    });
    // Two servers start at once (their loads take turns under the hold).
    let joining = std::thread::scope(|scope| {
        let first = scope.spawn(|| start(200));
        let second = scope.spawn(|| start(200));
        [first.join().unwrap(), second.join().unwrap()]
    });
    let at_start = sent.load(Ordering::Relaxed);
    wait_until("b sends more after they started", || {
        sent.load(Ordering::Relaxed) >= at_start + 4_000
    });
    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    let total = sent.load(Ordering::Relaxed);
    // A last message after every point: once a server has it, it has read every point b relayed.
    apply_push(
        &b,
        &json!({"updates": [{"widget": "end", "text": "done"}]}).to_string(),
    )
    .unwrap();
    for (a, relay_a, store_a) in &joining {
        wait_until(
            "a has b's last message",
            || matches!(a.engine().widget("end"), Some((_, streamviz::engine::WidgetData::Text(t))) if t == "done"),
        );
        let restored = store_a.stats().points_restored;
        assert!(
            restored > 0 && restored < u64::from(total),
            "a loaded part from the store ({restored} of {total}) and took the rest from the relay"
        );
        assert_eq!(
            common::ring_values(a, "cpu"),
            (0..total).map(f64::from).collect::<Vec<_>>(),
            "every point once, in order"
        );
        assert_eq!(relay_a.stats().refused, 0);
    }
    assert!(b.flush(TIMEOUT) && store_b.flush(TIMEOUT));
    assert_eq!(
        store_b.stats().last_error,
        None,
        "b's writes waiting while a loaded is not an error"
    );
    let mut stored = common::stores::stored_values(&store_b, "cpu");
    stored.sort_by(f64::total_cmp);
    assert_eq!(
        stored,
        (0..total).map(f64::from).collect::<Vec<_>>(),
        "each point stored once"
    );
    assert_eq!(relay_b.stats().lost, 0);
}

/// While another server loads the shared store (its hold, `streamviz:loading`), a writer stores
/// nothing, says no error and keeps its journal (counted in `paused_writes`); a flush waits for
/// the hold to end and then stores all of it. A server that loaded lets go of its own hold.
#[test]
fn writes_wait_while_another_server_loads_the_shared_store() {
    let redis = RedisServer::start();
    let url = redis.url();
    let b = Pipeline::default();
    let store = Persistence::start(&b, options(&url)).unwrap();
    let mut raw = redis.connection();
    let held = |raw: &mut redis::Connection| -> bool {
        redis::cmd("EXISTS")
            .arg("streamviz:loading")
            .query(raw)
            .unwrap()
    };
    assert!(!held(&mut raw), "a server lets go of its hold once loaded");
    let cpu = declare(&b, "cpu", "metric", json!({"max_points": 100}));
    redis::cmd("SET")
        .arg("streamviz:loading")
        .arg("another server")
        .arg("PX")
        .arg(60_000)
        .query::<()>(&mut raw)
        .unwrap();
    let now = now_ms();
    for i in 0..10 {
        let point = Update::Point {
            widget: cpu.widget,
            ts_ms: now + f64::from(i),
            value: f64::from(i),
        };
        b.send(point, &cpu.dropped);
    }
    assert!(b.flush(TIMEOUT));
    std::thread::scope(|scope| {
        let flushed = scope.spawn(|| store.flush(TIMEOUT));
        wait_until("a write waits for the hold", || {
            store.stats().paused_writes > 0
        });
        let stats = store.stats();
        assert_eq!((stats.points_stored, stats.last_error), (0, None));
        assert!(common::stores::stored_values(&store, "cpu").is_empty());
        redis::cmd("DEL")
            .arg("streamviz:loading")
            .query::<()>(&mut raw)
            .unwrap();
        assert!(
            flushed.join().unwrap(),
            "the flush waited for the hold to end"
        );
    });
    assert_eq!(
        common::stores::stored_values(&store, "cpu"),
        (0..10).map(f64::from).collect::<Vec<_>>()
    );
    assert_eq!(store.stats().updates_lost, 0);
}

/// What one server of a shared store purges and clears includes what another stored after it
/// started (series it never cached).
#[test]
fn a_server_purges_and_clears_what_another_stored_after_it_started() {
    let redis = RedisServer::start();
    let url = redis.url();
    let a = Pipeline::default();
    let store_a = Persistence::start(
        &a,
        StoreOptions {
            retention: Some(Duration::from_secs(3600)),
            // Every pass of the writer purges: a flush is answered after it.
            purge_interval: Duration::ZERO,
            ..options(&url)
        },
    )
    .unwrap();
    let b = Pipeline::default();
    let store_b = Persistence::start(&b, options(&url)).unwrap();
    let now = now_ms();
    let handles = [
        declare(&b, "cpu", "metric", json!({})),
        declare(&b, "mem", "metric", json!({})),
    ];
    // Two writes: a chunk of 2 h ago, and one of now.
    for (ts_ms, value) in [(now - 7_200_000.0, 1.0), (now, 2.0)] {
        for handle in &handles {
            b.send(
                Update::Point {
                    widget: handle.widget,
                    ts_ms,
                    value,
                },
                &handle.dropped,
            );
        }
        assert!(b.flush(TIMEOUT) && store_b.flush(TIMEOUT));
    }
    let mut raw = redis.connection();
    let chunks = |raw: &mut redis::Connection, widget: &str| -> i64 {
        let sid = series_id(raw, widget);
        redis::cmd("XLEN")
            .arg(format!("streamviz:points:{sid}"))
            .query(raw)
            .unwrap()
    };
    // a learns of b's series only from the store.
    let cpu = declare(&a, "cpu", "metric", json!({}));
    a.send(Update::Clear { widget: cpu.widget }, &cpu.dropped);
    assert!(a.flush(TIMEOUT) && store_a.flush(TIMEOUT));
    let stored = |widget: &str| common::stores::stored_values(&store_b, widget);
    assert_eq!(stored("cpu"), Vec::<f64>::new(), "cleared by a");
    assert_eq!(chunks(&mut raw, "cpu"), 0);
    assert_eq!(stored("mem"), [2.0]);
    assert_eq!(
        chunks(&mut raw, "mem"),
        1,
        "the chunk of 2 h ago purged by a"
    );
}
