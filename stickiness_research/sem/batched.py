"""ML estimation of one model on many covariance matrices at once (bootstrap, jackknife).

A naive bootstrap rebuilds and refits a model per resample (semopy: about 35 ms each on the
default model). Here the model structure is compiled once into index arrays, all resamples are
evaluated together with batched matrix algebra, the ML gradient is analytic, every resample
starts from the full-sample estimate, and steps use the full-sample expected information (a
frozen-Hessian scoring iteration: resample estimates lie within a few standard errors of it, so
it converges in a handful of steps). A resample whose step cannot lower its discrepancy is
refitted alone with full Fisher scoring; one that still fails is reported as failed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .problem import Group

MATRICES = ("beta", "lambda", "psi", "theta")


@dataclass(frozen=True)
class BatchFit:
    theta: np.ndarray  # (B, k)
    converged: np.ndarray  # (B,) bool
    iterations: int


class CompiledModel:
    """Index arrays that turn a batch of parameter vectors into model matrices and ML gradients."""

    def __init__(self, group: Group):
        self.structure = group.structure
        self.k_map, self.x0 = group.k_map, group.x0
        self.k = group.k_map.shape[1]
        self.m = self.structure.m
        self.positions = {}
        self.weights = {}  # gradient: a symmetric matrix's off-diagonal parameter sits in both triangles
        for key in MATRICES:
            k, i, j = self.structure._pos[key]
            self.weights[key] = np.where(i != j, 2.0, 1.0) if key in ("psi", "theta") else np.ones(len(k))
            if key in ("psi", "theta"):  # symmetric: both triangles carry the parameter
                off = i != j
                k, i, j = np.concatenate([k, k[off]]), np.concatenate([i, j[off]]), np.concatenate([j, i[off]])
            self.positions[key] = (k, i, j)
        # fixed.x: the covariates' (co)variances follow each resample's own sample moments
        ov = {v: n for n, v in enumerate(self.structure.observed)}
        exo = [(r.row, r.col, ov[r.lhs], ov[r.rhs]) for r in self.structure.rows if r.exo and r.op == "~~"]
        self.exo = np.array(exo, dtype=int).reshape(-1, 4)
        # Sigma = Lambda Phi Lambda' + Theta with Theta diagonal and every inner variable latent: Sigma^-1
        # by Woodbury through m x m matrices instead of p x p ones (see _woodbury)
        _, ti, tj = self.structure._pos["theta"]
        base_theta = self.structure.base["theta"]
        self.woodbury = (not np.any(ti != tj) and not np.any(base_theta - np.diag(np.diag(base_theta)))
                         and set(self.structure.inner) <= self.structure.latent and self.m < self.structure.p)

    def matrices(self, theta: np.ndarray, s: np.ndarray | None = None) -> dict[str, np.ndarray]:
        mats = self.structure.matrices(self.x0 + theta @ self.k_map.T)
        if s is not None and len(self.exo):
            i, j, a, b = self.exo.T
            mats["psi"][:, i, j] = s[:, a, b]
            mats["psi"][:, j, i] = s[:, a, b]
        return mats

    def implied(self, theta: np.ndarray, s: np.ndarray | None = None):
        mats = self.matrices(theta, s)
        c = self._inverse_i_minus_b(mats["beta"])
        m = mats["lambda"] @ c
        sigma = m @ mats["psi"] @ m.transpose(0, 2, 1) + mats["theta"]
        return sigma, mats, c, m

    def _inverse_i_minus_b(self, beta: np.ndarray) -> np.ndarray:
        return self.structure.inverse_i_minus_b(beta)

    def evaluate(self, theta: np.ndarray, s: np.ndarray, logdet_s: np.ndarray):
        """Discrepancy F for each row, plus what the gradient needs at the same point."""
        mats = self.matrices(theta, s)
        c = self._inverse_i_minus_b(mats["beta"])
        m = mats["lambda"] @ c
        fast = _woodbury(mats, c) if self.woodbury else None
        if fast is None:  # Sigma itself is needed only here
            fast = spd_inverse(m @ mats["psi"] @ m.transpose(0, 2, 1) + mats["theta"])
        inv, logdet, good = fast
        f = logdet + np.einsum("bij,bji->b", s, inv) - logdet_s - s.shape[1]
        return np.where(good, f, np.inf), (inv, mats, c, m)

    def discrepancy(self, theta: np.ndarray, s: np.ndarray, logdet_s: np.ndarray) -> np.ndarray:
        return self.evaluate(theta, s, logdet_s)[0]

    def gradient(self, theta: np.ndarray, s: np.ndarray, cache=None) -> np.ndarray:
        """dF/dtheta for every resample: F = log|Sigma| + tr(S Sigma^-1) - log|S| - p."""
        if cache is None:
            sigma, mats, c, m = self.implied(theta, s)
            inv = spd_inverse(sigma)[0]
        else:
            inv, mats, c, m = cache
        g = inv - inv @ s @ inv  # dF/dSigma
        mt = m.transpose(0, 2, 1)
        k_mat = mt @ g @ m  # M' G M
        parts = {
            "theta": g,
            "psi": k_mat,
            # dF/dLambda = 2 G Lambda P with P = C Psi C'
            "lambda": 2 * g @ mats["lambda"] @ (c @ mats["psi"] @ c.transpose(0, 2, 1)),
            # dF/dB_ij = 2 (C Psi M'GM)_ji
            "beta": 2 * (c @ mats["psi"] @ k_mat).transpose(0, 2, 1),
        }
        grad = np.zeros((len(theta), self.structure.k))
        for key in MATRICES:
            k, i, j = self.structure._pos[key]  # each free row once (the matrices are symmetric)
            if len(k):
                grad[:, k] = parts[key][:, i, j] * self.weights[key]
        return grad @ self.k_map


def _woodbury(mats: dict[str, np.ndarray], c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Sigma^-1 and log|Sigma| for Sigma = Lambda Phi Lambda' + Theta (Phi = C Psi C', Theta diagonal):
    Sigma^-1 = T - T Lambda K^-1 Lambda' T with T = Theta^-1, K = Phi^-1 + Lambda' T Lambda, and
    log|Sigma| = log|Theta| + log|Phi| + log|K| (Woodbury; the matrix determinant lemma), so only
    m x m matrices are factored. None when some Theta is not positive or some Phi not positive
    definite (the caller then inverts Sigma itself)."""
    lam = mats["lambda"]
    t = np.diagonal(mats["theta"], axis1=1, axis2=2)
    if np.any(t <= 0):
        return None
    phi = c @ mats["psi"] @ c.transpose(0, 2, 1)
    try:
        chol_phi = np.linalg.cholesky(phi)
        lt = lam / t[:, :, None]
        k = np.linalg.inv(phi) + lam.transpose(0, 2, 1) @ lt
        chol_k = np.linalg.cholesky(k)
    except np.linalg.LinAlgError:
        return None
    p = lam.shape[1]
    inv = -(lt @ np.linalg.inv(k) @ lt.transpose(0, 2, 1))
    inv[:, np.arange(p), np.arange(p)] += 1.0 / t
    logdet = (np.log(t).sum(axis=1) + 2.0 * np.log(np.diagonal(chol_phi, axis1=1, axis2=2)).sum(axis=1)
              + 2.0 * np.log(np.diagonal(chol_k, axis1=1, axis2=2)).sum(axis=1))
    return inv, logdet, np.ones(len(t), dtype=bool)


def spd_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverses and log-determinants of a stack (B, p, p) of symmetric matrices, with a mask of those
    that are positive definite (the others get the identity and log|.| 0).

    The log-determinant comes from one batched Cholesky (which also tells positive definite ones
    apart), cheaper than numpy's LU-based ``slogdet``.
    """
    b, p, _ = a.shape
    good = np.ones(b, dtype=bool)
    try:
        chol = np.linalg.cholesky(a)
    except np.linalg.LinAlgError:  # some are not positive definite: find them one by one (rare)
        chol = np.empty_like(a)
        for i in range(b):
            try:
                chol[i] = np.linalg.cholesky(a[i])
            except np.linalg.LinAlgError:
                good[i] = False
                chol[i] = np.eye(p)
    safe = a if good.all() else np.where(good[:, None, None], a, np.eye(p))
    return np.linalg.inv(safe), 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1), good


def fit_batch(model: CompiledModel, s: np.ndarray, theta0: np.ndarray, information: np.ndarray, *,
              tol: float = 1e-8, max_iter: int = 80, memory: int = 8) -> BatchFit:
    """Fit every covariance matrix in ``s`` (B, p, p), starting from ``theta0``.

    Limited-memory BFGS per resample, all resamples in lockstep. The initial inverse Hessian is
    the inverse of ``information`` (the caller passes the full-sample observed Hessian, or the
    expected information), shared by all resamples (one BLAS product per iteration); each
    resample's own curvature comes from its last ``memory`` steps.
    """
    b, k = len(s), len(theta0)
    theta = np.repeat(theta0[None, :], b, axis=0)
    _, logdet_s, active = spd_inverse(s)  # a singular resample covariance cannot be fitted
    converged = np.zeros(b, dtype=bool)
    h0 = np.linalg.inv(information)
    s_hist = np.zeros((b, memory, k))  # newest first
    y_hist = np.zeros((b, memory, k))
    rho = np.zeros((b, memory))  # 0 marks an empty slot: it then changes nothing below
    f = np.full(b, np.inf)
    grad = np.zeros_like(theta)
    f_act, cache = model.evaluate(theta[active], s[active], logdet_s[active])
    f[active] = f_act
    grad[active] = model.gradient(theta[active], s[active], cache)
    iterations = 0
    for it in range(1, max_iter + 1):
        iterations = it
        converged |= active & (np.max(np.abs(grad), axis=1) < tol)
        idx = np.flatnonzero(active & ~converged)
        if not len(idx):
            break
        step = _two_loop(grad[idx], s_hist[idx], y_hist[idx], rho[idx], h0)
        t = np.ones(len(idx))
        pending = np.ones(len(idx), dtype=bool)
        new_theta = theta[idx].copy()
        accepted: list[tuple[np.ndarray, tuple]] = []  # (positions in idx, cache) per halving round
        for _ in range(30):  # step halving, per resample
            sel = np.flatnonzero(pending)
            cand = theta[idx[sel]] - t[sel, None] * step[sel]
            f_new, cache = model.evaluate(cand, s[idx[sel]], logdet_s[idx[sel]])
            ok = f_new <= f[idx[sel]] + 1e-14 * np.maximum(1.0, np.abs(f[idx[sel]]))
            new_theta[sel[ok]] = cand[ok]
            f[idx[sel[ok]]] = f_new[ok]
            pending[sel[ok]] = False
            if ok.all():  # the usual case: the full step is accepted everywhere, nothing to copy
                accepted.append((sel, cache))
            elif ok.any():
                inv, mats, c, m = cache
                accepted.append((sel[ok], (inv[ok], {key: v[ok] for key, v in mats.items()}, c[ok], m[ok])))
            t[sel[~ok]] /= 2
            if not pending.any():
                break
        active[idx[pending]] = False  # no descent possible: leave it to the careful fallback
        moved = idx[~pending]
        new_theta_all = new_theta
        new_theta = new_theta[~pending]
        new_grad = np.empty((len(idx), k))
        for positions, cache in accepted:  # gradients at the accepted points, reusing their Sigma^-1
            new_grad[positions] = model.gradient(new_theta_all[positions], s[idx[positions]], cache)
        new_grad = new_grad[~pending]
        d_theta, d_grad = new_theta - theta[moved], new_grad - grad[moved]
        theta[moved], grad[moved] = new_theta, new_grad
        curvature = np.einsum("bi,bi->b", d_theta, d_grad)
        keep = curvature > 1e-12 * np.linalg.norm(d_theta, axis=1) * np.linalg.norm(d_grad, axis=1)
        rows = moved[keep]
        s_hist[rows] = np.concatenate([d_theta[keep][:, None], s_hist[rows, :-1]], axis=1)
        y_hist[rows] = np.concatenate([d_grad[keep][:, None], y_hist[rows, :-1]], axis=1)
        rho[rows] = np.concatenate([1.0 / curvature[keep][:, None], rho[rows, :-1]], axis=1)
    return BatchFit(theta=theta, converged=converged, iterations=iterations)


def _two_loop(grad: np.ndarray, s_hist: np.ndarray, y_hist: np.ndarray, rho: np.ndarray,
              h0: np.ndarray) -> np.ndarray:
    """L-BFGS two-loop recursion for a batch: returns H_k @ grad per row (newest history first)."""
    q = grad.copy()
    alpha = np.zeros(rho.shape)
    for i in range(rho.shape[1]):
        alpha[:, i] = rho[:, i] * np.einsum("bk,bk->b", s_hist[:, i], q)
        q -= alpha[:, i, None] * y_hist[:, i]
    r = q @ h0.T
    for i in reversed(range(rho.shape[1])):
        beta = rho[:, i] * np.einsum("bk,bk->b", y_hist[:, i], r)
        r += s_hist[:, i] * (alpha[:, i] - beta)[:, None]
    return r
