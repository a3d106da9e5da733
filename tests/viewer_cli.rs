//! The `streamviz-viewer` binary's command line: help, and one-line errors for a bad URL, a
//! refused connection and a bad option (the window itself is tested under Xvfb from pytest).
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
        "<URL>",
        "--size",
        "--export-dir",
        "--no-dialog",
        "--connect-timeout",
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
