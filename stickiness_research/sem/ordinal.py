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

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError, ModelSpecError, ParameterError, ResponseDataError, StickinessWarning

__all__ = ["OrdinalStats", "ordinal_sample_stats"]

# lavaan's stand-in for an infinite threshold (lav_uvord: o1/o2 = +/-100). Finite on purpose:
# terms like dnorm(z1) * pnorm((z2 - rho * z1) / R) must be 0 * finite, not 0 * nan.
_OUTER = 100.0
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
    nacov : DataFrame
        lavaan's NACOV / ``lavInspect(fit, "gamma")``: N times the asymptotic covariance matrix of
        ``wls_obs``, ``(k, k)``, rows and columns named as ``wls_obs``.
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
    nacov: pd.DataFrame
    dwls_weights: pd.Series

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
                             f"{', ...' if len(data.columns) > 12 else ''}.")
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
    values = column.dropna().to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values != np.round(values))
    if bad.any():
        row = column.dropna().index[np.argmax(bad)]
        raise ResponseDataError(f"ordered item {item!r} has a non-integer code {values[bad][0]:g} "
                                f"(row {row!r}); ordered items take integer codes, one per category.")
    codes = np.unique(values)
    if len(codes) < 2:
        raise ResponseDataError(f"ordered item {item!r} has a single category"
                                f"{f' ({codes[0]:g})' if len(codes) else ''}; it needs at least two "
                                "to estimate a threshold. Drop the item or treat it as fixed.")
    return codes


# ----------------------------------------------------------------------------------------------
# step 1: univariate fits and their casewise scores (lavaan: lav_uvord_*, lav_uvreg_*)


@dataclass(frozen=True, eq=False)
class _Ordinal:
    tau: np.ndarray          # (K - 1,) thresholds
    cat: np.ndarray          # (N,) category index 0..K-1
    z_upper: np.ndarray      # (N,) upper threshold of each answer (+100 for the top category)
    z_lower: np.ndarray      # (N,) lower threshold (-100 for the bottom category)
    upper_is: np.ndarray     # (N, K-1) answer's upper threshold is threshold t (lavaan's Y1)
    lower_is: np.ndarray     # (N, K-1) answer's lower threshold is threshold t (lavaan's Y2)
    scores: np.ndarray       # (N, K-1) d log P(answer) / d tau_t


@dataclass(frozen=True, eq=False)
class _Continuous:
    y: np.ndarray
    mean: float
    var: float
    scores: np.ndarray       # (N, 2): d logL / d mean, d logL / d var


def _fit_ordinal(cat: np.ndarray, n_categories: int) -> _Ordinal:
    n = len(cat)
    counts = np.bincount(cat, minlength=n_categories)
    tau = special.ndtri(np.cumsum(counts)[:-1] / n)
    edges = np.concatenate([[-_OUTER], tau, [_OUTER]])
    z_upper, z_lower = edges[cat + 1], edges[cat]
    t = np.arange(n_categories - 1)
    upper_is = cat[:, None] == t[None, :]
    lower_is = (cat[:, None] - 1) == t[None, :]
    # P(answer) = Phi(z_upper) - Phi(z_lower), from the upper tail where that is more precise (as lavaan)
    prob = np.where(z_lower > 1, special.ndtr(-z_lower) - special.ndtr(-z_upper),
                    special.ndtr(z_upper) - special.ndtr(z_lower))
    scores = (upper_is * _dnorm(z_upper)[:, None] - lower_is * _dnorm(z_lower)[:, None])
    return _Ordinal(tau, cat, z_upper, z_lower, upper_is, lower_is, scores / prob[:, None])


def _fit_continuous(y: np.ndarray) -> _Continuous:
    mean = float(y.mean())
    resid = y - mean
    var = float(np.mean(resid**2))
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


def _dbinorm(h: np.ndarray, k: np.ndarray, rho: float) -> np.ndarray:
    """Bivariate standard normal density at (h, k); lavaan caps |rho| at 0.9999 here."""
    rho = float(np.clip(rho, -0.9999, 0.9999))
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

    def score(rho: float) -> tuple[float, float]:  # sum of n_ab d log P_ab / d rho, and its derivative
        prob = _cell_probabilities(a.tau, b.tau, rho)
        phi = _cell_rectangles(_dbinorm(a.tau[:, None], b.tau[None, :], rho))
        dphi = _cell_rectangles(_dbinorm_drho(a.tau[:, None], b.tau[None, :], rho))
        return float(np.sum(table * phi / prob)), float(np.sum(table * (dphi / prob - (phi / prob) ** 2)))

    # lavaan starts nlminb at the Pearson correlation of the codes, within (-0.999, 0.999)
    with np.errstate(invalid="ignore", divide="ignore"):
        start = np.corrcoef(a.cat, b.cat)[0, 1]
    return _score_root(score, -0.999, 0.999, float(np.nan_to_num(start)))


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


def _pair_correlation(fi: _Ordinal | _Continuous, fj: _Ordinal | _Continuous, vi: str, vj: str) -> float:
    """The pair's correlation with the univariate fits held fixed (lav_samplestats_step2)."""
    if isinstance(fi, _Ordinal) and isinstance(fj, _Ordinal):
        return _polychoric(fi, fj, (vi, vj))
    if isinstance(fi, _Continuous) and isinstance(fj, _Continuous):  # the ML estimate is Pearson's r
        return float(np.mean((fi.y - fi.mean) * (fj.y - fj.mean)) / np.sqrt(fi.var * fj.var))
    if isinstance(fi, _Continuous):
        return _polyserial(fi, fj)
    return _polyserial(fj, fi)


# ----------------------------------------------------------------------------------------------


def ordinal_sample_stats(data: pd.DataFrame, ordered: Sequence[str], continuous: Sequence[str] = (), *,
                         variables: Sequence[str] | None = None) -> OrdinalStats:
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
        Two binary items whose 2 x 2 table has two empty cells (correlation +/-1), or a singular
        information matrix of the univariate statistics (lavaan falls back to a generalised inverse).

    Warns
    -----
    StickinessWarning
        A correlation is (nearly) 1 in absolute value; or, as in lavaan, respondents with extreme
        values of a continuous variable were left out of its polyserial fits because their
        likelihood is below sqrt(machine eps), a cut-off that depends on the variable's unit.

    Notes
    -----
    Each correlation is the root of its score to rounding error; lavaan's nlminb stops a little
    earlier, so correlations agree with lavaan to about 1e-7 and NACOV to about 1e-6 relative (and
    to 1e-9 given lavaan's correlations). Two binary items whose table has one empty cell get
    lavaan's ``zero.add`` (0.5 added, margins kept) before their tetrachoric correlation.

    Not (yet) covered: ``missing = "pairwise"``, several groups, sampling weights, exogenous
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
    order, ordered_items, continuous_items = _check_names(data, ordered, continuous, variables)
    categories = {item: _ordered_codes(data[item], item) for item in ordered_items}
    for item in continuous_items:
        if not pd.api.types.is_numeric_dtype(data[item]) or pd.api.types.is_bool_dtype(data[item]):
            raise ResponseDataError(f"continuous variable {item!r} is not numeric (dtype {data[item].dtype}).")
    frame = data[order].dropna()
    n = len(frame)
    if n < 2:
        raise ResponseDataError(f"only {n} row(s) are complete on {', '.join(order)}; "
                                "sample statistics need at least two.")

    # step 1 ---------------------------------------------------------------------------------
    fits: dict[str, _Ordinal | _Continuous] = {}
    for item in order:
        y = frame[item].to_numpy(dtype=float)
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
        else:
            fit = _fit_continuous(y)
            if not fit.var > 0:
                raise ResponseDataError(f"continuous variable {item!r} has no variance among the {n} complete rows.")
            fits[item] = fit

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
    scores_uni = np.zeros((n, n_uni))
    for item in order:
        fit = fits[item]
        if isinstance(fit, _Ordinal):
            scores_uni[:, th_cols[item]] = fit.scores
        else:
            scores_uni[:, th_cols[item][0]] = fit.scores[:, 0]
            scores_uni[:, var_cols[item]] = fit.scores[:, 1]

    # step 2 (pairs in lavaan's order: lower triangle by column) -------------------------------
    p = len(order)
    pairs = [(i, j) for j in range(p) for i in range(j + 1, p)]
    n_cor = len(pairs)
    cor = np.eye(p)
    scores_cor = np.zeros((n, n_cor))
    a21 = np.zeros((n_cor, n_uni))
    h21 = np.zeros((n_cor, n_uni))
    h22 = np.ones(n_cor)
    left_out: dict[str, int] = {}
    for k, (i, j) in enumerate(pairs):
        vi, vj = order[i], order[j]
        fi, fj = fits[vi], fits[vj]
        names.append(f"{vj}~~{vi}")
        rho = _pair_correlation(fi, fj, vi, vj)
        blocks: list[tuple[np.ndarray, np.ndarray]] = []  # (columns, their casewise scores)
        if isinstance(fi, _Ordinal) and isinstance(fj, _Ordinal):
            d_rho, d_tau_i, d_tau_j = _bvord_scores(fi, fj, rho)
            blocks = [(th_cols[vi], d_tau_i), (th_cols[vj], d_tau_j)]
        elif isinstance(fi, _Continuous) and isinstance(fj, _Continuous):
            d_rho, d_mean_i, d_mean_j, d_var_i, d_var_j = _bvreg_scores(fi, fj, rho)
            blocks = [(th_cols[vi], d_mean_i[:, None]), (th_cols[vj], d_mean_j[:, None]),
                      (np.array([var_cols[vi]]), d_var_i[:, None]), (np.array([var_cols[vj]]), d_var_j[:, None])]
            sd_i, sd_j = np.sqrt(fi.var), np.sqrt(fj.var)
            h21[k, var_cols[vi]] = sd_j * rho / (2 * sd_i)
            h21[k, var_cols[vj]] = sd_i * rho / (2 * sd_j)
            h22[k] = sd_i * sd_j
        else:
            num, vnum, ordi, vord = (fi, vi, fj, vj) if isinstance(fi, _Continuous) else (fj, vj, fi, vi)
            d_rho, d_mean, d_var, d_tau = _bvmix_scores(num, ordi, rho)
            left_out[vnum] = max(left_out.get(vnum, 0), int(np.sum(_polyserial_left_out(num, ordi, rho))))
            blocks = [(th_cols[vnum], d_mean[:, None]), (np.array([var_cols[vnum]]), d_var[:, None]),
                      (th_cols[vord], d_tau)]
            h21[k, var_cols[vnum]] = rho / (2 * np.sqrt(num.var))
            h22[k] = np.sqrt(num.var)
        if abs(rho) > 0.99:
            warnings.warn(f"the correlation of {vi!r} and {vj!r} is (nearly) 1 ({rho:.4f}).",
                          StickinessWarning, stacklevel=2)
        cor[i, j] = cor[j, i] = rho
        scores_cor[:, k] = d_rho
        for cols, block in blocks:  # A21: cross-products of the correlation's score with its margins'
            a21[k, cols] = d_rho @ block

    for item, count in left_out.items():
        if count:
            warnings.warn(f"up to {count} respondent(s) with extreme values of {item!r} are left out of its "
                          "polyserial correlations, as lavaan does where their likelihood is below sqrt(machine "
                          "eps); that cut-off depends on the variable's unit, so check these values or rescale "
                          "the variable.", StickinessWarning, stacklevel=2)

    # sandwich ----------------------------------------------------------------------------------
    scores = np.hstack([scores_uni, scores_cor])
    inner = scores.T @ scores
    a11 = np.zeros((n_uni, n_uni))
    for item in order:
        cols = th_cols[item] if item not in var_cols else np.append(th_cols[item], var_cols[item])
        a11[np.ix_(cols, cols)] = inner[np.ix_(cols, cols)]
    a22 = np.sum(scores_cor**2, axis=0)
    if np.any(a22 == 0):
        raise EstimationError("a correlation's scores are all zero; its sampling variance is undefined.")
    try:
        a11_inv = np.linalg.inv(a11)
    except np.linalg.LinAlgError as exc:
        raise EstimationError("the thresholds' information matrix is singular; "
                              "check for items with (nearly) empty categories.") from exc
    b_inv = np.zeros((n_uni + n_cor, n_uni + n_cor))
    b_inv[:n_uni, :n_uni] = a11_inv
    b_inv[n_uni:, n_uni:] = np.diag(1 / a22)
    b_inv[n_uni:, :n_uni] = -(a21 / a22[:, None]) @ a11_inv
    acov = b_inv @ inner @ b_inv.T
    if continuous_items:  # correlations -> covariances (delta method)
        h = np.eye(n_uni + n_cor)
        h[n_uni:, :n_uni] = h21
        h[n_uni:, n_uni:] = np.diag(h22)
        acov = h @ acov @ h.T
    sign = np.ones(n_uni + n_cor)
    for item in continuous_items:
        sign[th_cols[item]] = -1.0
    nacov = n * acov * np.outer(sign, sign)
    nacov = (nacov + nacov.T) / 2

    # results -----------------------------------------------------------------------------------
    sd = np.array([np.sqrt(fits[v].var) if isinstance(fits[v], _Continuous) else 1.0 for v in order])
    cov = cor * np.outer(sd, sd)
    thresholds = pd.Series(np.concatenate([fits[v].tau for v in ordered_items]),
                           index=[names[c] for v in ordered_items for c in th_cols[v]], name="threshold")
    means = pd.Series([fits[v].mean for v in continuous_items], index=continuous_items, name="mean", dtype=float)
    variances = pd.Series([fits[v].var for v in continuous_items], index=continuous_items, name="variance",
                          dtype=float)
    uni = np.zeros(n_uni)
    for v in order:
        uni[th_cols[v]] = fits[v].tau if isinstance(fits[v], _Ordinal) else -fits[v].mean
        if v in var_cols:
            uni[var_cols[v]] = fits[v].var
    wls_obs = pd.Series(np.concatenate([uni, [cov[i, j] for i, j in pairs]]), index=names, name="wls_obs")
    diag = np.diag(nacov)
    return OrdinalStats(
        variables=tuple(order), ordered=tuple(ordered_items), continuous=tuple(continuous_items),
        categories={item: tuple(codes.tolist()) for item, codes in categories.items()},
        nobs=n, n_dropped=len(data) - n, missing="listwise",
        thresholds=thresholds, means=means, variances=variances,
        correlation=pd.DataFrame(cor, index=order, columns=order),
        covariance=pd.DataFrame(cov, index=order, columns=order),
        wls_obs=wls_obs, nacov=pd.DataFrame(nacov, index=names, columns=names),
        dwls_weights=pd.Series(1 / diag, index=names, name="dwls_weight"))
