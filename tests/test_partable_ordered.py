"""Ordered items in the parameter table: our lavaanify() builds lavaan's table for WLSMV fits.

The references (tests/reference/lavaanify_ordered/<case>.json) were written by
``Rscript tests/reference/lavaanify_ordered.R`` with lavaan 0.6.14: ``parTable()`` of
``cfa()``/``sem()`` fits with ``ordered = ...`` and ``estimator = "WLSMV"`` on simulated 5-point data
(tests/reference/lavaanify_ordered/likert.csv): a 5-factor CFA (delta and theta), an SEM with
regressions, an observed covariate and an ordered outcome, a binary item with std.lv, mixed
ordered/continuous indicators, user-written thresholds with labels, fixed and start values, and
two-group models with group.equal = thresholds + loadings (delta and theta), per-group modifiers,
user-written ``~*~`` and ``~~`` rows of ordered items, group.partial on a threshold, and no
equalities. Each test compares our table row by row (same order) on the columns
id lhs op rhs user group free ustart exo label plabel.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, partable_mismatches

import stickiness_research as sr
from stickiness_research.errors import ParameterError
from stickiness_research.sem.syntax import Options, lavaanify

FOLDER = REFERENCE / "lavaanify_ordered"
CASES = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(FOLDER.glob("*.json"))}
LIKERT4 = {f"y{i}": 4 for i in range(1, 5)}
CFA1 = "f1 =~ y1 + y2 + y3 + y4"


def options_of(case: dict) -> Options:
    o = case["options"]
    return Options(ordered=case["nthresholds"], parameterization=o["parameterization"], ngroups=o["ngroups"],
                   group_equal=tuple(o["group_equal"]), group_partial=tuple(o["group_partial"]),
                   std_lv=o["std_lv"], auto_fix_first=not o["std_lv"])


def test_every_reference_case_is_present():
    assert set(CASES) == {
        "cfa5_likert", "cfa5_likert_theta", "sem_regressions", "single_ordered_indicator_not_fitted",
        "binary_item_std_lv", "mixed_ordered_continuous", "user_thresholds", "two_group_thresholds_loadings",
        "two_group_thresholds_loadings_theta", "two_group_modifiers_partial", "two_group_theta_modifiers",
        "two_group_configural"}
    assert {c["lavaan_version"] for c in CASES.values()} == {"0.6.14"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_partable_matches_lavaan_wlsmv_fit(name):
    case = CASES[name]
    pt = lavaanify(case["syntax"], options_of(case))
    ours = pt.to_frame()
    theirs = case["table"]
    n = len(theirs["id"])
    bad = partable_mismatches(ours, theirs)
    assert len(ours) == n and not bad, (
        f"{len(ours)} rows vs lavaan's {n}; {len(bad)} cell(s) differ: " + "; ".join(bad[:6])
        + f"\n--- {case['call']}\n{case['syntax']}")
    # the table knows its ordered items (lavaan's ov.ord) and lavaan's categorical options
    with_thresholds = {lhs for lhs, op in zip(theirs["lhs"], theirs["op"], strict=True) if op == "|"}
    assert set(pt.ov_ord) == with_thresholds and pt.ov_ord == tuple(v for v in pt.ov_names if v in with_thresholds)
    assert pt.meanstructure is case["lavaan_options"]["meanstructure"] is True
    assert pt.conditional_x is case["lavaan_options"]["conditional.x"]
    assert pt.parameterization == case["options"]["parameterization"]


def test_numbers_of_thresholds_are_the_data_categories_minus_one():
    data = pd.read_csv(FOLDER / "likert.csv")
    for case in CASES.values():
        assert case["nthresholds"] == {v: int(data[v].nunique()) - 1 for v in case["nthresholds"]}
    assert CASES["binary_item_std_lv"]["nthresholds"]["b1"] == 1


def test_delta_and_theta_differ_only_where_lavaan_frees_the_later_groups_scales():
    delta = lavaanify(CASES["two_group_thresholds_loadings"]["syntax"],
                      options_of(CASES["two_group_thresholds_loadings"])).to_frame()
    theta = lavaanify(CASES["two_group_thresholds_loadings_theta"]["syntax"],
                      options_of(CASES["two_group_thresholds_loadings_theta"])).to_frame()
    differ = (delta["free"] > 0) != (theta["free"] > 0)
    changed = set(zip(delta.loc[differ, "op"], delta.loc[differ, "group"], strict=True))
    assert changed == {("~*~", 2), ("~~", 2)}  # delta: scaling factors free; theta: residual variances free
    assert (delta.loc[differ & (delta["op"] == "~*~"), "free"] > 0).all()
    assert (theta.loc[differ & (theta["op"] == "~~"), "free"] > 0).all()


def test_ordered_option_forms_and_unused_items():
    pairs = lavaanify(CFA1, Options(ordered=tuple(LIKERT4.items())))
    mapping = lavaanify(CFA1, Options(ordered=LIKERT4))
    assert pairs is mapping  # normalised to one hashable option, so the cached table is shared
    assert Options(ordered=LIKERT4).ordered == (("y1", 4), ("y2", 4), ("y3", 4), ("y4", 4))
    assert [r.formula() for r in mapping.thresholds()][:5] == ["y1 | t1", "y1 | t2", "y1 | t3", "y1 | t4",
                                                              "y2 | t1"]
    # items the model does not use change nothing: a continuous model stays as it was
    plain = lavaanify(CFA1)
    unused = lavaanify(CFA1, Options(ordered={"q9": 4}))
    assert unused.to_frame().equals(plain.to_frame()) and unused.rows == plain.rows and unused.ov_ord == ()
    assert not any(r.op in ("|", "~*~") for r in plain)


def test_threshold_labels_can_be_used_in_definitions_and_constraints():
    pt = lavaanify(CFA1 + "\ny1 | a*t1 + b*t2\nd := b - a\na < b", Options(ordered=LIKERT4))
    assert {"a", "b"} <= set(pt.labels())
    assert [(r.lhs, r.op, r.rhs) for r in pt if r.op in (":=", "<")] == [("d", ":=", "b-a"), ("a", "<", "b")]


def test_conditional_x_marks_regressions_on_covariates_exo():
    syntax = CFA1 + "\nf1 ~ x1"
    default = {(r.lhs, r.op, r.rhs): r.exo for r in lavaanify(syntax, Options(ordered=LIKERT4))}
    assert default[("f1", "~", "x1")] == 1 and default[("x1", "~~", "x1")] == 1
    off = {(r.lhs, r.op, r.rhs): r.exo for r in lavaanify(syntax, Options(ordered=LIKERT4, conditional_x=False))}
    assert off[("f1", "~", "x1")] == 0 and off[("x1", "~~", "x1")] == 1
    # an ordered covariate is treated as numeric (lavaan drops exogenous variables from ordered)
    pt = lavaanify(syntax, Options(ordered={**LIKERT4, "x1": 4}))
    assert pt.ov_ord == ("y1", "y2", "y3", "y4") and not any(r.lhs == "x1" and r.op == "|" for r in pt)
    with pytest.raises(sr.ModelSpecError, match="fixed_x=False cannot be combined with conditional_x"):
        lavaanify(syntax, Options(ordered=LIKERT4, fixed_x=False))


@pytest.mark.parametrize(("syntax", "options", "message"), [
    (CFA1 + "\ny1 | t1 + t2", Options(ordered={"y2": 4}),
     r"model line 2: y1 \| t1: thresholds \('\|'\) are for ordinal items, and 'y1' is not declared ordered"),
    (CFA1 + "\ny1 | a1", Options(ordered=LIKERT4), r"model line 2: 'a1' in 'y1 \| a1' is not a threshold name"),
    ("f1 =~ y1 + y2 +\n y3 + y4\ny1 | t1 + th2", Options(ordered=LIKERT4), r"model line 3: 'th2' .* not a threshold"),
    (CFA1 + "\ny1 | t0", Options(ordered=LIKERT4), r"model line 2: 't0' .* not a threshold name"),
    (CFA1 + "\n\ny1 | t1 + t2 + t3 + t4 + t5", Options(ordered=LIKERT4),
     r"model line 3: y1 \| t5: 'y1' has 4 threshold\(s\) \(5 categories.*t1\.\.t4"),
    (CFA1 + "\ny1 | t2", Options(ordered={**LIKERT4, "y1": 1}), r"model line 2: y1 \| t2: .* thresholds are t1\."),
    (CFA1 + "\ny2 ~*~ y2", Options(ordered={"y1": 4}), r"model line 2: y2 ~\*~ y2: scaling factors .* not declared"),
    (CFA1 + "\ny2 ~*~ y3", Options(ordered=LIKERT4), r"model line 2: .* same ordered item on both sides"),
    (CFA1 + "\nf1 | t1", Options(ordered=LIKERT4), r"model line 2: f1 \| t1: 'f1' is a latent variable"),
    (CFA1 + "\nf1 ~ x1\nx1 | t1", Options(ordered={**LIKERT4, "x1": 4}),
     r"model line 3: x1 \| t1: 'x1' is an exogenous covariate"),
    (CFA1, Options(ngroups=2, group_equal=("thresholds",)), "group_equal 'thresholds' is for ordered items"),
])
def test_bad_ordinal_syntax_names_the_line(syntax, options, message):
    with pytest.raises(sr.ModelSpecError, match=message):
        lavaanify(syntax, options)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"ordered": ("y1", "y2")}, "'ordered' parameter of Options must be a mapping"),
    ({"ordered": {"y1": 0}}, "'y1' needs an int >= 1"),
    ({"ordered": {"y1": True}}, "'y1' needs an int >= 1"),
    ({"ordered": {"y1": 4.0}}, "'y1' needs an int >= 1"),
    ({"ordered": {"1y": 4}}, "keys are variable names"),
    ({"parameterization": "Delta"}, "'parameterization' parameter of Options must be 'delta' or 'theta'"),
    ({"conditional_x": "yes"}, "'conditional_x' parameter of Options"),
])
def test_bad_ordinal_options(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        Options(**kwargs)


def test_fit_sem_refuses_thresholds_by_name():
    data = pd.read_csv(FOLDER / "likert.csv")
    with pytest.raises(sr.ModelSpecError, match=r"model line 2: .*with fit_sem, pass ordered=\['y1', \.\.\.\]"):
        sr.fit_sem(CFA1 + "\ny1 | t1 + t2 + t3 + t4", data)
    with pytest.raises(sr.ModelSpecError, match="estimator 'WLSMV' is for ordered items: pass ordered=True"):
        sr.fit_sem(CFA1, data, estimator="WLSMV")
    with pytest.raises(sr.ModelSpecError, match="ordered items need a categorical estimator, not 'ML'"):
        sr.fit_sem(CFA1, data, estimator="ML", ordered=True)


def test_a_table_with_ordered_items_is_not_estimated_as_continuous():
    """The ML engine refuses ordered items rather than drop their thresholds."""
    from stickiness_research.sem.build import build_problem
    from stickiness_research.sem.syntax import Options, lavaanify

    pt = lavaanify("f =~ y1 + y2 + y3", Options(ordered={"y1": 4, "y2": 4, "y3": 4}))
    with pytest.raises(sr.ModelSpecError, match="ordered items .*WLSMV"):
        build_problem(pt, [("", np.eye(3), np.zeros(3), 100)])
