"""Regression layer against R (lm + sandwich HC3, car::vif, anova, MASS::polr; tests/reference/regression.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import REFERENCE

import stickiness_research as sr

REF = json.loads((REFERENCE / "regression" / "stickiness_demo.json").read_text(encoding="utf-8"))
SCALES = {"interaction": "int", "emotional_attachment": "ea", "security": "sec", "trust": "tru", "convenience": "con"}
DRIVERS = list(SCALES)


@pytest.fixture(scope="module")
def scores():
    d = pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv")
    s = pd.DataFrame({c: d[[f"{p}{i}" for i in range(1, 5)]].mean(axis=1) for c, p in SCALES.items()})
    s["stickiness"] = d[[f"sti{i}" for i in range(1, 6)]].mean(axis=1)
    s["product_type"] = d["product_type"]
    s["sti1"] = d["sti1"]
    return s


@pytest.mark.parametrize(("ours", "theirs"), [("b", "b"), ("se", "se_hc3"), ("std_all", "beta"), ("vif", "vif")])
def test_ols_matches_lm_sandwich_and_car(scores, ours, theirs):
    table = sr.ols(scores, "stickiness", DRIVERS).table.set_index("term")
    for term, value in REF["ols"][theirs].items():
        assert table.loc[term, ours] == pytest.approx(value, rel=1e-8), term


def test_ols_fit_and_classical_ses(scores):
    res = sr.ols(scores, "stickiness", DRIVERS, robust=None)
    assert res.r2 == pytest.approx(REF["ols"]["r2"], rel=1e-10)
    assert res.r2_adj == pytest.approx(REF["ols"]["r2_adj"], rel=1e-10)
    assert res.f == pytest.approx(REF["ols"]["f"], rel=1e-8)
    se = res.table.set_index("term")["se"]
    for term, value in REF["ols"]["se_classic"].items():
        assert se[term] == pytest.approx(value, rel=1e-8)


def test_hierarchical_matches_anova(scores):
    data = scores.assign(interaction_x_convenience=scores["interaction"] * scores["convenience"])
    table = sr.hierarchical(data, "stickiness", {"controls": ["product_type"], "drivers": DRIVERS,
                                                 "interactions": ["interaction_x_convenience"]})
    ref = REF["hierarchical"]
    np.testing.assert_allclose(table["r2"], ref["r2"], rtol=1e-10)
    assert table.loc[0, "delta_f"] == pytest.approx(ref["first_f"], rel=1e-8)
    np.testing.assert_allclose(table["delta_f"][1:], ref["f"][1:], rtol=1e-8)
    np.testing.assert_allclose(table["pvalue"][1:], ref["p"][1:], rtol=1e-6)
    assert table["df1"].tolist()[1:] == ref["df"][1:]
    np.testing.assert_allclose(table["delta_r2"][1:], np.diff(ref["r2"]), rtol=1e-8)


def test_ordinal_logit_matches_polr(scores):
    table = sr.ordinal_logit(scores, "sti1", ["interaction", "security"]).set_index("term")
    ref = REF["polr"]
    for term, value in {**ref["coef"], **ref["zeta"]}.items():
        assert table.loc[term, "est"] == pytest.approx(value, abs=2e-4), term
        assert table.loc[term, "se"] == pytest.approx(ref["se"][term], rel=2e-3), term
    assert table.loc["interaction", "odds_ratio"] == pytest.approx(np.exp(ref["coef"]["interaction"]), rel=1e-3)


def test_moderation_simple_slopes_and_johnson_neyman(scores):
    res = sr.moderation(scores, "interaction", "convenience", "stickiness")
    ref = REF["moderation"]
    for row, key in zip(res.simple_slopes.itertuples(), ["low", "mean", "high"], strict=True):
        assert row.slope == pytest.approx(ref["slopes"][key][0], rel=1e-8)
        assert row.se == pytest.approx(ref["slopes"][key][1], rel=1e-8)
    np.testing.assert_allclose(res.johnson_neyman, ref["jn"], rtol=1e-8)
    assert "0 boundary value(s) inside" in res.jn_region  # significant over the whole observed range
    fig = res.plot()
    assert len(fig.axes[0].lines) == 3


def test_mediation_bootstrap_is_seeded_and_agrees_with_a_plain_loop(scores):
    a = sr.mediation(scores, "interaction", "emotional_attachment", "stickiness", n_boot=400, seed=3)
    b = sr.mediation(scores, "interaction", "emotional_attachment", "stickiness", n_boot=400, seed=3)
    pd.testing.assert_frame_equal(a.effects, b.effects)
    effects = a.effects.set_index("effect")
    total, direct = effects.loc["total", "est"], effects.loc["direct", "est"]
    indirect = effects.loc["indirect via emotional_attachment", "est"]
    assert total == pytest.approx(direct + indirect, rel=1e-10)  # OLS: c = c' + ab exactly
    # the same resamples fitted one by one with statsmodels give the same interval
    rng = np.random.default_rng(3)
    x, m, y = (scores[c].to_numpy() for c in ("interaction", "emotional_attachment", "stickiness"))
    draws = []
    for _ in range(400):
        i = rng.integers(0, len(x), len(x))
        a_path = sm.OLS(m[i], sm.add_constant(x[i])).fit().params[1]
        b_path = sm.OLS(y[i], sm.add_constant(np.column_stack([x[i], m[i]]))).fit().params[2]
        draws.append(a_path * b_path)
    lo, hi = np.quantile(draws, [0.025, 0.975])
    assert effects.loc["indirect via emotional_attachment", "ci_lower"] == pytest.approx(lo, rel=1e-8)
    assert effects.loc["indirect via emotional_attachment", "ci_upper"] == pytest.approx(hi, rel=1e-8)


def test_moderated_mediation_index(scores):
    res = sr.moderated_mediation(scores, "interaction", "emotional_attachment", "stickiness", "convenience",
                                 n_boot=300, seed=1)
    e = res.effects.set_index("effect")
    low, high = e.loc["indirect at convenience -1 SD", "est"], e.loc["indirect at convenience +1 SD", "est"]
    sd = scores["convenience"].std(ddof=1)
    assert (high - low) / (2 * sd) == pytest.approx(e.loc["index of moderated mediation", "est"], rel=1e-8)


def test_robustness_table_compares_sem_and_ols(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=500, seed=4), default_q)
    sem = sr.fit_sem(default_q, data)
    table = sr.robustness_table(sem, sr.scale_scores(data, default_q))
    assert len(table) == len(default_q.direct_hypotheses)
    strong = table[table["sem_std_all"].abs() > 0.25]
    assert strong["same_conclusion"].all()
    assert (table["ols_std_all"].abs() <= table["sem_std_all"].abs() + 0.1).all()  # attenuation, roughly
    # the old column names still read the same numbers until 0.2, with a FutureWarning
    for old, new in (("sem_beta", "sem_std_all"), ("ols_beta", "ols_std_all")):
        with pytest.warns(FutureWarning, match=f"column '{old}' is deprecated .* use '{new}'"):
            np.testing.assert_array_equal(table[old], table[new])
    with pytest.warns(FutureWarning, match="'sem_beta'"):
        assert [r.sem_beta for r in table.itertuples()] == table["sem_std_all"].tolist()  # as the report reads it


def test_ols_table_still_answers_beta(scores):
    table = sr.ols(scores, "stickiness", DRIVERS).table
    assert "beta" not in table.columns
    with pytest.warns(FutureWarning, match="column 'beta' is deprecated and will be removed in stickiness_research "
                                           "0.2: use 'std_all'"):
        old = table.set_index("term")["beta"]
    pd.testing.assert_series_equal(old, table.set_index("term")["std_all"])
    with pytest.warns(FutureWarning):
        assert table.beta.equals(table["std_all"])


def test_errors_name_the_column(scores):
    with pytest.raises(sr.ResponseDataError, match="'loyalty'"):
        sr.ols(scores, "loyalty", DRIVERS)
    with pytest.raises(sr.ParameterError, match="'n_boot' parameter"):
        sr.mediation(scores, "interaction", "trust", "stickiness", n_boot=10)


def test_robust_inference_uses_t_with_residual_df():
    """shared/cases/hc3_small_sample: HC3 with t(24), as lmtest::coeftest (tests/reference/regression_small_sample.R)."""
    import json

    ref = json.load(open("tests/reference/regression/hc3_small_sample.json"))
    data = pd.read_csv("tests/reference/data/case_hc3_small_sample.csv")
    table = sr.ols(data, "y", ["x1", "x2", "x3"]).table
    for col in ("b", "se", "t", "pvalue", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(table[col], ref[col], rtol=1e-6, err_msg=col)


def test_a_predictor_in_two_blocks_is_named():
    data = sr.datasets.holzinger_swineford()
    with pytest.raises(sr.ResponseDataError, match="'x1' is entered twice"):
        sr.hierarchical(data, "x9", {"first": ["x1"], "second": ["x1", "x2"]})
