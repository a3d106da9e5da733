//! Duration, aggregation and message-template strings (`window`, `slide`, `lateness`,
//! `aggregation`, an alert's `for`, `keep_firing_for`, `no_data` and `message`) as users write
//! them: parsed, and when a window is accepted, points pushed through it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamviz::engine::window::parse_duration_ms;
use streamviz::engine::{Aggregation, Rule, WindowAggregator, WindowSpec};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(4, '\u{1f}');
    let (window, slide, lateness, aggregation) =
        (parts.next(), parts.next(), parts.next(), parts.next());
    let _ = parse_duration_ms("for", text, true);
    let _ = Aggregation::parse(text);
    let _ = Rule::from_json(serde_json::json!({"widget": "w", "above": 1, "for": text,
        "keep_firing_for": window, "no_data": slide, "message": text}));
    if let Ok(Some(spec)) = WindowSpec::from_options(window, slide, lateness, aggregation) {
        let mut windows = WindowAggregator::new(spec);
        let mut closed = Vec::new();
        // One push closes at most a ring's worth of empty windows (1,000 here) and the windows
        // that held data (those open: a window's slides, twice over when panes split).
        let open = 2 * (spec.window_ms / spec.slide_ms) as usize + 2;
        for i in 0..64 {
            let before = closed.len();
            windows.push(f64::from(i) * 997.0, f64::from(i), 1000, &mut closed);
            assert!(
                closed.len() - before <= 1000 + open,
                "one push closed {} windows",
                closed.len() - before
            );
        }
    }
});
