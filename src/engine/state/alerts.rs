//! The engine's alert rules: declaring and removing them (a configuration change, so that
//! subscribers and the store hear of it), the no-data check, listeners of transitions, and a
//! replica's or a stored dashboard's states taken as they are.

use crossbeam_channel::Sender;

use super::Engine;
use crate::engine::alert::{Alerts, AlertsView, Rule, Transition};
use crate::engine::error::EngineResult;

impl Engine {
    /// Declare an alert rule on a widget (or replace the rule of its name). Refused, changing
    /// nothing, when the widget is unknown or cannot carry it.
    pub fn declare_alert(&mut self, rule: Rule) -> EngineResult<()> {
        if self.alerts.declare(rule, &self.directory)? {
            self.note_config_change();
        }
        Ok(())
    }

    /// Remove the alert rule of that name; whether there was one.
    pub fn remove_alert(&mut self, name: &str) -> bool {
        let removed = self.alerts.remove(name, &self.directory);
        if removed {
            self.note_config_change();
        }
        removed
    }

    /// The rules and their states.
    pub fn alerts(&self) -> &Alerts {
        &self.alerts
    }

    /// Move rules that saw no point for their no-data period to NoData (`now_ms`: wall clock).
    pub fn check_alerts(&mut self, now_ms: f64) {
        self.alerts.check_no_data(now_ms);
    }

    /// Tell `listener` of every transition from now on (see [`Alerts::subscribe`]).
    pub fn subscribe_alerts(&mut self, listener: Sender<Transition>) {
        self.alerts.subscribe(listener);
    }

    /// Stop (false) or resume evaluating rules on applied points: a store loading what it
    /// held applies points that were evaluated when they first came. A replica never evaluates.
    pub fn set_alert_evaluation(&mut self, on: bool) {
        self.alerts.set_paused(!on);
    }

    /// Take states and transitions as a producer or a store gives them (rules declared first).
    pub fn set_alert_states(&mut self, view: &AlertsView, replace_recent: bool) {
        self.alerts.set_view(view, replace_recent);
    }
}
