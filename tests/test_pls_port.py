"""sr.fit_pls against the seminr Python port (frozen by tests/reference/seminr_port.py; the port itself
reproduces R seminr 2.3.1's fixtures to 4e-13, see tests/reference/seminr/README.md): the ECSI mobi model,
the extended corporate-reputation model (mode B, -99 codes, mean replacement, a single-item construct)
and mobi with PLSc. Every statistic of the reporting set at 1e-6."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr

REF = Path(__file__).parent / "reference" / "seminr"
CASES = ["mobi_ecsi", "corp_rep_ext", "mobi_ecsi_plsc"]
TOL = 1e-6
_FITS: dict = {}


def _matrix(entry: dict) -> pd.DataFrame:
    return pd.DataFrame(np.array(entry["values"], dtype=float), index=entry["rows"], columns=entry["cols"])


def _fit(case: str):
    if case not in _FITS:
        ref = json.loads((REF / "port" / f"{case}.json").read_text())
        model = ref["model"]
        lines = [f"{m['name']} {'<~' if m['mode'] == 'B' else '=~'} " + " + ".join(m["items"])
                 for m in model["measurement"]]
        targets: dict[str, list[str]] = {}
        for p in model["structural"]:
            targets.setdefault(p["to"], []).append(p["from"])
        lines += [f"{t} ~ " + " + ".join(s) for t, s in targets.items()]
        data = pd.read_csv(Path(__file__).parent.parent / ref["data_file"])
        est = model["estimate_pls"]
        res = sr.fit_pls("\n".join(lines), data, scheme={"path_weighting": "path_weighting",
                                                         "path_factorial": "factorial"}[est["inner_weights"]],
                         consistent=model["consistent_PLSc"], missing_value=est.get("missing_value"),
                         max_iter=est["maxIt"], stop_criterion=est["stopCriterion"])
        _FITS[case] = (ref, res)
    return _FITS[case]


def _close(mine: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    mine = mine.loc[theirs.index, theirs.columns].to_numpy(dtype=float)
    expected = theirs.to_numpy(dtype=float)
    both = ~np.isnan(expected)  # seminr's NA cells (e.g. HTMT's lower triangle) are NaN in ours too
    assert np.isnan(mine[~both]).all(), what
    np.testing.assert_allclose(mine[both], expected[both], atol=TOL, err_msg=what)


@pytest.mark.parametrize("case", CASES)
def test_estimates_agree_with_the_seminr_port(case):
    ref, res = _fit(case)
    assert res.n_obs == ref["n_obs"]
    _close(res.weights(), _matrix(ref["outer_weights"]), "weights")
    _close(res.loadings(), _matrix(ref["outer_loadings"]), "loadings")
    _close(res.paths(), _matrix(ref["path_coef"]), "paths")
    r2 = res.r2.set_index("construct")
    for construct, value in ref["r_squared"].items():
        assert r2.loc[construct, "r2"] == pytest.approx(value, abs=TOL)
        assert r2.loc[construct, "r2_adj"] == pytest.approx(ref["adj_r_squared"][construct], abs=TOL)
    scores = _matrix(ref["construct_scores_first10"])
    np.testing.assert_allclose(res.construct_scores[list(scores.columns)].to_numpy()[:10], scores.to_numpy(), atol=TOL)


@pytest.mark.parametrize("case", CASES)
def test_reporting_set_agrees_with_the_seminr_port(case):
    ref, res = _fit(case)
    rel = _matrix(ref["reliability"])
    _close(res.reliability(), rel, "reliability")
    _close(res.htmt(), _matrix(ref["htmt"]), "htmt")
    _close(res.fornell_larcker(), _matrix(ref["fornell_larcker"]), "fornell_larcker")  # PLSc: uncorrected, as seminr
    _close(res.cross_loadings(), _matrix(ref["cross_loadings"]), "cross_loadings")
    vif = res.vif()
    for construct, items in ref["vif_items"].items():
        for item, value in items.items():
            assert vif["items"][f"{construct}: {item}"] == pytest.approx(value, abs=TOL)
    for target, preds in ref["vif_antecedents"].items():  # PLSc too: on the uncorrected score correlations
        for pred, value in (preds or {}).items():
            if value is not None:
                assert vif["antecedents"][f"{target}: {pred}"] == pytest.approx(value, abs=TOL)
    f2 = _matrix(ref["f_square"])
    for row in res.f_squared().itertuples():
        assert row.f2 == pytest.approx(f2.loc[row.rhs, row.lhs], abs=TOL), (row.rhs, row.lhs)
    total = _matrix(ref["total_effects"])
    eff = res.effects().set_index(["source", "target"])
    for (source, target), value in eff["total"].items():
        assert value == pytest.approx(total.loc[source, target], abs=TOL)


@pytest.mark.parametrize(("fixture", "scheme"), [("boostrapmatrix1", "factorial")])
def test_bootstrap_replays_seminrs_resamples_cell_for_cell(fixture, scheme):
    """seminr tests/testthat/test-bootstrap.R (model M1f, nboot 200, seed 123): with R's resamples
    (tests/reference/seminr_boot_indices.R) the path estimates' bootstrap mean and SD agree exactly."""
    indices = np.loadtxt(REF / "boot_indices_mobi_seed123_nboot200.csv", delimiter=",", dtype=int)
    syntax = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value"""
    res = sr.fit_pls(syntax, sr.datasets.mobi(), scheme=scheme)
    boot = res.bootstrap(indices=indices)
    expected = pd.read_csv(REF / "fixtures" / f"{fixture}.csv", index_col=0)
    table = boot.table[boot.table["op"] == "~"].set_index("rhs")
    for source, row in expected.iterrows():
        assert table.loc[source, "est"] == pytest.approx(row["Satisfaction PLS Est."], abs=TOL)
        assert table.loc[source, "boot_mean"] == pytest.approx(row["Satisfaction Boot Mean"], abs=TOL)
        assert table.loc[source, "boot_se"] == pytest.approx(row["Satisfaction Boot SD"], abs=TOL)
    assert boot.n_failed == 0 and boot.n_boot == 200


MOBI_INTERACTION = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Image:Expectation + Image:Value"""


@pytest.mark.parametrize(("method", "coef", "weights", "scores"), [
    ("orthogonal", "coefficients", "weights", "constructscores"),
    ("product_indicator", "coefficients2", "weights2", "constructscores2")])
def test_interactions_agree_with_seminr_fixtures(method, coef, weights, scores):
    """seminr tests/testthat/test-pls.r (models M2, M3: factorial scheme, two interaction terms); coefficients.csv
    was written with 9 decimals."""
    res = sr.fit_pls(MOBI_INTERACTION, sr.datasets.mobi(), scheme="factorial", interaction=method)
    for name, mine in ((coef, res.paths()), (weights, res.weights())):
        expected = pd.read_csv(REF / "fixtures" / f"{name}.csv", index_col=0)
        np.testing.assert_allclose(mine.loc[expected.index, expected.columns], expected, atol=TOL, err_msg=name)
    expected = pd.read_csv(REF / "fixtures" / f"{scores}.csv", index_col=0)
    np.testing.assert_allclose(res.construct_scores[list(expected.columns)], expected, atol=TOL)


def test_plsc_with_interactions_agrees_with_seminr_fixtures():
    """seminr test-consistent.R (M5: rho_A of interactions is 1) and test-consistent-interactions.R (M6)."""
    m5 = sr.fit_pls(MOBI_INTERACTION, sr.datasets.mobi(), scheme="factorial", interaction="orthogonal",
                    consistent=True)
    rho = pd.read_csv(REF / "fixtures" / "rho2.csv", index_col=0)["rhoA"]
    np.testing.assert_allclose(m5.reliability()["rhoA"].loc[rho.index], rho, atol=TOL)
    m6 = sr.fit_pls(MOBI_INTERACTION.replace("CUEX1 + CUEX2 + CUEX3", "CUEX3").replace(" + Image:Value", ""),
                    sr.datasets.mobi(), interaction="orthogonal", consistent=True)
    rel = pd.read_csv(REF / "fixtures" / "plsc-interaction-reliability.csv", index_col=0)
    np.testing.assert_allclose(m6.reliability().loc[rel.index, rel.columns], rel, atol=TOL)
    paths = pd.read_csv(REF / "fixtures" / "plsc-interaction-paths.csv", index_col=0)["Satisfaction"]
    r2 = m6.r2.set_index("construct").loc["Satisfaction"]
    assert round(r2["r2"], 3) == paths["R^2"] and round(r2["r2_adj"], 3) == paths["AdjR^2"]
    for source in ("Image", "Expectation", "Value", "Image*Expectation"):
        assert round(m6.paths().loc[source, "Satisfaction"], 3) == paths[source]


def test_two_stage_interaction_agrees_with_the_seminr_port():
    """No R fixture estimates a two-stage interaction on its own; the seminr port (a dev dependency) does."""
    seminr = pytest.importorskip("seminr")
    mobi = sr.datasets.mobi()
    syntax = MOBI_INTERACTION.replace(" + Image:Value", "")
    mm = seminr.constructs(*[seminr.composite(c, items, weights=seminr.mode_A) for c, items in (
        ("Image", [f"IMAG{i}" for i in range(1, 6)]), ("Expectation", ["CUEX1", "CUEX2", "CUEX3"]),
        ("Value", ["PERV1", "PERV2"]), ("Satisfaction", ["CUSA1", "CUSA2", "CUSA3"]))],
        seminr.interaction_term("Image", "Expectation", method=seminr.two_stage, weights=seminr.mode_A))
    sm = seminr.relationships(seminr.paths(["Image", "Expectation", "Value", "Image*Expectation"], "Satisfaction"))
    port = seminr.estimate_pls(mobi, mm, sm)
    res = sr.fit_pls(syntax, mobi, interaction="two_stage")
    for name, theirs in (("paths", port.path_coef), ("loadings", port.outer_loadings), ("weights", port.outer_weights)):
        expected = pd.DataFrame(theirs.values, index=list(theirs.rows), columns=list(theirs.cols))
        mine = {"paths": res.paths(), "loadings": res.loadings(), "weights": res.weights()}[name]
        np.testing.assert_allclose(mine.loc[expected.index, expected.columns], expected, atol=TOL, err_msg=name)
    boot = res.bootstrap(30, seed=2)  # the interaction rebuilt in every resample
    assert boot.n_failed == 0 and boot.table.query("op == '~' and rhs == 'Image*Expectation'")["boot_se"].iloc[0] > 0


def test_specific_indirect_effect_intervals_replay_seminr():
    """seminr test-bootstrap.R "confidence intervals" (M14, path factorial, nboot 200, seed 123): Image ->
    Expectation -> Satisfaction at alpha .05 and .10, and Image -> Satisfaction, with R's resamples."""
    indices = np.loadtxt(REF / "boot_indices_mobi_seed123_nboot200.csv", delimiter=",", dtype=int)
    syntax = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value
Expectation ~ Image"""
    boot = sr.fit_pls(syntax, sr.datasets.mobi(), scheme="factorial").bootstrap(indices=indices)
    expected = pd.read_csv(REF / "fixtures" / "conf_ints.csv", index_col=0)["x"].to_numpy()
    mine = [boot.specific_effect("Image", "Satisfaction", ["Expectation"], level=0.95)[["ci_lower", "ci_upper"]],
            boot.specific_effect("Image", "Satisfaction", ["Expectation"], level=0.90)[["ci_lower", "ci_upper"]],
            boot.specific_effect("Image", "Satisfaction")[["ci_lower", "ci_upper"]]]
    np.testing.assert_allclose(np.concatenate([m.to_numpy() for m in mine]), expected, atol=TOL)
    with pytest.raises(sr.ModelSpecError, match="Value -> Expectation is not a path"):
        boot.specific_effect("Value", "Satisfaction", ["Expectation"])


ECSI_HOC = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ Image + Value
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Expectation + Quality
Complaints ~ Satisfaction
Loyalty ~ Satisfaction"""
HOC_INTERACTION = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Value =~ PERV1 + PERV2
Nick =~ Quality + Loyalty
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value + Nick + Image:Expectation"""


@pytest.mark.parametrize(("syntax", "stems"), [
    (ECSI_HOC, ("hoc-paths", "hoc-loadings", "hoc-weights")),
    (HOC_INTERACTION, ("hoc_2si-paths", "hoc_2si-loadings", "hoc-_2siweights"))])
def test_higher_order_constructs_agree_with_seminr_fixtures(syntax, stems):
    """seminr test-hoc.R (M8: a two-stage higher-order construct; M9: with a two-stage interaction): paths and the
    merged first- and second-stage loadings and weights."""
    res = sr.fit_pls(syntax, sr.datasets.mobi(), interaction="two_stage")
    for stem, mine in zip(stems, (res.paths(), res.loadings(), res.weights()), strict=True):
        expected = pd.read_csv(REF / "fixtures" / f"{stem}.csv", index_col=0)
        assert set(mine.index) == set(expected.index) and set(mine.columns) == set(expected.columns), stem
        np.testing.assert_allclose(mine.loc[expected.index, expected.columns], expected, atol=TOL, err_msg=stem)
    boot = res.bootstrap(20, seed=3)  # both stages rerun in every resample
    assert boot.n_failed == 0
    with pytest.raises(sr.ModelSpecError, match="no published solution for PLSpredict"):  # as seminr's predict_pls
        res.predict(sr.datasets.mobi())
