"""Hypothesis verdicts read right on simulated data whose truth is known, including a zero effect."""

from __future__ import annotations

import pytest

import stickiness_research as sr
from stickiness_research.sem.hypotheses import hypothesis_table


@pytest.fixture(scope="module")
def zero_effect_q(default_q):
    # the same instrument, but convenience truly has no effect on stickiness (H7 should be rejected)
    pop = default_q.population.model_copy(deep=True)
    for p in pop.paths:
        if p.from_ == "convenience":
            p.beta = 0.0
    return default_q.model_copy(update={"population": pop})


def test_verdicts_match_the_truth(zero_effect_q):
    q = zero_effect_q
    data = sr.reverse_code(sr.simulate_responses(q, n=1500, seed=8), q)
    res = sr.fit_sem(q.model_syntax(), data)
    boot = res.bootstrap(500, seed=2)
    table = hypothesis_table(res, q, bootstrap=boot).set_index("hypothesis")
    assert not table.loc["H7", "supported"], table.loc["H7"]
    assert table.loc["H7", "ci_lower"] < 0 < table.loc["H7", "ci_upper"]
    supported = table.drop(index="H7")["supported"]
    assert supported.all(), table[["est", "ci_lower", "ci_upper", "supported"]]
    assert table.loc["H8", "ci_method"] == "bootstrap percentile (500)"
    wald = hypothesis_table(res, q).set_index("hypothesis")
    assert wald.loc["H8", "ci_method"] == "wald" and not wald.loc["H7", "supported"]
