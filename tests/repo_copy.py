"""Copy the repository to a scratch folder, so that tests can run notebooks without touching it."""

from __future__ import annotations

import pathlib
import shutil

#: Folders whose contents may change while a notebook runs.
CACHE_FOLDERS = (".cache", "__pycache__", ".ipynb_checkpoints")
#: Not copied: version control, environments, build and test output, caches.
NOT_COPIED = (".git", ".venv", "venv", "test-artifacts", ".pytest_cache", "*.egg-info", "build", "dist",
              "_static_edition", *CACHE_FOLDERS)


def copy_repository(source: pathlib.Path, target: pathlib.Path) -> pathlib.Path:
    """Copy the working tree at ``source`` to ``target`` (which must not exist); return ``target``.

    Run a kernel with ``target`` first on PYTHONPATH to make ``import helpers`` load the copy,
    so that paths derived from ``helpers.__file__`` also point into the copy.
    """
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return target
