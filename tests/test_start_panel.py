"""The first notebook's panel: slider moves change the data and leave no figure behind."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.widgets import StartHerePanel, default_start_sweep
from helpers.widgets.base import FigurePanel


@pytest.fixture(scope="module")
def small_sweep():
    return default_start_sweep(D=80, p=8, gamma=1.0, seed=0, max_ratio=32)


def test_sliders_change_figure_data(small_sweep):
    open_figures = plt.get_fignums()
    panel = StartHerePanel(small_sweep, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["n"].value = small_sweep.sizes[-1]
    after_n = panel.current_data()
    assert after_n["n"] == small_sweep.sizes[-1]
    assert not np.allclose(after_n["spectrum"], before["spectrum"])
    assert after_n["mse"] < before["mse"]
    assert panel.image_fingerprint() != fingerprint

    fingerprint = panel.image_fingerprint()
    panel.controls["gamma"].value = 0.3
    after_gamma = panel.current_data()
    assert not np.allclose(after_gamma["mse_curve"], after_n["mse_curve"])
    assert panel.image_fingerprint() != fingerprint

    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


def test_revisiting_value_shows_same_picture(small_sweep):
    panel = StartHerePanel(small_sweep, raise_errors=True)
    panel.refresh()
    first = panel.image.value
    panel.controls["gamma"].value = 0.5
    panel.controls["gamma"].value = 1.0
    assert panel.image.value == first


def test_status_reports_recovery(small_sweep):
    panel = StartHerePanel(small_sweep, raise_errors=True)
    panel.refresh()
    assert "directions recovered" in panel.status.value
    assert "test MSE" in panel.status.value


class BrokenPanel(FigurePanel):
    def draw(self, figure, **values):
        raise RuntimeError("deliberate failure")


def test_drawing_error_is_shown_not_swallowed():
    import ipywidgets as widgets

    panel = BrokenPanel({"x": widgets.IntSlider(value=1)})
    panel.refresh()
    assert isinstance(panel.last_error, RuntimeError)
    shown = "".join(output.get("text", "") for output in panel.error_area.outputs)
    assert "deliberate failure" in shown
    with pytest.raises(RuntimeError, match="deliberate failure"):
        BrokenPanel({"x": widgets.IntSlider(value=1)}, raise_errors=True).refresh()


def test_static_figure_is_plain_image(small_sweep):
    panel = StartHerePanel(small_sweep)
    png = panel.render_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000


def test_static_render_keeps_status_of_sliders(small_sweep):
    panel = StartHerePanel(small_sweep, raise_errors=True)
    panel.refresh()
    status = panel.status.value
    panel.render_png(n=small_sweep.sizes[0])
    assert panel.status.value == status
