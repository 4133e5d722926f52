"""``fit_sem``: lavaan syntax + data -> :class:`SEMResult` (ML estimates that agree with lavaan)."""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError, ModelSpecError, ParameterError
from .build import build_problem
from .engine import ModelStructure
from .fit_measures import fit_measures
from .numeric import numerical_jacobian
from .problem import Problem, Solution, solve
from .result import ESTIMATE_COLUMNS, SEMResult
from .standardize import group_r_squared, group_standardized
from .syntax import ParsedModel, evaluate, parse_model

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class TableRow:
    """A row of the parameter table: which group, what it is, where its value lives."""

    group: int
    lhs: str
    op: str
    rhs: str
    label: str
    free: int | None  # global parameter index
    matrix: str  # beta lambda psi theta (covariance structure) or nu alpha (means)
    index: tuple[int, ...]


def fit_sem(syntax: str | Questionnaire, data: pd.DataFrame, group: str | None = None, *,
            group_equal: tuple[str, ...] | list[str] = (), meanstructure: bool | None = None,
            estimator: str = "ML", missing: str = "listwise") -> SEMResult:
    """Fit a structural equation model by maximum likelihood, with lavaan's definitions.

    Parameters
    ----------
    syntax : str or Questionnaire
        lavaan model syntax (``=~ ~ ~~``, labels ``a*x``, equality by shared label, fixed values
        ``1*x``, defined parameters ``name := a*b``), or a Questionnaire whose hypothesised model
        (:meth:`Questionnaire.model_syntax`) is fitted.
    data : DataFrame
        One row per respondent; columns named as the model's observed variables. Reverse-keyed
        items must already be recoded. Rows with a missing model variable are dropped listwise
        (counted in ``n_dropped``).
    group : str, optional
        Column whose values define groups for a multi-group model (lavaan ``group=``); groups are
        ordered by first appearance, as in lavaan. The model's free parameters are estimated per
        group except those sharing a label or listed in ``group_equal``.
    group_equal : sequence of str
        lavaan's ``group.equal``: any of loadings, intercepts, means, regressions, residuals,
        residual.covariances, lv.variances, lv.covariances.
    meanstructure : bool, optional
        Model means and intercepts; default True for multi-group models, False otherwise (lavaan).
    estimator : {"ML", "MLR"}
        ``"MLR"``: ML estimates with Huber-White (sandwich) standard errors and the Yuan-Bentler
        scaled chi-square (lavaan ``estimator = "MLR"``), for non-normal items such as Likert
        answers; adds chisq.scaled, pvalue.scaled, chisq.scaling.factor, cfi/tli/rmsea.scaled and
        the population-corrected cfi/tli/rmsea.robust to the fit measures.
    missing : {"listwise", "ml"}
        ``"listwise"`` drops incomplete rows (counted in ``n_dropped``); ``"ml"`` uses every
        observed value by full-information ML (lavaan ``missing = "ml"``; single group, ML).

    Returns
    -------
    SEMResult

    Raises
    ------
    ModelSpecError
        Unreadable syntax, a variable missing from the data, a non-numeric column, too few
        observations, or a model with more parameters than moments.
    EstimationError
        No convergence, a non-positive-definite sample covariance matrix, or an under-identified model.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> float(round(res.fit_measures["chisq"], 3)), int(res.fit_measures["df"])  # In R: lavaan::cfa(HS.model, HolzingerSwineford1939)
    (85.306, 24)
    """
    if not isinstance(syntax, str):
        syntax = syntax.model_syntax()
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", "fit_sem", "a pandas DataFrame", type(data).__name__)
    group_equal = tuple(group_equal)
    estimator = str(estimator).upper()
    if estimator not in ("ML", "MLR"):
        raise ModelSpecError(f"estimator {estimator!r} is not available; use 'ML' or 'MLR' (robust ML). "
                             "WLSMV for ordinal items is not implemented yet.")
    if group_equal and group is None:
        raise ModelSpecError("group_equal needs a grouping column: pass group='...'.")
    if missing not in ("listwise", "ml"):
        raise ModelSpecError(f"missing must be 'listwise' or 'ml'; got {missing!r}.")
    parsed = parse_model(syntax)
    observed = ModelStructure(parsed).observed
    if missing == "ml":
        if group is not None or estimator != "ML":
            raise ModelSpecError("full-information ML (missing='ml') is available for single-group ML fits; "
                                 "drop group/estimator or use missing='listwise'.")
        return _fit_fiml(syntax, parsed, observed, data)
    meanstructure = (group is not None) if meanstructure is None else bool(meanstructure)
    frames, n_dropped = _model_data(observed, data, group)
    problem = build_problem(parsed, frames, group_equal=group_equal, meanstructure=meanstructure)
    moments = sum(g.p * (g.p + 1) // 2 + (g.p if meanstructure else 0) for g in problem.groups)
    if problem.n_free > moments:
        raise ModelSpecError(f"the model has {problem.n_free} free parameters but the data give only {moments} "
                             "sample moments: it is not identified. Add indicators or fix parameters.")
    sol = _solve_robustly(problem)
    rows = _table_rows(problem)
    vcov = _covariance(problem, rows, sol)
    group_stats = []
    for g, f in zip(problem.groups, sol.group_f, strict=True):
        mom = problem.moments(g, sol.theta, derivatives=False)
        group_stats.append({"s": g.s, "m": g.m, "sigma": mom.sigma, "mu": mom.mu, "n": g.n, "f": f})
    measures = fit_measures(group_stats, problem.n_free)
    if estimator == "MLR":
        from .robust import mlr

        vcov, scaled = mlr(problem, sol.theta, [part.to_numpy(dtype=float) for _, part in frames], measures)
        measures.update(scaled)
    estimates = _estimate_table(problem, rows, parsed, sol, vcov)
    fm = pd.Series(measures, name="fit_measures")
    r2 = group_r_squared(problem, sol.theta)
    notes = _heywood(estimates)
    if n_dropped:
        notes.append(f"{n_dropped} incomplete row(s) dropped listwise; missing='ml' uses them (full-information ML).")
    first = problem.groups[0]
    return SEMResult(
        estimates=estimates, fit_measures=fm, r2=r2, n_obs=problem.n_total, n_dropped=n_dropped, syntax=syntax,
        iterations=sol.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=problem.names, columns=problem.names),
        groups=tuple(g.label for g in problem.groups) if group is not None else (), estimator=estimator,
        _state={"problem": problem, "solution": sol, "rows": rows, "parsed": parsed, "vcov": vcov, "data": frames,
                "structure": first.structure, "sample_cov": first.s, "sigma": group_stats[0]["sigma"]},
    )


def _fit_fiml(syntax: str, parsed: ParsedModel, observed: list[str], data: pd.DataFrame) -> SEMResult:
    from .fiml import build_fiml_problem, em_saturated, independence_discrepancy, logl, pattern_discrepancy, solve_fiml

    _check_columns(observed, data, None)
    frame = data[observed].astype(float)
    empty = frame.isna().all(axis=1)
    frame = frame[~empty]
    x = frame.to_numpy()
    mu_h1, sigma_h1 = em_saturated(x)
    start_frame = frame.fillna(pd.Series(mu_h1, index=observed))  # starting values only
    base = build_problem(parsed, [("", start_frame)], group_equal=(), meanstructure=True)
    group = base.groups[0]
    group.s, group.m = sigma_h1, mu_h1
    problem = build_fiml_problem(base, x)
    sol, _ = solve_fiml(problem)
    rows = _table_rows(problem)
    vcov = _covariance(problem, rows, sol)
    n = problem.n_total
    f_h1 = pattern_discrepancy(problem.patterns, sigma_h1, mu_h1, n)
    f_b = independence_discrepancy(x, problem.patterns)
    mom = problem.moments(group, sol.theta, derivatives=False)
    stats_ = [{"s": sigma_h1, "m": mu_h1, "sigma": mom.sigma, "mu": mom.mu, "n": n, "f": sol.fmin - f_h1}]
    measures = fit_measures(stats_, problem.n_free, baseline_chisq=n * (f_b - f_h1),
                            loglik=(logl(sol.fmin, problem.patterns, n), logl(f_h1, problem.patterns, n)))
    estimates = _estimate_table(problem, rows, parsed, sol, vcov)
    n_complete = int(frame.notna().all(axis=1).sum())
    notes = _heywood(estimates)
    notes.append(f"full-information ML: {n} respondents in {len(problem.patterns)} missingness patterns "
                 f"({n_complete} complete); {int(empty.sum())} with no observed value dropped.")
    return SEMResult(
        estimates=estimates, fit_measures=pd.Series(measures, name="fit_measures"),
        r2=group_r_squared(problem, sol.theta), n_obs=n, n_dropped=int(empty.sum()), syntax=syntax,
        iterations=sol.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=problem.names, columns=problem.names), estimator="ML (FIML)",
        _state={"problem": problem, "solution": sol, "rows": rows, "parsed": parsed, "vcov": vcov,
                "data": [("", frame)], "structure": group.structure, "sample_cov": sigma_h1,
                "sigma": mom.sigma},
    )


def _check_columns(observed: list[str], data: pd.DataFrame, group: str | None) -> None:
    """Every model variable (and the group column) is present, and model variables are numeric."""
    columns = [str(c) for c in data.columns]
    missing = [v for v in observed if v not in columns]
    if missing:
        near = difflib.get_close_matches(missing[0], columns, n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise ModelSpecError(f"model variable {missing[0]!r} is not a column of the data"
                             f"{f' ({len(missing) - 1} more missing)' if len(missing) > 1 else ''}.{hint}")
    if group is not None and group not in columns:
        near = difflib.get_close_matches(str(group), columns, n=3)
        raise ModelSpecError(f"group column {group!r} is not in the data."
                             + (f" Did you mean {', '.join(near)}?" if near else ""))
    for col in observed:
        if not pd.api.types.is_numeric_dtype(data[col]):
            raise ModelSpecError(f"column {col!r} is not numeric (dtype {data[col].dtype}); code answers as "
                                 "numbers before fitting.")


def _model_data(observed: list[str], data: pd.DataFrame, group: str | None) -> tuple[list[tuple[str, pd.DataFrame]], int]:
    _check_columns(observed, data, group)
    frame = data[observed + ([group] if group is not None else [])]
    complete = frame.dropna()
    n_dropped = len(frame) - len(complete)
    if group is None:
        parts = [("", complete[observed])]
    else:
        parts = [(str(label), complete.loc[complete[group] == label, observed])
                 for label in pd.unique(complete[group])]
    for label, part in parts:
        where = f" in group {label!r}" if group is not None else ""
        if len(part) <= len(observed):
            raise ModelSpecError(f"only {len(part)} complete rows{where} for {len(observed)} observed variables; "
                                 "the sample covariance matrix cannot be estimated.")
        constant = [c for c in observed if part[c].nunique() < 2]
        if constant:
            raise EstimationError(f"variable {constant[0]!r} is constant{where}; it cannot be modelled. "
                                  "Remove it from the model.")
        if np.linalg.slogdet(np.cov(part.to_numpy(dtype=float), rowvar=False))[0] <= 0:
            raise EstimationError(f"the sample covariance matrix{where} is not positive definite (an item is a "
                                  "linear combination of others). Remove duplicated items.")
    return [(label, part.astype(float)) for label, part in parts], n_dropped


def _solve_robustly(problem: Problem) -> Solution:
    try:
        return solve(problem)
    except EstimationError:
        if len(problem.groups) > 1 or problem.meanstructure:
            raise
        # A poor start can stall Fisher scoring; semopy's SLSQP gets close, then we finish.
        st = problem.groups[0].structure
        try:
            st.model.fit(cov=pd.DataFrame(problem.groups[0].s, index=st.observed, columns=st.observed),
                         n_samples=problem.groups[0].n)
        except Exception:  # noqa: BLE001 - semopy raises bare exceptions; report ours below
            raise EstimationError("the model did not converge from semopy's or lavaan-style starting values. "
                                  "Check the model against the data (item coding, construct assignment).") from None
        return solve(problem, start=np.asarray(st.model.param_vals, dtype=float))


def _table_rows(problem: Problem) -> list[TableRow]:
    rows: list[TableRow] = []
    for g_no, g in enumerate(problem.groups):
        for r in g.structure.rows:
            free = int(g.cov_map[r.free]) if r.free is not None else None
            rows.append(TableRow(g_no, r.lhs, r.op, r.rhs, r.label, free, r.matrix, r.index))
        for mp, k in zip(g.means, g.mean_map, strict=True):
            rows.append(TableRow(g_no, mp.variable, "~1", "", "", k, mp.kind, (mp.index,)))
    return rows


def _covariance(problem: Problem, rows: list[TableRow], sol: Solution) -> np.ndarray:
    info = sol.information * problem.n_total / 2.0  # expected information, lavaan's default for ML
    error = problem.identification_error(info)
    if error is not None:
        raise error
    return np.linalg.inv(info)


def row_values(problem: Problem, rows: list[TableRow], theta: np.ndarray) -> np.ndarray:
    """Unstandardized value of every table row at ``theta``."""
    out = np.empty(len(rows))
    cache: dict[int, dict[str, np.ndarray]] = {}
    for k, r in enumerate(rows):
        g = problem.groups[r.group]
        if r.group not in cache:
            mats = g.structure.matrices(problem.local(g, theta))
            mats["nu"], mats["alpha"] = problem.mean_vectors(g, theta) if problem.meanstructure else (None, None)
            cache[r.group] = mats
        out[k] = cache[r.group][r.matrix][r.index]
    return out


def _estimate_table(problem: Problem, rows: list[TableRow], parsed: ParsedModel, sol: Solution,
                    vcov: np.ndarray) -> pd.DataFrame:
    theta = sol.theta
    values = row_values(problem, rows, theta)
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    std_lv, std_all = group_standardized(problem, rows, theta)
    records = []
    for k, row in enumerate(rows):
        se = float(se_free[row.free]) if row.free is not None else 0.0
        rec = _record(row.lhs, row.op, row.rhs, row.label, float(values[k]), se, std_lv[k], std_all[k],
                      free=row.free is not None)
        rec["group"] = problem.groups[row.group].label
        records.append(rec)
    records.extend(_defined_rows(problem, rows, parsed, theta, vcov, std_lv, std_all))
    columns = ESTIMATE_COLUMNS if len(problem.groups) == 1 else ESTIMATE_COLUMNS[:4] + ["group"] + ESTIMATE_COLUMNS[4:]
    return pd.DataFrame.from_records(records, columns=columns)


def _record(lhs: str, op: str, rhs: str, label: str, est: float, se: float, std_lv: float, std_all: float,
            *, free: bool) -> dict:
    if free and se > 0:
        z = est / se
        pvalue = 2 * stats.norm.sf(abs(z))
        lo, hi = est - Z95 * se, est + Z95 * se
    else:
        z = pvalue = math.nan
        lo = hi = est
    return {"lhs": lhs, "op": op, "rhs": rhs, "label": label, "est": est, "se": se, "z": z, "pvalue": pvalue,
            "ci_lower": lo, "ci_upper": hi, "std_lv": float(std_lv), "std_all": float(std_all)}


def _defined_rows(problem: Problem, rows: list[TableRow], parsed: ParsedModel, theta: np.ndarray,
                  vcov: np.ndarray, std_lv: np.ndarray, std_all: np.ndarray) -> list[dict]:
    """Defined parameters with delta-method standard errors (numerical Jacobian, as lavaan)."""
    if not parsed.definitions:
        return []
    label_index = {n: i for i, n in enumerate(problem.names) if n in parsed.labels}

    def values_of(vector: np.ndarray) -> np.ndarray:
        env = {label: float(vector[i]) for label, i in label_index.items()}
        out = []
        for d in parsed.definitions:
            env[d.name] = evaluate(d, env)
            out.append(env[d.name])
        return np.array(out)

    standardized_values, _ = defined_standardizer(rows, parsed)
    try:
        point = values_of(theta)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise EstimationError(f"a defined parameter cannot be evaluated at the estimates ({exc}).") from None
    jac = numerical_jacobian(values_of, theta)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    s_lv, s_all = standardized_values(std_lv), standardized_values(std_all)
    out = []
    for k, d in enumerate(parsed.definitions):
        rec = _record(d.name, ":=", d.expression.replace("**", "^"), d.name, float(point[k]), float(se[k]),
                      s_lv[k], s_all[k], free=True)
        rec["group"] = ""
        out.append(rec)
    return out


def defined_standardizer(rows: list, parsed: ParsedModel):
    """(function of a standardized row column -> defined values, their table rows) or (None, [])."""
    if not parsed.definitions:
        return None, []

    def fn(column: np.ndarray) -> np.ndarray:
        env: dict[str, float] = {}
        for k, row in enumerate(rows):
            if row.label and row.label not in env:
                env[row.label] = float(column[k])
        out = []
        for d in parsed.definitions:
            env[d.name] = evaluate(d, env)
            out.append(env[d.name])
        return np.array(out)

    names = [(d.name, ":=", d.expression.replace("**", "^"), d.name) for d in parsed.definitions]
    return fn, names


def _heywood(estimates: pd.DataFrame) -> list[str]:
    variances = estimates[(estimates["op"] == "~~") & (estimates["lhs"] == estimates["rhs"])]
    negative = variances[variances["est"] < 0]
    groups = negative["group"] if "group" in negative else [""] * len(negative)
    return [f"Heywood case: the variance of {v}{f' in group {g!r}' if g else ''} is negative ({e:.3f}); the "
            "model may be mis-specified or the sample too small."
            for v, e, g in zip(negative["lhs"], negative["est"], groups, strict=True)]
