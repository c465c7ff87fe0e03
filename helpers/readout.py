"""Second layer of the layer-wise algorithm: quadratic readouts of the estimated latent features.

Every readout is stored as a symmetric p x p matrix B and predicts

    s(x) = intercept + scale * (h^T B h - tr B),   h = estimated latent features,

which is a combination of the orthonormal degree-2 Hermite features of h.

* ``"full"``: the Hermite-2 moment estimator B = (1/(2n)) sum_mu y_mu (h_mu h_mu^T - I).
  For Gaussian h and y = sum_k btilde_k He_2(h_k)/sqrt(2) its mean is diag(btilde)/sqrt(2),
  which reproduces the target exactly; its noise adds about p^2 / (2n) to the test error.
* ``"diagonal"``: the diagonal of the same estimator (p noisy entries instead of about
  p^2 / 2), adding about p / n.
* ``"ridge"``: ridge regression of y on the degree-2 Hermite features of h, with intercept.

``calibrate=True`` refits ``intercept`` and ``scale`` by least squares on the training data.

NOTE: the moment readouts are unbiased only when the estimated latent features are Gaussian.
In the true model at small d they are not (fourth moments near 6 instead of 3 at d = 30), and
the moment readouts can give test errors above 1 there; use ``"ridge"`` for the true model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import InvalidParameterError, check_choice, check_real
from .hermite import features_to_symmetric, hermite_features, quadratic_forms
from .model import HierarchicalModel

__all__ = ["READOUTS", "Readout", "estimate_latents", "fit_readout", "predict_readout"]

READOUTS = ("full", "diagonal", "ridge")


@dataclass(frozen=True)
class Readout:
    """Fitted quadratic readout.

    Attributes
    ----------
    matrix : ndarray, shape (p, p)
        Symmetric matrix B.
    intercept, scale : float
        Affine map applied to h^T B h - tr B.
    kind : str
        One of :data:`READOUTS`.
    """

    matrix: np.ndarray
    intercept: float
    scale: float
    kind: str


def estimate_latents(model: HierarchicalModel, directions, inputs) -> np.ndarray:
    """Compute the estimated latent features <a_hat_k, phi(x)> for every sample.

    Parameters
    ----------
    model : HierarchicalModel
    directions : ndarray, shape (D, p)
        Estimated first-layer directions.
    inputs : ndarray, shape (n, d) or (n, D)
        ``Sample.inputs`` of the data to featurise.

    Returns
    -------
    ndarray, shape (n, p)
    """
    directions = np.asarray(directions, dtype=float)
    if directions.ndim != 2 or directions.shape[0] != model.feature_dim:
        raise InvalidParameterError(
            f"directions have shape {directions.shape}: expected (D={model.feature_dim}, p)."
        )
    inputs = np.asarray(inputs, dtype=float)
    if inputs.ndim != 2 or inputs.shape[1] != model.input_dim:
        raise InvalidParameterError(
            f"inputs have shape {inputs.shape}: expected (n, {model.input_dim}) for mode={model.mode!r}."
        )
    if model.mode == "gaussian_equivalent":
        return inputs @ directions
    if model.q == 2:
        return quadratic_forms(inputs, features_to_symmetric(directions.T, model.d))
    return hermite_features(inputs, model.q) @ directions


def _quadratic(matrix: np.ndarray, latents: np.ndarray) -> np.ndarray:
    return np.einsum("np,pq,nq->n", latents, matrix, latents) - np.trace(matrix)


def fit_readout(latents, targets, kind: str = "full", *, ridge: float = 1e-3,
                calibrate: bool = False) -> Readout:
    """Fit a quadratic readout of standardised labels on estimated latent features.

    Parameters
    ----------
    latents : ndarray, shape (n, p)
        Estimated latent features of the readout sample.
    targets : ndarray, shape (n,)
        Standardised labels of the same sample.
    kind : {"full", "diagonal", "ridge"}
    ridge : float
        Ridge penalty per sample (the normal equations use F^T F / n + ridge I).
    calibrate : bool
        Fit an affine calibration on the same data.

    Returns
    -------
    Readout
    """
    check_choice(kind, "readout", READOUTS)
    ridge = check_real(ridge, "ridge", minimum=0.0)
    latents = np.asarray(latents, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if latents.ndim != 2 or targets.shape != (latents.shape[0],):
        raise InvalidParameterError(
            f"latents {latents.shape} and targets {targets.shape} do not match: expected (n, p) and (n,)."
        )
    n, p = latents.shape
    intercept = 0.0

    if kind in ("full", "diagonal"):
        moment = (latents.T @ (latents * targets[:, None]) / n - targets.mean() * np.eye(p)) / 2.0
        matrix = np.diag(np.diag(moment)) if kind == "diagonal" else moment
    else:
        features = hermite_features(latents, 2)
        feature_mean = features.mean(axis=0)
        centred = features - feature_mean
        gram = centred.T @ centred / n + ridge * np.eye(features.shape[1])
        coefficients = np.linalg.solve(gram, centred.T @ (targets - targets.mean()) / n)
        intercept = float(targets.mean() - feature_mean @ coefficients)
        # <beta, phi(h)> = (h^T B_beta h - tr B_beta) / sqrt(2), with B_beta the matrix of beta.
        matrix = features_to_symmetric(coefficients, p) / math.sqrt(2.0)

    scale = 1.0
    if calibrate:
        raw = _quadratic(matrix, latents) + intercept
        design = np.column_stack([np.ones(n), raw])
        (offset, slope), *_ = np.linalg.lstsq(design, targets, rcond=None)
        intercept, scale = float(offset + slope * intercept), float(slope)
    return Readout(matrix, intercept, scale, kind)


def predict_readout(readout: Readout, latents) -> np.ndarray:
    """Predict standardised labels from estimated latent features of shape (n, p); returns (n,)."""
    latents = np.asarray(latents, dtype=float)
    if latents.ndim != 2 or latents.shape[1] != readout.matrix.shape[0]:
        raise InvalidParameterError(
            f"latents have shape {latents.shape}: expected (n, {readout.matrix.shape[0]})."
        )
    return readout.intercept + readout.scale * _quadratic(readout.matrix, latents)
