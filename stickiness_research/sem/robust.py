"""Robust ML (lavaan's estimator = "MLR"): Huber-White sandwich standard errors and the
Yuan-Bentler (Mplus variant) scaled chi-square, for non-normal (e.g. Likert) items.

Estimates are the ML ones. Per observation, A is the observed information (half the Hessian of
lavaan's discrepancy F, taken numerically from the analytic gradient) and B the mean outer
product of the casewise scores; vcov = A^-1 B A^-1 / N. The scaling factor of the test statistic
is c = (tr(A1^-1 B1) - tr(A0^-1 B0)) / df, with 1 = the saturated model, 0 = the fitted one.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import linalg, special

from ..errors import EstimationError
from .fiml import independence_moments
from .fit_measures import gfi_indices, incremental_indices, ml_discrepancy, rmsea_indices
from .problem import Problem


def casewise_scores(problem: Problem, theta: np.ndarray, data: list[np.ndarray]) -> np.ndarray:
    """Scores of each observation's log-likelihood with respect to the global parameters (N, k).

    With w_n = Sigma^-1 (x_n - mu) and dSigma_k = u_k v_k' + v_k u_k' (``MatrixModel.rank2``), the score
    1/2 (w_n' dSigma_k w_n - tr(Sigma^-1 dSigma_k)) + w_n' dmu_k is (w_n'u_k)(w_n'v_k) - u_k' Sigma^-1 v_k
    + w_n' dmu_k: two (N, p) x (p, k) products per group.
    """
    out = []
    for g, x in zip(problem.groups, data, strict=True):
        sigma, mu, u, v, dm = g.structure.rank2(problem.local(g, theta))
        inv = np.linalg.inv(sigma)
        w = (x - (mu if problem.meanstructure else x.mean(axis=0))) @ inv
        scores = (w @ u) * (w @ v) - np.einsum("pk,pk->k", u, inv @ v)
        if problem.meanstructure:
            scores += w @ dm.T
        out.append(scores @ g.k_map)
    return np.concatenate(out)


def observed_information(problem: Problem, theta: np.ndarray) -> np.ndarray:
    """Observed information per observation: half the Hessian of F (analytic, ``Problem.hessian``)."""
    return 0.5 * problem.hessian(theta)


def _saturated_trace(s: np.ndarray, x: np.ndarray, means: bool, exo: np.ndarray) -> float:
    """tr(A1^-1 B1) of the saturated normal model at the sample moments (observed = expected there).

    Under fixed.x the covariates' own (co)variances and means are not parameters (lavaan zeroes
    their rows of the h1 information), so they are left out.
    """
    p = s.shape[0]
    inv = np.linalg.inv(s)
    d = x - x.mean(axis=0)
    if not len(exo):
        # closed form: with G_n = 1/2 (w_n w_n' - S^-1), w_n = S^-1 d_n, the score's quadratic form in the
        # inverse information is 2 tr(S G_n S G_n) = (delta^2 - 2 delta + p) / 2, delta = d_n' S^-1 d_n
        # (D'(A (x) A)D)^-1 = D+(S (x) S)D+' (Magnus & Neudecker); the means add delta itself
        delta = np.einsum("ni,ni->n", d @ inv, d)
        per_row = 0.5 * (delta**2 - 2 * delta + p) + (delta if means else 0.0)
        return float(per_row.mean())
    rows, cols = np.tril_indices(p)
    # scores for vech(Sigma): 1/2 (S^-1 d d' S^-1 - S^-1)_ab, doubled off the diagonal (both triangles)
    w = d @ inv
    outer = np.einsum("na,nb->nab", w, w) - inv
    factor = np.where(rows == cols, 0.5, 1.0)
    scores = outer[:, rows, cols] * factor
    # expected information of vech(Sigma): 1/2 D' (S^-1 (x) S^-1) D, written element-wise
    a = inv[rows][:, rows] * inv[cols][:, cols] + inv[rows][:, cols] * inv[cols][:, rows]
    a = 0.5 * a * np.outer(factor, factor) * 2
    keep = ~(np.isin(rows, exo) & np.isin(cols, exo))
    scores, a = scores[:, keep], a[np.ix_(keep, keep)]
    if means:
        keep_m = ~np.isin(np.arange(p), exo)
        scores = np.concatenate([w[:, keep_m], scores], axis=1)
        k_m = int(keep_m.sum())
        block = np.zeros((k_m + len(a), k_m + len(a)))
        block[:k_m, :k_m] = inv[np.ix_(keep_m, keep_m)]
        block[k_m:, k_m:] = a
        a = block
    b = scores.T @ scores / len(x)
    return float(np.trace(np.linalg.solve(a, b)))


def _independence_trace(s: np.ndarray, x: np.ndarray, means: bool, exo: np.ndarray) -> float:
    """tr(A^-1 B) of the independence (baseline) model: free variances (and means) of the
    non-covariates; the covariates' block (fixed.x) is not estimated."""
    keep = ~np.isin(np.arange(s.shape[0]), exo)
    var = np.diag(s)[keep]
    d = (x - x.mean(axis=0))[:, keep]
    scores = 0.5 * (d**2 / var**2 - 1 / var)
    a = np.diag(0.5 / var**2)
    if means:
        scores = np.concatenate([d / var, scores], axis=1)
        a = np.diag(np.concatenate([1 / var, 0.5 / var**2]))
    b = scores.T @ scores / len(x)
    return float(np.trace(np.linalg.solve(a, b)))


def mlr(problem: Problem, theta: np.ndarray, data: list[np.ndarray], fm: dict) -> tuple[np.ndarray, dict]:
    """Robust covariance of the estimates and lavaan's scaled fit measures."""
    n = problem.n_total
    a0 = observed_information(problem, theta)
    scores = casewise_scores(problem, theta, data)
    b0 = scores.T @ scores / n
    a0_inv = np.linalg.inv(a0)
    vcov = a0_inv @ b0 @ a0_inv / n
    # with the pooled per-observation A and B, group weights cancel: the groups' traces simply add
    means = problem.meanstructure
    exo = problem.partable.exo_index(fixed_only=True)
    tr1 = sum(_saturated_trace(g.s, x, means, exo) for g, x in zip(problem.groups, data, strict=True))
    # the baseline keeps the covariates' block: free (fixed.x = FALSE) its trace is the covariates' saturated one (A
    # is block diagonal there, so tr(A^-1 B) adds over the blocks), fixed it is not estimated
    covariates = np.asarray(problem.partable.exo_index(), dtype=int)
    trb = 0.0
    for g, x in zip(problem.groups, data, strict=True):
        trb += _independence_trace(g.s, x, means, covariates)
        if len(covariates) and not len(exo):
            trb += _saturated_trace(g.s[np.ix_(covariates, covariates)], x[:, covariates], means, np.array([], int))
    tr0 = float(np.trace(a0_inv @ b0))
    return vcov, scaled_measures(fm, tr1, tr0, trb, n, len(problem.groups), _free_rows(problem))


def _free_rows(problem) -> int:
    """The ParTable's free rows, counted before equality constraints (lavaan's ``nx.free``: shared labels and
    group.equal are ``==`` constraints there, so each constrained row counts)."""
    return sum(1 for r in problem.partable.rows if r.is_free)


def scaled_measures(fm: dict, tr1: float, tr0: float, trb: float, n: int, n_groups: int, free_rows: int) -> dict:
    """Yuan-Bentler (Mplus) scaled statistics and the scaled and robust fit indices, as lavaan's
    ``lav_test_yuan_bentler`` and ``lav_fit_*_lavobject`` name them. ``tr1``, ``tr0``: the traces of the saturated
    (h1) and fitted (h0) models (``c = (tr1 - tr0) / df``), ``trb`` the baseline's. The scaled RMSEA's interval and
    p-values are lavaan's: the unscaled statistic on ``c df`` degrees of freedom; ``scaling.factor.h1`` and
    ``.h0`` are the traces per h1 moment and per free row (``free_rows``, lavaan's ``nx.free``). A saturated model (df 0) has no scaling (NaN) and the
    robust indices of a perfect fit."""
    df, df_b = fm["df"], fm["baseline.df"]
    c = (tr1 - tr0) / df if df > 0 else math.nan
    c_b = (tr1 - trb) / df_b if df_b > 0 else math.nan
    # without df (a saturated model; a one-variable baseline) lavaan reports the unscaled statistic (0) and no scaling
    chisq_s = fm["chisq"] / c if df > 0 else fm["chisq"]
    base_s = fm["baseline.chisq"] / c_b if df_b > 0 else fm["baseline.chisq"]
    scaled = {
        "chisq.scaled": chisq_s,
        "df.scaled": df,
        "pvalue.scaled": float(special.chdtrc(df, chisq_s)) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": base_s,
        "baseline.df.scaled": df_b,
        "baseline.pvalue.scaled": float(special.chdtrc(df_b, base_s)) if df_b > 0 else math.nan,
        "baseline.chisq.scaling.factor": c_b,
        **incremental_indices(chisq_s, df, base_s, df_b, ".scaled"),
        **rmsea_indices(fm["chisq"], c * df, n, n_groups, ".scaled"),
    }
    if df > 0:  # lavaan's Yuan-Bentler test has no traces to report without df
        scaled.update({"scaling.factor.h1": tr1 / (df + fm["npar"]), "scaling.factor.h0": tr0 / free_rows})
    scaled.update(robust_indices(fm["chisq"], df, c, fm["baseline.chisq"], df_b, c_b, n, n_groups))
    return scaled


def _fiml_scores(x: np.ndarray, sigma: np.ndarray, mu: np.ndarray, u: np.ndarray, v: np.ndarray,
                 dm: np.ndarray) -> np.ndarray:
    """Casewise scores of the incomplete-data normal log-likelihood (N, k), pattern by pattern, for
    parameters with dSigma_k = u_k v_k' + v_k u_k' and dmu_k = dm[k]: with w = Sigma_oo^-1 (x_o - mu_o),
    1/2 (w' dS w - tr(Sigma_oo^-1 dS)) + w' dmu = (w'u)(w'v) - u' Sigma_oo^-1 v + w' dmu (observed rows)."""
    n, p = x.shape
    present = ~np.isnan(x)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    out = np.zeros((n, u.shape[1]))
    for k, key in enumerate(keys):
        rows = np.flatnonzero(inverse.ravel() == k)
        o = np.flatnonzero(key)
        if not len(o):
            continue
        w = np.linalg.inv(sigma[np.ix_(o, o)])
        wd = (x[np.ix_(rows, o)] - mu[o]) @ w  # (n_P, |o|)
        uo, vo = u[o], v[o]
        out[rows] = (wd @ uo) * (wd @ vo) - np.einsum("ak,ak->k", uo, w @ vo) + wd @ dm[:, o].T
    return out


def _saturated_factors(p: int, diagonal: bool = False,
                       among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Rank-2 factors (U, V) and dmu of the saturated (or, diagonal, independence) model's parameters:
    the means, then the (co)variances (i >= j) in vech order; the independence model also has the covariances
    ``among`` its covariates (lavaan's baseline keeps them)."""
    among = set(np.asarray(among if among is not None else [], dtype=int).tolist())
    pairs = [(i, j) for j in range(p) for i in range(j, p)
             if not diagonal or i == j or (i in among and j in among)]
    k = p + len(pairs)
    u, v, dm = np.zeros((p, k)), np.zeros((p, k)), np.zeros((k, p))
    dm[np.arange(p), np.arange(p)] = 1.0
    for n, (i, j) in enumerate(pairs):
        u[i, p + n] = 1.0
        v[j, p + n] = 0.5 if i == j else 1.0
    return u, v, dm, pairs


def _free_moments(p: int, pairs: list, exo) -> np.ndarray:
    """Which of the means and (co)variances (``_saturated_factors``' order) are parameters under fixed.x: not the
    covariates' ``exo`` own (lavaan zeroes their rows of the h1 information, and its inverse skips them)."""
    exo = np.asarray(exo if exo is not None else [], dtype=int)
    i, j = np.array(pairs).T
    return np.r_[~np.isin(np.arange(p), exo), ~(np.isin(i, exo) & np.isin(j, exo))]


def _fiml_trace(problem, group: int, sigma: np.ndarray, mu: np.ndarray, diagonal: bool,
                exo: np.ndarray | None = None, covariates: np.ndarray | None = None) -> float:
    """tr(A^-1 B) of the saturated (or independence) model at its ML estimates under missing data.
    A is the observed information (half the Hessian of the FIML discrepancy, analytic:
    ``FimlProblem.moments_hessian``; these models are linear in their parameters); B the mean outer
    product of the casewise scores. Under fixed.x the covariates' own means and (co)variances are not
    parameters, as in the complete-data traces; the independence model's ``covariates`` keep their covariances."""
    x = problem.xs[group]
    p = x.shape[1]
    u, v, dm, pairs = _saturated_factors(p, diagonal, covariates)
    keep = _free_moments(p, pairs, exo)
    hess = problem.moments_hessian(group, sigma, mu, u, v, dm)
    if hess is None:
        raise EstimationError("the saturated model's covariance matrix is not positive definite; the robust "
                              "(MLR) test statistic cannot be computed for these incomplete data.")
    a = 0.5 * hess[np.ix_(keep, keep)] / len(x)
    scores = _fiml_scores(x, sigma, mu, u, v, dm)[:, keep]
    b = scores.T @ scores / len(x)
    return float(np.trace(np.linalg.solve(a, b)))


def mlr_fiml(problem, theta: np.ndarray, hess: np.ndarray, x: np.ndarray, fm: dict, sigma_h1: np.ndarray,
             mu_h1: np.ndarray) -> tuple[np.ndarray, dict]:
    """lavaan's MLR with ``missing = "ml"``: sandwich SEs from the observed information (half the FIML
    Hessian) and casewise scores; Yuan-Bentler scaling with saturated and independence models fitted
    to the incomplete data."""
    n = len(x)
    g = problem.groups[0]
    sigma, mu, u, v, dm = g.structure.rank2(problem.local(g, theta))
    a0 = hess / 2.0
    scores = _fiml_scores(x, sigma, mu, u, v, dm) @ g.k_map
    b0 = scores.T @ scores / n
    a0_inv = np.linalg.inv(a0)
    vcov = a0_inv @ b0 @ a0_inv / n
    tr0 = float(np.trace(a0_inv @ b0))
    exo = problem.partable.exo_index(fixed_only=True)
    tr1 = _fiml_trace(problem, 0, sigma_h1, mu_h1, diagonal=False, exo=exo)
    covariates = np.asarray(problem.partable.exo_index(), dtype=int)
    sigma_b, mu_b = independence_moments(x, covariates)
    trb = _fiml_trace(problem, 0, sigma_b, mu_b, diagonal=True, exo=exo, covariates=covariates)
    # the complete-data robust indices do not hold under missing data: fit_sem adds the FIML-corrected ones
    scaled = {k: x for k, x in scaled_measures(fm, tr1, tr0, trb, n, 1, _free_rows(problem)).items() if not k.endswith(".robust")}
    return vcov, scaled


def _complete_information(sigma: np.ndarray, u: np.ndarray, v: np.ndarray, dm: np.ndarray) -> np.ndarray:
    """Complete-data normal information per observation of parameters with ``dSigma_a = u_a v_a' + v_a u_a'`` and
    ``dmu_a = dm[a]``: ``1/2 tr(A dSigma_a A dSigma_b) + dmu_a' A dmu_b`` with ``A = Sigma^-1``, which for such
    rank-2 derivatives is ``(U'AU)(V'AV) + (U'AV)(V'AU)`` element by element (the four terms of the trace pair
    up)."""
    a = np.linalg.inv(sigma)
    au, av = a @ u, a @ v
    return (u.T @ au) * (v.T @ av) + (u.T @ av) * (v.T @ au) + dm @ a @ dm.T


def _pd_inverse(a: np.ndarray) -> np.ndarray | None:
    """The inverse of a symmetric positive definite matrix from its Cholesky factor (LAPACK potrf/potri: a third
    less work than a general inverse, which counts at the hundreds of rows of a saturated model's information);
    None if it is not positive definite."""
    factor, info = linalg.lapack.dpotrf(a, lower=0)
    if info != 0:
        return None
    inv, info = linalg.lapack.dpotri(factor, lower=0)
    if info != 0:
        return None
    upper = np.triu(inv, 1)
    return inv - np.tril(inv, -1) + upper.T  # potri fills one triangle


def fiml_corrected(problem, theta: np.ndarray, h1: list[tuple[np.ndarray, np.ndarray]], fm: dict,
                   scaled: bool) -> dict:
    """Robust CFI, TLI and RMSEA (with its CI) after FIML: the "FIML-corrected" indices of Zhang & Savalei
    (2023, *Psychological Methods*), as lavaan's ``lav_fit_fiml_corrected`` (version ``V3`` after MLR, ``V6``
    after ML).

    The complete-data ML statistic of the fitted model against the saturated FIML (EM) moments,
    ``T~ = sum_g N_g F_ML(Sigma_g(theta), S~_g, m~_g)``, is corrected by ``c = k / df``:
    ``k = tr(U Wm^-1 Wc Wm^-1 U Gamma)`` (V3; ``Gamma = Wm^-1 Jm Wm^-1``) or ``tr(Wc Wm^-1 U Wm^-1)`` (V6), where
    ``Wm`` and ``Jm`` are the saturated model's observed and first-order information under the missing data, ``Wc``
    its complete-data information at the EM moments, all per observation, ``U = Wm - Wm Delta (Delta' Wm
    Delta)^-1 Delta' Wm`` and ``Delta`` the model's Jacobian in (means, vech Sigma) at theta, each group's blocks
    weighted by ``N_g / N``. The independence model (each variable's own FIML mean and variance) gives the baseline's
    ``T~_0`` and ``c_0``. Then, as lavaan's ``lav_fit_rmsea``, ``lav_fit_cfi``, ``lav_fit_tli``:
    ``RMSEA = sqrt(G) sqrt(max(T~ / (N df) - c / N, 0))`` (CI: the scaled statistic's, times ``sqrt(c)``), and CFI and
    TLI from the non-centralities ``T~ - c df`` and ``T~_0 - c_0 df_0``.

    ``h1``: per group the EM moments (mu, Sigma). Returns ``cfi.robust``, ``tli.robust``, ``rmsea.robust``,
    ``rmsea.ci.lower.robust``, ``rmsea.ci.upper.robust``, and ``rmsea.pvalue.robust`` (close fit, lavaan's
    ``lav_fit_rmsea_closefit`` with ``c``); an empty dict where a matrix is singular (lavaan gives NA there).

    Under fixed.x the covariates' own means and (co)variances are left out of every matrix, as lavaan's h1
    information leaves them out.

    Not computed (an empty dict) above ``fiml.SATURATED_MAX_P`` variables, where the saturated model's
    missing-data Hessian would go pattern by pattern (minutes).
    """
    if problem.saturated_padded is None:
        return {}
    n = problem.n_total
    n_groups = len(problem.groups)
    exo = np.asarray(problem.partable.exo_index(fixed_only=True), dtype=int)
    covariates = np.asarray(problem.partable.exo_index(), dtype=int)  # fixed.x or not
    groups, deltas, deltas_b = [], [], []
    t_model = t_base = 0.0
    for k, (g, x, (mu_h1, sigma_h1)) in enumerate(zip(problem.groups, problem.xs, h1, strict=True)):
        n_g, p = x.shape
        u, v, dm, pairs = _saturated_factors(p)
        i, j = np.array(pairs).T
        keep = _free_moments(p, pairs, exo)
        hess = problem.moments_hessian(k, sigma_h1, mu_h1, u, v, dm)
        if hess is None:
            return {}
        wm = 0.5 * hess[np.ix_(keep, keep)] / n_g
        wmi = _pd_inverse(wm)
        if wmi is None:
            return {}
        # lavaan's complete-data fit to the EM moments (fit.tilde in lav_fit_fiml_corrected) takes the covariates as
        # fixed.x whatever the model's fixed.x, so its information has no rows for their own moments: as there
        wc = _complete_information(sigma_h1, u, v, dm)
        fixed_in_wc = ~_free_moments(p, pairs, covariates)
        wc[fixed_in_wc] = 0.0
        wc[:, fixed_in_wc] = 0.0
        wc = wc[np.ix_(keep, keep)]
        jm = None
        if scaled:
            scores = _fiml_scores(x, sigma_h1, mu_h1, u, v, dm)[:, keep]
            jm = scores.T @ scores / n_g
        # tr(Wc Gamma), Gamma = Wm^-1 Jm Wm^-1 (V3), or tr(Wc Wm^-1) (V6): the part of k free of the model
        first = float(np.sum(wc * (wmi @ jm @ wmi))) if scaled else float(np.sum(wc * wmi))
        groups.append((n_g / n, wm, wmi, wc, jm, first))
        sigma, mu, um, vm, dmm = g.structure.rank2(problem.local(g, theta))
        deltas.append((np.vstack([dmm.T, um[i] * vm[j] + vm[i] * um[j]]) @ g.k_map)[keep])
        t_model += n_g * ml_discrepancy(sigma_h1, sigma, mu_h1, mu)
        sigma_b, mu_b = independence_moments(x, covariates)
        t_base += n_g * ml_discrepancy(sigma_h1, sigma_b, mu_h1, mu_b)
        among = np.isin(i, covariates) & np.isin(j, covariates)
        free_b = np.r_[np.arange(p), p + np.flatnonzero((i == j) | among)]  # its parameters
        free_b = free_b[keep[free_b]]
        deltas_b.append(np.eye(p + len(pairs))[np.ix_(keep, free_b)])
    # the baseline's parameters are each group's own
    widths = [d.shape[1] for d in deltas_b]
    deltas_b = [np.pad(d, ((0, 0), (sum(widths[:k]), sum(widths[k + 1:])))) for k, d in enumerate(deltas_b)]

    def correction(deltas: list[np.ndarray], df: float) -> float:
        """k / df, with U = Wm - A E^-1 A' (A = Wm Delta, E = Delta' Wm Delta; f_g-weighted blocks), through
        Wm^-1 U Wm^-1 = Wm^-1 - Delta E^-1 Delta': V6's k is tr(Wc Wm^-1) - tr(Wc Delta E^-1 Delta'), V3's
        tr(Wc Gamma) - 2 tr(E^-1 A' Gamma B) + tr(E^-1 M E^-1 A' Gamma A) (B = Wc Delta, M = Delta' B; Gamma A =
        Wm^-1 Jm Delta per group), with no k x k product beyond each group's Gamma (k = the saturated model's
        parameters, hundreds for 25 variables)."""
        e = sum(f * d.T @ wm @ d for (f, wm, *_), d in zip(groups, deltas, strict=True))
        try:
            e_inv = np.linalg.inv(e)
        except np.linalg.LinAlgError:
            return math.nan
        k_value = sum(grp[5] for grp in groups)
        if not scaled:
            k_value -= sum(f * np.sum((wc @ d) * (d @ e_inv)) for (f, _, _, wc, _, _), d in zip(groups, deltas,
                                                                                               strict=True))
            return float(k_value) / df
        agb = aga = m = 0.0
        for (f, wm, wmi, wc, jm, _), d in zip(groups, deltas, strict=True):
            gamma_a = wmi @ (jm @ d)
            b = f * (wc @ d)
            agb = agb + gamma_a.T @ b
            aga = aga + gamma_a.T @ (f * (wm @ d))
            m = m + d.T @ b
        k_value += -2.0 * np.sum(e_inv * agb.T) + np.sum((e_inv @ m @ e_inv) * aga.T)
        return float(k_value) / df

    df, df_b = fm["df"], fm["baseline.df"]
    # a saturated model (df 0) has no correction to make: the indices' uncorrected formulas (lavaan's)
    c, c_b = (correction(deltas, df), correction(deltas_b, df_b)) if df > 0 else (1.0, 1.0)
    if not all(math.isfinite(x) for x in (c, c_b, t_model, t_base)):  # e.g. an implied matrix not positive definite
        return {}
    return robust_indices(t_model, df, c, t_base, df_b, c_b, n, n_groups)


def fiml_gfi(problem, theta: np.ndarray, df: float) -> dict:
    """GFI, AGFI and PGFI after FIML, as lavaan's ``lav_fit_gfi_lavobject``: ``1 - e'Ve / s'Vs`` per group (groups
    weighted by N_g), ``s`` lavaan's sample statistics under missing data (``WLS.obs``: each variable's mean over its
    answers and the pairwise-complete covariances, R's ``cov(use = "pairwise")`` times (N - 1) / N; not the EM
    moments), ``e`` their residuals from the implied moments and ``V`` the expected missing-data information there
    (``lav_mvnorm_missing_information_expected``: ``sum_P n_P A_P`` for the means and ``1/2 sum_P n_P D'(A_P (x)
    A_P)D`` for vech Sigma, A_P the pattern's Sigma_oo^-1 embedded; the covariates' own moments left out under
    fixed.x). Only the two quadratic forms are needed: ``x_mu' (sum n_P A_P) x_mu + 1/2 sum_P n_P tr((A_P X)^2)``, X
    the symmetric matrix of x's covariance part. Complete-data ML's GFI weighs by ``Sigma^-1`` alone, which is not
    lavaan's number here (an unseen growth model gave .991 where lavaan gives .855).

    An empty dict above ``fiml.SATURATED_MAX_P`` variables (no padded patterns there) or where the implied matrix
    is not positive definite.
    """
    padded = problem.saturated_padded
    if padded is None:
        return {}
    exo = np.asarray(problem.partable.exo_index(fixed_only=True), dtype=int)
    total = 0.0
    nel = 0
    for k, (g, x) in enumerate(zip(problem.groups, problem.xs, strict=True)):
        n_g, p = x.shape
        # the solve's own moments (rank2's, to the bit): their pattern evaluation is kept from its last step
        sigma, mu = g.structure.rank2(problem.local(g, theta))[:2]
        state = padded[k].evaluate(sigma, mu)
        if state is None:
            return {}
        # pandas' covariance of incomplete columns is the pairwise-complete one (R's cov(use = "pairwise"))
        obs_mu, obs_cov = np.nanmean(x, axis=0), pd.DataFrame(x).cov().to_numpy() * (n_g - 1) / n_g
        vectors = [(obs_mu.copy(), obs_cov.copy()), (obs_mu - mu, obs_cov - sigma)]  # s and e
        for vec_mu, mat in vectors:
            vec_mu[exo] = 0.0  # fixed.x: the covariates' own moments carry no weight
            mat[np.ix_(exo, exo)] = 0.0
        forms = np.zeros(2)
        for a, _, _, n in padded[k].hessian_chunks(state, expected=True):
            for m, (vec_mu, mat) in enumerate(vectors):
                ax = a @ mat
                forms[m] += float(n @ (a @ vec_mu @ vec_mu) + 0.5 * n @ np.einsum("cij,cji->c", ax, ax))
        total += n_g * (1.0 - forms[1] / forms[0])
        nel += p + p * (p + 1) // 2
    gfi = total / problem.n_total
    return gfi_indices(gfi, nel, df)


def robust_indices(x2: float, df: float, c: float, x2_b: float, df_b: float, c_b: float, n: int,
                   n_groups: int) -> dict:
    """The population-corrected ("robust") CFI, TLI (NNFI), RNI and RMSEA (Brosseau-Liard & Savalei 2014;
    Brosseau-Liard, Savalei & Li 2012; Savalei 2018 for the CI) from a statistic ``x2`` with ``df`` and its
    correction ``c``, and the baseline's: non-centralities ``x2 - c df`` rather than the scaled statistic's. As
    lavaan's ``lav_fit_cfi_lavobject`` and ``lav_fit_rmsea_lavobject``: the interval and the close / not-close
    p-values from ``x2 / c`` with ``c``. A saturated model (df 0) gets RMSEA 0 and no p-values, and CFI and TLI
    from the uncorrected formulas (1 for a perfect fit) unless ``c`` is NaN (complete-data MLR: no scaling without
    df), which makes them NaN, as lavaan's NA."""
    return {**incremental_indices(x2, df, x2_b, df_b, ".robust", c, c_b),
            **rmsea_indices(x2, df, n, n_groups, ".robust", c, x2_test=x2 / c if df > 0 else x2)}
