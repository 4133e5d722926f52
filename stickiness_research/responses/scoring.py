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


def scale_scores(data: pd.DataFrame, q: Questionnaire, *, min_share: float = 0.5) -> pd.DataFrame:
    """Mean of each construct's items per respondent, prorated over answered items.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items already recoded (see :func:`reverse_code`).
    q : Questionnaire
    min_share : float
        A score is computed when at least this share of the construct's items is answered;
        otherwise it is missing.

    Returns
    -------
    DataFrame
        One column per construct id, same index as ``data``.
    """
    if not 0 < min_share <= 1:
        raise ParameterError("min_share", "scale_scores", "a float in the range (0, 1]", min_share)
    scores = {}
    for c in q.construct_ids:
        items = [i.id for i in q.items_of(c)]
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise ResponseDataError(f"item column {absent[0]!r} (construct {c!r}) is missing from the data.")
        block = data[items].astype(float)
        answered = block.notna().sum(axis=1)
        scores[c] = block.mean(axis=1).where(answered >= min_share * len(items))
    return pd.DataFrame(scores, index=data.index)
