//! The extension module `stream_viz._core`: one process-wide runtime (`runtime`), the widget
//! classes whose `send` is the hot path (`widgets/`), and the functions the Python layer
//! (python/stream_viz) builds its API on: the dashboard (`dashboard`), the web server
//! (`server`), persistence (`store`), the relay to other servers (`relay`), alert rules (`alerts`). Python values are read in `convert`; every error is an
//! `errors::Error`, raised as its class of `stream_viz.errors`.

/// Rust's allocations in the extension (the engine, the server, the store) go to jemalloc, which
/// gives freed memory back (`Cargo.toml`, `.cargo/config.toml`).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

mod alerts;
mod convert;
mod dashboard;
mod errors;
mod relay;
mod runtime;
mod server;
mod store;
mod widgets;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // StreamViz's warnings and errors (a full disk, a failed server) go to stderr, not those of
    // the libraries under it (winit's X11 complaints); `STREAMVIZ_LOG` (as `RUST_LOG`: `info`,
    // `debug`, `off`) says otherwise. A subscriber the process already has is kept.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STREAMVIZ_LOG")
                .unwrap_or_else(|_| "streamviz=warn,streamviz::alerting=info".into()),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("PROTOCOL_VERSION", crate::protocol::PROTOCOL_VERSION)?;
    for function in [
        wrap_pyfunction!(widgets::declare, m)?,
        wrap_pyfunction!(dashboard::configure, m)?,
        wrap_pyfunction!(server::start_server, m)?,
        wrap_pyfunction!(server::check_limits, m)?,
        wrap_pyfunction!(server::stop_server, m)?,
        wrap_pyfunction!(server::serve_recording, m)?,
        wrap_pyfunction!(server::server_url, m)?,
        wrap_pyfunction!(server::embed_url, m)?,
        wrap_pyfunction!(server::rotate_embed_secret, m)?,
        wrap_pyfunction!(server::hash_password, m)?,
        wrap_pyfunction!(server::run_viewer, m)?,
        wrap_pyfunction!(server::run_cli, m)?,
        wrap_pyfunction!(dashboard::flush, m)?,
        wrap_pyfunction!(dashboard::reset, m)?,
        wrap_pyfunction!(dashboard::stats_json, m)?,
        wrap_pyfunction!(dashboard::config_json, m)?,
        wrap_pyfunction!(dashboard::export, m)?,
        wrap_pyfunction!(dashboard::snapshot_html, m)?,
        wrap_pyfunction!(store::persist, m)?,
        wrap_pyfunction!(dashboard::declare_container, m)?,
        wrap_pyfunction!(store::stop_persistence, m)?,
        wrap_pyfunction!(relay::relay, m)?,
        wrap_pyfunction!(alerts::declare_alert, m)?,
        wrap_pyfunction!(alerts::remove_alert, m)?,
        wrap_pyfunction!(alerts::alerts_json, m)?,
        wrap_pyfunction!(alerts::set_alert_webhook, m)?,
    ] {
        m.add_function(function)?;
    }
    m.add_class::<alerts::AlertFeed>()?;
    widgets::add_classes(m)
}
