//! The WebSocket protocol end to end: a real server on a free port and a real client
//! (tokio-tungstenite): hello → config → history → data, pushes over the socket, and a bad
//! message answered with an error while the connection and the data stay.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use streamviz::engine::{WidgetHandle, WidgetSpec};
use streamviz::ingest::Pipeline;
use streamviz::web::{bind, serve, ServerOptions};
use streamviz::Update;
use tokio_tungstenite::tungstenite::Message;

mod common;

async fn start(pipeline: &Pipeline) -> (String, tokio::sync::oneshot::Sender<()>) {
    start_with(
        pipeline,
        ServerOptions {
            port: 0,
            ..ServerOptions::default()
        },
    )
    .await
}

async fn start_with(
    pipeline: &Pipeline,
    options: ServerOptions,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = bind(&options).expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let pipeline = pipeline.clone();
    tokio::spawn(async move {
        serve(listener, pipeline, &options, async move {
            let _ = stopped.await;
        })
        .await
        .expect("serve");
    });
    (format!("ws://{address}/ws"), stop)
}

/// A producer on its own thread, as a Python script would be: `points` points made by
/// `point(i)` (timestamp, value), pausing 5 ms after every `burst` of them.
fn spawn_producer(
    pipeline: &Pipeline,
    cpu: &WidgetHandle,
    points: usize,
    burst: usize,
    point: fn(usize) -> (f64, f64),
) -> std::thread::JoinHandle<()> {
    let (pipeline, cpu) = (pipeline.clone(), cpu.clone());
    std::thread::Builder::new()
        .name("producer".into())
        .spawn(move || {
            for i in 0..points {
                let (ts_ms, value) = point(i);
                pipeline.send(
                    Update::Point {
                        widget: cpu.widget,
                        ts_ms,
                        value,
                    },
                    &cpu.dropped,
                );
                if i % burst == burst - 1 {
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        })
        .expect("spawn")
}

async fn next_json<S>(socket: &mut tokio_tungstenite::WebSocketStream<S>) -> Value
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s")
            .expect("socket open")
            .expect("valid frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gets_hello_config_history_then_live_data_in_order() {
    let pipeline = Pipeline::default();
    let cpu = pipeline
        .engine()
        .declare(WidgetSpec::parse("cpu", "metric", json!({"max_points": 5000})).unwrap())
        .unwrap();
    for i in 0..100 {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: 1000.0 + i as f64,
                value: i as f64,
            },
            &cpu.dropped,
        );
    }
    assert!(pipeline.flush(Duration::from_secs(10)));
    let (url, _stop) = start(&pipeline).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");

    let hello = next_json(&mut socket).await;
    assert_eq!(
        (hello["type"].as_str(), hello["protocol"].as_u64()),
        (Some("hello"), Some(3))
    );
    let config = next_json(&mut socket).await;
    assert_eq!(config["type"], "config");
    assert_eq!(config["widgets"][0]["id"], "cpu");
    let history = next_json(&mut socket).await;
    assert_eq!(history["type"], "history");
    let points = history["data"]["points"].as_array().expect("points");
    assert_eq!(points.len(), 100);
    assert_eq!(points[99], json!([1099.0, 99.0]));
    // Then what widgets lost so far: nothing.
    assert_eq!(
        next_json(&mut socket).await,
        json!({"type": "stats", "widgets": {}})
    );

    // Live points after the snapshot arrive exactly once, in order (up to 1,024 points of a series
    // a tick are sent as they are; more are reduced, below).
    for i in 100..1100 {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: 1000.0 + i as f64,
                value: i as f64,
            },
            &cpu.dropped,
        );
    }
    let mut received = Vec::new();
    let mut last_seq = 0;
    while received.len() < 1000 {
        let message = next_json(&mut socket).await;
        assert_eq!(message["type"], "data", "{message}");
        let seq = message["seq"].as_u64().expect("seq");
        assert!(seq > last_seq, "seq increases");
        last_seq = seq;
        for op in message["updates"].as_array().expect("updates") {
            for point in op["points"].as_array().expect("points") {
                received.push(point[1].as_f64().expect("value"));
            }
        }
    }
    assert!(received.iter().copied().eq((100..1100).map(f64::from)));
}

/// A series that takes more points in a tick than clients are sent (1,024) arrives M4-reduced
/// and marked, with its first, last, lowest and highest points; other widgets' points in the
/// same tick arrive whole; the range endpoint still gives every point.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_reaches_clients_reduced_to_what_a_chart_draws() {
    let pipeline = Pipeline::default();
    let declare = |id: &str, kind: &str| {
        pipeline
            .engine()
            .declare(WidgetSpec::parse(id, kind, json!({"max_points": 200_000})).unwrap())
            .unwrap()
    };
    let (cpu, small) = (declare("cpu", "metric"), declare("small", "metric"));
    let (url, _stop) = start(&pipeline).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    while next_json(&mut socket).await["type"] != "stats" {}

    // 100,000 points in one batch, a spike at 77,777 and a dip at 12,345; 10 points elsewhere.
    let value = |i: usize| match i {
        77_777 => 1e6,
        12_345 => -1e6,
        _ => (i % 100) as f64,
    };
    let points: Vec<(f64, f64)> = (0..100_000)
        .map(|i| (1000.0 + i as f64, value(i)))
        .collect();
    let send = |handle: &WidgetHandle, points: Vec<(f64, f64)>| {
        let update = Update::Points {
            widget: handle.widget,
            series: u32::MAX,
            points: Box::new(points),
        };
        assert!(pipeline.send(update, &handle.dropped));
    };
    send(&cpu, points);
    send(
        &small,
        (0..10).map(|i| (f64::from(i), f64::from(i))).collect(),
    );
    let (mut cpu_points, mut small_points, mut flags) = (Vec::new(), Vec::new(), Vec::new());
    while cpu_points.last().map(|p: &(f64, f64)| p.0) != Some(100_999.0) || small_points.len() < 10
    {
        let message = next_json(&mut socket).await;
        assert_eq!(message["type"], "data", "{message}");
        for op in message["updates"].as_array().expect("updates") {
            let target = if op["widget"] == "cpu" {
                &mut cpu_points
            } else {
                &mut small_points
            };
            if op["widget"] == "cpu" {
                flags.push(op["decimated"].as_bool());
            } else {
                assert!(
                    op.get("decimated").is_none(),
                    "a small series goes whole: {op}"
                );
            }
            for p in op["points"].as_array().expect("points") {
                target.push((p[0].as_f64().unwrap(), p[1].as_f64().unwrap()));
            }
        }
    }
    assert!(flags.iter().all(|&f| f == Some(true)), "{flags:?}");
    assert!(
        cpu_points.len() <= 1_024,
        "{} points sent",
        cpu_points.len()
    );
    assert_eq!(cpu_points.first(), Some(&(1000.0, 0.0)));
    assert!(cpu_points.contains(&(78_777.0, 1e6)) && cpu_points.contains(&(13_345.0, -1e6)));
    assert!(
        cpu_points.windows(2).all(|w| w[0].0 <= w[1].0),
        "in time order"
    );
    assert_eq!(
        small_points,
        (0..10)
            .map(|i| (f64::from(i), f64::from(i)))
            .collect::<Vec<_>>()
    );

    // The engine holds every point: the range endpoint reads them at full detail.
    let http = url.replace("ws://", "http://").replace("/ws", "");
    let url = format!("{http}/api/v1/widgets/cpu/range?from=50000&to=50099&width=1000");
    let body = tokio::task::spawn_blocking(move || common::http_get_json(&url))
        .await
        .unwrap();
    assert_eq!(body["points_in_range"], 100, "{body}");
    assert_eq!(body["decimated"], false, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_over_the_socket_are_acknowledged_or_refused_with_a_reason() {
    let pipeline = Pipeline::default();
    let (url, _stop) = start(&pipeline).await;
    let (mut socket, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    assert_eq!(next_json(&mut socket).await["type"], "hello");
    assert_eq!(next_json(&mut socket).await["type"], "config");

    let push = json!({"type": "push", "widgets": [{"id": "temp", "kind": "gauge"}], "updates": [{"widget": "temp", "value": 42}]});
    socket
        .send(Message::text(push.to_string()))
        .await
        .expect("send");
    let bad = json!({"type": "push", "updates": [{"widget": "temp", "value": "hot"}]});
    socket
        .send(Message::text(bad.to_string()))
        .await
        .expect("send");
    socket.send(Message::text("{not json")).await.expect("send");

    let mut ack = None;
    let mut errors = Vec::new();
    let mut saw_value = false;
    while ack.is_none() || errors.len() < 2 || !saw_value {
        let message = next_json(&mut socket).await;
        match message["type"].as_str() {
            Some("ack") => ack = Some(message),
            Some("error") => errors.push(message["reason"].as_str().unwrap_or_default().to_owned()),
            Some("data") => saw_value |= message["updates"][0]["points"][0][1] == json!(42.0),
            _ => {}
        }
    }
    assert_eq!(ack.expect("ack")["applied"], 1);
    assert!(errors[0].contains("updates[0]"), "{errors:?}");
    assert!(errors[1].contains("body"), "{errors:?}");
    let engine = pipeline.engine();
    let (_, data) = engine.widget("temp").expect("declared by the push");
    assert_eq!(data.len(), 1, "the refused pushes changed nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_client_slows_neither_the_producer_nor_other_clients() {
    let pipeline = Pipeline::default();
    let cpu = pipeline
        .engine()
        .declare(WidgetSpec::parse("cpu", "metric", json!({})).unwrap())
        .unwrap();
    let (url, _stop) = start(&pipeline).await;
    // This client connects and never reads: its socket buffers fill and it falls behind.
    let (_stalled, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    let (mut reader, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    while next_json(&mut reader).await["type"] != "stats" {}

    const POINTS: usize = 300_000;
    // Spread the points over many flush ticks, as a live source would.
    let producer = spawn_producer(&pipeline, &cpu, POINTS, 10_000, |i| (i as f64, i as f64));
    // Every point once, in order, up to the last; points of a tick of more than 1,024 are
    // reduced (their op says so), so a point may be missing only around a reduced op.
    let (mut last, mut last_reduced) = (-1.0, false);
    while last < (POINTS - 1) as f64 {
        let message = next_json(&mut reader).await;
        assert_eq!(
            message["type"], "data",
            "the reading client is never resynchronised: {}",
            message["type"]
        );
        for op in message["updates"].as_array().expect("updates") {
            let reduced = op["decimated"] == true;
            for point in op["points"].as_array().expect("points") {
                let value = point[1].as_f64().expect("value");
                assert!(value > last, "in order, each once: {value} after {last}");
                assert!(
                    value == last + 1.0 || reduced || last_reduced,
                    "{value} after {last}: a point missing outside a reduced op"
                );
                last = value;
            }
            last_reduced = reduced;
        }
    }
    producer.join().expect("producer");
    assert_eq!(
        pipeline.stats().points_dropped,
        0,
        "the producer was never refused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_falls_behind_is_resynchronised_with_a_fresh_snapshot() {
    let pipeline = Pipeline::default();
    const KEPT: usize = 1000;
    let cpu = pipeline
        .engine()
        .declare(WidgetSpec::parse("cpu", "metric", json!({"max_points": KEPT})).unwrap())
        .unwrap();
    // A short backlog and a fast tick: a client that does not read falls out of the backlog soon.
    let (url, _stop) = start_with(
        &pipeline,
        ServerOptions {
            port: 0,
            flush_interval: Duration::from_millis(5),
            client_backlog: 4,
            ..ServerOptions::default()
        },
    )
    .await;
    // The slow client has a small receive buffer so that the server's writes back up quickly.
    let address = url
        .trim_start_matches("ws://")
        .trim_end_matches("/ws")
        .parse()
        .expect("address");
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096).expect("buffer size");
    let tcp = tcp.connect(address).await.expect("connect");
    let (mut slow, _) = tokio_tungstenite::client_async(url.as_str(), tcp)
        .await
        .expect("handshake");
    assert_eq!(next_json(&mut slow).await["type"], "hello");
    assert_eq!(next_json(&mut slow).await["type"], "config");
    assert_eq!(next_json(&mut slow).await["type"], "history");
    assert_eq!(next_json(&mut slow).await["type"], "stats");

    // A fast client that reads everything: each burst below waits until it has seen the burst,
    // so every burst is at least one frame of its own whatever the machine's load.
    let (mut fast, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("connect");
    for expected in ["hello", "config", "history", "stats"] {
        assert_eq!(next_json(&mut fast).await["type"], expected);
    }

    // ~14 MB in 400 frames while the slow client reads nothing: far more than socket buffers
    // hold (a few MB on loopback) and far more frames than the backlog holds.
    const POINTS: usize = 400_000;
    const BURST: usize = 1_000;
    let value = |i: usize| i as f64 + 0.123_456_789;
    for burst in 0..POINTS / BURST {
        for i in burst * BURST..(burst + 1) * BURST {
            pipeline.send(
                Update::Point {
                    widget: cpu.widget,
                    ts_ms: 1.0e12 + i as f64,
                    value: value(i),
                },
                &cpu.dropped,
            );
        }
        let last = value((burst + 1) * BURST - 1);
        'seen: loop {
            let message = next_json(&mut fast).await;
            for op in message["updates"].as_array().into_iter().flatten() {
                if op["points"]
                    .as_array()
                    .and_then(|p| p.last())
                    .map(|p| p[1].as_f64())
                    == Some(Some(last))
                {
                    break 'seen;
                }
            }
        }
    }
    assert_eq!(pipeline.stats().points_dropped, 0);

    // Now it reads: stale frames still in the socket, then a fresh config and history, then live
    // data. Rebuild the series the way a viewer does and compare with what the engine holds.
    let mut series: Vec<f64> = Vec::new();
    let mut resyncs = 0;
    while series.last() != Some(&value(POINTS - 1)) {
        let message = next_json(&mut slow).await;
        match message["type"].as_str() {
            Some("config") => resyncs += 1,
            Some("stats") => {}
            Some("history") => {
                series = message["data"]["points"]
                    .as_array()
                    .expect("points")
                    .iter()
                    .map(|p| p[1].as_f64().expect("value"))
                    .collect();
            }
            Some("data") => {
                for op in message["updates"].as_array().expect("updates") {
                    series.extend(
                        op["points"]
                            .as_array()
                            .expect("points")
                            .iter()
                            .map(|p| p[1].as_f64().expect("value")),
                    );
                }
            }
            other => panic!("unexpected message {other:?}"),
        }
    }
    assert!(resyncs >= 1, "the slow client was resynchronised");
    let tail = &series[series.len() - KEPT..];
    assert!(
        tail.iter().copied().eq((POINTS - KEPT..POINTS).map(value)),
        "after the resync the client holds exactly the newest points, in order"
    );
}

/// A burst larger than the engine's log sends every client back to a snapshot at once: they
/// share one (taken and encoded once, not once per client), and each, with the frames after it,
/// then holds exactly what the engine holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_a_burst_sends_back_share_one_snapshot_and_hold_the_ring() {
    const CLIENTS: usize = 6;
    const KEPT: usize = 2000;
    let pipeline = Pipeline::default();
    let cpu = pipeline
        .engine()
        .declare(WidgetSpec::parse("cpu", "metric", json!({"max_points": KEPT})).unwrap())
        .unwrap();
    let (url, _stop) = start(&pipeline).await;
    let stats_url = url
        .replace("ws://", "http://")
        .replace("/ws", "/api/v1/stats");
    let snapshots = || {
        let url = stats_url.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                common::http_get_json(&url)["client_snapshots"].as_u64()
            })
            .await
            .expect("stats")
            .expect("client_snapshots")
        }
    };
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (mut socket, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        for expected in ["hello", "config", "history", "stats"] {
            assert_eq!(next_json(&mut socket).await["type"], expected);
        }
        clients.push(socket);
    }
    let before = snapshots().await;

    // One batch of more points than the log holds: a resync.
    let burst: Vec<(f64, f64)> = (0..streamviz::engine::MAX_PENDING_UPDATES + 1000)
        .map(|i| (1.0e12 + i as f64, i as f64))
        .collect();
    let last_burst_ts = burst.last().expect("points").0;
    assert!(pipeline.send(
        Update::Points {
            widget: cpu.widget,
            series: u32::MAX,
            points: Box::new(burst),
        },
        &cpu.dropped,
    ));
    assert!(pipeline.flush(Duration::from_secs(30)));
    // Each client is sent config and history again, then reads on.
    let mut held: Vec<Vec<(f64, f64)>> = Vec::new();
    for socket in &mut clients {
        let points = loop {
            let message = next_json(socket).await;
            if message["type"] == "history" && message["widget"] == "cpu" {
                break message["data"]["points"]
                    .as_array()
                    .expect("points")
                    .clone();
            }
        };
        held.push(
            points
                .iter()
                .map(|p| (p[0].as_f64().expect("ts"), p[1].as_f64().expect("value")))
                .collect(),
        );
    }
    let taken = snapshots().await - before;
    assert!(
        (1..=2).contains(&taken),
        "{CLIENTS} clients sent back together took {taken} snapshots"
    );
    // Points after the resync reach every client once, after what its history held.
    for i in 0..10 {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: last_burst_ts + 1.0 + f64::from(i),
                value: -f64::from(i),
            },
            &cpu.dropped,
        );
    }
    assert!(pipeline.flush(Duration::from_secs(10)));
    let last_ts = last_burst_ts + 10.0;
    for (socket, points) in clients.iter_mut().zip(&mut held) {
        while points.last().map(|p| p.0) != Some(last_ts) {
            let message = next_json(socket).await;
            for op in message["updates"].as_array().into_iter().flatten() {
                assert_ne!(op["decimated"], true, "{op}");
                for p in op["points"].as_array().into_iter().flatten() {
                    points.push((p[0].as_f64().expect("ts"), p[1].as_f64().expect("value")));
                }
            }
        }
        let keep = points.len().saturating_sub(KEPT);
        points.drain(..keep);
    }
    let engine = common::dashboard(&pipeline);
    let ring: Vec<(f64, f64)> = engine[1]["data"]["points"]
        .as_array()
        .expect("ring")
        .iter()
        .map(|p| (p[0].as_f64().expect("ts"), p[1].as_f64().expect("value")))
        .collect();
    assert_eq!(ring.len(), KEPT);
    for points in &held {
        assert!(points == &ring, "a client holds what the engine holds");
    }
}
