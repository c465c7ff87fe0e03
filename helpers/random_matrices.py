"""Closed-form spectral laws of random matrices.

Conventions: a GOE matrix of size N with noise level sigma is W = (sigma / sqrt(N)) G with
G symmetric, off-diagonal entries N(0, 1) and diagonal entries N(0, 2); its spectrum
converges to the semicircle on [-2 sigma, 2 sigma].
"""

from __future__ import annotations

import numpy as np

from ._validation import check_real

__all__ = ["semicircle_density"]


def semicircle_density(x, sigma: float = 1.0) -> np.ndarray:
    """Evaluate the semicircle density sqrt(4 sigma^2 - x^2) / (2 pi sigma^2), zero outside [-2 sigma, 2 sigma].

    Parameters
    ----------
    x : array_like
        Points.
    sigma : float
        Noise level, positive; the support has radius 2 sigma.

    Returns
    -------
    ndarray
        Same shape as ``x``.
    """
    sigma = check_real(sigma, "sigma", minimum=0.0, strict_minimum=True)
    x = np.asarray(x, dtype=float)
    inside = np.clip(4.0 * sigma**2 - x**2, 0.0, None)
    return np.sqrt(inside) / (2.0 * np.pi * sigma**2)
