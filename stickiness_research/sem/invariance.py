"""Measurement invariance across groups: configural, metric, scalar and strict models compared.

Each level adds lavaan ``group.equal`` constraints to the previous one. Nested models are compared
by the chi-square difference test and by the changes in CFI and RMSEA, with Chen's (2007)
cut-offs (the chi-square test rejects trivial differences at survey sample sizes).

For ordered items (WLSMV) the sequence is Wu & Estabrook's (2016): configural, thresholds,
thresholds + loadings (metric), + intercepts (scalar), identified as ``semTools::measEq.syntax(...,
ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", parameterization = "delta")`` writes it:
:func:`categorical_invariance_syntax` produces the same models (tests compare every step's fit with
lavaan's), and neighbours are compared by lavaan's scaled-shifted difference test
(:func:`.categorical.scaled_difference`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import special

from .._deprecation import model_first
from .._summary import Reportable
from ..errors import ModelSpecError
from .fit import _all_ordered, fit_sem
from .result import SEMResult

LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("loadings", "intercepts")),
    ("strict", ("loadings", "intercepts", "residuals")),
)
# The rule, stated once: a level fails when CFI drops by more than .010 (Cheung & Rensvold 2002; Chen 2007's
# primary criterion) or RMSEA rises by more than .015 (Chen 2007's supplement) - either change is enough, the
# conservative reading (on Holzinger-Swineford it rejects scalar invariance, as the textbook analysis does).
DELTA_CFI = -0.010
DELTA_RMSEA = 0.015
# Wu & Estabrook (2016) for ordered items: what each level holds equal across groups
CATEGORICAL_LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("thresholds", ("thresholds",)),
    ("metric", ("thresholds", "loadings")),
    ("scalar", ("thresholds", "loadings", "intercepts")),
)


@dataclass(frozen=True, eq=False)
class InvarianceResult(Reportable):
    """The invariance table and the fitted model of every level.

    Returned by :func:`invariance`.

    Attributes
    ----------
    table : DataFrame
        One row per level fitted (see :func:`invariance` for the columns).
    fits : dict of str to SEMResult
        The multi-group fit of each level.
    group : str
        The grouping column.
    groups : tuple of str
        The group labels, in the fits' order.
    level : str
        The strictest level that holds (a property).

    Notes
    -----
    Levels are read in order; ``level`` is the last level before the first one that fails (configural
    when the second level already fails). A level fails against the previous one when
    ``delta_cfi = cfi - cfi_previous < -0.010`` or ``delta_rmsea = rmsea - rmsea_previous > 0.015``;
    ``delta_chisq`` (likelihood-ratio difference, or for ordered items lavaan's scaled-shifted
    ``lavTestLRT`` difference) is reported beside them but does not decide, since at survey sample sizes
    it rejects trivial differences. :meth:`verdict` says what the level allows to be compared.

    References
    ----------
    Meredith, W. (1993). Measurement invariance, factor analysis and factorial invariance.
    *Psychometrika*, 58(4), 525-543.
    Cheung & Rensvold (2002), Chen (2007) and Wu & Estabrook (2016): the full entries are under
    :func:`invariance`.
    R: ``lavaan::cfa(model, data, group = , group.equal = )`` per level (tests/test_invariance.py); for
    ordered items ``semTools::measEq.syntax(..., ID.cat = "Wu.Estabrook.2016")`` fits and ``lavTestLRT``
    (tests/test_wlsmv.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.invariance("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs,
    ...                     group="school", levels=("configural", "metric"))
    >>> res.level, res.groups, list(res.fits)
    ('metric', ('Pasteur', 'Grant-White'), ['configural', 'metric'])
    """

    table: pd.DataFrame
    fits: dict[str, SEMResult]
    group: str
    groups: tuple[str, ...]

    @property
    def level(self) -> str:
        """The strictest level that holds ("configural" if even the second level fails)."""
        held = "configural"
        for row in self.table.itertuples():
            if row.model == "configural":
                continue
            if not row.holds:
                break
            held = row.model
        return held

    def verdict(self) -> str:
        lvl = self.level
        groups = ", ".join(self.groups)
        if lvl == "configural":
            return (f"Only configural invariance across {self.group} ({groups}): loadings differ, so construct "
                    "scores and paths are not comparable across groups.")
        meaning = {"thresholds": "the items' category thresholds are equal across groups, loadings are not yet "
                                 "shown to be",
                   "metric": "paths and correlations can be compared across groups, latent means cannot",
                   "scalar": "latent means, paths and correlations can be compared across groups",
                   "strict": "observed scale scores can also be compared across groups"}[lvl]
        return f"{lvl.capitalize()} invariance holds across {self.group} ({groups}): {meaning}."

    @property
    def title(self) -> str:
        return f"Measurement invariance across {self.group}"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``steps``: one row per level (fit, differences, whether it holds)."""
        return {"steps": self.table}

    def summary_notes(self) -> list[str]:
        notes = [self.verdict()]
        first = next(iter(self.fits.values()), None)
        if first is not None and "chisq.shift.parameters" in first.fit_measures:  # ordered items (WLSMV)
            notes.append("chisq, pvalue: the scaled-shifted chi-square; cfi, rmsea: the scaled ones; delta_chisq: the "
                         "scaled-shifted difference (lavaan's lavTestLRT).")
        # each level's own notes (Heywood cases, vcov, the data's warnings), once, naming the levels they concern
        levels: dict[str, list[str]] = {}
        for name, fit in self.fits.items():
            for warning in fit.warnings:
                levels.setdefault(warning, []).append(name)
        for warning, names in levels.items():
            notes.append(warning if len(names) == len(self.fits) else f"{', '.join(names)}: {warning}")
        return notes

    def meta(self) -> dict:
        """``group`` (the column), ``groups`` (its labels), ``level`` (the strictest that holds) and ``verdict``."""
        return {"group": self.group, "groups": list(self.groups), "level": self.level, "verdict": self.verdict()}


def categorical_invariance_syntax(syntax: str, ordered: dict[str, int], n_groups: int,
                                  equal: tuple[str, ...]) -> str:
    """lavaan syntax of one level of Wu & Estabrook's (2016) invariance sequence for ordered items.

    The same model ``semTools::measEq.syntax(configural.model = syntax, ordered = items,
    parameterization = "delta", ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group.equal =
    equal)`` writes: factors identified by unit variances and zero means in the first group;
    loadings and thresholds free per group (one label across groups when equal); ordered items'
    intercepts 0 and scale factors 1, freed in later groups once thresholds are equal, intercepts
    fixed again when equal; latent variances freed in later groups with equal loadings, latent means
    with equal intercepts.

    Parameters
    ----------
    syntax : str
        A measurement model (``=~`` lines; factor covariances are added).
    ordered : dict of str to int
        Ordered item -> number of thresholds (categories - 1); every indicator must be ordered.
    n_groups : int
    equal : tuple of str
        Subset of ``("thresholds", "loadings", "intercepts")``.

    Raises
    ------
    ModelSpecError
        A continuous or binary indicator (their identification under Wu & Estabrook differs; not
        implemented), or a model with other than ``=~`` rows.
    """
    from .syntax import Options, lavaanify

    pt = lavaanify(syntax, Options(ordered=ordered))
    loads = [(r.lhs, r.rhs) for r in pt.rows if r.op == "=~" and r.user == 1]
    others = [r for r in pt.rows if r.user == 1 and r.op not in ("=~", "~~")]
    if others:
        raise ModelSpecError(f"categorical invariance takes a measurement model ('=~' lines); '{others[0].lhs} "
                             f"{others[0].op} {others[0].rhs}' is not one.")
    factors = list(dict.fromkeys(f for f, _ in loads))
    items = list(dict.fromkeys(i for _, i in loads))
    for item in items:
        if item not in ordered:
            raise ModelSpecError(f"categorical invariance needs every indicator ordered; {item!r} is not.")
        if ordered[item] < 2:
            raise ModelSpecError(f"{item!r} has two categories; Wu & Estabrook's identification of binary items "
                                 "is not implemented, so test invariance with items of three or more categories.")
    g = range(1, n_groups + 1)

    def values(first: str, rest: str) -> str:
        return "c(" + ", ".join([first] + [rest] * (n_groups - 1)) + ")"

    def labels(stem: str, shared: bool) -> str:
        return "c(" + ", ".join(stem if shared else f"{stem}.g{k}" for k in g) + ")"

    thr, lam, icp = ("thresholds" in equal), ("loadings" in equal), ("intercepts" in equal)
    lines = ["## loadings"]
    for f, i in loads:
        lines.append(f"{f} =~ {values('NA', 'NA')}*{i} + {labels(f'lambda.{i}.{f}', lam)}*{i}")
    lines.append("## thresholds")
    for i in items:
        for t in range(1, ordered[i] + 1):
            lines.append(f"{i} | {values('NA', 'NA')}*t{t} + {labels(f'{i}.thr{t}', thr)}*t{t}")
    lines.append("## intercepts and scale factors of the latent responses")
    for i in items:
        lines.append(f"{i} ~ {values('0', 'NA' if thr and not icp else '0')}*1 + {labels(f'nu.{i}', icp)}*1")
        lines.append(f"{i} ~*~ {values('1', 'NA' if thr else '1')}*{i}")
    lines.append("## latent means, variances and covariances")
    for f in factors:
        lines.append(f"{f} ~ {values('0', 'NA' if icp else '0')}*1 + {labels(f'alpha.{f}', False)}*1")
        lines.append(f"{f} ~~ {values('1', 'NA' if lam else '1')}*{f} + {labels(f'psi.{f}.{f}', False)}*{f}")
    for a, f in enumerate(factors):
        for h in factors[a + 1:]:
            lines.append(f"{f} ~~ {values('NA', 'NA')}*{h} + {labels(f'psi.{f}.{h}', False)}*{h}")
    return "\n".join(lines) + "\n"


@model_first("q")
def invariance(model, data: pd.DataFrame, group: str, *, levels: tuple[str, ...] | None = None,
               ordered: bool | list[str] | None = None, missing: str = "listwise") -> InvarianceResult:
    """Test measurement invariance of a measurement model across the groups in a column.

    The model comes first and the data second, as ``lavaan::cfa(model, data, group = )``.

    .. deprecated:: 0.1.1
        ``invariance(data, q, group)`` (the data first) and the keyword ``q=`` still work, with a
        FutureWarning, until 0.2: call ``invariance(model, data, group)``.

    Parameters
    ----------
    model : Questionnaire or str
        A Questionnaire (its measurement model is used) or lavaan syntax.
    data : DataFrame
        Item answers (reverse-keyed items recoded) and the group column.
    group : str
        Column defining the groups, e.g. ``"product_type"``.
    levels : tuple of str, optional
        Which levels to fit, in order: of configural, metric, scalar, strict (default all four); with
        ``ordered``, of configural, thresholds, metric, scalar (default all four).
    ordered : True, "all" or list of str, optional
        Treat the items as ordered (``True`` or ``"all"``: all of them): WLSMV fits of Wu & Estabrook's (2016)
        sequence (:func:`categorical_invariance_syntax`), compared by the scaled-shifted chi-square
        difference and the changes in the scaled CFI and RMSEA.
    missing : {"listwise", "pairwise"}
        With ``ordered``: lavaan's ``missing =`` for the categorical fits (see :func:`fit_sem`).

    Returns
    -------
    InvarianceResult
        ``table`` with columns model, chisq, df, pvalue, cfi, rmsea, srmr, delta_chisq, delta_df,
        delta_pvalue, delta_cfi, delta_rmsea, holds; ``fits`` by level; ``verdict()``. A level
        holds unless CFI drops by more than .010 or RMSEA rises by more than .015 against the
        previous level (either is enough; Cheung & Rensvold 2002, Chen 2007). For ordered items
        chisq/pvalue are the scaled-shifted ones, cfi/rmsea the scaled ones (``cfi.scaled``,
        ``rmsea.scaled``: the robust ones cannot see threshold or intercept constraints, and lavaan
        gives NA for them there) and delta_chisq is lavaan's ``lavTestLRT`` difference.

    Raises
    ------
    ModelSpecError
        ``levels`` not an ordered subset of the sequence, the group column missing from the data,
        ``missing`` given for continuous items, or (ordered) a structural line, an indicator not
        ordered or a binary item the identification cannot handle.
    EstimationError
        A level's model cannot be estimated.

    Notes
    -----
    Each level adds equality constraints across groups (lavaan's ``group.equal``): metric
    ``"loadings"``, scalar ``+ "intercepts"``, strict ``+ "residuals"``. ``delta_chisq`` is the
    likelihood-ratio difference against the previous level; a level holds when
    ``delta_cfi >= -0.010`` and ``delta_rmsea <= 0.015``.

    References
    ----------
    Cheung, G. W., & Rensvold, R. B. (2002). Evaluating goodness-of-fit indexes for testing
    measurement invariance. *Structural Equation Modeling*, 9, 233-255.
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement invariance.
    *Structural Equation Modeling*, 14, 464-504.
    Wu, H., & Estabrook, R. (2016). Identification of confirmatory factor analysis models of
    different levels of invariance for ordered categorical outcomes. *Psychometrika*, 81, 1014-1045.
    R: ``lavaan::cfa(model, data, group = "school", group.equal = ...)`` per level (checked in
    tests/test_invariance.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> res = sr.invariance(model, hs, group="school", levels=("configural", "metric", "scalar"))
    >>> res.table[["model", "chisq", "df"]].round(3).values.tolist()  # In R: lavaan::cfa(..., group.equal=)
    [['configural', 115.851, 48.0], ['metric', 124.044, 54.0], ['scalar', 164.103, 60.0]]
    """
    ordered = _all_ordered(ordered)
    categorical = ordered not in (None, False, [], ())
    if missing != "listwise" and not categorical:
        raise ModelSpecError("invariance(missing=) is for ordered items; continuous items are compared listwise.")
    sequence = CATEGORICAL_LEVELS if categorical else LEVELS
    known = [name for name, _ in sequence]
    if levels is None:
        levels = tuple(known)
    bad = [lvl for lvl in levels if lvl not in known]
    if bad or list(levels) != [lvl for lvl in known if lvl in levels]:
        raise ModelSpecError(f"levels must be an ordered subset of {', '.join(known)}; got {list(levels)}.")
    syntax = model if isinstance(model, str) else model.model_syntax(structural=False)
    if categorical:
        from .categorical import scaled_difference, thresholds_in_data
        from .fit_measures import headline
        from .syntax import Options, lavaanify

        items = list(lavaanify(syntax, Options()).ov_names) if ordered is True else [str(v) for v in ordered]
        if group not in data.columns:
            raise ModelSpecError(f"group column {group!r} is not in the data.")
        n_groups = int(data[group].dropna().nunique())
        thresholds = thresholds_in_data(data, items)
    fits: dict[str, SEMResult] = {}
    rows = []
    previous = None
    for name, equal in sequence:
        if name not in levels:
            continue
        if categorical:
            res = fit_sem(categorical_invariance_syntax(syntax, thresholds, n_groups, equal), data, group=group,
                          ordered=items, model_type="cfa", missing=missing)
            fm = res.fit_measures
            h = headline(fm)
            # the scaled CFI and RMSEA at every level: the robust (catML) ones see the correlations only, so they
            # cannot move when thresholds or intercepts are held equal (lavaan gives NA for them there), and a
            # difference between a robust and a scaled index would compare two different things
            chisq, pvalue, cfi, rmsea = h["chisq"], h["pvalue"], fm["cfi.scaled"], fm["rmsea.scaled"]
        else:
            # each level starts from the one before (lavaan's start = fit): the same optimum, fewer steps
            res = fit_sem(syntax, data, group=group, group_equal=equal, start=previous)
            fm = res.fit_measures
            chisq, pvalue, cfi, rmsea = fm["chisq"], fm["pvalue"], fm["cfi"], fm["rmsea"]
        fits[name] = res
        row = {"model": name, "chisq": chisq, "df": fm["df"], "pvalue": pvalue, "cfi": cfi,
               "rmsea": rmsea, "srmr": fm["srmr"], "delta_chisq": float("nan"), "delta_df": float("nan"),
               "delta_pvalue": float("nan"), "delta_cfi": float("nan"), "delta_rmsea": float("nan"), "holds": True}
        if previous is not None:
            prev = rows[-1]
            if categorical:
                d_chisq, d_df, d_p, _ = scaled_difference(previous, res)
            else:
                pm = previous.fit_measures
                d_chisq, d_df = fm["chisq"] - pm["chisq"], fm["df"] - pm["df"]
                d_p = float(special.chdtrc(d_df, d_chisq)) if d_df > 0 else float("nan")
            row.update(delta_chisq=d_chisq, delta_df=d_df, delta_pvalue=d_p,
                       delta_cfi=cfi - prev["cfi"], delta_rmsea=rmsea - prev["rmsea"])
            row["holds"] = bool(row["delta_cfi"] >= DELTA_CFI and row["delta_rmsea"] <= DELTA_RMSEA)  # see the rule
        rows.append(row)
        previous = res
    first = next(iter(fits.values()))
    return InvarianceResult(table=pd.DataFrame(rows), fits=fits, group=group, groups=first.groups)
