//! PostgreSQL persistence: the same store as SQLite (`persistence="postgresql://user@host/db"`),
//! in tables prefixed `streamviz_` so that the database may hold others. The writer thread
//! (`store/writer.rs`) drives it as it drives SQLite; the reads that load a dashboard
//! (`store/restore.rs`) and the range queries ([`crate::history::History`]) run here on
//! connections of their own.
//!
//! - `conn`: connecting, errors, the writer's connection;
//! - `open`: the writer's connection and the reads';
//! - `schema`: the tables (documented there) and the schema version;
//! - `timescale`: the points table as a TimescaleDB hypertable, when the database has it;
//! - `write`: one journal stored in one transaction; purging;
//! - `reads`: the dashboard's reads for loading it, and the `History` of the database;
//! - `recording`: the database opened as a recording, read-only.

mod conn;
mod open;
mod reads;
mod recording;
mod schema;
mod timescale;
mod write;

pub use conn::is_postgres_url;
pub(crate) use open::open_store;
pub use recording::open_recording;
