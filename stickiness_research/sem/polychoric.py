"""Polychoric correlations of ordinal (Likert) items, as lavaan's ``lavCor(ordered = ...)``.

Two-step ML: thresholds from each item's cumulative proportions, then each correlation by
maximising the bivariate-normal likelihood of the pair's contingency table with the thresholds
fixed. Bivariate normal rectangle probabilities use Owen's T function (scipy.special.owens_t),
vectorised over all cells, which is exact and much faster than numerical integration.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ..errors import ResponseDataError

_BIG = 8.0  # |z| beyond this is treated as infinite: Phi(8) = 1 - 6e-16


def thresholds(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Categories present and the thresholds between them (z of the cumulative proportions)."""
    values, counts = np.unique(x, return_counts=True)
    cum = np.cumsum(counts)[:-1] / counts.sum()
    return values, stats.norm.ppf(cum)


def _phi2(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Bivariate standard normal CDF P(X <= h, Y <= k) with correlation rho (Owen's T form)."""
    h = np.clip(h, -_BIG, _BIG)
    k = np.clip(k, -_BIG, _BIG)
    out = np.empty(np.broadcast(h, k).shape)
    h, k = np.broadcast_arrays(h, k)
    root = np.sqrt(1 - rho**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_h = np.where(h != 0, (k - rho * h) / (h * root), np.inf * np.sign(k - rho * h))
        a_k = np.where(k != 0, (h - rho * k) / (k * root), np.inf * np.sign(h - rho * k))
    t_h = np.where(np.isfinite(a_h), special.owens_t(h, np.nan_to_num(a_h)), np.sign(a_h) * 0.25)
    t_k = np.where(np.isfinite(a_k), special.owens_t(k, np.nan_to_num(a_k)), np.sign(a_k) * 0.25)
    beta = np.where((h * k < 0) | ((h * k == 0) & (h + k < 0)), 0.5, 0.0)
    out[...] = 0.5 * (stats.norm.cdf(h) + stats.norm.cdf(k)) - t_h - t_k - beta
    both_zero = (h == 0) & (k == 0)  # Owen's form is 0 * inf there; the closed form is exact
    out[both_zero] = 0.25 + np.arcsin(rho) / (2 * np.pi)
    return np.clip(out, 0.0, 1.0)


def _pair_rho(x: np.ndarray, y: np.ndarray, tx: np.ndarray, ty: np.ndarray, vx: np.ndarray, vy: np.ndarray) -> float:
    table = pd.crosstab(pd.Categorical(x, categories=vx), pd.Categorical(y, categories=vy), dropna=False).to_numpy()
    ex = np.concatenate([[-_BIG], tx, [_BIG]])
    ey = np.concatenate([[-_BIG], ty, [_BIG]])

    def negloglik(rho: float) -> float:
        cdf = _phi2(ex[:, None], ey[None, :], rho)
        cells = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
        return -float(np.sum(table * np.log(np.maximum(cells, 1e-300))))

    start = np.corrcoef(x, y)[0, 1]
    res = optimize.minimize_scalar(negloglik, bounds=(-0.999, 0.999), method="bounded",
                                   options={"xatol": 1e-10})
    return float(res.x) if np.isfinite(res.fun) else float(start)


def polychoric(data: pd.DataFrame, items: list[str] | None = None) -> pd.DataFrame:
    """Polychoric correlation matrix of ordinal items (complete cases).

    Parameters
    ----------
    data : DataFrame
        Integer-coded ordinal answers (e.g. 1..5).
    items : list of str, optional
        Columns to use (default: all).

    Returns
    -------
    DataFrame
        Symmetric correlation matrix.

    Raises
    ------
    ResponseDataError
        For a column that is not numeric or has a single category.

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
    frame = data[items].dropna()
    cols = []
    for item in items:
        if not pd.api.types.is_numeric_dtype(frame[item]):
            raise ResponseDataError(f"column {item!r} is not numeric; code ordinal answers as integers.")
        values, tau = thresholds(frame[item].to_numpy())
        if len(values) < 2:
            raise ResponseDataError(f"column {item!r} has a single category; a polychoric correlation needs two.")
        cols.append((frame[item].to_numpy(), tau, values))
    p = len(items)
    r = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            xi, ti, vi = cols[i]
            xj, tj, vj = cols[j]
            r[i, j] = r[j, i] = _pair_rho(xi, xj, ti, tj, vi, vj)
    return pd.DataFrame(r, index=items, columns=items)
