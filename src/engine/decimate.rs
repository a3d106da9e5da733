//! Decimation for drawing: M4 (first, min, max and last point of every pixel column), so a line
//! drawn from the result covers exactly the same vertical extent in every column as the full
//! series, with at most four points per column.

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
    #[derive(Clone, Copy)]
    struct Column {
        first: (usize, f64, f64),
        last: (usize, f64, f64),
        min: (usize, f64, f64),
        max: (usize, f64, f64),
        gap: Option<(usize, f64)>,
        seen: bool,
    }
    let empty = Column {
        first: (0, 0.0, 0.0),
        last: (0, 0.0, 0.0),
        min: (0, 0.0, f64::INFINITY),
        max: (0, 0.0, f64::NEG_INFINITY),
        gap: None,
        seen: false,
    };
    let mut cols = vec![empty; columns];
    let scale = columns as f64 / (t1 - t0);
    for (i, (ts, value)) in points.enumerate() {
        if !(ts >= t0 && ts <= t1) {
            continue;
        }
        let c = (((ts - t0) * scale) as usize).min(columns - 1);
        let col = &mut cols[c];
        if value.is_nan() {
            if col.gap.is_none() {
                col.gap = Some((i, ts));
            }
            continue;
        }
        if !col.seen {
            col.first = (i, ts, value);
            col.seen = true;
        }
        col.last = (i, ts, value);
        if value < col.min.2 {
            col.min = (i, ts, value);
        }
        if value > col.max.2 {
            col.max = (i, ts, value);
        }
    }
    let mut out = Vec::new();
    let mut picked: Vec<(usize, f64, f64)> = Vec::with_capacity(5);
    for col in &cols {
        picked.clear();
        if col.seen {
            picked.extend([col.first, col.min, col.max, col.last]);
        }
        if let Some((i, ts)) = col.gap {
            picked.push((i, ts, f64::NAN));
        }
        picked.sort_by_key(|p| p.0);
        picked.dedup_by_key(|p| p.0);
        out.extend(picked.iter().map(|&(_, ts, v)| (ts, v)));
    }
    out
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
}
