"""Each questionnaire rule raises a QuestionnaireError naming the file, line, field and a fix."""

from __future__ import annotations

import warnings

import pytest

import stickiness_research as sr
from stickiness_research import QuestionnaireError, QuestionnaireWarning


def load(text: str) -> sr.Questionnaire:
    return sr.loads_questionnaire(text, source="study.yaml")


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line ending with needle."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if line.rstrip().endswith(needle)]
    return hits[occurrence - 1]


def test_minimal_fixture_is_valid(minimal_text):
    q = load(minimal_text)
    assert q.construct_ids == ["driver", "outcome"]
    assert q.reverse_items == ["d3"]
    assert q.model_syntax() == ("# minimal 0.1: measurement model\n"
                                "driver =~ d1 + d2 + d3\noutcome =~ o1 + o2 + o3\n"
                                "# structural model: one labelled path per hypothesis\noutcome ~ h1*driver\n")


def test_item_naming_unknown_construct(minimal_text):
    text = minimal_text.replace("construct: outcome\n    text: {zh: 题五", "construct: outcom\n    text: {zh: 题五")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    e = info.value
    assert e.file == "study.yaml" and e.line == line_of(text, "construct: outcom")
    assert e.field == "items[4].construct"
    assert "item 'o2' names unknown construct 'outcom'" in str(e)
    assert "Known constructs: driver, outcome" in e.hint


def test_duplicate_ids_across_blocks(minimal_text):
    text = minimal_text.replace("- id: o3", "- id: d1")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "duplicate id 'd1' (already used by items[0])" in str(info.value)
    assert info.value.line == line_of(text, "- id: d1", 2)
    # a demographic may not reuse an item id either: they become data columns
    text = minimal_text.replace("- id: segment", "- id: o1")
    with pytest.raises(QuestionnaireError, match="duplicate id 'o1'"):
        load(text)


def test_reverse_item_on_non_ordinal_set(minimal_text):
    text = minimal_text.replace("reverse: true", "reverse: true\n    response_set: yesno")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "item 'd3' is reverse-keyed but its response set is not ordinal" in str(info.value)
    assert info.value.line == line_of(text, "reverse: true")
    assert info.value.field == "items[2].reverse"


def test_hypothesis_naming_unknown_construct(minimal_text):
    text = minimal_text.replace("from: driver\n    to: outcome", "from: drivr\n    to: outcome")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "hypothesis H1 names unknown construct 'drivr'" in str(info.value)
    assert info.value.line == line_of(text, "from: drivr")


def test_missing_translation(minimal_text):
    text = minimal_text.replace("text: {zh: 题二, en: Item two}", "text: {zh: 题二}")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "missing translation: no 'en' text" in str(info.value)
    assert info.value.line == line_of(text, "text: {zh: 题二}")
    assert info.value.field == "items[1].text"


def test_construct_with_fewer_than_three_items_warns(minimal_text):
    text = minimal_text.replace("  - id: o3\n    construct: outcome\n    text: {zh: 题六, en: Item six}\n", "")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        q = load(text)
    messages = [str(w.message) for w in caught if issubclass(w.category, QuestionnaireWarning)]
    assert len(messages) == 1
    assert "construct 'outcome' has 2 item(s); fewer than 3" in messages[0]
    assert messages[0].startswith(f"study.yaml:{line_of(text, '- id: outcome')}:")
    assert q.warnings == messages


def test_construct_without_items_is_an_error(minimal_text):
    text = minimal_text.replace("constructs:\n", "constructs:\n  - id: lonely\n    name: {zh: 孤, en: Lonely}\n")
    with pytest.raises(QuestionnaireError, match="construct 'lonely' has no items"):
        load(text)


def test_unknown_key_names_allowed_keys(minimal_text):
    text = minimal_text.replace("reverse: true", "revers: true")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "unknown key 'revers'" in str(info.value)
    assert "reverse" in info.value.hint and info.value.line == line_of(text, "revers: true")


def test_missing_required_key(minimal_text):
    text = minimal_text.replace("    construct: driver\n    text: {zh: 题一, en: Item one}\n",
                                "    construct: driver\n")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "required key 'text' is missing" in str(info.value)
    assert info.value.field == "items[0].text"


def test_yaml_syntax_error_has_line(minimal_text):
    text = minimal_text.replace("  version: \"0.1\"", "  version: \"0.1\n  oops: [")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "YAML syntax error" in str(info.value) and info.value.line is not None


def test_duplicate_yaml_key(minimal_text):
    text = minimal_text.replace("  version: \"0.1\"", "  version: \"0.1\"\n  version: \"0.2\"")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "duplicate key" in str(info.value) and info.value.line == 4


def test_likert_label_count_must_equal_points(minimal_text):
    text = minimal_text.replace("en: [Strongly disagree, Disagree, Neutral, Agree, Strongly agree]",
                                "en: [Strongly disagree, Disagree, Agree, Strongly agree]")
    with pytest.raises(QuestionnaireError, match="4 'en' labels for a 5-point scale"):
        load(text)


def test_attention_check_expected_outside_scale(minimal_text):
    text = minimal_text.replace("expected: 4", "expected: 6")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "expected answer 6 is outside the response set (codes 1..5)" in str(info.value)
    assert info.value.line == line_of(text, "expected: 6")


def test_hypotheses_must_not_form_a_cycle(minimal_text):
    text = minimal_text.replace("population:", """  - id: H2
    from: outcome
    to: driver
    text: {zh: 反向, en: Reverse}
population:""")
    with pytest.raises(QuestionnaireError, match="hypotheses form a cycle"):
        load(text)


def test_indirect_hypothesis_needs_its_direct_paths(minimal_text):
    text = minimal_text.replace("population:", """  - id: H2
    from: driver
    via: [outcome]
    to: driver
    text: {zh: 中介, en: Mediation}
population:""")
    with pytest.raises(QuestionnaireError, match="same construct twice"):
        load(text)


def test_weights_must_sum_to_one(minimal_text):
    text = minimal_text.replace("weight: 0.5}\n      - {code: 2", "weight: 0.4}\n      - {code: 2")
    with pytest.raises(QuestionnaireError, match="option weights sum to 0.9000, not 1"):
        load(text)


def test_invalid_id(minimal_text):
    text = minimal_text.replace("- id: d1", "- id: 1d")
    with pytest.raises(QuestionnaireError) as info:
        load(text)
    assert "'1d' is not a valid id" in str(info.value)


def test_file_errors(tmp_path):
    with pytest.raises(QuestionnaireError, match="file not found"):
        sr.load_questionnaire(tmp_path / "absent.yaml")
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="the file is empty"):
        sr.load_questionnaire(empty)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="must hold a mapping"):
        sr.load_questionnaire(listing)
