"""Values the public API takes in more than one form, turned into what the engine reads."""

from __future__ import annotations

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
