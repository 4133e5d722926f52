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


def test_rows_left_out_listwise_are_warned_of_and_pairwise_uses_them():
    """polychoric dropped incomplete rows silently (246 of 500 used on a reviewer's data); it now says so, and
    missing='pairwise' gives lavCor(missing = "pairwise"): the sample statistics of a pairwise WLSMV fit."""
    from stickiness_research.sem.ordinal import ordinal_sample_stats

    rng = np.random.default_rng(4)
    z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], size=600)
    data = pd.DataFrame(np.digitize(z, [-1, 0, 1]) + 1, columns=["a", "b", "c"]).astype(float)
    data.loc[data.index[::5], "a"] = np.nan
    with pytest.warns(sr.StickinessWarning, match=r"polychoric: 120 of 600 rows with a missing answer were left out"):
        listwise = polychoric(data)
    assert listwise.loc["a", "b"] == pytest.approx(polychoric(data.dropna()).loc["a", "b"], abs=0)
    pairwise = polychoric(data, missing="pairwise")
    expected = ordinal_sample_stats(data, ordered=["a", "b", "c"], missing="pairwise").correlation
    pd.testing.assert_frame_equal(pairwise, expected)
    assert pairwise.loc["b", "c"] != pytest.approx(listwise.loc["b", "c"], abs=1e-6)  # b, c: all 600 rows
    with pytest.raises(sr.ParameterError, match="'missing' parameter of polychoric"):
        polychoric(data, missing="ml")
    pd.testing.assert_frame_equal(polychoric(data, missing="Pairwise"), pairwise)
    for how in ("listwise", "pairwise"):
        with pytest.raises(sr.ResponseDataError, match=r"column 'c' has no answers \(every value is missing\)"):
            polychoric(data.assign(c=np.nan), missing=how)
    with pytest.raises(sr.ResponseDataError, match=r"item 'cc' is not a column of the data\. Did you mean c\?"):
        polychoric(data, ["a", "cc"])
