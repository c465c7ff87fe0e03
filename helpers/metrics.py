"""Measures of success: test error and overlaps between true and estimated directions.

Overlaps are squared cosines |a_k^T a_hat_j|^2, insensitive to the sign of eigenvectors.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from ._validation import InvalidParameterError

__all__ = ["RECOVERY_THRESHOLD", "mean_squared_error", "overlap_matrix", "subspace_overlap",
           "matched_overlaps", "count_recovered"]

#: A direction counts as recovered when its squared overlap exceeds this value.
RECOVERY_THRESHOLD = 0.5


def mean_squared_error(predictions, targets) -> float:
    """Return the mean squared error between two arrays of shape (n,)."""
    predictions = np.asarray(predictions, dtype=float)
    targets = np.asarray(targets, dtype=float)
    if predictions.shape != targets.shape:
        raise InvalidParameterError(
            f"predictions {predictions.shape} and targets {targets.shape} differ in shape."
        )
    return float(np.mean((predictions - targets) ** 2))


def _as_frame(name: str, frame) -> np.ndarray:
    frame = np.asarray(frame, dtype=float)
    if frame.ndim != 2:
        raise InvalidParameterError(f"{name} has shape {frame.shape}: expected (D, k).")
    return frame


def overlap_matrix(true_directions, estimated_directions) -> np.ndarray:
    """Return the squared cosines |a_k^T a_hat_j|^2, shape (p_true, p_estimated).

    Parameters
    ----------
    true_directions : ndarray, shape (D, p_true)
    estimated_directions : ndarray, shape (D, p_estimated)
        Both with orthonormal columns.
    """
    true_directions = _as_frame("true_directions", true_directions)
    estimated_directions = _as_frame("estimated_directions", estimated_directions)
    if true_directions.shape[0] != estimated_directions.shape[0]:
        raise InvalidParameterError(
            f"true directions {true_directions.shape} and estimated directions "
            f"{estimated_directions.shape} live in different dimensions."
        )
    return (true_directions.T @ estimated_directions) ** 2


def subspace_overlap(true_directions, estimated_directions) -> float:
    """Return |A^T A_hat|_F^2 / p_true, in [0, 1]: 1 when the true span is contained in the estimate."""
    overlaps = overlap_matrix(true_directions, estimated_directions)
    return float(overlaps.sum() / overlaps.shape[0])


def matched_overlaps(true_directions, estimated_directions) -> np.ndarray:
    """Return the squared overlap of each true direction with its matched estimate, shape (p_true,).

    The matching is the one-to-one assignment that maximises the total squared overlap
    (``scipy.optimize.linear_sum_assignment``). True directions left without a partner
    (more true than estimated directions) get 0.
    """
    overlaps = overlap_matrix(true_directions, estimated_directions)
    rows, cols = linear_sum_assignment(overlaps, maximize=True)
    matched = np.zeros(overlaps.shape[0])
    matched[rows] = overlaps[rows, cols]
    return matched


def count_recovered(true_directions, estimated_directions,
                    threshold: float = RECOVERY_THRESHOLD) -> int:
    """Return the number of true directions whose matched squared overlap exceeds ``threshold``."""
    return int(np.sum(matched_overlaps(true_directions, estimated_directions) > threshold))
