"""A dashboard of every widget kind, fed with synthetic data (``python -m stream_viz demo``)."""

from __future__ import annotations

import math
import random
import sys
import time
from datetime import datetime, timezone
from typing import Literal

import stream_viz as sv


def build() -> dict[str, object]:
    """Declare the demo widgets, laid out in a sidebar, columns, tabs and two pages, and return
    them by id."""
    sv.configure(title="StreamViz demo", autostart=False)
    widgets: dict[str, object] = {}
    with sv.sidebar():
        widgets["status"] = sv.text("status", "Starting…", style="caption")
        widgets["notes"] = sv.markdown("notes", "## Pipeline\n- **Source**: synthetic generator\n- **Sink**: this dashboard\n")
    with sv.page("Overview"):
        # The vision's form: widgets directly inside columns(n) take one column each, in order.
        with sv.columns(3):
            widgets["cpu"] = sv.metric("cpu", title="CPU", unit="%", thresholds={"warning": 70, "critical": 90})
            widgets["orders"] = sv.stat("orders", title="Orders", format=",.0f")
            widgets["temperature"] = sv.gauge(
                "temperature", title="Server temperature", unit="°C", min=0, max=100,
                thresholds=[(50, "#22c55e"), (70, "#eab308"), (100, "#ef4444")],
            )
        # Streamlit's form: the columns unpacked, each entered with `with`.
        left, right = sv.columns([2, 1])
        with left:
            widgets["latency"] = sv.line_chart(
                "latency", title="Latency by service", y_axis={"label": "ms", "min": 0},
                series=[{"name": "api", "color": "#00d4ff"}, {"name": "db", "color": "#a855f7"}],
            )
        with right:
            widgets["traffic"] = sv.bar_chart("traffic", title="Requests by region", categories=["US", "EU", "Asia"])
        with sv.tabs(["Events", "Load"]):
            with sv.tab("Events"):
                widgets["events"] = sv.table(
                    "events", title="Recent events", key="id", max_rows=20,
                    columns=[
                        {"name": "id", "type": "number"},
                        {"name": "time", "type": "datetime"},
                        {"name": "level", "type": "badge", "colors": {"ERROR": "#ef4444", "WARN": "#eab308", "INFO": "#22c55e"}},
                        {"name": "message"},
                    ],
                )
            with sv.tab("Load"):
                widgets["load"] = sv.heatmap("load", title="Load by hour", x_labels=["Mon", "Tue", "Wed", "Thu", "Fri"],
                                             y_labels=["00:00", "06:00", "12:00", "18:00"])
    with sv.page("Capacity"):
        with sv.expander("About this page", expanded=True):
            sv.markdown("about", "Requests per region and channel, **stacked**.")
        widgets["channels"] = sv.bar_chart("channels", title="Requests by channel", stacked=True, width=2)
        widgets["sessions"] = sv.area_chart("sessions", title="Sessions by channel", series=["web", "mobile"], stacked=True)
    return widgets


def step(widgets: dict[str, object], i: int, rng: random.Random) -> None:
    """Send one round of values to every demo widget."""
    t = i / 10
    widgets["cpu"].send(55 + 30 * math.sin(t / 3) + rng.uniform(-5, 5))  # type: ignore[attr-defined]
    widgets["orders"].send(15_000 + i * 3 + rng.randint(0, 5))  # type: ignore[attr-defined]
    widgets["temperature"].send(60 + 15 * math.sin(t / 7))  # type: ignore[attr-defined]
    widgets["latency"].send("api", 40 + 10 * math.sin(t) + rng.uniform(0, 5))  # type: ignore[attr-defined]
    widgets["latency"].send("db", 20 + 5 * math.cos(t / 2) + rng.uniform(0, 3))  # type: ignore[attr-defined]
    widgets["sessions"].send("web", 300 + 80 * math.sin(t / 5) + rng.uniform(0, 20))  # type: ignore[attr-defined]
    widgets["sessions"].send("mobile", 180 + 60 * math.cos(t / 4) + rng.uniform(0, 20))  # type: ignore[attr-defined]
    if i % 5 == 0:
        widgets["channels"].send({r: {"web": 800 + rng.randint(0, 200), "mobile": 300 + rng.randint(0, 150)} for r in ("US", "EU", "Asia")})  # type: ignore[attr-defined]
        widgets["traffic"].send({"US": 1200 + rng.randint(-100, 100), "EU": 980 + rng.randint(-80, 80), "Asia": 1450 + rng.randint(-120, 120)})  # type: ignore[attr-defined]
    if i % 7 == 0:
        level = rng.choice(["INFO", "INFO", "WARN", "ERROR"])
        widgets["events"].send({"id": i // 7 % 30, "time": datetime.now(timezone.utc), "level": level, "message": f"event {i // 7}"})  # type: ignore[attr-defined]
    if i % 10 == 0:
        widgets["status"](f"Running: {i} rounds sent")  # type: ignore[operator]
        widgets["load"].send([[round(50 + 40 * math.sin((x + y + t) / 2), 1) for x in range(5)] for y in range(4)])  # type: ignore[attr-defined]


def run(
    *,
    host: str = "127.0.0.1",
    port: int = 3000,
    rate_hz: float = 10.0,
    duration_s: float | None = None,
    open_browser: bool = False,
    mode: Literal["web", "window", "both"] = "web",
) -> None:
    """Serve the demo and stream into it until Ctrl+C (or for ``duration_s``)."""
    widgets = build()
    server = sv.start(mode, host=host, port=port, open_browser=open_browser)
    print(f"StreamViz demo: {server.url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    rng = random.Random(42)
    started = time.monotonic()
    i = 0
    while duration_s is None or time.monotonic() - started < duration_s:
        step(widgets, i, rng)
        i += 1
        time.sleep(1 / rate_hz)
    sv.stop()
