"""The strategy playbook from the PLS importance-performance map: the bootstrap intervals of IPMA importance and
performance against a hand computation (each resample refitted and mapped from scratch), and the ranking the
playbook gives from them."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PLS_ECSI

import stickiness_research as sr
from stickiness_research.pls.ipma import ipma, ipma_intervals
from stickiness_research.strategy import pls_importance_performance, recommendations


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


@pytest.fixture(scope="module")
def fitted(mobi):
    return sr.fit_pls(PLS_ECSI, mobi)


def test_ipma_intervals_are_the_maps_of_the_resamples(fitted, mobi):
    """Five resamples, each refitted by fit_pls on its own rows and mapped by ipma(): the closed form's percentile
    intervals equal the percentiles of those five maps (numpy's linear interpolation in both)."""
    n = len(mobi)
    rows = np.random.default_rng(7).integers(0, n, size=(5, n))
    boot = fitted.bootstrap(seed=None, indices=rows)
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    got = ipma_intervals(m, fitted, mobi, boot).set_index("construct")
    by_hand = []
    for r in rows:
        sample = mobi.iloc[r].reset_index(drop=True)
        again = ipma(sr.fit_pls(PLS_ECSI, sample), sample, "Loyalty", scale_min=1, scale_max=10)
        by_hand.append(again.constructs.set_index("construct"))
    q = [(1 - boot.level) / 2 * 100, (1 + boot.level) / 2 * 100]
    for c in got.index:
        for column, prefix in (("importance", ""), ("performance", "perf_"), ("std_all", "std_")):
            lo, hi = np.percentile([t.loc[c, column] for t in by_hand], q)
            assert got.loc[c, f"{prefix}ci_lower"] == pytest.approx(lo, abs=1e-9), (c, column)
            assert got.loc[c, f"{prefix}ci_upper"] == pytest.approx(hi, abs=1e-9), (c, column)


def test_ipma_intervals_refuse_a_bootstrap_of_another_model(fitted, mobi):
    m = ipma(fitted, mobi, "Loyalty", scale_min=1, scale_max=10)
    other = sr.fit_pls("Image =~ IMAG1 + IMAG2\nValue =~ PERV1 + PERV2\nValue ~ Image", mobi).bootstrap(20, seed=1)
    with pytest.raises(sr.ParameterError, match="the bootstrap of the fitted model"):
        ipma_intervals(m, fitted, mobi, other)


def test_the_playbook_ranks_drivers_by_the_pls_ipma():
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=400, seed=5), q)  # con4 is worded the other way
    res = sr.fit_pls(q, data)
    boot = res.bootstrap(300, seed=2)
    table = pls_importance_performance(res, data, boot, q, "stickiness")
    m = ipma(res, data, "stickiness", scale_min=1, scale_max=5)  # the questionnaire's 5-point response set
    expected = m.constructs.set_index("construct")
    assert list(table["construct"]) == list(expected.index)  # ordered by IPMA importance, not by beta
    assert np.allclose(table.set_index("construct")["importance"], expected["importance"], atol=1e-12)
    assert np.allclose(table.set_index("construct")["performance"], expected["performance"], atol=1e-12)
    assert (table["basis"] == "pls_ipma").all()
    assert (table["significant"] == ((table["ci_lower"] > 0) | (table["ci_upper"] < 0))).all()
    recs = recommendations(table)
    recommended = [r for r in recs if r.status == "recommended"]
    assert recommended and all(r.basis == "pls_ipma" for r in recs)
    assert [r.importance for r in recommended] == sorted((r.importance for r in recommended), reverse=True)
    assert all(r.ci_lower > 0 for r in recommended)
