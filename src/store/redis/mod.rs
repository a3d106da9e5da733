//! Redis persistence: the same store as SQLite (`persistence="redis://host[:port][/db]"`), kept
//! in Redis under keys prefixed `streamviz:` so that several servers may share it and a
//! restarted one loses nothing Redis kept. The writer thread (`store/writer.rs`) drives it as it
//! drives SQLite; the reads that load a dashboard (`store/restore.rs`) and the range queries
//! ([`crate::history::History`]) run here on connections of their own.
//!
//! - `conn`: connecting, errors, the keys (documented there), the writer's connection;
//! - `open`: the writer's connection (the schema version checked) and the reads';
//! - `write`: one journal stored in one `MULTI`/`EXEC` transaction; purging;
//! - `points`: a series' points, a stream per series of chunks (ids, reads by time, trimming);
//! - `tables`: a table's rows as hashes, bound as the engine bounds them;
//! - `hold`: each run's last stored journal, and a loading server's hold on the others' writes;
//! - `reads`: the dashboard's reads for loading it, and the `History` of the database;
//! - `recording`: the store opened as a recording, read-only.

mod conn;
mod hold;
mod open;
mod points;
mod reads;
mod recording;
mod tables;
mod write;

pub use conn::is_redis_url;
pub(crate) use open::open_store;
pub use recording::open_recording;
