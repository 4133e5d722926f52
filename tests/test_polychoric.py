"""Polychoric correlations agree with lavaan::lavCor(ordered = ...)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, lavaan_reference
from scipy import stats

import stickiness_research as sr
from stickiness_research.sem.polychoric import _phi2, polychoric, thresholds


@pytest.mark.parametrize(("h", "k", "rho"), [(0.3, -0.5, 0.4), (-1.2, -0.7, -0.6), (1.5, 2.0, 0.9), (0.0, 0.0, 0.3),
                                             (0.5, 0.0, -0.2), (0.0, -1.0, 0.7), (-8.0, 1.0, 0.5)])
def test_bivariate_normal_cdf(h, k, rho):
    expected = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([h, k])
    assert float(_phi2(np.array(h), np.array(k), rho)) == pytest.approx(expected, abs=1e-7)


def test_matches_lavaan():
    ref = lavaan_reference("polychoric_stickiness")
    data = pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv")
    ours = polychoric(data, ref["items"]).to_numpy()
    assert np.allclose(ours, np.array(ref["matrix"]), atol=1e-6)
    taus = thresholds(data["int1"].to_numpy())[1]
    theirs = [v for k, v in ref["thresholds"].items() if k.startswith("int1|")]
    assert np.allclose(taus, theirs, atol=1e-8)


def test_polychoric_exceeds_pearson_for_coarse_items():
    """Categorising attenuates Pearson correlations; the polychoric estimate undoes that."""
    rng = np.random.default_rng(3)
    z = rng.multivariate_normal([0, 0], [[1, 0.7], [0.7, 1]], size=3000)
    likert = pd.DataFrame(np.digitize(z, [-1.0, 0.0, 1.2]) + 1, columns=["a", "b"])
    assert polychoric(likert).loc["a", "b"] == pytest.approx(0.7, abs=0.03)
    assert likert.corr().loc["a", "b"] < 0.67


def test_errors_are_named():
    with pytest.raises(sr.ResponseDataError, match="column 'a' has a single category"):
        polychoric(pd.DataFrame({"a": [1, 1, 1], "b": [1, 2, 3]}))
