//! Alerts kept across processes, with real database files and the real binary: every transition
//! is stored; after a restart a firing rule stays firing and is not announced again; a recording
//! tells which rules fired at any time (to a native viewer through its history, to browsers
//! through `GET /api/v1/alerts?at=`); `streamviz serve --alerts FILE` declares rules at start
//! and logs each transition.

#![cfg(all(feature = "sqlite", feature = "web"))]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::Duration;

use serde_json::json;
use streamviz::engine::AlertState;
use streamviz::ingest::Pipeline;
use streamviz::store::{open_recording, Persistence, StoreOptions};

mod common;
use common::stores::{listen, points, push, rule, state_of, T0};

const TIMEOUT: Duration = Duration::from_secs(10);
#[test]
fn a_firing_rule_stays_firing_after_a_restart_and_is_not_announced_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    common::stores::firing_rule_survives_a_restart(|| StoreOptions::new(&path));
}

#[test]
fn a_rule_replaced_or_removed_is_stored_as_reset() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap();
    let heard = listen(&pipeline);
    let pending = json!({"name": "slow", "widget": "cpu", "above": 90, "for": "1m"});
    push(
        &pipeline,
        json!({"widgets": [{"id": "cpu", "kind": "metric"}], "alerts": [rule(None), pending]}),
    );
    points(&pipeline, &[(0.0, 95.0)]);
    assert_eq!(state_of(&pipeline, "slow").state, AlertState::Pending);
    // A changed rule starts again; the old one's end is an event (a firing one resolves).
    let mut changed = rule(None);
    changed["above"] = json!(99);
    push(&pipeline, json!({"alerts": [changed]}));
    let ends: Vec<(String, AlertState, AlertState)> = heard
        .try_iter()
        .map(|t| (t.rule.to_string(), t.from, t.to))
        .collect();
    assert_eq!(
        ends,
        vec![
            ("cpu-high".into(), AlertState::Normal, AlertState::Firing),
            ("slow".into(), AlertState::Normal, AlertState::Pending),
            ("cpu-high".into(), AlertState::Firing, AlertState::Normal),
        ]
    );
    // So is a removed rule's, even a pending one's: a rule of that name declared again later
    // does not resume a state that belonged to another.
    assert!(pipeline.engine().remove_alert("slow"));
    let removed: Vec<(String, AlertState)> = heard
        .try_iter()
        .map(|t| (t.rule.to_string(), t.to))
        .collect();
    assert_eq!(removed, vec![("slow".into(), AlertState::Normal)]);
    assert!(store.flush(TIMEOUT));
    store.stop();
    drop(pipeline);

    let again = Pipeline::default();
    let _store = Persistence::start(&again, StoreOptions::new(&path)).unwrap();
    let states: Vec<(String, AlertState)> = again
        .engine()
        .alerts()
        .states()
        .iter()
        .map(|s| (s.rule.to_string(), s.state))
        .collect();
    assert_eq!(states, vec![("cpu-high".into(), AlertState::Normal)]);
}

#[test]
fn a_rule_without_data_removed_is_stored_with_the_time_it_had_no_data() {
    // Its machine saw no point: the reset transition takes its state's time, not none (SQLite
    // refuses a transition without a time, and every later write with it).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.db");
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(&path)).unwrap();
    let heard = listen(&pipeline);
    push(
        &pipeline,
        json!({"widgets": [{"id": "queue", "kind": "metric"}],
            "alerts": [{"name": "quiet", "widget": "queue", "no_data": "1s"}]}),
    );
    pipeline.engine().check_alerts(T0);
    pipeline.engine().check_alerts(T0 + 2000.0);
    assert_eq!(state_of(&pipeline, "quiet").state, AlertState::NoData);
    assert!(pipeline.engine().remove_alert("quiet"));
    let times: Vec<(AlertState, f64)> = heard.try_iter().map(|t| (t.to, t.ts_ms)).collect();
    assert_eq!(
        times,
        vec![
            (AlertState::NoData, T0 + 2000.0),
            (AlertState::Normal, T0 + 2000.0)
        ]
    );
    assert!(store.flush(TIMEOUT), "stored");
    assert_eq!(store.stats().last_error, None);
}

/// A recording in which `cpu-high` fires at T0+10 s and resolves at T0+20 s.
fn record(path: &Path) {
    common::record(path, |pipeline, _| {
        push(
            pipeline,
            json!({"widgets": [{"id": "cpu", "kind": "metric", "options": {"max_points": 10}}],
                "alerts": [rule(None)]}),
        );
        let run: Vec<(f64, f64)> = (0..40)
            .map(|i| {
                let t = f64::from(i) * 1000.0;
                (t, if (10..20).contains(&i) { 95.0 } else { 60.0 })
            })
            .collect();
        points(pipeline, &run);
    });
}

#[test]
fn a_recording_tells_which_rules_fired_at_any_time() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("recording.db");
    record(&path);
    let replay = Pipeline::default();
    let recording = open_recording(&replay, &path).unwrap();
    let at = |t: f64| {
        let stored = recording.history.alerts(T0 + t).unwrap();
        let view = replay.engine().alerts().view().as_stored(stored);
        (view.states[0].state, view.transitions.len())
    };
    assert_eq!(at(5_000.0), (AlertState::Normal, 0), "before it fired");
    assert_eq!(at(15_000.0), (AlertState::Firing, 1));
    assert_eq!(at(25_000.0), (AlertState::Normal, 2));
    // The replica shows the recording's end, as stored.
    assert_eq!(state_of(&replay, "cpu-high").state, AlertState::Normal);

    let (served, base) = common::serve_recording(&path);
    let url = format!("{base}api/v1/alerts");
    let body = common::http_get_json(&format!("{url}?at={}", T0 + 15_000.0));
    assert_eq!(body["firing"], 1, "{body}");
    assert_eq!(body["states"][0]["state"], "firing");
    assert_eq!(body["states"][0]["since_ms"], T0 + 10_000.0);
    assert_eq!(body["rules"][0]["name"], "cpu-high");
    let body = common::http_get_json(&format!("{url}?at={}", T0 + 25_000.0));
    assert_eq!(body["firing"], 0, "{body}");
    assert_eq!(body["transitions"].as_array().unwrap().len(), 2);
    let (status, refused) = common::http(
        served.address(),
        "GET",
        "/api/v1/alerts?at=soon",
        &[("Host", &served.address())],
        "",
    );
    assert_eq!(status, 400, "{refused}");
    assert!(refused["error"].as_str().unwrap().contains("not a number"));
}

#[test]
fn a_live_server_has_no_alerts_as_of_a_time() {
    let pipeline = Pipeline::default();
    let server = common::start_server(&pipeline, 0, Default::default());
    let address = server.address().to_string();
    let (status, body) = common::http(
        &address,
        "GET",
        "/api/v1/alerts?at=1",
        &[("Host", &address)],
        "",
    );
    assert_eq!(status, 404, "{body}");
    assert!(body["error"].as_str().unwrap().contains("not a recording"));
}

#[test]
fn serve_declares_the_rules_of_a_file_and_logs_each_transition() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("alerts.json");
    std::fs::write(
        &file,
        json!({"widgets": [{"id": "cpu", "kind": "metric"}], "alerts": [rule(None)]}).to_string(),
    )
    .unwrap();
    let mut served = common::Served::start(&[
        "serve".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
        "--alerts".as_ref(),
        file.as_os_str(),
    ]);
    let address = served.address();
    let rules = common::http_get_json(&format!("http://{address}/api/v1/alerts"));
    assert_eq!(rules["rules"][0]["name"], "cpu-high", "{rules}");
    let body = json!({"updates": [{"widget": "cpu", "points": [[T0, 97.0], [T0 + 1000.0, 70.0]]}]});
    let headers = [
        ("Host", address.as_str()),
        ("Content-Type", "application/json"),
    ];
    let (status, answer) = common::http(
        &address,
        "POST",
        "/api/v1/push",
        &headers,
        &body.to_string(),
    );
    assert_eq!(status, 200, "{answer}");
    let mut logged = Vec::new();
    for line in served.lines.by_ref() {
        let line = line.unwrap();
        if line.contains("alert \"cpu-high\"") {
            logged.push(line);
        }
        if logged.len() == 2 {
            break;
        }
    }
    assert!(
        logged[0].contains("WARN")
            && logged[0].contains("(critical) on cpu: normal -> firing at 2023-11-14T22:13:20")
            && logged[0].ends_with("CPU 97%"),
        "{logged:#?}"
    );
    assert!(
        logged[1].contains("INFO") && logged[1].contains("firing -> normal"),
        "{logged:#?}"
    );

    // A file that declares a bad rule stops the server before it serves, saying why.
    std::fs::write(
        &file,
        json!([{"name": "x", "widget": "nowhere", "above": 1}]).to_string(),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_streamviz"))
        .args([
            "serve".as_ref(),
            "--port".as_ref(),
            "0".as_ref(),
            "--alerts".as_ref(),
            file.as_os_str(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("--alerts") && said.contains("nowhere"),
        "{said}"
    );
}
