//! Persistence from Python: attaching a SQLite database (`sv.configure(persistence=...)`) and
//! detaching it. While one is attached, the server's range queries read it.

use std::path::PathBuf;
use std::time::Duration;

use pyo3::prelude::*;

use super::errors::{validation_error, Result};
use super::runtime::{lock, runtime, Runtime};
use crate::store::{Persistence, StoreOptions};

/// Attach a SQLite database: load what it holds, then store every update. Must come before the
/// first widget is declared.
#[pyfunction]
#[pyo3(signature = (path, retention=None, flush_interval_s=0.2))]
pub fn persist(
    py: Python<'_>,
    path: PathBuf,
    retention: Option<&str>,
    flush_interval_s: f64,
) -> Result<()> {
    let retention = match retention {
        None => None,
        Some(text) => match humantime::parse_duration(text) {
            Ok(duration) if !duration.is_zero() => Some(duration),
            Ok(_) => return Err(validation_error("retention must be longer than 0")),
            Err(err) => {
                return Err(validation_error(format!(
                    "retention {text:?} is not a duration such as \"90s\", \"30m\", \"24h\" or \"7d\": {err}"
                )))
            }
        },
    };
    if !(0.001..=3600.0).contains(&flush_interval_s) {
        return Err(validation_error(
            "flush_interval_s is between 0.001 and 3600 seconds",
        ));
    }
    let runtime = runtime();
    let mut store = lock(&runtime.store);
    if let Some(running) = store.as_ref() {
        return Err(validation_error(format!(
            "persistence is already on ({}); call reset() to detach it first",
            running.stats().path
        )));
    }
    let declared = runtime.pipeline.engine().config_view().widgets.len();
    if declared > 0 {
        return Err(validation_error(format!(
            "configure(persistence=...) must come before the first widget ({declared} declared)"
        )));
    }
    let options = StoreOptions {
        retention,
        flush_interval: Duration::from_secs_f64(flush_interval_s),
        ..StoreOptions::new(path)
    };
    let pipeline = runtime.pipeline.clone();
    let started = py.detach(move || Persistence::start(&pipeline, options))?;
    runtime.history.set(Some(started.history()));
    *store = Some(started);
    Ok(())
}

/// Store what is left and detach the database; returns whether one was attached.
#[pyfunction]
pub fn stop_persistence(py: Python<'_>) -> bool {
    let runtime = runtime();
    py.detach(|| {
        runtime.pipeline.flush(Duration::from_secs(10));
        stop_store(runtime)
    })
}

/// Stop the store, if one runs (storing what is left); true when one did.
pub fn stop_store(runtime: &Runtime) -> bool {
    let store = lock(&runtime.store).take();
    runtime.history.set(None);
    store.map(Persistence::stop).is_some()
}
