"""Points held, as a user gets them (issue 17): every case runs in a fresh process with the
server started and WebSocket clients connected, as a script runs it, and is timed until
`sv.flush()` returns (every point applied), with what was dropped beside the rate; rerun-sdk's
`send_columns` and a plain-Python `list.extend` run in the same run for the ratio. Memory is
the process's RSS growth per held point, and what a burst leaves behind after it.

    maturin develop --release && pip install rerun-sdk websockets
    python benches/held_bench.py            # everything, as markdown tables
    python benches/held_bench.py batch      # one section: batch, calls, threads, memory

Results go to docs/BENCHMARKS.md by hand, with the machine and the date this prints.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time

SIZES = (1_000_000, 5_000_000, 10_000_000)


def rss() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


# Readers of everything the server sends, in a process of their own.
CLIENTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "ws_readers.py")


def serve(sv, clients: int = 1, persistence: str | None = None):
    """Start the server and `clients` WebSocket clients (in a process of their own, so that what
    they hold is not counted as the producer's) reading everything it sends."""
    if persistence:
        sv.configure(persistence=persistence)
    server = sv.start(port=0)
    url = server.base_url.replace("http://", "ws://") + "ws"
    readers = subprocess.Popen([sys.executable, CLIENTS, url, str(clients)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert readers.stdout is not None and readers.stdout.readline().strip() == "READY"
    return server


def case_batch(size: int, window: bool) -> dict:
    import numpy as np
    import stream_viz as sv

    serve(sv)
    options = {"window": "1m", "aggregation": "p95"} if window else {}
    metric = sv.metric("m", max_points=size, **options)
    values = np.random.default_rng(1).lognormal(3, 1, size)
    seconds = 1_700_000_000 + np.arange(size) / 1e4
    sv.flush()
    start = time.perf_counter()
    queued = metric.send_many(values, seconds)
    sv.flush(600)
    elapsed = time.perf_counter() - start
    held = next(w for w in sv.stats()["per_widget"] if w["id"] == "m")["accepted"]
    return {"rate": held / elapsed, "queued": queued, "dropped": metric.dropped, "held": held}


def case_rerun(size: int) -> dict:
    import numpy as np
    import rerun as rr

    rr.init("held-bench", spawn=False)
    rr.memory_recording()
    values = np.random.default_rng(1).lognormal(3, 1, size)
    steps = np.arange(size)
    start = time.perf_counter()
    rr.send_columns("bench/batch", indexes=[rr.TimeColumn("step", sequence=steps)], columns=rr.Scalars.columns(scalars=values))
    rr.disconnect()  # flushes the recording
    return {"rate": size / (time.perf_counter() - start), "version": rr.__version__}


def case_baseline(size: int) -> dict:
    import numpy as np

    values = np.random.default_rng(1).lognormal(3, 1, size)
    target: list[float] = []
    start = time.perf_counter()
    target.extend(values.tolist())
    return {"rate": size / (time.perf_counter() - start)}


def case_calls(calls: int, window: bool) -> dict:
    """`send` once per point, as fast as a Python loop calls it, timed until `flush()` returns
    (every point applied), with the server on and a client connected."""
    import stream_viz as sv

    serve(sv)
    options = {"window": "1m", "aggregation": "p95"} if window else {}
    metric = sv.metric("calls", max_points=calls, **options)
    send = metric.send
    start = time.perf_counter()
    for _ in range(calls):
        send(1.5)
    sv.flush(600)
    elapsed = time.perf_counter() - start
    return {"rate": (calls - metric.dropped) / elapsed, "dropped": metric.dropped}


def case_rerun_calls(calls: int) -> dict:
    import rerun as rr

    rr.init("held-bench", spawn=False)
    rr.memory_recording()
    log, scalars = rr.log, rr.Scalars
    start = time.perf_counter()
    for _ in range(calls):
        log("bench/scalar", scalars(1.5))
    rr.disconnect()  # flushes the recording
    return {"rate": calls / (time.perf_counter() - start)}


def case_baseline_calls(calls: int) -> dict:
    target: list[float] = []
    append = target.append
    start = time.perf_counter()
    for _ in range(calls):
        append(1.5)
    return {"rate": calls / (time.perf_counter() - start)}


def case_threads(threads: int, seconds: float = 5.0) -> dict:
    import stream_viz as sv

    db = os.path.join(tempfile.mkdtemp(), "held.db")
    serve(sv, clients=20, persistence=f"sqlite:///{db}")
    metrics = [sv.metric(f"t{i}", max_points=100_000) for i in range(threads)]
    sent = [0] * threads
    stop = time.perf_counter() + seconds

    def produce(i: int) -> None:
        send, n = metrics[i].send, 0
        while time.perf_counter() < stop:
            for _ in range(10_000):
                send(1.5)
            n += 10_000
        sent[i] = n

    workers = [threading.Thread(target=produce, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    sv.flush(600)
    elapsed = time.perf_counter() - start
    dropped = sum(m.dropped for m in metrics)
    persistence = sv.stats()["persistence"]
    sv.stop()
    sv.reset()  # closes the database: it holds hundreds of MB
    size = sum(os.path.getsize(os.path.join(os.path.dirname(db), f)) for f in os.listdir(os.path.dirname(db)))
    shutil.rmtree(os.path.dirname(db))
    return {"rate": (sum(sent) - dropped) / elapsed, "sent": sum(sent), "dropped": dropped,
            "stored": persistence["points_stored"], "lost": persistence["updates_lost"],
            "bytes_per_point": size / max(1, persistence["points_stored"])}


def case_memory(batch: bool) -> dict:
    import numpy as np
    import stream_viz as sv

    serve(sv)
    metrics = [sv.metric(f"m{i}", max_points=100_000) for i in range(10)]
    sv.flush()
    before = rss()
    for i, metric in enumerate(metrics):
        if batch:
            metric.send_many(np.arange(100_000, dtype=np.float64) + i, 1_700_000_000 + np.arange(100_000) / 1e3)
        else:
            send = metric.send
            for v in range(100_000):
                send(float(v))
    sv.flush(600)
    time.sleep(0.5)  # the server's last tick (25 ms) has sent it all: what stays is what is held
    held = sum(w["held"] for w in sv.stats()["per_widget"])
    return {"bytes_per_point": (rss() - before) / held, "dropped": sum(m.dropped for m in metrics)}


def case_burst() -> dict:
    import numpy as np
    import stream_viz as sv

    serve(sv)
    metric = sv.metric("m", max_points=1000)
    metric.send_many(np.zeros(1000), 1_600_000_000 + np.arange(1000) / 1e3)
    sv.flush()
    time.sleep(0.5)
    before = rss()
    n = 10_000_000
    metric.send_many(np.arange(n, dtype=np.float64), 1_700_000_000 + np.arange(n) / 1e4)
    sv.flush(600)
    peak = rss()
    time.sleep(2.0)  # the server sends what the burst left for its clients, then it is given back
    return {"before": before, "peak": peak, "after": rss()}


def case_resync(clients: int) -> dict:
    """A 5 M-point burst into a 5 M-point ring with `clients` clients: the burst overflows the
    engine's log, so every client is sent back to a snapshot; the peak RSS it costs."""
    import resource

    import numpy as np
    import stream_viz as sv

    serve(sv, clients=clients)
    n = 5_000_000
    metric = sv.metric("m", max_points=n)
    values, seconds = np.random.default_rng(1).lognormal(3, 1, n), 1_700_000_000 + np.arange(n) / 1e4
    sv.flush()
    time.sleep(0.5)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    metric.send_many(values, seconds)
    sv.flush(600)
    time.sleep(2.0)  # every client has been sent its new snapshot
    return {"grown": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - peak_before}


CASES = {
    "resync": case_resync,
    "batch": case_batch, "rerun": case_rerun, "baseline": case_baseline,
    "threads": case_threads, "memory": case_memory, "burst": case_burst,
    "calls": case_calls, "rerun_calls": case_rerun_calls, "baseline_calls": case_baseline_calls,
}


def run(name: str, *args) -> dict:
    """A case in a fresh process (so that each starts from a clean heap)."""
    out = subprocess.run([sys.executable, __file__, "--case", name, json.dumps(args)],
                         capture_output=True, text=True, timeout=1800, env=dict(os.environ, STREAMVIZ_AUTOSTART="0"))
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def versus_row(label: str, base: dict, plain: dict, p95: dict, rerun: dict, digits: int) -> str:
    """One row of a comparison table: the baseline, StreamViz plain and with a p95 window,
    rerun, StreamViz over rerun, and what StreamViz dropped."""
    ratio = f"{plain['rate'] / rerun['rate']:.{digits}f}×" if "rate" in rerun and "rate" in plain else "–"
    cell = lambda r: f"{r['rate'] / 1e6:.{digits}f} M/s" if "rate" in r else r.get("error", "–")
    return f"| {label} | {cell(base)} | {cell(plain)} | {cell(p95)} | {cell(rerun)} | {ratio} | {plain.get('dropped', '–')} / {p95.get('dropped', '–')} |"


def median_of(times: int, name: str, *args) -> dict:
    """The run of median rate among `times` fresh processes (one call of a few ms is mostly a
    cold process's page faults: one run alone varies ±15 %), with the lowest and highest rates."""
    runs = [run(name, *args) for _ in range(times)]
    rated = sorted((r for r in runs if "rate" in r), key=lambda r: r["rate"])
    if len(rated) < times:
        return next(r for r in runs if "rate" not in r)
    return dict(rated[times // 2], low=rated[0]["rate"], high=rated[-1]["rate"])


def report_batch() -> None:
    print("\n## send_many, timed until flush() returns (server on, 1 client); median of 3 processes each")
    print("| points | list.extend | send_many | send_many, p95 per 1m | rerun send_columns | send_many vs rerun | dropped |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        runs = [median_of(3, *case) for case in (("baseline", size), ("batch", size, False), ("batch", size, True), ("rerun", size))]
        print(versus_row(f"{size:,}", *runs, digits=1))
        spread = lambda r: f"{r['low'] / 1e6:.1f}–{r['high'] / 1e6:.1f}" if "low" in r else "–"
        print(f"|  | {' | '.join(spread(r) for r in runs)} |  |  |")


def report_calls() -> None:
    print("\n## send() per point, timed until flush() returns (server on, 1 client)")
    print("| calls | list.append | send | send, p95 per 1m | rerun rr.log (100 k calls) | send vs rr.log | dropped |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for calls in (1_000_000, 5_000_000):
        runs = run("baseline_calls", calls), run("calls", calls, False), run("calls", calls, True), run("rerun_calls", 100_000)
        print(versus_row(f"{calls:,}", *runs, digits=2))


def report_threads() -> None:
    print("\n## send() from threads, persistence on, 20 clients (5 s; held = sent - dropped, timed until stored)")
    print("| threads | points held/s | sent | dropped | stored | lost by the store | bytes/point on disk |\n|---:|---:|---:|---:|---:|---:|---:|")
    for threads in (1, 2):
        r = run("threads", threads)
        print(f"| {threads} | {r['rate'] / 1e6:.2f} M | {r['sent']:,} | {r['dropped']:,} | {r['stored']:,} | {r['lost']:,} | {r['bytes_per_point']:.1f} |" if "rate" in r else f"| {threads} | {r} |")


def report_memory() -> None:
    print("\n## memory per held point, 10 metrics x 100k points, server on, 1 client")
    for batch in (False, True):
        r = run("memory", batch)
        print(f"- {'send_many' if batch else 'send'}: {r['bytes_per_point']:.1f} bytes/point, {r['dropped']} dropped")
    r = run("burst")
    mb = lambda b: f"{b / 2**20:.0f} MiB"
    print(f"- a 10 M-point burst into a 1,000-point ring: RSS {mb(r['before'])} before, {mb(r['peak'])} at flush, "
          f"{mb(r['after'])} 2 s later ({(r['after'] / r['before'] - 1) * 100:+.0f} %)")
    for clients in (1, 20):
        r = run("resync", clients)
        print(f"- a 5 M-point burst into a 5 M-point ring (80 MB) with {clients} client(s), each sent back to a snapshot: "
              f"peak RSS +{mb(r['grown'])}" if "grown" in r else f"- resync, {clients} clients: {r}")


SECTIONS = {"batch": report_batch, "calls": report_calls, "threads": report_threads, "memory": report_memory}


def main() -> None:
    if sys.argv[1:2] == ["--case"]:
        print(json.dumps(CASES[sys.argv[2]](*json.loads(sys.argv[3]))))
        return
    chosen = sys.argv[1:] or list(SECTIONS)
    print(f"# {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    for name in chosen:
        SECTIONS[name]()


if __name__ == "__main__":
    main()
