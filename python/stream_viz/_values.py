"""Values the public API takes in more than one form, turned into what the engine reads."""

from __future__ import annotations

import os
from datetime import timedelta

from .errors import StreamVizTypeError, ValidationError


def _duration_text(name: str, value: object, *, zero: bool = False) -> str:
    """A duration for the engine: text as given, or seconds / a timedelta as whole milliseconds."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not (value >= 0 if zero else value > 0) or value != value or value == float("inf"):
            raise ValidationError(f"{name} is a positive duration, not {value!r}")
        return f"{round(value * 1000)}ms"
    if isinstance(value, str):
        return value
    raise StreamVizTypeError(f"{name} is a duration such as '24h', seconds or a timedelta, not {type(value).__name__}")


def _read_image(slot: str, path: object) -> bytes:
    if not isinstance(path, (str, os.PathLike)):
        raise StreamVizTypeError(f"{slot} is a file path, not {type(path).__name__}")
    try:
        with open(path, "rb") as file:
            data = file.read(512 * 1024 + 1)
    except OSError as err:
        raise ValidationError(f"{slot}: cannot read {os.fspath(path)!r}: {err.strerror}") from None
    return data


def _database_path(persistence: object) -> str:
    if isinstance(persistence, os.PathLike):
        return str(os.fspath(persistence))
    if not isinstance(persistence, str):
        raise StreamVizTypeError(f"persistence is a 'sqlite:///path', 'postgresql://' or 'redis://' URL or a path, not {type(persistence).__name__}")
    if persistence.startswith("sqlite:///"):
        path = persistence[len("sqlite:///") :]
        if not path:
            raise ValidationError("persistence 'sqlite:///' names no file; e.g. 'sqlite:///metrics.db'")
        return path
    if persistence.startswith(("postgresql://", "postgres://")):
        return persistence  # a PostgreSQL database (its tables are created when missing)
    if persistence.startswith("redis://"):
        return persistence  # a Redis (keys streamviz:*), which several servers may share
    if "://" in persistence:
        shown = persistence.split("@")[-1]  # never a password
        raise ValidationError(f"persistence {shown!r}: 'sqlite:///path', a path, 'postgresql://user@host/db' or 'redis://host'")
    return persistence


def _relay_url(relay: object) -> str | None:
    if relay is None:
        return None
    if not isinstance(relay, str):
        raise StreamVizTypeError(f"relay is a 'redis://host:port' URL, not {type(relay).__name__}")
    if not relay.startswith("redis://"):
        raise ValidationError(f"relay {relay.split('@')[-1]!r}: only 'redis://host[:port][/db]' is supported")
    return relay
