"""StreamViz: live dashboards for streaming data.

Create widgets, send values, and watch them in the browser::

    import stream_viz as sv
    cpu = sv.metric("cpu", title="CPU", unit="%")
    sv.start(port=3000)          # optional: the first widget starts the server by itself
    cpu.send(75.5)

Every widget constructor takes its id first and keyword-only options after it. Values are
validated at the call: a bad id, option or value raises :class:`ValidationError` or
:class:`StreamVizTypeError` and changes nothing.

When the server starts
    The first widget declared starts the web server on ``127.0.0.1:3000`` (or what
    :func:`configure` set) unless ``STREAMVIZ_AUTOSTART=0`` is in the environment or
    ``configure(autostart=False)`` was called. A later :func:`start` with other settings
    replaces that implicit server.

When the script ends
    If the server is running and the script runs in an interactive terminal, StreamViz keeps
    serving until Ctrl+C so the dashboard can still be read; otherwise (pipes, CI, tests) the
    server stops with the script. ``configure(keep_alive=True/False)`` overrides this.

Timestamps
    ``timestamp=`` takes epoch seconds (int or float) or a ``datetime``. A naive ``datetime``
    means local time, as ``datetime.timestamp()`` does. Without one, the time of the call is used.

NaN and infinity
    Metrics and line charts take NaN as a gap in the line. Every other widget refuses NaN, and
    no widget takes infinity.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import sys
import threading
import webbrowser
from datetime import timedelta
from typing import Any, Iterable, Literal, Mapping, Sequence, TypeVar

from . import _alerts, _core, _layout, _notebook, _pathway
from ._layout import column, columns, expander, page, sidebar, tab, tabs
from ._core import BarChart, Gauge, Heatmap, LineChart, Markdown, Metric, Stat, Table, Text
from ._alerts import Alert, AlertEvent, alert, alerts
from ._serving import UNSET, Server, auth_json, cors_json, open_window, tls_files
from ._snapshot import snapshot_html
from ._values import _database_path, _duration_text, _read_image, _relay_url
from .errors import PersistenceError, ServerError, StreamVizError, StreamVizTypeError, ValidationError

__version__: str = _core.__version__
PROTOCOL_VERSION: int = _core.PROTOCOL_VERSION

__all__ = [
    "Alert",
    "AlertEvent",
    "BarChart",
    "Gauge",
    "Heatmap",
    "LineChart",
    "Markdown",
    "Metric",
    "PROTOCOL_VERSION",
    "PersistenceError",
    "Server",
    "ServerError",
    "Stat",
    "StreamVizError",
    "StreamVizTypeError",
    "Table",
    "Text",
    "ValidationError",
    "alert",
    "alerts",
    "area_chart",
    "bar_chart",
    "chart",
    "column",
    "columns",
    "configure",
    "dashboard",
    "expander",
    "export",
    "flush",
    "gauge",
    "heatmap",
    "line_chart",
    "markdown",
    "metric",
    "page",
    "reset",
    "sidebar",
    "snapshot_html",
    "start",
    "stats",
    "stop",
    "tab",
    "table",
    "tabs",
    "text",
    "title",
]

_lock = threading.RLock()
_settings: dict[str, Any] = {
    "host": "127.0.0.1",
    "port": 3000,
    "autostart": None,
    "keep_alive": None,
    "auth": UNSET,
    "cors": UNSET,
    "allow_anonymous": False,
    "tls": None,
    "limits": None,
}


def _access_args(auth: Any = UNSET, cors: Any = UNSET, allow_anonymous: bool | None = None, tls: Any = None) -> dict[str, Any]:
    """The access options of ``_core.start_server``: those given, else those configured."""
    auth = auth if auth is not UNSET else _settings["auth"]
    cors = cors if cors is not UNSET else _settings["cors"]
    anonymous = allow_anonymous if allow_anonymous is not None else _settings["allow_anonymous"]
    return {
        "auth_json": auth_json(auth),
        "cors_json": cors_json(cors),
        "allow_anonymous": bool(anonymous),
        "tls": tls_files(tls if tls is not None else _settings["tls"]),
        "limits_json": _settings["limits"],
    }


_server: Server | None = None


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # NumPy scalars
        return value.item()
    if isinstance(value, (tuple, set, frozenset)):
        return list(value)
    raise StreamVizTypeError(f"an option value of type {type(value).__name__} is not supported")


def _options_json(options: Mapping[str, Any]) -> str:
    clean = {k: v for k, v in options.items() if v is not None}
    try:
        return json.dumps(clean, default=_json_default, allow_nan=False)
    except ValueError as err:
        raise ValidationError(f"options must not contain NaN or infinity ({err})") from None


def _check_id(widget_id: object) -> str:
    if not isinstance(widget_id, str):
        raise StreamVizTypeError(f"a widget id is a str, not {type(widget_id).__name__}")
    return widget_id


_W = TypeVar("_W")


def _declare(
    cls: type[_W],
    kind: str,
    widget_id: object,
    options: Mapping[str, Any],
    *,
    width: int | None,
    height: int | None,
) -> _W:
    placement = {"parent": _layout.current_parent(), "width": width, "height": height}
    widget = _core.declare(kind, _check_id(widget_id), _options_json({**options, **placement}))
    if not isinstance(widget, cls):  # the extension maps each kind to its class
        raise TypeError(f"declare({kind!r}) returned {type(widget).__name__}, not {cls.__name__}")
    _autostart()
    return widget


def _source(what: str, source: object, column: object, widget_id: object, *, needs_column: bool = True) -> tuple[str, Any]:
    """The widget id, and the Pathway table when ``source`` is one (its ``column`` checked)."""
    if _pathway.is_table(source):
        if needs_column:
            if column is None:
                raise ValidationError(f"{what}(pw_table, column): name the column to show")
            _pathway.check_columns(source, what, [column])  # type: ignore[list-item]
        if widget_id is None:
            widget_id = column if isinstance(column, str) else None
        if widget_id is None:
            raise ValidationError(f"{what}(pw_table): give widget_id=")
        return _check_id(widget_id), source
    if column is not None or widget_id is not None:
        raise ValidationError(f"{what}: a column and widget_id go with a Pathway table; {what}(id, ...) takes neither")
    return _check_id(source), None


def _autostart_enabled() -> bool:
    if _settings["autostart"] is not None:
        return bool(_settings["autostart"])
    return os.environ.get("STREAMVIZ_AUTOSTART", "1").strip().lower() not in ("0", "false", "no", "off")


def _autostart() -> None:
    global _server
    with _lock:
        if _server is not None or not _autostart_enabled():
            return
        host, port = _settings["host"], _settings["port"]
        access = _access_args()
        try:
            url = _core.start_server(host, port, [], **access)
        except ServerError as err:
            if "allow_anonymous" in str(err):
                raise
            print(f"StreamViz: {err}; serving on a free port instead", file=sys.stderr)
            url = _core.start_server(host, 0, [], **access)
        _server = Server(url, implicit=True, stop=stop, ca_file=access["tls"][0] if access["tls"] else None)
        _server._access = (access, ())
        print(f"StreamViz dashboard: {url}", file=sys.stderr)


# === Widgets =====================================================================================


def metric(
    id: str | Any,
    column: str | None = None,
    *,
    title: str | None = None,
    unit: str | None = None,
    color: str | None = None,
    max_points: int | None = None,
    thresholds: Mapping[str, float] | None = None,
    window: str | float | timedelta | None = None,
    aggregation: str | None = None,
    slide: str | float | timedelta | None = None,
    lateness: str | float | timedelta | None = None,
    widget_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Metric:
    """A time series of one value, raw or aggregated into time windows.

    Parameters
    ----------
    id : str or Pathway table
        1 to 64 characters of letters, digits, ``_``, ``-`` and ``.``. Or a Pathway table
        and ``column``: every value the table inserts in that column is a point (stamped when
        it arrives); the id is then ``widget_id`` or the column's name.
    title : str, optional
        Heading. Default: the id.
    unit : str, optional
        Unit shown after values, e.g. ``"%"``.
    color : str, optional
        CSS colour of the line. Default: the theme's primary colour.
    max_points : int, optional
        Points kept (ring buffer); with a window, windows kept. Default:
        ``configure(buffer_size=...)``, 1000.
    thresholds : dict, optional
        ``{"warning": 70, "critical": 90}``: levels shown on the chart.
    window : str, seconds or timedelta, optional
        Aggregate the values sent into windows of this length (``"500ms"``, ``"10s"``, ``"1m"``,
        ``"1h"``, ``"7d"``) by each point's timestamp: the metric then shows one point per closed
        window, stamped with the window's end, and the open window as a partial point. Windows
        are aligned to the epoch. Default: none (every value is a point).
    aggregation : str, optional
        With ``window``: ``"sum"``, ``"avg"``, ``"min"``, ``"max"``, ``"count"``, ``"rate"``
        (sum per second of window) or a percentile ``"p50"``, ``"p95"``, ``"p99.9"`` (from a
        quantile sketch, within 1 % of the exact value). Default: ``"avg"``.
    slide : str, seconds or timedelta, optional
        With ``window``: start a window every ``slide`` (sliding windows, e.g. ``window="5m",
        slide="10s"`` for a 5-minute moving value every 10 s). Default: the window (tumbling).
    lateness : str, seconds or timedelta, optional
        With ``window``: how far behind the newest timestamp a point may arrive and still be
        counted; a window closes once the newest timestamp passes its end by this much. Points
        later than that are counted in ``stats()`` (``late``) and left out. Default: 0.
    """
    widget_id, table = _source("metric", id, column, widget_id)
    widget = _declare(Metric,
        "metric",
        widget_id,
        {
            "title": title,
            "unit": unit,
            "color": color,
            "max_points": max_points,
            "thresholds": thresholds,
            "window": None if window is None else _duration_text("window", window),
            "aggregation": aggregation,
            "slide": None if slide is None else _duration_text("slide", slide),
            "lateness": None if lateness is None else _duration_text("lateness", lateness, zero=True),
        }, width=width, height=height)
    if table is not None:
        _pathway.subscribe_values(widget, table, column)  # type: ignore[arg-type]
    return widget


def stat(
    id: str | Any,
    column: str | None = None,
    *,
    title: str | None = None,
    unit: str | None = None,
    format: str | None = None,
    delta: bool = True,
    delta_color: Literal["auto", "inverse", "off"] = "auto",
    sparkline: bool = True,
    max_points: int | None = None,
    widget_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Stat:
    """A big number with its change from the previous value and a sparkline.

    ``format`` is a d3-style number format such as ``",.0f"``, ``".2f"`` or ``".1%"``.
    ``delta_color="auto"`` shows increases green and decreases red; ``"inverse"`` the opposite.

    ``stat(pw_table, "column")`` shows the latest value a Pathway table inserts in that column
    (over a one-row ``reduce()``: its current value); the id is ``widget_id`` or the column.
    """
    widget_id, table = _source("stat", id, column, widget_id)
    widget = _declare(Stat,
        "stat",
        widget_id,
        {
            "title": title,
            "unit": unit,
            "format": format,
            "delta": delta,
            "delta_color": delta_color,
            "sparkline": sparkline,
            "max_points": max_points,
        }, width=width, height=height)
    if table is not None:
        _pathway.subscribe_values(widget, table, column)  # type: ignore[arg-type]
    return widget


def gauge(
    id: str | Any,
    column: str | None = None,
    *,
    title: str | None = None,
    unit: str | None = None,
    min: float = 0,
    max: float = 100,
    thresholds: Sequence[tuple[float, str]] | None = None,
    max_points: int | None = None,
    widget_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Gauge:
    """A value on a dial from ``min`` to ``max``.

    ``thresholds`` are ``(upper bound, colour)`` bands in ascending order, e.g.
    ``[(50, "green"), (70, "yellow"), (100, "red")]``.

    ``gauge(pw_table, "column", min=, max=)`` shows the latest value a Pathway table inserts in
    that column; the id is ``widget_id`` or the column.
    """
    widget_id, table = _source("gauge", id, column, widget_id)
    widget = _declare(Gauge,
        "gauge",
        widget_id,
        {"title": title, "unit": unit, "min": min, "max": max, "thresholds": thresholds, "max_points": max_points}, width=width, height=height)
    if table is not None:
        _pathway.subscribe_values(widget, table, column)  # type: ignore[arg-type]
    return widget


def line_chart(
    id: str,
    *,
    title: str | None = None,
    y_axis: Mapping[str, Any] | None = None,
    max_points: int | None = None,
    series: Sequence[str | Mapping[str, Any]] | None = None,
    area: bool = False,
    stacked: bool = False,
    width: int | None = None,
    height: int | None = None,
) -> LineChart:
    """Several named time series on one chart.

    ``y_axis`` is ``{"label": ..., "min": ..., "max": ...}``. Series are declared with
    ``series=[...]`` (names or ``{"name", "color", "label"}`` dicts), with
    :meth:`LineChart.add_series`, or by sending to a new name. ``area=True`` fills under each
    line; ``stacked=True`` draws each series on top of those before it (see :func:`area_chart`).
    """
    declared = None
    if series is not None:
        declared = [{"name": s} if isinstance(s, str) else dict(s) for s in series]
    options = {"title": title, "y_axis": y_axis, "max_points": max_points, "series": declared, "area": area, "stacked": stacked}
    return _declare(LineChart, "line_chart", id, options, width=width, height=height)


def area_chart(
    id: str,
    *,
    title: str | None = None,
    y_axis: Mapping[str, Any] | None = None,
    max_points: int | None = None,
    series: Sequence[str | Mapping[str, Any]] | None = None,
    stacked: bool = False,
    width: int | None = None,
    height: int | None = None,
) -> LineChart:
    """An area chart: a :func:`line_chart` filled under each line, fed and zoomed the same way.

    With ``stacked=True`` each series is drawn on top of the ones declared before it: at each
    time the series' values are added (between a series' own points its value is interpolated),
    and the tooltip still shows each series' own value.
    """
    return line_chart(id, title=title, y_axis=y_axis, max_points=max_points, series=series,
                      area=True, stacked=stacked, width=width, height=height)


def bar_chart(
    id: str,
    *,
    title: str | None = None,
    categories: Sequence[str] | None = None,
    stacked: bool = False,
    unit: str | None = None,
    color: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> BarChart:
    """Category → value. ``send({"US": 1200, "EU": 980})`` sets the values of those categories.

    Several series: ``send({"US": {"web": 1200, "mobile": 300}})`` or
    ``send({"US": 300}, series="mobile")``; they are grouped side by side, or stacked with
    ``stacked=True``.
    """
    return _declare(BarChart,
        "bar_chart",
        id,
        {"title": title, "categories": list(categories) if categories is not None else None, "stacked": stacked, "unit": unit, "color": color}, width=width, height=height)


def table(
    id: str | Any,
    *,
    title: str | None = None,
    columns: Sequence[str | Mapping[str, Any]] | None = None,
    max_rows: int = 100,
    key: str | None = None,
    sortable: bool = True,
    filterable: bool = True,
    sort_by: str | None = None,
    widget_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Table:
    """Streaming rows.

    Without ``key`` every ``send(row)`` appends a row; with ``key="field"`` a row whose key is
    already shown replaces it in place, and ``delete(key)`` removes it. Beyond ``max_rows`` the
    oldest inserted row is dropped. ``columns`` are names or dicts with ``name``, ``type``
    (``text``, ``number``, ``datetime``, ``badge``, ``bool``), ``label``, ``width``, ``format``
    and ``colors`` (badge value → colour). ``sort_by="name"`` (``"-name"`` descending) orders the
    rows until a viewer clicks a header.

    ``table(pw_table)`` shows a live Pathway table, keyed by its row ids: updates replace rows
    in place, deletions remove them, and each Pathway time's changes appear together.
    ``columns`` picks and orders its columns (default: all); the id is ``widget_id``, else
    the title made into an id, else ``"table"``.
    """
    declared = None
    if columns is not None:
        declared = [{"name": c} if isinstance(c, str) else dict(c) for c in columns]
    pw_table = id if _pathway.is_table(id) else None
    shown: list[str] = []
    if pw_table is not None:
        if key is not None:
            raise ValidationError("table(pw_table): rows are keyed by the Pathway row id; key= does not apply")
        names = [c["name"] for c in declared] if declared is not None else _pathway.column_names(pw_table)
        _pathway.check_columns(pw_table, "table", names)
        if declared is None:
            declared = [{"name": name} for name in names]
        shown = names
        if widget_id is None:
            widget_id = _slug(title) if title else "table"
        id = widget_id
    elif widget_id is not None:
        raise ValidationError("table: widget_id goes with a Pathway table; table(id, ...) names its id")
    widget = _declare(Table,
        "table",
        id,
        {"title": title, "columns": declared, "max_rows": max_rows, "key": key, "sortable": sortable, "filterable": filterable, "sort_by": sort_by}, width=width, height=height)
    if pw_table is not None:
        _pathway.subscribe_table(widget, pw_table, shown)
    return widget


def chart(
    pw_table: Any,
    *,
    y: str,
    x: str | None = None,
    series: str | None = None,
    title: str | None = None,
    y_axis: Mapping[str, Any] | None = None,
    max_points: int | None = None,
    widget_id: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> LineChart:
    """A line chart of a live Pathway table: column ``y`` against column ``x`` (a datetime or
    epoch seconds, e.g. a window's end), one line per value of column ``series`` if given.
    A row that changes moves its point; a row deleted takes its point away. Without ``x``
    every value inserted is a point at the time it arrives. The id is ``widget_id`` or ``y``.
    For charts fed by ``send``, see :func:`line_chart`.
    """
    if not _pathway.is_table(pw_table):
        raise StreamVizTypeError(f"chart() shows a Pathway table, not {type(pw_table).__name__}; line_chart(id) is fed by send()")
    _pathway.check_columns(pw_table, "chart", [c for c in (y, x, series) if c is not None])
    widget = _declare(LineChart, "line_chart", _check_id(widget_id if widget_id is not None else y),
        {"title": title, "y_axis": y_axis, "max_points": max_points, "series": None if series is not None else [{"name": y}]},
        width=width, height=height)
    capacity = max_points if max_points is not None else 1000
    _pathway.subscribe_chart(widget, pw_table, x=x, y=y, series=series, max_points=capacity)
    return widget


def _slug(text: str) -> str:
    """An id made from a title: letters, digits, ``_``, ``-`` and ``.``, at most 64."""
    slug = "".join(c if c.isalnum() and c.isascii() or c in "_-." else "-" for c in text.strip().lower())
    slug = "-".join(part for part in slug.split("-") if part)[:64]
    return slug or "table"


def text(
    id: str,
    content: str | None = None,
    *,
    style: Literal["body", "caption", "heading", "code", "success", "info", "warning", "error"] = "body",
    title: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Text:
    """A line of text. Call the widget (or its ``send``) with new text to replace it."""
    widget = _declare(Text,"text", id, {"style": style, "title": title}, width=width, height=height)
    if content is not None:
        widget.send(content)
    return widget


def markdown(
    id: str,
    content: str | None = None,
    *,
    title: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Markdown:
    """Markdown, rendered safely: raw HTML in it is shown as text."""
    widget = _declare(Markdown,"markdown", id, {"title": title}, width=width, height=height)
    if content is not None:
        widget.send(content)
    return widget


def heatmap(
    id: str,
    *,
    title: str | None = None,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    min: float | None = None,
    max: float | None = None,
    unit: str | None = None,
    width: int | None = None,
    height: int | None = None,
) -> Heatmap:
    """A matrix of values. ``send(matrix)`` takes rows top to bottom (lists or a 2-D array)."""
    return _declare(Heatmap,
        "heatmap",
        id,
        {
            "title": title,
            "x_labels": list(x_labels) if x_labels is not None else None,
            "y_labels": list(y_labels) if y_labels is not None else None,
            "min": min,
            "max": max,
            "unit": unit,
        }, width=width, height=height)


# === Dashboard ===================================================================================


def title(text: str) -> None:
    """Set the dashboard title."""
    configure(title=text)


def configure(
    *,
    title: str | None = None,
    theme: Literal["dark", "light"] | Mapping[str, str] | None = None,
    favicon: str | os.PathLike[str] | None = None,
    logo: str | os.PathLike[str] | None = None,
    buffer_size: int | None = None,
    host: str | None = None,
    port: int | None = None,
    autostart: bool | None = None,
    keep_alive: bool | None = None,
    persistence: str | os.PathLike[str] | None = UNSET,
    retention: str | float | timedelta | None = None,
    auth: Literal["token"] | Mapping[str, Any] | None = UNSET,
    allow_anonymous: bool | None = None,
    cors: bool | Sequence[str] | None = UNSET,
    tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
    auto_refresh: bool | None = None,
    default_time_range: str | float | timedelta | None = None,
    alert_webhook: str | None = UNSET,
    limits: Mapping[str, Any] | None = UNSET,
    relay: str | None = UNSET,
) -> None:
    """Change dashboard settings; options not given stay as they are.

    Parameters
    ----------
    title : str, optional
        Page title. Default: ``"StreamViz"``.
    theme : {"dark", "light"} or dict, optional
        Colour theme. Default: ``"dark"``. A dict sets any of ``background``, ``surface``,
        ``border``, ``primary``, ``secondary``, ``success``, ``warning``, ``error``, ``text``,
        ``text_muted`` (CSS colours) and ``font_family``, over ``base`` (``"dark"`` or
        ``"light"``, default dark). It colours the page and the charts alike.
    favicon, logo : path, optional
        A PNG, JPEG, GIF, ICO, WebP or SVG file (up to 512 KB) for the browser tab icon and for
        the header, before the title.
    buffer_size : int, optional
        Points kept per series that sets no ``max_points``. Default: 1000.
    host, port : optional
        Where the server listens. Default: ``127.0.0.1`` and ``3000``.
    autostart : bool, optional
        Start the server with the first widget. Default: true unless ``STREAMVIZ_AUTOSTART=0``.
    keep_alive : bool, optional
        Keep serving after the script ends, until Ctrl+C. Default: only in an interactive terminal.
    persistence : str or path, optional
        ``"sqlite:///metrics.db"`` (relative path), ``"sqlite:////var/lib/metrics.db"`` (absolute)
        or a path: store every update in that SQLite file and load what it holds now, so restarts
        and new viewers see history; ``"postgresql://user@host/db"``: the same in a PostgreSQL
        database (tables ``streamviz_*``, created when missing; with TimescaleDB in the database,
        the points become a hypertable by day, compressed after a week, days past ``retention``
        dropped whole); ``"redis://host[:port][/db]"``: the
        same in Redis (keys ``streamviz:*``), which several servers may share (with ``relay``, each
        stores what its own producers send). Must come before the first widget. ``None`` or
        ``"memory"``: memory only, the default.
    retention : str, seconds or timedelta, optional
        With ``persistence``: purge stored rows older than this (``"24h"``, ``"7d"``, ``"90m"``),
        at start and every minute. Default: keep everything (Redis, which holds it all in memory:
        a day).
    auth, allow_anonymous, cors, tls : optional
        Who may use the server it starts next, and its TLS, as :func:`start` takes them
        (``auth=None`` here means nobody signs in).
    auto_refresh : bool, optional
        Whether charts follow live data when a viewer opens; ``False`` opens every viewer
        paused (Resume follows). Default: true.
    default_time_range : str, seconds or timedelta, optional
        The time range every viewer opens with, e.g. ``"5m"``, ``"1h"``; ``"all"`` shows
        everything held. Default: ``"all"``.
    alert_webhook : str, optional
        Send every alert rule's notifications here (Alertmanager's webhook JSON); ``None``
        removes it. See :func:`alert`.
    limits : dict, optional
        Bounds on what clients of the server it starts next may hold (docs/PROTOCOL.md), any of
        ``max_connections`` (HTTP connections open at once; default 4096), ``header_timeout``
        (time to send a request's head; ``"10s"``), ``body_timeout`` (time to send its body once
        the head is in; ``"30s"``), ``max_viewers`` (WebSocket clients; 1000),
        ``ping_interval`` (a viewer silent this long after a ping is dropped; ``"20s"``) and
        ``max_messages_per_second`` (WebSocket messages or HTTP pushes from one connection;
        1000). Times are ``"30s"``-style text or seconds. ``None``: the defaults again.
    relay : str, optional
        ``"redis://host:6379"``: share this dashboard with every StreamViz server relaying
        through that Redis (``streamviz serve --relay``): what is sent to any of them is shown
        by all (docs/DEPLOY.md). Works without Redis meanwhile (``stats()["relay"]`` says so).
        ``None``: stop relaying.
    """
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535):
        raise ValidationError(f"port is an int between 0 and 65535, not {port!r}")
    if host is not None and not isinstance(host, str):
        raise StreamVizTypeError(f"host is a str, not {type(host).__name__}")
    if theme is not None and not isinstance(theme, (str, Mapping)):
        raise StreamVizTypeError(f"theme is 'dark', 'light' or a dict of colours, not {type(theme).__name__}")
    favicon_data = _read_image("favicon", favicon) if favicon is not None else None
    logo_data = _read_image("logo", logo) if logo is not None else None
    if retention is not None and persistence is UNSET:
        raise ValidationError("retention applies to persistence; give both, e.g. persistence='sqlite:///metrics.db', retention='24h'")
    # None or "memory": memory only (the rings bound it; a retention given is checked and has
    # nothing to purge).
    in_memory = persistence is UNSET or persistence is None or persistence == "memory"
    database = None if in_memory else _database_path(persistence)
    retention_text = _duration_text("retention", retention) if retention is not None else None
    if auto_refresh is not None and not isinstance(auto_refresh, bool):
        raise StreamVizTypeError(f"auto_refresh is True or False, not {type(auto_refresh).__name__}")
    time_range = _duration_text("default_time_range", default_time_range) if default_time_range is not None else None
    if alert_webhook is not UNSET:
        _core.set_alert_webhook(alert_webhook)
    auth_json(auth)  # checked now, used when the server starts
    if limits is not UNSET and limits is not None and not isinstance(limits, Mapping):
        raise StreamVizTypeError(f"limits is a dict such as {{'max_viewers': 100}}, not {type(limits).__name__}")
    limits_text = _options_json(dict(limits)) if isinstance(limits, Mapping) else None
    if limits_text is not None:
        _core.check_limits(limits_text)
    cors_json(cors)
    tls_files(tls)
    _core.configure(
        _options_json({"title": title, "theme": dict(theme) if isinstance(theme, Mapping) else theme, "buffer_size": buffer_size,
                       "auto_refresh": auto_refresh, "default_time_range": time_range}),
        favicon_data,
        logo_data,
    )
    relay_url = _relay_url(relay) if relay is not UNSET else UNSET
    if database is not None:
        _core.persist(database, retention_text)
    if relay_url is not UNSET:
        _core.relay(relay_url)
    flags = {"autostart": autostart, "keep_alive": keep_alive, "allow_anonymous": allow_anonymous}
    with _lock:
        _settings.update({k: v for k, v in {"host": host, "port": port, "tls": tls}.items() if v is not None})
        _settings.update({k: bool(v) for k, v in flags.items() if v is not None})
        # None means "nobody signs in" / "same origin only" here: only an option not given is skipped.
        _settings.update({k: v for k, v in {"auth": auth, "cors": cors}.items() if v is not UNSET})
        if limits is not UNSET:
            _settings["limits"] = limits_text


def start(
    mode: Literal["web", "window", "both"] = "web",
    *,
    host: str | None = None,
    port: int | None = None,
    open_browser: bool = False,
    allowed_hosts: Sequence[str] = (),
    auth: Literal["token"] | Mapping[str, Any] | None = UNSET,
    allow_anonymous: bool | None = None,
    cors: bool | Sequence[str] | None = UNSET,
    tls: tuple[str | os.PathLike[str], str | os.PathLike[str]] | None = None,
) -> Server:
    """Start the web server in a background thread, open the native window if asked, and
    return the server.

    Parameters
    ----------
    mode : {"web", "window", "both"}
        ``"web"`` serves the browser dashboard. ``"window"`` also opens the native viewer
        (``streamviz-viewer``) in a process of its own connected to this server, and ``"both"``
        does the same while saying where the browser dashboard is. The window lives apart from
        the script: a slow or crashed window never slows or stops it, and the window stays open
        after the script ends, with its data, until it is closed (its status then says the
        producer is gone). See ``Server.window``.
    host : str, optional
        Address to bind. Default: ``127.0.0.1`` (this machine only); ``0.0.0.0`` serves the
        network, with a token unless ``auth`` says otherwise.
    port : int, optional
        Port. Default: 3000; ``0`` picks a free port (see ``Server.port``).
    open_browser : bool
        Open the dashboard in the default browser. Default: False.
    allowed_hosts : sequence of str
        Host names (without a port) the server answers besides ``localhost`` and loopback
        addresses when bound to one, e.g. a name in ``/etc/hosts``. Requests naming any other
        host are refused (a page elsewhere cannot point its own name at this machine to read
        the dashboard). Default: none.
    auth : "token", dict or None, optional
        Who may use the dashboard (docs/SECURITY.md). ``"token"``: a random token (or
        ``$STREAMVIZ_TOKEN``), carried by ``server.url``; the first visit trades it for a
        session cookie. A dict as in the vision, ``{"type": "basic", "users": {"alice":
        {"password": "...", "role": "admin"}}, "api_keys": {"ci": {"key": "...", "role":
        "producer"}}}``: users sign in on a login page (or with HTTP Basic), programs send a
        key as ``Authorization: Bearer KEY``; roles are ``viewer`` (read; the default),
        ``producer`` (also push) and ``admin`` (everything). ``None``: nobody signs in.
        Default (not given): what :func:`configure` set, else nobody on a loopback address and
        a token on any other.
    allow_anonymous : bool, optional
        With ``auth=None``, serve a non-loopback ``host`` anyway; without it that is refused,
        since everyone who reaches the port could read and change the dashboard.
    cors : bool or list of str, optional
        Other sites whose pages may embed the dashboard and its widgets, call the API and
        stream: a list of origins (``["https://wiki.example.com"]``), or ``True`` for pages
        served from this machine on any port (a notebook, a local web app). Never every
        origin. Default: the dashboard's own origin only.
    tls : (cert, key), optional
        Serve HTTPS and WSS with this certificate chain and private key (PEM files); ``url``
        then starts with ``https://``. Default: what :func:`configure` set, else plain HTTP
        (on a non-loopback address the server warns that tokens travel in clear).
    """
    global _server
    if mode not in ("web", "window", "both"):
        raise ValidationError(f"mode {mode!r} is not one of 'web', 'window', 'both'")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535):
        raise ValidationError(f"port is an int between 0 and 65535, not {port!r}")
    if isinstance(allowed_hosts, str) or not all(isinstance(h, str) and h and ":" not in h and "/" not in h for h in allowed_hosts):
        raise ValidationError(f"allowed_hosts is a list of host names without ports, not {allowed_hosts!r}")
    access = _access_args(auth, cors, allow_anonymous, tls)
    with _lock:
        host = host if host is not None else _settings["host"]
        port = port if port is not None else _settings["port"]
        server: Server | None = None
        if _server is not None:
            wanted = (access, tuple(allowed_hosts))
            same = _server.host == host and (port == 0 or _server.port == port) and _server._access == wanted
            if same:
                _server._implicit = False
                server = _server
            elif not _server._implicit:
                raise ServerError(f"the server is already running at {_server.url}; call stop() first")
            else:
                _core.stop_server()
                _server = None
        if server is None:
            url = _core.start_server(host, port, list(allowed_hosts), **access)
            _server = Server(url, implicit=False, stop=stop, ca_file=access["tls"][0] if access["tls"] else None)
            _server._access = (access, tuple(allowed_hosts))
            server = _server
    if mode in ("window", "both"):
        server.window = open_window(server)
        if mode == "both":
            print(f"StreamViz dashboard: {server.url}", file=sys.stderr)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(server.url,), name="streamviz-open-browser", daemon=True).start()
    return server


def stop() -> None:
    """Stop the web server (data is kept; :func:`start` serves it again)."""
    global _server
    with _lock:
        _core.stop_server()
        _server = None


def flush(timeout: float = 10.0) -> bool:
    """Wait until every value sent so far is applied; True when it was within ``timeout`` seconds."""
    return _core.flush(float(timeout))


def reset() -> None:
    """Forget every widget and its data (for tests and notebooks). Old widget objects raise."""
    _core.reset()
    _layout.reset()
    _alerts.reset()


def stats() -> dict[str, Any]:
    """Counters: points accepted and dropped (also per widget), queue fill, uptime. The totals
    count since the process started (`reset()` keeps them); `per_widget` counts for the
    widgets declared now."""
    stats: dict[str, Any] = json.loads(_core.stats_json())
    return stats


def export(id: str, format: Literal["csv", "json"] = "csv") -> str:
    """The data a widget holds, as CSV or JSON text (the same as the HTTP export)."""
    flush()
    return _core.export(_check_id(id), format)


def dashboard(height: int = _notebook.DASHBOARD_HEIGHT) -> _notebook.Dashboard:
    """The whole dashboard, shown inline (an iframe ``height`` CSS pixels tall) when it is a
    notebook cell's last expression; starts the server if it is not running."""
    return _notebook.Dashboard((_server or start()).url, _notebook.check_height(height))


def _at_exit() -> None:
    with _lock:
        server = _server
    if server is not None:
        keep = _settings["keep_alive"]
        if keep is None:
            keep = sys.stdin is not None and sys.stdout is not None and sys.stdin.isatty() and sys.stdout.isatty()
        if keep:
            print(f"StreamViz: the script has ended; still serving {server.url} (Ctrl+C to stop)", file=sys.stderr)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                pass
        stop()
    # Relay and store what is still in memory, and close the database.
    _core.relay(None)
    _core.stop_persistence()


atexit.register(_at_exit)
_notebook.install()  # in a Jupyter kernel: layout counted per cell
