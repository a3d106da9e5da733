//! PostgreSQL persistence against a real PostgreSQL 15 (the distribution's, started by the tests
//! on a free port in a temporary directory, as the `postgres` user when run as root): what one
//! process stores, the next loads back exactly, as with SQLite; retention; history beyond the
//! ring for range queries; the server going away and coming back (batches kept and retried,
//! nothing lost, the error in the stats meanwhile); passwords never shown. With TimescaleDB
//! (when this machine's PostgreSQL has it: it has no Debian package, so it is built from source
//! where it is tested, and these tests say they are skipped elsewhere): the same scenarios over a
//! hypertable, old days compressed and still read exactly, days past the retention dropped by
//! TimescaleDB's job, and a plain table converted with its rows.

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
const TIMESCALE_CONTROL: &str = "/usr/share/postgresql/15/extension/timescaledb.control";

/// A PostgreSQL of a test's own, in a temporary directory, on a free port.
struct PgServer {
    data: PathBuf,
    port: u16,
    /// Started with TimescaleDB preloaded, and each new database has the extension.
    timescale: bool,
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
        Self::started(false)
    }

    /// A server with TimescaleDB, `None` (and a line saying the test is skipped) when this
    /// machine's PostgreSQL does not have it.
    fn with_timescale(test: &str) -> Option<PgServer> {
        if !Path::new(TIMESCALE_CONTROL).exists() {
            eprintln!("{test}: skipped, TimescaleDB is not installed ({TIMESCALE_CONTROL})");
            return None;
        }
        Some(Self::started(true))
    }

    fn started(timescale: bool) -> PgServer {
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
            timescale,
            _dir: dir,
        };
        server.start();
        server
    }

    fn start(&self) {
        let mut options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data.parent().unwrap().display()
        );
        if self.timescale {
            options.push_str(
                " -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off",
            );
        }
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
        let url = format!("postgresql://streamviz@127.0.0.1:{}/{name}", self.port);
        if self.timescale {
            self.sql(&url, "CREATE EXTENSION timescaledb");
        }
        url
    }

    /// Run `sql` in the database at `url`.
    fn sql(&self, url: &str, sql: &str) {
        let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
        client.batch_execute(sql).unwrap();
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
fn a_widgets_state_outlives_the_retention() {
    let server = PgServer::new();
    let url = server.database();
    common::stores::state_outlives_the_retention(|| options(&url));
    // The purge took what the table's newest snapshot includes: that snapshot and the change
    // after it are left.
    let left = |table: &str| {
        number(
            &url,
            &format!("SELECT count(*) FROM {table} WHERE widget = 'events'"),
        )
    };
    assert_eq!(
        (left("streamviz_changes"), left("streamviz_snapshots")),
        (1, 1)
    );
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

/// One number from `sql` in the database at `url`.
fn number(url: &str, sql: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client.query_one(sql, &[]).unwrap().get(0)
}

/// The id of the points table's TimescaleDB job running `proc` (`policy_compression`,
/// `policy_retention`).
fn job(url: &str, proc: &str) -> i32 {
    number(
        url,
        &format!(
            "SELECT job_id::bigint FROM timescaledb_information.jobs \
             WHERE proc_name = '{proc}' AND hypertable_name = 'streamviz_chunks'"
        ),
    ) as i32
}

const PARTITIONS: &str = "SELECT count(*) FROM show_chunks('streamviz_chunks')";
const HYPERTABLES: &str = "SELECT count(*) FROM timescaledb_information.hypertables \
                           WHERE hypertable_name = 'streamviz_chunks'";
const SCHEMA_VERSION: &str =
    "SELECT value::bigint FROM streamviz_meta WHERE key = 'schema_version'";

/// The store at `url` opened again, what it loads checked against the dashboard `before`.
fn reopened_exactly(url: &str, before: &[serde_json::Value]) -> Persistence {
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options(url)).unwrap();
    assert_eq!(common::dashboard(&pipeline), before, "loaded back exactly");
    store
}

/// A dashboard stored at `url` as version 1 stored it (no `t1_ms`): the dashboard.
fn stored_as_version_1(server: &PgServer, url: &str) -> Vec<serde_json::Value> {
    let first = Pipeline::default();
    let store = Persistence::start(&first, options(url)).unwrap();
    common::feed(&first);
    let timeout = std::time::Duration::from_secs(10);
    assert!(first.flush(timeout) && store.flush(timeout));
    store.stop();
    server.sql(
        url,
        "ALTER TABLE streamviz_chunks DROP COLUMN t1_ms; \
         UPDATE streamviz_meta SET value = '1' WHERE key = 'schema_version'",
    );
    common::dashboard(&first)
}
const DAY_MS: f64 = 86_400_000.0;

#[test]
fn with_timescaledb_every_scenario_holds_over_a_hypertable() {
    let Some(server) = PgServer::with_timescale("hypertable scenarios") else {
        return;
    };
    let url = server.database();
    loads_back_exactly(|| options(&url));
    assert_eq!(
        number(&url, HYPERTABLES),
        1,
        "the points table is a hypertable"
    );
    assert!(
        job(&url, "policy_compression") > 0,
        "with a compression job"
    );
    let url = server.database();
    common::stores::windows_load_back(|| options(&url));
    let url = server.database();
    common::stores::newest_and_ranges(|| options(&url));
    let url = server.database();
    common::stores::firing_rule_survives_a_restart(|| options(&url));
    let url = server.database();
    common::stores::retention_and_history_past_the_ring(|| options(&url));
    let url = server.database();
    common::stores::state_outlives_the_retention(|| options(&url));
    let url = server.database();
    common::stores::away_and_back(|| options(&url), || server.stop(), || server.start());
}

#[test]
fn timescaledb_compresses_old_days_and_drops_days_past_the_retention() {
    use serde_json::json;
    use std::time::Duration;
    use streamviz::clock::now_ms;
    use streamviz::Update;

    let Some(server) = PgServer::with_timescale("compression and retention") else {
        return;
    };
    let url = server.database();
    let pipeline = Pipeline::default();
    let store = Persistence::start(&pipeline, options(&url)).unwrap();
    let cpu = common::declare(&pipeline, "cpu", "metric", json!({"max_points": 10}));
    let now = now_ms();
    // One write each, so that each lands in the partition of its own day.
    for (age_days, value) in [(20.0, 1.0), (10.0, 2.0), (3.0, 3.0), (0.0, 4.0)] {
        pipeline.send(
            Update::Point {
                widget: cpu.widget,
                ts_ms: now - age_days * DAY_MS,
                value,
            },
            &cpu.dropped,
        );
        let timeout = Duration::from_secs(10);
        assert!(pipeline.flush(timeout) && store.flush(timeout));
    }
    assert_eq!(number(&url, PARTITIONS), 4, "a partition a day");

    server.sql(
        &url,
        &format!("CALL run_job({})", job(&url, "policy_compression")),
    );
    assert_eq!(
        number(
            &url,
            "SELECT count(*) FROM timescaledb_information.chunks \
             WHERE hypertable_name = 'streamviz_chunks' AND is_compressed"
        ),
        2,
        "the days older than a week are compressed"
    );
    assert_eq!(
        common::stores::stored_values(&store, "cpu"),
        [1.0, 2.0, 3.0, 4.0]
    );
    let range: Vec<f64> = store
        .history()
        .points("cpu", "", now - 11.0 * DAY_MS, now - 9.0 * DAY_MS)
        .unwrap()
        .into_iter()
        .map(|p| p.1)
        .collect();
    assert_eq!(range, [2.0], "a range read from a compressed day");
    store.stop();

    // Opened with a retention of five days: TimescaleDB's job is set to drop what is older.
    let mut retained = options(&url);
    retained.retention = Some(Duration::from_secs(5 * 24 * 3600));
    let store = Persistence::start(&Pipeline::default(), retained).unwrap();
    common::wait_until("the retention job", || {
        number(
            &url,
            "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'",
        ) == 1
    });
    assert_eq!(
        number(
            &url,
            "SELECT (config->>'drop_after')::bigint FROM timescaledb_information.jobs \
             WHERE proc_name = 'policy_retention'"
        ),
        5 * 86_400_000
    );
    assert_eq!(common::stores::stored_values(&store, "cpu"), [3.0, 4.0]);
    server.sql(
        &url,
        &format!("CALL run_job({})", job(&url, "policy_retention")),
    );
    assert_eq!(
        number(&url, PARTITIONS),
        2,
        "the days past the retention are dropped whole"
    );
    assert_eq!(common::stores::stored_values(&store, "cpu"), [3.0, 4.0]);
}

#[test]
fn a_plain_version_1_table_becomes_a_hypertable_with_its_rows_once_the_extension_is_there() {
    let Some(server) = PgServer::with_timescale("conversion") else {
        return;
    };
    let url = server.database();
    server.sql(&url, "DROP EXTENSION timescaledb");
    let before = stored_as_version_1(&server, &url);
    server.sql(&url, "CREATE EXTENSION timescaledb");
    let chunks = number(&url, "SELECT count(*) FROM streamviz_chunks");
    assert!(chunks > 0);

    let store = reopened_exactly(&url, &before);
    assert_eq!(number(&url, HYPERTABLES), 1);
    assert_eq!(
        number(&url, "SELECT count(*) FROM streamviz_chunks"),
        chunks,
        "every row kept"
    );
    assert_eq!(number(&url, SCHEMA_VERSION), 2);
    store.stop();
}

#[test]
fn a_version_1_database_is_brought_to_version_2_with_its_rows() {
    let server = PgServer::new();
    let url = server.database();
    let before = stored_as_version_1(&server, &url);
    let store = reopened_exactly(&url, &before);
    assert_eq!(
        number(
            &url,
            "SELECT count(*) FROM streamviz_chunks WHERE t1_ms IS DISTINCT FROM floor(t1)::bigint"
        ),
        0,
        "every chunk has its t1_ms"
    );
    assert_eq!(number(&url, SCHEMA_VERSION), 2);
    store.stop();
}
