//! Rows of a streaming table, keyed: a row with a known key replaces the old one in place, a
//! delete removes it, and beyond `max_rows` the oldest inserted row is evicted. Every operation is
//! O(log n).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

/// One row: field name → JSON value.
pub type Row = Map<String, Value>;

/// A bounded, keyed, insertion-ordered set of rows.
#[derive(Debug, Clone)]
pub struct KeyedTable {
    /// key → (insertion number, row)
    rows: HashMap<String, (u64, Row)>,
    /// insertion number → key, oldest first.
    order: BTreeMap<u64, String>,
    next_insertion: u64,
    max_rows: usize,
    /// Field names in order of first appearance, for export headers.
    fields: Vec<String>,
}

impl KeyedTable {
    /// An empty table that keeps at most `max_rows` (at least 1) rows.
    pub fn new(max_rows: usize) -> Self {
        Self {
            rows: HashMap::new(),
            order: BTreeMap::new(),
            next_insertion: 0,
            max_rows: max_rows.max(1),
            fields: Vec::new(),
        }
    }

    /// Number of rows held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when no row is held.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Most rows held at once.
    pub fn max_rows(&self) -> usize {
        self.max_rows
    }

    /// A key that no row inserted so far has been given automatically.
    pub fn next_auto_key(&self) -> String {
        format!("#{}", self.next_insertion)
    }

    /// Insert a row, or replace the row with the same key in place. Evicts the oldest row when
    /// the table grows past `max_rows`; returns the evicted key, if any.
    pub fn upsert(&mut self, key: String, row: Row) -> Option<String> {
        for field in row.keys() {
            if self.fields.len() < 4 * crate::engine::limits::MAX_COLUMNS
                && !self.fields.contains(field)
            {
                self.fields.push(field.clone());
            }
        }
        let insertion = self.next_insertion;
        self.next_insertion += 1;
        if let Some((_, existing)) = self.rows.get_mut(&key) {
            *existing = row;
            return None;
        }
        self.order.insert(insertion, key.clone());
        self.rows.insert(key, (insertion, row));
        if self.rows.len() > self.max_rows {
            let (_, oldest) = self.order.pop_first()?;
            self.rows.remove(&oldest);
            return Some(oldest);
        }
        None
    }

    /// Remove the row with this key; true when there was one.
    pub fn delete(&mut self, key: &str) -> bool {
        match self.rows.remove(key) {
            Some((insertion, _)) => {
                self.order.remove(&insertion);
                true
            }
            None => false,
        }
    }

    /// Remove every row.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.order.clear();
    }

    /// The row with this key.
    pub fn get(&self, key: &str) -> Option<&Row> {
        self.rows.get(key).map(|(_, row)| row)
    }

    /// `(key, row)` pairs, oldest inserted first.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Row)> + '_ {
        self.order
            .values()
            .filter_map(|key| self.rows.get(key).map(|(_, row)| (key.as_str(), row)))
    }

    /// Field names in order of first appearance.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn upsert_replaces_in_place_and_delete_removes() {
        let mut table = KeyedTable::new(10);
        table.upsert("a".into(), row(json!({"n": 1})));
        table.upsert("b".into(), row(json!({"n": 2})));
        table.upsert("a".into(), row(json!({"n": 3})));
        let keys: Vec<_> = table
            .iter()
            .map(|(k, r)| (k.to_owned(), r["n"].clone()))
            .collect();
        assert_eq!(
            keys,
            vec![("a".to_owned(), json!(3)), ("b".to_owned(), json!(2))]
        );
        assert!(table.delete("a"));
        assert!(!table.delete("a"));
        assert_eq!(table.len(), 1);
        assert_eq!(table.get("b").map(|r| r["n"].clone()), Some(json!(2)));
    }

    #[test]
    fn evicts_oldest_inserted_beyond_max_rows() {
        let mut table = KeyedTable::new(2);
        assert_eq!(table.upsert("a".into(), Row::new()), None);
        assert_eq!(table.upsert("b".into(), Row::new()), None);
        // Updating "a" does not make it newer: eviction follows first insertion.
        assert_eq!(table.upsert("a".into(), Row::new()), None);
        assert_eq!(table.upsert("c".into(), Row::new()), Some("a".to_owned()));
        let keys: Vec<_> = table.iter().map(|(k, _)| k.to_owned()).collect();
        assert_eq!(keys, vec!["b", "c"]);
    }

    #[test]
    fn fields_are_listed_in_order_of_first_appearance() {
        let mut table = KeyedTable::new(5);
        table.upsert("1".into(), row(json!({"time": 1, "level": "INFO"})));
        table.upsert("2".into(), row(json!({"level": "WARN", "message": "x"})));
        assert_eq!(table.fields(), ["time", "level", "message"]);
    }
}
