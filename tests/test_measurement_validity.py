"""Measurement layer against psych, semTools and lavaan (frozen by tests/reference/measurement.R)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

import stickiness_research as sr
from stickiness_research.measurement import fornell_larcker, latent_correlations, scales_of
from stickiness_research.measurement.validity import _htmt_matrices

CASES = {"holzinger_swineford": "HolzingerSwineford1939.csv", "stickiness_demo": "stickiness_demo.csv"}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    ref = json.loads((REFERENCE / "measurement" / f"{request.param}.json").read_text(encoding="utf-8"))
    data = pd.read_csv(REFERENCE / "data" / CASES[request.param])
    return request.param, ref, data, sr.cfa(ref["cfa_syntax"], data)


def test_item_descriptives_match_psych_describe(case):
    _, ref, data, _ = case
    table = sr.item_descriptives(data, ref["cfa_syntax"]).set_index("item")
    assert list(table.index) == ref["items"]
    for ours, theirs in [("mean", "mean"), ("sd", "sd"), ("skew", "skew"), ("kurtosis", "kurtosis")]:
        expected = pd.Series(ref["describe"][theirs])[table.index]
        np.testing.assert_allclose(table[ours], expected, rtol=1e-9, atol=1e-12)


def test_floor_and_ceiling_use_the_response_set(default_q):
    data = pd.DataFrame({i: [1, 1, 5, 3] for i in default_q.item_ids})
    table = sr.item_descriptives(data, default_q).set_index("item")
    assert table.loc["int1", "floor_pct"] == 50.0
    assert table.loc["int1", "ceiling_pct"] == 25.0


@pytest.mark.parametrize(("ours", "theirs"), [("b1p", "b1p"), ("b2p", "b2p"), ("skew", "skew"), ("p_skew", "p_skew"),
                                              ("small_skew", "small_skew"), ("kurtosis", "kurtosis"),
                                              ("p_kurtosis", "p_kurt")])
def test_mardia_matches_psych(case, ours, theirs):
    _, ref, data, _ = case
    assert sr.mardia(data, ref["cfa_syntax"])[ours] == pytest.approx(ref["mardia"][theirs], rel=1e-8, abs=1e-14)


def test_kmo_and_bartlett_match_psych(case):
    _, ref, data, _ = case
    k = sr.kmo(data, ref["cfa_syntax"])
    assert k["overall"] == pytest.approx(ref["kmo"]["overall"], rel=1e-10)
    np.testing.assert_allclose(k[ref["items"]], pd.Series(ref["kmo"]["items"])[ref["items"]], rtol=1e-10)
    b = sr.bartlett_sphericity(data, ref["cfa_syntax"])
    assert b["chisq"] == pytest.approx(ref["bartlett"]["chisq"], rel=1e-10)
    assert b["df"] == ref["bartlett"]["df"]


def test_parallel_analysis_eigenvalues_and_retention(case):
    name, ref, data, _ = case
    pa = sr.parallel_analysis(data, ref["cfa_syntax"], n_iter=30, seed=4)
    np.testing.assert_allclose(pa.table["eigen_pc"], ref["eigen_pc"], rtol=1e-10)
    np.testing.assert_allclose(pa.table["eigen_fa"], ref["eigen_fa"], rtol=1e-10)
    assert pa.n_factors == ref["efa"]["nfactors"]  # the designed number of factors is recovered
    again = sr.parallel_analysis(data, ref["cfa_syntax"], n_iter=30, seed=4)
    pd.testing.assert_frame_equal(pa.table, again.table)


def test_oblimin_efa_matches_psych_fa(case):
    _, ref, data, _ = case
    res = sr.efa(data, ref["efa"]["nfactors"], ref["cfa_syntax"])
    expected = pd.DataFrame(ref["efa"]["loadings"]).T.loc[ref["items"]]
    np.testing.assert_allclose(res.loadings.to_numpy(), expected.to_numpy(), atol=5e-5)
    np.testing.assert_allclose(res.factor_correlations.to_numpy(), pd.DataFrame(ref["efa"]["phi"]).to_numpy(),
                               atol=5e-5)
    np.testing.assert_allclose(res.communalities, pd.Series(ref["efa"]["communality"])[ref["items"]], atol=5e-5)


def test_omega_and_ave_match_semtools(case):
    _, ref, _, res = case
    rel = res.reliability().set_index("construct")
    np.testing.assert_allclose(rel["omega"], pd.Series(ref["comp_rel"])[rel.index], rtol=1e-5)
    np.testing.assert_allclose(rel["ave"], pd.Series(ref["ave"])[rel.index], rtol=1e-5)
    std = pd.Series(ref["std_loadings"])
    for construct in rel.index:
        lam = std[[k for k in std.index if k.startswith(construct + "=~")]].to_numpy()
        cr = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam ** 2).sum())
        assert rel.loc[construct, "cr"] == pytest.approx(cr, rel=1e-5)


@pytest.mark.parametrize(("htmt2", "key"), [(True, "htmt2"), (False, "htmt")])
def test_htmt_matches_semtools(case, htmt2, key):
    _, ref, data, _ = case
    table = sr.htmt(data, ref["cfa_syntax"], htmt2=htmt2)
    expected = pd.DataFrame(ref[key])
    for row in table.itertuples():
        assert row.htmt == pytest.approx(expected.loc[row.construct_a, row.construct_b], rel=1e-10)


def test_htmt_bootstrap_interval_is_seeded_and_brackets_the_estimate(case):
    _, ref, data, _ = case
    a = sr.htmt(data, ref["cfa_syntax"], n_boot=200, seed=9)
    b = sr.htmt(data, ref["cfa_syntax"], n_boot=200, seed=9)
    pd.testing.assert_frame_equal(a, b)
    assert (a["ci_lower"] < a["htmt"]).all() and (a["htmt"] < a["ci_upper"]).all()
    assert (a["below_threshold"] == (a["ci_upper"] < 0.85)).all()


def test_htmt_flags_two_constructs_that_are_one():
    rng = np.random.default_rng(0)
    f = rng.standard_normal(400)
    g = rng.standard_normal(400)
    data = pd.DataFrame({f"a{i}": f + 0.5 * rng.standard_normal(400) for i in range(3)}
                        | {f"b{i}": f + 0.5 * rng.standard_normal(400) for i in range(3)}
                        | {f"c{i}": g + 0.5 * rng.standard_normal(400) for i in range(3)})
    syntax = "A =~ a0 + a1 + a2\nB =~ b0 + b1 + b2\nC =~ c0 + c1 + c2"
    table = sr.htmt(data, syntax).set_index(["construct_a", "construct_b"])
    assert table.loc[("A", "B"), "htmt"] > 0.95 and not table.loc[("A", "B"), "below_threshold"]
    assert table.loc[("A", "C"), "below_threshold"]


def test_latent_correlations_and_fornell_larcker(case):
    _, ref, _, res = case
    corr = res.latent_correlations()
    expected = pd.DataFrame(ref["cor_lv"]).loc[corr.index, corr.columns]
    np.testing.assert_allclose(corr.to_numpy(), expected.to_numpy(), atol=1e-5)
    fl = res.fornell_larcker()
    for c in corr.index:
        assert fl.loc[c, c] == pytest.approx(np.sqrt(ref["ave"][c]), rel=1e-5)
        others = corr.loc[c].drop(c).abs().max()
        assert fl.loc[c, "holds"] == (np.sqrt(ref["ave"][c]) > others)


def test_cross_loadings_highest_on_own_construct(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=300, seed=2), default_q)
    table = sr.cross_loadings(data, default_q)
    assert table["loads_highest_on_own"].all()
    # an item put under the wrong construct is caught
    wrong = default_q.model_syntax(structural=False).replace("+ int4", "").replace("ea4", "ea4 + int4")
    moved = sr.cross_loadings(data, wrong)
    assert not moved.loc["int4", "loads_highest_on_own"]


def test_cfa_fit_and_tables(case):
    name, ref, _, res = case
    for measure in ["chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic"]:
        assert res.fit_measures[measure] == pytest.approx(ref["fit"][measure], rel=1e-5), measure
    assert res.fit_measures["chisq/df"] == pytest.approx(ref["fit"]["chisq"] / ref["fit"]["df"], rel=1e-5)
    loadings = res.loadings()
    std = pd.Series(ref["std_loadings"])
    got = pd.Series(loadings["std_all"].to_numpy(), index=loadings["construct"] + "=~" + loadings["item"])
    np.testing.assert_allclose(got[std.index], std, atol=1e-5)
    assert (loadings["std_se"] > 0).all()
    assert "Reliability" in res._repr_html_() and "omega" in res.summary()


def test_residual_correlations_lists_local_misfit():
    hs = sr.datasets.holzinger_swineford()
    res = sr.cfa((REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8"), hs)
    table = res.residual_correlations(0.1)
    assert (table["residual"].abs() > 0.1).all()
    assert table["residual"].abs().is_monotonic_decreasing
    pair = set(table.iloc[0][["item_a", "item_b"]])
    full = res.sem.residuals("cor")
    assert abs(full.loc[tuple(pair)[0], tuple(pair)[1]]) == pytest.approx(table["residual"].abs().max())


def test_method_bias_against_lavaan():
    ref = json.loads((REFERENCE / "measurement" / "stickiness_demo.json").read_text(encoding="utf-8"))
    data = pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv")
    mb = sr.method_bias(data, ref["cfa_syntax"])
    assert mb.harman["first_share"] == pytest.approx(ref["harman_first_share"], rel=1e-10)
    one = mb.comparison.set_index("model")
    assert one.loc["one_factor", "chisq"] == pytest.approx(ref["one_factor_fit"]["chisq"], rel=1e-6)
    assert one.loc["one_factor", "delta_pvalue"] < 0.001
    assert mb.method_model.fit_measures["chisq"] == pytest.approx(ref["ulmc"]["fit"]["chisq"], rel=1e-6)
    method = mb.loadings.set_index("item")["method_loading"]
    for key, value in ref["ulmc"]["method_loadings"].items():
        assert method[key.split("=~")[1]] == pytest.approx(value, abs=1e-4)
    # simulated without a method factor: little method variance, and the verdict says so in numbers
    assert mb.method_variance < 0.05
    assert "below the 50 % mark" in mb.verdict()


def test_method_bias_detects_a_shared_method_factor():
    # Traits plus one method factor on every item (loadings vary, so the ULMC is identified in practice).
    rng = np.random.default_rng(3)
    n = 800
    traits = rng.multivariate_normal([0, 0, 0], [[1, .3, .3], [.3, 1, .3], [.3, .3, 1]], n)
    method = rng.standard_normal(n)
    trait_loadings, method_loadings = [0.8, 0.7, 0.6, 0.5], [0.3, 0.6, 0.4, 0.5]
    cols = {}
    for t, name in enumerate("abc"):
        for i in range(4):
            cols[f"{name}{i}"] = (trait_loadings[i] * traits[:, t] + method_loadings[(i + t) % 4] * method
                                  + 0.5 * rng.standard_normal(n))
    syntax = "\n".join(f"{n} =~ " + " + ".join(f"{n}{i}" for i in range(4)) for n in "abc")
    mb = sr.method_bias(pd.DataFrame(cols), syntax)
    assert mb.method_variance > 0.15
    assert (mb.loadings["change"] < 0).all()  # trait loadings shrink once method variance is modelled
    assert "above the 50 % mark" in mb.verdict()


def test_htmt_bootstrap_interval_is_the_quantile_of_each_resample_alone(case):
    # The resamples' HTMTs are computed as one stack, from the same seeded stream as one at a time.
    _, ref, data, _ = case
    syntax = ref["cfa_syntax"]
    items = [i for s in scales_of(syntax).values() for i in s]
    complete = data[items].dropna().reset_index(drop=True)
    table = sr.htmt(complete, syntax, n_boot=40, seed=11)
    rng = np.random.default_rng(11)
    alone = np.array([sr.htmt(complete.iloc[rng.integers(0, len(complete), len(complete))], syntax)["htmt"]
                      for _ in range(40)])
    # (a resampled DataFrame's array may be laid out differently from the resampled array: last-bit differences)
    np.testing.assert_allclose(table["ci_lower"], np.nanquantile(alone, 0.025, axis=0), rtol=1e-13)
    np.testing.assert_allclose(table["ci_upper"], np.nanquantile(alone, 0.975, axis=0), rtol=1e-13)


@pytest.mark.parametrize("sizes", [[3, 3, 3], [4, 4, 4, 4, 4, 5], [2, 9, 17]])
@pytest.mark.parametrize("geometric", [True, False])
def test_htmt_of_a_stack_is_bit_for_bit_each_matrix_alone(sizes, geometric):
    # Every mean is summed in the same order whatever the stack's size, so a report's HTMT intervals do not
    # change in the last digit when the bootstrap is batched (results.json stays byte-identical).
    rng = np.random.default_rng(sum(sizes))
    p = sum(sizes)
    offsets = np.cumsum([0, *sizes])
    blocks = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    x = rng.standard_normal((200, p)) + rng.standard_normal((200, 1))
    stack = np.stack([np.corrcoef(x[rng.integers(0, 200, 200)], rowvar=False) for _ in range(30)])
    together = _htmt_matrices(stack, blocks, geometric)
    for k in range(len(stack)):
        np.testing.assert_array_equal(together[k], _htmt_matrices(stack[k:k + 1], blocks, geometric)[0])
    assert np.all(np.diagonal(together, axis1=1, axis2=2) == 1) and np.allclose(together, together.transpose(0, 2, 1))


def test_cfa_tables_are_computed_once_and_handed_out_as_copies(case):
    _, _, _, res = case
    loadings, fl, corr = res.loadings(), res.fornell_larcker(), res.latent_correlations()
    loadings["std_all"] = -1.0  # changing what was handed out must not change what comes next
    fl["sqrt_ave"] = -1.0
    corr[corr.columns[0]] = -1.0
    std = res.sem.standardized_solution()
    std = std[std["op"] == "=~"].reset_index(drop=True)
    np.testing.assert_array_equal(res.loadings()["std_all"], std["std_all"])
    np.testing.assert_array_equal(res.loadings()["std_se"], std["se"])
    pd.testing.assert_frame_equal(res.fornell_larcker(), fornell_larcker(res.sem))
    pd.testing.assert_frame_equal(res.latent_correlations(), latent_correlations(res.sem))


def test_method_bias_loadings_are_the_standardized_solution():
    # the table takes the estimates' std_all; it must be what standardized_solution() reports (lavaan's est.std)
    ref = json.loads((REFERENCE / "measurement" / "stickiness_demo.json").read_text(encoding="utf-8"))
    mb = sr.method_bias(pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv"), ref["cfa_syntax"])
    assert mb.method_model is not None
    for model, column in ((mb.trait_model, "trait_loading"), (mb.method_model, "trait_loading_with_method")):
        std = model.standardized_solution()
        std = std[(std["op"] == "=~") & (std["lhs"] != "method")].set_index(["lhs", "rhs"])["std_all"]
        table = mb.loadings.set_index(["construct", "item"])[column]
        np.testing.assert_array_equal(table.to_numpy(), std.loc[table.index].to_numpy())
    std = mb.method_model.standardized_solution()
    method = std[(std["op"] == "=~") & (std["lhs"] == "method")].set_index("rhs")["std_all"]
    table = mb.loadings.set_index("item")["method_loading"]
    np.testing.assert_array_equal(table.to_numpy(), method.loc[table.index].to_numpy())


@pytest.mark.parametrize("function", ["construct_reliability", "fornell_larcker"])
def test_validity_functions_name_a_wrong_argument(function):
    with pytest.raises(sr.ParameterError, match=f"'res' parameter of {function} must be a fitted model"):
        getattr(sr, function)("not a fit")


def test_recommendations_names_a_table_that_is_not_an_ipma():
    with pytest.raises(sr.ParameterError, match=r"'ipma' parameter of recommendations .* \(columns construct"):
        sr.recommendations(pd.DataFrame({"construct": ["trust"], "importance": [0.3]}))
