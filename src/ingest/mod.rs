//! Everything that turns outside input into engine updates: the [`Pipeline`] (one bounded queue
//! and the engine thread that drains it), JSON pushes from HTTP and WebSocket clients
//! ([`push`]), and the timestamp helpers producers share.

mod pipeline;
pub mod push;

pub use pipeline::{now_ms, Pipeline, PipelineOptions, PipelineStats, DEFAULT_QUEUE_CAPACITY};
