"""Iterative eigensolvers for the p eigenpairs of largest |eigenvalue| of a symmetric operator.

The spectral matrix has spikes of both signs, so every solver here targets the largest
magnitudes at both ends of the spectrum. All of them take a symmetric
``scipy.sparse.linalg.LinearOperator`` (or a dense symmetric array) and count how many vectors
the operator was applied to, which is the cost that matters when one application of C costs
4 n d^2 flops per vector.

Solvers
-------
``"lanczos"``
    Block Lanczos with full re-orthogonalisation and thick (Krylov-Schur) restart. The
    default block size is 1. On the true-model spectral matrix at d = 60, n/D = 16, blocks of
    2 and 4 vectors needed 1.5 and 2.6 times as many applications to reach tol = 1e-8, which
    their faster BLAS-3 products (1.2 to 1.5 times the rate of one vector) did not pay back.
``"eigsh"``
    ARPACK's implicitly restarted Lanczos (``scipy.sparse.linalg.eigsh``, ``which="LM"``),
    one vector per application.
``"lobpcg"``
    ``scipy.sparse.linalg.lobpcg`` on C^2, whose largest eigenvalues are the largest |lambda|
    of C, followed by a Rayleigh-Ritz step with C to recover the signs.
``"subspace"``
    Block power (subspace) iteration with a fixed number of iterations and extra vectors,
    followed by a Rayleigh-Ritz step. It ignores ``tol``; the residual it reaches is reported.

Convergence: a Ritz pair (theta, y) is accepted when |C y - theta y| <= tol * |theta_max|,
with |theta_max| the largest Ritz value in magnitude (an estimate of |C|_2). ``eigsh`` uses
ARPACK's own test, |r| <= tol * |theta|.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from scipy.sparse.linalg import LinearOperator, aslinearoperator, eigsh, lobpcg

from ._validation import InvalidParameterError, as_generator, check_choice, check_positive_int, check_real

__all__ = ["SOLVERS", "EigenResult", "top_eigenpairs"]

SOLVERS = ("lanczos", "eigsh", "lobpcg", "subspace")

#: Iterations and extra vectors of the ``"subspace"`` solver, a common choice in research code.
SUBSPACE_ITERATIONS = 15
SUBSPACE_EXTRA = 10

#: Default block size of ``"lanczos"``.
LANCZOS_BLOCK = 1

#: ``"lanczos"`` stops when its residual has not halved over this many times ``max_basis``
#: applications, and returns the pairs with ``converged=False``.
STALL_CYCLES = 10

#: Largest number of iterations of ``"lobpcg"``.
LOBPCG_MAX_ITERATIONS = 100

#: Default cap on the vectors an iterative solver applies the operator to.
MAX_APPLICATIONS = 20_000


@dataclass(frozen=True)
class EigenResult:
    """Top eigenpairs by magnitude.

    Attributes
    ----------
    values : ndarray, shape (p,)
        Signed eigenvalues, ordered by decreasing |value|.
    vectors : ndarray, shape (D, p)
        Orthonormal eigenvectors, same order.
    applications : int
        Number of vectors the operator was applied to.
    residual : float
        max_j |C y_j - theta_j y_j| / max_j |theta_j| for the returned pairs.
    converged : bool
        Whether ``residual <= tol`` (always False for ``"subspace"`` unless it happens to be).
    solver : str
    """

    values: np.ndarray
    vectors: np.ndarray
    applications: int
    residual: float
    converged: bool
    solver: str


class _CountingOperator:
    """Apply a symmetric operator to blocks and count the vectors."""

    def __init__(self, operator):
        self.operator = aslinearoperator(operator)
        self.size = self.operator.shape[0]
        self.applications = 0

    def __call__(self, block: np.ndarray) -> np.ndarray:
        self.applications += block.shape[1]
        return np.asarray(self.operator.matmat(block), dtype=float)


def _orthonormalise(block: np.ndarray, basis: np.ndarray | None = None) -> np.ndarray:
    """Orthonormalise ``block`` against ``basis`` (twice, classical Gram-Schmidt) and itself.

    Columns that are numerically in the span of the basis are dropped.
    """
    norms = np.linalg.norm(block, axis=0)
    for _ in range(2):
        if basis is not None and basis.shape[1]:
            block = block - basis @ (basis.T @ block)
    q, r = np.linalg.qr(block)
    keep = np.abs(np.diag(r)) > 1e-10 * max(float(norms.max(initial=0.0)), 1e-300)
    return q[:, keep]


def _rayleigh_ritz(basis: np.ndarray, image: np.ndarray):
    """Return the Ritz values of the search space and their coefficient vectors, by decreasing |theta|."""
    projected = basis.T @ image
    theta, coefficients = scipy.linalg.eigh((projected + projected.T) / 2.0)
    order = np.argsort(-np.abs(theta), kind="stable")
    return theta[order], coefficients[:, order]


def _lanczos(apply, p, tol, rng, block_size, max_basis, max_applications):
    D = apply.size
    block = _orthonormalise(rng.standard_normal((D, block_size)))
    basis, image = block, apply(block)
    best, best_applications = np.inf, apply.applications
    while True:
        theta, coefficients = _rayleigh_ritz(basis, image)
        ritz = basis @ coefficients[:, :p]
        residuals = image @ coefficients[:, :p] - ritz * theta[:p]
        scale = max(abs(theta[0]), np.finfo(float).tiny)
        residual = float(np.linalg.norm(residuals, axis=0).max() / scale)
        # A rank-deficient operator can converge before the basis holds p vectors; keep
        # expanding (with random directions, below) until p Ritz pairs exist.
        converged = residual <= tol and theta.size >= p
        if residual < best / 2:
            best, best_applications = residual, apply.applications
        # A residual that has not halved over many restart cycles has reached the rounding
        # floor of the operator (a float32 operator with a float64 tolerance, for example).
        stalled = theta.size >= p and apply.applications - best_applications > STALL_CYCLES * max_basis
        if converged or stalled or apply.applications >= max_applications or basis.shape[1] >= D:
            return theta[:p], ritz, residual, converged

        # Next Lanczos block: the part of A Q_last outside the search space.
        block = _orthonormalise(image[:, -block.shape[1]:], basis)
        if basis.shape[1] + block.shape[1] > max_basis:
            # Thick restart (Krylov-Schur): keep the best Ritz vectors. The block computed
            # above stays orthogonal to them, and the space stays a block Krylov space.
            keep = max(p + block_size, max_basis // 2)
            basis = basis @ coefficients[:, :keep]
            image = image @ coefficients[:, :keep]
        if block.shape[1] == 0:
            # Invariant subspace found: continue with a random direction.
            block = _orthonormalise(rng.standard_normal((D, 1)), basis)
        basis = np.hstack([basis, block])
        image = np.hstack([image, apply(block)])


def _subspace(apply, p, rng, iterations, extra):
    D = apply.size
    basis = _orthonormalise(rng.standard_normal((D, min(p + extra, D))))
    for _ in range(iterations):
        basis = _orthonormalise(apply(basis))
    image = apply(basis)
    theta, coefficients = _rayleigh_ritz(basis, image)
    vectors = basis @ coefficients[:, :p]
    residuals = image @ coefficients[:, :p] - vectors * theta[:p]
    return theta[:p], vectors, residuals


def _lobpcg(apply, p, tol, rng, extra, max_applications):
    D = apply.size
    block_size = min(p + extra, D // 5) if D >= 5 * p else p
    start = _orthonormalise(apply(_orthonormalise(rng.standard_normal((D, max(block_size, p))))))
    # lobpcg's tolerance is absolute on the residual of C^2, so scale it by an estimate of |C|^2.
    theta, _ = _rayleigh_ritz(start, apply(start))
    scale = max(abs(theta[0]), np.finfo(float).tiny)
    squared = LinearOperator((D, D), matvec=lambda v: apply(apply(v.reshape(-1, 1))).ravel(),
                             matmat=lambda block: apply(apply(block)), dtype=float)
    iterations = max(1, min(LOBPCG_MAX_ITERATIONS, max_applications // (2 * start.shape[1])))
    with warnings.catch_warnings():
        # lobpcg warns when it stops at maxiter; the residual below reports that instead.
        warnings.simplefilter("ignore", UserWarning)
        _, vectors = lobpcg(squared, start, largest=True, tol=tol * scale**2, maxiter=iterations)
    basis = _orthonormalise(vectors)
    image = apply(basis)
    theta, coefficients = _rayleigh_ritz(basis, image)
    ritz = basis @ coefficients[:, :p]
    residuals = image @ coefficients[:, :p] - ritz * theta[:p]
    return theta[:p], ritz, residuals


def top_eigenpairs(operator, p: int, *, solver: str = "lanczos", tol: float = 1e-8, seed=0,
                   block_size: int | None = None, extra: int | None = None,
                   max_basis: int | None = None, max_applications: int | None = None,
                   subspace_iterations: int = SUBSPACE_ITERATIONS) -> EigenResult:
    """Compute the p eigenpairs of largest |eigenvalue| of a symmetric operator.

    Parameters
    ----------
    operator : LinearOperator or ndarray, shape (D, D)
        Symmetric; only ``matmat`` (or ``matvec`` for ``"eigsh"``) is used.
    p : int
        Number of eigenpairs, p < D.
    solver : {"lanczos", "eigsh", "lobpcg", "subspace"}
        See the module docstring.
    tol : float
        Relative residual tolerance (ignored by ``"subspace"``).
    seed : int or Generator
        Random starting vector or block.
    block_size : int, optional
        Block size of ``"lanczos"`` (default :data:`LANCZOS_BLOCK`).
    extra : int, optional
        Vectors beyond p in the block of ``"lobpcg"`` (default max(4, p // 2)) and
        ``"subspace"`` (default :data:`SUBSPACE_EXTRA`).
    max_basis : int, optional
        Largest search space: before a thick restart for ``"lanczos"`` and ``ncv`` for
        ``"eigsh"`` (default for both: max(2 p + 1, p + 20), plus one block for ``"lanczos"``).
    max_applications : int, optional
        Cap on the number of vectors the operator is applied to (default
        :data:`MAX_APPLICATIONS`). ``"lobpcg"`` also stops after
        :data:`LOBPCG_MAX_ITERATIONS` iterations, and ``"lanczos"`` when its residual stalls
        (:data:`STALL_CYCLES`). Check ``converged`` in the result.
    subspace_iterations : int
        Iterations of ``"subspace"``.

    Returns
    -------
    EigenResult
    """
    check_choice(solver, "solver", SOLVERS)
    tol = check_real(tol, "tol", minimum=0.0, strict_minimum=True)
    apply = _CountingOperator(operator)
    D = apply.size
    p = check_positive_int(p, "p")
    if p >= D:
        raise InvalidParameterError(f"p={p} is invalid: it must be smaller than D={D}.")
    rng = as_generator(seed)
    block_size = LANCZOS_BLOCK if block_size is None else check_positive_int(block_size, "block_size")
    if extra is None:
        extra = SUBSPACE_EXTRA if solver == "subspace" else max(4, p // 2)
    if isinstance(extra, bool) or not isinstance(extra, (int, np.integer)) or extra < 0:
        raise InvalidParameterError(f"extra={extra!r} is invalid: it must be an integer >= 0.")
    if max_basis is None:
        max_basis = max(2 * p + 1, p + 20) + (block_size if solver == "lanczos" else 0)
    max_basis = min(check_positive_int(max_basis, "max_basis"), D)
    if solver == "lanczos" and max_basis < p + 2 * block_size and max_basis < D:
        raise InvalidParameterError(
            f"max_basis={max_basis} is invalid: it must be at least p + 2 * block_size = "
            f"{p + 2 * block_size}."
        )
    if max_applications is None:
        max_applications = MAX_APPLICATIONS
    max_applications = check_positive_int(max_applications, "max_applications")

    if solver == "lanczos":
        values, vectors, residual, converged = _lanczos(
            apply, p, tol, rng, block_size, max_basis, max_applications)
        return _result(values, vectors, apply.applications, residual, converged, solver)

    if solver == "eigsh":
        counted = LinearOperator((D, D), matvec=lambda v: apply(v.reshape(-1, 1)).ravel(),
                                 matmat=apply, dtype=float)
        ncv = max(min(max_basis, D), p + 1)
        # which="LM" on purpose: the spikes to keep are those of largest |eigenvalue|, of either sign.
        values, vectors = eigsh(counted, k=p, which="LM", v0=rng.standard_normal(D), tol=tol,
                                ncv=ncv, maxiter=max(1, max_applications // ncv))
        order = np.argsort(-np.abs(values), kind="stable")
        values, vectors = values[order], vectors[:, order]
        # The residual check costs p more applications, counted like the others.
        image = apply(vectors)
        residuals = image - vectors * values
    elif solver == "lobpcg":
        values, vectors, residuals = _lobpcg(apply, p, tol, rng, extra, max_applications)
    else:
        iterations = check_positive_int(subspace_iterations, "subspace_iterations")
        values, vectors, residuals = _subspace(apply, p, rng, iterations, extra)
    residual = float(np.linalg.norm(residuals, axis=0).max() / max(abs(values[0]), np.finfo(float).tiny))
    return _result(values, vectors, apply.applications, residual, residual <= tol, solver)


def _result(values, vectors, applications, residual, converged, solver) -> EigenResult:
    return EigenResult(np.asarray(values, dtype=float), np.asarray(vectors, dtype=float),
                       int(applications), float(residual), bool(converged), solver)
