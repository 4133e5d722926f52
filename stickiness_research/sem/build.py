"""Lay out an estimation problem from a ParTable and data: per-group sample moments (fixed.x values
filled in), one MatrixModel per group, and the global parameter vector that labels, group.equal
and linear ``==`` constraints leave free.

Equalities are imposed by reparameterisation, as lavaan does for simple equality constraints:
free rows sharing a label are one parameter; a linear constraint (``a == 2*b``, ``a + b == 1``)
expresses one parameter through the others (reduced row echelon form), so the information matrix
stays that of an ordinary model and SEs need no Lagrange terms. Nonlinear ``==`` constraints are
refused with a named error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ModelSpecError
from .lisrel import MatrixModel
from .partable import CONSTRAINT_OPS, ParRow, ParTable
from .problem import Group, Problem
from .syntax import evaluate


def sample_moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Means and covariance with divisor N (lavaan's ML sample statistics)."""
    m = x.mean(axis=0)
    d = x - m
    return d.T @ d / len(x), m


def exo_values(partable: ParTable, group: int, s: np.ndarray, m: np.ndarray) -> dict[int, float]:
    """fixed.x: the (co)variances and means of exogenous covariates, taken from the sample."""
    ov = {v: i for i, v in enumerate(partable.ov_names)}
    out = {}
    for r in partable.model_rows(group):
        if r.exo:
            out[r.id] = float(m[ov[r.lhs]]) if r.op == "~1" else float(s[ov[r.lhs], ov[r.rhs]])
    return out


@dataclass(frozen=True)
class Layout:
    """What a Problem takes from its ParTable alone, built once per table and reused for every data set.

    Attributes
    ----------
    structures : tuple of MatrixModel
        One per group, fixed.x values not yet filled in.
    class_of : dict
        ParTable id of a free row -> its class (rows sharing a label are one class).
    class_rows : tuple of ParRow
        The first row of each class.
    k_maps, x0s : tuple of ndarray
        Per group, free-row values = x0 + K theta.
    names : tuple of str
        One per theta.
    bounds : tuple of (int, str, float)
        Inequality constraints on theta.
    """

    structures: tuple[MatrixModel, ...]
    class_of: dict[int, int]
    class_rows: tuple[ParRow, ...]
    basis: np.ndarray
    c0: np.ndarray
    k_maps: tuple[np.ndarray, ...]
    x0s: tuple[np.ndarray, ...]
    names: tuple[str, ...]
    bounds: tuple[tuple[int, str, float], ...]
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # derived once: fit.table_rows


_LAYOUTS: dict[int, tuple[ParTable, Layout]] = {}


def layout(partable: ParTable) -> Layout:
    """The table's :class:`Layout` (cached by table: lavaanify shares one ParTable per syntax and options).

    Raises
    ------
    ModelSpecError
        A nonlinear or contradictory equality constraint.
    """
    hit = _LAYOUTS.get(id(partable))
    if hit is not None and hit[0] is partable:
        return hit[1]
    structures = tuple(MatrixModel(partable, g_no) for g_no in range(1, partable.ngroups + 1))
    free_rows: list[ParRow] = [r for r in partable.rows if r.is_free and r.op in ("=~", "~", "~~", "~1", "|", "~*~")]
    # classes of free rows that are one parameter: shared labels (user labels, group.equal labels)
    cls_of: dict[int, int] = {}
    first_of_label: dict[str, int] = {}
    class_rows: list[ParRow] = []
    for r in free_rows:
        if r.label and r.label in first_of_label:
            cls_of[r.id] = first_of_label[r.label]
            continue
        cls_of[r.id] = len(class_rows)
        class_rows.append(r)
        if r.label:
            first_of_label[r.label] = cls_of[r.id]
    c0, basis, bounds = _constraints(partable, cls_of, first_of_label, len(class_rows))
    k_maps, x0s = [], []
    for st in structures:
        rows = [st.rows[pos] for pos in st.free]
        k_maps.append(np.array([basis[cls_of[r.id]] for r in rows]).reshape(len(rows), basis.shape[1]))
        x0s.append(np.array([c0[cls_of[r.id]] for r in rows], dtype=float))
    theta_bounds = []
    for cl, op, value in bounds:
        col = np.flatnonzero(basis[cl])
        if len(col) != 1 or not math.isclose(basis[cl, col[0]], 1.0) or c0[cl] != 0:
            raise ModelSpecError("an inequality constraint on a parameter that is itself constrained by '==' "
                                 "is not supported; constrain a free parameter.")
        theta_bounds.append((int(col[0]), op, value))
    out = Layout(structures, cls_of, tuple(class_rows), basis, c0, tuple(k_maps), tuple(x0s),
                 tuple(_names(partable, class_rows, basis)), tuple(theta_bounds))
    if len(_LAYOUTS) >= 256:
        _LAYOUTS.pop(next(iter(_LAYOUTS)))
    _LAYOUTS[id(partable)] = (partable, out)
    return out


def build_problem(partable: ParTable, moments: list[tuple[str, np.ndarray, np.ndarray, int]],
                  start: dict[tuple[str, str, str, int], float] | None = None) -> Problem:
    """Problem from a ParTable and per-group (label, S, mean, N) sample moments.

    ``start`` maps (lhs, op, rhs, group) to a starting value (lavaan's ``start = fit``: the
    estimates of a related model); rows it does not cover start from the sample moments.

    Raises
    ------
    ModelSpecError
        A nonlinear or contradictory equality constraint.
    """
    if partable.ov_ord:  # ML would drop the threshold rows and treat the items as continuous
        raise ModelSpecError(f"ordered items ({', '.join(partable.ov_ord)}) need thresholds, which ML estimation "
                             "does not model; fit them with estimator='WLSMV' (categorical.py).")
    lay = layout(partable)
    groups: list[Group] = []
    n_exo = len(partable.ov_x) if partable.fixed_x else 0
    for g_no, (label, s, m, n) in enumerate(moments, start=1):
        structure = lay.structures[g_no - 1]
        if any(r.exo for r in structure.rows):
            structure = structure.with_values(exo_values(partable, g_no, s, m))
        logdet = np.linalg.slogdet(s)[1]
        # k_map/x0 are copied: fixing a parameter at an active bound rewrites them per problem
        groups.append(Group(label=label, structure=structure, s=s, m=m, n=n, logdet_s=float(logdet),
                            n_exo=n_exo, k_map=lay.k_maps[g_no - 1].copy(), x0=lay.x0s[g_no - 1].copy()))
    # starting values of each class: its first row's start in its group
    start_cls = np.zeros(len(lay.class_rows))
    for g in groups:
        st = g.structure.start(g.s, g.m)
        for n_local, pos in enumerate(g.structure.free):
            r = g.structure.rows[pos]
            cl = lay.class_of[r.id]
            if lay.class_rows[cl].id == r.id:
                start_cls[cl] = (start or {}).get((r.lhs, r.op, r.rhs, r.group), st[n_local])
    basis = lay.basis
    if not basis.shape[1]:
        theta_start = np.zeros(0)
    elif basis.shape[0] == basis.shape[1] and not lay.c0.any():
        theta_start = start_cls  # no '==' constraint: the basis is the identity
    else:
        theta_start = np.linalg.lstsq(basis, start_cls - lay.c0, rcond=None)[0]
    problem = Problem(groups, list(lay.names), theta_start, partable.meanstructure, partable, list(lay.bounds))
    problem.layout = lay  # k_map/x0 as laid out (a problem with parameters fixed at bounds is a new one)
    return problem


def _names(partable: ParTable, class_rows: list[ParRow], basis: np.ndarray) -> list[str]:
    """A name per theta: its label, else 'lhs op rhs' (with the group in multi-group models)."""
    names = []
    for col in range(basis.shape[1]):
        cl = int(np.flatnonzero(basis[:, col])[0])
        r = class_rows[cl]
        if r.label and not r.label.startswith(".p"):
            name = r.label
        else:
            name = f"{r.lhs} ~1" if r.op == "~1" else f"{r.lhs} {r.op} {r.rhs}"
            if partable.ngroups > 1 and not r.label:
                name += f"@{r.group}"
        names.append(name)
    seen: dict[str, int] = {}
    out = []
    for name in names:  # keep names unique (vcov index)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out


def _constraints(partable: ParTable, cls_of: dict[int, int], first_of_label: dict[str, int],
                 n_cls: int) -> tuple[np.ndarray, np.ndarray, list[tuple[int, str, float]]]:
    """Class values = c0 + basis @ theta under the linear '==' rows; '<'/'>' rows as simple bounds."""
    by_name = dict(first_of_label)
    for r in partable.rows:
        if r.is_free and r.id in cls_of:
            by_name.setdefault(r.plabel, cls_of[r.id])
    # a constraint may name a labelled fixed parameter (its value; lavaan's 'b == a' with a marker 'a*x1') or a
    # defined one (its ':=' expression, so 'd == 0' with 'd := a - b' is the linear 'a - b == 0')
    fixed = {}
    for r in partable.rows:
        if r.label and r.op not in CONSTRAINT_OPS + (":=",) and not r.is_free and r.label not in by_name:
            fixed.setdefault(r.label, float(r.ustart))
    a_rows, b_vals, bounds = [], [], []
    for r in partable.constraints():
        if r.user == 2:
            continue  # label equalities: already one class
        fn, names = _linear_form(r, by_name, n_cls, fixed, partable.definitions())
        if r.op == "==":
            coef, const = fn
            a_rows.append(coef)
            b_vals.append(-const)
            continue
        coef, const = fn
        nz = np.flatnonzero(coef)
        if len(nz) != 1:
            raise ModelSpecError(f"model line {r.line}: inequality constraints must bound one parameter by a "
                                 f"number, e.g. 'a > 0' (got '{r.lhs} {r.op} {r.rhs}').")
        # coef * x + const  (op) 0   ->   x (op') -const / coef
        value = -const / coef[nz[0]]
        op = r.op if coef[nz[0]] > 0 else {"<": ">", ">": "<"}[r.op]
        bounds.append((int(nz[0]), op, float(value)))
    if not a_rows:
        return np.zeros(n_cls), np.eye(n_cls), bounds
    a = np.array(a_rows, dtype=float)
    b = np.array(b_vals, dtype=float)
    aug = np.concatenate([a, b[:, None]], axis=1)
    pivots = []
    row = 0
    for col in range(n_cls):  # reduced row echelon form; pivots become dependent parameters
        if row >= len(aug):
            break
        best = row + int(np.argmax(np.abs(aug[row:, col])))
        if abs(aug[best, col]) < 1e-12:
            continue
        aug[[row, best]] = aug[[best, row]]
        aug[row] /= aug[row, col]
        for other in range(len(aug)):
            if other != row:
                aug[other] -= aug[other, col] * aug[row]
        pivots.append(col)
        row += 1
    if np.any(np.abs(aug[row:, -1]) > 1e-10):
        raise ModelSpecError("the '==' constraints contradict each other; check them.")
    free_cols = [c for c in range(n_cls) if c not in pivots]
    basis = np.zeros((n_cls, len(free_cols)))
    c0 = np.zeros(n_cls)
    for j, col in enumerate(free_cols):
        basis[col, j] = 1.0
    for k, col in enumerate(pivots):
        c0[col] = aug[k, -1]
        for j, fc in enumerate(free_cols):
            basis[col, j] = -aug[k, fc]
    return c0, basis, bounds


def _linear_form(r: ParRow, by_name: dict[str, int], n_cls: int, fixed: dict[str, float] | None = None,
                 definitions: list[ParRow] | tuple = ()):
    """(coefficients, constant) of lhs - rhs as a linear function of the class values; ``fixed`` the labelled fixed
    parameters' values, ``definitions`` the ':=' rows (evaluated in order, so a constraint may use them)."""
    expr = f"({r.lhs.replace('^', '**')}) - ({r.rhs.replace('^', '**')})"
    names = [n for n in by_name]

    def f(x: np.ndarray) -> float:
        env = {**(fixed or {}), **{n: float(x[by_name[n]]) for n in names}}
        for d in definitions:
            env[d.lhs] = float(evaluate(d.rhs.replace("^", "**"), env))
        return float(evaluate(expr, env))

    try:
        const = f(np.zeros(n_cls))
        coef = np.array([f(np.eye(n_cls)[i]) - const for i in range(n_cls)])
        rng = np.random.default_rng(0)
        probe = rng.normal(size=n_cls)
        linear = math.isclose(f(probe), const + coef @ probe, rel_tol=1e-9, abs_tol=1e-9)
    except (ZeroDivisionError, ValueError, OverflowError, NameError):
        linear = False
    if not linear:
        raise ModelSpecError(f"model line {r.line}: '{r.lhs} {r.op} {r.rhs}' is a nonlinear constraint; only "
                             "linear constraints on labelled parameters (e.g. 'a == 2*b', 'a + b == 1', 'a > 0') "
                             "are supported.")
    return (coef, const), names


def frames_to_moments(frames: list[tuple[str, pd.DataFrame]], observed: list[str]):
    out = []
    for label, frame in frames:
        s, m = sample_moments(frame[observed].to_numpy(dtype=float))
        out.append((label, s, m, len(frame)))
    return out
