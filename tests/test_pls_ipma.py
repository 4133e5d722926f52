"""IPMA of a PLS path model (stickiness_research.pls.ipma) against an independent computation: 0-100 scores
built with pandas from the raw answers, statsmodels OLS for every path, total effects as sums over every
directed path chain of the products of coefficients; and against the fitted model's standardized effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import PLS_ECSI

import stickiness_research as sr
from stickiness_research.pls.ipma import CONSTRUCT_COLUMNS, INDICATOR_COLUMNS, ipma

# seminr's demo/seminr-pls-ecsi.R model on its mobi data (ten-point scales)
MOBI_MODEL = PLS_ECSI
TOL = 1e-9


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


@pytest.fixture(scope="module")
def fitted(mobi):
    return sr.fit_pls(MOBI_MODEL, mobi)


def independent_ipma(res, raw: pd.DataFrame, target: str, low, high):
    """Steps 1-6 of Ringle & Sarstedt (2016) written out construct by construct, with statsmodels for the paths."""
    model = res.model
    weights = res.weights()
    scores = {}
    for c in model.constructs:
        block = list(model.blocks[c])
        lo, hi = (b if np.isscalar(b) else b[block] for b in (low, high))
        rescaled = (raw[block] - lo) / (hi - lo) * 100
        unstd = weights.loc[block, c] / rescaled.std(ddof=1)
        scores[c] = rescaled @ (unstd / unstd.sum())
    scores = pd.DataFrame(scores)
    coef = {}
    for c in model.endogenous:
        preds = model.predecessors(c)
        fit = sm.OLS(scores[c], sm.add_constant(scores[preds])).fit()
        coef.update({(s, c): fit.params[s] for s in preds})

    def chains(source):  # every directed path chain from source to target, as products of coefficients
        if source == target:
            return [1.0]
        return [coef[(source, nxt)] * rest for s, nxt in model.paths if s == source for rest in chains(nxt)]

    total = {c: sum(chains(c)) for c in model.constructs if c != target and chains(c)}
    return scores, coef, total


@pytest.mark.parametrize(("target", "low", "high"), [("Loyalty", 1, 10), ("Satisfaction", 1, 10),
                                                     ("Loyalty", None, None), ("Value", 0, 10)])
def test_ipma_agrees_with_an_independent_computation(fitted, mobi, target, low, high):
    m = ipma(fitted, mobi, target, scale_min=low, scale_max=high)
    lo = mobi.min() if low is None else low
    hi = mobi.max() if high is None else high
    scores, coef, total = independent_ipma(fitted, mobi, target, lo, hi)
    table = m.constructs.set_index("construct")
    assert set(table.index) == set(total)
    for c, effect in total.items():
        assert table.loc[c, "importance"] == pytest.approx(effect, abs=TOL), c
        assert table.loc[c, "performance"] == pytest.approx(scores[c].mean(), abs=TOL), c
    assert m.target_performance == pytest.approx(scores[target].mean(), abs=TOL)
    np.testing.assert_allclose(m.scores.to_numpy(), scores[list(m.scores.columns)].to_numpy(), atol=TOL)
    for row in m.paths.itertuples():
        assert row.est == pytest.approx(coef[(row.rhs, row.lhs)], abs=TOL)
    # indicators: weight x the construct's importance; performance the item's mean 0-100 value
    for row in m.indicators.itertuples():
        assert row.importance == pytest.approx(row.weight * table.loc[row.construct, "importance"], abs=TOL)
        lo_i = lo if np.isscalar(lo) else lo[row.indicator]
        hi_i = hi if np.isscalar(hi) else hi[row.indicator]
        assert row.performance == pytest.approx((mobi[row.indicator].mean() - lo_i) / (hi_i - lo_i) * 100, abs=TOL)


@pytest.mark.parametrize(("low", "high"), [(1, 10), (None, None)])  # observed ranges differ within blocks
def test_importance_is_the_fitted_standardized_effect_in_0_100_units(fitted, mobi, low, high):
    """std_all (the fitted model's total effect) = importance x SD(driver score) / SD(target score) on the 0-100
    scores, and equals PLSResult.effects()."""
    m = ipma(fitted, mobi, "Loyalty", scale_min=low, scale_max=high)
    sd = m.scores.std(ddof=1)
    effects = fitted.effects().query("target == 'Loyalty'").set_index("source")["total"]
    for row in m.constructs.itertuples():
        assert row.importance * sd[row.construct] / sd["Loyalty"] == pytest.approx(row.std_all, abs=1e-9)
        assert row.std_all == pytest.approx(effects[row.construct], abs=1e-12)
    for row in m.paths.itertuples():  # every path, not only total effects
        assert row.est * sd[row.rhs] / sd[row.lhs] == pytest.approx(row.std_all, abs=1e-9)


def test_a_driver_with_one_path_has_its_unstandardized_coefficient_as_importance(fitted, mobi):
    """Complaints reaches Loyalty by its direct path only: importance = that coefficient of the multiple
    regression of Loyalty's 0-100 score on Image, Satisfaction and Complaints (statsmodels)."""
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    x = sm.add_constant(m.scores[["Image", "Satisfaction", "Complaints"]])
    b = sm.OLS(m.scores["Loyalty"], x).fit().params["Complaints"]
    importance = m.constructs.set_index("construct").loc["Complaints", "importance"]
    assert importance == pytest.approx(b, abs=1e-10)
    assert importance == pytest.approx(0.0578757, abs=1e-6)  # frozen: this module, cross-checked above


def test_performance_is_on_0_100_and_weights_are_convex(fitted, mobi):
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    assert list(m.constructs.columns) == CONSTRUCT_COLUMNS and list(m.indicators.columns) == INDICATOR_COLUMNS
    assert m.scores.to_numpy().min() >= 0 and m.scores.to_numpy().max() <= 100 + 1e-9  # weights sum to 1 up to rounding
    assert m.constructs["performance"].between(0, 100).all() and m.indicators["performance"].between(0, 100).all()
    assert (m.indicators["weight"] > 0).all()
    sums = m.indicators.groupby("construct")[["weight", "importance"]].sum()
    np.testing.assert_allclose(sums["weight"], 1.0, atol=1e-12)
    np.testing.assert_allclose(sums["importance"], m.constructs.set_index("construct").loc[sums.index, "importance"],
                               atol=1e-12)
    assert list(m.constructs["importance"]) == sorted(m.constructs["importance"], reverse=True)
    # a single-item construct's score is its rescaled item
    np.testing.assert_allclose(m.scores["Complaints"], (mobi["CUSCO"] - 1) / 9 * 100, atol=1e-12)
    assert not m.notes  # bounds given, no missing answers


def test_the_map_does_not_depend_on_the_units_of_the_answers(fitted, mobi):
    """Answers recoded as 2x + 3 on a scale from 5 to 23 give the same map: IPMA works on 0-100 scores."""
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    recoded = mobi * 2 + 3
    again = ipma(sr.fit_pls(MOBI_MODEL, recoded), recoded, "Loyalty", scale_min=5, scale_max=23)
    pd.testing.assert_frame_equal(m.constructs, again.constructs, atol=1e-9, check_exact=False)
    pd.testing.assert_frame_equal(m.indicators, again.indicators, atol=1e-9, check_exact=False)


def test_bounds_per_indicator_and_observed_defaults(fitted, mobi):
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    items = fitted.model.items
    mapped = ipma(fitted, mobi, "Loyalty", scale_min=dict.fromkeys(items, 1),
                  scale_max=pd.Series(10.0, index=items))
    pd.testing.assert_frame_equal(m.constructs, mapped.constructs)
    observed = ipma(fitted, mobi, "Loyalty")
    assert (observed.bounds["scale_min"] == mobi.min()[observed.bounds.index]).all()
    assert "scale_min and scale_max not given" in observed.notes[0]
    # CUSA1's lowest answer is 4: over the observed range its performance is lower than over 1-10
    perf = observed.indicators.set_index("indicator")["performance"]
    assert perf["CUSA1"] < m.indicators.set_index("indicator").loc["CUSA1", "performance"]


def test_same_scale_blocks_equal_the_raw_sd_reading(fitted, mobi):
    """With one scale for a block, dividing the weights by the raw or by the rescaled SD gives the same map."""
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    w = fitted.weights()
    for c, part in m.indicators.groupby("construct"):
        block = list(part["indicator"])
        raw = w.loc[block, c] / mobi[block].std(ddof=1)
        np.testing.assert_allclose(part["weight"], raw / raw.sum(), atol=1e-12)


@pytest.mark.parametrize("missing", ["mean", "listwise"])
def test_missing_answers_are_handled_as_in_the_fit(mobi, missing):
    holes = mobi.copy()
    holes.loc[[3, 10, 40], "CUSL2"] = -99
    holes.loc[7, "IMAG1"] = -99
    res = sr.fit_pls(MOBI_MODEL, holes, missing_value=-99, missing=missing)
    m = ipma(res, holes, "Loyalty", scale_min=1, scale_max=10)
    clean = holes.replace(-99, np.nan)
    clean = clean.fillna(clean.mean()) if missing == "mean" else clean.dropna()
    scores, _, total = independent_ipma(res, clean.reset_index(drop=True), "Loyalty", 1, 10)
    table = m.constructs.set_index("construct")
    for c, effect in total.items():
        assert table.loc[c, "importance"] == pytest.approx(effect, abs=TOL)
    assert m.target_performance == pytest.approx(scores["Loyalty"].mean(), abs=TOL)
    assert list(m.scores.index) == list(res.construct_scores.index) and len(m.scores) == res.n_obs
    expected = "4 missing answer(s) replaced" if missing == "mean" else "4 incomplete row(s) dropped listwise"
    assert [n for n in m.notes if n.startswith(expected)]


def test_negative_weight_is_refused_with_the_indicator_named(mobi):
    reversed_ = mobi.assign(IMAG1=11 - mobi["IMAG1"])  # coded in the other direction
    res = sr.fit_pls(MOBI_MODEL, reversed_)
    assert res.weights().loc["IMAG1", "Image"] < 0
    with pytest.raises(sr.EstimationError, match=r"IMAG1 in Image \(-.*reverse-code"):
        ipma(res, reversed_, "Loyalty", scale_min=1, scale_max=10)
    # a construct outside the map may have one: Loyalty does not lead to Satisfaction
    flipped = mobi.assign(CUSL1=11 - mobi["CUSL1"])
    m = ipma(sr.fit_pls(MOBI_MODEL, flipped), flipped, "Satisfaction", scale_min=1, scale_max=10)
    assert "Loyalty" not in set(m.constructs["construct"]) and "Loyalty" not in m.scores.columns


def test_model_errors(fitted, mobi):
    with pytest.raises(sr.ModelSpecError, match="'Loyality' is not a construct"):
        ipma(fitted, mobi, "Loyality")
    with pytest.raises(sr.ModelSpecError, match="no path leads to 'Image'"):
        ipma(fitted, mobi, "Image")
    plsc = sr.fit_pls(MOBI_MODEL, mobi, consistent=True)
    with pytest.raises(sr.ModelSpecError, match="consistent=True"):
        ipma(plsc, mobi, "Loyalty")
    with pytest.raises(sr.ModelSpecError, match="'CUSCO' is not a column"):
        ipma(fitted, mobi.drop(columns="CUSCO"), "Loyalty")


def test_data_errors(fitted, mobi):
    with pytest.raises(sr.ResponseDataError, match="not the data the model was fitted to"):
        ipma(fitted, mobi.iloc[:200], "Loyalty")
    with pytest.raises(sr.ResponseDataError, match="not the data the model was fitted to"):
        ipma(fitted, mobi.assign(IMAG1=mobi["IMAG1"].sample(frac=1, random_state=1).to_numpy()), "Loyalty")
    with pytest.raises(sr.ResponseDataError, match=r"'IMAG1' has answers from 1 to 10, outside its scale \[1, 7\]"):
        ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=7)
    with pytest.raises(sr.ResponseDataError, match="'CUSCO' holds its numbers as text"):
        ipma(fitted, mobi.astype({"CUSCO": str}), "Loyalty")
    text = mobi.astype({"CUSCO": object})
    text.loc[5, "CUSCO"] = "seven"
    with pytest.raises(sr.ResponseDataError, match="column 'CUSCO', row 5: 'seven' is not a number"):
        ipma(fitted, text, "Loyalty")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"target": 3}, "The 'target' parameter of ipma must be a str. Got 3 instead."),
    ({"scale_min": "1"}, "The 'scale_min' parameter of ipma must be a finite number or a mapping"),
    ({"scale_max": float("inf")}, "The 'scale_max' parameter of ipma must be a finite number"),
    ({"scale_min": 10, "scale_max": 10}, "must be greater than scale_min for every indicator. Got '10 for IMAG1"),
    ({"scale_min": {"IMAG1": 1}, "scale_max": 10}, "a mapping without 'IMAG2' and 22 more"),
])
def test_parameter_errors(fitted, mobi, kwargs, message):
    args = {"target": "Loyalty", **kwargs}
    with pytest.raises(sr.ParameterError, match=message.replace(".", r"\.").replace("(", r"\(").replace("[", r"\[")):
        ipma(fitted, mobi, **args)
    with pytest.raises(sr.ParameterError, match="'res' parameter of ipma"):
        ipma("model", mobi, "Loyalty")


def test_result_renders(fitted, mobi):
    m = ipma(fitted, mobi, "Loyalty")
    text = str(m)
    assert text.startswith("Importance-performance map (PLS-SEM) of Loyalty") and "note: scale_min" in text
    assert "<table" in m._repr_html_() and "| Satisfaction" in m.to_markdown() and "\\begin{tabular}" in m.to_latex()


def test_the_old_est_std_column_still_reads_std_all(fitted, mobi):
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    assert "est_std" not in m.constructs.columns and "est_std" not in m.paths.columns
    for table in (m.constructs, m.paths):
        with pytest.warns(FutureWarning, match="column 'est_std' is deprecated .* use 'std_all'"):
            np.testing.assert_array_equal(table["est_std"], table["std_all"])
