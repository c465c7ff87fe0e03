"""On-disk results keyed by their full parameter set and the package version.

A result is a set of named numpy arrays plus the parameters that produced them. It is
stored as one ``.npz`` file whose arrays are plain numeric data and whose metadata is a
JSON string (schema, parameters, package and numpy versions, array shapes and a SHA-256
checksum of the array bytes). Nothing is pickled: files are read with
``numpy.load(allow_pickle=False)``, so opening a result file cannot execute code.

Every read is validated: the file must parse, carry the expected schema, list the
arrays it contains with their shapes, hold finite values that match the checksum, and
record the same parameters and package version as the request. A file that fails any
of these checks raises :class:`CorruptedResultError` or :class:`StaleResultError`, whose
message names the file and the command that rebuilds it.

Writes are atomic: the file is written under a temporary name in the same folder and
moved into place with ``os.replace``, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import numbers
import os
import pathlib
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Mapping

import numpy as np

from ._validation import InvalidParameterError

__all__ = [
    "SCHEMA", "CacheError", "CorruptedResultError", "StaleResultError", "package_version",
    "canonical_parameters", "parameter_key", "default_cache_dir", "save_result", "load_result",
    "ResultCache",
]

#: Format tag written into every result file; bump it when the layout changes.
SCHEMA = "hierarchical-scaling-result/1"

_METADATA_KEY = "__metadata__"
_CACHE_ENV = "HIERARCHICAL_SCALING_CACHE"
_APP_NAME = "hierarchical-scaling-helpers"


class CacheError(RuntimeError):
    """A result file that cannot be used; the message names the file and the fix."""


class CorruptedResultError(CacheError):
    """A result file that does not parse, lacks arrays, or fails its checksum."""


class StaleResultError(CacheError):
    """A valid result file made by another package version or with other parameters."""


def package_version() -> str:
    """Return ``helpers.__version__``.

    The import happens when the function is called, not when this module is imported, so
    ``helpers/__init__.py`` may import this module without a circular import.
    """
    return importlib.import_module("helpers").__version__


def _to_json_value(value, where: str):
    """Convert parameters to plain JSON types (dict, list, str, int, float, bool, None)."""
    if isinstance(value, Mapping):
        converted = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidParameterError(
                    f"parameter key {key!r} at {where} is invalid: keys must be strings."
                )
            converted[key] = _to_json_value(item, f"{where}.{key}")
        return converted
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_to_json_value(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if value is None or isinstance(value, (str, bool, np.bool_)):
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if not math.isfinite(value):
            raise InvalidParameterError(f"parameter {where}={value} is invalid: it must be finite.")
        return value
    raise InvalidParameterError(
        f"parameter {where}={value!r} of type {type(value).__name__} is invalid: use numbers, "
        "strings, booleans, None, lists or dicts so that it can be stored as JSON."
    )


def canonical_parameters(parameters: Mapping) -> str:
    """Return the parameters as canonical JSON (sorted keys, tuples as lists, no spaces)."""
    if not isinstance(parameters, Mapping):
        raise InvalidParameterError(
            f"parameters={parameters!r} is invalid: pass a dict of parameter names to values."
        )
    return json.dumps(_to_json_value(parameters, "parameters"), sort_keys=True, separators=(",", ":"))


def parameter_key(parameters: Mapping, version: str | None = None) -> str:
    """Return a SHA-256 hex digest of the canonical parameters and the package version."""
    version = package_version() if version is None else version
    text = canonical_parameters(parameters) + "\n" + version
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def default_cache_dir() -> pathlib.Path:
    """Return the folder for cached results.

    ``$HIERARCHICAL_SCALING_CACHE`` if set; otherwise the platform's user cache folder:
    ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches`` on macOS and
    ``%LOCALAPPDATA%`` on Windows, each followed by ``hierarchical-scaling-helpers``.
    """
    override = os.environ.get(_CACHE_ENV)
    if override:
        return pathlib.Path(override).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = pathlib.Path(os.environ["LOCALAPPDATA"])
    elif sys.platform == "darwin":
        base = pathlib.Path.home() / "Library" / "Caches"
    else:
        base = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    return base / _APP_NAME


def _checksum(arrays: Mapping[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _check_arrays(arrays: Mapping) -> dict[str, np.ndarray]:
    checked = {}
    for name, value in arrays.items():
        if not isinstance(name, str) or not name.isidentifier() or name == _METADATA_KEY:
            raise InvalidParameterError(
                f"array name {name!r} is invalid: use a Python identifier other than {_METADATA_KEY!r}."
            )
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise InvalidParameterError(
                f"array {name!r} has dtype {array.dtype}: only boolean, integer and float arrays "
                "are stored, so that files load without pickle."
            )
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise InvalidParameterError(
                f"array {name!r} contains NaN or infinite values; results must be finite."
            )
        checked[name] = array
    if not checked:
        raise InvalidParameterError("arrays is empty: a result needs at least one array.")
    return checked


def save_result(path, arrays: Mapping, parameters: Mapping, *, extra_metadata: Mapping | None = None) -> pathlib.Path:
    """Write a result file atomically and return its path.

    Parameters
    ----------
    path : str or pathlib.Path
        Target file; the suffix ``.npz`` is added when missing. Parent folders are created.
    arrays : dict of str to array_like
        Named boolean, integer or float arrays, all finite.
    parameters : dict
        Every parameter that determines the arrays (JSON types, tuples allowed).
    extra_metadata : dict, optional
        Information recorded but not validated on read (seeds, script, timings).

    Returns
    -------
    pathlib.Path
    """
    path = pathlib.Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = _check_arrays(arrays)
    metadata = {
        "schema": SCHEMA,
        "package_version": package_version(),
        "numpy_version": np.__version__,
        "parameters": json.loads(canonical_parameters(parameters)),
        "arrays": {name: {"shape": list(array.shape), "dtype": array.dtype.str}
                   for name, array in arrays.items()},
        "checksum": _checksum(arrays),
        "extra": _to_json_value(dict(extra_metadata or {}), "extra_metadata"),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp",
                                         delete=False)
    try:
        with handle:
            np.savez_compressed(handle, **arrays, **{_METADATA_KEY: np.array(json.dumps(metadata))})
            handle.flush()
            os.fsync(handle.fileno())
        # NamedTemporaryFile creates the file readable by its owner only; results are shared data.
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        pathlib.Path(handle.name).unlink(missing_ok=True)
        raise
    return path


def _read_file(path: pathlib.Path, fix: str) -> tuple[dict[str, np.ndarray], dict]:
    """Read arrays and metadata, turning every parsing failure into CorruptedResultError."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise CorruptedResultError(
            f"result file {path} is corrupted and cannot be read ({type(error).__name__}: "
            f"{error}). To fix it, {fix}."
        ) from error
    if _METADATA_KEY not in arrays:
        raise CorruptedResultError(
            f"result file {path} has no {_METADATA_KEY!r} entry, so it was not written by "
            f"helpers.cache.save_result. To fix it, {fix}."
        )
    try:
        metadata = json.loads(str(arrays.pop(_METADATA_KEY)))
    except json.JSONDecodeError as error:
        raise CorruptedResultError(
            f"result file {path} contains unreadable metadata ({error}). To fix it, {fix}."
        ) from error
    if not isinstance(metadata, dict):
        raise CorruptedResultError(f"result file {path} contains malformed metadata. To fix it, {fix}.")
    return arrays, metadata


def _validate(path: pathlib.Path, arrays: dict, metadata: dict, fix: str, parameters, required) -> None:
    """Raise unless the file matches its own description and the request."""
    def corrupted(problem: str):
        return CorruptedResultError(f"result file {path} {problem}. To fix it, {fix}.")

    if metadata.get("schema") != SCHEMA:
        raise corrupted(f"has schema {metadata.get('schema')!r}, expected {SCHEMA!r}")
    described = metadata.get("arrays")
    if not isinstance(described, dict) or set(described) != set(arrays):
        raise corrupted(f"lists arrays {sorted(described or {})} but contains {sorted(arrays)}")
    missing = sorted(set(required or ()) - set(arrays))
    if missing:
        raise corrupted(f"is missing the arrays {missing}")
    for name, array in arrays.items():
        if list(array.shape) != described[name].get("shape"):
            raise corrupted(f"has array {name!r} of shape {array.shape}, "
                            f"but its metadata says {described[name].get('shape')}")
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise corrupted(f"has NaN or infinite values in array {name!r}")
    if _checksum(arrays) != metadata.get("checksum"):
        raise corrupted("fails its checksum: its arrays were modified after it was written")

    version = package_version()
    if metadata.get("package_version") != version:
        raise StaleResultError(
            f"result file {path} was made by helpers {metadata.get('package_version')!r}, "
            f"but this is helpers {version!r}. To fix it, {fix}."
        )
    if parameters is not None:
        expected = json.loads(canonical_parameters(parameters))
        if metadata.get("parameters") != expected:
            changed = sorted(
                key for key in set(expected) | set(metadata.get("parameters") or {})
                if expected.get(key) != (metadata.get("parameters") or {}).get(key)
            )
            raise StaleResultError(
                f"result file {path} was made with other parameters (differences in "
                f"{changed}). To fix it, {fix}."
            )


def load_result(path, *, parameters: Mapping | None = None, required=None,
                fix: str = "delete the file and recompute it") -> tuple[dict[str, np.ndarray], dict]:
    """Read and validate a result file written by :func:`save_result`.

    Parameters
    ----------
    path : str or pathlib.Path
    parameters : dict, optional
        Expected parameters; the file must record exactly these (after canonicalisation).
    required : iterable of str, optional
        Array names that must be present.
    fix : str
        What the reader should do when the file is unusable, completing "To fix it, ...".

    Returns
    -------
    (dict of str to ndarray, dict)
        The arrays and the metadata.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    CorruptedResultError
        If the file does not parse, lacks arrays, has wrong shapes, non-finite values, or
        fails its checksum.
    StaleResultError
        If it was made by another package version or with other parameters.
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"result file {path} does not exist. To create it, {fix}.")
    arrays, metadata = _read_file(path, fix)
    _validate(path, arrays, metadata, fix, parameters, required)
    return arrays, metadata


class ResultCache:
    """A folder of result files, one per (name, parameters, package version).

    Parameters
    ----------
    directory : str or pathlib.Path, optional
        Defaults to :func:`default_cache_dir`. Created on the first write.
    """

    def __init__(self, directory=None):
        self.directory = pathlib.Path(directory) if directory is not None else default_cache_dir()

    def path_for(self, name: str, parameters: Mapping) -> pathlib.Path:
        """Return the path of the file that stores result ``name`` for ``parameters``."""
        if not isinstance(name, str) or not name.replace("_", "").replace("-", "").isalnum():
            raise InvalidParameterError(
                f"name={name!r} is invalid: use letters, digits, '-' and '_' only."
            )
        return self.directory / f"{name}-{parameter_key(parameters)[:20]}.npz"

    def load(self, name: str, parameters: Mapping, required=None):
        """Return ``(arrays, metadata)`` for a cached result, or ``None`` if there is none.

        A file that exists but is corrupted or stale raises, naming the file; delete it or
        call :meth:`get_or_compute` with ``refresh=True``.
        """
        path = self.path_for(name, parameters)
        if not path.exists():
            return None
        return load_result(path, parameters=parameters, required=required,
                           fix="delete it, or recompute with refresh=True")

    def store(self, name: str, parameters: Mapping, arrays: Mapping, extra_metadata=None) -> pathlib.Path:
        """Write a result atomically and return its path."""
        return save_result(self.path_for(name, parameters), arrays, parameters,
                           extra_metadata=extra_metadata)

    def get_or_compute(self, name: str, parameters: Mapping, compute: Callable[[], Mapping],
                       *, refresh: bool = False) -> dict[str, np.ndarray]:
        """Return cached arrays for ``parameters``, computing and storing them if absent.

        Parameters
        ----------
        name : str
            Result family, part of the file name.
        parameters : dict
            Every parameter that determines the result.
        compute : callable
            Called without arguments; returns a dict of arrays.
        refresh : bool
            Recompute and overwrite even when a valid file exists.
        """
        if not refresh:
            cached = self.load(name, parameters)
            if cached is not None:
                return cached[0]
        arrays = {key: np.asarray(value) for key, value in compute().items()}
        self.store(name, parameters, arrays)
        return arrays
