"""Rebuild the precomputed sweeps shipped in data/ (see helpers.shipped.SHIPPED_SWEEPS).

Usage, from the repository root:

    python scripts/make_sweeps.py --list                # names, sizes and run times
    python scripts/make_sweeps.py scaling recovery      # rebuild two sweeps
    python scripts/make_sweeps.py                       # rebuild all of them
    python scripts/make_sweeps.py scaling --select seed=0 --select n=6400 --out /tmp/check

Each file records the grid (parameters and seeds), the helpers, numpy and scipy versions,
the Python version, the command line and the run time. ``--select`` computes only a
sub-grid, which the tests use to check that a shipped file is reproduced exactly.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import pathlib
import platform
import sys
import time

import numpy as np
import scipy

from helpers.shipped import SHIPPED_SWEEPS, shipped_path
from helpers.sweeps import run_sweep


def parse_selection(items: list[str]) -> dict:
    """Turn ``["seed=0,1", "n=6400"]`` into ``{"seed": [0, 1], "n": [6400]}``."""
    selection = {}
    for item in items:
        axis, separator, values = item.partition("=")
        if not separator or not values:
            raise SystemExit(f"--select {item!r} is invalid: write AXIS=VALUE[,VALUE...].")
        selection[axis] = [json.loads(value) for value in values.split(",")]
    return selection


def build(name: str, out: pathlib.Path, workers: int, selection: dict) -> pathlib.Path:
    """Run one shipped sweep (or a sub-grid of it) and write its file; return the path."""
    entry = SHIPPED_SWEEPS[name]
    grid = entry.grid.select(**selection) if selection else entry.grid
    executor = (concurrent.futures.ThreadPoolExecutor(max_workers=1) if workers == 1 else None)
    start = time.perf_counter()
    try:
        result = run_sweep(entry.task, grid, executor=executor, max_workers=workers,
                           progress=lambda done, total: print(f"\r  {name}: {done}/{total}",
                                                              end="", flush=True))
    finally:
        if executor is not None:
            executor.shutdown()
    seconds = time.perf_counter() - start
    print(f"\r  {name}: {grid.size} points in {seconds:.0f} s")
    return result.save(shipped_path(name, out), extra_metadata={
        "seeds": list(grid.axes.get("seed", [grid.fixed.get("seed")])),
        "scipy_version": scipy.__version__,
        "python_version": platform.python_version(),
        "command": " ".join(["python", "scripts/make_sweeps.py", *sys.argv[1:]]),
        "workers": workers,
        "seconds": round(seconds, 1),
    })


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sweeps to build (default: all)")
    parser.add_argument("--out", type=pathlib.Path, default=None,
                        help="output folder (default: data/ of the repository)")
    parser.add_argument("--workers", type=int, default=2,
                        help="worker processes, one BLAS thread each; 1 runs in this process")
    parser.add_argument("--select", action="append", default=[], metavar="AXIS=VALUES",
                        help="compute only these values of a grid axis (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the sweeps and exit")
    args = parser.parse_args(argv)

    if args.list:
        for name, entry in SHIPPED_SWEEPS.items():
            print(f"{name:<22} {entry.grid.size:>4} points  ~{entry.minutes:>4.0f} min  {entry.description}")
        return 0
    unknown = sorted(set(args.names) - set(SHIPPED_SWEEPS))
    if unknown:
        parser.error(f"unknown sweeps {unknown}; choose from {sorted(SHIPPED_SWEEPS)}")
    if args.workers < 1:
        parser.error(f"--workers={args.workers} is invalid: use 1 or more.")
    selection = parse_selection(args.select)
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, {args.workers} worker(s)")
    for name in args.names or list(SHIPPED_SWEEPS):
        path = build(name, args.out, args.workers, selection)
        print(f"  wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
