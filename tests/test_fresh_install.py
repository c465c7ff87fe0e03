"""The README's set-up gives a working JupyterLab with widgets in a new virtual environment.

The test runs ``bash scripts/start.sh --setup-only``, which performs exactly the set-up steps
of ``scripts/start.sh`` (create the venv, install requirements.txt) and exits before starting
the server. It then checks what a reader needs: the helpers package and the Jupyter stack
import, and JupyterLab lists the widget manager that pairs with ipywidgets 8. A pip install
takes minutes (faster with pip's download cache), so the test is marked ``slow``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT
from report_tools import print_at_end

pytestmark = pytest.mark.slow

#: Seconds the whole set-up may take: downloads of JupyterLab, SciPy and Matplotlib on CI.
SETUP_TIMEOUT = 1200
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
#: Modules a reader's first notebook imports, directly or through JupyterLab.
MODULES = ["helpers", "helpers.widgets", "numpy", "scipy", "matplotlib", "ipywidgets", "ipykernel",
           "jupyterlab", "jupyterlab_widgets"]
SETUP_TIMES: list[str] = []


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory, request):
    """Path of a virtual environment made by ``scripts/start.sh --setup-only``."""
    print_at_end(request.config, "fresh install time", SETUP_TIMES)
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    environment["VENV"] = str(venv)
    start = time.monotonic()
    result = subprocess.run(["bash", "scripts/start.sh", "--setup-only"], cwd=ROOT, env=environment,
                            capture_output=True, text=True, timeout=SETUP_TIMEOUT)
    SETUP_TIMES.append(f"bash scripts/start.sh --setup-only: {time.monotonic() - start:.0f} s")
    assert result.returncode == 0, (
        f"set-up failed with code {result.returncode}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return venv


def run_in(venv, *command: str) -> str:
    """Run a program from ``venv/bin`` and return its stdout and stderr without colour codes."""
    result = subprocess.run([str(venv / "bin" / command[0]), *command[1:]], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    output = ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, f"{' '.join(command)} failed with code {result.returncode}:\n{output[-3000:]}"
    return output


def test_fresh_install_imports(fresh_venv):
    code = ("import importlib, json\n"
            f"modules = {MODULES!r}\n"
            "print(json.dumps({name: getattr(importlib.import_module(name), '__file__', '') for name in modules}))")
    files = json.loads(run_in(fresh_venv, "python", "-c", code).strip().splitlines()[-1])
    assert set(files) == set(MODULES)
    # requirements.txt installs the repository's helpers in editable mode, so edits are live.
    assert files["helpers"].startswith(str(ROOT / "helpers")), f"helpers imported from {files['helpers']}"


def test_fresh_install_versions(fresh_venv):
    code = ("import json\nfrom importlib.metadata import version\n"
            "print(json.dumps({name: version(name) for name in ['ipywidgets', 'jupyterlab_widgets', 'jupyterlab']}))")
    versions = json.loads(run_in(fresh_venv, "python", "-c", code).strip().splitlines()[-1])
    assert versions["ipywidgets"].startswith("8."), versions
    assert versions["jupyterlab_widgets"].startswith("3."), versions
    assert versions["jupyterlab"].startswith("4."), versions


def test_fresh_install_widget_manager(fresh_venv):
    listing = run_in(fresh_venv, "jupyter", "labextension", "list")
    # jupyterlab_widgets 3.x ships the widget manager extension 5.x for ipywidgets 8.
    match = re.search(r"@jupyter-widgets/jupyterlab-manager v(\d+)\.\S*\s+enabled\s+OK\s+\(python, jupyterlab_widgets\)",
                      listing)
    assert match, f"widget manager missing or not enabled in `jupyter labextension list`:\n{listing}"
    assert match.group(1) == "5", f"widget manager v{match.group(1)}.x does not pair with ipywidgets 8:\n{listing}"


def test_fresh_install_kernel(fresh_venv):
    kernels = json.loads(run_in(fresh_venv, "jupyter", "kernelspec", "list", "--json"))["kernelspecs"]
    assert "python3" in kernels, f"no python3 kernel in the fresh environment: {sorted(kernels)}"
