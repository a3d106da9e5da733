//! What a persistence backend does for the writer (`store/writer.rs`), whatever holds the data:
//! store one journal whole, purge what is older than the retention, load what it holds into an
//! engine, and close. SQLite is the first ([`super::sqlite`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::error::StoreError;
use crate::engine::{Engine, Journal};
use crate::history::History;

/// A database opened for the writer, and what reads it while it is written.
pub(crate) struct Opened {
    /// What the writer stores into.
    pub(crate) backend: Box<dyn Backend>,
    /// What range queries read.
    pub(crate) history: Arc<dyn History>,
}

/// A database the writer thread stores into.
pub(crate) trait Backend: Send {
    /// Where it is, for messages: a path, or a URL without its password.
    fn location(&self) -> &str;

    /// Load what it holds into `engine` (settings, containers, widgets, each series' newest
    /// points up to its ring, each widget's newest snapshot and the changes after it, alert
    /// states).
    fn restore(&mut self, engine: &mut Engine) -> Result<Restored, StoreError>;

    /// Store one journal and the snapshots taken with it, all or nothing: (points, changes)
    /// stored. When it fails nothing of it is stored, and the writer retries it whole.
    fn write(
        &mut self,
        journal: &Journal,
        snapshots: &[Snapshot],
    ) -> Result<(u64, u64), StoreError>;

    /// Delete what is older than `retention`.
    fn purge(&mut self, retention: Duration) -> Result<(), StoreError>;

    /// The retention it keeps when none is given: `None`, everything (Redis: a day, as it
    /// holds everything in memory).
    fn default_retention(&self) -> Option<Duration> {
        None
    }

    /// Whether several servers store into it (Redis): each then stores only what its own
    /// producers sent, not what the relay brought from the others.
    fn shared(&self) -> bool {
        false
    }

    /// Make what is stored durable and let go of the database (the writer is stopping).
    fn close(&mut self);
}

/// A widget's whole state, taken with a journal under the same engine lock: the JSON list of
/// push ops that rebuild it.
pub(crate) struct Snapshot {
    /// The widget.
    pub(crate) widget: Box<str>,
    /// Its state as a JSON list of push ops.
    pub(crate) ops: String,
}

/// What a backend loaded at start.
#[derive(Debug, Default)]
pub(crate) struct Restored {
    /// Widgets declared.
    pub(crate) widgets: u64,
    /// Points loaded into the rings.
    pub(crate) points: u64,
    /// Changes applied (those after each widget's newest snapshot).
    pub(crate) changes: u64,
    /// Per widget, the changes applied after its newest snapshot.
    pub(crate) since_snapshot: HashMap<Box<str>, u64>,
}
