"""Command line: ``python -m stream_viz demo`` streams synthetic data into every widget kind."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stream_viz", description="StreamViz command line")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="serve a dashboard of every widget kind fed with synthetic data")
    demo.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    demo.add_argument("--port", type=int, default=3000, help="port (default: 3000; 0 picks a free one)")
    demo.add_argument("--rate", type=float, default=10.0, help="updates per second per widget (default: 10)")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: run until Ctrl+C)")
    demo.add_argument("--open", action="store_true", help="open the dashboard in a browser")
    demo.add_argument("--mode", choices=("web", "window", "both"), default="web", help="web: browser dashboard only; window: also open the native viewer; both: the same, printing the browser URL (default: web)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        try:
            run(host=args.host, port=args.port, rate_hz=args.rate, duration_s=args.duration, open_browser=args.open, mode=args.mode)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
