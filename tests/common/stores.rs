//! Persistence scenarios every backend passes (SQLite, PostgreSQL, Redis): each takes how to
//! open the store, and is run by `persistence.rs`, `alert_store.rs`, `postgres.rs` and
//! `redis_store.rs`.

use std::time::Duration;

use crossbeam_channel::Receiver;
use serde_json::{json, Value};
use streamviz::clock::now_ms;
use streamviz::engine::{AlertState, Transition};
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;
use streamviz::store::{Persistence, StoreOptions};
use streamviz::Update;

use super::{dashboard, declare, wait_until};

const TIMEOUT: Duration = Duration::from_secs(10);

/// 2023-11-14 22:13:20 UTC.
pub const T0: f64 = 1_700_000_000_000.0;

/// Push `body` and wait until it is applied.
pub fn push(pipeline: &Pipeline, body: Value) {
    apply_push(pipeline, &body.to_string()).unwrap();
    assert!(pipeline.flush(TIMEOUT));
}

/// The rule `cpu-high` (above 90, recovering below 80), with `webhook` if given.
pub fn rule(webhook: Option<&str>) -> Value {
    let mut rule = json!({"name": "cpu-high", "widget": "cpu", "above": 90, "recover_below": 80,
        "severity": "critical", "message": "CPU {value:.0f}%"});
    if let Some(url) = webhook {
        rule["webhook"] = json!(url);
    }
    rule
}

/// Points of `cpu`, at `T0` + each time.
pub fn points(pipeline: &Pipeline, points: &[(f64, f64)]) {
    let points: Vec<Value> = points.iter().map(|(t, v)| json!([T0 + t, v])).collect();
    push(
        pipeline,
        json!({"updates": [{"widget": "cpu", "points": points}]}),
    );
}

/// Every transition the engine makes from now on.
pub fn listen(pipeline: &Pipeline) -> Receiver<Transition> {
    let (tell, heard) = crossbeam_channel::bounded(64);
    pipeline.engine().subscribe_alerts(tell);
    heard
}

/// A rule's state now.
pub fn state_of(pipeline: &Pipeline, rule: &str) -> streamviz::engine::AlertStatus {
    let engine = pipeline.engine();
    let states = engine.alerts().states();
    states.into_iter().find(|s| &*s.rule == rule).unwrap()
}

/// A windowed metric stores its windows (not the raw points), and a new process loads them
/// and goes on from them.
pub fn windows_load_back(options: impl Fn() -> StoreOptions) {
    let window = json!({"window": "1s", "aggregation": "sum"});
    let t0 = (now_ms() / 1000.0).floor() * 1000.0 - 60_000.0;
    let send = |pipeline: &Pipeline, from: i32, to: i32| {
        let orders = declare(pipeline, "orders", "metric", window.clone());
        for i in from..to {
            pipeline.send(
                Update::Point {
                    widget: orders.widget,
                    ts_ms: t0 + f64::from(i) * 100.0,
                    value: 1.0,
                },
                &orders.dropped,
            );
        }
        assert!(pipeline.flush(TIMEOUT));
    };
    let first = Pipeline::default();
    let store = Persistence::start(&first, options()).unwrap();
    send(&first, 0, 55); // five closed windows of 10, one open with 5
    assert!(store.flush(TIMEOUT));
    assert_eq!(
        store.stats().points_stored,
        5,
        "the windows, not the raw points"
    );
    let stored = dashboard(&first)[1]["data"]["points"].clone();
    store.stop();
    drop(first);

    let second = Pipeline::default();
    let store = Persistence::start(&second, options()).unwrap();
    let loaded = dashboard(&second);
    assert_eq!(
        loaded[1]["data"]["points"], stored,
        "the windows come back as they were"
    );
    assert_eq!(
        loaded[1]["data"]["partial"],
        json!(null),
        "the open window died with its process"
    );
    // The producer declares the metric again and goes on: new windows close after the old ones.
    send(&second, 60, 85);
    let points = dashboard(&second)[1]["data"]["points"].clone();
    let values: Vec<f64> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[1].as_f64().unwrap())
        .collect();
    assert_eq!(values, vec![10.0, 10.0, 10.0, 10.0, 10.0, 10.0, 10.0]);
    assert!(store.flush(TIMEOUT));
    assert_eq!(store.stats().points_stored, 2);
    store.stop();
}

pub fn restored_ring(options: StoreOptions, id: &str) -> Vec<(f64, f64)> {
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options).unwrap();
    let engine = pipeline.engine();
    let Some((_, streamviz::engine::WidgetData::Series(ring))) = engine.widget(id) else {
        panic!("{id} is restored")
    };
    let points = ring.iter().collect();
    drop(engine);
    store.stop();
    points
}

/// Many writes of a series leave many chunks, some spanning others in time: loading keeps
/// exactly the newest points by time, and a range reads every stored point in time order.
pub fn newest_and_ranges(options: impl Fn() -> StoreOptions) {
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options()).unwrap();
    let cpu = declare(&pipeline, "cpu", "metric", json!({"max_points": 100}));
    // 20 writes of 50 points; every other write goes back before the one it follows.
    let mut sent = Vec::new();
    for write in 0..20 {
        let base = 1_000_000
            + if write % 2 == 0 {
                write * 1000
            } else {
                (write - 1) * 1000 - 500
            };
        let points: Vec<(f64, f64)> = (0..50)
            .map(|i| (f64::from(base + i * 10), f64::from(write)))
            .collect();
        sent.extend(points.iter().copied());
        pipeline.send(
            Update::Points {
                widget: cpu.widget,
                series: u32::MAX,
                points: Box::new(points),
            },
            &cpu.dropped,
        );
        assert!(pipeline.flush(TIMEOUT) && store.flush(TIMEOUT));
    }
    sent.sort_by(|a, b| a.0.total_cmp(&b.0));
    let read = store
        .history()
        .points("cpu", "", f64::NEG_INFINITY, f64::INFINITY)
        .unwrap();
    assert_eq!(read, sent);
    store.stop();

    let mut held = restored_ring(options(), "cpu");
    held.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert_eq!(held, sent[sent.len() - 100..]);
}

/// A firing rule stays firing after a restart and is not announced again; its resolution ends
/// the firing that began before.
pub fn firing_rule_survives_a_restart(options: impl Fn() -> StoreOptions) {
    let first = Pipeline::default();
    let store = Persistence::start(&first, options()).unwrap();
    push(
        &first,
        json!({"widgets": [{"id": "cpu", "kind": "metric"}], "alerts": [rule(None)]}),
    );
    points(&first, &[(0.0, 50.0), (1000.0, 95.0)]);
    let fired = state_of(&first, "cpu-high");
    assert_eq!(fired.state, AlertState::Firing);
    assert!(store.flush(TIMEOUT));
    store.stop();
    drop(first);

    // The next process: what listens (the notifier, callbacks) is there before the store loads.
    let second = Pipeline::default();
    let heard = listen(&second);
    let store = Persistence::start(&second, options()).unwrap();
    let resumed = state_of(&second, "cpu-high");
    assert_eq!(resumed.state, AlertState::Firing, "{resumed:?}");
    assert_eq!(resumed.active_since_ms, T0 + 1000.0);
    assert_eq!(resumed.message, "CPU 95%");
    let recent = second.engine().alerts().view().transitions;
    assert_eq!(
        recent.len(),
        1,
        "the stored transition is among the recent ones"
    );
    assert_eq!(
        (recent[0].from, recent[0].to),
        (AlertState::Normal, AlertState::Firing)
    );
    // The script declares its rule again, now with its webhook (stored rules have none): the
    // same rule, so it goes on firing.
    push(
        &second,
        json!({"alerts": [rule(Some("http://127.0.0.1:9/hook"))]}),
    );
    points(&second, &[(2000.0, 93.0)]);
    assert_eq!(state_of(&second, "cpu-high").state, AlertState::Firing);
    assert!(
        heard.try_recv().is_err(),
        "a rule that was firing is not announced again"
    );

    points(&second, &[(3000.0, 70.0)]);
    let resolved = heard.recv_timeout(TIMEOUT).unwrap();
    assert_eq!(
        (resolved.from, resolved.to),
        (AlertState::Firing, AlertState::Normal)
    );
    assert_eq!(
        resolved.active_since_ms,
        T0 + 1000.0,
        "the resolution ends the firing that began before the restart"
    );
    assert!(heard.try_recv().is_err(), "resolved once");
    assert!(store.flush(TIMEOUT));
    store.stop();
    drop(second);

    let third = Pipeline::default();
    let _store = Persistence::start(&third, options()).unwrap();
    assert_eq!(state_of(&third, "cpu-high").state, AlertState::Normal);
    assert_eq!(third.engine().alerts().view().transitions.len(), 2);
}

/// The values of a series the store holds, oldest first.
pub fn stored_values(store: &Persistence, widget: &str) -> Vec<f64> {
    store
        .history()
        .points(widget, "", f64::NEG_INFINITY, f64::INFINITY)
        .unwrap()
        .into_iter()
        .map(|p| p.1)
        .collect()
}

/// A store keeps points beyond the ring for range queries (a range inside one stored chunk
/// too); opened again with a retention of a day, it has purged the older ones and the ring
/// loads the newest it holds.
pub fn retention_and_history_past_the_ring(options: impl Fn() -> StoreOptions) {
    let first = Pipeline::default();
    let store = Persistence::start(&first, options()).unwrap();
    let cpu = declare(&first, "cpu", "metric", json!({"max_points": 2}));
    let now = now_ms();
    let hours_ago = |h: f64| now - h * 3_600_000.0;
    for (age_h, value) in [(48.0, 1.0), (30.0, 2.0), (2.0, 3.0), (1.0, 4.0), (0.0, 5.0)] {
        first.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: hours_ago(age_h),
                value,
            },
            &cpu.dropped,
        );
    }
    assert!(
        first.flush(TIMEOUT) && store.flush(TIMEOUT),
        "applied, then stored"
    );
    // The ring holds 2; the store has all 5 for a range query.
    assert_eq!(stored_values(&store, "cpu"), [1.0, 2.0, 3.0, 4.0, 5.0]);
    let window: Vec<f64> = store
        .history()
        .points("cpu", "", hours_ago(31.0), hours_ago(1.5))
        .unwrap()
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(window, [2.0, 3.0], "a range inside one stored chunk");
    store.stop();

    let second = Pipeline::default();
    let mut retained = options();
    retained.retention = Some(Duration::from_secs(24 * 3600));
    let store = Persistence::start(&second, retained).unwrap();
    assert_eq!(
        stored_values(&store, "cpu"),
        [3.0, 4.0, 5.0],
        "older than a day purged"
    );
    assert_eq!(
        super::ring_values(&second, "cpu"),
        [4.0, 5.0],
        "the ring loads the newest it holds"
    );
}

/// The database server goes away mid-stream (`away`) and comes back (`back`): the stats say so
/// meanwhile (naming the server, never a password), the batches are kept and stored once it is
/// back, none lost and none twice.
pub fn away_and_back(options: impl Fn() -> StoreOptions, away: impl FnOnce(), back: impl FnOnce()) {
    let pipeline = Pipeline::default();
    let mut fast = options();
    fast.flush_interval = Duration::from_millis(20);
    let store = Persistence::start(&pipeline, fast).unwrap();
    let cpu = declare(&pipeline, "cpu", "metric", json!({"max_points": 100000}));
    let now = now_ms();
    let send = |range: std::ops::Range<u32>| {
        for i in range {
            pipeline.send(
                Update::Point {
                    widget: cpu.widget,
                    ts_ms: now + f64::from(i),
                    value: f64::from(i),
                },
                &cpu.dropped,
            );
        }
    };
    send(0..1000);
    assert!(
        pipeline.flush(TIMEOUT) && store.flush(TIMEOUT),
        "applied, then stored"
    );
    away();
    send(1000..2000);
    wait_until("the stats say the database is away", || {
        store.stats().last_error.is_some()
    });
    let error = store.stats().last_error.unwrap();
    assert!(
        error.contains("127.0.0.1") && !error.contains("password"),
        "{error}"
    );
    back();
    wait_until("the kept batches are stored", || {
        let stats = store.stats();
        stats.last_error.is_none() && stats.points_stored == 2000
    });
    assert_eq!(store.stats().updates_lost, 0);
    store.stop();
    let again = Pipeline::default();
    let store = Persistence::start(&again, options()).unwrap();
    let stored = stored_values(&store, "cpu");
    assert_eq!(stored.len(), 2000, "none lost, none twice");
    assert!(stored.iter().enumerate().all(|(i, v)| *v == i as f64));
}

/// The store opened as a recording: its dashboard as stored, its span, and each widget as of a
/// time through its history.
pub fn opens_as_a_recording(options: impl Fn() -> StoreOptions, location: &std::path::Path) {
    let producer = Pipeline::default();
    let store = Persistence::start(&producer, options()).unwrap();
    declare(&producer, "events", "table", json!({}));
    let now = now_ms();
    let upsert = |key: &str, n: i64| {
        push(
            &producer,
            json!({"updates": [{"widget": "events", "upsert": [{"key": key, "row": {"n": n}}]}]}),
        );
        assert!(store.flush(TIMEOUT));
    };
    upsert("a", 1);
    let between = now_ms();
    // The next change stored strictly later, in a later whole millisecond (Redis stamps
    // changes in whole milliseconds).
    wait_until("the next millisecond", || now_ms().floor() > between);
    upsert("b", 2);
    let expected = dashboard(&producer);
    store.stop();

    let replay = Pipeline::default();
    let recording = streamviz::store::open_recording(&replay, location).unwrap();
    assert_eq!(recording.widgets, 1);
    let (first, last) = recording.span.unwrap();
    assert!(first >= now - 1.0 && last >= between, "{first} {last}");
    // The dashboard as stored, and each widget as of a time through the history.
    assert_eq!(dashboard(&replay)[1..], expected[1..]);
    let at_first = recording.history.changes("events", between).unwrap();
    assert_eq!(
        at_first.len(),
        1,
        "as of between the two, the first change only: {at_first:?}"
    );
    assert_eq!(
        recording
            .history
            .changes("events", f64::INFINITY)
            .unwrap()
            .len(),
        2
    );
}

/// A widget's state outlives the retention: a table and a text last changed longer ago than
/// the retention load back after a restart that purges (from the table's newest snapshot and
/// the change after it; the text from its only change). The wall clock has to pass the
/// retention, so the test waits 300 ms against a retention of 100 ms.
pub fn state_outlives_the_retention(options: impl Fn() -> StoreOptions) {
    use streamviz::engine::WidgetData;
    let first = Pipeline::default();
    let store = Persistence::start(
        &first,
        StoreOptions {
            snapshot_every: 2,
            ..options()
        },
    )
    .unwrap();
    let upsert =
        |key: &str, n: i32| json!({"widget": "events", "upsert": [{"key": key, "row": {"n": n}}]});
    push(
        &first,
        json!({"widgets": [{"id": "events", "kind": "table"}, {"id": "note", "kind": "text"}],
               "updates": [upsert("a", 1), upsert("b", 2)]}),
    );
    assert!(
        store.flush(TIMEOUT),
        "a and b stored, and a snapshot of both"
    );
    push(
        &first,
        json!({"updates": [upsert("c", 3), {"widget": "note", "text": "kept"}]}),
    );
    assert!(store.flush(TIMEOUT));
    store.stop();
    std::thread::sleep(Duration::from_millis(300));
    let second = Pipeline::default();
    let store = Persistence::start(
        &second,
        StoreOptions {
            retention: Some(Duration::from_millis(100)),
            ..options()
        },
    )
    .unwrap();
    let engine = second.engine();
    let keys: Vec<String> = match engine.widget("events") {
        Some((_, WidgetData::Table(table))) => table.iter().map(|(k, _)| k.to_owned()).collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(keys, ["a", "b", "c"], "the table as it was");
    assert!(
        matches!(engine.widget("note"), Some((_, WidgetData::Text(text))) if text == "kept"),
        "the text as it was"
    );
    drop(engine);
    store.stop();
}
