//! A table's rows in Redis as hashes: `rows:{widget}` (row key → the row's JSON) and
//! `row_order:{widget}` (sorted set of row keys by the place each was first inserted at), bound
//! to the table's `max_rows` as the engine bounds it: an upsert replaces a row in place, a new
//! row beyond `max_rows` evicts the oldest inserted, a delete removes one.
//!
//! A write works out what its upserts and deletes do to each stored table from what the store
//! holds (its row count, its oldest rows, whether each key it touches is there), read with the
//! table's keys `WATCH`ed, and queues exactly the rows set, placed and removed in the write's
//! transaction; another server changing the table first makes it try again. New places come
//! from the shared counter, so they follow every place given before. Loading a table reads its
//! rows here; its changes and snapshots stay in its stream of changes too, for replay as of a
//! time.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use redis::{Connection, Pipeline, Value};

use super::conn::{key, PREFIX};
use crate::engine::{Row, Update, WidgetInfo};

/// Rows read at once when loading.
const PAGE: usize = 1024;

fn rows_key(widget: &str) -> String {
    format!("{PREFIX}rows:{widget}")
}

fn order_key(widget: &str) -> String {
    format!("{PREFIX}row_order:{widget}")
}

/// One change of a table's rows.
enum RowOp {
    Upsert(Box<str>, String),
    Delete(Box<str>),
}

/// The row changes of one table in a write, in order.
struct Table {
    widget: Arc<str>,
    max_rows: usize,
    ops: Vec<RowOp>,
}

/// The tables a write changes.
#[derive(Default)]
pub(super) struct TableChanges {
    tables: Vec<Table>,
    by_widget: HashMap<Arc<str>, usize>,
}

impl TableChanges {
    /// Note `update` of widget `info` when it changes a table's rows.
    pub(super) fn note(&mut self, info: &WidgetInfo, update: &Update) {
        let op = match update {
            Update::Upsert { row, .. } => RowOp::Upsert(
                row.key.clone().unwrap_or_default(),
                serde_json::to_string(&row.row).unwrap_or_else(|_| "{}".into()),
            ),
            Update::Delete { key, .. } => RowOp::Delete(key.clone()),
            _ => return,
        };
        let at = *self.by_widget.entry(info.id.clone()).or_insert_with(|| {
            self.tables.push(Table {
                widget: info.id.clone(),
                max_rows: info.max_rows.max(1),
                ops: Vec::new(),
            });
            self.tables.len() - 1
        });
        self.tables[at].ops.push(op);
    }

    /// Queue in `pipe` deleting widget `widget`'s rows (it was cleared): its changes noted
    /// before are moot.
    pub(super) fn clear(&mut self, pipe: &mut Pipeline, widget: &str) {
        if let Some(&at) = self.by_widget.get(widget) {
            self.tables[at].ops.clear();
        }
        pipe.del(rows_key(widget)).ignore();
        pipe.del(order_key(widget)).ignore();
    }

    /// Queue in `pipe` what the noted changes do to each stored table, read from the store
    /// with the tables' keys watched (one round trip).
    pub(super) fn queue(
        self,
        connection: &mut Connection,
        pipe: &mut Pipeline,
    ) -> redis::RedisResult<()> {
        let tables: Vec<Table> = self
            .tables
            .into_iter()
            .filter(|t| !t.ops.is_empty())
            .collect();
        if tables.is_empty() {
            return Ok(());
        }
        let mut reads = redis::pipe();
        let mut upserts = 0;
        let mut touched: Vec<Vec<&str>> = Vec::with_capacity(tables.len());
        for table in &tables {
            let mut keys: Vec<&str> = table
                .ops
                .iter()
                .map(|op| match op {
                    RowOp::Upsert(key, _) | RowOp::Delete(key) => &**key,
                })
                .collect();
            keys.sort_unstable();
            keys.dedup();
            upserts += table
                .ops
                .iter()
                .filter(|op| matches!(op, RowOp::Upsert(..)))
                .count();
            let order = order_key(&table.widget);
            reads
                .cmd("WATCH")
                .arg(rows_key(&table.widget))
                .arg(&order)
                .ignore();
            reads.cmd("ZCARD").arg(&order);
            // The oldest rows this write may evict: one per op at most (a delete may take one
            // of them first).
            reads
                .cmd("ZRANGE")
                .arg(&order)
                .arg(0)
                .arg(table.ops.len() - 1)
                .arg("WITHSCORES");
            reads.cmd("ZMSCORE").arg(&order).arg(&keys);
            touched.push(keys);
        }
        reads.cmd("INCRBY").arg(key("seq")).arg(upserts);
        let replies: Vec<Value> = reads.query(connection)?;
        let mut replies = replies.into_iter();
        let mut next = || replies.next().unwrap_or(Value::Nil);
        let mut stored = Vec::with_capacity(tables.len());
        for keys in touched {
            let count: usize = redis::from_redis_value(next())?;
            let oldest: Vec<(String, f64)> = redis::from_redis_value(next())?;
            let scores: Vec<Option<f64>> = redis::from_redis_value(next())?;
            stored.push((
                count,
                oldest,
                keys.into_iter().zip(scores).collect::<HashMap<_, _>>(),
            ));
        }
        let end: i64 = redis::from_redis_value(next())?;
        let mut places = (end - upserts as i64 + 1..).map(|place| place as f64);
        for (table, (count, mut oldest, scores)) in tables.iter().zip(stored) {
            // A table stored with a larger bound (declared again with a smaller one) has more
            // rows to evict than its changes: read as many oldest rows as that takes, still
            // under the watch.
            let wanted = count.min(table.ops.len() + count.saturating_sub(table.max_rows));
            if oldest.len() < wanted {
                oldest = redis::cmd("ZRANGE")
                    .arg(order_key(&table.widget))
                    .arg(0)
                    .arg(wanted - 1)
                    .arg("WITHSCORES")
                    .query(connection)?;
            }
            let plan = plan(table, count, &oldest, &scores, &mut places);
            plan.queue(pipe, &table.widget);
        }
        Ok(())
    }
}

/// What a write does to one stored table.
#[derive(Debug, Default, PartialEq)]
struct Plan<'a> {
    /// Rows written: (key, JSON).
    rows: Vec<(&'a str, &'a str)>,
    /// Keys placed (new, or inserted again after a delete).
    places: Vec<(&'a str, f64)>,
    /// Keys removed (deleted or evicted).
    removed: Vec<&'a str>,
}

impl Plan<'_> {
    fn queue(&self, pipe: &mut Pipeline, widget: &str) {
        let (rows, order) = (rows_key(widget), order_key(widget));
        if !self.removed.is_empty() {
            pipe.hdel(&rows, &self.removed).ignore();
            pipe.zrem(&order, &self.removed).ignore();
        }
        if !self.places.is_empty() {
            let mut add = redis::cmd("ZADD");
            add.arg(&order);
            for (key, place) in &self.places {
                add.arg(*place).arg(*key);
            }
            pipe.add_command(add).ignore();
        }
        if !self.rows.is_empty() {
            let mut set = redis::cmd("HSET");
            set.arg(&rows);
            for (key, row) in &self.rows {
                set.arg(*key).arg(*row);
            }
            pipe.add_command(set).ignore();
        }
    }
}

/// Work out `table`'s changes on the stored table of `count` rows, whose oldest are `oldest`
/// (key, place; at least as many as the changes) and whose touched keys have the places
/// `scores` (`None`: not there); a new row takes the next of `places`.
fn plan<'a>(
    table: &'a Table,
    count: usize,
    oldest: &'a [(String, f64)],
    scores: &HashMap<&'a str, Option<f64>>,
    places: &mut impl Iterator<Item = f64>,
) -> Plan<'a> {
    let mut before: HashMap<&str, f64> = oldest.iter().map(|(k, p)| (k.as_str(), *p)).collect();
    before.extend(scores.iter().filter_map(|(k, p)| Some((*k, (*p)?))));
    let mut now: HashMap<&str, Option<f64>> = before.iter().map(|(k, p)| (*k, Some(*p))).collect();
    let mut written: HashMap<&str, &str> = HashMap::new();
    let mut queue: VecDeque<(&str, f64)> = oldest.iter().map(|(k, p)| (k.as_str(), *p)).collect();
    let mut count = count;
    for op in &table.ops {
        match op {
            RowOp::Upsert(key, row) => {
                let key = &**key;
                let slot = now.entry(key).or_insert(None);
                written.insert(key, row);
                if slot.is_some() {
                    continue;
                }
                let place = places.next().unwrap_or(f64::MAX);
                *slot = Some(place);
                queue.push_back((key, place));
                count += 1;
                // Beyond the bound the oldest inserted row goes (a place no longer its key's
                // was deleted or inserted again since).
                while count > table.max_rows {
                    let Some((evicted, place)) = queue.pop_front() else {
                        break;
                    };
                    if now.get(evicted) == Some(&Some(place)) {
                        now.insert(evicted, None);
                        written.remove(evicted);
                        count -= 1;
                    }
                }
            }
            RowOp::Delete(key) => {
                if let Some(slot) = now.get_mut(&**key).filter(|slot| slot.is_some()) {
                    *slot = None;
                    written.remove(&**key);
                    count -= 1;
                }
            }
        }
    }
    let mut plan = Plan::default();
    for (key, place) in &now {
        match (before.get(key), place) {
            (Some(_), None) => plan.removed.push(key),
            (Some(was), Some(place)) if was == place => {}
            (_, Some(place)) => plan.places.push((key, *place)),
            (None, None) => {}
        }
        if let (Some(row), Some(_)) = (written.get(key), place) {
            plan.rows.push((key, row));
        }
    }
    plan.rows.sort_unstable();
    plan.places.sort_by(|a, b| a.1.total_cmp(&b.1));
    plan.removed.sort_unstable();
    plan
}

/// Store `rows` (a table loaded from its changes, oldest inserted first) as widget `widget`'s
/// hashes, in one transaction.
pub(super) fn adopt<'a>(
    connection: &mut Connection,
    widget: &str,
    rows: impl Iterator<Item = (&'a str, &'a Row)>,
) -> redis::RedisResult<()> {
    let rows: Vec<(&str, String)> = rows
        .map(|(key, row)| {
            (
                key,
                serde_json::to_string(row).unwrap_or_else(|_| "{}".into()),
            )
        })
        .collect();
    let end: i64 = redis::cmd("INCRBY")
        .arg(key("seq"))
        .arg(rows.len())
        .query(connection)?;
    let first = end - rows.len() as i64 + 1;
    let plan = Plan {
        rows: rows.iter().map(|(key, row)| (*key, row.as_str())).collect(),
        places: rows
            .iter()
            .zip(first..)
            .map(|((key, _), place)| (*key, place as f64))
            .collect(),
        removed: Vec::new(),
    };
    let mut pipe = redis::pipe();
    pipe.atomic()
        .del(rows_key(widget))
        .ignore()
        .del(order_key(widget))
        .ignore();
    plan.queue(&mut pipe, widget);
    pipe.query(connection)
}

/// A stored table's rows as the ops list that loads them (`[{"widget", "upsert": [...]}]`),
/// oldest inserted first; `None` when it has none stored here.
pub(super) fn state(
    connection: &mut Connection,
    widget: &str,
) -> redis::RedisResult<Option<String>> {
    let keys: Vec<String> = redis::cmd("ZRANGE")
        .arg(order_key(widget))
        .arg(0)
        .arg(-1)
        .query(connection)?;
    if keys.is_empty() {
        return Ok(None);
    }
    let mut rows = Vec::with_capacity(keys.len());
    for page in keys.chunks(PAGE) {
        let found: Vec<Option<String>> = redis::cmd("HMGET")
            .arg(rows_key(widget))
            .arg(page)
            .query(connection)?;
        for (key, row) in page.iter().zip(found) {
            let Some(row) = row else { continue };
            let key = serde_json::to_string(key).unwrap_or_default();
            rows.push(format!(r#"{{"key":{key},"row":{row}}}"#));
        }
    }
    let widget = serde_json::to_string(widget).unwrap_or_default();
    Ok(Some(format!(
        r#"[{{"widget":{widget},"upsert":[{}]}}]"#,
        rows.join(",")
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::{plan, Plan, RowOp, Table};

    fn table(max_rows: usize, ops: Vec<RowOp>) -> Table {
        Table {
            widget: "t".into(),
            max_rows,
            ops,
        }
    }

    fn upsert(key: &'static str) -> RowOp {
        RowOp::Upsert(key.into(), format!("{{\"k\":\"{key}\"}}"))
    }

    #[test]
    fn new_rows_beyond_the_bound_evict_the_oldest_as_the_engine_does() {
        // Stored: a (1), b (2); bound 2. Upsert a (in place: no newer for it), then c evicts a,
        // the oldest inserted.
        let stored = [("a".to_owned(), 1.0), ("b".to_owned(), 2.0)];
        let t = table(2, vec![upsert("a"), upsert("c")]);
        let scores = HashMap::from([("a", Some(1.0)), ("c", None)]);
        let plan = plan(&t, 2, &stored, &scores, &mut [10.0, 11.0].into_iter());
        assert_eq!(
            plan,
            Plan {
                rows: vec![("c", "{\"k\":\"c\"}")],
                places: vec![("c", 10.0)],
                removed: vec!["a"],
            }
        );
    }

    #[test]
    fn a_delete_then_insert_again_takes_a_new_place_and_rows_gone_within_a_write_are_never_written()
    {
        let stored = [("a".to_owned(), 1.0), ("b".to_owned(), 2.0)];
        // Bound 3: delete a, insert it again (newest now), insert x and y: y evicts b, the
        // oldest left; then delete x.
        let t = table(
            3,
            vec![
                RowOp::Delete("a".into()),
                upsert("a"),
                upsert("x"),
                upsert("y"),
                RowOp::Delete("x".into()),
            ],
        );
        let scores = HashMap::from([("a", Some(1.0)), ("x", None), ("y", None)]);
        let plan = plan(&t, 2, &stored, &scores, &mut [10.0, 11.0, 12.0].into_iter());
        assert_eq!(
            plan,
            Plan {
                rows: vec![("a", "{\"k\":\"a\"}"), ("y", "{\"k\":\"y\"}")],
                places: vec![("a", 10.0), ("y", 12.0)],
                removed: vec!["b"],
            }
        );
    }

    #[test]
    fn a_write_of_more_new_rows_than_the_bound_keeps_its_newest() {
        let t = table(2, vec![upsert("a"), upsert("b"), upsert("c")]);
        let scores = HashMap::from([("a", None), ("b", None), ("c", None)]);
        let plan = plan(&t, 0, &[], &scores, &mut [1.0, 2.0, 3.0].into_iter());
        assert_eq!(plan.places, vec![("b", 2.0), ("c", 3.0)]);
        assert!(plan.removed.is_empty(), "a was never stored");
        assert_eq!(plan.rows.len(), 2);
    }
}
