//! A series' points in Redis: a stream per series (`points:{sid}`), one entry per chunk
//! (`store/codec.rs`), bounded in time by the retention (`XTRIM … MINID`).
//!
//! An entry's id is never earlier than its chunk's newest point (`ms ≥ t1`, and after the
//! series' last id): so reading back from the end may stop at the first id older than the points
//! it still wants, and trimming ids older than the cutoff takes no newer point. A chunk that
//! arrives late (its points older than the series' last id) takes an id after it; how late, at
//! most, is kept per series (`lateness`: id ms − oldest point), so a range read knows where its
//! chunks end. Ids are chosen by the writer with the streams it adds to `WATCH`ed: another
//! server adding to one first makes the transaction store nothing, and it is tried again.
//!
//! Keys (under `streamviz:`): `points:{sid}` (stream, field `c`: oldest time f64, newest time
//! f64, point count u32, the encoded points), `points_top` (hash sid → the last id given, which
//! trimming does not lower), `lateness` (sorted set sid → ms).

use std::collections::HashMap;
use std::fmt;

use redis::{Connection, Pipeline, Value};

use super::conn::key;
use crate::clock::stream_id;
use crate::store::chunking::Chunk;
use crate::store::codec::{decode, keep_newest, Newest};

/// Most entries read at once; reading back from the end starts with [`FIRST_PAGE`] and grows
/// (the newest points are usually in the last few chunks).
const PAGE: usize = 256;
const FIRST_PAGE: usize = 4;
/// Bytes before an entry's points: oldest time, newest time, count.
const HEADER: usize = 20;

/// Why a read of points failed.
pub(super) type ReadError = crate::store::error::ReadError<redis::RedisError>;

/// The stream of a series' chunks.
pub(super) fn points_key(sid: i64) -> String {
    format!("{}points:{sid}", super::conn::PREFIX)
}

fn top_key() -> String {
    key("points_top")
}

fn lateness_key() -> String {
    key("lateness")
}

/// A stream entry's id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct EntryId {
    ms: u64,
    seq: u64,
}

impl EntryId {
    /// `<ms>-<seq>`, as Redis writes ids.
    fn parse(text: &str) -> Option<Self> {
        text.contains('-').then(|| {
            let (ms, seq) = stream_id(text);
            Self { ms, seq }
        })
    }

    /// The id of a chunk whose newest point is at `t1`, stored after `self` (an empty stream's
    /// is `0-0`, which no entry may take).
    fn next(self, t1: f64) -> Self {
        let ms = t1.max(0.0).ceil() as u64;
        if ms > self.ms {
            Self { ms, seq: 0 }
        } else {
            Self {
                ms: self.ms,
                seq: self.seq + 1,
            }
        }
    }
}

impl fmt::Display for EntryId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// An entry's bytes.
fn entry(chunk: &Chunk) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER + chunk.data.len());
    bytes.extend_from_slice(&chunk.t0.to_le_bytes());
    bytes.extend_from_slice(&chunk.t1.to_le_bytes());
    bytes.extend_from_slice(&(chunk.n as u32).to_le_bytes());
    bytes.extend_from_slice(&chunk.data);
    bytes
}

/// A stored chunk read back.
struct StoredChunk {
    t0: f64,
    t1: f64,
    points: Vec<(f64, f64)>,
}

/// An entry's oldest and newest time.
fn times(bytes: &[u8]) -> Result<(f64, f64), ReadError> {
    let time = |at: usize| -> Result<f64, ReadError> {
        bytes
            .get(at..at + 8)
            .and_then(|b| b.try_into().ok())
            .map(f64::from_le_bytes)
            .ok_or(ReadError::Damaged)
    };
    Ok((time(0)?, time(8)?))
}

/// An entry's chunk, its points older than `purged_before` left out.
fn chunk(bytes: &[u8], purged_before: f64) -> Result<StoredChunk, ReadError> {
    let (t0, t1) = times(bytes)?;
    let n = bytes
        .get(16..HEADER)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(ReadError::Damaged)?;
    let mut points = Vec::new();
    decode(i64::from(n), &bytes[HEADER..], &mut points).ok_or(ReadError::Damaged)?;
    if t0 < purged_before {
        points.retain(|p| p.0 >= purged_before);
    }
    Ok(StoredChunk { t0, t1, points })
}

/// The ids `chunks` take, in order; the streams they go to are `WATCH`ed first (one round trip).
pub(super) fn place(
    connection: &mut Connection,
    chunks: Vec<Chunk>,
) -> redis::RedisResult<Vec<(EntryId, Chunk)>> {
    let mut sids: Vec<i64> = chunks.iter().map(|chunk| chunk.sid).collect();
    sids.sort_unstable();
    sids.dedup();
    if sids.is_empty() {
        return Ok(Vec::new());
    }
    let mut pipe = redis::pipe();
    pipe.cmd("WATCH");
    for sid in &sids {
        pipe.arg(points_key(*sid));
    }
    pipe.ignore().cmd("HMGET").arg(top_key()).arg(&sids);
    let (tops,): (Vec<Option<String>>,) = pipe.query(connection)?;
    let mut top: HashMap<i64, EntryId> = sids
        .iter()
        .zip(tops)
        .map(|(sid, id)| {
            (
                *sid,
                id.as_deref().and_then(EntryId::parse).unwrap_or_default(),
            )
        })
        .collect();
    Ok(chunks
        .into_iter()
        .map(|chunk| {
            let last = top.entry(chunk.sid).or_default();
            *last = last.next(chunk.t1);
            (*last, chunk)
        })
        .collect())
}

/// Queue in `pipe` the entries of `placed`, and each series' last id and lateness.
pub(super) fn queue(pipe: &mut Pipeline, placed: &[(EntryId, Chunk)]) {
    let mut last: HashMap<i64, (EntryId, f64)> = HashMap::new();
    for (id, chunk) in placed {
        pipe.cmd("XADD")
            .arg(points_key(chunk.sid))
            .arg(id.to_string())
            .arg("c")
            .arg(entry(chunk))
            .ignore();
        let late = (id.ms as f64 - chunk.t0.floor()).max(0.0);
        let series = last.entry(chunk.sid).or_insert((*id, late));
        *series = (series.0.max(*id), series.1.max(late));
    }
    for (sid, (id, late)) in last {
        pipe.hset(top_key(), sid, id.to_string()).ignore();
        pipe.cmd("ZADD")
            .arg(lateness_key())
            .arg("GT")
            .arg(late)
            .arg(sid)
            .ignore();
    }
}

/// Queue in `pipe` deleting a series' points (its widget was cleared).
pub(super) fn delete(pipe: &mut Pipeline, sid: i64) {
    pipe.del(points_key(sid)).ignore();
    pipe.hdel(top_key(), sid).ignore();
    pipe.zrem(lateness_key(), sid).ignore();
}

/// Queue in `pipe` trimming a series' entries whose every point is older than `cutoff`.
pub(super) fn trim(pipe: &mut Pipeline, sid: i64, cutoff: f64) {
    pipe.cmd("XTRIM")
        .arg(points_key(sid))
        .arg("MINID")
        .arg(cutoff.max(0.0) as u64)
        .ignore();
}

/// At most `count` of a stream's entries from `start` to `end` (back from the end with
/// `XREVRANGE`, when `back`): (id, bytes). An entry without its field is left out.
fn page(
    connection: &mut Connection,
    sid: i64,
    (start, end): (&str, &str),
    back: bool,
    count: usize,
) -> redis::RedisResult<Vec<(EntryId, Vec<u8>)>> {
    let reply: Value = redis::cmd(if back { "XREVRANGE" } else { "XRANGE" })
        .arg(points_key(sid))
        .arg(start)
        .arg(end)
        .arg("COUNT")
        .arg(count)
        .query(connection)?;
    let Value::Array(entries) = reply else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(mut parts) = entry else {
            continue;
        };
        let (Some(Value::Array(fields)), Some(Value::BulkString(id))) = (parts.pop(), parts.pop())
        else {
            continue;
        };
        let id = EntryId::parse(&String::from_utf8_lossy(&id)).unwrap_or_default();
        let mut fields = fields.into_iter();
        while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
            if let (Value::BulkString(name), Value::BulkString(bytes)) = (name, value) {
                if name == b"c" {
                    out.push((id, bytes));
                }
            }
        }
    }
    Ok(out)
}

/// The newest `limit` points of series `sid`, in time order, read back from the stream's end
/// until an id is older than the oldest point wanted.
pub(super) fn newest(
    connection: &mut Connection,
    sid: i64,
    limit: usize,
    purged_before: f64,
) -> Result<Vec<(f64, f64)>, ReadError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let mut newest = Newest::new(limit);
    let mut from = "+".to_owned();
    // Read newest first: the reverse of the order they were stored in.
    let mut order = 0_i64;
    let mut count = FIRST_PAGE;
    'pages: loop {
        let entries = page(connection, sid, (&from, "-"), true, count)?;
        for (id, bytes) in &entries {
            // No point of this entry or an earlier one is newer than its id.
            if !newest.wants(id.ms as f64) {
                break 'pages;
            }
            let chunk = chunk(bytes, purged_before)?;
            if newest.wants(chunk.t1) {
                order -= 1;
                newest.take(order, chunk.points);
            }
            from = format!("({id}");
        }
        if entries.len() < count {
            break;
        }
        count = (count * 4).min(PAGE);
    }
    let mut out = newest.finish();
    keep_newest(&mut out, limit);
    Ok(out)
}

/// The points of series `sid` with `from <= ts < to`, in time order, at most `limit` (the
/// oldest): the entries from `from` (no chunk with a point since then has an earlier id) to
/// `to` and the series' lateness (none with a point before `to` has a later id).
pub(super) fn range(
    connection: &mut Connection,
    sid: i64,
    (from, to): (f64, f64),
    limit: usize,
    purged_before: f64,
) -> Result<Vec<(f64, f64)>, ReadError> {
    let late: Option<f64> = redis::cmd("ZSCORE")
        .arg(lateness_key())
        .arg(sid)
        .query(connection)?;
    let end = to + late.unwrap_or(0.0);
    let end = if end.is_finite() {
        format!("{}", end.max(0.0).ceil() as u64)
    } else {
        "+".to_owned()
    };
    let mut start = if from.is_finite() {
        format!("{}", from.max(0.0).floor() as u64)
    } else {
        "-".to_owned()
    };
    let mut out: Vec<(f64, f64)> = Vec::new();
    loop {
        let entries = page(connection, sid, (&start, &end), false, PAGE)?;
        for (id, bytes) in &entries {
            let chunk = chunk(bytes, purged_before)?;
            if chunk.t1 >= from && chunk.t0 < to {
                out.extend(chunk.points.iter().filter(|p| p.0 >= from && p.0 < to));
            }
            start = format!("({id}");
        }
        if entries.len() < PAGE || out.len() > limit.saturating_mul(2) {
            break;
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.truncate(limit);
    Ok(out)
}

/// The earliest point among a series' first `first` entries, and its newest point (read back
/// until an id is older than the newest point found): `None` for an empty series.
pub(super) fn span(
    connection: &mut Connection,
    sid: i64,
    first: usize,
) -> Result<Option<(f64, f64)>, ReadError> {
    let mut earliest = f64::INFINITY;
    for (_, bytes) in page(connection, sid, ("-", "+"), false, first)? {
        earliest = earliest.min(times(&bytes)?.0);
    }
    let mut latest = f64::NEG_INFINITY;
    let mut from = "+".to_owned();
    let mut count = FIRST_PAGE;
    'pages: loop {
        let entries = page(connection, sid, (&from, "-"), true, count)?;
        for (id, bytes) in &entries {
            if (id.ms as f64) < latest {
                break 'pages;
            }
            latest = latest.max(times(bytes)?.1);
            from = format!("({id}");
        }
        if entries.len() < count {
            break;
        }
        count = (count * 4).min(PAGE);
    }
    Ok((earliest <= latest).then_some((earliest, latest)))
}

#[cfg(test)]
mod tests {
    use super::EntryId;

    #[test]
    fn an_entry_id_is_never_before_its_newest_point_nor_its_series_last_id() {
        let empty = EntryId::default();
        assert_eq!(
            empty.next(0.0).to_string(),
            "0-1",
            "0-0 is taken by no entry"
        );
        let first = empty.next(1_700_000_000_000.4);
        assert_eq!(first.to_string(), "1700000000001-0");
        // A chunk arriving late takes the next id after the last.
        assert_eq!(first.next(5.0).to_string(), "1700000000001-1");
        assert_eq!(
            first.next(1_700_000_000_002.0).to_string(),
            "1700000000002-0"
        );
        assert_eq!(EntryId::parse("12-3"), Some(EntryId { ms: 12, seq: 3 }));
        assert_eq!(EntryId::parse("12"), None);
        assert!(EntryId::parse("12-4") > EntryId::parse("12-3"));
        assert!(EntryId::parse("13-0") > EntryId::parse("12-9"));
    }
}
