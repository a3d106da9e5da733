//! Helpers shared by the integration tests.

// Each test binary uses some of these.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use serde_json::Value;
use streamviz::engine::{WidgetHandle, WidgetSpec};
use streamviz::ingest::Pipeline;
use streamviz::protocol::{config_message, history_messages};

/// The dashboard as a new viewer of `pipeline` would receive it: the config and every history
/// message, as JSON values (after everything queued is applied).
pub fn dashboard(pipeline: &Pipeline) -> Vec<Value> {
    assert!(pipeline.flush(Duration::from_secs(10)));
    let snapshot = pipeline.engine().snapshot();
    let mut messages = vec![serde_json::from_str(&config_message(&snapshot.config)).unwrap()];
    messages.extend(
        history_messages(&snapshot)
            .iter()
            .map(|m| serde_json::from_str::<Value>(m).unwrap()),
    );
    messages
}

/// Declare a widget from its parts.
pub fn declare(pipeline: &Pipeline, id: &str, kind: &str, options: Value) -> WidgetHandle {
    pipeline
        .engine()
        .declare(WidgetSpec::parse(id, kind, options).unwrap())
        .unwrap()
}
