//! A Redis store opened as a recording (`streamviz serve --open redis://...`): its dashboard
//! loaded into a replica engine, its points and changes read on demand. Nothing is written to
//! it.

use std::collections::HashMap;
use std::sync::Arc;

use redis::Connection;

use super::conn::{changes_key, chunks_key, client, connect, error, key, RedisStore};
use super::reads::RedisHistory;
use crate::ingest::Pipeline;
use crate::store::backend::Restored;
use crate::store::error::StoreError;
use crate::store::restore::restore_recording;
use crate::store::Recording;
use crate::urls::without_password;

/// Chunks of a series looked at for its earliest point (those ending first).
const FIRST_CHUNKS: isize = 256;

/// Open the Redis at `url` as a recording.
pub fn open_recording(pipeline: &Pipeline, url: &str) -> Result<Recording, StoreError> {
    let location = without_password(url);
    let client = client(url, &location)?;
    let mut store = RedisStore {
        connection: Some(connect(&client, &location)?),
        client: client.clone(),
        location: location.clone(),
        series: HashMap::new(),
        hold: None,
    };
    store.load_series()?;
    let Restored {
        widgets, points, ..
    } = restore_recording(&mut store, pipeline)?;
    let sids: Vec<i64> = store.series.values().copied().collect();
    let connection = store.connection()?;
    let span = span(connection, &sids).map_err(|err| error(&location, &err))?;
    Ok(Recording {
        widgets,
        points,
        span,
        history: Arc::new(RedisHistory::new(client, location)),
    })
}

/// The first and last time of the stored points (a chunk's oldest, among the first chunks of
/// each series) and changes (stamped when they were stored).
fn span(connection: &mut Connection, sids: &[i64]) -> redis::RedisResult<Option<(f64, f64)>> {
    let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
    for &sid in sids {
        let earliest: Vec<Vec<u8>> = redis::cmd("ZRANGE")
            .arg(chunks_key(sid))
            .arg(0)
            .arg(FIRST_CHUNKS - 1)
            .query(connection)?;
        for member in &earliest {
            if let Some(t0) = member.get(8..16).and_then(|b| b.try_into().ok()) {
                first = first.min(f64::from_le_bytes(t0));
            }
        }
        let newest: Vec<(Vec<u8>, f64)> = redis::cmd("ZRANGE")
            .arg(chunks_key(sid))
            .arg(-1)
            .arg(-1)
            .arg("WITHSCORES")
            .query(connection)?;
        if let Some((_, t1)) = newest.first() {
            last = last.max(*t1);
        }
    }
    let widgets: Vec<String> = redis::cmd("ZRANGE")
        .arg(key("widget_order"))
        .arg(0)
        .arg(-1)
        .query(connection)?;
    for widget in widgets {
        for (command, from, to) in [("XRANGE", "-", "+"), ("XREVRANGE", "+", "-")] {
            let entry: Vec<(String, HashMap<String, String>)> = redis::cmd(command)
                .arg(changes_key(&widget))
                .arg(from)
                .arg(to)
                .arg("COUNT")
                .arg(1)
                .query(connection)?;
            if let Some(ms) = entry
                .first()
                .and_then(|(id, _)| id.split('-').next()?.parse::<f64>().ok())
            {
                first = first.min(ms);
                last = last.max(ms);
            }
        }
    }
    Ok((first <= last).then_some((first, last)))
}
