"""docs/DEPLOY.md's setup, run on one machine: Redis, two `streamviz serve --relay` servers with
one shared token, each keeping its history in a PostgreSQL database of its own, and nginx with
docs/deploy/nginx.conf (its ports replaced) in front. Producers push to a server directly and through the proxy; a browser signed
in through the proxy sees both producers' data, live over the WebSocket the proxy upgrades."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ARTIFACTS, card, http_json
from processes import started, stopped
from services import Redis, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None or not Path(NGINX).exists(),
                                reason="needs redis-server and nginx (apt install redis-server nginx-light)")
TOKEN = "deploy-test-token-0123456789abcdef0123"


def nginx_conf(tmp: Path, upstreams: list[int], port: int) -> Path:
    """docs/deploy/nginx.conf with the test's ports, its files under `tmp`."""
    text = (ROOT / "docs/deploy/nginx.conf").read_text()
    text = text.replace("server 127.0.0.1:3001;", f"server 127.0.0.1:{upstreams[0]};")
    text = text.replace("server 127.0.0.1:3002;", f"server 127.0.0.1:{upstreams[1]};")
    assert "listen 8080;" in text
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    text = text.replace("http {", f"pid {tmp}/nginx.pid;\nhttp {{\n    access_log off;\n    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;", 1)
    conf = tmp / "nginx.conf"
    conf.write_text(text)
    return conf


def test_two_servers_behind_nginx_one_dashboard(redis: Redis, postgres, tmp_path, page, monkeypatch):
    monkeypatch.setenv("STREAMVIZ_TOKEN", TOKEN)
    ports = [free_port(), free_port()]
    servers = [started([sys.executable, "-m", "stream_viz", "serve", "--port", str(port), "--auth", "token", "--relay", redis.url,
                        "--relay-name", f"sv{i}", "--persistence", postgres.database(), "--retention", "7d"],
                       None, r"serving (http://127\.0\.0\.1:\d+/)") for i, port in enumerate(ports)]
    proxy_port = free_port()
    (tmp_path / "logs").mkdir()
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(nginx_conf(tmp_path, ports, proxy_port)), "-e", str(tmp_path / "error.log"),
                              "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    proxy = f"http://127.0.0.1:{proxy_port}/"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    try:
        wait_for("nginx answers", lambda: _answers(proxy + "api/v1/health"))
        for _, url in servers:
            wait_for("the relay connects", lambda url=url: http_json(url + "api/v1/stats", headers=bearer)[1]["relay"]["connected"])
        # One producer on the first server directly, one through the proxy.
        status, _ = http_json(servers[0][1] + "api/v1/push", {"widgets": [{"id": "direct", "kind": "metric"}]}, headers=bearer)
        assert status == 200
        status, _ = http_json(proxy + "api/v1/push", {"widgets": [{"id": "proxied", "kind": "gauge", "options": {"max": 100}}],
                                                      "updates": [{"widget": "proxied", "value": 42}]}, headers=bearer)
        assert status == 200
        # The token is good on both servers: the same widgets everywhere.
        for _, url in servers:
            wait_for("both widgets on every server",
                     lambda url=url: {"direct", "proxied"} <= {w["id"] for w in http_json(url + "api/v1/widgets", headers=bearer)[1]["widgets"]})
        page.goto(proxy + f"?token={TOKEN}")
        page.wait_for_function("document.getElementById('sv-status').dataset.state === 'live'")
        assert "token=" not in page.url, "signed in through the proxy, token dropped from the address bar"
        # Live through the proxy's WebSocket: a point pushed to the first server after the page opened.
        now = time.time() * 1000
        status, _ = http_json(servers[0][1] + "api/v1/push", {"updates": [{"widget": "direct", "points": [[now - 1000, 7.5], [now, 12.25]]}]},
                              headers=bearer)
        assert status == 200
        page.wait_for_function("document.querySelector('.sv-card[data-widget=\"direct\"]')?.textContent.includes('12.25')")
        assert "42" in card(page, "proxied").inner_text()
        # A range query reads the server's PostgreSQL history (off the server's async threads).
        status, body = http_json(servers[1][1] + f"api/v1/widgets/direct/range?from=0&to={now + 1}&width=100", headers=bearer)
        assert status == 200 and [p[1] for p in body["points"]] == [7.5, 12.25], body
        page.screenshot(path=str(ARTIFACTS / "deploy-through-nginx.png"))
        # Without the token the proxy passes the refusal on.
        assert http_json(proxy + "api/v1/widgets")[0] == 401
        # Each server stores what it applied in its database: its producer's points and the other's.
        for _, url in servers:
            wait_for("stored", lambda url=url: http_json(url + "api/v1/stats", headers=bearer)[1]["persistence"]["points_stored"] >= 2)
            assert http_json(url + "api/v1/stats", headers=bearer)[1]["persistence"]["path"].startswith("postgresql://streamviz@127.0.0.1:")
    finally:
        nginx.terminate()
        nginx.wait(timeout=30)
        assert nginx.stderr is not None
        nginx.stderr.close()
        for process, _ in servers:
            assert stopped(process) == 0, "".join(process.said)[-3000:]


def _answers(url: str) -> bool:
    try:
        return http_json(url)[0] == 200
    except (OSError, ValueError):  # not up yet, or nginx's own error page
        return False
