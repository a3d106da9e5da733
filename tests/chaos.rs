//! Chaos, with real sockets: 20 real viewers receive 100,000 points a second, first on a quiet
//! server, then while 2,000 idle sockets and 50 slowloris senders (a request head dribbled out a
//! byte at a time) hold connections open. The viewers must get every point, once, in order, in
//! both phases, and their 99th-percentile latency (point sent → message received) while the
//! server holds the attackers' connections must stay within twice the quiet figure; the server
//! keeps answering health checks.

#![cfg(feature = "web")]
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use serde_json::json;
use streamviz::ingest::Pipeline;
use streamviz::web::ConnectionLimits;
use streamviz::Update;
use tokio_tungstenite::tungstenite::Message;

mod common;

const VIEWERS: usize = 20;
const METRICS: usize = 40;
/// Points per metric per producer tick of 10 ms: 40 × 25 × 100 = 100,000 points a second.
const PER_TICK: usize = 25;
const TICK: Duration = Duration::from_millis(10);
const PHASE: Duration = Duration::from_secs(6);
const IDLE_SOCKETS: usize = 2000;
const SLOWLORIS: usize = 50;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// The type of a server message (`{"type":"data",...}`).
fn kind(text: &str) -> &str {
    text.strip_prefix("{\"type\":\"")
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("")
}

/// Each op of a `data` message that carries a metric's points: `(metric index, points)`. A scan
/// of the text as the server writes it (compact JSON, `widget` first), not a parse into values:
/// 20 viewers read 2 M points a second here, in a debug build.
fn points_ops(text: &str, mut each: impl FnMut(usize, &[(f64, f64)])) {
    const OP: &str = "{\"widget\":\"c";
    const POINTS: &str = "\",\"points\":[";
    let mut rest = text;
    let mut points = Vec::new();
    while let Some(at) = rest.find(OP) {
        rest = &rest[at + OP.len()..];
        let Some(end) = rest.find('"') else { return };
        let index: usize = rest[..end].parse().unwrap();
        rest = &rest[end..];
        let Some(body) = rest.strip_prefix(POINTS) else {
            continue;
        };
        rest = body;
        points.clear();
        // `[ts,value]` pairs, comma-separated, up to the closing `]`.
        while let Some(pair) = rest.strip_prefix('[') {
            let comma = pair.find(',').unwrap();
            let close = pair.find(']').unwrap();
            points.push((
                pair[..comma].parse().unwrap(),
                pair[comma + 1..close].parse().unwrap(),
            ));
            rest = &pair[close + 1..];
            rest = rest.strip_prefix(',').unwrap_or(rest);
        }
        each(index, &points);
    }
}

/// What one viewer saw: per metric the last value (values count up from 0 per metric) and the
/// latency of each op it received, per phase.
struct Seen {
    last: Vec<f64>,
    points: u64,
    latencies: [Vec<f64>; 2],
}

/// A viewer: connects, says it is ready once past its snapshot, then checks and times every
/// point until it has `expected` (set when the producer stops) of them.
async fn viewer(
    url: String,
    ready: Arc<AtomicU64>,
    phase: Arc<AtomicU64>,
    expected: Arc<AtomicU64>,
) -> Seen {
    let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut seen = Seen {
        last: vec![-1.0; METRICS],
        points: 0,
        latencies: [Vec::new(), Vec::new()],
    };
    let (mut quiet_since, mut counted) = (Instant::now(), false);
    loop {
        let total = expected.load(Ordering::Acquire);
        if total > 0 && seen.points == total {
            return seen;
        }
        let Ok(message) = tokio::time::timeout(Duration::from_millis(100), socket.next()).await
        else {
            assert!(
                quiet_since.elapsed() < Duration::from_secs(20),
                "nothing for 20 s; {} points so far",
                seen.points
            );
            continue;
        };
        quiet_since = Instant::now();
        let Message::Text(text) = message.expect("open").expect("a frame") else {
            continue;
        };
        let received = now_ms();
        let text = text.as_str();
        match kind(text) {
            "data" => {}
            "stats" => {
                // The first follows the snapshot.
                if !counted {
                    counted = true;
                    ready.fetch_add(1, Ordering::AcqRel);
                }
                continue;
            }
            "history" if ready.load(Ordering::Acquire) as usize == VIEWERS => {
                panic!("a viewer was resynchronised: it fell behind")
            }
            _ => continue,
        }
        assert!(
            !text.contains("decimated"),
            "a tick of one metric is never reduced here"
        );
        let at = phase.load(Ordering::Acquire) as usize;
        points_ops(text, |index, points| {
            for &(_, value) in points {
                assert_eq!(
                    value,
                    seen.last[index] + 1.0,
                    "c{index}: every point once, in order"
                );
                seen.last[index] = value;
                seen.points += 1;
            }
            // Phases: 0 warming up, 1 quiet, 2 under attack, 3 done.
            if let (Some(&(sent, _)), 1..=2) = (points.first(), at) {
                seen.latencies[at - 1].push(received - sent);
            }
        });
    }
}

/// File descriptors this process holds open.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn p99(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty());
    values.sort_by(f64::total_cmp);
    values[(values.len() * 99 / 100).min(values.len() - 1)]
}

/// Connections that send a request head a byte every 500 ms, each reopened when the server
/// closes it (after its header timeout), until `stop`.
fn slowloris(address: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::Builder::new()
        .name("slowloris".into())
        .spawn(move || {
            let head = format!("GET /api/v1/stats HTTP/1.1\r\nHost: {address}\r\nX-Slow: ");
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut socket) = TcpStream::connect(&address) else {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                };
                for byte in head.bytes().chain(std::iter::repeat(b'a')) {
                    if stop.load(Ordering::Relaxed) || socket.write_all(&[byte]).is_err() {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        })
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_viewers_keep_every_point_and_their_latency_while_thousands_of_sockets_misbehave() {
    // Both ends of 2,050 sockets live in this process.
    rlimit::increase_nofile_limit(16_384).unwrap();
    let pipeline = Pipeline::default();
    let metrics: Vec<_> = (0..METRICS)
        .map(|i| {
            common::declare(
                &pipeline,
                &format!("c{i}"),
                "metric",
                json!({"max_points": 100_000}),
            )
        })
        .collect();
    let (_server, address) = common::serve_within(&pipeline, ConnectionLimits::default());
    let url = format!("ws://{address}/ws");
    let phase = Arc::new(AtomicU64::new(0));
    let (ready, expected) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let viewers: Vec<_> = (0..VIEWERS)
        .map(|_| {
            tokio::spawn(viewer(
                url.clone(),
                ready.clone(),
                phase.clone(),
                expected.clone(),
            ))
        })
        .collect();
    // Every viewer connected (and past its snapshot) before anything is sent.
    let deadline = Instant::now() + Duration::from_secs(20);
    while (ready.load(Ordering::Acquire) as usize) < VIEWERS {
        assert!(Instant::now() < deadline, "the viewers did not connect");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The producer: 100k points a second in 10 ms ticks, each point stamped with when it was sent.
    let (stop, sent) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
    );
    let producer = {
        let (pipeline, stop, sent) = (pipeline.clone(), stop.clone(), sent.clone());
        std::thread::Builder::new()
            .name("producer".into())
            .spawn(move || {
                let mut next = vec![0_u64; METRICS];
                let mut at = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    for (metric, next) in metrics.iter().zip(next.iter_mut()) {
                        let ts = now_ms();
                        let points: Vec<(f64, f64)> = (0..PER_TICK)
                            .map(|k| (ts, (*next + k as u64) as f64))
                            .collect();
                        *next += PER_TICK as u64;
                        assert!(pipeline.send_waiting(
                            Update::Points {
                                widget: metric.widget,
                                series: u32::MAX,
                                points: Box::new(points),
                            },
                            &metric.dropped,
                            None,
                        ));
                    }
                    sent.fetch_add((METRICS * PER_TICK) as u64, Ordering::Relaxed);
                    at += TICK;
                    std::thread::sleep(at.saturating_duration_since(Instant::now()));
                }
            })
            .unwrap()
    };

    tokio::time::sleep(Duration::from_secs(1)).await;
    phase.store(1, Ordering::Release);
    tokio::time::sleep(PHASE).await;
    // The attack: 2,000 sockets that connect and say nothing, 50 that dribble a request head.
    let fds_before = open_fds();
    let attack_start = Instant::now();
    let idle_address = address.clone();
    let idle: Vec<TcpStream> = tokio::task::spawn_blocking(move || {
        (0..IDLE_SOCKETS)
            .map(|_| TcpStream::connect(&idle_address).unwrap())
            .collect()
    })
    .await
    .unwrap();
    let stop_slowloris = Arc::new(AtomicBool::new(false));
    let slow: Vec<_> = (0..SLOWLORIS)
        .map(|_| slowloris(address.clone(), stop_slowloris.clone()))
        .collect();
    // Measured while the server holds them all: both ends of each socket are in this process.
    let held = 2 * (IDLE_SOCKETS + SLOWLORIS);
    while open_fds() < fds_before + held {
        assert!(
            attack_start.elapsed() < Duration::from_secs(20),
            "the server did not accept the sockets"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!(
        "{IDLE_SOCKETS} idle and {SLOWLORIS} slowloris sockets held after {:?}",
        attack_start.elapsed()
    );
    phase.store(2, Ordering::Release);
    let health_address = address.clone();
    let healthy = tokio::task::spawn_blocking(move || {
        common::http(
            &health_address,
            "GET",
            "/api/v1/health",
            &[("Host", &health_address)],
            "",
        )
    });
    tokio::time::sleep(PHASE).await;
    phase.store(3, Ordering::Release);
    assert_eq!(
        healthy.await.unwrap().0,
        200,
        "health answered under attack"
    );

    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    let total = sent.load(Ordering::Relaxed);
    expected.store(total, Ordering::Release);
    let mut quiet = Vec::new();
    let mut attacked = Vec::new();
    for viewer in viewers {
        let seen = viewer.await.unwrap();
        assert_eq!(seen.points, total, "every viewer got every point");
        let [q, a] = seen.latencies;
        quiet.extend(q);
        attacked.extend(a);
    }
    stop_slowloris.store(true, Ordering::Relaxed);
    drop(idle);
    for thread in slow {
        thread.join().unwrap();
    }
    let (quiet, attacked) = (p99(quiet), p99(attacked));
    eprintln!("{total} points to each of {VIEWERS} viewers; p99 latency quiet {quiet:.1} ms, under attack {attacked:.1} ms");
    assert!(
        attacked <= 2.0 * quiet,
        "p99 under attack {attacked:.1} ms is more than twice the quiet {quiet:.1} ms"
    );
    assert_eq!(pipeline.stats().points_dropped, 0);
}
