//! The state every route shares: the engine, the live fan-out, the history of what a store holds,
//! the span of the recording served, if one is, and who may use it.

use std::sync::Arc;

use axum::extract::FromRef;

use super::auth::Auth;
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
    /// Authentication: sessions, credentials, embed tokens.
    pub auth: Arc<Auth>,
}

impl FromRef<AppState> for Arc<Auth> {
    fn from_ref(state: &AppState) -> Self {
        Arc::clone(&state.auth)
    }
}
