"""Browser benchmark, in headless Chromium at 1600×1200:

- `load`: a dashboard of 20 metrics updating at 10 Hz and one series of 1M points: the
  main-thread time the page spends drawing per frame, how long the page takes to show the 1M
  series, and how long zooming into one second of it takes (detail fetched and drawn);
- `frames` (issue 15's cases, frames as the browser shows them): 20 live metrics of 2,000
  points at 10 Hz; and 50 live charts (metrics and 2-4-series line charts, 1,000-10,000 points
  each) at 10 Hz plus a 1M-point series: frame interval p50/p95/worst, the longest
  main-thread task and the chart redraws a second over 8 s, also while the 1M-point series is
  zoomed in and out; next to it, in the same run, the
  same case on bare chart pages (benches/chart_compare.html) drawn by ECharts made incremental
  (the library not chosen) and by uPlot.

Run with a release build:

    maturin develop --release && python benches/browser_bench.py [load] [frames]
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("STREAMVIZ_AUTOSTART", "0")

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import stream_viz as sv  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart_compare  # noqa: E402

T0 = time.time() - 1000.0
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


# Frame intervals and long tasks, measured in the page for `seconds` after `warmup`.
MEASURE_FRAMES = """([warmup, seconds]) => new Promise((resolve) => {
  const frames = [], tasks = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
  let start = null, last = null, drawnBefore = 0;
  const drawnSoFar = () => (window.streamviz ? window.streamviz.renderStats.widgets : 0);
  const frame = (t) => {
    if (start === null) start = t;
    if (t - start >= warmup * 1000) {
      if (last === null) { observer.observe({ type: "longtask" }); drawnBefore = drawnSoFar(); }
      else frames.push(t - last);
      last = t;
    }
    if (t - start < (warmup + seconds) * 1000) { requestAnimationFrame(frame); return; }
    observer.disconnect();
    frames.sort((a, b) => a - b);
    const at = (p) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))];
    resolve({ frames: frames.length, fps: frames.length / seconds, p50: at(0.5), p95: at(0.95), worst: frames[frames.length - 1], longest: tasks.length ? Math.max(...tasks) : 0, redraws: (drawnSoFar() - drawnBefore) / seconds });
  };
  requestAnimationFrame(frame);
})"""


def launch(p):
    return p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])


# Zooming the 1M-point series in and out while frames are measured (scrolled into view): every 250 ms, to one second
# of it (its full detail fetched from the server), to a minute, and back to all of it.
ZOOM_BIG = """() => { const spans = [1000, 60000, null]; let k = 0;
  window.streamviz.widgets.get('big').card.scrollIntoView({ block: 'center' });
  window.zoomer = setInterval(() => { const w = window.streamviz.widgets.get('big'); const p = w.data.points;
    const span = spans[k++ % 3]; const end = p[p.length - 1][0] - 30000;
    window.streamviz.zoomTo('big', span === null ? null : end - span, span === null ? null : end); }, 250); }"""


@contextlib.contextmanager
def fed(tick) -> Iterator[None]:
    """A thread calling `tick(k)` (k = 0, 1, ...) ten times a second for the `with` block."""
    stop = threading.Event()

    def feed() -> None:
        k = 0
        while not stop.is_set():
            tick(k)
            k += 1
            time.sleep(0.1)  # pacing to 10 Hz, not synchronisation

    feeder = threading.Thread(target=feed, name="feeder", daemon=True)
    feeder.start()
    try:
        yield
    finally:
        stop.set()
        feeder.join()


def frames_case(name: str, build, during: str | None = None) -> list[dict]:
    """Declare and fill a dashboard with `build()` (returns a function sending one tick of
    updates), serve it, feed it at 10 Hz, and measure frames in Chromium: with cards far from
    the viewport left undrawn (the default), and with every card redrawn (`skipFar` off),
    alternating, twice each; `during`, a function run in the page first, acts while measured."""
    sv.reset()
    tick = build()
    sv.flush(120)
    server = sv.start(port=0)
    try:
        with fed(tick), sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(server.url)
            page.wait_for_function("window.streamviz.connection === 'live' && window.streamviz.widgets.size > 0", timeout=120_000)
            results = []
            if during:
                page.evaluate(during)
            for skip in (True, False, True, False):
                page.evaluate(f"window.streamviz.skipFar = {'true' if skip else 'false'}")
                result = page.evaluate(MEASURE_FRAMES, [3, 8])
                result["skip_far"] = skip
                results.append(result)
            # What the measured page looked like (test-artifacts/, to look at).
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"bench-frames-{name.split()[0]}-charts{'-zooming' if during else ''}.png"))
            browser.close()
    finally:
        sv.stop()
    return results


def twenty_metrics():
    now = time.time()
    metrics = [sv.metric(f"m{i}", title=f"Metric {i}", max_points=2000) for i in range(20)]
    for i, m in enumerate(metrics):
        ts = now - 200 + np.arange(2000) * 0.1
        m.send_many(np.sin(np.arange(2000) / 30 + i), ts)
    return lambda k: [m.send(float(np.sin(k / 10 + i))) for i, m in enumerate(metrics)]


def fifty_charts():
    now = time.time()
    sizes = (1000, 2000, 5000, 10000)
    live: list = []
    for i in range(50):
        n = sizes[i % 4]
        ts = now - n * 0.1 + np.arange(n) * 0.1
        if i % 10 < 7:
            m = sv.metric(f"m{i}", title=f"Metric {i}", max_points=n)
            m.send_many(np.sin(np.arange(n) / 30 + i), ts)
            live.append(lambda k, m=m, i=i: m.send(float(np.sin(k / 10 + i))))
        else:
            names = [f"s{j}" for j in range(2 + i % 3)]
            chart = sv.line_chart(f"l{i}", title=f"Lines {i}", max_points=n, series=names)
            for j, name in enumerate(names):
                chart.send_many(name, np.cos(np.arange(n) / 40 + j), ts)
            live.append(lambda k, c=chart, names=names: [c.send(name, float(np.cos(k / 10 + j))) for j, name in enumerate(names)])
    big = sv.metric("big", title="1M points", max_points=1_000_000)
    big.send_many(np.sin(np.arange(1_000_000) / 5000.0) * 100, now - 1000 + np.arange(1_000_000) / 1000.0)
    return lambda k: [send(k) for send in live]


def library_pages(query: str) -> list[dict]:
    """The same case drawn by a page of bare charts (benches/chart_compare.html) with each
    library: ECharts made incremental, the library not chosen, and uPlot, the one the dashboard
    draws with; both decimated (M4) first, as the dashboard does."""
    files = chart_compare.serve_root()
    base = f"http://127.0.0.1:{files.server_address[1]}/benches/chart_compare.html"
    results = []
    try:
        with sync_playwright() as p:
            browser = launch(p)
            for lib in ("echarts-incremental-m4", "uplot-m4"):
                page = browser.new_page(viewport={"width": 1600, "height": 1200})
                page.goto(f"{base}?lib={lib}&{query}&warmup=3&seconds=8")
                page.wait_for_function("window.result !== undefined", timeout=120_000)
                result = page.evaluate("window.result")
                result["lib"] = lib
                results.append(result)
                page.close()
            browser.close()
    finally:
        files.shutdown()
    return results


def report_frames() -> None:
    print("\n## frames as the browser shows them: the dashboard (uPlot), and bare chart pages of each library")
    print("| case | page | frames/s | frame p50 | p95 | worst | longest task | chart redraws/s |\n|---|---|---:|---:|---:|---:|---:|---:|")
    cases = (
        ("20 metrics × 2,000 points, 10 Hz", twenty_metrics, "charts=20&points=2000&series=1", None),
        ("50 charts × 1,000–10,000 points, 10 Hz, + 1M-point series", fifty_charts, "charts=50&points=1000,2000,5000,10000&series=1,1,1,3&big=1000000", None),
        ("the 50 charts, the 1M-point series zoomed in and out every 250 ms", fifty_charts, None, ZOOM_BIG),
    )
    for name, build, query, during in cases:
        for r in frames_case(name, build, during):
            far = "far cards wait (default)" if r["skip_far"] else "every card redrawn"
            print(f"| {name} | dashboard, {far} | {r['fps']:.1f} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['worst']:.0f} ms | {r['longest']:.0f} ms | {r['redraws']:.0f} |")
        for r in library_pages(query) if query else []:
            print(f"| {name} | bare {r['lib']} | {r['fps']:.1f} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['worst']:.0f} ms | {r['longestTask']:.0f} ms | — |")


def main() -> None:
    chosen = sys.argv[1:] or ["load", "frames"]
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {time.strftime('%Y-%m-%d')}")
    if "load" in chosen:
        report_load()
    if "frames" in chosen:
        report_frames()


def report_load() -> None:
    n = 1_000_000
    big = sv.metric("big", max_points=n)
    values = np.sin(np.arange(n) / 5000.0) * 100
    for i, v in enumerate(values.tolist()):
        big.send(v, timestamp=T0 + i / 1000.0)
    metrics = [sv.metric(f"m{i}", title=f"Metric {i}") for i in range(20)]
    sv.flush(60)
    server = sv.start(port=0)

    def tick(k: int) -> None:
        for i, m in enumerate(metrics):
            m.send(float(np.sin(k / 10 + i)))

    with fed(tick), sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1600, "height": 1200})
        started = time.perf_counter()
        page.goto(server.url)
        # Until the chart draws the history (a frame may draw the empty card before it arrives).
        page.wait_for_function("(() => { const w = window.streamviz.widgets.get('big'); return w && w.data.points.length > 0 && window.streamviz.drawn('big')?.series[0].data.length > 0; })()", timeout=120_000)
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
                    if (d && d !== before && d.key !== null && window.streamviz.drawn('big').series[0].data.length === 1001) resolve(performance.now() - t);
                    else requestAnimationFrame(check);
                }};
                check();
            }})"""))
        browser.close()
    sv.stop()
    per_frame = stats["totalMs"] / max(1, stats["frames"])
    print(f"page load until the 1M series is drawn: {load_s:.2f} s (history sent: {history} points after M4)")
    print(f"20 metrics at 10 Hz for 10 s: {stats['frames']} frames, {stats['widgets']} widget redraws, "
          f"main-thread drawing {per_frame:.2f} ms per frame on average, {stats['maxMs']:.1f} ms worst")
    print(f"zoom into 1 s of the 1M series (fetch full detail + draw): median {sorted(zooms)[2]:.0f} ms, worst {max(zooms):.0f} ms")


if __name__ == "__main__":
    main()
