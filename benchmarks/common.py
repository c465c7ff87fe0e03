"""Shared tools of the benchmark scripts: machine description, worker subprocesses, tables.

Each benchmark case that reports peak memory runs in its own Python subprocess (the script
calls itself with ``--worker JSON``), so ``resource.getrusage(...).ru_maxrss`` is the peak
resident memory of that case alone. It counts the whole process, interpreter and imported
libraries included (about 0.1 GiB), which is what a user of the machine pays.
"""

from __future__ import annotations

import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import time

import numpy as np

README = pathlib.Path(__file__).resolve().parent / "README.md"
GIB = 1024**3


def peak_rss_bytes() -> int:
    """Return the peak resident memory of this process in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def median_seconds(function, repeats: int) -> tuple[float, object]:
    """Call ``function`` ``repeats`` times; return the median wall time and the last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def gemm_rate(rows: int, inner: int, columns: int, dtype="float64", repeats: int = 5) -> float:
    """Return the GFLOP/s of a numpy product (rows x inner) @ (inner x columns), median of repeats."""
    rng = np.random.default_rng(0)
    left = rng.standard_normal((rows, inner)).astype(dtype)
    right = rng.standard_normal((inner, columns)).astype(dtype)
    left @ right
    seconds, _ = median_seconds(lambda: left @ right, repeats)
    return 2.0 * rows * inner * columns / seconds / 1e9


def machine_info() -> dict:
    """Describe the machine and library versions for the benchmark tables."""
    import matplotlib
    import scipy
    import threadpoolctl

    cpu_model = "unknown"
    try:
        for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
        memory_kib = next(int(line.split()[1]) for line in pathlib.Path("/proc/meminfo").read_text().splitlines()
                          if line.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory_kib = 0
    blas = [f"{info.get('internal_api')} {info.get('version')} ({info.get('architecture')}, "
            f"{info.get('num_threads')} threads)"
            for info in threadpoolctl.threadpool_info() if info.get("user_api") == "blas"]
    return {
        "nproc": os.cpu_count(),
        "memory_gib": round(memory_kib / 1024**2, 1),
        "cpu": cpu_model,
        "load_average": tuple(round(value, 1) for value in os.getloadavg()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "threadpoolctl": threadpoolctl.__version__,
        "blas": "; ".join(blas) or "unknown",
    }


def describe_machine(info: dict) -> str:
    """Format :func:`machine_info` as a short markdown list."""
    return "\n".join([
        f"- CPU: {info['cpu']}, {info['nproc']} cores (nproc), {info['memory_gib']} GiB memory",
        f"- load average at start (1, 5, 15 min): {info['load_average']}",
        f"- Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, "
        f"matplotlib {info['matplotlib']}, threadpoolctl {info['threadpoolctl']}",
        f"- BLAS: {info['blas']}",
    ])


def run_worker(script: str, case: dict, timeout: float) -> dict:
    """Run ``script --worker JSON`` in a fresh interpreter and return its JSON result.

    A failed or timed-out worker gives ``{"error": ...}`` instead of raising, so one bad case
    does not stop the table.
    """
    command = [sys.executable, script, "--worker", json.dumps(case)]
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    if finished.returncode != 0 or not lines:
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
        return {"error": f"worker failed with exit code {finished.returncode}: {' | '.join(tail)}"}
    return json.loads(lines[-1])


def markdown_table(headers, rows) -> str:
    """Format rows (sequences of cells) as a markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_readme_section(name: str, text: str) -> None:
    """Replace the text between ``<!-- BEGIN name -->`` and ``<!-- END name -->`` in README.md."""
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    content = README.read_text()
    if begin not in content or end not in content:
        raise KeyError(f"section markers {begin} ... {end} are missing in {README}; add them first.")
    head, rest = content.split(begin, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{begin}\n{text.strip()}\n{end}{tail}")
