"""Reliability agrees with psych::alpha (frozen in tests/reference/psych/)."""

from __future__ import annotations

import json

import pytest
from conftest import REFERENCE

import stickiness_research as sr

PSYCH = json.loads((REFERENCE / "psych" / "alpha_holzinger.json").read_text(encoding="utf-8"))
HS_SYNTAX = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def table():
    return sr.reliability(sr.datasets.holzinger_swineford(), HS_SYNTAX).set_index("construct")


@pytest.mark.parametrize("scale", ["visual", "textual", "speed"])
@pytest.mark.parametrize(("ours", "theirs"), [("alpha", "raw_alpha"), ("std_alpha", "std_alpha"),
                                              ("average_r", "average_r")])
def test_alpha_matches_psych(table, scale, ours, theirs):
    assert table.loc[scale, ours] == pytest.approx(PSYCH["scales"][scale][theirs], rel=1e-6)


@pytest.mark.parametrize("scale", ["visual", "textual", "speed"])
def test_feldt_interval_matches_psych(table, scale):
    feldt = PSYCH["scales"][scale]["confidence_intervals"]["feldt"]
    assert table.loc[scale, "ci_lower"] == pytest.approx(feldt["lower"], rel=1e-6)
    assert table.loc[scale, "ci_upper"] == pytest.approx(feldt["upper"], rel=1e-6)
    assert table.loc[scale, "n"] == PSYCH["scales"][scale]["n"]


def test_reliability_accepts_a_questionnaire(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=400, seed=5), default_q)
    rel = sr.reliability(data, default_q)
    assert list(rel["construct"]) == default_q.construct_ids
    assert (rel["alpha"] > 0.7).all()  # population loadings .70-.88 give acceptable scales
    # forgetting to reverse-code the reversed item lowers its scale's alpha: the check can fail
    with pytest.warns(sr.errors.ReliabilityWarning, match="reverse-keyed"):
        raw = sr.reliability(sr.simulate_responses(default_q, n=400, seed=5), default_q).set_index("construct")
    construct = default_q.item(default_q.reverse_items[0]).construct
    assert raw.loc[construct, "alpha"] < rel.set_index("construct").loc[construct, "alpha"] - 0.1


def test_missing_item_column_is_named(default_q):
    data = sr.simulate_responses(default_q, n=50, seed=1).drop(columns=["int2"])
    with pytest.raises(sr.ResponseDataError, match="item column 'int2' of scale 'interaction'"):
        sr.reliability(data, default_q)
