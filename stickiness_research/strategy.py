"""From estimates to strategy: importance-performance map and the levers to pull, ranked by evidence.

Importance is a driver's standardized total effect on the outcome (direct plus every indirect
path), with its bootstrap interval; performance is the driver's mean score rescaled to 0-100. With
PLS-SEM (a study's ``method: pls``) the map is the PLS IPMA instead (Ringle & Sarstedt 2016):
importance is the unstandardized total effect on 0-100 construct scores, performance the mean 0-100
PLS score, both with bootstrap intervals. A driver whose total effect is not significant is reported
as such and gets no recommendation.
Segment priorities re-estimate the drivers within each respondent segment (per-segment regression
with HC3 t intervals), so segments differ in importance as well as in performance.
The levers come from a playbook data file (``data/playbook.yaml``), keyed by construct id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd
from ruamel.yaml import YAML
from scipy import stats

from ._deprecation import warn_deprecated, with_renamed_columns
from ._validation import STR, InstanceOf, Interval, Satisfies, check
from .errors import ModelSpecError, ParameterError, ResponseDataError, StickinessError
from .questionnaire import Questionnaire

PLAYBOOK_PATH = Path(__file__).resolve().parent / "data" / "playbook.yaml"
TOTAL_EFFECT_COLUMNS = ["construct", "std_all", "ci_lower", "ci_upper"]
# until 0.2 a table of standardized total effects still answers (and importance_performance still takes) est_std
TOTAL_EFFECT_RENAMED = {"est_std": "std_all"}


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
        construct, std_all (the standardized total effect, lavaan's std.all), ci_lower, ci_upper
        (percentile or BCa interval of the standardized effect).

        .. deprecated:: 0.1.1
            The ``est_std`` column is now ``std_all``; ``table["est_std"]`` still reads it, with a
            FutureWarning, until 0.2.
    """
    total = effects[(effects["rhs"] == "total") & effects["lhs"].str.endswith(f" -> {outcome}")]
    table = pd.DataFrame({"construct": total["lhs"].str.split(" -> ").str[0], "std_all": total["std_all"],
                          "ci_lower": total["std_ci_lower"], "ci_upper": total["std_ci_upper"]}).reset_index(drop=True)
    return with_renamed_columns(table, TOTAL_EFFECT_RENAMED)


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
    r"""Importance-performance map (IPMA) of the drivers of one outcome.

    Parameters
    ----------
    total_effects : DataFrame
        One row per driver: construct, std_all (standardized total effect on the outcome), ci_lower,
        ci_upper (its interval; see :func:`total_effects_from_bootstrap`).

        .. deprecated:: 0.1.1
            A frame with ``est_std`` instead of ``std_all`` is still taken, with a FutureWarning,
            until 0.2.
    scores : DataFrame
        Construct scores per respondent, on the items' response scale (:func:`~stickiness_research.scale_scores`
        of reverse-coded answers), one column per construct.
    q : Questionnaire
        For each construct's response set (the bounds of the 0-100 rescaling).

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

    Raises
    ------
    ParameterError
        ``total_effects`` lacks one of construct, std_all, ci_lower, ci_upper.
    ResponseDataError
        A driver of ``total_effects`` has no column in ``scores``.

    Notes
    -----
    Importance is the standardized total effect (direct plus all indirect paths). Performance of a construct
    scored on a response set from :math:`\min` to :math:`\max` is

    .. math::

        P = 100\,\frac{\bar x - \min}{\max - \min}, \qquad
        P \pm t_{n-1,\,0.975}\, \frac{100}{\max - \min}\, \frac{s}{\sqrt n}.

    ``significant`` is an importance interval excluding 0. A driver is above (below) the mean importance
    only when its whole interval is, and likewise for performance, so quadrants are not read into noise.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of Marketing*, 41(1),
    77-79.
    Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The importance-performance
    map analysis. *Industrial Management & Data Systems*, 116(9), 1865-1886.

    Examples
    --------
    Total effects made up for the example (a study takes them from the bootstrap of the SEM:
    ``total_effects_from_bootstrap(boot.effects(), "stickiness")``):

    >>> import pandas as pd
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> scores = sr.scale_scores(sr.reverse_code(sr.simulate_responses(q, n=300, seed=1), q), q)
    >>> scores["interaction"] -= 1.0  # a driver that under-performs the others by a scale point
    >>> effects = pd.DataFrame({"construct": ["interaction", "emotional_attachment", "security", "trust", "convenience"],
    ...                         "std_all": [0.45, 0.12, 0.25, 0.20, 0.05], "ci_lower": [0.35, 0.01, 0.12, 0.08, -0.08],
    ...                         "ci_upper": [0.55, 0.23, 0.38, 0.32, 0.18]})  # as from a bootstrap of the SEM
    >>> ipma = sr.importance_performance(effects, scores, q)
    >>> print(ipma[["construct", "importance", "significant", "performance", "quadrant"]].round(2).to_string())
                  construct  importance  significant  performance                    quadrant
    0           interaction        0.45         True        35.02            concentrate here
    1              security        0.25         True        61.04  importance does not differ
    2                 trust        0.20         True        61.15  importance does not differ
    3  emotional_attachment        0.12         True        61.62  importance does not differ
    4           convenience        0.05        False        61.75           possible overkill
    """
    if "est_std" in total_effects.columns and "std_all" not in total_effects.columns:
        warn_deprecated("importance_performance(total_effects) with an 'est_std' column",
                        "'std_all' (lavaan's std.all)")
        total_effects = total_effects.rename(columns={"est_std": "std_all"})
    _require_columns(total_effects, "total_effects", "importance_performance", TOTAL_EFFECT_COLUMNS,
                     f"a DataFrame with columns {TOTAL_EFFECT_COLUMNS}")
    perf = performance_table(scores, q)
    absent = [c for c in total_effects["construct"] if c not in perf.index]
    if absent:
        raise ResponseDataError(f"no scores for driver {absent[0]!r}; score every construct before mapping.")
    table = pd.DataFrame(total_effects).rename(columns={"std_all": "importance"})
    for col in ("performance", "perf_ci_lower", "perf_ci_upper"):
        table[col] = table["construct"].map(perf[col])
    return _with_quadrants(table)


def pls_importance_performance(pls, data: pd.DataFrame, boot, q: Questionnaire, outcome: str) -> pd.DataFrame:
    """The PLS-SEM importance-performance map (Ringle & Sarstedt 2016) of the drivers of ``outcome``, for the playbook.

    Importance is the IPMA's: a driver's unstandardized total effect on the outcome's 0-100 score (points
    of the outcome per point of the driver; :func:`stickiness_research.pls.ipma.ipma`), the answers
    rescaled over each item's response set from the questionnaire. Performance is the driver's mean 0-100
    PLS score (indicators weighted by their rescaled outer weights). Both intervals are bootstrap
    percentile intervals from the PLS bootstrap's resamples
    (:func:`stickiness_research.pls.ipma.ipma_intervals`), so significance and quadrants follow the same
    rule as the CB-SEM map (:func:`importance_performance`).

    Parameters
    ----------
    pls : PLSResult
        The fitted PLS model (``consistent=False``).
    data : DataFrame
        The answers ``pls`` was fitted to (reverse-coded items already recoded).
    boot : PLSBootstrap
        ``pls.bootstrap(...)``.
    q : Questionnaire
        For each item's response set (the 0-100 bounds).
    outcome : str

    Returns
    -------
    DataFrame
        The columns of :func:`importance_performance` (importance in IPMA units), plus std_all (the
        standardized total effect) with std_ci_lower, std_ci_upper, and basis ``"pls_ipma"``.

        .. deprecated:: 0.1.1
            The ``est_std`` column is now ``std_all``; the old name still reads it, with a
            FutureWarning, until 0.2.

    Raises
    ------
    ModelSpecError, EstimationError
        As :func:`stickiness_research.pls.ipma.ipma` (e.g. a negative outer weight).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> data = sr.reverse_code(sr.simulate_responses(q, n=300, seed=2), q)  # reversed items recoded
    >>> res = sr.fit_pls(q, data)
    >>> table = pls_importance_performance(res, data, res.bootstrap(200, seed=1), q, "stickiness")
    >>> table["construct"].iloc[0], table["basis"].iloc[0]  # seminr has no IPMA; cf. cSEM::doIPMA(res)
    ('interaction', 'pls_ipma')
    """
    from .pls.ipma import ipma, ipma_intervals

    known = set(q.item_ids)
    sets = {v: q.response_set_of(q.item(v)) for v in pls.model.items if v in known}
    whole = len(sets) == len(pls.model.items)  # else (a custom model's other columns) the observed ranges, noted
    m = ipma(pls, data, outcome, scale_min={v: float(rs.minimum) for v, rs in sets.items()} if whole else None,
             scale_max={v: float(rs.maximum) for v, rs in sets.items()} if whole else None)
    table = ipma_intervals(m, pls, data, boot)
    table["basis"] = "pls_ipma"
    return _with_quadrants(table)


def _with_quadrants(table: pd.DataFrame) -> pd.DataFrame:
    """Significance, and the quadrant of each driver, ordered by importance."""
    table = table.copy()
    table.insert(table.columns.get_loc("ci_upper") + 1, "significant",
                 (table["ci_lower"] > 0) | (table["ci_upper"] < 0))
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
    # "cbsem": importance is the standardized total effect; "pls_ipma": the PLS IPMA's total effect on 0-100 scores
    basis: str = "cbsem"


def _require_columns(frame, argument: str, function: str, columns, expected: str) -> None:
    """ParameterError unless ``frame`` is a DataFrame with every one of ``columns`` (``expected`` says what it
    should be)."""
    if not isinstance(frame, pd.DataFrame) or any(c not in frame.columns for c in columns):
        got = list(frame.columns) if isinstance(frame, pd.DataFrame) else type(frame).__name__
        raise ParameterError(argument, function, expected, got)


def recommendations(ipma: pd.DataFrame, playbook: dict[str, list[dict]] | None = None) -> list[Recommendation]:
    """Rank drivers for action: significant positive drivers first, by importance (total effect), then the rest.

    A driver is recommended only when its total effect's interval lies above zero. The IPMA quadrant
    travels with each recommendation: among drivers of similar importance, the under-performing one
    ("concentrate here") has the most room to grow.

    Parameters
    ----------
    ipma : DataFrame
        From :func:`importance_performance` (or the PLS map): construct, importance, ci_lower, ci_upper,
        significant, performance, quadrant, and optionally basis.
    playbook : dict, optional
        Construct id -> levers (dicts with ``id`` and a text per language, ``en``/``zh``); default the shipped
        ``data/playbook.yaml``.

    Returns
    -------
    list of Recommendation
        One per driver, ranked: ``recommended`` drivers first by importance, then the others (``not
        significant``, ``negative effect``, ``no levers in playbook``) by importance; only recommended drivers
        carry their levers.

    Raises
    ------
    ParameterError
        ``ipma`` is not a table from :func:`importance_performance` (a column is missing).

    Notes
    -----
    No statistics are computed here: the order and status follow from the map's intervals (a driver is
    recommended when ``ci_lower > 0``), so a lever is never suggested for an effect the data do not support.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis. *Journal of Marketing*, 41(1),
    77-79.
    Ringle, C. M., & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: The importance-performance
    map analysis. *Industrial Management & Data Systems*, 116(9), 1865-1886.

    Examples
    --------
    >>> import pandas as pd
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> scores = sr.scale_scores(sr.reverse_code(sr.simulate_responses(q, n=300, seed=1), q), q)
    >>> scores["interaction"] -= 1.0  # a driver that under-performs the others by a scale point
    >>> effects = pd.DataFrame({"construct": ["interaction", "emotional_attachment", "security", "trust", "convenience"],
    ...                         "std_all": [0.45, 0.12, 0.25, 0.20, 0.05], "ci_lower": [0.35, 0.01, 0.12, 0.08, -0.08],
    ...                         "ci_upper": [0.55, 0.23, 0.38, 0.32, 0.18]})  # as from a bootstrap of the SEM
    >>> ipma = sr.importance_performance(effects, scores, q)
    >>> recs = sr.recommendations(ipma)
    >>> [(r.rank, r.construct, r.status) for r in recs]  # doctest: +NORMALIZE_WHITESPACE
    [(1, 'interaction', 'recommended'), (2, 'security', 'recommended'), (3, 'trust', 'recommended'),
     (4, 'emotional_attachment', 'recommended'), (5, 'convenience', 'not significant')]
    >>> recs[0].quadrant, recs[0].levers[0]["id"]
    ('concentrate here', 'topic_creation')
    """
    needed = ("construct", "importance", "ci_lower", "ci_upper", "significant", "performance", "quadrant")
    _require_columns(ipma, "ipma", "recommendations", needed,
                     f"the table from importance_performance (columns {', '.join(needed)})")
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
                           tuple(playbook.get(r.construct, [])) if s == "recommended" else (),
                           getattr(r, "basis", "cbsem"))
            for rank, (s, r) in enumerate(ordered, start=1)]


# ----- segment priorities ------------------------------------------------------------------------------
MIN_PER_PREDICTOR = 10  # respondents per predictor a segment needs before its regressions are estimated
SEGMENT_STATUSES = ("ranked", "not significant", "negative effect", "too small to estimate", "not estimable")
SEGMENT_PRIORITY_COLUMNS = ["segment", "construct", "n", "b", "se", "df", "pvalue", "importance", "ci_lower",
                            "ci_upper", "performance", "perf_ci_lower", "perf_ci_upper", "priority", "rank", "status",
                            "adjusted_for", "min_n"]
_POSITIVE_INT = Interval(int, 1, None)
_NON_NEGATIVE_INT = Interval(int, 0, None)
_LEVEL = Interval(float, 0, 1, closed="neither")
_PATHS = Satisfies(lambda p: all(isinstance(e, (tuple, list)) and len(e) == 2 and all(isinstance(v, str) for v in e)
                                 for e in p), "an iterable of (cause, effect) pairs of construct ids")


def _path_graph(paths: list[tuple[str, str]]) -> tuple[list[str], dict[str, list[str]]]:
    """Nodes in order of first appearance and each node's direct effects (children)."""
    order = list(dict.fromkeys(v for edge in paths for v in edge))
    children: dict[str, list[str]] = {v: [] for v in order}
    for cause, effect in paths:
        if effect not in children[cause]:
            children[cause].append(effect)
    return order, children


def _descendants(children: dict[str, list[str]], node: str) -> set[str]:
    seen: set[str] = set()
    stack = list(children.get(node, []))
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(children.get(v, []))
    return seen


def adjustment_sets(paths: Iterable[tuple[str, str]], outcome: str) -> dict[str, tuple[str, ...]]:
    """For each driver of ``outcome``, the constructs to hold constant so its regression coefficient is its total effect.

    A driver is a construct with a directed path to ``outcome``. Its set is every other driver that is
    not one of its consequences (descendants). That set satisfies the back-door criterion: it holds
    every cause of the driver constant and no mediator of its effect, so in a linear recursive model
    the driver's coefficient in the regression of ``outcome`` on the driver and the set is its total
    effect, direct plus every indirect path (Pearl 2009, *Causality*, 2nd ed., Theorem 5.3.2). This
    assumes what the hypothesised model says: the disturbance of the outcome is uncorrelated with
    the drivers, and correlations among drivers are among those the model leaves exogenous.

    Parameters
    ----------
    paths : iterable of (cause, effect)
        The model's structural paths (``effect ~ cause`` in lavaan syntax).
    outcome : str

    Returns
    -------
    dict
        Driver -> tuple of constructs to adjust for, drivers in order of first appearance in ``paths``.

    Raises
    ------
    ModelSpecError
        No construct leads to ``outcome``, or the paths contain a cycle (a non-recursive model).

    Examples
    --------
    >>> paths = [("interaction", "attachment"), ("attachment", "stickiness"), ("interaction", "stickiness"),
    ...          ("convenience", "stickiness")]
    >>> adjustment_sets(paths, "stickiness")["interaction"]  # not attachment: it carries interaction's effect
    ('convenience',)
    >>> adjustment_sets(paths, "stickiness")["attachment"]  # interaction causes attachment and stickiness
    ('interaction', 'convenience')
    """
    check(outcome, "outcome", "adjustment_sets", STR)
    paths = [tuple(edge) for edge in paths]
    check(paths, "paths", "adjustment_sets", _PATHS)
    order, children = _path_graph(paths)
    below = {v: _descendants(children, v) for v in order}
    cyclic = [v for v in order if v in below[v]]
    if cyclic:
        raise ModelSpecError(f"the structural paths loop back to {cyclic[0]!r}; segment priorities need a recursive "
                             "model (no feedback loops).")
    drivers = [v for v in order if v != outcome and outcome in below[v]]
    if not drivers:
        raise ModelSpecError(f"no structural path leads to {outcome!r}; give the model's paths as (cause, effect) "
                             "pairs that reach the outcome.")
    return {x: tuple(v for v in drivers if v != x and v not in below[x]) for x in drivers}


def segment_priorities(scores: pd.DataFrame, segments: pd.Series, q: Questionnaire, *, outcome: str,
                       paths: Iterable[tuple[str, str]] | None = None, min_per_predictor: int = MIN_PER_PREDICTOR,
                       min_n: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Each segment's drivers, estimated within the segment, ranked by importance x performance gap.

    Within every segment, each driver's total effect on ``outcome`` is estimated by OLS of the
    outcome's scale score on the driver and the drivers it does not cause (:func:`adjustment_sets`),
    with HC3 standard errors and t(n - k - 1) intervals (:func:`stickiness_research.regression.ols`;
    as ``lmtest::coeftest(fit, vcov = sandwich::vcovHC(fit, "HC3"))``). Per-segment regression
    rather than a multi-group SEM: segments are clusters of a few hundred respondents or fewer,
    where a multi-group measurement model (one set of loadings, intercepts and residuals per
    segment) often fails to converge or gives improper solutions, and HC3 with t(df) intervals holds
    its level in samples of that size (Long & Ervin 2000, *The American Statistician* 54, 217-224),
    where the SEM's intervals are asymptotic. The cost is measurement error: scale
    scores attenuate effects, so these are smaller than the SEM's standardized total effects and
    are compared across segments, not with the global importance.

    Importance is the coefficient in whole-sample standard deviations (``b * SD(driver) / SD(outcome)``,
    SDs over every respondent with a segment), one yardstick for every segment. A segment's own SDs
    would not do: a cluster covers a narrower range of the scores it was formed on, which shrinks
    segment-standardized coefficients for reasons that have nothing to do with the effect.
    Performance is the segment's mean score rescaled to 0-100 with its t interval
    (:func:`performance_table`); priority = importance x (100 - performance).

    A driver is ranked (1 = highest priority) only when its effect's interval lies above zero;
    otherwise its status says why not and it has no priority. A segment with fewer complete
    respondents than ``max(min_per_predictor * k, min_n)`` (k: predictors of the largest regression)
    is "too small to estimate" and gets no numbers; 10 per predictor is the usual rule of thumb
    (Harrell 2015, *Regression Modeling Strategies*, 2nd ed., section 4.4). Intervals are per driver,
    not adjusted for the number of drivers and segments, and ranks order point estimates: adjacent
    ranks with overlapping intervals are not shown to differ.

    Segments must not be formed on the outcome or on a driver's consequences: choosing respondents by
    the outcome (selection on the dependent variable) biases within-segment slopes toward zero, while
    choosing them by explanatory variables leaves OLS unbiased (Wooldridge, *Introductory
    Econometrics*, section 9.5, exogenous sample selection). ``run_study`` therefore clusters on
    the drivers nothing else in the model explains. Even so, each segment spans a restricted range
    of those scores, so its intervals are wider than the whole sample's would be.

    Parameters
    ----------
    scores : DataFrame
        Construct scores per respondent (:func:`scale_scores`), the outcome and every driver among them.
    segments : Series
        Segment label per respondent, indexed like ``scores`` (e.g. ``SegmentResult.labels``); NaN for
        respondents without a segment.
    q : Questionnaire
        For the response scale of each construct (performance) and, without ``paths``, its hypotheses.
    outcome : str
        The construct whose drivers are ranked.
    paths : iterable of (cause, effect), optional
        The model's structural paths; default: the questionnaire's direct hypotheses.
    min_per_predictor : int
        Respondents per predictor a segment needs.
    min_n : int
        A floor on a segment's size (the report's ``min_cell``).
    level : float
        Confidence level of the importance and performance intervals.

    Returns
    -------
    DataFrame
        One row per segment and driver: segment, construct, n (complete respondents in the
        segment), b, se, df, pvalue (the driver's coefficient), importance, ci_lower, ci_upper
        (whole-sample-standardized), performance, perf_ci_lower, perf_ci_upper, priority, rank
        (nullable int), status (one of ``SEGMENT_STATUSES``), adjusted_for (the constructs held
        constant, comma separated), min_n. Ranked drivers first within a segment.

    Raises
    ------
    ResponseDataError
        A driver or the outcome has no scores, or ``segments`` does not label the rows of ``scores``.
    ModelSpecError
        No path leads to ``outcome``, or the paths form a loop.

    Examples
    --------
    >>> import numpy as np, pandas as pd, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> rng = np.random.default_rng(1)
    >>> x = pd.DataFrame(rng.integers(1, 6, (400, 2)).astype(float), columns=["security", "convenience"])
    >>> segment = pd.Series(np.repeat([1, 2], 200))
    >>> weights = np.where(segment == 1, 1.0, 0.0)  # security matters in segment 1 only
    >>> x["stickiness"] = 1 + weights * 0.6 * x["security"] + (1 - weights) * 0.6 * x["convenience"] \\
    ...     + rng.normal(0, 0.5, 400)
    >>> table = segment_priorities(x, segment, q, outcome="stickiness",
    ...                            paths=[("security", "stickiness"), ("convenience", "stickiness")])
    >>> table[["segment", "construct", "rank", "status"]].values.tolist()
    [[1, 'security', 1, 'ranked'], [1, 'convenience', <NA>, 'not significant'], [2, 'convenience', 1, 'ranked'], [2, 'security', <NA>, 'not significant']]
    """
    from .regression import _ols_fit

    check(scores, "scores", "segment_priorities", InstanceOf(pd.DataFrame, "a DataFrame"))
    check(segments, "segments", "segment_priorities", InstanceOf(pd.Series, "a Series"))
    check(outcome, "outcome", "segment_priorities", STR)
    check(min_per_predictor, "min_per_predictor", "segment_priorities", _POSITIVE_INT)
    check(min_n, "min_n", "segment_priorities", _NON_NEGATIVE_INT)
    check(level, "level", "segment_priorities", _LEVEL)
    paths = [(h.from_, h.to) for h in q.direct_hypotheses] if paths is None else [tuple(e) for e in paths]
    adjust = adjustment_sets(paths, outcome)
    columns = [*adjust, outcome]
    absent = [c for c in columns if c not in scores.columns]
    if absent:
        raise ResponseDataError(f"segment_priorities: no scores for {absent[0]!r}; score every construct of the "
                                f"model (columns are {list(scores.columns)}).")
    if not segments.index.isin(scores.index).any():
        raise ResponseDataError("segment_priorities: the segment labels share no row with the scores; pass labels "
                                "indexed like the scores (SegmentResult.labels).")
    labels = segments.reindex(scores.index)
    frame = scores[columns].apply(pd.to_numeric, errors="coerce")
    keep = frame.notna().all(axis=1) & labels.notna()
    frame, labels = frame[keep], labels[keep]
    sd = frame.std(ddof=1)
    k_max = max(len(a) + 1 for a in adjust.values())
    minimum = max(min_per_predictor * k_max, min_n)
    rows = []
    for segment in sorted(labels.unique()):
        part = frame[labels == segment]
        n = len(part)
        seg_id = int(segment) if isinstance(segment, Real) and float(segment).is_integer() else segment
        perf = performance_table(part[list(adjust)], q, level) if n > 1 else None
        scored = []
        for x, others in adjust.items():
            row = {"segment": seg_id, "construct": x, "n": n, "adjusted_for": ", ".join(others), "min_n": minimum}
            if n < minimum:
                scored.append({**row, "status": "too small to estimate"})
                continue
            try:
                # the coefficient and its HC3 inference only (ols() would add betas, VIFs and R² unused here)
                _, _, _, fit = _ols_fit(part, outcome, [x, *others], "HC3")
            except StickinessError:  # e.g. a driver without variance inside the segment
                scored.append({**row, "status": "not estimable"})
                continue
            b, se, p = (float(v[x]) for v in (fit.params, fit.bse, fit.pvalues))
            lo, hi = (float(v) for v in fit.conf_int(alpha=1 - level).loc[x])
            scale = sd[x] / sd[outcome]
            status = "ranked" if lo > 0 else "negative effect" if hi < 0 else "not significant"
            performance_ = float(perf.loc[x, "performance"])
            importance = b * scale
            scored.append({**row, "b": b, "se": se, "df": float(fit.df_resid), "pvalue": p,
                           "importance": importance, "ci_lower": lo * scale, "ci_upper": hi * scale,
                           "performance": performance_, "perf_ci_lower": float(perf.loc[x, "perf_ci_lower"]),
                           "perf_ci_upper": float(perf.loc[x, "perf_ci_upper"]),
                           "priority": importance * (100 - performance_) if status == "ranked" else np.nan,
                           "status": status})
        ranked = sorted((r for r in scored if r["status"] == "ranked"), key=lambda r: -r["priority"])
        for rank, r in enumerate(ranked, start=1):
            r["rank"] = rank
        rows += ranked + [r for r in scored if r["status"] != "ranked"]
    table = pd.DataFrame(rows, columns=SEGMENT_PRIORITY_COLUMNS)
    table["rank"] = table["rank"].astype("Int64")
    return table
