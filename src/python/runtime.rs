//! The one process-wide runtime behind `stream_viz`: the pipeline every widget feeds, the web
//! server, the store and the relay when they run, and the store's history as the server reads it.

use std::sync::atomic::AtomicU32;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use crate::alerting::{Notifier, NotifierOptions};
use crate::history::SharedHistory;
use crate::ingest::Pipeline;
use crate::relay::Relay;
use crate::store::Persistence;
use crate::web::ServerHandle;

/// What `_core` runs for the process.
pub struct Runtime {
    /// The engine, its queue and its thread.
    pub pipeline: Pipeline,
    /// Mirrors the engine generation so `send` can refuse stale handles without the lock.
    pub generation: AtomicU32,
    /// The web server, while it runs.
    pub server: Mutex<Option<ServerHandle>>,
    /// Persistence, while a database is attached.
    pub store: Mutex<Option<Persistence>>,
    /// The relay to other servers, while one runs.
    pub relay: Mutex<Option<Relay>>,
    /// The attached database's history, read by the server's range queries (the server may
    /// start before the database is attached, and outlive it).
    pub history: SharedHistory,
    /// Alert notifications (log lines, webhooks), from the first rule or webhook on.
    pub notifier: OnceLock<Notifier>,
}

/// The runtime, made on first use.
pub fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| Runtime {
        pipeline: Pipeline::default(),
        generation: AtomicU32::new(0),
        server: Mutex::new(None),
        store: Mutex::new(None),
        relay: Mutex::new(None),
        history: SharedHistory::default(),
        notifier: OnceLock::new(),
    })
}

/// The notifier, started on first use (its address given to receivers is the server's, once
/// one runs).
pub fn notifier() -> &'static Notifier {
    let runtime = runtime();
    runtime.notifier.get_or_init(|| {
        let options = NotifierOptions {
            external_url: lock(&runtime.server)
                .as_ref()
                .map(ServerHandle::url)
                .unwrap_or_default(),
            ..NotifierOptions::default()
        };
        Notifier::start(&runtime.pipeline, options)
    })
}

/// Lock `mutex`, keeping its data if a panic poisoned it (plain data: keep serving it).
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
