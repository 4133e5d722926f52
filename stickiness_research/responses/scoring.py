"""Scoring: reverse coding and scale scores from item answers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import InstanceOf, Interval, Options, check
from ..errors import ResponseDataError
from ..questionnaire import Questionnaire

QUESTIONNAIRE = InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)")
_BLANK = ("", "nan", "NaN", "None", "<NA>")
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def numeric_answers(data: pd.DataFrame, columns: list[str], function: str) -> pd.DataFrame:
    """``data[columns]`` as floats; a cell that is not a finite number is refused with its column and row.

    Coercing it to missing would silently drop an answer (and pandas' own error names neither).

    Raises
    ------
    ResponseDataError
        Naming the function, the column, the row (index label) and the value (identifiers masked).

    Examples
    --------
    >>> import pandas as pd
    >>> numeric_answers(pd.DataFrame({"a": ["1", " 2", None]}), ["a"], "f")["a"].tolist()
    [1.0, 2.0, nan]
    >>> numeric_answers(pd.DataFrame({"a": [1, "agree"]}), ["a"], "f")
    Traceback (most recent call last):
    ...
    stickiness_research.errors.ResponseDataError: f: column 'a', row 1: 'agree' is not a number; code answers as numbers (sr.read_responses does) or leave the cell blank.
    """
    block = answer_columns(data, list(columns))
    # the frame wraps the checked matrix without copying it (a copy of a million rows costs a second here)
    return pd.DataFrame(checked_numbers(block, function), index=block.index, columns=block.columns, copy=False)


def answer_columns(data: pd.DataFrame, columns: list) -> pd.DataFrame:
    """``data[columns]`` for reading only: the columns themselves, not copies.

    pandas 2 copies a selection of columns (before copy-on-write): a quarter of a gigabyte for a million
    respondents' answers, and fresh memory is slow to fault in. Repeated or absent names go to pandas as before.
    """
    if (_COPY_ON_WRITE or not data.columns.is_unique or len(set(columns)) < len(columns)
            or not all(c in data.columns for c in columns)):
        return data[columns]
    return pd.DataFrame({c: data[c] for c in columns}, index=data.index,
                        columns=data.columns[data.columns.get_indexer(columns)], copy=False)


def checked_numbers(block: pd.DataFrame, function: str) -> np.ndarray:
    """:func:`numeric_answers` of every column of ``block``, as a float matrix for callers that work on arrays.

    Parameters
    ----------
    block : DataFrame
        The answer columns.
    function : str
        The caller's name, for the error message.

    Returns
    -------
    ndarray
        Respondents x columns, column-major (as pandas' ``to_numpy`` lays a frame out), NaN where blank.

    Raises
    ------
    ResponseDataError
        For the first cell (row by row) that is neither blank nor a finite number.

    Examples
    --------
    >>> import pandas as pd
    >>> checked_numbers(pd.DataFrame({"a": [1, None], "b": [" 3", ""]}), "f").tolist()
    [[1.0, 3.0], [nan, nan]]
    """
    numbers, bad = _numbers(block)
    if bad.any():
        from .privacy import mask

        row, col = (int(k[0]) for k in np.nonzero(bad))
        value = block.iat[row, col]
        what = (f"{float(value):g} is not a finite number" if isinstance(value, int | float | np.number)
                else f"{mask(value)} is not a number")
        raise ResponseDataError(f"{function}: column {str(block.columns[col])!r}, row {block.index[row]!r}: {what}; "
                                "code answers as numbers (sr.read_responses does) or leave the cell blank.")
    return numbers


def _numbers(block: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The block as floats (column-major) and where a cell is neither blank nor a finite number.

    Column by column: a numeric column converts directly (only infinities are bad), a text column is
    stripped and parsed, so one text column does not send every column through Python objects.
    """
    numbers = np.empty(block.shape, order="F")
    bad = np.zeros(block.shape, dtype=bool, order="F")
    for j in range(block.shape[1]):
        column = block.iloc[:, j]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            numbers[:, j] = column.to_numpy(dtype=float, na_value=np.nan)
        else:
            numbers[:, j] = pd.to_numeric(column.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v),
                                          errors="coerce").astype(float)
            blank = column.isna() | column.astype(str).str.strip().isin(_BLANK)
            bad[:, j] = ~blank.to_numpy() & np.isnan(numbers[:, j])
        bad[:, j] |= np.isinf(numbers[:, j])
    return numbers, bad


ROW_BLOCK_CELLS = 1 << 20  # copies in row blocks of this many cells: recycled memory, not faulted in afresh


def _row_means(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The answered count and mean of each row of ``x`` (from :func:`checked_numbers`), to the bit pandas 2's
    ``notna().sum(axis=1)`` and ``mean(axis=1)`` of the frame :func:`numeric_answers` makes of it.

    pandas 2 (nanops.nanmean) sums the column-major matrix itself when nothing is missing (column after column),
    else a row-major copy with zeros for the missing cells (each row on its own, so row blocks give the same
    sums), and divides by the count; a row without answers is NaN. Six constructs of a million rows took a
    second in pandas.
    """
    n, k = x.shape
    missing = np.isnan(x)
    count = k - np.count_nonzero(missing, axis=1)
    if missing.any():
        total = np.empty(n)
        step = max(2, ROW_BLOCK_CELLS // max(1, k))
        for start in range(0, n, step):
            rows = slice(start, min(n, start + step))
            values = x[rows].copy()  # row-major, as pandas copies
            np.putmask(values, missing[rows], 0.0)
            total[rows] = values.sum(axis=1, dtype=np.float64)
    else:
        total = x.sum(axis=1, dtype=np.float64)
    with np.errstate(all="ignore"):
        mean = total / count.astype(np.float64)
    mean[count == 0] = np.nan
    return count, mean


def reverse_code(data: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Recode reverse-keyed items as ``min + max - x`` on their response set's range.

    Returns a copy; the input is never modified. Apply it exactly once, to answers as collected.

    Parameters
    ----------
    data : DataFrame
        Answers as collected; item columns named by item id (others are copied unchanged).
    q : Questionnaire
        Says which items are reverse-keyed and their response sets.

    Returns
    -------
    DataFrame
        A copy of ``data`` with every reverse-keyed item present recoded.

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire.
    ResponseDataError
        A reverse-keyed item's column holds text that is not a number.

    Notes
    -----
    For a reverse-keyed item on a response set from ``min`` to ``max`` the recoded answer is
    ``min + max - x`` (on 1..5: 1 <-> 5, 2 <-> 4, 3 stays); missing answers stay missing. Applied twice it
    gives the answers back, which is why it must be applied exactly once.

    References
    ----------
    R: the reverse keys of ``psych::scoreItems(keys, x, min = 1, max = 5)`` (a key ``"-con4"`` scores
    ``min + max - x``): :func:`scale_scores` of the recoded answers equals its scores
    (tests/test_responses.py; tests/reference/psych_scoreitems.R).

    Examples
    --------
    >>> import pandas as pd, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> item = q.reverse_items[0]
    >>> sr.reverse_code(pd.DataFrame({item: [1, 2, 5]}), q)[item].tolist()
    [5, 4, 1]
    """
    check(q, "q", "reverse_code", QUESTIONNAIRE)
    # pandas >= 3 copies on write, so a shallow copy is safe (recoded columns are replaced, not written into)
    out = data.copy(deep=not _COPY_ON_WRITE)
    present = [i for i in q.reverse_items if i in out.columns]
    numbers = numeric_answers(data, present, "reverse_code")
    for item_id in present:
        rs = q.response_set_of(q.item(item_id))
        out[item_id] = rs.minimum + rs.maximum - (out[item_id] if pd.api.types.is_numeric_dtype(out[item_id])
                                                  else numbers[item_id])
    return out


def scale_scores(data: pd.DataFrame, q: Questionnaire, *, min_share: float = 0.5,
                 method: str = "mean") -> pd.DataFrame:
    r"""Score each construct per respondent from its items, prorated over answered items.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items already recoded (see :func:`reverse_code`).
    q : Questionnaire
    min_share : float
        A score is computed when at least this share of the construct's items is answered;
        otherwise it is missing. A tiny value reproduces ``psych::scoreItems(impute = "none")``.
    method : {"mean", "sum", "pomp"}
        ``mean`` of the answered items; ``sum`` prorated to the full scale (mean x number of items);
        ``pomp``, percent of maximum possible, ``100 (mean - min) / (max - min)`` on the response set's range.

    Returns
    -------
    DataFrame
        One column per construct id, same index as ``data``.

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire, ``min_share`` is outside (0, 1] or ``method`` not one of the three.
    ResponseDataError
        An item column is missing from ``data`` or holds a value that is not a number.

    Notes
    -----
    For respondent :math:`i` with answered items :math:`A_i` of a construct's :math:`k` items, the mean score
    is :math:`\bar x_i = \frac{1}{|A_i|}\sum_{j \in A_i} x_{ij}`, missing when :math:`|A_i| < \text{min\_share}
    \cdot k`; ``sum`` is :math:`k \bar x_i` and ``pomp`` :math:`100 (\bar x_i - \min) / (\max - \min)`.

    References
    ----------
    Cohen, P., Cohen, J., Aiken, L. S., & West, S. G. (1999). The problem of units and the circumstance for
    POMP. *Multivariate Behavioral Research*, 34(3), 315-346.
    R: ``psych::scoreItems(keys, items, impute = "none")$scores`` (the mean scores; tests/reference/psych_scoreitems.R).

    Examples
    --------
    >>> import pandas as pd, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> answers = pd.DataFrame({i.id: [5, 3] for i in q.items})
    >>> sr.scale_scores(answers, q, method="pomp")["interaction"].tolist()
    [100.0, 50.0]
    """
    check(q, "q", "scale_scores", QUESTIONNAIRE)
    check(min_share, "min_share", "scale_scores", Interval(float, 0, 1, closed="right"))
    check(method, "method", "scale_scores", Options(("mean", "sum", "pomp")))
    scores = {}
    for c in q.construct_ids:
        items = [i.id for i in q.items_of(c)]
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise ResponseDataError(f"item column {absent[0]!r} (construct {c!r}) is missing from the data.")
        if _COPY_ON_WRITE:  # pandas 3 takes row means its own way (and without copying the columns)
            block = numeric_answers(data, items, "scale_scores")
            answered, mean = block.notna().sum(axis=1), block.mean(axis=1)
        else:
            answered, mean = _row_means(checked_numbers(answer_columns(data, items), "scale_scores"))
            mean = pd.Series(mean, index=data.index)
        mean = mean.where(answered >= min_share * len(items))
        if method == "sum":
            mean = mean * len(items)
        elif method == "pomp":
            rs = q.response_set_of(q.items_of(c)[0])
            mean = 100 * (mean - rs.minimum) / (rs.maximum - rs.minimum)
        scores[c] = mean
    return pd.DataFrame(scores, index=data.index)
