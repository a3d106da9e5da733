//! Serving: where and how ([`ServerOptions`]), binding the socket so that a busy port fails at
//! once, the server itself (the hub's fan-out task and the routes), and a server on a thread and
//! runtime of its own ([`ServerHandle`], as Python starts one).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::access::Access;
use super::hub::Hub;
use super::routes::router;
use super::state::AppState;
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
        }
    }
}

/// Bind the listening socket now, so that a busy port or a bad address fails at once.
pub fn bind(options: &ServerOptions) -> std::io::Result<std::net::TcpListener> {
    let ip: IpAddr = options.host.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "{:?} is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)",
                options.host
            ),
        )
    })?;
    let listener = std::net::TcpListener::bind(SocketAddr::new(ip, options.port))?;
    listener.set_nonblocking(true)?;
    if !ip.is_loopback() {
        tracing::warn!("serving on {ip}, reachable from other machines, without authentication");
    }
    Ok(listener)
}

/// Serve until `shutdown` resolves.
pub async fn serve(
    listener: std::net::TcpListener,
    pipeline: Pipeline,
    options: &ServerOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let access = Arc::new(Access::new(
        listener.local_addr()?.ip(),
        &options.allowed_hosts,
    ));
    let (stop_hub, hub_stopped) = tokio::sync::watch::channel(false);
    let hub = Hub::spawn(
        pipeline.clone(),
        options.flush_interval,
        options.client_backlog,
        hub_stopped,
    );
    let app = router(
        AppState {
            pipeline,
            hub,
            history: options.history.clone(),
            recording: options.recording,
        },
        access,
    );
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop_hub.send(true);
    })
    .await;
    result
}

/// A server running on its own thread and runtime, as started from Python.
pub struct ServerHandle {
    address: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// Bind and start serving on a new thread named `streamviz-web`.
    pub fn start(pipeline: Pipeline, options: ServerOptions) -> std::io::Result<Self> {
        let listener = bind(&options)?;
        let address = listener.local_addr()?;
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
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The dashboard URL, e.g. `http://127.0.0.1:3000/`.
    pub fn url(&self) -> String {
        let host = if self.address.ip().is_unspecified() {
            "127.0.0.1".to_owned()
        } else {
            self.address.ip().to_string()
        };
        format!("http://{host}:{}/", self.address.port())
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
