//! The layout tree of a page or the sidebar, laid out as the browser's stylesheet lays it out
//! (assets/style.css), so that both viewers put every widget in the same place: a page, a tab
//! or an expander is a responsive grid of cards (as many 360-point tracks as fit, a table, line
//! chart or heatmap spanning two, the cards of a row as tall as its tallest); columns and the
//! sidebar stack their cards full width; containers take the full width between runs of cards,
//! 16 points apart. A narrow window (800 points or less) puts columns under one another and
//! gives every card one track.

use std::collections::HashMap;

use egui::{
    Align, Color32, CornerRadius, Layout, Margin, RichText, Sense, Stroke, Ui, UiBuilder, Vec2,
};

use super::card::card;
use super::frame::Frame;
use crate::engine::{LayoutNode, WidgetKind, WidgetSpec};

/// The ids of the widgets under `node`, in order, into `ids`.
pub fn collect_widgets(node: &LayoutNode, ids: &mut Vec<String>) {
    match node {
        LayoutNode::Widget { id } => ids.push(id.clone()),
        LayoutNode::Columns { children, .. }
        | LayoutNode::Column { children, .. }
        | LayoutNode::Tabs { children, .. }
        | LayoutNode::Tab { children, .. }
        | LayoutNode::Expander { children, .. } => {
            for child in children {
                collect_widgets(child, ids);
            }
        }
    }
}

/// Window width at or below which the layout is narrow (the stylesheet's media query).
pub const NARROW_WIDTH: f32 = 800.0;
/// Space between cards and between containers.
pub const GAP: f32 = 16.0;
/// Smallest width of a track of the grid.
const TRACK_MIN_WIDTH: f32 = 360.0;
/// A tab bar's height and the space below it.
const TAB_BAR_HEIGHT: f32 = 35.0;
const TAB_GAP: f32 = 12.0;
/// An expander's title row.
const SUMMARY_HEIGHT: f32 = 39.0;

/// How a run of widgets is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// A responsive grid (a page, a tab, an expander).
    Grid,
    /// One card under another, full width (a column, the sidebar).
    Stack,
}

/// Draw a list of layout nodes: runs of widgets laid out by `flow`, containers full width
/// between them, [`GAP`] apart.
pub fn nodes(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    list: &[LayoutNode],
    flow: Flow,
) {
    ui.spacing_mut().item_spacing.y = 0.0;
    let mut first = true;
    let mut gap = |ui: &mut Ui| {
        if !std::mem::take(&mut first) {
            ui.add_space(GAP);
        }
    };
    let mut run: Vec<&WidgetSpec> = Vec::new();
    for node in list {
        match node {
            LayoutNode::Widget { id } => {
                if let Some(spec) = specs.get(id) {
                    run.push(spec);
                }
            }
            container => {
                if !run.is_empty() {
                    gap(ui);
                    widgets(ui, frame, &run, flow);
                    run.clear();
                }
                gap(ui);
                container_node(ui, frame, specs, container);
            }
        }
    }
    if !run.is_empty() {
        gap(ui);
        widgets(ui, frame, &run, flow);
    }
}

/// The sidebar's list: its cards stacked, on the page's background (as the browser's).
pub fn sidebar(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    list: &[LayoutNode],
) {
    with_card_fill(frame, frame.palette.background, |frame| {
        nodes(ui, frame, specs, list, Flow::Stack);
    });
}

/// Draw with cards on `fill`, then back to the fill before.
fn with_card_fill(frame: &mut Frame<'_>, fill: Color32, draw: impl FnOnce(&mut Frame<'_>)) {
    let before = std::mem::replace(&mut frame.card_fill, fill);
    draw(frame);
    frame.card_fill = before;
}

fn widgets(ui: &mut Ui, frame: &mut Frame<'_>, run: &[&WidgetSpec], flow: Flow) {
    match flow {
        Flow::Grid => grid(ui, frame, run),
        Flow::Stack => {
            for (index, spec) in run.iter().enumerate() {
                if index > 0 {
                    ui.add_space(GAP);
                }
                card(ui, frame, spec, false, 0.0);
            }
        }
    }
}

/// How many tracks a widget spans by default: tables, line charts and heatmaps two, others one
/// (one each in a narrow window).
fn default_span(kind: WidgetKind, narrow: bool) -> usize {
    match kind {
        WidgetKind::Table | WidgetKind::LineChart | WidgetKind::Heatmap if !narrow => 2,
        _ => 1,
    }
}

/// The grid's rows: which widgets, spanning how many of `tracks`, in order (a widget that does
/// not fit in what is left of a row starts the next).
fn rows<'a>(
    run: &[&'a WidgetSpec],
    tracks: usize,
    narrow: bool,
) -> Vec<Vec<(&'a WidgetSpec, usize)>> {
    let mut rows: Vec<Vec<(&WidgetSpec, usize)>> = vec![Vec::new()];
    let mut used = 0;
    for spec in run {
        let span = spec
            .placement
            .width
            .map_or_else(|| default_span(spec.kind, narrow), usize::from)
            .clamp(1, tracks);
        if used + span > tracks {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((spec, span));
        }
        used += span;
    }
    rows
}

/// Widgets in a grid of as many tracks of at least [`TRACK_MIN_WIDTH`] as fit. The cards of a
/// row are as tall as its tallest, measured in the frame before.
fn grid(ui: &mut Ui, frame: &mut Frame<'_>, run: &[&WidgetSpec]) {
    let available = ui.available_width();
    let tracks = (((available + GAP) / (TRACK_MIN_WIDTH + GAP)).floor() as usize).max(1);
    let track = (available - GAP * (tracks as f32 - 1.0)) / tracks as f32;
    for (index, row) in rows(run, tracks, frame.narrow).into_iter().enumerate() {
        if index > 0 {
            ui.add_space(GAP);
        }
        let Some((first, _)) = row.first() else {
            continue;
        };
        let key = ui.make_persistent_id(("sv-row", first.id.as_str(), row.len()));
        let stretch: f32 = ui.data(|d| d.get_temp(key)).unwrap_or(0.0);
        let mut tallest: f32 = 0.0;
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            for (spec, span) in row {
                let width = track * span as f32 + GAP * (span as f32 - 1.0);
                ui.allocate_ui_with_layout(
                    Vec2::new(width, 0.0),
                    Layout::top_down(Align::Min),
                    |ui| {
                        ui.set_width(width);
                        tallest = tallest.max(card(ui, frame, spec, false, stretch));
                    },
                );
            }
        });
        if (tallest - stretch).abs() > 0.5 {
            ui.data_mut(|d| d.insert_temp(key, tallest));
            ui.ctx().request_discard("a grid row's height changed");
        }
    }
}

fn container_node(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    node: &LayoutNode,
) {
    match node {
        LayoutNode::Widget { .. } => {}
        LayoutNode::Columns {
            weights, children, ..
        } => columns(ui, frame, specs, weights, children),
        LayoutNode::Column { children, .. } | LayoutNode::Tab { children, .. } => {
            nodes(ui, frame, specs, children, Flow::Stack);
        }
        LayoutNode::Tabs { id, children } => tabs(ui, frame, specs, id, children),
        LayoutNode::Expander {
            id,
            title,
            expanded,
            children,
        } => expander(ui, frame, specs, (id, title, *expanded), children),
    }
}

/// Columns side by side, as wide as their weights say (one under another in a narrow window),
/// each stacking its cards.
fn columns(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    weights: &[f64],
    children: &[LayoutNode],
) {
    fn column_nodes(child: &LayoutNode) -> &[LayoutNode] {
        match child {
            LayoutNode::Column { children, .. } => children,
            _ => &[],
        }
    }
    if frame.narrow {
        ui.vertical(|ui| {
            for (index, child) in children.iter().enumerate() {
                if index > 0 {
                    ui.add_space(GAP);
                }
                nodes(ui, frame, specs, column_nodes(child), Flow::Stack);
            }
        });
        return;
    }
    let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let available = ui.available_width() - GAP * (children.len() as f32 - 1.0).max(0.0);
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing.x = GAP;
        for (weight, child) in weights.iter().zip(children) {
            let width = available * (*weight / total) as f32;
            ui.allocate_ui_with_layout(Vec2::new(width, 0.0), Layout::top_down(Align::Min), |ui| {
                ui.set_width(width);
                nodes(ui, frame, specs, column_nodes(child), Flow::Stack);
            });
        }
    });
}

/// A tab bar (the open tab's name in the primary colour, underlined) over the open tab.
fn tabs(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    id: &str,
    children: &[LayoutNode],
) {
    let palette = frame.palette;
    let key = ui.make_persistent_id(("sv-tabs", id));
    let mut selected: usize = ui.data(|d| d.get_temp(key)).unwrap_or(0);
    selected = selected.min(children.len().saturating_sub(1));
    let (bar, _) = ui.allocate_exact_size(
        Vec2::new(ui.available_width(), TAB_BAR_HEIGHT),
        Sense::hover(),
    );
    ui.painter().hline(
        bar.x_range(),
        bar.bottom() - 0.5,
        Stroke::new(1.0, palette.border),
    );
    let mut bar_ui = ui.new_child(
        UiBuilder::new()
            .max_rect(bar)
            .layout(Layout::left_to_right(Align::Center)),
    );
    bar_ui.spacing_mut().item_spacing.x = 4.0;
    for (index, child) in children.iter().enumerate() {
        let LayoutNode::Tab { name, .. } = child else {
            continue;
        };
        let open = selected == index;
        let text = RichText::new(name).strong().size(14.0);
        let galley = egui::WidgetText::from(text.clone()).into_galley(
            &bar_ui,
            Some(egui::TextWrapMode::Extend),
            f32::INFINITY,
            egui::TextStyle::Button,
        );
        let (rect, response) = bar_ui.allocate_exact_size(
            Vec2::new(galley.size().x + 28.0, TAB_BAR_HEIGHT),
            Sense::click(),
        );
        let response = response.on_hover_cursor(egui::CursorIcon::PointingHand);
        let color = if open {
            palette.primary
        } else if response.hovered() {
            palette.text
        } else {
            palette.text_muted
        };
        let painter = bar_ui.painter();
        painter.galley(rect.center() - galley.size() / 2.0, galley, color);
        if open {
            painter.hline(rect.x_range(), rect.bottom() - 1.0, Stroke::new(2.0, color));
        }
        // Named as the label it shows, for screen readers and tests.
        response.widget_info(|| egui::WidgetInfo::selected(egui::Role::Button, true, open, name));
        if response.clicked() {
            selected = index;
        }
    }
    ui.data_mut(|d| d.insert_temp(key, selected));
    ui.add_space(TAB_GAP);
    if let Some(LayoutNode::Tab { children, .. }) = children.get(selected) {
        nodes(ui, frame, specs, children, Flow::Grid);
    }
}

/// A bordered box with a title row that opens and closes it.
fn expander(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    (id, title, expanded): (&str, &str, bool),
    children: &[LayoutNode],
) {
    let palette = frame.palette;
    let key = ui.make_persistent_id(("sv-expander", id));
    let mut open: bool = ui.data(|d| d.get_temp(key)).unwrap_or(expanded);
    egui::Frame::new()
        .fill(palette.surface)
        .stroke(Stroke::new(1.0, palette.border))
        .corner_radius(CornerRadius::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.spacing_mut().item_spacing.y = 0.0;
            let (row, response) = ui.allocate_exact_size(
                Vec2::new(ui.available_width(), SUMMARY_HEIGHT),
                Sense::click(),
            );
            let response = response.on_hover_cursor(egui::CursorIcon::PointingHand);
            let text = format!("{} {title}", if open { "⏷" } else { "⏵" });
            let galley = egui::WidgetText::from(RichText::new(&text).strong()).into_galley(
                ui,
                Some(egui::TextWrapMode::Truncate),
                row.width() - 32.0,
                egui::TextStyle::Body,
            );
            ui.painter().galley(
                egui::pos2(row.left() + 16.0, row.center().y - galley.size().y / 2.0),
                galley,
                palette.text,
            );
            response.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::DisclosureTriangle, true, title)
            });
            if response.clicked() {
                open = !open;
            }
            if open {
                egui::Frame::new()
                    .inner_margin(Margin {
                        left: 16,
                        right: 16,
                        top: 0,
                        bottom: 16,
                    })
                    .fill(Color32::TRANSPARENT)
                    .show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        with_card_fill(frame, palette.surface, |frame| {
                            nodes(ui, frame, specs, children, Flow::Grid);
                        });
                    });
            }
        });
    ui.data_mut(|d| d.insert_temp(key, open));
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(id: &str, kind: &str, options: serde_json::Value) -> WidgetSpec {
        WidgetSpec::parse(id, kind, options).unwrap_or_else(|e| panic!("{e}"))
    }

    fn spans(rows: &[Vec<(&WidgetSpec, usize)>]) -> Vec<Vec<(String, usize)>> {
        rows.iter()
            .map(|r| r.iter().map(|(s, n)| (s.id.clone(), *n)).collect())
            .collect()
    }

    #[test]
    fn tables_line_charts_and_heatmaps_span_two_tracks_unless_narrow_or_told() {
        let (a, b, c, d) = (
            spec("a", "metric", json!({})),
            spec("b", "table", json!({})),
            spec("c", "stat", json!({})),
            spec("d", "line_chart", json!({"width": 1})),
        );
        let run = [&a, &b, &c, &d];
        assert_eq!(
            spans(&rows(&run, 2, false)),
            vec![
                vec![("a".to_owned(), 1)],
                vec![("b".to_owned(), 2)],
                vec![("c".to_owned(), 1), ("d".to_owned(), 1)]
            ]
        );
        assert_eq!(
            spans(&rows(&run, 3, true)),
            vec![
                vec![
                    ("a".to_owned(), 1),
                    ("b".to_owned(), 1),
                    ("c".to_owned(), 1)
                ],
                vec![("d".to_owned(), 1)]
            ]
        );
        // A span wider than the grid is clamped to it.
        assert_eq!(
            spans(&rows(&[&b], 1, false)),
            vec![vec![("b".to_owned(), 1)]]
        );
    }
}
