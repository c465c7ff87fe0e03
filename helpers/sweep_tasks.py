"""Tasks for :func:`helpers.sweeps.run_sweep`: one simulation per grid point, fully seeded.

Every task builds its teacher with ``HierarchicalModel(..., seed=seed)`` and draws its
data from ``numpy.random.SeedSequence(seed).spawn(3)`` (first-layer, readout and test
streams), the convention of :func:`helpers.algorithm.run_layerwise`. So
``layerwise_point(n=..., seed=s, ...)`` reproduces ``run_layerwise(model, n, s)``
exactly, and all methods of :func:`baseline_point` see the same training and test data.
Tasks return dicts of numbers and arrays, the format the sweep runner stacks.
"""

from __future__ import annotations

import numpy as np

from ._validation import InvalidParameterError, check_choice, check_positive_int
from .algorithm import evaluate, fit_layerwise, run_layerwise
from .baselines import DEFAULT_RIDGES, fit_kernel_ridge, fit_quadratic_ridge, fit_random_features
from .metrics import RECOVERY_THRESHOLD, matched_overlaps, subspace_overlap
from .model import HierarchicalModel, LabelScaler
from .spectral import first_layer

__all__ = ["BASELINE_METHODS", "build_model", "layerwise_point", "recovery_path", "baseline_point"]

#: Methods compared by :func:`baseline_point`. ``"polynomial2"`` and ``"polynomial4"`` are
#: kernel ridge with the polynomial kernel of that degree; ``"quadratic_features"`` is ridge
#: regression on the explicit features of degree 1 and 2, which reaches larger n.
BASELINE_METHODS = ("layerwise", "rbf", "polynomial2", "polynomial4", "random_features",
                    "quadratic_features")


def build_model(*, p: int, gamma: float, seed: int, D: int | None = None, d: int | None = None,
                mode: str = "gaussian_equivalent") -> HierarchicalModel:
    """Return the teacher of a sweep point (its frame and signs drawn from ``seed``)."""
    return HierarchicalModel(d=d, D=D if d is None else None, p=p, gamma=gamma, mode=mode, seed=seed)


def _streams(seed: int) -> list[np.random.Generator]:
    """Return the first-layer, readout and test generators of ``run_layerwise``."""
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(3)]


def layerwise_point(*, n: int, seed: int, p: int, gamma: float, D: int | None = None,
                    d: int | None = None, mode: str = "gaussian_equivalent", readout: str = "full",
                    sample: str = "split", n_test: int = 4000, label_transform: str | None = None) -> dict:
    """Run the layer-wise algorithm once and return its test error and overlaps.

    Parameters
    ----------
    n : int
        First-layer sample size (the split readout sample has the same size).
    seed : int
        Seeds the teacher and the three data streams.
    p, gamma, D, d, mode
        Model parameters (see :class:`helpers.model.HierarchicalModel`).
    readout, sample, n_test, label_transform
        Passed to :func:`helpers.algorithm.run_layerwise`.

    Returns
    -------
    dict
        ``mse`` (float), ``n_recovered`` (int), ``subspace_overlap`` (float),
        ``overlaps`` (p,) and ``eigenvalues`` (p,).
    """
    model = build_model(p=p, gamma=gamma, seed=seed, D=D, d=d, mode=mode)
    fit, evaluation = run_layerwise(model, n, seed, sample=sample, n_test=n_test, readout=readout,
                                    label_transform=label_transform)
    return {"mse": evaluation.mse, "n_recovered": evaluation.n_recovered,
            "subspace_overlap": evaluation.subspace_overlap, "overlaps": evaluation.overlaps,
            "eigenvalues": fit.first_layer.eigenvalues}


def recovery_path(*, seed: int, p: int, gamma: float, ratios, D: int | None = None,
                  d: int | None = None, mode: str = "gaussian_equivalent",
                  keep_spectra: bool = False, label_transform: str | None = None) -> dict:
    """Estimate the first layer on nested samples of sizes n = round(ratio * D).

    The first n points of one sample are used for every n (nested subsets), so the curves
    against n move smoothly. Only the first layer is fitted, with labels standardised on
    the points used.

    Returns
    -------
    dict
        ``n`` (len(ratios),), ``overlaps`` and ``eigenvalues`` (len(ratios), p),
        ``n_recovered`` and ``subspace_overlap`` (len(ratios),) and, with
        ``keep_spectra``, ``spectra`` (len(ratios), D): all eigenvalues of the centred
        spectral matrix.
    """
    model = build_model(p=p, gamma=gamma, seed=seed, D=D, d=d, mode=mode)
    sizes = [check_positive_int(int(round(ratio * model.feature_dim)), "n") for ratio in ratios]
    if any(b <= a for a, b in zip(sizes, sizes[1:])):
        raise InvalidParameterError(f"ratios={ratios} give sample sizes {sizes}: they must increase.")
    sample = model.sample(sizes[-1], _streams(seed)[0])

    overlaps, subspace, eigenvalues, spectra = [], [], [], []
    for n in sizes:
        layer = first_layer(model, sample.head(n), method="dense", label_transform=label_transform)
        overlaps.append(matched_overlaps(model.directions, layer.directions))
        subspace.append(subspace_overlap(model.directions, layer.directions))
        eigenvalues.append(layer.eigenvalues)
        spectra.append(layer.spectrum)
    overlaps = np.array(overlaps)
    result = {"n": np.array(sizes), "overlaps": overlaps, "eigenvalues": np.array(eigenvalues),
              "n_recovered": np.sum(overlaps > RECOVERY_THRESHOLD, axis=1),
              "subspace_overlap": np.array(subspace)}
    if keep_spectra:
        result["spectra"] = np.array(spectra)
    return result


def baseline_point(*, method: str, n_train: int, seed: int, p: int, gamma: float,
                   D: int | None = None, d: int | None = None, mode: str = "gaussian_equivalent",
                   n_test: int = 2000, label_transform: str | None = None, readout: str = "full",
                   n_features: int = 1000, ridges=DEFAULT_RIDGES) -> dict:
    """Train one method on ``n_train`` samples and return its test MSE on standardised labels.

    The training set is the first-layer and readout samples of
    :func:`helpers.algorithm.run_layerwise` with n = n_train / 2 each: the layer-wise
    method uses one half per layer, and the shallow methods get both halves together, so
    every method sees the same ``n_train`` points and the same test set.

    Parameters
    ----------
    method : str
        One of :data:`BASELINE_METHODS`.
    n_train : int
        Total number of training samples, even.
    seed : int
        Seeds the teacher, the data and the random features.
    p, gamma, D, d, mode
        Model parameters.
    n_test : int
        Test-set size.
    label_transform, readout
        Options of the layer-wise method (first-layer label transform, readout kind).
    n_features : int
        Width of the random-feature model.
    ridges : sequence of float
        Candidate ridge penalties of the shallow methods, chosen on held-out data.

    Returns
    -------
    dict
        ``mse`` (float).
    """
    check_choice(method, "method", BASELINE_METHODS)
    n_train = check_positive_int(n_train, "n_train")
    if n_train % 2:
        raise InvalidParameterError(f"n_train={n_train} is invalid: it must be even (two halves).")
    model = build_model(p=p, gamma=gamma, seed=seed, D=D, d=d, mode=mode)
    first_stream, readout_stream, test_stream = _streams(seed)
    first = model.sample(n_train // 2, first_stream)
    second = model.sample(n_train // 2, readout_stream)
    test = model.sample(n_test, test_stream)

    if method == "layerwise":
        fit = fit_layerwise(model, first, second, label_transform=label_transform, readout=readout)
        return {"mse": evaluate(model, fit, test).mse}

    inputs = np.concatenate([first.inputs, second.inputs])
    labels = np.concatenate([first.labels, second.labels])
    scaler = LabelScaler.fit(labels)
    targets = scaler.transform(labels)
    if method == "random_features":
        fitted = fit_random_features(inputs, targets, n_features, np.random.SeedSequence([seed, 1]),
                                     ridges=ridges)
    elif method == "quadratic_features":
        fitted = fit_quadratic_ridge(inputs, targets, ridges=ridges)
    elif method == "rbf":
        fitted = fit_kernel_ridge(inputs, targets, "rbf", ridges=ridges)
    else:
        fitted = fit_kernel_ridge(inputs, targets, "polynomial", degree=int(method[-1]), ridges=ridges)
    residual = fitted.predict(test.inputs) - scaler.transform(test.labels)
    return {"mse": float(np.mean(residual**2))}
