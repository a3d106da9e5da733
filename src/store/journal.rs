//! A journal as a backend stores it: runs of points per series, clears, and every other change
//! as its protocol op — the same walk for every backend.

use serde_json::json;

use crate::engine::{ConfigView, Journal, Update, WidgetInfo};
use crate::protocol::change_json;

/// One thing to store, in the journal's order.
pub(crate) enum Stored<'a> {
    /// Points of one series (`series` 0 for a widget's only series, else 1 + its index).
    Points {
        /// The widget's position in the journal's directory.
        index: u32,
        /// The widget.
        info: &'a WidgetInfo,
        /// Its series, as stored.
        series: u32,
        /// `(ts_ms, value)`, in the order applied.
        points: &'a [(f64, f64)],
    },
    /// Everything stored of the widget is gone (points, changes, snapshots).
    Clear {
        /// The widget's position in the journal's directory.
        index: u32,
        /// The widget.
        info: &'a WidgetInfo,
    },
    /// Another change, as its `data` op.
    Change {
        /// The widget.
        info: &'a WidgetInfo,
        /// The update.
        update: &'a Update,
        /// The op's JSON.
        op: String,
    },
}

/// Walk `journal`'s updates as what is stored of them, stopping at the first error.
pub(crate) fn walk<E>(
    journal: &Journal,
    mut store: impl FnMut(Stored<'_>) -> Result<(), E>,
) -> Result<(), E> {
    for update in &journal.updates {
        let index = update.widget().index;
        let Some(info) = journal.directory.get(index as usize) else {
            continue;
        };
        let single;
        let (series, points): (u32, &[(f64, f64)]) = match update {
            Update::Point { ts_ms, value, .. } => {
                single = [(*ts_ms, *value)];
                (0, &single)
            }
            Update::SeriesPoint {
                series,
                ts_ms,
                value,
                ..
            } => {
                single = [(*ts_ms, *value)];
                (*series + 1, &single)
            }
            // u32::MAX (the widget's only series) is stored as 0, series s as s + 1.
            Update::Points { series, points, .. } => (series.wrapping_add(1), points.as_slice()),
            Update::Clear { .. } => {
                store(Stored::Clear { index, info })?;
                continue;
            }
            other => {
                if let Some(change) = change_json(other, info) {
                    store(Stored::Change {
                        info,
                        update: other,
                        op: change.to_string(),
                    })?;
                }
                continue;
            }
        };
        store(Stored::Points {
            index,
            info,
            series,
            points,
        })?;
    }
    Ok(())
}

/// A stored series' name: `""` for a widget's only series (`series` 0), else the line chart's.
pub(crate) fn series_name(info: &WidgetInfo, series: u32) -> &str {
    match series {
        0 => "",
        n => info.series.get(n as usize - 1).map_or("", String::as_str),
    }
}

/// Whether a journal (with the snapshots taken with it) holds nothing to store.
pub(crate) fn nothing_to_store<T>(journal: &Journal, snapshots: &[T]) -> bool {
    journal.config.is_none()
        && journal.updates.is_empty()
        && journal.alerts.0.is_empty()
        && snapshots.is_empty()
}

/// The dashboard-wide settings a store keeps under keys of its own: `dashboard` (title, theme,
/// buffer size, time range, auto refresh), `containers`, and `alerts` (the rules; their
/// webhooks are never serialised: a URL may hold a secret), each as JSON.
pub(crate) fn config_meta(config: &ConfigView) -> [(&'static str, String); 3] {
    let dashboard = json!({
        "title": config.title,
        "theme": config.theme,
        "buffer_size": config.buffer_size,
        "default_time_range_ms": config.default_time_range_ms,
        "auto_refresh": config.auto_refresh,
    });
    let json = |value: Result<String, serde_json::Error>| value.unwrap_or_else(|_| "[]".into());
    [
        ("dashboard", dashboard.to_string()),
        (
            "containers",
            json(serde_json::to_string(&config.containers)),
        ),
        ("alerts", json(serde_json::to_string(&config.alerts))),
    ]
}
