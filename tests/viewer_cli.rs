//! The `streamviz-viewer` binary's command line: help, and one-line errors for a bad URL, a
//! refused connection, a bad option, and a recording that cannot be replayed (the window itself
//! is tested under Xvfb from pytest).
#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)]

use std::process::Command;

mod common;

fn viewer(args: &[&str]) -> (i32, String, String) {
    viewer_with(args, None)
}

/// The viewer with `args`, and `$STREAMVIZ_TOKEN` set to `token` (unset when `None`).
fn viewer_with(args: &[&str], token: Option<&str>) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_streamviz-viewer"));
    match token {
        Some(token) => command.env("STREAMVIZ_TOKEN", token),
        None => command.env_remove("STREAMVIZ_TOKEN"),
    };
    let out = command
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
        "--token <TOKEN>",
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

#[test]
fn a_producer_with_a_token_is_reached_with_it_from_the_url_an_option_or_the_environment() {
    use streamviz::web::auth::AuthConfig;
    use streamviz::web::{AuthChoice, ServerOptions};
    let pipeline = streamviz::ingest::Pipeline::default();
    common::declare(&pipeline, "cpu", "metric", serde_json::json!({}));
    let server = common::start_server_with(
        &pipeline,
        ServerOptions {
            port: 0,
            auth: AuthChoice::On(
                AuthConfig::with_token(Some("viewer-test-token-0123".into())).unwrap(),
            ),
            ..ServerOptions::default()
        },
    );
    let base = format!("http://{}", server.address());
    // Without the token: refused, with the server's reason, in one line.
    let (code, _, stderr) = viewer_with(&[&base], None);
    assert_eq!((code, stderr.lines().count()), (1, 1), "{stderr}");
    assert!(stderr.contains("refused the connection (401"), "{stderr}");
    let (code, _, stderr) = viewer_with(&[&base, "--token", "wrong-token-0123456789"], None);
    assert!(code == 1 && stderr.contains("not valid"), "{stderr}");
    // With it, in any of three ways, the viewer gets as far as opening its window (there is no
    // display here): it was let in.
    for (args, token) in [
        (vec![server.url()], None),
        (
            vec![
                base.clone(),
                "--token".into(),
                "viewer-test-token-0123".into(),
            ],
            None,
        ),
        (vec![base.clone()], Some("viewer-test-token-0123")),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, _, stderr) = viewer_with(&args, token);
        assert_eq!(code, 1, "{stderr}");
        assert!(
            stderr.contains("cannot open a window"),
            "{args:?}: {stderr}"
        );
    }
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
