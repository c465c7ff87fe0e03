"""Exact low-order moments of the latent features and of the target, true model with q = 2.

In the true model a latent feature is a centred Gaussian quadratic form,
h_k = (x^T A_k x - tr A_k) / sqrt(2) with x ~ N(0, I_d) and |A_k|_F = 1. The joint cumulants
of quadratic forms Q_i = x^T A_i x are traces of products,

    kappa(Q_1, ..., Q_m) = 2^(m-1) sum over orderings (A_2..A_m) of tr(A_1 A_2 ... A_m),

so every moment below is a finite sum of traces and needs no sampling:

* excess kurtosis of h_k: 12 tr(A_k^4), about 24 / d for a random direction;
* Cov(h_k^2, h_l^2): 2 + 12 tr(A_k^4) on the diagonal and
  8 tr(A_k^2 A_l^2) + 4 tr(A_k A_l A_k A_l) (about 8 / d) off it;
* variance of the clean target y = sum_k btilde_k (h_k^2 - 1) / sqrt(2):
  btilde^T Cov(h^2) btilde / 2, about 1 + 8/d + 4 (sum_k btilde_k)^2 / d;
* mean eigenvalue tr C / D of the uncentred spectral matrix with standardised labels:
  sum_k btilde_k (4 (d - 1) + 12 + 2 (tr A_k)^2) / (sqrt(2) D std(y)), about
  (4 sqrt(2) / d) sum_k btilde_k / std(y);
* share of the target variance of polynomial degree 2 in x:
  4 |sum_k btilde_k A_k^2|_F^2 / Var(y), about 4 (1 + (sum_k btilde_k)^2) / (d Var(y)).

In the Gaussian-equivalent mode h = A z is exactly Gaussian, so the same functions return the
Gaussian values (kurtosis 0, Cov(h^2) = 2 I, Var(y) = 1, tr C / D = sqrt(2) sum_k btilde_k / D,
no degree-2 share). All functions assume the identity link g* and no label transform.
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import InvalidParameterError
from .model import HierarchicalModel

__all__ = [
    "latent_excess_kurtosis",
    "square_covariance",
    "clean_target_variance",
    "approximate_target_variance",
    "mean_eigenvalue_shift",
    "degree_two_share",
]


def _check_model(model: HierarchicalModel, *, needs_identity_link: bool = False) -> None:
    """Raise unless the exact formulas apply to ``model``."""
    if not isinstance(model, HierarchicalModel):
        raise InvalidParameterError(
            f"model={model!r} is invalid: pass a helpers.model.HierarchicalModel."
        )
    if model.mode == "true" and model.q != 2:
        raise InvalidParameterError(
            f"q={model.q} is unsupported here: the exact moments are written for quadratic "
            "latent features (q=2) of the true model; estimate them by Monte Carlo instead."
        )
    if needs_identity_link and model.link != "identity":
        raise InvalidParameterError(
            f"link={model.link!r} is unsupported here: the target moments assume the identity "
            "link; use link='identity' or estimate them by Monte Carlo."
        )


def _matrix_products(model: HierarchicalModel) -> tuple[np.ndarray, np.ndarray]:
    """Return the squares A_k^2, shape (p, d, d), and tr(A_k A_l A_k A_l), shape (p, p)."""
    matrices = model.direction_matrices
    squares = matrices @ matrices
    p = matrices.shape[0]
    alternating = np.empty((p, p))
    for k in range(p):
        products = matrices[k] @ matrices  # A_k A_l for every l, shape (p, d, d)
        alternating[k] = np.einsum("lij,lji->l", products, products)
    return squares, alternating


def latent_excess_kurtosis(model: HierarchicalModel) -> np.ndarray:
    """Return the excess kurtosis E[h_k^4] - 3 of each latent feature, shape (p,).

    True model: 12 tr(A_k^4), which is about 24 / d for a uniformly random direction and
    12 / r for a direction spread evenly over r eigenvalues. Gaussian-equivalent mode: 0.
    """
    _check_model(model)
    if model.mode == "gaussian_equivalent":
        return np.zeros(model.n_latent)
    squares, _ = _matrix_products(model)
    return 12.0 * np.einsum("kij,kji->k", squares, squares)


def square_covariance(model: HierarchicalModel) -> np.ndarray:
    """Return Cov(h_k^2, h_l^2), shape (p, p).

    The latent features are uncorrelated in both modes, but in the true model their squares
    are not: the off-diagonal entries 8 tr(A_k^2 A_l^2) + 4 tr(A_k A_l A_k A_l) are about 8 / d.
    The Gaussian-equivalent mode gives 2 I.
    """
    _check_model(model)
    p = model.n_latent
    if model.mode == "gaussian_equivalent":
        return 2.0 * np.eye(p)
    squares, alternating = _matrix_products(model)
    products_of_squares = np.einsum("kij,lji->kl", squares, squares)  # tr(A_k^2 A_l^2)
    covariance = 8.0 * products_of_squares + 4.0 * alternating
    covariance[np.diag_indices(p)] = 2.0 + 12.0 * np.diag(products_of_squares)
    return covariance


def clean_target_variance(model: HierarchicalModel) -> float:
    """Return Var(y) of the clean target y = sum_k btilde_k (h_k^2 - 1) / sqrt(2).

    Exactly 1 in the Gaussian-equivalent mode; larger in the true model (about 1.1 to 1.7
    for d = 20 to 80 and random signs), because the squares h_k^2 are positively correlated.
    """
    _check_model(model, needs_identity_link=True)
    weights = model.weights
    return float(weights @ square_covariance(model) @ weights / 2.0)


def approximate_target_variance(d: int, weights) -> float:
    """Return the large-d approximation 1 + 8/d + 4 (sum_k btilde_k)^2 / d of Var(y).

    It replaces tr(A_k^4) by 2/d and tr(A_k^2 A_l^2) by 1/d, their values for independent
    random directions, and drops the O(1/d^2) terms.

    Parameters
    ----------
    d : int
        Input dimension.
    weights : array_like, shape (p,)
        Normalised readout weights btilde (unit norm).
    """
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise InvalidParameterError(f"d={d!r} is invalid: it must be a positive integer.")
    weights = np.asarray(weights, dtype=float)
    if weights.ndim != 1 or weights.size == 0 or not np.all(np.isfinite(weights)):
        raise InvalidParameterError(
            f"weights has shape {weights.shape}: expected a non-empty finite vector of shape (p,)."
        )
    return float(1.0 + 8.0 / d + 4.0 * weights.sum() ** 2 / d)


def mean_eigenvalue_shift(model: HierarchicalModel) -> float:
    """Return E[tr C] / D for the uncentred spectral matrix with standardised labels.

    This is how far the whole spectrum sits from zero before trace-centring. Stein-type
    identities give E[(h_k^2 - 1)(|phi|^2 - D)] = 4 (d - 1) + 12 + 2 (tr A_k)^2 in the true
    model, because |phi(x)|^2 depends on the radius |x|^2, which every h_k feels; the shift is
    therefore of order 1/d. In the Gaussian-equivalent mode the same expectation is 2, so the
    shift is only of order 1/D. Labels enter untransformed (T = identity); a bounded transform
    gives a smaller shift of the same sign.
    """
    _check_model(model, needs_identity_link=True)
    weights = model.weights
    D = model.feature_dim
    if model.mode == "gaussian_equivalent":
        return float(math.sqrt(2.0) * weights.sum() / D)
    traces = np.trace(model.direction_matrices, axis1=1, axis2=2)
    coupling = 4.0 * (model.d - 1) + 12.0 + 2.0 * traces**2
    label_std = math.sqrt(clean_target_variance(model) + model.noise_std**2)
    return float(weights @ coupling / (math.sqrt(2.0) * D * label_std))


def degree_two_share(model: HierarchicalModel) -> float:
    """Return the share of Var(y) carried by polynomials of degree 2 in x (the degree-2 shadow).

    In the true model E[(h_k^2 - 1)(x x^T - I)] = 4 A_k^2, so the degree-2 part of y is
    <2 sum_k btilde_k A_k^2, (x x^T - I) / sqrt(2)>_F, with variance
    4 |sum_k btilde_k A_k^2|_F^2. A kernel method with n >> d^2 samples can learn this part and
    nothing more until n >> d^4. The Gaussian-equivalent target has no such part (0).
    """
    _check_model(model, needs_identity_link=True)
    if model.mode == "gaussian_equivalent":
        return 0.0
    squares, _ = _matrix_products(model)
    shadow = np.einsum("k,kij->ij", model.weights, squares)
    return float(4.0 * np.sum(shadow**2) / clean_target_variance(model))
