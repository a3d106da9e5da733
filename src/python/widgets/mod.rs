//! The widget classes of `_core`, a file per class or family: each holds a [`Target`] and its
//! `send` methods validate in Rust and queue without blocking (the hot path: one native call, no
//! Python frame in between). [`declare`] makes the class that fits a declared widget.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use serde_json::Value;

use super::errors::{validation_error, Result};
use super::runtime::runtime;
use crate::engine::{WidgetOptions, WidgetSpec};

/// The `#[pymethods]` every widget class has: `id`, `kind`, `dropped`, `repr` and the HTML
/// repr of notebooks.
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

            /// In Jupyter: the widget's embed in an iframe while the server runs
            /// (`stream_viz._notebook`), else None and the plain repr.
            fn _repr_html_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                py.import("stream_viz._notebook")?
                    .call_method1("widget_html", (&self.target.id,))
            }
        }
    };
}

pub mod bar_chart;
pub mod heatmap;
pub mod line_chart;
pub mod scalar;
pub mod table;
mod target;
pub mod text;

pub use target::Target;

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
