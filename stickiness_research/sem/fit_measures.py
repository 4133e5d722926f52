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


def fit_measures(s: np.ndarray, sigma: np.ndarray, n_obs: int, npar: int, fmin: float) -> dict[str, float]:
    """lavaan fit measures from the sample and model-implied covariance matrices.

    Parameters
    ----------
    s : ndarray
        Sample covariance matrix with divisor N.
    sigma : ndarray
        Model-implied covariance matrix at the ML estimate.
    n_obs : int
        Number of observations used.
    npar : int
        Number of free parameters.
    fmin : float
        ML discrepancy ``log|Sigma| + tr(S Sigma^-1) - log|S| - p`` at the estimate.
    """
    p = s.shape[0]
    n = n_obs
    moments = p * (p + 1) // 2
    df = moments - npar
    chisq = max(n * fmin, 0.0)
    pvalue = float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan

    logdet_s = np.linalg.slogdet(s)[1]
    baseline_chisq = n * (float(np.log(np.diag(s)).sum()) - logdet_s)
    baseline_df = p * (p - 1) // 2
    baseline_pvalue = float(stats.chi2.sf(baseline_chisq, baseline_df))

    d_model = max(chisq - df, 0.0)
    d_base = max(baseline_chisq - baseline_df, 0.0)
    denom = max(d_model, d_base)
    cfi = 1.0 if denom == 0 else 1.0 - d_model / denom
    if df > 0:
        ratio_b, ratio_m = baseline_chisq / baseline_df, chisq / df
        tli = (ratio_b - ratio_m) / (ratio_b - 1.0)
        nnfi = tli
    else:
        tli = nnfi = 1.0
    nfi = (baseline_chisq - chisq) / baseline_chisq
    rmsea = math.sqrt(max(chisq - df, 0.0) / (df * n)) if df > 0 else 0.0
    lower, upper = rmsea_ci(chisq, df, n)
    pclose = float(stats.ncx2.sf(chisq, df, RMSEA_CLOSE**2 * df * n)) if df > 0 else math.nan

    sd = np.sqrt(np.diag(s))
    resid = (s - sigma) / np.outer(sd, sd)
    srmr = float(np.sqrt(np.mean(resid[np.tril_indices(p)] ** 2)))

    logl_h1 = -n / 2 * (p * math.log(2 * math.pi) + logdet_s + p)
    logl = logl_h1 - n / 2 * fmin
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * math.log(n)
    bic2 = -2 * logl + npar * math.log((n + 2) / 24)
    return {
        "npar": float(npar),
        "fmin": fmin / 2,  # lavaan reports half the discrepancy
        "chisq": chisq,
        "df": float(df),
        "pvalue": pvalue,
        "baseline.chisq": baseline_chisq,
        "baseline.df": float(baseline_df),
        "baseline.pvalue": baseline_pvalue,
        "cfi": cfi,
        "tli": tli,
        "nnfi": nnfi,
        "nfi": nfi,
        "logl": logl,
        "unrestricted.logl": logl_h1,
        "aic": aic,
        "bic": bic,
        "bic2": bic2,
        "ntotal": float(n),
        "rmsea": rmsea,
        "rmsea.ci.lower": lower,
        "rmsea.ci.upper": upper,
        "rmsea.ci.level": 0.90,
        "rmsea.pvalue": pclose,
        "rmsea.close.h0": RMSEA_CLOSE,
        "srmr": srmr,
        "chisq.df": chisq / df if df > 0 else math.nan,
    }


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
