"""Read survey-tool exports into tidy responses: one row per respondent, item columns named by item id.

Sources: generic CSV/XLSX with item-id columns, 问卷星 (wjx) exports (numeric or option-text), Qualtrics
CSV (three header rows, or the legacy two), LimeSurvey CSV (item-id codes, or the default ``G01Q01[SQ001]``
codes with answers ``A1``/``AO01``), SPSS ``.sav`` and Kobo/ODK exports of our XLSForm (names or label
headers). Columns are matched to questions by id, by the question number of the fielding order
(:func:`~stickiness_research.questionnaire.exporters.field_order`), by LimeSurvey's default codes in
that order, or by question text; answers by whole-number code or by option label in any of the
questionnaire's languages. CSV delimiters (``,`` ``;`` tab ``|``) and encodings (UTF-8, GB18030) are
detected. Identifying columns are dropped; an id column holding phone numbers, e-mail addresses,
ID-card numbers or IP addresses is replaced by keyed pseudonyms (or row numbers without a key).
The raw file is only read.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import PATH, Options, check
from ..errors import ResponseDataError, ResponseDataWarning
from ..questionnaire import Questionnaire
from ..questionnaire.exporters import Question, choices_of, field_order
from ..questionnaire.schema import Demographic
from .privacy import KEY_ENV, check_key, find_key, identifier_kind, mask, pseudonym
from .scoring import QUESTIONNAIRE

SOURCES = ("auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo")
WJX_META = {"序号": "respondent_id", "提交答卷时间": "submitted_at", "所用时间": "duration_seconds"}
WJX_STRUCTURAL_MISSING = {"-2", "-3", "(跳过)", "(空)"}  # -2 skipped by logic, -3 not shown
IP_COLUMNS = ("来自IP", "IP", "IPAddress", "ip", "ipaddr")
PII_COLUMNS = (*IP_COLUMNS, "LocationLatitude", "LocationLongitude", "RecipientEmail", "RecipientFirstName",
               "RecipientLastName", "来源详情", "用户ID", "姓名", "手机", "电话", "邮箱", "email", "phone", "name",
               "deviceid", "phonenumber", "simserial", "subscriberid", "username", "_submitted_by")
ID_COLUMNS = ("respondent_id", "序号", "ResponseId", "ResponseID", "id", "_uuid", "_id")
DURATION_COLUMNS = ("duration_seconds", "Duration (in seconds)", "interviewtime")
SUBMITTED_COLUMNS = ("submitted_at", "提交答卷时间", "submitdate", "_submission_time", "RecordedDate", "EndDate")
DELIMITERS = (",", ";", "\t", "|")
# columns read besides the questions: a repeated name among them would be read once, silently
_META_COLUMNS = {*ID_COLUMNS, *DURATION_COLUMNS, *SUBMITTED_COLUMNS, *IP_COLUMNS, "所用时间", "start", "end"}
LIMESURVEY_CODE = re.compile(r"G\d+Q\d+(?:\[SQ\d+\])?")  # LimeSurvey's default question/subquestion codes
LIMESURVEY_ANSWER = re.compile(r"AO?(\d+)")  # default answer codes: A1 (LimeSurvey 3), AO01 (5 and later)


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
        file, sha256, source, rows read, column mapping, identifying columns dropped, how a CSV was
        read (encoding, delimiter), ``identifiers`` (an id column replaced because it held personal
        identifiers) and ``warnings`` (e.g. an item column without answers).
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


def read_responses(path: str | Path, q: Questionnaire, source: str = "auto", *,
                   key: bytes | None = None) -> Responses:
    """Read a survey export and check it against the questionnaire.

    Parameters
    ----------
    path : str or Path
        A CSV, XLSX or SAV file exported from a survey tool.
    q : Questionnaire
        The instrument the answers belong to.
    source : {"auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo"}
        The tool that wrote the file; ``auto`` detects it from the extension and the headers.
    key : bytes, optional
        Pseudonymisation key (at least 16 bytes) for an id column that holds personal identifiers;
        default: ``STICKINESS_HMAC_KEY``. Without any key such ids are replaced by row numbers.

    Returns
    -------
    Responses
        ``provenance["warnings"]`` lists what needs a look (e.g. an item column without answers).

    Raises
    ------
    ResponseDataError
        Naming the row (as numbered in the file) and column: an empty file or a directory, item
        columns that are missing, an answer out of the response set's range or not a whole number, a
        label that is not an option, merged Excel cells, duplicate respondent ids.
    ParameterError
        An unknown ``source``, or a ``key`` shorter than 16 bytes.

    Examples
    --------
    >>> import tempfile, pathlib, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.csv"
    >>> sr.simulate_responses(q, n=20, seed=1).to_csv(path, index=False)
    >>> sr.read_responses(path, q)
    Responses(20 respondents, csv from answers.csv, 0 exclusion records)
    """
    check(path, "path", "read_responses", PATH)
    path = Path(path)
    check(source, "source", "read_responses", Options(SOURCES))
    check(q, "q", "read_responses", QUESTIONNAIRE)
    if key is not None:
        key = check_key(key, "read_responses")
    if path.is_dir():
        raise ResponseDataError(f"{path}: is a directory, not a file; give the survey export inside it.")
    if not path.is_file():
        raise ResponseDataError(f"{path}: file not found.")
    raw_bytes = path.read_bytes()
    if not raw_bytes.strip():
        raise ResponseDataError(f"{path}: the file is empty.")
    frame, header_rows, texts, details = _load_table(path, source, raw_bytes)
    if source == "auto":
        source = _detect(path, frame)
    if frame.empty:
        raise ResponseDataError(f"{path}: the file has a header but no responses.")
    pii = [c for c in frame.columns if str(c).strip() in PII_COLUMNS]
    ip_groups = _ip_groups(frame, pii)
    frame = frame.drop(columns=pii)
    mapping = _match_columns(frame.columns, q, texts, source)
    _check_duplicate_columns(path, raw_bytes, details, set(mapping) | _META_COLUMNS)
    missing = [qq.id for qq in field_order(q) if qq.kind == "item" and qq.id not in mapping.values()]
    if missing:
        raise ResponseDataError(f"{path}: no column for item(s) {', '.join(missing)}; columns are "
                                f"{[str(c) for c in frame.columns][:12]}... {_naming_hint(frame, details)}")
    questions = {qq.id: qq for qq in field_order(q)}
    out = pd.DataFrame(index=frame.index)
    out["respondent_id"], id_note = _respondent_ids(frame, source, path, header_rows, key)
    for column, qid in mapping.items():
        out[qid] = _answers(frame[column], q, questions[qid], path, column, header_rows, source)
    duration = _duration(frame, source, path, header_rows)
    if duration is not None:
        out["duration_seconds"] = duration
    submitted = next((c for c in SUBMITTED_COLUMNS if c in frame.columns), None)
    if submitted is not None:
        out["submitted_at"] = frame[submitted].astype(str).str.strip().replace("", None)
    if ip_groups is not None:
        out["ip_group"] = ip_groups
    out = out.reset_index(drop=True)
    unmapped = [c for c in frame.columns if c not in mapping]
    pii += [c for c in unmapped if identifier_kind(frame[c]) is not None]  # never copied; listed for the record
    empty = [f"{qid} (column {str(col)!r})" for col, qid in mapping.items()
             if questions[qid].kind == "item" and out[qid].isna().all()]
    notes = [f"item {e} has no answers at all" for e in empty]
    if id_note is not None:
        notes.append(id_note["note"])
    provenance = {"file": str(path), "sha256": hashlib.sha256(raw_bytes).hexdigest(), "source": source,
                  "rows_read": len(out), "columns": {str(k): v for k, v in mapping.items()},
                  "pii_dropped": [str(c) for c in pii], **details, "warnings": notes}
    if id_note is not None:
        provenance["identifiers"] = {k: v for k, v in id_note.items() if k != "note"}
    return Responses(out, q, provenance)


def _header(path: Path, raw: bytes, details: dict) -> list[str]:
    """The column names of the file's first row as written (pandas renames a repeated name to ``name.1``)."""
    if "delimiter" in details:
        text, _ = _decode(path, raw)
        return [c.strip() for c in next(csv.reader(io.StringIO(text), delimiter=details["delimiter"]), [])]
    if path.suffix.lower() in (".xlsx", ".xls"):
        first = pd.read_excel(path, header=None, nrows=1, dtype=str)
        return [] if first.empty else ["" if pd.isna(c) else str(c).strip() for c in first.iloc[0]]
    return []  # SPSS files cannot repeat a variable name


def _check_duplicate_columns(path: Path, raw: bytes, details: dict, used: set[str]) -> None:
    """Refuse a used column whose name the header repeats: only the first copy would be read, silently."""
    names = _header(path, raw, details)
    for name in dict.fromkeys(names):
        places = [k + 1 for k, c in enumerate(names) if c == name]
        if name and len(places) > 1 and name in used:
            raise ResponseDataError(f"{path}: column {name!r} appears {len(places)} times in the header (columns "
                                    f"{', '.join(map(str, places))}); only one can be read. Delete or rename the "
                                    "copies so each question has one column.")


def _naming_hint(frame: pd.DataFrame, details: dict) -> str:
    if len(frame.columns) <= 2 and "delimiter" in details:
        return (f"Only {len(frame.columns)} column(s) were found with the delimiter {details['delimiter']!r}: "
                "save the file with ',' ';' or tab as delimiter, one column per question.")
    return "Name item columns by item id, or keep the survey tool's question numbers and texts."


def _ip_groups(frame: pd.DataFrame, pii: list) -> pd.Series | None:
    """Which respondents share an IP address (``ip-1``, ``ip-2``, ...): enough to spot repeated
    submissions, without keeping the address."""
    column = next((c for c in pii if c in IP_COLUMNS), None)
    if column is None:
        return None
    ips = frame[column].astype(str).str.replace(r"\(.*\)$", "", regex=True).str.strip()  # wjx: 1.2.3.4(上海)
    codes, _ = pd.factorize(ips.where(ips != ""))
    return pd.Series([f"ip-{c + 1}" if c >= 0 else None for c in codes], index=frame.index, dtype=object)


# ----- loading -----------------------------------------------------------------------------------
def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    # Chinese Excel saves CSV as GBK, and "Unicode text" as UTF-16 with a byte-order mark
    encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return raw.decode(encoding), encoding.removesuffix("-sig")
        except UnicodeDecodeError:
            continue
    tried = "UTF-16" if encodings == ("utf-16",) else "UTF-8 or GBK/GB18030"
    raise ResponseDataError(f"{path}: cannot decode the file as {tried}; save it as UTF-8 CSV.")


def _sniff_delimiter(text: str) -> str:
    """The delimiter giving the most columns with the same count on the first rows (',' on ties)."""
    best, width_best = ",", 1
    for delimiter in DELIMITERS:
        rows = [r for r in itertools.islice(csv.reader(io.StringIO(text), delimiter=delimiter), 20) if r]
        if not rows:
            continue
        width = len(rows[0])
        if width > width_best and sum(len(r) == width for r in rows) >= 0.8 * len(rows):
            best, width_best = delimiter, width
    return best


def _read_csv(path: Path, raw: bytes) -> tuple[pd.DataFrame, dict]:
    text, encoding = _decode(path, raw)
    delimiter = _sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ResponseDataError(f"{path}: cannot be read as CSV with the delimiter {delimiter!r} "
                                f"({str(exc).strip().splitlines()[0]}); check the delimiter and quoting.") from None
    return frame, {"encoding": encoding, "delimiter": delimiter}


def _read_excel(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_excel(path, dtype=str).fillna("")
    except (ValueError, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise ResponseDataError(f"{path}: not a readable Excel workbook ({str(exc).splitlines()[0]}); if it is "
                                "a CSV file, give it the .csv extension.") from None
    _check_merged_cells(path)
    return frame


def read_table(path: str | Path) -> pd.DataFrame:
    """A plain data table for model fitting: CSV (``,`` ``;`` tab or ``|``; UTF-8, GBK or UTF-16) or XLSX.

    Values keep pandas' type inference (numbers stay numbers); the file is only read.

    Raises
    ------
    ResponseDataError
        For a directory, a missing or empty file, an undecodable CSV, merged cells, or a file that is
        not the workbook its name says.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "semicolon.csv"
    >>> _ = path.write_text("x1;x2\\n1;2\\n3;4\\n", encoding="utf-8")
    >>> read_table(path).columns.tolist()
    ['x1', 'x2']
    """
    path = Path(path)
    if path.is_dir():
        raise ResponseDataError(f"{path}: is a directory, not a file; give the data file inside it.")
    if not path.is_file():
        raise ResponseDataError(f"{path}: file not found.")
    if path.suffix.lower() in (".xlsx", ".xls"):
        _read_excel(path)  # the checks: a real workbook, no merged data cells
        return _finite(pd.read_excel(path), path)
    raw = path.read_bytes()
    if not raw.strip():
        raise ResponseDataError(f"{path}: the file is empty.")
    text, _ = _decode(path, raw)
    delimiter = _sniff_delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter)
    except (pd.errors.ParserError, csv.Error) as exc:
        raise ResponseDataError(f"{path}: cannot be read as CSV with the delimiter {delimiter!r} "
                                f"({str(exc).strip().splitlines()[0]}); check the delimiter and quoting.") from None
    return _finite(frame, path)


def _finite(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Refuse an infinite value (``inf`` in a CSV): estimation would fail far from the cell that caused it."""
    numeric = frame.select_dtypes("number")
    infinite = ~np.isfinite(numeric.fillna(0).to_numpy(dtype=float)) if numeric.shape[1] else np.zeros((0, 0), bool)
    if infinite.any():
        row, col = (int(k[0]) for k in np.nonzero(infinite))
        raise ResponseDataError(f"{path}: row {row + 2}, column {str(numeric.columns[col])!r}: "
                                f"{numeric.iat[row, col]} is not a finite number; fix the cell or leave it blank.")
    return frame


def _check_merged_cells(path: Path) -> None:
    """Merged cells in the data rows: only the first respondent keeps the value, the others read as blank."""
    if path.suffix.lower() != ".xlsx":
        return
    from openpyxl import load_workbook

    sheet = load_workbook(path).worksheets[0]  # pandas reads the first sheet
    merged = [r for r in sheet.merged_cells.ranges if r.max_row >= 2]
    if merged:
        first = merged[0]
        header = sheet.cell(row=1, column=first.min_col).value
        more = f" (and {len(merged) - 1} more merged range(s))" if len(merged) > 1 else ""
        raise ResponseDataError(f"{path}: cells {first.coord} (rows {first.min_row}-{first.max_row}, column "
                                f"{str(header)!r}) are merged{more}; a merged cell keeps one answer and leaves "
                                "the other respondents blank. Unmerge the cells and enter each respondent's answer.")


def _load_table(path: Path, source: str, raw: bytes) -> tuple[pd.DataFrame, int, dict[str, str], dict]:
    """The answers, how many header rows precede row 1 of the data, question texts by column, and how
    the file was read (encoding, delimiter)."""
    suffix = path.suffix.lower()
    details: dict = {}
    if suffix == ".sav" or source == "sav":
        import pyreadstat

        try:
            frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
        except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
            raise ResponseDataError(f"{path}: not a readable SPSS .sav file ({exc}).") from None
        texts = {c: lab for c, lab in (meta.column_names_to_labels or {}).items() if lab}
        return frame.astype(object).where(frame.notna(), ""), 1, texts, details
    if suffix in (".xlsx", ".xls"):
        frame = _read_excel(path)
    else:
        frame, details = _read_csv(path, raw)
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
    return frame, header_rows, texts, details


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
    """Column -> question id, by id, by wjx/Qualtrics question number, by LimeSurvey default code, or by text."""
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
            elif source == "kobo" and not name.startswith("_"):  # Kobo "labels" export: group label/question label
                hit = _by_text(name, order, q) or _by_text(name.rsplit("/", 1)[-1], order, q)
        if hit is not None and hit not in mapping.values():
            mapping[column] = hit
    if source == "limesurvey":
        mapping.update(_limesurvey_codes(columns, mapping, order))
    return mapping


def _limesurvey_codes(columns, mapping: dict[str, str], order: list[Question]) -> dict[str, str]:
    """LimeSurvey's default codes (``G01Q01[SQ001]``, ``G02Q03``), matched to the questions in fielding
    order: all questions, or the items and attention checks, or the items only."""
    coded = [c for c in columns if c not in mapping and LIMESURVEY_CODE.fullmatch(str(c).strip())]
    if not coded:
        return {}
    left = [qq for qq in order if qq.id not in mapping.values()]
    for questions in (left, [qq for qq in left if qq.kind in ("item", "attention")],
                      [qq for qq in left if qq.kind == "item"]):
        if len(questions) == len(coded):
            return {c: qq.id for c, qq in zip(coded, questions, strict=True)}
    raise ResponseDataError(f"{len(coded)} columns carry LimeSurvey's default codes ({coded[0]}, ...) but the "
                            f"questionnaire has {len(left)} questions ({sum(qq.kind == 'item' for qq in left)} "
                            "items) to match them to in order; give the questions the item ids as codes, or "
                            "field the survey in the questionnaire's order.")


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
             header_rows: int, source: str = "auto") -> pd.Series:
    choices = choices_of(q, question, q.meta.language)
    codes = {}
    for lang in q.meta.languages:
        for code, label in choices_of(q, question, lang):
            codes[label.strip()] = code
    if isinstance(question.source, Demographic):
        for o in question.source.options:
            codes[o.value] = o.code
    valid = {code for code, _ in choices}
    text = column.astype(str).str.strip()
    code_of = {}
    for value in pd.unique(text):  # each distinct answer once; errors name its first row
        def where(value=value) -> str:
            row = int(np.flatnonzero((text == value).to_numpy())[0])
            return f"{path}: row {row + header_rows + 1}, column {name!r} ({question.id})"

        code_of[value] = _code(value, codes, choices, valid, source, where)
    series = pd.Series(text.map(code_of).tolist(), index=column.index, dtype="Int64")
    if isinstance(question.source, Demographic):
        value_of = {o.code: o.value for o in question.source.options}
        return series.map(lambda c: value_of.get(int(c)) if pd.notna(c) else None)
    return series


def _code(text: str, codes: dict, choices: list, valid: set, source: str, where) -> int | None:
    """The answer code of one cell; codes are whole numbers (3 and 3.0 are 3, 3.5 is an error)."""
    if text in ("", "nan", "None", "<NA>") or text in WJX_STRUCTURAL_MISSING:
        return None
    try:
        number = float(text)
    except ValueError:
        number = None
    if number is not None:
        if not number.is_integer():
            raise ResponseDataError(f"{where()}: {mask(text)} is not an answer code; codes are whole numbers "
                                    f"({min(valid)}-{max(valid)}). Fix the cell or leave it blank.")
        code = int(number)
    elif text in codes:
        code = codes[text]
    elif source == "limesurvey" and LIMESURVEY_ANSWER.fullmatch(text):
        k = int(LIMESURVEY_ANSWER.fullmatch(text).group(1))
        if not 1 <= k <= len(choices):
            raise ResponseDataError(f"{where()}: answer code {text} has no option {k}; the question has "
                                    f"{len(choices)} options (A1-A{len(choices)}).")
        code = choices[k - 1][0]
    else:
        options = [label for _, label in choices]
        raise ResponseDataError(f"{where()}: {mask(text)} is not an option of this question; options are "
                                f"{options}.")
    if code not in valid:
        raise ResponseDataError(f"{where()}: code {code} is outside the answer codes {min(valid)}-{max(valid)}.")
    return code


def _respondent_ids(frame: pd.DataFrame, source: str, path: Path, header_rows: int,
                    key: bytes | None = None) -> tuple[pd.Series, dict | None]:
    """Respondent ids, and a note when the id column held personal identifiers (never copied)."""
    numbered = pd.Series([f"{source}-{k + 1}" for k in range(len(frame))], index=frame.index)
    for column in ID_COLUMNS:
        if column not in frame.columns:
            continue
        ids = frame[column].astype(str).str.strip()
        dup = ids.duplicated(keep=False) & (ids != "")
        if dup.any():
            first = int(np.flatnonzero(dup.to_numpy())[1])
            raise ResponseDataError(f"{path}: row {first + header_rows + 1}, column {column!r}: respondent id "
                                    f"{mask(ids.iloc[first])} appears more than once; remove the duplicate rows.")
        kind = identifier_kind(ids)
        if kind is None:
            return ((f"{source}-" + ids) if column == "序号" else ids), None
        key = key or find_key()
        if key is not None:
            pseudonyms = pd.Series([f"p-{pseudonym(v, key)}" if v else "" for v in ids], index=ids.index)
            return pseudonyms, {"column": column, "holds": kind, "replaced_by": "keyed pseudonyms (HMAC-SHA256)",
                                "note": f"column {column!r} holds {kind}: replaced by keyed pseudonyms"}
        note = (f"column {column!r} holds {kind}: replaced by row numbers ({source}-1, ...); set {KEY_ENV} to a "
                "secret of at least 16 bytes to get keyed pseudonyms that link waves instead")
        warnings.warn(f"{path}: {note}.", ResponseDataWarning, stacklevel=3)
        return numbered, {"column": column, "holds": kind, "replaced_by": "row numbers", "note": note}
    return numbered, None


def parse_wjx_duration(text: str) -> float:
    """Seconds from 问卷星's 所用时间: ``123秒``, ``2分3秒``, ``1小时2分3秒`` or ``hh:mm:ss``.

    >>> parse_wjx_duration("2分3秒"), parse_wjx_duration("00:01:05"), parse_wjx_duration("95秒")
    (123.0, 65.0, 95.0)

    Text that is none of these (``"abc"``) is NaN, never 0 seconds (which would make a speeder).

    >>> parse_wjx_duration("abc"), parse_wjx_duration("0秒")
    (nan, 0.0)
    """
    text = str(text).strip()
    if not text:
        return float("nan")
    if ":" in text:
        try:
            parts = [float(p) for p in text.split(":")]
        except ValueError:
            return float("nan")
        return float(sum(p * 60 ** k for k, p in enumerate(reversed(parts))))
    found = re.findall(r"(\d+(?:\.\d+)?)\s*(小时|时|分钟|分|秒)", text)
    if not found:
        return float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else float("nan")
    return float(sum(float(amount) * {"小时": 3600, "时": 3600, "分钟": 60, "分": 60, "秒": 1}[unit]
                     for amount, unit in found))


def _duration(frame: pd.DataFrame, source: str, path: Path, header_rows: int) -> pd.Series | None:
    """Seconds per respondent; a cell that is not a duration, or a negative one, is refused with its row
    (coercing it would silently make the respondent a speeder, or hide them from the speeder rule)."""
    def refuse(row: int, column: str, what: str) -> ResponseDataError:
        return ResponseDataError(f"{path}: row {row + header_rows + 1}, column {column!r}: {what}; fix the cell or "
                                 "leave it blank.")

    def first(bad: pd.Series) -> int | None:
        return int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else None

    def blank(column: str) -> pd.Series:
        return frame[column].astype(str).str.strip().isin(("", "nan", "None", "<NA>", "NaT"))

    if source == "kobo" and "所用时间" not in frame.columns and not any(c in frame.columns for c in DURATION_COLUMNS):
        if not {"start", "end"} <= set(frame.columns):
            return None
        times = {}
        for column in ("start", "end"):  # the XLSForm start/end metadata
            times[column] = pd.to_datetime(frame[column], errors="coerce", utc=True, format="mixed")
            if (row := first(times[column].isna() & ~blank(column))) is not None:
                raise refuse(row, column, f"{mask(frame[column].iloc[row])} is not a date and time")
        seconds = (times["end"] - times["start"]).dt.total_seconds()
        if (row := first(seconds < 0)) is not None:
            raise refuse(row, "end", f"the interview ends before it starts ({frame['start'].iloc[row]!r})")
        return seconds.astype(float)
    if "所用时间" in frame.columns:
        column, seconds = "所用时间", frame["所用时间"].map(parse_wjx_duration)
    elif column := next((c for c in DURATION_COLUMNS if c in frame.columns), None):
        seconds = pd.to_numeric(frame[column].astype(str).str.strip(), errors="coerce")
    else:
        return None
    bad = (~blank(column) & (seconds.isna() | ~np.isfinite(seconds.fillna(0)))) | (seconds < 0)
    if (row := first(bad)) is not None:
        raise refuse(row, column, f"{mask(frame[column].iloc[row])} is not a duration (seconds, 0 or more)")
    return seconds.astype(float)
