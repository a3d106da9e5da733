//! Property tests (proptest) of the engine's data structures against plain reference models:
//! the ring buffer holds exactly the newest points whatever the pushes, the keyed table upserts,
//! deletes and evicts as an ordered list of rows does, M4 decimation keeps every column's exact
//! first, lowest, highest and last point, and windows (tumbling and sliding, points out of order
//! within the lateness and late ones) close as a reference that keeps every point computes them,
//! point by point and in batches (percentiles within the sketch's 1 % of the exact value). Failing cases shrink to a minimal sequence and
//! are kept in `tests/properties.proptest-regressions`.

#![allow(clippy::unwrap_used)]

use std::collections::VecDeque;

use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::json;
use streamviz::engine::decimate::m4;
use streamviz::engine::{Aggregation, KeyedTable, RingBuffer, Row, WindowAggregator, WindowSpec};

/// A value, sometimes a gap (NaN), compared by its bits.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![9 => (-1000i32..1000).prop_map(f64::from), 1 => Just(f64::NAN)]
}

fn point() -> impl Strategy<Value = (f64, f64)> {
    ((0i32..10_000).prop_map(f64::from), value())
}

#[derive(Debug, Clone)]
enum RingOp {
    Push((f64, f64)),
    PushMany(Vec<(f64, f64)>),
    SetCapacity(usize),
    Clear,
}

fn ring_op() -> impl Strategy<Value = RingOp> {
    prop_oneof![
        6 => point().prop_map(RingOp::Push),
        3 => vec(point(), 0..150).prop_map(RingOp::PushMany),
        1 => (1usize..80).prop_map(RingOp::SetCapacity),
        1 => Just(RingOp::Clear),
    ]
}

fn bits(points: impl IntoIterator<Item = (f64, f64)>) -> Vec<(u64, u64)> {
    points
        .into_iter()
        .map(|(t, v)| (t.to_bits(), v.to_bits()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_ring_holds_exactly_the_newest_points(capacity in 1usize..80, ops in vec(ring_op(), 0..40)) {
        let mut ring = RingBuffer::new(capacity);
        let mut model: VecDeque<(f64, f64)> = VecDeque::new();
        let mut capacity = capacity;
        let mut pushed = 0u64;
        for op in ops {
            match op {
                RingOp::Push((t, v)) => {
                    ring.push(t, v);
                    model.push_back((t, v));
                    pushed += 1;
                }
                RingOp::PushMany(points) => {
                    ring.push_many(&points);
                    pushed += points.len() as u64;
                    model.extend(points);
                }
                RingOp::SetCapacity(c) => {
                    ring.set_capacity(c);
                    capacity = c;
                }
                RingOp::Clear => {
                    ring.clear();
                    model.clear();
                    pushed = 0;
                }
            }
            while model.len() > capacity {
                model.pop_front();
            }
            prop_assert_eq!(bits(ring.iter()), bits(model.iter().copied()));
            prop_assert_eq!(ring.len(), model.len());
            prop_assert_eq!(ring.capacity_points(), capacity);
            prop_assert_eq!(ring.pushed(), pushed);
            prop_assert_eq!(ring.last().map(|p| bits([p])), model.back().map(|p| bits([*p])));
            for (i, p) in model.iter().enumerate() {
                prop_assert_eq!(bits([ring.get(i).unwrap()]), bits([*p]));
            }
            if ring.is_time_sorted() {
                // Sorted is never claimed of points out of order (it may be denied of sorted ones).
                prop_assert!(model.iter().zip(model.iter().skip(1)).all(|(a, b)| a.0 <= b.0));
            }
        }
    }
}

#[derive(Debug, Clone)]
enum TableOp {
    Upsert(String, i64),
    Delete(String),
    Clear,
}

fn table_op() -> impl Strategy<Value = TableOp> {
    let key = "[a-h]";
    prop_oneof![
        6 => (key, any::<i64>()).prop_map(|(k, v)| TableOp::Upsert(k, v)),
        2 => key.prop_map(TableOp::Delete),
        1 => Just(TableOp::Clear),
    ]
}

fn row(value: i64) -> Row {
    json!({"value": value}).as_object().unwrap().clone()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_keyed_table_upserts_deletes_and_evicts_as_an_ordered_list(max_rows in 1usize..6, ops in vec(table_op(), 0..60)) {
        let mut table = KeyedTable::new(max_rows);
        // Rows in insertion order; an upsert of a held key replaces it in place.
        let mut model: Vec<(String, i64)> = Vec::new();
        for op in ops {
            match op {
                TableOp::Upsert(key, value) => {
                    let evicted = table.upsert(key.clone(), row(value));
                    let expected = match model.iter_mut().find(|(k, _)| *k == key) {
                        Some(held) => {
                            held.1 = value;
                            None
                        }
                        None => {
                            model.push((key, value));
                            (model.len() > max_rows).then(|| model.remove(0).0)
                        }
                    };
                    prop_assert_eq!(evicted, expected);
                }
                TableOp::Delete(key) => {
                    let held = model.iter().position(|(k, _)| *k == key);
                    prop_assert_eq!(table.delete(&key), held.is_some());
                    if let Some(at) = held {
                        model.remove(at);
                    }
                }
                TableOp::Clear => {
                    table.clear();
                    model.clear();
                }
            }
            let rows: Vec<(String, i64)> = table
                .iter()
                .map(|(k, r)| (k.to_owned(), r["value"].as_i64().unwrap()))
                .collect();
            prop_assert_eq!(&rows, &model);
            prop_assert_eq!(table.len(), model.len());
            for (key, value) in &model {
                prop_assert_eq!(table.get(key).map(|r| r["value"].as_i64().unwrap()), Some(*value));
            }
        }
    }
}

/// Points in time order (as a ring holds them), some sharing a time, some gaps.
fn series() -> impl Strategy<Value = Vec<(f64, f64)>> {
    vec(((0i32..40).prop_map(f64::from), value()), 0..400).prop_map(|steps| {
        let mut t = 0.0;
        steps
            .into_iter()
            .map(|(step, v)| {
                t += step;
                (t, v)
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn m4_keeps_every_columns_first_lowest_highest_and_last_point(
        points in series(),
        t0 in (-100i32..2_000).prop_map(f64::from),
        span in (1i32..10_000).prop_map(f64::from),
        columns in 1usize..60,
    ) {
        let t1 = t0 + span;
        let out = m4(points.iter().copied(), t0, t1, columns);
        let scale = columns as f64 / (t1 - t0);
        let column = |ts: f64| (((ts - t0) * scale) as usize).min(columns - 1);
        // Every point kept is an input point in the interval, in time order.
        let inside: Vec<(f64, f64)> = points.iter().copied().filter(|p| p.0 >= t0 && p.0 <= t1).collect();
        for p in &out {
            prop_assert!(inside.iter().any(|q| bits([*q]) == bits([*p])), "{:?} is no input point", p);
        }
        prop_assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "out of time order");
        for c in 0..columns {
            let held: Vec<(f64, f64)> = inside.iter().copied().filter(|p| column(p.0) == c).collect();
            let kept: Vec<(f64, f64)> = out.iter().copied().filter(|p| column(p.0) == c).collect();
            let values: Vec<(f64, f64)> = held.iter().copied().filter(|p| !p.1.is_nan()).collect();
            let gap = held.iter().any(|p| p.1.is_nan());
            prop_assert!(kept.len() <= 4 + usize::from(gap), "column {} kept {}", c, kept.len());
            prop_assert_eq!(kept.iter().any(|p| p.1.is_nan()), gap, "column {}: a gap is kept once", c);
            if let (Some(first), Some(last)) = (values.first(), values.last()) {
                let low = values.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
                let high = values.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
                prop_assert!(kept.contains(first), "column {}: first {:?} not kept", c, first);
                prop_assert!(kept.contains(last), "column {}: last {:?} not kept", c, last);
                prop_assert!(kept.iter().any(|p| p.1 == low), "column {}: lowest {} not kept", c, low);
                prop_assert!(kept.iter().any(|p| p.1 == high), "column {}: highest {} not kept", c, high);
            } else {
                prop_assert!(kept.iter().all(|p| p.1.is_nan()), "column {}: nothing but a gap", c);
            }
        }
    }
}

/// Windows as the engine's docs define them (`engine/window`), computed from every accepted
/// point kept whole: window `k` covers `[k·slide, k·slide + window)`, closes once the watermark
/// (newest time − lateness) reaches its end and becomes a point stamped with its end; a point
/// whose every window has closed is late; empty windows give 0 (sum, count, rate) or one gap.
struct Windows {
    window: f64,
    slide: f64,
    lateness: f64,
    aggregation: Aggregation,
    next: Option<i64>,
    newest: f64,
    accepted: Vec<(f64, f64)>,
    late: u64,
    emitted: bool,
    last_was_gap: bool,
    closed: Vec<(f64, f64)>,
}

impl Windows {
    fn new(spec: &WindowSpec) -> Self {
        Self {
            window: spec.window_ms as f64,
            slide: spec.slide_ms as f64,
            lateness: spec.lateness_ms as f64,
            aggregation: spec.aggregation,
            next: None,
            newest: f64::NEG_INFINITY,
            accepted: Vec::new(),
            late: 0,
            emitted: false,
            last_was_gap: false,
            closed: Vec::new(),
        }
    }

    fn oldest_open(&self, watermark: f64) -> i64 {
        ((watermark - self.window) / self.slide).floor() as i64 + 1
    }

    fn push(&mut self, ts: f64, value: f64) {
        if ts > self.newest {
            self.newest = ts;
            let open = self.oldest_open(ts - self.lateness);
            match self.next {
                None => self.next = Some(open),
                Some(next) if open > next => {
                    for k in next..open {
                        self.close(k);
                    }
                    self.next = Some(open);
                }
                Some(_) => {}
            }
        }
        if ((ts / self.slide).floor() as i64) < self.next.unwrap() {
            self.late += 1;
        } else if !value.is_nan() {
            self.accepted.push((ts, value));
        }
    }

    fn close(&mut self, k: i64) {
        let start = k as f64 * self.slide;
        let values: Vec<f64> = self
            .accepted
            .iter()
            .filter(|p| p.0 >= start && p.0 < start + self.window)
            .map(|p| p.1)
            .collect();
        let value = if values.is_empty() {
            if !self.emitted {
                return;
            }
            match self.aggregation {
                Aggregation::Sum | Aggregation::Count | Aggregation::Rate => 0.0,
                _ => f64::NAN,
            }
        } else {
            let sum: f64 = values.iter().sum();
            match self.aggregation {
                Aggregation::Sum => sum,
                Aggregation::Count => values.len() as f64,
                Aggregation::Rate => sum / (self.window / 1000.0),
                Aggregation::Avg => sum / values.len() as f64,
                Aggregation::Min => values.iter().copied().fold(f64::INFINITY, f64::min),
                Aggregation::Max => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                Aggregation::Quantile(q) => {
                    // The value at the rank DDSketch reads (1-based ⌊q·(n−1)⌋ + 1), exact.
                    let mut sorted = values.clone();
                    sorted.sort_by(f64::total_cmp);
                    sorted[((q * (sorted.len() as f64 - 1.0) + 1.0) as usize) - 1]
                }
            }
        };
        self.emitted = true;
        if value.is_nan() {
            if self.last_was_gap {
                return;
            }
            self.last_was_gap = true;
        } else {
            self.last_was_gap = false;
        }
        self.closed.push((start + self.window, value));
    }
}

fn window_spec() -> impl Strategy<Value = WindowSpec> {
    let aggregation = prop_oneof![
        Just("sum"),
        Just("avg"),
        Just("min"),
        Just("max"),
        Just("count"),
        Just("rate"),
        Just("p50"),
        Just("p95"),
        Just("p99.9"),
        Just("p100")
    ];
    (1u64..60, 1u64..60, 0u64..40, aggregation).prop_filter_map(
        "slide longer than the window",
        |(window, slide, lateness, aggregation)| {
            if slide > window {
                return None;
            }
            WindowSpec::from_options(
                Some(&format!("{window}ms")),
                Some(&format!("{slide}ms")),
                Some(&format!("{lateness}ms")),
                Some(aggregation),
            )
            .unwrap()
        },
    )
}

/// Mostly forward in time, sometimes back (out of order, maybe late), sometimes a gap or a jump.
fn stream() -> impl Strategy<Value = Vec<(f64, f64)>> {
    vec((-30i32..40, value()), 0..300).prop_map(|steps| {
        let mut t = 1_000.0;
        steps
            .into_iter()
            .map(|(step, v)| {
                t = (t + f64::from(step)).max(0.0);
                (t, v)
            })
            .collect()
    })
}

/// Windows closed, compared exactly (values are integers, so every sum is exact in any order),
/// or for a percentile within the sketch's relative error (1 %) of the exact value.
fn same_windows(got: &[(f64, f64)], want: &[(f64, f64)], spec: &WindowSpec) -> bool {
    let relative = match spec.aggregation {
        // The sketch's bound, and a rounding of the representative value past it.
        Aggregation::Quantile(_) => 0.01 + 1e-9,
        _ => 1e-9,
    };
    got.len() == want.len()
        && got.iter().zip(want).all(|(a, b)| {
            a.0 == b.0
                && (a.1 == b.1
                    || (a.1.is_nan() && b.1.is_nan())
                    || (a.1 - b.1).abs() <= relative * b.1.abs())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn windows_close_as_the_reference_computes_them_point_by_point_and_in_batches(
        spec in window_spec(),
        points in stream(),
        batch in 1usize..50,
    ) {
        let mut reference = Windows::new(&spec);
        for &(ts, value) in &points {
            reference.push(ts, value);
        }
        let mut one_by_one = WindowAggregator::new(spec);
        let mut closed = Vec::new();
        for &(ts, value) in &points {
            one_by_one.push(ts, value, 1_000_000, &mut closed);
        }
        prop_assert!(same_windows(&closed, &reference.closed, &spec), "one by one {:?}\nreference  {:?}", closed, reference.closed);
        prop_assert_eq!(one_by_one.late(), reference.late);

        let mut batched = WindowAggregator::new(spec);
        let mut closed_in_batches = Vec::new();
        for chunk in points.chunks(batch) {
            batched.push_many(chunk, 1_000_000, &mut closed_in_batches);
        }
        prop_assert!(same_windows(&closed_in_batches, &reference.closed, &spec), "batches {:?}\nreference {:?}", closed_in_batches, reference.closed);
        prop_assert_eq!(batched.late(), reference.late);
    }
}
