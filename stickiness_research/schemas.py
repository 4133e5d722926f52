"""JSON Schemas of the YAML formats (questionnaires, study configs), generated from their pydantic models.

Editors that speak JSON Schema (VS Code's YAML extension and other clients of yaml-language-server,
JetBrains IDEs) autocomplete keys and flag mistakes as the user types when a YAML file starts with
``# yaml-language-server: $schema=<path of the schema>``; the shipped files do. The schemas are
written as JSON Schema draft-07, the draft every one of those editors implements in full (pydantic
writes 2020-12: ``$defs`` become ``definitions``, tuple ``prefixItems`` become ``items`` lists).

A schema checks the shape of a file (keys, types, ranges, id patterns); the cross-references between
blocks (an item naming an unknown construct, a cycle of hypotheses) are checked by the loaders, which
name the file and line. Regenerate the shipped copies with ``stickiness schema questionnaire -o
questionnaires/questionnaire.schema.json`` and ``stickiness schema study -o reports/study.schema.json``;
a test fails while they differ from the models.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from ._io import write_text
from ._validation import Options, check

KINDS = ("questionnaire", "study")
# Where the repository keeps each schema, relative to its root (beside the files it describes).
SHIPPED = {"questionnaire": "questionnaires/questionnaire.schema.json", "study": "reports/study.schema.json"}
DRAFT = "http://json-schema.org/draft-07/schema#"
_TITLES = {
    "questionnaire": ("stickiness_research questionnaire",
                      "A questionnaire definition (questionnaires/<instrument>.yaml): meta, response_sets, "
                      "constructs, items, attention_checks, demographics, hypotheses and the population model "
                      "used for simulation. Format: questionnaires/README.md; check a file with "
                      "`stickiness validate FILE`."),
    "study": ("stickiness_research study config",
              "A study config (reports/<study>.yaml): questionnaire, data (a survey export or a simulation), "
              "cleaning rules, model, alternatives, groups, analyses and report. Paths are relative to the "
              "config's folder. Run it with `stickiness report FILE`."),
}
# Keywords of drafts after 07 that an editor implementing draft-07 would silently ignore.
_NEWER_KEYWORDS = {"prefixItems", "$defs", "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
                   "dependentSchemas", "$anchor", "$dynamicRef", "$dynamicAnchor", "minContains", "maxContains"}


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft-07) of a questionnaire or of a study config.

    Parameters
    ----------
    kind : {"questionnaire", "study"}
        ``"questionnaire"``: the instrument files of ``questionnaires/`` (model
        :class:`~stickiness_research.questionnaire.schema.Questionnaire`, plus the scale-library
        includes ``{from: scales/file.yaml, id: construct}`` that the loader expands);
        ``"study"``: the study configs of ``reports/`` (model
        :class:`~stickiness_research.study_config.StudyConfig`).

    Returns
    -------
    dict
        A JSON-ready schema; keys in the models' field order, so its text is stable.

    Raises
    ------
    ParameterError
        ``kind`` is not one of the two formats.

    Examples
    --------
    >>> from stickiness_research.schemas import json_schema
    >>> schema = json_schema("questionnaire")
    >>> schema["$schema"], schema["required"]
    ('http://json-schema.org/draft-07/schema#', ['meta', 'constructs'])
    >>> sorted(json_schema("study")["definitions"]["ModelSpec"]["properties"]["estimator"]["enum"])
    ['ML', 'MLR', 'WLSMV']
    """
    check(kind, "kind", "json_schema", Options(KINDS))
    if kind == "questionnaire":
        from .questionnaire.schema import Questionnaire

        schema = _with_scale_includes(_draft7(Questionnaire))
    else:
        from .study_config import StudyConfig

        schema = _draft7(StudyConfig)
    title, description = _TITLES[kind]
    return {"$schema": DRAFT, "title": title, "description": description,
            **{k: v for k, v in schema.items() if k not in ("title", "description")}}


def schema_text(kind: str) -> str:
    """:func:`json_schema` as the text of the shipped file (2-space indent, UTF-8, final newline).

    Examples
    --------
    >>> from stickiness_research.schemas import schema_text
    >>> schema_text("study").splitlines()[1]
    '  "$schema": "http://json-schema.org/draft-07/schema#",'
    """
    return json.dumps(json_schema(kind), indent=2, ensure_ascii=False) + "\n"


def write_schema(kind: str, path: str | Path) -> Path:
    """Write the schema of ``kind`` to ``path`` atomically (the file is whole or untouched).

    Parameters
    ----------
    kind : {"questionnaire", "study"}
    path : str or Path
        The file to write, e.g. ``questionnaires/questionnaire.schema.json``.

    Returns
    -------
    Path

    Raises
    ------
    ParameterError
        An unknown ``kind``.
    OutputPathError
        ``path`` is a directory, lies under a file or in a folder that cannot be written.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> from stickiness_research.schemas import write_schema
    >>> target = write_schema("study", pathlib.Path(tempfile.mkdtemp()) / "study.schema.json")
    >>> json.loads(target.read_text(encoding="utf-8"))["title"]
    'stickiness_research study config'
    """
    from ._io import check_output

    text = schema_text(kind)
    return write_text(check_output(path), text)


def _draft7(model: Any) -> dict[str, Any]:
    """pydantic's 2020-12 schema of ``model`` as draft-07 (definitions, tuple items)."""
    schema = model.model_json_schema(by_alias=True, ref_template="#/definitions/{model}")
    if "$defs" in schema:
        schema = {"definitions": schema.pop("$defs"), **schema}

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: convert(v) for k, v in node.items()}
        if "prefixItems" in out:  # a tuple: draft-07 writes its positions as an `items` list
            out["items"] = out.pop("prefixItems")
            out.setdefault("additionalItems", False)
        return out

    schema = convert(schema)
    leftover = _NEWER_KEYWORDS & _keywords(schema)
    if leftover:  # a model change brought a keyword draft-07 editors would ignore: convert it above
        raise RuntimeError(f"the schema of {model.__name__} uses {sorted(leftover)}, which draft-07 lacks")
    return schema


def _keywords(node: Any, names: bool = False) -> set[str]:
    """Every keyword used in a schema (``names``: ``node`` maps property or definition names to schemas)."""
    if isinstance(node, list):
        return set().union(*(_keywords(v) for v in node))
    if not isinstance(node, dict):
        return set()
    found = set() if names else set(node)
    for key, value in node.items():
        found |= _keywords(value, names=not names and key in ("properties", "definitions", "patternProperties"))
    return found


def _with_scale_includes(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the loader's scale-library entries to the questionnaire schema.

    A ``constructs`` entry with ``from`` names a construct of a scale library (``{from:
    scales/stickiness_core.yaml, id: stickiness}``, any other construct key overriding the library's);
    the library brings the construct's items and response sets, so a questionnaire including one
    may leave ``items`` and ``response_sets`` out.
    """
    schema = copy.deepcopy(schema)
    definitions = schema["definitions"]
    construct = definitions["Construct"]
    definitions["ConstructInclude"] = {
        "additionalProperties": False,
        "description": "A construct taken, with its items, from a scale library (questionnaires/scales/*.yaml); "
                       "any other key overrides the library's.",
        "properties": {"from": {"title": "From", "type": "string",
                                "description": "The scale library file, relative to the questionnaire."},
                       **construct["properties"]},
        "required": ["from", "id"],
        "title": "ConstructInclude",
        "type": "object",
    }
    props = schema["properties"]
    props["constructs"]["items"] = {"if": {"type": "object", "required": ["from"]},
                                    "then": {"$ref": "#/definitions/ConstructInclude"},
                                    "else": {"$ref": "#/definitions/Construct"}}
    included = {"properties": {"constructs": {"contains": {"type": "object", "required": ["from"]}}}}
    deferred = [key for key in ("response_sets", "items") if key in schema["required"]]
    schema["required"] = [key for key in schema["required"] if key not in deferred]
    sizes = {key: {k: props[key].pop(k) for k in ("minItems", "minProperties") if k in props[key]}
             for key in deferred}
    # Without an include, the questionnaire itself must declare its response sets and items.
    schema["if"] = {"not": included}
    schema["then"] = {"required": deferred, "properties": {key: size for key, size in sizes.items() if size}}
    return schema


__all__ = ["KINDS", "SHIPPED", "json_schema", "schema_text", "write_schema"]
