"""Input checks and the memory budget shared by every module of ``helpers``.

Each check raises :class:`InvalidParameterError` (a ``ValueError``) whose message names the
offending value and says how to fix it. Requests that would allocate more than the memory
budget raise :class:`MemoryBudgetError` before any large array is created.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "InvalidParameterError",
    "MemoryBudgetError",
    "get_memory_budget",
    "set_memory_budget",
]

_GIB = 1024**3

#: Default limit on a single planned allocation, in bytes (4 GiB).
DEFAULT_MEMORY_BUDGET = 4 * _GIB

_memory_budget = DEFAULT_MEMORY_BUDGET


class InvalidParameterError(ValueError):
    """Invalid argument: the message names the value and the fix."""


class MemoryBudgetError(InvalidParameterError):
    """A request that would allocate more memory than the configured budget."""


def get_memory_budget() -> int:
    """Return the current memory budget in bytes."""
    return _memory_budget


def set_memory_budget(budget_bytes: int) -> int:
    """Set the memory budget for planned allocations and return the previous one.

    Parameters
    ----------
    budget_bytes : int
        New limit in bytes, positive. Functions that take a ``memory_budget`` argument
        use that argument in place of this global value.
    """
    global _memory_budget
    budget = check_positive_int(budget_bytes, "budget_bytes")
    previous = _memory_budget
    _memory_budget = budget
    return previous


def check_memory(n_bytes: float, what: str, fix: str, memory_budget: int | None = None) -> None:
    """Raise MemoryBudgetError if an allocation of ``n_bytes`` exceeds the budget.

    Parameters
    ----------
    n_bytes : float
        Planned size of the allocation in bytes.
    what : str
        Description of the array, for example ``"dense Hermite features (n=..., D=...)"``.
    fix : str
        What the caller can change, for example ``"use method='matrix_free'"``.
    memory_budget : int, optional
        Budget in bytes; defaults to :func:`get_memory_budget`.
    """
    budget = get_memory_budget() if memory_budget is None else check_positive_int(memory_budget, "memory_budget")
    if not n_bytes <= budget:
        raise MemoryBudgetError(
            f"{what} would need {n_bytes / _GIB:.2f} GiB, more than the memory budget of "
            f"{budget / _GIB:.2f} GiB. To fix it, {fix}, or raise the budget with "
            f"memory_budget=... or helpers.set_memory_budget(...)."
        )


def check_positive_int(value, name: str) -> int:
    """Return ``value`` as an int, or raise if it is not a positive integer."""
    message = f"{name}={value!r} is invalid: it must be a positive integer, for example {name}=100."
    if isinstance(value, bool):
        raise InvalidParameterError(message)
    if not isinstance(value, numbers.Integral):
        # Integer-valued floats such as 1e5 are accepted; 2.5, NaN and infinities are not.
        if isinstance(value, numbers.Real) and np.isfinite(value) and float(value).is_integer() and value > 0:
            return int(value)
        raise InvalidParameterError(message)
    if value <= 0:
        raise InvalidParameterError(message)
    return int(value)


def check_real(value, name: str, *, minimum: float | None = None, maximum: float | None = None,
               strict_minimum: bool = False) -> float:
    """Return ``value`` as a finite float within the given bounds, or raise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise InvalidParameterError(f"{name}={value!r} is invalid: it must be a finite real number.")
    value = float(value)
    if minimum is not None:
        below = value <= minimum if strict_minimum else value < minimum
        if below:
            relation = ">" if strict_minimum else ">="
            raise InvalidParameterError(
                f"{name}={value!r} is invalid: it must be {relation} {minimum}."
            )
    if maximum is not None and value > maximum:
        raise InvalidParameterError(f"{name}={value!r} is invalid: it must be <= {maximum}.")
    return value


def check_choice(value, name: str, choices) -> str:
    """Return ``value`` if it is one of ``choices``, or raise with the list of options."""
    if not isinstance(value, str) or value not in choices:
        options = ", ".join(repr(choice) for choice in choices)
        raise InvalidParameterError(f"{name}={value!r} is unknown: choose one of {options}.")
    return value


def check_supported_q(q) -> int:
    """Return the Hermite degree ``q`` if it is supported (2 or 3), or raise."""
    if isinstance(q, bool) or not isinstance(q, numbers.Integral) or q not in (2, 3):
        raise InvalidParameterError(
            f"q={q!r} is unsupported: the Hermite degree of the first layer must be 2 or 3."
        )
    return int(q)


def check_matrix(array, name: str, *, ndim: int, columns: int | None = None) -> np.ndarray:
    """Return ``array`` as a finite float64 array of the given rank, or raise."""
    array = np.asarray(array, dtype=float)
    if array.ndim != ndim:
        raise InvalidParameterError(
            f"{name} has shape {array.shape}: expected a {ndim}-dimensional array."
        )
    if columns is not None and array.shape[-1] != columns:
        raise InvalidParameterError(
            f"{name} has shape {array.shape}: expected {columns} columns."
        )
    if not np.all(np.isfinite(array)):
        raise InvalidParameterError(f"{name} contains NaN or infinite values; remove them first.")
    return array


def as_generator(seed) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a seed, a SeedSequence or a Generator.

    ``None`` is rejected on purpose: every random draw in this package is reproducible.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise InvalidParameterError(
            "seed=None is invalid: pass an integer seed or a numpy.random.Generator so that "
            "results are reproducible."
        )
    if isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidParameterError(
            f"seed={seed!r} is invalid: pass a non-negative integer or a numpy.random.Generator."
        )
    return np.random.default_rng(int(seed))
