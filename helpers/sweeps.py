"""Parameter sweeps: a grid of settings, a task per grid point, any ``concurrent.futures`` executor.

A sweep evaluates ``task(**point)`` at every point of a :class:`SweepGrid` (the Cartesian
product of named axes such as ``gamma``, ``seed`` and ``n``, plus fixed parameters) and
stacks the outputs into arrays whose leading axes are the grid axes. Every task draws its
randomness from the ``seed`` it receives, so the numbers do not depend on the executor,
on the number of workers or on the order in which points finish.

Executors
---------
By default :func:`run_sweep` starts a ``ProcessPoolExecutor`` with one worker per core
(``spawn`` start method on every platform, so behaviour does not depend on the operating
system) and shuts it down afterwards. Any other ``concurrent.futures.Executor`` can be
passed and is used unchanged and left running, for example:

* ``ThreadPoolExecutor(max_workers=1)`` to run in the current process (debugging);
* a Dask cluster, for sweeps that outgrow one machine::

      from dask.distributed import Client       # optional, never imported by helpers
      client = Client("tcp://scheduler:8786")
      result = run_sweep(layerwise_point, grid, executor=client.get_executor())

  The workers need ``helpers`` installed, because tasks are sent by reference to their
  module.

BLAS threads
------------
Each task runs inside ``threadpoolctl.threadpool_limits(blas_threads)``, so that
``k`` workers on ``k`` cores do not start ``k`` BLAS threads each and fight over the cores.
The limit is applied inside the task rather than in a worker initializer because a Dask
executor has no initializer. ``threadpool_limits`` acts on the whole process, so with
``ThreadPoolExecutor(max_workers > 1)`` pass ``blas_threads=None`` (no limit).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from ._validation import InvalidParameterError, check_positive_int
from .cache import ResultCache, canonical_parameters, load_result, save_result

__all__ = ["SweepGrid", "SweepResult", "task_name", "run_sweep", "run_sweep_cached",
           "default_worker_count"]


def _plain(value):
    """Return numpy scalars as Python scalars, so grid values are JSON-ready and hashable."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class SweepGrid:
    """Named axes whose Cartesian product gives the sweep points, plus fixed parameters.

    Parameters
    ----------
    axes : dict of str to sequence
        Axis name to its values, in the order of the result arrays' leading axes
        (for example ``{"gamma": [0.75, 1.0], "seed": [0, 1, 2], "n": [6400, 12800]}``).
        Values must be JSON types (numbers, strings, booleans, lists).
    fixed : dict
        Parameters shared by every point, passed to the task as keyword arguments too.
    """

    axes: Mapping = field(default_factory=dict)
    fixed: Mapping = field(default_factory=dict)

    def __post_init__(self):
        axes = {}
        for name, values in dict(self.axes).items():
            values = tuple(_plain(value) for value in values)
            if not values:
                raise InvalidParameterError(f"axis {name!r} is empty: give it at least one value.")
            if len(set(map(repr, values))) != len(values):
                raise InvalidParameterError(f"axis {name!r} repeats a value: {values}.")
            axes[name] = values
        if not axes:
            raise InvalidParameterError("axes is empty: a sweep needs at least one axis.")
        fixed = {name: _plain(value) for name, value in dict(self.fixed).items()}
        shared = sorted(set(axes) & set(fixed))
        if shared:
            raise InvalidParameterError(f"{shared} appear both as axes and as fixed parameters.")
        canonical_parameters({"axes": axes, "fixed": fixed})  # raises on non-JSON values
        object.__setattr__(self, "axes", axes)
        object.__setattr__(self, "fixed", fixed)

    @property
    def names(self) -> tuple[str, ...]:
        """Axis names in order."""
        return tuple(self.axes)

    @property
    def shape(self) -> tuple[int, ...]:
        """Number of values along each axis."""
        return tuple(len(values) for values in self.axes.values())

    @property
    def size(self) -> int:
        """Number of grid points."""
        return int(np.prod(self.shape))

    def points(self) -> list[dict]:
        """Return the keyword arguments of every point, in C order (last axis fastest)."""
        return [{**dict(zip(self.names, combination)), **self.fixed}
                for combination in itertools.product(*self.axes.values())]

    def parameters(self) -> dict:
        """Return the JSON-ready description ``{"axes": ..., "fixed": ...}`` of the grid."""
        return {"axes": {name: list(values) for name, values in self.axes.items()},
                "fixed": dict(self.fixed)}

    def index(self, axis: str, value) -> int:
        """Return the position of ``value`` on ``axis``."""
        if axis not in self.axes:
            raise InvalidParameterError(f"axis {axis!r} is unknown: the grid has axes {self.names}.")
        values = self.axes[axis]
        if value not in values:
            raise InvalidParameterError(f"{axis}={value!r} is not on the grid; its values are {values}.")
        return values.index(value)

    def select(self, **selection) -> "SweepGrid":
        """Return the sub-grid that keeps only the given values (a value or a list) per axis."""
        axes = dict(self.axes)
        for axis, chosen in selection.items():
            chosen = list(chosen) if isinstance(chosen, (list, tuple)) else [chosen]
            for value in chosen:
                self.index(axis, value)
            axes[axis] = [value for value in self.axes[axis] if value in chosen]
        return SweepGrid(axes, self.fixed)


def task_name(task: Callable) -> str:
    """Return ``module.qualname`` of a task, the name recorded with its results."""
    return f"{task.__module__}.{task.__qualname__}"


@dataclass(frozen=True)
class SweepResult:
    """Outputs of a task over a grid.

    Attributes
    ----------
    grid : SweepGrid
    task : str
        ``module.qualname`` of the task.
    arrays : dict of str to ndarray
        One array per task output, of shape ``grid.shape + output_shape``.
    """

    grid: SweepGrid
    task: str
    arrays: Mapping

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.arrays:
            raise KeyError(f"{name!r} is not an output of this sweep; outputs: {sorted(self.arrays)}.")
        return self.arrays[name]

    def axis(self, name: str) -> np.ndarray:
        """Return the values of grid axis ``name`` as an array."""
        if name not in self.grid.axes:
            raise InvalidParameterError(f"axis {name!r} is unknown: the grid has axes {self.grid.names}.")
        return np.asarray(self.grid.axes[name])

    def mean(self, output: str, over: str = "seed") -> np.ndarray:
        """Average ``output`` over grid axis ``over`` (default: the seeds)."""
        if over not in self.grid.axes:
            raise InvalidParameterError(f"axis {over!r} is unknown: the grid has axes {self.grid.names}.")
        return np.mean(self[output], axis=self.grid.names.index(over))

    def select(self, **selection) -> "SweepResult":
        """Return the result restricted to a sub-grid (see :meth:`SweepGrid.select`)."""
        grid = self.grid.select(**selection)
        indexer = tuple(
            [self.grid.index(axis, value) for value in grid.axes[axis]] for axis in self.grid.names
        )
        # np.ix_ picks the kept values on the grid axes; output axes after them stay whole.
        arrays = {name: array[np.ix_(*indexer)] for name, array in self.arrays.items()}
        return SweepResult(grid, self.task, arrays)

    def parameters(self) -> dict:
        """Return everything that determines the arrays: task name and grid."""
        return {"task": self.task, **self.grid.parameters()}

    def save(self, path, extra_metadata: Mapping | None = None):
        """Write the result atomically to ``path`` (see :func:`helpers.cache.save_result`)."""
        return save_result(path, dict(self.arrays), self.parameters(), extra_metadata=extra_metadata)

    @classmethod
    def load(cls, path, *, task: Callable | str, grid: SweepGrid,
             fix: str = "delete the file and rerun the sweep") -> "SweepResult":
        """Read a saved sweep and check that it was made by ``task`` on ``grid``.

        Raises :class:`helpers.cache.CorruptedResultError` or
        :class:`helpers.cache.StaleResultError` with ``fix`` in the message otherwise.
        """
        name = task if isinstance(task, str) else task_name(task)
        expected = {"task": name, **grid.parameters()}
        arrays, _ = load_result(path, parameters=expected, fix=fix)
        for output, array in arrays.items():
            if array.shape[:len(grid.shape)] != grid.shape:
                raise InvalidParameterError(
                    f"output {output!r} in {path} has shape {array.shape}, which does not start "
                    f"with the grid shape {grid.shape}. To fix it, {fix}."
                )
        return cls(grid, name, arrays)


def default_worker_count() -> int:
    """Return the number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _run_point(task: Callable, point: dict, blas_threads: int | None) -> dict:
    """Evaluate one grid point, with BLAS limited to ``blas_threads`` threads."""
    if blas_threads is None:
        return task(**point)
    with threadpool_limits(limits=blas_threads):
        return task(**point)


def _stack(grid: SweepGrid, outputs: list[dict]) -> dict[str, np.ndarray]:
    """Stack per-point outputs into arrays of shape grid.shape + output shape."""
    names = sorted(outputs[0])
    arrays = {}
    for name in names:
        values = []
        for point, output in zip(grid.points(), outputs):
            if sorted(output) != names:
                raise InvalidParameterError(
                    f"the task returned outputs {sorted(output)} at {point}, but {names} at the "
                    "first point: every point must return the same outputs."
                )
            values.append(np.asarray(output[name]))
        shapes = {value.shape for value in values}
        if len(shapes) != 1:
            raise InvalidParameterError(
                f"output {name!r} has different shapes across points: {sorted(shapes)}."
            )
        arrays[name] = np.stack(values).reshape(grid.shape + values[0].shape)
    return arrays


def run_sweep(task: Callable, grid: SweepGrid, *, executor: concurrent.futures.Executor | None = None,
              max_workers: int | None = None, blas_threads: int | None = 1,
              progress: Callable[[int, int], None] | None = None) -> SweepResult:
    """Evaluate ``task(**point)`` at every grid point and stack the outputs.

    Parameters
    ----------
    task : callable
        A module-level function (so that worker processes can import it) taking the grid's
        axis names and fixed parameters as keyword arguments and returning a dict of
        scalars or arrays, with the same names and shapes at every point.
    grid : SweepGrid
    executor : concurrent.futures.Executor, optional
        Used unchanged and left open. Default: a ``ProcessPoolExecutor`` (``spawn`` start
        method) with ``max_workers`` workers, shut down on return.
    max_workers : int, optional
        Workers of the default executor; defaults to the number of usable cores, at most
        the number of points.
    blas_threads : int or None
        BLAS threads per task (1 by default); ``None`` leaves BLAS alone.
    progress : callable, optional
        Called as ``progress(done, total)`` after each finished point.

    Returns
    -------
    SweepResult
        Arrays in grid order, independent of the executor and of completion order.
    """
    if not isinstance(grid, SweepGrid):
        raise InvalidParameterError(f"grid={grid!r} is invalid: pass a helpers.sweeps.SweepGrid.")
    if blas_threads is not None:
        blas_threads = check_positive_int(blas_threads, "blas_threads")
    points = grid.points()
    owned = executor is None
    if owned:
        workers = min(default_worker_count() if max_workers is None
                      else check_positive_int(max_workers, "max_workers"), len(points))
        executor = concurrent.futures.ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {executor.submit(_run_point, task, point, blas_threads): index
                   for index, point in enumerate(points)}
        outputs: list[dict | None] = [None] * len(points)
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            try:
                outputs[futures[future]] = future.result()
            except Exception as error:
                # Name the failing grid point, which the task's own message rarely does.
                # add_note exists from Python 3.11; on 3.10 the original error is raised as is.
                if hasattr(error, "add_note"):
                    error.add_note(f"raised by task {task_name(task)} at grid point {points[futures[future]]}")
                raise
            if progress is not None:
                progress(done, len(points))
    finally:
        if owned:
            executor.shutdown(wait=True, cancel_futures=True)
    return SweepResult(grid, task_name(task), _stack(grid, outputs))


def run_sweep_cached(task: Callable, grid: SweepGrid, *, cache: ResultCache | None = None,
                     refresh: bool = False, **run_options) -> SweepResult:
    """Like :func:`run_sweep`, but read the result from an on-disk cache when present.

    The cache key is the task name, the whole grid and the package version, so a changed
    parameter or a new package version recomputes. ``cache`` defaults to
    ``ResultCache()`` in the user cache folder; ``refresh=True`` recomputes and overwrites.
    """
    cache = ResultCache() if cache is None else cache
    name = task_name(task)
    parameters = {"task": name, **grid.parameters()}
    arrays = cache.get_or_compute(
        task.__name__, parameters, lambda: run_sweep(task, grid, **run_options).arrays,
        refresh=refresh)
    return SweepResult(grid, name, arrays)
