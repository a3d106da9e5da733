"""A real notebook run by nbclient in a real IPython kernel: `sv.start()` (with a token) returns
and the next cells run, a widget and `sv.dashboard()` display inline as iframes of the running
server that open with authentication on, and
running a cell again replaces what it declared (no error, no second layout). The outputs are
then loaded in Chromium from a page on another origin, as Jupyter serves them, and show data."""

import functools
import http.server
import json
import threading

import nbformat
from nbclient import NotebookClient

from conftest import ARTIFACTS

CELLS = [
    "import json\nimport stream_viz as sv\nserver = sv.start(port=0, auth='token')\nserver.port > 0",
    # The cell run twice below: a widget in columns, its data, and the widget as the last expression.
    "with sv.columns(2):\n    cpu = sv.metric('cpu', title='CPU', unit='%')\n    mem = sv.gauge('mem', title='Memory')\n"
    "cpu.send(42.0)\nmem.send(7.0)\nsv.flush()\ncpu",
    "sv.dashboard(height=500)",
    "config = json.loads(sv._core.config_json())\n"
    "print(json.dumps({'widgets': [w['id'] for w in config['widgets']], 'containers': len(config['containers']), "
    "'held': {w['id']: w['held'] for w in sv.stats()['per_widget']}}))",
]


def outputs(cell) -> tuple[list[str], str]:
    """A cell's HTML outputs and its text (stream and plain) outputs, failing on an error."""
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert not errors, [(e.ename, e.evalue) for e in errors]
    html = [o.data["text/html"] for o in cell.outputs if o.output_type == "execute_result" and "text/html" in o.data]
    text = "".join(o.text for o in cell.outputs if o.output_type == "stream") + "".join(
        o.data.get("text/plain", "") for o in cell.outputs if o.output_type == "execute_result")
    return html, text


def test_a_notebook_shows_widgets_inline_and_runs_cells_again(tmp_path, browser, monkeypatch):
    monkeypatch.delenv("STREAMVIZ_AUTOSTART", raising=False)  # as a notebook user has it
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        first = json.loads(outputs(notebook.cells[3])[1])
        # Run the widget cell and the check again, as a user re-running a cell does.
        client.execute_cell(notebook.cells[1], 1)
        client.execute_cell(notebook.cells[3], 3)
        again = json.loads(outputs(notebook.cells[3])[1])

        assert outputs(notebook.cells[0])[1] == "True"
        (widget_html,), _ = outputs(notebook.cells[1])
        (dashboard_html,), _ = outputs(notebook.cells[2])
        assert "<iframe" in widget_html and "/embed/cpu" in widget_html and "height:340px" in widget_html
        assert "<iframe" in dashboard_html and "height:500px" in dashboard_html
        assert first["widgets"] == again["widgets"] == ["cpu", "mem"]
        assert first["containers"] == again["containers"], "running the cell again made no second layout"
        assert again["held"]["cpu"] == first["held"]["cpu"] + 1, "the data was kept and the new point added"

        # The outputs as a notebook page on another origin shows them.
        (tmp_path / "out.html").write_text(f"<!doctype html><body>{widget_html}{dashboard_html}</body>")
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
        site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=site.serve_forever, name="notebook-page", daemon=True).start()
        page = browser.new_page(viewport={"width": 1000, "height": 1000})
        try:
            # Jupyter's address (localhost) is another site than the server's (127.0.0.1).
            page.goto(f"http://localhost:{site.server_address[1]}/out.html")
            embed = next(f for f in page.frames if "/embed/cpu" in f.url)
            full = next(f for f in page.frames if f is not page.main_frame and f is not embed)
            embed.wait_for_function("window.streamviz?.connection === 'live' && window.streamviz.widgets.get('cpu')?.data.points.length === 2")
            full.wait_for_function("window.streamviz?.connection === 'live' && window.streamviz.widgets.get('mem')?.data.points.length > 0")
            assert embed.locator('.sv-card[data-widget="cpu"] canvas').count() > 0
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "notebook-outputs.png"), full_page=True)
        finally:
            page.close()
            site.shutdown()
            site.server_close()
