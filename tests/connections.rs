//! The server's bounds on what clients hold open, with real sockets: a connection that never
//! finishes its request head is closed after the header timeout while others are served; past
//! the bound on open connections a new one is closed at once and counted; past the bound on
//! viewers a WebSocket is refused with 503 and a reason; a viewer that answers no ping is
//! dropped, one that answers stays; messages and HTTP pushes past one connection's rate are
//! refused with a reason and counted; a push whose body never ends is cut off; `streamviz serve`
//! takes the bounds as options.

#![cfg(feature = "web")]
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::Value;
use streamviz::engine::WidgetData;
use streamviz::ingest::Pipeline;
use streamviz::web::{ConnectionLimits, ServerHandle};
use tokio_tungstenite::tungstenite::Message;

mod common;

fn serve(limits: ConnectionLimits) -> (ServerHandle, String) {
    common::serve_within(&Pipeline::default(), limits)
}

fn stats(address: &str) -> Value {
    let (status, body) = common::http(address, "GET", "/api/v1/stats", &[("Host", address)], "");
    assert_eq!(status, 200, "{body}");
    body
}

type Viewer =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A viewer of `url`, connected once its hello came.
async fn viewer(url: &str) -> Viewer {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let hello = socket.next().await.unwrap().unwrap();
    assert!(hello.to_text().unwrap().contains("\"hello\""), "{hello:?}");
    socket
}

/// The status and reason of the HTTP answer that refuses a viewer of `url`.
async fn refusal(url: &str) -> (u16, String) {
    let refused = tokio_tungstenite::connect_async(url).await.unwrap_err();
    let tokio_tungstenite::tungstenite::Error::Http(response) = refused else {
        panic!("not an HTTP refusal: {refused:?}")
    };
    let reason = String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
    (response.status().as_u16(), reason)
}

/// `GET /api/v1/stats`, or `None` when the server closed the connection unanswered.
fn try_stats(address: &str) -> Option<Value> {
    let mut socket = TcpStream::connect(address).ok()?;
    write!(
        socket,
        "GET /api/v1/stats HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    socket.read_to_string(&mut response).ok()?;
    let (_, body) = response.split_once("\r\n\r\n")?;
    serde_json::from_str(body).ok()
}

/// Read until the server closes the connection (EOF or reset); how long that took.
fn until_closed(mut socket: TcpStream) -> Duration {
    let start = Instant::now();
    socket
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buffer = [0_u8; 1024];
    loop {
        match socket.read(&mut buffer) {
            Ok(0) => return start.elapsed(),
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {
                panic!("the server kept the connection open for 20 s")
            }
            Err(_) => return start.elapsed(),
        }
    }
}

#[test]
fn a_request_head_that_never_ends_is_closed_after_the_header_timeout() {
    let (_server, address) = serve(ConnectionLimits {
        header_timeout: Duration::from_millis(500),
        ..ConnectionLimits::default()
    });
    // Fifty slowloris clients: a request line and one header, then nothing more.
    let slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut socket = TcpStream::connect(&address).unwrap();
            write!(socket, "GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\n").unwrap();
            socket
        })
        .collect();
    // Others are served meanwhile.
    assert_eq!(stats(&address)["clients_connected"], 0);
    for socket in slow {
        let took = until_closed(socket);
        assert!(
            took < Duration::from_secs(5),
            "closed after {took:?}, the timeout is 0.5 s"
        );
    }
}

#[test]
fn past_the_bound_on_open_connections_a_new_one_is_closed_and_counted() {
    let (_server, address) = serve(ConnectionLimits {
        max_connections: 3,
        header_timeout: Duration::from_secs(30),
        ..ConnectionLimits::default()
    });
    let mut idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(&address).unwrap())
        .collect();
    // Each idle socket holds its place once the server accepted it: a request on it is served.
    for socket in &mut idle {
        write!(
            socket,
            "GET /api/v1/health HTTP/1.1\r\nHost: {address}\r\n\r\n"
        )
        .unwrap();
        let mut head = [0_u8; 12];
        socket.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
    let extra = TcpStream::connect(&address).unwrap();
    let took = until_closed(extra);
    assert!(took < Duration::from_secs(5), "{took:?}");
    drop(idle);
    // The places are free again (the server sees the closes as it reads them).
    let deadline = Instant::now() + Duration::from_secs(10);
    // A request before the server saw the idle ones close is refused too, and counted.
    let mut refused_meanwhile = 0;
    let counted = loop {
        if let Some(body) = try_stats(&address) {
            break body;
        }
        refused_meanwhile += 1;
        assert!(Instant::now() < deadline, "no place came free");
    };
    assert_eq!(
        counted["connections"]["connections_refused"],
        1 + refused_meanwhile,
        "{counted}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_bound_on_viewers_a_websocket_is_refused_with_a_reason() {
    let (_server, address) = serve(ConnectionLimits {
        max_viewers: 2,
        ..ConnectionLimits::default()
    });
    let url = format!("ws://{address}/ws");
    let _viewers = [viewer(&url).await, viewer(&url).await];
    let (status, reason) = refusal(&url).await;
    assert_eq!(status, 503);
    assert!(reason.contains("2 viewers are connected"), "{reason}");
    let address2 = address.clone();
    let body = tokio::task::spawn_blocking(move || stats(&address2))
        .await
        .unwrap();
    assert_eq!(body["connections"]["viewers_refused"], 1, "{body}");
    assert_eq!(body["clients_connected"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_viewer_that_answers_no_ping_is_dropped_and_one_that_answers_stays() {
    let (_server, address) = serve(ConnectionLimits {
        ping_interval: Duration::from_millis(200),
        ..ConnectionLimits::default()
    });
    let url = format!("ws://{address}/ws");
    // Answers: tungstenite sends a pong for each ping it reads.
    let (mut alive, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    // Never reads, so never answers.
    let (silent, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut pings = 0;
    while pings < 5 {
        if let Message::Ping(_) = alive.next().await.unwrap().unwrap() {
            pings += 1;
        }
    }
    let address2 = address.clone();
    let body = tokio::task::spawn_blocking(move || stats(&address2))
        .await
        .unwrap();
    assert_eq!(
        body["connections"]["viewers_dropped_for_no_pong"], 1,
        "{body}"
    );
    assert_eq!(body["clients_connected"], 1, "the answering viewer stays");
    drop(silent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_past_the_rate_are_refused_with_a_reason_and_the_connection_stays() {
    use futures_util::SinkExt;
    let pipeline = Pipeline::default();
    let (_server, address) = common::serve_within(
        &pipeline,
        ConnectionLimits {
            max_messages_per_second: 5,
            ..ConnectionLimits::default()
        },
    );
    let (mut socket, _) = tokio_tungstenite::connect_async(format!("ws://{address}/ws"))
        .await
        .unwrap();
    let push = serde_json::json!({"type": "push", "widgets": [{"id": "cpu", "kind": "metric"}],
        "updates": [{"widget": "cpu", "value": 1, "ts_ms": 1_700_000_000_000_i64}]})
    .to_string();
    const SENT: usize = 40;
    for _ in 0..SENT {
        socket
            .send(Message::Text(push.clone().into()))
            .await
            .unwrap();
    }
    let (mut acks, mut refusals) = (0, 0);
    while acks + refusals < SENT {
        let message = socket.next().await.unwrap().unwrap();
        let Ok(text) = message.to_text() else {
            continue;
        };
        let Ok(reply) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        match reply["type"].as_str() {
            Some("ack") => acks += 1,
            Some("error") => {
                let reason = reply["reason"].as_str().unwrap();
                assert!(reason.contains("more than 5 messages a second"), "{reason}");
                refusals += 1;
            }
            _ => {}
        }
    }
    // A burst of 5, and at most a few more as the bucket refills while they are applied.
    assert!((5..SENT).contains(&acks), "{acks} applied");
    assert!(refusals > 0);
    let address2 = address.clone();
    let body = tokio::task::spawn_blocking(move || stats(&address2))
        .await
        .unwrap();
    assert_eq!(body["connections"]["messages_refused"], refusals, "{body}");
    assert_eq!(body["clients_connected"], 1, "the connection stays");
    assert_eq!(
        pipeline.stats().engine.points_accepted,
        acks as u64,
        "only what was acknowledged was applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_producer_sending_garbage_huge_and_binary_frames_leaves_the_server_serving() {
    use futures_util::SinkExt;
    let pipeline = Pipeline::default();
    let (_server, address) = common::serve_within(&pipeline, ConnectionLimits::default());
    let url = format!("ws://{address}/ws");
    let good = serde_json::json!({"type": "push", "widgets": [{"id": "cpu", "kind": "metric"}],
        "updates": [{"widget": "cpu", "value": 1, "ts_ms": 1_700_000_000_000_i64}]})
    .to_string();
    let huge = "x".repeat(9 << 20); // over the 8 MiB bound
    for round in 0..20 {
        let (mut socket, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let bad: Vec<Message> = vec![
            Message::Text("{\"type\": \"push\", \"updates\": [".into()),
            Message::Text("\u{0}\u{ffff}not json at all".into()),
            Message::Binary(vec![0xff; 4096].into()),
            Message::Text(serde_json::json!({"type": "push", "updates": [{"widget": "cpu", "value": "NaN?"}]}).to_string().into()),
            Message::Text(good.clone().into()),
        ];
        for message in bad {
            socket.send(message).await.unwrap();
        }
        // Every message is answered (errors for the bad ones, an ack for the good one).
        let (mut errors, mut acks) = (0, 0);
        while errors + acks < 5 {
            let message = socket.next().await.unwrap().unwrap();
            let Ok(reply) = serde_json::from_str::<Value>(message.to_text().unwrap_or("")) else {
                continue;
            };
            match reply["type"].as_str() {
                Some("error") => errors += 1,
                Some("ack") => acks += 1,
                _ => {}
            }
        }
        assert_eq!((errors, acks), (4, 1), "round {round}");
        // A frame over the bound ends that connection, not the server.
        if round % 5 == 0 {
            let _ = socket.send(Message::Text(huge.clone().into())).await;
            loop {
                match socket.next().await {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                }
            }
        }
        let address2 = address.clone();
        let (status, health) = tokio::task::spawn_blocking(move || {
            common::http(
                &address2,
                "GET",
                "/api/v1/health",
                &[("Host", &address2)],
                "",
            )
        })
        .await
        .unwrap();
        assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    }
    assert!(pipeline.flush(Duration::from_secs(10)));
    assert_eq!(
        pipeline.stats().engine.points_accepted,
        20,
        "every good push was kept"
    );
}

/// One request on a kept-alive connection: its status and body.
fn push_on(socket: &mut TcpStream, address: &str, body: &str) -> (u16, String) {
    write!(
        socket,
        "POST /api/v1/push HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // The head, then as many body bytes as it says.
    let mut head = Vec::new();
    let mut byte = [0_u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(socket.read(&mut byte).unwrap(), 1, "closed mid-response");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let status = head[9..12].parse().unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap();
    let mut body = vec![0_u8; length];
    socket.read_exact(&mut body).unwrap();
    (status, String::from_utf8(body).unwrap())
}

#[test]
fn pushes_past_the_rate_of_one_connection_are_refused_with_a_reason_and_counted() {
    let pipeline = Pipeline::default();
    let (_server, address) = common::serve_within(
        &pipeline,
        ConnectionLimits {
            max_messages_per_second: 5,
            ..ConnectionLimits::default()
        },
    );
    let declare =
        r#"{"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 1000}}]}"#;
    let mut socket = TcpStream::connect(&address).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(push_on(&mut socket, &address, declare).0, 200);
    let (mut applied, mut refused) = (0, 0);
    for i in 0..30 {
        let (status, body) = push_on(
            &mut socket,
            &address,
            &format!(r#"{{"updates": [{{"widget": "m", "value": {i}}}]}}"#),
        );
        match status {
            200 => applied += 1,
            429 => {
                assert!(
                    body.contains("more than 5 pushes a second on this connection"),
                    "{body}"
                );
                refused += 1;
            }
            _ => panic!("{status} {body}"),
        }
    }
    // 30 requests in far less than the seconds 5 a second would take: most refused, the
    // connection kept (every answer came on it).
    assert!(
        refused >= 20 && applied >= 1,
        "{applied} applied, {refused} refused"
    );
    assert!(pipeline.flush(Duration::from_secs(10)));
    let body = stats(&address);
    assert_eq!(body["connections"]["messages_refused"], refused, "{body}");
    let held = match pipeline.engine().widget("m") {
        Some((_, WidgetData::Series(ring))) => ring.len(),
        _ => panic!("no metric m"),
    };
    assert_eq!(held, applied, "only the pushes answered 200 were applied");
    // Another connection has its own allowance.
    let mut other = TcpStream::connect(&address).unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (status, body) = push_on(
        &mut other,
        &address,
        r#"{"updates": [{"widget": "m", "value": 1}]}"#,
    );
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_takes_the_bounds_as_options_and_refuses_one_out_of_bounds() {
    for (option, value, reason) in [
        (
            "--max-viewers",
            "0",
            "--max-viewers is a whole number from 1 to 1000000, not 0",
        ),
        (
            "--ping-interval",
            "forever",
            "--ping-interval is a time from 1 s to 1 h",
        ),
    ] {
        let bad = std::process::Command::new(env!("CARGO_BIN_EXE_streamviz"))
            .args(["serve", "--port", "0", option, value])
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
        let said = String::from_utf8_lossy(&bad.stderr);
        assert!(said.contains(reason), "{said}");
    }
    // One viewer at most: the second is refused.
    let served = common::Served::start(&[
        "serve".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
        "--max-viewers".as_ref(),
        "1".as_ref(),
    ]);
    let url = format!("ws://{}/ws", served.address());
    let _first = viewer(&url).await;
    let (status, reason) = refusal(&url).await;
    assert_eq!(status, 503, "{reason}");
}

#[test]
fn a_push_whose_body_never_ends_is_cut_off_after_the_body_timeout() {
    let pipeline = Pipeline::default();
    let (_server, address) = common::serve_within(
        &pipeline,
        ConnectionLimits {
            body_timeout: Duration::from_secs(1),
            ..ConnectionLimits::default()
        },
    );
    // A whole head promising 1,000 bytes of body, then 10 of them, then nothing.
    let mut slow = TcpStream::connect(&address).unwrap();
    write!(
        slow,
        "POST /api/v1/push HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"updates\""
    )
    .unwrap();
    slow.flush().unwrap();
    let mut answered = String::new();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    let _ = slow.read_to_string(&mut answered);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(10),
        "cut off after {waited:?}"
    );
    assert!(answered.starts_with("HTTP/1.1 4"), "{answered:?}");
    // Others are served meanwhile and after.
    let mut other = TcpStream::connect(&address).unwrap();
    other
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let (status, body) = push_on(&mut other, &address, r#"{"updates": []}"#);
    assert_eq!(status, 200, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_viewers_never_passes_the_bound() {
    let (_server, address) = serve(ConnectionLimits {
        max_viewers: 5,
        ..ConnectionLimits::default()
    });
    let url = format!("ws://{address}/ws");
    // 200 at once: each upgrade is checked before any of them has reached the hub.
    let attempts: Vec<_> = (0..200)
        .map(|_| tokio::spawn(tokio_tungstenite::connect_async(url.clone())))
        .collect();
    let (mut viewers, mut refused) = (Vec::new(), 0);
    for attempt in attempts {
        match attempt.await.unwrap() {
            Ok((socket, _)) => viewers.push(socket),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 503);
                refused += 1;
            }
            Err(err) => panic!("{err}"),
        }
    }
    assert_eq!((viewers.len(), refused), (5, 195));
    let body = tokio::task::spawn_blocking(move || stats(&address))
        .await
        .unwrap();
    assert_eq!(body["connections"]["viewers_refused"], 195, "{body}");
}

#[test]
fn a_query_longer_than_the_server_reads_is_answered_414_and_the_server_serves_on() {
    // What the `queries` fuzz target sent: an 80 KB query string to a range endpoint.
    let (_server, address) = serve(ConnectionLimits::default());
    let path = format!("/api/v1/widgets/cpu/range?from={}", "%2B".repeat(27_000));
    let response = common::http_from(None, &address, "GET", &path, &[("Host", &address)], "");
    assert_eq!(response.status, 414, "{}", response.body);
    let (status, body) = common::http(&address, "GET", "/api/v1/health", &[("Host", &address)], "");
    assert_eq!(status, 200, "{body}");
}
