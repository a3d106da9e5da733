//! Pushes from other processes and languages (`POST /api/v1/push` and `push` messages on `/ws`):
//! parsed outside the engine lock, then validated whole and applied under it, so a bad push
//! changes nothing. The format and its checks are the protocol's ([`crate::protocol::Push`]).

use super::pipeline::Pipeline;
use crate::protocol::{Push, PushError, PushOutcome};

/// Parse, validate and apply a push. Declarations are applied first, then the updates in order.
pub fn apply_push(pipeline: &Pipeline, body: &str) -> Result<PushOutcome, PushError> {
    Push::parse(body)?.apply(&mut pipeline.engine())
}
