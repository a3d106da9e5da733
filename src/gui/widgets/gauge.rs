//! Gauges: a dial painted with egui's painter as the browser draws it (assets/dial.js holds the
//! same geometry): a 270° ring coloured by the threshold bands, ticks and labels inside it, a
//! needle that ends short of the labels and the value under the centre, so that nothing covers a
//! label at any size. The ring is tessellated finely enough (a point every 2 pixels) that no facet
//! shows.

use std::f32::consts::PI;

use egui::{Align2, Color32, FontId, Pos2, Sense, Shape, Stroke, Ui, Vec2};

use crate::engine::{WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;
use crate::gui::style::{format_number, parse_color};

/// Angles of the gauge dial: 225° (lower left) to −45° (lower right), clockwise.
const GAUGE_START: f32 = 1.25 * PI;
const GAUGE_SWEEP: f32 = 1.5 * PI;

/// A dial's geometry in a `width` x `height` area (the browser's `dialLayout`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dial {
    /// Centre, from the area's top left corner.
    pub center: Vec2,
    /// The ring's outer radius.
    pub radius: f32,
    /// The ring's width.
    pub ring: f32,
    /// How many intervals the ticks divide the range into.
    pub ticks: usize,
    /// Length of a tick, inward from the ring.
    pub tick_length: f32,
    /// Font size of the labels.
    pub label_size: f32,
    /// Space between the ring and the labels.
    pub label_gap: f32,
    /// The labels' inner edge, from the centre.
    pub labels_inner: f32,
    /// The needle's length from the centre.
    pub pointer_length: f32,
    /// The needle's width at the centre.
    pub pointer_width: f32,
    /// Font size of the value.
    pub value_size: f32,
    /// How far below the centre the value is.
    pub value_offset: f32,
}

impl Dial {
    /// The dial for an area of `width` x `height`.
    pub fn new(width: f32, height: f32) -> Self {
        let value_size = (width.min(height) * 0.1).clamp(11.0, 22.0);
        let radius = (width * 0.46)
            .min((height - value_size - 8.0) / 1.72)
            .max(12.0);
        let ring = (radius * 0.12).clamp(5.0, 14.0);
        let label_size = (radius * 0.11).clamp(8.0, 11.0);
        let label_gap = (radius * 0.08).clamp(3.0, 8.0);
        let labels_inner = radius - ring - label_gap - label_size * 2.4;
        Self {
            center: Vec2::new(width / 2.0, radius + 4.0),
            radius,
            ring,
            ticks: if radius < 45.0 {
                2
            } else if radius < 80.0 {
                5
            } else {
                10
            },
            tick_length: (radius * 0.1).clamp(3.0, 10.0),
            label_size,
            label_gap,
            labels_inner,
            pointer_length: (labels_inner - label_size / 2.0 - 4.0).max(4.0),
            pointer_width: (radius * 0.05).clamp(2.0, 5.0),
            value_size,
            value_offset: radius * 0.72,
        }
    }

    /// The direction of a fraction `t` (0 at the start, 1 at the end) of the dial.
    fn direction(t: f32) -> Vec2 {
        let angle = GAUGE_START - t * GAUGE_SWEEP;
        Vec2::new(angle.cos(), -angle.sin())
    }
}

/// Points of an arc of `radius` from fraction `from` to `to` of the dial, one every 2 pixels.
fn arc(center: Pos2, radius: f32, from: f32, to: f32) -> Vec<Pos2> {
    let length = (to - from).abs() * GAUGE_SWEEP * radius;
    let steps = (length / 2.0).ceil().max(2.0) as usize;
    (0..=steps)
        .map(|i| center + Dial::direction(from + (to - from) * i as f32 / steps as f32) * radius)
        .collect()
}

/// A gauge: its ring in the threshold bands' colours, ticks and labels, a needle at the newest
/// value and the value under the centre.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, value: &Option<f64>, height: f32) {
    let (palette, value) = (frame.palette, *value);
    let WidgetOptions::Gauge(o) = &spec.options else {
        return;
    };
    let (rect, response) =
        ui.allocate_exact_size(Vec2::new(ui.available_width(), height), Sense::hover());
    let painter = ui.painter_at(rect);
    let dial = Dial::new(rect.width(), rect.height());
    let center = rect.left_top() + dial.center;
    let span = (o.max - o.min).max(f64::EPSILON);
    let fraction = |v: f64| ((v - o.min) / span).clamp(0.0, 1.0) as f32;
    // The bands as the browser colours them: each up to its bound, the last to the end.
    let mut bands: Vec<(f32, Color32)> = o
        .thresholds
        .iter()
        .map(|(bound, color)| {
            (
                fraction(*bound),
                parse_color(color).unwrap_or(palette.primary),
            )
        })
        .collect();
    if bands.last().is_none_or(|(end, _)| *end < 1.0) {
        let color = if bands.is_empty() {
            palette.primary
        } else {
            palette.error
        };
        bands.push((1.0, color));
    }
    let mut from = 0.0;
    for (to, color) in bands {
        if to > from {
            painter.add(Shape::line(
                arc(center, dial.radius - dial.ring / 2.0, from, to),
                Stroke::new(dial.ring, color),
            ));
            from = to;
        }
    }
    let inner = dial.radius - dial.ring;
    let label_radius = inner - dial.label_gap - dial.label_size * 1.2;
    for i in 0..=dial.ticks {
        let t = i as f32 / dial.ticks as f32;
        let direction = Dial::direction(t);
        painter.line_segment(
            [
                center + direction * inner,
                center + direction * (inner - dial.tick_length),
            ],
            Stroke::new(1.0, palette.text_muted),
        );
        let v = o.min + span * f64::from(t);
        painter.text(
            center + direction * label_radius,
            Align2::CENTER_CENTER,
            format_number(v, None),
            FontId::proportional(dial.label_size),
            palette.text_muted,
        );
    }
    let unit = o.unit.as_deref().unwrap_or("");
    let shown = value.unwrap_or(o.min);
    let direction = Dial::direction(fraction(shown));
    let side = Vec2::new(-direction.y, direction.x) * dial.pointer_width / 2.0;
    painter.add(Shape::convex_polygon(
        vec![
            center + side,
            center + direction * dial.pointer_length,
            center - side,
            center - direction * dial.pointer_width,
        ],
        palette.text,
        Stroke::NONE,
    ));
    painter.circle_filled(center, dial.pointer_width * 1.2, palette.text);
    let text = value.map_or_else(
        || "–".to_owned(),
        |v| format!("{}{unit}", format_number(v, None)),
    );
    painter.text(
        center + Vec2::new(0.0, dial.value_offset),
        Align2::CENTER_CENTER,
        text,
        FontId::proportional(dial.value_size),
        if value.is_some() {
            palette.text
        } else {
            palette.text_muted
        },
    );
    if let Some(v) = value {
        response.on_hover_text(format!("{v}{unit}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_every_size_the_needle_ends_short_of_the_labels_and_the_value_is_below_them() {
        for (width, height) in [
            (180.0, 110.0),
            (300.0, 130.0),
            (303.0, 200.0),
            (900.0, 600.0),
        ] {
            let dial = Dial::new(width, height);
            let label_inner = dial.radius - dial.ring - dial.label_gap - dial.label_size * 1.7;
            assert!(
                dial.pointer_length < label_inner,
                "{width}x{height}: {dial:?}"
            );
            // The lowest labels (at the ring's ends) are above the value's top.
            let lowest = (dial.radius - dial.ring - dial.label_gap) * (PI / 4.0).sin();
            assert!(
                lowest < dial.value_offset - dial.value_size / 2.0,
                "{dial:?}"
            );
            // Everything is inside the area.
            assert!(dial.center.y - dial.radius >= 0.0);
            assert!(dial.center.y + dial.value_offset + dial.value_size / 2.0 <= height);
            assert!(dial.radius * 2.0 <= width);
        }
    }
}
