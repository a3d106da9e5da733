//! Alerts in the native viewer, drawn headless through egui_kittest (wgpu on Mesa): a firing
//! widget's card in its rule's severity colour with a badge (the message on hover), the header's
//! count, the alerts panel (against tests/snapshots/viewer_alerts.png; look at it after
//! `UPDATE_SNAPSHOTS=1`), a mirror of a producer, and a replay as of the scrubbed time.

#![cfg(all(
    feature = "gui",
    feature = "sqlite",
    feature = "web",
    feature = "client"
))]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use serde_json::{json, Value};
use streamviz::engine::{AlertState, Severity};
use streamviz::gui::{Source, Viewer};
use streamviz::history::SharedHistory;
use streamviz::ingest::mirror::Mirror;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;
use streamviz::store::open_recording;

/// 2023-11-14 22:13:20 UTC: fixed timestamps make the pictures repeatable.
const T0: f64 = 1_700_000_000_000.0;

fn push(pipeline: &Pipeline, body: Value) {
    apply_push(pipeline, &body.to_string()).unwrap();
    assert!(pipeline.flush(Duration::from_secs(10)));
}

fn series(values: impl Fn(f64) -> f64) -> Vec<Value> {
    (0..120)
        .map(|i| {
            let t = f64::from(i) * 500.0;
            json!([T0 + t, values(f64::from(i))])
        })
        .collect()
}

/// CPU fires a critical rule, memory is below its warning rule, disk has no data rule pending,
/// and a line chart's series fires an info rule.
fn alerting() -> Pipeline {
    let pipeline = Pipeline::default();
    push(
        &pipeline,
        json!({"widgets": [
            {"id": "cpu", "kind": "metric", "options": {"title": "CPU", "unit": "%"}},
            {"id": "mem", "kind": "metric", "options": {"title": "Memory", "unit": "%"}},
            {"id": "temps", "kind": "line_chart", "options": {"title": "Temperatures",
                "series": [{"name": "gpu"}]}}
        ], "alerts": [
            {"name": "cpu-high", "widget": "cpu", "above": 90, "recover_below": 80,
                "severity": "critical", "message": "CPU {value:.0f}% on {widget}"},
            {"name": "mem-high", "widget": "mem", "above": 95, "severity": "warning"},
            {"name": "gpu-hot", "widget": "temps", "series": "gpu", "above": 80,
                "severity": "info", "message": "GPU at {value:.0f}°C"}
        ]}),
    );
    push(
        &pipeline,
        json!({"updates": [
            {"widget": "cpu", "points": series(|i| if i < 100.0 { 60.0 + i / 4.0 } else { 96.0 })},
            {"widget": "mem", "points": series(|i| 40.0 + i / 10.0)},
            {"widget": "temps", "series": "gpu", "points": series(|i| 70.0 + i / 10.0)}
        ]}),
    );
    pipeline
}

fn harness(source: Source) -> Harness<'static, Viewer> {
    common::viewer_harness(source, [1280.0, 900.0])
}

fn label_exists(harness: &Harness<'_, Viewer>, text: &str) -> bool {
    harness.query_by_label(text).is_some()
}

#[test]
fn a_firing_widget_shows_its_severity_and_the_panel_lists_every_rule() {
    let mut harness = harness(Source::Local(alerting()));
    let viewer = harness.state();
    let cpu = viewer.alerts().card("cpu").cloned().unwrap();
    assert_eq!(
        (cpu.severity, cpu.state, cpu.message.as_str()),
        (Severity::Critical, AlertState::Firing, "CPU 96% on cpu")
    );
    let gpu = viewer.alerts().card("temps").cloned().unwrap();
    assert_eq!(
        (gpu.severity, gpu.message.as_str()),
        (Severity::Info, "GPU at 80°C")
    );
    assert!(viewer.alerts().card("mem").is_none(), "memory is normal");
    // The header counts them; each firing card has its badge.
    assert!(label_exists(&harness, "⏺ 2 firing"));
    assert_eq!(harness.query_all_by_label("⏺ FIRING").count(), 2);

    // The message on hover.
    harness.get_all_by_label("⏺ FIRING").next().unwrap().hover();
    // Tooltips wait for the pointer to rest (egui's tooltip delay): a second of frames.
    harness.run_steps(20);
    let messages = ["CPU 96% on cpu", "GPU at 80°C"];
    assert!(
        messages.iter().any(|m| label_exists(&harness, m)),
        "a tooltip with the rule's message"
    );

    // The panel: every rule's state and the transitions, newest first.
    harness.get_by_label("⏺ 2 firing").click();
    harness.run_steps(3);
    assert!(label_exists(&harness, "Recent transitions"));
    for rule in ["cpu-high", "mem-high", "gpu-hot", "temps.gpu"] {
        assert!(label_exists(&harness, rule), "{rule} in the panel");
    }
    let fired = harness
        .query_all_by_label_contains("cpu-high: normal -> firing")
        .count();
    assert_eq!(fired, 1, "one transition of cpu-high");
    harness.snapshot("viewer_alerts");

    // The panel closes again.
    harness.get_by_label("⏺ 2 firing").click();
    harness.run_steps(2);
    assert!(!label_exists(&harness, "Recent transitions"));
}

#[test]
fn a_rule_resolving_clears_the_card_and_the_count() {
    let pipeline = alerting();
    let mut harness = harness(Source::Local(pipeline.clone()));
    assert!(label_exists(&harness, "⏺ 2 firing"));
    push(
        &pipeline,
        json!({"updates": [{"widget": "cpu", "points": [[T0 + 70_000.0, 50.0]]}]}),
    );
    harness.run_steps(2);
    assert!(harness.state().alerts().card("cpu").is_none());
    assert!(label_exists(&harness, "⏺ 1 firing"));
    assert_eq!(harness.query_all_by_label("⏺ FIRING").count(), 1);
}

#[test]
fn a_viewer_of_a_remote_producer_shows_its_alerts() {
    let producer = alerting();
    let server = common::start_server(&producer, 0, SharedHistory::default());
    let mirror = Mirror::start(&server.base_url()).unwrap();
    // Wait, message by message, for the producer's states.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0;
    while mirror.pipeline().engine().alerts().view().active() < 2 {
        assert!(
            Instant::now() < deadline,
            "no alerts came: {:?}",
            mirror.status()
        );
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
    let harness = harness(Source::Mirror(mirror));
    assert!(label_exists(&harness, "⏺ 2 firing"));
    let cpu = harness.state().alerts().card("cpu").cloned().unwrap();
    assert_eq!(cpu.message, "CPU 96% on cpu");
}

#[test]
fn a_replay_shows_which_alerts_fired_at_the_scrubbed_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recording.db");
    common::record(&path, |pipeline, _| {
        push(
            pipeline,
            json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"title": "CPU"}}],
                "alerts": [{"name": "cpu-high", "widget": "cpu", "above": 90,
                    "severity": "critical", "message": "CPU {value:.0f}%"}]}),
        );
        // Fires at 10 s, resolves at 20 s.
        let points: Vec<Value> = (0..40)
            .map(|i| {
                json!([
                    T0 + f64::from(i) * 1000.0,
                    if (10..20).contains(&i) { 95 } else { 60 }
                ])
            })
            .collect();
        push(
            pipeline,
            json!({"updates": [{"widget": "cpu", "points": points}]}),
        );
    });
    let pipeline = Pipeline::default();
    let recording = open_recording(&pipeline, &path).unwrap();
    let source = Source::Stored {
        pipeline,
        history: recording.history,
    };
    let mut harness = harness(source);
    harness.state_mut().set_recording(recording.span.unwrap());
    let at = |harness: &mut Harness<'static, Viewer>, t: f64| {
        harness.state_mut().seek(T0 + t);
        harness.run_steps(1);
        assert!(harness
            .state_mut()
            .wait_for_history(Duration::from_secs(10)));
        harness.run_steps(2);
        (
            harness.state().alerts().card("cpu").map(|c| c.state),
            label_exists(harness, "⏺ 1 firing"),
        )
    };
    assert_eq!(at(&mut harness, 15_000.0), (Some(AlertState::Firing), true));
    assert_eq!(at(&mut harness, 25_000.0), (None, false));
    assert!(label_exists(&harness, "Alerts: none firing"));
    assert_eq!(at(&mut harness, 5_000.0), (None, false));
    assert_eq!(at(&mut harness, 12_000.0), (Some(AlertState::Firing), true));
}
