//! Persistence sinks. The engine keeps a journal of every applied update while a sink is
//! attached ([`crate::engine::Engine::take_journal`]); the writer (`writer`) drains it on its own
//! thread, in batches, so producers and viewers never wait for a disk, and has a backend
//! (`backend`) store each batch whole. A sink's stored points and changes are read through
//! [`crate::history::History`]. SQLite is the first backend ([`sqlite`], feature `sqlite`).

#[cfg(feature = "sqlite")]
mod backend;
#[cfg(feature = "sqlite")]
mod chunking;
#[cfg(feature = "sqlite")]
mod codec;
#[cfg(feature = "sqlite")]
mod error;
#[cfg(feature = "sqlite")]
mod journal;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis-store")]
pub mod redis;
#[cfg(feature = "sqlite")]
mod restore;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "sqlite")]
mod writer;

#[cfg(feature = "sqlite")]
pub use error::StoreError;
#[cfg(feature = "sqlite")]
pub use sqlite::Recording;
#[cfg(feature = "sqlite")]
pub use writer::{
    Persistence, PersistenceStats, StoreOptions, DEFAULT_FLUSH_INTERVAL, DEFAULT_PURGE_INTERVAL,
    DEFAULT_SNAPSHOT_EVERY,
};

/// Open a stored dashboard as a recording, read-only: a SQLite file, a PostgreSQL database's
/// `postgresql://` URL (feature `postgres`) or a Redis store's `redis://` URL (feature
/// `redis-store`).
#[cfg(feature = "sqlite")]
pub fn open_recording(
    pipeline: &crate::ingest::Pipeline,
    path: &std::path::Path,
) -> Result<Recording, StoreError> {
    #[cfg(feature = "postgres")]
    if let Some(url) = path.to_str().filter(|p| postgres::is_postgres_url(p)) {
        return postgres::open_recording(pipeline, url);
    }
    #[cfg(feature = "redis-store")]
    if let Some(url) = path.to_str().filter(|p| redis::is_redis_url(p)) {
        return redis::open_recording(pipeline, url);
    }
    sqlite::open_recording(pipeline, path)
}
