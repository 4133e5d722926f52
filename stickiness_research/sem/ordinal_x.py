"""Sample statistics of ordered items conditional on observed covariates (lavaan's ``conditional.x = TRUE``).

A MIMIC model with ordered items (``stickiness ~ age + tier1`` over Likert indicators) is fitted by lavaan to
statistics of the responses *given* the covariates (``muthen1984`` with ``eXo``; Muthén 1984):

1. univariate regressions: each ordered item's probit regression on the covariates (thresholds and slopes,
   ``P(y <= k | x) = Phi(tau_k - x' beta)``, lavaan's ``lav_uvord_fit``), each continuous variable's linear
   regression (intercept, slopes, residual variance with divisor N, ``lav_uvreg_fit``);
2. bivariate fits with those held fixed: the correlations of the residuals (polychoric with each respondent's
   own thresholds ``tau - x' beta``, ``lav_bvord_cor_twostep_fit``; polyserial, ``lav_bvmix``; Pearson of the
   linear residuals, ``lav_bvreg``);
3. the same two-step sandwich as without covariates (:func:`.ordinal._two_step_nacov`) over every respondent's
   scores, now with the slopes' scores.

The statistics are ordered as lavaan's ``WLS.obs``: thresholds (minus the intercept of a continuous variable),
the slopes by covariate (``vec(SLOPES)``: every variable's slope on the first covariate, then on the second...),
the continuous variables' residual variances, then the residual correlations (covariances for continuous pairs).

Written by hand, as :mod:`.ordinal`: no maintained Python library fits these two-step statistics or their
asymptotic covariance.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ..errors import EstimationError, ModelSpecError, ResponseDataError, _warn_at_caller
from .ordinal import (
    _SQRT_EPS,
    OrdinalStats,
    _check_names,
    _climb,
    _Continuous,
    _dnorm,
    _genz_corners,
    _numeric_pair_scores,
    _ordered_code_sets,
    _Ordinal,
    _pbinorm,
    _polyserial,
    _two_step_nacov,
    _value_rows,
)

__all__ = ["conditional_sample_stats"]

_OFFSET = 100.0  # lavaan's o1 / o2: the open ends of the top and bottom categories (lav_uvord_init_cache)


class _OrdinalX(_Ordinal):
    """An ordered item's probit regression: thresholds ``tau``, slopes ``beta``; each respondent's thresholds are
    shifted by his linear predictor ``x' beta`` (lavaan's ``z1``, ``z2``)."""

    def __init__(self, tau: np.ndarray, cat: np.ndarray, beta: np.ndarray, eta: np.ndarray):
        super().__init__(tau, cat)
        edges = np.concatenate([[0.0], tau, [0.0]])  # lavaan's TH = c(0, th, 0), plus the +/-100 offsets
        top, bottom = cat == len(tau), cat == 0
        object.__setattr__(self, "beta", beta)
        self.__dict__["z_upper"] = edges[cat + 1] - eta + _OFFSET * top
        self.__dict__["z_lower"] = edges[cat] - eta - _OFFSET * bottom


def _probit_regression(cat: np.ndarray, n_cat: int, x: np.ndarray, item: str) -> tuple[_OrdinalX, np.ndarray]:
    """Maximum likelihood ordinal probit regression of one item on the covariates ``x`` ``(N, q)``; returns the
    fit and every respondent's scores ``(N, K - 1 + q)`` (thresholds, then slopes; lav_uvord_scores).

    Newton's method on the log-likelihood, which is concave in (tau, beta) (Pratt 1981), from the thresholds of
    the marginal proportions and zero slopes, halving a step that lowers it or disorders the thresholds.
    """
    n, q = x.shape
    nth = n_cat - 1
    counts = np.bincount(cat, minlength=n_cat)
    theta = np.concatenate([special.ndtri(np.cumsum(counts)[:-1] / n), np.zeros(q)])
    upper_is = cat[:, None] == np.arange(nth)[None, :]
    lower_is = (cat[:, None] - 1) == np.arange(nth)[None, :]

    def parts(theta: np.ndarray):
        tau, beta = theta[:nth], theta[nth:]
        if np.any(np.diff(tau) <= 0):
            return None
        fit = _OrdinalX(tau, cat, beta, x @ beta)
        z1, z2 = fit.z_upper, fit.z_lower
        # P(answer) from the upper tail where that is more precise (lav_uvord_loglik_cache)
        prob = np.where(z2 > 1, special.ndtr(-z2) - special.ndtr(-z1), special.ndtr(z1) - special.ndtr(z2))
        return fit, z1, z2, prob

    def loglik(p) -> float:
        return -np.inf if p is None or np.any(p[3] <= 0) else float(np.sum(np.log(p[3])))

    current = parts(theta)
    ll = loglik(current)
    converged = False
    for _ in range(100):
        fit, z1, z2, prob = current
        d1, d2 = _dnorm(z1), _dnorm(z2)
        a1, a2 = d1 / prob, -d2 / prob                     # d log P / d z1, d z2
        h11 = -z1 * d1 / prob - a1 * a1
        h22 = z2 * d2 / prob - a2 * a2
        h12 = -a1 * a2
        j1 = np.hstack([upper_is, -x])                     # d z1 / d theta, d z2 / d theta
        j2 = np.hstack([lower_is, -x])
        grad = j1.T @ a1 + j2.T @ a2
        hess = (j1.T * h11) @ j1 + (j1.T * h12) @ j2 + (j2.T * h12) @ j1 + (j2.T * h22) @ j2
        try:
            step = -np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            step = np.full(len(theta), np.nan)
        if not np.all(np.isfinite(step)):
            raise ResponseDataError(f"the probit regression of ordered item {item!r} on the covariates failed: the "
                                    "covariates are not of full rank (a constant covariate, or one a copy of "
                                    "another), or they separate its categories (lavaan: 'X may not be of full "
                                    "rank'). Drop or merge covariates.")
        t = 1.0
        while True:
            trial = parts(theta + t * step)
            ll_new = loglik(trial)
            if ll_new >= ll - 1e-12 * abs(ll) or t < 1e-10:
                break
            t /= 2
        if t < 1e-10:  # no step raises the likelihood: at its maximum to rounding
            converged = True
            break
        theta, current, ll = theta + t * step, trial, ll_new
        if np.max(np.abs(t * step)) < 1e-10:
            converged = True
            break
    # separation: the likelihood rises toward 0 as a slope grows without bound, so Newton stops where rounding flattens
    # it, at a slope no data support: one SD of the covariate moving the latent response by more than 10 SDs
    if not converged or np.any(np.abs(theta[nth:]) * x.std(axis=0) > 10):
        raise ResponseDataError(f"the probit regression of ordered item {item!r} on the covariates has no maximum: a "
                                "covariate separates its answers (predicts them perfectly), so its slope grows "
                                "without bound (lavaan's estimation fails there too). Drop or recode that covariate, "
                                "or merge the item's categories.")
    fit, z1, z2, prob = current
    a1, a2 = _dnorm(z1) / prob, -_dnorm(z2) / prob
    scores = np.hstack([upper_is * a1[:, None] + lower_is * a2[:, None], -x * (a1 + a2)[:, None]])
    return fit, scores


def _linear_regression(y: np.ndarray, x: np.ndarray, item: str) -> tuple[_Continuous, float, np.ndarray,
                                                                          np.ndarray]:
    """Least squares regression of a continuous variable on the covariates (lav_uvreg_fit): the residuals as a
    :class:`_Continuous` of mean 0 and variance SSR / N, the intercept, the slopes and the scores ``(N, 2 + q)``
    (intercept, slopes, residual variance; lav_uvreg_scores)."""
    x1 = np.column_stack([np.ones(len(y)), x])
    coef, _, rank, _ = np.linalg.lstsq(x1, y, rcond=None)
    if rank < x1.shape[1]:
        raise ResponseDataError(f"the regression of {item!r} on the covariates failed: the covariates are not of "
                                "full rank (a constant covariate, or one a copy of another). lavaan stops here too.")
    resid = y - x1 @ coef
    evar = float(np.mean(resid * resid))
    if not evar > 0:
        raise ResponseDataError(f"continuous variable {item!r} has no residual variance given the covariates.")
    scores = np.column_stack([x1 * (resid / evar)[:, None], -1 / (2 * evar) + resid * resid / (2 * evar**2)])
    return _Continuous(resid, 0.0, evar, scores[:, [0, -1]]), float(coef[0]), coef[1:], scores


def _corners(za: tuple[np.ndarray, np.ndarray], zb: tuple[np.ndarray, np.ndarray]):
    """The four corners of each respondent's rectangle: ``h`` ``(..., N, 2, 1)``, ``k`` ``(..., N, 1, 2)`` (upper,
    lower threshold of each item)."""
    h = np.stack(za, axis=-1)[..., :, None]
    k = np.stack(zb, axis=-1)[..., None, :]
    return np.broadcast_arrays(h, k)


def _rect(c: np.ndarray) -> np.ndarray:
    """upper-upper - lower-upper - upper-lower + lower-lower over the last two axes."""
    return c[..., 0, 0] - c[..., 1, 0] - c[..., 0, 1] + c[..., 1, 1]


def _polychoric_x(fits: Sequence[_OrdinalX], codes: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """The residual polychoric correlations of the pairs ``(a, b)`` of ordered items, each respondent with his own
    thresholds (lav_bvord_cor_twostep_fit with eXo), all pairs climbed together (:func:`.ordinal._climb`) from
    the Pearson correlation of the codes, as lavaan's nlminb. A respondent whose likelihood is below sqrt(eps) is
    left out of the sums, as lavaan does (it sets it NA)."""
    first = np.array([a for a, _ in pairs], dtype=int)
    second = np.array([b for _, b in pairs], dtype=int)
    z1 = np.vstack([f.z_upper for f in fits])
    z2 = np.vstack([f.z_lower for f in fits])
    h, k = _corners((z1[first], z2[first]), (z1[second], z2[second]))   # (P, N, 2, 2)
    hk, hs = h * k, (h * h + k * k) / 2
    phk = special.ndtr(h) * special.ndtr(k)

    def evaluate(rho: np.ndarray, which: np.ndarray):
        g, dg, ll = (np.empty(len(which)) for _ in range(3))
        for lo in range(0, len(which), 16):  # chunks of pairs: Genz's rule makes (pairs, N, 4, 20) arrays
            w, r = which[lo:lo + 16], rho[lo:lo + 16]
            cdf = _genz_corners(hk[w], hs[w], phk[w], r,
                                lambda pick, w=w, r=r: _pbinorm(h[w][pick], k[w][pick], r[pick][:, None, None, None]))
            lik = _rect(cdf)
            rr = r[:, None, None, None]
            capped = np.clip(rr, -0.9999, 0.9999)
            one = 1 - capped * capped
            dens = np.exp(-(hs[w] - capped * hk[w]) / one) / (2 * np.pi * np.sqrt(one))
            one = 1 - rr * rr
            ddens = dens * (rr / one + hk[w] / one - 2 * (hs[w] - rr * hk[w]) * rr / (one * one))
            phi, dphi = _rect(dens), _rect(ddens)
            live = lik >= _SQRT_EPS
            safe = np.where(live, lik, 1.0)
            ratio = np.where(live, phi / safe, 0.0)
            g[lo:lo + 16] = ratio.sum(axis=1)
            dg[lo:lo + 16] = np.where(live, dphi / safe - ratio * ratio, 0.0).sum(axis=1)
            ll[lo:lo + 16] = np.where(live, np.log(safe), 0.0).sum(axis=1)
        return g, dg, ll

    with np.errstate(invalid="ignore", divide="ignore"):
        start = np.array([np.corrcoef(codes[a], codes[b])[0, 1] for a, b in pairs])
    start = np.where(np.isfinite(start) & (np.abs(start) < 1), start, 0.0)
    return _climb(evaluate, -0.999, 0.999, start)


def _bvord_x_scores(a: _OrdinalX, b: _OrdinalX, rho: float, xa: np.ndarray):
    """Casewise scores of a residual polychoric pair: d/d rho, d/d tau(a), d/d slopes(a), d/d tau(b), d/d slopes(b)
    (lav_bvord_cor_scores_cache with eXo); zero for a respondent lavaan leaves out (likelihood below sqrt(eps))."""
    h, k = _corners((a.z_upper, a.z_lower), (b.z_upper, b.z_lower))
    lik = _rect(_pbinorm(h, k, rho))
    live = lik > _SQRT_EPS
    lik = np.where(live, lik, np.nan)
    r = np.sqrt(1 - rho * rho)
    capped = float(np.clip(rho, -0.9999, 0.9999))
    dens = np.exp(-0.5 * (h * h - 2 * capped * h * k + k * k) / (1 - capped**2)) / (2 * np.pi * np.sqrt(1 - capped**2))
    d_rho = _rect(dens) / lik

    def margin(x: _OrdinalX, y: _OrdinalX):
        upper = _dnorm(x.z_upper) * (special.ndtr((y.z_upper - rho * x.z_upper) / r)
                                     - special.ndtr((y.z_lower - rho * x.z_upper) / r))
        lower = _dnorm(x.z_lower) * (special.ndtr((y.z_upper - rho * x.z_lower) / r)
                                     - special.ndtr((y.z_lower - rho * x.z_lower) / r))
        d_tau = (x.upper_is * upper[:, None] - x.lower_is * lower[:, None]) / lik[:, None]
        d_slope = ((lower - upper) / lik)[:, None] * xa
        return np.nan_to_num(d_tau), np.nan_to_num(d_slope)

    return (np.nan_to_num(d_rho),) + margin(a, b) + margin(b, a)


def conditional_sample_stats(data: pd.DataFrame, ordered: Sequence[str], continuous: Sequence[str] = (),
                             exogenous: Sequence[str] = (), *, variables: Sequence[str] | None = None,
                             warn: bool | list[str] = True) -> OrdinalStats:
    """Thresholds, slopes, residual correlations and their asymptotic covariance given observed covariates.

    The sample statistics lavaan fits a WLSMV model with ordered items and observed covariates to, under its
    default ``conditional.x = TRUE`` (Muthén 1984; lavaan's ``muthen1984`` with ``eXo``), for one group of
    listwise-complete respondents: each ordered item's probit regression on the covariates and each continuous
    variable's linear regression (step 1), the correlations of their residuals with those held fixed (step 2),
    and N times the asymptotic covariance of all of them from the respondents' scores (the two-step sandwich of
    :func:`.ordinal.ordinal_sample_stats`, with the slopes' scores in A11).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows with a missing value in any variable used are dropped (listwise).
    ordered, continuous : list of str
        The ordered items (at least one) and continuous dependent variables, as in ``ordinal_sample_stats``.
    exogenous : list of str
        The observed covariates (numeric; at least one). They are conditioned on, not modelled.
    variables : list of str, optional
        The order of the ordered and continuous variables (lavaan's, from the model syntax).
    warn : bool or list of str
        As ``ordinal_sample_stats``.

    Returns
    -------
    OrdinalStats
        ``thresholds`` (at covariates 0), ``means`` (a continuous variable's intercept), ``variances`` (its
        residual variance), ``correlation``/``covariance`` of the residuals ``(p, p)``, ``slopes`` ``(p, q)``,
        ``exo_means`` ``(q,)`` and ``exo_cov`` ``(q, q)`` (divisor N - 1, as lavaan's cov.x), and ``wls_obs``, ``nacov``,
        ``dwls_weights`` in lavaan's order, named ``item|t1``, ``c~1``, ``item~x``, ``c~~c``, ``a~~b``.

    Raises
    ------
    ModelSpecError
        No covariate; a variable missing from ``data`` or listed twice.
    ResponseDataError
        A non-numeric covariate, covariates not of full rank (lavaan: "X may not be of full rank"), an ordered
        item with a category left empty by listwise deletion, fewer than two complete rows.
    EstimationError
        A correlation whose sampling variance is undefined (as ``ordinal_sample_stats``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from stickiness_research.sem.ordinal_x import conditional_sample_stats
    >>> rng = np.random.default_rng(3)
    >>> x = rng.normal(size=500)
    >>> f = 0.5 * x + rng.normal(size=500)
    >>> df = pd.DataFrame({"x": x, **{f"y{j}": np.digitize(0.7 * f + rng.normal(size=500), [-1, 0, 1]) + 1
    ...                                for j in (1, 2, 3)}})
    >>> s = conditional_sample_stats(df, ["y1", "y2", "y3"], exogenous=["x"])
    >>> list(s.wls_obs.index[9:])
    ['y1~x', 'y2~x', 'y3~x', 'y1~~y2', 'y1~~y3', 'y2~~y3']

    The statistics and NACOV agree with lavaan 0.6.14's ``lavInspect(fit, "wls.obs")`` and ``"gamma"`` of
    ``sem("f =~ y1 + y2 + y3; f ~ x", data = df, ordered = TRUE, estimator = "WLSMV")``
    (tests/reference/lavaan_wlsmv_mimic.R).
    """
    def say(message: str) -> None:
        if isinstance(warn, list):
            warn.append(message)
        elif warn:
            _warn_at_caller(message)

    exo = [str(v) for v in exogenous]
    if not exo:
        raise ModelSpecError("conditional_sample_stats needs at least one covariate (exogenous=).")
    order, ordered_items, continuous_items = _check_names(data, ordered, continuous, variables)
    for v in exo:
        if v not in data.columns:
            raise ModelSpecError(f"covariate {v!r} is not a column of the data.")
        if v in order:
            raise ModelSpecError(f"{v!r} is both a covariate and a dependent variable.")
        if not pd.api.types.is_numeric_dtype(data[v]) or pd.api.types.is_bool_dtype(data[v]):
            raise ResponseDataError(f"covariate {v!r} is not numeric (dtype {data[v].dtype}); code it as numbers "
                                    "(a dummy 0/1 per category).")
    for item in continuous_items:
        if not pd.api.types.is_numeric_dtype(data[item]) or pd.api.types.is_bool_dtype(data[item]):
            raise ResponseDataError(f"continuous variable {item!r} is not numeric (dtype {data[item].dtype}).")
    values = _value_rows(data, order + exo)
    row = {v: m for m, v in enumerate(order)}
    categories = _ordered_code_sets(data, ordered_items, values[[row[v] for v in ordered_items]])
    values = values[:, ~np.isnan(values).any(axis=0)]
    n = values.shape[1]
    if n < 2:
        raise ResponseDataError(f"only {n} row(s) are complete on {', '.join(order + exo)}; sample statistics need "
                                "at least two.")
    x = values[len(order):].T                      # (N, q)
    p, q = len(order), len(exo)

    # step 1 ---------------------------------------------------------------------------------
    fits: dict[str, _OrdinalX | _Continuous] = {}
    uni_scores: dict[str, np.ndarray] = {}
    intercepts, slopes = {}, np.zeros((p, q))
    codes = {}
    for m, item in enumerate(order):
        y = values[m]
        if item in categories:
            cat = np.searchsorted(categories[item], y)
            counts = np.bincount(cat, minlength=len(categories[item]))
            if (counts == 0).any():
                raise ResponseDataError(
                    f"ordered item {item!r}: category {categories[item][counts == 0][0]:g} has no answers among the "
                    f"{n} complete rows; frequencies are {counts.tolist()}. Merge it with a neighbouring category.")
            fit, sc = _probit_regression(cat, len(categories[item]), x, item)
            fits[item], uni_scores[item] = fit, sc
            slopes[m] = fit.beta
            codes[item] = cat
        else:
            fit, intercept, beta, sc = _linear_regression(y, x, item)
            fits[item], uni_scores[item] = fit, sc
            intercepts[item], slopes[m] = intercept, beta

    # columns: thresholds (intercepts) per variable, then the slopes by covariate, then residual variances
    th_cols: dict[str, np.ndarray] = {}
    names: list[str] = []
    for item in order:
        width = len(fits[item].tau) if item in categories else 1
        th_cols[item] = np.arange(len(names), len(names) + width)
        names += [f"{item}|t{t + 1}" for t in range(width)] if item in categories else [f"{item}~1"]
    n_th = len(names)
    sl_cols = {item: n_th + m + p * np.arange(q) for m, item in enumerate(order)}
    names += [f"{item}~{v}" for v in exo for item in order]
    var_cols = {item: len(names) + m for m, item in enumerate(continuous_items)}
    names += [f"{item}~~{item}" for item in continuous_items]
    n_uni = len(names)
    second, first = np.triu_indices(p, 1)           # lavaan's order of the pairs (see ordinal_sample_stats)
    pairs = list(zip(first.tolist(), second.tolist(), strict=True))
    n_cor = len(pairs)
    scores_t = np.zeros((n_uni + n_cor, n))
    for item in order:
        sc = uni_scores[item]
        width = len(th_cols[item])
        scores_t[th_cols[item]] = sc[:, :width].T
        scores_t[sl_cols[item]] = sc[:, width:width + q].T
        if item in var_cols:
            scores_t[var_cols[item]] = sc[:, -1]

    # step 2 ---------------------------------------------------------------------------------
    rhos = np.zeros(n_cor)
    poly = [k for k, (i, j) in enumerate(pairs) if order[i] in categories and order[j] in categories]
    ord_at = {v: m for m, v in enumerate(ordered_items)}
    if poly:
        rhos[poly] = _polychoric_x([fits[v] for v in ordered_items], np.vstack([codes[v] for v in ordered_items]),
                                   [(ord_at[order[pairs[k][0]]], ord_at[order[pairs[k][1]]]) for k in poly])
    a21, h21, h22 = np.zeros((n_cor, n_uni)), np.zeros((n_cor, n_uni)), np.ones(n_cor)
    poly_set = set(poly)
    left_out: dict[str, int] = {}
    for k, (i, j) in enumerate(pairs):
        vi, vj = order[i], order[j]
        fi, fj = fits[vi], fits[vj]
        if k not in poly_set:
            if isinstance(fi, _Continuous) and isinstance(fj, _Continuous):  # Pearson's r of the residuals
                rhos[k] = float(np.mean(fi.y * fj.y) / np.sqrt(fi.var * fj.var))
            else:
                rhos[k] = _polyserial(fi, fj) if isinstance(fi, _Continuous) else _polyserial(fj, fi)
        rho = float(rhos[k])
        if isinstance(fi, _OrdinalX) and isinstance(fj, _OrdinalX):
            d_rho, tau_i, sl_i, tau_j, sl_j = _bvord_x_scores(fi, fj, rho, x)
            blocks = [(th_cols[vi], tau_i), (sl_cols[vi], sl_i), (th_cols[vj], tau_j), (sl_cols[vj], sl_j)]
        else:
            d_rho, blocks = _numeric_pair_scores(fi, fj, vi, vj, rho, k, th_cols, var_cols, h21, h22, left_out,
                                                 (sl_cols, x))
        scores_t[n_uni + k] = d_rho
        for cols, block in blocks:
            a21[k, cols] = d_rho @ block
    for k in np.flatnonzero(np.abs(rhos) > 0.99):
        i, j = pairs[k]
        say(f"the residual correlation of {order[i]!r} and {order[j]!r} is (nearly) 1 ({rhos[k]:.4f}).")
    for item, count in left_out.items():
        if count:
            say(f"up to {count} respondent(s) with extreme values of {item!r} are left out of its polyserial "
                "correlations, as lavaan does where their likelihood is below sqrt(machine eps).")

    # sandwich ---------------------------------------------------------------------------------
    uni_sign = np.ones(n_uni)
    unit = np.ones(n_uni)
    x_var = x.var(axis=0)
    for item in order:
        scale = fits[item].var if item in var_cols else 1.0
        unit[sl_cols[item]] = scale / np.where(x_var > 0, x_var, 1.0)
        if item in var_cols:
            uni_sign[th_cols[item]] = -1.0
            unit[th_cols[item][0]], unit[var_cols[item]] = scale, scale**2
    a11_cols = {item: np.concatenate([th_cols[item], sl_cols[item], [var_cols[item]] if item in var_cols else []])
                .astype(int) for item in order}
    nacov = _two_step_nacov(scores_t, n_uni, n, a21, h21, h22, a11_cols, unit, uni_sign, order, th_cols, var_cols,
                            pairs, rhos, say)
    diag = np.diag(nacov)
    if not np.all(diag > 0):
        raise EstimationError("a sample statistic has no sampling variance given the covariates; check for a "
                              "covariate that separates an item's categories.")

    # results ----------------------------------------------------------------------------------
    cor = np.eye(p)
    cor[first, second] = cor[second, first] = rhos
    sd = np.array([np.sqrt(fits[v].var) if v in var_cols else 1.0 for v in order])
    cov = cor * np.outer(sd, sd)
    uni = np.zeros(n_uni)
    for m, v in enumerate(order):
        uni[th_cols[v]] = fits[v].tau if v in categories else -intercepts[v]
        uni[sl_cols[v]] = slopes[m]
        if v in var_cols:
            uni[var_cols[v]] = fits[v].var
    labels = pd.Index(names + [f"{order[j]}~~{order[i]}" for i, j in pairs])
    variables_ix = pd.Index(order)
    th_at = np.concatenate([th_cols[v] for v in ordered_items])
    kept = pd.Index(continuous_items)
    exo_ix = pd.Index(exo)
    return OrdinalStats(
        variables=tuple(order), ordered=tuple(ordered_items), continuous=tuple(continuous_items),
        categories={item: tuple(c.tolist()) for item, c in categories.items()},
        nobs=n, n_dropped=len(data) - n, missing="listwise",
        thresholds=pd.Series(np.concatenate([fits[v].tau for v in ordered_items]), index=labels[th_at],
                             name="threshold"),
        means=pd.Series(np.array([intercepts[v] for v in continuous_items], dtype=float), index=kept, name="mean"),
        variances=pd.Series(np.array([fits[v].var for v in continuous_items], dtype=float), index=kept,
                            name="variance"),
        correlation=pd.DataFrame(cor, index=variables_ix, columns=variables_ix),
        covariance=pd.DataFrame(cov, index=variables_ix, columns=variables_ix),
        wls_obs=pd.Series(np.concatenate([uni, cov[first, second]]), index=labels, name="wls_obs"),
        nacov=pd.DataFrame(nacov, index=labels, columns=labels),
        dwls_weights=pd.Series(1 / diag, index=labels, name="dwls_weight"),
        exogenous=tuple(exo), slopes=pd.DataFrame(slopes, index=variables_ix, columns=exo_ix),
        exo_means=pd.Series(x.mean(axis=0), index=exo_ix, name="mean"),
        exo_cov=pd.DataFrame(np.cov(x.T, ddof=1).reshape(q, q), index=exo_ix, columns=exo_ix))
