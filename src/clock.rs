//! The wall clock, counted as the protocol counts time: epoch milliseconds.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in epoch milliseconds.
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
