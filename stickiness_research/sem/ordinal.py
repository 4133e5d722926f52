"""Sample statistics of ordered (Likert) items for WLSMV, exactly as lavaan computes them.

The first step of a categorical SEM fit (lavaan's ``lav_samplestats_from_data`` with ordered
variables, through ``muthen1984``): for one group of listwise-complete respondents,

1. univariate fits: thresholds of every ordered item (probit, no covariates: the normal quantiles
   of its cumulative proportions), mean and ML variance (divisor N) of every continuous variable;
2. bivariate fits with those held fixed: polychoric (ordered-ordered), polyserial
   (continuous-ordered) and Pearson (continuous-continuous) correlations;
3. the asymptotic covariance matrix of all these statistics (lavaan's NACOV, ``lavInspect(fit,
   "gamma")``) from the respondents' scores of the univariate and bivariate log-likelihoods, as a
   two-step M-estimator sandwich (Muthén 1984; Muthén & Satorra 1995), and the DWLS weights, the
   inverse of its diagonal (lavaan's ``WLS.VD``; ``lavInspect(fit, "wls.v")`` for DWLS).

Everything is vectorised over respondents; the loop runs over variable pairs only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special

from ..errors import (
    EstimationError,
    ModelSpecError,
    ParameterError,
    ResponseDataError,
    _warn_at_caller,
    did_you_mean,
)

__all__ = ["OrdinalStats", "ordinal_sample_stats"]

# lavaan's stand-in for an infinite threshold (lav_uvord: o1/o2 = +/-100). Finite on purpose:
# terms like dnorm(z1) * pnorm((z2 - rho * z1) / R) must be 0 * finite, not 0 * nan.
_OUTER = 100.0
# A correlation's Newton iteration ends with a step this small, taken: near the root Newton's error is
# squared each step, so the point after a step of 1e-9 is within ~1e-17 of the root (times the score's
# curvature ratio, of order one): one fewer pass over every pair than waiting for a step below rounding.
NEWTON_SETTLED = 1e-9
_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))
_EPS = float(np.finfo(float).eps)
_SQRT_2PI = float(np.sqrt(2 * np.pi))


def _dnorm(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / _SQRT_2PI


@dataclass(frozen=True, eq=False, repr=False)
class OrdinalStats:
    """Sample statistics of one group with ordered items, in lavaan's layout.

    Attributes
    ----------
    variables : tuple of str
        All variables in lavaan's order (``lavNames(fit, "ov")``); ``p`` of them.
    ordered, continuous : tuple of str
        The ordered items and the continuous variables, each in ``variables`` order.
    categories : dict of str to tuple
        The codes observed for each ordered item (over all rows, as lavaan's factor levels), in order.
    nobs : int
        Respondents used (complete on every variable).
    n_dropped : int
        Rows dropped for a missing value in any variable.
    missing : str
        ``"listwise"`` (lavaan 0.6's default for categorical data).
    thresholds : Series
        One entry per threshold, named ``item|t1``, ``item|t2``, ...; shape ``(n_thresholds,)``.
    means, variances : Series
        Mean and variance (divisor N) of each continuous variable; shape ``(n_continuous,)``.
    correlation : DataFrame
        Polychoric / polyserial / Pearson correlations, ``(p, p)``, unit diagonal.
    covariance : DataFrame
        lavaan's ``sampstat$cov``: the correlations rescaled by the continuous variables' standard
        deviations (ordered items have variance 1), ``(p, p)``.
    wls_obs : Series
        lavaan's ``WLS.obs``: thresholds and minus the means in variable order, the continuous
        variances, then the lower triangle of ``covariance`` by column, without the diagonal;
        shape ``(k,)`` with ``k = n_thresholds + 2 * n_continuous + p * (p - 1) / 2``.
    nacov : DataFrame or None
        lavaan's NACOV / ``lavInspect(fit, "gamma")``: N times the asymptotic covariance matrix of
        ``wls_obs``, ``(k, k)``, rows and columns named as ``wls_obs`` (None where only its diagonal was asked for:
        ``ordinal_sample_stats(..., full_nacov=False)``).
    dwls_weights : Series
        lavaan's ``WLS.VD``: ``1 / diag(nacov)``, shape ``(k,)``; :attr:`wls_v` is its diagonal matrix.
    """

    variables: tuple[str, ...]
    ordered: tuple[str, ...]
    continuous: tuple[str, ...]
    categories: dict[str, tuple]
    nobs: int
    n_dropped: int
    missing: str
    thresholds: pd.Series
    means: pd.Series
    variances: pd.Series
    correlation: pd.DataFrame
    covariance: pd.DataFrame
    wls_obs: pd.Series
    nacov: pd.DataFrame | None
    dwls_weights: pd.Series
    # conditional on observed covariates (lavaan's conditional.x, :func:`.ordinal_x.conditional_sample_stats`):
    # thresholds, intercepts, variances and correlations are then those of the residuals given the covariates
    exogenous: tuple[str, ...] = ()
    slopes: pd.DataFrame | None = None       # (p, n_exogenous): probit / linear regression slopes on the covariates
    exo_means: pd.Series | None = None       # the covariates' sample means
    exo_cov: pd.DataFrame | None = None      # and covariance matrix (divisor N - 1), lavaan's sampstat mean.x / cov.x

    def __repr__(self) -> str:
        return (f"OrdinalStats({len(self.variables)} variables ({len(self.ordered)} ordered, "
                f"{len(self.continuous)} continuous), nobs={self.nobs}, {len(self.wls_obs)} statistics, "
                f"missing={self.missing!r})")

    @property
    def wls_v(self) -> pd.DataFrame:
        """The DWLS weight matrix, ``diag(dwls_weights)``, ``(k, k)`` (``lavInspect(fit, "wls.v")``)."""
        names = self.dwls_weights.index
        return pd.DataFrame(np.diag(self.dwls_weights.to_numpy()), index=names, columns=names)


# ----------------------------------------------------------------------------------------------
# input checks


def _check_names(data: pd.DataFrame, ordered: Sequence[str], continuous: Sequence[str],
                 variables: Sequence[str] | None) -> tuple[list[str], list[str], list[str]]:
    def as_list(value: object, name: str) -> list[str]:
        if isinstance(value, str) or not isinstance(value, Sequence | pd.Index | np.ndarray):
            raise ParameterError(name, "ordinal_sample_stats", "a list of column names", value)
        out = list(value)
        if not all(isinstance(v, str) for v in out):
            raise ParameterError(name, "ordinal_sample_stats", "a list of column names (str)", value)
        return out

    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", "ordinal_sample_stats", "a pandas DataFrame", type(data).__name__)
    ordered_list = as_list(ordered, "ordered")
    continuous_list = as_list(continuous, "continuous")
    if not ordered_list:
        raise ParameterError("ordered", "ordinal_sample_stats", "a non-empty list of column names", ordered)
    for name, names in (("ordered", ordered_list), ("continuous", continuous_list)):
        seen = set()
        for item in names:
            if item in seen:
                raise ModelSpecError(f"item {item!r} is listed twice in {name}; list each variable once.")
            seen.add(item)
    both = [item for item in ordered_list if item in set(continuous_list)]
    if both:
        raise ModelSpecError(f"item {both[0]!r} is listed as both ordered and continuous; "
                             "treat it as one or the other.")
    wanted = ordered_list + continuous_list
    absent = [item for item in wanted if item not in data.columns]
    if absent:
        raise ModelSpecError(f"item {absent[0]!r} is not a column of the data; "
                             f"columns are {', '.join(map(str, data.columns[:12]))}"
                             f"{', ...' if len(data.columns) > 12 else ''}." + did_you_mean(absent[0], data.columns))
    if variables is None:
        wanted_set = set(wanted)
        order = [str(c) for c in data.columns if c in wanted_set]
    else:
        order = as_list(variables, "variables")
        if sorted(order) != sorted(wanted):
            raise ModelSpecError("the 'variables' order must list exactly the ordered and continuous "
                                 f"variables once each; got {order}, expected a permutation of {wanted}.")
    ordered_set = set(ordered_list)
    return order, [v for v in order if v in ordered_set], [v for v in order if v not in ordered_set]


def _ordered_codes(column: pd.Series, item: str) -> np.ndarray:
    """The item's observed codes, sorted; refuses non-numeric, non-integer and single-category items."""
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise ResponseDataError(f"ordered item {item!r} is not numeric (dtype {column.dtype}); "
                                "code its answers as integers (1 = lowest category).")
    values = column.to_numpy(dtype=float, na_value=np.nan)
    values = values[~np.isnan(values)]  # numpy, not pandas' dropna: this runs once per item per fit
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        row = column.dropna().index[np.argmax(bad)]
        row = row.item() if isinstance(row, np.generic) else row  # 7, not np.int64(7), in the message
        raise ResponseDataError(f"ordered item {item!r} has a non-integer code {values[bad][0]:g} "
                                f"(row {row!r}); ordered items take integer codes, one per category.")
    codes = np.unique(values)
    if len(codes) < 2:
        raise ResponseDataError(f"ordered item {item!r} has a single category"
                                f"{f' ({codes[0]:g})' if len(codes) else ''}; it needs at least two "
                                "to estimate a threshold. Drop the item or treat it as fixed.")
    return codes


def _numeric_columns(data: pd.DataFrame, items: Sequence[str]) -> list[str]:
    """The items whose column is numeric and not boolean (read from the dtypes at once: a column lookup per
    item costs more than the check)."""
    dtypes = dict(zip(map(str, data.columns), data.dtypes, strict=True))
    return [item for item in items
            if pd.api.types.is_numeric_dtype(dtypes[item]) and not pd.api.types.is_bool_dtype(dtypes[item])]


def _value_rows(data: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """The (numeric) items' answers as floats, one row per item, NaN where missing: ``(p, N)``. One copy of the
    frame's block when the items are its columns, in order, all of one numpy dtype (the fit's model frames);
    column by column otherwise (pandas' nullable integers, a few columns of a wide frame)."""
    dtypes = list(data.dtypes)
    if list(map(str, data.columns)) == list(items) and dtypes and all(d == dtypes[0] for d in dtypes) \
            and isinstance(dtypes[0], np.dtype):
        return np.array(data.to_numpy(dtype=float).T, order="C")
    return np.vstack([data[item].to_numpy(dtype=float, na_value=np.nan) for item in items])


def _distinct_answers(data: pd.DataFrame, items: Sequence[str],
                      values: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Each numeric (non-boolean) item's distinct answers, sorted, missing values left out; all items in one sort
    (per-item numpy and pandas calls were a tenth of a fit). Non-numeric items are absent. ``values``: the items'
    :func:`_value_rows`, if the caller has them (then every item is numeric)."""
    numeric = list(items) if values is not None else _numeric_columns(data, items)
    if not numeric:
        return {}
    values = np.sort(_value_rows(data, numeric) if values is None else values, axis=1)  # NaN last
    new = np.ones(values.shape, dtype=bool)  # the first of each run of equal answers, and not missing
    np.not_equal(values[:, 1:], values[:, :-1], out=new[:, 1:])
    new &= ~np.isnan(values)
    return {item: values[k, new[k]] for k, item in enumerate(numeric)}


def _ordered_code_sets(data: pd.DataFrame, items: Sequence[str],
                       values: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """:func:`_ordered_codes` of every item from :func:`_distinct_answers` (``values`` passed on); an item it would
    refuse (not numeric, a non-integer or infinite code, a single category) goes through it for its message."""
    distinct = _distinct_answers(data, items, values)
    out = {}
    for item in items:
        codes = distinct.get(item)
        fine = codes is not None and len(codes) >= 2 and bool(np.all(np.isfinite(codes) & (codes == np.round(codes))))
        out[item] = codes if fine else _ordered_codes(data[item], item)  # raises its error
    return out


# ----------------------------------------------------------------------------------------------
# step 1: univariate fits and their casewise scores (lavaan: lav_uvord_*, lav_uvreg_*)


@dataclass(frozen=True, eq=False)
class _Ordinal:
    """An ordered item's thresholds and answers; the per-answer arrays are made when first read (the
    batched polychoric path needs only ``tau``, ``cat`` and ``scores``)."""

    tau: np.ndarray          # (K - 1,) thresholds
    cat: np.ndarray          # (N,) category index 0..K-1

    @cached_property
    def _edges(self) -> np.ndarray:
        return np.concatenate([[-_OUTER], self.tau, [_OUTER]])

    @cached_property
    def z_upper(self) -> np.ndarray:
        """(N,) upper threshold of each answer (+100 for the top category)."""
        return self._edges[self.cat + 1]

    @cached_property
    def z_lower(self) -> np.ndarray:
        """(N,) lower threshold (-100 for the bottom category)."""
        return self._edges[self.cat]

    @cached_property
    def upper_is(self) -> np.ndarray:
        """(N, K-1) the answer's upper threshold is threshold t (lavaan's Y1)."""
        return self.cat[:, None] == np.arange(len(self.tau))[None, :]

    @cached_property
    def lower_is(self) -> np.ndarray:
        """(N, K-1) the answer's lower threshold is threshold t (lavaan's Y2)."""
        return (self.cat[:, None] - 1) == np.arange(len(self.tau))[None, :]

    @cached_property
    def scores(self) -> np.ndarray:
        """(N, K-1) d log P(answer) / d tau_t: computed per category, then given to each answer."""
        return self.category_scores[self.cat]

    @cached_property
    def category_scores(self) -> np.ndarray:
        """(K, K-1) d log P(answer) / d tau_t for an answer in each category."""
        k = np.arange(len(self.tau) + 1)  # the categories
        z_upper, z_lower = self._edges[k + 1], self._edges[k]
        # P(answer) = Phi(z_upper) - Phi(z_lower), from the upper tail where that is more precise (as lavaan)
        prob = np.where(z_lower > 1, special.ndtr(-z_lower) - special.ndtr(-z_upper),
                        special.ndtr(z_upper) - special.ndtr(z_lower))
        t = np.arange(len(self.tau))
        upper_is, lower_is = k[:, None] == t[None, :], (k[:, None] - 1) == t[None, :]
        return (upper_is * _dnorm(z_upper)[:, None] - lower_is * _dnorm(z_lower)[:, None]) / prob[:, None]


@dataclass(frozen=True, eq=False)
class _Continuous:
    y: np.ndarray
    mean: float
    var: float
    scores: np.ndarray       # (N, 2): d logL / d mean, d logL / d var


def _all_category_scores(items: Sequence[_Ordinal]) -> None:
    """Every item's :attr:`_Ordinal.category_scores` at once, stored as each item's cached value (per item, a
    dozen numpy calls on a 5 x 4 table were most of the univariate step). The same formula, on the items'
    thresholds padded with +100 to the widest item's; each item keeps its own categories and thresholds."""
    width = max(len(f.tau) for f in items)
    edges = np.full((len(items), width + 2), _OUTER)
    edges[:, 0] = -_OUTER
    for v, f in enumerate(items):
        edges[v, 1:len(f.tau) + 1] = f.tau
    z_upper, z_lower = edges[:, 1:], edges[:, :-1]  # (p, M + 1), per category
    with np.errstate(divide="ignore", invalid="ignore"):  # padded categories: 0 / 0, cut off below
        prob = np.where(z_lower > 1, special.ndtr(-z_lower) - special.ndtr(-z_upper),
                        special.ndtr(z_upper) - special.ndtr(z_lower))
        k, t = np.arange(width + 1)[:, None], np.arange(width)[None, :]
        table = ((k == t) * _dnorm(z_upper)[:, :, None] - (k - 1 == t) * _dnorm(z_lower)[:, :, None]) \
            / prob[:, :, None]
    for v, f in enumerate(items):
        f.__dict__["category_scores"] = table[v, :len(f.tau) + 1, :len(f.tau)]  # the cached_property's value


def _fit_ordinal(cat: np.ndarray, n_categories: int) -> _Ordinal:
    n = len(cat)
    counts = np.bincount(cat, minlength=n_categories)
    return _ordinal_given(special.ndtri(np.cumsum(counts)[:-1] / n), cat)


def _ordinal_given(tau: np.ndarray, cat: np.ndarray) -> _Ordinal:
    """An ordered item's answers ``cat`` with thresholds ``tau`` held fixed (a pair's rows, pairwise)."""
    return _Ordinal(tau, cat)


def _fit_continuous(y: np.ndarray) -> _Continuous:
    mean = float(y.mean())
    return _continuous_given(y, mean, float(np.mean((y - mean) ** 2)))


def _continuous_given(y: np.ndarray, mean: float, var: float) -> _Continuous:
    resid = y - mean
    scores = np.column_stack([resid / var, -1 / (2 * var) + resid**2 / (2 * var**2)])
    return _Continuous(y, mean, var, scores)


# ----------------------------------------------------------------------------------------------
# step 2: bivariate fits with the univariate parameters fixed, and their casewise scores


def _pbinorm(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Bivariate standard normal CDF P(X <= h, Y <= k), correlation rho, for arrays h, k.

    Owen's (1956) form ``(Phi(h) + Phi(k)) / 2 - T(h, a_h) - T(k, a_k) - beta`` with scipy's Owen's T:
    exact to rounding, like lavaan's pbivnorm (Genz's algorithm), and vectorised. Same formula as
    ``polychoric._phi2``, without its scipy.stats overhead (this is the inner loop of every fit).
    """
    h, k = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    root = np.sqrt(1 - rho * rho)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_h = (k - rho * h) / (h * root)
        a_k = (h - rho * k) / (k * root)
    # T(0, +/-inf) = +/-1/4: the limit where a threshold is exactly 0
    t_h = np.where(h == 0, 0.25 * np.sign(k - rho * h), special.owens_t(h, np.where(h == 0, 0.0, a_h)))
    t_k = np.where(k == 0, 0.25 * np.sign(h - rho * k), special.owens_t(k, np.where(k == 0, 0.0, a_k)))
    beta = np.where((h * k < 0) | ((h * k == 0) & (h + k < 0)), 0.5, 0.0)
    out = 0.5 * (special.ndtr(h) + special.ndtr(k)) - t_h - t_k - beta
    out = np.where((h == 0) & (k == 0), 0.25 + np.arcsin(rho) / (2 * np.pi), out)
    return np.clip(out, 0.0, 1.0)


# Genz's BVND Gauss-Legendre rules for |rho| below 0.3, 0.75 and 0.925: 6, 12 and 20 points, each ~1e-15
_GENZ_LIMITS = np.array([0.3, 0.75, 0.925])
_GENZ_RULES = [np.polynomial.legendre.leggauss(n) for n in (6, 12, 20)]


def _pbinorm_many(h: np.ndarray, k: np.ndarray, rho: np.ndarray) -> np.ndarray:
    """:func:`_pbinorm` for an array of correlations: ``h``, ``k`` ``(P, M, 1)``, ``(P, 1, M)``, ``rho``
    ``(P, 1, 1)``; see :func:`_genz_corners`."""
    h, k = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float))
    rho = np.broadcast_to(np.asarray(rho, dtype=float), h.shape[:1] + (1,) * (h.ndim - 1))
    return _genz_corners(h * k, (h * h + k * k) / 2, special.ndtr(h) * special.ndtr(k), rho.reshape(len(rho)),
                         lambda pick: _pbinorm(h[pick], k[pick], rho[pick]))


def _genz_corners(hk: np.ndarray, hs: np.ndarray, phk: np.ndarray, rho: np.ndarray,
                  near: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Bivariate normal CDFs at every corner of P tables: ``hk = h k``, ``hs = (h^2 + k^2) / 2`` and ``phk =
    Phi(h) Phi(k)``, each ``(P, ...)``, ``rho`` ``(P,)``; the polychoric fits' inner loop.

    Where ``|rho| < 0.925`` by the Drezner & Wesolowsky (1990) integral in Genz's (2004) form, as lavaan's
    pbivnorm computes it: ``Phi(h) Phi(k) + asin(rho) / (4 pi) sum_j w_j exp((h k s_j - (h^2 + k^2) / 2) /
    (1 - s_j^2))``, ``s_j = sin(asin(rho) (x_j + 1) / 2)``, with Genz's Gauss-Legendre rule for the size of
    rho (about three times faster than two Owen's T per value); ``near(pick)`` gives the pairs ``pick`` (a
    boolean mask) with a larger ``|rho|`` (:func:`_pbinorm`); NaN for a NaN correlation. The arguments are
    those of the thresholds alone, which a polychoric fit holds fixed while rho moves.
    """
    size = np.abs(rho)
    rule = np.where(np.isnan(size), 4, np.searchsorted(_GENZ_LIMITS, size, side="right"))  # 3: Owen's T
    out = np.empty(hk.shape)
    for r in np.unique(rule):
        everyone = len(rule) and rule[0] == r and (rule == r).all()  # views, not copies, when one rule serves all
        pick = slice(None) if everyone else rule == r
        if r == 4:
            out[pick] = np.nan
            continue
        if r == 3:
            out[pick] = near(rule == r)
            continue
        x, w = _GENZ_RULES[r]
        asr = np.arcsin(rho[pick])
        sn = np.sin(asr[:, None] * (x + 1) / 2)
        inv = 1 / (1 - sn * sn)
        extra = (slice(None),) + (None,) * (hk.ndim - 1) + (slice(None),)  # (P', n) -> (P', 1, ..., n)
        e = hk[pick][..., None] * (sn * inv)[extra]
        e -= hs[pick][..., None] * inv[extra]
        integral = np.exp(e, out=e) @ w
        integral *= (asr / (4 * np.pi)).reshape((-1,) + (1,) * (hk.ndim - 1))
        out[pick] = phk[pick] + integral
    return np.clip(out, 0.0, 1.0, out=out)


def _dbinorm(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Bivariate standard normal density at (h, k); lavaan caps |rho| at 0.9999 here."""
    rho = np.clip(rho, -0.9999, 0.9999)
    r = 1 - rho * rho
    return np.exp(-0.5 * (h * h - 2 * rho * h * k + k * k) / r) / (2 * np.pi * np.sqrt(r))


def _dbinorm_drho(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """d/d rho of the bivariate normal density (for Newton steps on the polychoric score)."""
    r = 1 - rho * rho
    q = h * h - 2 * rho * h * k + k * k
    return _dbinorm(h, k, rho) * (rho / r + h * k / r - q * rho / r**2)


def _cell_probabilities(tau1: np.ndarray, tau2: np.ndarray, rho: float) -> np.ndarray:
    """P(x1 in category a, x2 in category b), (K1, K2); floored at sqrt(eps) (lav_bvord_noexo_pi)."""
    inner = _pbinorm(tau1[:, None], tau2[None, :], rho)
    cdf = np.zeros((len(tau1) + 2, len(tau2) + 2))
    cdf[1:-1, 1:-1] = inner
    cdf[1:-1, -1] = special.ndtr(tau1)
    cdf[-1, 1:-1] = special.ndtr(tau2)
    cdf[-1, -1] = 1.0
    cells = cdf[1:, 1:] - cdf[:-1, 1:] - cdf[1:, :-1] + cdf[:-1, :-1]
    return np.maximum(cells, _SQRT_EPS)


def _cell_rectangles(corner: np.ndarray) -> np.ndarray:
    """Rectangle sums of a function given at the interior corners (zero on the outer edges)."""
    full = np.zeros((corner.shape[0] + 2, corner.shape[1] + 2))
    full[1:-1, 1:-1] = corner
    return full[1:, 1:] - full[:-1, 1:] - full[1:, :-1] + full[:-1, :-1]


def _score_root(score: Callable[[float], tuple[float, float]], lower: float, upper: float,
                start: float) -> float:
    """The maximum likelihood estimate of a correlation: the root of its score in (lower, upper).

    ``score(rho)`` returns the score and its derivative. Newton steps are kept inside the bracket
    the iterates establish (score > 0 below the root, < 0 above it), bisecting when a step would
    leave it or the curvature is not negative; a maximum at a bound ends at that bound. Solving the
    score, rather than minimising the log-likelihood (flat at its top), gives the estimate to
    rounding error.
    """
    lo, hi = lower, upper
    rho = min(max(start, lower + 1e-3), upper - 1e-3)
    for _ in range(200):
        g, dg = score(rho)
        if g == 0:
            return float(rho)
        if g > 0:
            lo = rho
        else:
            hi = rho
        new = rho - g / dg if np.isfinite(dg) and dg < 0 else np.nan
        if abs(new - rho) <= NEWTON_SETTLED:  # converged (it may touch the bracket's end): see NEWTON_SETTLED
            return float(new)
        if not lo < new < hi:
            new = (lo + hi) / 2
        if abs(new - rho) <= 1e-14 or hi - lo <= 1e-14:
            return float(new)
        rho = new
    return float(rho)


def _polychoric(a: _Ordinal, b: _Ordinal, names: tuple[str, str]) -> float:
    """Two-step polychoric correlation (lav_bvord_cor_twostep_fit: Olsson 1979, thresholds fixed)."""
    table = np.zeros((len(a.tau) + 1, len(b.tau) + 1))
    np.add.at(table, (a.cat, b.cat), 1.0)
    if table.shape == (2, 2):
        zeros = int(np.sum(table == 0))
        if zeros == 2:
            raise EstimationError(f"the 2 x 2 table of binary items {names[0]!r} and {names[1]!r} has two "
                                  "empty cells, so their tetrachoric correlation is +/-1; drop or merge one.")
        if zeros == 1:  # lavaan's zero.add = 0.5, keeping the margins
            sign = 1.0 if table[0, 0] == 0 or table[1, 1] == 0 else -1.0
            table = table + sign * np.array([[0.5, -0.5], [-0.5, 0.5]])
        if table[0, 0] * table[1, 1] == table[0, 1] * table[1, 0]:
            return 0.0
        if a.tau[0] == 0 and b.tau[0] == 0:
            return float(-np.cos(2 * np.pi * table[0, 0] / table.sum()))

    def evaluate(rho: np.ndarray, _which: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The score sum n_ab d log P_ab / d rho, its derivative and the log-likelihood, for _climb."""
        r = float(rho[0])
        prob = _cell_probabilities(a.tau, b.tau, r)
        phi = _cell_rectangles(_dbinorm(a.tau[:, None], b.tau[None, :], r))
        dphi = _cell_rectangles(_dbinorm_drho(a.tau[:, None], b.tau[None, :], r))
        live = np.where(prob <= _SQRT_EPS, 0.0, table)  # see _PolychoricBatch._solve
        return (np.array([np.sum(live * phi / prob)]), np.array([np.sum(live * (dphi / prob - (phi / prob) ** 2))]),
                np.array([np.sum(table * np.log(prob))]))

    # lavaan starts nlminb at the Pearson correlation of the codes
    with np.errstate(invalid="ignore", divide="ignore"):
        start = np.nan_to_num(np.corrcoef(a.cat, b.cat)[0, 1])
    return float(_climb(evaluate, -0.999, 0.999, np.array([start]))[0])


def _bvord_scores(a: _Ordinal, b: _Ordinal, rho: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Casewise scores of the pair's log-likelihood: d/d rho, d/d tau(a), d/d tau(b) (lav_bvord_cor_scores)."""
    r = np.sqrt(1 - rho * rho)
    lik = _cell_probabilities(a.tau, b.tau, rho)[a.cat, b.cat]
    lik = np.where(lik <= _SQRT_EPS, np.nan, lik)  # lavaan drops such answers from the sums
    phi = _cell_rectangles(_dbinorm(a.tau[:, None], b.tau[None, :], rho))
    d_rho = phi[a.cat, b.cat] / lik

    def d_tau(x: _Ordinal, y: _Ordinal) -> np.ndarray:
        upper = _dnorm(x.z_upper) * (special.ndtr((y.z_upper - rho * x.z_upper) / r)
                                     - special.ndtr((y.z_lower - rho * x.z_upper) / r))
        lower = _dnorm(x.z_lower) * (special.ndtr((y.z_upper - rho * x.z_lower) / r)
                                     - special.ndtr((y.z_lower - rho * x.z_lower) / r))
        return (x.upper_is * upper[:, None] - x.lower_is * lower[:, None]) / lik[:, None]

    return np.nan_to_num(d_rho), np.nan_to_num(d_tau(a, b)), np.nan_to_num(d_tau(b, a))


def _polyserial_parts(c: _Continuous, o: _Ordinal, rho: float):
    r = np.sqrt(1 - rho * rho)
    z = (c.y - c.mean) / np.sqrt(c.var)
    upper = (o.z_upper - rho * z) / r
    lower = (o.z_lower - rho * z) / r
    prob = np.maximum(special.ndtr(upper) - special.ndtr(lower), _EPS)
    return r, z, upper, lower, prob


def _polyserial_score(c: _Continuous, o: _Ordinal, rho: float) -> np.ndarray:
    r, z, upper, lower, prob = _polyserial_parts(c, o, rho)
    return (_dnorm(upper) * (o.z_upper * rho - z) - _dnorm(lower) * (o.z_lower * rho - z)) \
        / (prob * r**3)


def _polyserial_left_out(c: _Continuous, o: _Ordinal, rho: float) -> np.ndarray:
    """Respondents lavaan leaves out of the polyserial fit: likelihood below sqrt(eps) (lav_bvmix_lik_cache)."""
    density = _dnorm((c.y - c.mean) / np.sqrt(c.var)) / np.sqrt(c.var)
    return density * _polyserial_parts(c, o, rho)[4] < _SQRT_EPS


def _polyserial(c: _Continuous, o: _Ordinal) -> float:
    """Two-step polyserial correlation (lav_bvmix_cor_twostep_fit; Olsson, Drasgow & Dorans 1982).

    As lavaan, respondents whose likelihood ``dnorm(y; mean, sd) * P(answer | y)`` is below
    sqrt(eps) are left out of the fit (so it depends on the variable's scale: with a standard
    deviation in the thousands, answers beyond about 4 SD drop out); the casewise scores of the
    NACOV keep everyone. :func:`ordinal_sample_stats` warns when that happens.
    """

    def total(rho: float) -> float:
        return float(np.sum(_polyserial_score(c, o, rho)[~_polyserial_left_out(c, o, rho)]))

    def score(rho: float) -> tuple[float, float]:
        step = 1e-6  # central difference of the analytic score
        return total(rho), (total(rho + step) - total(rho - step)) / (2 * step)

    # lavaan's start: r(y, codes) * sd(codes) / sum(dnorm(thresholds)), halved beyond 0.9
    with np.errstate(invalid="ignore", divide="ignore"):
        start = np.corrcoef(c.y, o.cat)[0, 1] * np.std(o.cat) / np.sum(_dnorm(o.tau))
    start = 0.0 if not np.isfinite(start) else start / 2 if abs(start) > 0.9 else start
    return _score_root(score, -0.995, 0.995, float(start))


def _bvmix_scores(c: _Continuous, o: _Ordinal, rho: float) -> tuple[np.ndarray, ...]:
    """Casewise scores: d/d rho, d/d mean, d/d var (continuous), d/d tau (ordered) (lav_bvmix_cor_scores)."""
    r, z, upper, lower, prob = _polyserial_parts(c, o, rho)
    d_upper, d_lower = _dnorm(upper), _dnorm(lower)
    diff = (d_upper - d_lower) / prob
    d_mean = (z + rho / r * diff) / np.sqrt(c.var)
    d_var = ((z * z - 1) + rho * z / r * diff) / (2 * c.var)
    d_tau = (o.upper_is * d_upper[:, None] - o.lower_is * d_lower[:, None]) / (r * prob[:, None])
    return _polyserial_score(c, o, rho), d_mean, d_var, d_tau


def _bvreg_scores(c1: _Continuous, c2: _Continuous, rho: float) -> tuple[np.ndarray, ...]:
    """Casewise scores of the bivariate normal: d/d rho, d/d mean1, mean2, var1, var2 (lav_bvreg_cor_scores)."""
    r = 1 - rho * rho
    e1, e2 = c1.y - c1.mean, c2.y - c2.mean
    s1, s2 = np.sqrt(c1.var), np.sqrt(c2.var)
    q = e1 * e1 / c1.var - 2 * rho * e1 * e2 / (s1 * s2) + e2 * e2 / c2.var
    d_rho = rho / r + e1 * e2 / (s1 * s2 * r) - q * rho / r**2
    d_mean1 = (e1 / c1.var - rho * e2 / (s1 * s2)) / r
    d_mean2 = (e2 / c2.var - rho * e1 / (s1 * s2)) / r
    d_var1 = -(0.5 / c1.var - (e1 * e1 / c1.var**2 - rho * e1 * e2 / (c1.var * s1 * s2)) / (2 * r))
    d_var2 = -(0.5 / c2.var - (e2 * e2 / c2.var**2 - rho * e1 * e2 / (c2.var * s1 * s2)) / (2 * r))
    return d_rho, d_mean1, d_mean2, d_var1, d_var2


# ----------------------------------------------------------------------------------------------
# all polychoric pairs at once: the same fits and scores as _polychoric and _bvord_scores, batched
# over the pairs (per-pair numpy calls on tiny tables would dominate the run time otherwise)


def _climb(evaluate: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray]],
           lower: float, upper: float, start: np.ndarray, longest: float = 1.0) -> np.ndarray:
    """Maximum likelihood estimates of many correlations at once, each the maximum its log-likelihood climbs to
    from ``start``.

    ``evaluate(rho, which)`` gives the score, its derivative and the log-likelihood of the pairs ``which`` at
    ``rho``. Each pair takes Newton steps on its score, but a step only as long as a trust radius (0.1 at first,
    doubled after each step taken, up to ``longest``) and only if the log-likelihood does not fall (to rounding;
    steps of 1e-6 or less are taken without that test); a step that would lower it is tried again a quarter as
    long. So it climbs to the maximum nearest its start, as lavaan's nlminb does from the same start: a nearly
    separated table's likelihood, floored near +/-1, can rise again toward the bound past an interior maximum, and
    a free Newton step from afar could jump there (or onto the flat floor, where the scores vanish). Where the
    score is not concave the step goes uphill by the radius. A pair ends when its Newton step is NEWTON_SETTLED
    or less (that step taken: the root to rounding), at a bound, or when the radius falls below 1e-13; one that
    ends at a bound climbs again with steps of 0.1 at most and keeps the higher end. On tables whose likelihood is
    concave along the way (Newton's steps from Pearson's r are short and each one rises), the steps are Newton's.
    The callers' scores leave out cells on the likelihood's floor, as lavaan's gradient does.
    """
    x = np.minimum(np.maximum(start, lower + 1e-3), upper - 1e-3)  # the point taken last
    f = np.full(len(start), -np.inf)  # its log-likelihood
    radius = np.full(len(start), 0.1)
    trial = x.copy()
    out = x.copy()
    active = np.ones(len(start), dtype=bool)
    for _ in range(200):
        which = np.flatnonzero(active)
        if not len(which):
            break
        now = trial[which]
        g, dg, ll = evaluate(now, which)
        before = f[which]
        # taken unless the log-likelihood falls (-inf before: the start), or a step of 1e-6 or less, whose change
        # can be below the rounding of a log-likelihood with a cell of probability ~1e-7
        taken = ~(ll < before - 1e-12 * np.abs(before)) | (np.abs(now - x[which]) <= 1e-6)
        # a step that lowers the log-likelihood: back toward the point taken, a quarter as far
        back = which[~taken]
        radius[back] = np.abs(now[~taken] - x[back]) / 4
        trial[back] = x[back] + np.sign(now[~taken] - x[back]) * radius[back]
        stuck = back[radius[back] < 1e-13]
        out[stuck] = x[stuck]
        active[stuck] = False
        # a point taken: the next Newton step from it, within the radius
        up = which[taken]
        g, dg, now = g[taken], dg[taken], now[taken]
        radius[up] = np.where(np.isfinite(f[up]), np.minimum(2 * radius[up], longest), radius[up])
        x[up], f[up] = now, ll[taken]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = np.where(np.isfinite(dg) & (dg < 0), -g / dg, np.nan)
        settled = np.abs(newton) <= NEWTON_SETTLED  # the root to rounding: see NEWTON_SETTLED
        step = np.clip(np.where(np.isnan(newton), np.sign(g) * radius[up], newton), -radius[up], radius[up])
        new = np.minimum(np.maximum(now + step, lower), upper)
        done = settled | (new == now)
        out[up[done]] = np.where(settled[done], now[done] + newton[done], now[done])
        active[up[done]] = False
        trial[up[~done]] = new[~done]
    out[active] = x[active]
    if longest > 0.1:
        # a long step can jump past a narrow maximum onto the likelihood's floor, which then rises slowly to the
        # bound: a pair that ends there climbs again with steps of 0.1 at most, and keeps the end with the higher
        # likelihood (a bound that is truly higher, as lavaan also reaches, stays)
        ends = np.flatnonzero(np.abs(out) >= upper)
        if len(ends):
            again = _climb(lambda now, which: evaluate(now, ends[which]), lower, upper, start[ends], longest=0.1)
            inside = np.abs(again) < upper
            k = ends[inside]
            if len(k):
                at_bound = evaluate(out[k], k)[2]
                higher = evaluate(again[inside], k)[2] > at_bound + 1e-9 * np.abs(at_bound)  # beyond rounding
                out[k[higher]] = again[inside][higher]
    return out


class _PolychoricBatch:
    """All polychoric pairs of one group, fitted and scored together.

    Per pair the same as :func:`_polychoric` (lavaan's zero.add and the special cases of 2 x 2
    tables included) and :func:`_bvord_scores`, batched over the pairs: per-pair numpy calls on
    tiny tables would dominate the run time otherwise. The correlations are solved on the first
    request (:meth:`correlations`), all at once; the casewise
    scores depend only on each respondent's cell, so :meth:`scores` computes them per cell and
    gathers them.
    """

    def __init__(self, fits: Sequence[_Ordinal], names: Sequence[str], pairs: Sequence[tuple[int, int]]):
        self.names = list(names)
        width = max(len(f.tau) for f in fits)          # thresholds per item, padded to this many
        taus = np.full((len(fits), width), _OUTER)
        real = np.zeros((len(fits), width), dtype=bool)
        for v, f in enumerate(fits):
            taus[v, :len(f.tau)] = f.tau
            real[v, :len(f.tau)] = True
        self.fits = list(fits)
        self.width = width
        self.cats = np.vstack([f.cat for f in fits])  # (p, N): rows gathered below are contiguous
        self.first = np.array([i for i, _ in pairs], dtype=int)
        self.second = np.array([j for _, j in pairs], dtype=int)
        self.t1, self.t2 = taus[self.first], taus[self.second]
        self.v1, self.v2 = real[self.first], real[self.second]
        # all pairs' contingency tables, (P, M + 1, M + 1): blocks of X'X, X the respondents' answers one-hot
        # (N, p (M + 1)), one product for every table (exact: counts below 2^24 in float32, else float64)
        size, n = (width + 1) ** 2, self.cats.shape[1]
        onehot = np.zeros((n, len(fits) * (width + 1)), dtype=np.float32 if n < 2**24 else float)
        onehot[np.arange(n)[:, None], np.arange(len(fits)) * (width + 1) + self.cats.T] = 1
        tables = (onehot.T @ onehot).reshape(len(fits), width + 1, len(fits), width + 1)
        self.counts = tables[self.first, :, self.second, :].astype(float)  # (P, M + 1, M + 1)
        # for the casewise scores (see _codes)
        self._scaled = self.cats * (width + 1)
        bounds = np.flatnonzero(np.diff(self.second)) + 1
        self._blocks = list(zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(pairs)].tolist(), strict=True))
        self._offsets = np.arange(max(hi - lo for lo, hi in self._blocks)) * size
        # what the corners' CDFs and densities need that does not move with rho (the thresholds are held fixed);
        # padded thresholds (+100) give CDF Phi of the other threshold and density 0 there by themselves, except
        # on the Owen's T path (see _cells)
        h, k = self.t1[:, :, None], self.t2[:, None, :]
        self._hk, self._hs = h * k, (h * h + k * k) / 2
        self._n1, self._n2 = special.ndtr(self.t1), special.ndtr(self.t2)
        self._phk = self._n1[:, :, None] * self._n2[:, None, :]
        self._padded = not (self.v1.all() and self.v2.all())
        # each pair's last evaluation (see _cells): rho, and the corners' CDF, density and its rho-derivative
        self._last_rho = np.full(len(pairs), np.nan)
        self._last_cdf, self._last_dens, self._last_slope = (np.zeros(self._hk.shape) for _ in range(3))
        self._rho: np.ndarray | None = None
        self._errors: dict[int, EstimationError] = {}

    def _codes(self) -> Iterator[tuple[slice, np.ndarray]]:
        """Each block of pairs sharing their second item (lavaan's order keeps them together), and every respondent's
        cell in each of its pairs, offset by the pair's place in the block: ``(b, N)`` intp codes (as take reads
        them) in one reused buffer, valid until the next block. One block at a time, not a ``(P, N)`` array: its
        fresh pages cost more than the arithmetic."""
        buf = np.empty((len(self._offsets), self.cats.shape[1]), dtype=np.intp)
        for lo, hi in self._blocks:
            code = buf[:hi - lo]
            np.take(self._scaled, self.first[lo:hi], axis=0, out=code)
            code += self.cats[self.second[lo]]
            code += self._offsets[:hi - lo, None]
            yield slice(lo, hi), code

    def _cells(self, rho: np.ndarray, w: np.ndarray | None = None,
               slope: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """At correlations ``rho`` of the pairs ``w`` (all when None): cell probabilities (floored at sqrt(eps)),
        and the rectangle sums of the density and of its rho-derivative (if ``slope``), each ``(P, M + 1, M + 1)``;
        a padded threshold counts as +infinity, so its cells have probability 0 (floored) and density 0. Each real cell
        gets the value ``_cell_probabilities`` / ``_cell_rectangles`` give it."""
        sub = (lambda a: a) if w is None else (lambda a: a[w])  # noqa: E731
        hk, hs, t1, t2 = sub(self._hk), sub(self._hs), sub(self.t1), sub(self.t2)
        n_pairs, m1, m2 = hk.shape
        # the corners' CDFs: from the pair's last ones by Taylor's series in rho where it moved 1e-7 or less since
        # (the last Newton steps, the scores at the root): Phi2 + phi2 d + dphi2/drho d^2 / 2, whose error, below
        # |d^3 Phi2 / d rho^3| d^3 / 6 ~ 1e-20, is under rounding; by Genz's rules elsewhere
        at = np.arange(n_pairs) if w is None else w
        moved = rho - self._last_rho[at]
        near = np.abs(moved) <= 1e-7  # never evaluated: NaN, not near
        corners = np.empty(hk.shape)
        if near.any():
            d, k = moved[near][:, None, None], at[near]
            corners[near] = self._last_cdf[k] + d * (self._last_dens[k] + 0.5 * d * self._last_slope[k])
        if not near.all():
            far = slice(None) if not near.any() else ~near
            rf, tf1, tf2 = rho[far], t1[far], t2[far]
            corners[far] = _genz_corners(
                hk[far], hs[far], sub(self._phk)[far], rf,
                lambda pick: _pbinorm(tf1[pick][:, :, None], tf2[pick][:, None, :], rf[pick][:, None, None]))
        cdf = np.zeros((n_pairs, m1 + 2, m2 + 2))
        cdf[:, 1:-1, 1:-1] = corners
        cdf[:, 1:-1, -1] = sub(self._n1)
        cdf[:, -1, 1:-1] = sub(self._n2)
        cdf[:, -1, -1] = 1.0
        if self._padded:  # Owen's T at +100 is Phi of the other threshold only to rounding: made exact
            v1, v2 = sub(self.v1), sub(self.v2)
            cdf[:, 1:-1, :] = np.where(v1[:, :, None], cdf[:, 1:-1, :], cdf[:, -1:, :])
            cdf[:, :, 1:-1] = np.where(v2[:, None, :], cdf[:, :, 1:-1], cdf[:, :, -1:])
        prob = np.maximum(cdf[:, 1:, 1:] - cdf[:, :-1, 1:] - cdf[:, 1:, :-1] + cdf[:, :-1, :-1], _SQRT_EPS)

        def rectangles(corner: np.ndarray) -> np.ndarray:
            full = np.zeros((n_pairs, m1 + 2, m2 + 2))
            full[:, 1:-1, 1:-1] = corner
            return full[:, 1:, 1:] - full[:, :-1, 1:] - full[:, 1:, :-1] + full[:, :-1, :-1]

        # the density (lavaan caps |rho| at 0.9999 there) and its rho-derivative at the corners, as _dbinorm and
        # _dbinorm_drho: exp(-(hs - rho hk) / (1 - rho^2)) / (2 pi sqrt(1 - rho^2))
        r = rho[:, None, None]
        capped = np.clip(r, -0.9999, 0.9999)
        one = 1 - capped * capped
        dens = np.exp(-(hs - capped * hk) / one) / (2 * np.pi * np.sqrt(one))
        if not slope:
            return prob, rectangles(dens), None
        one = 1 - r * r
        ddens = dens * (r / one + hk / one - 2 * (hs - r * hk) * r / (one * one))
        self._last_rho[at], self._last_cdf[at], self._last_dens[at], self._last_slope[at] = rho, corners, dens, ddens
        return prob, rectangles(dens), rectangles(ddens)

    def correlations(self) -> np.ndarray:
        """Every pair's correlation (each as _polychoric), in the batch's order, solved together on the first
        call; the first pair that cannot be estimated raises."""
        if self._rho is None:
            self._solve()
        if self._errors:
            raise self._errors[min(self._errors)]
        return self._rho

    def _solve(self) -> None:
        n_pairs = len(self.first)
        table = self.counts.copy()
        rho = np.full(n_pairs, np.nan)
        solve = np.ones(n_pairs, dtype=bool)
        for k in np.flatnonzero((self.v1.sum(axis=1) == 1) & (self.v2.sum(axis=1) == 1)):  # 2 x 2 tables
            cells = table[k, :2, :2]
            zeros = int(np.sum(cells == 0))
            a, b = self.fits[self.first[k]], self.fits[self.second[k]]
            if zeros == 2:
                self._errors[k] = EstimationError(
                    f"the 2 x 2 table of binary items {self.names[self.first[k]]!r} and "
                    f"{self.names[self.second[k]]!r} has two empty cells, so their tetrachoric correlation "
                    "is +/-1; drop or merge one.")
                solve[k] = False
                continue
            if zeros == 1:  # lavaan's zero.add = 0.5, keeping the margins
                sign = 1.0 if cells[0, 0] == 0 or cells[1, 1] == 0 else -1.0
                cells = cells + sign * np.array([[0.5, -0.5], [-0.5, 0.5]])
                table[k, :2, :2] = cells
            if cells[0, 0] * cells[1, 1] == cells[0, 1] * cells[1, 0]:
                rho[k], solve[k] = 0.0, False
            elif a.tau[0] == 0 and b.tau[0] == 0:
                rho[k], solve[k] = float(-np.cos(2 * np.pi * cells[0, 0] / cells.sum())), False

        todo = np.flatnonzero(solve)

        def evaluate(now: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """sum n_ab d log P_ab / d rho, its derivative and the log-likelihood, for _climb"""
            w = todo[which]
            prob, phi, dphi = self._cells(now, None if len(w) == n_pairs else w)
            ratio = phi / prob
            counts = table if len(w) == n_pairs else table[w]
            # the score leaves out cells on the likelihood's floor (sqrt(eps)), as lavaan's gradient does
            # (lav_bvord_gradient_cache): the floor does not move with rho, so their answers add nothing to its slope
            live = np.where(prob <= _SQRT_EPS, 0.0, counts)
            return (np.sum(live * ratio, axis=(1, 2)), np.sum(live * (dphi / prob - ratio**2), axis=(1, 2)),
                    np.sum(counts * np.log(prob), axis=(1, 2)))

        if len(todo):
            # lavaan starts nlminb at the Pearson correlation of the codes
            with np.errstate(invalid="ignore", divide="ignore"):
                pearson = np.atleast_2d(np.corrcoef(self.cats))
            rho[todo] = _climb(evaluate, -0.999, 0.999, np.nan_to_num(pearson[self.first[todo], self.second[todo]]))
        self._rho = rho

    def scores(self, rho: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """At correlations ``rho`` (P,): the casewise scores d log L / d rho (P, N; written into ``out`` if
        given), and (P, M) sums over respondents of d_rho times d log L / d tau of the pair's first / second
        item."""
        t1, t2, counts = self.t1, self.t2, self.counts
        n_pairs = len(rho)
        prob, phi, _ = self._cells(rho, slope=False)
        lik = np.where(prob <= _SQRT_EPS, np.nan, prob)  # lavaan drops such answers from the sums
        d_rho_cell = np.nan_to_num(phi / lik)
        r = np.sqrt(1 - rho * rho)[:, None, None]
        rr = rho[:, None, None]
        e1 = np.concatenate([np.full((n_pairs, 1), -_OUTER), t1, np.full((n_pairs, 1), _OUTER)], axis=1)
        e2 = np.concatenate([np.full((n_pairs, 1), -_OUTER), t2, np.full((n_pairs, 1), _OUTER)], axis=1)

        def d_tau_cells(x_edges: np.ndarray, y_edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            """Per cell (a of x, b of y): the upper- and lower-threshold terms of d log L / d tau(x)."""
            # Phi((y_j - rho x_i) / r) on the grid of both items' edges: each cell's four values are in it
            grid = special.ndtr((y_edges[:, None, :] - rr * x_edges[:, :, None]) / r)
            dens = _dnorm(x_edges)[:, :, None]
            upper = dens[:, 1:] * (grid[:, 1:, 1:] - grid[:, 1:, :-1])
            lower = dens[:, :-1] * (grid[:, :-1, 1:] - grid[:, :-1, :-1])
            return upper, lower

        weight = counts * d_rho_cell

        def a21(upper: np.ndarray, lower: np.ndarray, axis: int) -> np.ndarray:
            # sum_i d_rho * d_tau_t: answers whose upper threshold is t, minus those whose lower one is
            su = np.sum(np.nan_to_num(weight * upper / lik), axis=axis)
            sl = np.sum(np.nan_to_num(weight * lower / lik), axis=axis)
            return su[:, :-1] - sl[:, 1:]

        up1, lo1 = d_tau_cells(e1, e2)                                  # (P, K1, K2), cells (a, b)
        up2, lo2 = (x.transpose(0, 2, 1) for x in d_tau_cells(e2, e1))  # back to cells (a, b)
        d_rho = np.empty((n_pairs, self.cats.shape[1])) if out is None else out
        flat = d_rho_cell.reshape(n_pairs, -1)
        for rows, code in self._codes():  # each respondent's value of his cell
            np.take(flat[rows].reshape(-1), code, out=d_rho[rows])
        return d_rho, a21(up1, lo1, 2), a21(up2, lo2, 1)


def _numeric_pair_scores(fi: _Ordinal | _Continuous, fj: _Ordinal | _Continuous, vi: str, vj: str, rho: float,
                         k: int, th_cols: dict[str, np.ndarray], var_cols: dict[str, int], h21: np.ndarray,
                         h22: np.ndarray, left_out: dict[str, int],
                         slopes: tuple[dict[str, np.ndarray], np.ndarray] | None = None):
    """The casewise scores of correlation ``k`` of a pair with a continuous variable (Pearson or polyserial) and,
    per margin statistic, the columns and scores A21 crosses it with; fills the pair's row of the correlations ->
    covariances Jacobian (``h21``, ``h22``) and counts the respondents a polyserial fit leaves out. ``slopes``:
    conditional.x's slope columns and covariates ``(N, q)`` (a slope's score is its intercept's times x; an ordered
    item's, minus its thresholds' summed times x)."""
    sl_cols, x = slopes if slopes is not None else ({}, None)

    def slope(v: str, d_intercept: np.ndarray) -> list:
        return [(sl_cols[v], d_intercept[:, None] * x)] if slopes is not None else []

    if isinstance(fi, _Continuous) and isinstance(fj, _Continuous):
        d_rho, d_mean_i, d_mean_j, d_var_i, d_var_j = _bvreg_scores(fi, fj, rho)
        blocks = ([(th_cols[vi], d_mean_i[:, None]), (th_cols[vj], d_mean_j[:, None])]
                  + slope(vi, d_mean_i) + slope(vj, d_mean_j)
                  + [(np.array([var_cols[vi]]), d_var_i[:, None]), (np.array([var_cols[vj]]), d_var_j[:, None])])
        sd_i, sd_j = np.sqrt(fi.var), np.sqrt(fj.var)
        h21[k, var_cols[vi]] = sd_j * rho / (2 * sd_i)
        h21[k, var_cols[vj]] = sd_i * rho / (2 * sd_j)
        h22[k] = sd_i * sd_j
        return d_rho, blocks
    num, vnum, ordi, vord = (fi, vi, fj, vj) if isinstance(fi, _Continuous) else (fj, vj, fi, vi)
    d_rho, d_mean, d_var, d_tau = _bvmix_scores(num, ordi, rho)
    left_out[vnum] = max(left_out.get(vnum, 0), int(np.sum(_polyserial_left_out(num, ordi, rho))))
    blocks = ([(th_cols[vnum], d_mean[:, None])] + slope(vnum, d_mean) + [(np.array([var_cols[vnum]]), d_var[:, None]),
              (th_cols[vord], d_tau)] + slope(vord, -d_tau.sum(axis=1)))
    h21[k, var_cols[vnum]] = rho / (2 * np.sqrt(num.var))
    h22[k] = np.sqrt(num.var)
    return d_rho, blocks


def _pair_correlation(fi: _Ordinal | _Continuous, fj: _Ordinal | _Continuous, vi: str, vj: str,
                      fixed_margins: bool = False) -> float:
    """The pair's correlation with the univariate fits held fixed (lav_samplestats_step2).

    ``fixed_margins``: the means and variances come from other rows than the pair's (pairwise), so
    the correlation of two continuous variables is the root of its score, not Pearson's r.
    """
    if isinstance(fi, _Ordinal) and isinstance(fj, _Ordinal):
        return _polychoric(fi, fj, (vi, vj))
    if isinstance(fi, _Continuous) and isinstance(fj, _Continuous):
        pearson = float(np.mean((fi.y - fi.mean) * (fj.y - fj.mean)) / np.sqrt(fi.var * fj.var))
        if not fixed_margins:  # the ML estimate is Pearson's r
            return pearson

        def score(rho: float) -> tuple[float, float]:
            step = 1e-6
            total = lambda r: float(np.sum(_bvreg_scores(fi, fj, r)[0]))  # noqa: E731
            return total(rho), (total(rho + step) - total(rho - step)) / (2 * step)

        return _score_root(score, -0.999, 0.999, float(np.clip(pearson, -0.99, 0.99)))
    if isinstance(fi, _Continuous):
        return _polyserial(fi, fj)
    return _polyserial(fj, fi)


# ----------------------------------------------------------------------------------------------


def _a11_inverse(inner: np.ndarray, blocks: dict[int, list[np.ndarray]], n_uni: int, order: Sequence[str],
                 th_cols: dict[str, np.ndarray], var_cols: dict[str, int], say, unit: np.ndarray) -> np.ndarray:
    """A11^-1 from its diagonal blocks (one per variable); a block that is singular gets its generalized inverse
    (singular values below sqrt(eps) times its largest dropped, as MASS::ginv), as lavaan's ``muthen1984`` falls
    back to ``ginv(A11)`` when ``solve(A11)`` fails. A binary item treated as continuous does this: its mean's and
    variance's scores are proportional, as ``(y - mean)^2`` is linear in y when y takes two values.

    Singular means: a statistic carries no information of its own (its diagonal entry times ``unit``, the square
    of its natural unit over N, below sqrt(eps): a 50/50 binary item's variance score is identically zero, whose
    rounding noise would otherwise look like information), or the block scaled to unit diagonal (the scores'
    correlations, free of the variable's unit) has an eigenvalue below sqrt(eps). R's ``solve`` decides from LAPACK's estimate of the condition number of the whole
    A11, which on such an exactly singular block is rounding noise (lavaan then either takes ``ginv`` or keeps an
    inverse of ~1e16 and degenerates) and which a variable in large units (an income) moves by its unit alone."""
    a11_inv = np.zeros((n_uni, n_uni))
    singular: list[np.ndarray] = []
    cut = np.sqrt(_EPS)
    for group in blocks.values():  # the blocks of one size, inverted together
        rows, cols = np.array(group)[:, :, None], np.array(group)[:, None, :]
        block = inner[rows, cols]
        if not np.all(np.isfinite(block)):
            raise EstimationError("the univariate statistics' scores are not finite (a variable with extreme values?); "
                                  "check the data, or rescale continuous variables.")
        diagonal = np.diagonal(block, axis1=1, axis2=2)
        scale = np.sqrt(diagonal)
        with np.errstate(all="ignore"):
            smallest = np.linalg.eigvalsh(block / (scale[:, :, None] * scale[:, None, :]))[:, 0]
        informed = (diagonal * unit[np.array(group)] >= cut).all(axis=1)
        regular = informed & (smallest >= cut)  # NaN (a zero score) is not
        if regular.any():
            a11_inv[rows[regular], cols[regular]] = np.linalg.inv(block[regular])
        for m in np.flatnonzero(~regular):
            a11_inv[np.ix_(group[m], group[m])] = np.linalg.pinv(block[m], rcond=cut, hermitian=True)
            singular.append(group[m])
    if singular:
        owner = {int(c): v for v in order for c in np.append(th_cols[v], var_cols.get(v, []))}
        names = sorted({owner[int(g[0])] for g in singular}, key=list(order).index)
        say(f"the information matrix of the univariate statistics of {', '.join(map(repr, names))} is singular, so a "
            "generalized inverse was used for the weight matrix, as lavaan does (\"trouble constructing W matrix\"); a "
            "binary item analysed as continuous does this (its mean and variance carry the same information): declare "
            "it ordered.")
    return a11_inv


def _two_step_nacov(scores_t: np.ndarray, n_uni: int, n: int, a21: np.ndarray, h21: np.ndarray, h22: np.ndarray,
                    a11_cols: dict[str, np.ndarray], unit: np.ndarray, uni_sign: np.ndarray, order: Sequence[str],
                    th_cols: dict[str, np.ndarray], var_cols: dict[str, int], pairs: Sequence[tuple[int, int]],
                    rhos: np.ndarray, say, diagonal: bool = False) -> np.ndarray:
    """NACOV from the scores' cross-products ``S = Z Z'`` (``scores_t``: Z, ``(k, N)``, one row per statistic,
    univariate ones first), the two-step sandwich of lavaan's ``muthen1984`` (see :func:`ordinal_sample_stats`).
    ``diagonal``: only NACOV's diagonal ``(k,)`` (the DWLS weights', all a bootstrap resample's refit needs), from
    the blocks S11, S12 and diag(S22): no k x k product. ``a11_cols``: each variable's univariate
    statistics (A11 is block diagonal over variables); ``unit``: each univariate statistic's information per
    respondent in its own unit (thresholds: z units; a mean: its variable's sd; a variance: its square), so that the
    singularity test does not depend on the data's units; ``uni_sign``: -1 where lavaan negates a statistic (a
    continuous variable's mean or intercept is minus its "threshold"); ``h21``, ``h22``: the correlations ->
    covariances Jacobian (continuous variables); ``pairs``/``rhos`` name the correlations in messages."""
    n_cor = len(pairs)
    continuous_items = list(var_cols)
    a11_blocks: dict[int, list[np.ndarray]] = {}  # A11 is block diagonal: one block per variable
    for cols in a11_cols.values():
        a11_blocks.setdefault(len(cols), []).append(cols)
    if diagonal:
        z_uni, z_cor = scores_t[:n_uni], scores_t[n_uni:]
        inner = z_uni @ z_uni.T  # S11: A11's blocks are read from it
        s12 = z_uni @ z_cor.T
        a22 = np.einsum("ij,ij->i", z_cor, z_cor)
    else:
        inner = scores_t @ scores_t.T
        a22 = inner.diagonal()[n_uni:].copy()
    # a correlation whose information per respondent is below rounding (its likelihood flat there: 1e-178 where
    # others have 1e-3 and more) has no sampling variance to speak of: NACOV holds ~1/0 for it (1e176 seen), its
    # weight 1/NACOV is nothing, and the robust test's traces can overflow. lavaan goes on with such numbers (or a
    # variance of 0) and a warning; so do we, with a warning naming the pair, but refuse a variance of exactly 1/0
    def flat_pair(k: int) -> str:
        i, j = pairs[k]
        return (f"the correlation of {order[i]!r} and {order[j]!r} ({rhos[k]:.3f}) sits where their likelihood is "
                "flat: every respondent's score for it is (nearly) zero, so its sampling variance is undefined")

    advice = ("Their answers are (nearly) separated, e.g. all of a rare category in one category of the other item: "
              "merge sparse categories or leave one item out.")
    with np.errstate(divide="ignore", over="ignore"):
        undefined = ~np.isfinite(1 / a22)  # 0, or so near it that 1 / a22 overflows
    if undefined.any():
        raise EstimationError(f"{flat_pair(int(np.flatnonzero(undefined)[0]))} (lavaan gives it variance 0 and "
                              f"weight 1/0). {advice}")
    for k in np.flatnonzero(a22 < n * _EPS):
        say(f"{flat_pair(int(k))}: the fit gives it almost no weight, and the robust test and fit measures that use "
            f"its variance are not to be trusted. {advice}")
    a11_inv = _a11_inverse(inner, a11_blocks, n_uni, order, th_cols, var_cols, say, unit / n)
    # acov = B^-1 S B^-T, block by block: B^-1 = [[A11^-1, 0], [C, D]], D = diag(1 / A22)
    c21 = -(a21 / a22[:, None]) @ a11_inv
    d22 = 1 / a22
    if diagonal:
        return _nacov_diagonal(inner, s12, a22, a11_inv, c21, d22, h21, h22, n, var_cols, unit, n_uni, flat_pair,
                               advice)
    s11, s12, s22 = inner[:n_uni, :n_uni], inner[:n_uni, n_uni:], inner[n_uni:, n_uni:]
    left = c21 @ s11 + d22[:, None] * s12.T       # second block row of B^-1 S, first block column
    a_uu, a_cu = a11_inv @ s11 @ a11_inv.T, left @ a11_inv.T
    # written over S itself, block by block once its blocks are used, and the correlations' block by bands of rows:
    # fresh k x k arrays cost more in page faults than the arithmetic on them (k is often hundreds)
    bands = [slice(lo, lo + 64) for lo in range(0, n_cor, 64)]
    for band in bands:
        rows = s22[band]
        rows *= d22[band, None]
        rows += c21[band] @ s12
        rows *= d22[None, :]
        rows += left[band] @ c21.T
    acov = inner
    if continuous_items:  # correlations -> covariances (delta method)
        acov[:n_uni, :n_uni] = a_uu
        acov[n_uni:, :n_uni] = a_cu
        acov[:n_uni, n_uni:] = a_cu.T
        h = np.eye(n_uni + n_cor)
        h[n_uni:, :n_uni] = h21
        h[n_uni:, n_uni:] = np.diag(h22)
        acov = h @ acov @ h.T
        sign = np.ones(n_uni + n_cor)
        sign[:n_uni] = uni_sign
        acov *= np.outer(sign, sign)
        nacov = np.add(acov, acov.T, out=acov)  # symmetric to rounding, made exactly so
    else:  # the same, A + A' block by block: the off-diagonal blocks are each other's transposes already
        acov[:n_uni, :n_uni] = a_uu + a_uu.T
        np.add(a_cu, a_cu, out=acov[n_uni:, :n_uni])
        acov[:n_uni, n_uni:] = acov[n_uni:, :n_uni].T
        for m, rows in enumerate(bands):  # A + A' block by block (in place at once it would copy A' first)
            for cols in bands[m:]:
                both = s22[rows, cols] + s22[cols, rows].T
                s22[rows, cols] = both
                s22[cols, rows] = both.T
        nacov = acov
    with np.errstate(over="ignore"):
        nacov *= n / 2
    _check_variances(np.diag(nacov), a22, var_cols, unit, n_uni, flat_pair, advice)
    return nacov


def _nacov_diagonal(s11: np.ndarray, s12: np.ndarray, a22: np.ndarray, a11_inv: np.ndarray, c21: np.ndarray,
                    d22: np.ndarray, h21: np.ndarray, h22: np.ndarray, n: int, var_cols: dict[str, int],
                    unit: np.ndarray, n_uni: int, flat_pair, advice: str) -> np.ndarray:
    """diag(NACOV) of :func:`_two_step_nacov`: with ``B^-1``'s second block row ``(C, D)``, a correlation's entry of
    ``B^-1 S B^-T`` is ``c S11 c' + 2 d c S12[:, k] + d^2 S22_kk``; continuous variables' rows of ``H`` add
    ``h A_uu h' + 2 h22 h A_cu[k] + h22^2 A_kk`` (the signs square away)."""
    with np.errstate(over="ignore", invalid="ignore"):
        cs11 = c21 @ s11
        a_uu = a11_inv @ s11 @ a11_inv.T
        a_cc = (cs11 * c21).sum(axis=1) + 2 * d22 * (c21 * s12.T).sum(axis=1) + d22 * d22 * a22
        if var_cols:  # continuous variables: their rows of H
            a_cu = (cs11 + d22[:, None] * s12.T) @ a11_inv.T
            a_cc = (h21 @ a_uu * h21).sum(axis=1) + 2 * h22 * (h21 * a_cu).sum(axis=1) + h22 * h22 * a_cc
        diag = n * np.concatenate([np.diag(a_uu), a_cc])
    _check_variances(diag, a22, var_cols, unit, n_uni, flat_pair, advice)
    return diag


def _check_variances(diag: np.ndarray, a22: np.ndarray, var_cols: dict[str, int], unit: np.ndarray, n_uni: int,
                     flat_pair, advice: str) -> None:
    """NACOV's diagonal is finite, and a continuous variable's variance has a sampling variance."""
    if not np.all(np.isfinite(diag)):  # a flat pair's variance beyond the float range (warned of above)
        bad = np.flatnonzero(~np.isfinite(diag[n_uni:]))
        k = int(bad[0]) if len(bad) else int(np.argmin(a22))
        raise EstimationError(f"{flat_pair(k)}: its sampling variance overflows. {advice}")
    for item in var_cols:  # on its own unit: N var(s^2) / s^4 is 2 for normal answers
        if not diag[var_cols[item]] / unit[var_cols[item]] >= np.sqrt(_EPS):
            raise EstimationError(f"the variance of {item!r} has no sampling variance: its answers take two values in "
                                  "equal shares, so their variance is fixed by their mean, and a weighted least "
                                  "squares fit cannot weigh it (lavaan fails too). Declare the item ordered.")


def ordinal_sample_stats(data: pd.DataFrame, ordered: Sequence[str], continuous: Sequence[str] = (), *,
                         variables: Sequence[str] | None = None, missing: str = "listwise",
                         warn: bool | list[str] = True, full_nacov: bool = True) -> OrdinalStats:
    """Thresholds, polychoric/polyserial correlations and their asymptotic covariance, as lavaan.

    The sample statistics lavaan fits a WLSMV (DWLS) model to, for one group, listwise-complete
    respondents (lavaan 0.6's default ``missing = "listwise"`` for categorical data):

    * **thresholds** of each ordered item: probit thresholds ``qnorm`` of its cumulative proportions;
    * **means and variances** (divisor N) of each continuous variable;
    * **correlations**, each by maximum likelihood with the univariate parameters held fixed
      (two-step): polychoric for two ordered items (Olsson 1979), polyserial for a continuous
      variable and an ordered item (Olsson, Drasgow & Dorans 1982), Pearson for two continuous ones;
      the covariance matrix rescales them by the continuous variables' standard deviations;
    * **NACOV** (``Gamma``): N times the asymptotic covariance of all of them, a two-step sandwich
      built from each respondent's scores ``s_i`` (``(N, k)``) of the univariate and bivariate
      log-likelihoods. With ``S = sum_i s_i s_i'``, ``A11`` the per-variable diagonal blocks of ``S``
      (thresholds, or mean and variance), ``A21`` the cross-products of each correlation's score with
      its two variables' scores and ``A22`` the diagonal of the correlations' block,
      ``B^-1 = [[A11^-1, 0], [-A22^-1 A21 A11^-1, A22^-1]]`` and
      ``NACOV = N * H B^-1 S B^-T H'``, where ``H`` is the Jacobian from correlations to covariances
      and the mean rows and columns are negated (lavaan's thresholds of a continuous variable are
      minus its mean). This is Muthén (1984) and Muthén & Satorra (1995) as lavaan's ``muthen1984()``
      computes it (``lav_samplestats_step1``, ``lav_samplestats_step2``, ``lav_uvord_scores``,
      ``lav_bvord_cor_scores``, ``lav_bvmix_cor_scores``, ``lav_bvreg_cor_scores``);
    * the **DWLS weights**: ``1 / diag(NACOV)`` (lavaan's ``WLS.VD``).

    Parameters
    ----------
    data : DataFrame
        One row per respondent. Ordered items hold integer codes (any integers: the categories are
        the codes observed, in order, over all rows, as lavaan's factor levels; unused codes in
        between do not make a category). Missing values are allowed; rows with any missing value in
        the variables used are dropped (listwise).
    ordered : list of str
        The ordered items (at least one).
    continuous : list of str, optional
        Continuous variables analysed with them.
    variables : list of str, optional
        The order of all variables (keyword only; lavaan's order is that of the model syntax). Default:
        their order in ``data``'s columns (lavaan's order for ``lavCor(data)``).
    missing : {"listwise", "pairwise"}
        ``"listwise"`` (lavaan 0.6's default) uses the rows complete on every variable;
        ``"pairwise"`` (lavaan ``missing = "pairwise"``) every row with an answer: thresholds, means and
        variances from each variable's answers, each correlation from the rows answering both, and
        in the NACOV a respondent's scores are zero where the statistic does not use them (N: the
        rows with at least one answer).
    warn : bool or list of str
        Emit the StickinessWarnings below (default True). False drops them (resampling loops, where they are not
        news); a list collects their messages instead (fit_sem's notes). Either way no process-wide warning state is
        touched, as ``warnings.catch_warnings`` would under other threads.
    full_nacov : bool
        False: only NACOV's diagonal is computed (the DWLS weights: all a bootstrap resample's refit needs, at a
        fraction of the cost of the k x k matrix); ``nacov`` is then None.

    Returns
    -------
    OrdinalStats
        Frozen; ``thresholds`` ``(n_thresholds,)``, ``means``/``variances`` ``(n_continuous,)``,
        ``correlation``/``covariance`` ``(p, p)``, ``wls_obs`` and ``dwls_weights`` ``(k,)``,
        ``nacov`` ``(k, k)`` with ``k = n_thresholds + 2 * n_continuous + p (p - 1) / 2``, all labelled
        with lavaan's names (``y1|t1``, ``c1~1``, ``c1~~c1``, ``y1~~y2``).

    Raises
    ------
    ParameterError
        ``ordered`` is empty or not a list of names.
    ModelSpecError
        A variable is not a column of ``data``, is listed twice, or is both ordered and continuous.
    ResponseDataError
        An ordered item is not numeric, has a non-integer code or a single category, or has a
        category with no answer left after listwise deletion (lavaan stops there too); a
        continuous variable is not numeric or has no variance; fewer than two complete rows.
    EstimationError
        Two binary items whose 2 x 2 table has two empty cells (correlation +/-1).

    Warns
    -----
    StickinessWarning
        An ordered item has more than 12 categories (lavaan's warning). The univariate statistics' information
        matrix (A11) is singular, e.g. a binary item analysed as continuous:
        a generalized inverse is used, as lavaan's ``muthen1984``. A correlation is (nearly) 1 in absolute value, or
        its likelihood is flat there. As in lavaan, respondents with extreme
        values of a continuous variable were left out of its polyserial fits because their
        likelihood is below sqrt(machine eps), a cut-off that depends on the variable's unit.

    Notes
    -----
    Each correlation is the root of its score to rounding error; lavaan's nlminb stops a little
    earlier, so correlations agree with lavaan to about 1e-7 and NACOV to about 1e-6 relative (and
    to 1e-9 given lavaan's correlations). Like nlminb, each fit climbs from Pearson's r of the codes and
    never takes a step that lowers the likelihood, so a nearly separated table, whose likelihood (floored
    near +/-1) can rise again toward the bound, ends at the maximum lavaan reaches. Where that
    likelihood is flat to rounding over a range, the end point within it is arbitrary, lavaan's too
    (its relative tolerance stops it earlier; 0.83 against our 0.98 on one such table, with
    log-likelihoods equal to 6e-9). Two binary items whose table has one empty cell get
    lavaan's ``zero.add`` (0.5 added, margins kept) before their tetrachoric correlation.

    Not (yet) covered: several groups in one call (fit_sem calls it per group), sampling weights, exogenous
    covariates (``conditional.x``), and lavaan's ``zero.add`` options other than its default.
    Non-integer codes are refused here, while lavaan would turn them into categories.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stickiness_research.sem.ordinal import ordinal_sample_stats
    >>> rng = np.random.default_rng(5)
    >>> z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], size=800)
    >>> df = pd.DataFrame({"a": np.digitize(z[:, 0], [-1, 0, 1]) + 1,
    ...                    "b": np.digitize(z[:, 1], [-.5, .8]) + 1, "c": 10 + 2 * z[:, 2]})
    >>> s = ordinal_sample_stats(df, ordered=["a", "b"], continuous=["c"])
    >>> list(s.wls_obs.index)
    ['a|t1', 'a|t2', 'a|t3', 'b|t1', 'b|t2', 'c~1', 'c~~c', 'a~~b', 'a~~c', 'b~~c']
    >>> s.wls_obs.round(3).tolist()
    [-0.994, 0.013, 1.015, -0.454, 0.755, -10.06, 3.808, 0.542, 0.664, 0.621]
    >>> s.dwls_weights.round(4).tolist()
    [0.4405, 0.6366, 0.4335, 0.5905, 0.5158, 0.2626, 0.0341, 1.311, 0.2478, 0.2177]

    Both agree with lavaan 0.6.14 to the digits shown (NACOV to 5e-9 on the correlation scale), in R
    with ``df`` written to CSV:
    ``fit <- lavaan::cfa("f =~ a + b + c", data = df, ordered = c("a", "b"), estimator = "WLSMV")``;
    ``lavInspect(fit, "wls.obs")``, ``lavInspect(fit, "gamma")``, ``diag(lavInspect(fit, "wls.v"))``.
    The test suite compares more cases (tests/reference/lavaan_ordinal_samplestats.R).
    """
    def say(message: str) -> None:  # a warning, or (warn a list) its message collected: no process-wide state
        if isinstance(warn, list):
            warn.append(message)
        elif warn:
            _warn_at_caller(message)

    order, ordered_items, continuous_items = _check_names(data, ordered, continuous, variables)
    # one float matrix, one row per variable, when every column is numeric (else the checks below refuse the data)
    values = _value_rows(data, order) if len(_numeric_columns(data, order)) == len(order) else None
    row = {v: k for k, v in enumerate(order)}
    categories = _ordered_code_sets(data, ordered_items,
                                    None if values is None else values[[row[v] for v in ordered_items]])
    for item in continuous_items:
        if not pd.api.types.is_numeric_dtype(data[item]) or pd.api.types.is_bool_dtype(data[item]):
            raise ResponseDataError(f"continuous variable {item!r} is not numeric (dtype {data[item].dtype}).")
    if missing not in ("listwise", "pairwise"):
        raise ParameterError("missing", "ordinal_sample_stats", "'listwise' or 'pairwise'", missing)
    pairwise = missing == "pairwise"
    present = ~np.isnan(values)
    values = values[:, present.any(axis=0) if pairwise else present.all(axis=0)]
    n = values.shape[1]
    if n < 2:
        raise ResponseDataError(f"only {n} row(s) are complete on {', '.join(order)}; "
                                "sample statistics need at least two.")
    answered = dict(zip(order, ~np.isnan(values), strict=True))  # all True when listwise
    rows_of = {item: np.flatnonzero(answered[item]) if pairwise else slice(None) for item in order}

    # step 1 ---------------------------------------------------------------------------------
    fits: dict[str, _Ordinal | _Continuous] = {}
    for v, item in enumerate(order):
        y = values[v]
        if pairwise:
            y = y[answered[item]]
            if len(y) < 2:
                raise ResponseDataError(f"{item!r} has {len(y)} answer(s); sample statistics need at least two.")
        if item in categories:
            codes = categories[item]
            cat = np.searchsorted(codes, y)
            counts = np.bincount(cat, minlength=len(codes))
            if (counts == 0).any():
                empty = codes[counts == 0][0]
                raise ResponseDataError(
                    f"ordered item {item!r}: category {empty:g} has no answers among the {n} complete rows "
                    f"(it occurs only in rows with a missing value); frequencies are {counts.tolist()}. "
                    "Merge it with a neighbouring category or keep those rows.")
            fits[item] = _fit_ordinal(cat, len(codes))
            if len(codes) > 12:  # lavaan's check in lav_data (the same cut-off)
                say(f"ordered item {item!r} has {len(codes)} categories, more than 12 (lavaan warns too): with that "
                    "many answers it is usually better analysed as continuous, or its categories merged.")
        else:
            fit = _fit_continuous(y)
            if not fit.var > 0:
                raise ResponseDataError(f"continuous variable {item!r} has no variance among the {n} complete rows.")
            fits[item] = fit
    if ordered_items:
        _all_category_scores([fits[v] for v in ordered_items])

    # columns of the univariate statistics: thresholds / mean per variable, then continuous variances
    th_cols: dict[str, np.ndarray] = {}
    names: list[str] = []
    for item in order:
        fit = fits[item]
        width = len(fit.tau) if isinstance(fit, _Ordinal) else 1
        th_cols[item] = np.arange(len(names), len(names) + width)
        names += [f"{item}|t{t + 1}" for t in range(width)] if isinstance(fit, _Ordinal) else [f"{item}~1"]
    var_cols = {item: len(names) + k for k, item in enumerate(continuous_items)}
    names += [f"{item}~~{item}" for item in continuous_items]
    n_uni = len(names)
    # every respondent's scores, one row per statistic (univariate, then correlations), so that rows are
    # written and read whole; scores_uni and scores_cor are views of it
    scores_t = np.zeros((n_uni + len(order) * (len(order) - 1) // 2, n))
    scores_uni, scores_cor = scores_t[:n_uni], scores_t[n_uni:]
    for item in order:
        fit = fits[item]
        rows = rows_of[item]  # a respondent's scores are zero for a statistic without his answer
        if isinstance(fit, _Ordinal):
            scores_uni[th_cols[item][0]:th_cols[item][-1] + 1, rows] = fit.category_scores.T[:, fit.cat]
        else:
            scores_uni[th_cols[item][0], rows] = fit.scores[:, 0]
            scores_uni[var_cols[item], rows] = fit.scores[:, 1]

    # step 2 (pairs in lavaan's order: lower triangle by column) -------------------------------
    p = len(order)
    second, first = np.triu_indices(p, 1)  # pairs (first, second) = (i, j), i > j, by j then i
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))
    n_cor = len(pairs)
    cor = np.eye(p)
    a21 = np.zeros((n_cor, n_uni))
    h21 = np.zeros((n_cor, n_uni))
    h22 = np.ones(n_cor)
    left_out: dict[str, int] = {}
    # pairs of ordered items are fitted together, on the first request of one of their correlations
    ordinal_index = {v: m for m, v in enumerate(ordered_items)}
    at_ordinal = np.array([ordinal_index.get(v, -1) for v in order])  # each variable's place among the ordered
    both_ordered = (at_ordinal[first] >= 0) & (at_ordinal[second] >= 0)
    poly_pairs = [] if pairwise else np.flatnonzero(both_ordered).tolist()

    def pair_fits(i: int, j: int):
        """The pair's two fits on the rows answering both (all rows when listwise), and those rows."""
        vi, vj = order[i], order[j]
        if not pairwise:
            return fits[vi], fits[vj], slice(None)
        both = answered[vi] & answered[vj]
        if both.sum() < 2:
            raise ResponseDataError(f"{vi!r} and {vj!r} are answered together by {int(both.sum())} respondent(s); "
                                    "their correlation needs more.")

        def restricted(v: str):
            fit, keep = fits[v], both[answered[v]]
            return (_ordinal_given(fit.tau, fit.cat[keep]) if isinstance(fit, _Ordinal)
                    else _continuous_given(fit.y[keep], fit.mean, fit.var))

        return restricted(vi), restricted(vj), np.flatnonzero(both)
    if poly_pairs:
        batch = _PolychoricBatch([fits[v] for v in ordered_items], ordered_items,
                                 list(zip(at_ordinal[first[poly_pairs]].tolist(),
                                          at_ordinal[second[poly_pairs]].tolist(), strict=True)))
    rhos = np.zeros(n_cor)
    poly_set = set(poly_pairs)
    others = [k for k in range(n_cor) if k not in poly_set]  # pairs fitted one at a time
    if poly_pairs:  # all at once; the first pair (in lavaan's order) that cannot be estimated stops it
        rhos[poly_pairs] = batch.correlations()
    for k in others:
        fi, fj, _ = pair_fits(*pairs[k])
        rhos[k] = _pair_correlation(fi, fj, order[pairs[k][0]], order[pairs[k][1]], fixed_margins=pairwise)
    for k in np.flatnonzero(np.abs(rhos) > 0.99):
        i, j = pairs[k]
        say(f"the correlation of {order[i]!r} and {order[j]!r} is (nearly) 1 ({rhos[k]:.4f}).")
    cor[first, second] = cor[second, first] = rhos
    names += [f"{order[j]}~~{order[i]}" for i, j in pairs]
    if poly_pairs:  # their scores and A21 blocks, placed in one step each
        whole = len(poly_pairs) == n_cor  # every pair ordinal: the scores go straight into their rows
        poly_d_rho, poly_a21_first, poly_a21_second = batch.scores(rhos[poly_pairs], scores_cor if whole else None)
        if not whole:
            scores_cor[poly_pairs] = poly_d_rho
        start = np.array([th_cols[v][0] for v in order])
        width = np.array([len(th_cols[v]) for v in order])
        ks = np.array(poly_pairs)
        for var, block in ((first[ks], poly_a21_first), (second[ks], poly_a21_second)):
            m, t = np.nonzero(np.arange(block.shape[1])[None, :] < width[var][:, None])
            a21[ks[m], start[var][m] + t] = block[m, t]
    for k in others:
        i, j = pairs[k]
        vi, vj = order[i], order[j]
        fi, fj, rows = pair_fits(i, j)
        rho = float(rhos[k])
        if isinstance(fi, _Ordinal) and isinstance(fj, _Ordinal):  # pairwise: one pair at a time
            d_rho, d_tau_i, d_tau_j = _bvord_scores(fi, fj, rho)
            blocks = [(th_cols[vi], d_tau_i), (th_cols[vj], d_tau_j)]
        else:
            d_rho, blocks = _numeric_pair_scores(fi, fj, vi, vj, rho, k, th_cols, var_cols, h21, h22, left_out)
        scores_cor[k, rows] = d_rho
        for cols, block in blocks:  # A21: cross-products of the correlation's score with its margins'
            a21[k, cols] = d_rho @ block

    for item, count in left_out.items():
        if count:
            say(f"up to {count} respondent(s) with extreme values of {item!r} are left out of its polyserial "
                "correlations, as lavaan does where their likelihood is below sqrt(machine eps); that cut-off depends "
                "on the variable's unit, so check these values or rescale the variable.")

    # sandwich ----------------------------------------------------------------------------------
    if poly_pairs:
        del poly_d_rho
    uni_sign = np.ones(n_uni)
    for item in continuous_items:
        uni_sign[th_cols[item]] = -1.0
    unit = np.ones(n_uni)
    for item in continuous_items:
        unit[th_cols[item][0]], unit[var_cols[item]] = fits[item].var, fits[item].var ** 2
    a11_cols = {item: th_cols[item] if item not in var_cols else np.append(th_cols[item], var_cols[item])
                for item in order}
    nacov = _two_step_nacov(scores_t, n_uni, n, a21, h21, h22, a11_cols, unit, uni_sign, order, th_cols, var_cols,
                            pairs, rhos, say, diagonal=not full_nacov)
    # the scores' memory goes back to the allocator before the results' arrays
    del scores_t, scores_uni, scores_cor
    diag = np.diag(nacov) if full_nacov else nacov

    # results -----------------------------------------------------------------------------------
    sd = np.array([np.sqrt(fits[v].var) if isinstance(fits[v], _Continuous) else 1.0 for v in order])
    cov = cor * np.outer(sd, sd)
    # one index per set of labels, shared by the frames that carry it (building an index from strings is most of
    # the cost of a small Series)
    labels, variables = pd.Index(names), pd.Index(order)
    th_at = np.concatenate([th_cols[v] for v in ordered_items])
    thresholds = pd.Series(np.concatenate([fits[v].tau for v in ordered_items]), index=labels[th_at], name="threshold")
    kept = pd.Index(continuous_items)
    means = pd.Series(np.array([fits[v].mean for v in continuous_items], dtype=float), index=kept, name="mean")
    variances = pd.Series(np.array([fits[v].var for v in continuous_items], dtype=float), index=kept,
                          name="variance")
    uni = np.zeros(n_uni)
    for v in order:
        uni[th_cols[v]] = fits[v].tau if isinstance(fits[v], _Ordinal) else -fits[v].mean
        if v in var_cols:
            uni[var_cols[v]] = fits[v].var
    wls_obs = pd.Series(np.concatenate([uni, cov[first, second]]), index=labels, name="wls_obs")
    return OrdinalStats(
        variables=tuple(order), ordered=tuple(ordered_items), continuous=tuple(continuous_items),
        categories={item: tuple(codes.tolist()) for item, codes in categories.items()},
        nobs=n, n_dropped=len(data) - n, missing=missing,
        thresholds=thresholds, means=means, variances=variances,
        correlation=pd.DataFrame(cor, index=variables, columns=variables),
        covariance=pd.DataFrame(cov, index=variables, columns=variables),
        wls_obs=wls_obs, nacov=pd.DataFrame(nacov, index=labels, columns=labels) if full_nacov else None,
        dwls_weights=pd.Series(1 / diag, index=labels, name="dwls_weight"))
