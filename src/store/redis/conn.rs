//! A connection to a Redis store: connecting (with timeouts), errors as [`StoreError`]s, the
//! keys, and the writer's [`RedisStore`] with its cache of series ids.
//!
//! Keys (schema version 2, in `streamviz:meta` under `schema_version`), each prefixed
//! `streamviz:`:
//! - `meta` (hash): dashboard settings, containers, alert rules, the version, and `purged_before`
//!   (epoch ms: points older than it are gone, whatever chunk still holds them);
//! - `widgets` (hash id → `[kind, options]`) and `widget_order` (sorted set of ids by the order
//!   they were first stored);
//! - `series` (hash `widget\x1fname` → sid) and `seq` (the counter sids and places come from);
//! - `points:{sid}` (stream): a series' points, an entry per chunk (`store/codec.rs`), trimmed
//!   to the retention; with `points_top` and `lateness` (`points.rs` says how);
//! - `changes:{widget}` (stream): every other update of a widget as its protocol op (`k` = `c`)
//!   and the widget's whole state every so many changes (`k` = `s`), in order;
//! - `rows:{widget}` (hash row key → row JSON) and `row_order:{widget}` (sorted set of row keys
//!   by the place each was inserted at): a table's rows now, bound to its `max_rows`
//!   (`tables.rs`);
//! - `snapshot_ids` (hash widget → stream id): each widget's newest snapshot, which purging
//!   keeps with the changes after it (the widget's state);
//! - `alerts` (stream of transitions, `r` rule, `t` transition) and `alert_last` (hash rule →
//!   its last transition);
//! - `stored` (hash run → `"<journal> <epoch ms>"`): each server run's last stored journal, and
//!   `loading` (string, expiring): a loading server's hold on the others' writes (`hold.rs`).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use redis::{Client, Connection};

use crate::store::error::StoreError;
use crate::store::restore::SeriesKey;

/// The schema version this build writes and reads.
pub(super) const REDIS_SCHEMA_VERSION: i32 = 2;

/// Every key's prefix.
pub(super) const PREFIX: &str = "streamviz:";

/// How long connecting, and one command or transaction, may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Whether `url` names a Redis database (`redis://`; TLS to Redis, `rediss://`, is not built).
pub fn is_redis_url(url: &str) -> bool {
    url.starts_with("redis://")
}

/// `streamviz:<name>`.
pub(super) fn key(name: &str) -> String {
    format!("{PREFIX}{name}")
}

/// The stream of a widget's changes and snapshots.
pub(super) fn changes_key(widget: &str) -> String {
    format!("{PREFIX}changes:{widget}")
}

/// The field of `series` for a widget's series.
pub(super) fn series_field(widget: &str, name: &str) -> String {
    format!("{widget}\x1f{name}")
}

/// The client and the writer's connection, and the id of every stored series.
pub(crate) struct RedisStore {
    pub(super) client: Client,
    /// `None` after a failure: connected again at the next write.
    pub(super) connection: Option<Connection>,
    /// The URL without its password, for messages.
    pub(super) location: String,
    pub(super) series: HashMap<SeriesKey, i64>,
    /// While this server loads the store: its hold on the others' writes.
    pub(super) hold: Option<Hold>,
    /// The stored widgets that are tables (read with the widgets when loading): what loads
    /// from rows stored as hashes.
    pub(super) tables: HashSet<String>,
    /// Tables loaded from their changes while loading, having no rows stored as hashes (a
    /// store written before they were): their rows are stored as hashes once loaded.
    pub(super) unhashed: Vec<String>,
}

/// A hold on the other servers' writes while this one loads the store (`hold.rs`).
pub(super) struct Hold {
    /// This hold's token: only its owner renews or ends it.
    pub(super) token: String,
    /// When it was last renewed.
    pub(super) renewed: std::time::Instant,
}

/// A client for `url`; a URL Redis' driver cannot read is refused without its password.
pub(super) fn client(url: &str, location: &str) -> Result<Client, StoreError> {
    Client::open(url).map_err(|err| StoreError::Open {
        path: location.to_owned(),
        reason: err.to_string(),
    })
}

/// A connection whose commands time out.
pub(super) fn connect(client: &Client, location: &str) -> Result<Connection, StoreError> {
    let connected = client.get_connection_with_timeout(TIMEOUT).and_then(|c| {
        c.set_read_timeout(Some(TIMEOUT))?;
        c.set_write_timeout(Some(TIMEOUT))?;
        Ok(c)
    });
    connected.map_err(|err| StoreError::Open {
        path: location.to_owned(),
        reason: err.to_string(),
    })
}

/// A failed command as a [`StoreError`]: one that lost its connection says it is tried again.
pub(super) fn error(location: &str, err: &redis::RedisError) -> StoreError {
    StoreError::Sqlite {
        path: location.to_owned(),
        reason: if err.is_io_error() || err.is_connection_dropped() || err.is_timeout() {
            format!("the connection to Redis is lost ({err}); it is tried again")
        } else {
            format!("Redis says: {err}")
        },
    }
}

impl RedisStore {
    /// The writer's connection, connected again after a failure.
    pub(super) fn connection(&mut self) -> Result<&mut Connection, StoreError> {
        if self.connection.is_none() {
            self.connection = Some(connect(&self.client, &self.location)?);
        }
        self.connection.as_mut().ok_or_else(|| StoreError::Open {
            path: self.location.clone(),
            reason: "no connection".into(),
        })
    }

    /// A failed command: the connection is dropped when it was lost.
    pub(super) fn failed(&mut self, err: &redis::RedisError) -> StoreError {
        if !matches!(err.kind(), redis::ErrorKind::Server(_)) {
            self.connection = None;
        }
        error(&self.location, err)
    }

    /// Every stored series' id, cached.
    pub(super) fn load_series(&mut self) -> Result<(), StoreError> {
        let found: redis::RedisResult<HashMap<String, i64>> = redis::cmd("HGETALL")
            .arg(key("series"))
            .query(self.connection()?);
        let found = found.map_err(|err| self.failed(&err))?;
        self.series = found
            .into_iter()
            .filter_map(|(field, sid)| {
                let (widget, name) = field.split_once('\x1f')?;
                Some(((widget.into(), name.into()), sid))
            })
            .collect();
        Ok(())
    }
}
