"""A study config's events section end to end: the behaviour section of the report (en, zh; html, md, docx, json),
the simulated truth recovered, logs from a file joined by keyed pseudonyms, same bytes twice, named config errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import stickiness_research as sr
from stickiness_research.report import apa
from stickiness_research.report.build import write_report

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRE = ROOT / "questionnaires" / "financial_social_media_stickiness.yaml"
LIGHT = """
analyses: {measurement: false, efa: false, method_bias: false, bootstrap: 0, htmt_bootstrap: 0, invariance: false,
           regression: false, segments: false, strategy: false}
"""


def config(folder: Path, events: str, *, n: int = 600, language: str = "en", data: str | None = None) -> Path:
    path = folder / "study.yaml"
    path.write_text(f"""study: {{id: behaviour_test, title: {{en: "Behaviour test", zh: "行为测试"}}}}
questionnaire: {QUESTIONNAIRE}
data: {data or f'{{simulate: {{n: {n}, seed: 5, careless: 0.05}}}}'}
{LIGHT}
events:
{events}
report: {{language: {language}, formats: [html, md, docx, json]}}
seed: 5
""", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def simulated_study(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    return sr.run_study(config(folder, "  simulate: {days: 90, seed: 9}")), folder


def test_report_has_the_behaviour_section_in_every_format(simulated_study, tmp_path):
    study, _ = simulated_study
    paths = write_report(study, tmp_path / "en")
    html = paths["html"].read_text(encoding="utf-8")
    for text in ('id="behaviour"', "Criterion validity of the stickiness scale", "Cox model of churn",
                 "Content preferences by segment", "Personalised service for the playbook", "<svg"):
        assert text in html, text
    md = paths["md"].read_text(encoding="utf-8")
    assert "## Behaviour beside attitude" in md and "Insurance**: push customer stories" in md
    results = json.loads(paths["json"].read_text(encoding="utf-8"))["results"]["behaviour"]
    assert results["type"] == "BehaviourResult" and list(results["tables"]) == list(study.behaviour.tables())
    meta = results["meta"]
    assert meta["linked"] == len(study.behaviour.linked) and meta["events"]["engine"] == "duckdb"
    # the section's numbers are those results.json states: the Cox model's concordance, the chart's curves, the
    # reads and residuals that mark a segment's favoured content
    tables = results["tables"]
    assert {"churn_cox_fit", "churn_survival_curves", "content_reads", "content_residuals"} <= set(tables)
    assert f"C = {apa.bounded(tables['churn_cox_fit'][0]['concordance'], 2)}." in md
    assert len(tables["churn_survival_curves"]) == len(study.behaviour.survival["curves"])
    from docx import Document

    text = "\n".join(p.text for p in Document(paths["docx"]).paragraphs)
    assert "Criterion validity of the stickiness scale" in text
    zh = write_report(study, tmp_path / "zh", language="zh", formats=["html", "md"])
    assert "态度之外的行为" in zh["md"].read_text(encoding="utf-8") and "客户故事" in zh["html"].read_text("utf-8")


def test_the_simulated_truth_is_recovered_in_the_study(simulated_study):
    b = simulated_study[0].behaviour
    truth = b.truth
    assert truth["scores"] == "true latent scores"
    found = dict(zip(b.suggestions["segment"], b.suggestions["content"], strict=True))
    assert found == truth["preferences"]  # each segment's planted favourite content comes out on top
    hr = b.cox.loc["score_stickiness"]
    assert hr["hr_upper"] < 1 and hr["hr"] > truth["churn_hr"] - 0.05  # attenuated by measurement error, not beyond
    assert b.validity.loc["visits_per_week", "ci_lower"] > 0.4
    path = b.sem.estimates.query("lhs == 'visits_per_week' and op == '~'").iloc[0]
    assert path["pvalue"] < 0.001 and path["std_all"] > 0.5


def test_a_simulated_log_gives_the_same_numbers_again_under_a_session_key(simulated_study, monkeypatch):
    from stickiness_research.report.build import results_dict

    study, folder = simulated_study
    monkeypatch.delenv("STICKINESS_HMAC_KEY", raising=False)  # pseudonyms from a random key of each run
    again = sr.run_study(folder / "study.yaml")
    assert results_dict(again)["results"]["behaviour"] == results_dict(study)["results"]["behaviour"]
    assert "random key" in again.behaviour.events.provenance["ids"]


def test_no_raw_respondent_id_in_any_output(simulated_study, tmp_path):
    study, _ = simulated_study
    paths = write_report(study, tmp_path)
    ids = set(study.raw["respondent_id"])
    assert len(study.exclusions)  # careless respondents were excluded: the exclusion log is in results.json
    for kind in ("html", "md", "json"):
        text = paths[kind].read_text(encoding="utf-8")
        assert not [i for i in ids if i in text], kind


def test_a_log_file_joins_by_keyed_pseudonyms_and_builds_the_same_bytes_twice(tmp_path):
    q = sr.load_questionnaire(QUESTIONNAIRE)
    survey = sr.simulate_responses(q, n=400, seed=3)
    survey.to_csv(tmp_path / "survey.csv", index=False)
    logs = tmp_path / "logs"
    logs.mkdir()
    log = sr.simulate_events(q, survey, days=60, seed=3).rename(columns={"user_id": "openid"})
    half = len(log) // 2
    log.iloc[:half].to_parquet(logs / "part1.parquet")  # a log in two files, read by a glob
    log.iloc[half:].to_parquet(logs / "part2.parquet")
    cfg = config(tmp_path, "  file: logs/*.parquet\n  columns: {user_id: openid}\n  churn_after: 21",
                 data="{file: survey.csv, source: csv}")
    env = {**os.environ, "STICKINESS_HMAC_KEY": "k" * 32}
    built = []
    for k, seed in enumerate(("1", "2")):
        out = tmp_path / f"build{k}"
        done = subprocess.run([str(Path(sys.executable).parent / "stickiness"), "report", str(cfg), "-o", str(out)],
                              capture_output=True, text=True, env=env | {"PYTHONHASHSEED": seed}, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        built.append(out)
    for name in ("index.html", "report.md", "results.json"):
        assert (built[0] / name).read_bytes() == (built[1] / name).read_bytes(), name
    results = json.loads((built[0] / "results.json").read_text(encoding="utf-8"))["results"]["behaviour"]["meta"]
    assert results["linked"] == 400 and results["events"]["n_users"] == 400
    prov = json.loads((built[0] / "provenance.json").read_text(encoding="utf-8"))["events"]
    assert sorted(Path(f).name for f in prov["files"]) == ["part1.parquet", "part2.parquet"]
    assert "STICKINESS_HMAC_KEY" in prov["ids"]


@pytest.mark.parametrize("events, message", [
    ("  file: missing/*.parquet", "events.file: event log"),
    ("  simulate: {days: 90, seed: 1}\n  segment: city", "events.segment: segment 'city' is not a demographic"),
    ("  simulate: {days: 90, seed: 1}\n  file: x.parquet", "give exactly one of 'file'"),
    ("  simulate: {days: 5, seed: 1}", "events.simulate.days"),
])
def test_bad_events_sections_are_named(tmp_path, events, message):
    with pytest.raises(sr.StudyConfigError) as err:
        sr.load_study_config(config(tmp_path, events))
    assert message in str(err.value) and "study.yaml:" in str(err.value)
    assert "Value error" not in str(err.value)  # our validators' sentences, without pydantic's prefix


def test_worked_behaviour_config_loads():
    cfg = sr.load_study_config(sr.builtin_study_path("financial_wechat_behaviour"))
    assert cfg.events.simulate.days == 90 and cfg.events.outcome == "visits_per_week"
