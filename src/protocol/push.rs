//! Decoding pushes: widget declarations and updates in the shapes of the protocol's `config` and
//! `data` messages, as other processes send them (`POST /api/v1/push`, `push` messages on `/ws`)
//! and as a replica or a store applies a producer's ops. A push is validated whole before
//! anything is applied, so a bad push changes nothing.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::alerts::parse_rules;
use crate::clock::now_ms;
use crate::engine::{
    key_text, limits, prepare_row, validate_bars, validate_matrix, validate_number, validate_text,
    validate_ts_ms, Bar, ContainerSpec, Containers, Engine, EngineError, KeyedRow, SeriesOptions,
    Update, WidgetKind, WidgetOptions, WidgetSpec,
};

/// Why a push was refused, and where in it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct PushError {
    /// Path of the offending part, e.g. `updates[3]`.
    pub at: String,
    /// What is wrong.
    pub reason: String,
}

fn fail(at: impl Into<String>, reason: impl ToString) -> PushError {
    PushError {
        at: at.into(),
        reason: reason.to_string(),
    }
}

/// What an accepted push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PushOutcome {
    /// Widgets declared or re-declared.
    pub declared: usize,
    /// Points, rows and other changes applied.
    pub applied: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    #[serde(default, rename = "type")]
    message_type: Option<String>,
    #[serde(default)]
    containers: Vec<Value>,
    #[serde(default)]
    widgets: Vec<Value>,
    #[serde(default)]
    updates: Vec<Value>,
    #[serde(default)]
    alerts: Vec<Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpIn {
    widget: String,
    series: Option<String>,
    points: Option<Vec<(Option<f64>, Option<f64>)>>,
    value: Option<Option<f64>>,
    ts_ms: Option<f64>,
    values: Option<Value>,
    upsert: Option<Vec<RowIn>>,
    delete: Option<Vec<Value>>,
    clear: Option<bool>,
    text: Option<String>,
    /// A `data` message's rendering of markdown; ignored (the server renders `text` itself), so
    /// that every op of a `data` message can be pushed back as it is.
    #[allow(dead_code)]
    html: Option<String>,
    matrix: Option<Vec<Vec<f64>>>,
    /// A `data` message's mark that its points are a series' tick M4-reduced for viewing;
    /// ignored (the points are applied as any are), so that such an op can be pushed back too.
    #[allow(dead_code)]
    decimated: Option<bool>,
    /// A windowed metric's partial window (`[ts_ms, value]` or null), as a `data` message
    /// carries it: only a replica (a mirror) takes it; producers push points.
    #[serde(default, deserialize_with = "present")]
    partial: Option<Value>,
}

/// `Some` whenever the field is there, `null` included.
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowIn {
    #[serde(default)]
    key: Option<Value>,
    row: Map<String, Value>,
}

/// A validated change, waiting for its widget to be resolved.
enum Planned {
    Points {
        widget: String,
        series: Option<String>,
        points: Vec<(f64, f64)>,
    },
    Bars {
        widget: String,
        values: Vec<Bar>,
    },
    Upsert {
        widget: String,
        key: Option<Box<str>>,
        row: Map<String, Value>,
    },
    Delete {
        widget: String,
        key: Box<str>,
    },
    Clear {
        widget: String,
    },
    Text {
        widget: String,
        text: String,
    },
    Matrix {
        widget: String,
        matrix: Vec<Vec<f64>>,
    },
    Partial {
        widget: String,
        point: Option<(f64, f64)>,
    },
}

impl Planned {
    /// Points or rows this change carries.
    fn size(&self) -> usize {
        match self {
            Planned::Points { points, .. } => points.len(),
            _ => 1,
        }
    }
}

/// A push parsed and its size checked, not yet validated against a dashboard: parsing needs no
/// engine lock, [`Push::apply`] does.
pub struct Push(PushBody);

impl Push {
    /// Parse a push (`{"type": "push", "widgets": [...], "updates": [...]}`, `type` optional),
    /// or the `updates` of a `data` message wrapped as `{"updates": [...]}`.
    pub fn parse(body: &str) -> Result<Self, PushError> {
        parse_push(body).map(Self)
    }

    /// Whether the push declares alert rules.
    pub fn declares_alerts(&self) -> bool {
        !self.0.alerts.is_empty()
    }

    /// Validate the whole push against `engine`, then apply it: declarations first, then the
    /// updates in order. A refused push changes nothing.
    pub fn apply(self, engine: &mut Engine) -> Result<PushOutcome, PushError> {
        apply_parsed(engine, self.0)
    }
}

/// Parse, validate and apply a push to an engine the caller has locked (a replica applying a
/// producer's messages, a store restoring its changes).
pub fn apply_push_to(engine: &mut Engine, body: &str) -> Result<PushOutcome, PushError> {
    Push::parse(body)?.apply(engine)
}

/// A message's size checked against [`limits::MAX_MESSAGE_BYTES`]; `at` names it in the error.
pub(super) fn within_size(at: &str, body: &str) -> Result<(), PushError> {
    if body.len() > limits::MAX_MESSAGE_BYTES {
        return Err(fail(
            at,
            format!(
                "{} bytes; the limit is {}",
                body.len(),
                limits::MAX_MESSAGE_BYTES
            ),
        ));
    }
    Ok(())
}

fn parse_push(body: &str) -> Result<PushBody, PushError> {
    within_size("body", body)?;
    let body: PushBody = serde_json::from_str(body).map_err(|err| fail("body", err))?;
    if let Some(kind) = body.message_type.as_deref().filter(|t| *t != "push") {
        return Err(fail(
            "type",
            format!("{kind:?} is not a message a client can send (expected \"push\")"),
        ));
    }
    Ok(body)
}

fn apply_parsed(engine: &mut Engine, body: PushBody) -> Result<PushOutcome, PushError> {
    let (containers, mut layout) = plan_containers(engine, body.containers)?;
    let specs = parse_specs(engine, body.widgets)?;
    check_placements(&mut layout, &specs)?;
    let planned = plan_updates(engine, &specs, body.updates)?;
    let rules = parse_rules(body.alerts, |id| {
        specs
            .iter()
            .rev()
            .find(|(spec_id, _)| spec_id == id)
            .map(|(_, spec)| spec.kind)
            .or_else(|| engine.widget(id).map(|(spec, _)| spec.kind))
    })
    .map_err(|(i, err)| fail(format!("alerts[{i}]"), err))?;
    let declared = specs.len();
    for (i, container) in containers.into_iter().enumerate() {
        engine
            .declare_container(container)
            .map_err(|err| fail(format!("containers[{i}]"), err))?;
    }
    for spec in specs.into_iter().map(|(_, spec)| spec) {
        engine.declare(spec).map_err(|err| fail("widgets", err))?;
    }
    for (i, rule) in rules.into_iter().enumerate() {
        engine
            .declare_alert(rule)
            .map_err(|err| fail(format!("alerts[{i}]"), err))?;
    }
    let applied = planned.iter().map(Planned::size).sum();
    for (i, change) in planned.into_iter().enumerate() {
        apply_planned(engine, change).map_err(|err| fail(format!("updates[{i}]"), err))?;
    }
    Ok(PushOutcome { declared, applied })
}

/// Layout containers in the order given, each checked by declaring it (and the ones before it)
/// on a copy of the engine's, which is returned too: a refused one refuses the push.
fn plan_containers(
    engine: &Engine,
    containers: Vec<Value>,
) -> Result<(Vec<ContainerSpec>, Containers), PushError> {
    let mut layout = engine.containers().clone();
    let mut specs = Vec::new();
    for (i, value) in containers.into_iter().enumerate() {
        let at = format!("containers[{i}]");
        let spec = ContainerSpec::from_json(value).map_err(|err| fail(&at, err))?;
        layout.declare(spec.clone()).map_err(|err| fail(&at, err))?;
        specs.push(spec);
    }
    Ok((specs, layout))
}

/// Each declared widget's place, checked against the layout it will find (`plan_containers`'
/// copy; a `columns` row places it in its next column).
fn check_placements(layout: &mut Containers, specs: &Specs) -> Result<(), PushError> {
    for (i, (id, spec)) in specs.iter().enumerate() {
        let at = format!("widgets[{i}]");
        let mut placement = spec.placement.clone();
        placement.parent = layout
            .place(&format!("w:{id}"), placement.parent.as_deref())
            .map_err(|err| fail(&at, err))?;
        layout
            .check_placement(id, &placement)
            .map_err(|err| fail(&at, err))?;
    }
    Ok(())
}

/// Declarations in the order given, by id.
type Specs = Vec<(String, WidgetSpec)>;

fn parse_specs(engine: &Engine, widgets: Vec<Value>) -> Result<Specs, PushError> {
    let mut specs: Specs = Vec::new();
    for (i, value) in widgets.into_iter().enumerate() {
        let at = format!("widgets[{i}]");
        let spec = WidgetSpec::from_json(value).map_err(|err| fail(&at, err))?;
        if let Some((existing, _)) = engine.widget(&spec.id) {
            if existing.kind != spec.kind {
                return Err(fail(
                    &at,
                    EngineError::KindConflict {
                        id: spec.id,
                        existing: existing.kind.name(),
                        requested: spec.kind.name(),
                    },
                ));
            }
        }
        if specs.iter().any(|(id, _)| *id == spec.id) {
            return Err(fail(&at, "this id is declared twice in one push"));
        }
        specs.push((spec.id.clone(), spec));
    }
    Ok(specs)
}

fn plan_updates(
    engine: &Engine,
    specs: &Specs,
    updates: Vec<Value>,
) -> Result<Vec<Planned>, PushError> {
    let mut planned = Vec::new();
    let mut new_series: HashMap<String, Vec<String>> = HashMap::new();
    for (i, op) in updates.into_iter().enumerate() {
        let at = format!("updates[{i}]");
        let op: OpIn = serde_json::from_value(op).map_err(|err| fail(&at, err))?;
        let spec = specs
            .iter()
            .find(|(id, _)| *id == op.widget)
            .map(|(_, spec)| spec)
            .or_else(|| engine.widget(&op.widget).map(|(spec, _)| spec))
            .ok_or_else(|| fail(&at, EngineError::UnknownWidget(op.widget.clone())))?;
        let before = planned.len();
        plan_op(spec, op, engine.is_replica(), &mut planned).map_err(|err| fail(&at, err))?;
        if planned.len() == before {
            return Err(fail(
                &at,
                "an update needs one of points, value, values, upsert, delete, clear, text, matrix",
            ));
        }
        if let Some(Planned::Points {
            series: Some(name),
            widget,
            ..
        }) = planned.last()
        {
            if let WidgetOptions::LineChart(options) = &spec.options {
                let added = new_series.entry(widget.clone()).or_default();
                if !options.series.iter().any(|s| &s.name == name) && !added.contains(name) {
                    added.push(name.clone());
                    if options.series.len() + added.len() > limits::MAX_SERIES {
                        return Err(fail(
                            &at,
                            format!("a line chart holds at most {} series", limits::MAX_SERIES),
                        ));
                    }
                }
            }
        }
        if planned.len() > limits::MAX_MESSAGE_BYTES / 16 {
            return Err(fail(&at, "too many changes in one push"));
        }
    }
    Ok(planned)
}

fn plan_op(
    spec: &WidgetSpec,
    op: OpIn,
    replica: bool,
    planned: &mut Vec<Planned>,
) -> Result<(), EngineError> {
    let id = spec.id.as_str();
    let kind = spec.kind;
    let wrong_kind = |what: &str| crate::engine::EngineError::InvalidValue {
        widget: id.to_owned(),
        reason: format!("a {} does not take {what}", kind.name()),
    };
    let parts = [
        op.points.is_some() || op.value.is_some(),
        op.values.is_some(),
        op.upsert.is_some(),
        op.delete.is_some(),
        op.clear.is_some(),
        op.text.is_some(),
        op.matrix.is_some(),
        op.partial.is_some(),
    ];
    if parts.iter().filter(|p| **p).count() > 1 {
        return Err(crate::engine::EngineError::InvalidValue {
            widget: id.to_owned(),
            reason: "one update carries one kind of change; send several updates".into(),
        });
    }
    let series_kind = matches!(
        kind,
        WidgetKind::Metric | WidgetKind::Stat | WidgetKind::Gauge | WidgetKind::LineChart
    );
    if op.points.is_some() || op.value.is_some() {
        if !series_kind {
            return Err(wrong_kind("points"));
        }
        if (kind == WidgetKind::LineChart) != op.series.is_some() {
            return Err(crate::engine::EngineError::InvalidValue {
                widget: id.to_owned(),
                reason: if kind == WidgetKind::LineChart {
                    "a line chart update names its series".into()
                } else {
                    "only line charts have series".into()
                },
            });
        }
        let now = now_ms();
        let mut points = Vec::new();
        if let Some(value) = op.value {
            points.push((op.ts_ms, value));
        }
        points.extend(op.points.into_iter().flatten());
        let mut checked = Vec::with_capacity(points.len());
        for (ts_ms, value) in points {
            let ts_ms = ts_ms.unwrap_or(now);
            validate_ts_ms(id, ts_ms)?;
            let value = value.unwrap_or(f64::NAN);
            validate_number(kind, id, value)?;
            checked.push((ts_ms, value));
        }
        if let Some(series) = &op.series {
            SeriesOptions {
                name: series.clone(),
                color: None,
                label: None,
            }
            .validate()?;
        }
        planned.push(Planned::Points {
            widget: id.to_owned(),
            series: op.series,
            points: checked,
        });
    } else if let Some(values) = op.values {
        if kind != WidgetKind::BarChart {
            return Err(wrong_kind("values"));
        }
        let pairs = parse_bars(id, values, op.series.as_deref().unwrap_or(""))?;
        validate_bars(id, &pairs)?;
        planned.push(Planned::Bars {
            widget: id.to_owned(),
            values: pairs,
        });
    } else if let Some(rows) = op.upsert {
        let WidgetOptions::Table(options) = &spec.options else {
            return Err(wrong_kind("rows"));
        };
        for row in rows {
            let key = prepare_row(id, options.key.as_deref(), &row.row, row.key.as_ref())?;
            planned.push(Planned::Upsert {
                widget: id.to_owned(),
                key,
                row: row.row,
            });
        }
    } else if let Some(keys) = op.delete {
        if kind != WidgetKind::Table {
            return Err(wrong_kind("deletes"));
        }
        for key in keys {
            planned.push(Planned::Delete {
                widget: id.to_owned(),
                key: key_text(id, &key)?,
            });
        }
    } else if let Some(clear) = op.clear {
        if !matches!(
            kind,
            WidgetKind::Table
                | WidgetKind::Metric
                | WidgetKind::Stat
                | WidgetKind::Gauge
                | WidgetKind::LineChart
        ) {
            return Err(wrong_kind("clear"));
        }
        if clear {
            planned.push(Planned::Clear {
                widget: id.to_owned(),
            });
        }
    } else if let Some(text) = op.text {
        if !matches!(kind, WidgetKind::Text | WidgetKind::Markdown) {
            return Err(wrong_kind("text"));
        }
        validate_text(id, &text)?;
        planned.push(Planned::Text {
            widget: id.to_owned(),
            text,
        });
    } else if let Some(matrix) = op.matrix {
        let WidgetOptions::Heatmap(options) = &spec.options else {
            return Err(wrong_kind("a matrix"));
        };
        validate_matrix(id, options, &matrix)?;
        planned.push(Planned::Matrix {
            widget: id.to_owned(),
            matrix,
        });
    } else if let Some(partial) = op.partial {
        if !spec.is_windowed() {
            return Err(wrong_kind(
                "a partial window (only a metric with a window has one)",
            ));
        }
        if !replica {
            return Err(EngineError::InvalidValue {
                widget: id.to_owned(),
                reason: "the partial window is computed here from the points pushed; push points"
                    .into(),
            });
        }
        let point = match partial {
            Value::Null => None,
            other => {
                let (ts_ms, value): (f64, f64) =
                    serde_json::from_value(other).map_err(|_| EngineError::InvalidValue {
                        widget: id.to_owned(),
                        reason: "a partial window is [ts_ms, value] or null".into(),
                    })?;
                validate_ts_ms(id, ts_ms)?;
                validate_number(kind, id, value)?;
                Some((ts_ms, value))
            }
        };
        planned.push(Planned::Partial {
            widget: id.to_owned(),
            point,
        });
    }
    Ok(())
}

/// Bar values: `{"US": 1200}`, `{"US": {"web": 1200, "mobile": 300}}` (per series), or
/// `[["US", 1200], ["US", 300, "mobile"]]`; `series` names the series of plain numbers.
fn parse_bars(id: &str, values: Value, series: &str) -> Result<Vec<Bar>, EngineError> {
    let bad = |reason: String| EngineError::InvalidValue {
        widget: id.to_owned(),
        reason,
    };
    let number = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    let mut bars = Vec::new();
    match values {
        Value::Object(map) => {
            for (category, value) in map {
                match value {
                    Value::Object(per_series) => {
                        for (name, v) in per_series {
                            bars.push(Bar {
                                category: category.clone(),
                                series: name,
                                value: number(&v),
                            });
                        }
                    }
                    v => bars.push(Bar {
                        category,
                        series: series.to_owned(),
                        value: number(&v),
                    }),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let parsed: Result<(String, f64, Option<String>), _> =
                    serde_json::from_value::<(String, f64)>(item.clone())
                        .map(|(c, v)| (c, v, None))
                        .or_else(|_| {
                            serde_json::from_value::<(String, f64, String)>(item)
                                .map(|(c, v, s)| (c, v, Some(s)))
                        });
                let (category, value, named) = parsed.map_err(|_| {
                    bad(
                        "values is a list of [category, number] or [category, number, series]"
                            .into(),
                    )
                })?;
                bars.push(Bar {
                    category,
                    series: named.unwrap_or_else(|| series.to_owned()),
                    value,
                });
            }
        }
        _ => {
            return Err(bad(
                "values must be an object or a list of [category, number] pairs".into(),
            ))
        }
    }
    Ok(bars)
}

fn apply_planned(engine: &mut Engine, change: Planned) -> Result<(), EngineError> {
    let resolve = |engine: &Engine, id: &str| {
        engine
            .handle(id)
            .ok_or_else(|| EngineError::UnknownWidget(id.to_owned()))
    };
    match change {
        Planned::Points {
            widget,
            series,
            points,
        } => {
            let handle = resolve(engine, &widget)?;
            let series = match series {
                Some(name) => Some(engine.series_index(
                    handle.widget,
                    SeriesOptions {
                        name,
                        color: None,
                        label: None,
                    },
                    false,
                )?),
                None => None,
            };
            for (ts_ms, value) in points {
                engine.apply(Update::point(handle.widget, series, ts_ms, value));
            }
        }
        Planned::Bars { widget, values } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Bars {
                widget: handle.widget,
                values: Box::new(values),
            });
        }
        Planned::Upsert { widget, key, row } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Upsert {
                widget: handle.widget,
                row: Box::new(KeyedRow { key, row }),
            });
        }
        Planned::Delete { widget, key } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Delete {
                widget: handle.widget,
                key,
            });
        }
        Planned::Clear { widget } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Clear {
                widget: handle.widget,
            });
        }
        Planned::Text { widget, text } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Text {
                widget: handle.widget,
                text: text.into_boxed_str(),
            });
        }
        Planned::Matrix { widget, matrix } => {
            let handle = resolve(engine, &widget)?;
            engine.apply(Update::Matrix {
                widget: handle.widget,
                matrix: Box::new(matrix),
            });
        }
        Planned::Partial { widget, point } => {
            let handle = resolve(engine, &widget)?;
            let (ts_ms, value) = point.unwrap_or((f64::NAN, f64::NAN));
            engine.apply(Update::Partial {
                widget: handle.widget,
                ts_ms,
                value,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::WidgetData;

    #[test]
    fn a_data_op_of_markdown_pushes_back_as_it_is_and_its_html_is_ignored() {
        let mut engine = Engine::new();
        apply_push_to(
            &mut engine,
            r#"{"widgets": [{"id": "notes", "kind": "markdown"}],
                "updates": [{"widget": "notes", "text": "**hi**", "html": "<script>x</script>"}]}"#,
        )
        .unwrap();
        let snapshot = engine.snapshot();
        let history = crate::protocol::history_messages(&snapshot).join("\n");
        assert!(history.contains("<strong>hi</strong>"), "{history}");
        assert!(!history.contains("<script>"), "{history}");
    }

    #[test]
    fn a_reduced_data_op_pushes_back_as_it_is() {
        let mut engine = Engine::new();
        apply_push_to(
            &mut engine,
            r#"{"widgets": [{"id": "cpu", "kind": "metric"}],
                "updates": [{"widget": "cpu", "points": [[1, 2], [3, 4]], "decimated": true}]}"#,
        )
        .unwrap();
        let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!("cpu")
        };
        assert_eq!(ring.iter().collect::<Vec<_>>(), [(1.0, 2.0), (3.0, 4.0)]);
    }

    #[test]
    fn bar_pushes_take_plain_nested_and_listed_series() {
        let mut engine = Engine::new();
        apply_push_to(
            &mut engine,
            r#"{"widgets": [{"id": "traffic", "kind": "bar_chart", "options": {"stacked": true}}],
                "updates": [{"widget": "traffic", "values": {"US": 3}},
                            {"widget": "traffic", "values": {"US": {"web": 1, "mobile": 2}}},
                            {"widget": "traffic", "values": [["EU", 4, "web"], ["EU", 5]]},
                            {"widget": "traffic", "series": "mobile", "values": {"EU": 6}}]}"#,
        )
        .unwrap();
        let Some((_, WidgetData::Bars(bars))) = engine.widget("traffic") else {
            panic!("no bars")
        };
        let got: Vec<(&str, &str, f64)> = bars
            .iter()
            .map(|b| (b.category.as_str(), b.series.as_str(), b.value))
            .collect();
        assert_eq!(
            got,
            [
                ("US", "", 3.0),
                ("US", "web", 1.0),
                ("US", "mobile", 2.0),
                ("EU", "web", 4.0),
                ("EU", "", 5.0),
                ("EU", "mobile", 6.0)
            ]
        );
        let err = apply_push_to(
            &mut engine,
            r#"{"updates": [{"widget": "traffic", "values": [["EU", "x"]]}]}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("[category, number, series]"),
            "{err}"
        );
    }

    #[test]
    fn a_push_declares_containers_and_widgets_go_in_a_row_s_columns_in_turn() {
        let mut engine = Engine::new();
        apply_push_to(
            &mut engine,
            r#"{"containers": [{"id": "row", "type": "columns", "weights": [2, 1]}],
                "widgets": [{"id": "a", "kind": "stat", "options": {"parent": "row"}},
                            {"id": "b", "kind": "stat", "options": {"parent": "row"}},
                            {"id": "c", "kind": "stat", "options": {"parent": "row"}}]}"#,
        )
        .unwrap();
        let parent = |id: &str| engine.widget(id).unwrap().0.placement.parent.clone();
        assert_eq!(parent("a").as_deref(), Some("row/column0"));
        assert_eq!(parent("b").as_deref(), Some("row/column1"));
        assert_eq!(parent("c").as_deref(), Some("row/column0"));
        // A bad container refuses the whole push, and so does a widget placed where it may not go.
        let before = engine.containers().list().len();
        for (body, at) in [
            (
                r#"{"containers": [{"id": "t", "type": "tabs", "names": ["A"]}, {"id": "x", "parent": "t", "type": "tab", "name": "B"}], "widgets": [{"id": "d", "kind": "stat"}]}"#,
                "containers[1]",
            ),
            (
                r#"{"containers": [{"id": "t", "type": "tabs", "names": ["A"]}], "widgets": [{"id": "d", "kind": "stat", "options": {"parent": "t"}}]}"#,
                "widgets[0]",
            ),
        ] {
            let err = apply_push_to(&mut engine, body).unwrap_err();
            assert_eq!(err.at, at, "{err}");
        }
        assert_eq!(
            engine.containers().list().len(),
            before,
            "nothing of a refused push is kept"
        );
        assert!(engine.widget("d").is_none());
    }

    #[test]
    fn a_push_declares_and_fills_widgets() {
        let mut engine = Engine::new();
        let outcome = apply_push_to(
            &mut engine,
            r#"{"widgets": [{"id": "cpu", "kind": "metric"}, {"id": "temps", "kind": "line_chart"}],
                "updates": [{"widget": "cpu", "points": [[1000, 1.5], [2000, null]]},
                            {"widget": "cpu", "value": 3, "ts_ms": 3000},
                            {"widget": "temps", "series": "gpu", "value": 70}]}"#,
        )
        .unwrap();
        assert_eq!(
            outcome,
            PushOutcome {
                declared: 2,
                applied: 4
            }
        );
        let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!()
        };
        let points: Vec<_> = ring.iter().collect();
        assert_eq!(points[0], (1000.0, 1.5));
        assert!(points[1].1.is_nan());
        assert_eq!(points[2], (3000.0, 3.0));
        assert_eq!(engine.widget("temps").map(|(_, d)| d.len()), Some(1));
    }

    #[test]
    fn a_bad_push_is_refused_whole_with_its_place() {
        let mut engine = Engine::new();
        apply_push_to(&mut engine, r#"{"widgets": [{"id": "g", "kind": "gauge"}], "updates": [{"widget": "g", "value": 1}]}"#).unwrap();
        for (body, at) in [
            (
                r#"{"updates": [{"widget": "g", "value": 2}, {"widget": "nope", "value": 1}]}"#,
                "updates[1]",
            ),
            (
                r#"{"updates": [{"widget": "g", "value": 2}, {"widget": "g", "value": null}]}"#,
                "updates[1]",
            ),
            (
                r#"{"updates": [{"widget": "g", "text": "x"}]}"#,
                "updates[0]",
            ),
            (
                r#"{"widgets": [{"id": "g", "kind": "metric"}]}"#,
                "widgets[0]",
            ),
            (
                r#"{"widgets": [{"id": "a b", "kind": "metric"}]}"#,
                "widgets[0]",
            ),
            (r#"{"updatez": []}"#, "body"),
            ("not json", "body"),
        ] {
            let err = apply_push_to(&mut engine, body).unwrap_err();
            assert_eq!(err.at, at, "{body}: {err}");
        }
        assert_eq!(
            engine.widget("g").map(|(_, d)| d.len()),
            Some(1),
            "nothing of a refused push is applied"
        );
        assert!(engine.widget("a b").is_none());
    }
}
