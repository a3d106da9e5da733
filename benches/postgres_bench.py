"""PostgreSQL and Redis persistence against SQLite in the same run (issue 21): points stored per second,
sustained (a producer sending 10 metrics as fast as `send_many` takes them for a while, timed
until `flush()` says every point is stored), and a 24-hour range of 10 M stored points answered
by `/api/v1/widgets/{id}/range` (the ring holds 1,000; the rest comes from the database).

    maturin develop --release && python benches/postgres_bench.py [--seconds 20] [--only Redis,SQLite]
        [--cases sustained,range,table]

`table` upserts 1,000 rows a call over 50,000 keys into a table of 10,000 for a while (rows
updated in place, new ones, evictions), timed until `flush()`: changes stored per second.

PostgreSQL 15 and Redis 7 are the distribution's, started on free ports in a temporary directory
(tests/python/services.py), PostgreSQL with its default settings (fsync on) and, when this
machine has TimescaleDB (built from source: no Debian package), a database with the extension
(the points table a hypertable) beside the plain one; Redis with its
append-only file synced every second (its default durability when the file is on); each Redis
case starts from an empty Redis (it holds everything in memory).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))

WORKER = r"""
import json, sys, time, urllib.request
import numpy as np
import stream_viz as sv
case, target, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
sv.configure(persistence=target)
if case == "sustained":
    metrics = [sv.metric(f"m{i}", max_points=10_000) for i in range(10)]
    values = np.random.default_rng(1).normal(50, 5, 10_000)
    sent, t0 = 0, time.perf_counter()
    base = time.time()
    while time.perf_counter() - t0 < seconds:
        stamps = base + (sent // 10 + np.arange(10_000)) * 1e-6
        for m in metrics:
            m.send_many(values, stamps)
        sent += 100_000
    assert sv.flush(timeout=600)
    elapsed = time.perf_counter() - t0
    stats = sv.stats()
    print(json.dumps({"sent": sent, "stored": stats["persistence"]["points_stored"], "seconds": elapsed,
                      "dropped": sum(w["dropped"] for w in stats["per_widget"]), "lost": stats["persistence"]["updates_lost"]}))
elif case == "table":
    jobs = sv.table("jobs", max_rows=10_000)
    sent, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        # 1,000 rows a call over 50,000 keys: updates in place, new rows, and evictions.
        jobs.apply({(sent + i) % 50_000: {"job": (sent + i) % 50_000, "state": "running", "n": sent + i} for i in range(1_000)})
        sent += 1_000
    assert sv.flush(timeout=600)
    elapsed = time.perf_counter() - t0
    stats = sv.stats()
    print(json.dumps({"sent": sent, "stored": stats["persistence"]["changes_stored"], "seconds": elapsed,
                      "lost": stats["persistence"]["updates_lost"]}))
else:
    m = sv.metric("day", max_points=1_000)
    n = 10_000_000
    now = time.time()
    stamps = now - 86_400 + np.arange(n) * (86_400 / n)
    values = np.sin(np.arange(n) / 1000.0)
    for start in range(0, n, 1_000_000):
        m.send_many(values[start:start + 1_000_000], stamps[start:start + 1_000_000])
    assert sv.flush(timeout=600)
    server = sv.start(port=0)
    url = f"{server.base_url}api/v1/widgets/day/range?from={(now - 86_400) * 1000}&to={now * 1000 + 1}&width=2000"
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        with urllib.request.urlopen(url, timeout=120) as response:
            body = json.loads(response.read())
        times.append(time.perf_counter() - t0)
    print(json.dumps({"points_in_range": body["points_in_range"], "decimated": body["decimated"], "seconds": times}))
"""


def run(case: str, target: str, seconds: float) -> dict:
    env = dict(os.environ, STREAMVIZ_AUTOSTART="0")
    out = subprocess.run([sys.executable, "-c", WORKER, case, target, str(seconds)], capture_output=True, text=True, env=env, timeout=1800)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--only", default="", help="comma-separated stores to run (SQLite, PostgreSQL, Redis, ...)")
    parser.add_argument("--cases", default="sustained,range", help="comma-separated: sustained, range, table")
    args = parser.parse_args()
    only = {name.strip().lower() for name in args.only.split(",") if name.strip()}
    cases = {case.strip() for case in args.cases.split(",")}

    def chosen(stores):
        return [(name, target) for name, target in stores if not only or name.lower() in only]
    from services import Postgres, Redis

    print(f"# {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    directory = Path(tempfile.mkdtemp(prefix="streamviz-pg-bench-"))
    pg = Postgres(directory)
    pg.stop()
    # The bench keeps PostgreSQL's durability (fsync on), unlike the tests.
    timescale = Path("/usr/share/postgresql/15/extension/timescaledb.control").exists()
    preload = " -c shared_preload_libraries=timescaledb -c timescaledb.telemetry_level=off" if timescale else ""
    pg.start = lambda: subprocess.run([*pg.as_postgres, str(pg.BIN / "pg_ctl"), "-w", "-D", str(pg.data), "-o",
                                       f"-p {pg.port} -k {pg.directory} -c listen_addresses=127.0.0.1{preload}", "-l",
                                       str(pg.directory / "pg.log"), "start"], check=True, capture_output=True)
    pg.start()

    def hypertable() -> str:
        url = pg.database()
        subprocess.run(["psql", url, "-c", "CREATE EXTENSION timescaledb"], check=True, capture_output=True)
        return url

    servers = [("PostgreSQL", pg.database)] + ([("TimescaleDB", hypertable)] if timescale else [])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            redis = Redis(Path(tmp), appendonly=True)

            def fresh_redis() -> str:
                subprocess.run(["redis-cli", "-p", str(redis.port), "FLUSHALL"], check=True, capture_output=True)
                return redis.url

            reports = {
                "sustained": lambda r: f"{r['stored'] / r['seconds'] / 1e6:.2f} M points/s stored ({r['stored']:,} of {r['sent']:,} "
                                       f"sent in {r['seconds']:.1f} s, timed until flush; dropped {r['dropped']}, lost by the store {r['lost']})",
                "table": lambda r: f"{r['stored'] / r['seconds'] / 1e3:.1f} k rows/s stored ({r['stored']:,} of {r['sent']:,} sent "
                                   f"in {r['seconds']:.1f} s, timed until flush; lost by the store {r['lost']})",
                "range": lambda r: f"{', '.join(f'{s:.2f} s' for s in r['seconds'])} ({r['points_in_range']:,} points in range, "
                                   f"decimated {r['decimated']})",
            }
            titles = {"sustained": "sustained", "table": "table upserts", "range": "24 h range of 10 M stored points"}
            for case in (case for case in ("sustained", "table", "range") if case in cases):
                for name, target in chosen((("SQLite", lambda: f"sqlite:///{tmp}/{case}.db"), *servers, ("Redis", fresh_redis))):
                    print(f"{titles[case]}, {name}: {reports[case](run(case, target(), args.seconds))}")
            redis.kill()
    finally:
        pg.stop("immediate")
    return 0


if __name__ == "__main__":
    sys.exit(main())
