"""lavaan's checks of an improper solution (``lav_object_post_check``): a fit whose latent covariance matrix or
residual covariance matrix of the continuous variables is not positive definite says so in its warnings, where
lavaan warns (tests/reference/lavaan_post_check.R), and a proper fit does not."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import pytest

import stickiness_research as sr

REFERENCE = Path(__file__).parent / "reference"
CASES = json.loads((REFERENCE / "lavaan" / "post_check.json").read_text())
DATA = pd.read_csv(REFERENCE / "data" / "post_check.csv")


def _fit(case: str):
    spec = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        return sr.fit_sem(spec["model"], DATA, model_type="cfa", estimator=spec["args"]["estimator"],
                          ordered=spec["args"].get("ordered"))


@pytest.mark.parametrize("case", sorted(CASES))
def test_improper_solutions_are_noted_where_lavaan_warns(case):
    res = _fit(case)
    theirs = CASES[case]["warnings"]
    lv = any("covariance matrix of latent variables" in w for w in theirs)
    resid = any("(theta) is not positive definite" in w for w in theirs)
    assert any("covariance matrix of the latent variables is not positive definite" in w for w in res.warnings) == lv
    assert any("residual covariance matrix of the observed variables is not positive" in w
               for w in res.warnings) == resid
    if lv:  # the note names the pair beyond 1, at lavaan's estimate
        r = CASES[case]["cor_lv"][0][1]
        assert any(f"A and B correlate {r:.3f}" in w for w in res.warnings), res.warnings
    if resid:
        assert any("b1 and b2r correlate 1.167" in w for w in res.warnings), res.warnings


def test_factor_scores_of_an_improper_solution_name_the_method_that_works():
    res = _fit("wlsmv_cov_lv")
    with pytest.raises(sr.ModelSpecError, match="method='regression' \\(EBM\\) need a positive definite.*Bartlett"):
        res.factor_scores()
    assert res.factor_scores(method="Bartlett").notna().all().all()
