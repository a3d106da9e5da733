//! The relay log's data (the engine's methods on it are in `relay`): what this engine accepted
//! from its own producers, kept for a relay that shares it with other servers.

use std::collections::HashMap;
use std::sync::Arc;

use super::log::log;
use crate::engine::update::Update;
use crate::engine::views::{ConfigView, WidgetInfo, MAX_JOURNAL_UPDATES};

/// The relay's log inside the engine.
#[derive(Debug, Default)]
pub(super) struct RelayLog {
    pub(super) on: bool,
    /// True while updates from other servers are applied.
    pub(super) remote: bool,
    /// What this server's producers sent since the last journal was taken.
    pub(super) updates: Vec<Update>,
    /// The number of the journal `updates` will be stored with (see [`Run`]).
    pub(super) journal: u64,
    /// What was logged before the journals taken since the relay's last take, each part with
    /// its journal's number: a part is never joined to the next.
    pub(super) sealed: Vec<(u64, Vec<Update>)>,
    /// What `updates` holds, a batch counting as its points.
    pub(super) weight: usize,
    pub(super) lost: u64,
    pub(super) config_changed: bool,
    /// Whether the relay reaches its peers now (`None`: no relay).
    pub(super) connected: Option<bool>,
}

impl RelayLog {
    /// Whether an update being applied now is to be logged.
    #[inline]
    pub(super) fn wants(&self) -> bool {
        self.on && !self.remote
    }

    pub(super) fn log(&mut self, update: &Update) {
        let weight = update.batch_len().max(1);
        if self.weight + weight > MAX_JOURNAL_UPDATES {
            self.lost += weight as u64;
        } else {
            self.weight += weight;
            log(&mut self.updates, update.clone());
        }
    }

    /// A journal was taken: what is logged from now on goes with journal `next`.
    pub(super) fn cut(&mut self, next: u64) {
        if !self.updates.is_empty() {
            let part = std::mem::take(&mut self.updates);
            self.sealed.push((self.journal, part));
        }
        self.journal = next;
    }

    /// A change of the configuration made here (not by another server's).
    pub(super) fn config_changed(&mut self) {
        if self.wants() {
            self.config_changed = true;
        }
    }
}

/// What the relay has not published yet (see [`Engine::take_relay`]).
#[derive(Debug, Default)]
pub struct RelayTake {
    /// The configuration, when this server changed it since the last take.
    pub config: Option<ConfigView>,
    /// The updates this server's producers sent since the last take, in order, in parts by the
    /// journal that stores them.
    pub parts: Vec<RelayPart>,
    /// Updates the log had no room for (the relay fell behind), since the last take.
    pub lost: u64,
    /// Id and kind of every widget, indexed by [`crate::engine::WidgetRef::index`].
    pub directory: Arc<Vec<WidgetInfo>>,
    /// The dashboard generation the directory is of: updates of another (before a reset) are
    /// for widgets that are gone.
    pub generation: u32,
}

/// Updates of one journal in a relay take.
#[derive(Debug, Default)]
pub struct RelayPart {
    /// The number of the journal that stores them when the store is shared with the other
    /// servers (Redis), so that a server starting on that store can tell what it loaded from
    /// what it still has to take from the relay (see [`Run`]); `None` otherwise.
    pub journal: Option<u64>,
    /// The updates, in order.
    pub updates: Vec<Update>,
}

/// This engine's run: an id for as long as it lives (the relay's `run`, and the key under which
/// a shared store keeps the number of this run's last stored journal), the journals taken so
/// far, and what a shared store said it held of each run when this engine was loaded from it.
///
/// With a store shared by several servers each stores what its own producers sent, and relays
/// it; a server starting on that store loads what was stored, then takes from the relay only
/// the updates of journals each run had not stored yet when it loaded. The relay log is cut
/// wherever a journal is taken, so each relayed message belongs to exactly one journal.
#[derive(Debug)]
pub(super) struct Run {
    pub(super) id: Arc<str>,
    /// Journals taken so far (the first is number 1).
    pub(super) journals: u64,
    /// Per run, the number of its last journal the shared store held when this engine was
    /// loaded from it (taken by the relay that starts first).
    pub(super) stored: Option<HashMap<String, u64>>,
}

impl Run {
    pub(super) fn new() -> Self {
        Self {
            id: fresh_id().into(),
            journals: 0,
            stored: None,
        }
    }
}

/// An id unlikely to be anyone else's: the process, the time and the standard library's random
/// hash keys, so two processes started at once on two machines differ. 16 hex digits.
pub fn fresh_id() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(nanos);
    hasher.write_u32(std::process::id());
    format!("{:016x}", hasher.finish())
}
