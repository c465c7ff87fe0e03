"""Peak memory and time of the streamed Gaussian-equivalent algorithm against the in-memory one.

Each row runs in its own subprocess (peak RSS from ``ru_maxrss``, interpreter included):

* ``in memory``: ``run_layerwise(model, n, seed, method="dense")``, which keeps two n x D
  samples (skipped when they would exceed ``--memory-gib``);
* ``streamed``: ``run_layerwise_streamed`` with the same seed and blocks of 4096 rows.

Where both run, the table also gives the largest difference of the test MSE and of the
overlaps, which should be at the level of rounding.

Usage: python benchmarks/bench_streaming.py [--D 1000] [--sizes 100000 1000000] [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from common import GIB, describe_machine, machine_info, markdown_table, peak_rss_bytes, run_worker, write_readme_section

P = 40
GAMMA = 1.0


def run_case(case: dict) -> dict:
    """Worker: run one variant and report time, peak memory and the evaluation."""
    from threadpoolctl import threadpool_limits

    from helpers.algorithm import run_layerwise
    from helpers.model import HierarchicalModel
    from helpers.streaming import run_layerwise_streamed

    model = HierarchicalModel(D=case["D"], p=P, gamma=GAMMA, seed=0)
    with threadpool_limits(case["threads"]):
        start = time.perf_counter()
        if case["variant"] == "streamed":
            _, evaluation = run_layerwise_streamed(model, case["n"], seed=1)
        else:
            _, evaluation = run_layerwise(model, case["n"], seed=1, method="dense",
                                          memory_budget=int(case["memory_gib"] * GIB))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss": peak_rss_bytes(), "mse": evaluation.mse,
            "overlaps": evaluation.overlaps.tolist(), "n_recovered": evaluation.n_recovered}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--D", type=int, default=1000, help="feature dimension (default 1000)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000],
                        help="first-layer sample sizes n (default 100000 1000000)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--memory-gib", type=float, default=4.0,
                        help="skip in-memory runs whose samples exceed this, in GiB (default 4)")
    parser.add_argument("--write-readme", action="store_true", help="write the table into README.md")
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_case(json.loads(args.worker))))
        return

    info = machine_info()
    print(describe_machine(info))
    rows = []
    for n in args.sizes:
        results = {}
        for variant in ("in memory", "streamed"):
            samples_gib = 2 * 8.0 * n * args.D / GIB
            if variant == "in memory" and samples_gib > args.memory_gib:
                rows.append([f"{n:,}", variant, f"skipped: the two samples need {samples_gib:.1f} GiB",
                             "", "", "", ""])
                print(rows[-1], flush=True)
                continue
            case = {"D": args.D, "n": n, "variant": variant, "threads": args.threads,
                    "memory_gib": args.memory_gib}
            result = run_worker(__file__, case, timeout=7200)
            results[variant] = result
            if "error" in result:
                rows.append([f"{n:,}", variant, result["error"], "", "", "", ""])
            else:
                rows.append([f"{n:,}", variant, f"{result['seconds']:.1f}", f"{result['peak_rss'] / GIB:.2f}",
                             f"{result['mse']:.4f}", result["n_recovered"], ""])
            print(rows[-1], flush=True)
        if all("mse" in results.get(variant, {}) for variant in ("in memory", "streamed")):
            first, second = results["in memory"], results["streamed"]
            overlap_gap = max(abs(a - b) for a, b in zip(first["overlaps"], second["overlaps"]))
            rows[-1][-1] = f"MSE {abs(first['mse'] - second['mse']):.1e}, overlaps {overlap_gap:.1e}"

    table = markdown_table(["n", "variant", "seconds", "peak RSS GiB", "test MSE", "recovered",
                            "difference to in-memory"], rows)
    settings = (f"Gaussian-equivalent model, D = {args.D}, p = {P}, gamma = {GAMMA}, split sample "
                f"(two samples of n), test set 4000, seed 1, BLAS threads {args.threads}.")
    text = "\n\n".join([describe_machine(info), settings, table])
    print("\n" + text)
    if args.write_readme:
        write_readme_section("streaming", text)


if __name__ == "__main__":
    sys.exit(main())
