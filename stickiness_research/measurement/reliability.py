"""Measurement quality: reliability of each construct's scale.

Functions take data whose reverse-keyed items are already recoded (:func:`reverse_code`) and a
Questionnaire or lavaan syntax naming which items measure which construct.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import BOOL, PROBABILITY_OPEN, Options, check
from ..errors import ModelSpecError, ReliabilityWarning, ResponseDataError
from ..questionnaire import Questionnaire
from ..responses.scoring import numeric_answers
from ..sem.syntax import parse_syntax

USES = Options(("pairwise", "complete"))


def scales_of(q: Questionnaire | str) -> dict[str, list[str]]:
    """Construct -> item ids, from a Questionnaire or the ``=~`` lines of lavaan syntax."""
    if isinstance(q, Questionnaire):
        return {c: [i.id for i in q.items_of(c)] for c in q.construct_ids}
    formulas, _ = parse_syntax(q)
    scales: dict[str, list[str]] = {}
    for f in formulas:
        if f.op == "=~":
            scales.setdefault(f.lhs, []).append(f.rhs)
    if not scales:
        raise ModelSpecError("the syntax has no '=~' line, so it defines no scale.")
    return scales


def cronbach_alpha(items: pd.DataFrame, ci: float = 0.95, *, use: str = "pairwise") -> dict[str, float]:
    """Cronbach's alpha of one scale with Feldt's confidence interval, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        One column per item, reverse-keyed items recoded; missing answers as NaN.
    ci : float
        Level of Feldt's interval.
    use : {"pairwise", "complete"}
        Covariances from all available pairs of answers (psych's default, ``use = "pairwise"``)
        or from complete respondents only (``use = "complete.obs"``).

    Returns
    -------
    dict
        alpha, ci_lower, ci_upper, std_alpha, average_r, n_items, n (respondents with at least
        one answer, or complete ones), n_complete, use.

    Raises
    ------
    ResponseDataError
        Fewer than two items or three respondents, or an item without answers.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> round(sr.cronbach_alpha(hs[["x1", "x2", "x3"]])["alpha"], 4)  # In R: psych::alpha(HS[, c("x1","x2","x3")])
    0.6261
    """
    check(ci, "ci", "cronbach_alpha", PROBABILITY_OPEN)
    check(use, "use", "cronbach_alpha", USES)
    frame = numeric_answers(items, list(items.columns), "cronbach_alpha")
    if frame.shape[1] < 2:
        raise ResponseDataError("alpha needs at least two items.")
    empty = [c for c in frame.columns if frame[c].notna().sum() == 0]
    if empty:
        raise ResponseDataError(f"item {empty[0]!r} has no answers; alpha cannot use it. Remove it from the scale "
                                "or check the data import.")
    complete = frame.dropna()
    used = complete if use == "complete" else frame[frame.notna().any(axis=1)]
    n, k = len(used), frame.shape[1]
    if n < 3:
        raise ResponseDataError(f"alpha needs at least three respondents; got {n} ({use}).")
    cov = used.cov().to_numpy()  # pandas: pairwise-complete covariances, as cov(x, use = "pairwise")
    alpha = _alpha(cov)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    mean_r = corr[np.triu_indices(k, 1)].mean()
    tail = (1 - ci) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return {"alpha": float(alpha), "ci_lower": float(lower), "ci_upper": float(upper),
            "std_alpha": float(k * mean_r / (1 + (k - 1) * mean_r)), "average_r": float(mean_r),
            "n_items": k, "n": n, "n_complete": len(complete), "use": use}


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def item_statistics(items: pd.DataFrame, *, use: str = "pairwise") -> pd.DataFrame:
    """Item-rest correlation and alpha if the item is dropped, per item (psych's ``r.drop`` and
    ``alpha.drop``), from the same covariances as :func:`cronbach_alpha`.

    Returns
    -------
    DataFrame
        item, item_rest_r, alpha_if_deleted.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.item_statistics(hs[["x1", "x2", "x3"]]).round(3).values.tolist()  # In R: psych::alpha(...)$item.stats$r.drop
    [['x1', 0.449, 0.507], ['x2', 0.375, 0.612], ['x3', 0.484, 0.458]]
    """
    check(use, "use", "item_statistics", USES)
    frame = numeric_answers(items, list(items.columns), "item_statistics")
    used = frame.dropna() if use == "complete" else frame
    cov = used.cov().to_numpy()
    out = []
    for i, name in enumerate(frame.columns):
        rest = [j for j in range(len(frame.columns)) if j != i]
        r = cov[i, rest].sum() / np.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum())
        drop = _alpha(cov[np.ix_(rest, rest)]) if len(rest) > 1 else np.nan
        out.append({"item": name, "item_rest_r": float(r), "alpha_if_deleted": float(drop)})
    return pd.DataFrame(out)


def _warn_negative_items(construct: str, stats_: pd.DataFrame, reverse: set[str]) -> None:
    """Name every item that works against its scale (negative item-rest correlation)."""
    for r in stats_.itertuples():
        if r.item_rest_r < 0:
            why = ("the questionnaire marks it reverse-keyed: recode it first (sr.reverse_code)" if r.item in reverse
                   else "it is probably reverse-worded and not recoded, or does not measure the construct")
            warnings.warn(f"item {r.item!r} of scale {construct!r} correlates negatively with the rest of the scale "
                          f"(item-rest r = {r.item_rest_r:.3f}; alpha without it {r.alpha_if_deleted:.3f}): {why}.",
                          ReliabilityWarning, stacklevel=3)


def reliability(data: pd.DataFrame, q: Questionnaire | str, ci: float = 0.95, *, cfa: bool = True,
                use: str = "pairwise") -> pd.DataFrame:
    """Reliability of every scale: Cronbach's alpha with its Feldt CI, and omega, CR and AVE from a CFA.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        Which items form which scale.
    ci : float
        Level of alpha's confidence interval.
    use : {"pairwise", "complete"}
        How alpha treats missing answers (psych's default is pairwise); ``n`` and ``n_complete``
        say how many respondents that is.
    cfa : bool
        Also fit the measurement model (constructs correlated, ML, listwise) and add McDonald's
        omega and AVE (``semTools::compRelSEM`` / ``semTools::AVE``) and composite reliability from
        standardized loadings (see :func:`construct_reliability`).

    Returns
    -------
    DataFrame
        Columns: construct, n_items, n, n_complete, use, alpha, ci_lower, ci_upper, std_alpha,
        average_r, and with ``cfa`` omega, cr, ave.

    Warns
    -----
    ReliabilityWarning
        For an item whose item-rest correlation is negative (naming it, and saying when the
        questionnaire marks it reverse-keyed).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> rel = sr.reliability(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> rel[["construct", "alpha", "omega", "ave"]].round(3).to_string(index=False).splitlines()[1]
    '   visual  0.626  0.612 0.371'
    """
    check(ci, "ci", "reliability", PROBABILITY_OPEN)
    check(cfa, "cfa", "reliability", BOOL)
    check(use, "use", "reliability", USES)
    rows = []
    reverse = {i.id for i in q.items if i.reverse} if isinstance(q, Questionnaire) else set()
    for construct, items in scales_of(q).items():
        missing = [i for i in items if i not in data.columns]
        if missing:
            raise ResponseDataError(f"item column {missing[0]!r} of scale {construct!r} is not in the data.")
        rows.append({"construct": construct, **cronbach_alpha(data[items], ci=ci, use=use)})
        _warn_negative_items(construct, item_statistics(data[items], use=use), reverse)
    cols = ["construct", "n_items", "n", "n_complete", "use", "alpha", "ci_lower", "ci_upper", "std_alpha",
            "average_r"]
    table = pd.DataFrame(rows)[cols]
    if not cfa:
        return table
    from ..sem.fit import fit_sem
    from .cfa import measurement_syntax
    from .validity import construct_reliability

    composite = construct_reliability(fit_sem(measurement_syntax(q), data))
    return table.merge(composite.drop(columns="n_items"), on="construct", how="left")
