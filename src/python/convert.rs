//! Python values into Rust ones, as the widget classes take them: numbers (NumPy scalars too,
//! booleans refused), timestamps (epoch seconds or datetimes), columns of `send_many` (NumPy
//! arrays read in chunks, never copied whole), table cells and keys, series names. Each refusal
//! says what was given and what is taken.

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyString};
use serde_json::Value;

use super::errors::{type_error, validation_error, Error, Result};
use crate::clock::now_ms;
use crate::engine::validate_ts_ms;

/// The name of `obj`'s type, for messages.
pub fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

/// A number from a Python int, float or anything with `__float__` (NumPy scalars, Decimal).
/// Booleans are refused: `True` sent to a metric is almost always a mistake.
#[inline]
pub fn extract_number(widget: &str, obj: &Bound<'_, PyAny>) -> Result<f64> {
    if let Ok(float) = obj.cast::<PyFloat>() {
        return Ok(float.value());
    }
    if obj.is_instance_of::<PyBool>() {
        return Err(type_error(format!(
            "{widget:?} takes numbers, not booleans"
        )));
    }
    if obj.is_instance_of::<PyString>() || obj.is_none() {
        return Err(type_error(format!(
            "{widget:?} takes numbers, not {}",
            type_name(obj)
        )));
    }
    obj.extract::<f64>().map_err(|_| {
        type_error(format!(
            "{widget:?} takes numbers (int, float, NumPy scalars), not {}",
            type_name(obj)
        ))
    })
}

/// Epoch milliseconds from `None` (now), epoch seconds (int/float), or a `datetime`
/// (aware, or naive meaning local time, as `datetime.timestamp()` does).
pub fn extract_ts_ms(widget: &str, timestamp: Option<&Bound<'_, PyAny>>) -> Result<f64> {
    let Some(obj) = timestamp.filter(|t| !t.is_none()) else {
        return Ok(now_ms());
    };
    let seconds = if obj.is_instance_of::<PyBool>() {
        return Err(type_error(
            "timestamp is epoch seconds or a datetime, not a boolean",
        ));
    } else if obj.is_instance_of::<PyFloat>() || obj.is_instance_of::<PyInt>() {
        obj.extract::<f64>()?
    } else if obj.hasattr("timestamp")? {
        obj.call_method0("timestamp")?.extract::<f64>()?
    } else {
        return Err(type_error(format!(
            "timestamp is epoch seconds or a datetime, not {}",
            type_name(obj)
        )));
    };
    let ts_ms = seconds * 1000.0;
    validate_ts_ms(widget, ts_ms)?;
    Ok(ts_ms)
}

/// Most points one `send_many` call takes (its values are read and checked whole before any is
/// queued, so a bad one changes nothing).
pub const MAX_SEND_MANY_POINTS: usize = 10_000_000;
/// Points per queued batch (one queue slot each; 64 KiB of points, below malloc's mmap
/// threshold, so batches reuse warm memory).
pub const POINTS_PER_BATCH: usize = 4096;

/// One column of `send_many`'s numbers, read a chunk at a time so that a large NumPy array is
/// never copied whole (a copy of fresh memory costs a page fault every 4 KiB).
pub enum Column<'py> {
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
    /// How many numbers it holds.
    pub fn len(&self) -> usize {
        match self {
            Column::Numbers { len, .. } | Column::Datetimes { len, .. } | Column::Same(_, len) => {
                *len
            }
            Column::Taken(values) => values.len(),
        }
    }

    /// NumPy's own answer, in one pass over the array without copying it, to whether every
    /// item (times `scale`) is finite and within `lo..=hi`: `Some(true)` when so, `None` when
    /// it cannot say (not a NumPy number array) or some item is not (the caller then checks
    /// item by item, to say which and why).
    pub fn all_within(&self, lo: f64, hi: f64) -> Result<Option<bool>> {
        let Column::Numbers { array, len, scale } = self else {
            return Ok(None);
        };
        if *len == 0 {
            return Ok(Some(true));
        }
        // NaN anywhere makes min or max NaN, which no range holds.
        let min: f64 = array.call_method0("min")?.extract()?;
        let max: f64 = array.call_method0("max")?.extract()?;
        let (min, max) = (min * scale, max * scale);
        Ok((min >= lo && max <= hi).then_some(true))
    }

    /// Items `start..end` into `out` (replacing what it held).
    pub fn read(&self, py: Python<'_>, start: usize, end: usize, out: &mut Vec<f64>) -> Result<()> {
        out.clear();
        out.reserve(end - start);
        self.for_each(py, start, end, |item| out.push(item))
    }

    /// Items `start..end` paired with `ts_ms` (as many) as `(ts_ms, item)`: the points of a
    /// batch, made in one pass, or, given a `scratch` (the caller's, reused from batch to
    /// batch), paired there and copied into the batch whole.
    ///
    /// The copy is for batches the engine thread frees as soon as it has read them (a windowed
    /// metric's): the allocator hands that memory straight back for the next batch, and
    /// storing into it point by point waits for each cache line to come back from the engine
    /// thread's core, 3–5× slower when the two cores are far apart (in another core complex of
    /// the host's CPU, as a VM's two vCPUs are at times). One `memcpy` writes whole lines and
    /// does not wait. Batches the engine keeps (in its logs) leave fresh memory for the next,
    /// where the copy measured slower (docs/BENCHMARKS.md, "slow spells").
    pub fn read_points(
        &self,
        py: Python<'_>,
        (start, end): (usize, usize),
        ts_ms: &[f64],
        scratch: Option<&mut Vec<(f64, f64)>>,
    ) -> Result<Vec<(f64, f64)>> {
        let mut points = Vec::with_capacity(end - start);
        let mut ts = ts_ms.iter();
        let mut pair = |out: &mut Vec<(f64, f64)>| {
            self.for_each(py, start, end, |item| {
                if let Some(&t) = ts.next() {
                    out.push((t, item));
                }
            })
        };
        match scratch {
            None => pair(&mut points)?,
            Some(scratch) => {
                scratch.clear();
                scratch.reserve(end - start);
                pair(scratch)?;
                points.extend_from_slice(scratch);
            }
        }
        Ok(points)
    }

    /// Call `f` with items `start..end`, in order.
    fn for_each(
        &self,
        py: Python<'_>,
        start: usize,
        end: usize,
        mut f: impl FnMut(f64),
    ) -> Result<()> {
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
                bytes
                    .cast::<pyo3::types::PyBytes>()
                    .map_err(PyErr::from)?
                    .as_bytes()
                    .chunks_exact(8)
                    .map(|b| {
                        f64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]) * scale
                    })
                    .for_each(f);
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
                ns.cast::<pyo3::types::PyBytes>()
                    .map_err(PyErr::from)?
                    .as_bytes()
                    .chunks_exact(8)
                    .map(|b| {
                        let ns =
                            i64::from_ne_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                        // Whole milliseconds exactly (ns as f64 would round at this size).
                        ns.div_euclid(1_000_000) as f64 + ns.rem_euclid(1_000_000) as f64 / 1e6
                    })
                    .for_each(f);
            }
            Column::Taken(values) => values[start..end].iter().copied().for_each(f),
            Column::Same(value, _) => (start..end).for_each(|_| f(*value)),
        }
        Ok(())
    }
}

/// The dtype kind (`"f"`, `"i"`, `"u"`, `"b"`, `"M"`, `"O"`, ...) and length of a NumPy array
/// (or anything with `dtype`, `ndim` and `astype`), which must be one-dimensional; `None` for
/// other objects.
fn array_kind(what: &str, obj: &Bound<'_, PyAny>) -> Result<Option<(String, usize)>> {
    if !(obj.hasattr("dtype")? && obj.hasattr("ndim")? && obj.hasattr("astype")?) {
        return Ok(None);
    }
    let ndim: usize = obj.getattr("ndim")?.extract()?;
    if ndim != 1 {
        return Err(validation_error(format!(
            "{what} is a one-dimensional array, not {ndim}-dimensional"
        )));
    }
    let len = obj.len()?;
    if len > MAX_SEND_MANY_POINTS {
        return Err(too_many());
    }
    Ok(Some((
        obj.getattr("dtype")?.getattr("kind")?.extract()?,
        len,
    )))
}

/// Items of a list, tuple or other iterable, each through `item`, at most
/// [`MAX_SEND_MANY_POINTS`] of them.
fn take_each(
    what: &str,
    obj: &Bound<'_, PyAny>,
    mut item: impl FnMut(&Bound<'_, PyAny>) -> Result<f64>,
) -> Result<Vec<f64>> {
    let not_a_sequence = || {
        type_error(format!(
            "{what} is a list, tuple, iterable or NumPy array, not {}",
            type_name(obj)
        ))
    };
    if obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyDict>() || obj.is_none() {
        return Err(not_a_sequence());
    }
    let mut out = Vec::with_capacity(obj.len().unwrap_or(0).min(MAX_SEND_MANY_POINTS));
    for value in obj.try_iter().map_err(|_| not_a_sequence())? {
        if out.len() == MAX_SEND_MANY_POINTS {
            return Err(too_many());
        }
        out.push(item(&value?)?);
    }
    Ok(out)
}

fn too_many() -> Error {
    validation_error(format!(
        "send_many takes at most {MAX_SEND_MANY_POINTS} points a call; split them"
    ))
}

/// The values of `send_many`: a 1-D NumPy array of numbers, or a list, tuple or iterable of
/// numbers (each as `send` takes it).
pub fn values_column<'py>(widget: &str, obj: &Bound<'py, PyAny>) -> Result<Column<'py>> {
    Ok(match array_kind("values", obj)? {
        Some((kind, len)) if matches!(kind.as_str(), "f" | "i" | "u") => Column::Numbers {
            array: obj.clone(),
            len,
            scale: 1.0,
        },
        Some((kind, _)) if kind == "b" => {
            return Err(type_error(format!(
                "{widget:?} takes numbers, not booleans"
            )))
        }
        Some((kind, _)) if kind != "O" => {
            return Err(type_error(format!(
                "{widget:?} takes numbers, not an array of dtype kind {kind:?}"
            )))
        }
        _ => Column::Taken(take_each("values", obj, |v| extract_number(widget, v))?),
    })
}

/// The timestamps of `send_many`, as epoch milliseconds: none (now, for all `len`), a 1-D NumPy
/// array of epoch seconds or of `datetime64`, or a list or iterable of what `send` takes.
pub fn timestamps_column<'py>(
    widget: &str,
    obj: Option<&Bound<'py, PyAny>>,
    len: usize,
) -> Result<Column<'py>> {
    let Some(obj) = obj.filter(|t| !t.is_none()) else {
        return Ok(Column::Same(now_ms(), len));
    };
    let column = match array_kind("timestamps", obj)? {
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
            return Err(type_error(format!(
                "timestamps are epoch seconds or datetimes, not an array of dtype kind {kind:?}"
            )))
        }
        _ => Column::Taken(take_each("timestamps", obj, |t| {
            extract_ts_ms(widget, Some(t))
        })?),
    };
    if column.len() != len {
        return Err(validation_error(format!(
            "{} timestamps for {len} values",
            column.len()
        )));
    }
    Ok(column)
}

/// A table cell as JSON: str, int, float, bool, None, datetime/date/time (ISO 8601 text), or a
/// NumPy scalar.
pub fn cell_to_json(widget: &str, field: &str, obj: &Bound<'_, PyAny>) -> Result<Value> {
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
        return serde_json::Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| {
                validation_error(format!(
                    "field {field:?} of a row for {widget:?} is {value}; cells take finite numbers"
                ))
            });
    }
    Err(type_error(format!("field {field:?} of a row for {widget:?} is a {}; cells take str, int, float, bool, None or datetime", type_name(obj)),
    ))
}

/// A row key: a str, or an int (as its text).
pub fn key_to_json(key: &Bound<'_, PyAny>) -> Result<Value> {
    if key.is_instance_of::<PyBool>()
        || !(key.is_instance_of::<PyString>() || key.is_instance_of::<PyInt>())
    {
        return Err(type_error(format!(
            "a row key is a str or an int, not {}",
            type_name(key)
        )));
    }
    if let Ok(s) = key.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    Ok(Value::String(key.str()?.to_str()?.to_owned()))
}

/// Iterate `items`, a list or other iterable but not a dict or a str (a row, a key); else a
/// `TypeError` that starts with `what`.
pub fn rows_iter<'py>(
    items: &Bound<'py, PyAny>,
    what: &str,
) -> Result<Bound<'py, pyo3::types::PyIterator>> {
    let error = || type_error(format!("{what}, not {}", type_name(items)));
    if items.is_instance_of::<PyDict>() || items.is_instance_of::<PyString>() {
        return Err(error());
    }
    items.try_iter().map_err(|_| error())
}

/// A series name given to `send`/`send_many`: a `str`, or a `TypeError` saying what it was.
pub fn series_name(series: &Bound<'_, PyAny>) -> Result<String> {
    match series.cast::<PyString>() {
        Ok(name) => Ok(name.to_str()?.to_owned()),
        Err(_) => Err(type_error(format!(
            "the series name is a str, not {}",
            type_name(series)
        ))),
    }
}
