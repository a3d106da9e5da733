//! A push from outside (HTTP, WebSocket), whole: parsing, validation and applying it to a scratch
//! engine that already holds a widget of every kind. Refusals are fine; a panic, a hang or
//! memory without bound is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamviz::engine::Engine;
use streamviz::protocol::apply_push_to;

const DASHBOARD: &str = r#"{"widgets": [
    {"id": "cpu", "kind": "metric", "options": {"max_points": 100}},
    {"id": "p95", "kind": "metric", "options": {"window": "1s", "aggregation": "p95", "max_points": 100}},
    {"id": "temps", "kind": "line_chart", "options": {"max_points": 100, "series": [{"name": "a"}]}},
    {"id": "rps", "kind": "stat"}, {"id": "disk", "kind": "gauge"},
    {"id": "traffic", "kind": "bar_chart"},
    {"id": "events", "kind": "table", "options": {"key": "id", "max_rows": 20}},
    {"id": "status", "kind": "text"}, {"id": "notes", "kind": "markdown"},
    {"id": "load", "kind": "heatmap"}],
  "alerts": [{"widget": "cpu", "above": 90, "for": "1s"}]}"#;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let mut engine = Engine::new();
    engine.set_recording(true);
    apply_push_to(&mut engine, DASHBOARD).expect("the dashboard");
    let _ = apply_push_to(&mut engine, body);
    // What was accepted can be sent to viewers.
    let _ = engine.take_deltas();
    let _ = engine.snapshot();
});
