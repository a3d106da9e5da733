//! The relay log's data (the engine's methods on it are in `relay`): what this engine accepted
//! from its own producers, kept for a relay that shares it with other servers.

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
    pub(super) updates: Vec<Update>,
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
    /// The updates this server's producers sent since the last take, in order.
    pub updates: Vec<Update>,
    /// Updates the log had no room for (the relay fell behind), since the last take.
    pub lost: u64,
    /// Id and kind of every widget, indexed by [`crate::engine::WidgetRef::index`].
    pub directory: Arc<Vec<WidgetInfo>>,
    /// The dashboard generation the directory is of: updates of another (before a reset) are
    /// for widgets that are gone.
    pub generation: u32,
}
