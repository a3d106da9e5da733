"""The Python API: every constructor, every accepted value form, and every refused input
(raising a clear error and changing nothing)."""

import csv
import io
import json
import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

import stream_viz as sv


def csv_rows(widget_id):
    return list(csv.reader(io.StringIO(sv.export(widget_id, "csv"))))


def exported(widget_id):
    return json.loads(sv.export(widget_id, "json"))["data"]


def test_every_constructor_declares_its_kind_with_options():
    widgets = [
        sv.metric("m", title="CPU", unit="%", color="#00d4ff", max_points=10, thresholds={"warning": 70, "critical": 90}),
        sv.stat("s", title="Orders", format=",.0f", delta=True, delta_color="inverse", sparkline=False),
        sv.gauge("g", min=0, max=200, unit="°C", thresholds=[(50, "green"), (200, "red")]),
        sv.line_chart("l", y_axis={"label": "ms", "min": 0, "max": 100}, series=["api", {"name": "db", "color": "red"}]),
        sv.bar_chart("b", categories=["US", "EU"], stacked=True),
        sv.table("t", columns=["time", {"name": "level", "type": "badge", "colors": {"ERROR": "red"}}], max_rows=5, key="id"),
        sv.text("x", "hello", style="caption"),
        sv.markdown("md", "**bold**"),
        sv.heatmap("h", x_labels=["a", "b"], y_labels=["r"]),
    ]
    kinds = [w.kind for w in widgets]
    assert kinds == ["metric", "stat", "gauge", "line_chart", "bar_chart", "table", "text", "markdown", "heatmap"]
    config = json.loads(sv._core.config_json())
    by_id = {w["id"]: w for w in config["widgets"]}
    assert by_id["m"]["options"]["thresholds"] == {"warning": 70.0, "critical": 90.0}
    assert by_id["s"]["options"]["delta_color"] == "inverse"
    assert by_id["g"]["options"]["thresholds"] == [[50.0, "green"], [200.0, "red"]]
    assert [s["name"] for s in by_id["l"]["options"]["series"]] == ["api", "db"]
    assert by_id["t"]["options"]["columns"][1]["type"] == "badge"
    assert by_id["x"]["options"]["style"] == "caption"
    assert [n["id"] for n in config["layout"]["pages"][0]["children"]] == ["m", "s", "g", "l", "b", "t", "x", "md", "h"]


def test_values_of_every_widget_reach_the_engine():
    m = sv.metric("m")
    for value in (1, 2.5, np.float64(3.5), np.int64(4), np.float32(5.5)):
        assert m.send(value)
    assert [float(r[1]) for r in csv_rows("m")[1:]] == [1, 2.5, 3.5, 4, 5.5]

    chart = sv.line_chart("l")
    chart.add_series("cpu", color="red", label="CPU")
    chart.send("cpu", 65)
    chart.send("gpu", 72)
    assert {s["name"]: [p[1] for p in s["points"]] for s in exported("l")["series"]} == {"cpu": [65.0], "gpu": [72.0]}

    bars = sv.bar_chart("b", categories=["US", "EU", "Asia"])
    bars.send({"US": 1200, "EU": 980})
    bars.send([("Asia", 1450), ("US", 1300)])
    assert exported("b")["values"] == [["US", 1300.0], ["EU", 980.0], ["Asia", 1450.0]]

    text = sv.text("status")
    text("Connected")
    text.send("Reconnected")
    assert exported("status")["text"] == "Reconnected"

    notes = sv.markdown("notes", "## Title\n<script>alert(1)</script>")
    html = exported("notes")["html"]
    assert "<h2>Title</h2>" in html and "<script>" not in html

    heat = sv.heatmap("h", x_labels=["a", "b", "c"])
    heat.send(np.arange(6, dtype=float).reshape(2, 3))
    assert exported("h")["matrix"] == [[0, 1, 2], [3, 4, 5]]

    stat = sv.stat("s")
    stat.send(10)
    stat.send(12)
    assert [p[1] for p in exported("s")["points"]] == [10, 12]


def test_table_appends_upserts_deletes_and_keeps_max_rows():
    events = sv.table("events", max_rows=3)
    for i in range(5):
        events.send({"n": i, "when": datetime(2026, 1, 1, tzinfo=timezone.utc), "ok": True, "x": None})
    rows = exported("events")["rows"]
    assert [r["row"]["n"] for r in rows] == [2, 3, 4]
    assert rows[0]["row"]["when"] == "2026-01-01T00:00:00+00:00"

    orders = sv.table("orders", key="id")
    orders.send({"id": 1, "status": "new"})
    orders.send({"id": 2, "status": "new"})
    orders.send({"id": 1, "status": "paid"})
    orders.send({"status": "manual"}, key="m-1")
    orders.delete(2)
    assert [(r["key"], r["row"]["status"]) for r in exported("orders")["rows"]] == [("1", "paid"), ("m-1", "manual")]
    orders.clear()
    assert exported("orders")["rows"] == []


def test_timestamps_accept_epoch_seconds_and_datetimes():
    m = sv.metric("m")
    m.send(1, timestamp=1_700_000_000)
    m.send(2, timestamp=1_700_000_000.5)
    m.send(3, timestamp=datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc))
    naive = datetime(2023, 11, 14, 22, 13, 20)
    m.send(4, timestamp=naive)  # naive means local time, as datetime.timestamp() does
    before = datetime.now(timezone.utc).timestamp() * 1000
    m.send(5)
    after = datetime.now(timezone.utc).timestamp() * 1000
    ts = [float(r[0]) for r in csv_rows("m")[1:]]
    assert ts[:4] == [1_700_000_000_000, 1_700_000_000_500, 1_700_000_000_000, naive.timestamp() * 1000]
    assert before - 1 <= ts[4] <= after + 1


def test_nan_is_a_gap_for_time_series_and_refused_elsewhere():
    m = sv.metric("m")
    m.send(float("nan"))
    assert csv_rows("m")[1][1] == ""
    chart = sv.line_chart("l")
    chart.send("a", math.nan)
    g = sv.gauge("g")
    with pytest.raises(sv.ValidationError, match="NaN"):
        g.send(float("nan"))
    for widget in (m, g):
        with pytest.raises(sv.ValidationError, match="infinity"):
            widget.send(float("inf"))
    with pytest.raises(sv.ValidationError):
        sv.bar_chart("b").send({"US": float("nan")})
    with pytest.raises(sv.ValidationError):
        sv.heatmap("h").send([[1.0, float("nan")]])
    assert exported("g")["points"] == []


@pytest.mark.parametrize("bad", ["75", None, True, [1], {"v": 1}, object()])
def test_wrong_value_types_are_refused_and_change_nothing(bad):
    m = sv.metric("m")
    m.send(1)
    with pytest.raises(sv.StreamVizTypeError, match="takes numbers"):
        m.send(bad)
    assert len(csv_rows("m")) == 2


@pytest.mark.parametrize("bad", ["", "a b", "a/b", "ü", "x" * 65, "..", "<script>"])
def test_bad_ids_are_refused(bad):
    with pytest.raises(sv.ValidationError, match="invalid widget id"):
        sv.metric(bad)
    assert json.loads(sv._core.config_json())["widgets"] == []


def test_id_of_wrong_type_is_refused():
    with pytest.raises(sv.StreamVizTypeError):
        sv.metric(42)


def test_redeclaring_as_another_kind_is_refused_and_same_kind_returns_the_widget():
    m = sv.metric("cpu")
    m.send(5)
    with pytest.raises(sv.ValidationError, match="already declared as a metric, not a gauge"):
        sv.gauge("cpu")
    again = sv.metric("cpu", title="CPU")
    again.send(6)
    assert [float(r[1]) for r in csv_rows("cpu")[1:]] == [5, 6]


def test_unknown_and_invalid_options_are_refused():
    with pytest.raises(TypeError, match="colr"):
        sv.metric("m", colr="red")  # type: ignore[call-arg]
    with pytest.raises(sv.ValidationError, match="colour"):
        sv.metric("m", color="red;} body {display:none")
    with pytest.raises(sv.ValidationError, match="greater than min"):
        sv.gauge("g", min=10, max=5)
    with pytest.raises(sv.ValidationError, match="max_rows"):
        sv.table("t", max_rows=0)
    with pytest.raises(sv.ValidationError):
        sv.stat("s", delta_color="sometimes")  # type: ignore[arg-type]
    with pytest.raises(sv.ValidationError, match="unknown field"):
        sv.table("t", columns=[{"name": "a", "kind": "number"}])
    with pytest.raises(sv.ValidationError, match="window"):
        sv.metric("m", window="1 minute-ish", aggregation="p95")
    with pytest.raises(sv.ValidationError, match="theme"):
        sv.configure(theme="neon")  # type: ignore[arg-type]
    with pytest.raises(sv.ValidationError, match="'web', 'window', 'both'"):
        sv.start(mode="tv")  # type: ignore[arg-type]
    assert json.loads(sv._core.config_json())["widgets"] == []


def test_oversize_inputs_are_refused():
    with pytest.raises(sv.ValidationError, match="title"):
        sv.metric("m", title="x" * 1000)
    t = sv.table("t")
    with pytest.raises(sv.ValidationError, match="too large"):
        t.send({"msg": "x" * 100_000})
    with pytest.raises(sv.ValidationError, match="limit"):
        t.send({f"c{i}": i for i in range(200)})
    with pytest.raises(sv.ValidationError, match="too large"):
        sv.text("x").send("y" * 300_000)
    with pytest.raises(sv.ValidationError, match="too large"):
        sv.heatmap("h").send(np.zeros((600, 600)))
    with pytest.raises(sv.ValidationError, match="same length"):
        sv.heatmap("h2").send([[1, 2], [3]])
    with pytest.raises(sv.ValidationError, match="x_labels"):
        sv.heatmap("h3", x_labels=["a"]).send([[1, 2]])
    with pytest.raises(sv.StreamVizTypeError, match="list or a mapping|str, int"):
        t.send({"nested": {"a": 1}})
    with pytest.raises(sv.ValidationError, match="key field"):
        sv.table("k", key="id").send({"name": "no id"})
    assert exported("t")["rows"] == []


def test_stale_handles_raise_after_reset():
    m = sv.metric("m")
    sv.reset()
    with pytest.raises(sv.StreamVizError, match="no longer exists"):
        m.send(1)


def test_stats_count_accepted_points_per_widget():
    dropped_before = sv.stats()["points_dropped"]  # since the process started: not reset
    m = sv.metric("m")
    for i in range(10):
        m.send(i)
    assert sv.flush()
    stats = sv.stats()
    assert stats["points_dropped"] == dropped_before
    assert {w["id"]: w["accepted"] for w in stats["per_widget"]} == {"m": 10}
    assert m.dropped == 0


def test_start_returns_url_and_stop_shuts_down():
    srv = sv.start(port=0)
    assert srv.url.startswith("http://127.0.0.1:") and srv.port > 0
    assert sv.start(port=0) is srv  # starting again with the same settings returns the server
    with pytest.raises(sv.ServerError, match="already running"):
        sv.start(port=srv.port + 1 if srv.port < 65535 else 1)
    sv.stop()
    import urllib.request

    with pytest.raises(OSError):
        urllib.request.urlopen(srv.url, timeout=2)


def test_busy_port_gives_a_clear_error():
    srv = sv.start(port=0)
    with pytest.raises(sv.ServerError, match="already running"):
        sv._core.start_server("127.0.0.1", srv.port)
    sv.stop()
    import socket

    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(sv.ServerError, match="could not serve"):
            sv.start(port=port)
