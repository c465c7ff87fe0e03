"""Closed-form theory: thresholds, counts, the three-term error and the exponents."""

import math

import numpy as np
import pytest

from helpers import InvalidParameterError, theory


def test_threshold_formula():
    D, p, gamma = 400, 40, 1.0
    z_p = np.sum(np.arange(1, p + 1) ** (-2.0 * gamma))
    expected = D / 2 * z_p * np.arange(1, p + 1) ** (2 * gamma)
    np.testing.assert_allclose(theory.threshold_sample_sizes(D, p, gamma), expected)


def test_learned_count_matches_closed_form():
    D, p, gamma = 400, 40, 1.0
    z_p = np.sum(np.arange(1, p + 1) ** (-2.0 * gamma))
    for n in [500, 3000, 12_800, 51_200, 10**6]:
        closed_form = min(p, math.floor((2 * n / (D * z_p)) ** (1 / (2 * gamma))))
        assert theory.learned_count(n, D, p, gamma) == closed_form


def test_gamma_zero_single_transition():
    D, p = 100, 10
    thresholds = theory.threshold_sample_sizes(D, p, 0.0)
    np.testing.assert_allclose(thresholds, D * p / 2)
    assert theory.learned_count(D * p / 2 * 0.99, D, p, 0.0) == 0
    assert theory.learned_count(D * p / 2 * 1.01, D, p, 0.0) == p


def test_alphas_start_near_q():
    d, q, gamma, eps = 200, 2, 1.0, 0.5
    D, p = d * (d + 1) // 2, round(d**eps)
    alphas = theory.threshold_alphas(d, D, p, gamma)
    # alpha_k = q + 2 gamma log_d k + O(1 / log d) from the constant Z_p / 2 and D ~ d^2 / 2.
    np.testing.assert_allclose(alphas - 2 * gamma * np.log(np.arange(1, p + 1)) / math.log(d), q,
                               atol=0.2)


def test_outliers_and_overlaps():
    theta = np.array([2.0, -1.5, 0.5])
    sigma = 1.0
    np.testing.assert_allclose(theory.outlier_positions(theta, sigma), [2.5, -1.5 - 1 / 1.5, 2.0])
    np.testing.assert_allclose(theory.predicted_overlaps(theta, sigma), [0.75, 1 - 1 / 2.25, 0.0])


def test_mse_prediction_terms():
    D, p, gamma = 400, 40, 1.0
    n = np.array([100.0, 128 * D, 1e9])
    terms = theory.mse_prediction(n, D, p, gamma)
    np.testing.assert_allclose(terms["total"], terms["tail"] + terms["alignment"] + terms["readout"] + terms["noise"])
    # Nothing learned at tiny n: the tail is the whole variance.
    assert terms["tail"][0] == pytest.approx(1.0)
    # Everything learned at huge n: only alignment and readout remain, both ~1/n.
    assert terms["tail"][2] == 0.0
    assert terms["total"][2] < 1e-4
    diagonal = theory.mse_prediction(n, D, p, gamma, readout="diagonal")
    np.testing.assert_allclose(diagonal["readout"], p / n)


def test_mse_prediction_slope_in_window():
    D, p, gamma = 400, 10**4, 1.0
    n = np.geomspace(64 * D, 4096 * D, 20)
    total = theory.mse_prediction(n, D, p, gamma, n_readout=np.full(20, 1e15))["total"]
    slope = np.polyfit(np.log(n), np.log(total), 1)[0]
    # Deep inside the window (p huge, readout noise removed) the slope is -(2 gamma - 1)/(2 gamma).
    assert slope == pytest.approx(-theory.scaling_exponent(gamma), abs=0.03)


def test_noise_lowers_spikes():
    clean = theory.spike_strengths(10, 1.0)
    noisy = theory.spike_strengths(10, 1.0, noise_std=1.0)
    np.testing.assert_allclose(noisy, clean / math.sqrt(2))


def test_exponents():
    assert theory.scaling_exponent(1.0) == pytest.approx(0.5)
    assert theory.davis_kahan_exponent(1.0) == pytest.approx(0.25)
    with pytest.raises(InvalidParameterError, match="gamma > 1/2"):
        theory.scaling_exponent(0.4)


def test_bulk_edge_and_noise_level():
    assert theory.noise_level(400, 1600) == pytest.approx(0.5)
    np.testing.assert_allclose(theory.bulk_edge(400, np.array([400, 1600])), [2.0, 1.0])
