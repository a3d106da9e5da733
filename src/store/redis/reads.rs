//! Reading a Redis store: what loading its dashboard needs ([`StoredDashboard`]), and its
//! [`History`] for range queries and alerts as of a time, on a connection of its own.

use std::collections::HashMap;
use std::sync::Mutex;

use redis::{Client, Connection};

use super::conn::{changes_key, connect, error, key, series_field, RedisStore};
use super::points::{self, ReadError};
use super::tables;
use crate::clock::stream_id;
use crate::engine::alert::{AlertsView, Transition, MAX_RECENT};
use crate::engine::WidgetKind;
use crate::history::{History, HistoryError, MAX_HISTORY_POINTS};
use crate::store::error::StoreError;
use crate::store::restore::{SeriesKey, StoredDashboard, StoredOps, MAX_CHANGES_READ};

/// Chunks or entries read at once.
const PAGE: usize = 256;

impl StoredDashboard for RedisStore {
    fn meta(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let location = self.location.clone();
        let found: redis::RedisResult<Option<String>> = redis::cmd("HGET")
            .arg(key("meta"))
            .arg(name)
            .query(self.connection()?);
        found.map_err(|err| error(&location, &err))
    }

    fn widgets(&mut self) -> Result<Vec<(String, String, String)>, StoreError> {
        let location = self.location.clone();
        let connection = self.connection()?;
        let mut read = || -> redis::RedisResult<Vec<(String, String, String)>> {
            let order: Vec<String> = redis::cmd("ZRANGE")
                .arg(key("widget_order"))
                .arg(0)
                .arg(-1)
                .query(connection)?;
            let specs: HashMap<String, String> = redis::cmd("HGETALL")
                .arg(key("widgets"))
                .query(connection)?;
            Ok(order
                .into_iter()
                .filter_map(|id| {
                    let entry: serde_json::Value = serde_json::from_str(specs.get(&id)?).ok()?;
                    let kind = entry.get(0)?.as_str()?.to_owned();
                    let options = entry.get(1)?.to_string();
                    Some((id, kind, options))
                })
                .collect())
        };
        let widgets = read().map_err(|err| error(&location, &err))?;
        self.tables = widgets
            .iter()
            .filter(|(_, kind, _)| kind == WidgetKind::Table.name())
            .map(|(id, _, _)| id.clone())
            .collect();
        Ok(widgets)
    }

    fn series(&mut self) -> Result<Vec<(SeriesKey, i64)>, StoreError> {
        Ok(self
            .series
            .iter()
            .map(|(key, sid)| (key.clone(), *sid))
            .collect())
    }

    fn newest(&mut self, sid: i64, limit: usize) -> Result<Vec<(f64, f64)>, StoreError> {
        self.renew_hold()?;
        let location = self.location.clone();
        let connection = self.connection()?;
        newest(connection, sid, limit).map_err(|err| err.into_store(&location, |l, e| error(l, &e)))
    }

    fn changes(&mut self, widget: &str, until: Option<f64>) -> Result<StoredOps, StoreError> {
        self.renew_hold()?;
        self.connection()?;
        let location = self.location.clone();
        let table = self.tables.contains(widget);
        let unhashed = &mut self.unhashed;
        let Some(connection) = self.connection.as_mut() else {
            return Err(StoreError::Open {
                path: location,
                reason: "no connection".into(),
            });
        };
        let mut read = || -> redis::RedisResult<StoredOps> {
            // A table loads from its rows; anything else, or a table as of a time, from its
            // newest snapshot and the changes after it.
            if table && until.is_none() {
                if let Some(rows) = tables::state(connection, widget)? {
                    return Ok(StoredOps {
                        ops: vec![rows],
                        changes: 0,
                    });
                }
                unhashed.push(widget.to_owned());
            }
            stored_changes(connection, widget, until)
        };
        read().map_err(|err| error(&location, &err))
    }

    fn alerts(&mut self, until: Option<f64>) -> Result<AlertsView, StoreError> {
        let location = self.location.clone();
        let connection = self.connection()?;
        alerts(connection, until).map_err(|err| error(&location, &err))
    }

    fn damaged(&self, reason: String) -> StoreError {
        StoreError::Corrupt {
            path: self.location.clone(),
            reason,
        }
    }
}

impl RedisStore {
    /// While loading, keep the hold on the other servers' writes.
    fn renew_hold(&mut self) -> Result<(), StoreError> {
        let Some(mut held) = self.hold.take() else {
            return Ok(());
        };
        let renewed = held.renew(self.connection()?);
        self.hold = Some(held);
        renewed.map_err(|err| self.failed(&err))
    }
}

/// Before when points are gone (`purge`), as epoch ms.
fn purged_before(connection: &mut Connection) -> redis::RedisResult<f64> {
    let found: Option<f64> = redis::cmd("HGET")
        .arg(key("meta"))
        .arg("purged_before")
        .query(connection)?;
    Ok(found.unwrap_or(f64::NEG_INFINITY))
}

/// The newest `limit` points of series `sid`, in time order.
fn newest(
    connection: &mut Connection,
    sid: i64,
    limit: usize,
) -> Result<Vec<(f64, f64)>, ReadError> {
    let purged = purged_before(connection)?;
    points::newest(connection, sid, limit, purged)
}

/// The points of a series with `from <= ts < to`, in time order, at most `limit` (the oldest).
fn range(
    connection: &mut Connection,
    (widget, series): (&str, &str),
    (from, to): (f64, f64),
    limit: usize,
) -> Result<Vec<(f64, f64)>, ReadError> {
    let sid: Option<i64> = redis::cmd("HGET")
        .arg(key("series"))
        .arg(series_field(widget, series))
        .query(connection)?;
    let Some(sid) = sid else {
        return Ok(Vec::new());
    };
    let purged = purged_before(connection)?;
    points::range(connection, sid, (from, to), limit, purged)
}

/// A stream entry's id time (ms) and fields.
type Entry = (f64, HashMap<String, String>);

/// Entries of a stream, newest first, from `start` (an id or `+`), at most `count`.
fn entries_back(
    connection: &mut Connection,
    stream: &str,
    start: &str,
    count: usize,
) -> redis::RedisResult<Vec<(String, Entry)>> {
    let reply: Vec<(String, HashMap<String, String>)> = redis::cmd("XREVRANGE")
        .arg(stream)
        .arg(start)
        .arg("-")
        .arg("COUNT")
        .arg(count)
        .query(connection)?;
    Ok(reply
        .into_iter()
        .map(|(id, fields)| {
            let ms = stream_id(&id).0 as f64;
            (id, (ms, fields))
        })
        .collect())
}

/// A widget's newest snapshot (stored at or before `until`) and the changes after it.
fn stored_changes(
    connection: &mut Connection,
    widget: &str,
    until: Option<f64>,
) -> redis::RedisResult<StoredOps> {
    let stream = changes_key(widget);
    let start = match until {
        Some(until) if until.is_finite() => format!("{}", until.max(0.0) as u64),
        _ => "+".to_owned(),
    };
    // Back from `until` to the newest snapshot, or to the start.
    let mut back: Vec<String> = Vec::new();
    let mut changes = 0_u64;
    let mut from = start;
    'read: loop {
        let page = entries_back(connection, &stream, &from, PAGE)?;
        let last = page.len() < PAGE;
        for (id, (_, mut fields)) in page {
            let ops = fields.remove("o").unwrap_or_default();
            from = format!("({id}");
            if fields.get("k").is_some_and(|k| k == "s") {
                back.push(ops);
                break 'read;
            }
            back.push(format!("[{ops}]"));
            changes += 1;
            if back.len() >= MAX_CHANGES_READ {
                break 'read;
            }
        }
        if last {
            break;
        }
    }
    back.reverse();
    Ok(StoredOps { ops: back, changes })
}

/// The alerts as they stood at `until`: each rule's state from its last transition then, and
/// the recent transitions up to then.
fn alerts(connection: &mut Connection, until: Option<f64>) -> redis::RedisResult<AlertsView> {
    let parse = |text: &str| serde_json::from_str::<Transition>(text).ok();
    let start = match until {
        Some(until) if until.is_finite() => format!("{}", until.max(0.0) as u64),
        _ => "+".to_owned(),
    };
    let recent = entries_back(connection, &key("alerts"), &start, MAX_RECENT)?;
    let mut transitions: Vec<Transition> = recent
        .iter()
        .filter_map(|(_, (_, fields))| parse(fields.get("t")?))
        .collect();
    transitions.reverse();
    // Each rule's last transition: from `alert_last` when it is not after `until`, else from the
    // stream read back to it.
    let last: HashMap<String, String> = redis::cmd("HGETALL")
        .arg(key("alert_last"))
        .query(connection)?;
    let until = until.unwrap_or(f64::INFINITY);
    let mut states: Vec<Transition> = Vec::new();
    for text in last.values() {
        let Some(transition) = parse(text) else {
            continue;
        };
        if transition.ts_ms <= until {
            states.push(transition);
        } else if let Some(earlier) = transitions.iter().rev().find(|t| t.rule == transition.rule) {
            states.push(earlier.clone());
        }
    }
    states.sort_by(|a, b| a.ts_ms.total_cmp(&b.ts_ms));
    Ok(AlertsView {
        states: states.iter().map(Transition::status).collect(),
        transitions,
    })
}

/// The store's history, read on a connection of its own (connected again after a failure).
pub(super) struct RedisHistory {
    client: Client,
    connection: Mutex<Option<Connection>>,
    location: String,
}

impl RedisHistory {
    pub(super) fn new(client: Client, location: String) -> Self {
        Self {
            client,
            connection: Mutex::new(None),
            location,
        }
    }

    fn read<T>(
        &self,
        read: impl FnOnce(&mut Connection) -> Result<T, ReadError>,
    ) -> Result<T, HistoryError> {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(
                connect(&self.client, &self.location).map_err(|e| HistoryError(e.to_string()))?,
            );
        }
        let Some(connection) = slot.as_mut() else {
            return Err(HistoryError("no connection to Redis".into()));
        };
        read(connection).map_err(|err| {
            if matches!(&err, ReadError::Query(e) if !matches!(e.kind(), redis::ErrorKind::Server(_))) {
                *slot = None;
            }
            HistoryError(err.into_store(&self.location, |l, e| error(l, &e)).to_string())
        })
    }
}

impl History for RedisHistory {
    fn points(
        &self,
        widget: &str,
        series: &str,
        from: f64,
        to: f64,
    ) -> Result<Vec<(f64, f64)>, HistoryError> {
        self.read(|connection| range(connection, (widget, series), (from, to), MAX_HISTORY_POINTS))
    }

    fn changes(&self, widget: &str, until: f64) -> Result<Vec<String>, HistoryError> {
        self.read(|connection| Ok(stored_changes(connection, widget, Some(until))?.ops))
    }

    fn alerts(&self, until: f64) -> Result<AlertsView, HistoryError> {
        self.read(|connection| Ok(alerts(connection, Some(until))?))
    }
}
