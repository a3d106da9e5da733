"""The demo streams into every widget kind and runs as `python -m stream_viz demo`."""

import json
import os
import random
import subprocess
import sys

import stream_viz as sv
from stream_viz import demo


def test_demo_feeds_every_widget_kind():
    widgets = demo.build()
    rng = random.Random(1)
    for i in range(71):
        demo.step(widgets, i, rng)
    assert sv.flush()
    held = {w["id"]: w["held"] for w in sv.stats()["per_widget"]}
    kinds = {w["kind"] for w in json.loads(sv._core.config_json())["widgets"]}
    assert kinds == {"metric", "stat", "gauge", "line_chart", "bar_chart", "table", "text", "markdown", "heatmap"}
    assert all(count > 0 for count in held.values()), held


def test_demo_command_serves_and_exits():
    env = {k: v for k, v in os.environ.items() if k != "STREAMVIZ_AUTOSTART"}
    result = subprocess.run(
        [sys.executable, "-m", "stream_viz", "demo", "--port", "0", "--duration", "1"],
        capture_output=True, text=True, timeout=60, env=env,
    )
    assert result.returncode == 0, result.stderr
    assert "StreamViz demo: http://127.0.0.1:" in result.stderr
