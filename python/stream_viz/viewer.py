"""``streamviz-viewer URL``: the native viewer of a running StreamViz producer.

Installed as a console script with the package, and run as ``python -m stream_viz.viewer URL``
by ``stream_viz.start(mode="window")``. ``--help`` lists the options.
"""

from __future__ import annotations

import sys

from . import _core


def main(argv: list[str] | None = None) -> None:
    """Run the viewer with ``argv`` (default: the command line) and exit with its status."""
    args = sys.argv[1:] if argv is None else argv
    try:
        status = _core.run_viewer(["streamviz-viewer", *args])
    except KeyboardInterrupt:  # Ctrl+C closed the window; Python saw the signal too
        status = 0
    sys.exit(status)


if __name__ == "__main__":
    main()
