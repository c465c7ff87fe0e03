"""Tests of the first-layer engine: operator, iterative solvers, precision, streaming, memory checks.

Timings live in benchmarks/, never here.
"""

import tracemalloc

import numpy as np
import pytest

from helpers._validation import InvalidParameterError, MemoryBudgetError
from helpers.algorithm import run_layerwise
from helpers.eigensolvers import SOLVERS, top_eigenpairs
from helpers.labels import transform_labels
from helpers.metrics import subspace_overlap
from helpers.model import HierarchicalModel, LabelScaler
from helpers.spectral import first_layer, spectral_matrix
from helpers.spectral_operator import SpectralOperator
from helpers.streaming import run_layerwise_streamed, stream_sample, streamed_first_layer


def projector_distance(first, second):
    """Spectral norm of the difference of the orthogonal projectors (sine of the largest angle)."""
    return np.linalg.norm(first @ first.T - second @ second.T, 2)


@pytest.fixture(scope="module")
def true_case():
    model = HierarchicalModel(d=14, p=4, gamma=0.5, mode="true", seed=2)
    sample = model.sample(16 * model.feature_dim, seed=3)
    return model, sample, first_layer(model, sample, method="dense")


def standardised_weights(sample):
    return LabelScaler.fit(sample.labels).transform(sample.labels)


# ---------------------------------------------------------------- operator
@pytest.mark.parametrize("mode", ["true", "gaussian_equivalent"])
def test_operator_equals_dense_matrix(mode):
    model = HierarchicalModel(d=12, p=3, mode=mode, seed=1)
    sample = model.sample(3000, seed=2)
    weights = transform_labels(standardised_weights(sample), "soft")
    matrix = spectral_matrix(model, sample, weights)
    vectors = np.random.default_rng(0).standard_normal((model.feature_dim, 5))
    operator = SpectralOperator(model, sample, weights, chunk_size=700)
    # Same sums in another order: agreement to rounding, relative 1e-12.
    scale = np.linalg.norm(matrix @ vectors)
    assert np.linalg.norm(operator.matmat(vectors) - matrix @ vectors) < 1e-12 * scale
    assert np.linalg.norm(operator.matvec(vectors[:, 0]) - matrix @ vectors[:, 0]) < 1e-12 * scale
    assert operator.applications == 6


def test_operator_float32_relative_error():
    model = HierarchicalModel(d=20, p=4, mode="true", seed=1)
    sample = model.sample(4000, seed=2)
    weights = standardised_weights(sample)
    vectors = np.random.default_rng(0).standard_normal((model.feature_dim, 3))
    exact = SpectralOperator(model, sample, weights).matmat(vectors)
    single = SpectralOperator(model, sample, weights, precision="float32").matmat(vectors)
    assert single.dtype == np.float64
    # float32 unit roundoff is 6e-8. Sums over d terms and over chunks grow it to about 4e-7
    # for this case (measured), so 1e-5 leaves a wide margin.
    assert np.linalg.norm(single - exact) < 1e-5 * np.linalg.norm(exact)


# ---------------------------------------------------------------- solvers
def test_matrix_free_matches_dense(true_case):
    model, sample, dense = true_case
    free = first_layer(model, sample, method="matrix_free", tol=1e-12)
    assert free.solver == "lanczos"
    assert projector_distance(free.directions, dense.directions) < 1e-6
    np.testing.assert_allclose(free.eigenvalues, dense.eigenvalues, rtol=1e-9, atol=1e-12)
    assert free.residual < 1e-12


@pytest.mark.parametrize("solver", ["lanczos", "eigsh", "lobpcg"])
def test_solver_matches_dense(true_case, solver):
    model, sample, dense = true_case
    free = first_layer(model, sample, method="matrix_free", solver=solver, tol=1e-11)
    assert projector_distance(free.directions, dense.directions) < 1e-6
    np.testing.assert_allclose(free.eigenvalues, dense.eigenvalues, rtol=1e-8, atol=1e-10)


def test_block_lanczos_matches_dense(true_case):
    model, sample, dense = true_case
    weights = standardised_weights(sample)
    operator = SpectralOperator(model, sample, weights)
    result = top_eigenpairs(operator, 4, solver="lanczos", block_size=3, tol=1e-11, seed=5)
    assert result.converged
    assert projector_distance(result.vectors, dense.directions) < 1e-6


def test_subspace_residual_is_honest(true_case):
    model, sample, dense = true_case
    weights = standardised_weights(sample)
    matrix = spectral_matrix(model, sample, weights)
    result = top_eigenpairs(SpectralOperator(model, sample, weights), 4, solver="subspace", seed=1)
    assert result.applications == 16 * (4 + 10)
    residuals = matrix @ result.vectors - result.vectors * result.values
    reported = np.linalg.norm(residuals, axis=0).max() / np.abs(result.values).max()
    assert result.residual == pytest.approx(reported, rel=1e-6)
    # Davis-Kahan: sin(angle) <= |R|_F / gap, with the gap between the p-th Ritz value and
    # the rest of the spectrum in magnitude.
    magnitudes = np.sort(np.abs(dense.spectrum))[::-1]
    gap = np.abs(result.values).min() - magnitudes[4]
    assert projector_distance(result.vectors, dense.directions) <= np.linalg.norm(residuals) / gap


@pytest.mark.parametrize("solver", SOLVERS)
def test_solver_on_known_spectrum(solver):
    rng = np.random.default_rng(3)
    values = np.concatenate([[5.0, -4.0, 3.5, -3.0], rng.uniform(-1.0, 1.0, 196)])
    basis, _ = np.linalg.qr(rng.standard_normal((200, 200)))
    matrix = (basis * values) @ basis.T
    result = top_eigenpairs(matrix, 4, solver=solver, tol=1e-10, seed=0)
    np.testing.assert_allclose(result.values, [5.0, -4.0, 3.5, -3.0], atol=1e-8)
    # Subspace iteration with 14 vectors: error ratio (|lambda_15| / |lambda_4|)^15 < (1/3)^15.
    assert projector_distance(result.vectors, basis[:, :4]) < 1e-6


def test_solver_name_checked():
    with pytest.raises(InvalidParameterError, match="solver='arnoldi' is unknown"):
        top_eigenpairs(np.eye(10), 2, solver="arnoldi")


def test_precision_name_checked(true_case):
    model, sample, _ = true_case
    with pytest.raises(InvalidParameterError, match="precision='float16' is unknown"):
        first_layer(model, sample, method="matrix_free", precision="float16")


def test_float32_overlap_within_tolerance():
    model = HierarchicalModel(d=24, p=5, gamma=0.5, mode="true", seed=4)
    sample = model.sample(32 * model.feature_dim, seed=5)
    double = first_layer(model, sample, method="matrix_free")
    single = first_layer(model, sample, method="matrix_free", precision="float32")
    overlap_double = subspace_overlap(model.directions, double.directions)
    overlap_single = subspace_overlap(model.directions, single.directions)
    # A random 5-frame in D = 300 would give 5/300; the true model at this size recovers
    # one or two directions, enough for the comparison to mean something.
    assert overlap_double > 0.1
    assert abs(overlap_single - overlap_double) < 0.01
    # The float32 tolerance is 1e-5, so the subspaces agree far better than the 0.01 above.
    assert projector_distance(single.directions, double.directions) < 1e-3


# ---------------------------------------------------------------- streaming
def test_stream_labels_equal_sample():
    model = HierarchicalModel(D=90, p=5, noise_std=0.3, seed=3)
    generator, streamed_generator = np.random.default_rng(7), np.random.default_rng(7)
    sample = model.sample(3000, generator)
    stream = stream_sample(model, 3000, streamed_generator, block_size=512)
    np.testing.assert_array_equal(stream.labels, sample.labels)
    # The caller's generator is left where model.sample leaves it.
    assert generator.standard_normal() == streamed_generator.standard_normal()
    rows = np.concatenate([block.copy() for _, block in stream.blocks()])
    np.testing.assert_array_equal(rows, sample.inputs)


@pytest.mark.parametrize("block_size", [4096, 333])
def test_streamed_first_layer_equals_dense(block_size):
    model = HierarchicalModel(D=120, p=6, seed=3)
    sample = model.sample(5000, seed=8)
    expected = first_layer(model, sample, method="dense", label_transform="soft")
    found = streamed_first_layer(stream_sample(model, 5000, 8, block_size=block_size),
                                 label_transform="soft")
    if block_size == 4096:
        # Same blocks as the in-memory path, so the same sums in the same order.
        np.testing.assert_array_equal(found.spectrum, expected.spectrum)
    np.testing.assert_allclose(found.spectrum, expected.spectrum, atol=1e-12)
    np.testing.assert_allclose(np.abs(found.directions.T @ expected.directions), np.eye(6), atol=1e-9)
    assert found.trace == pytest.approx(expected.trace, rel=1e-12)


@pytest.mark.parametrize("sample_mode", ["split", "reuse"])
def test_streamed_run_equals_run_layerwise(sample_mode):
    model = HierarchicalModel(D=100, p=5, noise_std=0.2, seed=1)
    options = dict(sample=sample_mode, readout="ridge", calibrate=True, label_transform="clip")
    fit, evaluation = run_layerwise(model, 2500, seed=4, method="dense", **options)
    streamed_fit, streamed = run_layerwise_streamed(model, 2500, seed=4, block_size=600, **options)
    assert streamed.mse == pytest.approx(evaluation.mse, rel=1e-9)
    np.testing.assert_allclose(streamed.overlaps, evaluation.overlaps, atol=1e-9)
    np.testing.assert_allclose(streamed_fit.readout.matrix, fit.readout.matrix, atol=1e-9)
    assert streamed_fit.scaler.mean == pytest.approx(fit.scaler.mean, rel=1e-12)


def test_stream_rejects_true_model():
    with pytest.raises(InvalidParameterError, match="mode='true' is invalid for streaming"):
        stream_sample(HierarchicalModel(d=10, p=2, mode="true"), 100, 0)


# ---------------------------------------------------------------- memory budget
def peak_bytes_of_failed_call(function):
    tracemalloc.start()
    try:
        with pytest.raises(MemoryBudgetError) as error:
            function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, str(error.value)


def test_dense_budget_raised_before_allocating():
    model = HierarchicalModel(D=4000, p=3)
    sample = model.sample(20, seed=0)
    peak, message = peak_bytes_of_failed_call(
        lambda: first_layer(model, sample, method="dense", memory_budget=50 * 2**20))
    assert "dense spectral matrix with D=4000" in message
    # The D x D matrix alone would be 128 MB; the failed call allocated almost nothing.
    assert peak < 2**20


def test_matrix_free_budget_raised_before_allocating():
    model = HierarchicalModel(d=150, p=10, mode="true")
    sample = model.sample(50, seed=0)
    peak, message = peak_bytes_of_failed_call(
        lambda: first_layer(model, sample, method="matrix_free", memory_budget=2**20))
    assert "matrix-free first layer with D=11325" in message
    assert peak < 2**20


def test_stream_budget_raised_before_allocating():
    model = HierarchicalModel(D=1000, p=3)
    stream = stream_sample(model, 10, 0)
    peak, message = peak_bytes_of_failed_call(
        lambda: streamed_first_layer(stream, memory_budget=2**20))
    assert "dense spectral matrix with D=1000" in message
    assert peak < 2**20


def test_lanczos_returns_p_pairs_for_low_rank_operator():
    # With n = 4 samples the spectral matrix has rank at most 5 < p = 10: the solver must
    # still return p orthonormal directions instead of stopping at the converged ones.
    model = HierarchicalModel(D=300, p=10)
    layer = first_layer(model, model.sample(4, 1), method="matrix_free")
    assert layer.directions.shape == (300, 10)
    np.testing.assert_allclose(layer.directions.T @ layer.directions, np.eye(10), atol=1e-8)


def test_lanczos_stops_at_rounding_floor():
    model = HierarchicalModel(d=14, p=4, gamma=0.5, mode="true", seed=2)
    sample = model.sample(16 * model.feature_dim, seed=3)
    operator = SpectralOperator(model, sample, standardised_weights(sample), precision="float32")
    # float32 products leave a residual near 1e-6, so tol = 1e-13 cannot be met; the solver
    # must give up after about STALL_CYCLES * max_basis = 250 applications, not 20000.
    result = top_eigenpairs(operator, 4, solver="lanczos", tol=1e-13)
    assert not result.converged
    assert result.residual < 1e-4
    assert result.applications < 600
