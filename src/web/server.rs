//! Serving: where and how ([`ServerOptions`]), binding the socket so that a busy port fails at
//! once, the server itself (the hub's fan-out task and the routes), and a server on a thread and
//! runtime of its own ([`ServerHandle`], as Python starts one).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::access::{Access, Cors};
use super::auth::{Auth, AuthConfig};
use super::hub::Hub;
use super::listen::{self, ConnectionLimits, Refusals};
use super::routes::router;
use super::state::AppState;
use super::tls::{server_config, TlsFiles, TlsListener};
use crate::history::SharedHistory;
use crate::ingest::Pipeline;

/// How often live frames are flushed to clients. Default for [`ServerOptions::flush_interval`].
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(25);

/// Frames held for a client before it counts as behind. Default for
/// [`ServerOptions::client_backlog`].
pub const DEFAULT_CLIENT_BACKLOG: usize = 256;

/// Where and how to serve.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to bind. Default: `127.0.0.1` (this machine only).
    pub host: String,
    /// Port; 0 picks a free one. Default: `3000`.
    pub port: u16,
    /// Flush tick of live frames. Default: [`DEFAULT_FLUSH_INTERVAL`].
    pub flush_interval: Duration,
    /// Live frames held for a client that is slow to read; a client further behind is
    /// resynchronised with a fresh snapshot. Default: [`DEFAULT_CLIENT_BACKLOG`].
    pub client_backlog: usize,
    /// Serving a recording (`streamviz serve --open`) spanning these times (epoch ms): browsers
    /// get a time scrubber (`GET /api/v1/recording`, `GET /api/v1/widgets/{id}/at`). Default:
    /// `None` (a live dashboard).
    pub recording: Option<(f64, f64)>,
    /// Where range queries read points older than the rings, and a recording's widgets their
    /// changes: the producer's store (attached and detached as persistence starts and stops) or
    /// the recording served. Default: nothing attached (range queries answer from the rings).
    pub history: SharedHistory,
    /// Host names (without a port) a server bound to a loopback address answers besides
    /// `localhost` and loopback IPs, e.g. a name in `/etc/hosts`; every other Host is refused
    /// (web/access.rs). Default: none.
    pub allowed_hosts: Vec<String>,
    /// Who may use the server. Default: [`AuthChoice::Default`].
    pub auth: AuthChoice,
    /// With [`AuthChoice::Off`], serve a non-loopback address anyway (everyone who reaches the
    /// port sees and changes the dashboard). Default: false, refused with the reason.
    pub allow_anonymous: bool,
    /// Other sites' pages let in. Default: [`Cors::SameOrigin`].
    pub cors: Cors,
    /// Serve HTTPS and WSS with this certificate and key. Default: none (plain HTTP).
    pub tls: Option<TlsFiles>,
    /// Bounds on connections and viewers. Default: [`ConnectionLimits::default`].
    pub limits: ConnectionLimits,
}

/// Who may use a server.
#[derive(Debug, Clone, Default)]
pub enum AuthChoice {
    /// Nobody signs in on a loopback address; a token (`$STREAMVIZ_TOKEN` or a random one)
    /// anywhere else.
    #[default]
    Default,
    /// Nobody signs in (a non-loopback address also needs `allow_anonymous`).
    Off,
    /// As configured.
    On(AuthConfig),
}

impl AuthChoice {
    /// From the JSON that Python's `auth=` and `streamviz serve --auth` give: `null` (or
    /// `"none"`) for nobody signing in, anything else as [`AuthConfig::from_json`] takes it.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        match value {
            serde_json::Value::Null => Ok(Self::Off),
            serde_json::Value::String(none) if none == "none" => Ok(Self::Off),
            other => AuthConfig::from_json(other).map(Self::On),
        }
    }
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 3000,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            client_backlog: DEFAULT_CLIENT_BACKLOG,
            recording: None,
            history: SharedHistory::default(),
            allowed_hosts: Vec::new(),
            auth: AuthChoice::Default,
            allow_anonymous: false,
            cors: Cors::SameOrigin,
            tls: None,
            limits: ConnectionLimits::default(),
        }
    }
}

/// A bound socket, the authentication of the server that will serve it, and its TLS.
#[derive(Debug)]
pub struct Listener {
    socket: std::net::TcpListener,
    auth: Arc<Auth>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Listener {
    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The authentication the server will use (its token, embed tokens).
    pub fn auth(&self) -> &Arc<Auth> {
        &self.auth
    }

    /// Whether it serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }
}

/// Bind the listening socket now, so that a busy port, a bad address or a non-loopback address
/// without authentication fails at once.
pub fn bind(options: &ServerOptions) -> std::io::Result<Listener> {
    let ip: IpAddr = options.host.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{:?} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)",
                options.host
            ),
        )
    })?;
    let config = match (&options.auth, ip.is_loopback()) {
        (AuthChoice::Default, true) | (AuthChoice::Off, _) => None,
        (AuthChoice::Default, false) => Some(
            AuthConfig::with_token(None)
                .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidInput, err))?,
        ),
        // A configuration naming nobody is no authentication at all.
        (AuthChoice::On(config), _) => Some(config.clone()).filter(|c| !c.is_empty()),
    };
    if config.is_none() && !ip.is_loopback() && !options.allow_anonymous {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{ip} is reachable from other machines, and without authentication everyone who \
                 reaches it could read and change the dashboard: use auth (e.g. auth=\"token\"), \
                 or say allow_anonymous=True (--allow-anonymous) if that is what you want"
            ),
        ));
    }
    let tls = options.tls.as_ref().map(server_config).transpose()?;
    let socket = listen_socket(SocketAddr::new(ip, options.port))?;
    if !ip.is_loopback() {
        match (config.is_some(), tls.is_some()) {
            (false, _) => tracing::warn!(
                "serving on {ip}, reachable from other machines, without authentication"
            ),
            (true, false) => tracing::warn!(
                "serving on {ip} without TLS: the token and passwords travel in clear"
            ),
            (true, true) => {}
        }
    }
    let auth = Arc::new(Auth::new(
        config,
        socket.local_addr()?.port(),
        tls.is_some(),
    ));
    Ok(Listener { socket, auth, tls })
}

/// Connections the kernel queues for the accept loop. std's 128 made a burst of connections (a
/// thousand idle sockets, viewers reconnecting after a restart) wait a whole second, the SYN
/// retry, once every 129 while the queue was full; the kernel caps it at `net.core.somaxconn`.
const LISTEN_BACKLOG: i32 = 4096;

/// A non-blocking listening socket on `address`, reusing the address as std's does.
fn listen_socket(address: SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(LISTEN_BACKLOG)?;
    socket.set_nonblocking(true)?;
    Ok(socket.into())
}

/// What a server answers with, apart from its socket: the routes over the state they share.
pub struct App {
    /// Every route, behind the access checks and authentication.
    pub router: axum::Router,
    /// What the bounds on connections refused (the accept loop counts there too).
    pub refusals: Arc<Refusals>,
    /// Sending `true` stops the hub's fan-out task.
    pub stop_hub: tokio::sync::watch::Sender<bool>,
}

/// The routes a server of `pipeline` answers with, as `options` and `auth` say, for a server
/// listening on `bound` (its Host checks follow it). Spawns the hub's fan-out task: call it
/// within a Tokio runtime. [`serve`] puts it behind its socket; the `queries` fuzz target calls
/// it without one.
pub fn app(pipeline: Pipeline, options: &ServerOptions, auth: Arc<Auth>, bound: IpAddr) -> App {
    let access = Arc::new(Access::new(
        bound,
        &options.allowed_hosts,
        options.cors.clone(),
    ));
    let (stop_hub, hub_stopped) = tokio::sync::watch::channel(false);
    let hub = Hub::spawn(
        pipeline.clone(),
        options.flush_interval,
        options.client_backlog,
        hub_stopped,
    );
    let refusals = Arc::new(Refusals::default());
    let router = router(
        AppState {
            pipeline,
            hub,
            history: options.history.clone(),
            recording: options.recording,
            auth,
            limits: options.limits,
            refusals: Arc::clone(&refusals),
            viewer_slots: Arc::new(tokio::sync::Semaphore::new(options.limits.max_viewers)),
        },
        access,
    );
    App {
        router,
        refusals,
        stop_hub,
    }
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: Listener,
    pipeline: Pipeline,
    options: &ServerOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let Listener { socket, auth, tls } = listener;
    let listener = tokio::net::TcpListener::from_std(socket)?;
    let App {
        router: app,
        refusals,
        stop_hub,
    } = app(pipeline, options, auth, listener.local_addr()?.ip());
    let shutdown = async move {
        shutdown.await;
        let _ = stop_hub.send(true);
    };
    match tls {
        None => listen::serve(listener, app, options.limits, refusals, shutdown).await,
        Some(config) => {
            let listener = TlsListener::new(listener, config)?;
            listen::serve(listener, app, options.limits, refusals, shutdown).await;
        }
    }
    Ok(())
}

/// A server running on its own thread and runtime, as started from Python.
pub struct ServerHandle {
    address: SocketAddr,
    auth: Arc<Auth>,
    tls: bool,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Bind and start serving on a new thread named `streamviz-web`.
    pub fn start(pipeline: Pipeline, options: ServerOptions) -> std::io::Result<Self> {
        let listener = bind(&options)?;
        let address = listener.local_addr()?;
        let auth = Arc::clone(listener.auth());
        let tls = listener.is_tls();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("streamviz-web-worker")
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("streamviz-web".into())
            .spawn(move || {
                let served = runtime.block_on(serve(listener, pipeline, &options, async move {
                    let _ = stopped.await;
                }));
                if let Err(err) = served {
                    tracing::error!("the web server stopped: {err}");
                }
                // Close open WebSockets without waiting for their clients.
                runtime.shutdown_timeout(Duration::from_millis(200));
            })?;
        Ok(Self {
            address,
            auth,
            tls,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The dashboard's address, e.g. `http://127.0.0.1:3000/` (`https://` with TLS), without
    /// credentials.
    pub fn base_url(&self) -> String {
        let host = if self.address.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            self.address.ip().to_string()
        };
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{host}:{}/", self.address.port())
    }

    /// The dashboard URL to open, with the token when the server has one
    /// (`http://127.0.0.1:3000/?token=...`).
    pub fn url(&self) -> String {
        match self.auth.token() {
            Some(token) => format!("{}?token={token}", self.base_url()),
            None => self.base_url(),
        }
    }

    /// The access token, in token mode.
    pub fn token(&self) -> Option<String> {
        self.auth.token().map(str::to_owned)
    }

    /// A URL that opens widget `id` alone, read-only, until `expires` (epoch seconds; 0:
    /// until [`rotate_embed_secret`](Self::rotate_embed_secret)).
    pub fn embed_url(&self, id: &str, expires: u64) -> String {
        format!(
            "{}embed/{id}?embed={}",
            self.base_url(),
            self.auth.embed_token(id, expires)
        )
    }

    /// Revoke every embed URL given out so far.
    pub fn rotate_embed_secret(&self) {
        self.auth.rotate_embed_secret();
    }

    /// Stop serving and wait for the server thread to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}
