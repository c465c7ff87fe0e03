"""Gaussian-equivalent layer-wise algorithm on samples streamed in blocks, never held as n x D.

In the Gaussian-equivalent mode a sample is an n x D Gaussian matrix Z, which at n = 10^6 and
D = 1000 would take 8 GB. The functions here draw Z block by block from the same random
stream as :meth:`HierarchicalModel.sample`: all inputs row by row, then the label noise. For
the same seed they reproduce the in-memory results up to the order of floating-point sums,
and exactly when ``block_size`` equals :data:`helpers.spectral.CHUNK_SIZE`.

Each sample is read twice: the first pass computes the labels (the label scaler needs all of
them before any weight is known), the second replays the stream from a saved generator state
and accumulates the spectral matrix (first-layer sample) or the estimated latent features
(readout sample). Memory: the D x D matrix, one block of ``block_size`` x D inputs, n labels,
and n x p estimated latent features for the readout sample.
"""

from __future__ import annotations

import copy

import numpy as np

from ._validation import InvalidParameterError, as_generator, check_choice, check_memory, check_positive_int
from .algorithm import SAMPLE_MODES, Evaluation, LayerwiseFit, check_seed, evaluate
from .labels import transform_labels
from .model import HierarchicalModel, LabelScaler
from .readout import estimate_latents, fit_readout
from .spectral import (CHUNK_SIZE, FirstLayer, accumulate_signed, dense_first_layer,
                       finalise_spectral_matrix)

__all__ = ["StreamedSample", "stream_sample", "streamed_first_layer", "run_layerwise_streamed"]


class StreamedSample:
    """Labels of a Gaussian-equivalent sample plus the means to replay its inputs block by block.

    Build it with :func:`stream_sample`.

    Attributes
    ----------
    model : HierarchicalModel
    n : int
        Number of samples.
    labels : ndarray, shape (n,)
        Noisy labels, equal to ``model.sample(n, seed).labels``.
    block_size : int
        Rows per block of inputs.
    """

    def __init__(self, model: HierarchicalModel, n: int, labels: np.ndarray, state: dict,
                 block_size: int):
        self.model = model
        self.n = n
        self.labels = labels
        self.block_size = block_size
        self._state = state

    def blocks(self):
        """Yield ``(start, inputs)`` for consecutive blocks of the sample, inputs of shape (m, D).

        The block array is reused between iterations: copy it to keep it.
        """
        bit_generator = getattr(np.random, self._state["bit_generator"])()
        bit_generator.state = copy.deepcopy(self._state)
        rng = np.random.Generator(bit_generator)
        buffer = np.empty((min(self.block_size, self.n), self.model.feature_dim))
        for start in range(0, self.n, self.block_size):
            block = buffer[:min(self.block_size, self.n - start)]
            rng.standard_normal(out=block)
            yield start, block


def stream_sample(model: HierarchicalModel, n: int, seed, *, block_size: int = CHUNK_SIZE) -> StreamedSample:
    """Draw the labels of ``model.sample(n, seed)`` block by block, keeping only the labels.

    Parameters
    ----------
    model : HierarchicalModel
        Must be in the ``"gaussian_equivalent"`` mode.
    n : int
        Number of samples.
    seed : int or numpy.random.Generator
        The same stream as :meth:`HierarchicalModel.sample`; a Generator is advanced exactly as
        ``model.sample`` would advance it.
    block_size : int
        Rows per block; memory is about ``8 * block_size * D`` bytes per block.

    Returns
    -------
    StreamedSample
    """
    if model.mode != "gaussian_equivalent":
        raise InvalidParameterError(
            f"mode={model.mode!r} is invalid for streaming: the true model's inputs are only "
            "n x d, so draw them with model.sample and call first_layer."
        )
    n = check_positive_int(n, "n")
    block_size = check_positive_int(block_size, "block_size")
    D = model.feature_dim
    check_memory(8.0 * (min(block_size, n) * D + 2 * n), f"streaming blocks of {block_size} x {D} "
                 f"inputs and {n} labels", "use a smaller block_size", None)
    rng = as_generator(seed)
    state = copy.deepcopy(rng.bit_generator.state)

    # Same order of draws as HierarchicalModel.sample: every input row, then the label noise.
    clean = np.empty(n)
    buffer = np.empty((min(block_size, n), D))
    for start in range(0, n, block_size):
        block = buffer[:min(block_size, n - start)]
        rng.standard_normal(out=block)
        clean[start:start + len(block)] = model.target(model.latent_features(block))
    if model.noise_std > 0:
        labels = clean + model.noise_std * rng.standard_normal(n)
    else:
        labels = clean
    return StreamedSample(model, n, labels, state, block_size)


def streamed_first_layer(stream: StreamedSample, *, p: int | None = None,
                         scaler: LabelScaler | None = None, label_transform=None,
                         centre: bool = True, memory_budget: int | None = None) -> FirstLayer:
    """Compute the dense first layer of a streamed sample.

    Equals ``first_layer(model, model.sample(n, seed), method="dense", ...)`` for the same
    seed, up to the order of floating-point sums.

    Parameters
    ----------
    stream : StreamedSample
    p : int, optional
        Number of directions; defaults to ``model.n_latent``.
    scaler : LabelScaler, optional
        Label standardisation; fitted on ``stream.labels`` when omitted.
    label_transform : None, str or callable
        Bounded transform T(y) (see :func:`helpers.labels.transform_labels`).
    centre : bool
        Trace-centre the spectral matrix.
    memory_budget : int, optional
        Limit in bytes for the D x D matrix and its eigendecomposition.

    Returns
    -------
    FirstLayer
        With the full spectrum.
    """
    model = stream.model
    D = model.feature_dim
    p = model.n_latent if p is None else check_positive_int(p, "p")
    if p >= D:
        raise InvalidParameterError(f"p={p} is invalid: it must be smaller than D={D}.")
    check_memory(32.0 * D * D, f"a dense spectral matrix with D={D} and its eigendecomposition",
                 "use a smaller D", memory_budget)
    scaler = LabelScaler.fit(stream.labels) if scaler is None else scaler
    weights = transform_labels(scaler.transform(stream.labels), label_transform)

    matrix = np.zeros((D, D), order="F")
    weighted_norms = 0.0
    for start, block in stream.blocks():
        block_weights = weights[start:start + len(block)]
        accumulate_signed(matrix, block, block_weights)
        weighted_norms += float(block_weights @ np.einsum("nd,nd->n", block, block))
    # tr C = (1/n) sum_mu w_mu (|z_mu|^2 - D), as in the in-memory path.
    trace = weighted_norms / stream.n - D * float(weights.mean())
    matrix = finalise_spectral_matrix(matrix, stream.n, float(weights.mean()), centre)
    return dense_first_layer(matrix, trace, p)


def _estimated_latents(stream: StreamedSample, directions: np.ndarray) -> np.ndarray:
    latents = np.empty((stream.n, directions.shape[1]))
    for start, block in stream.blocks():
        latents[start:start + len(block)] = estimate_latents(stream.model, directions, block)
    return latents


def run_layerwise_streamed(model: HierarchicalModel, n: int, seed, *, sample: str = "split",
                           n_test: int = 4000, block_size: int = CHUNK_SIZE, p: int | None = None,
                           label_transform=None, centre: bool = True, readout: str = "full",
                           ridge: float = 1e-3, calibrate: bool = False,
                           memory_budget: int | None = None) -> tuple[LayerwiseFit, Evaluation]:
    """Run :func:`helpers.algorithm.run_layerwise` with streamed Gaussian-equivalent samples.

    Same seeds, options and results as ``run_layerwise(model, n, seed, method="dense", ...)``
    (up to the order of floating-point sums), but the n x D training samples are never held in
    memory. The test sample (``n_test`` x D) is drawn in memory.

    Parameters
    ----------
    model : HierarchicalModel
        Gaussian-equivalent mode.
    n : int
        First-layer sample size (the readout sample has the same size when split).
    seed : int
        Spawns the first-layer, readout and test streams as in ``run_layerwise``.
    sample : {"split", "reuse"}
    n_test : int
    block_size : int
        Rows per streamed block.
    p, label_transform, centre, readout, ridge, calibrate, memory_budget
        As in :func:`helpers.algorithm.fit_layerwise`.

    Returns
    -------
    (LayerwiseFit, Evaluation)
    """
    n = check_positive_int(n, "n")
    n_test = check_positive_int(n_test, "n_test")
    check_choice(sample, "sample", SAMPLE_MODES)
    first_seed, readout_seed, test_seed = np.random.SeedSequence(check_seed(seed)).spawn(3)
    first = stream_sample(model, n, np.random.default_rng(first_seed), block_size=block_size)
    second = (stream_sample(model, n, np.random.default_rng(readout_seed), block_size=block_size)
              if sample == "split" else first)
    check_memory(8.0 * n * (p or model.n_latent), f"estimated latent features of shape "
                 f"({n}, {p or model.n_latent})", "use a smaller n", memory_budget)

    if second is first:
        scaler = LabelScaler.fit(first.labels)
    else:
        scaler = LabelScaler.fit(np.concatenate([first.labels, second.labels]))
    layer = streamed_first_layer(first, p=p, scaler=scaler, label_transform=label_transform,
                                 centre=centre, memory_budget=memory_budget)
    latents = _estimated_latents(second, layer.directions)
    fitted = fit_readout(latents, scaler.transform(second.labels), readout, ridge=ridge,
                         calibrate=calibrate)
    fit = LayerwiseFit(layer, fitted, scaler, first.n, second.n)
    test = model.sample(n_test, np.random.default_rng(test_seed), memory_budget=memory_budget)
    return fit, evaluate(model, fit, test)
