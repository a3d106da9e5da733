"""Area charts: `sv.area_chart` (a line chart with `area=True`, stacked or not) filled under each
line in the browser, stacked series drawn on top of each other with the tooltip showing each
one's own value, the legend restacking what is left, the same zoom and exports as a line chart,
and the chart kept by persistence."""

import csv
import io
from pathlib import Path

import stream_viz as sv

from conftest import ARTIFACTS

T0 = 1_800_000_000.0


def rendered(page, widget: str) -> None:
    page.wait_for_function(f"window.streamviz.drawn('{widget}') && window.streamviz.drawn('{widget}').series.every(s => s.data.length > 0)")


def pixel(page, widget: str, t: float, value: float) -> tuple[int, int, int, int]:
    """The colour the chart's canvas has at time `t` (s) and `value`."""
    return tuple(page.evaluate(
        """([id, t, v]) => { const u = window.streamviz.widgets.get(id).plot.u; const r = devicePixelRatio || 1;
          const x = Math.round(u.valToPos(t, 'x', true)), y = Math.round(u.valToPos(v, 'y', true));
          return Array.from(u.ctx.getImageData(x, y, 1, 1).data); }""",
        [widget, t * 1000, value],
    ))


def test_a_stacked_area_chart_draws_each_series_on_top_of_the_ones_before(server, page) -> None:
    chart = sv.area_chart("traffic", title="Traffic", series=[{"name": "web", "color": "#ff0000"}, {"name": "mobile", "color": "#0000ff"}], stacked=True)
    for i in range(20):
        chart.send("web", 10 + i, timestamp=T0 + i)
        # mobile's points fall between web's: its value there is interpolated.
        chart.send("mobile", 5.0, timestamp=T0 + i + 0.5)
    sv.flush()
    page.goto(server.url)
    rendered(page, "traffic")
    drawn = page.evaluate("window.streamviz.drawn('traffic')")
    assert [s["filled"] for s in drawn["series"]] == [True, True]
    xs, (web, mobile) = drawn["stack"]["xs"], drawn["stack"]["tops"]
    for k, x in enumerate(xs):
        t = (x / 1000) - T0
        if x == T0 * 1000 + 5_000:
            assert web[k] == 15 and mobile[k] == 20, "mobile's interpolated 5 on top of web's 15"
        if abs(t - 5.5) < 1e-6:
            assert web[k] == 15.5 and mobile[k] == 20.5, "web interpolated between 15 and 16"
    assert drawn["y"][0] <= 0, "an area's axis starts at 0"
    # Under web's line the canvas is tinted red; between web and mobile, blue.
    red, blue = pixel(page, "traffic", T0 + 10, 12), pixel(page, "traffic", T0 + 10, 22)
    assert red[0] > red[2] + 20 and blue[2] > blue[0] + 20, (red, blue)
    page.locator("[data-widget=traffic]").screenshot(path=str(ARTIFACTS / "area-stacked.png"))

    # The tooltip shows each series' own value, not its stacked top.
    page.evaluate("window.streamviz.showTip('traffic', 0, 10)")
    tip = page.locator("[data-widget=traffic] .sv-tip")
    tip.wait_for()
    assert "web: 20" in tip.inner_text() and "mobile: 5" in tip.inner_text(), tip.inner_text()

    # Hiding web from the legend puts mobile on the axis.
    page.locator("[data-widget=traffic] .sv-legend-item", has_text="web").click()
    page.wait_for_function("Math.max(...window.streamviz.drawn('traffic').stack.tops[1].filter(v => v != null)) === 5")

    # Exports are the points sent, not the stacked tops.
    rows = list(csv.DictReader(io.StringIO(sv.export("traffic", "csv"))))
    assert {float(r["value"]) for r in rows if r["series"] == "mobile"} == {5.0}


def test_an_area_chart_fills_down_to_zero_and_zooms_like_a_line_chart(server, page) -> None:
    chart = sv.area_chart("load", series=["cpu"])
    for i in range(60):
        chart.send("cpu", 50 + (i % 10), timestamp=T0 + i)
    plain = sv.line_chart("plain", series=["cpu"])
    for i in range(60):
        plain.send("cpu", 50 + (i % 10), timestamp=T0 + i)
    sv.flush()
    page.goto(server.url)
    rendered(page, "load")
    rendered(page, "plain")
    area, line = page.evaluate("window.streamviz.drawn('load')"), page.evaluate("window.streamviz.drawn('plain')")
    assert area["series"][0]["filled"] and not line["series"][0]["filled"]
    assert area["stack"] is None and area["y"][0] <= 0 < line["y"][0]
    under = pixel(page, "load", T0 + 30, 10)
    assert under[3] > 0, "tinted under the line, down to the axis"
    # A drag zooms in as on any line chart.
    over = page.locator("[data-widget=load] .u-over")
    box = over.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + 40)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + 40, steps=5)
    page.mouse.up()
    page.wait_for_function("window.streamviz.drawn('load').x !== null")
    span = page.evaluate("window.streamviz.drawn('load').x")
    assert T0 * 1000 < span[0] < span[1] < (T0 + 60) * 1000
    page.locator("[data-widget=load]").screenshot(path=str(ARTIFACTS / "area-zoomed.png"))


def test_an_area_chart_is_kept_by_persistence(tmp_path: Path) -> None:
    db = tmp_path / "area.db"
    sv.configure(persistence=f"sqlite:///{db}")
    chart = sv.area_chart("traffic", series=["web", "mobile"], stacked=True)
    chart.send("web", 1.0, timestamp=T0)
    assert sv.flush()
    sv.stop()
    sv.reset()
    sv.configure(persistence=f"sqlite:///{db}")
    config = sv._core.config_json()
    assert '"area":true' in config.replace(" ", "") and '"stacked":true' in config.replace(" ", ""), config
    assert sv.stats()["persistence"]["widgets_restored"] == 1
