"""One declarative argument check with one message template, after scikit-learn's ``_param_validation``.

Every public function and CLI command states what each argument may be (an :class:`Interval`, one of
some :class:`Options`, or ``None``) and calls :func:`check`; a value that fits none of them raises
:class:`~stickiness_research.errors.ParameterError`, always worded the same way:
*The 'n_boot' parameter of bootstrap must be an int in the range [1, inf). Got -3 instead.*
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

from .errors import ParameterError


@dataclass(frozen=True)
class Interval:
    """Numbers of one kind (``int`` or ``float``) between two bounds; ``None`` is an open end.

    ``closed`` says which bounds belong to the range: "both", "left", "right" or "neither".
    """

    kind: type
    left: float | None
    right: float | None
    closed: str = "both"

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, Integral if self.kind is int else Real):
            return False
        if self.kind is float and math.isnan(value):
            return False
        left_ok = self.left is None or (value >= self.left if self.closed in ("both", "left") else value > self.left)
        right_ok = self.right is None or (value <= self.right if self.closed in ("both", "right")
                                          else value < self.right)
        return left_ok and right_ok

    def __str__(self) -> str:
        lo = "[" if self.left is not None and self.closed in ("both", "left") else "("
        hi = "]" if self.right is not None and self.closed in ("both", "right") else ")"
        left = "-inf" if self.left is None else f"{self.left:g}"
        right = "inf" if self.right is None else f"{self.right:g}"
        return f"{'an int' if self.kind is int else 'a float'} in the range {lo}{left}, {right}{hi}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (of the same type: ``True`` is not ``1``, ``"1"`` is not ``1``)."""

    values: tuple

    def __contains__(self, value: Any) -> bool:
        return any(isinstance(value, type(v)) and isinstance(value, bool) == isinstance(v, bool) and value == v
                   for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


Constraint = Interval | Options | None


def _satisfies(value: Any, constraint: Constraint) -> bool:
    return value is None if constraint is None else value in constraint


def check(value: Any, name: str, function: str, *constraints: Constraint, when: str = "") -> Any:
    """Return ``value`` if it meets at least one constraint, else raise the one templated error.

    Parameters
    ----------
    value : object
        The argument as given.
    name : str
        Its name as the caller wrote it (``"n_boot"``, or ``"--seed"`` for a CLI option).
    function : str
        The function or command it was given to (``"bootstrap"``, ``"stickiness simulate"``).
    *constraints : Interval, Options or None
        What the value may be; ``None`` allows ``None``.
    when : str, optional
        A condition or reason appended to the expectation, e.g. ``"when ci='bca'"``.

    Returns
    -------
    object
        ``value``, unchanged.

    Raises
    ------
    ParameterError
        When ``value`` meets none of the constraints.

    Examples
    --------
    >>> check(5, "n_boot", "bootstrap", Interval(int, 1, None))
    5
    >>> check(-3, "n_boot", "bootstrap", Interval(int, 1, None))
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ParameterError: The 'n_boot' parameter of bootstrap must be an int in the range [1, inf). Got -3 instead.
    >>> check("x", "seed", "simulate_responses", Interval(int, 0, None), None)
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ParameterError: The 'seed' parameter of simulate_responses must be an int in the range [0, inf) or None. Got 'x' instead.
    """
    if not any(_satisfies(value, c) for c in constraints):
        expected = " or ".join("None" if c is None else str(c) for c in constraints)
        raise ParameterError(name, function, f"{expected} {when}".rstrip(), value)
    return value


NON_NEGATIVE_INT = Interval(int, 0, None)
POSITIVE_INT = Interval(int, 1, None)
# joblib's n_jobs: 1, 2, ... workers, or -1 = all cores, -2 = all but one, ...; 0 means nothing
N_JOBS = (Interval(int, None, -1), Interval(int, 1, None))

__all__ = ["N_JOBS", "NON_NEGATIVE_INT", "POSITIVE_INT", "Interval", "Options", "check"]
