"""Jupyter notebooks (classic and JupyterLab): a widget, or :func:`dashboard`, as a cell's last
expression shows inline as an ``<iframe>`` of the running server (the widget's embed URL, with
its widget-scoped token, or the dashboard's URL, with the token when ``auth="token"``). Inside a
kernel each cell counts its layout containers on its own (``_layout.begin_cell``), so running a
cell again re-declares the same widgets and containers: options replaced, data kept.

The server runs on a thread of the kernel's process, so ``start()`` returns at once and the
cell ends; the iframes load from the browser that shows the notebook, which must reach the
server's address (the notebook and the server on the same machine, or ``host=`` and a URL the
browser can reach).
"""

from __future__ import annotations

import html
import sys
from typing import Any

# Heights in CSS pixels: a card (title, chart, status line), the whole dashboard.
WIDGET_HEIGHT = 340
DASHBOARD_HEIGHT = 640
MIN_HEIGHT, MAX_HEIGHT = 120, 4000


def kernel() -> Any | None:
    """The IPython shell of the Jupyter kernel this process is, or None (a script, a terminal
    IPython)."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _pre_run_cell(info: Any) -> None:
    from . import _layout

    cell = getattr(info, "cell_id", None)
    _layout.begin_cell(cell[:8].replace("-", "") if isinstance(cell, str) and cell else None)


def install() -> None:
    """In a kernel, count layout containers per cell (once per process)."""
    shell = kernel()
    if shell is None or getattr(shell, "_streamviz_hooked", False):
        return
    shell.events.register("pre_run_cell", _pre_run_cell)
    shell._streamviz_hooked = True


def check_height(height: object) -> int:
    from .errors import ValidationError

    if not isinstance(height, int) or isinstance(height, bool) or not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise ValidationError(f"height is an int of CSS pixels between {MIN_HEIGHT} and {MAX_HEIGHT}, not {height!r}")
    return height


def iframe(url: str, height: int, title: str) -> str:
    """An iframe of ``url`` filling the output's width."""
    return (
        f'<iframe src="{html.escape(url, quote=True)}" title="{html.escape(title, quote=True)}" '
        f'style="width:100%;height:{height}px;border:0" loading="eager"></iframe>'
    )


def widget_html(widget_id: str, height: int = WIDGET_HEIGHT) -> str | None:
    """The widget's embed in an iframe, or None (the plain repr) while no server runs."""
    from . import _core

    if _core.server_url() is None:
        return None
    return iframe(_core.embed_url(widget_id, 0), height, f"StreamViz {widget_id}")


class Dashboard:
    """The whole dashboard, shown inline when it is a cell's last expression
    (:func:`stream_viz.dashboard`)."""

    def __init__(self, url: str, height: int) -> None:
        self.url = url
        self.height = height

    def _repr_html_(self) -> str:
        return iframe(self.url, self.height, "StreamViz dashboard")

    def __repr__(self) -> str:
        return f"<stream_viz.Dashboard {self.url}>"

