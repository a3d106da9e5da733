"""The vision's API sketch (shared vision document 000: "API Design (v1.0)", "Layout System" and
"Configuration & Theming"), as written there, with only what cannot run as written changed: the
host and port (127.0.0.1, a free port), the placeholder image paths (ICON, a real file), the
heatmap's elided rows (`...`) filled in, and `datetime` imported. tests/python/test_vision.py
runs it and prints the resulting config."""

import json
import os
import sys
from datetime import datetime

ICON = os.environ["SKETCH_ICON"]

import stream_viz as sv

# === METRICS (time-series) ===
cpu = sv.metric("cpu", 
    title="CPU Usage",
    unit="%",
    color="#00d4ff",
    window="1m",           # Aggregate over 1 minute windows
    aggregation="avg",     # sum, avg, min, max, count, rate, p50, p95, p99
    max_points=500,        # History length
    thresholds={           # Color zones
        "warning": 70,
        "critical": 90
    }
)
cpu.send(75.5)

# === STATS (big numbers) ===
total = sv.stat("total_orders",
    title="Total Orders",
    format=",.0f",         # Number formatting
    delta=True,            # Show change from last value
    delta_color="auto",    # green for +, red for -
    sparkline=True,        # Mini chart behind the number
)
total.send(15234)

# === GAUGES (bounded values) ===
temp = sv.gauge("temperature",
    title="Server Temp",
    unit="°C",
    min=0,
    max=100,
    thresholds=[(50, "green"), (70, "yellow"), (100, "red")],
)
temp.send(62)

# === MULTI-SERIES CHARTS ===
chart = sv.line_chart("temperatures",
    title="Component Temps",
    y_axis={"label": "°C", "min": 0, "max": 100},
)
chart.add_series("cpu", color="red", label="CPU")
chart.add_series("gpu", color="blue", label="GPU")
chart.send("cpu", 65)
chart.send("gpu", 72)

# === BAR CHARTS ===
regions = sv.bar_chart("traffic",
    title="Traffic by Region",
    categories=["US", "EU", "Asia"],
    stacked=False,
)
regions.send({"US": 1200, "EU": 980, "Asia": 1450})

# === TABLES (streaming) ===
logs = sv.table("events",
    title="Recent Events",
    columns=[
        {"name": "time", "type": "datetime", "width": 100},
        {"name": "level", "type": "badge", "colors": {"ERROR": "red", "WARN": "yellow"}},
        {"name": "message", "type": "text"},
    ],
    max_rows=100,
    sortable=True,
    filterable=True,
)
logs.send({"time": datetime.now(), "level": "ERROR", "message": "Connection failed"})

# === TEXT/MARKDOWN ===
status = sv.text("status", style="caption")
status("Connected to Kafka cluster")

sv.markdown("notes", """
## Pipeline Status
- **Source**: Kafka (3 partitions)
- **Sink**: PostgreSQL
""")

# === HEATMAPS ===
heatmap = sv.heatmap("latency_distribution",
    title="Latency by Hour",
    x_labels=["Mon", "Tue", "Wed", "Thu", "Fri"],
    y_labels=["00:00", "06:00", "12:00", "18:00"],
)
heatmap.send([[10, 20, 30, 40, 50], [5, 15, 25, 35, 45], [1, 2, 3, 4, 5], [50, 40, 30, 20, 10]])


# Simple: auto-layout (current behavior)
sv.metric("cpu")
sv.metric("memory")
# Renders in 2-column grid

# Explicit columns
with sv.columns(3):
    sv.stat("orders")
    sv.stat("revenue")
    sv.stat("users")

# Rows within columns
with sv.columns(2):
    with sv.column():
        sv.metric("cpu", title="CPU")
        sv.metric("memory", title="Memory")
    with sv.column():
        sv.table("logs")

# Expanders (collapsible sections)
with sv.expander("Advanced Metrics", expanded=False):
    sv.metric("gc_time")
    sv.metric("heap_size")

# Tabs
with sv.tabs(["Overview", "Details", "Logs"]):
    with sv.tab("Overview"):
        sv.stat("total")
    with sv.tab("Details"):
        sv.table("details")
    with sv.tab("Logs"):
        sv.table("logs")

# Sidebar
with sv.sidebar():
    sv.text("Filters")
    # Future: interactive widgets


sv.configure(
    # === Appearance ===
    theme="dark",              # "dark", "light", or custom
    title="My Dashboard",
    favicon=ICON,
    logo=ICON,
    
    # === Behavior ===
    auto_refresh=True,         # Auto-scroll charts
    default_time_range="5m",   # Initial view window
    
    # === Persistence ===
    persistence=None,          # None, "memory", "sqlite:///path", "redis://host"
    retention="24h",           # How long to keep data
    buffer_size=1000,          # In-memory ring buffer per metric
    
    # === Server ===
    host="127.0.0.1",
    port=0,
    cors=True,
    
    # === Auth (future) ===
    auth=None,                 # None, {"type": "basic", "users": {...}}
)

# Custom themes
sv.configure(theme={
    "background": "#1a1a2e",
    "surface": "#16213e",
    "primary": "#00d4ff",
    "secondary": "#7b2cbf",
    "success": "#00ff88",
    "warning": "#ffd93d",
    "error": "#ff6b6b",
    "text": "#e0e0e0",
    "text_muted": "#888888",
    "font_family": "Inter, sans-serif",
})


sv.flush()
json.dump(json.loads(sv._core.config_json()), sys.stdout)
