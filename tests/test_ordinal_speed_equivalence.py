"""The batched polychoric fits of ordinal_sample_stats equal the pair-by-pair reference code.

``_PolychoricBatch`` solves and scores all pairs of ordered items at once; ``_polychoric`` and
``_bvord_scores`` (kept for ``sr.polychoric``) do one pair at a time. Both must give the same
correlations (to rounding) and the same casewise scores.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from stickiness_research.errors import EstimationError, StickinessWarning
from stickiness_research.sem import ordinal
from stickiness_research.sem.ordinal import ordinal_sample_stats


def _data(seed: int, n: int = 400, p: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    loading = rng.uniform(0.3, 0.85, p)
    z = rng.standard_normal((n, 1)) * loading + rng.standard_normal((n, p)) * np.sqrt(1 - loading**2)
    cols = {}
    for j in range(p):
        k = int(rng.integers(2, 8))
        cuts = np.sort(rng.normal(0, 1, k - 1))
        cols[f"x{j}"] = np.digitize(z[:, j], cuts) + 1
    frame = pd.DataFrame(cols)
    return frame[[c for c in frame if frame[c].nunique() > 1]]


def _fits(frame: pd.DataFrame) -> list:
    out = []
    for item in frame:
        codes = np.unique(frame[item])
        out.append(ordinal._fit_ordinal(np.searchsorted(codes, frame[item].to_numpy(float)), len(codes)))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_batch_matches_pair_by_pair(seed):
    frame = _data(seed)
    names = list(frame)
    fits = _fits(frame)
    pairs = [(i, j) for j in range(len(names)) for i in range(j + 1, len(names))]
    batch = ordinal._PolychoricBatch(fits, names, pairs)
    rho = batch.correlations()
    ref = np.array([ordinal._polychoric(fits[i], fits[j], (names[i], names[j])) for i, j in pairs])
    assert np.allclose(rho, ref, rtol=0, atol=1e-12)
    d_rho, a21_first, a21_second = batch.scores(ref)
    for m, (i, j) in enumerate(pairs):
        ref_rho, ref_i, ref_j = ordinal._bvord_scores(fits[i], fits[j], ref[m])
        assert np.allclose(d_rho[m], ref_rho, rtol=1e-12, atol=1e-12)
        k_i, k_j = len(fits[i].tau), len(fits[j].tau)
        assert np.allclose(a21_first[m, :k_i], ref_rho @ ref_i, rtol=1e-10, atol=1e-10)
        assert np.allclose(a21_second[m, :k_j], ref_rho @ ref_j, rtol=1e-10, atol=1e-10)


def test_two_by_two_special_cases_as_pair_by_pair():
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame({
        "bin": rng.integers(0, 2, n),
        "rare": np.where(rng.random(n) < 0.05, 1, 0),
        "half": np.r_[np.zeros(n // 2, int), np.ones(n - n // 2, int)],
        "half2": np.tile([0, 1], n // 2),
        "five": rng.integers(1, 6, n),
    })
    frame.loc[frame["rare"] == 1, "bin"] = 1  # bin x rare: one empty cell (lavaan's zero.add)
    names = list(frame)
    fits = _fits(frame)
    pairs = [(i, j) for j in range(len(names)) for i in range(j + 1, len(names))]
    batch = ordinal._PolychoricBatch(fits, names, pairs)
    rho = batch.correlations()
    for m, (i, j) in enumerate(pairs):
        ref = ordinal._polychoric(fits[i], fits[j], (names[i], names[j]))
        assert rho[m] == pytest.approx(ref, abs=1e-12)


def test_two_empty_cells_still_raise():
    frame = pd.DataFrame({"a": [0, 0, 1, 1, 0, 1], "b": [0, 0, 1, 1, 0, 1], "c": [1, 2, 3, 1, 2, 3]})
    with pytest.raises(EstimationError, match="two empty cells"), warnings.catch_warnings():
        warnings.simplefilter("ignore", StickinessWarning)
        ordinal_sample_stats(frame, ordered=["a", "b", "c"])


def test_single_item_and_mixed_still_work():
    frame = _data(4, p=3)
    frame["c"] = np.linspace(0, 1, len(frame)) ** 2
    s = ordinal_sample_stats(frame, ordered=[list(frame)[0]])
    assert s.nacov.shape == (len(s.wls_obs), len(s.wls_obs))
    s = ordinal_sample_stats(frame, ordered=list(frame)[:-1], continuous=["c"])
    assert np.all(np.isfinite(s.nacov.to_numpy()))


def test_genz_bivariate_normal_equals_owens_t_form():
    """The batched fits' bivariate normal CDF (Genz's Gauss-Legendre rules by |rho|, Owen's T beyond 0.925)
    equals the Owen's T form to rounding, at every rule's edge, zero thresholds and the +/-100 stand-ins."""
    rng = np.random.default_rng(11)
    n = 4000
    h = rng.normal(scale=1.5, size=(n, 4, 1))
    k = rng.normal(scale=1.5, size=(n, 1, 4))
    h[:40] = 0.0
    k[20:60] = 0.0
    h[60:80], k[70:90] = 100.0, -100.0
    rho = rng.uniform(-0.9999, 0.9999, (n, 1, 1))
    edges = [0.0, 0.3, -0.3, 0.75, -0.75, 0.925, -0.925, np.nextafter(0.3, 0), np.nextafter(0.925, 0)]
    for m, edge in enumerate(edges):
        rho[100 + 10 * m:110 + 10 * m] = edge
    exact = ordinal._pbinorm(h, k, rho)
    fast = ordinal._pbinorm_many(h, k, rho)
    assert np.max(np.abs(fast - exact)) < 1e-15
    one_rule = ordinal._pbinorm_many(h[:300], k[:300], np.full((300, 1, 1), 0.5))  # the views-only path
    assert np.max(np.abs(one_rule - ordinal._pbinorm(h[:300], k[:300], 0.5))) < 1e-15


def test_genz_bivariate_normal_gives_nan_for_a_nan_correlation():
    h, k = np.zeros((2, 3, 1)), np.zeros((2, 1, 3))
    out = ordinal._pbinorm_many(h, k, np.array([np.nan, 0.3])[:, None, None])
    assert np.isnan(out[0]).all()
    assert np.allclose(out[1], ordinal._pbinorm(h[1], k[1], 0.3), atol=1e-15)


def test_all_items_category_scores_at_once_equal_each_items_own():
    """_all_category_scores pads items to the widest one: each item still gets exactly its own table (2, 3, 5 and 7
    categories, sparse ones included)."""
    rng = np.random.default_rng(4)
    items = [ordinal._fit_ordinal(np.repeat(np.arange(k), rng.integers(1, 60, k)), k) for k in (2, 3, 5, 7, 5)]
    own = [ordinal._Ordinal(f.tau, f.cat).category_scores for f in items]
    ordinal._all_category_scores(items)
    for f, table in zip(items, own, strict=True):
        assert f.category_scores.shape == table.shape
        assert np.array_equal(f.category_scores, table)
