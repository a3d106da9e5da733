//! Who may reach the server, checked in front of every route and the WebSocket upgrade, always
//! on (docs/SECURITY.md):
//! - **Host**: a server bound to a loopback address answers only requests that name this machine
//!   (`localhost`, a loopback IP such as `127.0.0.1` or `[::1]`, any port) or a name in
//!   [`ServerOptions::allowed_hosts`](super::ServerOptions::allowed_hosts). A page elsewhere that
//!   points its own name at 127.0.0.1 (DNS rebinding) is refused.
//! - **Origin**: a WebSocket upgrade and every request that can change something (any method but
//!   GET, HEAD and OPTIONS) must come from the dashboard's own origin, or carry no `Origin` (a
//!   client that is not a browser). A page on another site cannot read the stream or push
//!   through the user's browser. Origins listed in [`Cors`] (`cors=`) are let in too, may call
//!   the API from their pages (CORS) and frame the dashboard and its embeds.
//!
//! A refused request gets 403 with the reason as `{"error": ...}`; each source address is logged
//! once per kind of refusal, not at every request.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Most (source, refusal) pairs remembered for logging once; beyond it refusals go unlogged.
const MAX_LOGGED_SOURCES: usize = 1024;

/// The access rules of one server.
#[derive(Debug)]
pub struct Access {
    /// Bound to a loopback address: the Host header is checked.
    loopback: bool,
    /// Host names allowed besides the machine's own (lowercase, without a port).
    allowed_hosts: Vec<String>,
    /// Other sites' origins let in.
    cors: Cors,
    /// (source, refusal) pairs already logged.
    logged: Mutex<HashSet<(IpAddr, &'static str)>>,
}

/// Which other sites' pages may call the API, stream, and frame the dashboard and its embeds
/// (`cors=` in Python, `--cors` on `streamviz serve`). Never every origin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cors {
    /// The dashboard's own origin only (`cors=None`/`False`, the default).
    #[default]
    SameOrigin,
    /// Also pages served from this machine on any port, over http or https: `localhost`,
    /// `127.0.0.1`, `[::1]` (`cors=True`: a notebook or a local web app beside the dashboard).
    Loopback,
    /// Also these origins, each `scheme://host[:port]` (`cors=["https://wiki.example.com"]`).
    Origins(Vec<String>),
}

impl Cors {
    /// From Python's or the command line's value: `null`/`false`, `true`, or a list of origins.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        match value {
            Value::Null | Value::Bool(false) => Ok(Self::SameOrigin),
            Value::Bool(true) => Ok(Self::Loopback),
            Value::Array(items) => {
                let mut origins = Vec::with_capacity(items.len());
                for item in items {
                    let origin = item
                        .as_str()
                        .ok_or_else(|| format!("a cors origin is a string, not {item}"))?;
                    origins.push(check_origin(origin)?);
                }
                if origins.len() > 100 {
                    return Err("cors lists at most 100 origins".into());
                }
                Ok(Self::Origins(origins))
            }
            other => Err(format!(
                "cors is True (pages on this machine), False or a list of origins such as \
                 [\"https://wiki.example.com\"], not {other}"
            )),
        }
    }

    /// Whether a page from `origin` (another site's) may call, stream and frame.
    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::SameOrigin => false,
            Self::Loopback => origin.split_once("://").is_some_and(|(scheme, authority)| {
                matches!(scheme, "http" | "https") && is_loopback_name(host_name(authority))
            }),
            Self::Origins(origins) => origins.iter().any(|o| o.eq_ignore_ascii_case(origin)),
        }
    }

    /// The `frame-ancestors` sources of a content security policy for pages, when other sites
    /// are let in.
    pub fn frame_ancestors(&self) -> Option<String> {
        match self {
            Self::SameOrigin => None,
            Self::Loopback => Some(
                "frame-ancestors 'self' http://localhost:* https://localhost:* \
                 http://127.0.0.1:* https://127.0.0.1:* http://[::1]:* https://[::1]:*"
                    .into(),
            ),
            Self::Origins(origins) => Some(format!("frame-ancestors 'self' {}", origins.join(" "))),
        }
    }
}

/// `origin` if it is `http(s)://host[:port]` with nothing after, else why not.
fn check_origin(origin: &str) -> Result<String, String> {
    let fail = || {
        format!(
            "cors origin {origin:?} is not scheme://host[:port] (e.g. https://wiki.example.com; \
             \"*\" is never allowed)"
        )
    };
    let (scheme, authority) = origin.split_once("://").ok_or_else(fail)?;
    let valid = matches!(scheme, "http" | "https")
        && !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c));
    if valid {
        Ok(origin.to_ascii_lowercase())
    } else {
        Err(fail())
    }
}

/// `localhost` or a loopback IP (brackets allowed).
fn is_loopback_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Access {
    /// The rules of a server bound to `bound` that also answers to `allowed_hosts` and lets in
    /// `cors`.
    pub fn new(bound: IpAddr, allowed_hosts: &[String], cors: Cors) -> Self {
        Self {
            loopback: bound.is_loopback(),
            allowed_hosts: allowed_hosts
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            cors,
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
                if !same_origin(origin, host) && !self.cors.allows(origin) {
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
        is_loopback_name(&name) || self.allowed_hosts.contains(&name)
    }

    /// The other sites let in.
    pub fn cors(&self) -> &Cors {
        &self.cors
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
        None => {
            let page = super::auth::is_page(request.uri().path());
            let mut response = next.run(request).await;
            if let Some(policy) = access.cors.frame_ancestors().filter(|_| page) {
                if let Ok(value) = policy.parse() {
                    response
                        .headers_mut()
                        .insert(header::CONTENT_SECURITY_POLICY, value);
                }
            }
            // Tokens in a page's URL (embeds) go to no other site with a followed link.
            response.headers_mut().insert(
                header::REFERRER_POLICY,
                axum::http::HeaderValue::from_static("same-origin"),
            );
            response
        }
        Some((kind, reason)) => {
            access.log_once(source.ip(), kind, &reason);
            ApiError::forbidden(reason).into_response()
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
        let access = Access::new(
            "127.0.0.1".parse().unwrap(),
            &["Dash.Internal".into()],
            Cors::SameOrigin,
        );
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
        let anywhere = Access::new("0.0.0.0".parse().unwrap(), &[], Cors::SameOrigin);
        assert!(anywhere
            .refusal(&Method::GET, &headers(&[("host", "10.0.0.5:3000")]))
            .is_none());
    }

    #[test]
    fn changes_and_streams_come_from_the_same_origin_or_from_no_browser() {
        let access = Access::new("127.0.0.1".parse().unwrap(), &[], Cors::SameOrigin);
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

    #[test]
    fn cors_lets_in_the_origins_it_names_and_never_all() {
        use serde_json::json;
        let listed = Cors::from_json(&json!(["https://wiki.example.com"])).unwrap();
        assert!(listed.allows("https://wiki.example.com"));
        assert!(!listed.allows("https://evil.example"));
        let local = Cors::from_json(&json!(true)).unwrap();
        assert!(local.allows("http://localhost:8888") && local.allows("http://127.0.0.1:5173"));
        assert!(!local.allows("http://localhost.evil.example") && !local.allows("null"));
        assert!(!Cors::from_json(&json!(null))
            .unwrap()
            .allows("http://localhost:8888"));
        for bad in [
            json!(["*"]),
            json!(["https://a.example/path"]),
            json!("yes"),
            json!([1]),
        ] {
            assert!(Cors::from_json(&bad).is_err(), "{bad}");
        }
        let access = Access::new("127.0.0.1".parse().unwrap(), &[], listed);
        let pairs = [
            ("host", "127.0.0.1:3000"),
            ("origin", "https://wiki.example.com"),
        ];
        assert!(access.refusal(&Method::POST, &headers(&pairs)).is_none());
    }
}
