"""On-disk results: atomic writes, validation on read, clear errors for corrupted or stale files."""

from __future__ import annotations

import importlib.metadata
import json
import pathlib

import numpy as np
import pytest

import helpers
from helpers import cache
from helpers._validation import InvalidParameterError
from helpers.cache import (
    CorruptedResultError,
    ResultCache,
    StaleResultError,
    default_cache_dir,
    load_result,
    package_version,
    parameter_key,
    save_result,
)

PARAMETERS = {"D": 100, "gamma": 1.0, "seeds": (0, 1), "mode": "gaussian_equivalent"}


def arrays():
    return {"mse": np.array([0.5, 0.25, 0.125]), "n_recovered": np.array([1, 2, 3])}


def rewrite(path: pathlib.Path, change_metadata=None, change_arrays=None) -> None:
    """Rewrite a result file with edited metadata or arrays, bypassing save_result."""
    with np.load(path, allow_pickle=False) as archive:
        content = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(content.pop("__metadata__")))
    if change_metadata:
        change_metadata(metadata)
    if change_arrays:
        change_arrays(content)
    np.savez(path, **content, __metadata__=np.array(json.dumps(metadata)))


def test_round_trip(tmp_path):
    path = save_result(tmp_path / "result", arrays(), PARAMETERS, extra_metadata={"note": "x"})
    loaded, metadata = load_result(path, parameters=PARAMETERS, required=["mse"])
    assert path.suffix == ".npz"
    np.testing.assert_array_equal(loaded["mse"], arrays()["mse"])
    np.testing.assert_array_equal(loaded["n_recovered"], arrays()["n_recovered"])
    assert metadata["package_version"] == helpers.__version__
    assert metadata["numpy_version"] == np.__version__
    assert metadata["extra"] == {"note": "x"}


def test_write_leaves_no_temporary_file(tmp_path):
    save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    save_result(tmp_path / "result.npz", {"mse": np.ones(2)}, PARAMETERS)  # replaces in place
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.npz"]
    loaded, _ = load_result(tmp_path / "result.npz")
    assert list(loaded) == ["mse"]


def test_package_version_matches_metadata():
    assert package_version() == helpers.__version__ == "0.1.0"
    assert importlib.metadata.version("hierarchical-scaling-helpers") == package_version()


def test_parameter_key_ignores_order_not_values():
    reordered = dict(reversed(list(PARAMETERS.items())))
    assert parameter_key(PARAMETERS) == parameter_key(reordered)
    assert parameter_key(PARAMETERS) != parameter_key({**PARAMETERS, "gamma": 1.5})
    assert parameter_key(PARAMETERS) != parameter_key(PARAMETERS, version="0.2.0")


def test_tampered_bytes_rejected(tmp_path):
    path = save_result(tmp_path / "result.npz", {"mse": np.linspace(0.1, 1.0, 5000)}, PARAMETERS)
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 8] = bytes(255 - b for b in content[middle:middle + 8])
    path.write_bytes(bytes(content))
    with pytest.raises(CorruptedResultError, match="corrupted") as caught:
        load_result(path, fix="rerun the script")
    assert str(path) in str(caught.value)
    assert "rerun the script" in str(caught.value)


def test_modified_array_fails_checksum(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)

    def halve(content):
        content["mse"] = content["mse"] / 2

    rewrite(path, change_arrays=halve)
    with pytest.raises(CorruptedResultError, match="checksum"):
        load_result(path)


def test_other_version_is_stale(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    rewrite(path, change_metadata=lambda metadata: metadata.update(package_version="0.0.9"))
    with pytest.raises(StaleResultError, match="0.0.9") as caught:
        load_result(path, fix="rerun the script")
    assert "rerun the script" in str(caught.value)


def test_new_package_version_makes_file_stale(tmp_path, monkeypatch):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    monkeypatch.setattr(cache, "package_version", lambda: "0.2.0")
    with pytest.raises(StaleResultError, match="0.2.0"):
        load_result(path)


def test_other_parameters_are_stale(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    with pytest.raises(StaleResultError, match="gamma"):
        load_result(path, parameters={**PARAMETERS, "gamma": 1.5})


def test_missing_array_rejected(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    rewrite(path, change_arrays=lambda content: content.pop("mse"))
    with pytest.raises(CorruptedResultError, match="contains"):
        load_result(path)


def test_required_array_rejected_when_absent(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    with pytest.raises(CorruptedResultError, match="missing"):
        load_result(path, required=["mse", "overlaps"])


def test_wrong_shape_rejected(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)

    def shorten(content):
        content["mse"] = content["mse"][:2]

    rewrite(path, change_arrays=shorten)
    with pytest.raises(CorruptedResultError, match="shape"):
        load_result(path)


def test_non_finite_values_rejected(tmp_path):
    with pytest.raises(InvalidParameterError, match="NaN"):
        save_result(tmp_path / "result.npz", {"mse": np.array([1.0, np.nan])}, PARAMETERS)
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)

    def poison(content):
        content["mse"] = np.array([0.5, np.inf, 0.125])

    rewrite(path, change_arrays=poison)
    with pytest.raises(CorruptedResultError, match="NaN or infinite"):
        load_result(path)


def test_wrong_schema_rejected(tmp_path):
    path = save_result(tmp_path / "result.npz", arrays(), PARAMETERS)
    rewrite(path, change_metadata=lambda metadata: metadata.update(schema="other/9"))
    with pytest.raises(CorruptedResultError, match="schema"):
        load_result(path)


def test_pickled_file_never_unpickled(tmp_path):
    path = tmp_path / "result.npz"
    np.savez(path, mse=np.array([{"evil": 1}], dtype=object))
    with pytest.raises(CorruptedResultError, match="corrupted"):
        load_result(path)


def test_missing_file_names_fix(tmp_path):
    with pytest.raises(FileNotFoundError, match="rerun the script"):
        load_result(tmp_path / "absent.npz", fix="rerun the script")


def test_object_parameters_rejected(tmp_path):
    with pytest.raises(InvalidParameterError, match="JSON"):
        save_result(tmp_path / "result.npz", arrays(), {"model": object()})


def test_default_cache_dir_outside_notebooks(monkeypatch, tmp_path):
    monkeypatch.delenv("HIERARCHICAL_SCALING_CACHE", raising=False)
    folder = default_cache_dir()
    assert "notebooks" not in folder.parts
    assert folder.name == "hierarchical-scaling-helpers"
    monkeypatch.setenv("HIERARCHICAL_SCALING_CACHE", str(tmp_path / "elsewhere"))
    assert default_cache_dir() == tmp_path / "elsewhere"


def test_cache_computes_once(tmp_path):
    results = ResultCache(tmp_path)
    calls = []

    def compute():
        calls.append(1)
        return arrays()

    first = results.get_or_compute("demo", PARAMETERS, compute)
    second = results.get_or_compute("demo", PARAMETERS, compute)
    results.get_or_compute("demo", {**PARAMETERS, "D": 200}, compute)
    results.get_or_compute("demo", PARAMETERS, compute, refresh=True)
    assert len(calls) == 3
    np.testing.assert_array_equal(first["mse"], second["mse"])


def test_cache_reports_corrupted_file(tmp_path):
    results = ResultCache(tmp_path)
    results.store("demo", PARAMETERS, arrays())
    path = results.path_for("demo", PARAMETERS)
    path.write_bytes(b"not a zip file")
    with pytest.raises(CorruptedResultError, match="refresh=True") as caught:
        results.load("demo", PARAMETERS)
    assert str(path) in str(caught.value)
