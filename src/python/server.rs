//! The web server from Python: serving this process's dashboard (`sv.start()`), or a recording
//! in its place (`python -m stream_viz replay`), on a thread and runtime of its own.

use std::path::PathBuf;
use std::sync::MutexGuard;

use pyo3::prelude::*;

use super::errors::{Error, Result};
use super::runtime::{lock, notifier, runtime};
use crate::history::SharedHistory;
use crate::ingest::Pipeline;
use crate::store::open_recording;
use crate::web::{AuthChoice, ConnectionLimits, Cors, ServerHandle, ServerOptions, TlsFiles};

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

/// Who may use the server, from `auth_json`: absent for the default (none on a loopback
/// address, a token elsewhere), `null` for none, `"token"` or a dict (docs/SECURITY.md).
fn auth_choice(auth_json: Option<&str>) -> Result<AuthChoice> {
    let Some(text) = auth_json else {
        return Ok(AuthChoice::Default);
    };
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|err| Error::Validation(format!("auth is not valid: {err}")))?;
    AuthChoice::from_json(&value).map_err(Error::Validation)
}

/// The server's bounds on connections from `limits_json` (JSON text of
/// [`ConnectionLimits::from_json`]), the defaults when absent.
fn connection_limits(limits_json: Option<&str>) -> Result<ConnectionLimits> {
    let Some(text) = limits_json else {
        return Ok(ConnectionLimits::default());
    };
    serde_json::from_str(text)
        .map_err(|err| err.to_string())
        .and_then(|value| ConnectionLimits::from_json(&value))
        .map_err(Error::Validation)
}

/// Check the bounds `configure(limits=)` gives, when it gives them (they apply when the server
/// starts).
#[pyfunction]
pub fn check_limits(limits_json: &str) -> Result<()> {
    connection_limits(Some(limits_json)).map(|_| ())
}

/// Start the web server on its own thread; returns the dashboard URL (with the token, when
/// there is one). Its range queries read the attached database, whenever one is attached;
/// bound to a loopback address, it answers requests naming this machine or one of
/// `allowed_hosts`. `auth_json` and `cors_json` are JSON text (see [`auth_choice`] and
/// [`Cors::from_json`]); `tls` the certificate and key files to serve HTTPS with.
#[pyfunction]
#[pyo3(signature = (host, port, allowed_hosts = Vec::new(), auth_json = None, allow_anonymous = false, cors_json = None, tls = None, limits_json = None))]
#[allow(clippy::too_many_arguments)]
pub fn start_server(
    py: Python<'_>,
    host: String,
    port: u16,
    allowed_hosts: Vec<String>,
    auth_json: Option<String>,
    allow_anonymous: bool,
    cors_json: Option<String>,
    tls: Option<(PathBuf, PathBuf)>,
    limits_json: Option<String>,
) -> Result<String> {
    let limits = connection_limits(limits_json.as_deref())?;
    // Hashing passwords (argon2) is slow: without the GIL.
    let auth = py.detach(|| auth_choice(auth_json.as_deref()))?;
    let cors = match cors_json {
        None => Cors::SameOrigin,
        Some(text) => serde_json::from_str(&text)
            .map_err(|err| err.to_string())
            .and_then(|value| Cors::from_json(&value))
            .map_err(Error::Validation)?,
    };
    let mut slot = idle_server_slot()?;
    let runtime = runtime();
    let options = ServerOptions {
        host,
        port,
        history: runtime.history.clone(),
        allowed_hosts,
        auth,
        allow_anonymous,
        cors,
        tls: tls.map(|(cert, key)| TlsFiles { cert, key }),
        limits,
        ..ServerOptions::default()
    };
    let url = serve_in(py, &mut slot, runtime.pipeline.clone(), options)?;
    drop(slot);
    // Rules a push declares notify too; receivers are told the dashboard's address.
    notifier().set_external_url(&url);
    Ok(url)
}

/// The running server, or a `ServerError`.
fn running<T>(with: impl FnOnce(&ServerHandle) -> T) -> Result<T> {
    lock(&runtime().server)
        .as_ref()
        .map(with)
        .ok_or_else(|| Error::Server("the server is not running; call start() first".into()))
}

/// A URL opening widget `id` alone, read-only, until `expires` (epoch seconds; 0: until the
/// embed secret is rotated).
#[pyfunction]
pub fn embed_url(id: String, expires: u64) -> Result<String> {
    crate::engine::validate_id(&id)?;
    running(|server| server.embed_url(&id, expires))
}

/// Revoke every embed URL given out so far.
#[pyfunction]
pub fn rotate_embed_secret() -> Result<()> {
    running(ServerHandle::rotate_embed_secret)
}

/// The argon2 hash of `password`, for `password_hash` in `auth` users.
#[pyfunction]
pub fn hash_password(py: Python<'_>, password: String) -> Result<String> {
    py.detach(move || crate::web::auth::hash_password(&password))
        .map_err(Error::Validation)
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

/// Run the `streamviz` command line (`streamviz serve ...`, `streamviz hash-password`) in this
/// process until it is done; the exit status (the package's `streamviz` console script).
#[pyfunction]
pub fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(move || crate::cli::run(argv.into_iter().map(Into::into)))
}
