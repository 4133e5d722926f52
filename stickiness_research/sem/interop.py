"""semopy interop: write our models as semopy descriptions, read semopy models back as a ParTable.

Uses semopy's public API only: ``semopy.Model(description, ...)``, ``Model.description`` and
``Model.inspect()`` (its list view, and its matrix views ``mode="mx"`` with ``what="name"`` and
``what="start"``). No semopy internals are read or changed.

semopy's default rules (semopy 2.3, ``semopy.Model``) differ from lavaan's ``sem()``/``cfa()``; both
directions therefore write every parameter explicitly and then check, through ``inspect()``, that
semopy and lavaan hold the same rows:

- First loading: semopy fixes the first loading *without a multiplier* at 1 unless a loading of the
  factor is fixed to a number; a labelled loading stays free (lavaan fixes the first loading even if
  it is labelled, and frees it only with ``NA*``). If every loading is labelled semopy fixes none:
  that is how a description frees a marker. :func:`to_semopy` therefore labels the loadings of a
  factor without a fixed loading (``std.lv``, ``NA*``; ``_sr1``, ``_sr2``, ... where a row has no
  label) and adds ``start 1: _sr1 _sr2 ...``: without starting values semopy 2.3 never returns from
  ``fit()`` for such a factor (its loading start rule follows the marker chain, which is empty, in
  an endless loop), and a start of 0 would be a saddle point. ``start 1:`` is written with a
  one-character value because semopy 2.3's ``start`` operation reads only the first character of
  its value, and not as ``START(1)`` because that stores the start as text, which semopy's
  L-BFGS-B solver rejects. Known semopy limitation: ``semopy.calc_stats`` rebuilds a baseline model
  from the description without loadings and then fails on the ``start`` line; use
  ``semopy.stats.calc_chi2(model)`` for such models. semopy logs "No fixed loadings for ..."
  for these factors; that is expected.
- Observed exogenous variables (only on the right of ``~``): semopy fixes their variances and
  covariances at the sample values (denominator N), as lavaan's ``fixed.x = TRUE``; these rows
  (``exo == 1``) are left to that rule and not written. semopy decides exogeneity from the arrows
  only: writing ``x1 ~~ x2`` does not make x1 and x2 random as in lavaan, so their variances stay at
  the sample values; :func:`from_semopy` raises for such models.
- Exogenous latent variables: semopy frees their covariances, as lavaan's ``auto.cov.lv.x``.
- Residual covariances of pure dependent variables: semopy does not add them (unless
  ``mimic_lavaan=True``); lavaan's ``auto.cov.y`` does. :func:`from_semopy` writes them as ``0*``.
- Variances of endogenous and latent variables are free in both; semopy does not fix the residual
  variance of a single indicator at 0 (lavaan's ``auto.fix.single``).
- Chi-square: semopy's ``calc_stats`` reports ``N * F_ML`` with the N-denominator sample covariance,
  the same definition as lavaan's ``chisq``.

``semopy.Model`` has no mean structure, groups, defined parameters or general constraints: those
raise :class:`~stickiness_research.errors.ModelSpecError` (``:=`` rows are dropped, see
:func:`to_semopy`).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass

import numpy as np

from ..errors import ModelSpecError
from .partable import MODEL_OPS, ParRow, ParTable
from .syntax import Options, lavaanify

_LAVAAN_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
_SEMOPY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
_AUTO_NAME = re.compile(r"^_[bc]\d+$")  # semopy's names for unlabelled parameters
_GENERATED = re.compile(r"^_sr\d+$")  # our labels for freed markers
_PLABEL = re.compile(r"\.p(\d+)\.")
_FREE_LOADING_START = "1"  # semopy 2.3 reads one character of start's value

Key = tuple[str, str, str]


def _num(value: float) -> str:
    """A float written exactly, without an exponent (both semopy and lavaan read it)."""
    if not math.isfinite(value):
        raise ModelSpecError(f"the fixed value {value} is not a finite number.")
    return str(np.format_float_positional(float(value), trim="-"))


def _key(lhs: str, op: str, rhs: str) -> Key:
    """A row's identity in semopy's terms: loadings as ``item ~ factor``, covariances unordered."""
    if op == "=~":
        return (rhs, "~", lhs)
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, "~~", b)
    return (lhs, op, rhs)


def _formula(key: Key) -> str:
    return " ".join(key)


# ----- semopy's view of a description, through its public API ------------------------------------
@dataclass(frozen=True)
class _SemRow:
    """One semopy parameter cell: ``status`` is free, fixed (at ``value``) or sample (START)."""

    lhs: str
    op: str
    rhs: str
    name: str
    status: str
    value: float = math.nan


def _semopy_model(desc: str, **flags):
    import semopy

    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)  # "No fixed loadings for f" is expected for freed markers
    try:
        return semopy.Model(desc, **flags)
    except Exception as exc:  # semopy raises SyntaxError, KeyError, ValueError, NotImplementedError, ...
        hint = ""
        if isinstance(exc, ValueError) and "is not in list" in str(exc):
            hint = (" semopy keeps the covariances of indicators and pure outcomes in a matrix without "
                    "latent variables, so it cannot hold a covariance between one of them and a latent "
                    "variable.")
        raise ModelSpecError(f"semopy cannot read the model description ({type(exc).__name__}: {exc})."
                             f"{hint}") from exc
    finally:
        logging.disable(previous)


def _view(model) -> dict[Key, _SemRow]:
    """Every parameter cell of an unfitted ``semopy.Model``, keyed by :func:`_key`.

    The list view (``inspect()``) tells free ("Not estimated") from fixed rows but hides fixed
    (co)variances of observed exogenous variables; the matrix views give every cell's parameter
    name and fixed value (None for semopy's START: the sample value).
    """
    listing = model.inspect()
    estimates = {_key(a, op, b): est for a, op, b, est in
                 zip(listing["lval"], listing["op"], listing["rval"], listing["Estimate"], strict=True)}
    names = model.inspect(mode="mx", what="name")
    starts = model.inspect(mode="mx", what="start")
    out: dict[Key, _SemRow] = {}
    for matrix, op in (("Beta", "~"), ("Lambda", "~"), ("Psi", "~~"), ("Theta", "~~")):
        if matrix not in names:
            continue
        nm, st = names[matrix], starts[matrix]
        for i, a in enumerate(nm.index):
            for j, b in enumerate(nm.columns):
                name = nm.iat[i, j]
                if not isinstance(name, str) or (op == "~~" and j < i):
                    continue
                key = _key(a, op, b)
                est = estimates.get(key, st.iat[i, j])
                if isinstance(est, str) and est == "Not estimated":
                    row = _SemRow(a, op, b, name, "free")
                elif est is None or (isinstance(est, float) and math.isnan(est)):
                    row = _SemRow(a, op, b, name, "sample")
                else:
                    row = _SemRow(a, op, b, name, "fixed", float(est))
                out[key] = row
    return out


def _describe(status: str, value: float) -> str:
    return {"free": "free", "sample": "fixed at its sample value",
            "fixed": f"fixed at {value:g}"}.get(status, status)


# ----- lavaan -> semopy ---------------------------------------------------------------------------
def to_semopy(model: str | ParTable, options: Options | None = None) -> str:
    """Write a lavaan model as a semopy description in which every parameter is explicit.

    semopy estimates the same model as lavaan (and :func:`~stickiness_research.fit_sem`) would:
    every ``=~``, ``~`` and ``~~`` row of the parameter table is written, fixed rows as
    ``value*var``, free rows plain or with their label (``a*var``; shared labels are equal in both).
    Free markers (lavaan's ``NA*``, ``std.lv``) are labelled and started with ``start 1: ...``
    because semopy would otherwise fix them (see the module notes; ``semopy.calc_stats`` cannot
    handle that line). Rows that fix the (co)variances of observed exogenous covariates at their
    sample values (``exo == 1``, lavaan's ``fixed.x``) are left to semopy's identical rule.
    Covariances semopy would add by default but the table lacks (e.g. between a random and a
    fixed covariate) are written as ``0*``. The result is checked against
    ``semopy.Model(description).inspect()``.

    Dropped, as semopy has no equivalent that changes nothing else: ``:=`` rows (defined
    parameters; compute them from the estimates) and ``start()`` values of free rows.

    Parameters
    ----------
    model : str or ParTable
        lavaan syntax, or a table from :func:`~stickiness_research.sem.syntax.lavaanify`.
    options : Options, optional
        lavaan's rule switches used to read syntax (``sem()`` defaults); ignored for a ParTable.

    Returns
    -------
    str
        A semopy model description.

    Raises
    ------
    ModelSpecError
        Something semopy cannot express: several groups, intercepts or means (``~ 1``), constraints
        (``==``, ``<``, ``>`` written by the user), a label semopy would misread (``START``, a
        number such as ``inf``, semopy's own ``_b1``/``_c1``), or a row semopy would treat
        differently (e.g. a covariance of observed exogenous variables fixed at its sample value).

    Notes
    -----
    The same model, not the same numbers to lavaan's precision: semopy's optimizer (SLSQP by default) stops
    earlier than :func:`~stickiness_research.fit_sem`'s, so its estimates agree to about 1e-2 (relative) and
    its chi-square (N F_ML, divisor N, as lavaan's) to about 1e-3 (tests/test_semopy_interop.py).

    Examples
    --------
    >>> from stickiness_research.sem.interop import to_semopy
    >>> from stickiness_research.sem.syntax import Options
    >>> print(to_semopy("f =~ x1 + a*x2 + a*x3\\ny ~ f"))
    f =~ 1*x1 + a*x2 + a*x3
    y ~ f
    x1 ~~ x1
    x2 ~~ x2
    x3 ~~ x3
    y ~~ y
    f ~~ f
    >>> print(to_semopy("f =~ x1 + x2 + x3", Options(std_lv=True)))
    f =~ _sr1*x1 + _sr2*x2 + _sr3*x3
    x1 ~~ x1
    x2 ~~ x2
    x3 ~~ x3
    f ~~ 1*f
    start 1: _sr1 _sr2 _sr3
    """
    pt = lavaanify(model, options) if isinstance(model, str) else model
    if not isinstance(pt, ParTable):
        raise ModelSpecError(f"to_semopy needs lavaan syntax or a ParTable, not {type(model).__name__}.")
    if pt.ngroups > 1:
        raise ModelSpecError(f"the model has {pt.ngroups} groups; semopy.Model fits one group. Export one "
                             "group's model, or fit the groups with semopy.multigroup yourself.")
    means = [r for r in pt.rows if r.op == "~1"]
    if means:
        raise ModelSpecError(f"the model has intercepts or means ({means[0].lhs} ~ 1); semopy.Model has no "
                             "mean structure. Fit without meanstructure, or use our fit_sem.")
    constraints = [r for r in pt.constraints() if r.user != 2]
    if constraints:
        c = constraints[0]
        raise ModelSpecError(f"the constraint {c.lhs} {c.op} {c.rhs} cannot be written for semopy.Model; "
                             "only equalities by shared labels can. Remove the constraint or fit with "
                             "fit_sem.")
    rows = pt.model_rows()
    labels = {r.label for r in rows if r.label}
    for label in sorted(labels):
        _check_semopy_label(label)
    markers = {r.lhs for r in rows if r.op == "=~" and r.free == 0}
    unmarked = {r.lhs for r in rows if r.op == "=~"} - markers
    expected: dict[Key, tuple[str, float]] = {}
    terms: list[tuple[str, str, str]] = []
    started: list[str] = []
    generated = 0
    for r in rows:
        key = _key(r.lhs, r.op, r.rhs)
        if r.exo:
            expected[key] = ("sample", math.nan)
            continue
        if r.free == 0:
            if math.isnan(r.ustart):
                raise ModelSpecError(f"{r.formula()} is fixed without a value.")
            expected[key] = ("fixed", float(r.ustart))
            terms.append((r.lhs, r.op, f"{_num(r.ustart)}*{r.rhs}"))
            continue
        expected[key] = ("free", math.nan)
        name = r.label
        if r.op == "=~" and r.lhs in unmarked:
            if not name:
                generated += 1
                while f"_sr{generated}" in labels:
                    generated += 1
                name = f"_sr{generated}"
            if name not in started:
                started.append(name)
        terms.append((r.lhs, r.op, f"{name}*{r.rhs}" if name else r.rhs))

    def write(extra: list[Key]) -> str:
        lines: list[str] = []
        last: tuple[str, str] | None = None
        for lhs, op, term in terms:
            if (lhs, op) == last:
                lines[-1] += f" + {term}"
            else:
                lines.append(f"{lhs} {op} {term}")
            last = (lhs, op)
        lines += [f"{a} ~~ 0*{b}" for a, _, b in extra]
        if started:
            lines.append(f"start {_FREE_LOADING_START}: {' '.join(started)}")
        return "\n".join(lines)

    desc = write([])
    view = _view(_semopy_model(desc))
    extra = [k for k in view if k not in expected]
    if extra:
        bad = [k for k in extra if k[1] != "~~"]
        if bad:
            raise ModelSpecError(f"semopy adds {_formula(bad[0])}, which the model does not have.")
        for k in extra:
            expected[k] = ("fixed", 0.0)
        desc = write(extra)
        view = _view(_semopy_model(desc))
    for key, (status, value) in expected.items():
        got = view.get(key)
        if got is None or got.status != status or (status == "fixed" and got.value != value):
            seen = "absent" if got is None else _describe(got.status, got.value)
            hint = (" semopy fixes the (co)variances of variables that only predict (observed exogenous) at "
                    "their sample values, and only those; lavaan does so for fixed.x covariates."
                    if "sample" in (status, getattr(got, "status", "")) else "")
            raise ModelSpecError(f"semopy would not estimate {_formula(key)} as the model says: lavaan has "
                                 f"it {_describe(status, value)}, semopy {seen}.{hint}")
    return desc


def _check_semopy_label(label: str) -> None:
    problem = ""
    if not _SEMOPY_NAME.match(label):
        problem = "semopy names start with a letter or '_' and hold letters, digits, '_' and '.'"
    elif label == "START":
        problem = "semopy reads START as 'fixed at the starting value'"
    elif _AUTO_NAME.match(label):
        problem = "semopy names its unlabelled parameters _b1, _c1, ..."
    else:
        try:
            float(label)
            problem = "semopy would read it as a number"
        except ValueError:
            pass
    if problem:
        raise ModelSpecError(f"the label {label!r} cannot be used in a semopy description ({problem}); "
                             "rename it.")


# ----- semopy -> lavaan ---------------------------------------------------------------------------
def _semopy_op(line: str) -> str | None:
    i = line.find("~")
    if i < 0:
        return None
    if i > 0 and line[i - 1] == "=":
        return "=~"
    return "~~" if line[i + 1:i + 2] == "~" else "~"


def _read_description(desc: str) -> tuple[list[tuple[str, str, str, str | None]], dict[str, float]]:
    """semopy effects ``(op, lhs, rhs, multiplier)`` in the order written, and START values by name.

    As semopy: a later multiplier for the same effect replaces an earlier one; ``a, b ~ x`` has two
    left-hand sides. Operations other than ``START(v) names`` and ``start v: names`` raise.
    """
    effects: dict[tuple[str, str, str], str | None] = {}
    starts: dict[str, float] = {}
    for no, raw in enumerate(desc.replace("\u223c", "~").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        op = _semopy_op(line)
        if op is None:
            start = (re.fullmatch(r"START\s*\(([^)]*)\)\s*(.*)", line)
                     or re.fullmatch(r"start\s*\(?([^():]*?)\)?\s*:\s*(.*)", line))
            if start:
                try:
                    value = float(start.group(1))
                except ValueError:
                    raise ModelSpecError(f"semopy description line {no}: {line!r}: the starting value must "
                                         "be a number.") from None
                for name in start.group(2).split():
                    starts[name] = value
                continue
            word = re.match(r"[A-Za-z_]*", line).group(0) or line
            raise ModelSpecError(f"semopy description line {no}: the operation {word!r} ({line!r}) has no "
                                 "equivalent here (only starting values, START(v) or start v:, are read; "
                                 "bounds, constraints, DEFINE/latent, FORCE and ordinal are not). Remove it, "
                                 "or write the model in lavaan syntax.")
        lhs_text, rhs_text = line.split(op, 1)
        for lhs in (s.strip() for s in lhs_text.split(",")):
            for term in rhs_text.replace(" ", "").split("+"):
                mult, _, var = term.rpartition("*")
                effects[(op, lhs, var)] = mult or None
    return [(op, lhs, rhs, mult) for (op, lhs, rhs), mult in effects.items()], starts


def from_semopy(model) -> ParTable:
    """Read a semopy model as our parameter table, with semopy's default rules made explicit.

    The description (``model.description``, or the string given) is read for the order of the
    rows and which ones are loadings; a fresh ``semopy.Model(description)`` (with the model's
    ``mimic_lavaan`` and ``cov_diag`` switches) is inspected for every parameter semopy holds,
    fixed or free, its fixed value and its name (semopy's own ``_b1``/``_c1`` names are dropped,
    user names become lavaan labels, so shared names stay equal; ``_sr<k>`` names written by
    :func:`to_semopy` are dropped where they are unique). The equivalent lavaan syntax writes every
    row (``1*x`` fixed, ``NA*x`` a free first loading, ``start(v)*`` from ``START(v)``/``start v:``
    for labelled free rows), adds ``0*`` for lavaan defaults semopy lacks (``auto.cov.y``) and is
    read by :func:`lavaanify` with ``sem()`` defaults; the result is checked row by row against
    semopy's. Observed exogenous variables fixed at their sample values by semopy become lavaan's
    ``fixed.x`` rows. A fitted model's estimates are not read.

    semopy defaults reproduced this way: the first unlabelled loading fixed at 1 unless a loading
    is fixed (a labelled first loading stays free), free variances of endogenous and latent
    variables (also of a single indicator), free covariances of exogenous latent variables, no
    covariances among pure dependents unless ``mimic_lavaan=True``, and none among exogenous
    latents if ``cov_diag=True``.

    Parameters
    ----------
    model : semopy.Model or str
        A ``semopy.Model`` (fitted or not) or a semopy model description.

    Returns
    -------
    ParTable
        Its ``text`` is the lavaan syntax (see also :func:`partable_to_syntax`).

    Raises
    ------
    ModelSpecError
        A semopy construct with no lavaan equivalent: operations other than start (BOUND,
        CONSTRAINT, DEFINE(latent), FORCE, ordinal), ``ModelMeans``/``ModelEffects`` and other
        subclasses, ``baseline=True``, START as a multiplier (fixed at a data-dependent value),
        covariances among observed exogenous variables with their variances left to semopy
        (semopy fixes those at the sample values, lavaan frees them), or labels lavaan cannot read.

    Examples
    --------
    >>> from stickiness_research.sem.interop import from_semopy
    >>> pt = from_semopy("f =~ a*x1 + x2 + x3\\ny1 ~ f\\ny2 ~ f")
    >>> print(pt.text)
    f =~ NA*a*x1 + 1*x2 + x3
    y1 ~ f
    y2 ~ f
    f ~~ f
    x1 ~~ x1
    x2 ~~ x2
    x3 ~~ x3
    y1 ~~ y1
    y2 ~~ y2
    y1 ~~ 0*y2
    """
    import semopy

    flags: dict[str, bool] = {}
    if isinstance(model, str):
        desc = model
    elif isinstance(model, semopy.Model):
        if type(model) is not semopy.Model:
            raise ModelSpecError(f"semopy.{type(model).__name__} is not supported (means, random effects); "
                                 "pass a semopy.Model or its description.")
        if getattr(model, "baseline", False):
            raise ModelSpecError("a semopy baseline (independence) model has no lavaan equivalent here.")
        desc = model.description
        if not isinstance(desc, str):
            raise ModelSpecError("the semopy.Model was built from parsed effects, not a description string.")
        flags = {"mimic_lavaan": bool(getattr(model, "mimic_lavaan", False)),
                 "cov_diag": bool(getattr(model, "cov_diag", False))}
    else:
        raise ModelSpecError(f"from_semopy needs a semopy.Model or a description string, not "
                             f"{type(model).__name__}.")
    effects, starts = _read_description(desc)
    view = _view(_semopy_model(desc, **flags))
    order: list[tuple[Key, str]] = []  # (key, lavaan op)
    seen: set[Key] = set()
    sides: dict[Key, tuple[str, str]] = {}  # lhs, rhs as written
    for op, lhs, rhs, _ in effects:
        key = _key(lhs, op, rhs)
        if key in seen:
            raise ModelSpecError(f"the semopy description gives {_formula(key)} twice ({lhs} {op} {rhs}).")
        if key not in view:
            raise ModelSpecError(f"semopy holds no parameter for {lhs} {op} {rhs}.")
        seen.add(key)
        sides[key] = (lhs, rhs)
        order.append((key, op))
    order += [(key, row.op) for key, row in view.items() if key not in seen]
    if any(op == "~" and key not in seen for key, op in order):
        raise ModelSpecError("semopy added a regression that the description does not write.")
    names = [row.name for row in view.values()]
    written: list[tuple[str, str, str, list[str]]] = []  # lhs, op, rhs, modifiers
    first_loading: set[str] = set()
    for key, op in order:
        row = view[key]
        if row.status == "sample":
            continue  # lavaan's fixed.x rows; checked below
        lhs, rhs = sides.get(key, (row.lhs, row.rhs))
        mods: list[str] = []
        if row.status == "fixed":
            mods.append(_num(row.value))
        else:
            if op == "=~" and lhs not in first_loading:
                mods.append("NA")
            label = row.name
            if _AUTO_NAME.match(label) or (_GENERATED.match(label) and names.count(label) == 1):
                label = ""  # semopy's own name, or ours for a freed marker (its start 1 dropped too)
            elif not _LAVAAN_NAME.match(label):
                raise ModelSpecError(f"the semopy parameter name {label!r} ({_formula(key)}) is not a lavaan "
                                     "label; rename it.")
            if label:
                mods.append(label)
            if label and label in starts:
                mods.append(f"start({_num(starts[label])})")
        if op == "=~":
            first_loading.add(lhs)
        written.append((lhs, op, rhs, mods))
    syntax = _lines(written)
    pt = lavaanify(syntax)
    added = [r for r in pt.model_rows() if r.user == 0 and not r.exo and _key(r.lhs, r.op, r.rhs) not in view]
    if added:
        if any(r.op != "~~" for r in added):
            raise ModelSpecError(f"lavaan adds {added[0].formula()}, which semopy does not have.")
        written += [(r.lhs, "~~", r.rhs, ["0"]) for r in added]
        syntax = _lines(written)
        pt = lavaanify(syntax)
    zeros = {_key(r.lhs, "~~", r.rhs) for r in added}
    held = {}
    for r in pt.model_rows():
        key = _key(r.lhs, r.op, r.rhs)
        held[key] = r
        got = view.get(key)
        if got is None and key in zeros:
            continue
        status = "sample" if r.exo else ("free" if r.free else "fixed")
        if got is None or got.status != status or (status == "fixed" and got.value != r.ustart):
            seen_as = "absent" if got is None else _describe(got.status, got.value)
            raise ModelSpecError(f"lavaan cannot hold semopy's {_formula(key)}: semopy has it {seen_as}, the "
                                 f"lavaan model {_describe(status, r.ustart)}." + _sample_hint(got))
    missing = [k for k in view if k not in held]
    if missing:
        got = view[missing[0]]
        raise ModelSpecError(f"lavaan cannot hold semopy's {_formula(missing[0])} "
                             f"({_describe(got.status, got.value)})." + _sample_hint(got))
    return pt


def _sample_hint(got: _SemRow | None) -> str:
    if got is None or got.status != "sample":
        return ""
    if got.op != "~~":
        return (" semopy's START multiplier fixes it at a starting value computed from the data; lavaan has "
                "no equivalent. Fix it at a number or free it.")
    return (" semopy fixes it at the sample value because it only predicts (observed exogenous); lavaan "
            "does that only for covariates with no (co)variance written (fixed.x). Write these variances and "
            "covariances in the semopy description, or remove the covariances among the predictors.")


def _lines(written: list[tuple[str, str, str, list[str]]]) -> str:
    lines: list[str] = []
    last: tuple[str, str] | None = None
    for lhs, op, rhs, mods in written:
        term = "*".join([*mods, rhs])
        if (lhs, op) == last and op != "~~":
            lines[-1] += f" + {term}"
        else:
            lines.append(f"{lhs} {op} {term}")
        last = (lhs, op)
    return "\n".join(lines)


# ----- ParTable -> lavaan syntax ------------------------------------------------------------------
def partable_to_syntax(partable: ParTable) -> str:
    """Write a parameter table as explicit lavaan syntax that reproduces its model rows.

    Every ``=~ ~ ~~ ~1`` row is written, defaults included: fixed rows with their value (``1*x``),
    free first loadings with ``NA*``, labels (``a*x``), starting values (``start(v)*x``), and per
    group ``c()`` modifiers where groups differ (``c(1, NA)*x``, ``c(a1, a2)*x``; one modifier
    where they agree, which lavaan applies to every group).
    ``:=`` rows and user constraints are copied; equality rows added for shared labels are not
    (lavaanify adds them again). Rows fixing observed exogenous covariates at their sample values
    (``exo == 1``) are left to lavaan's ``fixed.x`` rule. ``group.equal`` labels (``.p2.``) and
    rows that constraints name by plabel get ordinary labels, since row numbers may change.

    Parameters
    ----------
    partable : ParTable

    Returns
    -------
    str
        lavaan model syntax.

    Raises
    ------
    ModelSpecError
        A row present in some groups only, or starting values given for some groups only.

    Notes
    -----
    The round trip: ``lavaanify(partable_to_syntax(pt), Options(ngroups=pt.ngroups, fixed_x=pt.fixed_x))``,
    with the other switches at their ``sem()`` defaults, gives the same model rows (lhs, op, rhs,
    group, free or fixed, ustart) and the same equalities, so a table built with ``std_lv``,
    ``group_equal`` or ``group_partial`` can be fitted as plain syntax with the same chi-square.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical
    Software*, 48(2), 1-36.
    The output is lavaan model syntax, for ``lavaan::sem(model, data)``; the round trip is checked with our
    :func:`~stickiness_research.lavaanify` (itself checked against ``lavaan::lavaanify``) and by equal fits of
    a ``group.equal`` model (tests/test_semopy_interop.py), not by running R.

    Examples
    --------
    >>> from stickiness_research.sem.syntax import Options, lavaanify
    >>> from stickiness_research.sem.interop import partable_to_syntax
    >>> pt = lavaanify("f =~ x1 + c(a, b)*x2 + x3", Options(ngroups=2, std_lv=True))
    >>> print(partable_to_syntax(pt))
    f =~ NA*x1 + c(a, b)*x2 + x3
    x1 ~~ x1
    x2 ~~ x2
    x3 ~~ x3
    f ~~ 1*f
    >>> rows = lambda p: [(r.lhs, r.op, r.rhs, r.group, r.free > 0, r.ustart) for r in p.model_rows()]
    >>> rows(lavaanify(partable_to_syntax(pt), Options(ngroups=2))) == rows(pt)
    True
    """
    pt = partable
    groups = max(1, pt.ngroups)
    model = [r for r in pt.rows if r.op in MODEL_OPS and not r.exo]
    extra = [r for r in pt.rows if r.op not in MODEL_OPS and r.user == 1]
    taken = set(pt.ov_names) | set(pt.lv_names) | {r.label for r in pt.rows if r.label}
    taken |= {r.lhs for r in extra if r.op == ":="}

    def fresh(base: str) -> str:
        name, k = base, 1
        while name in taken:
            k += 1
            name = f"{base}_{k}"
        taken.add(name)
        return name

    # labels: group.equal's '.pN.' labels and rows named by plabel in constraints get plain names
    label = {r.id: r.label for r in pt.rows}
    renamed: dict[str, str] = {}
    for r in model:
        if r.label and _PLABEL.fullmatch(r.label):
            if r.label not in renamed:
                renamed[r.label] = fresh("p" + r.label.strip(".")[1:])
            label[r.id] = renamed[r.label]
    by_id = {r.id: r for r in pt.rows}
    plabel_names: dict[str, str] = {}
    for r in extra:
        for text in (r.lhs, r.rhs):
            for m in _PLABEL.finditer(text):
                target = by_id.get(int(m.group(1)))
                if target is None or m.group(0) in plabel_names:
                    continue
                if not label[target.id]:
                    label[target.id] = fresh("p" + m.group(1))
                plabel_names[m.group(0)] = label[target.id]

    def relabel(text: str) -> str:
        return _PLABEL.sub(lambda m: plabel_names.get(m.group(0), m.group(0)), text)

    per_key: dict[tuple[str, str, str], dict[int, ParRow]] = {}
    for r in model:
        per_key.setdefault((r.lhs, r.op, r.rhs), {})[r.group] = r
    first_loading: set[str] = set()
    written: list[tuple[str, str, str, list[str]]] = []
    for (lhs, op, rhs), by_group in per_key.items():
        if len(by_group) != groups:
            raise ModelSpecError(f"{lhs} {op} {rhs} is in {len(by_group)} of {groups} groups; lavaan syntax "
                                 "writes a row for every group.")
        rs = [by_group[g] for g in range(1, groups + 1)]
        mods: list[str] = []
        is_first = op == "=~" and lhs not in first_loading
        if op == "=~":
            first_loading.add(lhs)
        if any(r.free == 0 for r in rs) or (is_first and any(r.free for r in rs)):
            mods.append(_per_group(["NA" if r.free else _num(r.ustart) for r in rs]))
        labels = [label[r.id] for r in rs]
        if any(labels):
            labels = [lab or fresh(f"p{r.id}") for r, lab in zip(rs, labels, strict=True)]
            mods.append(_per_group(labels))
        start = [r.ustart for r in rs if r.free and math.isfinite(r.ustart)]
        if start:
            if len(start) != groups:
                raise ModelSpecError(f"{lhs} {op} {rhs} has starting values in some groups only; lavaan "
                                     "syntax cannot write that.")
            mods.append(f"start({_per_group([_num(v) for v in start])})")
        written.append((lhs, "~" if op == "~1" else op, "1" if op == "~1" else rhs, mods))
    lines = _lines(written).splitlines()
    lines += [f"{relabel(r.lhs)} {r.op} {relabel(r.rhs)}" for r in extra]
    return "\n".join(lines)


def _per_group(values: list[str]) -> str:
    """One modifier for all groups when they agree (lavaan applies it to each), else ``c(...)``."""
    return values[0] if len(set(values)) == 1 else f"c({', '.join(values)})"
