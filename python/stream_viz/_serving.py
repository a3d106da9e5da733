"""The running server as Python sees it (:class:`Server`), who may use it (``auth``, ``cors``,
``allow_anonymous``: checked here, enforced by the Rust server, docs/SECURITY.md), and the
native window a script opens on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import parse_qs, urlsplit

from . import _core
from .errors import ServerError, StreamVizTypeError, ValidationError


class _Unset:
    """An option not given (``None`` means something for ``auth``)."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = _Unset()


def auth_json(auth: Any) -> str | None:
    """``auth`` as the JSON text ``_core.start_server`` takes: ``None`` when not given (the
    default: none on a loopback address, a token elsewhere), ``"null"`` for none."""
    if auth is UNSET:
        return None
    if auth is None:
        return "null"
    if isinstance(auth, str):
        if auth != "token":
            raise ValidationError(f"auth is 'token', a dict such as {{'type': 'basic', 'users': {{...}}}} or None, not {auth!r}")
        return json.dumps(auth)
    if not isinstance(auth, Mapping):
        raise StreamVizTypeError(f"auth is 'token', a dict or None, not {type(auth).__name__}")
    try:
        return json.dumps(auth)
    except (TypeError, ValueError) as err:
        raise ValidationError(f"auth holds something that is not text, numbers, lists or dicts ({err})") from None


def cors_json(cors: Any) -> str | None:
    """``cors`` as JSON text: ``True`` (pages served from this machine), ``False``/``None``
    (the dashboard's own origin only) or a list of origins; never every origin."""
    if cors is UNSET or cors is None or cors is False:
        return None
    if cors is True:
        return "true"
    if isinstance(cors, str) or not isinstance(cors, Sequence) or not all(isinstance(o, str) for o in cors):
        raise ValidationError(f"cors is True, False or a list of origins such as ['https://wiki.example.com'], not {cors!r}")
    if "*" in cors:
        raise ValidationError("cors never lets in every origin ('*'); list the origins whose pages may embed or call the dashboard")
    return json.dumps(list(cors))


def tls_files(tls: Any) -> tuple[str, str] | None:
    """``tls`` as the (certificate, key) paths ``_core.start_server`` takes."""
    if tls is None:
        return None
    if isinstance(tls, (str, bytes)) or not isinstance(tls, Sequence) or len(tls) != 2 or not all(isinstance(p, (str, os.PathLike)) for p in tls):
        raise ValidationError(f"tls is (certificate file, key file), not {tls!r}")
    return (os.fspath(tls[0]), os.fspath(tls[1]))


class Server:
    """A running web server, as returned by :func:`start`.

    Attributes
    ----------
    url : str
        The dashboard URL to open: ``"http://127.0.0.1:3000/"``, or with authentication by
        token ``"http://127.0.0.1:3000/?token=..."`` (the first visit trades the token for a
        session cookie and drops it from the address bar).
    base_url : str
        The dashboard's address without the token.
    token : str or None
        The access token, when the server has one (send it as ``Authorization: Bearer ...``).
    host : str
        The bound address.
    port : int
        The bound port (the real one when ``port=0`` was asked for).
    window : subprocess.Popen or None
        The native viewer process opened by ``start(mode="window" | "both")``, if any.
    """

    def __init__(self, url: str, implicit: bool, stop: Callable[[], None], ca_file: str | None = None) -> None:
        self.url = url
        # The certificate a viewer opened by this script trusts (a self-signed one, say).
        self._ca_file = ca_file
        parts = urlsplit(url)
        self.base_url = f"{parts.scheme}://{parts.netloc}/"
        self.token: str | None = parse_qs(parts.query).get("token", [None])[0]
        self.window: subprocess.Popen[bytes] | None = None
        self.host = parts.hostname or ""
        self.port = parts.port or 0
        self._implicit = implicit
        self._stop = stop
        # The access options it was started with (start() restarts an implicit server for others).
        self._access: Any = None

    def embed_url(self, widget_id: str, expires_in: float | timedelta | None = None) -> str:
        """The URL of one widget alone, read-only, for embedding in another page (an
        ``<iframe>``). It carries a token that opens that widget and nothing else, even when
        the dashboard needs a sign-in; it stops working after ``expires_in`` (seconds or a
        timedelta; default: never) or when :meth:`rotate_embed_secret` is called."""
        if isinstance(expires_in, timedelta):
            expires_in = expires_in.total_seconds()
        if expires_in is None:
            expires = 0
        elif isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool) and 0 < expires_in < 1e10:
            expires = int(time.time() + expires_in) + 1
        else:
            raise ValidationError(f"expires_in is a positive number of seconds or a timedelta, not {expires_in!r}")
        return _core.embed_url(widget_id, expires)

    def rotate_embed_secret(self) -> None:
        """Revoke every embed URL given out so far (new ones work)."""
        _core.rotate_embed_secret()

    def stop(self) -> None:
        """Stop serving (the same as :func:`stop`)."""
        self._stop()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<stream_viz.Server {self.base_url}>"


def open_window(server: Server) -> subprocess.Popen[bytes]:
    """Start ``streamviz-viewer URL`` in a session of its own (Ctrl-C in the terminal and the
    script's end leave it open), the token in its environment rather than on its command line
    (which other users of the machine can read); its errors go to this process's stderr."""
    local = server.base_url.replace("://0.0.0.0:", "://127.0.0.1:")
    command = [sys.executable, "-m", "stream_viz.viewer", local]
    env = dict(os.environ)
    if server.token is not None:
        env["STREAMVIZ_TOKEN"] = server.token
    if server._ca_file is not None and "STREAMVIZ_CA_FILE" not in env:
        env["STREAMVIZ_CA_FILE"] = server._ca_file
    try:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True, env=env)
    except OSError as err:
        raise ServerError(f"cannot start the native viewer ({' '.join(command)}): {err}") from err
