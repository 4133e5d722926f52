"""Sample statistics for ordered items (thresholds, polychoric/polyserial, NACOV, DWLS weights) agree with lavaan.

References: tests/reference/lavaan_ordinal_samplestats.R -> tests/reference/ordinal/<case>.{csv,json}
(lavaan 0.6.14, ``cfa(..., ordered = ..., estimator = "WLSMV")``; lavInspect "sampstat", "gamma",
"wls.v", "wls.obs").

Tolerances. Thresholds are closed-form (normal quantiles of cumulative proportions) and agree to
rounding. Each correlation is a one-parameter ML estimate; ours is the root of its score to
rounding error, lavaan's is where nlminb stopped (its score there is up to ~1e-4, ours ~1e-13),
so correlations differ by up to ~1e-7 (polyserial) and ~1e-8 (polychoric). NACOV inherits that:
it is compared on the correlation scale, (ours - lavaan) / sqrt(gamma_ii gamma_jj), at 1e-6, and
given lavaan's own correlations our NACOV matches lavaan's to 1e-9 relative (test below), so the
formula itself is exact.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE
from scipy import stats

import stickiness_research as sr
from stickiness_research.sem import ordinal
from stickiness_research.sem.ordinal import OrdinalStats, ordinal_sample_stats
from stickiness_research.sem.polychoric import _phi2, polychoric

CASES = ["mixed_likert", "binary_item", "sparse_top", "large_scale"]


def _reference(case: str) -> tuple[dict, pd.DataFrame]:
    ref = json.loads((REFERENCE / "ordinal" / f"{case}.json").read_text(encoding="utf-8"))
    return ref, pd.read_csv(REFERENCE / "ordinal" / f"{case}.csv")


def _matrix(block: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(block["matrix"]), index=block["names"], columns=block["names"])


_CACHE: dict[str, tuple[dict, pd.DataFrame, OrdinalStats, list]] = {}


def _ours(case: str) -> tuple[dict, pd.DataFrame, OrdinalStats]:
    if case not in _CACHE:
        ref, data = _reference(case)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = ordinal_sample_stats(data, ref["ordered"], ref["continuous"])
        _CACHE[case] = (ref, data, result, [str(w.message) for w in caught])
    return _CACHE[case][:3]


@pytest.mark.parametrize("case", CASES)
def test_layout_and_listwise_deletion(case):
    ref, data, s = _ours(case)
    assert s.variables == tuple(ref["variables"])
    assert list(s.wls_obs.index) == ref["wls_obs"]["names"] == ref["gamma"]["names"]
    assert list(s.nacov.index) == list(s.nacov.columns) == ref["gamma"]["names"]
    assert list(s.dwls_weights.index) == ref["wls_v_diag"]["names"]
    assert s.missing == ref["missing"] == "listwise"
    assert s.nobs == ref["nobs"] and s.n_dropped == ref["ntotal_rows"] - ref["nobs"]
    assert list(s.thresholds.index) == list(ref["thresholds"])


@pytest.mark.parametrize("case", CASES)
def test_thresholds_means_variances(case):
    ref, _, s = _ours(case)
    assert np.allclose(s.thresholds.to_numpy(), list(ref["thresholds"].values()), rtol=0, atol=1e-10)
    cov = _matrix(ref["cov"])
    for item in s.continuous:
        assert s.means[item] == pytest.approx(ref["mean"][item], rel=1e-12)
        assert s.variances[item] == pytest.approx(cov.loc[item, item], rel=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_correlations_and_covariances(case):
    ref, _, s = _ours(case)
    cor, cov = _matrix(ref["cor"]), _matrix(ref["cov"])
    assert np.allclose(s.correlation.loc[cor.index, cor.columns], cor, rtol=0, atol=1e-6)
    assert np.allclose(s.covariance.loc[cov.index, cov.columns], cov, rtol=1e-6, atol=1e-6)
    assert np.allclose(s.wls_obs, ref["wls_obs"]["values"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("case", CASES)
def test_nacov_and_dwls_weights(case):
    ref, _, s = _ours(case)
    gamma = np.array(ref["gamma"]["matrix"])
    sd = np.sqrt(np.diag(gamma))
    assert np.max(np.abs(s.nacov.to_numpy() - gamma) / np.outer(sd, sd)) < 1e-6
    assert np.allclose(s.dwls_weights, ref["wls_v_diag"]["values"], rtol=1e-6, atol=0)
    assert ref["wls_v_offdiag_max_abs"] == 0
    assert np.array_equal(s.wls_v.to_numpy(), np.diag(s.dwls_weights.to_numpy()))


@pytest.mark.filterwarnings("ignore::stickiness_research.StickinessWarning")
@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
@pytest.mark.parametrize("case", CASES)
def test_nacov_diagonal_alone_equals_the_full_matrix_diagonal(case, missing):
    """full_nacov=False (bootstrap resamples: only the DWLS weights) computes NACOV's diagonal without the k x k
    sandwich: the same weights as the full matrix's diagonal, with and without continuous variables, and no NACOV."""
    ref, data, _ = _ours(case)
    if missing == "pairwise":
        data = data.mask(np.random.default_rng(4).random(data.shape) < 0.08)
    full = ordinal_sample_stats(data, ref["ordered"], ref["continuous"], missing=missing, warn=False)
    alone = ordinal_sample_stats(data, ref["ordered"], ref["continuous"], missing=missing, warn=False,
                                 full_nacov=False)
    assert alone.nacov is None
    np.testing.assert_allclose(1 / alone.dwls_weights.to_numpy(), np.diag(full.nacov.to_numpy()), rtol=1e-12)
    assert alone.wls_obs.equals(full.wls_obs)


@pytest.mark.filterwarnings("ignore::stickiness_research.StickinessWarning")
@pytest.mark.parametrize("case", CASES)
def test_nacov_formula_is_exact_given_lavaans_correlations(case, monkeypatch):
    """With lavaan's correlations plugged in, every other number follows from the data exactly."""
    ref, data, _ = _ours(case)
    lavaan_cor = _matrix(ref["cor"])
    monkeypatch.setattr(ordinal, "_pair_correlation", lambda fi, fj, vi, vj, **_: float(lavaan_cor.loc[vi, vj]))
    # pairs of ordered items are solved together, in one batch
    monkeypatch.setattr(ordinal._PolychoricBatch, "correlations", lambda batch: np.array(
        [lavaan_cor.loc[batch.names[i], batch.names[j]] for i, j in zip(batch.first, batch.second, strict=True)]))
    s = ordinal_sample_stats(data, ref["ordered"], ref["continuous"])
    assert np.allclose(s.nacov, np.array(ref["gamma"]["matrix"]), rtol=1e-9, atol=1e-12)
    assert np.allclose(s.dwls_weights, ref["wls_v_diag"]["values"], rtol=1e-9, atol=0)
    assert np.allclose(s.wls_obs, ref["wls_obs"]["values"], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["binary_item", "sparse_top"])
def test_polychorics_agree_with_polychoric_module(case):
    """sr.polychoric() gives the correlations of ordinal_sample_stats (one implementation), the 2 x 2
    table with an empty cell (bin x rare) included: lavaan's 0.5 added, margins kept."""
    ref, data, s = _ours(case)
    other = polychoric(data, ref["ordered"])
    mine = s.correlation.loc[other.index, other.columns].to_numpy()
    assert np.allclose(mine, other.to_numpy(), atol=1e-12)


def test_zero_cell_two_by_two_table_matches_lavaan():
    """bin x rare has an empty cell: lavaan adds 0.5 keeping the margins before the tetrachoric fit."""
    ref, data, s = _ours("binary_item")
    assert (pd.crosstab(data["bin"], data["rare"]).to_numpy() == 0).sum() == 1
    assert s.correlation.loc["bin", "rare"] == pytest.approx(_matrix(ref["cor"]).loc["bin", "rare"], abs=1e-7)


@pytest.mark.parametrize("case", CASES)
def test_polyserial_leaves_out_what_lavaan_leaves_out(case):
    """lavaan drops respondents whose bivariate likelihood is below sqrt(eps) from a polyserial fit.

    With spending in yuan (SD ~ 2000) that drops the three planted extreme answers, and it moves
    the correlations a lot (spending with q1: 0.486 as lavaan, 0.338 with everyone in); the caller
    is told. The other cases drop no one and warn about nothing.
    """
    _ours(case)
    messages = _CACHE[case][3]
    if case == "large_scale":
        assert len(messages) == 1
        assert "up to 3 respondent(s) with extreme values of 'spending' are left out" in messages[0]
    else:
        assert messages == []


def test_variable_order_only_permutes_the_statistics():
    ref, data, s = _ours("mixed_likert")
    other = ordinal_sample_stats(data, ref["ordered"], ref["continuous"], variables=list(reversed(s.variables)))

    def key(name: str) -> str:  # "a~~b" and "b~~a" are one covariance
        return "~~".join(sorted(name.split("~~"))) if "~~" in name else name

    mine = s.nacov.rename(index=key, columns=key)
    theirs = other.nacov.rename(index=key, columns=key)
    assert sorted(mine.index) == sorted(theirs.index)
    assert np.allclose(theirs.loc[mine.index, mine.columns], mine, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(("h", "k", "rho"), [(0.3, -0.5, 0.4), (-1.2, -0.7, -0.6), (1.5, 2.0, 0.9), (0.0, 0.0, 0.3),
                                             (0.5, 0.0, -0.2), (0.0, -1.0, 0.7), (-3.0, 1.0, 0.999)])
def test_bivariate_normal_cdf(h, k, rho):
    expected = stats.multivariate_normal([0, 0], [[1, rho], [rho, 1]]).cdf([h, k])
    ours = float(ordinal._pbinorm(np.array(h), np.array(k), rho))
    assert ours == pytest.approx(expected, abs=1e-7)
    assert ours == pytest.approx(float(_phi2(np.array(h), np.array(k), rho)), abs=1e-15)


# ------------------------------------------------------------------------------------------------
# bad input: named errors that say which item and how to fix it


def _likert(n: int = 60, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    z = rng.multivariate_normal([0, 0, 0], [[1, .5, .4], [.5, 1, .3], [.4, .3, 1]], size=n)
    return pd.DataFrame({"a": np.digitize(z[:, 0], [-1, 0, 1]) + 1, "b": np.digitize(z[:, 1], [-.5, .8]) + 1,
                         "c": 10 + 2 * z[:, 2]})


def test_single_category_item_is_refused():
    data = _likert().assign(flat=3)
    with pytest.raises(sr.ResponseDataError, match=r"ordered item 'flat' has a single category \(3\)"):
        ordinal_sample_stats(data, ["a", "flat"])


def test_non_integer_code_is_refused():
    data = _likert().astype({"b": float})
    data.loc[7, "b"] = 2.5
    with pytest.raises(sr.ResponseDataError, match=r"ordered item 'b' has a non-integer code 2.5 \(row 7\)"):
        ordinal_sample_stats(data, ["a", "b"])


def test_text_codes_are_refused():
    data = _likert().assign(b=lambda d: d["b"].map({1: "low", 2: "mid", 3: "high"}))
    with pytest.raises(sr.ResponseDataError, match=r"ordered item 'b' is not numeric"):
        ordinal_sample_stats(data, ["a", "b"])


def test_category_lost_to_listwise_deletion_is_refused_as_lavaan_does():
    """lavaan takes categories from all rows, then stops if one is empty among the complete rows."""
    data = _likert().astype({"c": float})
    top = data.index[data["a"] == data["a"].max()]
    data.loc[top, "c"] = np.nan
    with pytest.raises(sr.ResponseDataError, match=r"ordered item 'a': category 4 has no answers"):
        ordinal_sample_stats(data, ["a", "b"], ["c"])


def test_unknown_and_doubly_listed_variables_are_model_errors():
    data = _likert()
    with pytest.raises(sr.ModelSpecError, match=r"item 'zz' is not a column of the data"):
        ordinal_sample_stats(data, ["a", "zz"])
    with pytest.raises(sr.ModelSpecError, match=r"item 'b' is listed as both ordered and continuous"):
        ordinal_sample_stats(data, ["a", "b"], ["b"])
    with pytest.raises(sr.ModelSpecError, match=r"item 'a' is listed twice"):
        ordinal_sample_stats(data, ["a", "a"])
    with pytest.raises(sr.ParameterError, match=r"The 'ordered' parameter of ordinal_sample_stats"):
        ordinal_sample_stats(data, [], ["c"])


def test_two_empty_cells_in_a_binary_pair_is_an_estimation_error():
    data = pd.DataFrame({"x": [0, 0, 0, 1, 1, 1, 1], "y": [0, 0, 0, 1, 1, 1, 1]})
    with pytest.raises(sr.EstimationError, match=r"binary items 'y' and 'x' has two empty cells"):
        ordinal_sample_stats(data, ["x", "y"])


def test_pairwise_statistics_use_each_pair_of_answers():
    """missing='pairwise': complete data give the listwise statistics; with holes, thresholds come from each
    item's answers and a correlation from its pair's rows (the lavaan comparison is tests/test_wlsmv.py's
    'pairwise' case: every estimate, SE and fit measure)."""
    data = pd.read_csv(REFERENCE / "wlsmv" / "binary.csv")
    items = list(data.columns)
    full = ordinal.ordinal_sample_stats(data, ordered=items)
    same = ordinal.ordinal_sample_stats(data, ordered=items, missing="pairwise")
    np.testing.assert_allclose(same.wls_obs, full.wls_obs, atol=1e-12)
    np.testing.assert_allclose(same.nacov, full.nacov, rtol=1e-10, atol=1e-12)
    holes = data.copy()
    holes.loc[:39, "u1"] = np.nan
    st = ordinal.ordinal_sample_stats(holes, ordered=items, missing="pairwise")
    assert st.nobs == len(data) and st.missing == "pairwise"
    alone = ordinal.ordinal_sample_stats(holes[["u1", "u2"]].dropna(), ordered=["u1", "u2"])
    assert st.thresholds["u1|t1"] == pytest.approx(alone.thresholds["u1|t1"], abs=1e-12)
    # the pair's correlation uses u2's thresholds from all of u2's answers, not only the pair's rows
    assert st.correlation.loc["u1", "u2"] != pytest.approx(alone.correlation.loc["u1", "u2"], abs=1e-6)
    assert st.thresholds["u2|t1"] == full.thresholds["u2|t1"]  # u2's own answers are all there
    with pytest.raises(sr.ParameterError, match="'missing' parameter of ordinal_sample_stats"):
        ordinal.ordinal_sample_stats(data, ordered=items, missing="available")


def test_a_nearly_separated_table_is_estimated_with_its_warning_not_refused():
    """A binary item whose 4 zeros all sit in the other item's top category: the likelihood rises toward the
    bound. Newton from lavaan's start (Pearson's r) stops inside it, with the "(nearly) 1" warning; a start
    nearer the root once led it onto -0.999, where every casewise score vanished and the fit was refused."""
    y1 = np.repeat([0, 1, 2, 3, 4], [3, 23, 49, 72, 53])
    y0 = np.ones(200, dtype=int)
    y0[-4:] = 0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = ordinal.ordinal_sample_stats(pd.DataFrame({"y0": y0, "y1": y1}), ["y0", "y1"])
    rho = float(np.asarray(result.correlation)[0, 1])
    assert -0.999 < rho < -0.99
    assert any("(nearly) 1" in str(w.message) for w in caught)
    # its likelihood is flat there: no sampling variance to speak of (NACOV ~1e175), said with the pair named
    assert np.asarray(result.nacov)[-1, -1] > 1e100
    assert any("'y1' and 'y0'" in str(w.message) and "flat" in str(w.message) and "merge sparse categories"
               in str(w.message) for w in caught)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])  # the batched fits and the one-pair fits
@pytest.mark.parametrize("name", ["flat_top", "two_peaks", "floor_cell", "outlier", "noisy_loglik", "plateau"])
def test_nearly_separated_tables_reach_lavaans_maximum(name, missing):
    """Tables with answers far off the diagonal (tests/reference/lavaan_polychoric.R). flat_top: Newton from
    Pearson's r (0.24) ran past the interior maximum (0.818) onto 0.999, where the scores vanish, and the pair
    was refused ("scores are all zero"). two_peaks: lavaan's nlminb stops at the maximum near 0.977, below the
    floor's higher one at 0.999 (a nearer start once went there). floor_cell, outlier: cells that fall onto the
    likelihood's floor on the way must leave the score, as in lavaan's gradient (0.987 and 0.788 before, where
    lavaan gives 0.996 and 0.794). noisy_loglik: the last Newton step's gain is below the log-likelihood's
    rounding, and refusing it sent the climb wandering to 0.90391214. plateau: a long step jumped past the maximum
    (0.854) onto the floor and ended at 0.999, 28 log-likelihood units lower. Climbing from Pearson's r, as
    nlminb does, reaches lavCor's value in all, listwise and pairwise alike."""
    ref = json.loads((REFERENCE / "lavaan" / f"polychoric_{name}.json").read_text())
    data = pd.read_csv(REFERENCE / "data" / f"polychoric_{name}.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        result = ordinal_sample_stats(data, ["y1", "y2"], missing=missing)
    rho = float(np.asarray(result.correlation)[0, 1])
    assert rho == pytest.approx(ref["rho"], abs=1e-7)
    counts = np.array(ref["counts"], dtype=float)
    tau1, tau2 = (np.asarray(result.thresholds.filter(like=f"{v}|")) for v in ("y1", "y2"))
    loglik = lambda r: float(np.sum(counts * np.log(ordinal._cell_probabilities(tau1, tau2, r))))  # noqa: E731
    step = 1e-4  # a maximum: lower on either side
    assert loglik(rho) > max(loglik(rho - step), loglik(min(rho + step, 0.999)))


def test_a_correlation_on_a_flat_likelihood_at_the_bound_is_refused_by_name():
    """A binary item whose 7 rare answers all sit in the other item's first category: the likelihood is flat up
    to the bound, the correlation ends at -0.999 (lavaan's lavCor too) and every casewise score is zero there, so
    its NACOV variance is undefined (lavaan: variance 0, weight 1/0, "used generalized inverse"). Refused with the
    pair named and a fix, not a variance of 1e68 as the fit that stopped short of the bound gave."""
    table = np.array([[26, 3, 1, 2, 24], [7, 0, 0, 0, 0]])
    a, b = np.nonzero(table)
    data = pd.DataFrame({"rare": np.repeat(a, table[a, b]), "item": np.repeat(b, table[a, b]) + 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        with pytest.raises(sr.EstimationError, match=r"'item' and 'rare' \(-0\.999\).*merge sparse categories"):
            ordinal_sample_stats(data, ["rare", "item"])


def test_a_flat_correlations_overflowing_variance_is_refused_by_name_without_numpy_warnings():
    """The rare answer of a binary item only in the other item's top category: the correlation ends at 0.999 with
    an information per respondent of ~1e-300, whose NACOV variance overflows (the old code returned 3e177; a
    later one leaked numpy's overflow warning and went on with NaN weights). Refused naming the pair."""
    table = np.array([[52, 0], [361, 0], [824, 598]])
    a, b = np.nonzero(table)
    data = pd.DataFrame({"y1": np.repeat(a, table[a, b]), "y2": np.repeat(b, table[a, b])})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(sr.EstimationError, match=r"'y2' and 'y1' \(0\.999\).*merge sparse categories"):
            ordinal_sample_stats(data, ["y1", "y2"])
