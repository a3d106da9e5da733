//! The queue policy under a flood: producers are never blocked, memory stays bounded, and every
//! update is either applied or dropped and counted (per widget, in `/api/v1/stats`, and in the
//! `stats` message every viewer gets).

#![cfg(feature = "web")]
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use streamviz::engine::WidgetHandle;
use streamviz::ingest::{Pipeline, PipelineOptions, MAX_QUEUED_BATCH_POINTS};
use streamviz::Update;

use common::declare;

/// Send `count` single points and `batches` batches of `batch` points from one thread; returns
/// (points sent, points the queue took).
fn flood(
    pipeline: &Pipeline,
    widget: &WidgetHandle,
    count: usize,
    batches: usize,
    batch: usize,
) -> std::thread::JoinHandle<(u64, u64)> {
    let (pipeline, widget) = (pipeline.clone(), widget.clone());
    std::thread::Builder::new()
        .name("flood".into())
        .spawn(move || {
            let mut taken = 0;
            for i in 0..count {
                let point = Update::point(widget.widget, None, i as f64, 1.0);
                taken += u64::from(pipeline.send(point, &widget.dropped));
            }
            for b in 0..batches {
                let points = (0..batch).map(|i| ((b * batch + i) as f64, 2.0)).collect();
                let update = Update::Points {
                    widget: widget.widget,
                    series: u32::MAX,
                    points: Box::new(points),
                };
                if pipeline.send(update, &widget.dropped) {
                    taken += batch as u64;
                }
            }
            ((count + batches * batch) as u64, taken)
        })
        .unwrap()
}

#[test]
fn a_stalled_engine_blocks_no_producer_and_every_update_is_applied_or_counted() {
    const CAPACITY: usize = 1024;
    let pipeline = Pipeline::new(PipelineOptions {
        queue_capacity: CAPACITY,
    });
    let a = declare(&pipeline, "a", "metric", json!({}));
    let b = declare(&pipeline, "b", "metric", json!({}));
    // The engine takes nothing while the test holds its lock: 10× the queue's slots of single
    // points and 10× the batch budget of batched points must still all return at once.
    let stalled = pipeline.engine();
    let producers = [
        flood(&pipeline, &a, 10 * CAPACITY, 0, 0),
        flood(&pipeline, &b, 0, 10 * MAX_QUEUED_BATCH_POINTS / 4096, 4096),
    ];
    let results: Vec<(u64, u64)> = producers.into_iter().map(|p| p.join().unwrap()).collect();
    let queued = pipeline.queued();
    assert!(
        queued <= CAPACITY,
        "the queue holds at most its slots: {queued}"
    );
    drop(stalled);
    assert!(pipeline.flush(Duration::from_secs(30)));

    let stats = pipeline.stats();
    let per_widget: Vec<(u64, u64)> = stats
        .engine
        .per_widget
        .iter()
        .map(|w| (w.accepted, w.dropped))
        .collect();
    for ((sent, taken), (accepted, dropped)) in results.iter().zip(&per_widget) {
        assert_eq!(*accepted, *taken, "what the queue took was applied");
        assert_eq!(accepted + dropped, *sent, "the rest was counted as dropped");
        assert!(
            *dropped > sent / 2,
            "most of a flood that large is dropped: {dropped}"
        );
    }
    // Batches are bounded by points, not only slots: at most the budget was ever taken.
    assert!(results[1].1 <= MAX_QUEUED_BATCH_POINTS as u64);
    assert_eq!(
        stats.points_dropped,
        per_widget.iter().map(|(_, d)| d).sum::<u64>()
    );
}

#[test]
fn an_engine_ten_times_too_slow_keeps_the_queue_bounded_and_viewers_see_the_drops() {
    const CAPACITY: usize = 4096;
    let pipeline = Pipeline::new(PipelineOptions {
        queue_capacity: CAPACITY,
    });
    let cpu = declare(&pipeline, "cpu", "metric", json!({"max_points": 100}));
    let idle = declare(&pipeline, "idle", "gauge", json!({}));
    let server = common::start_server(&pipeline, 0, Default::default());
    // A slow engine: something else holds its lock nine tenths of the time.
    let stop = Arc::new(AtomicBool::new(false));
    let hog = {
        let (pipeline, stop) = (pipeline.clone(), Arc::clone(&stop));
        std::thread::Builder::new()
            .name("hog".into())
            .spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let held = pipeline.engine();
                    std::thread::sleep(Duration::from_millis(9));
                    drop(held);
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
            .unwrap()
    };
    let watcher = {
        let pipeline = pipeline.clone();
        let stop = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("watcher".into())
            .spawn(move || {
                let mut most = 0;
                while !stop.load(Ordering::Relaxed) {
                    most = most.max(pipeline.queued());
                    std::thread::yield_now();
                }
                most
            })
            .unwrap()
    };
    let (sent, taken) = flood(&pipeline, &cpu, 2_000_000, 0, 0).join().unwrap();
    stop.store(true, Ordering::Relaxed);
    hog.join().unwrap();
    let most_queued = watcher.join().unwrap();
    assert!(most_queued <= CAPACITY, "{most_queued}");
    assert!(pipeline.flush(Duration::from_secs(30)));
    let stats = pipeline.stats();
    let cpu_stats = &stats.engine.per_widget[0];
    assert_eq!(cpu_stats.accepted, taken);
    assert_eq!(cpu_stats.accepted + cpu_stats.dropped, sent);
    assert!(
        cpu_stats.dropped > 0,
        "an engine this slow cannot take it all"
    );
    assert_eq!(stats.engine.per_widget[1].dropped, 0);

    // `/api/v1/stats` and every viewer's `stats` message say so, for that widget only.
    let body: Value = {
        let url = format!("{}api/v1/stats", server.url());
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (mut socket, _) = tokio_tungstenite::connect_async(format!(
                "{}ws",
                server.url().replace("http://", "ws://")
            ))
            .await
            .unwrap();
            loop {
                let message = socket.next().await.unwrap().unwrap();
                let message: Value = serde_json::from_str(message.to_text().unwrap()).unwrap();
                if message["type"] == "stats" {
                    assert_eq!(
                        message["widgets"],
                        json!({"cpu": {"dropped": cpu_stats.dropped, "late": 0}})
                    );
                    break;
                }
            }
            common::http_get_json(&url)
        })
    };
    assert_eq!(body["per_widget"][0]["dropped"], json!(cpu_stats.dropped));
    assert_eq!(body["points_dropped"], json!(cpu_stats.dropped));
    let _ = idle;
    server.stop();
}
