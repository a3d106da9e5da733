//! `streamviz`: serve a dashboard that other processes and languages fill through
//! `POST /api/v1/push` or `push` messages on `/ws` (see docs/PROTOCOL.md).

use clap::{Args, Parser, Subcommand};
use streamviz::alerting::{Notifier, NotifierOptions};
use streamviz::history::SharedHistory;
use streamviz::ingest::Pipeline;
use streamviz::web::auth::hash_password;
use streamviz::web::{bind, serve, AuthChoice, ConnectionLimits, Cors, ServerOptions, TlsFiles};

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
    Serve(Box<ServeArgs>),
    /// Print the argon2 hash of a password read from standard input, for `password_hash` in an
    /// --auth file.
    HashPassword,
}

/// What `streamviz serve` takes.
#[derive(Args)]
struct ServeArgs {
    /// Address to bind; 0.0.0.0 serves the network (with a token unless --auth says
    /// otherwise).
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
    /// Who may use the dashboard: `token` (a token from $STREAMVIZ_TOKEN or a random one,
    /// printed in the URL), `none`, or a JSON file of users and API keys with roles
    /// (docs/SECURITY.md). Default: none on a loopback address, token elsewhere.
    #[arg(long, value_name = "token|none|FILE")]
    auth: Option<String>,
    /// Serve a non-loopback address with --auth none (everyone who reaches the port may
    /// read and change the dashboard).
    #[arg(long)]
    allow_anonymous: bool,
    /// An origin (scheme://host[:port]) whose pages may call the API, stream and frame the
    /// dashboard and its embeds; `local` for pages served from this machine; repeat for
    /// several. Default: the dashboard's own origin only.
    #[arg(long, value_name = "ORIGIN")]
    cors: Vec<String>,
    /// Serve HTTPS and WSS with this certificate chain (PEM); needs --tls-key.
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<std::path::PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<std::path::PathBuf>,
    /// Declare at start what this JSON file holds: a list of alert rules, or a push
    /// (`{"widgets": [...], "alerts": [...]}`) declaring the widgets they watch too
    /// (docs/PROTOCOL.md).
    #[arg(long, value_name = "FILE")]
    alerts: Option<std::path::PathBuf>,
    /// Send every alert's notifications (fired, resolved) to this URL, as Alertmanager's
    /// webhook does.
    #[arg(long, value_name = "URL")]
    alert_webhook: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Bounds on what clients may hold (docs/PROTOCOL.md, "Bounds").
#[derive(Args)]
struct LimitArgs {
    /// Most HTTP connections open at once; more are closed at once. Default: 4096.
    #[arg(long, value_name = "N")]
    max_connections: Option<u64>,
    /// Time a client has to send a request's line and headers. Default: 10s.
    #[arg(long, value_name = "TIME")]
    header_timeout: Option<String>,
    /// Time a client has to send a request's body once its head is in. Default: 30s.
    #[arg(long, value_name = "TIME")]
    body_timeout: Option<String>,
    /// Most WebSocket viewers at once; more are answered 503. Default: 1000.
    #[arg(long, value_name = "N")]
    max_viewers: Option<u64>,
    /// How often viewers are pinged; one that has not answered by the next ping is dropped.
    /// Default: 20s.
    #[arg(long, value_name = "TIME")]
    ping_interval: Option<String>,
    /// Most WebSocket messages, or HTTP pushes, one connection may send a second; more are
    /// refused with a reason. Default: 1000.
    #[arg(long, value_name = "N")]
    max_messages_per_second: Option<u64>,
}

impl LimitArgs {
    /// The limits asked for, checked as `sv.configure(limits=)` checks them.
    fn limits(&self) -> Result<ConnectionLimits, String> {
        let mut given = serde_json::Map::new();
        for (name, value) in [
            ("max_connections", self.max_connections.map(Into::into)),
            (
                "header_timeout",
                self.header_timeout.clone().map(Into::into),
            ),
            ("body_timeout", self.body_timeout.clone().map(Into::into)),
            ("max_viewers", self.max_viewers.map(Into::into)),
            ("ping_interval", self.ping_interval.clone().map(Into::into)),
            (
                "max_messages_per_second",
                self.max_messages_per_second.map(Into::into),
            ),
        ] {
            if let Some(value) = value {
                given.insert(name.to_string(), value);
            }
        }
        // The error names the limit first (`limits.max_viewers is ...`): said as its option.
        ConnectionLimits::from_json(&serde_json::Value::Object(given)).map_err(|err| {
            match err.strip_prefix("limits.").and_then(|e| e.split_once(' ')) {
                Some((name, rest)) => format!("--{} {rest}", name.replace('_', "-")),
                None => err,
            }
        })
    }
}

/// Apply `--alerts FILE`: a list of rules, or a push declaring widgets and rules.
fn declare_alerts(pipeline: &Pipeline, path: &std::path::Path) -> Result<(), String> {
    let at = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("--alerts {at}: cannot read it: {err}"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|err| format!("--alerts {at}: not JSON: {err}"))?;
    let body = match value {
        serde_json::Value::Array(rules) => serde_json::json!({ "alerts": rules }),
        push => push,
    };
    streamviz::ingest::push::apply_push(pipeline, &body.to_string())
        .map(|_| ())
        .map_err(|err| format!("--alerts {at}: {err}"))
}

/// The authentication `--auth` asks for.
fn auth_choice(auth: Option<&str>) -> Result<AuthChoice, String> {
    match auth {
        None => Ok(AuthChoice::Default),
        Some(word @ ("none" | "token")) => AuthChoice::from_json(&serde_json::json!(word)),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|err| format!("--auth {path}: cannot read it: {err}"))?;
            let value: serde_json::Value = serde_json::from_str(&text)
                .map_err(|err| format!("--auth {path}: not JSON: {err}"))?;
            AuthChoice::from_json(&value).map_err(|err| format!("--auth {path}: {err}"))
        }
    }
}

/// The origins `--cors` lets in.
fn cors_choice(origins: &[String]) -> Result<Cors, String> {
    match origins {
        [] => Ok(Cors::SameOrigin),
        [local] if local == "local" => Ok(Cors::Loopback),
        origins => {
            Cors::from_json(&serde_json::json!(origins)).map_err(|err| format!("--cors: {err}"))
        }
    }
}

fn hash_from_stdin() -> std::process::ExitCode {
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() || password.trim_end().is_empty() {
        eprintln!("streamviz: give the password on standard input");
        return std::process::ExitCode::FAILURE;
    }
    match hash_password(password.trim_end_matches(['\r', '\n'])) {
        Ok(hash) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{hash}");
            }
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("streamviz: {err}");
            std::process::ExitCode::FAILURE
        }
    }
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
    let ServeArgs {
        host,
        port,
        open,
        allowed_hosts,
        auth,
        allow_anonymous,
        cors,
        tls_cert,
        tls_key,
        alerts,
        alert_webhook,
        limits,
    } = match Cli::parse().command {
        Command::HashPassword => return hash_from_stdin(),
        Command::Serve(args) => *args,
    };
    let (auth, cors, limits) = match (
        auth_choice(auth.as_deref()),
        cors_choice(&cors),
        limits.limits(),
    ) {
        (Ok(auth), Ok(cors), Ok(limits)) => (auth, cors, limits),
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
            eprintln!("streamviz: {err}");
            return std::process::ExitCode::from(2);
        }
    };
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
        auth,
        allow_anonymous,
        cors,
        tls: tls_cert
            .zip(tls_key)
            .map(|(cert, key)| TlsFiles { cert, key }),
        limits,
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
    let scheme = if listener.is_tls() { "https" } else { "http" };
    let notifier = Notifier::start(
        &pipeline,
        NotifierOptions {
            external_url: listener
                .local_addr()
                .map(|a| format!("{scheme}://{a}"))
                .unwrap_or_default(),
            ..NotifierOptions::default()
        },
    );
    let declared = notifier
        .set_webhook(alert_webhook.as_deref())
        .and_then(|()| alerts.map_or(Ok(()), |path| declare_alerts(&pipeline, &path)));
    if let Err(err) = declared {
        eprintln!("streamviz: {err}");
        return std::process::ExitCode::from(2);
    }
    if let Ok(address) = listener.local_addr() {
        // The token is shown once, to the terminal, in the URL to open (as Jupyter does); never
        // in the log.
        match listener.auth().token() {
            Some(token) => {
                tracing::info!("serving {scheme}://{address}/ (token access)");
                eprintln!("open {scheme}://{address}/?token={token}");
            }
            None if listener.auth().enabled() => {
                tracing::info!("serving {scheme}://{address}/ (sign in at /login)")
            }
            None => tracing::info!("serving {scheme}://{address}/"),
        }
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
