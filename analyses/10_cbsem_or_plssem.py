# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # CB-SEM or PLS-SEM for a stickiness study?
#
# Two families of methods estimate the same path diagram, and stickiness papers use both.
#
# * **CB-SEM** (covariance-based SEM: lavaan, AMOS, Mplus) treats every construct as a **common factor**: each
#   item is loading × factor + its own error. It finds the loadings and paths whose implied covariance matrix of
#   the items comes closest to the observed one (maximum likelihood here). The factors are free of measurement
#   error, and the distance between the two matrices gives a χ² test of the whole model.
# * **PLS-SEM** (partial least squares path modelling: SmartPLS, R's seminr) treats every construct as a
#   **composite**, a weighted sum of its items. It estimates the weights iteratively, then runs ordinary
#   regressions between the composites. The composites keep their items' measurement error. PLS aims to
#   explain the endogenous constructs (high R²), not to reproduce the covariances, so it has no χ² test.
# * **PLSc** (consistent PLS; Dijkstra & Henseler, 2015) keeps the PLS weights but corrects the composites'
#   correlations and loadings for their unreliability, so that its estimates are consistent when the constructs
#   are common factors.
#
# We simulate a study whose truth is known (the population model of the built-in stickiness questionnaire,
# where every construct *is* a common factor), fit CB-SEM, PLS and PLSc side by side, and hold each against the
# truth. Then we look at what each method reports as quality criteria, repeat the comparison over fresh
# samples, test the two mediation hypotheses, and close with advice on which to choose and the R equivalents.

# %% tags=["parameters"]
N = 500
SEED = 20260513
N_BOOT = 500  # bootstrap resamples; use 5000 for a paper
SIZES = (150, 500, 2000)  # sample sizes of the small Monte Carlo
REPLICATIONS = 20  # samples per size; use 500 or more for a methods paper

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stickiness_research as sr
from stickiness_research.simulate import population_model

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
truth = population_model(q)  # the standardized loadings, paths and R² the data are drawn from
data = sr.reverse_code(sr.simulate_responses(q, n=N, seed=SEED), q)
cb_syntax = q.model_syntax()  # lavaan syntax: labelled paths and the indirect effects h8, h9
pls_syntax = q.model_syntax(labels=False)  # constructs and paths only: what PLS estimates
print(pls_syntax)

# %% [markdown]
# The two syntaxes describe the same model. PLS takes `=~` blocks (mode A, correlation weights: the usual
# "reflective" block), `<~` blocks (mode B, regression weights: a formative block) and `~` paths. It needs
# no labels or `:=` lines, because it reports the indirect effect of every path chain anyway. The CB-SEM
# syntax labels each hypothesised path and defines the indirect effects H8 = h1·h2 and H9 = h4·h5.
#
# ## Fit the three
#
# One call each. `sr.fit_sem` gives lavaan's ML estimates and `sr.fit_pls` seminr's PLS algorithm (path
# weighting scheme); `consistent=True` turns on PLSc.

# %%
cb = sr.fit_sem(cb_syntax, data)
pls = sr.fit_pls(pls_syntax, data)
plsc = sr.fit_pls(pls_syntax, data, consistent=True)
print("CB-SEM:", cb.fit_line())
print(f"PLS: weights converged in {pls.iterations} iterations; PLSc: {plsc.iterations}")

# %% [markdown]
# ## Paths and loadings against the truth
#
# CB-SEM's standardized estimates are the `std_all` column; PLS estimates are standardized to begin with (the
# `est` column of `res.estimates`, in the same lhs/op/rhs layout as lavaan's).

# %%
METHODS = ("CB-SEM", "PLS", "PLSc")


def standardized(res, op: str) -> pd.Series:
    """Standardized loadings (op '=~', indexed by item) or paths ('~', indexed 'source → target')."""
    rows = res.estimates[res.estimates.op == op]
    values = rows.std_all if isinstance(res, sr.SEMResult) else rows.est
    key = rows.rhs if op == "=~" else rows.rhs + " → " + rows.lhs
    return pd.Series(values.to_numpy(), index=key.to_numpy())


true_loadings = pd.Series(truth.loadings)
true_paths = pd.Series({f"{a} → {b}": beta for (a, b), beta in truth.paths.items()})
fits = dict(zip(METHODS, (cb, pls, plsc), strict=True))


def against_truth(op: str, true: pd.Series) -> pd.DataFrame:
    return pd.DataFrame({"true": true} | {m: standardized(res, op).loc[true.index] for m, res in fits.items()})


paths = against_truth("~", true_paths)
paths.round(3)

# %%
loadings = against_truth("=~", true_loadings)
loadings.round(3)

# %% [markdown]
# The mean error (estimate − truth) of each column, and R² of the three endogenous constructs:

# %%
def mean_error(table: pd.DataFrame) -> pd.Series:
    return table[list(METHODS)].sub(table["true"], axis=0).mean()


pd.DataFrame({"loadings": mean_error(loadings), "paths": mean_error(paths)}).T.round(3)

# %%
r2 = pd.DataFrame({"true": pd.Series(truth.r2), "CB-SEM": cb.r2.loc[q.endogenous],
                   "PLS": pls.r2.set_index("construct")["r2"], "PLSc": plsc.r2.set_index("construct")["r2"]})
r2.round(3)

# %%
below = (paths["PLS"] < paths["CB-SEM"]).sum()
print(f"PLS path below CB-SEM's on {below} of {len(paths)} paths; PLS R² below CB-SEM's for "
      f"{(r2['PLS'] < r2['CB-SEM']).sum()} of {len(r2)} constructs")

# %% [markdown]
# The pattern is the one the literature describes:
#
# * **PLS loadings are too high** and **PLS paths and R² too low**: on average, and for most single paths (not
#   necessarily every one: in a regression with several predictors, attenuating all of them can push a single
#   coefficient either way).
# * **CB-SEM and PLSc** recover the paths and R² on average. Single estimates scatter around the truth by
#   sampling error in one sample of this size; the Monte Carlo below averages it away. Their loadings sit a
#   little *below* the truth: the truth is the loading of the continuous response behind each answer, and
#   5-point codes are a coarser measure of it (see `09_ml_or_wlsmv_for_likert_items.py`). PLS loadings are
#   above the truth even so.
#
# ## Why PLS loadings are higher and paths lower
#
# A PLS construct score is a weighted sum of its items, so it contains the items' measurement error.
#
# * A PLS loading is the **correlation of an item with the composite**. The composite contains that very item,
#   error included, so the item correlates with it more strongly than with the error-free factor: loadings,
#   and with them ρ_C and AVE computed from them, are inflated.
# * A path is a regression between composites. A composite is only a fallible measure of its construct: its
#   correlation with the factor is √ρ_A, where ρ_A is its reliability (Dijkstra & Henseler, 2015). So the
#   correlation of two composites is the correlation of the constructs times √(ρ_A,i · ρ_A,j) (the classic
#   **attenuation** by measurement error), and paths and R² shrink with it.
#
# PLSc undoes exactly that: it divides the composites' correlations by √(ρ_A,i · ρ_A,j), runs the same
# regressions on the corrected correlations and rescales the loadings. The correlations of the constructs joined
# by a path show it: composite correlations are lower than the factor correlations, and dividing them by
# √(ρ_A · ρ_A) brings them close to CB-SEM's factor correlations (which, in one sample, scatter around the
# truth).

# %%
names = truth.constructs
true_cor = pd.DataFrame(truth.latent_cov, index=names, columns=names)  # variances 1: correlations
factor_cor = sr.cfa(q, data).latent_correlations()
composite_cor = pls.construct_scores.corr()
rho_a = pls.reliability()["rhoA"]
rows = []
for a, b in truth.paths:
    rows.append({"pair": f"{a} – {b}", "true": true_cor.loc[a, b], "CB-SEM factors": factor_cor.loc[a, b],
                 "PLS composites": composite_cor.loc[a, b],
                 "composites / √(ρA·ρA)": composite_cor.loc[a, b] / np.sqrt(rho_a[a] * rho_a[b])})
pd.DataFrame(rows).set_index("pair").round(3)

# %% [markdown]
# ## Reliability: the same items, three sets of numbers
#
# Cronbach's α does not depend on the model. Composite reliability and AVE do: PLS computes ρ_C and AVE from
# its inflated loadings, so they come out higher than CB-SEM's; PLSc's, from corrected loadings, are close to
# CB-SEM's. ρ_A (Dijkstra & Henseler, 2015) is the reliability of the PLS composite itself, the quantity PLSc
# divides by; Hair et al. (2019) recommend it as the middle ground between α (often too conservative) and ρ_C
# (often too liberal).

# %%
cfa_rel = sr.cfa(q, data).reliability().set_index("construct")
pls_rel, plsc_rel = pls.reliability(), plsc.reliability()
reliability = pd.DataFrame({
    "alpha": cfa_rel["alpha"], "CB-SEM CR": cfa_rel["cr"], "PLS rhoC": pls_rel["rhoC"],
    "PLSc rhoC": plsc_rel["rhoC"], "rhoA": pls_rel["rhoA"],
    "CB-SEM AVE": cfa_rel["ave"], "PLS AVE": pls_rel["AVE"], "PLSc AVE": plsc_rel["AVE"]})
reliability.round(3)

# %%
between = reliability["rhoA"].between(reliability["alpha"], reliability["PLS rhoC"]).all()
print(f"rho_A between alpha and PLS's rho_C for every construct: {between}")

# %% [markdown]
# ## Judging a model: each method's own criteria
#
# ### CB-SEM: does the model reproduce the covariances?
#
# CB-SEM's model implies a covariance matrix of the items, so it can be tested against the observed one: the
# χ² test (exact fit) and the approximate fit indices CFI, TLI, RMSEA and SRMR. Hu and Bentler's (1999)
# cut-offs (CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08) are the usual yardsticks. The measurement model is then judged
# by loadings, CR, AVE and discriminant validity (`03_measurement_model.py`).

# %%
print(cb.fit_line())

# %% [markdown]
# ### PLS: quality criteria, no χ²
#
# PLS does not fit a covariance structure, so there is no χ² test; SRMR for PLS exists (Henseler et al., 2014),
# but Hair et al. (2019) advise caution with fit measures in PLS-SEM. PLS is judged instead by a list of
# criteria, with rules of thumb summarised by Hair et al. (2019):
#
# * **measurement model**: loadings ≥ .708; ρ_A and ρ_C of .70–.90 satisfactory to good, above .95 a sign of
#   redundant items; AVE ≥ .50 (all shown above); **HTMT** below .85 (below .90 for conceptually close
#   constructs; Henseler, Ringle & Sarstedt, 2015);
# * **structural model**: collinearity of the predictors (**VIF**, ideally below 3); **R²** (.25, .50, .75 weak,
#   moderate, substantial); **f²**, the drop in R² when a path is removed (.02, .15, .35 small, medium, large;
#   Cohen, 1988); and out-of-sample prediction with **PLSpredict** (Shmueli et al., 2019).
#
# HTMT is computed from the item correlations alone, not from the estimates, so it does not depend on the
# method: `sr.htmt(data, q, htmt2=False)` gives CB-SEM users the same classic HTMT (its default, `htmt2=True`,
# is the HTMT2 variant that `semTools::htmt` reports).

# %%
pls_htmt = pls.htmt()
symmetric = pls_htmt.combine_first(pls_htmt.T)
difference = max(abs(row.htmt - symmetric.loc[row.construct_a, row.construct_b])
                 for row in sr.htmt(data, q, htmt2=False).itertuples())
print(f"largest difference from sr.htmt(data, q, htmt2=False): {difference:.1e}")
pls_htmt.round(3)

# %%
f2 = pls.f_squared().assign(path=lambda t: t.rhs + " → " + t.lhs).set_index("path")["f2"]
vif = pls.vif()["antecedents"]  # indexed "target: source"
vif.index = [f"{source} → {target}" for target, source in (key.split(": ") for key in vif.index)]
pd.DataFrame({"path": paths["PLS"], "f2": f2, "vif": vif}).round(3)

# %% [markdown]
# A VIF is defined only for a construct with several predictors, so the two single-predictor paths have none.
#
# **PLSpredict** (Shmueli et al., 2019) asks whether the model predicts new respondents. With 10-fold cross-
# validation, the model is re-estimated without one fold, and the held-out respondents' answers to the items of
# each endogenous construct are predicted from the scores of its direct antecedents. Q²_predict > 0 means the
# prediction beats the training folds' item means. The benchmark (LM) regresses each such item on the items of
# its construct's antecedents: a PLS model whose out-of-sample RMSE is below the LM's on all items of a
# construct has *high* predictive power for it, on most of them *medium*, on a minority *low*, and on none (or
# with any Q²_predict ≤ 0) *none* (`predictive_power`).

# %%
prediction = pls.predict(data)
prediction.items[["construct", "indicator", "pls_rmse", "lm_rmse", "q2_predict"]].round(3)

# %%
{construct: prediction.predictive_power(construct) for construct in q.endogenous}

# %% [markdown]
# ## Not a lucky draw: bias over repeated samples
#
# The same three estimators on `REPLICATIONS` fresh samples at each size in `SIZES`. For the standardized paths:
# the mean error (the bias), the standard deviation of each path's estimates across samples (the sampling noise;
# averaged over paths) and the root mean squared error (both together); for the loadings, the mean error.

# %%
def estimates(d: pd.DataFrame) -> dict[str, tuple[pd.Series, pd.Series]]:
    out = {"CB-SEM": sr.fit_sem(cb_syntax, d), "PLS": sr.fit_pls(pls_syntax, d),
           "PLSc": sr.fit_pls(pls_syntax, d, consistent=True)}
    return {m: (standardized(res, "=~").loc[true_loadings.index], standardized(res, "~").loc[true_paths.index])
            for m, res in out.items()}


path_errors, loading_errors = [], []
for n in SIZES:
    for replication in range(REPLICATIONS):
        d = sr.reverse_code(sr.simulate_responses(q, n=n, seed=SEED + 1 + replication), q)
        for method, (lam, beta) in estimates(d).items():
            path_errors.append((beta - true_paths).rename((n, method, replication)))
            loading_errors.append((lam - true_loadings).rename((n, method, replication)))


def by_size_and_method(errors: list[pd.Series]):
    """Errors (one row per sample, one column per parameter) grouped by N and method."""
    frame = pd.DataFrame(errors)
    frame.index = pd.MultiIndex.from_tuples(frame.index, names=["N", "method", "replication"])
    return frame.groupby(level=["N", "method"])


paths_by, loadings_by = by_size_and_method(path_errors), by_size_and_method(loading_errors)
monte_carlo = pd.DataFrame({
    "path_bias": paths_by.mean().mean(axis=1),  # mean over samples, then over paths
    "path_sd": paths_by.std().mean(axis=1),  # each path's SD over samples, averaged over paths
    "path_rmse": np.sqrt(paths_by.apply(lambda e: (e**2).to_numpy().mean())),
    "loading_bias": loadings_by.mean().mean(axis=1)})
monte_carlo.round(3)

# %%
fig, axes = plt.subplots(1, 2, figsize=(8, 2.8), sharex=True)
for method, marker in zip(METHODS, "osd", strict=True):
    part = monte_carlo.xs(method, level="method")
    for ax, column in zip(axes, ("path_bias", "path_rmse"), strict=True):
        ax.plot(part.index, part[column], marker=marker, label=method)
axes[0].axhline(0, color="grey", lw=0.8)
axes[0].set_ylabel("mean error of the paths")
axes[1].set_ylabel("RMSE of the paths")
for ax in axes:
    ax.set_xscale("log")
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.set_xticks([], minor=True)
    ax.set_xlabel("N")
    ax.spines[["top", "right"]].set_visible(False)
axes[1].legend(frameon=False, fontsize=8)
plt.tight_layout()

# %% [markdown]
# * PLS's downward bias of the paths does **not** shrink as N grows: it comes from measurement error, not from
#   a small sample. (PLS is consistent only "at large", as the number of items per construct grows too.)
# * CB-SEM's and PLSc's paths are close to unbiased at every N, and their RMSE falls steadily as N grows.
# * PLS estimates vary less from sample to sample (smaller `path_sd`). In small samples that can make PLS's RMSE
#   as small as CB-SEM's, or smaller, despite the bias: it trades bias for variance. As N grows, the bias
#   dominates its RMSE.
# * The loading biases do not move with N either: PLS's above the truth, CB-SEM's and PLSc's a little below it
#   (the coarse 5-point codes).
#
# ## Mediation: H8 and H9 with bootstrap intervals
#
# H8: interaction → emotional attachment → stickiness; H9: security → trust → stickiness. An indirect effect is
# a product of two paths, whose sampling distribution is skewed, so both methods judge it by a percentile
# bootstrap interval: supported when the interval lies above zero (both expect a positive effect). In CB-SEM
# the indirect effects are the defined parameters `h8` and `h9` (their standardized values and intervals are
# `std_all`, `std_ci_lower`, `std_ci_upper`); in PLS, `specific_effect` multiplies the paths of a chain in every
# resample (seminr's `specific_effect_significance`).

# %%
cb_boot = cb.bootstrap(N_BOOT, seed=SEED)
pls_boot = pls.bootstrap(N_BOOT, seed=SEED)
plsc_boot = plsc.bootstrap(N_BOOT, seed=SEED)
print(*cb_boot.warnings, sep="\n")

# %%
defined = cb_boot.table[cb_boot.table.op == ":="].set_index("label")
rows = []
for h in (h for h in q.hypotheses if h.via):
    source, *through, target = h.chain
    true = np.prod([truth.paths[(a, b)] for a, b in zip(h.chain, h.chain[1:], strict=False)])
    cb_row = defined.loc[h.label]
    effects = {"CB-SEM": (cb_row.std_all, cb_row.std_ci_lower, cb_row.std_ci_upper)}
    for method, boot in (("PLS", pls_boot), ("PLSc", plsc_boot)):
        effect = boot.specific_effect(source, target, through)
        effects[method] = (effect.est, effect.ci_lower, effect.ci_upper)
    for method, (est, lower, upper) in effects.items():
        rows.append({"hypothesis": h.id, "method": method, "true": true, "est": est, "ci_lower": lower,
                     "ci_upper": upper, "width": upper - lower, "supported": bool(lower > 0)})
mediation = pd.DataFrame(rows).set_index(["hypothesis", "method"])
mediation.round(3)

# %% [markdown]
# PLS's indirect effects are products of two attenuated paths, so they are attenuated twice and come out the
# smallest of the three; CB-SEM's and PLSc's agree with each other (and, as single-sample estimates, scatter
# around the truth). PLS's intervals are narrower, for the reason seen in the Monte Carlo: less variance, more
# bias. With a weak indirect effect and a small sample, the choice of method can decide whether H8 or H9 is
# "supported". Whether a mediation is full or partial depends on the direct paths H3 and H6;
# `04_structural_model.py` tests full against partial mediation.
#
# ## Which to choose?
#
# **The question decides, not the software.**
#
# * **Theory testing → CB-SEM.** The stickiness model is built from established scales (interactivity,
#   attachment, trust, stickiness), measured by reflective items, and the hypotheses are claims about
#   relationships between constructs. That is the common factor model CB-SEM estimates consistently, with a
#   test of the whole model, comparisons of alternative models (full vs partial mediation,
#   `04_structural_model.py`), error covariances where theory needs them, and measurement invariance across
#   groups (`03_measurement_model.py`).
# * **Prediction and driver analysis → PLS-SEM.** When the aim is to predict stickiness for new users or to rank
#   the levers a financial firm can pull (the importance–performance map, `pls.ipma(data, "stickiness")`),
#   PLS's composites are a natural tool, and PLSpredict tests what matters. Among Hair et al.'s (2019) reasons
#   for PLS-SEM: the analysis tests a theoretical framework from a prediction perspective, the model is
#   complex, it contains formatively measured constructs, or construct scores are needed for follow-up
#   analyses.
# * **Formative constructs.** An index such as *perceived security* built from distinct safeguards (encryption,
#   biometric payment checks, risk disclosure) is a composite, not a factor: in PLS it is a mode B block
#   (`security <~ sec1 + sec2 + ...`); CB-SEM needs extra structure (a MIMIC model) to identify it.
# * **Sample size alone is no reason.** The Monte Carlo shows why: PLS's bias stays whatever the N, and in a
#   small sample every method is imprecise; PLS only trades part of the imprecision for bias. Plan N by power
#   for the smallest path of interest (`05_power_and_sample_size.py`); Kock and Hadaya (2018) give a quick
#   minimum for PLS, the inverse square root method, computed below.
# * **Want PLS but believe in common factors?** Report PLSc (or CB-SEM) for the paths. Henseler et al. (2014)
#   argue that PLS is a viable estimator of *composite* models and useful for exploratory research; Sarstedt
#   et al. (2016) show that each method is biased when applied to data from the other's kind of model. Rigdon
#   (2016) argues, from a realist view, that common factors and composites are both only proxies for the
#   conceptual variables a theory is about, and that both critics and users of PLS have argued from invalid
#   premises: so say why the chosen proxy suits the research question.
# * **When in doubt, fit both** and report whether the conclusions agree.

# %%
smallest = true_paths.abs().min()
minimum_n = int(np.ceil((2.486 / smallest) ** 2))  # 5 % significance, 80 % power
print(f"smallest true path {smallest:.2f}: inverse square root minimum N = {minimum_n} (Kock & Hadaya, 2018)")

# %% [markdown]
# ## Both in one report: `method: both`
#
# A study config can ask for PLS-SEM beside CB-SEM. The worked example `reports/financial_wechat.yaml` sets
#
# ```yaml
# method: both   # cbsem (the default): CB-SEM only; both: PLS-SEM (seminr's) beside it
# ```
#
# and `stickiness report reports/financial_wechat.yaml` then fits PLS on the same respondents as CB-SEM,
# bootstraps it with the config's `analyses.bootstrap` resamples and seed, and puts the paths (CB-SEM β, PLS β
# with its bootstrap CI, and whether the two reach the same conclusion), reliability and R² side by side in the
# report. `method: pls` (PLS only) is refused for now; from the command line,
# `stickiness pls --model model.lav --data data.csv` fits a PLS model on its own.
#
# ## The same in R
#
# ```r
# library(lavaan)
# fit <- sem(model, data = d)                # model: the CB-SEM syntax, q.model_syntax()
# fitMeasures(fit, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"))
# standardizedSolution(fit)                  # the std_all column
# boot <- sem(model, data = d, se = "bootstrap", bootstrap = 5000)
# parameterEstimates(boot, boot.ci.type = "perc", standardized = TRUE)  # h8, h9: percentile CIs of est
#
# library(seminr)
# mm <- constructs(
#   composite("interaction",          multi_items("int", 1:4)),   # reflective(...) instead gives PLSc
#   composite("emotional_attachment", multi_items("ea", 1:4)),
#   composite("security",             multi_items("sec", 1:4)),
#   composite("trust",                multi_items("tru", 1:4)),
#   composite("convenience",          multi_items("con", 1:4)),
#   composite("stickiness",           multi_items("sti", 1:5)))
# sm <- relationships(
#   paths(from = "interaction", to = c("emotional_attachment", "stickiness")),
#   paths(from = "security",    to = c("trust", "stickiness")),
#   paths(from = c("emotional_attachment", "trust", "convenience"), to = "stickiness"))
# pls <- estimate_pls(d, mm, sm)
# s <- summary(pls)
# s$paths; s$loadings; s$reliability; s$validity$htmt; s$vif_antecedents; s$fSquare
# boot <- bootstrap_model(pls, nboot = 5000, seed = 123)
# summary(boot)$bootstrapped_paths
# specific_effect_significance(boot, from = "interaction", through = "emotional_attachment",
#                              to = "stickiness", alpha = 0.05)              # H8
# summary(predict_pls(pls, technique = predict_DA, noFolds = 10))          # PLSpredict
# ```
#
# `sr.fit_pls` follows seminr's algorithm and defaults (path weighting, mean replacement of missing answers,
# 300 iterations, stop criterion 10⁻⁷), and its estimates agree with seminr's. The bootstrap draws differ from
# R's (NumPy's generator, not R's), so intervals agree only within bootstrap noise.
#
# ## References
#
# Cohen, J. (1988). *Statistical power analysis for the behavioral sciences* (2nd ed.). Lawrence Erlbaum.
#
# Dijkstra, T. K., & Henseler, J. (2015). Consistent partial least squares path modeling. *MIS Quarterly,
# 39*(2), 297–316. https://doi.org/10.25300/MISQ/2015/39.2.02
#
# Hair, J. F., Risher, J. J., Sarstedt, M., & Ringle, C. M. (2019). When to use and how to report the results of
# PLS-SEM. *European Business Review, 31*(1), 2–24. https://doi.org/10.1108/EBR-11-2018-0203
#
# Henseler, J., Dijkstra, T. K., Sarstedt, M., Ringle, C. M., Diamantopoulos, A., Straub, D. W., Ketchen, D. J.,
# Hair, J. F., Hult, G. T. M., & Calantone, R. J. (2014). Common beliefs and reality about PLS: Comments on
# Rönkkö and Evermann (2013). *Organizational Research Methods, 17*(2), 182–209.
# https://doi.org/10.1177/1094428114526928
#
# Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant validity in
# variance-based structural equation modeling. *Journal of the Academy of Marketing Science, 43*(1), 115–135.
# https://doi.org/10.1007/s11747-014-0403-8
#
# Hu, L., & Bentler, P. M. (1999). Cutoff criteria for fit indexes in covariance structure analysis:
# Conventional criteria versus new alternatives. *Structural Equation Modeling, 6*(1), 1–55.
# https://doi.org/10.1080/10705519909540118
#
# Kock, N., & Hadaya, P. (2018). Minimum sample size estimation in PLS-SEM: The inverse square root and
# gamma-exponential methods. *Information Systems Journal, 28*(1), 227–261. https://doi.org/10.1111/isj.12131
#
# Rigdon, E. E. (2016). Choosing PLS path modeling as analytical method in European management research: A
# realist perspective. *European Management Journal, 34*(6), 598–605. https://doi.org/10.1016/j.emj.2016.05.006
#
# Sarstedt, M., Hair, J. F., Ringle, C. M., Thiele, K. O., & Gudergan, S. P. (2016). Estimation issues with PLS
# and CBSEM: Where the bias lies! *Journal of Business Research, 69*(10), 3998–4010.
# https://doi.org/10.1016/j.jbusres.2016.06.007
#
# Shmueli, G., Sarstedt, M., Hair, J. F., Cheah, J.-H., Ting, H., Vaithilingam, S., & Ringle, C. M. (2019).
# Predictive model assessment in PLS-SEM: Guidelines for using PLSpredict. *European Journal of Marketing,
# 53*(11), 2322–2347. https://doi.org/10.1108/EJM-02-2019-0189
