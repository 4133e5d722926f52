"""The matrix engine: one group's rows of a ParTable laid out as LISREL matrices, with Sigma, mu and
their analytic derivatives.

Layout (all-y LISREL, as lavaan): ``inner`` holds the latent variables and every observed variable
that takes part in the structural model (a regression on either side, or a covariance with a latent
or such a variable); each of those gets a unit row in Lambda and lives in Beta/Psi/alpha, the other
observed variables in Theta/nu. Then

    Sigma = Lambda C Psi C' Lambda' + Theta,   mu = nu + Lambda C alpha,   C = (I - B)^-1.

The model is built once from the table; ``implied`` evaluates any vector of the group's free rows.
Written by hand: no maintained library lays out lavaan's parameter table (semopy keeps its own).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace

import numpy as np

from ..errors import ModelSpecError
from .partable import ParRow, ParTable

MATRICES = ("lambda", "beta", "psi", "theta", "nu", "alpha")


@dataclass(frozen=True)
class Implied:
    sigma: np.ndarray  # (p, p)
    mu: np.ndarray  # (p,)
    dsigma: np.ndarray | None  # (k, p, p) per free row
    dmu: np.ndarray | None  # (k, p)


class MatrixModel:
    """One group of a ParTable as matrices.

    Attributes
    ----------
    observed : list of str
        Observed variables, the rows/columns of Sigma (lavaan's ``ov.names`` order).
    inner : list of str
        Latent variables, then the observed variables of the structural part.
    latent : set of str
    rows : list of ParRow
        The group's ``=~ ~ ~~ ~1`` rows in table order, with ``mat``, ``row``, ``col`` filled.
    free : ndarray of int
        Positions (in ``rows``) of the free rows; a vector of their values is the group's "local"
        parameter vector.
    """

    def __init__(self, partable: ParTable, group: int = 1, exo_values: dict[int, float] | None = None):
        rows = partable.model_rows(group)
        self.observed = list(partable.ov_names)
        latent = list(partable.lv_names)
        self.latent = set(latent)
        clash = [v for v in self.observed if v in self.latent]
        if clash:
            raise ModelSpecError(f"{clash[0]!r} is used both as a latent variable (left of '=~') and as an "
                                 "observed one; rename one of them.")
        phantom = {r.lhs for r in rows if r.op == "~"} | {r.rhs for r in rows if r.op == "~"}
        changed = True
        while changed:  # covariances must stay within Theta or within Psi
            changed = False
            for r in rows:
                if r.op == "~~" and r.lhs != r.rhs:
                    inside = {r.lhs, r.rhs} & (self.latent | phantom)
                    if inside and not {r.lhs, r.rhs} <= (self.latent | phantom):
                        phantom |= {r.lhs, r.rhs} - self.latent
                        changed = True
        phantom -= self.latent
        self.inner = latent + [v for v in self.observed if v in phantom]
        ov = {v: i for i, v in enumerate(self.observed)}
        inn = {v: i for i, v in enumerate(self.inner)}
        p, m = len(self.observed), len(self.inner)
        self.p, self.m = p, m
        base = {"lambda": np.zeros((p, m)), "beta": np.zeros((m, m)), "psi": np.zeros((m, m)),
                "theta": np.zeros((p, p)), "nu": np.zeros(p), "alpha": np.zeros(m)}
        for v in self.inner:
            if v in ov:
                base["lambda"][ov[v], inn[v]] = 1.0
        laid: list[ParRow] = []
        exo_values = exo_values or {}
        for r in rows:
            if r.op == "=~":
                mat, i, j = ("lambda", ov[r.rhs], inn[r.lhs]) if r.rhs in ov and r.rhs not in inn else \
                    ("beta", inn[r.rhs], inn[r.lhs])
            elif r.op == "~":
                mat, i, j = "beta", inn[r.lhs], inn[r.rhs]
            elif r.op == "~~":
                if r.lhs in inn:
                    mat, i, j = "psi", inn[r.lhs], inn[r.rhs]
                else:
                    mat, i, j = "theta", ov[r.lhs], ov[r.rhs]
            else:  # ~1
                mat, i, j = ("alpha", inn[r.lhs], 0) if r.lhs in inn else ("nu", ov[r.lhs], 0)
            laid.append(replace(r, mat=mat, row=i, col=j))
            if not r.is_free:
                value = exo_values.get(r.id, r.ustart) if r.exo else r.ustart
                if np.isnan(value):
                    value = 0.0
                _place(base, mat, i, j, value)
        self.rows = laid
        self.base = base
        self.free = np.array([k for k, r in enumerate(laid) if r.is_free], dtype=int)
        free_rows = [laid[k] for k in self.free]
        self.k = len(free_rows)
        self._pos = {}
        for key in MATRICES:
            sel = [(n, r.row, r.col) for n, r in enumerate(free_rows) if r.mat == key]
            arr = np.array(sel, dtype=int).reshape(-1, 3)
            self._pos[key] = (arr[:, 0], arr[:, 1], arr[:, 2])
        self.recursive = _nilpotency(base["beta"], self._pos["beta"], m)
        self._rank2_base = None  # constant parts of rank2(), built on first use
        self._flat_index: np.ndarray | None = None
        self._std_plan: dict | None = None  # standardize.py's index arrays, built on first use
        self._blocks: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}  # see _block

    def with_values(self, values: dict[int, float]) -> MatrixModel:
        """A copy whose fixed rows with these ParTable ids hold these values (fixed.x sample moments)."""
        out = copy.copy(self)
        out.base = {key: mat.copy() for key, mat in self.base.items()}
        for r in self.rows:
            if r.id in values and not r.is_free:
                _place(out.base, r.mat, r.row, r.col, values[r.id])
        return out

    # ----- matrices ------------------------------------------------------------------------------
    def matrices(self, x: np.ndarray, keys: tuple[str, ...] = MATRICES) -> dict[str, np.ndarray]:
        """Model matrices (those named in ``keys``) at the free-row values ``x`` (k,) or a batch (B, k) ->
        leading batch axis."""
        x = np.asarray(x, dtype=float)
        batch = x.ndim == 2
        out = {}
        for key in keys:
            k, i, j = self._pos[key]
            mat = np.broadcast_to(self.base[key], (x.shape[0], *self.base[key].shape)).copy() if batch \
                else self.base[key].copy()
            if len(k):
                if key in ("nu", "alpha"):
                    if batch:
                        mat[:, i] = x[:, k]
                    else:
                        mat[i] = x[k]
                else:
                    if batch:
                        mat[:, i, j] = x[:, k]
                        if key in ("psi", "theta"):
                            mat[:, j, i] = x[:, k]
                    else:
                        mat[i, j] = x[k]
                        if key in ("psi", "theta"):
                            mat[j, i] = x[k]
            out[key] = mat
        return out

    def inverse_i_minus_b(self, beta: np.ndarray) -> np.ndarray:
        """(I - B)^-1; for a recursive model a short power series (exact, cheap), else an inverse."""
        eye = np.eye(self.m)
        if self.recursive is None:
            try:
                return np.linalg.inv(eye - beta)
            except np.linalg.LinAlgError:
                return np.full(beta.shape, np.nan)
        c = np.broadcast_to(eye, beta.shape).copy()
        power = c
        for _ in range(self.recursive - 1):
            power = power @ beta
            c = c + power
        return c

    def implied(self, x: np.ndarray, derivatives: bool = True) -> Implied:
        """Sigma and mu at ``x`` and (optionally) their derivatives with respect to each free row."""
        mats = self.matrices(x)
        lam, psi = mats["lambda"], mats["psi"]
        c = self.inverse_i_minus_b(mats["beta"])
        big_m = lam @ c
        sigma = big_m @ psi @ big_m.T + mats["theta"]
        c_alpha = c @ mats["alpha"]
        mu = mats["nu"] + big_m @ mats["alpha"]
        if not derivatives:
            return Implied(sigma, mu, None, None)
        p = self.p
        ds = np.zeros((self.k, p, p))
        dm = np.zeros((self.k, p))
        cpm = c @ psi @ big_m.T  # (m, p): C Psi M'
        k, i, j = self._pos["theta"]
        ds[k, i, j] = 1.0
        ds[k, j, i] = 1.0
        k, i, j = self._pos["psi"]
        if len(k):
            d = np.einsum("pn,qn->npq", big_m[:, i], big_m[:, j])
            ds[k] = d + np.where((i != j)[:, None, None], d.transpose(0, 2, 1), 0.0)
        k, i, j = self._pos["lambda"]
        if len(k):
            a = cpm[j]  # (n, p)
            ds[k, i, :] += a
            ds[k, :, i] += a
            dm[k, i] += c_alpha[j]
        k, i, j = self._pos["beta"]
        if len(k):
            u, w = big_m[:, i].T, cpm[j]
            d = np.einsum("np,nq->npq", u, w)
            ds[k] = d + d.transpose(0, 2, 1)
            dm[k] += u * c_alpha[j][:, None]
        k, i, _ = self._pos["nu"]
        dm[k, i] = 1.0
        k, i, _ = self._pos["alpha"]
        if len(k):
            dm[k] = big_m[:, i].T
        return Implied(sigma, mu, ds, dm)

    def rank2(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sigma, mu and dSigma/dx_k = u_k v_k' + v_k u_k' as two (p, k) factors U, V, plus dmu (k, p).

        Every free row moves Sigma by a symmetric rank-2 matrix (a loading: e_i and row j of C Psi M';
        a (co)variance: two columns of M or unit vectors, halved on the diagonal; a regression: a column
        of M and a row of C Psi M'), so ML's gradient and expected information need only p x k
        products instead of k dense p x p derivatives (see ``Problem.gradient_information``).
        """
        return self._rank2(x)[:5]

    def _rank2(self, x: np.ndarray) -> tuple:
        """rank2() plus the pieces the observed Hessian reuses: C, M = Lambda C, Phi = C Psi C',
        C Psi M' and C alpha."""
        if self._rank2_base is None:
            self._rank2_base = self._rank2_constants()
        u0, v0, dm0, half_psi = self._rank2_base
        mats = self.matrices(x)
        psi = mats["psi"]
        c = self.inverse_i_minus_b(mats["beta"])
        big_m = mats["lambda"] @ c
        phi = c @ psi @ c.T
        cpm = phi @ mats["lambda"].T  # (m, p): C Psi M'
        sigma = mats["lambda"] @ cpm + mats["theta"]  # Lambda C Psi M' = M Psi M'
        c_alpha = c @ mats["alpha"]
        mu = mats["nu"] + mats["lambda"] @ c_alpha
        u, v, dm = u0.copy(), v0.copy(), dm0.copy()
        k, i, j = self._pos["psi"]
        if len(k):
            u[:, k] = big_m[:, i]
            v[:, k] = big_m[:, j] * half_psi
        k, i, j = self._pos["lambda"]
        if len(k):
            v[:, k] = cpm[j].T
            dm[k, i] = c_alpha[j]
        k, i, j = self._pos["beta"]
        if len(k):
            u[:, k] = big_m[:, i]
            v[:, k] = cpm[j].T
            dm[k] = big_m[:, i].T * c_alpha[j][:, None]
        k, i, _ = self._pos["alpha"]
        if len(k):
            dm[k] = big_m[:, i].T
        return sigma, mu, u, v, dm, c, big_m, phi, cpm, c_alpha

    def second_order(self, x: np.ndarray, w: np.ndarray, ar: np.ndarray | None, parts: tuple | None = None) -> np.ndarray:
        """T_kl = tr(W d2Sigma/dx_k dx_l) - 2 ar' d2mu/dx_k dx_l for a fixed symmetric W (p, p) and
        vector ar (p,) (None: no mean structure): the part of ML's observed Hessian that the rank-2
        factors' own dependence on x adds (see ``Problem.hessian``).

        With dSigma_k = u_k v_k' + v_k u_k', tr(W dSigma_k) = 2 u_k' W v_k, so
        T_kl = 2 [(du_k/dx_l)' W v_k + u_k' W (dv_k/dx_l)]; u and v are columns of M = Lambda C
        (dM = E_ab C for a loading, m_a C_b. for a regression) or rows of C Psi M' = Phi Lambda'
        (d = e_a Phi_bj, m_a C_jb + m_b C_ja, m_a Phi_bj + (Phi Lambda')_b C_ja for a loading, a
        (co)variance and a regression). Derived by hand for this engine; checked against numerical
        second derivatives in tests/test_observed_information.py. ``parts``: ``_rank2(x)`` if at hand.
        """
        sigma, mu, u, v, dm, c, big_m, phi, cpm, c_alpha = self._rank2(x) if parts is None else parts
        kk = self.k
        out = np.zeros((kk, kk))
        wu, wv = w @ u, w @ v
        mt_wu, mt_wv, cpm_wu = big_m.T @ wu, big_m.T @ wv, cpm @ wu
        lam_k, lam_a, lam_b = self._pos["lambda"]
        bet_k, bet_a, bet_b = self._pos["beta"]
        psi_k, psi_a, psi_b = self._pos["psi"]
        half = np.where(psi_a == psi_b, 0.5, 1.0)
        ix = self._block
        # k whose u is a column of M (covariances and regressions among inner variables)
        for kind, ks, iu in (("psi", psi_k, psi_a), ("beta", bet_k, bet_a)):
            if len(ks):
                out[ix(kind, "lambda")] += c[lam_b][:, iu].T * wv[lam_a][:, ks].T
                out[ix(kind, "beta")] += c[bet_b][:, iu].T * mt_wv[bet_a][:, ks].T
        # k whose v is a (halved) column of M: Psi rows
        if len(psi_k):
            out[ix("psi", "lambda")] += half[:, None] * c[lam_b][:, psi_b].T * wu[lam_a][:, psi_k].T
            out[ix("psi", "beta")] += half[:, None] * c[bet_b][:, psi_b].T * mt_wu[bet_a][:, psi_k].T
        # k whose v is a row of C Psi M': loadings and regressions
        for kind, ks, jc in (("lambda", lam_k, lam_b), ("beta", bet_k, bet_b)):
            if len(ks):
                out[ix(kind, "lambda")] += phi[lam_b][:, jc].T * wu[lam_a][:, ks].T
                off = (psi_a != psi_b).astype(float)
                out[ix(kind, "psi")] += (mt_wu[psi_a][:, ks].T * c[jc][:, psi_b]
                                         + off * mt_wu[psi_b][:, ks].T * c[jc][:, psi_a])
                out[ix(kind, "beta")] += (mt_wu[bet_a][:, ks].T * phi[bet_b][:, jc].T
                                          + cpm_wu[bet_b][:, ks].T * c[jc][:, bet_a])
        out *= 2.0
        if ar is not None:
            out -= 2.0 * self._mean_second_order(c, big_m, c_alpha, ar)
        return out

    def _mean_second_order(self, c, big_m, c_alpha, ar) -> np.ndarray:
        """ar' d2mu/dx_k dx_l for mu = nu + Lambda C alpha."""
        kk = self.k
        out = np.zeros((kk, kk))
        mt_ar = big_m.T @ ar
        lam_k, lam_i, lam_j = self._pos["lambda"]
        bet_k, bet_i, bet_j = self._pos["beta"]
        al_k, al_i, _ = self._pos["alpha"]
        ix = self._block
        # loading (i, j): dmu = e_i (C alpha)_j
        out[ix("lambda", "beta")] += ar[lam_i][:, None] * c[lam_j][:, bet_i] * c_alpha[bet_j][None, :]
        out[ix("lambda", "alpha")] += ar[lam_i][:, None] * c[lam_j][:, al_i]
        # regression (i, j): dmu = m_i (C alpha)_j
        out[ix("beta", "lambda")] += ar[lam_i][None, :] * c[lam_j][:, bet_i].T * c_alpha[bet_j][:, None]
        out[ix("beta", "beta")] += (mt_ar[bet_i][None, :] * c[bet_j][:, bet_i].T * c_alpha[bet_j][:, None]
                                    + mt_ar[bet_i][:, None] * c[bet_j][:, bet_i] * c_alpha[bet_j][None, :])
        out[ix("beta", "alpha")] += mt_ar[bet_i][:, None] * c[bet_j][:, al_i]
        # intercept of an inner variable (i): dmu = m_i
        out[ix("alpha", "lambda")] += ar[lam_i][None, :] * c[lam_j][:, al_i].T
        out[ix("alpha", "beta")] += mt_ar[bet_i][None, :] * c[bet_j][:, al_i].T
        return out

    def _block(self, rows_of: str, cols_of: str) -> tuple[np.ndarray, np.ndarray]:
        """``np.ix_`` of the free rows of two matrices (a k x k block of the Hessian), built once."""
        key = (rows_of, cols_of)
        hit = self._blocks.get(key)
        if hit is None:
            hit = self._blocks[key] = np.ix_(self._pos[rows_of][0], self._pos[cols_of][0])
        return hit

    def _rank2_constants(self):
        """The parts of U, V and dmu that do not depend on x (unit vectors of Theta, Lambda and nu rows)."""
        p = self.p
        u0, v0, dm0 = np.zeros((p, self.k)), np.zeros((p, self.k)), np.zeros((self.k, p))
        k, i, j = self._pos["theta"]
        u0[i, k] = 1.0
        v0[j, k] = np.where(i == j, 0.5, 1.0)
        k, i, _ = self._pos["lambda"]
        u0[i, k] = 1.0
        k, i, _ = self._pos["nu"]
        dm0[k, i] = 1.0
        _, i, j = self._pos["psi"]
        return u0, v0, dm0, np.where(i == j, 0.5, 1.0)

    def values(self, x: np.ndarray, mats: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """Value of every row (free and fixed) at ``x`` (or read from ``mats``), in ``rows`` order."""
        mats = self.matrices(x) if mats is None else mats
        return np.concatenate([mats[key].ravel() for key in MATRICES])[self.flat_index]

    @property
    def flat_index(self) -> np.ndarray:
        """Position of every row in the concatenation of the raveled matrices (MATRICES order)."""
        if self._flat_index is None:
            shapes = {"lambda": (self.p, self.m), "beta": (self.m, self.m), "psi": (self.m, self.m),
                      "theta": (self.p, self.p), "nu": (self.p, 1), "alpha": (self.m, 1)}
            offset, offsets = 0, {}
            for key in MATRICES:
                offsets[key] = offset
                offset += shapes[key][0] * shapes[key][1]
            self._flat_index = np.array([offsets[r.mat] + r.row * shapes[r.mat][1] + (r.col if r.mat not in
                                         ("nu", "alpha") else 0) for r in self.rows], dtype=int)
        return self._flat_index

    def start(self, s: np.ndarray, mean: np.ndarray) -> np.ndarray:
        """Starting values for the free rows from the sample moments (lavaan-like "simple" starts).

        Observed residual variances half the sample variance; latent variances from indicator
        triads; free loadings S_im / psi against the factor's marker (1 under std.lv scaled by
        sqrt(var/2)); covariances 0; intercepts the sample means. Regressions among latent
        variables with markers start at their least-squares values on the latent covariances the
        markers imply (lavaan starts them at 0; this start lies nearer the optimum, which is the
        same, and saves Fisher scoring two or three steps), see ``_regression_start``.
        """
        ov = {v: i for i, v in enumerate(self.observed)}
        inn = {v: i for i, v in enumerate(self.inner)}
        indicators: dict[str, list[ParRow]] = {}
        for r in self.rows:
            if r.op == "=~" and r.rhs in ov:
                indicators.setdefault(r.lhs, []).append(r)
        # each factor's marker: its first fixed, non-zero loading (factors without one get no triad variance)
        markers = {f: r for f, rs in indicators.items()
                   if (r := next((x for x in rs if not x.is_free and x.ustart not in (0.0,)), None)) is not None}
        lv_var: dict[str, float] = {}
        for f, marker in markers.items():
            rs = indicators[f]
            m = ov[marker.rhs]
            others = [ov[r.rhs] for r in rs if r is not marker]
            est = [s[m, a] * s[m, b] / s[a, b] for x_, a in enumerate(others) for b in others[x_ + 1:]
                   if abs(s[a, b]) > 1e-12]
            est = sorted(e for e in est if e > 0)
            half = len(est) // 2  # the median (numpy's costs more than the rest of the start on a short list)
            value = float(est[half] if len(est) % 2 else (est[half - 1] + est[half]) / 2) if est else 0.5 * s[m, m]
            lv_var[f] = min(max(value, 0.05 * s[m, m]), s[m, m]) / max(marker.ustart ** 2, 1e-12)
        out = np.zeros(self.k)
        for n, pos in enumerate(self.free):
            r = self.rows[pos]
            if not np.isnan(r.ustart):
                out[n] = r.ustart
                continue
            if r.op == "=~":
                if r.rhs in ov and r.lhs in lv_var:
                    marker = markers[r.lhs]
                    out[n] = s[ov[r.rhs], ov[marker.rhs]] / (lv_var[r.lhs] * marker.ustart)
                elif r.rhs in ov:
                    out[n] = np.sqrt(0.5 * s[ov[r.rhs], ov[r.rhs]])
                else:
                    out[n] = 1.0
            elif r.op == "~~" and r.lhs == r.rhs:
                if r.lhs in self.latent:
                    out[n] = lv_var.get(r.lhs, 0.05)
                elif r.lhs in ov:
                    i = ov[r.lhs]
                    out[n] = 0.5 * s[i, i] if (r.lhs not in inn or self._has_predictor(r.lhs)) else s[i, i]
            elif r.op == "~1":
                out[n] = mean[ov[r.lhs]] if r.lhs in ov and r.mat == "nu" else (
                    mean[ov[r.lhs]] if r.lhs in ov and not self._has_predictor(r.lhs) else 0.0)
        self._regression_start(out, s, {f: (ov[r.rhs], r.ustart) for f, r in markers.items()}, lv_var)
        return out

    def _regression_start(self, out: np.ndarray, s: np.ndarray, markers: dict[str, tuple[int, float]],
                          lv_var: dict[str, float]) -> None:
        """Start each latent outcome's regressions (all predictors latent with markers, no user start)
        at B = Phi_xx^-1 Phi_xy and its residual variance at Phi_yy - Phi_yx B, with Phi_ab = S[marker a,
        marker b] / (lambda_a lambda_b) off the diagonal and the triad variances on it; an outcome
        whose Phi_xx is singular or whose residual variance would fall below 5 % keeps the zero start."""
        local = {(self.rows[pos].mat, self.rows[pos].row, self.rows[pos].col): n for n, pos in enumerate(self.free)}
        paths: dict[str, list[tuple[str, int]]] = {}
        for n, pos in enumerate(self.free):
            r = self.rows[pos]
            if r.op == "~" and r.mat == "beta":
                paths.setdefault(r.lhs, []).append((r.rhs, n))

        def phi(a: str, b: str) -> float:
            if a == b:
                return lv_var[a]
            (i, li), (j, lj) = markers[a], markers[b]
            return s[i, j] / (li * lj)

        inn = {v: i for i, v in enumerate(self.inner)}
        for y, xs in paths.items():
            names = [x for x, _ in xs]
            if y not in markers or any(x not in markers for x in names) or len(set(names)) < len(names) \
                    or any(not np.isnan(self.rows[self.free[n]].ustart) for _, n in xs):
                continue
            phi_xx = np.array([[phi(a, b) for b in names] for a in names])
            phi_xy = np.array([phi(a, y) for a in names])
            try:
                b = np.linalg.solve(phi_xx, phi_xy)
            except np.linalg.LinAlgError:
                continue
            resid = lv_var[y] - phi_xy @ b
            if not np.isfinite(resid) or resid < 0.05 * lv_var[y]:
                continue
            for (_, n), value in zip(xs, b, strict=True):
                out[n] = value
            k = local.get(("psi", inn[y], inn[y]))
            if k is not None and np.isnan(self.rows[self.free[k]].ustart):
                out[k] = resid

    def _has_predictor(self, v: str) -> bool:
        return any(r.op in ("~", "=~") and (r.lhs == v if r.op == "~" else r.rhs == v) for r in self.rows)


def _place(base: dict, mat: str, i: int, j: int, value: float) -> None:
    if mat in ("nu", "alpha"):
        base[mat][i] = value
    else:
        base[mat][i, j] = value
        if mat in ("psi", "theta"):
            base[mat][j, i] = value


def _nilpotency(beta: np.ndarray, pos, m: int) -> int | None:
    """Smallest d with pattern(B)^d = 0 (None when the structural model has a cycle)."""
    pattern = (beta != 0).astype(float)
    _, i, j = pos
    pattern[i, j] = 1.0
    power = np.eye(m)
    for d in range(1, m + 2):
        power = power @ pattern
        if not power.any():
            return d
    return None
