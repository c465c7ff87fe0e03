"""Panels of notebooks 01-03: slider moves change the data, raise nothing and leave no figure behind."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.widgets.random_matrices import BulkLawPanel, ManySpikesPanel, SpikedModelPanel


@pytest.fixture
def open_figures():
    """Figure numbers open before the test; the test asserts that none were added."""
    return plt.get_fignums()


def test_bulk_panel_sliders(open_figures):
    panel = BulkLawPanel(N=200, c=0.5, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["N"].value = 400
    after_n = panel.current_data()
    assert after_n["goe"].size == 400
    assert after_n["wishart"].size == 400
    assert panel.image_fingerprint() != fingerprint

    fingerprint = panel.image_fingerprint()
    panel.controls["c"].value = 1.0
    after_c = panel.current_data()
    np.testing.assert_array_equal(after_c["goe"], after_n["goe"])
    assert np.min(after_c["wishart"]) < np.min(after_n["wishart"])
    assert panel.image_fingerprint() != fingerprint

    assert before["N"] == 200
    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


def test_bulk_panel_revisit_same_picture():
    panel = BulkLawPanel(N=100, c=0.5, raise_errors=True)
    panel.refresh()
    first = panel.image.value
    panel.controls["c"].value = 0.2
    panel.controls["c"].value = 0.5
    assert panel.image.value == first


def test_spiked_panel_sliders(open_figures):
    panel = SpikedModelPanel(ratio=2.0, N=100, c=0.5, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["ratio"].value = 0.5
    below = panel.current_data()
    # theta = 2: outlier near 2.5; theta = 0.5: the top eigenvalue falls back to the edge 2.
    assert before["wigner_spectrum"][-1] > 2.2
    assert below["wigner_spectrum"][-1] < 2.2
    np.testing.assert_array_equal(below["wigner_overlap"], before["wigner_overlap"])
    assert panel.image_fingerprint() != fingerprint

    panel.controls["N"].value = 200
    assert panel.current_data()["wigner_spectrum"].size == 200

    sweep_before = panel.current_data()["covariance_overlap"]
    panel.controls["c"].value = 0.2
    assert not np.allclose(panel.current_data()["covariance_overlap"], sweep_before)

    assert panel.last_error is None
    assert panel.redraw_count == 4
    assert plt.get_fignums() == open_figures


def test_many_spikes_panel_sliders(open_figures):
    panel = ManySpikesPanel(D=100, p=6, gamma=1.0, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["n"].value = panel.sizes[-1]
    after_n = panel.current_data()
    assert after_n["overlaps"].mean() > before["overlaps"].mean()
    assert panel.image_fingerprint() != fingerprint

    fingerprint = panel.image_fingerprint()
    panel.controls["gamma"].value = 0.0
    after_gamma = panel.current_data()
    assert not np.allclose(after_gamma["overlap_curves"], after_n["overlap_curves"])
    assert panel.image_fingerprint() != fingerprint

    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


def test_many_spikes_status_counts():
    panel = ManySpikesPanel(D=100, p=6, gamma=1.0, raise_errors=True)
    panel.refresh()
    assert "eigenvalues beyond 2σ" in panel.status.value
    assert "spikes with θ_k > σ" in panel.status.value


@pytest.mark.parametrize("panel_class", [BulkLawPanel, SpikedModelPanel, ManySpikesPanel])
def test_static_figure_is_png(panel_class, open_figures):
    options = {"D": 60, "p": 4} if panel_class is ManySpikesPanel else {"N": 100}
    png = panel_class(**options).render_png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == open_figures
