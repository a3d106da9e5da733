"""Soak: a producer at 100k points/s into 50 widgets of every kind (metrics, a p99 window, line
charts, stats, gauges, bars, tables churning rows, texts, markdown, heatmaps), persistence on
with a retention, and WebSocket viewers connecting and leaving (up to 20 at once, in a process
of their own, as browsers elsewhere are: what they hold is not the server's), for a given time.
Every sample interval it records the producer's process's resident memory, open file
descriptors and threads, the database's size and the points held. It prints the samples as CSV, writes a PNG of
them when matplotlib is there, and with --check fails when resident memory after the warm-up
grew by more than the stated bound.

    python benches/soak.py --minutes 60 --warm-up 300 --png docs/soak-2026-11-27b.png   # a recorded run
    python benches/soak.py --minutes 2 --interval 5 --check          # what CI runs
"""

from __future__ import annotations

import argparse
import ctypes
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import numpy as np  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

import stream_viz as sv  # noqa: E402

RATE = 100_000  # points a second
TICK = 0.01  # seconds between producer ticks
WARM_UP_S = 30.0
# Resident memory may grow after the warm-up by at most this fraction plus this many MiB: the
# allocator's and SQLite's caches settle in steps for about a minute (a 2-minute run on
# 2026-11-27: 208 MiB at 30 s, then 216-238 MiB). A leak of 8 bytes a point is 0.8 MB/s here,
# 70 MB over the 90 s CI looks at: past the bound.
GROWTH_FRACTION = 0.15
GROWTH_SLACK_MIB = 32.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_sample() -> dict[str, float]:
    """glibc's heap across every arena: bytes allocated and bytes held free (what fragmentation
    keeps), in MiB; nothing where the C library has no mallinfo2. Since the extension allocates
    through jemalloc, this is Python's and the C libraries' heap (SQLite's page cache among
    them), not the engine's."""
    try:
        mallinfo2 = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return {}
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return {"heap_used_mib": (info.uordblks + info.hblkhd) / 2**20, "heap_free_mib": info.fordblks / 2**20}


def process_sample() -> dict[str, float]:
    status = Path("/proc/self/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "rss_mib": int(fields["VmRSS"].split()[0]) / 1024,
        "threads": int(fields["Threads"]),
        "fds": len(os.listdir("/proc/self/fd")),
        **heap_sample(),
    }


def dashboard() -> dict[str, list]:
    """50 widgets of every kind."""
    kinds: dict[str, list] = {"metric": [], "window": [], "line": [], "stat": [], "gauge": [], "bars": [], "table": [], "text": [], "markdown": [], "heatmap": []}
    for i in range(19):
        kinds["metric"].append(sv.metric(f"m{i}", max_points=5_000))
    for i in range(4):
        kinds["window"].append(sv.metric(f"p99_{i}", window="1s", aggregation="p99", max_points=600))
    for i in range(6):
        chart = sv.line_chart(f"lines{i}", max_points=5_000)
        for s in ("a", "b", "c"):
            chart.add_series(s)
        kinds["line"].append(chart)
    for i in range(4):
        kinds["stat"].append(sv.stat(f"s{i}"))
        kinds["gauge"].append(sv.gauge(f"g{i}"))
    for i in range(3):
        kinds["bars"].append(sv.bar_chart(f"b{i}"))
        kinds["table"].append(sv.table(f"t{i}", key="id", max_rows=500))
        kinds["heatmap"].append(sv.heatmap(f"h{i}"))
    for i in range(2):
        kinds["text"].append(sv.text(f"x{i}"))
        kinds["markdown"].append(sv.markdown(f"md{i}"))
    assert sum(len(v) for v in kinds.values()) == 50
    return kinds


def produce(kinds: dict[str, list], stop: threading.Event, sent: list[int]) -> None:
    """RATE points a second in ticks: most through send_many, the rest one by one, plus rows,
    bars, texts and matrices."""
    rng = np.random.default_rng(7)
    per_tick = int(RATE * TICK)
    series_targets = kinds["metric"] + kinds["window"]
    singles = kinds["stat"] + kinds["gauge"]
    # The tick's points shared out over every series, the first few taking one more, so that a
    # tick sends exactly per_tick points.
    series = [(metric, None) for metric in series_targets] + [(chart, s) for chart in kinds["line"] for s in ("a", "b", "c")]
    share, extra = divmod(per_tick - len(singles), len(series))
    counts = [share + (i < extra) for i in range(len(series))]
    stamps_of = {n: np.arange(n) * (TICK / n) for n in set(counts)}
    tick = 0
    next_at = time.perf_counter()
    while not stop.is_set():
        now = time.time()
        count = 0
        for (widget, name), n in zip(series, counts):
            if name is None:
                widget.send_many(rng.normal(50, 10, n), now + stamps_of[n])
            else:
                widget.send_many(name, rng.normal(20, 5, n), now + stamps_of[n])
            count += n
        for widget in singles:
            widget.send(float(rng.uniform(0, 100)), now)
            count += 1
        if tick % 10 == 0:
            for table in kinds["table"]:
                # Rows churn: new keys all the time, some updated, some deleted.
                table.send({"id": tick, "v": float(rng.normal())})
                table.send({"id": tick - 50, "v": 0.0})
                table.delete(tick - 100)
            for bars in kinds["bars"]:
                bars.send({f"c{j}": float(rng.uniform(0, 10)) for j in range(8)})
        if tick % 100 == 0:
            for text in kinds["text"]:
                text(f"tick {tick}")
            for md in kinds["markdown"]:
                md(f"**tick** {tick}\n\n- a\n- b")
            for heat in kinds["heatmap"]:
                heat.send(rng.uniform(0, 1, (8, 12)).tolist())
        sent[0] += count
        tick += 1
        next_at += TICK
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            next_at = time.perf_counter()


def viewers(url: str, stop: threading.Event, seen: list[int]) -> None:
    """Up to 20 viewers at once, each reading for a while, then leaving; another comes."""
    rng = random.Random(11)

    def one() -> None:
        while not stop.is_set():
            stay = rng.uniform(2, 15)
            try:
                with connect(url, max_size=None, open_timeout=10) as ws:
                    until = time.monotonic() + stay
                    while time.monotonic() < until and not stop.is_set():
                        ws.recv(timeout=5)
                        seen[0] += 1
            except (TimeoutError, OSError, Exception):  # noqa: BLE001 - a viewer may be cut off; it comes back
                pass

    threads = [threading.Thread(target=one, daemon=True, name=f"viewer-{i}") for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def viewers_process(url: str) -> int:
    """`--viewers URL`: the viewers, until standard input closes; the messages read so far,
    printed each second."""
    stop = threading.Event()
    seen = [0]
    threading.Thread(target=viewers, args=(url, stop, seen), daemon=True, name="viewers").start()
    threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True, name="stdin").start()
    while not stop.wait(1.0):
        print(seen[0], flush=True)
    return 0


def start_viewers(url: str, seen: list[int]) -> subprocess.Popen:
    """The viewers in a process of their own; `seen[0]` follows what they have read."""
    child = subprocess.Popen([sys.executable, __file__, "--viewers", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def follow() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            seen[0] = int(line)

    threading.Thread(target=follow, daemon=True, name="viewers-count").start()
    return child


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=60.0, help="seconds between samples")
    parser.add_argument("--check", action="store_true", help="fail when memory grows after the warm-up")
    parser.add_argument("--png", type=Path, default=None)
    parser.add_argument("--warm-up", type=float, default=WARM_UP_S, help="seconds before memory is expected to be flat")
    parser.add_argument("--keep", action="store_true", help="keep the database directory afterwards")
    parser.add_argument("--from-csv", type=Path, default=None, help="report (and plot) the samples a run printed, without running")
    parser.add_argument("--viewers", default=None, help=argparse.SUPPRESS)  # the viewers' process
    args = parser.parse_args()
    if args.viewers:
        return viewers_process(args.viewers)
    samples = read_csv(args.from_csv) if args.from_csv else run(args)
    return report(samples, args)


FIELDS = {"elapsed_s": "elapsed_s", "rss_mib": "rss_mib", "fds": "fds", "threads": "threads", "db_mib": "db_mib",
          "points_sent": "sent", "points_held": "held", "dropped": "dropped", "messages_seen": "seen",
          "heap_used_mib": "heap_used_mib", "heap_free_mib": "heap_free_mib"}


def read_csv(path: Path) -> list[dict]:
    """The samples of a run's output (its CSV lines; comment lines skipped)."""
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    header = lines[0].split(",")
    return [{FIELDS[name]: float(value) for name, value in zip(header, line.split(","))} for line in lines[1:]]


def run(args: argparse.Namespace) -> list[dict]:
    """The soak itself: samples each interval, printed as CSV as they are taken."""
    directory = Path(tempfile.mkdtemp(prefix="streamviz-soak-"))
    db = directory / "soak.db"
    sv.configure(persistence=f"sqlite:///{db}", retention="2m")
    kinds = dashboard()
    server = sv.start(port=0)
    url = server.base_url.replace("http://", "ws://") + "ws"
    stop = threading.Event()
    sent, seen = [0], [0]
    threads = [threading.Thread(target=produce, args=(kinds, stop, sent), daemon=True, name="producer")]
    for t in threads:
        t.start()
    readers = start_viewers(url, seen)
    start = time.monotonic()
    samples = []
    print("elapsed_s,rss_mib,fds,threads,db_mib,points_sent,points_held,dropped,messages_seen,heap_used_mib,heap_free_mib", flush=True)
    while True:
        elapsed = time.monotonic() - start
        stats = sv.stats()
        sample = {
            "elapsed_s": elapsed,
            **process_sample(),
            "db_mib": sum(p.stat().st_size for p in directory.iterdir()) / 2**20,
            "sent": sent[0],
            "held": sum(w["held"] for w in stats["per_widget"]),
            "dropped": sum(w["dropped"] for w in stats["per_widget"]),
            "seen": seen[0],
        }
        samples.append(sample)
        print(f"{elapsed:.0f},{sample['rss_mib']:.1f},{sample['fds']},{sample['threads']},{sample['db_mib']:.1f},{sample['sent']},{sample['held']},{sample['dropped']},{sample['seen']},"
              f"{sample.get('heap_used_mib', 0):.1f},{sample.get('heap_free_mib', 0):.1f}", flush=True)
        if elapsed >= args.minutes * 60:
            break
        time.sleep(max(0.0, args.interval - (time.monotonic() - start - elapsed)))
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert readers.stdin is not None
    readers.stdin.close()
    readers.wait(timeout=60)
    sv.stop()
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return samples


def report(samples: list[dict], args: argparse.Namespace) -> int:
    """Memory after the warm-up, the database, the PNG; 1 when --check finds growth."""
    rate = samples[-1]["sent"] / samples[-1]["elapsed_s"]
    after = [s for s in samples if s["elapsed_s"] >= args.warm_up]
    base = after[0]["rss_mib"] if after else samples[0]["rss_mib"]
    peak = max(s["rss_mib"] for s in after) if after else base
    bound = base * (1 + GROWTH_FRACTION) + GROWTH_SLACK_MIB
    last = after[-1]["rss_mib"] if after else base
    level = base  # what the ±5 % band of the plot is drawn around
    if len(after) >= 6 and after[-1]["elapsed_s"] - after[0]["elapsed_s"] >= 600:
        # Samples swing with what the viewers and the allocator hold at that moment: compare the
        # medians of the first and last sixth after the warm-up, and the least-squares slope (over
        # ten minutes at least: a trend of two minutes says little about an hour).
        sixth = len(after) // 6
        first, final = (statistics.median(s["rss_mib"] for s in part) for part in (after[:sixth], after[-sixth:]))
        slope = statistics.linear_regression([s["elapsed_s"] / 3600 for s in after], [s["rss_mib"] for s in after]).slope
        print(f"# RSS median of the first sixth after the warm-up {first:.1f} MiB, of the last sixth {final:.1f} MiB "
              f"({100 * (final / first - 1):+.1f} %); trend {slope:+.1f} MiB an hour; samples from {100 * (min(s['rss_mib'] for s in after) / first - 1):+.1f} % "
              f"to {100 * (peak / first - 1):+.1f} % of the first", flush=True)
        level = first
    print(f"# after the warm-up: peak {100 * (peak / base - 1):+.1f} %, last {100 * (last / base - 1):+.1f} % of {base:.1f} MiB; "
          f"database from {min(s['db_mib'] for s in after) if after else 0:.1f} to {max(s['db_mib'] for s in after) if after else 0:.1f} MiB", flush=True)
    print(f"# {rate / 1000:.0f}k points/s sent; RSS after the {args.warm_up:.0f} s warm-up {base:.1f} MiB, peak {peak:.1f} MiB (bound {bound:.1f}); "
          f"fds {samples[-1]['fds']}, threads {samples[-1]['threads']}, database {samples[-1]['db_mib']:.1f} MiB", flush=True)
    if args.png:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("# matplotlib is not installed: no PNG", file=sys.stderr)
        else:
            fig, ax = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
            minutes = [s["elapsed_s"] / 60 for s in samples]
            ax[0].plot(minutes, [s["rss_mib"] for s in samples], label="resident memory (MiB)")
            ax[0].axhline(bound, linestyle="--", color="grey", label="CI bound")
            for side in (0.95, 1.05):
                ax[0].axhline(level * side, linestyle=":", color="green", label="±5 % of the level after the warm-up" if side > 1 else None)
            ax[0].axvline(args.warm_up / 60, linestyle=":", color="black", label="end of the warm-up")
            ax[0].legend()
            ax[1].plot(minutes, [s["db_mib"] for s in samples], label="database (MiB)")
            ax[1].plot(minutes, [s["fds"] for s in samples], label="open files")
            ax[1].plot(minutes, [s["threads"] for s in samples], label="threads")
            ax[1].set_xlabel("minutes")
            ax[1].legend()
            fig.suptitle(f"StreamViz soak: {rate / 1000:.0f}k points/s, 50 widgets, persistence, viewers coming and going")
            fig.savefig(args.png, dpi=110)
    if args.check and peak > bound:
        print(f"FAIL: resident memory grew to {peak:.1f} MiB after the warm-up, past {bound:.1f} MiB", file=sys.stderr)
        return 1
    if args.check and samples[-1]["seen"] == 0:
        print("FAIL: no viewer received anything", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
