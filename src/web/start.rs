//! What a client is sent before the live frames: `config`, one `history` per widget, `stats`
//! and, when there are alert rules, `alerts`, from one snapshot, encoded once for every client that starts from it.
//!
//! A resync (the engine's log of changes overflowed in a burst) sends every client back to a
//! snapshot at the same moment. Each used to take and encode its own: twenty clients of a
//! 5 M-point metric held twenty copies of its ring (1.5 GB at the peak). Now the hub hands one
//! [`Start`] to every client that asks while it is fresh, the first client to need the messages
//! encodes them (the others wait for that), and the snapshot is given back as soon as they are.
//! An embed's connection asking before any other is sent its one widget from the snapshot,
//! without the rest of the dashboard being encoded for it.

use std::sync::{Mutex, PoisonError};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::OnceCell;

use crate::engine::Snapshot;
use crate::protocol::{
    alerts_message, config_message, history_messages_of, snapshot_stats_message,
};

/// A snapshot, then its messages.
pub struct Start {
    /// Taken (and dropped) when the messages are encoded.
    snapshot: Mutex<Option<Snapshot>>,
    encoded: OnceCell<Encoded>,
}

/// The messages of a snapshot.
#[derive(Default)]
struct Encoded {
    config: Utf8Bytes,
    /// Each widget's id and `history`, in the config's order.
    histories: Vec<(String, Utf8Bytes)>,
    stats: Utf8Bytes,
    /// The alert rules' states and recent transitions, when there are rules.
    alerts: Option<Utf8Bytes>,
}

impl Start {
    /// A start from `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            snapshot: Mutex::new(Some(snapshot)),
            encoded: OnceCell::new(),
        }
    }

    /// The messages for a client of the whole dashboard (`only`: `None`), or, for an embed's
    /// connection, with the `history` of its widgets alone (the rest of what it is sent is
    /// scoped to them on its way out).
    pub async fn messages(&self, only: Option<&[String]>) -> Vec<Utf8Bytes> {
        if let (Some(only), None) = (only, self.encoded.get()) {
            // An embed asking first: its one widget, without encoding every other one.
            if let Some(snapshot) = self
                .snapshot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                return start_messages(snapshot, Some(only));
            }
        }
        let encoded = self
            .encoded
            .get_or_init(|| async {
                let snapshot = self
                    .snapshot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                snapshot.map(|s| encode(&s)).unwrap_or_default()
            })
            .await;
        let mut messages = Vec::with_capacity(encoded.histories.len() + 2);
        messages.push(encoded.config.clone());
        messages.extend(
            encoded
                .histories
                .iter()
                .filter(|(id, _)| only.is_none_or(|only| only.contains(id)))
                .map(|(_, history)| history.clone()),
        );
        messages.push(encoded.stats.clone());
        messages.extend(encoded.alerts.clone());
        messages
    }

    /// Whether the snapshot is still held (its messages not yet encoded).
    #[cfg(test)]
    fn holds_snapshot(&self) -> bool {
        self.snapshot
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

/// What a client is sent first, encoded from `snapshot`: `config`, the `history` of every
/// widget (or of those `only` names: an embed's, the others not even encoded), `stats`, and
/// `alerts` when there are rules. A snapshot file (snapshot.rs) holds the same.
pub fn start_messages(snapshot: &Snapshot, only: Option<&[String]>) -> Vec<Utf8Bytes> {
    let mut messages = vec![Utf8Bytes::from(config_message(&snapshot.config))];
    messages.extend(
        history_messages_of(snapshot, only)
            .into_iter()
            .map(Utf8Bytes::from),
    );
    messages.push(Utf8Bytes::from(snapshot_stats_message(snapshot)));
    messages.extend(alerts_of(snapshot));
    messages
}

/// The `alerts` message of a snapshot with alert rules.
fn alerts_of(snapshot: &Snapshot) -> Option<Utf8Bytes> {
    let view = &snapshot.alerts;
    (!view.states.is_empty() || !view.transitions.is_empty())
        .then(|| Utf8Bytes::from(alerts_message(view, true)))
}

fn encode(snapshot: &Snapshot) -> Encoded {
    Encoded {
        config: Utf8Bytes::from(config_message(&snapshot.config)),
        histories: snapshot
            .config
            .widgets
            .iter()
            .map(|spec| spec.id.clone())
            .zip(
                history_messages_of(snapshot, None)
                    .into_iter()
                    .map(Utf8Bytes::from),
            )
            .collect(),
        stats: Utf8Bytes::from(snapshot_stats_message(snapshot)),
        alerts: alerts_of(snapshot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, WidgetSpec};
    use crate::Update;
    use serde_json::{json, Value};

    #[tokio::test]
    async fn one_encoding_serves_every_client_and_gives_the_snapshot_back() {
        let mut engine = Engine::new();
        let mut handles = Vec::new();
        for id in ["a", "b"] {
            let spec = WidgetSpec::parse(id, "metric", json!({})).expect("spec");
            handles.push(engine.declare(spec).expect("declare"));
        }
        for (i, handle) in handles.iter().enumerate() {
            engine.apply(Update::Point {
                widget: handle.widget,
                ts_ms: 1.0,
                value: i as f64 + 10.0,
            });
        }
        // An embed asking first is sent its widget without the dashboard being encoded.
        let start = Start::new(engine.snapshot());
        let embed_first = start.messages(Some(&["b".to_string()])).await;
        assert!(start.holds_snapshot());
        assert!(start.encoded.get().is_none(), "nothing else was encoded");
        let all = start.messages(None).await;
        assert!(
            !start.holds_snapshot(),
            "the snapshot is dropped once encoded"
        );
        let kinds: Vec<(String, Option<String>)> = all
            .iter()
            .map(|m| {
                let v: Value = serde_json::from_str(m.as_str()).expect("json");
                (
                    v["type"].as_str().unwrap_or_default().to_owned(),
                    v["widget"].as_str().map(str::to_owned),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                ("config".into(), None),
                ("history".into(), Some("a".into())),
                ("history".into(), Some("b".into())),
                ("stats".into(), None),
            ]
        );
        // Another client, and an embed of "b": the same encoded messages, the embed's with
        // b's history alone.
        let again = start.messages(None).await;
        assert!(all
            .iter()
            .zip(&again)
            .all(|(x, y)| x.as_str().as_ptr() == y.as_str().as_ptr()));
        let embed = start.messages(Some(&["b".to_string()])).await;
        assert_eq!(embed.len(), 3);
        assert_eq!(embed[1].as_str(), all[2].as_str());
        let texts = |m: &[Utf8Bytes]| m.iter().map(|m| m.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(texts(&embed_first), texts(&embed));
    }
}
