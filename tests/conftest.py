"""Shared pytest configuration: a non-interactive matplotlib backend and common fixtures."""

import os
import pathlib

import matplotlib

matplotlib.use("Agg")

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"

# Keep BLAS from oversubscribing the two cores when notebooks run in parallel kernels.
os.environ.setdefault("OMP_NUM_THREADS", "2")


def pytest_terminal_summary(terminalreporter):
    """Print the execution time of each notebook run by test_notebooks.py."""
    import sys

    module = sys.modules.get("test_notebooks")
    timings = getattr(module, "TIMINGS", {}) if module else {}
    if timings:
        terminalreporter.section("notebook execution times (fresh kernel)")
        for name, seconds in sorted(timings.items()):
            terminalreporter.write_line(f"{name:<45} {seconds:6.1f} s")
