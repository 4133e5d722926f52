"""Reading survey-tool exports, quality flags against the simulation's truth, exclusions with an audit."""

from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.questionnaire.exporters import field_order
from stickiness_research.responses.quality import even_odd, irv, longstring, mahalanobis, psychsyn
from stickiness_research.responses.readers import parse_wjx_duration


@pytest.fixture(scope="module")
def sim(default_q):
    return sr.simulate_responses(default_q, n=40, seed=7)


def codes(q, frame: pd.DataFrame) -> pd.DataFrame:
    """Demographic values -> option codes, as survey tools store them."""
    out = frame.copy()
    for d in q.demographics:
        out[d.id] = out[d.id].map({o.value: o.code for o in d.options})
    return out


def same_answers(q, read: sr.Responses, sim: pd.DataFrame) -> None:
    items = q.item_ids + [a.id for a in q.attention_checks]
    np.testing.assert_array_equal(read.data[items].astype(float).to_numpy(), sim[items].astype(float).to_numpy())
    for d in q.demographics:
        assert read.data[d.id].tolist() == sim[d.id].tolist(), d.id


def wjx_frame(q, sim, *, labels: str | None = None) -> pd.DataFrame:
    coded = codes(q, sim)
    frame = pd.DataFrame({"序号": range(1, len(sim) + 1), "提交答卷时间": "2026/11/20 20:15:03",
                          "所用时间": [f"{int(s) // 60}分{int(s) % 60}秒" for s in sim["duration_seconds"]],
                          "来源": "微信", "来源详情": "N/A", "来自IP": "10.0.0.1(上海-上海)"})
    for question in field_order(q):
        column = f"{question.number}、{question.text('zh')}  "  # wjx leaves trailing spaces
        values = coded[question.id]
        if labels:
            from stickiness_research.questionnaire.exporters import choices_of

            label_of = dict(choices_of(q, question, labels))
            values = values.map(label_of)
        frame[column] = values
    return frame


def test_generic_csv_round_trip(default_q, sim, tmp_path):
    path = tmp_path / "answers.csv"
    sim.to_csv(path, index=False)
    read = sr.read_responses(path, default_q)
    assert read.provenance["source"] == "csv" and read.provenance["rows_read"] == 40
    same_answers(default_q, read, sim)
    assert read.data["int1"].dtype == "Int64"


def test_wjx_numeric_xlsx_export(default_q, sim, tmp_path):
    path = tmp_path / "wjx_codes.xlsx"
    wjx_frame(default_q, sim).to_excel(path, index=False)
    read = sr.read_responses(path, default_q)
    assert read.provenance["source"] == "wjx"
    same_answers(default_q, read, sim)
    assert read.data["respondent_id"].iloc[0] == "wjx-1"
    np.testing.assert_allclose(read.data["duration_seconds"], sim["duration_seconds"].astype(int))
    assert set(read.provenance["pii_dropped"]) == {"来自IP", "来源详情"} and "来自IP" not in read.data


def test_wjx_option_text_csv_in_gb18030_with_structural_missing(default_q, sim, tmp_path):
    frame = wjx_frame(default_q, sim, labels="zh")
    item_col = next(c for c in frame.columns if c.startswith(f"{field_order(default_q)[10].number}、"))
    frame.loc[0, item_col] = "-3"  # not shown to this respondent
    path = tmp_path / "wjx_text.csv"
    frame.to_csv(path, index=False, encoding="gb18030")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    read = sr.read_responses(path, default_q, source="wjx")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before == read.provenance["sha256"]
    qid = field_order(default_q)[10].id
    assert pd.isna(read.data.loc[0, qid])
    expected = sim.copy()
    expected[qid] = expected[qid].astype("Int64")
    expected.loc[0, qid] = pd.NA
    same_answers(default_q, read, expected)


def test_qualtrics_three_header_rows_with_newlines(default_q, sim, tmp_path):
    coded = codes(default_q, sim)
    questions = field_order(default_q)
    header = ["StartDate", "Duration (in seconds)", "ResponseId", "IPAddress"] + [f"Q{k + 1}" for k in
                                                                                   range(len(questions))]
    texts = ["Start Date", "Duration (in seconds)", "Response ID", "IP Address"] + [
        f"Please rate:\n - {qq.text('en')}" if qq.kind == "item" else qq.text("en") for qq in questions]
    imports = ['{"ImportId":"startDate"}', '{"ImportId":"duration"}', '{"ImportId":"_recordId"}',
               '{"ImportId":"ipAddress"}'] + [f'{{"ImportId":"QID{k}"}}' for k in range(len(questions))]
    path = tmp_path / "qualtrics.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerows([header, texts, imports])
        for i in range(len(sim)):
            writer.writerow(["2026-11-20", int(sim["duration_seconds"][i]), f"R_{i:04d}", "1.2.3.4"]
                            + [coded[qq.id][i] for qq in questions])
    read = sr.read_responses(path, default_q)
    assert read.provenance["source"] == "qualtrics" and "IPAddress" in read.provenance["pii_dropped"]
    same_answers(default_q, read, sim)
    assert read.data["respondent_id"].iloc[0] == "R_0000"


def test_limesurvey_kobo_and_sav(default_q, sim, tmp_path):
    coded = codes(default_q, sim)
    lime = pd.DataFrame({"id": range(1, 41), "interviewtime": sim["duration_seconds"]})
    kobo = pd.DataFrame({"_uuid": [f"u{i}" for i in range(40)]})
    for qq in field_order(default_q):
        lime[f"{qq.section}[{qq.id}]"] = coded[qq.id]
        kobo[f"{qq.section}/{qq.id}"] = coded[qq.id]
    lime.to_csv(tmp_path / "lime.csv", index=False)
    kobo.to_csv(tmp_path / "kobo.csv", index=False)
    sav_frame = coded[["respondent_id"] + [qq.id for qq in field_order(default_q)]]
    pyreadstat.write_sav(sav_frame, str(tmp_path / "data.sav"))
    for name, source in [("lime.csv", "limesurvey"), ("kobo.csv", "kobo"), ("data.sav", "sav")]:
        read = sr.read_responses(tmp_path / name, default_q)
        assert read.provenance["source"] == source
        same_answers(default_q, read, sim)


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda f: f.drop(columns=["int2"]), r"no column for item\(s\) int2"),
    (lambda f: f.assign(int3=f["int3"].astype(str).where(f.index != 4, "7")), r"row 6, column 'int3' \(int3\): code 7"),
    (lambda f: f.assign(sec1=f["sec1"].astype(str).where(f.index != 0, "maybe")), "'maybe' is not an option"),
    (lambda f: f.assign(respondent_id=f["respondent_id"].where(f.index != 3, f["respondent_id"][2])),
     "row 5, column 'respondent_id'.*more than once"),
])
def test_bad_data_names_row_and_column(default_q, sim, tmp_path, mutate, message):
    path = tmp_path / "bad.csv"
    mutate(sim.copy()).to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match=message):
        sr.read_responses(path, default_q)


def test_empty_file_and_unknown_source(default_q, tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(sr.ResponseDataError, match="empty"):
        sr.read_responses(tmp_path / "empty.csv", default_q)
    with pytest.raises(sr.ParameterError, match="The 'source' parameter of read_responses must be one of 'auto'"):
        sr.read_responses(tmp_path / "empty.csv", default_q, source="surveymonkey")


def test_wjx_durations():
    assert parse_wjx_duration("123秒") == 123
    assert parse_wjx_duration("1小时2分3秒") == 3723
    assert parse_wjx_duration("01:02:03") == 3723


# ----- quality indices -----------------------------------------------------------------------------
def test_index_definitions_on_hand_computed_rows():
    data = pd.DataFrame([[1, 1, 1, 1, 2, 3], [1, 2, 1, 2, 1, 2], [5, 5, np.nan, 5, 5, 5]])
    ls = longstring(data)
    # a missing answer ends a run and is a run of its own, as R's rle() in careless::longstring
    assert ls["longstring"].tolist() == [4, 1, 3] and ls["longstring_mean"].tolist() == [2.0, 1.0, 2.0]
    assert irv(data).iloc[0] == pytest.approx(np.std([1, 1, 1, 1, 2, 3], ddof=1))
    # even-odd: scales (a, b) whose halves agree perfectly give -1
    halves = pd.DataFrame({"a1": [1, 5], "a2": [1, 5], "b1": [5, 1], "b2": [5, 1], "c1": [3, 2], "c2": [3, 2]})
    assert even_odd(halves, {"a": ["a1", "a2"], "b": ["b1", "b2"], "c": ["c1", "c2"]}).tolist() == pytest.approx([-1, -1])


def test_mahalanobis_and_psychsyn_agree_with_their_formulas():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((200, 1))
    data = pd.DataFrame(base + 0.4 * rng.standard_normal((200, 4)), columns=list("abcd"))
    d2 = mahalanobis(data)["mahalanobis_d2"].to_numpy()
    x = data.to_numpy()
    inv = np.linalg.inv(np.cov(x, rowvar=False))
    assert d2[5] == pytest.approx((x[5] - x.mean(0)) @ inv @ (x[5] - x.mean(0)))
    syn = psychsyn(data, 0.6)
    assert syn.iloc[0] == pytest.approx(np.corrcoef(x[0, [0, 0, 0, 1, 1, 2]], x[0, [1, 2, 3, 2, 3, 3]])[0, 1])


def test_flags_catch_simulated_careless_respondents(default_q):
    data = sr.simulate_responses(default_q, n=600, seed=21, careless=0.10)
    flags = sr.quality_flags(data, default_q)
    kept, audit = sr.apply_exclusions(data, flags, {"attention": True, "speeder": True, "duplicate": True,
                                                    "longstring": 12})
    careless = data["careless_type"].notna() & (data["careless_type"] != "")
    excluded = ~data.index.isin(kept.index)
    detection = (excluded & careless).sum() / careless.sum()
    false_positive = (excluded & ~careless).sum() / (~careless).sum()
    assert detection > 0.6 and false_positive < 0.05
    assert set(audit["respondent_id"]) == set(data.loc[excluded, "respondent_id"])
    assert set(audit.columns) == {"respondent_id", "rule", "value", "threshold"}


def test_cli_clean_writes_data_audit_and_provenance(default_q, tmp_path):
    data = sr.simulate_responses(default_q, n=200, seed=5, careless=0.1)
    path = tmp_path / "raw.csv"
    data.to_csv(path, index=False)
    out = tmp_path / "clean" / "cleaned.csv"
    result = CliRunner().invoke(app, ["clean", str(sr.builtin_questionnaire_path()), str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    cleaned = pd.read_csv(out)
    audit = pd.read_csv(tmp_path / "clean" / "cleaned_exclusions.csv")
    assert len(cleaned) + audit["respondent_id"].nunique() == 200
    assert json.loads((tmp_path / "clean" / "cleaned_provenance.json").read_text())["rows_read"] == 200
    bad = CliRunner().invoke(app, ["clean", str(sr.builtin_questionnaire_path()), str(tmp_path / "nope.csv")])
    assert bad.exit_code == 2 and "file not found" in bad.output


# ----- agreement with the R package careless (tests/reference/careless_indices.R) ---------------------------
def test_indices_match_r_careless(default_q):
    from conftest import REFERENCE

    ref = json.loads((REFERENCE / "careless" / "indices.json").read_text(encoding="utf-8"))
    x = pd.read_csv(REFERENCE / "data" / "careless_fixture.csv")
    ls = longstring(x)
    np.testing.assert_array_equal(ls["longstring"], ref["longstring"])
    np.testing.assert_allclose(ls["longstring_mean"], ref["longstring_mean"], rtol=1e-12)
    np.testing.assert_allclose(irv(x), ref["irv"], rtol=1e-10)
    scales = {c: [i.id for i in default_q.items_of(c)] for c in default_q.construct_ids}
    assert [len(v) for v in scales.values()] == ref["factors"]
    np.testing.assert_allclose(even_odd(x, scales), np.array(ref["even_odd"], dtype=float), rtol=1e-10)
    ours = psychsyn(x, 0.60).to_numpy()
    theirs = np.array(ref["psychsyn"], dtype=float)
    defined = ~np.isnan(ours)  # careless re-draws pairs at random where the correlation is undefined
    assert defined.sum() >= 70
    np.testing.assert_allclose(ours[defined], theirs[defined], rtol=1e-10)
    md = mahalanobis(x, 0.99)
    np.testing.assert_allclose(md["mahalanobis_d2"], ref["mahad_d2"], rtol=1e-10)
    assert md["mahalanobis_flag"].tolist() == ref["mahad_flag"]


def test_pseudonyms_are_keyed_and_stable(monkeypatch, tmp_path):
    from stickiness_research.responses.privacy import load_key, pseudonymize

    frame = pd.DataFrame({"user": ["alice", "bob", "alice"]})
    key = b"k" * 32
    out = pseudonymize(frame, ["user"], key)
    assert out["user"][0] == out["user"][2] != out["user"][1]
    assert "alice" not in set(out["user"]) and frame["user"][0] == "alice"  # input untouched
    assert pseudonymize(frame, ["user"], b"x" * 32)["user"][0] != out["user"][0]  # another key, another pseudonym
    monkeypatch.delenv("STICKINESS_HMAC_KEY", raising=False)
    with pytest.raises(sr.ResponseDataError, match="STICKINESS_HMAC_KEY"):
        load_key()
    monkeypatch.setenv("STICKINESS_HMAC_KEY", "s" * 20)
    assert load_key() == b"s" * 20
    (tmp_path / "key").write_text("f" * 40)
    assert load_key(tmp_path / "key") == b"f" * 40


def test_k_anonymity_lists_small_quasi_identifier_cells(default_q):
    from stickiness_research.responses.privacy import k_anonymity

    data = sr.simulate_responses(default_q, n=300, seed=1)
    risky = k_anonymity(data, default_q, k=5)
    assert set(risky.columns) == {"age_band", "gender", "city_tier", "n"}
    assert (risky["n"] < 5).all() and len(risky) > 0  # 7 x 3 x 5 cells for 300 people: some are tiny
    counts = data.groupby(["age_band", "gender", "city_tier"]).size()
    assert (counts < 5).sum() == len(risky)


def test_scale_means_match_psych_scoreitems(default_q):
    from conftest import REFERENCE

    ref = json.loads((REFERENCE / "psych" / "scoreitems_stickiness.json").read_text(encoding="utf-8"))
    raw = pd.read_csv(REFERENCE / "data" / "scoring_fixture.csv")
    assert raw.isna().to_numpy().mean() > 0.05  # the fixture has missing answers, as real data do
    ours = sr.scale_scores(sr.reverse_code(raw, default_q), default_q, min_share=1e-9)
    for construct, values in ref["scores"].items():
        np.testing.assert_allclose(ours[construct], np.array(values, dtype=float), rtol=1e-12, err_msg=construct)


def test_sum_and_pomp_scores(default_q):
    raw = pd.read_csv(__import__("conftest").REFERENCE / "data" / "scoring_fixture.csv")
    data = sr.reverse_code(raw, default_q)
    mean = sr.scale_scores(data, default_q)
    total = sr.scale_scores(data, default_q, method="sum")
    pomp = sr.scale_scores(data, default_q, method="pomp")
    np.testing.assert_allclose(total["stickiness"], mean["stickiness"] * 5)
    np.testing.assert_allclose(pomp["trust"], 25 * (mean["trust"] - 1))
    # fewer than half the items answered: no score
    sparse = data.copy()
    sparse.loc[0, ["int1", "int2", "int3"]] = np.nan
    assert pd.isna(sr.scale_scores(sparse, default_q).loc[0, "interaction"])


def test_detection_precision_and_recall_by_kind(default_q):
    """The default rules catch every kind of simulated careless respondent and few attentive ones."""
    data = sr.simulate_responses(default_q, n=1000, seed=99, careless=0.10)
    flags = sr.quality_flags(data, default_q)
    kept, _ = sr.apply_exclusions(data, flags, {"attention": True, "speeder": True, "duplicate": True,
                                                "longstring": 12, "missing_share": 0.5})
    excluded = ~data.index.isin(kept.index)
    careless = data["careless_type"] != ""
    precision = (excluded & careless).sum() / excluded.sum()
    recall = {kind: excluded[data["careless_type"] == kind].mean() for kind in
              ("straightliner", "random", "alternating", "speeder")}
    assert precision > 0.6, precision
    assert recall["straightliner"] > 0.95 and recall["speeder"] > 0.85, recall
    assert min(recall.values()) > 0.5, recall
