"""Inference as methods of an OLS fit: ``conf_int(level)`` and ``wald_test("x1 == x2")`` against R
(``confint``, ``lmtest::coefci``, ``car::linearHypothesis``; tests/reference/regression_inference.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

import stickiness_research as sr

REF = json.loads((REFERENCE / "regression" / "ols_inference.json").read_text(encoding="utf-8"))
PREDICTORS = ["x7", "x8", "x1", "school"]


@pytest.fixture(scope="module")
def fits():
    data = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    return {"HC3": sr.ols(data, "x9", PREDICTORS), "classical": sr.ols(data, "x9", PREDICTORS, robust=None)}


@pytest.mark.parametrize("case", REF["intervals"], ids=lambda c: f"{c['se']}-{c['level']}")
def test_conf_int_matches_coefci(fits, case):
    ci = fits[case["se"]].conf_int(case["level"])
    assert ci["term"].tolist() == ["(Intercept)", "x7", "x8", "x1", "school_Pasteur"]  # R: schoolPasteur
    np.testing.assert_allclose(ci["ci_lower"], case["ci_lower"], rtol=1e-10)
    np.testing.assert_allclose(ci["ci_upper"], case["ci_upper"], rtol=1e-10)


def test_conf_int_at_95_is_the_table():
    res = sr.ols(sr.datasets.holzinger_swineford(), "x9", ["x7", "x8"])
    ci = res.conf_int()
    np.testing.assert_array_equal(ci[["b", "se", "ci_lower", "ci_upper"]].to_numpy(),
                                  res.table[["b", "se", "ci_lower", "ci_upper"]].to_numpy())
    narrow = res.conf_int(0.5)
    assert ((narrow["ci_lower"] > ci["ci_lower"]) & (narrow["ci_upper"] < ci["ci_upper"])).all()


@pytest.mark.parametrize("case", REF["tests"], ids=lambda c: f"{c['se']}-{c['ours']!r}")
def test_wald_test_matches_linear_hypothesis(fits, case):
    test = fits[case["se"]].wald_test(case["ours"])
    assert test["stat"] == pytest.approx(case["stat"], rel=1e-10)
    assert test["df"] == case["df"] and test["df_denom"] == case["df_denom"]
    assert test["pvalue"] == pytest.approx(case["pvalue"], rel=1e-8)


def test_wald_test_of_one_coefficient_is_its_t_squared(fits):
    table = fits["HC3"].table.set_index("term")
    test = fits["HC3"].wald_test("x1 = 0")
    assert test["stat"] == pytest.approx(table.loc["x1", "t"] ** 2, rel=1e-12)
    assert test["pvalue"] == pytest.approx(table.loc["x1", "pvalue"], rel=1e-10)
    # the same hypothesis written differently is the same test
    assert fits["HC3"].wald_test("2 * x1 == 0")["stat"] == pytest.approx(test["stat"], rel=1e-12)
    assert fits["HC3"].wald_test("-x1 / 2 = 0")["stat"] == pytest.approx(test["stat"], rel=1e-12)


@pytest.mark.parametrize(("constraints", "match"), [
    ("x7 > x8", "not a hypothesis"),
    ("x7 == x99", "'x99' .* is not a term"),
    ("x7 * x8 == 0", "not linear"),
    ("1 == 1", "involves no term"),
    ("x7 == x8; x8 == x7", "redundant"),
    ("  ", "no hypothesis"),
    ("x7 == (", "cannot read"),
])
def test_wald_test_refuses_what_it_cannot_test(fits, constraints, match):
    with pytest.raises(sr.ModelSpecError, match=match):
        fits["HC3"].wald_test(constraints)


def test_conf_int_checks_the_level(fits):
    with pytest.raises(sr.ParameterError, match="'level' parameter"):
        fits["HC3"].conf_int(95)
