"""Several StreamViz servers, one dashboard (issue 21): three `streamviz serve --relay` processes
sharing a real Redis (`redis-server` from the distribution, on a free port in a temporary
directory). Producers push to different servers; viewers of every server receive every point,
in order, none twice. Redis killed mid-stream: each server goes on alone, its header says so in
a real browser, and when Redis is back what was pushed meanwhile reaches the others. The Python
API relays the same way (`sv.configure(relay=...)`)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time

import pytest
from websockets.sync.client import connect

import stream_viz as sv
from conftest import ARTIFACTS, http_json
from processes import started, stopped
from services import Redis, wait_for

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (apt install redis-server)")


def serve(redis: Redis, stream: str) -> tuple[subprocess.Popen, str]:
    return started([sys.executable, "-m", "stream_viz", "serve", "--port", "0", "--relay", redis.url, "--relay-stream", stream],
                   None, r"serving (http://127\.0\.0\.1:\d+/)")


def relay_stats(url: str) -> dict:
    status, stats = http_json(url + "api/v1/stats")
    assert status == 200
    return stats["relay"]


class Viewer:
    """A WebSocket viewer reading on a thread: every point of every widget, in arrival order."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://") + "ws"
        self.points: dict[str, list[tuple[float, float]]] = {}
        self.error: Exception | None = None
        self.decimated = 0  # live ops reduced for viewing (a burst of over 1,024 points in a tick)
        self.ready, self.done = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.read, daemon=True)
        self.thread.start()
        assert self.ready.wait(30), "the viewer connects"

    def read(self) -> None:
        try:
            with connect(self.url, max_size=None) as socket:
                self.ready.set()
                while not self.done.is_set():
                    try:
                        self.take(json.loads(socket.recv(timeout=0.2)))
                    except TimeoutError:
                        continue
        except Exception as err:  # noqa: BLE001 - said by the test
            self.error = err
            self.ready.set()

    def take(self, message: dict) -> None:
        if message["type"] == "history" and message["data"].get("points"):
            self.points.setdefault(message["widget"], []).extend(map(tuple, message["data"]["points"]))
        elif message["type"] == "data":
            for op in message["updates"]:
                if "points" in op:
                    self.decimated += bool(op.get("decimated"))
                    self.points.setdefault(op["widget"], []).extend(map(tuple, op["points"]))

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=10)


def push(url: str, body: dict) -> None:
    status, reply = http_json(url + "api/v1/push", body)
    assert status == 200, reply


def test_three_servers_producers_on_two_every_viewer_gets_every_point(redis):
    servers = [serve(redis, "three") for _ in range(3)]
    urls = [url for _, url in servers]
    try:
        for url in urls:
            wait_for("the relay connects", lambda url=url: relay_stats(url)["connected"])
        # Each producer declares its widget on its own server.
        push(urls[0], {"widgets": [{"id": "a", "kind": "metric", "options": {"max_points": 100000}}]})
        push(urls[1], {"widgets": [{"id": "b", "kind": "line_chart", "options": {"max_points": 100000}}]})
        wait_for("every server knows both widgets",
                 lambda: all({"a", "b"} <= {w["id"] for w in http_json(u + "api/v1/widgets")[1]["widgets"]} for u in urls))
        viewers = [Viewer(url) for url in urls]
        sent: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
        t0 = 1.7e12
        for batch in range(40):  # 2,000 points each, 50 a push, 5,000 points/s
            points = [(t0 + batch * 50 + i, float(batch * 50 + i)) for i in range(50)]
            push(urls[0], {"updates": [{"widget": "a", "points": points}]})
            push(urls[1], {"updates": [{"widget": "b", "series": "s", "points": points}]})
            sent["a"] += points
            sent["b"] += points
            time.sleep(0.01)  # a steady producer's pace (not a synchronisation)
        for viewer in viewers:
            wait_for("every viewer has every point", lambda v=viewer: all(len(v.points.get(w, [])) >= 2000 for w in sent) or v.decimated or v.error,
                     timeout=60)
            assert viewer.decimated == 0, "this test sends slowly enough for every point to be shown"
            assert viewer.error is None, viewer.error
        for url, viewer in zip(urls, viewers):
            for widget, points in sent.items():
                assert viewer.points[widget] == points, f"{url}: {widget} in order, none twice, none missing"
                assert http_json(url + f"api/v1/widgets/{widget}/data?format=json")[1]["data"]["points" if widget == "a" else "series"]
        stats = [relay_stats(url) for url in urls]
        assert [s["refused"] for s in stats] == [0, 0, 0]
        assert len({s["origin"] for s in stats}) == 3
        # Points counted once by each engine: the server's own producers' plus the relayed ones.
        for url in urls:
            per_widget = {w["id"]: w for w in http_json(url + "api/v1/stats")[1]["per_widget"]}
            assert per_widget["a"]["accepted"] == 2000 and per_widget["b"]["accepted"] == 2000
        for viewer in viewers:
            viewer.close()
    finally:
        for process, _ in servers:
            assert stopped(process) == 0


def test_redis_lost_and_back_header_says_so_and_nothing_kept_is_lost(redis, page):
    (first, url_a), (second, url_b) = serve(redis, "blip"), serve(redis, "blip")
    try:
        for url in (url_a, url_b):
            wait_for("the relay connects", lambda url=url: relay_stats(url)["connected"])
        push(url_a, {"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 10000}}]})
        wait_for("b knows m", lambda: any(w["id"] == "m" for w in http_json(url_b + "api/v1/widgets")[1]["widgets"]))
        page.goto(url_b)
        status = page.locator("#sv-status")
        page.wait_for_function("document.getElementById('sv-status').dataset.state === 'live'")
        push(url_a, {"updates": [{"widget": "m", "points": [[1.7e12 + i, i] for i in range(100)]}]})
        wait_for("b has the first 100", lambda: len(http_json(url_b + "api/v1/widgets/m/data?format=json")[1]["data"]["points"]) == 100)
        page.wait_for_function("document.querySelector('.sv-card[data-widget=\"m\"]')?.textContent.includes('99')")
        redis.kill()
        page.wait_for_function("document.getElementById('sv-status').dataset.state === 'local-only'", timeout=30_000)
        assert "relay down" in status.inner_text()
        page.screenshot(path=str(ARTIFACTS / "relay-down.png"))
        # Alone meanwhile: a takes its producer's points; b's viewers do not see them yet.
        push(url_a, {"updates": [{"widget": "m", "points": [[1.7e12 + i, i] for i in range(100, 200)]}]})
        down = relay_stats(url_a)
        assert not down["connected"] and down["last_error"], down
        wait_for("a keeps what it could not send", lambda: relay_stats(url_a)["waiting"] > 0)
        redis.start()
        page.wait_for_function("document.getElementById('sv-status').dataset.state === 'live'", timeout=30_000)
        assert status.inner_text() == "Live"
        wait_for("b has all 200", lambda: len(http_json(url_b + "api/v1/widgets/m/data?format=json")[1]["data"]["points"]) == 200)
        held = http_json(url_b + "api/v1/widgets/m/data?format=json")[1]["data"]["points"]
        assert [p[1] for p in held] == list(range(200)), "in order, none twice"
        page.wait_for_function("document.querySelector('.sv-card[data-widget=\"m\"]')?.textContent.includes('199')")
        page.screenshot(path=str(ARTIFACTS / "relay-back.png"))
        healed = relay_stats(url_a)
        assert healed["connected"] and healed["waiting"] == 0 and healed["messages_lost"] == 0 and healed["disconnects"] >= 1
    finally:
        for process in (first, second):
            assert stopped(process) == 0


def test_python_relays_with_configure(redis):
    process, url = serve(redis, "python")
    try:
        wait_for("the server's relay connects", lambda: relay_stats(url)["connected"])
        with pytest.raises(sv.ValidationError, match="redis://"):
            sv.configure(relay="http://127.0.0.1:1/")
        sv.configure(relay=redis.url)
        # The default stream is streamviz:relay; this server listens on "python".
        assert sv.stats()["relay"]["stream"] == "streamviz:relay"
        sv.configure(relay=None)
        assert "relay" not in sv.stats()
        from stream_viz import _core

        _core.relay(redis.url, "python")
        wait_for("the script's relay connects", lambda: sv.stats()["relay"]["connected"])
        cpu = sv.metric("cpu", max_points=1000)
        cpu.send_many([1.0, 2.0, 3.0], [1.7e9, 1.7e9 + 0.001, 1.7e9 + 0.002])  # seconds
        wait_for("the server shows the script's points",
                 lambda: http_json(url + "api/v1/widgets/cpu/data?format=json")[0] == 200
                 and [p[1] for p in http_json(url + "api/v1/widgets/cpu/data?format=json")[1]["data"]["points"]] == [1.0, 2.0, 3.0])
        push(url, {"updates": [{"widget": "cpu", "value": 4.0, "ts_ms": 1.7e12 + 3}]})
        wait_for("the script holds the server's point too", lambda: sv.stats()["relay"]["applied"] == 1)
        assert sv.flush()
        assert [w for w in sv.stats()["per_widget"] if w["id"] == "cpu"][0]["held"] == 4
    finally:
        sv.configure(relay=None)
        assert stopped(process) == 0


def serve_shared(redis: Redis, *relay: str) -> tuple[subprocess.Popen, str]:
    """A server storing into Redis (shared with the others), relaying through it if told."""
    return started([sys.executable, "-m", "stream_viz", "serve", "--port", "0", *relay, "--persistence", redis.url],
                   None, r"serving (http://127\.0\.0\.1:\d+/)")


def ring_values(url: str, widget: str = "m") -> list[float]:
    return [p[1] for p in http_json(url + f"api/v1/widgets/{widget}/data?format=json")[1]["data"]["points"]]


def test_a_named_server_restarted_with_its_database_keeps_history_once_and_takes_what_it_missed(redis, tmp_path):
    db = tmp_path / "a.db"

    def serve_stored() -> tuple[subprocess.Popen, str]:
        return started([sys.executable, "-m", "stream_viz", "serve", "--port", "0", "--relay", redis.url, "--relay-stream", "restart",
                        "--relay-name", "server-a", "--persistence", f"sqlite:///{db}", "--retention", "7d"],
                       None, r"serving (http://127\.0\.0\.1:\d+/)")

    bad = subprocess.run([sys.executable, "-m", "stream_viz", "serve", "--persistence", "mysql://root:s3cret@x/y"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "postgresql://user@host/db" in bad.stderr and "s3cret" not in bad.stderr
    (a, url_a), (b, url_b) = serve_stored(), serve(redis, "restart")
    try:
        for url in (url_a, url_b):
            wait_for("the relay connects", lambda url=url: relay_stats(url)["connected"])
        t0 = time.time() * 1000 - 10_000  # recent: the retention keeps it
        push(url_b, {"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 1000}}],
                     "updates": [{"widget": "m", "points": [[t0 + i, i] for i in range(100)]}]})
        wait_for("a has them", lambda: http_json(url_a + "api/v1/widgets/m/data?format=json")[0] == 200 and len(ring_values(url_a)) == 100)
        assert stopped(a) == 0  # stores what it holds, and keeps its place in the stream
        # While a is down.
        push(url_b, {"updates": [{"widget": "m", "points": [[t0 + i, i] for i in range(100, 150)]}]})
        a, url_a = serve_stored()
        wait_for("the restarted relay connects", lambda: relay_stats(url_a)["connected"])
        wait_for("a has what b took while it was down", lambda: len(ring_values(url_a)) == 150)
        assert ring_values(url_a) == list(range(150)), "restored from the database, the rest from the stream, none twice"
        push(url_b, {"updates": [{"widget": "m", "value": 150, "ts_ms": t0 + 150}]})
        wait_for("a has what b takes now", lambda: len(ring_values(url_a)) == 151)
        assert ring_values(url_a) == list(range(151))
    finally:
        for process in (a, b):
            assert stopped(process) == 0


def test_servers_sharing_a_redis_store_store_each_point_once_and_a_new_server_loads_them(redis):
    relayed = ("--relay", redis.url, "--relay-stream", "shared")
    (a, url_a), (b, url_b) = serve_shared(redis, *relayed), serve_shared(redis, *relayed)
    try:
        for url in (url_a, url_b):
            wait_for("the relay connects", lambda url=url: relay_stats(url)["connected"])
        t0 = time.time() * 1000 - 10_000
        push(url_a, {"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 1000}}],
                     "updates": [{"widget": "m", "points": [[t0 + i, i] for i in range(0, 100, 2)]}]})
        wait_for("b knows m", lambda: http_json(url_b + "api/v1/widgets/m/data?format=json")[0] == 200)
        push(url_b, {"updates": [{"widget": "m", "points": [[t0 + i, i] for i in range(1, 100, 2)]}]})
        for url in (url_a, url_b):
            wait_for("every point on both", lambda url=url: len(ring_values(url)) == 100)
    finally:
        for process in (a, b):
            assert stopped(process) == 0  # each stores what it has not yet
    # A server with the store alone (no relay) loads what both stored, each point once.
    c, url_c = serve_shared(redis)
    try:
        assert sorted(ring_values(url_c)) == list(range(100))
        status, history = http_json(url_c + f"api/v1/widgets/m/range?from={t0 - 1}&to={t0 + 100}&width=2000")
        assert status == 200 and history["points_in_range"] == 100, history  # from the shared store
        stats = http_json(url_c + "api/v1/stats")[1]["persistence"]
        assert stats["points_restored"] == 100 and "redis://127.0.0.1" in stats["path"]
    finally:
        assert stopped(c) == 0


def test_a_server_started_on_the_shared_store_mid_stream_has_every_point_once(redis):
    """The second server loads what the store held and takes the rest from the relay: the points
    the first relayed but had not stored yet (its store lags by up to its flush interval), and
    none of those it loaded."""
    relayed = ("--relay", redis.url, "--relay-stream", "midstream")
    a, url_a = serve_shared(redis, *relayed)
    b = None
    sent, stop, failed = [0], threading.Event(), []

    def produce() -> None:
        try:
            while not stop.is_set():
                first = sent[0]
                push(url_a, {"updates": [{"widget": "m", "points": [[t0 + i, i] for i in range(first, first + 50)]}]})
                sent[0] = first + 50
        except Exception as err:  # noqa: BLE001 - said by the test
            failed.append(err)

    try:
        wait_for("a's relay connects", lambda: relay_stats(url_a)["connected"])
        t0 = time.time() * 1000 - 60_000
        push(url_a, {"widgets": [{"id": "m", "kind": "metric", "options": {"max_points": 100_000}},
                                 {"id": "end", "kind": "text"}]})
        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        wait_for("a has stored some", lambda: http_json(url_a + "api/v1/stats")[1]["persistence"]["points_stored"] >= 2_000)
        b, url_b = serve_shared(redis, *relayed)
        at_start = sent[0]
        wait_for("b's relay connects", lambda: relay_stats(url_b)["connected"])
        wait_for("a takes more after b started", lambda: sent[0] >= at_start + 3_000)
        stop.set()
        producer.join(timeout=30)
        assert not failed, failed
        total = sent[0]
        push(url_a, {"updates": [{"widget": "end", "text": "done"}]})  # after every point, in the stream too
        wait_for("b has a's last message", lambda: http_json(url_b + "api/v1/widgets/end/data?format=json")[1].get("data") == {"text": "done"})
        restored = http_json(url_b + "api/v1/stats")[1]["persistence"]["points_restored"]
        assert 0 < restored < total, (restored, total)
        assert ring_values(url_b) == list(range(total)), "every point once, in order"
        assert relay_stats(url_b)["refused"] == 0
    finally:
        stop.set()
        for process in (a, b):
            if process is not None:
                assert stopped(process) == 0
