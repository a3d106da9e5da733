//! The state every route shares: the engine, the live fan-out, the history of what a store holds,
//! the span of the recording served, if one is, who may use it, and the bounds on connections.

use std::sync::Arc;

use axum::extract::FromRef;

use super::auth::Auth;
use super::hub::Hub;
use super::listen::{ConnectionLimits, Refusals};
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
    /// Authentication: sessions, credentials, embed tokens.
    pub auth: Arc<Auth>,
    /// Bounds on connections and viewers (`ServerOptions::limits`).
    pub limits: ConnectionLimits,
    /// What the bounds refused, for `/api/v1/stats`.
    pub refusals: Arc<Refusals>,
    /// One permit per viewer the server may take ([`ConnectionLimits::max_viewers`]), held by
    /// each WebSocket from its upgrade to its end, so that a burst cannot pass the bound.
    pub viewer_slots: Arc<tokio::sync::Semaphore>,
}

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.auth)
    }
}
