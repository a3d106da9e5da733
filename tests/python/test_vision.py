"""The vision's API sketch runs as written (tests/python/vision/sketch.py) and declares what it
says: every widget, the layout, and the settings every viewer opens with."""

import json
import os
import subprocess
import sys
from pathlib import Path

SKETCH = Path(__file__).resolve().parent / "vision" / "sketch.py"
ICON = Path(__file__).resolve().parents[2] / "assets" / "favicon.svg"


def test_the_vision_s_api_sketch_runs_as_written() -> None:
    env = dict(os.environ, SKETCH_ICON=str(ICON), STREAMVIZ_AUTOSTART="0")
    run = subprocess.run([sys.executable, str(SKETCH)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    config = json.loads(run.stdout.strip().splitlines()[-1])
    ids = [w["id"] for w in config["widgets"]]
    for expected in ("cpu", "total_orders", "temperature", "temperatures", "traffic", "events", "status", "notes", "latency_distribution", "orders", "revenue", "users", "gc_time", "logs"):
        assert expected in ids, expected
    temps = next(w for w in config["widgets"] if w["id"] == "temperatures")
    assert [s["name"] for s in temps["options"]["series"]] == ["cpu", "gpu"]
    # `with sv.columns(3):` put orders, revenue and users side by side.
    rows = [c for c in config["layout"]["pages"][0]["children"] if c["type"] == "columns"]
    assert [[w["id"] for w in col["children"]] for col in rows[0]["children"]] == [["orders"], ["revenue"], ["users"]]
    assert config["title"] == "My Dashboard"
    assert config["default_time_range_ms"] == 300_000 and config["auto_refresh"] is True
