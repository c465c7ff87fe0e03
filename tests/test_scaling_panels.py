"""Widget panels of notebooks 07-09, driven without a browser."""

from __future__ import annotations

import time

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers._validation import InvalidParameterError
from helpers.widgets.scaling_panels import BaselinePanel, ScalingLawPanel, SequentialRecoveryPanel


@pytest.fixture()
def open_figures():
    before = len(plt.get_fignums())
    yield
    assert len(plt.get_fignums()) == before, "a panel left a pyplot figure open"


def test_recovery_panel_moves_with_n(open_figures):
    panel = SequentialRecoveryPanel(raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    first_image = panel.image_fingerprint()
    panel.controls["n"].value = panel.sizes[-1]
    after = panel.current_data()
    assert panel.last_error is None
    assert panel.redraw_count == 2
    assert not np.array_equal(before["spectrum"], after["spectrum"])
    assert after["n_recovered"] > before["n_recovered"]
    assert panel.image_fingerprint() != first_image


def test_recovery_panel_moves_with_seed(open_figures):
    panel = SequentialRecoveryPanel(raise_errors=True)
    before = panel.current_data()
    panel.controls["seed"].value = 2
    assert panel.last_error is None
    assert not np.array_equal(before["overlaps"], panel.current_data()["overlaps"])


def test_recovery_panel_rejects_bad_input():
    with pytest.raises(InvalidParameterError, match="n=1234"):
        SequentialRecoveryPanel(n=1234)
    with pytest.raises(InvalidParameterError, match="seed=9"):
        SequentialRecoveryPanel(seed=9)


def test_scaling_panel_theory_follows_sliders(open_figures):
    panel = ScalingLawPanel(raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    panel.controls["gamma"].value = 1.5
    after_gamma = panel.current_data()
    panel.controls["p"].value = 10
    after_p = panel.current_data()
    panel.controls["n"].value = panel.sizes[40]
    after_n = panel.current_data()
    assert panel.last_error is None
    assert panel.redraw_count == 4
    assert not np.allclose(before["curves"]["total"], after_gamma["curves"]["total"])
    assert not np.allclose(after_gamma["curves"]["total"], after_p["curves"]["total"])
    assert after_n["learned"] > after_p["learned"]
    assert after_n["at_n"]["total"] < after_p["at_n"]["total"]


def test_scaling_panel_sliders_update_live():
    panel = ScalingLawPanel()
    assert all(control.continuous_update for control in panel.controls.values())


def test_scaling_panel_theory_is_fast():
    # Theory-only updates run while a slider is dragged; without rendering they must take
    # well under 50 ms. The best of five calls ignores a busy machine's pauses.
    panel = ScalingLawPanel()
    timings = []
    for gamma in (0.3, 0.8, 1.0, 1.2, 1.5):
        start = time.perf_counter()
        panel.theory_data(gamma=gamma, p=160)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05


def test_scaling_panel_overlays_matching_simulation():
    panel = ScalingLawPanel()
    assert panel._simulation_at(1.0, 40) is not None
    assert panel._simulation_at(1.0, 20) is None
    assert panel._simulation_at(1.25, 40) is None


def test_scaling_panel_rejects_bad_input():
    with pytest.raises(InvalidParameterError, match="gamma"):
        ScalingLawPanel(gamma=2.0)
    with pytest.raises(InvalidParameterError, match="p=7"):
        ScalingLawPanel(p=7)
    with pytest.raises(InvalidParameterError, match="n=999"):
        ScalingLawPanel(n=999)


def test_baseline_panel_switches_setting(open_figures):
    panel = BaselinePanel(raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    assert set(before["mse"]) == {"layerwise", "quadratic_features"}  # kernels stop at 4000
    panel.controls["n_train"].value = 4000
    at_4000 = panel.current_data()
    panel.controls["setting"].value = "gaussian"
    after_setting = panel.current_data()
    panel.controls["n_train"].value = 500
    after_n = panel.current_data()
    panel.controls["n_train"].value = 64000  # no Gaussian-equivalent simulation there
    assert panel.current_data()["mse"] == {}
    assert panel.last_error is None
    assert panel.redraw_count == 5
    assert at_4000["mse"] != after_setting["mse"]
    assert after_setting["mse"]["layerwise"] < after_n["mse"]["layerwise"]
    assert "polynomial4" in at_4000["mse"]
    assert "polynomial4" not in after_setting["mse"]


def test_baseline_panel_rejects_bad_input():
    with pytest.raises(InvalidParameterError, match="setting"):
        BaselinePanel(setting="svm")
    with pytest.raises(InvalidParameterError, match="n_train=300"):
        BaselinePanel(n_train=300)
    panel = BaselinePanel()
    with pytest.raises(InvalidParameterError, match="n_train=123"):
        panel.current_data(n_train=123)
