//! Helpers shared by the integration tests.

// Each test binary uses some of these.
#![allow(dead_code, clippy::unwrap_used)]

#[cfg(feature = "relay")]
pub mod redis_server;
#[cfg(feature = "sqlite")]
pub mod stores;

use std::path::Path;
use std::process::Child;
use std::time::Duration;

use serde_json::Value;
use streamviz::engine::{WidgetHandle, WidgetSpec};
use streamviz::ingest::Pipeline;
use streamviz::protocol::{config_message, history_messages};
#[cfg(feature = "web")]
use streamviz::{
    history::SharedHistory,
    web::{ServerHandle, ServerOptions},
};

/// The dashboard as a new viewer of `pipeline` would receive it: the config and every history
/// message, as JSON values (after everything queued is applied).
pub fn dashboard(pipeline: &Pipeline) -> Vec<Value> {
    assert!(pipeline.flush(Duration::from_secs(10)));
    let snapshot = pipeline.engine().snapshot();
    let mut messages = vec![serde_json::from_str(&config_message(&snapshot.config)).unwrap()];
    messages.extend(
        history_messages(&snapshot)
            .iter()
            .map(|m| serde_json::from_str::<Value>(m).unwrap()),
    );
    messages
}

/// Poll `done` until it holds, failing after 30 s with what was awaited.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting until {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The values a widget's ring holds now, oldest first (none for another kind of widget).
pub fn ring_values(pipeline: &Pipeline, id: &str) -> Vec<f64> {
    match pipeline.engine().widget(id) {
        Some((_, streamviz::engine::WidgetData::Series(ring))) => {
            ring.iter().map(|(_, v)| v).collect()
        }
        _ => Vec::new(),
    }
}

/// Declare a widget from its parts.
pub fn declare(pipeline: &Pipeline, id: &str, kind: &str, options: Value) -> WidgetHandle {
    pipeline
        .engine()
        .declare(WidgetSpec::parse(id, kind, options).unwrap())
        .unwrap()
}

/// One HTTP/1.1 request with exactly these headers (and `body`) over a plain TCP connection:
/// the status, and the body as JSON (null when it is not JSON).
pub fn http(
    address: impl std::net::ToSocketAddrs,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, Value) {
    let response = http_from(None, address, method, path, headers, body);
    (
        response.status,
        serde_json::from_str(&response.body).unwrap_or(Value::Null),
    )
}

/// A response as [`http_from`] read it.
#[derive(Debug)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The header lines, as sent.
    pub headers: String,
    /// The body, as text.
    pub body: String,
}

impl Response {
    /// The value of header `name` (case-insensitive), if sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The body as JSON (null when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// [`http`] from the local address `source` (any 127.x.y.z reaches a loopback server), and the
/// whole response.
pub fn http_from(
    source: Option<std::net::IpAddr>,
    address: impl std::net::ToSocketAddrs,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Response {
    use std::io::{Read, Write};
    let address = address.to_socket_addrs().unwrap().next().unwrap();
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(address),
        socket2::Type::STREAM,
        None,
    )
    .unwrap();
    if let Some(source) = source {
        socket
            .bind(&std::net::SocketAddr::new(source, 0).into())
            .unwrap();
    }
    socket.connect(&address.into()).unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let (headers, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    Response {
        status,
        headers: headers.to_owned(),
        body: body.to_owned(),
    }
}

/// `GET url` (http://host:port/path): its body as JSON, which must come with 200.
pub fn http_get_json(url: &str) -> Value {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let (status, body) = http(host, "GET", path, &[("Host", host)], "");
    assert_eq!(status, 200, "{url}: {body}");
    body
}

/// A server of `pipeline` on a thread of its own, on `port` (0 picks a free one); its range
/// queries read `history` beyond the rings (`SharedHistory::default()`: nothing stored).
#[cfg(feature = "web")]
pub fn start_server(pipeline: &Pipeline, port: u16, history: SharedHistory) -> ServerHandle {
    start_server_with(
        pipeline,
        ServerOptions {
            port,
            history,
            ..ServerOptions::default()
        },
    )
}

/// A server of `pipeline` on a thread of its own, as `options` say.
#[cfg(feature = "web")]
pub fn start_server_with(pipeline: &Pipeline, options: ServerOptions) -> ServerHandle {
    ServerHandle::start(pipeline.clone(), options).unwrap()
}

/// A server of `pipeline` on a free port within `limits`, and its address.
#[cfg(feature = "web")]
pub fn serve_within(
    pipeline: &Pipeline,
    limits: streamviz::web::ConnectionLimits,
) -> (ServerHandle, String) {
    let server = start_server_with(
        pipeline,
        ServerOptions {
            port: 0,
            limits,
            ..ServerOptions::default()
        },
    );
    let address = server.address().to_string();
    (server, address)
}

/// A recording at `path`: a producer with persistence, filled by `fill` (which may flush the
/// store between its steps), then everything applied and stored before the store stops.
/// Returns what `fill` returns.
#[cfg(feature = "sqlite")]
pub fn record<T>(
    path: &Path,
    fill: impl FnOnce(&Pipeline, &streamviz::store::Persistence) -> T,
) -> T {
    use streamviz::store::{Persistence, StoreOptions};
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, StoreOptions::new(path)).unwrap();
    let filled = fill(&pipeline, &store);
    assert!(pipeline.flush(Duration::from_secs(10)));
    assert!(store.flush(Duration::from_secs(10)));
    store.stop();
    filled
}

/// `streamviz serve --open path --port 0`, and the URL it says it serves.
pub fn serve_recording(path: &Path) -> (Served, String) {
    let served = Served::start(&[
        "serve".as_ref(),
        "--port".as_ref(),
        "0".as_ref(),
        "--open".as_ref(),
        path.as_os_str(),
    ]);
    assert!(
        served
            .before
            .iter()
            .any(|l| l.contains("opened the recording")),
        "{:?}",
        served.before
    );
    let url = format!("http://{}/", served.address());
    (served, url)
}

/// A child process killed (and waited for) when dropped, so that a failing test leaves no
/// server, display or bus behind.
pub struct KillOnDrop(pub Child);

/// A running `streamviz serve ARGS` (logging at info, no colours): the process (killed when
/// dropped), the lines of its standard error still to come, the lines it wrote before saying
/// where it serves, and that line.
pub struct Served {
    pub process: KillOnDrop,
    pub lines: std::io::Lines<std::io::BufReader<std::process::ChildStderr>>,
    pub before: Vec<String>,
    pub serving: String,
}

impl Served {
    /// Start `streamviz ARGS` and read its standard error until it says where it serves.
    pub fn start(args: &[&std::ffi::OsStr]) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_streamviz"))
            .args(args)
            .env("STREAMVIZ_LOG", "info")
            .env("NO_COLOR", "1")
            .env_remove("STREAMVIZ_TOKEN")
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let process = KillOnDrop(child);
        let mut before = Vec::new();
        let serving = loop {
            let line = lines
                .next()
                .unwrap_or_else(|| panic!("streamviz ended saying {before:?}"))
                .unwrap();
            if line.contains("serving http") {
                break line;
            }
            before.push(line);
        };
        Self {
            process,
            lines,
            before,
            serving,
        }
    }

    /// The address it serves (`host:port`).
    pub fn address(&self) -> String {
        let at = self.serving.find("://").unwrap() + 3;
        self.serving[at..].split('/').next().unwrap().to_owned()
    }

    /// Stop it and return everything it wrote after saying where it serves.
    pub fn stop(mut self) -> Vec<String> {
        let _ = self.process.0.kill();
        self.lines.map_while(Result::ok).collect()
    }
}

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The native viewer of `source` drawn headless (egui_kittest on wgpu) in a `size` window, its
/// exports going to the temporary directory, after four frames.
#[cfg(feature = "gui")]
pub fn viewer_harness(
    source: streamviz::gui::Source,
    size: [f32; 2],
) -> egui_kittest::Harness<'static, streamviz::gui::Viewer> {
    use streamviz::gui::{Viewer, ViewerOptions};
    let viewer = Viewer::new(
        source,
        ViewerOptions {
            export_dir: std::env::temp_dir(),
            dialogs: false,
        },
    );
    let mut harness = egui_kittest::Harness::builder()
        .with_size(size)
        // Short frames, so that two clicks a frame apart make a double-click (< 0.3 s).
        .with_step_dt(0.05)
        .wgpu()
        .build_ui_state(|ui, viewer: &mut Viewer| viewer.show(ui), viewer);
    harness.run_steps(4);
    harness
}

/// Every point a database stores, as (widget, ts_ms, value), read as the schema documents them:
/// chunks (a codec byte; 0: the timestamps then the values as little-endian doubles; 1: those
/// bytes as byte planes, LZ4-compressed) and the rows of a version-1 file.
pub fn stored_points(path: &Path) -> Vec<(String, f64, f64)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut points = Vec::new();
    let mut chunks = conn
        .prepare("SELECT widget, n, data FROM chunks JOIN series USING (sid) ORDER BY chunks.rowid")
        .unwrap();
    let rows = chunks
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, Vec<u8>>(2)?,
            ))
        })
        .unwrap();
    for row in rows {
        let (widget, n, data) = row.unwrap();
        let n = usize::try_from(n).unwrap();
        let bytes = match data[0] {
            0 => data[1..].to_vec(),
            1 => {
                let planes = lz4_flex::block::decompress(&data[1..], 16 * n).unwrap();
                // Byte b of double i of a column is at plane b, position i.
                let mut bytes = vec![0_u8; 16 * n];
                for column in 0..2 {
                    for i in 0..n {
                        for b in 0..8 {
                            bytes[column * 8 * n + i * 8 + b] = planes[column * 8 * n + b * n + i];
                        }
                    }
                }
                bytes
            }
            codec => panic!("unknown codec {codec}"),
        };
        assert_eq!(
            bytes.len(),
            n * 16,
            "a chunk holds n timestamps and n values"
        );
        let double = |i: usize| f64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().unwrap());
        points.extend((0..n).map(|i| (widget.clone(), double(i), double(n + i))));
    }
    let mut rows = conn
        .prepare(
            "SELECT widget, ts_ms, value FROM points JOIN series USING (sid) ORDER BY points.rowid",
        )
        .unwrap();
    let legacy = rows
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get::<_, Option<f64>>(2)?.unwrap_or(f64::NAN),
            ))
        })
        .unwrap();
    points.extend(legacy.map(Result::unwrap));
    points
}

/// Every kind of widget with a little of everything: gaps, series, upserts, deletes, markdown.
pub fn feed(pipeline: &Pipeline) {
    use serde_json::json;
    use streamviz::clock::now_ms;
    use streamviz::engine::{Bar, ContainerSpec, KeyedRow, SeriesOptions};
    use streamviz::Update;

    pipeline.engine().configure(
        streamviz::engine::ConfigPatch::from_json(json!({"title": "Stored", "theme": "light"}))
            .unwrap(),
    );
    let cpu = declare(
        pipeline,
        "cpu",
        "metric",
        json!({"unit": "%", "max_points": 50}),
    );
    let t0 = now_ms() - 60_000.0;
    for i in 0..80 {
        let value = if i == 70 { f64::NAN } else { i as f64 };
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: t0 + i as f64,
                value,
            },
            &cpu.dropped,
        );
    }
    let latency = declare(pipeline, "latency", "line_chart", json!({}));
    for name in ["api", "db"] {
        let series = pipeline
            .engine()
            .series_index(
                latency.widget,
                SeriesOptions {
                    name: name.into(),
                    color: None,
                    label: None,
                },
                false,
            )
            .unwrap();
        for i in 0..10 {
            pipeline.send(
                Update::SeriesPoint {
                    widget: latency.widget,
                    series,
                    ts_ms: t0 + i as f64,
                    value: (i * (series + 1)) as f64,
                },
                &latency.dropped,
            );
        }
    }
    let events = declare(pipeline, "events", "table", json!({"max_rows": 3}));
    for (key, level) in [
        ("a", "INFO"),
        ("b", "WARN"),
        ("c", "ERROR"),
        ("a", "DEBUG"),
        ("d", "INFO"),
    ] {
        let row = json!({"level": level}).as_object().unwrap().clone();
        pipeline.send(
            Update::Upsert {
                widget: events.widget,
                row: Box::new(KeyedRow {
                    key: Some(key.into()),
                    row,
                }),
            },
            &events.dropped,
        );
    }
    pipeline.send(
        Update::Delete {
            widget: events.widget,
            key: "b".into(),
        },
        &events.dropped,
    );
    let notes = declare(pipeline, "notes", "markdown", json!({}));
    pipeline.send(
        Update::Text {
            widget: notes.widget,
            text: "# Title\n<script>x</script>".into(),
        },
        &notes.dropped,
    );
    let traffic = declare(pipeline, "traffic", "bar_chart", json!({}));
    pipeline.send(
        Update::Bars {
            widget: traffic.widget,
            values: Box::new(vec![
                Bar::new("US", 3.0),
                Bar::new("EU", 2.0),
                Bar {
                    category: "US".into(),
                    series: "mobile".into(),
                    value: 1.0,
                },
            ]),
        },
        &traffic.dropped,
    );
    let load = declare(pipeline, "load", "heatmap", json!({}));
    pipeline.send(
        Update::Matrix {
            widget: load.widget,
            matrix: Box::new(vec![vec![1.0, 2.0], vec![3.0, 4.0]]),
        },
        &load.dropped,
    );
    // A page and a widget on it: the layout is stored too.
    pipeline
        .engine()
        .declare_container(
            ContainerSpec::from_json(json!({"id": "page:Ops", "type": "page", "name": "Ops"}))
                .unwrap(),
        )
        .unwrap();
    declare(
        pipeline,
        "empty",
        "gauge",
        json!({"min": 0, "max": 10, "parent": "page:Ops", "width": 2}),
    );
}

/// What one process stores, the next loads back exactly: the dashboard [`feed`] makes, each
/// series up to its capacity, nothing stored twice. `options` opens the same store each time
/// (a SQLite file, a PostgreSQL database).
#[cfg(feature = "sqlite")]
pub fn loads_back_exactly(options: impl Fn() -> streamviz::store::StoreOptions) {
    use streamviz::store::Persistence;
    let timeout = Duration::from_secs(10);
    let first = Pipeline::default();
    let store = Persistence::start(&first, options()).expect("open");
    feed(&first);
    let expected = dashboard(&first);
    assert!(store.flush(timeout));
    let stats = store.stats();
    assert_eq!(stats.points_stored, 80 + 20);
    assert_eq!(stats.changes_stored, 5 + 1 + 1 + 1 + 1);
    assert_eq!(stats.last_error, None);
    store.stop();
    drop(first);

    let second = Pipeline::default();
    let store = Persistence::start(&second, options()).expect("reopen");
    assert_eq!(dashboard(&second), expected);
    assert_eq!(
        expected[0]["layout"]["pages"][1]["children"][0]["id"],
        "empty"
    );
    assert_eq!(store.stats().widgets_restored, 7);
    assert_eq!(
        store.stats().points_restored,
        50 + 20,
        "each series up to its capacity"
    );
    assert!(store.flush(timeout));
    assert_eq!(
        store.stats().points_stored,
        0,
        "what was loaded is not stored again"
    );
}
