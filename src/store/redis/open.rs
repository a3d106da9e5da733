//! Opening a Redis store: the writer's connection (the schema version checked) and the reads'.

use std::collections::HashMap;
use std::sync::Arc;

use redis::Connection;

use super::conn::{client, connect, error, key, RedisStore, REDIS_SCHEMA_VERSION};
use super::reads::RedisHistory;
use crate::store::backend::Opened;
use crate::store::error::StoreError;
use crate::urls::without_password;

/// Connect to the Redis at `url` for the writer (refusing one written by a newer StreamViz),
/// and on another connection for reads.
pub(crate) fn open_store(url: &str) -> Result<Opened, StoreError> {
    let location = without_password(url);
    let client = client(url, &location)?;
    let mut connection = connect(&client, &location)?;
    prepare(&mut connection, &location)?;
    let mut store = RedisStore {
        client: client.clone(),
        connection: Some(connection),
        location: location.clone(),
        series: HashMap::new(),
        hold: None,
    };
    store.load_series()?;
    Ok(Opened {
        backend: Box::new(store),
        history: Arc::new(RedisHistory::new(client, location)),
    })
}

/// Write the schema version when none is, and refuse a newer one.
fn prepare(connection: &mut Connection, location: &str) -> Result<(), StoreError> {
    let meta = key("meta");
    let _: bool = redis::cmd("HSETNX")
        .arg(&meta)
        .arg("schema_version")
        .arg(REDIS_SCHEMA_VERSION)
        .query(connection)
        .map_err(|err| error(location, &err))?;
    let found: String = redis::cmd("HGET")
        .arg(&meta)
        .arg("schema_version")
        .query(connection)
        .map_err(|err| error(location, &err))?;
    match found.parse::<i32>() {
        Ok(version) if version > REDIS_SCHEMA_VERSION => Err(StoreError::Newer {
            path: location.to_owned(),
            found: version,
            reads: REDIS_SCHEMA_VERSION,
        }),
        Ok(_) => Ok(()),
        Err(err) => Err(StoreError::Foreign {
            path: location.to_owned(),
            reason: format!("streamviz:meta schema_version is not a number: {err}"),
        }),
    }
}
