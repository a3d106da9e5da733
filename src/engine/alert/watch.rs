//! What one widget's rules need of every point it accepts, kept together for the hot path: the
//! rules watching it, and the band of values that moves none of them while they all rest
//! (Normal, none with a no-data period, all on one series). Most points fall in it: they cost
//! one comparison and no look at the rules.

use super::machine::{last_value, AlertState};
use super::rule::{Condition, Rule};

/// `series` of a watch whose rules watch several series (no quiet band then).
pub const SEVERAL: u32 = u32::MAX - 1;

/// One widget's rules. See the module docs.
#[derive(Debug, Clone)]
pub struct Watch {
    /// The entries watching the widget.
    pub rules: Vec<u32>,
    /// The series they watch (`u32::MAX`: the widget's only one; [`SEVERAL`]).
    pub series: u32,
    /// Values in `low..=high` move none of the rules (empty when some rule is not at rest).
    quiet: (f64, f64),
    /// The last point taken on the quiet path (its time NaN after a point went to the rules):
    /// the rules' last value, for their states.
    pub last: (f64, f64),
}

impl Default for Watch {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            series: u32::MAX,
            quiet: EMPTY,
            last: (f64::NAN, f64::NAN),
        }
    }
}

const EMPTY: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);

/// A rule as its widget's quiet band needs it.
pub struct Resting<'a> {
    /// The rule.
    pub rule: &'a Rule,
    /// Its state.
    pub state: AlertState,
    /// The series it watches.
    pub series: u32,
}

impl Watch {
    /// Take `points` (of `series`) on the quiet path when they move none of the rules; false
    /// when they must go to the rules. Gaps (NaN) are no values: they move no rule, and count
    /// as no data.
    #[inline]
    pub fn quiet(&mut self, series: u32, points: &[(f64, f64)]) -> bool {
        if series != self.series {
            return false;
        }
        let (low, high) = match points {
            [(_, value)] if !value.is_nan() => (*value, *value),
            _ => extremes(points),
        };
        // Only gaps: (+∞, −∞), in any band.
        if !(low >= self.quiet.0 && high <= self.quiet.1) {
            return false;
        }
        if let Some(last) = last_value(points) {
            self.last = last;
        }
        true
    }

    /// Work out the quiet band again from the rules as they are now: `resting` gives the rule
    /// of each entry in [`Watch::rules`].
    pub fn settle<'a>(&mut self, resting: impl Fn(u32) -> Resting<'a>) {
        let mut band = (f64::NEG_INFINITY, f64::INFINITY);
        for resting in self.rules.iter().map(|&at| resting(at)) {
            if resting.state != AlertState::Normal
                || resting.rule.no_data_ms.is_some()
                || resting.series != self.series
            {
                self.quiet = EMPTY;
                return;
            }
            match resting.rule.condition {
                Condition::Never => {}
                Condition::Above(t) => band.1 = band.1.min(t),
                Condition::Below(t) => band.0 = band.0.max(t),
                Condition::Outside(low, high) => {
                    band.0 = band.0.max(low);
                    band.1 = band.1.min(high);
                }
            }
        }
        self.quiet = band;
    }
}

/// The position of the first point whose value meets `condition`, if any (batches none of
/// whose points meets any resting rule took the quiet path already).
#[inline]
pub fn first_met(condition: Condition, points: &[(f64, f64)]) -> Option<usize> {
    match condition {
        Condition::Never => None,
        Condition::Above(t) => points.iter().position(|p| p.1 > t),
        Condition::Below(t) => points.iter().position(|p| p.1 < t),
        Condition::Outside(lo, hi) => points.iter().position(|p| p.1 < lo || p.1 > hi),
    }
}

/// The least and greatest value of `points`, NaN left out (±∞ when there is none), in four
/// independent lanes so that the comparisons pipeline.
pub fn extremes(points: &[(f64, f64)]) -> (f64, f64) {
    let mut low = [f64::INFINITY; 4];
    let mut high = [f64::NEG_INFINITY; 4];
    let chunks = points.chunks_exact(4);
    let rest = chunks.remainder();
    for chunk in chunks {
        for lane in 0..4 {
            let v = chunk[lane].1;
            // A NaN compares false both ways: it changes neither.
            low[lane] = if v < low[lane] { v } else { low[lane] };
            high[lane] = if v > high[lane] { v } else { high[lane] };
        }
    }
    for p in rest {
        low[0] = if p.1 < low[0] { p.1 } else { low[0] };
        high[0] = if p.1 > high[0] { p.1 } else { high[0] };
    }
    let least = low
        .iter()
        .fold(f64::INFINITY, |a, &b| if b < a { b } else { a });
    let most = high
        .iter()
        .fold(f64::NEG_INFINITY, |a, &b| if b > a { b } else { a });
    (least, most)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extremes_leave_nan_out() {
        let points: Vec<(f64, f64)> = [3.0, f64::NAN, -2.0, 7.5, 1.0, f64::NAN, 0.0]
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64, *v))
            .collect();
        assert_eq!(extremes(&points), (-2.0, 7.5));
        assert_eq!(extremes(&points[1..2]), (f64::INFINITY, f64::NEG_INFINITY));
    }
}
