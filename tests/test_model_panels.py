"""Panels of notebooks 04 to 06: slider moves change the data behind the figure, leave no
figure open, and report no error."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers._validation import InvalidParameterError
from helpers.widgets.algorithm_panels import SpectralStepsPanel, default_reuse_sweeps
from helpers.widgets.model_panels import (
    LatentGaussianityPanel,
    TrueVersusEquivalentPanel,
    WeightProfilePanel,
)


def test_latent_panel_follows_controls():
    open_figures = plt.get_fignums()
    panel = LatentGaussianityPanel(d=10, n=10_000, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["d"].value = 40
    after_d = panel.current_data()
    assert after_d["d"] == 40
    assert after_d["exact_kurtosis"] < before["exact_kurtosis"]
    assert panel.image_fingerprint() != fingerprint

    panel.controls["kind"].value = "rank 1"
    after_kind = panel.current_data()
    assert after_kind["exact_kurtosis"] == pytest.approx(12.0)
    assert not np.allclose(after_kind["samples"], after_d["samples"])

    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


def test_latent_panel_revisit_same_picture():
    panel = LatentGaussianityPanel(d=10, n=10_000, raise_errors=True)
    panel.refresh()
    first = panel.image.value
    panel.controls["d"].value = 20
    panel.controls["d"].value = 10
    assert panel.image.value == first


def test_weight_panel_follows_gamma():
    open_figures = plt.get_fignums()
    panel = WeightProfilePanel(p=20, gamma=1.0, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    panel.controls["gamma"].value = 0.0
    after = panel.current_data()
    np.testing.assert_allclose(after["shares"], np.full(20, 1 / 20))
    assert before["shares"][0] > after["shares"][0]
    assert "feature 1 carries" in panel.status.value
    assert panel.last_error is None
    assert plt.get_fignums() == open_figures


def test_twin_panel_follows_d_and_eps():
    open_figures = plt.get_fignums()
    panel = TrueVersusEquivalentPanel(d=20, eps=0.3, n=5000, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["d"].value = 10
    after_d = panel.current_data()
    assert after_d["d"] == 10
    assert not np.allclose(after_d["true"], before["true"])
    assert panel.image_fingerprint() != fingerprint

    panel.controls["eps"].value = 0.5
    after_eps = panel.current_data()
    assert after_eps["p"] == round(10**0.5)
    assert not np.allclose(after_eps["curve"]["exact"], after_d["curve"]["exact"])
    # The twin's variance is 1 up to sampling error (5000 draws: standard error about 0.03).
    assert abs(np.var(after_eps["twin"]) - 1.0) < 0.15

    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


@pytest.fixture(scope="module")
def small_sweeps():
    return default_reuse_sweeps(D=60, p=6, gamma=1.0, seed=0, ratios=(4, 8, 16))


def test_steps_panel_follows_n_and_gamma(small_sweeps):
    open_figures = plt.get_fignums()
    panel = SpectralStepsPanel(small_sweeps, raise_errors=True)
    panel.refresh()
    before = panel.current_data()
    fingerprint = panel.image_fingerprint()

    panel.controls["n"].value = small_sweeps["split"].sizes[-1]
    after_n = panel.current_data()
    assert not np.allclose(after_n["spectrum"], before["spectrum"])
    assert panel.image_fingerprint() != fingerprint

    panel.controls["gamma"].value = 0.5
    after_gamma = panel.current_data()
    assert not np.allclose(after_gamma["mse_reuse"], after_n["mse_reuse"])
    # Reusing the sample never helps at these sizes.
    assert np.all(after_gamma["mse_reuse"] > after_gamma["mse_split"])
    assert "BBP outliers" in panel.status.value

    assert panel.last_error is None
    assert panel.redraw_count == 3
    assert plt.get_fignums() == open_figures


def test_static_figures_are_images(small_sweeps):
    for panel in (WeightProfilePanel(p=10), SpectralStepsPanel(small_sweeps)):
        png = panel.render_png()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(png) > 10_000


@pytest.mark.parametrize("build", [
    lambda sweeps: LatentGaussianityPanel(d=7),
    lambda sweeps: LatentGaussianityPanel(kind="rank 2"),
    lambda sweeps: TrueVersusEquivalentPanel(d=33),
    lambda sweeps: TrueVersusEquivalentPanel(eps=0.95),
    lambda sweeps: TrueVersusEquivalentPanel(gamma=-1.0),
    lambda sweeps: SpectralStepsPanel({"split": sweeps["split"]}),
    lambda sweeps: SpectralStepsPanel(sweeps, n=123),
], ids=["d", "kind", "twin-d", "eps", "gamma", "sweeps", "n"])
def test_panels_reject_bad_input(build, small_sweeps):
    with pytest.raises(InvalidParameterError):
        build(small_sweeps)
