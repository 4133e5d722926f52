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
# # 2. Collecting (simulating) and screening responses
#
# Real survey data contain people who did not read the items: straight-liners who tick "agree" throughout,
# random clickers, alternators and speeders. Online panels typically carry 5–15 % of them, and they bias
# estimates towards zero or towards spurious correlations. Here we simulate a sample *with* careless
# respondents and missing answers, so that we know exactly who is careless, and check how well simple
# screening indices find them and what they do to the estimates.

# %% tags=["parameters"]
N = 600
SEED = 20260502
CARELESS = 0.08  # share of careless respondents
MISSING = 0.03  # share of item answers missing completely at random
MIN_SECONDS_PER_ITEM = 2.0  # faster than this is not reading

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import stickiness_research as sr
from stickiness_research.classroom import true_values
from stickiness_research.sem.hypotheses import hypothesis_table

q = sr.load_questionnaire(sr.builtin_questionnaire_path())
raw = sr.simulate_responses(q, n=N, seed=SEED, careless=CARELESS, missing=MISSING)
raw.head()

# %% [markdown]
# The simulator marks who it made careless (`careless_type`); real data have no such column, which is why
# we screen. The answers to the reverse-keyed item `con4` are as respondents gave them.

# %%
raw["careless_type"].replace("", "attentive").value_counts()

# %% [markdown]
# ## A first look at the items
#
# Satisfaction-type items lean towards agreement (means above the scale midpoint, negative skew), which is
# what the population model's response-style shift reproduces; the reverse-keyed `con4` leans the other way.

# %%
items = q.item_ids
described = raw[items].astype(float).agg(["mean", "std", "skew"]).T
described["missing"] = raw[items].isna().mean()
described.round(2)

# %%
shares = (raw[items[:8]].apply(lambda s: s.value_counts(normalize=True)).T.reindex(columns=[1, 2, 3, 4, 5]).fillna(0))
ax = shares.plot.barh(stacked=True, figsize=(7, 3.5), colormap="RdYlGn", width=0.8)
ax.set_xlabel("share of answers")
ax.legend(title="answer", bbox_to_anchor=(1.0, 1.0), frameon=False)
ax.invert_yaxis()
plt.tight_layout()

# %% [markdown]
# ## Screening indices
#
# Four simple indices from the careless-responding literature (Curran 2016; Meade & Craig 2012):
#
# * **attention check**: the instructed answer was not given;
# * **long string**: the longest run of identical answers in questionnaire order;
# * **IRV** (intra-individual response variability): the standard deviation of one person's answers; very
#   low means straight-lining, very high means alternating between the poles;
# * **speed**: seconds per item.

# %%
order = [c for c in raw.columns if c in items or c in {a.id for a in q.attention_checks}]


def longest_run(row: pd.Series) -> int:
    values = row.dropna().to_numpy()
    if len(values) == 0:
        return 0
    breaks = np.flatnonzero(np.diff(values) != 0)
    edges = np.concatenate(([-1], breaks, [len(values) - 1]))
    return int(np.diff(edges).max())


screen = pd.DataFrame({
    "attention_failed": np.column_stack([raw[a.id] != a.expected for a in q.attention_checks]).any(axis=1),
    "long_string": raw[order].apply(longest_run, axis=1),
    "irv": raw[items].astype(float).std(axis=1),
    "seconds_per_item": raw["duration_seconds"] / len(order),
}, index=raw.index)
screen.groupby(raw["careless_type"].replace("", "attentive")).mean().round(2)

# %% [markdown]
# Each kind of carelessness shows up on a different index, so a screen combines them. The cut-offs below
# are conventional rather than estimated: a run of more than half the items, an IRV in the outer 2.5 % of the
# sample, or under two seconds per item.

# %%
flags = pd.DataFrame({
    "attention": screen["attention_failed"],
    "long_string": screen["long_string"] > len(order) / 2,
    "irv": (screen["irv"] < screen["irv"].quantile(0.025)) | (screen["irv"] > screen["irv"].quantile(0.975)),
    "speed": screen["seconds_per_item"] < MIN_SECONDS_PER_ITEM,
})
flagged = flags.any(axis=1)
truth = raw["careless_type"] != ""
pd.crosstab(raw["careless_type"].replace("", "attentive"), flagged.rename("flagged"), margins=True)

# %%
hits, false_alarms = (flagged & truth).sum(), (flagged & ~truth).sum()
print(f"flagged {flagged.sum()} of {N}: {hits} of {truth.sum()} careless respondents found "
      f"(sensitivity {hits / truth.sum():.0%}), {false_alarms} attentive respondents flagged "
      f"({false_alarms / (~truth).sum():.1%} of them)")

# %% [markdown]
# ## What careless respondents do to the results
#
# Fit the hypothesised model on everyone, and on the screened sample, and compare the fit and the
# standardized paths with the truth. Reverse coding comes first, exactly once. Both fits use full-information
# ML for the missing answers (next section), so that the only difference is who is in the sample.

# %%
data = sr.reverse_code(raw, q)
screened = data[~flagged]


def paths(frame: pd.DataFrame, missing: str = "ml") -> tuple[pd.Series, sr.SEMResult]:
    res = sr.fit_sem(q.model_syntax(), frame, missing=missing)
    table = hypothesis_table(res, q)
    return table.set_index("hypothesis")["std_all"], res


everyone, res_all = paths(data)
clean, res_clean = paths(screened)
true_beta = {h: v["beta"] for h, v in true_values(q)["hypotheses"].items()}  # indirect: product of paths
comparison = pd.DataFrame({"true": true_beta, "everyone": everyone, "screened": clean})
comparison["error_everyone"] = comparison["everyone"] - comparison["true"]
comparison["error_screened"] = comparison["screened"] - comparison["true"]
comparison.round(3)

# %%
print("mean absolute error, everyone:", round(comparison["error_everyone"].abs().mean(), 3))
print("mean absolute error, screened:", round(comparison["error_screened"].abs().mean(), 3))
print("fit, everyone:", res_all.fit_line())
print("fit, screened:", res_clean.fit_line())

# %% [markdown]
# ## Missing answers
#
# With 3 % of answers missing at random, listwise deletion throws away every respondent with at least one
# gap: over half the sample here. Full-information ML (`missing="ml"`, lavaan's `missing = "ml"`) uses every
# answer that was given.

# %%
complete = screened[items].notna().all(axis=1)
print(f"screened sample: {len(screened)} respondents, {complete.sum()} with no missing item "
      f"({1 - complete.mean():.0%} would be lost listwise)")
listwise, res_listwise = paths(screened, missing="listwise")
table = pd.DataFrame({"true": true_beta, "listwise": listwise, "fiml": clean})
print(f"N used: listwise {res_listwise.n_obs}, FIML {res_clean.n_obs}")
print("mean absolute error, listwise:", round((table["listwise"] - table["true"]).abs().mean(), 3))
print("mean absolute error, FIML:    ", round((table["fiml"] - table["true"]).abs().mean(), 3))
table.round(3)

# %% [markdown]
# The clearest damage careless respondents do is to the model's fit: a correct model looks badly misspecified
# (compare CFI and RMSEA above), which tempts researchers to "repair" it. The paths move less; with this share
# of careless respondents their shift is of the same order as sampling error. A handful of simple indices
# finds most careless respondents, and FIML keeps the sample that listwise deletion would halve. What remains
# between estimate and truth is ordinary sampling error, the subject of `05_power_and_sample_size.py`.
#
# Next: `03_measurement_model.py` checks that the items measure what they should.
