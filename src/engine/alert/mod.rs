//! Alerts: rules on time-series widgets (`rule.rs`), each with a state moved by the points its
//! widget accepts (`machine.rs`), evaluated in the engine as the points are applied, by event
//! time; no-data by the wall clock the engine thread gives [`Alerts::check_no_data`]. Each
//! transition is an event: kept among the recent ones, told to subscribers (the `alerts`
//! message), to the journal (persistence) and to listeners (log, webhooks, Python callbacks),
//! through bounded channels that never wait.

mod machine;
pub mod rule;
pub mod view;
mod watch;

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use super::error::{EngineError, EngineResult};
use super::views::WidgetInfo;
use crossbeam_channel::{Sender, TrySendError};
pub use machine::{AlertState, Machine};
pub use rule::{
    check_target, check_webhook, format_number, AlertRule, Condition, Field, Piece, Recovery, Rule,
    Severity, MAX_MESSAGE_BYTES,
};
pub use view::{AlertStatus, AlertsView, Transition};
use watch::{Resting, Watch, SEVERAL};

/// Most rules a dashboard holds.
pub const MAX_RULES: usize = 10_000;
/// Transitions kept for viewers and `GET /api/v1/alerts`.
pub const MAX_RECENT: usize = 200;
/// Transitions held for subscribers between two takes (more: the oldest go; the states are
/// sent whole anyway).
const MAX_FRESH: usize = 1024;
/// Transitions the journal holds for a store that falls behind.
const MAX_JOURNAL: usize = 65_536;

/// One rule and its state.
#[derive(Debug, Clone)]
struct Entry {
    rule: Arc<Rule>,
    name: Arc<str>,
    widget: Arc<str>,
    series: Option<Arc<str>>,
    /// The widget's index and series position (`u32::MAX`: its only series), once bound.
    target: Option<(u32, u32)>,
    machine: Machine,
    /// A point came since the last no-data check.
    seen: bool,
    /// When the last no-data check saw a point come (wall clock, epoch ms).
    last_seen_ms: f64,
    message: String,
}

/// Every rule of a dashboard, with its state. See the module docs.
#[derive(Debug, Default)]
pub struct Alerts {
    entries: Vec<Entry>,
    /// Widget index → the entries watching it, and their quiet band.
    by_widget: Vec<Watch>,
    recent: VecDeque<Transition>,
    fresh: VecDeque<Transition>,
    changed: bool,
    journaling: bool,
    journal: Vec<Transition>,
    journal_lost: u64,
    listeners: Vec<Sender<Transition>>,
    listener_dropped: u64,
    /// A replica takes states from its producer instead of evaluating.
    replica: bool,
    /// Points are not evaluated for a while (a store loads points evaluated when they came).
    paused: bool,
    /// Some rule has a no-data period.
    no_data: bool,
    /// Counts changes of rules and states (a viewer redraws its alerts when it moves).
    revision: u64,
}

impl Alerts {
    /// Declare a rule on a widget of `directory`, or replace the rule of that name; whether
    /// anything changed (the same rule again changes nothing). Refused, changing nothing, when
    /// the widget is unknown or cannot carry it.
    pub fn declare(&mut self, rule: Rule, directory: &[WidgetInfo]) -> EngineResult<bool> {
        let spec = &rule.spec;
        let info = directory.iter().find(|w| *w.id == *spec.widget);
        rule::check_target(spec, info.map(|w| w.kind))?;
        let existing = self.entries.iter().position(|e| *e.name == *spec.name);
        if existing.is_none() && self.entries.len() >= MAX_RULES {
            return Err(EngineError::TooLarge(format!(
                "a dashboard holds at most {MAX_RULES} alert rules"
            )));
        }
        let entry = Entry {
            name: spec.name.as_str().into(),
            widget: spec.widget.as_str().into(),
            series: spec.series.as_deref().map(Into::into),
            rule: Arc::new(rule),
            target: None,
            machine: Machine::default(),
            seen: false,
            last_seen_ms: f64::NAN,
            message: String::new(),
        };
        match existing {
            Some(at) if self.entries[at].rule.spec == entry.rule.spec => return Ok(false),
            // Only where notifications go changed (a restored rule is stored without its
            // webhook, and the script declares it again with one): the state goes on.
            Some(at) if same_but_webhook(&self.entries[at].rule.spec, &entry.rule.spec) => {
                self.entries[at].rule = entry.rule;
            }
            Some(at) => {
                // A changed rule starts again; receivers hear the old one resolve if it fired.
                let old = std::mem::replace(&mut self.entries[at], entry);
                self.reset(old);
            }
            None => self.entries.push(entry),
        }
        self.bind(directory);
        self.touch();
        Ok(true)
    }

    /// Remove the rule of that name; whether there was one.
    pub fn remove(&mut self, name: &str, directory: &[WidgetInfo]) -> bool {
        let Some(at) = self.entries.iter().position(|e| *e.name == *name) else {
            return false;
        };
        let old = self.entries.remove(at);
        self.reset(old);
        self.bind(directory);
        self.touch();
        true
    }

    /// A rule replaced or removed goes back to Normal as an event of its own, so that the
    /// store's last transition of every rule is its state (a restart resumes from it) and
    /// receivers hear a firing rule resolve.
    fn reset(&mut self, mut old: Entry) {
        let from = old.machine.state;
        // A replica hears of it from its producer.
        if from == AlertState::Normal || self.replica {
            return;
        }
        // The time of its last point, or of its state (no data came before it): the store
        // keeps transitions by time, and refuses one without.
        let ts = [old.machine.ts_ms, old.machine.since_ms]
            .into_iter()
            .find(|t| t.is_finite())
            .unwrap_or(0.0);
        old.machine = Machine::default();
        self.publish(transition_of(&old, from, f64::NAN, ts));
    }

    /// Something viewers show changed.
    fn touch(&mut self) {
        self.changed = true;
        self.revision += 1;
    }

    /// Counts every change of rules and states: unchanged, nothing to redraw.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Find each rule's widget and series again (after a declaration added a series).
    pub fn bind(&mut self, directory: &[WidgetInfo]) {
        self.by_widget.clear();
        self.no_data = self.entries.iter().any(|e| e.rule.no_data_ms.is_some());
        // One pass over the widgets, not one per rule: a thousand rules on a thousand widgets
        // are bound at every declaration.
        let index_of: HashMap<&str, usize> = directory
            .iter()
            .enumerate()
            .map(|(index, w)| (&*w.id, index))
            .collect();
        for (at, entry) in self.entries.iter_mut().enumerate() {
            entry.target = index_of.get(&*entry.widget).copied().and_then(|index| {
                let series = match &entry.series {
                    None => u32::MAX,
                    Some(name) => {
                        directory[index].series.iter().position(|s| **s == **name)? as u32
                    }
                };
                Some((index as u32, series))
            });
            if let Some((index, series)) = entry.target {
                let index = index as usize;
                if self.by_widget.len() <= index {
                    self.by_widget.resize_with(index + 1, Watch::default);
                }
                let watch = &mut self.by_widget[index];
                if watch.rules.is_empty() {
                    watch.series = series;
                } else if watch.series != series {
                    watch.series = SEVERAL;
                }
                watch.rules.push(at as u32);
            }
        }
        for index in 0..self.by_widget.len() {
            self.settle(index);
        }
    }

    /// Work out the quiet band of the widget at `index` again.
    fn settle(&mut self, index: usize) {
        let Self {
            by_widget, entries, ..
        } = self;
        if let Some(watch) = by_widget.get_mut(index) {
            watch.settle(|at| {
                let entry = &entries[at as usize];
                Resting {
                    rule: &entry.rule,
                    state: entry.machine.state,
                    series: entry.target.map_or(SEVERAL, |t| t.1),
                }
            });
        }
    }

    /// Whether any rule watches the widget at `index` (a check on every applied point).
    #[inline]
    pub fn watches(&self, index: u32) -> bool {
        self.by_widget
            .get(index as usize)
            .is_some_and(|watch| !watch.rules.is_empty())
    }

    /// Points the widget at `index` accepted, in order, for its `series` (`u32::MAX`: its only
    /// one).
    pub fn observe(&mut self, index: u32, series: u32, points: &[(f64, f64)]) {
        if self.replica || self.paused {
            return;
        }
        let Some(watch) = self.by_widget.get_mut(index as usize) else {
            return;
        };
        if watch.quiet(series, points) {
            return;
        }
        watch.last = (f64::NAN, f64::NAN);
        let mut moved = false;
        for k in 0..watch.rules.len() {
            let at = self.by_widget[index as usize].rules[k] as usize;
            if self.entries[at].target.map(|t| t.1) != Some(series) {
                continue;
            }
            self.entries[at].seen = true;
            let mut k = 0;
            while k < points.len() {
                let entry = &mut self.entries[at];
                // A rule at rest moves only on a point that meets its condition: a batch is
                // scanned for one in a tight loop instead of stepped point by point.
                if entry.machine.state == AlertState::Normal {
                    match watch::first_met(entry.rule.condition, &points[k..]) {
                        Some(skip) => k += skip,
                        None => {
                            entry.machine.rest(&points[k..]);
                            break;
                        }
                    }
                }
                let (ts_ms, value) = points[k];
                if let Some(from) = entry.machine.step(&entry.rule, ts_ms, value) {
                    self.moved(at, from, value, ts_ms);
                    moved = true;
                }
                k += 1;
            }
        }
        if moved {
            self.settle(index as usize);
        }
    }

    /// The rules with a no-data period that saw no point for that long go to NoData; `now_ms`
    /// is the wall clock. Called by the engine thread a few times a second while such rules
    /// exist.
    pub fn check_no_data(&mut self, now_ms: f64) {
        if self.replica {
            return;
        }
        for at in 0..self.entries.len() {
            let entry = &mut self.entries[at];
            let Some(period) = entry.rule.no_data_ms else {
                continue;
            };
            if entry.seen || entry.last_seen_ms.is_nan() {
                entry.seen = false;
                entry.last_seen_ms = now_ms;
                continue;
            }
            if now_ms - entry.last_seen_ms < period {
                continue;
            }
            if let Some(from) = entry.machine.no_data(now_ms) {
                self.moved(at, from, f64::NAN, now_ms);
                if let Some((index, _)) = self.entries[at].target {
                    self.settle(index as usize);
                }
            }
        }
    }

    /// The entry at `at` moved from `from`: its message, then the event.
    fn moved(&mut self, at: usize, from: AlertState, value: f64, ts_ms: f64) {
        let transition = transition_of(&self.entries[at], from, value, ts_ms);
        self.entries[at].message.clone_from(&transition.message);
        self.publish(transition);
    }

    /// Whether any rule has a no-data period (the engine thread then wakes to check them).
    pub fn has_no_data(&self) -> bool {
        self.no_data && !self.replica
    }

    fn publish(&mut self, transition: Transition) {
        self.listeners
            .retain(|listener| match listener.try_send(transition.clone()) {
                Ok(()) => true,
                Err(TrySendError::Full(_)) => {
                    self.listener_dropped += 1;
                    true
                }
                Err(TrySendError::Disconnected(_)) => false,
            });
        if self.journaling {
            if self.journal.len() < MAX_JOURNAL {
                self.journal.push(transition.clone());
            } else {
                self.journal_lost += 1;
            }
        }
        self.remember(transition);
    }

    /// Keep a transition among the recent ones and those subscribers have not heard of, each
    /// bounded (the oldest go).
    fn remember(&mut self, transition: Transition) {
        if self.fresh.len() >= MAX_FRESH {
            self.fresh.pop_front();
        }
        self.fresh.push_back(transition.clone());
        if self.recent.len() >= MAX_RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(transition);
        self.touch();
    }

    /// Tell `listener` of every transition from now on (a bounded channel: when it is full the
    /// transition is counted in [`Alerts::listener_dropped`], never waited for).
    pub fn subscribe(&mut self, listener: Sender<Transition>) {
        self.listeners.push(listener);
    }

    /// Transitions listeners had no room for.
    pub fn listener_dropped(&self) -> u64 {
        self.listener_dropped
    }

    /// Keep transitions for [`Alerts::take_journal`] (while a store is attached).
    pub fn set_journaling(&mut self, journaling: bool) {
        self.journaling = journaling;
        self.journal = Vec::new();
    }

    /// The transitions a store has not kept yet, and how many it lost by falling behind.
    pub fn take_journal(&mut self) -> (Vec<Transition>, u64) {
        (
            std::mem::take(&mut self.journal),
            std::mem::take(&mut self.journal_lost),
        )
    }

    /// Every rule's spec, in declaration order.
    pub fn rules(&self) -> Vec<AlertRule> {
        self.entries.iter().map(|e| e.rule.spec.clone()).collect()
    }

    /// Every rule's state.
    pub fn states(&self) -> Vec<AlertStatus> {
        self.entries
            .iter()
            .map(|e| AlertStatus {
                rule: Arc::clone(&e.name),
                widget: Arc::clone(&e.widget),
                series: e.series.clone(),
                severity: e.rule.spec.severity,
                state: e.machine.state,
                since_ms: e.machine.since_ms,
                active_since_ms: if e.machine.state.is_active() {
                    e.machine.active_since_ms
                } else {
                    f64::NAN
                },
                value: self.last_value(e),
                message: e.message.clone(),
            })
            .collect()
    }

    /// The last value an entry's rule saw: taken by the quiet path, or by the rule.
    fn last_value(&self, entry: &Entry) -> f64 {
        let quiet = entry
            .target
            .and_then(|(index, _)| self.by_widget.get(index as usize))
            .map_or(f64::NAN, |watch| watch.last.1);
        if quiet.is_nan() {
            entry.machine.value
        } else {
            quiet
        }
    }

    /// Every rule's state and the recent transitions.
    pub fn view(&self) -> AlertsView {
        AlertsView {
            states: self.states(),
            transitions: self.recent.iter().cloned().collect(),
        }
    }

    /// Every rule's state and the transitions since the last call, when anything changed.
    pub fn take_changes(&mut self) -> Option<AlertsView> {
        if !std::mem::take(&mut self.changed) {
            return None;
        }
        Some(AlertsView {
            states: self.states(),
            transitions: std::mem::take(&mut self.fresh).into(),
        })
    }

    /// Make this a replica's rules: states come from the producer ([`Alerts::set_view`]).
    pub fn set_replica(&mut self, replica: bool) {
        self.replica = replica;
    }

    /// Stop (true) or resume evaluating rules on the points applied; nothing else changes.
    pub fn set_paused(&mut self, paused: bool) {
        self.paused = paused;
    }

    /// Take a producer's states and transitions (a replica's `alerts` message), or a stored
    /// dashboard's (states resume where they were).
    pub fn set_view(&mut self, view: &AlertsView, replace_recent: bool) {
        let at: HashMap<Arc<str>, usize> = self
            .entries
            .iter()
            .enumerate()
            .map(|(at, e)| (Arc::clone(&e.name), at))
            .collect();
        for status in &view.states {
            if let Some(entry) = at.get(&status.rule).map(|&i| &mut self.entries[i]) {
                entry.machine.state = status.state;
                entry.machine.since_ms = status.since_ms;
                entry.machine.active_since_ms = status.active_since_ms;
                entry.machine.value = status.value;
                entry.machine.ts_ms = status.since_ms;
                entry.message.clone_from(&status.message);
            }
        }
        if replace_recent {
            self.recent.clear();
        }
        for transition in &view.transitions {
            self.remember(transition.clone());
        }
        for index in 0..self.by_widget.len() {
            self.settle(index);
        }
        self.touch();
    }

    /// Forget every rule (a reset); listeners stay.
    pub fn clear(&mut self) {
        let listeners = std::mem::take(&mut self.listeners);
        let (replica, paused) = (self.replica, self.paused);
        let (journaling, revision) = (self.journaling, self.revision);
        *self = Self::default();
        self.listeners = listeners;
        self.replica = replica;
        self.paused = paused;
        self.journaling = journaling;
        self.revision = revision;
        self.touch();
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Whether two declarations of a rule differ in their webhook only.
fn same_but_webhook(a: &AlertRule, b: &AlertRule) -> bool {
    let webhook = |rule: &AlertRule| AlertRule {
        webhook: None,
        ..rule.clone()
    };
    webhook(a) == webhook(b)
}

/// The event of `entry` moving from `from` to its state now.
fn transition_of(entry: &Entry, from: AlertState, value: f64, ts_ms: f64) -> Transition {
    let to = entry.machine.state;
    Transition {
        rule: Arc::clone(&entry.name),
        widget: Arc::clone(&entry.widget),
        series: entry.series.clone(),
        severity: entry.rule.spec.severity,
        from,
        to,
        value,
        ts_ms,
        active_since_ms: entry.machine.active_since_ms,
        message: render(&entry.rule, to, value, entry.series.as_deref()),
        webhook: entry.rule.spec.webhook.as_deref().map(Into::into),
    }
}

/// A rule's message for a transition to `state` at `value`.
pub fn render(rule: &Rule, state: AlertState, value: f64, series: Option<&str>) -> String {
    let mut out = String::new();
    for piece in &rule.template {
        match piece {
            Piece::Text(text) => out.push_str(text),
            Piece::Field(field, digits) => match field {
                Field::Value => out.push_str(&format_number(value, *digits)),
                Field::Threshold => out.push_str(&format_number(rule.threshold(value), *digits)),
                Field::Widget => out.push_str(&rule.spec.widget),
                Field::Series => out.push_str(series.unwrap_or("")),
                Field::Rule => out.push_str(&rule.spec.name),
                Field::Severity => out.push_str(rule.spec.severity.name()),
                Field::State => out.push_str(state.name()),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests;
