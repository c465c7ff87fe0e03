"""Build the static HTML edition of the collection: executed notebooks readable without a kernel.

Each notebook runs top to bottom in a fresh kernel and is converted to a self-contained HTML
page with nbconvert (images are embedded). A widget view needs a live kernel, so this script
removes every widget output (and the saved widget state) and puts a short note in its place.
The static figure that each notebook shows next to each panel then carries the content.
Cells tagged ``hide_input`` show only their outputs. An ``index.html`` links the pages.

Usage::

    python scripts/build_static_edition.py --out _static_edition/
    python scripts/build_static_edition.py notebooks/00_start_here.ipynb --out /tmp/edition

A notebook that raises while executing stops the build with the notebook's name.
"""

from __future__ import annotations

import argparse
import datetime
import html
import pathlib
import re
import subprocess
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

ROOT = pathlib.Path(__file__).resolve().parents[1]
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_KEY = "widgets"
#: HTML shown where an interactive panel was.
PANEL_NOTE = (
    "<div class='static-edition-note' style='border-left: 4px solid #e0a000; padding: 4px 10px; "
    "background: #fff8e0'><b>Interactive panel.</b> This static edition cannot run it: the figure "
    "next to this cell shows the same view at default parameters. Open the notebook in "
    "JupyterLab to move the sliders.</div>"
)


def strip_widget_outputs(notebook) -> list[int]:
    """Replace widget outputs by :data:`PANEL_NOTE`, in place, and drop the saved widget state.

    Returns
    -------
    list of int
        Indices of the cells whose widget outputs were replaced.
    """
    notebook.metadata.pop(WIDGET_STATE_KEY, None)
    replaced = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        outputs = []
        has_widget = False
        for output in cell.get("outputs", []):
            if WIDGET_VIEW_MIME in output.get("data", {}):
                has_widget = True
                continue
            outputs.append(output)
        if has_widget:
            outputs.append(nbformat.v4.new_output("display_data", data={
                "text/html": PANEL_NOTE, "text/plain": "[interactive panel: see the static figure]"}))
            cell.outputs = outputs
            replaced.append(index)
    return replaced


def _has_image(cell) -> bool:
    return any("image/png" in output.get("data", {}) or "image/svg+xml" in output.get("data", {})
               for output in cell.get("outputs", []))


def panels_without_figure(notebook, panel_cells) -> list[int]:
    """Return the panel cells that have no image in themselves or in the nearest code cells.

    Each panel should have a static figure made by the same helper in the code cell just
    before or just after it (markdown cells in between are allowed).
    """
    code_indices = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    missing = []
    for index in panel_cells:
        position = code_indices.index(index)
        neighbours = code_indices[max(position - 1, 0):position + 2]
        if not any(_has_image(notebook.cells[neighbour]) for neighbour in neighbours):
            missing.append(index)
    return missing


def execute(notebook, workdir: pathlib.Path, timeout: int):
    """Run every cell in a fresh python3 kernel with ``workdir`` as the current folder."""
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return notebook


def _exporter() -> HTMLExporter:
    exporter = HTMLExporter(template_name="lab")
    remove_input = TagRemovePreprocessor(remove_input_tags={"hide_input"}, enabled=True)
    exporter.register_preprocessor(remove_input, enabled=True)
    return exporter


def notebook_title(notebook, fallback: str) -> tuple[str, str]:
    """Return the first markdown heading and the first paragraph after it."""
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.strip().splitlines()
        if lines and lines[0].startswith("#"):
            title = lines[0].lstrip("#").strip()
            paragraphs = [part.strip() for part in "\n".join(lines[1:]).split("\n\n") if part.strip()]
            return title, (paragraphs[0] if paragraphs else "")
        break
    return fallback, ""


def _markdown_to_text(text: str) -> str:
    """Drop bold marks and backticks from a one-paragraph summary, keeping $...$ for MathJax."""
    parts = re.split(r"(\$[^$]+\$)", " ".join(text.split()))
    return "".join(part if part.startswith("$") else re.sub(r"\*\*|`", "", part) for part in parts)


def write_index(out: pathlib.Path, entries, commit: str | None) -> pathlib.Path:
    """Write ``index.html`` linking the pages; ``entries`` contains (file name, title, summary)."""
    stamp = datetime.date.today().isoformat() + (f", commit {commit}" if commit else "")
    items = "\n".join(
        f"<li><a href='{html.escape(name)}'>{html.escape(title)}</a>"
        f"<p>{html.escape(_markdown_to_text(summary))}</p></li>"
        for name, title, summary in entries
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Scaling laws from sequential feature recovery: static edition</title>
<script type="text/x-mathjax-config">
MathJax.Hub.Config({{tex2jax: {{inlineMath: [["$", "$"]], processEscapes: true}}}});
</script>
<script src="{html.escape(HTMLExporter().mathjax_url)}"></script>
<style>
body {{ font-family: sans-serif; max-width: 52em; margin: 2em auto; line-height: 1.5; padding: 0 1em; }}
li {{ margin-bottom: 0.8em; }} li p {{ margin: 0.2em 0; color: #333; }}
</style>
</head>
<body>
<h1>Scaling laws from sequential feature recovery</h1>
<p>Static edition: every notebook was executed top to bottom and saved with its outputs, so it
reads without Python. Interactive panels are replaced by a note; the static figure next to each
panel shows it at default parameters. To move the sliders, run the notebooks in JupyterLab.</p>
<ol>
{items}
</ol>
<p><small>Built {html.escape(stamp)}.</small></p>
</body>
</html>
"""
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def _current_commit() -> str | None:
    try:
        result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None


def build(paths, out: pathlib.Path, timeout: int = 300, log=print) -> list[pathlib.Path]:
    """Execute and convert each notebook, then write the index; return the HTML pages.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a notebook raises; the message names the cell.
    """
    out.mkdir(parents=True, exist_ok=True)
    exporter = _exporter()
    pages, entries = [], []
    for path in paths:
        start = time.perf_counter()
        notebook = execute(nbformat.read(path, as_version=4), path.parent, timeout)
        panels = strip_widget_outputs(notebook)
        missing = panels_without_figure(notebook, panels)
        body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": path.stem}})
        page = out / f"{path.stem}.html"
        page.write_text(body, encoding="utf-8")
        pages.append(page)
        title, summary = notebook_title(notebook, path.stem)
        entries.append((page.name, title, summary))

        log(f"{path.name}: executed in {time.perf_counter() - start:.1f} s, "
            f"{len(panels)} panel(s) replaced by a note -> {page}")
        if missing:
            log(f"WARNING: {path.name} cells {missing} show a panel with no static figure next to it")
    write_index(out, entries, _current_commit())
    return pages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path,
                        help="notebooks to include (default: notebooks/NN_*.ipynb)")
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "_static_edition",
                        help="output folder (default: _static_edition/)")
    parser.add_argument("--timeout", type=int, default=300,
                        help="seconds one cell may run before the build fails (default: 300)")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        print("error: no notebooks found; pass notebook paths or run from the repository", file=sys.stderr)
        return 1
    pages = build(paths, args.out, args.timeout)
    print(f"{len(pages)} page(s) and index.html written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
