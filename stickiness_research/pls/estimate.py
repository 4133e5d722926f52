"""The PLS path-modelling algorithm (Lohmöller 1989; Wold 1982) on the indicators' correlation matrix.

Every step of the iterative algorithm is linear in the standardized data, so it runs on the
indicators' correlation matrix ``S`` (p x p) instead of the N x p data: with outer weights ``W``
(p x c) the construct scores ``Y = X W D^-1`` (D their standard deviations) have correlations
``C = D^-1 W' S W D^-1``; the inner scheme gives ``E`` (c x c) and the inner proxies ``Y E``,
whose covariances with the indicators are ``S W D^-1 E``. Mode A takes those covariances as the
new weights, mode B regresses the proxy on its block (``S_bb^-1`` times them); the weights are
rescaled to unit-variance scores and the loop stops when the summed absolute change of the weights
falls below ``10^-stop_criterion`` (seminr's ``simplePLS``: the same schemes, start values, stop rule
and maximum of iterations, so results agree with its fixtures to rounding error). Loadings are
``S W`` (the indicators' correlations with their construct's score), paths OLS on ``C``.

PLSc (Dijkstra & Henseler 2015): reliability ``rho_A`` of each mode-A construct from its weights,
construct correlations disattenuated by ``sqrt(rho_A_i rho_A_j)``, paths and R^2 from those, and
loadings ``w sqrt(rho_A) / (w'w)``.

Written by hand: the algorithm is short, and running it on the correlation matrix is what makes
the bootstrap cheap (a resample is a new ``S``); the seminr Python port is slower and is used as a
test oracle only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import EstimationError
from .model import PLSModel

SCHEMES = ("path_weighting", "factorial", "centroid")


@dataclass(frozen=True)
class PLSSolution:
    """Estimates on the correlation scale (construct order: ``model.constructs``; items: ``model.items``)."""

    weights: np.ndarray  # (p, c) outer weights of unit-variance scores, zero outside a block
    loadings: np.ndarray  # (p, c) correlations of indicators with their construct's score
    construct_cor: np.ndarray  # (c, c) correlations of the construct scores (PLSc: disattenuated)
    paths: np.ndarray  # (c, c) path coefficient from row construct to column construct
    r2: np.ndarray  # (c,) R^2 of endogenous constructs, NaN for exogenous
    rho_a: np.ndarray  # (c,) Dijkstra-Henseler rho_A (1 for mode B and single indicators)
    iterations: int
    converged: bool
    score_scale: np.ndarray | None = None  # (c,) rescaling of construct scores (interactions; None: all 1)
    first_stage: tuple | None = None  # (PLSModel, PLSSolution) of a higher-order model's first stage


def _inner(scheme: str, c: np.ndarray, p: np.ndarray, plan: list[tuple[int, list[int]]]) -> np.ndarray:
    """The inner weights E (c x c): proxy j = sum_i score_i E[i, j]; ``plan``: (endogenous, predecessors)."""
    if scheme == "factorial":
        return c * (p + p.T)
    if scheme == "centroid":
        return np.sign(c) * (p + p.T)
    e = c * p.T  # a construct's successors enter its proxy with their correlation
    for j, preds in plan:  # its predecessors with their regression weights
        e[preds, j] = np.linalg.solve(c[np.ix_(preds, preds)], c[preds, j])
    return e


def _plan(model: PLSModel):
    """Index structures of a model, shared by :func:`estimate` and :func:`estimate_batch`: construct
    positions, the block mask (p, c), the path matrix, the mode-B constructs, each block's indicator
    rows and each endogenous construct's predecessors."""
    items = model.items
    at_item = {v: k for k, v in enumerate(items)}
    at = {c: k for k, c in enumerate(model.constructs)}
    mask = np.zeros((len(items), len(model.constructs)))
    for c in model.constructs:
        mask[[at_item[v] for v in model.blocks[c]], at[c]] = 1.0
    mode_b = [at[c] for c in model.constructs if model.modes[c] == "B"]
    block_rows = {at[c]: np.array([at_item[v] for v in model.blocks[c]], dtype=int) for c in model.constructs}
    plan = [(at[t], np.array([at[x] for x in model.predecessors(t)], dtype=int)) for t in model.endogenous]
    return at, mask, model.path_matrix(), mode_b, block_rows, plan


def estimate(s: np.ndarray, model: PLSModel, *, scheme: str = "path_weighting", consistent: bool = False,
             max_iter: int = 300, stop_criterion: float = 7) -> PLSSolution:
    """Run the PLS algorithm on the indicators' correlation matrix ``s`` (p x p, ``model.items`` order).

    Raises
    ------
    EstimationError
        A singular block (mode B) or construct correlation matrix.
    """
    at, mask, p, mode_b, block_rows, plan = _plan(model)
    n_c = len(model.constructs)
    w = mask.copy()  # seminr starts from unit weights and compares the first update with them
    tolerance = 10.0 ** (-stop_criterion)
    converged = False
    iterations = -1
    try:
        while iterations < max_iter:  # seminr: for (iterations in 0:maxIt)
            iterations += 1
            sw = s @ w
            sd = np.sqrt(np.einsum("ij,ij->j", w, sw))
            c = (w.T @ sw) / np.outer(sd, sd)
            e = _inner(scheme, c, p, plan)
            proxy_sd = np.sqrt(np.einsum("ij,ij->j", e, c @ e))
            cov_x_proxy = (sw / sd) @ e / proxy_sd  # cov(indicator, standardized proxy)
            new = cov_x_proxy * mask  # mode A: correlation weights
            for j in mode_b:  # mode B: regression weights of the proxy on the block
                rows = block_rows[j]
                new[rows, j] = np.linalg.solve(s[np.ix_(rows, rows)], cov_x_proxy[rows, j])
            new = new / np.sqrt(np.einsum("ij,ij->j", new, s @ new))
            diff = float(np.abs(new - w).sum())
            w = new
            if diff < tolerance:
                converged = True
                break
    except np.linalg.LinAlgError as exc:
        raise EstimationError("a block of formative (<~) indicators or the construct correlations are singular: "
                              "an indicator duplicates another; drop it.") from exc
    sw = s @ w
    loadings = sw * mask
    c = w.T @ sw  # unit-variance scores: their correlations
    rho_a = np.ones(n_c)
    for con in model.constructs:
        j = at[con]
        rows = block_rows[j]
        if model.modes[con] == "A" and len(rows) > 1 and con not in model.interactions:  # seminr: 1 for those
            rho_a[j] = _rho_a(w[rows, j], s[np.ix_(rows, rows)])
    if consistent:
        adjust = np.sqrt(np.outer(rho_a, rho_a))
        np.fill_diagonal(adjust, 1.0)
        c = c / adjust
        for con in model.constructs:
            j = at[con]
            if model.modes[con] == "A" and len(block_rows[j]) > 1 and con not in model.interactions:
                wj = w[block_rows[j], j]
                loadings[block_rows[j], j] = wj * np.sqrt(rho_a[j]) / (wj @ wj)
    paths = np.zeros((n_c, n_c))
    r2 = np.full(n_c, np.nan)
    for target in model.endogenous:
        j = at[target]
        preds = [at[x] for x in model.predecessors(target)]
        try:
            beta = np.linalg.solve(c[np.ix_(preds, preds)], c[preds, j])
        except np.linalg.LinAlgError as exc:
            raise EstimationError(f"the predictors of {target!r} are perfectly collinear; drop one.") from exc
        paths[preds, j] = beta
        r2[j] = float(beta @ c[preds, j])
    return PLSSolution(weights=w, loadings=loadings, construct_cor=c, paths=paths, r2=r2, rho_a=rho_a,
                       iterations=iterations, converged=converged)


def _rho_a(w: np.ndarray, s: np.ndarray) -> float:
    """Dijkstra & Henseler's (2015) rho_A: (w'w)^2 w'(S - diag S)w / w'(ww' - diag(ww'))w."""
    off = s - np.diag(np.diag(s))
    ww = np.outer(w, w)
    ww_off = ww - np.diag(np.diag(ww))
    return float((w @ w) ** 2 * (w @ off @ w) / (w @ ww_off @ w))


def estimate_batch(s: np.ndarray, model: PLSModel, *, scheme: str = "path_weighting", consistent: bool = False,
                   max_iter: int = 300, stop_criterion: float = 7) -> dict[str, np.ndarray]:
    """:func:`estimate` for a stack of correlation matrices ``s`` (B, p, p) at once (the bootstrap).

    Each matrix iterates until its own stop rule holds (converged ones are frozen), so every result
    equals :func:`estimate` on that matrix. Returns ``weights``, ``loadings`` (B, p, c), ``paths``
    (B, c, c), ``r2``, ``rho_a`` (B, c) and ``ok`` (B,): False where a matrix was singular or did not
    converge.
    """
    n_b = len(s)
    at, mask, p_mat, mode_b, block_rows, inner_plan = _plan(model)
    n_c = len(model.constructs)
    w = np.broadcast_to(mask, (n_b, *mask.shape)).copy()
    active = np.ones(n_b, dtype=bool)
    ok = np.ones(n_b, dtype=bool)
    tolerance = 10.0 ** (-stop_criterion)
    with np.errstate(all="ignore"):
        for _ in range(max_iter + 1):
            idx = np.flatnonzero(active)
            if not len(idx):
                break
            sa, wa = s[idx], w[idx]
            sw = sa @ wa
            sd = np.sqrt(np.einsum("bij,bij->bj", wa, sw))
            c = (wa.transpose(0, 2, 1) @ sw) / (sd[:, :, None] * sd[:, None, :])
            if scheme == "factorial":
                e = c * (p_mat + p_mat.T)
            elif scheme == "centroid":
                e = np.sign(c) * (p_mat + p_mat.T)
            else:
                e = c * p_mat.T
                for j, preds in inner_plan:
                    e[:, preds, j] = _solve(c[:, preds][:, :, preds], c[:, preds, j])
            proxy_sd = np.sqrt(np.einsum("bij,bij->bj", e, c @ e))
            cov = (sw / sd[:, None, :]) @ e / proxy_sd[:, None, :]
            new = cov * mask
            for j in mode_b:
                rows = block_rows[j]
                new[:, rows, j] = _solve(sa[:, rows][:, :, rows], cov[:, rows, j])
            new = new / np.sqrt(np.einsum("bij,bij->bj", new, sa @ new))[:, None, :]
            diff = np.abs(new - wa).sum(axis=(1, 2))
            w[idx] = new
            bad = ~np.isfinite(diff)
            ok[idx[bad]] = False
            active[idx[(diff < tolerance) | bad]] = False
        ok &= ~active  # not converged within max_iter: left out, as a failed resample
        sw = s @ w
        loadings = sw * mask
        c = w.transpose(0, 2, 1) @ sw
        rho_a = np.ones((n_b, n_c))
        for con in model.constructs:
            j = at[con]
            rows = block_rows[j]
            if model.modes[con] == "A" and len(rows) > 1 and con not in model.interactions:
                wj = w[:, rows, j]
                sb = s[:, rows][:, :, rows]
                off = sb - np.eye(len(rows)) * sb
                ww = wj[:, :, None] * wj[:, None, :]
                ww_off = ww - np.eye(len(rows)) * ww
                rho_a[:, j] = (np.einsum("bi,bi->b", wj, wj) ** 2 * np.einsum("bi,bij,bj->b", wj, off, wj)
                               / np.einsum("bi,bij,bj->b", wj, ww_off, wj))
        if consistent:
            adjust = np.sqrt(rho_a[:, :, None] * rho_a[:, None, :])
            adjust[:, np.arange(n_c), np.arange(n_c)] = 1.0
            c = c / adjust
            for con in model.constructs:
                j = at[con]
                rows = block_rows[j]
                if model.modes[con] == "A" and len(rows) > 1 and con not in model.interactions:
                    wj = w[:, rows, j]
                    loadings[:, rows, j] = wj * (np.sqrt(rho_a[:, j]) / np.einsum("bi,bi->b", wj, wj))[:, None]
        paths = np.zeros((n_b, n_c, n_c))
        r2 = np.full((n_b, n_c), np.nan)
        for j, preds in inner_plan:
            beta = _solve(c[:, preds][:, :, preds], c[:, preds, j])
            paths[:, preds, j] = beta
            r2[:, j] = np.einsum("bi,bi->b", beta, c[:, preds, j])
    ok &= np.isfinite(paths).all(axis=(1, 2)) & np.isfinite(loadings).all(axis=(1, 2))
    return {"weights": w, "loadings": loadings, "paths": paths, "r2": r2, "rho_a": rho_a, "ok": ok}


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve of a x = b, (B, k, k) and (B, k); NaN rows where a matrix is singular."""
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for r in range(len(a)):
            try:
                out[r] = np.linalg.solve(a[r], b[r])
            except np.linalg.LinAlgError:
                pass
        return out
