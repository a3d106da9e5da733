"""Command line, installed as the ``streamviz`` console script and run as ``python -m stream_viz``:
``demo`` streams synthetic data into every widget kind; ``replay metrics.db`` serves a recording
to browsers with a time scrubber; ``serve`` (pushes from other processes and languages),
``snapshot`` (a dashboard as one HTML file) and ``hash-password`` are the Rust ``streamviz``
binary's commands, run in this process."""

from __future__ import annotations

import argparse
import sys

# Commands of the Rust command line (src/cli.rs): their options are parsed there.
RUST_COMMANDS = ("serve", "snapshot", "hash-password")


def main(argv: list[str] | None = None, prog: str = "python -m stream_viz") -> int:
    words = sys.argv[1:] if argv is None else argv
    if words and words[0] in RUST_COMMANDS:
        return _rust(prog, words)
    parser = argparse.ArgumentParser(prog=prog, description="StreamViz command line")
    commands = parser.add_subparsers(dest="command", required=True)
    # Listed for --help only: main() hands them to the Rust command line before parsing.
    commands.add_parser("serve", add_help=False, help="serve an empty dashboard that other processes and languages fill "
                        "(POST /api/v1/push, WebSocket), or a recording with --open DB; `serve --help` lists its options")
    commands.add_parser("snapshot", add_help=False, help="write a dashboard (a server's URL, or a recording) as one HTML file that opens "
                        "with no server: `snapshot URL|DB -o FILE`")
    commands.add_parser("hash-password", add_help=False, help="print the argon2 hash of a password read from standard input, for an --auth file")
    demo = commands.add_parser("demo", help="serve a dashboard of every widget kind fed with synthetic data")
    demo.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    demo.add_argument("--port", type=int, default=3000, help="port (default: 3000; 0 picks a free one)")
    demo.add_argument("--rate", type=float, default=10.0, help="updates per second per widget (default: 10)")
    demo.add_argument("--duration", type=float, default=None, help="stop after this many seconds (default: run until Ctrl+C)")
    demo.add_argument("--open", action="store_true", help="open the dashboard in a browser")
    demo.add_argument("--mode", choices=("web", "window", "both"), default="web", help="web: browser dashboard only; window: also open the native viewer; both: the same, printing the browser URL (default: web)")
    replay = commands.add_parser("replay", help="serve a recording (a database persistence wrote) to browsers, read-only, with a time scrubber")
    replay.add_argument("database", help="the SQLite file, e.g. metrics.db")
    replay.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    replay.add_argument("--port", type=int, default=3000, help="port (default: 3000; 0 picks a free one)")
    replay.add_argument("--open", action="store_true", help="open the dashboard in a browser")
    args = parser.parse_args(words)
    if args.command == "replay":
        return _replay(prog, args.database, args.host, args.port, args.open)
    if args.command == "demo":
        from .demo import run

        try:
            run(host=args.host, port=args.port, rate_hz=args.rate, duration_s=args.duration, open_browser=args.open, mode=args.mode)
        except KeyboardInterrupt:
            pass
    return 0


def _rust(prog: str, args: list[str]) -> int:
    """Run a command of the Rust command line; Ctrl+C stops `serve` (the server shuts down)."""
    from . import _core

    try:
        return _core.run_cli([prog, *args])
    except KeyboardInterrupt:  # the signal also reached Python while Rust handled it
        return 0


def cli() -> None:
    """The ``streamviz`` console script."""
    sys.exit(main(prog="streamviz"))


def _replay(prog: str, database: str, host: str, port: int, open_browser: bool) -> int:
    import threading
    import webbrowser

    from . import _core
    from .errors import StreamVizError

    if not 0 <= port <= 65535:
        print(f"{prog} replay: --port {port} is not between 0 and 65535", file=sys.stderr)
        return 2
    try:
        url = _core.serve_recording(database, host, port)
    except (StreamVizError, OSError) as err:
        print(f"{prog} replay: {err}", file=sys.stderr)
        return 1
    print(f"StreamViz replay of {database}: {url}  (Ctrl+C to stop)", file=sys.stderr, flush=True)
    if open_browser:
        webbrowser.open(url)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        _core.stop_server()
    return 0


if __name__ == "__main__":
    sys.exit(main())
