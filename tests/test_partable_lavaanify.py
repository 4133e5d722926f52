"""Our lavaanify() builds exactly lavaan's parameter table for 200 random model syntaxes.

The sample (tests/reference/lavaanify/sample.json) was written by
``Rscript tests/reference/lavaanify_sample.R`` with lavaan 0.6.14: random CFA/SEM syntaxes with
labels, fixed values, NA markers, start values, intercepts, := definitions, second-order factors,
shared labels and per-group modifiers, with 1 or 2 groups, group.equal subsets, std.lv and
meanstructure on or off, each run through ``lavaanify(model, auto = TRUE, ...)`` with sem()'s switches.
Each test compares our table row by row (same order) on the columns
id lhs op rhs user group free ustart exo label plabel.
"""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE, partable_mismatches

from stickiness_research.sem.syntax import Options, lavaanify

SAMPLE = json.loads((REFERENCE / "lavaanify" / "sample.json").read_text(encoding="utf-8"))
MODELS = SAMPLE["models"]


def test_sample_size():
    assert len(MODELS) == 200


@pytest.mark.parametrize("model", MODELS, ids=[f"model{m['index']:03d}" for m in MODELS])
def test_partable_matches_lavaanify(model):
    o = model["options"]
    opts = Options(meanstructure=o["meanstructure"], std_lv=o["std_lv"], auto_fix_first=not o["std_lv"],
                   ngroups=o["ngroups"], group_equal=tuple(o["group_equal"]))
    ours = lavaanify(model["syntax"], opts).to_frame()
    theirs = model["table"]
    n = len(theirs["id"])
    context = f"\n--- syntax ---\n{model['syntax']}\n--- options --- {o}"
    bad = partable_mismatches(ours, theirs)
    assert len(ours) == n and not bad, (
        f"{len(ours)} rows vs lavaan's {n}; {len(bad)} cell(s) differ: " + "; ".join(bad[:6]) + context)
