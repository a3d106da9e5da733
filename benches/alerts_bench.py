"""What 1,000 alert rules on 1,000 widgets cost ingest: per-call `send()` (the calls' rate, and
the points held per second timed until `flush()` returns, i.e. the engine's apply rate) and
`send_many` batches, with no rules and with one rule per widget (evaluated on every point,
never firing), alternating in one process (each first as often) with the server running, medians of five runs; points
dropped by backpressure are reported beside the rates.

    python benches/alerts_bench.py            # after `maturin develop --release`
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import numpy as np  # noqa: E402

import stream_viz as sv  # noqa: E402

WIDGETS = 1_000
SENDS = 2_000_000  # per-call sends per run, round-robin over the widgets
BATCH = 10_000  # points per widget per send_many run (10 M in all)


def setup(rules: bool) -> list[sv.Metric]:
    sv.reset()
    metrics = [sv.metric(f"m{i}", max_points=20_000) for i in range(WIDGETS)]
    if rules:
        for metric in metrics:
            sv.alert(metric, above=1e12, for_="30s", recover_below=1e11, severity="critical")
    return metrics


def per_call(rules: bool) -> tuple[float, float, int]:
    metrics = setup(rules)
    sends = [m.send for m in metrics]
    t0 = time.perf_counter()
    ts = 1_700_000_000.0
    for i in range(SENDS // WIDGETS):
        value = float(i)
        for send in sends:
            send(value, ts)
        ts += 0.001
    t_calls = time.perf_counter() - t0
    assert sv.flush(60)
    t_held = time.perf_counter() - t0
    held = sum(w["held"] for w in sv.stats()["per_widget"])
    dropped = sum(w["dropped"] for w in sv.stats()["per_widget"])
    assert held + dropped == SENDS, (held, dropped)
    return SENDS / t_calls, held / t_held, dropped


def batches(rules: bool) -> float:
    metrics = setup(rules)
    values = np.arange(BATCH, dtype=np.float64)
    stamps = 1_700_000_000.0 + values / 1000.0
    t0 = time.perf_counter()
    for metric in metrics:
        metric.send_many(values, stamps)
    assert sv.flush(60)
    elapsed = time.perf_counter() - t0
    held = sum(w["held"] for w in sv.stats()["per_widget"])
    assert held == WIDGETS * BATCH, held
    return held / elapsed


def main() -> None:
    sv.start(port=0)
    results: dict[bool, dict[str, list[float]]] = {r: {"calls": [], "held": [], "batch": [], "dropped": []} for r in (False, True)}
    for round in range(5):
        # Each order as often: the second run of a pair finds the process warmer.
        for rules in ((False, True) if round % 2 == 0 else (True, False)):
            calls, held, dropped = per_call(rules)
            results[rules]["calls"].append(calls)
            results[rules]["held"].append(held)
            results[rules]["dropped"].append(dropped)
            results[rules]["batch"].append(batches(rules))
    sv.stop()
    print(f"# {time.strftime('%Y-%m-%d')} · {platform.processor() or platform.machine()} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]}")
    print("| measure | no rules | 1,000 rules | ratio |")
    print("|---|---:|---:|---:|")
    for key, label in (("calls", "`send()` calls/s"), ("held", "`send()` points held/s (until flush)"), ("batch", "`send_many` points held/s")):
        without = statistics.median(results[False][key])
        with_rules = statistics.median(results[True][key])
        print(f"| {label} | {without / 1e6:.2f} M | {with_rules / 1e6:.2f} M | {with_rules / without:.3f} |")
    print(f"| `send()` points dropped (all runs) | {sum(results[False]['dropped']):.0f} | {sum(results[True]['dropped']):.0f} | |")


if __name__ == "__main__":
    main()
