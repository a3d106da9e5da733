//! Every route of the server, assembled in one function from the files that own them: `/ws`
//! (ws.rs), the HTTP API (api.rs) and the dashboard's page and assets (assets.rs), all behind
//! the access checks (access.rs).

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;

use super::access::{guard, Access};
use super::state::AppState;
use super::{api, assets, ws};

/// Every route of the server, each behind `access`.
pub fn router(state: AppState, access: Arc<Access>) -> Router {
    Router::new()
        .route("/ws", get(ws::upgrade))
        .merge(api::router())
        .merge(assets::router())
        .layer(from_fn_with_state(access, guard))
        .with_state(state)
}
