"""Shared fixtures: no implicit server in tests; each test gets a fresh dashboard and, when it
asks for one, a server on a free port."""

import json
import os
import urllib.request

os.environ["STREAMVIZ_AUTOSTART"] = "0"

import pytest  # noqa: E402

import stream_viz as sv  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_dashboard():
    sv.stop()
    sv.reset()
    yield
    sv.stop()
    sv.reset()


@pytest.fixture
def server():
    srv = sv.start(port=0)
    yield srv
    sv.stop()


def http_json(url: str, body: object | None = None) -> tuple[int, dict]:
    """GET (or POST `body` as JSON) and return the status and the decoded JSON."""
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    request = urllib.request.Request(url, data=data, method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
