//! What a client is sent before the live frames: `config`, one `history` per widget, `stats`
//! and, when there are alert rules, `alerts`, from one snapshot shared by every client that
//! starts from it.
//!
//! A resync (the engine's log of changes overflowed in a burst) sends every client back to a
//! snapshot at the same moment. Each used to take and encode its own: twenty clients of a
//! 5 M-point metric held twenty copies of its ring (1.5 GB at the peak). Now the hub hands one
//! [`Start`] to every client that asks while it is fresh, and the first client to need it
//! prepares it from the snapshot (the others wait for that): a decimated history (a long series,
//! M4-reduced to a few thousand columns) is encoded there once and its series let go, since the
//! message is far smaller than the data; every other widget's data is kept and encoded by each
//! client as it sends it, since its JSON is about 2.5 times its data (~40 bytes a point against
//! 16) and viewers usually connect one at a time: holding the encoded messages for every
//! connection made a dashboard's resident memory swing by the size of a whole start (~7 MiB for
//! the soak's 50 widgets) as viewers came and went. An embed's connection asking before any
//! other is sent its one widget from the snapshot, without the rest of the dashboard being
//! prepared for it.

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::OnceCell;

use crate::engine::{Snapshot, WidgetData, WidgetSpec};
use crate::protocol::{
    alerts_message, config_message, history_is_decimated, history_messages_of,
    snapshot_stats_message, widget_history_message,
};

/// A snapshot, then what its messages are made from.
pub struct Start {
    /// Taken (and dropped) when the start is prepared.
    snapshot: Mutex<Option<Snapshot>>,
    prepared: OnceCell<Arc<Prepared>>,
}

/// A snapshot made ready to send.
#[derive(Default)]
pub struct Prepared {
    config: Utf8Bytes,
    /// Each widget's id and `history`, in the config's order.
    histories: Vec<(String, History)>,
    stats: Utf8Bytes,
    /// The alert rules' states and recent transitions, when there are rules.
    alerts: Option<Utf8Bytes>,
}

/// One widget's `history`, encoded once or by each client (see the module's header).
enum History {
    Encoded(Utf8Bytes),
    Data(Box<WidgetHistory>),
}

/// What a widget's `history` is made from.
struct WidgetHistory {
    spec: WidgetSpec,
    data: WidgetData,
    partial: Option<(f64, f64)>,
}

impl History {
    fn message(&self) -> Utf8Bytes {
        match self {
            Self::Encoded(message) => message.clone(),
            Self::Data(widget) => Utf8Bytes::from(widget_history_message(
                &widget.spec,
                &widget.data,
                widget.partial,
            )),
        }
    }
}

/// A start's messages for one client, each made as it is taken.
pub enum StartMessages {
    /// Encoded already (an embed asking first).
    Encoded(std::vec::IntoIter<Utf8Bytes>),
    /// From a prepared start: the next message's place, and the widgets to send (`None`: all).
    Prepared {
        prepared: Arc<Prepared>,
        next: usize,
        only: Option<Vec<String>>,
    },
}

impl Iterator for StartMessages {
    type Item = Utf8Bytes;

    fn next(&mut self) -> Option<Utf8Bytes> {
        match self {
            Self::Encoded(messages) => messages.next(),
            Self::Prepared {
                prepared,
                next,
                only,
            } => loop {
                // Places: the config, each widget's history, the stats, the alerts.
                let (place, widgets) = (*next, prepared.histories.len());
                if place > widgets + 2 {
                    return None;
                }
                *next += 1;
                let message = match place {
                    0 => Some(prepared.config.clone()),
                    p if p <= widgets => {
                        let (id, history) = &prepared.histories[p - 1];
                        only.as_ref()
                            .is_none_or(|only| only.contains(id))
                            .then(|| history.message())
                    }
                    p if p == widgets + 1 => Some(prepared.stats.clone()),
                    _ => prepared.alerts.clone(),
                };
                if message.is_some() {
                    return message;
                }
            },
        }
    }
}

impl Start {
    /// A start from `snapshot`.
    pub fn new(snapshot: Snapshot) -> Self {
        Self {
            snapshot: Mutex::new(Some(snapshot)),
            prepared: OnceCell::new(),
        }
    }

    /// The messages for a client of the whole dashboard (`only`: `None`), or, for an embed's
    /// connection, with the `history` of its widgets alone (the rest of what it is sent is
    /// scoped to them on its way out). They hold what they are made from, not the start.
    pub async fn messages(&self, only: Option<&[String]>) -> StartMessages {
        if let (Some(only), None) = (only, self.prepared.get()) {
            // An embed asking first: its one widget, without preparing every other one.
            if let Some(snapshot) = self
                .snapshot
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .as_ref()
            {
                return StartMessages::Encoded(start_messages(snapshot, Some(only)).into_iter());
            }
        }
        let prepared = self
            .prepared
            .get_or_init(|| async {
                let snapshot = self
                    .snapshot
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take();
                Arc::new(snapshot.map(prepare).unwrap_or_default())
            })
            .await;
        StartMessages::Prepared {
            prepared: Arc::clone(prepared),
            next: 0,
            only: only.map(<[String]>::to_vec),
        }
    }

    /// Whether the snapshot is still held (the start not yet prepared).
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

/// `snapshot` made ready: the small messages and the decimated histories encoded, every other
/// widget's data moved in as it is.
fn prepare(snapshot: Snapshot) -> Prepared {
    let config = Utf8Bytes::from(config_message(&snapshot.config));
    let stats = Utf8Bytes::from(snapshot_stats_message(&snapshot));
    let alerts = alerts_of(&snapshot);
    let Snapshot {
        config: view,
        data,
        partials,
        ..
    } = snapshot;
    let histories = view
        .widgets
        .into_iter()
        .zip(data)
        .zip(partials)
        .map(|((spec, data), partial)| {
            let id = spec.id.clone();
            let history = if history_is_decimated(&data) {
                History::Encoded(Utf8Bytes::from(widget_history_message(
                    &spec, &data, partial,
                )))
            } else {
                History::Data(Box::new(WidgetHistory {
                    spec,
                    data,
                    partial,
                }))
            };
            (id, history)
        })
        .collect();
    Prepared {
        config,
        histories,
        stats,
        alerts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Engine, WidgetSpec};
    use crate::Update;
    use serde_json::{json, Value};

    fn kinds(messages: &[Utf8Bytes]) -> Vec<(String, Option<String>)> {
        messages
            .iter()
            .map(|m| {
                let v: Value = serde_json::from_str(m.as_str()).expect("json");
                (
                    v["type"].as_str().unwrap_or_default().to_owned(),
                    v["widget"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn one_start_serves_every_client_and_encodes_a_long_series_once() {
        let mut engine = Engine::new();
        let mut handles = Vec::new();
        for (id, max_points) in [("a", 1_000), ("b", 1_000), ("long", 50_000)] {
            let spec =
                WidgetSpec::parse(id, "metric", json!({"max_points": max_points})).expect("spec");
            handles.push(engine.declare(spec).expect("declare"));
        }
        for (i, handle) in handles.iter().enumerate() {
            engine.apply(Update::Point {
                widget: handle.widget,
                ts_ms: 1.0,
                value: i as f64 + 10.0,
            });
        }
        for t in 2..=(crate::protocol::DECIMATE_HISTORY_ABOVE + 1) {
            engine.apply(Update::Point {
                widget: handles[2].widget,
                ts_ms: t as f64,
                value: t as f64,
            });
        }
        let fresh = start_messages(&engine.snapshot(), None);
        // An embed asking first is sent its widget without the dashboard being prepared.
        let start = Start::new(engine.snapshot());
        let embed_first: Vec<_> = start.messages(Some(&["b".to_string()])).await.collect();
        assert!(start.holds_snapshot());
        assert!(start.prepared.get().is_none(), "nothing else was prepared");
        let all: Vec<_> = start.messages(None).await.collect();
        assert!(
            !start.holds_snapshot(),
            "the snapshot is let go once prepared"
        );
        assert_eq!(
            kinds(&all),
            [
                ("config".into(), None),
                ("history".into(), Some("a".into())),
                ("history".into(), Some("b".into())),
                ("history".into(), Some("long".into())),
                ("stats".into(), None),
            ]
        );
        let texts = |m: &[Utf8Bytes]| m.iter().map(|m| m.as_str().to_owned()).collect::<Vec<_>>();
        assert_eq!(
            texts(&all),
            texts(&fresh),
            "what encoding the snapshot at once gives"
        );
        // Another client: the same messages; the decimated history and the small messages are
        // the very same bytes, the short series encoded again for it.
        let again: Vec<_> = start.messages(None).await.collect();
        assert_eq!(texts(&again), texts(&all));
        let same = |i: usize| all[i].as_str().as_ptr() == again[i].as_str().as_ptr();
        assert!(
            same(0) && same(3) && same(4),
            "config, long and stats encoded once"
        );
        assert!(!same(1) && !same(2), "a and b encoded for each client");
        assert!(all[3].as_str().contains("\"decimated\":true"));
        // An embed of "b" after that: b's history alone, as the first embed was sent it.
        let embed: Vec<_> = start.messages(Some(&["b".to_string()])).await.collect();
        assert_eq!(
            kinds(&embed),
            [
                ("config".into(), None),
                ("history".into(), Some("b".into())),
                ("stats".into(), None),
            ]
        );
        assert_eq!(texts(&embed_first), texts(&embed));
    }
}
