"""Time every notebook in a fresh kernel and print (or record) a Markdown table.

Usage::

    python scripts/notebook_timings.py                 # print the table
    python scripts/notebook_timings.py --write         # also update benchmarks/README.md
    python scripts/notebook_timings.py --repeat 3 notebooks/00_start_here.ipynb

Each notebook runs top to bottom in a new ``python3`` kernel, in its own folder, exactly as
tests/test_notebooks.py runs it. With ``--write`` the script replaces only the body of the
section "Notebook execution times" of benchmarks/README.md (appending the section if it is
missing) and leaves the rest of the file alone.
"""

from __future__ import annotations

import argparse
import datetime
import os
import pathlib
import platform
import re
import statistics
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
BENCHMARK_README = ROOT / "benchmarks" / "README.md"
SECTION_TITLE = "Notebook execution times"
#: Budget of one notebook in seconds, the limit tests/test_notebooks.py enforces.
NOTEBOOK_BUDGET = 60.0

sys.path.insert(0, str(ROOT / "tests"))
from notebook_tools import error_outputs, execute_notebook  # noqa: E402  (lives in tests/)


def time_notebook(path: pathlib.Path, repeat: int) -> float:
    """Median wall-clock seconds of ``repeat`` runs of ``path``; raise if a cell fails."""
    runs = []
    for _ in range(repeat):
        executed, seconds = execute_notebook(path)
        errors = error_outputs(executed)
        if errors:
            raise RuntimeError(f"{path.name} produced errors: {errors}")
        runs.append(seconds)
    return statistics.median(runs)


def format_table(timings: dict[str, float], repeat: int) -> str:
    """Markdown table of the timings, with the machine and command that produced them."""
    runs = "one run" if repeat == 1 else f"median of {repeat} runs"
    lines = [
        f"Wall-clock time of each notebook in a fresh kernel ({runs}), measured "
        f"{datetime.date.today().isoformat()} on {os.cpu_count()} CPU cores with Python "
        f"{platform.python_version()}. The budget per notebook is {NOTEBOOK_BUDGET:.0f} s on 2 cores. "
        "Regenerate with `python scripts/notebook_timings.py --write`.",
        "",
        "| notebook | seconds | share of budget |",
        "|---|---:|---:|",
    ]
    for name, seconds in timings.items():
        lines.append(f"| {name} | {seconds:.1f} | {seconds / NOTEBOOK_BUDGET:.0%} |")
    lines.append(f"| **total** | {sum(timings.values()):.1f} | |")
    return "\n".join(lines)


def replace_section(text: str, title: str, body: str) -> str:
    """Return ``text`` with the body of the Markdown section ``title`` replaced by ``body``.

    The body, subsections included, runs from the line after the heading to the next
    heading of the same or a higher level. A missing section is appended as a level-2 section.
    """
    heading = re.search(rf"^(#{{1,6}})[ \t]+{re.escape(title)}[ \t]*$", text, re.MULTILINE)
    if heading is None:
        return f"{text.rstrip()}\n\n## {title}\n\n{body}\n" if text.strip() else f"## {title}\n\n{body}\n"
    level = len(heading.group(1))
    following = re.compile(rf"^#{{1,{level}}}[ \t]", re.MULTILINE).search(text, heading.end())
    end = following.start() if following else len(text)
    tail = text[end:]
    return f"{text[:heading.end()]}\n\n{body}\n" + (f"\n{tail}" if tail else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to time (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per notebook; the median is reported")
    parser.add_argument("--write", action="store_true",
                        help=f"replace the section '{SECTION_TITLE}' in {BENCHMARK_README.relative_to(ROOT)}")
    arguments = parser.parse_args(argv)
    if arguments.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {arguments.repeat}")

    paths = arguments.notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        parser.error(f"notebooks not found: {missing}")

    timings = {}
    for path in paths:
        timings[path.name] = time_notebook(path.resolve(), arguments.repeat)
        print(f"{path.name:<45} {timings[path.name]:6.1f} s", file=sys.stderr, flush=True)
    table = format_table(timings, arguments.repeat)
    print(table)

    if arguments.write:
        current = BENCHMARK_README.read_text(encoding="utf-8") if BENCHMARK_README.exists() else ""
        BENCHMARK_README.parent.mkdir(exist_ok=True)
        BENCHMARK_README.write_text(replace_section(current, SECTION_TITLE, table), encoding="utf-8")
        print(f"updated the section '{SECTION_TITLE}' of {BENCHMARK_README}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
