//! Exports of one widget's data: CSV, and JSON shaped as the `data` of its `history` message
//! (every point, never decimated). What the browser's and the viewer's export buttons save and
//! `GET /api/v1/widgets/{id}/data` answers.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::encode::{to_json, DataJson};
use crate::engine::{WidgetData, WidgetKind, WidgetOptions, WidgetSpec};

/// The JSON export of one widget: `{"widget", "kind", "data"}` with `data` as in `history` (every
/// point, never decimated; a windowed metric's `partial` window is `partial`).
pub fn export_json(spec: &WidgetSpec, data: &WidgetData, partial: Option<(f64, f64)>) -> String {
    #[derive(Serialize)]
    struct Export<'a> {
        widget: &'a str,
        kind: WidgetKind,
        data: DataJson<'a>,
    }
    to_json(&Export {
        widget: &spec.id,
        kind: spec.kind,
        data: DataJson {
            spec,
            data,
            decimate: false,
            partial: spec.is_windowed().then_some(partial),
        },
    })
}

/// The CSV export of one widget. Time series: `ts_ms,value` (line charts add a leading `series`
/// column); bars: `category,value`; tables: `key` then every field; text: `text`; heatmaps: a
/// header of x labels and one line per row led by its y label. NaN is an empty cell.
pub fn export_csv(spec: &WidgetSpec, data: &WidgetData) -> String {
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let number = |value: f64| {
        if value.is_nan() {
            String::new()
        } else {
            format_number(value)
        }
    };
    let mut rows: Vec<Vec<String>> = Vec::new();
    match data {
        WidgetData::Series(ring) => {
            rows.push(vec!["ts_ms".into(), "value".into()]);
            rows.extend(
                ring.iter()
                    .map(|(ts, v)| vec![format_number(ts), number(v)]),
            );
        }
        WidgetData::MultiSeries(rings) => {
            rows.push(vec!["series".into(), "ts_ms".into(), "value".into()]);
            let names = spec.series_names();
            for (i, ring) in rings.iter().enumerate() {
                let name = names.get(i).copied().unwrap_or("");
                rows.extend(
                    ring.iter()
                        .map(|(ts, v)| vec![name.to_owned(), format_number(ts), number(v)]),
                );
            }
        }
        WidgetData::Bars(values) if values.iter().all(|b| b.series.is_empty()) => {
            rows.push(vec!["category".into(), "value".into()]);
            rows.extend(
                values
                    .iter()
                    .map(|b| vec![b.category.clone(), number(b.value)]),
            );
        }
        WidgetData::Bars(values) => {
            rows.push(vec!["category".into(), "series".into(), "value".into()]);
            rows.extend(
                values
                    .iter()
                    .map(|b| vec![b.category.clone(), b.series.clone(), number(b.value)]),
            );
        }
        WidgetData::Table(table) => {
            let mut fields: Vec<String> = match &spec.options {
                WidgetOptions::Table(o) => o.columns.iter().map(|c| c.name.clone()).collect(),
                _ => Vec::new(),
            };
            for field in table.fields() {
                if !fields.contains(field) {
                    fields.push(field.clone());
                }
            }
            let mut header = vec!["key".to_owned()];
            header.extend(fields.iter().cloned());
            rows.push(header);
            for (key, row) in table.iter() {
                let mut line = vec![key.to_owned()];
                line.extend(fields.iter().map(|f| match row.get(f) {
                    None | Some(Value::Null) => String::new(),
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                }));
                rows.push(line);
            }
        }
        WidgetData::Text(text) => {
            rows.push(vec!["text".into()]);
            rows.push(vec![text.clone()]);
        }
        WidgetData::Matrix(matrix) => {
            let (x_labels, y_labels) = match &spec.options {
                WidgetOptions::Heatmap(o) => (o.x_labels.clone(), o.y_labels.clone()),
                _ => (Vec::new(), Vec::new()),
            };
            let columns = matrix.first().map_or(0, Vec::len);
            let mut header = vec![String::new()];
            header.extend(
                (0..columns).map(|i| x_labels.get(i).cloned().unwrap_or_else(|| i.to_string())),
            );
            rows.push(header);
            for (i, row) in matrix.iter().enumerate() {
                let mut line = vec![y_labels.get(i).cloned().unwrap_or_else(|| i.to_string())];
                line.extend(row.iter().map(|v| number(*v)));
                rows.push(line);
            }
        }
    }
    for row in rows {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&row);
    }
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Shortest text that parses back to the same f64 (integers without a decimal point).
fn format_number(value: f64) -> String {
    let mut out = String::new();
    if value.fract() == 0.0 && value.abs() < 1e15 {
        let _ = write!(out, "{}", value as i64);
    } else {
        let _ = write!(out, "{value}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, Update};
    use crate::protocol::history_messages;
    use serde_json::json;

    fn parse(message: &str) -> Value {
        serde_json::from_str(message).unwrap()
    }

    #[test]
    fn history_and_exports_hold_what_the_engine_holds() {
        let mut engine = Engine::new();
        let cpu = engine
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).unwrap())
            .unwrap();
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 1000.5,
            value: 0.25,
        });
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 2000.0,
            value: f64::NAN,
        });
        let snapshot = engine.snapshot();
        let history = parse(&history_messages(&snapshot)[0]);
        assert_eq!(
            history,
            json!({"type": "history", "widget": "cpu", "kind": "metric", "data": {"points": [[1000.5, 0.25], [2000.0, null]]}})
        );
        let (spec, data) = engine.widget("cpu").unwrap();
        assert_eq!(export_csv(spec, data), "ts_ms,value\n1000.5,0.25\n2000,\n");
        assert_eq!(
            parse(&export_json(spec, data, None))["data"]["points"][0],
            json!([1000.5, 0.25])
        );
    }
}
