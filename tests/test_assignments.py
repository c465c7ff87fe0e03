"""Student versions of the exercise notebooks, and the self-check module they call."""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
import sys

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import NOTEBOOK_DIR, ROOT
from helpers._validation import InvalidParameterError
from helpers.exercises import check_close, check_for_seeds, check_function, check_in_range
from notebook_tools import CELL_TIMEOUT

FIXTURE = ROOT / "tests" / "fixtures" / "exercise_fixture.ipynb"
EXERCISE_NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("0[1-9]_*.ipynb"))
ALL_NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
#: Source lines that display a panel: ``panel.show()`` (not ``plt.show()``) or ``display(x.widget)``.
SHOWS_PANEL = re.compile(r"(?<!plt)\.show\(\s*\)|display\([^)]*\.widget\b")
STUB_ERRORS = {"NotImplementedError", "AssertionError"}


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


assignments = _load_script("make_assignments")


def _exercise_cells(notebook) -> tuple[list[int], list[int]]:
    """Return the indices of code solution cells and of check cells, from nbgrader metadata."""
    solutions, checks = [], []
    for index, cell in enumerate(notebook.cells):
        grading = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not grading:
            continue
        if grading.get("solution"):
            solutions.append(index)
        elif grading.get("grade"):
            checks.append(index)
    return solutions, checks


def _error_name(cell) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output["ename"]
    return None


def _shows_widget(cell) -> bool:
    return any("application/vnd.jupyter.widget-view+json" in output.get("data", {})
               for output in cell.get("outputs", []))


def run_stubbed_then_solved(student, blocks, workdir):
    """Execute a student notebook, then paste the solutions back and rerun the exercises.

    Cells tagged "widget" are skipped, as a grader would. Everything runs in one kernel,
    so the notebook is executed once.

    Returns
    -------
    stubbed, solved : dict of int to str or None
        Error name per executed cell index, before and after the solutions are restored.
    untagged_widgets : list of int
        Executed cells that displayed a widget without carrying the "widget" tag.
    """
    notebook = copy.deepcopy(student)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(workdir)}})
    stubbed, solved, untagged_widgets = {}, {}, []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or assignments.WIDGET_TAG in cell.metadata.get("tags", []):
                continue
            client.execute_cell(cell, index)
            stubbed[index] = _error_name(cell)
            if _shows_widget(cell):
                untagged_widgets.append(index)

        solution_indices, check_indices = _exercise_cells(notebook)
        for index in sorted(solution_indices + check_indices):
            cell = notebook.cells[index]
            if index in solution_indices:
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                cell.source = assignments.insert_solutions(cell.source, blocks[grade_id])
            cell.outputs = []
            client.execute_cell(cell, index)
            solved[index] = _error_name(cell)
    return stubbed, solved, untagged_widgets


@pytest.fixture(scope="module")
def fixture_notebook():
    return nbformat.read(FIXTURE, as_version=4)


@pytest.fixture(scope="module")
def fixture_student(fixture_notebook):
    return assignments.make_student_version(fixture_notebook, FIXTURE.name)


# ---------------------------------------------------------------------------- self-check module

def test_check_close_passes(capsys):
    check_close(np.array([1.0, 2.0]), [1.0, 2.0 + 1e-9], name="the vector")
    assert capsys.readouterr().out.startswith("Correct: the vector")


def test_check_close_message():
    with pytest.raises(AssertionError) as failure:
        check_close(2.6, 2.5, name="the outlier", atol=0.01, hint="use theta + sigma**2 / theta")
    message = str(failure.value)
    assert "the outlier" in message
    assert "expected: 2.5" in message
    assert "found:    2.6" in message
    assert "hint: use theta + sigma**2 / theta" in message


@pytest.mark.parametrize("found, problem", [
    (None, "is None"),
    ([1.0, 2.0], "wrong shape"),
    ([np.nan, 1.0, 1.0], "NaN"),
    ("text", "not numeric"),
])
def test_check_close_bad_results(found, problem):
    with pytest.raises(AssertionError, match=problem):
        check_close(found, [1.0, 1.0, 1.0])


def test_check_close_complex():
    check_close(np.array([1 + 2j]), [1 + 2j])
    with pytest.raises(AssertionError, match="differs by 4"):
        check_close(np.array([1 + 2j]), np.array([1 - 2j]))
    with pytest.raises(AssertionError, match="is complex"):
        check_in_range(np.array([0.5 + 1j]), 0.0, 1.0)


def test_check_close_bad_tolerance():
    with pytest.raises(InvalidParameterError, match="rtol"):
        check_close(1.0, 1.0, rtol=-1.0)


def test_check_function_names_input():
    with pytest.raises(AssertionError, match=r"square\(3\)"):
        check_function(lambda x: x * 2, [((2,), 4), ((3,), 9)], name="square")


def test_check_function_array_by_shape():
    with pytest.raises(AssertionError, match=r"total\(<array of shape \(50, 3\)>\)") as failure:
        check_function(np.sum, [(np.ones((50, 3)), 149.0)], name="total")
    assert "[[" not in failure.value.args[0].splitlines()[0]


def test_check_function_case_names():
    with pytest.raises(AssertionError, match="on the case large") as failure:
        check_function(np.sum, [(np.ones(2), 2.0), (np.ones((50, 3)), 149.0)],
                       case_names=["small", "large"])
    assert "array" not in failure.value.args[0].splitlines()[0]
    with pytest.raises(InvalidParameterError, match="case_names"):
        check_function(np.sum, [(np.ones(2), 2.0)], case_names=["a", "b"])


def test_check_function_integer_indices():
    with pytest.raises(AssertionError) as failure:
        check_function(lambda values: np.array([1, 2]), [((np.zeros(3),), np.array([1, 3]))])
    message = failure.value.args[0]
    assert "expected: [1 3]" in message
    assert "found:    [1 2]" in message


def test_check_function_stub_propagates():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        check_function(stub, [((1,), 1)])


def test_check_in_range():
    check_in_range([0.7, 0.9], 0.5, 1.0)
    with pytest.raises(AssertionError, match="outside"):
        check_in_range([0.7, 1.2], 0.5, 1.0)
    with pytest.raises(InvalidParameterError):
        check_in_range(0.7, 1.0, 0.5)


def test_check_for_seeds_catches_bias():
    # The mean of 10^4 standard normals has standard deviation 0.01, so atol = 0.05 passes
    # every seed for the unbiased estimate and fails the one shifted by 0.1.
    def estimate(seed, shift=0.0):
        return np.random.default_rng(seed).standard_normal(10_000).mean() + shift

    check_for_seeds(estimate, 0.0, atol=0.05)
    with pytest.raises(AssertionError, match="seed=101"):
        check_for_seeds(lambda seed: estimate(seed, 0.1), 0.0, atol=0.05)
    with pytest.raises(InvalidParameterError):
        check_for_seeds(estimate, 0.0)


# ---------------------------------------------------------------------------- markers

@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside an open region"),
    ("x = 1\n### END SOLUTION", "without a matching"),
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("### BEGIN SOLUTION\n### END HIDDEN TESTS", "without a matching"),
])
def test_markers_unpaired(source, problem):
    with pytest.raises(assignments.MarkerError, match=problem):
        assignments.split_regions(source, "test cell")


def test_stub_keeps_indentation(fixture_student):
    solutions, _ = _exercise_cells(fixture_student)
    first = fixture_student.cells[solutions[0]].source.splitlines()
    assert first[-2:] == ["    # YOUR CODE HERE", "    raise NotImplementedError()"]


def test_notebook_without_markers_skipped(tmp_path):
    plain = new_notebook(cells=[new_code_cell("x = 1")])
    path = tmp_path / "01_plain.ipynb"
    nbformat.write(plain, path)
    assert assignments.write_assignments([path], tmp_path / "out", log=lambda line: None) == []


# ---------------------------------------------------------------------------- the student version

def test_student_valid(fixture_student):
    nbformat.validate(fixture_student)


def test_student_has_no_solution(fixture_notebook, fixture_student):
    text = nbformat.writes(fixture_student)
    for marker in (assignments.BEGIN_SOLUTION, assignments.END_SOLUTION,
                   assignments.BEGIN_HIDDEN_TESTS, assignments.END_HIDDEN_TESTS):
        assert marker not in text
    secret_lines = []
    for index, cell in enumerate(fixture_notebook.cells):
        for kind, lines, _ in assignments.split_regions(cell.source, f"cell {index}"):
            if kind != "text":
                secret_lines.extend(line.strip() for line in lines if line.strip())
    assert secret_lines, "the fixture has no solution or hidden lines to look for"
    student_lines = {line.strip() for cell in fixture_student.cells for line in cell.source.splitlines()}
    assert [line for line in secret_lines if line in student_lines] == []


def test_student_keeps_public_checks(fixture_notebook, fixture_student):
    _, checks = _exercise_cells(fixture_student)
    assert len(checks) == 2
    for index in checks:
        assert "check_" in fixture_student.cells[index].source
        assert fixture_student.cells[index].source in fixture_notebook.cells[index].source


def test_student_outputs_cleared(tmp_path, fixture_notebook):
    executed = copy.deepcopy(fixture_notebook)
    executed.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x\n")]
    executed.cells[1].execution_count = 3
    student = assignments.make_student_version(executed)
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None


def test_nbgrader_metadata(fixture_student):
    grading = [cell.metadata["nbgrader"] for cell in fixture_student.cells if "nbgrader" in cell.metadata]
    grade_ids = [metadata["grade_id"] for metadata in grading]
    assert len(grade_ids) == len(set(grade_ids)) == 5
    for metadata in grading:
        assert metadata["schema_version"] == 3
        assert set(metadata) >= {"grade", "solution", "locked", "grade_id"}
        if metadata["grade"]:
            assert metadata["points"] > 0


def test_markdown_answer_stubbed(fixture_student):
    answers = [cell for cell in fixture_student.cells
               if cell.cell_type == "markdown" and "nbgrader" in cell.metadata]
    assert [cell.source for cell in answers] == [assignments.MARKDOWN_STUB]


def test_insert_solutions_roundtrip(fixture_notebook, fixture_student):
    blocks = assignments.solution_blocks(assignments.annotate(fixture_notebook))
    for cell in fixture_student.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in blocks:
            restored = assignments.insert_solutions(cell.source, blocks[grade_id])
            assert assignments.BEGIN_SOLUTION not in restored
            assert "NotImplementedError" not in restored
    with pytest.raises(ValueError, match="left over"):
        assignments.insert_solutions("x = 1", [["x = 2"]])


def test_command_line(tmp_path, capsys):
    out = tmp_path / "assignments"
    course = tmp_path / "course"
    assert assignments.main([str(FIXTURE), "--out", str(out), "--nbgrader-course", str(course)]) == 0
    assert (out / FIXTURE.name).exists()
    source = nbformat.read(course / "source" / FIXTURE.stem / FIXTURE.name, as_version=4)
    assert assignments.BEGIN_HIDDEN_TESTS in nbformat.writes(source)
    assert "1 student notebook(s) written" in capsys.readouterr().out


def test_command_line_assignment_name(tmp_path):
    course = tmp_path / "course"
    arguments = [str(FIXTURE), "--out", str(tmp_path / "out"), "--nbgrader-course", str(course),
                 "--assignment", "bbp"]
    assert assignments.main(arguments) == 0
    assert (course / "source" / "bbp" / FIXTURE.name).exists()


def test_command_line_marker_error(tmp_path, capsys):
    broken = new_notebook(cells=[new_markdown_cell("x"), new_code_cell("### BEGIN SOLUTION\nx = 1")])
    path = tmp_path / "02_broken.ipynb"
    nbformat.write(broken, path)
    assert assignments.main([str(path), "--out", str(tmp_path / "out")]) == 1
    assert "never closed" in capsys.readouterr().err


# ---------------------------------------------------------------------------- executing exercises

def test_fixture_stubs_fail_solutions_pass(fixture_notebook, fixture_student):
    blocks = assignments.solution_blocks(assignments.annotate(fixture_notebook))
    stubbed, solved, untagged = run_stubbed_then_solved(fixture_student, blocks, FIXTURE.parent)
    solutions, checks = _exercise_cells(fixture_student)
    assert untagged == []
    for index in solutions:
        assert stubbed[index] is None, f"solution cell {index} raised {stubbed[index]} with the stub"
    for index in checks:
        assert stubbed[index] in STUB_ERRORS, f"check cell {index} gave {stubbed[index]} with the stub"
    assert solved == {index: None for index in solutions + checks}


def test_trivial_check_detected():
    # A check cell that never calls the student's function passes with the stub in place.
    # The runner must report that pass, because otherwise the stub test above could not fail.
    notebook = new_notebook(cells=[
        new_code_cell("from helpers.exercises import check_close"),
        new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"),
        new_code_cell("check_close(1, 1)"),
    ])
    student = assignments.make_student_version(notebook)
    blocks = assignments.solution_blocks(assignments.annotate(notebook))
    stubbed, _, _ = run_stubbed_then_solved(student, blocks, ROOT)
    assert stubbed[2] is None


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda path: path.name)
def test_panel_cells_tagged(path):
    notebook = nbformat.read(path, as_version=4)
    untagged = [index for index, cell in enumerate(notebook.cells)
                if cell.cell_type == "code" and SHOWS_PANEL.search(cell.source)
                and assignments.WIDGET_TAG not in cell.metadata.get("tags", [])]
    assert untagged == [], f"{path.name} cells {untagged} display a panel without the 'widget' tag"


def test_panel_pattern():
    assert SHOWS_PANEL.search("panel.show();")
    assert SHOWS_PANEL.search("display(panel.widget)")
    assert not SHOWS_PANEL.search("plt.show()")
    assert not SHOWS_PANEL.search("panel.show_static()")


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_has_exercises(path):
    notebook = nbformat.read(path, as_version=4)
    plans = assignments.plan_notebook(notebook, path.name)
    kinds = [plan.kind for plan in plans]
    assert "solution" in kinds, f"{path.name} has no '### BEGIN SOLUTION' block"
    assert "check" in kinds, f"{path.name} has no self-check cell calling helpers.exercises"


@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS + [FIXTURE], ids=lambda path: path.name)
def test_solutions_inside_functions(path):
    # A stub raises NotImplementedError when it runs. Inside a function body it runs only when
    # a check calls the function, so the solution cell itself executes cleanly and defines it.
    notebook = nbformat.read(path, as_version=4)
    allowed = (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)
    for index, (cell, plan) in enumerate(zip(notebook.cells, assignments.plan_notebook(notebook))):
        if cell.cell_type != "code" or plan.kind != "solution":
            continue
        markers = [line for line in cell.source.splitlines() if assignments.BEGIN_SOLUTION in line]
        assert all(line[:1].isspace() for line in markers), f"{path.name} cell {index}: marker not indented"
        statements = ast.parse(cell.source).body
        assert all(isinstance(node, allowed) for node in statements), \
            f"{path.name} cell {index}: a solution cell should only define functions"


@pytest.mark.notebook
@pytest.mark.parametrize("path", EXERCISE_NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_student_version(path):
    notebook = nbformat.read(path, as_version=4)
    student = assignments.make_student_version(notebook, path.name)
    nbformat.validate(student)
    assert not re.search(r"### (BEGIN|END) (SOLUTION|HIDDEN TESTS)", nbformat.writes(student))

    blocks = assignments.solution_blocks(assignments.annotate(notebook, path.name))
    stubbed, solved, untagged = run_stubbed_then_solved(student, blocks, path.parent)
    solutions, checks = _exercise_cells(student)
    assert untagged == [], f"cells {untagged} display a widget without the 'widget' tag"
    assert [index for index in checks if stubbed[index] not in STUB_ERRORS] == [], stubbed
    assert {index: error for index, error in solved.items() if error} == {}


@pytest.mark.parametrize("expected", [float("nan"), [1.0, float("nan")], None, float("inf"), "abc"])
def test_check_close_rejects_invalid_reference(expected):
    from helpers._validation import InvalidParameterError
    from helpers.exercises import check_close

    found = [1.0, 99.0] if isinstance(expected, list) else 5.0
    with pytest.raises(InvalidParameterError, match="expected=.* is invalid"):
        check_close(found, expected)
