"""docs/DEPLOY.md's setup, run on one machine: Redis, two `streamviz serve --relay` servers with
one shared token, each keeping its history in a PostgreSQL database of its own, and nginx with
docs/deploy/nginx.conf in front, the servers started with docs/deploy/compose.yaml's own commands
(the worked setup's host names and ports mapped to local ones). Producers push to a server
directly and through the proxy; a browser signed in through the proxy sees both producers'
data, live over the WebSocket the proxy upgrades. The compose file is checked against the
Compose Specification's schema (tests/data/compose-spec, vendored) and for every host it uses."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import ARTIFACTS, card, http_json
from processes import started, stopped
from services import Redis, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
COMPOSE = ROOT / "docs/deploy/compose.yaml"
needs_services = pytest.mark.skipif(shutil.which("redis-server") is None or not Path(NGINX).exists(),
                                    reason="needs redis-server and nginx (apt install redis-server nginx-light)")
TOKEN = "deploy-test-token-0123456789abcdef0123"
# What the compose file's variables are set to here (the test's PostgreSQL trusts local users).
VARIABLES = {"POSTGRES_PASSWORD": "", "STREAMVIZ_TOKEN": TOKEN}


def interpolate(text: str, variables: dict[str, str]) -> str:
    """Compose's interpolation: `${NAME}`, `${NAME:?message}` and `$$` (a `$` for the container)."""
    text = re.sub(r"\$\{(\w+)(?::\?[^}]*)?\}", lambda m: variables[m.group(1)], text)
    return text.replace("$$", "$")


def aliases(compose: dict) -> dict[str, str]:
    """Each host name the compose file's network knows: its service."""
    return {alias: name for name, service in compose["services"].items()
            for alias in (service.get("networks") or {}).get("default", {}).get("aliases", [])}


def upstreams() -> list[tuple[str, int]]:
    return [(host, int(port)) for host, port in re.findall(r"server ([\w.-]+):(\d+);", (ROOT / "docs/deploy/nginx.conf").read_text())]


def server_commands(compose: dict) -> dict[str, list[str]]:
    """Each StreamViz service's `streamviz serve` arguments as its container runs them: the
    compose variables interpolated, then the container's environment expanded by its shell."""
    commands = {}
    for name, service in compose["services"].items():
        command = service.get("command")
        if not isinstance(command, str) or "streamviz serve" not in command:
            continue
        environment = {key: interpolate(str(value), VARIABLES) for key, value in service["environment"].items()}
        shell = shlex.split(interpolate(command, VARIABLES))
        assert shell[:2] == ["sh", "-c"], shell
        last = shell[2].split("&&")[-1]
        for key, value in environment.items():
            last = last.replace(f"${key}", shlex.quote(value))
        args = shlex.split(last)
        assert args[:3] == ["exec", "streamviz", "serve"], args
        commands[name] = args[2:]
    return commands


def test_the_compose_file_is_valid_and_every_host_it_uses_is_one_of_its_services():
    compose = yaml.safe_load(COMPOSE.read_text())
    schema = json.loads((ROOT / "tests/data/compose-spec/compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)  # raises, saying where, when it is not
    known = aliases(compose)
    commands = server_commands(compose)
    assert len(commands) == 2, commands
    # nginx's upstreams are the two servers, on the ports they listen on.
    assert sorted(known[host] for host, _ in upstreams()) == sorted(commands)
    for host, port in upstreams():
        args = commands[known[host]]
        assert args[args.index("--port") + 1] == str(port)
    # Every host a server's command names is a service on the network (Redis, PostgreSQL).
    for args in commands.values():
        named = re.findall(r"(?:redis|postgresql)://(?:[^@/\s]*@)?([\w.-]+)", " ".join(args))
        assert named and all(host in known for host in named), (named, known)
    assert {commands[name][commands[name].index("--relay-name") + 1] for name in commands} == {"sv1", "sv2"}
    # The files it mounts are in the repository (the wheel's folder is scripts/wheel.sh's output).
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith(".") and "dist" not in source:
                assert (COMPOSE.parent / source).is_file(), source


def nginx_conf(tmp: Path, ports: dict[str, int], port: int) -> Path:
    """docs/deploy/nginx.conf with each upstream host (compose's alias of a server) at the local
    port its server listens on, its files under `tmp`."""
    text = (ROOT / "docs/deploy/nginx.conf").read_text()
    for host, upstream_port in upstreams():
        text = text.replace(f"server {host}:{upstream_port};", f"server 127.0.0.1:{ports[host]};")
    assert "listen 8080;" in text
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    text = text.replace("http {", f"pid {tmp}/nginx.pid;\nhttp {{\n    access_log off;\n    client_body_temp_path {tmp}/body;\n    proxy_temp_path {tmp}/proxy;", 1)
    conf = tmp / "nginx.conf"
    conf.write_text(text)
    return conf


def local(args: list[str], redis: Redis, postgres, port: int) -> list[str]:
    """A compose server's arguments on this machine: its hosts and port mapped to local ones
    (Redis, a database of its own, a free port, 127.0.0.1)."""
    mapped = []
    for arg in args:
        arg = arg.replace("redis://redis.internal:6379", redis.url.rstrip("/"))
        arg = re.sub(r"postgresql://\S*@db\.internal/\w+", lambda _: postgres.database(), arg)
        mapped.append(arg)
    mapped[mapped.index("--port") + 1] = str(port)
    mapped[mapped.index("--host") + 1] = "127.0.0.1"
    return mapped


@needs_services
def test_two_servers_behind_nginx_one_dashboard(redis: Redis, postgres, tmp_path, page, monkeypatch):
    monkeypatch.setenv("STREAMVIZ_TOKEN", TOKEN)
    compose = yaml.safe_load(COMPOSE.read_text())
    ports = {name: free_port() for name in server_commands(compose)}
    servers = [started([sys.executable, "-m", "stream_viz", *local(args, redis, postgres, ports[name])],
                       None, r"serving (http://127\.0\.0\.1:\d+/)") for name, args in server_commands(compose).items()]
    proxy_port = free_port()
    (tmp_path / "logs").mkdir()
    upstream_ports = {host: ports[name] for host, name in aliases(compose).items() if name in ports}
    nginx = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(nginx_conf(tmp_path, upstream_ports, proxy_port)), "-e", str(tmp_path / "error.log"),
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
