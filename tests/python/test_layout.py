"""Layout: pages with their own URLs and a nav, the sidebar, columns, tabs and expanders, size
hints, and clear errors for wrong nesting. The structure is checked in the config the server
sends and in a real browser (Playwright + headless Chromium)."""

import json

import pytest
from conftest import ARTIFACTS

import stream_viz as sv


def layout() -> dict:
    return json.loads(sv._core.config_json())["layout"]


def build_dashboard() -> None:
    sv.configure(title="Plant")
    with sv.sidebar():
        sv.text("site", "Site: Lyon", style="caption")
    home = sv.metric("home_cpu", title="Home CPU", height=300)
    home.send(42)
    with sv.page("Operations"):
        with sv.tabs(["Live", "Logs"]):
            with sv.tab("Live"):
                with sv.columns([2, 1]):
                    with sv.column():
                        sv.line_chart("latency", series=["api"]).send("api", 12.5)
                    with sv.column():
                        sv.stat("orders", title="Orders").send(1234)
            with sv.tab("Logs"):
                with sv.expander("Recent errors"):
                    sv.table("errors").send({"msg": "disk full"}, key="e1")
        sv.gauge("pressure", min=0, max=10, width=2).send(7)
    assert sv.flush()


def test_the_config_carries_the_nested_layout() -> None:
    build_dashboard()
    tree = layout()
    assert [p["name"] for p in tree["pages"]] == [None, "Operations"]
    assert [p["slug"] for p in tree["pages"]] == ["", "operations"]
    assert tree["sidebar"] == [{"type": "widget", "id": "site"}]
    home, ops = tree["pages"]
    assert home["children"] == [{"type": "widget", "id": "home_cpu"}]
    tabs, gauge = ops["children"]
    assert gauge == {"type": "widget", "id": "pressure"}
    assert [t["name"] for t in tabs["children"]] == ["Live", "Logs"]
    columns = tabs["children"][0]["children"][0]
    assert columns["weights"] == [2.0, 1.0]
    assert [c["children"] for c in columns["children"]] == [
        [{"type": "widget", "id": "latency"}],
        [{"type": "widget", "id": "orders"}],
    ]
    expander = tabs["children"][1]["children"][0]
    assert (expander["type"], expander["title"], expander["expanded"]) == ("expander", "Recent errors", False)
    assert expander["children"] == [{"type": "widget", "id": "errors"}]


def test_wrong_nesting_raises_a_clear_error_and_changes_nothing() -> None:
    with pytest.raises(sv.ValidationError, match=r"goes directly inside `with sv.columns\(n\):`"):
        sv.column()
    with pytest.raises(sv.ValidationError, match=r"goes directly inside `with sv.tabs"):
        sv.tab("A")
    with sv.tabs(["A"]):
        with pytest.raises(sv.ValidationError, match=r"put it inside one of its tab\(\) blocks"):
            sv.metric("loose")
    with sv.columns(2):
        with sv.column():
            with pytest.raises(sv.ValidationError, match="only used at the top level"):
                sv.sidebar()
            with pytest.raises(sv.ValidationError, match="only used at the top level"):
                sv.page("Nested")
        with sv.column():
            pass
        with pytest.raises(sv.ValidationError, match="all are in use"):
            sv.column()
    with sv.tabs(["A", "B"]):
        with pytest.raises(sv.ValidationError, match="not one of"):
            sv.tab("C")
    with pytest.raises(sv.ValidationError, match="1 to 12 columns"):
        sv.columns(0)
    with pytest.raises(sv.ValidationError, match="positive numbers"):
        sv.columns([1, -2])
    with pytest.raises(sv.ValidationError, match="repeat"):
        sv.tabs(["A", "A"])
    with pytest.raises(sv.StreamVizTypeError):
        sv.tabs("AB")  # type: ignore[arg-type]
    with pytest.raises(sv.ValidationError, match="width is a span of 1 to 4"):
        sv.metric("wide", width=7)
    with pytest.raises(sv.ValidationError, match="height is 80 to 2000"):
        sv.metric("tall", height=5)
    assert [w["id"] for w in json.loads(sv._core.config_json())["widgets"]] == []
    # Only the valid containers exist, and after the errors the nesting is back at the top level.
    sv.metric("top")
    children = layout()["pages"][0]["children"]
    assert [(c["type"], c["id"]) for c in children] == [("tabs", "tabs0"), ("columns", "columns0"), ("tabs", "tabs1"), ("widget", "top")]


def test_pages_sidebar_columns_tabs_and_expanders_in_the_browser(server, page) -> None:
    build_dashboard()
    page.goto(server.url)
    page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.size === 6")

    # The first page: its widget, the sidebar, a nav with both pages.
    nav = page.locator("#sv-nav a")
    assert nav.all_inner_texts() == ["Plant", "Operations"]
    assert page.locator("#sv-nav a[aria-current=page]").inner_text() == "Plant"
    assert page.locator("#sv-sidebar .sv-card[data-widget=site] .sv-text").inner_text() == "Site: Lyon"
    assert page.locator("#sv-grid .sv-card").evaluate_all("cards => cards.map(c => c.dataset.widget)") == ["home_cpu"]
    page.wait_for_function("document.querySelector('[data-widget=home_cpu] .sv-value').dataset.value === '42'")
    assert page.locator("[data-widget=home_cpu] .sv-chart").evaluate("e => e.getBoundingClientRect().height") == 300
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "layout-home.png"), full_page=True)

    # The other page, through the nav: its own URL, tabs, columns by weight.
    nav.nth(1).click()
    page.wait_for_url("**/page/operations")
    assert page.locator("#sv-nav a[aria-current=page]").inner_text() == "Operations"
    assert page.locator("#sv-grid [data-widget=home_cpu]").count() == 0
    page.wait_for_function("document.querySelector('[data-widget=orders] .sv-stat-number')?.textContent === '1,234'")
    left = page.locator("[data-widget=latency]").bounding_box()
    right = page.locator("[data-widget=orders]").bounding_box()
    assert left and right and left["x"] < right["x"] and abs(left["y"] - right["y"]) < 1
    assert 1.8 < left["width"] / right["width"] < 2.2, (left, right)
    assert page.locator("[data-widget=latency]").evaluate("c => window.streamviz.drawn('latency').series[0].data[0][1]") == 12.5
    assert page.locator("[data-widget=pressure]").evaluate("c => getComputedStyle(c).gridColumnStart") == "span 2"
    assert not page.locator("[data-widget=errors]").is_visible(), "the Logs tab is not open"
    page.screenshot(path=str(ARTIFACTS / "layout-operations-live.png"), full_page=True)

    # Tabs switch; the expander starts closed and opens on click.
    page.locator(".sv-tab", has_text="Logs").click()
    assert page.locator(".sv-tab[aria-selected=true]").inner_text() == "Logs"
    assert not page.locator("[data-widget=latency]").is_visible()
    assert not page.locator("[data-widget=errors]").is_visible(), "closed expander"
    page.locator(".sv-expander > summary", has_text="Recent errors").click()
    page.wait_for_function("document.querySelector('[data-widget=errors] tbody tr')?.textContent === 'disk full'")
    assert page.locator("[data-widget=errors]").is_visible()
    page.screenshot(path=str(ARTIFACTS / "layout-operations-logs.png"), full_page=True)

    # A page's URL opens that page directly; back returns to the first page.
    page.go_back()
    page.wait_for_function("document.documentElement.dataset.page === ''")
    page.goto(server.url + "page/operations")
    page.wait_for_function("document.documentElement.dataset.page === 'operations' && window.streamviz.widgets.size === 6")
    assert page.locator("#sv-grid [data-widget=pressure]").count() == 1


def column_contents(row: dict) -> list[list[str]]:
    return [[child["id"] for child in column["children"]] for column in row["children"]]


def test_widgets_directly_inside_columns_take_one_column_each_in_turn() -> None:
    # The vision's form: each widget declared directly inside takes the next column.
    with sv.columns(3):
        for name in ("a", "b", "c", "d"):
            sv.stat(name)
    # Streamlit's form: the row's columns, filled in any order.
    left, right = sv.columns([2, 1])
    with right:
        sv.stat("r")
    with left:
        sv.stat("l")
    # The column() form keeps working, and a container directly inside a row takes a column too.
    with sv.columns(2):
        with sv.column():
            sv.stat("x")
        with sv.column():
            sv.stat("y")
    with sv.columns(2):
        sv.stat("first")
        with sv.expander("More"):
            sv.stat("inside")
    assert sv.flush()
    rows = [c for c in layout()["pages"][0]["children"] if c["type"] == "columns"]
    assert column_contents(rows[0]) == [["a", "d"], ["b"], ["c"]], "round robin after the last"
    assert rows[1]["weights"] == [2.0, 1.0] and column_contents(rows[1]) == [["l"], ["r"]]
    assert column_contents(rows[2]) == [["x"], ["y"]]
    second = rows[3]["children"][1]["children"]
    assert column_contents(rows[3])[0] == ["first"] and second[0]["type"] == "expander"
    assert [w["id"] for w in second[0]["children"]] == ["inside"]
    with pytest.raises(sv.ValidationError, match="directly inside"):
        sv.column()
    assert len(sv.columns(4)) == 4


def test_columns_in_the_vision_s_form_lay_out_side_by_side_in_the_browser(server, page) -> None:
    with sv.columns(3):
        for name, value in (("a", 1), ("b", 2), ("c", 3)):
            sv.stat(name).send(value)
    assert sv.flush()
    page.goto(server.url)
    page.wait_for_function("[...window.streamviz.widgets.values()].length === 3 && [...window.streamviz.widgets.values()].every(w => Number(w.card.dataset.rendered) > 0)")
    boxes = [page.locator(f"[data-widget={name}]").bounding_box() for name in ("a", "b", "c")]
    assert all(boxes)
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"] and len({round(b["y"]) for b in boxes}) == 1, boxes
    page.screenshot(path=str(ARTIFACTS / "layout-columns-round-robin.png"))


@pytest.mark.parametrize("size", [(300, 200), (480, 270), (800, 450)])
def test_an_embed_fills_its_iframe_at_any_size(server, page, size) -> None:
    width, height = size
    cpu = sv.metric("cpu", title="CPU")
    for i in range(30):
        cpu.send(float(i % 7))
    sv.gauge("temp", min=0, max=100).send(62)
    sv.stat("orders", sparkline=True).send(1234)
    log = sv.table("log")
    for i in range(40):
        log.send({"n": i, "msg": f"line {i}"})
    sv.flush()
    frames = "".join(
        f'<iframe id="{w}" src="{server.url}embed/{w}" width="{width}" height="{height}" style="border:0;display:block"></iframe>'
        for w in ("cpu", "temp", "orders", "log")
    )
    page.set_viewport_size({"width": max(900, width + 40), "height": 4 * height + 100})
    page.set_content(f"<body style='margin:0'>{frames}</body>")
    for w in ("cpu", "temp", "orders", "log"):
        frame = page.frame_locator(f"#{w}")
        card = frame.locator(f"[data-widget={w}]")
        card.wait_for()
        box = card.bounding_box()
        assert box and box["width"] >= width - 1 and box["height"] >= height - 1, (w, box)
        body = card.locator(".sv-chart, .sv-table-wrap").first.bounding_box()
        assert body and body["width"] >= width - 40, (w, body)
        assert body["y"] + body["height"] <= box["y"] + height + 1, (w, "inside the frame", body, box)
    page.screenshot(path=str(ARTIFACTS / f"embed-{width}x{height}.png"))


def test_a_narrow_window_uses_its_whole_width(server, page) -> None:
    sv.metric("cpu").send(1)
    sv.line_chart("lat", series=["a"]).send("a", 2)
    sv.stat("orders").send(3)
    sv.flush()
    page.set_viewport_size({"width": 700, "height": 900})
    page.goto(server.url)
    page.wait_for_function("[...window.streamviz.widgets.values()].every(w => Number(w.card.dataset.rendered) > 0)")
    widths = page.evaluate("[...document.querySelectorAll('.sv-card')].map(c => c.getBoundingClientRect().width)")
    assert all(w >= 700 - 60 for w in widths), widths
    page.screenshot(path=str(ARTIFACTS / "dashboard-700px.png"), full_page=True)
