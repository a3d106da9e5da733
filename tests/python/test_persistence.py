"""Persistence with real SQLite files and real processes: what one script stores, the next one
sees; a producer killed with SIGKILL leaves a clean database holding everything it flushed; bad
paths and foreign files are refused with a reason and left untouched; a full disk (a real, small
tmpfs filled to the last byte) is reported and loses nothing."""

import collections
import csv
import errno
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import stream_viz as sv
from conftest import stored_points


def run_script(source: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, STREAMVIZ_AUTOSTART="0")
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def start_script(source: str, *args: str) -> subprocess.Popen[str]:
    """A producer script running on its own, its stdout and stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, STREAMVIZ_AUTOSTART="0"),
    )


def exported_points(widget: str) -> list[tuple[float, float]]:
    rows = list(csv.DictReader(io.StringIO(sv.export(widget, "csv"))))
    return [(float(r["ts_ms"]), float(r["value"])) for r in rows]


@pytest.fixture(params=["sqlite", "postgresql", "redis"])
def database(request, tmp_path: Path) -> str:
    """Where a test's scripts persist: a SQLite file, a database of a PostgreSQL of its own, or a
    redis-server of its own."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'metrics.db'}"
    if request.param == "redis":
        return request.getfixturevalue("redis").url
    return request.getfixturevalue("postgres").database()


def test_a_restarted_script_sees_the_history_its_last_run_stored(database: str) -> None:
    first = run_script(
        """
        import sys
        import stream_viz as sv
        sv.configure(title="Plant", persistence=sys.argv[1], retention="7d")
        cpu = sv.metric("cpu", unit="%")
        events = sv.table("events", max_rows=10)
        for i in range(500):
            cpu.send(float(i), timestamp=1_800_000_000 + i)
        events.send({"level": "INFO", "msg": "started"}, key="boot")
        events.send({"level": "ERROR", "msg": "disk"}, key="e1")
        events.delete("boot")
        """,
        database,
    )
    assert first.returncode == 0, first.stderr

    sv.configure(persistence=database)
    restored = sv.stats()["persistence"]
    assert restored["widgets_restored"] == 2 and restored["points_restored"] == 500
    cpu = sv.metric("cpu", unit="%", max_points=1000)  # the script declares it again
    assert exported_points("cpu") == [((1_800_000_000 + i) * 1000.0, float(i)) for i in range(500)]
    cpu.send(500.0, timestamp=1_800_000_500)
    assert sv.flush()
    assert sv.stats()["persistence"]["points_stored"] == 1, "only the new point is written"
    rows = list(csv.DictReader(io.StringIO(sv.export("events", "csv"))))
    assert [(r["key"], r["level"], r["msg"]) for r in rows] == [("e1", "ERROR", "disk")]
    config = sv.stats()
    assert config["widgets"] == 2
    assert '"title":"Plant"' in sv._core.config_json().replace(" ", "")


def test_a_producer_killed_with_sigkill_keeps_everything_it_flushed(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    with start_script(
        """
        import sys
        import stream_viz as sv
        sv.configure(persistence=sys.argv[1])
        cpu = sv.metric("cpu")
        i = 0
        while True:
            for _ in range(10_000):
                cpu.send(float(i), timestamp=1_800_000_000 + i / 1000)
                i += 1
            if not sv.flush():
                raise SystemExit("flush timed out")
            print(i, flush=True)
        """,
        str(db),
    ) as producer:
        assert producer.stdout is not None and producer.stderr is not None
        flushed = 0
        try:
            for line in producer.stdout:
                flushed = int(line)
                if flushed >= 300_000:
                    break
        finally:
            producer.send_signal(signal.SIGKILL)
            producer.wait(timeout=30)
        errors = producer.stderr.read()
    assert flushed >= 300_000, errors
    assert producer.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    values = [value for _, _, value in stored_points(conn)]
    count, low, high = len(values), min(values), max(values)
    # Every point up to the last reported flush is there, each once; later ones may be too.
    assert count >= flushed and low == 0 and high == count - 1
    assert len(set(values)) == count
    conn.close()

    # And the next process loads it back.
    sv.configure(persistence=db)
    assert sv.stats()["persistence"]["points_restored"] == 1000, "the metric's ring holds 1000"
    assert exported_points("cpu")[-1][1] == count - 1


def test_bad_persistence_settings_are_refused_and_change_nothing(tmp_path: Path) -> None:
    with pytest.raises(sv.ValidationError, match="retention applies to persistence"):
        sv.configure(retention="24h")
    with pytest.raises(sv.ValidationError, match="not a duration"):
        sv.configure(persistence=tmp_path / "a.db", retention="soon")
    with pytest.raises(sv.ValidationError, match="positive duration"):
        sv.configure(persistence=tmp_path / "a.db", retention=-5)
    with pytest.raises(sv.ValidationError, match="'postgresql://user@host/db' or 'redis://host'") as refused:
        sv.configure(persistence="mysql://root:s3cret@localhost/metrics")
    assert "s3cret" not in str(refused.value)
    with pytest.raises(sv.ValidationError, match="'redis://host'") as refused:
        sv.configure(persistence="rediss://:s3cret@cache.example/0")  # no TLS to Redis
    assert "s3cret" not in str(refused.value)
    with pytest.raises(sv.StreamVizTypeError):
        sv.configure(persistence=42)  # type: ignore[arg-type]
    with pytest.raises(sv.PersistenceError, match="is a directory"):
        sv.configure(persistence=tmp_path)
    with pytest.raises(sv.PersistenceError, match="does not exist"):
        sv.configure(persistence=tmp_path / "missing" / "a.db")
    assert not (tmp_path / "a.db").exists(), "refused settings created no file"

    foreign = tmp_path / "app.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.execute("INSERT INTO users VALUES ('ada')")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(sv.PersistenceError, match="not a StreamViz database"):
        sv.configure(persistence=f"sqlite:///{foreign}")
    assert foreign.read_bytes() == before
    assert isinstance(sv.PersistenceError("x"), OSError)

    sv.metric("cpu").send(1.0)
    with pytest.raises(sv.ValidationError, match="before the first widget"):
        sv.configure(persistence=tmp_path / "late.db")
    assert "persistence" not in sv.stats()
    assert sv.flush()
    assert [v for _, v in exported_points("cpu")] == [1.0], "the data accepted before is kept"


def test_retention_purges_rows_older_than_it_when_the_database_opens(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    script = run_script(
        """
        import sys, time
        import stream_viz as sv
        sv.configure(persistence=sys.argv[1])
        cpu = sv.metric("cpu")
        now = time.time()
        for age_h, value in [(72, 1.0), (25, 2.0), (1, 3.0), (0, 4.0)]:
            cpu.send(value, timestamp=now - age_h * 3600)
        """,
        str(db),
    )
    assert script.returncode == 0, script.stderr
    sv.configure(persistence=db, retention="24h")
    assert [v for _, v in exported_points("cpu")] == [3.0, 4.0]
    conn = sqlite3.connect(db)
    assert len(stored_points(conn)) == 2
    conn.close()


def test_the_http_stats_show_persistence_while_a_database_is_attached(tmp_path: Path, server) -> None:
    from conftest import http_json

    sv.configure(persistence=tmp_path / "stats.db")
    sv.metric("cpu").send(1.0)
    assert sv.flush()
    status, stats = http_json(server.url.rstrip("/") + "/api/v1/stats")
    assert status == 200
    assert stats["persistence"]["points_stored"] == 1
    assert stats["persistence"]["path"].endswith("stats.db")
    sv.reset()
    status, stats = http_json(server.url.rstrip("/") + "/api/v1/stats")
    assert "persistence" not in stats, "detached by reset()"


def test_a_replaced_chart_and_an_applied_table_come_back_as_they_were_last(tmp_path: Path) -> None:
    db = tmp_path / "replaced.db"
    first = run_script(
        """
        import sys
        import stream_viz as sv
        sv.configure(persistence="sqlite:///" + sys.argv[1])
        chart = sv.line_chart("per-minute")
        chart.send_many("orders", [1.0, 2.0, 3.0], [60, 120, 180])
        sv.flush()
        # The window ending at 180 s grew, one came before it: drawn again, not appended.
        chart.replace({"orders": ([1.0, 2.0, 5.0], [60, 120, 180]), "refunds": ([1.0], [120])})
        table = sv.table("regions")
        table.apply(upserts={"eu": {"n": 1}, "us": {"n": 2}, "asia": {"n": 3}})
        sv.flush()
        table.apply(upserts={"eu": {"n": 10}}, deletes=["asia"])
        """,
        str(db),
    )
    assert first.returncode == 0, first.stderr
    sv.configure(persistence=f"sqlite:///{db}")
    data = sv._core.export("per-minute", "json")
    series = {s["name"]: s["points"] for s in json.loads(data)["data"]["series"]}
    assert series == {"orders": [[60_000.0, 1.0], [120_000.0, 2.0], [180_000.0, 5.0]], "refunds": [[120_000.0, 1.0]]}
    rows = list(csv.DictReader(io.StringIO(sv.export("regions", "csv"))))
    assert sorted((r["key"], r["n"]) for r in rows) == [("eu", "10"), ("us", "2")]


def test_a_longer_time_range_shows_stored_history_beyond_the_ring(tmp_path: Path, server, page) -> None:
    from conftest import ARTIFACTS, http_json

    db = tmp_path / "long.db"
    now = time.time()
    first = run_script(
        """
        import sys, time
        import numpy as np
        import stream_viz as sv
        sv.configure(persistence="sqlite:///" + sys.argv[1])
        cpu = sv.metric("cpu", max_points=500)
        now = float(sys.argv[2])
        # Two hours of one point a second, ending now; the ring keeps the last 500.
        seconds = now - 7200 + np.arange(7200)
        cpu.send_many(50 + 40 * np.sin(np.arange(7200) / 600), seconds)
        """,
        str(db),
        str(now),
    )
    assert first.returncode == 0, first.stderr
    sv.configure(persistence=f"sqlite:///{db}")
    cpu = sv.metric("cpu", max_points=500)
    assert len(exported_points("cpu")) == 500, "the ring holds what it holds"
    base = server.url.rstrip("/") + "/api/v1/widgets/cpu/range"
    start_ms = (now - 7200) * 1000
    status, body = http_json(f"{base}?from={start_ms}&to={now * 1000}&width=2000")
    assert status == 200 and body["points_in_range"] == 7200 and not body["decimated"]
    assert body["points"][0][0] == start_ms and body["points"][-1][0] == (now - 1) * 1000
    status, body = http_json(f"{base}?from={start_ms}&to={start_ms + 9999}&width=2000")
    assert body["points_in_range"] == 10, "stored points only, in range"

    # The browser asks for the older part when the time range reaches past the ring.
    page.goto(server.url)
    page.wait_for_function("(() => { const w = window.streamviz.widgets.get('cpu'); return w && w.chart && w.data.points.length === 500; })()")
    page.locator("#sv-range").select_option("6h")
    drawn = "window.streamviz.drawn('cpu').series[0].data"
    page.wait_for_function(f"{drawn}[0][0] === {start_ms}", timeout=15_000)
    points = page.evaluate(drawn)
    # The older part comes decimated to the chart's width (M4 keeps each column's extremes).
    assert len(points) > 500 and points[-1][0] == (now - 1) * 1000
    assert all(a[0] < b[0] for a, b in zip(points, points[1:])), "older and held points in order, once"
    k = (np.array([p[0] for p in points]) - start_ms) / 1000
    assert np.allclose([p[1] for p in points], 50 + 40 * np.sin(k / 600)), "every point drawn is a stored one"
    page.screenshot(path=str(ARTIFACTS / "stored_history_6h.png"))
    cpu.send(99.0)  # live points keep arriving after the older ones
    page.wait_for_function(f"{drawn}[{drawn}.length - 1][1] === 99")


def test_a_producer_killed_at_100k_points_a_second_keeps_all_but_the_last_flush_interval(tmp_path: Path) -> None:
    db = tmp_path / "steady.db"
    producer_source = (
        """
        import sys, time
        import stream_viz as sv
        sv.configure(persistence=sys.argv[1])
        cpu = sv.metric("cpu")
        sent, start = 0, time.monotonic()
        while True:
            # 100,000 points a second in 10 ms slices; no flush: only the writer's 200 ms batches.
            due = int((time.monotonic() - start) * 100_000)
            while sent < due:
                cpu.send(float(sent), timestamp=1_800_000_000 + sent / 100_000)
                sent += 1
            print(sent, time.monotonic(), flush=True)
            time.sleep(0.01)  # the producer's pace
        """
    )
    with start_script(producer_source, str(db)) as producer:
        assert producer.stdout is not None and producer.stderr is not None
        reports: list[tuple[int, float]] = []
        try:
            for line in producer.stdout:
                sent, at = line.split()
                reports.append((int(sent), float(at)))
                if reports[-1][0] >= 300_000:
                    break
        finally:
            producer.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            producer.wait(timeout=30)
        errors = producer.stderr.read()
    assert reports and reports[-1][0] >= 300_000, errors
    # Everything sent a second before the kill was in a committed batch (every 200 ms).
    safe = max(sent for sent, at in reports if at <= killed_at - 1.0)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    values = [value for _, _, value in stored_points(conn)]
    count, low, high = len(values), min(values), max(values)
    conn.close()
    assert low == 0 and count == high + 1, "a prefix of what was sent, each point once"
    assert count >= safe, (count, safe)
    assert count <= reports[-1][0] + 100_000


@pytest.fixture
def small_disk(tmp_path: Path):
    """A real 32 MiB file system (tmpfs) of its own, to fill up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m", "streamviz-test", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"a small file system cannot be mounted here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Write a file until the disk has no byte left."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (1 << 20, 4096, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError as err:
                    assert err.errno == errno.ENOSPC, err
                    break
    finally:
        os.close(fd)
    assert os.statvfs(disk).f_bavail == 0
    return filler


def test_a_full_disk_is_reported_once_and_everything_is_stored_when_there_is_room(
    small_disk: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    db = small_disk / "metrics.db"
    sv.configure(persistence=db)
    cpu = sv.metric("cpu")
    assert cpu.send_many(np.arange(2_000.0), np.arange(2_000.0) + 1_800_000_000) == 2_000
    assert sv.flush()
    filler = fill(small_disk)

    # On the full disk: a widget declared and 100,000 points more; none of it fits. Random values
    # (1.6 MB that do not compress): once the log is checkpointed SQLite writes over its frames,
    # so a small write could fit in the file as it is.
    late = sv.metric("late")
    assert late.send_many([1.0, 2.0, 3.0]) == 3
    more = np.arange(2_000.0, 102_000.0)
    values = np.random.default_rng(7).random(100_000) * 1_000
    assert cpu.send_many(values, more + 1_800_000_000) == 100_000
    for _ in range(3):
        assert not sv.flush(timeout=5), "the writer says it could not store"
    persistence = sv.stats()["persistence"]
    assert persistence["points_stored"] == 2_000
    assert persistence["updates_lost"] == 0
    assert persistence["last_error"] == f"{db}: the disk holding it is full; free space on it (what is stored is kept)"
    errors = capfd.readouterr().err
    assert errors.count("the disk holding it is full") == 1, errors
    assert "updates wait in memory" in errors
    assert exported_points("cpu")[-1][1] == values[-1], "the live dashboard goes on"

    # What was stored before stays readable and whole while the disk is full.
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    kept = [value for _, _, value in stored_points(conn)]
    assert (len(kept), max(kept)) == (2_000, 1_999.0)
    conn.close()

    filler.unlink()
    assert sv.flush(), "with room again the waiting updates are stored"
    persistence = sv.stats()["persistence"]
    assert persistence["last_error"] is None
    assert persistence["points_stored"] == 102_003
    assert "takes writes again" in capfd.readouterr().err
    sv.reset()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    counts = collections.Counter(widget for widget, _, _ in stored_points(conn))
    assert counts == {"cpu": 102_000, "late": 3}
    conn.close()

    filler = fill(small_disk)
    # A new database cannot be made on a full disk: a clear error, and no file left behind.
    with pytest.raises(sv.PersistenceError, match="disk holding it is full"):
        sv.configure(persistence=small_disk / "other.db")
    assert [p.name for p in small_disk.iterdir() if p.name.startswith("other")] == []
    # Nor can one that exists be opened (its WAL index needs room): the same error, the file kept.
    stored = db.read_bytes()
    with pytest.raises(sv.PersistenceError, match="disk holding it is full"):
        sv.configure(persistence=db)
    assert db.read_bytes() == stored
    filler.unlink()
    sv.configure(persistence=db)
    assert [v for _, v in exported_points("late")] == [1.0, 2.0, 3.0]
    assert exported_points("cpu")[-1][1] == values[-1]


def test_a_database_that_cannot_be_written_is_refused_with_the_reason_and_kept(small_disk: Path) -> None:
    db = small_disk / "metrics.db"
    sv.configure(persistence=db)
    sv.metric("cpu").send(1.0)
    assert sv.flush()
    sv.reset()
    stored = db.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)

    with pytest.raises(sv.PersistenceError, match=r"metrics.db: it cannot be written \(Read-only file system"):
        sv.configure(persistence=db)
    with pytest.raises(sv.PersistenceError, match=r"new.db: it cannot be created \(Read-only file system"):
        sv.configure(persistence=small_disk / "new.db")
    assert db.read_bytes() == stored
    assert sorted(p.name for p in small_disk.iterdir()) == ["metrics.db"]
    cpu = sv.metric("cpu")
    assert cpu.send(2.0) and sv.flush(), "in memory, the dashboard goes on"
    assert "persistence" not in sv.stats()

    sv.reset()
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    sv.configure(persistence=db)
    assert [v for _, v in exported_points("cpu")] == [1.0]


def test_memory_is_the_explicit_default_and_stores_nothing(tmp_path: Path, monkeypatch) -> None:
    from conftest import http_json
    from processes import started, stopped

    monkeypatch.chdir(tmp_path)  # a file made by mistake would land here
    sv.configure(persistence="memory")
    cpu = sv.metric("cpu")
    cpu.send(1.0)
    assert sv.flush()
    assert "persistence" not in sv.stats()
    process, url = started([sys.executable, "-m", "stream_viz", "serve", "--port", "0", "--persistence", "memory"],
                           None, r"serving (http://127\.0\.0\.1:\d+/)")
    try:
        status, stats = http_json(url + "api/v1/stats")
        assert status == 200 and "persistence" not in stats
    finally:
        assert stopped(process) == 0
    assert list(tmp_path.iterdir()) == []
