//! Opening a PostgreSQL store: the writer's connection (the tables created when missing) and
//! another for reads.

use std::sync::{Arc, Mutex};

use super::conn::{connect, Pg};
use super::reads::PgHistory;
use super::{schema, timescale};
use crate::history::History;
use crate::store::backend::Opened;
use crate::store::error::StoreError;
use crate::urls::without_password;

/// Connect to the database at `url` (creating the tables when missing) for the writer, and on
/// another connection for reads.
pub(crate) fn open_store(url: &str) -> Result<Opened, StoreError> {
    let location = without_password(url);
    let mut pg = Pg::new(connect(url, &location)?, url, location.clone());
    schema::prepare(&mut pg)?;
    pg.hypertable = timescale::prepare(&mut pg)?;
    pg.load_series()?;
    Ok(Opened {
        backend: Box::new(pg),
        history: open_reads(url, &location)?,
    })
}

/// The database's history, on a connection of its own.
pub(super) fn open_reads(url: &str, location: &str) -> Result<Arc<dyn History>, StoreError> {
    Ok(Arc::new(PgHistory {
        client: Mutex::new(Some(connect(url, location)?)),
        url: url.to_owned(),
        location: location.to_owned(),
    }))
}
