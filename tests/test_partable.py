"""The model language: parser and rules (ParTable), what the fit reports from it, and the fit line.

The numbers themselves are checked against lavaan in test_lavaan_battery.py and
test_partable_lavaanify.py; here: behaviours a user relies on that a reference file cannot show.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.report import apa
from stickiness_research.sem.syntax import Options, lavaanify

HS = sr.datasets.holzinger_swineford()
HS3 = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
BATTERY = "tests/reference/battery"


def rows(pt, op=None):
    return [(r.lhs, r.op, r.rhs, r.free > 0, r.ustart, r.label) for r in pt if op is None or r.op == op]


def test_label_on_marker_keeps_it_fixed_and_na_frees_it():
    pt = lavaanify("visual =~ l1*x1 + l2*x2 + x3")
    assert rows(pt, "=~")[0] == ("visual", "=~", "x1", False, 1.0, "l1")
    pt = lavaanify("visual =~ NA*x1 + x2 + x3\nvisual ~~ 1*visual")
    assert rows(pt, "=~")[0][3] is True and rows(pt, "=~")[1][3] is True
    assert [r for r in pt if r.op == "~~" and r.lhs == "visual"][0].ustart == 1.0


def test_na_is_not_a_label():
    pt = lavaanify("a =~ NA*x1 + x2\nb =~ NA*x3 + x4\nc =~ NA*x5 + x6")
    assert not any(r.op == "==" for r in pt)
    assert all(r.label == "" for r in pt if r.op == "=~")


def test_observed_covariates_are_fixed_x_and_outcomes_stay_regressions():
    pt = lavaanify("visual =~ x1 + x2 + x3\nx9 ~ visual + ageyr")
    assert ("x9", "~", "visual", True, pytest.approx(math.nan, nan_ok=True), "") in rows(pt, "~")
    assert pt.ov_x == ("ageyr",)
    exo = [r for r in pt if r.exo]
    assert [(r.lhs, r.op, r.rhs, r.free) for r in exo] == [("ageyr", "~~", "ageyr", 0)]
    res = sr.fit_sem("visual =~ x1 + x2 + x3\nx9 ~ visual + ageyr", HS)
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    assert ("x9", "~", "visual") in est.index and ("visual", "=~", "x9") not in est.index
    exo_row = est.loc[("ageyr", "~~", "ageyr")]
    assert exo_row["est"] == pytest.approx(HS["ageyr"].var(ddof=0)) and exo_row["se"] == 0


def test_second_order_factor_is_a_loading():
    res = sr.fit_sem(HS3 + "\ng =~ visual + textual + speed", HS)
    ops = set(zip(res.estimates["lhs"], res.estimates["op"], res.estimates["rhs"], strict=True))
    assert ("g", "=~", "textual") in ops and ("visual", "~", "g") not in ops


def test_every_loading_labelled_fits_at_once():
    syntax = ("visual =~ l1*x1 + l2*x2 + l3*x3\ntextual =~ t1*x4 + t2*x5 + t3*x6\n"
              "speed =~ s1*x7 + s2*x8 + s3*x9\nrv := l3/l2")
    res = sr.fit_sem(syntax, HS)
    assert res.fit_measures["chisq"] == pytest.approx(85.306, abs=1e-3) and res.fit_measures["df"] == 24
    rv = res.estimates.set_index("lhs").loc["rv", "est"]
    assert rv == pytest.approx(0.7294 / 0.5535, rel=1e-3)


def test_modifiers_per_group_and_errors():
    pt = lavaanify("f =~ x1 + c(a, b)*x2 + x3", Options(ngroups=2))
    assert [r.label for r in pt if r.op == "=~" and r.rhs == "x2"] == ["a", "b"]
    with pytest.raises(sr.ModelSpecError, match="2 labels in c\\(\\), but the model has 3 group"):
        lavaanify("f =~ x1 + c(a, b)*x2 + x3", Options(ngroups=3))
    with pytest.raises(sr.ModelSpecError, match="unknown modifier"):
        lavaanify("f =~ x1 + foo(2)*x2 + x3")
    with pytest.raises(sr.ModelSpecError, match="two different fixed modifiers"):
        lavaanify("f =~ x1 + 0.5*x2 + 0.7*x2")
    # a value and a label on one term: lavaan 0.6 keeps the label and frees the parameter (lavaanify("y ~ 0.5*b*x")
    # gives free 1, ustart NA), so we refuse rather than fit another model; NA with a label, or a start value, is fine
    for term in ("0.5*b*x2", "b*0.5*x2", "c(0.5, NA)*c(b1, b2)*x2"):
        with pytest.raises(sr.ModelSpecError, match=r"fixes its parameter \(0.5\) and labels it \(b1?\).*'b1? == 0.5'"):
            lavaanify(f"f =~ x1 + {term} + x3", Options(ngroups=2))
    free = [r for r in lavaanify("f =~ x1 + NA*b*x2 + start(0.5)*c*x3") if r.op == "=~"]
    assert [(r.label, r.free > 0) for r in free] == [("", False), ("b", True), ("c", True)]


def test_multi_line_formulas_and_comments():
    text = "visual =~ x1 +   # first\n   x2\n + x3 ! lavaan's other comment\ntextual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    assert rows(lavaanify(text)) == rows(lavaanify(HS3))


def test_group_partial_frees_the_named_parameter():
    common = dict(group="school", group_equal=("loadings", "intercepts"))
    full = sr.fit_sem(HS3, HS, **common)
    partial = sr.fit_sem(HS3, HS, group_partial=("visual =~ x2", "x7 ~ 1"), **common)
    assert partial.fit_measures["df"] == full.fit_measures["df"] - 2
    est = partial.estimates.set_index(["lhs", "op", "rhs", "group"])["est"]
    assert est[("visual", "=~", "x2", "Pasteur")] != pytest.approx(est[("visual", "=~", "x2", "Grant-White")])
    assert est[("visual", "=~", "x3", "Pasteur")] == pytest.approx(est[("visual", "=~", "x3", "Grant-White")])


def test_partable_of_a_fit_has_lavaan_columns_and_estimates():
    res = sr.fit_sem("m ~ a*x1 + x2\ny ~ b*m + x1\nind := a*b", pd.read_csv("tests/reference/data/case_path_mediation.csv"))
    pt = res.partable
    assert list(pt.columns[:12]) == ["id", "lhs", "op", "rhs", "user", "block", "group", "free", "ustart", "exo",
                                     "label", "plabel"]
    ind = pt[pt["op"] == ":="].iloc[0]
    assert ind["est"] == pytest.approx(0.202, abs=5e-4) and ind["se"] == pytest.approx(0.040, abs=5e-4)


def test_questionnaire_to_partable_matches_its_syntax():
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    assert q.to_partable().to_frame().equals(lavaanify(q.model_syntax()).to_frame())


def test_fit_line_of_an_mlr_fit_reports_scaled_and_robust_statistics():
    ref = json.load(open(f"{BATTERY}/case_mlr_nonnormal.json"))
    res = sr.fit_sem(ref["model"], pd.read_csv(ref["data_file"]), estimator="MLR")
    fm = ref["fit_measures"]
    line = res.fit_line()
    assert f"chisq({int(fm['df'])}) = {fm['chisq.scaled']:.3f}" in line and "TLI = 1.005" in line
    assert "robust CFI, TLI and RMSEA" in line
    report_line = apa.fit_line(res.fit_measures)
    assert f"= {fm['chisq.scaled']:.2f}" in report_line and "Yuan-Bentler" in report_line
    assert "[.000, .038]" in report_line
    ml = sr.fit_sem(ref["model"], pd.read_csv(ref["data_file"]))
    assert "Yuan-Bentler" not in ml.fit_line() and f"{fm['chisq']:.3f}" in ml.fit_line()


def test_linear_and_inequality_constraints():
    res = sr.fit_sem("visual =~ x1 + a*x2 + b*x3\na == 2*b\n" + HS3.split("\n", 1)[1], HS)
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    assert est[("visual", "=~", "x2")] == pytest.approx(2 * est[("visual", "=~", "x3")])
    bound = sr.fit_sem("visual =~ x1 + a*x2 + x3\na > 0.8\n" + HS3.split("\n", 1)[1], HS)
    assert bound.estimates.set_index(["lhs", "op", "rhs"])["est"][("visual", "=~", "x2")] == pytest.approx(0.8)
    assert any("inequality constraint active" in w for w in bound.warnings)


def test_growth_model_with_means():
    data = pd.read_csv("tests/reference/data/battery_demo_growth.csv")
    res = sr.fit_sem("i =~ 1*t1 + 1*t2 + 1*t3 + 1*t4\ns =~ 0*t1 + 1*t2 + 2*t3 + 3*t4", data, model_type="growth")
    means = res.estimates[res.estimates["op"] == "~1"].set_index("lhs")
    assert means.loc["t1", "se"] == 0 and means.loc["i", "se"] > 0 and means.loc["s", "se"] > 0


def test_lavaan_refusals_and_tolerances():
    with pytest.raises(sr.ModelSpecError, match="'x1' has the name of a data column"):
        sr.fit_sem("x1 =~ x2 + x3 + x4", HS)
    with pytest.raises(sr.ModelSpecError, match="already specified on line 1"):
        lavaanify("visual =~ x1 + x2 + x3\nvisual =~ x1 + a*x2 + x3")
    with pytest.raises(sr.ModelSpecError, match="already specified"):
        lavaanify("f =~ x1 + x2 + x3\nx1 ~~ x2\nx2 ~~ x1")
    with pytest.raises(sr.ModelSpecError, match="need a grouping column"):
        sr.fit_sem(HS3, HS, group_partial=("visual =~ x2",))
    with pytest.raises(sr.ModelSpecError, match="no rows"):
        sr.fit_sem(HS3, HS.iloc[:0])
    assert rows(lavaanify("\ufeff" + HS3)) == rows(lavaanify(HS3))  # a Windows byte-order mark
    assert sr.fit_sem(HS3, HS, missing="FIML").estimator == "ML (FIML)"


def test_heywood_case_has_no_r2():
    data = HS.iloc[:60]
    res = sr.fit_sem(HS3 + "\nx1 ~~ -0.2*x1", data)
    assert math.isnan(res.r2["x1"]) and not math.isnan(res.r2["x2"])


@pytest.mark.parametrize("modifier", ["c(a, NA)", "c(NA, a)", "c(a,NA)"])
def test_na_among_labels_is_refused(modifier):
    """lavaan 0.6 drops the NA and gives the other label to every group (warning), holding the groups equal; read as a
    label "NA" it tied every parameter so marked across items (x2 and x3 equal in one group: reviewer). Neither is
    what c(a, NA) suggests, so it is refused with the two ways to write what was meant."""
    with pytest.raises(sr.ModelSpecError, match=r"NA among labels; lavaan 0.6 gives the other label to every group .*"
                                                r"c\(a1, a2\).*c\(a, a\)"):
        sr.fit_sem(f"visual =~ x1 + {modifier}*x2 + x3", HS, group="school")
    # numbers with NA stay what they are: fixed in one group, free in the other
    pt = lavaanify("f =~ x1 + c(NA, 0.5)*x2 + x3", Options(ngroups=2))
    assert [(r.free > 0, r.ustart) for r in pt if r.op == "=~" and r.rhs == "x2"][1] == (False, 0.5)


@pytest.mark.parametrize(("kwargs", "why"), [
    ({"missing": "ml", "data": "HolzingerSwineford1939_mcar10.csv"}, "missing='ml'"),
    ({"group": "school", "group_equal": ["loadings", "intercepts"]}, "group_equal ['intercepts']"),
    ({"group": "school", "group_equal": ["loadings", "means"]}, "group_equal ['means']"),
])
def test_meanstructure_false_gives_way_where_the_model_needs_means(kwargs, why):
    """lavaan sets meanstructure = TRUE for FIML and for intercepts or means held equal. meanstructure=False once fitted
    FIML with every mean at 0 (chi-square 1364.9 on df 33 where lavaan's is 70.18 on 24) and scalar invariance as the
    metric model (npar 36, not 48: reviewer). Now the fit is the default one, and a note says so."""
    data = pd.read_csv(f"tests/reference/data/{kwargs.pop('data')}") if "data" in kwargs else HS
    default = sr.fit_sem(HS3, data, model_type="cfa", **kwargs)
    with pytest.warns(sr.StickinessWarning, match="meanstructure=False overridden"):
        forced = sr.fit_sem(HS3, data, model_type="cfa", meanstructure=False, **kwargs)
    assert forced.fit_measures.equals(default.fit_measures) and forced.estimates.equals(default.estimates)
    assert forced.warnings[0] == (f"meanstructure=False overridden: {why} needs the means and intercepts (lavaan sets "
                                  "meanstructure = TRUE there too).")
    if "missing" in kwargs:  # lavaan: npar 30, df 24, chisq 70.176
        assert forced.fit_measures["chisq"] == pytest.approx(70.176, abs=1e-3) and forced.fit_measures["npar"] == 30
    if kwargs.get("group_equal") == ["loadings", "intercepts"]:  # lavaan's scalar model: npar 48, chisq 164.103
        assert forced.fit_measures["chisq"] == pytest.approx(164.103, abs=1e-3) and forced.fit_measures["npar"] == 48


def test_whole_number_groups_keep_their_names_when_the_column_has_gaps():
    """A numeric group column with a missing value is float in pandas: its groups were named '7.0' and '8.0'."""
    data = HS.copy()
    data.loc[data.index[:3], "grade"] = float("nan")
    res = sr.fit_sem("visual =~ x1 + x2 + x3", data, group="grade")
    assert res.groups == ("7", "8")
    assert set(res.estimates["group"]) == {"7", "8"}


def test_constraints_may_name_defined_and_labelled_fixed_parameters():
    """'d == 0.1' with 'd := a - b' is the linear 'a - b == 0.1', and 'b == a' with 'a' a fixed marker holds b at 1,
    as lavaan fits them (battery cases hs_constraint_on_defined, hs_constraint_on_fixed_marker); both were refused as
    "nonlinear". A defined parameter that is nonlinear in the labels still is."""
    base = HS3 + "\ntextual ~ a*visual\nspeed ~ b*textual\n"
    held = sr.fit_sem(base + "d := a - b\nd == 0", HS, model_type="sem")
    equal = sr.fit_sem(base + "a == b", HS, model_type="sem")
    assert held.fit_measures["chisq"] == pytest.approx(equal.fit_measures["chisq"], abs=1e-9)
    with pytest.raises(sr.ModelSpecError, match="'d == 0.1' is a nonlinear constraint"):
        sr.fit_sem(base + "d := a*b\nd == 0.1", HS)


def test_a_negative_factor_variance_has_no_standardized_value():
    """lavaan's std.all of a negative variance is NA (its SD is not a number); it was 1 here (variance / variance),
    while std.lv was already NA (reviewer). lavaan 0.6.14: x1 ~~ x1 std.all 2.346, visual ~~ textual .230."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sr.fit_sem("visual =~ x1 + x2 + -0.3*x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", HS)
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    assert est.loc[("visual", "~~", "visual"), "est"] == pytest.approx(-1.658, abs=1e-3)
    assert math.isnan(est.loc[("visual", "~~", "visual"), "std_all"])
    assert est.loc[("x1", "~~", "x1"), "std_all"] == pytest.approx(2.346, abs=1e-3)
    assert est.loc[("visual", "~~", "textual"), "std_all"] == pytest.approx(0.230, abs=1e-3)


def test_a_label_given_once_in_a_multi_group_model_is_noted():
    """lavaan warns that a single label holds a parameter equal across groups; a path meant to differ by segment
    would otherwise be equal without a word (reviewer). One label per group says nothing."""
    with pytest.warns(sr.StickinessWarning, match=r"label\(s\) 'a' given once in a multi-group model hold their "
                                                  r"parameters equal across the groups"):
        once = sr.fit_sem("visual =~ x1 + a*x2 + x3", HS, group="school")
    per_group = sr.fit_sem("visual =~ x1 + c(a1, a2)*x2 + x3", HS, group="school")
    assert not any("given once" in w for w in per_group.warnings)
    assert once.fit_measures["df"] == per_group.fit_measures["df"] + 1
