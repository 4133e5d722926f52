"""The parameter table: the one representation of a model, with lavaan's ``parTable()`` columns.

Every part of the SEM layer reads this table: the matrix engine (lisrel.py) lays out its rows,
estimators estimate its free rows, and results report its rows in its order. Columns and their
meaning follow lavaan 0.6 (``lavaan::lavaanify`` / ``parTable``):

- ``id``: 1-based row number; ``lhs op rhs``: the formula; ``user``: 1 written by the user, 0 added by a
  default rule, 2 an equality constraint added for a shared label or ``group.equal``. Besides
  ``=~ ~ ~~ ~1`` (the LISREL matrices), a table with ordered items has lavaan's threshold rows
  ``item | t1`` ... ``item | tK`` and scaling-factor rows ``item ~*~ item`` (:data:`ORDINAL_OPS`).
- ``block``/``group``: 1-based group of the row (0 for ``:=`` and constraint rows).
- ``free``: 0 for a fixed row, otherwise a 1-based number unique to the row (as lavaan 0.6 with
  ``ceq.simple = FALSE``: equalities are ``==`` rows, not shared numbers).
- ``ustart``: the user's fixed or starting value (NaN where none); ``exo``: 1 for the (co)variances
  and intercepts of observed exogenous covariates fixed at their sample values (``fixed.x``).
- ``label`` (user or ``group.equal`` label), ``plabel`` (``.p<id>.``).
- ``mat``/``row``/``col``: where the row lives in the LISREL matrices (filled by :func:`layout`).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

COLUMNS = ("id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo", "label", "plabel",
           "start", "mat", "row", "col")
MODEL_OPS = ("=~", "~", "~~", "~1")
ORDINAL_OPS = ("|", "~*~")  # thresholds and scaling factors of ordered items
CONSTRAINT_OPS = ("==", "<", ">")


@dataclass(frozen=True)
class ParRow:
    """One row of the parameter table (see the module docstring for the columns)."""

    id: int
    lhs: str
    op: str
    rhs: str
    user: int
    block: int
    group: int
    free: int
    ustart: float = math.nan
    exo: int = 0
    label: str = ""
    plabel: str = ""
    start: float = math.nan
    mat: str = ""
    row: int = -1
    col: int = -1
    line: int = 0  # model line the row came from (0: added by a default rule); for error messages

    @property
    def is_free(self) -> bool:
        return self.free > 0

    def formula(self) -> str:
        return f"{self.lhs} {self.op} {self.rhs}".strip()


@dataclass(frozen=True)
class ParTable:
    """A frozen parameter table plus the variable names its rules were derived from.

    Attributes
    ----------
    rows : tuple of ParRow
        In lavaan's order: per group the user's rows then the defaults, then ``:=`` and
        constraint rows.
    ov_names, lv_names : tuple of str
        Observed and latent variables, ordered as lavaan orders them (indicators, dependent
        observed, exogenous observed, then others).
    ov_x : tuple of str
        Observed exogenous covariates (lavaan's ``ov.x``): predictors only, with no variance,
        covariance or intercept written by the user.
    fixed_x : bool
        Whether their moments are fixed at the sample values (lavaan's ``fixed.x``).
    options : dict
        The rule switches used (std_lv, auto_fix_first, fixed_x, int_ov_free, ...).
    ov_ord : tuple of str
        The ordered items (lavaan's ``ov.ord``), in ``ov_names`` order; empty for a continuous model.
    parameterization : str
        "delta" or "theta" (meaningful with ordered items).
    conditional_x : bool
        lavaan's ``conditional.x`` (on by default with ordered items): regressions on the observed
        covariates are marked ``exo``.
    ngroups : int
        Number of groups.
    meanstructure : bool
        Whether intercepts and means are modelled.
    text : str
        The syntax the table was read from.

    Notes
    -----
    Each row has lavaan's ``parTable()`` columns (:meth:`to_frame`): ``id``, ``lhs op rhs``, ``user`` (1
    written in the syntax, 0 added by a default rule, 2 an equality row added for a shared label),
    ``block``/``group``, ``free`` (0 fixed, else the free parameter's number, 1..``npar_rows`` in table
    order), ``ustart`` (the fixed value or the start given), ``exo`` (1 for the moments of fixed observed
    covariates, held at their sample values), ``label`` and ``plabel`` (``.p<id>.``). A label shared by
    several rows makes them one parameter through the equality rows ``.p<i>. == .p<j>.`` after the model
    rows, as lavaan writes them.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical
    Software*, 48(2), 1-36.
    R: ``lavaan::lavaanify(model, auto = TRUE)`` / ``parTable(fit)``, row by row (tests/test_partable_lavaanify.py,
    tests/test_partable_ordered.py; tests/reference/lavaanify_sample.R, lavaanify_ordered.R).

    Examples
    --------
    Built by :func:`~stickiness_research.lavaanify` (the defaults added as lavaan adds them):

    >>> import stickiness_research as sr
    >>> pt = sr.lavaanify("f =~ x1 + x2 + x3")  # In R: lavaanify("f =~ x1 + x2 + x3", auto = TRUE)
    >>> pt.ov_names, pt.lv_names, len(pt)
    (('x1', 'x2', 'x3'), ('f',), 7)
    >>> [r.formula() for r in pt][:4]
    ['f =~ x1', 'f =~ x2', 'f =~ x3', 'x1 ~~ x1']
    """

    rows: tuple[ParRow, ...]
    ov_names: tuple[str, ...]
    lv_names: tuple[str, ...]
    ov_x: tuple[str, ...]
    fixed_x: bool
    ngroups: int
    meanstructure: bool
    options: dict = field(default_factory=dict, compare=False)
    text: str = ""
    ov_ord: tuple[str, ...] = ()
    parameterization: str = "delta"
    conditional_x: bool = False

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def npar_rows(self) -> int:
        """Number of free rows (lavaan's ``max(free)``; shared labels still count once per row)."""
        return sum(1 for r in self.rows if r.free > 0)

    def model_rows(self, group: int | None = None) -> list[ParRow]:
        """Rows with a place in the model matrices (``=~ ~ ~~ ~1``), optionally of one group."""
        return [r for r in self.rows if r.op in MODEL_OPS and (group is None or r.group == group)]

    def thresholds(self, group: int | None = None) -> list[ParRow]:
        """Threshold rows (``item | tk``), optionally of one group."""
        return [r for r in self.rows if r.op == "|" and (group is None or r.group == group)]

    def definitions(self) -> list[ParRow]:
        """The ``:=`` rows, in table order."""
        return list(self._definition_rows)

    @functools.cached_property
    def _definition_rows(self) -> tuple[ParRow, ...]:  # asked for many times per fit; the table is frozen
        return tuple(r for r in self.rows if r.op == ":=")

    def constraints(self) -> list[ParRow]:
        return [r for r in self.rows if r.op in CONSTRAINT_OPS]

    def exo_index(self, fixed_only: bool = False) -> np.ndarray:
        """Positions of the exogenous covariates in ``ov_names`` (the rows of Sigma); with ``fixed_only``,
        only when their moments are fixed (fixed.x)."""
        names = self.ov_x if (self.fixed_x or not fixed_only) else ()
        return np.array([self.ov_names.index(v) for v in names], dtype=int)

    def labels(self) -> list[str]:
        return list(dict.fromkeys(r.label for r in self.rows if r.label and r.op in MODEL_OPS + ORDINAL_OPS))

    def replace_rows(self, rows: list[ParRow]) -> ParTable:
        return replace(self, rows=tuple(rows))

    def to_frame(self, *, layout: bool = False) -> pd.DataFrame:
        """The table as a DataFrame with lavaan's ``parTable()`` columns (plus mat/row/col if ``layout``)."""
        cols = COLUMNS if layout else COLUMNS[:13]
        return pd.DataFrame([{c: getattr(r, c) for c in cols} for r in self.rows], columns=list(cols))

    def _repr_html_(self) -> str:
        return self.to_frame().to_html(index=False, na_rep="")

    def __str__(self) -> str:
        with pd.option_context("display.width", 160, "display.max_rows", 1000):
            return self.to_frame().to_string(index=False, na_rep="")
