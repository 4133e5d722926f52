"""A study config's power section (issue #18): Monte Carlo power per hypothesis, the N for a target power and
the RMSEA power of the fitted model, in the report (en and zh) and results.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stickiness_research as sr
from stickiness_research.report import write_report
from stickiness_research.study import run_study

pytestmark = pytest.mark.slow

CONFIG = """study:
  id: plan
  title: {{en: "Plan", zh: "规划"}}
questionnaire: {questionnaire}
data:
  simulate: {{n: 300, seed: 11, careless: 0.05}}
power: {power}
report: {{language: {language}}}
analyses: {{bootstrap: 30, htmt_bootstrap: 10, max_segments: 2, efa: false, method_bias: false, segments: false}}
"""


def _config(tmp_path: Path, power: str, language: str = "en") -> Path:
    path = tmp_path / "study.yaml"
    path.write_text(CONFIG.format(questionnaire=sr.builtin_questionnaire_path(), power=power, language=language),
                    encoding="utf-8")
    return path


def test_the_power_section_reaches_the_report(tmp_path):
    study = run_study(_config(tmp_path, "{n: [150, 300], replications: 12, target: 0.6}"))
    plan = study.planning
    assert sorted(plan["power"]["n"].unique()) == [150, 300]
    assert plan["sample_size"].target_power == 0.6
    rm = plan["rmsea"]
    assert rm["df"] == int(study.sem.fit_measures["df"]) and rm["n"] == study.sem.n_obs
    assert rm["power"] == pytest.approx(sr.rmsea_power(rmsea0=0.05, rmsea_a=0.08, df=rm["df"], n=rm["n"]))
    paths = write_report(study, tmp_path / "build")
    md = Path(paths["md"]).read_text(encoding="utf-8")
    assert "## Planning: statistical power" in md and "| H1 |" in md and "N for power .60" in md
    results = json.loads(Path(paths["json"]).read_text(encoding="utf-8"))
    power = results["results"]["power"]
    assert power["type"] == "PowerTable" and len(power["tables"]["power"]) == 2 * len(study.questionnaire.hypotheses)
    assert results["results"]["sample_size"]["meta"]["target_power"] == 0.6
    assert results["planning"]["rmsea"]["power"] == pytest.approx(rm["power"])


def test_the_power_section_in_chinese_and_bad_settings(tmp_path):
    study = run_study(_config(tmp_path, "{n: [150], replications: 10}", language="zh"))
    md = Path(write_report(study, tmp_path / "build")["md"]).read_text(encoding="utf-8")
    assert "## 研究规划：统计检验力" in md and "近似拟合检验" in md
    with pytest.raises(sr.StudyConfigError, match="at least 30"):
        sr.load_study_config(_config(tmp_path, "{n: [20]}"))
    with pytest.raises(sr.StudyConfigError, match="rmsea0 and rmsea_a must differ"):
        sr.load_study_config(_config(tmp_path, "{rmsea0: 0.05, rmsea_a: 0.05}"))
