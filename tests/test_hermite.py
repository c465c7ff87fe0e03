"""Hermite polynomials and features: orthonormality, agreement with numpy, the q = 2 isometry."""

import itertools
import math

import numpy as np
import pytest
from numpy.polynomial import hermite_e

from helpers import (
    features_to_symmetric,
    hermite_features,
    hermite_normalized,
    n_hermite_features,
    quadratic_forms,
    symmetric_to_features,
)


def gauss_hermite_grid(d: int, points: int = 8):
    """Tensor Gauss-Hermite rule for N(0, I_d): exact for polynomials of degree < 2 * points per axis."""
    nodes, weights = hermite_e.hermegauss(points)
    weights = weights / weights.sum()
    grid = np.array(list(itertools.product(nodes, repeat=d)))
    grid_weights = np.prod(np.array(list(itertools.product(weights, repeat=d))), axis=1)
    return grid, grid_weights


@pytest.mark.parametrize("k", range(7))
def test_hermite_matches_numpy_hermite_e(k):
    x = np.linspace(-4, 4, 41)
    coefficients = np.zeros(k + 1)
    coefficients[k] = 1.0
    expected = hermite_e.hermeval(x, coefficients) / math.sqrt(math.factorial(k))
    np.testing.assert_allclose(hermite_normalized(k, x), expected, rtol=1e-12, atol=1e-12)


def test_hermite_low_degrees_are_probabilists():
    x = np.array([-1.5, 0.0, 2.0])
    np.testing.assert_allclose(hermite_normalized(2, x), (x**2 - 1) / math.sqrt(2))
    np.testing.assert_allclose(hermite_normalized(3, x), (x**3 - 3 * x) / math.sqrt(6))


def test_hermite_polynomials_orthonormal():
    nodes, weights = hermite_e.hermegauss(20)
    weights = weights / weights.sum()
    values = np.stack([hermite_normalized(k, nodes) for k in range(8)])
    gram = (values * weights) @ values.T
    np.testing.assert_allclose(gram, np.eye(8), atol=1e-10)


@pytest.mark.parametrize("d, q", [(3, 2), (4, 2), (3, 3)])
def test_features_orthonormal_exactly(d, q):
    grid, weights = gauss_hermite_grid(d, points=5)
    features = hermite_features(grid, q)
    assert features.shape == (len(grid), n_hermite_features(d, q))
    gram = features.T @ (features * weights[:, None])
    np.testing.assert_allclose(gram, np.eye(features.shape[1]), atol=1e-10)


def test_feature_count_formula():
    assert n_hermite_features(10, 2) == 55
    assert n_hermite_features(10, 3) == 220
    assert n_hermite_features(1, 2) == 1


def test_q2_features_coordinates():
    x = np.array([[0.5, -2.0, 1.0]])
    features = hermite_features(x, 2)[0]
    # Order of combinations_with_replacement: (0,0), (0,1), (0,2), (1,1), (1,2), (2,2).
    expected = [(0.25 - 1) / math.sqrt(2), -1.0, 0.5, (4 - 1) / math.sqrt(2), -2.0, 0.0]
    np.testing.assert_allclose(features, expected, atol=1e-12)


def test_symmetric_map_is_isometry_and_inverse():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((5, 6, 6))
    A = (G + G.transpose(0, 2, 1)) / 2
    a = symmetric_to_features(A)
    assert a.shape == (5, 21)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), np.linalg.norm(A, axis=(1, 2)))
    np.testing.assert_allclose(features_to_symmetric(a, 6), A, atol=1e-12)


def test_quadratic_forms_equal_feature_inner_products():
    rng = np.random.default_rng(1)
    d = 7
    X = rng.standard_normal((50, d))
    a = rng.standard_normal((3, n_hermite_features(d, 2)))
    expected = hermite_features(X, 2) @ a.T
    found = quadratic_forms(X, features_to_symmetric(a, d), chunk_size=16)
    np.testing.assert_allclose(found, expected, rtol=1e-10, atol=1e-10)
