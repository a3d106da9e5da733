//! Persistence sinks. The engine keeps a journal of every applied update while a sink is
//! attached ([`crate::engine::Engine::take_journal`]); a sink drains it on its own thread, in
//! batches, so producers and viewers never wait for a disk. A sink's stored points and changes
//! are read through [`crate::history::History`]. SQLite is the first sink ([`sqlite`], feature
//! `sqlite`).

#[cfg(feature = "sqlite")]
pub mod sqlite;

#[cfg(feature = "sqlite")]
pub use sqlite::{
    open_recording, Persistence, PersistenceStats, Recording, StoreError, StoreOptions,
};
