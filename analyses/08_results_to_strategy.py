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
# # 8. From results to strategy
#
# A marketing office does not act on a path coefficient; it acts on a ranked list of levers. This notebook runs
# the worked-example study (`reports/financial_wechat.yaml`) end to end, then reads its strategy part: each
# driver's total effect on stickiness with its bootstrap interval (importance), how well users rate it
# (performance, 0–100), the importance–performance map, the levers the playbook offers for each significant
# driver, and the priorities of each respondent segment. The same study builds the full report with
# `stickiness report reports/financial_wechat.yaml`.

# %% tags=["parameters"]
N_BOOT = 200  # the study config asks for 1000; fewer keeps this notebook fast
LANGUAGE = "en"  # or "zh"

# %%
import tempfile
from pathlib import Path

import stickiness_research as sr
from stickiness_research.report import write_report
from stickiness_research.report.figures import ipma_chart

cfg = sr.load_study_config(sr.builtin_study_path())
cfg = cfg.model_copy(update={"analyses": cfg.analyses.model_copy(update={"bootstrap": N_BOOT, "htmt_bootstrap": 100})})
cfg._source = sr.builtin_study_path().resolve()
study = sr.run_study(cfg)
print(f"{len(study.raw)} read, {len(study.raw) - len(study.scored)} excluded, N = {study.sem.n_obs}")
print(study.sem.fit_line())

# %% [markdown]
# ## Importance and performance of each driver
# Importance is the standardized total effect (direct plus every indirect path); a driver whose interval
# includes zero is not significant and will not be recommended.

# %%
study.ipma.round(3)

# %%
from IPython.display import SVG, display

names = {c: study.questionnaire.name_of(c, LANGUAGE) for c in study.questionnaire.construct_ids}
display(SVG(ipma_chart([{"label": names[r.construct], "importance": r.importance, "performance": r.performance,
                         "significant": bool(r.significant)} for r in study.ipma.itertuples()],
                       "Importance (total β)", "Performance (0–100)")))

# %% [markdown]
# ## The playbook: levers ranked by evidence

# %%
for r in study.recommendations:
    print(f"{r.rank}. {names[r.construct]} — {r.status} (β = {r.importance:.2f}, 95% CI [{r.ci_lower:.2f}, "
          f"{r.ci_upper:.2f}]; performance {r.performance:.1f}; {r.quadrant})")
    for lever in r.levers:
        print("     -", lever[LANGUAGE])
assert all(r.levers == () for r in study.recommendations if r.status != "recommended")

# %% [markdown]
# ## Segments and their priorities
# Respondents are clustered on the exogenous drivers only: the drivers of stickiness that nothing in the
# model explains (`stickiness_research.study.segment_basis`), not on stickiness itself and not on the
# mediators. A segment chosen by the outcome, or by a consequence of a driver, selects respondents on what
# the drivers explain, and the drivers' effects within it are then biased toward zero. The segments are
# described on every construct, stickiness too. Within each segment the drivers' total effects are
# re-estimated (OLS with HC3 *t* intervals) and ordered by importance × the segment's performance gap; a
# driver is ranked only when its interval lies above zero.

# %%
print("clustered on:", ", ".join(names[c] for c in study.segments.on))
study.segments.centers.round(2)

# %%
study.segment_priorities.query("rank <= 2").round(3)

# %% [markdown]
# ## The report
# The same result renders as a self-contained HTML page, Markdown, Word tables and a JSON file of every number.

# %%
out = Path(tempfile.mkdtemp()) / "financial_wechat"
paths = write_report(study, out, language=LANGUAGE)
{kind: p.name for kind, p in paths.items()}
