//! One renderer per widget kind, each a file with the same shape:
//! `pub fn ui(ui, frame, spec, model, height)` draws the kind's drawable model
//! ([`crate::gui::model::Body`]) in `height` points, reading and updating the frame's shared
//! state ([`crate::gui::frame::Frame`]). [`crate::gui::card`] puts each in its card. The browser
//! mirrors this folder in `assets/widgets/`.

mod area;
pub mod bar_chart;
pub mod gauge;
pub mod heatmap;
pub mod markdown;
pub mod plot;
pub mod stat;
pub mod table;
pub mod text;

use crate::engine::{WidgetOptions, WidgetSpec};

/// The title shown for a widget: its `title` option or its id.
pub fn title(spec: &WidgetSpec) -> &str {
    let title = match &spec.options {
        WidgetOptions::Metric(o) => o.title.as_deref(),
        WidgetOptions::Stat(o) => o.title.as_deref(),
        WidgetOptions::Gauge(o) => o.title.as_deref(),
        WidgetOptions::LineChart(o) => o.title.as_deref(),
        WidgetOptions::BarChart(o) => o.title.as_deref(),
        WidgetOptions::Table(o) => o.title.as_deref(),
        WidgetOptions::Text(o) => return o.title.as_deref().unwrap_or(""),
        WidgetOptions::Markdown(o) => return o.title.as_deref().unwrap_or(""),
        WidgetOptions::Heatmap(o) => o.title.as_deref(),
    };
    title.unwrap_or(&spec.id)
}

/// A widget's unit (empty when it has none).
pub fn unit(spec: &WidgetSpec) -> &str {
    match &spec.options {
        WidgetOptions::Metric(o) => o.unit.as_deref(),
        WidgetOptions::Stat(o) => o.unit.as_deref(),
        WidgetOptions::Gauge(o) => o.unit.as_deref(),
        WidgetOptions::BarChart(o) => o.unit.as_deref(),
        WidgetOptions::Heatmap(o) => o.unit.as_deref(),
        _ => None,
    }
    .unwrap_or("")
}
