"""Bad input raises an InvalidParameterError that names the value and the fix."""

import numpy as np
import pytest

import helpers
from helpers import (
    HierarchicalModel,
    InvalidParameterError,
    MemoryBudgetError,
    first_layer,
    fit_readout,
    run_layerwise,
    transform_labels,
)

MODEL_CASES = [
    (dict(D=0, p=4), "D=0 is invalid"),
    (dict(D=-5, p=4), "D=-5 is invalid"),
    (dict(D=100, p=2.5), "p=2.5 is invalid"),
    (dict(D=100, p=0), "p=0 is invalid"),
    (dict(d=10.5, p=3, mode="true"), "d=10.5 is invalid"),
    (dict(D=100, p=101), "p=101 is invalid: it exceeds the feature dimension D=100"),
    (dict(D=100, p=4, mode="teacher"), "mode='teacher' is unknown"),
    (dict(d=10, p=4, mode="true", q=4), "q=4 is unsupported"),
    (dict(d=10, p=4, mode="true", q=1), "q=1 is unsupported"),
    (dict(D=100, p=4, gamma=-1.0), "gamma=-1.0 is invalid"),
    (dict(D=100, p=4, gamma=float("nan")), "gamma=nan is invalid"),
    (dict(D=100, p=4, signs="negative"), "signs='negative' is unknown"),
    (dict(p=4, mode="true"), "d is missing"),
    (dict(D=100), "give exactly one of p"),
    (dict(d=10, D=50, p=3), "D=50 contradicts d=10"),
    (dict(D=100, p=4, seed=-1), "seed=-1 is invalid"),
]


@pytest.mark.parametrize("kwargs, message", MODEL_CASES, ids=[case[1][:30] for case in MODEL_CASES])
def test_model_rejects_bad_parameters(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message.replace("(", r"\(")):
        HierarchicalModel(**kwargs)


def test_errors_are_value_errors():
    assert issubclass(InvalidParameterError, ValueError)
    assert issubclass(MemoryBudgetError, InvalidParameterError)


@pytest.mark.parametrize("n", [0, -3, 2.5, "100", True])
def test_sample_size_rejected(n):
    model = HierarchicalModel(D=20, p=2)
    with pytest.raises(InvalidParameterError, match="n=.* is invalid"):
        model.sample(n, seed=0)


def test_unknown_readout_and_method_and_sample_mode():
    model = HierarchicalModel(D=20, p=2)
    with pytest.raises(InvalidParameterError, match="readout='moments' is unknown"):
        run_layerwise(model, 200, seed=0, readout="moments")
    with pytest.raises(InvalidParameterError, match="method='lanczos' is unknown"):
        run_layerwise(model, 200, seed=0, method="lanczos")
    with pytest.raises(InvalidParameterError, match="sample='half' is unknown"):
        run_layerwise(model, 200, seed=0, sample="half")
    with pytest.raises(InvalidParameterError, match="readout='x' is unknown"):
        fit_readout(np.zeros((5, 2)), np.zeros(5), "x")


def test_unknown_label_transform():
    with pytest.raises(InvalidParameterError, match="label_transform='log' is unknown"):
        transform_labels(np.ones(3), "log")
    with pytest.raises(InvalidParameterError, match="returned shape"):
        transform_labels(np.ones(3), lambda y: y[:2])


def test_memory_budget_on_sampling():
    model = HierarchicalModel(d=100, p=10, mode="true")
    with pytest.raises(MemoryBudgetError, match=r"inputs of shape \(10000000, 100\).*smaller n"):
        model.sample(10_000_000, seed=0)


def test_memory_budget_on_dense_matrix():
    model = HierarchicalModel(D=3000, p=3)
    sample = model.sample(10, seed=0)
    with pytest.raises(MemoryBudgetError, match="dense spectral matrix with D=3000.*matrix_free"):
        first_layer(model, sample, method="dense", memory_budget=10 * 2**20)


def test_global_memory_budget_setter():
    previous = helpers.set_memory_budget(2**20)
    try:
        with pytest.raises(MemoryBudgetError, match="memory budget of 0.00 GiB"):
            HierarchicalModel(D=1000, p=3).sample(1000, seed=0)
    finally:
        helpers.set_memory_budget(previous)
    assert helpers.get_memory_budget() == previous
    with pytest.raises(InvalidParameterError, match="budget_bytes=0 is invalid"):
        helpers.set_memory_budget(0)


def test_seed_none_rejected():
    with pytest.raises(InvalidParameterError, match="seed=None is invalid"):
        HierarchicalModel(D=20, p=2).sample(10, seed=None)


def test_matrix_free_rejects_q3_true_model():
    model = HierarchicalModel(d=6, p=2, q=3, mode="true")
    sample = model.sample(200, seed=0)
    with pytest.raises(InvalidParameterError, match="supports q=2"):
        first_layer(model, sample, method="matrix_free")


def test_p_too_large_for_first_layer():
    model = HierarchicalModel(D=20, p=2)
    sample = model.sample(100, seed=0)
    with pytest.raises(InvalidParameterError, match="p=20 is invalid"):
        first_layer(model, sample, p=20)


def test_label_transforms_are_bounded():
    labels = np.array([-100.0, -1.0, 0.0, 2.0, 1e6])
    assert np.all(np.abs(transform_labels(labels, "soft")) < 1)
    assert np.all(np.abs(transform_labels(labels, "tanh")) <= 1)
    assert np.max(np.abs(transform_labels(labels, "clip"))) == 3.0
    np.testing.assert_array_equal(transform_labels(labels, None), labels)


@pytest.mark.parametrize("call, message", [
    (lambda: helpers.theory.noise_level(10, float("nan")), "n=nan is invalid"),
    (lambda: helpers.theory.learned_count(-5, 10, 5, 1.0), "n=-5 is invalid"),
    (lambda: helpers.theory.mse_prediction("100", 10, 5, 1.0), "n='100' is invalid"),
    (lambda: helpers.theory.mse_prediction(100, 10, 5, 1.0, n_readout=0), "n_readout=0 is invalid"),
    (lambda: helpers.theory.outlier_positions(1.0, -1.0), "sigma=.* is invalid"),
    (lambda: helpers.theory.predicted_overlaps(float("nan"), 1.0), "theta contains NaN"),
], ids=["nan n", "negative n", "string n", "zero n_readout", "negative sigma", "nan theta"])
def test_theory_rejects_bad_sizes(call, message):
    with pytest.raises(InvalidParameterError, match=message):
        call()


def test_eps_overflowing_p_rejected():
    with pytest.raises(InvalidParameterError, match="eps=1000.0 is invalid"):
        HierarchicalModel(d=10, eps=1000.0)


def test_infinite_label_spread_rejected():
    with pytest.raises(InvalidParameterError, match="standard deviation inf"):
        helpers.LabelScaler.fit([1e200, -1e200, 3e200])


def test_teacher_frame_respects_budget():
    with pytest.raises(MemoryBudgetError, match="teacher frame of shape"):
        HierarchicalModel(D=10**8, p=100).directions


@pytest.mark.parametrize("budget", [float("nan"), -1, True, "big"])
def test_invalid_memory_budget_rejected(budget):
    with pytest.raises(InvalidParameterError, match="memory_budget=.* is invalid"):
        HierarchicalModel(D=30, p=3).sample(10, 0, memory_budget=budget)


def test_slider_values_outside_range_rejected():
    from helpers.widgets.base import exponent_slider, log_sample_slider

    with pytest.raises(InvalidParameterError, match="gamma=5 is invalid"):
        exponent_slider(5, 0.0, 1.5)
    with pytest.raises(InvalidParameterError, match="value=800.7 is invalid"):
        log_sample_slider([400, 800], 800.7)


def test_samples_from_another_model_rejected():
    model = HierarchicalModel(D=30, p=3)
    wider = HierarchicalModel(D=40, p=3)
    sample = model.sample(200, seed=0)
    with pytest.raises(InvalidParameterError, match=r"readout_sample has inputs of shape \(200, 40\)"):
        helpers.fit_layerwise(model, sample, wider.sample(200, seed=1))
    fit = helpers.fit_layerwise(model, sample)
    with pytest.raises(InvalidParameterError, match=r"expected \(n, 30\)"):
        helpers.predict(model, fit, np.zeros((3, 29)))
    with pytest.raises(InvalidParameterError, match="test_sample has inputs"):
        helpers.evaluate(model, fit, wider.sample(50, seed=2))
