"""Careless-responding indices, per-respondent quality flags, and logged exclusions.

The indices follow the definitions of the R package ``careless`` (Yentes & Wilhelm):
longstring, intra-individual response variability (IRV), even-odd consistency, psychometric
synonyms and Mahalanobis D². Flags are computed for everyone and reported; which flags exclude a
respondent is a separate decision (the study config's cleaning rules), and every exclusion is
written to an audit table with the rule, the respondent's value and the threshold. A rule whose
inputs are absent is reported as not applied, and a rule that excludes many respondents warns.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import BOOL, PROBABILITY_OPEN, STR, InstanceOf, Interval, Options, Satisfies
from .._validation import check as check_argument
from ..errors import ParameterError, ResponseDataError, ScreeningWarning
from ..questionnaire import Questionnaire
from .scoring import QUESTIONNAIRE, numeric_answers, reverse_code

AUDIT_COLUMNS = ["respondent_id", "rule", "value", "threshold"]
# Identical answer vectors are common among attentive respondents on short scales (6 items on a
# 5-point scale: thousands of people share a pattern); only on long instruments are they suspect.
MIN_ITEMS_IDENTICAL_ANSWERS = 10
LOUD_EXCLUSION_SHARE = 0.20  # a rule excluding more than this share of respondents is probably misconfigured
TIMESTAMP_COLUMN = "submitted_at"
IP_COLUMNS = ("ip_group", "ip_hash")  # equal values = same IP address (never the address itself)


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
    n, k = x.shape
    current, longest, runs = np.ones(n), np.ones(n), np.ones(n)
    for j in range(1, k):  # column by column, vectorised over respondents
        same = x[:, j] == x[:, j - 1]  # NaN == NaN is False, so missing answers end runs
        current = np.where(same, current + 1, 1.0)
        longest = np.maximum(longest, current)
        runs += ~same
    return pd.DataFrame({"longstring": longest, "longstring_mean": k / runs}, index=data.index)


def _row_correlations(a: np.ndarray, b: np.ndarray, min_pairs: int) -> np.ndarray:
    """Pearson r of each row of ``a`` with the same row of ``b`` over pairs both answered.

    NaN where fewer than ``min_pairs`` pairs are answered or either side has no variance.
    """
    ok = ~np.isnan(a) & ~np.isnan(b)
    count = ok.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        da = np.where(ok, a - np.where(ok, a, 0).sum(axis=1, keepdims=True) / count[:, None], 0.0)
        db = np.where(ok, b - np.where(ok, b, 0).sum(axis=1, keepdims=True) / count[:, None], 0.0)
        r = np.clip((da * db).sum(axis=1) / np.sqrt((da * da).sum(axis=1) * (db * db).sum(axis=1)), -1.0, 1.0)
    r[(count < min_pairs) | _constant(a, ok) | _constant(b, ok)] = np.nan
    return r


def _constant(x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """Rows whose answered values are all equal (exactly: a rounded variance need not be zero)."""
    return np.where(ok, x, -np.inf).max(axis=1) == np.where(ok, x, np.inf).min(axis=1)


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
    r = _row_correlations(odd, even, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = np.where(r > -1, 2 * r / (1 + r), np.where(np.isnan(r), np.nan, -1.0))
    out = -np.maximum(corrected, -1.0)  # careless caps the corrected value at -1; NaN stays NaN
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
    return pd.Series(_row_correlations(a, b, 3), index=data.index, name="psychant" if anto else "psychsyn")


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
        index needs it), with ``respondent_id`` when available, attention checks, a duration column,
        and ``submitted_at`` / ``ip_group`` when the survey tool records them.
    q : Questionnaire
    duration_col : str or None
        Seconds spent on the questionnaire; respondents faster than ``seconds_per_item`` per item are speeders.
    longstring_max : int, optional
        Threshold for the ``longstring_flag``; default: half the number of items.

    Returns
    -------
    DataFrame
        respondent_id, longstring, longstring_mean, irv, even_odd, psychsyn, mahalanobis_d2,
        mahalanobis_flag, seconds_per_item, speeder, attention_failed, duplicate, identical_answers,
        missing_share, longstring_flag. An index whose inputs are absent is missing (NaN / NA): no
        durations, no attention-check columns, fewer than 10 items for ``identical_answers``.

    Warns
    -----
    ScreeningWarning
        Naming items without variance: no answers at all, or the same answer from everyone.
    """
    check_argument(duration_col, "duration_col", "quality_flags", STR, None)
    check_argument(seconds_per_item, "seconds_per_item", "quality_flags", Interval(float, 0, None))
    check_argument(longstring_max, "longstring_max", "quality_flags", Interval(int, 1, None), None)
    check_argument(psychsyn_critval, "psychsyn_critval", "quality_flags", Interval(float, 0, 1, closed="left"))
    check_argument(mahalanobis_confidence, "mahalanobis_confidence", "quality_flags", PROBABILITY_OPEN)
    check_argument(q, "q", "quality_flags", QUESTIONNAIRE)
    items = [i for i in q.item_ids if i in data.columns]
    check_argument(data, "data", "quality_flags", Satisfies(lambda _: len(items) >= 2, "a DataFrame with at least "
                                                            "two of the questionnaire's item columns"),
                   shown=[str(c) for c in data.columns][:8])
    numeric_answers(data, items, "quality_flags")  # text in an item column is refused, not read as missing
    answers = data[items]
    _warn_no_variance(answers)
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
    else:
        flags["seconds_per_item"] = np.nan
    flags["speeder"] = flags["seconds_per_item"] < seconds_per_item  # NaN (no duration) is not a speeder
    flags["attention_failed"] = _attention_failed(data, q)
    flags["duplicate"] = _repeated_submissions(data, answers)
    complete = answers.notna().all(axis=1)
    identical = answers.duplicated(keep="first") & complete
    flags["identical_answers"] = identical if len(items) >= MIN_ITEMS_IDENTICAL_ANSWERS else \
        pd.Series(pd.NA, index=data.index, dtype="boolean")
    flags["missing_share"] = answers.isna().mean(axis=1)
    limit = longstring_max if longstring_max is not None else max(2, len(items) // 2)
    flags["longstring_flag"] = flags["longstring"] > limit
    return flags


def _warn_no_variance(answers: pd.DataFrame) -> None:
    numeric = answers.apply(pd.to_numeric, errors="coerce")
    distinct, answered = numeric.nunique(), numeric.notna().sum()
    empty = [str(c) for c in distinct.index[answered == 0]]
    constant = [str(c) for c in distinct.index[(distinct == 1) & (answered > 1)]]
    parts = []
    if empty:
        parts.append(f"item(s) {', '.join(empty)} have no answers at all")
    if constant:
        parts.append(f"item(s) {', '.join(constant)} have the same answer from every respondent")
    if parts:
        warnings.warn(f"no variance: {'; '.join(parts)}. They carry no information and break reliability and "
                      "model estimates; check the export (a shifted, empty or filled-down column).",
                      ScreeningWarning, stacklevel=3)


def _attention_failed(data: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """Failed attention checks per respondent; NaN when the data hold no attention-check column."""
    present = [check for check in q.attention_checks if check.id in data.columns]
    if not present:
        return pd.Series(np.nan, index=data.index)
    failed = pd.Series(0, index=data.index)
    for check in present:
        answer = pd.to_numeric(data[check.id], errors="coerce")
        failed += (answer != check.expected).astype(int)  # a missing answer counts as failed
    return failed


def _repeated_submissions(data: pd.DataFrame, answers: pd.DataFrame) -> pd.Series:
    """A later submission of the same respondent: same respondent id, or the same IP or submission time
    with the same answers; NA when the data carry none of these.

    Same IP alone is not enough: mobile carriers and campus networks put many people behind one address.
    """
    hit = pd.Series(False, index=data.index)
    used = False
    if "respondent_id" in data.columns:
        ids = data["respondent_id"]
        hit |= ids.duplicated(keep="first") & ids.notna() & (ids.astype(str).str.strip() != "")
        used = True
    complete = answers.notna().all(axis=1)
    for column in (*IP_COLUMNS, TIMESTAMP_COLUMN):
        if column in data.columns:
            key = pd.concat([data[column].astype(str).rename("__key__"), answers], axis=1)
            hit |= key.duplicated(keep="first") & complete & data[column].notna()
            used = True
    return hit if used else pd.Series(pd.NA, index=data.index, dtype="boolean")


class ExclusionResult(tuple):
    """What :func:`apply_exclusions` returns: unpacks as ``kept, audit``, and says what to look at.

    Attributes
    ----------
    kept : DataFrame
        The data without excluded respondents.
    audit : DataFrame
        respondent_id, rule, value, threshold: one row per (respondent, rule broken).
    warnings : tuple of str
        Rules that exclude more than 20 % of respondents, and rules that could not be applied.
    not_applied : dict
        Rule -> why it was switched on but could not be applied (e.g. no durations in the data).
    """

    def __new__(cls, kept: pd.DataFrame, audit: pd.DataFrame, warnings: list[str],
                not_applied: dict[str, str]) -> ExclusionResult:
        self = super().__new__(cls, (kept, audit))
        self.warnings = tuple(warnings)
        self.not_applied = dict(not_applied)
        return self

    @property
    def kept(self) -> pd.DataFrame:
        return self[0]

    @property
    def audit(self) -> pd.DataFrame:
        return self[1]

    def __getnewargs__(self):  # pickling (e.g. to parallel workers)
        return (self[0], self[1], list(self.warnings), self.not_applied)


# rule -> what its setting may be; None or False switch any rule off
_RULES = {
    "attention": BOOL,
    "speeder": BOOL,
    "duplicate": BOOL,
    "identical_answers": BOOL,
    "mahalanobis": BOOL,
    "longstring": Interval(int, 2, None),  # the longest allowed run
    "missing_share": Interval(float, 0, 1),
    "irv_min": Interval(float, 0, None),
    "psychsyn_min": Interval(float, -1, 1),
}


def _check_rules(rules: dict) -> dict:
    """The rules switched on, each value checked (``longstring=-1`` would exclude everyone)."""
    check_argument(rules, "rules", "apply_exclusions", InstanceOf(dict, "a dict of rule -> setting"))
    unknown = sorted(map(str, set(rules) - set(_RULES)))
    check_argument(rules, "rules", "apply_exclusions", Satisfies(lambda r: not unknown, "a dict with keys among "
                                                                  + ", ".join(_RULES)), shown=unknown)
    active = {}
    for name, value in rules.items():
        if value is None or value is False:
            continue
        check_argument(value, name, "apply_exclusions", _RULES[name], None)
        active[name] = value
    return active


def apply_exclusions(data: pd.DataFrame, flags: pd.DataFrame, rules: dict) -> ExclusionResult:
    """Drop the respondents that break a rule and log each (respondent, rule, value, threshold).

    Parameters
    ----------
    data : DataFrame
        Answers, same index as ``flags``.
    flags : DataFrame
        From :func:`quality_flags`.
    rules : dict
        Any of ``attention`` (bool), ``speeder`` (bool), ``duplicate`` (bool: repeated submissions),
        ``identical_answers`` (bool: identical answer vectors, opt-in, needs at least 10 items),
        ``mahalanobis`` (bool), ``longstring`` (int >= 2: maximum allowed run), ``missing_share``
        (float in [0, 1]: largest allowed share of unanswered items), ``irv_min`` (float >= 0),
        ``psychsyn_min`` (float in [-1, 1]). False / None switches a rule off.

    Returns
    -------
    ExclusionResult
        Unpacks as ``(kept, audit)``: the data without excluded respondents, and the audit table (a
        respondent breaking several rules has one row per rule). ``.warnings`` lists rules that
        exclude more than 20 % of respondents and rules not applied; ``.not_applied`` says why.

    Raises
    ------
    ParameterError
        For an unknown rule or an out-of-range threshold, or ``identical_answers`` on fewer than 10 items.

    Warns
    -----
    ScreeningWarning
        Each entry of ``.warnings``, so that a caller that only unpacks the pair still sees them.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> raw = sr.simulate_responses(q, n=300, seed=1, careless=0.1)
    >>> kept, audit = sr.apply_exclusions(raw, sr.quality_flags(raw, q), {"attention": True, "longstring": 12})
    >>> len(kept) + audit["respondent_id"].nunique()
    300
    """
    active = _check_rules(rules)
    unflagged = data.index.difference(flags.index)
    if len(unflagged):
        raise ResponseDataError(f"apply_exclusions: {len(unflagged)} of {len(data)} respondents have no row in the "
                                f"flags (e.g. index {unflagged[0]!r}); the flags belong to other data. Compute them "
                                "from these data with sr.quality_flags(data, q).")
    if active.get("identical_answers") and flags["identical_answers"].isna().all():
        check_argument(active["identical_answers"], "identical_answers", "apply_exclusions",
                       Options((False,)), None,
                       when=f"for fewer than {MIN_ITEMS_IDENTICAL_ANSWERS} items (on short scales attentive "
                       "respondents often give identical answers, so a shared pattern proves nothing)")
    checks, not_applied = [], {}
    for rule, setting in active.items():
        check = _rule_check(rule, setting, flags)
        if isinstance(check, str):
            not_applied[rule] = check
        else:
            checks.append(check)
    rows = []
    excluded = pd.Series(False, index=flags.index)
    notes = [f"rule {rule!r} not applied: {why}." for rule, why in not_applied.items()]
    for rule, value, hit, threshold in checks:
        hit = hit.fillna(False).astype(bool)
        excluded |= hit
        share = hit.mean() if len(hit) else 0.0
        if share > LOUD_EXCLUSION_SHARE:
            notes.append(f"rule {rule!r} excludes {int(hit.sum())} of {len(hit)} respondents ({share:.0%}); a rule "
                         "that removes so many is probably misconfigured or misreads the data. Check it before "
                         "relying on the cleaned data.")
        for idx in flags.index[hit]:
            rows.append({"respondent_id": flags.at[idx, "respondent_id"], "rule": rule,
                         "value": float(value[idx]) if pd.notna(value[idx]) else np.nan, "threshold": threshold})
    for note in notes:
        warnings.warn(note, ScreeningWarning, stacklevel=2)
    audit = pd.DataFrame(rows, columns=AUDIT_COLUMNS)
    kept = data.loc[~excluded.reindex(data.index, fill_value=False)]
    return ExclusionResult(kept, audit, notes, not_applied)


def _rule_check(rule: str, setting, flags: pd.DataFrame) -> tuple | str:
    """(rule, value, hit, threshold) for an active rule, or why its inputs are absent."""
    def absent(column: str) -> bool:
        return column not in flags.columns or bool(flags[column].isna().all())

    if rule == "attention":
        if absent("attention_failed"):
            return "the data hold no attention-check answers"
        return rule, flags["attention_failed"], flags["attention_failed"] > 0, "0 failed"
    if rule == "speeder":
        if absent("seconds_per_item"):
            return "the data carry no completion times (Kobo and SPSS exports usually have none)"
        return rule, flags["seconds_per_item"], flags["speeder"].astype(bool), "seconds per item"
    if rule == "duplicate":
        if absent("duplicate"):
            return "the data carry no respondent ids, IP addresses or submission times"
        hit = flags["duplicate"].fillna(False).astype(bool)
        return rule, hit.astype(float), hit, "repeated submission"
    if rule == "identical_answers":
        hit = flags["identical_answers"].fillna(False).astype(bool)
        return rule, hit.astype(float), hit, "identical answers"
    if rule == "mahalanobis":
        if absent("mahalanobis_d2"):
            return "too few complete responses (needs more than the number of items)"
        return rule, flags["mahalanobis_d2"], flags["mahalanobis_flag"].astype(bool), "chi-square .99"
    column, index = {"longstring": ("longstring", "longstring"), "missing_share": ("missing_share", "missing_share"),
                     "irv_min": ("irv", "irv"), "psychsyn_min": ("psychsyn", "psychsyn")}[rule]
    if absent(column):
        return f"the {index} index could not be computed for any respondent"
    hit = flags[column] < setting if rule.endswith("_min") else flags[column] > setting
    return index, flags[column], hit, setting
