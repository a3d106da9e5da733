//! The widget classes of `_core`, a file per class or family: each holds a [`Target`] and its
//! `send` methods validate in Rust and queue without blocking (the hot path: one native call, no
//! Python frame in between). [`declare`] makes the class that fits a declared widget.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::prelude::*;
use serde_json::Value;

use super::convert::{Column, POINTS_PER_BATCH};
use super::errors::{validation_error, Result};
use super::runtime::{runtime, Runtime};
use crate::engine::{
    validate_number, validate_ts_ms, EngineError, Update, WidgetHandle, WidgetKind, WidgetOptions,
    WidgetRef, WidgetSpec,
};

/// The `#[pymethods]` every widget class has: `id`, `kind`, `dropped` and `repr`.
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
                self.target
                    .dropped
                    .load(std::sync::atomic::Ordering::Relaxed)
            }

            fn __repr__(&self) -> String {
                self.target.repr()
            }
        }
    };
}

pub mod bar_chart;
pub mod heatmap;
pub mod line_chart;
pub mod scalar;
pub mod table;
pub mod text;

/// What every widget class holds: the widget's place in the engine, its id and kind, and its
/// counter of dropped updates.
pub struct Target {
    /// The widget in the engine (with the generation it was declared in).
    pub widget: WidgetRef,
    /// Its id, for messages.
    pub id: String,
    /// Its kind.
    pub kind: WidgetKind,
    /// Updates dropped because the queue was full.
    pub dropped: Arc<AtomicU64>,
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

    /// The runtime, unless this handle is from before a `reset()`.
    #[inline]
    pub fn check_live(&self) -> Result<&'static Runtime> {
        let runtime = runtime();
        if runtime.generation.load(Ordering::Relaxed) != self.widget.generation {
            return Err(EngineError::StaleHandle(self.id.clone()).into());
        }
        Ok(runtime)
    }

    /// Queue `update` without blocking; false when the queue was full (dropped and counted).
    #[inline]
    pub fn queue(&self, runtime: &Runtime, update: Update) -> bool {
        runtime.pipeline.send(update, &self.dropped)
    }

    /// Check every point of a `send_many` before anything is queued: a bad one changes nothing.
    pub fn check_points(
        &self,
        py: Python<'_>,
        values: &Column<'_>,
        ts_ms: &Column<'_>,
    ) -> Result<()> {
        let len = values.len();
        let (mut chunk_values, mut chunk_ts) = (
            Vec::with_capacity(POINTS_PER_BATCH),
            Vec::with_capacity(POINTS_PER_BATCH),
        );
        for start in (0..len).step_by(POINTS_PER_BATCH) {
            let end = (start + POINTS_PER_BATCH).min(len);
            values.read(py, start, end, &mut chunk_values)?;
            for &value in &chunk_values {
                validate_number(self.kind, &self.id, value)?;
            }
            ts_ms.read(py, start, end, &mut chunk_ts)?;
            for &ts in &chunk_ts {
                validate_ts_ms(&self.id, ts)?;
            }
        }
        Ok(())
    }

    /// Queue the points of a checked `send_many` to one series (`u32::MAX`: the widget's only
    /// one) in batches. Returns the points queued (the rest were dropped, and counted, because
    /// the queue was full).
    pub fn queue_points(
        &self,
        py: Python<'_>,
        runtime: &Runtime,
        series: u32,
        values: &Column<'_>,
        ts_ms: &Column<'_>,
    ) -> Result<usize> {
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
            if self.queue(
                runtime,
                Update::Points {
                    widget: self.widget,
                    series,
                    points: Box::new(points),
                },
            ) {
                queued += end - start;
            }
        }
        Ok(queued)
    }

    /// `<stream_viz.Metric id="cpu">`.
    pub fn repr(&self) -> String {
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

/// Declare a widget (or re-declare it with new options) and return its handle.
#[pyfunction]
pub fn declare(py: Python<'_>, kind: &str, id: &str, options_json: &str) -> Result<Py<PyAny>> {
    let options: Value = serde_json::from_str(options_json)
        .map_err(|e| validation_error(format!("options: {e}")))?;
    let spec = WidgetSpec::parse(id, kind, options)?;
    let handle = runtime().pipeline.engine().declare(spec)?;
    let target = Target::new(&handle);
    let object = match &handle.spec.options {
        WidgetOptions::Metric(_) => Py::new(py, scalar::Metric { target })?.into_any(),
        WidgetOptions::Stat(_) => Py::new(py, scalar::Stat { target })?.into_any(),
        WidgetOptions::Gauge(_) => Py::new(py, scalar::Gauge { target })?.into_any(),
        WidgetOptions::LineChart(o) => {
            let series: HashMap<String, u32> = o
                .series
                .iter()
                .enumerate()
                .map(|(i, s)| (s.name.clone(), i as u32))
                .collect();
            Py::new(
                py,
                line_chart::LineChart {
                    target,
                    series: Mutex::new(series),
                },
            )?
            .into_any()
        }
        WidgetOptions::BarChart(_) => Py::new(py, bar_chart::BarChart { target })?.into_any(),
        WidgetOptions::Table(o) => Py::new(
            py,
            table::Table {
                target,
                key_field: o.key.clone(),
            },
        )?
        .into_any(),
        WidgetOptions::Text(_) => Py::new(py, text::Text { target })?.into_any(),
        WidgetOptions::Markdown(_) => Py::new(py, text::Markdown { target })?.into_any(),
        WidgetOptions::Heatmap(o) => Py::new(
            py,
            heatmap::Heatmap {
                target,
                options: o.clone(),
            },
        )?
        .into_any(),
    };
    Ok(object)
}

/// Register every widget class in the module.
pub fn add_classes(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<scalar::Metric>()?;
    m.add_class::<scalar::Stat>()?;
    m.add_class::<scalar::Gauge>()?;
    m.add_class::<line_chart::LineChart>()?;
    m.add_class::<bar_chart::BarChart>()?;
    m.add_class::<table::Table>()?;
    m.add_class::<text::Text>()?;
    m.add_class::<text::Markdown>()?;
    m.add_class::<heatmap::Heatmap>()?;
    Ok(())
}
