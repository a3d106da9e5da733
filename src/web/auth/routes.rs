//! Signing in and out, and what a principal may ask about itself:
//! - `GET /login`: the sign-in page (user name and password, or a token or key);
//! - `POST /login`: a form that, when right, starts a session and redirects to `next`;
//! - `POST /logout`: ends the session;
//! - `GET /api/v1/auth/whoami`: the principal's name and role (or embedded widget);
//! - `POST /api/v1/admin/rotate-embed-secret` (admin): revoke every embed token.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Extension, Form, FromRef, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::authority::Auth;
use super::limiter::wait_reason;
use super::policy::Principal;
use super::sessions::cookie;
use crate::web::html::html_escape;

const LOGIN_HTML: &str = include_str!("../../../assets/login.html");

/// The routes of this file, for a router whose state holds the server's [`Auth`].
pub fn router<S>() -> Router<S>
where
    Arc<Auth>: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/api/v1/auth/whoami", get(whoami))
        .route("/api/v1/admin/rotate-embed-secret", post(rotate))
}

/// Only a path on this server (not `//elsewhere` or a full URL) is a place to go after signing in.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(next) if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') => {
            next
        }
        _ => "/",
    }
}

/// The sign-in page, going to `next` afterwards, saying `error` if there is one.
pub fn login_page(auth: &Auth, next: &str, error: Option<&str>) -> Response {
    let page = LOGIN_HTML
        .replace("{{next}}", &html_escape(safe_next(Some(next))))
        .replace(
            "{{error}}",
            &error.map_or_else(String::new, |e| {
                format!(
                    "<p class=\"sv-login-error\" role=\"alert\">{}</p>",
                    html_escape(e)
                )
            }),
        )
        .replace(
            "{{user_hidden}}",
            if auth.has_users() { "" } else { "hidden" },
        )
        .replace(
            "{{secret_label}}",
            if auth.has_users() {
                "Password (or a token or key, with no user name)"
            } else {
                "Token"
            },
        );
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
            ),
        ],
        Html(page),
    )
        .into_response()
}

#[derive(Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(State(auth): State<Arc<Auth>>, Query(query): Query<NextQuery>) -> Response {
    if !auth.enabled() {
        return redirect(safe_next(query.next.as_deref()), None);
    }
    login_page(&auth, safe_next(query.next.as_deref()), None)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// 303 to `to`, setting `cookie` if given.
pub(super) fn redirect(to: &str, cookie: Option<String>) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    if let Ok(location) = HeaderValue::from_str(to) {
        headers.insert(header::LOCATION, location);
    }
    if let Some(cookie) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn login(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref()).to_owned();
    if !auth.enabled() {
        return redirect(&next, None);
    }
    if let Some(seconds) = auth.blocked(source.ip()) {
        let mut page = login_page(&auth, &next, Some(&wait_reason(seconds)));
        *page.status_mut() = StatusCode::TOO_MANY_REQUESTS;
        return page;
    }
    // argon2 takes tens of milliseconds: off the async workers.
    let checking = auth.clone();
    let principal = tokio::task::spawn_blocking(move || {
        if form.username.is_empty() {
            checking.by_secret(&form.password)
        } else {
            checking.by_password(&form.username, &form.password)
        }
    })
    .await
    .ok()
    .flatten();
    match principal.and_then(|p| auth.start_session(&p)) {
        Some(cookie) => redirect(&next, Some(cookie)),
        None => {
            auth.failed(source.ip());
            let mut page = login_page(&auth, &next, Some("Wrong user name, password or token."));
            *page.status_mut() = StatusCode::UNAUTHORIZED;
            page
        }
    }
}

async fn logout(State(auth): State<Arc<Auth>>, headers: HeaderMap) -> Response {
    let id = cookie(&headers, auth.cookie_name());
    let cleared = auth.end_session(id);
    redirect("/login", Some(cleared))
}

async fn whoami(
    State(auth): State<Arc<Auth>>,
    Extension(principal): Extension<Principal>,
) -> Json<serde_json::Value> {
    Json(match principal {
        Principal::Open => json!({"auth": false, "role": "admin"}),
        Principal::Member { name, role } => {
            json!({"auth": auth.enabled(), "name": name, "role": role.name()})
        }
        Principal::Embed { widget } => json!({"auth": true, "embed": widget}),
    })
}

async fn rotate(State(auth): State<Arc<Auth>>) -> Json<serde_json::Value> {
    auth.rotate_embed_secret();
    tracing::info!("the embed secret was rotated: every embed token given out so far is revoked");
    Json(json!({"rotated": true}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_here_are_places_to_go_after_signing_in() {
        assert_eq!(safe_next(Some("/page/ops?x=1")), "/page/ops?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
