"""Several servers, one dashboard: producer → viewer latency through the Redis relay (issue 21).

Three `streamviz serve --relay` processes share a redis-server of the bench's own (free port,
temporary directory). A producer pushes 100k points/s to the first one over a WebSocket (`push`
messages every 10 ms, 10 metrics × 100 points, each point stamped with the wall-clock time of its
push); a viewer on every server reads `/ws` and takes, for every point it receives, its arrival
time minus its stamp. The same producer against a single server without a relay runs first in the
same invocation, as the baseline. Prints p50/p99/max per server and the points each viewer saw
(the viewers are examples/ws_latency, in Rust, so that reading costs the machine little).

    maturin develop --release
    cargo build --release --examples --features client   # examples/ws_latency, the viewers
    # (with the same CARGO_TARGET_DIR as the rest: a second target directory is tens of GB)
    python benches/relay_bench.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
WS_LATENCY = TARGET / "release" / "examples" / "ws_latency"
RATE = 100_000
TICK = 0.01
METRICS = 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], pattern: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    for line in process.stderr:
        if match := re.search(pattern, line):
            threading.Thread(target=process.stderr.read, daemon=True).start()
            return process, match.group(1)
    raise SystemExit(f"{command} ended without saying {pattern!r}")


def redis_server(directory: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(directory)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "Ready to accept connections" in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, f"redis://127.0.0.1:{port}/"
    raise SystemExit("redis-server did not start")


def serve(relay: str | None) -> tuple[subprocess.Popen, str]:
    command = [sys.executable, "-m", "stream_viz", "serve", "--port", "0", "--max-messages-per-second", "100000"]
    if relay:
        command += ["--relay", relay, "--relay-stream", "bench"]
    return start(command, r"serving (http://127\.0\.0\.1:\d+/)")


def viewer(url: str) -> subprocess.Popen:
    """A viewer of `url` (examples/ws_latency, one client: Rust, so that reading 100k points a
    second costs the machine little), measuring from its READY until its stdin closes."""
    process = subprocess.Popen([str(WS_LATENCY), url.replace("http://", "ws://") + "ws", "1"], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    assert line == "READY", line
    return process


def finish(process: subprocess.Popen) -> dict:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.close()
    result = json.loads(process.stdout.readline())
    process.wait(timeout=60)
    return result


def produce(url: str, seconds: float) -> int:
    per_metric = int(RATE * TICK / METRICS)
    sent = 0
    with connect(url.replace("http://", "ws://") + "ws", max_size=None) as ws:
        # The server answers every push (`ack`, or `error` with the reason): read on, or its
        # answers back up and it stops reading pushes.
        refused: list[str] = []
        threading.Thread(target=drain, args=(ws, refused), daemon=True).start()
        ws.send(json.dumps({"type": "push", "widgets": [{"id": f"m{i}", "kind": "metric", "options": {"max_points": 10000}} for i in range(METRICS)]}))
        next_at = time.perf_counter()
        end = next_at + seconds
        values = list(np.random.default_rng(1).normal(50, 5, per_metric))
        while time.perf_counter() < end:
            stamp = time.time() * 1000
            ws.send(json.dumps({"type": "push", "updates": [{"widget": f"m{i}", "points": [[stamp, v] for v in values]} for i in range(METRICS)]}))
            sent += per_metric * METRICS
            next_at += TICK
            time.sleep(max(0.0, next_at - time.perf_counter()))
    if refused:
        raise SystemExit(f"pushes refused: {refused[:3]}")
    return sent


def drain(ws, refused: list[str]) -> None:
    try:
        while True:
            message = json.loads(ws.recv())
            if message.get("type") == "error":
                refused.append(message.get("reason", ""))
    except Exception:  # noqa: BLE001 - the socket closed at the end
        return


def measure(urls: list[str], seconds: float) -> tuple[int, list[dict]]:
    """A viewer on every server, connected first (a viewer that connects while points flow is
    sent the frames since its snapshot, late by design: not what this measures), then the
    producer on the first server for `seconds`."""
    viewers = [viewer(url) for url in urls]
    sent = produce(urls[0], seconds)
    time.sleep(0.5)  # the last points on their way (the relay's 10 ms, a 25 ms tick)
    results = [finish(v) for v in viewers]
    for url, result in zip(urls, results):
        with urllib.request.urlopen(url + "api/v1/stats", timeout=10) as response:
            stats = json.loads(response.read())
        result["accepted"] = sum(w["accepted"] for w in stats["per_widget"])
    return sent, results


def report(name: str, sent: int, seconds: float, results: list[dict]) -> None:
    print(f"{name}: sent {sent / seconds / 1000:.0f}k points/s")
    for i, result in enumerate(results):
        print(f"  server {i + 1}{' (the producer pushes here)' if i == 0 else ''}: p50 {result['p50_ms']:.1f} ms, "
              f"p99 {result['p99_ms']:.1f} ms, max {result['max_ms']:.1f} ms over {result['points']:,} points received "
              f"(a viewer gets bursts of over 1,024 points a series in a tick M4-reduced); the server holds {result['accepted']:,}")


def prologue(seconds: float) -> argparse.Namespace:
    """A Redis bench's options (`--seconds`), redis-server checked, the machine and time said."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=seconds)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server (apt install redis-server)")
    print(f"# {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    return args


def main() -> int:
    args = prologue(20.0)
    alone, url = serve(None)
    sent, viewers = measure([url], args.seconds)
    report("one server, no relay", sent, args.seconds, viewers)
    alone.send_signal(2)
    alone.wait(30)
    with tempfile.TemporaryDirectory() as directory:
        redis, redis_url = redis_server(Path(directory))
        servers = [serve(redis_url) for _ in range(3)]
        time.sleep(1.0)  # the relays connect
        sent, viewers = measure([u for _, u in servers], args.seconds)
        report("three servers through Redis", sent, args.seconds, viewers)
        port = redis_url.rsplit(":", 1)[1].strip("/")
        redis_cli = ["redis-cli", "-p", port]
        length = subprocess.run([*redis_cli, "XLEN", "bench"], capture_output=True, text=True).stdout.strip()
        memory = subprocess.run([*redis_cli, "MEMORY", "USAGE", "bench"], capture_output=True, text=True).stdout.strip()
        print(f"  Redis: the stream holds {length} messages in {int(memory or 0) / 2**20:.1f} MiB")
        for process, _ in servers:
            process.send_signal(2)
            process.wait(30)
        redis.kill()
        redis.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
