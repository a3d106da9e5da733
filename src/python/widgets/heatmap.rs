//! `Heatmap`: a matrix of values with row and column labels, replaced by each `send`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use super::target::Target;
use crate::engine::{limits, validate_matrix, HeatmapOptions, Update};
use crate::python::convert::{extract_number, type_name};
use crate::python::errors::{type_error, validation_error, Result};

/// A matrix of values with row and column labels.
#[pyclass(module = "stream_viz._core", name = "Heatmap", frozen)]
pub struct Heatmap {
    pub(super) target: Target,
    pub(super) options: HeatmapOptions,
}

common_methods!(Heatmap);

#[pymethods]
impl Heatmap {
    /// Replace the matrix: a list of rows (top to bottom), or a 2-D NumPy array.
    fn send(&self, matrix: &Bound<'_, PyAny>) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let id = &self.target.id;
        if matrix.is_instance_of::<PyString>() || matrix.is_instance_of::<PyDict>() {
            return Err(type_error(format!(
                "a matrix is a list of rows, not {}",
                type_name(matrix)
            )));
        }
        let mut rows = Vec::new();
        let mut cells = 0_usize;
        for row in matrix.try_iter().map_err(|_| {
            type_error(format!(
                "a matrix is a list of rows, not {}",
                type_name(matrix)
            ))
        })? {
            let row = row?;
            if row.is_instance_of::<PyString>() {
                return Err(type_error("a matrix row is a list of numbers, not str"));
            }
            let mut values = Vec::new();
            for value in row.try_iter().map_err(|_| {
                type_error(format!(
                    "a matrix row is a list of numbers, not {}",
                    type_name(&row)
                ))
            })? {
                values.push(extract_number(id, &value?)?);
                cells += 1;
                if cells > limits::MAX_HEATMAP_CELLS {
                    return Err(validation_error(format!(
                        "too large: more than {} cells",
                        limits::MAX_HEATMAP_CELLS
                    )));
                }
            }
            rows.push(values);
        }
        validate_matrix(id, &self.options, &rows)?;
        Ok(self.target.queue(
            runtime,
            Update::Matrix {
                widget: self.target.widget,
                matrix: Box::new(rows),
            },
        ))
    }
}
