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
# # 3. The measurement model
#
# Before testing any hypothesis, check that each set of items measures one construct, reliably, and
# distinctly from the others: reliability (Cronbach's α), a confirmatory factor analysis (CFA) with its fit
# measures and standardized loadings, convergent and discriminant validity, modification indices, and
# whether the measurement works the same way for users of different financial products (measurement
# invariance), which any comparison between those groups needs.

# %% tags=["parameters"]
N = 500
SEED = 20260503
GROUP = "product_type"

# %%
import matplotlib.pyplot as plt
import numpy as np

import stickiness_research as sr
from stickiness_research.simulate import population_model

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
data = sr.reverse_code(sr.simulate_responses(q, n=N, seed=SEED), q)
pop = population_model(q)

# %% [markdown]
# ## Reliability
#
# Cronbach's α per scale with a Feldt 95 % interval (agrees with `psych::alpha`). Published stickiness
# studies report α of .80–.90; .70 is the usual floor.

# %%
sr.reliability(data, q).round(3)

# %% [markdown]
# ## Confirmatory factor analysis
#
# The measurement part of the model alone: every construct measured by its items, all constructs free to
# correlate. Conventional cut-offs (Hu & Bentler 1999): CFI ≥ .95, RMSEA ≤ .06, SRMR ≤ .08.

# %%
cfa = sr.fit_sem(q.model_syntax(structural=False), data)
print(cfa.fit_line())
cfa.fit_measures[["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"]].round(3)

# %% [markdown]
# Standardized loadings with delta-method standard errors (lavaan's `standardizedSolution()`), next to the
# population loadings the data were simulated from.

# %%
std = cfa.standardized_solution()
loadings = std[std["op"] == "=~"][["lhs", "rhs", "std_all", "se", "ci_lower", "ci_upper"]].copy()
loadings["true"] = loadings["rhs"].map(pop.loadings)
loadings.round(3)

# %%
fig, ax = plt.subplots(figsize=(6, 6))
y = np.arange(len(loadings))[::-1]
ax.errorbar(loadings["std_all"], y, xerr=[loadings["std_all"] - loadings["ci_lower"],
                                          loadings["ci_upper"] - loadings["std_all"]], fmt="o", color="#2b4c7e",
            label="estimate, 95 % CI")
ax.plot(loadings["true"], y, "x", color="#a33", label="population")
ax.axvline(0.70, color="grey", lw=0.8, ls="--")
ax.set_yticks(y, [f"{c}: {i}" for c, i in zip(loadings["lhs"], loadings["rhs"], strict=True)], fontsize=8)
ax.set_xlabel("standardized loading")
ax.legend(frameon=False, loc="lower left")
ax.spines[["top", "right"]].set_visible(False)
plt.tight_layout()

# %% [markdown]
# ## Convergent and discriminant validity
#
# From the standardized loadings λ: composite reliability CR = (Σλ)² / ((Σλ)² + Σ(1 − λ²)) (≥ .70) and
# average variance extracted AVE = mean(λ²) (≥ .50). Discriminant validity by Fornell & Larcker (1981): the
# square root of each construct's AVE exceeds its correlations with the other constructs.

# %%
validity = loadings.groupby("lhs", sort=False)["std_all"].agg(
    cr=lambda lam: lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum()),
    ave=lambda lam: (lam**2).mean())
validity["sqrt_ave"] = np.sqrt(validity["ave"])
validity.round(3)

# %%
constructs = list(validity.index)
latent = std[(std["op"] == "~~") & std["lhs"].isin(constructs) & std["rhs"].isin(constructs)]
phi = latent.pivot(index="lhs", columns="rhs", values="std_all").reindex(index=constructs, columns=constructs)
phi = phi.combine_first(phi.T)  # latent correlations, both triangles
fornell_larcker = phi.copy()
for c in constructs:  # sqrt(AVE) on the diagonal
    fornell_larcker.loc[c, c] = validity.loc[c, "sqrt_ave"]
print("Fornell-Larcker holds for every construct:",
      bool(all(validity.loc[c, "sqrt_ave"] > phi.loc[c].drop(c).abs().max() for c in constructs)))
fornell_larcker.round(2)

# %% [markdown]
# ## Modification indices
#
# The expected drop in χ² if one fixed parameter were freed (lavaan's `modindices()`). With a correctly
# specified model all are small; a large one (say above 10) with a sizeable expected change points at a
# cross-loading or correlated errors. Free parameters only when theory supports it.

# %%
cfa.modification_indices(top=10).round(3)

# %% [markdown]
# What misfit looks like: move one trust item (`tru3`) to the security scale and look again.

# %%
wrong = q.model_syntax(structural=False).replace(" + tru3", "").replace("sec4", "sec4 + tru3", 1)
misfit = sr.fit_sem(wrong, data)
print(misfit.fit_line())
misfit.modification_indices(top=5).round(3)

# %% [markdown]
# Global fit measures average over the whole model and may still look acceptable after such a mistake; the
# modification index for `trust =~ tru3`, far above the rest, is what names it.

# %% [markdown]
# ## Measurement invariance across product types
#
# Are the items understood the same way by insurance, fund, credit and everyday-banking users? Configural
# (same structure), metric (equal loadings: paths comparable), scalar (equal intercepts: means comparable) and
# strict (equal residual variances). Each level holds when CFI drops by at most .010 and RMSEA rises by at most
# .015 (Chen 2007); the χ² difference test is shown but rejects trivial differences at survey sample sizes.

# %%
inv = sr.invariance(q, data, group=GROUP)
inv

# %%
print(inv.verdict())

# %% [markdown]
# The simulated population has one measurement model for everybody, so invariance should hold; with real
# data, a failure at the metric level means group comparisons of paths (see `04_structural_model.py`) are not
# meaningful without partial-invariance models.
