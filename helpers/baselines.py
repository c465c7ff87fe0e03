"""Shallow baselines on the raw input: kernel ridge regression and random-feature ridge.

These methods see x (or z in the Gaussian-equivalent mode) directly, with no first layer
that finds the latent directions. With n of order d^kappa samples, a rotation-invariant
kernel learns only the part of the target of polynomial degree below kappa (Ghorbani,
Mei, Misiakiewicz and Montanari, 2021). The hierarchical target has degree 2q in x, so
these methods need n >> d^(2q) for it, against n of order d^q for the layer-wise method.

All linear systems are symmetric positive definite and are solved with
``scipy.linalg.cho_factor``/``cho_solve`` (never a general solver or an explicit inverse).
The ridge penalty is chosen on a held-out part of the training set and the model is then
refitted on the whole set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg

from ._validation import (
    InvalidParameterError,
    as_generator,
    check_choice,
    check_matrix,
    check_memory,
    check_positive_int,
    check_real,
)
from .hermite import hermite_features

__all__ = ["KERNELS", "DEFAULT_RIDGES", "rbf_kernel", "polynomial_kernel", "kernel_matrix",
           "KernelRidge", "RandomFeatureRidge", "QuadraticRidge", "fit_kernel_ridge",
           "fit_random_features", "fit_quadratic_ridge"]

KERNELS = ("rbf", "polynomial")

#: Ridge penalties tried by the validation search, per sample (the systems are
#: K / n + ridge I for kernels and F^T F / n + ridge I for random features).
DEFAULT_RIDGES = (1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def rbf_kernel(X, Y, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian (RBF) kernel exp(-|x - y|^2 / (2 bandwidth^2)), shape (len(X), len(Y)).

    Parameters
    ----------
    X : ndarray, shape (n, d)
    Y : ndarray, shape (m, d)
    bandwidth : float, optional
        Length scale; defaults to sqrt(d), the typical distance |x - y| / sqrt(2) between
        two standard Gaussian points (the median heuristic).
    """
    X = check_matrix(X, "X", ndim=2)
    Y = check_matrix(Y, "Y", ndim=2, columns=X.shape[1])
    bandwidth = np.sqrt(X.shape[1]) if bandwidth is None else check_real(
        bandwidth, "bandwidth", minimum=0.0, strict_minimum=True)
    squared = (np.einsum("nd,nd->n", X, X)[:, None] + np.einsum("md,md->m", Y, Y)[None, :]
               - 2.0 * X @ Y.T)
    return np.exp(-np.clip(squared, 0.0, None) / (2.0 * bandwidth**2))


def polynomial_kernel(X, Y, degree: int, offset: float = 1.0) -> np.ndarray:
    """Polynomial kernel (offset + <x, y> / d)^degree, shape (len(X), len(Y)).

    With ``offset > 0`` its feature space contains every polynomial of degree at most
    ``degree``; degree 2q covers the whole hierarchical target.
    """
    X = check_matrix(X, "X", ndim=2)
    Y = check_matrix(Y, "Y", ndim=2, columns=X.shape[1])
    degree = check_positive_int(degree, "degree")
    offset = check_real(offset, "offset", minimum=0.0)
    return (offset + X @ Y.T / X.shape[1]) ** degree


def kernel_matrix(X, Y, kernel: str, *, degree: int = 2, bandwidth: float | None = None) -> np.ndarray:
    """Evaluate the named kernel (see :data:`KERNELS`) between the rows of X and Y."""
    check_choice(kernel, "kernel", KERNELS)
    if kernel == "rbf":
        return rbf_kernel(X, Y, bandwidth)
    return polynomial_kernel(X, Y, degree)


def _solve_pos(matrix: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Solve a symmetric positive definite system by Cholesky."""
    try:
        factor = scipy.linalg.cho_factor(matrix, lower=True, check_finite=False)
    except np.linalg.LinAlgError as error:
        raise InvalidParameterError(
            "the ridge system is not positive definite; increase the ridge penalty."
        ) from error
    return scipy.linalg.cho_solve(factor, right, check_finite=False)


def _validation_split(n: int, fraction: float) -> int:
    n_validation = int(round(fraction * n))
    if not 1 <= n_validation < n - 1:
        raise InvalidParameterError(
            f"validation_fraction={fraction} leaves {n_validation} of {n} points for validation: "
            "use more samples or a fraction between 0 and 1."
        )
    return n - n_validation


@dataclass(frozen=True)
class KernelRidge:
    """Fitted kernel ridge regressor f(x) = mean + sum_mu coefficient_mu k(x_mu, x).

    Attributes
    ----------
    kernel : str
    degree : int
        Degree of the polynomial kernel (ignored by ``"rbf"``).
    bandwidth : float or None
        Length scale of the RBF kernel (``None``: sqrt(d)).
    ridge : float
        Penalty per sample that was used.
    train_inputs : ndarray, shape (n, d)
    coefficients : ndarray, shape (n,)
    mean : float
        Training label mean, the intercept.
    validation_mse : dict of float to float
        Held-out MSE of each ridge penalty tried (empty when the ridge was given).
    """

    kernel: str
    degree: int
    bandwidth: float | None
    ridge: float
    train_inputs: np.ndarray
    coefficients: np.ndarray
    mean: float
    validation_mse: dict

    def predict(self, inputs) -> np.ndarray:
        """Predict labels for ``inputs`` of shape (m, d); returns (m,)."""
        gram = kernel_matrix(inputs, self.train_inputs, self.kernel, degree=self.degree,
                             bandwidth=self.bandwidth)
        return self.mean + gram @ self.coefficients


def fit_kernel_ridge(inputs, targets, kernel: str = "rbf", *, degree: int = 2,
                     bandwidth: float | None = None, ridges=DEFAULT_RIDGES,
                     validation_fraction: float = 0.2, memory_budget: int | None = None) -> KernelRidge:
    """Fit kernel ridge regression, choosing the ridge penalty on held-out data.

    The coefficients solve (K / n + ridge I) c = (y - mean(y)) / n, so ``ridge`` is a
    penalty per sample, comparable across n. With several ``ridges`` the last
    ``validation_fraction`` of the samples is held out, each penalty is fitted on the rest,
    and the best one is refitted on all samples.

    Parameters
    ----------
    inputs : ndarray, shape (n, d)
    targets : ndarray, shape (n,)
        Standardised labels.
    kernel : {"rbf", "polynomial"}
    degree : int
        Degree of the polynomial kernel.
    bandwidth : float, optional
        RBF length scale.
    ridges : float or sequence of float
        Candidate penalties, positive.
    validation_fraction : float
        Share of samples held out for the choice of the penalty.
    memory_budget : int, optional
        Limit in bytes for the n x n kernel matrix.

    Returns
    -------
    KernelRidge
    """
    inputs = check_matrix(inputs, "inputs", ndim=2)
    targets = check_matrix(targets, "targets", ndim=1)
    n = inputs.shape[0]
    if targets.shape[0] != n:
        raise InvalidParameterError(f"inputs have {n} rows but targets have {targets.shape[0]} entries.")
    ridges = [check_real(r, "ridge", minimum=0.0, strict_minimum=True) for r in np.atleast_1d(ridges)]
    check_memory(2 * 8.0 * n * n, f"a kernel matrix with n={n}", "use fewer training samples",
                 memory_budget)
    gram = kernel_matrix(inputs, inputs, kernel, degree=degree, bandwidth=bandwidth)
    mean = float(targets.mean())
    centred = targets - mean

    scores = {}
    if len(ridges) > 1:
        cut = _validation_split(n, validation_fraction)
        train_mean = float(targets[:cut].mean())
        for ridge in ridges:
            system = gram[:cut, :cut] / cut + ridge * np.eye(cut)
            coefficients = _solve_pos(system, (targets[:cut] - train_mean) / cut)
            residual = train_mean + gram[cut:, :cut] @ coefficients - targets[cut:]
            scores[ridge] = float(np.mean(residual**2))
        best = min(scores, key=scores.get)
    else:
        best = ridges[0]

    coefficients = _solve_pos(gram / n + best * np.eye(n), centred / n)
    return KernelRidge(kernel, int(degree), bandwidth, best, inputs, coefficients, mean, scores)


@dataclass(frozen=True)
class RandomFeatureRidge:
    """Fitted random-feature ridge regressor f(x) = mean + relu(x W / sqrt(d)) w.

    Attributes
    ----------
    weights : ndarray, shape (d, N)
        Random first-layer weights, standard Gaussian.
    readout : ndarray, shape (N,)
    feature_mean : ndarray, shape (N,)
        Training mean of each feature, subtracted before the readout.
    mean : float
        Training label mean.
    ridge : float
    validation_mse : dict of float to float
    """

    weights: np.ndarray
    readout: np.ndarray
    feature_mean: np.ndarray
    mean: float
    ridge: float
    validation_mse: dict

    def features(self, inputs) -> np.ndarray:
        """Return the centred random features of ``inputs`` (m, d), shape (m, N)."""
        inputs = check_matrix(inputs, "inputs", ndim=2, columns=self.weights.shape[0])
        return _relu_features(inputs, self.weights) - self.feature_mean

    def predict(self, inputs) -> np.ndarray:
        """Predict labels for ``inputs`` of shape (m, d); returns (m,)."""
        return self.mean + self.features(inputs) @ self.readout


def _relu_features(inputs: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return np.maximum(inputs @ weights / np.sqrt(inputs.shape[1]), 0.0)


def _ridge_readout(features: np.ndarray, targets: np.ndarray, ridge: float) -> np.ndarray:
    n, width = features.shape
    return _solve_pos(features.T @ features / n + ridge * np.eye(width), features.T @ targets / n)


def fit_random_features(inputs, targets, n_features: int, seed, *, ridges=DEFAULT_RIDGES,
                        validation_fraction: float = 0.2) -> RandomFeatureRidge:
    """Fit ridge regression on N random ReLU features relu(<w_i, x> / sqrt(d)).

    The readout solves (F^T F / n + ridge I) w = F^T (y - mean(y)) / n with centred
    features F; the penalty is chosen on held-out data as in :func:`fit_kernel_ridge`.

    Parameters
    ----------
    inputs : ndarray, shape (n, d)
    targets : ndarray, shape (n,)
    n_features : int
        Number N of random features.
    seed : int or numpy.random.Generator
        Draws the random weights.
    ridges, validation_fraction
        As in :func:`fit_kernel_ridge`.
    """
    inputs = check_matrix(inputs, "inputs", ndim=2)
    targets = check_matrix(targets, "targets", ndim=1)
    n, d = inputs.shape
    if targets.shape[0] != n:
        raise InvalidParameterError(f"inputs have {n} rows but targets have {targets.shape[0]} entries.")
    n_features = check_positive_int(n_features, "n_features")
    ridges = [check_real(r, "ridge", minimum=0.0, strict_minimum=True) for r in np.atleast_1d(ridges)]
    weights = as_generator(seed).standard_normal((d, n_features))
    raw = _relu_features(inputs, weights)

    readout, feature_mean, mean, best, scores = _fit_explicit_ridge(
        raw, targets, ridges, validation_fraction)
    return RandomFeatureRidge(weights, readout, feature_mean, mean, best, scores)


@dataclass(frozen=True)
class QuadraticRidge:
    """Fitted ridge regression on the explicit polynomial features of degree 1 and 2.

    f(x) = mean + <w, (x, phi_2(x)) - feature_mean>, with phi_2 the orthonormal degree-2
    Hermite features. Its function class is that of the degree-2 polynomial kernel, but
    the cost grows like n (d^2/2)^2 instead of n^3, so it reaches large n.

    Attributes
    ----------
    readout : ndarray, shape (d + d(d+1)/2,)
    feature_mean : ndarray, shape (d + d(d+1)/2,)
    mean : float
    ridge : float
    validation_mse : dict of float to float
    """

    readout: np.ndarray
    feature_mean: np.ndarray
    mean: float
    ridge: float
    validation_mse: dict

    def predict(self, inputs) -> np.ndarray:
        """Predict labels for ``inputs`` of shape (m, d); returns (m,)."""
        return self.mean + (_quadratic_features(inputs) - self.feature_mean) @ self.readout


def _quadratic_features(inputs) -> np.ndarray:
    inputs = check_matrix(inputs, "inputs", ndim=2)
    return np.hstack([inputs, hermite_features(inputs, 2)])


def fit_quadratic_ridge(inputs, targets, *, ridges=DEFAULT_RIDGES, validation_fraction: float = 0.2,
                        memory_budget: int | None = None) -> QuadraticRidge:
    """Fit ridge regression on all polynomial features of degree 1 and 2 of the input.

    This is the best a method that learns only the degree-2 part of the target can do;
    the penalty is chosen on held-out data as in :func:`fit_kernel_ridge`.

    Parameters
    ----------
    inputs : ndarray, shape (n, d)
    targets : ndarray, shape (n,)
    ridges, validation_fraction
        As in :func:`fit_kernel_ridge`.
    memory_budget : int, optional
        Limit in bytes for the n x (d + d(d+1)/2) feature matrix.
    """
    inputs = check_matrix(inputs, "inputs", ndim=2)
    targets = check_matrix(targets, "targets", ndim=1)
    n, d = inputs.shape
    if targets.shape[0] != n:
        raise InvalidParameterError(f"inputs have {n} rows but targets have {targets.shape[0]} entries.")
    ridges = [check_real(r, "ridge", minimum=0.0, strict_minimum=True) for r in np.atleast_1d(ridges)]
    width = d + d * (d + 1) // 2
    check_memory(8.0 * n * width, f"quadratic features of shape ({n}, {width})",
                 "use fewer training samples", memory_budget)
    features = _quadratic_features(inputs)

    readout, feature_mean, mean, best, scores = _fit_explicit_ridge(
        features, targets, ridges, validation_fraction)
    return QuadraticRidge(readout, feature_mean, mean, best, scores)


def _fit_explicit_ridge(features, targets, ridges, validation_fraction):
    """Pick the ridge penalty on held-out rows (when several are given), then refit on all rows.

    Returns the readout, the feature and label means it was centred with, the chosen
    penalty and the held-out MSE of each candidate.
    """
    n = features.shape[0]
    scores = {}
    if len(ridges) > 1:
        cut = _validation_split(n, validation_fraction)
        train_mean = features[:cut].mean(axis=0)
        label_mean = float(targets[:cut].mean())
        for ridge in ridges:
            readout = _ridge_readout(features[:cut] - train_mean, targets[:cut] - label_mean, ridge)
            residual = label_mean + (features[cut:] - train_mean) @ readout - targets[cut:]
            scores[ridge] = float(np.mean(residual**2))
        best = min(scores, key=scores.get)
    else:
        best = ridges[0]

    feature_mean = features.mean(axis=0)
    mean = float(targets.mean())
    readout = _ridge_readout(features - feature_mean, targets - mean, best)
    return readout, feature_mean, mean, best, scores
