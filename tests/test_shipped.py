"""Shipped sweeps in data/: present, small, reproducible by their script, rejected when damaged."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from dataclasses import replace

import numpy as np
import pytest

from conftest import ROOT
from helpers import cache
from helpers.cache import CorruptedResultError, StaleResultError
from helpers.shipped import DATA_DIR, SHIPPED_SWEEPS, load_shipped, shipped_path
from helpers.sweeps import SweepGrid

#: Limit on the total size of data/, so that the repository stays light.
DATA_BUDGET_BYTES = 5 * 1024**2


def load_script():
    spec = importlib.util.spec_from_file_location("make_sweeps", ROOT / "scripts" / "make_sweeps.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sweeps"] = module
    spec.loader.exec_module(module)
    return module


def rewrite(path, change_metadata=None, change_arrays=None):
    with np.load(path, allow_pickle=False) as archive:
        content = {name: archive[name] for name in archive.files}
    metadata = json.loads(str(content.pop("__metadata__")))
    if change_metadata:
        change_metadata(metadata)
    if change_arrays:
        change_arrays(content)
    np.savez(path, **content, __metadata__=np.array(json.dumps(metadata)))


@pytest.fixture()
def scaling_copy(tmp_path):
    shutil.copy(shipped_path("scaling"), tmp_path / "scaling.npz")
    return tmp_path


@pytest.mark.parametrize("name", sorted(SHIPPED_SWEEPS))
def test_shipped_sweep_loads(name):
    result = load_shipped(name)
    assert result.grid == SHIPPED_SWEEPS[name].grid
    for output, array in result.arrays.items():
        assert array.shape[:len(result.grid.shape)] == result.grid.shape, output


def test_shipped_files_record_provenance():
    for name in SHIPPED_SWEEPS:
        _, metadata = cache.load_result(shipped_path(name))
        assert metadata["package_version"] == cache.package_version()
        assert metadata["numpy_version"]
        assert metadata["extra"]["scipy_version"]
        assert metadata["extra"]["command"].startswith("python scripts/make_sweeps.py")
        assert metadata["extra"]["seeds"] == list(SHIPPED_SWEEPS[name].grid.axes["seed"])


def test_shipped_data_small():
    total = sum(path.stat().st_size for path in DATA_DIR.iterdir() if path.is_file())
    assert total < DATA_BUDGET_BYTES


def test_tampered_file_rejected(scaling_copy):
    path = scaling_copy / "scaling.npz"
    content = bytearray(path.read_bytes())
    middle = len(content) // 2
    content[middle:middle + 16] = bytes(16)
    path.write_bytes(bytes(content))
    with pytest.raises(CorruptedResultError) as caught:
        load_shipped("scaling", scaling_copy)
    assert str(path) in str(caught.value)
    assert "python scripts/make_sweeps.py scaling" in str(caught.value)


def test_edited_numbers_rejected(scaling_copy):
    rewrite(scaling_copy / "scaling.npz", change_arrays=lambda content: content.update(mse=content["mse"] * 0.9))
    with pytest.raises(CorruptedResultError, match="checksum"):
        load_shipped("scaling", scaling_copy)


def test_other_version_rejected(scaling_copy, monkeypatch):
    monkeypatch.setattr(cache, "package_version", lambda: "0.2.0")
    with pytest.raises(StaleResultError, match="make_sweeps.py scaling") as caught:
        load_shipped("scaling", scaling_copy)
    assert "0.1.0" in str(caught.value)


def test_other_parameters_rejected(scaling_copy, monkeypatch):
    entry = SHIPPED_SWEEPS["scaling"]
    changed = SweepGrid(entry.grid.axes, {**entry.grid.fixed, "p": 20})
    monkeypatch.setitem(SHIPPED_SWEEPS, "scaling", replace(entry, grid=changed))
    with pytest.raises(StaleResultError, match="other parameters"):
        load_shipped("scaling", scaling_copy)


def test_missing_output_rejected(scaling_copy):
    rewrite(scaling_copy / "scaling.npz", change_arrays=lambda content: content.pop("mse"))
    with pytest.raises(CorruptedResultError, match="make_sweeps.py scaling"):
        load_shipped("scaling", scaling_copy)


def test_missing_file_names_command(tmp_path):
    with pytest.raises(FileNotFoundError, match="make_sweeps.py scaling"):
        load_shipped("scaling", tmp_path)


@pytest.mark.parametrize("name, selection", [
    ("gamma_scan", ["gamma=0.5", "seed=1", "n=210,840"]),
    ("finite_size", ["D=50", "seed=2"]),
    ("layerwise_true_large", ["d=20", "seed=0", "n_train=8000"]),
])
def test_script_reproduces_shipped(tmp_path, name, selection):
    # The script recomputes a sub-grid with the same seeds; one BLAS thread per task as in
    # the shipped run. Agreement is to rounding (another BLAS build may differ in the last bits).
    script = load_script()
    arguments = [name, "--out", str(tmp_path), "--workers", "1"]
    for item in selection:
        arguments += ["--select", item]
    assert script.main(arguments) == 0
    parsed = script.parse_selection(selection)
    live = load_shipped(name, tmp_path, **parsed)
    shipped = load_shipped(name).select(**parsed)
    assert sorted(live.arrays) == sorted(shipped.arrays)
    for output in live.arrays:
        np.testing.assert_allclose(live[output], shipped[output], rtol=1e-9, atol=1e-12, err_msg=output)


def test_script_rejects_unknown_name(capsys):
    script = load_script()
    with pytest.raises(SystemExit):
        script.main(["no_such_sweep"])
    assert "unknown sweeps" in capsys.readouterr().err
