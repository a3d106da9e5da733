//! Tables: egui_extras rows with sortable headers, a filter, and cells drawn by column type
//! (numbers formatted, datetimes, booleans, coloured badges).

use egui::{Align, Layout, RichText, Stroke, Ui};

use crate::engine::{ColumnType, WidgetOptions, WidgetSpec};
use crate::gui::frame::{Frame, TableView};
use crate::gui::model::TableModel;
use crate::gui::style::{
    cell_text, format_datetime, format_number, parse_color, shown_text, Palette,
};

/// A table: rows newest first (or sorted by a clicked column), filtered by a text, cells drawn
/// by their column's type.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, table: &TableModel, height: f32) {
    let WidgetOptions::Table(o) = &spec.options else {
        return;
    };
    let palette = frame.palette;
    let view = frame
        .tables
        .entry(spec.id.clone())
        .or_insert_with(|| TableView {
            sort: o
                .initial_sort()
                .map(|(name, descending)| (name.to_owned(), !descending)),
            filter: String::new(),
        });
    struct Col<'a> {
        name: &'a str,
        label: &'a str,
        kind: ColumnType,
        format: Option<&'a str>,
        colors: Option<&'a serde_json::Map<String, serde_json::Value>>,
        width: Option<u32>,
    }
    let columns: Vec<Col<'_>> = if o.columns.is_empty() {
        table
            .fields
            .iter()
            .map(|f| Col {
                name: f,
                label: f,
                kind: ColumnType::Text,
                format: None,
                colors: None,
                width: None,
            })
            .collect()
    } else {
        o.columns
            .iter()
            .map(|c| Col {
                name: &c.name,
                label: c.label.as_deref().unwrap_or(&c.name),
                kind: c.column_type,
                format: c.format.as_deref(),
                colors: Some(&c.colors),
                width: c.width,
            })
            .collect()
    };
    if o.filterable {
        // The browser's filter box: 29 points and 6 below.
        ui.allocate_ui_with_layout(
            egui::Vec2::new(ui.available_width(), 29.0),
            Layout::left_to_right(Align::Center),
            |ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut view.filter)
                        .hint_text("Filter")
                        .desired_width(180.0)
                        .id_salt(("sv-filter", spec.id.as_str())),
                );
                ui.label(
                    RichText::new(format!("{} rows", table.rows.len())).color(palette.text_muted),
                );
            },
        );
        ui.add_space(6.0);
    }
    let needle = view.filter.to_lowercase();
    let mut rows: Vec<&(String, crate::engine::Row)> = table
        .rows
        .iter()
        .filter(|(_, row)| {
            needle.is_empty()
                || row
                    .values()
                    .any(|v| cell_text(v).to_lowercase().contains(&needle))
        })
        .collect();
    match &view.sort {
        None => rows.reverse(),
        Some((column, ascending)) => {
            rows.sort_by(|a, b| {
                let (x, y) = (a.1.get(column), b.1.get(column));
                let order = match (
                    x.and_then(serde_json::Value::as_f64),
                    y.and_then(serde_json::Value::as_f64),
                ) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    _ => cell_text(x.unwrap_or(&serde_json::Value::Null))
                        .cmp(&cell_text(y.unwrap_or(&serde_json::Value::Null))),
                };
                if *ascending {
                    order
                } else {
                    order.reverse()
                }
            });
        }
    }
    // The browser's row heights, so that both show as many rows in the same height.
    let (header_height, row_height) = (29.0, 24.5);
    let mut builder = egui_extras::TableBuilder::new(ui)
        .id_salt(("sv-table", spec.id.as_str()))
        .striped(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .max_scroll_height(height - header_height)
        .min_scrolled_height(height - header_height)
        .auto_shrink([false, true]);
    for (i, col) in columns.iter().enumerate() {
        let last = i + 1 == columns.len();
        builder = builder.column(match col.width {
            Some(w) => egui_extras::Column::exact(w as f32),
            None if last => egui_extras::Column::remainder().at_least(60.0),
            None => egui_extras::Column::auto().at_least(60.0).resizable(true),
        });
    }
    if columns.is_empty() {
        ui.label(RichText::new("No rows yet").color(palette.text_muted));
        return;
    }
    builder
        .header(header_height, |mut header| {
            for col in &columns {
                header.col(|ui| {
                    let arrow = match &view.sort {
                        Some((c, true)) if c == col.name => " ⏶",
                        Some((c, false)) if c == col.name => " ⏷",
                        _ => "",
                    };
                    let text = RichText::new(format!("{}{arrow}", col.label)).strong();
                    if o.sortable {
                        if ui.add(egui::Button::new(text).frame(false)).clicked() {
                            view.sort = match &view.sort {
                                Some((c, true)) if c == col.name => {
                                    Some((col.name.to_owned(), false))
                                }
                                Some((c, false)) if c == col.name => None,
                                _ => Some((col.name.to_owned(), true)),
                            };
                        }
                    } else {
                        ui.label(text);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut row| {
                let Some((_, fields)) = rows.get(row.index()) else {
                    return;
                };
                for col in &columns {
                    row.col(|ui| {
                        let value = fields.get(col.name).unwrap_or(&serde_json::Value::Null);
                        cell(ui, palette, col.kind, col.format, col.colors, value);
                    });
                }
            });
        });
}

fn cell(
    ui: &mut Ui,
    palette: &Palette,
    kind: ColumnType,
    format: Option<&str>,
    colors: Option<&serde_json::Map<String, serde_json::Value>>,
    value: &serde_json::Value,
) {
    match kind {
        ColumnType::Number => {
            let text = value
                .as_f64()
                .map_or_else(|| cell_text(value), |v| format_number(v, format));
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.monospace(text)
            });
        }
        ColumnType::Datetime => {
            ui.label(format_datetime(value));
        }
        ColumnType::Bool => {
            let text = match value.as_bool() {
                Some(true) => "✔",
                Some(false) => "✖",
                None => "",
            };
            ui.label(text);
        }
        ColumnType::Badge => {
            let text = cell_text(value);
            let color = colors
                .and_then(|c| c.get(&text))
                .and_then(serde_json::Value::as_str)
                .and_then(parse_color)
                .unwrap_or(palette.primary);
            egui::Frame::new()
                .fill(color.gamma_multiply(0.25))
                .stroke(Stroke::new(1.0, color))
                .corner_radius(8)
                .inner_margin(egui::Margin::symmetric(6, 1))
                .show(ui, |ui| {
                    ui.label(RichText::new(text).color(palette.text).small())
                });
        }
        ColumnType::Text if value.is_number() => {
            ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                ui.monospace(shown_text(value))
            });
        }
        ColumnType::Text => {
            ui.label(cell_text(value));
        }
    }
}
