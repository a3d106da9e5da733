//! Accepting connections with bounds, instead of `axum::serve` (which sets no timer, so hyper
//! applies no header timeout): at most [`ConnectionLimits::max_connections`] open at once (more
//! are closed at once and counted), and a connection that has not sent a whole request head
//! within [`ConnectionLimits::header_timeout`] is closed — so thousands of idle or slowloris
//! sockets cannot starve real clients. WebSocket upgrades leave the count when they upgrade
//! (viewers are bounded by [`ConnectionLimits::max_viewers`] in `ws.rs`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::ConnectInfo;
use axum::serve::Listener;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

/// Bounds on what clients may hold open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// HTTP connections open at once (idle keep-alive ones included, WebSockets not). Default:
    /// 4,096.
    pub max_connections: usize,
    /// Longest wait for a request's head (line and headers), from the connection's start or the
    /// end of the previous request. Default: 10 s.
    pub header_timeout: Duration,
    /// WebSocket viewers connected at once; more are refused with 503 and a reason. Default:
    /// 1,000.
    pub max_viewers: usize,
    /// How often a viewer's connection is pinged, and how long its pong may take before it is
    /// dropped as dead. Default: 20 s.
    pub ping_interval: Duration,
    /// Longest wait for a request's whole body once its head is in (a push sent a byte at a
    /// time); past it the request is answered with an error and the connection closed.
    /// Default: 30 s.
    pub body_timeout: Duration,
    /// Messages one WebSocket connection, or pushes one HTTP connection, may send a second (as
    /// many again in a burst); more are answered with an `error` (HTTP 429) and not applied.
    /// Default: 1,000.
    pub max_messages_per_second: u32,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            max_viewers: 1000,
            ping_interval: Duration::from_secs(20),
            max_messages_per_second: 1000,
        }
    }
}

impl ConnectionLimits {
    /// Limits from a JSON object of any of `max_connections`, `header_timeout`, `body_timeout`,
    /// `max_viewers`, `ping_interval` and `max_messages_per_second` (counts: whole numbers from 1
    /// to 1,000,000; times: `"10s"`-style text or seconds, from 1 s to 1 h); the defaults for
    /// the rest. An unknown name or a value out of bounds is an error naming it first
    /// (`limits.NAME ...`).
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        let object = value
            .as_object()
            .ok_or_else(|| format!("limits is an object of names and values, not {value}"))?;
        let mut limits = Self::default();
        for (name, value) in object {
            match name.as_str() {
                "max_connections" => limits.max_connections = count(name, value)? as usize,
                "max_viewers" => limits.max_viewers = count(name, value)? as usize,
                "max_messages_per_second" => limits.max_messages_per_second = count(name, value)?,
                "header_timeout" => limits.header_timeout = period(name, value)?,
                "body_timeout" => limits.body_timeout = period(name, value)?,
                "ping_interval" => limits.ping_interval = period(name, value)?,
                _ => {
                    return Err(format!(
                        "limits has no {name:?}; it takes max_connections, header_timeout, \
                         body_timeout, max_viewers, ping_interval and max_messages_per_second"
                    ))
                }
            }
        }
        Ok(limits)
    }
}

/// A whole number from 1 to 1,000,000.
fn count(name: &str, value: &serde_json::Value) -> Result<u32, String> {
    value
        .as_u64()
        .filter(|n| (1..=1_000_000).contains(n))
        .map(|n| n as u32)
        .ok_or_else(|| format!("limits.{name} is a whole number from 1 to 1000000, not {value}"))
}

/// A time from 1 s to 1 h, as `"10s"`-style text or seconds.
fn period(name: &str, value: &serde_json::Value) -> Result<Duration, String> {
    let duration = match value {
        serde_json::Value::String(text) => humantime::parse_duration(text).ok(),
        serde_json::Value::Number(n) => {
            n.as_f64().and_then(|s| Duration::try_from_secs_f64(s).ok())
        }
        _ => None,
    };
    duration
        .filter(|d| (Duration::from_secs(1)..=Duration::from_secs(3600)).contains(d))
        .ok_or_else(|| {
            format!(
                "limits.{name} is a time from 1 s to 1 h (\"10s\", \"2m\" or seconds), not {value}"
            )
        })
}

/// What the bounds refused, for `/api/v1/stats`.
#[derive(Debug, Default)]
pub struct Refusals {
    /// Connections closed at once because [`ConnectionLimits::max_connections`] were open.
    pub connections: AtomicU64,
    /// WebSocket viewers refused because [`ConnectionLimits::max_viewers`] were connected.
    pub viewers: AtomicU64,
    /// Viewers dropped because they answered no ping within [`ConnectionLimits::ping_interval`].
    pub unanswered_pings: AtomicU64,
    /// WebSocket messages and HTTP pushes refused for coming faster than
    /// [`ConnectionLimits::max_messages_per_second`].
    pub messages: AtomicU64,
}

impl Refusals {
    /// The counters as `/api/v1/stats` shows them.
    pub fn stats(&self) -> serde_json::Value {
        serde_json::json!({
            "connections_refused": self.connections.load(Ordering::Relaxed),
            "viewers_refused": self.viewers.load(Ordering::Relaxed),
            "viewers_dropped_for_no_pong": self.unanswered_pings.load(Ordering::Relaxed),
            "messages_refused": self.messages.load(Ordering::Relaxed),
        })
    }
}

/// A token bucket: `per_second` tokens a second, at most as many held.
#[derive(Debug)]
struct Rate {
    per_second: f64,
    tokens: f64,
    at: std::time::Instant,
}

impl Rate {
    /// A full bucket.
    fn new(per_second: u32) -> Self {
        let per_second = f64::from(per_second.max(1));
        Self {
            per_second,
            tokens: per_second,
            at: std::time::Instant::now(),
        }
    }

    /// Take a token; false when there is none.
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * self.per_second;
        self.tokens = (self.tokens + refill).min(self.per_second);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One connection's allowance of messages ([`ConnectionLimits::max_messages_per_second`]): its
/// HTTP pushes and, once it is upgraded, its WebSocket messages draw on the same bucket. Made
/// with the connection and handed to each of its requests as an extension.
#[derive(Clone, Debug)]
pub struct ConnectionRate(Arc<std::sync::Mutex<Rate>>);

impl ConnectionRate {
    fn new(per_second: u32) -> Self {
        Self(Arc::new(std::sync::Mutex::new(Rate::new(per_second))))
    }

    /// Take a token for one message; when there is none, count the refusal and say false.
    pub fn admit(&self, refusals: &Refusals) -> bool {
        let admitted = self.0.lock().map_or(true, |mut rate| rate.take());
        if !admitted {
            refusals.messages.fetch_add(1, Ordering::Relaxed);
        }
        admitted
    }
}

/// Serve `app` on `listener` within `limits` until `shutdown` resolves; then stop accepting,
/// ask every connection to finish and wait for them.
pub async fn serve<L>(
    mut listener: L,
    app: Router,
    limits: ConnectionLimits,
    refusals: Arc<Refusals>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) where
    L: Listener<Addr = SocketAddr>,
{
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopping) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, peer) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            let refused = refusals.connections.fetch_add(1, Ordering::Relaxed) + 1;
            if refused == 1 || refused % 1000 == 0 {
                tracing::warn!(
                    "refused a connection from {}: {} are open already ({refused} refused so far)",
                    peer.ip(),
                    limits.max_connections
                );
            }
            drop(io);
            continue;
        };
        tracing::trace!("connection {peer} accepted");
        let service = app
            .clone()
            .layer(axum::Extension(ConnectInfo(peer)))
            .layer(axum::Extension(ConnectionRate::new(
                limits.max_messages_per_second,
            )))
            .map_request(|request: axum::http::Request<hyper::body::Incoming>| {
                request.map(axum::body::Body::new)
            });
        let service = TowerToHyperService::new(service);
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut builder = Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(err) = result {
                        tracing::trace!("connection {peer}: {err}");
                    }
                }
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop(permit);
        });
    }
    drop(stopping);
    // Every connection task holds a receiver: wait until they all finished.
    let _ = stop.send(());
    stop.closed().await;
}
