"""First layer of the layer-wise algorithm: the trace-centred spectral matrix and its top eigenvectors.

The spectral matrix of n samples with (transformed, standardised) labels w_mu is

    C = (1/n) sum_mu w_mu (phi_mu phi_mu^T - I_D),

and the first layer keeps the p eigenvectors of C - (tr C / D) I with the largest
|eigenvalue|. Spikes can be negative because the readout weights carry random signs.

Two paths compute the same eigenvectors:

* ``"dense"`` forms the D x D matrix from explicit features (two symmetric rank-k updates,
  one for the positive and one for the negative weights) and calls ``scipy.linalg.eigh``
  (all eigenvalues, so the spectrum can be plotted);
* ``"matrix_free"`` wraps C in a :class:`~helpers.spectral_operator.SpectralOperator` and
  calls an iterative solver of :mod:`helpers.eigensolvers`. For the true q = 2 model a vector
  of R^D is a symmetric d x d matrix V and one application costs 4 n d^2 flops per vector
  in two GEMMs per chunk of samples, so no D x D or n x D array is formed.

The default solver of the matrix-free path is ``"lanczos"`` (thick-restart Lanczos): in the
engine comparison of ``benchmarks/bench_eigensolvers.py`` it reached the tolerance with the
fewest operator applications and seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.linalg import blas

from ._validation import InvalidParameterError, check_choice, check_memory, check_positive_int
from .eigensolvers import SOLVERS, top_eigenpairs
from .labels import transform_labels
from .model import HierarchicalModel, LabelScaler, Sample
from .spectral_operator import PRECISIONS, SpectralOperator, feature_block, squared_feature_norms

__all__ = ["METHODS", "SOLVERS", "PRECISIONS", "FirstLayer", "spectral_matrix", "SpectralOperator",
           "first_layer", "resolve_method", "canonicalize_signs", "matrix_free_memory"]

METHODS = ("auto", "dense", "matrix_free")

# Largest D for which "auto" forms the dense matrix. Forming it costs n D^2 flops against
# about 4 n d^2 per operator application for the matrix-free path (true model), so dense
# pays off only for small D; in the Gaussian-equivalent mode both cost n D per vector.
_AUTO_DENSE_LIMIT = {"true": 500, "gaussian_equivalent": 2500}
#: Samples per block of explicit features in the dense path.
CHUNK_SIZE = 4096

#: Smallest tolerance accepted with precision="float32": single-precision products perturb C by
#: a relative error of order 1e-6, so smaller residuals cannot be reached reliably.
FLOAT32_MIN_TOL = 1e-5


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
        Number of vectors the operator was applied to (dense path: 0).
    solver : str
        ``"eigh"`` for the dense path, otherwise one of :data:`SOLVERS`.
    residual : float
        max_j |C y_j - lambda_j y_j| / max_j |lambda_j| of the returned pairs (dense path: NaN).
    """

    directions: np.ndarray
    eigenvalues: np.ndarray
    spectrum: np.ndarray | None
    trace: float
    method: str
    operator_applications: int
    solver: str = "eigh"
    residual: float = float("nan")


def canonicalize_signs(vectors: np.ndarray) -> np.ndarray:
    """Flip each column so that its entry of largest magnitude is positive."""
    vectors = np.array(vectors, dtype=float, copy=True)
    pivots = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(vectors[pivots, np.arange(vectors.shape[1])])
    signs[signs == 0] = 1.0
    return vectors * signs


def accumulate_signed(matrix: np.ndarray, features: np.ndarray, weights: np.ndarray) -> None:
    """Add F^T diag(w) F to the upper triangle of the Fortran-ordered ``matrix`` in place.

    Splitting the weights by sign gives two symmetric rank-k updates (BLAS ``syrk``), which
    cost half the flops of the GEMM F^T (w * F).
    """
    for sign in (1.0, -1.0):
        rows = sign * weights > 0
        if rows.any():
            scaled = features[rows] * np.sqrt(sign * weights[rows])[:, None]
            blas.dsyrk(sign, scaled.T, beta=1.0, c=matrix, trans=0, lower=0, overwrite_c=1)


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
        Symmetric.
    """
    D = model.feature_dim
    check_memory(8.0 * D * D + 16.0 * CHUNK_SIZE * D, f"a dense spectral matrix with D={D}",
                 "use method='matrix_free'", memory_budget)
    weights = np.asarray(weights, dtype=float)
    n = sample.n
    matrix = np.zeros((D, D), order="F")
    for start in range(0, n, CHUNK_SIZE):
        features = feature_block(model, sample.inputs[start:start + CHUNK_SIZE])
        accumulate_signed(matrix, features, weights[start:start + CHUNK_SIZE])
    return finalise_spectral_matrix(matrix, n, float(weights.mean()), centre)


def finalise_spectral_matrix(matrix: np.ndarray, n: int, mean_weight: float, centre: bool) -> np.ndarray:
    """Turn the upper triangle of sum_mu w_mu phi_mu phi_mu^T into the (centred) spectral matrix.

    Parameters
    ----------
    matrix : ndarray, shape (D, D)
        Upper triangle of the weighted sum, as left by :func:`accumulate_signed`; overwritten.
    n : int
        Number of samples in the sum.
    mean_weight : float
        (1/n) sum_mu w_mu, the coefficient of the -I_D term.
    centre : bool
        Subtract (tr C / D) I.

    Returns
    -------
    ndarray, shape (D, D)
        C-contiguous and symmetric.
    """
    D = matrix.shape[0]
    lower = np.tril_indices(D, -1)
    matrix[lower] = matrix.T[lower]
    matrix /= n
    matrix[np.diag_indices(D)] -= mean_weight
    if centre:
        matrix[np.diag_indices(D)] -= np.trace(matrix) / D
    return np.ascontiguousarray(matrix)


def matrix_free_memory(model: HierarchicalModel, p: int, solver: str = "lanczos",
                       precision: str = "float64", n: int | None = None) -> int:
    """Estimate the extra memory in bytes of the matrix-free first layer (inputs not included).

    Parameters
    ----------
    model : HierarchicalModel
    p : int
        Number of directions.
    solver : str
        One of :data:`SOLVERS`.
    precision : {"float64", "float32"}
    n : int, optional
        Sample size; it adds the single-precision copy of the inputs for ``"float32"``.
    """
    D = model.feature_dim
    block = p + (10 if solver == "subspace" else max(4, p // 2))
    basis = {"lanczos": max(2 * p + 1, p + 20) + 1, "eigsh": max(2 * p + 1, p + 20),
             "lobpcg": 3 * block, "subspace": block}[solver]
    itemsize = np.dtype(precision).itemsize
    width = model.d if model.mode == "true" else D
    # Search space and its image, plus residuals and Ritz vectors of one block.
    solver_bytes = 8 * D * (2 * min(basis, D) + 3 * block)
    buffer = 2**20 + itemsize * 8192 * (block if model.mode == "gaussian_equivalent" else 0)
    operator_bytes = buffer + 6 * 8 * block * width * width + 2 * 8 * D * block
    copy = itemsize * n * model.input_dim if n is not None and precision != "float64" else 0
    return int(solver_bytes + operator_bytes + copy)


def dense_first_layer(matrix: np.ndarray, trace: float, p: int) -> FirstLayer:
    """Diagonalise a formed spectral matrix (overwritten) and keep its p largest |eigenvalues|."""
    # The divide-and-conquer driver "evd" was 1.6 times faster than the default "evr" in one
    # measurement at D = 1830 on one core. It needs about 2 D^2 extra doubles of workspace.
    spectrum, vectors = scipy.linalg.eigh(matrix, overwrite_a=True, check_finite=False, driver="evd")
    values, directions = _top_by_magnitude(spectrum, vectors, p)
    return FirstLayer(directions, values, spectrum, trace, "dense", 0)


def resolve_method(model: HierarchicalModel, method: str = "auto") -> str:
    """Return the path that ``first_layer`` takes for ``method``: ``"dense"`` or ``"matrix_free"``."""
    check_choice(method, "method", METHODS)
    if method != "auto":
        return method
    D = model.feature_dim
    dense_ok = D <= _AUTO_DENSE_LIMIT[model.mode] or (model.mode == "true" and model.q != 2)
    return "dense" if dense_ok else "matrix_free"


def _top_by_magnitude(values: np.ndarray, vectors: np.ndarray, p: int):
    order = np.argsort(-np.abs(values), kind="stable")[:p]
    return values[order], canonicalize_signs(vectors[:, order])


def first_layer(model: HierarchicalModel, sample: Sample, *, p: int | None = None,
                scaler: LabelScaler | None = None, label_transform=None, centre: bool = True,
                method: str = "auto", seed=0, tol: float = 1e-8,
                memory_budget: int | None = None, solver: str = "auto",
                precision: str = "float64") -> FirstLayer:
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
        ``"auto"`` forms the dense matrix for D <= 500 (true model) or D <= 2500
        (Gaussian-equivalent), and for the true model with q = 3.
    seed : int or Generator
        Random starting block of the iterative solver (matrix-free path).
    tol : float
        Relative residual tolerance of the iterative solver (see
        :mod:`helpers.eigensolvers`). With ``precision="float32"`` it is raised to at least
        :data:`FLOAT32_MIN_TOL`.
    memory_budget : int, optional
        Limit in bytes for the dense matrix, or for the solver and operator work arrays of the
        matrix-free path.
    solver : {"auto", "lanczos", "eigsh", "lobpcg", "subspace"}
        Iterative solver of the matrix-free path; ``"auto"`` is ``"lanczos"``.
    precision : {"float64", "float32"}
        Arithmetic of the operator's inner products (matrix-free path only).

    Returns
    -------
    FirstLayer
    """
    check_choice(method, "method", METHODS)
    check_choice(solver, "solver", ("auto",) + SOLVERS)
    check_choice(precision, "precision", PRECISIONS)
    D = model.feature_dim
    p = model.n_latent if p is None else check_positive_int(p, "p")
    if p >= D:
        raise InvalidParameterError(f"p={p} is invalid: it must be smaller than D={D}.")
    model.check_sample(sample)
    scaler = LabelScaler.fit(sample.labels) if scaler is None else scaler
    weights = transform_labels(scaler.transform(sample.labels), label_transform)
    method = resolve_method(model, method)

    if method == "dense":
        # The matrix, its eigenvectors and the "evd" workspace of about 2 D^2 doubles.
        check_memory(32.0 * D * D + 16.0 * CHUNK_SIZE * D,
                     f"a dense spectral matrix with D={D} and its eigendecomposition",
                     "use method='matrix_free'", memory_budget)
        matrix = spectral_matrix(model, sample, weights, centre=centre, memory_budget=memory_budget)
        trace = float(np.mean(weights * (squared_feature_norms(model, sample.inputs) - D)))
        return dense_first_layer(matrix, trace, p)

    solver = "lanczos" if solver == "auto" else solver
    if precision == "float32":
        tol = max(tol, FLOAT32_MIN_TOL)
    check_memory(matrix_free_memory(model, p, solver, precision, sample.n),
                 f"the matrix-free first layer with D={D}, p={p}, solver={solver!r}",
                 "use a smaller p or solver='subspace'", memory_budget)
    operator = SpectralOperator(model, sample, weights, centre=centre, precision=precision)
    result = top_eigenpairs(operator, p, solver=solver, tol=tol, seed=seed)
    values, directions = _top_by_magnitude(result.values, result.vectors, p)
    return FirstLayer(directions, values, None, operator.trace, "matrix_free",
                      operator.applications, result.solver, result.residual)
