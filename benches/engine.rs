//! Engine benchmarks (criterion): ingest of points into one metric, directly and through the
//! pipeline's queue and engine thread. Run with `cargo bench --bench engine`.

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
        let pipeline = Pipeline::default();
        let cpu = pipeline
            .engine()
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).expect("spec"))
            .expect("declare");
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
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = engine_ingest
}
criterion_main!(benches);
