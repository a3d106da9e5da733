"""The three attacks of issue 14 against a real server: a page on another site (here another
port, so another origin) in real Chromium trying to push and to stream through the user's
browser, and a request naming another host (DNS rebinding). None gets in; the dashboard's own
page and clients that are not browsers still work."""

import contextlib
import http.server
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import stream_viz as sv

ATTACK = """<!doctype html><title>elsewhere</title>
<iframe name="sink" id="sink"></iframe>
<form id="form" method="POST" action="%(target)sapi/v1/push" enctype="text/plain" target="sink">
<input name='{"updates": [{"widget": "cpu", "value": 667, "x": "' value='"}]}'></form>
<script>
window.result = {pushed: null, messages: 0, socket: "open?", form: null};
const target = "%(target)s";
document.getElementById("sink").onload = () => { if (window.result.form === "submitted") window.result.form = "answered"; };
window.result.form = "submitted";
document.getElementById("form").submit();
fetch(target + "api/v1/push", {method: "POST", mode: "no-cors", credentials: "include", headers: {"Content-Type": "text/plain"},
  body: JSON.stringify({widgets: [{id: "injected", kind: "metric"}], updates: [{widget: "cpu", value: 666}]})})
  .then(() => { window.result.pushed = "sent"; }, () => { window.result.pushed = "failed"; });
const socket = new WebSocket(target.replace("http", "ws") + "ws");
socket.onmessage = () => { window.result.messages++; };
socket.onopen = () => { window.result.socket = "opened"; };
socket.onclose = () => { if (window.result.socket !== "opened") window.result.socket = "refused"; };
</script>"""


@contextlib.contextmanager
def serve_elsewhere(html: str) -> Iterator[http.server.ThreadingHTTPServer]:
    """A site on another port (another origin) serving `html` (`RequestHandlerClass.html` may
    be changed later), for the `with` block."""

    class Page(http.server.BaseHTTPRequestHandler):
        html = ""

        def do_GET(self) -> None:
            body = type(self).html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    Page.html = html
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=site.serve_forever, name="elsewhere", daemon=True).start()
    try:
        yield site
    finally:
        site.shutdown()
        site.server_close()


# What the attacking page sees when the server refuses it all: the no-cors request was sent (its
# answer is opaque to the page), the WebSocket never opened, the form's answer came.
REFUSED = {"pushed": "sent", "messages": 0, "socket": "refused", "form": "answered"}


def attack_from(page, site: http.server.ThreadingHTTPServer) -> dict:
    """Open the attacking page of `site` in `page`; what it saw once every attempt ended."""
    page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
    page.wait_for_function("window.result.pushed !== null && window.result.socket !== 'open?' && window.result.form === 'answered'")
    result: dict = page.evaluate("window.result")
    return result


def assert_untouched() -> None:
    """The dashboard still holds its one widget, `cpu`, with its one point, 1.0."""
    assert sv.flush()
    assert [w["id"] for w in json.loads(sv._core.config_json())["widgets"]] == ["cpu"]
    assert [p[1] for p in json.loads(sv.export("cpu", "json"))["data"]["points"]] == [1.0]


def test_a_page_on_another_site_can_neither_push_nor_stream(server, browser) -> None:
    cpu = sv.metric("cpu")
    cpu.send(1.0)
    assert sv.flush()
    page = browser.new_page()
    with serve_elsewhere(ATTACK % {"target": server.url}) as site:
        result = attack_from(page, site)
    page.close()
    assert result == REFUSED, result
    assert_untouched()


def test_the_dashboard_s_own_page_streams_and_a_forged_host_is_refused(server, page) -> None:
    cpu = sv.metric("cpu")
    cpu.send(42.0)
    page.goto(server.url)
    page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 1")
    port = server.url.rsplit(":", 1)[1].strip("/")
    forged = urllib.request.Request(server.url + "api/v1/widgets", headers={"Host": f"evil.example:{port}"})
    try:
        urllib.request.urlopen(forged, timeout=10)
        raise AssertionError("a forged Host must be refused")
    except urllib.error.HTTPError as err:
        with err:
            assert err.code == 403
            assert "is not this machine" in json.loads(err.read())["error"]


def test_allowed_hosts_are_answered() -> None:
    server = sv.start(port=0, allowed_hosts=["dash.internal"])
    port = server.url.rsplit(":", 1)[1].strip("/")
    request = urllib.request.Request(server.url + "api/v1/health", headers={"Host": f"dash.internal:{port}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    try:
        sv.start(port=0, allowed_hosts="dash.internal")  # a str, not a list
        raise AssertionError("allowed_hosts must be a list of names")
    except sv.ValidationError as err:
        assert "allowed_hosts" in str(err)
