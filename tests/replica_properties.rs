//! Property test of the protocol's promise (proptest): what a client holds after a snapshot
//! (`config` and every `history`) and then any `data` messages equals a fresh snapshot of the
//! producer, for every widget kind (windowed metrics too: a tumbling p95 and a sliding mean) —
//! random pushes before the snapshot and after it, in ticks of random size, applied to a replica
//! engine as a mirror applies them.

#![allow(clippy::unwrap_used)]

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};
use streamviz::engine::{Engine, Snapshot};
use streamviz::protocol::{
    apply_message, apply_push_to, config_message, delta_messages, history_messages,
};

const T0: f64 = 1_700_000_000_000.0;

/// Every kind of widget, small enough for evictions to happen.
fn widgets() -> Value {
    json!({"widgets": [
        {"id": "cpu", "kind": "metric", "options": {"max_points": 40}},
        {"id": "lat", "kind": "metric", "options": {"max_points": 10, "window": "300ms", "aggregation": "p95"}},
        {"id": "mean", "kind": "metric", "options": {"max_points": 10, "window": "500ms", "slide": "200ms", "aggregation": "avg"}},
        {"id": "temps", "kind": "line_chart", "options": {"max_points": 30, "series": [{"name": "a"}, {"name": "b"}]}},
        {"id": "rps", "kind": "stat", "options": {"max_points": 20}},
        {"id": "disk", "kind": "gauge"},
        {"id": "traffic", "kind": "bar_chart"},
        {"id": "events", "kind": "table", "options": {"key": "id", "max_rows": 5}},
        {"id": "status", "kind": "text"},
        {"id": "notes", "kind": "markdown"},
        {"id": "load", "kind": "heatmap"}
    ]})
}

/// One push op, of any kind; times are filled in as they are applied (increasing).
#[derive(Debug, Clone)]
enum Op {
    Points(&'static str, Option<&'static str>, Vec<i32>),
    Value(&'static str, i32),
    Bars(Vec<(&'static str, i32)>),
    Upsert(u8, i32),
    Delete(u8),
    Clear(&'static str),
    Text(&'static str, String),
    Matrix(Vec<Vec<i32>>),
}

fn op() -> impl Strategy<Value = Op> {
    let category = prop_oneof![Just("US"), Just("EU"), Just("APAC")];
    prop_oneof![
        4 => vec(-100i32..100, 1..8).prop_map(|v| Op::Points("cpu", None, v)),
        3 => (prop_oneof![Just("lat"), Just("mean")], vec(-100i32..100, 1..40))
            .prop_map(|(w, v)| Op::Points(w, None, v)),
        3 => (prop_oneof![Just("a"), Just("b")], vec(-100i32..100, 1..6))
            .prop_map(|(s, v)| Op::Points("temps", Some(s), v)),
        2 => (prop_oneof![Just("rps"), Just("disk")], -100i32..100).prop_map(|(w, v)| Op::Value(w, v)),
        2 => vec((category, 0i32..1000), 1..4).prop_map(Op::Bars),
        3 => (0u8..8, -100i32..100).prop_map(|(k, v)| Op::Upsert(k, v)),
        1 => (0u8..8).prop_map(Op::Delete),
        1 => prop_oneof![Just("cpu"), Just("temps"), Just("rps"), Just("events"), Just("lat")].prop_map(Op::Clear),
        1 => (prop_oneof![Just("status"), Just("notes")], "[a-z *#]{0,20}").prop_map(|(w, t)| Op::Text(w, t)),
        1 => (1usize..4).prop_flat_map(|width| vec(vec(0i32..9, width), 1..4)).prop_map(Op::Matrix),
    ]
}

/// The op as JSON, its points stamped from `clock` onwards.
fn json_of(op: &Op, clock: &mut f64) -> Value {
    let mut stamp = || {
        *clock += 100.0;
        *clock
    };
    match op {
        Op::Points(widget, series, values) => {
            let points: Vec<Value> = values.iter().map(|v| json!([stamp(), v])).collect();
            match series {
                Some(series) => json!({"widget": widget, "series": series, "points": points}),
                None => json!({"widget": widget, "points": points}),
            }
        }
        Op::Value(widget, value) => json!({"widget": widget, "value": value, "ts_ms": stamp()}),
        Op::Bars(bars) => {
            let values: Vec<Value> = bars.iter().map(|(c, v)| json!([c, v])).collect();
            json!({"widget": "traffic", "values": values})
        }
        Op::Upsert(key, value) => {
            json!({"widget": "events", "upsert": [{"row": {"id": key, "v": value}}]})
        }
        Op::Delete(key) => json!({"widget": "events", "delete": [key.to_string()]}),
        Op::Clear(widget) => json!({"widget": widget, "clear": true}),
        Op::Text(widget, text) => json!({"widget": widget, "text": text}),
        Op::Matrix(matrix) => json!({"widget": "load", "matrix": matrix}),
    }
}

fn push(engine: &mut Engine, ops: &[Op], clock: &mut f64) {
    let updates: Vec<Value> = ops.iter().map(|op| json_of(op, clock)).collect();
    apply_push_to(engine, &json!({"updates": updates}).to_string()).unwrap();
}

/// The dashboard as a new client receives it: `config` and every `history`, as JSON.
fn dashboard(snapshot: &Snapshot) -> Vec<Value> {
    std::iter::once(config_message(&snapshot.config))
        .chain(history_messages(snapshot))
        .map(|m| serde_json::from_str(&m).unwrap())
        .collect()
}

/// The producer's dashboard and the replica's after `before`, a snapshot, then `ticks` as data
/// messages, compared after every tick.
fn follow(before: &[Op], ticks: &[Vec<Op>]) -> Result<(), TestCaseError> {
    let mut producer = Engine::new();
    producer.set_recording(true);
    apply_push_to(&mut producer, &widgets().to_string()).unwrap();
    let mut clock = T0;
    push(&mut producer, before, &mut clock);

    // A client starts: what was published so far is dropped, the snapshot holds it.
    let _ = producer.take_deltas();
    let mut replica = Engine::new();
    replica.set_replica(true);
    for message in dashboard(&producer.snapshot()) {
        apply_message(&mut replica, &message);
    }
    prop_assert_eq!(
        dashboard(&replica.snapshot()),
        dashboard(&producer.snapshot())
    );
    let mut seq = 0;
    for tick in ticks {
        push(&mut producer, tick, &mut clock);
        for message in delta_messages(&mut seq, &producer.take_deltas()) {
            apply_message(&mut replica, &serde_json::from_str(&message).unwrap());
        }
        prop_assert_eq!(
            dashboard(&replica.snapshot()),
            dashboard(&producer.snapshot())
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_snapshot_then_every_data_message_equals_a_fresh_snapshot(
        before in vec(op(), 0..30),
        ticks in vec(vec(op(), 0..12), 0..12),
    ) {
        follow(&before, &ticks)?;
    }
}

// What the property found, kept as plain tests.

#[test]
fn a_line_charts_clear_reaches_a_replica() {
    // A push refused `clear` on a line chart, so a mirror never emptied it.
    let points = Op::Points("temps", Some("a"), vec![1, 2, 3]);
    let before = [points.clone()];
    follow(&before, &[vec![Op::Clear("temps"), points]]).unwrap();
}

#[test]
fn one_bar_sent_several_times_in_a_tick_reaches_a_replica_with_its_last_value() {
    // An op held a slot twice and a later bar of the tick replaced only the first: the replica
    // applied the stale one last.
    let tick = vec![
        Op::Bars(vec![("APAC", 0), ("APAC", 0)]),
        Op::Bars(vec![("APAC", 1)]),
    ];
    follow(&[], &[tick]).unwrap();
}
