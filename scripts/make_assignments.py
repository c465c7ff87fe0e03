"""Generate student versions of the notebooks that contain exercises.

Exercises are written once, in the solution notebooks, with the markers that nbgrader uses:

* ``### BEGIN SOLUTION`` / ``### END SOLUTION`` around solution lines, inside a function
  body, so that the stub can raise ``NotImplementedError`` when the function is called;
* ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS`` around checks that are removed
  from the student version;
* public self-checks in their own cells, calling a checker from ``helpers.exercises``.

For every notebook that contains solution markers this script writes a student version:
each solution block becomes ``# YOUR CODE HERE`` plus ``raise NotImplementedError()`` at the
indentation of the ``### BEGIN SOLUTION`` line (``YOUR ANSWER HERE`` in markdown cells),
hidden tests are removed, public self-checks stay, and outputs and execution counts are
cleared. Solution and check cells receive nbgrader cell metadata (``grade_id``, ``solution``,
``grade``, ``locked``, ``points``), so an instructor can also feed the annotated solution
notebooks written by ``--nbgrader-course`` to ``nbgrader generate_assignment``. The script
needs only ``nbformat``: nbgrader itself is optional.

Usage::

    python scripts/make_assignments.py --out assignments/
    python scripts/make_assignments.py notebooks/01_*.ipynb notebooks/02_*.ipynb --out assignments/ \
        --nbgrader-course course/ --assignment bbp
"""

from __future__ import annotations

import argparse
import ast
import copy
import pathlib
import re
import sys
from dataclasses import dataclass, field

import nbformat

ROOT = pathlib.Path(__file__).resolve().parents[1]

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN_TESTS = "### BEGIN HIDDEN TESTS"
END_HIDDEN_TESTS = "### END HIDDEN TESTS"
#: Lines that replace a code solution block; nbgrader's default stub for Python.
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
#: Text that replaces a markdown solution block.
MARKDOWN_STUB = "YOUR ANSWER HERE"
#: Tag of cells that display an interactive panel; graders skip them.
WIDGET_TAG = "widget"
#: Version of nbgrader's cell-metadata schema written by this script.
NBGRADER_SCHEMA_VERSION = 3
_MARKERS = (BEGIN_SOLUTION, END_SOLUTION, BEGIN_HIDDEN_TESTS, END_HIDDEN_TESTS)


class MarkerError(ValueError):
    """Exercise markers that do not pair up; the message names the cell and the line."""


@dataclass
class CellPlan:
    """Classification of one cell of a solution notebook.

    Attributes
    ----------
    kind : {"solution", "check", "plain"}
        Solution cells contain solution blocks; check cells call a checker from
        ``helpers.exercises``, contain hidden tests, or carry nbgrader grade metadata.
    solution_blocks : list of list of str
        Lines between each pair of solution markers, markers excluded.
    hidden_blocks : int
        Number of hidden-test blocks.
    """

    kind: str
    solution_blocks: list = field(default_factory=list)
    hidden_blocks: int = 0


# ---------------------------------------------------------------------------- markers

def _marker_of(line: str) -> str | None:
    """Return the marker that ``line`` contains, or None."""
    for marker in _MARKERS:
        if marker in line:
            return marker
    return None


def split_regions(source: str, where: str = "cell") -> list[tuple[str, list[str], str]]:
    """Split a cell source into regions delimited by the exercise markers.

    Parameters
    ----------
    source : str
        Cell source.
    where : str
        Location used in error messages, for example ``"03_x.ipynb cell 12"``.

    Returns
    -------
    list of (kind, lines, indent)
        ``kind`` is ``"text"``, ``"solution"`` or ``"hidden"``; ``lines`` excludes the marker
        lines; ``indent`` is the leading whitespace of the opening marker (empty for text).

    Raises
    ------
    MarkerError
        For a nested, unclosed or unopened region.
    """
    regions: list[tuple[str, list[str], str]] = [("text", [], "")]
    openers = {BEGIN_SOLUTION: ("solution", END_SOLUTION), BEGIN_HIDDEN_TESTS: ("hidden", END_HIDDEN_TESTS)}
    open_region: tuple[str, str, int] | None = None  # (kind, closing marker, line number)

    for number, line in enumerate(source.splitlines(), start=1):
        marker = _marker_of(line)
        if marker is None:
            regions[-1][1].append(line)
            continue
        if marker in openers:
            if open_region is not None:
                raise MarkerError(f"{where}, line {number}: {marker!r} inside an open region that "
                                  f"started on line {open_region[2]}; close it with {open_region[1]!r} first.")
            kind, closing = openers[marker]
            open_region = (kind, closing, number)
            regions.append((kind, [], re.match(r"\s*", line).group(0)))
            continue
        if open_region is None or marker != open_region[1]:
            raise MarkerError(f"{where}, line {number}: {marker!r} without a matching opening marker.")
        open_region = None
        regions.append(("text", [], ""))

    if open_region is not None:
        raise MarkerError(f"{where}, line {open_region[2]}: region never closed. Add {open_region[1]!r}.")
    return [region for region in regions if region[0] != "text" or region[1]]


def _join(lines: list[str]) -> str:
    return "\n".join(lines)


# ---------------------------------------------------------------------------- checker calls

def _parseable(source: str) -> str:
    """Comment out IPython magics and shell escapes so that ``ast`` can parse a cell."""
    return "\n".join("#" + line if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def checker_names(notebook) -> tuple[set[str], set[str]]:
    """Return the names bound to ``helpers.exercises`` functions and to the module itself.

    Returns
    -------
    functions : set of str
        Names imported with ``from helpers.exercises import ...``.
    modules : set of str
        Aliases of the module (``import helpers.exercises as ex``, ``from helpers import exercises``).
    """
    functions: set[str] = set()
    modules: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(_parseable(cell.source))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "helpers.exercises":
                functions.update(alias.asname or alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module == "helpers":
                modules.update(alias.asname or alias.name for alias in node.names
                               if alias.name == "exercises")
            elif isinstance(node, ast.Import):
                modules.update(alias.asname for alias in node.names
                               if alias.name == "helpers.exercises" and alias.asname)
    return functions, modules


def calls_checker(source: str, functions: set[str], modules: set[str]) -> bool:
    """Return whether a cell source calls a function from ``helpers.exercises``."""
    try:
        tree = ast.parse(_parseable(source))
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = node.func
        if isinstance(target, ast.Name) and target.id in functions:
            return True
        if isinstance(target, ast.Attribute):
            owner = target.value
            if isinstance(owner, ast.Name) and owner.id in modules:
                return True
            # helpers.exercises.check_close(...) written out in full
            if (isinstance(owner, ast.Attribute) and owner.attr == "exercises"
                    and isinstance(owner.value, ast.Name) and owner.value.id == "helpers"):
                return True
    return False


# ---------------------------------------------------------------------------- planning

def plan_notebook(notebook, name: str = "notebook") -> list[CellPlan]:
    """Classify every cell of a solution notebook; see :class:`CellPlan`.

    Raises
    ------
    MarkerError
        For unpaired markers, or markers of hidden tests in a markdown cell.
    """
    functions, modules = checker_names(notebook)
    plans = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type not in ("code", "markdown"):
            plans.append(CellPlan("plain"))
            continue
        regions = split_regions(cell.source, f"{name} cell {index}")
        solutions = [lines for kind, lines, _ in regions if kind == "solution"]
        hidden = sum(kind == "hidden" for kind, _, _ in regions)
        if hidden and cell.cell_type == "markdown":
            raise MarkerError(f"{name} cell {index}: hidden tests belong in code cells, not markdown.")
        existing = cell.metadata.get("nbgrader", {})
        if solutions:
            kind = "solution"
        elif hidden or existing.get("grade") or (
                cell.cell_type == "code" and calls_checker(cell.source, functions, modules)):
            kind = "check"
        else:
            kind = "plain"
        plans.append(CellPlan(kind, solutions, hidden))
    return plans


def has_exercises(notebook) -> bool:
    """Return whether any cell contains a ``### BEGIN SOLUTION`` marker."""
    return any(BEGIN_SOLUTION in cell.source for cell in notebook.cells
               if cell.cell_type in ("code", "markdown"))


def _nbgrader_metadata(cell, plan: CellPlan, grade_id: str) -> dict:
    """Return nbgrader cell metadata for a planned cell, keeping values the author set."""
    existing = dict(cell.metadata.get("nbgrader", {}))
    is_markdown = cell.cell_type == "markdown"
    if plan.kind == "solution":
        # A markdown solution is graded by hand, so it needs points. A code solution is
        # graded through the check cells that follow it.
        metadata = {"solution": True, "grade": is_markdown, "locked": False, "task": False}
    else:
        metadata = {"solution": False, "grade": True, "locked": True, "task": False}
    if metadata["grade"]:
        metadata["points"] = existing.get("points", 1)
    metadata.update({key: value for key, value in existing.items() if key not in ("schema_version",)})
    metadata.setdefault("grade_id", grade_id)
    metadata["cell_type"] = cell.cell_type  # nbgrader compares it to detect a changed cell type
    metadata["schema_version"] = NBGRADER_SCHEMA_VERSION
    return metadata


def annotate(notebook, name: str = "notebook"):
    """Return a copy of a solution notebook with nbgrader metadata on exercise cells.

    Solutions and hidden tests stay, so the copy is what nbgrader expects in its
    ``source/<assignment>/`` folder.
    """
    annotated = copy.deepcopy(notebook)
    plans = plan_notebook(annotated, name)
    counters = {"solution": 0, "check": 0}
    for cell, plan in zip(annotated.cells, plans):
        if plan.kind == "plain":
            continue
        counters[plan.kind] += 1
        grade_id = f"{plan.kind}-{counters[plan.kind]}"
        cell.metadata["nbgrader"] = _nbgrader_metadata(cell, plan, grade_id)
    return annotated


def _student_source(cell, where: str) -> str:
    """Return a cell source with solution blocks stubbed and hidden tests removed."""
    lines: list[str] = []
    for kind, region_lines, indent in split_regions(cell.source, where):
        if kind == "text":
            lines.extend(region_lines)
        elif kind == "solution" and cell.cell_type == "markdown":
            lines.append(MARKDOWN_STUB)
        elif kind == "solution":
            lines.extend(indent + stub for stub in CODE_STUB)
    return _join(lines)


def make_student_version(notebook, name: str = "notebook"):
    """Return the student version of a solution notebook.

    Solution blocks become stubs at the indentation of their opening marker, hidden tests
    are removed, outputs and execution counts are cleared, and exercise cells carry
    nbgrader metadata. The input notebook is not modified.
    """
    student = annotate(notebook, name)
    for index, cell in enumerate(student.cells):
        if cell.cell_type in ("code", "markdown"):
            cell.source = _student_source(cell, f"{name} cell {index}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return student


# ---------------------------------------------------------------------------- solutions back in

def solution_blocks(notebook, name: str = "notebook") -> dict[str, list[list[str]]]:
    """Return the solution blocks of an annotated notebook, keyed by nbgrader ``grade_id``."""
    blocks = {}
    for index, cell in enumerate(notebook.cells):
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id is None or cell.cell_type not in ("code", "markdown"):
            continue
        found = [lines for kind, lines, _ in split_regions(cell.source, f"{name} cell {index}")
                 if kind == "solution"]
        if found:
            blocks[grade_id] = found
    return blocks


def insert_solutions(source: str, blocks: list[list[str]]) -> str:
    """Replace the stubs in a student cell, in order, by solution blocks.

    Parameters
    ----------
    source : str
        Source of a student cell containing code stubs (two lines, see ``CODE_STUB``) or
        markdown stubs.
    blocks : list of list of str
        Solution lines for each stub, in order, with their original indentation.

    Raises
    ------
    ValueError
        If the number of stubs differs from the number of blocks.
    """
    lines = source.splitlines()
    result: list[str] = []
    remaining = list(blocks)
    index = 0
    while index < len(lines):
        line = lines[index]
        is_code_stub = (line.strip() == CODE_STUB[0] and index + 1 < len(lines)
                        and lines[index + 1].strip() == CODE_STUB[1])
        if is_code_stub or line.strip() == MARKDOWN_STUB:
            if not remaining:
                raise ValueError(f"more stubs than solution blocks ({len(blocks)}) in:\n{source}")
            result.extend(remaining.pop(0))
            index += 2 if is_code_stub else 1
            continue
        result.append(line)
        index += 1
    if remaining:
        raise ValueError(f"{len(remaining)} solution block(s) left over: the cell has fewer stubs.")
    return _join(result)


# ---------------------------------------------------------------------------- command line

def write_assignments(paths, out: pathlib.Path, nbgrader_course: pathlib.Path | None = None,
                      assignment: str | None = None, log=print) -> list[pathlib.Path]:
    """Write the student version of every notebook in ``paths`` that has exercises.

    Parameters
    ----------
    paths : iterable of pathlib.Path
        Solution notebooks.
    out : pathlib.Path
        Folder of the student notebooks (created if missing); file names are kept.
    nbgrader_course : pathlib.Path, optional
        When given, annotated solution notebooks are also written to
        ``nbgrader_course/source/<assignment>/<notebook name>`` for nbgrader.
    assignment : str, optional
        nbgrader assignment name shared by all notebooks; by default each notebook is its
        own assignment, named after its file stem.
    log : callable
        Receives one line per notebook.

    Returns
    -------
    list of pathlib.Path
        The student notebooks written.
    """
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        if not has_exercises(notebook):
            log(f"{path.name}: skipped, no {BEGIN_SOLUTION!r} marker")
            continue
        plans = plan_notebook(notebook, path.name)
        student = make_student_version(notebook, path.name)
        nbformat.validate(student)
        target = out / path.name
        nbformat.write(student, target)
        written.append(target)

        n_solutions = sum(len(plan.solution_blocks) for plan in plans)
        n_checks = sum(plan.kind == "check" for plan in plans)
        n_hidden = sum(plan.hidden_blocks for plan in plans)
        log(f"{path.name}: {n_solutions} solution block(s) stubbed, {n_checks} check cell(s), "
            f"{n_hidden} hidden test block(s) removed -> {target}")
        if nbgrader_course is not None:
            source_dir = nbgrader_course / "source" / (assignment or path.stem)
            source_dir.mkdir(parents=True, exist_ok=True)
            nbformat.write(annotate(notebook, path.name), source_dir / path.name)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="solution notebooks (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "assignments",
                        help="folder for the student notebooks (default: assignments/)")
    parser.add_argument("--nbgrader-course", type=pathlib.Path, default=None,
                        help="also write annotated solution notebooks to DIR/source/<assignment>/ "
                             "for nbgrader generate_assignment")
    parser.add_argument("--assignment", default=None,
                        help="nbgrader assignment name for all the notebooks given "
                             "(default: one assignment per notebook, named after the file)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    try:
        written = write_assignments(paths, args.out, args.nbgrader_course, args.assignment)
    except MarkerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{len(written)} student notebook(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
