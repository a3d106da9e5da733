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
    harness_for(Source::Local(pipeline), options)
}

fn harness_for(source: Source, options: ViewerOptions) -> Harness<'static, Viewer> {
    let viewer = Viewer::new(source, options);
    let mut harness = Harness::builder()
        .with_size([1280.0, 1400.0])
        // Short frames, so that two clicks a frame apart make a double-click (< 0.3 s).
        .with_step_dt(0.05)
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

fn label_exists(harness: &Harness<'_, Viewer>, text: &str) -> bool {
    harness.query_by_label(text).is_some()
}

#[test]
fn pause_freezes_the_view_while_ingest_continues_and_resume_catches_up() {
    let pipeline = every_kind(json!("dark"));
    let mut harness = harness(pipeline.clone(), options());
    harness.get_by_label("⏸ Pause").click();
    harness.run_steps(2);
    assert!(harness.state().is_paused());
    let newest = T0 + 599.0 * 100.0;
    push(
        &pipeline,
        json!({"type": "push", "updates": [
            {"widget": "cpu", "points": [[T0 + 70_000.0, 10.0], [T0 + 80_000.0, 12.0]]},
            {"widget": "rps", "value": 9999, "ts_ms": T0 + 80_000.0}]}),
    );
    assert!(pipeline.flush(Duration::from_secs(5)));
    harness.run_steps(3);
    let view = harness.state().plot_view("cpu").unwrap();
    assert_eq!(
        view.range.1, newest,
        "the plot stays at the moment of the pause"
    );
    assert!(label_exists(&harness, "1,420") && !label_exists(&harness, "9,999"));
    assert_eq!(
        pipeline.engine().widget("cpu").unwrap().1.len(),
        602,
        "ingest went on"
    );

    harness.get_by_label("▶ Resume").click();
    harness.run_steps(3);
    assert!(!harness.state().is_paused());
    assert_eq!(
        harness.state().plot_view("cpu").unwrap().range.1,
        T0 + 80_000.0
    );
    assert!(label_exists(&harness, "9,999"));
}

#[test]
fn the_viewer_opens_with_the_dashboards_time_range_and_paused_without_auto_refresh() {
    let pipeline = every_kind(json!("dark"));
    pipeline.engine().configure(
        streamviz::engine::ConfigPatch::from_json(
            json!({"default_time_range": "5m", "auto_refresh": false}),
        )
        .unwrap(),
    );
    let harness = harness(pipeline.clone(), options());
    assert!(
        harness.state().is_paused(),
        "auto_refresh=False opens paused"
    );
    let view = harness.state().plot_view("cpu").unwrap();
    assert_eq!(view.range.1 - view.range.0, 300_000.0, "the last 5 minutes");
    // Without them: everything held, live.
    let harness = harness_for(Source::Local(every_kind(json!("dark"))), options());
    assert!(!harness.state().is_paused());
    assert_eq!(
        harness.state().plot_view("cpu").unwrap().range,
        (T0, T0 + 59_900.0)
    );
}

#[test]
fn the_time_range_selector_sets_every_plots_span_and_a_zoomed_plot_returns_to_live() {
    let mut harness = harness(every_kind(json!("dark")), options());
    let all = harness.state().plot_view("cpu").unwrap();
    assert_eq!(all.range, (T0, T0 + 59_900.0), "All: everything held");
    harness.get_by_label("Range").click();
    harness.run_steps(2);
    harness.get_by_label("1m").click();
    harness.run_steps(3);
    for id in ["cpu", "temps"] {
        let view = harness.state().plot_view(id).unwrap();
        assert_eq!(
            view.range.1 - view.range.0,
            60_000.0,
            "{id} shows the last minute"
        );
        assert!(view.follow);
    }
    // Scrolling over a plot pans it: it stops following, and "⟲ Live" brings it back.
    let rect = harness.get_by_label("CPU").rect();
    let inside = rect.center() + egui::vec2(150.0, 90.0);
    harness.hover_at(inside);
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(120.0, 0.0),
        modifiers: egui::Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    harness.run_steps(3);
    let panned = harness.state().plot_view("cpu").unwrap();
    assert!(!panned.follow, "a panned plot keeps its own range");
    assert!(panned.range.1 < T0 + 59_900.0);
    harness.get_by_label("⟲ Live").click();
    harness.run_steps(3);
    let live = harness.state().plot_view("cpu").unwrap();
    assert!(live.follow);
    assert_eq!(live.range.1, T0 + 59_900.0);
    // Ctrl+scroll zooms; a double-click on the plot returns to the range too.
    harness.hover_at(inside);
    harness.event_modifiers(
        egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, 200.0),
            modifiers: egui::Modifiers::COMMAND,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        },
        egui::Modifiers::COMMAND,
    );
    harness.run_steps(3);
    let zoomed = harness.state().plot_view("cpu").unwrap();
    assert!(
        !zoomed.follow && zoomed.range.1 - zoomed.range.0 < 59_000.0,
        "{zoomed:?}"
    );
    // Two clicks a step (0.05 s) apart: within egui's double-click time.
    for _ in 0..2 {
        for pressed in [true, false] {
            harness.event(egui::Event::PointerButton {
                pos: inside,
                button: egui::PointerButton::Primary,
                pressed,
                modifiers: egui::Modifiers::NONE,
            });
        }
        harness.step();
    }
    harness.run_steps(3);
    assert!(
        harness.state().plot_view("cpu").unwrap().follow,
        "double-click resets"
    );
}

#[test]
fn maximise_shows_one_widget_and_escape_restores_the_layout() {
    let mut harness = harness(every_kind(json!("dark")), options());
    harness.get_all_by_label("⛶").next().unwrap().click();
    harness.run_steps(3);
    assert_eq!(harness.state().maximised(), Some("cpu"));
    assert!(!label_exists(&harness, "Temperatures"));
    harness.snapshot("viewer_maximised");
    let card = harness.state().card_rect("cpu").unwrap();
    let window = harness.ctx.content_rect();
    assert!(
        window.width() - card.width() <= 48.0 && window.height() - card.height() <= 100.0,
        "{card:?} fills {window:?}"
    );
    harness.key_press(egui::Key::Escape);
    harness.run_steps(2);
    assert_eq!(harness.state().maximised(), None);
    assert!(label_exists(&harness, "Temperatures"));
}

#[test]
fn export_writes_csv_and_json_into_the_export_directory_without_a_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let options = ViewerOptions {
        export_dir: dir.path().to_owned(),
        dialogs: false,
    };
    let mut harness = harness(every_kind(json!("dark")), options);
    for (format, item) in [("csv", "Export CSV"), ("json", "Export JSON")] {
        harness.get_all_by_label("💾").next().unwrap().click();
        harness.run_steps(2);
        harness.get_by_label(item).click();
        harness.run_steps(2);
        let path = dir.path().join(format!("cpu.{format}"));
        let text = std::fs::read_to_string(&path).unwrap();
        if format == "csv" {
            let lines: Vec<&str> = text.lines().collect();
            assert_eq!(lines.len(), 601, "a header and every point");
            assert!(lines[1].starts_with("1700000000000,"), "{}", lines[1]);
        } else {
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(value["widget"], "cpu");
            assert_eq!(value["data"]["points"].as_array().unwrap().len(), 600);
        }
        let shown = harness.state().messages();
        assert!(
            shown.iter().any(|m| m.contains(&format!("cpu.{format}"))),
            "{shown:?}"
        );
    }
}

#[test]
fn layout_containers_render_natively_pages_sidebar_columns_tabs_and_expander() {
    let pipeline = Pipeline::default();
    push(
        &pipeline,
        json!({"type": "push", "widgets": [
            {"id": "a", "kind": "stat", "options": {"title": "Alpha"}},
            {"id": "b", "kind": "stat", "options": {"title": "Beta"}},
            {"id": "c", "kind": "text", "options": {"title": "In tab two"}},
            {"id": "d", "kind": "text", "options": {"title": "Hidden inside"}},
            {"id": "e", "kind": "text", "options": {"title": "Side note"}},
            {"id": "f", "kind": "stat", "options": {"title": "On page two"}}
        ]}),
    );
    {
        let mut engine = pipeline.engine();
        for container in [
            json!({"id": "side", "type": "sidebar"}),
            json!({"id": "cols", "type": "columns", "weights": [2, 1]}),
            json!({"id": "cols-0", "type": "column", "parent": "cols"}),
            json!({"id": "cols-1", "type": "column", "parent": "cols"}),
            json!({"id": "tabs", "type": "tabs", "names": ["One", "Two"]}),
            json!({"id": "tab-1", "type": "tab", "parent": "tabs", "name": "Two"}),
            json!({"id": "more", "type": "expander", "title": "More details", "expanded": false}),
            json!({"id": "p2", "type": "page", "name": "Capacity"}),
        ] {
            engine
                .declare_container(streamviz::engine::ContainerSpec::from_json(container).unwrap())
                .unwrap();
        }
        for (id, kind, options) in [
            ("a", "stat", json!({"title": "Alpha", "parent": "cols-0"})),
            ("b", "stat", json!({"title": "Beta", "parent": "cols-1"})),
            (
                "c",
                "text",
                json!({"title": "In tab two", "parent": "tab-1"}),
            ),
            (
                "d",
                "text",
                json!({"title": "Hidden inside", "parent": "more"}),
            ),
            ("e", "text", json!({"title": "Side note", "parent": "side"})),
            ("f", "stat", json!({"title": "On page two", "parent": "p2"})),
        ] {
            engine
                .declare(streamviz::engine::WidgetSpec::parse(id, kind, options).unwrap())
                .unwrap();
        }
    }
    push(
        &pipeline,
        json!({"type": "push", "updates": [
        {"widget": "a", "value": 1, "ts_ms": T0}, {"widget": "b", "value": 2, "ts_ms": T0},
        {"widget": "c", "text": "tab two text"}, {"widget": "d", "text": "expander text"},
        {"widget": "e", "text": "sidebar text"}, {"widget": "f", "value": 3, "ts_ms": T0}]}),
    );
    assert!(pipeline.flush(Duration::from_secs(5)));
    let mut harness = harness(pipeline, options());
    // Columns side by side, the first twice as wide.
    let (alpha, beta) = (
        harness.get_by_label("Alpha").rect(),
        harness.get_by_label("Beta").rect(),
    );
    assert!((alpha.top() - beta.top()).abs() < 1.0 && beta.left() > alpha.left() + 300.0);
    assert!(
        label_exists(&harness, "sidebar text"),
        "the sidebar is on every page"
    );
    assert!(!label_exists(&harness, "tab two text") && !label_exists(&harness, "expander text"));
    harness.snapshot("viewer_layout");
    harness.get_by_label("Two").click();
    harness.run_steps(2);
    harness.get_by_label("More details").click();
    harness.run_steps(3);
    assert!(label_exists(&harness, "tab two text") && label_exists(&harness, "expander text"));
    assert!(!label_exists(&harness, "On page two"));
    harness.get_by_label("Capacity").click();
    harness.run_steps(3);
    assert_eq!(harness.state().page(), 1);
    assert!(label_exists(&harness, "On page two") && label_exists(&harness, "sidebar text"));
    assert!(!label_exists(&harness, "Alpha"));
}

/// Every text painted in the last frame.
fn painted_texts(harness: &Harness<'_, Viewer>) -> Vec<String> {
    fn collect(shape: &egui::Shape, out: &mut Vec<String>) {
        match shape {
            egui::Shape::Text(text) => out.push(text.galley.text().to_owned()),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        collect(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn hovering_a_line_shows_the_exact_time_and_value_of_a_point() {
    let mut harness = harness(every_kind(json!("dark")), options());
    let card = harness.state().card_rect("cpu").unwrap();
    let image = harness.render().unwrap();
    // Find the line in the middle column of the CPU plot by its colours (primary, warning, error).
    let x = card.center().x;
    let colours: [[u8; 3]; 3] = [[0x00, 0xd4, 0xff], [0xea, 0xb3, 0x08], [0xef, 0x44, 0x44]];
    let y = (card.top() as u32 + 40..card.bottom() as u32 - 30)
        .find(|&y| {
            let p = image.get_pixel(x as u32, y).0;
            colours
                .iter()
                .any(|c| c.iter().zip(p).all(|(a, b)| a.abs_diff(b) < 40))
        })
        .expect("the line crosses the middle of the plot");
    harness.hover_at(egui::pos2(x, y as f32));
    harness.run_steps(2);
    let label = painted_texts(&harness)
        .into_iter()
        .find(|t| t.starts_with("2023-11-1") && t.contains('\n'))
        .expect("a tooltip with the point's time");
    let (time, value) = label.split_once('\n').unwrap();
    let value: f64 = value.trim_end_matches('%').parse().unwrap();
    // The time to the millisecond and the value are exactly one of the points sent.
    let i = (0..600)
        .find(|&i| {
            let x = f64::from(i);
            (60.0 + 35.0 * (x / 40.0).sin()) == value
        })
        .expect("the value is a data point's, not an interpolation");
    let ts = T0 + f64::from(i) * 100.0;
    let expected = chrono::TimeZone::timestamp_millis_opt(&chrono::Local, ts as i64).unwrap();
    assert_eq!(time, expected.format("%Y-%m-%d %H:%M:%S%.3f").to_string());
}

#[test]
fn an_idle_dashboard_stops_repainting_and_new_data_is_drawn() {
    let pipeline = every_kind(json!("dark"));
    let mut harness = harness(pipeline.clone(), options());
    // Nothing changes: the viewer asks for no further frame (egui_kittest's run() settles).
    let steps = harness.try_run().expect("an idle viewer settles");
    assert!(steps <= 2, "{steps} frames with nothing new");
    push(
        &pipeline,
        json!({"type": "push", "updates": [{"widget": "rps", "value": 2000, "ts_ms": T0 + 9000.0}]}),
    );
    assert!(pipeline.flush(Duration::from_secs(5)));
    harness.run_steps(1);
    assert!(label_exists(&harness, "2,000"));
}

#[test]
fn a_windowed_metric_shows_its_closed_windows_and_its_open_one_apart() {
    let pipeline = Pipeline::default();
    push(
        &pipeline,
        json!({"type": "push", "widgets": [{"id": "lat", "kind": "metric", "options": {
            "title": "Latency", "unit": " ms", "color": "#ff00ff", "window": "1s", "aggregation": "p95"}}]}),
    );
    // 20.5 s of latencies, 50 a second, rising second by second: 20 closed windows, one open.
    let points: Vec<_> = (0..1025)
        .map(|i| {
            let second = f64::from(i / 50);
            json!([
                T0 + f64::from(i) * 20.0,
                10.0 + second + f64::from(i % 50) / 10.0
            ])
        })
        .collect();
    push(
        &pipeline,
        json!({"type": "push", "updates": [{"widget": "lat", "points": points}]}),
    );
    assert!(pipeline.flush(Duration::from_secs(5)));
    let mut harness = harness(pipeline.clone(), options());
    harness.get_by_label("p95 per 1s");
    let (newest, so_far) = pipeline.engine().partial("lat").expect("an open window");
    assert_eq!(newest, T0 + 1024.0 * 20.0);
    // The open window's marker is the rightmost magenta on the plot; its tooltip says what it is.
    let card = harness.state().card_rect("lat").unwrap();
    let image = harness.render().unwrap();
    let magenta = |x: u32, y: u32| {
        let p = image.get_pixel(x, y).0;
        p[0] > 200 && p[1] < 80 && p[2] > 200
    };
    let (x, y) = (card.left() as u32..card.right() as u32)
        .rev()
        .find_map(|x| {
            (card.top() as u32 + 30..card.bottom() as u32 - 20)
                .find(|&y| magenta(x, y))
                .map(|y| (x, y))
        })
        .expect("magenta on the plot");
    harness.hover_at(egui::pos2(x as f32, y as f32));
    harness.run_steps(2);
    let texts = painted_texts(&harness);
    let tooltip = texts
        .iter()
        .find(|t| t.starts_with("open window (so far)\n"))
        .unwrap_or_else(|| panic!("the open window's tooltip at {x},{y}: {texts:?}"));
    assert!(tooltip.ends_with(&format!("{so_far} ms")), "{tooltip}");
    harness.snapshot("viewer_windowed_metric");
}

#[test]
fn a_widget_that_lost_input_says_how_much_on_its_card() {
    let pipeline = Pipeline::default();
    push(
        &pipeline,
        json!({"type": "push", "widgets": [
            {"id": "cpu", "kind": "metric", "options": {"title": "CPU"}},
            {"id": "lat", "kind": "metric", "options": {"title": "Latency", "window": "1s", "aggregation": "max"}}]}),
    );
    let cpu = pipeline.engine().handle("cpu").unwrap();
    let lat = pipeline.engine().handle("lat").unwrap();
    for i in 0..50 {
        let t = f64::from(i);
        pipeline.send(
            streamviz::Update::point(
                cpu.widget,
                None,
                T0 + t * 100.0,
                50.0 + 20.0 * (t / 5.0).sin(),
            ),
            &cpu.dropped,
        );
    }
    // A full queue counts what it turns away on the widget's counter (tests/backpressure.rs
    // floods a real one); here the count is set so the picture is the same every run.
    cpu.dropped
        .fetch_add(96, std::sync::atomic::Ordering::Relaxed);
    // Windows of a second, then two points too late for theirs.
    for i in 0..20 {
        let t = f64::from(i);
        pipeline.send(
            streamviz::Update::point(lat.widget, None, T0 + t * 250.0, 10.0 + (t * 7.0) % 13.0),
            &lat.dropped,
        );
    }
    assert!(pipeline.flush(Duration::from_secs(5)));
    for ts in [1_000.0, 2_000.0] {
        pipeline.send(
            streamviz::Update::point(lat.widget, None, T0 + ts, 99.0),
            &lat.dropped,
        );
    }
    assert!(pipeline.flush(Duration::from_secs(5)));
    assert_eq!(pipeline.engine().losses("cpu").dropped, 96);
    let mut harness = harness(pipeline, options());
    harness.get_by_label("⚠ 96 dropped");
    harness.get_by_label("⚠ 2 late");
    harness.snapshot("viewer_losses");
}

/// A recording replayed (`streamviz-viewer --open`): the scrubber's time ends the plots, stats
/// show their value as of then, and "All" reaches back through stored points the ring let go.
#[cfg(feature = "sqlite")]
#[test]
fn a_recording_replays_to_the_scrubbed_time_with_its_stored_history() {
    use streamviz::store::open_recording;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replay.db");
    common::record(&path, |producer, _| {
        push(
            producer,
            json!({"type": "push", "widgets": [
                {"id": "cpu", "kind": "metric", "options": {"title": "CPU", "max_points": 100}},
                {"id": "temp", "kind": "stat", "options": {"title": "Temperature", "format": ".1f", "max_points": 100}}]}),
        );
        let cpu = producer.engine().handle("cpu").unwrap();
        let temp = producer.engine().handle("temp").unwrap();
        for i in 0..1000 {
            let t = T0 + f64::from(i) * 1000.0;
            let v = 50.0 + 40.0 * (f64::from(i) / 80.0).sin();
            producer.send(
                streamviz::Update::point(cpu.widget, None, t, v),
                &cpu.dropped,
            );
            producer.send(
                streamviz::Update::point(temp.widget, None, t, 20.0 + f64::from(i) / 10.0),
                &temp.dropped,
            );
        }
    });
    let pipeline = Pipeline::default();
    let recording = open_recording(&pipeline, &path).unwrap();
    assert_eq!(recording.span, Some((T0, T0 + 999_000.0)));
    let source = Source::Stored {
        pipeline,
        history: recording.history,
    };
    let mut harness = harness_for(source, options());
    harness.state_mut().set_recording(recording.span.unwrap());
    harness.run_steps(1);
    // Stored points are read on a thread of their own: wait for them, then draw.
    assert!(harness.state().reading_history());
    assert!(harness
        .state_mut()
        .wait_for_history(Duration::from_secs(10)));
    harness.run_steps(2);

    // At the end, "All" draws from the first stored point, though the ring holds 100.
    let drawn = harness.state().plot_points("cpu").unwrap();
    assert_eq!(drawn[0].first().unwrap()[0], T0);
    assert_eq!(drawn[0].last().unwrap()[0], T0 + 999_000.0);
    assert!(
        painted_texts(&harness).contains(&"119.9".to_owned()),
        "the stat's last value"
    );

    // Scrubbed to the middle: plots end there, the stat shows its value of then.
    harness.state_mut().seek(T0 + 500_000.0);
    harness.run_steps(1);
    assert!(harness
        .state_mut()
        .wait_for_history(Duration::from_secs(10)));
    harness.run_steps(2);
    assert_eq!(harness.state().replay_time(), Some(T0 + 500_000.0));
    let drawn = harness.state().plot_points("cpu").unwrap();
    let newest = drawn[0].iter().map(|p| p[0]).fold(f64::MIN, f64::max);
    assert!(newest <= T0 + 501_000.0, "{newest}");
    assert_eq!(drawn[0].first().unwrap()[0], T0);
    assert!(
        painted_texts(&harness).contains(&"70.0".to_owned()),
        "{:?}",
        painted_texts(&harness)
    );
    assert!(
        harness.query_by_label("⏸ Pause").is_none(),
        "a replay has a scrubber, not pause"
    );
    harness.snapshot("viewer_replay");
}

/// `streamviz-viewer URL` of a producer with persistence: a time range longer than the rings hold
/// draws the producer's stored points, read over HTTP from its range endpoint.
#[cfg(all(feature = "sqlite", feature = "web"))]
#[test]
fn a_mirrored_viewer_draws_the_producers_stored_history_for_a_longer_range() {
    use streamviz::ingest::mirror::Mirror;
    use streamviz::store::{Persistence, StoreOptions};
    let dir = tempfile::tempdir().unwrap();
    let producer = Pipeline::default();
    let store = Persistence::start(&producer, StoreOptions::new(dir.path().join("p.db"))).unwrap();
    push(
        &producer,
        json!({"type": "push", "widgets": [
            {"id": "cpu", "kind": "metric", "options": {"title": "CPU", "max_points": 100}}]}),
    );
    let cpu = producer.engine().handle("cpu").unwrap();
    for i in 0..1000 {
        let t = T0 + f64::from(i) * 1000.0;
        producer.send(
            streamviz::Update::point(cpu.widget, None, t, f64::from(i % 100)),
            &cpu.dropped,
        );
    }
    assert!(producer.flush(Duration::from_secs(10)));
    assert!(store.flush(Duration::from_secs(10)));
    let server = common::start_server(
        &producer,
        0,
        streamviz::history::SharedHistory::new(store.history()),
    );
    let mirror = Mirror::start(&server.url()).unwrap();
    let mut seen = 0;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while mirror
        .pipeline()
        .engine()
        .widget("cpu")
        .and_then(|(_, data)| streamviz::gui::model::time_extent(data))
        != Some((T0 + 900_000.0, T0 + 999_000.0))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "{:?}",
            mirror.status()
        );
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
    let mut harness = harness_for(Source::Mirror(mirror), options());
    // "All" is what the rings hold; "1h" reaches back past them.
    let all = harness.state().plot_points("cpu").unwrap();
    assert_eq!(all[0].first().unwrap()[0], T0 + 900_000.0);
    harness.state_mut().set_time_range(4);
    harness.run_steps(1);
    assert!(harness
        .state_mut()
        .wait_for_history(Duration::from_secs(10)));
    harness.run_steps(2);
    let drawn = harness.state().plot_points("cpu").unwrap();
    assert_eq!(drawn[0].first().unwrap()[0], T0, "the first stored point");
    assert_eq!(drawn[0].last().unwrap()[0], T0 + 999_000.0);
    let older: Vec<f64> = drawn[0]
        .iter()
        .filter(|p| p[0] < T0 + 900_000.0)
        .map(|p| p[1])
        .collect();
    // Decimated to the plot's columns (M4 keeps each column's extremes).
    assert!(older.len() > 50, "{}", older.len());
    assert_eq!(older.iter().copied().fold(f64::MAX, f64::min), 0.0);
    assert_eq!(older.iter().copied().fold(f64::MIN, f64::max), 99.0);
    drop(harness);
    drop(server);
    store.stop();
}

/// A replay moves tables and texts with the scrubber: each shows what its stored changes made
/// of it by the scrubbed time (rows upserted and deleted since are not there yet).
#[cfg(feature = "sqlite")]
#[test]
fn a_replay_shows_tables_and_texts_as_they_were_at_the_scrubbed_time() {
    use streamviz::clock::now_ms;
    use streamviz::store::open_recording;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("changes.db");
    common::record(&path, |producer, store| {
        push(
            producer,
            json!({"type": "push", "widgets": [
                {"id": "events", "kind": "table", "options": {"title": "Events"}},
                {"id": "status", "kind": "text", "options": {"title": "Status"}}]}),
        );
        let batches = [
            json!([
                {"widget": "events", "upsert": [
                    {"key": "a", "row": {"level": "INFO", "msg": "boot"}},
                    {"key": "b", "row": {"level": "WARN", "msg": "slow disk"}}]},
                {"widget": "status", "text": "starting up"}]),
            json!([
                {"widget": "events", "upsert": [{"key": "a", "row": {"level": "ERROR", "msg": "crash"}}]},
                {"widget": "events", "delete": ["b"]},
                {"widget": "status", "text": "recovering"}]),
        ];
        for updates in batches {
            push(producer, json!({"type": "push", "updates": updates}));
            assert!(producer.flush(Duration::from_secs(10)));
            assert!(store.flush(Duration::from_secs(10)));
            // The next batch is stored at a later millisecond.
            let stored = now_ms();
            while now_ms() <= stored {
                std::hint::spin_loop();
            }
        }
    });
    let conn = rusqlite::Connection::open(&path).unwrap();
    let times: Vec<f64> = conn
        .prepare("SELECT DISTINCT ts_ms FROM changes ORDER BY ts_ms")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    drop(conn);
    assert_eq!(times.len(), 2, "{times:?}");

    let pipeline = Pipeline::default();
    let recording = open_recording(&pipeline, &path).unwrap();
    assert_eq!(
        recording.span,
        Some((times[0], times[1])),
        "a recording of changes only"
    );
    let source = Source::Stored {
        pipeline,
        history: recording.history,
    };
    let mut harness = harness_for(source, options());
    harness.state_mut().set_recording(recording.span.unwrap());
    let show = |harness: &mut Harness<'static, Viewer>, at: f64| {
        harness.state_mut().seek(at);
        harness.run_steps(1);
        assert!(harness
            .state_mut()
            .wait_for_history(Duration::from_secs(10)));
        harness.run_steps(2);
        painted_texts(harness)
    };
    let end = show(&mut harness, times[1]);
    assert!(end.contains(&"recovering".to_owned()), "{end:?}");
    assert!(end.contains(&"crash".to_owned()) && !end.contains(&"slow disk".to_owned()));
    let start = show(&mut harness, times[0]);
    assert!(start.contains(&"starting up".to_owned()), "{start:?}");
    assert!(start.contains(&"boot".to_owned()) && start.contains(&"slow disk".to_owned()));
    assert!(!start.contains(&"crash".to_owned()) && !start.contains(&"recovering".to_owned()));
    let again = show(&mut harness, times[1]);
    assert_eq!(again, end, "back at the end, as before");
}

#[test]
fn the_header_says_when_the_producers_relay_to_other_servers_is_down() {
    let pipeline = every_kind(json!("dark"));
    let mut harness = harness(pipeline.clone(), options());
    assert!(label_exists(&harness, "⏺ Live"));
    pipeline.engine().set_relay_connected(Some(false));
    harness.run_steps(2);
    assert!(label_exists(
        &harness,
        "⏺ Live: this server only (relay down)"
    ));
    assert!(!label_exists(&harness, "⏺ Live"));
    pipeline.engine().set_relay_connected(Some(true));
    harness.run_steps(2);
    assert!(label_exists(&harness, "⏺ Live"));
}
