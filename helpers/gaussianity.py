"""Monte Carlo estimators, with standard errors, for Gaussian identities and Gaussianity checks.

Every estimator returns a :class:`MonteCarloEstimate`: the estimate, its standard error and
the number of samples, so that a check can say "within 4 standard errors" instead of using a
tolerance picked by hand. The identities checked here are the ones the model rests on:

* Stein's lemma, E[x f(x)] = E[f'(x)], and its second-order form
  E[He_2(x) f(x)] = E[f''(x)] for x ~ N(0, 1);
* Wick's theorem for two centred quadratic forms of x ~ N(0, I_d):
  E[(x^T A x - tr A)(x^T B x - tr B)] = 2 tr(A B) for symmetric A, B;
* Gaussianity of the latent features h_k = <a_k, phi(x)>, measured by their excess kurtosis,
  which is 12 tr(A_k^4) (about 24 / d) in the true model and 0 for a Gaussian.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import (
    InvalidParameterError,
    as_generator,
    check_choice,
    check_matrix,
    check_positive_int,
)
from .latent_moments import latent_excess_kurtosis
from .model import HierarchicalModel

__all__ = [
    "MonteCarloEstimate",
    "estimate_mean",
    "wick_pair_exact",
    "estimate_wick_pair",
    "estimate_stein_gap",
    "estimate_excess_kurtosis",
    "latent_kurtosis_curve",
    "fit_loglog_slope",
]

#: Minimum number of samples per batch in :func:`estimate_excess_kurtosis`, so that the
#: kurtosis of each batch is close to unbiased (its bias is of order 1 / batch size).
MIN_BATCH_SIZE = 500


@dataclass(frozen=True)
class MonteCarloEstimate:
    """A Monte Carlo estimate with its standard error.

    Attributes
    ----------
    value : float or ndarray
        The estimate (an array for column-wise estimates).
    standard_error : float or ndarray
        Its standard error, same shape as ``value``.
    n_samples : int
        Number of samples used.
    """

    value: float | np.ndarray
    standard_error: float | np.ndarray
    n_samples: int

    def z_score(self, expected) -> float | np.ndarray:
        """Return (value - expected) / standard_error."""
        return (np.asarray(self.value) - np.asarray(expected)) / np.asarray(self.standard_error)

    def agrees_with(self, expected, n_standard_errors: float = 4.0) -> bool:
        """Return whether every entry lies within ``n_standard_errors`` of ``expected``.

        With four standard errors a correct Gaussian estimate fails with probability
        about 6e-5 per entry.
        """
        return bool(np.all(np.abs(self.z_score(expected)) <= n_standard_errors))


def _check_sample_count(n, name: str = "n", minimum: int = 2) -> int:
    n = check_positive_int(n, name)
    if n < minimum:
        raise InvalidParameterError(
            f"{name}={n} is invalid: a standard error needs at least {minimum} samples."
        )
    return n


def estimate_mean(values) -> MonteCarloEstimate:
    """Return the sample mean of i.i.d. draws and its standard error std / sqrt(n).

    Parameters
    ----------
    values : array_like, shape (n,) or (n, k)
        Draws along the first axis; columns are estimated separately.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim not in (1, 2) or values.shape[0] < 2 or not np.all(np.isfinite(values)):
        raise InvalidParameterError(
            f"values has shape {values.shape}: expected at least two finite draws along axis 0 "
            "(shape (n,) or (n, k))."
        )
    n = values.shape[0]
    mean = values.mean(axis=0)
    error = values.std(axis=0, ddof=1) / np.sqrt(n)
    if values.ndim == 1:
        return MonteCarloEstimate(float(mean), float(error), n)
    return MonteCarloEstimate(mean, error, n)


def _check_symmetric(matrix, name: str) -> np.ndarray:
    matrix = check_matrix(matrix, name, ndim=2)
    if matrix.shape[0] != matrix.shape[1] or not np.allclose(matrix, matrix.T):
        raise InvalidParameterError(
            f"{name} with shape {matrix.shape} is invalid: pass a symmetric square matrix, "
            f"for example ({name} + {name}.T) / 2."
        )
    return matrix


def wick_pair_exact(A, B) -> float:
    """Return 2 tr(A B), the Wick value of E[(x^T A x - tr A)(x^T B x - tr B)]."""
    A = _check_symmetric(A, "A")
    B = _check_symmetric(B, "B")
    if A.shape != B.shape:
        raise InvalidParameterError(f"A {A.shape} and B {B.shape} must have the same shape.")
    return float(2.0 * np.sum(A * B))


def estimate_wick_pair(A, B, n: int, seed) -> MonteCarloEstimate:
    """Estimate E[(x^T A x - tr A)(x^T B x - tr B)] for x ~ N(0, I_d) by Monte Carlo.

    Parameters
    ----------
    A, B : array_like, shape (d, d)
        Symmetric matrices.
    n : int
        Number of Gaussian draws, at least 2.
    seed : int or numpy.random.Generator

    Returns
    -------
    MonteCarloEstimate
        Compare with :func:`wick_pair_exact`.
    """
    A = _check_symmetric(A, "A")
    B = _check_symmetric(B, "B")
    if A.shape != B.shape:
        raise InvalidParameterError(f"A {A.shape} and B {B.shape} must have the same shape.")
    n = _check_sample_count(n)
    x = as_generator(seed).standard_normal((n, A.shape[0]))
    form_a = np.einsum("ni,ij,nj->n", x, A, x) - np.trace(A)
    form_b = np.einsum("ni,ij,nj->n", x, B, x) - np.trace(B)
    return estimate_mean(form_a * form_b)


def estimate_stein_gap(function: Callable, derivative: Callable, n: int, seed, *,
                       order: int = 1) -> MonteCarloEstimate:
    """Estimate the gap in Stein's lemma for x ~ N(0, 1); it is 0 when the lemma holds.

    * ``order=1``: E[x f(x) - f'(x)];
    * ``order=2``: E[He_2(x) f(x) - f''(x)] with He_2(x) = x^2 - 1.

    Each draw gives one value of the bracket, so the standard error accounts for the
    correlation between its two terms.

    Parameters
    ----------
    function : callable
        f, vectorised over a 1-d array.
    derivative : callable
        f' (``order=1``) or f'' (``order=2``), vectorised.
    n : int
        Number of draws, at least 2.
    seed : int or numpy.random.Generator
    order : {1, 2}
    """
    if order not in (1, 2) or isinstance(order, bool):
        raise InvalidParameterError(f"order={order!r} is invalid: Stein's lemma here has order 1 or 2.")
    if not callable(function) or not callable(derivative):
        raise InvalidParameterError("function and derivative must be callables f(x) and f'(x).")
    n = _check_sample_count(n)
    x = as_generator(seed).standard_normal(n)
    weight = x if order == 1 else x**2 - 1.0
    values = np.asarray(function(x), dtype=float)
    derivatives = np.asarray(derivative(x), dtype=float)
    if values.shape != x.shape or derivatives.shape != x.shape:
        raise InvalidParameterError(
            f"function and derivative returned shapes {values.shape} and {derivatives.shape}: "
            f"both must map an array of shape {x.shape} to the same shape."
        )
    return estimate_mean(weight * values - derivatives)


def _sample_excess_kurtosis(samples: np.ndarray) -> np.ndarray:
    centred = samples - samples.mean(axis=0)
    second = np.mean(centred**2, axis=0)
    fourth = np.mean(centred**4, axis=0)
    return fourth / second**2 - 3.0


def estimate_excess_kurtosis(samples, n_batches: int = 20) -> MonteCarloEstimate:
    """Estimate the excess kurtosis E[(h - E h)^4] / Var(h)^2 - 3 of each column.

    The value comes from the whole sample; the standard error from the spread of the
    estimates over ``n_batches`` equal batches (std / sqrt(n_batches)). Batches avoid
    the eighth moments that a delta-method error would need, which are unstable for
    heavy-tailed columns.

    Parameters
    ----------
    samples : array_like, shape (n,) or (n, k)
        Draws along axis 0.
    n_batches : int
        At least 2, with at least 500 samples per batch.

    Returns
    -------
    MonteCarloEstimate
        Float entries for a 1-d input, arrays of shape (k,) otherwise.
    """
    samples = np.asarray(samples, dtype=float)
    if samples.ndim not in (1, 2) or not np.all(np.isfinite(samples)):
        raise InvalidParameterError(
            f"samples has shape {samples.shape}: expected finite values of shape (n,) or (n, k)."
        )
    n_batches = _check_sample_count(n_batches, "n_batches")
    n = samples.shape[0]
    if n < n_batches * MIN_BATCH_SIZE:
        raise InvalidParameterError(
            f"{n} samples are too few for {n_batches} batches: use at least "
            f"{n_batches * MIN_BATCH_SIZE} samples or fewer batches."
        )
    batch_size = n // n_batches
    batches = samples[: batch_size * n_batches].reshape((n_batches, batch_size) + samples.shape[1:])
    per_batch = np.stack([_sample_excess_kurtosis(batch) for batch in batches])
    value = _sample_excess_kurtosis(samples)
    error = per_batch.std(axis=0, ddof=1) / np.sqrt(n_batches)
    if samples.ndim == 1:
        return MonteCarloEstimate(float(value), float(error), n)
    return MonteCarloEstimate(value, error, n)


def latent_kurtosis_curve(dims, p: int = 8, n: int = 20000, seed: int = 0,
                          mode: str = "true") -> dict[str, np.ndarray]:
    """Measure the excess kurtosis of the latent features for several input dimensions.

    For each d a model with p latent features (teacher ``seed``) draws n inputs (data
    seed ``seed + 1``, so every d sees an independent sample); the kurtosis is averaged over
    the p features.

    Parameters
    ----------
    dims : sequence of int
        Input dimensions, each at least 2.
    p : int
        Number of latent features per model (at most D).
    n : int
        Samples per dimension, at least 10000 (20 batches of 500).
    seed : int
        Teacher seed; the data seed is ``seed + 1``.
    mode : {"true", "gaussian_equivalent"}
        ``"gaussian_equivalent"`` gives the Gaussian reference (kurtosis 0 for every d).

    Returns
    -------
    dict
        ``"d"``; ``"measured"`` and ``"standard_error"`` (mean over features and its error,
        the error of a mean of p batch estimates); ``"exact"`` (mean of 12 tr(A_k^4), or 0);
        and ``"approximation"`` (24 / d), each of shape (len(dims),).
    """
    check_choice(mode, "mode", ("true", "gaussian_equivalent"))
    dims = [check_positive_int(d, "dims") for d in dims]
    if not dims or min(dims) < 2:
        raise InvalidParameterError(f"dims={dims} is invalid: give input dimensions d >= 2.")
    measured, errors, exact = [], [], []
    for d in dims:
        model = HierarchicalModel(d=d, p=p, mode=mode, seed=seed)
        latents = model.sample(n, seed + 1).latents
        estimate = estimate_excess_kurtosis(latents)
        measured.append(np.mean(estimate.value))
        # Features are nearly independent, so the error of their mean is sqrt(sum se^2) / p.
        errors.append(np.sqrt(np.sum(np.square(estimate.standard_error))) / p)
        exact.append(np.mean(latent_excess_kurtosis(model)))
    dims_array = np.asarray(dims, dtype=float)
    return {
        "d": dims_array,
        "measured": np.asarray(measured),
        "standard_error": np.asarray(errors),
        "exact": np.asarray(exact),
        "approximation": 24.0 / dims_array,
    }


def fit_loglog_slope(x, y) -> tuple[float, float]:
    """Fit log y = slope * log x + intercept by least squares; return (slope, intercept).

    Parameters
    ----------
    x, y : array_like, shape (m,)
        Positive values, m >= 2, with at least two distinct x.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or x.size < 2:
        raise InvalidParameterError(
            f"x {x.shape} and y {y.shape} are invalid: give two 1-d arrays of the same length >= 2."
        )
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y)) and np.all(x > 0) and np.all(y > 0)):
        raise InvalidParameterError("x and y must be finite and positive for a log-log fit.")
    if np.unique(x).size < 2:
        raise InvalidParameterError("x must hold at least two distinct values for a slope.")
    slope, intercept = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope), float(intercept)
