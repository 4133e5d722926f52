"""Polychoric correlations of ordinal (Likert) items, as lavaan's ``lavCor(ordered = ...)``.

Two-step ML: thresholds from each item's cumulative proportions, then each correlation by
maximising the bivariate-normal likelihood of the pair's contingency table with the thresholds
fixed. The fits are those of :mod:`.ordinal` (the sample statistics of WLSMV), so a correlation here
is the one an ordinal model uses, lavaan's 0.5 added to an empty cell of a 2 x 2 table included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import Options, check
from ..errors import ResponseDataError, _warn_at_caller, did_you_mean
from .ordinal import _fit_ordinal, _ordered_codes, _pbinorm, _PolychoricBatch, ordinal_sample_stats

_phi2 = _pbinorm  # the bivariate standard normal CDF P(X <= h, Y <= k; rho)


def thresholds(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categories present and the thresholds between them (z of the cumulative proportions)."""
    values, counts = np.unique(x, return_counts=True)
    cum = np.cumsum(counts)[:-1] / counts.sum()
    return values, stats.norm.ppf(cum)


def polychoric(data: pd.DataFrame, items: list[str] | None = None, *, missing: str = "listwise") -> pd.DataFrame:
    """Polychoric correlation matrix of ordinal items.

    Parameters
    ----------
    data : DataFrame
        Integer-coded ordinal answers (e.g. 1..5).
    items : list of str, optional
        Columns to use (default: all).
    missing : {"listwise", "pairwise"}
        ``"listwise"`` (lavCor's default for ordered items) uses the rows that answer every item and warns of
        the rows it leaves out; ``"pairwise"`` (``lavCor(missing = "pairwise")``) takes each item's thresholds
        from its own answers and each correlation from the rows answering both.

    Returns
    -------
    DataFrame
        Symmetric correlation matrix.

    Raises
    ------
    ResponseDataError
        For a column that is not numeric, has non-integer codes or a single category.
    ParameterError
        ``missing`` is not one of the two.
    EstimationError
        Two binary items whose 2 x 2 table has two empty cells (the correlation is +/-1).

    Warns
    -----
    StickinessWarning
        Listwise deletion left rows out (how many, and of how many).

    Notes
    -----
    Two-step ML. Item j's thresholds are ``tau_jc = Phi^-1(P(x_j <= c))`` from its cumulative
    proportions (complete cases). With them fixed, each pair's ``rho`` maximises
    ``sum_{a,b} n_ab log P_ab(rho)``, ``n_ab`` the pair's contingency table and
    ``P_ab = Phi2(tau_a, tau'_b; rho) - Phi2(tau_{a-1}, tau'_b; rho) - Phi2(tau_a, tau'_{b-1}; rho)
    + Phi2(tau_{a-1}, tau'_{b-1}; rho)``, ``Phi2`` the bivariate standard normal CDF. As lavaan, an empty
    cell of a 2 x 2 table gets 0.5 (margins kept), and the search starts at the Pearson correlation of
    the codes, within (-0.999, 0.999).

    References
    ----------
    Olsson, U. (1979). Maximum likelihood estimation of the polychoric correlation coefficient.
    *Psychometrika*, 44(4), 443-460.
    R: ``lavaan::lavCor(d, ordered = items)`` (tests/test_polychoric.py at 1e-6, thresholds at 1e-8;
    tests/reference/lavaan_polychoric.R).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stickiness_research.sem.polychoric import polychoric
    >>> rng = np.random.default_rng(0)
    >>> z = rng.multivariate_normal([0, 0], [[1, .6], [.6, 1]], size=4000)
    >>> likert = pd.DataFrame(np.digitize(z, [-1.5, -.5, .5, 1.5]) + 1, columns=["a", "b"])
    >>> bool(abs(polychoric(likert).loc["a", "b"] - 0.6) < 0.03)
    True
    """
    items = list(items) if items is not None else [str(c) for c in data.columns]
    missing = missing.lower() if isinstance(missing, str) else missing  # as fit_sem's
    check(missing, "missing", "polychoric", Options(("listwise", "pairwise")))
    unknown = [item for item in items if item not in {str(c) for c in data.columns}]
    if unknown:
        raise ResponseDataError(f"item {unknown[0]!r} is not a column of the data." + did_you_mean(unknown[0], data.columns))
    empty = [item for item in items if not data[item].notna().any()]
    if empty:
        raise ResponseDataError(f"column {empty[0]!r} has no answers (every value is missing); leave it out.")
    if missing == "pairwise":  # the sample statistics of a pairwise WLSMV fit: lavCor(missing = "pairwise")
        return ordinal_sample_stats(data[items], ordered=items, missing="pairwise").correlation
    frame = data[items].dropna()
    if len(frame) < len(data):  # not silently: a fifth of the rows can go for one unanswered item each
        _warn_at_caller(f"polychoric: {len(data) - len(frame)} of {len(data)} rows with a missing answer were left "
                        "out (listwise, lavCor's default); missing='pairwise' uses every pair's rows.")
    fits = []
    for item in items:
        if not pd.api.types.is_numeric_dtype(frame[item]):
            raise ResponseDataError(f"column {item!r} is not numeric; code ordinal answers as integers.")
        if frame[item].nunique() < 2:
            raise ResponseDataError(f"column {item!r} has a single category; a polychoric correlation needs two.")
        codes = _ordered_codes(frame[item], item)  # integer codes, one per category
        fits.append(_fit_ordinal(np.searchsorted(codes, frame[item].to_numpy(dtype=float)), len(codes)))
    p = len(items)
    r = np.eye(p)
    if p > 1:  # every pair at once, in lavaan's order (the first that cannot be estimated is the one named)
        second, first = np.triu_indices(p, 1)
        batch = _PolychoricBatch(fits, items, list(zip(first.tolist(), second.tolist(), strict=True)))
        r[first, second] = r[second, first] = batch.correlations()
    return pd.DataFrame(r, index=items, columns=items)
