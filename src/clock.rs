//! The wall clock, counted as the protocol counts time: epoch milliseconds; and Redis stream
//! ids, which are times too.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time in epoch milliseconds.
pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// A Redis stream id (`<epoch ms>-<seq>`, or `<epoch ms>`) as a pair that compares as the ids
/// do; an unreadable one sorts first.
pub fn stream_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::stream_id;

    #[test]
    fn stream_ids_compare_as_numbers_not_text() {
        assert!(stream_id("1700000000000-10") > stream_id("1700000000000-9"));
        assert!(stream_id("1700000000001") > stream_id("1700000000000-99"));
        assert_eq!(stream_id("1700000000000"), (1_700_000_000_000, 0));
        assert_eq!(stream_id("junk"), (0, 0));
    }
}
