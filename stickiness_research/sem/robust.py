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
from scipy import special

from ..errors import EstimationError
from .fit_measures import rmsea_ci
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
    trb = sum(_independence_trace(g.s, x, means, exo) for g, x in zip(problem.groups, data, strict=True))
    tr0 = float(np.trace(a0_inv @ b0))
    return vcov, scaled_measures(fm, tr1, tr0, trb, n, len(problem.groups))


def scaled_measures(fm: dict, tr1: float, tr0: float, trb: float, n: int, n_groups: int) -> dict:
    """Yuan-Bentler (Mplus) scaled statistics and the scaled and robust CFI, TLI, RMSEA (with CI)."""
    df, df_b = fm["df"], fm["baseline.df"]
    c = (tr1 - tr0) / df if df > 0 else math.nan
    c_b = (tr1 - trb) / df_b
    chisq_s = fm["chisq"] / c if df > 0 else 0.0
    base_s = fm["baseline.chisq"] / c_b
    d_model, d_base = max(chisq_s - df, 0.0), max(base_s - df_b, 0.0)
    denom = max(d_model, d_base)
    root_g = math.sqrt(n_groups)
    scaled = {
        "chisq.scaled": chisq_s,
        "df.scaled": df,
        "pvalue.scaled": float(special.chdtrc(df, chisq_s)) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": base_s,
        "baseline.df.scaled": df_b,
        "baseline.pvalue.scaled": float(special.chdtrc(df_b, base_s)),
        "baseline.chisq.scaling.factor": c_b,
        "cfi.scaled": 1.0 if denom == 0 else 1.0 - d_model / denom,
        "tli.scaled": ((base_s / df_b - chisq_s / df) / (base_s / df_b - 1.0)) if df > 0 else 1.0,
        "rmsea.scaled": math.sqrt(max(chisq_s - df, 0.0) / (df * n)) * root_g if df > 0 else 0.0,
    }
    if df > 0:
        lo, hi = rmsea_ci(chisq_s, df, n)
        # Population-corrected "robust" indices (Brosseau-Liard & Savalei 2014; Brosseau-Liard, Savalei & Li
        # 2012): non-centrality estimated as T_ML - c * df rather than from the scaled statistic. TLI is
        # not truncated (lavaan reports values above 1).
        ncp, ncp_b = max(fm["chisq"] - c * df, 0.0), max(fm["baseline.chisq"] - c_b * df_b, 0.0)
        scaled["cfi.robust"] = 1.0 - ncp / max(ncp, ncp_b) if max(ncp, ncp_b) > 0 else 1.0
        t_b = fm["baseline.chisq"] / df_b - c_b
        scaled["tli.robust"] = 1.0 - (fm["chisq"] / df - c) / t_b if t_b != 0 else 1.0
        scaled["rmsea.robust"] = math.sqrt(ncp / (n * df)) * root_g
        # robust CI (Savalei 2018): the non-centrality CI of the scaled statistic, times c
        scaled["rmsea.ci.lower.robust"] = math.sqrt(c) * lo * root_g
        scaled["rmsea.ci.upper.robust"] = math.sqrt(c) * hi * root_g
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


def _saturated_factors(p: int, diagonal: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """Rank-2 factors (U, V) and dmu of the saturated (or, diagonal, independence) model's parameters:
    the means, then the (co)variances (i >= j) in vech order."""
    pairs = [(i, i) for i in range(p)] if diagonal else [(i, j) for j in range(p) for i in range(j, p)]
    k = p + len(pairs)
    u, v, dm = np.zeros((p, k)), np.zeros((p, k)), np.zeros((k, p))
    dm[np.arange(p), np.arange(p)] = 1.0
    for n, (i, j) in enumerate(pairs):
        u[i, p + n] = 1.0
        v[j, p + n] = 0.5 if i == j else 1.0
    return u, v, dm, pairs


def _fiml_trace(parts: list, x: np.ndarray, sigma: np.ndarray, mu: np.ndarray, diagonal: bool,
                exo: np.ndarray | None = None) -> float:
    """tr(A^-1 B) of the saturated (or independence) model at its ML estimates under missing data.
    A is the observed information (half the Hessian of the FIML discrepancy, analytic: the pattern
    terms of ``fiml.pattern_hessian``; these models are linear in their parameters); B the mean outer
    product of the casewise scores. Under fixed.x the covariates' own means and (co)variances are not
    parameters, as in the complete-data traces. ``parts``: ``FimlProblem.group_parts[0]``."""
    from .fiml import group_terms, pattern_hessian

    p = x.shape[1]
    u, v, dm, pairs = _saturated_factors(p, diagonal)
    exo = np.asarray(exo if exo is not None else [], dtype=int)
    keep = np.array([k not in exo for k in range(p)] + [not (i in exo and j in exo) for i, j in pairs])
    terms = group_terms(parts, sigma, mu)
    if terms is None:
        raise EstimationError("the saturated model's covariance matrix is not positive definite; the robust "
                              "(MLR) test statistic cannot be computed for these incomplete data.")
    a = 0.5 * pattern_hessian(terms[3], sigma, u, v, dm)[np.ix_(keep, keep)] / len(x)
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
    parts = problem.group_parts[0]
    tr1 = _fiml_trace(parts, x, sigma_h1, mu_h1, diagonal=False, exo=exo)
    sigma_b = np.diag(np.nanvar(x, axis=0))
    if len(exo):  # the baseline keeps the covariates' block at its sample values
        sigma_b[np.ix_(exo, exo)] = sigma_h1[np.ix_(exo, exo)]
    trb = _fiml_trace(parts, x, sigma_b, np.nanmean(x, axis=0), diagonal=True, exo=exo)
    scaled = scaled_measures(fm, tr1, tr0, trb, n, 1)
    # lavaan corrects the robust CFI/TLI/RMSEA for incomplete data (Zhang & Savalei 2023), which is not
    # implemented here: leave them out rather than report the complete-data formulas.
    for key in ("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"):
        scaled.pop(key, None)
    return vcov, scaled
