"""Reliability on the shared cases (incomplete answers; an unrecoded reverse-worded item) against psych::alpha
(tests/reference/psych_alpha_cases.R): pairwise by default as psych, complete on request, n reported either way,
item-rest correlations and alpha-if-deleted, and a warning naming the item that works against its scale."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr

REF = json.load(open("tests/reference/psych/alpha_cases.json"))
MISSING = pd.read_csv("tests/reference/data/case_alpha_missing.csv")
UNREVERSED = pd.read_csv("tests/reference/data/case_unreversed_item.csv")


@pytest.mark.parametrize("use", ["pairwise", "complete"])
def test_alpha_with_missing_answers_matches_psych(use):
    ref = REF["alpha_missing"][use]
    ours = sr.cronbach_alpha(MISSING, use=use)
    assert ours["alpha"] == pytest.approx(ref["raw_alpha"], rel=1e-9)
    assert ours["std_alpha"] == pytest.approx(ref["std_alpha"], rel=1e-9)
    assert ours["n_complete"] == REF["alpha_missing"]["n_complete"] == 504
    assert ours["n"] == (600 if use == "pairwise" else 504) and ours["use"] == use
    items = sr.item_statistics(MISSING, use=use)
    np.testing.assert_allclose(items["item_rest_r"], ref["r_drop"], rtol=1e-9)
    np.testing.assert_allclose(items["alpha_if_deleted"], ref["alpha_drop"], rtol=1e-9)


def test_unrecoded_reverse_item_is_named():
    ref = REF["unreversed_item"]["pairwise"]
    with pytest.warns(sr.errors.ReliabilityWarning, match=r"'s4' of scale 'sat'.*item-rest r = -0\.659"):
        table = sr.reliability(UNREVERSED, "sat =~ s1 + s2 + s3 + s4 + s5 + s6", cfa=False)
    assert table["alpha"].iloc[0] == pytest.approx(ref["raw_alpha"], rel=1e-9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recoded = UNREVERSED.assign(s4=6 - UNREVERSED["s4"])
        assert sr.reliability(recoded, "sat =~ s1 + s2 + s3 + s4 + s5 + s6", cfa=False)["alpha"].iloc[0] > 0.75


def test_questionnaire_knows_the_reverse_keyed_item():
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    raw = sr.simulate_responses(q, n=300, seed=3)
    reverse = [i.id for i in q.items if i.reverse]
    assert reverse
    with pytest.warns(sr.errors.ReliabilityWarning, match="marks it reverse-keyed: recode it first"):
        sr.reliability(raw, q, cfa=False)


def test_an_item_without_answers_is_named():
    with pytest.raises(sr.ResponseDataError, match="'N3' has no answers"):
        sr.cronbach_alpha(MISSING.assign(N3=np.nan))
