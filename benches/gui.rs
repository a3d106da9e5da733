//! Frame cost of the native viewer: 10 metric plots holding 1k, 100k and 1M points each, fed
//! live at 10,000 points/s in all, and (issue 15) a page of 50 live charts — 35 metrics and 15
//! line charts of 2-4 series, 1,000-10,000 points each, every series fed at 10 Hz — plus a
//! 1M-point metric, while frames are drawn at 60 Hz. Each frame is the full egui pass (layout,
//! the engine read with decimation, plot items) plus tessellation into triangles, i.e. all the
//! CPU work of a frame but the GPU upload. Prints median, p95 and worst frame times and the ring
//! points each frame read.
//!
//! `cargo bench --bench gui` (release build). Results go to docs/BENCHMARKS.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::time::{Duration, Instant};

use serde_json::json;
use streamviz::engine::{ConfigPatch, Update, WidgetSpec};
use streamviz::gui::{Source, Viewer, ViewerOptions};
use streamviz::ingest::Pipeline;

const FPS: f64 = 60.0;
const WARMUP: usize = 30;
const FRAMES: usize = 300;

struct Run {
    /// The first frame: every plot reads its whole ring once.
    first: Duration,
    median: Duration,
    p95: Duration,
    worst: Duration,
    points_read: usize,
    vertices: usize,
}

/// One plot of a page: the points each of its series holds, and its series (1: a metric, more:
/// a line chart).
struct Plot {
    points: usize,
    series: u32,
}

/// `count` metrics of `points` points each.
fn metrics(count: usize, points: usize) -> Vec<Plot> {
    (0..count).map(|_| Plot { points, series: 1 }).collect()
}

/// Issue 15's page: 50 charts (35 metrics, 15 line charts of 2-4 series) of 1,000-10,000
/// points, and a 1M-point metric.
fn fifty_charts() -> Vec<Plot> {
    let sizes = [1_000, 2_000, 5_000, 10_000];
    let mut page: Vec<Plot> = (0..50)
        .map(|i| Plot {
            points: sizes[i % 4],
            series: if i % 10 < 7 { 1 } else { 2 + (i % 3) as u32 },
        })
        .collect();
    page.push(Plot {
        points: 1_000_000,
        series: 1,
    });
    page
}

/// Draw `page`, every series of which gains `steps_per_s` points a second.
fn run(page: &[Plot], steps_per_s: f64) -> Run {
    let pipeline = Pipeline::default();
    // (widget, series index or None, its handle's drop counter)
    let mut feeds = Vec::new();
    {
        let mut engine = pipeline.engine();
        engine
            .configure(ConfigPatch::from_json(json!({"buffer_size": 1000})).expect("valid patch"));
        let mut value = 0.0_f64;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for (i, plot) in page.iter().enumerate() {
            let (kind, options) = if plot.series == 1 {
                (
                    "metric",
                    json!({"title": format!("Metric {i}"), "max_points": plot.points}),
                )
            } else {
                let names: Vec<serde_json::Value> = (0..plot.series)
                    .map(|j| json!({"name": format!("s{j}")}))
                    .collect();
                (
                    "line_chart",
                    json!({"title": format!("Lines {i}"), "max_points": plot.points, "series": names}),
                )
            };
            let spec = WidgetSpec::parse(&format!("w{i}"), kind, options).expect("valid spec");
            let handle = engine.declare(spec).expect("declared");
            // Full rings: one point per millisecond per series, a random walk.
            for series in 0..plot.series {
                let series = (plot.series > 1).then_some(series);
                for p in 0..plot.points {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    value += (state % 2001) as f64 / 1000.0 - 1.0;
                    engine.apply(Update::point(handle.widget, series, p as f64, value));
                }
                feeds.push((
                    handle.widget,
                    series,
                    std::sync::Arc::clone(&handle.dropped),
                ));
            }
        }
    }
    let newest = page.iter().map(|p| p.points).max().unwrap_or(0);
    let mut viewer = Viewer::new(
        Source::Local(pipeline.clone()),
        ViewerOptions {
            export_dir: std::env::temp_dir(),
            dialogs: false,
        },
    );
    let ctx = egui::Context::default();
    let mut ts = newest as f64;
    let per_frame = steps_per_s / FPS;
    let mut carry = 0.0;
    let mut times = Vec::with_capacity(FRAMES);
    let mut points_read = 0;
    let mut vertices = 0;
    let mut first = Duration::ZERO;
    for frame in 0..WARMUP + FRAMES {
        // Live data for this frame (not timed: it is the engine thread's work).
        carry += per_frame;
        let n = carry.floor() as usize;
        carry -= n as f64;
        for _ in 0..n {
            ts += 1000.0 / steps_per_s;
            for (widget, series, dropped) in &feeds {
                pipeline.send(
                    Update::point(*widget, *series, ts, (ts / 500.0).sin()),
                    dropped,
                );
            }
        }
        pipeline.flush(Duration::from_secs(10));
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1920.0, 1200.0),
            )),
            time: Some(frame as f64 / FPS),
            ..Default::default()
        };
        let started = Instant::now();
        let output = ctx.run_ui(input, |ui| viewer.show(ui));
        let meshes = ctx.tessellate(output.shapes, output.pixels_per_point);
        let elapsed = started.elapsed();
        if frame == 0 {
            first = elapsed;
        }
        if frame >= WARMUP {
            times.push(elapsed);
            points_read += viewer.points_read();
            vertices += meshes
                .iter()
                .map(|m| match &m.primitive {
                    egui::epaint::Primitive::Mesh(mesh) => mesh.vertices.len(),
                    egui::epaint::Primitive::Callback(_) => 0,
                })
                .sum::<usize>();
        }
    }
    times.sort();
    Run {
        first,
        median: times[times.len() / 2],
        p95: times[times.len() * 95 / 100],
        worst: times[times.len() - 1],
        points_read: points_read / FRAMES,
        vertices: vertices / FRAMES,
    }
}

fn main() {
    println!("{FPS} frames/s, 1920x1200, time range All");
    println!("| page | first frame | median frame | p95 frame | worst frame | ring points read per frame | vertices per frame |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    let pages = [
        (
            "10 metrics × 1,000 points, 10,000 points/s".to_owned(),
            metrics(10, 1_000),
            1000.0,
        ),
        (
            "10 metrics × 100,000 points, 10,000 points/s".to_owned(),
            metrics(10, 100_000),
            1000.0,
        ),
        (
            "10 metrics × 1,000,000 points, 10,000 points/s".to_owned(),
            metrics(10, 1_000_000),
            1000.0,
        ),
        (
            "50 charts × 1,000–10,000 points (1–4 series) at 10 Hz, + a 1M-point metric".to_owned(),
            fifty_charts(),
            10.0,
        ),
    ];
    for (name, page, steps_per_s) in pages {
        let r = run(&page, steps_per_s);
        println!(
            "| {name} | {:.1} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} |",
            r.first.as_secs_f64() * 1e3,
            r.median.as_secs_f64() * 1e3,
            r.p95.as_secs_f64() * 1e3,
            r.worst.as_secs_f64() * 1e3,
            r.points_read,
            r.vertices
        );
    }
}
