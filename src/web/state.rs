//! The state every route shares: the engine, the live fan-out, the history of what a store holds,
//! and the span of the recording served, if one is.

use super::hub::Hub;
use crate::history::SharedHistory;
use crate::ingest::Pipeline;

/// State shared by every route.
#[derive(Clone)]
pub struct AppState {
    /// The engine and its queue.
    pub pipeline: Pipeline,
    /// Live fan-out.
    pub hub: Hub,
    /// What a store holds beyond the rings (`ServerOptions::history`).
    pub history: SharedHistory,
    /// The first and last time of the recording served, when serving one
    /// (`ServerOptions::recording`).
    pub recording: Option<(f64, f64)>,
}
