//! Points stored in chunks: the points of one series gathered in one write, up to
//! [`MAX_CHUNK_POINTS`], as one row of `chunks` whose `data` holds the timestamps and then the
//! values, each a little-endian `f64` (NaN a gap). A row per point cost the writer ~1 µs a point,
//! a whole core at a million points a second; a chunk costs a copy. Databases written before
//! chunks (schema 1) keep their rows in `points`, read alongside.

use rusqlite::{params, Connection, Transaction};

use crate::store::codec::{decode, keep_newest, trim_older, Newest};

fn damaged() -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(
        0,
        "a chunk of points cut short".into(),
        rusqlite::types::Type::Blob,
    )
}

/// Whether the database has the `chunks` table (a schema-1 file opened read-only has not).
pub(super) fn has_chunks(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'chunks'",
        [],
        |row| row.get::<_, i64>(0),
    )
    .map(|n| n > 0)
}

/// The points of a series with `from <= ts < to`, in time order (points of equal time in the
/// order they were stored), at most `limit` (the oldest).
pub(super) fn range(
    conn: &Connection,
    (widget, series): (&str, &str),
    (from, to): (f64, f64),
    limit: usize,
) -> rusqlite::Result<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let within = |t: f64| t >= from && t < to;
    if has_chunks(conn)? {
        let mut statement = conn.prepare_cached(
            "SELECT c.n, c.data FROM chunks c JOIN series s ON c.sid = s.sid \
             WHERE s.widget = ?1 AND s.name = ?2 AND c.t1 >= ?3 AND c.t0 < ?4 ORDER BY c.rowid",
        )?;
        let mut rows = statement.query(params![widget, series, from, to])?;
        let mut points = Vec::new();
        while let Some(row) = rows.next()? {
            points.clear();
            decode(row.get(0)?, row.get_ref(1)?.as_blob()?, &mut points).ok_or_else(damaged)?;
            out.extend(points.iter().filter(|p| within(p.0)));
            if out.len() >= limit.saturating_mul(2) {
                keep_oldest(&mut out, limit);
            }
        }
    }
    let mut statement = conn.prepare_cached(
        "SELECT p.ts_ms, p.value FROM points p JOIN series s ON p.sid = s.sid \
         WHERE s.widget = ?1 AND s.name = ?2 AND p.ts_ms >= ?3 AND p.ts_ms < ?4 \
         ORDER BY p.ts_ms LIMIT ?5",
    )?;
    let rows = statement.query_map(
        params![widget, series, from, to, limit as i64],
        legacy_point,
    )?;
    for row in rows {
        out.push(row?);
    }
    keep_oldest(&mut out, limit);
    Ok(out)
}

/// A row `(ts_ms, value)` of version 1's `points` (a NULL value is a gap).
fn legacy_point(row: &rusqlite::Row<'_>) -> rusqlite::Result<(f64, f64)> {
    Ok((
        row.get(0)?,
        row.get::<_, Option<f64>>(1)?.unwrap_or(f64::NAN),
    ))
}

/// Sort by time (stable) and keep the oldest `limit`.
fn keep_oldest(points: &mut Vec<(f64, f64)>, limit: usize) {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    points.truncate(limit);
}

/// The newest `limit` points of series `sid`, in time order.
pub(super) fn newest(
    conn: &Connection,
    sid: i64,
    limit: usize,
) -> rusqlite::Result<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    if limit == 0 {
        return Ok(out);
    }
    if has_chunks(conn)? {
        let mut statement = conn.prepare_cached(
            "SELECT rowid, t1, n, data FROM chunks WHERE sid = ?1 ORDER BY t1 DESC, rowid DESC",
        )?;
        let mut rows = statement.query(params![sid])?;
        let mut newest = Newest::new(limit);
        while let Some(row) = rows.next()? {
            if !newest.wants(row.get(1)?) {
                break;
            }
            let mut points = Vec::new();
            decode(row.get(2)?, row.get_ref(3)?.as_blob()?, &mut points).ok_or_else(damaged)?;
            newest.take(row.get(0)?, points);
        }
        out = newest.finish();
    }
    let mut statement = conn.prepare_cached(
        "SELECT ts_ms, value FROM points WHERE sid = ?1 ORDER BY ts_ms DESC LIMIT ?2",
    )?;
    let rows = statement.query_map(params![sid, limit as i64], legacy_point)?;
    let mut legacy = rows.collect::<rusqlite::Result<Vec<_>>>()?;
    legacy.reverse();
    legacy.append(&mut out);
    let mut out = legacy;
    keep_newest(&mut out, limit);
    Ok(out)
}

/// Delete the points of the series of `widget`.
pub(super) fn delete_widget(tx: &Transaction<'_>, widget: &str) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM points WHERE sid IN (SELECT sid FROM series WHERE widget = ?1)",
        params![widget],
    )?;
    tx.execute(
        "DELETE FROM chunks WHERE sid IN (SELECT sid FROM series WHERE widget = ?1)",
        params![widget],
    )?;
    Ok(())
}

/// Delete points older than `cutoff`: whole chunks, and the older part of a chunk that spans it.
pub(super) fn purge(tx: &Transaction<'_>, cutoff: f64) -> rusqlite::Result<()> {
    tx.execute("DELETE FROM points WHERE ts_ms < ?1", params![cutoff])?;
    tx.execute(
        "DELETE FROM chunks WHERE t0 < ?1 AND t1 < ?1",
        params![cutoff],
    )?;
    let spanning: Vec<(i64, i64, Vec<u8>)> = tx
        .prepare("SELECT rowid, n, data FROM chunks WHERE t0 < ?1")?
        .query_map(params![cutoff], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (rowid, n, data) in spanning {
        let (t0, n, data) = trim_older(n, &data, cutoff).ok_or_else(damaged)?;
        tx.execute(
            "UPDATE chunks SET t0 = ?2, n = ?3, data = ?4 WHERE rowid = ?1",
            params![rowid, t0, n as i64, data],
        )?;
    }
    Ok(())
}

/// The earliest and latest stored point times, `None` when there are none.
pub(super) fn span(conn: &Connection) -> rusqlite::Result<(Option<f64>, Option<f64>)> {
    let chunks = if has_chunks(conn)? {
        "UNION ALL SELECT min(t0), max(t1) FROM chunks"
    } else {
        ""
    };
    conn.query_row(
        &format!(
            "SELECT min(lo), max(hi) FROM (SELECT min(ts_ms) AS lo, max(ts_ms) AS hi FROM points \
             {chunks} UNION ALL SELECT min(ts_ms), max(ts_ms) FROM changes)"
        ),
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::store::codec::{encode, RAW};

    #[test]
    fn a_chunk_reads_back_what_was_written_and_a_cut_one_is_refused() {
        let ts: Vec<f64> = (0..1000).map(|i| 1.7e12 + f64::from(i) * 0.25).collect();
        let mut values: Vec<f64> = (0..1000).map(|i| f64::from(i % 7) * 1.5).collect();
        values[3] = f64::NAN;
        let data = encode(&ts, &values);
        assert!(
            data.len() < 16 * 1000 / 4,
            "shuffled and compressed: {} bytes",
            data.len()
        );
        let mut out = Vec::new();
        decode(1000, &data, &mut out).unwrap();
        assert_eq!(out.len(), 1000);
        assert!(out[3].1.is_nan());
        for (i, p) in out.iter().enumerate().filter(|(i, _)| *i != 3) {
            assert_eq!(*p, (ts[i], values[i]));
        }
        // The raw layout reads too.
        let mut raw = vec![RAW];
        for x in ts.iter().chain(&values) {
            raw.extend_from_slice(&x.to_le_bytes());
        }
        let mut again = Vec::new();
        decode(1000, &raw, &mut again).unwrap();
        assert_eq!(again[10], out[10]);
        for cut in [&data[..data.len() - 1], &raw[..raw.len() - 1], &data[..0]] {
            assert!(decode(1000, cut, &mut Vec::new()).is_none());
        }
        assert!(decode(999, &raw, &mut Vec::new()).is_none());
        assert!(decode(-1, &data, &mut Vec::new()).is_none());
        assert!(
            decode(1000, &[7, 0, 0], &mut Vec::new()).is_none(),
            "an unknown codec"
        );
    }
}
