"""One results protocol and one renderer: every result says what it holds, ``Summary`` says it in every format.

A result type (SEM, CFA, invariance, EFA, regression, moderation, mediation, power, segments, PLS, behaviour,
study) mixes in :class:`Reportable` and provides ``title``, ``tables() -> dict[str, DataFrame]``, and optionally
``headline()`` (lines such as the fit line) and ``notes`` (warnings, caveats). :class:`Summary`, as statsmodels'
``summary2``, turns that into text (``str(res)``, ``print(res.summary())``), HTML (Jupyter's ``_repr_html_``),
Markdown, LaTeX (booktabs tables in APA style: *p* < .001 floor, no leading zero for p, minus signs) and a
JSON-ready dict (``to_dict()``: type, title, lines, notes, ``meta()`` and every table as records; the CLI's
``--json`` and the report's results.json are made of these). It sits at the bottom of the package (beside ``_validation`` and ``_io``) because results of
every layer use it and imports point down only; the report layer formats its own tables further (``report.apa``).
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

_P_COLUMNS = {"pvalue", "p", "p_value", "pvalue.scaled", "rho_pvalue", "f_pvalue", "p_chisq", "p_scaled"}
_COUNT_COLUMNS = {"df", "delta_df", "n", "n_obs", "users", "replications", "failed", "k", "n_items", "npar", "events", "day",
                  "rank"}


def _is_p(column: str) -> bool:
    column = column.split("[")[0]  # a per-group column, e.g. pvalue[banking]
    return column in _P_COLUMNS or column.endswith("pvalue") or column.startswith("p_")


def _cell(value: Any, column: str, digits: int = 3) -> str:
    """A cell as text: 3 decimals, p values floored at <.001, NaN empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if _is_p(column):
            return "<.001" if value < 0.001 else f"{value:.3f}"
        if column in _COUNT_COLUMNS and float(value).is_integer():
            return str(int(value))  # a df or a count is a whole number, not 1040.000
        text = f"{value:.{digits}f}"
        return text[1:] if text.startswith("-") and float(text) == 0 else text  # no -0.000
    return str(value)


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with a meaningful index as its first column (an unnamed one gets an empty header, not "index")."""
    if not _named_index(frame):
        return frame
    names = [n if n is not None else "" for n in frame.index.names]
    return frame.rename_axis(names).reset_index()


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    shown = _shown(frame)
    return pd.DataFrame({c: [_cell(v, str(c)) for v in shown[c]] for c in shown.columns}, index=range(len(shown)))


def _named_index(frame: pd.DataFrame) -> bool:
    """A meaningful index (named, or labels rather than 0..n-1) is shown as a column."""
    return any(n is not None for n in frame.index.names) or not isinstance(frame.index, pd.RangeIndex)


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def _latex_escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}"), ("~", r"\textasciitilde{}"), ("^", r"\^{}")):
        text = text.replace(a, b)
    return text


def _apa(text: str, column: str) -> str:
    """APA in LaTeX: no leading zero for p values, a true minus sign, arrows as arrows."""
    if _is_p(column) and text.startswith("0."):
        text = text[1:]
    text = text.replace("->", r"$\rightarrow$")  # a bare > prints as an inverted question mark in OT1 text
    text = text.replace("<", "$<$")  # a bare < prints as an inverted exclamation mark in LaTeX's text mode
    return text.replace("-", "$-$", 1) if text[:1] == "-" and text[1:2].isdigit() else text


LONG_TABLE_ROWS = 40  # longer tables are set as longtables (they would not fit on a page)


class Summary(str):
    """A result's summary: its text (this object *is* that string), plus the same content as HTML, Markdown,
    LaTeX and a dict.

    Parameters
    ----------
    title : str
        What the result is ("SEM (MLR)", "Measurement invariance across product_type").
    tables : dict of str to DataFrame
        Named tables, in order (a named or labelled index is shown as a column).
    notes : sequence of str
        Warnings and caveats, shown after the tables.
    lines : sequence of str
        Headline lines shown under the title (sample size, the fit line).
    meta : dict, optional
        Scalars a machine reader needs (sample size, estimator, seed, settings); only in :meth:`as_dict`.
    kind : str, optional
        The result type it summarises (``"SEMResult"``), the dict's ``"type"``; ``"Summary"`` by default.

    Examples
    --------
    >>> import pandas as pd
    >>> s = Summary("Demo", {"estimates": pd.DataFrame({"path": ["a"], "est": [0.5], "pvalue": [0.0001]})},
    ...             notes=["simulated"])
    >>> print(s)  # doctest: +NORMALIZE_WHITESPACE
    Demo
    <BLANKLINE>
    estimates
    path   est pvalue
       a 0.500 <.001
    <BLANKLINE>
    note: simulated
    >>> "pvalue" in s and s.as_dict()["tables"]["estimates"][0]["est"]
    0.5
    >>> list(s.as_dict())
    ['type', 'title', 'lines', 'notes', 'meta', 'tables']
    """

    title: str
    tables: dict[str, pd.DataFrame]
    notes: tuple[str, ...]
    lines: tuple[str, ...]
    meta: dict[str, Any]
    kind: str

    def __new__(cls, title: str, tables: dict[str, pd.DataFrame], notes: Any = (), lines: Any = (),
                meta: dict[str, Any] | None = None, kind: str = "Summary") -> Summary:
        tables = {k: v if isinstance(v, pd.DataFrame) else pd.DataFrame(v) for k, v in tables.items()}
        parts = [title, *lines]
        for name, frame in tables.items():
            shown = _texts(frame)
            parts += ["", name, shown.to_string(index=False) if len(shown.columns) else "(empty)"]
        if notes:
            parts.append("")
            parts += [f"note: {n}" for n in notes]
        self = super().__new__(cls, "\n".join(parts))
        self.title, self.tables, self.notes, self.lines = title, tables, tuple(notes), tuple(lines)
        self.meta, self.kind = dict(meta or {}), kind
        return self

    def as_text(self) -> str:
        """The plain text (``str(summary)``)."""
        return str.__str__(self)

    def as_html(self) -> str:
        """HTML for Jupyter: the title, headline lines, each table and the notes."""
        out = [f"<div><h4>{html.escape(self.title)}</h4>"]
        out += [f"<p>{html.escape(line)}</p>" for line in self.lines]
        for name, frame in self.tables.items():
            out.append(f"<p><b>{html.escape(name)}</b></p>" + _texts(frame).to_html(index=False, escape=True))
        out += [f"<p><i>Note.</i> {html.escape(n)}</p>" for n in self.notes]
        return "".join(out) + "</div>"

    def as_markdown(self) -> str:
        """Markdown: the title as a heading, every table with all its columns (the group column included)."""
        out = [f"**{self.title}**", *self.lines]
        for name, frame in self.tables.items():
            shown = _texts(frame)
            head = "| " + " | ".join(map(str, shown.columns)) + " |"
            rule = "|" + "|".join("---" for _ in shown.columns) + "|"
            rows = ["| " + " | ".join(shown.iloc[i]) + " |" for i in range(len(shown))]
            out += [f"*{name}*", "\n".join([head, rule, *rows])]
        out += [f"*Note.* {n}" for n in self.notes]
        return "\n\n".join(out) + "\n"

    def as_latex(self) -> str:
        """LaTeX tables (booktabs: ``\\usepackage{booktabs}``) in APA style, one per table, notes below.

        A table of more than ``LONG_TABLE_ROWS`` rows is a ``longtable`` (``\\usepackage{longtable}``): it breaks
        across pages and repeats its header on each, where a float would run off the page.
        """
        out = []
        for name, frame in self.tables.items():
            shown = _texts(frame)
            align = "".join("l" if shown[c].map(lambda t: not _numeric(t)).any() else "r" for c in shown.columns)
            head = " & ".join(_apa(_latex_escape(str(c)), "") for c in shown.columns) + r" \\"
            rows = [" & ".join(_apa(_latex_escape(shown.iloc[i, j]), str(c)) for j, c in enumerate(shown.columns))
                    + r" \\" for i in range(len(shown))]
            caption = _apa(_latex_escape(f"{self.title}: {name}"), "")
            notes = [*self.lines, *self.notes] if not out else []
            note = (r"{\small\textit{Note.} " + _apa(_latex_escape(" ".join(notes)), "") + "}") if notes else ""
            if len(rows) > LONG_TABLE_ROWS:
                body = [rf"\begin{{longtable}}{{{align}}}", rf"\caption{{\textit{{{caption}}}}} \\",
                        r"\toprule", head, r"\midrule", r"\endfirsthead", r"\toprule", head, r"\midrule", r"\endhead",
                        r"\bottomrule", r"\endlastfoot", *rows, r"\end{longtable}"]
                out.append("\n".join(body + ([note] if note else [])))
                continue
            body = [r"\begin{table}[htbp]", r"\centering", rf"\caption{{\textit{{{caption}}}}}",
                    rf"\begin{{tabular}}{{{align}}}", r"\toprule", head, r"\midrule", *rows, r"\bottomrule",
                    r"\end{tabular}"]
            if note:
                body.append(r"\par\smallskip" + note)
            out.append("\n".join(body + [r"\end{table}"]))
        return "\n\n".join(out) + "\n"

    def as_dict(self) -> dict[str, Any]:
        """The results protocol's JSON shape: one dict, the same for every result type.

        Returns
        -------
        dict
            ``type``
                The result's class name (``"SEMResult"``, ``"CFAResult"``, ``"PowerTable"``, ...).
            ``title``
                Its title, as the text summary's first line.
            ``lines``
                The headline lines under the title (sample size, the fit line), a list of str.
            ``notes``
                Warnings and caveats, a list of str.
            ``meta``
                The scalars a machine reader needs, by name (``n_obs``, ``estimator``, ``groups``, ``seed``,
                ``n_boot``, ``settings``, ...; a result's ``meta()``), nested dicts and lists allowed.
            ``tables``
                Every table of ``tables()`` in order, by name, as a list of records (one dict per row, column ->
                value); a named or labelled index is the first column.

            Only JSON types: NaN and infinities are ``None``, numpy scalars Python numbers, dates ISO text; the
            same result gives the same dict (``json.dumps`` of it is byte-identical across runs).
        """
        tables = {name: _json(_shown(frame).to_dict(orient="records"))
                  for name, frame in self.tables.items()}
        return {"type": self.kind, "title": self.title, "lines": list(self.lines), "notes": list(self.notes),
                "meta": _json(self.meta), "tables": tables}


def _numeric(text: str) -> bool:
    if text in ("", "<.001"):
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


class Reportable:
    """Mixin of the results protocol: define ``title`` and ``tables()`` (and optionally ``headline()``,
    ``notes`` and ``meta()``); get ``summary()``, ``str()``, ``_repr_html_()``, ``to_markdown()``, ``to_latex()``
    and ``to_dict()`` from :class:`Summary`.

    ``to_dict()`` is the one JSON shape of every result (``stickiness ... --json`` prints it as ``"result"``, and
    the report's ``results.json`` holds one per analysis)::

        {"type": "SEMResult", "title": "SEM (ML, lavaan definitions)", "lines": ["N = 301; ...", "chisq(24) = ..."],
         "notes": [], "meta": {"n_obs": 301, "estimator": "ML", "fit_measures": {"cfi": 0.931, ...}, ...},
         "tables": {"estimates": [{"lhs": "visual", "op": "=~", "rhs": "x1", "est": 1.0, ...}, ...], ...}}

    See :meth:`Summary.as_dict` for each key. A result whose JSON needs more than its tables puts the extra
    scalars in ``meta()``; tables it computes on demand belong in ``tables()``.
    """

    title: str = "Result"

    def tables(self) -> dict[str, pd.DataFrame]:  # pragma: no cover - every result defines it
        raise NotImplementedError

    def meta(self) -> dict[str, Any]:
        """Scalars a machine reader needs (sample size, estimator, seed, settings), JSON-safe; none by default."""
        return {}

    def headline(self) -> list[str]:
        """Lines under the title (sample size, fit line); none by default."""
        return []

    def summary_notes(self) -> list[str]:
        """Warnings and caveats (the result's ``notes`` or ``warnings`` attribute, when it has one)."""
        notes = getattr(self, "notes", None)
        notes = getattr(self, "warnings", ()) if notes is None or callable(notes) else notes
        return [str(n) for n in (notes or ())]

    def summary(self) -> Summary:
        """The result's :class:`Summary` (a str: ``print(res.summary())``; also ``.as_html()``, ``.as_latex()``)."""
        lines = self.headline()
        return Summary(self.title, self.tables(), self.summary_notes(), [lines] if isinstance(lines, str) else lines,
                       meta=self.meta(), kind=type(self).__name__)

    def __str__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()

    def to_markdown(self) -> str:
        """Markdown of every table (see :meth:`Summary.as_markdown`)."""
        return self.summary().as_markdown()

    def to_latex(self) -> str:
        """LaTeX booktabs tables in APA style (see :meth:`Summary.as_latex`)."""
        return self.summary().as_latex()

    def to_dict(self) -> dict[str, Any]:
        """The results protocol's JSON-ready dict: type, title, lines, notes, meta, tables (see
        :meth:`Summary.as_dict`)."""
        return self.summary().as_dict()


def protocol_dict(result: Reportable | Summary) -> dict[str, Any]:
    """The results protocol's dict of a result or a :class:`Summary` (:meth:`Summary.as_dict`).

    The same as ``result.to_dict()``, also for a result whose ``to_dict`` is another's (a :class:`PowerTable
    <stickiness_research.PowerTable>` is a DataFrame, its ``to_dict`` pandas').
    """
    return (result if isinstance(result, Summary) else result.summary()).as_dict()
