//! PostgreSQL persistence against a real PostgreSQL 15 (the distribution's, started by the tests
//! on a free port in a temporary directory, as the `postgres` user when run as root): what one
//! process stores, the next loads back exactly, as with SQLite; retention; history beyond the
//! ring for range queries; the server going away and coming back (batches kept and retried,
//! nothing lost, the error in the stats meanwhile); passwords never shown.

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use streamviz::ingest::Pipeline;
use streamviz::store::{Persistence, StoreOptions};

mod common;
use common::loads_back_exactly;

const BIN: &str = "/usr/lib/postgresql/15/bin";

/// A PostgreSQL of a test's own, in a temporary directory, on a free port.
struct PgServer {
    data: PathBuf,
    port: u16,
    _dir: tempfile::TempDir,
}

fn as_postgres(program: &str) -> Command {
    // initdb refuses to run as root: the distribution's `postgres` user runs it then.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if root {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", &format!("{BIN}/{program}")]);
        command
    } else {
        Command::new(format!("{BIN}/{program}"))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = as_postgres("pg_ctl")
            .args(["-w", "-m", "immediate", "-D"])
            .arg(&self.data)
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}

impl PgServer {
    /// A server of the test's own (stopped when dropped).
    fn new() -> PgServer {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(
            dir.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .unwrap();
        let data = dir.path().join("data");
        let status = as_postgres("initdb")
            .args(["-A", "trust", "-U", "streamviz", "-D"])
            .arg(&data)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("initdb (apt install postgresql)");
        assert!(status.success(), "initdb");
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = PgServer {
            data,
            port,
            _dir: dir,
        };
        server.start();
        server
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        let status = as_postgres("pg_ctl")
            .args(["-w", "-D"])
            .arg(&self.data)
            .args(["-o", &options, "-l"])
            .arg(self.data.parent().unwrap().join("log"))
            .arg("start")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start");
    }

    fn stop(&self) {
        let status = as_postgres("pg_ctl")
            .args(["-w", "-m", "fast", "-D"])
            .arg(&self.data)
            .arg("stop")
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop");
    }

    /// A new, empty database: its URL.
    fn database(&self) -> String {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let url = format!("postgresql://streamviz@127.0.0.1:{}/postgres", self.port);
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        format!("postgresql://streamviz@127.0.0.1:{}/{name}", self.port)
    }
}

fn options(url: &str) -> StoreOptions {
    StoreOptions::new(Path::new(url))
}

#[test]
fn a_new_process_loads_back_exactly_what_the_last_one_stored() {
    let server = PgServer::new();
    let url = server.database();
    loads_back_exactly(|| options(&url));
}

#[test]
fn a_windowed_metric_stores_its_windows_and_a_new_process_goes_on_from_them() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::windows_load_back(|| options(&url));
}

#[test]
fn chunks_load_the_newest_points_by_time_and_ranges_read_them_in_order() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::newest_and_ranges(|| options(&url));
}

#[test]
fn a_firing_rule_stays_firing_after_a_restart_and_is_not_announced_again() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::firing_rule_survives_a_restart(|| options(&url));
}

#[test]
fn retention_purges_older_points_and_history_reaches_past_the_ring() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::retention_and_history_past_the_ring(|| options(&url));
}

#[test]
fn postgres_restarted_mid_stream_loses_nothing_and_says_so_meanwhile() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::away_and_back(|| options(&url), || server.stop(), || server.start());
}

#[test]
fn a_password_in_the_url_is_never_shown() {
    let server = PgServer::new();
    let url = server.database().replace("streamviz@", "streamviz:s3cret@");
    let pipeline = Pipeline::default();
    // trust authentication: the password is not checked, only carried.
    let store = Persistence::start(&pipeline, options(&url)).unwrap();
    let stats = store.stats();
    assert!(
        !stats.path.contains("s3cret") && stats.path.contains("streamviz@127.0.0.1"),
        "{}",
        stats.path
    );
    assert!(!format!("{store:?}").contains("s3cret"));
    let bad = Persistence::start(
        &Pipeline::default(),
        options("postgresql://streamviz:s3cret@127.0.0.1:1/x"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        bad.contains("cannot open") && !bad.contains("s3cret"),
        "{bad}"
    );
}

#[test]
fn a_database_opens_as_a_recording_that_replays_as_of_a_time() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::opens_as_a_recording(|| options(&url), Path::new(&url));
}
