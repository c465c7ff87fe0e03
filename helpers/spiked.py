"""Spiked random matrices: samplers, BBP formulas of both models, top eigenpairs.

Two models, both with a unit-norm spike direction v:

* spiked Wigner M = theta v v^T + W, W a GOE matrix of noise level sigma (semicircle on
  [-2 sigma, 2 sigma]). Above the threshold theta > sigma the top eigenvalue leaves the
  bulk at theta + sigma^2 / theta and its eigenvector u has squared overlap
  (u^T v)^2 -> 1 - sigma^2 / theta^2; below, the top eigenvalue sticks to 2 sigma and the
  overlap vanishes. These two formulas are :func:`helpers.theory.outlier_positions` and
  :func:`helpers.theory.predicted_overlaps`; this module does not repeat them.
* spiked covariance: rows of X in R^(n x N) drawn from N(0, Sigma), Sigma = I + ell v v^T,
  and S = X^T X / n with c = N / n <= 1. Above ell > sqrt(c) the top eigenvalue sits at
  (1 + ell)(1 + c / ell) and its squared overlap is (1 - c / ell^2) / (1 + c / ell); below,
  it sticks to the Marchenko-Pastur edge (1 + sqrt c)^2.

References: J. Baik, G. Ben Arous, S. Peche, Ann. Probab. 33 (2005) for the transition of
the top eigenvalue of spiked covariance matrices; F. Benaych-Georges, R. R. Nadakuditi,
Adv. Math. 227 (2011) for outliers and eigenvector overlaps of finite-rank perturbations
(outlier at G^(-1)(1/theta), squared overlap -1 / (theta^2 G'(outlier))).

Exact finite-N top eigenpairs for many strengths at once live in :mod:`helpers.bbp_sweeps`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._validation import InvalidParameterError, as_generator, check_matrix, check_positive_int, check_real
from .random_matrices import (
    _check_ratio,
    _check_sigma,
    marchenko_pastur_edges,
    sample_goe,
    sample_white_data,
    serial_blas,
)
from .spectral import canonicalize_signs

__all__ = [
    "SpikedWigner", "SpikedCovariance", "random_orthonormal_frame", "add_spikes",
    "sample_spiked_wigner", "spike_covariance", "sample_spiked_covariance",
    "covariance_threshold", "covariance_outlier", "covariance_overlap", "critical_window",
    "top_eigenpairs",
]


@dataclass(frozen=True)
class SpikedWigner:
    """A draw of M = V diag(theta) V^T + W.

    Attributes
    ----------
    matrix : ndarray, shape (N, N)
        The spiked matrix M.
    noise : ndarray, shape (N, N)
        The GOE part W.
    directions : ndarray, shape (N, p)
        Orthonormal spike directions V.
    theta : ndarray, shape (p,)
        Spike strengths.
    sigma : float
        Noise level of W.
    """

    matrix: np.ndarray
    noise: np.ndarray
    directions: np.ndarray
    theta: np.ndarray
    sigma: float


@dataclass(frozen=True)
class SpikedCovariance:
    """A draw of the sample covariance S of n Gaussian rows with covariance I + ell v v^T.

    Attributes
    ----------
    matrix : ndarray, shape (N, N)
        The spiked sample covariance S.
    white : ndarray, shape (N, N)
        The white sample covariance Z^T Z / n of the same draw, with S = P (Z^T Z / n) P.
    direction : ndarray, shape (N,)
        Unit spike direction v.
    ell : float
        Spike strength.
    n : int
        Number of samples; the aspect ratio is c = N / n.
    """

    matrix: np.ndarray
    white: np.ndarray
    direction: np.ndarray
    ell: float
    n: int


def _check_strength(value, name: str) -> float:
    return check_real(value, name, minimum=0.0, strict_minimum=True)


def _independent_generators(seed) -> tuple[np.random.Generator, np.random.Generator]:
    """Return two independent generators derived from ``seed`` (one for directions, one for noise)."""
    first, second = as_generator(seed).integers(0, 2**63, size=2)
    return np.random.default_rng(int(first)), np.random.default_rng(int(second))


def random_orthonormal_frame(N: int, p: int, seed=0) -> np.ndarray:
    """Draw a uniformly random orthonormal p-frame in R^N (QR of a Gaussian matrix).

    Returns
    -------
    ndarray, shape (N, p)
        Orthonormal columns.
    """
    N = check_positive_int(N, "N")
    p = check_positive_int(p, "p")
    if p > N:
        raise InvalidParameterError(f"p={p} is invalid: at most N={N} orthonormal directions exist.")
    gaussian = as_generator(seed).standard_normal((N, p))
    frame, upper = np.linalg.qr(gaussian)
    # Multiplying by the signs of diag(R) makes the QR frame exactly Haar-distributed.
    return frame * np.where(np.diag(upper) < 0, -1.0, 1.0)


# --------------------------------------------------------------------------- spiked Wigner
def add_spikes(noise, directions, theta) -> np.ndarray:
    """Return V diag(theta) V^T + W for a noise matrix W, directions V (N, p) and strengths (p,)."""
    noise = check_matrix(noise, "noise", ndim=2)
    directions = check_matrix(directions, "directions", ndim=2)
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if directions.shape != (noise.shape[0], theta.size):
        raise InvalidParameterError(
            f"directions has shape {directions.shape}: expected ({noise.shape[0]}, {theta.size}) "
            f"for a {noise.shape[0]} x {noise.shape[0]} noise matrix and {theta.size} strengths."
        )
    return noise + (directions * theta) @ directions.T


def sample_spiked_wigner(N: int, theta, sigma: float = 1.0, seed=0) -> SpikedWigner:
    """Draw M = V diag(theta) V^T + W with W GOE of level sigma and V a random orthonormal frame.

    Parameters
    ----------
    N : int
        Size, positive.
    theta : float or array_like, shape (p,)
        Spike strengths (non-zero; the BBP formulas of this module assume them positive).
    sigma : float
        Noise level, positive.
    seed : int or numpy.random.Generator
        The frame and the noise come from independent streams of this seed, so two calls
        with the same seed and different ``theta`` share W and V.

    Returns
    -------
    SpikedWigner
    """
    N = check_positive_int(N, "N")
    sigma = _check_sigma(sigma)
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    if theta.ndim != 1 or theta.size == 0 or not np.all(np.isfinite(theta)) or np.any(theta == 0):
        raise InvalidParameterError(f"theta={theta!r} is invalid: give finite, non-zero spike strengths.")
    frame_rng, noise_rng = _independent_generators(seed)
    directions = random_orthonormal_frame(N, theta.size, frame_rng)
    noise = sample_goe(N, sigma, noise_rng)
    return SpikedWigner(add_spikes(noise, directions, theta), noise, directions, theta, sigma)


# --------------------------------------------------------------------------- spiked covariance
def spike_covariance(white_covariance, direction, ell: float) -> np.ndarray:
    """Turn a white sample covariance Z^T Z / n into the spiked one P (Z^T Z / n) P.

    With P = I + (sqrt(1 + ell) - 1) v v^T the rows P z_mu have covariance
    P^2 = I + ell v v^T, so the result is distributed as the sample covariance of data
    with a spike of strength ell along v. The update costs O(N^2).

    Parameters
    ----------
    white_covariance : ndarray, shape (N, N)
    direction : ndarray, shape (N,)
        Unit vector v.
    ell : float
        Spike strength, positive.

    Returns
    -------
    ndarray, shape (N, N)
    """
    white = check_matrix(white_covariance, "white_covariance", ndim=2)
    direction = check_matrix(direction, "direction", ndim=1)
    ell = _check_strength(ell, "ell")
    if direction.size != white.shape[0] or not np.isclose(np.linalg.norm(direction), 1.0):
        raise InvalidParameterError(
            f"direction must be a unit vector of length {white.shape[0]}; got length "
            f"{direction.size} and norm {np.linalg.norm(direction):.4g}."
        )
    scale = np.sqrt(1.0 + ell) - 1.0
    white_v = white @ direction
    quadratic = direction @ white_v
    # P S P = S + a (S v v^T + v v^T S) + a^2 (v^T S v) v v^T with a = sqrt(1 + ell) - 1.
    return (white + scale * (np.outer(white_v, direction) + np.outer(direction, white_v))
            + scale**2 * quadratic * np.outer(direction, direction))


def sample_spiked_covariance(N: int, c: float, ell: float, seed=0) -> SpikedCovariance:
    """Draw the sample covariance of n = round(N / c) Gaussian rows with covariance I + ell v v^T.

    The direction and the data come from independent streams of ``seed``, so calls with
    the same seed and different ``ell`` share v and the white data Z.

    Returns
    -------
    SpikedCovariance
    """
    N = check_positive_int(N, "N")
    c = _check_ratio(c)
    ell = _check_strength(ell, "ell")
    frame_rng, data_rng = _independent_generators(seed)
    direction = random_orthonormal_frame(N, 1, frame_rng)[:, 0]
    data = sample_white_data(N, c, data_rng)
    white = (data.T @ data) / data.shape[0]
    return SpikedCovariance(spike_covariance(white, direction, ell), white, direction, ell, data.shape[0])


def covariance_threshold(c: float) -> float:
    """Return sqrt(c), the spike strength above which the spiked covariance has an outlier."""
    return float(np.sqrt(_check_ratio(c)))


def covariance_outlier(ell, c: float) -> np.ndarray:
    """Return the top eigenvalue limit: (1 + ell)(1 + c / ell) for ell > sqrt c, else (1 + sqrt c)^2.

    Broadcasts over ``ell`` (positive).
    """
    c = _check_ratio(c)
    ell = np.asarray(ell, dtype=float)
    if not np.all(np.isfinite(ell)) or np.any(ell <= 0):
        raise InvalidParameterError(f"ell={ell!r} is invalid: spike strengths must be positive and finite.")
    upper_edge = marchenko_pastur_edges(c)[1]
    return np.where(ell > np.sqrt(c), (1.0 + ell) * (1.0 + c / ell), upper_edge)


def covariance_overlap(ell, c: float) -> np.ndarray:
    """Return the squared overlap limit (1 - c / ell^2) / (1 + c / ell) for ell > sqrt c, else 0."""
    c = _check_ratio(c)
    ell = np.asarray(ell, dtype=float)
    if not np.all(np.isfinite(ell)) or np.any(ell <= 0):
        raise InvalidParameterError(f"ell={ell!r} is invalid: spike strengths must be positive and finite.")
    return np.clip((1.0 - c / ell**2) / (1.0 + c / ell), 0.0, 1.0)


def critical_window(sigma: float, N: int) -> float:
    """Return sigma N^(-1/3), the width in theta over which finite size smooths the BBP transition."""
    return _check_sigma(sigma) * check_positive_int(N, "N") ** (-1.0 / 3.0)


# --------------------------------------------------------------------------- top eigenpairs
def top_eigenpairs(matrix, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Return the k largest eigenvalues (descending) and their eigenvectors of a symmetric matrix.

    Uses ``scipy.linalg.eigh`` with ``subset_by_index`` on one BLAS thread (see
    :func:`helpers.random_matrices.serial_blas`); eigenvector signs are made canonical
    (largest-magnitude entry positive).

    Returns
    -------
    eigenvalues : ndarray, shape (k,)
    eigenvectors : ndarray, shape (N, k)
    """
    matrix = check_matrix(matrix, "matrix", ndim=2)
    N = matrix.shape[0]
    k = check_positive_int(k, "k")
    if k > N:
        raise InvalidParameterError(f"k={k} is invalid: the matrix has only {N} eigenvalues.")
    with serial_blas():
        values, vectors = scipy.linalg.eigh(matrix, subset_by_index=[N - k, N - 1])
    return values[::-1], canonicalize_signs(vectors[:, ::-1])
