"""From estimates to strategy: importance-performance map and the levers to pull, ranked by evidence.

Importance is a driver's standardized total effect on the outcome (direct plus every indirect
path), with its bootstrap interval; performance is the driver's mean score rescaled to 0-100. A
driver whose total effect is not significant is reported as such and gets no recommendation.
The levers come from a playbook data file (``data/playbook.yaml``), keyed by construct id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from scipy import stats

from .errors import ParameterError, ResponseDataError
from .questionnaire import Questionnaire

PLAYBOOK_PATH = Path(__file__).resolve().parent / "data" / "playbook.yaml"
TOTAL_EFFECT_COLUMNS = ["construct", "est_std", "ci_lower", "ci_upper"]


@cache
def load_playbook(path: str | Path = PLAYBOOK_PATH) -> dict[str, list[dict]]:
    """Construct id -> levers (each with ``id`` and one text per language)."""
    data = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8"))
    return {k: [dict(lever) for lever in v] for k, v in (data or {}).get("levers", {}).items()}


def total_effects_from_bootstrap(effects: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The standardized total effect of every driver on ``outcome`` from ``BootstrapResult.effects()``.

    Returns
    -------
    DataFrame
        construct, est_std, ci_lower, ci_upper (percentile or BCa interval of the standardized effect).
    """
    total = effects[(effects["rhs"] == "total") & effects["lhs"].str.endswith(f" -> {outcome}")]
    return pd.DataFrame({"construct": total["lhs"].str.split(" -> ").str[0], "est_std": total["std_all"],
                         "ci_lower": total["std_ci_lower"], "ci_upper": total["std_ci_upper"]}).reset_index(drop=True)


def performance(scores: pd.DataFrame, q: Questionnaire) -> pd.Series:
    """Mean construct score rescaled to 0-100 over its response set's range (IPMA performance)."""
    return performance_table(scores, q)["performance"].rename("performance")


def performance_table(scores: pd.DataFrame, q: Questionnaire, level: float = 0.95) -> pd.DataFrame:
    """IPMA performance (0-100) of every construct with its t interval (the mean score's, rescaled).

    Returns
    -------
    DataFrame
        Indexed by construct: performance, perf_ci_lower, perf_ci_upper, n.
    """
    out = {}
    for c in scores.columns:
        items = q.items_of(c)
        if not items:
            continue
        rs = q.response_set_of(items[0])
        values = scores[c].dropna().astype(float)
        scale = 100 / (rs.maximum - rs.minimum)
        mean = scale * (values.mean() - rs.minimum)
        half = (scale * stats.t.ppf(0.5 + level / 2, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
                if len(values) > 1 else np.nan)
        out[c] = {"performance": mean, "perf_ci_lower": mean - half, "perf_ci_upper": mean + half,
                  "n": len(values)}
    return pd.DataFrame.from_dict(out, orient="index")


def importance_performance(total_effects: pd.DataFrame, scores: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Importance-performance map (IPMA) of the drivers of one outcome.

    Parameters
    ----------
    total_effects : DataFrame
        construct, est_std, ci_lower, ci_upper (see :func:`total_effects_from_bootstrap`).
    scores : DataFrame
        Construct scores per respondent (:func:`scale_scores`).
    q : Questionnaire

    Returns
    -------
    DataFrame
        construct, importance, ci_lower, ci_upper, significant, performance, perf_ci_lower,
        perf_ci_upper, quadrant; ordered by importance. Quadrants split at the drivers' mean
        importance and mean performance, and only where the evidence does: a driver is placed on a
        side of an axis when its interval (bootstrap for importance, t for performance) lies wholly
        on that side; otherwise its quadrant says "performance does not differ" or "importance does
        not differ". Quadrants: ``concentrate here`` (important, under-performing), ``keep up the good
        work``, ``low priority``, ``possible overkill``.
    """
    missing = [c for c in TOTAL_EFFECT_COLUMNS if c not in total_effects.columns]
    if missing:
        raise ParameterError("total_effects", "importance_performance", f"a DataFrame with columns "
                             f"{TOTAL_EFFECT_COLUMNS}", list(total_effects.columns))
    perf = performance_table(scores, q)
    absent = [c for c in total_effects["construct"] if c not in perf.index]
    if absent:
        raise ResponseDataError(f"no scores for driver {absent[0]!r}; score every construct before mapping.")
    table = total_effects.rename(columns={"est_std": "importance"}).copy()
    table["significant"] = (table["ci_lower"] > 0) | (table["ci_upper"] < 0)
    for col in ("performance", "perf_ci_lower", "perf_ci_upper"):
        table[col] = table["construct"].map(perf[col])
    # A driver sits on a side of an axis only when its interval lies wholly on that side of the drivers'
    # mean: a 1-point difference out of 100 is no evidence of a quadrant.
    imp_mean, perf_mean = table["importance"].mean(), table["performance"].mean()
    imp_side = np.where(table["ci_lower"] > imp_mean, 1, np.where(table["ci_upper"] < imp_mean, -1, 0))
    perf_side = np.where(table["perf_ci_lower"] > perf_mean, 1,
                         np.where(table["perf_ci_upper"] < perf_mean, -1, 0))
    names = {(1, -1): "concentrate here", (1, 1): "keep up the good work", (-1, -1): "low priority",
             (-1, 1): "possible overkill"}
    table["quadrant"] = [names.get((i, p), "performance does not differ" if p == 0 else "importance does not differ")
                         for i, p in zip(imp_side, perf_side, strict=True)]
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Recommendation:
    """One driver's place in the playbook, with the estimate behind it."""

    construct: str
    rank: int
    importance: float
    ci_lower: float
    ci_upper: float
    performance: float
    quadrant: str
    status: str  # "recommended", "not significant", "negative effect", "no levers in playbook"
    levers: tuple[dict, ...]


def recommendations(ipma: pd.DataFrame, playbook: dict[str, list[dict]] | None = None) -> list[Recommendation]:
    """Rank drivers for action: significant positive drivers first, by importance (total effect), then the rest.

    A driver is recommended only when its total effect's interval lies above zero. The IPMA quadrant
    travels with each recommendation: among drivers of similar importance, the under-performing one
    ("concentrate here") has the most room to grow.
    """
    playbook = load_playbook() if playbook is None else playbook

    def status(row) -> str:
        if not row.significant:
            return "not significant"
        if row.importance < 0:
            return "negative effect"
        return "recommended" if playbook.get(row.construct) else "no levers in playbook"

    rows = [(status(r), r) for r in ipma.itertuples()]
    ordered = sorted(rows, key=lambda sr: (sr[0] != "recommended", -sr[1].importance))
    return [Recommendation(r.construct, rank, float(r.importance), float(r.ci_lower), float(r.ci_upper),
                           float(r.performance), r.quadrant, s,
                           tuple(playbook.get(r.construct, [])) if s == "recommended" else ())
            for rank, (s, r) in enumerate(ordered, start=1)]


def segment_priorities(centers: pd.DataFrame, ipma: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """For each segment, the significant drivers ordered by importance x performance gap.

    A driver matters most for a segment when it moves stickiness strongly and the segment rates it
    low: priority = importance x (100 - segment performance).

    Returns
    -------
    DataFrame
        segment, rank, construct, importance, performance, priority.
    """
    drivers = ipma[ipma["significant"] & (ipma["importance"] > 0)]
    rows = []
    for segment, center in centers.iterrows():
        perf = performance(pd.DataFrame([center[drivers["construct"]].astype(float)]), q)
        scored = [{"segment": segment, "construct": d.construct, "importance": d.importance,
                   "performance": perf[d.construct], "priority": d.importance * (100 - perf[d.construct])}
                  for d in drivers.itertuples()]
        for rank, row in enumerate(sorted(scored, key=lambda r: -r["priority"]), start=1):
            rows.append({**row, "rank": rank})
    return pd.DataFrame(rows, columns=["segment", "rank", "construct", "importance", "performance", "priority"])
