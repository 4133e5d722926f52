"""Higher-order constructs by repeated indicators (fit_pls(..., hoc="repeated_indicators")).

seminr (R and the Python port) implements only the two-stage approach (``higher_composite(method = two_stage)``);
the repeated-indicators model is an ordinary PLS model in which the dimensions' items are written into the
higher-order construct's block too, and that model the seminr port (a dev dependency) does estimate: it is the
reference here."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.pls.bootstrap import _check_batch_equals_single

DIMENSIONS = "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nExpectation =~ CUEX1 + CUEX2 + CUEX3\n" \
             "Value =~ PERV1 + PERV2\nLoyalty =~ CUSL1 + CUSL2 + CUSL3\n"
CASES = {
    # a reflective-type HOC: HOC -> dimensions; the HOC predicts Value and Loyalty
    "mode_a": DIMENSIONS + "Quality =~ Image + Expectation\nValue ~ Quality\nLoyalty ~ Quality + Value",
    # a formative-type HOC: dimensions -> HOC (mode B on all repeated items), with an antecedent of the HOC
    "mode_b": DIMENSIONS + "Quality <~ Image + Expectation\nQuality ~ Value\nLoyalty ~ Quality",
}
ITEMS = {"Image": [f"IMAG{i}" for i in range(1, 6)], "Expectation": ["CUEX1", "CUEX2", "CUEX3"],
         "Value": ["PERV1", "PERV2"], "Loyalty": ["CUSL1", "CUSL2", "CUSL3"]}
TOL = 1e-10


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


def _port(seminr, mobi, case: str):
    mode_b = case == "mode_b"
    specs = [seminr.composite(c, items, weights=seminr.mode_A) for c, items in ITEMS.items()]
    specs.append(seminr.composite("Quality", ITEMS["Image"] + ITEMS["Expectation"],
                                  weights=seminr.mode_B if mode_b else seminr.mode_A))
    if mode_b:
        sm = seminr.relationships(seminr.paths(["Image", "Expectation", "Value"], "Quality"),
                                  seminr.paths("Quality", "Loyalty"))
    else:
        sm = seminr.relationships(seminr.paths("Quality", ["Image", "Expectation", "Value", "Loyalty"]),
                                  seminr.paths("Value", "Loyalty"))
    return seminr.estimate_pls(mobi, seminr.constructs(*specs), sm)


def _cells(named) -> dict[tuple[str, str], float]:
    """(row, column) -> value of a seminr NamedMatrix, non-zero cells only (its rows repeat a repeated item)."""
    return {(r, c): float(named.values[i, j]) for i, r in enumerate(named.rows) for j, c in enumerate(named.cols)
            if named.values[i, j] != 0}


@pytest.mark.parametrize("case", sorted(CASES))
def test_repeated_indicators_agree_with_the_seminr_port(mobi, case):
    seminr = pytest.importorskip("seminr")
    port = _port(seminr, mobi, case)
    res = sr.fit_pls(CASES[case], mobi, hoc="repeated_indicators")
    assert res.model.blocks["Quality"] == tuple(ITEMS["Image"] + ITEMS["Expectation"])
    assert res.model.modes["Quality"] == ("B" if case == "mode_b" else "A")
    for name, theirs in (("paths", port.path_coef), ("loadings", port.outer_loadings),
                         ("weights", port.outer_weights)):
        mine = {"paths": res.paths(), "loadings": res.loadings(), "weights": res.weights()}[name]
        cells = _cells(theirs)
        assert len(cells) >= 4
        worst = max(abs(mine.loc[r, c] - v) for (r, c), v in cells.items())
        assert worst < TOL, (name, worst)
    r2 = res.r2.set_index("construct")["r2"]
    for c in r2.index:  # seminr's R^2 row of its summary: the explained share of each endogenous construct
        preds = res.model.predecessors(c)
        scores = res.construct_scores
        beta = np.linalg.lstsq(scores[preds].to_numpy(), scores[c].to_numpy(), rcond=None)[0]
        assert r2[c] == pytest.approx(1 - np.var(scores[c] - scores[preds] @ beta) / np.var(scores[c]), abs=1e-9)


def test_repeated_indicators_bootstrap_and_model_shape(mobi):
    res = sr.fit_pls(CASES["mode_a"], mobi, hoc="repeated_indicators")
    assert set(res.model.paths) >= {("Quality", "Image"), ("Quality", "Expectation")}
    assert res.solution.first_stage is None and res.settings["hoc"] == "repeated_indicators"
    z = res.data.to_numpy()
    rows = np.random.default_rng(0).integers(0, len(z), len(z))
    zz = (z[rows] - z[rows].mean(axis=0)) / z[rows].std(axis=0, ddof=1)
    assert _check_batch_equals_single(res, zz.T @ zz / (len(z) - 1)) < 1e-12  # the batched bootstrap applies
    boot = res.bootstrap(60, seed=4)
    one_by_one = res.bootstrap(60, seed=4, n_jobs=2)
    pd.testing.assert_frame_equal(boot.table, one_by_one.table)
    assert boot.n_failed == 0
    loading = boot.table.query("lhs == 'Quality' and op == '=~' and rhs == 'CUEX1'")
    assert loading["ci_lower"].iloc[0] < loading["est"].iloc[0] < loading["ci_upper"].iloc[0]
    two_stage = sr.fit_pls(CASES["mode_a"], mobi)  # the default stays seminr's two-stage approach
    assert two_stage.settings["hoc"] == "two_stage" and two_stage.solution.first_stage is not None
    assert not np.isclose(two_stage.paths().loc["Quality", "Loyalty"], res.paths().loc["Quality", "Loyalty"])


FLAT = {  # the repeated-indicators models written out by hand: the items in both blocks, the HOC's paths explicit
    "mode_a": DIMENSIONS + "Quality =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5 + CUEX1 + CUEX2 + CUEX3\n"
                           "Value ~ Quality\nLoyalty ~ Quality + Value\nImage + Expectation ~ Quality",
}
INTERACTION = DIMENSIONS + "Value ~ Image + Expectation + Image:Expectation\nLoyalty ~ Value"


def test_hoc_argument_is_checked(mobi):
    with pytest.raises(sr.ParameterError, match="'hoc'"):
        sr.fit_pls(CASES["mode_a"], mobi, hoc="repeated")


def test_ipma_and_micom_work_with_repeated_indicators(mobi):
    """Both equal the same analyses of the model written out by hand (an ordinary model with repeated items)."""
    res = sr.fit_pls(CASES["mode_a"], mobi, hoc="repeated_indicators")
    flat = sr.fit_pls(FLAT["mode_a"], mobi)
    assert flat.model.constructs == res.model.constructs
    np.testing.assert_allclose(res.paths().to_numpy(), flat.paths().to_numpy(), rtol=0, atol=1e-14)
    mine = res.ipma(mobi, "Loyalty", scale_min=1, scale_max=10)
    hand = flat.ipma(mobi, "Loyalty", scale_min=1, scale_max=10)
    pd.testing.assert_frame_equal(mine.constructs, hand.constructs, check_exact=False, atol=1e-12)
    pd.testing.assert_frame_equal(mine.indicators, hand.indicators, check_exact=False, atol=1e-12)
    assert set(mine.constructs["construct"]) == {"Quality", "Value"}
    group = np.arange(len(mobi)) % 2 == 0
    m_res = res.micom(mobi, group, n_permutations=60, seed=3)
    m_flat = flat.micom(mobi, group, n_permutations=60, seed=3)
    pd.testing.assert_frame_equal(m_res.invariance, m_flat.invariance)
    assert {"Image", "Expectation", "Quality"} <= set(m_res.invariance["construct"])  # dimensions tested too


@pytest.mark.parametrize(("syntax", "hoc", "analysis", "reason"), [
    ("mode_a", "two_stage", "predict", "no published solution for PLSpredict with higher-order constructs"),
    ("mode_a", "repeated_indicators", "predict", "would predict answers from themselves"),
    ("interaction", "two_stage", "predict", "no published solution for PLSpredict with moderation"),
    ("mode_a", "two_stage", "ipma", "fit with hoc='repeated_indicators'"),
    ("interaction", "two_stage", "ipma", "has no 0-100 performance"),
    ("mode_a", "two_stage", "micom", "Fit with hoc='repeated_indicators'"),
    ("interaction", "two_stage", "micom", "products of scores"),
])
def test_analyses_refuse_built_indicators_with_the_reason(mobi, syntax, hoc, analysis, reason):
    res = sr.fit_pls(INTERACTION if syntax == "interaction" else CASES[syntax], mobi, hoc=hoc)
    run = {"predict": lambda: res.predict(mobi, folds=5),
           "ipma": lambda: res.ipma(mobi, "Loyalty", scale_min=1, scale_max=10),
           "micom": lambda: res.micom(mobi, np.arange(len(mobi)) % 2 == 0, n_permutations=10)}[analysis]
    with pytest.raises(sr.ModelSpecError, match=re.escape(reason)):
        run()
