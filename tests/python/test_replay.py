"""A recording served to browsers with `python -m stream_viz replay DB` (a real process, a real
SQLite file, headless Chromium): the header has a time scrubber; plots end at the scrubbed time
and reach back through every stored point; stats, tables and texts show what they were then, and
so do the alerts (a card fires from the time its rule fired)."""

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ARTIFACTS, card, http_json

RECORD = """
import sys, time
import numpy as np
import stream_viz as sv
sv.configure(title="Plant", persistence=sys.argv[1])
cpu = sv.metric("cpu", title="CPU", max_points=100)
temp = sv.stat("temp", title="Temperature")
events = sv.table("events", title="Events", key="id")
status = sv.text("status", title="Status")
sv.alert(cpu, above=500, severity="critical", name="cpu high")  # fires 5.01 s in
t0 = time.time()
# 1,000 points over the 10 s before now; the ring keeps the last 100.
cpu.send_many(np.arange(1000.0), t0 - 10 + np.arange(1000) * 0.01)
temp.send(20.0, timestamp=t0 - 1)
events.send({"id": "a", "level": "INFO", "msg": "boot"})
events.send({"id": "b", "level": "WARN", "msg": "slow disk"})
status("starting up")
assert sv.flush()  # the first changes are stored (and stamped) now
stored = time.time()
while time.time() <= stored + 0.005:
    pass  # the next batch is stored at a later millisecond
temp.send(30.0)
events.send({"id": "a", "level": "ERROR", "msg": "crash"})
events.delete("b")
status("recovering")
assert sv.flush()
"""


def record(db: Path) -> None:
    env = dict(os.environ, STREAMVIZ_AUTOSTART="0")
    script = subprocess.run([sys.executable, "-c", textwrap.dedent(RECORD), str(db)], capture_output=True, text=True, timeout=120, env=env, check=False)
    assert script.returncode == 0, script.stderr


@pytest.fixture
def replay(tmp_path: Path):
    """`python -m stream_viz replay` of a fresh recording on a free port: (url, change times)."""
    db = tmp_path / "plant.db"
    record(db)
    conn = sqlite3.connect(db)
    times = [t for (t,) in conn.execute("SELECT DISTINCT ts_ms FROM changes ORDER BY ts_ms")]
    conn.close()
    assert len(times) == 2, times
    server = subprocess.Popen([sys.executable, "-m", "stream_viz", "replay", str(db), "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        match = re.search(r"http://\S+", line)
        assert match, line
        yield match.group(0), times
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


def rows(page) -> list[list[str]]:
    cells = card(page, "events").locator("tbody tr")
    return sorted(cells.nth(i).inner_text().split("\t") for i in range(cells.count()))


def settled(page) -> None:
    """Wait until every replay read arrived and the frame that draws it ran (its redraw was
    requested before this frame callback)."""
    page.wait_for_function("window.streamviz.asOfPending === 0")
    page.evaluate("new Promise((resolve) => requestAnimationFrame(() => resolve()))")


def seek(page, at: float) -> None:
    page.evaluate(f"window.streamviz.seek({at})")
    settled(page)


def test_a_browser_scrubs_a_recording_and_every_widget_follows(replay, page) -> None:
    url, (first_change, last_change) = replay
    status, body = http_json(url.rstrip("/") + "/api/v1/recording")
    span = body["recording"]
    assert status == 200 and span["to"] == last_change
    page.goto(url)
    page.wait_for_selector("#sv-scrub:not([hidden])")
    assert page.locator("#sv-pause").is_hidden(), "a recording has a scrubber, not pause"
    page.wait_for_function("document.getElementById('sv-status-text').textContent === 'Replay'")

    # At the end: the last state, and "All" reaches back to the first stored point.
    drawn = "window.streamviz.drawn('cpu').series[0].data"
    page.wait_for_function(f"{drawn}.length > 100 && {drawn}[0][0] === {span['from']}", timeout=15_000)
    assert rows(page) == [["a", "ERROR", "crash"]]
    assert card(page, "status").locator(".sv-text").inner_text() == "recovering"
    assert card(page, "cpu").get_attribute("data-alert") == "critical"
    assert page.locator("#sv-alerts").get_attribute("data-firing") == "1"

    # One second in, before the rule fired: no alert; five and a half in, it fires.
    seek(page, span["from"] + 1000)
    assert card(page, "cpu").get_attribute("data-alert") is None
    assert page.locator("#sv-alerts").get_attribute("data-firing") == "0"
    seek(page, span["from"] + 5500)
    assert card(page, "cpu").get_attribute("data-alert") == "critical"
    assert page.locator("#sv-alerts").inner_text() == "● 1 firing"

    # Back to the first batch of changes: the rows, the text and the stat of then.
    seek(page, first_change)
    assert rows(page) == [["a", "INFO", "boot"], ["b", "WARN", "slow disk"]]
    assert card(page, "status").locator(".sv-text").inner_text() == "starting up"
    assert card(page, "temp").locator(".sv-stat-number").inner_text() == "20"
    page.wait_for_function(f"{drawn}[{drawn}.length - 1][0] <= {first_change}")
    assert float(page.locator("#sv-scrub-input").input_value()) == pytest.approx(first_change - span["from"], abs=1)
    page.screenshot(path=str(ARTIFACTS / "replay_scrubbed.png"))

    # And forward again with the slider, as a person drags it.
    page.locator("#sv-scrub-input").fill(str(last_change - span["from"]))
    page.wait_for_function("window.streamviz.replay.at === window.streamviz.replay.to")
    settled(page)
    assert rows(page) == [["a", "ERROR", "crash"]]
    assert card(page, "temp").locator(".sv-stat-number").inner_text() == "30"


def test_a_live_server_and_a_bad_recording_say_what_they_are(tmp_path: Path, server) -> None:
    base = server.url.rstrip("/")
    assert http_json(base + "/api/v1/recording") == (200, {"recording": None})
    status, body = http_json(base + "/api/v1/widgets/cpu/at?t=1")
    assert status == 404 and "not a recording" in body["error"]

    text = tmp_path / "notes.db"
    text.write_text("not a database, only text that is long enough to be read " * 10)
    result = subprocess.run([sys.executable, "-m", "stream_viz", "replay", str(text), "--port", "0"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "not a StreamViz database" in result.stderr, result.stderr
    missing = subprocess.run([sys.executable, "-m", "stream_viz", "replay", str(tmp_path / "none.db"), "--port", "0"], capture_output=True, text=True, timeout=60, check=False)
    assert missing.returncode == 1 and "no such file" in missing.stderr, missing.stderr


def test_the_at_endpoint_checks_its_input(replay) -> None:
    url, (first_change, _) = replay
    base = url.rstrip("/") + "/api/v1/widgets"
    status, body = http_json(f"{base}/events/at?t={first_change}")
    assert status == 200 and body["type"] == "history" and len(body["data"]["rows"]) == 2
    assert http_json(f"{base}/events/at")[0] == 400
    assert http_json(f"{base}/events/at?t=soon") == (400, {"error": 't="soon" is not a number'})
    status, body = http_json(f"{base}/cpu/at?t=1")
    assert status == 400 and "/range" in body["error"]
    assert http_json(f"{base}/nope/at?t=1")[0] == 404
