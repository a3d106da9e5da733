//! The `streamviz` command line: serve a dashboard that other processes and languages fill
//! through `POST /api/v1/push` or `push` messages on `/ws` (see docs/PROTOCOL.md), or a
//! recording; hash a password for an `--auth` file. The `streamviz` binary runs it, and so does
//! the Python package's `streamviz` console script (through `stream_viz._core.run_cli`), so that
//! a wheel serves pushes without Cargo.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand};

use crate::alerting::{Notifier, NotifierOptions};
use crate::history::SharedHistory;
use crate::ingest::mirror::{http_url, url_token};
use crate::ingest::Pipeline;
use crate::relay::{Relay, RelayOptions};
use crate::store::{Persistence, StoreOptions};
use crate::web::auth::hash_password;
use crate::web::snapshot::{capture, snapshot_html};
use crate::web::{bind, serve, AuthChoice, ConnectionLimits, Cors, ServerOptions, TlsFiles};

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
    /// Write a dashboard as one self-contained HTML file that opens with no server and no
    /// network: a running server's (its URL; a `?token=` in it, or $STREAMVIZ_TOKEN, is sent as
    /// a bearer token) or a recording's (a database persistence wrote).
    Snapshot {
        /// `http(s)://host:port[/...][?token=...]`, or the path of a recording.
        source: String,
        /// The HTML file to write.
        #[arg(short, long, value_name = "FILE")]
        output: std::path::PathBuf,
    },
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
    /// Serve this recording (a SQLite file, a `postgresql://` database or a `redis://` store
    /// written with persistence) instead, read-only: its
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
    /// Store every update in this SQLite database (`sqlite:///relative.db`,
    /// `sqlite:////absolute.db` or a path), PostgreSQL database
    /// (`postgresql://user[:password]@host[:port]/db`) or Redis (`redis://host[:port][/db]`,
    /// which several servers may share), and load what it holds at start, so restarts and new
    /// viewers see history. Default: memory only (`memory`).
    #[arg(long, value_name = "URL", conflicts_with = "open")]
    persistence: Option<String>,
    /// With --persistence: delete stored data older than this (`24h`, `7d`), at start and
    /// every minute. Default: keep everything (Redis, which holds it all in memory: a day).
    #[arg(long, value_name = "TIME", requires = "persistence")]
    retention: Option<String>,
    /// Share this server's dashboard with every server relaying through the same Redis
    /// (`redis://[user:password@]host[:port][/db]`): producers may push to any of them and
    /// every viewer of any sees all of it (docs/DEPLOY.md).
    #[arg(long, value_name = "URL")]
    relay: Option<String>,
    /// The Redis stream the relay uses; servers on another key make another dashboard.
    #[arg(long, value_name = "KEY", default_value = crate::relay::DEFAULT_STREAM, requires = "relay")]
    relay_stream: String,
    /// A name for this server in the relay, the same at every start (e.g. the host's name):
    /// restarted with its --persistence database, it takes what the other servers sent while it
    /// was down, and nothing twice. Each server needs its own.
    #[arg(long, value_name = "NAME", requires = "relay")]
    relay_name: Option<String>,
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
    crate::ingest::push::apply_push(pipeline, &body.to_string())
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

fn hash_from_stdin() -> u8 {
    let mut password = String::new();
    if std::io::stdin().read_line(&mut password).is_err() || password.trim_end().is_empty() {
        eprintln!("streamviz: give the password on standard input");
        return 1;
    }
    match hash_password(password.trim_end_matches(['\r', '\n'])) {
        Ok(hash) => {
            #[allow(clippy::print_stdout)]
            {
                println!("{hash}");
            }
            0
        }
        Err(err) => {
            eprintln!("streamviz: {err}");
            1
        }
    }
}

/// `streamviz snapshot SOURCE -o FILE`.
fn write_snapshot(source: &str, output: &std::path::Path) -> u8 {
    let html = if source.starts_with("http://") || source.starts_with("https://") {
        snapshot_from_server(source)
    } else {
        snapshot_from_recording(std::path::Path::new(source))
    };
    let written = html.and_then(|html| {
        std::fs::write(output, &html)
            .map(|()| html.len())
            .map_err(|err| format!("cannot write {}: {err}", output.display()))
    });
    match written {
        Ok(bytes) => {
            eprintln!(
                "streamviz: wrote {} ({:.1} MiB)",
                output.display(),
                bytes as f64 / (1 << 20) as f64
            );
            0
        }
        Err(err) => {
            eprintln!("streamviz snapshot: {err}");
            1
        }
    }
}

/// `GET /api/v1/snapshot` of the server at `url` (its path ignored; a `token` in its query, or
/// $STREAMVIZ_TOKEN, sent as a bearer token, never printed), read as the viewer reads a
/// producer's URL.
fn snapshot_from_server(url: &str) -> Result<String, String> {
    let base = http_url(url).map_err(|err| err.to_string())?;
    let token = url_token(url).or_else(|| std::env::var("STREAMVIZ_TOKEN").ok());
    let endpoint = format!("{base}/api/v1/snapshot");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(std::time::Duration::from_secs(120)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut request = agent.get(&endpoint);
    if let Some(token) = token {
        request = request.header("authorization", &format!("Bearer {token}"));
    }
    let mut response = request.call().map_err(|err| format!("{base}: {err}"))?;
    let status = response.status();
    let body = response
        .body_mut()
        .with_config()
        .limit(1 << 30)
        .read_to_string()
        .map_err(|err| format!("{base}: {err}"))?;
    if !status.is_success() {
        return Err(format!("{base} answered {status}: {body:.300}"));
    }
    Ok(body)
}

/// The end state of the recording at `path`, as the snapshot file.
fn snapshot_from_recording(path: &std::path::Path) -> Result<String, String> {
    let pipeline = Pipeline::default();
    let recording = crate::store::open_recording(&pipeline, path).map_err(|err| err.to_string())?;
    let Some((_, taken_ms)) = recording.span else {
        return Err(format!(
            "{} holds nothing to show (no points, no changes)",
            path.display()
        ));
    };
    let captured = capture(&pipeline.engine());
    Ok(snapshot_html(&captured, taken_ms))
}

/// Run `streamviz ARGS` (`args` begins with the program's name) until it is done: the exit
/// status (0 on success, 1 on failure, 2 for a bad option). `--help`, `--version` and a
/// misused option print and exit the process, as clap does.
pub fn run(args: impl IntoIterator<Item = OsString>) -> u8 {
    let command = Cli::parse_from(args).command;
    let serve_args = match command {
        Command::HashPassword => return hash_from_stdin(),
        Command::Snapshot { source, output } => return write_snapshot(&source, &output),
        Command::Serve(args) => *args,
    };
    // Another logger may already be installed (in a Python process): keep it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STREAMVIZ_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .try_init();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(serve_command(serve_args)),
        Err(err) => {
            eprintln!("streamviz: cannot start the async runtime: {err}");
            1
        }
    }
}

/// `streamviz serve`: until Ctrl+C (SIGINT).
async fn serve_command(args: ServeArgs) -> u8 {
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
        persistence,
        retention,
        relay,
        relay_stream,
        relay_name,
        limits,
    } = args;
    let (auth, cors, limits) = match (
        auth_choice(auth.as_deref()),
        cors_choice(&cors),
        limits.limits(),
    ) {
        (Ok(auth), Ok(cors), Ok(limits)) => (auth, cors, limits),
        (Err(err), _, _) | (_, Err(err), _) | (_, _, Err(err)) => {
            eprintln!("streamviz: {err}");
            return 2;
        }
    };
    let pipeline = Pipeline::default();
    let (mut span, mut history) = (None, SharedHistory::default());
    if let Some(path) = open {
        match crate::store::open_recording(&pipeline, &path) {
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
                return 1;
            }
        }
    }
    // Stored history first, so that a relay starting next knows the dashboard is not new.
    let store = match persistence
        .filter(|url| url != "memory")
        .map(|url| store_options(&url, retention.as_deref()))
    {
        None => None,
        Some(Err(err)) => {
            eprintln!("streamviz: {err}");
            return 2;
        }
        Some(Ok(options)) => match start_store(&pipeline, options).await {
            Ok(store) => {
                history = SharedHistory::new(store.history());
                Some(store)
            }
            Err(err) => {
                eprintln!("streamviz: {err}");
                return 1;
            }
        },
    };
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
            return 1;
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
        return 2;
    }
    if let Ok(address) = listener.local_addr() {
        // The token is shown once, to the terminal, in the URL to open (as Jupyter does); never
        // in the log.
        // Said on stderr whatever the log filter (a Python process may have set its own).
        match listener.auth().token() {
            Some(token) => {
                eprintln!("streamviz: serving {scheme}://{address}/ (token access)");
                eprintln!("open {scheme}://{address}/?token={token}");
            }
            None if listener.auth().enabled() => {
                eprintln!("streamviz: serving {scheme}://{address}/ (sign in at /login)")
            }
            None => eprintln!("streamviz: serving {scheme}://{address}/"),
        }
    }
    let relay = match relay {
        Some(url) => {
            let options = RelayOptions {
                stream: relay_stream,
                name: relay_name,
                ..RelayOptions::new(url)
            };
            match Relay::start(&pipeline, options) {
                Ok(relay) => Some(relay),
                Err(err) => {
                    eprintln!("streamviz: {err}");
                    return 2;
                }
            }
        }
        None => None,
    };
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let served = serve(listener, pipeline, &options, shutdown).await;
    // What producers sent last is relayed and stored before the process ends.
    tokio::task::spawn_blocking(move || {
        if let Some(relay) = relay {
            relay.stop();
        }
        if let Some(store) = store {
            store.stop();
        }
    })
    .await
    .ok();
    match served {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("streamviz: {err}");
            1
        }
    }
}

/// The store `--persistence URL` and `--retention TIME` ask for, as `sv.configure` reads them.
fn store_options(url: &str, retention: Option<&str>) -> Result<StoreOptions, String> {
    let path = match url.strip_prefix("sqlite:///") {
        Some("") => {
            return Err("--persistence sqlite:/// names no file; e.g. sqlite:///metrics.db".into())
        }
        Some(path) => path,
        None if url.starts_with("postgresql://") || url.starts_with("postgres://") => url,
        None if url.starts_with("redis://") => url,
        None if url.contains("://") => {
            return Err(format!(
            "--persistence {:?}: sqlite:///path, a path, postgresql://user@host/db or redis://host",
            crate::urls::without_password(url)
        ))
        }
        None => url,
    };
    let retention = match retention.map(humantime::parse_duration) {
        None => None,
        Some(Ok(duration)) if !duration.is_zero() => Some(duration),
        Some(_) => {
            return Err(format!(
                "--retention {:?} is not a duration such as 90m, 24h or 7d",
                retention.unwrap_or_default()
            ))
        }
    };
    Ok(StoreOptions {
        retention,
        ..StoreOptions::new(path)
    })
}

/// Open the store off the runtime's threads: a PostgreSQL client blocks on a runtime of its own.
async fn start_store(
    pipeline: &Pipeline,
    options: StoreOptions,
) -> Result<Persistence, crate::store::StoreError> {
    let pipeline = pipeline.clone();
    tokio::task::spawn_blocking(move || Persistence::start(&pipeline, options))
        .await
        .unwrap_or_else(|err| {
            Err(crate::store::StoreError::Open {
                path: "the database".into(),
                reason: err.to_string(),
            })
        })
}
