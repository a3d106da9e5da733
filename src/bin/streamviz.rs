//! `streamviz`: serve a dashboard that other processes and languages fill through
//! `POST /api/v1/push` or `push` messages on `/ws` (see docs/PROTOCOL.md).

use clap::{Parser, Subcommand};
use streamviz::history::SharedHistory;
use streamviz::ingest::Pipeline;
use streamviz::web::{bind, serve, ServerOptions};

#[derive(Parser)]
#[command(
    name = "streamviz",
    version,
    about = "Live dashboards for streaming data"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve an empty dashboard that is filled by pushes, or (with --open) a recording.
    Serve {
        /// Address to bind; 0.0.0.0 serves the network (without authentication in this version).
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        /// Port; 0 picks a free one.
        #[arg(long, default_value_t = 3000)]
        port: u16,
        /// Serve this recording (a database written with persistence) instead, read-only: its
        /// dashboard as stored, and its older points to any time range a browser asks for.
        #[arg(long, value_name = "DB")]
        open: Option<std::path::PathBuf>,
        /// A host name (without port) this server answers besides localhost and loopback IPs
        /// when bound to a loopback address; repeat for several. Requests naming any other host
        /// are refused (DNS rebinding).
        #[arg(long = "allowed-host", value_name = "NAME")]
        allowed_hosts: Vec<String>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STREAMVIZ_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let Command::Serve {
        host,
        port,
        open,
        allowed_hosts,
    } = Cli::parse().command;
    let pipeline = Pipeline::default();
    let (mut span, mut history) = (None, SharedHistory::default());
    if let Some(path) = open {
        match streamviz::store::open_recording(&pipeline, &path) {
            Ok(recording) => {
                tracing::info!(
                    "opened the recording {} ({} widgets, {} points held; older points are read on demand)",
                    path.display(),
                    recording.widgets,
                    recording.points
                );
                span = recording.span;
                history = SharedHistory::new(recording.history);
            }
            Err(err) => {
                eprintln!("streamviz: {err}");
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    let options = ServerOptions {
        host,
        port,
        recording: span,
        history,
        allowed_hosts,
        ..ServerOptions::default()
    };
    let listener = match bind(&options) {
        Ok(listener) => listener,
        Err(err) => {
            eprintln!(
                "streamviz: cannot serve on {}:{}: {err}",
                options.host, options.port
            );
            return std::process::ExitCode::FAILURE;
        }
    };
    if let Ok(address) = listener.local_addr() {
        tracing::info!("serving http://{address}/");
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match serve(listener, pipeline, &options, shutdown).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("streamviz: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}
