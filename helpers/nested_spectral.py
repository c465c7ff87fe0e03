"""Dense first layers at nested sample sizes from prefix sums, for many label sets of one sample.

A nested sweep fits the first layer on the first n points of one sample for several n and,
for each gamma, with other labels on the same inputs. With the identity label transform the
weights at size n are w = (y - m_n) / s_n, with m_n, s_n the label scaler at that size, so

    sum_{mu < n} w_mu phi_mu phi_mu^T = (S_y(n) - m_n S_1(n)) / s_n,

    S_y(n) = sum_{mu < n} y_mu phi_mu phi_mu^T,   S_1(n) = sum_{mu < n} phi_mu phi_mu^T.

S_1 does not depend on the labels and is summed once, over the largest sample. S_y costs one
pass over the largest sample per label set, against a pass over every prefix (about twice as
many rows for sizes that double) when each size is fitted from scratch.
"""

from __future__ import annotations

import numpy as np

from ._validation import InvalidParameterError, check_memory, check_positive_int
from .model import HierarchicalModel, LabelScaler
from .spectral import (CHUNK_SIZE, FirstLayer, accumulate_signed, dense_first_layer,
                       finalise_spectral_matrix)
from .spectral_operator import feature_block, squared_feature_norms

__all__ = ["NestedSpectralSums"]


class NestedSpectralSums:
    """Label-independent prefix sums of one sample, for dense first layers at nested sizes.

    Parameters
    ----------
    model : HierarchicalModel
    inputs : ndarray, shape (n_max, d) or (n_max, D)
        ``Sample.inputs`` of the largest first-layer sample.
    sizes : sequence of int
        Increasing sample sizes, the last at most n_max.
    memory_budget : int, optional
        Limit in bytes for the len(sizes) stored D x D matrices.
    """

    def __init__(self, model: HierarchicalModel, inputs: np.ndarray, sizes, *,
                 memory_budget: int | None = None):
        sizes = [check_positive_int(size, "sizes") for size in sizes]
        if not sizes or any(b <= a for a, b in zip(sizes, sizes[1:])) or sizes[-1] > len(inputs):
            raise InvalidParameterError(
                f"sizes={sizes} is invalid: give increasing sizes of at most {len(inputs)} samples."
            )
        D = model.feature_dim
        check_memory(8.0 * D * D * (len(sizes) + 2), f"{len(sizes)} prefix sums of D x D matrices "
                     f"with D={D}", "use fewer sizes or fit each size with first_layer", memory_budget)
        self.model = model
        self.inputs = inputs
        self.sizes = sizes
        self.norms = squared_feature_norms(model, inputs[:sizes[-1]])
        self._unweighted = []
        running = np.zeros((D, D), order="F")
        for start, stop in self._blocks():
            self._add(running, start, stop, np.ones(stop - start))
            self._unweighted.append(running.copy(order="F"))

    def _blocks(self):
        return zip([0] + self.sizes[:-1], self.sizes)

    def _add(self, matrix, start, stop, weights):
        for chunk in range(start, stop, CHUNK_SIZE):
            end = min(chunk + CHUNK_SIZE, stop)
            accumulate_signed(matrix, feature_block(self.model, self.inputs[chunk:end]),
                              weights[chunk - start:end - start])

    def first_layers(self, labels, scalers, *, p: int | None = None,
                     centre: bool = True) -> list[FirstLayer]:
        """Compute the dense first layer at every size for one set of labels.

        Each result equals ``first_layer(model, sample.head(n), scaler=scaler, method="dense",
        p=p, centre=centre)`` with the identity label transform, up to the order of
        floating-point sums.

        Parameters
        ----------
        labels : ndarray, shape (n_max,)
            Labels of the inputs, not standardised.
        scalers : sequence of LabelScaler
            The label scaler of each size.
        p : int, optional
            Number of directions; defaults to ``model.n_latent``.
        centre : bool
            Trace-centre the spectral matrices.

        Returns
        -------
        list of FirstLayer
            One per size, with the full spectrum.
        """
        labels = np.asarray(labels, dtype=float)
        if labels.shape[0] < self.sizes[-1] or len(scalers) != len(self.sizes):
            raise InvalidParameterError(
                f"got {labels.shape[0]} labels and {len(scalers)} scalers: expected at least "
                f"{self.sizes[-1]} labels and one scaler per size ({len(self.sizes)})."
            )
        D = self.model.feature_dim
        p = self.model.n_latent if p is None else check_positive_int(p, "p")
        if p >= D:
            raise InvalidParameterError(f"p={p} is invalid: it must be smaller than D={D}.")
        weighted = np.zeros((D, D), order="F")
        layers = []
        for index, (start, n) in enumerate(self._blocks()):
            self._add(weighted, start, n, labels[start:n])
            scaler: LabelScaler = scalers[index]
            matrix = (weighted - scaler.mean * self._unweighted[index]) / scaler.std
            mean_weight = (labels[:n].mean() - scaler.mean) / scaler.std
            # tr C = (1/n) sum_mu w_mu |phi_mu|^2 - D mean(w), with w = (y - m) / s.
            norms = self.norms[:n]
            weighted_norms = (labels[:n] @ norms - scaler.mean * norms.sum()) / scaler.std
            trace = weighted_norms / n - D * mean_weight
            layers.append(dense_first_layer(finalise_spectral_matrix(matrix, n, mean_weight, centre),
                                            trace, p))
        return layers
