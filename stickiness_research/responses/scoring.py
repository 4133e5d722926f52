"""Scoring: reverse coding and scale scores from item answers."""

from __future__ import annotations

import pandas as pd

from ..errors import ParameterError, ResponseDataError
from ..questionnaire import Questionnaire


def reverse_code(data: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Recode reverse-keyed items as ``min + max - x`` on their response set's range.

    Returns a copy; the input is never modified. Apply it exactly once, to answers as collected.

    Examples
    --------
    >>> import pandas as pd, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> item = q.reverse_items[0]
    >>> sr.reverse_code(pd.DataFrame({item: [1, 2, 5]}), q)[item].tolist()
    [5, 4, 1]
    """
    out = data.copy()
    for item_id in q.reverse_items:
        if item_id in out.columns:
            rs = q.response_set_of(q.item(item_id))
            out[item_id] = rs.minimum + rs.maximum - out[item_id]
    return out


def scale_scores(data: pd.DataFrame, q: Questionnaire, *, min_share: float = 0.5,
                 method: str = "mean") -> pd.DataFrame:
    """Score each construct per respondent from its items, prorated over answered items.

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

    Examples
    --------
    >>> import pandas as pd, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> answers = pd.DataFrame({i.id: [5, 3] for i in q.items})
    >>> sr.scale_scores(answers, q, method="pomp")["interaction"].tolist()
    [100.0, 50.0]
    """
    if not 0 < min_share <= 1:
        raise ParameterError("min_share", "scale_scores", "a float in the range (0, 1]", min_share)
    if method not in ("mean", "sum", "pomp"):
        raise ParameterError("method", "scale_scores", "'mean', 'sum' or 'pomp'", method)
    scores = {}
    for c in q.construct_ids:
        items = [i.id for i in q.items_of(c)]
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise ResponseDataError(f"item column {absent[0]!r} (construct {c!r}) is missing from the data.")
        block = data[items].astype(float)
        answered = block.notna().sum(axis=1)
        mean = block.mean(axis=1).where(answered >= min_share * len(items))
        if method == "sum":
            mean = mean * len(items)
        elif method == "pomp":
            rs = q.response_set_of(q.items_of(c)[0])
            mean = 100 * (mean - rs.minimum) / (rs.maximum - rs.minimum)
        scores[c] = mean
    return pd.DataFrame(scores, index=data.index)
