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
# # 4. The structural model: hypotheses, mediation, groups and moderation
#
# With the measurement model in order (`03_measurement_model.py`), fit the hypothesised structural model:
# test each hypothesis with bootstrap intervals, decompose effects into direct and indirect parts, compare
# full with partial mediation, ask whether the paths differ between product types, check robustness to
# non-normal Likert answers (MLR), and test a latent interaction. The data are simulated, so every estimate
# can be held against the truth.

# %% tags=["parameters"]
N = 500
SEED = 20260504
N_BOOT = 200  # use 5000 for a paper; 200 keeps this notebook fast
GROUP = "product_type"

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stickiness_research as sr
from stickiness_research.classroom import true_values
from stickiness_research.sem.hypotheses import hypothesis_table

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
data = sr.reverse_code(sr.simulate_responses(q, n=N, seed=SEED), q)
true_beta = {h: v["beta"] for h, v in true_values(q)["hypotheses"].items()}  # indirect: product of paths

# %% [markdown]
# ## Fit
#
# Maximum likelihood with lavaan's definitions (estimates, SEs and fit measures agree with lavaan 0.6).

# %%
res = sr.fit_sem(q.model_syntax(), data)
print(res.fit_line())
res.r2[q.endogenous].round(3)

# %% [markdown]
# ## Hypotheses with bootstrap intervals
#
# Indirect effects have skewed sampling distributions, so each hypothesis is judged by its percentile
# bootstrap interval: supported when the interval excludes zero on the expected side.

# %%
boot = res.bootstrap(N_BOOT, seed=SEED)
hyp = hypothesis_table(res, q, bootstrap=boot, language="en")
hyp["true_beta"] = hyp["hypothesis"].map(true_beta)
hyp[["hypothesis", "path", "est", "ci_lower", "ci_upper", "std_all", "true_beta", "pvalue", "supported"]].round(3)

# %%
table = boot.table.set_index("label")
rows = table.loc[[h.label for h in q.hypotheses]]
fig, ax = plt.subplots(figsize=(6.5, 3.8))
y = np.arange(len(rows))[::-1]
ax.errorbar(rows["std_all"], y, xerr=[rows["std_all"] - rows["std_ci_lower"], rows["std_ci_upper"] - rows["std_all"]],
            fmt="o", color="#2b4c7e", label=f"estimate, bootstrap 95 % CI ({N_BOOT})")
ax.plot([true_beta[h.id] for h in q.hypotheses], y, "x", color="#a33", ms=8, label="population")
ax.axvline(0, color="grey", lw=0.8)
ax.set_yticks(y, [f"{h.id}: {' -> '.join(h.chain)}" for h in q.hypotheses], fontsize=8)
ax.set_xlabel("standardized effect")
ax.legend(frameon=False, fontsize=8)
ax.spines[["top", "right"]].set_visible(False)
plt.tight_layout()

# %% [markdown]
# ## Effect decomposition
#
# Direct, specific indirect and total effects on stickiness, with bootstrap intervals. Interaction works on
# stickiness both directly and through emotional attachment; security both directly and through trust.

# %%
boot.effects()[["lhs", "rhs", "est", "ci_lower", "ci_upper", "std_all"]].rename(
    columns={"lhs": "path", "rhs": "kind"}).round(3)

# %% [markdown]
# ## Full or partial mediation?
#
# Full mediation drops the direct paths from interaction and security to stickiness (H3, H6). The models are
# nested, so the χ² difference test applies; AIC and BIC compare them too (smaller is better).

# %%
full_syntax = (q.model_syntax().replace(" + h3*interaction", "").replace(" + h6*security", ""))
full = sr.fit_sem(full_syntax, data)
sr.compare_models({"partial mediation (hypothesised)": res, "full mediation": full}).round(3)

# %% [markdown]
# In the population both direct paths exist (β = .20 and .15), so the full-mediation model should fit worse.
#
# ## Do the paths differ between product types?
#
# Each structural path is estimated per group, with loadings held equal (metric invariance, checked in
# `03_measurement_model.py`), and a Wald test asks whether the path is equal across groups. In the simulated
# population the paths are the same for everybody, so the tests should mostly not reject; with four groups of
# about a hundred respondents, the per-group estimates are noisy.

# %%
groups = sr.compare_group_paths(q, data, GROUP)
cols = ["lhs", "rhs"] + [c for c in groups.table.columns if c.startswith("std_all[")] + ["wald", "df", "pvalue_equal"]
groups.table[cols].round(3)

# %% [markdown]
# ## Robust ML for Likert answers
#
# Five-point answers are not normal. MLR keeps the ML estimates but uses sandwich standard errors and the
# Yuan-Bentler scaled χ² (lavaan's `estimator = "MLR"`). Compare the standard errors of the paths:

# %%
mlr = sr.fit_sem(q.model_syntax(), data, estimator="MLR")
paths_ml = res.paths().set_index("label")
paths_mlr = mlr.paths().set_index("label")
pd.DataFrame({"est": paths_ml["est"], "se_ml": paths_ml["se"], "se_mlr": paths_mlr["se"],
              "p_ml": paths_ml["pvalue"], "p_mlr": paths_mlr["pvalue"]}).round(4)

# %%
fm = mlr.fit_measures
print(f"ML chi-square {fm['chisq']:.1f} (df {fm['df']:.0f}); scaled {fm['chisq.scaled']:.1f}, "
      f"scaling factor {fm['chisq.scaling.factor']:.3f}; CFI {fm['cfi']:.3f} -> scaled {fm['cfi.scaled']:.3f}, "
      f"RMSEA {fm['rmsea']:.3f} -> scaled {fm['rmsea.scaled']:.3f}")

# %% [markdown]
# ## Latent moderation: does security strengthen the effect of interaction?
#
# A latent product term (double-mean-centred matched-pair product indicators) tests whether the effect of
# interaction on stickiness depends on perceived security. The simulated population has no such interaction,
# so the product term should be near zero and the simple slopes alike.

# %%
moderation = sr.latent_interaction(q, data, "interaction", "security", "stickiness")
moderation.interaction[["est", "se", "pvalue", "std_all"]]

# %%
moderation.slopes.round(3)

# %%
moderation.plot(labels={c: q.name_of(c, "en") for c in q.construct_ids})

# %% [markdown]
# Next: `05_power_and_sample_size.py` asks how many respondents are needed to detect the smaller effects.
