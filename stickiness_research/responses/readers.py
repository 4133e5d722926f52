"""Read survey-tool exports into tidy responses: one row per respondent, item columns named by item id.

Sources: generic CSV/XLSX with item-id columns, 问卷星 (wjx) exports (numeric or option-text), Qualtrics
CSV (three header rows, or the legacy two), LimeSurvey CSV (item-id codes, or the default ``G01Q01[SQ001]``
codes with answers ``A1``/``AO01``), SPSS ``.sav``, Kobo/ODK exports of our XLSForm (names or label
headers) and Parquet (any of these layouts, e.g. data cleaned earlier and written by :func:`write_parquet`).
Columns are matched to questions by id, by the question number of the fielding order
(:func:`~stickiness_research.questionnaire.exporters.field_order`), by LimeSurvey's default codes in
that order, or by question text; answers by whole-number code or by option label in any of the
questionnaire's languages. CSV delimiters (``,`` ``;`` tab ``|``) and encodings (UTF-8, GB18030) are
detected. Identifying columns are dropped; an id column holding phone numbers, e-mail addresses,
ID-card numbers or IP addresses is replaced by keyed pseudonyms (or row numbers without a key).
The raw file is only read.

Large files: every cell is read as text (by Arrow when pyarrow is installed and the file is plain, else by
pandas), each column's distinct values are checked once and mapped to codes for all respondents at once, so
a million respondents read in seconds with the same results and the same row-and-column errors.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import json
import re
import warnings
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .._io import atomic_write, check_output
from .._validation import PATH, InstanceOf, Options, check
from ..errors import ResponseDataError, ResponseDataWarning
from ..questionnaire import Questionnaire
from ..questionnaire.exporters import Question, choices_of, field_order
from ..questionnaire.schema import Demographic
from .privacy import KEY_ENV, check_key, find_key, identifier_kind, mask, maybe_identifiers, pseudonym
from .scoring import QUESTIONNAIRE

SOURCES = ("auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo", "parquet")
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

    Examples
    --------
    Returned by :func:`~stickiness_research.read_responses`:

    >>> import tempfile, pathlib
    >>> import stickiness_research as sr
    >>> questionnaire = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> export = pathlib.Path(tempfile.mkdtemp()) / "survey_export.csv"
    >>> sr.simulate_responses(questionnaire, n=20, seed=1).to_csv(export, index=False)
    >>> res = sr.read_responses(export, questionnaire)
    >>> res.data.shape, res.provenance["rows_read"], res.flags is None
    ((20, 35), 20, True)
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
        A CSV, XLSX, SAV or Parquet file exported from a survey tool (Parquet needs pyarrow).
    q : Questionnaire
        The instrument the answers belong to.
    source : {"auto", "csv", "xlsx", "wjx", "qualtrics", "limesurvey", "sav", "kobo", "parquet"}
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
        label that is not an option, merged Excel cells, duplicate respondent ids, an unreadable Parquet
        file (or Parquet without pyarrow installed).
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
    if not raw_bytes or raw_bytes.isspace():  # (strip() would copy the whole file)
        raise ResponseDataError(f"{path}: the file is empty.")
    frame, header_rows, texts, details, names = _load_table(path, source, raw_bytes)
    if source == "auto":
        source = _detect(path, frame)
    if frame.empty:
        raise ResponseDataError(f"{path}: the file has a header but no responses.")
    pii = [c for c in frame.columns if str(c).strip() in PII_COLUMNS]
    ip_groups = _ip_groups(frame, pii)
    frame = frame.drop(columns=pii)
    mapping = _match_columns(frame.columns, q, texts, source)
    _check_duplicate_columns(path, names, set(mapping) | _META_COLUMNS)
    missing = [qq.id for qq in field_order(q) if qq.kind == "item" and qq.id not in mapping.values()]
    if missing:
        raise ResponseDataError(f"{path}: no column for item(s) {', '.join(missing)}; columns are "
                                f"{[str(c) for c in frame.columns][:12]}... {_naming_hint(frame, details)}")
    questions = {qq.id: qq for qq in field_order(q)}
    columns: dict[str, pd.Series] = {}  # the output's columns, in order; one frame made of them at the end (adding
    # them one by one copied every column's data again: a second of a million-row read)
    unmapped = [c for c in frame.columns if c not in mapping]
    id_name = next((c for c in ID_COLUMNS if c in frame.columns), None)
    # Two threads hash the file, map the answers and scan the unmapped columns for identifiers while this one
    # reads the ids (hashlib, Arrow and numpy release the GIL). Errors come as before: the ids' first, then the
    # first answer column's in the file's order, then the durations'.
    with ThreadPoolExecutor(max_workers=2) if len(frame) >= THREADED_ROWS else _InlineExecutor() as pool:
        try:
            digest = pool.submit(lambda data: hashlib.sha256(data).hexdigest(), raw_bytes)
            del raw_bytes  # freed once hashed, for the answers' memory
            answers = {qid: pool.submit(_answers, frame[column], q, questions[qid], path, column, header_rows, source)
                       for column, qid in mapping.items()}
            duration = pool.submit(_duration, frame, source, path, header_rows)
            kinds = {c: pool.submit(_identifier_kind, frame[c]) for c in unmapped if c != id_name}
            id_column = _id_column(frame, path, header_rows)
            # Arrow text is scanned as read (the scan strips it as the ids were), only where it could be identifiers
            kind = None if id_column is None else _identifier_kind(
                frame[id_name] if _arrow_text(frame[id_name]) is not None else id_column[1])
            columns["respondent_id"], id_note, scanned = _respondent_ids(frame, source, path, id_column, kind, key)
            answers = {qid: answer.result() for qid, answer in answers.items()}
            duration = duration.result()
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the tasks not started are dropped (running ones are waited for)
            raise
    columns.update(answers)
    if duration is not None:
        columns["duration_seconds"] = duration
    submitted = next((c for c in SUBMITTED_COLUMNS if c in frame.columns), None)
    if submitted is not None:
        columns["submitted_at"] = frame[submitted].astype(str).str.strip().replace("", None)
    if ip_groups is not None:
        columns["ip_group"] = ip_groups
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    out.index = pd.RangeIndex(len(out))
    del frame
    _release_arrow_memory()
    # never copied; listed for the record
    pii += [c for c in unmapped if (scanned[c] if c in scanned else kinds[c].result()) is not None]
    empty = [f"{qid} (column {str(col)!r})" for col, qid in mapping.items()
             if questions[qid].kind == "item" and out[qid].isna().all()]
    notes = [f"item {e} has no answers at all" for e in empty]
    if id_note is not None:
        notes.append(id_note["note"])
    provenance = {"file": str(path), "sha256": digest.result(), "source": source,
                  "rows_read": len(out), "columns": {str(k): v for k, v in mapping.items()},
                  "pii_dropped": [str(c) for c in pii], **details, "warnings": notes}
    if id_note is not None:
        provenance["identifiers"] = {k: v for k, v in id_note.items() if k != "note"}
    return Responses(out, q, provenance)


THREADED_ROWS = 50_000  # from this many respondents on, threads save more than they cost


class _InlineExecutor:
    """Runs each task as it is submitted (a small file, where threads cost more than they save); the futures
    hold the outcomes, so errors come out where the results are taken, as from threads."""

    def submit(self, fn, /, *args) -> Future:
        future = Future()
        try:
            future.set_result(fn(*args))
        except Exception as exc:
            future.set_exception(exc)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass

    def __enter__(self) -> _InlineExecutor:
        return self

    def __exit__(self, *exc_info) -> None:
        pass


def _release_arrow_memory() -> None:
    """Hand the memory Arrow has freed (the text of every cell, once read) back to the system: Arrow's allocator
    would keep it (400 MB for a million respondents), out of reach of the numpy arrays that screening makes,
    which would then fault in fresh memory (slow, on virtual machines above all)."""
    try:
        import pyarrow as pa
    except ImportError:
        return
    pa.default_memory_pool().release_unused()


def _header(path: Path, names: list[str] | None) -> list[str]:
    """The column names of the file's first row as written (pandas renames a repeated name to ``name.1``)."""
    if names is not None:
        return names
    if path.suffix.lower() in (".xlsx", ".xls"):
        first = pd.read_excel(path, header=None, nrows=1, dtype=str)
        return [] if first.empty else ["" if pd.isna(c) else str(c).strip() for c in first.iloc[0]]
    return []  # SPSS files cannot repeat a variable name


def _check_duplicate_columns(path: Path, names: list[str] | None, used: set[str]) -> None:
    """Refuse a used column whose name the header repeats: only the first copy would be read, silently."""
    names = _header(path, names)
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
    codes, uniques = pd.factorize(ips.where(ips != ""))
    labels = np.array([f"ip-{c + 1}" for c in range(len(uniques))] + [None], dtype=object)
    return pd.Series(labels[codes], index=frame.index, dtype=object)  # code -1 (no address) takes the None


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


class _AsciiText:
    """The text of ASCII bytes as :func:`_first_rows` reads it (its length and prefixes), decoded when sliced."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def __len__(self) -> int:
        return len(self.raw)

    def __getitem__(self, key: slice) -> str:
        return self.raw[key].decode("ascii")


def _first_rows(text: str, delimiter: str, count: int, size: int = 1 << 16) -> list[list[str]]:
    """The first ``count`` rows as ``csv.reader`` reads them from the whole text, parsed from a prefix
    (of ``size`` characters, grown as needed) that holds them complete (a row is complete once the next
    one has started): copying a large file into a StringIO to read its first lines cost seconds."""
    while True:
        reader = csv.reader(io.StringIO(text[:size]), delimiter=delimiter)
        rows = list(itertools.islice(reader, count))
        if size >= len(text):
            return rows
        if len(rows) == count:
            try:
                if next(reader, None) is not None:
                    return rows
            except csv.Error:  # the next row has started (and is malformed, which the caller never reads)
                return rows
        size *= 4


def _unreadable_csv(path: Path, delimiter: str, exc: Exception) -> ResponseDataError:
    """The error for a file the CSV parsers refuse, with the parser's first line of explanation."""
    return ResponseDataError(f"{path}: cannot be read as CSV with the delimiter {delimiter!r} "
                             f"({str(exc).strip().splitlines()[0]}); check the delimiter and quoting.")


def _sniff_delimiter(text: str) -> str:
    """The delimiter giving the most columns with the same count on the first rows (',' on ties)."""
    best, width_best = ",", 1
    for delimiter in DELIMITERS:
        try:
            rows = [r for r in _first_rows(text, delimiter, 20) if r]
        except csv.Error:  # not readable with this delimiter (e.g. a bare carriage return inside a field)
            continue
        if not rows:
            continue
        width = len(rows[0])
        if width > width_best and sum(len(r) == width for r in rows) >= 0.8 * len(rows):
            best, width_best = delimiter, width
    return best


# CSV cells as text: pandas 3's "str" dtype (Arrow-backed, NaN for missing), also under pandas 2.3 (lifelines
# still pins pandas < 3), where read_csv(dtype=str) gives object columns whose .str methods loop in Python (a
# million-row export took 4x longer to read); the values and the missing markers are the same
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)


def _read_csv(path: Path, raw: bytes) -> tuple[pd.DataFrame, dict, list[str]]:
    """Every cell as text (``""`` for an empty one), how the file was read, and its header as written."""
    # ASCII is UTF-8 as it stands: then only the first rows are decoded, not a copy of the whole file
    text, encoding = (_AsciiText(raw), "utf-8") if raw.isascii() else _decode(path, raw)
    delimiter = _sniff_delimiter(text)
    try:
        header = [c.strip() for c in next(iter(_first_rows(text, delimiter, 1)), [])]
    except csv.Error as exc:
        raise _unreadable_csv(path, delimiter, exc) from None
    # the parsers read UTF-8 bytes: re-encode what was decoded from GB18030 / UTF-16 (a UTF-8 file is used as is)
    data = raw.removeprefix(b"\xef\xbb\xbf") if encoding == "utf-8" else text.encode("utf-8")
    del text
    frame = _arrow_csv(data, delimiter, len(header))
    if frame is None:
        try:
            frame = pd.read_csv(io.BytesIO(data), sep=delimiter, dtype=TEXT, keep_default_na=False, encoding="utf-8")
        except (pd.errors.ParserError, csv.Error) as exc:
            raise _unreadable_csv(path, delimiter, exc) from None
    return frame, {"encoding": encoding, "delimiter": delimiter}, header


def _arrow_csv(data: bytes, delimiter: str, width: int) -> pd.DataFrame | None:
    """The table pandas' ``read_csv(dtype=str, keep_default_na=False)`` gives, parsed by Arrow (several
    times faster on large files), or None to let pandas parse it.

    Arrow is used only where both parsers agree: every row has as many fields as the header (pandas pads
    short rows and may take a longer first row as an index), the header names are unique and not blank
    (pandas renames those), no whitespace-only lines (pandas skips them), no carriage return other than
    in a Windows line end (pandas may drop the row it starts). Anything else makes Arrow stop, and pandas
    reads the file and words any error (tests/test_screening_scale.py compares the two on generated files).
    """
    if width < 2 or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    try:
        import pyarrow as pa
        import pyarrow.csv as pa_csv
    except ImportError:
        return None
    fields = [f"f{k}" for k in range(width)]
    try:
        table = pa_csv.read_csv(
            pa.py_buffer(data),
            read_options=pa_csv.ReadOptions(column_names=fields),  # the header is read as the first row
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                              escape_char=False, ignore_empty_lines=True,
                                              # a newline can be inside a value only if it is quoted; allowing
                                              # it slows the parallel parse, so only where there are quotes
                                              newlines_in_values=b'"' in data),
            # large_string is what pandas' str columns hold: no copy when the frame is made
            convert_options=pa_csv.ConvertOptions(column_types=dict.fromkeys(fields, pa.large_string()),
                                                  null_values=[], strings_can_be_null=False,
                                                  quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0:
        return None
    names = [str(table.column(k)[0]) for k in range(width)]
    if len(set(names)) < width or not all(names):
        return None
    return table.slice(1).rename_columns(names).to_pandas(types_mapper={pa.large_string(): TEXT}.get)


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
        raise _unreadable_csv(path, delimiter, exc) from None
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


def _read_parquet(path: Path, raw: bytes) -> pd.DataFrame:
    """A Parquet file with every cell as text (``""`` for a missing one), as a CSV export is read."""
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.parquet as pq
    except ImportError:
        raise ResponseDataError(f"{path}: reading Parquet needs the pyarrow package (pip install pyarrow); or "
                                "export the data as CSV.") from None
    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as exc:
        raise ResponseDataError(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0]}).") from None
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):  # pandas' categoricals
            column = column.cast(column.type.value_type)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            column = column.cast(pa.string())  # numbers as the shortest text: 3.0 becomes "3"
        columns.append(pc.fill_null(column, ""))
    string = pd.StringDtype(na_value=np.nan)
    names = [str(name) for name in table.column_names]
    return pa.table(columns, names=[f"f{k}" for k in range(len(names))]).to_pandas(
        types_mapper={pa.string(): string, pa.large_string(): string}.get).set_axis(names, axis=1)


def _load_table(path: Path, source: str, raw: bytes) -> tuple[pd.DataFrame, int, dict[str, str], dict,
                                                                 list[str] | None]:
    """The answers, how many header rows precede row 1 of the data, question texts by column, how the
    file was read (encoding, delimiter), and the header as written (None: read it when needed)."""
    suffix = path.suffix.lower()
    details: dict = {}
    names = None
    if suffix == ".sav" or source == "sav":
        import pyreadstat

        try:
            frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
        except Exception as exc:  # pyreadstat raises its own ReadstatError / PyreadstatError
            raise ResponseDataError(f"{path}: not a readable SPSS .sav file ({exc}).") from None
        texts = {c: lab for c, lab in (meta.column_names_to_labels or {}).items() if lab}
        return frame.astype(object).where(frame.notna(), ""), 1, texts, details, []
    if suffix in (".xlsx", ".xls"):
        frame = _read_excel(path)
    elif suffix == ".parquet":
        frame = _read_parquet(path, raw)
        names = [str(c).strip() for c in frame.columns]
    else:
        frame, details, names = _read_csv(path, raw)
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
    return frame, header_rows, texts, details, names


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
    if path.suffix.lower() == ".parquet":
        return "parquet"
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
    # each distinct cell once (a million answers hold a handful of values), in order of first appearance,
    # so that an error names the first row holding a bad value
    positions, distinct = pd.factorize(column, use_na_sentinel=False)
    texts = pd.Series(distinct, dtype=column.dtype).astype(str).str.strip()
    code_of: dict = {}
    values = np.zeros(len(texts), dtype=np.int64)
    blank = np.ones(len(texts), dtype=bool)
    for k, value in enumerate(texts):
        if value not in code_of:
            def where(k=k) -> str:
                row = int(np.argmax(positions == k))
                return f"{path}: row {row + header_rows + 1}, column {name!r} ({question.id})"

            code_of[value] = _code(value, codes, choices, valid, source, where)
        if code_of[value] is not None:
            values[k], blank[k] = code_of[value], False
    if isinstance(question.source, Demographic):
        value_of = {o.code: o.value for o in question.source.options}
        labels = pd.Series([None if b else value_of.get(int(v)) for v, b in zip(values, blank, strict=True)],
                           dtype=object)
        labels = labels.astype(pd.StringDtype(na_value=np.nan)) if labels.notna().any() else labels
        # the option values (pandas' "str" when any is given), taken per respondent without a Python loop
        return pd.Series(labels.array.take(positions), index=column.index)
    return pd.Series(pd.arrays.IntegerArray(values[positions], blank[positions]), index=column.index)


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


def _id_column(frame: pd.DataFrame, path: Path, header_rows: int) -> tuple[str, pd.Series] | None:
    """The file's respondent id column and its ids (stripped); a repeated id is refused with its row."""
    for column in ID_COLUMNS:
        if column not in frame.columns:
            continue
        ids = _stripped(frame[column])
        dup = _repeated(ids) & (ids != "").to_numpy()
        if dup.any():
            first = int(np.flatnonzero(dup)[1])
            raise ResponseDataError(f"{path}: row {first + header_rows + 1}, column {column!r}: respondent id "
                                    f"{mask(ids.iloc[first])} appears more than once; remove the duplicate rows.")
        return column, ids
    return None


def _respondent_ids(frame: pd.DataFrame, source: str, path: Path, id_column: tuple[str, pd.Series] | None,
                    kind: str | None, key: bytes | None = None) -> tuple[pd.Series, dict | None, dict]:
    """Respondent ids, a note when the id column held personal identifiers (never copied), and the kind of
    identifier found in the id column (``kind``, from :func:`identifier_kind`; None: none), by column."""
    def numbered() -> pd.Series:
        return pd.Series([f"{source}-{k + 1}" for k in range(len(frame))], index=frame.index)

    if id_column is None:
        return numbered(), None, {}
    column, ids = id_column
    scanned = {column: kind}
    if kind is None:
        return ((f"{source}-" + ids) if column == "序号" else ids), None, scanned
    key = key or find_key()
    if key is not None:
        pseudonyms = pd.Series([f"p-{pseudonym(v, key)}" if v else "" for v in ids], index=ids.index)
        return pseudonyms, {"column": column, "holds": kind, "replaced_by": "keyed pseudonyms (HMAC-SHA256)",
                            "note": f"column {column!r} holds {kind}: replaced by keyed pseudonyms"}, scanned
    note = (f"column {column!r} holds {kind}: replaced by row numbers ({source}-1, ...); set {KEY_ENV} to a "
            "secret of at least 16 bytes to get keyed pseudonyms that link waves instead")
    warnings.warn(f"{path}: {note}.", ResponseDataWarning, stacklevel=3)
    return numbered(), {"column": column, "holds": kind, "replaced_by": "row numbers", "note": note}, scanned


def _repeated(values: pd.Series) -> np.ndarray:
    """``values.duplicated(keep=False)`` (every copy of a repeated value, missing ones included), by counting
    the codes of one hash pass."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return np.bincount(codes, minlength=len(distinct))[codes] > 1


def _identifier_kind(values: pd.Series) -> str | None:
    """:func:`identifier_kind` of a text column, looking at each distinct value once (the kind is found when
    any value is one, so the answer is the same), and of Arrow text only at the values that could be one."""
    text = _arrow_text(values)
    if text is not None:
        import pyarrow.compute as pc

        # few distinct values (answers, durations): those first; many (ids): the cheaper pass over all first
        if len(pc.unique(text.slice(0, 4096))) < 1024:
            values = pd.Series(values.unique(), dtype=values.dtype)
            text = _arrow_text(values)
        values = values[maybe_identifiers(text)]
    if isinstance(values.dtype, pd.StringDtype):
        values = pd.Series(values.unique(), dtype=values.dtype)
    return identifier_kind(values)


def _arrow_text(column: pd.Series):
    """The Arrow data (a ChunkedArray) of an Arrow-backed text column without missing cells, else None."""
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        return None
    import pyarrow as pa

    text = pa.array(column.array)
    text = pa.chunked_array([text]) if isinstance(text, pa.Array) else text
    return text if text.null_count == 0 else None


# the characters Python's str.strip() removes (none lies above U+3000); Arrow's own whitespace differs (U+001C)
_WHITESPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


def _stripped(column: pd.Series) -> pd.Series:
    """``column.astype(str).str.strip()``. Where that makes Python strings of Arrow text (pandas 2), Arrow strips
    them first, as Python would: pandas' strip, one string at a time, took half a second for a million ids.
    (Text holding NUL characters, which pandas 2's conversion drops at the end of a value, goes the slow way.)"""
    text = _arrow_text(column)
    if text is None or len(column) == 0 or column.iloc[:0].astype(str).dtype != object:
        return column.astype(str).str.strip()
    import pyarrow.compute as pc

    if pc.any(pc.match_substring(text, "\x00")).as_py():
        return column.astype(str).str.strip()
    return pd.Series(pc.utf8_trim(text, characters=_WHITESPACE).to_numpy(zero_copy_only=False), index=column.index,
                     name=column.name)


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
        return _per_distinct(frame[column], lambda v: v.astype(str).str.strip().isin(("", "nan", "None", "<NA>",
                                                                                      "NaT")))

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
        column, seconds = "所用时间", _per_distinct(frame["所用时间"], lambda v: v.map(parse_wjx_duration))
    elif column := next((c for c in DURATION_COLUMNS if c in frame.columns), None):
        seconds = _per_distinct(frame[column], lambda v: pd.to_numeric(v.astype(str).str.strip(), errors="coerce"))
    else:
        return None
    bad = (~blank(column) & (seconds.isna() | ~np.isfinite(seconds.fillna(0)))) | (seconds < 0)
    if (row := first(bad)) is not None:
        raise refuse(row, column, f"{mask(frame[column].iloc[row])} is not a duration (seconds, 0 or more)")
    return seconds.astype(float)


def _per_distinct(column: pd.Series, function) -> pd.Series:
    """``function(column)`` for an element-wise ``function`` of a Series, computed on each distinct value once
    (a million durations hold a few thousand values)."""
    positions, distinct = pd.factorize(column, use_na_sentinel=False)
    results = function(pd.Series(distinct, dtype=column.dtype))
    return pd.Series(results.to_numpy()[positions], index=column.index, dtype=results.dtype)


# ----- writing -----------------------------------------------------------------------------------
PROVENANCE_KEY = b"stickiness_research.provenance"  # Parquet key-value metadata: how the data were made


def write_parquet(data: pd.DataFrame | Responses, path: str | Path, *, inputs=(),
                  provenance: dict | None = None) -> Path:
    """Write cleaned or screened data (answers, flags, scores) to a Parquet file, atomically.

    The file appears whole or not at all (written beside ``path``, then moved into place), an input is
    never overwritten, and no column may hold personal identifiers.

    Parameters
    ----------
    data : DataFrame or Responses
        What to write; a Responses writes its ``data`` and, by default, its provenance.
    path : str or Path
        The Parquet file to (re)place.
    inputs : iterable of paths
        Files the data were read from, refused as ``path``; a Responses adds its own file.
    provenance : dict, optional
        Stored as JSON in the file's metadata under ``stickiness_research.provenance``.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ResponseDataError
        A column named as an identifying column (phone, e-mail, IP, ...) or holding phone numbers, e-mail
        or IP addresses or ID-card numbers: pseudonymize it first
        (:func:`stickiness_research.responses.privacy.pseudonymize`). Also when pyarrow is missing.
    OutputPathError
        ``path`` is an input, a directory, or cannot be written.

    Examples
    --------
    >>> import tempfile, pathlib, pytest, stickiness_research as sr
    >>> pq = pytest.importorskip("pyarrow.parquet")
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sr.simulate_responses(q, n=30, seed=1).to_csv(folder / "raw.csv", index=False)
    >>> responses = sr.read_responses(folder / "raw.csv", q)
    >>> out = write_parquet(responses, folder / "clean.parquet")
    >>> pq.read_table(out).num_rows, sr.read_responses(out, q).data.equals(responses.data)
    (30, True)
    """
    check(data, "data", "write_parquet", InstanceOf(pd.DataFrame, "a DataFrame"), InstanceOf(Responses, "Responses"))
    check(path, "path", "write_parquet", PATH)
    check(provenance, "provenance", "write_parquet", InstanceOf(dict, "a dict"), None)
    inputs = list(inputs)
    if isinstance(data, Responses):
        inputs.append(data.provenance.get("file"))
        provenance = dict(data.provenance) if provenance is None else provenance
        data = data.data
    path = check_output(path, inputs=inputs, option="path")
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ResponseDataError(f"{path}: writing Parquet needs the pyarrow package (pip install pyarrow).") from None
    _refuse_identifiers(data, path)
    table = pa.Table.from_pandas(data, preserve_index=False)
    if provenance is not None:
        metadata = dict(table.schema.metadata or {})
        metadata[PROVENANCE_KEY] = json.dumps(provenance, ensure_ascii=False, default=str).encode("utf-8")
        table = table.replace_schema_metadata(metadata)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp))


def _refuse_identifiers(data: pd.DataFrame, path: Path) -> None:
    """No output carries a raw identifier: refuse identifying column names and identifying values."""
    for column in data.columns:
        values = data[column]
        named = str(column).strip() in PII_COLUMNS
        kind = None
        if not (named or pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
                or pd.api.types.is_datetime64_any_dtype(values)):
            # as text, so that each distinct value is looked at once
            kind = _identifier_kind(values if isinstance(values.dtype, pd.StringDtype)
                                    else values.dropna().astype(str))
        if named or kind is not None:
            what = "is an identifying column" if named else f"holds {kind}"
            raise ResponseDataError(f"{path}: column {str(column)!r} {what}; outputs carry no personal identifiers. "
                                    "Drop the column or replace it by keyed pseudonyms (responses.privacy."
                                    "pseudonymize) before writing.")
