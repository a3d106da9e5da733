"""Big histories stay smooth: a series of a million points reaches the browser decimated (M4)
to about a screen's width, is drawn decimated again to the chart's own width, and zooming in fetches the full detail of the span from
`/api/v1/widgets/{id}/range`. The range endpoint is checked on its own too."""


import numpy as np
from conftest import ARTIFACTS, http_json

import stream_viz as sv

T0 = 1_800_000_000.0  # epoch seconds


def fill(n: int) -> None:
    big = sv.metric("big", max_points=n)
    values = np.sin(np.arange(n) / 5000.0) * 100 + np.arange(n) % 7
    for i, v in enumerate(values):
        big.send(float(v), timestamp=T0 + i / 1000.0)  # one point per millisecond
    assert sv.flush(60)


def test_a_million_points_load_decimated_and_zoom_to_full_detail(server, page) -> None:
    n = 1_000_000
    fill(n)
    page.goto(server.url)
    page.wait_for_function("(() => { const w = window.streamviz.widgets.get('big'); return w && w.decimated && w.chart && Number(w.card.dataset.rendered) > 0; })()", timeout=60_000)
    history = page.evaluate("window.streamviz.widgets.get('big').data.points.length")
    assert 1000 < history <= 16_000, history
    # The decimated line spans the whole series and keeps its extremes.
    first, last = page.evaluate("(() => { const p = window.streamviz.widgets.get('big').data.points; return [p[0], p[p.length - 1]]; })()")
    assert first[0] == T0 * 1000 and last[0] == T0 * 1000 + n - 1

    # Zoom to one second: the chart shows every raw point of it, fetched at full detail.
    start = T0 * 1000 + 500_000
    page.evaluate(f"window.streamviz.zoomTo('big', {start}, {start + 1000})")
    page.wait_for_function("(() => { const d = window.streamviz.widgets.get('big').detail; return d && d.key !== null; })()")
    page.wait_for_function("window.streamviz.drawn('big')?.series[0].data.length === 1001")
    drawn = page.evaluate("window.streamviz.drawn('big').series[0].data")
    expected = np.sin(np.arange(500_000, 501_001) / 5000.0) * 100 + np.arange(500_000, 501_001) % 7
    assert [p[0] for p in drawn] == [start + i for i in range(1001)]
    assert np.allclose([p[1] for p in drawn], expected)
    page.screenshot(path=str(ARTIFACTS / "bigdata-zoomed.png"), full_page=True)
    # Reset: the whole history again, drawn at the chart's resolution (at most four points a
    # pixel column) from its first to its last point, its extremes kept.
    page.evaluate("window.streamviz.zoomTo('big', null)")
    page.wait_for_function("window.streamviz.drawn('big')?.x === null")
    shown, held, width = page.evaluate(
        "(() => { const w = window.streamviz.widgets.get('big'); return [window.streamviz.drawn('big').series[0].data, w.data.points, w.chartEl.clientWidth]; })()"
    )
    assert len(shown) <= 4 * width < len(held)
    assert shown[0] == held[0] and shown[-1] == held[-1]
    assert min(p[1] for p in shown) == min(p[1] for p in held) and max(p[1] for p in shown) == max(p[1] for p in held)


def test_the_range_endpoint_decimates_to_the_width_and_refuses_bad_queries(server) -> None:
    n = 100_000
    fill(n)
    base = server.url.rstrip("/") + "/api/v1/widgets"
    frm, to = T0 * 1000, T0 * 1000 + n
    status, body = http_json(f"{base}/big/range?from={frm}&to={to}&width=500")
    assert status == 200 and body["decimated"] and body["points_in_range"] == n
    assert len(body["points"]) <= 4 * 500
    values = np.sin(np.arange(n) / 5000.0) * 100 + np.arange(n) % 7
    assert min(p[1] for p in body["points"]) == values.min()
    assert max(p[1] for p in body["points"]) == values.max()
    status, body = http_json(f"{base}/big/range?from={frm}&to={frm + 99}&width=500")
    assert status == 200 and not body["decimated"] and len(body["points"]) == 100

    sv.table("events")
    sv.line_chart("lat", series=["api"]).send("api", 1.0, timestamp=T0)
    assert sv.flush()
    refused = [
        ("big/range?to=1&width=5", 400, "from is required"),
        ("big/range?from=x&to=1&width=5", 400, "not a number"),
        ("big/range?from=5&to=1&width=5", 400, "after from"),
        ("big/range?from=1&to=5&width=0", 400, "width"),
        ("big/range?from=1&to=5&width=1e9", 400, "width"),
        ("nope/range?from=1&to=5&width=5", 404, "unknown widget"),
        ("events/range?from=1&to=5&width=5", 400, "not a time series"),
        ("lat/range?from=1&to=5&width=5", 400, "series=<name>"),
        ("lat/range?from=1&to=5&width=5&series=db", 404, "no series"),
    ]
    for path, code, reason in refused:
        status, body = http_json(f"{base}/{path}")
        assert (status, reason in body["error"]) == (code, True), (path, body)
    status, body = http_json(f"{base}/lat/range?from={T0 * 1000}&to={T0 * 1000 + 1}&width=5&series=api")
    assert status == 200 and body["points"] == [[T0 * 1000, 1.0]]
    status, _ = http_json(server.url.rstrip("/") + "/api/v1/health")
    assert status == 200, "the server stays up"
