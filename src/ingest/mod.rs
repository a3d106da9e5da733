//! Everything that turns outside input into engine updates: the [`Pipeline`] (one bounded queue
//! and the engine thread that drains it), the [`Staged`] buffers that gather single points into
//! batches before they are queued, JSON pushes from HTTP and WebSocket clients
//! ([`push`]), and the [`mirror`] that copies a remote producer for the native viewer (feature
//! `client`).

#[cfg(feature = "client")]
pub mod mirror;
mod pipeline;
pub mod push;
mod staging;

pub use pipeline::{
    Pipeline, PipelineOptions, PipelineStats, DEFAULT_QUEUE_CAPACITY, MAX_QUEUED_BATCH_POINTS,
};
pub use staging::{Staged, STAGED_POINTS};
