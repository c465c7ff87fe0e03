"""Compare eigensolvers for the top-p |eigenvalue| subspace of the true-model spectral matrix.

Engines, all on the same sample (true model, q = 2, p = round(sqrt(d)), seeds 0 and 1):

* dense: explicit Hermite features, the D x D matrix and ``scipy.linalg.eigh`` (skipped above a
  time budget, see ``--dense-seconds``);
* eigsh: ARPACK Lanczos on the matrix-free ``SpectralOperator`` (``which="LM"``);
* lanczos: this package's thick-restart Lanczos, block size 1 (the default solver);
* block lanczos: the same with blocks of 4 vectors (BLAS-3 operator applications);
* lobpcg: ``scipy.sparse.linalg.lobpcg`` on C^2, then Rayleigh-Ritz with C;
* subspace: block power iteration, 15 iterations with 10 extra vectors, then Rayleigh-Ritz.

Each engine runs in float64 and float32 in its own subprocess and reports the solver time
(median of repeats, operator construction excluded), operator applications, peak RSS of the
subprocess (``ru_maxrss``), relative residual, subspace overlap with the teacher and the
distance (sine of the largest principal angle) to a reference subspace: the dense result
when it runs, otherwise Lanczos in float64 at tol = 1e-12.

``--chunks`` adds a table of operator GFLOP/s for several chunk sizes.

Usage: python benchmarks/bench_eigensolvers.py [--threads 1] [--d 60 100] [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
import tempfile
import time

import numpy as np
from threadpoolctl import threadpool_limits

from common import (GIB, describe_machine, gemm_rate, machine_info, markdown_table, median_seconds,
                    peak_rss_bytes, run_worker, write_readme_section)

EPS = 0.5
RATIO = 16
TOL = 1e-8
ENGINES = [
    ("dense", "eigh", {}),
    ("eigsh", "eigsh", {}),
    ("lanczos", "lanczos", {}),
    ("block lanczos (4)", "lanczos", {"block_size": 4}),
    ("lobpcg", "lobpcg", {}),
    ("subspace (15 it., +10)", "subspace", {}),
]


def build_inputs(d: int):
    from helpers.model import HierarchicalModel, LabelScaler

    model = HierarchicalModel(d=d, eps=EPS, mode="true", seed=0)
    sample = model.sample(RATIO * model.feature_dim, seed=1)
    weights = LabelScaler.fit(sample.labels).transform(sample.labels)
    return model, sample, weights


def run_engine(case: dict) -> dict:
    """Worker: run one engine on the benchmark sample and save its directions."""
    from helpers.eigensolvers import top_eigenpairs
    from helpers.metrics import subspace_overlap
    from helpers.spectral import first_layer
    from helpers.spectral_operator import SpectralOperator

    with threadpool_limits(case["threads"]):
        model, sample, weights = build_inputs(case["d"])
        p = model.n_latent
        if case["solver"] == "eigh":
            seconds, layer = median_seconds(lambda: first_layer(model, sample, method="dense"), case["repeats"])
            values, vectors, applications, residual = layer.eigenvalues, layer.directions, 0, float("nan")
            setup = 0.0
        else:
            start = time.perf_counter()
            operator = SpectralOperator(model, sample, weights, precision=case["precision"])
            setup = time.perf_counter() - start
            tol = case.get("tol", TOL if case["precision"] == "float64" else 1e-5)
            seconds, result = median_seconds(
                lambda: top_eigenpairs(operator, p, solver=case["solver"], tol=tol, seed=0,
                                       **case["options"]), case["repeats"])
            values, vectors = result.values, result.vectors
            applications, residual = result.applications, result.residual
        peak = peak_rss_bytes()
    np.save(case["output"], vectors)
    return {"seconds": seconds, "setup_s": setup, "applications": applications, "residual": residual,
            "peak_rss": peak, "overlap": subspace_overlap(model.directions, vectors),
            "values": [float(value) for value in values]}


def chunk_table(d: int, threads: int) -> str:
    """Return a markdown table of operator GFLOP/s against rows per chunk, k = 1 and k = 8."""
    from helpers.spectral_operator import SpectralOperator

    rows = []
    with threadpool_limits(threads):
        model, sample, weights = build_inputs(d)
        for k in (1, 8):
            vectors = np.random.default_rng(0).standard_normal((model.feature_dim, k))
            default = SpectralOperator(model, sample, weights).rows_per_chunk(k)
            for chunk in sorted({64, 256, 1024, 4096, 16384, default}):
                operator = SpectralOperator(model, sample, weights, chunk_size=chunk)
                seconds, _ = median_seconds(lambda: operator.matmat(vectors), 3)
                buffer_mib = chunk * k * d * 8 / 2**20
                label = f"{chunk}" + (" (default)" if chunk == default else "")
                rows.append([k, label, f"{buffer_mib:.2f}", f"{operator.flops_per_vector * k / seconds / 1e9:.1f}"])
    return markdown_table(["vectors k", "rows per chunk", "buffer MiB", "GFLOP/s"], rows)


def projector_distance(first, second) -> float:
    return float(np.linalg.norm(first @ first.T - second @ second.T, 2))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--d", type=int, nargs="+", default=[60, 100], help="input dimensions (default 60 100)")
    parser.add_argument("--repeats", type=int, default=3, help="repeats per engine (default 3)")
    parser.add_argument("--dense-seconds", type=float, default=120.0,
                        help="skip the dense engine when estimated to take longer, in seconds")
    parser.add_argument("--chunks", action="store_true", help="also time the operator per chunk size")
    parser.add_argument("--write-readme", action="store_true", help="write the tables into README.md")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_engine(json.loads(args.worker))))
        return

    info = machine_info()
    with threadpool_limits(args.threads):
        rate = gemm_rate(2000, 2000, 2000)
    print(describe_machine(info) + f"\n- BLAS threads: {args.threads}; float64 GEMM 2000^3: {rate:.1f} GFLOP/s")
    sections = []
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="bench_eigensolvers_"))
    for d in args.d:
        D = d * (d + 1) // 2
        n = RATIO * D
        results = {}
        reference_name = None
        for name, solver, options in ENGINES:
            for precision in (("float64",) if solver == "eigh" else ("float64", "float32")):
                key = (name, precision)
                if solver == "eigh":
                    estimate = (n * D**2 + 10.0 * D**3) / (rate * 1e9)
                    if estimate > args.dense_seconds:
                        results[key] = {"skipped": f"skipped: would take ~{estimate:.0f} s / "
                                                   f"{32 * D**2 / GIB + 0.15:.1f} GiB"}
                        print(f"d={d} {name}: {results[key]['skipped']}", flush=True)
                        continue
                output = workdir / f"{d}_{solver}_{options.get('block_size', 0)}_{precision}.npy"
                case = {"d": d, "solver": solver, "options": options, "precision": precision,
                        "threads": args.threads, "repeats": 1 if solver == "eigh" else args.repeats,
                        "output": str(output)}
                results[key] = run_worker(__file__, case, timeout=1800)
                results[key]["output"] = output
                print(d, name, precision, {k: v for k, v in results[key].items() if k not in ("values", "output")},
                      flush=True)

        dense = results.get(("dense", "float64"), {})
        if "seconds" in dense:
            reference, reference_name = np.load(dense["output"]), "dense eigh"
        else:
            output = workdir / f"{d}_reference.npy"
            case = {"d": d, "solver": "lanczos", "options": {}, "precision": "float64", "tol": 1e-12,
                    "threads": args.threads, "repeats": 1, "output": str(output)}
            run_worker(__file__, case, timeout=1800)
            reference, reference_name = np.load(output), "Lanczos, float64, tol 1e-12"

        rows = []
        for (name, precision), result in results.items():
            if "skipped" in result or "error" in result:
                rows.append([name, precision, result.get("skipped") or result.get("error"), "", "", "", "", "", ""])
                continue
            distance = projector_distance(np.load(result["output"]), reference)
            residual = "" if np.isnan(result["residual"]) else f"{result['residual']:.1e}"
            rows.append([name, precision, f"{result['seconds']:.2f}", result["applications"],
                         f"{result['seconds'] / max(result['applications'], 1) * 1e3:.0f}"
                         if result["applications"] else "",
                         f"{result['peak_rss'] / GIB:.2f}", residual, f"{result['overlap']:.4f}",
                         f"{distance:.1e}"])
        table = markdown_table(["engine", "precision", "seconds", "applications", "ms per application",
                                "peak RSS GiB", "residual", "overlap", "distance to reference"], rows)
        sections.append(f"d = {d}, D = {D:,}, n/D = {RATIO}, n = {n:,}, p = {round(d ** EPS)}; "
                        f"reference: {reference_name}; tol = {TOL:g} (float64), 1e-5 (float32).\n\n{table}")
        if args.chunks:
            sections.append(f"Operator GFLOP/s against chunk size, d = {d}, float64:\n\n{chunk_table(d, args.threads)}")

    text = "\n\n".join([describe_machine(info) + f"\n- BLAS threads: {args.threads}; float64 GEMM "
                        f"2000^3 at the start: {rate:.1f} GFLOP/s"] + sections)
    print("\n" + text)
    if args.write_readme:
        write_readme_section("eigensolvers", text)


if __name__ == "__main__":
    sys.exit(main())
