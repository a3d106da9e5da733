"""Alert rules end to end: declared from Python and pushes, evaluated by the engine on the points
sent (by their timestamps), told to callbacks, to a real HTTP receiver in Alertmanager's shape
(down for a while, then back; hanging) and to WebSocket clients."""

import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from websockets.sync.client import connect

import stream_viz as sv
from conftest import http_json

T0 = 1_700_000_000  # epoch seconds


class Receiver:
    """An HTTP server in this process that keeps every JSON body POSTed to it; `hang` makes it
    hold requests without answering until closed."""

    def __init__(self, port=0, hang=False):
        self.bodies = []
        self.arrived = threading.Condition()
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                with outer.arrived:
                    outer.bodies.append(body)
                    outer.arrived.notify_all()
                if hang:
                    outer.release.wait(30)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/hook"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def wait_for(self, count, timeout=20.0):
        with self.arrived:
            assert self.arrived.wait_for(lambda: len(self.bodies) >= count, timeout), self.bodies
        return list(self.bodies)

    def close(self):
        self.release.set()
        self.http.shutdown()
        self.http.server_close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stats_until(predicate, timeout=20.0):
    """`sv.stats()["alerts"]` once `predicate` holds of it (the webhook thread moves it)."""
    deadline = time.monotonic() + timeout
    while True:
        alerts = sv.stats().get("alerts", {})
        if predicate(alerts):
            return alerts
        assert time.monotonic() < deadline, alerts
        time.sleep(0.05)


def states():
    return {s["rule"]: s["state"] for s in sv.alerts()["states"]}


def test_bad_rules_raise_and_change_nothing():
    cpu = sv.metric("cpu")
    sv.table("rows", columns=["a"])
    sv.alert(cpu, above=90, name="kept")
    before = sv.alerts()
    bad = [
        dict(widget="nope", above=1),
        dict(widget=cpu, above=90, below=10),
        dict(widget=cpu, above=90, recover_below=95),
        dict(widget=cpu, below=10, recover_above=5),
        dict(widget=cpu, above=90, for_="soon"),
        dict(widget=cpu, above=90, keep_firing_for=-1),
        dict(widget=cpu, above=90, message="{nope}"),
        dict(widget=cpu, above=90, severity="loud"),
        dict(widget=cpu, above=90, webhook="ftp://x"),
        dict(widget="rows", above=1),
        dict(widget=cpu),
    ]
    for rule in bad:
        widget = rule.pop("widget")
        with pytest.raises(sv.ValidationError):
            sv.alert(widget, **rule)
    with pytest.raises(sv.StreamVizTypeError):
        sv.alert(cpu, above="high")
    with pytest.raises(sv.ValidationError, match="no warning or critical"):
        sv.alert(cpu, thresholds=True)
    assert sv.alerts() == before


def test_flapping_fires_once_and_resolves_once_with_callbacks_by_event_time():
    cpu = sv.metric("cpu", thresholds={"warning": 70, "critical": 90})
    events = []
    resolved = threading.Event()
    sv.alert(
        cpu, above=90, for_="30s", recover_below=85, keep_firing_for="1m", severity="critical",
        message="CPU {value:.0f}% on {widget}", name="hot",
        on_fire=events.append, on_resolve=lambda e: (events.append(e), resolved.set()),
    )
    # Pending for 30 s of event time, then firing; hovering at the line does not flap.
    for i in range(60):
        cpu.send(95 if i < 35 else (89 if i % 2 else 91), timestamp=T0 + i)
    assert sv.flush()
    assert states() == {"hot": "firing"}
    cpu.send(80, timestamp=T0 + 60)  # recovering for keep_firing_for
    cpu.send(80, timestamp=T0 + 119)
    assert sv.flush()
    assert states() == {"hot": "recovering"}
    cpu.send(80, timestamp=T0 + 120)
    assert resolved.wait(10)
    fired, done = events
    assert (fired.state, fired.previous, fired.value, fired.time) == ("firing", "pending", 95.0, T0 + 30)
    assert fired.message == "CPU 95% on cpu" and fired.severity == "critical" and fired.firing
    assert (done.state, done.previous, done.time) == ("normal", "recovering", T0 + 120)
    moves = [(t["from"], t["to"], t["ts_ms"] / 1000) for t in sv.alerts()["transitions"]]
    assert moves == [
        ("normal", "pending", T0), ("pending", "firing", T0 + 30),
        ("firing", "recovering", T0 + 60), ("recovering", "normal", T0 + 120),
    ]
    # The metric's thresholds as rules, with one argument.
    rules = sv.alert(cpu, thresholds=True)
    assert [(r.name, r.state) for r in rules] == [("cpu warning", "normal"), ("cpu critical", "normal")]
    cpu.send(75, timestamp=T0 + 121)
    assert sv.flush()
    assert states() == {"hot": "normal", "cpu warning": "firing", "cpu critical": "normal"}


def test_no_data_fires_and_data_coming_back_resolves_it():
    quiet = sv.stat("quiet")
    fired, back = threading.Event(), threading.Event()
    sv.alert(quiet, no_data="300ms", on_fire=lambda e: fired.set(), on_resolve=lambda e: back.set())
    quiet.send(1)
    assert fired.wait(10), "no point for 300 ms"
    assert states() == {"quiet no data": "no_data"}
    quiet.send(2)
    assert back.wait(10)
    assert states() == {"quiet no data": "normal"}


def test_a_failing_callback_is_logged_and_never_reaches_the_producer(caplog):
    cpu = sv.metric("cpu")
    done = threading.Event()

    def boom(event):
        raise RuntimeError("callback failed")

    sv.alert(cpu, above=1, on_fire=boom, on_resolve=lambda e: done.set())
    with caplog.at_level(logging.ERROR, logger="stream_viz.alerts"):
        cpu.send(5, timestamp=T0)
        cpu.send(0, timestamp=T0 + 1)
        assert done.wait(10), "the thread goes on after a failure"
    assert any("on_fire callback raised" in r.getMessage() and r.exc_info for r in caplog.records)


def test_webhooks_in_alertmanagers_shape_once_each_through_an_outage():
    port = free_port()
    cpu = sv.metric("cpu")
    sv.configure(alert_webhook=f"http://127.0.0.1:{port}/hook")
    before = sv.stats()["alerts"]
    sv.alert(cpu, above=90, recover_below=80, severity="critical", message="CPU {value}%", name="cpu high")
    cpu.send(95, timestamp=T0)
    # Nothing listens yet: the delivery fails and is retried.
    stats_until(lambda a: a["webhook_failures"] > before["webhook_failures"])
    receiver = Receiver(port)
    try:
        cpu.send(70, timestamp=T0 + 5)
        bodies = receiver.wait_for(2)
        stats_until(lambda a: a.get("webhooks_waiting") == 0)
        assert len(receiver.bodies) == 2, "nothing duplicated"
        firing, resolved = bodies
        assert [b["status"] for b in bodies] == ["firing", "resolved"]
        for body in bodies:
            assert body["version"] == "4" and body["receiver"] == "streamviz"
            assert body["groupLabels"] == {"alertname": "cpu high"}
            [alert] = body["alerts"]
            assert alert["labels"] == {"alertname": "cpu high", "widget": "cpu", "severity": "critical", "source": "streamviz"}
            assert alert["startsAt"] == "2023-11-14T22:13:20.000Z"
        assert firing["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
        assert firing["alerts"][0]["annotations"]["summary"] == "CPU 95%"
        assert resolved["alerts"][0]["endsAt"] == "2023-11-14T22:13:25.000Z"
        assert firing["alerts"][0]["fingerprint"] == resolved["alerts"][0]["fingerprint"]
        stats = sv.stats()["alerts"]
        assert stats["webhooks_sent"] - before["webhooks_sent"] == 2
        assert stats["webhook_failures"] > before["webhook_failures"] and stats["webhooks_given_up"] == before["webhooks_given_up"]
        assert stats["last_webhook_error"].startswith(f"alert webhook to 127.0.0.1:{port}")
        assert "/hook" not in json.dumps(stats), "only the host of a URL is shown"
    finally:
        receiver.close()


def test_a_hanging_receiver_never_slows_ingest():
    receiver = Receiver(hang=True)
    try:
        cpu = sv.metric("cpu", max_points=2_000_000)
        sv.alert(cpu, above=0.5, webhook=receiver.url, name="flappy")
        before = sv.stats()["alerts"]  # the notifier's counters count for the process
        cpu.send(1, timestamp=T0)
        receiver.wait_for(1)
        # Every point flips the rule: 200,000 transitions, each a notification that waits
        # behind the hanging one in a bounded queue.
        values = [float(i % 2) for i in range(200_000)]
        stamps = [T0 + 1 + i / 1000 for i in range(200_000)]
        assert cpu.send_many(values, stamps) == 200_000
        assert sv.flush()
        stats = sv.stats()
        assert stats["per_widget"][0]["held"] == 200_001
        assert stats["per_widget"][0]["dropped"] == 0
        alerts = stats["alerts"]
        assert alerts["webhooks_sent"] == before["webhooks_sent"], "the receiver still holds the first"
        assert alerts["webhooks_dropped"] > before["webhooks_dropped"] and alerts["webhooks_waiting"] <= 1025
    finally:
        receiver.close()


def test_pushed_rules_reach_the_api_and_websocket_clients(server):
    ws = server.url.replace("http://", "ws://") + "ws"
    status, body = http_json(server.url + "api/v1/push", {
        "widgets": [{"id": "temp", "kind": "line_chart", "options": {"series": [{"name": "gpu"}]}}],
        "alerts": [{"widget": "temp", "series": "gpu", "above": 80, "severity": "info", "name": "gpu hot"}],
    })
    assert status == 200, body
    status, body = http_json(server.url + "api/v1/push", {"alerts": [{"widget": "temp", "above": 1}]})
    assert status == 400 and "name the series" in body["error"]
    with connect(ws) as client:
        start = []
        while not start or start[-1]["type"] != "alerts":
            start.append(json.loads(client.recv(timeout=10)))
        config = next(m for m in start if m["type"] == "config")
        assert config["alerts"] == [{"name": "gpu hot", "widget": "temp", "series": "gpu", "above": 80.0, "severity": "info"}]
        assert start[-1]["states"][0]["state"] == "normal" and start[-1]["recent"] is True
        status, _ = http_json(server.url + "api/v1/push", {"updates": [{"widget": "temp", "series": "gpu", "points": [[T0 * 1000, 85]]}]})
        assert status == 200
        while True:
            message = json.loads(client.recv(timeout=10))
            if message["type"] == "alerts":
                break
    assert message["recent"] is False and message["firing"] == 1
    assert [(t["from"], t["to"], t["value"]) for t in message["transitions"]] == [("normal", "firing", 85.0)]
    status, api = http_json(server.url + "api/v1/alerts")
    assert status == 200 and api["firing"] == 1
    assert api["states"][0]["state"] == "firing" and api["rules"][0]["name"] == "gpu hot"


def test_the_browser_shows_firing_widgets_the_count_and_the_panel(server, page, browser):
    from conftest import ARTIFACTS, card

    cpu = sv.metric("cpu", title="CPU", unit="%")
    mem = sv.gauge("mem", title="Memory")
    sv.metric("disk")
    sv.alert(cpu, above=90, severity="critical", message="CPU {value:.0f}% on {widget}", name="cpu hot")
    sv.alert(mem, above=80, severity="warning", name="mem high")
    for i, v in enumerate([50, 60, 95]):
        cpu.send(v, timestamp=T0 + i)
    mem.send(85, timestamp=T0)
    page.goto(server.url)
    page.wait_for_function("document.querySelector('[data-widget=cpu]')?.dataset.alert === 'critical'")
    badge = card(page, "cpu").locator(".sv-alert-badge")
    assert badge.inner_text() == "● FIRING"
    assert badge.get_attribute("title") == "CPU 95% on cpu"
    assert card(page, "mem").get_attribute("data-alert") == "warning"
    assert card(page, "disk").get_attribute("data-alert") is None
    indicator = page.locator("#sv-alerts")
    assert indicator.inner_text() == "● 2 firing" and indicator.get_attribute("data-severity") == "critical"
    border = page.evaluate("getComputedStyle(document.querySelector('[data-widget=cpu]')).borderTopColor")
    error = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--sv-error').trim()")
    assert border == page.evaluate(f"(() => {{ const d = document.createElement('div'); d.style.color = '{error}'; document.body.append(d); const c = getComputedStyle(d).color; d.remove(); return c; }})()")
    indicator.click()
    panel = page.locator("#sv-alerts-panel")
    assert panel.is_visible()
    rows = panel.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).get_attribute("data-state") == "firing"
    assert "cpu hot: normal → firing" in panel.locator(".sv-alerts-recent").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "alerts-firing.png"), full_page=True)
    # Resolved: the card goes back to normal and the count down, live.
    cpu.send(10, timestamp=T0 + 10)
    page.wait_for_function("document.querySelector('#sv-alerts').dataset.firing === '1'")
    assert card(page, "cpu").get_attribute("data-alert") is None
    assert rows.nth(0).get_attribute("data-state") == "normal"
    assert "cpu hot: firing → normal" in panel.locator(".sv-alerts-recent").inner_text()
    # An embed of the firing widget shows it too, and nothing of the others' rules.
    embed = browser.new_page(viewport={"width": 600, "height": 360})
    try:
        embed.goto(server.embed_url("mem"))
        embed.wait_for_function("document.querySelector('[data-widget=mem]')?.dataset.alert === 'warning'")
        assert embed.evaluate("window.streamviz.alerts.states.map(s => s.rule)") == ["mem high"]
        embed.screenshot(path=str(ARTIFACTS / "alerts-embed.png"))
    finally:
        embed.close()


def test_rules_are_stored_and_declared_again_when_the_database_opens(tmp_path):
    db = tmp_path / "alerts.db"
    sv.configure(persistence=f"sqlite:///{db}")
    cpu = sv.metric("cpu")
    sv.alert(cpu, above=90, for_="30s", recover_below=85, severity="critical", name="hot",
             webhook="http://127.0.0.1:9/secret-path")
    assert sv.flush()
    rules = sv.alerts()["rules"]
    sv.reset()  # persistence stops; the database keeps what it stored
    assert sv.alerts()["rules"] == []
    sv.configure(persistence=f"sqlite:///{db}")
    assert sv.alerts()["rules"] == rules == [
        {"name": "hot", "widget": "cpu", "above": 90.0, "for": "30s", "recover_below": 85.0, "severity": "critical"}
    ]
    assert b"secret-path" not in db.read_bytes(), "a webhook URL is never stored"


def test_a_firing_rule_stays_firing_across_a_restart_without_a_second_notification(tmp_path):
    db = tmp_path / "alerts.db"
    receiver = Receiver()
    fired = []
    try:
        def declare():
            cpu = sv.metric("cpu")
            sv.alert(cpu, above=90, recover_below=80, severity="critical", name="cpu high",
                     webhook=receiver.url, on_fire=fired.append)
            return cpu

        sv.configure(persistence=f"sqlite:///{db}")
        cpu = declare()
        cpu.send(95, timestamp=T0)
        [first] = receiver.wait_for(1)
        assert first["status"] == "firing"
        assert sv.flush()
        sv.reset()  # the producer stops; its database keeps the transition

        sv.configure(persistence=f"sqlite:///{db}")
        assert states() == {"cpu high": "firing"}, "the rule resumes firing before the script declares it"
        cpu = declare()  # the script runs again
        cpu.send(97, timestamp=T0 + 10)
        assert sv.flush()
        assert states() == {"cpu high": "firing"}
        cpu.send(70, timestamp=T0 + 20)
        bodies = receiver.wait_for(2)
        # One receiver gets its notifications in order: a second firing would have come first.
        assert [b["status"] for b in bodies] == ["firing", "resolved"], "no second firing"
        resolved = bodies[1]["alerts"][0]
        assert resolved["startsAt"] == "2023-11-14T22:13:20.000Z", "the firing that began before the restart ends"
        assert resolved["fingerprint"] == first["alerts"][0]["fingerprint"]
        assert len(fired) == 1, "on_fire ran once, before the restart"
        recent = [(t["from"], t["to"]) for t in sv.alerts()["transitions"]]
        assert recent == [("normal", "firing"), ("firing", "normal")]
    finally:
        receiver.close()


def test_a_dead_receiver_never_holds_up_another_receivers_notifications():
    dead = free_port()  # nothing listens there: every attempt fails, and is retried for minutes
    sv.configure(alert_webhook=f"http://127.0.0.1:{dead}/hook")
    receiver = Receiver()
    try:
        cpu = sv.metric("cpu")
        sv.alert(cpu, above=90, name="cpu high", webhook=receiver.url)
        cpu.send(95, timestamp=T0)
        cpu.send(50, timestamp=T0 + 1)
        bodies = receiver.wait_for(2)
        assert [b["status"] for b in bodies] == ["firing", "resolved"]
        stats = stats_until(lambda a: a["webhook_failures"] > 0)
        assert stats["webhooks_waiting"] >= 1, "the dead receiver's notifications are still being retried"
    finally:
        receiver.close()
