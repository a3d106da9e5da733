"""Authentication as people meet it, in real Chromium against a real server: the token URL that
signs a browser in and leaves the address bar clean, the sign-in page for users, roles held on
the API, an embed URL that shows one widget in another site's page and stops when revoked, the
refusal to serve the network without authentication, and secrets kept out of logs, the
database and the stats."""

from __future__ import annotations

import base64
import json
import os
import pathlib
import subprocess
import sys
import textwrap
import urllib.request

import pytest
import trustme

import stream_viz as sv
from stream_viz._serving import UNSET
from conftest import ARTIFACTS, card, http_json
from test_access import ATTACK, REFUSED, assert_untouched, attack_from, serve_elsewhere

PASSWORD = "wonderland-rabbit-hole"
PRODUCER_KEY = "ingest-key-0123456789abcdef"


def sign_in(page, secret: str, user: str | None = None) -> None:
    """Fill in the sign-in page and wait for the dashboard it leads to to go live."""
    if user is not None:
        page.fill("#sv-username", user)
    page.fill("#sv-password", secret)
    page.click("#sv-sign-in")
    page.wait_for_function("window.streamviz && window.streamviz.connection === 'live'")


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_the_token_url_signs_the_browser_in_and_the_address_bar_keeps_no_token(browser) -> None:
    server = sv.start(port=0, auth="token")
    assert server.token and server.url == f"{server.base_url}?token={server.token}"
    sv.metric("cpu", title="CPU").send(42.0)
    assert sv.flush()
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url)
        assert page.url == server.base_url, "redirected to the clean URL"
        page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 1")
        assert "42" in card(page, "cpu").inner_text()
        shot(page, "auth_token_signed_in")
        cookies = context.cookies()
        assert len(cookies) == 1, cookies
        assert cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Strict"
        assert server.token not in cookies[0]["value"]
        # The server restarts (sessions live in memory): the page goes to the sign-in page,
        # which brings it back where it was.
        port = server.port
        sv.stop()
        server = sv.start(port=port, auth="token")
        page.wait_for_url(f"{server.base_url}login?next=%2F")
        sign_in(page, server.token)
        assert page.url == server.base_url
    finally:
        context.close()
    # Another browser without the token gets the sign-in page; the token typed in opens it.
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(server.base_url)
        assert response is not None and response.status == 401
        assert page.locator("#sv-username").is_hidden(), "token mode asks for the token only"
        shot(page, "auth_sign_in_page")
        page.fill("#sv-password", "not the token at all")
        page.click("#sv-sign-in")
        page.wait_for_selector(".sv-login-error")
        assert "Wrong" in page.inner_text(".sv-login-error")
        sign_in(page, server.token)
        assert page.url == server.base_url
    finally:
        context.close()
    # Programs use the token as a bearer token; without it the API says to sign in.
    assert http_json(server.base_url + "api/v1/widgets")[0] == 401
    status, body = http_json(server.base_url + "api/v1/widgets", headers={"Authorization": f"Bearer {server.token}"})
    assert status == 200 and [w["id"] for w in body["widgets"]] == ["cpu"]


def test_users_sign_in_on_the_login_page_and_their_role_holds(browser) -> None:
    server = sv.start(
        port=0,
        auth={
            "type": "basic",
            "users": {"alice": {"password": PASSWORD, "role": "viewer"}},
            "api_keys": {"ingest": {"key": PRODUCER_KEY, "role": "producer"}},
        },
    )
    assert server.token is None and server.url == server.base_url
    sv.metric("cpu").send(1.0)
    assert sv.flush()
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(server.url + "page/anything?theme=light")
        page.fill("#sv-username", "alice")
        page.fill("#sv-password", "wrong")
        page.click("#sv-sign-in")
        page.wait_for_selector(".sv-login-error")
        sign_in(page, PASSWORD, user="alice")
        assert page.url == server.url + "page/anything?theme=light", "back where she was going"
        # A viewer reads, and may not push, even from the dashboard's own page.
        status = page.evaluate(
            """() => fetch('/api/v1/push', {method: 'POST', headers: {'Content-Type': 'application/json'},
                 body: JSON.stringify({updates: [{widget: 'cpu', value: 2}]})}).then(r => r.status)"""
        )
        assert status == 403
        whoami = page.evaluate("() => fetch('/api/v1/auth/whoami').then(r => r.json())")
        assert whoami == {"auth": True, "name": "alice", "role": "viewer"}
    finally:
        context.close()
    # The producer key pushes; HTTP Basic works for scripts too.
    push = {"updates": [{"widget": "cpu", "value": 3.0}]}
    assert http_json(server.url + "api/v1/push", push, {"Authorization": f"Bearer {PRODUCER_KEY}"})[0] == 200
    basic = base64.b64encode(f"alice:{PASSWORD}".encode()).decode()
    assert http_json(server.url + "api/v1/push", push, {"Authorization": f"Basic {basic}"})[0] == 403
    status, body = http_json(server.url + "api/v1/stats", headers={"Authorization": f"Basic {basic}"})
    assert status == 200
    assert sv.flush()
    assert [p[1] for p in json.loads(sv.export("cpu", "json"))["data"]["points"]] == [1.0, 3.0]


EMBEDDING = """<!doctype html><title>wiki</title><h1>Our wiki</h1>
<iframe id="embed" src="%(src)s" width="480" height="270"></iframe>"""


def test_an_embed_url_shows_one_widget_in_another_site_s_page_until_revoked(browser) -> None:
    server = sv.start(port=0, auth="token")
    sv.metric("cpu", title="CPU").send(7.0)
    sv.table("secret_table", key="k").send({"k": "a", "salary": 123})
    assert sv.flush()
    embed = server.embed_url("cpu")
    assert server.token not in embed
    page = browser.new_page()
    with serve_elsewhere(EMBEDDING % {"src": embed}) as site:
        page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
        frame = page.frame_locator("#embed")
        frame.locator('.sv-card[data-widget="cpu"]').wait_for()
        inner = page.frames[1]
        inner.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 1")
        assert inner.evaluate("[...window.streamviz.widgets.keys()]") == ["cpu"]
        assert "secret_table" not in json.dumps(inner.evaluate("window.streamviz.config"))
        shot(page, "auth_embed_in_another_site")
        # The embed token reads its own widget, not another, and cannot push.
        own = inner.evaluate("() => fetch('/api/v1/widgets/cpu/data' + location.search).then(r => r.status)")
        other = inner.evaluate("() => fetch('/api/v1/widgets/secret_table/data' + location.search).then(r => r.status)")
        assert (own, other) == (200, 403)
        # Rotating the secret revokes it: the open frame is cut off and says it has no access.
        server.rotate_embed_secret()
        inner.wait_for_function("window.streamviz.connection === 'signed-out'")
        assert inner.text_content("#sv-status-text") == "No access"
        status = inner.evaluate("() => fetch('/api/v1/widgets/cpu/data' + location.search).then(r => r.status)")
        assert status == 401
    page.close()
    assert http_json(server.base_url + "api/v1/widgets/cpu/range?from=0&to=1e13&width=10&" + embed.split("?", 1)[1])[0] == 401


def test_the_network_is_served_only_with_authentication_unless_said_otherwise() -> None:
    with pytest.raises(sv.ServerError, match="allow_anonymous"):
        sv.start(host="0.0.0.0", port=0, auth=None)
    server = sv.start(host="0.0.0.0", port=0)
    assert server.token is not None, "a token by default off loopback"
    sv.stop()
    server = sv.start(host="0.0.0.0", port=0, auth=None, allow_anonymous=True)
    assert server.token is None
    sv.stop()
    for bad, message in [
        ("password", "auth is 'token'"),
        ({"type": "basic", "users": {"a": {"password": "x", "role": "root"}}}, "role \"root\""),
        ({"type": "basic"}, "names nobody"),
    ]:
        with pytest.raises(sv.ValidationError, match=message):
            sv.start(port=0, auth=bad)
    with pytest.raises(sv.ValidationError, match="every origin"):
        sv.start(port=0, cors=["*"])
    assert sv._core.server_url() is None, "nothing started"


SECRET_SCRIPT = textwrap.dedent(
    """
    import base64, json, sys, urllib.request, urllib.error
    import stream_viz as sv
    password, key, db = sys.argv[1], sys.argv[2], sys.argv[3]
    sv.configure(persistence=db, autostart=False)
    server = sv.start(port=0, auth={"type": "basic", "users": {"ops": {"password": password, "role": "admin"}},
                                    "api_keys": {"ci": {"key": key, "role": "producer"}}})
    sv.metric("cpu").send(1.0)
    sv.flush()
    def call(path, headers):
        try:
            with urllib.request.urlopen(urllib.request.Request(server.url + path, headers=headers)) as r:
                return r.read().decode()
        except urllib.error.HTTPError as err:
            return err.read().decode()
    for user, pw in [("ops", password), ("ops", password + "x"), ("nobody", password)]:
        call("api/v1/widgets", {"Authorization": "Basic " + base64.b64encode(f"{user}:{pw}".encode()).decode()})
    call("api/v1/widgets", {"Authorization": "Bearer " + key + "x"})
    print(call("api/v1/stats", {"Authorization": "Bearer " + key}))
    sv.stop()
    """
)


def test_passwords_keys_and_hashes_stay_out_of_logs_the_database_and_stats(tmp_path) -> None:
    password, key, db = "a-password-to-keep-0001", "a-key-to-keep-0123456789", tmp_path / "m.db"
    env = {**os.environ, "STREAMVIZ_LOG": "trace", "STREAMVIZ_AUTOSTART": "0"}
    done = subprocess.run([sys.executable, "-c", SECRET_SCRIPT, password, key, str(db)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout.strip().splitlines()[-1])
    assert "clients_connected" in stats, stats
    everything = done.stdout + done.stderr + db.read_bytes().decode("latin-1")
    for secret in (password, key, "$argon2"):
        assert secret not in everything, secret
    assert "TRACE" in done.stderr or "DEBUG" in done.stderr, "the log was on, and said things"


VIEWER = str(pathlib.Path(sys.executable).with_name("streamviz-viewer"))


@pytest.fixture
def certificate(tmp_path):
    """A certificate for 127.0.0.1 and localhost from a CA made here: (cert, key, ca) paths."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1", "localhost")
    cert, key, ca_file = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    issued.private_key_pem.write_to_path(str(key))
    cert.write_bytes(b"".join(blob.bytes() for blob in issued.cert_chain_pems))
    ca.cert_pem.write_to_path(str(ca_file))
    return cert, key, ca_file


def test_under_tls_the_browser_and_the_native_viewer_sign_in_with_the_token(browser, certificate) -> None:
    cert, key, ca_file = certificate
    server = sv.start(port=0, auth="token", tls=(cert, key))
    assert server.url.startswith("https://127.0.0.1:") and server.token
    sv.metric("cpu", title="CPU").send(5.0)
    assert sv.flush()
    # Chromium does not know the test's CA: told to go on anyway, as a user would click through.
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        page.goto(server.url)
        assert page.url == server.base_url
        page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 1")
        (cookie,) = context.cookies()
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        shot(page, "auth_tls_signed_in")
    finally:
        context.close()
    # The native viewer, trusting the CA, with the token from its environment: it is let in
    # and gets as far as its window (there is no display here).
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    for token, says in [(server.token, "cannot open a window"), ("wrong-token-0123456789", "not valid")]:
        done = subprocess.run([VIEWER, server.base_url, "--ca-file", str(ca_file)], env={**env, "STREAMVIZ_TOKEN": token}, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and says in done.stderr, done.stderr
    # Without the CA it does not trust the server.
    done = subprocess.run([VIEWER, server.base_url, "--connect-timeout", "5"], env={**env, "STREAMVIZ_TOKEN": server.token}, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "certificate" in done.stderr.lower(), done.stderr


def test_under_tls_users_sign_in_on_the_login_page(browser, certificate) -> None:
    cert, key, _ = certificate
    server = sv.start(port=0, tls=(cert, key), auth={"type": "basic", "users": {"alice": {"password": PASSWORD, "role": "admin"}}})
    sv.metric("cpu").send(1.0)
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    try:
        page.goto(server.url)
        sign_in(page, PASSWORD, user="alice")
        assert page.url == server.url
        (cookie,) = context.cookies()
        assert cookie["secure"]
    finally:
        context.close()


CALLER = """<!doctype html><title>wiki</title><script>
window.result = null;
fetch("%(target)sapi/v1/widgets", {headers: {"Authorization": "Bearer %(key)s"}})
  .then((r) => r.json()).then((b) => { window.result = b.widgets.map((w) => w.id); },
                               (e) => { window.result = "blocked: " + e; });
</script>"""


def test_cors_lets_the_listed_site_call_the_api_with_a_key_and_no_other(browser) -> None:
    page = browser.new_page()
    with serve_elsewhere("") as listed, serve_elsewhere("") as other:  # only their origins matter; pages are set below
        listed_origin = f"http://127.0.0.1:{listed.server_address[1]}"
        key = "wiki-viewer-key-0123456789"
        server = sv.start(port=0, auth={"api_keys": {"wiki": {"key": key, "role": "viewer"}}}, cors=[listed_origin])
        sv.metric("cpu").send(1.0)
        assert sv.flush()
        for site, expected in [(listed, ["cpu"]), (other, "blocked")]:
            site.RequestHandlerClass.html = CALLER % {"target": server.url, "key": key}
            page.goto(f"http://127.0.0.1:{site.server_address[1]}/")
            page.wait_for_function("window.result !== null")
            result = page.evaluate("window.result")
            if expected == "blocked":
                assert str(result).startswith("blocked"), result
            else:
                assert result == expected, result
    page.close()
    # Its pages may frame the dashboard; the header says so.
    with urllib.request.urlopen(urllib.request.Request(server.url + "embed/cpu", headers={"Authorization": f"Bearer {key}"}), timeout=10) as response:
        assert response.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {listed_origin}"


def test_a_signed_in_browser_visiting_another_site_lends_it_nothing(browser) -> None:
    server = sv.start(port=0, auth="token")
    sv.metric("cpu").send(1.0)
    assert sv.flush()
    context = browser.new_context()
    page = context.new_page()
    page.goto(server.url)  # signed in: the session cookie is in this browser
    page.wait_for_function("window.streamviz.connection === 'live'")
    assert len(context.cookies()) == 1
    with serve_elsewhere(ATTACK % {"target": server.base_url}) as site:
        result = attack_from(page, site)
    context.close()
    assert result == REFUSED, result
    assert_untouched()


def test_configure_sets_who_may_use_the_server_it_starts() -> None:
    sv.configure(auth={"type": "token", "token": "configured-token-0123456789"})
    try:
        server = sv.start(port=0)
        assert server.token == "configured-token-0123456789"
        assert http_json(server.base_url + "api/v1/widgets")[0] == 401
        sv.stop()
        # start() given other access options replaces what configure() set, for that server.
        server = sv.start(port=0, auth=None)
        assert server.token is None
        assert http_json(server.base_url + "api/v1/widgets")[0] == 200
    finally:
        sv.stop()
        sv._settings["auth"] = UNSET  # as if never configured, for the tests after this one
