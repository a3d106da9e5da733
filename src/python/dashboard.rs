//! The dashboard as a whole: its settings and layout containers, waiting for what was sent,
//! forgetting everything, counters, the configuration and exports.

use std::sync::atomic::Ordering;
use std::time::Duration;

use pyo3::prelude::*;
use serde_json::Value;

use super::errors::{validation_error, Result};
use super::runtime::{lock, runtime};
use super::store::stop_store;
use crate::engine::{BrandImage, ConfigPatch, ContainerSpec, ImageSlot};
use crate::protocol::{export_csv, export_json};

/// Change dashboard settings (title, theme, buffer_size) from a JSON object, and the favicon and
/// logo from their bytes.
#[pyfunction]
#[pyo3(signature = (options_json, favicon=None, logo=None))]
pub fn configure(
    options_json: &str,
    favicon: Option<Vec<u8>>,
    logo: Option<Vec<u8>>,
) -> Result<()> {
    let value: Value = serde_json::from_str(options_json)
        .map_err(|e| validation_error(format!("options: {e}")))?;
    let patch = ConfigPatch::from_json(value)?;
    // Check the images before changing anything, so a bad one leaves everything as it was.
    let mut images = Vec::new();
    for (slot, bytes) in [(ImageSlot::Favicon, favicon), (ImageSlot::Logo, logo)] {
        if let Some(bytes) = bytes {
            images.push((slot, BrandImage::new(slot, &bytes)?));
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
pub fn declare_container(spec_json: &str) -> Result<()> {
    let value: Value =
        serde_json::from_str(spec_json).map_err(|e| validation_error(format!("layout: {e}")))?;
    let spec = ContainerSpec::from_json(value)?;
    Ok(runtime().pipeline.engine().declare_container(spec)?)
}

/// Wait until every value sent so far is applied and, with persistence, stored (or `timeout_s`
/// passes); true when it was.
#[pyfunction]
#[pyo3(signature = (timeout_s = 10.0))]
pub fn flush(py: Python<'_>, timeout_s: f64) -> Result<bool> {
    if !(0.0..=86_400.0).contains(&timeout_s) {
        return Err(validation_error("timeout_s is between 0 and 86400 seconds"));
    }
    let runtime = runtime();
    Ok(py.detach(move || {
        let timeout = Duration::from_secs_f64(timeout_s);
        let applied = runtime.pipeline.flush(timeout);
        let store = lock(&runtime.store);
        applied && store.as_ref().is_none_or(|store| store.flush(timeout))
    }))
}

/// Forget every widget and its data; old handles raise when used. Persistence is stopped first
/// (everything applied is stored); the database keeps it.
#[pyfunction]
pub fn reset(py: Python<'_>) {
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
pub fn stats_json() -> String {
    let pipeline = &runtime().pipeline;
    let mut stats = serde_json::to_value(pipeline.stats()).unwrap_or_default();
    if let Value::Object(map) = &mut stats {
        map.extend(pipeline.extra_stats());
    }
    stats.to_string()
}

/// The configuration as JSON (see `/api/v1/widgets`).
#[pyfunction]
pub fn config_json() -> String {
    serde_json::to_string(&runtime().pipeline.engine().config_view()).unwrap_or_default()
}

/// The dashboard as it is now, as one self-contained HTML file (`sv.snapshot_html`).
#[pyfunction]
pub fn snapshot_html(py: Python<'_>) -> String {
    py.detach(|| {
        let captured = crate::web::snapshot::capture(&runtime().pipeline.engine());
        crate::web::snapshot::snapshot_html(&captured, crate::clock::now_ms())
    })
}

/// Export one widget's data as `"csv"` or `"json"`.
#[pyfunction]
pub fn export(id: &str, format: &str) -> Result<String> {
    let engine = runtime().pipeline.engine();
    let Some((spec, data)) = engine.widget(id) else {
        return Err(validation_error(format!("unknown widget {id:?}")));
    };
    match format {
        "csv" => Ok(export_csv(spec, data)),
        "json" => Ok(export_json(spec, data, engine.partial(id))),
        other => Err(validation_error(format!(
            "format {other:?} is not one of csv, json"
        ))),
    }
}
