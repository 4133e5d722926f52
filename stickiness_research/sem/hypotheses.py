"""Hypothesis verdicts: each hypothesis of a questionnaire matched to its estimate in a fitted model."""

from __future__ import annotations

import pandas as pd

from ..questionnaire import Questionnaire
from .result import SEMResult

ALPHA = 0.05
COLUMNS = ["hypothesis", "path", "expected_sign", "est", "se", "ci_lower", "ci_upper", "std_all", "pvalue",
           "supported", "text"]


def hypothesis_table(result: SEMResult, q: Questionnaire, *, alpha: float = ALPHA,
                     language: str | None = None) -> pd.DataFrame:
    """One row per hypothesis: estimate, 95 % CI, standardized beta, p and a verdict.

    A hypothesis is supported when its estimate has the expected sign and p < ``alpha``. Direct
    hypotheses are found by their path label (``h1``); indirect ones by their defined parameter.
    Indirect effects use delta-method (Sobel-type) Wald tests here; bootstrap intervals are better.

    Raises
    ------
    KeyError
        When the result was fitted with a model that lacks a hypothesis' labelled parameter.
    """
    lang = language or q.meta.language
    est = result.estimates
    rows = []
    for h in q.hypotheses:
        match = est[(est["label"] == h.label) & est["op"].isin(["~", ":="])]
        if match.empty:
            raise KeyError(f"hypothesis {h.id} has no parameter labelled {h.label!r} in the fitted model; fit "
                           "q.model_syntax().")
        r = match.iloc[0]
        sign_ok = (r["est"] > 0) if h.sign == "+" else (r["est"] < 0)
        rows.append({
            "hypothesis": h.id,
            "path": " -> ".join(h.chain),
            "expected_sign": h.sign,
            "est": r["est"], "se": r["se"], "ci_lower": r["ci_lower"], "ci_upper": r["ci_upper"],
            "std_all": r["std_all"], "pvalue": r["pvalue"],
            "supported": bool(sign_ok and r["pvalue"] < alpha),
            "text": h.text.get(lang, next(iter(h.text.values()))),
        })
    return pd.DataFrame(rows, columns=COLUMNS)
