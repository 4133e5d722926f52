"""Ordered (Likert) items in SEM: lavaan's ``ordered =`` with the DWLS family (WLSMV, DWLS, ULSMV, ULS).

Two-step estimation, as lavaan 0.6.14 does it for categorical data:

1. per group, the sample statistics of :mod:`.ordinal` (thresholds, polychoric / polyserial
   correlations, continuous means and variances: ``s``, their asymptotic covariance ``Gamma`` and
   the DWLS weights ``W = 1 / diag(Gamma)``);
2. the model's implied statistics ``sigma(theta)`` in the same layout (lavaan's ``WLS.est``),
   fitted by ``F = sum_g (N_g / N) (s_g - sigma_g)' W_g (s_g - sigma_g)`` (``W = I`` for ULS),
   by Gauss-Newton with the analytic Jacobian ``Delta = d sigma / d theta``.

The implied statistics for the latent responses y* = Lambda eta + epsilon (all-y LISREL, as
:mod:`.lisrel`): ``Sigma* = D Sigma D`` and thresholds ``D (tau - mu)``. Under the *delta*
parameterization (lavaan's default) ``D`` holds the scale factors (``y ~*~ y``, 1 in the first group)
and an ordered item's residual variance is not a parameter: it is whatever makes
``diag(Sigma) = 1 / delta^2`` (lavaan's ``setResidualElements``); under the *theta*
parameterization the residual variances are parameters (1 in the first group) and
``D = diag(Sigma)^-1/2``. Continuous variables keep ``D = 1`` and enter with minus their mean
(lavaan's threshold of a continuous variable) and their variance.

Inference (lavaan's ``se = "robust.sem"``, ``test = "scaled.shifted"`` for WLSMV/ULSMV):
with ``E = sum_g f_g Delta_g' W_g Delta_g`` (``f_g = N_g / N``),
``vcov = E^-1 [sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g] E^-1 / (N - G)`` (G groups); the test statistic
``T = sum_g (N_g - 1) F_g``; with ``U = W - W Delta E^-1 Delta' W`` over all groups (``W`` weighted
by ``f_g``, ``Gamma`` by ``1 / f_g``), ``a = sqrt(df / tr((U Gamma)^2))`` and
``b = df - a tr(U Gamma)``, the scaled-shifted statistic ``a T + b`` (Asparouhov & Muthén 2010).
The robust CFI/TLI/RMSEA of categorical models (Savalei 2021; lavaan's ``lav_fit_catml_dwls``)
evaluate the ML discrepancy between the polychoric matrix and the implied correlations at the
DWLS estimates ("catML") with its own scaling; lavaan, and so this module, gives them only when every
observed variable is ordered.

Written by hand: no Python library fits SEMs to ordinal data (semopy has no WLSMV); the formulas
are those of lavaan's ``lav_model_wls``, ``lav_model_vcov``, ``lav_test_satorra_bentler`` and
``lav_fit_*`` functions, checked against lavaan 0.6.14 in tests/test_wlsmv.py.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import linalg, special

from ..errors import EstimationError, ModelSpecError, ResponseDataError, _warn_at_caller
from .build import layout
from .fit_measures import (
    RMSEA_CLOSE,
    RMSEA_NOTCLOSE,
    gfi_indices,
    hoelter,
    incremental_indices,
    ml_discrepancy,
    rmsea_indices,
)
from .ordinal import OrdinalStats, _distinct_answers
from .partable import ParRow, ParTable
from .problem import Group, Problem

ESTIMATORS = {  # estimator -> (weights, robust SEs and scaled-shifted test)
    "WLSMV": ("dwls", True), "DWLS": ("dwls", False), "ULSMV": ("uls", True), "ULS": ("uls", False),
}
MAX_ITERATIONS = 200
GRADIENT_TOLERANCE = 1e-9
# A near-singular information matrix on the way (a bootstrap resample with a sparse category) is not news:
# the step still descends, and a solution whose information is singular is reported as an EstimationError.
# A filter (not catch_warnings) because bootstrap resamples are fitted on threads.
warnings.filterwarnings("ignore", category=linalg.LinAlgWarning, module=__name__)


@dataclass
class CatGroup(Group):
    """One group: its matrix model, sample statistics and where each statistic comes from."""

    stats: OrdinalStats | None = None
    obs: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (k,) lavaan's WLS.obs
    weights: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (k,) diagonal weights
    gamma: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (k, k) NACOV
    tau_rows: list = field(default_factory=list)  # the group's '|' rows (ParTable order)
    tau_k: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # tau = tau_c + tau_k theta
    tau_c: np.ndarray = field(default_factory=lambda: np.zeros(0))
    delta_rows: list = field(default_factory=list)  # '~*~' rows
    delta_k: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # (p, n_theta)
    delta_c: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (p,)
    ordered: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # (p,)
    # positions in obs of each kind of statistic, and the variables (or threshold rows) they refer to
    th_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    th_var: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    th_src: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    mean_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    mean_var: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    var_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    var_var: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    cor_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    cor_i: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    cor_j: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    # conditional.x: the covariates' and the dependent variables' places in the observed variables, and the slopes'
    # statistics (positions in obs, the variable, the covariate's place among exo_idx)
    exo_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    endo_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    slope_pos: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    slope_var: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    slope_x: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    # the rows of the univariate statistics and of the correlations: Delta's columns are sparse by these blocks
    # (thresholds move only with threshold parameters, correlations only with the model's), see _block_columns
    row_blocks: tuple = ()

    def fix_columns(self, fixed: list[tuple[int, float]], keep: list[int]) -> None:
        """As :meth:`.Group.fix_columns`, for the thresholds and scale factors too."""
        super().fix_columns(fixed, keep)
        for k, value in fixed:
            self.tau_c = self.tau_c + self.tau_k[:, k] * value
            self.delta_c = self.delta_c + self.delta_k[:, k] * value
        self.tau_k, self.delta_k = self.tau_k[:, keep], self.delta_k[:, keep]


class CategoricalProblem(Problem):
    """The DWLS/ULS problem across groups (the ML :class:`.Problem`'s layout, plus thresholds and scales)."""

    def __init__(self, groups: list[CatGroup], names: list[str], start: np.ndarray, partable: ParTable,
                 parameterization: str, estimator: str, bounds: list[tuple[int, str, float]] | None = None):
        super().__init__(groups, names, start, True, partable, bounds)
        self.parameterization = parameterization
        self.estimator = estimator

    def describe(self, k: int) -> str:
        """As :meth:`.Problem.describe`; a threshold as its row ('u1 | t1')."""
        for g in self.groups:
            for n in np.flatnonzero(g.tau_k[:, k]):
                return f"{g.tau_rows[n].lhs} | {g.tau_rows[n].rhs}"
        return super().describe(k)

    def _narrowed(self, keep: list[int], bounds: list[tuple[int, str, float]]) -> CategoricalProblem:
        return CategoricalProblem(self.groups, [self.names[k] for k in keep], self.start[keep], self.partable,
                                  self.parameterization, self.estimator, bounds)

    def matrices(self, g: CatGroup, theta: np.ndarray) -> dict[str, np.ndarray]:
        """Model matrices at theta, with the delta parameterization's computed residual variances of
        ordered items, ``1 / delta^2 - diag(Lambda C Psi C' Lambda')`` (lavaan's setResidualElements),
        so standardized values, R-squared and their delta-method SEs follow theta."""
        mats = g.structure.matrices(self.local(g, theta))
        if self.parameterization == "delta" and g.ordered.any():
            lam = mats["lambda"]
            c = g.structure.inverse_i_minus_b(mats["beta"])
            # an ordered item in the structural part (regressed on a covariate, say) has its residual variance in
            # Psi: left out of its common part, then set there
            inner = {v: k for k, v in enumerate(g.structure.inner)}
            in_psi = [(j, inner[g.structure.observed[j]]) for j in np.flatnonzero(g.ordered)
                      if g.structure.observed[j] in inner]
            for _, k in in_psi:
                mats["psi"][k, k] = 0.0
            if len(g.exo_idx):  # the scale factors are those of y* given the covariates (lavaan's conditional.x)
                common_cov = lam @ c @ mats["psi"] @ c.T @ lam.T
                x = g.exo_idx
                explained = common_cov[:, x] @ np.linalg.inv(common_cov[np.ix_(x, x)])
                common = np.diag(common_cov) - (explained * common_cov[:, x]).sum(axis=1)
            else:
                common = ((lam @ c @ mats["psi"] @ c.T) * lam).sum(axis=1)
            d = g.delta_c + g.delta_k @ theta
            o = np.flatnonzero(g.ordered)
            mats["theta"][o, o] = 1.0 / d[o] ** 2 - common[o]
            for j, k in in_psi:
                mats["psi"][k, k], mats["theta"][j, j] = mats["theta"][j, j], 0.0
        return mats

    # ----- implied statistics ----------------------------------------------------------------------
    def scales(self, g: CatGroup, theta: np.ndarray, sigma: np.ndarray, dvar: np.ndarray | None = None):
        """D (p,) and dD/dtheta (p, n_theta); ``dvar`` (n_theta, p): the derivatives of diag(Sigma), needed under
        the theta parameterization (None: the derivatives are not wanted, dD is returned as zeros)."""
        if self.parameterization == "delta":
            return g.delta_c + g.delta_k @ theta, g.delta_k
        d = np.ones(g.p)
        dd = np.zeros((g.p, self.n_free))
        o = np.flatnonzero(g.ordered)
        var = np.diag(sigma)[o]
        if np.any(var <= 0):
            d[o] = np.nan
            return d, dd
        d[o] = var ** -0.5
        if dvar is not None:
            dd[o] = -0.5 * (var ** -1.5)[:, None] * dvar[:, o].T
        return d, dd

    def wls_est(self, g: CatGroup, theta: np.ndarray, jacobian: bool = True):
        """lavaan's WLS.est (k,) at theta, and its Jacobian Delta (k, n_theta)."""
        nt = self.n_free
        i, j = g.cor_i, g.cor_j
        if jacobian:
            # each free row moves Sigma by u_k v_k' + v_k u_k' (MatrixModel.rank2): the variances' and the correlated
            # pairs' derivatives straight from the p x k factors, without the k dense p x p derivatives
            sigma, mu, u, v, dm_local = g.structure.rank2(self.local(g, theta))
            if len(g.exo_idx):
                sigma, mu, pi, u, v, dm_local, dpi = _given_x(g, sigma, mu, u, v, dm_local)
                dpi = g.to_theta(dpi)
            dvar, dcor = g.to_theta((2 * u * v).T), g.to_theta((u[i] * v[j] + v[i] * u[j]).T)
            dmu = g.to_theta(dm_local) if len(dm_local) else np.zeros((nt, g.p))
        else:
            imp = g.structure.implied(self.local(g, theta), derivatives=False)
            sigma, mu = imp.sigma, imp.mu
            if len(g.exo_idx):
                sigma, mu, pi = _given_x(g, sigma, mu)[:3]
            dvar = dmu = None
        d, dd = self.scales(g, theta, sigma, dvar)
        tau = g.tau_c + g.tau_k @ theta
        est = np.empty(len(g.obs))
        v, src = g.th_var, g.th_src
        gap = tau[src] - mu[v]
        est[g.th_pos] = d[v] * gap
        est[g.mean_pos] = -mu[g.mean_var]
        est[g.var_pos] = sigma[g.var_var, g.var_var]
        est[g.cor_pos] = d[i] * d[j] * sigma[i, j]
        if len(g.slope_pos):  # conditional.x: lavaan's res.slopes, the scaled regressions of y* on the covariates
            est[g.slope_pos] = d[g.slope_var] * pi[g.slope_var, g.slope_x]
        if not jacobian:
            return est, None
        jac = np.empty((len(g.obs), nt))
        # terms that are zero by the model's structure are skipped: no mean structure (dmu 0), fixed scales (dD 0)
        moving_scales = dd.any()
        th = g.tau_k[src] - dmu[:, v].T if len(dm_local) else g.tau_k[src]
        th = d[v][:, None] * th
        jac[g.th_pos] = th + gap[:, None] * dd[v] if moving_scales else th
        jac[g.mean_pos] = -dmu[:, g.mean_var].T
        jac[g.var_pos] = dvar[:, g.var_var].T
        cor = (d[i] * d[j])[:, None] * dcor.T
        jac[g.cor_pos] = (cor + sigma[i, j][:, None] * (d[j][:, None] * dd[i] + d[i][:, None] * dd[j])
                          if moving_scales else cor)
        if len(g.slope_pos):
            sv, sx = g.slope_var, g.slope_x
            slope = d[sv][:, None] * dpi[:, sv, sx].T
            jac[g.slope_pos] = slope + pi[sv, sx][:, None] * dd[sv] if moving_scales else slope
        return est, jac

    def given_x(self, g: CatGroup, sigma: np.ndarray) -> np.ndarray:
        """The implied covariance with the dependent variables' block given the covariates (conditional.x; as
        given without covariates)."""
        return _given_x(g, sigma, np.zeros(len(sigma)))[0] if len(g.exo_idx) else sigma

    def fractions(self) -> np.ndarray:
        """f_g = N_g / N: the groups' weights in the information E (lavaan's lav_model_information)."""
        return np.array([g.n for g in self.groups], dtype=float) / self.n_total

    def objective_weights(self) -> np.ndarray:
        """The groups' weights in the discrepancy minimised, (N_g - 1) / (N - G): lavaan minimises
        sum_g (N_g - 1) / N F_g for least-squares estimators (lav_model_objective), the same minimum (the constant
        N / (N - G) aside; one group's weight is 1). With several groups and parameters shared between them the
        estimates differ from those of the weights N_g / N (by 2.9e-4 on groups of 350 and 150, equal loadings)."""
        return np.array([g.n - 1 for g in self.groups], dtype=float) / (self.n_total - len(self.groups))

    def objective(self, theta: np.ndarray) -> tuple[float, list[float]]:
        """(sum_g w_g F_g, [F_g]), w the objective_weights."""
        parts = []
        for g in self.groups:
            est, _ = self.wls_est(g, theta, jacobian=False)
            r = g.obs - est
            parts.append(float(np.sum(g.weights * r * r)))
        return float(self.objective_weights() @ np.array(parts)), parts

    def normal_equations(self, theta: np.ndarray, weights: np.ndarray | None = None):
        """F, the Gauss-Newton matrix E = sum w_g Delta' W Delta, the score sum w_g Delta' W r, Deltas; w the
        objective_weights unless given (fractions() for the information)."""
        e = np.zeros((self.n_free, self.n_free))
        score = np.zeros(self.n_free)
        total = 0.0
        deltas = []
        for fg, g in zip(self.objective_weights() if weights is None else weights, self.groups, strict=True):
            est, jac = self.wls_est(g, theta)
            r = g.obs - est
            wr = g.weights * r
            _add_gauss_newton(e, jac, g, fg)
            score += fg * (jac.T @ wr)
            total += fg * float(wr @ r)
            deltas.append(jac)
        return total, e, score, deltas

    def information(self, deltas: list[np.ndarray]) -> np.ndarray:
        """E = sum_g f_g Delta_g' W_g Delta_g, f_g = N_g / N (lavaan's expected information for DWLS/ULS)."""
        e = np.zeros((self.n_free, self.n_free))
        for fg, g, jac in zip(self.fractions(), self.groups, deltas, strict=True):
            _add_gauss_newton(e, jac, g, fg)
        return e


def _given_x(g: CatGroup, sigma: np.ndarray, mu: np.ndarray, u: np.ndarray | None = None,
             v: np.ndarray | None = None, dm: np.ndarray | None = None):
    """The moments of the dependent variables given the covariates (lavaan's res.cov, res.int, res.slopes), from
    the joint model whose covariates' moments are fixed at the sample's (fixed.x): ``Pi = Sigma_yx Sigma_xx^-1``,
    ``Sigma_y|x = Sigma_yy - Pi Sigma_xy``, ``mu_y|x = mu_y - Pi mu_x``, in the full ``(p, p)`` / ``(p,)`` arrays
    (the covariates' own entries left as they are; ``Pi`` ``(p, q)`` is zero on their rows).

    With the derivatives' rank-2 factors ``u``, ``v`` ``(p, k)`` (:meth:`.MatrixModel.rank2`) and ``dm`` ``(k, p)``
    (or empty), since the covariates' moments do not move (``d Sigma_xx = 0``): the conditional covariance moves by
    ``u~ v~' + v~ u~'`` with ``u~ = u_y - Pi u_x``, ``v~ = v_y - Pi v_x``, the slopes by ``dPi = u~ (S^-1 v_x)' +
    v~ (S^-1 u_x)'`` per row, the intercepts by ``dm_y - dPi mu_x``. Returns (sigma, mu, Pi) and, with ``u``,
    (u~, v~, dm, dPi ``(k, p, q)``)."""
    x, y = g.exo_idx, g.endo_idx
    s_inv = np.linalg.inv(sigma[np.ix_(x, x)])
    pi = np.zeros((len(sigma), len(x)))
    pi[y] = sigma[np.ix_(y, x)] @ s_inv
    sigma = sigma.copy()
    sigma[np.ix_(y, y)] -= pi[y] @ sigma[np.ix_(x, y)]
    mu = mu.copy()
    mu[y] -= pi[y] @ mu[x]
    if u is None:
        return sigma, mu, pi
    u, v = u.copy(), v.copy()
    u[y] -= pi[y] @ u[x]
    v[y] -= pi[y] @ v[x]
    su, sv = s_inv @ u[x], s_inv @ v[x]  # (q, k)
    u[x] = v[x] = 0.0  # the covariates' block does not move
    dpi = np.einsum("ik,ak->kia", u, sv) + np.einsum("ik,ak->kia", v, su)
    dm = dm.copy() if len(dm) else np.zeros((u.shape[1], len(sigma)))
    dm -= dpi @ mu[x]
    return sigma, mu, pi, u, v, dm, dpi


def _add_gauss_newton(e: np.ndarray, jac: np.ndarray, g: CatGroup, weight: float) -> None:
    """e += weight Delta' W Delta, over Delta's non-zero blocks."""
    for rows, cols in _block_columns(jac, g.row_blocks):
        cols = _as_slice(cols)  # views, not copies, where the block's parameters are consecutive
        block = jac[rows][:, cols]
        e[(cols, cols) if isinstance(cols, slice) else np.ix_(cols, cols)] += \
            weight * (block.T @ (block * g.weights[rows, None]))


def _block_columns(jac: np.ndarray, row_blocks: tuple) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each row block of a Jacobian with the columns it has non-zero: products over Delta are sums over these
    blocks, each a fraction of the whole (thresholds touch only their own parameters, correlations only the
    model's: 100 x 100 and 300 x 35 blocks instead of 400 x 135 for 25 five-point items)."""
    return [(rows, np.flatnonzero(np.any(jac[rows] != 0, axis=0))) for rows in row_blocks]


def _times_sparse(gamma: np.ndarray, wd: np.ndarray, blocks: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """``gamma @ wd`` for a ``wd`` sparse by row blocks: each column through the rows where it is non-zero."""
    member = np.zeros((len(blocks), wd.shape[1]), dtype=bool)
    for b, (_, cols) in enumerate(blocks):
        member[b, cols] = True
    out = np.zeros((gamma.shape[0], wd.shape[1]))
    for pattern in {tuple(m) for m in member.T.tolist()}:
        if not any(pattern):
            continue
        cols = np.flatnonzero((member.T == pattern).all(axis=1))
        rows = [blocks[b][0] for b, used in enumerate(pattern) if used]
        rows = rows[0] if len(rows) == 1 else np.concatenate([np.arange(len(gamma))[r] for r in rows])
        out[:, cols] = gamma[:, rows] @ wd[rows][:, cols]
    return out


@dataclass(frozen=True)
class CatSolution:
    theta: np.ndarray
    fmin: float
    group_f: list[float]
    information: np.ndarray  # E = sum_g f_g Delta' W Delta
    deltas: list
    iterations: int
    gradient_max: float


def build_categorical(partable: ParTable, stats: list[tuple[str, OrdinalStats]], estimator: str,
                      parameterization: str) -> CategoricalProblem:
    """The problem for a ParTable with ordered items and per-group (label, sample statistics)."""
    lay = layout(partable)
    weights_kind = ESTIMATORS[estimator][0]
    observed = list(partable.ov_names)
    ov = {v: i for i, v in enumerate(observed)}
    n_theta = lay.basis.shape[1]
    groups: list[CatGroup] = []
    for g_no, (label, st) in enumerate(stats, start=1):
        structure = lay.structures[g_no - 1]
        rows_g = [r for r in partable.rows if r.group == g_no]
        tau_rows = [r for r in rows_g if r.op == "|"]
        delta_rows = [r for r in rows_g if r.op == "~*~"]
        tau_k, tau_c = _row_maps(tau_rows, lay, n_theta)
        d_k_rows, d_c_rows = _row_maps(delta_rows, lay, n_theta)
        delta_k, delta_c = np.zeros((len(observed), n_theta)), np.ones(len(observed))
        for n, r in enumerate(delta_rows):
            delta_k[ov[r.lhs]] = d_k_rows[n]
            delta_c[ov[r.lhs]] = d_c_rows[n]
        ordered = np.array([v in st.ordered for v in observed], dtype=bool)
        exo = list(st.exogenous)  # conditional.x: the covariates, conditioned on, not among the statistics' variables
        if list(st.variables) != [v for v in observed if v not in set(exo)]:
            raise ModelSpecError("internal: the sample statistics' variables are not in the model's order.")
        tau_at = {f"{r.lhs}|{r.rhs}": n for n, r in enumerate(tau_rows)}
        names = list(st.wls_obs.index)
        th_pos, th_var, th_src, mean_pos, mean_var, var_pos, var_var, cor_pos, cor_i, cor_j = ([] for _ in range(10))
        slope_pos, slope_var, slope_x = [], [], []
        exo_at = {v: a for a, v in enumerate(exo)}
        for pos, name in enumerate(names):
            if "~" in name and "~~" not in name and not name.endswith("~1"):  # a slope, 'item~x' (conditional.x)
                a, b = name.split("~")
                slope_pos.append(pos)
                slope_var.append(ov[a])
                slope_x.append(exo_at[b])
            elif "|" in name:
                if name not in tau_at:
                    raise ModelSpecError(f"the data give threshold {name!r} but the model has no such row; "
                                         "an item has more categories than the model was built for.")
                th_pos.append(pos)
                th_var.append(ov[name.split("|")[0]])
                th_src.append(tau_at[name])
            elif name.endswith("~1"):
                mean_pos.append(pos)
                mean_var.append(ov[name[:-2]])
            else:
                a, b = name.split("~~")
                if a == b:
                    var_pos.append(pos)
                    var_var.append(ov[a])
                else:
                    cor_pos.append(pos)
                    cor_i.append(ov[a])
                    cor_j.append(ov[b])
        if len(th_pos) != len(tau_rows):
            given = {}
            for name in names:
                if "|" in name:
                    given[name.split("|")[0]] = given.get(name.split("|")[0], 0) + 1
            short = [(v, sum(1 for r in tau_rows if r.lhs == v), given.get(v, 0)) for v in st.ordered
                     if sum(1 for r in tau_rows if r.lhs == v) != given.get(v, 0)]
            item, want, have = short[0] if short else ("an item", len(tau_rows), len(th_pos))
            where = f" in group {label!r}" if len(stats) > 1 else ""
            raise ModelSpecError(f"ordered item {item!r} has {have + 1} answer categories{where} but {want + 1} in the "
                                 "whole data: a category nobody in this group chose. lavaan stops here too; merge "
                                 "sparse categories (e.g. recode 1 and 2 together) or compare larger groups.")
        cov = st.covariance.to_numpy()
        means = np.zeros(len(observed))
        for v in st.continuous:
            means[ov[v]] = float(st.means[v])
        exo_idx = np.array([ov[v] for v in exo], dtype=int)
        endo_idx = np.array([ov[v] for v in st.variables], dtype=int)
        if exo:  # the joint moments the residual statistics and slopes imply (fixed.x: the covariates' own)
            cov, means = _joint_moments(st, exo_idx, endo_idx, means)
            structure = structure.with_values(_exo_row_values(partable, g_no, observed, cov, means))
        arr = lambda x: np.asarray(x, dtype=int)  # noqa: E731
        weights = st.dwls_weights.to_numpy() if weights_kind == "dwls" else np.ones(len(names))
        groups.append(CatGroup(
            label=label, structure=structure, s=cov, m=means, n=st.nobs, k_map=lay.k_maps[g_no - 1].copy(),
            x0=lay.x0s[g_no - 1].copy(), stats=st, obs=st.wls_obs.to_numpy(), weights=weights,
            gamma=st.nacov.to_numpy() if st.nacov is not None else np.zeros((0, 0)),  # None: a resample's
            tau_rows=tau_rows, tau_k=tau_k, tau_c=tau_c, delta_rows=delta_rows,
            delta_k=delta_k, delta_c=delta_c, ordered=ordered, th_pos=arr(th_pos), th_var=arr(th_var),
            th_src=arr(th_src), mean_pos=arr(mean_pos), mean_var=arr(mean_var), var_pos=arr(var_pos),
            var_var=arr(var_var), cor_pos=arr(cor_pos), cor_i=arr(cor_i), cor_j=arr(cor_j),
            exo_idx=exo_idx, endo_idx=endo_idx, slope_pos=arr(slope_pos), slope_var=arr(slope_var),
            slope_x=arr(slope_x),
            row_blocks=(_as_slice(np.sort(arr(th_pos + mean_pos + var_pos + slope_pos))), _as_slice(arr(cor_pos)))))
    start = _start(lay, groups, n_theta)
    # inequality constraints: held by the active set of solve_constrained (the Gauss-Newton steps have no bounds)
    problem = CategoricalProblem(groups, list(lay.names), start, partable, parameterization, estimator,
                                 list(lay.bounds))
    problem.layout = lay
    return problem


def _joint_moments(st: OrdinalStats, exo_idx: np.ndarray, endo_idx: np.ndarray,
                   means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """conditional.x: the covariance and means of all observed variables, covariates included, that the residual
    statistics, slopes and the covariates' moments (lavaan's cov.x, mean.x) imply: ``S_yy = R + B S_xx B'``,
    ``S_yx = B S_xx``, ``m_y = a + B m_x`` (ordered items: intercept 0). The starting values and the fixed.x rows
    come from these."""
    p = len(exo_idx) + len(endo_idx)
    b = st.slopes.to_numpy()
    s_xx, m_x = st.exo_cov.to_numpy(), st.exo_means.to_numpy()
    cov, m = np.zeros((p, p)), means.copy()
    cov[np.ix_(endo_idx, endo_idx)] = st.covariance.to_numpy() + b @ s_xx @ b.T
    cov[np.ix_(endo_idx, exo_idx)] = b @ s_xx
    cov[np.ix_(exo_idx, endo_idx)] = s_xx @ b.T
    cov[np.ix_(exo_idx, exo_idx)] = s_xx
    m[endo_idx] += b @ m_x
    m[exo_idx] = m_x
    return cov, m


def _exo_row_values(partable: ParTable, group: int, observed: list[str], cov: np.ndarray,
                    means: np.ndarray) -> dict[int, float]:
    """The fixed.x rows' values (the covariates' variances, covariances and means, exo = 1) from the sample; the
    conditional.x regressions, also exo = 1, are free parameters and are left out."""
    ov = {v: i for i, v in enumerate(observed)}
    return {r.id: float(means[ov[r.lhs]]) if r.op == "~1" else float(cov[ov[r.lhs], ov[r.rhs]])
            for r in partable.model_rows(group) if r.exo and r.op in ("~~", "~1")}


def _block(matrix: np.ndarray, rows: slice | np.ndarray) -> np.ndarray:
    """The square block of ``matrix`` on ``rows`` (a view when they are a slice)."""
    return matrix[rows, rows] if isinstance(rows, slice) else matrix[np.ix_(rows, rows)]


def _squares_form(gamma: np.ndarray, w: np.ndarray) -> float:
    """``w' (Gamma * Gamma) w``, i.e. tr((W Gamma)^2) for a diagonal W, by bands of rows: the k x k square of Gamma
    would be fresh memory, whose pages cost more than the arithmetic on them."""
    total = 0.0
    with np.errstate(over="ignore"):  # a degenerate Gamma (ordinal_sample_stats warns of it): inf, NaN statistics
        for lo in range(0, len(w), 64):
            band = gamma[lo:lo + 64]
            total += float(w[lo:lo + 64] @ ((band * band) @ w))
    return total


def _as_slice(index: np.ndarray) -> slice | np.ndarray:
    """A run of consecutive positions as a slice (views instead of copies of the blocks read with it)."""
    if len(index) and np.array_equal(index, np.arange(index[0], index[0] + len(index))):
        return slice(int(index[0]), int(index[0]) + len(index))
    return index


def _row_maps(rows: list[ParRow], lay, n_theta: int) -> tuple[np.ndarray, np.ndarray]:
    """Row values = c + K theta for rows outside the matrices (thresholds, scale factors)."""
    k = np.zeros((len(rows), n_theta))
    c = np.zeros(len(rows))
    for n, r in enumerate(rows):
        if r.is_free:
            cl = lay.class_of[r.id]
            k[n] = lay.basis[cl]
            c[n] = lay.c0[cl]
        else:
            c[n] = 0.0 if np.isnan(r.ustart) else r.ustart
    return k, c


def _start(lay, groups: list[CatGroup], n_theta: int) -> np.ndarray:
    """Per class: the first row's start (sample thresholds; the ML starts on the polychoric matrix)."""
    start_cls = np.zeros(len(lay.class_rows))
    seen = set()
    for g in groups:
        st = g.structure.start(g.s, g.m)
        for n_local, pos in enumerate(g.structure.free):
            r = g.structure.rows[pos]
            cl = lay.class_of[r.id]
            if cl not in seen:
                seen.add(cl)
                start_cls[cl] = st[n_local]
        sample_th = dict(zip(g.stats.thresholds.index, g.stats.thresholds.to_numpy().tolist(), strict=True))
        for r in g.tau_rows:
            if r.is_free:
                cl = lay.class_of[r.id]
                if cl not in seen:
                    seen.add(cl)
                    start_cls[cl] = r.ustart if not np.isnan(r.ustart) else sample_th.get(f"{r.lhs}|{r.rhs}", 0.0)
        for r in g.delta_rows:
            if r.is_free:
                cl = lay.class_of[r.id]
                if cl not in seen:
                    seen.add(cl)
                    start_cls[cl] = 1.0 if np.isnan(r.ustart) else r.ustart
    if not n_theta:
        return np.zeros(0)
    if lay.basis.shape[0] == n_theta and np.array_equal(lay.basis, np.eye(n_theta)):  # no equality constraints
        return start_cls - lay.c0
    return np.linalg.lstsq(lay.basis, start_cls - lay.c0, rcond=None)[0]


def solve_categorical(problem: CategoricalProblem, tol: float = GRADIENT_TOLERANCE) -> CatSolution:
    """Minimise the DWLS/ULS discrepancy by Gauss-Newton with step halving, until the largest score is below
    ``tol`` (a bootstrap resample's refit needs less than the fit itself, as the ML refits).

    Raises
    ------
    EstimationError
        No convergence in MAX_ITERATIONS, or an information matrix that is singular (not identified).
    """
    theta = problem.start.copy()
    f, e, score, deltas = problem.normal_equations(theta)
    it = 0
    while it < MAX_ITERATIONS:
        it += 1
        gmax = float(np.max(np.abs(score))) if len(score) else 0.0
        if gmax < tol:
            break
        try:
            step = linalg.cho_solve(linalg.cho_factor(e, check_finite=False), score, check_finite=False)
            if not np.all(np.isfinite(step)):
                raise ValueError("a non-finite step")
        except (linalg.LinAlgError, ValueError):
            step = np.linalg.lstsq(e, score, rcond=None)[0]
        # the full step is taken almost always: evaluate it with its Jacobian at once (the next step needs it),
        # and shorter ones, if it does not descend, by the discrepancy alone
        t = 1.0
        trial = theta + step
        full = problem.normal_equations(trial)
        f_new = full[0]
        while not (np.isfinite(f_new) and f_new <= f + 1e-12 * abs(f)):
            t /= 2
            if t < 1e-10:
                break
            trial = theta + t * step
            f_new = problem.objective(trial)[0]
        if t < 1e-10:  # no decrease along the Gauss-Newton direction: at the optimum to rounding
            break
        theta = trial
        f_prev = f
        f, e, score, deltas = full if t == 1.0 else problem.normal_equations(theta)
        if abs(f_prev - f) <= 1e-15 * max(abs(f), 1e-300) and np.max(np.abs(t * step)) < 1e-10:
            break
    if it >= MAX_ITERATIONS:
        raise EstimationError(f"the {problem.estimator} estimation did not converge in {MAX_ITERATIONS} "
                              "iterations; check the model (identification, starting values).")
    _, group_f = problem.objective(theta)
    if len(problem.groups) > 1:  # the information weighs groups by N_g / N, the objective by (N_g - 1) / (N - G)
        e = problem.information(deltas)
        f = float(problem.fractions() @ np.array(group_f))
    error = problem.identification_error(e, unit_free=True)
    if error is not None:
        raise error
    gmax = float(np.max(np.abs(score))) if len(score) else 0.0
    return CatSolution(theta, f, group_f, e, deltas, it, gmax)


def solve_constrained(problem: CategoricalProblem,
                      tol: float = GRADIENT_TOLERANCE) -> tuple[CategoricalProblem, CatSolution]:
    """:func:`solve_categorical`, holding inequality constraints ('a > 0.2') by the active set the ML fits use
    (``fit._hold_bounds``): a parameter the free solution puts past its bound is fixed there and the model refitted.
    As lavaan's: the estimates, SEs and the test's scaling are those of the model with the parameter fixed, while it
    still counts as free in npar and df (``problem.active_bounds``)."""
    from .fit import _hold_bounds

    problem, sol, _ = _hold_bounds(problem, lambda base, first: (base, solve_categorical(base, tol=tol), None))
    return problem, sol


# ----- inference --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RobustParts:
    """What the robust SEs and the scaled-shifted test share: ``E^-1``, the sandwich's meat
    ``sum_g f_g Delta_g' W_g Gamma_g W_g Delta_g`` and ``tr(U Gamma)``, ``tr((U Gamma)^2)``."""

    e_inv: np.ndarray
    meat: np.ndarray
    tr1: float
    tr2: float


def robust_parts(problem: CategoricalProblem, sol: CatSolution) -> RobustParts:
    """E^-1, the meat and the traces of U Gamma with U = W - W Delta E^-1 Delta' W (all groups).

    With A = W^1/2 Gamma W^1/2 and B = W^1/2 Delta (W weighted by f_g and Gamma by 1 / f_g, so A is the
    groups' W_g^1/2 Gamma_g W_g^1/2) and the projection P = B E^-1 B': tr(U Gamma) = tr(A) - tr(E^-1 B'AB)
    and tr((U Gamma)^2) = tr(A^2) - 2 tr(E^-1 (AB)'(AB)) + tr((E^-1 B'AB)^2). AB needs one k x k by k x q
    product per group, B'AB is the meat: no k x k product (k the statistics, often hundreds) is formed.
    """
    e_inv = np.linalg.inv(sol.information)
    q = problem.n_free
    meat, mtm = np.zeros((q, q)), np.zeros((q, q))
    tr_a = tr_aa = 0.0
    for fg, g, delta in zip(problem.fractions(), problem.groups, sol.deltas, strict=True):
        w = g.weights
        wd = delta * w[:, None]
        blocks = _block_columns(delta, g.row_blocks)
        x = _times_sparse(g.gamma, wd, blocks)  # Gamma W Delta
        for rows, cols in blocks:
            meat[cols] += fg * (wd[rows][:, cols].T @ x[rows])
        root = x * np.sqrt(w)[:, None]  # X' W X as Y'Y: one symmetric product (the weights are positive)
        mtm += fg * (root.T @ root)
        tr_a += float(w @ np.diag(g.gamma))
        tr_aa += _squares_form(g.gamma, w)
    em = e_inv @ meat
    tr2 = tr_aa - 2 * float(np.sum(e_inv * mtm)) + float(np.sum(em * em.T))
    return RobustParts(e_inv, meat, tr_a - float(np.trace(em)), tr2)


def robust_vcov(problem: CategoricalProblem, sol: CatSolution, parts: RobustParts | None = None) -> np.ndarray:
    """lavaan's ``se = "robust.sem"``: E^-1 Delta' W Gamma W Delta E^-1 / (N - G)."""
    parts = parts or robust_parts(problem, sol)
    return parts.e_inv @ parts.meat @ parts.e_inv / (problem.n_total - len(problem.groups))


def standard_vcov(problem: CategoricalProblem, sol: CatSolution) -> np.ndarray:
    """lavaan's ``se = "standard"`` for DWLS/ULS: E^-1 / (N - G)."""
    return np.linalg.inv(sol.information) / (problem.n_total - len(problem.groups))


def _scaled_shifted(t: float, df: int, tr1: float, tr2: float) -> tuple[float, float, float]:
    """(statistic, scaling factor 1/a, shift b) of the mean-and-variance adjusted test."""
    if df <= 0:  # a saturated model: the statistic (0) stands unscaled, as lavaan reports it
        return t, math.nan, math.nan
    a = math.sqrt(df / tr2) if tr2 > 0 else 0.0
    if not 0 < a < math.inf:  # no positive, finite trace of (U Gamma)^2: no scaling to give
        return math.nan, math.nan, math.nan
    b = df - a * tr1
    return a * t + b, 1 / a, b


def _baseline(problem: CategoricalProblem) -> tuple[float, int, float, float]:
    """Independence model: correlations 0, thresholds/means/variances saturated (T, df, traces)."""
    t, df, tr1, tr2 = 0.0, 0, 0.0, 0.0
    for g in problem.groups:
        c = g.cor_pos
        t += (g.n - 1) * float(np.sum(g.weights[c] * g.obs[c] ** 2))
        df += len(c)
        w, gamma = g.weights[c], _block(g.gamma, g.row_blocks[1])  # U Gamma = W Gamma: traces without forming it
        tr1 += float(w @ np.diag(gamma))
        tr2 += _squares_form(gamma, w)
    return t, df, tr1, tr2


def _residual_summaries(problem: CategoricalProblem, theta: np.ndarray, ests: list[np.ndarray]) -> dict[str, float]:
    """The root mean square residuals lavaan's ``lav_fit_srmr_lavobject`` reports for categorical data, each group's
    weighted by N_g / N (``lav_residuals_summary``): of the correlations off the diagonal (Bentler's ``cor.bentler``
    on the observed SDs, Bollen's ``cor.bollen`` observed minus implied correlations, and raw for ``rmr``) and, in
    the versions without ``_nomean``, the ordered items' thresholds, raw.
    Bentler's and the raw ones count one zero per observed variable (pstar + p, the covariates included), Bollen's do
    not. ``srmr`` is Bentler's without the thresholds; the Mplus versions are NaN (lavaan's NA for categorical data).
    ``ests``: each group's implied statistics at theta (``wls_est``).
    """
    sums: dict[str, float] = {}
    for fg, g, est in zip(problem.fractions(), problem.groups, ests, strict=True):
        imp = g.structure.implied(problem.local(g, theta), derivatives=False)
        sigma = problem.given_x(g, imp.sigma)  # conditional.x: the residual correlations
        d, _ = problem.scales(g, theta, sigma)
        y = g.endo_idx
        star = (sigma * np.outer(d, d))[np.ix_(y, y)]
        var_obs = np.where(g.ordered[y], 1.0, np.diag(g.stats.covariance.to_numpy()))
        var_est = np.where(g.ordered[y], 1.0, np.diag(star))
        obs = g.stats.correlation.to_numpy() * np.sqrt(np.outer(var_obs, var_obs))  # lavaan's sample "cov"
        il = np.tril_indices(len(y), -1)
        raw = (obs - star)[il]
        bentler = ((obs - star) / np.sqrt(np.outer(var_obs, var_obs)))[il]
        bollen = (obs / np.sqrt(np.outer(var_obs, var_obs)) - star / np.sqrt(np.outer(var_est, var_est)))[il]
        th = g.obs[g.th_pos] - est[g.th_pos]  # the ordered items' thresholds (not continuous variables' means)
        ss_th, n_pairs, n_th = float(th @ th), len(il[0]), len(th)
        parts = {"rmr": ((raw @ raw + ss_th) / (n_pairs + n_th + g.p)),
                 "rmr_nomean": (raw @ raw) / (n_pairs + g.p),
                 "srmr_bentler": (bentler @ bentler + ss_th) / (n_pairs + n_th + g.p),
                 "srmr_bentler_nomean": (bentler @ bentler) / (n_pairs + g.p),
                 "crmr": (bollen @ bollen + ss_th) / (n_pairs + n_th) if n_pairs + n_th else 0.0,
                 "crmr_nomean": (bollen @ bollen) / n_pairs if n_pairs else 0.0}
        for key, mean_square in parts.items():
            sums[key] = sums.get(key, 0.0) + fg * math.sqrt(float(mean_square))
    return {"srmr": sums["srmr_bentler_nomean"], **sums, "srmr_mplus": math.nan, "srmr_mplus_nomean": math.nan}


def _gfi(problem: CategoricalProblem, ests: list[np.ndarray], df: int) -> dict[str, float]:
    """GFI, AGFI and PGFI with the estimator's weights (lavaan's ``lav_fit_gfi_lavobject``: ``1 - e'We / s'Ws``
    over the sample statistics s, residuals e and the DWLS (ULS: unit) weights W; groups weighted by N_g);
    ``ests`` each group's implied statistics."""
    gfi_sum = 0.0
    for g, est in zip(problem.groups, ests, strict=True):
        r = g.obs - est
        gfi_sum += g.n * (1.0 - float(g.weights @ (r * r)) / float(g.weights @ (g.obs * g.obs)))
    gfi = gfi_sum / problem.n_total
    nel = sum(len(g.obs) for g in problem.groups)
    return gfi_indices(gfi, nel, df)


def _catml(problem: CategoricalProblem, sol: CatSolution, e_inv: np.ndarray | None = None) -> dict[str, float] | None:
    """Savalei's (2021) robust CFI/TLI/RMSEA ingredients (lavaan's ``lav_fit_catml_dwls``), or None.

    ``ks = tr(A' V A Gamma)`` over the correlations, with ``A = I - Delta Q``, ``Q = E^-1 Delta' W`` and
    ``V`` the ML weight of a correlation structure at the implied matrix (``V_ab = S_ii' S_jj' + S_ij' S_ji'``,
    ``S`` its inverse, pair a = (i, j), b = (i', j')), V and Gamma block diagonal over groups (weighted by f_g and
    1 / f_g). Expanded as ``tr(V Gamma) - 2 tr(E^-1 C1) + tr(C2 E^-1 C3 E^-1)`` with ``C1 = Delta' W Gamma V
    Delta``, ``C2 = Delta' V Delta``, ``C3 = Delta' W Gamma W Delta``, so no product of two k x k matrices is
    formed (k the correlations, often hundreds).
    """
    if any(not g.ordered.all() or len(g.exo_idx) for g in problem.groups):
        return None  # lavaan: only when every variable is ordered, and not conditional on covariates
    if _constrains_thresholds(problem.partable):
        return None  # lavaan's catML model has no threshold or intercept rows, so a constraint on them fails there
    q = problem.n_free
    xx3 = xx3_null = 0.0
    # lavaan refits the correlations alone (its catML model has no threshold or scale rows): df3 counts the
    # correlations and the other parameters, so a threshold fixed in the syntax does not count (problem_df would)
    outside = np.zeros(problem.n_free, dtype=bool)
    for g in problem.groups:
        outside |= np.any(g.tau_k != 0, axis=0) | np.any(g.delta_k != 0, axis=0)
    df3 = sum(len(g.cor_pos) for g in problem.groups) - (problem_npar(problem) - int(outside.sum()))
    df3_null = 0
    tr_vg = tr_gamma = 0.0
    c1, c2, c3 = np.zeros((q, q)), np.zeros((q, q)), np.zeros((q, q))
    for fg, g, delta in zip(problem.fractions(), problem.groups, sol.deltas, strict=True):
        r = g.stats.correlation.to_numpy()
        if np.linalg.eigvalsh(r)[0] < np.sqrt(np.finfo(float).eps):
            return None  # lavaan smooths the matrix and refits; not reproduced: reported as NaN
        imp = g.structure.implied(problem.local(g, sol.theta), derivatives=False)
        d, _ = problem.scales(g, sol.theta, imp.sigma)
        sigma = imp.sigma * np.outer(d, d)
        np.fill_diagonal(sigma, 1.0)
        p = g.p
        s_inv = np.linalg.inv(sigma)
        # lavaan's ML discrepancy is Inf at an implied matrix that is not positive definite (a Heywood case)
        xx3 += g.n * ml_discrepancy(r, sigma)
        xx3_null += -g.n * float(np.linalg.slogdet(r)[1])
        df3_null += p * (p - 1) // 2
        i, j, c = g.cor_i, g.cor_j, g.cor_pos
        gamma = _block(g.gamma, g.row_blocks[1])
        used = np.flatnonzero(np.any(delta[c] != 0, axis=0))  # the parameters correlations move with
        dc, w, at = delta[np.ix_(c, used)], g.weights[c], np.ix_(used, used)
        gwd = gamma @ (w[:, None] * dc)
        # V by bands of rows, from the rows of S (no k x k array: fresh pages cost more than the arithmetic)
        rows_i, rows_j = s_inv[i], s_inv[j]
        vd = np.empty(dc.shape)
        for lo in range(0, len(i), 64):
            band = slice(lo, lo + 64)
            v = rows_i[band][:, i] * rows_j[band][:, j]
            v += rows_i[band][:, j] * rows_j[band][:, i]
            vd[band] = v @ dc
            tr_vg += float(np.einsum("ab,ab->", v, gamma[band]))  # f_g and 1 / f_g cancel
        tr_gamma += float(np.trace(gamma)) / fg
        c1[at] += fg * (gwd.T @ vd)
        c2[at] += fg * (dc.T @ vd)
        c3[at] += fg * ((w[:, None] * dc).T @ gwd)
    e_inv = np.linalg.inv(sol.information) if e_inv is None else e_inv
    ks = tr_vg - 2 * float(np.sum(e_inv * c1.T)) + float(np.sum((c2 @ e_inv) * (c3 @ e_inv).T))
    c_hat3 = ks / df3 if df3 > 0 else 1.0  # a saturated model (df 0) has no test to scale: lavaan's CFI 1, RMSEA 0
    return {"XX3": xx3, "df3": df3, "c.hat3": c_hat3, "XX3.scaled": xx3 / c_hat3, "XX3.null": xx3_null,
            "df3.null": df3_null, "c.hat3.null": tr_gamma / df3_null}


def _constrains_thresholds(partable: ParTable) -> bool:
    """Whether a constraint (``==``, ``<``, ``>``, ``:=``; shared labels and group.equal become ``==`` rows) names a
    threshold or intercept row. lavaan's robust CFI/TLI/RMSEA refit the model by catML without those rows
    (``lav_object_catml``), which fails on such a constraint: NA (e.g. every invariance level past configural).
    The catML statistic sees the correlations only, so it could not reflect these constraints anyway."""
    removed = {name for r in partable.rows if r.op in ("|", "~1") for name in (r.label, r.plabel) if name}
    if not removed:
        return False
    for r in partable.rows:
        if r.op in ("==", "<", ">", ":=") and removed & set(re.findall(r"[A-Za-z_.][\w.]*", f"{r.lhs} {r.rhs}")):
            return True
    return False


def problem_npar(problem: CategoricalProblem) -> int:
    """lavaan's npar: a parameter held at an active inequality bound still counts as free."""
    return problem.n_free + len(getattr(problem, "active_bounds", []))


def problem_df(problem: CategoricalProblem) -> int:
    return sum(len(g.obs) for g in problem.groups) - problem_npar(problem)


def _pvalue(x2: float, df: float) -> float:
    return float(special.chdtrc(df, x2)) if df > 0 and np.isfinite(x2) else math.nan


def categorical_fit_measures(problem: CategoricalProblem, sol: CatSolution,
                             parts: RobustParts | None = None) -> dict[str, float]:
    """lavaan's fitMeasures() for a categorical fit (standard, scaled-shifted and robust); ``parts``: the
    fit's :func:`robust_parts`, if already computed."""
    n, n_groups = problem.n_total, len(problem.groups)
    n_rmsea = n - n_groups  # lavaan's lav_utils_get_ntotal for estimators other than (normal) ML
    df = problem_df(problem)
    chisq = sum((g.n - 1) * f for g, f in zip(problem.groups, sol.group_f, strict=True))
    bx2, bdf, btr1, btr2 = _baseline(problem)
    out: dict[str, float] = {"npar": float(problem_npar(problem)), "fmin": sol.fmin * 0.5 * (n - 1) / n if n_groups == 1
                             else 0.5 * sum(g.n / n * (g.n - 1) / g.n * f for g, f in
                                            zip(problem.groups, sol.group_f, strict=True)),
                             "chisq": chisq, "df": float(df),
                             # lavaan gives no p-value for the unweighted (ULS) statistic: not chi-square
                             "pvalue": _pvalue(chisq, df) if ESTIMATORS[problem.estimator][0] == "dwls" else math.nan}
    robust = ESTIMATORS[problem.estimator][1]
    if robust:
        parts = parts or robust_parts(problem, sol)
        tr1, tr2 = parts.tr1, parts.tr2
        x2s, scale, shift = _scaled_shifted(chisq, df, tr1, tr2)
        bx2s, bscale, bshift = _scaled_shifted(bx2, bdf, btr1, btr2)
        out.update({"chisq.scaled": x2s, "df.scaled": float(df), "pvalue.scaled": _pvalue(x2s, df),
                    "chisq.scaling.factor": scale, "chisq.shift.parameters": shift})
    out.update({"baseline.chisq": bx2, "baseline.df": float(bdf),
                "baseline.pvalue": _pvalue(bx2, bdf) if ESTIMATORS[problem.estimator][0] == "dwls" else math.nan})
    if robust:
        out.update({"baseline.chisq.scaled": bx2s, "baseline.df.scaled": float(bdf),
                    "baseline.pvalue.scaled": _pvalue(bx2s, bdf), "baseline.chisq.scaling.factor": bscale})
    out.update(incremental_indices(chisq, df, bx2, bdf))
    cat = None
    if robust:
        out.update(incremental_indices(x2s, df, bx2s, bdf, ".scaled"))
        cat = _catml(problem, sol, parts.e_inv)
        # lavaan's robust indices (its catML refit) are NA where the catML statistic cannot be had
        xx3, xx3_null, c3, c3_null, df3, xx3_scaled = (
            (cat["XX3"], cat["XX3.null"], cat["c.hat3"], cat["c.hat3.null"], cat["df3"], cat["XX3.scaled"])
            if cat is not None else (math.nan,) * 6)
        out.update(incremental_indices(xx3, df, xx3_null, bdf, ".robust", c3, c3_null))
    # the tests of close (RMSEA <= .05) and not-close (RMSEA >= .08) fit of each statistic, as lavaan's
    # lav_fit_rmsea_lavobject; N is N - G for these estimators (lav_utils_get_ntotal)
    out.update(rmsea_indices(chisq, df, n_rmsea, n_groups))
    out.update({"rmsea.ci.level": 0.90, "rmsea.close.h0": RMSEA_CLOSE, "rmsea.notclose.h0": RMSEA_NOTCLOSE})
    if robust:
        out.update(rmsea_indices(x2s, df, n_rmsea, n_groups, ".scaled"))
        out.update(rmsea_indices(xx3, df3, n_rmsea, n_groups, ".robust", c3, x2_test=xx3_scaled))
    ests = [problem.wls_est(g, sol.theta, jacobian=False)[0] for g in problem.groups]
    out.update(_residual_summaries(problem, sol.theta, ests))
    out.update({"cn_05": hoelter(chisq, df, n_rmsea, 0.05), "cn_01": hoelter(chisq, df, n_rmsea, 0.01)})
    out.update(_gfi(problem, ests, df))
    # Muthen's weighted root mean square residual, sqrt(chisq / k), k the first group's statistics (lavaan's
    # lav_fit_wrmr counts those of group 1 only, whatever the number of groups)
    out["wrmr"] = math.sqrt(chisq / len(problem.groups[0].obs)) if chisq >= 0 else math.nan
    out["mfi"] = math.exp(-0.5 * (chisq - df) / n_rmsea)
    return out


def summarise_missing(stats: list[tuple[str, OrdinalStats]]) -> tuple[int, int]:
    """(respondents used, rows dropped listwise) over the groups."""
    return sum(s.nobs for _, s in stats), sum(s.n_dropped for _, s in stats)


def threshold_frame(problem: CategoricalProblem, theta: np.ndarray) -> pd.DataFrame:
    """Model thresholds per group (lhs, rhs, group, est) for quick inspection."""
    rows = []
    for g in problem.groups:
        tau = g.tau_c + g.tau_k @ theta
        rows += [(r.lhs, r.rhs, g.label, float(t)) for r, t in zip(g.tau_rows, tau, strict=True)]
    return pd.DataFrame(rows, columns=["lhs", "rhs", "group", "est"])


def row_table(problem: CategoricalProblem, theta: np.ndarray):
    """Every ParTable row's value at ``theta``, in lavaan's order, with d(value)/d(theta) and std.lv/std.all.

    Fills in the computed rows (delta parameterization: ordered items' residual variances; theta:
    scale factors) on the groups' matrix models. Returns (model TableRows, all TableRows, values,
    Jacobian, std_lv, std_all, the model rows' values).
    """
    from .fit import TableRow, table_rows
    from .standardize import group_standardized

    parameterization = problem.parameterization
    # computed rows outside the matrices: the theta parameterization's scale factors
    computed: list[dict[int, float]] = []
    for g in problem.groups:
        values: dict[int, float] = {}
        if parameterization == "theta":
            imp = g.structure.implied(problem.local(g, theta), derivatives=False)
            d, _ = problem.scales(g, theta, problem.given_x(g, imp.sigma))
            for r in g.delta_rows:
                values[r.id] = float(d[g.structure.observed.index(r.lhs)])
        computed.append(values)
    rows = table_rows(problem)
    model_values = np.concatenate([g.structure.values(None, problem.matrices(g, theta)) for g in problem.groups])
    jac_model = np.zeros((len(rows), problem.n_free))
    offset = 0
    for g in problem.groups:
        jac_model[offset + g.structure.free] = g.k_map
        offset += len(g.structure.rows)
    std_lv, std_all = group_standardized(problem, rows, theta)
    # thresholds and scale factors
    extra_rows, extra_values, extra_jac, extra_lv, extra_all = [], [], [], [], []
    for g_no, (g, values) in enumerate(zip(problem.groups, computed, strict=True)):
        mats = problem.matrices(g, theta)
        c = g.structure.inverse_i_minus_b(mats["beta"])
        lam = mats["lambda"]
        var = ((lam @ c @ mats["psi"] @ c.T) * lam).sum(axis=1) + np.diag(mats["theta"])
        position = {v: i for i, v in enumerate(g.structure.observed)}
        tau = g.tau_c + g.tau_k @ theta  # all thresholds at once, then row by row for the table
        for kind, rws in (("tau", g.tau_rows), ("delta", g.delta_rows)):
            if not rws:
                continue
            items = [position[r.lhs] for r in rws]
            if kind == "tau":
                jrows = g.tau_k
            else:
                jrows = g.delta_k[items] if parameterization == "delta" else np.zeros((len(rws), problem.n_free))
            nonzero = jrows != 0
            count = nonzero.sum(axis=1)
            first = nonzero.argmax(axis=1) if nonzero.shape[1] else np.zeros(len(rws), dtype=int)  # no free parameter
            for n, r in enumerate(rws):
                i = items[n]
                if kind == "tau":
                    value = float(tau[n])
                    lv, al = value, value / math.sqrt(var[i]) if var[i] > 0 else math.nan
                else:
                    value = values.get(r.id, float(g.delta_c[i] + g.delta_k[i] @ theta))
                    lv, al = value, 1.0  # lavaan's std.all of a scale factor
                used = bool(count[n])
                free = int(first[n]) if count[n] == 1 and math.isclose(jrows[n, first[n]], 1.0) else None
                extra_rows.append(TableRow(g_no, r.lhs, r.op, r.rhs, r.label, free, kind, (i,), r.id,
                                           fixed=not used))
                extra_values.append(value)
                extra_jac.append(jrows[n])
                extra_lv.append(lv)
                extra_all.append(al)
    all_rows = rows + extra_rows
    values = np.concatenate([model_values, np.array(extra_values, dtype=float)])
    jac = np.vstack([jac_model] + ([np.array(extra_jac)] if extra_jac else []))
    std_lv = np.concatenate([std_lv, extra_lv])
    std_all = np.concatenate([std_all, extra_all])
    order = np.argsort([r.id for r in all_rows], kind="stable")  # lavaan's order: the ParTable's
    all_rows = [all_rows[k] for k in order]
    return rows, all_rows, values[order], jac[order], std_lv[order], std_all[order], model_values


# ----- the fit ----------------------------------------------------------------------------------
def thresholds_in_data(data: pd.DataFrame, items: list[str]) -> dict[str, int]:
    """Thresholds per ordered item: its number of distinct answers minus 1 (lavaan's factor levels)."""
    distinct = {item: len(codes) for item, codes in _distinct_answers(data, items).items()}
    out = {}
    for item in items:
        k = distinct[item] if item in distinct else int(pd.unique(data[item].dropna()).size)
        if k == 0:
            raise ModelSpecError(f"ordered item {item!r} has no answers (every value is missing); remove it from the "
                                 "model or check the data import.")
        if k < 2:
            raise ModelSpecError(f"ordered item {item!r} has {k} distinct answer(s); an ordered item needs two or "
                                 "more categories. Remove it from the model or from ordered=.")
        out[item] = k - 1
    return out


def pairwise_frames(observed: list[str], data: pd.DataFrame, group: str | None):
    """Per group, the rows with at least one answer to the model's variables (``missing = "pairwise"``),
    the number of rows left out (no answer at all, or no group) and the rows' data order (``group_split``)."""
    from .fit import _check_columns, group_split

    _check_columns(observed, data, group)
    keep = data[observed].notna().any(axis=1).to_numpy()
    if group is not None:
        keep &= data[group].notna().to_numpy()
    kept = data.loc[keep]
    if group is None:
        return [("", kept[observed])], int((~keep).sum()), None
    groups, order = group_split(kept[group].to_numpy())
    return [(label, kept.loc[rows, observed]) for label, rows in groups], int((~keep).sum()), order


def group_sample_stats(frame: pd.DataFrame, ordered: list[str], continuous: list[str], exogenous: list[str],
                       variables: list[str], missing: str, warn: bool | list[str],
                       full_nacov: bool = True) -> OrdinalStats:
    """One group's statistics: given the covariates when there are any (lavaan's conditional.x), else those of
    :func:`.ordinal.ordinal_sample_stats` (``full_nacov`` False: NACOV's diagonal alone, see there)."""
    from .ordinal import ordinal_sample_stats
    from .ordinal_x import conditional_sample_stats

    if exogenous:
        return conditional_sample_stats(frame, ordered=ordered, continuous=continuous, exogenous=exogenous,
                                        variables=variables, warn=warn)
    return ordinal_sample_stats(frame, ordered=ordered, continuous=continuous, variables=variables, missing=missing,
                                warn=warn, full_nacov=full_nacov)


def sample_stats_like(frame: pd.DataFrame, like: OrdinalStats, warn: bool | list[str] = False) -> OrdinalStats:
    """The statistics of the kind ``like`` holds (the same variables, covariates and missing-data rule) from the
    rows of ``frame``: a bootstrap resample or a jackknife sample, whose refit needs the DWLS weights, not the whole
    NACOV (computed only without covariates, where that saves most)."""
    return group_sample_stats(frame, list(like.ordered), list(like.continuous), list(like.exogenous),
                              list(like.variables), like.missing, warn, full_nacov=False)


def fit_categorical(syntax: str, partable: ParTable, frames: list[tuple[str, pd.DataFrame]], n_dropped: int,
                    estimator: str, parameterization: str, grouped: bool, missing: str = "listwise",
                    order: np.ndarray | None = None, no_group: int = 0, group: str | None = None):
    """Fit a ParTable with ordered items (``fit_sem`` with ``ordered=``); returns an SEMResult. ``order``: the
    groups' rows' data order (``fit.group_split``); ``no_group``: how many of the ``n_dropped`` rows were left out for
    having no value in the group column ``group`` (the others: incomplete, or without any answer under pairwise)."""
    from .fit import _bound_notes, _heywood, _no_group_notes, estimates_frame
    from .result import FitState, SEMResult
    from .standardize import group_r_squared

    exo = list(partable.ov_x)
    observed = [v for v in partable.ov_names if v not in set(exo)]
    ordered = [v for v in observed if v in set(partable.ov_ord)]
    continuous = [v for v in observed if v not in set(ordered)]
    if exo and not partable.conditional_x:
        raise ModelSpecError(f"observed covariates ({', '.join(exo)}) with ordered items are fitted conditional on "
                             "the covariates (lavaan's default conditional.x = TRUE); conditional.x = FALSE is not "
                             "available (lavaan's own results there are not trustworthy for dummy covariates).")
    predictor = next((r for r in partable.rows if r.op == "~" and r.rhs in set(partable.ov_ord)), None)
    if predictor is not None and parameterization == "delta":
        # its residual variance is then a function of the other parameters (1 / Delta^2 minus its explained part),
        # which moves what it predicts; the implied moments here hold it fixed: a wrong model, refused, not fitted
        raise ModelSpecError(f"an ordered item that predicts another variable ('{predictor.lhs} ~ {predictor.rhs}') is "
                             "not available under the delta parameterization yet; fit with "
                             "parameterization='theta', which is the same model (lavaan's default optimizer often "
                             "fails to converge on the delta version).")
    if exo and missing == "pairwise":
        raise ModelSpecError(f"missing='pairwise' with observed covariates ({', '.join(exo)}) and ordered items is "
                             "not available yet; use the default (listwise), which drops rows with a missing answer "
                             "or covariate.")
    # the sample statistics' warnings (a correlation of nearly 1, a flat likelihood) are also the fit's notes, so that
    # its summary, JSON and report carry them and not only the session that ran it
    # (collected, not caught: warnings.catch_warnings swaps process-wide state under other threads)
    stats, stat_notes = [], []
    for label, frame in frames:
        said: list[str] = []
        stats.append((label, group_sample_stats(frame, ordered, continuous, exo, observed, missing, said)))
        for message in said:
            message = f"group {label!r}: {message}" if grouped else message
            if message not in stat_notes:
                stat_notes.append(message)
                _warn_at_caller(message)
    problem = build_categorical(partable, stats, estimator, parameterization)
    n_stats = sum(len(g.obs) for g in problem.groups)
    if problem.n_free > n_stats:
        raise ModelSpecError(f"the model has {problem.n_free} free parameters but the data give only {n_stats} "
                             "sample statistics: it is not identified. Add indicators or fix parameters.")
    problem, sol = solve_constrained(problem)
    robust = ESTIMATORS[estimator][1]
    parts = robust_parts(problem, sol) if robust else None
    vcov = robust_vcov(problem, sol, parts) if robust else standard_vcov(problem, sol)
    theta = sol.theta
    rows, all_rows, values, jac, std_lv, std_all, model_values = row_table(problem, theta)
    estimates = estimates_frame(all_rows, partable, [g.label for g in problem.groups], values, jac, vcov,
                                std_lv, std_all, grouped)
    if problem.active_bounds:  # lavaan gives a parameter held at its bound no SE (NA) for these estimators
        free_ids = {r.id for r in partable.rows if r.is_free}
        held = np.array([r.fixed and r.id in free_ids for r in all_rows] + [False] * (len(estimates) - len(all_rows)))
        estimates.loc[held, ["se", "z", "pvalue", "ci_lower", "ci_upper"]] = np.nan
    measures = categorical_fit_measures(problem, sol, parts)
    notes = _bound_notes(problem, se="NA")
    n_other = n_dropped - no_group
    if missing == "pairwise":
        notes.append("missing answers handled pairwise: thresholds from each item's answers, polychoric "
                     "correlations from the rows answering both (lavaan missing = \"pairwise\")"
                     + (f"; {n_other} row(s) without any answer left out." if n_other else "."))
    elif n_other:
        notes.append(f"{n_other} incomplete row(s) dropped listwise (lavaan's default for categorical data; "
                     "missing='pairwise' keeps them).")
    notes += _no_group_notes(no_group, group)
    if exo:
        notes.append(f"fitted conditional on the covariates {', '.join(exo)} (lavaan's conditional.x = TRUE): the "
                     "sample statistics are the items' thresholds, slopes and residual correlations given the "
                     "covariates, and the thresholds are those at covariates 0.")
    notes += stat_notes + _heywood(problem, rows, model_values, theta) + _vcov_notes(vcov)
    first = problem.groups[0]
    group_covs = tuple((g.s, implied_star(problem, g, theta)) for g in problem.groups)
    return SEMResult(
        estimates=estimates, fit_measures=pd.Series(measures, name="fit_measures"),
        r2=group_r_squared(problem, theta), n_obs=problem.n_total, n_dropped=n_dropped, syntax=syntax,
        iterations=sol.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=problem.names, columns=problem.names),
        groups=tuple(g.label for g in problem.groups) if grouped else (), estimator=estimator,
        _state=FitState(problem=problem, solution=sol, rows=rows, partable=partable, vcov=vcov, data=frames,
                        order=order, structure=first.structure, sample_cov=first.s, sigma=group_covs[0][1],
                        group_covs=group_covs))


def _vcov_notes(vcov: np.ndarray) -> list[str]:
    """lavaan's check of the parameters' covariance matrix (``lav_model_vcov``, ``check.vcov``): a smallest
    eigenvalue below eps^(3/4) (absolute: the statistics are on the correlation scale) is a sign that the model
    is not identified, e.g. two items that are copies of each other, whose correlation of 1 has no sampling
    variance. Parameters with variance 0 are left out, as lavaan discounts active constraints."""
    moving = np.flatnonzero(np.diag(vcov) != 0)
    if not len(moving):
        return []
    cut = np.finfo(float).eps ** 0.75
    block = vcov[np.ix_(moving, moving)]
    try:  # every eigenvalue above the cut-off: a Cholesky factor of vcov - cut I exists (far cheaper than eigvalsh)
        np.linalg.cholesky(block - cut * np.eye(len(moving)))
        return []
    except np.linalg.LinAlgError:
        pass
    smallest = float(np.linalg.eigvalsh(block)[0])
    if not smallest < cut:
        return []
    return [f"the parameters' covariance matrix (vcov) is not positive definite: its smallest eigenvalue is "
            f"{smallest:.3e} ({'close to' if smallest > 0 else 'below'} zero), a sign that the model is not identified "
            "(lavaan warns the same); standard errors near 0 and very large z values are not to be trusted. Check for "
            "items that copy each other or a correlation of (nearly) 1."]


def implied_star(problem: CategoricalProblem, g: CatGroup, theta: np.ndarray) -> np.ndarray:
    """The group's model-implied covariance of the latent responses on the scale of its sample statistics,
    D Sigma D (D the scale factors: a correlation for every ordered item, in either parameterization), as
    lavaan's ``fitted(fit)$cov`` for categorical data."""
    mats = problem.matrices(g, theta)
    c = g.structure.inverse_i_minus_b(mats["beta"])
    sigma = mats["lambda"] @ c @ mats["psi"] @ c.T @ mats["lambda"].T + mats["theta"]
    d, _ = problem.scales(g, theta, problem.given_x(g, sigma))
    return sigma * np.outer(d, d)


def scaled_difference(m1, m0) -> tuple[float, int, float, float]:
    """Scaled-shifted chi-square difference of two nested categorical fits (lavaan's ``lavTestLRT``
    default for WLSMV/ULSMV: ``method = "satorra.2000"``, ``A.method = "delta"``, H1 reference).

    ``m1`` is the less restricted fit. With ``Delta_1``, ``Delta_0`` the Jacobians of the two models
    at their estimates, the restrictions are the rows of ``A``, a basis of the left null space of
    ``H = Delta_1^+ Delta_0``; with ``P = E_1`` and ``M = P^-1 A' (A P^-1 A')^+ A P^-1``,
    ``U = W Delta_1 M Delta_1' W`` gives ``tr(U Gamma)`` (groups weighted by f_g) and
    ``tr((U Gamma)^2)``; then ``a = sqrt(m / tr2)``, ``b = m - a tr1`` and
    ``T_d = a (T_0 - T_1) + b`` on ``m = df_0 - df_1`` df (Satorra 2000; Asparouhov & Muthén 2010).

    Returns
    -------
    (T_d, m, pvalue, a)
    """
    p1, s1 = m1._state.problem, m1._state.solution
    s0 = m0._state.solution
    t1, t0 = m1.fit_measures["chisq"], m0.fit_measures["chisq"]
    m = int(m0.fit_measures["df"] - m1.fit_measures["df"])
    if m <= 0:
        return math.nan, m, math.nan, math.nan
    delta1, delta0 = np.vstack(s1.deltas), np.vstack(s0.deltas)
    h = np.linalg.pinv(delta1) @ delta0
    a_mat = linalg.null_space(h.T).T
    p_inv = np.linalg.inv(s1.information)
    apa = a_mat @ p_inv @ a_mat.T
    keep = ~((np.abs(apa.sum(axis=0)) < _SQRT_EPS) & (np.abs(apa.sum(axis=1)) < _SQRT_EPS))
    a_mat = a_mat[keep]
    proj = p_inv @ a_mat.T @ np.linalg.pinv(a_mat @ p_inv @ a_mat.T) @ a_mat @ p_inv
    fr = p1.fractions()
    wd = delta1 * np.concatenate([g.weights for g in p1.groups])[:, None]
    u = wd @ proj @ wd.T  # W Delta M Delta' W over all groups (M couples parameters shared by groups)
    ug = u @ linalg.block_diag(*[fg * g.gamma for fg, g in zip(fr, p1.groups, strict=True)])
    tr1 = float(np.trace(ug))
    tr2 = float(np.sum(ug * ug.T))
    stat, scale, _ = _scaled_shifted(t0 - t1, m, tr1, tr2)  # NaN where no trace is usable
    return stat, m, _pvalue(stat, m), 1 / scale


_SQRT_EPS = float(np.sqrt(np.finfo(float).eps))


# ----- bootstrap ------------------------------------------------------------------------------------
def bootstrap_categorical(result, resamples, n_jobs: int = 1, progress: bool = False, scheduler=None, *,
                          tol: float = GRADIENT_TOLERANCE):
    """Refit a categorical model on resamples of its rows (lavaan's ``se = "bootstrap"`` for WLSMV: each
    resample's thresholds, polychoric correlations and weights are computed afresh, per group).

    Parameters
    ----------
    result : SEMResult
        A WLSMV/DWLS/ULSMV fit.
    resamples : sequence of tuples of int arrays
        Per resample, per group the row positions (in the group's fitted rows) it holds: drawn by the caller from
        its seeded generator (within each group, as lavaan resamples), or the leave-one-out sets of a jackknife.
    tol : float
        The refits' gradient tolerance (:func:`solve_categorical`); bootstrap resamples take a looser one than the
        jackknife, whose small differences from the fit make BCa's acceleration.

    Returns
    -------
    names, values (n_resamples, k), ok (n_resamples,), point (k,)
        ``names``: (lhs, op, rhs, label, group label or "" for one group and defined parameters) per quantity;
        ``values`` holds each resample's row values, defined parameters and effects (one group: effects are
        defined for one group), then their standardized versions (NaN and ``ok`` False where a resample could not
        be fitted, e.g. an empty category).
    """
    from .bootstrap import RefitQuantities

    state = result._state
    problem: CategoricalProblem = state.problem
    partable = state.partable
    frames = state.data
    theta_hat = state.solution.theta

    def cat_row_values(prob: CategoricalProblem, theta: np.ndarray):
        _, rows, values, _, _, std_all, _ = row_table(prob, theta)
        return rows, values, std_all

    quantities = RefitQuantities(problem, partable, theta_hat, cat_row_values)

    def one(rows_per_group: tuple[np.ndarray, ...]) -> np.ndarray | None:
        try:  # on threads: no warnings.catch_warnings here (it swaps the process-wide filters under the others)
            with np.errstate(all="ignore"):
                stats = []
                for (label, frame), g, idx in zip(frames, problem.groups, rows_per_group, strict=True):
                    stats.append((label, sample_stats_like(frame.iloc[idx], g.stats, warn=False)))
                prob = build_categorical(partable, stats, problem.estimator, problem.parameterization)
                if len(theta_hat) == prob.n_free:  # not where a bound was active at the fit (a shorter theta)
                    prob.start = theta_hat.copy()
                prob, sol = solve_constrained(prob, tol=tol)
                return quantities(prob, sol.theta)
        except (EstimationError, ModelSpecError, ResponseDataError, np.linalg.LinAlgError, ValueError):
            return None  # a resample without some category, or not identified: counted as failed

    return quantities.run(one, resamples, n_jobs, progress, scheduler)
