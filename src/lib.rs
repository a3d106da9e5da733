//! StreamViz: live dashboards for streaming data.
//!
//! One [`engine`] holds every widget's data; [`ingest`] feeds it from Python, HTTP and
//! WebSockets through one bounded queue; [`protocol`] turns its snapshots and deltas into the
//! JSON messages of docs/PROTOCOL.md; [`web`] serves them to browsers and remote viewers;
//! [`store`] persists every update (SQLite) and loads it back on start.

pub mod engine;
#[cfg(feature = "gui")]
pub mod gui;
pub mod ingest;
pub mod protocol;
pub mod store;
#[cfg(feature = "web")]
pub mod web;

#[cfg(feature = "python")]
mod python;

pub use engine::{Engine, EngineError, Update, WidgetKind, WidgetSpec};
pub use ingest::{Pipeline, PipelineStats};
