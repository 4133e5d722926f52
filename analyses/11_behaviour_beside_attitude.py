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
# # Behaviour beside attitude: does the stickiness scale predict what users do?
#
# A questionnaire measures **attitudinal** stickiness: what users say about coming back. A platform's usage log
# records **behavioural** stickiness: active days, visits, reading, sharing, buying, leaving. Papers on financial
# WeChat accounts report both (open rates under 2 %, reading completion of 65–82 %, shares of 18–32 % by content
# type, pushes every 2–3 days) but rarely link them person by person. Here we do:
#
# 1. simulate respondents *and* their 90-day event log, with behaviour that depends on each respondent's true
#    latent constructs (so we know what the analyses should find);
# 2. read the log as a real one would be read (`sr.read_events`: Parquet, declared schema, keyed pseudonyms);
# 3. compute behavioural metrics, retention and churn per user and per segment;
# 4. validate the stickiness scale against behaviour (criterion validity), add behaviour to the SEM, and model
#    churn with the survey constructs (Kaplan–Meier, Cox);
# 5. mine content preferences and association rules for personalised service, and compare everything with the
#    truth.

# %% tags=["parameters"]
N = 800
SEED = 20261130
DAYS = 90
CHURN_AFTER = 14  # days without activity that count as churn

# %%
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stickiness_research as sr

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
survey = sr.simulate_responses(q, n=N, seed=SEED)
truth = sr.latent_scores(q, n=N, seed=SEED)  # the true construct scores behind those answers
model = sr.BehaviourModel()  # the behaviour truth: visits, churn, reading, sharing and buying follow constructs
log = sr.simulate_events(q, survey, days=DAYS, seed=SEED, scores=truth, model=model)
print(f"{len(log):,} events of {log['user_id'].nunique()} users")
log.head(8)

# %% [markdown]
# The log has one row per event, as an official account or app exports it: `user_id`, `timestamp`,
# `event_type` (push, open, read, share, click, purchase), `session_id`, `content_type`, `completion` (share of
# an article read) and `product` (of a purchase). We write it to Parquet and read it back with `sr.read_events`,
# which checks the schema (a bad row is named by file, row and column), replaces every user id by a keyed
# pseudonym (HMAC-SHA256, the same key as for survey files, so respondents meet their own behaviour), and runs
# its queries with DuckDB through Ibis — 100 M events fit a laptop (`benchmarks/behaviour.py`).

# %%
folder = tempfile.mkdtemp()
path = os.path.join(folder, "events.parquet")
log.to_parquet(path)
events = sr.read_events(path, key=b"a-secret-key-kept-outside-the-repo")
events

# %%
metrics = sr.user_metrics(events, churn_after=CHURN_AFTER)
metrics[["active_days", "visits_per_week", "recency_days", "read_completion", "share_rate", "push_open_rate",
         "retained_d7", "churned", "lifetime_days"]].describe().round(2)

# %% [markdown]
# Each metric is defined in `sr.user_metrics`' documentation (pushes never count as activity; a user has
# churned after `CHURN_AFTER` silent days at the end of the window). By segment, with the stickiness ratio
# DAU/MAU of the last 30 days:

# %%
segment = survey.set_index("respondent_id")["product_type"]
by_segment = sr.segment_metrics(metrics, segment, events)
by_segment["dau_mau"] = sr.dau_mau(events, segments=segment)["dau_mau"]
by_segment[["users", "active_days", "visits_per_week", "dau_mau", "read_completion", "share_rate", "converted",
            "retained_d30", "churned"]].round(2)

# %%
cohorts = sr.cohort_retention(events)
cohorts.round(2)

# %% [markdown]
# ## Does the scale measure what users do?
#
# `sr.link_survey` joins each respondent to their own metrics by pseudonym (no raw id in the result), with their
# scale scores. The criterion validity of the stickiness scale is its correlation with behavioural stickiness
# (Pearson with Fisher-z intervals, as R's `cor.test`; Spearman beside it).

# %%
linked = sr.link_survey(survey, q, metrics, events)
sr.criterion_validity(linked).round(3)

# %% [markdown]
# ## Attitude → behaviour in one model
#
# The questionnaire's SEM with one more equation: visits per week regressed on the latent stickiness factor.
# The drivers' effects on behaviour run through the attitude: `total_<driver>` is each driver's total effect on
# visits per week, summed over every route to stickiness (e.g. interaction -> attachment -> stickiness and
# interaction -> stickiness) and carried on by the behaviour path.

# %%
sem = sr.behaviour_sem(q, linked, outcome="visits_per_week")
table = sem.estimates
table[(table["op"].isin(["~", ":="])) & table["lhs"].str.contains("visits|total_")][
    ["lhs", "op", "rhs", "est", "se", "pvalue", "std_all"]].round(3)

# %% [markdown]
# ## Who stays? Churn as survival
#
# Lifetime runs from a user's first day to the last active day (churned) or to the window's end (still
# active: censored). Kaplan–Meier curves by product, with the log-rank test:

# %%
survival = sr.churn_survival(linked, by="product_type")
fig, ax = plt.subplots(figsize=(6, 3.5))
survival["curves"].plot(ax=ax, drawstyle="steps-post")
ax.set_xlabel("days since first seen")
ax.set_ylabel("share still active")
ax.set_ylim(0, 1)
plt.show()
survival["summary"].round(2), survival["logrank"].round(4)

# %% [markdown]
# A Cox model with every scale score (standardized: hazard ratios per SD; Efron ties as R's `coxph`). In the
# simulation only stickiness drives churn, with a true hazard ratio of `exp(model.churn_log_hr)` per SD of the
# *latent* score; the scale score carries measurement error, so its hazard ratio is pulled toward 1.

# %%
cox = sr.churn_cox(linked)
print(f"true HR per SD of latent stickiness: {np.exp(model.churn_log_hr):.3f}")
cox.round(3)

# %%
linked_truth = linked.join(truth.set_axis(events.pseudonyms(pd.Series(truth.index)).to_numpy()).add_prefix("true_"))
sr.churn_cox(linked_truth, ["true_stickiness"]).round(3)  # with the true scores: the truth comes back

# %% [markdown]
# ## Content and timing for personalised service
#
# Which content each product's users read, where a segment departs from the others (adjusted standardized
# residuals above 2), and when they visit:

# %%
preferences = sr.content_preferences(events, segment)
(100 * preferences["shares"]).round(1), preferences["test"].round(3)

# %%
sr.reading_times(events, segment)[["weekday evening (19-23)", "weekday morning (06-11)", "peak"]]

# %% [markdown]
# Association rules over each user's basket of *product segment*, *favourite content*, *favourite time* and
# *purchases* (Apriori with `mlxtend`). Lift above 1 means the "if" makes the "then" more likely than it is across
# users — here, the rule behind "customer stories for insurance users on weekday evenings":

# %%
rules = sr.association_rules(events, segment, min_support=0.05, min_lift=1.2)
rules[rules["antecedents"].str.startswith("product=") & ~rules["antecedents"].str.contains("&")].head(10).round(3)

# %% [markdown]
# ## In a study config
#
# All of the above is one section of a report: add an `events:` section to a study config (a Parquet/CSV file
# or glob, or a simulation with its seed) and `stickiness report` adds the behaviour section, with the
# simulated truth beside the estimates. `reports/financial_wechat_behaviour.yaml` is the worked example:
#
# ```console
# stickiness report reports/financial_wechat_behaviour.yaml
# ```
#
# In R, the same numbers come from `cor.test`, `survival::survfit`/`survdiff`/`coxph(ties = "efron")` and
# `chisq.test`; `tests/reference/behaviour_survival.R` checks ours against them.
