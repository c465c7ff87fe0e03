"""The notebooks read as a course: numbered in order, introduced, linked, and side-effect free.

Checked here (that notebooks are committed clean and run is tested in test_notebooks.py):

* every notebook is named ``NN_name.ipynb`` and the numbers run 00, 01, 02, ... without a gap
  or a duplicate;
* the first cell is markdown with a title, and states what the reader will learn and how many
  minutes it takes;
* relative links in markdown cells point at files that exist in the repository;
* the notebook asks for the ``python3`` kernel, the one a fresh environment provides;
* a notebook writes files only into a temporary or cache folder. A static scan flags code that
  writes files (``savefig``, ``open(..., "w")``, ``np.save`` and the like) unless its cell
  refers to a temporary or cache location; then 00_start_here and every notebook with such
  code run in a copy of the repository, and no file of the copy may appear or change outside
  cache folders.
"""

from __future__ import annotations

import json
import pathlib
import re
import shutil

import nbformat
import pytest

from conftest import NOTEBOOK_DIR, ROOT
from notebook_tools import error_outputs, execute_notebook
from repo_copy import CACHE_FOLDERS, copy_repository

NOTEBOOK_NAME = re.compile(r"^(\d{2})_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")
NOTEBOOKS = sorted(path for path in NOTEBOOK_DIR.glob("*.ipynb"))

# "10 minutes", "about 15-20 min", "5 to 10 minutes".
TIME_ESTIMATE = re.compile(r"\b\d+(?:\s*(?:-|–|to)\s*\d+)?\s*(?:minutes?|mins?)\b", re.IGNORECASE)
LEARN = re.compile(r"\blearn", re.IGNORECASE)

MARKDOWN_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'][^\"']*[\"'])?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HTML_LINK = re.compile(r"\b(?:href|src)\s*=\s*[\"']([^\"']+)[\"']", re.IGNORECASE)
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.\-]*:|//|#)", re.IGNORECASE)  # http:, mailto:, data:, anchors

# Calls that create or change files. The list is not complete (a helper function can write
# too), which is why the execution check below exists.
WRITE_CALLS = re.compile(
    r"\.savefig\(|\bopen\([^)]*[\"'][wax]b?\+?[\"']|\bmode\s*=\s*[\"'][wax]|\.write_(?:text|bytes)\("
    r"|\bnp\.save(?:z|z_compressed|txt)?\(|\bnumpy\.save|\.to_(?:csv|json|parquet|pickle|hdf|excel)\("
    r"|\b(?:json|pickle|yaml|joblib)\.dump\(|\.mkdir\(|\bos\.makedirs?\(|\bshutil\.(?:copy\w*|move)\("
    r"|\.save\(|^\s*%%writefile|^\s*%save\b|^\s*!.*>",
    re.MULTILINE,
)
# A cell that mentions one of these sends its writes to a temporary, cache or in-memory target.
SAFE_TARGET = re.compile(r"tempfile|TemporaryDirectory|mkdtemp|gettempdir|cache|BytesIO|StringIO", re.IGNORECASE)


def load(path: pathlib.Path):
    return nbformat.read(path, as_version=4)


def markdown_links(source: str) -> list[str]:
    """Link and image targets in markdown ``source``, outside code spans and fenced blocks."""
    text = CODE_SPAN.sub("", source)
    return [match.group(1) for pattern in (MARKDOWN_LINK, REFERENCE_LINK, HTML_LINK)
            for match in pattern.finditer(text)]


def unsafe_writes(source: str) -> list[str]:
    """Lines of a code cell that write files while the cell names no temporary or cache target."""
    if SAFE_TARGET.search(source):
        return []
    return [line.strip() for line in source.splitlines() if WRITE_CALLS.search(line.split("#")[0])]


def writes_files(path: pathlib.Path) -> bool:
    """Whether any code cell of the notebook contains a file-writing call."""
    return any(WRITE_CALLS.search(cell.source) for cell in load(path).cells if cell.cell_type == "code")


def snapshot(root: pathlib.Path) -> dict[str, tuple[int, int]]:
    """Map each file under ``root`` outside cache folders to (size, modification time in ns)."""
    files = {}
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if path.is_file() and not set(CACHE_FOLDERS).intersection(relative.parts):
            stat = path.stat()
            files[relative.as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return files


def changed_files(before: dict, after: dict) -> list[str]:
    """Files created, changed or deleted between two snapshots."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def run_in_copy(notebook: pathlib.Path, source_root: pathlib.Path, copy_root: pathlib.Path,
                monkeypatch) -> tuple[list[str], list[str], str]:
    """Execute ``notebook`` inside a copy of ``source_root``; return (errors, changed files, helpers path).

    The kernel runs in the copy's notebook folder with the copy first on PYTHONPATH, so both
    relative paths and paths derived from ``helpers.__file__`` point into the copy.
    """
    copy_repository(source_root, copy_root)
    copied = copy_root / notebook.relative_to(source_root)

    # A last cell reports where helpers came from, to prove the copy was the one imported.
    executable = load(copied)
    executable.cells.append(nbformat.v4.new_code_cell(
        "import pathlib as _pathlib, helpers as _helpers\nprint(_pathlib.Path(_helpers.__file__).resolve())"))
    nbformat.write(executable, copied)

    monkeypatch.setenv("PYTHONPATH", str(copy_root))
    before = snapshot(copy_root)
    executed, _ = execute_notebook(copied, workdir=copied.parent)
    after = snapshot(copy_root)
    helpers_path = "".join(output.get("text", "") for output in executed.cells[-1].outputs).strip()
    return error_outputs(executed), changed_files(before, after), helpers_path


# ---------------------------------------------------------------------------------- naming


def test_notebook_names():
    bad = [path.name for path in NOTEBOOKS if not NOTEBOOK_NAME.match(path.name)]
    assert not bad, f"notebooks must be named NN_lowercase_words.ipynb: {bad}"


def test_notebook_numbers_consecutive():
    numbers = sorted(int(match.group(1)) for path in NOTEBOOKS if (match := NOTEBOOK_NAME.match(path.name)))
    duplicates = sorted({number for number in numbers if numbers.count(number) > 1})
    assert not duplicates, f"notebook numbers used twice: {duplicates}"
    missing = sorted(set(range(max(numbers, default=-1) + 1)) - set(numbers))
    assert not missing, f"notebook numbers missing from the sequence: {missing}"


# ---------------------------------------------------------------------------------- first cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_first_cell_introduces(path):
    cells = load(path).cells
    assert cells, f"{path.name} has no cells"
    first = cells[0]
    assert first.cell_type == "markdown", f"{path.name}: the first cell must be markdown, not {first.cell_type}"
    assert re.match(r"\s*# \S", first.source), f"{path.name}: the first cell must start with a '# ' title"
    assert LEARN.search(first.source), f"{path.name}: the first cell must say what the reader will learn"
    assert TIME_ESTIMATE.search(first.source), f"{path.name}: the first cell must estimate the time in minutes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_title_number_matches_file(path):
    # A title that starts with a number ("# 03 · Many spikes") must carry the file's number.
    title = load(path).cells[0].source.lstrip().splitlines()[0]
    match = re.match(r"#\s+(\d+)\b", title)
    file_match = NOTEBOOK_NAME.match(path.name)
    if match and file_match:
        assert int(match.group(1)) == int(file_match.group(1)), f"{path.name}: title {title!r}"


# ---------------------------------------------------------------------------------- links and kernel


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_relative_links_resolve(path):
    broken = []
    for index, cell in enumerate(load(path).cells):
        if cell.cell_type != "markdown":
            continue
        for target in markdown_links(cell.source):
            if EXTERNAL.match(target):
                continue
            # NOTE: the #fragment of a link is not checked, only the file it names.
            file_part = target.split("#")[0].split("?")[0]
            resolved = (path.parent / file_part).resolve()
            if not resolved.exists() or not resolved.is_relative_to(ROOT):
                broken.append(f"cell {index}: {target}")
    assert not broken, f"{path.name}: links to missing files or outside the repository: {broken}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_kernel_is_python3(path):
    kernelspec = load(path).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{path.name}: kernelspec {kernelspec}, expected name 'python3'"


# ---------------------------------------------------------------------------------- file writes


def test_write_scan_detects_writes():
    # The scan must be able to say "writes": these are the mistakes it exists to catch.
    assert unsafe_writes('fig.savefig("figure.png")')
    assert unsafe_writes('with open("results.json", "w") as f:\n    f.write("{}")')
    assert unsafe_writes('np.save("spectrum.npy", values)')
    assert unsafe_writes("%%writefile notes.txt\nhello")
    assert not unsafe_writes('with tempfile.TemporaryDirectory() as folder:\n    fig.savefig(f"{folder}/a.png")')
    assert not unsafe_writes("buffer = io.BytesIO()\nfig.savefig(buffer)")
    assert not unsafe_writes('data = json.loads(open("shipped.json").read())')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_no_file_writes_in_code(path):
    found = {index: lines for index, cell in enumerate(load(path).cells)
             if cell.cell_type == "code" and (lines := unsafe_writes(cell.source))}
    assert not found, (f"{path.name} writes files outside a temporary or cache folder "
                       f"(cell index: lines): {found}")


def test_execution_check_detects_writes(tmp_path, monkeypatch):
    # A deliberately bad notebook in a scratch repository: the check must see its file.
    source_root = tmp_path / "repo"
    (source_root / "notebooks").mkdir(parents=True)
    shutil.copytree(ROOT / "helpers", source_root / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    writer = nbformat.v4.new_notebook()
    writer.cells = [nbformat.v4.new_code_cell('open("written.txt", "w").write("oops")')]
    nbformat.write(writer, source_root / "notebooks" / "00_writer.ipynb")

    errors, changed, _ = run_in_copy(source_root / "notebooks" / "00_writer.ipynb", source_root,
                                     tmp_path / "copy", monkeypatch)
    assert errors == []
    assert "notebooks/written.txt" in changed


# 00_start_here exercises most of helpers; the others run only when they contain file writes.
EXECUTED = [path for path in NOTEBOOKS if path.name.startswith("00_") or writes_files(path)]


@pytest.mark.notebook
@pytest.mark.parametrize("path", EXECUTED, ids=lambda path: path.name)
def test_execution_writes_no_files(path, tmp_path, monkeypatch):
    copy_root = tmp_path / "repo"
    errors, changed, helpers_path = run_in_copy(path, ROOT, copy_root, monkeypatch)
    assert errors == [], f"{path.name} raised while running"
    assert helpers_path.startswith(str(copy_root.resolve())), f"helpers imported from {helpers_path}"
    assert changed == [], f"{path.name} created or changed files outside cache folders: {changed}"
