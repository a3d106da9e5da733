//! The mirror a native viewer uses: a real server, a real WebSocket client thread, and the local
//! copy compared with the producer's dashboard — after the snapshot, after live updates, and after
//! the producer restarts with other data.

#![cfg(all(feature = "client", feature = "web"))]
// Helpers here are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use serde_json::json;
use streamviz::engine::{Bar, ContainerSpec, KeyedRow};
use streamviz::history::SharedHistory;
use streamviz::ingest::mirror::{Mirror, MirrorStatus};
use streamviz::ingest::Pipeline;
use streamviz::web::ServerHandle;
use streamviz::Update;

mod common;
use common::{dashboard, declare};

/// Wait, message by message, until the mirror equals the producer.
fn wait_equal(mirror: &Mirror, producer: &Pipeline) {
    let deadline = Instant::now() + Duration::from_secs(20);
    let expected = dashboard(producer);
    let mut seen = 0;
    loop {
        let got = dashboard(mirror.pipeline());
        if got == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the mirror did not catch up: {:?}\ngot      {got:?}\nexpected {expected:?}",
            mirror.status()
        );
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
}

/// Wait until the mirror's status matches.
fn wait_status(mirror: &Mirror, matches: impl Fn(&MirrorStatus) -> bool) -> MirrorStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0;
    loop {
        let status = mirror.status();
        if matches(&status) {
            return status;
        }
        assert!(Instant::now() < deadline, "status stayed {status:?}");
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
}

fn serve(pipeline: &Pipeline, port: u16) -> ServerHandle {
    common::start_server(pipeline, port, SharedHistory::default())
}

#[test]
fn a_mirror_follows_the_producer_through_live_updates_and_restarts() {
    let producer = Pipeline::default();
    producer
        .engine()
        .declare_container(
            ContainerSpec::from_json(json!({"id": "page:Ops", "type": "page", "name": "Ops"}))
                .unwrap(),
        )
        .unwrap();
    let cpu = declare(
        &producer,
        "cpu",
        "metric",
        json!({"unit": "%", "parent": "page:Ops"}),
    );
    let events = declare(&producer, "events", "table", json!({"max_rows": 5}));
    let notes = declare(&producer, "notes", "markdown", json!({}));
    let traffic = declare(&producer, "traffic", "bar_chart", json!({}));
    for i in 0..50 {
        producer.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: 1.0e12 + i as f64,
                value: if i == 7 { f64::NAN } else { i as f64 },
            },
            &cpu.dropped,
        );
    }
    producer.send(
        Update::Text {
            widget: notes.widget,
            text: "# Hi <b>x</b>".into(),
        },
        &notes.dropped,
    );
    let server = serve(&producer, 0);
    let port = server.address().port();
    let mirror = Mirror::start(&server.url()).unwrap();
    wait_equal(&mirror, &producer);
    assert_eq!(mirror.status(), MirrorStatus::Live);

    // Live updates of every kind arrive in data messages.
    for i in 0..8 {
        let row = json!({"n": i}).as_object().unwrap().clone();
        producer.send(
            Update::Upsert {
                widget: events.widget,
                row: Box::new(KeyedRow {
                    key: Some(format!("k{}", i % 6).into()),
                    row,
                }),
            },
            &events.dropped,
        );
    }
    producer.send(
        Update::Delete {
            widget: events.widget,
            key: "k1".into(),
        },
        &events.dropped,
    );
    producer.send(
        Update::Bars {
            widget: traffic.widget,
            values: Box::new(vec![
                Bar::new("US", 3.0),
                Bar {
                    category: "US".into(),
                    series: "web".into(),
                    value: 2.0,
                },
            ]),
        },
        &traffic.dropped,
    );
    producer.send(
        Update::Point {
            widget: cpu.widget,
            ts_ms: 2.0e12,
            value: 99.0,
        },
        &cpu.dropped,
    );
    wait_equal(&mirror, &producer);

    // The producer goes away: the mirror says so and keeps what it had.
    let before = dashboard(mirror.pipeline());
    server.stop();
    wait_status(&mirror, |s| matches!(s, MirrorStatus::Reconnecting(_)));
    assert_eq!(
        dashboard(mirror.pipeline()),
        before,
        "the data stays while disconnected"
    );

    // A new producer on the same port with another dashboard: the mirror becomes that one.
    let restarted = Pipeline::default();
    let temp = declare(&restarted, "temp", "gauge", json!({"max": 120}));
    restarted.send(
        Update::Point {
            widget: temp.widget,
            ts_ms: 1.0e12,
            value: 42.0,
        },
        &temp.dropped,
    );
    let _server = serve(&restarted, port);
    wait_equal(&mirror, &restarted);
    assert_eq!(mirror.status(), MirrorStatus::Live);
    mirror.stop();
}

#[test]
fn a_refused_connection_is_reported_and_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener); // nothing listens here now
    let mirror = Mirror::start(&format!("http://127.0.0.1:{port}")).unwrap();
    let status = wait_status(&mirror, |s| matches!(s, MirrorStatus::Reconnecting(_)));
    assert!(
        matches!(&status, MirrorStatus::Reconnecting(r) if r.contains("cannot connect")),
        "{status:?}"
    );
    let producer = Pipeline::default();
    declare(&producer, "cpu", "metric", json!({}));
    let _server = serve(&producer, port);
    wait_equal(&mirror, &producer);
}

#[test]
fn a_mirror_holds_a_windowed_metrics_windows_and_open_window_as_the_producer_computed_them() {
    let producer = Pipeline::default();
    let latency = declare(
        &producer,
        "latency",
        "metric",
        json!({"window": "1s", "slide": "250ms", "aggregation": "p95"}),
    );
    let send = |from: u32, to: u32| {
        for i in from..to {
            producer.send(
                Update::Point {
                    widget: latency.widget,
                    ts_ms: 1.7e12 + f64::from(i) * 10.0,
                    value: f64::from(i % 97),
                },
                &latency.dropped,
            );
        }
        assert!(producer.flush(Duration::from_secs(10)));
    };
    send(0, 1_000);
    let server = serve(&producer, 0);
    let mirror = Mirror::start(&server.url()).unwrap();
    // The snapshot: closed windows and the open one (`history` carries `partial`).
    wait_equal(&mirror, &producer);
    let partial = producer.engine().partial("latency");
    assert!(partial.is_some());
    assert_eq!(mirror.pipeline().engine().partial("latency"), partial);
    // Live: more windows close and the open one moves; the mirror aggregates nothing itself.
    send(1_000, 1_530);
    wait_equal(&mirror, &producer);
    let partial = producer.engine().partial("latency");
    assert_eq!(partial.map(|p| p.0), Some(1.7e12 + 1_529.0 * 10.0));
    assert_eq!(mirror.pipeline().engine().partial("latency"), partial);
    mirror.stop();
}

#[test]
fn a_mirror_shows_what_the_producer_lost() {
    let producer = Pipeline::new(streamviz::ingest::PipelineOptions { queue_capacity: 4 });
    let cpu = declare(&producer, "cpu", "metric", json!({}));
    let lat = declare(
        &producer,
        "lat",
        "metric",
        json!({"window": "1s", "aggregation": "max"}),
    );
    let busy = producer.engine();
    for i in 0..50 {
        producer.send(
            Update::point(cpu.widget, None, f64::from(i), 1.0),
            &cpu.dropped,
        );
    }
    drop(busy);
    assert!(producer.flush(Duration::from_secs(10)));
    for ts in [5_000.0, 1_000.0] {
        producer.send(
            Update::point(lat.widget, None, 1.7e12 + ts, 1.0),
            &lat.dropped,
        );
        assert!(producer.flush(Duration::from_secs(10)));
    }
    let server = serve(&producer, 0);
    let mirror = Mirror::start(&server.url()).unwrap();
    wait_equal(&mirror, &producer);
    let lost = |pipeline: &Pipeline| {
        let engine = pipeline.engine();
        (engine.losses("cpu"), engine.losses("lat"))
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = 0;
    while lost(mirror.pipeline()) != lost(&producer) {
        assert!(
            Instant::now() < deadline,
            "{:?} vs {:?}",
            lost(mirror.pipeline()),
            lost(&producer)
        );
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
    let (cpu_lost, lat_lost) = lost(mirror.pipeline());
    assert!(cpu_lost.dropped >= 40 && cpu_lost.late == 0, "{cpu_lost:?}");
    assert_eq!((lat_lost.dropped, lat_lost.late), (0, 1));
    // Later losses reach the mirror by themselves (the hub looks every 250 ms).
    producer.send(
        Update::point(lat.widget, None, 1.7e12 + 2_000.0, 1.0),
        &lat.dropped,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while mirror.pipeline().engine().losses("lat").late != 2 {
        assert!(
            Instant::now() < deadline,
            "the second late point never reached the mirror"
        );
        seen = mirror.wait_for_event(seen, Duration::from_millis(500));
    }
    mirror.stop();
}

/// A producer with persistence keeps more than its rings; the mirror's history source reads that
/// from the producer's range endpoint: every stored point of a metric and of a named line-chart
/// series, the end of the range left out, and a reason for what cannot be read.
#[cfg(feature = "sqlite")]
#[test]
fn a_mirror_reads_the_producers_stored_history_beyond_its_rings() {
    use streamviz::engine::SeriesOptions;
    use streamviz::store::{Persistence, StoreOptions};
    let dir = tempfile::tempdir().unwrap();
    let producer = Pipeline::default();
    let store = Persistence::start(&producer, StoreOptions::new(dir.path().join("p.db"))).unwrap();
    let cpu = declare(&producer, "cpu", "metric", json!({"max_points": 100}));
    let lat = declare(&producer, "lat", "line_chart", json!({"max_points": 50}));
    let p95 = producer
        .engine()
        .series_index(
            lat.widget,
            SeriesOptions {
                name: "p95 / api".into(),
                color: None,
                label: None,
            },
            false,
        )
        .unwrap();
    let t0 = 1.7e12;
    for i in 0..1_000 {
        let ts = t0 + f64::from(i) * 1_000.0;
        let value = if i == 10 { f64::NAN } else { f64::from(i) };
        producer.send(Update::point(cpu.widget, None, ts, value), &cpu.dropped);
        producer.send(
            Update::point(lat.widget, Some(p95), ts, f64::from(i) / 2.0),
            &lat.dropped,
        );
    }
    assert!(producer.flush(Duration::from_secs(10)));
    assert!(store.flush(Duration::from_secs(10)));
    let server = common::start_server(&producer, 0, SharedHistory::new(store.history()));
    let mirror = Mirror::start(&server.url()).unwrap();
    wait_equal(&mirror, &producer);
    let history = mirror.history().expect("an http mirror has one");

    let first_held = t0 + 900_000.0;
    let cpu_older = history.points("cpu", "", t0, first_held).unwrap();
    assert_eq!(
        cpu_older.len(),
        900,
        "every point before the ring, not the first held one"
    );
    assert_eq!(cpu_older[0], (t0, 0.0));
    assert!(cpu_older[10].1.is_nan(), "a gap stays a gap");
    assert_eq!(cpu_older[899], (t0 + 899_000.0, 899.0));
    let lat_older = history
        .points("lat", "p95 / api", t0, t0 + 950_000.0)
        .unwrap();
    assert_eq!(lat_older.len(), 950);
    assert_eq!(lat_older.last(), Some(&(t0 + 949_000.0, 474.5)));

    let unknown = history
        .points("nope", "", t0, first_held)
        .unwrap_err()
        .to_string();
    assert!(
        unknown.contains("404") && unknown.contains("unknown widget"),
        "{unknown}"
    );
    let no_series = history
        .points("lat", "p50", t0, first_held)
        .unwrap_err()
        .to_string();
    assert!(no_series.contains("no series"), "{no_series}");
    mirror.stop();
    drop(server);
    store.stop();
}
