//! Unit tests of the engine: declarations, updates, deltas, windows and replicas.

use super::*;
use crate::engine::update::KeyedRow;
use serde_json::json;

fn declare(engine: &mut Engine, id: &str, kind: &str, options: serde_json::Value) -> WidgetHandle {
    engine
        .declare(WidgetSpec::parse(id, kind, options).unwrap())
        .unwrap()
}

#[test]
fn a_batch_applies_and_records_its_updates_in_order_and_a_clear_empties_every_series() {
    let mut engine = Engine::new();
    engine.set_recording(true);
    let chart = declare(
        &mut engine,
        "temps",
        "line_chart",
        json!({"series": [{"name": "cpu"}, {"name": "gpu"}]}),
    );
    let point = |series, ts_ms, value| Update::SeriesPoint {
        widget: chart.widget,
        series,
        ts_ms,
        value,
    };
    engine.apply(point(0, 1.0, 1.0));
    engine.apply(point(1, 1.0, 2.0));
    engine.take_deltas();
    engine.apply(Update::Batch {
        widget: chart.widget,
        updates: Box::new(vec![
            Update::Clear {
                widget: chart.widget,
            },
            Update::Points {
                widget: chart.widget,
                series: 0,
                points: Box::new(vec![(1.0, 5.0), (2.0, 6.0)]),
            },
        ]),
    });
    let Some((_, WidgetData::MultiSeries(rings))) = engine.widget("temps") else {
        panic!()
    };
    let held: Vec<Vec<(f64, f64)>> = rings.iter().map(|r| r.iter().collect()).collect();
    assert_eq!(held, vec![vec![(1.0, 5.0), (2.0, 6.0)], vec![]]);
    let deltas = engine.take_deltas();
    assert!(matches!(deltas.updates[0], Update::Clear { .. }));
    assert_eq!(
        deltas.updates.len(),
        2,
        "the clear, then the points as one batch"
    );
    assert!(matches!(&deltas.updates[1], Update::Points { points, .. } if points.len() == 2));
    assert_eq!(engine.stats().points_accepted, 5);
}

#[test]
fn points_land_in_the_widget_ring_with_its_capacity() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({"max_points": 3}));
    for i in 0..5 {
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: i as f64,
            value: i as f64,
        });
    }
    let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
        panic!("no series")
    };
    assert_eq!(
        ring.iter().map(|p| p.1).collect::<Vec<_>>(),
        vec![2.0, 3.0, 4.0]
    );
    assert_eq!(engine.stats().points_accepted, 5);
}

#[test]
fn default_capacity_follows_buffer_size() {
    let mut engine = Engine::new();
    engine.configure(ConfigPatch {
        buffer_size: Some(2),
        ..Default::default()
    });
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    for i in 0..4 {
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: i as f64,
            value: 1.0,
        });
    }
    assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(2));
}

#[test]
fn redeclaring_keeps_data_and_refuses_another_kind() {
    let mut engine = Engine::new();
    let first = declare(&mut engine, "cpu", "metric", json!({}));
    engine.apply(Update::Point {
        widget: first.widget,
        ts_ms: 1.0,
        value: 5.0,
    });
    let second = declare(&mut engine, "cpu", "metric", json!({"title": "CPU"}));
    assert_eq!(first.widget, second.widget);
    assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(1));
    let err = engine
        .declare(WidgetSpec::parse("cpu", "gauge", json!({})).unwrap())
        .unwrap_err();
    assert!(matches!(
        err,
        EngineError::KindConflict {
            existing: "metric",
            requested: "gauge",
            ..
        }
    ));
}

#[test]
fn table_upserts_deletes_and_assigns_keys() {
    let mut engine = Engine::new();
    engine.set_recording(true);
    let table = declare(&mut engine, "events", "table", json!({"max_rows": 2}));
    let row = |key: Option<&str>, n: i64| {
        Box::new(KeyedRow {
            key: key.map(Into::into),
            row: json!({"n": n}).as_object().cloned().unwrap(),
        })
    };
    engine.apply(Update::Upsert {
        widget: table.widget,
        row: row(None, 1),
    });
    engine.apply(Update::Upsert {
        widget: table.widget,
        row: row(Some("k"), 2),
    });
    engine.apply(Update::Upsert {
        widget: table.widget,
        row: row(Some("k"), 3),
    });
    engine.apply(Update::Delete {
        widget: table.widget,
        key: "#0".into(),
    });
    let Some((_, WidgetData::Table(rows))) = engine.widget("events") else {
        panic!("no table")
    };
    let rows: Vec<_> = rows
        .iter()
        .map(|(k, r)| (k.to_owned(), r["n"].clone()))
        .collect();
    assert_eq!(rows, vec![("k".to_owned(), json!(3))]);
    // The log carries the key the engine assigned, so subscribers can apply later deletes.
    let deltas = engine.take_deltas();
    assert!(
        matches!(&deltas.updates[0], Update::Upsert { row, .. } if row.key.as_deref() == Some("#0"))
    );
    assert_eq!(deltas.updates.len(), 4);
}

#[test]
fn deltas_are_logged_only_while_recording_and_overflow_asks_for_resync() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 1.0,
        value: 1.0,
    });
    assert!(engine.take_deltas().updates.is_empty());
    engine.set_recording(true);
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 2.0,
        value: 2.0,
    });
    let deltas = engine.take_deltas();
    assert_eq!(deltas.updates.len(), 1);
    assert!(!deltas.resync);
    for i in 0..=MAX_PENDING_UPDATES {
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: i as f64,
            value: 0.0,
        });
    }
    let deltas = engine.take_deltas();
    assert!(deltas.resync);
    assert!(deltas.updates.is_empty());
}

#[test]
fn reset_discards_stale_updates() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    engine.reset();
    let gauge = declare(&mut engine, "g", "gauge", json!({}));
    assert_eq!(gauge.widget.index, cpu.widget.index);
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 1.0,
        value: 1.0,
    });
    assert_eq!(engine.widget("g").map(|(_, d)| d.len()), Some(0));
    assert_eq!(engine.stats().points_discarded, 1);
}

#[test]
fn a_windowed_metric_holds_its_closed_windows_and_tells_subscribers_of_the_partial_one() {
    let mut engine = Engine::new();
    engine.set_recording(true);
    let cpu = declare(
        &mut engine,
        "cpu",
        "metric",
        json!({"window": "1s", "aggregation": "sum"}),
    );
    engine.take_deltas();
    let point = |ts_ms: f64, value: f64| Update::Point {
        widget: cpu.widget,
        ts_ms,
        value,
    };
    for (ts, v) in [(100.0, 1.0), (600.0, 2.0), (1200.0, 4.0)] {
        engine.apply(point(ts, v));
    }
    let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
        panic!("no series")
    };
    assert_eq!(ring.iter().collect::<Vec<_>>(), vec![(1000.0, 3.0)]);
    assert_eq!(engine.partial("cpu"), Some((1200.0, 4.0)));
    // Subscribers get the closed window, then the partial one, once.
    let deltas = engine.take_deltas();
    assert_eq!(
        deltas.updates,
        vec![
            point(1000.0, 3.0),
            Update::Partial {
                widget: cpu.widget,
                ts_ms: 1200.0,
                value: 4.0
            }
        ]
    );
    assert!(engine.take_deltas().updates.is_empty());
    assert_eq!(engine.snapshot().partials, vec![Some((1200.0, 4.0))]);
    // A late point is counted, not aggregated.
    engine.apply(point(500.0, 100.0));
    assert_eq!(engine.late_points("cpu"), Some(1));
    assert_eq!(engine.stats().per_widget[0].late, 1);
    // Another windowing starts over: the old windows are cleared, for subscribers too.
    declare(
        &mut engine,
        "cpu",
        "metric",
        json!({"window": "1s", "aggregation": "max"}),
    );
    assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(0));
    assert_eq!(engine.partial("cpu"), None);
    let deltas = engine.take_deltas();
    assert!(deltas
        .updates
        .contains(&Update::Clear { widget: cpu.widget }));
    // The same windowing again keeps everything.
    engine.apply(point(2500.0, 7.0));
    declare(
        &mut engine,
        "cpu",
        "metric",
        json!({"window": "1s", "aggregation": "max", "title": "CPU"}),
    );
    assert_eq!(engine.partial("cpu"), Some((2500.0, 7.0)));
}

#[test]
fn a_replica_holds_window_results_as_they_come_and_takes_its_partial_window() {
    let mut engine = Engine::new();
    engine.set_replica(true);
    let cpu = declare(
        &mut engine,
        "cpu",
        "metric",
        json!({"window": "1m", "aggregation": "p95"}),
    );
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 60_000.0,
        value: 42.0,
    });
    engine.apply(Update::Partial {
        widget: cpu.widget,
        ts_ms: 61_000.0,
        value: 7.0,
    });
    let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
        panic!("no series")
    };
    assert_eq!(ring.iter().collect::<Vec<_>>(), vec![(60_000.0, 42.0)]);
    assert_eq!(engine.partial("cpu"), Some((61_000.0, 7.0)));
    engine.apply(Update::Partial {
        widget: cpu.widget,
        ts_ms: f64::NAN,
        value: f64::NAN,
    });
    assert_eq!(engine.partial("cpu"), None);
    // A producer's engine takes no partial window from outside.
    let mut producer = Engine::new();
    let cpu = declare(&mut producer, "cpu", "metric", json!({"window": "1m"}));
    producer.apply(Update::Partial {
        widget: cpu.widget,
        ts_ms: 1.0,
        value: 1.0,
    });
    assert_eq!(producer.partial("cpu"), None);
    assert_eq!(producer.stats().points_discarded, 1);
}

#[test]
fn line_chart_series_are_added_by_name() {
    let mut engine = Engine::new();
    let chart = declare(
        &mut engine,
        "temps",
        "line_chart",
        json!({"series": [{"name": "cpu"}]}),
    );
    let series = |name: &str| SeriesOptions {
        name: name.into(),
        color: None,
        label: None,
    };
    assert_eq!(
        engine.series_index(chart.widget, series("cpu"), false),
        Ok(0)
    );
    assert_eq!(
        engine.series_index(chart.widget, series("gpu"), false),
        Ok(1)
    );
    engine.apply(Update::SeriesPoint {
        widget: chart.widget,
        series: 1,
        ts_ms: 1.0,
        value: 3.0,
    });
    let Some((_, WidgetData::MultiSeries(rings))) = engine.widget("temps") else {
        panic!()
    };
    assert_eq!((rings[0].len(), rings[1].len()), (0, 1));
}

#[test]
fn a_batch_larger_than_the_ring_leaves_its_newest_points_and_counts_every_one() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({"max_points": 4}));
    engine.set_recording(true);
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: -1.0,
        value: -1.0,
    });
    for batch in [
        vec![(0.0, 0.0), (1.0, 1.0)],
        (2..12).map(|i| (f64::from(i), f64::from(i))).collect(),
    ] {
        engine.apply(Update::Points {
            widget: cpu.widget,
            series: u32::MAX,
            points: Box::new(batch),
        });
    }
    let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
        panic!("no series")
    };
    assert_eq!(
        ring.iter().collect::<Vec<_>>(),
        vec![(8.0, 8.0), (9.0, 9.0), (10.0, 10.0), (11.0, 11.0)]
    );
    assert_eq!(ring.pushed(), 13);
    assert!(ring.is_time_sorted());
    assert_eq!(engine.stats().points_accepted, 13);
    // Subscribers get each batch as one entry, with every point.
    let deltas = engine.take_deltas();
    let sizes: Vec<usize> = deltas
        .updates
        .iter()
        .map(|u| u.batch_len().max(1))
        .collect();
    assert_eq!(sizes, vec![1, 2, 10]);
}

#[test]
fn a_windowed_metric_takes_a_batch_as_it_takes_its_points_one_by_one() {
    let options = json!({"window": "1s", "slide": "250ms", "aggregation": "p95", "lateness": "500ms", "max_points": 50});
    let (mut one, mut batch) = (Engine::new(), Engine::new());
    let a = declare(&mut one, "m", "metric", options.clone());
    let b = declare(&mut batch, "m", "metric", options);
    // Out of order within the lateness, a late one, a gap, a long jump.
    let points: Vec<(f64, f64)> = (0..3000)
        .map(|i| {
            let t = f64::from(i) * 7.0 + if i % 10 == 3 { -300.0 } else { 0.0 };
            (
                if i == 2500 { 1.0 } else { t },
                if i == 1700 {
                    f64::NAN
                } else {
                    f64::from(i % 97)
                },
            )
        })
        .chain([(60_000.0, 1.0)])
        .collect();
    for &(ts_ms, value) in &points {
        one.apply(Update::Point {
            widget: a.widget,
            ts_ms,
            value,
        });
    }
    batch.apply(Update::Points {
        widget: b.widget,
        series: u32::MAX,
        points: Box::new(points),
    });
    let held = |e: &Engine| match e.widget("m") {
        Some((_, WidgetData::Series(ring))) => ring
            .iter()
            .map(|(t, v)| (t, v.to_bits()))
            .collect::<Vec<_>>(),
        _ => panic!("no series"),
    };
    assert_eq!(held(&one), held(&batch));
    assert_eq!(one.partial("m"), batch.partial("m"));
    assert_eq!(one.losses("m"), batch.losses("m"));
    assert_eq!(one.stats().points_accepted, batch.stats().points_accepted);
}

#[test]
fn points_sent_one_by_one_are_logged_as_batches_per_series_in_order() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    let mem = declare(&mut engine, "mem", "metric", json!({}));
    engine.set_recording(true);
    let point = |widget: &WidgetHandle, t: f64| Update::Point {
        widget: widget.widget,
        ts_ms: t,
        value: t,
    };
    for t in 0..3 {
        engine.apply(point(&cpu, f64::from(t)));
    }
    engine.apply(point(&mem, 3.0));
    engine.apply(point(&cpu, 4.0));
    engine.apply(point(&cpu, 5.0));
    let deltas = engine.take_deltas();
    let logged: Vec<(u32, Vec<f64>)> = deltas
        .updates
        .iter()
        .map(|u| match u {
            Update::Points { widget, points, .. } => {
                (widget.index, points.iter().map(|p| p.0).collect())
            }
            Update::Point { widget, ts_ms, .. } => (widget.index, vec![*ts_ms]),
            other => panic!("{other:?}"),
        })
        .collect();
    let (c, m) = (cpu.widget.index, mem.widget.index);
    assert_eq!(
        logged,
        vec![
            (c, vec![0.0, 1.0, 2.0]),
            (m, vec![3.0]),
            (c, vec![4.0, 5.0])
        ]
    );
}

#[test]
fn the_relay_log_is_cut_where_a_journal_is_taken_and_each_part_names_its_journal() {
    let mut engine = Engine::new();
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    engine.set_journaling(true);
    engine.set_journal_shared(true);
    engine.set_relaying(true);
    engine.take_relay();
    let point = |ts_ms: f64| Update::Point {
        widget: cpu.widget,
        ts_ms,
        value: ts_ms,
    };
    let points = |part: &RelayPart| -> Vec<f64> {
        part.updates
            .iter()
            .flat_map(|u| match u {
                Update::Points { points, .. } => points.iter().map(|p| p.1).collect(),
                Update::Point { value, .. } => vec![*value],
                _ => vec![],
            })
            .collect()
    };
    engine.apply(point(1.0));
    engine.apply(point(2.0));
    let first = engine.take_journal();
    engine.apply(point(3.0));
    let second = engine.take_journal();
    engine.apply(point(4.0));
    assert_eq!((first.number, second.number), (1, 2));
    assert_eq!(first.run, engine.run_id());
    let take = engine.take_relay();
    let parts: Vec<(Option<u64>, Vec<f64>)> =
        take.parts.iter().map(|p| (p.journal, points(p))).collect();
    assert_eq!(
        parts,
        [
            (Some(1), vec![1.0, 2.0]),
            (Some(2), vec![3.0]),
            (Some(3), vec![4.0])
        ],
        "never joined across a journal"
    );
    // A reset keeps the run and its count; without a shared store parts name no journal.
    let run = engine.run_id();
    engine.reset();
    assert_eq!(engine.run_id(), run);
    let cpu = declare(&mut engine, "cpu", "metric", json!({}));
    engine.set_journal_shared(false);
    engine.apply(Update::Point {
        widget: cpu.widget,
        ts_ms: 5.0,
        value: 5.0,
    });
    assert_eq!(engine.take_journal().number, 3);
    let take = engine.take_relay();
    assert!(take.parts.iter().all(|p| p.journal.is_none()) && !take.parts.is_empty());
    assert_ne!(Engine::new().run_id(), run, "each engine its own run");
    assert_eq!(run.len(), 16);
}
