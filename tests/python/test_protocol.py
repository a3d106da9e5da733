"""The wire protocol with a real WebSocket client (the `websockets` package), the HTTP API, and
the implicit start of the "Level 1" two-liner."""

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from websockets.sync.client import connect

import stream_viz as sv
from conftest import http_json


def ws_url(server):
    return server.url.replace("http://", "ws://") + "ws"


def read_until(socket, predicate, timeout=15.0):
    """Read JSON messages until `predicate(message)` is true; return every message read."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"timed out after {len(seen)} messages"
        message = json.loads(socket.recv(timeout=remaining))
        seen.append(message)
        if predicate(message):
            return seen


def test_connect_after_100_sends_gets_them_as_history(server):
    cpu = sv.metric("cpu")
    for i in range(100):
        cpu.send(i, timestamp=1_700_000_000 + i)
    assert sv.flush()
    with connect(ws_url(server)) as socket:
        messages = read_until(socket, lambda m: m["type"] == "stats")
    assert [m["type"] for m in messages] == ["hello", "config", "history", "stats"]
    assert messages[3]["widgets"] == {}, "nothing lost"
    assert messages[0]["protocol"] == sv.PROTOCOL_VERSION == 3
    assert [w["id"] for w in messages[1]["widgets"]] == ["cpu"]
    points = messages[2]["data"]["points"]
    assert [p[1] for p in points] == list(range(100))
    assert points[0][0] == 1_700_000_000_000


def test_10000_points_over_2_seconds_arrive_in_order_once(server):
    cpu = sv.metric("cpu", max_points=20_000)
    cpu.send(-1)
    with connect(ws_url(server)) as socket:
        read_until(socket, lambda m: m["type"] == "stats")

        def produce():
            for i in range(10_000):
                cpu.send(i)
                if i % 50 == 49:
                    time.sleep(0.01)  # pacing the producer to ~2 s, not synchronisation

        producer = threading.Thread(target=produce, name="producer")
        producer.start()
        values, seqs = [], []
        while len(values) < 10_000:
            message = json.loads(socket.recv(timeout=15))
            assert message["type"] == "data"
            seqs.append(message["seq"])
            for op in message["updates"]:
                assert op["widget"] == "cpu"
                values.extend(p[1] for p in op["points"])
        producer.join()
    assert values == list(range(10_000))
    assert seqs == sorted(set(seqs))
    assert cpu.dropped == 0


def test_http_push_round_trips_to_a_websocket_client_and_export(server):
    with connect(ws_url(server)) as socket:
        read_until(socket, lambda m: m["type"] == "config")
        status, body = http_json(server.url + "api/v1/push", {
            "widgets": [{"id": "temp", "kind": "gauge", "options": {"max": 120}},
                        {"id": "log", "kind": "table", "options": {"key": "id"}}],
            "updates": [{"widget": "temp", "points": [[1_700_000_000_000, 61.5], [1_700_000_001_000, 62.5]]},
                        {"widget": "log", "upsert": [{"row": {"id": 1, "msg": "a"}}, {"row": {"id": 1, "msg": "b"}}]}],
        })
        assert (status, body) == (200, {"declared": 2, "applied": 4})  # 2 points + 2 rows
        messages = read_until(socket, lambda m: m["type"] == "data")
    config = next(m for m in messages if m["type"] == "config")
    assert [w["id"] for w in config["widgets"]] == ["temp", "log"]
    ops = messages[-1]["updates"]
    assert ops[0] == {"widget": "temp", "points": [[1_700_000_000_000, 61.5], [1_700_000_001_000, 62.5]]}
    assert ops[1]["upsert"][-1] == {"key": "1", "row": {"id": 1, "msg": "b"}}
    with urllib.request.urlopen(server.url + "api/v1/widgets/temp/data?format=csv") as response:
        assert response.headers["Content-Type"].startswith("text/csv")
        assert 'filename="temp.csv"' in response.headers["Content-Disposition"]
        assert response.read().decode() == "ts_ms,value\n1700000000000,61.5\n1700000001000,62.5\n"


def test_bad_pushes_get_400_with_a_reason_and_keep_accepted_data(server):
    http_json(server.url + "api/v1/push", {"widgets": [{"id": "m", "kind": "metric"}], "updates": [{"widget": "m", "value": 1}]})
    for body, fragment in [
        ({"updates": [{"widget": "m", "value": "high"}]}, "updates[0]"),
        ({"updates": [{"widget": "nope", "value": 1}]}, "unknown widget"),
        ({"widgets": [{"id": "bad id", "kind": "metric"}]}, "invalid widget id"),
        ({"widgets": [{"id": "m", "kind": "gauge"}]}, "already declared"),
        (b"{not json", "body"),
    ]:
        status, reply = http_json(server.url + "api/v1/push", body)
        assert status == 400, reply
        assert fragment in reply["error"]
    request = urllib.request.Request(server.url + "api/v1/push", data=b" " * (9 * 1024 * 1024), method="POST")
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("an oversize push must be refused")
    except urllib.error.HTTPError as err:
        assert err.code == 413
    status, health = http_json(server.url + "api/v1/health")
    assert status == 200 and health["status"] == "ok"
    assert [r[1] for r in csv.reader(io.StringIO(sv.export("m")))][1:] == ["1"]


def test_export_csv_matches_what_was_sent(server):
    m = sv.metric("m")
    sent = [(1_700_000_000 + i * 0.25, i * 1.5) for i in range(50)]
    for ts, value in sent:
        m.send(value, timestamp=ts)
    assert sv.flush()
    with urllib.request.urlopen(server.url + "api/v1/widgets/m/data?format=csv") as response:
        rows = list(csv.reader(io.StringIO(response.read().decode())))
    assert rows[0] == ["ts_ms", "value"]
    assert [(float(t) / 1000, float(v)) for t, v in rows[1:]] == sent
    status, body = http_json(server.url + "api/v1/widgets/m/data?format=json")
    assert [p[1] for p in body["data"]["points"]] == [v for _, v in sent]
    assert http_json(server.url + "api/v1/widgets/m/data?format=xml")[0] == 400
    assert http_json(server.url + "api/v1/widgets/none/data")[0] == 404


def test_embed_serves_one_widget_and_404s_unknown_ids(server):
    sv.metric("cpu")
    with urllib.request.urlopen(server.url + "embed/cpu") as response:
        assert response.status == 200 and "/assets/app.js" in response.read().decode()
    try:
        urllib.request.urlopen(server.url + "embed/nope")
        raise AssertionError("unknown embed must 404")
    except urllib.error.HTTPError as err:
        assert err.code == 404


def test_stats_and_widgets_endpoints(server):
    # The process-wide counters count since the process started (other tests' floods too).
    dropped_before = sv.stats()["points_dropped"]
    sv.metric("cpu").send(1)
    sv.flush()
    with connect(ws_url(server)) as socket:
        read_until(socket, lambda m: m["type"] == "history")
        status, stats = http_json(server.url + "api/v1/stats")
        assert status == 200
        assert stats["clients_connected"] == 1
        assert stats["per_widget"] == [{"id": "cpu", "accepted": 1, "dropped": 0, "held": 1, "late": 0}]
        assert stats["points_accepted"] >= 1 and stats["points_dropped"] == dropped_before
        assert stats["uptime_s"] > 0
    status, widgets = http_json(server.url + "api/v1/widgets")
    assert [w["kind"] for w in widgets["widgets"]] == ["metric"]


def test_level_one_two_liner_starts_a_dashboard_by_itself(tmp_path):
    script = tmp_path / "level1.py"
    script.write_text(
        "import json, urllib.request\n"
        "import stream_viz as sv\n"
        "sv.configure(port=0)\n"
        "sv.metric('cpu').send(75)\n"
        "sv.flush()\n"
        "url = sv._core.server_url()\n"
        "print(json.loads(urllib.request.urlopen(url + 'api/v1/widgets/cpu/data').read())['data']['points'][0][1])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "STREAMVIZ_AUTOSTART"}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "75.0"
    assert "StreamViz dashboard: http://127.0.0.1:" in result.stderr


def test_configured_limits_bound_viewers_and_bad_limits_change_nothing():
    with pytest.raises(sv.ValidationError, match="max_viewers is a whole number from 1 to 1000000"):
        sv.configure(limits={"max_viewers": 0})
    with pytest.raises(sv.ValidationError, match='limits has no "viewers"'):
        sv.configure(limits={"viewers": 3})
    with pytest.raises(sv.ValidationError, match="header_timeout is a time from 1 s to 1 h"):
        sv.configure(limits={"header_timeout": "2h"})
    try:
        sv.configure(limits={"max_viewers": 1, "ping_interval": "5s"})
        server = sv.start(port=0)
        url = server.base_url.replace("http://", "ws://") + "ws"
        with connect(url) as first:
            assert json.loads(first.recv(timeout=10))["type"] == "hello"
            with pytest.raises(Exception) as refused:
                with connect(url):
                    pass
            assert "503" in str(refused.value)
        assert http_json(server.base_url + "api/v1/stats")[1]["connections"]["viewers_refused"] == 1
        sv.stop()
        # None: the defaults again (1,000 viewers).
        sv.configure(limits=None)
        server = sv.start(port=0)
        url = server.base_url.replace("http://", "ws://") + "ws"
        with connect(url) as first, connect(url) as second:
            assert json.loads(first.recv(timeout=10))["type"] == "hello"
            assert json.loads(second.recv(timeout=10))["type"] == "hello"
    finally:
        sv.configure(limits=None)
