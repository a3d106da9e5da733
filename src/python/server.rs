//! The web server from Python: serving this process's dashboard (`sv.start()`), or a recording
//! in its place (`python -m stream_viz replay`), on a thread and runtime of its own.

use std::path::PathBuf;
use std::sync::MutexGuard;

use pyo3::prelude::*;

use super::errors::{Error, Result};
use super::runtime::{lock, runtime};
use crate::history::SharedHistory;
use crate::ingest::Pipeline;
use crate::store::open_recording;
use crate::web::{ServerHandle, ServerOptions};

/// The server slot, when no server runs in it.
fn idle_server_slot() -> Result<MutexGuard<'static, Option<ServerHandle>>> {
    let slot = lock(&runtime().server);
    if let Some(running) = slot.as_ref() {
        return Err(Error::Server(format!(
            "the server is already running at {}; call stop() first",
            running.url()
        )));
    }
    Ok(slot)
}

/// Serve `pipeline` on its own thread, the handle in `slot`; returns the dashboard URL.
fn serve_in(
    py: Python<'_>,
    slot: &mut Option<ServerHandle>,
    pipeline: Pipeline,
    options: ServerOptions,
) -> Result<String> {
    let (host, port) = (options.host.clone(), options.port);
    let handle = py
        .detach(move || ServerHandle::start(pipeline, options))
        .map_err(|e| Error::Server(format!("could not serve on {host}:{port}: {e}")))?;
    let url = handle.url();
    *slot = Some(handle);
    Ok(url)
}

/// Start the web server on its own thread; returns the dashboard URL. Its range queries read
/// the attached database, whenever one is attached; bound to a loopback address, it answers
/// requests naming this machine or one of `allowed_hosts`.
#[pyfunction]
#[pyo3(signature = (host, port, allowed_hosts = Vec::new()))]
pub fn start_server(
    py: Python<'_>,
    host: String,
    port: u16,
    allowed_hosts: Vec<String>,
) -> Result<String> {
    let mut slot = idle_server_slot()?;
    let runtime = runtime();
    let options = ServerOptions {
        host,
        port,
        history: runtime.history.clone(),
        allowed_hosts,
        ..ServerOptions::default()
    };
    serve_in(py, &mut slot, runtime.pipeline.clone(), options)
}

/// Serve the recording at `path` (a database persistence wrote) read-only to browsers, with a
/// time scrubber, in place of this process's dashboard: `python -m stream_viz replay`. Returns
/// the URL; `stop_server` ends it.
#[pyfunction]
pub fn serve_recording(py: Python<'_>, path: PathBuf, host: String, port: u16) -> Result<String> {
    let mut slot = idle_server_slot()?;
    let pipeline = Pipeline::default();
    let recording = py.detach(|| open_recording(&pipeline, &path))?;
    let Some(span) = recording.span else {
        return Err(Error::Persistence(format!(
            "{} holds nothing to replay (no points, no changes)",
            path.display()
        )));
    };
    let options = ServerOptions {
        host,
        port,
        recording: Some(span),
        history: SharedHistory::new(recording.history),
        ..ServerOptions::default()
    };
    serve_in(py, &mut slot, pipeline, options)
}

/// Stop the web server if it runs; returns whether it was running.
#[pyfunction]
pub fn stop_server(py: Python<'_>) -> bool {
    let handle = lock(&runtime().server).take();
    match handle {
        Some(handle) => {
            py.detach(move || handle.stop());
            true
        }
        None => false,
    }
}

/// The dashboard URL while the server runs.
#[pyfunction]
pub fn server_url() -> Option<String> {
    lock(&runtime().server).as_ref().map(ServerHandle::url)
}

/// Run the native viewer's command line (`streamviz-viewer ARGS`) in this process until its
/// window closes; the exit status (`python -m stream_viz.viewer`).
#[pyfunction]
pub fn run_viewer(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(move || crate::gui::cli::run_with_args(argv.into_iter().map(Into::into)))
}
