//! The `streamviz-viewer` binary's command line: help, and one-line errors for a bad URL, a
//! refused connection, a bad option, and a recording that cannot be replayed (the window itself
//! is tested under Xvfb from pytest).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::process::Command;

fn viewer(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_streamviz-viewer"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn help_documents_every_option() {
    let (code, stdout, _) = viewer(&["--help"]);
    assert_eq!(code, 0);
    for option in [
        "[URL]",
        "--size",
        "--export-dir",
        "--no-dialog",
        "--connect-timeout",
        "--open <DB>",
        "--version",
    ] {
        assert!(stdout.contains(option), "{option} in {stdout}");
    }
}

#[test]
fn a_bad_url_a_refused_connection_and_a_bad_option_each_give_one_line() {
    let (code, _, stderr) = viewer(&["not a url"]);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(stderr.contains("is not a producer URL"), "{stderr}");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (code, _, stderr) = viewer(&[&format!("http://127.0.0.1:{port}")]);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(
        stderr.starts_with("streamviz-viewer: cannot connect to"),
        "{stderr}"
    );

    let (code, _, stderr) = viewer(&["http://127.0.0.1:1", "--size", "huge"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("WIDTHxHEIGHT"), "{stderr}");
}

#[cfg(feature = "sqlite")]
#[test]
fn a_recording_that_cannot_be_replayed_gets_one_line_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db");
    let (code, _, stderr) = viewer(&["--open", missing.to_str().unwrap()]);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(stderr.contains("no such file"), "{stderr}");

    let foreign = dir.path().join("notes.db");
    std::fs::write(&foreign, "plain text, not a database at all, long enough").unwrap();
    let (code, _, stderr) = viewer(&["--open", foreign.to_str().unwrap()]);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(stderr.contains("not a StreamViz database"), "{stderr}");

    // A database with a dashboard but no points or changes has nothing to replay.
    let empty = dir.path().join("empty.db");
    {
        let pipeline = streamviz::ingest::Pipeline::default();
        let store = streamviz::store::Persistence::start(
            &pipeline,
            streamviz::store::StoreOptions::new(&empty),
        )
        .unwrap();
        store.stop();
    }
    let (code, _, stderr) = viewer(&["--open", empty.to_str().unwrap()]);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(stderr.contains("holds nothing to replay"), "{stderr}");

    let (code, _, stderr) = viewer(&["http://127.0.0.1:1", "--open", "x.db"]);
    assert_eq!(code, 2, "a URL and a recording are one too many: {stderr}");
}
