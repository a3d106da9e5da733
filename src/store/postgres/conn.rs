//! A connection to a PostgreSQL store: connecting, errors as [`StoreError`]s, and the writer's
//! [`Pg`] with its cache of series ids.

use std::collections::HashMap;

use postgres::{Client, NoTls};

use crate::store::error::StoreError;
use crate::store::restore::SeriesKey;

/// A connection to the database and the id of every stored series.
pub(crate) struct Pg {
    pub(super) client: Client,
    /// The URL as given (with its password), to connect again when the server went away.
    pub(super) url: String,
    /// The URL without its password, for messages.
    pub(super) location: String,
    pub(super) series: HashMap<SeriesKey, i64>,
    /// The points table is a TimescaleDB hypertable (`timescale.rs`).
    pub(super) hypertable: bool,
    /// The `drop_after` of TimescaleDB's retention job, once set by this writer.
    pub(super) retention_policy_ms: Option<i64>,
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgresql://") || url.starts_with("postgres://")
}

pub(super) fn connect(url: &str, location: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls).map_err(|err| StoreError::Open {
        path: location.to_owned(),
        reason: err.to_string(),
    })
}

impl Pg {
    /// A connection to `url` (shown as `location`), no series known yet.
    pub(super) fn new(client: Client, url: &str, location: String) -> Self {
        Self {
            client,
            url: url.to_owned(),
            location,
            series: HashMap::new(),
            hypertable: false,
            retention_policy_ms: None,
        }
    }

    /// A failed query as a [`StoreError`] naming the database.
    pub(super) fn error(&self, err: postgres::Error) -> StoreError {
        error(&self.location, err)
    }

    /// Every stored series' id, cached.
    pub(super) fn load_series(&mut self) -> Result<(), StoreError> {
        let rows = self
            .client
            .query("SELECT sid, widget, name FROM streamviz_series", &[])
            .map_err(|err| error(&self.location, err))?;
        self.series = rows
            .iter()
            .map(|row| {
                let widget: String = row.get(1);
                let name: String = row.get(2);
                ((widget.into(), name.into()), row.get(0))
            })
            .collect();
        Ok(())
    }
}

/// A failed query as a [`StoreError`]: one that lost its connection says the server went away.
pub(super) fn error(location: &str, err: postgres::Error) -> StoreError {
    StoreError::Sqlite {
        path: location.to_owned(),
        reason: match err.as_db_error() {
            Some(db) => format!("PostgreSQL says: {} ({})", db.message(), db.code().code()),
            None if err.is_closed() => {
                format!("the connection to PostgreSQL is closed ({err}); it is tried again")
            }
            None => err.to_string(),
        },
    }
}
