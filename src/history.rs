//! The history interface: what a store holds beyond the engine's rings, read by the range
//! endpoint, the `/at` endpoint, a recording's alerts as of a time and the native viewer. The
//! SQLite store and recording implement it ([`crate::store`]), and so does a mirror for the
//! producer it copies (reading the producer's range endpoint); the web server and the viewer are
//! handed one and never reach a concrete store.

use std::sync::{Arc, PoisonError, RwLock};

use crate::engine::AlertsView;

/// Why stored history could not be read. The message is for people (it names the store or the
/// producer and what went wrong).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HistoryError(pub String);

/// Most points one history read returns (a 24 h view of a 1 kHz metric is 86.4 M; the range
/// endpoint decimates them, but they are read into memory first).
pub const MAX_HISTORY_POINTS: usize = 20_000_000;

/// Points and changes a store holds.
pub trait History: Send + Sync {
    /// The stored points of one series with `from <= ts_ms < to`, in time order: `series` is
    /// `""` for a widget's only series, else a line chart's series name. Blocking: call it off
    /// the frame thread and outside the engine lock.
    fn points(
        &self,
        widget: &str,
        series: &str,
        from: f64,
        to: f64,
    ) -> Result<Vec<(f64, f64)>, HistoryError>;

    /// What rebuilds a table, bar chart, text or heatmap as it was at `until` (epoch ms; changes
    /// count from when they were stored), in order: JSON lists of `data` ops, each the `updates`
    /// of a push ([`crate::protocol::replay_widget`] applies them). Only a recording has these.
    fn changes(&self, widget: &str, until: f64) -> Result<Vec<String>, HistoryError> {
        let _ = until;
        Err(HistoryError(format!(
            "no stored changes of {widget:?} can be read here (only a recording has them)"
        )))
    }

    /// The alerts as they stood at `until` (epoch ms, event time): every rule's state then and
    /// the recent transitions up to then. Only a store has these.
    fn alerts(&self, until: f64) -> Result<AlertsView, HistoryError> {
        let _ = until;
        Err(HistoryError(
            "no stored alerts can be read here (only a recording has them)".into(),
        ))
    }
}

/// A history that may be attached and detached while servers hold it: a producer's store starts
/// and stops independently of its server (`sv.configure(persistence=...)`, `sv.reset()`).
#[derive(Clone, Default)]
pub struct SharedHistory(Arc<RwLock<Option<Arc<dyn History>>>>);

impl SharedHistory {
    /// A slot holding `history`.
    pub fn new(history: Arc<dyn History>) -> Self {
        let shared = Self::default();
        shared.set(Some(history));
        shared
    }

    /// Attach `history` (or, with `None`, detach what was attached).
    pub fn set(&self, history: Option<Arc<dyn History>>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = history;
    }

    /// What is attached now.
    pub fn get(&self) -> Option<Arc<dyn History>> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl std::fmt::Debug for SharedHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedHistory")
            .field("attached", &self.get().is_some())
            .finish()
    }
}
