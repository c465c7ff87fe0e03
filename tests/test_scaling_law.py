"""The scaling law on Gaussian-equivalent simulations against the three-term prediction.

Setting: D = 400, p = 40, gamma = 1, split sample, full moment readout, n/D = 16 ... 256,
six seeds (the shipped ``scaling`` sweep). The heavy part is read from data/; a live run
of the script on one grid point checks that the file is what the code computes.
"""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest

from conftest import ROOT
from helpers import theory
from helpers.fitting import fit_power_law
from helpers.shipped import load_shipped
from helpers.theory_corrections import corrected_mse_prediction


@pytest.fixture(scope="module")
def gamma_one():
    result = load_shipped("scaling").select(gamma=1.0)
    fixed = result.grid.fixed
    sizes = result.axis("n").astype(float)
    simulated = result["mse"][0].mean(axis=0)
    prediction = theory.mse_prediction(sizes, fixed["D"], fixed["p"], 1.0, readout=fixed["readout"])["total"]
    return sizes, simulated, prediction, fixed


def test_slope_matches_prediction(gamma_one):
    # The prediction omits corrections of relative order (n_k / n)^(1/2) and smaller, so the
    # simulated curve is somewhat steeper than the prediction over this window; 0.1 is the
    # agreement asked of a finite-window fit. The gap-based exponent (2 gamma - 1)/(2 gamma + 2)
    # = 0.25 is far outside it, so the check can fail.
    sizes, simulated, prediction, _ = gamma_one
    fitted = fit_power_law(sizes, simulated).exponent
    predicted = fit_power_law(sizes, prediction).exponent
    assert abs(fitted - predicted) <= 0.1
    assert abs(fitted - theory.davis_kahan_exponent(1.0)) > 0.1


def test_prediction_close_at_large_n(gamma_one):
    # Finite-size smoothing and the signal-dependent noise keep the simulation above the
    # asymptotic prediction by 10-20 % for n/D >= 64 at D = 400; 25 % is the agreement asked.
    sizes, simulated, prediction, fixed = gamma_one
    large = sizes / fixed["D"] >= 64
    gaps = simulated[large] / prediction[large] - 1.0
    for ratio, gap in zip(sizes[large] / fixed["D"], gaps):
        assert abs(gap) <= 0.25, f"n/D = {ratio:g}: relative gap {gap:+.1%}"


def test_gap_shrinks_with_n(gamma_one):
    sizes, simulated, prediction, _ = gamma_one
    gaps = simulated / prediction - 1.0
    assert np.all(gaps > 0), gaps
    assert np.all(np.diff(gaps) < 0), gaps


def test_correction_matches_slope(gamma_one):
    # With kappa_k = 1 + 4 btilde_k^2 the prediction has the simulated exponent to within
    # 0.03. Its level errs the other way by about 7 %, because the full readout also uses the
    # part of a_k that lands in other estimated directions; 10 % bounds that at every n.
    sizes, simulated, _, fixed = gamma_one
    corrected = corrected_mse_prediction(sizes, fixed["D"], fixed["p"], 1.0, readout=fixed["readout"])["total"]
    fitted = fit_power_law(sizes, simulated).exponent
    assert abs(fit_power_law(sizes, corrected).exponent - fitted) < 0.03
    assert np.all(np.abs(simulated / corrected - 1.0) < 0.10)


def test_live_point_reproduces_shipped(tmp_path):
    # Same seed, same task, one BLAS thread as in the shipped run: identical numbers up to
    # rounding. n/D = 16 is the cheapest point of the sweep.
    spec = importlib.util.spec_from_file_location("make_sweeps", ROOT / "scripts" / "make_sweeps.py")
    script = importlib.util.module_from_spec(spec)
    sys.modules["make_sweeps"] = script
    spec.loader.exec_module(script)
    selection = ["gamma=1.0", "seed=0", "n=6400"]
    arguments = ["scaling", "--out", str(tmp_path), "--workers", "1"]
    for item in selection:
        arguments += ["--select", item]
    assert script.main(arguments) == 0
    parsed = script.parse_selection(selection)
    live = load_shipped("scaling", tmp_path, **parsed)
    shipped = load_shipped("scaling").select(**parsed)
    for output in ("mse", "overlaps", "eigenvalues", "subspace_overlap"):
        np.testing.assert_allclose(live[output], shipped[output], rtol=1e-9, atol=1e-12, err_msg=output)
    np.testing.assert_array_equal(live["n_recovered"], shipped["n_recovered"])
