"""Streaming benchmarks: ingest per call and per batched point against rerun-sdk and a plain list,
send() → WebSocket latency with 1 to 100 clients, fan-out to 500 clients and what it costs the
producer, CPU per 100k points/s, and what authentication costs fan-out and pushes (auth on
against auth off, interleaved in one run). Run everything with ``benches/run_all.sh``, or:

    maturin develop --release
    cargo build --release --examples --features client
    pip install rerun-sdk && python benches/stream_bench.py [ingest] [latency] [fanout] [cpu] [auth]

Results go to docs/BENCHMARKS.md by hand, with the machine and the date this prints.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import stream_viz as sv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WS_LATENCY = TARGET / "release" / "examples" / "ws_latency"
PUSH_LOAD = TARGET / "release" / "examples" / "push_load"
BENCH_TOKEN = "bench-token-0123456789abcdef"


def best_rate(run, items: int, repeats: int = 3) -> float:
    """Items per second of the fastest of `repeats` runs of `run()` (the engine drained between)."""
    best = 0.0
    for _ in range(repeats):
        sv.flush(60)
        start = time.perf_counter()
        run()
        best = max(best, items / (time.perf_counter() - start))
    sv.flush(60)
    return best


def ingest_per_call(calls: int = 2_000_000) -> dict[str, float]:
    rates: dict[str, float] = {}
    values: list[float] = []
    append = values.append

    def baseline() -> None:
        values.clear()
        for _ in range(calls):
            append(1.5)

    rates["list.append(v)"] = best_rate(baseline, calls)
    for name, options in [
        ("sv metric.send(v)", {}),
        ("sv metric.send(v), window 1m sum", {"window": "1m", "aggregation": "sum"}),
        ("sv metric.send(v), window 1m p95", {"window": "1m", "aggregation": "p95"}),
    ]:
        metric = sv.metric(f"call{len(rates)}", **options)
        send = metric.send

        def run(send=send) -> None:
            for _ in range(calls):
                send(1.5)

        rates[name] = best_rate(run, calls)
        if metric.dropped:  # the engine thread fell behind (another load on the machine?)
            print(f"warning: {name}: {metric.dropped:,} of {3 * calls:,} calls dropped", file=sys.stderr)
    try:
        import rerun as rr
    except ImportError:
        print("rerun-sdk is not installed: pip install rerun-sdk", file=sys.stderr)
        return rates
    rr.init("streamviz-bench", spawn=False)
    rr.memory_recording()
    log, scalars = rr.log, rr.Scalars
    rr_calls = calls // 10

    def rerun_log() -> None:
        for _ in range(rr_calls):
            log("bench/scalar", scalars(1.5))

    rates[f"rerun rr.log(path, rr.Scalars(v)) (rerun-sdk {rr.__version__})"] = best_rate(rerun_log, rr_calls)
    return rates


def ingest_batch(points: int = 1_000_000) -> dict[str, float]:
    rates: dict[str, float] = {}
    values = np.random.default_rng(1).lognormal(3, 1, points)
    seconds = 1_700_000_000 + np.arange(points) / 1000
    target: list[float] = []

    def baseline() -> None:
        target.clear()
        target.extend(values.tolist())

    rates["list.extend(array.tolist())"] = best_rate(baseline, points)
    for name, options in [
        ("sv metric.send_many(array, seconds)", {}),
        ("sv metric.send_many(array, seconds), window 1m p95", {"window": "1m", "aggregation": "p95"}),
    ]:
        metric = sv.metric(f"batch{len(rates)}", max_points=1000, **options)
        offset = [0.0]

        def run(metric=metric) -> None:
            offset[0] += points / 1000  # time goes on, so windows keep closing
            assert metric.send_many(values, seconds + offset[0]) == points

        rates[name] = best_rate(run, points, repeats=5)
        if metric.dropped:
            print(f"warning: {name}: {metric.dropped:,} of {5 * points:,} points dropped", file=sys.stderr)
    try:
        import rerun as rr
    except ImportError:
        return rates
    steps = np.arange(points)

    def rerun_columns() -> None:
        rr.send_columns("bench/batch", indexes=[rr.TimeColumn("step", sequence=steps)], columns=rr.Scalars.columns(scalars=values))

    rates[f"rerun rr.send_columns(Scalars.columns) (rerun-sdk {rr.__version__})"] = best_rate(rerun_columns, points, repeats=5)
    return rates


def produce(metrics: list, rate: float, seconds: float) -> int:
    """Send `rate` points/s (spread over `metrics`, stamped now) for `seconds`; points sent."""
    start = time.perf_counter()
    sent = 0
    count = len(metrics)
    while True:
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return sent
        due = int(elapsed * rate)
        while sent < due:
            metrics[sent % count].send(1.0)
            sent += 1
        time.sleep(0.0005)  # pacing to the rate, not synchronisation


def with_clients(server, clients: int, cpu: int | None = None):
    """Start `clients` WebSocket clients (examples/ws_latency) of `server` (with its token, if
    it has one), on core `cpu` if given, and wait until all have their snapshot; returns the
    process (close its stdin to get the result)."""
    url = server.base_url.replace("http://", "ws://") + "ws"
    if server.token:
        url += f"?token={server.token}"
    command = [str(WS_LATENCY), url, str(clients)]
    if cpu is not None:
        command = ["taskset", "-c", str(cpu), *command]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "READY", line
    return process


def finish(process) -> dict:
    process.stdin.close()
    result = json.loads(process.stdout.readline())
    process.wait(timeout=60)
    return result


def latency(server, rate: float, clients: int, seconds: float = 6.0) -> dict:
    metric = sv.metric(f"lat_{int(rate)}_{clients}", max_points=1000)
    process = with_clients(server, clients)
    sent = produce([metric], rate, seconds)
    time.sleep(0.3)  # the last flush tick (25 ms) and the clients' reading, well inside this
    result = finish(process)
    result["sent"] = sent
    result["expected"] = sent * clients
    return result


def work_rate(metrics: list, seconds: float) -> float:
    """Units of CPU work per second of a producer that also sends one point to each metric 20
    times a second."""
    units = 0
    start = time.perf_counter()
    next_send = start
    while True:
        now = time.perf_counter()
        if now - start >= seconds:
            return units / (now - start)
        sum(range(2000))
        units += 1
        if now >= next_send:
            for metric in metrics:
                metric.send(float(units))
            next_send += 0.05


def pin(cpus: set[int], others: set[int] | None = None) -> None:
    """Pin the calling thread to `cpus` and, with `others`, every other thread of this process
    (the engine, the web server's workers) to `others`. Linux only."""
    me = threading.get_native_id()
    for task in os.listdir("/proc/self/task"):
        tid = int(task)
        if tid == me:
            os.sched_setaffinity(tid, cpus)
        elif others is not None:
            try:
                os.sched_setaffinity(tid, others)
            except ProcessLookupError:  # a thread that ended meanwhile
                pass


def fanout(server, clients: int = 500, widgets: int = 10, seconds: float = 8.0, pinned: bool = False) -> dict:
    """How much `clients` watching 10 metrics at 20 Hz slow a producer doing CPU work. With
    `pinned` (needs 2+ cores), the producer's thread has core 0 to itself and the server, engine
    and clients share core 1: what fan-out costs a producer that has a core of its own."""
    all_cpus = os.sched_getaffinity(0)
    metrics = [sv.metric(f"fan{i}_{pinned}", max_points=1000) for i in range(widgets)]
    if pinned:
        pin({0}, {1})
    server_cpu = 0.0
    try:
        alone = [work_rate(metrics, seconds)]
        process = with_clients(server, clients, cpu=1 if pinned else None)
        cpu_before, wall_before = process_cpu() - time.thread_time(), time.perf_counter()
        watched = [work_rate(metrics, seconds)]
        server_cpu += (process_cpu() - time.thread_time() - cpu_before) / (time.perf_counter() - wall_before)
        result = finish(process)
        alone.append(work_rate(metrics, seconds))
        process = with_clients(server, clients, cpu=1 if pinned else None)
        cpu_before, wall_before = process_cpu() - time.thread_time(), time.perf_counter()
        watched.append(work_rate(metrics, seconds))
        server_cpu += (process_cpu() - time.thread_time() - cpu_before) / (time.perf_counter() - wall_before)
        second = finish(process)
    finally:
        if pinned:
            pin(all_cpus, all_cpus)
    baseline, loaded = sum(alone) / 2, sum(watched) / 2
    return {
        "clients": clients,
        "updates_per_s": 20 * widgets,
        "work_alone": baseline,
        "work_with_clients": loaded,
        "slowdown_pct": 100 * (1 - loaded / baseline),
        "server_cores": server_cpu / 2,
        "p50_ms": max(result["p50_ms"], second["p50_ms"]),
        "p99_ms": max(result["p99_ms"], second["p99_ms"]),
        "points_received": result["points"] + second["points"],
        "points_expected": 2 * clients * widgets * 20 * seconds,
    }


def process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_per_rate(server, rate: float = 100_000, seconds: float = 6.0, clients: int = 0) -> float:
    """Cores the producer process uses (its Python thread, engine and server) at `rate` points/s."""
    metric = sv.metric(f"cpu_{clients}", max_points=1000)
    process = with_clients(server, clients) if clients else None
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    produce([metric], rate, seconds)
    sv.flush(60)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    if process:
        finish(process)
    return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) / wall


def push_rate(server, seconds: float = 5.0, threads: int = 4) -> float:
    """Pushes per second (100 points each) that 4 keep-alive HTTP clients get answered."""
    command = [str(PUSH_LOAD), server.base_url, str(seconds), str(threads)]
    if server.token:
        command.append(server.token)
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120)
    result = json.loads(done.stdout)
    assert result["failures"] == 0, result
    return float(result["per_s"])


def auth_round(auth: Any) -> dict[str, float]:
    """One server with `auth`: HTTP push rate, and fan-out to 100 clients of 10 metrics at
    20 Hz (server-side CPU, latency)."""
    sv.reset()
    # The push rate is measured as fast as the server answers: past the per-connection
    # allowance (1,000 pushes a second by default).
    sv.configure(limits={"max_messages_per_second": 1_000_000})
    server = sv.start(port=0, auth=auth)
    try:
        pushes = push_rate(server)
        metrics = [sv.metric(f"auth_fan{i}", max_points=1000) for i in range(10)]
        process = with_clients(server, 100)
        before, start = process_cpu(), time.perf_counter()
        sent = produce(metrics, 200, 6.0)
        cores = (process_cpu() - before) / (time.perf_counter() - start)
        time.sleep(0.3)  # the last flush tick (25 ms) and the clients' reading, well inside this
        result = finish(process)
    finally:
        sv.stop()
    return {"pushes_per_s": pushes, "cores": cores, "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"], "points": result["points"], "expected": sent * 100}


def report_auth() -> None:
    """Auth off and on (a token, checked on every push and on each WebSocket upgrade),
    interleaved off/on/off/on/off/on, medians compared."""
    rounds: dict[str, list[dict[str, float]]] = {"off": [], "on": []}
    for _ in range(3):
        rounds["off"].append(auth_round(None))
        rounds["on"].append(auth_round({"type": "token", "token": BENCH_TOKEN}))

    def median(mode: str, key: str) -> float:
        values = sorted(r[key] for r in rounds[mode])
        return values[len(values) // 2]

    print("\n## authentication on vs off (3 interleaved rounds each, medians)")
    print("| measure | auth off | auth on (token) | on / off |\n|---|---:|---:|---:|")
    for key, name, unit in [
        ("pushes_per_s", "HTTP pushes answered (4 keep-alive clients, 100 points each)", "/s"),
        ("cores", "producer process CPU, fan-out to 100 clients (10 metrics × 20 Hz)", " cores"),
        ("p50_ms", "fan-out latency p50", " ms"),
        ("p99_ms", "fan-out latency p99", " ms"),
        ("points", "fan-out points received (1,200 sent × 100 clients = 120,000)", ""),
    ]:
        off, on = median("off", key), median("on", key)
        print(f"| {name} | {off:,.3f}{unit} | {on:,.3f}{unit} | {on / off:.3f} |")
    print("rounds:", json.dumps(rounds))


def report_ingest() -> None:
    calls = ingest_per_call()
    baseline = calls["list.append(v)"]
    print("\n## per call (one thread)\n| call | calls/s | vs list.append |\n|---|---:|---:|")
    for name, rate in calls.items():
        print(f"| {name} | {rate / 1e6:.2f} M | {rate / baseline:.2f}× |")
    batch = ingest_batch()
    baseline = batch["list.extend(array.tolist())"]
    print("\n## per point, batched (1M-point NumPy arrays)\n| call | points/s | vs list.extend |\n|---|---:|---:|")
    for name, rate in batch.items():
        print(f"| {name} | {rate / 1e6:.1f} M | {rate / baseline:.2f}× |")


def report_latency(server) -> None:
    print("\n## send() → WebSocket client latency\n| points/s | clients | p50 | p99 | max | points received / expected |\n|---:|---:|---:|---:|---:|---:|")
    for rate in (10_000, 100_000):
        for clients in (1, 20, 100):
            r = latency(server, rate, clients)
            print(f"| {rate:,} | {clients} | {r['p50_ms']:.1f} ms | {r['p99_ms']:.1f} ms | {r['max_ms']:.1f} ms | {r['points']:,} / {r['expected']:,} |")


def report_fanout(server) -> None:
    print("\n## fan-out: 500 clients, 10 metrics at 20 Hz\n| placement | producer slowed | server + engine CPU | p50 | p99 | points received / expected |\n|---|---:|---:|---:|---:|---:|")
    placements = [(False, "unpinned: producer, server and clients share every core")]
    if len(os.sched_getaffinity(0)) >= 2:
        placements.append((True, "pinned: producer thread alone on core 0, server and clients on core 1"))
    for pinned, placement in placements:
        f = fanout(server, pinned=pinned)
        print(f"| {placement} | {f['slowdown_pct']:.1f} % | {f['server_cores'] * 100:.0f} % of a core | {f['p50_ms']:.1f} ms | {f['p99_ms']:.1f} ms | {f['points_received']:,} / {f['points_expected']:,.0f} |")


def report_cpu(server) -> None:
    print("\n## CPU at 100k points/s (producer process: Python loop, engine, server)")
    for clients in (0, 1, 20):
        print(f"- {clients} clients: {cpu_per_rate(server, clients=clients) * 100:.0f} % of one core")


SECTIONS = ("ingest", "latency", "fanout", "cpu", "auth")


def main() -> None:
    chosen = sys.argv[1:] or list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        sys.exit(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, stream_viz {sv.__version__}, {time.strftime('%Y-%m-%d')}")
    if "ingest" in chosen:
        report_ingest()
    if not {"latency", "fanout", "cpu", "auth"} & set(chosen):
        return
    for example in (WS_LATENCY, PUSH_LOAD):
        if not example.exists():
            sys.exit(f"{example} is missing: cargo build --release --examples --features client")
    if "auth" in chosen:
        report_auth()
    if not {"latency", "fanout", "cpu"} & set(chosen):
        return
    server = sv.start(port=0)
    if "latency" in chosen:
        report_latency(server)
    if "fanout" in chosen:
        report_fanout(server)
    if "cpu" in chosen:
        report_cpu(server)
    sv.stop()


if __name__ == "__main__":
    main()
