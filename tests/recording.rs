//! A recording served to browsers: `streamviz serve --open metrics.db` (the real binary) serves
//! a database one process wrote, read-only — its dashboard as stored, and every stored point to
//! a range query, beyond what the ring holds; files that are no recording get a one-line error.

#![cfg(all(feature = "sqlite", feature = "web"))]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use serde_json::json;
use streamviz::clock::now_ms;
use streamviz::Update;

mod common;

const POINTS: usize = 1_000;

/// A database holding a metric of `POINTS` points (its ring keeps 100) and a table.
fn record(path: &Path) -> f64 {
    common::record(path, |pipeline, _| {
        let cpu = common::declare(pipeline, "cpu", "metric", json!({"max_points": 100}));
        let events = common::declare(pipeline, "events", "table", json!({"key": "id"}));
        let t0 = now_ms() - 3_600_000.0;
        for i in 0..POINTS {
            pipeline.send(
                Update::Point {
                    widget: cpu.widget,
                    ts_ms: t0 + i as f64 * 1000.0,
                    value: i as f64,
                },
                &cpu.dropped,
            );
        }
        let row = streamviz::engine::KeyedRow {
            key: Some("a".into()),
            row: serde_json::from_value(json!({"id": "a", "level": "ERROR"})).unwrap(),
        };
        pipeline.send(
            Update::Upsert {
                widget: events.widget,
                row: Box::new(row),
            },
            &events.dropped,
        );
        t0
    })
}

#[tokio::test]
async fn a_recording_is_served_read_only_with_every_stored_point() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.db");
    let t0 = record(&path);
    let before = std::fs::read(&path).unwrap();
    let (_server, url) = common::serve_recording(&path);

    let stats = common::http_get_json(&format!("{url}api/v1/stats"));
    assert_eq!(stats["widgets"], 2);
    let held: Vec<(String, u64)> = stats["per_widget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["id"].as_str().unwrap().to_owned(),
                w["held"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        held,
        vec![("cpu".to_owned(), 100), ("events".to_owned(), 1)],
        "the rings and tables are loaded as stored"
    );
    let csv = {
        let body = common::http_get_json(&format!(
            "{url}api/v1/widgets/cpu/range?from={t0}&to={}&width=2000",
            t0 + 1e7
        ));
        assert_eq!(
            body["points_in_range"], POINTS,
            "the ring holds 100; the file all"
        );
        assert_eq!(body["decimated"], false);
        body["points"].as_array().unwrap().clone()
    };
    let values: Vec<f64> = csv.iter().map(|p| p[1].as_f64().unwrap()).collect();
    assert_eq!(values, (0..POINTS).map(|i| i as f64).collect::<Vec<_>>());
    let first = csv[0][0].as_f64().unwrap();
    assert!((first - t0).abs() < 1e-3, "{first} vs {t0}");

    let widgets = common::http_get_json(&format!("{url}api/v1/widgets"));
    assert!(widgets.to_string().contains("\"events\""), "{widgets}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "serving a recording writes nothing to it"
    );
}

#[test]
fn what_is_no_recording_gets_one_line_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.db");
    std::fs::write(&text, "not a database, only some text that is long enough").unwrap();
    for (path, expected) in [
        (dir.path().join("missing.db"), "no such file"),
        (dir.path().to_owned(), "it is not a file"),
        (text, "not a StreamViz database"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_streamviz"))
            .args(["serve", "--port", "0", "--open"])
            .arg(&path)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{path:?}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("streamviz: ") && stderr.contains(expected),
            "{path:?}: {stderr}"
        );
    }
}
