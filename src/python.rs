//! The extension module `stream_viz._core`: one process-wide [`Pipeline`], the widget classes
//! whose `send` is the hot path (validated here, queued without blocking), and the functions the
//! Python layer (python/stream_viz) builds its API on. Errors are raised as the classes of
//! `stream_viz.errors`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple, PyType};
use serde_json::{Map, Value};

use crate::engine::{
    prepare_row, validate_bars, validate_matrix, validate_number, validate_text, validate_ts_ms,
    Bar, BrandImage, ConfigPatch, ContainerSpec, EngineError, ImageSlot, KeyedRow, SeriesOptions,
    Update, WidgetHandle, WidgetKind, WidgetOptions, WidgetRef, WidgetSpec,
};
use crate::ingest::{now_ms, Pipeline};
use crate::protocol::{export_csv, export_json};
use crate::store::{Persistence, StoreOptions};
use crate::web::{ServerHandle, ServerOptions};

struct Runtime {
    pipeline: Pipeline,
    /// Mirrors the engine generation so `send` can refuse stale handles without the lock.
    generation: AtomicU32,
    server: Mutex<Option<ServerHandle>>,
    store: Mutex<Option<Persistence>>,
}

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime {
        pipeline: Pipeline::default(),
        generation: AtomicU32::new(0),
        server: Mutex::new(None),
        store: Mutex::new(None),
    })
}

static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TYPE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SERVER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BASE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PERSISTENCE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn raise(
    py: Python<'_>,
    class: &'static PyOnceLock<Py<PyType>>,
    name: &str,
    message: String,
) -> PyErr {
    match class.import(py, "stream_viz.errors", name) {
        Ok(ty) => PyErr::from_type(ty.clone(), message),
        Err(err) => err,
    }
}

fn validation_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, &VALIDATION_ERROR, "ValidationError", message.into())
}

fn type_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, &TYPE_ERROR, "StreamVizTypeError", message.into())
}

fn server_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, &SERVER_ERROR, "ServerError", message.into())
}

fn persistence_error(py: Python<'_>, message: impl Into<String>) -> PyErr {
    raise(py, &PERSISTENCE_ERROR, "PersistenceError", message.into())
}

fn engine_error(py: Python<'_>, err: EngineError) -> PyErr {
    match err {
        EngineError::StaleHandle(_) => raise(py, &BASE_ERROR, "StreamVizError", err.to_string()),
        other => validation_error(py, other.to_string()),
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A number from a Python int, float or anything with `__float__` (NumPy scalars, Decimal).
/// Booleans are refused: `True` sent to a metric is almost always a mistake.
#[inline]
fn extract_number(py: Python<'_>, widget: &str, obj: &Bound<'_, PyAny>) -> PyResult<f64> {
    if let Ok(float) = obj.cast::<PyFloat>() {
        return Ok(float.value());
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(type_error(
            py,
            format!("{widget:?} takes numbers, not booleans"),
        ));
    }
    if obj.is_instance_of::<PyString>() || obj.is_none() {
        return Err(type_error(
            py,
            format!("{widget:?} takes numbers, not {}", type_name(obj)),
        ));
    }
    obj.extract::<f64>().map_err(|_| {
        type_error(
            py,
            format!(
                "{widget:?} takes numbers (int, float, NumPy scalars), not {}",
                type_name(obj)
            ),
        )
    })
}

/// Epoch milliseconds from `None` (now), epoch seconds (int/float), or a `datetime`
/// (aware, or naive meaning local time, as `datetime.timestamp()` does).
fn extract_ts_ms(
    py: Python<'_>,
    widget: &str,
    timestamp: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let Some(obj) = timestamp.filter(|t| !t.is_none()) else {
        return Ok(now_ms());
    };
    let seconds = if obj.is_instance_of::<PyBool>() {
        return Err(type_error(
            py,
            "timestamp is epoch seconds or a datetime, not a boolean",
        ));
    } else if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>() {
        obj.extract::<f64>()?
    } else if obj.hasattr("timestamp")? {
        obj.call_method0("timestamp")?.extract::<f64>()?
    } else {
        return Err(type_error(
            py,
            format!(
                "timestamp is epoch seconds or a datetime, not {}",
                type_name(obj)
            ),
        ));
    };
    let ts_ms = seconds * 1000.0;
    validate_ts_ms(widget, ts_ms).map_err(|e| validation_error(py, e.to_string()))?;
    Ok(ts_ms)
}

/// Most points one `send_many` call takes (its values are read and checked whole before any is
/// queued, so a bad one changes nothing).
const MAX_SEND_MANY_POINTS: usize = 10_000_000;
/// Points per queued batch (one queue slot each; 64 KiB of points, below malloc's mmap
/// threshold, so batches reuse warm memory).
const POINTS_PER_BATCH: usize = 4096;

/// One column of `send_many`'s numbers, read a chunk at a time so that a large NumPy array is
/// never copied whole (a copy of fresh memory costs a page fault every 4 KiB).
enum Column<'py> {
    /// A 1-D NumPy array of numbers, read as float64 by NumPy and multiplied by `scale`.
    Numbers {
        array: Bound<'py, PyAny>,
        len: usize,
        scale: f64,
    },
    /// A 1-D NumPy `datetime64` array, read as epoch milliseconds.
    Datetimes {
        array: Bound<'py, PyAny>,
        len: usize,
    },
    /// Numbers taken one by one from a list, tuple, iterable or object array.
    Taken(Vec<f64>),
    /// The same number `len` times (no timestamps: now for all).
    Same(f64, usize),
}

impl Column<'_> {
    fn len(&self) -> usize {
        match self {
            Column::Numbers { len, .. } | Column::Datetimes { len, .. } | Column::Same(_, len) => {
                *len
            }
            Column::Taken(values) => values.len(),
        }
    }

    /// Items `start..end` into `out` (replacing what it held).
    fn read(&self, py: Python<'_>, start: usize, end: usize, out: &mut Vec<f64>) -> PyResult<()> {
        out.clear();
        match self {
            Column::Numbers { array, scale, .. } => {
                let part = array.get_item(pyo3::types::PySlice::new(
                    py,
                    start as isize,
                    end as isize,
                    1,
                ))?;
                let kwargs = PyDict::new(py);
                kwargs.set_item("copy", false)?;
                let part = part.call_method("astype", ("=f8",), Some(&kwargs))?;
                let bytes = part.call_method0("tobytes")?;
                out.extend(
                    bytes
                        .cast::<pyo3::types::PyBytes>()?
                        .as_bytes()
                        .chunks_exact(8)
                        .map(|b| {
                            f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
                                * scale
                        }),
                );
            }
            Column::Datetimes { array, .. } => {
                // Any unit, as nanoseconds since the epoch (NaT becomes i64::MIN, refused later).
                let part = array.get_item(pyo3::types::PySlice::new(
                    py,
                    start as isize,
                    end as isize,
                    1,
                ))?;
                let ns = part
                    .call_method1("astype", ("datetime64[ns]",))?
                    .call_method1("astype", ("=i8",))?
                    .call_method0("tobytes")?;
                out.extend(
                    ns.cast::<pyo3::types::PyBytes>()?
                        .as_bytes()
                        .chunks_exact(8)
                        .map(|b| {
                            let ns = i64::from_ne_bytes([
                                b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                            ]);
                            // Whole milliseconds exactly (ns as f64 would round at this size).
                            ns.div_euclid(1_000_000) as f64 + ns.rem_euclid(1_000_000) as f64 / 1e6
                        }),
                );
            }
            Column::Taken(values) => out.extend_from_slice(&values[start..end]),
            Column::Same(value, _) => out.resize(end - start, *value),
        }
        Ok(())
    }
}

/// The dtype kind (`"f"`, `"i"`, `"u"`, `"b"`, `"M"`, `"O"`, ...) and length of a NumPy array
/// (or anything with `dtype`, `ndim` and `astype`), which must be one-dimensional; `None` for
/// other objects.
fn array_kind(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Option<(String, usize)>> {
    if !(obj.hasattr("dtype")? && obj.hasattr("ndim")? && obj.hasattr("astype")?) {
        return Ok(None);
    }
    let ndim: usize = obj.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(validation_error(
            py,
            format!("{what} is a one-dimensional array, not {ndim}-dimensional"),
        ));
    }
    let len = obj.len()?;
    if len > MAX_SEND_MANY_POINTS {
        return Err(too_many(py));
    }
    Ok(Some((
        obj.getattr("dtype")?.getattr("kind")?.extract()?,
        len,
    )))
}

/// Items of a list, tuple or other iterable, each through `item`, at most
/// [`MAX_SEND_MANY_POINTS`] of them.
fn take_each(
    py: Python<'_>,
    what: &str,
    obj: &Bound<'_, PyAny>,
    mut item: impl FnMut(&Bound<'_, PyAny>) -> PyResult<f64>,
) -> PyResult<Vec<f64>> {
    let not_a_sequence = || {
        type_error(
            py,
            format!(
                "{what} is a list, tuple, iterable or NumPy array, not {}",
                type_name(obj)
            ),
        )
    };
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyDict>() || obj.is_none() {
        return Err(not_a_sequence());
    }
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0).min(MAX_SEND_MANY_POINTS));
    for value in obj.try_iter().map_err(|_| not_a_sequence())? {
        if out.len() == MAX_SEND_MANY_POINTS {
            return Err(too_many(py));
        }
        out.push(item(&value?)?);
    }
    Ok(out)
}

fn too_many(py: Python<'_>) -> PyErr {
    validation_error(
        py,
        format!("send_many takes at most {MAX_SEND_MANY_POINTS} points a call; split them"),
    )
}

/// The values of `send_many`: a 1-D NumPy array of numbers, or a list, tuple or iterable of
/// numbers (each as `send` takes it).
fn values_column<'py>(
    py: Python<'py>,
    target: &Target,
    obj: &Bound<'py, PyAny>,
) -> PyResult<Column<'py>> {
    Ok(match array_kind(py, "values", obj)? {
        Some((kind, len)) if matches!(kind.as_str(), "f" | "i" | "u") => Column::Numbers {
            array: obj.clone(),
            len,
            scale: 1.0,
        },
        Some((kind, _)) if kind == "b" => {
            return Err(type_error(
                py,
                format!("{:?} takes numbers, not booleans", target.id),
            ))
        }
        Some((kind, _)) if kind != "O" => {
            return Err(type_error(
                py,
                format!(
                    "{:?} takes numbers, not an array of dtype kind {kind:?}",
                    target.id
                ),
            ))
        }
        _ => Column::Taken(take_each(py, "values", obj, |v| {
            extract_number(py, &target.id, v)
        })?),
    })
}

/// The timestamps of `send_many`, as epoch milliseconds: none (now, for all `len`), a 1-D NumPy
/// array of epoch seconds or of `datetime64`, or a list or iterable of what `send` takes.
fn timestamps_column<'py>(
    py: Python<'py>,
    target: &Target,
    obj: Option<&Bound<'py, PyAny>>,
    len: usize,
) -> PyResult<Column<'py>> {
    let Some(obj) = obj.filter(|t| !t.is_none()) else {
        return Ok(Column::Same(now_ms(), len));
    };
    let column = match array_kind(py, "timestamps", obj)? {
        Some((kind, n)) if matches!(kind.as_str(), "f" | "i" | "u") => Column::Numbers {
            array: obj.clone(),
            len: n,
            scale: 1000.0,
        },
        Some((kind, n)) if kind == "M" => Column::Datetimes {
            array: obj.clone(),
            len: n,
        },
        Some((kind, _)) if kind != "O" => {
            return Err(type_error(
                py,
                format!(
                "timestamps are epoch seconds or datetimes, not an array of dtype kind {kind:?}"
            ),
            ))
        }
        _ => Column::Taken(take_each(py, "timestamps", obj, |t| {
            extract_ts_ms(py, &target.id, Some(t))
        })?),
    };
    if column.len() != len {
        return Err(validation_error(
            py,
            format!("{} timestamps for {len} values", column.len()),
        ));
    }
    Ok(column)
}

/// Check every point of a `send_many` before anything is queued: a bad one changes nothing.
fn check_points(
    py: Python<'_>,
    target: &Target,
    values: &Column<'_>,
    ts_ms: &Column<'_>,
) -> PyResult<()> {
    let len = values.len();
    let (mut chunk_values, mut chunk_ts) = (
        Vec::with_capacity(POINTS_PER_BATCH),
        Vec::with_capacity(POINTS_PER_BATCH),
    );
    for start in (0..len).step_by(POINTS_PER_BATCH) {
        let end = (start + POINTS_PER_BATCH).min(len);
        values.read(py, start, end, &mut chunk_values)?;
        for &value in &chunk_values {
            validate_number(target.kind, &target.id, value).map_err(|e| engine_error(py, e))?;
        }
        ts_ms.read(py, start, end, &mut chunk_ts)?;
        for &ts in &chunk_ts {
            validate_ts_ms(&target.id, ts).map_err(|e| validation_error(py, e.to_string()))?;
        }
    }
    Ok(())
}

/// Queue the points of a checked `send_many` to one series in batches. Returns the points
/// queued (the rest were dropped, and counted, because the queue was full).
fn queue_points(
    py: Python<'_>,
    runtime: &Runtime,
    target: &Target,
    series: u32,
    values: &Column<'_>,
    ts_ms: &Column<'_>,
) -> PyResult<usize> {
    let len = values.len();
    let (mut chunk_values, mut chunk_ts) = (
        Vec::with_capacity(POINTS_PER_BATCH),
        Vec::with_capacity(POINTS_PER_BATCH),
    );
    let mut queued = 0;
    for start in (0..len).step_by(POINTS_PER_BATCH) {
        let end = (start + POINTS_PER_BATCH).min(len);
        values.read(py, start, end, &mut chunk_values)?;
        ts_ms.read(py, start, end, &mut chunk_ts)?;
        let points: Vec<(f64, f64)> = chunk_ts
            .iter()
            .copied()
            .zip(chunk_values.iter().copied())
            .collect();
        if target.queue(
            runtime,
            Update::Points {
                widget: target.widget,
                series,
                points: Box::new(points),
            },
        ) {
            queued += end - start;
        }
    }
    Ok(queued)
}

/// A table cell as JSON: str, int, float, bool, None, datetime/date/time (ISO 8601 text), or a
/// NumPy scalar.
fn cell_to_json(
    py: Python<'_>,
    widget: &str,
    field: &str,
    obj: &Bound<'_, PyAny>,
) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
    }
    if obj.hasattr("isoformat")? {
        return Ok(Value::String(
            obj.call_method0("isoformat")?.extract::<String>()?,
        ));
    }
    if obj.hasattr("__index__")? {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
    }
    if obj.is_instance_of::<PyFloat>() || obj.hasattr("__float__")? {
        let value: f64 = obj.extract()?;
        return serde_json::Number::from_f64(value).map(Value::Number).ok_or_else(|| {
            validation_error(py, format!("field {field:?} of a row for {widget:?} is {value}; cells take finite numbers"))
        });
    }
    Err(type_error(
        py,
        format!("field {field:?} of a row for {widget:?} is a {}; cells take str, int, float, bool, None or datetime", type_name(obj)),
    ))
}

/// What every widget class holds.
struct Target {
    widget: WidgetRef,
    id: String,
    kind: WidgetKind,
    dropped: Arc<AtomicU64>,
}

impl Target {
    fn new(handle: &WidgetHandle) -> Self {
        Self {
            widget: handle.widget,
            id: handle.spec.id.clone(),
            kind: handle.spec.kind,
            dropped: Arc::clone(&handle.dropped),
        }
    }

    #[inline]
    fn check_live(&self, py: Python<'_>) -> PyResult<&'static Runtime> {
        let runtime = runtime();
        if runtime.generation.load(Ordering::Relaxed) != self.widget.generation {
            return Err(engine_error(py, EngineError::StaleHandle(self.id.clone())));
        }
        Ok(runtime)
    }

    #[inline]
    fn queue(&self, runtime: &Runtime, update: Update) -> bool {
        runtime.pipeline.send(update, &self.dropped)
    }

    fn repr(&self) -> String {
        format!("<stream_viz.{} id={:?}>", class_name(self.kind), self.id)
    }
}

fn class_name(kind: WidgetKind) -> &'static str {
    match kind {
        WidgetKind::Metric => "Metric",
        WidgetKind::Stat => "Stat",
        WidgetKind::Gauge => "Gauge",
        WidgetKind::LineChart => "LineChart",
        WidgetKind::BarChart => "BarChart",
        WidgetKind::Table => "Table",
        WidgetKind::Text => "Text",
        WidgetKind::Markdown => "Markdown",
        WidgetKind::Heatmap => "Heatmap",
    }
}

macro_rules! common_methods {
    ($class:ident) => {
        #[pymethods]
        impl $class {
            /// The widget id.
            #[getter]
            fn id(&self) -> &str {
                &self.target.id
            }

            /// The widget kind, e.g. `"metric"`.
            #[getter]
            fn kind(&self) -> &'static str {
                self.target.kind.name()
            }

            /// Updates dropped because the queue was full.
            #[getter]
            fn dropped(&self) -> u64 {
                self.target.dropped.load(Ordering::Relaxed)
            }

            fn __repr__(&self) -> String {
                self.target.repr()
            }
        }
    };
}

macro_rules! scalar_widget {
    ($class:ident, $name:literal) => {
        /// A widget fed one number at a time.
        #[pyclass(module = "stream_viz._core", name = $name, frozen)]
        pub struct $class {
            target: Target,
        }

        common_methods!($class);

        #[pymethods]
        impl $class {
            /// Send one value, stamped `timestamp` (epoch seconds or datetime) or now.
            /// Returns False when the queue was full and the value was dropped (and counted).
            #[pyo3(signature = (value, timestamp = None))]
            fn send(
                &self,
                py: Python<'_>,
                value: &Bound<'_, PyAny>,
                timestamp: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<bool> {
                let runtime = self.target.check_live(py)?;
                let value = extract_number(py, &self.target.id, value)?;
                validate_number(self.target.kind, &self.target.id, value)
                    .map_err(|e| engine_error(py, e))?;
                let ts_ms = extract_ts_ms(py, &self.target.id, timestamp)?;
                Ok(self.target.queue(
                    runtime,
                    Update::Point {
                        widget: self.target.widget,
                        ts_ms,
                        value,
                    },
                ))
            }

            /// Send many values at once: a 1-D NumPy array (converted without a Python loop), a
            /// list, tuple or iterable; `timestamps` of the same length (epoch seconds,
            /// datetimes, or a NumPy `datetime64` array), else now for all. Everything is
            /// checked before anything is queued. Returns how many were queued; the rest were
            /// dropped (queue full) and counted.
            #[pyo3(signature = (values, timestamps = None))]
            fn send_many(
                &self,
                py: Python<'_>,
                values: &Bound<'_, PyAny>,
                timestamps: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<usize> {
                let runtime = self.target.check_live(py)?;
                let values = values_column(py, &self.target, values)?;
                let ts_ms = timestamps_column(py, &self.target, timestamps, values.len())?;
                check_points(py, &self.target, &values, &ts_ms)?;
                queue_points(py, runtime, &self.target, u32::MAX, &values, &ts_ms)
            }

            /// Remove every point held.
            fn clear(&self, py: Python<'_>) -> PyResult<bool> {
                let runtime = self.target.check_live(py)?;
                Ok(self.target.queue(
                    runtime,
                    Update::Clear {
                        widget: self.target.widget,
                    },
                ))
            }
        }
    };
}

scalar_widget!(Metric, "Metric");
scalar_widget!(Stat, "Stat");
scalar_widget!(Gauge, "Gauge");

/// Several named time series on one chart.
#[pyclass(module = "stream_viz._core", name = "LineChart", frozen)]
pub struct LineChart {
    target: Target,
    series: Mutex<HashMap<String, u32>>,
}

common_methods!(LineChart);

impl LineChart {
    fn series_position(
        &self,
        py: Python<'_>,
        options: SeriesOptions,
        replace: bool,
    ) -> PyResult<u32> {
        let mut known = self
            .series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !replace {
            if let Some(&position) = known.get(&options.name) {
                return Ok(position);
            }
        }
        let name = options.name.clone();
        let position = runtime()
            .pipeline
            .engine()
            .series_index(self.target.widget, options, replace)
            .map_err(|e| engine_error(py, e))?;
        known.insert(name, position);
        Ok(position)
    }

    /// The series points are sent to: added with default colour and label on first use.
    fn series_for_points(&self, py: Python<'_>, name: String) -> PyResult<u32> {
        let options = SeriesOptions {
            name,
            color: None,
            label: None,
        };
        self.series_position(py, options, false)
    }
}

/// A series name given to `send`/`send_many`: a `str`, or a `TypeError` saying what it was.
fn series_name(py: Python<'_>, series: &Bound<'_, PyAny>) -> PyResult<String> {
    match series.cast::<PyString>() {
        Ok(name) => Ok(name.to_str()?.to_owned()),
        Err(_) => Err(type_error(
            py,
            format!("the series name is a str, not {}", type_name(series)),
        )),
    }
}

#[pymethods]
impl LineChart {
    /// Add a series (or change its colour and label).
    #[pyo3(signature = (name, *, color = None, label = None))]
    fn add_series(
        &self,
        py: Python<'_>,
        name: String,
        color: Option<String>,
        label: Option<String>,
    ) -> PyResult<()> {
        self.target.check_live(py)?;
        self.series_position(py, SeriesOptions { name, color, label }, true)?;
        Ok(())
    }

    /// Send one value to a series (added on first use), stamped `timestamp` or now.
    #[pyo3(signature = (series, value, timestamp = None))]
    fn send(
        &self,
        py: Python<'_>,
        series: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        timestamp: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let name = series_name(py, series)?;
        let value = extract_number(py, &self.target.id, value)?;
        validate_number(self.target.kind, &self.target.id, value)
            .map_err(|e| engine_error(py, e))?;
        let ts_ms = extract_ts_ms(py, &self.target.id, timestamp)?;
        let position = self.series_for_points(py, name)?;
        Ok(self.target.queue(
            runtime,
            Update::SeriesPoint {
                widget: self.target.widget,
                series: position,
                ts_ms,
                value,
            },
        ))
    }

    /// Replace everything the chart shows with `data`, a dict of series name → `(values,
    /// timestamps)` (as `send_many` takes them; series not named end up empty). Viewers see
    /// the old points or the new ones, never a mix. Returns False when the queue was full.
    fn replace(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let Ok(data) = data.cast::<PyDict>() else {
            return Err(type_error(
                py,
                format!(
                    "data is a dict of series name → (values, timestamps), not {}",
                    type_name(data)
                ),
            ));
        };
        let mut updates = vec![Update::Clear {
            widget: self.target.widget,
        }];
        let mut total = 0;
        let mut checked = Vec::with_capacity(data.len());
        for (series, pair) in data.iter() {
            let name = series_name(py, &series)?;
            let (values, timestamps) = pair
                .extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()
                .map_err(|_| {
                    type_error(
                        py,
                        format!(
                            "series {name:?}: give (values, timestamps), not {}",
                            type_name(&pair)
                        ),
                    )
                })?;
            let values = values_column(py, &self.target, &values)?;
            let ts_ms = timestamps_column(py, &self.target, Some(&timestamps), values.len())?;
            check_points(py, &self.target, &values, &ts_ms)?;
            total += values.len();
            if total > MAX_SEND_MANY_POINTS {
                return Err(validation_error(
                    py,
                    format!("replace takes at most {MAX_SEND_MANY_POINTS} points a call"),
                ));
            }
            let (mut v, mut t) = (Vec::new(), Vec::new());
            values.read(py, 0, values.len(), &mut v)?;
            ts_ms.read(py, 0, values.len(), &mut t)?;
            checked.push((name, t.into_iter().zip(v).collect::<Vec<(f64, f64)>>()));
        }
        for (name, points) in checked {
            let series = self.series_for_points(py, name)?;
            updates.push(Update::Points {
                widget: self.target.widget,
                series,
                points: Box::new(points),
            });
        }
        Ok(self.target.queue(
            runtime,
            Update::Batch {
                widget: self.target.widget,
                updates: Box::new(updates),
            },
        ))
    }

    /// Send many values to one series at once (added on first use): as `Metric.send_many`.
    /// Returns how many were queued.
    #[pyo3(signature = (series, values, timestamps = None))]
    fn send_many(
        &self,
        py: Python<'_>,
        series: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
        timestamps: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<usize> {
        let runtime = self.target.check_live(py)?;
        let name = series_name(py, series)?;
        let values = values_column(py, &self.target, values)?;
        let ts_ms = timestamps_column(py, &self.target, timestamps, values.len())?;
        check_points(py, &self.target, &values, &ts_ms)?;
        let position = self.series_for_points(py, name)?;
        queue_points(py, runtime, &self.target, position, &values, &ts_ms)
    }
}

/// Category → value.
#[pyclass(module = "stream_viz._core", name = "BarChart", frozen)]
pub struct BarChart {
    target: Target,
}

common_methods!(BarChart);

#[pymethods]
impl BarChart {
    /// Set the values of some categories: a dict or a list of (category, value) pairs. A dict
    /// of dicts (`{"US": {"web": 1200, "mobile": 300}}`) sets several series; `series=` names
    /// the series of plain values.
    #[pyo3(signature = (values, *, series=None))]
    fn send(
        &self,
        py: Python<'_>,
        values: &Bound<'_, PyAny>,
        series: Option<&str>,
    ) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let id = &self.target.id;
        let default_series = series.unwrap_or("");
        let mut pairs = Vec::new();
        let mut push =
            |category: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, series: &str| -> PyResult<()> {
                let Ok(category) = category.cast::<PyString>() else {
                    return Err(type_error(
                        py,
                        format!("bar categories are str, not {}", type_name(category)),
                    ));
                };
                pairs.push(Bar {
                    category: category.to_str()?.to_owned(),
                    series: series.to_owned(),
                    value: extract_number(py, id, value)?,
                });
                Ok(())
            };
        if let Ok(dict) = values.cast::<PyDict>() {
            for (category, value) in dict.iter() {
                if let Ok(per_series) = value.cast::<PyDict>() {
                    for (name, v) in per_series.iter() {
                        let Ok(name) = name.cast::<PyString>() else {
                            return Err(type_error(
                                py,
                                format!("bar series names are str, not {}", type_name(&name)),
                            ));
                        };
                        push(&category, &v, name.to_str()?)?;
                    }
                } else {
                    push(&category, &value, default_series)?;
                }
            }
        } else if values.is_instance_of::<PyList>() || values.is_instance_of::<PyTuple>() {
            for item in values.try_iter()? {
                let item = item?;
                let (category, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item
                    .extract()
                    .map_err(|_| type_error(py, "a list of bars holds (category, value) pairs"))?;
                push(&category, &value, default_series)?;
            }
        } else {
            return Err(type_error(
                py,
                format!(
                    "bar values are a dict or a list of pairs, not {}",
                    type_name(values)
                ),
            ));
        }
        validate_bars(id, &pairs).map_err(|e| engine_error(py, e))?;
        Ok(self.target.queue(
            runtime,
            Update::Bars {
                widget: self.target.widget,
                values: Box::new(pairs),
            },
        ))
    }
}

/// Streaming rows with keyed upsert and delete.
#[pyclass(module = "stream_viz._core", name = "Table", frozen)]
pub struct Table {
    target: Target,
    key_field: Option<String>,
}

common_methods!(Table);

fn key_to_json(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<Value> {
    if key.is_instance_of::<PyBool>()
        || !(key.is_instance_of::<PyString>() || key.is_instance_of::<PyInt>())
    {
        return Err(type_error(
            py,
            format!("a row key is a str or an int, not {}", type_name(key)),
        ));
    }
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    Ok(Value::String(key.str()?.to_str()?.to_owned()))
}

/// Iterate `items`, a list or other iterable but not a dict or a str (a row, a key); else a
/// `TypeError` that starts with `what`.
fn rows_iter<'py>(
    py: Python<'py>,
    items: &Bound<'py, PyAny>,
    what: &str,
) -> PyResult<Bound<'py, pyo3::types::PyIterator>> {
    let error = || type_error(py, format!("{what}, not {}", type_name(items)));
    if items.is_instance_of::<PyDict>() || items.is_instance_of::<PyString>() {
        return Err(error());
    }
    items.try_iter().map_err(|_| error())
}

impl Table {
    /// A checked upsert of `row` (a dict) under `key`, or the table's key field.
    fn upsert(
        &self,
        py: Python<'_>,
        row: &Bound<'_, PyAny>,
        key: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Update> {
        let id = &self.target.id;
        let Ok(dict) = row.cast::<PyDict>() else {
            return Err(type_error(
                py,
                format!("a row is a dict of field → value, not {}", type_name(row)),
            ));
        };
        if dict.len() > crate::engine::limits::MAX_COLUMNS {
            return Err(validation_error(
                py,
                format!(
                    "a row has {} fields; the limit is {}",
                    dict.len(),
                    crate::engine::limits::MAX_COLUMNS
                ),
            ));
        }
        let mut fields = Map::new();
        for (name, value) in dict.iter() {
            let Ok(name) = name.cast::<PyString>() else {
                return Err(type_error(
                    py,
                    format!("row field names are str, not {}", type_name(&name)),
                ));
            };
            let name = name.to_str()?;
            fields.insert(name.to_owned(), cell_to_json(py, id, name, &value)?);
        }
        let explicit = key
            .filter(|k| !k.is_none())
            .map(|k| key_to_json(py, k))
            .transpose()?;
        let key = prepare_row(id, self.key_field.as_deref(), &fields, explicit.as_ref())
            .map_err(|e| engine_error(py, e))?;
        Ok(Update::Upsert {
            widget: self.target.widget,
            row: Box::new(KeyedRow { key, row: fields }),
        })
    }
}

#[pymethods]
impl Table {
    /// Insert a row, or replace the row with the same key (`key`, else the table's key field).
    #[pyo3(signature = (row, *, key = None))]
    fn send(
        &self,
        py: Python<'_>,
        row: &Bound<'_, PyAny>,
        key: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let update = self.upsert(py, row, key)?;
        Ok(self.target.queue(runtime, update))
    }

    /// Insert or replace many rows (a list or iterable of dicts, keyed by the table's key
    /// field), in order. Every row is checked before any is queued. Returns how many were
    /// queued; the rest were dropped (queue full) and counted.
    fn send_many(&self, py: Python<'_>, rows: &Bound<'_, PyAny>) -> PyResult<usize> {
        let runtime = self.target.check_live(py)?;
        let mut updates = Vec::new();
        for row in rows_iter(py, rows, "rows are a list or iterable of dicts")? {
            if updates.len() == crate::engine::limits::MAX_TABLE_ROWS {
                return Err(validation_error(
                    py,
                    format!(
                        "send_many takes at most {} rows a call (a table holds no more)",
                        crate::engine::limits::MAX_TABLE_ROWS
                    ),
                ));
            }
            updates.push(self.upsert(py, &row?, None)?);
        }
        Ok(updates
            .into_iter()
            .map(|update| usize::from(self.target.queue(runtime, update)))
            .sum())
    }

    /// Apply changes together: remove the rows keyed `deletes`, then insert or replace
    /// `upserts` (a dict of key → row, or rows keyed by the table's key field). Viewers,
    /// exports and the store see all of them or none; a full queue drops them all (counted).
    /// Everything is checked before anything is queued.
    #[pyo3(signature = (upserts = None, deletes = None))]
    fn apply(
        &self,
        py: Python<'_>,
        upserts: Option<&Bound<'_, PyAny>>,
        deletes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let mut updates = Vec::new();
        let limit = crate::engine::limits::MAX_TABLE_ROWS;
        let too_many = |py| {
            validation_error(
                py,
                format!("apply takes at most {limit} upserts and {limit} deletes a call"),
            )
        };
        if let Some(deletes) = deletes.filter(|d| !d.is_none()) {
            for key in rows_iter(py, deletes, "deletes are a list or iterable of keys")? {
                if updates.len() == limit {
                    return Err(too_many(py));
                }
                let key = crate::engine::key_text(&self.target.id, &key_to_json(py, &key?)?)
                    .map_err(|e| engine_error(py, e))?;
                updates.push(Update::Delete {
                    widget: self.target.widget,
                    key,
                });
            }
        }
        let deleted = updates.len();
        if let Some(upserts) = upserts.filter(|u| !u.is_none()) {
            if let Ok(keyed) = upserts.cast::<PyDict>() {
                for (key, row) in keyed.iter() {
                    if updates.len() - deleted == limit {
                        return Err(too_many(py));
                    }
                    updates.push(self.upsert(py, &row, Some(&key))?);
                }
            } else {
                let what = "upserts are a dict of key → row, or a list or iterable of rows";
                for row in rows_iter(py, upserts, what)? {
                    if updates.len() - deleted == limit {
                        return Err(too_many(py));
                    }
                    updates.push(self.upsert(py, &row?, None)?);
                }
            }
        }
        if updates.is_empty() {
            return Ok(true);
        }
        Ok(self.target.queue(
            runtime,
            Update::Batch {
                widget: self.target.widget,
                updates: Box::new(updates),
            },
        ))
    }

    /// Remove the row with this key (nothing happens when there is none).
    fn delete(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let key = crate::engine::key_text(&self.target.id, &key_to_json(py, key)?)
            .map_err(|e| engine_error(py, e))?;
        Ok(self.target.queue(
            runtime,
            Update::Delete {
                widget: self.target.widget,
                key,
            },
        ))
    }

    /// Remove every row.
    fn clear(&self, py: Python<'_>) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        Ok(self.target.queue(
            runtime,
            Update::Clear {
                widget: self.target.widget,
            },
        ))
    }
}

macro_rules! text_widget {
    ($class:ident, $name:literal) => {
        /// A widget showing one piece of text; calling it is the same as `send`.
        #[pyclass(module = "stream_viz._core", name = $name, frozen)]
        pub struct $class {
            target: Target,
        }

        common_methods!($class);

        #[pymethods]
        impl $class {
            /// Replace the content.
            fn send(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<bool> {
                let runtime = self.target.check_live(py)?;
                let Ok(text) = text.cast::<PyString>() else {
                    return Err(type_error(
                        py,
                        format!("{:?} takes str, not {}", self.target.id, type_name(text)),
                    ));
                };
                let text = text.to_str()?;
                validate_text(&self.target.id, text).map_err(|e| engine_error(py, e))?;
                Ok(self.target.queue(
                    runtime,
                    Update::Text {
                        widget: self.target.widget,
                        text: text.into(),
                    },
                ))
            }

            fn __call__(&self, py: Python<'_>, text: &Bound<'_, PyAny>) -> PyResult<bool> {
                self.send(py, text)
            }
        }
    };
}

text_widget!(Text, "Text");
text_widget!(Markdown, "Markdown");

/// A matrix of values with row and column labels.
#[pyclass(module = "stream_viz._core", name = "Heatmap", frozen)]
pub struct Heatmap {
    target: Target,
    options: crate::engine::HeatmapOptions,
}

common_methods!(Heatmap);

#[pymethods]
impl Heatmap {
    /// Replace the matrix: a list of rows (top to bottom), or a 2-D NumPy array.
    fn send(&self, py: Python<'_>, matrix: &Bound<'_, PyAny>) -> PyResult<bool> {
        let runtime = self.target.check_live(py)?;
        let id = &self.target.id;
        if matrix.is_instance_of::<PyString>() || matrix.is_instance_of::<PyDict>() {
            return Err(type_error(
                py,
                format!("a matrix is a list of rows, not {}", type_name(matrix)),
            ));
        }
        let mut rows = Vec::new();
        let mut cells = 0_usize;
        for row in matrix.try_iter().map_err(|_| {
            type_error(
                py,
                format!("a matrix is a list of rows, not {}", type_name(matrix)),
            )
        })? {
            let row = row?;
            if row.is_instance_of::<PyString>() {
                return Err(type_error(py, "a matrix row is a list of numbers, not str"));
            }
            let mut values = Vec::new();
            for value in row.try_iter().map_err(|_| {
                type_error(
                    py,
                    format!("a matrix row is a list of numbers, not {}", type_name(&row)),
                )
            })? {
                values.push(extract_number(py, id, &value?)?);
                cells += 1;
                if cells > crate::engine::limits::MAX_HEATMAP_CELLS {
                    return Err(validation_error(
                        py,
                        format!(
                            "too large: more than {} cells",
                            crate::engine::limits::MAX_HEATMAP_CELLS
                        ),
                    ));
                }
            }
            rows.push(values);
        }
        validate_matrix(id, &self.options, &rows).map_err(|e| engine_error(py, e))?;
        Ok(self.target.queue(
            runtime,
            Update::Matrix {
                widget: self.target.widget,
                matrix: Box::new(rows),
            },
        ))
    }
}

/// Declare a widget (or re-declare it with new options) and return its handle.
#[pyfunction]
fn declare(py: Python<'_>, kind: &str, id: &str, options_json: &str) -> PyResult<Py<PyAny>> {
    let options: Value = serde_json::from_str(options_json)
        .map_err(|e| validation_error(py, format!("options: {e}")))?;
    let spec = WidgetSpec::parse(id, kind, options).map_err(|e| engine_error(py, e))?;
    let runtime = runtime();
    let handle = runtime
        .pipeline
        .engine()
        .declare(spec)
        .map_err(|e| engine_error(py, e))?;
    let target = Target::new(&handle);
    let object = match &handle.spec.options {
        WidgetOptions::Metric(_) => Py::new(py, Metric { target })?.into_any(),
        WidgetOptions::Stat(_) => Py::new(py, Stat { target })?.into_any(),
        WidgetOptions::Gauge(_) => Py::new(py, Gauge { target })?.into_any(),
        WidgetOptions::LineChart(o) => {
            let series = o
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.clone(), i as u32))
                .collect();
            Py::new(
                py,
                LineChart {
                    target,
                    series: Mutex::new(series),
                },
            )?
            .into_any()
        }
        WidgetOptions::BarChart(_) => Py::new(py, BarChart { target })?.into_any(),
        WidgetOptions::Table(o) => Py::new(
            py,
            Table {
                target,
                key_field: o.key.clone(),
            },
        )?
        .into_any(),
        WidgetOptions::Text(_) => Py::new(py, Text { target })?.into_any(),
        WidgetOptions::Markdown(_) => Py::new(py, Markdown { target })?.into_any(),
        WidgetOptions::Heatmap(o) => Py::new(
            py,
            Heatmap {
                target,
                options: o.clone(),
            },
        )?
        .into_any(),
    };
    Ok(object)
}

/// Change dashboard settings (title, theme, buffer_size) from a JSON object.
#[pyfunction]
#[pyo3(signature = (options_json, favicon=None, logo=None))]
fn configure(
    py: Python<'_>,
    options_json: &str,
    favicon: Option<Vec<u8>>,
    logo: Option<Vec<u8>>,
) -> PyResult<()> {
    let value: Value = serde_json::from_str(options_json)
        .map_err(|e| validation_error(py, format!("options: {e}")))?;
    let patch = ConfigPatch::from_json(value).map_err(|e| engine_error(py, e))?;
    // Check the images before changing anything, so a bad one leaves everything as it was.
    let mut images = Vec::new();
    for (slot, bytes) in [(ImageSlot::Favicon, favicon), (ImageSlot::Logo, logo)] {
        if let Some(bytes) = bytes {
            let image = BrandImage::new(slot, &bytes).map_err(|e| engine_error(py, e))?;
            images.push((slot, image));
        }
    }
    let mut engine = runtime().pipeline.engine();
    engine.configure(patch);
    for (slot, image) in images {
        engine.set_image(slot, Some(image));
    }
    Ok(())
}

/// Declare a layout container from its JSON declaration (see `ContainerSpec`).
#[pyfunction]
fn declare_container(py: Python<'_>, spec_json: &str) -> PyResult<()> {
    let value: Value = serde_json::from_str(spec_json)
        .map_err(|e| validation_error(py, format!("layout: {e}")))?;
    let spec = ContainerSpec::from_json(value).map_err(|e| engine_error(py, e))?;
    runtime()
        .pipeline
        .engine()
        .declare_container(spec)
        .map_err(|e| engine_error(py, e))
}

/// The server slot, when no server runs in it.
fn idle_server_slot(
    py: Python<'_>,
) -> PyResult<std::sync::MutexGuard<'static, Option<ServerHandle>>> {
    let slot = runtime()
        .server
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(running) = slot.as_ref() {
        return Err(server_error(
            py,
            format!(
                "the server is already running at {}; call stop() first",
                running.url()
            ),
        ));
    }
    Ok(slot)
}

/// Serve `pipeline` on its own thread, the handle in `slot`; returns the dashboard URL.
fn serve_in(
    py: Python<'_>,
    slot: &mut Option<ServerHandle>,
    pipeline: Pipeline,
    options: ServerOptions,
) -> PyResult<String> {
    let (host, port) = (options.host.clone(), options.port);
    let handle = py
        .detach(move || ServerHandle::start(pipeline, options))
        .map_err(|e| server_error(py, format!("could not serve on {host}:{port}: {e}")))?;
    let url = handle.url();
    *slot = Some(handle);
    Ok(url)
}

/// Start the web server on its own thread; returns the dashboard URL.
#[pyfunction]
fn start_server(py: Python<'_>, host: String, port: u16) -> PyResult<String> {
    let mut slot = idle_server_slot(py)?;
    let options = ServerOptions {
        host,
        port,
        ..ServerOptions::default()
    };
    serve_in(py, &mut slot, runtime().pipeline.clone(), options)
}

/// Serve the recording at `path` (a database persistence wrote) read-only to browsers, with a
/// time scrubber, in place of this process's dashboard: `python -m stream_viz replay`. Returns
/// the URL; `stop_server` ends it.
#[pyfunction]
fn serve_recording(
    py: Python<'_>,
    path: std::path::PathBuf,
    host: String,
    port: u16,
) -> PyResult<String> {
    let mut slot = idle_server_slot(py)?;
    let pipeline = Pipeline::default();
    let recording = py
        .detach(|| crate::store::open_recording(&pipeline, &path))
        .map_err(|err| persistence_error(py, err.to_string()))?;
    let Some(span) = recording.span else {
        return Err(persistence_error(
            py,
            format!(
                "{} holds nothing to replay (no points, no changes)",
                path.display()
            ),
        ));
    };
    let options = ServerOptions {
        host,
        port,
        recording: Some(span),
        ..ServerOptions::default()
    };
    serve_in(py, &mut slot, pipeline, options)
}

/// Stop the web server if it runs; returns whether it was running.
#[pyfunction]
fn stop_server(py: Python<'_>) -> bool {
    let handle = runtime()
        .server
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    match handle {
        Some(handle) => {
            py.detach(move || handle.stop());
            true
        }
        None => false,
    }
}

/// The dashboard URL while the server runs.
/// Run the native viewer's command line (`streamviz-viewer ARGS`) in this process until its
/// window closes; the exit status.
#[pyfunction]
fn run_viewer(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(move || crate::gui::cli::run_with_args(argv.into_iter().map(Into::into)))
}

#[pyfunction]
fn server_url() -> Option<String> {
    runtime()
        .server
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .map(ServerHandle::url)
}

/// Wait until every value sent so far is applied (or `timeout_s` passes); true when applied.
#[pyfunction]
#[pyo3(signature = (timeout_s = 10.0))]
fn flush(py: Python<'_>, timeout_s: f64) -> PyResult<bool> {
    if !(0.0..=86_400.0).contains(&timeout_s) {
        return Err(validation_error(
            py,
            "timeout_s is between 0 and 86400 seconds",
        ));
    }
    let runtime = runtime();
    Ok(py.detach(move || {
        let timeout = Duration::from_secs_f64(timeout_s);
        let applied = runtime.pipeline.flush(timeout);
        let store = runtime
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        applied && store.as_ref().is_none_or(|store| store.flush(timeout))
    }))
}

/// Forget every widget and its data; old handles raise when used. Persistence is stopped first
/// (everything applied is stored); the database keeps it.
#[pyfunction]
fn reset(py: Python<'_>) {
    let runtime = runtime();
    let pipeline = runtime.pipeline.clone();
    py.detach(|| {
        pipeline.flush(Duration::from_secs(10));
        stop_store(runtime);
    });
    let mut engine = runtime.pipeline.engine();
    engine.reset();
    runtime
        .generation
        .store(engine.generation(), Ordering::Relaxed);
}

/// Counters as JSON (see `/api/v1/stats`), with `persistence` while a database is attached.
#[pyfunction]
fn stats_json() -> String {
    let pipeline = &runtime().pipeline;
    let mut stats = serde_json::to_value(pipeline.stats()).unwrap_or_default();
    if let Value::Object(map) = &mut stats {
        map.extend(pipeline.extra_stats());
    }
    stats.to_string()
}

/// Attach a SQLite database: load what it holds, then store every update. Must come before the
/// first widget is declared.
#[pyfunction]
#[pyo3(signature = (path, retention=None, flush_interval_s=0.2))]
fn persist(
    py: Python<'_>,
    path: std::path::PathBuf,
    retention: Option<&str>,
    flush_interval_s: f64,
) -> PyResult<()> {
    let retention = match retention {
        None => None,
        Some(text) => match humantime::parse_duration(text) {
            Ok(duration) if !duration.is_zero() => Some(duration),
            Ok(_) => return Err(validation_error(py, "retention must be longer than 0")),
            Err(err) => {
                return Err(validation_error(
                    py,
                    format!("retention {text:?} is not a duration such as \"90s\", \"30m\", \"24h\" or \"7d\": {err}"),
                ))
            }
        },
    };
    if !(0.001..=3600.0).contains(&flush_interval_s) {
        return Err(validation_error(
            py,
            "flush_interval_s is between 0.001 and 3600 seconds",
        ));
    }
    let runtime = runtime();
    let mut store = runtime
        .store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(running) = store.as_ref() {
        return Err(validation_error(
            py,
            format!(
                "persistence is already on ({}); call reset() to detach it first",
                running.stats().path
            ),
        ));
    }
    let declared = runtime.pipeline.engine().config_view().widgets.len();
    if declared > 0 {
        return Err(validation_error(
            py,
            format!(
                "configure(persistence=...) must come before the first widget ({declared} declared)"
            ),
        ));
    }
    let options = StoreOptions {
        retention,
        flush_interval: Duration::from_secs_f64(flush_interval_s),
        ..StoreOptions::new(path)
    };
    let pipeline = runtime.pipeline.clone();
    let started = py
        .detach(move || Persistence::start(&pipeline, options))
        .map_err(|err| persistence_error(py, err.to_string()))?;
    *store = Some(started);
    Ok(())
}

/// Store what is left and detach the database; returns whether one was attached.
#[pyfunction]
fn stop_persistence(py: Python<'_>) -> bool {
    let runtime = runtime();
    py.detach(|| {
        runtime.pipeline.flush(Duration::from_secs(10));
        stop_store(runtime)
    })
}

fn stop_store(runtime: &Runtime) -> bool {
    let store = runtime
        .store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    store.map(Persistence::stop).is_some()
}

/// The configuration as JSON (see `/api/v1/widgets`).
#[pyfunction]
fn config_json() -> String {
    serde_json::to_string(&runtime().pipeline.engine().config_view()).unwrap_or_default()
}

/// Export one widget's data as `"csv"` or `"json"`.
#[pyfunction]
fn export(py: Python<'_>, id: &str, format: &str) -> PyResult<String> {
    let engine = runtime().pipeline.engine();
    let Some((spec, data)) = engine.widget(id) else {
        return Err(validation_error(py, format!("unknown widget {id:?}")));
    };
    match format {
        "csv" => Ok(export_csv(spec, data)),
        "json" => Ok(export_json(spec, data, engine.partial(id))),
        other => Err(validation_error(
            py,
            format!("format {other:?} is not one of csv, json"),
        )),
    }
}

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // StreamViz's warnings and errors (a full disk, a failed server) go to stderr, not those of
    // the libraries under it (winit's X11 complaints); `STREAMVIZ_LOG` (as `RUST_LOG`: `info`,
    // `debug`, `off`) says otherwise. A subscriber the process already has is kept.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STREAMVIZ_LOG")
                .unwrap_or_else(|_| "streamviz=warn".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PROTOCOL_VERSION", crate::protocol::PROTOCOL_VERSION)?;
    for function in [
        wrap_pyfunction!(declare, m)?,
        wrap_pyfunction!(configure, m)?,
        wrap_pyfunction!(start_server, m)?,
        wrap_pyfunction!(stop_server, m)?,
        wrap_pyfunction!(serve_recording, m)?,
        wrap_pyfunction!(server_url, m)?,
        wrap_pyfunction!(run_viewer, m)?,
        wrap_pyfunction!(flush, m)?,
        wrap_pyfunction!(reset, m)?,
        wrap_pyfunction!(stats_json, m)?,
        wrap_pyfunction!(config_json, m)?,
        wrap_pyfunction!(export, m)?,
        wrap_pyfunction!(persist, m)?,
        wrap_pyfunction!(declare_container, m)?,
        wrap_pyfunction!(stop_persistence, m)?,
    ] {
        m.add_function(function)?;
    }
    m.add_class::<Metric>()?;
    m.add_class::<Stat>()?;
    m.add_class::<Gauge>()?;
    m.add_class::<LineChart>()?;
    m.add_class::<BarChart>()?;
    m.add_class::<Table>()?;
    m.add_class::<Text>()?;
    m.add_class::<Markdown>()?;
    m.add_class::<Heatmap>()?;
    Ok(())
}
