//! What a relay between servers carries (`crate::relay`): the `config` of the server that
//! changed it, and its producers' updates as `push` bodies — the ops of `data` messages, never
//! reduced for viewing, each body at most [`MAX_UPDATES_PER_DATA_MESSAGE`] points. A peer parses
//! what it receives outside its engine lock and applies it through the push path's validation,
//! so a damaged or hostile message is refused whole and changes nothing.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;

use super::encode::{config_message, data_chunks, data_ops, Op, MAX_UPDATES_PER_DATA_MESSAGE};
use super::push::{within_size, Push, PushError};
use super::replica::merge_config;
use crate::engine::{Engine, RelayTake, Update};

/// A message for the relay's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayMessage {
    /// The `config` or `push` message.
    pub text: String,
    /// The journal that stores its updates, when the store is shared (see
    /// [`crate::engine::RelayPart`]); `None` for a `config`.
    pub journal: Option<u64>,
}

/// The messages for one take of the relay log: `config` first when it changed, then `push`
/// bodies in the order the updates were applied, none holding updates of two journals.
pub fn relay_messages(take: RelayTake) -> Vec<RelayMessage> {
    let mut messages = Vec::new();
    if let Some(config) = &take.config {
        messages.push(RelayMessage {
            text: config_message(config),
            journal: None,
        });
    }
    let none = HashSet::new();
    for part in take.parts {
        let updates = split_large(part.updates, take.generation);
        for chunk in data_chunks(&updates) {
            let ops = data_ops(chunk, &take.directory, &none);
            if ops.is_empty() {
                continue;
            }
            #[derive(Serialize)]
            struct Body<'a> {
                #[serde(rename = "type")]
                kind: &'static str,
                updates: &'a [Op<'a>],
            }
            let body = Body {
                kind: "push",
                updates: &ops,
            };
            messages.push(RelayMessage {
                // Plain numbers and strings: serialising cannot fail.
                text: serde_json::to_string(&body).unwrap_or_default(),
                journal: part.journal,
            });
        }
    }
    messages
}

/// The updates of the current dashboard generation, batches of points longer than a message
/// holds cut into several (the others moved as they are).
fn split_large(updates: Vec<Update>, generation: u32) -> Vec<Update> {
    let mut out = Vec::with_capacity(updates.len());
    for update in updates {
        if update.widget().generation != generation {
            continue;
        }
        match update {
            Update::Points {
                widget,
                series,
                points,
            } if points.len() > MAX_UPDATES_PER_DATA_MESSAGE => {
                out.extend(points.chunks(MAX_UPDATES_PER_DATA_MESSAGE).map(|part| {
                    Update::Points {
                        widget,
                        series,
                        points: Box::new(part.to_vec()),
                    }
                }));
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether a relayed message is a server's configuration (as `config_message` writes it).
pub fn is_config_message(message: &str) -> bool {
    message.starts_with(r#"{"type":"config""#)
}

/// A message from another server, parsed and checked for size, not yet applied.
pub enum Relayed {
    /// Its configuration: settings, containers, widgets.
    Config(Value),
    /// Its producers' updates.
    Push(Push),
}

impl Relayed {
    /// Parse a relayed message (no engine lock needed).
    pub fn parse(message: &str) -> Result<Self, PushError> {
        if is_config_message(message) {
            within_size("config", message)?;
            let value: Value = serde_json::from_str(message).map_err(|err| PushError {
                at: "config".into(),
                reason: err.to_string(),
            })?;
            return Ok(Self::Config(value));
        }
        Push::parse(message).map(Self::Push)
    }

    /// Apply it as another server's: not logged for this server's relay. The number of
    /// updates applied (points and rows one by one), 0 for a configuration.
    pub fn apply(self, engine: &mut Engine) -> Result<usize, PushError> {
        engine.apply_remote(|engine| match self {
            Self::Config(config) => {
                merge_config(engine, &config);
                Ok(0)
            }
            Self::Push(push) => push.apply(engine).map(|outcome| outcome.applied),
        })
    }
}
