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
# # 6. A classroom pack
#
# Teaching SEM works best when every student analyses *their own* data and the teacher knows the truth behind
# each dataset. `build_classroom` (or `stickiness classroom --students 30 --seed 1 -o DIR`) writes one
# simulated dataset per student from the questionnaire's population model, an exercise sheet in English and
# Chinese, and an instructor key with the true values and, from fitting the model on each dataset, exactly what
# a correct answer looks like. `grade` checks a student's results JSON against it.

# %% tags=["parameters"]
STUDENTS = 5
SEED = 20260506
N = 200  # respondents per student
VARY_EFFECTS = True  # give each student their own true paths (within ±.10 of the questionnaire's)
OUT_DIR = None  # None: a temporary folder

# %%
import json
import tempfile
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

import stickiness_research as sr
from stickiness_research.classroom import answer_from_fit, build_classroom, expected_answer, grade, load_key

out = Path(OUT_DIR or tempfile.mkdtemp(prefix="classroom_"))
pack = build_classroom(sr.builtin_questionnaire_path(), STUDENTS, SEED, out, n=N, vary_effects=VARY_EFFECTS)
sorted(str(p.relative_to(pack)) for p in pack.rglob("*") if p.is_file())

# %% [markdown]
# Hand out everything except `instructor/`. Each student's data seed is derived from the class seed with
# `numpy.random.SeedSequence(SEED).spawn(...)`, so rebuilding the pack gives the same datasets, and adding
# students later does not change anyone's data.
#
# ## The exercise sheet
#
# It tells students what to fit (the model syntax), what to recode, which hypotheses to test and by which rule,
# what to report and the exact JSON to hand in. The start of it:

# %%
sheet = (pack / "exercise.md").read_text(encoding="utf-8")
display(Markdown(sheet.split("## 2.")[0]))

# %% [markdown]
# ## The instructor key
#
# For every student: the true values (here jittered per student) and the expected estimates from their own
# dataset. Where the two disagree on a verdict, that dataset made a sampling error worth discussing in class.

# %%
key = load_key(pack / "instructor" / "key.json")
overview = pd.DataFrame.from_dict({
    sid: {"data seed": e["data_seed"],
          **{f"true {h}": e["true"]["hypotheses"][h]["beta"] for h in ("H1", "H6")},
          **{f"expected {h}": e["expected"]["hypotheses"][h]["beta"] for h in ("H1", "H6")},
          "supported": sum(v["supported"] for v in e["expected"]["hypotheses"].values()),
          "cfi": e["expected"]["fit_measures"]["cfi"]}
    for sid, e in key["students"].items()}, orient="index")
overview.round(3)

# %% [markdown]
# ## A student does the exercise
#
# Student 2 follows the sheet in Python: read the data, reverse-code `con4`, fit `model.lav`, report.

# %%
student = "student_02"
data = pd.read_csv(pack / "data" / f"{student}.csv")
data["con4"] = 6 - data["con4"]
res = sr.fit_sem((pack / "model.lav").read_text(encoding="utf-8"), data)
est = res.estimates
est[est["label"] != ""][["label", "est", "pvalue", "std_all"]].round(4)

# %%
q = sr.load_questionnaire(sr.builtin_questionnaire_path())
answer = {"student_id": student, **answer_from_fit(res, q)}
for h in answer["hypotheses"].values():  # students round; the tolerances allow it
    h["beta"], h["p"] = round(h["beta"], 3), round(h["p"], 4)
submitted = pack / f"{student}_results.json"
submitted.write_text(json.dumps(answer, indent=2), encoding="utf-8")
grade(submitted, pack / "instructor" / "key.json")

# %% [markdown]
# ## Common mistakes, and what the grader says
#
# Forgetting to reverse-code `con4` leaves the model's fit unchanged (recoding is a linear transformation) but
# flips the sign of that item's loading; the sheet asks for the loading so that the grader can see it.

# %%
raw = pd.read_csv(pack / "data" / "student_03.csv")
forgot = {"student_id": "student_03", **answer_from_fit(sr.fit_sem(q.model_syntax(), raw), q)}
result = grade(forgot, key)
print(result.summary().splitlines()[0])
for item in result.failures():
    print(f"  {item.item}: {item.message}")

# %% [markdown]
# Handing in a neighbour's answers fails on most items, and a malformed file is refused with a message that says
# what to fix:

# %%
copied = expected_answer(key, "student_04") | {"student_id": "student_05"}
print(grade(copied, key).summary().splitlines()[0])
broken = expected_answer(key, "student_05")
broken["hypotheses"]["H3"]["p"] = "< .001"
try:
    grade(broken, key)
except sr.ResponseDataError as exc:
    print("refused:", exc)

# %% [markdown]
# On the command line: `stickiness grade DIR/instructor/key.json student_02_results.json --student student_02`
# prints the same per-item report and exits with code 1 when an item fails.
