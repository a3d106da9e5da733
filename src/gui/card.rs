//! A widget in its card: surface and border (in its firing alert's colour), a header (title, a
//! windowed metric's caption, its firing alert's badge, a badge of what it lost, its headline
//! value, tools to export or maximise), then the kind's renderer from [`super::widgets`].

use egui::{Align, CornerRadius, Layout, Margin, RichText, Sense, Stroke, Ui, UiBuilder, Vec2};

use super::alerts;
use super::frame::{Action, Frame};
use super::model::Body;
use super::style::{format_number, Palette};
use super::widgets;
use crate::engine::{Losses, WidgetKind, WidgetOptions, WidgetSpec};

/// Default body height of each kind, in points (the browser's chart, stat and table heights);
/// a table's is its most, texts take what their content needs.
fn default_height(kind: WidgetKind) -> f32 {
    match kind {
        WidgetKind::Metric | WidgetKind::LineChart | WidgetKind::BarChart => 220.0,
        WidgetKind::Heatmap => 260.0,
        WidgetKind::Table => 340.0,
        WidgetKind::Gauge => 200.0,
        WidgetKind::Stat => 120.0,
        WidgetKind::Text | WidgetKind::Markdown => 0.0,
    }
}

/// A card's border and padding, top and bottom together.
const CARD_CHROME: f32 = 30.0;
/// The header's height, with and without a headline value, and the space under it.
const HEAD_HEIGHT: f32 = 18.0;
const HEAD_VALUE_HEIGHT: f32 = 25.0;
const HEAD_GAP: f32 = 6.0;
/// The least height of a card of any kind but text and markdown.
const CARD_MIN_HEIGHT: f32 = 120.0;

/// A widget in its card, at least `stretch` tall (a grid row's height); `maximised` fills the
/// space given. Returns the card's own height (before stretching).
pub fn card(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    spec: &WidgetSpec,
    maximised: bool,
    stretch: f32,
) -> f32 {
    let (palette, bodies) = (frame.palette, frame.bodies);
    let texts = matches!(spec.kind, WidgetKind::Text | WidgetKind::Markdown);
    let mut natural = 0.0;
    // A firing widget's border in its most severe rule's colour (as the browser's).
    let border = frame
        .alerts
        .get(&spec.id)
        .map_or(Stroke::new(1.0, palette.border), |alert| {
            Stroke::new(2.0, alerts::severity_color(palette, alert.severity))
        });
    let response = card_frame(palette)
        .fill(frame.card_fill)
        .stroke(border)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            let top = ui.min_rect().top();
            let headline = headline(frame, spec);
            let head = if headline.is_some() {
                HEAD_VALUE_HEIGHT
            } else {
                HEAD_HEIGHT
            };
            let (head_rect, _) =
                ui.allocate_exact_size(Vec2::new(ui.available_width(), head), Sense::hover());
            let mut head_ui = ui.new_child(
                UiBuilder::new()
                    .max_rect(head_rect)
                    .layout(Layout::left_to_right(Align::Center)),
            );
            header(&mut head_ui, frame, spec, maximised, headline);
            ui.add_space(HEAD_GAP - ui.spacing().item_spacing.y);
            let height = if maximised {
                (ui.available_height() - 4.0).max(120.0)
            } else {
                spec.placement
                    .height
                    .map_or_else(|| default_height(spec.kind), |h| h as f32)
            };
            let body = ui
                .vertical(|ui| match bodies.get(&spec.id) {
                    Some(Body::Plot(model)) => widgets::plot::ui(ui, frame, spec, model, height),
                    Some(Body::Stat(model)) => widgets::stat::ui(ui, frame, spec, model, height),
                    Some(Body::Gauge(value)) => widgets::gauge::ui(ui, frame, spec, value, height),
                    Some(Body::Bars(bars)) => widgets::bar_chart::ui(ui, frame, spec, bars, height),
                    Some(Body::Table(table)) => widgets::table::ui(ui, frame, spec, table, height),
                    Some(Body::Text(text)) if spec.kind == WidgetKind::Markdown => {
                        widgets::markdown::ui(ui, frame, spec, text, height);
                    }
                    Some(Body::Text(text)) => widgets::text::ui(ui, frame, spec, text, height),
                    Some(Body::Matrix(matrix)) => {
                        widgets::heatmap::ui(ui, frame, spec, matrix, height);
                    }
                    None => {}
                })
                .response
                .rect;
            // Every body but a table's and a text's takes its whole height, whatever it drew.
            let fill_to = if texts || spec.kind == WidgetKind::Table {
                0.0
            } else {
                height
            };
            ui.expand_to_include_y(body.top() + fill_to);
            let least = if texts { 0.0 } else { CARD_MIN_HEIGHT };
            natural = (ui.min_rect().bottom() - top + CARD_CHROME).max(least);
            ui.expand_to_include_y(top + natural.max(stretch) - CARD_CHROME);
        });
    frame.rects.insert(spec.id.clone(), response.response.rect);
    natural
}

/// The value a metric or a gauge shows in its header: the newest, with its unit.
fn headline(frame: &Frame<'_>, spec: &WidgetSpec) -> Option<String> {
    let value = match (frame.bodies.get(&spec.id), spec.kind) {
        (Some(Body::Plot(model)), WidgetKind::Metric) => model.last,
        (Some(Body::Gauge(value)), WidgetKind::Gauge) => *value,
        _ => None,
    }?;
    Some(format!(
        "{}{}",
        format_number(value, None),
        widgets::unit(spec)
    ))
}

fn header(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    spec: &WidgetSpec,
    maximised: bool,
    headline: Option<String>,
) {
    let palette = frame.palette;
    let title = widgets::title(spec);
    let caption = match &spec.options {
        WidgetOptions::Metric(o) => o.window_caption(),
        _ => None,
    };
    if !title.is_empty() {
        ui.label(RichText::new(title).strong().color(palette.text_muted));
    }
    if let Some(caption) = caption {
        ui.label(RichText::new(caption).small().color(palette.text_muted));
    }
    if let Some(alert) = frame.alerts.get(&spec.id) {
        alerts::badge(ui, palette, alert);
    }
    if let Some(losses) = frame.losses.get(&spec.id) {
        losses_badge(ui, palette, *losses);
    }
    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let tools = ui.menu_button(RichText::new("💾").color(palette.text_muted), |ui| {
            for format in ["csv", "json"] {
                if ui
                    .button(format!("Export {}", format.to_uppercase()))
                    .clicked()
                {
                    frame.actions.push(Action::Export(spec.id.clone(), format));
                    ui.close();
                }
            }
            if ui.button("Save PNG").clicked() {
                frame.actions.push(Action::Screenshot(spec.id.clone()));
                ui.close();
            }
        });
        tools.response.on_hover_text("Export");
        let (icon, hint, target) = if maximised {
            ("🗗", "Restore (Esc)", None)
        } else {
            ("⛶", "Maximise", Some(spec.id.clone()))
        };
        if ui
            .add(egui::Button::new(RichText::new(icon).color(palette.text_muted)).frame(false))
            .on_hover_text(hint)
            .clicked()
        {
            frame.actions.push(Action::Maximise(target));
        }
        if frame.plots.get(&spec.id).is_some_and(|v| !v.follow)
            && ui
                .add(egui::Button::new(RichText::new("⟲ Live").color(palette.primary)).frame(false))
                .on_hover_text("Back to the dashboard's time range (or double-click the plot)")
                .clicked()
        {
            if let Some(view) = frame.plots.get_mut(&spec.id) {
                view.follow = true;
            }
        }
        if let Some(headline) = headline {
            ui.label(
                RichText::new(headline)
                    .strong()
                    .size(16.0)
                    .color(palette.text),
            );
        }
    });
}

/// "⚠ 1.2k dropped · 3 late" in the warning colour, with the exact counts and what they mean
/// on hover.
fn losses_badge(ui: &mut Ui, palette: &Palette, losses: Losses) {
    let mut parts = Vec::new();
    let mut detail = Vec::new();
    if losses.dropped > 0 {
        parts.push(format!("{} dropped", compact_count(losses.dropped)));
        detail.push(format!(
            "{} updates dropped: the producer's queue was full",
            format_number(losses.dropped as f64, Some(",.0f"))
        ));
    }
    if losses.late > 0 {
        parts.push(format!("{} late", compact_count(losses.late)));
        detail.push(format!(
            "{} points came after their window had closed and were left out",
            format_number(losses.late as f64, Some(",.0f"))
        ));
    }
    ui.label(
        RichText::new(format!("⚠ {}", parts.join(" · ")))
            .small()
            .color(palette.warning),
    )
    .on_hover_text(detail.join("\n"));
}

/// 999, 1.2k, 45k, 3.4M.
fn compact_count(count: u64) -> String {
    match count {
        0..=999 => count.to_string(),
        1_000..=99_999 => format!("{:.1}k", count as f64 / 1e3).replace(".0k", "k"),
        100_000..=999_999 => format!("{}k", count / 1000),
        _ => format!("{:.1}M", count as f64 / 1e6).replace(".0M", "M"),
    }
}

/// Paint a card: surface, border, rounded corners.
pub fn card_frame(palette: &Palette) -> egui::Frame {
    egui::Frame::new()
        .fill(palette.surface)
        .stroke(Stroke::new(1.0, palette.border))
        .corner_radius(CornerRadius::same(10))
        .inner_margin(Margin::symmetric(16, 14))
}
