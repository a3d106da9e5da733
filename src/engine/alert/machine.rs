//! One rule's state, moved by the points its widget accepts (by their event time) and by the
//! wall clock for no-data: Normal → Pending (`for` not yet over) → Firing → Recovering
//! (`keep_firing_for` not yet over) → Normal, and NoData. Once Firing, only the recovery
//! condition ends it (hysteresis). Pure: each step says which transition it made, if any.

use serde::{Deserialize, Serialize};

use super::rule::Rule;

/// The last point of `points` that is a value (not a gap).
pub fn last_value(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    points.iter().rev().find(|p| !p.1.is_nan()).copied()
}

/// Where a rule is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Values are right.
    #[default]
    Normal,
    /// The condition holds; its `for` period is not over yet.
    Pending,
    /// The rule fires.
    Firing,
    /// Values recovered; the rule keeps firing for `keep_firing_for`.
    Recovering,
    /// The widget got no point for the rule's `no_data` period.
    NoData,
}

impl AlertState {
    /// The name used in the protocol.
    pub fn name(self) -> &'static str {
        match self {
            AlertState::Normal => "normal",
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Recovering => "recovering",
            AlertState::NoData => "no_data",
        }
    }

    /// Whether receivers hear of the rule as firing (Firing, Recovering, NoData).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            AlertState::Firing | AlertState::Recovering | AlertState::NoData
        )
    }
}

/// A rule's state and the times that move it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Machine {
    /// The state.
    pub state: AlertState,
    /// Event time the state was entered (Pending: when the condition began to hold;
    /// Recovering: when values recovered; Firing: when it fired or a recovery failed).
    pub since_ms: f64,
    /// When the rule last became active (firing or no data), for `startsAt`: kept after it
    /// resolves, for the resolution's notification; NaN before it ever was.
    pub active_since_ms: f64,
    /// The state before NoData, which data coming back resumes from.
    pub before_no_data: AlertState,
    /// The last value and its time.
    pub value: f64,
    /// The time of the last value.
    pub ts_ms: f64,
}

impl Default for Machine {
    fn default() -> Self {
        Self {
            state: AlertState::Normal,
            since_ms: f64::NAN,
            active_since_ms: f64::NAN,
            before_no_data: AlertState::Normal,
            value: f64::NAN,
            ts_ms: f64::NAN,
        }
    }
}

impl Machine {
    /// Take one point; the state before, when it changed. NaN (a gap) changes nothing.
    #[inline]
    pub fn step(&mut self, rule: &Rule, ts_ms: f64, value: f64) -> Option<AlertState> {
        if value.is_nan() {
            return None;
        }
        self.value = value;
        self.ts_ms = ts_ms;
        let from = self.state;
        let state = match from {
            AlertState::NoData => match self.before_no_data {
                // Data is back: a rule that was firing still needs the recovery condition.
                AlertState::Firing | AlertState::Recovering if !rule.recovered(value) => {
                    AlertState::Firing
                }
                _ => Self::leaving_normal(rule, value),
            },
            AlertState::Normal => Self::leaving_normal(rule, value),
            AlertState::Pending => {
                if !rule.condition.holds(value) {
                    AlertState::Normal
                } else if ts_ms - self.since_ms >= rule.for_ms {
                    AlertState::Firing
                } else {
                    AlertState::Pending
                }
            }
            AlertState::Firing => {
                if !rule.recovered(value) {
                    AlertState::Firing
                } else if rule.keep_ms > 0.0 {
                    AlertState::Recovering
                } else {
                    AlertState::Normal
                }
            }
            AlertState::Recovering => {
                if !rule.recovered(value) {
                    AlertState::Firing
                } else if ts_ms - self.since_ms >= rule.keep_ms {
                    AlertState::Normal
                } else {
                    AlertState::Recovering
                }
            }
        };
        self.enter(state, ts_ms)
    }

    /// Points that leave a rule at rest where it is (none meets its condition): only the last
    /// value is kept, as stepping each would.
    pub fn rest(&mut self, points: &[(f64, f64)]) {
        if let Some((ts_ms, value)) = last_value(points) {
            self.value = value;
            self.ts_ms = ts_ms;
        }
    }

    /// Where a rule at rest goes with `value`.
    fn leaving_normal(rule: &Rule, value: f64) -> AlertState {
        if !rule.condition.holds(value) {
            AlertState::Normal
        } else if rule.for_ms > 0.0 {
            AlertState::Pending
        } else {
            AlertState::Firing
        }
    }

    /// No point came for the rule's no-data period (checked at `now_ms`, wall clock).
    pub fn no_data(&mut self, now_ms: f64) -> Option<AlertState> {
        if self.state == AlertState::NoData {
            return None;
        }
        self.before_no_data = self.state;
        self.value = f64::NAN;
        self.enter(AlertState::NoData, now_ms)
    }

    fn enter(&mut self, state: AlertState, ts_ms: f64) -> Option<AlertState> {
        let from = self.state;
        if state == from {
            return None;
        }
        // A firing that a short recovery interrupted is still the same firing: its start is
        // `active_since_ms`, which only moves when the rule becomes active.
        self.since_ms = ts_ms;
        if state.is_active() && !from.is_active() {
            self.active_since_ms = ts_ms;
        }
        self.state = state;
        Some(from)
    }
}

#[cfg(test)]
mod tests {
    use super::AlertState::{Firing, NoData, Normal, Pending, Recovering};
    use super::*;
    use serde_json::json;

    fn rule(value: serde_json::Value) -> Rule {
        Rule::from_json(value).expect("rule")
    }

    /// The transitions `(time, from, to)` a sequence of `(time, value)` makes.
    fn run(rule: &Rule, points: &[(f64, f64)]) -> Vec<(f64, AlertState, AlertState)> {
        let mut machine = Machine::default();
        points
            .iter()
            .filter_map(|&(ts, v)| {
                machine
                    .step(rule, ts, v)
                    .map(|from| (ts, from, machine.state))
            })
            .collect()
    }

    #[test]
    fn a_table_of_sequences() {
        struct Case {
            name: &'static str,
            rule: serde_json::Value,
            points: Vec<(f64, f64)>,
            transitions: Vec<(f64, AlertState, AlertState)>,
        }
        let flapping: Vec<(f64, f64)> = (0..40)
            .map(|i| (i as f64 * 1000.0, if i % 2 == 0 { 89.5 } else { 90.5 }))
            .chain([(40_000.0, 80.0)])
            .collect();
        let cases = [
            Case {
                name: "flapping at the line with a recovery threshold: one fire, one resolve",
                rule: json!({"widget": "w", "above": 90, "recover_below": 85}),
                points: flapping.clone(),
                transitions: vec![(1000.0, Normal, Firing), (40_000.0, Firing, Normal)],
            },
            Case {
                name: "without one, flapping flaps",
                rule: json!({"widget": "w", "above": 90}),
                points: flapping[..5].to_vec(),
                transitions: vec![
                    (1000.0, Normal, Firing),
                    (2000.0, Firing, Normal),
                    (3000.0, Normal, Firing),
                    (4000.0, Firing, Normal),
                ],
            },
            Case {
                name: "for: pending until the condition held 30 s of event time",
                rule: json!({"widget": "w", "above": 90, "for": "30s"}),
                points: vec![
                    (0.0, 95.0),
                    (29_999.0, 96.0),
                    (30_000.0, 97.0),
                    (31_000.0, 50.0),
                ],
                transitions: vec![
                    (0.0, Normal, Pending),
                    (30_000.0, Pending, Firing),
                    (31_000.0, Firing, Normal),
                ],
            },
            Case {
                name: "for: a dip resets the pending period",
                rule: json!({"widget": "w", "above": 90, "for": "30s"}),
                points: vec![
                    (0.0, 95.0),
                    (20_000.0, 50.0),
                    (25_000.0, 95.0),
                    (50_000.0, 95.0),
                    (55_000.0, 95.0),
                ],
                transitions: vec![
                    (0.0, Normal, Pending),
                    (20_000.0, Pending, Normal),
                    (25_000.0, Normal, Pending),
                    (55_000.0, Pending, Firing),
                ],
            },
            Case {
                name: "keep_firing_for: recovering, back to firing, then resolved",
                rule: json!({"widget": "w", "below": 10, "keep_firing_for": "1m"}),
                points: vec![
                    (0.0, 5.0),
                    (1000.0, 20.0),
                    (2000.0, 5.0),
                    (3000.0, 20.0),
                    (62_999.0, 20.0),
                    (63_000.0, 20.0),
                ],
                transitions: vec![
                    (0.0, Normal, Firing),
                    (1000.0, Firing, Recovering),
                    (2000.0, Recovering, Firing),
                    (3000.0, Firing, Recovering),
                    (63_000.0, Recovering, Normal),
                ],
            },
            Case {
                name: "outside a band, gaps ignored",
                rule: json!({"widget": "w", "outside": [10, 20]}),
                points: vec![
                    (0.0, 15.0),
                    (1.0, f64::NAN),
                    (2.0, 25.0),
                    (3.0, f64::NAN),
                    (4.0, 5.0),
                    (5.0, 12.0),
                ],
                transitions: vec![(2.0, Normal, Firing), (5.0, Firing, Normal)],
            },
        ];
        for case in cases {
            assert_eq!(
                run(&rule(case.rule), &case.points),
                case.transitions,
                "{}",
                case.name
            );
        }
    }

    #[test]
    fn no_data_is_a_state_of_its_own_and_data_coming_back_resumes() {
        let rule = rule(json!({"widget": "w", "above": 90, "recover_below": 80, "no_data": "2m"}));
        let mut machine = Machine::default();
        assert_eq!(machine.step(&rule, 0.0, 95.0), Some(Normal));
        assert_eq!(machine.no_data(500_000.0), Some(Firing));
        assert_eq!(machine.state, NoData);
        assert_eq!(machine.active_since_ms, 0.0, "still active since it fired");
        assert_eq!(machine.no_data(600_000.0), None, "once");
        // Back with 85: not recovered, so firing again.
        assert_eq!(machine.step(&rule, 700_000.0, 85.0), Some(NoData));
        assert_eq!(machine.state, Firing);
        assert_eq!(machine.step(&rule, 701_000.0, 70.0), Some(Firing));
        assert_eq!(machine.no_data(900_000.0), Some(Normal));
        assert_eq!(machine.active_since_ms, 900_000.0);
        assert_eq!(machine.step(&rule, 901_000.0, 50.0), Some(NoData));
        assert_eq!(machine.state, Normal);
    }
}
