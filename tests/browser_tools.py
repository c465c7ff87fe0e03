"""Run JupyterLab on 127.0.0.1 and drive it with headless Chromium, for tests/test_browser.py.

The server serves a temporary copy of the repository (see repo_copy.py) and its kernels
import helpers from that copy. It keeps its runtime, config, settings and workspaces in a
scratch folder, so a test run writes nothing into the repository or the user's Jupyter folders. The browser is Debian's ``/usr/bin/chromium`` driven through
the ``playwright`` package; the tests never run ``playwright install`` (a browser download).
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # the tests may run as root inside a container
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--no-proxy-server",  # talk to 127.0.0.1 directly even when a proxy is configured
]
#: Seconds to wait for the server to respond to /api/status.
SERVER_START_TIMEOUT = 90.0
#: Seconds to wait for the server to exit after SIGTERM before killing it.
SERVER_STOP_TIMEOUT = 20.0

# User settings that keep JupyterLab quiet and deterministic: no news or update requests,
# no toast notifications over the notebook, and every cell attached to the DOM (the
# default windowing modes detach or skip cells outside the viewport).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
WIDGET_ERROR_TEXT = "Error displaying widget"

# Return a SHA-256 hex digest of the bytes behind an <img> (blob: or data: URL), so that a
# test can tell a new picture from the same picture re-sent.
IMAGE_DIGEST_JS = """async (img) => {
  const response = await fetch(img.src);
  const digest = await crypto.subtle.digest("SHA-256", await response.arrayBuffer());
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, "0")).join("");
}"""


# Execution counts of the code cells of the notebook in the main area.
EXECUTION_COUNTS_JS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells;
  const counts = [];
  for (let index = 0; index < cells.length; index++) {
    const cell = cells.get(index);
    if (cell.type === "code") counts.push(cell.executionCount ?? null);
  }
  return counts;
}"""


def find_free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab server and the way to reach it."""

    url: str
    token: str
    root_dir: pathlib.Path
    log_path: pathlib.Path
    process: subprocess.Popen = field(repr=False)

    def get_json(self, api_path: str):
        """GET ``api_path`` (relative to the server URL, e.g. ``"api/sessions"``) as JSON."""
        request = urllib.request.Request(self.url + api_path, headers={"Authorization": f"token {self.token}"})
        # An empty ProxyHandler keeps a configured HTTP proxy out of requests to 127.0.0.1.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10) as response:
            return json.load(response)

    def delete(self, api_path: str) -> None:
        """Send DELETE to ``api_path``, for example to shut down a session and its kernel."""
        request = urllib.request.Request(self.url + api_path, method="DELETE",
                                         headers={"Authorization": f"token {self.token}"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30):
            pass

    def notebook_url(self, path: str) -> str:
        """URL that opens ``path`` (relative to the root folder) in a reset workspace."""
        return f"{self.url}lab/tree/{path}?reset&token={self.token}"

    def session_for(self, path: str) -> dict | None:
        """The server's session for the notebook at ``path``, or None before its kernel exists."""
        for session in self.get_json("api/sessions"):
            if session.get("path") == path:
                return session
        return None

    def log_tail(self, chars: int = 4000) -> str:
        """The last ``chars`` characters of the server log."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-chars:]


def write_lab_settings(settings_dir: pathlib.Path) -> None:
    """Write :data:`LAB_SETTINGS` as JupyterLab user settings under ``settings_dir``."""
    for relative, values in LAB_SETTINGS.items():
        path = settings_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


@contextlib.contextmanager
def run_jupyterlab(root_dir: pathlib.Path, state_dir: pathlib.Path):
    """Start JupyterLab serving ``root_dir``, keeping all of its state in ``state_dir``.

    Yields a :class:`LabServer`. The server listens on 127.0.0.1 only, on a free port,
    with a random token; it is stopped (SIGTERM, then SIGKILL) when the context exits.
    """
    token = secrets.token_hex(24)
    port = find_free_port()
    folders = {name: state_dir / name for name in ("runtime", "config", "settings", "workspaces")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    write_lab_settings(folders["settings"])

    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ip=127.0.0.1", f"--port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        f"--LabApp.user_settings_dir={folders['settings']}",
        f"--LabApp.workspaces_dir={folders['workspaces']}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # window.jupyterapp gives the tests the notebook model (execution counts of cells
        # whose input is collapsed, which show no prompt).
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    environment = {
        **os.environ,
        "JUPYTER_RUNTIME_DIR": str(folders["runtime"]),
        "JUPYTER_CONFIG_DIR": str(folders["config"]),
        "PYTHONPATH": str(root_dir),  # kernels import helpers from the copy
        "PYTHONUNBUFFERED": "1",
    }
    log_path = state_dir / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=root_dir, env=environment,
                                   stdout=log, stderr=subprocess.STDOUT)
    server = LabServer(url=f"http://127.0.0.1:{port}/", token=token, root_dir=root_dir,
                       log_path=log_path, process=process)
    try:
        wait_until_ready(server)
        yield server
    finally:
        stop_process(process)


def wait_until_ready(server: LabServer, timeout: float = SERVER_START_TIMEOUT) -> None:
    """Poll /api/status until the server responds; raise RuntimeError with its log if it does not."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.process.returncode}:\n"
                               f"{server.log_tail()}")
        try:
            server.get_json("api/status")
            return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not respond within {timeout:.0f} s:\n{server.log_tail()}")


def stop_process(process: subprocess.Popen) -> None:
    """Stop ``process`` with SIGTERM (the server then shuts down its kernels), else SIGKILL."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=SERVER_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=SERVER_STOP_TIMEOUT)


@contextlib.contextmanager
def launch_chromium():
    """Yield a headless playwright ``Browser`` running Debian's Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def exact(text: str) -> re.Pattern:
    """A pattern that matches ``text`` exactly, for playwright's ``has_text``."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


class NotebookDriver:
    """One notebook opened in JupyterLab: run it, find its panels and sliders, read errors.

    Parameters
    ----------
    page : playwright.sync_api.Page
        A fresh browser page.
    server : LabServer
        The server that serves the notebook.
    path : str
        Notebook path relative to the server's root folder, with forward slashes.
    """

    def __init__(self, page, server: LabServer, path: str):
        self.page = page
        self.server = server
        self.path = path
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))

    def open(self, timeout: float = 60.0) -> None:
        """Load JupyterLab with only this notebook open and wait until its cells show."""
        self.page.goto(self.server.notebook_url(self.path), timeout=timeout * 1000)
        self.page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(timeout=timeout * 1000)
        self.accept_kernel_dialog()

    def accept_kernel_dialog(self) -> None:
        """Accept the "Select Kernel" dialog that appears when a notebook names no kernel."""
        dialog = self.page.locator(".jp-Dialog")
        try:
            dialog.wait_for(timeout=2000)
        except Exception:  # playwright's TimeoutError: no dialog, the usual case
            return
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()

    def run_all_cells(self) -> None:
        """Choose Run > Run All Cells in the menu bar."""
        self.page.locator(".jp-NotebookPanel").first.click(position={"x": 5, "y": 5})
        self.page.locator(".lm-MenuBar-itemLabel", has_text=exact("Run")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=exact("Run All Cells")).click()

    def execution_counts(self) -> list[int | None]:
        """Execution count of each code cell of the open notebook (None: not run or queued)."""
        return self.page.evaluate(EXECUTION_COUNTS_JS)

    def wait_until_executed(self, timeout: float) -> float:
        """Wait until the kernel is idle after Run All Cells; return the seconds taken.

        Done means every code cell has an execution count, or an error is visible (Run All
        Cells stops at the first cell that raises). The kernel state comes from the server's
        /api/sessions, because the kernel indicator in the toolbar reads "idle" before any
        kernel exists. The execution counts are checked too, because the kernel is briefly
        idle between two queued cells.
        """
        start = time.monotonic()
        settled = 0
        while time.monotonic() - start < timeout:
            session = self.server.session_for(self.path)
            counts = self.execution_counts()
            finished = bool(counts) and all(count is not None for count in counts)
            idle = session is not None and session["kernel"]["execution_state"] == "idle"
            if idle and (finished or self.error_texts()):
                settled += 1
                if settled >= 3:  # idle over three polls, one second apart
                    return time.monotonic() - start
            else:
                settled = 0
            time.sleep(1.0)
        raise TimeoutError(f"{self.path}: cells still running after {timeout:.0f} s; "
                           f"execution counts {self.execution_counts()}")

    def shutdown_kernel(self) -> None:
        """Shut down this notebook's kernel through the server, freeing its CPU and memory."""
        session = self.server.session_for(self.path)
        if session:
            self.server.delete(f"api/sessions/{session['id']}")

    # ------------------------------------------------------------------ widgets
    def panels(self):
        """Locator of the interactive figure panels (VBox with CSS class ``course-panel``)."""
        return self.page.locator(".course-panel")

    def slider(self, panel, label: str):
        """Locator of the slider labelled ``label`` inside ``panel``."""
        return panel.locator(".widget-slider").filter(
            has=self.page.locator(".widget-label", has_text=exact(label)))

    def image_state(self, panel) -> tuple[str, str]:
        """Return (src, SHA-256 of the bytes) of the panel's figure image."""
        image = panel.locator("img").first
        image.wait_for(timeout=30_000)
        src = image.get_attribute("src") or ""
        digest = image.evaluate(IMAGE_DIGEST_JS) if src else ""
        return src, digest

    def error_texts(self) -> list[str]:
        """Tracebacks, error outputs, widget errors and uncaught page errors now visible."""
        found = []
        for text in self.page.locator(STDERR_OUTPUT).all_inner_texts():
            if "Traceback" in text or "Error" in text:
                found.append(text[:2000])
        for text in self.panels().locator(".widget-output").all_inner_texts():
            if "Traceback" in text or "Error" in text:
                found.append(f"panel output area: {text[:2000]}")
        if self.page.get_by_text(WIDGET_ERROR_TEXT).count():
            found.append(f"{WIDGET_ERROR_TEXT}: {self.page.get_by_text(WIDGET_ERROR_TEXT).all_inner_texts()}")
        found.extend(f"uncaught page error: {error}" for error in self.page_errors)
        return found
