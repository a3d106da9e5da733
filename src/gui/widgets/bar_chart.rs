//! Bar charts: egui_plot bars, one series or several (grouped side by side, or stacked).

use std::sync::Arc;

use egui::Ui;
use egui_plot::{Bar as PlotBar, BarChart, GridMark, Legend, Plot};

use super::title;
use crate::engine::{Bar, WidgetOptions, WidgetSpec};
use crate::gui::frame::Frame;
use crate::gui::style::parse_color;

/// A bar chart: categories in declared, then arrival, order; several series grouped or stacked.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, bars: &[Bar], height: f32) {
    let palette = frame.palette;
    let WidgetOptions::BarChart(o) = &spec.options else {
        return;
    };
    let mut categories: Vec<&str> = o.categories.iter().map(String::as_str).collect();
    let mut series: Vec<&str> = Vec::new();
    for bar in bars {
        if !categories.contains(&bar.category.as_str()) {
            categories.push(&bar.category);
        }
        if !series.contains(&bar.series.as_str()) {
            series.push(&bar.series);
        }
    }
    let unit = o.unit.clone().unwrap_or_default();
    let names: Arc<Vec<String>> = Arc::new(categories.iter().map(|c| (*c).to_owned()).collect());
    let labels = Arc::clone(&names);
    let count = series.len().max(1);
    let group_width = 0.8;
    let mut charts: Vec<BarChart> = Vec::new();
    for (s, name) in series.iter().enumerate() {
        let color = if s == 0 {
            o.color
                .as_deref()
                .and_then(parse_color)
                .unwrap_or(palette.primary)
        } else {
            palette.series_color(s)
        };
        let items: Vec<PlotBar> = bars
            .iter()
            .filter(|b| b.series == *name)
            .filter_map(|b| {
                let x = categories.iter().position(|c| *c == b.category)? as f64;
                let (x, width) = if o.stacked || count == 1 {
                    (x, group_width)
                } else {
                    let w = group_width / count as f64;
                    (x - group_width / 2.0 + w * (s as f64 + 0.5), w)
                };
                Some(
                    PlotBar::new(x, b.value)
                        .width(width)
                        .fill(color)
                        .name(format!(
                            "{} · {}",
                            b.category,
                            if name.is_empty() { title(spec) } else { name }
                        )),
                )
            })
            .collect();
        let unit = unit.clone();
        let mut chart = BarChart::new(name.to_string(), items)
            .color(color)
            .element_formatter(Box::new(move |bar, _| {
                format!("{}\n{}{unit}", bar.name, bar.value)
            }));
        if o.stacked {
            let below: Vec<&BarChart> = charts.iter().collect();
            chart = chart.stack_on(&below);
        }
        charts.push(chart);
    }
    let mut plot = Plot::new(("sv-bars", spec.id.as_str()))
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show_background(false)
        .grid_color(palette.border)
        .show_grid([false, true])
        .y_grid_spacer(super::plot::value_grid)
        .include_y(0.0)
        .x_grid_spacer(|input| {
            let (lo, hi) = input.bounds;
            ((lo.ceil() as i64).max(0)..=(hi.floor() as i64).max(0))
                .map(|i| GridMark {
                    value: i as f64,
                    step_size: 1.0,
                })
                .collect()
        })
        .x_axis_formatter(move |mark, _| {
            labels
                .get(mark.value.round() as usize)
                .cloned()
                .unwrap_or_default()
        })
        .label_formatter(|_| None);
    if series.len() > 1 {
        plot = plot.legend(Legend::default().position(egui_plot::Corner::RightTop));
    }
    plot.show(ui, |plot_ui| {
        plot_ui.set_plot_bounds_x(-0.6..=(names.len().max(1) as f64 - 0.4));
        plot_ui.set_auto_bounds([false, true]);
        for chart in charts {
            plot_ui.bar_chart(chart);
        }
    });
}
