"""send_many: NumPy arrays and lists in one call, checked whole before anything is queued."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import numpy as np
import pytest

import stream_viz as sv

T0_S = 1_700_000_000.0


def held(widget_id: str) -> list:
    return json.loads(sv.export(widget_id, "json"))["data"]["points"]


def test_a_metric_takes_numpy_arrays_of_values_and_of_seconds_or_datetime64():
    m = sv.metric("m", max_points=100_000)
    values = np.random.default_rng(1).normal(50, 10, 20_000)
    seconds = T0_S + np.arange(20_000) / 1000
    assert m.send_many(values, seconds) == 20_000
    # int values and datetime64 timestamps (any unit) convert too.
    stamps = np.array(["2024-01-01T00:00:00.000", "2024-01-01T00:00:00.250"], dtype="datetime64[ms]")
    assert m.send_many(np.array([7, 8], dtype=np.int32), stamps) == 2
    sv.flush()
    points = held("m")
    assert len(points) == 20_002
    assert [p[1] for p in points[:20_000]] == values.tolist(), "every value exactly, in order"
    assert [p[0] for p in points[:3]] == (seconds[:3] * 1000).tolist()
    jan1 = datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp() * 1000
    assert points[20_000:] == [[jan1, 7.0], [jan1 + 250, 8.0]]


def test_lists_tuples_and_iterables_take_what_send_takes():
    m = sv.metric("m")
    stamps = [datetime(2024, 1, 1, 0, 0, s, tzinfo=timezone.utc) for s in range(3)]
    assert m.send_many([1, 2.5, np.float32(3)], stamps) == 3
    assert m.send_many((v for v in (4.0, float("nan"))), (T0_S, T0_S + 1)) == 2, "NaN is a gap in a metric"
    before = len(held("m"))
    assert m.send_many([9.0, 10.0]) == 2, "no timestamps: now, for all"
    sv.flush()
    points = held("m")
    assert [p[1] for p in points] == [1.0, 2.5, 3.0, 4.0, None, 9.0, 10.0]
    assert points[-1][0] == points[-2][0]
    assert before <= 5


def test_line_chart_series_and_table_rows_come_many_at_once():
    chart = sv.line_chart("chart")
    assert chart.send_many("api", np.arange(5, dtype=np.float64), T0_S + np.arange(5)) == 5
    assert chart.send_many("db", [1.0, 2.0], [T0_S, T0_S + 1]) == 2
    table = sv.table("events", key="id", max_rows=10)
    rows = [{"id": i, "level": "INFO" if i % 2 else "ERROR"} for i in range(6)] + [{"id": 0, "level": "FIXED"}]
    assert table.send_many(rows) == 7
    sv.flush()
    data = json.loads(sv.export("chart", "json"))["data"]
    assert [(s["name"], [p[1] for p in s["points"]]) for s in data["series"]] == [("api", [0, 1, 2, 3, 4]), ("db", [1, 2])]
    table_rows = json.loads(sv.export("events", "json"))["data"]["rows"]
    assert [(r["key"], r["row"]["level"]) for r in table_rows] == [("0", "FIXED"), ("1", "INFO"), ("2", "ERROR"), ("3", "INFO"), ("4", "ERROR"), ("5", "INFO")]


def test_a_windowed_metric_aggregates_a_batch_as_it_would_the_same_points_one_by_one():
    rng = np.random.default_rng(7)
    values = rng.lognormal(2, 1, 50_000)
    seconds = T0_S + np.sort(rng.uniform(0, 60, 50_000))
    one = sv.metric("one", window="1s", aggregation="p99")
    many = sv.metric("many", window="1s", aggregation="p99")
    for v, t in zip(values.tolist(), seconds.tolist()):
        one.send(v, t)
    assert many.send_many(values, seconds) == 50_000
    sv.flush()
    assert held("many") == held("one")
    assert len(held("one")) == 59


@pytest.mark.parametrize(
    ("values", "timestamps", "error", "reason"),
    [
        ([1.0, 2.0, float("inf")], None, sv.ValidationError, "infinity"),
        (np.array([1.0, np.inf]), None, sv.ValidationError, "infinity"),
        (np.array([True, False]), None, sv.StreamVizTypeError, "booleans"),
        ([1.0, True], None, sv.StreamVizTypeError, "booleans"),
        ([1.0, "2"], None, sv.StreamVizTypeError, "not str"),
        (np.zeros((2, 2)), None, sv.ValidationError, "one-dimensional"),
        (np.array(["a", "b"]), None, sv.StreamVizTypeError, "dtype kind"),
        ("12", None, sv.StreamVizTypeError, "not str"),
        (5.0, None, sv.StreamVizTypeError, "not float"),
        ([1.0, 2.0], [T0_S], sv.ValidationError, "1 timestamps for 2 values"),
        ([1.0, 2.0], [T0_S, "now"], sv.StreamVizTypeError, "timestamp"),
        ([1.0], np.array(["NaT"], dtype="datetime64[s]"), sv.ValidationError, "timestamp"),
        ([1.0], [1e20], sv.ValidationError, "timestamp"),
    ],
)
def test_bad_input_is_refused_whole_with_a_reason_and_changes_nothing(values, timestamps, error, reason):
    m = sv.metric("m")
    m.send_many([1.0], [T0_S])
    with pytest.raises(error, match=reason):
        m.send_many(values, timestamps)
    sv.flush()
    assert held("m") == [[T0_S * 1000, 1.0]]


def test_stats_and_gauges_refuse_nan_and_a_call_is_bounded():
    gauge = sv.gauge("g")
    with pytest.raises(sv.ValidationError, match="NaN"):
        gauge.send_many([1.0, float("nan")])
    m = sv.metric("m")
    with pytest.raises(sv.ValidationError, match="at most 10000000 points"):
        m.send_many(np.zeros(10_000_001))
    table = sv.table("t")
    with pytest.raises(sv.StreamVizTypeError, match="a row is a dict"):
        table.send_many([{"a": 1}, ["not", "a", "dict"]])
    sv.flush()
    assert {w["id"]: w["held"] for w in sv.stats()["per_widget"]} == {"g": 0, "m": 0, "t": 0}
