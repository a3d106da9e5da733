//! The mirror: a WebSocket client that keeps a local engine equal to a remote producer's, for
//! `streamviz-viewer URL`. It applies `config`, `history` and `data` messages through the same
//! validation as pushes, and reconnects by itself (with backoff) when the producer goes away;
//! every reconnection starts from a fresh snapshot, so nothing is applied twice.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use rustls_pki_types::CertificateDer;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use super::pipeline::Pipeline;
use crate::certs::read_certificates;
use crate::history::{History, HistoryError};
use crate::protocol::{apply_message, PROTOCOL_VERSION};

/// Where the mirror stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MirrorStatus {
    /// Opening the first connection.
    Connecting,
    /// Connected and up to date.
    Live,
    /// The connection was lost (or refused); retrying. The reason is for people.
    Reconnecting(String),
    /// The producer speaks another protocol version; not retrying.
    Incompatible(String),
    /// The producer refused the credentials (none, wrong, or not enough); not retrying.
    Refused(String),
    /// [`Mirror::stop`] was called.
    Stopped,
}

/// A URL that cannot be mirrored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url:?} is not a producer URL: {reason} (e.g. http://127.0.0.1:3000)")]
pub struct MirrorUrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: String,
}

/// A producer given as `http(s)://host:port[/...]` or `ws(s)://...`: whether it is secure, and
/// its `host:port`.
fn producer(url: &str) -> Result<(bool, &str), MirrorUrlError> {
    let fail = |reason: &str| MirrorUrlError {
        url: url.to_owned(),
        reason: reason.to_owned(),
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| fail("no scheme"))?;
    let secure = match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => false,
        "https" | "wss" => true,
        _ => return Err(fail("the scheme is not http, https, ws or wss")),
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(fail("no host"));
    }
    Ok((secure, host))
}

/// The token a producer URL carries (`http://host:3000/?token=...`, as `server.url` gives it).
pub fn url_token(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next().unwrap_or("");
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "token")
        .map(|(_, value)| value.to_owned())
        .filter(|token| !token.is_empty())
}

/// How a mirror reaches its producer.
#[derive(Debug, Clone, Default)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer TOKEN` on the WebSocket and the history reads: the
    /// producer's token or an API key. Default: the URL's `?token=`, if it has one.
    pub token: Option<String>,
    /// For an `https://` producer: trust the certificates in this PEM file (a self-signed
    /// certificate, or a private CA) instead of the public roots. Default: the public roots
    /// (Mozilla's, built in).
    pub ca_file: Option<std::path::PathBuf>,
}

/// A rustls client trusting `certs` only.
fn client_tls(certs: &[CertificateDer<'static>]) -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs {
        roots
            .add(cert.clone())
            .map_err(|err| format!("a CA certificate cannot be used: {err}"))?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| err.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The HTTP base (`http(s)://host:port`) of a producer given as `http(s)://host:port[/...]` or
/// `ws(s)://...`.
pub fn http_url(url: &str) -> Result<String, MirrorUrlError> {
    let (secure, host) = producer(url)?;
    Ok(format!(
        "{}://{host}",
        if secure { "https" } else { "http" }
    ))
}

/// The WebSocket URL of a producer given as `http(s)://host:port[/...]` or `ws(s)://...`.
pub fn websocket_url(url: &str) -> Result<String, MirrorUrlError> {
    let (secure, host) = producer(url)?;
    Ok(format!("{}://{host}/ws", if secure { "wss" } else { "ws" }))
}

/// How wide a chart the stored points read from a producer are decimated for: finer than any
/// plot draws them (the viewer decimates again to its plot's width).
const REMOTE_HISTORY_WIDTH: u32 = 4000;
/// The longest a read of stored points from a producer may take.
const REMOTE_HISTORY_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest range response read (4 points per column at most, ~40 bytes a point).
const REMOTE_HISTORY_MAX_BYTES: u64 = 16 << 20;

/// The points a producer holds beyond its rings (stored in its database), read from its range
/// endpoint (`GET /api/v1/widgets/{id}/range`, docs/PROTOCOL.md). Blocking: call it off the
/// frame thread. Points come M4-decimated to 4000 columns; a producer without persistence
/// answers with what its rings hold.
pub struct RemoteHistory {
    agent: ureq::Agent,
    /// `http://host:port`.
    base: String,
    /// `Bearer TOKEN`, when the producer needs one.
    authorization: Option<String>,
}

impl RemoteHistory {
    /// Read the stored history of the producer at `base` (`http(s)://host:port`), sending
    /// `token` as a bearer token when given, trusting `roots` (when given) for `https://`.
    pub fn new(base: &str, token: Option<&str>, roots: Option<&[CertificateDer<'static>]>) -> Self {
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(REMOTE_HISTORY_TIMEOUT))
            .http_status_as_error(false);
        if let Some(roots) = roots {
            let certs: Vec<ureq::tls::Certificate<'static>> = roots
                .iter()
                .map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certs)))
                    .build(),
            );
        }
        let agent: ureq::Agent = config.build().into();
        Self {
            agent,
            base: base.trim_end_matches('/').to_owned(),
            authorization: token.map(|t| format!("Bearer {t}")),
        }
    }
}

impl History for RemoteHistory {
    fn points(
        &self,
        widget: &str,
        series: &str,
        from: f64,
        to: f64,
    ) -> Result<Vec<(f64, f64)>, HistoryError> {
        let base = &self.base;
        crate::engine::validate_id(widget).map_err(|err| HistoryError(err.to_string()))?;
        let mut request = self
            .agent
            .get(format!("{base}/api/v1/widgets/{widget}/range"))
            .query("from", from.to_string())
            .query("to", to.to_string())
            .query("width", REMOTE_HISTORY_WIDTH.to_string());
        if !series.is_empty() {
            request = request.query("series", series);
        }
        if let Some(authorization) = &self.authorization {
            request = request.header("authorization", authorization);
        }
        let mut response = request
            .call()
            .map_err(|err| HistoryError(format!("asking {base} for stored points: {err}")))?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(REMOTE_HISTORY_MAX_BYTES)
            .read_to_string()
            .map_err(|err| HistoryError(format!("reading {base}'s stored points: {err}")))?;
        let body: Value = serde_json::from_str(&body).map_err(|err| {
            HistoryError(format!(
                "{base} answered with something that is not JSON: {err}"
            ))
        })?;
        if !status.is_success() {
            let reason = body.get("error").and_then(Value::as_str).unwrap_or("");
            return Err(HistoryError(format!("{base} answered {status}: {reason}")));
        }
        let points = body
            .get("points")
            .and_then(Value::as_array)
            .ok_or_else(|| HistoryError(format!("{base}'s answer has no points")))?;
        // The endpoint includes `to`; this source does not.
        Ok(points
            .iter()
            .filter_map(|point| {
                let ts = point.get(0)?.as_f64()?;
                // A gap is null.
                let value = point.get(1)?.as_f64().unwrap_or(f64::NAN);
                (ts >= from && ts < to).then_some((ts, value))
            })
            .collect())
    }
}

struct Shared {
    status: Mutex<MirrorStatus>,
    /// Messages applied and status changes, counted; `changed` is notified on each.
    events: Mutex<u64>,
    changed: Condvar,
}

impl Shared {
    fn set_status(&self, status: MirrorStatus) {
        *lock(&self.status) = status;
        self.bump();
    }

    fn bump(&self) {
        *lock(&self.events) += 1;
        self.changed.notify_all();
    }
}

/// Waits on a [`Mirror`]'s events; see [`Mirror::watcher`].
#[derive(Clone)]
pub struct MirrorWatcher {
    shared: Arc<Shared>,
}

impl MirrorWatcher {
    /// See [`Mirror::events`].
    pub fn events(&self) -> u64 {
        *lock(&self.shared.events)
    }

    /// See [`Mirror::wait_for_event`].
    pub fn wait_for_event(&self, seen: u64, timeout: Duration) -> u64 {
        let events = lock(&self.shared.events);
        let (events, _) = self
            .shared
            .changed
            .wait_timeout_while(events, timeout, |n| *n <= seen)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *events
    }
}

/// A running mirror. Its [`Pipeline`] holds the remote dashboard; dropping the mirror stops it.
pub struct Mirror {
    pipeline: Pipeline,
    history: Option<Arc<dyn History>>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Mirror {
    /// Start mirroring `url` on a thread named `streamviz-mirror`, with the token the URL
    /// carries, if any.
    pub fn start(url: &str) -> Result<Self, MirrorUrlError> {
        Self::start_with(url, ClientOptions::default())
    }

    /// [`Mirror::start`] with `options`.
    pub fn start_with(url: &str, options: ClientOptions) -> Result<Self, MirrorUrlError> {
        let ws_url = websocket_url(url)?;
        let token = options.token.or_else(|| url_token(url));
        let fail = |reason: String| MirrorUrlError {
            url: url.to_owned(),
            reason,
        };
        let roots = options
            .ca_file
            .as_deref()
            .map(|path| read_certificates(path, "CA file"))
            .transpose()
            .map_err(fail)?;
        let connector = roots
            .as_deref()
            .map(client_tls)
            .transpose()
            .map_err(fail)?
            .map(tokio_tungstenite::Connector::Rustls);
        let pipeline = Pipeline::default();
        // The producer aggregates windowed metrics; the mirror holds their results as they are.
        pipeline.engine().set_replica(true);
        // What the producer stored beyond its rings is read on demand.
        let history = producer(url).ok().map(|(secure, host)| {
            let scheme = if secure { "https" } else { "http" };
            Arc::new(RemoteHistory::new(
                &format!("{scheme}://{host}"),
                token.as_deref(),
                roots.as_deref(),
            )) as Arc<dyn History>
        });
        let shared = Arc::new(Shared {
            status: Mutex::new(MirrorStatus::Connecting),
            events: Mutex::new(0),
            changed: Condvar::new(),
        });
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let thread = {
            let pipeline = pipeline.clone();
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("streamviz-mirror".into())
                .spawn(move || {
                    let access = Access {
                        token: token.as_deref(),
                        connector,
                    };
                    run(&ws_url, &access, &pipeline, &shared, stopped)
                })
                .map_err(|err| MirrorUrlError {
                    url: url.to_owned(),
                    reason: format!("cannot start the mirror thread: {err}"),
                })?
        };
        Ok(Self {
            pipeline,
            history,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The local copy of the remote dashboard.
    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// What the producer stored beyond its rings, for an `http://` producer (the client has no
    /// TLS, so an `https://` one has none here).
    pub fn history(&self) -> Option<Arc<dyn History>> {
        self.history.clone()
    }

    /// Where the mirror stands now.
    pub fn status(&self) -> MirrorStatus {
        lock(&self.shared.status).clone()
    }

    /// A counter of messages applied and status changes since start.
    pub fn events(&self) -> u64 {
        self.watcher().events()
    }

    /// Wait until [`Mirror::events`] passes `seen`, or `timeout`; returns the counter.
    pub fn wait_for_event(&self, seen: u64, timeout: Duration) -> u64 {
        self.watcher().wait_for_event(seen, timeout)
    }

    /// A handle for waiting on this mirror's events from another thread (a viewer's repaint
    /// thread) without owning the mirror.
    pub fn watcher(&self) -> MirrorWatcher {
        MirrorWatcher {
            shared: Arc::clone(&self.shared),
        }
    }

    /// Close the connection and end the thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.shared.set_status(MirrorStatus::Stopped);
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a session presents: the token, and the TLS trust to check the producer with.
struct Access<'a> {
    token: Option<&'a str>,
    connector: Option<tokio_tungstenite::Connector>,
}

fn run(
    url: &str,
    access: &Access<'_>,
    pipeline: &Pipeline,
    shared: &Shared,
    mut stopped: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            shared.set_status(MirrorStatus::Reconnecting(format!("no runtime: {err}")));
            return;
        }
    };
    runtime.block_on(async {
        let mut backoff = Duration::from_millis(250);
        loop {
            let session = session(url, access, pipeline, shared);
            tokio::select! {
                _ = &mut stopped => return,
                ended = session => {
                    let live = matches!(*lock(&shared.status), MirrorStatus::Live);
                    match ended {
                        SessionEnd::Incompatible(reason) => {
                            shared.set_status(MirrorStatus::Incompatible(reason));
                            return;
                        }
                        SessionEnd::Refused(reason) => {
                            shared.set_status(MirrorStatus::Refused(reason));
                            return;
                        }
                        SessionEnd::Lost(reason) => {
                            shared.set_status(MirrorStatus::Reconnecting(reason));
                        }
                    }
                    if live {
                        backoff = Duration::from_millis(250);
                    }
                }
            }
            tokio::select! {
                _ = &mut stopped => return,
                _ = tokio::time::sleep(backoff) => {}
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    });
}

enum SessionEnd {
    Lost(String),
    Incompatible(String),
    Refused(String),
}

async fn session(
    url: &str,
    access: &Access<'_>,
    pipeline: &Pipeline,
    shared: &Shared,
) -> SessionEnd {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Error;
    let mut request = match url.into_client_request() {
        Ok(request) => request,
        Err(err) => return SessionEnd::Incompatible(format!("{url}: {err}")),
    };
    if let Some(token) = access.token {
        match format!("Bearer {token}").parse() {
            Ok(value) => {
                request.headers_mut().insert("authorization", value);
            }
            Err(_) => {
                return SessionEnd::Refused("the token holds characters a header cannot".into())
            }
        }
    }
    let connected = tokio_tungstenite::connect_async_tls_with_config(
        request,
        None,
        false,
        access.connector.clone(),
    )
    .await;
    let (mut socket, _) = match connected {
        Ok(connected) => connected,
        Err(Error::Http(response)) if matches!(response.status().as_u16(), 401 | 403 | 429) => {
            let reason = response
                .body()
                .as_deref()
                .and_then(|body| serde_json::from_slice::<Value>(body).ok())
                .and_then(|body| body.get("error").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            return SessionEnd::Refused(format!(
                "{url} refused the connection ({}): {}",
                response.status(),
                if reason.is_empty() {
                    "give a token with --token or $STREAMVIZ_TOKEN".to_owned()
                } else {
                    reason
                }
            ));
        }
        Err(err) => return SessionEnd::Lost(format!("cannot connect to {url}: {err}")),
    };
    while let Some(message) = socket.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Close(_)) => break,
            Ok(_) => continue,
            Err(err) => return SessionEnd::Lost(format!("connection lost: {err}")),
        };
        let Ok(value) = serde_json::from_str::<Value>(text.as_str()) else {
            tracing::warn!("mirror: a message that is not JSON was ignored");
            continue;
        };
        match value.get("type").and_then(Value::as_str) {
            Some("hello") => {
                let protocol = value.get("protocol").and_then(Value::as_u64);
                if protocol != Some(u64::from(PROTOCOL_VERSION)) {
                    return SessionEnd::Incompatible(format!(
                        "the producer speaks protocol {protocol:?}; this viewer speaks {PROTOCOL_VERSION}"
                    ));
                }
                shared.set_status(MirrorStatus::Live);
            }
            _ => apply_message(&mut pipeline.engine(), &value),
        }
        shared.bump();
    }
    SessionEnd::Lost("the producer closed the connection".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn producer_urls_become_websocket_urls_and_bad_ones_say_why() {
        assert_eq!(
            websocket_url("http://10.0.0.5:3000").unwrap(),
            "ws://10.0.0.5:3000/ws"
        );
        assert_eq!(
            websocket_url("https://dash.example.com/page/ops").unwrap(),
            "wss://dash.example.com/ws"
        );
        for bad in ["10.0.0.5:3000", "ftp://host", "http://", "http:// x"] {
            let err = websocket_url(bad).unwrap_err();
            assert!(err.to_string().contains("is not a producer URL"), "{err}");
        }
    }
}
