"""The native viewer lays the demo out as the browser does: the same dashboard, served once, is
drawn by Chromium and by the native viewer (egui_kittest, connected to the same URL as
`streamviz-viewer URL` is), and every widget's box (position and size, relative to the area
below the header) agrees within 2 % of the window's width, on every page and tab, in a wide and
a narrow window (tall enough that nothing scrolls: layout does not depend on the height). The native side runs `tests/layout_parity.rs`, which prints what it drew."""

import json
import os
import pathlib
import random
import shutil
import subprocess

import pytest

import stream_viz as sv
from stream_viz import demo

from conftest import ARTIFACTS

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What is clicked between measurements, in both viewers: a tab, then a page.
STEPS = ["", "Load", "Capacity"]
# A box's edges may differ by this share of the window's width (text wraps a little
# differently in the two viewers' fonts).
TOLERANCE = 0.02

# Every widget shown has had its history and been drawn with it since (texts and markdown
# included: a card drawn before its history came is shorter).
DRAWN = """(() => {
  const widgets = [...window.streamviz.widgets.values()];
  return widgets.length > 0 && widgets.every((w) => !w.card.checkVisibility() || w.newHistory === false);
})()"""

MEASURE = """() => {
  const body = document.querySelector('.sv-body').getBoundingClientRect();
  const cards = {};
  for (const card of document.querySelectorAll('.sv-card[data-widget]')) {
    if (!card.checkVisibility()) continue;
    const r = card.getBoundingClientRect();
    cards[card.dataset.widget] = [r.x - body.x, r.y - body.y, r.width, r.height];
  }
  return { body: [0, 0, body.width, window.innerHeight - body.y], cards };
}"""


def browser_boxes(page, url: str, size: tuple[int, int]) -> list[dict]:
    page.set_viewport_size({"width": size[0], "height": size[1]})
    page.goto(url)
    out = []
    for step in STEPS:
        if step:
            page.get_by_text(step, exact=True).click()
        page.wait_for_function(DRAWN)
        out.append(page.evaluate(MEASURE))
        page.screenshot(path=str(ARTIFACTS / f"parity-browser-{size[0]}-{step or 'start'}.png"), full_page=True)
    return out


def native_boxes(url: str, size: tuple[int, int]) -> list[dict]:
    cargo = shutil.which("cargo")
    if cargo is None:
        pytest.fail("cargo is needed to draw the native viewer (tests/layout_parity.rs)")
    env = {**os.environ, "SV_PARITY_URL": url, "SV_PARITY_SIZE": f"{size[0]}x{size[1]}", "SV_PARITY_STEPS": ",".join(STEPS)}
    result = subprocess.run(
        [cargo, "test", "--quiet", "--test", "layout_parity", "--", "--ignored", "--nocapture", "--test-threads=1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    lines = [line.removeprefix("SV-BOXES ") for line in result.stdout.splitlines() if line.startswith("SV-BOXES ")]
    assert result.returncode == 0 and len(lines) == len(STEPS), result.stdout[-3000:] + result.stderr[-3000:]
    return [json.loads(line) for line in lines]


def differences(browser: dict, native: dict) -> list[str]:
    """Each widget box that is not where the browser has it, with both boxes."""
    width = browser["body"][2]
    out = []
    if set(browser["cards"]) != set(native["cards"]):
        out.append(f"widgets shown: browser {sorted(browser['cards'])}, native {sorted(native['cards'])}")
    for widget, b in browser["cards"].items():
        n = native["cards"].get(widget)
        if n is None:
            continue
        off = [abs(b[i] - n[i]) / width for i in range(4)]
        if max(off) > TOLERANCE:
            out.append(f"{widget}: browser {[round(v) for v in b]}, native {[round(v) for v in n]}")
    return out


@pytest.mark.parametrize("size", [(1280, 2400), (700, 2400)], ids=["wide", "narrow"])
def test_the_native_viewer_lays_the_demo_out_as_the_browser_does(page, size) -> None:
    widgets = demo.build()
    rng = random.Random(7)
    for i in range(200):
        demo.step(widgets, i, rng)
    assert sv.flush()
    server = sv.start(port=0)
    browser = browser_boxes(page, server.url, size)
    native = native_boxes(server.url, size)
    problems = []
    for step, b, n in zip(STEPS, browser, native):
        assert len(b["cards"]) >= 2, (step, b)
        problems += [f"[{step or 'start'}] {p}" for p in differences(b, n)]
    table = [
        f"[{step or 'start'}] {w}: browser {[round(v) for v in b['cards'].get(w, [])]}, native {[round(v) for v in n['cards'].get(w, [])]}"
        for step, b, n in zip(STEPS, browser, native)
        for w in sorted(set(b["cards"]) | set(n["cards"]))
    ]
    assert problems == [], "\n".join(problems + ["every box:"] + table)
