"""Export a questionnaire to the formats survey tools and analysts use.

XLSForm (KoboToolbox / ODK), 问卷星 (wjx) text import, a codebook (Frictionless Table Schema JSON
with CSV and Markdown tables), a printable HTML page, an SPSS ``.sav`` template and lavaan model
syntax. Every export lists questions in :func:`field_order`, the one order used to field the
instrument, so readers of the tools' exports can match question numbers back to ids.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import jinja2
import pandas as pd

from .._io import atomic_path, check_output, write_text
from .._validation import Options
from .._validation import check as check_argument
from .schema import AttentionCheck, Demographic, Item, Questionnaire

FORMATS = ("xlsform", "wjx", "codebook", "html", "sav", "lavaan")
LANGUAGE_NAMES = {"zh": "Chinese", "en": "English"}
MISSING_CODES = ["", "-2", "-3"]  # blank; wjx: -2 skipped by logic, -3 not shown


@dataclass(frozen=True)
class Question:
    """One question as fielded: its number, id, kind and the object it came from."""

    number: int
    id: str
    kind: str  # "demographic", "behaviour", "item", "attention"
    source: Item | AttentionCheck | Demographic
    section: str  # construct id for items, "about_you" for demographics

    def text(self, language: str) -> str:
        t = self.source.text
        return t.get(language) or next(iter(t.values()))


def field_order(q: Questionnaire) -> list[Question]:
    """Questions in fielding order: demographics and behaviour first, then items construct by construct,
    each attention check right after the item it names in ``after`` (or at the end)."""
    out: list[Question] = []

    def add(obj, kind: str, section: str) -> None:
        out.append(Question(len(out) + 1, obj.id, kind, obj, section))

    for d in q.demographics:
        add(d, d.kind, "about_you")
    placed = set()
    for item in q.items:
        add(item, "item", item.construct)
        for check in q.attention_checks:
            if check.after == item.id:
                add(check, "attention", item.construct)
                placed.add(check.id)
    for check in q.attention_checks:
        if check.id not in placed:
            add(check, "attention", "attention")
    return out


def choices_of(q: Questionnaire, question: Question, language: str) -> list[tuple[int, str]]:
    """(code, label) of each answer option."""
    if isinstance(question.source, Demographic):
        return [(o.code, o.label.get(language) or next(iter(o.label.values()))) for o in question.source.options]
    rs = q.response_set_of(question.source)
    labels = rs.labels.get(language) or next(iter(rs.labels.values()))
    return list(zip(rs.codes, labels, strict=True))


def _language(q: Questionnaire, language: str | None) -> str:
    return check_argument(language or q.meta.language, "language", "export_questionnaire",
                          Options(tuple(q.meta.languages)))


# ----- XLSForm -----------------------------------------------------------------------------------
def to_xlsform(q: Questionnaire, path: Path) -> Path:
    """XLSForm workbook: ``survey``, ``choices`` and ``settings`` sheets, one label column per language.

    Likert items are ``select_one <response set>`` inside a field-list group per construct (one
    screen per scale); choice names are the numeric codes, so Kobo/ODK exports carry the codes the
    analysis uses. Attention checks are ordinary questions (a constraint would force the right answer
    and hide careless respondents).
    """
    from openpyxl import Workbook

    langs = q.meta.languages
    label_cols = [f"label::{LANGUAGE_NAMES.get(lang, lang)} ({lang})" for lang in langs]
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(["type", "name", *label_cols, "required", "appearance"])
    current = None
    for question in field_order(q):
        if question.section != current:
            if current is not None:
                survey.append(["end_group", "", *[""] * len(langs), "", ""])
            current = question.section
            title = ({lang: "About you" if lang == "en" else "基本信息" for lang in langs}
                     if current == "about_you" else
                     q.construct(current).name if current in q.construct_ids else
                     {lang: "Check" for lang in langs})
            survey.append(["begin_group", current, *[title.get(lang, current) for lang in langs], "",
                           "field-list"])
        list_name = question.id if isinstance(question.source, Demographic) else \
            (question.source.response_set or q.default_response_set)
        required = "yes" if getattr(question.source, "required", True) else "no"
        survey.append([f"select_one {list_name}", question.id, *[question.text(lang) for lang in langs], required,
                       "likert" if question.kind in ("item", "attention") else ""])
    survey.append(["end_group", "", *[""] * len(langs), "", ""])
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", *label_cols])
    for name, rs in q.response_sets.items():
        for k, code in enumerate(rs.codes):
            choices.append([name, code, *[(rs.labels.get(lang) or next(iter(rs.labels.values())))[k]
                                           for lang in langs]])
    for d in q.demographics:
        for o in d.options:
            choices.append([d.id, o.code, *[o.label.get(lang, o.value) for lang in langs]])
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    default = q.meta.language
    settings.append([q.meta.title.get(default), q.meta.id, q.meta.version.replace(".", ""),
                     f"{LANGUAGE_NAMES.get(default, default)} ({default})"])
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


# ----- 问卷星 ---------------------------------------------------------------------------------------
def to_wjx_text(q: Questionnaire, language: str) -> str:
    """问卷星 text import: ``1. 题目*[单选题]`` then one option per line, a blank line between questions.

    ``*`` marks a required question. Options are written in code order, so 问卷星's numeric export
    (选项序号) gives the codes 1..k the analysis uses.
    """
    blocks = []
    for question in field_order(q):
        star = "*" if getattr(question.source, "required", True) else ""
        lines = [f"{question.number}. {question.text(language)}{star}[单选题]"]
        lines += [label for _, label in choices_of(q, question, language)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# ----- codebook ----------------------------------------------------------------------------------
def codebook_table(q: Questionnaire) -> pd.DataFrame:
    """One row per variable: id, kind, construct, texts per language, values and labels, reverse, source."""
    rows = [{"variable": "respondent_id", "kind": "id", "construct": "", "reverse": False, "source": "",
             "values": "", **{f"text_{lang}": "Respondent identifier" for lang in q.meta.languages}}]
    for question in field_order(q):
        src = question.source
        lang0 = q.meta.languages[0]
        rows.append({
            "variable": question.id, "kind": question.kind,
            "construct": src.construct if isinstance(src, Item) else "",
            "reverse": bool(getattr(src, "reverse", False)),
            "source": (getattr(src, "source", None) or
                       (q.construct(src.construct).source if isinstance(src, Item) else "") or ""),
            "values": "; ".join(f"{code} = {label}" for code, label in choices_of(q, question, lang0)),
            **{f"text_{lang}": question.text(lang) for lang in q.meta.languages},
        })
    return pd.DataFrame(rows)


def to_table_schema(q: Questionnaire) -> dict:
    """Frictionless Table Schema (https://specs.frictionlessdata.io/table-schema/) of the response file."""
    fields = [{"name": "respondent_id", "type": "string", "constraints": {"required": True, "unique": True}}]
    lang0 = q.meta.languages[0]
    for question in field_order(q):
        src = question.source
        codes = [code for code, _ in choices_of(q, question, lang0)]
        field = {
            "name": question.id, "type": "integer", "title": question.text(lang0),
            "description": " / ".join(question.text(lang) for lang in q.meta.languages),
            "constraints": {"required": bool(getattr(src, "required", True)), "enum": codes,
                            "minimum": min(codes), "maximum": max(codes)},
            "kind": question.kind,
            "valueLabels": {lang: {str(c): lab for c, lab in choices_of(q, question, lang)}
                            for lang in q.meta.languages},
        }
        if isinstance(src, Item):
            field.update(construct=src.construct, reverse=src.reverse,
                         source=src.source or q.construct(src.construct).source)
        if isinstance(src, AttentionCheck):
            field["expected"] = src.expected
        fields.append(field)
    return {"fields": fields, "primaryKey": "respondent_id", "missingValues": MISSING_CODES,
            "title": q.meta.title, "questionnaire": {"id": q.meta.id, "version": q.meta.version,
                                                     "citation": q.meta.citation}}


def _markdown_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |")
    return "\n".join(lines) + "\n"


def to_codebook(q: Questionnaire, path: Path) -> Path:
    """Write ``<name>.json`` (Table Schema) plus ``<name>.csv`` and ``<name>.md``; returns the JSON path."""
    json_path = path.with_suffix(".json")
    write_text(json_path, json.dumps(to_table_schema(q), ensure_ascii=False, indent=2) + "\n")
    table = codebook_table(q)
    with atomic_path(path.with_suffix(".csv")) as tmp:
        table.to_csv(tmp, index=False, quoting=csv.QUOTE_MINIMAL, encoding="utf-8")
    header = f"# Codebook: {q.meta.title.get(q.meta.language)} ({q.meta.id} {q.meta.version})\n\n"
    write_text(path.with_suffix(".md"), header + _markdown_table(table))
    return json_path


# ----- printable HTML ----------------------------------------------------------------------------
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("stickiness_research.questionnaire", "templates"),
                          autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def to_html(q: Questionnaire, language: str) -> str:
    """One self-contained printable page (inline CSS, no external assets), grouped by section."""
    sections: list[dict] = []
    for question in field_order(q):
        if not sections or sections[-1]["id"] != question.section:
            title = ("About you" if language == "en" else "基本信息") if question.section == "about_you" else \
                q.name_of(question.section, language) if question.section in q.construct_ids else ""
            sections.append({"id": question.section, "title": title, "questions": []})
        sections[-1]["questions"].append({"number": question.number, "id": question.id, "text": question.text(language),
                                          "grid": question.kind in ("item", "attention"),
                                          "choices": choices_of(q, question, language)})
    intro = q.meta.intro.get(language, "") if q.meta.intro else ""
    return _ENV.get_template("printable.html.j2").render(
        lang=language, title=q.meta.title.get(language), intro=intro, sections=sections,
        footer=f"{q.meta.id} {q.meta.version}")


# ----- SPSS --------------------------------------------------------------------------------------
def to_sav(q: Questionnaire, path: Path, language: str) -> Path:
    """An empty SPSS data file with every variable, its label (question text) and value labels."""
    import pyreadstat

    order = field_order(q)
    frame = pd.DataFrame({"respondent_id": pd.Series([], dtype=str),
                          **{question.id: pd.Series([], dtype=float) for question in order}})
    labels = {"respondent_id": "Respondent identifier",
              **{question.id: question.text(language)[:255] for question in order}}
    value_labels = {question.id: {float(c): lab for c, lab in choices_of(q, question, language)} for question in order}
    measure = {question.id: ("ordinal" if question.kind in ("item", "attention") else "nominal") for question in order}
    with atomic_path(path) as tmp:
        pyreadstat.write_sav(frame, str(tmp), column_labels=labels, variable_value_labels=value_labels,
                             variable_measure=measure, file_label=f"{q.meta.id} {q.meta.version}")
    return path


# ----- entry point -------------------------------------------------------------------------------
def export_questionnaire(q: Questionnaire, fmt: str, path: str | Path, *, language: str | None = None) -> Path:
    """Write a questionnaire in one of the export formats.

    Parameters
    ----------
    q : Questionnaire
    fmt : {"xlsform", "wjx", "codebook", "html", "sav", "lavaan"}
    path : str or Path
        Output file (``codebook`` also writes ``.csv`` and ``.md`` files beside the ``.json``).
    language : str, optional
        Language of single-language exports (wjx, html, sav); default: the questionnaire's.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ParameterError
        Unknown format or a language the questionnaire does not have.
    OutputPathError
        ``path`` is a directory, lies under a file or in a read-only folder, or is the questionnaire's
        own file (checked before anything is written; every file is written atomically).

    Examples
    --------
    >>> import tempfile, pathlib, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "form.txt"
    >>> text = sr.export_questionnaire(q, "wjx", out, language="en").read_text(encoding="utf-8")
    >>> text.splitlines()[0]
    '1. Which type of financial product or service do you mainly use through the account?*[单选题]'
    """
    check_argument(fmt, "fmt", "export_questionnaire", Options(FORMATS))
    path = Path(path)
    targets = [path.with_suffix(s) for s in (".json", ".csv", ".md")] if fmt == "codebook" else [path]
    for target in targets:
        check_output(target, inputs=[q.source] if q.source else [], option="path")
    lang = _language(q, language)
    if fmt == "xlsform":
        return to_xlsform(q, path)
    if fmt == "wjx":
        return write_text(path, to_wjx_text(q, lang))
    if fmt == "codebook":
        return to_codebook(q, path)
    if fmt == "html":
        return write_text(path, to_html(q, lang))
    if fmt == "sav":
        return to_sav(q, path, lang)
    header = f"# lavaan / semopy model syntax of {q.meta.id} {q.meta.version}, from its hypotheses\n"
    return write_text(path, header + q.model_syntax())
