"""Asymptotic theory of the layer-wise algorithm, derived for the Gaussian-equivalent mode.

Assumptions: identity link g*, identity label transform, standardised labels, and a
first-layer sample of n points (the readout sample is independent, of size ``n_readout``,
equal to n unless given). With these:

* population spectral matrix E[C] = sum_k theta_k a_k a_k^T with theta_k = sqrt(2) btilde_k
  (Stein's lemma), divided by sqrt(1 + noise_std^2) when labels are noisy;
* noise C - E[C] close to a GOE matrix of semicircle radius 2 sigma, sigma^2 = D / n
  (accurate once n / D >= 4);
* BBP: direction k is recovered when |theta_k| > sigma, that is n > n_k = D / theta_k^2,
  with outlier theta_k + sigma^2 / theta_k and squared overlap 1 - n_k / n.

NOTE: the noise is in fact stronger along a strong direction, by kappa_k = 1 + 4 btilde_k^2,
so simulations reach squared overlaps near 1 - kappa_k n_k / n; :mod:`helpers.theory_corrections`
implements that first-order correction. Finite D also smooths each transition.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import InvalidParameterError, check_choice, check_positive_int, check_real

__all__ = [
    "power_law_weights", "spike_strengths", "noise_level", "bulk_edge", "threshold_sample_sizes",
    "threshold_alphas", "outlier_positions", "predicted_overlaps", "learned_count",
    "mse_prediction", "scaling_exponent", "davis_kahan_exponent",
]


def power_law_weights(p: int, gamma: float) -> np.ndarray:
    """Return |btilde_k| = k^(-gamma) / sqrt(Z_p(gamma)), shape (p,), with Z_p = sum_j j^(-2 gamma)."""
    p = check_positive_int(p, "p")
    gamma = check_real(gamma, "gamma", minimum=0.0)
    raw = np.arange(1, p + 1, dtype=float) ** (-gamma)
    return raw / np.linalg.norm(raw)


def spike_strengths(p: int, gamma: float, noise_std: float = 0.0) -> np.ndarray:
    """Return |theta_k| = sqrt(2) |btilde_k| / sqrt(1 + noise_std^2), shape (p,)."""
    noise_std = check_real(noise_std, "noise_std", minimum=0.0)
    return math.sqrt(2.0) * power_law_weights(p, gamma) / math.sqrt(1.0 + noise_std**2)


def _check_sizes(values, name: str) -> np.ndarray:
    """Return sample sizes as a float array, or raise unless all are positive and finite."""
    try:
        sizes = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InvalidParameterError(f"{name}={values!r} is invalid: give positive numbers.") from None
    if isinstance(values, str) or not np.all(np.isfinite(sizes)) or np.any(sizes <= 0):
        raise InvalidParameterError(
            f"{name}={values!r} is invalid: sample sizes must be positive and finite."
        )
    return sizes


def _check_noise_levels(sigma) -> np.ndarray:
    sigma = np.asarray(sigma, dtype=float)
    if not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
        raise InvalidParameterError(f"sigma={sigma!r} is invalid: noise levels must be positive and finite.")
    return sigma


def noise_level(D: int, n) -> np.ndarray | float:
    """Return sigma = sqrt(D / n), the noise level of the spectral matrix."""
    D = check_positive_int(D, "D")
    n = _check_sizes(n, "n")
    sigma = np.sqrt(D / n)
    return float(sigma) if sigma.ndim == 0 else sigma


def bulk_edge(D: int, n) -> np.ndarray | float:
    """Return the bulk edge 2 sigma of the semicircle of the centred spectral matrix."""
    return 2.0 * noise_level(D, n)


def threshold_sample_sizes(D: int, p: int, gamma: float, noise_std: float = 0.0) -> np.ndarray:
    """Return n_k = D / theta_k^2 = (D / 2) Z_p(gamma) k^(2 gamma) (times 1 + noise_std^2), shape (p,)."""
    D = check_positive_int(D, "D")
    return D / spike_strengths(p, gamma, noise_std) ** 2


def threshold_alphas(d: int, D: int, p: int, gamma: float, noise_std: float = 0.0) -> np.ndarray:
    """Return alpha_k = log n_k / log d, shape (p,), the thresholds on the alpha = log n / log d axis."""
    d = check_positive_int(d, "d")
    if d < 2:
        raise InvalidParameterError(f"d={d} is invalid: alpha = log n / log d needs d >= 2.")
    return np.log(threshold_sample_sizes(D, p, gamma, noise_std)) / math.log(d)


def outlier_positions(theta, sigma) -> np.ndarray:
    """Return where spikes of signed strength ``theta`` appear in the spectrum.

    theta + sigma^2 / theta for |theta| > sigma, otherwise the bulk edge 2 sigma on the
    side of theta's sign. Broadcasts over ``theta`` and ``sigma``.
    """
    theta, sigma = np.broadcast_arrays(np.asarray(theta, dtype=float), _check_noise_levels(sigma))
    if np.any(theta == 0) or not np.all(np.isfinite(theta)):
        raise InvalidParameterError("theta contains 0, NaN or inf: spike strengths must be finite and non-zero.")
    outside = np.abs(theta) > sigma
    return np.where(outside, theta + sigma**2 / theta, 2.0 * sigma * np.sign(theta))


def predicted_overlaps(theta, sigma) -> np.ndarray:
    """Return the BBP squared overlap max(0, 1 - sigma^2 / theta^2), broadcasting."""
    theta, sigma = np.broadcast_arrays(np.asarray(theta, dtype=float), _check_noise_levels(sigma))
    if not np.all(np.isfinite(theta)):
        raise InvalidParameterError("theta contains NaN or inf: spike strengths must be finite.")
    with np.errstate(divide="ignore"):
        return np.clip(1.0 - sigma**2 / theta**2, 0.0, 1.0)


def learned_count(n, D: int, p: int, gamma: float, noise_std: float = 0.0) -> np.ndarray | int:
    """Return m(n), the number of directions above threshold (n > n_k).

    For gamma > 0 this equals min(p, floor((2 n / (D Z_p))^(1 / (2 gamma)))) up to ties.
    """
    thresholds = threshold_sample_sizes(D, p, gamma, noise_std)
    n = _check_sizes(n, "n")
    counts = np.sum(n[..., None] > thresholds, axis=-1)
    return int(counts) if counts.ndim == 0 else counts


def mse_prediction(n, D: int, p: int, gamma: float, *, readout: str = "full",
                   n_readout=None, noise_std: float = 0.0) -> dict[str, np.ndarray]:
    """Predict the test MSE on standardised labels as the sum of three terms.

    * tail: sum over unlearned k of btilde_k^2;
    * alignment: sum over learned k of btilde_k^2 (1 - c_k^4), c_k^2 = 1 - n_k / n;
    * readout noise: p^2 / (2 n_readout) for the full moment readout, p / n_readout for the
      diagonal one.

    With label noise the first two are divided by 1 + noise_std^2 and the noise share
    noise_std^2 / (1 + noise_std^2) is added.

    Parameters
    ----------
    n : float or array_like
        First-layer sample size(s).
    D, p : int
    gamma : float
    readout : {"full", "diagonal"}
    n_readout : float or array_like, optional
        Readout sample size(s); defaults to ``n``.
    noise_std : float

    Returns
    -------
    dict
        ``"tail"``, ``"alignment"``, ``"readout"``, ``"noise"`` and ``"total"``, each with
        the shape of ``n``.
    """
    check_choice(readout, "readout", ("full", "diagonal"))
    n = _check_sizes(n, "n")
    n_readout = n if n_readout is None else _check_sizes(n_readout, "n_readout")
    noise_std = check_real(noise_std, "noise_std", minimum=0.0)
    weights2 = power_law_weights(p, gamma) ** 2
    thresholds = threshold_sample_sizes(D, p, gamma, noise_std)
    signal_share = 1.0 / (1.0 + noise_std**2)

    ratio = thresholds / n[..., None]
    learned = ratio < 1.0
    tail = signal_share * np.sum(np.where(learned, 0.0, weights2), axis=-1)
    overlap2 = np.where(learned, 1.0 - ratio, 0.0)
    alignment = signal_share * np.sum(np.where(learned, weights2 * (1.0 - overlap2**2), 0.0), axis=-1)
    noise_terms = p**2 / 2.0 if readout == "full" else float(p)
    readout_noise = noise_terms / n_readout * np.ones_like(n)
    noise_floor = (1.0 - signal_share) * np.ones_like(n)
    return {
        "tail": tail,
        "alignment": alignment,
        "readout": readout_noise,
        "noise": noise_floor,
        "total": tail + alignment + readout_noise + noise_floor,
    }


def scaling_exponent(gamma: float) -> float:
    """Return the power-law exponent (2 gamma - 1) / (2 gamma) of MSE against n, for gamma > 1/2.

    For gamma <= 1/2 there is no power-law regime (the error drops once, near
    alpha = q + eps), so the function raises instead of returning a meaningless slope.
    """
    gamma = check_real(gamma, "gamma", minimum=0.0)
    if gamma <= 0.5:
        raise InvalidParameterError(
            f"gamma={gamma} is invalid here: the MSE follows a power law only for gamma > 1/2."
        )
    return (2.0 * gamma - 1.0) / (2.0 * gamma)


def davis_kahan_exponent(gamma: float) -> float:
    """Return (2 gamma - 1) / (2 gamma + 2), the wrong exponent that gap-based bounds imply."""
    gamma = check_real(gamma, "gamma", minimum=0.0)
    if gamma <= 0.5:
        raise InvalidParameterError(
            f"gamma={gamma} is invalid here: the Davis-Kahan rate needs gamma > 1/2."
        )
    return (2.0 * gamma - 1.0) / (2.0 * gamma + 2.0)
