"""The measurement commands: stickiness reliability, invariance and efa (text and --json, bad input -> exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import REFERENCE, assert_refused
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app

HS = REFERENCE / "data" / "HolzingerSwineford1939.csv"
HS_MODEL = REFERENCE / "models" / "holzinger_swineford_cfa.lav"
DEMO = REFERENCE / "data" / "stickiness_demo.csv"
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def as_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_reliability_json_matches_the_api_and_semtools():
    payload = as_json("reliability", "--model", HS_MODEL, "--data", HS)
    rows = {r["construct"]: r for r in payload["reliability"]}
    assert list(rows) == ["visual", "textual", "speed"]
    # In R: psych::alpha / semTools::compRelSEM, AVE (the values of sr.reliability's doctest)
    assert (round(rows["visual"]["alpha"], 3), round(rows["visual"]["omega"], 3), round(rows["visual"]["ave"], 3)) \
        == (0.626, 0.612, 0.371)
    api = sr.reliability(pd.read_csv(HS), HS_MODEL.read_text())
    assert [r["cr"] for r in payload["reliability"]] == pytest.approx(api["cr"].tolist(), abs=1e-12)


def test_reliability_of_a_questionnaire_recodes_reverse_keyed_items(default_q, tmp_path):
    raw = sr.simulate_responses(default_q, n=300, seed=2)  # answers as given: con4 not yet recoded
    raw.to_csv(tmp_path / "answers.csv", index=False)
    result = run("reliability", "--model", sr.builtin_questionnaire_path(), "--data", tmp_path / "answers.csv",
                 "--no-cfa", "--ci", "0.9", "--json")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr  # no 'con4 correlates negatively': the command recoded it
    rows = {r["construct"]: r for r in json.loads(result.stdout)["reliability"]}
    expected = sr.reliability(sr.reverse_code(raw, default_q), default_q, ci=0.9, cfa=False)
    assert rows["convenience"]["alpha"] == pytest.approx(
        expected.set_index("construct").at["convenience", "alpha"], abs=1e-12)
    assert rows["convenience"]["alpha"] > 0.6 and "omega" not in rows["convenience"]


def test_reliability_text_names_every_scale():
    result = run("reliability", "-m", HS_MODEL, "-d", HS)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Reliability (95% CI of alpha)")
    assert all(name in result.stdout for name in ("visual", "textual", "speed", "omega", "ave"))


def test_invariance_json_matches_lavaan():
    payload = as_json("invariance", "--model", HS_MODEL, "--data", HS, "--group", "school",
                      "--levels", "configural,metric,scalar")
    # In R: lavaan::cfa(HS.model, HolzingerSwineford1939, group = "school", group.equal = ...)
    assert [(r["model"], round(r["chisq"], 3), r["df"]) for r in payload["table"]] == [
        ("configural", 115.851, 48), ("metric", 124.044, 54), ("scalar", 164.103, 60)]
    assert payload["groups"] == ["Pasteur", "Grant-White"] and payload["level"] == "metric"
    assert payload["verdict"].startswith("Metric invariance holds across school")
    assert payload["table"][0]["delta_chisq"] is None  # NaN -> null, so the JSON is valid


def test_invariance_of_ordered_items(tmp_path):
    data = pd.read_csv(DEMO).query("product_type in ['fund', 'insurance']")
    data.to_csv(tmp_path / "two.csv", index=False)
    model = tmp_path / "m.lav"
    model.write_text("interaction =~ int1 + int2 + int3 + int4\nconvenience =~ con1 + con2 + con3\n",
                     encoding="utf-8")
    payload = as_json("invariance", "-m", model, "-d", tmp_path / "two.csv", "--group", "product_type",
                      "--ordered", "all")
    api = sr.invariance(data, model.read_text(), "product_type", ordered=True)
    assert [r["model"] for r in payload["table"]] == ["configural", "thresholds", "metric", "scalar"]
    assert [r["chisq"] for r in payload["table"]] == pytest.approx(api.table["chisq"].tolist(), rel=1e-9)
    text = run("invariance", "-m", model, "-d", tmp_path / "two.csv", "--group", "product_type", "--ordered", "all")
    assert text.exit_code == 0 and "Measurement invariance across product_type" in text.stdout


def test_efa_json_matches_psych():
    payload = as_json("efa", "--data", HS, "--model", HS_MODEL, "--factors", "3")
    loadings = {r["item"]: r for r in payload["loadings"]}
    # In R: psych::fa(HS[, 7:15], 3, rotate = "oblimin", fm = "minres")
    assert round(loadings["x4"]["factor1"], 3) == 0.846
    assert (payload["n_factors"], payload["rotation"], payload["method"]) == (3, "oblimin", "minres")
    assert len(payload["factor_correlations"]) == 3 and payload["factor_correlations"][0]["factor1"] == 1.0
    assert set(payload["communalities"]) == {f"x{i}" for i in range(1, 10)}
    assert [r["factor"] for r in payload["variance"]] == ["factor1", "factor2", "factor3"]


def test_efa_text_blanks_small_loadings():
    result = run("efa", "-d", HS, "-m", HS_MODEL, "-k", "3", "--cutoff", "0.5", "--rotation", "varimax")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "EFA (minres, varimax rotation, pearson correlations), 3 factors"
    assert next(line for line in lines if line.startswith("x7")).split() == ["x7", "0.710", "0.519"]
    x2 = next(line for line in lines if line.startswith("x2"))
    assert x2.split() == ["x2", "0.255"]  # x2 loads below .5 on every factor: only its communality is shown


def test_efa_without_a_model_uses_every_numeric_column(tmp_path):
    pd.read_csv(HS)[[f"x{i}" for i in range(1, 10)]].to_csv(tmp_path / "items.csv", index=False)
    payload = as_json("efa", "-d", tmp_path / "items.csv", "-k", "3")
    assert [r["item"] for r in payload["loadings"]] == [f"x{i}" for i in range(1, 10)]


@pytest.mark.parametrize(("args", "fragments"), [
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "schol"], ["group column 'schol'", "Did you mean school"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--levels", "metric,configural"],
     ["levels must be an ordered subset of configural, metric, scalar, strict"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--missing", "pairwise"],
     ["'--missing' parameter of stickiness invariance", "without --ordered"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--ordered", "x1"],
     ["needs every indicator ordered"]),
    (["invariance", "-m", REFERENCE, "-d", HS, "--group", "school"], ["is a directory, not a model file"]),
    (["reliability", "-m", HS_MODEL, "-d", HS, "--ci", "1.5"],
     ["The '--ci' parameter of stickiness reliability must be a float in the range (0, 1). Got 1.5 instead."]),
    (["reliability", "-m", HS_MODEL, "-d", HS, "--use", "listwise"], ["'--use' parameter", "'pairwise', 'complete'"]),
    (["reliability", "-m", HS_MODEL, "-d", REFERENCE / "data" / "PoliticalDemocracy.csv"],
     ["item column 'x4' of scale 'textual' is not in the data"]),
    (["reliability", "-m", HS_MODEL, "-d", "no_such.csv"], ["no_such.csv", "file not found"]),
    (["efa", "-d", HS, "-m", HS_MODEL, "-k", "0"], ["'--factors' parameter of stickiness efa", "Got 0 instead"]),
    (["efa", "-d", HS, "-m", HS_MODEL, "-k", "9"], ["must be an int in the range [1, 8] for 9 items"]),
    (["efa", "-d", HS, "-k", "2", "--rotation", "geomin"], ["'--rotation' parameter", "Got 'geomin' instead"]),
    (["efa", "-d", HS, "-k", "2", "--cor", "spearman"], ["'--cor' parameter", "'pearson', 'polychoric'"]),
    (["efa", "-d", HS, "-k", "2", "--cutoff", "2"], ["'--cutoff' parameter", "[0, 1]"]),
    (["efa", "-d", HS, "-k", "nan"], ["Invalid value for '--factors'"]),
])
def test_bad_input_is_one_red_line_and_exit_2(args, fragments):
    assert_refused(runner.invoke(app, [str(a) for a in args]), *fragments)


def test_help_stays_fast_by_deferring_imports():
    code = ("import sys, time; t = time.perf_counter()\n"
            "from typer.testing import CliRunner\nfrom stickiness_research.cli import app\n"
            "r = CliRunner().invoke(app, ['--help'])\n"
            "heavy = [m for m in ('pandas', 'scipy', 'pydantic', 'statsmodels', 'matplotlib', 'sklearn') "
            "if m in sys.modules]\nprint(r.exit_code, heavy, round(time.perf_counter() - t, 2))")
    code_, heavy, _seconds = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            check=True).stdout.split(" ", 2)
    assert code_ == "0" and heavy == "[]"  # the analysis layers load only when a command runs


def test_report_folder_of_a_config_inside_the_installed_package_is_under_the_working_folder(tmp_path, monkeypatch):
    from stickiness_research.cli import _default_report_folder

    monkeypatch.chdir(tmp_path)
    # as a wheel installs it: a real file inside the package (in a checkout data/reports links to reports/)
    shipped = Path(sr.__file__).resolve().parent / "data" / "installed" / "financial_wechat.yaml"
    assert _default_report_folder(shipped, "financial_wechat") == tmp_path / "reports" / "build" / "financial_wechat"
    own = tmp_path / "studies" / "mine.yaml"
    assert _default_report_folder(own, "mine") == tmp_path / "studies" / "build" / "mine"
