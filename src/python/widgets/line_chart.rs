//! `LineChart`: several named series on one chart, added on first use.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::target::{Target, Waiting};
use crate::engine::{validate_number, SeriesOptions, Update};
use crate::python::convert::{
    extract_number, extract_ts_ms, series_name, timestamps_column, type_name, values_column,
    MAX_SEND_MANY_POINTS,
};
use crate::python::errors::{type_error, validation_error, Result};
use crate::python::runtime::{lock, runtime};

/// Several named time series on one chart.
#[pyclass(module = "stream_viz._core", name = "LineChart", frozen)]
pub struct LineChart {
    pub(super) target: Target,
    pub(super) series: Mutex<HashMap<String, u32>>,
}

common_methods!(LineChart);

impl LineChart {
    fn series_position(&self, options: SeriesOptions, replace: bool) -> Result<u32> {
        let mut known = lock(&self.series);
        if !replace {
            if let Some(&position) = known.get(&options.name) {
                return Ok(position);
            }
        }
        let name = options.name.clone();
        let position =
            runtime()
                .pipeline
                .engine()
                .series_index(self.target.widget, options, replace)?;
        known.insert(name, position);
        Ok(position)
    }

    /// The series points are sent to: added with default colour and label on first use.
    fn series_for_points(&self, name: String) -> Result<u32> {
        let options = SeriesOptions {
            name,
            color: None,
            label: None,
        };
        self.series_position(options, false)
    }
}

#[pymethods]
impl LineChart {
    /// Add a series (or change its colour and label).
    #[pyo3(signature = (name, *, color = None, label = None))]
    fn add_series(&self, name: String, color: Option<String>, label: Option<String>) -> Result<()> {
        self.target.check_live()?;
        self.series_position(SeriesOptions { name, color, label }, true)?;
        Ok(())
    }

    /// Send one value to a series (added on first use), stamped `timestamp` or now.
    #[pyo3(signature = (series, value, timestamp = None))]
    fn send(
        &self,
        series: &Bound<'_, PyAny>,
        value: &Bound<'_, PyAny>,
        timestamp: Option<&Bound<'_, PyAny>>,
    ) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let name = series_name(series)?;
        let value = extract_number(&self.target.id, value)?;
        validate_number(self.target.kind, &self.target.id, value)?;
        let ts_ms = extract_ts_ms(&self.target.id, timestamp)?;
        let position = self.series_for_points(name)?;
        Ok(self.target.send_point(runtime, position, ts_ms, value))
    }

    /// Replace everything the chart shows with `data`, a dict of series name → `(values,
    /// timestamps)` (as `send_many` takes them; series not named end up empty). Viewers see
    /// the old points or the new ones, never a mix. Returns False when the queue was full.
    fn replace(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let Ok(data) = data.cast::<PyDict>() else {
            return Err(type_error(format!(
                "data is a dict of series name → (values, timestamps), not {}",
                type_name(data)
            )));
        };
        let mut updates = vec![Update::Clear {
            widget: self.target.widget,
        }];
        let mut total = 0;
        let mut checked = Vec::with_capacity(data.len());
        for (series, pair) in data.iter() {
            let name = series_name(&series)?;
            let (values, timestamps) = pair
                .extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()
                .map_err(|_| {
                    type_error(format!(
                        "series {name:?}: give (values, timestamps), not {}",
                        type_name(&pair)
                    ))
                })?;
            let values = values_column(&self.target.id, &values)?;
            let ts_ms = timestamps_column(&self.target.id, Some(&timestamps), values.len())?;
            self.target.check_points(py, &values, &ts_ms)?;
            total += values.len();
            if total > MAX_SEND_MANY_POINTS {
                return Err(validation_error(format!(
                    "replace takes at most {MAX_SEND_MANY_POINTS} points a call"
                )));
            }
            let (mut v, mut t) = (Vec::new(), Vec::new());
            values.read(py, 0, values.len(), &mut v)?;
            ts_ms.read(py, 0, values.len(), &mut t)?;
            checked.push((name, t.into_iter().zip(v).collect::<Vec<(f64, f64)>>()));
        }
        for (name, points) in checked {
            let series = self.series_for_points(name)?;
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

    /// Send many values to one series at once (added on first use): as `Metric.send_many`,
    /// waiting for room unless `block=False`. Returns how many were queued.
    #[pyo3(signature = (series, values, timestamps = None, *, block = true, timeout = None))]
    fn send_many(
        &self,
        py: Python<'_>,
        series: &Bound<'_, PyAny>,
        values: &Bound<'_, PyAny>,
        timestamps: Option<&Bound<'_, PyAny>>,
        block: bool,
        timeout: Option<f64>,
    ) -> Result<usize> {
        let runtime = self.target.check_live()?;
        let waiting = Waiting::new(block, timeout)?;
        let name = series_name(series)?;
        let values = values_column(&self.target.id, values)?;
        let ts_ms = timestamps_column(&self.target.id, timestamps, values.len())?;
        self.target.check_points(py, &values, &ts_ms)?;
        let position = self.series_for_points(name)?;
        self.target
            .queue_points(py, runtime, position, (&values, &ts_ms), waiting)
    }
}
