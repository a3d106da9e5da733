//! Widget specifications: the id, the kind and the typed options of every widget, parsed from JSON
//! (Python and HTTP declarations both arrive as JSON) and validated once, at declaration.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::{invalid_option, EngineError, EngineResult};
use super::limits::{
    MAX_CATEGORIES, MAX_COLUMNS, MAX_HEATMAP_SIDE, MAX_LABEL_BYTES, MAX_SERIES, MAX_TABLE_ROWS,
};
use super::placement::Placement;
use super::validate::{
    check_capacity, check_color, check_finite, check_format, check_label, check_labels, check_str,
    validate_color, validate_id,
};
use super::window::WindowSpec;

/// The nine kinds of widget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    /// A time series of one value.
    Metric,
    /// A big number with its change from the previous value and a sparkline.
    Stat,
    /// A bounded value with coloured bands.
    Gauge,
    /// Several named time series on one chart.
    LineChart,
    /// Category → value.
    BarChart,
    /// Streaming rows with keyed upsert and delete.
    Table,
    /// A line of plain text.
    Text,
    /// Markdown, rendered safely.
    Markdown,
    /// A matrix of values with row and column labels.
    Heatmap,
}

impl WidgetKind {
    /// Every kind, in the order the docs list them.
    pub const ALL: [WidgetKind; 9] = [
        WidgetKind::Metric,
        WidgetKind::Stat,
        WidgetKind::Gauge,
        WidgetKind::LineChart,
        WidgetKind::BarChart,
        WidgetKind::Table,
        WidgetKind::Text,
        WidgetKind::Markdown,
        WidgetKind::Heatmap,
    ];

    /// The name used in the protocol and the Python API.
    pub fn name(self) -> &'static str {
        match self {
            WidgetKind::Metric => "metric",
            WidgetKind::Stat => "stat",
            WidgetKind::Gauge => "gauge",
            WidgetKind::LineChart => "line_chart",
            WidgetKind::BarChart => "bar_chart",
            WidgetKind::Table => "table",
            WidgetKind::Text => "text",
            WidgetKind::Markdown => "markdown",
            WidgetKind::Heatmap => "heatmap",
        }
    }

    /// The kind with this protocol name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }
}

/// Warning and critical levels of a metric; crossing them colours the line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Level from which values are shown as a warning.
    pub warning: Option<f64>,
    /// Level from which values are shown as critical.
    pub critical: Option<f64>,
}

/// Options of a metric. Every field defaults to `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricOptions {
    /// Heading shown above the chart. Default: the id.
    pub title: Option<String>,
    /// Unit appended to values, e.g. `"%"`.
    pub unit: Option<String>,
    /// Line colour (CSS). Default: the theme's primary colour.
    pub color: Option<String>,
    /// Ring-buffer capacity. Default: the dashboard's `buffer_size` (1000).
    pub max_points: Option<usize>,
    /// Warning and critical levels.
    pub thresholds: Option<Thresholds>,
    /// Aggregate the points sent into windows of this length (`"500ms"`, `"10s"`, `"1m"`,
    /// `"1h"`, `"7d"`): the metric then shows one point per window. Default: none (raw points).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// What each window becomes: `sum`, `avg`, `min`, `max`, `count`, `rate` (per second) or a
    /// percentile `pNN` / `pNN.N`. Default: `avg` (with a window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<String>,
    /// Distance between window starts, for sliding windows. Default: the window (tumbling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slide: Option<String>,
    /// How far behind the newest point a point may arrive and still count. Default: `"0s"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lateness: Option<String>,
}

impl MetricOptions {
    /// The windowing these options ask for (checked at declaration, so valid here), if any.
    pub fn window_spec(&self) -> Option<WindowSpec> {
        WindowSpec::from_options(
            self.window.as_deref(),
            self.slide.as_deref(),
            self.lateness.as_deref(),
            self.aggregation.as_deref(),
        )
        .ok()
        .flatten()
    }

    /// What the windowing shows, for a caption: `"p95 per 1m"`, `"avg over 5m every 10s"`.
    pub fn window_caption(&self) -> Option<String> {
        let window = self.window.as_deref()?;
        let aggregation = self.aggregation.as_deref().unwrap_or("avg");
        Some(match self.slide.as_deref() {
            Some(slide) => format!("{aggregation} over {window} every {slide}"),
            None => format!("{aggregation} per {window}"),
        })
    }
}

/// How a stat colours its delta.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeltaColor {
    /// Up is good (green), down is bad (red).
    #[default]
    Auto,
    /// Up is bad (red), down is good (green).
    Inverse,
    /// No colour.
    Off,
}

fn yes() -> bool {
    true
}

/// Options of a stat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// Unit appended to the value.
    #[serde(default)]
    pub unit: Option<String>,
    /// d3-style number format such as `",.0f"` or `".2%"`. Default: automatic.
    #[serde(default)]
    pub format: Option<String>,
    /// Show the change from the previous value. Default: `true`.
    #[serde(default = "yes")]
    pub delta: bool,
    /// Colouring of the delta. Default: `auto`.
    #[serde(default)]
    pub delta_color: DeltaColor,
    /// Draw a sparkline of recent values. Default: `true`.
    #[serde(default = "yes")]
    pub sparkline: bool,
    /// Values kept for the sparkline and export. Default: the dashboard's `buffer_size`.
    #[serde(default)]
    pub max_points: Option<usize>,
}

/// Options of a gauge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaugeOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// Unit appended to the value.
    #[serde(default)]
    pub unit: Option<String>,
    /// Lower end of the dial. Default: `0`.
    #[serde(default)]
    pub min: f64,
    /// Upper end of the dial. Default: `100`.
    #[serde(default = "hundred")]
    pub max: f64,
    /// Colour bands as `(upper bound, colour)`, ascending. Default: none (one primary band).
    #[serde(default)]
    pub thresholds: Vec<(f64, String)>,
    /// Values kept for export. Default: the dashboard's `buffer_size`.
    #[serde(default)]
    pub max_points: Option<usize>,
}

fn hundred() -> f64 {
    100.0
}

/// The y axis of a line chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisOptions {
    /// Axis title.
    pub label: Option<String>,
    /// Fixed lower bound. Default: automatic.
    pub min: Option<f64>,
    /// Fixed upper bound. Default: automatic.
    pub max: Option<f64>,
}

/// One series of a line chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesOptions {
    /// The series name used in `send(series, value)`.
    pub name: String,
    /// Line colour. Default: from the theme's palette.
    #[serde(default)]
    pub color: Option<String>,
    /// Legend label. Default: the name.
    #[serde(default)]
    pub label: Option<String>,
}

impl SeriesOptions {
    /// Validate the series name, colour and label.
    pub fn validate(&self) -> EngineResult<()> {
        if self.name.is_empty() {
            return Err(invalid_option("series.name", "must not be empty"));
        }
        check_str("series.name", &self.name, MAX_LABEL_BYTES)?;
        check_color("series.color", &self.color)?;
        check_label("series.label", &self.label)
    }
}

/// Options of a line chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineChartOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// The y axis.
    #[serde(default)]
    pub y_axis: Option<AxisOptions>,
    /// Ring-buffer capacity per series. Default: the dashboard's `buffer_size`.
    #[serde(default)]
    pub max_points: Option<usize>,
    /// Series declared up front; more are added by `add_series` or by sending to a new name.
    #[serde(default)]
    pub series: Vec<SeriesOptions>,
    /// Fill the area under each line (an area chart). Default: `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub area: bool,
    /// Stack the series, each drawn on top of the ones declared before it (their values at the
    /// same time added; between a series' points, its value is interpolated). Default: `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stacked: bool,
}

/// Options of a bar chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarChartOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// Categories shown first, in this order; new ones are appended as they arrive.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Stack series instead of grouping them. Default: `false`.
    #[serde(default)]
    pub stacked: bool,
    /// Unit appended to values.
    #[serde(default)]
    pub unit: Option<String>,
    /// Bar colour. Default: the theme's primary colour.
    #[serde(default)]
    pub color: Option<String>,
}

/// How a table column is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Plain text.
    #[default]
    Text,
    /// A number, right-aligned, with an optional `format`.
    Number,
    /// A date-time (ISO 8601 string or epoch milliseconds).
    Datetime,
    /// A coloured badge; `colors` maps values to colours.
    Badge,
    /// A boolean.
    Bool,
}

/// One table column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnOptions {
    /// The row field shown in this column.
    pub name: String,
    /// How the value is shown. Default: `text`.
    #[serde(default, rename = "type")]
    pub column_type: ColumnType,
    /// Header label. Default: the name.
    #[serde(default)]
    pub label: Option<String>,
    /// Width in pixels. Default: automatic.
    #[serde(default)]
    pub width: Option<u32>,
    /// Number format for `number` columns.
    #[serde(default)]
    pub format: Option<String>,
    /// Value → colour for `badge` columns.
    #[serde(default)]
    pub colors: serde_json::Map<String, Value>,
}

fn hundred_rows() -> usize {
    100
}

/// Options of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// Columns shown, in order. Default: every field seen, in order of first appearance.
    #[serde(default)]
    pub columns: Vec<ColumnOptions>,
    /// Rows kept; the oldest inserted row is evicted beyond it. Default: `100`.
    #[serde(default = "hundred_rows")]
    pub max_rows: usize,
    /// Rows are keyed by this field: a row whose key exists replaces it. Default: none (append).
    #[serde(default)]
    pub key: Option<String>,
    /// Headers sort the rows when clicked. Default: `true`.
    #[serde(default = "yes")]
    pub sortable: bool,
    /// A filter box narrows the rows. Default: `true`.
    #[serde(default = "yes")]
    pub filterable: bool,
    /// The column the rows are sorted on until a viewer clicks a header; `-name` sorts
    /// descending. Default: none (newest first).
    #[serde(default)]
    pub sort_by: Option<String>,
}

impl TableOptions {
    /// The column to sort on at first and whether descending, from `sort_by`.
    pub fn initial_sort(&self) -> Option<(&str, bool)> {
        let sort_by = self.sort_by.as_deref()?;
        Some(match sort_by.strip_prefix('-') {
            Some(name) => (name, true),
            None => (sort_by, false),
        })
    }
}

/// How a text widget is styled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextStyle {
    /// Normal text.
    #[default]
    Body,
    /// Small, muted text.
    Caption,
    /// A heading.
    Heading,
    /// Monospaced text.
    Code,
    /// Green status text.
    Success,
    /// Neutral status text.
    Info,
    /// Yellow status text.
    Warning,
    /// Red status text.
    Error,
}

/// Options of a text widget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextOptions {
    /// Heading. Default: none.
    #[serde(default)]
    pub title: Option<String>,
    /// Style. Default: `body`.
    #[serde(default)]
    pub style: TextStyle,
}

/// Options of a markdown widget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkdownOptions {
    /// Heading. Default: none.
    #[serde(default)]
    pub title: Option<String>,
}

/// Options of a heatmap.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeatmapOptions {
    /// Heading. Default: the id.
    #[serde(default)]
    pub title: Option<String>,
    /// Column labels, left to right. Default: 0, 1, 2, …
    #[serde(default)]
    pub x_labels: Vec<String>,
    /// Row labels, top to bottom. Default: 0, 1, 2, …
    #[serde(default)]
    pub y_labels: Vec<String>,
    /// Colour scale bounds. Default: the matrix's own min and max.
    #[serde(default)]
    pub min: Option<f64>,
    /// See `min`.
    #[serde(default)]
    pub max: Option<f64>,
    /// Unit shown in tooltips.
    #[serde(default)]
    pub unit: Option<String>,
}

/// The options of one widget, by kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum WidgetOptions {
    /// See [`MetricOptions`].
    Metric(MetricOptions),
    /// See [`StatOptions`].
    Stat(StatOptions),
    /// See [`GaugeOptions`].
    Gauge(GaugeOptions),
    /// See [`LineChartOptions`].
    LineChart(LineChartOptions),
    /// See [`BarChartOptions`].
    BarChart(BarChartOptions),
    /// See [`TableOptions`].
    Table(TableOptions),
    /// See [`TextOptions`].
    Text(TextOptions),
    /// See [`MarkdownOptions`].
    Markdown(MarkdownOptions),
    /// See [`HeatmapOptions`].
    Heatmap(HeatmapOptions),
}

/// A validated widget declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WidgetSpec {
    /// The widget id (validated by [`validate_id`]).
    pub id: String,
    /// The widget kind.
    pub kind: WidgetKind,
    /// The kind's options, with defaults filled in.
    pub options: WidgetOptions,
    /// Where it goes and its size hints (options `parent`, `width`, `height`).
    #[serde(skip_serializing_if = "Placement::is_default")]
    pub placement: Placement,
}

/// Take the layout keys (`parent`, `width`, `height`) out of a widget's options.
fn split_placement(options: Value) -> EngineResult<(Value, Placement)> {
    let Value::Object(mut map) = options else {
        return Ok((options, Placement::default()));
    };
    let mut placement = serde_json::Map::new();
    for key in ["parent", "width", "height"] {
        if let Some(value) = map.remove(key) {
            if !value.is_null() {
                placement.insert(key.to_owned(), value);
            }
        }
    }
    let placement: Placement = serde_json::from_value(Value::Object(placement))
        .map_err(|err| EngineError::Layout(err.to_string()))?;
    placement.validate()?;
    Ok((Value::Object(map), placement))
}

fn parse_options<T: serde::de::DeserializeOwned>(
    kind: WidgetKind,
    options: Value,
) -> EngineResult<T> {
    let options = if options.is_null() {
        Value::Object(Default::default())
    } else {
        options
    };
    serde_json::from_value(options).map_err(|err| invalid_option(kind.name(), err.to_string()))
}

impl WidgetSpec {
    /// Parse and validate a declaration from its parts; `options` is a JSON object (or null).
    pub fn parse(id: &str, kind: &str, options: Value) -> EngineResult<Self> {
        validate_id(id)?;
        let (options, placement) = split_placement(options)?;
        let kind = WidgetKind::from_name(kind).ok_or_else(|| {
            let names: Vec<_> = WidgetKind::ALL.iter().map(|k| k.name()).collect();
            invalid_option(
                "kind",
                format!("{kind:?} is not one of {}", names.join(", ")),
            )
        })?;
        let options = match kind {
            WidgetKind::Metric => WidgetOptions::Metric(parse_options(kind, options)?),
            WidgetKind::Stat => WidgetOptions::Stat(parse_options(kind, options)?),
            WidgetKind::Gauge => WidgetOptions::Gauge(parse_options(kind, options)?),
            WidgetKind::LineChart => WidgetOptions::LineChart(parse_options(kind, options)?),
            WidgetKind::BarChart => WidgetOptions::BarChart(parse_options(kind, options)?),
            WidgetKind::Table => WidgetOptions::Table(parse_options(kind, options)?),
            WidgetKind::Text => WidgetOptions::Text(parse_options(kind, options)?),
            WidgetKind::Markdown => WidgetOptions::Markdown(parse_options(kind, options)?),
            WidgetKind::Heatmap => WidgetOptions::Heatmap(parse_options(kind, options)?),
        };
        let spec = Self {
            id: id.to_owned(),
            kind,
            options,
            placement,
        };
        spec.validate()?;
        Ok(spec)
    }

    /// The options as JSON with the placement keys merged in: what [`WidgetSpec::parse`] takes.
    pub fn options_json(&self) -> Value {
        let mut options = serde_json::to_value(&self.options).unwrap_or(Value::Null);
        if let (Value::Object(map), Ok(Value::Object(placement))) =
            (&mut options, serde_json::to_value(&self.placement))
        {
            map.extend(placement);
        }
        options
    }

    /// Parse `{"id": ..., "kind": ..., "options": {...}}`.
    pub fn from_json(value: Value) -> EngineResult<Self> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            id: String,
            kind: String,
            #[serde(default)]
            options: Value,
        }
        let raw: Raw = serde_json::from_value(value)
            .map_err(|err| invalid_option("widget declaration", err.to_string()))?;
        Self::parse(&raw.id, &raw.kind, raw.options)
    }

    /// Whether this is a metric aggregated into windows.
    pub fn is_windowed(&self) -> bool {
        matches!(&self.options, WidgetOptions::Metric(o) if o.window.is_some())
    }

    /// A line chart's series names in order (empty for other kinds).
    pub fn series_names(&self) -> Vec<&str> {
        match &self.options {
            WidgetOptions::LineChart(o) => o.series.iter().map(|s| s.name.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// The ring-buffer capacity asked for, if any.
    pub fn max_points(&self) -> Option<usize> {
        match &self.options {
            WidgetOptions::Metric(o) => o.max_points,
            WidgetOptions::Stat(o) => o.max_points,
            WidgetOptions::Gauge(o) => o.max_points,
            WidgetOptions::LineChart(o) => o.max_points,
            _ => None,
        }
    }

    fn validate(&self) -> EngineResult<()> {
        check_capacity("max_points", self.max_points())?;
        match &self.options {
            WidgetOptions::Metric(o) => {
                check_label("title", &o.title)?;
                check_label("unit", &o.unit)?;
                check_color("color", &o.color)?;
                if let Some(t) = &o.thresholds {
                    check_finite("thresholds.warning", t.warning)?;
                    check_finite("thresholds.critical", t.critical)?;
                }
                for (option, text) in [
                    ("window", &o.window),
                    ("slide", &o.slide),
                    ("lateness", &o.lateness),
                    ("aggregation", &o.aggregation),
                ] {
                    check_label(option, text)?;
                }
                WindowSpec::from_options(
                    o.window.as_deref(),
                    o.slide.as_deref(),
                    o.lateness.as_deref(),
                    o.aggregation.as_deref(),
                )?;
            }
            WidgetOptions::Stat(o) => {
                check_label("title", &o.title)?;
                check_label("unit", &o.unit)?;
                check_format(&o.format)?;
            }
            WidgetOptions::Gauge(o) => {
                check_label("title", &o.title)?;
                check_label("unit", &o.unit)?;
                check_finite("min", Some(o.min))?;
                check_finite("max", Some(o.max))?;
                if o.min >= o.max {
                    return Err(invalid_option(
                        "max",
                        format!("must be greater than min ({} >= {})", o.min, o.max),
                    ));
                }
                if o.thresholds.len() > 32 {
                    return Err(invalid_option("thresholds", "at most 32 bands"));
                }
                let mut previous = f64::NEG_INFINITY;
                for (bound, color) in &o.thresholds {
                    check_finite("thresholds", Some(*bound))?;
                    if *bound <= previous {
                        return Err(invalid_option("thresholds", "bounds must be ascending"));
                    }
                    previous = *bound;
                    validate_color("thresholds", color)?;
                }
            }
            WidgetOptions::LineChart(o) => {
                check_label("title", &o.title)?;
                if let Some(axis) = &o.y_axis {
                    check_label("y_axis.label", &axis.label)?;
                    check_finite("y_axis.min", axis.min)?;
                    check_finite("y_axis.max", axis.max)?;
                    if let (Some(min), Some(max)) = (axis.min, axis.max) {
                        if min >= max {
                            return Err(invalid_option("y_axis", "min must be less than max"));
                        }
                    }
                }
                if o.series.len() > MAX_SERIES {
                    return Err(invalid_option(
                        "series",
                        format!("at most {MAX_SERIES} series"),
                    ));
                }
                for (i, series) in o.series.iter().enumerate() {
                    series.validate()?;
                    if o.series[..i].iter().any(|s| s.name == series.name) {
                        return Err(invalid_option(
                            "series",
                            format!("{:?} is declared twice", series.name),
                        ));
                    }
                }
            }
            WidgetOptions::BarChart(o) => {
                check_label("title", &o.title)?;
                check_label("unit", &o.unit)?;
                check_color("color", &o.color)?;
                check_labels("categories", &o.categories, MAX_CATEGORIES)?;
            }
            WidgetOptions::Table(o) => {
                check_label("title", &o.title)?;
                if o.max_rows == 0 || o.max_rows > MAX_TABLE_ROWS {
                    return Err(invalid_option(
                        "max_rows",
                        format!("must be between 1 and {MAX_TABLE_ROWS}"),
                    ));
                }
                if o.columns.len() > MAX_COLUMNS {
                    return Err(invalid_option(
                        "columns",
                        format!("at most {MAX_COLUMNS} columns"),
                    ));
                }
                for (i, column) in o.columns.iter().enumerate() {
                    if column.name.is_empty() {
                        return Err(invalid_option("columns", "a column name is empty"));
                    }
                    check_str("columns.name", &column.name, MAX_LABEL_BYTES)?;
                    check_label("columns.label", &column.label)?;
                    check_format(&column.format)?;
                    if o.columns[..i].iter().any(|c| c.name == column.name) {
                        return Err(invalid_option(
                            "columns",
                            format!("{:?} is declared twice", column.name),
                        ));
                    }
                    if column.colors.len() > 64 {
                        return Err(invalid_option("columns.colors", "at most 64 colours"));
                    }
                    for (value, color) in &column.colors {
                        check_str("columns.colors", value, MAX_LABEL_BYTES)?;
                        let Some(color) = color.as_str() else {
                            return Err(invalid_option(
                                "columns.colors",
                                "colours must be strings",
                            ));
                        };
                        validate_color("columns.colors", color)?;
                    }
                }
                if let Some(key) = &o.key {
                    check_str("key", key, MAX_LABEL_BYTES)?;
                }
                if let Some(sort_by) = &o.sort_by {
                    check_str("sort_by", sort_by, MAX_LABEL_BYTES)?;
                    if o.initial_sort().is_some_and(|(name, _)| name.is_empty()) {
                        return Err(invalid_option(
                            "sort_by",
                            "names a column: \"name\", or \"-name\" for descending",
                        ));
                    }
                }
            }
            WidgetOptions::Text(o) => check_label("title", &o.title)?,
            WidgetOptions::Markdown(o) => check_label("title", &o.title)?,
            WidgetOptions::Heatmap(o) => {
                check_label("title", &o.title)?;
                check_label("unit", &o.unit)?;
                check_labels("x_labels", &o.x_labels, MAX_HEATMAP_SIDE)?;
                check_labels("y_labels", &o.y_labels, MAX_HEATMAP_SIDE)?;
                check_finite("min", o.min)?;
                check_finite("max", o.max)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn options_fill_defaults_and_reject_unknown_keys() {
        let spec = WidgetSpec::parse("total", "stat", json!({"title": "Total"})).unwrap();
        let WidgetOptions::Stat(options) = &spec.options else {
            panic!("wrong kind")
        };
        assert!(options.delta && options.sparkline);
        assert_eq!(options.delta_color, DeltaColor::Auto);
        let err = WidgetSpec::parse("cpu", "metric", json!({"colr": "red"})).unwrap_err();
        assert!(err.to_string().contains("unknown field `colr`"), "{err}");
        let err = WidgetSpec::parse("cpu", "sparkle", json!({})).unwrap_err();
        assert!(err.to_string().contains("not one of"), "{err}");
    }

    #[test]
    fn invalid_values_in_options_are_refused() {
        assert!(WidgetSpec::parse("g", "gauge", json!({"min": 10, "max": 5})).is_err());
        assert!(WidgetSpec::parse("m", "metric", json!({"color": "red;}body{"})).is_err());
        assert!(WidgetSpec::parse("m", "metric", json!({"max_points": 0})).is_err());
        assert!(WidgetSpec::parse("t", "table", json!({"max_rows": 1_000_000})).is_err());
        assert!(WidgetSpec::parse(
            "g",
            "gauge",
            json!({"thresholds": [[70, "red"], [50, "green"]]})
        )
        .is_err());
        assert!(WidgetSpec::parse(
            "g",
            "gauge",
            json!({"thresholds": [[50, "green"], [70, "#ff0"]]})
        )
        .is_ok());
    }
}
