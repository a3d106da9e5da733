//! Stacked series for an area chart, by the browser's rule (assets/plotdata.js, `stacked`): the
//! series on one time axis (a slot per distinct time, shared by the series that have a point
//! there), each series' value in every slot (its own, interpolated between its neighbours, held
//! after its newest; none before its first or at a gap), and each series' top: its value plus
//! those of the shown series before it.

/// Series stacked on one time axis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stack {
    /// The times of the slots, ms.
    pub xs: Vec<f64>,
    /// Per series, its top in each slot; NaN where it is not drawn.
    pub tops: Vec<Vec<f64>>,
    /// Per series, its own value in each slot; NaN where it has none.
    pub own: Vec<Vec<f64>>,
}

/// `series` (each `[time, value]` in time order, a NaN value a gap) stacked; series with
/// `shown[i]` false add nothing and are not drawn.
pub fn stack(series: &[&[[f64; 2]]], shown: &[bool]) -> Stack {
    let (xs, aligned) = align(series);
    let mut sum = vec![0.0; xs.len()];
    let mut out = Stack {
        xs,
        ..Stack::default()
    };
    for (index, ys) in aligned.iter().enumerate() {
        let values = interpolated(&out.xs, ys);
        let on = shown.get(index).copied().unwrap_or(true);
        let top = values
            .iter()
            .zip(sum.iter_mut())
            .map(|(v, total)| match v {
                Slot::Value(v) if on => {
                    *total += v;
                    *total
                }
                _ => f64::NAN,
            })
            .collect();
        out.tops.push(top);
        out.own.push(
            values
                .iter()
                .map(|v| match v {
                    Slot::Value(v) => *v,
                    _ => f64::NAN,
                })
                .collect(),
        );
    }
    out
}

/// What a series has in a slot.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    /// No point at this time.
    Empty,
    /// A gap.
    Gap,
    Value(f64),
}

/// The series on one time axis: every time once per point, series sharing a time sharing its
/// slot (as `aligned` in the browser).
fn align(series: &[&[[f64; 2]]]) -> (Vec<f64>, Vec<Vec<Slot>>) {
    let mut at = vec![0; series.len()];
    let mut xs = Vec::new();
    let mut slots: Vec<Vec<Slot>> = vec![Vec::new(); series.len()];
    loop {
        let t = series
            .iter()
            .zip(&at)
            .filter_map(|(points, i)| points.get(*i).map(|p| p[0]))
            .fold(f64::INFINITY, f64::min);
        if t == f64::INFINITY {
            break;
        }
        xs.push(t);
        for (s, points) in series.iter().enumerate() {
            match points.get(at[s]) {
                Some(p) if p[0] == t => {
                    at[s] += 1;
                    slots[s].push(if p[1].is_nan() {
                        Slot::Gap
                    } else {
                        Slot::Value(p[1])
                    });
                }
                _ => slots[s].push(Slot::Empty),
            }
        }
    }
    (xs, slots)
}

/// A series' value in every slot: its own, else interpolated between its neighbours, held after
/// its newest; empty before its first and after a gap it ends with.
fn interpolated(xs: &[f64], ys: &[Slot]) -> Vec<Slot> {
    let mut out = ys.to_vec();
    let mut prev: Option<usize> = None;
    for (i, y) in ys.iter().enumerate() {
        match (y, prev) {
            (Slot::Empty, Some(p)) => out[i] = ys[p],
            (Slot::Empty, None) => {}
            (Slot::Gap, _) => prev = None,
            (Slot::Value(v), p) => {
                if let Some(p) = p.filter(|p| i - p > 1) {
                    if let Slot::Value(v0) = ys[p] {
                        let (x0, x1) = (xs[p], xs[i]);
                        for (k, slot) in out.iter_mut().enumerate().take(i).skip(p + 1) {
                            *slot = Slot::Value(if x1 == x0 {
                                v0
                            } else {
                                v0 + (v - v0) * (xs[k] - x0) / (x1 - x0)
                            });
                        }
                    }
                }
                prev = Some(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x.is_nan() && y.is_nan()) || x == y)
    }

    #[test]
    fn series_add_up_slot_by_slot_interpolated_between_points_and_held_after_the_newest() {
        // The browser's case (tests/js/plotdata.test.js): a at 0, 10, 20; b at 5 and 15.
        let a = [[0.0, 1.0], [10.0, 3.0], [20.0, 5.0]];
        let b = [[5.0, 10.0], [15.0, 20.0]];
        let s = stack(&[&a, &b], &[true, true]);
        assert_eq!(s.xs, vec![0.0, 5.0, 10.0, 15.0, 20.0]);
        assert!(same(&s.own[0], &[1.0, 2.0, 3.0, 4.0, 5.0]));
        assert!(same(&s.own[1], &[f64::NAN, 10.0, 15.0, 20.0, 20.0]));
        assert!(same(&s.tops[0], &[1.0, 2.0, 3.0, 4.0, 5.0]));
        assert!(same(&s.tops[1], &[f64::NAN, 12.0, 18.0, 24.0, 25.0]));
    }

    #[test]
    fn a_hidden_series_adds_nothing_and_a_gap_breaks_only_its_own_line() {
        let a = [[0.0, 1.0], [1.0, f64::NAN], [2.0, 1.0]];
        let b = [[0.0, 2.0], [1.0, 2.0], [2.0, 2.0]];
        let s = stack(&[&a, &b], &[true, true]);
        assert!(same(&s.tops[0], &[1.0, f64::NAN, 1.0]));
        assert!(same(&s.tops[1], &[3.0, 2.0, 3.0]));
        let hidden = stack(&[&a, &b], &[false, true]);
        assert!(same(&hidden.tops[1], &[2.0, 2.0, 2.0]));
        assert!(hidden.tops[0].iter().all(|v| v.is_nan()));
        let ended = stack(&[&[[0.0, 1.0], [1.0, f64::NAN]], &b], &[true, true]);
        assert!(same(&ended.own[0], &[1.0, f64::NAN, f64::NAN]));
    }
}
