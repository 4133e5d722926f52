"""Screening that is right by default, and study configs that say where they are wrong (issue 13, part 3).

"Duplicate" means a repeated submission; identical answer vectors are an opt-in rule for long
instruments; a rule excluding more than 20 % warns; a rule without its inputs is reported as not
applied; thresholds are checked (bad-inputs rows 48, 51, 58, 66/A29, 133, 134, 143, 144, 146-149).
"""

from __future__ import annotations

import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.responses import ScreeningWarning
from stickiness_research.study import StudyWarning

MINIMAL = FIXTURES / "minimal.yaml"
DEFAULTS = {"attention": True, "speeder": True, "duplicate": True, "missing_share": 0.5}


@pytest.fixture(scope="module")
def minimal_q():
    return sr.load_questionnaire(MINIMAL)


@pytest.fixture(scope="module")
def raw(default_q):
    return sr.simulate_responses(default_q, n=300, seed=2)


def quiet_flags(data, q):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ScreeningWarning)
        return sr.quality_flags(data, q)


# ----- thresholds (row 66, A29) ----------------------------------------------------------------------
@pytest.mark.parametrize(("rules", "expected"), [
    ({"longstring": -1}, "an int in the range [2, inf)"),
    ({"longstring": 1}, "an int in the range [2, inf)"),
    ({"longstring": 2.5}, "an int in the range [2, inf)"),
    ({"longstring": True}, "an int in the range [2, inf)"),
    ({"missing_share": 1.5}, "a float in the range [0, 1]"),
    ({"missing_share": float("nan")}, "a float in the range [0, 1]"),
    ({"irv_min": -0.1}, "a float in the range [0, inf)"),
    ({"psychsyn_min": 2}, "a float in the range [-1, 1]"),
    ({"attention": "yes"}, "a bool"),
])
def test_a29_thresholds_are_checked(default_q, raw, rules, expected):
    flags = quiet_flags(raw, default_q)
    name = next(iter(rules))
    with pytest.raises(sr.ParameterError, match=rf"The '{name}' parameter of apply_exclusions must be "
                                                 rf"{expected.replace('[', '.').replace(')', '.')}"):
        sr.apply_exclusions(raw, flags, rules)


def test_rules_off_and_valid_thresholds_are_accepted(default_q, raw):
    flags = quiet_flags(raw, default_q)
    kept, audit = sr.apply_exclusions(raw, flags, {"longstring": None, "mahalanobis": False, "missing_share": 0,
                                                   "irv_min": 0.0, "psychsyn_min": -1, "attention": np.True_})
    assert len(kept) + audit["respondent_id"].nunique() == 300


# ----- what "duplicate" means (row 58) -------------------------------------------------------------------
def test_row58_many_respondents_on_a_short_scale_are_not_duplicates(minimal_q):
    data = sr.simulate_responses(minimal_q, n=200_000, seed=1)
    flags = sr.quality_flags(data, minimal_q)
    assert flags["identical_answers"].isna().all()  # 6 items: identical patterns prove nothing
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScreeningWarning)  # no rule is loud, none is "not applied"
        result = sr.apply_exclusions(data, flags, DEFAULTS)
    assert "duplicate" not in set(result.audit["rule"]) and len(result.kept) > 0.95 * len(data)
    assert result.warnings == () and result.not_applied == {}


def test_repeated_submissions_are_duplicates(default_q, raw):
    data = raw.copy()
    data["submitted_at"] = [f"2026-11-20 10:{k // 60:02d}:{k % 60:02d}" for k in range(300)]
    data["ip_group"] = [f"ip-{k % 50}" for k in range(300)]  # a campus network: many people, few addresses
    items = default_q.item_ids
    data.loc[10, "respondent_id"] = data.loc[9, "respondent_id"]  # same id submitted twice
    data.loc[20, items + ["submitted_at"]] = data.loc[19, items + ["submitted_at"]].to_numpy()  # same time, answers
    data.loc[100, items] = data.loc[50, items].to_numpy()  # same IP (50 % 50 == 100 % 50) and same answers
    data.loc[31, items] = data.loc[30, items].to_numpy()  # same answers only: another person
    flags = sr.quality_flags(data, default_q)
    assert set(np.flatnonzero(flags["duplicate"].to_numpy())) == {10, 20, 100}
    assert bool(flags["identical_answers"][31]) and not flags["duplicate"][31]
    kept, audit = sr.apply_exclusions(data, flags, {"duplicate": True})
    assert audit["threshold"].eq("repeated submission").all() and len(kept) == 297


def test_identical_answers_is_opt_in_and_needs_ten_items(default_q, minimal_q, raw):
    copied = pd.concat([raw, raw.iloc[:5].assign(respondent_id=[f"C{k}" for k in range(5)])], ignore_index=True)
    flags = sr.quality_flags(copied, default_q)
    kept, _ = sr.apply_exclusions(copied, flags, DEFAULTS)
    assert len(kept) == 305  # default rules: other ids, no timestamps, so not duplicates
    kept, audit = sr.apply_exclusions(copied, flags, {"identical_answers": True})
    assert len(kept) == 300 and set(audit["rule"]) == {"identical_answers"}
    short = sr.simulate_responses(minimal_q, n=50, seed=1)
    with pytest.raises(sr.ParameterError, match="'identical_answers' parameter.*fewer than 10 items"):
        sr.apply_exclusions(short, sr.quality_flags(short, minimal_q), {"identical_answers": True})


# ----- loud warnings and rules not applied (rows 48, 51) -----------------------------------------------
def test_a_rule_excluding_more_than_a_fifth_warns(default_q, raw):
    flags = quiet_flags(raw, default_q)
    with pytest.warns(ScreeningWarning, match=r"rule 'longstring' excludes \d+ of 300 respondents"):
        result = sr.apply_exclusions(raw, flags, {"longstring": 2})
    assert len(result.warnings) == 1 and "misconfigured" in result.warnings[0]
    kept, audit = result  # still unpacks as a pair
    assert len(kept) + audit["respondent_id"].nunique() == 300


def test_rules_without_inputs_are_not_applied(default_q, raw):
    data = raw.drop(columns=["duration_seconds", "attn1", "respondent_id"])
    flags = quiet_flags(data, default_q)
    with pytest.warns(ScreeningWarning, match="not applied"):
        result = sr.apply_exclusions(data, flags, DEFAULTS)
    assert set(result.not_applied) == {"speeder", "attention", "duplicate"}
    assert "completion times" in result.not_applied["speeder"]
    assert "attention-check" in result.not_applied["attention"]


def test_row51_constant_items_warn_no_variance(minimal_q, tmp_path):
    data = sr.simulate_responses(minimal_q, n=60, seed=1).assign(**{i: 3 for i in minimal_q.item_ids})
    with pytest.warns(ScreeningWarning, match="no variance: item.s. d1, d2, d3, o1, o2, o3 have the same answer"):
        flags = sr.quality_flags(data, minimal_q)
    kept, _ = sr.apply_exclusions(data, flags, DEFAULTS)
    assert len(kept) == 60  # constant answers are not 'duplicates'
    path = tmp_path / "r_constant.csv"
    data.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["clean", str(MINIMAL), str(path), "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0 and len(pd.read_csv(tmp_path / "c.csv")) == 60
    assert "no variance" in result.stderr  # the CLI prints our warnings, one line each


def test_row48_item_without_answers_warns(minimal_q):
    data = sr.simulate_responses(minimal_q, n=60, seed=1).assign(o3=np.nan)
    with pytest.warns(ScreeningWarning, match="item.s. o3 have no answers at all"):
        sr.quality_flags(data, minimal_q)


# ----- study configs (rows 133, 134, 143, 144, 146-149) ---------------------------------------------------
QUIET = {"bootstrap": 0, "htmt_bootstrap": 0, "measurement": False, "efa": False, "method_bias": False,
         "invariance": False, "regression": False, "segments": False, "strategy": False}


def study(tmp_path, data: str, *, extra: str = "", seed: str = "1") -> object:
    """A study config next to a copy of the minimal questionnaire."""
    shutil.copy(MINIMAL, tmp_path / "minimal.yaml")
    analyses = ", ".join(f"{k}: {str(v).lower()}" for k, v in QUIET.items())
    text = (f"study: {{id: s, title: {{en: Study, zh: 研究}}}}\nquestionnaire: minimal.yaml\ndata: {data}\n"
            f"analyses: {{{analyses}}}\n{extra}seed: {seed}\n")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("data", "seed", "line"), [
    ("{simulate: {n: 100, seed: 1}}", "-1", 5),  # row 133
    ("{simulate: {n: 100, seed: -5}}", "1", 3),  # row 134
])
def test_rows133_134_negative_seeds(tmp_path, data, seed, line):
    path = study(tmp_path, data, seed=seed)
    with pytest.raises(sr.StudyConfigError, match="greater than or equal to 0") as info:
        sr.load_study_config(path)
    assert info.value.file == str(path) and info.value.line == line
    code = CliRunner().invoke(app, ["report", str(path), "-o", str(tmp_path / "rep")])
    assert code.exit_code == 2 and "Traceback" not in code.stderr and code.stderr.strip().count("\n") == 0


def test_row143_model_syntax_with_an_unknown_variable(tmp_path):
    path = study(tmp_path, "{simulate: {n: 100, seed: 1}}",
                 extra="model:\n  syntax: |\n    driver =~ d1 + d2 + d3\n    outcome =~ o1 + o2 + o3\n"
                       "    outcome ~ drivr\n")
    with pytest.raises(sr.StudyConfigError, match="model variable 'drivr'.*Did you mean driver") as info:
        sr.load_study_config(path)
    assert info.value.file == str(path) and info.value.field == "model.syntax" and info.value.line == 6


def test_row144_gbk_config_is_read(tmp_path):
    path = study(tmp_path, "{simulate: {n: 100, seed: 1}}")
    path.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    assert sr.load_study_config(path).study.title["zh"] == "研究"


def test_row146_directory(tmp_path):
    folder = tmp_path / "s_dir.yaml"
    folder.mkdir()
    with pytest.raises(sr.StudyConfigError, match="is a directory"):
        sr.load_study_config(folder)


def test_row147_unknown_group_with_a_data_file(minimal_q, tmp_path):
    sr.simulate_responses(minimal_q, n=100, seed=1).to_csv(tmp_path / "data.csv", index=False)
    path = study(tmp_path, "{file: data.csv}", extra="groups: [nosuchcol]\n")
    with pytest.raises(sr.StudyConfigError, match="group 'nosuchcol' is not a demographic") as info:
        sr.load_study_config(path)
    assert info.value.field == "groups[0]" and info.value.line == 5
    # a demographic the export lacks is caught once the data are read
    sr.simulate_responses(minimal_q, n=100, seed=1).drop(columns=["segment"]).to_csv(tmp_path / "data.csv",
                                                                                    index=False)
    path = study(tmp_path, "{file: data.csv}", extra="groups: [segment]\n")
    with pytest.raises(sr.StudyConfigError, match="group 'segment' is not a column of the data") as info:
        sr.run_study(path)
    assert info.value.field == "groups[0]" and info.value.line == 5


def test_row148_one_respondent(minimal_q, tmp_path):
    sr.simulate_responses(minimal_q, n=1, seed=1).to_csv(tmp_path / "one.csv", index=False)
    path = study(tmp_path, "{file: one.csv}")
    with pytest.raises(sr.StudyConfigError, match=r"one.csv: 1 respondent.* for 6 items.*Point data.file at") as info:
        sr.run_study(path)
    assert info.value.field == "data.file" and str(path) in str(info.value)
    result = CliRunner().invoke(app, ["report", str(path), "-o", str(tmp_path / "rep")])
    assert result.exit_code == 2 and "Traceback" not in result.stderr


def test_row149_tiny_simulated_sample_warns_and_screening_reaches_the_report(tmp_path):
    path = study(tmp_path, "{simulate: {n: 20, seed: 3}}")
    with pytest.warns(StudyWarning, match="only 20 respondents for 6 items"):
        result = sr.run_study(path)
    assert any("too few" in w for w in result.screening["warnings"])
    assert result.provenance["screening"] == result.screening


def test_identical_answers_in_a_config_needs_ten_items(tmp_path):
    path = study(tmp_path, "{simulate: {n: 100, seed: 1}}", extra="cleaning: {identical_answers: true}\n")
    with pytest.raises(sr.StudyConfigError, match="identical_answers needs at least 10 items") as info:
        sr.load_study_config(path)
    assert info.value.field == "cleaning.identical_answers"
