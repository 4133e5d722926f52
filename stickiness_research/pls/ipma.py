"""Importance-performance map analysis (IPMA) of a PLS path model, as Ringle & Sarstedt (2016) and SmartPLS define it.

The map sets each driver's importance for a target construct (its unstandardized total effect on
0-100 construct scores) against its performance (its mean 0-100 score), for constructs and for
their indicators. The PLS estimates are not re-run: the 0-100 scores are an affine function of the
fitted standardized scores, so the re-expressed model is the fitted model in another unit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from .._deprecation import with_renamed_columns
from .._validation import STR, InstanceOf, Satisfies, check
from ..errors import EstimationError, ModelSpecError, ParameterError, ResponseDataError
from .fit import PLSResult, raw_as_fitted

CONSTRUCT_COLUMNS = ["construct", "importance", "std_all", "performance"]
# until 0.2 the constructs and paths tables still answer est_std, the standardized estimate's old name
RENAMED = {"est_std": "std_all"}
INDICATOR_COLUMNS = ["construct", "indicator", "weight", "importance", "performance"]


def _finite(v: Any) -> bool:
    return isinstance(v, Real) and not isinstance(v, bool | np.bool_) and math.isfinite(v)


_BOUND = Satisfies(_finite, "a finite number")
_BOUNDS = Satisfies(lambda v: isinstance(v, Mapping | pd.Series) and all(_finite(x) for x in dict(v).values()),
                    "a mapping of indicator name to a finite number")


@dataclass(frozen=True, eq=False)
class PLSIPMA:
    """An importance-performance map of the drivers of one construct (see :func:`ipma`).

    Attributes
    ----------
    target : str
    target_performance : float
        The target's mean 0-100 score.
    constructs : DataFrame
        One row per driver (construct with a total effect on the target), by importance:
        construct, importance (unstandardized total effect on the 0-100 scores: the target's gain in
        points per point of the driver), std_all (the fitted model's standardized total effect),
        performance (mean 0-100 score).
    indicators : DataFrame
        One row per indicator of a driver, drivers in the order of ``constructs``: construct,
        indicator, weight (rescaled outer weight; a construct's weights sum to 1), importance
        (weight x the construct's importance), performance (mean 0-100 value).
    paths : DataFrame
        lhs op rhs est std_all of the paths among the map's constructs: est the unstandardized
        coefficient on the 0-100 scores, std_all the fitted model's. (``std_all`` was ``est_std`` in
        both tables; the old name still reads it, with a FutureWarning, until 0.2.)
    scores : DataFrame
        (n, k) 0-100 scores of the drivers and the target, rows as ``PLSResult.construct_scores``.
    bounds : DataFrame
        scale_min, scale_max used for every indicator of the map (indexed by indicator).
    notes : tuple of str
        What a reader should know (bounds taken from the data, missing answers replaced).
    """

    target: str
    target_performance: float
    constructs: pd.DataFrame
    indicators: pd.DataFrame
    paths: pd.DataFrame
    scores: pd.DataFrame = field(repr=False)
    bounds: pd.DataFrame = field(repr=False)
    notes: tuple[str, ...] = ()

    def summary(self) -> str:
        head = (f"Importance-performance map (PLS-SEM) of {self.target}: performance {self.target_performance:.1f} "
                "of 100; importance = unstandardized total effect on 0-100 scores")
        with pd.option_context("display.width", 140, "display.float_format", "{:.3f}".format):
            return "\n".join([head, "", self.constructs.to_string(index=False), "",
                              self.indicators.to_string(index=False)] + [f"note: {n}" for n in self.notes])

    __str__ = summary

    def _repr_html_(self) -> str:
        fmt = {"float_format": lambda v: f"{v:.3f}", "na_rep": ""}
        notes = "".join(f"<p>note: {n}</p>" for n in self.notes)
        return (f"<div><p><b>IPMA</b> of {self.target}: performance {self.target_performance:.1f}</p>"
                + self.constructs.to_html(index=False, **fmt) + self.indicators.to_html(index=False, **fmt)
                + notes + "</div>")

    def to_markdown(self) -> str:
        return (f"**IPMA of {self.target}** (performance {self.target_performance:.1f})\n\n"
                + self.constructs.to_markdown(index=False, floatfmt=".3f") + "\n\n"
                + self.indicators.to_markdown(index=False, floatfmt=".3f"))

    def to_latex(self) -> str:
        return (self.constructs.to_latex(index=False, float_format="%.3f") + "\n"
                + self.indicators.to_latex(index=False, float_format="%.3f"))


def ipma(res: PLSResult, data: pd.DataFrame, target: str, *, scale_min: float | Mapping[str, float] | None = None,
         scale_max: float | Mapping[str, float] | None = None) -> PLSIPMA:
    """Importance-performance map analysis of a PLS path model (Ringle & Sarstedt 2016; SmartPLS's IPMA).

    For every indicator ``i`` of a construct ``c`` in the map (the target and each construct with a
    directed path chain to it), with raw answers ``x_i`` on a scale from ``a_i`` to ``b_i``:

    1. rescaled indicator: ``x~_i = 100 (x_i - a_i) / (b_i - a_i)``;
    2. unstandardized weight: ``v_ic = w_ic / sd(x~_i)``, ``w_ic`` the fitted outer weight of the
       standardized indicator (``res.solution.weights``), the SD that of the rescaled indicator;
    3. rescaled weight: ``u_ic = v_ic / sum_j v_jc`` (a construct's weights sum to 1);
    4. rescaled score: ``Y~_c = sum_i u_ic x~_i`` (0-100 when every weight is positive);
    5. unstandardized paths ``B~``: OLS (with intercept) of each endogenous ``Y~`` on its
       predecessors' ``Y~``; total effects ``T~ = B~ (I - B~)^-1``;
    6. construct importance ``T~[c, target]``, performance ``mean(Y~_c)``; indicator importance
       ``u_ic T~[c, target]``, performance ``mean(x~_i)``.

    Ringle, C. M. & Sarstedt, M. (2016). Gain more insight from your PLS-SEM results: the
    importance-performance map analysis. *Industrial Management & Data Systems*, 116(9), 1865-1886
    (steps 1-6; indicator importance as in cSEM's ``doIPMA``). Because ``Y~_c = Y_c / K_c + const``
    with ``K_c = sum_i w_ic / sd(x~_i)`` and ``Y_c`` the fitted unit-variance score, ``B~`` is the
    fitted ``B`` re-expressed: ``importance = std_all * sd(Y~_target) / sd(Y~_c)``. (Dividing by the
    raw SD instead gives the same map whenever a construct's indicators share one scale.)

    Requirements (Ringle & Sarstedt 2016): indicators on metric or quasi-metric scales (Likert
    items count), all coded in the same direction, with low values meaning "worse" (recode reversed
    items first, e.g. ``sr.reverse_code``); every outer weight of a construct in the map positive.

    Parameters
    ----------
    res : PLSResult
        A model fitted by :func:`stickiness_research.fit_pls` (not PLSc).
    data : DataFrame
        The raw data ``res`` was fitted to (``fit_pls`` keeps only standardized indicators); the
        same missing-answer handling is applied.
    target : str
        The construct whose drivers are mapped.
    scale_min, scale_max : float or mapping of str to float, optional
        The scale's theoretical lowest and highest answer (e.g. 1 and 5), one number for every
        indicator or a mapping ``{indicator: bound}`` covering every indicator of the map. Default:
        each indicator's observed minimum / maximum (performance is then relative to the answers
        given, and a note says so).

    Returns
    -------
    PLSIPMA
        ``constructs`` (n_drivers, 4), ``indicators`` (driver indicators, 5), ``paths``,
        ``scores`` (n, n_drivers + 1), ``bounds``, ``target_performance``, ``notes``.

    Raises
    ------
    ModelSpecError
        ``target`` is not a construct of the model, nothing leads to it, the model was fitted with
        ``consistent=True``, or ``data`` lacks an indicator; a model with an interaction term or a
        two-stage higher-order construct (neither has answers with scale ends; a higher-order
        construct fitted with ``hoc="repeated_indicators"`` is mapped).
    ResponseDataError
        ``data`` is not what ``res`` was fitted to, is not numeric, or has an answer outside
        ``[scale_min, scale_max]``.
    EstimationError
        A construct of the map has a negative outer weight: its 0-100 score is no longer a weighted
        average of its indicators (it can leave 0-100, and the indicator's importance is negative),
        so no map is returned. The message names the indicator.
    ParameterError
        A bad argument, ``scale_max <= scale_min``, or a mapping without an indicator of the map.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.ipma import ipma
    >>> mobi = sr.datasets.mobi()  # ten-point scales
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Complaints =~ CUSCO
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Expectation + Satisfaction + Loyalty ~ Image
    ... Quality + Value + Satisfaction ~ Expectation
    ... Value + Satisfaction ~ Quality
    ... Satisfaction ~ Value
    ... Complaints + Loyalty ~ Satisfaction
    ... Loyalty ~ Complaints''', mobi)
    >>> m = ipma(res, mobi, "Loyalty", scale_min=1, scale_max=10)
    >>> m.constructs.round(3)
          construct  importance  std_all  performance
    0  Satisfaction       0.790    0.521       72.454
    1         Image       0.643    0.399       73.528
    2       Quality       0.505    0.323       74.977
    3   Expectation       0.341    0.218       72.474
    4         Value       0.109    0.101       62.347
    5    Complaints       0.058    0.067       67.422
    >>> round(m.target_performance, 3)
    70.914
    >>> print(m.indicators.query("construct == 'Value'").round(3).to_string(index=False))
    construct indicator  weight  importance  performance
        Value     PERV1   0.401       0.044       57.289
        Value     PERV2   0.599       0.065       65.733
    """
    check(res, "res", "ipma", InstanceOf(PLSResult, "a PLSResult (sr.fit_pls)"))
    check(data, "data", "ipma", InstanceOf(pd.DataFrame, "a pandas DataFrame (the raw data res was fitted to)"))
    check(target, "target", "ipma", STR)
    check(scale_min, "scale_min", "ipma", _BOUND, _BOUNDS, None)
    check(scale_max, "scale_max", "ipma", _BOUND, _BOUNDS, None)
    model = res.model
    names = list(model.constructs)
    if target not in names:
        raise ModelSpecError(f"ipma: {target!r} is not a construct of the model; the constructs are {names}.")
    if res.settings["consistent"]:
        raise ModelSpecError("ipma: the model was fitted with consistent=True (PLSc), whose paths relate "
                             "disattenuated factors, while IPMA's performance averages the composite scores; the "
                             "two would describe different variables. Refit with consistent=False for the map.")
    drivers = _drivers(model, target)
    if not drivers:
        raise ModelSpecError(f"ipma: no path leads to {target!r}; choose a target with at least one predecessor "
                             f"(endogenous constructs: {model.endogenous}).")
    mapped = [c for c in names if c in drivers or c == target]  # closed: a driver's predecessors are drivers
    at = {c: k for k, c in enumerate(names)}
    x, missing_note = raw_as_fitted(res, data, "ipma")
    items = model.items
    at_item = {v: k for k, v in enumerate(items)}
    used = list(dict.fromkeys(v for c in mapped for v in model.blocks[c]))
    cols = [at_item[v] for v in used]
    weights = res.solution.weights[np.ix_(cols, [at[c] for c in mapped])]  # (p_map, k), zero outside blocks

    negative = [(c, v, float(weights[r, k])) for k, c in enumerate(mapped) for r, v in enumerate(used)
                if v in model.blocks[c] and weights[r, k] < 0]
    if negative:
        listed = ", ".join(f"{v} in {c} ({w:.3f})" for c, v, w in negative)
        raise EstimationError(
            f"ipma: negative outer weight(s): {listed}. IPMA needs every weight of a construct in the map to be "
            "positive (Ringle & Sarstedt 2016): with a negative weight the 0-100 score is no longer a weighted "
            "average of its indicators, so performance can leave 0-100 and that indicator's importance turns "
            "negative. Usual causes: an indicator coded in the opposite direction (reverse-code it, e.g. "
            "sr.reverse_code, and refit) or, in a '<~' composite, collinear indicators (drop the indicator and refit).")

    raw = x[:, cols]
    observed_min, observed_max = raw.min(axis=0), raw.max(axis=0)
    low = _bounds(scale_min, "scale_min", used, observed_min)
    high = _bounds(scale_max, "scale_max", used, observed_max)
    narrow = np.flatnonzero(high <= low)
    if len(narrow):
        r = int(narrow[0])
        raise ParameterError("scale_max", "ipma", "greater than scale_min for every indicator",
                             f"{high[r]:g} for {used[r]} (scale_min {low[r]:g})")
    outside = np.flatnonzero((observed_min < low) | (observed_max > high))
    if len(outside):
        r = int(outside[0])
        raise ResponseDataError(f"ipma: indicator {used[r]!r} has answers from {observed_min[r]:g} to "
                                f"{observed_max[r]:g}, outside its scale [{low[r]:g}, {high[r]:g}]; pass the scale's "
                                "true bounds (scale_min/scale_max) or recode the answers.")

    rescaled = 100 * (raw - low) / (high - low)  # (n, p_map)
    unstd = weights / rescaled.std(axis=0, ddof=1)[:, None]
    normed = unstd / unstd.sum(axis=0)  # (p_map, k): each column sums to 1
    scores = rescaled @ normed  # (n, k)

    k = len(mapped)
    pos = {c: j for j, c in enumerate(mapped)}
    b = np.zeros((k, k))
    for c in mapped:
        preds = [pos[s] for s in model.predecessors(c)]
        if preds:
            design = np.column_stack([np.ones(len(scores)), scores[:, preds]])
            b[preds, pos[c]] = np.linalg.lstsq(design, scores[:, pos[c]], rcond=None)[0][1:]
    total = b @ np.linalg.inv(np.eye(k) - b)
    std_paths = res.solution.paths[np.ix_([at[c] for c in mapped], [at[c] for c in mapped])]
    std_total = std_paths @ np.linalg.inv(np.eye(k) - std_paths)

    t = pos[target]
    performance = scores.mean(axis=0)
    table = pd.DataFrame({"construct": [c for c in mapped if c != target]})
    table["importance"] = [float(total[pos[c], t]) for c in table["construct"]]
    table["std_all"] = [float(std_total[pos[c], t]) for c in table["construct"]]
    table["performance"] = [float(performance[pos[c]]) for c in table["construct"]]
    table = table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)

    item_perf = rescaled.mean(axis=0)
    rows = []
    for c, importance in zip(table["construct"], table["importance"], strict=True):
        for v in model.blocks[c]:
            u = float(normed[used.index(v), pos[c]])
            rows.append((c, v, u, u * importance, float(item_perf[used.index(v)])))
    indicators = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)

    paths = pd.DataFrame([(tgt, "~", src, float(b[pos[src], pos[tgt]]), float(std_paths[pos[src], pos[tgt]]))
                          for src, tgt in model.paths if src in pos and tgt in pos],
                         columns=["lhs", "op", "rhs", "est", "std_all"])
    notes = []
    if scale_min is None or scale_max is None:
        which = " and ".join(n for n, v in (("scale_min", scale_min), ("scale_max", scale_max)) if v is None)
        notes.append(f"{which} not given: each indicator was rescaled over its observed range, so performance is "
                     "relative to the answers given, not to the scale's ends; pass the scale's bounds (e.g. "
                     "scale_min=1, scale_max=5).")
    if missing_note:
        notes.append(missing_note)
    return PLSIPMA(target=target, target_performance=float(performance[t]),
                   constructs=with_renamed_columns(table[CONSTRUCT_COLUMNS], RENAMED), indicators=indicators,
                   paths=with_renamed_columns(paths, RENAMED),
                   scores=pd.DataFrame(scores, index=res.construct_scores.index, columns=mapped),
                   bounds=pd.DataFrame({"scale_min": low, "scale_max": high}, index=pd.Index(used, name="indicator")),
                   notes=tuple(notes))


def _drivers(model, target: str) -> set[str]:
    """Constructs with a directed path chain to ``target`` (its ancestors)."""
    found: set[str] = set()
    stack = [target]
    while stack:
        for s in model.predecessors(stack.pop()):
            if s not in found and s != target:
                found.add(s)
                stack.append(s)
    return found


def _bounds(value: Any, name: str, used: list[str], observed: np.ndarray) -> np.ndarray:
    """Per-indicator scale bounds (p_map,) from a number, a mapping or (None) the observed values."""
    if value is None:
        return observed.astype(float)
    if _finite(value):
        return np.full(len(used), float(value))
    given = dict(value)
    absent = [v for v in used if v not in given]
    if absent:
        raise ParameterError(name, "ipma", "a number, or a mapping giving every indicator of the map a bound",
                             f"a mapping without {absent[0]!r}" + (f" and {len(absent) - 1} more" if len(absent) > 1
                                                                    else ""))
    return np.array([float(given[v]) for v in used])


def ipma_intervals(m: PLSIPMA, res: PLSResult, data: pd.DataFrame, boot) -> pd.DataFrame:
    """Bootstrap percentile intervals of every driver's IPMA importance and performance, from the replicates of a
    :class:`~stickiness_research.pls.bootstrap.PLSBootstrap` of ``res`` (no refit).

    In each resample the map is rebuilt from that resample's outer weights and standardized total
    effects and from its rows' rescaled answers (the same bounds as ``m``): with
    ``K_c = sum_i w_ic / sd(x~_i)``, a driver's importance is ``T[c, target] K_c / K_target`` (the
    unstandardized total effect on 0-100 scores) and its performance ``sum_i (w_ic / sd(x~_i) / K_c)
    mean(x~_i)``, which are steps 2-6 of :func:`ipma` in closed form.

    Parameters
    ----------
    m : PLSIPMA
        ``ipma(res, data, target, ...)``.
    res : PLSResult
    data : DataFrame
        The raw data ``res`` was fitted to.
    boot : PLSBootstrap
        ``res.bootstrap(...)`` (its ``resamples`` and ``draws``).

    Returns
    -------
    DataFrame
        ``m.constructs`` with ci_lower, ci_upper (importance), perf_ci_lower, perf_ci_upper (at the
        bootstrap's level) and, for the standardized total effect, std_ci_lower, std_ci_upper.

    Raises
    ------
    ParameterError
        ``boot`` is not a bootstrap of ``res`` with its resamples kept.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.ipma import ipma, ipma_intervals
    >>> mobi = sr.datasets.mobi()
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Value =~ PERV1 + PERV2
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Value ~ Image
    ... Loyalty ~ Image + Value''', mobi)
    >>> m = ipma(res, mobi, "Loyalty", scale_min=1, scale_max=10)
    >>> table = ipma_intervals(m, res, mobi, res.bootstrap(500, seed=1))
    >>> bool(((table["ci_lower"] < table["importance"]) & (table["importance"] < table["ci_upper"])).all())
    True
    """
    from .bootstrap import PLSBootstrap

    check(boot, "boot", "ipma_intervals", InstanceOf(PLSBootstrap, "a PLSBootstrap (res.bootstrap(...))"))
    draws = boot.draws
    needed = [f"{m.target} total {c}" for c in m.constructs["construct"]]
    if boot.resamples is None or any(col not in draws for col in needed) or boot.resamples.shape[1] != res.n_obs:
        raise ParameterError("boot", "ipma_intervals", "the bootstrap of the fitted model (res.bootstrap(...))",
                             "a bootstrap of another model or data")
    x, _ = raw_as_fitted(res, data, "ipma_intervals")
    items = res.model.items
    used = list(m.bounds.index)
    low, high = m.bounds["scale_min"].to_numpy(), m.bounds["scale_max"].to_numpy()
    rescaled = 100 * (x[:, [items.index(v) for v in used]] - low) / (high - low)
    n = len(rescaled)
    rows = boot.resamples
    counts = np.zeros((len(rows), n))
    np.add.at(counts, (np.repeat(np.arange(len(rows)), n), rows.ravel()), 1.0)
    mean = counts @ rescaled / n
    sd = np.sqrt(np.maximum(counts @ rescaled**2 / n - mean**2, 0.0) * n / (n - 1))
    at = {v: k for k, v in enumerate(used)}
    scale, perf = {}, {}
    for c in [*m.constructs["construct"], m.target]:
        block = [at[v] for v in res.model.blocks[c]]
        w = draws[[f"{c} weight {v}" for v in res.model.blocks[c]]].to_numpy()
        with np.errstate(all="ignore"):
            v = w / sd[:, block]
            scale[c] = v.sum(axis=1)
            perf[c] = (v * mean[:, block]).sum(axis=1) / scale[c]
    alpha = 1 - boot.level
    q = [100 * alpha / 2, 100 * (1 - alpha / 2)]
    out = m.constructs.copy()
    bounds = {"": [], "perf_": [], "std_": []}
    for c in out["construct"]:
        total = draws[f"{m.target} total {c}"].to_numpy()
        with np.errstate(all="ignore"):
            importance = total * scale[c] / scale[m.target]
        for prefix, values in (("", importance), ("perf_", perf[c]), ("std_", total)):
            bounds[prefix].append(np.nanpercentile(values, q))
    for prefix, pairs in bounds.items():
        out[f"{prefix}ci_lower"], out[f"{prefix}ci_upper"] = np.array(pairs).T
    return out
