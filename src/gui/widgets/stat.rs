//! Stats: a big number with its unit, the change from the value before (coloured by whether up
//! is good), and a sparkline of recent values.

use egui::{Mesh, Pos2, RichText, Sense, Shape, Stroke, Ui, Vec2};

use crate::engine::{DeltaColor, WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;
use crate::gui::model::StatModel;
use crate::gui::style::format_number;

/// A stat: its newest value, the change from the one before, a sparkline of recent values.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, model: &StatModel, height: f32) {
    let palette = frame.palette;
    let WidgetOptions::Stat(o) = &spec.options else {
        return;
    };
    let unit = o.unit.as_deref().unwrap_or("");
    ui.horizontal(|ui| {
        let value = model
            .value
            .map_or_else(|| "–".to_owned(), |v| format_number(v, o.format.as_deref()));
        ui.label(RichText::new(value).size(34.0).strong().color(palette.text));
        if !unit.is_empty() {
            ui.label(RichText::new(unit).size(18.0).color(palette.text_muted));
        }
    });
    if o.delta {
        if let (Some(value), Some(previous)) = (model.value, model.previous) {
            let diff = value - previous;
            let (arrow, good) = if diff > 0.0 {
                ("⏶", Some(true))
            } else if diff < 0.0 {
                ("⏷", Some(false))
            } else {
                ("•", None)
            };
            let color = match (o.delta_color, good) {
                (DeltaColor::Off, _) | (_, None) => palette.text_muted,
                (DeltaColor::Auto, Some(up)) | (DeltaColor::Inverse, Some(up))
                    if up == (o.delta_color == DeltaColor::Auto) =>
                {
                    palette.success
                }
                _ => palette.error,
            };
            let sign = if diff > 0.0 { "+" } else { "" };
            ui.label(
                RichText::new(format!(
                    "{arrow} {sign}{}",
                    format_number(diff, o.format.as_deref())
                ))
                .color(color),
            );
        }
    }
    if o.sparkline && model.recent.len() >= 2 {
        let size = Vec2::new(ui.available_width(), (height - 56.0).max(24.0));
        let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
        let (lo, hi) = model
            .recent
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(*v), b.max(*v))
            });
        let span = if hi > lo { hi - lo } else { 1.0 };
        let n = model.recent.len() - 1;
        let points: Vec<Pos2> = model
            .recent
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = rect.left() + rect.width() * i as f32 / n as f32;
                let y = rect.bottom() - rect.height() * ((v - lo) / span) as f32;
                Pos2::new(x, y)
            })
            .collect();
        // The area under the line, one quad per segment (the outline is not convex).
        let mut mesh = Mesh::default();
        let fill = palette.primary.gamma_multiply(0.15);
        for pair in points.windows(2) {
            let base = mesh.vertices.len() as u32;
            for pos in [
                pair[0],
                pair[1],
                Pos2::new(pair[1].x, rect.bottom()),
                Pos2::new(pair[0].x, rect.bottom()),
            ] {
                mesh.colored_vertex(pos, fill);
            }
            mesh.add_triangle(base, base + 1, base + 2);
            mesh.add_triangle(base, base + 2, base + 3);
        }
        ui.painter().add(Shape::mesh(mesh));
        ui.painter()
            .add(Shape::line(points, Stroke::new(1.5, palette.primary)));
    }
}
