//! Encoding: the messages a server sends (`hello`, `config`, `history`, `data`, `stats`,
//! `error`) built from engine snapshots and deltas, the range endpoint's body, and one update as
//! the `data` op a store keeps.

use std::collections::{HashMap, HashSet};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::live::for_viewing;
use crate::engine::{
    decimate::m4, markdown_to_safe_html, Bar, ConfigView, Deltas, KeyedTable, Losses, RingBuffer,
    Row, Snapshot, Update, WidgetData, WidgetInfo, WidgetKind, WidgetSpec,
};

/// Version of the protocol in `hello`; bumped on any incompatible change.
pub const PROTOCOL_VERSION: u32 = 3;

/// The first message on every connection.
pub fn hello_message(server_version: &str) -> String {
    json!({
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "server": "streamviz",
        "version": server_version,
    })
    .to_string()
}

/// The dashboard configuration message.
pub fn config_message(config: &ConfigView) -> String {
    #[derive(Serialize)]
    struct Message<'a> {
        r#type: &'static str,
        #[serde(flatten)]
        config: &'a ConfigView,
    }
    to_json(&Message {
        r#type: "config",
        config,
    })
}

/// The `stats` message: what widgets lost of their input, for those that lost anything
/// (`{"type": "stats", "widgets": {"cpu": {"dropped": 12, "late": 0}}}`).
pub fn stats_message<'a>(
    losses: impl IntoIterator<Item = (&'a str, Losses)>,
    relay_connected: Option<bool>,
) -> String {
    let widgets: serde_json::Map<String, Value> = losses
        .into_iter()
        .filter(|(_, losses)| !losses.is_none())
        .map(|(id, losses)| {
            (
                id.to_owned(),
                json!({"dropped": losses.dropped, "late": losses.late}),
            )
        })
        .collect();
    let mut message = json!({"type": "stats", "widgets": widgets});
    if let Some(connected) = relay_connected {
        message["relay"] = json!({ "connected": connected });
    }
    message.to_string()
}

/// The `stats` message of a snapshot.
pub fn snapshot_stats_message(snapshot: &Snapshot) -> String {
    stats_message(
        snapshot
            .config
            .widgets
            .iter()
            .map(|spec| spec.id.as_str())
            .zip(snapshot.losses.iter().copied()),
        snapshot.relay_connected,
    )
}

/// One `history` message per widget, in declaration order.
pub fn history_messages(snapshot: &Snapshot) -> Vec<String> {
    history_messages_of(snapshot, None)
}

/// [`history_messages`] of the widgets `only` names, when given (an embed's snapshot: the
/// others are not even serialised).
pub fn history_messages_of(snapshot: &Snapshot, only: Option<&[String]>) -> Vec<String> {
    snapshot
        .config
        .widgets
        .iter()
        .zip(&snapshot.data)
        .zip(&snapshot.partials)
        .filter(|((spec, _), _)| only.is_none_or(|ids| ids.contains(&spec.id)))
        .map(|((spec, data), partial)| widget_history_message(spec, data, *partial))
        .collect()
}

/// The `history` message of one widget (without a windowed metric's open window).
pub fn history_message(spec: &WidgetSpec, data: &WidgetData) -> String {
    widget_history_message(spec, data, None)
}

/// The `history` message of one widget of a snapshot, with its open window (`partial`) when it
/// is a windowed metric: one of [`history_messages_of`].
pub fn widget_history_message(
    spec: &WidgetSpec,
    data: &WidgetData,
    partial: Option<(f64, f64)>,
) -> String {
    to_json(&json_history(spec, data, partial))
}

/// Whether `data`'s `history` is M4-decimated (a series longer than
/// [`DECIMATE_HISTORY_ABOVE`]): then its message is far smaller than the data.
pub fn history_is_decimated(data: &WidgetData) -> bool {
    match data {
        WidgetData::Series(ring) => ring.len() > DECIMATE_HISTORY_ABOVE,
        WidgetData::MultiSeries(rings) => rings.iter().any(|r| r.len() > DECIMATE_HISTORY_ABOVE),
        _ => false,
    }
}

/// The `data` of one widget's `history` message, as a JSON value.
pub fn history_data(spec: &WidgetSpec, data: &WidgetData) -> Value {
    serde_json::to_value(json_history(spec, data, None))
        .ok()
        .and_then(|mut message| message.get_mut("data").map(Value::take))
        .unwrap_or(Value::Null)
}

fn json_history<'a>(
    spec: &'a WidgetSpec,
    data: &'a WidgetData,
    partial: Option<(f64, f64)>,
) -> impl Serialize + 'a {
    #[derive(Serialize)]
    struct Message<'a> {
        r#type: &'static str,
        widget: &'a str,
        kind: WidgetKind,
        data: DataJson<'a>,
    }
    Message {
        r#type: "history",
        widget: &spec.id,
        kind: spec.kind,
        data: DataJson {
            spec,
            data,
            decimate: true,
            partial: spec.is_windowed().then_some(partial),
        },
    }
}

/// Series longer than this are sent in `history` decimated (M4) to
/// [`HISTORY_COLUMNS`] columns; the full detail of any time range is one
/// `GET /api/v1/widgets/{id}/range` away.
pub const DECIMATE_HISTORY_ABOVE: usize = 20_000;
/// Columns of a decimated history: enough for a 4K screen.
pub const HISTORY_COLUMNS: usize = 4_000;

/// A widget's data as JSON: the `data` of `history` and the JSON export.
pub struct DataJson<'a> {
    /// The widget's spec (series names, kind).
    pub spec: &'a WidgetSpec,
    /// Its data.
    pub data: &'a WidgetData,
    /// Decimate long series (history); false keeps every point (export).
    pub decimate: bool,
    /// A windowed metric's partial window (`Some(None)`: none yet); `None` leaves it out.
    pub partial: Option<Option<(f64, f64)>>,
}

impl Serialize for DataJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self.data {
            WidgetData::Series(ring) => {
                map.serialize_entry("points", &PointsJson(ring, self.decimate))?;
                if self.decimate && history_is_decimated(self.data) {
                    map.serialize_entry("decimated", &true)?;
                }
                if let Some(partial) = self.partial {
                    map.serialize_entry("partial", &partial.map(|(ts, v)| [ts, v]))?;
                }
            }
            WidgetData::MultiSeries(rings) => {
                let names = self.spec.series_names();
                let series: Vec<_> = rings
                    .iter()
                    .enumerate()
                    .map(|(i, ring)| SeriesJson {
                        name: names.get(i).copied().unwrap_or(""),
                        ring,
                        decimate: self.decimate,
                    })
                    .collect();
                map.serialize_entry("series", &series)?;
                if self.decimate && history_is_decimated(self.data) {
                    map.serialize_entry("decimated", &true)?;
                }
            }
            WidgetData::Bars(values) => map.serialize_entry("values", values)?,
            WidgetData::Table(table) => map.serialize_entry("rows", &RowsJson(table))?,
            WidgetData::Text(text) => {
                map.serialize_entry("text", text)?;
                if self.spec.kind == WidgetKind::Markdown {
                    map.serialize_entry("html", &markdown_to_safe_html(text))?;
                }
            }
            WidgetData::Matrix(matrix) => map.serialize_entry("matrix", matrix)?,
        }
        map.end()
    }
}

struct SeriesJson<'a> {
    name: &'a str,
    ring: &'a RingBuffer,
    decimate: bool,
}

impl Serialize for SeriesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("name", self.name)?;
        map.serialize_entry("points", &PointsJson(self.ring, self.decimate))?;
        map.end()
    }
}

/// `[[ts_ms, value], ...]`; NaN values become `null` (a gap). With `.1` set, a series longer
/// than [`DECIMATE_HISTORY_ABOVE`] is decimated over its whole time extent.
struct PointsJson<'a>(&'a RingBuffer, bool);

impl Serialize for PointsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.1 && self.0.len() > DECIMATE_HISTORY_ABOVE {
            let (t0, t1) = time_extent(self.0);
            return points_json(&m4(self.0.iter(), t0, t1, HISTORY_COLUMNS), serializer);
        }
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for point in self.0.iter() {
            seq.serialize_element(&[point.0, point.1])?;
        }
        seq.end()
    }
}

fn points_json<S: Serializer>(points: &[(f64, f64)], serializer: S) -> Result<S::Ok, S::Error> {
    let mut seq = serializer.serialize_seq(Some(points.len()))?;
    for point in points {
        seq.serialize_element(&[point.0, point.1])?;
    }
    seq.end()
}

/// Earliest and latest timestamp of a series (points may be out of order).
fn time_extent(ring: &RingBuffer) -> (f64, f64) {
    ring.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (ts, _)| {
            (lo.min(ts), hi.max(ts))
        })
}

/// The points of one series between `from` and `to` (epoch ms; `points` are those in range,
/// held and stored) for a chart `width` pixels wide: every point when there are at most four
/// per pixel column, else their M4 decimation.
/// Returns the JSON body of `GET /api/v1/widgets/{id}/range`.
pub fn range_json(
    widget: &str,
    series: Option<&str>,
    mut points: Vec<(f64, f64)>,
    from: f64,
    to: f64,
    width: usize,
) -> String {
    let inside = points.len();
    let decimated = inside > 4 * width;
    if decimated {
        points = m4(points.into_iter(), from, to, width);
    }
    #[derive(Serialize)]
    struct Body<'a> {
        widget: &'a str,
        series: Option<&'a str>,
        from: f64,
        to: f64,
        width: usize,
        points_in_range: usize,
        decimated: bool,
        points: Points<'a>,
    }
    struct Points<'a>(&'a [(f64, f64)]);
    impl Serialize for Points<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            points_json(self.0, serializer)
        }
    }
    to_json(&Body {
        widget,
        series,
        from,
        to,
        width,
        points_in_range: inside,
        decimated,
        points: Points(&points),
    })
}

struct RowsJson<'a>(&'a KeyedTable);

impl Serialize for RowsJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for (key, row) in self.0.iter() {
            seq.serialize_element(&RowJson { key, row })?;
        }
        seq.end()
    }
}

/// One table row as `{"key": ..., "row": {...}}`, serialised by reference (no copy of the row).
#[derive(Serialize)]
pub(super) struct RowJson<'a> {
    key: &'a str,
    row: &'a Row,
}

pub(super) fn to_json<T: Serialize>(value: &T) -> String {
    // Serialising plain data (strings, finite or NaN floats, maps with string keys) cannot fail.
    serde_json::to_string(value)
        .unwrap_or_else(|err| json!({"type": "error", "reason": err.to_string()}).to_string())
}

/// One operation of a `data` message, grouping consecutive changes of one widget.
pub(super) enum Op<'a> {
    Points {
        widget: &'a str,
        series: Option<&'a str>,
        points: Vec<[f64; 2]>,
        /// The tick's points of the series, M4-reduced (`live.rs`).
        decimated: bool,
    },
    Values {
        widget: &'a str,
        values: Vec<&'a Bar>,
    },
    Upsert {
        widget: &'a str,
        rows: Vec<RowJson<'a>>,
    },
    Delete {
        widget: &'a str,
        keys: Vec<&'a str>,
    },
    Clear {
        widget: &'a str,
    },
    Text {
        widget: &'a str,
        text: &'a str,
        markdown: bool,
    },
    Matrix {
        widget: &'a str,
        matrix: &'a [Vec<f64>],
    },
    Partial {
        widget: &'a str,
        point: Option<[f64; 2]>,
    },
}

/// An op straight into the message text: a batch of points without a JSON tree of its points
/// (which costs several times the text, in time and in memory freed only after the burst).
impl Serialize for Op<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct PointsJson<'a> {
            widget: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            series: Option<&'a str>,
            points: &'a [[f64; 2]],
            #[serde(skip_serializing_if = "std::ops::Not::not")]
            decimated: bool,
        }
        match self {
            Op::Points {
                widget,
                series,
                points,
                decimated,
            } => PointsJson {
                widget,
                series: *series,
                points,
                decimated: *decimated,
            }
            .serialize(serializer),
            other => other.to_value().serialize(serializer),
        }
    }
}

impl Op<'_> {
    fn to_value(&self) -> Value {
        match self {
            // Written by `serialize` itself, straight into the text.
            Op::Points { .. } => serde_json::to_value(self).unwrap_or_default(),
            Op::Values { widget, values } => json!({"widget": widget, "values": values}),
            Op::Upsert { widget, rows } => json!({"widget": widget, "upsert": rows}),
            Op::Delete { widget, keys } => json!({"widget": widget, "delete": keys}),
            Op::Clear { widget } => json!({"widget": widget, "clear": true}),
            Op::Text {
                widget,
                text,
                markdown: false,
            } => json!({"widget": widget, "text": text}),
            Op::Text {
                widget,
                text,
                markdown: true,
            } => {
                json!({"widget": widget, "text": text, "html": markdown_to_safe_html(text)})
            }
            Op::Matrix { widget, matrix } => json!({"widget": widget, "matrix": matrix}),
            Op::Partial { widget, point } => json!({"widget": widget, "partial": point}),
        }
    }
}

/// Most updates in one `data` message (a batch of points counting as its points), so that a
/// burst between two ticks becomes several messages of a few MB at most instead of one that
/// clients would refuse.
pub const MAX_UPDATES_PER_DATA_MESSAGE: usize = 32_768;

/// `updates` cut into runs of at most [`MAX_UPDATES_PER_DATA_MESSAGE`] (a batch of points
/// counting as its points; one larger than that is a run of its own).
pub(super) fn data_chunks(updates: &[Update]) -> Vec<&[Update]> {
    let mut chunks = Vec::new();
    let (mut start, mut weight) = (0, 0);
    for (i, update) in updates.iter().enumerate() {
        let w = update.batch_len().max(1);
        if weight + w > MAX_UPDATES_PER_DATA_MESSAGE && i > start {
            chunks.push(&updates[start..i]);
            (start, weight) = (i, 0);
        }
        weight += w;
    }
    if start < updates.len() {
        chunks.push(&updates[start..]);
    }
    chunks
}

/// The live messages for one flush of deltas: a `config` message when the configuration
/// changed, then `data` messages when anything was applied, each numbered with the next `seq`
/// (`seq` is advanced past the last one). Empty when nothing changed. `resync` deltas produce
/// nothing here: the caller sends a snapshot instead.
pub fn delta_messages(seq: &mut u64, deltas: &Deltas) -> Vec<String> {
    let mut messages = Vec::new();
    if let Some(config) = &deltas.config {
        messages.push(config_message(config));
    }
    let live = for_viewing(&deltas.updates);
    for chunk in data_chunks(&live.updates) {
        *seq += 1;
        messages.push(data_message(
            *seq,
            chunk,
            &deltas.directory,
            &live.decimated,
        ));
    }
    if let Some(alerts) = &deltas.alerts {
        messages.push(super::alerts::alerts_message(alerts, false));
    }
    messages
}

/// One `data` message: consecutive updates of one widget merged into one op; the points of the
/// series in `decimated` (widget index, series index) marked as reduced.
fn data_message(
    seq: u64,
    updates: &[Update],
    directory: &[WidgetInfo],
    decimated: &HashSet<(u32, u32)>,
) -> String {
    let ops = data_ops(updates, directory, decimated);
    #[derive(Serialize)]
    struct Data<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        seq: u64,
        updates: &'a [Op<'a>],
    }
    let data = Data {
        kind: "data",
        seq,
        updates: &ops,
    };
    // Serialising plain numbers and strings cannot fail.
    serde_json::to_string(&data).unwrap_or_default()
}

/// The ops of a run of updates: consecutive updates of one widget merged into one op; the points
/// of the series in `decimated` (widget index, series index) marked as reduced.
pub(super) fn data_ops<'a>(
    updates: &'a [Update],
    directory: &'a [WidgetInfo],
    decimated: &HashSet<(u32, u32)>,
) -> Vec<Op<'a>> {
    let mut ops: Vec<Op<'_>> = Vec::new();
    // widget index → position in `ops` of that widget's latest op
    let mut latest: HashMap<u32, usize> = HashMap::new();
    for update in updates {
        let target = update.widget();
        let Some(info) = directory.get(target.index as usize) else {
            continue;
        };
        let last = latest.get(&target.index).and_then(|&i| ops.get_mut(i));
        match (update, last) {
            (
                Update::Point { ts_ms, value, .. },
                Some(Op::Points {
                    series: None,
                    points,
                    ..
                }),
            ) => {
                points.push([*ts_ms, *value]);
                continue;
            }
            (
                Update::SeriesPoint {
                    series,
                    ts_ms,
                    value,
                    ..
                },
                Some(Op::Points {
                    series: Some(name),
                    points,
                    ..
                }),
            ) if info.series.get(*series as usize).map(String::as_str) == Some(*name) => {
                points.push([*ts_ms, *value]);
                continue;
            }
            (
                Update::Points {
                    series,
                    points: new,
                    ..
                },
                Some(Op::Points {
                    series: name,
                    points,
                    ..
                }),
            ) if *name
                == (*series != u32::MAX)
                    .then(|| info.series.get(*series as usize).map_or("", String::as_str)) =>
            {
                points.extend(new.iter().map(|&(ts, v)| [ts, v]));
                continue;
            }
            (Update::Bars { values: new, .. }, Some(Op::Values { values, .. })) => {
                merge_bars(values, new.iter());
                continue;
            }
            (Update::Upsert { row, .. }, Some(Op::Upsert { rows, .. })) => {
                rows.push(RowJson {
                    key: row.key.as_deref().unwrap_or(""),
                    row: &row.row,
                });
                continue;
            }
            (Update::Delete { key, .. }, Some(Op::Delete { keys, .. })) => {
                keys.push(key);
                continue;
            }
            _ => {}
        }
        let mut op = new_op(update, info);
        if let (
            Op::Points {
                decimated: flag, ..
            },
            Update::Points { series, .. },
        ) = (&mut op, update)
        {
            *flag = decimated.contains(&(target.index, *series));
        }
        latest.insert(target.index, ops.len());
        ops.push(op);
    }
    ops
}

/// The op of one update on its own, as in a `data` message.
fn new_op<'a>(update: &'a Update, info: &'a WidgetInfo) -> Op<'a> {
    let widget = &*info.id;
    match update {
        Update::Point { ts_ms, value, .. } => Op::Points {
            widget,
            series: None,
            points: vec![[*ts_ms, *value]],
            decimated: false,
        },
        Update::SeriesPoint {
            series,
            ts_ms,
            value,
            ..
        } => Op::Points {
            widget,
            series: Some(info.series.get(*series as usize).map_or("", String::as_str)),
            points: vec![[*ts_ms, *value]],
            decimated: false,
        },
        Update::Bars { values, .. } => Op::Values {
            widget,
            values: {
                let mut merged = Vec::with_capacity(values.len());
                merge_bars(&mut merged, values.iter());
                merged
            },
        },
        Update::Upsert { row, .. } => Op::Upsert {
            widget,
            rows: vec![RowJson {
                key: row.key.as_deref().unwrap_or(""),
                row: &row.row,
            }],
        },
        Update::Delete { key, .. } => Op::Delete {
            widget,
            keys: vec![key],
        },
        Update::Clear { .. } => Op::Clear { widget },
        Update::Text { text, .. } => Op::Text {
            widget,
            text,
            markdown: info.kind == WidgetKind::Markdown,
        },
        Update::Matrix { matrix, .. } => Op::Matrix { widget, matrix },
        Update::Points { series, points, .. } => Op::Points {
            widget,
            series: (*series != u32::MAX)
                .then(|| info.series.get(*series as usize).map_or("", String::as_str)),
            points: points.iter().map(|&(ts, v)| [ts, v]).collect(),
            decimated: false,
        },
        Update::Partial { ts_ms, value, .. } => Op::Partial {
            widget,
            point: (!ts_ms.is_nan()).then_some([*ts_ms, *value]),
        },
        // The engine records a batch's updates one by one; a batch itself never gets here.
        Update::Batch { .. } => Op::Points {
            widget,
            series: None,
            points: Vec::new(),
            decimated: false,
        },
    }
}

/// Put `new` bars into `values`: a bar whose slot (category and series) is there already
/// replaces it in place, so each slot is sent once, with its last value, where it first came
/// (an op holding the same slot twice would be applied first-to-last, and a later merge would
/// replace only the first).
fn merge_bars<'a>(values: &mut Vec<&'a Bar>, new: impl Iterator<Item = &'a Bar>) {
    for bar in new {
        match values.iter_mut().find(|b| b.same_slot(bar)) {
            Some(slot) => *slot = bar,
            None => values.push(bar),
        }
    }
}

/// One update as a `data` op (the shape `push` accepts), for persistence: the markdown `html` is
/// left out to keep the database small (`push` ignores it anyway). `None` for time-series points,
/// which are stored in columns instead, and for partial windows, which are not stored.
pub fn change_json(update: &Update, info: &WidgetInfo) -> Option<Value> {
    if matches!(
        update,
        Update::Point { .. }
            | Update::SeriesPoint { .. }
            | Update::Points { .. }
            | Update::Partial { .. }
    ) {
        return None;
    }
    let mut value = new_op(update, info).to_value();
    if let Value::Object(map) = &mut value {
        map.remove("html");
    }
    Some(value)
}

/// An `error` message telling a client why its message was refused.
pub fn error_message(reason: &str) -> String {
    json!({"type": "error", "reason": reason}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, KeyedRow, SeriesOptions};
    use serde_json::json;

    fn parse(message: &str) -> Value {
        serde_json::from_str(message).unwrap()
    }

    #[test]
    fn a_burst_is_split_into_numbered_data_messages_of_bounded_size() {
        let mut engine = Engine::new();
        engine.set_recording(true);
        // 80 series under the live bound of one series (live.rs), 68,000 points in all.
        let widgets: Vec<_> = (0..80)
            .map(|i| {
                let spec = WidgetSpec::parse(&format!("m{i}"), "metric", json!({})).unwrap();
                engine.declare(spec).unwrap().widget
            })
            .collect();
        engine.take_deltas();
        let per_widget = 850;
        for i in 0..per_widget {
            for &widget in &widgets {
                engine.apply(Update::Point {
                    widget,
                    ts_ms: f64::from(i),
                    value: f64::from(i),
                });
            }
        }
        let mut seq = 10;
        let messages = delta_messages(&mut seq, &engine.take_deltas());
        assert_eq!(seq, 13);
        let parsed: Vec<Value> = messages.iter().map(|m| parse(m)).collect();
        let seqs: Vec<u64> = parsed.iter().map(|m| m["seq"].as_u64().unwrap()).collect();
        assert_eq!(seqs, [11, 12, 13]);
        for m in &parsed {
            let points: usize = m["updates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|op| op["points"].as_array().unwrap().len())
                .sum();
            assert!(points <= MAX_UPDATES_PER_DATA_MESSAGE, "{points}");
        }
        let values: Vec<f64> = parsed
            .iter()
            .flat_map(|m| m["updates"].as_array().unwrap().clone())
            .filter(|op| op["widget"] == "m7")
            .flat_map(|op| op["points"].as_array().unwrap().clone())
            .map(|p| p[1].as_f64().unwrap())
            .collect();
        assert!(values.iter().copied().eq((0..per_widget).map(f64::from)));
    }

    #[test]
    fn data_messages_group_points_per_widget_in_order() {
        let mut engine = Engine::new();
        engine.set_recording(true);
        let cpu = engine
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).unwrap())
            .unwrap();
        let chart = engine
            .declare(WidgetSpec::parse("temps", "line_chart", json!({})).unwrap())
            .unwrap();
        let gpu = engine
            .series_index(
                chart.widget,
                SeriesOptions {
                    name: "gpu".into(),
                    color: None,
                    label: None,
                },
                false,
            )
            .unwrap();
        let table = engine
            .declare(WidgetSpec::parse("events", "table", json!({})).unwrap())
            .unwrap();
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 1.0,
            value: 10.0,
        });
        engine.apply(Update::SeriesPoint {
            widget: chart.widget,
            series: gpu,
            ts_ms: 1.0,
            value: 5.0,
        });
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 2.0,
            value: f64::NAN,
        });
        engine.apply(Update::Upsert {
            widget: table.widget,
            row: Box::new(KeyedRow {
                key: None,
                row: Default::default(),
            }),
        });
        engine.apply(Update::Delete {
            widget: table.widget,
            key: "#0".into(),
        });
        let mut seq = 6;
        let messages = delta_messages(&mut seq, &engine.take_deltas());
        assert_eq!(messages.len(), 2);
        assert_eq!(parse(&messages[0])["type"], "config");
        assert_eq!(
            parse(&messages[0])["widgets"][1]["options"]["series"][0]["name"],
            "gpu"
        );
        let data = parse(&messages[1]);
        assert_eq!(data["seq"], 7);
        assert_eq!(
            data["updates"],
            json!([
                {"widget": "cpu", "points": [[1.0, 10.0], [2.0, null]]},
                {"widget": "temps", "series": "gpu", "points": [[1.0, 5.0]]},
                {"widget": "events", "upsert": [{"key": "#0", "row": {}}]},
                {"widget": "events", "delete": ["#0"]},
            ])
        );
    }

    #[test]
    fn markdown_history_carries_safe_html() {
        let mut engine = Engine::new();
        let notes = engine
            .declare(WidgetSpec::parse("notes", "markdown", json!({})).unwrap())
            .unwrap();
        engine.apply(Update::Text {
            widget: notes.widget,
            text: "**hi** <b onclick=x>".into(),
        });
        let history = parse(&history_messages(&engine.snapshot())[0]);
        let html = history["data"]["html"].as_str().unwrap();
        assert!(
            html.contains("<strong>hi</strong>") && html.contains("&lt;b onclick=x&gt;"),
            "{html}"
        );
    }
}
