//! Several servers, one dashboard: a relay shares what each server's producers send with every
//! other server through a Redis stream, so a producer may push to any server and every viewer of
//! any server sees all of it (`streamviz serve --relay redis://host`, `sv.configure(relay=...)`).
//!
//! - The engine logs what its own producers send ([`crate::engine::Engine::take_relay`]: raw
//!   points, as sent, so each server aggregates its windows itself); updates applied from other
//!   servers are not logged, so no server applies an update twice and nothing goes round.
//! - The publisher thread (`streamviz-relay-out`) takes that log every [`PUBLISH_INTERVAL`],
//!   encodes it (`protocol::relay_messages`: the `config` when it changed, then `push` bodies)
//!   and appends each message to the stream (`XADD <stream> MAXLEN ~ n`), fields `o` (the
//!   server's origin: its `--relay-name`, or a random id), `r` (this run's id) and `m` (the
//!   message). The configuration is also kept per origin in
//!   the hash `<stream>:config`, for servers that join later.
//! - The subscriber thread (`streamviz-relay-in`) reads the stream (`XREAD BLOCK`) from where it
//!   left off and applies every other origin's messages through the push path's validation
//!   (a refused message is counted, never applied in part).
//! - Redis going away degrades to local-only: the publisher keeps what it could not send (at
//!   most [`MAX_BUFFERED_BYTES`], the oldest let go and counted beyond that), both threads retry
//!   every [`RETRY_INTERVAL`], and on reconnecting the publisher sends its configuration and
//!   then what it kept; the subscriber carries on from the last entry it read (stream ids grow
//!   with time, so entries written after a Redis restart come after it too). The state is in
//!   `/api/v1/stats` (`relay`) and the page's header.
//!
//! A server that starts with an empty dashboard first applies every peer's configuration and
//! what the stream still holds (recent history, up to `max_len` entries); one that restored a
//! database of its own starts where a named server left off, or at the stream's end. One that
//! loaded a store shared with its peers (Redis) reads the whole stream but applies only what
//! the store did not hold when it loaded: messages carry the number of the journal that stores
//! them (`j`), the store keeps each run's last stored journal, and the relay log is cut
//! wherever a journal is taken (`engine::RelayPart`), so nothing is applied twice or missed.

mod io;
mod shared;
mod threads;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::engine::fresh_id;
use crate::ingest::Pipeline;
use shared::Shared;
pub use shared::{
    RelayError, RelayOptions, RelayStats, DEFAULT_MAX_LEN, DEFAULT_STREAM, MAX_BUFFERED_BYTES,
    PUBLISH_INTERVAL, RETRY_INTERVAL,
};
use threads::Start;

/// A running relay; dropping it stops it.
pub struct Relay {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Relay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relay")
            .field("redis", &self.shared.redis)
            .field("origin", &self.shared.origin)
            .finish_non_exhaustive()
    }
}

impl Relay {
    /// Start relaying `pipeline`'s engine through Redis. Connecting is the threads' work: a
    /// Redis that is not there yet is retried, and the server runs local-only meanwhile.
    pub fn start(pipeline: &Pipeline, options: RelayOptions) -> Result<Self, RelayError> {
        let client = io::client(&options.url)?;
        if options.stream.is_empty() || options.stream.len() > 200 {
            return Err(RelayError::Url(
                "the stream key must be 1 to 200 bytes".into(),
            ));
        }
        if let Some(name) = &options.name {
            let allowed = |c: char| c.is_ascii_alphanumeric() || "._:-".contains(c);
            if name.is_empty() || name.len() > 100 || !name.chars().all(allowed) {
                return Err(RelayError::Url(format!(
                    "the relay name {name:?} must be 1 to 100 letters, digits, '.', '_', ':' or '-'"
                )));
            }
        }
        let (start, shared_store, run) = {
            let mut engine = pipeline.engine();
            let empty = engine.config_view().widgets.is_empty();
            let shared_store = engine.journal_shared();
            let stored = engine.take_stored_journals();
            engine.set_relaying(true);
            let start = match stored {
                Some(stored) if shared_store => Start::Stored(stored),
                _ if empty => Start::CatchUp,
                _ => Start::Resume,
            };
            (start, shared_store, engine.run_id())
        };
        let shared = Arc::new(Shared {
            pipeline: pipeline.clone(),
            redis: crate::urls::without_password(&options.url),
            shared_store,
            origin: options.name.clone().unwrap_or_else(fresh_id),
            run: run.to_string(),
            options,
            client,
            stop: AtomicBool::new(false),
            out_connected: AtomicBool::new(false),
            in_connected: AtomicBool::new(false),
            published: AtomicU64::new(0),
            received: AtomicU64::new(0),
            applied: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            lost: AtomicU64::new(0),
            messages_lost: AtomicU64::new(0),
            waiting: AtomicU64::new(0),
            disconnects: AtomicU64::new(0),
            last_error: Mutex::new(None),
        });
        let mut relay = Self {
            shared: Arc::clone(&shared),
            threads: Vec::new(),
        };
        // A thread that cannot start stops the other (dropping the relay).
        relay.spawn("streamviz-relay-out", threads::publish)?;
        relay.spawn("streamviz-relay-in", move |shared| {
            threads::subscribe(shared, start)
        })?;
        {
            let shared = Arc::clone(&shared);
            pipeline.set_stats_source(
                "relay",
                Box::new(move || serde_json::to_value(shared.stats()).unwrap_or_default()),
            );
        }
        Ok(relay)
    }

    fn spawn(
        &mut self,
        name: &str,
        run: impl FnOnce(&Shared) + Send + 'static,
    ) -> Result<(), RelayError> {
        let shared = Arc::clone(&self.shared);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(&shared))
            .map_err(|err| RelayError::Thread(err.to_string()))?;
        self.threads.push(thread);
        Ok(())
    }

    /// The relay's counters.
    pub fn stats(&self) -> RelayStats {
        self.shared.stats()
    }

    /// Stop relaying: what is left is published if Redis is there, then the threads end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        // Once: `stop` and then the drop come here both.
        if self.shared.stop.swap(true, Ordering::Relaxed) {
            return;
        }
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
        self.shared.pipeline.engine().set_relaying(false);
        self.shared.pipeline.remove_stats_source("relay");
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.shutdown();
    }
}
