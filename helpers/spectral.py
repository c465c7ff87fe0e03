"""First layer of the layer-wise algorithm: the trace-centred spectral matrix and its top eigenvectors.

The spectral matrix of n samples with (transformed, standardised) labels w_mu is

    C = (1/n) sum_mu w_mu (phi_mu phi_mu^T - I_D),

and the first layer keeps the p eigenvectors of C - (tr C / D) I with the largest
|eigenvalue|. Spikes can be negative because the readout weights carry random signs.

Two paths compute the same eigenvectors:

* ``"dense"`` forms the D x D matrix and calls ``scipy.linalg.eigh`` (all eigenvalues, so the
  spectrum can be plotted);
* ``"matrix_free"`` wraps C in a ``scipy.sparse.linalg.LinearOperator`` and calls ``eigsh``.
  For the true q = 2 model a vector of R^D is a symmetric d x d matrix V and
  C[V] = (1/(2n)) sum_mu w_mu (x^T V x - tr V)(x x^T - I) - mean(w) V, evaluated with two
  BLAS-3 products per block of samples, so no D x D or n x D array is formed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, eigsh

from ._validation import InvalidParameterError, as_generator, check_choice, check_memory, check_positive_int
from .hermite import features_to_symmetric, hermite_features, symmetric_to_features
from .labels import transform_labels
from .model import HierarchicalModel, LabelScaler, Sample

__all__ = ["METHODS", "FirstLayer", "spectral_matrix", "SpectralOperator", "first_layer",
           "canonicalize_signs"]

METHODS = ("auto", "dense", "matrix_free")

# Largest D for which "auto" forms the dense matrix. Forming it costs n D^2 flops against
# about 4 n d^2 per operator application for the matrix-free path (true model), so dense
# pays off only for small D; in the Gaussian-equivalent mode both cost n D per vector.
_AUTO_DENSE_LIMIT = {"true": 500, "gaussian_equivalent": 2500}
_CHUNK = 4096


@dataclass(frozen=True)
class FirstLayer:
    """Result of the first layer.

    Attributes
    ----------
    directions : ndarray, shape (D, p)
        Orthonormal estimated directions, ordered by decreasing |eigenvalue|, each with its
        largest-magnitude entry positive.
    eigenvalues : ndarray, shape (p,)
        Matching signed eigenvalues of the (centred) spectral matrix.
    spectrum : ndarray, shape (D,) or None
        All eigenvalues in ascending order (dense path only).
    trace : float
        tr C before centring.
    method : str
        ``"dense"`` or ``"matrix_free"``.
    operator_applications : int
        Number of matrix-vector products (dense path: 0).
    """

    directions: np.ndarray
    eigenvalues: np.ndarray
    spectrum: np.ndarray | None
    trace: float
    method: str
    operator_applications: int


def canonicalize_signs(vectors: np.ndarray) -> np.ndarray:
    """Flip each column so that its entry of largest magnitude is positive."""
    vectors = np.array(vectors, dtype=float, copy=True)
    pivots = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[pivots, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def _squared_feature_norms(model: HierarchicalModel, inputs: np.ndarray) -> np.ndarray:
    if model.mode == "gaussian_equivalent":
        return np.einsum("nd,nd->n", inputs, inputs)
    if model.q == 2:
        radius2 = np.einsum("nd,nd->n", inputs, inputs)
        # |H(x)|_F^2 = |x x^T - I|_F^2 / 2 = (|x|^4 - 2|x|^2 + d) / 2.
        return (radius2**2 - 2.0 * radius2 + model.d) / 2.0
    return np.einsum("nd,nd->n", *(2 * [hermite_features(inputs, model.q)]))


def _feature_block(model: HierarchicalModel, inputs: np.ndarray) -> np.ndarray:
    if model.mode == "gaussian_equivalent":
        return inputs
    return hermite_features(inputs, model.q)


def spectral_matrix(model: HierarchicalModel, sample: Sample, weights, *, centre: bool = True,
                    memory_budget: int | None = None) -> np.ndarray:
    """Form the dense spectral matrix (1/n) sum w (phi phi^T - I), optionally trace-centred.

    Parameters
    ----------
    model : HierarchicalModel
    sample : Sample
        First-layer sample of size n.
    weights : ndarray, shape (n,)
        Transformed standardised labels w_mu.
    centre : bool
        Subtract (tr C / D) I.
    memory_budget : int, optional
        Limit in bytes for the D x D matrix and one block of features.

    Returns
    -------
    ndarray, shape (D, D)
    """
    D = model.feature_dim
    check_memory(8.0 * D * D + 8.0 * _CHUNK * D, f"a dense spectral matrix with D={D}",
                 "use method='matrix_free'", memory_budget)
    weights = np.asarray(weights, dtype=float)
    n = sample.n
    matrix = np.zeros((D, D))
    for start in range(0, n, _CHUNK):
        features = _feature_block(model, sample.inputs[start:start + _CHUNK])
        matrix += features.T @ (features * weights[start:start + _CHUNK, None])
    matrix /= n
    matrix[np.diag_indices(D)] -= weights.mean()
    if centre:
        matrix[np.diag_indices(D)] -= np.trace(matrix) / D
    return matrix


class SpectralOperator(LinearOperator):
    """Matrix-free spectral matrix C (optionally trace-centred) as a symmetric LinearOperator.

    Supports the Gaussian-equivalent mode and the true model with q = 2. Each block of
    k vectors costs O(n d^2 k) (true model) or O(n D k) (Gaussian-equivalent) flops and
    O(chunk_size d k) memory.
    """

    def __init__(self, model: HierarchicalModel, sample: Sample, weights, *, centre: bool = True,
                 chunk_size: int = _CHUNK):
        if model.mode == "true" and model.q != 2:
            raise InvalidParameterError(
                f"method='matrix_free' supports q=2 in the true model, not q={model.q}; "
                "use method='dense'."
            )
        D = model.feature_dim
        super().__init__(dtype=np.float64, shape=(D, D))
        self.model = model
        self.inputs = sample.inputs
        self.weights = np.asarray(weights, dtype=float)
        self.n = sample.n
        self.chunk_size = check_positive_int(chunk_size, "chunk_size")
        self.trace = float(np.mean(self.weights * (_squared_feature_norms(model, self.inputs) - D)))
        self.shift = self.weights.mean() + (self.trace / D if centre else 0.0)
        self.applications = 0

    def _matvec(self, vector):
        return self._matmat(np.asarray(vector).reshape(-1, 1)).ravel()

    def _rmatvec(self, vector):
        return self._matvec(vector)

    def _adjoint(self):
        return self

    def _matmat(self, block):
        block = np.asarray(block, dtype=float)
        self.applications += block.shape[1]
        if self.model.mode == "gaussian_equivalent":
            result = np.zeros_like(block)
            for start in range(0, self.n, self.chunk_size):
                z = self.inputs[start:start + self.chunk_size]
                w = self.weights[start:start + self.chunk_size, None]
                result += z.T @ (w * (z @ block))
            return result / self.n - self.shift * block
        return self._matmat_true(block)

    def _matmat_true(self, block):
        d = self.model.d
        k = block.shape[1]
        matrices = features_to_symmetric(block.T, d)  # (k, d, d)
        traces = np.trace(matrices, axis1=1, axis2=2)
        stacked = matrices.transpose(1, 0, 2).reshape(d, k * d)
        accumulated = np.zeros((k, d, d))
        coefficient_sums = np.zeros(k)
        for start in range(0, self.n, self.chunk_size):
            x = self.inputs[start:start + self.chunk_size]
            w = self.weights[start:start + self.chunk_size]
            # x^T V_j x for every sample and every V_j, from one GEMM.
            forms = np.einsum("nkd,nd->nk", (x @ stacked).reshape(len(x), k, d), x)
            coefficients = w[:, None] * (forms - traces) / 2.0
            coefficient_sums += coefficients.sum(axis=0)
            for j in range(k):
                accumulated[j] += x.T @ (x * coefficients[:, j, None])
        accumulated[:, np.arange(d), np.arange(d)] -= coefficient_sums[:, None]
        return symmetric_to_features(accumulated / self.n).T - self.shift * block


def _top_by_magnitude(values: np.ndarray, vectors: np.ndarray, p: int):
    order = np.argsort(-np.abs(values), kind="stable")[:p]
    return values[order], canonicalize_signs(vectors[:, order])


def first_layer(model: HierarchicalModel, sample: Sample, *, p: int | None = None,
                scaler: LabelScaler | None = None, label_transform=None, centre: bool = True,
                method: str = "auto", seed=0, tol: float = 1e-8,
                memory_budget: int | None = None) -> FirstLayer:
    """Estimate the first-layer directions from the spectral matrix of ``sample``.

    Parameters
    ----------
    model : HierarchicalModel
    sample : Sample
        First-layer training sample.
    p : int, optional
        Number of directions to keep; defaults to ``model.n_latent``.
    scaler : LabelScaler, optional
        Label standardisation; fitted on ``sample.labels`` when omitted.
    label_transform : None, str or callable
        Optional bounded transform T(y) (see :func:`helpers.labels.transform_labels`).
    centre : bool
        Trace-centre the spectral matrix.
    method : {"auto", "dense", "matrix_free"}
    seed : int or Generator
        Starting vector of ``eigsh`` (matrix-free path).
    tol : float
        Relative tolerance of ``eigsh``.
    memory_budget : int, optional
        Limit in bytes for the dense matrix.

    Returns
    -------
    FirstLayer
    """
    check_choice(method, "method", METHODS)
    D = model.feature_dim
    p = model.n_latent if p is None else check_positive_int(p, "p")
    if p >= D:
        raise InvalidParameterError(f"p={p} is invalid: it must be smaller than D={D}.")
    scaler = LabelScaler.fit(sample.labels) if scaler is None else scaler
    weights = transform_labels(scaler.transform(sample.labels), label_transform)
    if method == "auto":
        dense_ok = D <= _AUTO_DENSE_LIMIT[model.mode] or (model.mode == "true" and model.q != 2)
        method = "dense" if dense_ok else "matrix_free"

    if method == "dense":
        matrix = spectral_matrix(model, sample, weights, centre=centre, memory_budget=memory_budget)
        trace = float(np.mean(weights * (_squared_feature_norms(model, sample.inputs) - D)))
        spectrum, vectors = scipy.linalg.eigh(matrix)
        values, directions = _top_by_magnitude(spectrum, vectors, p)
        return FirstLayer(directions, values, spectrum, trace, "dense", 0)

    operator = SpectralOperator(model, sample, weights, centre=centre)
    start_vector = as_generator(seed).standard_normal(D)
    # which="LM" on purpose: the spikes to keep are those of largest |eigenvalue|, of either sign.
    values, vectors = eigsh(operator, k=p, which="LM", v0=start_vector, tol=tol,
                            ncv=min(D, max(2 * p + 1, p + 20)))
    values, directions = _top_by_magnitude(values, vectors, p)
    return FirstLayer(directions, values, None, operator.trace, "matrix_free", operator.applications)
