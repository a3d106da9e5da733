//! Table numbers in the native viewer read as in the browser: a number column's `format` (the
//! stat's format language), floats in columns declared without a type to a sensible precision,
//! whole numbers as they are. Reference picture in tests/snapshots/viewer_table_formats.png.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use serde_json::json;
use streamviz::gui::Source;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;

#[test]
fn table_numbers_follow_their_columns_format_or_a_sensible_precision() {
    let pipeline = Pipeline::default();
    apply_push(
        &pipeline,
        &json!({"type": "push",
            "widgets": [{"id": "regions", "kind": "table", "options": {"title": "Regions", "key": "region",
                "columns": [{"name": "region"},
                            {"name": "revenue", "type": "number", "format": ",.2f"},
                            {"name": "share", "type": "number", "format": ".1%"},
                            {"name": "orders"},
                            {"name": "avg_latency_ms"}]}}],
            "updates": [{"widget": "regions", "upsert": [
                {"row": {"region": "EU", "revenue": 1234567.891, "share": 0.4567,
                         "orders": 2024, "avg_latency_ms": 59.159909909909906}},
                {"row": {"region": "US", "revenue": 98.5, "share": 0.05,
                         "orders": 7, "avg_latency_ms": 0.000123456}}]}]})
        .to_string(),
    )
    .unwrap();
    assert!(pipeline.flush(Duration::from_secs(5)));
    let mut harness = common::viewer_harness(Source::Local(pipeline), [900.0, 300.0]);
    let mut texts = Vec::new();
    for clipped in &harness.output().shapes {
        if let egui::Shape::Text(t) = &clipped.shape {
            texts.push(t.galley.text().to_owned());
        }
    }
    for shown in [
        "1,234,567.89",
        "98.50",
        "45.7%",
        "5.0%",
        "2024",
        "7",
        "59.16",
        "0.000123",
    ] {
        assert!(
            texts.iter().any(|t| t == shown),
            "{shown} is not shown: {texts:?}"
        );
    }
    assert!(!texts.iter().any(|t| t.contains("59.1599")), "{texts:?}");
    harness.snapshot("viewer_table_formats");
}
