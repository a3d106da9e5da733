//! Metrics and line charts: egui_plot over decimated series, a time axis with nice steps,
//! threshold lines and colours, a windowed metric's open window dashed.

use std::ops::RangeInclusive;
use std::sync::Arc;

use egui::{Color32, Ui};
use egui_plot::{GridInput, GridMark, HLine, Legend, Line, Plot, PlotPoints};

use super::{area, title, unit};
use crate::engine::{WidgetKind, WidgetOptions, WidgetSpec};
use crate::gui::frame::{Frame, PlotView};
use crate::gui::model::PlotModel;
use crate::gui::style::{format_exact_time, format_time, parse_color, Palette};

/// Nice steps for a time axis, in ms.
const TIME_STEPS: [f64; 22] = [
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 10e3, 15e3, 30e3, 60e3,
    120e3, 300e3, 600e3, 900e3, 1_800e3, 3_600e3,
];

/// Grid marks of a time axis: the smallest nice step at least `base_step_size`, and the two
/// coarser levels, aligned to local-time-independent multiples (seconds, minutes, hours).
fn time_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let minimum = (input.base_step_size * 4.0).max(1.0);
    let step = TIME_STEPS
        .iter()
        .copied()
        .find(|s| *s >= minimum)
        .unwrap_or_else(|| (minimum / 3_600e3).ceil() * 3_600e3);
    let mut marks = Vec::new();
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    if last - first > 1000 {
        return marks;
    }
    for i in first..=last {
        let value = i as f64 * step;
        let step_size = if (value / (step * 5.0)).fract() == 0.0 {
            step * 5.0
        } else {
            step
        };
        marks.push(GridMark { value, step_size });
    }
    marks
}

/// Pixels between labelled values on a value axis: about the browser's (ECharts and uPlot put
/// five to eight labels on a 220-pixel axis).
const VALUE_LABEL_SPACING: f64 = 36.0;

/// Grid marks for a value axis at a "nice" step (1, 2, 2.5, 3 or 5 times a power of ten) that puts
/// labels about [`VALUE_LABEL_SPACING`] pixels apart, every one labelled.
pub(crate) fn value_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    // egui_plot's base step is the value of its smallest grid spacing, 8 pixels.
    let target = input.base_step_size / 8.0 * VALUE_LABEL_SPACING;
    if !(target.is_finite() && target > 0.0 && hi >= lo) {
        return Vec::new();
    }
    let power = 10f64.powf(target.log10().floor());
    let step = [1.0, 2.0, 2.5, 3.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= target)
        .unwrap_or(10.0 * power);
    let (first, last) = ((lo / step).ceil() as i64, (hi / step).floor() as i64);
    if last - first > 1000 {
        return Vec::new();
    }
    (first..=last)
        .map(|i| GridMark {
            value: i as f64 * step,
            step_size: step,
        })
        .collect()
}

fn time_label(mark: GridMark, _range: &RangeInclusive<f64>) -> String {
    if mark.step_size < 1000.0 {
        let text = format_exact_time(mark.value);
        text.get(11..).unwrap_or(&text).to_owned()
    } else {
        format_time(mark.value)
    }
}

fn series_color(palette: &Palette, spec: &WidgetSpec, index: usize) -> Color32 {
    let chosen = match &spec.options {
        WidgetOptions::Metric(o) => o.color.as_deref(),
        WidgetOptions::LineChart(o) => o.series.get(index).and_then(|s| s.color.as_deref()),
        _ => None,
    };
    chosen
        .and_then(parse_color)
        .unwrap_or_else(|| palette.series_color(index))
}

fn series_label(spec: &WidgetSpec, index: usize) -> String {
    match &spec.options {
        WidgetOptions::LineChart(o) => o
            .series
            .get(index)
            .map(|s| s.label.clone().unwrap_or_else(|| s.name.clone()))
            .unwrap_or_default(),
        _ => title(spec).to_owned(),
    }
}

/// Split decimated points at gaps (NaN values) into drawable runs.
fn runs(points: &[[f64; 2]]) -> impl Iterator<Item = &[[f64; 2]]> {
    points
        .split(|p| p[1].is_nan())
        .filter(|run| !run.is_empty())
}

/// Name of a windowed metric's open window on the plot (its tooltip's first line).
const PARTIAL: &str = "open window (so far)";

/// A metric or line chart: its series over the visible range, thresholds, a windowed metric's
/// open window; zoom and pan by hand leave the dashboard's time range until double-clicked.
pub fn ui(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, model: &PlotModel, height: f32) {
    let palette = frame.palette;
    let unit = unit(spec).to_owned();
    let view = frame.plots.entry(spec.id.clone()).or_default();
    let (t0, t1) = model.range;
    let (area, stacked) = match &spec.options {
        WidgetOptions::LineChart(o) => (o.area, o.stacked),
        _ => (false, false),
    };
    let names: Vec<String> = (0..model.series.len())
        .map(|index| match spec.kind {
            WidgetKind::LineChart => series_label(spec, index),
            _ => String::new(),
        })
        .collect();
    let plot_id = ui.make_persistent_id(("sv-plot", spec.id.as_str()));
    let stack = stacked.then(|| Arc::new(area::stacked(ui.ctx(), plot_id, model, &names)));
    let mut plot = Plot::new(("sv-plot", spec.id.as_str()))
        .height(height)
        .x_grid_spacer(time_grid)
        .x_axis_formatter(time_label)
        .y_grid_spacer(value_grid)
        .y_axis_min_width(36.0)
        .allow_double_click_reset(false)
        .show_background(false)
        .grid_color(palette.border)
        .label_formatter({
            let unit = unit.clone();
            let stack = stack.clone();
            let names = names.clone();
            move |position| {
                let (name, point) = match position {
                    egui_plot::HoverPosition::NearDataPoint {
                        plot_name,
                        position,
                        ..
                    } => (*plot_name, *position),
                    egui_plot::HoverPosition::Elsewhere { .. } => return None,
                };
                let head = if name.is_empty() {
                    String::new()
                } else {
                    format!("{name}\n")
                };
                // A stacked series' tooltip gives its own value, not its top.
                let value = stack
                    .as_deref()
                    .and_then(|stack| {
                        let series = names.iter().position(|n| n == name)?;
                        area::own_value(stack, series, point.x)
                    })
                    .unwrap_or(point.y);
                Some(format!(
                    "{head}{}\n{value}{unit}",
                    format_exact_time(point.x),
                ))
            }
        });
    let mut fixed_y: Option<(Option<f64>, Option<f64>)> = None;
    let mut thresholds: Vec<(f64, Color32, &str)> = Vec::new();
    match &spec.options {
        WidgetOptions::LineChart(o) => {
            if o.series.len() > 1 {
                // An area's line and fill share a name: the legend shows the line's colour.
                plot = plot.legend(
                    Legend::default()
                        .position(egui_plot::Corner::LeftTop)
                        .color_conflict_handling(egui_plot::ColorConflictHandling::PickFirst),
                );
            }
            if let Some(axis) = &o.y_axis {
                if let Some(label) = &axis.label {
                    plot = plot.y_axis_label(label.clone());
                }
                if axis.min.is_some() || axis.max.is_some() {
                    fixed_y = Some((axis.min, axis.max));
                }
            }
        }
        WidgetOptions::Metric(o) => {
            if let Some(t) = &o.thresholds {
                if let Some(w) = t.warning {
                    thresholds.push((w, palette.warning, "warning"));
                }
                if let Some(c) = t.critical {
                    thresholds.push((c, palette.error, "critical"));
                }
            }
        }
        _ => {}
    }
    let follow = view.follow;
    let response = plot.show(ui, |plot_ui| {
        if follow {
            plot_ui.set_auto_bounds([false, fixed_y.is_none()]);
            plot_ui.set_plot_bounds_x(t0..=t1);
        }
        if let Some((min, max)) = fixed_y {
            let data = model
                .series
                .iter()
                .flat_map(|s| s.points.iter())
                .map(|p| p[1])
                .filter(|v| v.is_finite());
            let (lo, hi) = data.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                (a.min(v), b.max(v))
            });
            let lo = min.unwrap_or(if lo.is_finite() { lo } else { 0.0 });
            let hi = max.unwrap_or(if hi.is_finite() { hi } else { 1.0 });
            plot_ui.set_plot_bounds_y(lo..=hi.max(lo + f64::EPSILON));
        }
        for (value, color, name) in &thresholds {
            plot_ui.hline(
                HLine::new(*name, *value)
                    .color(color.gamma_multiply(0.8))
                    .style(egui_plot::LineStyle::dashed_loose())
                    .allow_hover(false),
            );
        }
        let colors: Vec<Color32> = (0..model.series.len())
            .map(|index| series_color(palette, spec, index))
            .collect();
        if let Some(stack) = &stack {
            area::draw_stacked(plot_ui, stack, &names, &colors);
        }
        for (index, series) in model.series.iter().enumerate() {
            let color = colors[index];
            let name = names[index].clone();
            if stacked {
                continue;
            }
            if area {
                area::draw_area(plot_ui, &name, color, &series.points);
                continue;
            }
            // A metric's line takes the colour of the highest threshold it is above.
            let zones: Option<Arc<dyn Fn(egui_plot::PlotPoint) -> Color32 + Send + Sync>> =
                (!thresholds.is_empty()).then(|| {
                    let zones: Vec<(f64, Color32)> = thresholds
                        .iter()
                        .map(|(level, c, _)| (*level, *c))
                        .collect();
                    Arc::new(move |p: egui_plot::PlotPoint| {
                        zones
                            .iter()
                            .filter(|(level, _)| p.y >= *level)
                            .max_by(|a, b| a.0.total_cmp(&b.0))
                            .map_or(color, |z| z.1)
                    })
                        as Arc<dyn Fn(egui_plot::PlotPoint) -> Color32 + Send + Sync>
                });
            for run in runs(&series.points) {
                let mut line = Line::new(name.clone(), PlotPoints::from_iter(run.iter().copied()))
                    .color(color)
                    .width(1.5);
                if let Some(zones) = &zones {
                    line = line.gradient_color(Arc::clone(zones), false);
                }
                plot_ui.line(line);
            }
        }
        if let Some(partial) = model.partial {
            // The open window: dashed from the last closed one, and a hollow marker.
            let color = series_color(palette, spec, 0);
            if let Some(newest) = model.newest.filter(|p| !p[1].is_nan()) {
                plot_ui.line(
                    Line::new(PARTIAL, PlotPoints::from_iter([newest, partial]))
                        .color(color.gamma_multiply(0.8))
                        .style(egui_plot::LineStyle::dashed_dense())
                        .width(1.5)
                        .allow_hover(false),
                );
            }
            plot_ui.points(
                egui_plot::Points::new(PARTIAL, vec![partial])
                    .color(color)
                    .shape(egui_plot::MarkerShape::Circle)
                    .filled(false)
                    .radius(4.0),
            );
        }
    });
    let bounds = response.transform.bounds();
    let shown = (bounds.min()[0], bounds.max()[0]);
    let tolerance = (t1 - t0).abs().max(1.0) * 1e-9;
    let moved = (shown.0 - t0).abs() > tolerance || (shown.1 - t1).abs() > tolerance;
    let columns = (response.response.rect.width() * ui.ctx().pixels_per_point())
        .round()
        .max(1.0) as usize;
    let mut next = PlotView {
        follow: view.follow && !moved,
        range: shown,
        columns,
    };
    if response.response.double_clicked() {
        next.follow = true;
    }
    if next != *view {
        ui.ctx().request_repaint();
    }
    *view = next;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(lo: f64, hi: f64, pixels: f64) -> Vec<f64> {
        let input = GridInput {
            bounds: (lo, hi),
            base_step_size: (hi - lo) / pixels * 8.0,
        };
        value_grid(input).iter().map(|m| m.value).collect()
    }

    #[test]
    fn a_value_axis_gets_five_to_eight_labels_at_nice_steps_like_the_browsers() {
        // The replayed temperature chart of the issue: 15 to 25 labelled only "20".
        assert_eq!(
            values(15.0, 25.0, 200.0),
            vec![16.0, 18.0, 20.0, 22.0, 24.0]
        );
        // The browser's bar chart of the demo: 0 to 1,800 by 300.
        assert_eq!(
            values(0.0, 1800.0, 220.0),
            vec![0.0, 300.0, 600.0, 900.0, 1200.0, 1500.0, 1800.0]
        );
        for (lo, hi, px) in [(0.0, 1.0, 220.0), (-3.0, 97.0, 180.0), (1e6, 1.3e6, 300.0)] {
            let n = values(lo, hi, px).len();
            assert!((4..=9).contains(&n), "{lo}..{hi} over {px} px: {n} labels");
        }
    }
}
