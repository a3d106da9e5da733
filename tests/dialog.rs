//! The native save dialog for real: a viewer (drawn through egui_kittest) exports a widget, rfd
//! asks the desktop portal (xdg-desktop-portal with its GTK backend, on a private D-Bus session
//! bus), the portal shows its GTK file chooser on an Xvfb display, and xdotool types a path into
//! it as a user would. Also: a session bus without a portal makes exports go into the export
//! directory, saying why, and a cancelled dialog writes nothing.
//!
//! Needs Xvfb, dbus-daemon, xdg-desktop-portal, xdg-desktop-portal-gtk and xdotool
//! (`scripts/setup.sh` installs them). One test, because it sets this process's environment.
#![cfg(all(feature = "gui", target_os = "linux"))]
#![allow(clippy::unwrap_used)]

mod common;
use common::KillOnDrop;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use serde_json::json;
use streamviz::engine::Update;
use streamviz::gui::export::dialog_unavailable;
use streamviz::gui::{Source, Viewer, ViewerOptions};
use streamviz::ingest::Pipeline;

/// Start `command` and read the first line it prints (a display number, a bus address).
fn start_and_read_line(mut command: Command) -> (KillOnDrop, String) {
    let program = format!("{:?}", command.get_program());
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("cannot run {program} ({err}); run scripts/setup.sh"));
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(!line.trim().is_empty(), "{program} printed nothing");
    (KillOnDrop(child), line.trim().to_owned())
}

/// A D-Bus session bus: the system's session configuration (which activates the desktop
/// portal on demand) or, with `bare`, one that knows no services at all.
fn session_bus(dir: &Path, bare: bool, env: &[(&str, &str)]) -> (KillOnDrop, String) {
    let mut command = Command::new("dbus-daemon");
    command
        .args(["--nofork", "--print-address=1"])
        .envs(env.iter().copied());
    if bare {
        let config = dir.join("bare-bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir={}</listen>
  <policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>"#,
                dir.display()
            ),
        )
        .unwrap();
        command.arg(format!("--config-file={}", config.display()));
    } else {
        command.arg("--session");
    }
    start_and_read_line(command)
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap_or_else(|err| panic!("cannot run xdotool ({err}); run scripts/setup.sh"));
    assert!(out.status.success(), "xdotool {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Wait for the export dialog (the portal's GTK file chooser) to be on screen and focus it.
fn focus_dialog(display: &str) {
    let found = xdotool(
        display,
        &[
            "search",
            "--sync",
            "--onlyvisible",
            "--name",
            "^Export cpu\\.csv$",
        ],
    );
    let window = found.lines().next().unwrap();
    xdotool(display, &["windowfocus", "--sync", window]);
}

/// Wait until no export dialog is on screen (a closed one may stay mapped for a moment; the
/// next export must not find it).
fn wait_dialog_gone(display: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let out = Command::new("xdotool")
            .args(["search", "--onlyvisible", "--name", "^Export cpu\\.csv$"])
            .env("DISPLAY", display)
            .output()
            .unwrap();
        // xdotool search fails when it finds nothing.
        if !out.status.success() {
            return;
        }
        assert!(Instant::now() < deadline, "the export dialog stays open");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A viewer of one metric with known points, saving through dialogs into `export_dir`.
fn viewer(export_dir: &Path) -> Harness<'static, Viewer> {
    let pipeline = Pipeline::default();
    let cpu = common::declare(&pipeline, "cpu", "metric", json!({"title": "CPU"}));
    for i in 0..50 {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: 1_700_000_000_000.0 + f64::from(i) * 1000.0,
                value: f64::from(i),
            },
            &cpu.dropped,
        );
    }
    assert!(pipeline.flush(Duration::from_secs(10)));
    let options = ViewerOptions {
        export_dir: export_dir.to_owned(),
        dialogs: true,
    };
    let mut harness = Harness::builder()
        .with_size([1000.0, 700.0])
        // No renderer: nothing here is a picture, and wgpu would open the X display the
        // dialog uses (Mesa's EGL) in this process.
        .build_ui_state(
            |ui, viewer: &mut Viewer| viewer.show(ui),
            Viewer::new(Source::Local(pipeline), options),
        );
    harness.run_steps(4);
    harness
}

fn click_export_csv(harness: &mut Harness<'static, Viewer>) {
    harness.get_by_label("💾").click();
    harness.run_steps(2);
    harness.get_by_label("Export CSV").click();
    harness.run_steps(2);
}

/// Step the viewer until `condition` holds (the save runs on a thread of its own). On a timeout
/// the X display (if any) is saved as test-artifacts/dialog-timeout.png.
fn step_until(
    harness: &mut Harness<'static, Viewer>,
    what: &str,
    display: Option<&str>,
    mut condition: impl FnMut(&mut Harness<'static, Viewer>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !condition(harness) {
        if Instant::now() > deadline {
            if let Some(display) = display {
                let shot = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-artifacts");
                let _ = std::fs::create_dir_all(&shot);
                let _ = Command::new("import")
                    .args(["-display", display, "-window", "root"])
                    .arg(shot.join("dialog-timeout.png"))
                    .status();
            }
            panic!(
                "timed out waiting for {what}; the viewer says {:?}",
                harness.state().messages()
            );
        }
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn expected_csv() -> String {
    let mut csv = String::from("ts_ms,value\n");
    for i in 0..50 {
        csv.push_str(&format!("{},{i}\n", 1_700_000_000_000_i64 + i * 1000));
    }
    csv
}

#[test]
fn exports_go_through_the_portals_save_dialog_or_into_the_export_directory_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let runtime_dir = tempfile::tempdir().unwrap();
    let no_zenity = dir.path().join("empty-path");
    std::fs::create_dir(&no_zenity).unwrap();

    // What decides: a bus without a portal offers no dialog, nor does no bus, unless zenity
    // (rfd's other way of asking) is installed.
    let (_bare_bus, bare_address) = session_bus(dir.path(), true, &[]);
    let reason = dialog_unavailable(Some(&bare_address), Some(no_zenity.as_os_str())).unwrap();
    assert!(
        reason.contains("no desktop portal file chooser"),
        "{reason}"
    );
    let reason = dialog_unavailable(None, Some(no_zenity.as_os_str())).unwrap();
    assert!(reason.contains("no D-Bus session bus"), "{reason}");
    let with_zenity = dir.path().join("zenity-path");
    std::fs::create_dir(&with_zenity).unwrap();
    std::fs::write(with_zenity.join("zenity"), "").unwrap();
    assert_eq!(
        dialog_unavailable(None, Some(with_zenity.as_os_str())),
        None
    );

    // An export on a desktop without a portal lands in the export directory, and says why.
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &bare_address);
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::set_var("PATH", &no_zenity);
    let exports = dir.path().join("exports");
    std::fs::create_dir(&exports).unwrap();
    let mut harness = viewer(&exports);
    click_export_csv(&mut harness);
    step_until(&mut harness, "the fallback export", None, |h| {
        !h.state().messages().is_empty()
    });
    let message = harness.state().messages().pop().unwrap();
    let fallback = exports.join("cpu.csv");
    assert!(
        message.starts_with(&format!("Saved {}", fallback.display()))
            && message.contains("no desktop portal file chooser"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&fallback).unwrap(), expected_csv());
    drop(harness);
    std::env::set_var("PATH", path);

    // A desktop with a portal: an X display, and a session bus that starts
    // xdg-desktop-portal and its GTK backend on demand (they draw on that display).
    let (_xvfb, display_number) = start_and_read_line({
        let mut xvfb = Command::new("Xvfb");
        xvfb.args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
        ]);
        xvfb
    });
    let display = format!(":{display_number}");
    let runtime = runtime_dir.path().to_str().unwrap();
    let (_bus, address) = session_bus(
        dir.path(),
        false,
        &[
            ("DISPLAY", display.as_str()),
            ("XDG_CURRENT_DESKTOP", "GNOME"),
            ("XDG_RUNTIME_DIR", runtime),
        ],
    );
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    std::env::set_var("DISPLAY", &display);
    assert_eq!(
        dialog_unavailable(Some(&address), Some(no_zenity.as_os_str())),
        None
    );

    // The user picks another folder and name in the dialog: the file is written there.
    let chosen_dir = dir.path().join("chosen");
    std::fs::create_dir(&chosen_dir).unwrap();
    let chosen = chosen_dir.join("cpu-from-dialog.csv");
    let mut harness = viewer(&exports);
    click_export_csv(&mut harness);
    focus_dialog(&display);
    xdotool(&display, &["key", "--clearmodifiers", "ctrl+a"]);
    xdotool(
        &display,
        &["type", "--delay", "20", chosen.to_str().unwrap()],
    );
    xdotool(&display, &["key", "Return"]);
    step_until(
        &mut harness,
        "the file written from the dialog",
        Some(&display),
        |h| {
            h.state()
                .messages()
                .iter()
                .any(|m| m == &format!("Saved {}", chosen.display()))
        },
    );
    assert_eq!(std::fs::read_to_string(&chosen).unwrap(), expected_csv());
    assert!(
        !exports.join("cpu-2.csv").exists(),
        "nothing went to the export directory"
    );

    // Cancelled: nothing is written.
    wait_dialog_gone(&display);
    click_export_csv(&mut harness);
    focus_dialog(&display);
    xdotool(&display, &["key", "Escape"]);
    step_until(&mut harness, "the cancelled export", Some(&display), |h| {
        h.state().messages().iter().any(|m| m == "Export cancelled")
    });
    let files: Vec<PathBuf> = std::fs::read_dir(&chosen_dir)
        .unwrap()
        .chain(std::fs::read_dir(&exports).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files, vec![chosen, fallback]);
}
