"""The embed library: a page on another origin includes `/embed.js` and shows several widgets
of a server with authentication on, by `<streamviz-widget>` and `StreamViz.embed`, each with its
widget's embed token; the embeds share one WebSocket, which carries those widgets and no
other; live points reach them; a page on an origin the server does not list is not let in."""

import functools
import json
import http.server
import re
import threading
import time
from urllib.parse import parse_qs, urlparse

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

import stream_viz as sv
from conftest import ARTIFACTS, http_json

PAGE = """<!doctype html>
<html><head><title>Ops wiki</title><link rel="icon" href="data:,"><script src="{server}embed.js"></script></head>
<body>
  <h1>Our service</h1>
  <streamviz-widget server="{server}" widget="cpu" token="{cpu}" theme="light" height="300"></streamviz-widget>
  <streamviz-widget server="{server}" widget="mem" token="{mem}"></streamviz-widget>
  <div id="more"></div>
  <script>StreamViz.embed(document.getElementById("more"), {{server: "{server}", widget: "temp", token: "{temp}", height: 260}});</script>
</body></html>
"""


@pytest.fixture
def site(tmp_path):
    """A static web server on another origin (`localhost`, another port) serving `tmp_path`."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="other-site", daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def token_of(embed_url: str) -> str:
    return parse_qs(urlparse(embed_url).query)["embed"][0]


def frame_of(page, widget: str):
    return next(f for f in page.frames if f"/embed/{widget}?" in f.url)


def viewers(server, admin: str) -> int:
    status, body = http_json(server.base_url + "api/v1/stats", headers={"Authorization": f"Bearer {admin}"})
    assert status == 200, body
    return body["clients_connected"]


def test_a_page_elsewhere_shows_several_widgets_over_one_websocket(site, tmp_path, browser):
    server = sv.start(port=0, auth="token", cors=[site])
    admin = parse_qs(urlparse(server.url).query)["token"][0]
    cpu, mem, temp = sv.metric("cpu", title="CPU"), sv.gauge("mem", title="Memory"), sv.stat("temp", title="Temperature")
    sv.table("secret", title="Secret").send({"id": 1, "password": "hunter2"})
    for i in range(10):
        cpu.send(40.0 + i, timestamp=1_700_000_000 + i)
    mem.send(61.0)
    temp.send(21.5)
    assert sv.flush()
    tokens = {w: token_of(server.embed_url(w)) for w in ("cpu", "mem", "temp")}
    (tmp_path / "page.html").write_text(PAGE.format(server=server.base_url, **tokens))

    page = browser.new_page(viewport={"width": 1000, "height": 1200})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        page.goto(f"{site}/page.html")
        for widget in ("cpu", "mem", "temp"):
            frame = frame_of(page, widget)
            frame.wait_for_function(f"window.streamviz?.connection === 'live' && window.streamviz.widgets.get({widget!r})?.data.points.length > 0")
            assert frame.evaluate("[...window.streamviz.widgets.keys()]") == [widget]
            frame.wait_for_function("Number(document.querySelector('.sv-card')?.dataset.rendered) > 0")
        assert frame_of(page, "cpu").evaluate("document.documentElement.dataset.theme") == "light"
        # One socket for the three: the embeds joined one after another, each opening it again
        # with every token; the server drops the ones left behind.
        deadline = time.monotonic() + 15
        while viewers(server, admin) != 1:
            assert time.monotonic() < deadline, f"{viewers(server, admin)} viewers"
            time.sleep(0.05)
        # A live point arrives through it.
        cpu.send(99.0, timestamp=1_700_000_100)
        assert sv.flush()
        frame_of(page, "cpu").wait_for_function("window.streamviz.widgets.get('cpu').data.points.at(-1)[1] === 99")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "embed-library.png"), full_page=True)
    finally:
        page.close()
    assert errors == [], errors


def test_one_socket_of_several_embed_tokens_carries_their_widgets_and_no_other():
    server = sv.start(port=0, auth="token")
    for widget in ("cpu", "mem", "secret"):
        sv.metric(widget).send(1.0, timestamp=1_700_000_000)
    assert sv.flush()
    cpu, mem = token_of(server.embed_url("cpu")), token_of(server.embed_url("mem"))
    ws = server.base_url.replace("http://", "ws://") + "ws"
    with connect(f"{ws}?embed={cpu}&embed={mem}") as socket:
        seen = []
        while not seen or seen[-1]["type"] != "stats":
            seen.append(json.loads(socket.recv(timeout=10)))
    config = next(m for m in seen if m["type"] == "config")
    assert [w["id"] for w in config["widgets"]] == ["cpu", "mem"]
    assert sorted(m["widget"] for m in seen if m["type"] == "history") == ["cpu", "mem"]
    assert "secret" not in str(seen)
    with pytest.raises(InvalidStatus) as refused:
        with connect(f"{ws}?embed={cpu}&embed=not-a-token"):
            pass
    assert refused.value.response.status_code in (401, 403) and b"embed token" in refused.value.response.body


def test_a_page_on_an_origin_not_listed_is_not_let_in(site, tmp_path, browser):
    server = sv.start(port=0, auth="token", cors=["https://wiki.example.com"])
    sv.metric("cpu").send(1.0, timestamp=1_700_000_000)
    assert sv.flush()
    (tmp_path / "page.html").write_text(PAGE.format(server=server.base_url, cpu=token_of(server.embed_url("cpu")), mem="", temp=""))
    page = browser.new_page()
    try:
        page.goto(f"{site}/page.html")
        page.wait_for_function("customElements.get('streamviz-widget') !== undefined")
        page.wait_for_load_state("load")
        frames = [f for f in page.frames if f is not page.main_frame]
        assert frames
        # The element asked for the embed page; the browser refused to frame it on this site.
        sources = page.evaluate("[...document.querySelectorAll('streamviz-widget')].map((e) => e.shadowRoot.querySelector('iframe').getAttribute('src'))")
        assert sources and all(f"{server.base_url}embed/" in src for src in sources), sources
        assert all(f.url.startswith("chrome-error://") for f in frames), [f.url for f in frames]
        for frame in frames:
            assert not re.search(r"/embed/", frame.url) or frame.evaluate("typeof window.streamviz") == "undefined"
    finally:
        page.close()
