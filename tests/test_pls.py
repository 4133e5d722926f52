"""PLS-SEM (sr.fit_pls) against R seminr's published test fixtures (tests/reference/seminr/fixtures,
copied unchanged from seminr's tests/fixtures/V_3_6_0; the models and settings are those of the
seminr test named in each test's docstring) on seminr's mobi data (sr.datasets.mobi)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import PLS_MOBI_SIMPLE

import stickiness_research as sr

FIXTURES = Path(__file__).parent / "reference" / "seminr" / "fixtures"
SIMPLE = PLS_MOBI_SIMPLE
TOL = 1e-6


def fixture(name: str) -> pd.DataFrame:
    return pd.read_csv(FIXTURES / f"{name}.csv", index_col=0)


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


@pytest.mark.parametrize(("scheme", "stem", "scores"), [("path_weighting", "inner_weights", "constructscores"),
                                                         ("factorial", "factorial", "scores")])
def test_composites_agree_with_seminr(mobi, scheme, stem, scores):
    """seminr tests/testthat/test-inner_weighting.R: composite(mode_A) x4, Satisfaction on the other three."""
    res = sr.fit_pls(SIMPLE, mobi, scheme=scheme)
    weights = fixture(f"{stem}_weights" if stem == "inner_weights" else "factorial_weights")
    np.testing.assert_allclose(res.weights().loc[weights.index, weights.columns], weights, atol=TOL)
    coef = fixture(f"{stem}_coefficients")
    np.testing.assert_allclose(res.paths().loc[coef.index, coef.columns], coef, atol=TOL)
    expected = fixture(f"{stem}_{scores}" if stem == "inner_weights" else "factorial_scores")
    mine = res.construct_scores[list(expected.columns)].to_numpy()
    np.testing.assert_allclose(mine, expected.to_numpy(), atol=TOL)


def test_plsc_agrees_with_seminr(mobi):
    """seminr tests/testthat/test-consistent.R: reflective() x4 (PLSc), factorial scheme."""
    plain = sr.fit_pls(SIMPLE, mobi, scheme="factorial")
    rho = fixture("rho1")["rhoA"]
    np.testing.assert_allclose(plain.reliability()["rhoA"].loc[rho.index], rho, atol=TOL)
    res = sr.fit_pls(SIMPLE, mobi, scheme="factorial", consistent=True)
    coef = fixture("path_coef1")
    np.testing.assert_allclose(res.paths().loc[coef.index, coef.columns], coef, atol=TOL)
    load = fixture("loadings1")
    np.testing.assert_allclose(res.loadings().loc[load.index, load.columns], load, atol=TOL)
    r2 = fixture("rsquaredplsc")["Satisfaction"]
    row = res.r2.set_index("construct").loc["Satisfaction"]
    assert row["r2"] == pytest.approx(r2["Rsq"], abs=TOL) and row["r2_adj"] == pytest.approx(r2["AdjRsq"], abs=TOL)


def test_estimates_table_and_reliability_are_consistent(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    est = res.estimates
    assert list(est.op.unique()) == ["=~", "~"] and len(est) == 13 + 3
    path = est[(est.op == "~") & (est.rhs == "Value")].iloc[0]
    assert path["lhs"] == "Satisfaction" and path["est"] == pytest.approx(res.paths().loc["Value", "Satisfaction"])
    rel = res.reliability()
    lam = res.loadings().loc[["PERV1", "PERV2"], "Value"].to_numpy()
    assert rel.loc["Value", "AVE"] == pytest.approx(np.mean(lam**2))
    assert rel.loc["Value", "rhoC"] == pytest.approx(lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2)))
    r = np.corrcoef(mobi[["PERV1", "PERV2"]].to_numpy(), rowvar=False)[0, 1]
    assert rel.loc["Value", "alpha"] == pytest.approx(2 * r / (1 + r))  # alpha of two standardized items
    # HTMT of two two-item... constructs: heterotrait mean over the geometric mean of monotrait means
    htmt = res.htmt()
    assert np.isnan(htmt.loc["Satisfaction", "Image"]) and 0 < htmt.loc["Image", "Satisfaction"] < 1.2
    fl = res.fornell_larcker()
    assert fl.loc["Value", "Value"] == pytest.approx(np.sqrt(rel.loc["Value", "AVE"]))
    eff = res.effects().set_index(["target", "source"])
    assert eff.loc[("Satisfaction", "Image"), "total"] == pytest.approx(res.paths().loc["Image", "Satisfaction"])


def test_mode_b_missing_codes_and_errors(mobi):
    data = mobi.copy()
    data.loc[:9, "IMAG1"] = -99
    res = sr.fit_pls(SIMPLE.replace("Image =~", "Image <~"), data, missing_value=-99)
    assert "<~" in set(res.estimates.op) and res.n_obs == 250
    assert any("replaced by their indicator's mean" in w for w in res.warnings)
    listwise = sr.fit_pls(SIMPLE, data, missing_value=-99, missing="listwise")
    assert listwise.n_obs == 240
    with pytest.raises(sr.ModelSpecError, match="PLS-SEM estimates every weight and path freely"):
        sr.fit_pls(SIMPLE.replace("~ Image", "~ a*Image"), mobi)
    with pytest.raises(sr.ModelSpecError, match="has no indicators"):
        sr.fit_pls(SIMPLE + "\nSatisfaction ~ Loyalty", mobi)
    with pytest.raises(sr.ModelSpecError, match="no structural path"):
        sr.fit_pls("Image =~ IMAG1 + IMAG2", mobi)
    with pytest.raises(sr.ModelSpecError, match="'CUEX9' is not a column"):
        sr.fit_pls(SIMPLE.replace("CUEX3", "CUEX9"), mobi)
    with pytest.raises(sr.ParameterError, match="'scheme' parameter of fit_pls"):
        sr.fit_pls(SIMPLE, mobi, scheme="path")
    with pytest.raises(sr.ModelSpecError, match="fit the model with PLS-SEM"):
        sr.fit_sem(SIMPLE.replace("Image =~", "Image <~"), mobi)


def test_f_squared_reestimates_without_the_path(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    f2 = res.f_squared().set_index("rhs")["f2"]
    reduced = SIMPLE.replace("Image + Expectation + Value", "Image + Expectation").replace(
        "Value =~ PERV1 + PERV2\n", "")  # Value is in no other path: it leaves the model (as in seminr)
    without = sr.fit_pls(reduced, mobi)
    r2_with = res.r2.set_index("construct").loc["Satisfaction", "r2"]
    r2_without = without.r2.set_index("construct").loc["Satisfaction", "r2"]
    assert f2["Value"] == pytest.approx((r2_with - r2_without) / (1 - r2_with))


def test_bootstrap_is_reproducible_and_sensible(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    boot = res.bootstrap(200, seed=4)
    again = res.bootstrap(200, seed=4, n_jobs=2)
    pd.testing.assert_frame_equal(boot.table, again.table)
    paths = boot.table[boot.table.op == "~"].set_index("rhs")
    assert (paths["boot_se"] > 0.02).all() and (paths["boot_se"] < 0.15).all()
    assert paths.loc["Image", "ci_lower"] > 0
    n = len(mobi)
    same = res.bootstrap(indices=np.tile(np.arange(n), (3, 1)))  # resamples equal to the sample
    assert np.allclose(same.draws.to_numpy(), same.table["est"].to_numpy()[None, :])


def test_cli_pls(tmp_path):
    import json

    from typer.testing import CliRunner

    from stickiness_research.cli import app

    model = tmp_path / "mobi.lav"
    model.write_text(SIMPLE, encoding="utf-8")
    data = tmp_path / "mobi.csv"
    sr.datasets.mobi().to_csv(data, index=False)
    runner = CliRunner()
    out = runner.invoke(app, ["pls", "--model", str(model), "--data", str(data), "--json", "--bootstrap", "20"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert payload["command"] == "pls" and payload["result"]["type"] == "PLSResult"
    estimates = payload["result"]["tables"]["estimates"]
    value = next(e for e in estimates if e["op"] == "~" and e["rhs"] == "Value")["est"]
    assert value == pytest.approx(fixture("inner_weights_coefficients").loc["Value", "Satisfaction"], abs=TOL)
    assert payload["result"]["meta"]["settings"]["scheme"] == "path_weighting"
    assert payload["bootstrap"]["type"] == "PLSBootstrap" and payload["bootstrap"]["meta"]["n_boot"] == 20
    bad = runner.invoke(app, ["pls", "--model", str(model), "--data", str(data), "--scheme", "x"])
    assert bad.exit_code == 2 and "'scheme' parameter of fit_pls" in bad.output and "Traceback" not in bad.output
    for extra, said in ((["--bootstrap", "20", "--dask-scheduler", "tcp://127.0.0.1:1"], "none answered there"),
                        (["--dask-scheduler", "tcp://127.0.0.1:1"], "without --bootstrap")):
        refused = runner.invoke(app, ["pls", "--model", str(model), "--data", str(data), *extra])
        assert refused.exit_code == 2 and "'--dask-scheduler' parameter of stickiness pls" in refused.output
        assert said in refused.output and "Traceback" not in refused.output


def test_batched_bootstrap_equals_one_at_a_time(mobi):
    from stickiness_research.pls.bootstrap import _check_batch_equals_single

    for consistent in (False, True):
        res = sr.fit_pls(SIMPLE.replace("Expectation =~", "Expectation <~"), mobi, consistent=consistent)
        z = res.data.to_numpy()
        rng = np.random.default_rng(0)
        for _ in range(3):
            rows = rng.integers(0, len(z), len(z))
            zz = (z[rows] - z[rows].mean(axis=0)) / z[rows].std(axis=0, ddof=1)
            assert _check_batch_equals_single(res, zz.T @ zz / (len(z) - 1)) < 1e-12


@pytest.mark.slow
def test_a_study_with_method_both_reports_pls_beside_cbsem(tmp_path):
    from stickiness_research.report import write_report
    from stickiness_research.study import run_study

    text = (f"study:\n  id: both\n  title: {{en: \"Both\", zh: \"两者\"}}\nquestionnaire: {sr.builtin_questionnaire_path()}\n"
            "data:\n  simulate: {n: 300, seed: 11, careless: 0.05}\nmethod: both\n"
            "analyses: {bootstrap: 50, htmt_bootstrap: 10, max_segments: 2, efa: false, method_bias: false}\n")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    study = run_study(path)
    assert study.pls is not None and study.pls.n_obs == study.sem.n_obs
    assert study.pls_bootstrap.n_boot == 50
    assert (study.ipma["basis"] == "pls_ipma").all()  # with PLS-SEM in the study the playbook follows its IPMA
    assert all(r.basis == "pls_ipma" for r in study.recommendations)
    paths = write_report(study, tmp_path / "build")
    md = Path(paths["md"]).read_text(encoding="utf-8")
    assert "## PLS-SEM beside CB-SEM" in md and "PLS ρA" in md
    html = Path(paths["html"]).read_text(encoding="utf-8")
    assert 'id="pls"' in html


def test_the_shipped_mobi_is_seminrs():
    """sr.datasets.mobi() is seminr's data set as tests/reference/seminr_export.R exported it."""
    ref = pd.read_csv(Path(__file__).parent / "reference" / "seminr" / "data" / "mobi.csv")
    pd.testing.assert_frame_equal(sr.datasets.mobi(), ref)


def test_interaction_syntax_and_f_squared(mobi):
    syntax = SIMPLE.replace("Image + Expectation + Value", "Image + Expectation + Value + Image:Expectation")
    res = sr.fit_pls(syntax, mobi, interaction="orthogonal")
    assert "Image*Expectation" in res.model.constructs
    f2 = res.f_squared().set_index("rhs")["f2"]
    assert np.isnan(f2["Image"]) and np.isnan(f2["Expectation"]) and np.isfinite(f2["Value"])
    assert f2["Image*Expectation"] >= 0
    with pytest.raises(sr.ModelSpecError, match="multiplies a construct by itself"):
        sr.fit_pls(SIMPLE + "\nSatisfaction ~ Image:Image", mobi)
    with pytest.raises(sr.ModelSpecError, match="needs 'Loyalty' to be a construct"):
        sr.fit_pls(SIMPLE + "\nSatisfaction ~ Image:Loyalty", mobi)
    with pytest.raises(sr.ParameterError, match="'interaction' parameter of fit_pls"):
        sr.fit_pls(syntax, mobi, interaction="latent")


@pytest.mark.slow
def test_bca_intervals(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    bca = res.bootstrap(1000, seed=5, ci="bca")
    pct = res.bootstrap(1000, seed=5)
    assert bca.ci == "bca" and "bca 95% intervals" in bca.summary()
    b, p = bca.table.set_index(["lhs", "op", "rhs"]), pct.table.set_index(["lhs", "op", "rhs"])
    pd.testing.assert_series_equal(b["boot_se"], p["boot_se"])  # same replicates, other interval
    paths = b.xs("~", level="op")
    assert (paths["ci_lower"] < paths["est"]).all() and (paths["est"] < paths["ci_upper"]).all()
    assert not np.allclose(b["ci_lower"], p["ci_lower"])
    # the jackknife's leave-one-out samples give the correlations of the data without that row
    from stickiness_research.pls.bootstrap import sample_correlations

    z = res.data.to_numpy()
    s, fine = sample_correlations(z, np.delete(np.arange(len(z)), 7)[None, :])
    np.testing.assert_allclose(s[0], np.corrcoef(np.delete(z, 7, axis=0), rowvar=False), atol=1e-12)
    assert fine.all()
    with pytest.raises(sr.ParameterError, match="when ci='bca'"):
        res.bootstrap(200, ci="bca")


def test_higher_order_syntax_errors(mobi):
    with pytest.raises(sr.ModelSpecError, match="measured by constructs .* and by items"):
        sr.fit_pls(SIMPLE + "\nSatisfaction =~ Image", mobi)
    with pytest.raises(sr.ModelSpecError, match="needs two or more dimensions"):
        sr.fit_pls(SIMPLE.replace("Satisfaction =~ CUSA1 + CUSA2 + CUSA3", "Satisfaction =~ Value"), mobi)


def test_cli_pls_takes_a_questionnaire(tmp_path):
    from typer.testing import CliRunner

    from stickiness_research.cli import app

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = tmp_path / "answers.csv"
    sr.simulate_responses(q, n=200, seed=2).to_csv(data, index=False)
    out = CliRunner().invoke(app, ["pls", "--model", str(sr.builtin_questionnaire_path()), "--data", str(data)])
    assert out.exit_code == 0, out.output
    assert "PLS-SEM (path_weighting scheme)\nN = 200, " in out.output


def test_sign_change_options(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    plain = res.bootstrap(300, seed=9)
    construct = res.bootstrap(300, seed=9, sign_change="construct")
    individual = res.bootstrap(300, seed=9, sign_change="individual")
    # mobi's weights never flip: construct-level corrections change nothing here
    pd.testing.assert_frame_equal(plain.table, construct.table)
    est = individual.table["est"].to_numpy()
    assert (np.sign(individual.draws.to_numpy()) == np.where(est < 0, -1, 1)[None, :]).all()
    # a replicate equal to the sample is left alone (no spurious flips)
    from stickiness_research.pls.bootstrap import bootstrap_pls

    z = res.data.to_numpy()
    turned = bootstrap_pls(res, indices=np.tile(np.arange(len(z)), (2, 1)), sign_change="construct")
    np.testing.assert_allclose(turned.draws.to_numpy()[0], turned.table["est"].to_numpy(), atol=1e-12)
    with pytest.raises(sr.ParameterError, match="'sign_change' parameter"):
        res.bootstrap(10, sign_change="all")


def test_indicator_reliability_is_the_squared_loading(mobi):
    res = sr.fit_pls(SIMPLE, mobi)
    table = res.indicator_reliability().set_index("indicator")
    assert len(table) == 13
    assert table.loc["PERV2", "reliability"] == pytest.approx(res.loadings().loc["PERV2", "Value"] ** 2)
    assert table.loc["PERV2", "construct"] == "Value"


def test_bad_indicator_values_are_named_by_row_and_value():
    mobi = sr.datasets.mobi()
    model = "Image =~ IMAG1 + IMAG2 + IMAG3\nValue =~ PERV1 + PERV2\nValue ~ Image"
    text = mobi.astype({"IMAG2": object})
    text.loc[7, "IMAG2"] = "n/a"
    with pytest.raises(sr.ResponseDataError, match="fit_pls: column 'IMAG2', row 7: 'n/a' is not a number"):
        sr.fit_pls(model, text)
    with pytest.raises(sr.ResponseDataError, match="'IMAG2' holds its numbers as text"):
        sr.fit_pls(model, mobi.astype({"IMAG2": str}))
    with pytest.raises(sr.ResponseDataError, match="'IMAG2' has no answers"):
        sr.fit_pls(model, mobi.assign(IMAG2=float("nan")))
    with pytest.raises(sr.ResponseDataError, match="or the missing-value code"):
        sr.fit_pls(model, mobi.assign(IMAG2=-99), missing_value=-99)
