"""Studentized (bootstrap-t) intervals of PLSResult.bootstrap: a hand computation with fit_pls on every outer and
inner resample, independence of the worker count, and the coverage of a known population value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.pls.estimate import estimate
from stickiness_research.pls.model import pls_model

SMALL = "Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nLoyalty =~ CUSL1 + CUSL2\nValue ~ Image\n" \
        "Loyalty ~ Image + Value"


@pytest.fixture(scope="module")
def small():
    data = sr.datasets.mobi().iloc[:60].reset_index(drop=True)
    return data, sr.fit_pls(SMALL, data)


def _paths(res) -> pd.Series:
    return pd.Series({f"{t} ~ {s}": res.paths().loc[s, t] for s, t in res.model.paths})


def test_studentized_limits_by_hand(small):
    """Davison & Hinkley (1997) eq. 5.7 written out: each outer resample refitted by fit_pls, its SE from n_inner
    refits of resamples of its rows (drawn as the docstring says), t* and the limits with numpy's percentiles."""
    data, res = small
    n, n_boot, n_inner, seed = len(data), 6, 5, 11
    boot = res.bootstrap(n_boot, seed=seed, ci="studentized", n_inner=n_inner, level=0.8)
    outer = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    children = np.random.SeedSequence(seed).spawn(n_boot)
    point = _paths(res)
    draws, ses = [], []
    for b, rows in enumerate(outer):
        draws.append(_paths(sr.fit_pls(SMALL, data.iloc[rows])))
        positions = np.random.default_rng(children[b]).integers(0, n, size=(n_inner, n))
        inner = pd.DataFrame([_paths(sr.fit_pls(SMALL, data.iloc[rows[p]])) for p in positions])
        ses.append(inner.std(ddof=1))
    draws, ses = pd.DataFrame(draws), pd.DataFrame(ses)
    t = (draws - point) / ses
    se = draws.std(ddof=1)
    lower = point - se * t.quantile(0.9)  # pandas' quantile interpolates linearly, as numpy's percentile
    upper = point - se * t.quantile(0.1)
    table = boot.table[boot.table["op"] == "~"]
    got = pd.DataFrame({"lower": table["ci_lower"].to_numpy(), "upper": table["ci_upper"].to_numpy()},
                       index=[f"{a} ~ {b}" for a, b in zip(table["lhs"], table["rhs"], strict=True)])
    assert np.allclose(got.loc[point.index, "lower"], lower[point.index], rtol=0, atol=1e-9)
    assert np.allclose(got.loc[point.index, "upper"], upper[point.index], rtol=0, atol=1e-9)
    assert boot.ci == "studentized"
    assert np.allclose(table["boot_se"], se[got.index], atol=1e-9)  # SE and t as for the other intervals


def test_studentized_is_the_same_for_any_worker_count(small):
    _, res = small
    one = res.bootstrap(40, seed=3, ci="studentized", n_inner=10)
    two = res.bootstrap(40, seed=3, ci="studentized", n_inner=10, n_jobs=2)
    pd.testing.assert_frame_equal(one.table, two.table, check_exact=True)
    other = res.bootstrap(40, seed=4, ci="studentized", n_inner=10)
    assert not np.allclose(one.table["ci_lower"], other.table["ci_lower"])  # the seed does reach the intervals


def test_studentized_arguments_are_checked(small):
    _, res = small
    with pytest.raises(sr.ParameterError, match="n_inner"):
        res.bootstrap(10, ci="studentized", n_inner=1)
    with pytest.raises(sr.ParameterError, match="'ci'"):
        res.bootstrap(10, ci="student")


@pytest.mark.slow
def test_studentized_intervals_cover_the_population_value():
    """Data from a population covariance matrix; the population PLS values are the algorithm run on that matrix
    (PLS estimates its own composites' parameters consistently). 60 samples of n = 150: each path's 90% interval
    should cover its population value in most samples (binomial SD of the rate about .04)."""
    model = pls_model("A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nB ~ A\nC ~ A + B")
    loadings = np.kron(np.eye(3), np.full((3, 1), 0.75))
    phi = np.array([[1.0, 0.4, 0.45], [0.4, 1.0, 0.5], [0.45, 0.5, 1.0]])
    sigma = loadings @ phi @ loadings.T
    np.fill_diagonal(sigma, 1.0)
    truth = estimate(sigma, model).paths
    rng = np.random.default_rng(2026)
    names = model.items
    syntax = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nB ~ A\nC ~ A + B"
    covered, total = 0, 0
    for k in range(60):
        data = pd.DataFrame(rng.multivariate_normal(np.zeros(9), sigma, size=150), columns=names)
        res = sr.fit_pls(syntax, data)
        table = res.bootstrap(199, seed=k, ci="studentized", n_inner=25, level=0.9).table
        at = {c: j for j, c in enumerate(model.constructs)}
        for r in table[table["op"] == "~"].itertuples():
            value = truth[at[r.rhs], at[r.lhs]]
            covered += int(r.ci_lower <= value <= r.ci_upper)
            total += 1
    rate = covered / total
    assert 0.8 <= rate <= 0.98, rate
