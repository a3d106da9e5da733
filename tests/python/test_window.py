"""The native viewer in a real window under Xvfb: a producer process sends known values,
``streamviz-viewer`` shows them (checked on the screen's pixels), survives the producer's
restart, and ``start(mode="window")`` opens a viewer that outlives its script."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import ARTIFACTS, http_json

pytestmark = pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("import") is None, reason="needs Xvfb and ImageMagick (scripts/setup.sh installs them)")

WIDTH, HEIGHT = 1280, 800
MAGENTA = (255, 0, 255)
VIEWER = str(Path(sys.executable).with_name("streamviz-viewer"))


@pytest.fixture
def display():
    """An Xvfb server; its display number is read from -displayfd once it is ready."""
    read, write = os.pipe()
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as ready:
        number = ready.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(timeout=10)


def screenshot(display: str, name: str) -> np.ndarray:
    """The whole screen as an (h, w, 3) array, also saved as test-artifacts/<name>.png."""
    ARTIFACTS.mkdir(exist_ok=True)
    png = ARTIFACTS / f"{name}.png"
    subprocess.run(["import", "-display", display, "-window", "root", str(png)], check=True, timeout=30)
    raw = subprocess.run(["convert", str(png), "-depth", "8", "rgb:-"], check=True, capture_output=True, timeout=30).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(HEIGHT, WIDTH, 3)


def magenta(shot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the pixels of the magenta series line."""
    close = np.abs(shot.astype(int) - np.array(MAGENTA)).sum(axis=2) < 60
    return np.nonzero(close)


WARNING = (234, 179, 8)  # the dark theme's warning colour: the "Reconnecting" badge
SUCCESS = (34, 197, 94)  # its success colour: the "Live" badge


def badge(shot: np.ndarray, color: tuple[int, int, int]) -> bool:
    """Whether the header's status corner shows text of `color`."""
    corner = shot[:40, WIDTH - 400 :].astype(int)
    return int((np.abs(corner - np.array(color)).sum(axis=2) < 40).sum()) > 15


def wait_for_screen(display: str, name: str, condition, timeout: float = 30.0) -> np.ndarray:
    """Screenshots until `condition(shot)` holds (the window redraws on its own schedule)."""
    deadline = time.monotonic() + timeout
    shot = screenshot(display, name)
    while not condition(shot):
        assert time.monotonic() < deadline, f"the screen never showed what {name} expects (see test-artifacts/{name}.png)"
        time.sleep(0.25)  # polling the screen: X has no event for "the window drew this"
        shot = screenshot(display, name)
    return shot


def end(process: subprocess.Popen[str], sig: int = signal.SIGKILL) -> None:
    """Signal a process if it still runs, reap it and close its pipes."""
    if process.poll() is None:
        process.send_signal(sig)
    process.wait(timeout=10)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PRODUCER = textwrap.dedent(
    """
    import sys, time
    import stream_viz as sv
    port, low, high = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
    sv.configure(title="Window test", autostart=False)
    level = sv.metric("level", title="Level", color="#ff00ff", max_points=500_000)
    sv.start(port=port)
    t0 = 1_700_000_000_000
    # The first half at `low`, the second at `high`: a step the screen must show.
    for i in range(200):
        level.send(low if i < 100 else high, (t0 + i * 100) / 1000)
    sv.flush()
    print("READY", flush=True)
    # Until the test closes stdin or kills us; "flood N LOW HIGH" sends N more points as fast as
    # it can, the first half at LOW and the second at HIGH, and reports what was dropped.
    for line in sys.stdin:
        _, n, flood_low, flood_high = line.split()
        n, start = int(n), t0 + 200 * 100
        for i in range(n):
            level.send(float(flood_low) if i < n // 2 else float(flood_high), (start + i) / 1000)
        sv.flush()
        print("FLOODED", level.dropped, sv.stats()["points_dropped"], flush=True)
    """
)


def start_producer(port: int, low: float, high: float) -> subprocess.Popen[str]:
    producer = subprocess.Popen(
        [sys.executable, "-c", PRODUCER, str(port), str(low), str(high)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "STREAMVIZ_AUTOSTART": "0"},
    )
    assert producer.stdout is not None
    assert producer.stdout.readline().strip() == "READY"
    return producer


def start_viewer(display: str, port: int) -> subprocess.Popen[str]:
    """`streamviz-viewer` of the producer on `port`, drawn on `display` at WIDTH×HEIGHT."""
    env = {**os.environ, "DISPLAY": display, "STREAMVIZ_NO_DIALOG": "1"}
    return subprocess.Popen([VIEWER, f"http://127.0.0.1:{port}", "--size", f"{WIDTH}x{HEIGHT}"], env=env, stderr=subprocess.PIPE, text=True)


def line_halves(shot: np.ndarray) -> tuple[float, float]:
    """Mean screen row of the magenta line over the left and the right third of its extent."""
    rows, cols = magenta(shot)
    left, right = cols.min(), cols.max()
    third = (right - left) / 3
    return float(rows[cols < left + third].mean()), float(rows[cols > right - third].mean())


def test_viewer_draws_a_producers_values_and_survives_its_restart(display):
    port = free_port()
    producer = start_producer(port, 10.0, 90.0)
    viewer = start_viewer(display, port)
    try:
        assert viewer.stderr is not None
        first = viewer.stderr.readline()
        assert first.startswith('streamviz-viewer: showing "Window test"'), first
        shot = wait_for_screen(display, "window_producer", lambda s: badge(s, SUCCESS) and magenta(s)[0].size > 200)
        left, right = line_halves(shot)
        # Screen rows grow downwards: the low first half is drawn well below the high second half.
        assert left - right > 100, (left, right)
        rows, cols = magenta(shot)
        assert cols.max() - cols.min() > WIDTH / 5, "the line spans the plot"

        # The producer dies: the window stays, with its data.
        end(producer)
        wait_for_screen(display, "window_producer_gone", lambda s: badge(s, WARNING) and magenta(s)[0].size > 200)
        assert viewer.poll() is None

        # It comes back on the same port with other data (high first, then low): the viewer
        # reconnects by itself and shows the new history.
        producer = start_producer(port, 90.0, 10.0)
        shot = wait_for_screen(display, "window_producer_restarted", lambda s: badge(s, SUCCESS) and magenta(s)[0].size > 200 and line_halves(s)[1] - line_halves(s)[0] > 100)
        assert viewer.poll() is None
        # Ctrl+C (or SIGTERM) closes the window and the viewer exits cleanly.
        viewer.send_signal(signal.SIGINT)
        assert viewer.wait(timeout=30) == 0
    finally:
        end(viewer, signal.SIGTERM)
        end(producer)


WINDOW_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import stream_viz as sv
    port = int(sys.argv[1])
    sv.configure(title="Script window", autostart=False)
    level = sv.metric("level", title="Level", color="#ff00ff")
    t0 = 1_700_000_000_000
    for i in range(200):
        level.send(10.0 if i < 100 else 90.0, (t0 + i * 100) / 1000)
    access = {"auth": sys.argv[3]} if sys.argv[3] != "none" else {}
    server = sv.start(mode=sys.argv[2], port=port, **access)
    assert server.window is not None
    # The viewer got the token through its environment, not its command line.
    assert server.token is None or server.token not in " ".join(server.window.args)
    print("WINDOW", server.window.pid, flush=True)
    sys.stdin.readline()  # the test has seen the window
    """
)


@pytest.mark.parametrize("mode, auth", [("window", "none"), ("both", "none"), ("window", "token")])
def test_start_mode_window_opens_a_viewer_that_outlives_the_script(display, mode, auth):
    port = free_port()
    env = {**os.environ, "DISPLAY": display, "STREAMVIZ_NO_DIALOG": "1", "STREAMVIZ_AUTOSTART": "0"}
    env.pop("STREAMVIZ_TOKEN", None)
    # The viewer inherits the script's stderr: its first line says the window shows the dashboard.
    script = subprocess.Popen([sys.executable, "-c", WINDOW_SCRIPT, str(port), mode, auth], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert script.stdout is not None and script.stdin is not None and script.stderr is not None
    word, pid_text = script.stdout.readline().split()
    assert word == "WINDOW"
    pid = int(pid_text)
    try:
        # Two processes write here; read until the viewer's line, whatever the order.
        lines = [script.stderr.readline()]
        while not lines[-1].startswith("streamviz-viewer:") and len(lines) < 3:
            lines.append(script.stderr.readline())
        if mode == "both" and not any(line.startswith("StreamViz dashboard:") for line in lines):
            lines.append(script.stderr.readline())
        assert any(line.startswith('streamviz-viewer: showing "Script window"') for line in lines), lines
        if mode == "both":
            # "both" says where the browser dashboard is, and serves it.
            assert f"StreamViz dashboard: http://127.0.0.1:{port}/\n" in lines, lines
            assert http_json(f"http://127.0.0.1:{port}/api/v1/health")[0] == 200
        shot = wait_for_screen(display, "window_from_script", lambda s: magenta(s)[0].size > 200)
        left, right = line_halves(shot)
        assert left - right > 100, (left, right)
        # The script ends; its window stays open with the data.
        script.stdin.write("done\n")
        script.stdin.flush()
        assert script.wait(timeout=30) == 0
        os.kill(pid, 0)  # still running
        wait_for_screen(display, "window_after_script", lambda s: magenta(s)[0].size > 200)
    finally:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        end(script)
        # The viewer is no child of ours: wait for it to go before the X server does.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)


def test_a_crashed_window_does_not_stop_the_producer(display):
    port = free_port()
    producer = start_producer(port, 10.0, 90.0)
    env = {**os.environ, "DISPLAY": display, "STREAMVIZ_NO_DIALOG": "1"}
    viewer = subprocess.Popen([VIEWER, f"http://127.0.0.1:{port}"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert viewer.stderr is not None
        assert viewer.stderr.readline().startswith("streamviz-viewer: showing")
        end(viewer)
        # The producer still serves: a fresh viewer connects and shows the same data.
        again = subprocess.run([VIEWER, f"http://127.0.0.1:{port}", "--connect-timeout", "10"], env={**env, "DISPLAY": ":none"}, capture_output=True, text=True, timeout=30)
        assert "cannot open a window" in again.stderr, again.stderr
        assert producer.poll() is None
    finally:
        end(viewer)
        end(producer)


def test_a_frozen_window_slows_nothing_and_catches_up_when_it_resumes(display):
    port = free_port()
    producer = start_producer(port, 90.0, 10.0)
    viewer = start_viewer(display, port)
    try:
        assert viewer.stderr is not None and producer.stdin is not None and producer.stdout is not None
        assert viewer.stderr.readline().startswith("streamviz-viewer: showing")
        shot = wait_for_screen(display, "window_before_freeze", lambda s: magenta(s)[0].size > 200)
        left, right = line_halves(shot)
        assert right - left > 100, "high first, then low"
        # The window hangs (SIGSTOP: it reads nothing, draws nothing) while the producer sends
        # 300,000 points, ~10 MB of frames: far more than the socket buffers between them hold.
        viewer.send_signal(signal.SIGSTOP)
        producer.stdin.write("flood 300000 10 90\n")
        producer.stdin.flush()
        word, widget_dropped, dropped = producer.stdout.readline().split()
        assert (word, widget_dropped, dropped) == ("FLOODED", "0", "0"), "the producer lost nothing"
        # The server still serves everyone else.
        assert http_json(f"http://127.0.0.1:{port}/api/v1/stats")[1]["per_widget"][0]["accepted"] == 300_200
        # The window wakes up: it is resynchronised and draws the flood (low, then high).
        viewer.send_signal(signal.SIGCONT)
        wait_for_screen(display, "window_after_freeze", lambda s: magenta(s)[0].size > 200 and line_halves(s)[0] - line_halves(s)[1] > 100)
        assert viewer.poll() is None
    finally:
        if viewer.poll() is None:
            viewer.send_signal(signal.SIGCONT)
        end(viewer, signal.SIGTERM)
        end(producer)


def test_a_recording_replays_in_a_real_window_with_no_producer(display, tmp_path):
    db = tmp_path / "recording.db"
    record = textwrap.dedent(
        """
        import sys
        import stream_viz as sv
        sv.configure(title="Recorded", persistence="sqlite:///" + sys.argv[1], autostart=False)
        level = sv.metric("level", title="Level", color="#ff00ff", max_points=100)
        t0 = 1_700_000_000_000
        # 1000 points, the first half low and the second high; the ring keeps the last 100.
        for i in range(1000):
            level.send(10.0 if i < 500 else 90.0, (t0 + i * 100) / 1000)
        """
    )
    made = subprocess.run([sys.executable, "-c", record, str(db)], capture_output=True, text=True, timeout=60, env={**os.environ, "STREAMVIZ_AUTOSTART": "0"})
    assert made.returncode == 0, made.stderr
    env = {**os.environ, "DISPLAY": display, "STREAMVIZ_NO_DIALOG": "1"}
    viewer = subprocess.Popen([VIEWER, "--open", str(db), "--size", f"{WIDTH}x{HEIGHT}"], env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert viewer.stderr is not None
        assert viewer.stderr.readline().startswith(f"streamviz-viewer: replaying {db}")
        # The whole recording is drawn, stored points included: low on the left, high on the right.
        shot = wait_for_screen(display, "window_replay", lambda s: magenta(s)[0].size > 200 and line_halves(s)[0] - line_halves(s)[1] > 100)
        rows, cols = magenta(shot)
        assert cols.max() - cols.min() > WIDTH / 5, "the line spans the plot"
        viewer.send_signal(signal.SIGINT)
        assert viewer.wait(timeout=30) == 0
    finally:
        end(viewer, signal.SIGTERM)


def process_sample(pid: int) -> dict[str, int]:
    """Threads, open file descriptors and resident memory (KiB) of process `pid`, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"threads": int(fields["Threads"]), "fds": len(os.listdir(f"/proc/{pid}/fd")), "rss_kib": int(fields["VmRSS"].split()[0])}


def until(condition, what: str, timeout: float = 20.0):
    """Poll `condition()` (state another process holds, with no event to wait for) until it is
    truthy; its value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return value


def test_a_viewer_killed_and_restarted_100_times_leaves_nothing_behind_in_the_producer(display):
    port = free_port()
    producer = start_producer(port, 10.0, 90.0)
    stats_url = f"http://127.0.0.1:{port}/api/v1/stats"

    def viewers() -> int:
        return http_json(stats_url)[1]["clients_connected"]

    def cycle() -> None:
        viewer = start_viewer(display, port)
        try:
            assert viewer.stderr is not None
            line = viewer.stderr.readline()  # once it has the dashboard
            assert line.startswith("streamviz-viewer: showing"), line
        finally:
            end(viewer)  # SIGKILL: no goodbye, the socket just dies with the process
        until(lambda: viewers() == 0, "the producer still counts the killed viewer")

    try:
        for _ in range(3):  # warm-up: pools and caches that grow once
            cycle()
        before = process_sample(producer.pid)
        for _ in range(100):
            cycle()
        # Threads of tokio's blocking pool end after 10 s idle: wait for them, not for a count.
        after = until(
            lambda: (s := process_sample(producer.pid))["threads"] <= before["threads"] and s["fds"] <= before["fds"] and s,
            f"threads or sockets left behind: before {before}, now {process_sample(producer.pid)}",
        )
        assert after["rss_kib"] <= before["rss_kib"] + 16 * 1024, (before, after)
        assert producer.poll() is None
    finally:
        end(producer)
