//! The native viewer drawn headless through egui_kittest (wgpu on Mesa): every widget kind in
//! both themes and a custom one against reference PNGs in tests/snapshots (regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test viewer`, then look at them), the layout containers,
//! and the interactions (pause, time range, zoom and reset, maximise, export).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use serde_json::json;
use streamviz::gui::{Source, Viewer, ViewerOptions};
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;

/// 2023-11-14 22:13:20 UTC: fixed timestamps make the pictures repeatable.
const T0: f64 = 1_700_000_000_000.0;

fn push(pipeline: &Pipeline, body: serde_json::Value) {
    apply_push(pipeline, &body.to_string()).unwrap();
}

/// A dashboard with one widget of every kind and known data.
fn every_kind(theme: serde_json::Value) -> Pipeline {
    let pipeline = Pipeline::default();
    push(
        &pipeline,
        json!({"type": "push", "widgets": [
            {"id": "cpu", "kind": "metric", "options": {"title": "CPU", "unit": "%",
                "thresholds": {"warning": 70, "critical": 90}}},
            {"id": "temps", "kind": "line_chart", "options": {"title": "Temperatures",
                "series": [{"name": "cpu"}, {"name": "gpu", "label": "GPU"}],
                "y_axis": {"label": "°C"}}},
            {"id": "rps", "kind": "stat", "options": {"title": "Requests/s", "format": ",.0f"}},
            {"id": "disk", "kind": "gauge", "options": {"title": "Disk", "unit": "%",
                "thresholds": [[60, "#22c55e"], [85, "#eab308"], [100, "#ef4444"]]}},
            {"id": "traffic", "kind": "bar_chart", "options": {"title": "Traffic by region"}},
            {"id": "events", "kind": "table", "options": {"title": "Events", "key": "id",
                "columns": [{"name": "id", "type": "number"}, {"name": "level", "type": "badge",
                    "colors": {"ERROR": "#ef4444", "INFO": "#00d4ff"}}, {"name": "msg"}]}},
            {"id": "status", "kind": "text", "options": {"title": "Status", "style": "success"}},
            {"id": "notes", "kind": "markdown", "options": {"title": "Notes"}},
            {"id": "load", "kind": "heatmap", "options": {"title": "Load by hour",
                "x_labels": ["00", "04", "08", "12", "16", "20"], "y_labels": ["Mon", "Tue", "Wed"]}}
        ]}),
    );
    pipeline.engine().configure(
        streamviz::engine::ConfigPatch::from_json(json!({"title": "Every widget", "theme": theme}))
            .unwrap(),
    );
    let cpu: Vec<_> = (0..600)
        .map(|i| {
            let x = f64::from(i);
            json!([T0 + x * 100.0, 60.0 + 35.0 * (x / 40.0).sin()])
        })
        .collect();
    let gpu: Vec<_> = (0..600)
        .map(|i| json!([T0 + f64::from(i) * 100.0, 50.0 + f64::from(i % 120) / 6.0]))
        .collect();
    let core: Vec<_> = (0..600)
        .map(|i| {
            json!([
                T0 + f64::from(i) * 100.0,
                40.0 + 10.0 * (f64::from(i) / 90.0).cos()
            ])
        })
        .collect();
    let rps: Vec<_> = [1180.0, 1234.0, 1302.0, 1250.0, 1420.0]
        .iter()
        .enumerate()
        .map(|(i, v)| json!([T0 + i as f64 * 1000.0, v]))
        .collect();
    push(
        &pipeline,
        json!({"type": "push", "updates": [
            {"widget": "cpu", "points": cpu},
            {"widget": "temps", "series": "cpu", "points": core},
            {"widget": "temps", "series": "gpu", "points": gpu},
            {"widget": "rps", "points": rps},
            {"widget": "disk", "value": 72, "ts_ms": T0},
            {"widget": "traffic", "values": {"US": {"web": 1200, "mobile": 640},
                "EU": {"web": 980, "mobile": 720}, "APAC": {"web": 430, "mobile": 810}}},
            {"widget": "events", "upsert": [
                {"row": {"id": 1, "level": "INFO", "msg": "service started"}},
                {"row": {"id": 2, "level": "ERROR", "msg": "disk almost full"}},
                {"row": {"id": 3, "level": "INFO", "msg": "backup done"}}]},
            {"widget": "status", "text": "All systems nominal"},
            {"widget": "notes", "text": "### Runbook\n- check **disk** first\n- then `df -h`\n\nSee [the wiki](https://example.com)."},
            {"widget": "load", "matrix": [[1, 2, 5, 8, 6, 3], [2, 3, 7, 9, 7, 2], [1, 1, 4, 6, 5, 2]]}
        ]}),
    );
    assert!(pipeline.flush(Duration::from_secs(5)));
    pipeline
}

fn options() -> ViewerOptions {
    ViewerOptions {
        export_dir: std::env::temp_dir(),
        dialogs: false,
    }
}

fn harness(pipeline: Pipeline, options: ViewerOptions) -> Harness<'static, Viewer> {
    let viewer = Viewer::new(Source::Local(pipeline), options);
    let mut harness = Harness::builder()
        .with_size([1280.0, 960.0])
        .wgpu()
        .build_ui_state(|ui, viewer: &mut Viewer| viewer.show(ui), viewer);
    harness.run_steps(4);
    harness
}

#[test]
fn every_widget_kind_renders_natively_in_dark_light_and_custom_themes() {
    let mut results = egui_kittest::SnapshotResults::new();
    for (name, theme) in [
        ("viewer_every_kind_dark", json!("dark")),
        ("viewer_every_kind_light", json!("light")),
        (
            "viewer_every_kind_custom",
            json!({"base": "light", "primary": "#e11d48", "background": "#fdf4ff", "surface": "#ffffff"}),
        ),
    ] {
        let mut harness = harness(every_kind(theme), options());
        // Every widget's title and content are on screen.
        for text in [
            "CPU",
            "Temperatures",
            "Requests/s",
            "Disk",
            "Traffic by region",
            "Events",
            "All systems nominal",
            "Runbook",
            "Load by hour",
            "disk almost full",
            "1,420",
        ] {
            harness.get_by_label(text);
        }
        results.add(harness.try_snapshot(name));
    }
}
