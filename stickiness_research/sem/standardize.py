"""Standardized solutions (lavaan's std.lv and std.all) and R-squared from the model matrices."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy import stats

from .engine import ModelStructure


def _variances(structure: ModelStructure, mats: dict[str, np.ndarray]) -> tuple[dict[str, float], dict[str, float]]:
    """Total model-implied variance of every variable, and the residual (Psi/Theta) variance."""
    c = np.linalg.inv(np.eye(len(structure.inner)) - mats["beta"])
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


def standardized(structure: ModelStructure, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every row of the parameter table, as lavaan computes them.

    std.lv scales latent variables to unit variance; std.all scales observed ones too. Covariances
    are divided by the square roots of the two *residual* variances (lavaan 0.6), i.e. they are
    reported as residual correlations.
    """
    mats = structure.matrices(theta)
    total, resid = _variances(structure, mats)
    latent = structure.latent
    std_lv = np.empty(len(structure.rows))
    std_all = np.empty(len(structure.rows))
    for k, row in enumerate(structure.rows):
        value = mats[row.matrix][row.index]
        with np.errstate(invalid="ignore"):  # a negative variance (Heywood case) has no SD: NaN, as lavaan
            sd = {v: np.sqrt(total[v]) for v in (row.lhs, row.rhs)}
        lv_sd = {v: (sd[v] if v in latent else 1.0) for v in (row.lhs, row.rhs)}
        if row.op == "=~":
            std_lv[k] = value * lv_sd[row.lhs]
            std_all[k] = value * sd[row.lhs] / sd[row.rhs]
        elif row.op == "~":
            std_lv[k] = value * lv_sd[row.rhs] / lv_sd[row.lhs]
            std_all[k] = value * sd[row.rhs] / sd[row.lhs]
        elif row.lhs == row.rhs:
            std_lv[k] = value / lv_sd[row.lhs] ** 2
            std_all[k] = value / total[row.lhs]
        else:
            with np.errstate(invalid="ignore"):
                denom = np.sqrt(resid[row.lhs] * resid[row.rhs])
            std_all[k] = value / denom if denom > 0 else np.nan
            # std.lv leaves observed variables unscaled; latent (residual) covariances become correlations
            both_latent = row.lhs in latent and row.rhs in latent
            std_lv[k] = std_all[k] if both_latent else value / (lv_sd[row.lhs] * lv_sd[row.rhs])
    return std_lv, std_all


def r_squared(structure: ModelStructure, theta: np.ndarray) -> pd.Series:
    """R-squared of every observed indicator and every endogenous latent variable (lavaan's inspect(fit, 'r2'))."""
    mats = structure.matrices(theta)
    total, resid = _variances(structure, mats)
    endogenous_inner = [v for i, v in enumerate(structure.inner) if np.any(mats["beta"][i] != 0)
                        or any(r.op == "~" and r.lhs == v for r in structure.rows)]
    names = [v for v in structure.observed if v not in structure.inner] + endogenous_inner
    return pd.Series({v: 1.0 - resid[v] / total[v] for v in names}, name="r2", dtype=float)


def group_standardized(problem, rows: list, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(std_lv, std_all) for every table row of every group, means included.

    Means are scaled like lavaan: an intercept or mean divided by the variable's total SD
    (std.all), latent means by the latent SD (std.lv).
    """
    std_lv = np.empty(len(rows))
    std_all = np.empty(len(rows))
    per_group: dict[int, tuple] = {}
    for g_no, g in enumerate(problem.groups):
        local = problem.local(g, theta)
        lv, al = standardized(g.structure, local)
        mats = g.structure.matrices(local)
        total, _ = _variances(g.structure, mats)
        nu, alpha = problem.mean_vectors(g, theta) if problem.meanstructure else (None, None)
        per_group[g_no] = (lv, al, total, nu, alpha)
    counters: dict[int, int] = {}
    for k, r in enumerate(rows):
        lv, al, total, nu, alpha = per_group[r.group]
        if r.op == "~1":
            value = (nu if r.matrix == "nu" else alpha)[r.index[0]]
            sd = np.sqrt(total[r.lhs])
            std_all[k] = value / sd
            std_lv[k] = value / sd if r.lhs in problem.groups[r.group].structure.latent else value
            continue
        i = counters.get(r.group, 0)
        counters[r.group] = i + 1
        std_lv[k], std_all[k] = lv[i], al[i]
    return std_lv, std_all


def group_r_squared(problem, theta: np.ndarray) -> pd.Series:
    """R-squared per group; a plain Series for one group, indexed by (group, variable) otherwise."""
    if len(problem.groups) == 1:
        g = problem.groups[0]
        return r_squared(g.structure, problem.local(g, theta))
    parts = {g.label: r_squared(g.structure, problem.local(g, theta)) for g in problem.groups}
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
