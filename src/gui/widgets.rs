//! One renderer per widget kind, each inside a card with a header (title, headline value, tools).

use std::f32::consts::PI;
use std::ops::RangeInclusive;
use std::sync::Arc;

use egui::{
    Align, Align2, Color32, FontId, Layout, Pos2, Rect, RichText, Sense, Shape, Stroke, Ui, Vec2,
};
use egui_plot::{
    Bar as PlotBar, BarChart, GridInput, GridMark, HLine, Legend, Line, Plot, PlotPoints,
};

use super::app::{card_frame, Action, Frame, PlotView};
use super::markdown;
use super::model::{Body, PlotModel, StatModel, TableModel};
use super::style::{
    blend, cell_text, format_datetime, format_exact_time, format_number, format_time, parse_color,
    Palette,
};
use crate::engine::{
    Bar, ColumnType, DeltaColor, Losses, TextStyle, WidgetKind, WidgetOptions, WidgetSpec,
};

/// A table's sort and filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableView {
    /// Column sorted on and whether ascending; `None` is newest first.
    pub sort: Option<(String, bool)>,
    /// Rows must contain this text (case-insensitive) in some cell.
    pub filter: String,
}

/// Default body height of each kind, in points.
fn default_height(kind: WidgetKind) -> f32 {
    match kind {
        WidgetKind::Metric | WidgetKind::LineChart => 200.0,
        WidgetKind::BarChart | WidgetKind::Table | WidgetKind::Heatmap => 240.0,
        WidgetKind::Gauge => 170.0,
        WidgetKind::Stat => 90.0,
        WidgetKind::Text | WidgetKind::Markdown => 0.0,
    }
}

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

fn unit(spec: &WidgetSpec) -> &str {
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

/// A widget in its card. `maximised` fills the space given.
pub fn card(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, maximised: bool) {
    let (palette, bodies) = (frame.palette, frame.bodies);
    let response = card_frame(palette).show(ui, |ui| {
        ui.set_width(ui.available_width());
        header(ui, frame, spec, maximised);
        let height = if maximised {
            (ui.available_height() - 4.0).max(120.0)
        } else {
            spec.placement
                .height
                .map_or_else(|| default_height(spec.kind), |h| h as f32)
        };
        match bodies.get(&spec.id) {
            Some(Body::Plot(model)) => plot(ui, frame, spec, model, height),
            Some(Body::Stat(model)) => stat(ui, palette, spec, model, height),
            Some(Body::Gauge(value)) => gauge(ui, palette, spec, *value, height),
            Some(Body::Bars(bars)) => bar_chart(ui, palette, spec, bars, height),
            Some(Body::Table(table)) => {
                let view = frame.tables.entry(spec.id.clone()).or_insert_with(|| {
                    let sort = match &spec.options {
                        WidgetOptions::Table(o) => o.initial_sort(),
                        _ => None,
                    };
                    TableView {
                        sort: sort.map(|(name, descending)| (name.to_owned(), !descending)),
                        filter: String::new(),
                    }
                });
                table_body(ui, palette, spec, table, view, height);
            }
            Some(Body::Text(text)) => match &spec.options {
                WidgetOptions::Markdown(_) => markdown::show(ui, palette, text),
                WidgetOptions::Text(o) => text_body(ui, palette, o.style, text),
                _ => {}
            },
            Some(Body::Matrix(matrix)) => heatmap(ui, palette, spec, matrix, height),
            None => {
                ui.allocate_space(Vec2::new(ui.available_width(), height));
            }
        }
    });
    frame.rects.insert(spec.id.clone(), response.response.rect);
}

fn header(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, maximised: bool) {
    let palette = frame.palette;
    let headline = match (frame.bodies.get(&spec.id), spec.kind) {
        (Some(Body::Plot(model)), WidgetKind::Metric) => model
            .last
            .map(|v| format!("{}{}", format_number(v, None), unit(spec))),
        _ => None,
    };
    let title = title(spec);
    let caption = match &spec.options {
        WidgetOptions::Metric(o) => o.window_caption(),
        _ => None,
    };
    ui.horizontal(|ui| {
        if !title.is_empty() {
            ui.label(RichText::new(title).strong().color(palette.text_muted));
        }
        if let Some(caption) = caption {
            ui.label(RichText::new(caption).small().color(palette.text_muted));
        }
        if let Some(losses) = frame.losses.get(&spec.id) {
            losses_badge(ui, palette, *losses);
        }
        ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
            ui.spacing_mut().item_spacing.x = 4.0;
            let tools = ui.menu_button(RichText::new("💾").color(palette.text_muted), |ui| {
                for format in ["csv", "json"] {
                    if ui
                        .button(format!("Export {}", format.to_uppercase()))
                        .clicked()
                    {
                        frame.actions.push(Action::Export(spec.id.clone(), format));
                        ui.close();
                    }
                }
                if ui.button("Save PNG").clicked() {
                    if let Some(rect) = frame.rects.get(&spec.id) {
                        frame
                            .actions
                            .push(Action::Screenshot(spec.id.clone(), *rect));
                    }
                    ui.close();
                }
            });
            tools.response.on_hover_text("Export");
            let (icon, hint, target) = if maximised {
                ("🗗", "Restore (Esc)", None)
            } else {
                ("⛶", "Maximise", Some(spec.id.clone()))
            };
            if ui
                .add(egui::Button::new(RichText::new(icon).color(palette.text_muted)).frame(false))
                .on_hover_text(hint)
                .clicked()
            {
                frame.actions.push(Action::Maximise(target));
            }
            if frame.plots.get(&spec.id).is_some_and(|v| !v.follow)
                && ui
                    .add(
                        egui::Button::new(RichText::new("⟲ Live").color(palette.primary))
                            .frame(false),
                    )
                    .on_hover_text("Back to the dashboard's time range (or double-click the plot)")
                    .clicked()
            {
                if let Some(view) = frame.plots.get_mut(&spec.id) {
                    view.follow = true;
                }
            }
            if let Some(headline) = headline {
                ui.label(
                    RichText::new(headline)
                        .strong()
                        .size(16.0)
                        .color(palette.text),
                );
            }
        });
    });
}

// ---- plots -------------------------------------------------------------------------------------

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

/// "⚠ 1.2k dropped · 3 late" in the warning colour, with the exact counts and what they mean
/// on hover.
fn losses_badge(ui: &mut Ui, palette: &Palette, losses: Losses) {
    let mut parts = Vec::new();
    let mut detail = Vec::new();
    if losses.dropped > 0 {
        parts.push(format!("{} dropped", compact_count(losses.dropped)));
        detail.push(format!(
            "{} updates dropped: the producer's queue was full",
            format_number(losses.dropped as f64, Some(",.0f"))
        ));
    }
    if losses.late > 0 {
        parts.push(format!("{} late", compact_count(losses.late)));
        detail.push(format!(
            "{} points came after their window had closed and were left out",
            format_number(losses.late as f64, Some(",.0f"))
        ));
    }
    ui.label(
        RichText::new(format!("⚠ {}", parts.join(" · ")))
            .small()
            .color(palette.warning),
    )
    .on_hover_text(detail.join("\n"));
}

/// 999, 1.2k, 45k, 3.4M.
fn compact_count(count: u64) -> String {
    match count {
        0..=999 => count.to_string(),
        1_000..=99_999 => format!("{:.1}k", count as f64 / 1e3).replace(".0k", "k"),
        100_000..=999_999 => format!("{}k", count / 1000),
        _ => format!("{:.1}M", count as f64 / 1e6).replace(".0M", "M"),
    }
}

/// Name of a windowed metric's open window on the plot (its tooltip's first line).
const PARTIAL: &str = "open window (so far)";

fn plot(ui: &mut Ui, frame: &mut Frame<'_>, spec: &WidgetSpec, model: &PlotModel, height: f32) {
    let palette = frame.palette;
    let unit = unit(spec).to_owned();
    let view = frame.plots.entry(spec.id.clone()).or_default();
    let (t0, t1) = model.range;
    let mut plot = Plot::new(("sv-plot", spec.id.as_str()))
        .height(height)
        .x_grid_spacer(time_grid)
        .x_axis_formatter(time_label)
        .y_axis_min_width(36.0)
        .allow_double_click_reset(false)
        .show_background(false)
        .grid_color(palette.border)
        .label_formatter({
            let unit = unit.clone();
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
                Some(format!(
                    "{head}{}\n{}{unit}",
                    format_exact_time(point.x),
                    point.y
                ))
            }
        });
    let mut fixed_y: Option<(Option<f64>, Option<f64>)> = None;
    let mut thresholds: Vec<(f64, Color32, &str)> = Vec::new();
    match &spec.options {
        WidgetOptions::LineChart(o) => {
            if o.series.len() > 1 {
                plot = plot.legend(Legend::default().position(egui_plot::Corner::LeftTop));
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
        for (index, series) in model.series.iter().enumerate() {
            let color = series_color(palette, spec, index);
            let name = if matches!(spec.kind, WidgetKind::LineChart) {
                series_label(spec, index)
            } else {
                String::new()
            };
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

// ---- stat and gauge ----------------------------------------------------------------------------

fn stat(ui: &mut Ui, palette: &Palette, spec: &WidgetSpec, model: &StatModel, height: f32) {
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
        let mut fill = points.clone();
        fill.push(rect.right_bottom());
        fill.push(rect.left_bottom());
        ui.painter().add(Shape::convex_polygon(
            fill,
            palette.primary.gamma_multiply(0.15),
            Stroke::NONE,
        ));
        ui.painter()
            .add(Shape::line(points, Stroke::new(1.5, palette.primary)));
    }
}

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

fn gauge(ui: &mut Ui, palette: &Palette, spec: &WidgetSpec, value: Option<f64>, height: f32) {
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

// ---- bars --------------------------------------------------------------------------------------

fn bar_chart(ui: &mut Ui, palette: &Palette, spec: &WidgetSpec, bars: &[Bar], height: f32) {
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

// ---- table -------------------------------------------------------------------------------------

fn table_body(
    ui: &mut Ui,
    palette: &Palette,
    spec: &WidgetSpec,
    table: &TableModel,
    view: &mut TableView,
    height: f32,
) {
    let WidgetOptions::Table(o) = &spec.options else {
        return;
    };
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
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut view.filter)
                    .hint_text("Filter")
                    .desired_width(180.0)
                    .id_salt(("sv-filter", spec.id.as_str())),
            );
            ui.label(RichText::new(format!("{} rows", table.rows.len())).color(palette.text_muted));
        });
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
    let row_height = 22.0;
    let mut builder = egui_extras::TableBuilder::new(ui)
        .id_salt(("sv-table", spec.id.as_str()))
        .striped(true)
        .cell_layout(Layout::left_to_right(Align::Center))
        .max_scroll_height(height)
        .min_scrolled_height(height.min(120.0))
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
        .header(row_height, |mut header| {
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
        ColumnType::Text => {
            ui.label(cell_text(value));
        }
    }
}

// ---- text --------------------------------------------------------------------------------------

fn text_body(ui: &mut Ui, palette: &Palette, style: TextStyle, text: &str) {
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

// ---- heatmap -----------------------------------------------------------------------------------

fn heatmap(ui: &mut Ui, palette: &Palette, spec: &WidgetSpec, matrix: &[Vec<f64>], height: f32) {
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
