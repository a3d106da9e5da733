"""Themes and branding: built-in and custom palettes colour the page and the charts alike, embeds
override the theme from their URL, favicon and logo are served safely, and bad values are refused
before anything changes. Screenshots of every widget kind in the light theme go to
test-artifacts/ (the dark ones come from test_browser.py)."""

import json
import struct
import urllib.request
import zlib
from pathlib import Path

import pytest
from conftest import ARTIFACTS
from test_browser import card, declare_all, drawn

import stream_viz as sv

CUSTOM = {
    "background": "#1a1a2e",
    "surface": "#16213e",
    "primary": "#ff7f11",
    "secondary": "#7b2cbf",
    "success": "#00ff88",
    "warning": "#ffd93d",
    "error": "#ff6b6b",
    "text": "#e0e0e0",
    "text_muted": "#888888",
    "font_family": "DejaVu Serif, serif",
}


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def styles(page, selector: str, *properties: str) -> list[str]:
    return page.locator(selector).first.evaluate(
        f"e => {json.dumps(list(properties))}.map(p => getComputedStyle(e)[p])"
    )


def test_a_custom_theme_colours_the_page_and_the_charts(server, page) -> None:
    sv.configure(title="Branded", theme=CUSTOM)
    cpu = sv.metric("cpu", unit="%", thresholds={"warning": 70})
    for v in (50, 60, 75):
        cpu.send(v)
    sv.flush()
    page.goto(server.url)
    page.wait_for_function("Number(document.querySelector('[data-widget=cpu]')?.dataset.rendered) > 0 && window.streamviz.widgets.get('cpu').data.points.length === 3")
    assert styles(page, "body", "backgroundColor", "color", "fontFamily") == [rgb("#1a1a2e"), rgb("#e0e0e0"), "\"DejaVu Serif\", serif"]
    assert styles(page, ".sv-card", "backgroundColor") == [rgb("#16213e")]
    assert styles(page, ".sv-card-title", "color") == [rgb("#888888")]
    shown = drawn(page, "cpu")
    assert shown["series"][0]["color"] == "#ff7f11", "the chart uses the theme's primary colour"
    assert shown["lines"][0]["color"] == "#ffd93d"
    assert styles(page, "[data-widget=cpu] .sv-value", "color") == [rgb("#ffd93d")], "75 is at warning level"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "theme-custom.png"), full_page=True)

    # An embed can ask for a built-in theme instead.
    page.goto(server.url + "embed/cpu?theme=light")
    page.wait_for_function("Number(document.querySelector('[data-widget=cpu]')?.dataset.rendered) > 0")
    assert styles(page, "body", "backgroundColor") == [rgb("#f4f6fa")]
    assert drawn(page, "cpu")["series"][0]["color"] == "#0077b6"
    page.screenshot(path=str(ARTIFACTS / "theme-embed-light.png"), full_page=True)


def test_every_widget_kind_in_the_light_theme(server, page) -> None:
    sv.configure(theme="light")
    declare_all()
    page.goto(server.url)
    page.wait_for_function("[...window.streamviz.widgets.values()].length === 9 && [...window.streamviz.widgets.values()].every(w => Number(w.card.dataset.rendered) > 0)")
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert styles(page, "body", "backgroundColor", "color") == [rgb("#f4f6fa"), rgb("#1e293b")]
    assert styles(page, ".sv-card", "backgroundColor") == [rgb("#ffffff")]
    assert not page.locator("#sv-sidebar").is_visible(), "no sidebar was declared"
    assert card(page, "orders").locator(".sv-stat-number").inner_text() == "15,234"
    assert drawn(page, "latency")["legendColor"] == "#64748b"
    page.screenshot(path=str(ARTIFACTS / "dashboard-all-widgets-light.png"), full_page=True)


def test_favicon_and_logo_are_served_with_a_policy_that_runs_nothing(server, page, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(png(64, 32, (255, 127, 17)))
    icon = tmp_path / "icon.svg"
    icon.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8" fill="#f00"/></svg>')
    sv.configure(title="Acme", logo=logo, favicon=icon)
    sv.text("hello", "hi")
    page.goto(server.url)
    page.wait_for_function("document.getElementById('sv-logo').complete && document.getElementById('sv-logo').naturalWidth === 64")
    assert page.locator("#sv-logo").is_visible()
    href = page.locator("#sv-favicon").get_attribute("href")
    assert href == "/branding/favicon?v=0"
    with urllib.request.urlopen(server.url.rstrip("/") + href, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/svg+xml"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert response.read() == icon.read_bytes()
    page.locator(".sv-header").screenshot(path=str(ARTIFACTS / "branding-header.png"))


def test_bad_themes_and_images_are_refused_and_change_nothing(tmp_path: Path) -> None:
    sv.configure(title="Before", theme="light")
    text = tmp_path / "notes.txt"
    text.write_text("not an image")
    big = tmp_path / "big.png"
    big.write_bytes(png(1, 1, (0, 0, 0)) + b"\0" * (600 * 1024))
    refused = [
        ({"theme": "neon"}, "theme"),
        ({"theme": {"primary": "javascript:alert(1)"}}, "not a CSS colour"),
        ({"theme": {"backgroud": "#fff"}}, "not a theme key"),
        ({"theme": {"font_family": "x}</style>"}}, "font"),
        ({"title": "After", "logo": text}, "not a PNG"),
        ({"title": "After", "favicon": big}, "limit"),
        ({"title": "After", "favicon": tmp_path / "missing.png"}, "cannot read"),
    ]
    for options, message in refused:
        with pytest.raises(sv.ValidationError, match=message):
            sv.configure(**options)
    with pytest.raises(sv.StreamVizTypeError):
        sv.configure(theme=3)  # type: ignore[arg-type]
    config = json.loads(sv._core.config_json())
    assert (config["title"], config["theme"]["name"], config["favicon"], config["logo"]) == ("Before", "light", None, None)
