"""Shared fixtures: no implicit server in tests; each test gets a fresh dashboard and, when it
asks for one, a server on a free port."""

import json
import os
import pathlib
from pathlib import Path
import urllib.request

os.environ["STREAMVIZ_AUTOSTART"] = "0"

import pytest  # noqa: E402

from playwright.sync_api import sync_playwright  # noqa: E402

import stream_viz as sv  # noqa: E402

ARTIFACTS = pathlib.Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def fresh_dashboard():
    sv.stop()
    sv.reset()
    yield
    sv.stop()
    sv.reset()


@pytest.fixture
def redis(tmp_path):
    """A redis-server of the test's own (services.Redis), killed at the end."""
    from services import Redis

    server = Redis(tmp_path)
    yield server
    server.kill()


@pytest.fixture
def postgres():
    """A PostgreSQL of the test's own (services.Postgres), stopped at the end."""
    import shutil
    import tempfile

    from services import Postgres

    # Not under tmp_path: pytest's folders are the test user's alone, and PostgreSQL runs as
    # its own user when the tests run as root.
    directory = Path(tempfile.mkdtemp(prefix="streamviz-pg-"))
    server = Postgres(directory)
    yield server
    server.stop("immediate")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def server():
    srv = sv.start(port=0)
    yield srv
    sv.stop()


def http_json(url: str, body: object | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """GET (or POST `body` as JSON, `application/json`) with `headers`, and return the status
    and the decoded JSON."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {**(headers or {}), **({} if data is None else {"Content-Type": "application/json"})}
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def rss_bytes() -> int:
    """This process's resident memory."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def card(page, widget_id):
    """The card of a widget on the page (a Playwright locator)."""
    return page.locator(f'.sv-card[data-widget="{widget_id}"]')


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    errors = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield page
    page.close()
    # Chromium logs refused connections while a test has the server down on purpose.
    unexpected = [e for e in errors if "net::ERR_CONNECTION_REFUSED" not in e]
    assert unexpected == [], unexpected


def stored_points(conn) -> list[tuple[str, float, float]]:
    """Every point a database holds as (widget, ts_ms, value), read as its schema documents them:
    chunks (a codec byte; 0: the timestamps then the values as little-endian doubles; 1: those
    bytes as byte planes, LZ4-compressed as one block) and version-1 rows."""
    import lz4.block
    import numpy as np

    points = []
    for widget, n, data in conn.execute("SELECT widget, n, data FROM chunks JOIN series USING (sid) ORDER BY chunks.rowid"):
        if data[0] == 0:
            raw = np.frombuffer(data[1:], dtype="<f8")
        else:
            assert data[0] == 1, f"unknown codec {data[0]}"
            planes = np.frombuffer(lz4.block.decompress(data[1:], uncompressed_size=16 * n), dtype=np.uint8)
            # Byte b of double i of a column is at plane b, position i.
            raw = planes.reshape(2, 8, n).transpose(0, 2, 1).copy().view("<f8").reshape(2 * n)
        assert len(raw) == 2 * n, "a chunk holds n timestamps and n values"
        points.extend((widget, float(ts), float(value)) for ts, value in zip(raw[:n], raw[n:]))
    for widget, ts, value in conn.execute("SELECT widget, ts_ms, value FROM points JOIN series USING (sid) ORDER BY points.rowid"):
        points.append((widget, ts, float("nan") if value is None else value))
    return points
