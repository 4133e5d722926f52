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
    """The command's result in the results protocol (the document's ``result``: type, title, meta, tables)."""
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["command"] == args[0] and set(document["result"]) >= {"type", "meta", "tables"}
    return document["result"]


def test_reliability_json_matches_the_api_and_semtools():
    payload = as_json("reliability", "--model", HS_MODEL, "--data", HS)
    assert payload["type"] == "Reliability" and payload["meta"]["level"] == 0.95
    rows = {r["construct"]: r for r in payload["tables"]["reliability"]}
    assert list(rows) == ["visual", "textual", "speed"]
    # In R: psych::alpha / semTools::compRelSEM, AVE (the values of sr.reliability's doctest)
    assert (round(rows["visual"]["alpha"], 3), round(rows["visual"]["omega"], 3), round(rows["visual"]["ave"], 3)) \
        == (0.626, 0.612, 0.371)
    api = sr.reliability(pd.read_csv(HS), HS_MODEL.read_text())
    assert [r["cr"] for r in payload["tables"]["reliability"]] == pytest.approx(api["cr"].tolist(), abs=1e-12)


def test_reliability_ci_option_is_the_deprecated_name_of_level():
    """--ci (a level, where ci elsewhere names an interval's method) still works for now, with one warning line."""
    old = run("reliability", "--model", HS_MODEL, "--data", HS, "--ci", "0.9", "--no-cfa", "--json")
    new = run("reliability", "--model", HS_MODEL, "--data", HS, "--level", "0.9", "--no-cfa", "--json")
    assert old.exit_code == new.exit_code == 0
    assert old.stdout == new.stdout and json.loads(old.stdout)["result"]["meta"]["level"] == 0.9
    assert old.stderr.strip().splitlines() == ["warning: --ci is deprecated and will be removed in "
                                               "stickiness_research 0.2: use --level."]
    assert "--ci" not in run("reliability", "--help").stdout  # hidden: new users learn --level
    both = run("reliability", "--model", HS_MODEL, "--data", HS, "--level", "0.9", "--ci", "0.8", "--json")
    assert both.exit_code == 2 and not both.stdout  # two levels: refused, not one silently dropped
    assert "--level" in both.stderr and "--ci" in both.stderr and len(both.stderr.strip().splitlines()) == 1


def test_reliability_of_a_questionnaire_recodes_reverse_keyed_items(default_q, tmp_path):
    raw = sr.simulate_responses(default_q, n=300, seed=2)  # answers as given: con4 not yet recoded
    raw.to_csv(tmp_path / "answers.csv", index=False)
    result = run("reliability", "--model", sr.builtin_questionnaire_path(), "--data", tmp_path / "answers.csv",
                 "--no-cfa", "--level", "0.9", "--json")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr  # no 'con4 correlates negatively': the command recoded it
    rows = {r["construct"]: r for r in json.loads(result.stdout)["result"]["tables"]["reliability"]}
    expected = sr.reliability(sr.reverse_code(raw, default_q), default_q, level=0.9, cfa=False)
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
    assert [(r["model"], round(r["chisq"], 3), r["df"]) for r in payload["tables"]["steps"]] == [
        ("configural", 115.851, 48), ("metric", 124.044, 54), ("scalar", 164.103, 60)]
    assert payload["type"] == "InvarianceResult"
    assert payload["meta"]["groups"] == ["Pasteur", "Grant-White"] and payload["meta"]["level"] == "metric"
    assert payload["meta"]["verdict"].startswith("Metric invariance holds across school")
    assert payload["tables"]["steps"][0]["delta_chisq"] is None  # NaN -> null, so the JSON is valid


def test_invariance_of_ordered_items(tmp_path):
    data = pd.read_csv(DEMO).query("product_type in ['fund', 'insurance']")
    data.to_csv(tmp_path / "two.csv", index=False)
    model = tmp_path / "m.lav"
    model.write_text("interaction =~ int1 + int2 + int3 + int4\nconvenience =~ con1 + con2 + con3\n",
                     encoding="utf-8")
    payload = as_json("invariance", "-m", model, "-d", tmp_path / "two.csv", "--group", "product_type",
                      "--ordered", "all")
    api = sr.invariance(model.read_text(), data, "product_type", ordered=True)
    assert [r["model"] for r in payload["tables"]["steps"]] == ["configural", "thresholds", "metric", "scalar"]
    assert [r["chisq"] for r in payload["tables"]["steps"]] == pytest.approx(api.table["chisq"].tolist(), rel=1e-9)
    text = run("invariance", "-m", model, "-d", tmp_path / "two.csv", "--group", "product_type", "--ordered", "all")
    assert text.exit_code == 0 and "Measurement invariance across product_type" in text.stdout


def test_notes_name_the_commands_options_not_python_arguments(tmp_path):
    """A note's advice reads as the command's option (--missing pairwise), in the text, the JSON and on stderr."""
    data = pd.read_csv(DEMO).query("product_type in ['fund', 'insurance']").copy()
    data.loc[data.index[:7], "int2"] = None
    data.to_csv(tmp_path / "holes.csv", index=False)
    model = tmp_path / "m.lav"
    model.write_text("interaction =~ int1 + int2 + int3 + int4\nconvenience =~ con1 + con2 + con3\n",
                     encoding="utf-8")
    for extra, advice in ((["--ordered", "all"], "--missing pairwise keeps them"), ([], "--missing ml uses them")):
        text = run("fit", "-m", model, "-d", tmp_path / "holes.csv", *extra)
        assert text.exit_code == 0 and advice in text.stdout and "missing='" not in text.output
        notes = as_json("fit", "-m", model, "-d", tmp_path / "holes.csv", *extra)["notes"]
        assert any(advice in n for n in notes) and not any("missing='" in n for n in notes)
    inv = run("invariance", "-m", model, "-d", tmp_path / "holes.csv", "--group", "product_type", "--ordered", "all")
    assert inv.exit_code == 0 and "--missing pairwise keeps them" in inv.stdout and "missing='" not in inv.output


def test_fit_prints_the_largest_modification_indices(tmp_path):
    """--modindices N: the API's table (lavaan's modindices(), largest first) in the text and as its own JSON result,
    for an ML and a WLSMV fit."""
    data = pd.read_csv(DEMO)
    model = tmp_path / "m.lav"
    model.write_text("interaction =~ int1 + int2 + int3 + int4\nconvenience =~ con1 + con2 + con3\n",
                     encoding="utf-8")
    for extra, kwargs in (([], {}), (["--ordered", "all"], {"ordered": True})):
        api = sr.fit_sem(model.read_text(), data, **kwargs).modification_indices(top=4)
        document = json.loads(run("fit", "-m", model, "-d", DEMO, *extra, "--modindices", "4", "--json").stdout)
        rows = document["modindices"]["tables"]["modindices"]
        assert [(r["lhs"], r["op"], r["rhs"]) for r in rows] == list(zip(api.lhs, api.op, api.rhs, strict=True))
        assert [r["mi"] for r in rows] == pytest.approx(api["mi"].tolist(), rel=1e-12)
        text = run("fit", "-m", model, "-d", DEMO, *extra, "--modindices", "4")
        assert text.exit_code == 0 and "Modification indices" in text.stdout and f"{api['mi'][0]:.3f}" in text.stdout
    assert "modindices" not in json.loads(run("fit", "-m", model, "-d", DEMO, "--json").stdout)


def test_efa_json_matches_psych():
    payload = as_json("efa", "--data", HS, "--model", HS_MODEL, "--factors", "3")
    loadings = {r["item"]: r for r in payload["tables"]["loadings"]}
    # In R: psych::fa(HS[, 7:15], 3, rotate = "oblimin", fm = "minres")
    assert round(loadings["x4"]["factor1"], 3) == 0.846
    meta, tables = payload["meta"], payload["tables"]
    assert (meta["n_factors"], meta["rotation"], meta["method"]) == (3, "oblimin", "minres")
    assert len(tables["factor_correlations"]) == 3 and tables["factor_correlations"][0]["factor1"] == 1.0
    assert tables["factor_correlations"][0]["factor"] == "factor1"
    assert [r["item"] for r in tables["communalities"]] == [f"x{i}" for i in range(1, 10)]
    assert [r["factor"] for r in tables["variance"]] == ["factor1", "factor2", "factor3"]


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
    assert [r["item"] for r in payload["tables"]["loadings"]] == [f"x{i}" for i in range(1, 10)]


@pytest.mark.parametrize(("args", "fragments"), [
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "schol"], ["group column 'schol'", "Did you mean school"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--levels", "metric,configural"],
     ["levels must be an ordered subset of configural, metric, scalar, strict"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--missing", "pairwise"],
     ["'--missing' parameter of stickiness invariance", "without --ordered"]),
    (["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--ordered", "x1"],
     ["needs every indicator ordered"]),
    (["invariance", "-m", REFERENCE, "-d", HS, "--group", "school"], ["is a directory, not a model file"]),
    (["reliability", "-m", HS_MODEL, "-d", HS, "--level", "1.5"],
     ["The '--level' parameter of stickiness reliability must be a float in the range (0, 1). Got 1.5 instead."]),
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


JSON_COMMANDS = {  # every command with --json, as small as it can be
    "fit": ["fit", "-m", HS_MODEL, "-d", HS, "--bootstrap", "20"],
    "pls": ["pls", "-m", sr.builtin_questionnaire_path(), "-d", DEMO, "--bootstrap", "20"],
    "reliability": ["reliability", "-m", HS_MODEL, "-d", HS, "--no-cfa"],
    "invariance": ["invariance", "-m", HS_MODEL, "-d", HS, "--group", "school", "--levels", "configural,metric"],
    "efa": ["efa", "-m", HS_MODEL, "-d", HS, "-k", "3"],
    "power rmsea": ["power", "--rmsea0", ".05", "--rmsea-a", ".08", "--df", "24", "-n", "200"],
    "power monte carlo": ["power", sr.builtin_questionnaire_path(), "-n", "100", "--replications", "2"],
    "power target": ["power", sr.builtin_questionnaire_path(), "--target", "0.8", "--hypotheses", "H1",
                     "--n-min", "30", "--n-max", "50", "--step", "10", "--replications", "3"],
}


@pytest.mark.parametrize("name", list(JSON_COMMANDS))
def test_every_json_output_is_one_protocol_document(name):
    args = JSON_COMMANDS[name]
    first = run(*args, "--json")
    assert first.exit_code == 0, first.output
    document = json.loads(first.stdout, parse_constant=lambda c: pytest.fail(f"{c} in the JSON"))
    assert document["command"] == args[0]
    for part in [document["result"], *(document[k] for k in document if k not in ("command", "result"))]:
        assert list(part) == ["type", "title", "lines", "notes", "meta", "tables"]
        assert part["tables"] and all(isinstance(rows, list) and rows for rows in part["tables"].values())
    assert run(*args, "--json").stdout == first.stdout  # the same bytes on a rerun


def test_fit_json_estimates_are_the_library_estimates():
    document = json.loads(run("fit", "-m", HS_MODEL, "-d", HS, "--json").stdout)
    api = sr.fit_sem(HS_MODEL.read_text(), pd.read_csv(HS))
    rows = document["result"]["tables"]["estimates"]
    assert [r["est"] for r in rows] == api.estimates["est"].tolist()  # every estimate, to the last bit
    assert [(r["lhs"], r["op"], r["rhs"]) for r in rows] == list(zip(api.estimates["lhs"], api.estimates["op"],
                                                                        api.estimates["rhs"], strict=True))
    assert document["result"]["meta"]["fit_measures"]["rmsea"] == api.fit_measures["rmsea"]
