//! The engine's logs of applied updates (the delta log for subscribers, the journal for a store,
//! the relay log for other servers) append through [`log`], so a stream of single points is
//! kept as batches.

use crate::engine::update::Update;

/// Most points a log joins into one batch (so that data messages can be cut between batches).
const LOG_BATCH_POINTS: usize = 4096;

/// Append `update` to a log, points joining the batch of the same series just before them (a
/// stream of `send`s is logged as batches: 16 bytes a point, encoded without a tree of ops).
pub(super) fn log(log: &mut Vec<Update>, update: Update) {
    let (widget, series, ts_ms, value) = match update {
        Update::Point {
            widget,
            ts_ms,
            value,
        } => (widget, u32::MAX, ts_ms, value),
        Update::SeriesPoint {
            widget,
            series,
            ts_ms,
            value,
        } => (widget, series, ts_ms, value),
        other => {
            log.push(other);
            return;
        }
    };
    match log.last_mut() {
        Some(Update::Points {
            widget: w,
            series: s,
            points,
        }) if *w == widget && *s == series && points.len() < LOG_BATCH_POINTS => {
            points.push((ts_ms, value));
        }
        Some(last @ (Update::Point { .. } | Update::SeriesPoint { .. }))
            if last.widget() == widget && point_series(last) == series =>
        {
            let first = point_of(last);
            *last = Update::Points {
                widget,
                series,
                points: Box::new(vec![first, (ts_ms, value)]),
            };
        }
        _ => log.push(Update::point(
            widget,
            (series != u32::MAX).then_some(series),
            ts_ms,
            value,
        )),
    }
}

/// The series of a single point (`u32::MAX`: the widget's only one).
fn point_series(update: &Update) -> u32 {
    match update {
        Update::SeriesPoint { series, .. } => *series,
        _ => u32::MAX,
    }
}

/// The `(ts_ms, value)` of a single point.
fn point_of(update: &Update) -> (f64, f64) {
    match update {
        Update::Point { ts_ms, value, .. } | Update::SeriesPoint { ts_ms, value, .. } => {
            (*ts_ms, *value)
        }
        _ => (f64::NAN, f64::NAN),
    }
}
