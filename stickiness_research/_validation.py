"""One declarative argument check with one message template, after scikit-learn's ``_param_validation``.

Every public function and CLI command states what each argument may be (an :class:`Interval`, one of
some :class:`Options`, or ``None``) and calls :func:`check`; a value that fits none of them raises
:class:`~stickiness_research.errors.ParameterError`, always worded the same way:
*The 'n_boot' parameter of bootstrap must be an int in the range [1, inf). Got -3 instead.*
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from .errors import ParameterError


class KeyedValueError(ValueError):
    """A pydantic model validator's error about one key of the file (``key``: its path, e.g. ("model",
    "estimator")): the loaders report it at that key's line instead of the mapping's first line."""

    def __init__(self, message: str, key: tuple):
        super().__init__(message)
        self.key = tuple(key)


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
        def bound(x: float) -> str:
            return str(int(x)) if self.kind is int and float(x).is_integer() else f"{x:g}"

        left = "-inf" if self.left is None else bound(self.left)
        right = "inf" if self.right is None else bound(self.right)
        return f"{'an int' if self.kind is int else 'a float'} in the range {lo}{left}, {right}{hi}"


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values (of the same type: ``True`` is not ``1``, ``"1"`` is not ``1``).

    ``ignore_case`` lets strings match in any case (``"ml"`` for ``"ML"``), as lavaan reads estimator names.
    """

    values: tuple
    ignore_case: bool = False

    def __contains__(self, value: Any) -> bool:
        if self.ignore_case and isinstance(value, str):
            return value.casefold() in {v.casefold() for v in self.values if isinstance(v, str)}
        return any(isinstance(value, type(v)) and isinstance(value, bool) == isinstance(v, bool) and value == v
                   for v in self.values)

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values) + (" (any case)" if self.ignore_case else "")


@dataclass(frozen=True)
class InstanceOf:
    """A value of some type(s), described in words (``InstanceOf(str, "a str")``); ``bool`` is not an int."""

    types: type | tuple[type, ...]
    description: str

    def __contains__(self, value: Any) -> bool:
        types = self.types if isinstance(self.types, tuple) else (self.types,)
        if isinstance(value, bool) and not any(issubclass(bool, t) and t is not int for t in types):
            return False
        return isinstance(value, types)

    def __str__(self) -> str:
        return self.description


@dataclass(frozen=True)
class ListOf:
    """A list (or tuple, range, 1-d array) of ``min_length`` to ``max_length`` values, each meeting ``item``."""

    item: Interval | Options | InstanceOf
    min_length: int = 1
    max_length: int | None = None

    def __contains__(self, value: Any) -> bool:
        if isinstance(value, str | bytes | dict) or not hasattr(value, "__len__") or getattr(value, "ndim", 1) != 1:
            return False
        try:
            values = list(value)
        except TypeError:
            return False
        if len(values) < self.min_length or (self.max_length is not None and len(values) > self.max_length):
            return False
        return all(v in self.item for v in values)

    def __str__(self) -> str:
        if self.max_length == self.min_length:
            size = f"a list of {self.min_length} values"
        elif self.max_length is None:
            size = {0: "a list", 1: "a non-empty list"}.get(self.min_length, f"a list of at least {self.min_length} "
                                                                               "values")
        else:
            size = f"a list of {self.min_length} to {self.max_length} values"
        return f"{size}, each {self.item}"


@dataclass(frozen=True)
class Satisfies:
    """Any value for which ``predicate`` is true, described in words (for conditions between values)."""

    predicate: Callable[[Any], bool]
    description: str

    def __contains__(self, value: Any) -> bool:
        try:
            return bool(self.predicate(value))
        except (TypeError, ValueError):
            return False

    def __str__(self) -> str:
        return self.description


Constraint = Interval | Options | InstanceOf | ListOf | Satisfies | None
_UNSET = object()


def _satisfies(value: Any, constraint: Constraint) -> bool:
    return value is None if constraint is None else value in constraint


def check(value: Any, name: str, function: str, *constraints: Constraint, when: str = "", shown: Any = _UNSET) -> Any:
    """Return ``value`` if it meets at least one constraint, else raise the one templated error.

    Parameters
    ----------
    value : object
        The argument as given.
    name : str
        Its name as the caller wrote it (``"n_boot"``, or ``"--seed"`` for a CLI option).
    function : str
        The function or command it was given to (``"bootstrap"``, ``"stickiness simulate"``).
    *constraints : Interval, Options, InstanceOf, ListOf, Satisfies or None
        What the value may be; ``None`` allows ``None``.
    when : str, optional
        A condition or reason appended to the expectation, e.g. ``"when ci='bca'"``.
    shown : object, optional
        What the message shows after "Got" instead of the value (a secret key is described, never shown).

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
        raise ParameterError(name, function, f"{expected} {when}".rstrip(), value if shown is _UNSET else shown)
    return value


NON_NEGATIVE_INT = Interval(int, 0, None)
POSITIVE_INT = Interval(int, 1, None)
# joblib's n_jobs: 1, 2, ... workers, or -1 = all cores, -2 = all but one, ...; 0 means nothing
N_JOBS = (Interval(int, None, -1), Interval(int, 1, None))
# seeds handed to scikit-learn (random_state) must fit in 32 bits
SEED_32 = Interval(int, 0, 2**32 - 1)
PROBABILITY_OPEN = Interval(float, 0, 1, closed="neither")  # confidence levels, quantiles, alpha
BOOL = InstanceOf((bool, np.bool_), "a bool")
PATH = InstanceOf((str, os.PathLike), "a path (str or pathlib.Path)")
STR = InstanceOf(str, "a str")

__all__ = ["BOOL", "N_JOBS", "NON_NEGATIVE_INT", "PATH", "POSITIVE_INT", "PROBABILITY_OPEN", "SEED_32", "STR",
           "InstanceOf",
           "Interval", "ListOf", "Options", "Satisfies", "check"]
