//! Alert rules from Python: declaring and removing them, their states (`sv.alerts()`), the
//! global webhook, and the feed of transitions the Python layer's callback thread reads
//! (`on_fire`/`on_resolve` run there, never in the producer). The notifier (log lines and
//! webhooks) starts with the first rule or webhook.

use std::time::Duration;

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError};
use pyo3::prelude::*;
use serde_json::Value;

use super::errors::{validation_error, Result};
use super::runtime::{notifier, runtime};
use crate::engine::alert::{Rule, Transition};
use crate::protocol::alerts_body;

/// Transitions waiting for the Python callback thread at most (more are dropped and counted
/// by the engine).
const FEED_QUEUE: usize = 4096;

/// Declare an alert rule from its JSON shape; returns its name.
#[pyfunction]
pub fn declare_alert(rule_json: &str) -> Result<String> {
    let value: Value =
        serde_json::from_str(rule_json).map_err(|e| validation_error(format!("alert: {e}")))?;
    let rule = Rule::from_json(value)?;
    let name = rule.spec.name.clone();
    notifier();
    let pipeline = &runtime().pipeline;
    pipeline.engine().declare_alert(rule)?;
    pipeline.alerts_changed();
    Ok(name)
}

/// Remove the alert rule of that name; whether there was one.
#[pyfunction]
pub fn remove_alert(name: &str) -> bool {
    runtime().pipeline.engine().remove_alert(name)
}

/// Rules, states, recent transitions and how many fire, as JSON (`GET /api/v1/alerts`).
#[pyfunction]
pub fn alerts_json() -> String {
    let engine = runtime().pipeline.engine();
    let (rules, view) = (engine.alerts().rules(), engine.alerts().view());
    drop(engine);
    alerts_body(&rules, &view).to_string()
}

/// Set (or, with `None`, remove) the webhook every rule's notifications go to.
#[pyfunction]
#[pyo3(signature = (url=None))]
pub fn set_alert_webhook(url: Option<&str>) -> Result<()> {
    notifier().set_webhook(url).map_err(validation_error)
}

/// The transitions of every rule from its creation on, for the Python callback thread.
#[pyclass(module = "stream_viz._core", name = "AlertFeed", frozen)]
pub struct AlertFeed {
    transitions: Receiver<Transition>,
}

#[pymethods]
impl AlertFeed {
    #[new]
    fn new() -> Self {
        let (listener, transitions) = bounded(FEED_QUEUE);
        runtime().pipeline.engine().subscribe_alerts(listener);
        Self { transitions }
    }

    /// The transitions that came and notify (a rule fired or resolved: what callbacks are
    /// for), as a JSON list, waiting up to `timeout_s` for the first (the GIL released
    /// meanwhile); `None` when none came.
    #[pyo3(signature = (timeout_s = 0.5))]
    fn take(&self, py: Python<'_>, timeout_s: f64) -> Result<Option<String>> {
        if !(0.0..=3600.0).contains(&timeout_s) {
            return Err(validation_error("timeout_s is between 0 and 3600 seconds"));
        }
        let transitions = &self.transitions;
        let taken =
            py.detach(
                || match transitions.recv_timeout(Duration::from_secs_f64(timeout_s)) {
                    Ok(first) => {
                        let mut all = vec![first];
                        all.extend(transitions.try_iter().take(1023));
                        Some(all)
                    }
                    Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
                },
            );
        Ok(taken.map(|mut all| {
            all.retain(Transition::notifies);
            serde_json::to_string(&all).unwrap_or_default()
        }))
    }
}
