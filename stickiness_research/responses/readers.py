"""Read survey-tool exports into tidy responses: one row per respondent, item columns named by item id.

Sources: generic CSV/XLSX with item-id columns, 问卷星 (wjx) exports (numeric or option-text), Qualtrics
CSV (three header rows, or the legacy two), LimeSurvey CSV, SPSS ``.sav`` and Kobo/ODK exports of our
XLSForm. Columns are matched to questions by id, by the question number of the fielding order
(:func:`~stickiness_research.questionnaire.exporters.field_order`) or by question text; answers by
code or by option label in any of the questionnaire's languages. The raw file is only read.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ResponseDataError
from ..questionnaire import Questionnaire
from ..questionnaire.exporters import Question, choices_of, field_order
from ..questionnaire.schema import Demographic

SOURCES = ("auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo")
WJX_META = {"序号": "respondent_id", "提交答卷时间": "submitted_at", "所用时间": "duration_seconds"}
WJX_STRUCTURAL_MISSING = {"-2", "-3", "(跳过)", "(空)"}  # -2 skipped by logic, -3 not shown
PII_COLUMNS = ("来自IP", "IP", "IPAddress", "ip", "LocationLatitude", "LocationLongitude", "RecipientEmail",
               "RecipientFirstName", "RecipientLastName", "ipaddr", "来源详情", "用户ID", "姓名", "手机", "电话",
               "邮箱", "email", "phone", "name")


@dataclass(frozen=True, eq=False)
class Responses:
    """Answers read from a file, checked against the questionnaire, with where they came from.

    Attributes
    ----------
    data : DataFrame
        respondent_id, demographics (option values), items and attention checks (nullable Int64
        codes), duration_seconds and submitted_at when the tool records them.
    questionnaire : Questionnaire
    flags : DataFrame or None
        Quality indices per respondent (see :func:`stickiness_research.quality_flags`), once computed.
    exclusions : DataFrame
        respondent_id, rule, value, threshold of every excluded respondent.
    provenance : dict
        file, sha256, source, rows read, column mapping, identifying columns dropped.
    """

    data: pd.DataFrame
    questionnaire: Questionnaire = field(repr=False)
    provenance: dict
    flags: pd.DataFrame | None = None
    exclusions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["respondent_id", "rule", "value", "threshold"]))

    def __repr__(self) -> str:
        return (f"Responses({len(self.data)} respondents, {self.provenance.get('source')} from "
                f"{Path(self.provenance.get('file', '?')).name}, {len(self.exclusions)} exclusion records)")

    def _repr_html_(self) -> str:
        p = self.provenance
        return (f"<p><b>Responses</b>: {len(self.data)} respondents from <code>{Path(p['file']).name}</code> "
                f"({p['source']}), SHA-256 <code>{p['sha256'][:12]}…</code>; dropped identifying columns: "
                f"{', '.join(p['pii_dropped']) or 'none'}</p>" + self.data.head().to_html(index=False))


def read_responses(path: str | Path, q: Questionnaire, source: str = "auto") -> Responses:
    """Read a survey export and check it against the questionnaire.

    Parameters
    ----------
    path : str or Path
        A CSV, XLSX or SAV file exported from a survey tool.
    q : Questionnaire
        The instrument the answers belong to.
    source : {"auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo"}
        The tool that wrote the file; ``auto`` detects it from the extension and the headers.

    Returns
    -------
    Responses

    Raises
    ------
    ResponseDataError
        Naming the row (as numbered in the file) and column: an empty file, item columns that are
        missing, an answer out of the response set's range, a label that is not an option,
        duplicate respondent ids, an unknown source.

    Examples
    --------
    >>> import tempfile, pathlib, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.csv"
    >>> sr.simulate_responses(q, n=20, seed=1).to_csv(path, index=False)
    >>> sr.read_responses(path, q)
    Responses(20 respondents, csv from answers.csv, 0 exclusion records)
    """
    path = Path(path)
    if source not in SOURCES:
        raise ResponseDataError(f"unknown source {source!r}; use one of {', '.join(SOURCES)}.")
    if not path.is_file():
        raise ResponseDataError(f"{path}: file not found.")
    raw_bytes = path.read_bytes()
    if not raw_bytes.strip():
        raise ResponseDataError(f"{path}: the file is empty.")
    frame, header_rows, texts = _load_table(path, source)
    if source == "auto":
        source = _detect(path, frame)
    if frame.empty:
        raise ResponseDataError(f"{path}: the file has a header but no responses.")
    pii = [c for c in frame.columns if str(c).strip() in PII_COLUMNS]
    frame = frame.drop(columns=pii)
    mapping = _match_columns(frame.columns, q, texts, source)
    missing = [qq.id for qq in field_order(q) if qq.kind == "item" and qq.id not in mapping.values()]
    if missing:
        raise ResponseDataError(f"{path}: no column for item(s) {', '.join(missing)}; columns are "
                                f"{[str(c) for c in frame.columns][:12]}... Name item columns by item id, or "
                                f"keep the survey tool's question numbers and texts.")
    questions = {qq.id: qq for qq in field_order(q)}
    out = pd.DataFrame(index=frame.index)
    out["respondent_id"] = _respondent_ids(frame, source, path, header_rows)
    for column, qid in mapping.items():
        out[qid] = _answers(frame[column], q, questions[qid], path, column, header_rows)
    duration = _duration(frame, source)
    if duration is not None:
        out["duration_seconds"] = duration
    if "提交答卷时间" in frame.columns:
        out["submitted_at"] = frame["提交答卷时间"].astype(str)
    out = out.reset_index(drop=True)
    provenance = {"file": str(path), "sha256": hashlib.sha256(raw_bytes).hexdigest(), "source": source,
                  "rows_read": len(out), "columns": {str(k): v for k, v in mapping.items()},
                  "pii_dropped": [str(c) for c in pii]}
    return Responses(out, q, provenance)


# ----- loading -----------------------------------------------------------------------------------
def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "gb18030"):  # Chinese Excel saves CSV as GBK
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, **kwargs)
        except UnicodeDecodeError:
            continue
    raise ResponseDataError(f"{path}: cannot decode the file as UTF-8 or GB18030; save it as UTF-8 CSV.")


def _load_table(path: Path, source: str) -> tuple[pd.DataFrame, int, dict[str, str]]:
    """The answers, how many header rows precede row 1 of the data, and question texts by column."""
    suffix = path.suffix.lower()
    if suffix == ".sav" or source == "sav":
        import pyreadstat

        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
        texts = {c: lab for c, lab in (meta.column_names_to_labels or {}).items() if lab}
        return frame.astype(object).where(frame.notna(), ""), 1, texts
    if suffix in (".xlsx", ".xls"):
        frame = pd.read_excel(path, dtype=str).fillna("")
    else:
        frame = _read_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    texts: dict[str, str] = {}
    header_rows = 1
    # Qualtrics: row 2 holds question texts, row 3 (newer exports) ImportId JSON.
    if len(frame) and ("ResponseId" in frame.columns or "ResponseID" in frame.columns or "V1" in frame.columns):
        first = frame.iloc[0]
        texts = {c: str(first[c]) for c in frame.columns}
        skip = 2 if len(frame) > 1 and str(frame.iloc[1].iloc[0]).startswith('{"ImportId"') else 1
        frame = frame.iloc[skip:].reset_index(drop=True)
        header_rows += skip
    return frame, header_rows, texts


def _detect(path: Path, frame: pd.DataFrame) -> str:
    cols = set(frame.columns)
    if path.suffix.lower() == ".sav":
        return "sav"
    if cols & {"提交答卷时间", "所用时间"} or any(re.match(r"^\d+[、.]", c) for c in cols):
        return "wjx"
    if cols & {"ResponseId", "ResponseID"}:
        return "qualtrics"
    if "interviewtime" in cols or any(re.search(r"\[\w+\]$", c) for c in cols):
        return "limesurvey"
    if cols & {"_uuid", "_submission_time", "meta/instanceID"}:
        return "kobo"
    return "xlsx" if path.suffix.lower() in (".xlsx", ".xls") else "csv"


# ----- columns -----------------------------------------------------------------------------------
def _match_columns(columns, q: Questionnaire, texts: dict[str, str], source: str) -> dict[str, str]:
    """Column -> question id, by id, by wjx/Qualtrics question number, or by question text."""
    order = field_order(q)
    ids = {qq.id for qq in order}
    by_number = {qq.number: qq for qq in order}
    mapping: dict[str, str] = {}
    for column in columns:
        name = str(column).strip()
        candidates = [name, name.rsplit("/", 1)[-1]]  # Kobo group prefixes: group_x/int1
        bracket = re.search(r"\[(\w+)\]$", name)  # LimeSurvey: construct[int1]
        if bracket:
            candidates.append(bracket.group(1))
        hit = next((c for c in candidates if c in ids), None)
        if hit is None:
            numbered = re.match(r"^(?:Q)?(\d+)[、.．:：]\s*(.*)$", name)
            if numbered and int(numbered.group(1)) in by_number and source in ("wjx", "auto", "csv", "xlsx"):
                question = by_number[int(numbered.group(1))]
                _check_text(question, numbered.group(2), q, name)
                hit = question.id
            elif name in texts:
                hit = _by_text(texts[name], order, q)
        if hit is not None and hit not in mapping.values():
            mapping[column] = hit
    return mapping


def _similar(a: str, b: str) -> float:
    norm = lambda s: re.sub(r"[\s*：:？?。.，,（）()]+", "", s)  # noqa: E731
    return difflib.SequenceMatcher(None, norm(a), norm(b)).ratio()


def _check_text(question: Question, text: str, q: Questionnaire, column: str) -> None:
    if not text.strip():
        return
    best = max(_similar(text, question.text(lang)) for lang in q.meta.languages)
    if best < 0.6:
        raise ResponseDataError(f"column {column!r}: question {question.number} should be {question.id!r} "
                                f"(\"{question.text(q.meta.language)[:40]}…\") but its text differs; was the "
                                "survey fielded from another version of the questionnaire?")


def _by_text(text: str, order: list[Question], q: Questionnaire) -> str | None:
    text = text.split(" - ")[-1]  # Qualtrics matrix: "question - statement"
    scored = [(max(_similar(text, qq.text(lang)) for lang in q.meta.languages), qq.id) for qq in order]
    score, qid = max(scored)
    return qid if score >= 0.8 else None


# ----- values ------------------------------------------------------------------------------------
def _answers(column: pd.Series, q: Questionnaire, question: Question, path: Path, name: str,
             header_rows: int) -> pd.Series:
    codes = {}
    for lang in q.meta.languages:
        for code, label in choices_of(q, question, lang):
            codes[label.strip()] = code
    if isinstance(question.source, Demographic):
        for o in question.source.options:
            codes[o.value] = o.code
    valid = {code for code, _ in choices_of(q, question, q.meta.language)}
    out = []
    for row, value in enumerate(column.tolist()):
        text = str(value).strip()
        if text in ("", "nan", "None") or text in WJX_STRUCTURAL_MISSING:
            out.append(pd.NA)
            continue
        try:
            code = int(float(text))
        except ValueError:
            if text not in codes:
                options = [label for _, label in choices_of(q, question, q.meta.language)]
                raise ResponseDataError(f"{path}: row {row + header_rows + 1}, column {name!r} ({question.id}): "
                                        f"{text!r} is not an option of this question; options are {options}.") \
                    from None
            code = codes[text]
        if code not in valid:
            raise ResponseDataError(f"{path}: row {row + header_rows + 1}, column {name!r} ({question.id}): "
                                    f"code {code} is outside the answer codes {min(valid)}-{max(valid)}.")
        out.append(code)
    series = pd.Series(out, index=column.index, dtype="Int64")
    if isinstance(question.source, Demographic):
        value_of = {o.code: o.value for o in question.source.options}
        return series.map(lambda c: value_of.get(int(c)) if pd.notna(c) else None)
    return series


def _respondent_ids(frame: pd.DataFrame, source: str, path: Path, header_rows: int) -> pd.Series:
    for column in ("respondent_id", "序号", "ResponseId", "ResponseID", "id", "_uuid", "_id"):
        if column in frame.columns:
            ids = frame[column].astype(str).str.strip()
            dup = ids.duplicated(keep=False) & (ids != "")
            if dup.any():
                first = int(np.flatnonzero(dup.to_numpy())[1])
                raise ResponseDataError(f"{path}: row {first + header_rows + 1}, column {column!r}: respondent id "
                                        f"{ids.iloc[first]!r} appears more than once; remove the duplicate rows.")
            return (f"{source}-" + ids) if column == "序号" else ids
    return pd.Series([f"{source}-{k + 1}" for k in range(len(frame))], index=frame.index)


def parse_wjx_duration(text: str) -> float:
    """Seconds from 问卷星's 所用时间: ``123秒``, ``2分3秒``, ``1小时2分3秒`` or ``hh:mm:ss``.

    >>> parse_wjx_duration("2分3秒"), parse_wjx_duration("00:01:05"), parse_wjx_duration("95秒")
    (123.0, 65.0, 95.0)
    """
    text = str(text).strip()
    if not text:
        return float("nan")
    if ":" in text:
        parts = [float(p) for p in text.split(":")]
        return float(sum(p * 60 ** k for k, p in enumerate(reversed(parts))))
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)\s*(小时|时|分钟|分|秒)", text):
        total += float(amount) * {"小时": 3600, "时": 3600, "分钟": 60, "分": 60, "秒": 1}[unit]
    if total == 0 and re.fullmatch(r"\d+(\.\d+)?", text):
        total = float(text)
    return total


def _duration(frame: pd.DataFrame, source: str) -> pd.Series | None:
    if "所用时间" in frame.columns:
        return frame["所用时间"].map(parse_wjx_duration)
    for column in ("duration_seconds", "Duration (in seconds)", "interviewtime"):
        if column in frame.columns:
            return pd.to_numeric(frame[column], errors="coerce")
    return None
