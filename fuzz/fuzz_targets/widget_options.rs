//! A widget declaration from outside: any kind name and any JSON options, parsed and validated
//! (as a push or Python declares them), then declared on a scratch engine and fed a point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamviz::engine::{Engine, WidgetSpec};

const KINDS: &[&str] = &[
    "metric",
    "line_chart",
    "stat",
    "gauge",
    "bar_chart",
    "table",
    "text",
    "markdown",
    "heatmap",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(options) = serde_json::from_slice::<serde_json::Value>(rest) else {
        return;
    };
    let kind = KINDS[usize::from(pick) % KINDS.len()];
    let Ok(spec) = WidgetSpec::parse("w", kind, options) else {
        return;
    };
    let mut engine = Engine::new();
    if engine.declare(spec).is_ok() {
        let _ = streamviz::protocol::apply_push_to(
            &mut engine,
            r#"{"updates": [{"widget": "w", "value": 1, "ts_ms": 1700000000000}]}"#,
        );
        let _ = engine.snapshot();
    }
});
