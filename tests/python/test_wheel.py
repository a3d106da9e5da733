"""The wheel `scripts/wheel.sh` builds, installed into a fresh virtualenv with no Rust on the
PATH: abi3 and manylinux-tagged, its console scripts (`streamviz` with every command, and
`streamviz-viewer`) run, the demo streams to a WebSocket client and serves the browser assets,
and `streamviz serve` takes pushes from another process.

test.sh builds the wheel first and names it in $STREAMVIZ_WHEEL; without it, this module builds
one (a release build: minutes)."""

import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from websockets.sync.client import connect

from conftest import http_json
from processes import ended, started, stopped

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel() -> Path:
    given = os.environ.get("STREAMVIZ_WHEEL")
    if given:
        return Path(given)
    built = subprocess.run(["bash", str(ROOT / "scripts" / "wheel.sh")], capture_output=True, text=True, timeout=1800, check=True)
    return Path(built.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> dict[str, str]:
    """The environment of a fresh virtualenv holding only the wheel: its bin first, then the
    system's, and neither cargo nor rustc reachable."""
    venv = tmp_path_factory.mktemp("wheel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "TZ": "UTC", "LANG": "C.UTF-8"}
    assert shutil.which("cargo", path=env["PATH"]) is None and shutil.which("rustc", path=env["PATH"]) is None
    subprocess.run([f"{venv}/bin/python", "-m", "pip", "install", "--quiet", "--no-index", "--disable-pip-version-check", str(wheel)],
                   check=True, timeout=300, env=env)
    return env


def test_the_wheel_is_one_abi3_manylinux_wheel_with_both_console_scripts(wheel):
    # name-version-python-abi-platform.whl (PEP 427): CPython 3.10 and later through the stable ABI.
    _, _, python, abi, platform = wheel.name[: -len(".whl")].split("-")
    assert (python, abi) == ("cp310", "abi3")
    assert re.fullmatch(r"manylinux_2_\d+_x86_64(\.manylinux\w+)*", platform), platform
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = configparser.ConfigParser()
        entry_points.read_string(next(archive.read(n).decode() for n in names if n.endswith(".dist-info/entry_points.txt")))
    assert "stream_viz/_core.abi3.so" in names and "stream_viz/py.typed" in names
    assert dict(entry_points["console_scripts"]) == {"streamviz": "stream_viz.__main__:cli", "streamviz-viewer": "stream_viz.viewer:main"}


def test_the_console_scripts_answer_help_without_rust(installed):
    viewer = subprocess.run(["streamviz-viewer", "--help"], capture_output=True, text=True, timeout=60, env=installed)
    assert viewer.returncode == 0, viewer.stderr
    assert "Usage: streamviz-viewer" in viewer.stdout and "--open" in viewer.stdout
    top = subprocess.run(["streamviz", "--help"], capture_output=True, text=True, timeout=60, env=installed)
    assert top.returncode == 0, top.stderr
    for command in ("serve", "hash-password", "demo", "replay"):
        assert re.search(rf"^\s+{command}\s", top.stdout, re.MULTILINE), (command, top.stdout)
    serve = subprocess.run(["streamviz", "serve", "--help"], capture_output=True, text=True, timeout=60, env=installed)
    assert serve.returncode == 0 and "Usage: streamviz serve" in serve.stdout and "--allowed-host" in serve.stdout
    hashed = subprocess.run(["streamviz", "hash-password"], input="s3cret\n", capture_output=True, text=True, timeout=60, env=installed)
    assert hashed.returncode == 0 and hashed.stdout.startswith("$argon2id$"), hashed.stderr
    bad = subprocess.run(["streamviz", "serve", "--port", "nope"], capture_output=True, text=True, timeout=60, env=installed)
    assert bad.returncode == 2 and "--port" in bad.stderr


def read_until(socket, predicate, limit=10_000) -> dict:
    for _ in range(limit):
        message = json.loads(socket.recv(timeout=30))
        if predicate(message):
            return message
    raise AssertionError("no such message")


def test_the_installed_demo_streams_and_serves_the_dashboard(installed):
    # It stops by itself (--duration), as `streamviz serve` below stops on Ctrl+C.
    demo, url = started(["streamviz", "demo", "--port", "0", "--duration", "15"], installed, r"StreamViz demo: (http://127\.0\.0\.1:\d+/)")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode()
        assert "<title>" in page
        scripts = re.findall(r'src="/?([^"]+\.js)"', page)
        assert scripts, page
        with urllib.request.urlopen(url + scripts[0].lstrip("/"), timeout=30) as response:
            assert response.headers["Content-Type"].startswith("text/javascript") and len(response.read()) > 100
        with connect(url.replace("http://", "ws://") + "ws") as socket:
            config = read_until(socket, lambda m: m["type"] == "config")
            data = read_until(socket, lambda m: m["type"] == "data" and any(u.get("points") for u in m["updates"]))
        declared = {w["id"] for w in config["widgets"]}
        assert {"cpu", "latency", "events"} <= declared
        assert {u["widget"] for u in data["updates"]} <= declared
    finally:
        assert ended(demo) == 0


def test_the_installed_serve_command_takes_pushes_from_another_process(installed):
    server, url = started(["streamviz", "serve", "--port", "0"], installed, r"serving (http://127\.0\.0\.1:\d+/)")
    try:
        with connect(url.replace("http://", "ws://") + "ws") as socket:
            read_until(socket, lambda m: m["type"] == "config")
            status, body = http_json(url + "api/v1/push", {
                "widgets": [{"id": "temp", "kind": "gauge"}],
                "updates": [{"widget": "temp", "points": [[1_700_000_000_000, 61.5]]}],
            })
            assert (status, body) == (200, {"declared": 1, "applied": 1})
            data = read_until(socket, lambda m: m["type"] == "data")
        assert data["updates"][0] == {"widget": "temp", "points": [[1_700_000_000_000, 61.5]]}
    finally:
        assert stopped(server) == 0
