"""The browser dashboard in headless Chromium (Playwright): every widget kind renders the values
sent, live updates arrive, embeds show one widget, markdown cannot inject script, and the page
reconnects by itself when the server restarts. Screenshots go to test-artifacts/."""

from conftest import ARTIFACTS, card

import stream_viz as sv


def declare_all():
    widgets = {
        "cpu": sv.metric("cpu", title="CPU", unit="%", thresholds={"warning": 70, "critical": 90}),
        "orders": sv.stat("orders", title="Orders", format=",.0f"),
        "temp": sv.gauge("temp", title="Temperature", unit="°C", thresholds=[(50, "green"), (100, "red")]),
        "latency": sv.line_chart("latency", title="Latency", series=["api", "db"]),
        "traffic": sv.bar_chart("traffic", title="Traffic", categories=["US", "EU", "Asia"]),
        "events": sv.table("events", title="Events", key="id",
                           columns=[{"name": "id", "type": "number"}, {"name": "level", "type": "badge", "colors": {"ERROR": "#ef4444"}}, {"name": "message"}]),
        "status": sv.text("status", style="caption"),
        "notes": sv.markdown("notes"),
        "load": sv.heatmap("load", x_labels=["Mon", "Tue", "Wed"], y_labels=["am", "pm"]),
    }
    for i in range(30):
        widgets["cpu"].send(50 + i, timestamp=1_700_000_000 + i)
        widgets["latency"].send("api", 40 + i, timestamp=1_700_000_000 + i)
        widgets["latency"].send("db", 20 + i, timestamp=1_700_000_000 + i)
    widgets["orders"].send(15_000)
    widgets["orders"].send(15_234)
    widgets["temp"].send(62)
    widgets["traffic"].send({"US": 1200, "EU": 980, "Asia": 1450})
    widgets["events"].send({"id": 1, "level": "INFO", "message": "started"})
    widgets["events"].send({"id": 2, "level": "ERROR", "message": "Connection failed"})
    widgets["status"]("Connected to Kafka cluster")
    widgets["notes"]("## Pipeline Status\n- **Source**: Kafka\n\n<script>window.injected = true</script><img src=x onerror=\"window.injected=true\">")
    widgets["load"].send([[1, 2, 3], [4, 5, 6]])
    assert sv.flush()
    return widgets


def chart_option(page, widget_id):
    """The ECharts option of a widget drawn with ECharts (gauge, bar chart, heatmap)."""
    return page.evaluate(f"window.streamviz.widgets.get({widget_id!r}).chart.getOption()")


def drawn(page, widget_id):
    """What a time-series chart shows, whatever library draws it."""
    return page.evaluate(f"window.streamviz.drawn({widget_id!r})")


def test_every_widget_kind_renders_the_values_sent(server, page):
    widgets = declare_all()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.size === 9")
    page.wait_for_function("[...window.streamviz.widgets.values()].every(w => Number(w.card.dataset.rendered) > 0 && (w.spec.kind !== 'metric' || w.data.points.length === 30))")

    assert page.locator("#sv-status").get_attribute("data-state") == "live"
    assert page.locator(".sv-card").count() == 9
    # metric: the latest value in the header, 30 points on the chart, threshold level applied
    assert card(page, "cpu").locator(".sv-value").inner_text().replace("\n", "") == "79%"
    assert card(page, "cpu").locator(".sv-value").get_attribute("data-level") == "warning"
    series = drawn(page, "cpu")["series"][0]["data"]
    assert len(series) == 30 and series[-1] == [1_700_000_029_000, 79]
    # stat: formatted number and its delta
    assert card(page, "orders").locator(".sv-stat-number").inner_text() == "15,234"
    assert card(page, "orders").locator(".sv-delta").inner_text() == "▲ +234"
    assert card(page, "orders").locator(".sv-delta").get_attribute("data-direction") == "good"
    # its sparkline spaces the values evenly, even when sent within the same millisecond
    sparkline = drawn(page, "orders")["series"][0]["data"]
    assert [value for _, value in sparkline[-2:]] == [15_000, 15_234] and sparkline[-1][0] > sparkline[-2][0]
    # gauge: the dial's value
    assert chart_option(page, "temp")["series"][0]["data"][0]["value"] == 62
    # ... on a 0–100 dial with its threshold bands as declared
    gauge = chart_option(page, "temp")["series"][0]
    assert (gauge["min"], gauge["max"]) == (0, 100)
    assert gauge["axisLine"]["lineStyle"]["color"] == [[0.5, "green"], [1, "red"]]
    # line chart: both series with their points
    option = drawn(page, "latency")
    assert [s["name"] for s in option["series"]] == ["api", "db"]
    assert option["series"][1]["data"][-1] == [1_700_000_029_000, 49]
    # bar chart: categories in declared order with their values
    option = chart_option(page, "traffic")
    assert option["xAxis"][0]["data"] == ["US", "EU", "Asia"]
    assert option["series"][0]["data"] == [1200, 980, 1450]
    # table: newest first, badge coloured
    rows = card(page, "events").locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t") == ["2", "ERROR", "Connection failed"]
    badge_colour = card(page, "events").locator(".sv-badge", has_text="ERROR").evaluate("b => getComputedStyle(b).backgroundColor")
    assert badge_colour == "rgb(239, 68, 68)"
    # text and markdown (rendered, with the injection attempt shown as text)
    assert card(page, "status").locator(".sv-text").inner_text() == "Connected to Kafka cluster"
    assert card(page, "notes").locator("h2").inner_text() == "Pipeline Status"
    assert card(page, "notes").locator("strong").inner_text() == "Source"
    assert card(page, "notes").locator("script, img").count() == 0
    assert "<script>" in card(page, "notes").inner_text()
    assert page.evaluate("window.injected === undefined")
    # heatmap: labels and cells
    option = chart_option(page, "load")
    assert option["xAxis"][0]["data"] == ["Mon", "Tue", "Wed"]
    assert option["yAxis"][0]["data"] == ["am", "pm"]
    assert (option["visualMap"][0]["min"], option["visualMap"][0]["max"]) == (1, 6), "the colour scale spans the values"
    assert sorted(option["series"][0]["data"]) == sorted([[x, y, [[1, 2, 3], [4, 5, 6]][y][x]] for y in range(2) for x in range(3)])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-all-widgets.png"), full_page=True)

    # Live updates reach the page without a reload.
    widgets["orders"].send(14_000)
    widgets["cpu"].send(95, timestamp=1_700_000_100)
    page.wait_for_function("document.querySelector('[data-widget=orders] .sv-stat-number').textContent === '14,000'")
    assert card(page, "orders").locator(".sv-delta").get_attribute("data-direction") == "bad"
    page.wait_for_function("document.querySelector('[data-widget=cpu] .sv-value').dataset.level === 'critical'")


def test_embed_shows_one_widget(server, page):
    declare_all()
    page.goto(server.embed_url("traffic"))
    page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.size === 1")
    page.wait_for_function("Number(document.querySelector('[data-widget=traffic]').dataset.rendered) > 0")
    assert page.locator(".sv-card").count() == 1
    assert not page.locator("#sv-header").is_visible()
    assert chart_option(page, "traffic")["series"][0]["data"] == [1200, 980, 1450]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "embed-bar-chart.png"))


def test_page_reconnects_when_the_server_restarts(page):
    srv = sv.start(port=0)
    port = srv.port
    cpu = sv.metric("cpu")
    cpu.send(1)
    page.goto(srv.url)
    page.wait_for_function("window.streamviz.connection === 'live'")
    sv.stop()
    page.wait_for_function("window.streamviz.connection === 'reconnecting'")
    assert page.locator("#sv-status-text").inner_text() == "Reconnecting…"
    cpu.send(2)  # data keeps arriving while the server is down
    sv.start(port=port)
    page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 2", timeout=20_000)
    assert page.evaluate("window.streamviz.widgets.get('cpu').data.points.map(p => p[1])") == [1, 2]
