//! `Table`: streaming rows with keyed upserts and deletes, applied one by one or together.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Map;

use super::target::Target;
use crate::engine::{key_text, limits, prepare_row, KeyedRow, Update};
use crate::python::convert::{cell_to_json, key_to_json, rows_iter, type_name};
use crate::python::errors::{type_error, validation_error, Result};

/// Streaming rows with keyed upsert and delete.
#[pyclass(module = "stream_viz._core", name = "Table", frozen)]
pub struct Table {
    pub(super) target: Target,
    pub(super) key_field: Option<String>,
}

common_methods!(Table);

impl Table {
    /// A checked upsert of `row` (a dict) under `key`, or the table's key field.
    fn upsert(&self, row: &Bound<'_, PyAny>, key: Option<&Bound<'_, PyAny>>) -> Result<Update> {
        let id = &self.target.id;
        let Ok(dict) = row.cast::<PyDict>() else {
            return Err(type_error(format!(
                "a row is a dict of field → value, not {}",
                type_name(row)
            )));
        };
        if dict.len() > limits::MAX_COLUMNS {
            return Err(validation_error(format!(
                "a row has {} fields; the limit is {}",
                dict.len(),
                limits::MAX_COLUMNS
            )));
        }
        let mut fields = Map::new();
        for (name, value) in dict.iter() {
            let Ok(name) = name.cast::<PyString>() else {
                return Err(type_error(format!(
                    "row field names are str, not {}",
                    type_name(&name)
                )));
            };
            let name = name.to_str()?;
            fields.insert(name.to_owned(), cell_to_json(id, name, &value)?);
        }
        let explicit = key
            .filter(|k| !k.is_none())
            .map(|k| key_to_json(k))
            .transpose()?;
        let key = prepare_row(id, self.key_field.as_deref(), &fields, explicit.as_ref())?;
        Ok(Update::Upsert {
            widget: self.target.widget,
            row: Box::new(KeyedRow { key, row: fields }),
        })
    }
}

#[pymethods]
impl Table {
    /// Insert a row, or replace the row with the same key (`key`, else the table's key field).
    #[pyo3(signature = (row, *, key = None))]
    fn send(&self, row: &Bound<'_, PyAny>, key: Option<&Bound<'_, PyAny>>) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let update = self.upsert(row, key)?;
        Ok(self.target.queue(runtime, update))
    }

    /// Insert or replace many rows (a list or iterable of dicts, keyed by the table's key
    /// field), in order. Every row is checked before any is queued. Returns how many were
    /// queued; the rest were dropped (queue full) and counted.
    fn send_many(&self, rows: &Bound<'_, PyAny>) -> Result<usize> {
        let runtime = self.target.check_live()?;
        let mut updates = Vec::new();
        for row in rows_iter(rows, "rows are a list or iterable of dicts")? {
            if updates.len() == limits::MAX_TABLE_ROWS {
                return Err(validation_error(format!(
                    "send_many takes at most {} rows a call (a table holds no more)",
                    limits::MAX_TABLE_ROWS
                )));
            }
            updates.push(self.upsert(&row?, None)?);
        }
        Ok(updates
            .into_iter()
            .map(|update| usize::from(self.target.queue(runtime, update)))
            .sum())
    }

    /// Apply changes together: remove the rows keyed `deletes`, then insert or replace
    /// `upserts` (a dict of key → row, or rows keyed by the table's key field). Viewers,
    /// exports and the store see all of them or none; a full queue drops them all (counted).
    /// Everything is checked before anything is queued.
    #[pyo3(signature = (upserts = None, deletes = None))]
    fn apply(
        &self,
        upserts: Option<&Bound<'_, PyAny>>,
        deletes: Option<&Bound<'_, PyAny>>,
    ) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let mut updates = Vec::new();
        let limit = limits::MAX_TABLE_ROWS;
        let too_many = || {
            validation_error(format!(
                "apply takes at most {limit} upserts and {limit} deletes a call"
            ))
        };
        if let Some(deletes) = deletes.filter(|d| !d.is_none()) {
            for key in rows_iter(deletes, "deletes are a list or iterable of keys")? {
                if updates.len() == limit {
                    return Err(too_many());
                }
                let key = key_text(&self.target.id, &key_to_json(&key?)?)?;
                updates.push(Update::Delete {
                    widget: self.target.widget,
                    key,
                });
            }
        }
        let deleted = updates.len();
        if let Some(upserts) = upserts.filter(|u| !u.is_none()) {
            if let Ok(keyed) = upserts.cast::<PyDict>() {
                for (key, row) in keyed.iter() {
                    if updates.len() - deleted == limit {
                        return Err(too_many());
                    }
                    updates.push(self.upsert(&row, Some(&key))?);
                }
            } else {
                let what = "upserts are a dict of key → row, or a list or iterable of rows";
                for row in rows_iter(upserts, what)? {
                    if updates.len() - deleted == limit {
                        return Err(too_many());
                    }
                    updates.push(self.upsert(&row?, None)?);
                }
            }
        }
        if updates.is_empty() {
            return Ok(true);
        }
        Ok(self.target.queue(
            runtime,
            Update::Batch {
                widget: self.target.widget,
                updates: Box::new(updates),
            },
        ))
    }

    /// Remove the row with this key (nothing happens when there is none).
    fn delete(&self, key: &Bound<'_, PyAny>) -> Result<bool> {
        let runtime = self.target.check_live()?;
        let key = key_text(&self.target.id, &key_to_json(key)?)?;
        Ok(self.target.queue(
            runtime,
            Update::Delete {
                widget: self.target.widget,
                key,
            },
        ))
    }

    /// Remove every row.
    fn clear(&self) -> Result<bool> {
        self.target.clear()
    }
}
