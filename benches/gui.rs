//! Frame cost of the native viewer: 10 metric plots holding 1k, 100k and 1M points each, fed
//! live at 10,000 points/s in all while frames are drawn at 60 Hz. Each frame is the full egui
//! pass (layout, the engine read with decimation, plot items) plus tessellation into triangles,
//! i.e. all the CPU work of a frame but the GPU upload. Prints median, p95 and worst frame times
//! and the ring points each frame read.
//!
//! `cargo bench --bench gui` (release build). Results go to docs/BENCHMARKS.md.

#![allow(clippy::print_stdout)] // a benchmark reports on stdout

use std::time::{Duration, Instant};

use serde_json::json;
use streamviz::engine::{ConfigPatch, Update, WidgetSpec};
use streamviz::gui::{Source, Viewer, ViewerOptions};
use streamviz::ingest::Pipeline;

const PLOTS: usize = 10;
const RATE: f64 = 10_000.0;
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

fn run(points: usize) -> Run {
    let pipeline = Pipeline::default();
    let mut handles = Vec::new();
    {
        let mut engine = pipeline.engine();
        engine.configure(
            ConfigPatch::from_json(json!({"buffer_size": points})).expect("valid patch"),
        );
        for i in 0..PLOTS {
            let spec = WidgetSpec::parse(
                &format!("m{i}"),
                "metric",
                json!({"title": format!("Metric {i}")}),
            );
            handles.push(engine.declare(spec.expect("valid spec")).expect("declared"));
        }
        // Full rings: one point per millisecond per plot, a random walk.
        let mut value = 0.0_f64;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for p in 0..points {
            for handle in &handles {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                value += (state % 2001) as f64 / 1000.0 - 1.0;
                engine.apply(Update::point(handle.widget, None, p as f64, value));
            }
        }
    }
    let mut viewer = Viewer::new(
        Source::Local(pipeline.clone()),
        ViewerOptions {
            export_dir: std::env::temp_dir(),
            dialogs: false,
        },
    );
    let ctx = egui::Context::default();
    let mut ts = points as f64;
    let per_frame = RATE / FPS / PLOTS as f64;
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
            ts += 1000.0 / RATE * PLOTS as f64;
            for handle in &handles {
                pipeline.send(
                    Update::point(handle.widget, None, ts, (ts / 500.0).sin()),
                    &handle.dropped,
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
    println!(
        "{PLOTS} metric plots, {RATE} points/s in all, {FPS} frames/s, 1920x1200, time range All"
    );
    println!("| points per plot | first frame | median frame | p95 frame | worst frame | ring points read per frame | vertices per frame |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for points in [1_000, 100_000, 1_000_000] {
        let r = run(points);
        println!(
            "| {points} | {:.1} ms | {:.2} ms | {:.2} ms | {:.2} ms | {} | {} |",
            r.first.as_secs_f64() * 1e3,
            r.median.as_secs_f64() * 1e3,
            r.p95.as_secs_f64() * 1e3,
            r.worst.as_secs_f64() * 1e3,
            r.points_read,
            r.vertices
        );
    }
}
