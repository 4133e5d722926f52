"""Readers and YAML loading on the malformed inputs of bad-inputs.md: a named error or the right result."""

from __future__ import annotations

import hashlib
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import FIXTURES
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.questionnaire.exporters import choices_of, field_order

MINIMAL = FIXTURES / "minimal.yaml"


@pytest.fixture(scope="module")
def minimal_q():
    return sr.load_questionnaire(MINIMAL)


@pytest.fixture(scope="module")
def good(minimal_q):
    return sr.simulate_responses(minimal_q, n=60, seed=3)


def items_equal(read: sr.Responses, expected: pd.DataFrame, q) -> bool:
    return bool((read.data[q.item_ids].astype(float).to_numpy() == expected[q.item_ids].astype(float).to_numpy()).all())


def run_cli(*args):
    """Invoke the CLI; return (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


# ----- YAML: alias bombs, directories, scale libraries, encodings (rows 21, 24, 25, 27) ----------------
BOMB = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))


def test_row21_alias_bomb_fails_fast_with_little_memory(tmp_path):
    path = tmp_path / "q_bomb.yaml"
    path.write_text(BOMB, encoding="utf-8")
    tracemalloc.start()
    with pytest.raises(sr.QuestionnaireError, match="expands to more than") as info:
        sr.load_questionnaire(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 50e6, peak  # refused before expanding (no wall-clock assertion: machines are shared)
    assert info.value.file == str(path) and info.value.line is not None


def test_deep_nesting_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("a: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    with pytest.raises(sr.QuestionnaireError, match="nests deeper"):
        sr.load_questionnaire(path)


def test_a_few_anchors_still_load(minimal_text):
    text = minimal_text.replace("  agree5:\n", "  agree5: &scale\n").replace("  yesno:\n", "  agree5_copy: *scale\n  yesno:\n")
    assert "agree5_copy" in sr.loads_questionnaire(text).response_sets


def test_row24_directory_is_named(tmp_path):
    folder = tmp_path / "q_dir.yaml"
    folder.mkdir()
    with pytest.raises(sr.QuestionnaireError, match="is a directory"):
        sr.load_questionnaire(folder)
    code, _, stderr = run_cli("validate", folder)
    assert code == 2 and "is a directory" in stderr and "Traceback" not in stderr


def library_questionnaire(tmp_path, minimal_text: str, library: bytes) -> object:
    (tmp_path / "scales").mkdir()
    (tmp_path / "scales" / "lib.yaml").write_bytes(library)
    text = minimal_text.replace("  - id: outcome\n    name: {zh: 结果, en: Outcome}\n",
                                "  - {from: scales/lib.yaml, id: outcome}\n")
    items = text.index("  - id: o1")
    text = text[:items] + text[text.index("attention_checks:"):]
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return path


LIBRARY = """constructs:
  - id: outcome
    name: {zh: 结果, en: Outcome}
    items:
      - {id: o1, text: {zh: 题四, en: Item four}}
      - {id: o2, text: {zh: 题五, en: Item five}}
      - {id: o3, text: {zh: 题六, en: Item six}}
"""


def test_row25_scale_library_that_is_a_list(tmp_path, minimal_text):
    path = library_questionnaire(tmp_path, minimal_text, b"- a\n- b\n")
    with pytest.raises(sr.QuestionnaireError, match="scale library 'scales/lib.yaml' must hold a mapping") as info:
        sr.load_questionnaire(path)
    assert info.value.file == str(path) and info.value.line is not None
    code, _, stderr = run_cli("validate", path)
    assert code == 2 and stderr.strip().count("\n") == 0 and "Traceback" not in stderr


def test_row27_gbk_scale_library_is_read(tmp_path, minimal_text):
    path = library_questionnaire(tmp_path, minimal_text, LIBRARY.encode("gbk"))
    q = sr.load_questionnaire(path)
    assert [i.id for i in q.items_of("outcome")] == ["o1", "o2", "o3"] and q.construct("outcome").name["zh"] == "结果"


def test_gbk_questionnaire_is_read_with_a_warning_and_other_encodings_are_named(tmp_path, minimal_text):
    path = tmp_path / "q_gbk.yaml"
    path.write_bytes(minimal_text.encode("gbk"))
    with pytest.warns(sr.QuestionnaireWarning, match="GB18030"):
        q = sr.load_questionnaire(path)
    assert q.item("d1").text["zh"] == "题一"
    utf16 = tmp_path / "q_utf16.yaml"
    utf16.write_bytes(minimal_text.encode("utf-16"))
    with pytest.raises(sr.QuestionnaireError, match="neither UTF-8 nor GBK/GB18030"):
        sr.load_questionnaire(utf16)


# ----- response files (rows 38, 39, 45, 48, 54, 55, 57, A17) --------------------------------------------
@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_rows38_39_delimiters_are_sniffed(minimal_q, good, tmp_path, delimiter, name):
    path = tmp_path / f"r_{name}.csv"
    good.to_csv(path, index=False, sep=delimiter)
    read = sr.read_responses(path, minimal_q)
    assert read.provenance["delimiter"] == delimiter and items_equal(read, good, minimal_q)


def test_excel_unicode_text_export_is_read(minimal_q, good, tmp_path):
    path = tmp_path / "r_unicode.txt"
    good.to_csv(path, index=False, sep="\t", encoding="utf-16")
    read = sr.read_responses(path, minimal_q)
    assert read.provenance["encoding"] == "utf-16" and items_equal(read, good, minimal_q)


def test_an_unknown_delimiter_is_named(minimal_q, good, tmp_path):
    path = tmp_path / "r_hash.csv"
    good.to_csv(path, index=False, sep="#")
    with pytest.raises(sr.ResponseDataError, match="delimiter"):
        sr.read_responses(path, minimal_q)


def test_row45_half_point_code_is_refused_with_row_and_column(minimal_q, good, tmp_path):
    bad = good.astype({"o2": object})
    bad.loc[5, "o2"] = 3.5
    path = tmp_path / "r_decimal_code.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match=r"row 7, column 'o2' \(o2\): '3.5' is not an answer code; "
                                                   "codes are whole numbers"):
        sr.read_responses(path, minimal_q)
    before = path.read_bytes()
    code, stdout, stderr = run_cli("clean", MINIMAL, path, "-o", tmp_path / "out.csv")
    assert code == 2 and stderr.strip().count("\n") == 0 and "whole numbers" in stderr and "Traceback" not in stderr
    assert path.read_bytes() == before and not (tmp_path / "out.csv").exists()


def test_row45_whole_number_floats_are_codes(minimal_q, good, tmp_path):
    path = tmp_path / "r_float_codes.csv"
    good.astype({i: float for i in minimal_q.item_ids}).to_csv(path, index=False)  # 3.0, 4.0, ...
    read = sr.read_responses(path, minimal_q)
    assert items_equal(read, good, minimal_q) and read.data["o2"].dtype == "Int64"


def test_row48_item_without_answers_is_reported(minimal_q, good, tmp_path):
    path = tmp_path / "r_all_missing_col.csv"
    good.assign(o3=np.nan).to_csv(path, index=False)
    read = sr.read_responses(path, minimal_q)
    assert any("item o3" in w and "no answers" in w for w in read.provenance["warnings"])


def test_row54_csv_named_xlsx(minimal_q, good, tmp_path):
    path = tmp_path / "r_fake.xlsx"
    good.to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match="not a readable Excel workbook.*\\.csv extension"):
        sr.read_responses(path, minimal_q)


def test_row55_a17_directory(minimal_q, tmp_path):
    folder = tmp_path / "r_dir.csv"
    folder.mkdir()
    with pytest.raises(sr.ResponseDataError, match="is a directory"):
        sr.read_responses(folder, minimal_q)


def test_row57_merged_cells_in_data(minimal_q, good, tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "r_merged_cells.xlsx"
    good.to_excel(path, index=False)
    wb = load_workbook(path)
    column = list(good.columns).index("o2") + 1
    wb.active.merge_cells(start_row=4, start_column=column, end_row=6, end_column=column)
    wb.save(path)
    with pytest.raises(sr.ResponseDataError, match=r"rows 4-6, column 'o2'\) are merged"):
        sr.read_responses(path, minimal_q)


def test_unreadable_sav_is_a_named_error(minimal_q, tmp_path):
    path = tmp_path / "broken.sav"
    path.write_bytes(b"not an spss file at all")
    with pytest.raises(sr.ResponseDataError, match="not a readable SPSS"):
        sr.read_responses(path, minimal_q)


# ----- LimeSurvey default codes, Kobo label headers, sources without durations ---------------------------
@pytest.fixture(scope="module")
def coded(default_q):
    sim = sr.simulate_responses(default_q, n=40, seed=7)
    out = sim.copy()
    for d in default_q.demographics:
        out[d.id] = out[d.id].map({o.value: o.code for o in d.options})
    return sim, out


@pytest.mark.parametrize("answer", ["A{}", "AO{:02d}"])
def test_limesurvey_default_codes(default_q, coded, tmp_path, answer):
    sim, codes = coded
    lime = pd.DataFrame({"id": range(1, 41), "submitdate": "2026-11-20 10:00:00"})
    for k, qq in enumerate(field_order(default_q)):
        options = [c for c, _ in choices_of(default_q, qq, "en")]
        column = f"G01Q{k + 1:02d}" if qq.kind in ("demographic", "behaviour") else f"G02Q01[SQ{k + 1:03d}]"
        lime[column] = codes[qq.id].map(lambda v, options=options: answer.format(options.index(v) + 1))
    path = tmp_path / "lime.csv"
    lime.to_csv(path, index=False)
    read = sr.read_responses(path, default_q)
    assert read.provenance["source"] == "limesurvey" and items_equal(read, sim, default_q)
    assert read.data["gender"].tolist() == sim["gender"].tolist()
    lime.drop(columns=["G02Q01[SQ010]"]).to_csv(path, index=False)
    with pytest.raises(sr.ResponseDataError, match="LimeSurvey's default codes"):
        sr.read_responses(path, default_q)


def test_kobo_label_headers_and_speeder_not_applied(default_q, coded, tmp_path):
    sim, codes = coded
    kobo = pd.DataFrame({"_uuid": [f"u{i}" for i in range(40)], "_submission_time": "2026-11-20T10:00:00"})
    for qq in field_order(default_q):
        group = default_q.construct(qq.section).name["en"] if qq.section in default_q.construct_ids else "About you"
        kobo[f"{group}/{qq.text('en')}"] = codes[qq.id].map(dict(choices_of(default_q, qq, "en")))
    path = tmp_path / "kobo_labels.csv"
    kobo.to_csv(path, index=False)
    read = sr.read_responses(path, default_q)
    assert read.provenance["source"] == "kobo" and items_equal(read, sim, default_q)
    flags = sr.quality_flags(read.data, default_q)
    with pytest.warns(sr.responses.ScreeningWarning, match="'speeder' not applied"):
        result = sr.apply_exclusions(read.data, flags, {"speeder": True, "attention": True})
    assert "completion times" in result.not_applied["speeder"] and "attention" not in result.not_applied


def test_sav_without_durations_reports_speeder_not_applied(default_q, coded, tmp_path):
    _, codes = coded
    path = tmp_path / "data.sav"
    pyreadstat.write_sav(codes[["respondent_id"] + [qq.id for qq in field_order(default_q)]], str(path))
    read = sr.read_responses(path, default_q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.responses.ScreeningWarning)
        result = sr.apply_exclusions(read.data, sr.quality_flags(read.data, default_q), {"speeder": True})
    assert list(result.not_applied) == ["speeder"] and any("not applied" in w for w in result.warnings)


def test_raw_file_is_never_modified(minimal_q, good, tmp_path):
    path = tmp_path / "r_semicolon.csv"
    good.to_csv(path, index=False, sep=";")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    code, _, stderr = run_cli("clean", MINIMAL, path, "-o", tmp_path / "clean.csv")
    assert code == 0, stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert len(pd.read_csv(tmp_path / "clean.csv")) == 60


@pytest.mark.parametrize("content", [b"\r\x00", b"id\r\x00x\n1\n"])
def test_a_bare_carriage_return_inside_a_field_is_a_named_error(tmp_path, minimal_q, content):
    """Hypothesis found it: csv's 'new-line character seen in unquoted field' escaped as a traceback from the
    delimiter sniffing (fit --data) and from reading the header (read_responses)."""
    path = tmp_path / "odd.csv"
    path.write_bytes(content)
    with pytest.raises(sr.ResponseDataError, match="odd.csv: cannot be read as CSV"):
        sr.read_responses(path, minimal_q)
    model = tmp_path / "m.lav"
    model.write_text("f =~ a + b + c\n", encoding="utf-8")
    code, out, err = run_cli("fit", "--model", str(model), "--data", str(path))
    assert code == 2
    assert "Traceback" not in out + err and len(err.strip().splitlines()) == 1 and err.startswith("error:")
    assert path.read_bytes() == content  # the raw input untouched
