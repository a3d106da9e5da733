"""A flood from Python: send_many(block=False) far faster than the engine can aggregate. The
producer is never blocked, memory stays bounded, what is dropped is counted per widget in
sv.stats(), on the widget, in /api/v1/stats, and shown on the card in the browser."""

from __future__ import annotations

import json

import numpy as np

import stream_viz as sv
from conftest import ARTIFACTS, http_json, rss_bytes



def test_a_flood_is_dropped_and_counted_never_blocking_and_never_growing(server, page):
    # Sliding windows of percentiles, a hundred panes to merge every millisecond of data: far
    # costlier for the engine than for the producer.
    slow = sv.metric("slow", window="100ms", slide="1ms", aggregation="p99.9")
    calm = sv.metric("calm")
    calm.send(1.0)
    dropped_before = sv.stats()["points_dropped"]  # counts since the process started
    n = 3_000_000
    values = np.random.default_rng(3).lognormal(3, 1, n)
    seconds = 1_700_000_000 + np.arange(n) / 1e6
    sv.flush()
    before = rss_bytes()
    sent = queued = 0
    for attempt in range(10):
        queued += slow.send_many(values, seconds + attempt * 5, block=False)
        sent += n
        if slow.dropped:
            break
    grown = rss_bytes() - before
    assert slow.dropped > 0, "a flood this large is more than the engine takes"
    assert queued + slow.dropped == sent, "every point queued or counted as dropped"
    assert grown < 256 * 2**20, f"the process grew by {grown / 2**20:.0f} MiB"
    sv.flush()
    stats = {w["id"]: w for w in sv.stats()["per_widget"]}
    assert stats["slow"]["accepted"] == queued
    assert stats["slow"]["dropped"] == slow.dropped
    assert (stats["calm"]["dropped"], calm.dropped) == (0, 0)
    assert sv.stats()["points_dropped"] == dropped_before + slow.dropped
    status, body = http_json(server.url + "api/v1/stats")
    assert status == 200
    assert {w["id"]: w["dropped"] for w in body["per_widget"]} == {"slow": slow.dropped, "calm": 0}

    page.goto(server.url)
    page.wait_for_function(f"document.querySelector('[data-widget=slow] .sv-loss')?.dataset.dropped === '{slow.dropped}'")
    badge = page.locator("[data-widget=slow] .sv-loss")
    assert badge.is_visible()
    assert badge.inner_text().startswith("⚠ ") and badge.inner_text().endswith(" dropped")
    assert f"{slow.dropped:,} updates dropped" in badge.get_attribute("title")
    assert page.locator("[data-widget=calm] .sv-loss").is_hidden()
    page.locator("[data-widget=slow]").screenshot(path=str(ARTIFACTS / "dropped-badge.png"))
    # New drops reach an open page by themselves.
    before_more = slow.dropped
    for attempt in range(10, 20):
        slow.send_many(values, seconds + attempt * 5, block=False)
        if slow.dropped > before_more:
            break
    assert slow.dropped > before_more
    page.wait_for_function(f"document.querySelector('[data-widget=slow] .sv-loss').dataset.dropped === '{slow.dropped}'")
    assert json.loads(sv.export("calm", "json"))["data"]["points"][0][1] == 1.0
