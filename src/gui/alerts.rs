//! Alerts in the native viewer, as the browser shows them (assets/alerts.js, alertpanel.js): a
//! firing widget's card has its border and a badge in its most severe rule's colour (the
//! message on hover), the header counts the firing rules and opens the alerts panel: every
//! rule's state and the recent transitions with their times. A replay shows them as the
//! recording's stored transitions left them at the scrubbed time. Rows leave room for
//! acknowledging (silencing) later.

use std::collections::HashMap;

use egui::{Color32, RichText, Stroke, Ui};

use super::style::{format_number, format_time, Palette};
use crate::engine::{AlertState, AlertStatus, AlertsView, Engine, Severity};

/// Transitions the panel lists (the browser's `RECENT`).
pub const RECENT: usize = 50;

/// What a widget's card shows: its most severe active rule, and how many are active.
#[derive(Debug, Clone, PartialEq)]
pub struct CardAlert {
    /// The most severe active rule's severity.
    pub severity: Severity,
    /// Its state (firing, recovering or no data).
    pub state: AlertState,
    /// Its rule's name.
    pub rule: String,
    /// Its last message.
    pub message: String,
    /// Active rules on the widget.
    pub count: usize,
}

impl CardAlert {
    /// The badge's text: "⏺ FIRING", "⚠ NO DATA ×2", "⟲ RECOVERING" (the browser's marks are
    /// not in egui's fonts).
    pub fn badge_text(&self) -> String {
        let mark = match self.state {
            AlertState::Firing => "⏺",
            AlertState::Recovering => "⟲",
            _ => "⚠",
        };
        let count = if self.count > 1 {
            format!(" ×{}", self.count)
        } else {
            String::new()
        };
        format!("{mark} {}{count}", state_label(self.state).to_uppercase())
    }
}

/// The alerts the viewer shows: the engine's (a mirror's are its producer's) or, in a replay,
/// those stored as of its time; redrawn only when they change.
#[derive(Debug, Default)]
pub struct AlertsShown {
    /// The engine's alerts revision and the replay time of what is shown.
    key: Option<(u64, Option<u64>)>,
    view: AlertsView,
    cards: HashMap<String, CardAlert>,
    /// Rules active now, and the most severe one's severity (for the header, every frame).
    firing: usize,
    worst: Option<Severity>,
    /// The panel is open.
    pub open: bool,
}

impl AlertsShown {
    /// Take the engine's alerts, or with `stored` (a replay's time and the alerts stored as of
    /// then) those, for the engine's rules; nothing is copied when neither changed.
    pub fn refresh(&mut self, engine: &Engine, stored: Option<(f64, &AlertsView)>) {
        let key = (
            engine.alerts().revision(),
            stored.map(|(at, _)| at.to_bits()),
        );
        if self.key == Some(key) {
            return;
        }
        self.key = Some(key);
        let live = engine.alerts().view();
        self.view = match stored {
            Some((_, stored)) => live.as_stored(stored.clone()),
            None => live,
        };
        self.cards = cards(&self.view.states);
        self.firing = self.view.active();
        self.worst = self
            .cards
            .values()
            .map(|card| card.severity)
            .max_by_key(|s| rank(*s));
    }

    /// Every rule's state and the recent transitions, as shown.
    pub fn view(&self) -> &AlertsView {
        &self.view
    }

    /// What a widget's card shows, when a rule on it is active.
    pub fn card(&self, id: &str) -> Option<&CardAlert> {
        self.cards.get(id)
    }

    /// Every widget with an active rule.
    pub fn cards(&self) -> &HashMap<String, CardAlert> {
        &self.cards
    }
}

/// Each widget's most severe active rule.
fn cards(states: &[AlertStatus]) -> HashMap<String, CardAlert> {
    let mut cards: HashMap<String, CardAlert> = HashMap::new();
    for status in states.iter().filter(|s| s.state.is_active()) {
        let alert = CardAlert {
            severity: status.severity,
            state: status.state,
            rule: status.rule.to_string(),
            message: status.message.clone(),
            count: 1,
        };
        cards
            .entry(status.widget.to_string())
            .and_modify(|shown| {
                let count = shown.count + 1;
                if rank(alert.severity) > rank(shown.severity) {
                    *shown = alert.clone();
                }
                shown.count = count;
            })
            .or_insert(alert);
    }
    cards
}

fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 3,
        Severity::Warning => 2,
        Severity::Info => 1,
    }
}

/// A state's name for people: "no data".
pub fn state_label(state: AlertState) -> &'static str {
    match state {
        AlertState::NoData => "no data",
        other => other.name(),
    }
}

/// A severity's colour: critical in the theme's error colour, warning in its warning colour,
/// info in its primary colour (as the browser's CSS).
pub fn severity_color(palette: &Palette, severity: Severity) -> Color32 {
    match severity {
        Severity::Critical => palette.error,
        Severity::Warning => palette.warning,
        Severity::Info => palette.primary,
    }
}

/// Text on a severity's colour.
fn on_severity(severity: Severity) -> Color32 {
    match severity {
        Severity::Critical => Color32::WHITE,
        Severity::Warning | Severity::Info => Color32::from_rgb(0x11, 0x11, 0x11),
    }
}

/// A card's badge: the state in the severity's colour, the message on hover.
pub fn badge(ui: &mut Ui, palette: &Palette, alert: &CardAlert) {
    let color = severity_color(palette, alert.severity);
    let text = RichText::new(alert.badge_text())
        .small()
        .strong()
        .color(on_severity(alert.severity));
    let hover = if alert.message.is_empty() {
        alert.rule.clone()
    } else {
        alert.message.clone()
    };
    ui.add(
        egui::Button::new(text)
            .fill(color)
            .stroke(Stroke::NONE)
            .corner_radius(9.0)
            .sense(egui::Sense::hover()),
    )
    .on_hover_text(hover);
}

/// The header's indicator (when there are rules): how many fire, in the most severe one's
/// colour; a click opens or closes the panel.
pub fn indicator(ui: &mut Ui, palette: &Palette, shown: &mut AlertsShown) {
    if shown.view.states.is_empty() {
        return;
    }
    let firing = shown.firing;
    let button = match shown.worst {
        Some(severity) => egui::Button::new(
            RichText::new(format!("⏺ {firing} firing"))
                .strong()
                .color(on_severity(severity)),
        )
        .fill(severity_color(palette, severity)),
        None => egui::Button::new("Alerts: none firing"),
    };
    let hint = match firing {
        0 => "No alert firing".to_owned(),
        1 => "1 alert firing".to_owned(),
        n => format!("{n} alerts firing"),
    };
    if ui
        .add(button.selected(shown.open))
        .on_hover_text(hint)
        .clicked()
    {
        shown.open = !shown.open;
    }
}

/// The height the panel's lines take, with its margins.
pub fn panel_height(ui: &Ui, shown: &AlertsShown) -> f32 {
    let line = ui.text_style_height(&egui::TextStyle::Body) + ui.spacing().item_spacing.y;
    let transitions = shown.view.transitions.len().clamp(1, RECENT);
    // Title, column names, the rules, the transitions' heading and the transitions.
    let lines = 3 + shown.view.states.len() + transitions;
    lines as f32 * (line + 2.0) + 48.0
}

/// The alerts panel: every rule's state, then the recent transitions, newest first.
pub fn panel(ui: &mut Ui, palette: &Palette, shown: &AlertsShown) {
    ui.label(RichText::new("Alerts").strong().size(15.0));
    ui.add_space(4.0);
    egui::Grid::new("sv-alerts-rules")
        .striped(true)
        .spacing([16.0, 4.0])
        .show(ui, |ui| {
            for name in [
                "Rule", "Widget", "Severity", "State", "Since", "Value", "Message",
            ] {
                ui.label(RichText::new(name).strong().color(palette.text_muted));
            }
            ui.end_row();
            for status in &shown.view.states {
                ui.label(&*status.rule);
                ui.label(match &status.series {
                    Some(series) => format!("{}.{series}", status.widget),
                    None => status.widget.to_string(),
                });
                ui.label(status.severity.name());
                let state = RichText::new(state_label(status.state));
                ui.label(if status.state.is_active() {
                    state
                        .strong()
                        .color(severity_color(palette, status.severity))
                } else {
                    state
                });
                ui.label(time(status.since_ms));
                ui.label(format_number(status.value, None));
                ui.label(&status.message);
                ui.end_row();
            }
        });
    ui.add_space(8.0);
    ui.label(
        RichText::new("Recent transitions")
            .strong()
            .color(palette.text_muted),
    );
    let transitions = &shown.view.transitions;
    if transitions.is_empty() {
        ui.label(RichText::new("None yet").color(palette.text_muted));
    }
    for t in transitions.iter().rev().take(RECENT) {
        let line = format!(
            "{} — {}: {} -> {} ({})",
            time(t.ts_ms),
            t.rule,
            state_label(t.from),
            state_label(t.to),
            format_number(t.value, None)
        );
        let color = if t.to.is_active() {
            severity_color(palette, t.severity)
        } else {
            palette.text_muted
        };
        ui.label(RichText::new(line).color(color));
    }
}

fn time(ts_ms: f64) -> String {
    if ts_ms.is_finite() {
        format_time(ts_ms)
    } else {
        "–".to_owned()
    }
}
