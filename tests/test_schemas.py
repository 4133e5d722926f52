"""JSON Schemas of the YAML formats: shipped copies up to date, every shipped file names and passes its schema.

Files are validated with the ``jsonschema`` package (Draft7Validator), the way an editor checks them: going
through the pydantic models instead would test the models, not the schema files editors read. jsonschema
is installed with the dev dependencies (nbformat, which runs the notebooks, requires it).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.questionnaire.loader import _parse_yaml, _plain
from stickiness_research.schemas import KINDS, SHIPPED, json_schema, schema_text

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (a dev dependency, via nbformat) validates "
                                 "the YAML files against the JSON Schemas")
ROOT = Path(sr.questionnaires_dir()).parent
MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
SHIPPED_YAML = ([("questionnaire", p) for p in sorted((ROOT / "questionnaires").glob("*.yaml"))]
                + [("study", p) for p in sorted((ROOT / "reports").glob("*.yaml"))])
runner = CliRunner()


def validator(kind: str):
    schema = json_schema(kind)
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def tree(text: str, source: str = "<test>"):
    return _plain(_parse_yaml(text, source))


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_is_up_to_date(kind):
    path = ROOT / SHIPPED[kind]
    assert path.is_file(), f"{SHIPPED[kind]} is missing; run `stickiness schema {kind} -o {SHIPPED[kind]}`"
    assert json.loads(path.read_text(encoding="utf-8")) == json_schema(kind), (
        f"{SHIPPED[kind]} differs from the pydantic models; regenerate it with "
        f"`stickiness schema {kind} -o {SHIPPED[kind]}`")
    assert path.read_text(encoding="utf-8") == schema_text(kind), (
        f"{SHIPPED[kind]} is not formatted as written; regenerate it with `stickiness schema {kind} -o "
        f"{SHIPPED[kind]}`")


@pytest.mark.parametrize(("kind", "path"), SHIPPED_YAML, ids=[p.name for _, p in SHIPPED_YAML])
def test_shipped_yaml_names_its_schema_and_passes_it(kind, path):
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path.name}: first line must be '# yaml-language-server: $schema=<path>', got {first!r}"
    target = (path.parent / match.group(1)).resolve()  # editors resolve it against the YAML file's folder
    assert target == (ROOT / SHIPPED[kind]).resolve()
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator(kind).iter_errors(tree(path.read_text(encoding="utf-8"), str(path)))]
    assert errors == []


def test_shipped_questionnaires_and_studies_are_found():
    names = {p.name for _, p in SHIPPED_YAML}
    assert {"financial_social_media_stickiness.yaml", "securities_app_stickiness.yaml",
            "financial_wechat.yaml"} <= names


def test_questionnaire_schema_accepts_the_readme_example_and_scale_includes():
    readme = (ROOT / "questionnaires" / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    check = validator("questionnaire")
    assert list(check.iter_errors(tree(example))) == []
    included = tree("""\
meta: {id: reuse, version: "1", title: {zh: 复用, en: Reuse}, languages: [zh, en]}
constructs:
  - {from: scales/stickiness_core.yaml, id: convenience}
  - {from: scales/stickiness_core.yaml, id: stickiness, name: {zh: 黏性, en: Stickiness (short)}}
""")
    assert list(check.iter_errors(included)) == []  # items and response sets come from the library
    included["constructs"].append({"id": "trust", "name": {"en": "Trust"}})
    included["constructs"].append({"from": "scales/x.yaml", "id": "loyalty", "items": []})
    messages = [e.message for e in check.iter_errors(included)]
    assert messages == ["Additional properties are not allowed ('items' was unexpected)"]


@pytest.mark.parametrize(("edit", "message"), [
    (("    reverse: true", "    revers: true"), "'revers' was unexpected"),
    (("  - id: int1\n", "  - id: 1nt\n"), "does not match"),
    (("points: 5", "points: 12"), "12 is greater than the maximum of 11"),
    (("  - id: H1\n", "  - id: hyp1\n"), "does not match"),
])
def test_questionnaire_schema_flags_mistakes(edit, message):
    text = sr.builtin_questionnaire_path().read_text(encoding="utf-8")
    assert edit[0] in text
    messages = [e.message for e in validator("questionnaire").iter_errors(tree(text.replace(*edit, 1)))]
    assert any(message in m for m in messages), messages


def test_questionnaire_without_items_and_no_include_is_flagged():
    text = sr.builtin_questionnaire_path().read_text(encoding="utf-8")
    data = tree(text)
    del data["items"]
    assert [e.message for e in validator("questionnaire").iter_errors(data)] == ["'items' is a required property"]


@pytest.mark.parametrize(("edit", "message"), [
    (("estimator: MLR", "estimator: GLS"), "'GLS' is not one of"),
    (("  bootstrap:", "  bootstrapp:"), "'bootstrapp' was unexpected"),
    (("language: en", "language: fr"), "'fr' is not one of"),
])
def test_study_schema_flags_mistakes(edit, message):
    text = sr.builtin_study_path().read_text(encoding="utf-8")
    assert edit[0] in text, edit
    messages = [e.message for e in validator("study").iter_errors(tree(text.replace(*edit, 1)))]
    assert any(message in m for m in messages), messages


def test_loader_lines_count_the_schema_comment(tmp_path):
    """Errors in a shipped file (modeline first) name the line an editor shows."""
    text = sr.builtin_questionnaire_path().read_text(encoding="utf-8")
    bad = text.replace("construct: trust\n", "construct: trusst\n", 1)
    path = tmp_path / "q.yaml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(sr.QuestionnaireError, match="trusst") as info:
        sr.load_questionnaire(path)
    assert info.value.line == bad.splitlines().index("    construct: trusst") + 1
    study = sr.builtin_study_path().read_text(encoding="utf-8")
    assert "groups: [product_type]" in study
    config = tmp_path / "study.yaml"
    config.write_text(study.replace("groups: [product_type]", "groups: [income]").replace(
        "../questionnaires/", str(ROOT / "questionnaires") + "/"), encoding="utf-8")
    with pytest.raises(sr.StudyConfigError, match="group 'income'") as info:
        sr.load_study_config(config)
    assert info.value.line == study.splitlines().index("groups: [product_type]") + 1


def test_cli_prints_and_writes_the_schema(tmp_path):
    result = runner.invoke(app, ["schema", "study"])
    assert result.exit_code == 0 and json.loads(result.stdout) == json_schema("study")
    target = tmp_path / "sub" / "q.schema.json"
    result = runner.invoke(app, ["schema", "questionnaire", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8") == schema_text("questionnaire")
    assert sorted(p.name for p in target.parent.iterdir()) == ["q.schema.json"]  # no temporary file left


@pytest.mark.parametrize(("args", "message"), [
    (["schema", "questionaire"], "The 'KIND' parameter of stickiness schema must be one of 'questionnaire', "
                                 "'study'. Got 'questionaire' instead."),
    (["schema", "study", "-o", "{tmp}"], "is a directory, not a file"),
    (["schema", "study", "-o", "{tmp}/file.txt/s.json"], "is a file, not a folder"),
])
def test_cli_bad_input_is_one_red_line(tmp_path, args, message):
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    result = runner.invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
