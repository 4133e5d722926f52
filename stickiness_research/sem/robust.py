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
from scipy import stats

from .numeric import hessian_from_gradient
from .problem import Problem


def casewise_scores(problem: Problem, theta: np.ndarray, data: list[np.ndarray]) -> np.ndarray:
    """Scores of each observation's log-likelihood with respect to the global parameters (N, k)."""
    out = []
    for g, x in zip(problem.groups, data, strict=True):
        mom = problem.moments(g, theta)
        inv = np.linalg.inv(mom.sigma)
        mu = mom.mu if mom.mu is not None else x.mean(axis=0)
        d = x - mu
        w = d @ inv
        scores = np.zeros((len(x), problem.n_free))
        for k in range(problem.n_free):
            ds = mom.dsigma[k]
            if ds.any():
                scores[:, k] = 0.5 * (np.einsum("ni,ij,nj->n", w, ds, w) - np.einsum("ij,ji->", inv, ds))
            if mom.dmu is not None:
                scores[:, k] += w @ mom.dmu[k]
        out.append(scores)
    return np.concatenate(out)


def observed_information(problem: Problem, theta: np.ndarray) -> np.ndarray:
    """Observed information per observation: half the Hessian of F (numerical, from the analytic gradient)."""
    return 0.5 * hessian_from_gradient(lambda t: problem.gradient_information(t)[0], theta)


def _saturated_trace(s: np.ndarray, x: np.ndarray, means: bool) -> float:
    """tr(A1^-1 B1) of the saturated normal model at the sample moments (observed = expected there)."""
    p = s.shape[0]
    inv = np.linalg.inv(s)
    d = x - x.mean(axis=0)
    rows, cols = np.tril_indices(p)
    # scores for vech(Sigma): 1/2 (S^-1 d d' S^-1 - S^-1)_ab, doubled off the diagonal (both triangles)
    w = d @ inv
    outer = np.einsum("na,nb->nab", w, w) - inv
    factor = np.where(rows == cols, 0.5, 1.0)
    scores = outer[:, rows, cols] * factor
    # expected information of vech(Sigma): 1/2 D' (S^-1 (x) S^-1) D, written element-wise
    a = inv[rows][:, rows] * inv[cols][:, cols] + inv[rows][:, cols] * inv[cols][:, rows]
    a = 0.5 * a * np.outer(factor, factor) * 2
    if means:
        scores = np.concatenate([w, scores], axis=1)
        block = np.zeros((p + len(rows), p + len(rows)))
        block[:p, :p] = inv
        block[p:, p:] = a
        a = block
    b = scores.T @ scores / len(x)
    return float(np.trace(np.linalg.solve(a, b)))


def _independence_trace(s: np.ndarray, x: np.ndarray, means: bool) -> float:
    """tr(A^-1 B) of the independence (baseline) model: free variances (and means) only."""
    var = np.diag(s)
    d = x - x.mean(axis=0)
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
    tr1 = sum(_saturated_trace(g.s, x, means) for g, x in zip(problem.groups, data, strict=True))
    trb = sum(_independence_trace(g.s, x, means) for g, x in zip(problem.groups, data, strict=True))
    tr0 = float(np.trace(a0_inv @ b0))
    df, df_b = fm["df"], fm["baseline.df"]
    c = (tr1 - tr0) / df if df > 0 else math.nan
    c_b = (tr1 - trb) / df_b
    chisq_s = fm["chisq"] / c if df > 0 else 0.0
    base_s = fm["baseline.chisq"] / c_b
    d_model, d_base = max(chisq_s - df, 0.0), max(base_s - df_b, 0.0)
    denom = max(d_model, d_base)
    n_groups = len(problem.groups)
    scaled = {
        "chisq.scaled": chisq_s,
        "df.scaled": df,
        "pvalue.scaled": float(stats.chi2.sf(chisq_s, df)) if df > 0 else math.nan,
        "chisq.scaling.factor": c,
        "baseline.chisq.scaled": base_s,
        "baseline.df.scaled": df_b,
        "baseline.pvalue.scaled": float(stats.chi2.sf(base_s, df_b)),
        "baseline.chisq.scaling.factor": c_b,
        "cfi.scaled": 1.0 if denom == 0 else 1.0 - d_model / denom,
        "tli.scaled": ((base_s / df_b - chisq_s / df) / (base_s / df_b - 1.0)) if df > 0 else 1.0,
        "rmsea.scaled": math.sqrt(max(chisq_s - df, 0.0) / (df * n)) * math.sqrt(n_groups) if df > 0 else 0.0,
    }
    # Population-corrected "robust" indices (Brosseau-Liard & Savalei 2014; Brosseau-Liard, Savalei & Li
    # 2012): non-centrality estimated as T_ML - c * df rather than from the scaled statistic.
    if df > 0:
        ncp, ncp_b = max(fm["chisq"] - c * df, 0.0), max(fm["baseline.chisq"] - c_b * df_b, 0.0)
        scaled["cfi.robust"] = 1.0 - ncp / max(ncp, ncp_b) if max(ncp, ncp_b) > 0 else 1.0
        scaled["tli.robust"] = 1.0 - (ncp / df) / (ncp_b / df_b) if ncp_b > 0 else 1.0
        scaled["rmsea.robust"] = math.sqrt(ncp / (n * df)) * math.sqrt(n_groups)
    return vcov, scaled
