"""PLSpredict (pls_predict) against seminr's predict_pls, frozen from R seminr and from the seminr Python port with
R's folds (tests/reference/seminr/predict/), and against invariants computed independently with numpy."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PLS_ECSI, PLS_MOBI_SIMPLE

import stickiness_research as sr
from stickiness_research.errors import ModelSpecError, ParameterError, ResponseDataError
from stickiness_research.pls.predict import pls_predict, r_cut_folds

REFERENCE = Path(__file__).parent / "reference" / "seminr"
TOL = 1e-6
ECSI = PLS_ECSI
SIMPLE = PLS_MOBI_SIMPLE
CORP_REP_EXT = """QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP + LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA + CUSL ~ COMP + LIKE
CUSL ~ CUSA"""
MODELS = {  # case -> (syntax, data file, fit_pls arguments); the seminr models of generate.py
    "ecsi_da": (ECSI, "mobi", {}),
    "ecsi_ea": (ECSI, "mobi", {}),
    "ecsi_plsc_da": (ECSI, "mobi", {"consistent": True}),
    "simple_ea_loocv": (SIMPLE, "mobi", {}),
    "corp_rep_ext_da": (CORP_REP_EXT, "corp_rep_data", {"missing_value": -99}),
}
ITEM_METRICS = {  # seminr summary() table -> (our column, RMSE/MAE)
    ("PLS_out_of_sample", "RMSE"): "pls_rmse", ("PLS_out_of_sample", "MAE"): "pls_mae",
    ("LM_out_of_sample", "RMSE"): "lm_rmse", ("LM_out_of_sample", "MAE"): "lm_mae",
    ("PLS_in_sample", "RMSE"): "pls_rmse_in_sample", ("PLS_in_sample", "MAE"): "pls_mae_in_sample",
    ("LM_in_sample", "RMSE"): "lm_rmse_in_sample", ("LM_in_sample", "MAE"): "lm_mae_in_sample",
}


CASES = {c["case"]: c for name in ("mobi", "corp_rep")
         for c in json.loads((REFERENCE / "predict" / f"{name}.json").read_text())["cases"]}


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    return sr.datasets.mobi()


@pytest.fixture(scope="module")
def ecsi(mobi):
    return sr.fit_pls(ECSI, mobi)


@pytest.fixture(scope="module")
def simple(mobi):
    return sr.fit_pls(SIMPLE, mobi)


R_SEMINR = json.loads((REFERENCE / "predict" / "r_seminr.json").read_text())


def _predict_case(name: str):
    """Our pls_predict of a reference case, with the folds of R's set.seed(seed); predict_pls(...)."""
    ref = CASES[name]
    syntax, data_name, kwargs = MODELS[name]
    data = sr.datasets.mobi() if data_name == "mobi" else pd.read_csv(REFERENCE / "data" / f"{data_name}.csv")
    res = sr.fit_pls(syntax, data, **kwargs)
    folds = r_cut_folds(np.asarray(ref["order"]) - 1, ref["n_folds"])
    return pls_predict(res, data, folds=folds, technique=ref["technique"])


@pytest.mark.parametrize("name", list(MODELS))
def test_agrees_with_r_seminr(name):
    """R seminr 2.3.1.2 (r_seminr.R): summary(predict_pls(...)) after set.seed(seed), every RMSE and MAE of PLS and
    LM, in and out of sample."""
    table = _predict_case(name).items.set_index("indicator")
    for (section, metric), column in ITEM_METRICS.items():
        rows = {r["_row"]: r for r in R_SEMINR[name][section]}[metric]
        expected = pd.Series({k: v for k, v in rows.items() if k != "_row"})
        assert sorted(expected.index) == sorted(table.index)
        np.testing.assert_allclose(table.loc[expected.index, column], expected, rtol=0, atol=TOL,
                                   err_msg=f"{name}: {section} {metric}")


@pytest.mark.parametrize("name", list(MODELS))
def test_agrees_with_seminr_port(name):
    """The seminr Python port's predict_pls with R's shuffle (generate.py): every RMSE and MAE (PLS and LM, in and
    out of sample), the construct errors and the first predictions."""
    ref = CASES[name]
    pred = _predict_case(name)
    table = pred.items.set_index("indicator")
    for (section, metric), column in ITEM_METRICS.items():
        expected = pd.Series(ref["item_metrics"][section][metric])
        assert sorted(expected.index) == sorted(table.index)
        np.testing.assert_allclose(table.loc[expected.index, column], expected, rtol=0, atol=TOL,
                                   err_msg=f"{name}: {section} {metric}")
    cons = pred.constructs.set_index("construct")
    expected = ref["construct_metrics"]
    np.testing.assert_allclose(cons.loc[list(expected["OOS_MSE"]), "rmse"] ** 2, list(expected["OOS_MSE"].values()),
                               atol=TOL)
    np.testing.assert_allclose(cons.loc[list(expected["IS_MAE"]), "mae_in_sample"], list(expected["IS_MAE"].values()),
                               atol=TOL)
    np.testing.assert_allclose(cons.loc[list(expected["overfit"]), "overfit_ratio"],
                               list(expected["overfit"].values()), atol=TOL)
    head = pd.DataFrame(ref["PLS_out_of_sample_first_rows"])
    np.testing.assert_allclose(pred.pls_predictions[head.columns].to_numpy()[:5], head.to_numpy(), atol=TOL)


def test_r_cut_folds_is_rs_cut():
    # R: cut(seq(1, 11), breaks = 4, labels = FALSE) -> 1 1 1 2 2 2 3 3 4 4 4 (intervals of width 2.5, right-closed)
    np.testing.assert_array_equal(r_cut_folds(np.arange(11), 4), [0, 0, 0, 1, 1, 1, 2, 2, 3, 3, 3])
    folds = r_cut_folds(np.random.default_rng(5).permutation(250), 10)
    assert np.bincount(folds).tolist() == [25] * 10
    with pytest.raises(ParameterError):
        r_cut_folds([0, 0, 1], 2)


def test_lm_in_sample_equals_ols_residuals_with_two_folds(simple, mobi):
    """With 2 folds a row's in-sample LM prediction comes from the one fit on its own half: OLS residuals there."""
    folds = np.arange(250) % 2
    pred = pls_predict(simple, mobi, folds=folds)
    x = mobi[["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "CUEX1", "CUEX2", "CUEX3", "PERV1", "PERV2"]].to_numpy(float)
    for item in ("CUSA1", "CUSA2", "CUSA3"):
        y = mobi[item].to_numpy(float)
        sse = 0.0
        for f in (0, 1):
            rows = folds == f
            design = np.column_stack([np.ones(rows.sum()), x[rows]])
            beta = np.linalg.lstsq(design, y[rows], rcond=None)[0]
            sse += float(np.sum((y[rows] - design @ beta) ** 2))
        row = pred.items.set_index("indicator").loc[item]
        assert row["lm_rmse_in_sample"] == pytest.approx(np.sqrt(sse / 250), abs=1e-10)


def test_loocv_lm_out_of_sample_is_press(simple, mobi):
    """Leave-one-out OLS residuals are e_i / (1 - h_ii) of the full-sample fit (PRESS); EA uses every exogenous
    indicator."""
    pred = pls_predict(simple, mobi, folds=250, technique="EA")
    x = mobi[["IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5", "CUEX1", "CUEX2", "CUEX3", "PERV1", "PERV2"]].to_numpy(float)
    design = np.column_stack([np.ones(250), x])
    hat = np.einsum("ij,ji->i", design, np.linalg.pinv(design))
    for item in ("CUSA1", "CUSA3"):
        y = mobi[item].to_numpy(float)
        resid = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        np.testing.assert_allclose(pred.actual[item] - pred.lm_predictions[item], resid / (1 - hat), atol=1e-9)


def test_loocv_does_not_depend_on_the_seed(simple, mobi):
    a = pls_predict(simple, mobi, folds=250, seed=1)
    b = pls_predict(simple, mobi, folds=250, seed=99)
    c = pls_predict(simple, mobi, folds=np.arange(250))
    num = a.items.select_dtypes("number")
    np.testing.assert_allclose(num, b.items.select_dtypes("number"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(num, c.items.select_dtypes("number"), rtol=0, atol=1e-12)


def test_same_seed_same_numbers_other_seed_other_numbers(ecsi, mobi):
    a = pls_predict(ecsi, mobi, seed=7)
    b = pls_predict(ecsi, mobi, seed=7)
    c = pls_predict(ecsi, mobi, seed=8)
    pd.testing.assert_frame_equal(a.items, b.items)
    np.testing.assert_array_equal(a.folds, b.folds)
    assert not np.allclose(a.items.pls_rmse, c.items.pls_rmse)
    assert np.bincount(a.folds[0]).tolist() == [25] * 10


def test_repetitions_average_the_predictions_of_each_repetition(simple, mobi):
    both = pls_predict(simple, mobi, folds=5, repetitions=2, seed=3)
    assert both.folds.shape == (2, 250) and not np.array_equal(both.folds[0], both.folds[1])
    one = [pls_predict(simple, mobi, folds=f) for f in both.folds]
    for attr in ("pls_predictions", "lm_predictions", "pls_in_sample", "lm_in_sample", "construct_predictions"):
        mean = (getattr(one[0], attr) + getattr(one[1], attr)) / 2
        pd.testing.assert_frame_equal(getattr(both, attr), mean, atol=1e-12, rtol=0)
    explicit = pls_predict(simple, mobi, folds=both.folds)
    pd.testing.assert_frame_equal(explicit.items, both.items, atol=1e-12, rtol=0)
    assert explicit.seed is None and both.seed == 3


def test_q2_predict_against_the_training_mean(simple, mobi):
    folds = r_cut_folds(np.random.default_rng(11).permutation(250), 10)
    pred = pls_predict(simple, mobi, folds=folds)
    for item in ("CUSA1", "CUSA2", "CUSA3"):
        y = mobi[item].to_numpy(float)
        naive = np.array([y[folds != folds[i]].mean() for i in range(250)])
        sse = np.sum((y - pred.pls_predictions[item].to_numpy()) ** 2)
        q2 = pred.items.set_index("indicator").loc[item, "q2_predict"]
        assert q2 == pytest.approx(1 - sse / np.sum((y - naive) ** 2), abs=1e-12)
        assert 0 < q2 < 1


def test_da_and_ea_agree_where_all_predecessors_are_exogenous(ecsi, mobi):
    da = pls_predict(ecsi, mobi, technique="DA")
    ea = pls_predict(ecsi, mobi, technique="EA")
    # Expectation's only predecessor is Image (exogenous): the same predictions and LM benchmark
    cuex = ["CUEX1", "CUEX2", "CUEX3"]
    pd.testing.assert_frame_equal(da.pls_predictions[cuex], ea.pls_predictions[cuex], atol=1e-12, rtol=0)
    pd.testing.assert_frame_equal(da.lm_predictions[cuex], ea.lm_predictions[cuex], atol=1e-12, rtol=0)
    # Loyalty is predicted from measured Satisfaction (DA) versus from Image alone (EA): DA is closer
    assert (da.items.set_index("indicator").loc[["CUSL1", "CUSL2", "CUSL3"], "pls_rmse"]
            < ea.items.set_index("indicator").loc[["CUSL1", "CUSL2", "CUSL3"], "pls_rmse"]).all()


def test_metrics_are_in_raw_units(simple, mobi):
    """Rescaling an endogenous indicator (x -> 10 x + 3) multiplies its RMSE/MAE by 10 and leaves Q2 alone."""
    scaled = mobi.copy()
    scaled["CUSA2"] = 10 * scaled["CUSA2"] + 3
    res = sr.fit_pls(SIMPLE, scaled)
    a = pls_predict(simple, mobi).items.set_index("indicator")
    b = pls_predict(res, scaled).items.set_index("indicator")
    for col in ("pls_rmse", "pls_mae", "lm_rmse", "lm_mae_in_sample"):
        assert b.loc["CUSA2", col] == pytest.approx(10 * a.loc["CUSA2", col], rel=1e-10)
        assert b.loc["CUSA1", col] == pytest.approx(a.loc["CUSA1", col], rel=1e-10)
    assert b.loc["CUSA2", "q2_predict"] == pytest.approx(a.loc["CUSA2", "q2_predict"], rel=1e-10)


def test_predictive_power_follows_shmueli_et_al(ecsi, mobi):
    pred = pls_predict(ecsi, mobi)
    items = pred.items.copy()
    rows = items.construct == "Loyalty"

    def verdict(pls_worse: int, q2: float = 0.2) -> str:
        changed = items.copy()
        changed.loc[rows, "lm_rmse"] = 1.0
        changed.loc[rows, "pls_rmse"] = [1.5] * pls_worse + [0.5] * (3 - pls_worse)
        changed.loc[rows, "q2_predict"] = q2
        return dataclasses.replace(pred, items=changed).predictive_power("Loyalty")

    assert [verdict(k) for k in (0, 1, 2, 3)] == ["high", "medium", "low", "none"]
    assert verdict(0, q2=-0.01) == "none"


def test_result_renders(ecsi, mobi):
    pred = pls_predict(ecsi, mobi, folds=5)
    text = str(pred)
    assert text.startswith("PLSpredict (DA): 5-fold cross-validation, 1 repetition(s), seed 1; N = 250")
    assert "CUSL3" in text and "<table" in pred._repr_html_() and "| CUSL3" in pred.to_markdown()
    assert "\\begin{tabular}" in pred.to_latex()
    assert list(pred.items.columns) == ["construct", "indicator", "pls_rmse", "pls_mae", "lm_rmse", "lm_mae",
                                        "q2_predict", "pls_rmse_in_sample", "pls_mae_in_sample", "lm_rmse_in_sample",
                                        "lm_mae_in_sample"]
    assert pred.pls_predictions.shape == (250, 19) and pred.construct_predictions.shape == (250, 6)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"folds": 1}, "folds"), ({"folds": 251}, "folds"), ({"folds": True}, "folds"), ({"folds": 2.5}, "folds"),
    ({"folds": np.zeros(250, dtype=int)}, "folds"), ({"folds": np.arange(10)}, "folds"),
    ({"folds": np.full(250, 0.5)}, "folds"), ({"repetitions": 0}, "repetitions"), ({"technique": "da"}, "technique"),
    ({"seed": -1}, "seed"), ({"folds": np.arange(250) % 5, "repetitions": 2}, "repetitions"),
])
def test_bad_arguments(simple, mobi, kwargs, name):
    with pytest.raises(ParameterError, match=f"The '{name}' parameter of pls_predict"):
        pls_predict(simple, mobi, **kwargs)


def test_bad_inputs(simple, mobi):
    with pytest.raises(ParameterError, match="'res' parameter"):
        pls_predict("model", mobi)
    with pytest.raises(ResponseDataError, match="not the data the model was fitted to"):
        pls_predict(simple, mobi.iloc[:200])
    with pytest.raises(ModelSpecError, match="'CUSA3' is not a column"):
        pls_predict(simple, mobi.drop(columns="CUSA3"))
    loop = sr.fit_pls("A =~ IMAG1 + IMAG2\nB =~ CUEX1 + CUEX2\nC =~ CUSA1 + CUSA2\nB ~ A + C\nC ~ B", mobi)
    with pytest.raises(ModelSpecError, match="feedback loop"):
        pls_predict(loop, mobi, technique="EA")
    assert pls_predict(loop, mobi, technique="DA").items.shape == (4, 11)
