"""Execute notebooks in a fresh kernel for the tests."""

from __future__ import annotations

import pathlib
import time

import nbformat
from nbclient import NotebookClient

#: Seconds a single cell may run before the test fails.
CELL_TIMEOUT = 120


def code_cells(path: pathlib.Path):
    """Yield the code cells of a notebook."""
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def execute_notebook(path: pathlib.Path, timeout: int = CELL_TIMEOUT, workdir: pathlib.Path | None = None):
    """Run every cell of ``path`` in a fresh python3 kernel; return (notebook, seconds).

    Cells run in ``workdir`` (default: the notebook's folder). A cell that raises makes
    nbclient raise ``CellExecutionError``, which fails the calling test.
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir or path.parent)}})
    start = time.perf_counter()
    client.execute()
    return notebook, time.perf_counter() - start


def error_outputs(notebook) -> list[str]:
    """Return the error and stderr-traceback outputs of an executed notebook."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"{output.get('ename')}: {output.get('evalue')}")
            elif output.get("output_type") == "stream" and "Traceback" in output.get("text", ""):
                found.append(output["text"][:500])
    return found
