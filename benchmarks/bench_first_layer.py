"""Time the first layer of the true q = 2 model: explicit-feature dense path against matrix-free.

For d in {30, 60, 100} and n/D in {8, 32}, plus the two target cases (d = 100 and d = 200 at
n/D = 16), each variant runs in its own subprocess and reports

* seconds for ``model.sample`` and for ``first_layer`` (median of the repeats) and their sum;
* peak resident memory of the subprocess (``ru_maxrss``, interpreter and libraries included),
  read before the GFLOP/s measurements below;
* operator applications, relative residual and subspace overlap with the teacher;
* for the matrix-free path, the GFLOP/s of one operator application to one vector, which is
  what the default Lanczos solver does. The reference is numpy's X @ V and X^T @ Y of the same
  shapes (n x d times d x d, d x n times n x d), timed in the same subprocess.

Dense cases whose estimate exceeds the budget (``--dense-seconds``, ``--dense-gib``) are
skipped with the estimate printed; nothing that needs more than 12 GiB is run.

Usage: python benchmarks/bench_first_layer.py [--threads 2] [--quick] [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from threadpoolctl import threadpool_limits

from common import (GIB, describe_machine, gemm_rate, machine_info, markdown_table, peak_rss_bytes,
                    run_worker, write_readme_section)

#: Latent width exponent of the benchmark models: p = round(d^0.5).
EPS = 0.5
GRID = [(d, ratio) for d in (30, 60, 100) for ratio in (8, 32)]
TARGETS = [(100, 16), (200, 16)]
HARD_MEMORY_LIMIT_GIB = 12.0
#: Operator applications assumed when estimating the run time of the matrix-free path.
ESTIMATED_APPLICATIONS = 150


def run_case(case: dict) -> dict:
    """Worker: time sampling and the first layer for one (d, n/D, method, precision)."""
    from helpers.metrics import subspace_overlap
    from helpers.model import HierarchicalModel, LabelScaler
    from helpers.spectral import first_layer
    from helpers.spectral_operator import SpectralOperator

    with threadpool_limits(case["threads"]):
        baseline = peak_rss_bytes()
        model = HierarchicalModel(d=case["d"], eps=EPS, mode="true", seed=0)
        n = case["ratio"] * model.feature_dim
        sample_times, layer_times = [], []
        for _ in range(case["repeats"]):
            start = time.perf_counter()
            sample = model.sample(n, seed=1)
            middle = time.perf_counter()
            layer = first_layer(model, sample, method=case["method"], precision=case["precision"])
            sample_times.append(middle - start)
            layer_times.append(time.perf_counter() - middle)
        result = {
            "sample_s": float(np.median(sample_times)),
            "first_layer_s": float(np.median(layer_times)),
            "total_s": float(np.median(np.add(sample_times, layer_times))),
            "peak_rss": peak_rss_bytes(),
            "baseline_rss": baseline,
            "overlap": subspace_overlap(model.directions, layer.directions),
            "applications": layer.operator_applications,
            "residual": layer.residual,
            "p": model.n_latent,
        }
        if case["method"] == "matrix_free":
            result.update(operator_rates(model, sample, case["precision"], SpectralOperator, LabelScaler))
    return result


def operator_rates(model, sample, precision, operator_class, scaler_class) -> dict:
    """Return GFLOP/s of one operator application and of numpy products of the same shapes."""
    weights = scaler_class.fit(sample.labels).transform(sample.labels)
    operator = operator_class(model, sample, weights, precision=precision)
    rng = np.random.default_rng(0)
    vector = rng.standard_normal((model.feature_dim, 1))
    times = []
    for _ in range(3):
        start = time.perf_counter()
        operator.matmat(vector)
        times.append(time.perf_counter() - start)
    operator_rate = operator.flops_per_vector / np.median(times) / 1e9

    # The two products of one application, done by numpy on the whole sample at once.
    n, d = sample.inputs.shape
    inputs = sample.inputs.astype(precision)
    matrix = rng.standard_normal((d, d)).astype(precision)
    scaled = rng.standard_normal((n, d)).astype(precision)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        inputs @ matrix
        inputs.T @ scaled
        times.append(time.perf_counter() - start)
    numpy_rate = 4.0 * n * d * d / np.median(times) / 1e9
    return {"operator_gflops": operator_rate, "numpy_gflops": numpy_rate}


def dense_estimate(d: int, ratio: int, rate_gflops: float) -> tuple[float, float]:
    """Estimate seconds and GiB of the dense path: n D^2 (syrk) + about 10 D^3 (evd) flops."""
    D = d * (d + 1) // 2
    n = ratio * D
    seconds = (n * D**2 + 10.0 * D**3) / (rate_gflops * 1e9)
    gib = (32.0 * D**2 + 16.0 * 4096 * D + 8.0 * n * d) / GIB + 0.15
    return seconds, gib


def matrix_free_estimate(d: int, ratio: int, rate_gflops: float) -> float:
    """Estimate seconds of the matrix-free path at half the GEMM rate."""
    D = d * (d + 1) // 2
    return ESTIMATED_APPLICATIONS * 4.0 * ratio * D * d**2 / (0.5 * rate_gflops * 1e9)


def format_row(d, ratio, method, precision, result) -> list:
    D = d * (d + 1) // 2
    head = [d, f"{D:,}", ratio, f"{ratio * D:,}", method, precision]
    if "skipped" in result or "error" in result:
        return head + [result.get("skipped") or result.get("error")] + [""] * 8
    rates = ["", "", ""]
    if "operator_gflops" in result:
        ratio_to_numpy = result["operator_gflops"] / result["numpy_gflops"]
        rates = [f"{result['operator_gflops']:.1f}", f"{result['numpy_gflops']:.1f}", f"{ratio_to_numpy:.2f}"]
    return head + [
        f"{result['sample_s']:.2f}", f"{result['first_layer_s']:.2f}", f"{result['total_s']:.2f}",
        f"{result['peak_rss'] / GIB:.2f}", result["applications"], f"{result['overlap']:.3f}",
    ] + rates


HEADERS = ["d", "D", "n/D", "n", "path", "precision", "sample s", "first layer s", "total s",
           "peak RSS GiB", "applications", "overlap", "operator GFLOP/s", "numpy GFLOP/s", "ratio"]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="repeats of cases estimated under 30 s (default 3); others run once")
    parser.add_argument("--dense-seconds", type=float, default=120.0,
                        help="skip dense cases estimated to take longer, in seconds (default 120)")
    parser.add_argument("--dense-gib", type=float, default=4.0,
                        help="skip dense cases estimated to need more memory, in GiB (default 4)")
    parser.add_argument("--quick", action="store_true", help="only d = 30 and d = 60 at n/D = 8")
    parser.add_argument("--no-targets", action="store_true", help="skip the d = 100, 200 target cases")
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_case(json.loads(args.worker))))
        return

    info = machine_info()
    with threadpool_limits(args.threads):
        rate = gemm_rate(2000, 2000, 2000)
    print(describe_machine(info))
    print(f"- BLAS threads: {args.threads}; float64 GEMM 2000^3: {rate:.1f} GFLOP/s")
    if args.quick:
        cases = [(30, 8), (60, 8)]
    else:
        cases = GRID if args.no_targets else GRID + TARGETS

    rows = []
    for d, ratio in cases:
        for method, precision in [("dense", "float64"), ("matrix_free", "float64"), ("matrix_free", "float32")]:
            if method == "dense":
                seconds, gib = dense_estimate(d, ratio, rate)
                if seconds > args.dense_seconds or gib > min(args.dense_gib, HARD_MEMORY_LIMIT_GIB):
                    result = {"skipped": f"skipped: would take ~{seconds:.0f} s / {gib:.1f} GiB"}
                    print(f"d={d} n/D={ratio} {method}: {result['skipped']}", flush=True)
                    rows.append(format_row(d, ratio, method, precision, result))
                    continue
            else:
                seconds = matrix_free_estimate(d, ratio, rate)
            repeats = args.repeats if seconds < 30 else 1
            case = {"d": d, "ratio": ratio, "method": method, "precision": precision,
                    "threads": args.threads, "repeats": repeats}
            result = run_worker(__file__, case, timeout=max(600.0, 4 * seconds * repeats))
            rows.append(format_row(d, ratio, method, precision, result))
            print(" | ".join(str(cell) for cell in rows[-1]), flush=True)

    table = markdown_table(HEADERS, rows)
    settings = (f"True model, q = 2, p = round(d^{EPS}), gamma = 1, teacher seed 0, sample seed 1. "
                f"BLAS threads: {args.threads}. Times: median of {args.repeats} repeats for cases "
                "estimated under 30 s, else one run. Peak RSS: ru_maxrss of a subprocess per row.")
    text = "\n\n".join([describe_machine(info) + f"\n- float64 GEMM 2000^3 at the start: {rate:.1f} GFLOP/s",
                        settings, table])
    print("\n" + text)
    if args.write_readme:
        write_readme_section(f"first-layer-{args.threads}-threads", text)


if __name__ == "__main__":
    sys.exit(main())
