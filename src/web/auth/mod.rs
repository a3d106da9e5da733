//! Authentication and roles (docs/SECURITY.md): who a request comes from ([`Principal`]), from
//! a session cookie, a bearer token or key, a user's password or an embed token, and what each
//! route needs of them (`policy`). Off by default on a loopback address; a server bound
//! elsewhere has a token unless its owner explicitly allows anonymous access.
//!
//! - `authority`: one server's [`Auth`]: credentials, sessions, embed secret, failures;
//! - `config`: what the owner declares (token, users, API keys, roles);
//! - `secrets`: random tokens, digests compared in constant time, argon2;
//! - `sessions`: browser sessions behind an `HttpOnly`, `SameSite=Strict` cookie;
//! - `embed`: signed, revocable tokens that open one widget read-only;
//! - `limiter`: failed attempts counted per client address;
//! - `policy`: the route table;
//! - `guard`: the middleware in front of every route;
//! - `routes`: signing in and out, `whoami`, rotating the embed secret.

mod authority;
mod config;
mod embed;
mod guard;
mod limiter;
mod policy;
mod routes;
mod secrets;
mod sessions;

pub use authority::{Auth, Refusal};
pub use config::{password_env, ApiKey, AuthConfig, Role, User, TOKEN_ENV};
pub use embed::EmbedError;
pub use guard::authenticate;
pub use policy::{is_page, Need, Principal};
pub use routes::router;
pub use secrets::hash_password;
