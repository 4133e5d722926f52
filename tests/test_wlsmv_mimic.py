"""WLSMV fits of ordered items with observed covariates (MIMIC; lavaan's conditional.x = TRUE) against lavaan 0.6.14
(tests/reference/lavaan_wlsmv_mimic.R): the sample statistics given the covariates (WLS.obs, NACOV), every parameter
row (est, se, std.lv, std.all) and the fit measures, at 1e-3 (absolute, relative above 1)."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import fit_measure_mismatches

import stickiness_research as sr
from stickiness_research.sem.ordinal_x import conditional_sample_stats

FOLDER = Path(__file__).parent / "reference" / "wlsmv_mimic"
TOL = 1e-3
CASES = ["mimic", "mimic_dif", "mimic_theta", "mimic_mixed", "mimic_groups", "mimic_std_lv", "mimic_defined"]
_FITS: dict[str, tuple] = {}


def _ref(case: str) -> dict:
    return json.loads((FOLDER / f"{case}.json").read_text())


def _fit(case: str):
    if case not in _FITS:
        ref = _ref(case)
        data = pd.read_csv(FOLDER / ref["data"])
        args = ref["args"]
        kwargs = {k: args[k] for k in ("group", "parameterization", "estimator") if k in args}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sr.StickinessWarning)
            res = sr.fit_sem(ref["model"], data, ordered=list(ref["ordered"]), std_lv=bool(args.get("std.lv")),
                             **kwargs)
        _FITS[case] = (ref, res)
    return _FITS[case]


def _close(mine: float, theirs: float | None) -> bool:
    if theirs is None:
        return math.isnan(mine)
    return abs(mine - theirs) <= TOL * max(1.0, abs(theirs))


@pytest.mark.parametrize("case", ["mimic", "mimic_mixed"])
def test_sample_statistics_given_the_covariates_agree_with_lavaan(case):
    ref = _ref(case)
    data = pd.read_csv(FOLDER / ref["data"])
    order = ref["sampstat"]["res.cov"]["rownames"]
    exo = ref["sampstat"]["cov.x"]["rownames"]
    ordered = list(ref["ordered"])
    stats = conditional_sample_stats(data, ordered, [v for v in order if v not in ordered], exo, variables=order)
    assert list(stats.wls_obs.index) == ref["wls_obs"]["names"]  # thresholds, slopes, variances, correlations
    np.testing.assert_allclose(stats.wls_obs.to_numpy(), ref["wls_obs"]["values"], atol=1e-5)
    gamma = np.array(ref["gamma"]["matrix"], dtype=float)
    np.testing.assert_allclose(stats.nacov.to_numpy(), gamma, rtol=1e-4, atol=1e-6 * np.abs(gamma).max())
    np.testing.assert_allclose(stats.dwls_weights.to_numpy(), ref["wls_v_diag"]["values"], rtol=1e-4)
    np.testing.assert_allclose(stats.exo_cov.to_numpy(), ref["sampstat"]["cov.x"]["matrix"], rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_every_parameter_row_agrees_with_lavaan(case):
    ref, res = _fit(case)
    est = res.estimates
    key = ["lhs", "op", "rhs"] + (["group"] if res.groups else [])
    labels = ref["group_labels"]
    mine = est.set_index(key)
    seen = 0
    for row in ref["estimates"]:
        k = (row["lhs"], row["op"], row["rhs"]) + ((labels[row["group"] - 1],) if res.groups else ())
        assert k in mine.index, f"{case}: lavaan's row {k} is missing"
        ours = mine.loc[k]
        for col, theirs in (("est", "est"), ("se", "se"), ("std_lv", "std.lv"), ("std_all", "std.all")):
            value = row.get(theirs)
            if value is None and col == "se":
                continue  # fixed rows: lavaan's se 0 or NA
            assert _close(float(ours[col]), value), f"{case} {k} {col}: {ours[col]} vs lavaan {value}"
        seen += 1
    assert seen == len(est) == len(ref["estimates"])


@pytest.mark.parametrize("case", CASES)
def test_fit_measures_agree_with_lavaan(case):
    ref, res = _fit(case)
    compared = 0
    for name, theirs in ref["fit_measures"].items():
        if name not in res.fit_measures.index:
            continue
        assert _close(float(res.fit_measures[name]), theirs), f"{case} {name}: {res.fit_measures[name]} vs {theirs}"
        compared += 1
    assert compared >= 35
    # lavaan's baseline leaves the slopes free: only the residual correlations are tested
    assert res.fit_measures["baseline.df"] == ref["fit_measures"]["baseline.df"]


def test_robust_cfi_is_not_given_conditional_on_covariates():
    """lavaan's catML-based robust CFI/TLI/RMSEA are NA under conditional.x; not invented here."""
    ref, res = _fit("mimic")
    assert ref["fit_measures"]["cfi.robust"] is None
    assert math.isnan(res.fit_measures["cfi.robust"]) and math.isnan(res.fit_measures["rmsea.robust"])


def test_listwise_drops_rows_with_a_missing_covariate():
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"])
    holes = data.copy()
    holes.loc[[3, 10], "age"] = np.nan
    holes.loc[20, "s2"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        res = sr.fit_sem(ref["model"], holes, ordered=list(ref["ordered"]), estimator="WLSMV")
        kept = sr.fit_sem(ref["model"], data.drop(index=[3, 10, 20]), ordered=list(ref["ordered"]),
                          estimator="WLSMV")
    assert res.n_obs == 597 and res.n_dropped == 3
    pd.testing.assert_series_equal(res.estimates["est"], kept.estimates["est"])


def test_pairwise_with_covariates_is_refused_by_name():
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"])
    with pytest.raises(sr.ModelSpecError, match="pairwise.*covariates"):
        sr.fit_sem(ref["model"], data, ordered=list(ref["ordered"]), estimator="WLSMV", missing="pairwise")


def test_a_constant_covariate_is_refused_by_name():
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"]).assign(tier1=1)
    with pytest.raises((sr.ResponseDataError, sr.EstimationError), match="tier1"):
        sr.fit_sem(ref["model"], data, ordered=list(ref["ordered"]), estimator="WLSMV")


def test_bootstrap_refits_each_resample_given_the_covariates():
    """Each resample's statistics are recomputed conditional on the covariates (not the plain polychorics, which
    would fail or differ): bootstrap SEs near the robust ones, and the resample of all rows in order is the fit."""
    ref, res = _fit("mimic")
    from stickiness_research.sem.categorical import bootstrap_categorical

    n = res.n_obs
    names, values, ok, point = bootstrap_categorical(res, [(np.arange(n),)])
    assert ok.all()
    np.testing.assert_allclose(values[0], point, rtol=1e-7, atol=1e-9)
    boot = res.bootstrap(200, seed=3)
    assert boot.n_failed == 0
    rows = boot.table
    slopes = rows[(rows["op"] == "~") & (rows["lhs"] == "stick")].set_index("rhs")
    robust = res.estimates[(res.estimates["op"] == "~")].set_index("rhs")["se"]
    assert sorted(slopes.index) == ["age", "tier1"]
    ratio = slopes["boot_se"] / robust[slopes.index]
    assert ((ratio > 0.75) & (ratio < 1.33)).all(), ratio


def test_factor_scores_use_the_prior_given_each_respondents_covariates():
    """lavPredict()'s EBM scores of a MIMIC model: the posterior mode with the prior eta | x (lavaan's first 50
    rows, to its optimizer's precision)."""
    ref, res = _fit("mimic")
    scores = res.factor_scores()
    assert list(scores.columns) == ref["predict"]["colnames"] and len(scores) == ref["predict_nrow"]
    np.testing.assert_allclose(scores.to_numpy()[:50], np.array(ref["predict"]["matrix"], dtype=float), atol=2e-4)
    # the covariates move the prior: the same answers with another age score differently
    data = pd.read_csv(FOLDER / ref["data"])
    older = data.assign(age=data["age"] + 20)
    assert np.all(res.factor_scores(older).to_numpy() > scores.to_numpy())  # stick ~ age is positive


@pytest.mark.parametrize("case", ["mimic_groups", "mimic_mixed"])
def test_factor_scores_of_other_mimic_models_are_finite(case):
    _, res = _fit(case)
    for method in ("regression", "Bartlett"):
        scores = res.factor_scores(method=method)
        assert len(scores) == res.n_obs and np.isfinite(scores.select_dtypes("number").to_numpy()).all()


def test_a_covariate_that_separates_an_items_answers_is_refused_by_name():
    """Its probit slope has no maximum (lavaan's estimation fails there); not a fit with a residual variance of -200."""
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"])
    data["xsep"] = data["s1"] + np.random.default_rng(1).uniform(0, 0.5, len(data))
    with pytest.raises(sr.ResponseDataError, match="'s1'.*separates"):
        sr.fit_sem("stick =~ s1 + s2 + s3 + s4 + s5\nstick ~ age + xsep", data, ordered=list(ref["ordered"]))


def test_an_ordered_predictor_under_the_delta_parameterization_is_refused_not_misfitted():
    """Its residual variance would move what it predicts; the theta version (the same model) is fitted."""
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"])
    model = "stick =~ s2 + s3 + s4 + s5\nstick ~ s1\ns1 ~ age"
    with pytest.raises(sr.ModelSpecError, match="stick ~ s1.*theta"):
        sr.fit_sem(model, data, ordered=list(ref["ordered"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        res = sr.fit_sem(model, data, ordered=list(ref["ordered"]), parameterization="theta")
    assert np.isfinite(res.fit_measures["chisq.scaled"])


def test_modification_indices_never_regress_a_covariate():
    """Under conditional.x lavaan offers no 'x ~ ...' rows: the covariates are conditioned on."""
    ref = _ref("mimic")
    data = pd.read_csv(FOLDER / ref["data"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.StickinessWarning)
        res = sr.fit_sem("stick =~ s1 + s2 + s3 + s4\nstick ~ age\ns5 ~ tier1", data, ordered=list(ref["ordered"]))
    mi = res.modification_indices()
    regressions = set(map(tuple, mi.loc[mi["op"] == "~", ["lhs", "rhs"]].to_numpy().tolist()))
    assert not {lhs for lhs, _ in regressions} & {"age", "tier1"}
    assert {("stick", "tier1"), ("s5", "age")} <= regressions  # the paths a covariate could add are offered


@pytest.mark.parametrize("case", CASES)
def test_every_fit_measure_lavaan_reports_agrees(case):
    """fitMeasures(fit) whole, conditional on covariates too (the residual summaries of lavaan's res.cov)."""
    ref, res = _fit(case)
    bad = fit_measure_mismatches(res.fit_measures, ref["fit_measures"])
    assert not bad, f"{case}: " + "; ".join(bad)
