"""The stickiness command: user mistakes give exit 2 and one line; demo writes the report; fit --json."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REFERENCE, assert_refused, lavaan_reference
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_validate_ok():
    result = run("validate", str(sr.builtin_questionnaire_path()))
    assert result.exit_code == 0
    assert "financial_social_media_stickiness" in result.stdout


def test_validate_bad_file_exits_2_with_one_line(tmp_path, minimal_text):
    bad = tmp_path / "bad.yaml"
    bad.write_text(minimal_text.replace("construct: outcome\n    text: {zh: 题五",
                                        "construct: outcom\n    text: {zh: 题五"), encoding="utf-8")
    result = run("validate", str(bad))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith("error: ") and f"{bad}:39" in lines[0] and "unknown construct 'outcom'" in lines[0]
    assert "Traceback" not in result.output


def test_validate_missing_file():
    result = run("validate", "no/such/file.yaml")
    assert result.exit_code == 2 and "file not found" in result.stderr


def test_fit_json_agrees_with_lavaan(tmp_path):
    ref = lavaan_reference("holzinger_swineford_cfa")
    result = run("fit", "--model", str(REFERENCE / "models" / "holzinger_swineford_cfa.lav"),
                 "--data", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"), "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["command"] == "fit" and set(payload) == {"command", "result"}  # no bootstrap asked for
    res = payload["result"]
    assert res["type"] == "SEMResult" and set(res) == {"type", "title", "lines", "notes", "meta", "tables"}
    assert list(res["tables"]) == ["estimates", "fit", "r2"]  # a CFA: no structural effects
    fit = res["meta"]["fit_measures"]
    for name in ("chisq", "df", "cfi", "tli", "rmsea", "srmr", "aic", "bic"):
        assert fit[name] == pytest.approx(ref["fit_measures"][name], rel=1e-3), name
    assert len(fit) > 30  # every lavaan fit measure, not only the headline ones
    first = res["tables"]["estimates"][1]
    assert {"lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper", "std_all"} <= set(first)
    assert (first["lhs"], first["op"], first["rhs"]) == ("visual", "=~", "x2")
    assert first["est"] == pytest.approx(0.5535, abs=1e-3)
    assert res["meta"]["n_obs"] == 301 and res["meta"]["estimator"] == "ML" and res["meta"]["groups"] == []


def test_fit_takes_lavaans_orthogonal_fixed_x_and_meanstructure(tmp_path):
    """--orthogonal (battery case hs_orthogonal_option: lavaan chisq 127.113 on 26 df), --no-fixed-x and
    --no-meanstructure reach fit_sem; the last gives way where the model needs means, with the note."""
    ref = json.loads((REFERENCE / "battery" / "hs_orthogonal_option.json").read_text())
    model = tmp_path / "m.lav"
    model.write_text(ref["model"], encoding="utf-8")
    hs = str(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    result = run("fit", "-m", str(model), "-d", hs, "--orthogonal", "--std-lv", "--model-type", "cfa", "--json")
    fit = json.loads(result.stdout)["result"]["meta"]["fit_measures"]
    assert fit["chisq"] == pytest.approx(ref["fit_measures"]["chisq"], abs=1e-3) and fit["df"] == 26
    path = tmp_path / "p.lav"
    path.write_text("x9 ~ x1 + ageyr", encoding="utf-8")
    free_x = json.loads(run("fit", "-m", str(path), "-d", hs, "--no-fixed-x", "--json").stdout)["result"]
    fixed = json.loads(run("fit", "-m", str(path), "-d", hs, "--json").stdout)["result"]
    assert free_x["meta"]["fit_measures"]["npar"] == fixed["meta"]["fit_measures"]["npar"] + 3
    forced = run("fit", "-m", str(model), "-d", str(REFERENCE / "data" / "HolzingerSwineford1939_mcar10.csv"),
                 "--missing", "ml", "--no-meanstructure", "--model-type", "cfa")
    assert forced.exit_code == 0 and "--no-meanstructure overridden: --missing ml needs the means" in forced.stdout


def test_fit_with_missing_variable_exits_2(tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("f =~ x1 + x2 + x10\n", encoding="utf-8")
    result = run("fit", "--model", str(model), "--data", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"))
    assert result.exit_code == 2
    assert "model variable 'x10' is not a column of the data" in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_fit_bad_syntax_exits_2(tmp_path):
    model = tmp_path / "m.lav"
    model.write_text("f =~ x1 + x2 + x3\nf <- x4\n", encoding="utf-8")
    result = run("fit", "--model", str(model), "--data", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"))
    assert result.exit_code == 2 and "model line 2" in result.stderr


def test_simulate_writes_csv(tmp_path):
    out = tmp_path / "d.csv"
    result = run("simulate", str(sr.builtin_questionnaire_path()), "-n", "50", "--seed", "3", "-o", str(out))
    assert result.exit_code == 0
    import pandas as pd

    df = pd.read_csv(out)
    assert len(df) == 50 and "int1" in df.columns


def test_demo_writes_report(tmp_path):
    out = tmp_path / "demo"
    result = run("demo", "-n", "300", "-o", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "index.html").read_text(encoding="utf-8")
    assert str((out / "index.html").resolve()) in result.stdout.replace("\n", "")
    for section in ("summary", "sample", "measurement", "structural", "groups", "segments", "strategy",
                    "provenance"):
        assert f'<section id="{section}">' in html, section
    assert "<svg" in html and "Cronbach" in html and "H8" in html
    for name in ("report.md", "tables.docx", "results.json"):
        assert (out / name).is_file(), name
    assert not re.search(r"\bnan\b", html, flags=re.IGNORECASE)  # no unformatted missing numbers
    assert "<link" not in html and "<script src" not in html  # self-contained
    assert json.loads((out / "provenance.json").read_text())["seed"] == 20261124


@pytest.mark.skipif(shutil.which("stickiness") is None and not (Path(sys.prefix) / "bin" / "stickiness").exists(),
                    reason="console script not installed")
def test_console_script_exit_code(tmp_path):
    exe = shutil.which("stickiness") or str(Path(sys.prefix) / "bin" / "stickiness")
    proc = subprocess.run([exe, "validate", str(tmp_path / "absent.yaml")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "file not found" in proc.stderr


def test_fit_bootstrap_json_reports_effects_and_intervals():
    result = run("fit", "--model", str(REFERENCE / "models" / "stickiness_default.lav"),
                 "--data", str(REFERENCE / "data" / "stickiness_demo.csv"), "--bootstrap", "300", "--seed", "4",
                 "--json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    boot = payload["bootstrap"]
    assert boot["type"] == "BootstrapResult"
    assert boot["meta"] == {"n_boot": 300, "n_failed": 0, "seed": 4, "ci": "percentile", "level": 0.95}
    h8 = next(e for e in boot["tables"]["estimates"] if e["lhs"] == "h8")
    assert h8["ci_lower"] < h8["est"] < h8["ci_upper"]
    kinds = {e["kind"] for e in payload["result"]["tables"]["effects"]}
    assert kinds == {"direct", "indirect", "total"}


def test_fit_multigroup_json(tmp_path):
    result = run("fit", "--model", str(REFERENCE / "models" / "holzinger_swineford_cfa.lav"),
                 "--data", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"), "--group", "school",
                 "--group-equal", "loadings", "--json")
    assert result.exit_code == 0, result.stderr
    res = json.loads(result.stdout)["result"]
    assert res["meta"]["fit_measures"]["chisq"] == pytest.approx(124.044, abs=1e-3)
    assert res["meta"]["groups"] == ["Pasteur", "Grant-White"] and "effects" not in res["tables"]
    assert {r["group"] for r in res["tables"]["r2"]} == {"Pasteur", "Grant-White"}
    assert {e["group"] for e in res["tables"]["estimates"] if e["op"] != ":="} == {"Pasteur", "Grant-White"}


def test_fit_bad_group_equal_exits_2():
    result = run("fit", "--model", str(REFERENCE / "models" / "holzinger_swineford_cfa.lav"),
                 "--data", str(REFERENCE / "data" / "HolzingerSwineford1939.csv"), "--group", "school",
                 "--group-equal", "loading")
    assert result.exit_code == 2 and "'loading' is not a lavaan group.equal type" in result.stderr


def test_classroom_and_grade_commands(tmp_path):
    result = run("classroom", "--students", "2", "--seed", "3", "-n", "200", "-o", str(tmp_path / "pack"))
    assert result.exit_code == 0, result.output
    key = tmp_path / "pack" / "instructor" / "key.json"
    assert key.is_file() and (tmp_path / "pack" / "data" / "student_02.csv").is_file()
    again = run("classroom", "--students", "2", "--seed", "3", "-n", "200", "-o", str(tmp_path / "pack2"),
                "--n-jobs", "2")
    assert again.exit_code == 0, again.output
    for name in ("data/student_01.csv", "data/student_02.csv"):  # the same pack, and the same key but its date
        assert (tmp_path / "pack2" / name).read_bytes() == (tmp_path / "pack" / name).read_bytes()
    assert json.loads((tmp_path / "pack2" / "instructor" / "key.json").read_text(encoding="utf-8"))["students"] \
        == json.loads(key.read_text(encoding="utf-8"))["students"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = run("grade", str(key), str(bad), "--student", "student_01")
    assert result.exit_code == 2 and "error:" in result.stderr


DEMO_FIT = ("fit", "--model", str(REFERENCE / "models" / "stickiness_default.lav"),
            "--data", str(REFERENCE / "data" / "stickiness_demo.csv"))


@pytest.mark.parametrize(("args", "fragments"), [
    (("power", str(sr.builtin_questionnaire_path()), "-n", "100"), ("stickiness power",)),
    ((*DEMO_FIT, "--bootstrap", "50"), ("stickiness fit",)),
    (("classroom", "--students", "2", "--n-jobs", "2"), ("stickiness classroom",)),
], ids=["power", "fit", "classroom"])
def test_a_dask_scheduler_that_is_not_there_is_one_named_line(tmp_path, args, fragments):
    """Every command with --dask-scheduler: nobody at the address -> one line naming the option, exit 2, at once
    (before the classroom pack writes a file)."""
    output = ("-o", str(tmp_path / "pack")) if args[0] == "classroom" else ()
    result = run(*args, *output, "--dask-scheduler", "tcp://127.0.0.1:1")
    assert_refused(result, "'--dask-scheduler' parameter of", *fragments, "none answered there",
                   "cannot connect to 127.0.0.1:1")
    assert not (tmp_path / "pack").exists()


def test_fit_dask_scheduler_needs_a_bootstrap(tmp_path):
    assert_refused(run(*DEMO_FIT, "--dask-scheduler", "tcp://127.0.0.1:1"),
                   "'--dask-scheduler' parameter of stickiness fit must be None without --bootstrap")
    data = tmp_path / "likert.csv"
    sr.simulate_responses(sr.load_questionnaire(sr.builtin_questionnaire_path()), n=150, seed=1).to_csv(data)
    model = tmp_path / "m.lav"
    model.write_text("trust =~ tru1 + tru2 + tru3 + tru4\n", encoding="utf-8")
    assert_refused(run("fit", "--model", str(model), "--data", str(data), "--ordered", "all", "--bootstrap", "20",
                       "--dask-scheduler", "tcp://127.0.0.1:1"),
                   "'--dask-scheduler' parameter of stickiness fit", "none answered there")
