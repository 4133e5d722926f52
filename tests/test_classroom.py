"""Classroom pack: datasets per student (reproducible, different), exercise sheet, key, and the grader."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.classroom import (
    BETA_RANGE,
    JITTER,
    answer_from_fit,
    build_classroom,
    classroom_command,
    expected_answer,
    grade,
    grade_command,
    load_key,
    student_ids,
)

STUDENTS = 30
N = 200
SEED = 11


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    build_classroom(sr.builtin_questionnaire_path(), STUDENTS, SEED, out, n=N)
    return out


@pytest.fixture(scope="module")
def key(pack):
    return load_key(pack / "instructor" / "key.json")


def _not_borderline(key, sid):
    """A hypothesis whose expected p is far from .05, so a flipped verdict must be rejected."""
    hyps = key["students"][sid]["expected"]["hypotheses"]
    return next(h for h, v in hyps.items() if abs(v["p"] - key["alpha"]) > 2 * key["tolerances"]["p"])


# ----- the pack --------------------------------------------------------------------------------------
def test_pack_holds_a_dataset_per_student_a_sheet_and_a_key(pack, key, default_q):
    ids = student_ids(STUDENTS)
    assert ids[0] == "student_01" and ids[-1] == "student_30"
    assert sorted(p.name for p in (pack / "data").iterdir()) == [f"{i}.csv" for i in ids]
    for name in ("exercise.md", "exercise.html", "exercise.zh.md", "exercise.zh.html", "model.lav",
                 "results_template.json", "instructor/key.md", "instructor/key.html"):
        assert (pack / name).is_file(), name
    assert list(key["students"]) == ids
    assert key["n_students"] == STUDENTS and key["n"] == N and key["seed"] == SEED
    assert (pack / "model.lav").read_text(encoding="utf-8") == default_q.model_syntax()
    frame = pd.read_csv(pack / "data" / "student_01.csv")
    assert len(frame) == N and set(default_q.item_ids) <= set(frame.columns)
    assert "careless_type" not in frame.columns


def test_exercise_sheet_says_what_to_fit_and_report(pack, default_q):
    md = (pack / "exercise.md").read_text(encoding="utf-8")
    assert default_q.model_syntax() in md
    assert "`con4` → 6 − `con4`" in md  # reverse coding
    for h in default_q.hypotheses:
        assert f"| {h.id} |" in md
    for word in ("std.all", "cfi", "rmsea", "srmr", "R²", "\"supported\": true", "±0.02"):
        assert word in md, word
    zh = (pack / "exercise.zh.md").read_text(encoding="utf-8")
    assert "反向计分" in zh and default_q.model_syntax() in zh
    html = (pack / "exercise.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<table>" in html and "<pre><code" in html
    assert "<script" not in html and "<link" not in html and "src=" not in html  # self-contained
    # The JSON example in the sheet is valid and in the graded format
    example = json.loads(md.split("```json\n", 1)[1].split("```", 1)[0])
    assert set(example) == {"student_id", "hypotheses", "fit_measures", "r2", "reverse_keyed_loadings"}


def test_datasets_differ_between_students(pack):
    a = pd.read_csv(pack / "data" / "student_01.csv")
    b = pd.read_csv(pack / "data" / "student_02.csv")
    assert not a.equals(b)
    seeds = [e["data_seed"] for e in load_key(pack / "instructor" / "key.json")["students"].values()]
    assert len(set(seeds)) == STUDENTS


def test_datasets_reproduce_for_a_seed_whatever_the_class_size(pack, tmp_path, default_q, key):
    small = build_classroom(sr.builtin_questionnaire_path(), 2, SEED, tmp_path / "again", n=N)
    for sid in ("student_01", "student_02"):
        assert (small / "data" / f"{sid}.csv").read_bytes() == (pack / "data" / f"{sid}.csv").read_bytes()
    # the recorded data seed regenerates the dataset with the public simulator
    entry = key["students"]["student_07"]
    sim = sr.simulate_responses(default_q, n=N, seed=entry["data_seed"]).drop(columns=["careless_type"])
    stored = pd.read_csv(pack / "data" / "student_07.csv")
    assert np.array_equal(sim[default_q.item_ids].to_numpy(dtype=float), stored[default_q.item_ids].to_numpy(float))
    other = build_classroom(sr.builtin_questionnaire_path(), 1, SEED + 1, tmp_path / "other", n=N)
    assert (other / "data" / "student_01.csv").read_bytes() != (pack / "data" / "student_01.csv").read_bytes()


def test_key_holds_truth_and_expected_estimates_from_each_dataset(pack, key, default_q):
    entry = key["students"]["student_05"]
    assert entry["true"]["hypotheses"]["H1"]["beta"] == pytest.approx(0.50)
    assert entry["true"]["hypotheses"]["H8"]["beta"] == pytest.approx(0.50 * 0.30)  # indirect: product of paths
    data = sr.reverse_code(pd.read_csv(pack / entry["data_file"]), default_q)
    res = sr.fit_sem(default_q.model_syntax(), data)
    est = res.estimates.set_index("label")
    assert entry["expected"]["hypotheses"]["H4"]["beta"] == pytest.approx(est.loc["h4", "std_all"], abs=1e-6)
    assert entry["expected"]["fit_measures"]["cfi"] == pytest.approx(res.fit_measures["cfi"], abs=1e-6)
    assert entry["expected"]["r2"]["stickiness"] == pytest.approx(res.r2["stickiness"], abs=1e-6)
    # sampling error shows: the expected estimates are not the truth
    assert entry["expected"]["hypotheses"]["H1"]["beta"] != pytest.approx(0.50, abs=1e-3)
    md = (pack / "instructor" / "key.md").read_text(encoding="utf-8")
    assert "## student_30" in md and "| student_05 |" in md


def test_vary_effects_gives_each_student_own_truth_within_the_stated_range(tmp_path, default_q):
    out = build_classroom(default_q, 4, 3, tmp_path, n=100, vary_effects=True)
    key = load_key(out / "instructor" / "key.json")
    base = {f"{p.from_} -> {p.to}": p.beta for p in default_q.population.paths}
    truths = [e["true"]["paths"] for e in key["students"].values()]
    assert len({tuple(t.values()) for t in truths}) == 4
    for t in truths:
        for path, beta in t.items():
            assert BETA_RANGE[0] <= beta <= BETA_RANGE[1]
            assert abs(beta - base[path]) <= JITTER + 1e-9
    fixed = build_classroom(default_q, 2, 3, tmp_path / "fixed", n=100)
    assert all(e["true"]["paths"] == base for e in load_key(fixed / "instructor" / "key.json")["students"].values())
    # same data seeds with and without varied effects; different data because the truth differs
    assert [e["data_seed"] for e in load_key(fixed / "instructor" / "key.json")["students"].values()] == \
        [e["data_seed"] for e in list(key["students"].values())[:2]]


# ----- the grader ------------------------------------------------------------------------------------
def test_grader_accepts_the_keys_own_answers(pack, key):
    for sid in key["students"]:
        result = grade(expected_answer(key, sid), pack / "instructor" / "key.json", sid)
        assert result.passed, result.summary()
        assert result.n_passed == len(result.items) == 9 * 3 + 3 + 1 + 1


def test_grader_accepts_answers_rounded_to_three_decimals_from_a_file(pack, key, tmp_path):
    answer = expected_answer(key, "student_12")
    for h in answer["hypotheses"].values():
        h["beta"], h["p"] = round(h["beta"], 3), round(h["p"], 3)
    for section in ("fit_measures", "r2", "reverse_keyed_loadings"):
        answer[section] = {k: round(v, 3) for k, v in answer[section].items()}
    path = tmp_path / "student_12_results.json"
    path.write_text(json.dumps(answer), encoding="utf-8")
    result = grade(path, pack / "instructor" / "key.json")  # student id from the file
    assert result.passed and result.student_id == "student_12"


def test_grader_rejects_a_flipped_verdict_naming_the_item(key):
    sid = "student_03"
    hid = _not_borderline(key, sid)
    answer = expected_answer(key, sid)
    answer["hypotheses"][hid]["supported"] = not answer["hypotheses"][hid]["supported"]
    result = grade(answer, key, sid)
    assert not result.passed
    assert [f.item for f in result.failures()] == [f"{hid}.supported"]
    assert f"{hid}.supported" in result.summary() and "expected" in result.failures()[0].message


def test_grader_rejects_a_beta_off_by_a_tenth(key):
    answer = expected_answer(key, "student_03")
    answer["hypotheses"]["H2"]["beta"] += 0.1
    result = grade(answer, key, "student_03")
    [failure] = result.failures()
    assert failure.item == "H2.beta" and "off by 0.100" in failure.message
    answer = expected_answer(key, "student_03")
    answer["fit_measures"]["rmsea"] += 0.02
    assert [f.item for f in grade(answer, key, "student_03").failures()] == ["fit_measures.rmsea"]


def test_grader_rejects_another_students_answers(key):
    result = grade(expected_answer(key, "student_04") | {"student_id": "student_05"}, key, "student_05")
    assert not result.passed and len(result.failures()) > 3


def test_grader_catches_forgotten_reverse_coding(pack, key, default_q):
    raw = pd.read_csv(pack / "data" / "student_08.csv")  # not reverse-coded
    answer = answer_from_fit(sr.fit_sem(default_q.model_syntax(), raw), default_q)
    result = grade(answer, key, "student_08")
    assert "reverse_keyed_loadings.con4" in [f.item for f in result.failures()]


def test_borderline_verdict_follows_the_reported_p(key):
    sid = "student_03"
    answer = expected_answer(key, sid)
    doctored = copy.deepcopy(key)
    exp = doctored["students"][sid]["expected"]["hypotheses"]["H1"]
    exp.update(p=0.052, supported=False)  # pretend the key's p sat just above .05
    answer["hypotheses"]["H1"].update(p=0.048, supported=True)
    assert grade(answer, doctored, sid).passed
    answer["hypotheses"]["H1"].update(p=0.055, supported=True)  # verdict contradicts the student's own p
    assert [f.item for f in grade(answer, doctored, sid).failures()] == ["H1.supported"]


@pytest.mark.parametrize("mutate, error, words", [
    (lambda a: a["hypotheses"].pop("H2"), sr.ResponseDataError, ["hypotheses.H2", "missing"]),
    (lambda a: a.pop("fit_measures"), sr.ResponseDataError, ["'fit_measures'", "missing"]),
    (lambda a: a["hypotheses"]["H1"].pop("p"), sr.ResponseDataError, ["hypotheses.H1.p", "missing"]),
    (lambda a: a["hypotheses"]["H3"].update(supported="yes"), sr.ResponseDataError,
     ["hypotheses.H3.supported", "true or false"]),
    (lambda a: a["hypotheses"]["H3"].update(p="< .001"), sr.ResponseDataError, ["hypotheses.H3.p", "number"]),
    (lambda a: a["hypotheses"]["H3"].update(p=1.5), sr.ResponseDataError, ["hypotheses.H3.p", "[0, 1]"]),
    (lambda a: a["hypotheses"].update(h1={}), sr.ResponseDataError, ["unknown name 'h1'", "H1"]),
    (lambda a: a["r2"].update(stickiness=None), sr.ResponseDataError, ["r2.stickiness", "number"]),
    (lambda a: a.update(student_id="student_09"), sr.ResponseDataError, ["student_09", "student_03"]),
])
def test_grader_bad_answers_raise_named_errors(key, mutate, error, words):
    answer = expected_answer(key, "student_03")
    mutate(answer)
    with pytest.raises(error) as info:
        grade(answer, key, "student_03")
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_grader_bad_ids_files_and_keys(pack, key, tmp_path):
    answer = expected_answer(key, "student_03")
    with pytest.raises(sr.ParameterError, match=r"'student_id'.*student_01 \.\.\. student_30.*'student_31'"):
        grade(answer | {"student_id": "student_31"}, key)
    with pytest.raises(sr.ParameterError, match="student_id"):
        grade({k: v for k, v in answer.items() if k != "student_id"}, key)
    bad = tmp_path / "bad.json"
    bad.write_text('{"hypotheses": {"H1": {"beta": 0.4,}}}', encoding="utf-8")
    with pytest.raises(sr.ResponseDataError, match=r"bad.json: not valid JSON \(line 1, column"):
        grade(bad, key, "student_03")
    with pytest.raises(sr.ResponseDataError, match="file not found"):
        grade(tmp_path / "absent.json", key, "student_03")
    with pytest.raises(sr.ResponseDataError, match="JSON object"):
        grade(_write(tmp_path / "list.json", [1, 2]), key, "student_03")
    with pytest.raises(sr.ResponseDataError, match="not a classroom key"):
        grade(answer, answer, "student_03")


def _write(path, obj):
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


# ----- arguments and command bodies --------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, name", [
    ({"students": 0}, "students"), ({"seed": -1}, "seed"), ({"n": 10}, "'n'"), ({"students": True}, "students"),
])
def test_build_rejects_bad_arguments(tmp_path, kwargs, name):
    args = {"students": 2, "seed": 1, "n": 100} | kwargs
    with pytest.raises(sr.ParameterError, match=f"{name}.*build_classroom"):
        build_classroom(sr.builtin_questionnaire_path(), args["students"], args["seed"], tmp_path, n=args["n"])


def test_build_needs_hypotheses(tmp_path, default_q):
    bare = default_q.model_copy(update={"hypotheses": []})
    with pytest.raises(sr.ModelSpecError, match="no hypotheses"):
        build_classroom(bare, 2, 1, tmp_path, n=100)


def test_command_bodies(tmp_path):
    message = classroom_command(students=2, seed=5, output=tmp_path / "cls", n=100)
    assert "2 students" in message and "instructor" in message and "stickiness grade" in message
    key_path = tmp_path / "cls" / "instructor" / "key.json"
    answer = _write(tmp_path / "a.json", expected_answer(key_path, "student_02"))
    text, passed = grade_command(key_path, answer, "student_02")
    assert passed and text.startswith("student_02: ") and "PASS" in text
    wrong = expected_answer(key_path, "student_02")
    wrong["r2"]["stickiness"] += 0.1
    text, passed = grade_command(key_path, _write(tmp_path / "w.json", wrong))
    assert not passed and "FAIL  r2.stickiness" in text


def test_rebuilding_a_smaller_class_leaves_no_stale_datasets(tmp_path):
    build_classroom(sr.builtin_questionnaire_path(), 3, 1, tmp_path, n=100)
    build_classroom(sr.builtin_questionnaire_path(), 2, 1, tmp_path, n=100)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["student_01.csv", "student_02.csv"]


def test_sheet_languages_follow_the_questionnaire(tmp_path, default_q):
    english = default_q.model_copy(deep=True)
    english.meta.languages = ["en"]
    build_classroom(english, 1, 1, tmp_path, n=100)
    assert (tmp_path / "exercise.md").is_file() and not (tmp_path / "exercise.zh.md").exists()
    french = default_q.model_copy(deep=True)
    french.meta.languages = ["fr"]
    with pytest.raises(sr.ModelSpecError, match="en or zh"):
        build_classroom(french, 1, 1, tmp_path / "fr", n=100)
