"""Item descriptives and Mardia's test of multivariate normality (the first table of a measurement section)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ResponseDataError
from ..questionnaire import Questionnaire
from ..responses.scoring import numeric_answers
from .reliability import scales_of


def _item_columns(data: pd.DataFrame, q: Questionnaire | str | None) -> list[str]:
    if q is None:
        return [c for c in data.columns if pd.api.types.is_numeric_dtype(data[c])]
    items = [i for scale in scales_of(q).values() for i in scale]
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise ResponseDataError(f"item column {missing[0]!r} is not in the data; columns are {list(data.columns)}.")
    numeric_answers(data, items, "the item analysis")  # "agree" in an item column is refused, not dropped
    return items


def item_descriptives(data: pd.DataFrame, q: Questionnaire | str | None = None) -> pd.DataFrame:
    """n, mean, SD, skewness, kurtosis and the share of answers at the floor and ceiling of each item.

    Skewness and excess kurtosis are psych's default (type 3): ``b1 = m3 / s^3`` and
    ``b2 = m4 / s^4 - 3`` with ``s`` the (n - 1) standard deviation. Floor and ceiling are the ends
    of the item's response set when ``q`` is a Questionnaire, else the observed minimum and maximum.

    Parameters
    ----------
    data : DataFrame
        One row per respondent.
    q : Questionnaire, lavaan syntax or None
        Which items to describe (all numeric columns when None).

    Returns
    -------
    DataFrame
        One row per item: item, construct, n (answers), mean, sd, min, max, skew, kurtosis,
        floor_pct, ceiling_pct (percent of answers at the lowest / highest option).

    Raises
    ------
    ResponseDataError
        An item column is not in the data, or holds text that is not a number.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    With ``m_r`` the r-th central moment (divisor n) and ``s`` the (n - 1) SD:
    ``skew = m3 / s^3`` and ``kurtosis = m4 / s^4 - 3`` (Joanes & Gill's type 3, psych's default).

    References
    ----------
    Joanes, D. N., & Gill, C. A. (1998). Comparing measures of sample skewness and kurtosis.
    *The Statistician*, 47, 183-189.
    R: ``psych::describe`` (checked in tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> d = sr.item_descriptives(hs, "visual =~ x1 + x2 + x3").set_index("item")
    >>> print(round(d.loc["x1", "skew"], 4))  # In R: psych::describe(HS$x1)$skew
    -0.2543
    """
    items = _item_columns(data, q)
    construct_of = {i: c for c, scale in scales_of(q).items() for i in scale} if q is not None else {}
    rows = []
    for item in items:
        x = pd.to_numeric(data[item], errors="coerce").dropna().to_numpy(dtype=float)
        n = len(x)
        if isinstance(q, Questionnaire) and item in q.item_ids:
            rs = q.response_set_of(q.item(item))
            low, high = rs.minimum, rs.maximum
        else:
            low, high = (x.min(), x.max()) if n else (np.nan, np.nan)
        sd = x.std(ddof=1) if n > 1 else np.nan
        dev = x - x.mean() if n else x
        rows.append({
            "item": item, "construct": construct_of.get(item), "n": n,
            "mean": x.mean() if n else np.nan, "sd": sd,
            "min": x.min() if n else np.nan, "max": x.max() if n else np.nan,
            "skew": float(np.mean(dev ** 3) / sd ** 3) if n > 2 else np.nan,
            "kurtosis": float(np.mean(dev ** 4) / sd ** 4 - 3) if n > 3 else np.nan,
            "floor_pct": 100 * float(np.mean(x == low)) if n else np.nan,
            "ceiling_pct": 100 * float(np.mean(x == high)) if n else np.nan,
        })
    return pd.DataFrame(rows)


def mardia(data: pd.DataFrame, q: Questionnaire | str | None = None) -> pd.Series:
    """Mardia's multivariate skewness and kurtosis tests (complete cases), as ``psych::mardia``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows with a missing answer are dropped.
    q : Questionnaire, lavaan syntax or None
        Which items to test (all numeric columns when None).

    Returns
    -------
    Series
        n, n_items, b1p, b2p, skew (chi-square statistic ``n b1p / 6``), skew_df, p_skew,
        small_skew and p_small (small-sample correction), kurtosis (z statistic), p_kurtosis.
        Significant values say the items are not multivariate normal: use ``estimator="MLR"``
        or bootstrap confidence intervals.

    Raises
    ------
    ResponseDataError
        An item column is not in the data or not numeric, there are no more complete respondents
        than items, or the item covariance matrix is singular.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    With ``d_ij = (x_i - xbar)' S^-1 (x_j - xbar)`` (``S`` with divisor n - 1):
    ``b1p = sum_ij d_ij^3 / n^2``, ``b2p = sum_i d_ii^2 / n``; ``skew = n b1p / 6`` is chi-square on
    ``p (p + 1) (p + 2) / 6`` df, ``small_skew = n k b1p / 6`` with
    ``k = (p + 1)(n + 1)(n + 3) / (n ((n + 1)(p + 1) - 6))``, and
    ``kurtosis = (b2p - p (p + 2)) sqrt(n / (8 p (p + 2)))`` is standard normal.

    References
    ----------
    Mardia, K. V. (1970). Measures of multivariate skewness and kurtosis with applications.
    *Biometrika*, 57, 519-530.
    R: ``psych::mardia`` (checked in tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> m = sr.mardia(sr.datasets.holzinger_swineford(), "visual =~ x1 + x2 + x3")
    >>> print(round(m["b2p"], 3))  # In R: psych::mardia(HS[, c("x1","x2","x3")])$b2p
    15.142
    """
    items = _item_columns(data, q)
    x = data[items].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype=float)
    n, p = x.shape
    if n <= p:
        raise ResponseDataError(f"Mardia's test needs more complete respondents ({n}) than items ({p}).")
    centered = x - x.mean(axis=0)
    cov = np.cov(x, rowvar=False)
    try:
        d = centered @ np.linalg.solve(cov, centered.T)
    except np.linalg.LinAlgError as exc:
        raise ResponseDataError("the item covariance matrix is singular (an item is constant or a copy of "
                                "others); drop it before testing normality.") from exc
    b1p = float(np.sum(d ** 3) / n ** 2)
    b2p = float(np.sum(np.diag(d) ** 2) / n)
    skew_df = p * (p + 1) * (p + 2) / 6
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew = n * b1p / 6
    small = n * k * b1p / 6
    kurt = (b2p - p * (p + 2)) * np.sqrt(n / (8 * p * (p + 2)))
    return pd.Series({
        "n": n, "n_items": p, "b1p": b1p, "b2p": b2p, "skew": skew, "skew_df": skew_df,
        "p_skew": float(stats.chi2.sf(skew, skew_df)), "small_skew": small,
        "p_small": float(stats.chi2.sf(small, skew_df)), "kurtosis": float(kurt),
        "p_kurtosis": float(2 * stats.norm.sf(abs(kurt))),
    })
