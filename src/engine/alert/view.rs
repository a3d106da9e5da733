//! What alerts look like from outside the engine: a rule's state ([`AlertStatus`]), a
//! transition (an event), and both together ([`AlertsView`]) as the protocol, the API and the
//! store carry them.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::machine::AlertState;
use super::rule::Severity;

/// A rule's move from one state to another: an event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    /// The rule's name.
    pub rule: Arc<str>,
    /// The widget watched.
    pub widget: Arc<str>,
    /// The series watched (line charts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Arc<str>>,
    /// The rule's severity.
    pub severity: Severity,
    /// The state before.
    pub from: AlertState,
    /// The state now.
    pub to: AlertState,
    /// The value that moved it (null for no data).
    #[serde(with = "nan_as_null")]
    pub value: f64,
    /// Its time: the point's event time, or the wall clock for no data (epoch ms).
    pub ts_ms: f64,
    /// When the rule became active (firing or no data): for a resolution, when the active
    /// period that ends began (epoch ms).
    #[serde(with = "nan_as_null", default = "nan")]
    pub active_since_ms: f64,
    /// The rule's message, filled in.
    pub message: String,
    /// The rule's own webhook, for the notifier (never serialised: it may hold a secret).
    #[serde(skip)]
    pub webhook: Option<Arc<str>>,
}

impl Transition {
    /// Whether receivers hear of it: the rule became active (firing) or stopped being so
    /// (resolved). Pending and back, or firing to recovering and back, are not.
    pub fn notifies(&self) -> bool {
        self.from.is_active() != self.to.is_active()
    }

    /// The state its rule is in after it (a store resumes, and a replay shows, a rule's state
    /// from its last transition).
    pub fn status(&self) -> AlertStatus {
        AlertStatus {
            rule: Arc::clone(&self.rule),
            widget: Arc::clone(&self.widget),
            series: self.series.clone(),
            severity: self.severity,
            state: self.to,
            since_ms: self.ts_ms,
            active_since_ms: if self.to.is_active() {
                self.active_since_ms
            } else {
                f64::NAN
            },
            value: self.value,
            message: self.message.clone(),
        }
    }
}

/// A rule's state as viewers show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertStatus {
    /// The rule's name.
    pub rule: Arc<str>,
    /// The widget watched.
    pub widget: Arc<str>,
    /// The series watched (line charts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<Arc<str>>,
    /// The rule's severity.
    pub severity: Severity,
    /// Where the rule is.
    pub state: AlertState,
    /// When it got there (null before its first point).
    #[serde(with = "nan_as_null", default = "nan")]
    pub since_ms: f64,
    /// When it became active, if it is.
    #[serde(with = "nan_as_null", default = "nan")]
    pub active_since_ms: f64,
    /// The last value it saw.
    #[serde(with = "nan_as_null", default = "nan")]
    pub value: f64,
    /// The message of its last transition (empty before one).
    pub message: String,
}

impl AlertStatus {
    /// The state of `rule` before its first transition: Normal, never seen a value.
    pub fn before_any(rule: &AlertStatus) -> AlertStatus {
        AlertStatus {
            state: AlertState::Normal,
            since_ms: f64::NAN,
            active_since_ms: f64::NAN,
            value: f64::NAN,
            message: String::new(),
            ..rule.clone()
        }
    }
}

/// Every rule's state, and transitions (the recent ones in a snapshot, the new ones in deltas).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertsView {
    /// Every rule's state, in declaration order.
    pub states: Vec<AlertStatus>,
    /// Transitions, oldest first.
    pub transitions: Vec<Transition>,
}

impl AlertsView {
    /// These rules as `stored` (a recording's alerts as of a time) has them: each rule's state
    /// then (Normal before its first transition), rules no longer declared left out, and the
    /// stored transitions.
    pub fn as_stored(&self, stored: AlertsView) -> AlertsView {
        let mut then: HashMap<Arc<str>, AlertStatus> = stored
            .states
            .into_iter()
            .map(|status| (Arc::clone(&status.rule), status))
            .collect();
        AlertsView {
            states: self
                .states
                .iter()
                .map(|now| {
                    then.remove(&now.rule)
                        .unwrap_or_else(|| AlertStatus::before_any(now))
                })
                .collect(),
            transitions: stored.transitions,
        }
    }

    /// Rules active now (firing, recovering or without data).
    pub fn active(&self) -> usize {
        self.states.iter().filter(|s| s.state.is_active()).count()
    }
}

fn nan() -> f64 {
    f64::NAN
}

mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        if value.is_finite() {
            serializer.serialize_f64(*value)
        } else {
            serializer.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
    }
}
