"""Every notebook runs top to bottom in a fresh kernel and is committed clean."""

from __future__ import annotations

import json

import pytest

from conftest import NOTEBOOK_DIR
from notebook_tools import error_outputs, execute_notebook

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
#: Wall-clock budget of one whole notebook on a 2-core machine, in seconds.
NOTEBOOK_BUDGET = 60.0
TIMINGS: dict[str, float] = {}


def test_collection_has_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOK_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_committed_clean(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] != "code":
            continue
        assert cell.get("outputs") == [], f"{path.name} cell {index} holds outputs"
        assert cell.get("execution_count") is None, f"{path.name} cell {index} holds an execution count"


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_notebook_executes(path):
    executed, seconds = execute_notebook(path)
    TIMINGS[path.name] = seconds
    assert error_outputs(executed) == []
    assert seconds < NOTEBOOK_BUDGET, f"{path.name} took {seconds:.1f} s, budget {NOTEBOOK_BUDGET} s"

