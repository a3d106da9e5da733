//! Every route of the server, assembled in one function from the files that own them: `/ws`
//! (ws.rs), the HTTP API (api.rs), the dashboard's page and assets (assets.rs), the snapshot
//! file (snapshot.rs) and signing in (auth/routes.rs). Every one is behind, from the outside in:
//! the Host and Origin checks (access.rs), CORS for the origins `cors=` lets in, and
//! authentication (auth/guard.rs).

use std::sync::Arc;

use axum::http::{header, Method};
use axum::middleware::from_fn_with_state;
use axum::routing::get;
use axum::Router;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::timeout::RequestBodyTimeoutLayer;

use super::access::{guard, Access, Cors};
use super::state::AppState;
use super::{api, assets, auth, snapshot, ws};

/// Every route of the server, each behind `access` and `state.auth`.
pub fn router(state: AppState, access: Arc<Access>) -> Router {
    let routes = Router::new()
        .route("/ws", get(ws::upgrade))
        .merge(api::router())
        .merge(assets::router())
        .merge(snapshot::router())
        .merge(auth::router())
        .layer(from_fn_with_state(state.auth.clone(), auth::authenticate))
        .layer(RequestBodyTimeoutLayer::new(state.limits.body_timeout));
    let routes = match access.cors() {
        Cors::SameOrigin => routes,
        cors => {
            let cors = cors.clone();
            routes.layer(
                CorsLayer::new()
                    .allow_origin(AllowOrigin::predicate(move |origin, _| {
                        origin.to_str().is_ok_and(|o| cors.allows(o))
                    }))
                    .allow_methods([Method::GET, Method::POST])
                    .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
            )
        }
    };
    routes
        .layer(from_fn_with_state(access, guard))
        .with_state(state)
}
