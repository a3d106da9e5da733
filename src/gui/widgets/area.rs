//! Area charts (a line chart with `area` and perhaps `stacked`): the area under each line, from
//! 0, or each series stacked on the shown ones before it (gui/stack.rs), filled between its top
//! and the top under it as the browser fills it; the tooltip gives each series' own value.

use egui::{Color32, Context, Id};
use egui_plot::{FilledArea, ItemId, Line, PlotMemory, PlotPoints, PlotUi};

use crate::gui::model::PlotModel;
use crate::gui::stack::{stack, Stack};

/// Opacity of an area's fill (the browser's `AREA_FILL`).
const AREA_FILL: f32 = 0.25;

/// The series of `model` stacked, leaving out those hidden from the plot's legend (by name,
/// `names`), as the plot `plot_id` remembers them.
pub fn stacked(ctx: &Context, plot_id: Id, model: &PlotModel, names: &[String]) -> Stack {
    let hidden = PlotMemory::load(ctx, plot_id)
        .map(|m| m.hidden_items)
        .unwrap_or_default();
    let shown: Vec<bool> = names
        .iter()
        .map(|name| !hidden.contains(&ItemId::new(name.as_str())))
        .collect();
    let series: Vec<&[[f64; 2]]> = model.series.iter().map(|s| s.points.as_slice()).collect();
    stack(&series, &shown)
}

/// Index ranges of `values` that are drawable (no NaN).
fn runs(values: &[f64]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, v) in values.iter().enumerate() {
        match (v.is_nan(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..values.len());
    }
    out
}

/// Fill from `lower` to `upper` at `xs` and draw `upper` as the series' line.
fn band(
    plot_ui: &mut PlotUi<'_>,
    name: &str,
    color: Color32,
    xs: &[f64],
    lower: &[f64],
    upper: &[f64],
) {
    for run in runs(upper) {
        let (x, lo, hi) = (&xs[run.clone()], &lower[run.clone()], &upper[run.clone()]);
        // The line first: the legend takes a name's colour from its first item.
        let points = x.iter().zip(hi).map(|(x, y)| [*x, *y]);
        plot_ui.line(
            Line::new(name, PlotPoints::from_iter(points))
                .color(color)
                .width(1.5),
        );
        plot_ui.add(
            FilledArea::new(name, x, lo, hi)
                .fill_color(color.gamma_multiply(AREA_FILL))
                .allow_hover(false),
        );
    }
}

/// One series' line with the area under it down to 0.
pub fn draw_area(plot_ui: &mut PlotUi<'_>, name: &str, color: Color32, points: &[[f64; 2]]) {
    let xs: Vec<f64> = points.iter().map(|p| p[0]).collect();
    let ys: Vec<f64> = points.iter().map(|p| p[1]).collect();
    band(plot_ui, name, color, &xs, &vec![0.0; xs.len()], &ys);
}

/// Every series of `stack` on top of those before it, filled from the top under it.
pub fn draw_stacked(plot_ui: &mut PlotUi<'_>, stack: &Stack, names: &[String], colors: &[Color32]) {
    for (index, top) in stack.tops.iter().enumerate() {
        // What is under this series: its top less its own value.
        let lower: Vec<f64> = top
            .iter()
            .zip(&stack.own[index])
            .map(|(t, v)| t - v)
            .collect();
        band(
            plot_ui,
            &names[index],
            colors[index],
            &stack.xs,
            &lower,
            top,
        );
    }
}

/// A series' own value at time `x` (a slot of the stack), for the tooltip.
pub fn own_value(stack: &Stack, series: usize, x: f64) -> Option<f64> {
    let slot = stack.xs.partition_point(|t| *t < x);
    stack
        .own
        .get(series)?
        .get(slot)
        .copied()
        .filter(|v| !v.is_nan() && stack.xs.get(slot) == Some(&x))
}
