"""Standardized solutions (lavaan's std.lv and std.all) and R-squared from the model matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd

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
            std_lv[k] = value / (lv_sd[row.lhs] * lv_sd[row.rhs])
            denom = np.sqrt(resid[row.lhs] * resid[row.rhs])
            std_all[k] = value / denom if denom > 0 else np.nan
    return std_lv, std_all


def r_squared(structure: ModelStructure, theta: np.ndarray) -> pd.Series:
    """R-squared of every observed indicator and every endogenous latent variable (lavaan's inspect(fit, 'r2'))."""
    mats = structure.matrices(theta)
    total, resid = _variances(structure, mats)
    endogenous_inner = [v for i, v in enumerate(structure.inner) if np.any(mats["beta"][i] != 0)
                        or any(r.op == "~" and r.lhs == v for r in structure.rows)]
    names = [v for v in structure.observed if v not in structure.inner] + endogenous_inner
    return pd.Series({v: 1.0 - resid[v] / total[v] for v in names}, name="r2", dtype=float)
