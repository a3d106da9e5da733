//! Opening a PostgreSQL store: the writer's connection (the tables created when missing) and
//! another for reads.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::conn::{connect, display_url, Pg};
use super::reads::PgHistory;
use super::schema;
use crate::store::backend::Opened;
use crate::store::error::StoreError;

/// Connect to the database at `url` (creating the tables when missing) for the writer, and on
/// another connection for reads.
pub(crate) fn open_store(url: &str) -> Result<Opened, StoreError> {
    let location = display_url(url);
    let mut pg = Pg {
        client: connect(url, &location)?,
        url: url.to_owned(),
        location: location.clone(),
        series: HashMap::new(),
    };
    schema::prepare(&mut pg)?;
    pg.load_series()?;
    let history = PgHistory {
        client: Mutex::new(Some(connect(url, &location)?)),
        url: url.to_owned(),
        location,
    };
    Ok(Opened {
        backend: Box::new(pg),
        history: Arc::new(history),
    })
}
