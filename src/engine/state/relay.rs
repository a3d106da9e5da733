//! The relay log: what this engine accepted from its own producers, kept for a relay that
//! shares it with other servers (`crate::relay`). Updates come in as the producers sent them —
//! a windowed metric's raw points, not its windows — so each server aggregates for itself.
//! Updates a relay applies from other servers are applied without being logged (no server
//! publishes what it did not accept itself, so nothing goes round twice).

use std::collections::HashMap;
use std::sync::Arc;

use super::relay_log::{RelayLog, RelayPart, RelayTake};
use super::Engine;

impl Engine {
    /// Keep a log of what this engine's own producers send, for [`Engine::take_relay`] (on
    /// while a relay is attached). Turning it on counts the configuration as changed, so that
    /// the relay's first take carries it.
    pub fn set_relaying(&mut self, on: bool) {
        self.relay = RelayLog {
            on,
            config_changed: on,
            connected: on.then_some(false),
            journal: self.run.journals + 1,
            ..RelayLog::default()
        };
    }

    /// Say whether the relay reaches its peers now (`None`: there is no relay); viewers are
    /// told (`stats.relay`). A replica takes its producer's.
    pub fn set_relay_connected(&mut self, connected: Option<bool>) {
        self.relay.connected = connected;
    }

    /// Whether the relay reaches its peers now; `None` without a relay.
    pub fn relay_connected(&self) -> Option<bool> {
        self.relay.connected
    }

    /// Apply what another server accepted: what `apply` does here changes the dashboard as
    /// usual (viewers, the journal) but is not logged for the relay.
    pub fn apply_remote<R>(&mut self, apply: impl FnOnce(&mut Engine) -> R) -> R {
        let remote = std::mem::replace(&mut self.relay.remote, true);
        let result = apply(self);
        self.relay.remote = remote;
        result
    }

    /// Take what the relay has not published yet.
    pub fn take_relay(&mut self) -> RelayTake {
        let config_changed = std::mem::take(&mut self.relay.config_changed);
        self.relay.weight = 0;
        let tagged = self.journal_shared();
        let sealed = std::mem::take(&mut self.relay.sealed);
        let current = (self.relay.journal, std::mem::take(&mut self.relay.updates));
        let parts = sealed
            .into_iter()
            .chain(std::iter::once(current))
            .filter(|(_, updates)| !updates.is_empty())
            .map(|(journal, updates)| RelayPart {
                journal: tagged.then_some(journal),
                updates,
            })
            .collect();
        RelayTake {
            config: config_changed.then(|| self.config_view()),
            parts,
            lost: std::mem::take(&mut self.relay.lost),
            directory: Arc::clone(&self.directory),
            generation: self.generation,
        }
    }

    /// This engine's run id (see [`crate::engine::fresh_id`]): the relay's `run`, and what a
    /// shared store keeps the number of its last stored journal under.
    pub fn run_id(&self) -> Arc<str> {
        Arc::clone(&self.run.id)
    }

    /// What a shared store held when this engine was loaded from it: per run, the number of its
    /// last journal stored (set by the store's restore).
    pub fn set_stored_journals(&mut self, stored: HashMap<String, u64>) {
        self.run.stored = Some(stored);
    }

    /// Take what [`Engine::set_stored_journals`] set (once: the first relay to start takes
    /// it; another started later in this process reads from the stream's end).
    pub fn take_stored_journals(&mut self) -> Option<HashMap<String, u64>> {
        self.run.stored.take()
    }
}
