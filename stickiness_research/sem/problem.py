"""The ML estimation problem across groups: global parameters, per-group moments, Fisher scoring.

One semopy structure per group lays out Beta, Lambda, Psi, Theta; we add the mean structure
mu = nu + Lambda (I - B)^-1 alpha ourselves (semopy's ModelMeans models something else). A
global parameter vector ties groups together: a user label, or a parameter type listed in
``group_equal`` (lavaan's group.equal), is one parameter in every group.

lavaan's ML discrepancy per group, F_g = log|S_g| + tr(S Sigma^-1) - log|S| - p
+ (m - mu)' Sigma^-1 (m - mu), is summed with weights N_g / N; chi-square = sum N_g F_g.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import EstimationError
from .engine import ModelStructure, ParameterRow

MAX_ITERATIONS = 500
GRADIENT_TOLERANCE = 1e-10
# lavaan's group.equal vocabulary
EQUALITY_TYPES = ("loadings", "intercepts", "means", "regressions", "residuals", "residual.covariances",
                  "lv.variances", "lv.covariances")


@dataclass
class MeanParameter:
    kind: str  # "nu" (observed intercept) or "alpha" (mean/intercept of an inner variable)
    index: int
    variable: str
    free: bool


@dataclass
class Group:
    """One group's structure, sample moments and the map from its local parameters to global ones."""

    label: str
    structure: ModelStructure
    s: np.ndarray  # covariance, divisor N_g
    m: np.ndarray  # means
    n: int
    cov_map: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))  # local cov param -> global
    means: list[MeanParameter] = field(default_factory=list)
    mean_map: list[int | None] = field(default_factory=list)  # mean parameter -> global index (None: fixed 0)
    logdet_s: float = 0.0

    @property
    def p(self) -> int:
        return self.s.shape[0]


@dataclass(frozen=True)
class GroupMoments:
    sigma: np.ndarray
    mu: np.ndarray | None
    dsigma: list[np.ndarray]  # per global parameter (zeros where the group does not use it)
    dmu: np.ndarray | None  # (n_global, p)


@dataclass(frozen=True)
class Solution:
    theta: np.ndarray
    fmin: float  # sum_g (N_g / N) F_g
    group_f: list[float]
    information: np.ndarray  # sum_g (N_g / N) * expected Hessian of F_g (per unit N/2)
    iterations: int
    gradient_max: float


class Problem:
    """The global parameter vector and everything needed to evaluate and differentiate F."""

    def __init__(self, groups: list[Group], names: list[str], start: np.ndarray, meanstructure: bool):
        self.groups = groups
        self.names = names
        self.start = start
        self.meanstructure = meanstructure
        self.n_total = sum(g.n for g in groups)

    @property
    def n_free(self) -> int:
        return len(self.names)

    def describe(self, k: int) -> str:
        """A global parameter in lavaan terms, e.g. 'visual =~ x2'."""
        for g in self.groups:
            for r in g.structure.rows:
                if r.free is not None and int(g.cov_map[r.free]) == k:
                    return f"{r.lhs} {r.op} {r.rhs}"
            for mp, idx in zip(g.means, g.mean_map, strict=True):
                if idx == k:
                    return f"{mp.variable} ~1"
        return self.names[k]

    def identification_error(self, info: np.ndarray) -> EstimationError | None:
        """An error naming the parameters that cannot be told apart, if the information is singular."""
        eigval, eigvec = np.linalg.eigh(info)
        if eigval[0] > 1e-10 * max(eigval[-1], 1.0):
            return None
        weights = np.abs(eigvec[:, 0])
        # ties are common (two parameters trading off equally): name them in a stable order
        culprits = sorted({self.describe(int(i)) for i in np.argsort(weights)[::-1][:3] if weights[i] > 0.1})
        hint = "Fix a loading per construct to 1, or add constraints or indicators."
        single = [c.split(" =~ ")[0] for c in culprits if " =~ " in c]
        if any(c.endswith(" ~~ " + c.split(" ~~ ")[0]) for c in culprits if " ~~ " in c) and not single:
            hint = ("A construct measured by a single item is not identified: fix that item's residual variance "
                    "(e.g. 'x6 ~~ 0*x6') or add items.")
        return EstimationError("the model is not identified: the information matrix is singular, so "
                               f"{', '.join(culprits) or 'some parameters'} cannot be estimated separately. {hint}")

    def local(self, g: Group, theta: np.ndarray) -> np.ndarray:
        return theta[g.cov_map]

    def mean_vectors(self, g: Group, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nu = np.zeros(len(g.structure.observed))
        alpha = np.zeros(len(g.structure.inner))
        for mp, k in zip(g.means, g.mean_map, strict=True):
            value = theta[k] if k is not None else 0.0
            (nu if mp.kind == "nu" else alpha)[mp.index] = value
        return nu, alpha

    def moments(self, g: Group, theta: np.ndarray, derivatives: bool = True) -> GroupMoments:
        local = self.local(g, theta)
        st = g.structure
        if derivatives:
            sigma, local_grads = st.implied(local)
        else:
            st.model.update_matrices(local)
            sigma = st.model.calc_sigma()[0]
            local_grads = []
        mu = dmu = None
        mats = st.matrices(local) if (self.meanstructure or derivatives) else None
        if self.meanstructure:
            nu, alpha = self.mean_vectors(g, theta)
            c = np.linalg.inv(np.eye(len(st.inner)) - mats["beta"])
            lc = mats["lambda"] @ c
            c_alpha = c @ alpha
            mu = nu + lc @ alpha
        if not derivatives:
            return GroupMoments(sigma, mu, [], None)
        p = len(st.observed)
        zero = np.zeros((p, p))
        dsigma = [zero] * self.n_free
        for k_local, k_global in enumerate(g.cov_map):
            d = local_grads[k_local]
            dsigma[k_global] = d if dsigma[k_global] is zero else dsigma[k_global] + d
        if self.meanstructure:
            dmu = np.zeros((self.n_free, p))
            for mp, k in zip(g.means, g.mean_map, strict=True):
                if k is None:
                    continue
                dmu[k] += np.eye(p)[mp.index] if mp.kind == "nu" else lc[:, mp.index]
            for k_local, k_global in enumerate(g.cov_map):
                for key, i, j in st.locations[k_local]:
                    if key == "lambda":
                        dmu[k_global, i] += c_alpha[j]
                    elif key == "beta":
                        dmu[k_global] += lc[:, i] * c_alpha[j]
        return GroupMoments(sigma, mu, dsigma, dmu)

    # ----- objective ---------------------------------------------------------------------------
    def group_discrepancy(self, g: Group, mom: GroupMoments) -> float:
        try:
            chol = np.linalg.cholesky(mom.sigma)
        except np.linalg.LinAlgError:
            return np.inf
        logdet = 2.0 * np.log(np.diag(chol)).sum()
        inv = np.linalg.inv(mom.sigma)
        f = logdet + np.einsum("ij,ji->", g.s, inv) - g.logdet_s - g.p
        if mom.mu is not None:
            r = g.m - mom.mu
            f += r @ inv @ r
        return float(f)

    def discrepancy(self, theta: np.ndarray) -> tuple[float, list[float]]:
        fs = [self.group_discrepancy(g, self.moments(g, theta, derivatives=False)) for g in self.groups]
        total = sum(g.n / self.n_total * f for g, f in zip(self.groups, fs, strict=True))
        return float(total), fs

    def gradient_information(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of F and its expected Hessian (both weighted by N_g / N)."""
        k = self.n_free
        grad = np.zeros(k)
        info = np.zeros((k, k))
        for g in self.groups:
            mom = self.moments(g, theta)
            w = g.n / self.n_total
            inv = np.linalg.inv(mom.sigma)
            used = np.unique(np.concatenate([g.cov_map, [x for x in g.mean_map if x is not None]]).astype(int))
            a = np.stack([inv @ mom.dsigma[i] for i in used])
            hess = np.einsum("iab,jba->ij", a, a)
            resid_cov = g.s
            if mom.mu is not None:
                r = g.m - mom.mu
                resid_cov = g.s + np.outer(r, r)
            resid = inv @ (mom.sigma - resid_cov) @ inv
            gr = np.einsum("ab,iba->i", resid, np.stack([mom.dsigma[i] for i in used]))
            if mom.dmu is not None:
                dmu = mom.dmu[used]
                gr -= 2 * dmu @ inv @ (g.m - mom.mu)
                hess += 2 * dmu @ inv @ dmu.T
            grad[used] += w * gr
            info[np.ix_(used, used)] += w * hess
        return grad, info


def solve(problem: Problem, start: np.ndarray | None = None, max_iter: int = MAX_ITERATIONS) -> Solution:
    """Minimise F by Fisher scoring with step halving, to a gradient of about 1e-10."""
    theta = np.array(problem.start if start is None else start, dtype=float)
    f, fs = problem.discrepancy(theta)
    if not np.isfinite(f):
        raise EstimationError("the starting values imply a covariance matrix that is not positive definite. "
                              "Check the model for a mis-specified fixed value.")
    gmax = np.inf
    for iteration in range(1, max_iter + 1):
        grad, info = problem.gradient_information(theta)
        gmax = float(np.max(np.abs(grad))) if len(grad) else 0.0
        if gmax < GRADIENT_TOLERANCE:
            return Solution(theta, f, fs, info, iteration, gmax)
        if iteration == 1 or iteration % 50 == 0:
            error = problem.identification_error(info)
            if error is not None:
                raise error
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            candidate = theta - t * step
            f_new, fs_new = problem.discrepancy(candidate)
            if f_new <= f + 1e-14 * max(1.0, abs(f)):
                break
            t /= 2
        else:
            break
        converged = abs(f - f_new) < 1e-16 and gmax < 1e-6
        theta, f, fs = candidate, f_new, fs_new
        if converged:
            grad, info = problem.gradient_information(theta)
            return Solution(theta, f, fs, info, iteration, float(np.max(np.abs(grad))))
    raise EstimationError(f"the model did not converge in {max_iter} iterations (largest gradient "
                          f"{gmax:.2g}). Check for a construct whose items do not correlate, a mis-typed "
                          "variable, or too small a sample for the model.")


def parameter_type(structure: ModelStructure, row: ParameterRow) -> str:
    """lavaan's group.equal category of a covariance-structure parameter."""
    if row.matrix == "lambda":
        return "loadings"
    if row.matrix == "beta":
        return "regressions"
    if row.matrix == "theta":
        return "residuals" if row.lhs == row.rhs else "residual.covariances"
    latent = row.lhs in structure.latent and row.rhs in structure.latent
    if row.lhs == row.rhs:
        return "lv.variances" if latent else "residuals"
    return "lv.covariances" if latent else "residual.covariances"
