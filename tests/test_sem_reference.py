"""fit_sem agrees with lavaan 0.6 (ML, default settings) on frozen reference fits (tests/reference/)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import REFERENCE, lavaan_reference

import stickiness_research as sr

# case -> fit_sem keyword arguments matching the lavaan call recorded in its JSON
CASE_ARGS: dict[str, dict] = {
    "holzinger_swineford_cfa": {},
    "holzinger_swineford_structural": {},
    "political_democracy": {},
    "political_democracy_defined": {},
    "holzinger_swineford_meanstructure": {"meanstructure": True},
    "hs_school_configural": {"group": "school"},
    "hs_school_metric": {"group": "school", "group_equal": ["loadings"]},
    "hs_school_scalar": {"group": "school", "group_equal": ["loadings", "intercepts"]},
    "hs_school_strict": {"group": "school", "group_equal": ["loadings", "intercepts", "residuals"]},
    "holzinger_swineford_mlr": {"estimator": "MLR"},
    "political_democracy_mlr": {"estimator": "MLR"},
    "stickiness_default": {},
    "holzinger_swineford_fiml": {"missing": "ml"},
}
SCALED_MEASURES = ["chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
                   "baseline.chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust",
                   "tli.robust", "rmsea.robust"]
CASES = list(CASE_ARGS)
FIT_MEASURES = ["npar", "fmin", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "nfi",
                "logl", "unrestricted.logl", "aic", "bic", "bic2", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                "rmsea.pvalue", "srmr"]
RTOL = 1e-3  # the project's contract: agree with lavaan to 1e-3 relative


def close(ours: float, theirs: float | None, rtol: float = RTOL, atol: float = 1e-6) -> bool:
    if theirs is None:
        return ours is None or math.isnan(ours)
    return math.isclose(ours, theirs, rel_tol=rtol, abs_tol=atol)


@pytest.fixture(scope="module", params=CASES)
def case(request):
    ref = lavaan_reference(request.param)
    data = pd.read_csv(REFERENCE / "data" / ref["data_file"].split("/")[-1])
    model = (REFERENCE / "models" / ref["model_file"].split("/")[-1]).read_text(encoding="utf-8")
    return request.param, ref, sr.fit_sem(model, data, **CASE_ARGS[request.param])


def _key(lhs: str, op: str, rhs: str, group: str = "") -> tuple:
    return (group, op, lhs, rhs) if op != "~~" else (group, op, *sorted((lhs, rhs)))


def ref_key(ref: dict, e: dict) -> tuple:
    """Key of a lavaan row; lavaan numbers groups 1..G, we name them by label."""
    if e["op"] == ":=":
        return (":=", e["lhs"])
    group = ref["group_labels"][int(e["group"]) - 1] if ref.get("ngroups", 1) > 1 else ""
    return _key(e["lhs"], e["op"], e["rhs"], group)


def our_key(r: dict) -> tuple:
    if r["op"] == ":=":
        return (":=", r["lhs"])
    return _key(r["lhs"], r["op"], r["rhs"], r.get("group", ""))


def test_same_parameters(case):
    _, ref, res = case
    theirs = {ref_key(ref, e) for e in ref["estimates"] if e["op"] != ":="}
    ours = {our_key(r) for r in res.estimates.to_dict("records") if r["op"] != ":="}
    assert ours == theirs
    assert int(res.fit_measures["npar"]) == int(ref["fit_measures"]["npar"])


@pytest.mark.parametrize("column", ["est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_lv", "std_all"])
def test_estimates_match_lavaan(case, column):
    name, ref, res = case
    ours = {our_key(r): r for r in res.estimates.to_dict("records")}
    bad = []
    for e in ref["estimates"]:
        key = ref_key(ref, e)
        theirs = e[column]
        mine = ours[key][column]
        if column == "pvalue" and theirs is not None and theirs < 1e-6:
            ok = mine < 1e-6  # tiny p-values differ only in the normal tail's float noise
        elif column.startswith("ci_"):
            # a bound near zero magnifies relative error: judge it on the scale of its standard error
            ok = close(mine, theirs, atol=RTOL * (e["se"] or 0) + 1e-6)
        else:
            ok = close(mine, theirs, atol=1e-5 if column != "pvalue" else 1e-4)
        if not ok:
            bad.append(f"{key}: ours {mine!r} lavaan {theirs!r}")
    assert not bad, f"{name} {column}: " + "; ".join(bad)


@pytest.mark.parametrize("measure", FIT_MEASURES)
def test_fit_measures_match_lavaan(case, measure):
    name, ref, res = case
    theirs = ref["fit_measures"][measure]
    mine = float(res.fit_measures[measure])
    assert close(mine, theirs, atol=1e-6), f"{name} {measure}: ours {mine} lavaan {theirs}"


@pytest.mark.parametrize("name", [n for n, args in CASE_ARGS.items() if args.get("estimator") == "MLR"])
def test_robust_fit_measures_match_lavaan(name):
    ref = lavaan_reference(name)
    data = pd.read_csv(REFERENCE / "data" / ref["data_file"].split("/")[-1])
    model = (REFERENCE / "models" / ref["model_file"].split("/")[-1]).read_text(encoding="utf-8")
    res = sr.fit_sem(model, data, **CASE_ARGS[name])
    bad = [f"{m}: ours {res.fit_measures[m]} lavaan {ref['fit_measures'][m]}" for m in SCALED_MEASURES
           if not close(float(res.fit_measures[m]), ref["fit_measures"][m], atol=1e-6)]
    assert not bad, "; ".join(bad)


def test_r2_matches_lavaan(case):
    _, ref, res = case
    if ref.get("ngroups", 1) > 1:
        expected = {(g, v): x for g, values in ref["r2"].items() for v, x in values.items()}
    else:
        expected = ref["r2"]
    assert set(res.r2.index) == set(expected)
    for var, value in expected.items():
        assert close(float(res.r2[var]), value), var


def test_classic_headline_values():
    """The values every SEM user knows (lavaan tutorial): HS chisq 85.306 on 24 df, CFI .931, TLI .896."""
    ref = lavaan_reference("holzinger_swineford_cfa")
    fm = ref["fit_measures"]
    assert round(fm["chisq"], 3) == 85.306 and fm["df"] == 24
    assert (round(fm["cfi"], 3), round(fm["tli"], 3), round(fm["rmsea"], 3), round(fm["srmr"], 3)) == \
        (0.931, 0.896, 0.092, 0.065)


def test_equality_labels_are_one_parameter():
    ref = lavaan_reference("political_democracy")
    data = pd.read_csv(REFERENCE / "data" / "PoliticalDemocracy.csv")
    res = sr.fit_sem((REFERENCE / "models" / "political_democracy.lav").read_text(), data)
    a = res.estimates[res.estimates["label"] == "a"]
    assert len(a) == 2 and a["est"].nunique() == 1 and a["se"].nunique() == 1
    assert int(res.fit_measures["df"]) == int(ref["fit_measures"]["df"]) == 38


def test_estimate_is_reproducible():
    data = sr.datasets.holzinger_swineford()
    model = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text()
    a, b = sr.fit_sem(model, data), sr.fit_sem(model, data)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


@pytest.mark.parametrize("kind", ["std_all", "std_lv"])
def test_standardized_solution_matches_lavaan(case, kind):
    name, ref, res = case
    table = res.standardized_solution(kind)
    ours = {our_key(r): r for r in table.to_dict("records")}
    bad = []
    for e in ref["standardized_all" if kind == "std_all" else "standardized_lv"]:
        key = ref_key(ref, e)
        mine = ours[key]
        for col, theirs in ((kind, e["est_std"]), ("se", e["se"])):
            if not close(mine[col], theirs, atol=1e-5):
                bad.append(f"{key} {col}: ours {mine[col]!r} lavaan {theirs!r}")
    assert not bad, f"{name} {kind}: " + "; ".join(bad)


def test_modification_indices_match_lavaan(case):
    name, ref, res = case
    table = res.modification_indices()
    labels = list(res.groups)
    ours = {(*_key(r["lhs"], r["op"], r["rhs"]), r.get("group", "")): r for r in table.to_dict("records")}
    theirs = {(*_key(m["lhs"], m["op"], m["rhs"]),
               labels[int(m["group"]) - 1] if labels and "group" in m else ""): m for m in ref["modindices"]}
    assert set(ours) == set(theirs)
    bad = []
    for key, m in theirs.items():
        for col in ("mi", "epc", "sepc_lv", "sepc_all"):
            if not close(ours[key][col], m[col], atol=1e-4):
                bad.append(f"{key} {col}: ours {ours[key][col]!r} lavaan {m[col]!r}")
    assert not bad, f"{name}: " + "; ".join(bad[:5])
    assert list(table["mi"]) == sorted(table["mi"], reverse=True)
