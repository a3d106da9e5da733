//! The middleware in front of every route: find who the request comes from, refuse it if the
//! route needs more (401 without usable credentials: the sign-in page for a page, JSON for the
//! rest; 403 when the role or embed token does not reach; 429 after too many failures from the
//! address), and hand the [`Principal`] to the route. A page opened with `?token=` gets a session
//! cookie and a redirect to the same URL without the token, unless it is in a frame.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::authority::{Auth, Refusal};
use super::limiter::wait_reason;
use super::policy::{is_page, need, Need, Principal};
use super::routes::{login_page, redirect};
use super::sessions::cookie;
use crate::web::error::ApiError;

/// How a principal was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Header,
    QueryToken,
    Session,
    Embed,
}

/// Who the request is from, and how that was found. A password is checked (argon2, tens of
/// milliseconds) on a blocking thread, never on the async workers.
async fn identify(
    auth: &Arc<Auth>,
    headers: &HeaderMap,
    uri: &Uri,
) -> Result<(Principal, Via), Refusal> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().unwrap_or("");
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        return if scheme.eq_ignore_ascii_case("bearer") {
            auth.by_secret(credentials)
                .map(|p| (p, Via::Header))
                .ok_or_else(|| Refusal::Wrong("the bearer token or API key is not valid".into()))
        } else if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD
                .decode(credentials)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .unwrap_or_default();
            let (user, password) = decoded.split_once(':').unwrap_or(("", ""));
            let (checking, user, password) =
                (Arc::clone(auth), user.to_owned(), password.to_owned());
            tokio::task::spawn_blocking(move || checking.by_password(&user, &password))
                .await
                .ok()
                .flatten()
                .map(|p| (p, Via::Header))
                .ok_or_else(|| Refusal::Wrong("wrong user name or password".into()))
        } else {
            Err(Refusal::Wrong(
                "Authorization is `Bearer TOKEN_OR_KEY` or `Basic`".into(),
            ))
        };
    }
    let query: HashMap<String, String> = Query::try_from_uri(uri)
        .map(|Query(q)| q)
        .unwrap_or_default();
    if let Some(token) = query.get("token") {
        return auth
            .by_secret(token)
            .map(|p| (p, Via::QueryToken))
            .ok_or_else(|| Refusal::Wrong("the token in the URL is not valid".into()));
    }
    let session = cookie(headers, auth.cookie_name());
    if let Some(principal) = session.and_then(|id| auth.by_session(id)) {
        return Ok((principal, Via::Session));
    }
    if let Some(token) = query.get("embed") {
        return auth
            .by_embed(token)
            .map(|p| (p, Via::Embed))
            .map_err(|err| Refusal::Wrong(err.to_string()));
    }
    Err(if session.is_some() {
        Refusal::Expired
    } else {
        Refusal::Missing
    })
}

/// `uri`'s path and query without its `token` parameter.
fn without_token(uri: &Uri) -> String {
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some("token"))
        .collect();
    if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), kept.join("&"))
    }
}

/// 401: the sign-in page for a page (saying `reason` when something presented was wrong), JSON
/// for the rest.
fn unauthenticated(auth: &Auth, uri: &Uri, reason: &str, wrong: bool) -> Response {
    if is_page(uri.path()) {
        let mut page = login_page(auth, &without_token(uri), wrong.then_some(reason));
        *page.status_mut() = StatusCode::UNAUTHORIZED;
        return page;
    }
    ApiError::unauthorized(reason).into_response()
}

fn forbidden(principal: &Principal, method: &Method, need: &Need<'_>) -> Response {
    let reason = match (principal, need) {
        (Principal::Embed { widget }, _) => {
            format!("this embed token opens the widget {widget:?} only, read-only")
        }
        (_, Need::Role(role)) => format!(
            "{method} here needs the {} role; {} has {}",
            role.name(),
            match principal {
                Principal::Member { name, .. } => name.as_str(),
                _ => "this principal",
            },
            principal.role().map_or("none", |r| r.name())
        ),
        _ => "not allowed".into(),
    };
    ApiError::forbidden(reason).into_response()
}

/// The middleware.
pub async fn authenticate(
    State(auth): State<Arc<Auth>>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    mut request: Request,
    next: Next,
) -> Response {
    let need = need(request.method(), request.uri().path());
    if !auth.enabled() {
        request.extensions_mut().insert(Principal::Open);
        return next.run(request).await;
    }
    if need == Need::Public {
        return next.run(request).await;
    }
    if let Some(seconds) = auth.blocked(source.ip()) {
        return ApiError::too_many_requests(wait_reason(seconds), seconds).into_response();
    }
    let (principal, via) = match identify(&auth, request.headers(), request.uri()).await {
        Ok(found) => found,
        Err(Refusal::Wrong(reason)) => {
            auth.failed(source.ip());
            return unauthenticated(&auth, request.uri(), &reason, true);
        }
        Err(Refusal::Expired) => {
            return unauthenticated(
                &auth,
                request.uri(),
                "the session ended; sign in again",
                true,
            )
        }
        Err(Refusal::Missing) => {
            return unauthenticated(
                &auth,
                request.uri(),
                "sign in: this dashboard needs a token, a key or a password",
                false,
            )
        }
    };
    if !principal.allows(&need) {
        return forbidden(&principal, request.method(), &need);
    }
    // A page in a frame (a notebook's output) keeps the token in its URL, which no address bar
    // shows, and sends it with its requests: a frame on another site is sent no cookie.
    let framed = request
        .headers()
        .get("sec-fetch-dest")
        .is_some_and(|dest| dest == "iframe" || dest == "frame");
    if via == Via::QueryToken
        && !framed
        && is_page(request.uri().path())
        && request.method() == Method::GET
    {
        if let Some(cookie) = auth.start_session(&principal) {
            return redirect(&without_token(request.uri()), Some(cookie));
        }
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_leaves_the_url_and_everything_else_stays() {
        let uri: Uri = "/page/ops?token=abc&theme=light".parse().unwrap();
        assert_eq!(without_token(&uri), "/page/ops?theme=light");
        let uri: Uri = "/?token=abc".parse().unwrap();
        assert_eq!(without_token(&uri), "/");
    }
}
