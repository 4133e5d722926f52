"""Modification indices (score tests for fixed-to-zero parameters), as lavaan's ``modindices()``.

Candidates are lavaan's defaults: cross-loadings (``=~``, fixed markers included), residual
covariances between observed variables (``~~``), and regressions and (residual) covariances
between latent variables; candidates whose freeing would not be identified get no index. With expected information I over free and candidate parameters,
MI_c = g_c^2 / (I_cc - I_c. I_..^-1 I_.c), EPC_c = g_c / (same), g the log-likelihood gradient.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .engine import ModelStructure


def modification_indices(structure: ModelStructure, theta: np.ndarray, s: np.ndarray, n_obs: int) -> pd.DataFrame:
    """Table lhs op rhs mi epc sepc_lv sepc_all, sorted by mi (largest first)."""
    mats = structure.matrices(theta)
    sigma, free_grads = structure.implied(theta)
    inv = np.linalg.inv(sigma)
    c = np.linalg.inv(np.eye(len(structure.inner)) - mats["beta"])
    inner_cov = c @ mats["psi"] @ c.T
    lam = mats["lambda"]
    p = len(structure.observed)
    # Fixed marker loadings are candidates too (lavaan frees them in the score test); those whose
    # freeing would leave the model unidentified get no index (their residual information is 0).
    occupied = {(r.matrix, *r.index) for r in structure.rows if r.free is not None or r.matrix != "lambda"}
    occupied |= {(r.matrix, r.index[1], r.index[0]) for r in structure.rows if r.matrix in ("theta", "psi")}
    candidates: list[tuple[str, str, str, np.ndarray, float, float]] = []
    sd_obs = np.sqrt(np.diag(sigma))
    sd_inner = np.sqrt(np.diag(inner_cov))
    for j, lat in enumerate(structure.inner):
        if lat not in structure.latent:
            continue
        row = inner_cov[j] @ lam.T  # Cov(eta_j, y)
        for i, ov in enumerate(structure.observed):
            if ("lambda", i, j) in occupied or ov in structure.inner:
                continue
            d = np.zeros((p, p))
            d[i, :] += row
            d[:, i] += row
            candidates.append((lat, "=~", ov, d, sd_inner[j], sd_inner[j] / sd_obs[i]))
    # structural candidates between latent variables: regressions (both directions) and (residual)
    # covariances; those that would not be identified drop out below, as in lavaan
    m_mat = lam @ c
    cpm = c @ mats["psi"] @ m_mat.T  # C Psi M'
    psi_diag = np.diag(mats["psi"])
    latent_idx = [i for i, v in enumerate(structure.inner) if v in structure.latent]
    for i in latent_idx:
        for j in latent_idx:
            if i == j or ("beta", i, j) in occupied:
                continue
            d = np.outer(m_mat[:, i], cpm[j])
            candidates.append((structure.inner[i], "~", structure.inner[j], d + d.T,
                               sd_inner[j] / sd_inner[i], sd_inner[j] / sd_inner[i]))
    for a_pos, i in enumerate(latent_idx):
        for j in latent_idx[a_pos + 1:]:
            if ("psi", i, j) in occupied:
                continue
            d = np.outer(m_mat[:, i], m_mat[:, j])
            scale = 1.0 / np.sqrt(psi_diag[i] * psi_diag[j]) if psi_diag[i] * psi_diag[j] > 0 else np.nan
            candidates.append((structure.inner[i], "~~", structure.inner[j], d + d.T, scale, scale))
    theta_diag = np.diag(mats["theta"])
    for i, a in enumerate(structure.observed):
        for j in range(i + 1, p):
            if ("theta", i, j) in occupied or a in structure.inner or structure.observed[j] in structure.inner:
                continue
            d = np.zeros((p, p))
            d[i, j] = d[j, i] = 1.0
            scale = 1.0 / np.sqrt(theta_diag[i] * theta_diag[j]) if theta_diag[i] * theta_diag[j] > 0 else np.nan
            candidates.append((a, "~~", structure.observed[j], d, 1.0, scale))
    if not candidates:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc_lv", "sepc_all"])
    grads = free_grads + [cand[3] for cand in candidates]
    a_mats = np.stack([inv @ g for g in grads])
    info = n_obs / 2 * np.einsum("iab,jba->ij", a_mats, a_mats)
    k = len(free_grads)
    i_ff, i_cf, i_cc = info[:k, :k], info[k:, :k], np.diag(info)[k:]
    v = i_cc - np.einsum("ij,ji->i", i_cf, np.linalg.solve(i_ff, i_cf.T))
    resid = inv @ (sigma - s) @ inv
    score = -n_obs / 2 * np.einsum("ab,iba->i", resid, np.stack([cand[3] for cand in candidates]))
    with np.errstate(divide="ignore", invalid="ignore"):
        identified = v > 1e-8 * np.maximum(i_cc, 1.0)
        mi = np.where(identified, score**2 / v, np.nan)
        epc = np.where(identified, score / v, np.nan)
    table = pd.DataFrame({
        "lhs": [cnd[0] for cnd in candidates], "op": [cnd[1] for cnd in candidates],
        "rhs": [cnd[2] for cnd in candidates], "mi": mi, "epc": epc,
        "sepc_lv": epc * np.array([cnd[4] for cnd in candidates]),
        "sepc_all": epc * np.array([cnd[5] for cnd in candidates]),
    })
    table = table[identified]
    return table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
