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
    match style {
        TextStyle::Body => {
            ui.label(text);
        }
        TextStyle::Caption => {
            ui.label(RichText::new(text).small().color(palette.text_muted));
        }
        TextStyle::Heading => {
            ui.label(RichText::new(text).heading().strong());
        }
        TextStyle::Code => {
            ui.label(RichText::new(text).monospace());
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
                ui.label(RichText::new(text).color(palette.text));
            });
        }
    }
}
