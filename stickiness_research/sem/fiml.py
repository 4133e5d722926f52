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
from .numeric import hessian_from_gradient
from .problem import Group, Problem, Solution


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

    @property
    def x(self) -> np.ndarray:
        return self.xs[0]

    @property
    def patterns(self) -> list[Pattern]:
        return [p for ps in self.group_patterns for p in ps]

    def discrepancy(self, theta: np.ndarray) -> tuple[float, list[float]]:
        fs = []
        for g, blocks, x in zip(self.groups, self.group_blocks, self.xs, strict=True):
            mom = self.moments(g, theta, derivatives=False)
            fs.append(pattern_discrepancy(blocks, mom.sigma, mom.mu, len(x)))
        total = sum(len(x) / self.n_total * f for x, f in zip(self.xs, fs, strict=True))
        return float(total), fs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        grad = np.zeros(self.n_free)
        for g, blocks in zip(self.groups, self.group_blocks, strict=True):
            mom = self.moments(g, theta)
            p = len(mom.mu)
            big_g = np.zeros((p, p))
            h = np.zeros(p)
            for block in blocks:
                s_oo, _, _, inv, r = _block_terms(block, mom.sigma, mom.mu)
                w = block.n / self.n_total
                inner = s_oo - block.s - np.einsum("pi,pj->pij", r, r)
                contrib = w[:, None, None] * (inv @ inner @ inv)
                o = block.index
                np.add.at(big_g, (o[:, :, None], o[:, None, :]), contrib)
                np.add.at(h, o, w[:, None] * np.einsum("pij,pj->pi", inv, r))
            grad += mom.dsigma.reshape(len(mom.dsigma), -1) @ big_g.ravel() - 2 * mom.dmu @ h
        return grad

    def gradient_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError("FIML uses the observed information (see fiml.observed_hessian)")

    def hessian(self, theta: np.ndarray) -> np.ndarray:
        return observed_hessian(self, theta)


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
    return hessian_from_gradient(problem.gradient, theta)


def solve_fiml(problem: FimlProblem) -> tuple[Solution, np.ndarray]:
    """Minimise the FIML discrepancy; returns the solution and the Hessian of F at it."""

    def fun(t: np.ndarray) -> tuple[float, np.ndarray]:
        f = problem.discrepancy(t)[0]
        if not np.isfinite(f):
            return 1e10, np.zeros_like(t)
        return f, problem.gradient(t)

    res = optimize.minimize(fun, problem.start, jac=True, method="L-BFGS-B",
                            options={"maxiter": 5000, "ftol": 1e-15, "gtol": 1e-10})
    theta = res.x
    for _ in range(10):  # Fisher-scoring polish: the expected Hessian of F (2 I) is cheap and good enough here
        grad = problem.gradient(theta)
        if np.max(np.abs(grad)) < 1e-10:
            break
        candidate = theta - np.linalg.solve(2 * expected_information(problem, theta), grad)
        if problem.discrepancy(candidate)[0] > problem.discrepancy(theta)[0] + 1e-12:
            break
        theta = candidate
    hess = observed_hessian(problem, theta)  # once, at the final estimate: the SEs (lavaan: observed)
    grad = problem.gradient(theta)
    if np.max(np.abs(grad)) > 1e-5:
        raise EstimationError(f"full-information ML did not converge (largest gradient {np.max(np.abs(grad)):.2g}). "
                              "Check the model, or whether some variables are almost never observed together.")
    f, fs = problem.discrepancy(theta)
    return Solution(theta, f, fs, hess, res.nit, float(np.max(np.abs(grad)))), hess


def logl(f: float, patterns: list[Pattern], n: int) -> float:
    """Log-likelihood from the pattern discrepancy (which leaves out the 2*pi constants)."""
    const = sum(p.n * len(p.observed) for p in patterns) * math.log(2 * math.pi)
    return -0.5 * (n * f + const)


__all__ = ["FimlProblem", "Group", "em_saturated", "independence_discrepancy", "logl",
           "solve_fiml"]
