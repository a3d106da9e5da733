//! Texts: plain text in one of the styles of `sv.text` (body, caption, heading, code, and the
//! success, info, warning and error boxes).

use egui::{Color32, RichText, Stroke, Ui};

use crate::engine::{TextStyle, WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;

/// A text in its style: body, caption, heading, code, or a coloured status box.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, text: &str, _height: f32) {
    let WidgetOptions::Text(o) = &spec.options else {
        return;
    };
    let (palette, style) = (frame.palette, o.style);
    let status = |color: Color32| {
        egui::Frame::new()
            .fill(color.gamma_multiply(0.15))
            .stroke(Stroke::new(1.0, color.gamma_multiply(0.6)))
            .corner_radius(6)
            .inner_margin(egui::Margin::symmetric(10, 6))
    };
    // The browser's sizes and line heights (`.sv-text`: 15 px, 1.5).
    let sized =
        |text: &str, size: f32| RichText::new(text).size(size).line_height(Some(size * 1.5));
    match style {
        TextStyle::Body => {
            ui.label(sized(text, 15.0));
        }
        TextStyle::Caption => {
            ui.label(sized(text, 13.0).color(palette.text_muted));
        }
        TextStyle::Heading => {
            ui.label(sized(text, 22.0).strong());
        }
        TextStyle::Code => {
            ui.label(sized(text, 13.0).monospace());
        }
        TextStyle::Success | TextStyle::Info | TextStyle::Warning | TextStyle::Error => {
            let color = match style {
                TextStyle::Success => palette.success,
                TextStyle::Warning => palette.warning,
                TextStyle::Error => palette.error,
                _ => palette.primary,
            };
            status(color).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(sized(text, 15.0).color(color));
            });
        }
    }
}
