"""``sv.snapshot_html(path)``: the dashboard as it is now, as one self-contained HTML file."""

from __future__ import annotations

import os
from pathlib import Path

from . import _core
from .errors import StreamVizTypeError


def snapshot_html(path: str | os.PathLike[str]) -> Path:
    """Write the dashboard as it is now to ``path``: one HTML file with its data, code and styles
    inside, that opens in a browser with no server and no network (send it, attach it to an
    incident). Every page, widget and theme is there, with zoom, tooltips and the time range
    working on the captured data; series longer than 20,000 points are M4-decimated to 4,000
    columns (the first, lowest, highest and last point of each), as new viewers get them.
    Waits for what was sent to be applied first. Returns the path written. The same file comes
    from the header's Snapshot button and ``streamviz snapshot URL|DB -o FILE``."""
    if not isinstance(path, (str, os.PathLike)):
        raise StreamVizTypeError(f"path is a str or os.PathLike, not {type(path).__name__}")
    target = Path(path)
    _core.flush(10.0)
    target.write_text(_core.snapshot_html(), encoding="utf-8")
    return target
