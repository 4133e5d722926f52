"""Fit measures with lavaan's ``fitMeasures()`` names and definitions (ML, single group, no mean structure).

Where semopy differs from lavaan we follow lavaan: chi-square = N * F_ML, RMSEA divides by N,
SRMR is Bentler's (residuals scaled by the observed standard deviations, diagonal included),
log-likelihood, AIC and BIC on the full-likelihood scale.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

RMSEA_CLOSE = 0.05
RMSEA_NOTCLOSE = 0.08  # lavaan's notclose.h0 (MacCallum, Browne & Sugawara 1996)
# said beside a fit line with a measure that is NaN (lavaan's NA), e.g. a scaled test whose NACOV is degenerate; also
# the key of its translations in report/i18n.py
NOT_COMPUTABLE = "NA: not computable from these data, see the warnings"


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
    # fixed.x: the covariates' own moments are reproduced exactly and are not data for the model
    nx = len(groups[0].get("exo", ()))  # the independence model keeps the covariates' block saturated
    nxf = nx if groups[0].get("fixed_x", True) else 0
    moments = n_groups * (p * (p + 1) // 2 - nxf * (nxf + 1) // 2 + ((p - nxf) if means else 0))
    df = moments - npar
    chisq = max(sum(g["n"] * g["f"] for g in groups), 0.0)
    pvalue = float(special.chdtrc(df, chisq)) if df > 0 else math.nan

    logdets = [float(np.linalg.slogdet(g["s"])[1]) for g in groups]
    if baseline_chisq is None:
        baseline_chisq = sum(g["n"] * (_baseline_logdet(g) - ld) for g, ld in zip(groups, logdets, strict=True))
    # a likelihood-ratio statistic, as the model's: not below 0 (FIML's EM moments leave -1e-13 where the baseline is
    # the saturated model, one variable)
    baseline_chisq = max(baseline_chisq, 0.0)
    baseline_df = n_groups * (p * (p - 1) // 2 - nx * (nx - 1) // 2)
    baseline_pvalue = float(special.chdtrc(baseline_df, baseline_chisq)) if baseline_df > 0 else math.nan

    incremental = incremental_indices(chisq, df, baseline_chisq, baseline_df)
    # lavaan: RMSEA of a multi-group model is scaled by sqrt(G)
    rmsea_family = rmsea_indices(chisq, df, n, n_groups)

    residuals = [_standardized_rms(g) for g in groups]
    # each over the groups weighted by N_g / N (lavaan's lav_fit_srmr_lavobject)
    rms = {key: float(sum(g["n"] * r[key] for g, r in zip(groups, residuals, strict=True)) / n)
           for key in residuals[0]}
    srmr = rms["srmr_bentler"]
    rmr = float(sum(g["n"] * _rmr(g, True) for g in groups) / n)
    rmr_nomean = float(sum(g["n"] * _rmr(g, False) for g in groups) / n)
    gfi = float(sum(g["n"] * _gfi(g) for g in groups) / n)
    nel = n_groups * (p * (p + 1) // 2 + (p if means else 0))

    if loglik is None:
        logl_h1 = sum(-g["n"] / 2 * (p * math.log(2 * math.pi) + ld + p) for g, ld in zip(groups, logdets, strict=True))
        logl = logl_h1 - sum(g["n"] / 2 * g["f"] for g in groups)
    else:
        logl, logl_h1 = loglik
    if nxf:  # fixed.x: lavaan's log-likelihood is that of y given x (the covariates' marginal part removed)
        marginal = sum(_x_marginal_logl(g) for g in groups)
        logl, logl_h1 = logl - marginal, logl_h1 - marginal
    aic = -2 * logl + 2 * npar
    bic = -2 * logl + npar * math.log(n)
    bic2 = -2 * logl + npar * math.log((n + 2) / 24)
    fmin = sum(g["n"] / n * g["f"] for g in groups) / 2  # lavaan reports half the discrepancy
    return {
        "npar": float(npar), "fmin": fmin, "chisq": chisq, "df": float(df), "pvalue": pvalue,
        "baseline.chisq": baseline_chisq, "baseline.df": float(baseline_df), "baseline.pvalue": baseline_pvalue,
        **incremental,
        "logl": logl, "unrestricted.logl": logl_h1, "aic": aic, "bic": bic, "bic2": bic2, "ntotal": float(n),
        **rmsea_family, "rmsea.ci.level": 0.90, "rmsea.close.h0": RMSEA_CLOSE, "rmsea.notclose.h0": RMSEA_NOTCLOSE,
        "srmr": srmr, "chisq.df": chisq / df if df > 0 else math.nan,
        "rmr": rmr, "rmr_nomean": rmr_nomean, **rms, **gfi_indices(gfi, nel, df),
        "cn_05": hoelter(chisq, df, n, 0.05), "cn_01": hoelter(chisq, df, n, 0.01),
        "mfi": math.exp(-0.5 * (chisq - df) / n), "ecvi": chisq / n + 2 * npar / n,
    }


def ml_discrepancy(s: np.ndarray, sigma: np.ndarray, m: np.ndarray | None = None,
                   mu: np.ndarray | None = None) -> float:
    """``log|Sigma| + tr(S Sigma^-1) - log|S| - p (+ (m - mu)' Sigma^-1 (m - mu))``: twice the complete-data ML
    discrepancy of the moments (Sigma, mu) from (S, m); infinite where Sigma is not positive definite (lavaan's
    too)."""
    try:
        root = np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        return math.inf
    inv = np.linalg.inv(sigma)
    f = 2 * float(np.sum(np.log(np.diag(root)))) + float(np.trace(s @ inv)) - float(np.linalg.slogdet(s)[1]) - len(s)
    if m is not None:
        r = m - mu
        f += float(r @ inv @ r)
    return f


def rmsea_pvalue(chisq: float, df: float, n: float, groups: int = 1, c_hat: float = 1.0) -> float:
    """P-value of the test of close fit, H0: RMSEA <= .05 (lavaan's ``rmsea.pvalue``, ``lav_fit_rmsea_closefit``):
    the upper tail of a noncentral chi-square(df) at ``chisq`` with noncentrality ``n df .05^2 / (c_hat G)``; NaN
    without df or a finite statistic (Browne & Cudeck 1993)."""
    if not (df > 0 and all(math.isfinite(x) for x in (chisq, n, c_hat))):
        return math.nan
    return noncentral_upper(chisq, df, n * df / c_hat * RMSEA_CLOSE**2 / groups)


def rmsea_notclose_pvalue(chisq: float, df: float, n: float, groups: int = 1, c_hat: float = 1.0) -> float:
    """P-value of the test of not-close fit, H0: RMSEA >= .08 (lavaan's ``rmsea.notclose.pvalue``,
    ``lav_fit_rmsea_notclosefit``; MacCallum, Browne & Sugawara 1996): the lower tail of a noncentral chi-square(df)
    at ``chisq`` with noncentrality ``n df .08^2 / (c_hat G)``; a small value supports an RMSEA below .08."""
    if not (df > 0 and all(math.isfinite(x) for x in (chisq, n, c_hat))):
        return math.nan
    return float(special.chndtr(chisq, df, n * df / c_hat * RMSEA_NOTCLOSE**2 / groups))


def noncentral_upper(x: float, df: float, nc: float) -> float:
    """P(X > x) for a noncentral chi-square: 1 - CDF through scipy.special (no scipy.stats overhead),
    or scipy.stats' direct upper tail where 1 - CDF would lose digits (tiny p-values)."""
    cdf = float(special.chndtr(x, df, nc))
    return 1.0 - cdf if cdf < 0.999 else float(stats.ncx2.sf(x, df, nc))


def _na(*values: float) -> bool:
    """R's ``anyNA``: a NaN among the values (an infinite statistic is not NA and runs through the formulas)."""
    return any(isinstance(v, float) and math.isnan(v) for v in values)


def _near_zero(x: float) -> bool:
    """R's ``isTRUE(all.equal(x, 0))``: within 1.5e-8 of zero."""
    return abs(x) < 1.5e-8


def _corrected(df: float, c: float, c_b: float) -> bool:
    """Whether lavaan's incremental indices take the robust (population-corrected) non-centralities ``x2 - c df``:
    with df and both corrections given (not 1)."""
    return df > 0 and c != 1 and c_b != 1


def cfi(x2: float, df: float, x2_b: float, df_b: float, c: float = 1.0, c_b: float = 1.0) -> float:
    """Comparative fit index (Bentler 1990; lavaan's ``lav_fit_cfi``), with corrections ``c``, ``c_b`` the robust
    CFI (Brosseau-Liard & Savalei 2014); NaN (R's NA) where an input is NaN."""
    if _na(x2, df, x2_b, df_b, c, c_b):
        return math.nan
    if not _corrected(df, c, c_b):
        c = c_b = 1.0
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2_b - c_b * df_b, 0.0)
    return 1.0 if _near_zero(t1) and _near_zero(t2) else 1.0 - t1 / t2


def tli(x2: float, df: float, x2_b: float, df_b: float, c: float = 1.0, c_b: float = 1.0) -> float:
    """Tucker-Lewis index, or NNFI (lavaan's ``lav_fit_tli`` and ``lav_fit_nnfi``: the same formula); not truncated
    at 1. A saturated model (df 0) gets 1."""
    if _na(x2, df, x2_b, df_b, c, c_b):
        return math.nan
    if not _corrected(df, c, c_b):
        c = c_b = 1.0
    t1, t2 = (x2 - c * df) * df_b, (x2_b - c_b * df_b) * df
    if df > 0 and abs(t2) > 0:
        return 1.0 - t1 / t2
    return 1.0 if math.isfinite(t1) and math.isfinite(t2) else math.nan


def rni(x2: float, df: float, x2_b: float, df_b: float, c: float = 1.0, c_b: float = 1.0) -> float:
    """Relative noncentrality index (McDonald & Marsh 1990; lavaan's ``lav_fit_rni``): CFI without truncation."""
    if _na(x2, df, x2_b, df_b, c, c_b):
        return math.nan
    if not _corrected(df, c, c_b):
        c = c_b = 1.0
    t1, t2 = x2 - c * df, x2_b - c_b * df_b
    if _near_zero(t2) or not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0 - t1 / t2


def nfi(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Normed fit index (Bentler & Bonett 1980; lavaan's ``lav_fit_nfi``)."""
    if _na(x2, df, x2_b, df_b):
        return math.nan
    if df > df_b or _near_zero(x2_b):
        return math.nan
    return (x2_b - x2) / x2_b if df > 0 else 1.0


def rfi(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Relative fit index (Bollen 1986; lavaan's ``lav_fit_rfi``)."""
    if _na(x2, df, x2_b, df_b) or df > df_b:
        return math.nan
    if not (df > 0 and df_b > 0):
        return 1.0
    t1, t2 = x2_b / df_b - x2 / df, x2_b / df_b
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    return 1.0 if (t1 < 0 or t2 < 0) else t1 / t2


def ifi(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Incremental fit index (Bollen 1989; lavaan's ``lav_fit_ifi``)."""
    if _na(x2, df, x2_b, df_b):
        return math.nan
    t1, t2 = x2_b - x2, x2_b - df
    if not (math.isfinite(t1) and math.isfinite(t2)):
        return math.nan
    if t2 < 0:
        return 1.0
    return math.nan if _near_zero(t2) else t1 / t2


def pnfi(x2: float, df: float, x2_b: float, df_b: float) -> float:
    """Parsimony normed fit index (James, Mulaik & Brett 1982; lavaan's ``lav_fit_pnfi``)."""
    if _na(x2, df, x2_b, df_b) or not (df_b > 0 and x2_b > 0):
        return math.nan
    return (df / df_b) * (x2_b - x2) / x2_b


def incremental_indices(x2: float, df: float, x2_b: float, df_b: float, suffix: str = "", c: float = 1.0,
                        c_b: float = 1.0) -> dict[str, float]:
    """The incremental fit indices of one statistic against its baseline's, named as lavaan's
    ``lav_fit_cfi_lavobject`` names them: ``cfi``, ``tli``, ``nnfi``, ``rni`` and, except for the robust family
    (``suffix`` ".robust", with corrections ``c`` and ``c_b``), ``nfi``, ``rfi``, ``ifi``, ``pnfi``, each with the
    suffix ("" the standard statistic, ".scaled" the scaled one)."""
    out = {"cfi": cfi(x2, df, x2_b, df_b, c, c_b), "tli": tli(x2, df, x2_b, df_b, c, c_b)}
    out["nnfi"] = out["tli"]
    out["rni"] = rni(x2, df, x2_b, df_b, c, c_b)
    if suffix != ".robust":
        out.update(nfi=nfi(x2, df, x2_b, df_b), rfi=rfi(x2, df, x2_b, df_b), ifi=ifi(x2, df, x2_b, df_b),
                   pnfi=pnfi(x2, df, x2_b, df_b))
    return {name + suffix: value for name, value in out.items()}


def rmsea(x2: float, df: float, n: float, groups: int = 1, c: float = 1.0) -> float:
    """Root mean square error of approximation (Steiger 1990; lavaan's ``lav_fit_rmsea``):
    ``sqrt(G) sqrt(max(x2 / (n df) - c / n, 0))``, 0 without df; ``c`` the robust RMSEA's correction."""
    if _na(df):
        return math.nan
    if not df > 0:  # whatever the statistic and correction (R's ifelse(df > 0, ..., 0))
        return 0.0
    if _na(x2, c):
        return math.nan
    return math.sqrt(max(x2 / n / df - c / n, 0.0)) * math.sqrt(groups)


def rmsea_indices(x2: float, df: float, n: float, groups: int = 1, suffix: str = "", c: float = 1.0,
                  x2_test: float | None = None, level: float = 0.90) -> dict[str, float]:
    """RMSEA, its confidence interval and the p-values of close (RMSEA <= .05) and not-close (RMSEA >= .08) fit,
    named with ``suffix`` as lavaan's ``lav_fit_rmsea_lavobject``. The value is from ``x2`` with correction ``c``;
    the interval and p-values from ``x2_test`` (default ``x2``) with the same correction, as lavaan's robust
    versions take the scaled statistic there (``XX3.scaled``) and the unscaled one for the value (``XX3``)."""
    x2_test = x2 if x2_test is None else x2_test
    if _na(x2_test, df):
        lo = hi = math.nan
    else:  # 0 and 0 without df (lav_fit_rmsea_ci), whatever the correction
        lo, hi = rmsea_ci(x2_test, df, n, level)
        if df >= 1:
            lo, hi = (bound * math.sqrt(c * groups) for bound in (lo, hi))
    return {"rmsea" + suffix: rmsea(x2, df, n, groups, c), "rmsea.ci.lower" + suffix: lo,
            "rmsea.ci.upper" + suffix: hi, "rmsea.pvalue" + suffix: rmsea_pvalue(x2_test, df, n, groups, c),
            "rmsea.notclose.pvalue" + suffix: rmsea_notclose_pvalue(x2_test, df, n, groups, c)}


def _x_marginal_logl(g: dict) -> float:
    """Log-likelihood of the exogenous covariates at their sample moments."""
    exo = np.asarray(g["exo"], dtype=int)
    logdet = float(np.linalg.slogdet(g["s"][np.ix_(exo, exo)])[1])
    return -g["n"] / 2 * (len(exo) * math.log(2 * math.pi) + logdet + len(exo))


def _baseline_logdet(g: dict) -> float:
    """log|Sigma| of the independence model: free variances, the covariates' block at its sample values."""
    s = g["s"]
    exo = np.asarray(g.get("exo", ()), dtype=int)
    y = np.setdiff1d(np.arange(s.shape[0]), exo)
    out = float(np.log(np.diag(s)[y]).sum())
    if len(exo):
        out += float(np.linalg.slogdet(s[np.ix_(exo, exo)])[1])
    return out


def gfi_indices(gfi: float, nel: int, df: float) -> dict[str, float]:
    """GFI with its adjusted and parsimony versions (lavaan's ``lav_fit_agfi``, ``lav_fit_pgfi``): ``nel`` the sample
    statistics over the groups, ``df`` the model's."""
    return {"gfi": gfi, "agfi": 1 - (nel / df) * (1 - gfi) if df > 0 else 1.0, "pgfi": (df / nel) * gfi}


def hoelter(chisq: float, df: float, n: int, alpha: float) -> float:
    """Hoelter's critical N (lavaan ``cn_05``/``cn_01``, ``lav_fit_cn``): qchisq(1 - alpha, df) / (chisq / N) + 1; NA
    for a saturated model with a zero statistic (lavaan: below machine epsilon; its statistic for a just-identified
    model is often 1e-13 off zero, which gives 1 there), infinite for a zero statistic with df."""
    if df <= 0 and chisq < np.finfo(float).eps:
        return math.nan
    critical = float(special.chdtri(df, alpha)) if df > 0 else 0.0
    return critical / (chisq / n) + 1 if chisq > 0 else math.inf


def _rmr(g: dict, with_means: bool) -> float:
    """Root mean square residual of the raw (co)variances (and means)."""
    s, sigma = g["s"], g["sigma"]
    resid = (s - sigma)[np.tril_indices(s.shape[0])]
    if with_means and g["mu"] is not None:
        resid = np.concatenate([resid, g["m"] - g["mu"]])
    return float(np.sqrt(np.mean(resid**2)))


def _gfi(g: dict) -> float:
    """Joreskog-Sorbom GFI with ML weights at the model-implied moments, as lavaan:
    1 - [tr((Sigma^-1 (S - Sigma))^2) + 2 r' Sigma^-1 r] / [tr((Sigma^-1 S)^2) + 2 m' Sigma^-1 m]."""
    inv = np.linalg.inv(g["sigma"])
    exo = np.asarray(g.get("exo", ()) if g.get("fixed_x", True) else (), dtype=int)
    obs, mean = g["s"].copy(), g["m"].copy()
    obs[np.ix_(exo, exo)] = 0.0  # fixed.x: the covariates' own moments carry no weight (as lavaan's WLS.V)
    mean[exo] = 0.0
    a = inv @ (g["s"] - g["sigma"])
    b = inv @ obs
    t1, t2 = float(np.trace(a @ a)), float(np.trace(b @ b))
    if g["mu"] is not None:
        r = g["m"] - g["mu"]
        t1 += 2 * float(r @ inv @ r)
        t2 += 2 * float(mean @ inv @ mean)
    return 1 - t1 / t2


def _standardized_rms(g: dict) -> dict[str, float]:
    """One group's root mean square residuals on a correlation-like scale, as lavaan's ``lav_residuals_summary``
    (Bentler's ``cor.bentler``: residuals over the observed SDs, diagonal included, ``srmr_bentler``; Bollen's
    ``cor.bollen``: observed minus implied correlations, off the diagonal, ``crmr``) and ``lav_fit_srmr_mplus``
    (correlation residuals off the diagonal, the variances' relative residuals and the means' residuals, each
    mean on its own SD); with the means where the model has a mean structure, and without (``_nomean``)."""
    s, sigma, p = g["s"], g["sigma"], g["s"].shape[0]
    sd, sd_model = np.sqrt(np.diag(s)), np.sqrt(np.diag(sigma))
    lower, off = np.tril_indices(p), np.tril_indices(p, -1)
    bentler = ((s - sigma) / np.outer(sd, sd))[lower]
    cor = (s / np.outer(sd, sd) - sigma / np.outer(sd_model, sd_model))[off]
    variances = (np.diag(s) - np.diag(sigma)) / np.diag(s)
    ss_cor, ss_var = float(cor @ cor), float(variances @ variances)
    out = {"srmr_bentler_nomean": math.sqrt(float(bentler @ bentler) / len(bentler)),
           "crmr_nomean": math.sqrt(ss_cor / len(off[0])) if p > 1 else math.nan,  # lavaan's 0 / 0
           "srmr_mplus_nomean": math.sqrt((ss_cor + ss_var) / len(bentler))}
    if g["mu"] is None:
        return out | {"srmr_bentler": out["srmr_bentler_nomean"], "crmr": out["crmr_nomean"],
                      "srmr_mplus": out["srmr_mplus_nomean"]}
    mean_bentler = (g["m"] - g["mu"]) / sd  # both kinds scale the means by the observed SDs
    ss_mean = float(mean_bentler @ mean_bentler)
    mean_mplus = g["m"] / sd - g["mu"] / sd_model
    return out | {"srmr_bentler": math.sqrt((float(bentler @ bentler) + ss_mean) / (len(bentler) + p)),
                  "crmr": math.sqrt((ss_cor + ss_mean) / (len(off[0]) + p)),
                  "srmr_mplus": math.sqrt((ss_cor + float(mean_mplus @ mean_mplus) + ss_var) / (len(bentler) + p))}


def rmsea_ci(chisq: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA confidence interval by inverting the non-central chi-square, as lavaan does; NaN bounds (lavaan's NA)
    for a statistic that is not a chi-square value (negative or not finite: a robust categorical one can be)."""
    if not math.isfinite(chisq):
        return (math.nan, math.nan)
    if df < 1:  # as lavaan (a scaled statistic's df, c df, need not be a whole number)
        return (0.0, 0.0)
    if chisq < 0:
        return (math.nan, math.nan)
    upper_p = (1 + level) / 2  # 0.95 for the lower bound's ncp
    lower_p = (1 - level) / 2  # 0.05 for the upper bound's ncp

    def ncp_for(prob: float) -> float:
        # Find lambda with P(X2 <= chisq; df, lambda) = prob; zero when even lambda=0 is below prob.
        # scipy.special's noncentral chi-square CDF: the same function as stats.ncx2.cdf, without its overhead
        f = lambda lam: special.chndtr(chisq, df, lam) - prob if lam > 0 else special.chdtr(df, chisq) - prob  # noqa: E731
        if f(0.0) < 0:
            return 0.0
        hi = max(chisq, 1.0)
        while f(hi) > 0:
            hi *= 2
        return optimize.brentq(f, 0.0, hi, xtol=1e-12)

    lam_lower, lam_upper = ncp_for(upper_p), ncp_for(lower_p)
    return math.sqrt(lam_lower / (n * df)), math.sqrt(lam_upper / (n * df))


def headline_notes(h: dict) -> list[str]:
    """What a fit line says after its numbers (English; also the keys of their translations): the :func:`headline`'s
    note, and :data:`NOT_COMPUTABLE` when a measure is one that these data could not give (NaN, lavaan's NA). A
    p-value beside a statistic is NA by definition where it is (a saturated model, df 0; ULS's statistic, not
    chi-square distributed) and does not count."""
    unavailable = any(math.isnan(h[k]) for k in ("chisq", "cfi", "tli", "rmsea", "srmr"))
    return ([h["note"]] if h["note"] else []) + ([NOT_COMPUTABLE] if unavailable else [])


def headline(fm) -> dict:
    """The fit measures a paper reports, for the fit's estimator: ML's, or for MLR the Yuan-Bentler
    scaled chi-square (WLSMV/ULSMV: the scaled-shifted one) with the robust CFI/TLI/RMSEA (scaled
    ones where robust ones are not available), with a ``note`` saying which.

    Parameters
    ----------
    fm : mapping
        Fit measures with lavaan's names (``SEMResult.fit_measures``).

    Returns
    -------
    dict
        chisq, df, pvalue, cfi, tli, rmsea, rmsea.ci.lower, rmsea.ci.upper, srmr, note.
    """
    out = {k: fm[k] for k in ("df", "srmr")}
    if "chisq.scaled" not in fm:
        out.update({k: fm[k] for k in ("chisq", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper")})
        out["note"] = ""
        return out
    out.update(chisq=fm["chisq.scaled"], pvalue=fm["pvalue.scaled"])
    test = ("scaled-shifted chi-square" if "chisq.shift.parameters" in fm  # WLSMV / ULSMV
            else "Yuan-Bentler scaled chi-square")
    if "cfi.robust" in fm and not math.isnan(fm["cfi.robust"]):
        out.update({"cfi": fm["cfi.robust"], "tli": fm["tli.robust"], "rmsea": fm["rmsea.robust"],
                    "rmsea.ci.lower": fm["rmsea.ci.lower.robust"], "rmsea.ci.upper": fm["rmsea.ci.upper.robust"],
                    "note": f"{test}; robust CFI, TLI and RMSEA"})
    else:  # lavaan has no robust version here (e.g. ordered and continuous items together)
        keys = ("cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper")
        out.update({k: fm.get(k + ".scaled", math.nan) for k in keys})
        out["note"] = f"{test}; scaled CFI, TLI and RMSEA"
        if fm["df"] == 0:  # a saturated model: nothing to scale (lavaan's NA), its fit is the perfect one
            out.update({k: fm[k] for k in keys})
    return out
