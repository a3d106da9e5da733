//! Engine benchmarks (criterion): ingest of points into one metric, directly and through the
//! pipeline's queue and engine thread (one point a slot, or batches of 4,096 as `send_many`
//! queues them), and into windowed metrics of several sizes and aggregations (the cost per
//! point must not grow with the window), and into 1,000 metrics with and without one alert rule
//! each (points one by one and in batches). Run with `cargo bench --bench engine`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::json;
use streamviz::engine::{Engine, WidgetSpec};
use streamviz::ingest::Pipeline;
use streamviz::Update;

const POINTS: u64 = 1_000_000;

fn engine_ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Elements(POINTS));
    group.bench_function("engine_apply_one_metric", |b| {
        let mut engine = Engine::new();
        let cpu = engine
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).expect("spec"))
            .expect("declare");
        b.iter(|| {
            for i in 0..POINTS {
                engine.apply(Update::Point {
                    widget: cpu.widget,
                    ts_ms: i as f64,
                    value: black_box(i as f64),
                });
            }
        });
    });
    group.bench_function("engine_apply_one_metric_recording", |b| {
        let mut engine = Engine::new();
        engine.set_recording(true);
        let cpu = engine
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).expect("spec"))
            .expect("declare");
        b.iter(|| {
            for i in 0..POINTS {
                engine.apply(Update::Point {
                    widget: cpu.widget,
                    ts_ms: i as f64,
                    value: black_box(i as f64),
                });
            }
            black_box(engine.take_deltas());
        });
    });
    group.bench_function("pipeline_send_and_flush", |b| {
        let (pipeline, cpu) = pipeline_with_metric();
        b.iter(|| {
            for i in 0..POINTS {
                while !pipeline.send(
                    Update::Point {
                        widget: cpu.widget,
                        ts_ms: i as f64,
                        value: i as f64,
                    },
                    &cpu.dropped,
                ) {
                    std::thread::yield_now();
                }
            }
            assert!(pipeline.flush(Duration::from_secs(60)));
        });
    });
    group.bench_function("pipeline_send_batches_and_flush", |b| {
        let (pipeline, cpu) = pipeline_with_metric();
        // A million points fit the queue's batch budget, so no batch is ever dropped here.
        b.iter(|| {
            for start in (0..POINTS).step_by(4096) {
                let points: Vec<(f64, f64)> = (start..(start + 4096).min(POINTS))
                    .map(|i| (i as f64, i as f64))
                    .collect();
                let update = Update::Points {
                    widget: cpu.widget,
                    series: u32::MAX,
                    points: Box::new(points),
                };
                assert!(pipeline.send(update, &cpu.dropped));
            }
            assert!(pipeline.flush(Duration::from_secs(60)));
        });
    });
    group.finish();
}

/// One point per millisecond into a windowed metric; time goes on across iterations so that
/// windows keep closing.
fn windowed_ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("windows");
    group.throughput(Throughput::Elements(POINTS));
    for (window, slide, aggregation) in [
        ("1s", None, "sum"),
        ("1s", None, "p95"),
        ("1h", None, "p95"),
        ("5m", Some("10s"), "avg"),
        ("5m", Some("10s"), "p95"),
        ("1s", Some("300ms"), "p99"),
    ] {
        let name = match slide {
            Some(slide) => format!("{aggregation}_over_{window}_every_{slide}"),
            None => format!("{aggregation}_per_{window}"),
        };
        group.bench_function(name, |b| {
            let mut engine = Engine::new();
            let mut options = json!({"window": window, "aggregation": aggregation});
            if let Some(slide) = slide {
                options["slide"] = json!(slide);
            }
            let metric = engine
                .declare(WidgetSpec::parse("m", "metric", options).expect("spec"))
                .expect("declare");
            let mut ts_ms = 1.7e12;
            let mut state = 0x9e37_79b9_7f4a_7c15_u64;
            b.iter(|| {
                for _ in 0..POINTS {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    ts_ms += 1.0;
                    engine.apply(Update::Point {
                        widget: metric.widget,
                        ts_ms,
                        value: black_box((state % 100_000) as f64 / 100.0 + 1.0),
                    });
                }
            });
        });
    }
    group.finish();
}

/// `send_many`'s path into a windowed metric: batches of 65,536 points, ten thousand a second
/// of event time (as `benches/held_bench.py` sends them), so that 1-minute windows hold 600,000.
fn windowed_batches(c: &mut Criterion) {
    const BATCH: usize = 65_536;
    let mut group = c.benchmark_group("window_batches");
    group.throughput(Throughput::Elements(BATCH as u64 * 16));
    for aggregation in ["avg", "p95"] {
        group.bench_function(format!("{aggregation}_per_1m"), |b| {
            let mut engine = Engine::new();
            let metric = engine
                .declare(
                    WidgetSpec::parse(
                        "m",
                        "metric",
                        json!({"window": "1m", "aggregation": aggregation}),
                    )
                    .expect("spec"),
                )
                .expect("declare");
            let mut ts_ms = 1.7e12;
            let mut state = 0x9e37_79b9_7f4a_7c15_u64;
            b.iter(|| {
                for _ in 0..16 {
                    let points: Vec<(f64, f64)> = (0..BATCH)
                        .map(|_| {
                            state ^= state << 13;
                            state ^= state >> 7;
                            state ^= state << 17;
                            ts_ms += 0.1;
                            (ts_ms, (state % 100_000) as f64 / 100.0 + 1.0)
                        })
                        .collect();
                    engine.apply(Update::Points {
                        widget: metric.widget,
                        series: u32::MAX,
                        points: Box::new(black_box(points)),
                    });
                }
            });
        });
    }
    group.finish();
}

/// What 1,000 alert rules on 1,000 metrics cost `Engine::apply`: points one by one round-robin
/// over the widgets, and batches of 1,000 points per widget, with no rules and with one rule
/// per widget (evaluated on every point, never firing).
fn alert_rules(c: &mut Criterion) {
    const WIDGETS: u32 = 1_000;
    let mut group = c.benchmark_group("alerts");
    group.throughput(Throughput::Elements(POINTS));
    for rules in [false, true] {
        let setup = || {
            let mut engine = Engine::new();
            let widgets: Vec<_> = (0..WIDGETS)
                .map(|i| {
                    let spec = WidgetSpec::parse(&format!("m{i}"), "metric", json!({}));
                    let handle = engine.declare(spec.expect("spec")).expect("declare");
                    if rules {
                        let rule = streamviz::engine::Rule::from_json(json!({
                            "widget": format!("m{i}"), "above": 1e12, "for": "30s",
                            "recover_below": 1e11, "severity": "critical"}));
                        engine.declare_alert(rule.expect("rule")).expect("alert");
                    }
                    handle.widget
                })
                .collect();
            (engine, widgets)
        };
        let name = if rules { "1000_rules" } else { "no_rules" };
        let (mut engine, widgets) = setup();
        group.bench_function(format!("points_1000_widgets_{name}"), |b| {
            b.iter(|| {
                for i in 0..POINTS {
                    engine.apply(Update::Point {
                        widget: widgets[(i % u64::from(WIDGETS)) as usize],
                        ts_ms: i as f64,
                        value: black_box(i as f64),
                    });
                }
            });
        });
        let (mut engine, widgets) = setup();
        let batch: Vec<(f64, f64)> = (0..POINTS / u64::from(WIDGETS))
            .map(|i| (i as f64, i as f64))
            .collect();
        group.bench_function(format!("batches_1000_widgets_{name}"), |b| {
            b.iter(|| {
                for &widget in &widgets {
                    engine.apply(Update::Points {
                        widget,
                        series: u32::MAX,
                        points: Box::new(black_box(batch.clone())),
                    });
                }
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = engine_ingest, windowed_ingest, windowed_batches, alert_rules
}
criterion_main!(benches);

/// A pipeline with one plain metric, "cpu".
fn pipeline_with_metric() -> (Pipeline, streamviz::engine::WidgetHandle) {
    let pipeline = Pipeline::default();
    let cpu = pipeline
        .engine()
        .declare(WidgetSpec::parse("cpu", "metric", json!({})).expect("spec"))
        .expect("declare");
    (pipeline, cpu)
}
