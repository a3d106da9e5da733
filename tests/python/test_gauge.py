"""The gauge reads cleanly at every size: its labels are never under the needle (the needle ends
short of them, wherever it points) nor under the value, and every label and the value are
inside the chart; read off what ECharts drew (its display list), at the dashboard's size and in
small embeds."""

import pytest

import stream_viz as sv

from conftest import ARTIFACTS

# Every text and the needle ECharts drew for the gauge: boxes in the chart's pixels.
DRAWN = """(id) => {
  const w = window.streamviz.widgets.get(id);
  const chart = w.chart;
  const els = chart.getZr().storage.getDisplayList();
  const box = (el) => { const r = el.getBoundingRect().clone(); const m = el.getComputedTransform(); if (m) r.applyTransform(m); return [r.x, r.y, r.width, r.height]; };
  const texts = els.filter((el) => el.type === 'tspan' && el.style.text !== undefined && el.style.text !== '').map((el) => ({ text: String(el.style.text), box: box(el) }));
  const model = chart.getModel().getSeriesByIndex(0);
  const center = model.get('center');
  const pointer = model.get('pointer.length');
  return { texts, center, pointer, size: [w.chartEl.clientWidth, w.chartEl.clientHeight] };
}"""


def overlaps(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def nearest(box, point) -> float:
    """Distance from `point` to the nearest point of `box`."""
    dx = max(box[0] - point[0], 0, point[0] - (box[0] + box[2]))
    dy = max(box[1] - point[1], 0, point[1] - (box[1] + box[3]))
    return (dx * dx + dy * dy) ** 0.5


def check(drawn, unit: str) -> None:
    value = [t for t in drawn["texts"] if t["text"].endswith(unit)]
    labels = [t for t in drawn["texts"] if not t["text"].endswith(unit)]
    assert len(value) == 1 and len(labels) >= 3, drawn
    width, height = drawn["size"]
    for t in drawn["texts"]:
        x, y, w, h = t["box"]
        assert x >= -1 and y >= -1 and x + w <= width + 1 and y + h <= height + 1, ("inside the chart", t, drawn["size"])
    for label in labels:
        assert not overlaps(label["box"], value[0]["box"]), ("label under the value", label, value)
        assert nearest(label["box"], drawn["center"]) > drawn["pointer"], ("the needle reaches a label", label, drawn)


@pytest.mark.parametrize("value", [0, 37, 100])
def test_the_gauges_labels_are_clear_of_the_needle_and_the_value_on_the_dashboard(server, page, value) -> None:
    sv.gauge("temp", title="Temperature", unit="°C", min=0, max=100,
             thresholds=[(50, "#22c55e"), (70, "#eab308"), (100, "#ef4444")]).send(value)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.widgets.get('temp') && Number(window.streamviz.widgets.get('temp').card.dataset.rendered) > 0")
    drawn = page.evaluate(DRAWN, "temp")
    check(drawn, "°C")
    assert len([t for t in drawn["texts"] if not t["text"].endswith("°C")]) == 11, "0, 10, … 100 at the default size"
    page.locator("[data-widget=temp]").screenshot(path=str(ARTIFACTS / f"gauge-{value}.png"))


@pytest.mark.parametrize("size", [(300, 200), (360, 260), (220, 160)])
def test_the_gauge_reads_cleanly_in_small_embeds(server, page, size) -> None:
    sv.gauge("temp", unit="%", min=0, max=1000).send(640)
    sv.flush()
    width, height = size
    page.set_content(f'<iframe id="f" src="{server.url}embed/temp" width="{width}" height="{height}" style="border:0"></iframe>')
    frame = page.frame_locator("#f")
    frame.locator("[data-widget=temp]").wait_for()
    inner = page.frame(url=f"{server.url}embed/temp")
    inner.wait_for_function("Number(window.streamviz.widgets.get('temp').card.dataset.rendered) > 0")
    drawn = inner.evaluate(DRAWN, "temp")
    check(drawn, "%")
    page.screenshot(path=str(ARTIFACTS / f"gauge-embed-{width}x{height}.png"), clip={"x": 0, "y": 0, "width": width, "height": height})
