"""Live Pathway tables on the dashboard: ``sv.table(pw_table)``, ``sv.stat(pw_table, "col")``,
``sv.gauge``, ``sv.metric`` and ``sv.chart`` subscribe to a table with ``pw.io.subscribe`` and
stay live while ``pw.run()`` runs (in the main thread or another one).

How changes arrive
    Pathway delivers a table's changes grouped by time: an update of a row is a retraction of
    the old row and an insertion of the new one. StreamViz collects each time's changes and
    applies them when the time ends, together (``Table.apply`` / ``LineChart.replace``), so no
    viewer sees half of a time. Tables and charts coalesce: times that end within
    ``COALESCE_S`` of the last delivery are merged (each row's last state wins) and delivered
    at most every ``COALESCE_S``, so a fast pipeline does not flood viewers. Stats, gauges and
    metrics get every inserted value, stamped with the time it arrived.

Values
    int, float, str, bool and None as they are (NaN as None); datetimes as ISO 8601 text
    (tables) or their instant (chart x); durations as seconds; pointers (row ids) and anything
    else as text; JSON values as JSON text.

This module imports Pathway only when a Pathway table is passed, so ``import stream_viz``
works without it.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import sys
import threading
import time
from typing import Any, Callable

from .errors import StreamVizError, StreamVizTypeError, ValidationError

#: Tables and charts get a Pathway table's changes at most this often (seconds).
COALESCE_S = 0.05


def is_table(obj: object) -> bool:
    """A Pathway table? Decided without importing Pathway: only Pathway can make one."""
    module = type(obj).__module__ or ""
    return (module == "pathway" or module.startswith("pathway.")) and type(obj).__name__ == "Table"


def column_names(table: Any) -> list[str]:
    return [name for name in table.schema.column_names() if not name.startswith("_")]


def check_columns(table: Any, what: str, names: list[str]) -> None:
    """A clear error, before ``pw.run()``, for a column the table does not have."""
    known = column_names(table)
    for name in names:
        if not isinstance(name, str):
            raise StreamVizTypeError(f"{what}: a column name is a str, not {type(name).__name__}")
        if name not in known:
            raise ValidationError(f"{what}: the Pathway table has no column {name!r}; it has {', '.join(map(repr, known))}")


def cell(value: Any) -> Any:
    """A Pathway value as a table cell."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, _dt.datetime):
        return None if value != value else value.isoformat()  # NaT is not equal to itself
    if isinstance(value, _dt.timedelta):
        return None if value != value else value.total_seconds()
    if hasattr(value, "item") and hasattr(value, "dtype"):  # NumPy scalars
        return cell(value.item())
    if type(value).__name__ == "Json" and hasattr(value, "value"):
        return json.dumps(value.value, default=str)
    if isinstance(value, (list, tuple)):
        return json.dumps([cell(v) for v in value], default=str)
    return str(value)


def number(value: Any) -> float | None:
    """A Pathway value as a number for a stat, gauge, metric or chart; None when it has none."""
    value = cell(value)
    if value is None or isinstance(value, str):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def instant(value: Any) -> float | None:
    """A chart's x value as epoch seconds: a datetime (naive is local time, as elsewhere in
    StreamViz), or a number of epoch seconds."""
    if isinstance(value, _dt.datetime):
        return None if value != value else value.timestamp()
    return number(value)


class _Feed:
    """One subscription: collects a table's changes per Pathway time and hands them to
    ``deliver`` as ``{key: row or None (deleted)}`` when the time ends; with ``coalesce``, at
    most every ``COALESCE_S``, later times' changes merged into earlier ones."""

    def __init__(self, table: Any, deliver: Callable[[dict[str, Any]], None], *, coalesce: bool) -> None:
        import pathway as pw

        self._deliver = deliver
        self._coalesce = coalesce
        self._lock = threading.Lock()  # the changes; taken after _delivering, never before
        self._delivering = threading.Lock()
        self._added: dict[str, Any] = {}
        self._retracted: set[str] = set()
        self._pending: dict[str, Any] = {}
        self._last = 0.0
        self._timer: threading.Timer | None = None
        self._failed = False
        pw.io.subscribe(table, on_change=self._on_change, on_time_end=self._on_time_end, on_end=self._on_end)

    def _on_change(self, key: Any, row: dict[str, Any], time: int, is_addition: bool) -> None:
        with self._lock:
            if is_addition:
                self._added[str(key)] = row
            else:
                self._retracted.add(str(key))

    def _on_time_end(self, time: int) -> None:
        with self._lock:
            # A key's state after a time: its row if the time added one, else gone if the time
            # retracted it. Whatever order the retraction and the insertion came in.
            for key in self._retracted - self._added.keys():
                self._pending.pop(key, None)
                self._pending[key] = None
            for key, row in self._added.items():
                self._pending.pop(key, None)  # re-inserted: moves to the end, as it is newest
                self._pending[key] = row
            self._added, self._retracted = {}, set()
            if not self._pending:
                return
            wait = self._last + COALESCE_S - time_now() if self._coalesce else 0.0
            if wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._flush)
                    self._timer.daemon = True
                    self._timer.start()
                return
        self._flush()

    def _flush(self) -> None:
        """Hand on what is pending. Taking and handing on happen under one lock, so a later
        delivery never overtakes an earlier one (the timer's and the pipeline's threads)."""
        with self._delivering:
            with self._lock:
                self._timer = None
                changes, self._pending = self._pending, {}
                self._last = time_now()
            self._hand_on(changes)

    def _on_end(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self._flush()

    def _hand_on(self, changes: dict[str, Any]) -> None:
        if not changes or self._failed:
            return
        try:
            self._deliver(changes)
        except StreamVizError as err:
            # The widget is gone (sv.reset()) or refused a value: the pipeline keeps running.
            self._failed = True
            print(f"StreamViz: stopped showing a Pathway table: {err}", file=sys.stderr)


def time_now() -> float:
    return time.monotonic()


def subscribe_table(widget: Any, table: Any, columns: list[str]) -> None:
    def deliver(changes: dict[str, Any]) -> None:
        upserts = {key: {name: cell(row[name]) for name in columns} for key, row in changes.items() if row is not None}
        deletes = [key for key, row in changes.items() if row is None]
        widget.apply(upserts=upserts, deletes=deletes)

    _Feed(table, deliver, coalesce=True)


def subscribe_values(widget: Any, table: Any, column: str) -> None:
    """Every value a time inserts in `column`, in order, to a stat, gauge or metric."""

    def deliver(changes: dict[str, Any]) -> None:
        values = [number(row[column]) for row in changes.values() if row is not None]
        values = [v for v in values if v is not None]
        if len(values) == 1:
            widget.send(values[0])
        elif values:
            now = _dt.datetime.now().timestamp()
            widget.send_many(values, [now] * len(values))

    _Feed(table, deliver, coalesce=False)


class _ChartState:
    """What a chart of a Pathway table shows: per series, x → y, newest `max_points` x."""

    def __init__(self, widget: Any, x: str | None, y: str, series: str | None, max_points: int) -> None:
        self.widget, self.x, self.y, self.series, self.max_points = widget, x, y, series, max_points
        self.by_key: dict[str, tuple[str, float]] = {}  # row key → (series, x) it shows
        self.points: dict[str, dict[float, float]] = {}
        self.newest: dict[str, float] = {}  # per series, the largest x sent

    def name(self, row: dict[str, Any]) -> str:
        return self.y if self.series is None else str(cell(row[self.series]))

    def deliver(self, changes: dict[str, Any]) -> None:
        if self.x is None:
            self.append_now(changes)
            return
        appended: dict[str, list[tuple[float, float]]] = {}
        redraw = False
        for key, row in changes.items():
            old = self.by_key.pop(key, None)
            if old is not None:
                self.points.get(old[0], {}).pop(old[1], None)
                redraw = True
            if row is None:
                continue
            x, y = instant(row[self.x]), number(row[self.y])
            if x is None or y is None:
                continue
            name = self.name(row)
            series = self.points.setdefault(name, {})
            if x in series or x <= self.newest.get(name, -math.inf):
                redraw = True  # a point replaced or placed before others: draw again
            self.newest[name] = max(x, self.newest.get(name, -math.inf))
            series[x] = y
            self.by_key[key] = (name, x)
            appended.setdefault(name, []).append((x, y))
        for name, series in self.points.items():
            while len(series) > self.max_points:
                series.pop(min(series))
        if redraw:
            data = {name: ([s[x] for x in sorted(s)], sorted(s)) for name, s in self.points.items()}
            self.widget.replace(data)
            return
        for name, points in appended.items():
            points.sort()
            self.widget.send_many(name, [p[1] for p in points], [p[0] for p in points])

    def append_now(self, changes: dict[str, Any]) -> None:
        now = _dt.datetime.now().timestamp()
        for row in changes.values():
            if row is None:
                continue
            y = number(row[self.y])
            if y is not None:
                self.widget.send(self.name(row), y, now)


def subscribe_chart(widget: Any, table: Any, *, x: str | None, y: str, series: str | None, max_points: int) -> None:
    state = _ChartState(widget, x, y, series, max_points)
    # Without x every insertion is a new point now: nothing to coalesce.
    _Feed(table, state.deliver, coalesce=x is not None)
