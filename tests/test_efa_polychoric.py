"""EFA of ordered items on polychoric correlations against psych::fa on lavaan's lavCor matrix
(tests/reference/psych_fa_polychoric.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import stickiness_research as sr

REF = Path(__file__).parent / "reference"


def test_polychoric_efa_agrees_with_psych_fa_on_lavaans_polychoric_matrix():
    ref = json.loads((REF / "psych" / "fa_polychoric.json").read_text())
    data = pd.read_csv(REF / "wlsmv" / "cfa5.csv")
    res = sr.efa(data, 5, cor="polychoric")
    assert list(res.loadings.index) == ref["items"]
    np.testing.assert_allclose(res.loadings.to_numpy(), np.array(ref["loadings"]).T, atol=2e-5)
    np.testing.assert_allclose(res.factor_correlations.to_numpy(), np.array(ref["phi"]), atol=2e-5)
    np.testing.assert_allclose(res.communalities.to_numpy(), ref["communality"], atol=2e-5)
    # psych's own polychorics (0.5 added to empty cells) stay within the third decimal
    np.testing.assert_allclose(res.loadings.to_numpy(), np.array(ref["psych_poly_loadings"]).T, atol=1e-3)
    assert "polychoric correlations" in res.summary()


def test_pearson_and_polychoric_loadings_differ_on_coarse_items():
    data = pd.read_csv(REF / "wlsmv" / "binary.csv")
    poly = sr.efa(data, 2, cor="polychoric").loadings.abs().max(axis=1)
    pearson = sr.efa(data, 2).loadings.abs().max(axis=1)
    assert (poly > pearson).all()  # Pearson correlations of coarse categories are attenuated
