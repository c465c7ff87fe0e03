"""Gaussian identities, latent moments and the three pitfalls behind notebooks 04 to 06.

Every statistical check compares with a standard error that the test computes, or states
the tolerance it uses and why. Each one is also run against a deliberately wrong input,
which shows that it can fail.
"""

import math

import numpy as np
import pytest

from helpers._validation import InvalidParameterError
from helpers.algorithm import fit_layerwise
from helpers.algorithm_plots import plot_centring
from helpers.gaussianity import (
    MonteCarloEstimate,
    estimate_excess_kurtosis,
    estimate_mean,
    estimate_stein_gap,
    estimate_wick_pair,
    fit_loglog_slope,
    latent_kurtosis_curve,
    wick_pair_exact,
)
from helpers.latent_moments import (
    approximate_target_variance,
    clean_target_variance,
    degree_two_share,
    latent_excess_kurtosis,
    mean_eigenvalue_shift,
)
from helpers.metrics import RECOVERY_THRESHOLD, matched_overlaps
from helpers.model import HierarchicalModel, LabelScaler
from helpers.model_plots import latent_direction, latent_histogram_data
from helpers.pitfalls import (
    CentringComparison,
    ReuseComparison,
    compare_split_and_reuse,
    rank_one_sizes,
    reuse_extra_error,
)

#: Four standard errors: a correct Gaussian estimate fails with probability about 6e-5.
N_STANDARD_ERRORS = 4.0


def random_symmetric(d, seed):
    gaussian = np.random.default_rng(seed).standard_normal((d, d))
    return (gaussian + gaussian.T) / 2.0


# ------------------------------------------------------------------------- Wick and Stein


def test_wick_pair_matches_trace():
    A, B = random_symmetric(8, 1), random_symmetric(8, 2)
    estimate = estimate_wick_pair(A, B, 200_000, seed=3)
    assert estimate.agrees_with(wick_pair_exact(A, B), N_STANDARD_ERRORS)


def test_wick_check_rejects_wrong_value():
    # tr(AB) instead of 2 tr(AB): the same estimate must be many standard errors away.
    A, B = random_symmetric(8, 1), random_symmetric(8, 2)
    estimate = estimate_wick_pair(A, B, 200_000, seed=3)
    assert not estimate.agrees_with(wick_pair_exact(A, B) / 2.0, N_STANDARD_ERRORS)


@pytest.mark.parametrize("function, derivative, order", [
    (np.sin, np.cos, 1),
    (lambda x: x**3, lambda x: 3.0 * x**2, 1),
    (lambda x: x**4, lambda x: 12.0 * x**2, 2),
    (np.cos, lambda x: -np.cos(x), 2),
], ids=["sin", "cube", "quartic-order2", "cos-order2"])
def test_stein_gap_is_zero(function, derivative, order):
    estimate = estimate_stein_gap(function, derivative, 200_000, seed=4, order=order)
    assert estimate.agrees_with(0.0, N_STANDARD_ERRORS)


def test_stein_check_rejects_wrong_derivative():
    # f = x^3 with "derivative" x^2: the gap is E[x^4 - x^2] = 2, far outside 4 s.e.
    estimate = estimate_stein_gap(lambda x: x**3, lambda x: x**2, 200_000, seed=4)
    assert not estimate.agrees_with(0.0, N_STANDARD_ERRORS)


def test_estimate_mean_error_scales():
    values = np.random.default_rng(0).standard_normal((40_000, 2)) * [1.0, 3.0]
    estimate = estimate_mean(values)
    np.testing.assert_allclose(estimate.standard_error, [1.0 / 200.0, 3.0 / 200.0], rtol=0.02)
    assert estimate.n_samples == 40_000


# ------------------------------------------------------------------------- Gaussianity


def test_kurtosis_falls_like_inverse_d():
    curve = latent_kurtosis_curve([10, 20, 40, 80], p=8, n=20_000, seed=0)
    slope, _ = fit_loglog_slope(curve["d"], curve["measured"])
    # The exact kurtosis 12 tr(A^4) has slope -1 up to O(1/d) corrections; the Monte Carlo
    # relative error is at most about 7 % per point (largest at d = 80), which moves a
    # four-point log-log slope by about 0.05, so 0.15 is three times that.
    assert abs(slope + 1.0) < 0.15
    z_scores = (curve["measured"] - curve["exact"]) / curve["standard_error"]
    assert np.all(np.abs(z_scores) < N_STANDARD_ERRORS)


def test_slope_check_rejects_low_rank():
    # A rank-one direction has kurtosis 12 at every d, so the same slope check must fail.
    dims = [10, 20, 40, 80]
    measured = [latent_histogram_data(d, "rank 1", n=20_000, seed=0)["measured"].value for d in dims]
    slope, _ = fit_loglog_slope(dims, measured)
    assert abs(slope + 1.0) > 0.15


def test_exact_kurtosis_low_rank():
    for kind, rank in (("rank 1", 1), ("rank 4", 4)):
        matrix = latent_direction(30, kind, seed=1)
        square = matrix @ matrix
        assert np.isclose(np.sum(matrix**2), 1.0)
        assert np.isclose(12.0 * np.trace(square @ square), 12.0 / rank)


def test_gaussian_twin_has_no_excess_kurtosis():
    model = HierarchicalModel(D=300, p=4, seed=0)
    estimate = estimate_excess_kurtosis(model.sample(20_000, 1).latents)
    assert np.all(latent_excess_kurtosis(model) == 0.0)
    assert estimate.agrees_with(0.0, N_STANDARD_ERRORS)


@pytest.mark.parametrize("d, seed", [(20, 0), (40, 3)])
def test_target_variance_matches_sampling(d, seed):
    model = HierarchicalModel(d=d, p=8, gamma=1.0, mode="true", seed=seed)
    labels = model.sample(200_000, seed + 10).clean_labels
    estimate = estimate_mean((labels - labels.mean()) ** 2)
    assert estimate.agrees_with(clean_target_variance(model), N_STANDARD_ERRORS)
    # The 1/d approximation drops O(1/d^2) terms: 10 % at d = 20 covers them.
    assert abs(approximate_target_variance(d, model.weights) / clean_target_variance(model) - 1) < 0.1


def test_target_variance_is_one_for_twin():
    model = HierarchicalModel(D=210, p=8, gamma=1.0, seed=0)
    assert clean_target_variance(model) == pytest.approx(1.0)
    assert degree_two_share(model) == 0.0


def test_mean_eigenvalue_shift_matches_sampling():
    model = HierarchicalModel(d=30, p=6, gamma=1.0, mode="true", seed=3)
    sample = model.sample(200_000, 5)
    standardised = sample.labels / math.sqrt(clean_target_variance(model))
    radius2 = np.sum(sample.inputs**2, axis=1)
    feature_norms = (radius2**2 - 2.0 * radius2 + model.d) / 2.0
    per_sample = standardised * (feature_norms - model.feature_dim) / model.feature_dim
    estimate = estimate_mean(per_sample)
    assert estimate.agrees_with(mean_eigenvalue_shift(model), N_STANDARD_ERRORS)


def test_degree_two_share_matches_projection():
    # Two independent halves give an unbiased estimate of |E[y (x x^T - I)]|_F^2 / 2.
    model = HierarchicalModel(d=20, p=6, gamma=1.0, mode="true", seed=3)
    halves = []
    for seed in (1, 2):
        sample = model.sample(200_000, seed)
        x, y = sample.inputs, sample.clean_labels
        halves.append((x.T @ (x * y[:, None]) / len(y) - y.mean() * np.eye(model.d)) / math.sqrt(2.0))
    estimate = np.sum(halves[0] * halves[1]) / clean_target_variance(model)
    # Each half has entrywise noise of about sqrt(Var(y)) / sqrt(n); the inner product of two
    # independent halves fluctuates by about |C| sqrt(2 / n) relative, below 10 % of the share here.
    assert estimate == pytest.approx(degree_two_share(model), rel=0.1)


# ------------------------------------------------------------------------- reuse pitfall


def reuse_gap_within(comparison: ReuseComparison, key: str, tolerance: float) -> bool:
    return abs(comparison.extra_error / comparison.prediction[key] - 1.0) < tolerance


@pytest.fixture(scope="module")
def reuse_comparisons():
    # Two settings: the course's example (D = 400, p = 40, n/D = 128) and a smaller model.
    settings = [(400, 40, 128), (200, 20, 64)]
    return [compare_split_and_reuse(HierarchicalModel(D=D, p=p, gamma=1.0, seed=0), ratio * D, seed=0)
            for D, p, ratio in settings]


def test_reuse_gap_near_prediction(reuse_comparisons):
    # 2 (p - m) D / n puts every noise direction at the bulk edge. In fact the selected bulk
    # eigenvalues sit inside it (semicircle quantiles: -15 to -20 %), the recovered directions
    # overshoot (+8 to +20 %), and the split readout's own noise p^2/(2n) is absent after reuse
    # (-2 to -4 %). Measured gaps were 0.86 to 1.06 times the simple form in five of six
    # settings tried (the sixth, D = 400, p = 20, n/D = 64, was at 1.24), so 25 % is the tolerance.
    for comparison in reuse_comparisons:
        assert comparison.mse_reuse > comparison.mse_split
        assert reuse_gap_within(comparison, "simple", 0.25)


def test_reuse_gap_near_refined_prediction(reuse_comparisons):
    # The refined form includes those corrections. In six settings tried the measured gap was
    # 0.98 to 1.13 times it (edge fluctuations of the noise eigenvalues push it up); the two
    # settings here are at 0.98 and 1.02, and the spread over seeds is about 3 %.
    for comparison in reuse_comparisons:
        assert reuse_gap_within(comparison, "refined", 0.10)


def test_reuse_check_rejects_no_gap(reuse_comparisons):
    comparison = reuse_comparisons[0]
    no_gap = ReuseComparison(comparison.n, comparison.mse_split, comparison.mse_split,
                             comparison.n_recovered, comparison.prediction)
    assert not reuse_gap_within(no_gap, "simple", 0.25)


def test_reuse_prediction_values():
    prediction = reuse_extra_error(128 * 400, 400, 40, 1.0)
    # theta_k^2 = 2 k^-2 / Z_40(1) > sigma^2 = 1/128 holds for k <= 12.
    assert prediction["m"] == 12
    assert prediction["simple"] == pytest.approx(2 * 28 / 128)
    assert 0.8 * prediction["simple"] < prediction["refined"] < prediction["simple"]


# ------------------------------------------------------------------------- true-model pitfalls


def test_rank_one_sizes_bounded_by_transform():
    model = HierarchicalModel(d=20, p=4, gamma=1.0, mode="true", seed=0)
    sample = model.sample(4000, 1)
    raw = rank_one_sizes(model, sample, None)
    soft = rank_one_sizes(model, sample, "soft")
    assert raw.shape == (4000,)
    assert np.all(soft <= raw + 1e-12)
    # |y / (1 + |y|)| < 1, so a soft term is below |phi|^2 / n.
    radius2 = np.sum(sample.inputs**2, axis=1)
    assert np.all(soft < (radius2**2 - 2 * radius2 + 20) / 2 / 4000)


#: Teacher seed, n / D and data seed of the documented centring example at d = 40, p = 8,
#: gamma = 1, T(y) = y / (1 + |y|). The weights of teacher 2 have signs + - + + + - - +, so
#: sum_k btilde_k = 0.89 > 0 and the uncentred spectrum sits at tr C / D = +0.04: the
#: negative spike k = 2 (btilde_2 = -0.40) then falls below the selection threshold. A scan of
#: teachers 0-7, n / D in {16, 32} and data seeds 0-2 found the same effect for every teacher
#: with a positive weight sum and a negative weight among the strong directions, and the
#: mirror effect (a positive spike hidden) for teachers whose weights sum to a negative value.
CENTRING_CASES = [(2, 16, 0)]
#: Further documented cases (teacher 2 with two more data seeds; teacher 5, signs + - + + - + - +).
CENTRING_SLOW_CASES = [(2, 16, 1), (2, 16, 2), (5, 32, 0)]


def centring_overlaps(teacher_seed, ratio, data_seed, method):
    """Return the teacher and the matched squared overlaps with and without centring."""
    model = HierarchicalModel(d=40, p=8, gamma=1.0, mode="true", seed=teacher_seed)
    sample = model.sample(ratio * model.feature_dim, data_seed)
    overlaps = {}
    for centre in (True, False):
        fit = fit_layerwise(model, sample, None, label_transform="soft", centre=centre,
                            method=method, readout="diagonal")
        overlaps[centre] = matched_overlaps(model.directions, fit.first_layer.directions)
    return model, overlaps


def check_negative_spike_revealed(model, overlaps):
    negative = model.weights < 0
    revealed = negative & (overlaps[True] > RECOVERY_THRESHOLD) & (overlaps[False] <= RECOVERY_THRESHOLD)
    assert revealed.any(), (overlaps, model.weights)
    # Centring changes only which eigenvectors are kept, never an eigenvector itself.
    kept_by_both = (overlaps[True] > RECOVERY_THRESHOLD) & (overlaps[False] > RECOVERY_THRESHOLD)
    np.testing.assert_allclose(overlaps[True][kept_by_both], overlaps[False][kept_by_both], atol=1e-6)


@pytest.fixture(scope="module")
def documented_centring():
    # Dense eigensolver: the same eigenvectors as method="auto", in a few seconds.
    return centring_overlaps(*CENTRING_CASES[0], "dense")


def test_centring_reveals_negative_spike(documented_centring):
    check_negative_spike_revealed(*documented_centring)


@pytest.mark.slow
@pytest.mark.parametrize("teacher_seed, ratio, data_seed", CENTRING_CASES + CENTRING_SLOW_CASES)
def test_centring_reveals_negative_spike_auto(teacher_seed, ratio, data_seed):
    # method="auto" picks the matrix-free path at D = 820, as a user of run_layerwise gets it.
    check_negative_spike_revealed(*centring_overlaps(teacher_seed, ratio, data_seed, "auto"))


def test_centring_check_rejects_uncentred(documented_centring):
    # The same check with both fits uncentred finds nothing to reveal.
    model, overlaps = documented_centring
    with pytest.raises(AssertionError):
        check_negative_spike_revealed(model, {True: overlaps[False], False: overlaps[False]})


def test_centring_shift_sign_follows_weights():
    # With identity labels the shift is (4 sqrt(2)/d) sum_k btilde_k / std(y) to leading order.
    for seed, sign in ((2, 1.0), (4, -1.0)):
        model = HierarchicalModel(d=40, p=8, gamma=1.0, mode="true", seed=seed)
        assert np.sign(model.weights.sum()) == sign
        assert np.sign(mean_eigenvalue_shift(model)) == sign


# ------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call", [
    lambda: estimate_mean([1.0]),
    lambda: estimate_mean(np.ones((3, 2, 2))),
    lambda: estimate_wick_pair(np.ones((3, 3)), np.arange(9.0).reshape(3, 3), 100, 0),
    lambda: estimate_wick_pair(np.eye(3), np.eye(4), 100, 0),
    lambda: estimate_wick_pair(np.eye(3), np.eye(3), 1, 0),
    lambda: estimate_wick_pair(np.eye(3), np.eye(3), 100, None),
    lambda: wick_pair_exact(np.eye(2), np.ones((2, 3))),
    lambda: estimate_stein_gap(np.sin, np.cos, 100, 0, order=3),
    lambda: estimate_stein_gap(np.sin, "cos", 100, 0),
    lambda: estimate_stein_gap(np.sin, lambda x: 1.0, 100, 0),
    lambda: estimate_excess_kurtosis(np.ones(100)),
    lambda: estimate_excess_kurtosis(np.ones((10, 2, 2))),
    lambda: latent_kurtosis_curve([1, 10]),
    lambda: latent_kurtosis_curve([10], mode="other"),
    lambda: fit_loglog_slope([1.0, 2.0], [1.0, -1.0]),
    lambda: fit_loglog_slope([1.0, 1.0], [1.0, 2.0]),
    lambda: fit_loglog_slope([1.0], [1.0]),
    lambda: clean_target_variance(HierarchicalModel(d=6, p=2, q=3, mode="true")),
    lambda: clean_target_variance(HierarchicalModel(d=6, p=2, mode="true", link="tanh")),
    lambda: latent_excess_kurtosis("not a model"),
    lambda: approximate_target_variance(0, [1.0]),
    lambda: approximate_target_variance(10, []),
    lambda: reuse_extra_error(1000, 100, 10, 1.0, readout="ridge"),
    lambda: reuse_extra_error(0, 100, 10, 1.0),
    lambda: latent_direction(10, "rank 7 please"),
    lambda: latent_direction(3, "rank 4"),
    lambda: rank_one_sizes(HierarchicalModel(D=10, p=2), HierarchicalModel(D=10, p=2).sample(50, 0), "cube"),
], ids=lambda call: "")
def test_bad_input_raises(call):
    with pytest.raises(InvalidParameterError):
        call()


def test_plot_centring_needs_spectrum():
    from helpers.spectral import FirstLayer

    layer = FirstLayer(np.eye(3)[:, :1], np.ones(1), None, 0.0, "matrix_free", 10)
    comparison = CentringComparison(np.ones(1), layer, layer, np.ones(1), np.ones(1), 0.0)
    with pytest.raises(InvalidParameterError, match="method='dense'"):
        plot_centring([None, None], comparison, np.eye(3)[:, :1])


def test_monte_carlo_estimate_z_score():
    estimate = MonteCarloEstimate(1.0, 0.5, 100)
    assert estimate.z_score(0.0) == pytest.approx(2.0)
    assert estimate.agrees_with(0.0, 2.0)
    assert not estimate.agrees_with(0.0, 1.9)


def test_label_scaler_shared_by_pitfalls():
    # rank_one_sizes standardises with the sample's own labels, like first_layer does.
    model = HierarchicalModel(D=20, p=2, seed=0)
    sample = model.sample(500, 1)
    scaler = LabelScaler.fit(sample.labels)
    expected = np.abs(scaler.transform(sample.labels)) * np.sum(sample.inputs**2, axis=1) / 500
    np.testing.assert_allclose(rank_one_sizes(model, sample), expected)
