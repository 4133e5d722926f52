"""One model fitted to many datasets of the same variables (Monte Carlo power): the numbers fit_sem gives,
without the tables.

:func:`stickiness_research.power` fits the same model to hundreds of simulated datasets and needs a few
numbers from each: estimates, standard errors, Wald p-values, std.all values, the defined (``:=``)
parameters with their delta-method SEs, the covariance matrix of the estimates, and the chi-square and
close-fit p-values. ``fit_sem`` gives them inside pandas tables it builds per call (estimates, fit measures,
R-squared, the result object), about 15 ms per replication of the default model, of which the solve is 6.

:class:`ReplicationModel` takes the ParTable ``fit_sem(syntax, data)`` builds with its default options (the
same cached object: ``lavaanify`` and the layout are built once per syntax and process) and, per dataset,
builds the Problem from the sample moments (``build.build_problem``'s, its first one reused with each
dataset's moments swapped in), solves it with the same Fisher
scoring / Newton iteration (``problem.solve``) started at the population values instead of the
sample-moment start, and takes SEs from the expected information (``N/2`` times it, inverted, lavaan's
default for ML) and the defined parameters from the same delta method (``fit.defined_rows``). The optimum is
the same one, so the numbers agree with ``fit_sem`` on the same data to the solver's tolerance (a gradient
of 1e-10; ``tests/test_power_fast.py`` checks 1e-6 relative). Whatever it cannot do as fit_sem would (too few
rows, a singular covariance matrix, inequality constraints, no convergence, an unidentified solution) it
declines with ``None``, and the caller refits with ``fit_sem`` itself, whose errors then say why.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from ..errors import EstimationError
from .build import build_problem, exo_values, sample_moments
from .fit import defined_rows, row_jacobian, row_values, table_rows
from .fit_measures import rmsea_pvalue
from .problem import Problem, solve
from .result import SEMResult
from .standardize import group_standardized
from .syntax import Options, lavaanify


@dataclass(frozen=True)
class ReplicationFit:
    """One dataset's fit as plain arrays: the rows of ``SEMResult.estimates`` (model rows, then ``:=`` rows).

    Attributes
    ----------
    lhs, op, rhs, label : ndarray of str
        The estimates table's first columns.
    est, se, pvalue, std_all : ndarray
        Its numbers (SE 0 and p NaN for fixed rows, as there).
    theta_names : tuple of str
        The free parameters (``SEMResult.vcov``'s index).
    vcov : ndarray
        Covariance matrix of the free parameters.
    chisq_p, close_p : float
        ``fit_measures["pvalue"]`` (chi-square test of exact fit) and ``["rmsea.pvalue"]`` (close fit).
    """

    lhs: np.ndarray
    op: np.ndarray
    rhs: np.ndarray
    label: np.ndarray
    est: np.ndarray
    se: np.ndarray
    pvalue: np.ndarray
    std_all: np.ndarray
    theta_names: tuple[str, ...]
    vcov: np.ndarray
    chisq_p: float
    close_p: float

    @classmethod
    def from_result(cls, res: SEMResult) -> ReplicationFit:
        """The same numbers from a full :func:`~stickiness_research.fit_sem` result (the fallback's path)."""
        est = res.estimates
        columns = {c: est[c].to_numpy() for c in ("lhs", "op", "rhs", "label")}
        numbers = {c: est[c].to_numpy(dtype=float) for c in ("est", "se", "pvalue", "std_all")}
        return cls(**columns, **numbers, theta_names=tuple(res.vcov.index), vcov=res.vcov.to_numpy(),
                   chisq_p=float(res.fit_measures["pvalue"]),
                   close_p=float(res.fit_measures.get("rmsea.pvalue", np.nan)))


def fit_partable(syntax: str):
    """The ParTable ``fit_sem(syntax, data)`` fits with its default options (one group, no mean structure
    unless the syntax has intercepts, fixed.x): the same cached object, built once per syntax and process."""
    return lavaanify(syntax, Options())


class ReplicationModel:
    """A model compiled once and fitted to dataset after dataset (see the module docstring).

    Parameters
    ----------
    syntax : str
        lavaan model syntax, fitted as ``fit_sem(syntax, data)`` fits it (default options, one group).
    start : ndarray
        Starting values of the free parameters, in ``fit_sem``'s order (``res._state.solution.theta`` of a fit
        of the same syntax): the population values, where replications' estimates lie within a few SEs.

    Examples
    --------
    >>> import numpy as np, stickiness_research as sr
    >>> from stickiness_research.sem.replicate import ReplicationModel
    >>> hs = sr.datasets.holzinger_swineford()
    >>> syntax = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6"
    >>> res = sr.fit_sem(syntax, hs)
    >>> model = ReplicationModel(syntax, res._state.solution.theta)
    >>> fit = model.fit(hs[model.observed].to_numpy(dtype=float))
    >>> bool(np.allclose(fit.se, res.estimates["se"], rtol=1e-8))
    True
    """

    def __init__(self, syntax: str, start: np.ndarray) -> None:
        self.syntax = syntax
        self.start = np.asarray(start, dtype=float)
        self.observed = list(self.partable.ov_names)
        self._template: Problem | None = None

    @property
    def partable(self):
        """fit_sem's ParTable for this syntax (:func:`fit_partable`)."""
        return fit_partable(self.syntax)

    def __getstate__(self) -> dict:
        return {"syntax": self.syntax, "start": self.start}  # a worker rebuilds the rest from its own caches

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["syntax"], state["start"])

    def fit(self, x: np.ndarray) -> ReplicationFit | None:
        """Fit the rows of ``x`` (n, observed variables in ``self.observed`` order, complete); None where
        ``fit_sem`` must decide (see the module docstring)."""
        partable = self.partable
        n, p = x.shape
        if n <= p:
            return None
        s, m = sample_moments(x)
        try:
            np.linalg.cholesky(s)
        except np.linalg.LinAlgError:  # a constant or collinear item: fit_sem names it
            return None
        problem = self._problem(partable, s, m, n)
        moments = p * (p + 1) // 2 + (p if partable.meanstructure else 0)
        if problem.bounds or problem.n_free > moments or len(self.start) != problem.n_free:
            return None
        try:
            sol = solve(problem, start=self.start)
        except EstimationError:
            return None
        info = sol.information * n / 2.0
        if problem.identification_error(info) is not None:
            return None
        vcov = np.linalg.inv(info)
        rows = table_rows(problem)
        values = row_values(problem, rows, sol.theta)
        jac = row_jacobian(problem, rows)
        se = np.sqrt(np.clip(((jac @ vcov) * jac).sum(axis=1), 0, None))
        free = np.array([not r.fixed for r in rows], dtype=bool)
        std_lv, std_all = group_standardized(problem, rows, sol.theta)
        columns = {"lhs": [r.lhs for r in rows], "op": [r.op for r in rows], "rhs": [r.rhs for r in rows],
                   "label": [r.label for r in rows]}
        numbers = {"est": values, "se": se, "pvalue": _wald_p(values, se, free), "std_all": std_all}
        defined = defined_rows(rows, partable, values, jac, vcov, std_lv, std_all)
        if defined is not None:
            names, extra = defined
            for key, column in zip(("lhs", "op", "rhs", "label"), list(zip(*names, strict=True))[:4], strict=True):
                columns[key] += list(column)  # names: (lhs, ":=", rhs, label, group)
            numbers = {key: np.concatenate([numbers[key], extra[key]]) for key in numbers}
        chisq_p, close_p = _fit_tests(n * sol.group_f[0], self._df(partable, p, problem.n_free), n)
        return ReplicationFit(**{key: np.array(v, dtype=object) for key, v in columns.items()}, **numbers,
                              theta_names=tuple(problem.names), vcov=vcov, chisq_p=chisq_p, close_p=close_p)

    def _problem(self, partable, s: np.ndarray, m: np.ndarray, n: int) -> Problem:
        """build_problem's Problem for these moments, started at ``self.start``: the first is built by
        build_problem itself and kept; later ones swap the moments into a copy of its group (skipping the
        sample-moment start values, which the population values replace)."""
        if self._template is None:
            self._template = build_problem(partable, [("", s, m, n)])
        template = self._template
        structure = template.layout.structures[0]
        if any(r.exo for r in structure.rows):  # fixed.x: the covariates' (co)variances are each sample's
            structure = structure.with_values(exo_values(partable, 1, s, m))
        group = dataclasses.replace(template.groups[0], structure=structure, s=s, m=m, n=n,
                                    logdet_s=float(np.linalg.slogdet(s)[1]))
        problem = Problem([group], template.names, self.start, template.meanstructure, partable,
                          template.bounds)
        problem.layout = template.layout
        return problem

    @staticmethod
    def _df(partable, p: int, npar: int) -> int:
        """The model's degrees of freedom as ``fit_measures`` counts them (fixed.x covariates' moments aside)."""
        nx = len(partable.exo_index()) if partable.fixed_x else 0
        return p * (p + 1) // 2 - nx * (nx + 1) // 2 + ((p - nx) if partable.meanstructure else 0) - npar


def _wald_p(est: np.ndarray, se: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Two-sided normal p of est / se where tested (a free row with SE > 0), else NaN: fit_sem's rule."""
    tested = free & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(tested, est / np.where(tested, se, 1.0), np.nan)
    return 2 * special.ndtr(-np.abs(z))


def _fit_tests(chisq: float, df: int, n: int) -> tuple[float, float]:
    """(p of the chi-square test of exact fit, p of the test of close fit, RMSEA <= .05), as fit_measures."""
    chisq = max(chisq, 0.0)
    if df <= 0:
        return math.nan, math.nan
    return float(special.chdtrc(df, chisq)), rmsea_pvalue(chisq, df, n)
