"""ML estimation of one model on many covariance matrices at once (bootstrap, jackknife).

A naive bootstrap rebuilds and refits a model per resample (semopy: about 35 ms each on the
default model). Here the model structure is compiled once into index arrays, all resamples are
evaluated together with batched matrix algebra, the ML gradient is analytic, and every resample
starts from the full-sample estimate with limited-memory BFGS steps whose initial curvature is
the full-sample Hessian (resample estimates lie within a few standard errors of it, so they
converge in a handful of steps). For a factor model with diagonal residuals Sigma^-1 stays in
Woodbury factors (``Woodbury``): one p x p x m product per resample instead of p x p inverses.
A step that does not lower a resample's discrepancy is shortened, all shorter lengths tried in
one evaluation; a resample that still cannot descend is refitted alone with full Fisher
scoring, and one that still fails is reported as failed.
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
        self.group = group
        self.theta_diagonal = np.diag(base_theta).copy()

    def factor_matrices(self, theta: np.ndarray, s: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """Beta, Lambda, Psi and Theta's diagonal (``"t"``, (B, p)) for the Woodbury path, which never needs
        the (B, p, p) Theta (nor nu and alpha): building them was a third of an evaluation's time."""
        x = self.group.free_rows(theta)
        out = self.structure.matrices(x, keys=("beta", "lambda", "psi"))
        t = np.empty((len(x), len(self.theta_diagonal)))
        t[:] = self.theta_diagonal
        k, i, _ = self.positions["theta"]
        if len(k):
            t[:, i] = x[:, k]
        out["t"] = t
        self._fixed_x(out, s)
        return out

    def _fixed_x(self, mats: dict[str, np.ndarray], s: np.ndarray | None) -> None:
        if s is not None and len(self.exo):
            i, j, a, b = self.exo.T
            mats["psi"][:, i, j] = s[:, a, b]
            mats["psi"][:, j, i] = s[:, a, b]

    def matrices(self, theta: np.ndarray, s: np.ndarray | None = None) -> dict[str, np.ndarray]:
        mats = self.structure.matrices(self.group.free_rows(theta))
        self._fixed_x(mats, s)
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
        """Discrepancy F for each row, plus what the gradient needs at the same point (a ``Point``)."""
        wood = None
        if self.woodbury:
            mats = self.factor_matrices(theta, s)
            c = self._inverse_i_minus_b(mats["beta"])
            wood = _woodbury(mats, c, s)
        if wood is not None:
            logdet, trace = wood.logdet, wood.trace_s_inverse(s)
            good = np.ones(len(theta), dtype=bool)
            point = Point(mats, c, None, wood)
        else:  # Sigma itself is needed only here
            mats = self.matrices(theta, s)
            c = self._inverse_i_minus_b(mats["beta"])
            m = mats["lambda"] @ c
            inv, logdet, good = spd_inverse(m @ mats["psi"] @ m.transpose(0, 2, 1) + mats["theta"])
            trace = np.einsum("bij,bji->b", s, inv)
            point = Point(mats, c, inv, None)
        f = logdet + trace - logdet_s - s.shape[1]
        return np.where(good, f, np.inf), point

    def discrepancy(self, theta: np.ndarray, s: np.ndarray, logdet_s: np.ndarray) -> np.ndarray:
        return self.evaluate(theta, s, logdet_s)[0]

    def gradient(self, theta: np.ndarray, s: np.ndarray, cache: Point | None = None) -> np.ndarray:
        """dF/dtheta for every resample: F = log|Sigma| + tr(S Sigma^-1) - log|S| - p.

        With G = dF/dSigma = Sigma^-1 - Sigma^-1 S Sigma^-1, the free rows need diag(G) (Theta),
        G Lambda (loadings, through G Lambda Phi) and M'GM = C'(Lambda' G Lambda)C (Psi, Beta); under
        Woodbury (``Woodbury.g_lambda``) these come from p x m products only.
        """
        if cache is None:
            cache = self.evaluate(theta, s, np.zeros(len(theta)))[1]
        mats, c = cache.mats, cache.c
        lam, psi = mats["lambda"], mats["psi"]
        if cache.wood is not None:
            g_lam, g_diag = cache.wood.g_lambda(s)
        else:
            inv = cache.inv
            g = inv - inv @ s @ inv
            g_lam, g_diag = g @ lam, g
        lgl = lam.transpose(0, 2, 1) @ g_lam  # Lambda' G Lambda
        k_mat = c.transpose(0, 2, 1) @ lgl @ c  # M'GM
        parts = {
            "theta": g_diag,
            "psi": k_mat,
            # dF/dLambda = 2 G Lambda Phi with Phi = C Psi C'
            "lambda": 2 * g_lam @ (c @ psi @ c.transpose(0, 2, 1)),
            # dF/dB_ij = 2 (C Psi M'GM)_ji
            "beta": 2 * (c @ psi @ k_mat).transpose(0, 2, 1),
        }
        grad = np.zeros((len(theta), self.structure.k))
        for key in MATRICES:
            k, i, j = self.structure._pos[key]  # each free row once (the matrices are symmetric)
            if len(k):
                part = parts[key]
                grad[:, k] = (part[:, i] if part.ndim == 2 else part[:, i, j]) * self.weights[key]
        return grad @ self.k_map


@dataclass(frozen=True)
class Woodbury:
    """Sigma^-1 = T - L N L' for Sigma = Lambda Phi Lambda' + Theta (Theta diagonal, T = Theta^-1),
    L = T Lambda, N = K^-1, K = Phi^-1 + Lambda' T Lambda (Woodbury), kept in factors: with Q = S L
    the one p x p x m product per resample, F and its gradient need only p x m and m x m algebra
    (forming Sigma^-1 and Sigma^-1 S Sigma^-1 costs p^3)."""

    t: np.ndarray  # (B, p) residual variances
    lt: np.ndarray  # (B, p, m) L = T Lambda
    n_inv: np.ndarray  # (B, m, m) N
    phi_inv: np.ndarray  # (B, m, m)
    logdet: np.ndarray  # (B,) log|Sigma|
    q: np.ndarray  # (B, p, m) S L
    lq: np.ndarray  # (B, m, m) L' S L

    def take(self, mask: np.ndarray) -> Woodbury:
        return Woodbury(*(getattr(self, f)[mask] for f in ("t", "lt", "n_inv", "phi_inv", "logdet", "q", "lq")))

    def trace_s_inverse(self, s: np.ndarray) -> np.ndarray:
        """tr(S Sigma^-1) = sum_i s_ii / t_i - tr(N L'SL)."""
        return (np.diagonal(s, axis1=1, axis2=2) / self.t).sum(axis=1) - np.einsum("bij,bji->b", self.n_inv,
                                                                                   self.lq)

    def g_lambda(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """G Lambda (B, p, m) and diag(G) (B, p) for G = Sigma^-1 - Sigma^-1 S Sigma^-1.

        Sigma^-1 Lambda = L N Phi^-1 and Sigma^-1 S Sigma^-1 Lambda = (T Q - L N L'Q) N Phi^-1, so
        G Lambda = (L - T Q + L N L'Q) N Phi^-1; diag(Sigma^-1) = 1/t - rowsum(LN o L) and
        diag(Sigma^-1 S Sigma^-1) = s_ii / t^2 - 2 rowsum(Q o LN) / t + rowsum(LN L'Q N o L).
        """
        t, lt, n_inv, q, lq = self.t, self.lt, self.n_inv, self.q, self.lq
        ln = lt @ n_inv
        ln_lq = ln @ lq
        g_lam = (lt - q / t[:, :, None] + ln_lq) @ n_inv @ self.phi_inv
        inv_diag = 1.0 / t - (ln * lt).sum(axis=2)
        sandwich = (np.diagonal(s, axis1=1, axis2=2) / t ** 2 - 2.0 * (q * ln).sum(axis=2) / t
                    + ((ln_lq @ n_inv) * lt).sum(axis=2))
        return g_lam, inv_diag - sandwich


@dataclass(frozen=True)
class Point:
    """The model at a batch of parameter vectors: matrices, C = (I - B)^-1, and either Sigma^-1 (``inv``)
    or its Woodbury factors (``wood``)."""

    mats: dict[str, np.ndarray]
    c: np.ndarray
    inv: np.ndarray | None
    wood: Woodbury | None

    def take(self, mask: np.ndarray) -> Point:
        return Point({key: v[mask] for key, v in self.mats.items()}, self.c[mask],
                     None if self.inv is None else self.inv[mask], None if self.wood is None else self.wood.take(mask))


def _woodbury(mats: dict[str, np.ndarray], c: np.ndarray, s: np.ndarray) -> Woodbury | None:
    """Sigma^-1's Woodbury factors and log|Sigma| = log|Theta| + log|Phi| + log|K| (the matrix
    determinant lemma), so only m x m matrices are factored. None when some Theta is not positive or
    some Phi or K not positive definite (the caller then inverts Sigma itself)."""
    lam, t = mats["lambda"], mats["t"]
    if np.any(t <= 0):
        return None
    phi = c @ mats["psi"] @ c.transpose(0, 2, 1)
    try:
        chol_phi = np.linalg.cholesky(phi)
        phi_inv = np.linalg.inv(phi)
        lt = lam / t[:, :, None]
        k = phi_inv + lam.transpose(0, 2, 1) @ lt
        chol_k = np.linalg.cholesky(k)
    except np.linalg.LinAlgError:
        return None
    logdet = (np.log(t).sum(axis=1) + 2.0 * np.log(np.diagonal(chol_phi, axis1=1, axis2=2)).sum(axis=1)
              + 2.0 * np.log(np.diagonal(chol_k, axis1=1, axis2=2)).sum(axis=1))
    q = s @ lt
    return Woodbury(t, lt, np.linalg.inv(k), phi_inv, logdet, q, lt.transpose(0, 2, 1) @ q)


def spd_logdet(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Log-determinants of a stack (B, p, p) of symmetric matrices and a mask of those that are positive
    definite (the others get 0), from one batched Cholesky: cheaper than numpy's LU-based ``slogdet``, and
    it tells the positive definite ones apart."""
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
    return 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1), good


def spd_inverse(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverses and log-determinants of a stack (B, p, p) of symmetric matrices, with a mask of those
    that are positive definite (the others get the identity and log|.| 0)."""
    logdet, good = spd_logdet(a)
    safe = a if good.all() else np.where(good[:, None, None], a, np.eye(a.shape[1]))
    return np.linalg.inv(safe), logdet, good


HALVINGS = 8  # step lengths tried together in one evaluation when the full step does not lower F
HALVING_ROUNDS = 5  # down to a step of 2^-32


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
    logdet_s, active = spd_logdet(s)  # a singular resample covariance cannot be fitted
    converged = np.zeros(b, dtype=bool)
    h0 = np.linalg.inv(information)
    # the last ``memory`` steps in a ring: iteration i writes slot i % memory (rows whose pair is
    # dropped get rho 0 there, which marks an empty slot: it then changes nothing below)
    s_hist = np.zeros((b, memory, k))
    y_hist = np.zeros((b, memory, k))
    rho = np.zeros((b, memory))
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
        # newest first, and only the slots written so far (the first iterations have fewer than ``memory``)
        order = (it - 1 - np.arange(min(it - 1, memory))) % memory
        step = _two_loop(grad[idx], s_hist[idx[:, None], order], y_hist[idx[:, None], order],
                         rho[idx[:, None], order], h0)
        t = np.ones(len(idx))
        pending = np.ones(len(idx), dtype=bool)
        new_theta = theta[idx].copy()
        accepted: list[tuple[np.ndarray, Point]] = []  # (positions in idx, their Point) per halving round
        factors = np.ones(1)  # the full step first; then HALVINGS shorter ones per round, tried at once
        for _ in range(HALVING_ROUNDS):
            sel = np.flatnonzero(pending)
            width = len(factors)
            cand = (theta[idx[sel]][:, None, :] - (t[sel, None] * factors)[:, :, None] * step[sel][:, None, :])
            cand = cand.reshape(-1, k)
            rows = np.repeat(idx[sel], width)
            f_new, cache = model.evaluate(cand, s[rows], logdet_s[rows])
            f_old = f[idx[sel]]
            ok = (f_new.reshape(-1, width) <= (f_old + 1e-14 * np.maximum(1.0, np.abs(f_old)))[:, None])
            hit = ok.any(axis=1)  # the longest step that lowers F, as halving one at a time would find
            chosen = np.flatnonzero(hit) * width + ok.argmax(axis=1)[hit]
            new_theta[sel[hit]] = cand[chosen]
            f[idx[sel[hit]]] = f_new[chosen]
            pending[sel[hit]] = False
            if hit.all() and width == 1:  # the usual case: the full step is accepted everywhere
                accepted.append((sel, cache))
            elif hit.any():
                accepted.append((sel[hit], cache.take(chosen)))
            t[sel[~hit]] *= factors[-1] / 2
            factors = 0.5 ** np.arange(HALVINGS)
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
        slot = it % memory
        rows = moved[keep]
        s_hist[rows, slot], y_hist[rows, slot], rho[rows, slot] = d_theta[keep], d_grad[keep], 1.0 / curvature[keep]
        rho[idx[~np.isin(idx, rows)], slot] = 0.0
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
