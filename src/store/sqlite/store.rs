//! A SQLite database as the writer's backend: opened (created with its tables when missing) with
//! a history read on connections of its own.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::db::Db;
use super::reader::StoredHistory;
use crate::engine::{Engine, Journal};
use crate::history::History;
use crate::store::backend::{Backend, Opened, Restored, Snapshot};
use crate::store::error::StoreError;

/// Open (or create) the database at `path`.
pub(crate) fn open_store(path: &Path) -> Result<Opened, StoreError> {
    let mut db = Db::open(path)?;
    db.checkpoint_elsewhere(path);
    let history: Arc<dyn History> = Arc::new(StoredHistory::open(path)?);
    Ok(Opened {
        backend: Box::new(db),
        history,
    })
}

impl Backend for Db {
    fn location(&self) -> &str {
        &self.path
    }

    fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError> {
        Db::restore(self, engine)
    }

    fn write(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError> {
        Db::write(self, journal, snapshots)
    }

    fn purge(&mut self, retention: Duration) -> Result<(), StoreError> {
        Db::purge(self, retention)
    }

    fn close(&mut self) {
        self.checkpoint();
    }
}
