"""Chart libraries compared on the same live dashboard in headless Chromium (issue 15, point 2):
ECharts as the dashboard draws today (whole option rebuilt each redraw), ECharts made
incremental (only the changed series' data merged, no animation, lazyUpdate) and uPlot
(setData), each also with M4 decimation to the chart's width first (assets/decimate.js), side
by side in one run, interleaved, at 1600×1200. Cases: 20 metrics of 2,000
points at 10 Hz; 50 charts of 1,000-10,000 points (one to four series) at 10 Hz plus one static
1M-point chart. Prints frame interval p50/p95/worst, frames per second, the longest main-thread
task, and how long the 1M-point chart took to draw. The page is benches/chart_compare.html,
with ECharts from assets/vendor and uPlot from assets/vendor/uplot.

    python benches/chart_compare.py [rounds]
"""

from __future__ import annotations

import functools
import http.server
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
LIBS = ("echarts-full", "echarts-incremental", "echarts-incremental-m4", "uplot", "uplot-m4")
CASES = {
    "20 metrics × 2,000 points, 10 Hz": "charts=20&points=2000&series=1",
    "50 charts × 1,000–10,000 points (1–4 series), 10 Hz, + 1M-point chart": "charts=50&points=1000,2000,5000,10000&series=1,2,4,1&big=1000000",
}


class Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve_root() -> http.server.ThreadingHTTPServer:
    handler = functools.partial(Files, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, name="files", daemon=True).start()
    return server


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    print(f"# {platform.machine()} {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}, headless Chromium 1600×1200, {rounds} interleaved rounds (medians)")
    files = serve_root()
    base = f"http://127.0.0.1:{files.server_address[1]}/benches/chart_compare.html"
    results: dict[tuple[str, str], list[dict]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        for _ in range(rounds):
            for case, query in CASES.items():
                for lib in LIBS:
                    page = browser.new_page(viewport={"width": 1600, "height": 1200})
                    page.goto(f"{base}?lib={lib}&{query}&warmup=2&seconds=8")
                    page.wait_for_function("window.result !== undefined", timeout=120_000)
                    results.setdefault((case, lib), []).append(page.evaluate("window.result"))
                    page.close()
        browser.close()
    files.shutdown()
    for case in CASES:
        print(f"\n## {case}\n| library | frames/s | frame p50 | p95 | worst | longest task | 1M-point chart drawn in |\n|---|---:|---:|---:|---:|---:|---:|")
        for lib in LIBS:
            runs = results[(case, lib)]
            med = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
            big = [r["bigDrawMs"] for r in runs if r["bigDrawMs"] is not None]
            big_text = f"{statistics.median(big):.0f} ms" if big else "—"
            print(f"| {lib} | {med('fps'):.1f} | {med('p50'):.1f} ms | {med('p95'):.1f} ms | {med('worst'):.0f} ms | {med('longestTask'):.0f} ms | {big_text} |")


if __name__ == "__main__":
    main()
