"""The spectral matrix as a matrix-free operator, applied to blocks of vectors with BLAS-3 products.

The operator is C - shift I with

    C = (1/n) sum_mu w_mu (phi_mu phi_mu^T - I_D),   shift = tr C / D (trace-centred) or 0,

where w_mu are the transformed standardised labels.

True model, q = 2. A vector v of R^D is a symmetric d x d matrix V (the isometry of
:mod:`helpers.hermite`), and

    C[V] = (1/(2n)) sum_mu w_mu (x_mu^T V x_mu - tr V)(x_mu x_mu^T - I).

For a block of k matrices V_1..V_k and a chunk of m samples X (m x d) the kernel does

1. one GEMM X [V_1 ... V_k]  (m x d times d x kd) and a row-wise product for the forms
   x_mu^T V_j x_mu;
2. coefficients c_mu,j = w_mu (x_mu^T V_j x_mu - tr V_j) / 2;
3. one GEMM X^T [c_1 * X, ..., c_k * X]  (d x m times m x kd), which gives
   X^T diag(c_j) X for every j at once.

Both GEMMs cost 2 m d^2 k flops, so one application costs 4 n d^2 flops per vector. The
block c_j * X is written into the buffer of step 1, so the extra memory is one m x kd array.

Gaussian-equivalent mode. Inputs are z in R^D and C v = (1/n) Z^T (w * (Z v)) - mean(w) v,
two GEMMs of 2 m D k flops each per chunk.

With ``precision="float32"`` the inputs and the per-chunk products are single precision,
while the sums over chunks, the traces and the returned vectors stay double precision.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.sparse.linalg import LinearOperator

from ._validation import InvalidParameterError, check_choice, check_memory, check_positive_int
from .hermite import hermite_features
from .model import HierarchicalModel, Sample

__all__ = ["PRECISIONS", "SpectralOperator", "squared_feature_norms", "feature_block"]

PRECISIONS = ("float64", "float32")

# Target size in bytes of the m x kd work buffer of one chunk, so that the operands of a chunk
# stay in cache. At d = 100 on one core (benchmarks/bench_eigensolvers.py --chunks), buffers
# from 0.2 to 6 MiB ran within about 5 % of each other and 12 MiB or more up to 20 % slower.
# NOTE: 64-row chunks were about 15 % faster for one vector at d = 100; not adopted, because
# the per-chunk Python overhead grows as d shrinks.
_BUFFER_BYTES = 2**20
_MIN_CHUNK = 256
_MAX_CHUNK = 8192


@functools.lru_cache(maxsize=8)
def _packing(d: int):
    """Index arrays of the upper triangle (the feature order of helpers.hermite) and scales."""
    rows, cols = np.triu_indices(d)
    scale = np.where(rows == cols, 1.0, np.sqrt(2.0))
    return rows, cols, scale, rows == cols


def squared_feature_norms(model: HierarchicalModel, inputs: np.ndarray) -> np.ndarray:
    """Return |phi(x_mu)|^2 for each row of ``inputs``, shape (n,).

    For the true model with q = 2 this uses |H(x)|_F^2 = (|x|^4 - 2|x|^2 + d) / 2, so no
    feature vector is formed.
    """
    if model.mode == "gaussian_equivalent":
        return np.einsum("nd,nd->n", inputs, inputs)
    if model.q == 2:
        radius2 = np.einsum("nd,nd->n", inputs, inputs)
        return (radius2**2 - 2.0 * radius2 + model.d) / 2.0
    features = hermite_features(inputs, model.q)
    return np.einsum("nd,nd->n", features, features)


def feature_block(model: HierarchicalModel, inputs: np.ndarray) -> np.ndarray:
    """Return the features phi of a block of inputs, shape (m, D): Hermite features or z itself."""
    if model.mode == "gaussian_equivalent":
        return inputs
    return hermite_features(inputs, model.q)


class SpectralOperator(LinearOperator):
    """Matrix-free spectral matrix C (optionally trace-centred) as a symmetric LinearOperator.

    Supports the Gaussian-equivalent mode and the true model with q = 2. Applying it to a
    block of k vectors costs 4 n d^2 k flops (true model) or 4 n D k flops
    (Gaussian-equivalent) and O(chunk_size * d * k) extra memory.

    Parameters
    ----------
    model : HierarchicalModel
    sample : Sample
        First-layer sample of size n.
    weights : ndarray, shape (n,)
        Transformed standardised labels w_mu.
    centre : bool
        Subtract (tr C / D) I.
    chunk_size : int, optional
        Samples per chunk. By default it is chosen per block so that the work buffer takes
        about 1 MiB (and at least 256 samples).
    precision : {"float64", "float32"}
        Arithmetic of the per-chunk products. ``"float32"`` is about twice as fast and
        perturbs C by a relative error of order 1e-6; the operator's dtype and its output stay
        float64.

    Attributes
    ----------
    applications : int
        Number of vectors the operator has been applied to so far.
    trace : float
        tr C before centring.
    shift : float
        Multiple of the identity subtracted from (1/n) sum w phi phi^T.
    flops_per_vector : float
        Floating-point operations of the two GEMMs per vector (elementwise work not counted).
    """

    def __init__(self, model: HierarchicalModel, sample: Sample, weights, *, centre: bool = True,
                 chunk_size: int | None = None, precision: str = "float64"):
        if model.mode == "true" and model.q != 2:
            raise InvalidParameterError(
                f"method='matrix_free' supports q=2 in the true model, not q={model.q}; "
                "use method='dense'."
            )
        check_choice(precision, "precision", PRECISIONS)
        D = model.feature_dim
        super().__init__(dtype=np.float64, shape=(D, D))
        self.model = model
        self.n = sample.n
        self.weights = np.asarray(weights, dtype=float)
        if self.weights.shape != (self.n,):
            raise InvalidParameterError(
                f"weights have shape {self.weights.shape}: expected ({self.n},), one per sample."
            )
        self.chunk_size = None if chunk_size is None else check_positive_int(chunk_size, "chunk_size")
        self.precision = precision
        self._compute_dtype = np.dtype(precision)

        inputs = sample.inputs
        if self._compute_dtype != inputs.dtype:
            check_memory(self._compute_dtype.itemsize * inputs.size,
                         f"a {precision} copy of the inputs of shape {inputs.shape}",
                         "use precision='float64'")
            inputs = inputs.astype(self._compute_dtype)
        self.inputs = inputs
        self._compute_weights = self.weights.astype(self._compute_dtype)

        self.trace = float(np.mean(self.weights * (squared_feature_norms(model, sample.inputs) - D)))
        self.shift = self.weights.mean() + (self.trace / D if centre else 0.0)
        width = model.d if model.mode == "true" else D
        self.flops_per_vector = 4.0 * self.n * width * width if model.mode == "true" else 4.0 * self.n * D
        self.applications = 0

    # ------------------------------------------------------------------ LinearOperator API
    def _matvec(self, vector):
        return self._matmat(np.asarray(vector).reshape(-1, 1)).ravel()

    def _rmatvec(self, vector):
        return self._matvec(vector)

    def _adjoint(self):
        return self

    def _matmat(self, block):
        # LinearOperator.matmat has already checked the shape (D, k).
        block = np.asarray(block, dtype=float)
        self.applications += block.shape[1]
        if self.model.mode == "gaussian_equivalent":
            product = self._apply_gaussian(block)
        else:
            product = self._apply_true(block)
        return product - self.shift * block

    # ------------------------------------------------------------------ kernels
    def rows_per_chunk(self, k: int) -> int:
        """Return the number of samples per chunk for a block of ``k`` vectors."""
        if self.chunk_size is not None:
            return self.chunk_size
        width = self.model.d * k if self.model.mode == "true" else max(self.shape[0], k)
        rows = _BUFFER_BYTES // (self._compute_dtype.itemsize * width)
        return int(min(max(rows, _MIN_CHUNK), _MAX_CHUNK))

    def _apply_gaussian(self, block):
        dtype = self._compute_dtype
        vectors = block.astype(dtype, copy=False)
        result = np.zeros(block.shape)
        rows = self.rows_per_chunk(block.shape[1])
        for start in range(0, self.n, rows):
            z = self.inputs[start:start + rows]
            w = self._compute_weights[start:start + rows, None]
            result += z.T @ (w * (z @ vectors))
        return result / self.n

    def _apply_true(self, block):
        d = self.model.d
        k = block.shape[1]
        dtype = self._compute_dtype
        rows_index, cols_index, scale, diagonal = _packing(d)

        # Unpack the k vectors straight into the side-by-side layout stacked[:, j, :] = V_j,
        # so that one GEMM gives X V_j for every j (the isometry of helpers.hermite: the
        # entry a_ab of a vector, a < b, is sqrt(2) V_ab).
        stacked = np.zeros((d, k, d), dtype=dtype)
        entries = block / scale[:, None]
        stacked[rows_index, :, cols_index] = entries
        stacked[cols_index, :, rows_index] = entries
        stacked = stacked.reshape(d, k * d)
        traces = block[diagonal].sum(axis=0).astype(dtype)

        rows = self.rows_per_chunk(k)
        buffer = np.empty((min(rows, self.n), k * d), dtype=dtype)
        accumulated = np.zeros((d, k * d))
        coefficient_sums = np.zeros(k)
        for start in range(0, self.n, rows):
            x = self.inputs[start:start + rows]
            m = x.shape[0]
            products = buffer[:m]
            np.matmul(x, stacked, out=products)
            cube = products.reshape(m, k, d)

            # x^T V_j x for every sample and every j, as a batched matrix-vector product.
            forms = np.matmul(cube, x[:, :, None])[:, :, 0]
            coefficients = self._compute_weights[start:start + m, None] * (forms - traces)
            coefficient_sums += coefficients.sum(axis=0, dtype=np.float64)

            # Overwrite the buffer with c_j * x, then X^T [c_1 X, ..., c_k X] in one GEMM.
            np.multiply(x[:, None, :], coefficients[:, :, None], out=cube)
            accumulated += x.T @ products

        # Pack sum_mu c_mu,j (x x^T - I) back into vectors. The factor 1/2 of the
        # coefficients and the 1/n of the mean are applied once, here.
        packed = accumulated.reshape(d, k, d)[rows_index, :, cols_index] * scale[:, None]
        packed[diagonal] -= coefficient_sums
        return packed / (2.0 * self.n)

    # ------------------------------------------------------------------ memory
    def work_bytes(self, k: int) -> int:
        """Return the extra memory in bytes of one application to ``k`` vectors."""
        D = self.shape[0]
        if self.model.mode == "gaussian_equivalent":
            return int(self.rows_per_chunk(k) * k * 2 * self._compute_dtype.itemsize + 16 * D * k)
        d = self.model.d
        buffer = min(self.rows_per_chunk(k), self.n) * k * d * self._compute_dtype.itemsize
        # The stacked and accumulated d x kd arrays, the packed result and temporary copies of
        # the (D, k) block.
        return int(buffer + 3 * 8 * k * d * d + 4 * 8 * D * k)
