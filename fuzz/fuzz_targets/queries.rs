//! The query strings of the range and `at` endpoints, through the server's own router (the
//! routes, their middleware and handlers as a server runs them, without a socket: over real
//! HTTP each execution was a round trip, 2,000 a second) to two dashboards made once: a live one
//! with stored history beyond its rings, and one serving a recording. The input picks a
//! dashboard and an endpoint (`/range` of a metric or a line chart, `/at` of a table or of a
//! metric, `/alerts`) and is the query string. An answer of 200, 400 or 404 is fine; a 500, a
//! panic, a hang or memory without bound is a finding. (Over HTTP a request line longer than
//! hyper reads is answered 414 before the router: `tests/connections.rs` covers that.)
#![no_main]

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Request};
use axum::Router;
use libfuzzer_sys::fuzz_target;
use streamviz::history::SharedHistory;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;
use streamviz::store::{open_recording, Persistence, StoreOptions};
use streamviz::web::auth::Auth;
use streamviz::web::{App, ServerOptions};
use tower::ServiceExt;

const DASHBOARD: &str = r#"{"widgets": [
    {"id": "cpu", "kind": "metric", "options": {"max_points": 50}},
    {"id": "temps", "kind": "line_chart", "options": {"max_points": 50, "series": [{"name": "a"}, {"name": "b"}]}},
    {"id": "events", "kind": "table", "options": {"key": "id", "max_rows": 10}}]}"#;

/// Fill `pipeline` (stored in `path`): 500 points a series, the rings holding the newest 50, and
/// rows changing; returns the store, flushed.
fn fill(pipeline: &Pipeline, path: &Path) -> Persistence {
    let store = Persistence::start(pipeline, StoreOptions::new(path)).expect("a store");
    apply_push(pipeline, DASHBOARD).expect("the dashboard");
    for i in 0..500 {
        let ts = 1_700_000_000_000_i64 + i * 1000;
        let push = format!(
            r#"{{"updates": [{{"widget": "cpu", "points": [[{ts}, {i}]]}},
                {{"widget": "temps", "series": "a", "points": [[{ts}, {i}]]}},
                {{"widget": "temps", "series": "b", "points": [[{ts}, -{i}]]}},
                {{"widget": "events", "upsert": [{{"row": {{"id": {}, "n": {i}}}}}]}}]}}"#,
            i % 13
        );
        apply_push(pipeline, &push).expect("a push");
    }
    assert!(pipeline.flush(Duration::from_secs(30)));
    assert!(store.flush(Duration::from_secs(30)));
    store
}

/// The two dashboards' routers, and the runtime they run on.
struct Apps {
    runtime: tokio::runtime::Runtime,
    routers: [Router; 2],
    _kept: (
        Persistence,
        tempfile::TempDir,
        [tokio::sync::watch::Sender<bool>; 2],
    ),
}

/// The routes a loopback server of `pipeline` without authentication answers with (as
/// `web::serve` puts them behind its socket), and the sender that stops its hub.
fn app(
    pipeline: Pipeline,
    history: SharedHistory,
    recording: Option<(f64, f64)>,
) -> (Router, tokio::sync::watch::Sender<bool>) {
    let options = ServerOptions {
        history,
        recording,
        ..ServerOptions::default()
    };
    let auth = Arc::new(Auth::new(None, PORT, false));
    let App {
        router, stop_hub, ..
    } = streamviz::web::app(pipeline, &options, auth, IpAddr::V4(Ipv4Addr::LOCALHOST));
    (router, stop_hub)
}

/// The port the dashboards say they are on (the Host their requests name).
const PORT: u16 = 8080;

fn apps() -> &'static Apps {
    static APPS: OnceLock<Apps> = OnceLock::new();
    APPS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let _entered = runtime.enter();
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("a directory");
        let live_pipeline = Pipeline::default();
        let store = fill(&live_pipeline, &dir.path().join("live.db"));
        let (live, stop_live) = app(live_pipeline, SharedHistory::new(store.history()), None);
        let path = dir.path().join("recording.db");
        fill(&Pipeline::default(), &path).stop();
        let pipeline = Pipeline::default();
        let recording = open_recording(&pipeline, &path).expect("the recording");
        let (replay, stop_replay) = app(
            pipeline,
            SharedHistory::new(recording.history),
            recording.span,
        );
        let apps = Apps {
            runtime,
            routers: [live, replay],
            _kept: (store, dir, [stop_live, stop_replay]),
        };
        // The harness answers as a server does: a plain query is served.
        for which in 0..2 {
            let status = get(
                &apps,
                which,
                "/api/v1/widgets/cpu/range?from=0&to=2e12&width=100",
            );
            assert_eq!(status, Some(200), "the harness serves a plain query");
        }
        apps
    })
}

/// `query` as it may stand in a request line: bytes a URL may not hold raw are %-escaped.
fn escaped(query: &[u8]) -> String {
    let mut out = String::with_capacity(query.len());
    for &byte in query {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%[]".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// GET `path` from dashboard `which`, reading the whole answer: its status (`None` for a path
/// that is no URI, which an HTTP server refuses before any route).
fn get(apps: &Apps, which: usize, path: &str) -> Option<u16> {
    let request = Request::builder()
        .uri(path)
        .header(header::HOST, format!("127.0.0.1:{PORT}"))
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))))
        .body(Body::empty())
        .ok()?;
    let router = apps.routers[which].clone();
    apps.runtime.block_on(async move {
        let response = router.oneshot(request).await.expect("an answer");
        let status = response.status().as_u16();
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("the body");
        Some(status)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, query)) = data.split_first() else {
        return;
    };
    let which = usize::from(choice & 1);
    let path = match (choice >> 1) % 5 {
        0 => "/api/v1/widgets/cpu/range",
        1 => "/api/v1/widgets/temps/range",
        2 => "/api/v1/widgets/events/at",
        3 => "/api/v1/widgets/cpu/at",
        _ => "/api/v1/alerts",
    };
    let Some(status) = get(apps(), which, &format!("{path}?{}", escaped(query))) else {
        return;
    };
    assert!(
        matches!(status, 200 | 400 | 404),
        "{path}?{}: {status}",
        String::from_utf8_lossy(query)
    );
});
