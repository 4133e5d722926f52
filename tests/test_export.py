"""Questionnaire exports open in the tools they are for; random questionnaires survive export and reload."""

from __future__ import annotations

import json
import warnings
import xml.etree.ElementTree as ET
from html import escape as html_escape

import pandas as pd
import pyreadstat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pyxform.xls2xform import xls2xform_convert
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.questionnaire.exporters import field_order


def test_xlsform_converts_with_pyxform(default_q, tmp_path):
    form = default_q.export("xlsform", tmp_path / "form.xlsx")
    warnings = xls2xform_convert(form, tmp_path / "form.xml", validate=False)
    assert not [w for w in warnings if "error" in w.lower()]
    xml = (tmp_path / "form.xml").read_text(encoding="utf-8")
    root = ET.fromstring(xml)
    binds = {b.get("nodeset").rsplit("/", 1)[-1]: b for b in root.iter("{http://www.w3.org/2002/xforms}bind")}
    for item in default_q.item_ids + ["attn1", "product_type"]:
        assert item in binds, item
    assert binds["int1"].get("required") == "true()"
    assert "非常同意" in xml and "Strongly agree" in xml  # both languages' labels travel


def test_xlsform_sheets_and_language_columns(default_q, tmp_path):
    wb = load_workbook(default_q.export("xlsform", tmp_path / "form.xlsx"))
    assert {"survey", "choices", "settings"} <= set(wb.sheetnames)
    header = [c.value for c in wb["survey"][1]]
    assert "label::Chinese (zh)" in header and "label::English (en)" in header
    settings_row = [c.value for c in wb["settings"][2]]
    assert settings_row[1] == default_q.meta.id and settings_row[3] == "Chinese (zh)"
    choices = pd.DataFrame(list(wb["choices"].values)[1:], columns=[c.value for c in wb["choices"][1]])
    assert choices[choices["list_name"] == "agree5"]["name"].tolist() == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_wjx_text_follows_the_batch_import_convention(default_q, tmp_path, lang):
    text = default_q.export("wjx", tmp_path / "wjx.txt", language=lang).read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    order = field_order(default_q)
    assert len(blocks) == len(order)
    for block, question in zip(blocks, order, strict=True):
        head, *options = block.split("\n")
        assert head == f"{question.number}. {question.text(lang)}*[单选题]"
        assert len(options) >= 2
    first_item = next(q for q in order if q.id == "int1")
    assert blocks[first_item.number - 1].split("\n")[1:] == default_q.response_sets["agree5"].labels[lang]


def test_codebook_json_csv_and_markdown(default_q, tmp_path):
    path = default_q.export("codebook", tmp_path / "codebook.json")
    schema = json.loads(path.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in schema["fields"]}
    assert schema["primaryKey"] == "respondent_id" and "-2" in schema["missingValues"]
    assert fields["con4"]["reverse"] is True and fields["con4"]["construct"] == "convenience"
    assert fields["int1"]["constraints"] == {"required": True, "enum": [1, 2, 3, 4, 5], "minimum": 1, "maximum": 5}
    assert fields["attn1"]["expected"] == 4
    assert fields["int1"]["valueLabels"]["en"]["5"] == "Strongly agree"
    table = pd.read_csv(tmp_path / "codebook.csv")
    assert len(table) == len(fields) and {"text_zh", "text_en", "reverse", "source"} <= set(table.columns)
    md = (tmp_path / "codebook.md").read_text(encoding="utf-8")
    assert md.count("\n| ") == len(fields) + 2  # header, rule, one row per variable


def test_printable_html_is_self_contained(default_q, tmp_path):
    html = default_q.export("html", tmp_path / "q.html", language="en").read_text(encoding="utf-8")
    assert "<link" not in html and "src=" not in html
    assert html_escape(default_q.meta.title["en"]).replace("&#x27;", "&#39;") in html and "Strongly agree" in html
    assert html.count('class="box"') > len(default_q.items) * 5 - 1


def test_sav_template_reads_back_with_labels(default_q, tmp_path):
    path = default_q.export("sav", tmp_path / "template.sav", language="en")
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    assert meta.column_names[0] == "respondent_id"
    assert set(default_q.item_ids) <= set(meta.column_names)
    assert meta.column_names_to_labels["int1"] == default_q.item("int1").text["en"]
    assert meta.variable_value_labels["int1"][5.0] == "Strongly agree"
    assert meta.variable_value_labels["product_type"][1.0] == default_q.demographic("product_type").options[0].label["en"]


def test_lavaan_export_fits(default_q, tmp_path):
    syntax = default_q.export("lavaan", tmp_path / "model.lav").read_text(encoding="utf-8")
    data = sr.reverse_code(sr.simulate_responses(default_q, n=200, seed=1), default_q)
    assert sr.fit_sem(syntax, data).fit_measures["df"] > 0


def test_unknown_format_and_language_are_named_errors(default_q, tmp_path):
    with pytest.raises(sr.ParameterError, match="'fmt' parameter"):
        default_q.export("pdf", tmp_path / "x.pdf")
    with pytest.raises(sr.ParameterError, match="'language' parameter"):
        default_q.export("wjx", tmp_path / "x.txt", language="fr")


def test_cli_export(tmp_path):
    out = tmp_path / "form.xlsx"
    result = CliRunner().invoke(app, ["export", str(sr.builtin_questionnaire_path()), "--to", "xlsform", "-o",
                                      str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()
    bad = CliRunner().invoke(app, ["export", str(sr.builtin_questionnaire_path()), "--to", "pdf", "-o", str(out)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


# ----- property-based: random questionnaires --------------------------------------------------------
TEXT = st.text(alphabet=st.sampled_from(list("abcXYZ 问卷题目满意&<>\"'")), min_size=1, max_size=12).map(
    lambda s: s.strip() or "x")


@st.composite
def questionnaires(draw):
    n_constructs = draw(st.integers(1, 3))
    lines = ["meta:", "  id: random_q", '  version: "1"', "  title: {zh: 问卷, en: Survey}", "  languages: [zh, en]",
             "response_sets:", "  agree5:", "    points: 5", "    labels:",
             "      zh: [一, 二, 三, 四, 五]", "      en: [a, b, c, d, e]", "constructs:"]
    items = []
    for c in range(n_constructs):
        lines += [f"  - id: c{c}", f"    name: {{zh: {json.dumps(draw(TEXT), ensure_ascii=False)}, en: c{c}}}"]
        items += [(f"c{c}", f"c{c}_{k}", draw(TEXT), draw(st.booleans())) for k in range(draw(st.integers(2, 4)))]
    lines.append("items:")
    for construct, item_id, text, reverse in items:
        lines += [f"  - id: {item_id}", f"    construct: {construct}",
                  f"    text: {{zh: {json.dumps(text, ensure_ascii=False)}, en: {json.dumps(text + ' en')}}}",
                  f"    reverse: {str(reverse).lower()}"]
    return "\n".join(lines) + "\n", [i[1] for i in items]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(questionnaires())
def test_random_questionnaires_survive_export_and_reload(tmp_path, drawn):
    text, item_ids = drawn
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sr.QuestionnaireWarning)  # two-item constructs are allowed, with a warning
        q = sr.loads_questionnaire(text)
    schema = json.loads(q.export("codebook", tmp_path / "cb.json").read_text(encoding="utf-8"))
    assert [f["name"] for f in schema["fields"]][1:] == item_ids
    wb = load_workbook(q.export("xlsform", tmp_path / "f.xlsx"))
    names = [r[1] for r in wb["survey"].iter_rows(min_row=2, values_only=True) if r[0].startswith("select_one")]
    assert names == item_ids
    _, meta = pyreadstat.read_sav(str(q.export("sav", tmp_path / "t.sav")), metadataonly=True)
    assert meta.column_names[1:] == item_ids
    html = q.export("html", tmp_path / "q.html").read_text(encoding="utf-8")
    assert "<script" not in html  # texts with < > & are escaped, never markup


VALID = (sr.builtin_questionnaire_path()).read_text(encoding="utf-8")


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_malformed_yaml_raises_only_questionnaire_errors(data):
    lines = VALID.splitlines()
    kind = data.draw(st.sampled_from(["delete", "indent", "garble", "truncate"]))
    k = data.draw(st.integers(0, len(lines) - 1))
    if kind == "delete":
        lines = lines[:k] + lines[k + 1:]
    elif kind == "indent":
        lines[k] = "   " + lines[k]
    elif kind == "garble":
        lines[k] = lines[k].replace(":", " ", 1) if ":" in lines[k] else lines[k] + ": ["
    else:
        lines = lines[:k]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sr.QuestionnaireWarning)
            sr.loads_questionnaire("\n".join(lines))
    except sr.QuestionnaireError:
        pass  # the only acceptable failure


def test_readme_minimal_example_loads_and_simulates():
    readme = (sr.questionnaires_dir() / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    q = sr.loads_questionnaire(example, source="questionnaires/README.md")
    data = sr.reverse_code(sr.simulate_responses(q, n=300, seed=1), q)
    assert sr.fit_sem(q, data).estimates.query("label == 'h1'")["std_all"].iloc[0] == pytest.approx(0.4, abs=0.15)


def test_second_instrument_runs_the_demo_pipeline(tmp_path):
    from stickiness_research.report import write_report
    from stickiness_research.study import run_demo

    path = sr.questionnaires_dir() / "securities_app_stickiness.yaml"
    study = run_demo(path, n=300, seed=3, n_boot=50)
    html = write_report(study, tmp_path, formats=["html"])["html"].read_text(encoding="utf-8")
    assert "Personalized service" in html and "H8" in html
    assert study.questionnaire.response_sets["agree7"].points == 7
    assert study.sem.fit_measures["cfi"] > 0.95


def test_questionnaire_renders_in_jupyter(default_q):
    html = default_q._repr_html_()
    assert "互动性" in html and "con4<sup>R</sup>" in html and "<b>H8</b>" in html


def test_constructs_are_included_from_a_scale_library(tmp_path):
    library = sr.questionnaires_dir() / "scales" / "stickiness_core.yaml"
    text = f"""\
meta: {{id: reuse, version: "1", title: {{zh: 复用, en: Reuse}}, languages: [zh, en]}}
constructs:
  - {{from: {library}, id: convenience}}
  - {{from: {library}, id: stickiness, name: {{zh: 黏性, en: Stickiness (short)}}}}
hypotheses:
  - {{id: H1, from: convenience, to: stickiness, text: {{zh: 便利性影响黏性, en: Convenience matters}}}}
"""
    q = sr.loads_questionnaire(text)
    assert q.construct_ids == ["convenience", "stickiness"]
    assert [i.id for i in q.items_of("stickiness")] == ["sti1", "sti2", "sti3", "sti4"]
    assert q.item("con3").reverse and q.construct("stickiness").name["en"] == "Stickiness (short)"
    fields = {f["name"]: f for f in json.loads(q.export("codebook", tmp_path / "cb.json").read_text())["fields"]}
    assert fields["sti1"]["source"].startswith("Li, D., Browne")  # the citation travels with the scale
    bad = text.replace("id: convenience}", "id: loyalty}")
    with pytest.raises(sr.QuestionnaireError, match="has no construct 'loyalty'") as info:
        sr.loads_questionnaire(bad, source=str(tmp_path / "q.yaml"))
    assert info.value.line == 3
