"""Modification indices (score tests for fixed or absent parameters), as lavaan's ``modindices()``.

Candidates are lavaan's (``lav_partable_full`` and ``lav_object_extended(all.free = TRUE)``), per group: every row
the full table of the model's variables would hold that is not a free parameter of the fit, i.e. its fixed rows
(markers, ``0*`` covariances, fixed scale factors, residual variances or means) and the absent ones:
loadings of every latent on every observed indicator not in a regression, covariances among indicators and among
latents, regressions among the variables that appear in ``~`` (an indicator not on a latent), intercepts and means
with a mean structure, and scale factors ``~*~`` of ordered items with several groups. With the expected
information I over free and candidate parameters (summed over groups, means included),
MI_c = g_c^2 / (I_cc - I_c. I_..^-1 I_.c), EPC_c = g_c / (same), g the score. The model is laid out again with the
candidates as free rows (a fixed row freed at its value, an absent one at 0) and differentiated at the estimates:
ML's gradient and expected information, FIML's casewise score and pattern-wise expected information, or the DWLS
gradient and ``Delta' W Delta`` for ordered items. A candidate whose residual information per observation is below
eps^(1/3) gets no index and is not listed (lavaan: NA, removed). Standardized EPCs as lavaan's
``lav_standardize_lv`` / ``lav_standardize_all`` (cov.std = TRUE: a variance's by its current value).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

COLUMNS = ["lhs", "op", "rhs", "group", "mi", "epc", "sepc_lv", "sepc_all"]
_NOT_PARAMETERS = ("==", ":=", "<", ">")


def _candidate_rows(problem) -> list[list[tuple[str, str, str]]]:
    """Per group, (lhs, op, rhs) of every candidate (lavaan's lav_partable_full rows and fixed rows, less the free)."""
    pt = problem.partable
    ov, lv, ov_x = list(pt.ov_names), list(pt.lv_names), set(pt.ov_x)
    rows = [r for r in pt.rows if r.op not in _NOT_PARAMETERS]
    ov_ind = {r.rhs for r in rows if r.op == "=~" and r.rhs not in set(lv)}
    eqs = list(dict.fromkeys(v for r in rows if r.op == "~" for v in (r.lhs, r.rhs)))
    ov_nox = [v for v in ov if v not in ov_x]
    other = {v for v in ov if v not in ov_ind}

    def pairs(names: list[str]) -> list[tuple[str, str, str]]:
        return [(a, "~~", b) for i, a in enumerate(names) for b in names[i:]]

    full = [(f, "=~", v) for f in lv for v in ov_nox if v not in set(eqs)]
    full += [(a, op, b) for a, op, b in pairs(ov_nox) if a not in other and b not in other]
    full += pairs([v for v in ov if v in ov_x]) + pairs(lv)
    # conditional.x: the covariates are conditioned on, never regressed on anything (lavaan offers no 'x ~' rows).
    # An ordered item as a new predictor under the delta parameterization is left out: such models are not fitted
    # (fit_categorical refuses them), so their score test would be that of a different model
    delta_ordered = set(pt.ov_ord) if getattr(problem, "parameterization", None) == "delta" else set()
    full += [(a, "~", b) for a in eqs for b in eqs
             if a != b and not (a in ov_ind and b in set(lv)) and not (pt.conditional_x and a in ov_x)
             and b not in delta_ordered]
    if pt.meanstructure:
        full += [(v, "~1", "") for v in ov + lv]
    ordered = list(pt.ov_ord)
    if ordered and pt.ngroups > 1:
        full += [(v, "~*~", v) for v in ordered]
    out = []
    for g_no in range(1, pt.ngroups + 1):
        mine = [r for r in rows if r.group == g_no]
        free = {_key(r.lhs, r.op, r.rhs) for r in mine if r.is_free}
        fixed = [(r.lhs, r.op, r.rhs) for r in mine if not r.is_free and not r.exo]
        seen, cands = set(free), []
        for c in fixed + full:
            key = _key(*c)
            if key not in seen:
                seen.add(key)
                cands.append(c)
        out.append(cands)
    return out


def _key(lhs: str, op: str, rhs: str) -> tuple[str, str, str]:
    """A row's identity: a covariance is the same row either way round."""
    return (min(lhs, rhs), op, max(lhs, rhs)) if op == "~~" else (lhs, op, rhs)


def _scales(problem, g, theta: np.ndarray, cands: list[tuple[str, str, str]]) -> list[tuple[float, float, str]]:
    """Per candidate (s_lv, s_all, how): sepc = epc s ("scale"), sign(epc) |value| s for a variance (cov.std: lavaan
    standardizes its current value, "variance"), or epc / sign(epc) for a scale factor ("~*~", "sign")."""
    st = g.structure
    mats = problem.matrices(g, theta)
    c = st.inverse_i_minus_b(mats["beta"])
    inner_cov = c @ mats["psi"] @ c.T
    lam = mats["lambda"]
    sigma = lam @ inner_cov @ lam.T + mats["theta"]
    inner_at = {v: i for i, v in enumerate(st.inner)}
    obs_at = {v: i for i, v in enumerate(st.observed)}
    latent = st.latent

    def sd_all(v: str) -> float:  # the total sd: a latent's, or an observed variable's implied one
        var = inner_cov[inner_at[v], inner_at[v]] if v in latent else sigma[obs_at[v], obs_at[v]]
        return float(np.sqrt(var)) if var > 0 else np.nan

    def sd_lv(v: str) -> float:  # lv standardization rescales latents only
        return sd_all(v) if v in latent else 1.0

    def residual(v: str) -> float:  # the value of the row "v ~~ v"
        return float(mats["psi"][inner_at[v], inner_at[v]] if v in inner_at else mats["theta"][obs_at[v], obs_at[v]])

    out = []
    for lhs, op, rhs in cands:
        with np.errstate(invalid="ignore", divide="ignore"):
            if op == "=~":  # rhs a latent too for a second-order loading
                out.append((sd_lv(lhs) / sd_lv(rhs), sd_lv(lhs) / sd_all(rhs), "scale"))
            elif op == "~":
                out.append((sd_lv(rhs) / sd_lv(lhs), sd_all(rhs) / sd_all(lhs), "scale"))
            elif op == "~~" and lhs != rhs:
                both = residual(lhs) * residual(rhs)
                s_all = 1.0 / np.sqrt(abs(both)) if both != 0 else np.nan  # a Heywood variance too: |.|, as lavaan
                # std.lv: only the latent sides (a factor with an observed outcome: the factor's residual SD)
                lv_var = np.prod([abs(residual(v)) for v in (lhs, rhs) if v in latent])
                out.append((1.0 / np.sqrt(lv_var) if lv_var != 0 else np.nan, s_all, "scale"))
            elif op == "~~":
                value = abs(residual(lhs))
                out.append((value / sd_lv(lhs) ** 2, value / sd_all(lhs) ** 2, "variance"))
            elif op == "~*~":
                out.append((1.0, 1.0, "sign"))
            else:  # "~1", "|": a mean, intercept or threshold, on its variable's scale
                out.append((1.0 / sd_lv(lhs), 1.0 / sd_all(lhs), "scale"))
    return out


def _augmented(problem, theta: np.ndarray, per_group: list[list[tuple]], build):
    """The model laid out again with every candidate as a free row (value 0; a fixed marker freed at its value):
    ``build(table)`` makes the augmented problem; returns it, its parameters at the fit (the fit's values, the
    candidates at 0) and the order of its columns as [the fit's parameters, the candidates]."""
    from .partable import ParRow

    pt = problem.partable
    # every row's value in the fitted model (a fixed.x covariate's moments are the sample's, not a ustart), and
    # which free rows move with theta (one held at an active bound does not)
    value: dict[int, float] = {}
    moving: set[int] = set()
    ov = {v: i for i, v in enumerate(pt.ov_names)}
    for g in problem.groups:
        mats = problem.matrices(g, theta)
        for r in g.structure.rows:
            cell = mats[r.mat]
            value[r.id] = float(cell[r.row, r.col] if cell.ndim == 2 else cell[r.row])
        ids = [g.structure.rows[pos].id for pos in g.structure.free]
        moving.update(i for i, k in zip(ids, g.k_map, strict=True) if k.any())
        if hasattr(g, "tau_rows"):  # ordered items: thresholds and scale factors are rows outside the matrices
            value.update(zip((r.id for r in g.tau_rows), g.tau_c + g.tau_k @ theta, strict=True))
            moving.update(r.id for r, k in zip(g.tau_rows, g.tau_k, strict=True) if k.any())
            scale = g.delta_c + g.delta_k @ theta
            value.update((r.id, scale[ov[r.lhs]]) for r in g.delta_rows)
            moving.update(r.id for r in g.delta_rows if g.delta_k[ov[r.lhs]].any())
    # a free row held at its bound stays fixed there (the bounds themselves play no part in the scores at the fit);
    # a fixed row that is a candidate is freed at its value
    rows = [r if not r.is_free or r.id in moving else replace(r, free=0, ustart=value[r.id])
            for r in pt.rows if r.op not in ("<", ">")]
    where = {(r.group, r.lhs, r.op, r.rhs): k for k, r in enumerate(rows)}
    extra, next_id = [], max(r.id for r in pt.rows) + 1
    free_no = max(r.free for r in pt.rows)
    cand_ids: list[int] = []
    for g_no, cands in enumerate(per_group, start=1):
        for c in cands:
            free_no += 1
            k = where.get((g_no, c[0], c[1], c[2]))
            if k is not None:  # a fixed row (a marker, a covariate's moment): freed at its value
                rows[k] = replace(rows[k], free=free_no, exo=0)
                value.setdefault(rows[k].id, rows[k].ustart)  # a row outside the matrices: its fixed value
                cand_ids.append(rows[k].id)
                continue
            extra.append(ParRow(id=next_id, lhs=c[0], op=c[1], rhs=c[2], user=0, block=g_no, group=g_no,
                                free=free_no, ustart=0.0, plabel=f".p{next_id}."))
            cand_ids.append(next_id)
            next_id += 1
    aug = build(pt.replace_rows(rows + extra))
    new = aug.layout
    target = np.array([value.get(r.id, 0.0) for r in new.class_rows]) - new.c0  # an added row at 0
    theta_aug = _solve_basis(new.basis, target)
    cand_cols = [int(np.flatnonzero(new.basis[new.class_of[i]])[0]) for i in cand_ids]
    order = [c for c in range(aug.n_free) if c not in set(cand_cols)] + cand_cols
    return aug, theta_aug, order


def _solve_basis(basis: np.ndarray, target: np.ndarray) -> np.ndarray:
    """theta with basis @ theta = target (class values): read off where every class is one theta times a factor
    (labels shared, no '==' between different parameters), else least squares (a large model's basis is thousands
    square, where lstsq took seconds)."""
    nonzero = basis != 0
    if basis.shape[1] and (nonzero.sum(axis=1) == 1).all() and nonzero.any(axis=0).all():
        cols = np.argmax(nonzero, axis=1)
        theta = np.empty(basis.shape[1])
        theta[cols] = target / basis[np.arange(len(cols)), cols]
        return theta
    return np.linalg.lstsq(basis, target, rcond=None)[0]


def _held_x(problem) -> set[str]:
    """The covariates whose moments are held at the sample's (fixed.x)."""
    return set(problem.partable.ov_x) if problem.partable.fixed_x else set()


def _information_without_x_moments(aug, theta: np.ndarray, held: set[str], xs: list | None = None) -> np.ndarray:
    """Expected information (times N) with the fixed.x covariates' own moments left out, as lavaan's
    lav_mvnorm_information_expected (and its missing-data version, pattern by pattern when ``xs``) zeroes their rows
    and columns: sum over groups (patterns) of n [1/2 tr(A dS_a A dS_b) + dmu_a' A dmu_b], dS and dmu without the
    covariates' (co)variances and means, A the (observed part's) inverse implied covariance."""
    k = aug.n_free
    info = np.zeros((k, k))
    for index, g in enumerate(aug.groups):
        mom = aug.moments(g, theta)
        x = np.array([v in held for v in g.structure.observed])
        ds = mom.dsigma.copy()
        ds[:, x[:, None] & x[None, :]] = 0.0
        dmu = None if mom.dmu is None else np.where(x[None, :], 0.0, mom.dmu)
        if xs is None:
            patterns = [(np.arange(g.p), g.n)]
        else:
            seen, counts = np.unique(~np.isnan(xs[index]), axis=0, return_counts=True)
            patterns = [(np.flatnonzero(p), int(c)) for p, c in zip(seen, counts, strict=True)]
        for o, count in patterns:
            inv = np.linalg.inv(mom.sigma[np.ix_(o, o)])
            d = ds[:, o][:, :, o]
            a = inv @ d @ inv
            block = 0.5 * a.reshape(k, -1) @ d.reshape(k, -1).T
            if dmu is not None:
                block += dmu[:, o] @ inv @ dmu[:, o].T
            info += count * block
    return info


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
    held = _held_x(problem)
    info = (_information_without_x_moments(aug, theta_aug, held, problem.xs) if held
            else n * expected_information(aug, theta_aug))
    return score, info[np.ix_(order, order)]


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
    # the score sum_g (N_g - 1) Delta' W (s - sigma) is N times lavaan's gradient.logl
    _, _, score, deltas = aug.normal_equations(theta_aug, np.array([g.n - 1 for g in aug.groups], dtype=float))
    return score[order], problem.n_total * aug.information(deltas)[np.ix_(order, order)]


def _ml_score_information(problem, theta: np.ndarray, per_group: list[list[tuple]]):
    """Score and expected information (both times N) over free and candidate parameters of an ML fit: from F_ML's
    gradient and expected Hessian (``Problem.gradient_information``), -N/2 and N/2 times."""
    from .build import build_problem

    aug, theta_aug, order = _augmented(
        problem, theta, per_group,
        lambda table: build_problem(table, [(g.label, g.s, g.m, g.n) for g in problem.groups]))
    held = _held_x(problem)
    grad, hess = aug.gradient_information(theta_aug, information=not held)
    n = problem.n_total
    info = _information_without_x_moments(aug, theta_aug, held) if held else n / 2 * hess
    return -n / 2 * grad[order], info[np.ix_(order, order)]


def modification_indices(problem, theta: np.ndarray) -> pd.DataFrame:
    """Table lhs op rhs group mi epc sepc_lv sepc_all, sorted by mi (largest first); ``group`` is
    dropped for single-group fits."""
    k = problem.n_free
    per_group = _candidate_rows(problem)
    if not sum(len(c) for c in per_group):
        return pd.DataFrame(columns=[c for c in COLUMNS if c != "group" or len(problem.groups) > 1])
    score_information = (_fiml_score_information if hasattr(problem, "group_blocks")
                         else _categorical_score_information if hasattr(problem, "parameterization")
                         else _ml_score_information)
    score_all, info = score_information(problem, theta, per_group)
    records = [(*c, g.label, *scale) for g, cands in zip(problem.groups, per_group, strict=True)
               for c, scale in zip(cands, _scales(problem, g, theta, cands), strict=True)]
    return _table(problem, info, score_all[k:], records, k)


def _table(problem, info: np.ndarray, score: np.ndarray, records: list[tuple], k: int) -> pd.DataFrame:
    i_ff, i_cf, i_cc = info[:k, :k], info[k:, :k], np.diag(info)[k:]
    v = i_cc - np.einsum("ij,ji->i", i_cf, np.linalg.solve(i_ff, i_cf.T)) if k else i_cc
    with np.errstate(divide="ignore", invalid="ignore"):
        identified = v / problem.n_total >= np.finfo(float).eps ** (1 / 3)
        mi = np.where(identified, score**2 / v, np.nan)
        epc = np.where(identified, score / v, np.nan)
    table = pd.DataFrame(records, columns=["lhs", "op", "rhs", "group", "s_lv", "s_all", "how"])
    table["mi"], table["epc"] = mi, epc
    sign = np.sign(epc) * (np.abs(epc) >= np.sqrt(np.finfo(float).eps))  # lavaan: 0 for a variance's tiny epc
    how = table["how"].to_numpy()
    for col, s in (("sepc_lv", table["s_lv"].to_numpy()), ("sepc_all", table["s_all"].to_numpy())):
        table[col] = np.where(how == "scale", epc * s, np.where(how == "variance", sign * s, np.sign(epc)))
    table.loc[how == "sign", "sepc_lv"] = epc[how == "sign"]
    table = table[identified][COLUMNS]
    if len(problem.groups) == 1:
        table = table.drop(columns="group")
    return table.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
