"""Modification indices (score tests for fixed-to-zero parameters), as lavaan's ``modindices()``.

Candidates are lavaan's defaults, per group: cross-loadings (``=~``, fixed markers included),
residual covariances between observed indicators (``~~``), and regressions and (residual)
covariances between latent variables; candidates whose freeing would not be identified get no
index. Multi-group, mean-structure and FIML fits are covered: with the expected information I
over free and candidate parameters (summed over groups, means included),
MI_c = g_c^2 / (I_cc - I_c. I_..^-1 I_.c), EPC_c = g_c / (same), g the log-likelihood gradient.
For FIML fits the score comes from the casewise likelihood and the expected information from the
missingness patterns (as lavaan, which always uses the expected information here): the model is
laid out again with the candidates as free rows (value 0) and differentiated at the estimates.
A candidate whose residual information per observation is below eps^(1/3) gets no index (lavaan).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

COLUMNS = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all"]


def _candidates(problem, g, theta: np.ndarray) -> list[tuple]:
    """(lhs, op, rhs, dSigma, dmu, sepc_lv scale, sepc_all scale) for one group."""
    st = g.structure
    mats = problem.matrices(g, theta)
    c = st.inverse_i_minus_b(mats["beta"])
    inner_cov = c @ mats["psi"] @ c.T
    lam = mats["lambda"]
    m_mat = lam @ c
    sigma = m_mat @ mats["psi"] @ m_mat.T + mats["theta"]
    c_alpha = c @ mats["alpha"]
    p = len(st.observed)
    occupied = {(r.mat, r.row, r.col) for r in st.rows if r.is_free or r.mat != "lambda"}
    occupied |= {(r.mat, r.col, r.row) for r in st.rows if r.mat in ("theta", "psi")}
    sd_obs = np.sqrt(np.diag(sigma))
    sd_inner = np.sqrt(np.clip(np.diag(inner_cov), 0, None))
    out = []
    for j, lat in enumerate(st.inner):
        if lat not in st.latent:
            continue
        row = inner_cov[j] @ lam.T  # Cov(eta_j, y)
        for i, ov in enumerate(st.observed):
            if ("lambda", i, j) in occupied or ov in st.inner:
                continue
            d = np.zeros((p, p))
            d[i, :] += row
            d[:, i] += row
            dmu = np.zeros(p)
            dmu[i] = c_alpha[j]
            out.append((lat, "=~", ov, d, dmu, sd_inner[j], sd_inner[j] / sd_obs[i]))
    cpm = c @ mats["psi"] @ m_mat.T
    psi_diag = np.diag(mats["psi"])
    latent_idx = [i for i, v in enumerate(st.inner) if v in st.latent]
    for i in latent_idx:
        for j in latent_idx:
            if i == j or ("beta", i, j) in occupied:
                continue
            d = np.outer(m_mat[:, i], cpm[j])
            scale = sd_inner[j] / sd_inner[i] if sd_inner[i] > 0 else np.nan
            out.append((st.inner[i], "~", st.inner[j], d + d.T, m_mat[:, i] * c_alpha[j], scale, scale))
    for a_pos, i in enumerate(latent_idx):
        for j in latent_idx[a_pos + 1:]:
            if ("psi", i, j) in occupied:
                continue
            d = np.outer(m_mat[:, i], m_mat[:, j])
            with np.errstate(invalid="ignore", divide="ignore"):  # |variances|, as lavaan's lav_standardize_all
                scale = 1.0 / np.sqrt(abs(psi_diag[i] * psi_diag[j])) if psi_diag[i] * psi_diag[j] != 0 else np.nan
            out.append((st.inner[i], "~~", st.inner[j], d + d.T, np.zeros(p), scale, scale))
    theta_diag = np.diag(mats["theta"])
    for i, a in enumerate(st.observed):
        for j in range(i + 1, p):
            if ("theta", i, j) in occupied or a in st.inner or st.observed[j] in st.inner:
                continue
            d = np.zeros((p, p))
            d[i, j] = d[j, i] = 1.0
            with np.errstate(invalid="ignore", divide="ignore"):  # a negative (Heywood) variance too: |theta|
                scale = (1.0 / np.sqrt(abs(theta_diag[i] * theta_diag[j])) if theta_diag[i] * theta_diag[j] != 0
                         else np.nan)
            out.append((a, "~~", st.observed[j], d, np.zeros(p), 1.0, scale))
    return out


def _augmented(problem, theta: np.ndarray, per_group: list[list[tuple]], build):
    """The model laid out again with every candidate as a free row (value 0; a fixed marker freed at its value):
    ``build(table)`` makes the augmented problem; returns it, its parameters at the fit (the fit's values, the
    candidates at 0) and the order of its columns as [the fit's parameters, the candidates]."""
    from .partable import ParRow

    pt = problem.partable
    rows = list(pt.rows)
    where = {(r.group, r.lhs, r.op, r.rhs): k for k, r in enumerate(rows)}
    extra, next_id = [], max(r.id for r in pt.rows) + 1
    free_no = max(r.free for r in pt.rows)
    fixed_values: dict[int, float] = {}
    cand_ids: list[int] = []
    for g_no, cands in enumerate(per_group, start=1):
        for c in cands:
            free_no += 1
            k = where.get((g_no, c[0], c[1], c[2]))
            if k is not None:  # a fixed row (a marker): free it at its value
                rows[k] = replace(rows[k], free=free_no)
                fixed_values[rows[k].id] = rows[k].ustart
                cand_ids.append(rows[k].id)
                continue
            extra.append(ParRow(id=next_id, lhs=c[0], op=c[1], rhs=c[2], user=0, block=g_no, group=g_no,
                                free=free_no, ustart=0.0, plabel=f".p{next_id}."))
            cand_ids.append(next_id)
            next_id += 1
    aug = build(pt.replace_rows(rows + extra))
    # every free row's value at the fit, candidates at 0, as values of the augmented classes
    value: dict[int, float] = {}
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    for g in problem.groups:
        value.update(zip((g.structure.rows[pos].id for pos in g.structure.free), problem.local(g, theta),
                         strict=True))
        if hasattr(g, "tau_rows"):  # ordered items: thresholds and scale factors are rows outside the matrices
            value.update(zip((r.id for r in g.tau_rows), g.tau_c + g.tau_k @ theta, strict=True))
            scale = g.delta_c + g.delta_k @ theta
            value.update((r.id, scale[ov[r.lhs]]) for r in g.delta_rows)
    new = aug.layout
    target = np.array([value.get(r.id, fixed_values.get(r.id, 0.0)) for r in new.class_rows]) - new.c0
    theta_aug = np.linalg.lstsq(new.basis, target, rcond=None)[0]
    cand_cols = [int(np.flatnonzero(new.basis[new.class_of[i]])[0]) for i in cand_ids]
    order = [c for c in range(aug.n_free) if c not in set(cand_cols)] + cand_cols
    return aug, theta_aug, order


def _fiml_score_information(problem, theta: np.ndarray, per_group: list[list[tuple]]):
    """Score and observed information (both times N) over free and candidate parameters of a FIML fit."""
    from .build import build_problem
    from .fiml import FimlProblem, expected_information

    aug, theta_aug, order = _augmented(
        problem, theta, per_group,
        lambda table: FimlProblem(build_problem(table, [(g.label, g.s, g.m, g.n) for g in problem.groups]),
                                  problem.xs))
    n = problem.n_total
    score = -n / 2 * aug.gradient(theta_aug)[order]
    info = n * expected_information(aug, theta_aug)[np.ix_(order, order)]
    return score, info


def _categorical_score_information(problem, theta: np.ndarray, per_group: list[list[tuple]]):
    """Score and expected information (both times N) over free and candidate parameters of a DWLS/ULS fit of
    ordered items, as lavaan's modindices takes them: the gradient of ``sum_g (N_g - 1) / N (s - sigma)' W (s -
    sigma) / 2`` with its sign switched (lavaan's ``gradient.logl`` for an estimator without a likelihood; its
    ``lav_model_gradient`` weighs the least-squares groups by ``(N_g - 1) / N``) and ``sum_g N_g / N Delta' W Delta``
    (``information.expected``, weighed by ``N_g / N``), W the DWLS (or unit) weights, on the same statistics."""
    from .categorical import build_categorical

    aug, theta_aug, order = _augmented(
        problem, theta, per_group,
        lambda table: build_categorical(table, [(g.label, g.stats) for g in problem.groups], problem.estimator,
                                        problem.parameterization))
    _, e, _, deltas = aug.normal_equations(theta_aug, aug.fractions())
    score = np.zeros(aug.n_free)
    for g, jac in zip(aug.groups, deltas, strict=True):
        est, _ = aug.wls_est(g, theta_aug, jacobian=False)
        score += (g.n - 1) * (jac.T @ (g.weights * (g.obs - est)))
    return score[order], problem.n_total * e[np.ix_(order, order)]


def modification_indices(problem, theta: np.ndarray) -> pd.DataFrame:
    """Table lhs op rhs group mi epc sepc_lv sepc_all, sorted by mi (largest first); ``group`` is
    dropped for single-group fits."""
    k = problem.n_free
    per_group = [_candidates(problem, g, theta) for g in problem.groups]
    n_cand = sum(len(c) for c in per_group)
    if not n_cand:
        return pd.DataFrame(columns=[c for c in COLUMNS if c != "group" or len(problem.groups) > 1])
    special = (_fiml_score_information if hasattr(problem, "group_blocks")
               else _categorical_score_information if hasattr(problem, "parameterization") else None)
    if special is not None:  # FIML, or ordered items (DWLS/ULS): from the model laid out with the candidates free
        score_all, info = special(problem, theta, per_group)
        score = score_all[k:]
        records = [(c[0], c[1], c[2], g.label, c[5], c[6]) for g, cands in zip(problem.groups, per_group, strict=True)
                   for c in cands]
        return _table(problem, info, score, records, k)
    info = np.zeros((k + n_cand, k + n_cand))
    score = np.zeros(n_cand)
    offset = 0
    records = []
    for g, cands in zip(problem.groups, per_group, strict=True):
        mom = problem.moments(g, theta)
        inv = np.linalg.inv(mom.sigma)
        ds = np.concatenate([mom.dsigma, np.stack([c[3] for c in cands])]) if cands else mom.dsigma
        a = inv @ ds @ inv
        block = 0.5 * a.reshape(len(ds), -1) @ ds.reshape(len(ds), -1).T
        if mom.mu is not None:
            dmu = np.concatenate([mom.dmu, np.stack([c[4] for c in cands])]) if cands else mom.dmu
            block += dmu @ inv @ dmu.T
        idx = np.concatenate([np.arange(k), k + offset + np.arange(len(cands))]).astype(int)
        info[np.ix_(idx, idx)] += g.n * block
        if cands:
            mean_r = g.m - mom.mu if mom.mu is not None else np.zeros(g.p)
            resid = inv @ (mom.sigma - g.s - np.outer(mean_r, mean_r)) @ inv
            cand_ds = np.stack([c[3] for c in cands])
            grad_f = cand_ds.reshape(len(cands), -1) @ resid.ravel()
            if mom.mu is not None:
                grad_f -= 2 * np.stack([c[4] for c in cands]) @ inv @ mean_r
            score[offset:offset + len(cands)] = -g.n / 2 * grad_f
        records += [(c[0], c[1], c[2], g.label, c[5], c[6]) for c in cands]
        offset += len(cands)
    return _table(problem, info, score, records, k)


def _table(problem, info: np.ndarray, score: np.ndarray, records: list[tuple], k: int) -> pd.DataFrame:
    i_ff, i_cf, i_cc = info[:k, :k], info[k:, :k], np.diag(info)[k:]
    v = i_cc - np.einsum("ij,ji->i", i_cf, np.linalg.solve(i_ff, i_cf.T)) if k else i_cc
    with np.errstate(divide="ignore", invalid="ignore"):
        identified = v / problem.n_total >= np.finfo(float).eps ** (1 / 3)
        mi = np.where(identified, score**2 / v, np.nan)
        epc = np.where(identified, score / v, np.nan)
    table = pd.DataFrame(records, columns=["lhs", "op", "rhs", "group", "s_lv", "s_all"])
    table["mi"], table["epc"] = mi, epc
    table["sepc_lv"], table["sepc_all"] = epc * table["s_lv"], epc * table["s_all"]
    table = table[identified][COLUMNS]
    if len(problem.groups) == 1:
        table = table.drop(columns="group")
    return table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
