//! The relay from Python: `sv.configure(relay="redis://host")` shares the process's dashboard
//! with other servers through Redis (`crate::relay`); `relay=None` stops it, and so does the
//! end of the script (after what was sent last is published).

use pyo3::prelude::*;

use super::errors::{validation_error, Result};
use super::runtime::{lock, runtime};
use crate::relay::{Relay, RelayOptions};

/// Start relaying through `url` (stopping a relay already running first); `None` only stops.
#[pyfunction]
#[pyo3(signature = (url, stream=None))]
pub fn relay(py: Python<'_>, url: Option<&str>, stream: Option<&str>) -> Result<()> {
    let runtime = runtime();
    let mut slot = lock(&runtime.relay);
    if let Some(running) = slot.take() {
        py.detach(|| running.stop());
    }
    let Some(url) = url else {
        return Ok(());
    };
    let mut options = RelayOptions::new(url);
    if let Some(stream) = stream {
        options.stream = stream.into();
    }
    let started = Relay::start(&runtime.pipeline, options)
        .map_err(|err| validation_error(err.to_string()))?;
    *slot = Some(started);
    Ok(())
}
