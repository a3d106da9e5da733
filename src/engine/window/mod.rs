//! Windowed aggregation of a metric by event time (each point's own timestamp): tumbling windows
//! (`slide` = `window`) and sliding ones, with sum, avg, min, max, count, rate and percentiles.
//!
//! **Windows.** Window `k` covers `[k·slide, k·slide + window)` in epoch milliseconds (aligned to
//! the epoch, so every producer and restart agrees where windows start). A closed window becomes
//! one point of the metric, stamped with the window's **end**. The window holding the newest point
//! is shown as a **partial** point, stamped with that point's time, until it closes.
//!
//! **Lateness and order.** The watermark is the newest timestamp seen minus `lateness` (default
//! 0). A window closes, for good, once the watermark reaches its end. Points may arrive in any
//! order while a window they belong to is open; a point whose every window has closed is
//! **late**: it is not aggregated, and it is counted ([`WindowAggregator::late`]). A jump forward
//! closes every window it passes: empty windows give 0 for `count`, `sum` and `rate`, and one gap
//! (NaN) for the others. NaN points (gaps in raw data) are ignored.
//!
//! **Cost.** Time is cut into panes at every window start and end: one pane per slide, or two when
//! the slide does not divide the window. A point updates exactly one pane, O(1) (a percentile's
//! pane is a DDSketch, a bounded mergeable quantile sketch with 1 % relative error). A window that
//! closes combines its panes: at most `2·window/slide` (≤ 2,000) per window, once per slide, so the
//! work per point is O(1) amortised whenever a slide holds at least `window/slide` points; memory is
//! the open panes only, never the raw points.

use std::collections::VecDeque;

use sketches_ddsketch::DDSketch;

mod sketch;
mod spec;

pub use sketch::QUANTILE_RELATIVE_ERROR;
pub use spec::{
    parse_duration_ms, Aggregation, WindowSpec, MAX_OPEN_SLIDES, MAX_SLIDES_PER_WINDOW,
    MAX_WINDOW_MS,
};

/// What one pane holds: only what the aggregation needs.
#[derive(Clone)]
enum Pane {
    /// Count and sum (count, sum, avg, rate).
    Moments { count: u64, sum: f64 },
    /// Count and the extreme so far (min or max).
    Extreme { count: u64, value: f64 },
    /// A quantile sketch (boxed: the sketch is large, most panes of other kinds are not).
    Sketch(Box<DDSketch>),
}

impl std::fmt::Debug for Pane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Pane::Moments { count, sum } => write!(f, "Moments({count}, {sum})"),
            Pane::Extreme { count, value } => write!(f, "Extreme({count}, {value})"),
            Pane::Sketch(sketch) => write!(f, "Sketch({} points)", sketch.count()),
        }
    }
}

/// The windows of one metric: open panes, the next window to close, and what came late.
#[derive(Clone)]
pub struct WindowAggregator {
    spec: WindowSpec,
    /// Panes per slide: 1 when the slide divides the window, else 2.
    panes_per_slide: i64,
    /// Panes per window.
    panes_per_window: i64,
    /// `window mod slide`: where the second pane of a slide starts.
    remainder_ms: f64,
    /// Open panes, oldest first; `panes[0]` has id `first_pane`.
    panes: VecDeque<Pane>,
    first_pane: i64,
    /// The oldest window not closed yet; `None` before the first point.
    next_window: Option<i64>,
    /// Newest timestamp seen.
    newest_ms: f64,
    /// Whether the last window emitted was a gap (NaN), so gaps are not repeated.
    last_was_gap: bool,
    /// Whether a window with data was emitted yet.
    emitted: bool,
    late: u64,
    /// Values counted for pane `counted_pane`, not yet in its sketch.
    key_counts: sketch::KeyCounts,
    counted_pane: i64,
    /// The pane the last point went into, while nothing about it changes: a point in it that
    /// closes no window goes straight in (most points of a stream).
    hot: Option<HotPane>,
}

/// A pane's time span `[lo, hi)`, its place among the open panes, and the watermark at which
/// the oldest open window closes.
#[derive(Debug, Clone, Copy)]
struct HotPane {
    lo: f64,
    hi: f64,
    index: usize,
    close_at: f64,
}

impl HotPane {
    /// Whether a point goes straight into this pane: in its span, not a gap, and closing no
    /// window (the watermark it makes stays before `close_at`).
    #[inline]
    fn takes(&self, ts_ms: f64, value: f64, lateness_ms: f64) -> bool {
        ts_ms >= self.lo
            && ts_ms < self.hi
            && !value.is_nan()
            && ts_ms - lateness_ms < self.close_at
    }
}

impl std::fmt::Debug for WindowAggregator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WindowAggregator")
            .field("spec", &self.spec)
            .field("open_panes", &self.panes.len())
            .field("next_window", &self.next_window)
            .field("late", &self.late)
            .finish_non_exhaustive()
    }
}

impl WindowAggregator {
    /// Windows as `spec` says, none open yet.
    pub fn new(spec: WindowSpec) -> Self {
        let remainder = spec.window_ms % spec.slide_ms;
        let quotient = (spec.window_ms / spec.slide_ms) as i64;
        let (panes_per_slide, panes_per_window) = if remainder == 0 {
            (1, quotient)
        } else {
            (2, 2 * quotient + 1)
        };
        Self {
            spec,
            panes_per_slide,
            panes_per_window,
            remainder_ms: remainder as f64,
            panes: VecDeque::new(),
            first_pane: 0,
            next_window: None,
            newest_ms: f64::NEG_INFINITY,
            last_was_gap: false,
            emitted: false,
            late: 0,
            key_counts: sketch::KeyCounts::default(),
            counted_pane: i64::MIN,
            hot: None,
        }
    }

    /// The windowing.
    pub fn spec(&self) -> &WindowSpec {
        &self.spec
    }

    /// Points that came after every window they belong to had closed.
    pub fn late(&self) -> u64 {
        self.late
    }

    fn slide(&self) -> f64 {
        self.spec.slide_ms as f64
    }

    /// The pane holding time `ts_ms`.
    #[inline]
    fn pane_of(&self, ts_ms: f64) -> i64 {
        let slide = (ts_ms / self.slide()).floor();
        let id = slide as i64 * self.panes_per_slide;
        if self.panes_per_slide == 2 && ts_ms - slide * self.slide() >= self.remainder_ms {
            id + 1
        } else {
            id
        }
    }

    /// The newest window holding `ts_ms`.
    #[inline]
    fn last_window_of(&self, ts_ms: f64) -> i64 {
        (ts_ms / self.slide()).floor() as i64
    }

    /// The oldest window still open once the watermark is `watermark_ms`.
    fn oldest_open_window(&self, watermark_ms: f64) -> i64 {
        ((watermark_ms - self.spec.window_ms as f64) / self.slide()).floor() as i64 + 1
    }

    fn window_end_ms(&self, window: i64) -> f64 {
        window as f64 * self.slide() + self.spec.window_ms as f64
    }

    fn empty_pane(&self) -> Pane {
        match self.spec.aggregation {
            Aggregation::Min => Pane::Extreme {
                count: 0,
                value: f64::INFINITY,
            },
            Aggregation::Max => Pane::Extreme {
                count: 0,
                value: f64::NEG_INFINITY,
            },
            Aggregation::Quantile(_) => Pane::Sketch(Box::new(DDSketch::new(sketch::config()))),
            _ => Pane::Moments { count: 0, sum: 0.0 },
        }
    }

    /// Take one point. Windows it closes are appended to `closed` as `(end_ms, value)`, oldest
    /// first (NaN is a gap). Returns false when the point was late (and counted).
    pub fn push(
        &mut self,
        ts_ms: f64,
        value: f64,
        capacity_points: usize,
        closed: &mut Vec<(f64, f64)>,
    ) -> bool {
        let lateness = self.spec.lateness_ms as f64;
        if let Some(hot) = self.hot {
            if hot.takes(ts_ms, value, lateness) {
                self.newest_ms = self.newest_ms.max(ts_ms);
                self.add(hot.index, value);
                return true;
            }
        }
        // Anything else may close or drop panes: the counted values go into their pane first.
        self.settle();
        if ts_ms > self.newest_ms {
            self.newest_ms = ts_ms;
            let watermark = ts_ms - lateness;
            match self.next_window {
                None => {
                    let first = self.oldest_open_window(watermark);
                    self.next_window = Some(first);
                    self.first_pane = first * self.panes_per_slide;
                }
                Some(next) if self.window_end_ms(next) <= watermark => {
                    self.close_until(self.oldest_open_window(watermark), capacity_points, closed);
                }
                Some(_) => {}
            }
        }
        let Some(next) = self.next_window else {
            return true;
        };
        if self.last_window_of(ts_ms) < next {
            self.late += 1;
            return false;
        }
        if value.is_nan() {
            return true;
        }
        let index = (self.pane_of(ts_ms) - self.first_pane) as usize;
        while self.panes.len() <= index {
            let pane = self.empty_pane();
            self.panes.push_back(pane);
        }
        self.add(index, value);
        let slide = self.slide();
        let start = (ts_ms / slide).floor() * slide;
        let (lo, hi) = if self.panes_per_slide == 2 {
            let middle = start + self.remainder_ms;
            if ts_ms >= middle {
                (middle, start + slide)
            } else {
                (start, middle)
            }
        } else {
            (start, start + slide)
        };
        self.hot = self.next_window.map(|next| HotPane {
            lo,
            hi,
            index,
            close_at: self.window_end_ms(next),
        });
        true
    }

    /// Take a batch of points, in order: what [`push`](Self::push) would make of each, with the
    /// points that fall in the pane of the point before them added as one run.
    pub fn push_many(
        &mut self,
        points: &[(f64, f64)],
        capacity_points: usize,
        closed: &mut Vec<(f64, f64)>,
    ) {
        let lateness = self.spec.lateness_ms as f64;
        let mut rest = points;
        while let Some((&(ts_ms, value), after)) = rest.split_first() {
            if let Some(hot) = self.hot {
                let run = rest
                    .iter()
                    .take_while(|&&(ts, v)| hot.takes(ts, v, lateness))
                    .count();
                if run > 0 {
                    let (taken, after) = rest.split_at(run);
                    self.newest_ms = taken
                        .iter()
                        .fold(self.newest_ms, |newest, &(ts, _)| newest.max(ts));
                    self.add_run(hot.index, taken);
                    rest = after;
                    continue;
                }
            }
            self.push(ts_ms, value, capacity_points, closed);
            rest = after;
        }
    }

    /// Add the values of `points` (none NaN) to open pane `index`, as one by one would.
    fn add_run(&mut self, index: usize, points: &[(f64, f64)]) {
        let id = self.first_pane + index as i64;
        let counting = points.len() >= sketch::MIN_RUN
            && self.spec.aggregation != Aggregation::Quantile(1.0)
            && matches!(self.panes[index], Pane::Sketch(_));
        if !counting {
            for &(_, value) in points {
                self.add(index, value);
            }
            return;
        }
        // Bins as one by one; min and max are not kept exact (only p100 reads them).
        if self.counted_pane != id {
            self.settle();
            self.counted_pane = id;
        }
        if let Pane::Sketch(sketch) = &mut self.panes[index] {
            self.key_counts.add_many(sketch, points);
        }
    }

    /// Put the values counted for a pane into its sketch.
    fn settle(&mut self) {
        if self.key_counts.is_empty() {
            return;
        }
        let index = self
            .counted_pane
            .checked_sub(self.first_pane)
            .and_then(|i| usize::try_from(i).ok());
        match index.and_then(|i| self.panes.get_mut(i)) {
            Some(Pane::Sketch(sketch)) => self.key_counts.flush_into(sketch),
            _ => self.key_counts = sketch::KeyCounts::default(),
        }
    }

    /// Add `value` to open pane `index`.
    #[inline]
    fn add(&mut self, index: usize, value: f64) {
        match &mut self.panes[index] {
            Pane::Moments { count, sum } => {
                *count += 1;
                *sum += value;
            }
            Pane::Extreme { count, value: v } => {
                *count += 1;
                *v = match self.spec.aggregation {
                    Aggregation::Min => v.min(value),
                    _ => v.max(value),
                };
            }
            Pane::Sketch(sketch) => sketch.add(value),
        }
    }

    /// Close every window before `until`, emitting at most `capacity_points` of them (older
    /// empty ones would be evicted from the ring at once).
    fn close_until(&mut self, until: i64, capacity_points: usize, closed: &mut Vec<(f64, f64)>) {
        self.hot = None;
        let Some(mut next) = self.next_window else {
            return;
        };
        while next < until {
            let first = next * self.panes_per_slide;
            if first - self.first_pane >= self.panes.len() as i64 {
                // No pane of this window or any later one holds data: the rest are empty.
                let skip = (until - next).saturating_sub(capacity_points as i64).max(0);
                next += skip;
                while next < until {
                    self.emit(next, None, closed);
                    next += 1;
                }
                break;
            }
            let value = self.aggregate(next);
            self.emit(next, value, closed);
            next += 1;
            let drop = ((next * self.panes_per_slide - self.first_pane).max(0) as usize)
                .min(self.panes.len());
            self.panes.drain(..drop);
            self.first_pane += drop as i64;
        }
        self.next_window = Some(until);
        if self.panes.is_empty() || self.first_pane < until * self.panes_per_slide {
            let drop = ((until * self.panes_per_slide - self.first_pane).max(0) as usize)
                .min(self.panes.len());
            self.panes.drain(..drop);
            self.first_pane = until * self.panes_per_slide;
        }
    }

    /// Append window `window`'s point; `None` is an empty window (not shown before the first
    /// window with data: windows before the stream began are not news).
    fn emit(&mut self, window: i64, value: Option<f64>, closed: &mut Vec<(f64, f64)>) {
        if value.is_none() && !self.emitted {
            return;
        }
        self.emitted = true;
        let value = value.unwrap_or(if self.spec.aggregation.zero_when_empty() {
            0.0
        } else {
            f64::NAN
        });
        if value.is_nan() {
            if self.last_was_gap {
                return;
            }
            self.last_was_gap = true;
        } else {
            self.last_was_gap = false;
        }
        closed.push((self.window_end_ms(window), value));
    }

    /// The value of window `window` from its open panes; `None` when no point fell in it.
    fn aggregate(&self, window: i64) -> Option<f64> {
        let start = (window * self.panes_per_slide - self.first_pane).max(0) as usize;
        let end = ((window * self.panes_per_slide + self.panes_per_window - self.first_pane).max(0)
            as usize)
            .min(self.panes.len());
        let panes = self.panes.range(start.min(end)..end);
        let aggregation = self.spec.aggregation;
        match aggregation {
            Aggregation::Sum | Aggregation::Avg | Aggregation::Count | Aggregation::Rate => {
                let (count, sum) = panes.fold((0_u64, 0.0_f64), |(c, s), pane| match pane {
                    Pane::Moments { count, sum } => (c + count, s + sum),
                    _ => (c, s),
                });
                (count > 0).then(|| match aggregation {
                    Aggregation::Sum => sum,
                    Aggregation::Count => count as f64,
                    Aggregation::Rate => sum / (self.spec.window_ms as f64 / 1000.0),
                    _ => sum / count as f64,
                })
            }
            Aggregation::Min | Aggregation::Max => panes
                .filter_map(|pane| match pane {
                    Pane::Extreme { count, value } if *count > 0 => Some(*value),
                    _ => None,
                })
                .reduce(|a, b| {
                    if aggregation == Aggregation::Min {
                        a.min(b)
                    } else {
                        a.max(b)
                    }
                }),
            Aggregation::Quantile(q) => {
                // The pane values are being counted for, with its counts, when in this window.
                let first_index = start.min(end);
                let counted = self
                    .counted_pane
                    .checked_sub(self.first_pane)
                    .and_then(|i| usize::try_from(i).ok())
                    .filter(|i| !self.key_counts.is_empty() && (first_index..end).contains(i))
                    .and_then(|i| match &self.panes[i] {
                        Pane::Sketch(sketch) => {
                            let mut sketch = sketch.as_ref().clone();
                            self.key_counts.clone().flush_into(&mut sketch);
                            Some((i, sketch))
                        }
                        _ => None,
                    });
                let mut sketches =
                    panes
                        .enumerate()
                        .filter_map(|(offset, pane)| match (pane, &counted) {
                            (_, Some((i, sketch))) if *i == first_index + offset => Some(sketch),
                            (Pane::Sketch(sketch), _) if sketch.count() > 0 => {
                                Some(sketch.as_ref())
                            }
                            _ => None,
                        });
                let first = sketches.next()?;
                let merged;
                let sketch = match sketches.next() {
                    None => first,
                    Some(second) => {
                        let mut all = first.clone();
                        for other in std::iter::once(second).chain(sketches) {
                            // Every pane's sketch has this aggregator's configuration.
                            let _ = all.merge(other);
                        }
                        merged = all;
                        &merged
                    }
                };
                sketch.quantile(q).ok().flatten()
            }
        }
    }

    /// The window holding the newest point, as it stands: `(newest point's time, value so far)`;
    /// `None` before the first point or when that window has no value yet.
    pub fn partial(&self) -> Option<(f64, f64)> {
        let next = self.next_window?;
        let newest = self.newest_ms;
        // The oldest open window holding the newest point: the most complete one.
        let window = (self.oldest_open_window(newest)).max(next);
        if window > self.last_window_of(newest) {
            return None;
        }
        self.aggregate(window).map(|value| (newest, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(window: &str, slide: Option<&str>, lateness: Option<&str>, agg: &str) -> WindowSpec {
        WindowSpec::from_options(Some(window), slide, lateness, Some(agg))
            .unwrap()
            .unwrap()
    }

    /// Every window of every point pushed, in order, with a large capacity.
    fn run(spec: WindowSpec, points: &[(f64, f64)]) -> (Vec<(f64, f64)>, WindowAggregator) {
        let mut aggregator = WindowAggregator::new(spec);
        let mut closed = Vec::new();
        for &(ts, v) in points {
            aggregator.push(ts, v, 1_000_000, &mut closed);
        }
        (closed, aggregator)
    }

    #[test]
    fn tumbling_windows_close_in_order_stamped_with_their_end() {
        let points = [
            (0.0, 1.0),
            (400.0, 3.0),
            (999.0, 5.0),
            (1000.0, 10.0),
            (2500.0, 7.0),
        ];
        let (closed, aggregator) = run(spec("1s", None, None, "sum"), &points);
        assert_eq!(closed, vec![(1000.0, 9.0), (2000.0, 10.0)]);
        assert_eq!(aggregator.partial(), Some((2500.0, 7.0)));
        let (closed, _) = run(spec("1s", None, None, "avg"), &points);
        assert_eq!(closed, vec![(1000.0, 3.0), (2000.0, 10.0)]);
        let (closed, _) = run(spec("1s", None, None, "count"), &points);
        assert_eq!(closed, vec![(1000.0, 3.0), (2000.0, 1.0)]);
        let (closed, _) = run(spec("1s", None, None, "min"), &points);
        assert_eq!(closed, vec![(1000.0, 1.0), (2000.0, 10.0)]);
        let (closed, _) = run(spec("1s", None, None, "max"), &points);
        assert_eq!(closed, vec![(1000.0, 5.0), (2000.0, 10.0)]);
        let (closed, _) = run(spec("2s", None, None, "rate"), &points);
        assert_eq!(closed, vec![(2000.0, 19.0 / 2.0)]);
    }

    #[test]
    fn empty_windows_are_zero_or_one_gap_and_a_long_jump_emits_at_most_the_capacity() {
        let points = [(0.0, 1.0), (5_500.0, 2.0)];
        let (closed, _) = run(spec("1s", None, None, "count"), &points);
        let expected: Vec<(f64, f64)> = [
            (1000.0, 1.0),
            (2000.0, 0.0),
            (3000.0, 0.0),
            (4000.0, 0.0),
            (5000.0, 0.0),
        ]
        .to_vec();
        assert_eq!(closed, expected);
        let (closed, _) = run(spec("1s", None, None, "avg"), &points);
        assert_eq!(closed.len(), 2, "{closed:?}");
        assert_eq!(closed[0], (1000.0, 1.0));
        assert!(closed[1].0 == 2000.0 && closed[1].1.is_nan(), "one gap");

        let mut aggregator = WindowAggregator::new(spec("1s", None, None, "count"));
        let mut closed = Vec::new();
        aggregator.push(0.0, 1.0, 3, &mut closed);
        aggregator.push(1.0e9, 1.0, 3, &mut closed);
        assert_eq!(
            closed,
            vec![
                (1000.0, 1.0),
                (1.0e9 - 2000.0, 0.0),
                (1.0e9 - 1000.0, 0.0),
                (1.0e9, 0.0)
            ]
        );
        assert_eq!(aggregator.partial(), Some((1.0e9, 1.0)));
    }

    #[test]
    fn out_of_order_points_join_open_windows_and_late_ones_are_counted() {
        // Without lateness: 1,500 closes [0, 1000); 900 is then late, 1,200 is not.
        let (closed, aggregator) = run(
            spec("1s", None, None, "sum"),
            &[
                (100.0, 1.0),
                (1500.0, 2.0),
                (900.0, 4.0),
                (1200.0, 8.0),
                (2100.0, 0.0),
            ],
        );
        assert_eq!(closed, vec![(1000.0, 1.0), (2000.0, 10.0)]);
        assert_eq!(aggregator.late(), 1);
        // With 600 ms of lateness, 900 still counts in its window.
        let (closed, aggregator) = run(
            spec("1s", None, Some("600ms"), "sum"),
            &[
                (100.0, 1.0),
                (1500.0, 2.0),
                (900.0, 4.0),
                (1200.0, 8.0),
                (2700.0, 0.0),
            ],
        );
        assert_eq!(closed, vec![(1000.0, 5.0), (2000.0, 10.0)]);
        assert_eq!(aggregator.late(), 0);
    }

    #[test]
    fn sliding_windows_whose_slide_does_not_divide_the_window_cover_exactly_their_span() {
        // Windows of 1,000 ms every 300 ms: [0,1000), [300,1300), [600,1600), ...
        let points: Vec<(f64, f64)> = (0..40).map(|i| (f64::from(i) * 100.0, 1.0)).collect();
        let (closed, _) = run(spec("1s", Some("300ms"), None, "count"), &points);
        // The first windows start before the first point (at -900, -600, -300 ms).
        for &(end, count) in &closed {
            let start = end - 1000.0;
            let expected = points
                .iter()
                .filter(|(ts, _)| *ts >= start && *ts < end)
                .count();
            assert_eq!(count, expected as f64, "window ending at {end}");
        }
        let ends: Vec<f64> = closed.iter().map(|c| c.0).collect();
        assert_eq!(ends[..4], [100.0, 400.0, 700.0, 1000.0]);
        // The last point (3,900) holds window [3000, 4000) open.
        assert_eq!(*ends.last().unwrap(), 3700.0);
    }

    #[test]
    fn percentiles_come_from_a_sketch_within_one_percent() {
        let points: Vec<(f64, f64)> = (0..10_000)
            .map(|i| (f64::from(i) * 100.0, 1.0 + f64::from(i * 7919 % 10_000)))
            .collect();
        let (closed, _) = run(spec("1s", None, None, "p95"), &points);
        assert_eq!(closed.len(), 999);
        // The exact `q` quantile of the points in the `width` ms before `end`.
        let exact = |end: f64, width: f64, q: f64| {
            let mut window: Vec<f64> = points
                .iter()
                .filter(|(ts, _)| *ts >= end - width && *ts < end)
                .map(|p| p.1)
                .collect();
            window.sort_by(f64::total_cmp);
            window[(q * (window.len() - 1) as f64) as usize]
        };
        for &(end, p95) in &closed {
            let exact = exact(end, 1000.0, 0.95);
            assert!(
                (p95 - exact).abs() <= 0.01 * exact,
                "{end}: {p95} vs {exact}"
            );
        }
        // Sliding: merged pane sketches.
        let (closed, _) = run(spec("10s", Some("1s"), None, "p50"), &points);
        for &(end, p50) in &closed {
            let exact = exact(end, 10_000.0, 0.5);
            assert!(
                (p50 - exact).abs() <= 0.01 * exact,
                "{end}: {p50} vs {exact}"
            );
        }
    }

    #[test]
    fn the_open_window_counts_every_point_of_a_batch_at_once() {
        // A steady stream in batches: the values of a batch's runs are counted for their pane,
        // and the open window read between batches already includes them.
        let mut batched = WindowAggregator::new(spec("10s", Some("5s"), None, "p90"));
        let mut one_by_one = WindowAggregator::new(spec("10s", Some("5s"), None, "p90"));
        let (mut closed, mut closed_too) = (Vec::new(), Vec::new());
        let points: Vec<(f64, f64)> = (0..60_000)
            .map(|i| (1.7e12 + f64::from(i), f64::from((i * 7919) % 1000 + 1)))
            .collect();
        for batch in points.chunks(700) {
            batched.push_many(batch, 1_000_000, &mut closed);
            for &(ts, v) in batch {
                one_by_one.push(ts, v, 1_000_000, &mut closed_too);
            }
            let partial = batched.partial().expect("an open window");
            assert_eq!(
                partial.1.to_bits(),
                one_by_one.partial().expect("an open window").1.to_bits()
            );
        }
        assert_eq!(closed.len(), closed_too.len());
        assert!(closed
            .iter()
            .zip(&closed_too)
            .all(|(a, b)| a.1.to_bits() == b.1.to_bits()));
    }

    #[test]
    fn the_hot_pane_shortcut_and_batches_give_exactly_what_the_full_path_gives() {
        // Jittered, out of order within the lateness, some late, gaps, jumps; several windowings.
        let mut state = 7_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as f64 / f64::from(1_u32 << 31)
        };
        let points: Vec<(f64, f64)> = (0..20_000)
            .map(|i| {
                let jitter = (next() - 0.7) * 900.0;
                let jump = if i % 5000 == 4999 { 50_000.0 } else { 0.0 };
                let t = 1.7e12 + f64::from(i) * 37.0 + jitter + jump * f64::from(i / 5000);
                let v = if i % 777 == 0 {
                    f64::NAN
                } else {
                    next() * 100.0
                };
                (t, v)
            })
            .collect();
        for (window, slide, lateness, agg) in [
            ("1s", None, Some("500ms"), "p95"),
            ("1s", Some("300ms"), Some("200ms"), "avg"),
            ("2s", Some("500ms"), None, "max"),
            ("1s", None, None, "count"),
            ("10s", None, Some("1s"), "p50"),
            ("10s", Some("5s"), None, "p100"),
        ] {
            let (fast, fast_agg) = run(spec(window, slide, lateness, agg), &points);
            let mut full = WindowAggregator::new(spec(window, slide, lateness, agg));
            let mut closed = Vec::new();
            for &(ts, v) in &points {
                full.hot = None;
                full.push(ts, v, 1_000_000, &mut closed);
            }
            let bits = |c: &[(f64, f64)]| {
                c.iter()
                    .map(|(t, v)| (t.to_bits(), v.to_bits()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(bits(&fast), bits(&closed), "{window} {slide:?} {agg}");
            // In batches, as `send_many` gives them.
            let mut batched = WindowAggregator::new(spec(window, slide, lateness, agg));
            let mut batch_closed = Vec::new();
            for batch in points.chunks(1_500) {
                batched.push_many(batch, 1_000_000, &mut batch_closed);
            }
            assert_eq!(
                bits(&batch_closed),
                bits(&closed),
                "batches: {window} {slide:?} {agg}"
            );
            assert_eq!(batched.late(), full.late());
            assert_eq!(
                batched.partial().map(|(t, v)| (t.to_bits(), v.to_bits())),
                full.partial().map(|(t, v)| (t.to_bits(), v.to_bits()))
            );
            assert_eq!(fast_agg.late(), full.late());
            assert_eq!(
                fast_agg.partial().map(|(t, v)| (t.to_bits(), v.to_bits())),
                full.partial().map(|(t, v)| (t.to_bits(), v.to_bits()))
            );
        }
    }
}
