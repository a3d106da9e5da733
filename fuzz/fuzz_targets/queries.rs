//! The query strings of the range and `at` endpoints, over real HTTP to real servers started
//! once: a live one with stored history beyond its rings, and one serving a recording. The
//! input picks a server and an endpoint (`/range` of a metric or a line chart, `/at` of a table
//! or of a metric) and is the query string. An answer of 200, 400, 404 or 414 (a request line
//! too long) is fine; a 500, a panic (any thread: libFuzzer aborts), a hang or memory without
//! bound is a finding.
#![no_main]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use streamviz::history::SharedHistory;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::Pipeline;
use streamviz::store::{open_recording, Persistence, StoreOptions};
use streamviz::web::{ServerHandle, ServerOptions};

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

struct Servers {
    addresses: [String; 2],
    connections: Mutex<[Option<BufReader<TcpStream>>; 2]>,
    _kept: (ServerHandle, ServerHandle, Persistence, tempfile::TempDir),
}

fn servers() -> &'static Servers {
    static SERVERS: OnceLock<Servers> = OnceLock::new();
    SERVERS.get_or_init(|| {
        let dir = tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("a directory");
        let live_pipeline = Pipeline::default();
        let store = fill(&live_pipeline, &dir.path().join("live.db"));
        let live = ServerHandle::start(
            live_pipeline,
            ServerOptions {
                port: 0,
                history: SharedHistory::new(store.history()),
                ..ServerOptions::default()
            },
        )
        .expect("the live server");
        let path = dir.path().join("recording.db");
        fill(&Pipeline::default(), &path).stop();
        let pipeline = Pipeline::default();
        let recording = open_recording(&pipeline, &path).expect("the recording");
        let replay = ServerHandle::start(
            pipeline,
            ServerOptions {
                port: 0,
                recording: recording.span,
                history: SharedHistory::new(recording.history),
                ..ServerOptions::default()
            },
        )
        .expect("the recording's server");
        Servers {
            addresses: [live.address().to_string(), replay.address().to_string()],
            connections: Mutex::new([None, None]),
            _kept: (live, replay, store, dir),
        }
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

/// GET `path` on a kept-alive connection to server `which`: the status. A connection the server
/// closed (idle past its header timeout, or after a 414) is opened again, once.
fn get(which: usize, path: &str) -> u16 {
    let servers = servers();
    let address = &servers.addresses[which];
    let mut connections = servers.connections.lock().expect("the connections");
    for _ in 0..2 {
        let connection = connections[which].get_or_insert_with(|| {
            let socket = TcpStream::connect(address).expect("the server answers");
            socket
                .set_read_timeout(Some(Duration::from_secs(10)))
                .expect("a timeout");
            BufReader::new(socket)
        });
        match exchange(connection, address, path) {
            Some(status) => return status,
            None => connections[which] = None,
        }
    }
    panic!("{path}: no answer on a fresh connection either")
}

/// One request and its whole answer on `connection`; `None` when the connection was closed.
fn exchange(connection: &mut BufReader<TcpStream>, address: &str, path: &str) -> Option<u16> {
    // One write: pieces written apart wait for the server's delayed ACK (Nagle).
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    connection.get_mut().write_all(request.as_bytes()).ok()?;
    let mut line = String::new();
    if connection.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let status: u16 = line
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line: {line:?}"));
    let mut length = 0;
    loop {
        line.clear();
        connection.read_line(&mut line).expect("a header");
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().expect("a length");
        }
    }
    let mut body = vec![0; length];
    connection.read_exact(&mut body).expect("the body");
    Some(status)
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
    let status = get(which, &format!("{path}?{}", escaped(query)));
    // 414: a request line longer than the server reads (hyper's bound), a right answer too.
    assert!(
        matches!(status, 200 | 400 | 404 | 414),
        "{path}?{}: {status}",
        String::from_utf8_lossy(query)
    );
});
