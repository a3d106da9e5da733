"""Windowed aggregations against an exact reference computed with NumPy on random streams:
tumbling and sliding windows (with a slide that does not divide the window), every
aggregation, points out of order, windows with no points, late points, and the partial window."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np
import pytest

import stream_viz as sv

AGGREGATIONS = ["sum", "avg", "min", "max", "count", "rate", "p50", "p95", "p99.9"]
T0_S = 1_700_000_000.0


def exact(values: np.ndarray, aggregation: str, window_ms: float) -> float:
    """The aggregation of a window's values, NaN for none (count, sum and rate: 0)."""
    if values.size == 0:
        return 0.0 if aggregation in ("sum", "count", "rate") else math.nan
    if aggregation == "sum":
        return float(values.sum())
    if aggregation == "avg":
        return float(values.mean())
    if aggregation == "min":
        return float(values.min())
    if aggregation == "max":
        return float(values.max())
    if aggregation == "count":
        return float(values.size)
    if aggregation == "rate":
        return float(values.sum() / (window_ms / 1000))
    # The sketch answers for rank floor(q·(n-1)), NumPy's "lower" method.
    return float(np.quantile(values, float(aggregation[1:]) / 100, method="lower"))


def reference(ts_ms: np.ndarray, values: np.ndarray, window_ms: float, slide_ms: float, lateness_ms: float, aggregation: str):
    """Closed windows as (end, value) from the first window with a point to the last one the
    final watermark closed, runs of empty windows without a value as one gap; and the partial
    window (newest time, value so far)."""
    watermark = ts_ms.max() - lateness_ms
    first = math.floor((ts_ms.min() - window_ms) / slide_ms) + 1
    last = math.floor((watermark - window_ms) / slide_ms)
    closed: list[tuple[float, float]] = []
    for k in range(first, last + 1):
        start = k * slide_ms
        inside = values[(ts_ms >= start) & (ts_ms < start + window_ms)]
        value = exact(inside, aggregation, window_ms)
        if math.isnan(value) and closed and math.isnan(closed[-1][1]):
            continue
        closed.append((start + window_ms, value))
    newest = ts_ms.max()
    k = math.floor((newest - window_ms) / slide_ms) + 1
    inside = values[(ts_ms >= k * slide_ms) & (ts_ms < k * slide_ms + window_ms)]
    return closed, (newest, exact(inside, aggregation, window_ms))


def close(got: float, want: float, aggregation: str) -> bool:
    if math.isnan(want):
        return got is None or math.isnan(got)
    if aggregation.startswith("p"):
        return abs(got - want) <= 0.01 * abs(want) + 1e-9
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def random_stream(seed: int, seconds: float, rate: float, disorder_ms: float):
    """Points at random times (with a 7-second hole and a 1.5-second one), heavy-tailed values,
    sent in an order shuffled by up to `disorder_ms`."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    offsets_ms = np.sort(rng.uniform(0, seconds * 1000, n)).round(3)
    keep = ~(((offsets_ms > 20_000) & (offsets_ms < 27_000)) | ((offsets_ms > 40_000) & (offsets_ms < 41_500)))
    offsets_ms = offsets_ms[keep]
    values = rng.lognormal(3.0, 1.0, offsets_ms.size) * rng.choice([-1, 1], offsets_ms.size, p=[0.1, 0.9])
    order = np.argsort(offsets_ms + rng.uniform(0, disorder_ms, offsets_ms.size))
    ts_s = T0_S + offsets_ms[order] / 1000
    return ts_s, values[order]


@pytest.mark.parametrize(
    ("window", "slide", "seed"),
    [("1s", None, 1), ("1s", "300ms", 2), ("5s", "1s", 3), (timedelta(milliseconds=2500), 0.7, 4)],
    ids=["tumbling", "sliding-slide-not-dividing", "sliding", "timedelta-and-seconds"],
)
def test_windows_equal_an_exact_reference_on_a_random_out_of_order_stream(window, slide, seed):
    ts_s, values = random_stream(seed, seconds=60, rate=300, disorder_ms=400)
    window_ms = (window.total_seconds() * 1000) if isinstance(window, timedelta) else {"1s": 1000, "5s": 5000}[window]
    slide_ms = window_ms if slide is None else (slide * 1000 if isinstance(slide, float) else {"300ms": 300, "1s": 1000}[slide])
    metrics = {
        aggregation: sv.metric(f"m_{aggregation}", window=window, slide=slide, aggregation=aggregation, lateness="500ms", max_points=100_000)
        for aggregation in AGGREGATIONS
    }
    for t, v in zip(ts_s.tolist(), values.tolist()):
        for metric in metrics.values():
            metric.send(v, t)
    sv.flush()
    late = {w["id"]: w["late"] for w in sv.stats()["per_widget"]}
    ts_ms = ts_s * 1000.0  # the engine's own conversion, bit for bit
    for aggregation in AGGREGATIONS:
        assert late[f"m_{aggregation}"] == 0, "the lateness covers the disorder"
        data = json.loads(sv.export(f"m_{aggregation}", "json"))["data"]
        want, (partial_ts, partial_value) = reference(ts_ms, values, window_ms, slide_ms, 500, aggregation)
        got = [(ts, math.nan if v is None else v) for ts, v in data["points"]]
        assert [ts for ts, _ in got] == [ts for ts, _ in want], aggregation
        wrong = [(ts, g, w) for (ts, g), (_, w) in zip(got, want) if not close(g, w, aggregation)]
        assert wrong == [], f"{aggregation}: {wrong[:5]}"
        assert data["partial"][0] == partial_ts
        assert close(data["partial"][1], partial_value, aggregation), (aggregation, data["partial"], partial_value)
    # The holes in the stream are windows without points: zeros, or one gap.
    count_points = json.loads(sv.export("m_count", "json"))["data"]["points"]
    assert any(v == 0 for _, v in count_points)
    assert any(v is None for _, v in json.loads(sv.export("m_avg", "json"))["data"]["points"])


def test_late_points_are_counted_and_left_out_and_lateness_lets_them_in():
    strict = sv.metric("strict", window="1s", aggregation="sum", max_points=100)
    lenient = sv.metric("lenient", window="1s", aggregation="sum", lateness="2s", max_points=100)
    # 0.5 s, then 1.5 s (closes [0, 1) for `strict`), then 0.9 s: late for `strict` only.
    for offset, value in [(0.5, 1.0), (1.5, 10.0), (0.9, 100.0), (4.0, 0.0)]:
        strict.send(value, T0_S + offset)
        lenient.send(value, T0_S + offset)
    sv.flush()
    stats = {w["id"]: w for w in sv.stats()["per_widget"]}
    assert (stats["strict"]["late"], stats["lenient"]["late"]) == (1, 0)
    assert stats["strict"]["accepted"] == 4
    t0_ms = T0_S * 1000
    strict_points = json.loads(sv.export("strict", "json"))["data"]["points"]
    lenient_points = json.loads(sv.export("lenient", "json"))["data"]["points"]
    assert strict_points == [[t0_ms + 1000, 1.0], [t0_ms + 2000, 10.0], [t0_ms + 3000, 0.0], [t0_ms + 4000, 0.0]]
    # lenient closes a window 2 s after its end: 4.0 s closes [0, 1) and [1, 2) only.
    assert lenient_points == [[t0_ms + 1000, 101.0], [t0_ms + 2000, 10.0]]


def test_window_options_are_checked_at_declaration():
    bad = [
        ({"window": "1 fortnight"}, "is not a duration"),
        ({"window": "0s"}, "at least 1ms"),
        ({"window": "1m", "aggregation": "median"}, "is not one of sum, avg"),
        ({"window": "1m", "aggregation": "p0"}, "above p0"),
        ({"window": "1m", "slide": "2m"}, "longer than the window"),
        ({"window": "1h", "slide": "1s"}, "at most 1000 slides"),
        ({"aggregation": "p95"}, "needs a window"),
        ({"window": -1}, "positive duration"),
    ]
    for options, reason in bad:
        with pytest.raises(sv.ValidationError, match=reason):
            sv.metric("m", **options)
    with pytest.raises(sv.StreamVizTypeError):
        sv.metric("m", window=[1])
    assert sv.stats()["widgets"] == 0, "nothing was declared"


def test_the_browser_draws_closed_windows_and_the_open_one_and_follows_them_live(server, page):
    from conftest import ARTIFACTS
    from test_browser import drawn

    latency = sv.metric("latency", title="Latency", unit=" ms", window="1s", aggregation="max", color="#ff00ff")
    t0 = 1_700_000_000.0
    for i in range(100):  # 10 closed windows of max 10 + second, and 0.5 s into the 11th
        latency.send(float(i % 10) + i // 10, t0 + i / 10)
    for i in range(5):
        latency.send(100.0 + i, t0 + 10 + i / 10)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.drawn('latency')?.series.length === 2")
    assert page.locator("[data-widget=latency] .sv-card-caption").inner_text() == "max per 1s"
    closed, open_window = drawn(page, "latency")["series"]
    assert closed["data"] == [[t0 * 1000 + 1000 * (k + 1), 9.0 + k] for k in range(10)]
    assert open_window["name"] == "open window (so far)"
    assert open_window["data"] == [[t0 * 1000 + 10_000, 18.0], [t0 * 1000 + 10_400, 104.0]]
    assert open_window["dashed"] and not closed["dashed"]
    assert page.locator("[data-widget=latency] .sv-value").get_attribute("data-value") == "18", "the headline is the last closed window"
    page.locator("[data-widget=latency]").screenshot(path=str(ARTIFACTS / "windowed-metric.png"))
    # Live: the open window grows, then closes and a new one opens.
    latency.send(200.0, t0 + 10.9)
    page.wait_for_function("window.streamviz.widgets.get('latency')?.data.partial?.[1] === 200")
    latency.send(1.0, t0 + 11.2)
    page.wait_for_function("window.streamviz.widgets.get('latency')?.data.points.length === 11")
    assert page.evaluate("window.streamviz.widgets.get('latency').data.points.at(-1)") == [t0 * 1000 + 11_000, 200.0]
    assert page.evaluate("window.streamviz.widgets.get('latency').data.partial") == [t0 * 1000 + 11_200, 1.0]
