"""Random-matrix helpers: bulk laws, Stieltjes transforms, BBP formulas, many spikes, Davis-Kahan.

The N = 2000 eigendecompositions are few and shared through module fixtures: one GOE matrix
and one white Wishart matrix, each decomposed once with eigenvectors. Their spectra are
compared with the bulk laws, and the exact rank-one secular equation turns each of them
into spiked samples for many directions at no further O(N^3) cost. One direct
eigendecomposition per model checks the secular route against ``eigh``.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from helpers import theory
from helpers._validation import InvalidParameterError
from helpers.many_spikes import (
    davis_kahan_bound,
    davis_kahan_sample_sizes,
    index_matched_sin_angles,
    outlier_equation_eigenvalues,
    population_gaps,
    recovery_by_criterion,
    resolvent_projection,
    sample_power_law_spikes,
    simulate_power_law_spikes,
    unrecovered_share,
)
from helpers.random_matrices import (
    density_from_stieltjes,
    empirical_stieltjes,
    marchenko_pastur_density,
    marchenko_pastur_edges,
    marchenko_pastur_stieltjes,
    sample_goe,
    sample_goe_top_eigenvalues,
    sample_wishart,
    semicircle_density,
    semicircle_stieltjes,
    wishart_sample_size,
)
from helpers.bbp_sweeps import (
    covariance_overlap_sweep,
    covariance_top_eigenpair,
    wigner_overlap_sweep,
    wigner_top_eigenpair,
)
from helpers.spiked import (
    add_spikes,
    covariance_outlier,
    covariance_overlap,
    critical_window,
    random_orthonormal_frame,
    sample_spiked_covariance,
    sample_spiked_wigner,
    spike_covariance,
    top_eigenpairs,
)

N_LARGE = 2000
#: Directions averaged over in the BBP checks (see bbp_directions).
N_DIRECTIONS = 200
#: Kolmogorov-Smirnov tolerance. Eigenvalue rigidity puts each eigenvalue within
#: O(log N / N) of its classical location in the bulk (O(N^(-2/3)) at the edges), so the
#: empirical CDF is within a few times 1/N of the limit (0.002-0.003 measured here at
#: N = 1000 and 2000). The distance reaches 0.02 when sigma is about 8 % off or c about
#: 20 % off. The *_detects_* tests check that a 10 % or 20 % error is caught.
KS_TOLERANCE = 0.02
#: BBP tolerance on the mean over N_DIRECTIONS directions. One direction fluctuates by
#: about sqrt(2 / N) sigma = 0.03 (the quadratic form v^T W v) for the Wigner outlier and
#: up to 0.06 for the covariance outlier at ell = 3 sqrt(c); averaging over 200 nearly
#: independent directions cuts that to 0.002-0.004, and the finite-N bias is O(1/N).
BBP_TOLERANCE = 0.03


# --------------------------------------------------------------------------- helpers
def ks_distance(samples, density, lower: float) -> float:
    """Kolmogorov-Smirnov distance between samples and the CDF obtained by integrating ``density``.

    The CDF is integrated with ``scipy.integrate.quad`` between consecutive sorted samples,
    starting at the lower end of the support, so it is exact to quadrature precision even
    where the density has an integrable singularity (MP at c = 1).
    """
    points = np.sort(np.asarray(samples, dtype=float))
    cdf = np.empty(points.size)
    total, previous = 0.0, lower
    for index, point in enumerate(points):
        if point > previous:
            total += integrate.quad(density, previous, point, limit=200)[0]
            previous = point
        cdf[index] = total
    levels = np.arange(1, points.size + 1) / points.size
    return float(max(np.max(levels - cdf), np.max(cdf - (levels - 1.0 / points.size))))


@pytest.fixture(scope="module")
def goe_draw():
    """A GOE matrix of size 2000 (sigma = 1) with its eigendecomposition."""
    noise = sample_goe(N_LARGE, 1.0, seed=2024)
    eigenvalues, eigenvectors = np.linalg.eigh(noise)
    return noise, eigenvalues, eigenvectors


@pytest.fixture(scope="module")
def wishart_draw():
    """A white Wishart matrix, N = 2000, c = 1/2, with its eigendecomposition."""
    white = sample_wishart(N_LARGE, 0.5, seed=2025)
    eigenvalues, eigenvectors = np.linalg.eigh(white)
    return white, eigenvalues, eigenvectors


@pytest.fixture(scope="module")
def bbp_directions():
    """Orthonormal spike directions, independent of both noise draws."""
    return random_orthonormal_frame(N_LARGE, N_DIRECTIONS, seed=7)


def wigner_sweep(goe_draw, directions, theta):
    """Top eigenvalues and squared overlaps of W + theta v v^T for each column v, shape (m,) each."""
    _, eigenvalues, eigenvectors = goe_draw
    return wigner_top_eigenpair(eigenvalues, eigenvectors, directions, theta)


def covariance_sweep(wishart_draw, directions, ell):
    """Top eigenvalues and squared overlaps of the spiked covariance for each column v."""
    _, eigenvalues, eigenvectors = wishart_draw
    return covariance_top_eigenpair(eigenvalues, eigenvectors, directions, ell)


# --------------------------------------------------------------------------- densities
@pytest.mark.parametrize("sigma", [0.5, 1.0, 2.0])
def test_semicircle_integrates_to_one(sigma):
    mass = integrate.quad(semicircle_density, -2 * sigma, 2 * sigma, args=(sigma,))[0]
    assert mass == pytest.approx(1.0, abs=1e-9)
    assert semicircle_density(2.01 * sigma, sigma) == 0.0


@pytest.mark.parametrize("c", [0.1, 0.5, 1.0])
def test_marchenko_pastur_integrates_to_one(c):
    lower, upper = marchenko_pastur_edges(c)
    mass = integrate.quad(marchenko_pastur_density, lower, upper, args=(c,), limit=200)[0]
    mean = integrate.quad(lambda x: x * marchenko_pastur_density(x, c), lower, upper, limit=200)[0]
    assert mass == pytest.approx(1.0, abs=1e-6)
    assert mean == pytest.approx(1.0, abs=1e-6)
    assert (lower, upper) == pytest.approx(((1 - np.sqrt(c)) ** 2, (1 + np.sqrt(c)) ** 2))


def _stieltjes_by_quadrature(density, lower, upper, z):
    real = integrate.quad(lambda x: (density(x) / (z - x)).real, lower, upper, limit=200)[0]
    imaginary = integrate.quad(lambda x: (density(x) / (z - x)).imag, lower, upper, limit=200)[0]
    return real + 1j * imaginary


POINTS = [2.5 + 0.3j, -2.5 + 0.3j, -0.7 - 1.2j, 0.4 + 2.0j, -4.0 + 0j, 5.0 + 0j]


@pytest.mark.parametrize("z", POINTS)
def test_semicircle_stieltjes_branch(z):
    sigma = 1.3
    expected = _stieltjes_by_quadrature(lambda x: semicircle_density(x, sigma), -2 * sigma, 2 * sigma, z)
    assert semicircle_stieltjes(z, sigma) == pytest.approx(expected, abs=1e-7)


def test_naive_root_takes_wrong_branch():
    # Documents why the helper factors the root: sqrt(z^2 - 4) fails for Re z < 0.
    z, sigma = -2.5 + 0.3j, 1.0
    naive = (z - np.sqrt(z**2 - 4 * sigma**2)) / (2 * sigma**2)
    assert abs(naive - semicircle_stieltjes(z, sigma)) > 1.0
    assert semicircle_stieltjes(z, sigma) * z == pytest.approx(1.0, abs=0.25)


@pytest.mark.parametrize("z", POINTS)
def test_marchenko_pastur_stieltjes_branch(z):
    c = 0.3
    lower, upper = marchenko_pastur_edges(c)
    expected = _stieltjes_by_quadrature(lambda x: marchenko_pastur_density(x, c), lower, upper, z)
    assert marchenko_pastur_stieltjes(z, c) == pytest.approx(expected, abs=1e-7)


def test_marchenko_pastur_stieltjes_at_zero():
    c = 0.25
    assert marchenko_pastur_stieltjes(0.0, c) == pytest.approx(-1.0 / (1.0 - c))
    assert marchenko_pastur_stieltjes(1e-9, c) == pytest.approx(-1.0 / (1.0 - c), abs=1e-6)


def test_density_read_off_stieltjes():
    x = np.linspace(-2.5, 2.5, 11)
    recovered = density_from_stieltjes(lambda z: semicircle_stieltjes(z, 1.0), x, 1e-10)
    np.testing.assert_allclose(recovered, semicircle_density(x, 1.0), atol=1e-5)
    lower, upper = marchenko_pastur_edges(0.5)
    grid = np.linspace(lower + 0.01, upper - 0.01, 9)
    recovered = density_from_stieltjes(lambda z: marchenko_pastur_stieltjes(z, 0.5), grid, 1e-10)
    np.testing.assert_allclose(recovered, marchenko_pastur_density(grid, 0.5), atol=1e-5)


# --------------------------------------------------------------------------- bulk laws
def test_goe_matches_semicircle(goe_draw):
    _, eigenvalues, _ = goe_draw
    assert ks_distance(eigenvalues, semicircle_density, -2.0) < KS_TOLERANCE


def test_goe_ks_detects_wrong_sigma(goe_draw):
    _, eigenvalues, _ = goe_draw
    wrong = lambda x: semicircle_density(x, 1.1)  # noqa: E731
    assert ks_distance(eigenvalues, wrong, -2.2) > KS_TOLERANCE


def test_empirical_stieltjes_near_limit(goe_draw):
    # Off the axis (eta = 0.5) G_N - G is O(1 / (N eta)), far below 0.01 at N = 2000.
    _, eigenvalues, _ = goe_draw
    z = np.array([0.3 + 0.5j, -1.5 + 0.5j, 3.0 + 0.1j])
    np.testing.assert_allclose(empirical_stieltjes(eigenvalues, z), semicircle_stieltjes(z), atol=0.01)


@pytest.mark.parametrize("c", [0.1, 1.0])
def test_wishart_matches_marchenko_pastur(c):
    # N = 1000 keeps the 10000 x 1000 data matrix of c = 0.1 cheap; see KS_TOLERANCE.
    eigenvalues = np.linalg.eigvalsh(sample_wishart(1000, c, seed=11))
    lower = marchenko_pastur_edges(c)[0]
    assert ks_distance(eigenvalues, lambda x: marchenko_pastur_density(x, c), lower) < KS_TOLERANCE


def test_wishart_half_matches_marchenko_pastur(wishart_draw):
    _, eigenvalues, _ = wishart_draw
    lower = marchenko_pastur_edges(0.5)[0]
    assert ks_distance(eigenvalues, lambda x: marchenko_pastur_density(x, 0.5), lower) < KS_TOLERANCE


def test_wishart_ks_detects_wrong_ratio(wishart_draw):
    _, eigenvalues, _ = wishart_draw
    wrong = lambda x: marchenko_pastur_density(x, 0.6)  # noqa: E731
    assert ks_distance(eigenvalues, wrong, 0.0) > KS_TOLERANCE


def test_wishart_sample_size_rounds():
    assert wishart_sample_size(1000, 0.1) == 10000
    assert wishart_sample_size(300, 0.7) == 429
    assert sample_wishart(30, 0.5, seed=0).shape == (30, 30)


def test_goe_entry_variances():
    # Off-diagonal variance sigma^2 / N, diagonal 2 sigma^2 / N. The sample variances of
    # N (N - 1) / 2 and N Gaussian entries have relative errors sqrt(4 / N^2) = 0.2 % and
    # sqrt(2 / N) = 4.5 %: tolerances of 2 % and 20 % are over 4 standard deviations.
    N, sigma = 1000, 1.5
    matrix = sample_goe(N, sigma, seed=3)
    off_diagonal = matrix[np.triu_indices(N, 1)]
    assert np.allclose(matrix, matrix.T)
    assert np.var(off_diagonal) * N / sigma**2 == pytest.approx(1.0, rel=0.02)
    assert np.var(np.diag(matrix)) * N / sigma**2 == pytest.approx(2.0, rel=0.2)


def test_edge_fluctuations_scale():
    # std of lambda_max ~ N^(-2/3): ratio 8^(-2/3) = 0.25 from N = 50 to 400, versus 0.354
    # for N^(-1/2). With 200 draws each std is known to about 5 %, the ratio to about 0.02.
    small = sample_goe_top_eigenvalues(50, 200, seed=1)
    large = sample_goe_top_eigenvalues(400, 200, seed=2)
    ratio = np.std(large) / np.std(small)
    assert 0.19 < ratio < 0.31
    assert np.mean(large) == pytest.approx(2.0 - 1.21 * 400 ** (-2 / 3), abs=0.01)


# --------------------------------------------------------------------------- spiked Wigner
def test_secular_matches_eigh_wigner():
    draw = sample_spiked_wigner(200, 1.0, 1.0, seed=5)
    eigenvalues, eigenvectors = np.linalg.eigh(draw.noise)
    direction = draw.directions[:, 0]
    for theta in (0.4, 1.0, 1.7, 4.0):
        top, overlap = wigner_top_eigenpair(eigenvalues, eigenvectors, direction, theta)
        values, vectors = top_eigenpairs(add_spikes(draw.noise, draw.directions, [theta]), 1)
        assert top == pytest.approx(values[0], abs=1e-10)
        assert overlap == pytest.approx((vectors[:, 0] @ direction) ** 2, abs=1e-8)


def test_secular_matches_eigh_at_large_n(goe_draw, bbp_directions):
    noise, eigenvalues, eigenvectors = goe_draw
    direction = bbp_directions[:, 0]
    top, overlap = wigner_top_eigenpair(eigenvalues, eigenvectors, direction, 2.0)
    values, vectors = top_eigenpairs(noise + 2.0 * np.outer(direction, direction), 1)
    assert top == pytest.approx(values[0], abs=1e-9)
    assert overlap == pytest.approx((vectors[:, 0] @ direction) ** 2, abs=1e-7)


@pytest.mark.parametrize("ratio", [1.5, 2.0, 3.0])
def test_wigner_bbp_above_threshold(goe_draw, bbp_directions, ratio):
    sigma = 1.0
    tops, overlaps = wigner_sweep(goe_draw, bbp_directions, ratio * sigma)
    assert np.mean(tops) == pytest.approx(theory.outlier_positions(ratio * sigma, sigma), abs=BBP_TOLERANCE)
    assert np.mean(overlaps) == pytest.approx(theory.predicted_overlaps(ratio * sigma, sigma),
                                              abs=BBP_TOLERANCE)


def test_wigner_bbp_detects_wrong_formula(goe_draw, bbp_directions):
    # Guards the test above. At theta = 2 sigma the outlier is theta + sigma^2/theta = 2.5,
    # not theta = 2, and the overlap is 1 - sigma^2/theta^2 = 0.75, not 1 - sigma/theta = 0.5.
    tops, overlaps = wigner_sweep(goe_draw, bbp_directions, 2.0)
    assert abs(np.mean(tops) - 2.0) > BBP_TOLERANCE
    assert abs(np.mean(overlaps) - (1.0 - 1.0 / 2.0)) > BBP_TOLERANCE


def test_wigner_below_threshold(goe_draw, bbp_directions):
    # Below threshold the top eigenvalue is Tracy-Widom close to 2 sigma (scale N^(-2/3) =
    # 0.006) and the overlap is O(1/N); 0.05 and 0.1 hold for every direction.
    tops, overlaps = wigner_sweep(goe_draw, bbp_directions, 0.5)
    assert np.max(np.abs(tops - 2.0)) < 0.05
    assert np.max(overlaps) < 0.1


def test_wigner_sweep_matches_single_draws():
    tops, overlaps = wigner_overlap_sweep(150, [0.5, 2.0], n_draws=3, sigma=0.7, seed=4)
    assert tops.shape == overlaps.shape == (3, 2)
    rng = np.random.default_rng(4)
    for row in range(3):
        draw = sample_spiked_wigner(150, 1.0, 0.7, rng)
        values, vectors = top_eigenpairs(add_spikes(draw.noise, draw.directions, [2.0]), 1)
        assert tops[row, 1] == pytest.approx(values[0], abs=1e-10)
        assert overlaps[row, 1] == pytest.approx((vectors[:, 0] @ draw.directions[:, 0]) ** 2, abs=1e-8)


def test_covariance_sweep_shapes():
    tops, overlaps = covariance_overlap_sweep(80, 0.5, [0.3, 1.0, 3.0], n_draws=2, seed=1)
    assert tops.shape == overlaps.shape == (2, 3)
    assert np.all(np.diff(tops, axis=1) > 0)
    assert np.all(np.diff(overlaps, axis=1) > 0)


# --------------------------------------------------------------------------- spiked covariance
def test_spike_covariance_equals_data_construction():
    rng = np.random.default_rng(0)
    n, N, ell = 120, 40, 2.5
    data = rng.standard_normal((n, N))
    direction = random_orthonormal_frame(N, 1, seed=1)[:, 0]
    root = np.eye(N) + (np.sqrt(1 + ell) - 1) * np.outer(direction, direction)
    spiked = (data @ root).T @ (data @ root) / n
    np.testing.assert_allclose(spike_covariance(data.T @ data / n, direction, ell), spiked, atol=1e-12)
    np.testing.assert_allclose(root @ root, np.eye(N) + ell * np.outer(direction, direction), atol=1e-12)


def test_spiked_covariance_sampler_shares_draws():
    first = sample_spiked_covariance(60, 0.5, 1.0, seed=4)
    second = sample_spiked_covariance(60, 0.5, 3.0, seed=4)
    assert first.n == 120
    np.testing.assert_array_equal(first.white, second.white)
    np.testing.assert_allclose(second.matrix, spike_covariance(first.white, first.direction, 3.0))


def test_secular_matches_eigh_covariance():
    draw = sample_spiked_covariance(150, 0.6, 1.0, seed=6)
    eigenvalues, eigenvectors = np.linalg.eigh(draw.white)
    for ell in (0.3, 0.8, 2.0, 6.0):
        top, overlap = covariance_top_eigenpair(eigenvalues, eigenvectors, draw.direction, ell)
        values, vectors = top_eigenpairs(spike_covariance(draw.white, draw.direction, ell), 1)
        assert top == pytest.approx(values[0], abs=1e-10)
        assert overlap == pytest.approx((vectors[:, 0] @ draw.direction) ** 2, abs=1e-8)


@pytest.mark.parametrize("ratio", [1.5, 2.0, 3.0])
def test_covariance_bbp_above_threshold(wishart_draw, bbp_directions, ratio):
    c = 0.5
    ell = ratio * np.sqrt(c)
    tops, overlaps = covariance_sweep(wishart_draw, bbp_directions, ell)
    assert np.mean(tops) == pytest.approx(covariance_outlier(ell, c), abs=BBP_TOLERANCE)
    assert np.mean(overlaps) == pytest.approx(covariance_overlap(ell, c), abs=BBP_TOLERANCE)


def test_covariance_bbp_detects_wrong_ratio(wishart_draw, bbp_directions):
    # Guards the test above: the same formulas with c = 0.6 instead of 0.5 are rejected.
    ell = 2.0 * np.sqrt(0.5)
    tops, overlaps = covariance_sweep(wishart_draw, bbp_directions, ell)
    assert abs(np.mean(tops) - covariance_outlier(ell, 0.6)) > BBP_TOLERANCE
    assert abs(np.mean(overlaps) - covariance_overlap(ell, 0.6)) > BBP_TOLERANCE


def test_covariance_below_threshold(wishart_draw, bbp_directions):
    c = 0.5
    tops, overlaps = covariance_sweep(wishart_draw, bbp_directions, 0.5 * np.sqrt(c))
    assert np.max(np.abs(tops - marchenko_pastur_edges(c)[1])) < 0.05
    assert np.max(overlaps) < 0.1


def test_covariance_formulas_at_threshold():
    c = 0.3
    assert covariance_outlier(np.sqrt(c) * (1 + 1e-9), c) == pytest.approx((1 + np.sqrt(c)) ** 2)
    assert covariance_overlap(np.sqrt(c), c) == pytest.approx(0.0, abs=1e-12)
    assert covariance_overlap(1e6, c) == pytest.approx(1.0, abs=1e-5)
    assert critical_window(2.0, 1000) == pytest.approx(0.2)


# --------------------------------------------------------------------------- many spikes
@pytest.mark.parametrize("gamma", [1.0, 1.5])
def test_outlier_count_matches_bbp(gamma):
    # A spike inside the finite-size window |theta - sigma| < sigma D^(-1/3) may or may not
    # have left the bulk, and a bulk eigenvalue can poke above 2 sigma on the scale
    # sigma D^(-2/3): hence "within 1". NOTE: the bound is not a theorem. With gamma = 0.6
    # and p = 20 the weak strengths crowd into the window, and at n/D = 64 two of them stay
    # hidden in the bulk.
    D, p = 1000, 20
    for ratio in (4, 16, 64, 256):
        draw = sample_power_law_spikes(D, ratio * D, p, gamma, seed=8)
        outliers = int(np.sum(np.linalg.eigvalsh(draw.matrix) > 2.0 * draw.sigma))
        predicted = int(np.sum(draw.theta > draw.sigma))
        assert abs(outliers - predicted) <= 1, (ratio, outliers, predicted)


def test_power_law_spikes_share_draws():
    first = sample_power_law_spikes(100, 400, 5, 1.0, seed=3)
    second = sample_power_law_spikes(100, 1600, 5, 0.5, seed=3)
    np.testing.assert_array_equal(first.directions, second.directions)
    np.testing.assert_allclose(second.noise, first.noise * second.sigma / first.sigma, rtol=1e-12)
    np.testing.assert_allclose(first.theta, theory.spike_strengths(5, 1.0))


def test_davis_kahan_bound_holds():
    # The bound is a theorem for the k-th direction paired with the k-th eigenvector; it
    # is loose (a quarter of it still holds here), so the test guards the pairing and the
    # gaps. Pairing with the eigenvectors in reverse order breaks it, which shows the
    # check can fail.
    violations, mispaired, informative = [], 0, 0
    for seed in range(5):
        for gamma in (0.6, 1.0, 1.5):
            for ratio in (2, 16, 128, 1024):
                draw = sample_power_law_spikes(300, ratio * 300, 10, gamma, seed=seed)
                _, vectors = top_eigenpairs(draw.matrix, 10)
                observed = index_matched_sin_angles(draw.directions, vectors)
                bound = davis_kahan_bound(draw.theta, np.linalg.norm(draw.noise, 2))
                if np.any(bound < observed):
                    violations.append((seed, gamma, ratio))
                informative += int(np.sum(bound < 1.0))
                reversed_pairs = index_matched_sin_angles(draw.directions, vectors[:, ::-1])
                mispaired += int(np.sum(bound < reversed_pairs))
    assert violations == []
    assert informative > 20  # the bound is below 1, so not trivially true, in many cases
    assert mispaired > 0


def test_population_gaps():
    theta = np.array([1.0, 0.5, 0.45, 0.1])
    np.testing.assert_allclose(population_gaps(theta), [0.5, 0.05, 0.05, 0.1])
    np.testing.assert_allclose(population_gaps(theta, include_zero=False), [0.5, 0.05, 0.05, 0.35])
    assert np.isinf(davis_kahan_bound([0.3, 0.3], 0.1)).all()


def test_davis_kahan_sample_sizes_weakest_gap():
    # p = 2, gamma = 1.5: theta = (4/3, sqrt(2)/3), so the weak spike is closer to 0 than to
    # the strong one and its gap is theta_2 itself.
    theta = theory.spike_strengths(2, 1.5)
    sizes = davis_kahan_sample_sizes(500, 2, 1.5)
    np.testing.assert_allclose(sizes, 32 * 500 / np.array([theta[0] - theta[1], theta[1]]) ** 2)
    # At that size the bound on sin^2 is exactly 1/2, with |W|_op = 2 sigma.
    sigma = theory.noise_level(500, sizes[1])
    assert davis_kahan_bound(theta, 2 * sigma)[1] ** 2 == pytest.approx(0.5)
    with pytest.raises(InvalidParameterError, match="threshold"):
        davis_kahan_sample_sizes(500, 2, 1.5, threshold=1.0)


def test_resolvent_projection_decouples():
    # V^T (lambda - W)^(-1) V = G(lambda) I + fluctuations. An off-diagonal entry has
    # variance -G'(lambda) / D, a diagonal one about 2 (-G'(lambda) - G^2) / D, with
    # -G' = G^2 / (1 - sigma^2 G^2) for the semicircle. Five times sqrt(-2 G' / D) bounds
    # all 63 entries with room (the largest measured is 3.4 sqrt(-G' / D)).
    D, p = 600, 6
    draw = sample_power_law_spikes(D, D * 16, p, 1.0, seed=2)
    eigenvalues, eigenvectors = np.linalg.eigh(draw.noise)
    lambdas = np.array([2.3, 3.0, 4.0]) * draw.sigma
    projection = resolvent_projection(eigenvalues, eigenvectors, draw.directions, lambdas)
    stieltjes = semicircle_stieltjes(lambdas, draw.sigma).real
    slope = stieltjes**2 / (1.0 - draw.sigma**2 * stieltjes**2)
    deviation = np.abs(projection - stieltjes[:, None, None] * np.eye(p)).max(axis=(1, 2))
    assert np.all(deviation < 5.0 * np.sqrt(2.0 * slope / D))


def test_outlier_equation_zero_at_eigenvalues():
    draw = sample_power_law_spikes(300, 300 * 64, 4, 1.0, seed=9)
    eigenvalues, eigenvectors = np.linalg.eigh(draw.noise)
    spectrum = np.linalg.eigvalsh(draw.matrix)
    outliers = spectrum[spectrum > eigenvalues[-1] + 1e-9]
    kernel = outlier_equation_eigenvalues(eigenvalues, eigenvectors, draw.directions, draw.theta, outliers)
    assert outliers.size >= 3
    np.testing.assert_allclose(np.min(np.abs(kernel), axis=1), 0.0, atol=1e-8)


def test_recovery_criteria_and_tail():
    theta = theory.spike_strengths(50, 1.0)
    sigma = theory.noise_level(100, 100 * 64)
    recovered = recovery_by_criterion(theta, sigma)
    np.testing.assert_array_equal(recovered["bbp"], 1 - sigma**2 / theta**2 > 0.5)
    assert recovered["davis_kahan"].sum() < recovered["bbp"].sum()
    assert unrecovered_share(theta, np.ones(50, bool)) == 0.0
    assert unrecovered_share(theta, np.zeros(50, bool)) == pytest.approx(1.0)


def test_simulation_overlaps_follow_bbp():
    # Strong, well separated directions: per-direction overlaps within 0.1 of 1 - sigma^2/theta^2.
    results = simulate_power_law_spikes(400, 8, 1.0, [400 * 64, 400 * 256], seed=1)
    predicted = theory.predicted_overlaps(results["theta"], results["sigma"][:, None])
    strong = predicted > 0.7
    assert np.all(np.abs(results["overlaps"][strong] - predicted[strong]) < 0.1)
    assert results["spectra"].shape == (2, 400)


# --------------------------------------------------------------------------- input checks
INVALID_CALLS = {
    "mp_ratio_above_one": lambda: marchenko_pastur_density(1.0, 1.5),
    "mp_stieltjes_ratio_zero": lambda: marchenko_pastur_stieltjes(1j, 0.0),
    "wishart_ratio_above_one": lambda: sample_wishart(10, 2.0),
    "semicircle_sigma_zero": lambda: semicircle_density(0.0, 0.0),
    "stieltjes_sigma_negative": lambda: semicircle_stieltjes(1j, -1.0),
    "goe_size_zero": lambda: sample_goe(0),
    "goe_size_fraction": lambda: sample_goe(2.5),
    "goe_size_string": lambda: sample_goe("10"),
    "goe_sigma_nan": lambda: sample_goe(10, sigma=float("nan")),
    "goe_seed_none": lambda: sample_goe(10, seed=None),
    "top_eigenvalues_count_zero": lambda: sample_goe_top_eigenvalues(10, 0),
    "stieltjes_eta_zero": lambda: density_from_stieltjes(semicircle_stieltjes, [0.0], 0.0),
    "wigner_theta_zero": lambda: sample_spiked_wigner(10, 0.0),
    "wigner_too_many_spikes": lambda: sample_spiked_wigner(10, [1.0] * 11),
    "covariance_ratio_above_one": lambda: sample_spiked_covariance(10, 1.5, 1.0),
    "covariance_ell_negative": lambda: sample_spiked_covariance(10, 0.5, -1.0),
    "covariance_direction_not_unit": lambda: spike_covariance(np.eye(3), np.ones(3), 1.0),
    "outlier_ell_zero": lambda: covariance_outlier(0.0, 0.5),
    "overlap_ratio_above_one": lambda: covariance_overlap(1.0, 1.2),
    "window_size_zero": lambda: critical_window(1.0, 0),
    "top_eigenpairs_too_many": lambda: top_eigenpairs(np.eye(3), 4),
    "secular_theta_negative": lambda: wigner_top_eigenpair(
        np.zeros(3), np.eye(3), np.ones(3) / np.sqrt(3), -1.0),
    "davis_kahan_negative_norm": lambda: davis_kahan_bound([1.0], -0.1),
    "power_law_n_zero": lambda: sample_power_law_spikes(10, 0, 2, 1.0),
    "recovery_sigma_zero": lambda: recovery_by_criterion([1.0], 0.0),
    "sweep_draws_zero": lambda: wigner_overlap_sweep(10, [1.0], n_draws=0),
    "sweep_ratio_above_one": lambda: covariance_overlap_sweep(10, 1.5, [1.0]),
}


@pytest.mark.parametrize("name", sorted(INVALID_CALLS))
def test_invalid_input_raises(name):
    with pytest.raises(InvalidParameterError):
        INVALID_CALLS[name]()


def test_invalid_ratio_message_names_fix():
    with pytest.raises(InvalidParameterError, match=r"c=1.5 is invalid.*X X\^T / n"):
        marchenko_pastur_density(1.0, 1.5)


def test_samplers_respect_memory_budget():
    from helpers import MemoryBudgetError
    from helpers.random_matrices import sample_goe, sample_wishart

    with pytest.raises(MemoryBudgetError, match="GOE matrix with N=1000000"):
        sample_goe(10**6)
    with pytest.raises(MemoryBudgetError, match="Gaussian data matrix"):
        sample_wishart(10, 1e-12)


def test_covariance_formulas_reject_nan():
    from helpers.spiked import covariance_outlier, covariance_overlap

    with pytest.raises(InvalidParameterError, match="positive and finite"):
        covariance_outlier([2.0, float("nan")], 0.5)
    with pytest.raises(InvalidParameterError, match="positive and finite"):
        covariance_overlap(float("nan"), 0.5)
