//! A Redis store opened as a recording (`streamviz serve --open redis://...`): its dashboard
//! loaded into a replica engine, its points and changes read on demand. Nothing is written to
//! it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use redis::Connection;

use super::conn::{changes_key, client, connect, error, key, RedisStore};
use super::points::{self, ReadError};
use super::reads::RedisHistory;
use crate::clock::stream_id;
use crate::ingest::Pipeline;
use crate::store::backend::Restored;
use crate::store::error::StoreError;
use crate::store::restore::restore_recording;
use crate::store::Recording;
use crate::urls::without_password;

/// Chunks of a series looked at for its earliest point (those ending first).
const FIRST_CHUNKS: usize = 256;

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
        tables: HashSet::new(),
        unhashed: Vec::new(),
    };
    store.load_series()?;
    let Restored {
        widgets, points, ..
    } = restore_recording(&mut store, pipeline)?;
    let sids: Vec<i64> = store.series.values().copied().collect();
    let connection = store.connection()?;
    let span =
        span(connection, &sids).map_err(|err| err.into_store(&location, |l, e| error(l, &e)))?;
    Ok(Recording {
        widgets,
        points,
        span,
        history: Arc::new(RedisHistory::new(client, location)),
    })
}

/// The first and last time of the stored points (the oldest among the first chunks of each
/// series, the newest of all) and changes (stamped when they were stored).
fn span(connection: &mut Connection, sids: &[i64]) -> Result<Option<(f64, f64)>, ReadError> {
    let (mut first, mut last) = (f64::INFINITY, f64::NEG_INFINITY);
    for &sid in sids {
        if let Some((earliest, latest)) = points::span(connection, sid, FIRST_CHUNKS)? {
            first = first.min(earliest);
            last = last.max(latest);
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
            if let Some(ms) = entry.first().map(|(id, _)| stream_id(id).0 as f64) {
                first = first.min(ms);
                last = last.max(ms);
            }
        }
    }
    Ok((first <= last).then_some((first, last)))
}
