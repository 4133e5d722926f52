"""Full-information ML for incomplete data (lavaan ``missing = "ml"``).

Respondents are grouped by missingness pattern; each pattern contributes the normal likelihood of
its observed variables. F = (1/N) sum_P n_P [log|S_oo| + tr(S_oo^-1 S_P) + (m_P - mu_o)' S_oo^-1
(m_P - mu_o)] is minimised by L-BFGS with an analytic gradient and finished with Newton steps
on the numerical observed information, which also gives the standard errors (lavaan's default
for FIML). The saturated model (for chi-square and SRMR) is estimated by EM; the independence
baseline has a closed form because it factorises over variables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..errors import EstimationError
from .batched import spd_inverse
from .problem import Group, Problem, Solution, solve


@dataclass(frozen=True)
class Pattern:
    observed: np.ndarray  # indices of observed variables
    n: int
    s: np.ndarray  # biased covariance of the observed variables in this pattern
    m: np.ndarray  # means


def patterns_of(x: np.ndarray) -> list[Pattern]:
    present = ~np.isnan(x)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    out = []
    for k, key in enumerate(keys):
        rows = x[inverse.ravel() == k][:, key]
        m = rows.mean(axis=0)
        d = rows - m
        out.append(Pattern(np.flatnonzero(key), len(rows), d.T @ d / len(rows), m))
    return out


@dataclass(frozen=True)
class PatternBlock:
    """Patterns with the same number of observed variables, stacked so they are handled in one batch."""

    index: np.ndarray  # (P, k) observed variable indices
    n: np.ndarray  # (P,)
    s: np.ndarray  # (P, k, k)
    m: np.ndarray  # (P, k)


def blocks_of(patterns: list[Pattern]) -> list[PatternBlock]:
    sizes = sorted({len(p.observed) for p in patterns})
    out = []
    for k in sizes:
        members = [p for p in patterns if len(p.observed) == k]
        out.append(PatternBlock(np.stack([p.observed for p in members]), np.array([p.n for p in members], float),
                                np.stack([p.s for p in members]), np.stack([p.m for p in members])))
    return out


def _block_terms(block: PatternBlock, sigma: np.ndarray, mu: np.ndarray):
    o = block.index
    s_oo = sigma[o[:, :, None], o[:, None, :]]
    sign, logdet = np.linalg.slogdet(s_oo)
    inv = np.linalg.inv(np.where(sign[:, None, None] > 0, s_oo, np.eye(o.shape[1])))
    r = block.m - mu[o]
    return s_oo, sign, logdet, inv, r


def pattern_discrepancy(patterns: list[Pattern] | list[PatternBlock], sigma: np.ndarray, mu: np.ndarray,
                        n: int) -> float:
    blocks = patterns if patterns and isinstance(patterns[0], PatternBlock) else blocks_of(patterns)
    total = 0.0
    for block in blocks:
        _, sign, logdet, inv, r = _block_terms(block, sigma, mu)
        if (sign <= 0).any():
            return np.inf
        terms = logdet + np.einsum("pij,pji->p", inv, block.s) + np.einsum("pi,pij,pj->p", r, inv, r)
        total += float(block.n @ terms)
    return total / n


def em_saturated(x: np.ndarray, tol: float = 1e-12, max_iter: int = 5000) -> tuple[np.ndarray, np.ndarray]:
    """ML means and covariance of incomplete multivariate normal data (EM algorithm).

    Each iteration works on the patterns' sufficient statistics (n, sum and cross-products of the
    observed values), batched over patterns with the same number of observed variables.
    """
    n, p = x.shape
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    present = ~np.isnan(x)
    keys, inverse = np.unique(present, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    blocks = []
    for k in sorted({int(key.sum()) for key in keys}):
        members = [j for j, key in enumerate(keys) if key.sum() == k]
        o = np.array([np.flatnonzero(keys[j]) for j in members], dtype=int).reshape(len(members), k)
        m = np.array([np.flatnonzero(~keys[j]) for j in members], dtype=int).reshape(len(members), p - k)
        rows = [x[inverse == j][:, keys[j]] for j in members]
        cnt = np.array([len(r) for r in rows], dtype=float)
        sums = np.stack([r.sum(axis=0) for r in rows])
        cross = np.stack([r.T @ r for r in rows])
        blocks.append((o, m, cnt, sums, cross))
    for _ in range(max_iter):
        t1 = np.zeros(p)
        t2 = np.zeros((p, p))
        for o, m, cnt, sums, cross in blocks:
            np.add.at(t1, o, sums)
            np.add.at(t2, (o[:, :, None], o[:, None, :]), cross)
            if not m.shape[1]:
                continue
            b = sigma[m[:, :, None], o[:, None, :]] @ np.linalg.inv(sigma[o[:, :, None], o[:, None, :]])
            mu_o, mu_m = mu[o], mu[m]
            d_sum = sums - cnt[:, None] * mu_o  # sum of (x_o - mu_o)
            d_cross = cross - mu_o[:, :, None] * sums[:, None, :]  # sum of (x_o - mu_o) x_o'
            bd = np.einsum("pij,pj->pi", b, d_sum)
            np.add.at(t1, m, cnt[:, None] * mu_m + bd)
            mo = mu_m[:, :, None] * sums[:, None, :] + b @ d_cross  # sum of filled_m x_o'
            np.add.at(t2, (m[:, :, None], o[:, None, :]), mo)
            np.add.at(t2, (o[:, :, None], m[:, None, :]), mo.transpose(0, 2, 1))
            dd = d_cross - d_sum[:, :, None] * mu_o[:, None, :]  # sum of (x_o - mu_o)(x_o - mu_o)'
            resid = sigma[m[:, :, None], m[:, None, :]] - b @ sigma[o[:, :, None], m[:, None, :]]
            mm = (cnt[:, None, None] * (mu_m[:, :, None] * mu_m[:, None, :] + resid)
                  + mu_m[:, :, None] * bd[:, None, :] + bd[:, :, None] * mu_m[:, None, :]
                  + b @ dd @ b.transpose(0, 2, 1))
            np.add.at(t2, (m[:, :, None], m[:, None, :]), mm)
        new_mu = t1 / n
        new_sigma = t2 / n - np.outer(new_mu, new_mu)
        change = max(np.max(np.abs(new_mu - mu)), np.max(np.abs(new_sigma - sigma)))
        mu, sigma = new_mu, new_sigma
        if change < tol:
            return mu, sigma
    raise EstimationError("the EM estimate of the saturated model did not converge; too many values are missing.")


def independence_discrepancy(x: np.ndarray, patterns: list[Pattern], exo: np.ndarray | None = None) -> float:
    """Baseline: independent variables, each with its ML mean and variance from its observed values;
    exogenous covariates (complete under fixed.x) keep their sample covariances, as lavaan's baseline."""
    mu = np.nanmean(x, axis=0)
    sigma = np.diag(np.nanvar(x, axis=0))
    if exo is not None and len(exo):
        xe = x[:, exo]
        xe = xe[~np.isnan(xe).any(axis=1)]
        d = xe - xe.mean(axis=0)
        sigma[np.ix_(exo, exo)] = d.T @ d / len(xe)
    return pattern_discrepancy(patterns, sigma, mu, len(x))


class FimlProblem(Problem):
    """Missingness patterns per group; each group's patterns share that group's moments.

    F = sum_g (N_g / N) F_g with F_g the pattern discrepancy of group g (a single-group model is
    the case G = 1).
    """

    def __init__(self, base: Problem, xs: list[np.ndarray]):
        super().__init__(base.groups, base.names, base.start, True, base.partable, base.bounds)
        self.xs = xs
        self.group_patterns = [patterns_of(x) for x in xs]
        self.group_blocks = [blocks_of(p) for p in self.group_patterns]
        self.n_total = sum(len(x) for x in xs)
        self._fiml_last: tuple[bytes, list] | None = None

    @property
    def x(self) -> np.ndarray:
        return self.xs[0]

    @property
    def patterns(self) -> list[Pattern]:
        return [p for ps in self.group_patterns for p in ps]

    def _fiml_evaluate(self, theta: np.ndarray) -> list[dict] | None:
        """Per group at ``theta``: F_g, the engine's rank-2 pieces, the pattern blocks' Sigma_oo^-1 and
        residuals, and G = dF_g/dSigma, h (dF_g/dmu = -2 h), both summed over patterns and scaled by
        1/N (None if some Sigma_oo is not positive definite). The last point is kept."""
        key = theta.tobytes()
        if self._fiml_last is not None and self._fiml_last[0] == key:
            return self._fiml_last[1]
        states: list[dict] | None = []
        for g, blocks in zip(self.groups, self.group_blocks, strict=True):
            parts = g.structure._rank2(self.local(g, theta))
            sigma, mu = parts[0], parts[1]
            p = len(mu)
            f = 0.0
            big_g = np.zeros(p * p)
            h = np.zeros(p)
            terms = []
            for block in blocks:
                o = block.index
                inv, logdet, good = spd_inverse(sigma[o[:, :, None], o[:, None, :]])
                if not good.all():
                    states = None
                    break
                r = block.m - mu[o]
                ir = np.einsum("pij,pj->pi", inv, r)
                f += float(block.n @ (logdet + np.einsum("pij,pji->p", inv, block.s) + np.einsum("pi,pi->p", r, ir)))
                # n_P (A - A (S_P + r r') A): the pattern's dF/dSigma_oo, scattered into p x p
                a_s = inv @ block.s
                contrib = block.n[:, None, None] * (inv - a_s @ inv - ir[:, :, None] * ir[:, None, :])
                flat = (o[:, :, None] * p + o[:, None, :]).ravel()
                big_g += np.bincount(flat, weights=contrib.ravel(), minlength=p * p)
                h += np.bincount(o.ravel(), weights=(block.n[:, None] * ir).ravel(), minlength=p)
                terms.append((block, inv, r, ir))
            if states is None:
                break
            states.append({"f": f / len(self.xs[len(states)]), "parts": parts, "terms": terms,
                           "G": big_g.reshape(p, p) / self.n_total, "h": h / self.n_total})
        self._fiml_last = (key, states)
        return states

    def discrepancy(self, theta: np.ndarray) -> tuple[float, list[float]]:
        if not np.all(np.isfinite(theta)):
            return np.inf, [np.inf] * len(self.groups)
        states = self._fiml_evaluate(theta)
        if states is None:
            return np.inf, [np.inf] * len(self.groups)
        fs = [st["f"] for st in states]
        total = sum(len(x) / self.n_total * f for x, f in zip(self.xs, fs, strict=True))
        return float(total), fs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """dF/dtheta = sum_g [tr(G_g dSigma_k) - 2 h_g' dmu_k] with dSigma_k = u_k v_k' + v_k u_k'."""
        states = self._fiml_evaluate(theta)
        if states is None:
            raise EstimationError("the model-implied covariance matrix is not positive definite here.")
        grad = np.zeros(self.n_free)
        for g, st in zip(self.groups, states, strict=True):
            _, _, u, v, dm = st["parts"][:5]
            gr = 2.0 * np.einsum("pk,pk->k", u, st["G"] @ v) - 2.0 * dm @ st["h"]
            grad += gr if g.identity else gr @ g.k_map
        return grad

    def gradient_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError("FIML uses the observed information (see fiml.observed_hessian)")

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Observed Hessian of F, analytic: ``Problem.hessian``'s terms pattern by pattern (on each
        pattern's observed rows of U, V and dmu), plus the second-derivative terms once per group
        with W = G and A r = h summed over patterns (they are linear in both)."""
        states = self._fiml_evaluate(theta)
        if states is None:
            raise EstimationError("the model-implied covariance matrix is not positive definite here.")
        out = np.zeros((self.n_free, self.n_free))
        for g, st in zip(self.groups, states, strict=True):
            x = self.local(g, theta)
            parts = st["parts"]
            _, _, u, v, dm = parts[:5]
            kk = u.shape[1]
            hess = np.zeros((kk, kk))
            for block, inv, r, ir in st["terms"]:
                for lo in range(0, len(block.n), HESSIAN_CHUNK):  # bounded memory: (chunk, k, k) arrays
                    sl = slice(lo, lo + HESSIAN_CHUNK)
                    hess += _pattern_hessian(block.index[sl], block.n[sl], block.s[sl], inv[sl], r[sl], ir[sl],
                                             u, v, dm) / self.n_total
            hess += g.structure.second_order(x, st["G"], st["h"], parts)
            out += hess if g.identity else g.k_map.T @ hess @ g.k_map
        return 0.5 * (out + out.T)


HESSIAN_CHUNK = 64


def _pattern_hessian(o, n, s, inv, r, ir, u, v, dm) -> np.ndarray:
    """sum_P n_P [tr(A dS_l A dS_k) - 2 tr(A dS_l W dS_k) + 2 r'A dS_k A dmu_l + 2 r'A dS_l A dmu_k
    + 2 dmu_l' A dmu_k] over patterns with the same number of observed variables (``Problem.hessian``
    with A = Sigma_oo^-1, W = A (Sigma_oo - S_P - r r') A, each on the pattern's observed rows).

    The Hadamard products are summed over patterns as n @ (X * Y) on contiguous arrays (a product
    with a transposed view is an order of magnitude slower).
    """
    big_p, kk = len(n), u.shape[1]
    uo, vo, dmo = u[o], v[o], dm.T[o]  # (P, k_o, k)
    au, av = inv @ uo, inv @ vo
    w = inv - inv @ s @ inv - ir[:, :, None] * ir[:, None, :]
    wu, wv = w @ uo, w @ vo
    ut, vt = uo.transpose(0, 2, 1), vo.transpose(0, 2, 1)
    pa, qa, ra = ut @ au, ut @ av, vt @ av
    pw, qw, rw = ut @ wu, ut @ wv, vt @ wv
    qat = np.ascontiguousarray(qa.transpose(0, 2, 1))

    def weighted(x: np.ndarray, y: np.ndarray) -> np.ndarray:  # sum_P n_P x_P * y_P
        return (n @ (x * y).reshape(big_p, -1)).reshape(kk, kk)

    cross = weighted(qw, qat)
    hess = 2.0 * (weighted(qa, qat) + weighted(pa, ra - rw) - weighted(pw, ra)) - 2.0 * (cross + cross.T)
    da = dmo.transpose(0, 2, 1) @ inv  # (P, k, k_o): dmu' A
    nu = n[:, None] * np.einsum("pjk,pj->pk", uo, ir)  # n_P u_k' A r
    nv = n[:, None] * np.einsum("pjk,pj->pk", vo, ir)
    z = ((da @ vo) * nu[:, None, :]).sum(axis=0) + ((da @ uo) * nv[:, None, :]).sum(axis=0)  # z'[l, k]
    hess += 2.0 * (z + z.T)
    dmo_n = dmo * n[:, None, None]
    hess += 2.0 * da.transpose(1, 0, 2).reshape(kk, -1) @ dmo_n.reshape(-1, kk)
    return hess


def expected_information(problem: FimlProblem, theta: np.ndarray) -> np.ndarray:
    """Expected information per observation, pattern by pattern (lavaan's ``information = "expected"``
    for missing = "ml"): sum_P (n_P / N) [1/2 tr(W dS_a W dS_b) + dmu_a' W dmu_b] over each pattern's
    observed variables, W = Sigma_oo^-1."""
    info = np.zeros((problem.n_free, problem.n_free))
    for g, patterns in zip(problem.groups, problem.group_patterns, strict=True):
        mom = problem.moments(g, theta)
        for pat in patterns:
            o = pat.observed
            w = np.linalg.inv(mom.sigma[np.ix_(o, o)])
            ds = mom.dsigma[:, o][:, :, o]
            a = w @ ds @ w
            k = len(ds)
            block = 0.5 * a.reshape(k, -1) @ ds.reshape(k, -1).T + mom.dmu[:, o] @ w @ mom.dmu[:, o].T
            info += pat.n / problem.n_total * block
    return info


def observed_hessian(problem: FimlProblem, theta: np.ndarray) -> np.ndarray:
    """Observed Hessian of the FIML discrepancy (analytic, ``FimlProblem.hessian``)."""
    return problem.hessian(theta)


def solve_fiml(problem: FimlProblem, two_stage: Problem) -> tuple[Solution, np.ndarray]:
    """Minimise the FIML discrepancy; returns the solution and the Hessian of F at it.

    Starts from the two-stage estimate (ML on the EM saturated moments, ``two_stage``), whose
    Hessian is the complete-data one there and serves as the step matrix until the gradient is
    small (the FIML Hessian differs by about the fraction of missing information, so each step
    gains about a digit); then Newton steps on the analytic FIML Hessian, which also gives the
    standard errors (lavaan's default for FIML: the observed information).
    """
    try:
        first = solve(two_stage)
        theta = first.theta
        approx = two_stage.hessian(theta)
        np.linalg.cholesky(approx)
    except (EstimationError, np.linalg.LinAlgError):
        theta, approx = _quasi_newton_start(problem), None
    f = problem.discrepancy(theta)[0]
    hess = None
    iterations = 0
    for iteration in range(1, MAX_FIML_ITERATIONS + 1):
        iterations = iteration
        grad = problem.gradient(theta)
        gmax = float(np.max(np.abs(grad)))
        if gmax < 1e-10:
            break
        if approx is None or gmax < 1e-4:
            hess = problem.hessian(theta)
            approx = hess
        try:
            step = np.linalg.solve(approx, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(approx, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-8:
            candidate = theta - t * step
            f_new = problem.discrepancy(candidate)[0]
            if f_new <= f + 1e-13 * max(1.0, abs(f)):
                break
            t /= 2
        else:
            approx = None  # no descent along this step: take the exact Hessian next
            if hess is not None and gmax < 1e-6:
                break
            continue
        theta, f = candidate, f_new
        hess = None
    if hess is None:
        hess = observed_hessian(problem, theta)  # at the final estimate: the SEs
    grad = problem.gradient(theta)
    if np.max(np.abs(grad)) > 1e-5:
        raise EstimationError(f"full-information ML did not converge (largest gradient {np.max(np.abs(grad)):.2g}). "
                              "Check the model, or whether some variables are almost never observed together.")
    f, fs = problem.discrepancy(theta)
    return Solution(theta, f, fs, hess, iterations, float(np.max(np.abs(grad)))), hess


MAX_FIML_ITERATIONS = 200


def _quasi_newton_start(problem: FimlProblem) -> np.ndarray:
    """L-BFGS on the FIML discrepancy from the default start (when the two-stage estimate fails)."""

    def fun(t: np.ndarray) -> tuple[float, np.ndarray]:
        f = problem.discrepancy(t)[0]
        if not np.isfinite(f):
            return 1e10, np.zeros_like(t)
        return f, problem.gradient(t)

    res = optimize.minimize(fun, problem.start, jac=True, method="L-BFGS-B",
                            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    return res.x


def logl(f: float, patterns: list[Pattern], n: int) -> float:
    """Log-likelihood from the pattern discrepancy (which leaves out the 2*pi constants)."""
    const = sum(p.n * len(p.observed) for p in patterns) * math.log(2 * math.pi)
    return -0.5 * (n * f + const)


__all__ = ["FimlProblem", "Group", "em_saturated", "independence_discrepancy", "logl",
           "solve_fiml"]
