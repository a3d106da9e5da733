"""Widgets done properly, in headless Chromium: metric threshold zones, table sorting, newest
first, filtering and the flash of an updated row."""

import csv
import io
import json

import pytest
from conftest import ARTIFACTS
from test_browser import chart_option, drawn

import stream_viz as sv


def test_metric_threshold_zones_tint_the_warning_and_critical_bands(server, page) -> None:
    cpu = sv.metric("cpu", unit="%", color="#12ab34", thresholds={"warning": 70, "critical": 90})
    for v in (40, 60, 80, 95, 50):
        cpu.send(v)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.widgets.get('cpu')?.chart && window.streamviz.widgets.get('cpu').data.points.length === 5")
    shown = drawn(page, "cpu")
    assert shown["series"][0]["color"] == "#12ab34", "the metric's own colour"
    assert page.locator("[data-widget=cpu] .sv-unit").inner_text() == "%"
    assert [(z["from"], z["color"]) for z in shown["zones"]] == [(70, "#eab308"), (90, "#ef4444")]
    y_max = page.evaluate("window.streamviz.drawn('cpu').y[1]")
    assert 95 <= y_max <= 150, "the zones do not stretch the value axis"
    page.locator("[data-widget=cpu]").screenshot(path=str(ARTIFACTS / "metric-threshold-zones.png"))


def test_tables_sort_by_header_filter_and_flash_updated_rows(server, page) -> None:
    events = sv.table(
        "events",
        columns=[{"name": "service"}, {"name": "latency", "type": "number", "format": ".1f"}, {"name": "level", "type": "badge", "colors": {"ERROR": "#ef4444"}}],
    )
    for key, service, latency, level in [("a", "api", 120.0, "INFO"), ("b", "db", 15.5, "ERROR"), ("c", "cache", 3.25, "INFO")]:
        events.send({"service": service, "latency": latency, "level": level}, key=key)
    sv.flush()
    page.goto(server.url)
    rows = page.locator("[data-widget=events] tbody tr")
    page.wait_for_function("document.querySelectorAll('[data-widget=events] tbody tr').length === 3")
    keys = lambda: rows.evaluate_all("rs => rs.map(r => r.dataset.key)")  # noqa: E731

    def wait_order(expected: list[str]) -> None:
        wanted = json.dumps(json.dumps(expected, separators=(",", ":")))
        page.wait_for_function(
            f"JSON.stringify([...document.querySelectorAll('[data-widget=events] tbody tr')].map(r => r.dataset.key)) === {wanted}"
        )
    assert keys() == ["c", "b", "a"], "newest first"

    header = page.locator("[data-widget=events] th", has_text="latency")
    header.click()
    page.wait_for_function("document.querySelector('[data-widget=events] th[data-column=latency]').getAttribute('aria-sort') === 'ascending'")
    assert keys() == ["c", "b", "a"]
    header.click()
    wait_order(["a", "b", "c"])
    assert header.get_attribute("aria-sort") == "descending"
    page.locator("[data-widget=events] th", has_text="service").click()
    wait_order(["a", "c", "b"])  # api, cache, db
    assert page.locator("[data-widget=events] tbody tr[data-key=a] td").nth(1).inner_text() == "120.0"

    # An update flashes its row; the sort holds.
    events.send({"service": "api", "latency": 99.0, "level": "ERROR"}, key="a")
    sv.flush()
    page.wait_for_function("document.querySelector('[data-widget=events] tr[data-key=a]')?.classList.contains('sv-flash')")
    assert page.locator("[data-widget=events] tr.sv-flash").count() == 1
    assert keys() == ["a", "c", "b"]
    badge = page.locator("[data-widget=events] tr[data-key=a] .sv-badge")
    assert badge.inner_text() == "ERROR" and badge.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(239, 68, 68)"

    page.locator("[data-widget=events] .sv-filter").fill("cach")
    page.wait_for_function("document.querySelectorAll('[data-widget=events] tbody tr').length === 1")
    assert keys() == ["c"]
    page.locator("[data-widget=events]").screenshot(path=str(ARTIFACTS / "table-sorted-filtered.png"))


def test_bar_charts_group_or_stack_several_series(server, page) -> None:
    grouped = sv.bar_chart("grouped", categories=["US", "EU"])
    grouped.send({"US": {"web": 1200, "mobile": 300}, "EU": {"web": 900}})
    grouped.send({"EU": 450}, series="mobile")
    stacked = sv.bar_chart("stacked", stacked=True)
    stacked.send({"US": {"web": 10, "mobile": 5}})
    plain = sv.bar_chart("plain")
    plain.send({"Asia": 7})
    with pytest.raises(sv.StreamVizTypeError):
        grouped.send({"US": {3: 1}})  # type: ignore[dict-item]
    sv.flush()
    rows = list(csv.DictReader(io.StringIO(sv.export("grouped", "csv"))))
    assert [(r["category"], r["series"], float(r["value"])) for r in rows] == [
        ("US", "web", 1200.0), ("US", "mobile", 300.0), ("EU", "web", 900.0), ("EU", "mobile", 450.0)]
    assert sv.export("plain", "csv").splitlines() == ["category,value", "Asia,7"]

    page.goto(server.url)
    page.wait_for_function("['grouped', 'stacked', 'plain'].every(id => Number(document.querySelector(`[data-widget=${id}]`)?.dataset.rendered) > 0)")
    # A card is drawn once empty before its history arrives: wait for the bars themselves.
    page.wait_for_function("""['grouped', 'stacked', 'plain'].every(id => {
        const series = window.streamviz.widgets.get(id).chart.getOption().series;
        return series.length > 0 && series.every(s => s.data.some(v => v !== null && v !== undefined));
    })""")
    series = chart_option(page, "grouped")["series"]
    assert [(s["name"], s["data"], s.get("stack")) for s in series] == [("web", [1200, 900], None), ("mobile", [300, 450], None)]
    series = chart_option(page, "stacked")["series"]
    assert [(s["name"], s["data"], s["stack"]) for s in series] == [("web", [10], "total"), ("mobile", [5], "total")]
    assert [s["data"] for s in chart_option(page, "plain")["series"]] == [[7]]
    page.locator("[data-widget=grouped]").screenshot(path=str(ARTIFACTS / "bar-grouped.png"))
    page.locator("[data-widget=stacked]").screenshot(path=str(ARTIFACTS / "bar-stacked.png"))

    # Live: a new series value arrives in a data message.
    grouped.send({"US": 1300}, series="web")
    sv.flush()
    page.wait_for_function("window.streamviz.widgets.get('grouped').chart.getOption().series[0].data[0] === 1300")


def test_line_chart_stat_text_and_table_options_render_as_declared(server, page) -> None:
    chart = sv.line_chart(
        "latency",
        y_axis={"label": "ms", "min": 0, "max": 500},
        series=[{"name": "api", "color": "#ff0000", "label": "API p95"}, "db"],
    )
    chart.send("api", 120.0, timestamp=1_800_000_000)
    chart.send("db", 30.0, timestamp=1_800_000_000)
    errors = sv.stat("errors", delta_color="inverse")
    errors.send(5)
    errors.send(8)
    flat = sv.stat("flat", delta_color="off")
    flat.send(5)
    flat.send(3)
    sv.text("alert", "Disk almost full", style="warning")
    log = sv.table("log", columns=[{"name": "at", "type": "datetime"}, {"name": "msg"}])
    log.send({"at": "2026-11-23T10:15:00Z", "msg": "started"})
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.widgets.size === 5 && [...window.streamviz.widgets.values()].every(w => Number(w.card.dataset.rendered) > 0)")

    shown = drawn(page, "latency")
    assert shown["yAxis"] == {"name": "ms", "min": 0, "max": 500}
    assert [(s["name"], s["color"]) for s in shown["series"]] == [("API p95", "#ff0000"), ("db", None)]
    # An increase is bad news for errors; with "off" the delta is neutral.
    assert page.locator("[data-widget=errors] .sv-delta").get_attribute("data-direction") == "bad"
    assert page.locator("[data-widget=flat] .sv-delta").get_attribute("data-direction") == "neutral"
    assert page.locator("[data-widget=alert] .sv-text").evaluate("e => getComputedStyle(e).color") == "rgb(234, 179, 8)"
    cell = page.locator("[data-widget=log] tbody td").first.inner_text()
    assert "2026" in cell and "T" not in cell and "Z" not in cell, cell


def test_a_burst_sharing_a_timestamp_is_drawn_as_a_vertical_extent(server, page) -> None:
    burst = sv.metric("burst")
    same = sv.line_chart("same", series=["a"])
    for i in range(200):
        burst.send(float(i % 17))
        same.send("a", float(i), timestamp=1_800_000_000.0)  # all at one time
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.drawn('burst')?.series[0].data.length === 200 && window.streamviz.drawn('same')?.series[0].data.length === 200")
    for widget_id, low, high in (("burst", 0, 16), ("same", 0, 199)):
        shown = drawn(page, widget_id)
        values = [p[1] for p in shown["series"][0]["data"]]
        assert (min(values), max(values)) == (low, high)
        assert shown["y"][0] <= low and shown["y"][1] >= high, "the value axis spans the burst"
    # The plot is not blank: the line's colour is on the canvas, in a vertical stroke at one time.
    coloured = page.evaluate(
        """(() => { const c = window.streamviz.widgets.get('same').chart.ctx.canvas; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const cols = new Set(); let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] < 60 && d[i + 1] > 150 && d[i + 2] > 200) { n++; cols.add((i / 4) % c.width); }
        return [n, cols.size]; })()"""
    )
    assert coloured[0] > 50 and coloured[1] <= 6, coloured
    # The one time is in the middle of the axis, which labels it.
    middle = page.evaluate("(() => { const u = window.streamviz.widgets.get('same').chart; return u.valToPos(1800000000000, 'x') / u.over.clientWidth; })()")
    assert 0.45 < middle < 0.55, middle
    page.locator("[data-widget=same]").screenshot(path=str(ARTIFACTS / "burst-one-timestamp.png"))
    page.locator("[data-widget=burst]").screenshot(path=str(ARTIFACTS / "burst-send-loop.png"))


def test_table_numbers_without_a_declared_type_read_well_and_export_in_full(server, page) -> None:
    stats = sv.table("stats", key="service")
    stats.send({"service": "api", "avg_latency_ms": 59.159909909909906, "year": 2026, "share": 0.000123456})
    sv.flush()
    page.goto(server.url)
    cells = page.locator("[data-widget=stats] tbody tr").first.locator("td")
    cells.first.wait_for()
    assert cells.all_inner_texts() == ["api", "59.16", "2026", "0.000123"]
    assert cells.nth(1).get_attribute("class") == "sv-number", "numbers right-aligned"
    exported = json.loads(sv.export("stats", "json"))
    assert exported["data"]["rows"][0]["row"]["avg_latency_ms"] == 59.159909909909906
