//! Updates: what producers ask the engine to do to a widget's data. They are validated by the
//! producer-side helpers here before they enter the queue, so the engine thread only applies.

use serde_json::{Map, Value};

use super::error::{invalid_value, EngineError, EngineResult};
use super::limits::{
    MAX_CATEGORIES, MAX_CELL_BYTES, MAX_COLUMNS, MAX_HEATMAP_CELLS, MAX_HEATMAP_SIDE,
    MAX_LABEL_BYTES, MAX_TS_MS, MIN_TS_MS,
};
use super::spec::{HeatmapOptions, WidgetKind};
use super::table::Row;

/// A widget's slot in the engine, with the generation of the dashboard it belongs to: after
/// `reset()` old references no longer match and their updates are discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WidgetRef {
    /// Position in the engine's widget list.
    pub index: u32,
    /// Dashboard generation at declaration.
    pub generation: u32,
}

/// A table row with its key; a `None` key asks the engine to assign one (append-only tables).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedRow {
    /// The key.
    pub key: Option<Box<str>>,
    /// The row.
    pub row: Row,
}

/// One change to one widget's data. Small variants are inline; large ones are boxed so the
/// queue's slots stay 32 bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// A point of a metric, stat or gauge.
    Point {
        /// The widget.
        widget: WidgetRef,
        /// Epoch milliseconds.
        ts_ms: f64,
        /// The value; NaN is a gap (metrics only).
        value: f64,
    },
    /// A point of one series of a line chart.
    SeriesPoint {
        /// The widget.
        widget: WidgetRef,
        /// The series' position in the chart's spec.
        series: u32,
        /// Epoch milliseconds.
        ts_ms: f64,
        /// The value; NaN is a gap.
        value: f64,
    },
    /// New values for some categories of a bar chart.
    Bars {
        /// The widget.
        widget: WidgetRef,
        /// Category (and series) → value, in the order given.
        values: Box<Vec<Bar>>,
    },
    /// Insert a row, or replace the row with the same key.
    Upsert {
        /// The widget.
        widget: WidgetRef,
        /// The row and its key.
        row: Box<KeyedRow>,
    },
    /// Remove the row with this key (no-op when absent).
    Delete {
        /// The widget.
        widget: WidgetRef,
        /// The key.
        key: Box<str>,
    },
    /// Remove every row of a table, or every point of a series widget.
    Clear {
        /// The widget.
        widget: WidgetRef,
    },
    /// Replace the content of a text or markdown widget.
    Text {
        /// The widget.
        widget: WidgetRef,
        /// The new content.
        text: Box<str>,
    },
    /// Replace the matrix of a heatmap (rows top to bottom).
    Matrix {
        /// The widget.
        widget: WidgetRef,
        /// The matrix.
        matrix: Box<Vec<Vec<f64>>>,
    },
    /// Many points of one series at once (`send_many`): applied as that many points, in order.
    Points {
        /// The widget.
        widget: WidgetRef,
        /// The line chart's series position, or `u32::MAX` for a widget's only series.
        series: u32,
        /// `(ts_ms, value)`, in the order sent.
        points: Box<Vec<(f64, f64)>>,
    },
    /// Several updates of one widget applied together: no viewer, export or store sees some
    /// of them without the others (a Pathway time's changes, a chart redrawn from scratch).
    /// Not nested; each is recorded as itself.
    Batch {
        /// The widget every update is for.
        widget: WidgetRef,
        /// The updates, in order.
        updates: Box<Vec<Update>>,
    },
    /// The open window of a windowed metric as it stands: its value so far, stamped with the
    /// newest point's time. A NaN `ts_ms` says there is none. The engine makes these; only a
    /// replica (a mirror, a stored dashboard being loaded) applies them.
    Partial {
        /// The widget.
        widget: WidgetRef,
        /// Epoch milliseconds, or NaN for no partial window.
        ts_ms: f64,
        /// The value so far.
        value: f64,
    },
}

impl Update {
    /// A point of a widget's only series (`series` None) or of a line chart's series.
    pub fn point(widget: WidgetRef, series: Option<u32>, ts_ms: f64, value: f64) -> Self {
        match series {
            Some(series) => Update::SeriesPoint {
                widget,
                series,
                ts_ms,
                value,
            },
            None => Update::Point {
                widget,
                ts_ms,
                value,
            },
        }
    }

    /// Points this update carries when it is a batch ([`Update::Points`]), else 0.
    #[inline]
    pub fn batch_len(&self) -> usize {
        match self {
            Update::Points { points, .. } => points.len(),
            Update::Batch { updates, .. } => updates.iter().map(|u| u.batch_len().max(1)).sum(),
            _ => 0,
        }
    }

    /// The widget this update changes.
    pub fn widget(&self) -> WidgetRef {
        match self {
            Update::Point { widget, .. }
            | Update::SeriesPoint { widget, .. }
            | Update::Bars { widget, .. }
            | Update::Upsert { widget, .. }
            | Update::Delete { widget, .. }
            | Update::Clear { widget }
            | Update::Text { widget, .. }
            | Update::Matrix { widget, .. }
            | Update::Points { widget, .. }
            | Update::Batch { widget, .. }
            | Update::Partial { widget, .. } => *widget,
        }
    }
}

/// Check a timestamp in epoch milliseconds.
pub fn validate_ts_ms(widget: &str, ts_ms: f64) -> EngineResult<()> {
    if !(MIN_TS_MS..=MAX_TS_MS).contains(&ts_ms) {
        return Err(invalid_value(
            widget,
            format!("timestamp {ts_ms} ms is not between 1970 and year 5000 (epoch milliseconds)"),
        ));
    }
    Ok(())
}

/// Check a value for a widget of this kind. Time series (metric, line chart) take NaN as a gap;
/// everything else refuses NaN; nothing takes ±infinity.
pub fn validate_number(kind: WidgetKind, widget: &str, value: f64) -> EngineResult<()> {
    if value.is_infinite() {
        return Err(invalid_value(widget, "infinity is not a value"));
    }
    if value.is_nan() && !matches!(kind, WidgetKind::Metric | WidgetKind::LineChart) {
        return Err(invalid_value(
            widget,
            format!(
                "NaN is not a value for a {} (only metrics and line charts take NaN, as a gap)",
                kind.name()
            ),
        ));
    }
    Ok(())
}

/// Check bar values: a bounded number of named, finite values.
pub fn validate_bars(widget: &str, values: &[Bar]) -> EngineResult<()> {
    if values.len() > MAX_CATEGORIES {
        return Err(EngineError::TooLarge(format!(
            "{} categories; the limit is {MAX_CATEGORIES}",
            values.len()
        )));
    }
    for bar in values {
        if bar.category.is_empty() || bar.category.len() > MAX_LABEL_BYTES {
            return Err(invalid_value(
                widget,
                format!("category names are 1 to {MAX_LABEL_BYTES} bytes"),
            ));
        }
        if bar.series.len() > MAX_LABEL_BYTES {
            return Err(invalid_value(
                widget,
                format!("series names are at most {MAX_LABEL_BYTES} bytes"),
            ));
        }
        validate_number(WidgetKind::BarChart, widget, bar.value)?;
    }
    let series: std::collections::HashSet<&str> =
        values.iter().map(|b| b.series.as_str()).collect();
    if series.len() > crate::engine::limits::MAX_SERIES {
        return Err(EngineError::TooLarge(format!(
            "{} bar series; the limit is {}",
            series.len(),
            crate::engine::limits::MAX_SERIES
        )));
    }
    Ok(())
}

/// One bar: its category, its series (`""` for a chart of one series) and its value. On the
/// wire it is `[category, value]`, or `[category, value, series]` for a named series.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// The category (x axis).
    pub category: String,
    /// The series; `""` is the chart's only series.
    pub series: String,
    /// The value.
    pub value: f64,
}

impl Bar {
    /// A bar of the default series.
    pub fn new(category: impl Into<String>, value: f64) -> Self {
        Self {
            category: category.into(),
            series: String::new(),
            value,
        }
    }

    /// Whether `other` is the same bar (category and series).
    pub fn same_slot(&self, other: &Bar) -> bool {
        self.category == other.category && self.series == other.series
    }
}

impl serde::Serialize for Bar {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let named = !self.series.is_empty();
        let mut seq = serializer.serialize_seq(Some(if named { 3 } else { 2 }))?;
        seq.serialize_element(&self.category)?;
        seq.serialize_element(&self.value)?;
        if named {
            seq.serialize_element(&self.series)?;
        }
        seq.end()
    }
}

/// The text form of a key value: strings as they are, numbers and booleans as JSON.
pub fn key_text(widget: &str, key: &Value) -> EngineResult<Box<str>> {
    let text = match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => {
            return Err(invalid_value(
                widget,
                "a row key must be a string, a number or a boolean",
            ))
        }
    };
    if text.is_empty() || text.len() > MAX_CELL_BYTES {
        return Err(invalid_value(
            widget,
            format!("a row key is 1 to {MAX_CELL_BYTES} bytes"),
        ));
    }
    Ok(text.into_boxed_str())
}

/// Check a row and work out its key: `explicit_key` if given, else the `key_field` of the row
/// when the table is keyed, else `None` (the engine appends it under a fresh key).
pub fn prepare_row(
    widget: &str,
    key_field: Option<&str>,
    row: &Map<String, Value>,
    explicit_key: Option<&Value>,
) -> EngineResult<Option<Box<str>>> {
    if row.len() > MAX_COLUMNS {
        return Err(EngineError::TooLarge(format!(
            "a row has {} fields; the limit is {MAX_COLUMNS}",
            row.len()
        )));
    }
    for (name, cell) in row {
        if name.is_empty() || name.len() > MAX_LABEL_BYTES {
            return Err(invalid_value(
                widget,
                format!("field names are 1 to {MAX_LABEL_BYTES} bytes"),
            ));
        }
        match cell {
            Value::String(s) if s.len() > MAX_CELL_BYTES => {
                return Err(EngineError::TooLarge(format!(
                    "field {name:?} is {} bytes; the limit is {MAX_CELL_BYTES}",
                    s.len()
                )))
            }
            Value::Array(_) | Value::Object(_) => {
                return Err(invalid_value(
                    widget,
                    format!("field {name:?} is a list or a mapping; cells hold strings, numbers, booleans, dates or None"),
                ))
            }
            _ => {}
        }
    }
    if let Some(key) = explicit_key {
        return key_text(widget, key).map(Some);
    }
    match key_field {
        Some(field) => match row.get(field) {
            Some(value) if !value.is_null() => key_text(widget, value).map(Some),
            _ => Err(invalid_value(
                widget,
                format!("the row has no value for its key field {field:?}"),
            )),
        },
        None => Ok(None),
    }
}

/// Check a heatmap matrix: rectangular, bounded, finite, and matching the labels when given.
pub fn validate_matrix(
    widget: &str,
    options: &HeatmapOptions,
    matrix: &[Vec<f64>],
) -> EngineResult<()> {
    let rows = matrix.len();
    let columns = matrix.first().map_or(0, Vec::len);
    if rows > MAX_HEATMAP_SIDE || columns > MAX_HEATMAP_SIDE || rows * columns > MAX_HEATMAP_CELLS {
        return Err(EngineError::TooLarge(format!(
            "a {rows}×{columns} matrix; the limits are {MAX_HEATMAP_SIDE} per side and {MAX_HEATMAP_CELLS} cells"
        )));
    }
    if matrix.iter().any(|row| row.len() != columns) {
        return Err(invalid_value(
            widget,
            "every row of the matrix must have the same length",
        ));
    }
    if !options.y_labels.is_empty() && rows != options.y_labels.len() {
        return Err(invalid_value(
            widget,
            format!(
                "the matrix has {rows} rows but {} y_labels",
                options.y_labels.len()
            ),
        ));
    }
    if !options.x_labels.is_empty() && columns != options.x_labels.len() {
        return Err(invalid_value(
            widget,
            format!(
                "the matrix has {columns} columns but {} x_labels",
                options.x_labels.len()
            ),
        ));
    }
    for value in matrix.iter().flatten() {
        validate_number(WidgetKind::Heatmap, widget, *value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn updates_fit_in_32_bytes() {
        assert!(
            std::mem::size_of::<Update>() <= 32,
            "{}",
            std::mem::size_of::<Update>()
        );
    }

    #[test]
    fn nan_is_a_gap_only_for_time_series() {
        assert!(validate_number(WidgetKind::Metric, "m", f64::NAN).is_ok());
        assert!(validate_number(WidgetKind::LineChart, "m", f64::NAN).is_ok());
        assert!(validate_number(WidgetKind::Gauge, "g", f64::NAN).is_err());
        assert!(validate_number(WidgetKind::Metric, "m", f64::INFINITY).is_err());
    }

    #[test]
    fn row_keys_come_from_the_key_field_or_the_caller() {
        let row = json!({"id": 7, "name": "x"});
        let row = row.as_object().unwrap();
        assert_eq!(
            prepare_row("t", Some("id"), row, None).unwrap().as_deref(),
            Some("7")
        );
        assert_eq!(
            prepare_row("t", None, row, Some(&json!("k")))
                .unwrap()
                .as_deref(),
            Some("k")
        );
        assert_eq!(prepare_row("t", None, row, None).unwrap(), None);
        assert!(prepare_row("t", Some("missing"), row, None).is_err());
        let nested = json!({"a": [1, 2]});
        assert!(prepare_row("t", None, nested.as_object().unwrap(), None).is_err());
    }

    #[test]
    fn matrices_must_be_rectangular_and_match_labels() {
        let options = HeatmapOptions {
            x_labels: vec!["a".into(), "b".into()],
            ..Default::default()
        };
        assert!(validate_matrix("h", &options, &[vec![1.0, 2.0], vec![3.0, 4.0]]).is_ok());
        assert!(validate_matrix("h", &options, &[vec![1.0, 2.0], vec![3.0]]).is_err());
        assert!(validate_matrix("h", &options, &[vec![1.0, 2.0, 3.0]]).is_err());
        assert!(validate_matrix("h", &options, &[vec![1.0, f64::NAN]]).is_err());
    }
}
