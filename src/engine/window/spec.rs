//! What a metric's windowing is: the aggregation, the durations, and their bounds, parsed from
//! the widget's options with a reason for every refusal.

use crate::engine::error::{invalid_option, EngineResult};

/// Longest window, slide or lateness: a year.
pub const MAX_WINDOW_MS: u64 = 366 * 24 * 3_600_000;
/// Most slides in a window (`window / slide`).
pub const MAX_SLIDES_PER_WINDOW: u64 = 1_000;
/// Most slides a window stays open for, lateness included (`(window + lateness) / slide`).
pub const MAX_OPEN_SLIDES: u64 = 10_000;

/// How a window's points become one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Aggregation {
    /// Sum of the values.
    Sum,
    /// Mean of the values.
    Avg,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Number of points.
    Count,
    /// Sum of the values per second of window (send 1 per event for events/s).
    Rate,
    /// The value at this quantile (0 < q ≤ 1), e.g. 0.95 for `p95`.
    Quantile(f64),
}

impl Aggregation {
    /// Parse `sum`, `avg` (or `mean`), `min`, `max`, `count`, `rate`, or `pNN` / `pNN.N`
    /// (a percentile above 0 and at most 100, e.g. `p50`, `p95`, `p99.9`).
    pub fn parse(text: &str) -> EngineResult<Self> {
        let fail = || {
            invalid_option(
                "aggregation",
                format!(
                    "{text:?} is not one of sum, avg, min, max, count, rate, or a percentile \
                     such as p50, p95, p99.9"
                ),
            )
        };
        Ok(match text {
            "sum" => Aggregation::Sum,
            "avg" | "mean" => Aggregation::Avg,
            "min" => Aggregation::Min,
            "max" => Aggregation::Max,
            "count" => Aggregation::Count,
            "rate" => Aggregation::Rate,
            _ => {
                let digits = text.strip_prefix('p').ok_or_else(fail)?;
                let simple = !digits.is_empty()
                    && digits.len() <= 8
                    && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !digits.starts_with('.')
                    && !digits.ends_with('.');
                let percent: f64 = digits.parse().ok().filter(|_| simple).ok_or_else(fail)?;
                if !(percent > 0.0 && percent <= 100.0) {
                    return Err(invalid_option(
                        "aggregation",
                        format!("{text:?}: a percentile is above p0 and at most p100"),
                    ));
                }
                Aggregation::Quantile(percent / 100.0)
            }
        })
    }

    /// Whether an empty window is 0 (count, sum, rate) rather than no value.
    pub(super) fn zero_when_empty(self) -> bool {
        matches!(
            self,
            Aggregation::Sum | Aggregation::Count | Aggregation::Rate
        )
    }
}

/// Parse a duration such as `500ms`, `10s`, `1m`, `1h`, `7d` or `1h 30m` into whole milliseconds
/// (at least 1 ms, at most [`MAX_WINDOW_MS`]); `zero` allows `0s`.
pub fn parse_duration_ms(option: &str, text: &str, zero: bool) -> EngineResult<u64> {
    let duration = humantime::parse_duration(text.trim()).map_err(|err| {
        invalid_option(
            option,
            format!("{text:?} is not a duration such as \"500ms\", \"10s\", \"1m\", \"1h\" or \"7d\" ({err})"),
        )
    })?;
    if duration.subsec_nanos() % 1_000_000 != 0 {
        return Err(invalid_option(
            option,
            format!("{text:?} is not a whole number of milliseconds"),
        ));
    }
    let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 && !zero {
        return Err(invalid_option(option, "must be at least 1ms"));
    }
    if ms > MAX_WINDOW_MS {
        return Err(invalid_option(option, "must be at most 366 days"));
    }
    Ok(ms)
}

/// A metric's windowing, parsed and checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowSpec {
    /// Length of a window, ms.
    pub window_ms: u64,
    /// Distance between window starts, ms (`window_ms` for tumbling windows).
    pub slide_ms: u64,
    /// How far behind the newest point a point may be and still be aggregated, ms.
    pub lateness_ms: u64,
    /// What each window becomes.
    pub aggregation: Aggregation,
}

impl WindowSpec {
    /// Parse the `window`, `slide`, `lateness` and `aggregation` options of a metric: `None`
    /// when there is no `window`. `aggregation` defaults to `avg`, `slide` to the window
    /// (tumbling), `lateness` to 0.
    pub fn from_options(
        window: Option<&str>,
        slide: Option<&str>,
        lateness: Option<&str>,
        aggregation: Option<&str>,
    ) -> EngineResult<Option<Self>> {
        let Some(window) = window else {
            for (option, given) in [
                ("slide", slide),
                ("lateness", lateness),
                ("aggregation", aggregation),
            ] {
                if given.is_some() {
                    return Err(invalid_option(option, "needs a window, e.g. window=\"1m\""));
                }
            }
            return Ok(None);
        };
        let window_ms = parse_duration_ms("window", window, false)?;
        let slide_ms = match slide {
            Some(slide) => parse_duration_ms("slide", slide, false)?,
            None => window_ms,
        };
        let lateness_ms = match lateness {
            Some(lateness) => parse_duration_ms("lateness", lateness, true)?,
            None => 0,
        };
        let aggregation = Aggregation::parse(aggregation.unwrap_or("avg"))?;
        if slide_ms > window_ms {
            return Err(invalid_option(
                "slide",
                format!("{slide_ms} ms is longer than the window ({window_ms} ms)"),
            ));
        }
        if window_ms / slide_ms > MAX_SLIDES_PER_WINDOW {
            return Err(invalid_option(
                "slide",
                format!(
                    "a window holds at most {MAX_SLIDES_PER_WINDOW} slides; use a longer slide"
                ),
            ));
        }
        if (window_ms + lateness_ms) / slide_ms > MAX_OPEN_SLIDES {
            return Err(invalid_option(
                "lateness",
                format!(
                    "a window stays open for at most {MAX_OPEN_SLIDES} slides, lateness included; \
                     use a shorter lateness or a longer slide"
                ),
            ));
        }
        Ok(Some(Self {
            window_ms,
            slide_ms,
            lateness_ms,
            aggregation,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_aggregations_parse_or_say_why() {
        assert_eq!(parse_duration_ms("window", "500ms", false), Ok(500));
        assert_eq!(parse_duration_ms("window", "10s", false), Ok(10_000));
        assert_eq!(parse_duration_ms("window", "1m", false), Ok(60_000));
        assert_eq!(parse_duration_ms("window", "1h", false), Ok(3_600_000));
        assert_eq!(parse_duration_ms("window", "7d", false), Ok(604_800_000));
        assert_eq!(parse_duration_ms("window", "1h 30m", false), Ok(5_400_000));
        assert_eq!(parse_duration_ms("lateness", "0s", true), Ok(0));
        for bad in ["", "1", "ten seconds", "-1s", "1.5ms", "400d"] {
            let err = parse_duration_ms("window", bad, false)
                .unwrap_err()
                .to_string();
            assert!(err.contains("window"), "{bad:?}: {err}");
        }
        assert!(parse_duration_ms("window", "0s", false).is_err());
        assert_eq!(Aggregation::parse("p95"), Ok(Aggregation::Quantile(0.95)));
        assert!(
            matches!(Aggregation::parse("p99.9"), Ok(Aggregation::Quantile(q)) if (q - 0.999).abs() < 1e-12)
        );
        assert_eq!(Aggregation::parse("p100"), Ok(Aggregation::Quantile(1.0)));
        assert_eq!(Aggregation::parse("mean"), Ok(Aggregation::Avg));
        for bad in [
            "median", "p", "p0", "p101", "p9x", "p.5", "P95", "p95.", "p1e1",
        ] {
            assert!(Aggregation::parse(bad).is_err(), "{bad}");
        }
        let err = WindowSpec::from_options(None, None, None, Some("sum")).unwrap_err();
        assert!(err.to_string().contains("needs a window"), "{err}");
        let err = WindowSpec::from_options(Some("1m"), Some("2m"), None, None).unwrap_err();
        assert!(err.to_string().contains("longer than the window"), "{err}");
        let err = WindowSpec::from_options(Some("1h"), Some("1s"), None, None).unwrap_err();
        assert!(err.to_string().contains("slides"), "{err}");
        assert_eq!(
            WindowSpec::from_options(Some("1m"), None, None, None).unwrap(),
            Some(WindowSpec {
                window_ms: 60_000,
                slide_ms: 60_000,
                lateness_ms: 0,
                aggregation: Aggregation::Avg
            })
        );
    }
}
