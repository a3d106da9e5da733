//! `BarChart`: category → value, in one series or several.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use super::target::Target;
use crate::engine::{validate_bars, Bar, Update};
use crate::python::convert::{extract_number, type_name};
use crate::python::errors::{type_error, Result};

/// Category → value.
#[pyclass(module = "stream_viz._core", name = "BarChart", frozen)]
pub struct BarChart {
    pub(super) target: Target,
}

common_methods!(BarChart);

#[pymethods]
impl BarChart {
    /// Set the values of some categories: a dict or a list of (category, value) pairs. A dict
    /// of dicts (`{"US": {"web": 1200, "mobile": 300}}`) sets several series; `series=` names
    /// the series of plain values.
    #[pyo3(signature = (values, *, series=None))]
    fn send(&self, values: &Bound<'_, PyAny>, series: Option<&str>) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let id = &self.target.id;
        let default_series = series.unwrap_or("");
        let mut pairs = Vec::new();
        let mut push =
            |category: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>, series: &str| -> Result<()> {
                let Ok(category) = category.cast::<PyString>() else {
                    return Err(type_error(format!(
                        "bar categories are str, not {}",
                        type_name(category)
                    )));
                };
                pairs.push(Bar {
                    category: category.to_str()?.to_owned(),
                    series: series.to_owned(),
                    value: extract_number(id, value)?,
                });
                Ok(())
            };
        if let Ok(dict) = values.cast::<PyDict>() {
            for (category, value) in dict.iter() {
                if let Ok(per_series) = value.cast::<PyDict>() {
                    for (name, v) in per_series.iter() {
                        let Ok(name) = name.cast::<PyString>() else {
                            return Err(type_error(format!(
                                "bar series names are str, not {}",
                                type_name(&name)
                            )));
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
                    .map_err(|_| type_error("a list of bars holds (category, value) pairs"))?;
                push(&category, &value, default_series)?;
            }
        } else {
            return Err(type_error(format!(
                "bar values are a dict or a list of pairs, not {}",
                type_name(values)
            )));
        }
        validate_bars(id, &pairs)?;
        Ok(self.target.queue(
            runtime,
            Update::Bars {
                widget: self.target.widget,
                values: Box::new(pairs),
            },
        ))
    }
}
