//! Everything that turns outside input into engine updates: the [`Pipeline`] (one bounded queue
//! and the engine thread that drains it), JSON pushes from HTTP and WebSocket clients
//! ([`push`]), the [`mirror`] that copies a remote producer for the native viewer (feature
//! `client`), and the timestamp helpers producers share.

#[cfg(feature = "client")]
pub mod mirror;
mod pipeline;
pub mod push;

pub use pipeline::{
    now_ms, ChangeSource, HistorySource, Pipeline, PipelineOptions, PipelineStats,
    DEFAULT_QUEUE_CAPACITY, MAX_QUEUED_BATCH_POINTS,
};
