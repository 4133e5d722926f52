"""Old spellings that keep working for one more minor release, each with a FutureWarning naming the new one.

One vocabulary (issue 19): a standardized estimate is ``std_all`` (lavaan's std.all), ``ci`` is an
interval's method and ``level`` its confidence level, and a function that fits a model takes
``(model, data)`` as lavaan's ``cfa(model, data)``. The old spellings still work until
:data:`REMOVED_IN`: :func:`renamed_arguments` and :func:`model_first` wrap a function whose keyword or
argument order changed, and :class:`RenamedColumnsFrame` is a returned table that still answers a
renamed column. ``FutureWarning`` rather than ``DeprecationWarning``: Python shows it to the people
who run the code (notebooks, scripts), not only to test suites.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

REMOVED_IN = "0.2"  # the next minor release after pyproject's 0.1.x
_PACKAGE = str(Path(__file__).resolve().parent)
_PANDAS = str(Path(pd.__file__).resolve().parent)  # frame.loc[:, "beta"] reaches __getitem__ through pandas


def _outside_package() -> int:
    """The stacklevel of the first frame outside this package (and pandas): the user's line that used the old
    spelling."""
    frame, level = inspect.currentframe(), 0
    try:
        while frame is not None and frame.f_code.co_filename.startswith((_PACKAGE, _PANDAS)):
            frame, level = frame.f_back, level + 1
        return max(level, 1)
    finally:
        del frame


def warn_deprecated(old: str, new: str, why: str = "") -> None:
    """Issue a FutureWarning that ``old`` is deprecated, will be removed in :data:`REMOVED_IN`, and ``new`` replaces it.

    Parameters
    ----------
    old, new : str
        The old and the new spelling, as the user writes them (e.g. ``"cronbach_alpha(ci=0.9)"``).
    why : str
        An optional clause after the advice (e.g. ``"lavaan's order"``).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warn_deprecated("column 'beta'", "'std_all'")
    >>> print(caught[0].message)
    column 'beta' is deprecated and will be removed in stickiness_research 0.2: use 'std_all'.
    """
    tail = f" ({why})" if why else ""
    warnings.warn(f"{old} is deprecated and will be removed in stickiness_research {REMOVED_IN}: use {new}{tail}.",
                  FutureWarning, stacklevel=_outside_package())


def renamed_arguments(**renames: str) -> Callable[[Callable], Callable]:
    """Decorator: keyword arguments renamed ``old=new`` still work, with a FutureWarning, until :data:`REMOVED_IN`.

    Examples
    --------
    >>> @renamed_arguments(syntax="model")
    ... def fit(model, data=None):
    ...     return model
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     fit(syntax="y ~ x")
    'y ~ x'
    """

    def decorate(function: Callable) -> Callable:
        name = function.__name__

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{name}() got both {old!r} (its deprecated name) and {new!r}; pass {new!r}.")
                    warn_deprecated(f"{name}({old}=...)", f"{name}({new}=...)")
                    kwargs[new] = kwargs.pop(old)
            return function(*args, **kwargs)

        return wrapper

    return decorate


def model_first(old_model: str = "q") -> Callable[[Callable], Callable]:
    """Decorator for a model-fitting function that now takes ``(model, data, ...)``, as lavaan's ``cfa(model, data)``.

    Until :data:`REMOVED_IN` the old calls still work, with a FutureWarning: ``f(data, model, ...)``
    (a DataFrame first and not second: the two are swapped) and the old keyword ``old_model=``
    (now ``model=``).

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> @model_first("q")
    ... def fit(model, data):
    ...     return model, len(data)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit(pd.DataFrame({"x": [1, 2]}), "f =~ x")
    ('f =~ x', 2)
    >>> print(caught[0].message)
    fit(data, q) is deprecated and will be removed in stickiness_research 0.2: use fit(q, data) (lavaan's order).
    """

    def decorate(function: Callable) -> Callable:
        name = function.__name__

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # one warning per call, naming the whole old spelling
            renamed = old_model in kwargs
            if renamed:
                if "model" in kwargs:
                    raise TypeError(f"{name}() got both {old_model!r} (its deprecated name) and 'model'; pass 'model'.")
                kwargs["model"] = kwargs.pop(old_model)
            if args and isinstance(args[0], pd.DataFrame):
                if "model" in kwargs and "data" not in kwargs and len(args) == 1:  # f(data, model=...)
                    kwargs["data"], args = args[0], ()
                    keyword = old_model if renamed else "model"
                    warn_deprecated(f"{name}(data, {keyword}=...)", f"{name}(model, data)", "lavaan's order")
                    renamed = False
                elif len(args) >= 2 and not isinstance(args[1], pd.DataFrame):
                    args = (args[1], args[0], *args[2:])
                    warn_deprecated(f"{name}(data, {old_model})", f"{name}({old_model}, data)", "lavaan's order")
            if renamed:
                warn_deprecated(f"{name}({old_model}=...)", f"{name}(model=...)")
            return function(*args, **kwargs)

        return wrapper

    return decorate


def level_from_ci(ci: Any, level: float, function: str, default_ci: str, default_level: float = 0.95
                  ) -> tuple[str, float]:
    """``(ci, level)`` of a function whose ``ci`` used to be the confidence level: a number passed as ``ci`` is
    taken as ``level`` with a FutureWarning (``ci`` now names the interval's method, ``default_ci``).

    Raises
    ------
    TypeError
        A number as ``ci`` together with a ``level`` other than ``default_level``: two levels, one of them
        under its deprecated name (as a keyword given under both names).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     level_from_ci(0.9, 0.95, "cronbach_alpha", "feldt")
    ('feldt', 0.9)
    """
    if isinstance(ci, int | float) and not isinstance(ci, bool):
        if level != default_level:
            raise TypeError(f"{function}() got a level both as level={level!r} and as ci={ci!r} (its deprecated "
                            "name); pass level= only.")
        warn_deprecated(f"{function}(ci={ci!r}) for a confidence level", f"{function}(level={ci!r})",
                        "'ci' names the interval's method")
        return default_ci, ci
    return ci, level


class RenamedColumnsFrame(pd.DataFrame):
    """A DataFrame that still answers renamed columns by their old names, with a FutureWarning.

    ``frame["beta"]``, ``frame[["term", "beta"]]``, ``frame.beta``, ``frame.loc[:, "beta"]`` and
    ``row.beta`` of ``frame.itertuples()`` read the column now called (say) ``std_all`` while the old
    name is in ``renamed`` and not a column itself. Everything else is a plain DataFrame; slicing,
    copying and sorting by a new name keep the old names working (``_constructor`` and ``_metadata``).
    Not covered (use the new name): the old name in ``sort_values``, ``in``, ``groupby`` keys, and reads
    after ``pd.concat`` (which keeps no alias).

    Examples
    --------
    >>> import warnings
    >>> table = RenamedColumnsFrame({"term": ["x1"], "std_all": [0.5]}, renamed={"beta": "std_all"})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     float(table.head(1)["beta"].iloc[0])
    0.5
    >>> caught[0].category.__name__
    'FutureWarning'
    """

    _metadata = ["_renamed_columns"]
    _renamed_columns: Mapping[str, str] = {}  # old -> new; a plain dict, so the frame pickles

    def __init__(self, *args: Any, renamed: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if renamed is not None:
            self._renamed_columns = dict(renamed)

    @property
    def _constructor(self) -> Callable[..., RenamedColumnsFrame]:
        return RenamedColumnsFrame

    def _alias(self, name: Any) -> str | None:
        """The current name ``name`` stands for, warning once per use; ``None`` when it is not a renamed column."""
        new = self._renamed_columns.get(name) if isinstance(name, str) else None
        if new is None or name in self.columns or new not in self.columns:
            return None
        warn_deprecated(f"column {name!r}", f"{new!r}")
        return new

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            key = self._alias(key) or key
        elif isinstance(key, list) and self._renamed_columns:
            key = [self._alias(k) or k for k in key]
        return super().__getitem__(key)

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_"):
            new = self._alias(name)
            if new is not None:
                return super().__getitem__(new)
        return super().__getattr__(name)

    def itertuples(self, index: bool = True, name: str | None = "Pandas") -> Iterator[tuple]:
        rows = super().itertuples(index=index, name=name)
        aliases = {old: new for old, new in self._renamed_columns.items()
                   if old not in self.columns and new in self.columns}
        if name is None or not aliases:
            return rows
        return _aliased_rows(rows, aliases)


def _aliased_rows(rows: Iterator[tuple], aliases: Mapping[str, str]) -> Iterator[tuple]:
    """Named tuples that also answer each old name (a property that warns and reads the new field)."""
    aliased = None
    for row in rows:
        if aliased is None:
            def reader(old: str, new: str) -> property:
                def read(self: tuple) -> Any:
                    warn_deprecated(f"column {old!r}", f"{new!r}")
                    return getattr(self, new)

                return property(read)

            fields = type(row)._fields
            aliased = type(type(row).__name__, (type(row),), {
                "__slots__": (), **{old: reader(old, new) for old, new in aliases.items() if new in fields}})
        yield aliased._make(row)


def with_renamed_columns(frame: pd.DataFrame, renamed: Mapping[str, str]) -> RenamedColumnsFrame:
    """``frame`` as a :class:`RenamedColumnsFrame` answering the old names in ``renamed`` (old -> new).

    Examples
    --------
    >>> import pandas as pd
    >>> type(with_renamed_columns(pd.DataFrame({"std_all": [1.0]}), {"est_std": "std_all"})).__name__
    'RenamedColumnsFrame'
    """
    return RenamedColumnsFrame(frame, renamed=renamed)
