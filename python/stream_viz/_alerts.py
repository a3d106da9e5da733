"""Alert rules on time-series widgets: :func:`alert` declares one (or, from a metric's
thresholds, two), :func:`alerts` reads every rule's state. The engine evaluates the rules on
every point it accepts, by the points' timestamps; nothing here polls. Callbacks (``on_fire``,
``on_resolve``) run on a thread of their own, fed by the engine: a slow or failing callback
never slows or breaks the code that sends values, and its exceptions are logged.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable, Literal

from . import _core
from ._values import _duration_text
from .errors import StreamVizTypeError, ValidationError

__all__ = ["Alert", "AlertEvent", "alert", "alerts"]

_log = logging.getLogger("stream_viz.alerts")
_ACTIVE = {"firing", "recovering", "no_data"}

Duration = str | float | timedelta


@dataclass(frozen=True)
class AlertEvent:
    """A rule's move from one state to another, as a callback receives it.

    ``state`` and ``previous`` are ``"normal"``, ``"pending"``, ``"firing"``, ``"recovering"``
    or ``"no_data"``; ``time`` is the point's timestamp (epoch seconds; the wall clock for no
    data); ``value`` is ``None`` for no data.
    """

    rule: str
    widget: str
    series: str | None
    severity: str
    state: str
    previous: str
    value: float | None
    time: float
    message: str

    @property
    def firing(self) -> bool:
        """Whether the rule fires now (firing, recovering or without data)."""
        return self.state in _ACTIVE


@dataclass(frozen=True)
class Alert:
    """A declared rule: its ``name`` (its identity) and the ``widget`` it watches."""

    name: str
    widget: str

    @property
    def state(self) -> str:
        """The rule's state now (``"normal"``, ``"pending"``, ``"firing"``, ...)."""
        for status in alerts()["states"]:
            if status["rule"] == self.name:
                return str(status["state"])
        raise ValidationError(f"alert {self.name!r} no longer exists")

    def remove(self) -> bool:
        """Remove the rule; whether it was there."""
        with _lock:
            _callbacks.pop(self.name, None)
        return _core.remove_alert(self.name)


Callback = Callable[[AlertEvent], Any]

_lock = threading.Lock()
_callbacks: dict[str, tuple[Callback | None, Callback | None]] = {}
_feed: _core.AlertFeed | None = None


def _widget_id(widget: object) -> str:
    if isinstance(widget, str):
        return widget
    widget_id = getattr(widget, "id", None)
    if isinstance(widget_id, str):
        return widget_id
    raise StreamVizTypeError(f"widget is a widget or its id, not {type(widget).__name__}")


def _number(name: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise StreamVizTypeError(f"{name} is a number, not {type(value).__name__}")
    return float(value)


def alert(
    widget: Any,
    *,
    above: float | None = None,
    below: float | None = None,
    outside: tuple[float, float] | None = None,
    for_: Duration | None = None,
    recover_below: float | None = None,
    recover_above: float | None = None,
    keep_firing_for: Duration | None = None,
    severity: Literal["critical", "warning", "info"] = "warning",
    message: str | None = None,
    no_data: Duration | None = None,
    webhook: str | None = None,
    on_fire: Callback | None = None,
    on_resolve: Callback | None = None,
    series: str | None = None,
    name: str | None = None,
    thresholds: bool = False,
) -> Alert | list[Alert]:
    """Declare an alert rule on a metric, stat, gauge or line-chart series.

    ::

        sv.alert("cpu", above=90, for_="30s", recover_below=85, keep_firing_for="1m",
                 severity="critical", message="CPU {value:.0f}% on {widget}")

    The rule is Normal until a value meets its condition, Pending while the condition has held
    for less than ``for_`` (by the points' timestamps), then Firing. Once Firing, only the
    recovery condition ends it (``recover_below`` after ``above``, ``recover_above`` after
    ``below``; by default the condition no longer holding), then it is Recovering for
    ``keep_firing_for`` and Normal after. ``no_data`` fires when the widget gets no point for
    that long. A windowed metric's rule watches its windows' results.

    Parameters
    ----------
    widget : widget or str
        The widget watched (or its id); for a line chart, with ``series``.
    above, below : float, optional
        Fire while values are above (below) this. One of ``above``, ``below``, ``outside``.
    outside : (low, high), optional
        Fire while values are outside this band.
    for_ : str, seconds or timedelta, optional
        How long the condition must hold before the rule fires. Default: at once.
    recover_below, recover_above : float, optional
        Once firing, only values below (above) this end it, so a value hovering at the line
        does not flap. Default: the threshold itself.
    keep_firing_for : str, seconds or timedelta, optional
        How long a recovered rule keeps firing. Default: 0.
    severity : {"critical", "warning", "info"}
        The colour viewers show and the ``severity`` label of notifications. Default: warning.
    message : str, optional
        What notifications say; ``{value}``, ``{value:.1f}``, ``{widget}``, ``{series}``,
        ``{rule}``, ``{severity}``, ``{threshold}`` and ``{state}`` are filled in.
    no_data : str, seconds or timedelta, optional
        Fire when the widget gets no point for this long.
    webhook : str, optional
        Also send this rule's notifications to this URL (besides ``configure(alert_webhook=)``),
        as Prometheus Alertmanager's webhook does (JSON, ``status`` firing/resolved).
    on_fire, on_resolve : callable, optional
        Called with an :class:`AlertEvent` when the rule fires and when it resolves, on
        StreamViz's callback thread; exceptions are logged.
    series : str, optional
        The series of a line chart.
    name : str, optional
        The rule's name, its identity: declaring a name again replaces that rule. Default:
        from the widget and the condition, e.g. ``"cpu above 90"``.
    thresholds : bool
        ``True``: one rule per level of the metric's ``thresholds`` (``warning`` and
        ``critical``, each ``above`` its level with that severity); returns the list.

    Raises
    ------
    ValidationError
        Unknown widget, a widget that cannot carry it, two conditions, a recovery threshold on
        the wrong side, a bad duration or message; nothing changes then.
    """
    widget_id = _widget_id(widget)
    for label, callback in (("on_fire", on_fire), ("on_resolve", on_resolve)):
        if callback is not None and not callable(callback):
            raise StreamVizTypeError(f"{label} is a function, not {type(callback).__name__}")
    rule: dict[str, Any] = {
        "widget": widget_id,
        "series": series,
        "below": _number("below", below),
        "recover_below": _number("recover_below", recover_below),
        "recover_above": _number("recover_above", recover_above),
        "for": None if for_ is None else _duration_text("for_", for_, zero=True),
        "keep_firing_for": None if keep_firing_for is None else _duration_text("keep_firing_for", keep_firing_for, zero=True),
        "no_data": None if no_data is None else _duration_text("no_data", no_data),
        "severity": severity,
        "message": message,
        "webhook": webhook,
        "name": name,
    }
    if outside is not None:
        if not isinstance(outside, (tuple, list)) or len(outside) != 2:
            raise StreamVizTypeError("outside is a (low, high) pair")
        rule["outside"] = [_number("outside", outside[0]), _number("outside", outside[1])]
    if not thresholds:
        rule["above"] = _number("above", above)
        return _declare(rule, on_fire, on_resolve)
    if above is not None or below is not None or outside is not None or severity != "warning" or name is not None:
        raise ValidationError("thresholds=True makes the rules from the metric's levels: give no above, below, outside, severity or name")
    levels = _levels(widget_id)
    rules = []
    for level in ("warning", "critical"):
        if levels.get(level) is not None:
            rules.append(dict(rule, above=levels[level], severity=level, name=f"{widget_id} {level}"))
    # The levels were checked with the metric; what could refuse one rule refuses the first.
    return [_declare(r, on_fire, on_resolve) for r in rules]


def _levels(widget_id: str) -> dict[str, float]:
    config = json.loads(_core.config_json())
    for spec in config["widgets"]:
        if spec["id"] == widget_id:
            levels = spec.get("options", {}).get("thresholds") if spec["kind"] == "metric" else None
            if not levels or not isinstance(levels, dict):
                raise ValidationError(f"{widget_id!r} has no warning or critical thresholds to alert on")
            return levels
    raise ValidationError(f"unknown widget {widget_id!r}")


def _declare(rule: dict[str, Any], on_fire: Callback | None, on_resolve: Callback | None) -> Alert:
    if on_fire is not None or on_resolve is not None:
        _start_callbacks()
    body = json.dumps({k: v for k, v in rule.items() if v is not None})
    with _lock:
        name = _core.declare_alert(body)
        if on_fire is not None or on_resolve is not None:
            _callbacks[name] = (on_fire, on_resolve)
        else:
            _callbacks.pop(name, None)
    return Alert(name=name, widget=rule["widget"])


def reset() -> None:
    """Forget the callbacks and the global webhook (the rules went with the dashboard)."""
    with _lock:
        _callbacks.clear()
    _core.set_alert_webhook(None)


def alerts() -> dict[str, Any]:
    """Every rule (``rules``), its state (``states``), the recent transitions
    (``transitions``, oldest first) and how many rules fire now (``firing``), as
    ``GET /api/v1/alerts`` answers."""
    result: dict[str, Any] = json.loads(_core.alerts_json())
    return result


def _start_callbacks() -> None:
    """The callback thread, started with the first callback (its feed first, so that no
    transition of the rule about to be declared is missed)."""
    global _feed
    with _lock:
        if _feed is not None:
            return
        _feed = _core.AlertFeed()
        feed = _feed
    threading.Thread(target=_run_callbacks, args=(feed,), name="streamviz-alert-callbacks", daemon=True).start()


def _run_callbacks(feed: _core.AlertFeed) -> None:
    while True:
        taken = feed.take(0.5)
        if taken is None:
            continue
        for item in json.loads(taken):
            previous, state = item["from"], item["to"]  # the feed gives fired and resolved only
            with _lock:
                on_fire, on_resolve = _callbacks.get(item["rule"], (None, None))
            callback = on_fire if state in _ACTIVE else on_resolve
            if callback is None:
                continue
            event = AlertEvent(
                rule=item["rule"], widget=item["widget"], series=item.get("series"), severity=item["severity"],
                state=state, previous=previous, value=item["value"], time=item["ts_ms"] / 1000.0,
                message=item["message"],
            )
            try:
                callback(event)
            except Exception:  # a callback's failure is the callback's: logged, never raised
                _log.exception("alert %r: the %s callback raised", item["rule"], "on_fire" if state in _ACTIVE else "on_resolve")
