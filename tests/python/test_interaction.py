"""Interaction while data keeps flowing, in headless Chromium: pause freezes the view and resume
catches up, the time range sets the visible span of every time series, drag zooms and a
double-click resets, exports download files that parse back to what was sent, tooltips show
exact values, and one widget can be maximised."""

import csv
import io
import json
import time
from pathlib import Path

import pytest
from conftest import ARTIFACTS
from test_browser import drawn

import stream_viz as sv


def x_span(page, widget_id: str) -> tuple[float | None, float | None]:
    span = drawn(page, widget_id)["x"]
    return (span[0], span[1]) if span else (None, None)


def wait_rendered(page, widget_id: str, points: int) -> None:
    page.wait_for_function(
        f"(() => {{ const w = window.streamviz.widgets.get({widget_id!r});"
        f" return w && w.chart && w.data.points.length === {points} && Number(w.card.dataset.rendered) > 0; }})()"
    )


def test_pause_freezes_the_view_and_resume_catches_up(server, page) -> None:
    cpu = sv.metric("cpu")
    cpu.send(1.0)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("document.querySelector('[data-widget=cpu] .sv-value')?.dataset.value === '1'")

    page.locator("#sv-pause").click()
    assert page.locator("#sv-pause").get_attribute("aria-pressed") == "true"
    for v in (2.0, 3.0, 4.0):
        cpu.send(v)
    sv.flush()
    # The data arrives in the background ...
    page.wait_for_function("window.streamviz.widgets.get('cpu')?.data.points.length === 4")
    # ... while the view stays as it was, over several frames.
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.locator("[data-widget=cpu] .sv-value").get_attribute("data-value") == "1"
    assert len(drawn(page, "cpu")["series"][0]["data"]) == 1

    page.locator("#sv-pause").click()
    page.wait_for_function("document.querySelector('[data-widget=cpu] .sv-value').dataset.value === '4'")
    assert len(drawn(page, "cpu")["series"][0]["data"]) == 4


def test_the_time_range_sets_the_visible_span_and_drag_zoom_overrides_it(server, page) -> None:
    now = time.time()
    cpu = sv.metric("cpu", max_points=10_000)
    latency = sv.line_chart("latency", series=["api"])
    for i in range(1800):  # the last 30 minutes, one point a second
        cpu.send(float(i), timestamp=now - 1800 + i)
        latency.send("api", float(i), timestamp=now - 1800 + i)
    sv.flush()
    page.goto(server.url)
    wait_rendered(page, "cpu", 1800)
    assert x_span(page, "cpu") == (None, None), "everything by default"

    page.locator("#sv-range").select_option("5m")
    page.wait_for_function("window.streamviz.widgets.get('cpu').window !== null && window.streamviz.widgets.get('latency').window !== null")
    for widget in ("cpu", "latency"):
        low, high = x_span(page, widget)
        assert low is not None and high is not None
        assert high - low == 300_000
        assert abs(high - time.time() * 1000) < 10_000, "the window ends now"
    points = drawn(page, "cpu")["series"][0]["data"]
    assert 295 <= len(points) <= 305, "only the points in view are drawn (one more on each side)"
    page.screenshot(path=str(ARTIFACTS / "interaction-range-5m.png"), full_page=True)

    # Drag across the middle of the chart: that chart zooms to the span dragged over.
    box = page.locator("[data-widget=cpu] .sv-chart").bounding_box()
    assert box
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 100, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, y, steps=5)
    page.mouse.up()
    page.wait_for_function("window.streamviz.widgets.get('cpu').zoom !== null")
    drawn_span = "(() => { const x = window.streamviz.drawn('cpu').x; return x[1] - x[0]; })()"
    page.wait_for_function(f"{drawn_span} < 300000 * 0.6")
    low, high = x_span(page, "cpu")
    assert low is not None and high is not None and 0 < high - low < 300_000 * 0.6
    low, high = x_span(page, "latency")
    assert high - low == 300_000, "other charts keep the range"

    # Shift+drag pans the zoomed span without changing its width.
    before = x_span(page, "cpu")
    page.keyboard.down("Shift")
    page.mouse.move(box["x"] + 250, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 200, y, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")
    page.wait_for_function(f"window.streamviz.drawn('cpu').x[0] > {before[0]}")
    after = x_span(page, "cpu")
    assert after[0] > before[0] and abs((after[1] - after[0]) - (before[1] - before[0])) < 1, "panned later in time"

    # Double-click: back to the time range.
    page.mouse.dblclick(box["x"] + box["width"] / 2, y)
    page.wait_for_function("window.streamviz.widgets.get('cpu').zoom === null")
    page.wait_for_function(f"{drawn_span} === 300000")
    low, high = x_span(page, "cpu")
    assert high - low == 300_000

    # A custom interval, then back to everything.
    start = time.strftime("%Y-%m-%dT%H:%M", time.localtime(now - 1200))
    end = time.strftime("%Y-%m-%dT%H:%M", time.localtime(now - 600))
    page.locator("#sv-range").select_option("custom")
    page.locator("#sv-from").fill(start)
    page.locator("#sv-to").fill(end)
    page.locator("#sv-to").dispatch_event("change")
    page.wait_for_function("window.streamviz.widgets.get('cpu').window && window.streamviz.widgets.get('cpu').window[1] - window.streamviz.widgets.get('cpu').window[0] === 600000")
    page.locator("#sv-range").select_option("all")
    page.wait_for_function("window.streamviz.widgets.get('cpu').window === null")


def test_exports_download_files_that_parse_back_to_the_data(server, page, tmp_path: Path) -> None:
    cpu = sv.metric("cpu")
    sent = [(1_800_000_000 + i, float(i) * 1.5) for i in range(20)]
    for ts, v in sent:
        cpu.send(v, timestamp=ts)
    sv.flush()
    page.goto(server.url)
    wait_rendered(page, "cpu", 20)

    def download(kind: str) -> bytes:
        page.locator("[data-widget=cpu] .sv-menu > summary").click()
        with page.expect_download() as info:
            page.locator(f"[data-widget=cpu] [data-export={kind}]").click()
        target = tmp_path / info.value.suggested_filename
        info.value.save_as(target)
        assert target.name == f"cpu.{kind}"
        return target.read_bytes()

    rows = list(csv.DictReader(io.StringIO(download("csv").decode())))
    assert [(float(r["ts_ms"]), float(r["value"])) for r in rows] == [(ts * 1000.0, v) for ts, v in sent]
    exported = json.loads(download("json"))
    assert exported["widget"] == "cpu" and exported["data"]["points"][-1] == [sent[-1][0] * 1000.0, sent[-1][1]]
    image = download("png")
    assert image.startswith(b"\x89PNG\r\n\x1a\n") and len(image) > 5_000
    (ARTIFACTS / "export-cpu.png").write_bytes(image)


def test_tooltips_show_exact_values_and_a_widget_can_be_maximised(server, page) -> None:
    cpu = sv.metric("cpu")
    cpu.send(12.3456789, timestamp=1_800_000_000.123)
    cpu.send(13.0, timestamp=1_800_000_001.0)
    sv.flush()
    page.goto(server.url)
    wait_rendered(page, "cpu", 2)
    page.evaluate("window.streamviz.showTip('cpu', 0, 0)")
    tip = page.locator("[data-widget=cpu] .sv-tip-time")
    tip.wait_for()
    assert tip.inner_text().endswith(".123")
    assert "12.3456789" in page.locator("[data-widget=cpu] .sv-chart").inner_text()

    page.locator("[data-widget=cpu] [data-action=maximise]").click()
    box = page.locator("[data-widget=cpu]").bounding_box()
    viewport = page.viewport_size
    assert box and viewport and box["width"] > viewport["width"] - 40 and box["height"] > viewport["height"] - 40
    page.wait_for_function("window.streamviz.drawn('cpu').height > 600")
    page.screenshot(path=str(ARTIFACTS / "interaction-maximised.png"))
    page.keyboard.press("Escape")
    box = page.locator("[data-widget=cpu]").bounding_box()
    assert box and box["height"] < 400


def open_metrics(server, page, count: int) -> list:
    """`count` metrics m0, m1, ... of one point each, the page open with every chart drawn (far
    ones included: each card is drawn with its history)."""
    metrics = [sv.metric(f"m{i}") for i in range(count)]
    for m in metrics:
        m.send(1.0)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function(f"window.streamviz.widgets.size === {count} && [...window.streamviz.widgets.keys()].every(id => window.streamviz.drawn(id)?.series[0].data.length === 1)")
    return metrics


def test_cards_far_from_the_view_wait_and_catch_up_when_scrolled_to(server, page) -> None:
    metrics = open_metrics(server, page, 60)
    page.wait_for_function("window.streamviz.widgets.get('m59').nearView === false && window.streamviz.widgets.get('m0').nearView === true")
    rendered = "(id) => Number(window.streamviz.widgets.get(id).card.dataset.rendered)"
    near_before, far_before = page.evaluate(f"[({rendered})('m0'), ({rendered})('m59')]")
    for m in metrics:
        m.send(2.0)
    sv.flush()
    # The near card is redrawn with the new point; the far one holds the point, undrawn.
    page.wait_for_function(f"({rendered})('m0') > {near_before} && window.streamviz.drawn('m0').series[0].data.length === 2")
    page.wait_for_function("window.streamviz.widgets.get('m59').data.points.length === 2")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate(f"({rendered})('m59')") == far_before
    assert len(drawn(page, "m59")["series"][0]["data"]) == 1
    # Scrolled to, it catches up at once.
    page.locator("[data-widget=m59]").scroll_into_view_if_needed()
    page.wait_for_function("window.streamviz.drawn('m59').series[0].data.length === 2")
    assert card_value(page, "m59") == "2"


def card_value(page, widget_id: str) -> str:
    return page.locator(f"[data-widget={widget_id}] .sv-value").get_attribute("data-value") or ""


def test_a_page_left_in_the_background_catches_up_at_once_when_shown(server, page) -> None:
    metrics = open_metrics(server, page, 30)
    # Hidden as a background tab is: the browser runs no animation frame (headless Chromium keeps
    # every page visible and does not freeze it, so the page's frames are held back here), while
    # the messages keep coming and the models keep them.
    page.evaluate(
        "window.heldFrames = []; window.shownRaf = window.requestAnimationFrame;"
        " window.requestAnimationFrame = (f) => { window.heldFrames.push(f); return 0; }"
    )
    before = page.evaluate("Number(window.streamviz.widgets.get('m0').card.dataset.rendered)")
    for v in range(2, 202):
        for m in metrics:
            m.send(float(v))
    sv.flush()
    page.wait_for_function("[...window.streamviz.widgets.values()].every(w => w.data.points.length === 201)", polling=50)
    assert page.evaluate("Number(window.streamviz.widgets.get('m0').card.dataset.rendered)") == before, "nothing drawn while hidden"
    assert len(drawn(page, "m0")["series"][0]["data"]) == 1
    # Shown: the browser runs the frame that was asked for.
    held = page.evaluate("window.requestAnimationFrame = window.shownRaf; window.heldFrames.filter(f => typeof f === 'function').map(f => requestAnimationFrame(f)).length")
    assert held >= 1, "the page asked for a frame while hidden"
    # Every chart near the view shows all of it within a few frames (a frame draws for a few
    # milliseconds; the rest follow in the next ones; far cards catch up when scrolled to).
    near = page.evaluate("[...window.streamviz.widgets.values()].filter(w => w.nearView).map(w => w.spec.id)")
    assert len(near) >= 8, near
    frames = page.evaluate(
        "(near) => new Promise(resolve => { let n = 0; const done = () => near.every(id => window.streamviz.drawn(id).series[0].data.length === 201);"
        " const frame = () => { n++; if (done() || n > 600) resolve(n); else requestAnimationFrame(frame); }; requestAnimationFrame(frame); })",
        near,
    )
    assert frames <= 12, f"caught up in {frames} frames"
    assert card_value(page, "m0") == "201"


def test_wheel_zooms_and_pans_with_a_key_held_and_the_legend_hides_a_series(server, page) -> None:
    now = time.time()
    latency = sv.line_chart("latency", series=["api", "db"])
    for i in range(600):
        latency.send("api", float(i), timestamp=now - 600 + i)
        latency.send("db", float(i) / 2, timestamp=now - 600 + i)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.drawn('latency')?.series[1].data.length === 600")
    box = page.locator("[data-widget=latency] .u-over").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # A plain wheel scrolls the page and leaves the chart alone.
    page.mouse.wheel(0, -100)
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate("window.streamviz.widgets.get('latency').zoom") is None
    # Ctrl+wheel up zooms in around the pointer.
    page.keyboard.down("Control")
    page.mouse.wheel(0, -100)
    page.keyboard.up("Control")
    page.wait_for_function("window.streamviz.drawn('latency').x !== null")
    low, high = x_span(page, "latency")
    assert low is not None and high is not None and 0 < high - low < 600_000 * 0.85
    # Shift+wheel pans, keeping the width.
    page.keyboard.down("Shift")
    page.mouse.wheel(0, 100)
    page.keyboard.up("Shift")
    page.wait_for_function(f"window.streamviz.drawn('latency').x[0] > {low}")
    after = x_span(page, "latency")
    assert abs((after[1] - after[0]) - (high - low)) < 1
    # The legend hides a series and shows it again.
    page.locator("[data-widget=latency] .sv-legend-item", has_text="db").click()
    assert [s["shown"] for s in drawn(page, "latency")["series"]] == [True, False]
    page.locator("[data-widget=latency] .sv-legend-item", has_text="db").click()
    assert [s["shown"] for s in drawn(page, "latency")["series"]] == [True, True]


def test_charts_in_a_hidden_tab_or_a_closed_expander_are_not_drawn_until_shown(server, page) -> None:
    shown = sv.metric("shown")
    with sv.tabs(["Live", "Later"]):
        with sv.tab("Live"):
            shown.send(1.0)
        with sv.tab("Later"):
            later = sv.metric("later")
    with sv.expander("More"):
        folded = sv.metric("folded")
    for v in range(20):
        for m in (shown, later, folded):
            m.send(float(v))
        sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.drawn('shown')?.series[0].data.length === 21")
    rendered = "(id) => Number(window.streamviz.widgets.get(id).card.dataset.rendered || 0)"
    page.wait_for_function("window.streamviz.widgets.get('later')?.data.points.length === 20 && window.streamviz.widgets.get('folded')?.data.points.length === 20")
    page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    assert page.evaluate(f"[({rendered})('later'), ({rendered})('folded')]") == [0, 0], "hidden charts cost no drawing"
    assert drawn(page, "later") is None and drawn(page, "folded") is None
    # Shown, each is drawn at once with everything it holds.
    page.locator(".sv-tab", has_text="Later").click()
    page.wait_for_function("window.streamviz.drawn('later')?.series[0].data.length === 20")
    page.locator(".sv-expander > summary", has_text="More").click()
    page.wait_for_function("window.streamviz.drawn('folded')?.series[0].data.length === 20")


def test_the_page_opens_with_the_dashboards_time_range_and_paused_without_auto_refresh(server, page) -> None:
    sv.configure(default_time_range="5m", auto_refresh=False)
    cpu = sv.metric("cpu")
    cpu.send(1.0)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.widgets.get('cpu')?.window !== null && Number(window.streamviz.widgets.get('cpu')?.card.dataset.rendered) > 0")
    assert page.locator("#sv-range").input_value() == "5m"
    assert page.locator("#sv-pause").get_attribute("aria-pressed") == "true", "auto_refresh=False opens paused"
    low, high = x_span(page, "cpu")
    assert high - low == 300_000
    # A range the menu lacks is added to it.
    sv.configure(default_time_range="2m", auto_refresh=True)
    page.wait_for_function("document.querySelector('#sv-range').value === 'default'")
    assert page.locator("#sv-range option[value=default]").inner_text() == "Last 2 min"
    assert page.locator("#sv-pause").get_attribute("aria-pressed") == "false"
    page.wait_for_function("(() => { const x = window.streamviz.drawn('cpu').x; return x && x[1] - x[0] === 120000; })()")
    with pytest.raises(sv.ValidationError, match="default_time_range"):
        sv.configure(default_time_range="soon")
