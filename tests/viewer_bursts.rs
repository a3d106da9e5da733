//! A burst of points sharing one timestamp (`send()` in a loop without timestamps), drawn by the
//! native viewer as the browser draws it: a vertical extent from the burst's least to its greatest
//! value, at its time, in the middle of a two-second axis labelled with that time. Reference
//! picture in tests/snapshots/viewer_burst.png.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use egui_kittest::Harness;
use serde_json::json;
use streamviz::gui::{Source, Viewer, ViewerOptions};
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;

/// 2023-11-14 22:13:20 UTC.
const T0: f64 = 1_700_000_000_000.0;

/// Every shape painted in the last frame, flattened.
fn shapes(harness: &Harness<'_, Viewer>) -> Vec<egui::Shape> {
    fn collect(shape: &egui::Shape, out: &mut Vec<egui::Shape>) {
        match shape {
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| collect(s, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        collect(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn a_burst_sharing_one_timestamp_is_a_vertical_extent_in_the_middle_of_its_axis() {
    let pipeline = Pipeline::default();
    let points: Vec<_> = (0..200).map(|i| json!([T0, f64::from(i)])).collect();
    apply_push(
        &pipeline,
        &json!({"type": "push",
            "widgets": [{"id": "burst", "kind": "metric", "options": {"title": "Burst"}}],
            "updates": [{"widget": "burst", "points": points}]})
        .to_string(),
    )
    .unwrap();
    assert!(pipeline.flush(Duration::from_secs(5)));
    let viewer = Viewer::new(
        Source::Local(pipeline),
        ViewerOptions {
            export_dir: std::env::temp_dir(),
            dialogs: false,
        },
    );
    let mut harness = Harness::builder()
        .with_size([700.0, 420.0])
        .wgpu()
        .build_ui_state(|ui, viewer: &mut Viewer| viewer.show(ui), viewer);
    harness.run_steps(4);

    // The axis is the burst's time ± 1 s, and the burst keeps its least and greatest values.
    let view = harness.state().plot_view("burst").unwrap();
    assert_eq!(view.range, (T0 - 1000.0, T0 + 1000.0));
    let series = harness.state().plot_points("burst").unwrap();
    let ys: Vec<f64> = series[0].iter().map(|p| p[1]).collect();
    assert!(series[0].iter().all(|p| p[0] == T0), "{series:?}");
    assert_eq!(ys.iter().copied().fold(f64::INFINITY, f64::min), 0.0);
    assert_eq!(ys.iter().copied().fold(f64::NEG_INFINITY, f64::max), 199.0);

    // It is drawn as a vertical stroke halfway across the card, most of the plot's height.
    let card = harness.state().card_rect("burst").unwrap();
    let strokes: Vec<(f32, f32)> = shapes(&harness)
        .iter()
        .filter_map(|shape| match shape {
            egui::Shape::Path(path) if path.points.len() >= 2 => {
                let xs = path.points.iter().map(|p| p.x);
                let ys = path.points.iter().map(|p| p.y);
                let (x0, x1) = (
                    xs.clone().fold(f32::MAX, f32::min),
                    xs.fold(f32::MIN, f32::max),
                );
                let (y0, y1) = (
                    ys.clone().fold(f32::MAX, f32::min),
                    ys.fold(f32::MIN, f32::max),
                );
                (x1 - x0 < 1.0 && y1 - y0 > 100.0).then_some((x0, y1 - y0))
            }
            _ => None,
        })
        .collect();
    assert!(
        strokes
            .iter()
            .any(|(x, _)| (x - card.center().x).abs() < card.width() * 0.06),
        "a vertical stroke near x = {}: {strokes:?}",
        card.center().x
    );
    // The axis is labelled with the burst's time.
    let texts: Vec<String> = shapes(&harness)
        .iter()
        .filter_map(|s| match s {
            egui::Shape::Text(t) => Some(t.galley.text().to_owned()),
            _ => None,
        })
        .collect();
    assert!(
        texts.iter().any(|t| t.contains("22:13:20")),
        "time labels: {texts:?}"
    );
    harness.snapshot("viewer_burst");
}
