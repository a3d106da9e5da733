//! The native half of the layout comparison with the browser (tests/python/test_layout_parity.py
//! runs it): the native viewer, connected to a producer's URL as `streamviz-viewer URL` is, is
//! drawn headless at a window size; after each step (clicking a tab or a page by its label) it
//! prints every card's box relative to the area below the header, one `SV-BOXES {json}` line per
//! step, and saves what it drew to test-artifacts/ to be looked at.
//!
//! Run by hand: `SV_PARITY_URL=http://127.0.0.1:3000/ SV_PARITY_SIZE=1280x900
//! SV_PARITY_STEPS=,Load,Capacity cargo test --test layout_parity -- --ignored --nocapture`.
#![cfg(all(feature = "gui", feature = "client"))]
#![allow(clippy::unwrap_used, clippy::print_stdout)]

mod common;

use std::path::PathBuf;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use serde_json::json;
use streamviz::gui::{cli, Source};
use streamviz::ingest::mirror::ClientOptions;

#[test]
#[ignore = "run by tests/python/test_layout_parity.py against a served dashboard"]
fn native_card_boxes() {
    let url = std::env::var("SV_PARITY_URL").expect("SV_PARITY_URL: the dashboard to draw");
    let size = std::env::var("SV_PARITY_SIZE").unwrap_or_else(|_| "1280x900".to_owned());
    let (width, height) = size
        .split_once('x')
        .expect("SV_PARITY_SIZE is WIDTHxHEIGHT");
    let (width, height): (f32, f32) = (width.parse().unwrap(), height.parse().unwrap());
    let steps = std::env::var("SV_PARITY_STEPS").unwrap_or_default();
    let mirror = cli::connect(&url, ClientOptions::default(), Duration::from_secs(10)).unwrap();
    // The harness draws 8 points inside the window's edges: the viewer gets width x height.
    let mut harness = common::viewer_harness(Source::Mirror(mirror), [width + 16.0, height + 16.0]);
    let artifacts = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    for step in steps.split(',') {
        if !step.is_empty() {
            harness.get_by_label(step).click();
        }
        // Enough frames for rows measured in one frame to be given their height in the next.
        harness.run_steps(6);
        let viewer = harness.state();
        let body = viewer.body_rect();
        let cards: serde_json::Map<String, serde_json::Value> = viewer
            .card_rects()
            .iter()
            .map(|(id, r)| {
                (
                    id.clone(),
                    json!([
                        r.left() - body.left(),
                        r.top() - body.top(),
                        r.width(),
                        r.height()
                    ]),
                )
            })
            .collect();
        let line = json!({"body": [0.0, 0.0, body.width(), body.height()], "cards": cards});
        println!("SV-BOXES {line}");
        let name = if step.is_empty() { "start" } else { step };
        harness
            .render()
            .unwrap()
            .save(artifacts.join(format!("parity-native-{width}-{name}.png")))
            .unwrap();
    }
}
