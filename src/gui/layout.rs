//! The layout tree of a page or the sidebar: runs of widgets in a responsive grid of cards,
//! containers (columns, tabs, expanders) at full width between them.

use std::collections::HashMap;

use egui::{Align, Layout, RichText, Ui, Vec2};

use super::card::card;
use super::frame::Frame;
use crate::engine::{LayoutNode, WidgetSpec};

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

/// Minimum width of a card in the automatic grid.
const CARD_MIN_WIDTH: f32 = 340.0;
/// Space between cards.
const GAP: f32 = 12.0;

/// Draw a list of layout nodes: runs of widgets go into a responsive grid, containers take the
/// full width between them.
pub fn nodes(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    list: &[LayoutNode],
) {
    let mut run: Vec<&WidgetSpec> = Vec::new();
    for node in list {
        match node {
            LayoutNode::Widget { id } => {
                if let Some(spec) = specs.get(id) {
                    run.push(spec);
                }
            }
            container => {
                grid(ui, frame, &run);
                run.clear();
                container_node(ui, frame, specs, container);
                ui.add_space(GAP);
            }
        }
    }
    grid(ui, frame, &run);
}

/// Widgets in rows: as many columns as fit (at least [`CARD_MIN_WIDTH`] each, at most 4), a
/// widget's `width` spanning that many of them.
fn grid(ui: &mut Ui, frame: &mut Frame<'_>, run: &[&WidgetSpec]) {
    if run.is_empty() {
        return;
    }
    let available = ui.available_width();
    let per_row = (((available + GAP) / (CARD_MIN_WIDTH + GAP)).floor() as usize).clamp(1, 4);
    let cell = (available - GAP * (per_row as f32 - 1.0)) / per_row as f32;
    let mut rows: Vec<Vec<(&WidgetSpec, usize)>> = vec![Vec::new()];
    let mut used = 0;
    for spec in run {
        let span = usize::from(spec.placement.width.unwrap_or(1)).clamp(1, per_row);
        if used + span > per_row {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((spec, span));
        }
        used += span;
    }
    for row in rows {
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            for (spec, span) in row {
                let width = cell * span as f32 + GAP * (span as f32 - 1.0);
                ui.allocate_ui_with_layout(
                    Vec2::new(width, 0.0),
                    Layout::top_down(Align::Min),
                    |ui| {
                        ui.set_width(width);
                        card(ui, frame, spec, false);
                    },
                );
            }
        });
        ui.add_space(GAP);
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
        } => {
            let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let available = ui.available_width() - GAP * (children.len() as f32 - 1.0).max(0.0);
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = GAP;
                for (weight, child) in weights.iter().zip(children) {
                    let width = (available * (*weight / total) as f32).max(40.0);
                    ui.allocate_ui_with_layout(
                        Vec2::new(width, 0.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.set_width(width);
                            if let LayoutNode::Column { children, .. } = child {
                                nodes(ui, frame, specs, children);
                            }
                        },
                    );
                }
            });
        }
        LayoutNode::Column { children, .. } => nodes(ui, frame, specs, children),
        LayoutNode::Tabs { id, children } => {
            let key = ui.make_persistent_id(("sv-tabs", id.as_str()));
            let mut selected: usize = ui.data(|d| d.get_temp(key)).unwrap_or(0);
            selected = selected.min(children.len().saturating_sub(1));
            ui.horizontal(|ui| {
                for (index, child) in children.iter().enumerate() {
                    if let LayoutNode::Tab { name, .. } = child {
                        let text = RichText::new(name).strong();
                        if ui.selectable_label(selected == index, text).clicked() {
                            selected = index;
                        }
                    }
                }
            });
            ui.data_mut(|d| d.insert_temp(key, selected));
            ui.separator();
            if let Some(LayoutNode::Tab { children, .. }) = children.get(selected) {
                nodes(ui, frame, specs, children);
            }
        }
        LayoutNode::Tab { children, .. } => nodes(ui, frame, specs, children),
        LayoutNode::Expander {
            id,
            title,
            expanded,
            children,
        } => {
            egui::CollapsingHeader::new(RichText::new(title).strong())
                .id_salt(("sv-expander", id.as_str()))
                .default_open(*expanded)
                .show(ui, |ui| nodes(ui, frame, specs, children));
        }
    }
}
