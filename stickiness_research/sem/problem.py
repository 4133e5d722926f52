"""The ML estimation problem across groups: the global parameter vector, per-group moments, Fisher scoring.

The free rows of the ParTable are tied together by labels (shared labels, ``group.equal``) and by
linear ``==`` constraints; what remains free is the global vector ``theta``. Each group maps it to
its free-row values by ``x_g = x0_g + K_g theta`` (K a 0/1 matrix for plain equalities), so one
MatrixModel per group gives Sigma, mu and their derivatives with respect to theta.

lavaan's ML discrepancy per group, F_g = log|Sigma| + tr(S Sigma^-1) - log|S| - p
+ (m - mu)' Sigma^-1 (m - mu), is summed with weights N_g / N; chi-square = sum N_g F_g.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import linalg

from ..errors import EstimationError
from .lisrel import MatrixModel
from .syntax import EQUALITY_TYPES  # noqa: F401 - re-exported for callers that list the types

MAX_ITERATIONS = 500
GRADIENT_TOLERANCE = 1e-10
NEWTON_FROM = 2e-1  # largest gradient below which steps use the observed Hessian


@dataclass
class Group:
    """One group's matrix model, sample moments and the map from theta to its free rows."""

    label: str
    structure: MatrixModel
    s: np.ndarray  # covariance, divisor N_g
    m: np.ndarray  # means
    n: int
    k_map: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (k_local, n_theta)
    x0: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (k_local,)
    logdet_s: float = 0.0
    n_exo: int = 0  # fixed.x covariates in this group
    _identity: tuple | None = field(default=None, repr=False, compare=False)
    _selection: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def identity(self) -> bool:
        """theta maps one to one onto this group's free rows (no shared labels, no constraints)."""
        k = self.k_map
        cached = self._identity
        if cached is None or cached[0] is not k or cached[1] is not self.x0:  # replaced, never edited in place
            value = k.shape[0] == k.shape[1] and not self.x0.any() and np.array_equal(k, np.eye(k.shape[0]))
            self._identity = cached = (k, self.x0, value)
        return cached[2]

    def free_rows(self, theta: np.ndarray) -> np.ndarray:
        """Values of the group's free rows at ``theta`` (k,) or a batch (B, k): x0 + K theta."""
        return theta if self.identity else self.x0 + theta @ self.k_map.T

    def to_theta(self, d_rows: np.ndarray) -> np.ndarray:
        """Derivatives with respect to the free rows (k_local, ...) as derivatives with respect to theta
        (n_theta, ...): K' d_rows. Where each free row is one theta of its own (no labels shared; thresholds
        and scales may make theta longer) that is a placement, not a product over every free row."""
        k = self.k_map
        if self._selection is None or self._selection[0] is not k:  # replaced, never edited in place
            self._selection = (k, _placement(k))
        cols = self._selection[1]
        if cols is None:
            return np.tensordot(k.T, d_rows, axes=1)
        out = np.zeros((k.shape[1], *d_rows.shape[1:]))
        out[cols] = d_rows
        return out

    @property
    def p(self) -> int:
        return self.s.shape[0]

    @property
    def used(self) -> np.ndarray:
        return np.flatnonzero(np.abs(self.k_map).sum(axis=0) > 0)

    def fix_columns(self, fixed: list[tuple[int, float]], keep: list[int]) -> None:
        """Hold the theta ``fixed`` (index, value) at their values: their columns folded into x0, the columns
        ``keep`` left (the active set of inequality constraints, :meth:`Problem.with_fixed`)."""
        for k, value in fixed:
            self.x0 = self.x0 + self.k_map[:, k] * value
        self.k_map = self.k_map[:, keep]



def _placement(k: np.ndarray) -> np.ndarray | None:
    """The theta column of each free row where K only places them (a single 1 per row, no column used
    twice), else None (shared labels, constraints, or a K without rows or columns)."""
    if 0 in k.shape:
        return None
    cols = np.argmax(k != 0, axis=1)
    placed = (np.count_nonzero(k, axis=1) == 1).all() and (k[np.arange(len(k)), cols] == 1).all()
    return cols if placed and len(np.unique(cols)) == len(cols) else None

@dataclass(frozen=True)
class GroupMoments:
    sigma: np.ndarray
    mu: np.ndarray | None
    dsigma: np.ndarray  # (n_theta, p, p); zeros where the group does not use a parameter
    dmu: np.ndarray | None  # (n_theta, p)


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

    def __init__(self, groups: list[Group], names: list[str], start: np.ndarray, meanstructure: bool,
                 partable=None, bounds: list[tuple[int, str, float]] | None = None):
        self.groups = groups
        self.names = names
        self.start = start
        self.meanstructure = meanstructure
        self.partable = partable
        self.bounds = bounds or []  # (theta index, '<' or '>', value): inequality constraints
        self.n_total = sum(g.n for g in groups)
        self._last: tuple[bytes, list] | None = None  # the last point evaluated (see _evaluate)

    @property
    def n_free(self) -> int:
        return len(self.names)

    def with_fixed(self, fixed: list[tuple[int, float]]) -> Problem:
        """The same problem with some theta ``fixed`` (index, value) held at their values: an inequality constraint
        made active. The groups are changed in place (the problem fixed from is not used again)."""
        gone = {k for k, _ in fixed}
        keep = [k for k in range(self.n_free) if k not in gone]
        for g in self.groups:
            g.fix_columns(fixed, keep)
        bounds = [(keep.index(k), op, v) for k, op, v in self.bounds if k in keep]
        return self._narrowed(keep, bounds)

    def _narrowed(self, keep: list[int], bounds: list[tuple[int, str, float]]) -> Problem:
        """This problem's kind on the theta ``keep`` (the groups already narrowed)."""
        return Problem(self.groups, [self.names[k] for k in keep], self.start[keep], self.meanstructure,
                       self.partable, bounds)

    def describe(self, k: int) -> str:
        """A global parameter in lavaan terms, e.g. 'visual =~ x2'."""
        for g in self.groups:
            for n in np.flatnonzero(g.k_map[:, k]):
                r = g.structure.rows[g.structure.free[n]]
                return f"{r.lhs} {r.op} {r.rhs}".strip() if r.op != "~1" else f"{r.lhs} ~1"
        return self.names[k]

    def identification_error(self, info: np.ndarray, *, unit_free: bool = False) -> EstimationError | None:
        """An error naming the parameters that cannot be told apart, if the information is singular.

        ``unit_free``: judge the information on its correlation scale, so that a parameter in large units (the
        variance of an income: information ~1e-14) is not thereby unidentified. The final checks of a solution use
        it (ML and categorical); the ML optimizer's periodic check keeps the raw scale, on which the parameters of
        an unidentified model drifting apart show up sooner."""
        if not len(info):
            return None
        diag = np.diag(info)
        with np.errstate(all="ignore"):
            scaled = info / np.sqrt(np.outer(diag, diag)) if unit_free and np.all(diag > 0) else info
        try:  # cheap sufficient test: positive definite, lambda_min >= 1 / tr(info^-1), lambda_max <= tr(info)
            np.linalg.cholesky(scaled)
            # Cholesky can pass a singular matrix on rounding; its inverse is then garbage, of either sign
            if 0 < float(np.trace(np.linalg.inv(scaled))) < 1e10 / max(float(np.trace(scaled)), 1.0):
                return None
        except np.linalg.LinAlgError:
            pass
        eigval, eigvec = np.linalg.eigh(scaled)  # the exact rule, and the parameters to name
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
        """Values of the group's free rows at ``theta`` (k,) or a batch (B, k)."""
        return g.free_rows(theta)

    def matrices(self, g: Group, theta: np.ndarray) -> dict[str, np.ndarray]:
        return g.structure.matrices(self.local(g, theta))

    def moments(self, g: Group, theta: np.ndarray, derivatives: bool = True) -> GroupMoments:
        imp = g.structure.implied(self.local(g, theta), derivatives=derivatives)
        mu = imp.mu if self.meanstructure else None
        if not derivatives:
            return GroupMoments(imp.sigma, mu, np.zeros((0,)), None)
        dsigma = g.to_theta(imp.dsigma) if len(imp.dsigma) else np.zeros((self.n_free, g.p, g.p))
        dmu = g.to_theta(imp.dmu) if self.meanstructure else None
        return GroupMoments(imp.sigma, mu, dsigma, dmu)

    # ----- objective ---------------------------------------------------------------------------
    def _evaluate(self, theta: np.ndarray) -> list[tuple | None]:
        """Per group: (F_g, Sigma, mu, U, V, dmu, Sigma^-1), or None where Sigma is not positive definite.

        The last point is kept: Fisher scoring asks for F at a candidate, then (once accepted) for the
        gradient and information at the same point, which need the same matrices.
        """
        key = theta.tobytes()
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        states: list[tuple | None] = []
        for g in self.groups:
            parts = g.structure._rank2(self.local(g, theta))
            sigma, mu, u, v, dm = parts[:5]
            try:
                chol = np.linalg.cholesky(sigma)
            except np.linalg.LinAlgError:
                states.append(None)
                continue
            inv = np.linalg.inv(sigma)
            f = 2.0 * np.log(np.diag(chol)).sum() + np.einsum("ij,ji->", g.s, inv) - g.logdet_s - g.p
            if self.meanstructure:
                r = g.m - mu
                f += r @ inv @ r
            states.append((float(f), sigma, mu, u, v, dm, inv, parts))
        self._last = (key, states)
        return states

    def discrepancy(self, theta: np.ndarray) -> tuple[float, list[float]]:
        if not np.all(np.isfinite(theta)):
            return np.inf, [np.inf] * len(self.groups)
        fs = [np.inf if st is None else st[0] for st in self._evaluate(theta)]
        total = sum(g.n / self.n_total * f for g, f in zip(self.groups, fs, strict=True))
        return float(total), fs

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """Gradient of F (weighted by N_g / N)."""
        return self.gradient_information(theta, information=False)[0]

    def gradient_information(self, theta: np.ndarray, information: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Gradient of F and its expected Hessian (both weighted by N_g / N).

        With dSigma_k = u_k v_k' + v_k u_k' (``MatrixModel.rank2``) and A = Sigma^-1,
        dF/dx_k = 2 u_k' A (Sigma - S) A v_k and tr(A dSigma_k A dSigma_l) = 2 (Q_kl Q_lk + P_kl R_kl)
        with P = U'AU, Q = U'AV, R = V'AV: three (k, p) x (p, k) products per group.
        """
        k = self.n_free
        grad = np.zeros(k)
        info = np.zeros((k, k))
        for g, state in zip(self.groups, self._evaluate(theta), strict=True):
            if state is None:  # Sigma not positive definite (e.g. the quasi-Newton fallback's path)
                sigma, mu, u, v, dm = g.structure.rank2(self.local(g, theta))
                inv = np.linalg.inv(sigma)
            else:
                _, sigma, mu, u, v, dm, inv, _ = state
            w = g.n / self.n_total
            resid_cov = g.s
            if self.meanstructure:
                r = g.m - mu
                resid_cov = g.s + np.outer(r, r)
            av = inv @ v
            gr = 2.0 * np.einsum("pk,pk->k", u, (inv @ (sigma - resid_cov)) @ av)
            if information:
                au = inv @ u
                q = u.T @ av
                hess = 2.0 * (q * q.T + (u.T @ au) * (v.T @ av))
            if self.meanstructure:
                dmi = dm @ inv
                gr -= 2.0 * dmi @ r
                if information:
                    hess += 2.0 * dmi @ dm.T
            if g.identity:
                grad += w * gr
                if information:
                    info += w * hess
            else:
                grad += w * (gr @ g.k_map)
                if information:
                    info += w * (g.k_map.T @ hess @ g.k_map)
        return grad, info


    def hessian(self, theta: np.ndarray) -> np.ndarray:
        """Observed Hessian of F (weighted by N_g / N), analytic.

        With W = A (Sigma - S - r r') A, r = m - mu, A = Sigma^-1 (the mean terms only with a mean
        structure), differentiating ``gradient_information``'s gradient once more gives

            H_kl = tr(A dS_l A dS_k) - 2 tr(A dS_l W dS_k) + tr(W d2S_kl)
                   + 2 r'A dS_k A dmu_l + 2 r'A dS_l A dmu_k + 2 dmu_l' A dmu_k - 2 r'A d2mu_kl

        (dS = dSigma). The first two traces come from the rank-2 factors as in the expected
        information; the second-derivative terms from ``MatrixModel.second_order``. lavaan takes
        this Hessian numerically from its analytic gradient (``lav_model_hessian``); the two agree
        to about 1e-7.
        """
        k = self.n_free
        out = np.zeros((k, k))
        for g, state in zip(self.groups, self._evaluate(theta), strict=True):
            x = self.local(g, theta)
            if state is None:
                parts = g.structure._rank2(x)
                inv = np.linalg.inv(parts[0])
            else:
                inv, parts = state[6], state[7]
            sigma, mu, u, v, dm = parts[:5]
            resid_cov = g.s
            ar = None
            if self.meanstructure:
                r = g.m - mu
                resid_cov = g.s + np.outer(r, r)
                ar = inv @ r
            w_mat = inv @ (sigma - resid_cov) @ inv
            au, av, wu, wv = inv @ u, inv @ v, w_mat @ u, w_mat @ v
            pa, qa, ra = u.T @ au, u.T @ av, v.T @ av
            pw, qw, rw = u.T @ wu, u.T @ wv, v.T @ wv
            hess = 2.0 * (qa * qa.T + pa * ra)
            hess -= 2.0 * (qw * qa.T + qw.T * qa + rw * pa + pw * ra)
            hess += g.structure.second_order(x, w_mat, ar, parts)
            if self.meanstructure:
                da = dm @ inv
                z = (u.T @ ar)[:, None] * (da @ v).T + (v.T @ ar)[:, None] * (da @ u).T
                hess += 2.0 * (z + z.T) + 2.0 * da @ dm.T
            weight = g.n / self.n_total
            out += weight * (hess if g.identity else g.k_map.T @ hess @ g.k_map)
        return 0.5 * (out + out.T)


def solve(problem: Problem, start: np.ndarray | None = None, max_iter: int = MAX_ITERATIONS, *,
          tol: float = GRADIENT_TOLERANCE, curvature: tuple | None = None) -> Solution:
    """Minimise F by Fisher scoring (Newton near the optimum) with step halving, to a largest gradient below
    ``tol`` (about 1e-10 by default). ``curvature``: a Cholesky factor (``scipy.linalg.cho_factor``) of a Hessian
    near the optimum, used for steps while each one at least halves the gradient (a bootstrap resample's refit from
    the full-sample estimates, with the full sample's Hessian: its optimum is O(1/sqrt(N)) away)."""
    theta = np.array(problem.start if start is None else start, dtype=float)
    f, fs = problem.discrepancy(theta)
    if not np.isfinite(f):
        raise EstimationError("the starting values imply a covariance matrix that is not positive definite. "
                              "Check the model for a mis-specified fixed value.")
    gmax = np.inf
    chol = curvature  # Cholesky factor of the last observed Hessian (Newton steps)
    chol_gmax = np.inf  # the largest gradient when it was last used
    gain = 0.01 if curvature is None else 0.5  # how much each step with an old Hessian must shrink the gradient
    for iteration in range(1, max_iter + 1):
        grad = problem.gradient(theta)  # the expected information only where a step or the result needs it
        gmax = float(np.max(np.abs(grad))) if len(grad) else 0.0
        if gmax < tol:
            return Solution(theta, f, fs, problem.gradient_information(theta)[1], iteration, gmax)
        if iteration % 50 == 0:  # zero start covariances can make the start look unidentified
            error = problem.identification_error(problem.gradient_information(theta)[1])
            if error is not None:
                raise error
        step = None
        if chol is not None and gmax < gain * chol_gmax:
            # the last Hessian still serves while each step gains two digits (a chord step costs one
            # gradient; a new Hessian several): otherwise it is taken afresh below
            step = linalg.cho_solve(chol, grad, check_finite=False)
            chol_gmax = gmax
        elif gmax < NEWTON_FROM:
            # near the optimum Newton's step (the observed Hessian) converges quadratically where Fisher
            # scoring's converges linearly at a rate set by the misfit; far from it, or where the Hessian
            # is not positive definite, scoring is the safer step
            try:
                chol = linalg.cho_factor(problem.hessian(theta), check_finite=False)
                step = linalg.cho_solve(chol, grad, check_finite=False)
                chol_gmax = gmax
            except linalg.LinAlgError:
                chol = step = None
        if step is None:
            info = problem.gradient_information(theta)[1]
            try:
                step = linalg.cho_solve(linalg.cho_factor(info, check_finite=False), grad, check_finite=False)
            except linalg.LinAlgError:
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


def solve_quasi_newton(problem: Problem, start: np.ndarray | None = None) -> np.ndarray:
    """L-BFGS from a poor start (a fallback when Fisher scoring stalls); returns theta near the optimum."""
    from scipy import optimize

    def fun(t: np.ndarray) -> tuple[float, np.ndarray]:
        f = problem.discrepancy(t)[0]
        if not np.isfinite(f):
            return 1e10, np.zeros_like(t)
        return f, problem.gradient_information(t)[0]

    res = optimize.minimize(fun, problem.start if start is None else start, jac=True, method="L-BFGS-B",
                            options={"maxiter": 5000, "ftol": 1e-14, "gtol": 1e-9})
    return res.x
