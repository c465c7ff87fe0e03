"""Nested-sample experiments: one draw of data, fits at increasing sample sizes and several gamma.

The first n points of one large sample are reused for every n, so curves against n are
smooth and a slider that returns to an earlier value shows the same picture. The inputs
and latent features do not depend on gamma, so only the labels are recomputed when gamma
changes.

When the first layer is dense and the label transform is the identity, the spectral
matrices of all sizes come from prefix sums (:class:`helpers.nested_spectral.NestedSpectralSums`).
The label-independent part is summed once, and each gamma costs one pass over the largest
sample instead of one pass per size. The results equal those of
:func:`helpers.algorithm.fit_layerwise` up to the order of floating-point sums.
"""

from __future__ import annotations

import inspect
from collections import OrderedDict
from dataclasses import dataclass, replace

import numpy as np

from ._validation import (InvalidParameterError, MemoryBudgetError, check_choice, check_positive_int,
                          check_real)
from .algorithm import SAMPLE_MODES, LayerwiseFit, check_seed, evaluate, fit_layerwise
from .model import HierarchicalModel, LabelScaler, Sample
from .nested_spectral import NestedSpectralSums
from .random_matrices import serial_blas
from .readout import estimate_latents, fit_readout
from .spectral import resolve_method

__all__ = ["SweepPoint", "NestedSweep"]

# Defaults of fit_layerwise, so that the prefix-sum path uses the same options.
_FIT_DEFAULTS = {name: parameter.default
                 for name, parameter in inspect.signature(fit_layerwise).parameters.items()
                 if parameter.default is not inspect.Parameter.empty}
# Options the prefix-sum path reproduces; any other option falls back to fit_layerwise.
_PREFIX_OPTIONS = {"p", "label_transform", "centre", "method", "readout", "ridge", "calibrate",
                   "seed", "memory_budget"}
# Largest memory in bytes for the stored prefix sums before falling back to fit_layerwise.
_PREFIX_MEMORY = 256 * 2**20


@dataclass(frozen=True)
class SweepPoint:
    """Result of one fit inside a :class:`NestedSweep`.

    Attributes
    ----------
    n : int
        First-layer sample size.
    mse : float
        Test MSE on standardised labels.
    overlaps : ndarray, shape (p,)
        Matched squared overlap of each true direction, strongest first.
    n_recovered : int
        Directions with squared overlap above 1/2.
    eigenvalues : ndarray, shape (p,)
        Selected eigenvalues of the centred spectral matrix.
    spectrum : ndarray, shape (D,) or None
        Full spectrum (dense path only).
    """

    n: int
    mse: float
    overlaps: np.ndarray
    n_recovered: int
    eigenvalues: np.ndarray
    spectrum: np.ndarray | None


class NestedSweep:
    """Fits at nested sample sizes, cached per gamma.

    Parameters
    ----------
    model : HierarchicalModel
        Teacher; its ``gamma`` is the default and other values reuse its directions.
    sizes : sequence of int
        First-layer sample sizes, increasing.
    seed : int
        Seeds the first-layer, readout and test samples.
    n_test : int
        Test-set size.
    sample : {"split", "reuse"}
        Independent readout sample, or reuse of the first-layer sample.
    cache_size : int
        Number of gamma values whose results are kept.
    **fit_options
        Passed to :func:`helpers.algorithm.fit_layerwise`.
    """

    def __init__(self, model: HierarchicalModel, sizes, seed: int = 0, *, n_test: int = 4000,
                 sample: str = "split", cache_size: int = 16, **fit_options):
        sizes = [check_positive_int(size, "sizes") for size in sizes]
        if not sizes or any(b <= a for a, b in zip(sizes, sizes[1:])):
            raise InvalidParameterError(f"sizes={sizes} is invalid: give increasing sample sizes.")
        check_choice(sample, "sample", SAMPLE_MODES)
        self.model = model
        self.sizes = sizes
        self.sample = sample
        self.fit_options = fit_options
        self.cache_size = check_positive_int(cache_size, "cache_size")
        self._cache: OrderedDict[float, list[SweepPoint]] = OrderedDict()
        self._prefix_sums: NestedSpectralSums | None = None

        first_seed, readout_seed, test_seed = np.random.SeedSequence(check_seed(seed)).spawn(3)
        largest = sizes[-1]
        self._first = model.sample(largest, np.random.default_rng(first_seed))
        self._readout = (model.sample(largest, np.random.default_rng(readout_seed))
                         if sample == "split" else None)
        self._test = model.sample(check_positive_int(n_test, "n_test"), np.random.default_rng(test_seed))

    def model_at(self, gamma: float) -> HierarchicalModel:
        """Return the teacher with exponent ``gamma`` and the same directions."""
        return replace(self.model, gamma=check_real(gamma, "gamma", minimum=0.0))

    def results(self, gamma: float | None = None) -> list[SweepPoint]:
        """Return one :class:`SweepPoint` per sample size for ``gamma`` (default: the model's)."""
        gamma = float(self.model.gamma if gamma is None else gamma)
        key = round(gamma, 10)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        model = self.model_at(gamma)
        first = model.relabel(self._first)
        readout = model.relabel(self._readout, seed=1) if self._readout is not None else None
        test = model.relabel(self._test, seed=2)
        points = []
        # The matrices are small (D x D with D of a few hundred), where a second BLAS thread
        # gains little and makes a slider move several times slower when other jobs load the cores.
        with serial_blas():
            for n, fit in zip(self.sizes, self._fits(model, first, readout)):
                evaluation = evaluate(model, fit, test)
                points.append(SweepPoint(n, evaluation.mse, evaluation.overlaps, evaluation.n_recovered,
                                         fit.first_layer.eigenvalues, fit.first_layer.spectrum))
        self._cache[key] = points
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return points

    def _fits(self, model: HierarchicalModel, first: Sample, readout: Sample | None):
        """Yield the fit at each size, from prefix sums when the options allow it."""
        sums = self._nested_sums()
        if sums is None:
            for n in self.sizes:
                yield fit_layerwise(model, first.head(n), readout.head(n) if readout is not None else None,
                                    **self.fit_options)
            return

        options = {**_FIT_DEFAULTS, **self.fit_options}
        second = first if readout is None else readout
        # The same scaler as fit_layerwise: fitted on every training label at that size.
        scalers = [LabelScaler.fit(first.labels[:n] if readout is None
                                   else np.concatenate([first.labels[:n], readout.labels[:n]]))
                   for n in self.sizes]
        layers = sums.first_layers(first.labels, scalers, p=options["p"], centre=options["centre"])
        for n, scaler, layer in zip(self.sizes, scalers, layers):
            latents = estimate_latents(model, layer.directions, second.inputs[:n])
            fitted = fit_readout(latents, scaler.transform(second.labels[:n]), options["readout"],
                                 ridge=options["ridge"], calibrate=options["calibrate"])
            yield LayerwiseFit(layer, fitted, scaler, n, n)

    def _nested_sums(self) -> NestedSpectralSums | None:
        """Return the prefix sums of the first-layer sample, or None where they do not apply."""
        if self._prefix_sums is not None:
            return self._prefix_sums
        options = {**_FIT_DEFAULTS, **self.fit_options}
        applies = (set(self.fit_options) <= _PREFIX_OPTIONS
                   and options["label_transform"] in (None, "identity")
                   and resolve_method(self.model, options["method"]) == "dense")
        if not applies:
            return None
        try:
            self._prefix_sums = NestedSpectralSums(self.model, self._first.inputs, self.sizes,
                                                   memory_budget=_PREFIX_MEMORY)
        except MemoryBudgetError:
            return None
        return self._prefix_sums

    def point(self, n: int, gamma: float | None = None) -> SweepPoint:
        """Return the result at sample size ``n`` (one of ``sizes``)."""
        if n not in self.sizes:
            raise InvalidParameterError(f"n={n} is not one of the sweep sizes {self.sizes}.")
        return self.results(gamma)[self.sizes.index(n)]

    def curves(self, gamma: float | None = None) -> dict[str, np.ndarray]:
        """Return arrays over sizes: ``"n"``, ``"mse"``, ``"overlaps"`` (len(sizes), p), ``"n_recovered"``."""
        points = self.results(gamma)
        return {
            "n": np.array([point.n for point in points], dtype=float),
            "mse": np.array([point.mse for point in points]),
            "overlaps": np.stack([point.overlaps for point in points]),
            "n_recovered": np.array([point.n_recovered for point in points]),
        }
