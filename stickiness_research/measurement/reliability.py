"""Measurement quality: reliability of each construct's scale.

Functions take data whose reverse-keyed items are already recoded (:func:`reverse_code`) and a
Questionnaire or lavaan syntax naming which items measure which construct.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ModelSpecError, ResponseDataError
from ..questionnaire import Questionnaire
from ..sem.syntax import parse_syntax


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


def cronbach_alpha(items: pd.DataFrame, ci: float = 0.95) -> dict[str, float]:
    """Cronbach's alpha of one scale (complete cases) with Feldt's confidence interval.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> round(sr.cronbach_alpha(hs[["x1", "x2", "x3"]])["alpha"], 4)  # In R: psych::alpha(HS[, c("x1","x2","x3")])
    0.6261
    """
    x = items.dropna().to_numpy(dtype=float)
    n, k = x.shape
    if k < 2:
        raise ResponseDataError("alpha needs at least two items.")
    if n < 3:
        raise ResponseDataError(f"alpha needs at least three complete respondents; got {n}.")
    cov = np.cov(x, rowvar=False)
    total = cov.sum()
    alpha = k / (k - 1) * (1 - np.trace(cov) / total)
    corr = np.corrcoef(x, rowvar=False)
    mean_r = corr[np.triu_indices(k, 1)].mean()
    tail = (1 - ci) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return {"alpha": float(alpha), "ci_lower": float(lower), "ci_upper": float(upper),
            "std_alpha": float(k * mean_r / (1 + (k - 1) * mean_r)), "average_r": float(mean_r),
            "n_items": k, "n": n}


def reliability(data: pd.DataFrame, q: Questionnaire | str, ci: float = 0.95, *, cfa: bool = True) -> pd.DataFrame:
    """Reliability of every scale: Cronbach's alpha with its Feldt CI, and omega, CR and AVE from a CFA.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        Which items form which scale.
    ci : float
        Level of alpha's confidence interval.
    cfa : bool
        Also fit the measurement model (constructs correlated, ML, listwise) and add McDonald's
        omega and AVE (``semTools::compRelSEM`` / ``semTools::AVE``) and composite reliability from
        standardized loadings (see :func:`construct_reliability`).

    Returns
    -------
    DataFrame
        Columns: construct, n_items, n, alpha, ci_lower, ci_upper, std_alpha, average_r, and with
        ``cfa`` omega, cr, ave.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> rel = sr.reliability(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> rel[["construct", "alpha", "omega", "ave"]].round(3).to_string(index=False).splitlines()[1]
    '   visual  0.626  0.612 0.371'
    """
    rows = []
    for construct, items in scales_of(q).items():
        missing = [i for i in items if i not in data.columns]
        if missing:
            raise ResponseDataError(f"item column {missing[0]!r} of scale {construct!r} is not in the data.")
        rows.append({"construct": construct, **cronbach_alpha(data[items], ci=ci)})
    cols = ["construct", "n_items", "n", "alpha", "ci_lower", "ci_upper", "std_alpha", "average_r"]
    table = pd.DataFrame(rows)[cols]
    if not cfa:
        return table
    from ..sem.fit import fit_sem
    from .cfa import measurement_syntax
    from .validity import construct_reliability

    composite = construct_reliability(fit_sem(measurement_syntax(q), data))
    return table.merge(composite.drop(columns="n_items"), on="construct", how="left")
