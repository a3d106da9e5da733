//! Heatmaps: a matrix painted cell by cell with egui's painter, labels from the options.

use egui::{Align2, FontId, Pos2, Rect, Sense, Ui, Vec2};

use crate::engine::{WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;
use crate::gui::style::{blend, format_number};

/// A heatmap: cells coloured from low to high, labelled rows and columns, values on small ones.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, matrix: &[Vec<f64>], height: f32) {
    let palette = frame.palette;
    let WidgetOptions::Heatmap(o) = &spec.options else {
        return;
    };
    let rows = matrix.len();
    let cols = matrix.iter().map(Vec::len).max().unwrap_or(0);
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(ui.available_width(), height), Sense::hover());
    if rows == 0 || cols == 0 {
        ui.painter().text(
            rect.center(),
            Align2::CENTER_CENTER,
            "No data yet",
            FontId::proportional(13.0),
            palette.text_muted,
        );
        return;
    }
    let values = matrix.iter().flatten().copied().filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = (o.min.unwrap_or(lo), o.max.unwrap_or(hi));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let label_font = FontId::proportional(11.0);
    let y_label = |r: usize| o.y_labels.get(r).cloned().unwrap_or_else(|| r.to_string());
    let x_label = |c: usize| o.x_labels.get(c).cloned().unwrap_or_else(|| c.to_string());
    let left = (0..rows).map(|r| y_label(r).len()).max().unwrap_or(1) as f32 * 6.5 + 8.0;
    let grid = Rect::from_min_max(
        Pos2::new(rect.left() + left, rect.top()),
        Pos2::new(rect.right(), rect.bottom() - 18.0),
    );
    let cell = Vec2::new(grid.width() / cols as f32, grid.height() / rows as f32);
    let painter = ui.painter_at(rect);
    let low = blend(palette.surface, palette.primary, 0.08);
    let show_values = rows * cols <= 100 && cell.x > 28.0 && cell.y > 14.0;
    for (r, row) in matrix.iter().enumerate() {
        for c in 0..cols {
            let min = grid.min + Vec2::new(c as f32 * cell.x, r as f32 * cell.y);
            let cell_rect = Rect::from_min_size(min, cell).shrink(1.0);
            let value = row.get(c).copied().unwrap_or(f64::NAN);
            let fill = if value.is_finite() {
                let t = ((value - lo) / span).clamp(0.0, 1.0) as f32;
                blend(
                    blend(low, palette.primary, t),
                    palette.error,
                    (t - 0.75).max(0.0) * 2.0,
                )
            } else {
                palette.surface
            };
            painter.rect_filled(cell_rect, 2.0, fill);
            if show_values && value.is_finite() {
                painter.text(
                    cell_rect.center(),
                    Align2::CENTER_CENTER,
                    format_number(value, None),
                    label_font.clone(),
                    palette.text,
                );
            }
        }
        painter.text(
            Pos2::new(grid.left() - 6.0, grid.top() + (r as f32 + 0.5) * cell.y),
            Align2::RIGHT_CENTER,
            y_label(r),
            label_font.clone(),
            palette.text_muted,
        );
    }
    let every = ((cols as f32 * 48.0 / grid.width()).ceil() as usize).max(1);
    for c in (0..cols).step_by(every) {
        painter.text(
            Pos2::new(grid.left() + (c as f32 + 0.5) * cell.x, grid.bottom() + 3.0),
            Align2::CENTER_TOP,
            x_label(c),
            label_font.clone(),
            palette.text_muted,
        );
    }
    if let Some(pos) = response.hover_pos() {
        if grid.contains(pos) {
            let c = (((pos.x - grid.left()) / cell.x) as usize).min(cols - 1);
            let r = (((pos.y - grid.top()) / cell.y) as usize).min(rows - 1);
            let value = matrix.get(r).and_then(|row| row.get(c)).copied();
            let text = format!(
                "{} · {}: {}{}",
                y_label(r),
                x_label(c),
                value.map_or_else(|| "–".to_owned(), |v| v.to_string()),
                o.unit.as_deref().unwrap_or("")
            );
            response.on_hover_text(text);
        }
    }
}
