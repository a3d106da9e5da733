"""Time to the first dashboard from the wheel: `pip install` of the wheel `scripts/wheel.sh`
built into a fresh virtualenv, then `streamviz demo`, until headless Chromium shows the first
data point; with the wheel's size, and `pip install` of rerun-sdk's wheel (a local file too)
beside it as the peer. The virtualenv's creation is timed apart (every install needs one).

    scripts/wheel.sh && python benches/wheel_bench.py dist/stream_viz-*.whl [--runs 3]

Needs Playwright (the test packages) and /usr/bin/chromium; pip downloads rerun-sdk's wheel
once into a cache (skipped with --no-peer). Prints a Markdown table for docs/BENCHMARKS.md."""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

RERUN = "rerun-sdk==0.41.0"


def fresh_venv(where: Path) -> tuple[dict[str, str], float]:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    env = {"PATH": f"{where}/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}
    return env, time.perf_counter() - start


def pip_install(env: dict[str, str], venv: Path, wheel: Path) -> None:
    subprocess.run([f"{venv}/bin/python", "-m", "pip", "install", "--quiet", "--no-index", "--no-deps",
                    "--disable-pip-version-check", str(wheel)], check=True, env=env)


def first_point(wheel: Path, browser) -> dict[str, float]:
    """One run: seconds of venv creation, pip install, demo start (until it prints its URL) and
    the browser's first point (page load until a chart holds a point)."""
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        env, venv_s = fresh_venv(venv)
        start = time.perf_counter()
        pip_install(env, venv, wheel)
        installed = time.perf_counter()
        demo = subprocess.Popen(["streamviz", "demo", "--port", "0"], stderr=subprocess.PIPE, text=True, env=env)
        assert demo.stderr is not None
        try:
            url = next(m.group(1) for line in demo.stderr if (m := re.search(r"StreamViz demo: (\S+)", line)))
            serving = time.perf_counter()
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("window.streamviz?.widgets.get('cpu')?.data.points.length > 0", timeout=60_000)
            shown = time.perf_counter()
            page.close()
        finally:
            demo.send_signal(signal.SIGINT)
            demo.wait(timeout=30)
    return {"venv": venv_s, "pip": installed - start, "serve": serving - installed, "browser": shown - serving, "total": shown - start}


def peer_install(cache: Path) -> float:
    """Seconds to `pip install` rerun-sdk's wheel (downloaded beforehand, installed from the
    file) into a fresh virtualenv, with its dependencies from the same local directory."""
    cache.mkdir(parents=True, exist_ok=True)
    if not any(cache.glob("rerun_sdk-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(cache), RERUN], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        env, _ = fresh_venv(venv)
        start = time.perf_counter()
        subprocess.run([f"{venv}/bin/python", "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(cache),
                        "--disable-pip-version-check", RERUN], check=True, env=env)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true")
    args = parser.parse_args()
    runs = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for _ in range(args.runs):
            runs.append(first_point(args.wheel, browser))
        browser.close()
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    size = args.wheel.stat().st_size / 1024 / 1024
    print(f"\n## pip install of the wheel → first data point in Chromium (median of {args.runs}; {args.wheel.name}, {size:.1f} MiB)")
    print("| fresh venv | pip install | demo serving | browser shows a point | pip install → point |")
    print("|---|---|---|---|---|")
    print(f"| {median['venv']:.2f} s | {median['pip']:.2f} s | {median['serve']:.2f} s | {median['browser']:.2f} s | **{median['total']:.2f} s** |")
    print("runs (pip install → point): " + ", ".join(f"{r['total']:.2f} s" for r in runs))
    if not args.no_peer:
        peers = [peer_install(Path.home() / ".cache" / "streamviz-bench-wheels") for _ in range(args.runs)]
        peer = statistics.median(peers)
        print(f"\npeer: pip install {RERUN} from local wheels into a fresh venv: {peer:.2f} s (median of {args.runs}); "
              f"stream-viz's pip install is {median['pip'] / peer:.2f}× that")


if __name__ == "__main__":
    main()
