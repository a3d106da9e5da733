//! What the relay's parts share: its options, its errors, its counters and the state both
//! threads read.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

use crate::ingest::Pipeline;

/// How often the publisher takes the engine's relay log.
pub const PUBLISH_INTERVAL: Duration = Duration::from_millis(10);
/// How long each thread waits before trying Redis again after losing it.
pub const RETRY_INTERVAL: Duration = Duration::from_millis(500);
/// Most bytes of messages the publisher keeps while Redis is away.
pub const MAX_BUFFERED_BYTES: usize = 64 << 20;
/// Entries the stream keeps by default (`XADD ... MAXLEN ~`): about 100 s of messages at 100
/// points a series every 10 ms, a few hundred MB of Redis memory at most at that rate.
pub const DEFAULT_MAX_LEN: usize = 10_000;
/// The stream's key by default.
pub const DEFAULT_STREAM: &str = "streamviz:relay";

/// Where and how to relay.
#[derive(Debug, Clone)]
pub struct RelayOptions {
    /// `redis://[user:password@]host[:port][/db]`.
    pub url: String,
    /// The stream's key; servers relaying through the same key share one dashboard.
    pub stream: String,
    /// Entries the stream keeps (approximately, as Redis trims).
    pub max_len: usize,
    /// A name that stays this server's across restarts: its origin in the stream (instead of a
    /// random one a run), and the key of its place in the stream (`<stream>:cursors`), so that
    /// restarted with its database it takes what its peers sent while it was down, and nothing
    /// it had already. `None`: a random origin, and a restart starts at the stream's end.
    pub name: Option<String>,
}

impl RelayOptions {
    /// The defaults for a Redis URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: DEFAULT_STREAM.into(),
            max_len: DEFAULT_MAX_LEN,
            name: None,
        }
    }
}

/// Why a relay did not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The URL is not one the relay takes.
    #[error("relay: {0}")]
    Url(String),
    /// A thread could not be started.
    #[error("relay: cannot start a thread: {0}")]
    Thread(String),
}

/// The relay's counters, as `/api/v1/stats` reports them under `relay`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RelayStats {
    /// The Redis server, without credentials.
    pub redis: String,
    /// The stream's key.
    pub stream: String,
    /// This server's origin id in the stream.
    pub origin: String,
    /// Whether both threads are connected to Redis now.
    pub connected: bool,
    /// Messages appended to the stream.
    pub published: u64,
    /// Other servers' messages read from the stream.
    pub received: u64,
    /// Updates applied from them (points and rows one by one).
    pub applied: u64,
    /// Messages from other servers refused (and not applied).
    pub refused: u64,
    /// Updates this server could not relay because the engine's log overflowed (the
    /// publisher fell behind).
    pub lost: u64,
    /// Messages the publisher let go because Redis was away longer than its buffer holds.
    pub messages_lost: u64,
    /// Messages waiting to be published.
    pub waiting: u64,
    /// Times a connection to Redis was lost.
    pub disconnects: u64,
    /// The last error, if any since the last success.
    pub last_error: Option<String>,
}

/// What the threads share.
pub(super) struct Shared {
    pub(super) pipeline: Pipeline,
    pub(super) options: RelayOptions,
    pub(super) client: redis::Client,
    pub(super) origin: String,
    /// This start's id: what it appends is never applied back to it.
    pub(super) run: String,
    pub(super) redis: String,
    /// The store is shared with the other servers (Redis): it holds what they sent while this
    /// one was down, so a named server does not take it again from the stream.
    pub(super) shared_store: bool,
    pub(super) stop: AtomicBool,
    pub(super) out_connected: AtomicBool,
    pub(super) in_connected: AtomicBool,
    pub(super) published: AtomicU64,
    pub(super) received: AtomicU64,
    pub(super) applied: AtomicU64,
    pub(super) refused: AtomicU64,
    pub(super) lost: AtomicU64,
    pub(super) messages_lost: AtomicU64,
    pub(super) waiting: AtomicU64,
    pub(super) disconnects: AtomicU64,
    pub(super) last_error: Mutex<Option<String>>,
}

impl Shared {
    pub(super) fn stats(&self) -> RelayStats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        RelayStats {
            redis: self.redis.clone(),
            stream: self.options.stream.clone(),
            origin: self.origin.clone(),
            connected: self.out_connected.load(Ordering::Relaxed)
                && self.in_connected.load(Ordering::Relaxed),
            published: load(&self.published),
            received: load(&self.received),
            applied: load(&self.applied),
            refused: load(&self.refused),
            lost: load(&self.lost),
            messages_lost: load(&self.messages_lost),
            waiting: load(&self.waiting),
            disconnects: load(&self.disconnects),
            last_error: self.last_error.lock().map(|e| e.clone()).unwrap_or(None),
        }
    }

    pub(super) fn set_error(&self, error: Option<String>) {
        if let Ok(mut last) = self.last_error.lock() {
            *last = error;
        }
    }

    pub(super) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}
