//! Time-series charts drawn by the native viewer as the browser draws them: a burst of points
//! sharing one timestamp (`send()` in a loop without timestamps) is a vertical extent from the
//! burst's least to its greatest value, at its time, in the middle of a two-second axis labelled
//! with that time; an area chart is filled down to 0 and a stacked one draws each series on top
//! of the ones before it, its tooltip giving the series' own value. Reference pictures in
//! tests/snapshots/viewer_burst.png and viewer_area.png.
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use serde_json::json;
use streamviz::gui::{Source, Viewer};
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

fn viewer(pipeline: Pipeline, size: [f32; 2]) -> Harness<'static, Viewer> {
    common::viewer_harness(Source::Local(pipeline), size)
}

/// The painted lines (paths) of `color`: their mean height on screen.
fn line_heights(shapes: &[egui::Shape], color: egui::Color32) -> Vec<f32> {
    shapes
        .iter()
        .filter_map(|shape| match shape {
            egui::Shape::Path(path)
                if path.points.len() > 2
                    && path.stroke.color == egui::epaint::ColorMode::Solid(color) =>
            {
                Some(path.points.iter().map(|p| p.y).sum::<f32>() / path.points.len() as f32)
            }
            _ => None,
        })
        .collect()
}

/// The lowest point on screen of the painted fills (meshes) tinted like `color`.
fn fill_bottoms(shapes: &[egui::Shape], color: egui::Color32) -> Vec<f32> {
    shapes
        .iter()
        .filter_map(|shape| match shape {
            egui::Shape::Mesh(mesh)
                if mesh.vertices.first().is_some_and(|v| {
                    v.color.a() > 0 && v.color.a() < 255 && {
                        let c = v.color.to_opaque();
                        let (r, b) = (i32::from(c.r()), i32::from(c.b()));
                        (r - b).signum() == (i32::from(color.r()) - i32::from(color.b())).signum()
                    }
                }) =>
            {
                mesh.vertices.iter().map(|v| v.pos.y).reduce(f32::max)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_stacked_area_chart_draws_each_series_on_top_of_the_ones_before() {
    let pipeline = Pipeline::default();
    let web: Vec<_> = (0..20)
        .map(|i| json!([T0 + f64::from(i) * 1000.0, 10.0]))
        .collect();
    let mobile: Vec<_> = (0..20)
        .map(|i| json!([T0 + f64::from(i) * 1000.0, 5.0]))
        .collect();
    apply_push(
        &pipeline,
        &json!({"type": "push",
            "widgets": [{"id": "traffic", "kind": "line_chart", "options": {"title": "Traffic",
                "area": true, "stacked": true,
                "series": [{"name": "web", "color": "#ff0000"}, {"name": "mobile", "color": "#0000ff"}]}}],
            "updates": [{"widget": "traffic", "series": "web", "points": web},
                        {"widget": "traffic", "series": "mobile", "points": mobile}]})
        .to_string(),
    )
    .unwrap();
    assert!(pipeline.flush(Duration::from_secs(5)));
    let mut harness = viewer(pipeline, [900.0, 420.0]);
    let painted = shapes(&harness);
    let (red, blue) = (
        egui::Color32::from_rgb(255, 0, 0),
        egui::Color32::from_rgb(0, 0, 255),
    );
    let (web_y, mobile_y) = (line_heights(&painted, red), line_heights(&painted, blue));
    assert!(
        web_y.len() == 1 && mobile_y.len() == 1,
        "{web_y:?} {mobile_y:?}"
    );
    // Both are filled; web's fill reaches down to 0, mobile's down to web's line.
    let (web_fill, mobile_fill) = (fill_bottoms(&painted, red), fill_bottoms(&painted, blue));
    assert!(
        !web_fill.is_empty() && !mobile_fill.is_empty(),
        "fills: {web_fill:?} {mobile_fill:?}"
    );
    let zero = web_fill[0];
    assert!(
        (mobile_fill[0] - web_y[0]).abs() < 2.0,
        "mobile is filled down to web's line"
    );
    // Mobile's line is at 15 (its 5 on web's 10): 1.5 times as high above 0 as web's.
    let ratio = (zero - mobile_y[0]) / (zero - web_y[0]);
    assert!((ratio - 1.5).abs() < 0.03, "{ratio}");
    harness.snapshot("viewer_area");

    // Hovering mobile's line gives its own value, 5, not its top.
    let card = harness.state().card_rect("traffic").unwrap();
    harness.hover_at(egui::pos2(card.center().x, mobile_y[0]));
    harness.run_steps(2);
    let tooltip = shapes(&harness)
        .iter()
        .filter_map(|s| match s {
            egui::Shape::Text(t) if t.galley.text().starts_with("mobile\n") => {
                Some(t.galley.text().to_owned())
            }
            _ => None,
        })
        .next()
        .expect("a tooltip for mobile");
    assert!(tooltip.ends_with("\n5"), "{tooltip}");

    // Hiding web from the legend stacks mobile on 0: its fill now reaches down to the axis.
    let before =
        fill_bottoms(&shapes(&harness), blue)[0] - line_heights(&shapes(&harness), blue)[0];
    harness.get_by_label("web").click();
    harness.run_steps(3);
    let painted = shapes(&harness);
    assert!(line_heights(&painted, red).is_empty(), "web is hidden");
    let after = fill_bottoms(&painted, blue)[0] - line_heights(&painted, blue)[0];
    assert!(
        after > 2.0 * before,
        "mobile's fill: {before} px, then {after} px"
    );
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
    let mut harness = viewer(pipeline, [700.0, 420.0]);

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
