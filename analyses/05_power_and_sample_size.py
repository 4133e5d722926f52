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
# # 5. Power and sample size by Monte Carlo simulation
#
# How many respondents does the study need? For a structural equation model there is no simple formula, but
# there is a direct answer by simulation (Muthén & Muthén 2002): draw many samples of size N from the
# population model, fit the model to each, and count how often each hypothesis is supported. That share is the
# power at N. Published stickiness studies use N = 250–450; the smallest effects here (the direct paths from
# security, β = .15, and from interaction, β = .20, and the indirect effects of about .14–.15) decide what is
# enough.

# %% tags=["parameters"]
SAMPLE_SIZES = (150, 300, 450)
REPLICATIONS = 20  # per sample size; use 500 or more to plan a real study (this keeps the notebook fast)
SEED = 20260505
ALPHA = 0.05
TARGET = 0.80

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stickiness_research as sr
from stickiness_research.classroom import true_values
from stickiness_research.sem.hypotheses import hypothesis_table

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
syntax = q.model_syntax()
true_beta = {h: v["beta"] for h, v in true_values(q)["hypotheses"].items()}  # indirect: product of paths

# %% [markdown]
# ## The simulation
#
# Every replication has its own seed, spawned from `SEED`, so the whole study is reproducible and any one
# replication can be re-run alone. A hypothesis counts as supported when its estimate has the expected sign and
# p < .05 (the Wald test; a bootstrap per replication would be the thorough choice for indirect effects but
# multiplies the cost by the number of resamples). Replications whose fit fails count as not supported.

# %%
seeds = np.random.SeedSequence(SEED).spawn(len(SAMPLE_SIZES) * REPLICATIONS)
records = []
start = time.perf_counter()
for k, n in enumerate(SAMPLE_SIZES):
    for r in range(REPLICATIONS):
        seed = int(seeds[k * REPLICATIONS + r].generate_state(1)[0])
        data = sr.reverse_code(sr.simulate_responses(q, n=n, seed=seed), q)
        try:
            table = hypothesis_table(sr.fit_sem(syntax, data), q, alpha=ALPHA)
        except sr.EstimationError:
            records += [{"n": n, "replication": r, "hypothesis": h.id, "supported": False, "converged": False,
                         "std_all": np.nan} for h in q.hypotheses]
            continue
        records += [{"n": n, "replication": r, "hypothesis": row.hypothesis, "supported": row.supported,
                     "converged": True, "std_all": row.std_all} for row in table.itertuples()]
runs = pd.DataFrame(records)
print(f"{len(SAMPLE_SIZES) * REPLICATIONS} fits in {time.perf_counter() - start:.1f} s; "
      f"{(~runs.groupby(['n', 'replication'])['converged'].first()).sum()} failed")

# %% [markdown]
# ## Power by hypothesis and sample size

# %%
power = runs.pivot_table(index="hypothesis", columns="n", values="supported", aggfunc="mean")
power.insert(0, "true_beta", pd.Series(true_beta))
power.round(2)

# %% [markdown]
# With R replications the Monte Carlo standard error of a power estimate p is √(p(1 − p)/R): up to ±.11 at
# R = 20, which is why the curves below are rough and a real plan needs hundreds of replications.

# %%
fig, ax = plt.subplots(figsize=(6.5, 4))
for h in q.hypotheses:
    ax.plot(SAMPLE_SIZES, power.loc[h.id, list(SAMPLE_SIZES)], marker="o",
            label=f"{h.id} (β = {true_beta[h.id]:.2f})")
ax.axhline(TARGET, color="grey", ls="--", lw=0.8)
ax.set_xlabel("sample size N")
ax.set_ylabel(f"power (share of {REPLICATIONS} replications supported)")
ax.set_ylim(-0.02, 1.02)
ax.legend(frameon=False, fontsize=7, ncol=2)
ax.spines[["top", "right"]].set_visible(False)
plt.tight_layout()

# %% [markdown]
# ## Are the estimates unbiased?
#
# Power is only half the story: the average standardized estimate should match the truth, and its spread
# across replications is the standard error a study of that size will have.

# %%
summary = runs[runs["converged"]].groupby(["hypothesis", "n"])["std_all"].agg(["mean", "std"]).unstack("n")
summary.insert(0, ("true_beta", ""), pd.Series(true_beta))
summary.round(3)

# %% [markdown]
# ## Smallest N reaching the target power
#
# The first simulated N at which each hypothesis reaches the target (80 %), if any does. Small direct paths
# need the most respondents. An indirect effect of the same size is usually easier to detect when it is the
# product of two strong paths, each estimated precisely. With few replications treat this as a first estimate.

# %%
reached = {h: next((n for n in SAMPLE_SIZES if power.loc[h, n] >= TARGET), None) for h in power.index}
weakest = power[list(SAMPLE_SIZES)].min()
print("N reaching the target per hypothesis:", reached)
print("lowest power at each N:", weakest.round(2).to_dict())

# %% [markdown]
# ## The same in one call, and the search for N
#
# `sr.power` runs this simulation (replication seeds spawned from one seed, so the table is the same whatever
# runs it: in this process, in local processes with `n_jobs`, or on a Dask cluster with `scheduler=`).
# `sr.sample_size` searches the smallest N at which every hypothesis reaches the target: it doubles N until the
# target is reached, then bisects, and reports the Monte Carlo standard error of each power it measured. With
# few replications the curve is noisy, so the N it finds is a first estimate; its note says when the power at N
# is within two standard errors of the target.

# %%
table = sr.power(q, n=list(SAMPLE_SIZES), replications=REPLICATIONS, seed=SEED)
print(table.pivot_table(index="hypothesis", columns="n", values="power").round(2))
found = sr.sample_size(q, TARGET, replications=REPLICATIONS, seed=SEED, n_min=100, n_max=1600, step=50)
print(found.summary())

# %% [markdown]
# ## Power of the test of close fit (MacCallum, Browne & Sugawara 1996)
#
# The model as a whole has a power too: that of rejecting "the fit is not close" (RMSEA .08) when it is close
# (RMSEA .05). It depends only on the model's degrees of freedom and N, not on a simulation; with the many df
# of a 25-item model even a modest sample suffices, while a small model (few df) needs far more respondents.
# The numbers equal `semTools::findRMSEApower` and `findRMSEAsamplesize` in R.

# %%
fitted = sr.fit_sem(syntax, sr.reverse_code(sr.simulate_responses(q, n=300, seed=SEED), q))
df = int(fitted.fit_measures["df"])
print(f"df = {df}: power at N = 300: {sr.rmsea_power(rmsea0=0.05, rmsea_a=0.08, df=df, n=300):.3f}; "
      f"N for .80: {sr.rmsea_sample_size(rmsea0=0.05, rmsea_a=0.08, df=df)}; "
      f"with df = 10 instead: {sr.rmsea_sample_size(rmsea0=0.05, rmsea_a=0.08, df=10)}")
