"""``fit_sem``: lavaan syntax + data -> :class:`SEMResult` (ML estimates that agree with lavaan)."""

from __future__ import annotations

import difflib
import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import EstimationError, ModelSpecError, ParameterError
from .engine import Estimate, ModelStructure, estimate
from .fit_measures import fit_measures
from .result import ESTIMATE_COLUMNS, SEMResult
from .standardize import r_squared, standardized
from .syntax import ParsedModel, evaluate, parse_model

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

Z95 = float(stats.norm.ppf(0.975))


def fit_sem(syntax: str | Questionnaire, data: pd.DataFrame, group: str | None = None) -> SEMResult:
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
        Multi-group estimation is not available yet; passing a column raises ModelSpecError.

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
    if group is not None:
        raise ModelSpecError(f"multi-group estimation (group={group!r}) is not available yet; fit each group "
                             "separately with data[data[group] == value].")
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", "fit_sem", "a pandas DataFrame", type(data).__name__)
    parsed = parse_model(syntax)
    structure = ModelStructure(parsed)
    frame, n_dropped = _model_data(structure, data)
    n_obs = len(frame)
    values = frame.to_numpy(dtype=float)
    s = np.cov(values, rowvar=False, bias=True)
    structure.load(frame, s, n_obs)
    p = len(structure.observed)
    if structure.n_free > p * (p + 1) // 2:
        raise ModelSpecError(f"the model has {structure.n_free} free parameters but the data give only "
                             f"{p * (p + 1) // 2} variances and covariances: it is not identified. Add indicators "
                             "or fix parameters.")
    est = _estimate_robustly(structure, frame, s)
    vcov = _covariance(structure, est, n_obs)
    estimates = _estimate_table(structure, parsed, est, vcov)
    fm = pd.Series(fit_measures(s, est.sigma, n_obs, structure.n_free, est.fmin), name="fit_measures")
    r2 = r_squared(structure, est.theta)
    notes = _heywood(estimates)
    if n_dropped:
        notes.append(f"{n_dropped} incomplete row(s) dropped listwise (full-information ML is not available yet).")
    return SEMResult(
        estimates=estimates, fit_measures=fm, r2=r2, n_obs=n_obs, n_dropped=n_dropped, syntax=syntax,
        iterations=est.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=structure.free_names, columns=structure.free_names),
        _state={"structure": structure, "estimate": est, "sample_cov": s, "parsed": parsed, "vcov": vcov},
    )


def _model_data(structure: ModelStructure, data: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    columns = [str(c) for c in data.columns]
    missing = [v for v in structure.observed if v not in columns]
    if missing:
        near = difflib.get_close_matches(missing[0], columns, n=3)
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise ModelSpecError(f"model variable {missing[0]!r} is not a column of the data"
                             f"{f' ({len(missing) - 1} more missing)' if len(missing) > 1 else ''}.{hint}")
    frame = data[structure.observed]
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]):
            raise ModelSpecError(f"column {col!r} is not numeric (dtype {frame[col].dtype}); code answers as "
                                 "numbers before fitting.")
    complete = frame.dropna()
    n_dropped = len(frame) - len(complete)
    if len(complete) <= len(structure.observed):
        raise ModelSpecError(f"only {len(complete)} complete rows for {len(structure.observed)} observed variables; "
                             "the sample covariance matrix cannot be estimated.")
    constant = [c for c in complete.columns if complete[c].nunique() < 2]
    if constant:
        raise EstimationError(f"variable {constant[0]!r} is constant in the data; it cannot be modelled. "
                              "Remove it from the model.")
    return complete.astype(float), n_dropped


def _estimate_robustly(structure: ModelStructure, frame: pd.DataFrame, s: np.ndarray) -> Estimate:
    try:
        return estimate(structure, s)
    except EstimationError:
        # A poor start can stall Fisher scoring; semopy's SLSQP gets close, then we finish.
        try:
            structure.model.fit(frame, cov=pd.DataFrame(s, index=structure.observed, columns=structure.observed))
        except Exception:  # noqa: BLE001 - semopy raises bare exceptions; report ours below
            raise EstimationError("the model did not converge from semopy's or lavaan-style starting values. "
                                  "Check the model against the data (item coding, construct assignment).") from None
        return estimate(structure, s, start=np.asarray(structure.model.param_vals, dtype=float))


def _covariance(structure: ModelStructure, est: Estimate, n_obs: int) -> np.ndarray:
    info = est.information * n_obs / 2.0  # expected information, lavaan's default for ML
    eigval, eigvec = np.linalg.eigh(info)
    if eigval[0] <= 1e-10 * max(eigval[-1], 1.0):
        weights = np.abs(eigvec[:, 0])
        names = structure.free_names
        culprits = [_describe(structure, names[i]) for i in np.argsort(weights)[::-1][:3] if weights[i] > 0.1]
        raise EstimationError("the model is not identified: the information matrix is singular, so "
                              f"{', '.join(culprits) or 'some parameters'} cannot be estimated separately. "
                              "Fix a loading per construct to 1, or add constraints or indicators.")
    return np.linalg.inv(info)


def _describe(structure: ModelStructure, name: str) -> str:
    k = structure.free_names.index(name)
    row = next((r for r in structure.rows if r.free == k), None)
    return f"{row.lhs} {row.op} {row.rhs}" if row else name


def _estimate_table(structure: ModelStructure, parsed: ParsedModel, est: Estimate,
                    vcov: np.ndarray) -> pd.DataFrame:
    theta = est.theta
    mats = structure.matrices(theta)
    se_free = np.sqrt(np.clip(np.diag(vcov), 0, None))
    std_lv, std_all = standardized(structure, theta)
    records = []
    for k, row in enumerate(structure.rows):
        value = float(mats[row.matrix][row.index])
        se = float(se_free[row.free]) if row.free is not None else 0.0
        records.append(_record(row.lhs, row.op, row.rhs, row.label, value, se, std_lv[k], std_all[k],
                               free=row.free is not None))
    records.extend(_defined_rows(structure, parsed, theta, vcov, std_lv, std_all))
    return pd.DataFrame.from_records(records, columns=ESTIMATE_COLUMNS)


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


def _defined_rows(structure: ModelStructure, parsed: ParsedModel, theta: np.ndarray, vcov: np.ndarray,
                  std_lv: np.ndarray, std_all: np.ndarray) -> list[dict]:
    """Defined parameters with delta-method standard errors (numerical Jacobian, as lavaan)."""
    if not parsed.definitions:
        return []
    names = structure.free_names
    label_index = {n: i for i, n in enumerate(names) if not n.startswith("_")}

    def values_of(vector: np.ndarray) -> np.ndarray:
        env = {label: float(vector[i]) for label, i in label_index.items()}
        out = []
        for d in parsed.definitions:
            env[d.name] = evaluate(d, env)
            out.append(env[d.name])
        return np.array(out)

    standardized_values, _ = defined_standardizer(structure, parsed)

    try:
        point = values_of(theta)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise EstimationError(f"a defined parameter cannot be evaluated at the estimates ({exc}).") from None
    jac = np.empty((len(point), len(theta)))
    for i in range(len(theta)):
        h = 1e-6 * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        jac[:, i] = (values_of(up) - values_of(down)) / (2 * h)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
    s_lv, s_all = standardized_values(std_lv), standardized_values(std_all)
    return [_record(d.name, ":=", d.expression.replace("**", "^"), d.name, float(point[k]), float(se[k]),
                    s_lv[k], s_all[k], free=True) for k, d in enumerate(parsed.definitions)]


def defined_standardizer(structure: ModelStructure, parsed: ParsedModel):
    """(function of a standardized row column -> defined values, their table rows) or (None, [])."""
    if not parsed.definitions:
        return None, []

    def fn(column: np.ndarray) -> np.ndarray:
        env: dict[str, float] = {}
        for k, row in enumerate(structure.rows):
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
    return [f"Heywood case: the variance of {v} is negative ({e:.3f}); the model may be mis-specified or the "
            "sample too small." for v, e in zip(negative["lhs"], negative["est"], strict=True)]
