//! Decimation for drawing: M4 (first, min, max and last point of every pixel column), so a line
//! drawn from the result covers exactly the same vertical extent in every column as the full
//! series, with at most four points per column.

use std::collections::VecDeque;

use super::ring::RingBuffer;

/// Reduce `points` (in time order, as a ring buffer holds them) to the M4 points of `columns`
/// equal time columns over `[t0, t1]`. Points outside the interval are dropped. A gap (NaN) in a
/// column is kept as one NaN point so lines still break there. The result is in time order.
pub fn m4(
    points: impl Iterator<Item = (f64, f64)>,
    t0: f64,
    t1: f64,
    columns: usize,
) -> Vec<(f64, f64)> {
    let columns = columns.max(1);
    if t1.is_nan() || t0.is_nan() || t1 <= t0 {
        return points
            .filter(|&(ts, _)| ts == t0)
            .take(4)
            .collect::<Vec<_>>();
    }
    let mut cols = vec![Column::EMPTY; columns];
    let scale = columns as f64 / (t1 - t0);
    for (i, (ts, value)) in points.enumerate() {
        if !(ts >= t0 && ts <= t1) {
            continue;
        }
        let c = (((ts - t0) * scale) as usize).min(columns - 1);
        cols[c].fold(i as u64, ts, value);
    }
    let mut out = Vec::new();
    for col in &cols {
        col.emit(|ts, value| out.push((ts, value)));
    }
    out
}

/// What one column keeps of its points: the first, last, lowest and highest (each with its
/// arrival number, so they come out in arrival order) and the first gap.
#[derive(Debug, Clone, Copy)]
struct Column {
    first: (u64, f64, f64),
    last: (u64, f64, f64),
    min: (u64, f64, f64),
    max: (u64, f64, f64),
    gap: Option<(u64, f64)>,
    seen: bool,
}

impl Column {
    const EMPTY: Column = Column {
        first: (0, 0.0, 0.0),
        last: (0, 0.0, 0.0),
        min: (0, 0.0, f64::INFINITY),
        max: (0, 0.0, f64::NEG_INFINITY),
        gap: None,
        seen: false,
    };

    /// Take point number `seq` in. Folding the same point again changes nothing, so a column may
    /// safely be fed a point twice as long as arrival order is kept.
    #[inline]
    fn fold(&mut self, seq: u64, ts: f64, value: f64) {
        if value.is_nan() {
            if self.gap.is_none_or(|(s, _)| seq < s) {
                self.gap = Some((seq, ts));
            }
            return;
        }
        if !self.seen || seq < self.first.0 {
            self.first = (seq, ts, value);
        }
        if !self.seen || seq >= self.last.0 {
            self.last = (seq, ts, value);
        }
        self.seen = true;
        if value < self.min.2 {
            self.min = (seq, ts, value);
        }
        if value > self.max.2 {
            self.max = (seq, ts, value);
        }
    }

    /// Take in everything `other` kept.
    fn merge(&mut self, other: &Column) {
        if let Some((seq, ts)) = other.gap {
            self.fold(seq, ts, f64::NAN);
        }
        if other.seen {
            for (seq, ts, value) in [other.first, other.min, other.max, other.last] {
                self.fold(seq, ts, value);
            }
        }
    }

    /// The kept points in arrival order, each once.
    fn emit(&self, mut out: impl FnMut(f64, f64)) {
        let mut picked: [(u64, f64, f64); 5] = [(u64::MAX, 0.0, 0.0); 5];
        let mut n = 0;
        if self.seen {
            picked[..4].copy_from_slice(&[self.first, self.min, self.max, self.last]);
            n = 4;
        }
        if let Some((seq, ts)) = self.gap {
            picked[n] = (seq, ts, f64::NAN);
            n += 1;
        }
        let picked = &mut picked[..n];
        picked.sort_unstable_by_key(|p| p.0);
        let mut previous = None;
        for &(seq, ts, value) in picked.iter() {
            if previous != Some(seq) {
                out(ts, value);
                previous = Some(seq);
            }
        }
    }
}

/// M4 decimation of a [`RingBuffer`] for a plot that is redrawn every frame, kept up to date
/// incrementally: columns are aligned to multiples of a power-of-two width in time, so a view
/// that slides (live data) or grows keeps its columns, and each frame folds in only the points
/// pushed since the last one. A column width change by a power of two merges columns; anything
/// else (a clear, a zoom in, points evicted out of order) starts over from the ring.
#[derive(Debug, Clone, Default)]
pub struct M4Cache {
    epoch: u64,
    seen: u64,
    /// The oldest point held when last looked at (eviction moves it on).
    oldest: Option<(u64, f64)>,
    /// Column width in ms (0 before the first update).
    width: f64,
    /// Index (time / width) of `columns[0]`.
    lo: i64,
    columns: VecDeque<Column>,
    out: Vec<[f64; 2]>,
    dirty: bool,
    /// Points read from the ring by the last update (for tests and benchmarks).
    pub last_scanned: usize,
}

impl M4Cache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The column width used for a view of `[t0, t1]` drawn `columns` wide: the smallest power
    /// of two milliseconds (down to 2^-10) that needs no more than `columns` columns.
    pub fn column_width(t0: f64, t1: f64, columns: usize) -> f64 {
        let raw = (t1 - t0) / columns.max(1) as f64;
        if raw.is_nan() || raw <= 0.0 || raw.is_infinite() {
            return 1.0;
        }
        raw.log2().ceil().max(-10.0).exp2()
    }

    /// The decimated points (`[ts_ms, value]`, a NaN value marking a gap) of `ring` over
    /// `[t0, t1]` drawn `columns` wide: at most four points, plus one gap marker, per column,
    /// in time order, covering exactly each column's first, last, min and max.
    pub fn update(&mut self, ring: &RingBuffer, t0: f64, t1: f64, columns: usize) -> &[[f64; 2]] {
        self.last_scanned = 0;
        if !(t0.is_finite() && t1.is_finite()) || t1 < t0 {
            self.out.clear();
            return &self.out;
        }
        let width = Self::column_width(t0, t1, columns);
        let (b0, b1) = ((t0 / width).floor() as i64, (t1 / width).floor() as i64);
        if ring.epoch() != self.epoch || ring.pushed() < self.seen {
            self.start_over(ring.epoch());
        }
        if width != self.width {
            self.rescale(width);
        }
        // Points pushed since the last update: the newest ones.
        let new = (ring.pushed() - self.seen).min(ring.len() as u64) as usize;
        let new_start = ring.len() - new;
        let base_seq = ring.pushed() - ring.len() as u64;
        // Eviction: columns may hold points the ring no longer has.
        let oldest = ring.get(0).map(|(ts, _)| (base_seq, ts));
        if oldest != self.oldest && self.oldest.is_some() && !self.columns.is_empty() {
            if ring.is_time_sorted() {
                if let Some((_, ts)) = oldest {
                    let first = (ts / width).floor() as i64;
                    while self.lo < first && !self.columns.is_empty() {
                        self.columns.pop_front();
                        self.lo += 1;
                        self.dirty = true;
                    }
                    if self.lo == first && !self.columns.is_empty() {
                        self.columns[0] = Column::EMPTY;
                        self.scan(ring, base_seq, first, first);
                    }
                }
            } else {
                self.columns.clear();
            }
        }
        self.oldest = oldest;
        // Keep the columns of the view only.
        while !self.columns.is_empty() && self.lo < b0 {
            self.columns.pop_front();
            self.lo += 1;
            self.dirty = true;
        }
        let keep = (b1 - self.lo + 1).max(0) as usize;
        if self.columns.len() > keep {
            self.columns.truncate(keep);
            self.dirty = true;
        }
        if self.columns.is_empty() {
            self.lo = b0;
            self.columns.resize((b1 - b0 + 1) as usize, Column::EMPTY);
            self.scan(ring, base_seq, b0, b1);
        } else {
            let (old_lo, old_hi) = (self.lo, self.lo + self.columns.len() as i64 - 1);
            if b0 < old_lo {
                for _ in b0..old_lo {
                    self.columns.push_front(Column::EMPTY);
                }
                self.lo = b0;
                self.scan(ring, base_seq, b0, old_lo - 1);
            }
            if b1 > old_hi {
                self.columns
                    .resize((b1 - self.lo + 1) as usize, Column::EMPTY);
                self.scan(ring, base_seq, old_hi + 1, b1);
            }
            // New points inside columns that were already there (folding twice is harmless).
            for (i, (ts, value)) in ring.iter_from(new_start).enumerate() {
                let b = (ts / width).floor() as i64;
                if b >= old_lo.max(b0) && b <= old_hi.min(b1) {
                    self.columns[(b - self.lo) as usize].fold(
                        base_seq + (new_start + i) as u64,
                        ts,
                        value,
                    );
                    self.dirty = true;
                }
            }
            self.last_scanned += new;
        }
        self.seen = ring.pushed();
        if self.dirty {
            self.out.clear();
            for column in &self.columns {
                column.emit(|ts, value| self.out.push([ts, value]));
            }
            self.dirty = false;
        }
        &self.out
    }

    fn start_over(&mut self, epoch: u64) {
        self.epoch = epoch;
        self.seen = 0;
        self.oldest = None;
        self.columns.clear();
        self.dirty = true;
    }

    /// Move to a new column width: merge when it grows by a power of two, else start over.
    fn rescale(&mut self, width: f64) {
        let factor = width / self.width;
        if self.width > 0.0 && factor > 1.0 && factor.fract() == 0.0 && !self.columns.is_empty() {
            let factor = factor as i64;
            let lo = self.lo.div_euclid(factor);
            let mut merged: VecDeque<Column> = VecDeque::new();
            for (i, column) in self.columns.iter().enumerate() {
                let b = (self.lo + i as i64).div_euclid(factor);
                let slot = (b - lo) as usize;
                if merged.len() <= slot {
                    merged.resize(slot + 1, Column::EMPTY);
                }
                merged[slot].merge(column);
            }
            // A merged column is complete only if every column it is made of was there: the
            // ends of the old range may cover part of a new column only; drop those, the next
            // scan reads them whole.
            let old_lo = self.lo;
            let old_end = self.lo + self.columns.len() as i64;
            if old_end.rem_euclid(factor) != 0 {
                merged.pop_back();
            }
            if old_lo.rem_euclid(factor) != 0 {
                merged.pop_front();
                self.lo = lo + 1;
            } else {
                self.lo = lo;
            }
            self.columns = merged;
        } else {
            self.columns.clear();
        }
        self.width = width;
        self.dirty = true;
    }

    /// Fold the ring's points of columns `from..=to` (which must be empty) into them.
    fn scan(&mut self, ring: &RingBuffer, base_seq: u64, from: i64, to: i64) {
        let (start_ts, end_ts) = (from as f64 * self.width, (to + 1) as f64 * self.width);
        let start = if ring.is_time_sorted() {
            ring.partition_time(start_ts)
        } else {
            0
        };
        for (i, (ts, value)) in ring.iter_from(start).enumerate() {
            self.last_scanned += 1;
            if ts >= end_ts {
                if ring.is_time_sorted() {
                    break;
                }
                continue;
            }
            if ts < start_ts {
                continue;
            }
            let b = (ts / self.width).floor() as i64;
            self.columns[(b - self.lo) as usize].fold(base_seq + (start + i) as u64, ts, value);
        }
        self.dirty = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic pseudo-random walk (no dependency needed for a test signal).
    fn walk(n: usize) -> Vec<(f64, f64)> {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut value = 0.0;
        (0..n)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                value += (state % 2001) as f64 / 1000.0 - 1.0;
                (i as f64 * 10.0, value)
            })
            .collect()
    }

    #[test]
    fn every_column_keeps_its_exact_min_max_first_and_last() {
        let points = walk(100_000);
        let (t0, t1, columns) = (0.0, 999_990.0, 800);
        let out = m4(points.iter().copied(), t0, t1, columns);
        assert!(out.len() <= 4 * columns);
        assert!(out.windows(2).all(|w| w[0].0 <= w[1].0), "time order");
        let column = |ts: f64| (((ts - t0) * columns as f64 / (t1 - t0)) as usize).min(columns - 1);
        for c in 0..columns {
            let full: Vec<f64> = points
                .iter()
                .filter(|p| column(p.0) == c)
                .map(|p| p.1)
                .collect();
            let kept: Vec<f64> = out
                .iter()
                .filter(|p| column(p.0) == c)
                .map(|p| p.1)
                .collect();
            let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            assert_eq!(
                (min(&kept), max(&kept)),
                (min(&full), max(&full)),
                "column {c}"
            );
            assert_eq!(kept.first(), full.first());
            assert_eq!(kept.last(), full.last());
        }
    }

    #[test]
    fn a_window_keeps_only_its_points_and_gaps_survive() {
        let mut points = walk(1000);
        points[500].1 = f64::NAN;
        let out = m4(points.iter().copied(), 4000.0, 6000.0, 1000);
        assert_eq!(
            out.len(),
            201,
            "fewer points than columns: every point is kept"
        );
        assert!(out.iter().all(|p| (4000.0..=6000.0).contains(&p.0)));
        assert_eq!(out.iter().filter(|p| p.1.is_nan()).count(), 1);
    }

    /// Every column of `[t0, t1]` at the cache's width holds exactly the raw min, max, first and
    /// last of its points, and nothing else is drawn.
    fn assert_exact(out: &[[f64; 2]], ring: &RingBuffer, t0: f64, t1: f64, columns: usize) {
        use std::collections::BTreeMap;
        let width = M4Cache::column_width(t0, t1, columns);
        let (b0, b1) = ((t0 / width).floor() as i64, (t1 / width).floor() as i64);
        assert!(
            out.len() <= 4 * (b1 - b0 + 1) as usize,
            "at most four points a column"
        );
        // (first, last, min, max) of each column, in one pass each.
        let summarise = |points: &mut dyn Iterator<Item = (f64, f64)>| {
            let mut columns: BTreeMap<i64, (f64, f64, f64, f64)> = BTreeMap::new();
            for (ts, v) in points {
                let b = (ts / width).floor() as i64;
                if b < b0 || b > b1 {
                    continue;
                }
                let c = columns.entry(b).or_insert((v, v, v, v));
                c.1 = v;
                c.2 = c.2.min(v);
                c.3 = c.3.max(v);
            }
            columns
        };
        let raw = summarise(&mut ring.iter());
        let kept = summarise(&mut out.iter().map(|p| (p[0], p[1])));
        assert_eq!(kept, raw);
        assert!(out
            .iter()
            .all(|p| (p[0] / width).floor() as i64 >= b0 && (p[0] / width).floor() as i64 <= b1));
    }

    #[test]
    fn the_incremental_cache_stays_exact_while_data_streams_views_slide_grow_and_zoom() {
        let points = walk(60_000);
        let mut ring = RingBuffer::new(20_000);
        let mut cache = M4Cache::new();
        let columns = 300;
        let mut fed = 0;
        // Live: a 30 s window following the newest point while points arrive and get evicted.
        for step in 0..200 {
            for &(ts, value) in &points[fed..fed + 250] {
                ring.push(ts, value);
            }
            fed += 250;
            let newest = ring.last().map_or(0.0, |p| p.0);
            let (t0, t1) = (newest - 30_000.0, newest);
            let out = cache.update(&ring, t0, t1, columns).to_vec();
            assert_exact(&out, &ring, t0, t1, columns);
            if step > 0 {
                assert!(
                    cache.last_scanned < 2_000,
                    "live frames read only what is new"
                );
            }
        }
        // A growing "all" view merges columns instead of rescanning.
        let (first, last) = (
            ring.get(0).map_or(0.0, |p| p.0),
            ring.last().map_or(0.0, |p| p.0),
        );
        for grow in [1.0, 1.5, 2.5, 4.0] {
            let t1 = last + grow * 1000.0;
            let out = cache.update(&ring, first, t1, columns).to_vec();
            assert_exact(&out, &ring, first, t1, columns);
        }
        // Zoom in and pan both ways.
        for (t0, t1) in [
            (300_000.0, 310_000.0),
            (305_000.0, 315_000.0),
            (299_000.0, 309_000.0),
        ] {
            let out = cache.update(&ring, t0, t1, columns).to_vec();
            assert_exact(&out, &ring, t0, t1, columns);
        }
        // Gaps, a clear, and out-of-order points.
        ring.push(600_500.0, f64::NAN);
        ring.push(600_000.0, 5.0);
        let out = cache.update(&ring, 590_000.0, 601_000.0, columns).to_vec();
        assert!(out.iter().any(|p| p[1].is_nan()), "the gap is kept");
        assert!(out.iter().any(|p| p == &[600_000.0, 5.0]));
        ring.clear();
        ring.push(1.0, 2.0);
        assert_eq!(cache.update(&ring, 0.0, 10.0, columns), &[[1.0, 2.0]]);
        // Another ring with as many points (a reloaded history) is not mistaken for this one.
        let mut other = RingBuffer::new(10);
        other.push(1.0, 7.0);
        assert_eq!(cache.update(&other, 0.0, 10.0, columns), &[[1.0, 7.0]]);
    }
}
