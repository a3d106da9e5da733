//! Push load for a StreamViz server: `THREADS` clients, each on one keep-alive connection,
//! post `POST /api/v1/push` (one widget, 100 points per push) as fast as the server answers, for
//! `SECONDS`; with a `TOKEN`, each request carries `Authorization: Bearer TOKEN`.
//!
//!     cargo run --release --example push_load --features client -- http://127.0.0.1:3000/ 5 4 [TOKEN]
//!
//! Prints one JSON line: requests, points, seconds, requests per second, failures.

#![allow(clippy::print_stdout)] // a benchmark client reports on stdout

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Points in each push.
const POINTS: usize = 100;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(base), Some(seconds), Some(threads)) = (
        args.next(),
        args.next().and_then(|s| s.parse::<f64>().ok()),
        args.next().and_then(|s| s.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: push_load URL SECONDS THREADS [TOKEN]");
        std::process::exit(2);
    };
    let token = args.next();
    let url = format!("{}/api/v1/push", base.trim_end_matches('/'));
    let declare = serde_json::json!({"widgets": [
        {"id": "push_load", "kind": "metric", "options": {"max_points": 1000}}
    ]});
    let updates: Vec<serde_json::Value> = (0..POINTS)
        .map(|i| serde_json::json!({"widget": "push_load", "value": i}))
        .collect();
    let body = serde_json::json!({ "updates": updates }).to_string();
    let post = |agent: &ureq::Agent, body: &str| {
        let mut request = agent.post(&url).header("content-type", "application/json");
        if let Some(token) = &token {
            request = request.header("authorization", &format!("Bearer {token}"));
        }
        request.send(body).map(|r| r.status().as_u16()).unwrap_or(0)
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    assert_eq!(
        post(&agent, &declare.to_string()),
        200,
        "the declaration was refused"
    );
    let (done, requests, failures) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (done, requests, failures) = (&done, &requests, &failures);
            let (post, body) = (&post, &body);
            scope.spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .into();
                while !done.load(Ordering::Relaxed) {
                    if post(&agent, body) == 200 {
                        requests.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        done.store(true, Ordering::Relaxed);
    });
    let elapsed = start.elapsed().as_secs_f64();
    let requests = requests.load(Ordering::Relaxed);
    println!(
        "{}",
        serde_json::json!({
            "requests": requests,
            "points": requests * POINTS as u64,
            "seconds": elapsed,
            "per_s": requests as f64 / elapsed,
            "failures": failures.load(Ordering::Relaxed),
        })
    );
}
