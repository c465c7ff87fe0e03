"""Orthonormal probabilists' Hermite polynomials and the degree-q Hermite features of a vector.

Conventions
-----------
* Polynomials are the probabilists' He_k (He_2 = x^2 - 1, He_3 = x^3 - 3x), divided by
  sqrt(k!) so that they are orthonormal under the standard Gaussian N(0, 1). The
  physicists' H_k never appear.
* The degree-q features of x in R^d are indexed by multisets {i_1 <= ... <= i_q} in the
  order of ``itertools.combinations_with_replacement(range(d), q)``. The feature of a
  multiset with multiplicities (m_i) is prod_i He_{m_i}(x_i) / sqrt(m_i!), so that
  E[phi(x) phi(x)^T] = I_D for x ~ N(0, I_d), with D = binom(d + q - 1, q).
* For q = 2 a feature vector a in R^D is identified with a symmetric d x d matrix A by
  a_ii = A_ii and a_ij = sqrt(2) A_ij (i < j). This map is an isometry (|a| = |A|_F), and
  <a, phi(x)> = (x^T A x - tr A) / sqrt(2) = <A, H(x)>_F with H(x) = (x x^T - I) / sqrt(2).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ._validation import InvalidParameterError, check_matrix, check_positive_int, check_supported_q

__all__ = [
    "hermite_normalized",
    "n_hermite_features",
    "hermite_features",
    "symmetric_to_features",
    "features_to_symmetric",
    "quadratic_forms",
]


def hermite_normalized(k: int, x) -> np.ndarray:
    """Evaluate the orthonormal probabilists' Hermite polynomial He_k(x) / sqrt(k!).

    Parameters
    ----------
    k : int
        Degree, k >= 0.
    x : array_like
        Points, any shape.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise InvalidParameterError(f"k={k!r} is invalid: the degree must be an integer >= 0.")
    x = np.asarray(x, dtype=float)
    previous, current = np.zeros_like(x), np.ones_like(x)
    # Three-term recurrence He_{j+1} = x He_j - j He_{j-1}.
    for j in range(k):
        previous, current = current, x * current - j * previous
    return current / math.sqrt(math.factorial(k))


def n_hermite_features(d: int, q: int) -> int:
    """Return D = binom(d + q - 1, q), the number of degree-q Hermite features of R^d."""
    d = check_positive_int(d, "d")
    q = check_supported_q(q)
    return math.comb(d + q - 1, q)


def hermite_features(X, q: int = 2) -> np.ndarray:
    """Compute the orthonormal degree-q Hermite features of each row of ``X``.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Inputs, one sample per row, normally drawn from N(0, I_d).
    q : int
        Degree, 2 or 3.

    Returns
    -------
    ndarray, shape (n, D)
        D = binom(d + q - 1, q), columns ordered as in the module docstring.
    """
    X = check_matrix(X, "X", ndim=2)
    q = check_supported_q(q)
    n, d = X.shape
    # Columns He_m(x_i)/sqrt(m!) for m = 0..q, shape (q + 1, n, d).
    univariate = np.stack([hermite_normalized(m, X) for m in range(q + 1)])
    columns = []
    for multiset in itertools.combinations_with_replacement(range(d), q):
        column = np.ones(n)
        for index in sorted(set(multiset)):
            column = column * univariate[multiset.count(index), :, index]
        columns.append(column)
    return np.stack(columns, axis=1)


def _upper_triangle(d: int) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = zip(*itertools.combinations_with_replacement(range(d), 2))
    return np.asarray(rows), np.asarray(cols)


def symmetric_to_features(A) -> np.ndarray:
    """Map symmetric matrices to degree-2 feature vectors (the isometry of the module docstring).

    Parameters
    ----------
    A : array_like, shape (..., d, d)
        Symmetric matrices; only the upper triangle is read.

    Returns
    -------
    ndarray, shape (..., D)
        D = d (d + 1) / 2.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise InvalidParameterError(f"A has shape {A.shape}: expected square matrices (..., d, d).")
    rows, cols = _upper_triangle(A.shape[-1])
    scale = np.where(rows == cols, 1.0, math.sqrt(2.0))
    return A[..., rows, cols] * scale


def features_to_symmetric(a, d: int | None = None) -> np.ndarray:
    """Map degree-2 feature vectors back to symmetric matrices.

    Parameters
    ----------
    a : array_like, shape (..., D)
        Feature vectors with D = d (d + 1) / 2.
    d : int, optional
        Input dimension; deduced from D when omitted.

    Returns
    -------
    ndarray, shape (..., d, d)
    """
    a = np.asarray(a, dtype=float)
    size = a.shape[-1]
    if d is None:
        d = int(round((math.sqrt(8 * size + 1) - 1) / 2))
    if d * (d + 1) // 2 != size:
        raise InvalidParameterError(
            f"a has {size} entries on its last axis, which is not d(d+1)/2 for d={d}."
        )
    rows, cols = _upper_triangle(d)
    scale = np.where(rows == cols, 1.0, 1.0 / math.sqrt(2.0))
    A = np.zeros(a.shape[:-1] + (d, d))
    A[..., rows, cols] = a * scale
    A[..., cols, rows] = a * scale
    return A


def quadratic_forms(X, matrices, chunk_size: int = 8192) -> np.ndarray:
    """Evaluate <A_k, H(x)>_F = (x^T A_k x - tr A_k) / sqrt(2) for every sample and matrix.

    This equals <a_k, phi(x)> for the degree-2 Hermite features without forming phi,
    at a cost of O(n d^2) per matrix.

    Parameters
    ----------
    X : ndarray, shape (n, d)
        Inputs.
    matrices : ndarray, shape (k, d, d)
        Symmetric matrices.
    chunk_size : int
        Number of samples processed at once, which bounds the temporary memory to
        about ``chunk_size * d * k`` floats.

    Returns
    -------
    ndarray, shape (n, k)
    """
    X = np.asarray(X)
    matrices = np.asarray(matrices, dtype=X.dtype)
    n, d = X.shape
    k = matrices.shape[0]
    traces = np.trace(matrices, axis1=1, axis2=2)
    # Stack the matrices side by side so one GEMM gives X A_k for every k.
    stacked = matrices.transpose(1, 0, 2).reshape(d, k * d)
    values = np.empty((n, k), dtype=X.dtype)
    for start in range(0, n, chunk_size):
        block = X[start:start + chunk_size]
        products = (block @ stacked).reshape(len(block), k, d)
        values[start:start + chunk_size] = np.einsum("nkd,nd->nk", products, block)
    return (values - traces) / math.sqrt(2.0)
