"""Nonparametric bootstrap of a fitted SEM: parameters, standardized estimates, defined
parameters and effects, with percentile or BCa intervals.

Resample indices are drawn up front from ``np.random.default_rng(seed)``; chunks of resamples
are fitted together (batched.py) as tasks of :func:`stickiness_research.executor.run_tasks` (in
process, on local threads or on a Dask cluster), so results are identical whatever ``n_jobs`` or
``scheduler``. Failed resamples (singular covariance, no convergence) are counted and left out of
the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, stats

from .._blas import single_threaded_blas
from .._summary import Reportable
from .._validation import BOOL, N_JOBS, NON_NEGATIVE_INT, POSITIVE_INT, Interval, Options, check
from ..errors import EstimationError, ModelSpecError
from ..executor import connect, map_chunks
from .batched import CompiledModel, fit_batch
from .build import build_problem, sample_moments
from .effects import ModelEffects, effect_labels, effect_values, structural_paths
from .fiml import FimlProblem, em_saturated
from .fit import (
    _solve_constrained,
    _start_values,
    defined_values,
    label_environment,
    row_values,
    solve_fiml_constrained,
    table_rows,
)
from .problem import GRADIENT_TOLERANCE, Group, Problem, solve
from .standardize import group_standardized

CHUNK = 500
# a resample's fit stops at a largest gradient of 1e-6: its estimates are then within about 1e-6 of the optimum,
# far inside the bootstrap's Monte Carlo error (SE / sqrt(n_boot), ~1e-3) and tighter than lavaan's own stopping
# rule; the full-sample fit and the jackknife (whose differences of ~1/n feed BCa) keep fit_batch's 1e-8
RESAMPLE_GRADIENT_TOLERANCE = 1e-6
MIN_BCA = 1000  # fewest resamples for BCa intervals (also at least n); Efron & Tibshirani (1993), ch. 14
MIN_PERCENTILE = 1000  # below this, percentile intervals carry a warning
# the functions a ':=' definition may call, on arrays of resamples (fit.defined_values)
DEFINED_FUNCTIONS = {"sqrt": np.sqrt, "exp": np.exp, "log": np.log, "abs": np.abs}


@dataclass(frozen=True, eq=False)
class BootstrapResult(Reportable):
    """Bootstrap intervals for every parameter, defined parameter and effect.

    Attributes
    ----------
    table : DataFrame
        lhs op rhs label est boot_se ci_lower ci_upper std_all std_ci_lower std_ci_upper
        (effects have op ``effect`` and ``lhs`` = the path, ``rhs`` = direct/indirect/total).
    draws : DataFrame
        One row per successful resample, one column per quantity (unstandardized).
    n_boot, n_failed, seed, ci, level
    warnings : tuple of str
        Caveats about the intervals (e.g. too few resamples for stable percentile tails).
    """

    table: pd.DataFrame
    draws: pd.DataFrame
    n_boot: int
    n_failed: int
    seed: int | None
    ci: str
    level: float
    warnings: tuple[str, ...] = ()

    def effects(self) -> pd.DataFrame:
        return self.table[self.table["op"] == "effect"].reset_index(drop=True)

    title = "Bootstrap"

    def headline(self) -> list[str]:
        return [f"{self.n_boot} resamples ({self.n_failed} failed), seed {self.seed}, {self.ci} {self.level:.0%} "
                "intervals"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``estimates``: every parameter and effect with its bootstrap SE and interval."""
        return {"estimates": self.table}

    def meta(self) -> dict[str, Any]:
        """``n_boot``, ``n_failed``, ``seed``, ``ci`` (the interval method) and ``level``."""
        return {"n_boot": self.n_boot, "n_failed": self.n_failed, "seed": self.seed, "ci": self.ci,
                "level": self.level}

    def summary_notes(self) -> list[str]:
        return [f"warning: {w}" for w in self.warnings]


@single_threaded_blas
def bootstrap(result, n_boot: int = 5000, seed: int | None = 1, *, ci: str = "percentile", level: float = 0.95,
              n_jobs: int = 1, scheduler: Any = None, progress: bool = False) -> BootstrapResult:
    """Bootstrap a fitted model (see :meth:`SEMResult.bootstrap`): a single-group ML model without a mean structure
    by batches of resamples fitted together (batched.py), anything else by refitting each resample."""
    check(n_boot, "n_boot", "bootstrap", POSITIVE_INT)
    check(ci, "ci", "bootstrap", Options(("percentile", "bca")))
    check(level, "level", "bootstrap", Interval(float, 0, 1, closed="neither"))
    check(n_jobs, "n_jobs", "bootstrap", *N_JOBS)
    check(seed, "seed", "bootstrap", NON_NEGATIVE_INT, None)
    check(progress, "progress", "bootstrap", BOOL)
    state = result._state
    problem: Problem = state.problem
    from .categorical import ESTIMATORS as CATEGORICAL

    if result.estimator in CATEGORICAL:
        from .categorical import bootstrap_categorical

        # as the ML refits below: resamples to RESAMPLE_GRADIENT_TOLERANCE, the jackknife to the fit's tolerance
        with connect(scheduler, "bootstrap") as client:
            return _bootstrap_refit(result, partial(bootstrap_categorical, tol=RESAMPLE_GRADIENT_TOLERANCE), n_boot,
                                    seed, ci, level, n_jobs, progress, client, jackknife_refits=bootstrap_categorical,
                                    categorical=True)
    bounded = any(r.op in ("<", ">") for r in state.partable.rows)
    if len(problem.groups) > 1 or problem.meanstructure or bounded:
        # several groups (resampled within each), a mean structure, FIML or inequality constraints (each resample
        # refitted under them, as lavaan; the batched path would hold an active bound's parameter at its bound in
        # every resample): each resample refitted as fit_sem fits
        # resamples to RESAMPLE_GRADIENT_TOLERANCE, the jackknife (BCa) to the full fit's tolerance
        refits = partial(ml_refits, tol=RESAMPLE_GRADIENT_TOLERANCE)
        with connect(scheduler, "bootstrap") as client:
            return _bootstrap_refit(result, refits, n_boot, seed, ci, level, n_jobs, progress, client,
                                    jackknife_refits=ml_refits, categorical=False)
    group = problem.groups[0]
    theta_hat = state.solution.theta
    x = state.data[0][1].to_numpy(dtype=float)
    n = len(x)
    notes = _interval_checks(n_boot, n, ci)
    quantities = Quantities(result, group, theta_hat)
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, n, size=(n_boot, n))
    chunks = [indices[i:i + CHUNK] for i in range(0, n_boot, CHUNK)]
    model = CompiledModel(group)
    info = _curvature(problem, state.solution)
    # every resample is drawn above, so a chunk's result does not depend on where it runs (map_chunks). Local
    # workers are threads: a chunk's time is in numpy (GIL released), while starting fresh processes cost as much
    # as a whole 5000-resample run (one-shot n_jobs=2 runs of the default model: 4-8 s on processes, 2.5-4 s on
    # threads, on a loaded 2-core machine). connect() here, so that a missing scheduler is reported as bootstrap's
    with connect(scheduler, "bootstrap") as client:
        outputs = map_chunks(partial(_fit_chunk, model, problem, quantities, x, theta_hat, info), chunks,
                             n_jobs=n_jobs, scheduler=client, progress=progress, description="bootstrap")
    values = np.concatenate([o[0] for o in outputs])
    ok = np.concatenate([o[1] for o in outputs])
    draws = values[ok]
    point = quantities.values(theta_hat[None])[0]
    alpha = 1 - level
    if ci == "bca":
        jack = _jackknife(model, problem, group, quantities, x, theta_hat, info)
        lower, upper = _bca(draws, point, jack, alpha)
    else:
        lower, upper = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    table = quantities.table(point, _boot_se(draws), lower, upper)
    return BootstrapResult(table=table, draws=pd.DataFrame(draws[:, :quantities.n_raw],
                                                           columns=quantities.raw_names),
                           n_boot=n_boot, n_failed=int((~ok).sum()), seed=seed, ci=ci, level=level,
                           warnings=tuple(notes))


def _boot_se(draws: np.ndarray) -> np.ndarray:
    """Each quantity's bootstrap SE (SD over resamples, ddof 1): exactly 0 where every resample gives the same value
    (a fixed parameter; a float sum would leave ~1e-16), NaN from fewer than two resamples."""
    if len(draws) < 2:
        return np.full(draws.shape[1], np.nan)
    return np.where(np.ptp(draws, axis=0) == 0, 0.0, draws.std(axis=0, ddof=1))


def _interval_checks(n_boot: int, n: int, ci: str) -> list[str]:
    """Refuse too few resamples for BCa (ParameterError); a note when percentile tails rest on few resamples."""
    if ci == "bca":  # BCa's bias and acceleration corrections need the tails of many resamples
        need = max(MIN_BCA, n)
        check(n_boot, "n_boot", "bootstrap", Interval(int, need, None),
              when=f"when ci='bca' (at least {MIN_BCA} resamples and no fewer than the {n} respondents; "
                   "or use ci='percentile')")
    elif n_boot < MIN_PERCENTILE:
        return [f"percentile intervals from {n_boot} resamples are unstable in the tails; use at least "
                f"{MIN_PERCENTILE} (Efron & Tibshirani, 1993)."]
    return []


def _bootstrap_refit(result, refits, n_boot: int, seed: int | None, ci: str, level: float, n_jobs: int,
                     progress: bool, scheduler: Any = None, *, jackknife_refits=None,
                     categorical: bool) -> BootstrapResult:
    """The bootstrap by refitting every resample from its own sample statistics, as fit_sem fits the data (an
    ordered-items fit: thresholds, polychorics and weights; an ML fit of several groups or with a mean structure:
    each group's covariances and means), the same resample indices as the batched ML bootstrap; BCa's
    acceleration from the jackknife, the model refitted without each respondent in turn. ``refits(result,
    resamples, n_jobs, progress, scheduler)``: :func:`.categorical.bootstrap_categorical` or :func:`ml_refits`;
    ``jackknife_refits`` the same for the jackknife (default ``refits``)."""
    sizes = [len(frame) for _, frame in result._state.data]
    n = sum(sizes)
    notes = _interval_checks(n_boot, n, ci)
    rng = np.random.default_rng(seed)
    # within each group, as lavaan resamples several groups (each resample keeps the groups' sizes); one group draws
    # the same indices as the ML bootstrap
    per_group = [rng.integers(0, size, size=(n_boot, size)) for size in sizes]
    resamples = list(zip(*per_group, strict=True))
    names, values, ok, point = refits(result, resamples, n_jobs, progress, scheduler)
    draws = values[ok]
    if not len(draws):
        raise ModelSpecError("no bootstrap resample could be fitted " + (
            "(each lacked some answer category); merge sparse categories or use the robust standard errors."
            if categorical else "(none converged); check the model's fit, or use the delta-method standard errors."))
    if (~ok).any():
        why = "e.g. a category nobody chose" if categorical else "no convergence or a singular covariance matrix"
        notes.append(f"{int((~ok).sum())} resample(s) could not be fitted ({why}) and are left out, as lavaan does.")
    alpha = 1 - level
    if ci == "bca":
        # leave-one-out rows (int32), fitted as resamples are: each respondent left out of its group in turn; a
        # respondent alone in a category leaves a model that cannot be fitted: NaN, left out of the acceleration
        # (_bca's nan-sums)
        whole = [np.arange(size, dtype=np.int32) for size in sizes]
        loo = [tuple(np.delete(rows, i) if h == g else rows for h, rows in enumerate(whole))
               for g, size in enumerate(sizes) for i in range(size)]
        _, jack, jack_ok, _ = (jackknife_refits or refits)(result, loo, n_jobs, progress, scheduler)
        if (~jack_ok).any():
            notes.append(f"{int((~jack_ok).sum())} of the {n} leave-one-out fits (the jackknife behind BCa's "
                         "acceleration) could not be fitted" + (", e.g. without the only answer in a category"
                                                                if categorical else "")
                         + "; the acceleration uses the others.")
        lower, upper = _bca(draws, point, jack, alpha)
    else:
        lower, upper = np.percentile(draws, [100 * alpha / 2, 100 * (1 - alpha / 2)], axis=0)
    se = _boot_se(draws)
    k = len(names)
    frame = pd.DataFrame(names, columns=["lhs", "op", "rhs", "label", "group"])
    if len(sizes) == 1:
        frame = frame.drop(columns="group")
    frame["est"], frame["boot_se"] = point[:k], se[:k]
    frame["ci_lower"], frame["ci_upper"] = lower[:k], upper[:k]
    frame["std_all"], frame["std_ci_lower"], frame["std_ci_upper"] = point[k:], lower[k:], upper[k:]
    raw_names = [f"{a} {op} {b}".strip() + (f" [{group}]" if group else "") for a, op, b, _, group in names]
    return BootstrapResult(table=frame, draws=pd.DataFrame(draws[:, :k], columns=raw_names), n_boot=n_boot,
                           n_failed=int((~ok).sum()), seed=seed, ci=ci, level=level, warnings=tuple(notes))


def _fixed_x_columns(rows: list, width: int) -> np.ndarray:
    """Where the fixed.x rows (the covariates' own variances, covariances and means; fixed, exo) are among the
    bootstrapped quantities (a row's value and, in the second half, its std.all): lavaan reports them with no
    bootstrap variance, as fixed values, though each resample's are its own sample's."""
    fixed = np.zeros(width, dtype=bool)
    at = np.flatnonzero([bool(r.exo) and r.fixed for r in rows])
    fixed[at] = fixed[width // 2 + at] = True
    return fixed


class RefitQuantities:
    """What every refitted resample gives, for the ML and the ordered-items refits alike: each table row's value,
    the defined parameters and each group's effects (:class:`.effects.ModelEffects`), then their std.all versions;
    with their names and the full-sample values. ``row_values(problem, theta)`` gives the (table rows, values,
    std.all) of a problem of its kind."""

    def __init__(self, problem, partable, theta_hat: np.ndarray, row_values):
        self.partable = partable
        self.row_values = row_values
        self.effects = ModelEffects(problem, theta_hat)
        self.labels = ["" if len(problem.groups) == 1 else g.label for g in problem.groups]  # TableRow.group: 0-based
        self.rows, self.point = self._values(problem, theta_hat)
        self.fixed_x = _fixed_x_columns(self.rows, len(self.point))

    def _values(self, problem, theta: np.ndarray) -> tuple[list, np.ndarray]:
        rows, values, std_all = self.row_values(problem, theta)
        raw = [values, np.asarray(defined_values(self.partable, label_environment(rows, self.partable, values),
                                                 DEFINED_FUNCTIONS), dtype=float), self.effects.values(problem, theta)]
        std = [std_all, np.asarray(defined_values(self.partable, label_environment(rows, self.partable, std_all),
                                                  DEFINED_FUNCTIONS), dtype=float),
               self.effects.values(problem, theta, standardized=True)]
        return rows, np.concatenate(raw + std)

    def __call__(self, problem, theta: np.ndarray) -> np.ndarray:
        out = self._values(problem, theta)[1]
        out[self.fixed_x] = self.point[self.fixed_x]  # fixed.x rows are fixed, not estimated: no sampling variance
        return out

    def names(self) -> list[tuple[str, str, str, str, str]]:
        """(lhs, op, rhs, label, group label or "") per raw quantity."""
        return ([(r.lhs, r.op, r.rhs, r.label, self.labels[r.group]) for r in self.rows]
                + [(d.lhs, ":=", d.rhs, d.lhs, "") for d in self.partable.definitions()]
                + [(path, "effect", kind, "", group) for path, kind, group in self.effects.names])

    def run(self, one, resamples, n_jobs: int, progress: bool, scheduler) -> tuple[list, np.ndarray, np.ndarray,
                                                                                  np.ndarray]:
        """``one(rows_per_group)`` (values, or None where the resample could not be fitted) over the resamples, in
        chunks of 50 on the executor: (names, values (n_resamples, k), ok, point)."""
        chunks = [resamples[i:i + 50] for i in range(0, len(resamples), 50)]
        outs = map_chunks(lambda chunk: [one(idx) for idx in chunk], chunks, n_jobs=n_jobs, scheduler=scheduler,
                          progress=progress, description="bootstrap")
        flat = [o for chunk in outs for o in chunk]
        ok = np.array([o is not None for o in flat], dtype=bool)
        values = np.array([o if o is not None else np.full(len(self.point), np.nan) for o in flat])
        return self.names(), values, ok, self.point


def ml_refits(result, resamples, n_jobs: int = 1, progress: bool = False, scheduler=None, *,
              tol: float = GRADIENT_TOLERANCE):
    """Refit an ML fit on resamples of its rows: each group's covariance matrix (divisor N) and means of its
    resampled rows, the problem built and solved as :func:`.fit.fit_sem` builds and solves it (fixed.x covariates
    at the resample's moments, equality constraints, bounds), from the full-sample estimates. A full-information
    fit (``missing="ml"``) resamples its incomplete rows: each resample's EM moments (fixed.x, as the fit) and its
    own missingness patterns, the FIML discrepancy minimised from the full-sample estimates with the full
    sample's FIML Hessian as the first step matrix. lavaan's ``bootstrapLavaan`` (type "ordinary") refits so too,
    resampling within each group.

    Parameters and returns as :func:`.categorical.bootstrap_categorical`: ``resamples`` holds per resample, per group
    the row positions in the group's fitted rows; returns ``names`` (lhs, op, rhs, label, group label or ""),
    ``values`` (n_resamples, k) of row values, defined parameters and (one group) effects, then their std.all
    versions, ``ok`` and the full-sample ``point``. ``tol``: the largest gradient each refit stops at; every refit
    steps with the full sample's Hessian while that halves its gradient.
    """
    state = result._state
    problem: Problem = state.problem
    partable = state.partable
    theta_hat = state.solution.theta
    xs = [(label, frame.to_numpy(dtype=float)) for label, frame in state.data]

    def ml_row_values(prob: Problem, theta: np.ndarray):
        rows = table_rows(prob)
        return rows, row_values(prob, rows, theta), group_standardized(prob, rows, theta)[1]

    quantities = RefitQuantities(problem, partable, theta_hat, ml_row_values)
    # each refit starts from the fit's values by row: theta_hat itself is shorter than a fresh problem's theta
    # when an inequality constraint was active (the fit held that parameter at its bound)
    start = _start_values(result)
    fiml = isinstance(problem, FimlProblem)
    hess_hat = _curvature(problem, state.solution)  # FIML: its observed Hessian
    try:
        curvature = linalg.cho_factor(hess_hat, check_finite=False)
    except (linalg.LinAlgError, NotImplementedError):
        curvature = None

    def one(rows_per_group: tuple[np.ndarray, ...]) -> np.ndarray | None:
        try:
            with np.errstate(all="ignore"):
                parts = [(label, x[idx]) for (label, x), idx in zip(xs, rows_per_group, strict=True)]
                moments = []
                for label, x in parts:
                    m, s = em_saturated(x) if fiml else sample_moments(x)[::-1]
                    if not np.isfinite(s).all():
                        raise EstimationError("no moments")  # a variable no resampled respondent answered
                    np.linalg.cholesky(s)  # a singular resample (a constant item in it) cannot be fitted
                    moments.append((label, s, m, len(x)))
                prob = build_problem(partable, moments, start)
                if fiml:  # as fit_sem solves, with the active-set refits of inequality constraints
                    # the fit's Hessian steps the refit from the fit's estimates; where a bound was active there
                    # (a shorter theta) the refit starts from its two-stage estimate, as the fit
                    if curvature is not None and len(hess_hat) == prob.n_free:
                        start_at = {"start": prob.start, "step_matrix": hess_hat}
                    else:
                        start_at = {"start": prob.start} if not prob.bounds else {}
                    prob, sol, _ = solve_fiml_constrained(prob, [x for _, x in parts], tol=tol, hessian=False,
                                                          **start_at)
                    return quantities(prob, sol.theta)
                if prob.bounds:  # as fit_sem solves: the active-set refits
                    prob, sol = _solve_constrained(prob)
                else:
                    try:
                        sol = solve(prob, tol=tol, curvature=curvature)
                    except EstimationError:  # as fit_sem solves: quasi-Newton where scoring stalls
                        prob, sol = _solve_constrained(prob)
                return quantities(prob, sol.theta)
        except (EstimationError, ModelSpecError, np.linalg.LinAlgError):
            return None  # not positive definite, or no convergence: counted as failed

    # a refit is mostly Python (about 10 ms): local threads only contend for the interpreter (1000 resamples of three
    # groups: 6.7 s on one thread, 11 s on two), so they run in this thread; a Dask scheduler spreads them over
    # processes
    return quantities.run(one, resamples, 1, progress, scheduler)


def _fit_chunk(model: CompiledModel, problem: Problem, quantities: Quantities, x: np.ndarray,
               theta_hat: np.ndarray, info: np.ndarray, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One executor task: fit the resamples ``chunk`` (B, n) together, then one at a time those the batch could
    not, and return every quantity per resample and which converged. Module-level (and called through
    ``functools.partial``) so that Dask workers can unpickle it."""
    group = problem.groups[0]
    rows, cols = np.tril_indices(x.shape[1])
    s = _resample_covariances(chunk, x, x[:, rows] * x[:, cols], rows, cols)
    fit = fit_batch(model, s, theta_hat, info, tol=RESAMPLE_GRADIENT_TOLERANCE)
    theta, ok = fit.theta, fit.converged.copy()
    for b in np.flatnonzero(~ok):  # careful one-at-a-time fallback
        theta_b = _refit(problem, group, s[b], theta_hat)
        if theta_b is not None:
            theta[b], ok[b] = theta_b, True
    return quantities.values(theta, s), ok


def _resample_covariances(chunk: np.ndarray, x: np.ndarray, cross: np.ndarray, rows: np.ndarray,
                          cols: np.ndarray) -> np.ndarray:
    """Covariance matrices (divisor n) of the resamples ``chunk`` (B, n) of rows of ``x``.

    A resample is a vector of counts w (how often each respondent was drawn), so its moments are
    two matrix products for the whole chunk: means W x / n and cross-products W [x_a x_b] / n.
    """
    b, n = chunk.shape
    counts = np.bincount((chunk + n * np.arange(b)[:, None]).ravel(), minlength=b * n).reshape(b, n)
    counts = counts.astype(float)
    means = counts @ x / n
    vech = counts @ cross / n - means[:, rows] * means[:, cols]
    s = np.empty((b, x.shape[1], x.shape[1]))
    s[:, rows, cols] = vech
    s[:, cols, rows] = vech
    return s


def _curvature(problem: Problem, solution) -> np.ndarray:
    """The full-sample observed Hessian of F (per unit N/2) where positive definite, else the expected
    information: resample optima lie near the estimate, where the observed Hessian is their curvature
    up to O(1/sqrt(N)), while the expected one misses the misfit part (fewer iterations per resample)."""
    try:
        hess = problem.hessian(solution.theta)
        np.linalg.cholesky(hess)
        return hess
    except (np.linalg.LinAlgError, NotImplementedError):
        return solution.information


class Quantities:
    """Everything bootstrapped, as one vector per resample: row values, defined parameters, effects,
    then the standardized versions of all three."""

    def __init__(self, result, group: Group, theta_hat: np.ndarray):
        state = result._state
        self.structure = group.structure
        self.model = CompiledModel(group)
        self.rows = state.rows
        self.partable = state.partable
        self.definitions = self.partable.definitions()
        beta = self.model.matrices(theta_hat[None])["beta"][0]
        self.paths = structural_paths(self.structure, beta)[0]  # none in a non-recursive model
        self.effect_labels = effect_labels(self.paths)
        # the draws' columns, named as the refits' (RefitQuantities.names, BootstrapResult.draws)
        self.raw_names = ([f"{r.lhs} {r.op} {r.rhs}" for r in self.rows]
                          + [f"{d.lhs} := {d.rhs}" for d in self.definitions]
                          + [f"{path} effect {kind}" for path, kind in self.effect_labels])
        self.n_raw = len(self.raw_names)
        self.fixed_x = None
        self.point = self.values(theta_hat[None])[0]
        self.fixed_x = _fixed_x_columns(self.rows, len(self.point))

    def values(self, theta: np.ndarray, s: np.ndarray | None = None) -> np.ndarray:
        sigma, mats, c, _ = self.model.implied(theta, s)
        inner_cov = c @ mats["psi"] @ c.transpose(0, 2, 1)
        raw = np.stack([mats[r.matrix][:, r.index[0], r.index[1]] for r in self.rows], axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):  # failed resamples give NaN; they are dropped
            std = self._standardized(raw, mats, sigma, inner_cov)
            defined_raw = self._defined(raw, len(theta))
            defined_std = self._defined(std, len(theta))
        inner = self.structure.inner
        eff_raw = effect_values(inner, self.paths, mats["beta"])
        eff_std = effect_values(inner, self.paths, mats["beta"], inner_cov)
        out = np.concatenate([raw, defined_raw, eff_raw, std, defined_std, eff_std], axis=1)
        if self.fixed_x is not None:  # fixed.x rows are fixed, not estimated: no sampling variance
            out[:, self.fixed_x] = self.point[self.fixed_x]
        return out

    def _defined(self, column: np.ndarray, batch: int) -> np.ndarray:
        if not self.definitions:
            return np.zeros((batch, 0))
        env = label_environment(self.rows, self.partable, column)
        out = defined_values(self.partable, env, DEFINED_FUNCTIONS)
        return np.stack([np.broadcast_to(np.asarray(v, dtype=float), (batch,)) for v in out], axis=1)

    def _standardized(self, raw, mats, sigma, inner_cov) -> np.ndarray:
        st = self.structure
        total = {v: inner_cov[:, i, i] for i, v in enumerate(st.inner)}
        resid = {v: mats["psi"][:, i, i] for i, v in enumerate(st.inner)}
        for i, v in enumerate(st.observed):
            if v not in total:
                total[v] = sigma[:, i, i]
                resid[v] = mats["theta"][:, i, i]
        out = np.empty_like(raw)
        for k, r in enumerate(self.rows):
            if r.op == "=~":
                out[:, k] = raw[:, k] * np.sqrt(total[r.lhs] / total[r.rhs])
            elif r.op == "~":
                out[:, k] = raw[:, k] * np.sqrt(total[r.rhs] / total[r.lhs])
            elif r.lhs == r.rhs:
                out[:, k] = raw[:, k] / total[r.lhs]
            else:  # by sqrt(|residual variances|), as standardize.standardized and lavaan (cov.std = TRUE)
                out[:, k] = raw[:, k] / np.sqrt(np.abs(resid[r.lhs] * resid[r.rhs]))
        return out

    def table(self, point, se, lower, upper) -> pd.DataFrame:
        n = self.n_raw
        recs = []
        for r in self.rows:
            recs.append((r.lhs, r.op, r.rhs, r.label))
        for d in self.definitions:
            recs.append((d.lhs, ":=", d.rhs, d.lhs))
        for path, kind in self.effect_labels:
            recs.append((path, "effect", kind, ""))
        frame = pd.DataFrame(recs, columns=["lhs", "op", "rhs", "label"])
        frame["est"], frame["boot_se"] = point[:n], se[:n]
        frame["ci_lower"], frame["ci_upper"] = lower[:n], upper[:n]
        frame["std_all"], frame["std_ci_lower"], frame["std_ci_upper"] = point[n:], lower[n:], upper[n:]
        return frame


def _refit(problem: Problem, group: Group, s: np.ndarray, start: np.ndarray) -> np.ndarray | None:
    sign, logdet = np.linalg.slogdet(s)
    if sign <= 0:
        return None
    single = Group(label=group.label, structure=group.structure, s=s, m=group.m, n=group.n,
                   k_map=group.k_map, x0=group.x0, logdet_s=float(logdet), n_exo=group.n_exo)
    try:
        # resamples that the batch could not fit are usually near-singular: give up early
        return solve(Problem([single], problem.names, start, False), max_iter=100).theta
    except Exception:  # noqa: BLE001 - any failure of one resample is counted, not raised
        return None


def _jackknife(model: CompiledModel, problem: Problem, group: Group, quantities: Quantities, x: np.ndarray,
               theta_hat: np.ndarray, info: np.ndarray) -> np.ndarray:
    """Leave-one-out values of every quantity (for the BCa acceleration)."""
    n = len(x)
    mean = x.mean(axis=0)
    total = x.T @ x
    loo_mean = (n * mean[None] - x) / (n - 1)
    s = (total[None] - np.einsum("ni,nj->nij", x, x)) / (n - 1) - np.einsum("ni,nj->nij", loo_mean, loo_mean)
    fit = fit_batch(model, s, theta_hat, info)
    theta = fit.theta
    for i in np.flatnonzero(~fit.converged):
        refit = _refit(problem, group, s[i], theta_hat)
        theta[i] = refit if refit is not None else np.nan
    return quantities.values(theta, s)


def _bca(draws: np.ndarray, point: np.ndarray, jack: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Efron's bias-corrected and accelerated percentile interval, per column."""
    with np.errstate(divide="ignore", invalid="ignore"):
        prop = (draws < point).mean(axis=0) + 0.5 * (draws == point).mean(axis=0)
        z0 = stats.norm.ppf(np.clip(prop, 1 / (len(draws) + 1), 1 - 1 / (len(draws) + 1)))
        centered = np.nanmean(jack, axis=0) - jack
        accel = np.nansum(centered**3, axis=0) / (6 * np.nansum(centered**2, axis=0) ** 1.5)
        accel = np.nan_to_num(accel)
        z = stats.norm.ppf([alpha / 2, 1 - alpha / 2])
        lower_q = stats.norm.cdf(z0 + (z0 + z[0]) / (1 - accel * (z0 + z[0])))
        upper_q = stats.norm.cdf(z0 + (z0 + z[1]) / (1 - accel * (z0 + z[1])))
    lower = np.array([np.quantile(draws[:, k], np.nan_to_num(q, nan=alpha / 2)) for k, q in enumerate(lower_q)])
    upper = np.array([np.quantile(draws[:, k], np.nan_to_num(q, nan=1 - alpha / 2)) for k, q in enumerate(upper_q)])
    return lower, upper
