//! `streamviz-viewer URL`: the command line of the native viewer, shared by the Rust binary and
//! the Python console script.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;

use super::{Source, ViewerOptions};
use crate::ingest::mirror::{ClientOptions, Mirror, MirrorStatus};

/// Native viewer of a StreamViz producer: shows its dashboard with full history and live
/// updates, and reconnects by itself when the producer goes away.
#[derive(Debug, Parser)]
#[command(name = "streamviz-viewer", version)]
pub struct Args {
    /// The producer's address, as a browser opens it (http://host:port) or its WebSocket
    /// (ws://host:port/ws).
    #[arg(required_unless_present = "open", conflicts_with = "open")]
    pub url: Option<String>,
    /// Replay a recording instead (a database written with persistence), with no producer
    /// running: its dashboard as stored and a time scrubber; the file is only read.
    #[cfg(feature = "sqlite")]
    #[arg(long, value_name = "DB")]
    pub open: Option<PathBuf>,
    /// Initial window size in points, WIDTHxHEIGHT.
    #[arg(long, default_value = "1280x800", value_parser = parse_size)]
    pub size: (f32, f32),
    /// Directory exports (CSV, JSON, PNG) are written to when no save dialog is shown (no
    /// desktop portal or zenity, or --no-dialog).
    #[arg(long, default_value = ".")]
    pub export_dir: PathBuf,
    /// Never show a save dialog; write exports straight into --export-dir.
    #[arg(long)]
    pub no_dialog: bool,
    /// The producer's token, or an API key, sent as a bearer token (default: the URL's
    /// `?token=`, else $STREAMVIZ_TOKEN). Prefer the environment variable: a command line is
    /// visible to other users of the machine.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// For an https:// producer with a self-signed certificate or a private CA: trust the
    /// certificates in this PEM file instead of the public roots (default: $STREAMVIZ_CA_FILE,
    /// else the public roots).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Seconds to wait for the first connection before giving up.
    #[arg(long, default_value_t = 5.0, value_parser = parse_seconds)]
    pub connect_timeout: f64,
}

fn parse_size(text: &str) -> Result<(f32, f32), String> {
    let (w, h) = text
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("{text:?} is not WIDTHxHEIGHT, e.g. 1280x800"))?;
    let parse = |v: &str| {
        v.trim()
            .parse::<f32>()
            .ok()
            .filter(|v| (200.0..=16_384.0).contains(v))
            .ok_or_else(|| format!("{v:?} is not a size between 200 and 16384"))
    };
    Ok((parse(w)?, parse(h)?))
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|v| (0.1..=3600.0).contains(v))
        .ok_or_else(|| format!("{text:?} is not a number of seconds between 0.1 and 3600"))
}

/// Connect to `url` and wait for the dashboard, or say in one line why not.
pub fn connect(url: &str, options: ClientOptions, timeout: Duration) -> Result<Mirror, String> {
    let mirror = Mirror::start_with(url, options).map_err(|err| err.to_string())?;
    let deadline = Instant::now() + timeout;
    let mut seen = 0;
    loop {
        match mirror.status() {
            MirrorStatus::Live => return Ok(mirror),
            MirrorStatus::Reconnecting(reason) => {
                return Err(format!("cannot connect to {url}: {reason}"))
            }
            MirrorStatus::Refused(reason) => return Err(reason),
            MirrorStatus::Incompatible(reason) => {
                return Err(format!(
                    "{url} is not a compatible StreamViz producer: {reason}"
                ))
            }
            MirrorStatus::Stopped => return Err(format!("the connection to {url} stopped")),
            MirrorStatus::Connecting => {}
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!(
                "no answer from {url} within {:.1} s",
                timeout.as_secs_f64()
            ));
        }
        seen = mirror.wait_for_event(seen, left);
    }
}

/// Run the viewer with command-line `args` (the program name first); the process's exit code.
pub fn main_with_args(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    ExitCode::from(run_with_args(args))
}

/// [`main_with_args`] returning the exit status as a number (0 success, 1 connection or window
/// failure, 2 usage error); `--help` and `--version` print and exit the process, as usual.
pub fn run_with_args(args: impl IntoIterator<Item = OsString>) -> u8 {
    let args = Args::parse_from(args);
    if !args.export_dir.is_dir() {
        eprintln!(
            "streamviz-viewer: --export-dir {} is not a directory",
            args.export_dir.display()
        );
        return 2;
    }
    let options = ViewerOptions {
        export_dir: args.export_dir,
        dialogs: !args.no_dialog && super::options::dialogs_wanted(),
    };
    #[cfg(feature = "sqlite")]
    if let Some(path) = &args.open {
        let pipeline = crate::ingest::Pipeline::default();
        let recording = match crate::store::open_recording(&pipeline, path) {
            Ok(recording) => recording,
            Err(err) => {
                eprintln!("streamviz-viewer: {err}");
                return 1;
            }
        };
        let Some(span) = recording.span else {
            eprintln!(
                "streamviz-viewer: {} holds nothing to replay (no points, no changes)",
                path.display()
            );
            return 1;
        };
        eprintln!(
            "streamviz-viewer: replaying {} ({} widgets)",
            path.display(),
            recording.widgets
        );
        let source = Source::Stored {
            pipeline,
            history: recording.history,
        };
        let result = super::run_with(source, options, [args.size.0, args.size.1], move |viewer| {
            viewer.set_recording(span)
        });
        return match result {
            Ok(()) => 0,
            Err(err) => {
                eprintln!("streamviz-viewer: cannot open a window: {err}");
                1
            }
        };
    }
    let url = args.url.unwrap_or_default();
    let client = ClientOptions {
        token: args
            .token
            .or_else(|| crate::ingest::mirror::url_token(&url))
            .or_else(|| std::env::var(crate::protocol::TOKEN_ENV).ok()),
        ca_file: args
            .ca_file
            .or_else(|| std::env::var_os("STREAMVIZ_CA_FILE").map(PathBuf::from)),
    };
    let mirror = match connect(&url, client, Duration::from_secs_f64(args.connect_timeout)) {
        Ok(mirror) => mirror,
        Err(reason) => {
            eprintln!("streamviz-viewer: {reason}");
            return 1;
        }
    };
    match super::run(Source::Mirror(mirror), options, [args.size.0, args.size.1]) {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("streamviz-viewer: cannot open a window: {err}");
            1
        }
    }
}
