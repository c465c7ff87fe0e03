"""The layer-wise spectral algorithm end to end: fit on training data, evaluate on test data.

Sample-size convention: ``n`` is the size of the first-layer sample, the one that forms the
spectral matrix, so that sigma^2 = D / n in :mod:`helpers.theory`. With
``sample="split"`` the readout is fitted on a second, independent sample of the same size,
so the training set holds 2n points split in two halves. With ``sample="reuse"`` the
readout reuses the first-layer sample (a training set of n points), which lets the p - m
unrecovered bulk-edge directions overfit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import InvalidParameterError, check_choice, check_positive_int
from .metrics import count_recovered, matched_overlaps, mean_squared_error, subspace_overlap
from .model import HierarchicalModel, LabelScaler, Sample
from .readout import Readout, estimate_latents, fit_readout, predict_readout
from .spectral import FirstLayer, first_layer

__all__ = ["SAMPLE_MODES", "LayerwiseFit", "Evaluation", "fit_layerwise", "predict",
           "evaluate", "run_layerwise"]

SAMPLE_MODES = ("split", "reuse")


@dataclass(frozen=True)
class LayerwiseFit:
    """A fitted two-layer predictor.

    Attributes
    ----------
    first_layer : FirstLayer
        Estimated directions and eigenvalues.
    readout : Readout
        Quadratic readout on the estimated latent features.
    scaler : LabelScaler
        Standardisation of the training labels, also applied to test labels.
    n, n_readout : int
        Sizes of the first-layer and readout samples.
    """

    first_layer: FirstLayer
    readout: Readout
    scaler: LabelScaler
    n: int
    n_readout: int


@dataclass(frozen=True)
class Evaluation:
    """Test performance of a :class:`LayerwiseFit`.

    Attributes
    ----------
    mse : float
        Test mean squared error on standardised labels.
    overlaps : ndarray, shape (p,)
        Squared overlap of each true direction with its matched estimate, strongest first.
    subspace_overlap : float
        |A^T A_hat|_F^2 / p.
    n_recovered : int
        Number of directions with squared overlap above 1/2.
    """

    mse: float
    overlaps: np.ndarray
    subspace_overlap: float
    n_recovered: int


def fit_layerwise(model: HierarchicalModel, first_sample: Sample, readout_sample: Sample | None = None,
                  *, p: int | None = None, label_transform=None, centre: bool = True,
                  method: str = "auto", readout: str = "full", ridge: float = 1e-3,
                  calibrate: bool = False, seed=0, memory_budget: int | None = None) -> LayerwiseFit:
    """Fit both layers.

    Parameters
    ----------
    model : HierarchicalModel
        The teacher; only its dimensions and mode are used, never its directions.
    first_sample : Sample
        Sample for the spectral matrix.
    readout_sample : Sample, optional
        Independent sample for the readout; ``None`` reuses ``first_sample``.
    p : int, optional
        Number of directions to estimate; defaults to ``model.n_latent``.
    label_transform : None, str or callable
        Bounded transform applied to labels in the first layer only.
    centre : bool
        Trace-centre the spectral matrix.
    method : {"auto", "dense", "matrix_free"}
        First-layer eigensolver path.
    readout : {"full", "diagonal", "ridge"}
    ridge : float
        Penalty of the ridge readout.
    calibrate : bool
        Affine calibration of the readout on its training sample.
    seed : int or Generator
        Starting vector of the iterative eigensolver.
    memory_budget : int, optional
        Limit in bytes for large allocations.

    Returns
    -------
    LayerwiseFit
    """
    model.check_sample(first_sample, "first_sample")
    second = first_sample if readout_sample is None else model.check_sample(readout_sample, "readout_sample")
    if readout_sample is None or readout_sample is first_sample:
        training_labels = first_sample.labels
    else:
        training_labels = np.concatenate([first_sample.labels, readout_sample.labels])
    scaler = LabelScaler.fit(training_labels)

    layer = first_layer(model, first_sample, p=p, scaler=scaler, label_transform=label_transform,
                        centre=centre, method=method, seed=seed, memory_budget=memory_budget)
    latents = estimate_latents(model, layer.directions, second.inputs)
    fitted = fit_readout(latents, scaler.transform(second.labels), readout, ridge=ridge,
                         calibrate=calibrate)
    return LayerwiseFit(layer, fitted, scaler, first_sample.n, second.n)


def predict(model: HierarchicalModel, fit: LayerwiseFit, inputs) -> np.ndarray:
    """Predict standardised labels for ``inputs`` of shape (n, d) or (n, D); returns (n,)."""
    latents = estimate_latents(model, fit.first_layer.directions, inputs)
    return predict_readout(fit.readout, latents)


def evaluate(model: HierarchicalModel, fit: LayerwiseFit, test_sample: Sample) -> Evaluation:
    """Measure test MSE (against standardised noisy test labels) and direction overlaps."""
    model.check_sample(test_sample, "test_sample")
    predictions = predict(model, fit, test_sample.inputs)
    mse = mean_squared_error(predictions, fit.scaler.transform(test_sample.labels))
    directions = fit.first_layer.directions
    return Evaluation(
        mse=mse,
        overlaps=matched_overlaps(model.directions, directions),
        subspace_overlap=subspace_overlap(model.directions, directions),
        n_recovered=count_recovered(model.directions, directions),
    )


def run_layerwise(model: HierarchicalModel, n: int, seed, *, sample: str = "split",
                  n_test: int = 4000, **options) -> tuple[LayerwiseFit, Evaluation]:
    """Draw training and test data, fit, and evaluate, all from one seed.

    Parameters
    ----------
    model : HierarchicalModel
    n : int
        First-layer sample size (the readout sample has the same size when split).
    seed : int
        Seeds the three independent streams: first-layer, readout and test samples.
    sample : {"split", "reuse"}
    n_test : int
        Test-set size.
    **options
        Passed to :func:`fit_layerwise`.

    Returns
    -------
    (LayerwiseFit, Evaluation)
    """
    n = check_positive_int(n, "n")
    n_test = check_positive_int(n_test, "n_test")
    check_choice(sample, "sample", SAMPLE_MODES)
    if isinstance(seed, np.random.Generator):
        raise InvalidParameterError(
            "run_layerwise needs an integer seed (it spawns three independent streams from it)."
        )
    first_seed, readout_seed, test_seed = np.random.SeedSequence(check_seed(seed)).spawn(3)
    budget = options.get("memory_budget")
    first = model.sample(n, np.random.default_rng(first_seed), memory_budget=budget)
    second = model.sample(n, np.random.default_rng(readout_seed), memory_budget=budget) \
        if sample == "split" else None
    test = model.sample(n_test, np.random.default_rng(test_seed), memory_budget=budget)
    fit = fit_layerwise(model, first, second, **options)
    return fit, evaluate(model, fit, test)


def check_seed(seed) -> int:
    """Return ``seed`` as a non-negative int, or raise."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InvalidParameterError(f"seed={seed!r} is invalid: pass a non-negative integer.")
    return int(seed)
