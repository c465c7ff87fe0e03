"""Power-law fits of an error curve: the exponent over a window, with a bootstrap over seeds.

Convention: an error that falls like ``prefactor * n**(-exponent)`` has a positive
``exponent``; the slope on a log-log plot is ``-exponent``. Fits are ordinary least
squares of log(error) on log(n) over the points whose n lies in the chosen window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import InvalidParameterError, as_generator, check_positive_int, check_real

__all__ = ["PowerLawFit", "fit_power_law", "bootstrap_exponent", "local_exponent"]


@dataclass(frozen=True)
class PowerLawFit:
    """A fitted power law ``error = prefactor * n**(-exponent)``.

    Attributes
    ----------
    exponent : float
        Decay exponent (minus the log-log slope).
    prefactor : float
    window : tuple of float
        Smallest and largest n used in the fit.
    n_points : int
        Number of sample sizes in the window.
    interval : tuple of float or None
        Bootstrap interval of the exponent (over seeds), when computed.
    level : float or None
        Coverage of ``interval``, for example 0.9.
    """

    exponent: float
    prefactor: float
    window: tuple[float, float]
    n_points: int
    interval: tuple[float, float] | None = None
    level: float | None = None

    def predict(self, n) -> np.ndarray:
        """Evaluate the fitted power law at sample sizes ``n``."""
        return self.prefactor * np.asarray(n, dtype=float) ** (-self.exponent)


def _window_mask(n: np.ndarray, window) -> np.ndarray:
    if window is None:
        return np.ones(n.shape, dtype=bool)
    low, high = (check_real(value, "window", minimum=0.0) for value in window)
    if not low < high:
        raise InvalidParameterError(f"window={window!r} is invalid: give (low, high) with low < high.")
    # A relative margin keeps points that sit on the edges up to rounding.
    return (n >= low * (1 - 1e-9)) & (n <= high * (1 + 1e-9))


def _check_curve(n, values) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(n, dtype=float)
    values = np.asarray(values, dtype=float)
    if n.ndim != 1 or values.shape[-1] != n.shape[0]:
        raise InvalidParameterError(
            f"n has shape {n.shape} and values {values.shape}: expected n of shape (m,) and "
            "values whose last axis has length m."
        )
    if np.any(n <= 0) or not np.all(np.isfinite(values)) or np.any(values <= 0):
        raise InvalidParameterError(
            "n and values must be positive and finite: a power law is fitted on a log-log scale."
        )
    return n, values


def _least_squares(log_n: np.ndarray, log_values: np.ndarray) -> tuple[float, float]:
    slope, intercept = np.polyfit(log_n, log_values, 1)
    return float(-slope), float(np.exp(intercept))


def fit_power_law(n, values, window=None) -> PowerLawFit:
    """Fit ``values = prefactor * n**(-exponent)`` by least squares on a log-log scale.

    Parameters
    ----------
    n : array_like, shape (m,)
        Sample sizes, positive.
    values : array_like, shape (m,)
        Errors, positive.
    window : (float, float), optional
        Keep only the points with low <= n <= high; default all.

    Returns
    -------
    PowerLawFit
    """
    n, values = _check_curve(n, values)
    if values.ndim != 1:
        raise InvalidParameterError(f"values has shape {values.shape}: expected (m,); "
                                    "use bootstrap_exponent for one curve per seed.")
    mask = _window_mask(n, window)
    if mask.sum() < 2:
        raise InvalidParameterError(
            f"window={window!r} keeps {mask.sum()} of the sample sizes {n.tolist()}: a fit needs two."
        )
    exponent, prefactor = _least_squares(np.log(n[mask]), np.log(values[mask]))
    return PowerLawFit(exponent, prefactor, (float(n[mask][0]), float(n[mask][-1])), int(mask.sum()))


def bootstrap_exponent(n, values_by_seed, window=None, *, n_resamples: int = 2000,
                       level: float = 0.9, seed=0) -> PowerLawFit:
    """Fit the exponent of the seed-averaged curve, with a bootstrap interval over seeds.

    Each resample draws as many seeds as there are, with replacement, averages their
    curves and refits. The interval contains the central ``level`` share of the resampled
    exponents (percentile bootstrap). With few seeds the interval is only indicative:
    5 or 6 seeds give a resolution of a few hundredths in the exponent.

    Parameters
    ----------
    n : array_like, shape (m,)
    values_by_seed : array_like, shape (n_seeds, m)
        One error curve per seed.
    window : (float, float), optional
    n_resamples : int
    level : float
        Coverage of the interval, in (0, 1).
    seed : int or numpy.random.Generator
        Draws the resamples.

    Returns
    -------
    PowerLawFit
        Fitted on the mean over all seeds, with ``interval`` and ``level`` set.
    """
    n, curves = _check_curve(n, values_by_seed)
    if curves.ndim != 2 or curves.shape[0] < 2:
        raise InvalidParameterError(
            f"values_by_seed has shape {curves.shape}: expected (n_seeds >= 2, {n.shape[0]})."
        )
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    level = check_real(level, "level", minimum=0.0, maximum=1.0, strict_minimum=True)
    point = fit_power_law(n, curves.mean(axis=0), window)

    mask = _window_mask(n, window)
    rng = as_generator(seed)
    picks = rng.integers(0, curves.shape[0], size=(n_resamples, curves.shape[0]))
    resampled = curves[picks][:, :, mask].mean(axis=1)  # (n_resamples, points in window)
    log_n = np.log(n[mask])
    design = np.column_stack([log_n, np.ones_like(log_n)])
    coefficients, *_ = np.linalg.lstsq(design, np.log(resampled).T, rcond=None)
    exponents = -coefficients[0]
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(exponents, [tail, 1.0 - tail])
    return PowerLawFit(point.exponent, point.prefactor, point.window, point.n_points,
                       (float(low), float(high)), level)


def local_exponent(n, values) -> tuple[np.ndarray, np.ndarray]:
    """Return the local decay exponent -d log(values) / d log(n) between neighbouring points.

    Returns
    -------
    (ndarray, ndarray)
        Geometric midpoints of consecutive n, shape (m - 1,), and the exponents there.
    """
    n, values = _check_curve(n, values)
    if values.ndim != 1 or n.shape[0] < 2:
        raise InvalidParameterError("local_exponent needs one curve of at least two points.")
    log_n, log_values = np.log(n), np.log(values)
    return np.exp((log_n[1:] + log_n[:-1]) / 2), -np.diff(log_values) / np.diff(log_n)
