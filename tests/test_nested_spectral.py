"""Prefix-sum first layers of a nested sweep equal fitting every size from scratch."""

import numpy as np
import pytest

from helpers._validation import InvalidParameterError
from helpers.experiments import NestedSweep
from helpers.model import HierarchicalModel, LabelScaler
from helpers.nested_spectral import NestedSpectralSums
from helpers.spectral import first_layer


def identity(labels):
    """The identity as a callable, which makes NestedSweep take the fit_layerwise path."""
    return labels


@pytest.mark.parametrize("mode", ["gaussian_equivalent", "true"])
def test_prefix_layers_equal_first_layer(mode):
    model = HierarchicalModel(d=10, p=3, gamma=0.7, mode=mode, seed=1)
    sample = model.sample(3000, seed=2)
    sizes = [200, 700, 3000]
    scalers = [LabelScaler.fit(sample.labels[:n] + 0.1 * index) for index, n in enumerate(sizes)]
    layers = NestedSpectralSums(model, sample.inputs, sizes).first_layers(sample.labels, scalers)
    for n, scaler, layer in zip(sizes, scalers, layers):
        expected = first_layer(model, sample.head(n), scaler=scaler, method="dense")
        # Same matrix summed in another order: eigenvalues agree to rounding.
        np.testing.assert_allclose(layer.spectrum, expected.spectrum, atol=1e-11)
        np.testing.assert_allclose(np.abs(layer.directions.T @ expected.directions), np.eye(3), atol=1e-8)
        assert layer.trace == pytest.approx(expected.trace, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize("sample_mode", ["split", "reuse"])
def test_sweep_equals_fit_layerwise_path(sample_mode):
    model = HierarchicalModel(D=60, p=5, gamma=1.0, seed=3)
    sizes = [120, 480, 1920]
    options = dict(sample=sample_mode, n_test=1000, readout="ridge", calibrate=True)
    fast = NestedSweep(model, sizes, seed=4, **options)
    slow = NestedSweep(model, sizes, seed=4, label_transform=identity, **options)
    for gamma in (1.0, 0.4):
        for fast_point, slow_point in zip(fast.results(gamma), slow.results(gamma)):
            assert fast_point.mse == pytest.approx(slow_point.mse, rel=1e-8)
            np.testing.assert_allclose(fast_point.overlaps, slow_point.overlaps, atol=1e-8)
            np.testing.assert_allclose(fast_point.spectrum, slow_point.spectrum, atol=1e-11)
    assert fast._nested_sums() is not None
    assert slow._nested_sums() is None


def test_prefix_sums_check_inputs():
    model = HierarchicalModel(D=20, p=2, seed=0)
    sample = model.sample(100, seed=1)
    with pytest.raises(InvalidParameterError, match="give increasing sizes of at most 100"):
        NestedSpectralSums(model, sample.inputs, [50, 200])
    sums = NestedSpectralSums(model, sample.inputs, [50, 100])
    with pytest.raises(InvalidParameterError, match="one scaler per size"):
        sums.first_layers(sample.labels, [LabelScaler.fit(sample.labels)])
