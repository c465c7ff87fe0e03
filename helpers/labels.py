"""Bounded label transforms T(y) applied before forming the spectral matrix.

A single sample adds a rank-one term of size about |w| D / n to the spectral matrix, so a
heavy-tailed label can swamp the weak spikes; a bounded T(y) removes that risk.
"""

from __future__ import annotations

import numpy as np

from ._validation import InvalidParameterError, check_choice

__all__ = ["LABEL_TRANSFORMS", "transform_labels"]

LABEL_TRANSFORMS = ("identity", "soft", "tanh", "clip")

#: Threshold of the ``"clip"`` transform, in units of the label standard deviation.
CLIP_LEVEL = 3.0


def transform_labels(labels, transform=None) -> np.ndarray:
    """Apply the label transform T to standardised labels.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Standardised labels.
    transform : None, str or callable
        ``None`` or ``"identity"``: T(y) = y. ``"soft"``: y / (1 + |y|). ``"tanh"``: tanh(y).
        ``"clip"``: y clipped to [-3, 3]. A callable must map an array of shape (n,) to
        finite values of the same shape.

    Returns
    -------
    ndarray, shape (n,)
    """
    labels = np.asarray(labels, dtype=float)
    if transform is None or transform == "identity":
        return labels
    if callable(transform):
        values = np.asarray(transform(labels), dtype=float)
        if values.shape != labels.shape or not np.all(np.isfinite(values)):
            raise InvalidParameterError(
                f"label_transform={transform!r} returned shape {values.shape} or non-finite "
                f"values; it must map shape {labels.shape} to finite values of the same shape."
            )
        return values
    check_choice(transform, "label_transform", LABEL_TRANSFORMS)
    if transform == "soft":
        return labels / (1.0 + np.abs(labels))
    if transform == "tanh":
        return np.tanh(labels)
    return np.clip(labels, -CLIP_LEVEL, CLIP_LEVEL)
