"""Simulation: same seed, same data; large samples recover the population model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.simulate import population_model


def test_same_seed_same_data(default_q):
    a = sr.simulate_responses(default_q, n=200, seed=7, careless=0.1, missing=0.05)
    b = sr.simulate_responses(default_q, n=200, seed=7, careless=0.1, missing=0.05)
    pd.testing.assert_frame_equal(a, b)
    c = sr.simulate_responses(default_q, n=200, seed=8)
    assert not a[default_q.item_ids].equals(c[default_q.item_ids])


def test_columns_and_codes(default_q):
    df = sr.simulate_responses(default_q, n=300, seed=1)
    assert list(df.columns[:1]) == ["respondent_id"]
    for item in default_q.items:
        rs = default_q.response_set_of(item)
        assert df[item.id].between(rs.minimum, rs.maximum).all(), item.id
    for d in default_q.demographics:
        assert set(df[d.id]) <= {o.value for o in d.options}
    # attentive respondents pass every attention check
    for a in default_q.attention_checks:
        assert (df[a.id] == a.expected).all()


def test_likert_answers_lean_towards_agreement(default_q):
    """Realistic skew: means above the midpoint, negative skewness (non-reversed items)."""
    df = sr.reverse_code(sr.simulate_responses(default_q, n=2000, seed=3), default_q)
    items = df[default_q.item_ids].astype(float)
    assert 3.2 < items.mean().mean() < 4.0
    assert (items.skew() < 0).mean() > 0.8


def test_careless_and_missing_shares(default_q):
    df = sr.simulate_responses(default_q, n=1000, seed=2, careless=0.1, missing=0.05)
    assert (df["careless_type"] != "").sum() == 100
    assert set(df.loc[df["careless_type"] != "", "careless_type"]) == {"straightliner", "random", "alternating",
                                                                       "speeder"}
    share = df[default_q.item_ids].isna().to_numpy().mean()
    assert 0.04 < share < 0.06
    straight = df[df["careless_type"] == "straightliner"][default_q.item_ids]
    assert (straight.nunique(axis=1) == 1).all()
    speeders = df["careless_type"].isin(["straightliner", "speeder"])
    assert df.loc[speeders, "duration_seconds"].median() < df.loc[~speeders & (df["careless_type"] == ""),
                                                                  "duration_seconds"].median() / 2


def test_population_r2_in_literature_range(default_q):
    pop = population_model(default_q)
    assert 0.50 <= pop.r2["stickiness"] <= 0.70
    assert np.allclose(np.diag(pop.latent_cov), 1.0)
    assert all(0.15 <= abs(b) <= 0.55 for b in pop.paths.values())


@pytest.mark.slow
def test_large_sample_recovers_population_paths(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=5000, seed=11), default_q)
    res = sr.fit_sem(default_q.model_syntax(), data)
    truth = population_model(default_q).paths
    est = res.estimates[res.estimates["op"] == "~"]
    assert len(est) == len(truth)
    for row in est.itertuples():
        assert abs(row.std_all - truth[(row.rhs, row.lhs)]) <= 0.05, (row.rhs, row.lhs, row.std_all)


def test_bad_arguments_are_named(default_q):
    with pytest.raises(sr.ParameterError, match=r"The 'n' parameter of simulate_responses must be an int in the "
                                                r"range \[1, inf\). Got -3 instead."):
        sr.simulate_responses(default_q, n=-3)
    with pytest.raises(sr.ParameterError, match="'careless' parameter"):
        sr.simulate_responses(default_q, n=10, careless=1.5)


def test_questionnaire_without_population_cannot_be_simulated(minimal_text):
    q = sr.loads_questionnaire(minimal_text.split("population:")[0], source="x.yaml")
    with pytest.raises(sr.QuestionnaireError, match="no population block"):
        sr.simulate_responses(q, n=10)
