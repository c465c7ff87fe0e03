"""First-order correction of the BBP overlaps for noise that grows along the signal."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import theory
from helpers.model import HierarchicalModel
from helpers.theory_corrections import corrected_mse_prediction, corrected_overlaps, signal_noise_factors


def test_kappa_matches_monte_carlo():
    # kappa_k = E[y^2 h_k^2] for standardised Gaussian-equivalent labels. With 10^6 samples
    # the Monte Carlo mean of y^2 h_1^2 (variance about 60) has a standard error below 0.01.
    model = HierarchicalModel(D=50, p=5, gamma=1.0, seed=0)
    sample = model.sample(1_000_000, 1)
    y = sample.labels
    estimated = np.mean(y[:, None] ** 2 * sample.latents**2, axis=0)
    np.testing.assert_allclose(estimated, signal_noise_factors(5, 1.0), atol=0.05)


def test_corrected_overlap_limits():
    D, p, gamma = 400, 40, 1.0
    thresholds = theory.threshold_sample_sizes(D, p, gamma)
    below = corrected_overlaps(0.9 * thresholds[0], D, p, gamma)
    assert np.all(below == 0.0)
    far = corrected_overlaps(1e3 * thresholds[-1], D, p, gamma)
    np.testing.assert_allclose(1.0 - far, signal_noise_factors(p, gamma) * thresholds / (1e3 * thresholds[-1]),
                               rtol=1e-7)


def test_corrected_prediction_above_bbp():
    sizes = 400.0 * np.array([16, 64, 256])
    base = theory.mse_prediction(sizes, 400, 40, 1.0)
    corrected = corrected_mse_prediction(sizes, 400, 40, 1.0)
    assert np.all(corrected["total"] > base["total"])
    np.testing.assert_array_equal(corrected["tail"], base["tail"])
    np.testing.assert_array_equal(corrected["readout"], base["readout"])


def test_correction_vanishes_without_strong_spike():
    # At gamma = 0 with many directions every btilde_k^2 = 1/p is small, so kappa_k -> 1.
    assert signal_noise_factors(1000, 0.0) == pytest.approx(np.full(1000, 1.004))
