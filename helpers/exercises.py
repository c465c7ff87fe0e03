"""Self-checks for the exercises at the end of the notebooks.

Each checker compares a student's result with the expected one within a tolerance, prints
``"Correct: ..."`` when it matches, and otherwise raises ``AssertionError`` whose message
states what was expected, what was found and a hint. The checkers never look at widgets
and never depend on the seed a student picks. A check on a random quantity either calls
the student's function with seeds of its own (:func:`check_for_seeds`), or it compares
with a theoretical range that holds for any seed (:func:`check_in_range`).

A stub left in place by the student version (``raise NotImplementedError()``) propagates
unchanged, so the reader sees which function is still to be written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np

from ._validation import InvalidParameterError, check_real

__all__ = ["check_close", "check_in_range", "check_function", "check_for_seeds"]


def _format(value) -> str:
    """Return a short text form of a number or an array for a failure message.

    Integer and boolean arrays keep their type, so indices print as ``[1 3]``, not ``[1. 3.]``.
    """
    array = np.asarray(value)
    if array.ndim == 0:
        return f"{array.item():.6g}" if np.issubdtype(array.dtype, np.number) else repr(value)
    text = np.array2string(array, precision=4, threshold=8, edgeitems=3)
    return f"{text} (shape {array.shape})"


def _describe_arguments(arguments) -> str:
    """Return a short text form of a case's arguments, with arrays shown by shape only."""
    def describe(value) -> str:
        if isinstance(value, np.ndarray) and value.size > 8:
            return f"<array of shape {value.shape}>"
        return repr(value)

    if isinstance(arguments, Mapping):
        text = ", ".join(f"{key}={describe(value)}" for key, value in arguments.items())
    elif isinstance(arguments, tuple):
        text = ", ".join(describe(value) for value in arguments)
    else:
        text = describe(arguments)
    return text if len(text) <= 120 else text[:117] + "..."


def _fail(name: str, problem: str, expected: str, found: str, hint: str | None) -> None:
    """Raise the AssertionError shared by all checkers."""
    lines = [f"Not yet: {name} {problem}.", f"  expected: {expected}", f"  found:    {found}"]
    if hint:
        lines.append(f"  hint: {hint}")
    raise AssertionError("\n".join(lines))


def _as_numeric_array(value, name: str, expected_text: str, hint: str | None) -> np.ndarray:
    """Convert a student's result to a float or complex array, failing with a readable message.

    Complex values stay complex, so that a wrong imaginary part is never discarded.
    """
    if value is None:
        _fail(name, "is None", expected_text, "None",
              hint or "the function probably lacks a return statement.")
    try:
        array = np.asarray(value)
        return array.astype(complex if np.iscomplexobj(array) else float)
    except (TypeError, ValueError):
        _fail(name, "is not numeric", expected_text, f"{type(value).__name__}: {value!r:.80}", hint)


def _check_tolerances(rtol, atol) -> tuple[float, float]:
    return check_real(rtol, "rtol", minimum=0.0), check_real(atol, "atol", minimum=0.0)


def _compare(found, expected, name: str, rtol: float, atol: float, hint: str | None) -> None:
    """Raise the failure message of :func:`check_close`, or return if ``found`` matches."""
    expected_text = _format(expected)
    try:
        expected_array = np.asarray(expected)
        expected_array = expected_array.astype(complex if np.iscomplexobj(expected_array) else float)
    except (TypeError, ValueError):
        raise InvalidParameterError(
            f"expected={expected!r} is invalid: the reference must be a number or an array of numbers."
        ) from None
    # A NaN or infinite reference would make every comparison below pass or fail by accident.
    if not np.all(np.isfinite(expected_array)):
        raise InvalidParameterError(
            f"expected={expected_text} is invalid: the reference contains NaN or inf; "
            "give a finite reference value."
        )
    found_array = _as_numeric_array(found, name, expected_text, hint)
    found_text = _format(found)
    if found_array.shape != expected_array.shape:
        _fail(name, "has the wrong shape", f"shape {expected_array.shape}",
              f"shape {found_array.shape}", hint)
    if not np.all(np.isfinite(found_array)):
        _fail(name, "contains NaN or infinite values", expected_text, found_text, hint)

    difference = np.abs(found_array - expected_array)
    allowed = atol + rtol * np.abs(expected_array)
    if np.any(difference > allowed):
        worst = int(np.argmax(difference - allowed))
        where = "" if expected_array.ndim == 0 else f" (largest at flat index {worst})"
        _fail(name, f"differs by {difference.flat[worst]:.3g}, more than the tolerance "
              f"{allowed.flat[worst]:.3g}{where}", expected_text, found_text, hint)


def check_close(found, expected, *, name: str = "the result", rtol: float = 1e-7,
                atol: float = 0.0, hint: str | None = None) -> None:
    """Check that ``found`` equals ``expected`` elementwise within a tolerance.

    The test is ``|found - expected| <= atol + rtol * |expected|`` for every entry, as in
    ``numpy.allclose``; shapes must agree exactly (no broadcasting). Complex values are
    compared by the modulus of the difference.

    Parameters
    ----------
    found : float or array_like
        The student's result.
    expected : float or array_like
        The reference value.
    name : str
        What is checked, used in the messages (for example ``"the BBP outlier position"``).
    rtol, atol : float
        Relative and absolute tolerance, non-negative.
    hint : str, optional
        Shown after a failure.

    Raises
    ------
    AssertionError
        If the shapes differ, an entry is NaN or infinite, or the difference is too large.
    """
    rtol, atol = _check_tolerances(rtol, atol)
    _compare(found, expected, name, rtol, atol, hint)
    print(f"Correct: {name} matches the expected value (rtol={rtol:g}, atol={atol:g}).")


def check_in_range(found, low: float, high: float, *, name: str = "the result",
                   hint: str | None = None) -> None:
    """Check that every entry of ``found`` lies in the closed interval ``[low, high]``.

    Use it for random quantities whose value depends on the sample but whose range is set
    by theory (for example a squared overlap near ``1 - n_k / n``).

    Raises
    ------
    AssertionError
        If an entry is outside the interval, NaN or infinite.
    """
    low = check_real(low, "low")
    high = check_real(high, "high")
    if high < low:
        raise InvalidParameterError(f"low={low} > high={high}: give the interval as low <= high.")
    expected_text = f"a value in [{low:.6g}, {high:.6g}]"
    found_array = _as_numeric_array(found, name, expected_text, hint)
    if np.iscomplexobj(found_array):
        _fail(name, "is complex", expected_text, _format(found_array), hint)
    if not np.all(np.isfinite(found_array)):
        _fail(name, "contains NaN or infinite values", expected_text, _format(found_array), hint)
    if np.any(found_array < low) or np.any(found_array > high):
        _fail(name, "is outside the expected range", expected_text, _format(found_array), hint)
    print(f"Correct: {name} lies in [{low:.6g}, {high:.6g}].")


def _call(function: Callable, arguments):
    """Call ``function`` with a tuple of positional or a mapping of keyword arguments."""
    if isinstance(arguments, Mapping):
        return function(**arguments)
    if isinstance(arguments, tuple):
        return function(*arguments)
    return function(arguments)


def check_function(function: Callable, cases: Iterable, *, name: str | None = None,
                   rtol: float = 1e-7, atol: float = 0.0, hint: str | None = None,
                   case_names: Iterable[str] | None = None) -> None:
    """Check a function on several inputs against the expected outputs.

    Parameters
    ----------
    function : callable
        The student's function; it must be a pure function of its arguments.
    cases : iterable of (arguments, expected)
        ``arguments`` is a tuple of positional arguments, a dict of keyword arguments or a
        single argument; ``expected`` is compared with :func:`check_close` semantics.
    name : str, optional
        Defaults to the function's name.
    rtol, atol : float
        Tolerances as in :func:`check_close`.
    hint : str, optional
        Shown after a failure.
    case_names : iterable of str, optional
        One short name per case (for example ``"n = 50, p = 3"``), shown in place of the
        arguments when a case fails. By default the arguments are shown, arrays by shape.

    Raises
    ------
    AssertionError
        At the first case whose output differs; the message names the case.
    NotImplementedError
        Propagated unchanged from a function that is still a stub.
    """
    rtol, atol = _check_tolerances(rtol, atol)
    label = name or getattr(function, "__name__", "the function")
    cases = list(cases)
    if not cases:
        raise InvalidParameterError("cases is empty: give at least one (arguments, expected) pair.")
    if case_names is None:
        titles = [f"{label}({_describe_arguments(arguments)})" for arguments, _ in cases]
    else:
        case_names = [str(case_name) for case_name in case_names]
        if len(case_names) != len(cases):
            raise InvalidParameterError(
                f"case_names has {len(case_names)} entries for {len(cases)} cases: give one name per case."
            )
        titles = [f"{label} on the case {case_name}" for case_name in case_names]
    for (arguments, expected), title in zip(cases, titles):
        found = _call(function, arguments)
        _compare(found, expected, title, rtol, atol, hint)
    print(f"Correct: {label} returns the expected value on all {len(cases)} test inputs.")


def check_for_seeds(function: Callable, expected, *, seeds=(101, 202, 303),
                    name: str | None = None, rtol: float = 0.0, atol: float = 0.0,
                    hint: str | None = None) -> None:
    """Check a random estimate for several seeds chosen by the checker.

    ``function(seed)`` must return an estimate of ``expected``. The check passes only when
    the estimate is within the tolerance for every seed, so a result that holds for one
    lucky seed fails. Choose ``atol``/``rtol`` from the estimator's standard deviation
    (four standard deviations keep false failures below about 1e-4 per seed for a
    Gaussian estimator).

    Raises
    ------
    AssertionError
        At the first seed whose estimate is outside the tolerance; the message names it.
    """
    rtol, atol = _check_tolerances(rtol, atol)
    if rtol == 0.0 and atol == 0.0:
        raise InvalidParameterError(
            "rtol=0 and atol=0 are invalid for a random estimate: set atol from its standard deviation."
        )
    label = name or getattr(function, "__name__", "the estimate")
    seeds = list(seeds)
    if not seeds:
        raise InvalidParameterError("seeds is empty: give at least one integer seed.")
    for seed in seeds:
        _compare(function(seed), expected, f"{label} with seed={seed}", rtol, atol, hint)
    print(f"Correct: {label} matches the expected value for all {len(seeds)} seeds tried.")
