"""Measurement invariance across groups: configural, metric, scalar and strict models compared.

Each level adds lavaan ``group.equal`` constraints to the previous one. Nested models are compared
by the chi-square difference test and by the changes in CFI and RMSEA, with Chen's (2007)
cut-offs (the chi-square test rejects trivial differences at survey sample sizes).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from scipy import special

from ..errors import ModelSpecError
from .fit import fit_sem
from .result import SEMResult

LEVELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("configural", ()),
    ("metric", ("loadings",)),
    ("scalar", ("loadings", "intercepts")),
    ("strict", ("loadings", "intercepts", "residuals")),
)
# The rule, stated once: a level fails when CFI drops by more than .010 (Cheung & Rensvold 2002; Chen 2007's
# primary criterion) or RMSEA rises by more than .015 (Chen 2007's supplement) - either change is enough, the
# conservative reading (on Holzinger-Swineford it rejects scalar invariance, as the textbook analysis does).
DELTA_CFI = -0.010
DELTA_RMSEA = 0.015


@dataclass(frozen=True, eq=False)
class InvarianceResult:
    """The invariance table and the fitted model of every level."""

    table: pd.DataFrame
    fits: dict[str, SEMResult]
    group: str
    groups: tuple[str, ...]

    @property
    def level(self) -> str:
        """The strictest level that holds ("none" if even metric invariance fails)."""
        held = "configural"
        for row in self.table.itertuples():
            if row.model == "configural":
                continue
            if not row.holds:
                break
            held = row.model
        return held

    def verdict(self) -> str:
        lvl = self.level
        groups = ", ".join(self.groups)
        if lvl == "configural":
            return (f"Only configural invariance across {self.group} ({groups}): loadings differ, so construct "
                    "scores and paths are not comparable across groups.")
        meaning = {"metric": "paths and correlations can be compared across groups, latent means cannot",
                   "scalar": "latent means, paths and correlations can be compared across groups",
                   "strict": "observed scale scores can also be compared across groups"}[lvl]
        return f"{lvl.capitalize()} invariance holds across {self.group} ({groups}): {meaning}."

    def summary(self) -> str:
        with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
            return f"Measurement invariance across {self.group}\n{self.table.to_string(index=False)}\n{self.verdict()}"

    __str__ = summary

    def _repr_html_(self) -> str:
        return (f"<div><p><b>Measurement invariance</b> across {self.group}</p>"
                + self.table.to_html(index=False, float_format=lambda v: f"{v:.3f}", na_rep="")
                + f"<p>{self.verdict()}</p></div>")


def invariance(data: pd.DataFrame, q, group: str, *, levels: tuple[str, ...] = ("configural", "metric", "scalar",
                                                                                   "strict")) -> InvarianceResult:
    """Test measurement invariance of a measurement model across the groups in a column.

    Parameters
    ----------
    data : DataFrame
        Item answers (reverse-keyed items recoded) and the group column.
    q : Questionnaire or str
        A Questionnaire (its measurement model is used) or lavaan syntax.
    group : str
        Column defining the groups, e.g. ``"product_type"``.
    levels : tuple of str
        Which of configural, metric, scalar, strict to fit (in that order).

    Returns
    -------
    InvarianceResult
        ``table`` with columns model, chisq, df, pvalue, cfi, rmsea, srmr, delta_chisq, delta_df,
        delta_pvalue, delta_cfi, delta_rmsea, holds; ``fits`` by level; ``verdict()``. A level
        holds unless CFI drops by more than .010 or RMSEA rises by more than .015 against the
        previous level (either is enough; Cheung & Rensvold 2002, Chen 2007).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> model = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> res = sr.invariance(hs, model, group="school", levels=("configural", "metric", "scalar"))
    >>> res.table[["model", "chisq", "df"]].round(3).values.tolist()  # In R: lavaan::cfa(..., group.equal=)
    [['configural', 115.851, 48.0], ['metric', 124.044, 54.0], ['scalar', 164.103, 60.0]]
    """
    known = [name for name, _ in LEVELS]
    bad = [lvl for lvl in levels if lvl not in known]
    if bad or list(levels) != [lvl for lvl in known if lvl in levels]:
        raise ModelSpecError(f"levels must be an ordered subset of {', '.join(known)}; got {list(levels)}.")
    syntax = q if isinstance(q, str) else q.model_syntax(structural=False)
    fits: dict[str, SEMResult] = {}
    rows = []
    previous = None
    for name, equal in LEVELS:
        if name not in levels:
            continue
        # each level starts from the one before (lavaan's start = fit): the same optimum, fewer steps
        res = fit_sem(syntax, data, group=group, group_equal=equal, start=previous)
        fits[name] = res
        fm = res.fit_measures
        row = {"model": name, "chisq": fm["chisq"], "df": fm["df"], "pvalue": fm["pvalue"], "cfi": fm["cfi"],
               "rmsea": fm["rmsea"], "srmr": fm["srmr"], "delta_chisq": float("nan"), "delta_df": float("nan"),
               "delta_pvalue": float("nan"), "delta_cfi": float("nan"), "delta_rmsea": float("nan"), "holds": True}
        if previous is not None:
            pm = previous.fit_measures
            d_chisq, d_df = fm["chisq"] - pm["chisq"], fm["df"] - pm["df"]
            row.update(delta_chisq=d_chisq, delta_df=d_df,
                       delta_pvalue=float(special.chdtrc(d_df, d_chisq)) if d_df > 0 else float("nan"),
                       delta_cfi=fm["cfi"] - pm["cfi"], delta_rmsea=fm["rmsea"] - pm["rmsea"])
            row["holds"] = bool(row["delta_cfi"] >= DELTA_CFI and row["delta_rmsea"] <= DELTA_RMSEA)  # see the rule
        rows.append(row)
        previous = res
    first = next(iter(fits.values()))
    return InvarianceResult(table=pd.DataFrame(rows), fits=fits, group=group, groups=first.groups)
