//! `Metric`, `Stat` and `Gauge`: widgets fed one number at a time (or many with `send_many`).

use pyo3::prelude::*;

use super::target::{Target, Waiting};
use crate::engine::validate_number;
use crate::python::convert::{extract_number, extract_ts_ms, timestamps_column, values_column};
use crate::python::errors::Result;

macro_rules! scalar_widget {
    ($class:ident, $name:literal) => {
        /// A widget fed one number at a time.
        #[pyclass(module = "stream_viz._core", name = $name, frozen)]
        pub struct $class {
            pub(super) target: Target,
        }

        common_methods!($class);

        #[pymethods]
        impl $class {
            /// Send one value, stamped `timestamp` (epoch seconds or datetime) or now. Never
            /// blocks: values are gathered into batches of up to 256 and queued; when the engine
            /// is so far behind that the queue is full, a batch is dropped and counted (the
            /// call that completed it returns False).
            #[pyo3(signature = (value, timestamp = None))]
            fn send(
                &self,
                value: &Bound<'_, PyAny>,
                timestamp: Option<&Bound<'_, PyAny>>,
            ) -> Result<bool> {
                let runtime = self.target.check_live()?;
                let value = extract_number(&self.target.id, value)?;
                validate_number(self.target.kind, &self.target.id, value)?;
                let ts_ms = extract_ts_ms(&self.target.id, timestamp)?;
                Ok(self.target.send_point(runtime, u32::MAX, ts_ms, value))
            }

            /// Send many values at once: a 1-D NumPy array (converted without a Python loop), a
            /// list, tuple or iterable; `timestamps` of the same length (epoch seconds,
            /// datetimes, or a NumPy `datetime64` array), else now for all. Everything is
            /// checked before anything is queued. By default (`block=True`) every point is
            /// queued, the call waiting while the engine catches up (at most `timeout` seconds,
            /// if given); `block=False` drops and counts what does not fit now, as `send` does.
            /// Returns how many were queued (the rest were dropped and counted).
            #[pyo3(signature = (values, timestamps = None, *, block = true, timeout = None))]
            fn send_many(
                &self,
                py: Python<'_>,
                values: &Bound<'_, PyAny>,
                timestamps: Option<&Bound<'_, PyAny>>,
                block: bool,
                timeout: Option<f64>,
            ) -> Result<usize> {
                let runtime = self.target.check_live()?;
                let waiting = Waiting::new(block, timeout)?;
                let values = values_column(&self.target.id, values)?;
                let ts_ms = timestamps_column(&self.target.id, timestamps, values.len())?;
                self.target.check_points(py, &values, &ts_ms)?;
                self.target
                    .queue_points(py, runtime, u32::MAX, (&values, &ts_ms), waiting)
            }

            /// Remove every point held.
            fn clear(&self) -> Result<bool> {
                self.target.clear()
            }
        }
    };
}

scalar_widget!(Metric, "Metric");
scalar_widget!(Stat, "Stat");
scalar_widget!(Gauge, "Gauge");
