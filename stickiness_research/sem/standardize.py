"""Standardized solutions (lavaan's std.lv and std.all) and R-squared from the model matrices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from .lisrel import MatrixModel


def _plan(structure: MatrixModel) -> dict:
    """Index arrays for :func:`standardized`: each row's kind and the variables it scales by."""
    if structure._std_plan is None:
        names = list(structure.inner) + [v for v in structure.observed if v not in set(structure.inner)]
        at = {v: i for i, v in enumerate(names)}
        rows = structure.rows
        kind = np.array([{"~1": 0, "=~": 1, "~": 2}.get(r.op, 3 if r.lhs == r.rhs else 4) for r in rows], dtype=int)
        lhs = np.array([at[r.lhs] for r in rows], dtype=int)
        rhs = np.array([at[r.rhs] if r.op != "~1" else at[r.lhs] for r in rows], dtype=int)
        latent = np.array([v in structure.latent for v in names], dtype=bool)
        inner = np.array([structure.inner.index(v) if v in structure.inner else -1 for v in names], dtype=int)
        ov = {v: i for i, v in enumerate(structure.observed)}
        outer = np.array([ov[v] if v not in structure.inner else -1 for v in names], dtype=int)
        structure._std_plan = {"names": names, "kind": kind, "lhs": lhs, "rhs": rhs, "latent": latent,
                               "inner": inner, "outer": outer}
    return structure._std_plan


def _variance_vectors(structure: MatrixModel, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Total model-implied and residual (Psi/Theta) variance of every variable, in ``_plan`` order."""
    plan = _plan(structure)
    c = structure.inverse_i_minus_b(mats["beta"])
    cpc = c @ mats["psi"] @ c.T
    lam = mats["lambda"]
    sigma_diag = ((lam @ cpc) * lam).sum(axis=1) + np.diag(mats["theta"])
    inner, outer = plan["inner"], plan["outer"]
    is_inner = inner >= 0
    # a model of observed (co)variances only has no inner variables: pad so the unused branch can index
    inner_total = np.append(np.diag(cpc), 0.0)
    inner_resid = np.append(np.diag(mats["psi"]), 0.0)
    outer_total = np.append(sigma_diag, 0.0)
    outer_resid = np.append(np.diag(mats["theta"]), 0.0)
    total = np.where(is_inner, inner_total[np.maximum(inner, 0)], outer_total[np.maximum(outer, 0)])
    resid = np.where(is_inner, inner_resid[np.maximum(inner, 0)], outer_resid[np.maximum(outer, 0)])
    return total, resid


def standardized(structure: MatrixModel, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every model row of one group, as lavaan's ``standardizedSolution``.

    std.lv scales latent variables to unit variance; std.all scales observed ones too. Covariances
    are divided by the square roots of the two *residual* variances, in absolute value (lavaan 0.6's
    ``cov.std = TRUE`` in ``lav_standardize_lv`` / ``lav_standardize_all``), i.e. they are reported as
    residual correlations; std.lv divides only the latent sides so (a factor's covariance with an
    observed outcome by the factor's residual SD). Intercepts and means by the variable's total SD.
    """
    plan = _plan(structure)
    total, resid = _variance_vectors(structure, mats)
    value = structure.values(None, mats)
    kind, li, ri = plan["kind"], plan["lhs"], plan["rhs"]
    with np.errstate(invalid="ignore", divide="ignore"):  # a negative variance (Heywood case): NaN, as lavaan
        sd = np.sqrt(total)
        lv_sd = np.where(plan["latent"], sd, 1.0)
        # lavaan takes sqrt(abs()) of the residual variances here: a Heywood case still gives a number
        resid_sd = np.sqrt(np.abs(resid))
        denom = resid_sd[li] * resid_sd[ri]
        cov_all = np.where(denom > 0, value / denom, np.nan)
        lv_resid_sd = np.where(plan["latent"], resid_sd, 1.0)
        lv_denom = lv_resid_sd[li] * lv_resid_sd[ri]
        # std.lv leaves observed variables unscaled; latent (residual) covariances become correlations
        std_lv = np.select(
            [kind == 0, kind == 1, kind == 2, kind == 3],
            [value / lv_sd[li], value * lv_sd[li] / lv_sd[ri], value * lv_sd[ri] / lv_sd[li], value / lv_sd[li] ** 2],
            np.where(lv_denom > 0, value / lv_denom, np.nan))
        std_all = np.select(
            [kind == 0, kind == 1, kind == 2, kind == 3],
            # a variance by the square of its SD: NaN for a negative one (lavaan's), not 1 as variance / variance
            [value / sd[li], value * sd[li] / sd[ri], value * sd[ri] / sd[li], value / sd[li] ** 2], cov_all)
    return std_lv, std_all


def r_squared(structure: MatrixModel, mats: dict[str, np.ndarray]) -> pd.Series:
    """R-squared of every observed indicator or outcome and every endogenous latent variable (lavaan's
    ``inspect(fit, "r2")``)."""
    plan = _plan(structure)
    total, resid = _variance_vectors(structure, mats)
    at = {v: i for i, v in enumerate(plan["names"])}
    endogenous = {r.lhs for r in structure.rows if r.op == "~"} | {r.rhs for r in structure.rows if r.op == "=~"}
    names = [v for v in structure.observed if v not in structure.inner or v in endogenous]
    names += [v for v in structure.inner if v in structure.latent and v in endogenous]
    idx = np.array([at[v] for v in names], dtype=int)
    t, r = total[idx], resid[idx]
    with np.errstate(invalid="ignore", divide="ignore"):  # a negative residual variance has no R2 (lavaan: NA)
        values = np.where((r >= 0) & (t > 0), 1.0 - r / t, np.nan)
    return pd.Series(values, index=names, name="r2", dtype=float)


def group_standardized(problem, rows: list, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every table row of every group (rows in table order)."""
    parts = [standardized(g.structure, problem.matrices(g, theta)) for g in problem.groups]
    # table rows list group 1's rows, then group 2's, ... (fit.table_rows)
    return np.concatenate([lv for lv, _ in parts]), np.concatenate([a for _, a in parts])


def group_r_squared(problem, theta: np.ndarray) -> pd.Series:
    """R-squared per group; a plain Series for one group, indexed by (group, variable) otherwise."""
    if len(problem.groups) == 1:
        g = problem.groups[0]
        return r_squared(g.structure, problem.matrices(g, theta))
    parts = {g.label: r_squared(g.structure, problem.matrices(g, theta)) for g in problem.groups}
    return pd.concat(parts, names=["group", "variable"]).rename("r2")


def standardized_solution(problem, rows: list, theta: np.ndarray, vcov: np.ndarray,
                          defined: Callable[[np.ndarray], np.ndarray] | None, names: list,
                          kind: str = "std_all",
                          standardized: Callable[[np.ndarray], tuple] | None = None) -> pd.DataFrame:
    """lavaan's ``standardizedSolution()``: standardized estimates with delta-method SEs.

    ``defined`` maps a column of standardized row values to the defined parameters' values
    (lavaan standardizes ``:=`` parameters by evaluating them on standardized estimates).
    ``standardized(theta)`` gives (std_lv, std_all) of ``rows`` (default :func:`group_standardized`; a categorical
    fit's rows include its thresholds and scale factors). The Jacobian is taken numerically (central differences),
    as lavaan does.
    """
    from .numeric import numerical_jacobian

    if kind not in ("std_all", "std_lv"):
        raise ValueError(f"kind must be 'std_all' or 'std_lv'; got {kind!r}")
    pick = 1 if kind == "std_all" else 0

    def values(t: np.ndarray) -> np.ndarray:
        column = (standardized(t) if standardized is not None else group_standardized(problem, rows, t))[pick]
        return np.concatenate([column, defined(column)]) if defined is not None else column

    point = values(theta)
    jac = numerical_jacobian(values, theta)
    se = np.sqrt(np.clip(((jac @ vcov) * jac).sum(axis=1), 0, None))
    se[se < 1e-12] = 0.0  # fixed-by-definition values (e.g. std.lv latent variances of 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, point / np.where(se > 0, se, 1), np.nan)
    pvalue = 2 * stats.norm.sf(np.abs(z))
    zq = stats.norm.ppf(0.975)
    table = [(r.lhs, r.op, r.rhs, r.label, problem.groups[r.group].label) for r in rows]
    table += [(*n, "") for n in names]
    frame = pd.DataFrame(table, columns=["lhs", "op", "rhs", "label", "group"])
    if len(problem.groups) == 1:
        frame = frame.drop(columns="group")
    frame[kind] = point  # lavaan's standardizedSolution() calls it est.std; its parameterEstimates std.all / std.lv
    frame["se"] = se
    frame["z"] = z
    frame["pvalue"] = pvalue
    frame["ci_lower"] = np.where(se > 0, point - zq * se, point)
    frame["ci_upper"] = np.where(se > 0, point + zq * se, point)
    return frame
