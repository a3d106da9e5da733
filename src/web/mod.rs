//! The web server (axum): the dashboard page and embeds, `/ws` for browsers and remote viewers,
//! and the HTTP API, behind access checks and authentication (`auth`). One [`AppState`]; every route is assembled in `routes::router`, each file
//! owning its routes; `server` binds and serves, `listen` accepts connections within bounds.

mod access;
mod api;
mod assets;
pub mod auth;
mod error;
mod frames;
mod html;
mod hub;
mod listen;
mod routes;
mod server;
pub mod snapshot;
mod start;
mod state;
mod tls;
mod ws;

pub use access::{Access, Cors};
pub use hub::{Hub, HubFrame, Start, Subscription, MAX_FRAME_BYTES};
pub use listen::{ConnectionLimits, Refusals};
pub use routes::router;
pub use server::{
    app, bind, serve, App, AuthChoice, Listener, ServerHandle, ServerOptions,
    DEFAULT_CLIENT_BACKLOG, DEFAULT_FLUSH_INTERVAL,
};
pub use state::AppState;
pub use tls::TlsFiles;
