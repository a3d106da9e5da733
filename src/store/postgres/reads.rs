//! Reading a PostgreSQL store: what loading its dashboard needs ([`StoredDashboard`]), and its
//! [`History`] for range queries, replays and alerts as of a time, on a connection of its own.

use std::sync::Mutex;

use postgres::Client;

use super::conn::{connect, error, Pg};
use crate::engine::alert::{AlertsView, Transition, MAX_RECENT};
use crate::history::{History, HistoryError, MAX_HISTORY_POINTS};
use crate::store::codec::{decode, keep_newest, Newest};
use crate::store::error::StoreError;
use crate::store::restore::{SeriesKey, StoredDashboard, StoredOps, MAX_CHANGES_READ};

impl StoredDashboard for Pg {
    fn meta(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .client
            .query_opt("SELECT value FROM streamviz_meta WHERE key = $1", &[&key])
            .map_err(|err| self.error(err))?;
        Ok(row.map(|row| row.get(0)))
    }

    fn widgets(&mut self) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = self
            .client
            .query(
                "SELECT id, kind, options FROM streamviz_widgets ORDER BY seq",
                &[],
            )
            .map_err(|err| self.error(err))?;
        Ok(rows
            .iter()
            .map(|row| (row.get(0), row.get(1), row.get(2)))
            .collect())
    }

    fn series(&mut self) -> Result<Vec<(SeriesKey, i64)>, StoreError> {
        Ok(self
            .series
            .iter()
            .map(|(key, sid)| (key.clone(), *sid))
            .collect())
    }

    fn newest(&mut self, sid: i64, limit: usize) -> Result<Vec<(f64, f64)>, StoreError> {
        let location = self.location.clone();
        newest(&mut self.client, sid, limit).map_err(|err| err.into_store(&location, error))
    }

    fn changes(&mut self, widget: &str, until: Option<f64>) -> Result<StoredOps, StoreError> {
        let location = self.location.clone();
        stored_changes(&mut self.client, widget, until).map_err(|err| error(&location, err))
    }

    fn alerts(&mut self, until: Option<f64>) -> Result<AlertsView, StoreError> {
        let location = self.location.clone();
        alerts(&mut self.client, until).map_err(|err| error(&location, err))
    }

    fn damaged(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            path: self.location.clone(),
            reason,
        }
    }
}

/// Why a read of points failed.
type ReadError = crate::store::error::ReadError<postgres::Error>;

/// The newest `limit` points of series `sid`, in time order (newest-ending chunks first, as
/// [`Newest`] takes them).
fn newest(client: &mut Client, sid: i64, limit: usize) -> Result<Vec<(f64, f64)>, ReadError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    let rows = client.query(
        "SELECT id, t1, n, data FROM streamviz_chunks WHERE sid = $1 ORDER BY t1 DESC, id DESC",
        &[&sid],
    )?;
    let mut newest = Newest::new(limit);
    for row in rows {
        if !newest.wants(row.get(1)) {
            break;
        }
        let mut points = Vec::new();
        let n: i32 = row.get(2);
        decode(i64::from(n), row.get(3), &mut points).ok_or(ReadError::Damaged)?;
        newest.take(row.get(0), points);
    }
    let mut out = newest.finish();
    keep_newest(&mut out, limit);
    Ok(out)
}

/// The points of a series with `from <= ts < to`, in time order, at most `limit` (the oldest).
fn range(
    client: &mut Client,
    (widget, series): (&str, &str),
    (from, to): (f64, f64),
    limit: usize,
) -> Result<Vec<(f64, f64)>, ReadError> {
    let rows = client.query(
        "SELECT c.n, c.data FROM streamviz_chunks c JOIN streamviz_series s ON c.sid = s.sid \
         WHERE s.widget = $1 AND s.name = $2 AND c.t1 >= $3 AND c.t0 < $4 ORDER BY c.id",
        &[&widget, &series, &from, &to],
    )?;
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut points = Vec::new();
    for row in rows {
        points.clear();
        let n: i32 = row.get(0);
        decode(i64::from(n), row.get(1), &mut points).ok_or(ReadError::Damaged)?;
        out.extend(points.iter().filter(|p| p.0 >= from && p.0 < to));
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.truncate(limit);
    Ok(out)
}

/// A widget's newest snapshot (stored at or before `until`) and the changes after it.
fn stored_changes(
    client: &mut Client,
    widget: &str,
    until: Option<f64>,
) -> Result<StoredOps, postgres::Error> {
    let until = until.unwrap_or(f64::INFINITY);
    let snapshot = client.query_opt(
        "SELECT change_id, ops FROM streamviz_snapshots WHERE widget = $1 AND ts_ms <= $2 \
         ORDER BY change_id DESC LIMIT 1",
        &[&widget, &until],
    )?;
    let (after, mut ops) = match snapshot {
        Some(row) => (row.get::<_, i64>(0), vec![row.get::<_, String>(1)]),
        None => (0, Vec::new()),
    };
    let rows = client.query(
        "SELECT '[' || change || ']' FROM streamviz_changes \
         WHERE widget = $1 AND id > $2 AND ts_ms <= $3 ORDER BY id LIMIT $4",
        &[&widget, &after, &until, &(MAX_CHANGES_READ as i64)],
    )?;
    let before = ops.len();
    ops.extend(rows.iter().map(|row| row.get::<_, String>(0)));
    let changes = (ops.len() - before) as u64;
    Ok(StoredOps { ops, changes })
}

/// The alerts as they stood at `until`: each rule's state from its last transition then, and
/// the recent transitions up to then.
fn alerts(client: &mut Client, until: Option<f64>) -> Result<AlertsView, postgres::Error> {
    let until = until.unwrap_or(f64::INFINITY);
    let parse = |text: String| serde_json::from_str::<Transition>(&text).ok();
    let last = client.query(
        "SELECT transition FROM streamviz_alert_transitions WHERE id IN \
         (SELECT max(id) FROM streamviz_alert_transitions WHERE ts_ms <= $1 GROUP BY rule) ORDER BY id",
        &[&until],
    )?;
    let states = last
        .iter()
        .filter_map(|row| parse(row.get(0)))
        .map(|t| t.status())
        .collect();
    let recent = client.query(
        "SELECT transition FROM (SELECT id, transition FROM streamviz_alert_transitions \
         WHERE ts_ms <= $1 ORDER BY id DESC LIMIT $2) r ORDER BY id",
        &[&until, &(MAX_RECENT as i64)],
    )?;
    let transitions = recent.iter().filter_map(|row| parse(row.get(0))).collect();
    Ok(AlertsView {
        states,
        transitions,
    })
}

/// The database's history, read on a connection of its own (connected again when the server
/// went away).
pub(super) struct PgHistory {
    /// `None` once dropped.
    pub(super) client: Mutex<Option<Client>>,
    pub(super) url: String,
    pub(super) location: String,
}

impl PgHistory {
    fn read<T>(
        &self,
        read: impl FnOnce(&mut Client) -> Result<T, ReadError>,
    ) -> Result<T, HistoryError> {
        let mut slot = self
            .client
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.as_ref().is_none_or(Client::is_closed) {
            *slot =
                Some(connect(&self.url, &self.location).map_err(|e| HistoryError(e.to_string()))?);
        }
        let Some(client) = slot.as_mut() else {
            return Err(HistoryError("no connection to PostgreSQL".into()));
        };
        read(client).map_err(|err| HistoryError(err.into_store(&self.location, error).to_string()))
    }
}

impl Drop for PgHistory {
    fn drop(&mut self) {
        // Closing a client blocks on a runtime of its own, which panics on a thread that drives
        // an async runtime (a server dropping its options): close it on a thread of its own.
        let client = self
            .client
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(client) = client {
            if let Ok(closing) = std::thread::Builder::new()
                .name("streamviz-pg-close".into())
                .spawn(move || drop(client))
            {
                let _ = closing.join();
            }
        }
    }
}

impl History for PgHistory {
    fn points(
        &self,
        widget: &str,
        series: &str,
        from: f64,
        to: f64,
    ) -> Result<Vec<(f64, f64)>, HistoryError> {
        self.read(|client| range(client, (widget, series), (from, to), MAX_HISTORY_POINTS))
    }

    fn changes(&self, widget: &str, until: f64) -> Result<Vec<String>, HistoryError> {
        self.read(|client| Ok(stored_changes(client, widget, Some(until))?.ops))
    }

    fn alerts(&self, until: f64) -> Result<AlertsView, HistoryError> {
        self.read(|client| Ok(alerts(client, Some(until))?))
    }
}
