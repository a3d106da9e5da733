"""Browser benchmark: a dashboard of 20 metrics updating at 10 Hz and one series of 1M points,
in headless Chromium. Reports the main-thread time the page spends drawing per frame, how long
the page takes to show the 1M series, and how long zooming into one second of it takes (detail
fetched from the server and drawn). Run with a release build:

    maturin develop --release && python benches/browser_bench.py
"""

from __future__ import annotations

import os
import platform
import threading
import time

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import stream_viz as sv  # noqa: E402

T0 = time.time() - 1000.0


def main() -> None:
    n = 1_000_000
    big = sv.metric("big", max_points=n)
    values = np.sin(np.arange(n) / 5000.0) * 100
    for i, v in enumerate(values.tolist()):
        big.send(v, timestamp=T0 + i / 1000.0)
    metrics = [sv.metric(f"m{i}", title=f"Metric {i}") for i in range(20)]
    sv.flush(60)
    server = sv.start(port=0)
    stop = threading.Event()

    def feed() -> None:
        k = 0
        while not stop.is_set():
            for i, m in enumerate(metrics):
                m.send(float(np.sin(k / 10 + i)))
            k += 1
            time.sleep(0.1)

    feeder = threading.Thread(target=feed, name="feeder", daemon=True)
    feeder.start()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        started = time.perf_counter()
        page.goto(server.url)
        # Until the chart draws the history (a frame may draw the empty card before it arrives).
        page.wait_for_function("(() => { const w = window.streamviz.widgets.get('big'); return w && w.chart && w.data.points.length > 0 && w.chart.getOption().series[0].data.length > 0; })()", timeout=120_000)
        load_s = time.perf_counter() - started
        history = page.evaluate("window.streamviz.widgets.get('big').data.points.length")
        page.evaluate("window.streamviz.renderStats = {frames: 0, widgets: 0, totalMs: 0, maxMs: 0}")
        time.sleep(10)
        stats = page.evaluate("window.streamviz.renderStats")
        zooms = []
        for k in range(5):
            start = T0 * 1000 + 100_000 * (k + 1)
            zooms.append(page.evaluate(f"""new Promise((resolve) => {{
                const t = performance.now();
                const w = window.streamviz.widgets.get('big');
                const before = w.detail;
                window.streamviz.zoomTo('big', {start}, {start + 1000});
                const check = () => {{
                    const d = w.detail;
                    // A new detail, fetched for this span, drawn.
                    if (d && d !== before && d.key !== null && w.chart.getOption().series[0].data.length === 1001) resolve(performance.now() - t);
                    else requestAnimationFrame(check);
                }};
                check();
            }})"""))
        browser.close()
    stop.set()
    feeder.join()
    sv.stop()
    per_frame = stats["totalMs"] / max(1, stats["frames"])
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"page load until the 1M series is drawn: {load_s:.2f} s (history sent: {history} points after M4)")
    print(f"20 metrics at 10 Hz for 10 s: {stats['frames']} frames, {stats['widgets']} widget redraws, "
          f"main-thread drawing {per_frame:.2f} ms per frame on average, {stats['maxMs']:.1f} ms worst")
    print(f"zoom into 1 s of the 1M series (fetch full detail + draw): median {sorted(zooms)[2]:.0f} ms, worst {max(zooms):.0f} ms")


if __name__ == "__main__":
    main()
