//! SQLite persistence: every accepted update is stored, in batches, by a writer thread named
//! `streamviz-store`; on start the stored dashboard is loaded back into the engine; a database
//! can also be opened read-only as a recording.
//!
//! - `schema`: the tables (documented there), the application id and the schema version;
//! - `chunks`: points stored per series in chunks, read back by range and newest first;
//! - `db`: opening the file and checking it is ours, purging old rows;
//! - `checkpoint`: the log checkpointed on a thread of its own, so that commits stay short;
//! - `store`: the database as the writer's backend (`crate::store::writer` runs the thread);
//! - `write`: one journal stored in one transaction;
//! - `alerts`: alert transitions stored, and the alerts as of a time read back;
//! - `restore`: loading a stored dashboard into an engine, a widget's changes up to a time;
//! - `reader`: the [`crate::history::History`] of a database, read while it is written;
//! - `recording`: [`open_recording`];
//! - `error`: SQLite's errors as [`crate::store::StoreError`]s that say what to do.
//!
//! The database runs in WAL mode with `synchronous = NORMAL`: a committed batch survives a crash
//! of the process (`kill -9`); a power failure may lose the last batches. At most one flush
//! interval of updates is in memory only.

mod alerts;
mod checkpoint;
mod chunks;
mod db;
mod error;
mod reader;
mod recording;
mod restore;
mod schema;
mod store;
mod write;

pub use recording::{open_recording, Recording};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub(crate) use store::open_store;
