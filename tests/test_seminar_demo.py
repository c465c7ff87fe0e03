"""The seminar notebook, its presentation panel, and its optional Voilà dashboard."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import matplotlib.pyplot as plt
import nbformat
import pytest
from nbclient import NotebookClient

from conftest import NOTEBOOK_DIR, ROOT
from helpers._validation import InvalidParameterError
from helpers.presentation import SEMINAR_BEATS, Beat, SeminarPanel, default_seminar_sweep
from helpers.style import PRESENTATION_STYLE
from notebook_tools import CELL_TIMEOUT, error_outputs

SEMINAR = NOTEBOOK_DIR / "10_seminar_demo.ipynb"
#: Wall-clock budget of the whole talk notebook in a fresh kernel on 2 cores, in seconds.
SEMINAR_BUDGET = 20.0
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def panel():
    return SeminarPanel(default_seminar_sweep(), raise_errors=True)


# ---------------------------------------------------------------------------- the notebook

def test_seminar_code_hidden():
    notebook = nbformat.read(SEMINAR, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.metadata.get("jupyter", {}).get("source_hidden") is True
        assert "hide_input" in cell.metadata.get("tags", [])


def test_seminar_panel_cell_tagged():
    notebook = nbformat.read(SEMINAR, as_version=4)
    shows_panel = [cell for cell in notebook.cells if cell.cell_type == "code" and ".show()" in cell.source]
    assert len(shows_panel) == 1
    assert "widget" in shows_panel[0].metadata["tags"]


def _execute_with_cpu_time(path):
    """Execute a notebook in a fresh kernel; return (notebook, wall seconds, kernel CPU seconds)."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(
        "import resource\n"
        "usage = resource.getrusage(resource.RUSAGE_SELF)\n"
        "print(usage.ru_utime + usage.ru_stime)"))
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    wall = time.perf_counter() - start
    cpu = float(notebook.cells.pop().outputs[0]["text"])
    return notebook, wall, cpu


@pytest.mark.notebook
def test_seminar_runs_fast():
    # The budget applies to the CPU time of the kernel (all threads), because that time does
    # not grow when other processes share the machine. On an idle 2-core machine the
    # wall-clock time is about the same plus 1-2 s of kernel start.
    executed, wall, cpu = _execute_with_cpu_time(SEMINAR)
    assert error_outputs(executed) == []
    assert cpu < SEMINAR_BUDGET, f"the talk notebook used {cpu:.1f} s of CPU ({wall:.1f} s wall), " \
                                 f"budget {SEMINAR_BUDGET} s"

    images = sum("image/png" in output.get("data", {})
                 for cell in executed.cells for output in cell.get("outputs", []))
    assert images >= len(SEMINAR_BEATS), "one static figure per beat is missing"
    for index, cell in enumerate(executed.cells):
        shows_widget = any(WIDGET_MIME in output.get("data", {}) for output in cell.get("outputs", []))
        if shows_widget:
            assert "widget" in cell.metadata.get("tags", []), f"cell {index} shows a widget untagged"


# ---------------------------------------------------------------------------- the panel

def test_beats_tell_the_story(panel):
    # The four beats at gamma = 1 must show, in order: nothing recovered, one direction,
    # some but not all, and all p. Recovery means a squared overlap above 1/2.
    p = panel.sweep.model.n_latent
    recovered = [panel.sweep.point(**panel.beat_values(beat.key)).n_recovered for beat in SEMINAR_BEATS]
    assert recovered[0] == 0
    assert recovered[1] == 1
    assert 1 < recovered[2] < p
    assert recovered[3] == p


def test_beat_error_decreases(panel):
    errors = [panel.sweep.point(**panel.beat_values(beat.key)).mse for beat in SEMINAR_BEATS]
    assert errors == sorted(errors, reverse=True)
    assert errors[0] > 0.8, "with nothing learned the error should be close to the label variance 1"


def test_beat_button_redraws_once(panel):
    figures_before = len(plt.get_fignums())
    panel.refresh()
    for beat in reversed(SEMINAR_BEATS):
        before = panel.redraw_count
        fingerprint = panel.image_fingerprint()
        panel.beat_buttons.value = beat.key
        assert panel.redraw_count == before + 1
        assert panel.image_fingerprint() != fingerprint
        assert panel.values == panel.beat_values(beat.key)
        assert panel.current_data()["n"] == panel.beat_values(beat.key)["n"]
        assert beat.label in panel.caption.value
        assert panel.last_error is None
    assert len(plt.get_fignums()) == figures_before


def test_slider_deselects_beat(panel):
    panel.apply_beat("nothing")
    panel.controls["n"].value = panel.sweep.sizes[-1]  # n/D = 1024 is no beat
    assert panel.beat_buttons.value is None
    panel.controls["n"].value = panel.beat_values("first")["n"]
    assert panel.beat_buttons.value == "first"
    assert panel.last_error is None


def test_presentation_fonts(panel):
    figure = panel.render_beat("first")
    title_sizes = {ax.title.get_fontsize() for ax in figure.axes}
    assert title_sizes == {PRESENTATION_STYLE["axes.titlesize"]}
    assert figure.axes[0].xaxis.label.get_fontsize() == PRESENTATION_STYLE["axes.labelsize"]


def test_static_beat_keeps_status(panel):
    panel.apply_beat("nothing")
    status = panel.status.value
    panel.render_beat("saturation")
    assert panel.status.value == status


def test_save_beats(tmp_path, panel):
    paths = panel.save_beats(tmp_path, dpi=30)
    assert [path.name for path in paths] == [f"{index}_{beat.key}.png"
                                            for index, beat in enumerate(SEMINAR_BEATS, start=1)]
    for path in paths:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_beat_errors(panel):
    with pytest.raises(InvalidParameterError, match="unknown"):
        panel.beat_values("finale")
    twice = (SEMINAR_BEATS[0], Beat(SEMINAR_BEATS[0].key, "again", 8, 1.0, "x"))
    with pytest.raises(InvalidParameterError, match="repeated"):
        SeminarPanel(panel.sweep, beats=twice)
    with pytest.raises(InvalidParameterError, match="empty"):
        SeminarPanel(panel.sweep, beats=())


# ---------------------------------------------------------------------------- Voilà, optional

def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("voila") is None, reason="voila is not installed (optional)")
def test_voila_dashboard(tmp_path):
    port = _free_port()
    log = (tmp_path / "voila.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", str(SEMINAR), "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        page = None
        deadline = time.monotonic() + 90
        while page is None and time.monotonic() < deadline:
            try:
                # Voilà executes the notebook before it responds, so one request can take seconds.
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=80) as response:
                    page = response.read().decode("utf-8")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.5)
        assert page is not None, (tmp_path / "voila.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
    assert page.count("image/png") >= len(SEMINAR_BEATS)
    assert WIDGET_MIME in page
    assert "SeminarPanel(" not in page, "the dashboard shows code"
    assert "Traceback" not in page
