//! Alerts in an engine: rules refused for what their widget is, evaluated on every path a point
//! takes (one by one, batches, line-chart series, windows' results), transitions told to
//! subscribers, listeners and the journal, and a replica taking its producer's states.

use crossbeam_channel::bounded;
use serde_json::json;

use super::{AlertState, Rule};
use crate::engine::{Engine, Update, WidgetHandle, WidgetSpec};

fn declare(engine: &mut Engine, id: &str, kind: &str, options: serde_json::Value) -> WidgetHandle {
    engine
        .declare(WidgetSpec::parse(id, kind, options).expect("spec"))
        .expect("declare")
}

fn alert(engine: &mut Engine, rule: serde_json::Value) -> Result<(), String> {
    Rule::from_json(rule)
        .and_then(|rule| engine.declare_alert(rule))
        .map_err(|err| err.to_string())
}

fn state(engine: &Engine, name: &str) -> AlertState {
    engine
        .alerts()
        .states()
        .into_iter()
        .find(|s| &*s.rule == name)
        .map(|s| s.state)
        .expect("rule")
}

#[test]
fn rules_are_refused_for_what_their_widget_is_and_change_nothing() {
    let mut engine = Engine::new();
    declare(&mut engine, "cpu", "metric", json!({}));
    declare(&mut engine, "rows", "table", json!({}));
    declare(&mut engine, "temps", "line_chart", json!({}));
    let revision = engine.config_revision();
    assert!(alert(&mut engine, json!({"widget": "nope", "above": 1}))
        .unwrap_err()
        .contains("unknown widget"));
    assert!(alert(&mut engine, json!({"widget": "rows", "above": 1}))
        .unwrap_err()
        .contains("alerts watch"));
    assert!(alert(&mut engine, json!({"widget": "temps", "above": 1}))
        .unwrap_err()
        .contains("name the series"));
    assert!(alert(
        &mut engine,
        json!({"widget": "cpu", "series": "x", "above": 1})
    )
    .unwrap_err()
    .contains("give no series"));
    assert!(engine.alerts().is_empty());
    assert_eq!(engine.config_revision(), revision);
    alert(&mut engine, json!({"widget": "cpu", "above": 1})).expect("a rule");
    assert_eq!(engine.config_view().alerts.len(), 1);
    let revision = engine.config_revision();
    alert(&mut engine, json!({"widget": "cpu", "above": 1})).expect("the same again");
    assert_eq!(engine.config_revision(), revision, "nothing changed");
}

#[test]
fn every_path_of_a_point_moves_the_rules() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    let temps = declare(
        &mut engine,
        "temps",
        "line_chart",
        json!({"series": [{"name": "gpu"}]}),
    );
    let p95 = declare(
        &mut engine,
        "lat",
        "metric",
        json!({"window": "1s", "aggregation": "max"}),
    );
    alert(
        &mut engine,
        json!({"name": "cpu", "widget": "cpu", "above": 90}),
    )
    .expect("rule");
    alert(
        &mut engine,
        json!({"name": "gpu", "widget": "temps", "series": "gpu", "below": 10}),
    )
    .expect("rule");
    // A rule on a series the chart does not have yet binds when it comes.
    alert(
        &mut engine,
        json!({"name": "fan", "widget": "temps", "series": "fan", "above": 5}),
    )
    .expect("rule");
    alert(
        &mut engine,
        json!({"name": "lat", "widget": "lat", "above": 100}),
    )
    .expect("rule");
    let (listener, heard) = bounded(16);
    engine.subscribe_alerts(listener);
    engine.set_recording(true);

    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 1.0,
        value: 95.0,
    });
    assert_eq!(state(&engine, "cpu"), AlertState::Firing);
    engine.apply(Update::Points {
        widget: cpu.widget,
        series: u32::MAX,
        points: Box::new(vec![(2.0, 99.0), (3.0, 50.0)]),
    });
    assert_eq!(state(&engine, "cpu"), AlertState::Normal);
    engine.apply(Update::SeriesPoint {
        widget: temps.widget,
        series: 0,
        ts_ms: 1.0,
        value: 5.0,
    });
    assert_eq!(state(&engine, "gpu"), AlertState::Firing);
    let fan = engine
        .series_index(
            temps.widget,
            crate::engine::SeriesOptions {
                name: "fan".into(),
                color: None,
                label: None,
            },
            false,
        )
        .expect("series");
    engine.apply(Update::SeriesPoint {
        widget: temps.widget,
        series: fan,
        ts_ms: 1.0,
        value: 9.0,
    });
    assert_eq!(state(&engine, "fan"), AlertState::Firing);
    // A windowed metric's rule watches its windows' results, not the raw points.
    engine.apply(Update::Point {
        widget: p95.widget,
        ts_ms: 100.0,
        value: 500.0,
    });
    assert_eq!(
        state(&engine, "lat"),
        AlertState::Normal,
        "the window is still open"
    );
    engine.apply(Update::Point {
        widget: p95.widget,
        ts_ms: 1500.0,
        value: 1.0,
    });
    assert_eq!(
        state(&engine, "lat"),
        AlertState::Firing,
        "its window closed at 500"
    );

    let told: Vec<(String, AlertState, AlertState)> = heard
        .try_iter()
        .map(|t| (t.rule.to_string(), t.from, t.to))
        .collect();
    use AlertState::{Firing, Normal};
    assert_eq!(
        told,
        [
            ("cpu".into(), Normal, Firing),
            ("cpu".into(), Firing, Normal),
            ("gpu".into(), Normal, Firing),
            ("fan".into(), Normal, Firing),
            ("lat".into(), Normal, Firing),
        ]
    );
    let deltas = engine.take_deltas();
    let alerts = deltas.alerts.expect("the states moved");
    assert_eq!(alerts.transitions.len(), 5);
    assert_eq!(alerts.active(), 3);
    assert!(engine.take_deltas().alerts.is_none(), "once");
    let transition = &engine.alerts().view().transitions[1];
    assert_eq!(transition.message, "cpu is 50 (above 90)");
    assert_eq!((transition.value, transition.ts_ms), (50.0, 3.0));
}

#[test]
fn no_data_by_the_wall_clock_and_a_replica_takes_its_producers_states() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    engine.set_journaling(true);
    // A listener with room for one transition: the second is counted, not waited for.
    let (listener, heard) = bounded(1);
    engine.subscribe_alerts(listener);
    alert(
        &mut engine,
        json!({"name": "quiet", "widget": "cpu", "no_data": "2s"}),
    )
    .expect("rule");
    assert!(engine.alerts().has_no_data());
    engine.check_alerts(10_000.0);
    engine.check_alerts(11_999.0);
    assert_eq!(state(&engine, "quiet"), AlertState::Normal);
    engine.check_alerts(12_000.0);
    assert_eq!(state(&engine, "quiet"), AlertState::NoData);
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 1.0,
        value: 1.0,
    });
    assert_eq!(state(&engine, "quiet"), AlertState::Normal);
    engine.check_alerts(13_000.0);
    engine.check_alerts(14_999.0);
    assert_eq!(
        state(&engine, "quiet"),
        AlertState::Normal,
        "a point came at 13 s"
    );
    let journal = engine.take_journal();
    assert_eq!(
        journal.alerts.0.len(),
        2,
        "both transitions kept for the store"
    );
    assert_eq!(heard.try_iter().count(), 1);
    assert_eq!(engine.stats().alert_transitions_dropped, 1);

    let mut replica = Engine::new();
    replica.set_replica(true);
    declare(&mut replica, "cpu", "metric", json!({}));
    for rule in engine.config_view().alerts {
        replica
            .declare_alert(Rule::new(rule).expect("rule"))
            .expect("declared");
    }
    replica.check_alerts(1e12);
    assert_eq!(
        state(&replica, "quiet"),
        AlertState::Normal,
        "a replica does not evaluate"
    );
    replica.set_alert_states(&engine.alerts().view(), true);
    let json = |e: &Engine| serde_json::to_string(&e.alerts().view()).expect("json");
    assert_eq!(json(&replica), json(&engine));
}

/// A pseudo-random walk with gaps around the thresholds of the rules below.
fn walk() -> Vec<(f64, f64)> {
    let mut seed = 7_u64;
    let points: Vec<(f64, f64)> = (0..20_000)
        .map(|i| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let r = (seed >> 33) as f64 / f64::from(1_u32 << 31);
            let value = if i % 97 == 0 {
                f64::NAN
            } else {
                35.0 + 40.0 * (r - 0.5) * ((i / 500) % 3) as f64
            };
            (f64::from(i), value)
        })
        .collect();
    points
}

#[test]
fn a_batch_moves_every_rule_exactly_as_its_points_one_by_one() {
    // A pseudo-random walk with gaps around the thresholds, for rules of every condition:
    // single points (through the widget's quiet band) move each rule as its machine stepped
    // through every point does, and batches (scanned for the first point meeting a rule at
    // rest) make the same transitions and leave the same states.
    let rules = [
        json!({"name": "above", "widget": "w", "above": 50, "recover_below": 45, "for": "3ms"}),
        json!({"name": "below", "widget": "w", "below": 20, "keep_firing_for": "5ms"}),
        json!({"name": "outside", "widget": "w", "outside": [10, 60]}),
    ];
    let run = |batched: bool| {
        let mut engine = Engine::new();
        let w = declare(&mut engine, "w", "metric", json!({"max_points": 100_000}));
        for rule in &rules {
            alert(&mut engine, rule.clone()).expect("rule");
        }
        let (tell, heard) = bounded(100_000);
        engine.subscribe_alerts(tell);
        let points = walk();
        if batched {
            for chunk in points.chunks(777) {
                engine.apply(Update::Points {
                    widget: w.widget,
                    series: u32::MAX,
                    points: Box::new(chunk.to_vec()),
                });
            }
        } else {
            for &(ts_ms, value) in &points {
                engine.apply(Update::Point {
                    widget: w.widget,
                    ts_ms,
                    value,
                });
            }
        }
        // Each rule's transitions in order (a batch is taken rule by rule, points one by one
        // interleave the rules).
        let mut moves: Vec<(String, AlertState, AlertState, f64)> = heard
            .try_iter()
            .map(|t| (t.rule.to_string(), t.from, t.to, t.ts_ms))
            .collect();
        moves.sort_by(|a, b| a.0.cmp(&b.0));
        (moves, format!("{:?}", engine.alerts().states()))
    };
    let (one_by_one, states) = run(false);
    // The reference: each rule's machine stepped through every point on its own (no quiet
    // band, no batch scan).
    let mut reference: Vec<(String, AlertState, AlertState, f64)> = Vec::new();
    for rule in &rules {
        let rule = Rule::from_json(rule.clone()).expect("rule");
        let mut machine = super::Machine::default();
        for (ts_ms, value) in walk() {
            if let Some(from) = machine.step(&rule, ts_ms, value) {
                reference.push((rule.spec.name.clone(), from, machine.state, ts_ms));
            }
        }
    }
    reference.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        one_by_one == reference,
        "single points moved the rules otherwise than their machines"
    );
    assert!(
        one_by_one.len() > 50,
        "the walk crosses the thresholds: {}",
        one_by_one.len()
    );
    let (batched, batched_states) = run(true);
    assert!(
        batched == one_by_one,
        "the batch path moved the rules otherwise"
    );
    assert_eq!(batched_states, states);
}

#[test]
fn a_gap_leaves_a_rules_last_value_as_it_was() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    alert(
        &mut engine,
        json!({"name": "hot", "widget": "cpu", "above": 90}),
    )
    .expect("rule");
    for (ts_ms, value) in [(1.0, 10.0), (2.0, 20.0), (3.0, f64::NAN)] {
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms,
            value,
        });
    }
    let status = &engine.alerts().states()[0];
    assert_eq!((status.state, status.value), (AlertState::Normal, 20.0));
}
