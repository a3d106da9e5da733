//! Opening a Redis store: the writer's connection (the schema version checked, an older one
//! upgraded) and the reads'.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use redis::Connection;

use super::conn::{client, connect, error, key, RedisStore, REDIS_SCHEMA_VERSION};
use super::points;
use super::reads::RedisHistory;
use crate::store::backend::Opened;
use crate::store::chunking::Chunk;
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
        tables: HashSet::new(),
        unhashed: Vec::new(),
    };
    store.load_series()?;
    Ok(Opened {
        backend: Box::new(store),
        history: Arc::new(RedisHistory::new(client, location)),
    })
}

/// Write the schema version when none is, upgrade an older one, and refuse a newer one.
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
        Ok(1) => upgrade_from_1(connection).map_err(|err| error(location, &err)),
        Ok(_) => Ok(()),
        Err(err) => Err(StoreError::Foreign {
            path: location.to_owned(),
            reason: format!("streamviz:meta schema_version is not a number: {err}"),
        }),
    }
}

/// Schema version 1 kept a series' chunks in a sorted set (`chunks:{sid}`, scored by the newest
/// point's time; a member: chunk id (8 bytes), oldest time (8), point count (4), the points).
/// Its chunks move into the series' stream, oldest-ending first, in one transaction that
/// `WATCH`es `meta`: of servers opening it at once, one upgrades it and the others find it done.
fn upgrade_from_1(connection: &mut Connection) -> redis::RedisResult<()> {
    let meta = key("meta");
    loop {
        redis::cmd("WATCH").arg(&meta).query::<()>(connection)?;
        let version: Option<i32> = redis::cmd("HGET")
            .arg(&meta)
            .arg("schema_version")
            .query(connection)?;
        if version != Some(1) {
            redis::cmd("UNWATCH").query::<()>(connection)?;
            return Ok(());
        }
        let series: HashMap<String, i64> =
            redis::cmd("HGETALL").arg(key("series")).query(connection)?;
        let mut pipe = redis::pipe();
        pipe.atomic();
        let mut chunks = Vec::new();
        for &sid in series.values() {
            let old = key(&format!("chunks:{sid}"));
            let members: Vec<(Vec<u8>, f64)> = redis::cmd("ZRANGE")
                .arg(&old)
                .arg(0)
                .arg(-1)
                .arg("WITHSCORES")
                .query(connection)?;
            for (member, t1) in members {
                let (Some(t0), Some(n)) = (member.get(8..16), member.get(16..20)) else {
                    continue;
                };
                chunks.push(Chunk {
                    sid,
                    t0: f64::from_le_bytes(t0.try_into().unwrap_or_default()),
                    t1,
                    n: u32::from_le_bytes(n.try_into().unwrap_or_default()) as usize,
                    data: member[20..].to_vec(),
                });
            }
            pipe.del(old).ignore();
        }
        let placed = points::place(connection, chunks)?;
        points::queue(&mut pipe, &placed);
        pipe.hset(&meta, "schema_version", REDIS_SCHEMA_VERSION)
            .ignore();
        let done: Option<()> = pipe.query(connection)?;
        if done.is_some() {
            tracing::info!(
                "persistence: upgraded the Redis store to schema version {REDIS_SCHEMA_VERSION} \
                 ({} chunks moved into streams)",
                placed.len()
            );
            return Ok(());
        }
    }
}
