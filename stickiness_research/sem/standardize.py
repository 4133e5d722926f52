"""Standardized solutions (lavaan's std.lv and std.all) and R-squared from the model matrices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from .lisrel import MatrixModel


def _variances(structure: MatrixModel, mats: dict[str, np.ndarray]) -> tuple[dict[str, float], dict[str, float]]:
    """Total model-implied variance of every variable, and the residual (Psi/Theta) variance."""
    c = structure.inverse_i_minus_b(mats["beta"])
    inner_cov = c @ mats["psi"] @ c.T
    lc = mats["lambda"] @ c
    sigma = lc @ mats["psi"] @ lc.T + mats["theta"]
    total = {v: float(inner_cov[i, i]) for i, v in enumerate(structure.inner)}
    resid = {v: float(mats["psi"][i, i]) for i, v in enumerate(structure.inner)}
    for i, v in enumerate(structure.observed):
        if v not in total:
            total[v] = float(sigma[i, i])
            resid[v] = float(mats["theta"][i, i])
    return total, resid


def standardized(structure: MatrixModel, mats: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every model row of one group, as lavaan's ``standardizedSolution``.

    std.lv scales latent variables to unit variance; std.all scales observed ones too. Covariances
    are divided by the square roots of the two *residual* variances (lavaan 0.6), i.e. they are
    reported as residual correlations; intercepts and means by the variable's total SD.
    """
    total, resid = _variances(structure, mats)
    latent = structure.latent
    n = len(structure.rows)
    std_lv, std_all = np.empty(n), np.empty(n)
    with np.errstate(invalid="ignore", divide="ignore"):  # a negative variance (Heywood case): NaN, as lavaan
        sd = {v: np.sqrt(t) for v, t in total.items()}
        lv_sd = {v: (sd[v] if v in latent else 1.0) for v in sd}
        for k, row in enumerate(structure.rows):
            value = mats[row.mat][row.row] if row.mat in ("nu", "alpha") else mats[row.mat][row.row, row.col]
            if row.op == "~1":
                std_all[k] = value / sd[row.lhs]
                std_lv[k] = value / lv_sd[row.lhs]
            elif row.op == "=~":
                std_lv[k] = value * lv_sd[row.lhs] / lv_sd[row.rhs]
                std_all[k] = value * sd[row.lhs] / sd[row.rhs]
            elif row.op == "~":
                std_lv[k] = value * lv_sd[row.rhs] / lv_sd[row.lhs]
                std_all[k] = value * sd[row.rhs] / sd[row.lhs]
            elif row.lhs == row.rhs:
                std_lv[k] = value / lv_sd[row.lhs] ** 2
                std_all[k] = value / total[row.lhs]
            else:
                denom = np.sqrt(resid[row.lhs] * resid[row.rhs])
                std_all[k] = value / denom if denom > 0 else np.nan
                # std.lv leaves observed variables unscaled; latent (residual) covariances become correlations
                both_latent = row.lhs in latent and row.rhs in latent
                std_lv[k] = std_all[k] if both_latent else value / (lv_sd[row.lhs] * lv_sd[row.rhs])
    return std_lv, std_all


def r_squared(structure: MatrixModel, mats: dict[str, np.ndarray]) -> pd.Series:
    """R-squared of every observed indicator or outcome and every endogenous latent variable (lavaan's
    ``inspect(fit, "r2")``)."""
    total, resid = _variances(structure, mats)
    endogenous = {r.lhs for r in structure.rows if r.op == "~"} | {r.rhs for r in structure.rows if r.op == "=~"}
    names = [v for v in structure.observed if v not in structure.inner or v in endogenous]
    names += [v for v in structure.inner if v in structure.latent and v in endogenous]
    with np.errstate(invalid="ignore", divide="ignore"):  # a negative residual variance has no R2 (lavaan: NA)
        return pd.Series({v: 1.0 - resid[v] / total[v] if resid[v] >= 0 and total[v] > 0 else np.nan
                          for v in names}, name="r2", dtype=float)


def group_standardized(problem, rows: list, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every table row of every group (rows in table order)."""
    parts = [standardized(g.structure, problem.matrices(g, theta)) for g in problem.groups]
    counters = [0] * len(problem.groups)
    std_lv, std_all = np.empty(len(rows)), np.empty(len(rows))
    for k, r in enumerate(rows):
        i = counters[r.group]
        counters[r.group] += 1
        std_lv[k], std_all[k] = parts[r.group][0][i], parts[r.group][1][i]
    return std_lv, std_all


def group_r_squared(problem, theta: np.ndarray) -> pd.Series:
    """R-squared per group; a plain Series for one group, indexed by (group, variable) otherwise."""
    if len(problem.groups) == 1:
        g = problem.groups[0]
        return r_squared(g.structure, problem.matrices(g, theta))
    parts = {g.label: r_squared(g.structure, problem.matrices(g, theta)) for g in problem.groups}
    return pd.concat(parts, names=["group", "variable"]).rename("r2")


def standardized_solution(problem, rows: list, theta: np.ndarray, vcov: np.ndarray,
                          defined: Callable[[np.ndarray], np.ndarray] | None, names: list,
                          kind: str = "std_all") -> pd.DataFrame:
    """lavaan's ``standardizedSolution()``: standardized estimates with delta-method SEs.

    ``defined`` maps a column of standardized row values to the defined parameters' values
    (lavaan standardizes ``:=`` parameters by evaluating them on standardized estimates).
    The Jacobian is taken numerically (central differences), as lavaan does.
    """
    from .numeric import numerical_jacobian

    if kind not in ("std_all", "std_lv"):
        raise ValueError(f"kind must be 'std_all' or 'std_lv'; got {kind!r}")
    pick = 1 if kind == "std_all" else 0

    def values(t: np.ndarray) -> np.ndarray:
        column = group_standardized(problem, rows, t)[pick]
        return np.concatenate([column, defined(column)]) if defined is not None else column

    point = values(theta)
    jac = numerical_jacobian(values, theta)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0, None))
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
    frame["est_std"] = point
    frame["se"] = se
    frame["z"] = z
    frame["pvalue"] = pvalue
    frame["ci_lower"] = np.where(se > 0, point - zq * se, point)
    frame["ci_upper"] = np.where(se > 0, point + zq * se, point)
    return frame
