"""A static snapshot: one HTML file from `sv.snapshot_html`, the header's Snapshot button
(`GET /api/v1/snapshot`) or `streamviz snapshot URL|DB -o FILE`, opened from `file://` in
Chromium with the network off: every page, widget kind and theme as captured, with zoom,
tooltips and time ranges working on the captured data, and no request leaving the page."""

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import stream_viz as sv
from conftest import ARTIFACTS, card, http_json

LONG = 50_000  # points of the long series: above 20,000, decimated in the file


def build(end_s: float) -> None:
    sv.configure(title="Incident 42")
    with sv.page("Overview"):
        with sv.columns(2):
            cpu = sv.metric("cpu", title="CPU", unit="%", max_points=LONG)
            latency = sv.line_chart("latency", title="Latency", series=["api", "db"])
        cpu.send_many(50 + 40 * np.sin(np.arange(LONG) / 500), end_s - LONG / 100 + np.arange(LONG) / 100)
        for i in range(60):
            latency.send("api", 40 + i % 7, timestamp=end_s - 60 + i)
            latency.send("db", 20 + i % 5, timestamp=end_s - 60 + i)
        sv.gauge("temp", title="Temperature", max=120).send(61.5)
        sv.stat("orders", title="Orders").send(1234)
        sv.bar_chart("regions", title="Regions").send({"US": 3, "EU": 5})
        sv.table("events", title="Events", key="id").send_many([{"id": i, "msg": f"event {i}"} for i in range(5)])
    with sv.page("Notes"):
        sv.markdown("notes", "## What happened\n- **disk** <b>full</b>")
        sv.text("status", "recovering")
        sv.heatmap("load", x_labels=["a", "b"], y_labels=["x"]).send([[1, 2]])
    assert sv.flush()


def captured(path: Path) -> dict:
    """The `window.__STREAMVIZ_SNAPSHOT__` a snapshot file holds."""
    match = re.search(r"window\.__STREAMVIZ_SNAPSHOT__ = (\{.*?\});</script>", path.read_text(encoding="utf-8"))
    assert match, "no captured data"
    return json.loads(match.group(1))


def open_offline(browser, path: Path, query: str = ""):
    """A page showing `path` from file:// with the network off; the list of every URL it asked
    for that was not inside the file."""
    context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    asked, errors = [], []
    page.on("request", lambda r: asked.append(r.url) if not r.url.startswith(("data:", "file:")) else None)
    page.on("requestfailed", lambda r: errors.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.resolve().as_uri() + query)
    page.wait_for_function("window.streamviz?.connection === 'snapshot'")
    return context, page, asked, errors


def test_a_snapshot_file_opens_offline_with_every_page_widget_and_interaction(tmp_path, browser):
    end_s = time.time()
    build(end_s)
    written = sv.snapshot_html(tmp_path / "incident.html")
    assert written == tmp_path / "incident.html"
    data = captured(written)
    assert [m["type"] for m in data["messages"]][:2] == ["hello", "config"]
    assert abs(data["taken"] / 1000 - time.time()) < 60

    context, page, asked, errors = open_offline(browser, written)
    try:
        ids = ["cpu", "latency", "temp", "orders", "regions", "events", "notes", "status", "load"]
        page.wait_for_function(f"{json.dumps(ids)}.every((id) => window.streamviz.widgets.has(id))")
        assert "Snapshot of" in page.locator("#sv-status-text").inner_text()
        assert page.locator("#sv-snapshot").is_hidden()
        page.wait_for_function("(() => { const d = window.streamviz.drawn('cpu'); return d && d.series[0].data.length > 0; })()")
        held = page.evaluate("window.streamviz.widgets.get('cpu').data.points.length")
        assert 0 < held <= 16_000, "the long series came M4-decimated"
        assert page.evaluate("[...window.streamviz.widgets.get('latency').data.series.values()].map((p) => p.length)") == [60, 60]
        assert card(page, "events").locator("tbody tr").count() == 5
        assert card(page, "cpu").is_visible() and card(page, "notes").is_hidden()
        page.screenshot(path=str(ARTIFACTS / "snapshot-overview.png"))

        # Tooltips on the captured points.
        page.evaluate("window.streamviz.showTip('latency', 0, 59)")
        tip = card(page, "latency").locator(".sv-tip-time")
        tip.wait_for()
        assert str(40 + 59 % 7) in card(page, "latency").locator(".sv-chart").inner_text()  # api's last value
        # Zoom into the last 10 s of the long series.
        page.evaluate(f"window.streamviz.zoomTo('cpu', {(end_s - 10) * 1000}, {end_s * 1000})")
        page.wait_for_function(f"(() => {{ const d = window.streamviz.drawn('cpu'); return d.x && d.x[0] === {(end_s - 10) * 1000}; }})()")
        # "Last 5 min" ends when the snapshot was taken, not now.
        page.select_option("#sv-range", "5m")
        page.wait_for_function(f"(() => {{ const d = window.streamviz.drawn('latency'); return d.x && d.x[1] === {data['taken']}; }})()")

        # Another page, through the header's navigation (a fragment in a file).
        page.locator("#sv-nav a", has_text="Notes").click()
        card(page, "notes").wait_for()
        assert page.url.endswith("#/page/notes")
        assert card(page, "cpu").is_hidden()
        html = card(page, "notes").inner_html()
        assert "<strong>disk</strong>" in html and "&lt;b&gt;full&lt;/b&gt;" in html
        page.screenshot(path=str(ARTIFACTS / "snapshot-notes.png"))
    finally:
        context.close()
    assert asked == [], f"the file asked the network for {asked}"
    assert errors == [], errors

    # The light theme, as a link to the live page would ask for it.
    context, page, asked, errors = open_offline(browser, written, "?theme=light")
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "light"
        page.screenshot(path=str(ARTIFACTS / "snapshot-light.png"))
    finally:
        context.close()
    assert asked == [] and errors == [], (asked, errors)


def test_the_header_button_and_the_http_route_give_the_file_to_viewers_only(page, tmp_path):
    server = sv.start(port=0, auth="token")
    sv.metric("cpu").send(1.0, timestamp=1_700_000_000)
    assert sv.flush()
    page.goto(server.url)
    button = page.locator("#sv-snapshot")
    button.wait_for()
    with page.expect_download() as download:
        button.click()
    saved = tmp_path / "saved.html"
    download.value.save_as(saved)
    assert re.fullmatch(r"streamviz-snapshot-\d+\.html", download.value.suggested_filename)
    history = next(m for m in captured(saved)["messages"] if m["type"] == "history")
    assert history["data"]["points"] == [[1_700_000_000_000, 1.0]]
    # An embed's token opens its widget, not the whole dashboard's file.
    embed = server.embed_url("cpu")
    token = re.search(r"embed=([^&]+)", embed).group(1)
    status, body = http_json(f"{server.base_url}api/v1/snapshot?embed={token}")
    assert status == 403, body
    page.goto(embed)
    page.wait_for_function("window.streamviz?.connection === 'live'")
    assert page.locator("#sv-snapshot").is_hidden()


def test_the_command_line_snapshots_a_server_with_its_token_and_a_recording(tmp_path):
    env_script = (
        "import sys, stream_viz as sv\n"
        "sv.configure(persistence=sys.argv[1])\n"
        "sv.stat('orders', title='Orders').send(7, timestamp=1_700_000_000)\n"
        "assert sv.flush()\n"
    )
    db = tmp_path / "run.db"
    subprocess.run([sys.executable, "-c", env_script, str(db)], check=True, timeout=120, env={"STREAMVIZ_AUTOSTART": "0", "PATH": "/usr/bin:/bin"})
    out = tmp_path / "from-db.html"
    done = subprocess.run([sys.executable, "-m", "stream_viz", "snapshot", str(db), "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    history = next(m for m in captured(out)["messages"] if m["type"] == "history")
    assert history["widget"] == "orders" and history["data"]["points"] == [[1_700_000_000_000, 7.0]]

    server = sv.start(port=0, auth="token")
    sv.metric("cpu").send(3.0, timestamp=1_700_000_000)
    assert sv.flush()
    out = tmp_path / "from-url.html"
    done = subprocess.run([sys.executable, "-m", "stream_viz", "snapshot", server.url, "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    token = re.search(r"token=([^&]+)", server.url).group(1)
    assert token not in done.stderr
    assert [m["widget"] for m in captured(out)["messages"] if m["type"] == "history"] == ["cpu"]
    refused = subprocess.run([sys.executable, "-m", "stream_viz", "snapshot", server.base_url, "-o", str(tmp_path / "x.html")],
                             capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})
    assert refused.returncode == 1 and "401" in refused.stderr and not (tmp_path / "x.html").exists()
    missing = subprocess.run([sys.executable, "-m", "stream_viz", "snapshot", str(tmp_path / "nope.db"), "-o", str(tmp_path / "y.html")],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "nope.db" in missing.stderr


def test_a_bad_path_is_refused_with_a_reason():
    with pytest.raises(sv.StreamVizTypeError, match="path is a str"):
        sv.snapshot_html(42)  # type: ignore[arg-type]
    with pytest.raises(OSError):
        sv.snapshot_html("/nonexistent-dir/x.html")
