//! StreamViz: live dashboards for streaming data.
//!
//! One [`engine`] holds every widget's data; [`ingest`] feeds it from Python, HTTP and
//! WebSockets through one bounded queue; [`protocol`] is the JSON wire format of
//! docs/PROTOCOL.md, both ways; [`web`] serves it to browsers and remote viewers; [`store`]
//! persists every update (SQLite) and loads it back on start; [`history`] is how the server and
//! the viewer read what a store holds beyond the rings; [`alerting`] sends the notifications of
//! alert rules (log lines, webhooks); [`gui`] is the native viewer; `cli` is the `streamviz`
//! command line (serve pushes or a recording, write a snapshot file).
//! docs/ARCHITECTURE.md has the module map and which module may use which.

#[cfg(feature = "web")]
pub mod alerting;
#[cfg(any(feature = "web", feature = "client"))]
pub mod certs;
#[cfg(all(
    feature = "web",
    feature = "sqlite",
    feature = "client",
    feature = "relay"
))]
pub mod cli;
pub mod clock;
pub mod engine;
#[cfg(feature = "gui")]
pub mod gui;
pub mod history;
pub mod ingest;
pub mod protocol;
#[cfg(feature = "relay")]
pub mod relay;
pub mod store;
pub mod urls;
#[cfg(feature = "web")]
pub mod web;

#[cfg(feature = "python")]
mod python;

pub use engine::{Engine, EngineError, Update, WidgetKind, WidgetSpec};
pub use ingest::{Pipeline, PipelineStats};
