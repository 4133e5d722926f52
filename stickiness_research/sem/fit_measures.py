"""Fit measures with lavaan's ``fitMeasures()`` names and definitions (ML, single group, no mean structure).

Where semopy differs from lavaan we follow lavaan: chi-square = N * F_ML, RMSEA divides by N,
SRMR is Bentler's (residuals scaled by the observed standard deviations, diagonal included),
log-likelihood, AIC and BIC on the full-likelihood scale.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, stats

RMSEA_CLOSE = 0.05


def fit_measures(groups: list[dict], npar: int, *, baseline_chisq: float | None = None,
                 loglik: tuple[float, float] | None = None) -> dict[str, float]:
    """lavaan fit measures from each group's sample and model-implied moments.

    Parameters
    ----------
    groups : list of dict
        Per group: ``s`` (sample covariance, divisor N_g), ``m`` (sample means), ``sigma``,
        ``mu`` (model-implied means, None without a mean structure), ``n`` and ``f`` (the ML
        discrepancy log|Sigma| + tr(S Sigma^-1) - log|S| - p [+ mean term] at the estimate).
    npar : int
        Number of free parameters.
    baseline_chisq, loglik : optional
        For incomplete data (FIML) the baseline chi-square and the (model, saturated) log-likelihoods
        come from pattern-wise likelihoods; ``s``/``m`` are then the EM estimates.
    """
    n_groups = len(groups)
    n = sum(g["n"] for g in groups)
    p = groups[0]["s"].shape[0]
    means = groups[0]["mu"] is not None
    moments = n_groups * (p * (p + 1) // 2 + (p if means else 0))
    df = moments - npar
    chisq = max(sum(g["n"] * g["f"] for g in groups), 0.0)
    pvalue = float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan

    logdets = [float(np.linalg.slogdet(g["s"])[1]) for g in groups]
    if baseline_chisq is None:
        baseline_chisq = sum(g["n"] * (float(np.log(np.diag(g["s"])).sum()) - ld)
                             for g, ld in zip(groups, logdets, strict=True))
    baseline_df = n_groups * p * (p - 1) // 2
    baseline_pvalue = float(stats.chi2.sf(baseline_chisq, baseline_df))

    d_model = max(chisq - df, 0.0)
    d_base = max(baseline_chisq - baseline_df, 0.0)
    denom = max(d_model, d_base)
    cfi = 1.0 if denom == 0 else 1.0 - d_model / denom
    if df > 0:
        ratio_b, ratio_m = baseline_chisq / baseline_df, chisq / df
        tli = (ratio_b - ratio_m) / (ratio_b - 1.0)
    else:
        tli = 1.0
    nfi = (baseline_chisq - chisq) / baseline_chisq
    # lavaan: RMSEA of a multi-group model is scaled by sqrt(G)
    scale = math.sqrt(n_groups)
    rmsea = math.sqrt(max(chisq - df, 0.0) / (df * n)) * scale if df > 0 else 0.0
    lower, upper = (v * scale for v in rmsea_ci(chisq, df, n))
    pclose = float(stats.ncx2.sf(chisq, df, RMSEA_CLOSE**2 * df * n / n_groups)) if df > 0 else math.nan

    srmr_groups = [_srmr_bentler(g) for g in groups]
    srmr = float(sum(g["n"] * v for g, v in zip(groups, srmr_groups, strict=True)) / n)

    if loglik is None:
        logl_h1 = sum(-g["n"] / 2 * (p * math.log(2 * math.pi) + ld + p) for g, ld in zip(groups, logdets, strict=True))
        logl = logl_h1 - sum(g["n"] / 2 * g["f"] for g in groups)
    else:
        logl, logl_h1 = loglik
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * math.log(n)
    bic2 = -2 * logl + npar * math.log((n + 2) / 24)
    fmin = sum(g["n"] / n * g["f"] for g in groups) / 2  # lavaan reports half the discrepancy
    return {
        "npar": float(npar), "fmin": fmin, "chisq": chisq, "df": float(df), "pvalue": pvalue,
        "baseline.chisq": baseline_chisq, "baseline.df": float(baseline_df), "baseline.pvalue": baseline_pvalue,
        "cfi": cfi, "tli": tli, "nnfi": tli, "nfi": nfi,
        "logl": logl, "unrestricted.logl": logl_h1, "aic": aic, "bic": bic, "bic2": bic2, "ntotal": float(n),
        "rmsea": rmsea, "rmsea.ci.lower": lower, "rmsea.ci.upper": upper, "rmsea.ci.level": 0.90,
        "rmsea.pvalue": pclose, "rmsea.close.h0": RMSEA_CLOSE, "srmr": srmr,
        "chisq.df": chisq / df if df > 0 else math.nan,
    }


def _srmr_bentler(g: dict) -> float:
    """Bentler's SRMR: residuals scaled by the observed SDs, diagonal included, means too if modelled."""
    s, sigma = g["s"], g["sigma"]
    sd = np.sqrt(np.diag(s))
    resid = ((s - sigma) / np.outer(sd, sd))[np.tril_indices(s.shape[0])]
    if g["mu"] is not None:
        resid = np.concatenate([resid, (g["m"] - g["mu"]) / sd])
    return float(np.sqrt(np.mean(resid**2)))


def rmsea_ci(chisq: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA confidence interval by inverting the non-central chi-square, as lavaan does."""
    if df <= 0:
        return (0.0, 0.0)
    upper_p = (1 + level) / 2  # 0.95 for the lower bound's ncp
    lower_p = (1 - level) / 2  # 0.05 for the upper bound's ncp

    def ncp_for(prob: float) -> float:
        # Find lambda with P(X2 <= chisq; df, lambda) = prob; zero when even lambda=0 is below prob.
        f = lambda lam: stats.ncx2.cdf(chisq, df, lam) - prob if lam > 0 else stats.chi2.cdf(chisq, df) - prob  # noqa: E731
        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-12)

    lam_lower, lam_upper = ncp_for(upper_p), ncp_for(lower_p)
    return math.sqrt(lam_lower / (n * df)), math.sqrt(lam_upper / (n * df))
