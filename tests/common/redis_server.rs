//! A redis-server of our own for the tests (`redis-server` from the distribution, on a free
//! port in a temporary directory), and polling until something holds.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use super::wait_until;

/// A redis-server of our own.
pub struct RedisServer {
    /// Whether every write is on disk before it is acknowledged (kept across a kill).
    durable: bool,
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// A server that keeps nothing on disk.
    pub fn start() -> Self {
        Self::started(false)
    }

    /// A server that writes every command to its append-only file before answering, so a
    /// kill loses nothing it acknowledged.
    pub fn durable() -> Self {
        Self::started(true)
    }

    fn started(durable: bool) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = Self {
            durable,
            child: None,
            port,
            dir: tempfile::tempdir().unwrap(),
        };
        server.run();
        server
    }

    pub fn run(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(if self.durable {
                ["--appendonly", "yes", "--appendfsync", "always"]
            } else {
                ["--appendonly", "no", "--appendfsync", "no"]
            })
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (apt install redis-server)");
        self.child = Some(child);
        let client = redis::Client::open(self.url()).unwrap();
        wait_until("redis-server answers", || {
            client
                .get_connection_with_timeout(Duration::from_millis(200))
                .and_then(|mut c| redis::cmd("PING").query::<String>(&mut c))
                .is_ok()
        });
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }
}

/// The id a Redis store gave a widget's only series.
pub fn series_id(raw: &mut redis::Connection, widget: &str) -> i64 {
    redis::cmd("HGET")
        .arg("streamviz:series")
        .arg(format!("{widget}\x1f"))
        .query(raw)
        .unwrap()
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
