//! A journal as a backend stores it: runs of points per series, clears, and every other change
//! as its protocol op — the same walk for every backend.

use crate::engine::{Journal, Update, WidgetInfo};
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
