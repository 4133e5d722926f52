"""Monte Carlo power beyond hypotheses (#18): per parameter, the whole-model tests, indirect effects by Monte
Carlo intervals, and a pilot study's fitted model as the population; checked against analytic values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import stickiness_research as sr


@pytest.fixture(scope="module")
def pilot():
    """A pilot of 150 with a known truth: x -> m -> y, a = .4, b = .3 (standardized)."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(150)
    m = 0.4 * x + np.sqrt(1 - 0.16) * rng.standard_normal(150)
    y = 0.3 * m + np.sqrt(1 - 0.09) * rng.standard_normal(150)
    return sr.fit_sem("m ~ a*x\ny ~ b*m\nab := a*b", pd.DataFrame({"x": x, "m": m, "y": y}))


def test_a_pilot_model_is_the_population(pilot):
    table = sr.power(pilot, n=[60, 200], replications=200, seed=3)
    assert set(table["hypothesis"]) == {"a", "b", "ab"}
    est = pilot.estimates.set_index("label")
    for n in (60, 200):
        row = table[(table["n"] == n) & (table["hypothesis"] == "a")].iloc[0]
        # the regression slope's Wald test: power from the noncentral normal at the pilot's standardized slope
        beta = float(est.loc["a", "std_all"])
        z = beta * np.sqrt(n) / np.sqrt(1 - beta**2)
        analytic = stats.norm.sf(stats.norm.ppf(0.975) - z) + stats.norm.cdf(-stats.norm.ppf(0.975) - z)
        assert abs(row["power"] - analytic) < 3 * np.sqrt(analytic * (1 - analytic) / 200) + 0.02, (n, row["power"])
    by_n = table.pivot(index="hypothesis", columns="n", values="power")
    assert (by_n[200] >= by_n[60]).all() and by_n.loc["ab", 200] > 0.5


def test_parameters_and_model_tests(pilot):
    table = sr.power(pilot, n=[150], replications=150, seed=4, parameters=True, model_tests=True)
    kinds = table.groupby("kind")["hypothesis"].apply(list)
    assert set(kinds["hypothesis"]) == {"a", "b", "ab"}
    assert "m ~ x" in kinds["parameter"] and "y ~~ y" not in kinds["parameter"]  # variances are left out
    row = table.set_index("hypothesis").loc["m ~ x"]
    assert row["true_beta"] == pytest.approx(pilot.estimates.query("label == 'a'")["std_all"].iloc[0])
    assert row["power"] > 0.9
    exact = table[table["hypothesis"] == "rejects exact fit (chi-square)"]["power"].iloc[0]
    assert 0.0 <= exact <= 0.12  # a correct model: the chi-square test's type I error, about alpha


def test_monte_carlo_intervals_for_indirect_effects(default_q):
    delta = sr.power(default_q, n=[150], replications=24, seed=2)
    monte = sr.power(default_q, n=[150], replications=24, seed=2, indirect="montecarlo")
    direct = [h.id for h in default_q.hypotheses if not h.is_indirect]
    pd.testing.assert_frame_equal(delta[delta["hypothesis"].isin(direct)], monte[monte["hypothesis"].isin(direct)])
    indirect = [h.id for h in default_q.hypotheses if h.is_indirect]
    both = monte[monte["hypothesis"].isin(indirect)]
    assert len(both) == len(indirect) and both["power"].between(0, 1).all()
    again = sr.power(default_q, n=[150], replications=24, seed=2, indirect="montecarlo", n_jobs=2)
    pd.testing.assert_frame_equal(monte, again)  # any worker count, same numbers


def test_bad_populations(default_q):
    hs = sr.datasets.holzinger_swineford()
    groups = sr.fit_sem("visual =~ x1 + x2 + x3", hs, group="school")
    with pytest.raises(sr.ModelSpecError, match="single-group"):
        sr.power(groups, n=[100], replications=2)
    unlabelled = sr.fit_sem("visual =~ x1 + x2 + x3", hs)
    with pytest.raises(sr.ModelSpecError, match="label the paths"):
        sr.power(unlabelled, n=[100], replications=2)
    with pytest.raises(sr.ParameterError, match="'indirect' parameter of power"):
        sr.power(default_q, n=[100], replications=2, indirect="bootstrap")


def test_parameter_rows_carry_the_population_values(default_q):
    table = sr.power(default_q, n=[150], replications=4, seed=1, parameters=True)
    rows = table[table["kind"] == "parameter"].set_index("hypothesis")
    assert rows.loc["interaction =~ int2", "true_beta"] == pytest.approx(
        sr.simulate.population_model(default_q).loadings["int2"])
    assert rows.loc["stickiness ~ trust", "true_beta"] > 0 and not rows.index.str.contains(" ~~ stickiness").any()


def test_a_pilot_with_a_negative_variance_is_flagged():
    hs = sr.datasets.holzinger_swineford().iloc[:80]
    pilot = sr.fit_sem("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6", hs)
    assert any("negative" in w for w in pilot.warnings)
    with pytest.warns(sr.StickinessWarning, match="negative variance"):
        sr.power(pilot, n=[60], replications=2, seed=1)
