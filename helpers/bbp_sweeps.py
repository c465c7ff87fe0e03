"""Exact top eigenpairs of rank-one spiked matrices from one eigendecomposition of the noise.

For M = W + theta v v^T the eigenvalues of M outside the spectrum of W solve the secular
equation theta v^T (lambda - W)^(-1) v = 1, whose large-N form theta G(lambda) = 1 gives the
BBP outlier. Solving the finite-N equation in the eigenbasis of W is exact, and it costs
O(N) per strength once W is diagonalised, so sweeps over strengths and directions are cheap.
The spiked covariance model reduces to the same equation (see
:func:`covariance_top_eigenpair`).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq

from ._validation import InvalidParameterError, as_generator, check_matrix, check_positive_int
from .random_matrices import serial_blas
from .spiked import sample_spiked_covariance, sample_spiked_wigner

__all__ = ["wigner_top_eigenpair", "covariance_top_eigenpair", "wigner_overlap_sweep",
           "covariance_overlap_sweep"]


def _secular_top_root(eigenvalues: np.ndarray, weights: np.ndarray, strength: float) -> tuple[float, float]:
    """Solve strength * sum_i weights_i / (lam - e_i) = 1 for the root lam > max(e).

    The left side falls from +infinity to 0 on (max e, infinity), so the root is unique;
    Weyl's inequality puts it below max(e) + strength * sum(weights).
    Returns lam and sum_i weights_i / (lam - e_i)^2.
    """
    top = eigenvalues.max()
    gaps = lambda lam: lam - eigenvalues  # noqa: E731
    secular = lambda lam: strength * np.sum(weights / gaps(lam)) - 1.0  # noqa: E731
    scale = 1.0 + abs(top)
    lower = top + 1e-13 * scale
    upper = top + strength * weights.sum() + 1e-12 * scale
    if secular(lower) <= 0.0:
        root = lower  # the weight on the top noise eigenvector is numerically zero
    else:
        root = brentq(secular, lower, upper, xtol=1e-15 * scale, rtol=4 * np.finfo(float).eps)
    return root, float(np.sum(weights / gaps(root) ** 2))


def _check_eigendecomposition(eigenvalues, eigenvectors, directions):
    """Validate an eigendecomposition and one direction (N,) or several directions (N, m)."""
    eigenvalues = check_matrix(eigenvalues, "eigenvalues", ndim=1)
    eigenvectors = check_matrix(eigenvectors, "eigenvectors", ndim=2)
    directions = np.asarray(directions, dtype=float)
    N = eigenvalues.size
    if eigenvectors.shape != (N, N) or directions.ndim not in (1, 2) or directions.shape[0] != N:
        raise InvalidParameterError(
            f"expected eigenvectors of shape ({N}, {N}) and directions of shape ({N},) or ({N}, m); "
            f"got {eigenvectors.shape} and {directions.shape}. Pass the full output of numpy.linalg.eigh."
        )
    return eigenvalues, eigenvectors, check_matrix(directions, "direction", ndim=directions.ndim)


def _check_strengths(values, name: str) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        raise InvalidParameterError(f"{name}={values!r} is invalid: strengths must be positive and finite.")
    return values


def _solve_for_directions(eigenvalues, weights, strengths, overlap_from_root):
    """Run the secular solver for each row of ``weights`` (m, N) and each strength.

    Returns two arrays of shape (m,) + strengths.shape.
    """
    shape = (weights.shape[0],) + strengths.shape
    tops, overlaps = np.empty(shape), np.empty(shape)
    for row, row_weights in enumerate(weights):
        for index, strength in np.ndenumerate(strengths):
            root, curvature = _secular_top_root(eigenvalues, row_weights, strength)
            tops[(row,) + index] = root
            overlaps[(row,) + index] = overlap_from_root(strength, root, curvature)
    return tops, overlaps


def wigner_top_eigenpair(noise_eigenvalues, noise_eigenvectors, direction, theta):
    """Compute the exact top eigenvalue and squared overlap of W + theta v v^T from the eigenpairs of W.

    With W = U diag(w) U^T and z = U^T v, the top eigenvalue lam solves the secular
    equation theta * sum_i z_i^2 / (lam - w_i) = 1, the finite-N form of theta G(lam) = 1.
    Its eigenvector is proportional to (lam - W)^(-1) v, so the squared overlap is
    1 / (theta^2 sum_i z_i^2 / (lam - w_i)^2), the finite-N form of -1 / (theta^2 G'(lam)).
    One eigendecomposition of W thus gives exact results for any number of strengths and
    directions.

    Parameters
    ----------
    noise_eigenvalues : ndarray, shape (N,)
    noise_eigenvectors : ndarray, shape (N, N)
        Output of ``numpy.linalg.eigh(W)``.
    direction : ndarray, shape (N,) or (N, m)
        Unit spike direction v, or m of them as columns (one rank-one spike at a time).
    theta : float or array_like
        Positive spike strengths.

    Returns
    -------
    top_eigenvalues, squared_overlaps : ndarray
        Each with the shape of ``theta``, or (m,) + that shape for m directions.
    """
    eigenvalues, eigenvectors, direction = _check_eigendecomposition(
        noise_eigenvalues, noise_eigenvectors, direction)
    theta = _check_strengths(theta, "theta")
    weights = np.atleast_2d((eigenvectors.T @ direction).T ** 2)
    tops, overlaps = _solve_for_directions(
        eigenvalues, weights, theta,
        lambda strength, root, curvature: 1.0 / (strength**2 * curvature))
    if direction.ndim == 1:
        return tops[0], overlaps[0]
    return tops, overlaps


def covariance_top_eigenpair(white_eigenvalues, white_eigenvectors, direction, ell):
    """Compute the exact top eigenvalue and squared overlap of P S P from the eigenpairs of S = Z^T Z / n.

    The nonzero eigenvalues of P S P equal those of (1/n) Z Sigma Z^T = (1/n) Z Z^T +
    (ell / n) (Z v)(Z v)^T, a rank-one update. In the eigenbasis S = B diag(mu) B^T the
    secular equation reads ell * sum_i mu_i (B^T v)_i^2 / (lam - mu_i) = 1, and the
    eigenvector Sigma^(1/2) Z^T y of P S P has squared overlap
    (1 + ell) / (ell^2 lam sum_i mu_i (B^T v)_i^2 / (lam - mu_i)^2) with v.

    Parameters
    ----------
    white_eigenvalues : ndarray, shape (N,)
    white_eigenvectors : ndarray, shape (N, N)
        Output of ``numpy.linalg.eigh(Z^T Z / n)``.
    direction : ndarray, shape (N,) or (N, m)
        Unit spike direction v, or m of them as columns.
    ell : float or array_like
        Positive spike strengths.

    Returns
    -------
    top_eigenvalues, squared_overlaps : ndarray
        Each with the shape of ``ell``, or (m,) + that shape for m directions.
    """
    eigenvalues, eigenvectors, direction = _check_eigendecomposition(
        white_eigenvalues, white_eigenvectors, direction)
    ell = _check_strengths(ell, "ell")
    weights = np.clip(eigenvalues, 0.0, None) * np.atleast_2d((eigenvectors.T @ direction).T ** 2)
    tops, overlaps = _solve_for_directions(
        eigenvalues, weights, ell,
        lambda strength, root, curvature: (1.0 + strength) / (strength**2 * root * curvature))
    if direction.ndim == 1:
        return tops[0], overlaps[0]
    return tops, overlaps



def wigner_overlap_sweep(N: int, theta, n_draws: int = 1, sigma: float = 1.0, seed=0):
    """Simulate the top eigenvalue and squared overlap of theta v v^T + W over strengths and draws.

    Each draw has its own GOE matrix W (noise level sigma) and direction v; all strengths
    of one draw share them and are solved exactly by :func:`wigner_top_eigenpair`.

    Parameters
    ----------
    N : int
        Matrix size.
    theta : array_like, shape (m,)
        Positive spike strengths.
    n_draws : int
        Independent draws.
    sigma : float
        Noise level.
    seed : int or numpy.random.Generator

    Returns
    -------
    top_eigenvalues, squared_overlaps : ndarray, shape (n_draws, m)
    """
    n_draws = check_positive_int(n_draws, "n_draws")
    theta = np.atleast_1d(_check_strengths(theta, "theta"))
    rng = as_generator(seed)
    tops, overlaps = [], []
    with serial_blas():
        for _ in range(n_draws):
            draw = sample_spiked_wigner(N, 1.0, sigma, rng)
            values, vectors = np.linalg.eigh(draw.noise)
            top, overlap = wigner_top_eigenpair(values, vectors, draw.directions[:, 0], theta)
            tops.append(top)
            overlaps.append(overlap)
    return np.array(tops), np.array(overlaps)


def covariance_overlap_sweep(N: int, c: float, ell, n_draws: int = 1, seed=0):
    """Simulate the top eigenvalue and squared overlap of the spiked covariance over strengths and draws.

    Each draw has its own white data (n = round(N / c) samples) and direction v; all
    strengths of one draw share them and are solved exactly by
    :func:`covariance_top_eigenpair`.

    Returns
    -------
    top_eigenvalues, squared_overlaps : ndarray, shape (n_draws, m)
    """
    n_draws = check_positive_int(n_draws, "n_draws")
    ell = np.atleast_1d(_check_strengths(ell, "ell"))
    rng = as_generator(seed)
    tops, overlaps = [], []
    with serial_blas():
        for _ in range(n_draws):
            draw = sample_spiked_covariance(N, c, 1.0, rng)
            values, vectors = np.linalg.eigh(draw.white)
            top, overlap = covariance_top_eigenpair(values, vectors, draw.direction, ell)
            tops.append(top)
            overlaps.append(overlap)
    return np.array(tops), np.array(overlaps)
