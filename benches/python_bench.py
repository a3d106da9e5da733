"""Python-side benchmarks: metric.send() calls per second on one thread, the memory that 1M
points of history across 10 metrics adds, and the sustained write rate with SQLite persistence. Run with a release build:

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


if __name__ == "__main__":
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    bench_send()
    bench_memory()
    bench_persistence()
