"""Careless-responding indices, per-respondent quality flags, and logged exclusions.

The indices follow the definitions of the R package ``careless`` (Yentes & Wilhelm):
longstring, intra-individual response variability (IRV), even-odd consistency, psychometric
synonyms and Mahalanobis D². Flags are computed for everyone and reported; which flags exclude a
respondent is a separate decision (the study config's cleaning rules), and every exclusion is
written to an audit table with the rule, the respondent's value and the threshold. A rule whose
inputs are absent is reported as not applied, and a rule that excludes many respondents warns.

Every index is computed for all respondents at once on one float matrix of the answers (row blocks where
item pairs would multiply the memory), so a million respondents are screened in seconds; the values are
those of the per-respondent definitions (tests/test_screening_scale.py compares them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._blas import one_blas_thread
from .._deprecation import renamed_arguments
from .._validation import BOOL, PROBABILITY_OPEN, STR, InstanceOf, Interval, Options, Satisfies
from .._validation import check as check_argument
from ..errors import ParameterError, ResponseDataError, ScreeningWarning
from ..questionnaire import Questionnaire
from .scoring import QUESTIONNAIRE, answer_columns, checked_numbers

AUDIT_COLUMNS = ["respondent_id", "rule", "value", "threshold"]
# Identical answer vectors are common among attentive respondents on short scales (6 items on a
# 5-point scale: thousands of people share a pattern); only on long instruments are they suspect.
MIN_ITEMS_IDENTICAL_ANSWERS = 10
LOUD_EXCLUSION_SHARE = 0.20  # a rule excluding more than this share of respondents is probably misconfigured
TIMESTAMP_COLUMN = "submitted_at"
IP_COLUMNS = ("ip_group", "ip_hash")  # equal values = same IP address (never the address itself)


# Work over a million respondents goes in row blocks of this many cells: memory stays bounded, and blocks
# this small are recycled by the allocator instead of being faulted in afresh (slow on virtual machines).
ROW_BLOCK_CELLS = 1 << 20


def _column_numbers(column: pd.Series) -> np.ndarray:
    """One column as floats, text coerced (unparseable text is NaN)."""
    if not pd.api.types.is_numeric_dtype(column):
        column = pd.to_numeric(column, errors="coerce")
    return column.to_numpy(dtype=float, na_value=np.nan)


def _matrix(data: pd.DataFrame, numbers: np.ndarray | None = None) -> np.ndarray:
    """The answers as a float matrix (respondents x items), filled column by column.

    Column-major, as pandas' ``to_numpy`` gives it: row sums then add in the same order, to the last bit.
    ``numbers`` (from :func:`checked_numbers`) supplies the numeric columns, which convert the same way;
    when every column is numeric it is returned itself.
    """
    numeric = [pd.api.types.is_numeric_dtype(data.iloc[:, j]) for j in range(data.shape[1])]
    if numbers is not None and all(numeric):
        return numbers
    x = np.empty(data.shape, order="F")
    for j in range(data.shape[1]):
        if numbers is not None and numeric[j]:
            x[:, j] = numbers[:, j]
        else:  # text: pandas' parser, not checked_numbers' stripping (which also strips e.g. U+3000)
            x[:, j] = _column_numbers(data.iloc[:, j])
    return x


def _row_blocks(n: int, width: int) -> list[slice]:
    """Slices of rows so that a block of ``width`` columns holds about ROW_BLOCK_CELLS cells.

    Never a block of one row among others: numpy sums a lone row in another order (pairwise, not
    column by column), which would change the last bit of that respondent's values.
    """
    step = max(2, ROW_BLOCK_CELLS // max(1, width))
    starts = list(range(0, n, step))
    if len(starts) > 1 and n - starts[-1] == 1:
        starts.pop()
    return [slice(start, stop) for start, stop in zip(starts, starts[1:] + [n], strict=True)]


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
    longest, mean = _longstring(_matrix(data))
    return pd.DataFrame({"longstring": longest, "longstring_mean": mean}, index=data.index)


def _longstring(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = np.asfortranarray(x)  # the loop walks columns
    n, k = x.shape
    current, longest, runs = np.ones(n), np.ones(n), np.ones(n)
    for j in range(1, k):  # column by column, vectorised over respondents
        same = x[:, j] == x[:, j - 1]  # NaN == NaN is False, so missing answers end runs
        np.multiply(current, same, out=current)  # a run goes on (+ 1) or starts again (0 + 1), in place
        current += 1
        np.maximum(longest, current, out=longest)
        runs += ~same
    return longest, k / runs


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
    """Rows whose answered values are all equal (exactly: a rounded variance need not be zero).

    The extremes column by column (they do not depend on the order): numpy's maximum along each row of a
    narrow block took nearly half the time of the even-odd index.
    """
    high, low = np.full(len(x), -np.inf), np.full(len(x), np.inf)
    for j in range(x.shape[1]):
        np.maximum(high, np.where(ok[:, j], x[:, j], -np.inf), out=high)
        np.minimum(low, np.where(ok[:, j], x[:, j], np.inf), out=low)
    return high == low


def _paired_correlations(x: np.ndarray, left: list[int], right: list[int], min_pairs: int) -> np.ndarray:
    """:func:`_row_correlations` of columns ``left`` with columns ``right``, in row blocks (bounded memory;
    each row's value does not depend on the block)."""
    r = np.empty(len(x))
    for rows in _row_blocks(len(x), len(left)):
        r[rows] = _row_correlations(x[rows][:, left], x[rows][:, right], min_pairs)
    return r


def irv(data: pd.DataFrame) -> pd.Series:
    """Intra-individual response variability: the SD (n - 1) of each respondent's answers (``careless::irv``).

    Very low values mean straight-lining; answered items only.
    """
    return pd.Series(_irv(_matrix(data)), index=data.index, name="irv")


def _irv(x: np.ndarray) -> np.ndarray:
    """``np.nanstd(x, axis=1, ddof=1)`` in row blocks (nanstd copies its input: a million-row copy is slow to
    fault in), with numpy's one warning when a respondent answered at most once."""
    out = np.empty(len(x))
    few_answers = False
    for rows in _row_blocks(len(x), x.shape[1]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            out[rows] = np.nanstd(x[rows], axis=1, ddof=1)
        few_answers |= any(issubclass(w.category, RuntimeWarning) for w in caught)
    if few_answers:
        warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=3)
    return out


def even_odd(data: pd.DataFrame, scales: dict[str, list[str]]) -> pd.Series:
    """Even-odd consistency (``careless::evenodd``), negated so that higher means more careless.

    For every scale, the mean of its odd-numbered and of its even-numbered items; the correlation
    across scales of the two halves, Spearman-Brown corrected (``2r / (1 + r)``), times -1.
    Reverse-keyed items must be recoded first. Respondents with fewer than two usable scales
    (scales with at least one odd and one even answer) get NaN.
    """
    usable = [items for items in scales.values() if len(items) >= 2]
    columns = list(dict.fromkeys(i for items in usable for i in items))
    position = {c: j for j, c in enumerate(columns)}
    x = _matrix(data[columns])
    return pd.Series(_even_odd(x, [[position[i] for i in items] for items in usable]), index=data.index,
                     name="even_odd")


def _even_odd(x: np.ndarray, scales: list[list[int]]) -> np.ndarray:
    """:func:`even_odd` on a float matrix, scales given as column positions."""
    usable = [items for items in scales if len(items) >= 2]
    if not usable:
        raise ValueError("even_odd needs at least one scale of two or more items")
    x = np.asfortranarray(x)  # columns are read one at a time
    r = np.empty(len(x))
    for rows in _row_blocks(len(x), x.shape[1]):  # each row's value does not depend on the block
        odd = np.column_stack([_half_mean(x, rows, items[0::2]) for items in usable])
        even = np.column_stack([_half_mean(x, rows, items[1::2]) for items in usable])
        r[rows] = _row_correlations(odd, even, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        corrected = np.where(r > -1, 2 * r / (1 + r), np.where(np.isnan(r), np.nan, -1.0))
    return -np.maximum(corrected, -1.0)  # careless caps the corrected value at -1; NaN stays NaN


def _half_mean(x: np.ndarray, rows: slice, columns: list[int]) -> np.ndarray:
    """``np.nanmean(x[rows][:, columns], axis=1)`` (NaN where nothing is answered) without copying the
    columns out: the same sum, column after column, as numpy takes over a column-major block."""
    total, count = None, np.zeros(rows.stop - rows.start)
    for j in columns:
        column = x[rows, j]
        answered = ~np.isnan(column)
        value = np.where(answered, column, 0.0)
        total = value if total is None else total + value
        count += answered
    with np.errstate(invalid="ignore", divide="ignore"):
        return total / count


def psychsyn(data: pd.DataFrame, critval: float = 0.60, *, anto: bool = False) -> pd.Series:
    """Psychometric synonyms (``careless::psychsyn``): within-person correlation over item pairs that correlate
    above ``critval`` across the sample (below ``-critval`` for antonyms with ``anto=True``).

    Low values mean the respondent answered near-identical questions inconsistently.
    """
    return pd.Series(_psychsyn(_matrix(data), critval, anto), index=data.index,
                     name="psychant" if anto else "psychsyn")


def _psychsyn(x: np.ndarray, critval: float, anto: bool) -> np.ndarray:
    cut = -critval if anto else critval
    r = _item_correlations(x, cut)  # pairwise-complete, as careless (cor(use = "pairwise"))
    iu = np.triu_indices_from(r, 1)
    chosen = (r[iu] < cut) if anto else (r[iu] > cut)
    if not chosen.any():
        raise ParameterError("critval", "psychsyn", "a cut-off that some item pairs exceed", critval)
    return _paired_correlations(x, list(iu[0][chosen]), list(iu[1][chosen]), 3)


CUT_MARGIN = 1e-6  # item correlations this close to the cut-off are recomputed as pandas does


def _item_correlations(x: np.ndarray, cut: float) -> np.ndarray:
    """``pd.DataFrame(x).corr()`` (pairwise-complete Pearson r) as far as comparisons with ``cut`` go.

    Sums of centred values over the rows both items answered, by matrix products over row blocks
    (pandas loops over every pair and row: 1.4 s for a million respondents). They agree with pandas to
    about 1e-12; a pair within CUT_MARGIN of ``cut``, or without a clear variance, is recomputed by pandas
    itself, so the pairs chosen are pandas' pairs.
    """
    n, k = x.shape
    answered = ~np.isnan(x)
    with np.errstate(invalid="ignore", divide="ignore"):  # an item without answers: NaN, recomputed below
        # nanmean without its copy of the whole matrix (a million rows: a quarter of the screening time), nor
        # a zero-filled one: column by column, each summed as numpy sums a column-major matrix's columns
        centre = _column_sums(x, answered) / answered.sum(axis=0)
    count, sums, squares, products = (np.zeros((k, k)) for _ in range(4))
    with one_blas_thread():  # narrow products: threads only wait for each other
        for rows in _row_blocks(n, 4 * k):
            ok = answered[rows].astype(float)
            z = np.where(answered[rows], x[rows] - centre, 0.0)
            count += ok.T @ ok
            sums += z.T @ ok  # [i, j]: item i's sum over the rows where j is answered too
            squares += (z * z).T @ ok
            products += z.T @ z
    with np.errstate(invalid="ignore", divide="ignore"):
        var = squares - sums * sums / count
        r = (products - sums * sums.T / count) / np.sqrt(var * var.T)
    unclear = ~np.isfinite(r) | (np.abs(r - cut) < CUT_MARGIN) | (var <= 1e-9 * squares) | (var.T <= 1e-9 * squares.T)
    for i, j in zip(*np.nonzero(np.triu(unclear, 1)), strict=True):
        r[i, j] = r[j, i] = pd.DataFrame(x[:, [i, j]]).corr().iat[0, 1]
    return r


def _column_sums(x: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """``np.add.reduce(np.where(answered, x, 0.0), axis=0)`` without the zero-filled copy of ``x``, to the bit.

    Column by column where ``x`` is column-major (each column is then summed on its own, pairwise, either way);
    a row-major ``x`` is summed row after row, so it keeps the one expression.
    """
    if not x.flags.f_contiguous:
        return np.add.reduce(np.where(answered, x, 0.0), axis=0)
    return np.array([np.add.reduce(np.where(answered[:, j], x[:, j], 0.0)) for j in range(x.shape[1])],
                    dtype=float)


@renamed_arguments(confidence="level")
def mahalanobis(data: pd.DataFrame, level: float = 0.99) -> pd.DataFrame:
    """Squared Mahalanobis distance of each complete response vector and a chi-square flag (``careless::mahad``).

    Distances use the sample means and covariance (n - 1) of the complete cases; a respondent is
    flagged when D² exceeds the chi-square quantile at ``level`` with df = number of items.

    Parameters
    ----------
    data : DataFrame
        One column per item, one row per respondent.
    level : float
        The chi-square quantile's level, in (0, 1); default 0.99 (``careless::mahad``'s ``flag``
        confidence). ``confidence=`` is its deprecated name (a FutureWarning; removed in 0.2).

    Returns
    -------
    DataFrame
        ``mahalanobis_d2`` (NaN for incomplete rows) and ``mahalanobis_flag``.
    """
    d2, flag = _mahalanobis(_matrix(data), level)
    return pd.DataFrame({"mahalanobis_d2": d2, "mahalanobis_flag": flag}, index=data.index)


def _mahalanobis(x: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    complete = ~np.isnan(x).any(axis=1)
    d2 = np.full(len(x), np.nan)
    n, k = int(complete.sum()), x.shape[1]
    if n > k:
        # means and covariance (n - 1) of the complete rows, then each row's distance, in row blocks: a
        # million-row matrix is never copied (fresh memory is slow to fault in); to ~1e-14 of np.cov
        def blocks():
            for rows in _row_blocks(len(x), k):
                yield rows, x[rows][complete[rows]]

        total, cross = np.zeros(k), np.zeros((k, k))
        for _, block in blocks():
            total += block.sum(axis=0)
        mean = total / n
        # tall, narrow products: BLAS threads cost more than they save (10x on a loaded 2-core machine)
        with one_blas_thread():
            for _, block in blocks():
                centered = block - mean
                cross += centered.T @ centered
            inv = np.linalg.pinv(cross / (n - 1))
            for rows, block in blocks():
                centered = block - mean
                d2[rows][complete[rows]] = np.einsum("ij,ij->i", centered @ inv, centered)
    cut = stats.chi2.ppf(level, x.shape[1])
    return d2, d2 > cut


@renamed_arguments(mahalanobis_confidence="mahalanobis_level")
def quality_flags(data: pd.DataFrame, q: Questionnaire, *, duration_col: str | None = "duration_seconds",
                  seconds_per_item: float = 2.0, longstring_max: int | None = None, psychsyn_critval: float = 0.60,
                  mahalanobis_level: float = 0.99) -> pd.DataFrame:
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
    seconds_per_item : float
        The speeder threshold, seconds per item (default 2, Huang et al. 2012).
    longstring_max : int, optional
        Threshold for the ``longstring_flag``; default: half the number of items.
    psychsyn_critval : float
        Item pairs correlating above this (in [0, 1)) form the psychometric synonyms (``careless::psychsyn``).
    mahalanobis_level : float
        Level of the chi-square quantile that flags a Mahalanobis distance, in (0, 1); default 0.99.
        ``mahalanobis_confidence=`` is its deprecated name (a FutureWarning; removed in 0.2).

    Returns
    -------
    DataFrame
        respondent_id, longstring, longstring_mean, irv, even_odd, psychsyn, mahalanobis_d2,
        mahalanobis_flag, seconds_per_item, speeder, attention_failed, duplicate, identical_answers,
        missing_share, longstring_flag. An index whose inputs are absent is missing (NaN / NA): no
        durations, no attention-check columns, fewer than 10 items for ``identical_answers``.

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire, ``data`` has fewer than two of its item columns, or ``duration_col``,
        ``seconds_per_item``, ``longstring_max``, ``psychsyn_critval`` or ``mahalanobis_level`` is out of range.
    ResponseDataError
        An item column holds text that is not a number.

    Warns
    -----
    ScreeningWarning
        Naming items without variance: no answers at all, or the same answer from everyone.

    Notes
    -----
    Per respondent, over the item answers x_1..x_k in questionnaire order (``careless``'s definitions):

    - ``longstring``: the longest run of identical consecutive answers (a missing answer ends a run);
      ``longstring_mean`` is k / (number of runs); ``longstring_flag`` is ``longstring > longstring_max``.
    - ``irv``: the SD (divisor n - 1) of the answered items.
    - ``even_odd``: per scale the means of its odd- and even-numbered items (reverse-keyed items recoded),
      ``r`` their correlation across scales, and ``-2r / (1 + r)`` (Spearman-Brown, negated so that higher
      is more careless).
    - ``psychsyn``: the respondent's correlation over the item pairs that correlate above
      ``psychsyn_critval`` across the sample (pairwise-complete), NaN where no pair does.
    - ``mahalanobis_d2 = (x - m)' S^-1 (x - m)`` with the complete rows' means ``m`` and covariance ``S``
      (n - 1); ``mahalanobis_flag`` is ``d2 > chi2_k(mahalanobis_level)``.
    - ``seconds_per_item`` is the duration over k; ``speeder`` is ``seconds_per_item < seconds_per_item``
      (the argument).
    - ``duplicate``: a later row with the same respondent id, or with the same IP group or submission
      time and the same answers; ``identical_answers``: a later complete row with the same answers
      (only from 10 items on); ``missing_share``: the share of items unanswered.

    References
    ----------
    Meade, A. W., & Craig, S. B. (2012). Identifying careless responses in survey data. *Psychological
    Methods*, 17(3), 437-455.
    Huang, J. L., Curran, P. G., Keeney, J., Poposki, E. M., & DeShon, R. P. (2012). Detecting and deterring
    insufficient effort responding to surveys. *Journal of Business and Psychology*, 27(1), 99-114.
    Curran, P. G. (2016). Methods for the detection of carelessly invalid responses in survey data.
    *Journal of Experimental Social Psychology*, 66, 4-19.
    R: ``careless::longstring``, ``irv``, ``evenodd``, ``psychsyn`` and ``mahad`` (tests/test_responses.py;
    tests/reference/careless_indices.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> flags = sr.quality_flags(sr.simulate_responses(q, n=200, seed=1), q)
    >>> flags.shape, int(flags["longstring_flag"].sum())
    ((200, 15), 2)
    """
    check_argument(duration_col, "duration_col", "quality_flags", STR, None)
    check_argument(seconds_per_item, "seconds_per_item", "quality_flags", Interval(float, 0, None))
    check_argument(longstring_max, "longstring_max", "quality_flags", Interval(int, 1, None), None)
    check_argument(psychsyn_critval, "psychsyn_critval", "quality_flags", Interval(float, 0, 1, closed="left"))
    check_argument(mahalanobis_level, "mahalanobis_level", "quality_flags", PROBABILITY_OPEN)
    check_argument(q, "q", "quality_flags", QUESTIONNAIRE)
    items = [i for i in q.item_ids if i in data.columns]
    check_argument(data, "data", "quality_flags", Satisfies(lambda _: len(items) >= 2, "a DataFrame with at least "
                                                            "two of the questionnaire's item columns"),
                   shown=[str(c) for c in data.columns][:8])
    answers = answer_columns(data, items)  # not copied: only read
    numbers = checked_numbers(answers, "quality_flags")  # text in an item column is refused, not read as missing
    # one float matrix for every index (converting the frame once per index dominated the run time)
    x = _matrix(answers, numbers)
    _warn_no_variance(x, items)
    ids = data["respondent_id"] if "respondent_id" in data.columns else pd.Series(data.index, index=data.index)
    flags = pd.DataFrame({"respondent_id": ids.to_numpy()}, index=data.index)
    flags["longstring"], flags["longstring_mean"] = _longstring(x)
    flags["irv"] = _irv(x)
    recoded = _reverse_code_in_place(x, numbers, answers, q)  # x is not used after this
    position = {item: j for j, item in enumerate(items)}
    scales = [[position[i.id] for i in q.items_of(c) if i.id in position] for c in q.construct_ids]
    flags["even_odd"] = _even_odd(recoded, scales)
    try:
        flags["psychsyn"] = _psychsyn(recoded, psychsyn_critval, False)
    except ParameterError:
        flags["psychsyn"] = np.nan  # no item pair correlates that strongly: the index is undefined
    flags["mahalanobis_d2"], flags["mahalanobis_flag"] = _mahalanobis(recoded, mahalanobis_level)
    if duration_col and duration_col in data.columns:
        flags["seconds_per_item"] = pd.to_numeric(data[duration_col], errors="coerce") / len(items)
    else:
        flags["seconds_per_item"] = np.nan
    flags["speeder"] = flags["seconds_per_item"] < seconds_per_item  # NaN (no duration) is not a speeder
    flags["attention_failed"] = _attention_failed(data, q)
    missing = answers.isna().to_numpy()  # not np.isnan(x): a blank text cell counts as answered, as before
    complete = ~missing.any(axis=1)
    flags["duplicate"] = _repeated_submissions(data, answers, recoded, complete)
    flags["identical_answers"] = pd.Series(_duplicated_rows(answers, recoded, complete), index=data.index) \
        if len(items) >= MIN_ITEMS_IDENTICAL_ANSWERS else pd.Series(pd.NA, index=data.index, dtype="boolean")
    flags["missing_share"] = missing.mean(axis=1)
    limit = longstring_max if longstring_max is not None else max(2, len(items) // 2)
    flags["longstring_flag"] = flags["longstring"] > limit
    return flags


def _reverse_code_in_place(x: np.ndarray, numbers: np.ndarray, answers: pd.DataFrame,
                           q: Questionnaire) -> np.ndarray:
    """``_matrix(reverse_code(answers, q))`` made from ``x`` (overwritten): ``min + max - x`` on reverse items.

    In place: another copy of a million-row matrix costs more than the recoding.
    """
    for j, item_id in enumerate(answers.columns):
        if item_id in q.reverse_items:
            rs = q.response_set_of(q.item(item_id))
            # reverse_code reads text through numeric_answers (blanks stripped), numbers as they are
            given = x[:, j] if pd.api.types.is_numeric_dtype(answers[item_id]) else numbers[:, j]
            x[:, j] = (rs.minimum + rs.maximum) - given
    return x


def _warn_no_variance(x: np.ndarray, items: list[str]) -> None:
    answered = (~np.isnan(x)).sum(axis=0)
    with warnings.catch_warnings():  # columns without answers: NaN extremes, reported as empty below
        warnings.simplefilter("ignore", RuntimeWarning)
        constant_values = np.nanmax(x, axis=0) == np.nanmin(x, axis=0)  # one distinct answer
    empty = [str(c) for c, a in zip(items, answered, strict=True) if a == 0]
    constant = [str(c) for c, a, same in zip(items, answered, constant_values, strict=True) if same and a > 1]
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
    failed = np.zeros(len(data), dtype=np.int64)
    for check in present:
        answer = _column_numbers(data[check.id])
        failed += answer != check.expected  # a missing answer counts as failed
    return pd.Series(failed, index=data.index)


def _repeated_submissions(data: pd.DataFrame, answers: pd.DataFrame, x: np.ndarray,
                          complete: np.ndarray) -> pd.Series:
    """A later submission of the same respondent: same respondent id, or the same IP or submission time
    with the same answers; NA when the data carry none of these.

    Same IP alone is not enough: mobile carriers and campus networks put many people behind one address.
    """
    hit = np.zeros(len(data), dtype=bool)
    used = False
    if "respondent_id" in data.columns:
        ids = data["respondent_id"]
        repeated = np.flatnonzero(_later_copies(ids))
        later = ids.iloc[repeated]  # blank ids are not repeats; only the repeated ones need the check
        hit[repeated[(later.notna() & (later.astype(str).str.strip() != "")).to_numpy()]] = True
        used = True
    for column in (*IP_COLUMNS, TIMESTAMP_COLUMN):
        if column in data.columns:
            key = data[column].astype(str)
            hit |= _duplicated_rows(answers, x, complete, key) & data[column].notna().to_numpy()
            used = True
    return pd.Series(hit, index=data.index) if used else pd.Series(pd.NA, index=data.index, dtype="boolean")


def _later_copies(values: pd.Series) -> np.ndarray:
    """``values.duplicated(keep="first")``: codes number the values in order of first appearance, so a row
    is a first copy exactly where its code exceeds every earlier one (one hash pass, no second table)."""
    codes, _ = pd.factorize(values, use_na_sentinel=False)
    earlier = np.maximum.accumulate(np.concatenate(([-1], codes[:-1]))) if len(codes) else codes
    return codes <= earlier


PACKED_BITS = 62  # answer codes packed into int64 words: mixed radix, kept below 2**62


def _duplicated_rows(answers: pd.DataFrame, x: np.ndarray, complete: np.ndarray,
                     key: pd.Series | None = None) -> np.ndarray:
    """``[key,] answers`` ``.duplicated(keep="first") & complete``: later complete rows equal to an earlier one.

    A complete row can only equal another complete row, so only those are compared. Whole-number answers
    (``x``, the float matrix of numeric ``answers``; reverse coding is one-to-one, so it may be applied)
    are packed into a few int64 words per row, exactly, and the words compared; pandas compares 25 columns
    of a million rows several times slower. Anything else is left to pandas.
    """
    rows = np.flatnonzero(complete)
    words = _packed_rows(answers, x, rows)
    if words is None:
        frame = answers if key is None else pd.concat([key.rename("__key__"), answers], axis=1)
        return frame.duplicated(keep="first").to_numpy() & complete
    if key is not None:  # equal keys compare as pandas does: by their codes
        words.insert(0, pd.factorize(key.iloc[rows], use_na_sentinel=False)[0].astype(np.int64))
    repeated = pd.DataFrame(dict(enumerate(words))).duplicated(keep="first").to_numpy()
    hit = np.zeros(len(x), dtype=bool)
    hit[rows[repeated]] = True
    return hit


def _packed_rows(answers: pd.DataFrame, x: np.ndarray, rows: np.ndarray) -> list[np.ndarray] | None:
    """The whole-number answers of ``rows`` as int64 words (a one-to-one code of each row), or None."""
    if len(rows) == 0 or not all(pd.api.types.is_numeric_dtype(answers.iloc[:, j]) for j in range(x.shape[1])):
        return None
    words, word, capacity = [], np.zeros(len(rows), dtype=np.int64), 1
    for j in range(x.shape[1]):
        column = x[rows, j]
        low, high = column.min(), column.max()
        span = high - low + 1
        if not (np.isfinite(span) and span < 2**PACKED_BITS) or not (column == np.floor(column)).all():
            return None
        span = int(span)
        if capacity * span >= 2**PACKED_BITS:
            words.append(word)
            word, capacity = np.zeros(len(rows), dtype=np.int64), 1
        word = word * span + (column - low).astype(np.int64)
        capacity *= span
    words.append(word)
    return words


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
    ResponseDataError
        A row of ``data`` has no row in ``flags`` (the flags were computed from other data).

    Warns
    -----
    ScreeningWarning
        Each entry of ``.warnings``, so that a caller that only unpacks the pair still sees them.

    Notes
    -----
    A respondent is excluded when any active rule hits (indices as defined in :func:`quality_flags`):
    ``attention_failed > 0``; ``speeder``; ``duplicate``; ``identical_answers``; ``mahalanobis_flag``;
    ``longstring > longstring``; ``missing_share > missing_share``; ``irv < irv_min``;
    ``psychsyn < psychsyn_min`` (a missing index never hits). A rule whose index is missing for every
    respondent is not applied and said so; a rule that hits more than 20 % of the respondents warns, as
    it more likely misreads the data than finds careless respondents.

    References
    ----------
    Meade & Craig (2012) and Curran (2016) on the indices and screening: the full entries are under
    :func:`quality_flags`.

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
        where = np.flatnonzero(hit.to_numpy())
        rows.append({"respondent_id": flags["respondent_id"].iloc[where].tolist(), "rule": [rule] * len(where),
                     "value": value.iloc[where].to_numpy(dtype=float, na_value=np.nan).tolist(),
                     "threshold": [threshold] * len(where)})
    for note in notes:
        warnings.warn(note, ScreeningWarning, stacklevel=2)
    if any(block["rule"] for block in rows):  # one row per (respondent, rule), built column-wise
        audit = pd.DataFrame({c: [v for block in rows for v in block[c]] for c in AUDIT_COLUMNS})
    else:
        audit = pd.DataFrame([], columns=AUDIT_COLUMNS)
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
