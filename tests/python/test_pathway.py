"""Live Pathway tables with real Pathway pipelines: a static table, a streaming subject with
inserts, updates and deletes, a groupby().reduce(), a windowby().reduce(), and what a browser
and a WebSocket client see of them."""

from __future__ import annotations

import json
import os
import runpy
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pathway as pw
import pytest
from websockets.sync.client import connect

import stream_viz as sv
from stream_viz import _pathway

from conftest import ARTIFACTS


@pytest.fixture(autouse=True)
def fresh_graph():
    """Each test builds and runs its own Pathway graph."""
    pw.internals.parse_graph.G.clear()
    yield
    pw.internals.parse_graph.G.clear()


def run() -> None:
    pw.run(monitoring_level=pw.MonitoringLevel.NONE)
    assert sv.flush()


def rows(widget_id: str) -> dict[str, dict]:
    return {r["key"]: r["row"] for r in json.loads(sv.export(widget_id, "json"))["data"]["rows"]}


def points(widget_id: str) -> list[list[float]]:
    return json.loads(sv.export(widget_id, "json"))["data"]["points"]


def chart_points(widget_id: str) -> dict[str, list[tuple[float, float]]]:
    return {s["name"]: [tuple(p) for p in s["points"]] for s in json.loads(sv.export(widget_id, "json"))["data"]["series"]}


def as_pandas(table) -> dict[str, dict]:
    """What Pathway says the table holds, as the dashboard shows it."""
    frame = pw.debug.table_to_pandas(table)
    return {str(key): {name: _pathway.cell(value) for name, value in row.items()} for key, row in frame.iterrows()}


class Reference:
    """Pathway's own view of a table after the run, from its change stream."""

    def __init__(self, table) -> None:
        self.rows: dict[str, dict] = {}
        pw.io.subscribe(table, on_change=self.on_change)

    def on_change(self, key, row, time, is_addition) -> None:
        if is_addition:
            self.rows[str(key)] = {name: _pathway.cell(value) for name, value in row.items()}
        elif self.rows.get(str(key)) == {name: _pathway.cell(value) for name, value in row.items()}:
            del self.rows[str(key)]


class Orders(pw.Schema):
    order_id: int = pw.column_definition(primary_key=True)
    region: str
    amount: float
    at: pw.DateTimeUtc


START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class OrderStream(pw.io.python.ConnectorSubject):
    """Orders arriving, some changed or cancelled later; one commit is one Pathway time."""

    def __init__(self) -> None:
        super().__init__(session_type="upsert")

    def run(self) -> None:
        for i in range(40):
            self.next(order_id=i, region=["eu", "us", "asia"][i % 3], amount=float(10 + i), at=START + timedelta(seconds=15 * i))
            if i % 5 == 4:
                self.commit()
        self.next(order_id=3, region="eu", amount=500.0, at=START + timedelta(seconds=45))  # amended
        self.next(order_id=7, region="eu", amount=1.5, at=START + timedelta(seconds=105))  # moved region
        self.commit()
        self.delete(order_id=11, region="asia", amount=21.0, at=START + timedelta(seconds=165))  # cancelled
        self.delete(order_id=12, region="eu", amount=22.0, at=START + timedelta(seconds=180))
        self.commit()


def orders():
    return pw.io.python.read(OrderStream(), schema=Orders, autocommit_duration_ms=None)


def test_a_static_table_shows_what_pandas_sees_with_its_column_types():
    table = pw.debug.table_from_markdown(
        """
        name  | qty | price | ok    | note  | ts
        apple | 3   | 1.5   | True  | fresh | 1700000000
        pear  | 0   | 2.25  | False |       | 1700000060
        fig   | 12  | 0.5   | True  | dried | 1700000120
        """
    ).select(
        *pw.this, when=pw.this.ts.dt.from_timestamp(unit="s"), seen=pw.this.ts.dt.from_timestamp(unit="s") - pw.this.ts.dt.from_timestamp(unit="s"), ptr=pw.this.id
    ).without(pw.this.ts)
    widget = sv.table(table, title="Fruit stock", sort_by="-qty")
    run()
    assert widget.id == "fruit-stock"
    shown = rows("fruit-stock")
    assert shown == as_pandas(table)
    apple = next(r for r in shown.values() if r["name"] == "apple")
    assert apple["qty"] == 3 and apple["price"] == 1.5 and apple["ok"] is True
    assert apple["when"].startswith("2023-11-14T22:13:20")  # a datetime as ISO 8601
    assert apple["seen"] == 0.0  # a duration in seconds
    assert apple["ptr"].startswith("^")  # a pointer as text
    assert next(r for r in shown.values() if r["name"] == "pear")["note"] in ("", None)
    config = json.loads(sv._core.config_json())
    spec = next(w for w in config["widgets"] if w["id"] == "fruit-stock")
    assert spec["options"]["sort_by"] == "-qty"
    assert [c["name"] for c in spec["options"]["columns"]] == ["name", "qty", "price", "ok", "note", "when", "seen", "ptr"]


def test_a_stream_with_updates_and_deletes_ends_as_pathway_says():
    table = orders()
    reference = Reference(table)
    sv.table(table, widget_id="orders", columns=["order_id", "region", "amount"], max_rows=1000)
    run()
    shown = rows("orders")
    assert len(shown) == 38
    assert shown == {key: {c: row[c] for c in ("order_id", "region", "amount")} for key, row in reference.rows.items()}
    by_id = {r["order_id"]: r for r in shown.values()}
    assert by_id[3]["amount"] == 500.0 and by_id[7]["region"] == "eu" and 11 not in by_id and 12 not in by_id


def test_groupby_reduce_tables_and_one_row_reduce_stats_follow_retractions():
    table = orders()
    per_region = table.groupby(pw.this.region).reduce(pw.this.region, orders=pw.reducers.count(), revenue=pw.reducers.sum(pw.this.amount))
    totals = table.reduce(revenue=pw.reducers.sum(pw.this.amount), orders=pw.reducers.count())
    reference = Reference(per_region)
    final_total = Reference(totals)
    sv.table(per_region, title="Per region", sort_by="-revenue")
    stat = sv.stat(totals, "revenue", title="Revenue")
    gauge = sv.gauge(totals, "orders", min=0, max=50)
    run()
    assert rows("per-region") == reference.rows
    by_region = {r["region"]: r for r in rows("per-region").values()}
    assert set(by_region) == {"eu", "us", "asia"}
    assert sum(r["orders"] for r in by_region.values()) == 38
    (total,) = final_total.rows.values()
    assert points(stat.id)[-1][1] == total["revenue"]
    assert points(gauge.id)[-1][1] == total["orders"] == 38


def test_windowby_reduce_draws_one_point_per_window_and_moves_it_when_the_window_changes():
    table = orders()
    per_minute = table.windowby(pw.this.at, window=pw.temporal.tumbling(duration=timedelta(minutes=1))).reduce(
        window_end=pw.this._pw_window_end, orders=pw.reducers.count(), revenue=pw.reducers.sum(pw.this.amount)
    )
    reference = Reference(per_minute)
    chart = sv.chart(per_minute, x="window_end", y="revenue", title="Revenue per minute")
    run()
    expected = sorted((datetime.fromisoformat(r["window_end"]).timestamp() * 1000, r["revenue"]) for r in reference.rows.values())
    assert chart_points(chart.id)["revenue"] == expected
    assert len(expected) == 10  # 40 orders, 4 a minute


def test_a_chart_draws_a_series_per_value_of_a_column():
    table = orders()
    per_region_minute = table.windowby(pw.this.at, window=pw.temporal.tumbling(duration=timedelta(minutes=2)), instance=pw.this.region).reduce(
        region=pw.this._pw_instance, window_end=pw.this._pw_window_end, n=pw.reducers.count()
    )
    reference = Reference(per_region_minute)
    sv.chart(per_region_minute, x="window_end", y="n", series="region", widget_id="by-region")
    run()
    series = chart_points("by-region")
    for region in ("eu", "us", "asia"):
        expected = sorted((datetime.fromisoformat(r["window_end"]).timestamp() * 1000, r["n"]) for r in reference.rows.values() if r["region"] == region)
        assert series[region] == expected


def test_a_wrong_column_is_a_clear_error_before_the_pipeline_runs():
    table = orders()
    with pytest.raises(sv.ValidationError, match=r"stat: the Pathway table has no column 'revenu'; it has 'order_id', 'region', 'amount', 'at'"):
        sv.stat(table, "revenu")
    with pytest.raises(sv.ValidationError, match="no column 'regoin'"):
        sv.table(table, columns=["order_id", "regoin"])
    with pytest.raises(sv.ValidationError, match="no column 'when'"):
        sv.chart(table, x="when", y="amount")
    with pytest.raises(sv.ValidationError, match="name the column"):
        sv.gauge(table)
    with pytest.raises(sv.ValidationError, match="go with a Pathway table"):
        sv.stat("plain", "amount")
    with pytest.raises(sv.StreamVizTypeError, match="line_chart"):
        sv.chart("plain", y="amount")
    with pytest.raises(sv.ValidationError, match="keyed by the Pathway row id"):
        sv.table(table, key="order_id")


def test_stream_viz_imports_and_works_without_pathway():
    script = """
import sys
sys.modules["pathway"] = None  # import pathway now fails, as if it were not installed
import stream_viz as sv
t = sv.table("plain", key="id")
t.send({"id": 1, "v": 2})
assert sv.flush()
assert "pathway" not in {m.split(".")[0] for m in sys.modules if sys.modules[m] is not None}
print("ok")
"""
    env = {**os.environ, "STREAMVIZ_AUTOSTART": "0"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr


class Pairs(pw.Schema):
    name: str = pw.column_definition(primary_key=True)
    value: int


class PairStream(pw.io.python.ConnectorSubject):
    """Rows a and b always change together, in one commit."""

    def __init__(self, commits: int, started: threading.Event) -> None:
        super().__init__(session_type="upsert")
        self.commits, self.started = commits, started

    def run(self) -> None:
        self.started.wait(30)
        for i in range(self.commits):
            self.next(name="a", value=i)
            self.next(name="b", value=i)
            self.commit()
            time.sleep(0.001)  # pacing: a fast pipeline, not synchronisation


def test_a_times_changes_reach_viewers_together_and_bursts_are_coalesced(server):
    started = threading.Event()
    commits = 300
    table = pw.io.python.read(PairStream(commits, started), schema=Pairs, autocommit_duration_ms=None)
    sv.table(table, widget_id="pairs")
    pipeline = threading.Thread(target=pw.run, kwargs={"monitoring_level": pw.MonitoringLevel.NONE}, name="pathway")
    with connect(server.url.replace("http://", "ws://") + "ws") as socket:
        while json.loads(socket.recv(timeout=15))["type"] != "stats":
            pass
        pipeline.start()
        started.set()
        shown: dict[str, int] = {}
        messages = 0
        while shown.get("a") != commits - 1 or shown.get("b") != commits - 1:
            message = json.loads(socket.recv(timeout=30))
            if message["type"] != "data":
                continue
            for op in message["updates"]:
                for row in op.get("upsert", []):
                    shown[row["row"]["name"]] = row["row"]["value"]
                    messages += 1
            assert shown.get("a") == shown.get("b"), f"half of a time shown: {shown}"
        pipeline.join(30)
    # 300 times in ~0.5 s: delivered at most every 50 ms, so far fewer than 600 row updates.
    assert messages < commits, messages


def test_the_feed_merges_times_that_end_close_together():
    table = pw.debug.table_from_markdown("x\n1")
    delivered: list[dict] = []
    arrived = threading.Event()

    def deliver(changes):
        delivered.append(dict(changes))
        arrived.set()

    feed = _pathway._Feed(table, deliver, coalesce=True)
    for t in range(100):
        feed._on_change("k1", {"v": t}, 2 * t, True)
        if t:
            feed._on_change("k1", {"v": t - 1}, 2 * t, False)
        feed._on_change(f"gone{t}", {"v": t}, 2 * t, True)
        if t:
            feed._on_change(f"gone{t - 1}", {"v": t - 1}, 2 * t, False)
        feed._on_time_end(2 * t)
        if t == 0:
            assert delivered == [{"k1": {"v": 0}, "gone0": {"v": 0}}], "the first time goes at once"
            arrived.clear()
    assert arrived.wait(5), "the merged times are delivered after the coalescing interval"
    assert len(delivered) == 2
    assert delivered[1]["k1"] == {"v": 99} and delivered[1]["gone99"] == {"v": 99}
    assert all(delivered[1][f"gone{t}"] is None for t in range(99))
    feed._on_end()
    assert len(delivered) == 2, "nothing left to deliver"


def test_a_browser_shows_the_live_pathway_table(server, page):
    table = orders()
    per_region = table.groupby(pw.this.region).reduce(pw.this.region, orders=pw.reducers.count(), revenue=pw.reducers.sum(pw.this.amount))
    reference = Reference(per_region)
    sv.table(per_region, title="Per region", sort_by="-revenue")
    run()
    page.goto(server.url)
    page.wait_for_function("document.querySelectorAll('[data-widget=\"per-region\"] tbody tr').length === 3", timeout=15000)
    cells = page.eval_on_selector_all('[data-widget="per-region"] tbody tr', "rows => rows.map(r => Array.from(r.cells).map(c => c.textContent.trim()))")
    expected = sorted(reference.rows.values(), key=lambda r: -r["revenue"])
    assert [row[0] for row in cells] == [r["region"] for r in expected]
    assert [int(row[1]) for row in cells] == [r["orders"] for r in expected]
    page.screenshot(path=str(ARTIFACTS / "pathway_table.png"))


def test_the_pathway_demo_fills_every_widget(monkeypatch):
    demo = Path(__file__).resolve().parents[2] / "examples" / "pathway_demo.py"
    monkeypatch.setattr(sys, "argv", [str(demo), "--seconds", "2", "--port", "0"])
    runpy.run_path(str(demo), run_name="__main__")
    assert sv.flush()
    per_region = rows("per-region")
    assert {r["region"] for r in per_region.values()} == {"eu-west", "us-east", "us-west", "ap-south"}
    latest = rows("latest-orders")
    assert 0 < len(latest) <= 50
    assert points("revenue")[-1][1] > 0 and points("orders")[-1][1] >= len(per_region)
    assert points("ap-latency")
    assert set(chart_points("orders-per-window")) == {"eu-west", "us-east", "us-west", "ap-south"}
    assert json.loads(sv.export("p95-latency", "json"))["data"]["partial"] is not None
