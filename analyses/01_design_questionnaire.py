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
# # 1. Designing the questionnaire
#
# Every study in this toolkit starts from one YAML file: the instrument (bilingual items on Likert scales),
# the hypotheses it is built to test, and a *population model* that says what the world would look like if
# the hypotheses were true. This notebook loads the built-in instrument for users of financial enterprises'
# WeChat official accounts, shows what it contains, and turns its hypotheses into the lavaan model that the
# later notebooks fit.

# %% tags=["parameters"]
QUESTIONNAIRE = None  # None: the built-in instrument; or a path to your own YAML file
LANGUAGES = ("zh", "en")

# %%
from pathlib import Path

import pandas as pd

import stickiness_research as sr
from stickiness_research.simulate import population_model

pd.set_option("display.max_colwidth", 120)
path = QUESTIONNAIRE or sr.builtin_questionnaire_path()
q = sr.load_questionnaire(path)
q

# %% [markdown]
# Loading validates the file: structure (pydantic), cross-references (every item names a construct that
# exists, every hypothesis names constructs that exist) and design rules. Mistakes stop with the file, line and
# field; softer problems (for example a construct with fewer than three items) are kept as warnings.

# %%
print(f"{q.meta.id} v{q.meta.version}: {len(q.constructs)} constructs, {len(q.items)} items, "
      f"{len(q.attention_checks)} attention check(s), {len(q.demographics)} background questions, "
      f"{len(q.hypotheses)} hypotheses")
print("warnings:", q.warnings or "none")
for lang in LANGUAGES:
    print(f"[{lang}] {q.meta.title[lang]}")

# %% [markdown]
# A mistake in the file is reported with its place and a hint. Here a typo in one item's construct:

# %%
text = Path(path).read_text(encoding="utf-8")
broken = text.replace("construct: trust\n", "construct: turst\n", 1)
try:
    sr.loads_questionnaire(broken, source="broken.yaml")
except sr.QuestionnaireError as exc:
    print(exc)

# %% [markdown]
# ## Constructs and their sources
#
# Each construct has a bilingual name and definition and cites the scale its items were adapted from.

# %%
pd.DataFrame([{"construct": c.id, **{f"name_{lang}": c.name[lang] for lang in LANGUAGES},
               "items": len(q.items_of(c.id)), "source": (c.source or "")[:80]} for c in q.constructs])

# %% [markdown]
# ## Items, side by side in both languages
#
# Item ids are the column names of the data everywhere downstream. One item is reverse-keyed (agreeing
# means *less* convenience); it must be recoded once before any analysis.

# %%
items = pd.DataFrame([{"item": i.id, "construct": i.construct, "reverse": i.reverse,
                       **{lang: i.text[lang] for lang in LANGUAGES}} for i in q.items])
items

# %%
scale = q.response_sets[q.default_response_set]
pd.DataFrame({"code": scale.codes, **{lang: scale.labels[lang] for lang in LANGUAGES}})

# %% [markdown]
# Attention checks sit between the items and have one right answer; background questions describe the sample
# and define groups (product type is used for invariance and group comparisons later).

# %%
pd.DataFrame([{"check": a.id, "after": a.after, "expected": a.expected, **{lang: a.text[lang] for lang in LANGUAGES}}
              for a in q.attention_checks])

# %%
pd.DataFrame([{"question": d.id, "kind": d.kind, "options": ", ".join(o.value for o in d.options),
               "depends_on": d.depends_on or "", "en": d.text["en"]} for d in q.demographics])

# %% [markdown]
# ## Hypotheses
#
# Direct hypotheses become labelled paths (`h1*interaction`); mediation hypotheses (with `via:`) become
# defined parameters, the product of the paths along the chain.

# %%
pd.DataFrame([{"hypothesis": h.id, "path": " -> ".join(h.chain), "sign": h.sign,
               "kind": "indirect" if h.is_indirect else "direct", **{lang: h.text[lang] for lang in LANGUAGES}}
              for h in q.hypotheses])

# %% [markdown]
# ## The model to fit
#
# The lavaan syntax below is generated from the constructs (measurement part) and hypotheses (structural
# part). It is what `sr.fit_sem(q.model_syntax(), data)` fits, and what R users can paste into `lavaan::sem()`.

# %%
print(q.model_syntax())

# %% [markdown]
# ## The population model: the known truth used for simulation
#
# Standardized paths, correlations among the exogenous constructs and item loadings, chosen within the ranges
# reported by published stickiness studies (paths .15–.55, loadings .70–.90). From them follow the latent
# correlations and the variance each endogenous construct has explained (R²).

# %%
pop = population_model(q)
truth = pd.DataFrame([{"path": f"{a} -> {b}", "beta": beta} for (a, b), beta in pop.paths.items()])
truth

# %%
print("R² in the population:", {k: round(v, 3) for k, v in pop.r2.items()})
pd.DataFrame(pop.latent_cov, index=pop.constructs, columns=pop.constructs).round(2)

# %% [markdown]
# Next: `02_simulate_and_screen.py` draws respondents from this model, including careless ones, and screens them.
