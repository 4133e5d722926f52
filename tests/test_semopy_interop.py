"""semopy interop (to_semopy, from_semopy, partable_to_syntax), cross-checked by fitting with semopy.

semopy is used through its public API only: ``semopy.Model(description)``, ``.fit``, ``.inspect``
and ``semopy.calc_stats``. semopy's SLSQP stops earlier than our optimizer, so estimates agree to
1e-2 (relative), not to lavaan's precision.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import semopy

import stickiness_research as sr
from stickiness_research.sem.interop import from_semopy, partable_to_syntax, to_semopy
from stickiness_research.sem.partable import ParRow
from stickiness_research.sem.syntax import Options, lavaanify

REFERENCE = Path(__file__).resolve().parent / "reference"
HS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PD = (REFERENCE / "models" / "political_democracy.lav").read_text(encoding="utf-8")
PD_DEFINED = (REFERENCE / "models" / "political_democracy_defined.lav").read_text(encoding="utf-8")
LABELLED = ("visual =~ x1 + a*x2 + a*x3\ntextual =~ NA*x4 + 1*x5 + b*x6\nspeed =~ x7 + 0.8*x8 + x9\n"
            "speed ~ visual")
SECOND_ORDER = HS + "\ng =~ visual + textual + speed"
PATH = "y1 ~ x1 + x2\ny2 ~ x1 + x3\ny3 ~ y1 + y2"  # observed exogenous covariates (fixed.x)

# name: (lavaan syntax, data set, fit_sem keywords, semopy solver)
CASES = {
    "hs_cfa": (HS, "hs", {}, "SLSQP"),
    "hs_std_lv": (HS, "hs", {"std_lv": True}, "SLSQP"),
    "political_democracy": (PD, "pd", {}, "SLSQP"),
    "labels_fixed_loading": (LABELLED, "hs", {}, "SLSQP"),
    "second_order": (SECOND_ORDER, "hs", {}, "SLSQP"),
    # SLSQP stops 2.7% short on the flat y2 ~ x1 (estimate 0.68, se 1.0); L-BFGS-B converges
    "path_fixed_x": (PATH, "pd", {}, "L-BFGS-B"),
    "path_random_x": (PATH, "pd", {"fixed_x": False}, "L-BFGS-B"),
}


@pytest.fixture(scope="module")
def data() -> dict[str, pd.DataFrame]:
    return {"hs": pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv"),
            "pd": pd.read_csv(REFERENCE / "data" / "PoliticalDemocracy.csv")}


@pytest.fixture(scope="module")
def fitted(data):
    """name -> (ParTable, semopy description, fitted semopy.Model, our SEMResult), computed once."""
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            syntax, dataset, kw, solver = CASES[name]
            pt = lavaanify(syntax, Options(std_lv=kw.get("std_lv", False), fixed_x=kw.get("fixed_x", True)))
            desc = to_semopy(pt if kw else syntax)  # both inputs: a ParTable and syntax
            model = semopy.Model(desc)
            model.fit(data[dataset], solver=solver)
            cache[name] = (pt, desc, model, sr.fit_sem(syntax, data[dataset], **kw))
        return cache[name]

    return get


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """A row as semopy's inspect() shows it: loadings as ``item ~ factor``, covariances unordered."""
    if op == "=~":
        return (rhs, "~", lhs)
    if op == "~~":
        a, b = sorted((lhs, rhs))
        return (a, "~~", b)
    return (lhs, op, rhs)


def _semopy_estimates(model) -> dict:
    table = model.inspect(information=None)
    rows = zip(table["lval"], table["op"], table["rval"], table["Estimate"], strict=True)
    return {_key(a, op, b): float(est) for a, op, b, est in rows}


def _our_estimates(result) -> dict:
    est = result.estimates
    rows = zip(est["lhs"], est["op"], est["rhs"], est["est"], strict=True)
    return {_key(a, op, b): float(v) for a, op, b, v in rows if op in ("=~", "~", "~~")}


def _semopy_chi2(model, desc: str) -> float:
    if "\nstart " in desc:
        # semopy.calc_stats rebuilds a baseline model from the description without loadings and then
        # fails on the 'start' line that freed markers need; its chi-square itself is calc_chi2
        return float(semopy.stats.calc_chi2(model)[0])
    return float(semopy.calc_stats(model).loc["Value", "chi2"])


def _signature(pt) -> list:
    """Model rows by (lhs, op, rhs, group): free or fixed, ustart, exo; plus the equality pairs."""
    rows = sorted(((r.lhs, r.op, r.rhs, r.group),
                   (r.free > 0, None if math.isnan(r.ustart) else r.ustart, r.exo)) for r in pt.model_rows())
    where = {r.plabel: (r.lhs, r.op, r.rhs, r.group) for r in pt.rows}
    equal = sorted(tuple(sorted((where[r.lhs], where[r.rhs])))
                   for r in pt.rows if r.op == "==" and r.user == 2)
    return [rows, equal]


# ----- (a) round trip: lavaan model -> semopy description -> semopy estimates = ours ---------------
@pytest.mark.parametrize("name", list(CASES))
def test_to_semopy_estimates_match_fit_sem(fitted, name):
    pt, desc, model, ours = fitted(name)
    theirs = _semopy_estimates(model)
    mine = _our_estimates(ours)
    exo = {_key(r.lhs, r.op, r.rhs) for r in pt.rows if r.exo}  # semopy's inspect() hides these
    assert set(theirs) == set(mine) - exo
    for key, value in theirs.items():
        assert np.isclose(value, mine[key], rtol=1e-2, atol=1e-4), (key, value, mine[key])


# ----- (b) chi-square ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(CASES))
def test_semopy_chi2_matches_fit_sem(fitted, name):
    _, desc, model, ours = fitted(name)
    # semopy's chi2 is N * F_ML with the N-denominator sample covariance, as lavaan's chisq; the
    # 1e-3 tolerance (tighter than the 1% asked) would fail with N - 1 (N = 301 and 75 here)
    assert _semopy_chi2(model, desc) == pytest.approx(ours.fit_measures["chisq"], rel=1e-3)


def test_to_semopy_writes_every_row_and_frees_markers():
    desc = to_semopy(LABELLED)
    assert "textual =~ x4 + 1*x5 + b*x6" in desc  # NA* marker: free because another loading is fixed
    assert "visual =~ 1*x1 + a*x2 + a*x3" in desc
    assert "visual ~~ textual" in desc and "speed ~~ speed" in desc
    std = to_semopy(lavaanify("f =~ x1 + x2 + x3", Options(std_lv=True)))
    assert std.splitlines()[0] == "f =~ _sr1*x1 + _sr2*x2 + _sr3*x3"
    assert std.splitlines()[-1] == "start 1: _sr1 _sr2 _sr3"
    defined = to_semopy(PD_DEFINED)  # ':=' rows are dropped, labels kept
    assert ":=" not in defined and "dem65 ~ g2*ind60 + b1*dem60" in defined


def test_to_semopy_fixes_covariances_semopy_would_add():
    # lavaan: x1 is random (its variance is written), x2 a fixed.x covariate, x1 ~~ x2 absent (0);
    # semopy would fix x1 ~~ x2 at the sample covariance, so it is written as 0
    desc = to_semopy("y ~ x1 + x2\nx1 ~~ x1")
    assert "x1 ~~ 0*x2" in desc.splitlines()
    assert "x2 ~~" not in desc  # the fixed.x variance is left to semopy's identical rule


# ----- (c) from_semopy -----------------------------------------------------------------------------
@pytest.mark.parametrize("syntax, options", [
    (HS, Options()), (HS, Options(std_lv=True)), (PD, Options()), (LABELLED, Options()),
    (SECOND_ORDER, Options()), (PATH, Options()), ("y1 ~ x1\ny2 ~ x1", Options()),
])
def test_from_semopy_inverts_to_semopy(syntax, options):
    pt = lavaanify(syntax, options)
    back = from_semopy(semopy.Model(to_semopy(pt)))
    assert _signature(back) == _signature(pt)


SEMOPY_MODELS = {  # written for semopy, relying on its defaults
    "hs": ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", "hs"),
    "labelled_first": ("visual =~ a*x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", "hs"),
    "political_democracy": (PD, "pd"),
    "two_outcomes": ("y1 ~ x1 + x2\ny2 ~ x1 + x3", "pd"),
}


@pytest.mark.parametrize("name", list(SEMOPY_MODELS))
def test_from_semopy_then_fit_sem_matches_semopy(data, name):
    desc, dataset = SEMOPY_MODELS[name]
    model = semopy.Model(desc)
    model.fit(data[dataset], solver="L-BFGS-B")
    pt = from_semopy(model)
    ours = sr.fit_sem(partable_to_syntax(pt), data[dataset])
    mine = _our_estimates(ours)
    for key, value in _semopy_estimates(model).items():
        assert np.isclose(value, mine[key], rtol=1e-2, atol=1e-4), (key, value, mine[key])
    assert _semopy_chi2(model, desc) == pytest.approx(ours.fit_measures["chisq"], rel=1e-3)


def _rows(pt) -> dict:
    return {(r.lhs, r.op, r.rhs): r for r in pt.model_rows()}


def test_from_semopy_makes_semopy_defaults_explicit():
    rows = _rows(from_semopy("f =~ a*x1 + x2 + x3\ny1 ~ f\ny2 ~ f"))
    assert rows["f", "=~", "x1"].free and rows["f", "=~", "x1"].label == "a"  # labelled first loading: free
    assert not rows["f", "=~", "x2"].free and rows["f", "=~", "x2"].ustart == 1.0  # first unlabelled: marker
    assert not rows["y1", "~~", "y2"].free and rows["y1", "~~", "y2"].ustart == 0.0  # no auto.cov.y
    lavaan_like = _rows(from_semopy(semopy.Model("y1 ~ x1\ny2 ~ x1", mimic_lavaan=True)))
    assert lavaan_like["y1", "~~", "y2"].free
    single = _rows(from_semopy("f =~ x1\ny ~ f"))
    assert single["x1", "~~", "x1"].free  # semopy has no auto.fix.single
    diag = _rows(from_semopy(semopy.Model("f =~ x1 + x2\ng =~ x3 + x4\nh =~ x5 + x6\nh ~ f + g",
                                          cov_diag=True)))
    assert not diag["f", "~~", "g"].free and diag["f", "~~", "g"].ustart == 0.0
    exo = from_semopy("y ~ x1 + x2")  # semopy's fixed exogenous moments = lavaan's fixed.x rows
    assert exo.ov_x == ("x1", "x2")
    assert {(r.lhs, r.rhs) for r in exo.rows if r.exo} == {("x1", "x1"), ("x1", "x2"), ("x2", "x2")}
    started = _rows(from_semopy("f =~ a*x1 + b*x2 + c*x3\nf ~~ 1*f\nSTART(0.5) a b c"))
    assert started["f", "=~", "x1"].free and started["f", "=~", "x1"].ustart == 0.5


# ----- partable_to_syntax --------------------------------------------------------------------------
GROUPS_C = ("visual =~ x1 + c(a1, a2)*x2 + c(1, NA)*x3\ntextual =~ x4 + x5 + x6\nx1 ~~ c(0.5, NA)*x1\n"
            "visual ~ c(b, b)*textual")


@pytest.mark.parametrize("syntax, options", [
    (HS, Options()),
    (HS, Options(std_lv=True)),
    (PD_DEFINED, Options()),
    (PATH + "\nx1 ~ 1", Options(meanstructure=True)),
    (PATH, Options(fixed_x=False)),
    ("f =~ x1 + start(0.7)*x2 + x3\ny ~ b*f + x4\nb > 0\nx4 ~~ start(2)*x4", Options()),
    ("i =~ 1*t1 + 1*t2 + 1*t3\ns =~ 0*t1 + 1*t2 + 2*t3", Options.growth()),
    (GROUPS_C, Options(ngroups=2, meanstructure=True)),
    (HS, Options(ngroups=2, meanstructure=True, group_equal=("loadings", "intercepts"))),
    (HS, Options(ngroups=3, meanstructure=True, group_equal=("loadings",), group_partial=("visual =~ x2",))),
])
def test_partable_to_syntax_reproduces_model_rows(syntax, options):
    pt = lavaanify(syntax, options)
    text = partable_to_syntax(pt)
    again = lavaanify(text, Options(ngroups=pt.ngroups, fixed_x=pt.fixed_x))
    assert _signature(again) == _signature(pt)
    def written(table):
        return [(r.lhs, r.op, r.rhs) for r in table.rows if r.op in (":=", "==", "<", ">") and r.user == 1]

    assert written(again) == written(pt)


def test_partable_to_syntax_writes_group_modifiers():
    text = partable_to_syntax(lavaanify(GROUPS_C, Options(ngroups=2)))
    assert "visual =~ NA*x1" not in text  # the marker is fixed in both groups: one value for all
    assert text.splitlines()[0] == "visual =~ 1*x1 + c(a1, a2)*x2 + c(1, NA)*x3"
    assert "x1 ~~ c(0.5, NA)*x1" in text


def test_partable_to_syntax_fits_like_group_equal(data):
    hs = data["hs"]
    direct = sr.fit_sem(HS, hs, group="school", group_equal=("loadings", "intercepts"))
    pt = lavaanify(HS, Options(ngroups=2, meanstructure=True, group_equal=("loadings", "intercepts")))
    written = sr.fit_sem(partable_to_syntax(pt), hs, group="school")
    assert written.fit_measures["chisq"] == pytest.approx(direct.fit_measures["chisq"], rel=1e-8)
    assert written.fit_measures["df"] == direct.fit_measures["df"]


def test_partable_to_syntax_names_rows_that_constraints_reference_by_plabel():
    pt = lavaanify("f =~ x1 + x2 + x3\ny ~ f")
    extra = ParRow(id=len(pt.rows) + 1, lhs=".p2.", op="==", rhs=".p3.", user=1, block=0, group=0, free=0)
    text = partable_to_syntax(pt.replace_rows([*pt.rows, extra]))
    assert "f =~ 1*x1 + NA*x2" not in text and "f =~ 1*x1 + p2*x2 + p3*x3" in text
    assert text.splitlines()[-1] == "p2 == p3"


# ----- (d) errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("model, match", [
    ("f =~ x1 + x2 + x3\nx1 ~ 1", "mean"),
    (lavaanify(HS, Options(ngroups=2)), "2 groups"),
    ("y ~ b*x\nb > 0", "constraint"),
    ("f =~ x1 + START*x2 + x3", "START"),
    ("f =~ x1 + inf*x2 + x3", "number"),
    ("f =~ x1 + _b1*x2 + x3", "_b1"),
    ("f =~ x1 + x2 + x3\ny ~~ f", "covariance between one of them and a latent"),
    (42, "ParTable"),
])
def test_to_semopy_errors(model, match):
    with pytest.raises(sr.ModelSpecError, match=match):
        to_semopy(model)


@pytest.mark.parametrize("model, match", [
    ("f =~ x1 + x2 + x3\nBOUND(0, 1) _b1", "BOUND"),
    ("f =~ x1 + x2 + x3\nDEFINE(latent) g\ng ~ f", "DEFINE"),
    ("y ~ x1 + x2\nx1 ~~ x2", "sample value"),
    ("y ~ x1 + START*x2", "START"),
    ("y ~ x1 +", "semopy cannot read"),
    (42, "semopy.Model"),
])
def test_from_semopy_errors(model, match):
    with pytest.raises(sr.ModelSpecError, match=match):
        from_semopy(model)


def test_from_semopy_rejects_other_semopy_models():
    with pytest.raises(sr.ModelSpecError, match="ModelMeans"):
        from_semopy(semopy.ModelMeans("y ~ x1"))
    with pytest.raises(sr.ModelSpecError, match="baseline"):
        from_semopy(semopy.Model("y ~ x1", baseline=True))
