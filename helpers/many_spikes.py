"""Many spikes with power-law strengths in GOE noise: the bridge from BBP to the scaling law.

Model: M = V diag(theta) V^T + W in dimension D, with p orthonormal directions V,
strengths theta_k = :func:`helpers.theory.spike_strengths` (p, gamma), proportional to
k^(-gamma) with sum_k theta_k^2 = 2, and W a GOE matrix of noise level
sigma = sqrt(D / n) (:func:`helpers.theory.noise_level`). This is the spectral matrix of the
layer-wise algorithm in its Gaussian-equivalent idealisation.

Two ways to decide which directions an eigenvector estimate recovers:

* BBP per direction: the outlier equation det(I - Theta V^T (lambda - W)^(-1) V) = 0 nearly
  decouples because V^T (lambda - W)^(-1) V is close to G(lambda) I, so direction k
  needs only theta_k > sigma, and its squared overlap is 1 - sigma^2 / theta_k^2.
* Davis-Kahan (gap-based): sin angle(v_k, u_k) <= 2 |W|_op / delta_k with delta_k the
  distance from theta_k to the other population eigenvalues. Neighbouring strengths are
  only about gamma theta_k / k apart, so this bound demands n >~ D k^(2 + 2 gamma), far more
  than BBP's n > D / theta_k^2 ~ D k^(2 gamma).
"""

from __future__ import annotations

import numpy as np

from . import theory
from ._validation import InvalidParameterError, check_matrix, check_positive_int, check_real
from .metrics import RECOVERY_THRESHOLD, matched_overlaps
from .random_matrices import serial_blas, symmetric_eigenvalues
from .spiked import SpikedWigner, add_spikes, sample_spiked_wigner

__all__ = [
    "sample_power_law_spikes", "population_gaps", "davis_kahan_bound", "davis_kahan_sample_sizes",
    "index_matched_sin_angles",
    "resolvent_projection", "outlier_equation_eigenvalues", "recovery_by_criterion",
    "unrecovered_share", "simulate_power_law_spikes",
]


def sample_power_law_spikes(D: int, n, p: int, gamma: float, seed=0) -> SpikedWigner:
    """Draw M = V diag(theta) V^T + W with theta = spike_strengths(p, gamma) and sigma = sqrt(D / n).

    Calls with the same seed share the directions V and the unit-level noise, so changing
    ``n`` only rescales W and changing ``gamma`` only changes theta: curves against n and
    gamma come from one draw.

    Parameters
    ----------
    D : int
        Dimension of the matrix.
    n : float
        Sample size that sets the noise level sigma = sqrt(D / n).
    p : int
        Number of spikes, at most D.
    gamma : float
        Power-law exponent, >= 0.
    seed : int

    Returns
    -------
    SpikedWigner
        Spikes sorted from strongest (k = 1) to weakest.
    """
    sigma = theory.noise_level(D, n)
    theta = theory.spike_strengths(p, gamma)
    return sample_spiked_wigner(D, theta, sigma, seed)


def population_gaps(theta, include_zero: bool = True) -> np.ndarray:
    """Return delta_k, the distance from theta_k to the nearest other eigenvalue of V diag(theta) V^T.

    Parameters
    ----------
    theta : array_like, shape (p,)
        Spike strengths.
    include_zero : bool
        Count the eigenvalue 0, present when the dimension exceeds p.

    Returns
    -------
    ndarray, shape (p,)
        Zero where two strengths coincide.
    """
    theta = check_matrix(np.atleast_1d(theta), "theta", ndim=1)
    spectrum = np.append(theta, 0.0) if include_zero else theta
    order = np.argsort(spectrum, kind="stable")
    sorted_values = spectrum[order]

    # In sorted order the nearest other eigenvalue is a neighbour: O(p log p), no p x p matrix.
    steps = np.diff(sorted_values)
    nearest = np.full(sorted_values.size, np.inf)
    nearest[:-1] = np.minimum(nearest[:-1], steps)
    nearest[1:] = np.minimum(nearest[1:], steps)
    gaps = np.empty_like(nearest)
    gaps[order] = nearest
    return gaps[:theta.size]


def davis_kahan_bound(theta, noise_norm, include_zero: bool = True) -> np.ndarray:
    """Return the Davis-Kahan bound 2 |E|_op / delta_k on sin angle(v_k, u_k) for each spike.

    This is the variant of Yu, Wang and Samworth (Biometrika 102, 2015, Theorem 1 with
    d = 1): for symmetric A and A + E, v_k the eigenvector of A for its eigenvalue of rank r
    and u_k the eigenvector of A + E of the same rank r, sin angle(v_k, u_k) <= 2 |E|_op /
    delta_k, with delta_k the distance from that eigenvalue to the rest of the spectrum of
    A. It needs no condition on |E|_op; values >= 1 carry no information.

    Parameters
    ----------
    theta : array_like, shape (p,)
        Spike strengths (the nonzero eigenvalues of A).
    noise_norm : float
        |E|_op, for a GOE perturbation about 2 sigma.
    include_zero : bool
        Whether A has the eigenvalue 0 (dimension larger than p).

    Returns
    -------
    ndarray, shape (p,)
        Infinite where two strengths coincide.
    """
    noise_norm = check_real(noise_norm, "noise_norm", minimum=0.0)
    gaps = population_gaps(theta, include_zero)
    with np.errstate(divide="ignore"):
        return 2.0 * noise_norm / gaps


def davis_kahan_sample_sizes(D: int, p: int, gamma: float,
                             threshold: float = RECOVERY_THRESHOLD) -> np.ndarray:
    """Return, per spike, the sample size above which Davis-Kahan guarantees recovery.

    With |W|_op = 2 sigma and sigma^2 = D / n, the bound (2 |W|_op / delta_k)^2 < 1 - threshold
    holds for n > 16 D / ((1 - threshold) delta_k^2), which is 32 D / delta_k^2 at the default
    threshold 1/2. The gap delta_k counts the eigenvalue 0, so for the weakest spike it is
    min(theta_{p-1} - theta_p, theta_p).

    Parameters
    ----------
    D, p : int
        Dimension and number of spikes (theta = ``theory.spike_strengths(p, gamma)``).
    gamma : float
        Power-law exponent, >= 0.
    threshold : float
        Squared-overlap level to guarantee, in (0, 1).

    Returns
    -------
    ndarray, shape (p,)
        Infinite for spikes of equal strength (zero gap).
    """
    D = check_positive_int(D, "D")
    threshold = check_real(threshold, "threshold", minimum=0.0, strict_minimum=True, maximum=1.0)
    if threshold == 1.0:
        raise InvalidParameterError("threshold=1.0 is invalid: no finite sample size guarantees "
                                    "a squared overlap of 1; pass a value below 1.")
    gaps = population_gaps(theory.spike_strengths(p, gamma))
    with np.errstate(divide="ignore"):
        return 16.0 * D / ((1.0 - threshold) * gaps**2)


def index_matched_sin_angles(directions, estimates) -> np.ndarray:
    """Return sin angle(v_k, u_k) = sqrt(1 - (v_k^T u_k)^2) for matching columns, shape (p,).

    Parameters
    ----------
    directions : ndarray, shape (N, p)
        True directions, ordered by decreasing strength.
    estimates : ndarray, shape (N, p)
        Unit eigenvectors of the p largest eigenvalues, in decreasing order, which is the
        pairing the Davis-Kahan theorem speaks about.
    """
    directions = check_matrix(directions, "directions", ndim=2)
    estimates = check_matrix(estimates, "estimates", ndim=2)
    if directions.shape != estimates.shape:
        raise InvalidParameterError(
            f"directions {directions.shape} and estimates {estimates.shape} must have the same shape."
        )
    cosines = np.sum(directions * estimates, axis=0)
    return np.sqrt(np.clip(1.0 - cosines**2, 0.0, 1.0))


def resolvent_projection(noise_eigenvalues, noise_eigenvectors, directions, lambdas) -> np.ndarray:
    """Return R(lambda) = V^T (lambda - W)^(-1) V for each lambda, from the eigenpairs of W.

    Parameters
    ----------
    noise_eigenvalues : ndarray, shape (N,)
    noise_eigenvectors : ndarray, shape (N, N)
        Output of ``numpy.linalg.eigh(W)``.
    directions : ndarray, shape (N, p)
    lambdas : array_like, shape (m,)
        Real points outside the spectrum of W.

    Returns
    -------
    ndarray, shape (m, p, p)
        Symmetric p x p matrices; each is close to G(lambda) I for a GOE W.
    """
    eigenvalues = check_matrix(noise_eigenvalues, "noise_eigenvalues", ndim=1)
    eigenvectors = check_matrix(noise_eigenvectors, "noise_eigenvectors", ndim=2)
    directions = check_matrix(directions, "directions", ndim=2)
    lambdas = check_matrix(np.atleast_1d(lambdas), "lambdas", ndim=1)
    if np.any(np.min(np.abs(lambdas[:, None] - eigenvalues[None, :]), axis=1) == 0):
        raise InvalidParameterError("lambdas contains an eigenvalue of W, where the resolvent is undefined.")
    coordinates = eigenvectors.T @ directions
    inverse_gaps = 1.0 / (lambdas[:, None] - eigenvalues[None, :])
    return np.einsum("ip,mi,iq->mpq", coordinates, inverse_gaps, coordinates)


def outlier_equation_eigenvalues(noise_eigenvalues, noise_eigenvectors, directions, theta,
                                 lambdas) -> np.ndarray:
    """Return the eigenvalues of K(lambda) = I - Theta^(1/2) R(lambda) Theta^(1/2), ascending.

    det K(lambda) = det(I - Theta R(lambda)), so lambda is an eigenvalue of
    V Theta V^T + W outside the spectrum of W exactly when one eigenvalue of K(lambda) is
    zero. When R(lambda) = G(lambda) I these eigenvalues are 1 - theta_k G(lambda).

    Parameters
    ----------
    theta : array_like, shape (p,)
        Positive spike strengths.
    lambdas : array_like, shape (m,)
        Points above the spectrum of W.
    (others as in :func:`resolvent_projection`)

    Returns
    -------
    ndarray, shape (m, p)
    """
    theta = check_matrix(np.atleast_1d(theta), "theta", ndim=1)
    if np.any(theta <= 0):
        raise InvalidParameterError("theta must be positive for the symmetric form of the outlier equation.")
    projection = resolvent_projection(noise_eigenvalues, noise_eigenvectors, directions, lambdas)
    root = np.sqrt(theta)
    kernel = np.eye(theta.size) - root[:, None] * projection * root[None, :]
    return np.linalg.eigvalsh(kernel)


def recovery_by_criterion(theta, sigma, noise_norm=None,
                          threshold: float = RECOVERY_THRESHOLD) -> dict[str, np.ndarray]:
    """Decide which spikes count as recovered (squared overlap > ``threshold``) by two criteria.

    * ``"bbp"``: the BBP squared overlap 1 - sigma^2 / theta_k^2 exceeds ``threshold``;
    * ``"davis_kahan"``: the Davis-Kahan bound guarantees it, that is
      (2 |W|_op / delta_k)^2 < 1 - threshold.

    Parameters
    ----------
    theta : array_like, shape (p,)
    sigma : float
    noise_norm : float, optional
        |W|_op; defaults to its large-D value 2 sigma.
    threshold : float
        Squared-overlap level, in (0, 1).

    Returns
    -------
    dict of str to ndarray of bool, shape (p,)
    """
    sigma = check_real(sigma, "sigma", minimum=0.0, strict_minimum=True)
    threshold = check_real(threshold, "threshold", minimum=0.0, strict_minimum=True, maximum=1.0)
    noise_norm = 2.0 * sigma if noise_norm is None else noise_norm
    theta = np.asarray(theta, dtype=float)
    bound = davis_kahan_bound(theta, noise_norm)
    return {
        "bbp": theory.predicted_overlaps(theta, sigma) > threshold,
        "davis_kahan": bound**2 < 1.0 - threshold,
    }


def unrecovered_share(theta, recovered) -> float:
    """Return sum_{k not recovered} theta_k^2 / sum_k theta_k^2, the tail error a recovery set implies.

    With theta_k = sqrt(2) btilde_k this is the tail term sum_{k unlearned} btilde_k^2 of
    the test error.
    """
    theta = np.asarray(theta, dtype=float)
    recovered = np.asarray(recovered, dtype=bool)
    if recovered.shape != theta.shape:
        raise InvalidParameterError(f"recovered has shape {recovered.shape}: expected {theta.shape}.")
    energy = theta**2
    return float(energy[~recovered].sum() / energy.sum())


def simulate_power_law_spikes(D: int, p: int, gamma: float, sizes, seed=0) -> dict[str, np.ndarray]:
    """Simulate the many-spike model at several sample sizes from one draw of directions and noise.

    Parameters
    ----------
    D, p : int
        Dimension and number of spikes.
    gamma : float
        Power-law exponent.
    sizes : array_like, shape (m,)
        Sample sizes n (noise level sqrt(D / n)).
    seed : int

    Returns
    -------
    dict
        ``"n"`` (m,), ``"sigma"`` (m,), ``"theta"`` (p,), ``"spectra"`` (m, D) ascending,
        ``"overlaps"`` (m, p) squared overlaps of each true direction with its matched
        top-p eigenvector (:func:`helpers.metrics.matched_overlaps`), ``"sin_angles"``
        (m, p) index-matched sines, ``"noise_norm"`` (m,) = |W|_op.
    """
    D = check_positive_int(D, "D")
    sizes = np.atleast_1d(np.asarray(sizes, dtype=float))
    sigmas = theory.noise_level(D, sizes) * np.ones_like(sizes)

    # One draw at sigma = 1; every sample size rescales the same unit noise.
    unit = sample_power_law_spikes(D, D, p, gamma, seed)
    unit_norm = float(np.max(np.abs(symmetric_eigenvalues(unit.noise))))

    spectra, overlaps, sin_angles = [], [], []
    with serial_blas():
        for sigma in sigmas:
            matrix = add_spikes(sigma * unit.noise, unit.directions, unit.theta)
            spectrum, vectors = np.linalg.eigh(matrix)
            top = vectors[:, ::-1][:, :unit.theta.size]
            spectra.append(spectrum)
            overlaps.append(matched_overlaps(unit.directions, top))
            sin_angles.append(index_matched_sin_angles(unit.directions, top))
    return {"n": sizes, "sigma": sigmas, "theta": unit.theta, "spectra": np.array(spectra),
            "overlaps": np.array(overlaps), "sin_angles": np.array(sin_angles),
            "noise_norm": sigmas * unit_norm}
