//! Every route of the server, assembled in one function from the files that own them: `/ws`
//! (ws.rs), the HTTP API (api.rs) and the dashboard's page and assets (assets.rs).

use axum::routing::get;
use axum::Router;

use super::state::AppState;
use super::{api, assets, ws};

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ws", get(ws::upgrade))
        .merge(api::router())
        .merge(assets::router())
        .with_state(state)
}
