"""A server starting on a shared Redis store while another streams 100k points/s (issue 21).

A redis-server of the bench's own (free port, temporary directory) holds both the store
(`--persistence redis://…`) and the relay's stream. Server A takes a producer's 100k points/s
(10 metrics × 100 points every 10 ms over a WebSocket, as `relay_bench.py` sends them); half-way
through, server B starts on the same store and relay. B loads what the store holds under a hold
on A's writes, then takes from the relay what the store did not hold. Printed: how long B's load
held A's writes (B's log says), how long B took from its start to serving, and, after the
producer stops and a last marker has reached B, the points each server holds per metric against
the points sent: B must hold exactly what A holds, none twice, none missing.

    maturin develop --release        # or the release wheel installed in the venv
    python benches/shared_start_bench.py [--seconds 30]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from relay_bench import METRICS, RATE, TICK, drain, free_port, prologue, redis_server  # noqa: E402
from websockets.sync.client import connect  # noqa: E402


def serve(redis_url: str) -> tuple[subprocess.Popen, str, list[str]]:
    """A server on the shared store and relay; its log lines are kept."""
    command = [sys.executable, "-m", "stream_viz", "serve", "--port", str(free_port()), "--max-messages-per-second", "100000",
               "--relay", redis_url, "--relay-stream", "bench", "--persistence", redis_url]
    # Its load is said at info level (a Python process says warnings only unless told).
    env = {**os.environ, "STREAMVIZ_LOG": "streamviz=info"}
    process = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    assert process.stderr is not None
    said: list[str] = []
    for line in process.stderr:
        said.append(line)
        if match := re.search(r"serving (http://127\.0\.0\.1:\d+/)", line):
            def keep(stream=process.stderr) -> None:
                for rest in stream:
                    said.append(rest)
            threading.Thread(target=keep, daemon=True).start()
            return process, match.group(1), said
    raise SystemExit(f"the server ended: {''.join(said)[-2000:]}")


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.loads(response.read())


def held(url: str) -> list[tuple[int, bool]]:
    """Per metric, the points a server holds, and whether their values are 0, 1, 2, … each once."""
    out = []
    for i in range(METRICS):
        values = sorted(p[1] for p in get(url + f"api/v1/widgets/m{i}/data?format=json")["data"]["points"])
        out.append((len(values), values == list(range(len(values)))))
    return out


def produce(url: str, seconds: float, sent: list[int], started: threading.Event) -> None:
    per_metric = int(RATE * TICK / METRICS)
    with connect(url.replace("http://", "ws://") + "ws", max_size=None) as ws:
        refused: list[str] = []
        threading.Thread(target=drain, args=(ws, refused), daemon=True).start()
        ws.send(json.dumps({"type": "push", "widgets": [{"id": f"m{i}", "kind": "metric", "options": {"max_points": 1_000_000}}
                                                        for i in range(METRICS)] + [{"id": "end", "kind": "text"}]}))
        started.set()
        next_at = time.perf_counter()
        end = next_at + seconds
        n = 0
        while time.perf_counter() < end:
            stamp = time.time() * 1000
            ws.send(json.dumps({"type": "push", "updates": [{"widget": f"m{i}", "points": [[stamp, n + j] for j in range(per_metric)]}
                                                            for i in range(METRICS)]}))
            n += per_metric
            sent[0] = n
            next_at += TICK
            time.sleep(max(0.0, next_at - time.perf_counter()))
        ws.send(json.dumps({"type": "push", "updates": [{"widget": "end", "text": "done"}]}))
        time.sleep(0.2)  # the last answers read (a closing socket drops nothing already sent)
    if refused:
        raise SystemExit(f"pushes refused: {refused[:3]}")


def main() -> int:
    args = prologue(30.0)
    with tempfile.TemporaryDirectory() as directory:
        redis, redis_url = redis_server(Path(directory))
        a, url_a, _ = serve(redis_url)
        sent = [0]
        started = threading.Event()
        producer = threading.Thread(target=produce, args=(url_a, args.seconds, sent, started), daemon=True)
        producer.start()
        started.wait(30)
        time.sleep(args.seconds / 2)  # the bench's schedule: B starts half-way through
        at_start = sent[0]
        t0 = time.perf_counter()
        b, url_b, said_b = serve(redis_url)
        to_serving = time.perf_counter() - t0
        producer.join()
        ended = time.perf_counter()
        deadline = time.monotonic() + 120
        while get(url_b + "api/v1/widgets/end/data?format=json").get("data") != {"text": "done"}:
            if time.monotonic() > deadline:
                raise SystemExit("B never got the last marker")
            time.sleep(0.05)
        after_end = time.perf_counter() - ended
        load = next((line.strip() for line in said_b if "persistence: loaded" in line), "(no load line)")
        stats_b = get(url_b + "api/v1/stats")
        held_a, held_b = held(url_a), held(url_b)
        print(f"A took {sent[0] * METRICS:,} points ({sent[0]:,} a metric); B started after {at_start:,} a metric")
        print(f"B: {load.split('persistence: ', 1)[-1]}")
        print(f"B: serving {to_serving * 1000:.0f} ms after its start; the producer's last marker reached it {after_end * 1000:.0f} ms"
              " after the producer sent it")
        print(f"B: restored {stats_b['persistence']['points_restored']:,} points, relay received {stats_b['relay']['received']:,} messages,"
              f" refused {stats_b['relay']['refused']}")
        print(f"held per metric: A {sorted(set(held_a))}, B {sorted(set(held_b))}; sent {sent[0]:,}")
        same = held_a == held_b == [(sent[0], True)] * METRICS
        print("every point once on both" if same else "MISMATCH")
        for process in (a, b):
            process.send_signal(2)
            process.wait(60)
        redis.kill()
        redis.wait(30)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
