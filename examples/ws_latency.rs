//! Connect many WebSocket clients to a StreamViz dashboard and measure how late points arrive:
//! for every point of every `data` message, the time it was received minus its timestamp (so the
//! producer stamps points with the time it sends them, the default).
//!
//!     cargo run --release --example ws_latency -- ws://127.0.0.1:3000/ws 20
//!
//! Prints `READY` once every client has its snapshot, then measures until stdin closes, and
//! prints one JSON line: clients, points, messages, p50/p99/max latency in ms.

#![allow(clippy::print_stdout)] // a benchmark client reports on stdout

use std::io::{BufRead, Write};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use serde::de::IgnoredAny;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

/// Latencies in 0.1 ms buckets up to 60 s.
const BUCKETS: usize = 600_000;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: &'a str,
}

#[derive(Deserialize)]
struct Data {
    updates: Vec<Op>,
}

#[derive(Deserialize)]
struct Op {
    #[serde(default)]
    points: Option<Vec<(f64, IgnoredAny)>>,
}

struct Histogram {
    counts: Vec<u64>,
    messages: u64,
}

impl Histogram {
    fn percentile(&self, q: f64) -> f64 {
        let total: u64 = self.counts.iter().sum();
        let rank = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return bucket as f64 / 10.0;
            }
        }
        f64::NAN
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(clients)) = (
        args.next(),
        args.next().and_then(|n| n.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: ws_latency WS_URL CLIENTS");
        std::process::exit(2);
    };
    let histogram = Arc::new(Mutex::new(Histogram {
        counts: vec![0; BUCKETS],
        messages: 0,
    }));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(clients);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (url, histogram, ready) = (url.clone(), Arc::clone(&histogram), ready_tx.clone());
        let mut stop = stop_rx.clone();
        tasks.push(tokio::spawn(async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
                .await
                .expect("connect");
            let mut local = vec![0_u64; BUCKETS];
            let (mut ready_sent, mut messages) = (false, 0_u64);
            loop {
                let message = tokio::select! {
                    message = socket.next() => message,
                    _ = stop.changed() => break,
                };
                let Some(Ok(Message::Text(text))) = message else {
                    if message.is_none() {
                        break;
                    }
                    continue;
                };
                let Ok(envelope) = serde_json::from_str::<Envelope<'_>>(text.as_str()) else {
                    continue;
                };
                match envelope.kind {
                    "stats" if !ready_sent => {
                        ready_sent = true;
                        let _ = ready.send(()).await;
                    }
                    "data" if ready_sent => {
                        let received = now_ms();
                        let Ok(data) = serde_json::from_str::<Data>(text.as_str()) else {
                            continue;
                        };
                        messages += 1;
                        let points = data.updates.into_iter().filter_map(|op| op.points);
                        for (ts, _) in points.flatten() {
                            let bucket = ((received - ts).max(0.0) * 10.0) as usize;
                            local[bucket.min(BUCKETS - 1)] += 1;
                        }
                    }
                    _ => {}
                }
            }
            let mut shared = histogram.lock().expect("lock");
            for (total, count) in shared.counts.iter_mut().zip(local.iter()) {
                *total += count;
            }
            shared.messages += messages;
        }));
    }
    drop(ready_tx);
    for _ in 0..clients {
        ready_rx.recv().await.expect("every client connects");
    }
    println!("READY");
    let _ = std::io::stdout().flush();
    // Measure until stdin closes.
    tokio::task::spawn_blocking(|| for _ in std::io::stdin().lock().lines() {})
        .await
        .expect("stdin");
    let _ = stop_tx.send(true);
    for task in tasks {
        let _ = task.await;
    }
    let histogram = histogram.lock().expect("lock");
    let points: u64 = histogram.counts.iter().sum();
    println!(
        "{}",
        serde_json::json!({
            "clients": clients,
            "points": points,
            "messages": histogram.messages,
            "p50_ms": histogram.percentile(0.5),
            "p99_ms": histogram.percentile(0.99),
            "max_ms": histogram.percentile(1.0),
        })
    );
}
