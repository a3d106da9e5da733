//! The quantile sketch of a percentile window's pane, and many values into it at once.
//!
//! A pane's sketch is a DDSketch (`sketches-ddsketch`): values fall into logarithmic bins
//! (`key = ⌊ln v / ln γ⌋`, 1 % relative error) and a quantile is read from the bins' counts. One
//! value at a time, the crate computes a logarithm and a floor (a libm call each on baseline
//! x86-64) per value; that was two thirds of what a batch into a percentile window cost.
//!
//! [`KeyCounts`] gives the sketch the same bins faster: the key of a positive value comes from its
//! binary exponent and the top [`MANTISSA_BITS`] bits of its mantissa through a table (exact
//! whenever the mantissa's bucket lies inside one bin; the crate's own key otherwise, about 2 %
//! of values), the keys are counted in a small histogram while the pane is written, and each key
//! reaches the sketch once with its count when the pane is read or another pane is written. The bins, hence every quantile below 1, are exactly those of adding the
//! values one by one. The sketch's min, max and sum are not (each key is added as its bin's
//! representative value), so the batch path serves quantiles below 1 only: `p100` is the
//! sketch's exact max and takes values one by one.

use std::sync::OnceLock;

use sketches_ddsketch::{Config, DDSketch};

/// Relative error of percentiles.
pub const QUANTILE_RELATIVE_ERROR: f64 = 0.01;
/// Most bins of one quantile sketch (values spanning 17 orders of magnitude keep 1 % accuracy).
const SKETCH_MAX_BINS: u32 = 2048;
/// Values at or below this count as zero in a sketch.
const SKETCH_MIN_VALUE: f64 = 1.0e-9;
/// Mantissa bits that pick a row of the key table (2,048 rows, 16 KiB).
const MANTISSA_BITS: u32 = 11;
/// Keys a run's histogram counts around the run's first key (a span of 10^±10 at 1 %); values
/// outside it go to the sketch one by one.
const HISTOGRAM_KEYS: usize = 2048;
/// Shortest run worth counting.
pub const MIN_RUN: usize = 32;
/// Distance from a bin's edge below which the table's key is not trusted (the table and the
/// crate round differently by ~10⁻¹¹ of a key).
const EDGE_MARGIN: f64 = 1.0e-7;

/// The configuration of every pane's sketch.
pub fn config() -> Config {
    Config::new(QUANTILE_RELATIVE_ERROR, SKETCH_MAX_BINS, SKETCH_MIN_VALUE)
}

/// `ln(m) / ln γ` at the start of each mantissa bucket `m ∈ [1, 2)`, and one past the last.
struct KeyTable {
    /// Row `b`: `ln(1 + b / 2^MANTISSA_BITS) / ln γ`; row `2^MANTISSA_BITS` is `ln 2 / ln γ`.
    lower: Vec<f64>,
    /// `ln 2 / ln γ`: keys per binary octave.
    per_octave: f64,
}

impl KeyTable {
    fn new(config: &Config) -> Self {
        let gamma_ln = config.gamma.ln();
        let rows = 1_usize << MANTISSA_BITS;
        let lower = (0..=rows)
            .map(|b| (1.0 + b as f64 / rows as f64).ln() / gamma_ln)
            .collect();
        Self {
            lower,
            per_octave: std::f64::consts::LN_2 / gamma_ln,
        }
    }

    /// The key of a positive normal `value`, when its bucket lies inside one bin.
    #[inline]
    fn key(&self, value: f64) -> Option<i32> {
        let bits = value.to_bits();
        let exponent = ((bits >> 52) & 0x7ff) as i32 - 1023;
        let row = ((bits >> (52 - MANTISSA_BITS)) & ((1 << MANTISSA_BITS) - 1)) as usize;
        let base = f64::from(exponent) * self.per_octave;
        let low = floor(base + self.lower[row] - EDGE_MARGIN);
        let high = floor(base + self.lower[row + 1] + EDGE_MARGIN);
        (low == high).then_some(low)
    }
}

/// `⌊x⌋` for |x| < 2³¹, inline (`f64::floor` is a libm call on baseline x86-64).
#[inline]
fn floor(x: f64) -> i32 {
    let truncated = x as i32;
    truncated - i32::from(f64::from(truncated) > x)
}

fn table() -> &'static KeyTable {
    static TABLE: OnceLock<KeyTable> = OnceLock::new();
    TABLE.get_or_init(|| KeyTable::new(&config()))
}

/// Values of one pane counted by sketch key, not yet in the pane's sketch: a pane takes a batch
/// in runs of a few thousand points, and giving the sketch each key once per run cost as much
/// as the keys themselves, so the counts are kept until the pane is read or another pane is
/// written.
#[derive(Clone, Default)]
pub struct KeyCounts {
    /// Count of key `base + slot` at `slot`; empty when nothing is counted.
    counts: Vec<u32>,
    base: i32,
    lowest: usize,
    highest: usize,
    total: u64,
}

impl KeyCounts {
    /// Whether nothing is counted.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Count the values of `points` (finite: the engine refuses infinities and skips NaN) for
    /// `sketch` (made with [`config`]); values that are not counted (zero, negative, or far from
    /// the first key counted) go into `sketch` at once.
    pub fn add_many(&mut self, sketch: &mut DDSketch, points: &[(f64, f64)]) {
        if self.total + points.len() as u64 > u64::from(u32::MAX) {
            self.flush_into(sketch);
        }
        let config = config();
        let table = table();
        let key_of = |value: f64| table.key(value).unwrap_or_else(|| config.key(value));
        if self.counts.is_empty() {
            let Some(&(_, first)) = points.iter().find(|&&(_, v)| v > SKETCH_MIN_VALUE) else {
                for &(_, value) in points {
                    sketch.add(value);
                }
                return;
            };
            self.counts.resize(HISTOGRAM_KEYS, 0);
            self.base = key_of(first) - (HISTOGRAM_KEYS / 2) as i32;
            (self.lowest, self.highest) = (HISTOGRAM_KEYS, 0);
        }
        let (base, mut lowest, mut highest, mut counted) =
            (self.base, self.lowest, self.highest, 0);
        for &(_, value) in points {
            if value <= SKETCH_MIN_VALUE {
                // Zero or negative: the crate's own way.
                sketch.add(value);
                continue;
            }
            let slot = key_of(value).wrapping_sub(base) as u32 as usize;
            match self.counts.get_mut(slot) {
                Some(count) => {
                    *count += 1;
                    counted += 1;
                    lowest = lowest.min(slot);
                    highest = highest.max(slot);
                }
                None => sketch.add(value),
            }
        }
        (self.lowest, self.highest) = (lowest, highest);
        self.total += counted;
    }

    /// Give `sketch` every key counted, each once with its count, and count nothing.
    pub fn flush_into(&mut self, sketch: &mut DDSketch) {
        if self.total > 0 {
            let config = config();
            let (lowest, highest) = (self.lowest, self.highest);
            for (slot, count) in self
                .counts
                .iter_mut()
                .enumerate()
                .take(highest + 1)
                .skip(lowest)
            {
                let count = std::mem::take(count);
                if count > 0 {
                    let key = self.base + slot as i32;
                    let representative = config.value(key);
                    debug_assert_eq!(config.key(representative), key);
                    sketch.add_with_count(representative, u64::from(count));
                }
            }
        }
        // Given back: a pane that is not being written holds no counts.
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quantiles 0.001…0.999 of a sketch, bit for bit.
    fn quantiles(sketch: &DDSketch) -> Vec<u64> {
        (1..1000)
            .map(|i| {
                sketch
                    .quantile(f64::from(i) / 1000.0)
                    .unwrap()
                    .map_or(0, f64::to_bits)
            })
            .collect()
    }

    #[test]
    fn the_table_gives_the_crates_key_or_nothing() {
        let config = config();
        let table = table();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let (mut given, mut declined) = (0, 0);
        for _ in 0..2_000_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            // Any positive normal value from 1e-9 to 1e12, each octave alike.
            let value = 10_f64.powf((state >> 11) as f64 / (1_u64 << 53) as f64 * 21.0 - 9.0);
            match table.key(value) {
                Some(key) => {
                    assert_eq!(key, config.key(value), "{value}");
                    given += 1;
                }
                None => declined += 1,
            }
        }
        // About one value in forty lies in a bucket that straddles a bin's edge.
        assert!(declined * 20 < given, "{declined} declined of {given}");
        for key in -2_000..3_000 {
            assert_eq!(config.key(config.value(key)), key);
        }
    }

    #[test]
    fn many_at_once_fill_the_bins_of_one_by_one() {
        let mut state = 7_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 11) as f64 / (1_u64 << 53) as f64
        };
        let cases: Vec<Vec<f64>> = vec![
            // Lognormal-like, a narrow band, values spanning 10^±8 (some outside the histogram),
            // zeros, negatives and values at bin edges.
            (0..100_000).map(|_| (next() * 6.0).exp()).collect(),
            (0..50_000).map(|_| 100.0 + next()).collect(),
            (0..50_000)
                .map(|_| 10_f64.powf(next() * 16.0 - 8.0))
                .collect(),
            (0..10_000)
                .map(|i| match i % 7 {
                    0 => 0.0,
                    1 => -next() * 50.0,
                    2 => -1e-12,
                    3 => 1e-12,
                    4 => config().value(i % 300),
                    _ => next() * 50.0,
                })
                .collect(),
            vec![42.0],
            vec![],
        ];
        for values in cases {
            let mut one_by_one = DDSketch::new(config());
            for &value in &values {
                one_by_one.add(value);
            }
            let mut at_once = DDSketch::new(config());
            let points: Vec<(f64, f64)> = values.iter().map(|&v| (0.0, v)).collect();
            // In runs of 1,000, counted across runs.
            let mut counts = KeyCounts::default();
            for run in points.chunks(1000) {
                counts.add_many(&mut at_once, run);
            }
            counts.flush_into(&mut at_once);
            assert!(counts.is_empty());
            assert_eq!(at_once.count(), one_by_one.count());
            assert_eq!(
                quantiles(&at_once),
                quantiles(&one_by_one),
                "{} values",
                values.len()
            );
        }
    }
}
