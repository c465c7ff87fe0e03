"""Closed-form spectral laws of random matrices, their Stieltjes transforms, and samplers.

Conventions used throughout:

* GOE: W = (sigma / sqrt(N)) G with G symmetric, off-diagonal entries N(0, 1) and diagonal
  entries N(0, 2). Its spectrum converges to the semicircle on [-2 sigma, 2 sigma] and its
  largest eigenvalue fluctuates around 2 sigma on the scale sigma N^(-2/3) (Tracy-Widom).
* Wishart: S = X^T X / n with X in R^(n x N) of i.i.d. N(0, 1) entries and aspect ratio
  c = N / n <= 1. Its spectrum converges to the Marchenko-Pastur law on
  [lambda_-, lambda_+], lambda_pm = (1 +- sqrt(c))^2.
* Stieltjes transform: G(z) = integral of rho(x) / (z - x) dx for z off the support, so
  G(z) ~ 1/z at infinity and Im G(z) < 0 when Im z > 0. The density is read off it as
  rho(x) = -(1/pi) lim_{eta -> 0+} Im G(x + i eta). (Texts that define
  m(z) = integral of rho(x) / (x - z) dx = -G(z) write +Im m / pi instead.)
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
from threadpoolctl import threadpool_limits

from ._validation import (
    InvalidParameterError,
    as_generator,
    check_matrix,
    check_memory,
    check_positive_int,
    check_real,
)

__all__ = [
    "semicircle_density", "semicircle_stieltjes", "marchenko_pastur_edges",
    "marchenko_pastur_density", "marchenko_pastur_stieltjes", "empirical_stieltjes",
    "density_from_stieltjes", "sample_goe", "wishart_sample_size", "sample_white_data",
    "sample_wishart", "sample_goe_top_eigenvalues", "serial_blas", "symmetric_eigenvalues",
]


def serial_blas():
    """Return a context manager that limits BLAS and LAPACK to one thread.

    The eigendecompositions of these notebooks are small. On a 2-core machine (OpenBLAS
    0.3.31) two threads made ``eigvalsh`` of a 2000 x 2000 matrix 1.7 times faster under
    light load (0.37 s against 0.62 s), but a 1000 x 1000 one ten times slower while other
    jobs kept both cores busy (3.4 s against 0.3 s), because the threads wait for each other.
    """
    return threadpool_limits(limits=1, user_api="blas")


def symmetric_eigenvalues(matrix) -> np.ndarray:
    """Return the eigenvalues of a symmetric matrix in ascending order, shape (N,).

    Calls ``numpy.linalg.eigvalsh`` inside :func:`serial_blas`.
    """
    matrix = check_matrix(matrix, "matrix", ndim=2)
    with serial_blas():
        return np.linalg.eigvalsh(matrix)


def _check_sigma(sigma) -> float:
    return check_real(sigma, "sigma", minimum=0.0, strict_minimum=True)


def _check_ratio(c) -> float:
    """Return the aspect ratio c = N / n if 0 < c <= 1, or raise with the fix."""
    c = check_real(c, "c", minimum=0.0, strict_minimum=True)
    if c > 1.0:
        raise InvalidParameterError(
            f"c={c!r} is invalid: the Marchenko-Pastur law here needs c = N / n <= 1 (at least as "
            f"many samples n as dimensions N). For c > 1, study X X^T / n instead, whose nonzero "
            f"eigenvalues are the same, with ratio 1/c = {1.0 / c:.4g}."
        )
    return c


def _complex_points(z) -> np.ndarray:
    return np.asarray(z, dtype=complex)


# --------------------------------------------------------------------------- semicircle
def semicircle_density(x, sigma: float = 1.0) -> np.ndarray:
    """Evaluate the semicircle density sqrt(4 sigma^2 - x^2) / (2 pi sigma^2), zero outside [-2 sigma, 2 sigma].

    Parameters
    ----------
    x : array_like
        Points.
    sigma : float
        Noise level, positive; the support has radius 2 sigma.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    sigma = _check_sigma(sigma)
    x = np.asarray(x, dtype=float)
    inside = np.clip(4.0 * sigma**2 - x**2, 0.0, None)
    return np.sqrt(inside) / (2.0 * np.pi * sigma**2)


def semicircle_stieltjes(z, sigma: float = 1.0) -> np.ndarray:
    """Evaluate G(z) = (z - sqrt(z^2 - 4 sigma^2)) / (2 sigma^2), the semicircle's Stieltjes transform.

    The square root is taken as sqrt(z - 2 sigma) * sqrt(z + 2 sigma) with principal
    branches. That product has its cut exactly on the support [-2 sigma, 2 sigma] and
    behaves like z at infinity, so G(z) ~ 1/z everywhere in the plane. The naive
    ``sqrt(z**2 - 4 sigma**2)`` has its cut on the imaginary axis as well and returns the
    wrong branch for Re z < 0.

    Parameters
    ----------
    z : complex or array_like
        Points off the support; on the support the value is the limit from above
        (Im z -> 0+).
    sigma : float
        Noise level, positive.

    Returns
    -------
    ndarray of complex
        Same shape as ``z``.
    """
    sigma = _check_sigma(sigma)
    z = _complex_points(z)
    root = np.sqrt(z - 2.0 * sigma) * np.sqrt(z + 2.0 * sigma)
    return (z - root) / (2.0 * sigma**2)


# --------------------------------------------------------------------------- Marchenko-Pastur
def marchenko_pastur_edges(c: float) -> tuple[float, float]:
    """Return (lambda_-, lambda_+) = ((1 - sqrt c)^2, (1 + sqrt c)^2), the support of the MP law."""
    c = _check_ratio(c)
    return (1.0 - np.sqrt(c)) ** 2, (1.0 + np.sqrt(c)) ** 2


def marchenko_pastur_density(x, c: float) -> np.ndarray:
    """Evaluate the Marchenko-Pastur density sqrt((lambda_+ - x)(x - lambda_-)) / (2 pi c x).

    This is the limiting eigenvalue density of S = X^T X / n for X in R^(n x N) with
    i.i.d. N(0, 1) entries and c = N / n <= 1. It has mean 1 and variance c. At c = 1 it
    diverges like 1 / (pi sqrt(x)) at x = 0, which is integrable.

    Parameters
    ----------
    x : array_like
        Points.
    c : float
        Aspect ratio N / n, in (0, 1].

    Returns
    -------
    ndarray
        Same shape as ``x``; zero outside [lambda_-, lambda_+] and at x = 0.
    """
    lower, upper = marchenko_pastur_edges(c)
    x = np.asarray(x, dtype=float)
    inside = np.clip((upper - x) * (x - lower), 0.0, None)
    positive = x > 0.0
    safe_x = np.where(positive, x, 1.0)
    return np.where(positive, np.sqrt(inside) / (2.0 * np.pi * c * safe_x), 0.0)


def marchenko_pastur_stieltjes(z, c: float) -> np.ndarray:
    """Evaluate G(z) = (z + c - 1 - sqrt((z - lambda_+)(z - lambda_-))) / (2 c z) for the MP law.

    The root is sqrt(z - lambda_+) * sqrt(z - lambda_-) with principal branches, so its
    cut is the support and G(z) ~ 1/z at infinity. The point z = 0 (outside the support
    when c < 1) is a removable singularity, where G(0) = -1 / (1 - c), the mean of -1/x.

    Parameters
    ----------
    z : complex or array_like
        Points off the support [lambda_-, lambda_+].
    c : float
        Aspect ratio N / n, in (0, 1].

    Returns
    -------
    ndarray of complex
        Same shape as ``z``.
    """
    lower, upper = marchenko_pastur_edges(c)
    z = _complex_points(z)
    at_zero = z == 0
    safe_z = np.where(at_zero, 1.0, z)
    root = np.sqrt(safe_z - upper) * np.sqrt(safe_z - lower)
    value = (safe_z + c - 1.0 - root) / (2.0 * c * safe_z)
    # At c = 1 the point 0 is the lower edge of the support, where G diverges.
    limit = -1.0 / (1.0 - c) if c < 1.0 else -np.inf
    return np.where(at_zero, limit, value)


# --------------------------------------------------------------------------- Stieltjes tools
def empirical_stieltjes(eigenvalues, z) -> np.ndarray:
    """Evaluate G_N(z) = (1/N) sum_i 1 / (z - lambda_i), the Stieltjes transform of a spectrum.

    Parameters
    ----------
    eigenvalues : array_like, shape (N,)
    z : complex or array_like
        Points; keep Im z well above the eigenvalue spacing (about 1/N times the support
        width) to see a smooth density rather than one spike per eigenvalue.

    Returns
    -------
    ndarray of complex
        Same shape as ``z``.
    """
    eigenvalues = check_matrix(eigenvalues, "eigenvalues", ndim=1)
    z = _complex_points(z)
    return np.mean(1.0 / (z[..., None] - eigenvalues), axis=-1)


def density_from_stieltjes(stieltjes, x, eta: float) -> np.ndarray:
    """Read a density off a Stieltjes transform: rho_eta(x) = -Im G(x + i eta) / pi.

    For eta > 0 this is the density convolved with a Cauchy kernel of width eta, so it
    converges to rho(x) as eta -> 0.

    Parameters
    ----------
    stieltjes : callable
        Maps an array of complex points to G at those points, for example
        ``lambda z: semicircle_stieltjes(z, sigma)``.
    x : array_like
        Real points.
    eta : float
        Distance above the real axis, positive.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    eta = check_real(eta, "eta", minimum=0.0, strict_minimum=True)
    x = np.asarray(x, dtype=float)
    return -np.imag(stieltjes(x + 1j * eta)) / np.pi


# --------------------------------------------------------------------------- samplers
def sample_goe(N: int, sigma: float = 1.0, seed=0) -> np.ndarray:
    """Draw a GOE matrix W = (sigma / sqrt(N)) (A + A^T) / sqrt(2), A with i.i.d. N(0, 1) entries.

    Off-diagonal entries have variance sigma^2 / N and diagonal ones 2 sigma^2 / N.

    Parameters
    ----------
    N : int
        Size, positive.
    sigma : float
        Noise level, positive; the semicircle has radius 2 sigma.
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (N, N)
        Symmetric.
    """
    N = check_positive_int(N, "N")
    sigma = _check_sigma(sigma)
    check_memory(16.0 * N * N, f"a GOE matrix with N={N}", "use a smaller N")
    rng = as_generator(seed)
    gaussian = rng.standard_normal((N, N))
    return (sigma / np.sqrt(2.0 * N)) * (gaussian + gaussian.T)


def wishart_sample_size(N: int, c: float) -> int:
    """Return n = round(N / c), the number of samples giving aspect ratio close to c = N / n."""
    N = check_positive_int(N, "N")
    c = _check_ratio(c)
    return max(N, int(round(N / c)))


def sample_white_data(N: int, c: float, seed=0) -> np.ndarray:
    """Draw X in R^(n x N) with i.i.d. N(0, 1) entries and n = :func:`wishart_sample_size` (N, c).

    Returns
    -------
    ndarray, shape (n, N)
    """
    n = wishart_sample_size(N, c)
    check_memory(8.0 * n * N, f"a Gaussian data matrix of shape ({n}, {N})", "use a smaller N or a larger c")
    return as_generator(seed).standard_normal((n, N))


def sample_wishart(N: int, c: float, seed=0) -> np.ndarray:
    """Draw the sample covariance S = X^T X / n of white Gaussian data, aspect ratio c = N / n.

    Parameters
    ----------
    N : int
        Dimension, positive.
    c : float
        Aspect ratio, in (0, 1]; n = round(N / c), so the realised ratio is N / n.
    seed : int or numpy.random.Generator

    Returns
    -------
    ndarray, shape (N, N)
        Symmetric positive semi-definite.
    """
    data = sample_white_data(N, c, seed)
    return (data.T @ data) / data.shape[0]


def sample_goe_top_eigenvalues(N: int, n_matrices: int, sigma: float = 1.0, seed=0) -> np.ndarray:
    """Draw ``n_matrices`` independent GOE matrices of size N and return their largest eigenvalues.

    Only the top eigenvalue is computed (``scipy.linalg.eigh`` with ``subset_by_index``).
    Its mean approaches 2 sigma and its standard deviation shrinks like sigma N^(-2/3).

    Returns
    -------
    ndarray, shape (n_matrices,)
    """
    N = check_positive_int(N, "N")
    n_matrices = check_positive_int(n_matrices, "n_matrices")
    rng = as_generator(seed)
    tops = np.empty(n_matrices)
    with serial_blas():
        for index in range(n_matrices):
            matrix = sample_goe(N, sigma, rng)
            tops[index] = scipy.linalg.eigh(matrix, eigvals_only=True, subset_by_index=[N - 1, N - 1])[0]
    return tops
