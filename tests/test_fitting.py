"""Power-law fits: exact recovery on clean data, windows, and bootstrap intervals over seeds."""

from __future__ import annotations

import numpy as np
import pytest

from helpers._validation import InvalidParameterError
from helpers.fitting import bootstrap_exponent, fit_power_law, local_exponent

N = np.array([1e3, 2e3, 4e3, 8e3, 1.6e4, 3.2e4])


def test_fit_recovers_exact_power_law():
    fit = fit_power_law(N, 3.0 * N**-0.5)
    assert fit.exponent == pytest.approx(0.5, abs=1e-12)
    assert fit.prefactor == pytest.approx(3.0, rel=1e-10)
    np.testing.assert_allclose(fit.predict(N), 3.0 * N**-0.5, rtol=1e-10)


def test_window_selects_points():
    # Slope -1 below 4000 and -0.5 above: each window must see only its own slope.
    values = np.where(N <= 4e3, 4e3 / N, np.sqrt(4e3 / N))
    assert fit_power_law(N, values, window=(1e3, 4e3)).exponent == pytest.approx(1.0)
    upper = fit_power_law(N, values, window=(4e3, 3.2e4))
    assert upper.exponent == pytest.approx(0.5)
    assert upper.n_points == 4
    assert upper.window == (4e3, 3.2e4)


def test_fit_rejects_bad_input():
    with pytest.raises(InvalidParameterError, match="positive"):
        fit_power_law(N, -N)
    with pytest.raises(InvalidParameterError, match="keeps 1"):
        fit_power_law(N, N**-1.0, window=(1e3, 1.5e3))
    with pytest.raises(InvalidParameterError, match="low < high"):
        fit_power_law(N, N**-1.0, window=(4e3, 1e3))
    with pytest.raises(InvalidParameterError, match="shape"):
        fit_power_law(N, N[:3])


def test_bootstrap_interval_coverage():
    # Multiplicative noise of 5 % per seed and point, 8 seeds. A nominal 90 % percentile
    # bootstrap over so few seeds under-covers somewhat; over 200 repetitions its coverage
    # must still lie between 75 % and 97 % (binomial standard error about 2 %), and the
    # intervals must be narrow (the exponent is known to about 0.02).
    rng = np.random.default_rng(3)
    covered, widths = 0, []
    for repetition in range(200):
        curves = N**-0.5 * np.exp(0.05 * rng.standard_normal((8, N.size)))
        fit = bootstrap_exponent(N, curves, n_resamples=400, seed=repetition)
        low, high = fit.interval
        covered += low < 0.5 < high
        widths.append(high - low)
    assert 0.75 <= covered / 200 <= 0.97
    assert np.median(widths) < 0.06
    assert fit.level == 0.9


def test_bootstrap_interval_excludes_wrong_exponent():
    rng = np.random.default_rng(4)
    curves = N**-0.5 * np.exp(0.05 * rng.standard_normal((8, N.size)))
    low, high = bootstrap_exponent(N, curves, seed=1).interval
    assert not low < 0.6 < high


def test_bootstrap_needs_two_seeds():
    with pytest.raises(InvalidParameterError, match="n_seeds"):
        bootstrap_exponent(N, N[None, :] ** -0.5)


def test_local_exponent_constant_on_power_law():
    midpoints, exponents = local_exponent(N, N**-0.75)
    np.testing.assert_allclose(exponents, 0.75)
    np.testing.assert_allclose(midpoints, np.sqrt(N[1:] * N[:-1]))
