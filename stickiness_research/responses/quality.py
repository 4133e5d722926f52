"""Careless-responding indices, per-respondent quality flags, and logged exclusions.

The indices follow the definitions of the R package ``careless`` (Yentes & Wilhelm):
longstring, intra-individual response variability (IRV), even-odd consistency, psychometric
synonyms and Mahalanobis D². Flags are computed for everyone and reported; which flags exclude a
respondent is a separate decision (the study config's cleaning rules), and every exclusion is
written to an audit table with the rule, the respondent's value and the threshold.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ParameterError
from ..questionnaire import Questionnaire
from .scoring import reverse_code

AUDIT_COLUMNS = ["respondent_id", "rule", "value", "threshold"]


def _matrix(data: pd.DataFrame) -> np.ndarray:
    return data.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def longstring(data: pd.DataFrame) -> pd.DataFrame:
    """Longest and mean run of identical consecutive answers per respondent (``careless::longstring``).

    Missing answers break a run, as in careless (``NA`` never equals a value).

    Returns
    -------
    DataFrame
        ``longstring`` (maximum run) and ``longstring_mean`` (``careless::longstring(avg = TRUE)``).

    Examples
    --------
    >>> import pandas as pd
    >>> longstring(pd.DataFrame([[3, 3, 3, 1, 2, 2]])).iloc[0].tolist()
    [3.0, 2.0]
    """
    x = _matrix(data)
    longest, mean = [], []
    for row in x:
        runs, current = [], 1
        for a, b in zip(row[:-1], row[1:], strict=True):
            if a == b:  # NaN == NaN is False, so missing answers end runs
                current += 1
            else:
                runs.append(current)
                current = 1
        runs.append(current)
        longest.append(float(max(runs)))
        mean.append(float(np.mean(runs)))
    return pd.DataFrame({"longstring": longest, "longstring_mean": mean}, index=data.index)


def irv(data: pd.DataFrame) -> pd.Series:
    """Intra-individual response variability: the SD (n - 1) of each respondent's answers (``careless::irv``).

    Very low values mean straight-lining; answered items only.
    """
    return pd.Series(np.nanstd(_matrix(data), axis=1, ddof=1), index=data.index, name="irv")


def even_odd(data: pd.DataFrame, scales: dict[str, list[str]]) -> pd.Series:
    """Even-odd consistency (``careless::evenodd``), negated so that higher means more careless.

    For every scale, the mean of its odd-numbered and of its even-numbered items; the correlation
    across scales of the two halves, Spearman-Brown corrected (``2r / (1 + r)``), times -1.
    Reverse-keyed items must be recoded first. Respondents with fewer than two usable scales
    (scales with at least one odd and one even answer) get NaN.
    """
    usable = {c: items for c, items in scales.items() if len(items) >= 2}
    with warnings.catch_warnings():  # all-missing halves give NaN means, handled below
        warnings.simplefilter("ignore", RuntimeWarning)
        odd = np.column_stack([np.nanmean(_matrix(data[items[0::2]]), axis=1) for items in usable.values()])
        even = np.column_stack([np.nanmean(_matrix(data[items[1::2]]), axis=1) for items in usable.values()])
    out = []
    for o, e in zip(odd, even, strict=True):
        ok = ~np.isnan(o) & ~np.isnan(e)
        if ok.sum() < 2 or np.std(o[ok]) == 0 or np.std(e[ok]) == 0:
            out.append(np.nan)
            continue
        r = np.corrcoef(o[ok], e[ok])[0, 1]
        corrected = 2 * r / (1 + r) if r > -1 else -1.0
        out.append(-max(corrected, -1.0))  # careless caps the corrected value at -1
    return pd.Series(out, index=data.index, name="even_odd")


def psychsyn(data: pd.DataFrame, critval: float = 0.60, *, anto: bool = False) -> pd.Series:
    """Psychometric synonyms (``careless::psychsyn``): within-person correlation over item pairs that correlate
    above ``critval`` across the sample (below ``-critval`` for antonyms with ``anto=True``).

    Low values mean the respondent answered near-identical questions inconsistently.
    """
    x = _matrix(data)
    r = pd.DataFrame(x).corr().to_numpy()
    iu = np.triu_indices_from(r, 1)
    chosen = (r[iu] < -critval) if anto else (r[iu] > critval)
    pairs = list(zip(iu[0][chosen], iu[1][chosen], strict=True))
    if not pairs:
        raise ParameterError("critval", "psychsyn", "a cut-off that some item pairs exceed", critval)
    a = x[:, [p[0] for p in pairs]]
    b = x[:, [p[1] for p in pairs]]
    out = []
    for ra, rb in zip(a, b, strict=True):
        ok = ~np.isnan(ra) & ~np.isnan(rb)
        if ok.sum() < 3 or np.std(ra[ok]) == 0 or np.std(rb[ok]) == 0:
            out.append(np.nan)
        else:
            out.append(float(np.corrcoef(ra[ok], rb[ok])[0, 1]))
    return pd.Series(out, index=data.index, name="psychant" if anto else "psychsyn")


def mahalanobis(data: pd.DataFrame, confidence: float = 0.99) -> pd.DataFrame:
    """Squared Mahalanobis distance of each complete response vector and a chi-square flag (``careless::mahad``).

    Distances use the sample means and covariance (n - 1) of the complete cases; a respondent is
    flagged when D² exceeds the chi-square quantile at ``confidence`` with df = number of items.

    Returns
    -------
    DataFrame
        ``mahalanobis_d2`` (NaN for incomplete rows) and ``mahalanobis_flag``.
    """
    x = _matrix(data)
    complete = ~np.isnan(x).any(axis=1)
    d2 = np.full(len(x), np.nan)
    xc = x[complete]
    if len(xc) > x.shape[1]:
        centered = xc - xc.mean(axis=0)
        inv = np.linalg.pinv(np.cov(xc, rowvar=False))
        d2[complete] = np.einsum("ij,jk,ik->i", centered, inv, centered)
    cut = stats.chi2.ppf(confidence, x.shape[1])
    return pd.DataFrame({"mahalanobis_d2": d2, "mahalanobis_flag": d2 > cut}, index=data.index)


def quality_flags(data: pd.DataFrame, q: Questionnaire, *, duration_col: str | None = "duration_seconds",
                  seconds_per_item: float = 2.0, longstring_max: int | None = None, psychsyn_critval: float = 0.60,
                  mahalanobis_confidence: float = 0.99) -> pd.DataFrame:
    """Every quality index and flag, one row per respondent.

    Parameters
    ----------
    data : DataFrame
        Answers as collected (reverse-keyed items not yet recoded; this function recodes them where an
        index needs it), with ``respondent_id`` when available, attention checks and a duration column.
    q : Questionnaire
    duration_col : str or None
        Seconds spent on the questionnaire; respondents faster than ``seconds_per_item`` per item are speeders.
    longstring_max : int, optional
        Threshold for the ``longstring_flag``; default: half the number of items.

    Returns
    -------
    DataFrame
        respondent_id, longstring, longstring_mean, irv, even_odd, psychsyn, mahalanobis_d2,
        mahalanobis_flag, seconds_per_item, speeder, attention_failed, duplicate, missing_share,
        longstring_flag.
    """
    items = [i for i in q.item_ids if i in data.columns]
    if len(items) < 2:
        raise ParameterError("data", "quality_flags", "a DataFrame with the questionnaire's item columns",
                             list(data.columns)[:8])
    answers = data[items]
    recoded = reverse_code(answers, q)
    scales = {c: [i.id for i in q.items_of(c) if i.id in items] for c in q.construct_ids}
    ids = data["respondent_id"] if "respondent_id" in data.columns else pd.Series(data.index, index=data.index)
    flags = pd.DataFrame({"respondent_id": ids.to_numpy()}, index=data.index)
    flags = flags.join(longstring(answers))
    flags["irv"] = irv(answers)
    flags["even_odd"] = even_odd(recoded, scales)
    try:
        flags["psychsyn"] = psychsyn(recoded, psychsyn_critval)
    except ParameterError:
        flags["psychsyn"] = np.nan  # no item pair correlates that strongly: the index is undefined
    flags = flags.join(mahalanobis(recoded, mahalanobis_confidence))
    if duration_col and duration_col in data.columns:
        flags["seconds_per_item"] = pd.to_numeric(data[duration_col], errors="coerce") / len(items)
        flags["speeder"] = flags["seconds_per_item"] < seconds_per_item
    else:
        flags["seconds_per_item"] = np.nan
        flags["speeder"] = False
    failed = pd.Series(0, index=data.index)
    for check in q.attention_checks:
        if check.id in data.columns:
            answer = pd.to_numeric(data[check.id], errors="coerce")
            failed += (answer != check.expected).astype(int)  # a missing answer counts as failed
    flags["attention_failed"] = failed
    flags["duplicate"] = answers.duplicated(keep="first") & answers.notna().all(axis=1)
    flags["missing_share"] = answers.isna().mean(axis=1)
    limit = longstring_max if longstring_max is not None else max(2, len(items) // 2)
    flags["longstring_flag"] = flags["longstring"] > limit
    return flags


def apply_exclusions(data: pd.DataFrame, flags: pd.DataFrame, rules: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Drop the respondents that break a rule and log each (respondent, rule, value, threshold).

    Parameters
    ----------
    data : DataFrame
        Answers, same index as ``flags``.
    flags : DataFrame
        From :func:`quality_flags`.
    rules : dict
        Any of ``attention`` (bool), ``speeder`` (bool), ``duplicate`` (bool), ``mahalanobis`` (bool),
        ``longstring`` (int: maximum allowed run), ``missing_share`` (float: largest allowed share of
        unanswered items), ``irv_min`` (float), ``psychsyn_min`` (float). False / None switches a rule off.

    Returns
    -------
    (kept, audit)
        The data without excluded respondents, and the audit table (a respondent breaking several
        rules has one row per rule).
    """
    known = {"attention", "speeder", "duplicate", "mahalanobis", "longstring", "missing_share", "irv_min",
             "psychsyn_min"}
    unknown = set(rules) - known
    if unknown:
        raise ParameterError("rules", "apply_exclusions", f"a mapping with keys among {sorted(known)}",
                             sorted(unknown))
    checks = []
    if rules.get("attention"):
        checks.append(("attention", flags["attention_failed"], flags["attention_failed"] > 0, "0 failed"))
    if rules.get("speeder"):
        checks.append(("speeder", flags["seconds_per_item"], flags["speeder"].astype(bool), "seconds per item"))
    if rules.get("duplicate"):
        checks.append(("duplicate", flags["duplicate"].astype(float), flags["duplicate"].astype(bool),
                       "identical answers"))
    if rules.get("mahalanobis"):
        checks.append(("mahalanobis", flags["mahalanobis_d2"], flags["mahalanobis_flag"].astype(bool),
                       "chi-square .99"))
    if rules.get("longstring"):
        limit = rules["longstring"]
        checks.append(("longstring", flags["longstring"], flags["longstring"] > limit, limit))
    if rules.get("missing_share") is not None and rules.get("missing_share") is not False:
        limit = rules["missing_share"]
        checks.append(("missing_share", flags["missing_share"], flags["missing_share"] > limit, limit))
    if rules.get("irv_min") is not None:
        limit = rules["irv_min"]
        checks.append(("irv", flags["irv"], flags["irv"] < limit, limit))
    if rules.get("psychsyn_min") is not None:
        limit = rules["psychsyn_min"]
        checks.append(("psychsyn", flags["psychsyn"], flags["psychsyn"] < limit, limit))
    rows = []
    excluded = pd.Series(False, index=flags.index)
    for rule, value, hit, threshold in checks:
        hit = hit.fillna(False).astype(bool)
        excluded |= hit
        for idx in flags.index[hit]:
            rows.append({"respondent_id": flags.at[idx, "respondent_id"], "rule": rule,
                         "value": float(value[idx]) if pd.notna(value[idx]) else np.nan, "threshold": threshold})
    audit = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    return data.loc[~excluded.reindex(data.index, fill_value=False)], audit
