//! Persistence sinks. The engine keeps a journal of every applied update while a sink is
//! attached ([`crate::engine::Engine::take_journal`]); the writer (`writer`) drains it on its own
//! thread, in batches, so producers and viewers never wait for a disk, and has a backend
//! (`backend`) store each batch whole. A sink's stored points and changes are read through
//! [`crate::history::History`]. SQLite is the first backend ([`sqlite`], feature `sqlite`).

#[cfg(feature = "sqlite")]
mod backend;
#[cfg(feature = "sqlite")]
mod codec;
#[cfg(feature = "sqlite")]
mod error;
#[cfg(feature = "sqlite")]
mod journal;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "sqlite")]
mod restore;
#[cfg(feature = "sqlite")]
pub mod sqlite;
#[cfg(feature = "sqlite")]
mod writer;

#[cfg(feature = "sqlite")]
pub use error::StoreError;
#[cfg(feature = "sqlite")]
pub use sqlite::{open_recording, Recording};
#[cfg(feature = "sqlite")]
pub use writer::{
    Persistence, PersistenceStats, StoreOptions, DEFAULT_FLUSH_INTERVAL, DEFAULT_PURGE_INTERVAL,
    DEFAULT_SNAPSHOT_EVERY,
};
