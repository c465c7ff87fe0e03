"""The small precomputed sweeps shipped in ``data/``, and how to load or rebuild them.

Each entry of :data:`SHIPPED_SWEEPS` fixes a task and a grid. ``scripts/make_sweeps.py``
runs them and writes ``data/<name>.npz``; :func:`load_shipped` reads a file back and
rejects it (naming the file and the command that rebuilds it) when it is corrupted, was
made by another package version, or with another grid. Every grid point is seeded, so
any subset of a shipped sweep can be recomputed live and must give the same numbers.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass


from ._validation import InvalidParameterError
from .sweep_tasks import baseline_point, layerwise_point, recovery_path
from .sweeps import SweepGrid, SweepResult

__all__ = ["DATA_DIR", "ShippedSweep", "SHIPPED_SWEEPS", "shipped_path", "load_shipped",
           "rebuild_command"]

#: Folder of the shipped results, next to the ``helpers`` package in a source checkout.
DATA_DIR = pathlib.Path(__file__).resolve().parents[1] / "data"

# Ridge penalties of the shallow baselines in the shipped sweeps (per sample), written out
# so that a change of the package default does not silently change the shipped grids.
_BASELINE_RIDGES = [1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0]


@dataclass(frozen=True)
class ShippedSweep:
    """A shipped sweep: what it computes and on which grid.

    Attributes
    ----------
    name : str
        File stem in ``data/``.
    task : callable
        A task of :mod:`helpers.sweep_tasks`.
    grid : SweepGrid
    description : str
        One line for the script's listing.
    minutes : float
        Run time of the whole sweep with two workers, measured once on a 2-core machine
        shared with other jobs (an estimate for other machines; the files record the
        measured seconds).
    """

    name: str
    task: object
    grid: SweepGrid
    description: str
    minutes: float


def _half_octaves(low_exponent: int, high_exponent: int) -> list[float]:
    return [float(2.0 ** (k / 2)) for k in range(2 * low_exponent, 2 * high_exponent + 1)]


SHIPPED_SWEEPS = {
    "scaling": ShippedSweep(
        "scaling", layerwise_point,
        SweepGrid({"gamma": [0.75, 1.0, 1.5], "seed": list(range(6)),
                   "n": [400 * ratio for ratio in (16, 32, 64, 128, 256)]},
                  {"D": 400, "p": 40, "mode": "gaussian_equivalent", "readout": "full",
                   "sample": "split", "n_test": 4000}),
        "test MSE of the layer-wise method, D=400, p=40, n/D=16..256, three gamma", 10.0),
    "gamma_scan": ShippedSweep(
        "gamma_scan", layerwise_point,
        SweepGrid({"gamma": [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5], "seed": [0, 1, 2],
                   "n": [210 * 2**k for k in range(9)]},
                  {"d": 20, "p": 20, "mode": "gaussian_equivalent", "readout": "diagonal",
                   "sample": "split", "n_test": 4000}),
        "test MSE against n/D=1..256 for gamma from 0 to 1.5, d=20 (D=210), p=20", 3.0),
    "recovery": ShippedSweep(
        "recovery", recovery_path,
        SweepGrid({"seed": [0, 1, 2, 3]},
                  {"D": 400, "p": 40, "gamma": 1.0, "ratios": _half_octaves(0, 8),
                   "mode": "gaussian_equivalent", "keep_spectra": True}),
        "per-direction overlaps and spectra on nested samples, D=400, p=40, n/D=1..256", 2.0),
    "finite_size": ShippedSweep(
        "finite_size", recovery_path,
        SweepGrid({"D": [50, 200, 800], "seed": [0, 1, 2, 3]},
                  {"p": 10, "gamma": 1.0, "ratios": _half_octaves(-1, 7),
                   "mode": "gaussian_equivalent"}),
        "per-direction overlaps for D=50, 200, 800 at p=10, n/D=0.5..128", 3.0),
    "baselines_gaussian": ShippedSweep(
        "baselines_gaussian", baseline_point,
        SweepGrid({"method": ["layerwise", "rbf", "polynomial2", "random_features"],
                   "seed": [0, 1, 2], "n_train": [250, 500, 1000, 2000, 4000]},
                  {"D": 200, "p": 3, "gamma": 1.0, "mode": "gaussian_equivalent",
                   "label_transform": "soft", "readout": "full", "n_test": 2000,
                   "n_features": 1000, "ridges": _BASELINE_RIDGES}),
        "layer-wise against kernel and random-feature ridge, Gaussian-equivalent, D=200, p=3", 3.0),
    "baselines_true": ShippedSweep(
        "baselines_true", baseline_point,
        SweepGrid({"d": [20, 30],
                   "method": ["layerwise", "rbf", "polynomial2", "polynomial4", "random_features"],
                   "seed": [0, 1, 2], "n_train": [250, 500, 1000, 2000, 4000]},
                  {"p": 3, "gamma": 1.0, "mode": "true", "label_transform": "soft",
                   "readout": "ridge", "n_test": 2000, "n_features": 1000,
                   "ridges": _BASELINE_RIDGES}),
        "layer-wise against kernel and random-feature ridge, true model, d=20 and 30, p=3", 8.0),
    "layerwise_true_large": ShippedSweep(
        "layerwise_true_large", baseline_point,
        SweepGrid({"d": [20, 30], "seed": [0, 1, 2], "n_train": [8000, 16000, 32000, 64000]},
                  {"method": "layerwise", "p": 3, "gamma": 1.0, "mode": "true",
                   "label_transform": "soft", "readout": "ridge", "n_test": 2000,
                   "n_features": 1000, "ridges": _BASELINE_RIDGES}),
        "layer-wise method alone at larger n, true model, d=20 and 30, p=3", 0.5),
    "quadratic_true": ShippedSweep(
        "quadratic_true", baseline_point,
        SweepGrid({"d": [20, 30], "seed": [0, 1, 2],
                   "n_train": [250, 500, 1000, 2000, 4000, 8000, 16000, 32000, 64000]},
                  {"method": "quadratic_features", "p": 3, "gamma": 1.0, "mode": "true",
                   "label_transform": "soft", "readout": "ridge", "n_test": 2000,
                   "n_features": 1000, "ridges": _BASELINE_RIDGES}),
        "ridge on explicit degree-2 features up to n=64000, true model, d=20 and 30, p=3", 3.5),
}


def rebuild_command(name: str) -> str:
    """Return the shell command that rebuilds shipped sweep ``name``."""
    return f"python scripts/make_sweeps.py {name}"


def _entry(name: str) -> ShippedSweep:
    if name not in SHIPPED_SWEEPS:
        raise InvalidParameterError(
            f"name={name!r} is not a shipped sweep; choose one of {sorted(SHIPPED_SWEEPS)}."
        )
    return SHIPPED_SWEEPS[name]


def shipped_path(name: str, directory=None) -> pathlib.Path:
    """Return the file of shipped sweep ``name`` (in ``directory``, default ``data/``)."""
    _entry(name)
    return pathlib.Path(DATA_DIR if directory is None else directory) / f"{name}.npz"


def load_shipped(name: str, directory=None, **selection) -> SweepResult:
    """Load and validate shipped sweep ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`SHIPPED_SWEEPS`.
    directory : str or pathlib.Path, optional
        Folder to read from; default ``data/``.
    **selection
        Sub-grid to expect instead of the whole grid (as written by
        ``make_sweeps.py --select``), for example ``seed=0``.

    Raises
    ------
    FileNotFoundError, helpers.cache.CorruptedResultError, helpers.cache.StaleResultError
        With the command that rebuilds the file in the message.
    """
    entry = _entry(name)
    grid = entry.grid.select(**selection) if selection else entry.grid
    fix = f"rerun `{rebuild_command(name)}` from the repository root"
    return SweepResult.load(shipped_path(name, directory), task=entry.task, grid=grid, fix=fix)

