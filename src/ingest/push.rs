//! Pushes from other processes and languages (`POST /api/v1/push` and `push` messages on `/ws`):
//! parsed outside the engine lock, then validated whole and applied under it, so a bad push
//! changes nothing. The format and its checks are the protocol's ([`crate::protocol::Push`]).

use super::pipeline::Pipeline;
use crate::protocol::{Push, PushError, PushOutcome};

/// Parse, validate and apply a push. Declarations are applied first, then the updates in order.
pub fn apply_push(pipeline: &Pipeline, body: &str) -> Result<PushOutcome, PushError> {
    let push = Push::parse(body)?;
    let declares_alerts = push.declares_alerts();
    let outcome = push.apply(&mut pipeline.engine())?;
    if declares_alerts {
        // A no-data rule needs the engine thread's clock even while no point comes.
        pipeline.alerts_changed();
    }
    Ok(outcome)
}
