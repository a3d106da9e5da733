//! Loading a database whose bytes were damaged: a real recording, written once, with bytes of
//! it replaced as the input says, opened as a recording and read. Refusing it with a reason is
//! fine; a panic, a hang or memory without bound is a finding.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use streamviz::ingest::push::apply_push;
use streamviz::ingest::{Pipeline, PipelineOptions};
use streamviz::store::{open_recording, Persistence, StoreOptions};

/// A small recording of every kind of widget, made once.
fn recording() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a directory");
        let path = dir.path().join("r.db");
        let pipeline = Pipeline::default();
        let store = Persistence::start(&pipeline, StoreOptions::new(&path)).expect("a store");
        let push = r#"{"widgets": [{"id": "cpu", "kind": "metric"},
            {"id": "events", "kind": "table", "options": {"key": "id"}},
            {"id": "notes", "kind": "markdown"}],
          "alerts": [{"widget": "cpu", "above": 5}],
          "updates": [{"widget": "cpu", "points": [[1700000000000, 1], [1700000001000, 9]]},
            {"widget": "events", "upsert": [{"row": {"id": 1, "x": "y"}}]},
            {"widget": "notes", "text": "*hi*"}]}"#;
        apply_push(&pipeline, push).expect("the push");
        assert!(pipeline.flush(std::time::Duration::from_secs(10)));
        assert!(store.flush(std::time::Duration::from_secs(10)));
        store.stop();
        std::fs::read(&path).expect("the file")
    })
}

/// Where damaged copies are written: in memory when the machine has /dev/shm (a file per input
/// on disk is what limits the rate).
fn scratch() -> &'static std::path::Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        tempfile::tempdir_in("/dev/shm")
            .or_else(|_| tempfile::tempdir())
            .expect("a directory")
    })
    .path()
}

fuzz_target!(|data: &[u8]| {
    let mut bytes = recording().to_vec();
    // The input is (offset, byte) pairs to write over the file.
    for pair in data.chunks_exact(3) {
        let offset = usize::from(u16::from_le_bytes([pair[0], pair[1]])) % bytes.len();
        bytes[offset] = pair[2];
    }
    let path = scratch().join("damaged.db");
    for stale in ["damaged.db-wal", "damaged.db-shm"] {
        let _ = std::fs::remove_file(scratch().join(stale));
    }
    std::fs::write(&path, &bytes).expect("written");
    // A small queue: the default's 131,072 slots were a fifth of each execution.
    let pipeline = Pipeline::new(PipelineOptions { queue_capacity: 64 });
    if let Ok(recording) = open_recording(&pipeline, &path) {
        let _ = recording.history.points("cpu", "", 0.0, f64::INFINITY);
        let _ = recording.history.changes("events", f64::INFINITY);
        let _ = recording.history.alerts(f64::INFINITY);
    }
});
