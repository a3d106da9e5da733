//! Several servers sharing one dashboard through a real Redis (`redis-server` from the
//! distribution, started on a free port in a temporary directory): what producers push to any
//! engine reaches every other, in order per widget, never applied twice; a windowed metric's
//! raw points are relayed so every server aggregates the same windows; Redis killed and started
//! again mid-stream loses nothing the publishers kept; a damaged message in the stream is
//! refused and counted; a server that joins later takes the dashboard and what the stream
//! holds.

#![allow(clippy::unwrap_used)]

mod common;

use common::ring_values as values;

use common::redis_server::{wait_until, RedisServer};

use std::time::Duration;

use serde_json::{json, Value};
use streamviz::engine::WidgetData;
use streamviz::history::SharedHistory;
use streamviz::ingest::mirror::Mirror;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;
use streamviz::relay::{Relay, RelayOptions};

fn server(redis: &RedisServer, stream: &str) -> (Pipeline, Relay) {
    let pipeline = Pipeline::default();
    let relay = Relay::start(
        &pipeline,
        RelayOptions {
            stream: stream.into(),
            ..RelayOptions::new(redis.url())
        },
    )
    .unwrap();
    wait_until("the relay connects", || relay.stats().connected);
    (pipeline, relay)
}

/// A Redis and two servers relaying through it on `stream`.
fn two_servers(stream: &str) -> (RedisServer, (Pipeline, Relay), (Pipeline, Relay)) {
    let redis = RedisServer::start();
    let a = server(&redis, stream);
    let b = server(&redis, stream);
    (redis, a, b)
}

fn push(pipeline: &Pipeline, body: Value) {
    apply_push(pipeline, &body.to_string()).unwrap();
}

/// The keys a table holds, in its order.
fn table_keys(pipeline: &Pipeline, id: &str) -> Vec<String> {
    let engine = pipeline.engine();
    match engine.widget(id) {
        Some((_, WidgetData::Table(table))) => table.iter().map(|(k, _)| k.to_string()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn producers_on_either_server_reach_both_once_and_in_order() {
    let (redis, (a, relay_a), (b, relay_b)) = two_servers("t1");
    push(
        &a,
        json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"max_points": 10000}},
                           {"id": "events", "kind": "table", "options": {"key": "id"}}]}),
    );
    wait_until("b knows the widgets", || {
        b.engine().widget("cpu").is_some() && b.engine().widget("events").is_some()
    });
    // Producers on both servers, interleaved; each server's points in its own order.
    for i in 0..200 {
        let (target, base) = if i % 2 == 0 { (&a, 0.0) } else { (&b, 1000.0) };
        push(
            target,
            json!({"updates": [{"widget": "cpu", "points": [[1.0e12 + i as f64, base + i as f64]]}]}),
        );
    }
    push(
        &b,
        json!({"updates": [{"widget": "events", "upsert": [{"row": {"id": 1, "msg": "x"}}, {"row": {"id": 2, "msg": "y"}}]},
                           {"widget": "events", "delete": [1]}]}),
    );
    wait_until("both hold every point", || {
        values(&a, "cpu").len() == 200 && values(&b, "cpu").len() == 200
    });
    wait_until("both hold the table", || {
        table_keys(&a, "events") == ["2"] && table_keys(&b, "events") == ["2"]
    });
    for pipeline in [&a, &b] {
        let held = values(pipeline, "cpu");
        let from_a: Vec<f64> = held.iter().copied().filter(|v| *v < 1000.0).collect();
        let from_b: Vec<f64> = held.iter().copied().filter(|v| *v >= 1000.0).collect();
        assert_eq!(
            from_a,
            (0..200).step_by(2).map(|i| i as f64).collect::<Vec<_>>()
        );
        assert_eq!(
            from_b,
            (1..200)
                .step_by(2)
                .map(|i| 1000.0 + i as f64)
                .collect::<Vec<_>>()
        );
        // Nothing applied twice: the engine counted exactly the 200 points and 3 row changes.
        assert_eq!(pipeline.engine().stats().points_accepted, 203);
    }
    let (sa, sb) = (relay_a.stats(), relay_b.stats());
    assert!(sa.connected && sb.connected);
    assert_eq!((sa.refused, sb.refused, sa.lost, sb.lost), (0, 0, 0, 0));
    // a applied b's 100 points and its three row changes; b applied a's 100 points.
    assert_eq!((sa.applied, sb.applied), (103, 100));
    assert_ne!(sa.origin, sb.origin);
    // The stats say it too, under `relay`, without the URL's credentials.
    let extra = a.extra_stats();
    assert_eq!(extra["relay"]["connected"], true);
    assert_eq!(
        extra["relay"]["redis"],
        format!("redis://127.0.0.1:{}/", redis.port)
    );
}

#[test]
fn a_windowed_metric_is_aggregated_by_each_server_from_the_raw_points() {
    let (_redis, (a, relay_a), (b, relay_b)) = two_servers("t2"); // kept running to the end
                                                                  // Another server's points arrive a little after the local ones: the lateness lets them in.
    push(
        &a,
        json!({"widgets": [{"id": "p95", "kind": "metric", "options": {"window": "1s", "aggregation": "max", "lateness": "5s"}}]}),
    );
    wait_until("b knows the widget", || b.engine().widget("p95").is_some());
    // Three windows of points, half pushed to each server; a point far later closes them.
    for i in 0..300 {
        let target = if i % 2 == 0 { &a } else { &b };
        let ts = 1.0e12 + (i / 100) as f64 * 1000.0 + (i % 100) as f64;
        push(
            target,
            json!({"updates": [{"widget": "p95", "points": [[ts, i as f64]]}]}),
        );
    }
    wait_until("each server has the other's 150 points", || {
        relay_a.stats().applied == 150 && relay_b.stats().applied == 150
    });
    push(
        &a,
        json!({"updates": [{"widget": "p95", "points": [[1.0e12 + 20000.0, 0.0]]}]}),
    );
    // Each window's maximum is the largest i in it, whichever server it was pushed to (the
    // empty windows up to the last point are one gap).
    let windows = |pipeline: &Pipeline| -> Vec<f64> {
        values(pipeline, "p95")
            .into_iter()
            .filter(|v| !v.is_nan())
            .collect()
    };
    let expected = vec![99.0, 199.0, 299.0];
    wait_until("both closed the three windows", || {
        windows(&a) == expected && windows(&b) == expected
    });
    assert_eq!(a.engine().late_points("p95"), Some(0));
    assert_eq!(b.engine().late_points("p95"), Some(0));
}

#[test]
fn redis_killed_and_started_again_mid_stream_loses_nothing_kept() {
    let (mut redis, (a, relay_a), (b, relay_b)) = two_servers("t3");
    push(
        &a,
        json!({"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 10000}}]}),
    );
    let send = |pipeline: &Pipeline, range: std::ops::Range<u32>| {
        for i in range {
            push(
                pipeline,
                json!({"updates": [{"widget": "m", "points": [[1.0e12 + i as f64, i as f64]]}]}),
            );
        }
    };
    send(&a, 0..100);
    wait_until("b has the first 100", || values(&b, "m").len() == 100);
    // A native viewer of b (its mirror) is told of b's relay as b's browsers are.
    let web = common::start_server(&b, 0, SharedHistory::default());
    let mirror = Mirror::start(&web.url()).unwrap();
    wait_until("the mirror hears b's relay is up", || {
        mirror.pipeline().engine().relay_connected() == Some(true)
    });
    redis.kill();
    wait_until("both see Redis gone", || {
        !relay_a.stats().connected && !relay_b.stats().connected
    });
    wait_until("the mirror hears b's relay is down", || {
        mirror.pipeline().engine().relay_connected() == Some(false)
    });
    // Local-only meanwhile: a's producers still land on a, and the error says why.
    send(&a, 100..200);
    assert!(a.flush(Duration::from_secs(5)));
    assert_eq!(values(&a, "m").len(), 200);
    assert_eq!(values(&b, "m").len(), 100);
    wait_until("a keeps what it could not send", || {
        relay_a.stats().waiting > 0
    });
    let down = relay_a.stats();
    assert!(down.disconnects >= 1);
    assert!(
        down.last_error
            .as_deref()
            .unwrap_or("")
            .contains("127.0.0.1"),
        "{down:?}"
    );
    redis.run();
    send(&a, 200..300);
    wait_until("b has all 300 after Redis came back", || {
        values(&b, "m").len() == 300
    });
    let held = values(&b, "m");
    assert_eq!(
        held,
        (0..300).map(f64::from).collect::<Vec<_>>(),
        "in order, none twice"
    );
    wait_until("both connected again", || {
        relay_a.stats().connected && relay_b.stats().connected
    });
    wait_until("the mirror hears b's relay is up again", || {
        mirror.pipeline().engine().relay_connected() == Some(true)
    });
    mirror.stop();
    web.stop();
    let healed = relay_a.stats();
    assert_eq!(
        (healed.waiting, healed.lost, healed.messages_lost),
        (0, 0, 0)
    );
    assert_eq!(healed.last_error, None);
}

#[test]
fn a_damaged_message_in_the_stream_is_refused_and_counted() {
    let redis = RedisServer::start();
    let (a, relay_a) = server(&redis, "t4");
    push(&a, json!({"widgets": [{"id": "m", "kind": "metric"}]}));
    let mut raw = redis.connection();
    // Three refused, a damaged config taken as nothing, then a good one.
    for message in [
        "not json",
        r#"{"type":"push","updates":[{"widget":"m","value":"NaN?"}]}"#,
        r#"{"type":"push","updates":[{"widget":"nope","value":1}]}"#,
        r#"{"type":"config","widgets":"not a list"}"#,
        r#"{"type":"push","updates":[{"widget":"m","points":[[1e12,5]]}]}"#,
    ] {
        redis::cmd("XADD")
            .arg("t4")
            .arg("*")
            .arg("o")
            .arg("intruder")
            .arg("m")
            .arg(message)
            .query::<String>(&mut raw)
            .unwrap();
    }
    wait_until("the good message after them is applied", || {
        values(&a, "m") == [5.0]
    });
    let s = relay_a.stats();
    assert_eq!(s.refused, 3, "{s:?}");
    assert_eq!(s.received, 5);
    assert!(
        s.last_error.as_deref().unwrap_or("").contains("refused"),
        "{s:?}"
    );
    assert!(s.connected);
}

#[test]
fn a_server_that_joins_later_takes_the_dashboard_and_what_the_stream_holds() {
    let redis = RedisServer::start();
    let (a, _relay_a) = server(&redis, "t5");
    push(
        &a,
        json!({"widgets": [{"id": "m", "kind": "metric"}, {"id": "note", "kind": "text"}],
               "updates": [{"widget": "m", "points": [[1e12, 1], [1e12 + 1.0, 2]]}, {"widget": "note", "text": "hi"}]}),
    );
    let published = || _relay_a.stats().published;
    wait_until("a published", || published() >= 2);
    let (c, relay_c) = server(&redis, "t5");
    wait_until("c caught up", || values(&c, "m") == [1.0, 2.0]);
    match c.engine().widget("note") {
        Some((_, WidgetData::Text(text))) => assert_eq!(text, "hi"),
        other => panic!("{other:?}"),
    }
    // And what a sends from now on.
    push(
        &a,
        json!({"updates": [{"widget": "m", "value": 3, "ts_ms": 1e12 + 2.0}]}),
    );
    wait_until("c has the new point", || values(&c, "m") == [1.0, 2.0, 3.0]);
    assert_eq!(relay_c.stats().refused, 0);
}

#[test]
fn a_named_server_restarted_with_its_data_takes_what_it_missed_and_nothing_twice() {
    let redis = RedisServer::start();
    let (b, _relay_b) = server(&redis, "t6");
    let named = |pipeline: &Pipeline| {
        let relay = Relay::start(
            pipeline,
            RelayOptions {
                stream: "t6".into(),
                name: Some("sv-a".into()),
                ..RelayOptions::new(redis.url())
            },
        )
        .unwrap();
        wait_until("the named relay connects", || relay.stats().connected);
        relay
    };
    let a = Pipeline::default();
    let relay_a = named(&a);
    assert_eq!(relay_a.stats().origin, "sv-a");
    let points = |range: std::ops::Range<u32>| -> Value {
        json!(range
            .map(|i| json!([1.0e12 + i as f64, i]))
            .collect::<Vec<_>>())
    };
    push(
        &b,
        json!({"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 1000}}],
                    "updates": [{"widget": "m", "points": points(0..50)}]}),
    );
    push(
        &a,
        json!({"widgets": [{"id": "own", "kind": "metric"}],
                    "updates": [{"widget": "own", "points": points(0..3)}]}),
    );
    wait_until("a has b's first 50", || values(&a, "m").len() == 50);
    wait_until("b has a's", || values(&b, "own").len() == 3);
    relay_a.stop();
    // While a is down.
    push(
        &b,
        json!({"updates": [{"widget": "m", "points": points(50..100)}]}),
    );
    // a comes back with its database: an engine holding what a held.
    let a2 = Pipeline::default();
    push(
        &a2,
        json!({"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 1000}},
                                 {"id": "own", "kind": "metric"}],
                     "updates": [{"widget": "m", "points": points(0..50)}, {"widget": "own", "points": points(0..3)}]}),
    );
    let _relay_a2 = named(&a2);
    wait_until("a has what b took while it was down", || {
        values(&a2, "m").len() == 100
    });
    assert_eq!(
        values(&a2, "m"),
        (0..100).map(f64::from).collect::<Vec<_>>(),
        "none twice"
    );
    assert_eq!(
        values(&a2, "own"),
        [0.0, 1.0, 2.0],
        "its own earlier points not taken again"
    );
    // The same name with nothing restored takes the whole stream, its own earlier points too.
    drop(_relay_a2);
    let fresh = Pipeline::default();
    let _relay_fresh = named(&fresh);
    wait_until("a fresh one has everything", || {
        values(&fresh, "m").len() == 100 && values(&fresh, "own").len() == 3
    });
}
