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
# # 7. Regression as a robustness check
#
# Reviewers of survey studies often ask: does the story survive without latent variables? Here we score the
# scales (item means after reverse coding), re-estimate every structural equation by OLS with HC3 robust
# standard errors, enter the drivers in blocks after the controls, probe a moderation with simple slopes and
# the Johnson–Neyman interval, and run PROCESS-style mediation (models 4 and 7) with bootstrap intervals.
# Scale means carry measurement error, so expect OLS betas a little smaller than SEM's — the question is whether
# the conclusions agree.

# %% tags=["parameters"]
N = 500
SEED = 20261124
N_BOOT = 1000  # PROCESS uses 5000 by default; 1000 keeps this notebook fast

# %%
import stickiness_research as sr

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
raw = sr.simulate_responses(q, n=N, seed=SEED)
data = sr.reverse_code(raw, q)
scores = sr.scale_scores(data, q).join(raw[["product_type"]])
scores.describe().round(2)

# %% [markdown]
# ## OLS with standardized coefficients (std_all), HC3 SEs and VIF
# Every driver of stickiness at once; VIF above 5 would warn of collinear scales.

# %%
drivers = ["interaction", "emotional_attachment", "security", "trust", "convenience"]
res = sr.ols(scores, "stickiness", drivers)
res

# %% [markdown]
# Inference is a method of the fit, with the same HC3 covariance: intervals at another level
# (`lmtest::coefci`) and an F test of whether two drivers weigh the same (`car::linearHypothesis`).

# %%
res.conf_int(0.90).round(3)

# %%
res.wald_test("trust == security")

# %% [markdown]
# ## Hierarchical regression: controls, then drivers, then an interaction
# ΔR² says what each block adds; the F change tests it (as SPSS reports it).

# %%
scores["interaction_x_convenience"] = (scores["interaction"] - scores["interaction"].mean()) * (
    scores["convenience"] - scores["convenience"].mean())
sr.hierarchical(scores, "stickiness", {"controls": ["product_type"], "drivers": drivers,
                                      "interaction": ["interaction_x_convenience"]}).round(4)

# %% [markdown]
# ## Moderation: does convenience change the effect of interaction?
# Simple slopes at −1 SD, the mean and +1 SD of convenience, and the Johnson–Neyman values of convenience
# where the slope of interaction stops being significant.

# %%
mod = sr.moderation(scores, "interaction", "convenience", "stickiness")
print(mod.jn_region)
mod.simple_slopes.round(3)

# %%
mod.plot()

# %% [markdown]
# ## Mediation (PROCESS model 4) and moderated mediation (model 7)
# H8 says emotional attachment carries part of interaction's effect; the bootstrap interval of a·b tests it.

# %%
med = sr.mediation(scores, "interaction", "emotional_attachment", "stickiness", n_boot=N_BOOT, seed=SEED)
med.effects.round(3)

# %%
mm = sr.moderated_mediation(scores, "interaction", "emotional_attachment", "stickiness", "convenience",
                            n_boot=N_BOOT, seed=SEED)
mm.effects.round(3)

# %% [markdown]
# ## Do SEM and regression tell the same story?

# %%
sem = sr.fit_sem(q, data)
table = sr.robustness_table(sem, scores)
assert table["same_conclusion"].mean() >= 0.8, "SEM and regression disagree on most paths: look closer"
table.round(3)
