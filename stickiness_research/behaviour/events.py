"""Event logs (app / official-account usage) read under a declared schema, with keyed pseudonyms for user ids.

Queries are Ibis expressions (https://ibis-project.org): written once, they run on the embedded DuckDB engine
by default, or on any Ibis backend the caller connects (a PySpark session for cluster-sized logs). DuckDB
scans Parquet and CSV out of core with a memory limit, so 100 M events fit a laptop; pandas would not.

Raw user ids never leave this module: the distinct ids are replaced by ``p-`` + HMAC-SHA256 pseudonyms
(:func:`stickiness_research.responses.privacy.pseudonym`, the same key and form as the survey readers use), so a
respondent's answers join to their own behaviour and no raw id reaches a table, a figure or a report.
"""

from __future__ import annotations

import functools
import glob as globbing
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from .._validation import InstanceOf, Satisfies, check
from ..errors import EventDataError
from ..responses.privacy import check_key, find_key, mask, pseudonym_list

#: What a user can do, in the order of a visit (``push`` is sent by the enterprise, not user activity).
EVENT_TYPES = ("push", "open", "read", "share", "click", "purchase")
#: The declared schema: column -> (type, required, meaning). Extra columns in a file are ignored.
SCHEMA: dict[str, tuple[str, bool, str]] = {
    "user_id": ("string", True, "the platform's user id (openid, member number); replaced by a keyed pseudonym"),
    "timestamp": ("timestamp", True, "when the event happened, local time (YYYY-MM-DD HH:MM:SS)"),
    "event_type": ("string", True, "one of " + ", ".join(EVENT_TYPES)),
    "session_id": ("string", False, "the visit the event belongs to (sessions are counted per user)"),
    "content_type": ("string", False, "the kind of content read, shared or clicked (customer_story, ...)"),
    "completion": ("float64", False, "share of an article read, in [0, 1] (read events)"),
    "product": ("string", False, "the product bought (purchase events)"),
}
_ERRORS_SHOWN = 3
_DATE = Satisfies(lambda v: isinstance(v, str | date) and not isinstance(pd.Timestamp(v), type(pd.NaT)),
                  "a date (datetime.date or 'YYYY-MM-DD')")
_ZONE = Satisfies(lambda v: isinstance(v, str) and v in _zones(), "an IANA time zone such as 'Asia/Shanghai'")
_MEMORY = Satisfies(lambda v: isinstance(v, str) and re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", v.strip(), re.I),
                    "a size such as '4GB' or '512MB'")


@functools.cache
def _zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


@dataclass(frozen=True)
class Events:
    """An event log ready for queries: typed columns, the observation window, keyed pseudonyms for users.

    Attributes
    ----------
    table : ibis.Table
        One row per event (inside the window): ``user_id`` (pseudonym ``p-`` + 16 hex), ``timestamp``, ``day``
        (date), ``event_type``, and the optional columns of :data:`SCHEMA` (null where the file has none).
    start, end : datetime.date
        First and last day of the observation window (the log's first and last event day unless given).
    provenance : dict
        Files and their SHA-256, number of events and users, the engine, how ids were pseudonymised.

    Notes
    -----
    The analyses group by the platform's own ids inside the engine (``raw``; a string join of every event with
    the pseudonym table would double the cost of a scan) and swap in pseudonyms on the per-user results
    (:meth:`pseudonymous`), so raw ids never come back to Python.

    A pseudonym is ``"p-"`` + the first 16 hex digits of HMAC-SHA256(key, user id) (RFC 2104): the same key
    gives the same pseudonym in the survey readers and here, and without the key a pseudonym cannot be traced
    back to an id (nor recomputed from a guessed one).

    Build it with :func:`~stickiness_research.read_events`; constructing it directly skips the schema checks.

    References
    ----------
    Krawczyk, H., Bellare, M., & Canetti, R. (1997). HMAC: Keyed-hashing for message authentication. RFC 2104.

    Examples
    --------
    A simulated log held in memory (a Parquet or CSV path reads the same way):

    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> ev
    Events(8,360 events of 120 users, 2026-01-01 to 2026-03-01, engine duckdb)
    >>> ev.table.columns
    ('user_id', 'timestamp', 'event_type', 'session_id', 'content_type', 'completion', 'product', 'day')
    >>> ev.provenance["ids"]
    'keyed pseudonyms (HMAC-SHA256, given key)'

    Survey ids map to the log's pseudonyms with the same key, which is how survey and log are joined:

    >>> ev.pseudonyms(df["respondent_id"].head(2)).str.len().tolist()
    [18, 18]
    """

    raw: Any = field(repr=False)
    ids: Any = field(repr=False)
    start: date
    end: date
    provenance: dict
    key: bytes = field(repr=False)
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # per-user passes shared by analyses

    @property
    def table(self) -> Any:
        """The events with pseudonymous ``user_id`` (an Ibis expression; nothing runs until it is executed)."""
        return self.pseudonymous(self.raw)

    @property
    def backend(self) -> Any:
        """The Ibis backend running the queries (DuckDB unless another was connected)."""
        return self.raw._find_backend()

    def pseudonymous(self, expr: Any) -> Any:
        """``expr`` (a table with the platform's ``user_id``) with ``user_id`` replaced by the pseudonym."""
        ids = self.ids
        columns = [c for c in expr.columns if c != "user_id"]
        joined = expr.join(ids, expr.user_id == ids.raw_id)
        return joined.select(user_id=joined.pseudonym, **{c: joined[c] for c in columns})

    def segment_of(self, segments: pd.Series) -> pd.Series:
        """Survey segments (index: survey ids) as text, indexed by this log's pseudonyms."""
        return pd.Series(segments.astype(str).to_numpy(), index=self.pseudonyms(pd.Series(segments.index)).to_numpy())

    def users_of(self, segments: pd.Series) -> Any:
        """A table of the log's users (``user_id`` as in :attr:`raw`) and their ``segment`` from the survey."""
        import ibis

        segment = self.segment_of(segments)
        survey = ibis.memtable(pd.DataFrame({"pseudonym": segment.index, "segment": segment.to_numpy()}))
        joined = survey.join(self.ids, "pseudonym")
        return joined.select(user_id=joined.raw_id, segment=joined.segment)

    def pseudonyms(self, ids: pd.Series) -> pd.Series:
        """Survey ids as this log's pseudonyms (ids already pseudonymised with ``p-`` are kept), for joining."""
        text = ids.astype(str)
        return text.where(text.str.startswith("p-"), ["p-" + h for h in pseudonym_list(text, self.key)])

    def __repr__(self) -> str:
        p = self.provenance
        return (f"Events({p['n_events']:,} events of {p['n_users']:,} users, {self.start} to {self.end}, "
                f"engine {p['engine']})")


def read_events(path: str | Path | list, *, key: bytes | None = None, backend: Any = None,
                event_types: dict[str, str] | None = None, columns: dict[str, str] | None = None,
                start: date | str | None = None, end: date | str | None = None,
                memory_limit: str = "4GB", timezone: str = "Asia/Shanghai") -> Events:
    """Read event logs (Parquet or CSV; a path, a glob such as ``logs/*.parquet``, or a list of paths).

    Parameters
    ----------
    path : str, Path, list or DataFrame
        The files. All must have the same format (by suffix: ``.parquet``/``.pq`` or ``.csv``). A DataFrame
        (such as :func:`~stickiness_research.simulate_events` returns) is read as a log held in memory.
    key : bytes, optional
        HMAC key (>= 16 bytes) of the pseudonyms; default ``STICKINESS_HMAC_KEY`` as for survey files, so
        survey respondents and log users get the same pseudonyms. Without either, a random key for this
        session: joins to survey data work within the session, the pseudonyms cannot be recomputed later.
    backend : ibis backend, optional
        A connected Ibis backend (e.g. ``ibis.pyspark.connect(spark)``); default a new in-memory DuckDB.
    event_types : dict, optional
        The file's event names mapped to ours (``{"article_view": "read"}``); names already ours need no entry.
    columns : dict, optional
        Our column names mapped to the file's (``{"user_id": "openid", "timestamp": "ts"}``).
    start, end : date or str, optional
        The observation window (dates, inclusive); default the log's first and last event day. Events outside
        are dropped (they are counted in the provenance).
    memory_limit : str
        DuckDB's memory limit (``"4GB"``): larger scans spill to disk instead of failing.
    timezone : str
        The IANA time zone days and hours are counted in (default ``"Asia/Shanghai"``). Timestamps without a
        zone are taken as that zone's wall-clock time; timestamps with one (a zoned Parquet column, or text
        with an offset such as ``+08:00`` or ``Z``) are converted to it, so "weekday evening" means the
        users' evening. (On Spark, set ``spark.sql.session.timeZone`` instead.)

    Returns
    -------
    Events

    Raises
    ------
    EventDataError
        No file matches; a file is neither Parquet nor CSV; a required column is missing; a value breaks the
        schema (unparseable timestamp, unknown event type, empty user id, completion outside [0, 1]) - the
        message names the file, the row (a CSV's line, the header being row 1) and the column, the value masked.

    Examples
    --------
    >>> import stickiness_research as sr, tempfile, os
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=50, seed=1)
    >>> log = os.path.join(tempfile.mkdtemp(), "events.parquet")
    >>> sr.simulate_events(q, df, days=30, seed=1).to_parquet(log)
    >>> ev = sr.read_events(log, key=b"0123456789abcdef")
    >>> ev.provenance["n_users"], str(ev.start)
    (50, '2026-01-01')
    """
    if key is not None:
        key = check_key(key, "read_events")  # the message gives a refused key's length, never the key
    for name, value in (("start", start), ("end", end)):
        check(value, name, "read_events", _DATE, None)
    check(memory_limit, "memory_limit", "read_events", _MEMORY)
    check(timezone, "timezone", "read_events", _ZONE)
    check(event_types, "event_types", "read_events", InstanceOf(dict, "a dict of file names to ours"), None)
    check(columns, "columns", "read_events", InstanceOf(dict, "a dict of our column names to the file's"), None)
    if isinstance(path, pd.DataFrame):  # a log in memory (e.g. from simulate_events): no file to keep around
        files, fmt = [_Frame(path)], "dataframe"
    else:
        files = _files(path)
        fmt = _format(files)
    import ibis

    con = backend if backend is not None else ibis.duckdb.connect(memory_limit=memory_limit)
    engine = con.name
    names = {ours: (columns or {}).get(ours, ours) for ours in SCHEMA}
    if engine == "duckdb":  # the zone zoned timestamps are converted to (a validated IANA name: no injection)
        con.raw_sql(f"SET TimeZone = '{timezone}'")
    raw = _scan(con, files, fmt, names)
    # one pass: the schema checks, every user's id, first and last day and events (the ids become pseudonyms)
    problems = _problems(raw, event_types or {})
    per_user = raw.group_by("user_id").aggregate(
        first=raw.timestamp.min(), last=raw.timestamp.max(), n=raw.count(),
        **{f"_bad_{column}": pred.sum() for column, (pred, _, _) in problems.items() if column != "user_id"}
    ).to_pandas()
    if per_user.empty:
        raise EventDataError(f"read_events: {files[0]}{f' (and {len(files) - 1} more)' if len(files) > 1 else ''} "
                             "holds no events (only a header); give the log with its rows.")
    _refuse(con, raw, files, fmt, names, problems, per_user)
    raw = raw.mutate(event_type=_mapped(raw.event_type, event_types or {}))

    key_source = "given key" if key is not None else None
    if key is None:
        key = find_key()
        key_source = "STICKINESS_HMAC_KEY" if key is not None else "a random key of this session"
        key = key if key is not None else secrets.token_bytes(32)
    ids = ibis.memtable(pd.DataFrame({"raw_id": per_user["user_id"].to_numpy(),
                                      "pseudonym": ["p-" + h for h in pseudonym_list(per_user["user_id"], key)]}))
    first = pd.Timestamp(per_user["first"].min()).date()
    last = pd.Timestamp(per_user["last"].max()).date()
    window = (pd.Timestamp(start).date() if start is not None else first,
              pd.Timestamp(end).date() if end is not None else last)
    if window[1] < window[0]:
        raise EventDataError(f"read_events: the window ends ({window[1]}) before it starts ({window[0]}); "
                             "give start <= end.")
    # lazy: every query scans the files again (out of core, in parallel), so 100 M events need no copy in memory
    raw = raw.drop("_raw_timestamp", "_raw_completion")
    raw = raw.mutate(day=raw.timestamp.date())
    n_total = int(per_user["n"].sum())
    if window == (first, last):
        inside, n_events, n_users = raw, n_total, len(per_user)
    else:
        inside = raw.filter((raw.day >= window[0]) & (raw.day <= window[1]))
        counts = inside.aggregate(n=inside.count(), users=inside.user_id.nunique()).to_pandas().iloc[0]
        n_events, n_users = int(counts["n"]), int(counts["users"])
    provenance = {"files": {str(f): _sha256(f) for f in files}, "format": fmt, "engine": engine,
                  "n_events": n_events, "n_users": n_users, "outside_window": n_total - n_events,
                  "ids": f"keyed pseudonyms (HMAC-SHA256, {key_source})", "timezone": timezone}
    return Events(raw=inside, ids=ids, start=window[0], end=window[1], provenance=provenance, key=key)


def _files(path: str | Path | list) -> list[Path]:
    items = path if isinstance(path, list | tuple) else [path]
    files: list[Path] = []
    for item in items:
        matched = sorted(globbing.glob(str(item))) if any(ch in str(item) for ch in "*?[") else [str(item)]
        files.extend(Path(m) for m in matched)
    missing = [f for f in files if not f.is_file()]
    if not files or missing:
        raise EventDataError(f"read_events: {missing[0] if missing else path}: no such event file; give a Parquet "
                             "or CSV file, a glob such as logs/*.parquet, or a list of them.")
    return files


def _format(files: list[Path]) -> str:
    kinds = {"parquet" if f.suffix.lower() in (".parquet", ".pq") else "csv" if f.suffix.lower() == ".csv"
             else f.suffix for f in files}
    if len(kinds) > 1 or not kinds <= {"parquet", "csv"}:
        raise EventDataError(f"read_events: {files[0]}: event logs must all be Parquet (.parquet) or all CSV "
                             f"(.csv); got {sorted(kinds)}.")
    return kinds.pop()


def _scan(con: Any, files: list[Path], fmt: str, names: dict[str, str]) -> Any:
    """The files as an Ibis table with our column names and types; missing optional columns are null."""
    import ibis

    paths = [str(f) for f in files]
    if fmt == "dataframe":
        # a table of this connection (its memory limit, its backend), not a free-floating memtable
        raw = con.create_table(f"events_{secrets.token_hex(6)}", ibis.memtable(files[0].frame), temp=True)
    else:
        source = paths[0] if len(paths) == 1 else paths  # Ibis' PySpark backend takes one path (or glob) only
        if con.name == "pyspark":
            raw = con.read_parquet(source) if fmt == "parquet" else con.read_csv(source, inferSchema=False,
                                                                                 header=True)
        else:
            raw = con.read_parquet(source) if fmt == "parquet" else con.read_csv(source, all_varchar=True)
    present = set(raw.columns)
    for ours, (_, required, meaning) in SCHEMA.items():
        if required and names[ours] not in present:
            raise EventDataError(f"{files[0]}: column {names[ours]!r} ({meaning}) is missing; the file has "
                                 f"{sorted(present)}. Map your column with columns={{'{ours}': 'your_name'}}.")
    out = {}
    for ours, (dtype, _, _) in SCHEMA.items():
        if names[ours] in present:
            value = raw[names[ours]]
            if dtype == "timestamp" and con.name == "duckdb" and not value.type().is_timestamp():
                # text: through TIMESTAMPTZ, so an offset (+08:00, Z) converts to the session's zone and a
                # naive time stays as written; strip() keeps DuckDB from pushing the cast into the CSV scan
                out[ours] = value.cast("string").strip().try_cast("timestamp('UTC')").cast("timestamp")
            elif dtype == "string" or (value.type().is_timestamp() if dtype == "timestamp" else value.type().is_numeric()):
                out[ours] = value.cast(dtype)  # a zoned timestamp becomes the session zone's wall-clock time
            else:  # text: strip() also keeps DuckDB from pushing the cast into the CSV scan, where it would raise
                out[ours] = value.cast("string").strip().try_cast(dtype)
        else:
            out[ours] = ibis.null(dtype)
    out["_raw_timestamp"] = raw[names["timestamp"]].cast("string")
    # the text of a completion that is not a number (a typed column needs no check, and no cast on every row)
    completion = raw[names["completion"]] if names["completion"] in present else None
    out["_raw_completion"] = completion.cast("string") if completion is not None and completion.type().is_string() \
        else ibis.null("string")
    return raw.select(**out)


def _mapped(event_type: Any, mapping: dict[str, str]) -> Any:
    if not mapping:
        return event_type
    cases = [(event_type == theirs, ours) for theirs, ours in mapping.items()]
    import ibis

    return ibis.cases(*cases, else_=event_type)


def _problems(raw: Any, event_types: dict[str, str]) -> dict[str, tuple[Any, str, str]]:
    """Per column: the predicate of a value breaking the schema, what it is, how to fix it."""
    unknown = [ours for ours in event_types.values() if ours not in EVENT_TYPES]
    if unknown:
        raise EventDataError(f"read_events: event_types maps to {unknown[0]!r}, which is not one of ours "
                             f"({', '.join(EVENT_TYPES)}).")
    known = list(EVENT_TYPES) + list(event_types)
    return {
        "user_id": (raw.user_id.isnull() | (raw.user_id.strip() == ""), "an empty user id",
                    "every event needs the user it belongs to; drop or fill these rows"),
        "timestamp": (raw.timestamp.isnull(), "not a timestamp", "write timestamps as YYYY-MM-DD HH:MM:SS"),
        "event_type": (~raw.event_type.isin(known) | raw.event_type.isnull(), "not a known event type",
                       f"use one of {', '.join(EVENT_TYPES)} or map yours with event_types={{'yours': 'read'}}"),
        "completion": ((raw.completion < 0) | (raw.completion > 1)
                       | (raw.completion.isnull() & raw._raw_completion.notnull()
                          & (raw._raw_completion.strip() != "")), "not a share in [0, 1]",
                       "write the share of the article read as a number from 0 to 1"),
    }


def _refuse(con: Any, raw: Any, files: list[Path], fmt: str, names: dict[str, str], problems: dict,
            per_user: pd.DataFrame) -> None:
    """Raise for the first column with values breaking the schema, naming file, row and column."""
    for column, (pred, what, fix) in problems.items():
        if column == "user_id":  # on the distinct ids, not on every event (a string strip per event is slow)
            empty = per_user["user_id"].isna() | (per_user["user_id"].astype(str).str.strip() == "")
            count = int(per_user.loc[empty, "n"].sum())
        else:
            count = int(per_user[f"_bad_{column}"].sum())
        if count:
            rows = _locate(con, files, fmt, names, raw, pred, column)
            file, row, value = rows[0]
            others = [f"row {r}" if f == file else f"{f} row {r}" for f, r, _ in rows[1:]]
            more = f" ({count - 1} more rows{': ' + ', '.join(others) + ', ...' if others else ''})" if count > 1 else ""
            raise EventDataError(f"{file}: row {row}, column {names[column]!r}: {mask(value)} is {what}{more}; "
                                 f"{fix}.")


def _locate(con: Any, files: list[Path], fmt: str, names: dict[str, str], raw: Any, pred: Any,
            column: str) -> list[tuple[str, int, str]]:
    """File, row and raw value of the first offending rows (the error path only: one file at a time, in file
    order). A CSV row is its line as a spreadsheet numbers it, the header being row 1 (as the survey readers
    count); a Parquet or DataFrame row is its 1-based position."""
    shown = {"timestamp": "_raw_timestamp", "completion": "_shown_completion"}.get(column, column)
    import ibis

    found: list[tuple[str, int, str]] = []
    for f in files:
        one = _scan(con, [f], fmt, names)
        one = one.mutate(_row=ibis.row_number() + (2 if fmt == "csv" else 1),
                         _shown_completion=one._raw_completion.fill_null(one.completion.cast("string")))
        hits = one.filter(_rebind(pred, raw, one)).order_by("_row").select("_row", shown)
        rows = _in_file_order(con, hits.limit(_ERRORS_SHOWN - len(found)))
        found += [(str(f), int(r["_row"]), "" if pd.isna(r[shown]) else str(r[shown])) for _, r in rows.iterrows()]
        if len(found) >= _ERRORS_SHOWN:
            break
    return found


def _in_file_order(con: Any, query: Any) -> pd.DataFrame:
    """Run ``query`` on one DuckDB thread: row_number() then follows the file's order (error path only)."""
    if con.name != "duckdb":
        return query.to_pandas()
    threads = con.raw_sql("SELECT current_setting('threads')").fetchone()[0]
    con.raw_sql("SET threads = 1")
    try:
        return query.to_pandas()
    finally:
        con.raw_sql(f"SET threads = {int(threads)}")


def _rebind(pred: Any, old: Any, new: Any) -> Any:
    """``pred`` (an expression on table ``old``) on table ``new`` with the same columns."""
    return pred.op().replace({old.op(): new.op()}).to_expr()


@dataclass(frozen=True)
class _Frame:
    """An event log given as a DataFrame, standing where a file would (its "name" in messages and provenance)."""

    frame: pd.DataFrame

    def __str__(self) -> str:
        return "DataFrame"


def _sha256(path: Path | _Frame) -> str:
    if isinstance(path, _Frame):  # the frame's content, row by row (pandas' stable hash of values and index)
        return hashlib.sha256(pd.util.hash_pandas_object(path.frame, index=True).to_numpy().tobytes()).hexdigest()
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
