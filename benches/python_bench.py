"""Python-side benchmarks: metric.send() calls per second on one thread, the memory that 1M
points of history across 10 metrics adds, the sustained write rate with SQLite persistence, and
how long a 24 h view of 10M stored points takes to load. Run with a release build:

    maturin develop --release && python benches/python_bench.py
"""

from __future__ import annotations

import os
import platform
import time

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import stream_viz as sv  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def bench_send(calls: int = 3_000_000, repeats: int = 5) -> float:
    cpu = sv.metric("bench_send")
    send = cpu.send
    best = 0.0
    for _ in range(repeats):
        sv.flush()
        start = time.perf_counter()
        for i in range(calls):
            send(1.5)
        elapsed = time.perf_counter() - start
        best = max(best, calls / elapsed)
    sv.flush()
    print(f"metric.send(v): {best / 1e6:.2f} M calls/s (best of {repeats} x {calls:,}; dropped {cpu.dropped:,})")
    return best


def bench_memory(metrics: int = 10, points_each: int = 100_000) -> float:
    sv.reset()
    sv.flush()
    before = rss_mb()
    widgets = [sv.metric(f"mem{i}", max_points=points_each) for i in range(metrics)]
    for widget in widgets:
        send = widget.send
        for i in range(points_each):
            while not send(float(i), 1_700_000_000 + i):
                sv.flush()
    sv.flush()
    after = rss_mb()
    held = sum(w["held"] for w in sv.stats()["per_widget"])
    added = after - before
    print(f"memory: {held:,} points across {metrics} metrics add {added:.1f} MB RSS ({added * 1024 * 1024 / held:.1f} bytes/point)")
    return added


def bench_persistence(points: int = 2_000_000) -> float:
    """Points per second from the first send until everything is committed to SQLite."""
    import tempfile

    sv.reset()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "bench.db")
        sv.configure(persistence=path)
        cpu = sv.metric("persisted")
        send = cpu.send
        start = time.perf_counter()
        sent = 0
        for i in range(points):
            if send(float(i), 1_700_000_000 + i / 1000):
                sent += 1
        assert sv.flush(120)
        elapsed = time.perf_counter() - start
        stored = sv.stats()["persistence"]["points_stored"]
        size = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
        sv.reset()
    rate = stored / elapsed
    print(f"persistence: {stored:,} of {sent:,} accepted points stored in {elapsed:.2f} s = {rate / 1e3:.0f} k points/s; {size / stored:.1f} bytes/point on disk")
    return rate


def bench_stored_range(points: int = 10_000_000, chunk: int = 500_000) -> float:
    """Store `points` over 24 h, reopen the database as a restarted producer would, and time a
    24 h view of them: `GET /api/v1/widgets/{id}/range` (stored points M4-decimated to 1,600 px)."""
    import json
    import tempfile
    import urllib.request

    import numpy as np

    sv.reset()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "day.db")
        sv.configure(persistence=path)
        cpu = sv.metric("day")
        end = time.time()
        seconds = end - 86_400 + np.arange(points) * (86_400 / points)
        values = np.sin(np.arange(points) / 10_000.0)
        started = time.perf_counter()
        for at in range(0, points, chunk):  # chunks the writer keeps up with (nothing dropped)
            assert cpu.send_many(values[at : at + chunk], seconds[at : at + chunk]) == min(chunk, points - at)
            assert sv.flush(300)
        stored_s = time.perf_counter() - started
        stored = sv.stats()["persistence"]["points_stored"]
        size = os.path.getsize(path) + (os.path.getsize(path + "-wal") if os.path.exists(path + "-wal") else 0)
        sv.reset()
        started = time.perf_counter()
        sv.configure(persistence=path)
        sv.metric("day")
        opened_s = time.perf_counter() - started
        server = sv.start(port=0)
        url = f"{server.url}api/v1/widgets/day/range?from={(end - 86_400) * 1000}&to={end * 1000}&width=1600"
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            with urllib.request.urlopen(url, timeout=300) as response:
                body = json.loads(response.read())
            timings.append(time.perf_counter() - started)
        sv.stop()
        sv.reset()
    assert body["points_in_range"] == points, body["points_in_range"]
    print(
        f"24 h of stored points: {stored:,} stored in {stored_s:.1f} s ({size / stored:.1f} bytes/point); reopening the database "
        f"{opened_s:.2f} s; the 24 h view (range request, {body['points_in_range']:,} points in range, {len(body['points']):,} drawn) "
        f"{min(timings):.2f} s best, {max(timings):.2f} s worst of 3"
    )
    return min(timings)


def bench_table_history(changes: int = 500_000, keys: int = 5_000) -> None:
    """Store `changes` upserts of a keyed table (`keys` rows kept), then time what would grow with
    the number of stored changes but for snapshots: reopening the database and a replay's table as
    of a time (`GET /api/v1/widgets/{id}/at`): each applies the newest snapshot and the changes
    after it."""
    import json
    import tempfile
    import urllib.request

    from stream_viz import _core

    sv.reset()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "table.db")
        sv.configure(persistence=path)
        events = sv.table("events", key="id", max_rows=1_000)
        for i in range(changes):
            events.send({"id": i % keys, "level": "INFO", "msg": f"event {i}"})
            if i % 100_000 == 99_999:
                assert sv.flush(300)
        assert sv.flush(300)
        sv.reset()
        started = time.perf_counter()
        sv.configure(persistence=path)
        sv.table("events", key="id", max_rows=1_000)
        reopened_s = time.perf_counter() - started
        sv.reset()
        started = time.perf_counter()
        url = _core.serve_recording(path, "127.0.0.1", 0)
        opened_s = time.perf_counter() - started
        with urllib.request.urlopen(f"{url}api/v1/recording", timeout=60) as response:
            span = json.loads(response.read())["recording"]
        timings = {}
        for share in (0.5, 1.0):
            at = span["from"] + (span["to"] - span["from"]) * share
            started = time.perf_counter()
            with urllib.request.urlopen(f"{url}api/v1/widgets/events/at?t={at}", timeout=300) as response:
                rows = len(json.loads(response.read())["data"]["rows"])
            timings[share] = (time.perf_counter() - started, rows)
        _core.stop_server()
    print(
        f"a table's stored history, {changes:,} upserts of {keys:,} keys: reopening the database {reopened_s:.2f} s, "
        f"opening it as a recording {opened_s:.2f} s; the table as of half way {timings[0.5][0]:.2f} s "
        f"({timings[0.5][1]:,} rows), as of the end {timings[1.0][0]:.2f} s ({timings[1.0][1]:,} rows)"
    )


if __name__ == "__main__":
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    bench_send()
    bench_memory()
    bench_persistence()
    bench_stored_range()
    bench_table_history()
