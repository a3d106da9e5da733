"""Several servers, one dashboard: producer → viewer latency through the Redis relay (issue 21).

Three `streamviz serve --relay` processes share a redis-server of the bench's own (free port,
temporary directory). A producer pushes 100k points/s to the first one over a WebSocket (`push`
messages every 10 ms, 10 metrics × 100 points, each point stamped with the wall-clock time of its
push); a viewer on every server reads `/ws` and takes, for every point it receives, its arrival
time minus its stamp. The same producer against a single server without a relay runs first in the
same invocation, as the baseline. Prints p50/p95/p99 per server and the points each viewer saw.

    maturin develop --release && python benches/relay_bench.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from websockets.sync.client import connect

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


class Viewer(threading.Thread):
    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url.replace("http://", "ws://") + "ws"
        self.latencies: list[float] = []
        self.measuring = False
        self.stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        with connect(self.url, max_size=None) as ws:
            self.ready.set()
            while not self.stop.is_set():
                try:
                    message = json.loads(ws.recv(timeout=0.5))
                except TimeoutError:
                    continue
                now = time.time() * 1000
                if message.get("type") == "data" and self.measuring:
                    for op in message["updates"]:
                        for ts, _ in op.get("points", ()):
                            self.latencies.append(now - ts)


def produce(url: str, seconds: float) -> int:
    per_metric = int(RATE * TICK / METRICS)
    sent = 0
    with connect(url.replace("http://", "ws://") + "ws", max_size=None) as ws:
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
    return sent


def measure(urls: list[str], seconds: float) -> tuple[int, list[Viewer]]:
    viewers = [Viewer(url) for url in urls]
    for viewer in viewers:
        viewer.start()
        viewer.ready.wait(30)
    # A first second to declare and warm up, then measured.
    threading.Timer(1.0, lambda: [setattr(v, "measuring", True) for v in viewers]).start()
    sent = produce(urls[0], seconds + 1.0)
    time.sleep(1.0)  # let the last points arrive before the viewers stop
    for viewer in viewers:
        viewer.stop.set()
        viewer.join(timeout=10)
    return sent, viewers


def report(name: str, sent: int, seconds: float, viewers: list[Viewer]) -> None:
    print(f"{name}: sent {sent / (seconds + 1.0) / 1000:.0f}k points/s")
    for i, viewer in enumerate(viewers):
        lat = np.array(viewer.latencies)
        if not len(lat):
            print(f"  server {i + 1}: nothing received")
            continue
        p50, p95, p99 = np.percentile(lat, [50, 95, 99])
        print(f"  server {i + 1}{' (the producer pushes here)' if i == 0 else ''}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {lat.max():.1f} ms over {len(lat):,} points received")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("needs redis-server (apt install redis-server)")
    print(f"# {platform.node()} {platform.machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
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
        for process, _ in servers:
            process.send_signal(2)
            process.wait(30)
        redis.kill()
        redis.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
