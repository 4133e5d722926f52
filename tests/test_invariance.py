"""Measurement invariance agrees with lavaan group.equal fits and reads right on simulated data."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import REFERENCE, lavaan_reference

import stickiness_research as sr
from stickiness_research.sem.invariance import invariance

HS_MODEL = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hs_invariance():
    return invariance(HS_MODEL, sr.datasets.holzinger_swineford(), group="school")


@pytest.mark.parametrize("level", ["configural", "metric", "scalar", "strict"])
def test_levels_match_lavaan(hs_invariance, level):
    ref = lavaan_reference(f"hs_school_{level}")["fit_measures"]
    row = hs_invariance.table.set_index("model").loc[level]
    for ours, theirs in (("chisq", "chisq"), ("df", "df"), ("cfi", "cfi"), ("rmsea", "rmsea"), ("srmr", "srmr")):
        assert math.isclose(row[ours], ref[theirs], rel_tol=1e-3), (level, ours)


def test_differences_and_verdict(hs_invariance):
    table = hs_invariance.table.set_index("model")
    metric = lavaan_reference("hs_school_metric")["fit_measures"]
    configural = lavaan_reference("hs_school_configural")["fit_measures"]
    assert math.isclose(table.loc["metric", "delta_chisq"], metric["chisq"] - configural["chisq"], rel_tol=1e-3)
    assert table.loc["metric", "delta_df"] == 6
    # the textbook reading of this example: metric invariance holds, scalar does not
    assert table.loc["metric", "holds"] and not table.loc["scalar", "holds"]
    assert hs_invariance.level == "metric"
    assert hs_invariance.verdict().startswith("Metric invariance holds across school (Pasteur, Grant-White)")


def test_simulated_groups_share_one_measurement_model(default_q):
    """The simulator uses one population model for everybody, so strict invariance should hold."""
    data = sr.reverse_code(sr.simulate_responses(default_q, n=1200, seed=4), default_q)
    data = data[data["product_type"].isin(["insurance", "fund", "credit"])]
    res = invariance(default_q, data, group="product_type")
    assert res.level == "strict", res.summary()
    assert res.table["df"].is_monotonic_increasing


def test_bad_levels_are_named():
    with pytest.raises(sr.ModelSpecError, match="ordered subset"):
        invariance(HS_MODEL, sr.datasets.holzinger_swineford(), group="school", levels=("scalar", "metric"))


def test_missing_group_column_is_named():
    with pytest.raises(sr.ModelSpecError, match="group column 'schol' is not in the data. Did you mean school"):
        sr.fit_sem(HS_MODEL, sr.datasets.holzinger_swineford(), group="schol")


def test_start_from_a_previous_fit_reaches_the_same_optimum():
    """fit_sem(start=fit) (lavaan's start = fit) changes the iterations, never the estimates."""
    hs = sr.datasets.holzinger_swineford()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
    configural = sr.fit_sem(model, hs, group="school")
    cold = sr.fit_sem(model, hs, group="school", group_equal=("loadings",))
    warm = sr.fit_sem(model, hs, group="school", group_equal=("loadings",), start=configural)
    pd.testing.assert_frame_equal(warm.estimates, cold.estimates, check_exact=False, rtol=1e-7, atol=1e-9)
    assert warm.iterations <= cold.iterations
    with pytest.raises(sr.ParameterError, match="start"):
        sr.fit_sem(model, hs, start="previous")
