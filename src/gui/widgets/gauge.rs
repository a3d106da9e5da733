//! Gauges: a dial painted with egui's painter, coloured by its threshold bands.

use std::f32::consts::PI;

use egui::{Align2, FontId, Pos2, Sense, Shape, Stroke, Ui, Vec2};

use crate::engine::{WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;
use crate::gui::style::{blend, format_number, parse_color};

/// Angles of the gauge dial: 225° (lower left) to −45° (lower right), clockwise.
const GAUGE_START: f32 = 1.25 * PI;
const GAUGE_SWEEP: f32 = 1.5 * PI;

fn arc(center: Pos2, radius: f32, from: f32, to: f32) -> Vec<Pos2> {
    let steps = (((to - from).abs() / GAUGE_SWEEP) * 64.0).ceil().max(2.0) as usize;
    (0..=steps)
        .map(|i| {
            let t = from + (to - from) * i as f32 / steps as f32;
            let angle = GAUGE_START - t * GAUGE_SWEEP;
            center + Vec2::new(angle.cos(), -angle.sin()) * radius
        })
        .collect()
}

/// A gauge: a dial from `min` to `max` with its threshold bands, filled up to the newest value.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, value: &Option<f64>, height: f32) {
    let (palette, value) = (frame.palette, *value);
    let WidgetOptions::Gauge(o) = &spec.options else {
        return;
    };
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(ui.available_width(), height), Sense::hover());
    let painter = ui.painter_at(rect);
    // The dial reaches `radius` above its centre and 0.71 radius below; labels go under it.
    let radius = ((rect.height() - 28.0) / 1.8)
        .min(rect.width() * 0.4)
        .max(10.0);
    let center = Pos2::new(rect.center().x, rect.top() + radius + 8.0);
    let width = (radius * 0.16).max(6.0);
    let span = (o.max - o.min).max(f64::EPSILON);
    let fraction = |v: f64| ((v - o.min) / span).clamp(0.0, 1.0) as f32;
    painter.add(Shape::line(
        arc(center, radius, 0.0, 1.0),
        Stroke::new(width, blend(palette.surface, palette.border, 0.9)),
    ));
    let mut lower = o.min;
    let mut band_color = palette.primary;
    for (upper, color) in &o.thresholds {
        let color = parse_color(color).unwrap_or(palette.primary);
        painter.add(Shape::line(
            arc(
                center,
                radius + width * 0.9,
                fraction(lower),
                fraction(*upper),
            ),
            Stroke::new(3.0, color),
        ));
        if value.is_some_and(|v| v > lower) {
            band_color = color;
        }
        lower = *upper;
    }
    if let Some(v) = value {
        let f = fraction(v);
        if f > 0.0 {
            painter.add(Shape::line(
                arc(center, radius, 0.0, f),
                Stroke::new(width, band_color),
            ));
        }
        let text = format!(
            "{}{}",
            format_number(v, None),
            o.unit.as_deref().unwrap_or("")
        );
        painter.text(
            center,
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(radius * 0.38),
            palette.text,
        );
        response.on_hover_text(format!("{}{}", v, o.unit.as_deref().unwrap_or("")));
    } else {
        painter.text(
            center,
            Align2::CENTER_CENTER,
            "–",
            FontId::proportional(radius * 0.38),
            palette.text_muted,
        );
    }
    let label_y = center.y + radius * 0.78;
    for (x, v, align) in [
        (center.x - radius * 0.72, o.min, Align2::CENTER_TOP),
        (center.x + radius * 0.72, o.max, Align2::CENTER_TOP),
    ] {
        painter.text(
            Pos2::new(x, label_y),
            align,
            format_number(v, None),
            FontId::proportional(12.0),
            palette.text_muted,
        );
    }
}
