"""APA-style number formatting (7th edition); the only place numbers are turned into text."""

from __future__ import annotations

import math


def num(x: float, digits: int = 2) -> str:
    """A number with fixed decimals; minus sign as U+2212; empty for NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = f"{x:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]  # -0.000 is zero
    return text.replace("-", "\u2212")


def bounded(x: float, digits: int = 3) -> str:
    """A value bounded by 1 (correlation, beta, alpha, CFI): no leading zero, e.g. .931, \u2212.25.

    >>> bounded(0.9306), bounded(-0.25, 2)
    ('.931', '\u2212.25')
    """
    text = num(x, digits)
    return text.replace("0.", ".", 1) if text.lstrip("\u2212").startswith("0.") else text


def p_value(p: float) -> str:
    """p without leading zero, floored at < .001.

    >>> p_value(0.00002), p_value(0.0312), p_value(0.5)
    ('< .001', '.031', '.500')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "< .001" if p < 0.001 else bounded(p, 3)


def p_clause(p: float) -> str:
    """'p < .001' or 'p = .031'."""
    text = p_value(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def interval(lo: float, hi: float, digits: int = 2, *, is_bounded: bool = False) -> str:
    """[LL, UL]; a bound that is not zero but rounds to it gets more decimals (up to three more), so its sign,
    which says whether the interval excludes zero, shows.

    >>> interval(-0.0036, 0.1412, is_bounded=True), interval(0.2, 0.5)
    ('[−.004, .14]', '[0.20, 0.50]')
    """
    def f(v: float) -> str:
        shown = digits
        while shown < digits + 3 and v is not None and not math.isnan(v) and v != 0 and round(v, shown) == 0:
            shown += 1
        return bounded(v, shown) if is_bounded else num(v, shown)

    return f"[{f(lo)}, {f(hi)}]"


def stars(p: float) -> str:
    if p is None or math.isnan(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def fit_line(fm: dict, labels: dict | None = None) -> str:
    """APA fit line: χ²(df) = 85.31, p < .001, CFI = .931, TLI = .896, RMSEA = .092, 90% CI [.071, .114], SRMR = .065.

    For an MLR fit the line gives the Yuan-Bentler scaled χ² and the robust CFI/TLI/RMSEA, and says so.
    """
    from ..sem.fit_measures import headline, headline_notes

    h = headline(fm)
    ci = "" if math.isnan(h["rmsea.ci.lower"]) else \
        f", 90% CI {interval(h['rmsea.ci.lower'], h['rmsea.ci.upper'], 3, is_bounded=True)}"
    shown = lambda x, fmt: "NA" if math.isnan(x) else fmt(x)  # noqa: E731 - lavaan's NA, not an empty cell
    notes = [(labels or {}).get(n, n) for n in headline_notes(h)]
    return (f"\u03c7\u00b2({int(h['df'])}) = {shown(h['chisq'], num)}, "
            f"{'p = NA' if math.isnan(h['pvalue']) else p_clause(h['pvalue'])}, CFI = {shown(h['cfi'], bounded)}, "
            f"TLI = {shown(h['tli'], bounded)}, RMSEA = {shown(h['rmsea'], bounded)}{ci}, "
            f"SRMR = {shown(h['srmr'], bounded)}" + (f" ({'; '.join(notes)})" if notes else ""))
