"""Sweep runner: grid order, executors, BLAS limits, caching and the seeded tasks."""

from __future__ import annotations

import concurrent.futures

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from helpers import HierarchicalModel, run_layerwise
from helpers._validation import InvalidParameterError
from helpers.cache import ResultCache
from helpers.sweep_tasks import baseline_point, layerwise_point, recovery_path
from helpers.sweeps import SweepGrid, SweepResult, run_sweep, run_sweep_cached

SMALL = SweepGrid({"seed": [0, 1], "n": [120, 240]},
                  {"D": 30, "p": 3, "gamma": 1.0, "n_test": 500})


def single_thread():
    return concurrent.futures.ThreadPoolExecutor(max_workers=1)


def echo(**point):
    return {"value": point["a"] * 10 + point["b"], "vector": np.full(3, point["a"])}


def blas_threads(**point):
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return {"threads": max(counts) if counts else 1}


def test_grid_points_in_c_order():
    grid = SweepGrid({"a": [1, 2], "b": [3, 4, 5]}, {"c": "x"})
    assert grid.shape == (2, 3)
    assert grid.size == 6
    assert grid.points()[:2] == [{"a": 1, "b": 3, "c": "x"}, {"a": 1, "b": 4, "c": "x"}]


def test_grid_rejects_bad_axes():
    with pytest.raises(InvalidParameterError, match="empty"):
        SweepGrid({"a": []})
    with pytest.raises(InvalidParameterError, match="both"):
        SweepGrid({"a": [1]}, {"a": 2})
    with pytest.raises(InvalidParameterError, match="repeats"):
        SweepGrid({"a": [1, 1]})
    with pytest.raises(InvalidParameterError, match="not on the grid"):
        SweepGrid({"a": [1, 2]}).select(a=3)


def test_results_stacked_in_grid_order():
    grid = SweepGrid({"a": [1, 2], "b": [3, 4, 5]})
    with single_thread() as executor:
        result = run_sweep(echo, grid, executor=executor)
    assert result["value"].shape == (2, 3)
    assert result["vector"].shape == (2, 3, 3)
    np.testing.assert_array_equal(result["value"], [[13, 14, 15], [23, 24, 25]])
    selected = result.select(a=2, b=[3, 5])
    np.testing.assert_array_equal(selected["value"], [[23, 25]])
    np.testing.assert_array_equal(selected["vector"], np.full((1, 2, 3), 2))


def test_passed_executor_left_open():
    executor = single_thread()
    run_sweep(echo, SweepGrid({"a": [1], "b": [2]}), executor=executor)
    assert executor.submit(sum, [1, 2]).result() == 3
    executor.shutdown()


def test_blas_limited_inside_task():
    grid = SweepGrid({"a": [0]})
    with single_thread() as executor:
        limited = run_sweep(blas_threads, grid, executor=executor, blas_threads=1)
    assert int(limited["threads"][0]) == 1


def test_inconsistent_outputs_rejected():
    def ragged(**point):
        return {"value": np.zeros(point["a"])}

    with single_thread() as executor, pytest.raises(InvalidParameterError, match="shapes"):
        run_sweep(ragged, SweepGrid({"a": [1, 2]}), executor=executor)


def test_default_and_single_worker_agree():
    # The default executor is a 2-process pool (spawn); each task draws from its own seed,
    # so the numbers must agree bit for bit with a one-thread run of the same grid.
    parallel = run_sweep(layerwise_point, SMALL, max_workers=2)
    with single_thread() as executor:
        serial = run_sweep(layerwise_point, SMALL, executor=executor)
    assert sorted(parallel.arrays) == ["eigenvalues", "mse", "n_recovered", "overlaps", "subspace_overlap"]
    for name in parallel.arrays:
        np.testing.assert_array_equal(parallel[name], serial[name], err_msg=name)


def test_task_reproduces_run_layerwise():
    point = layerwise_point(n=240, seed=1, D=30, p=3, gamma=1.0, n_test=500)
    _, evaluation = run_layerwise(HierarchicalModel(D=30, p=3, gamma=1.0, seed=1), 240, 1, n_test=500)
    assert point["mse"] == evaluation.mse
    np.testing.assert_array_equal(point["overlaps"], evaluation.overlaps)


def test_recovery_path_shapes():
    path = recovery_path(seed=0, D=30, p=3, gamma=1.0, ratios=[1.0, 4.0, 16.0], keep_spectra=True)
    np.testing.assert_array_equal(path["n"], [30, 120, 480])
    assert path["overlaps"].shape == (3, 3)
    assert path["spectra"].shape == (3, 30)
    assert path["overlaps"][-1, 0] > path["overlaps"][0, 0]
    with pytest.raises(InvalidParameterError, match="increase"):
        recovery_path(seed=0, D=30, p=3, gamma=1.0, ratios=[4.0, 1.0])


def test_baseline_methods_share_data():
    common = dict(n_train=200, seed=0, D=20, p=2, gamma=1.0, n_test=300, ridges=[1e-2])
    first = baseline_point(method="rbf", **common)
    assert first == baseline_point(method="rbf", **common)
    assert 0.0 < first["mse"] < 3.0
    with pytest.raises(InvalidParameterError, match="even"):
        baseline_point(method="rbf", **{**common, "n_train": 201})
    with pytest.raises(InvalidParameterError, match="unknown"):
        baseline_point(method="svm", **common)


def test_cached_sweep_computed_once(tmp_path):
    calls = []

    def counting_executor():
        class Counting(concurrent.futures.ThreadPoolExecutor):
            def submit(self, *args, **kwargs):
                calls.append(1)
                return super().submit(*args, **kwargs)
        return Counting(max_workers=1)

    grid = SweepGrid({"a": [1, 2], "b": [3]})
    results = ResultCache(tmp_path)
    with counting_executor() as executor:
        first = run_sweep_cached(echo, grid, cache=results, executor=executor)
        second = run_sweep_cached(echo, grid, cache=results, executor=executor)
    assert len(calls) == 2  # two points, computed once
    np.testing.assert_array_equal(first["value"], second["value"])


def test_saved_sweep_checked_against_grid(tmp_path):
    grid = SweepGrid({"a": [1, 2], "b": [3]})
    with single_thread() as executor:
        result = run_sweep(echo, grid, executor=executor)
    path = result.save(tmp_path / "echo.npz")
    loaded = SweepResult.load(path, task=echo, grid=grid)
    np.testing.assert_array_equal(loaded["value"], result["value"])
    from helpers.cache import StaleResultError
    with pytest.raises(StaleResultError, match="axes"):
        SweepResult.load(path, task=echo, grid=SweepGrid({"a": [1, 2], "b": [4]}))


def _failing_task(x, y):
    if x == 2:
        raise ValueError("bad x")
    return {"value": float(x + y)}


def test_failing_task_names_grid_point():
    import sys

    grid = SweepGrid({"x": [1, 2, 3]}, {"y": 0})
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as executor:
        with pytest.raises(ValueError, match="bad x") as caught:
            run_sweep(_failing_task, grid, executor=executor)
    if sys.version_info >= (3, 11):
        assert any("'x': 2" in note for note in caught.value.__notes__)
