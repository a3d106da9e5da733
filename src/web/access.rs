//! Who may reach the server, checked in front of every route and the WebSocket upgrade, always
//! on (docs/SECURITY.md):
//! - **Host**: a server bound to a loopback address answers only requests that name this machine
//!   (`localhost`, a loopback IP such as `127.0.0.1` or `[::1]`, any port) or a name in
//!   [`ServerOptions::allowed_hosts`](super::ServerOptions::allowed_hosts). A page elsewhere that
//!   points its own name at 127.0.0.1 (DNS rebinding) is refused.
//! - **Origin**: a WebSocket upgrade and every request that can change something (any method but
//!   GET, HEAD and OPTIONS) must come from the dashboard's own origin, or carry no `Origin` (a
//!   client that is not a browser). A page on another site cannot read the stream or push
//!   through the user's browser.
//!
//! A refused request gets 403 with the reason as `{"error": ...}`; each source address is logged
//! once per kind of refusal, not at every request.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// Most (source, refusal) pairs remembered for logging once; beyond it refusals go unlogged.
const MAX_LOGGED_SOURCES: usize = 1024;

/// The access rules of one server.
#[derive(Debug)]
pub struct Access {
    /// Bound to a loopback address: the Host header is checked.
    loopback: bool,
    /// Host names allowed besides the machine's own (lowercase, without a port).
    allowed_hosts: Vec<String>,
    /// (source, refusal) pairs already logged.
    logged: Mutex<HashSet<(IpAddr, &'static str)>>,
}

impl Access {
    /// The rules of a server bound to `bound` that also answers to `allowed_hosts`.
    pub fn new(bound: IpAddr, allowed_hosts: &[String]) -> Self {
        Self {
            loopback: bound.is_loopback(),
            allowed_hosts: allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            logged: Mutex::new(HashSet::new()),
        }
    }

    /// Why a request with these headers and method is refused, if it is: the kind of refusal
    /// (for logging once) and the reason for the client.
    pub fn refusal(&self, method: &Method, headers: &HeaderMap) -> Option<(&'static str, String)> {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if self.loopback && !self.host_allowed(host) {
            return Some((
                "host",
                format!(
                    "Host {host:?} is not this machine: a server on a loopback address answers \
                     localhost, 127.0.0.1 and [::1] (add names with allowed_hosts)"
                ),
            ));
        }
        let upgrade = headers
            .get(header::UPGRADE)
            .and_then(|u| u.to_str().ok())
            .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
        let changes = !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if upgrade || changes {
            if let Some(origin) = headers.get(header::ORIGIN) {
                let origin = origin.to_str().unwrap_or("");
                if !same_origin(origin, host) {
                    return Some((
                        "origin",
                        format!(
                            "Origin {origin:?} is not this dashboard's ({host}): pages on other \
                             sites may not {} it",
                            if upgrade { "stream from" } else { "change" }
                        ),
                    ));
                }
            }
        }
        None
    }

    fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        name == "localhost"
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
            || self.allowed_hosts.contains(&name)
    }

    /// Log a refusal once per source and kind.
    fn log_once(&self, source: IpAddr, kind: &'static str, reason: &str) {
        let mut logged = self.logged.lock().unwrap_or_else(PoisonError::into_inner);
        if logged.len() < MAX_LOGGED_SOURCES && logged.insert((source, kind)) {
            tracing::warn!("refused a request from {source}: {reason} (said once per source)");
        }
    }
}

/// The name of `host` (`name:port`, `[v6]:port`, `name`) without its port.
fn host_name(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_inclusive(']').next().unwrap_or(host);
    }
    host.rsplit_once(':').map_or(host, |(name, _)| name)
}

/// Whether `origin` (`scheme://host[:port]`) is the origin of a page this server served under
/// `host` (the request's Host header).
fn same_origin(origin: &str, host: &str) -> bool {
    let Some((scheme, authority)) = origin.split_once("://") else {
        return false; // "null" (sandboxed frames, files) and anything else
    };
    matches!(scheme, "http" | "https") && !host.is_empty() && authority.eq_ignore_ascii_case(host)
}

/// The middleware: refuse what [`Access::refusal`] refuses, pass the rest on.
pub async fn guard(
    State(access): State<Arc<Access>>,
    ConnectInfo(source): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match access.refusal(request.method(), request.headers()) {
        None => next.run(request).await,
        Some((kind, reason)) => {
            access.log_once(source.ip(), kind, &reason);
            (
                StatusCode::FORBIDDEN,
                Json(serde_json::json!({"error": reason})),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn a_loopback_server_answers_its_own_names_and_allowed_ones_only() {
        let access = Access::new("127.0.0.1".parse().unwrap(), &["Dash.Internal".into()]);
        for host in [
            "localhost:3000",
            "127.0.0.1:3000",
            "[::1]:3000",
            "127.0.0.2",
            "LOCALHOST",
            "dash.internal:80",
        ] {
            assert!(
                access
                    .refusal(&Method::GET, &headers(&[("host", host)]))
                    .is_none(),
                "{host}"
            );
        }
        for host in [
            "evil.example:3000",
            "localhost.evil.example",
            "",
            "10.0.0.5:3000",
        ] {
            let (kind, reason) = access
                .refusal(&Method::GET, &headers(&[("host", host)]))
                .unwrap();
            assert_eq!(kind, "host", "{host}");
            assert!(reason.contains("not this machine"), "{reason}");
        }
        let anywhere = Access::new("0.0.0.0".parse().unwrap(), &[]);
        assert!(anywhere
            .refusal(&Method::GET, &headers(&[("host", "10.0.0.5:3000")]))
            .is_none());
    }

    #[test]
    fn changes_and_streams_come_from_the_same_origin_or_from_no_browser() {
        let access = Access::new("127.0.0.1".parse().unwrap(), &[]);
        let host = ("host", "127.0.0.1:3000");
        let ws = ("upgrade", "websocket");
        for (method, pairs, refused) in [
            (
                Method::POST,
                vec![host, ("origin", "http://127.0.0.1:3000")],
                false,
            ),
            (Method::POST, vec![host], false),
            (
                Method::POST,
                vec![host, ("origin", "http://evil.example")],
                true,
            ),
            (
                Method::POST,
                vec![host, ("origin", "http://127.0.0.1:4000")],
                true,
            ),
            (Method::POST, vec![host, ("origin", "null")], true),
            (
                Method::GET,
                vec![host, ("origin", "http://evil.example")],
                false,
            ),
            (
                Method::GET,
                vec![host, ws, ("origin", "http://evil.example")],
                true,
            ),
            (
                Method::GET,
                vec![host, ws, ("origin", "http://127.0.0.1:3000")],
                false,
            ),
            (Method::GET, vec![host, ws], false),
        ] {
            let refusal = access.refusal(&method, &headers(&pairs));
            assert_eq!(refusal.is_some(), refused, "{method} {pairs:?}");
            if let Some((kind, _)) = refusal {
                assert_eq!(kind, "origin");
            }
        }
    }
}
