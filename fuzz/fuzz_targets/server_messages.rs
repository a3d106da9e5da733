//! What a hostile server sends a mirror (`streamviz-viewer URL`): any sequence of messages
//! (`config`, `history`, `data`, `stats`, `alerts`, anything), one per line, applied to a
//! replica engine as the mirror applies them. A panic, a hang or memory without bound is a
//! finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use streamviz::engine::Engine;
use streamviz::protocol::apply_message;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut engine = Engine::new();
    engine.set_replica(true);
    for line in text.lines() {
        if let Ok(message) = serde_json::from_str::<serde_json::Value>(line) {
            apply_message(&mut engine, &message);
        }
    }
    let _ = engine.snapshot();
});
