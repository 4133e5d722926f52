"""``fit_sem``: lavaan syntax + data -> :class:`SEMResult` (ML estimates that agree with lavaan).

The syntax becomes a ParTable (syntax.py, lavaan's rules), the ParTable and the data an estimation
problem (build.py, one MatrixModel per group); the estimates table lists the ParTable's rows in its
order with lavaan's ``parameterEstimates()`` columns.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special, stats

from .._blas import single_threaded_blas
from .._deprecation import renamed_arguments
from ..errors import EstimationError, ModelSpecError, ParameterError, _warn_at_caller, did_you_mean
from .build import build_problem, sample_moments
from .fit_measures import fit_measures
from .numeric import numerical_jacobian
from .partable import ParTable
from .problem import Problem, Solution, solve, solve_quasi_newton
from .result import ESTIMATE_COLUMNS, FitState, SEMResult
from .standardize import group_r_squared, group_standardized
from .syntax import Options, evaluate, lavaanify

if TYPE_CHECKING:
    from ..questionnaire import Questionnaire

Z95 = float(stats.norm.ppf(0.975))
MODEL_TYPES = ("sem", "cfa", "growth")


@dataclass(frozen=True)
class TableRow:
    """A model row of the ParTable as estimated: its group (0-based), formula and where its value lives."""

    group: int
    lhs: str
    op: str
    rhs: str
    label: str
    free: int | None  # index into theta when the row is one free parameter (None: fixed or derived)
    matrix: str  # lambda beta psi theta nu alpha
    index: tuple[int, ...]
    id: int = 0  # ParTable id
    fixed: bool = False
    exo: int = 0


@renamed_arguments(syntax="model")
@single_threaded_blas
def fit_sem(model: str | Questionnaire, data: pd.DataFrame, group: str | None = None, *,
            group_equal: tuple[str, ...] | list[str] = (), group_partial: tuple[str, ...] | list[str] = (),
            meanstructure: bool | None = None, estimator: str | None = None, missing: str = "listwise",
            std_lv: bool = False, fixed_x: bool = True, model_type: str = "sem",
            start: SEMResult | None = None, ordered: bool | list[str] | tuple[str, ...] | None = None,
            parameterization: str = "delta", orthogonal: bool = False) -> SEMResult:
    """Fit a structural equation model by maximum likelihood, with lavaan's definitions.

    Parameters
    ----------
    model : str or Questionnaire
        lavaan model syntax (``=~ ~ ~~ ~1 := == < >``; modifiers: fixed values ``1*x``, labels
        ``a*x`` (shared labels are equal), ``NA*x`` (free, also a marker), ``start(.5)*x``,
        ``equal("a")*x``, ``c(a1, a2)*x`` per group), or a Questionnaire whose hypothesised model
        (:meth:`Questionnaire.model_syntax`) is fitted. First, as lavaan's ``sem(model, data)``.

        .. deprecated:: 0.1.1
            The keyword ``syntax=`` still works, with a FutureWarning, until 0.2: write ``model=``.
    data : DataFrame
        One row per respondent; columns named as the model's observed variables. Reverse-keyed
        items must already be recoded. Rows with a missing model variable are dropped listwise
        (counted in ``n_dropped``) unless ``missing="ml"``.
    group : str, optional
        Column whose values define groups for a multi-group model (lavaan ``group=``); groups are
        ordered by first appearance, as in lavaan.
    group_equal : sequence of str
        lavaan's ``group.equal``: any of loadings, intercepts, means, regressions, residuals,
        residual.covariances, lv.variances, lv.covariances, and for ordered items thresholds.
    group_partial : sequence of str
        lavaan's ``group.partial``: parameters exempt from ``group_equal``, e.g. ``"visual =~ x2"``
        or ``"x3 ~ 1"``.
    meanstructure : bool, optional
        Model means and intercepts. Default (lavaan): True for multi-group models, FIML, growth
        models and syntax with ``~ 1``; False otherwise. ``False`` gives way, with a note, where the model
        needs means (``missing="ml"``, growth models, ordered items, ``group_equal`` with intercepts or
        means), as lavaan's does.
    estimator : {"ML", "MLR", "WLSMV", "DWLS", "ULSMV", "ULS"}, optional
        Default ``"ML"``, or ``"WLSMV"`` when ``ordered`` is given (lavaan's defaults).
        ``"MLR"``: ML estimates with Huber-White (sandwich) standard errors and the Yuan-Bentler
        scaled chi-square (lavaan ``estimator = "MLR"``), adding chisq.scaled, cfi/tli/rmsea.scaled
        and .robust to the fit measures; with ``missing="ml"`` lavaan's MLR for incomplete data.
        ``"WLSMV"`` (ordered items): thresholds and polychoric correlations, diagonally weighted least
        squares, robust SEs and the scaled-shifted test (lavaan ``ordered =``, ``estimator =
        "WLSMV"``); ``"DWLS"`` the same estimates with standard SEs and test; ``"ULSMV"``/``"ULS"``
        unweighted. See :mod:`stickiness_research.sem.categorical`.
    missing : {"listwise", "ml", "pairwise"}
        ``"listwise"`` drops incomplete rows; ``"ml"`` uses every observed value (full-information
        ML, lavaan ``missing = "ml"``); for ordered items ``"pairwise"`` (lavaan ``missing =
        "pairwise"``): each threshold from the item's answers, each polychoric correlation from the
        rows answering both.
    std_lv : bool
        Identify factors by unit variances instead of marker loadings (lavaan ``std.lv = TRUE``).
    orthogonal : bool
        Fix the covariances between latent variables that the syntax does not name at 0 (lavaan
        ``orthogonal = TRUE``; e.g. a bifactor model). Covariances written in the syntax stay as written.
    fixed_x : bool
        Treat observed exogenous covariates as fixed (lavaan's default ``fixed.x = TRUE``): their
        (co)variances and means are the sample values and are not counted as parameters.
    model_type : {"sem", "cfa", "growth"}
        lavaan's function: ``growth`` fixes observed intercepts at 0 and frees latent means.
    ordered : True, "all" or list of str, optional
        Items to treat as ordered categories (lavaan ``ordered =``): ``True`` (or ``"all"``) for every
        observed variable of the model, or their names. Each item's categories are the distinct answers
        in the data. Incomplete rows are dropped listwise (lavaan 0.6's default for categorical data)
        unless ``missing="pairwise"``.
    parameterization : {"delta", "theta"}
        For ordered items (lavaan ``parameterization =``): ``"delta"`` fixes the latent responses'
        total variances (scale factors ``~*~``), ``"theta"`` their residual variances.
    start : SEMResult, optional
        Starting values from a related fit (lavaan's ``start = fit``), e.g. the previous level of
        an invariance sequence: parameters it estimated (same lhs, op, rhs and group) start at its
        estimates, the others from the sample moments. The optimum, and so the result, is the same;
        only fewer iterations are needed.

    Returns
    -------
    SEMResult

    Raises
    ------
    ParameterError
        ``data`` is not a DataFrame, or ``parameterization`` or ``model_type`` is not one of the options.
    ModelSpecError
        Unreadable syntax, a variable missing from the data, a non-numeric column, too few
        observations, or a model with more parameters than moments; an unknown ``estimator`` or
        ``missing``, an estimator that does not go with ``ordered``, ``group_equal`` without ``group``,
        a group column with fewer than two groups, or a latent variable named as a data column.
    EstimationError
        No convergence, a non-positive-definite sample covariance matrix, or an under-identified model.

    Notes
    -----
    ML minimizes, summed over groups g with N_g respondents,
    ``F = sum_g (N_g / N) [log|Sigma_g| + tr(S_g Sigma_g^-1) - log|S_g| - p (+ (m_g - mu_g)' Sigma_g^-1
    (m_g - mu_g) with a mean structure)]`` over the free parameters, ``S_g`` the sample covariance matrix
    (divisor N_g, as lavaan) and ``Sigma_g``, ``mu_g`` the model-implied moments; the test statistic is
    ``chisq = N F`` (fit measures: :class:`SEMResult`). Wald tests and 95 % intervals use ``z = est / se``.

    The parameter table and its matrix layout (index maps, equality basis, names) are built once
    per syntax and options and reused when the same model is fitted to new data (a bootstrap,
    simulation, invariance sequence or a study with many groups pays for them once). Estimation is
    Fisher scoring with analytic gradients, switching to Newton steps on the analytic observed
    Hessian near the optimum; standard errors use the expected information (lavaan's default for
    ML), MLR and FIML the observed one (lavaan's defaults there).

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical
    Software*, 48(2), 1-36.
    Bollen, K. A. (1989). *Structural Equations with Latent Variables*. Wiley.
    Yuan, K.-H., & Bentler, P. M. (2000). Three likelihood-based methods for mean and covariance structure
    analysis with nonnormal missing data. *Sociological Methodology*, 30, 165-200.
    R: ``lavaan::sem`` / ``lavaan::cfa`` / ``lavaan::growth`` (lavaan 0.6.14): estimates, SEs, standardized
    solutions and fit measures of ML, MLR and FIML fits in tests/test_sem_reference.py and
    tests/test_lavaan_battery.py (tests/reference/lavaan_sem.R, lavaan_battery.R), WLSMV fits in
    tests/test_wlsmv.py (tests/reference/lavaan_wlsmv.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> float(round(res.fit_measures["chisq"], 3)), int(res.fit_measures["df"])  # In R: lavaan::cfa(HS.model, HolzingerSwineford1939)
    (85.306, 24)
    """
    syntax = model if isinstance(model, str) else model.model_syntax()
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data", "fit_sem", "a pandas DataFrame", type(data).__name__)
    group_equal, group_partial = tuple(group_equal), tuple(group_partial)
    from .categorical import ESTIMATORS

    ordered = _all_ordered(ordered)
    estimator = ("WLSMV" if ordered not in (None, False, [], ()) else "ML") if estimator is None else \
        str(estimator).upper()
    if estimator not in ("ML", "MLR", *ESTIMATORS):
        raise ModelSpecError(f"estimator {estimator!r} is not available; use 'ML', 'MLR' (robust ML), or for "
                             f"ordered items {', '.join(map(repr, ESTIMATORS))}.")
    categorical = estimator in ESTIMATORS
    if categorical and ordered in (None, False, [], ()):
        raise ModelSpecError(f"estimator {estimator!r} is for ordered items: pass ordered=True (every model "
                             "variable) or ordered=[item names].")
    if not categorical and ordered not in (None, False, [], ()):
        raise ModelSpecError(f"ordered items need a categorical estimator, not {estimator!r}: use "
                             "estimator='WLSMV' (lavaan's default with ordered=) or leave estimator unset.")
    if parameterization not in ("delta", "theta"):
        raise ParameterError("parameterization", "fit_sem", "'delta' or 'theta'", parameterization)
    if parameterization == "theta" and not categorical:  # not silently a fit of continuous items
        raise ModelSpecError("parameterization='theta' is for ordered items (WLSMV): pass ordered=True (every model "
                             "variable) or ordered=[item names], or leave parameterization unset.")
    if (group_equal or group_partial) and group is None:
        raise ModelSpecError("group_equal and group_partial need a grouping column: pass group='...'.")
    missing = {"fiml": "ml", "direct": "ml"}.get(str(missing).lower(), str(missing).lower())
    if missing not in ("listwise", "ml", "pairwise"):
        raise ModelSpecError(f"missing must be 'listwise', 'ml' (also written 'fiml' or 'direct') or, for ordered "
                             f"items, 'pairwise'; got {missing!r}.")
    if missing == "pairwise" and not categorical:
        raise ModelSpecError("missing='pairwise' is for ordered items (WLSMV); for continuous items use "
                             "missing='ml' (full-information ML).")
    if len(data) == 0:
        raise ModelSpecError("the data have no rows; check the file (a header without answers?).")
    if model_type not in MODEL_TYPES:
        raise ParameterError("model_type", "fit_sem", f"one of {', '.join(map(repr, MODEL_TYPES))}", model_type)
    if group is not None:
        _check_columns([], data, group)
    labels = [group_label(v) for v in pd.unique(data[group].dropna())] if group is not None else [""]
    if group is not None and len(labels) < 2:
        raise ModelSpecError(f"group column {group!r} has {len(labels)} group(s); a multi-group model needs two.")
    # lavaan switches the mean structure on where the model needs it, whatever meanstructure says; so does this, and
    # says so (a FIML fit with every mean at 0, or group_equal intercepts quietly left out, were wrong models)
    needs_means = {"missing='ml'": missing == "ml", "a growth model": model_type == "growth",
                   "ordered items": categorical,
                   f"group_equal {sorted({'intercepts', 'means'} & set(group_equal))}":
                       bool({"intercepts", "means"} & set(group_equal))}
    needs_means = [why for why, needed in needs_means.items() if needed]
    said: list[str] = []
    if meanstructure is None:
        meanstructure = group is not None or bool(needs_means)
    elif not meanstructure and needs_means:
        said.append(f"meanstructure=False overridden: {needs_means[0]} needs the means and intercepts (lavaan sets "
                    "meanstructure = TRUE there too).")
        meanstructure = True
    base = Options.growth if model_type == "growth" else Options
    thresholds = {}
    if categorical:
        if missing == "ml":
            raise ModelSpecError("ordered items are fitted to listwise-complete rows (lavaan 0.6's default for "
                                 "WLSMV) or with missing='pairwise'; missing='ml' is for continuous items.")
        thresholds = _ordered_thresholds(syntax, ordered, data)
    options = base(meanstructure=bool(meanstructure), std_lv=bool(std_lv), auto_fix_first=not std_lv,
                   orthogonal=bool(orthogonal),
                   fixed_x=bool(fixed_x), ngroups=len(labels), group_equal=group_equal, group_partial=group_partial,
                   ordered=thresholds, parameterization=parameterization)
    partable = lavaanify(syntax, options)
    said += _check_ordered(ordered, thresholds, partable) if categorical else []
    said += _single_label_notes(syntax) if group is not None else []
    for message in said:
        _warn_at_caller(message)
    return _with_notes(_fit_table(syntax, partable, data, estimator, group, missing, categorical, parameterization,
                                  start), said)


def _single_label_notes(syntax: str) -> list[str]:
    """A multi-group model's labels written once ('a*x', not 'c(a1, a2)*x') hold their parameters equal across groups,
    as lavaan's do; lavaan warns of it, and so does this (a path meant to differ by group would silently not)."""
    from .syntax import parse_syntax

    single = sorted({f.modifiers.label[0] for f in parse_syntax(syntax)[0]
                     if f.modifiers.label is not None and len(f.modifiers.label) == 1})
    if not single:
        return []
    named = ", ".join(map(repr, single[:5])) + (", ..." if len(single) > 5 else "")
    return [f"label(s) {named} given once in a multi-group model hold their parameters equal across the groups (lavaan "
            "warns the same); to estimate them per group give one label per group, e.g. c(a1, a2)*x."]


def _with_notes(result: SEMResult, notes: list[str]) -> SEMResult:
    """The fit with the notes on its arguments first among its warnings (its summary, JSON and report carry them)."""
    return dataclasses.replace(result, warnings=(*notes, *result.warnings)) if notes else result


def _fit_table(syntax: str, partable: ParTable, data: pd.DataFrame, estimator: str, group: str | None, missing: str,
               categorical: bool, parameterization: str, start: SEMResult | None) -> SEMResult:
    """fit_sem once the ParTable is laid out: data checks and the estimation path (ML/MLR, FIML, or categorical)."""
    observed = list(partable.ov_names)
    clash = [v for v in partable.lv_names if v in {str(c) for c in data.columns}]
    if clash:
        raise ModelSpecError(f"latent variable {clash[0]!r} has the name of a data column; rename the latent "
                             "variable (lavaan refuses this too: it would hide the column).")
    if missing == "ml":
        return _fit_fiml(syntax, partable, observed, data, estimator, group)
    if categorical and missing == "pairwise":
        from .categorical import fit_categorical, pairwise_frames

        frames, n_dropped, order = pairwise_frames(observed, data, group)
        return fit_categorical(syntax, partable, frames, n_dropped, estimator, parameterization, group is not None,
                               missing="pairwise", order=order, no_group=_no_group(data, group), group=group)
    frames, moments, n_dropped, order = _model_data(observed, data, group)
    if categorical:
        from .categorical import fit_categorical

        return fit_categorical(syntax, partable, frames, n_dropped, estimator, parameterization, group is not None,
                               order=order, no_group=_no_group(data, group), group=group)
    problem = build_problem(partable, moments, _start_values(start))
    moments = sum(g.p * (g.p + 1) // 2 + (g.p if partable.meanstructure else 0) for g in problem.groups)
    if problem.n_free > moments:
        raise ModelSpecError(f"the model has {problem.n_free} free parameters but the data give only {moments} "
                             "sample moments: it is not identified. Add indicators or fix parameters.")
    problem, sol = _solve_constrained(problem)
    rows = table_rows(problem)
    vcov = _covariance(problem, sol)
    group_stats = []
    for g, f in zip(problem.groups, sol.group_f, strict=True):
        mom = problem.moments(g, sol.theta, derivatives=False)
        group_stats.append({"s": g.s, "m": g.m, "sigma": mom.sigma, "mu": mom.mu, "n": g.n, "f": f,
                            "exo": partable.exo_index(), "fixed_x": partable.fixed_x})
    # a parameter held at an active inequality bound still counts as free (lavaan's npar and df)
    measures = fit_measures(group_stats, problem.n_free + len(getattr(problem, "active_bounds", [])))
    if estimator == "MLR":
        from .robust import mlr

        vcov, scaled = mlr(problem, sol.theta, [part.to_numpy(dtype=float) for _, part in frames], measures)
        measures.update(scaled)
    values = row_values(problem, rows, sol.theta)
    estimates = _estimate_table(problem, rows, partable, sol, vcov, values)
    fm = pd.Series(measures, name="fit_measures")
    r2 = group_r_squared(problem, sol.theta)
    notes = _heywood(problem, rows, values, sol.theta) + _bound_notes(problem)
    no_group = _no_group(data, group)
    if n_dropped - no_group:
        notes.append(f"{n_dropped - no_group} incomplete row(s) dropped listwise; missing='ml' uses them "
                     "(full-information ML).")
    notes += _no_group_notes(no_group, group)
    return SEMResult(
        estimates=estimates, fit_measures=fm, r2=r2, n_obs=problem.n_total, n_dropped=n_dropped, syntax=syntax,
        iterations=sol.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=problem.names, columns=problem.names),
        groups=tuple(g.label for g in problem.groups) if group is not None else (), estimator=estimator,
        _state=FitState(problem=problem, solution=sol, rows=rows, partable=partable, vcov=vcov, data=frames,
                        order=order, structure=problem.groups[0].structure, sample_cov=problem.groups[0].s,
                        sigma=group_stats[0]["sigma"],
                        group_covs=tuple((g.s, st["sigma"]) for g, st in zip(problem.groups, group_stats,
                                                                              strict=True))),
    )


def _fit_fiml(syntax: str, partable: ParTable, observed: list[str], data: pd.DataFrame, estimator: str,
              group: str | None) -> SEMResult:
    from .fiml import em_saturated, independence_discrepancy, logl

    _check_columns(observed, data, group)
    if group is not None and estimator == "MLR":
        raise ModelSpecError("MLR with missing='ml' is available for single-group models; fit the groups with "
                             "estimator='ML', or each group separately.")
    values = model_values(data, observed)  # numpy throughout: pandas' copies were 3 ms of a 60 ms fit
    empty = np.isnan(values).all(axis=1)
    dropped_x = np.zeros(len(values), dtype=bool)
    if partable.ov_x and partable.fixed_x:  # fixed.x: respondents without their covariates cannot be used
        dropped_x = np.isnan(values[:, [observed.index(v) for v in partable.ov_x]]).any(axis=1) & ~empty
    keep = ~empty & ~dropped_x
    labels = data[group].to_numpy() if group is not None else None
    if group is not None:
        keep &= pd.notna(labels)
    kept, index = values[keep], data.index[keep]
    order = None
    if group is None:
        parts = [("", pd.DataFrame(kept, index=index, columns=observed))]
    else:
        groups, order = group_split(labels[keep])
        parts = [(label, pd.DataFrame(kept[rows], index=index[rows], columns=observed)) for label, rows in groups]
    for label, part in parts:
        _check_variances(part, observed, f" in group {label!r}" if group is not None else "")
    xs = [part.to_numpy() for _, part in parts]
    h1 = [em_saturated(x) for x in xs]
    base = build_problem(partable, [(label, s_, m_, len(x)) for (label, _), x, (m_, s_) in zip(parts, xs, h1,
                                                                                               strict=True)])
    problem, sol, hess = solve_fiml_constrained(base, xs)
    active = problem.active_bounds
    rows = table_rows(problem)
    vcov = _covariance(problem, sol)
    n = problem.n_total
    stats_, f_b_total, logl_model, logl_h1 = [], 0.0, 0.0, 0.0
    for k, (g, x, (mu_h1, sigma_h1), f_g) in enumerate(zip(problem.groups, xs, h1, sol.group_f, strict=True)):
        f_h1 = problem.group_discrepancy(k, sigma_h1, mu_h1)
        f_b_total += len(x) * (independence_discrepancy(x, problem, k, partable.exo_index()) - f_h1)
        logl_model += logl(f_g, problem.n_observed(k), len(x))
        logl_h1 += logl(f_h1, problem.n_observed(k), len(x))
        mom = problem.moments(g, sol.theta, derivatives=False)
        stats_.append({"s": sigma_h1, "m": mu_h1, "sigma": mom.sigma, "mu": mom.mu, "n": len(x), "f": f_g - f_h1,
                       "exo": partable.exo_index(), "fixed_x": partable.fixed_x})
    measures = fit_measures(stats_, problem.n_free + len(active), baseline_chisq=f_b_total,
                            loglik=(logl_model, logl_h1))
    # lavaan weighs GFI by the expected missing-data information (fiml_gfi below), not complete-data ML's Sigma^-1
    for key in ("gfi", "agfi", "pgfi"):
        measures.pop(key, None)
    if estimator == "MLR":
        from .robust import mlr_fiml

        vcov, scaled = mlr_fiml(problem, sol.theta, hess, xs[0], measures, stats_[0]["s"], stats_[0]["m"])
        measures.update(scaled)
    from .robust import fiml_corrected, fiml_gfi

    measures.update(fiml_gfi(problem, sol.theta, measures["df"]))
    measures.update(fiml_corrected(problem, sol.theta, h1, measures, scaled=estimator == "MLR"))
    values = row_values(problem, rows, sol.theta)
    estimates = _estimate_table(problem, rows, partable, sol, vcov, values)
    if active:  # lavaan's observed-information vcov gives a parameter held at its bound no SE (NA), not 0
        free_ids = {r.id for r in partable.rows if r.is_free}
        held = np.array([r.fixed and r.id in free_ids for r in rows] + [False] * (len(estimates) - len(rows)))
        estimates.loc[held, ["se", "z", "pvalue", "ci_lower", "ci_upper"]] = np.nan
    n_complete = int((~np.isnan(kept)).all(axis=1).sum())
    notes = _heywood(problem, rows, values, sol.theta) + _bound_notes(problem, se="NA")
    # a row without a group value is left out whatever it holds (counted there, not as empty)
    no_group = int((pd.isna(labels) & ~empty & ~dropped_x).sum()) if group is not None else 0
    notes.append(f"full-information ML: {n} respondents in {problem.n_patterns()} missingness patterns "
                 f"({n_complete} complete); {int(empty.sum())} with no observed value dropped"
                 + (f"; {int(dropped_x.sum())} with a missing exogenous covariate dropped (fixed.x)."
                    if dropped_x.any() else "."))
    notes += _no_group_notes(no_group, group)
    first = problem.groups[0]
    return SEMResult(
        estimates=estimates, fit_measures=pd.Series(measures, name="fit_measures"),
        r2=group_r_squared(problem, sol.theta), n_obs=n, n_dropped=int(empty.sum() + dropped_x.sum()) + no_group,
        syntax=syntax, iterations=sol.iterations, warnings=tuple(notes),
        vcov=pd.DataFrame(vcov, index=problem.names, columns=problem.names),
        groups=tuple(g.label for g in problem.groups) if group is not None else (),
        estimator="ML (FIML)" if estimator == "ML" else "MLR (FIML)",
        _state=FitState(problem=problem, solution=sol, rows=rows, partable=partable, vcov=vcov,
                        data=list(parts), order=order, structure=first.structure, sample_cov=stats_[0]["s"],
                        sigma=stats_[0]["sigma"], group_covs=tuple((st["s"], st["sigma"]) for st in stats_)),
    )


def _all_ordered(ordered):
    """``ordered="all"`` (any case, as the CLI's and study configs' 'all') as ``True``; anything else as given."""
    return True if isinstance(ordered, str) and ordered.strip().lower() == "all" else ordered


def _ordered_thresholds(syntax: str, ordered, data: pd.DataFrame) -> dict[str, int]:
    """``ordered=`` as {item: number of thresholds} from the data (lavaan counts the answers given).

    ``True`` means every data column the syntax names (lavaanify keeps the model's observed ones);
    named items are checked against the model after lavaanify (:func:`_check_ordered`).
    """
    from .categorical import thresholds_in_data

    if ordered is True:
        named = set(re.findall(r"[A-Za-z_.][\w.]*", syntax))
        items = [str(c) for c in data.columns if str(c) in named]
    elif isinstance(ordered, str):
        items = [ordered]
    elif isinstance(ordered, list | tuple):
        items = [str(v) for v in ordered]
    else:
        raise ParameterError("ordered", "fit_sem", "True or a list of item names", type(ordered).__name__)
    columns = {str(c) for c in data.columns}
    _check_columns([v for v in items if v in columns], data, None)
    unknown = [v for v in items if v not in columns]
    if unknown:
        raise ModelSpecError(f"ordered item {unknown[0]!r} is not a column of the data."
                             + did_you_mean(unknown[0], data.columns))
    return thresholds_in_data(data, items)


def _check_ordered(ordered, thresholds: dict[str, int], partable: ParTable) -> list[str]:
    """Named ordered items must include observed variables of the model; other data columns among them are left out
    (lavaan's too: a questionnaire's whole item list serves a model of a few of its constructs). Returns the notes:
    a named item that only predicts is a covariate, conditioned on as a number (lavaan warns the same)."""
    if ordered is True:
        return []
    unknown = [v for v in thresholds if v not in partable.ov_names]
    if len(unknown) == len(thresholds):
        named = ", ".join(map(repr, unknown[:3])) + (", ..." if len(unknown) > 3 else "")
        raise ModelSpecError(f"no ordered item is an observed variable of the model ({named}): name the model's items "
                             "in ordered=, or pass ordered=True for all of them." + did_you_mean(unknown[0], partable.ov_names))
    covariates = [v for v in thresholds if v in set(partable.ov_x)]
    if not covariates:
        return []
    return [f"ordered item(s) {', '.join(map(repr, covariates))} only predict (exogenous covariates): they enter as "
            "numbers the model is conditioned on, not as ordered items (lavaan warns the same); to model one as "
            f"ordinal, make it an indicator of a factor of its own ('f_{covariates[0]} =~ {covariates[0]}')."]


def _start_values(result: SEMResult | None) -> dict[tuple[str, str, str, int], float] | None:
    """(lhs, op, rhs, 1-based group) -> estimate of every model row of a fit (``fit_sem(start=)``)."""
    if result is None:
        return None
    if not isinstance(result, SEMResult):
        raise ParameterError("start", "fit_sem", "a fitted model (SEMResult)", type(result).__name__)
    state = result._state
    values = row_values(state.problem, state.rows, state.solution.theta)
    return {(r.lhs, r.op, r.rhs, r.group + 1): float(v) for r, v in zip(state.rows, values, strict=True)}


def _check_variances(frame: pd.DataFrame, observed: list[str], where: str = "") -> None:
    """Checks of the listwise path, for incomplete data: every variable answered and varying."""
    x = frame[observed].to_numpy(dtype=float)
    answered = ~np.isnan(x)
    with np.errstate(invalid="ignore"):
        spread = np.where(answered, x, -np.inf).max(axis=0) - np.where(answered, x, np.inf).min(axis=0)
    for col, has, width in zip(observed, answered.any(axis=0), spread, strict=True):
        if not has:
            raise EstimationError(f"variable {col!r} has no observed value{where}; it cannot be modelled. Remove "
                                  "it from the model or check the data import.")
        if width == 0:
            raise EstimationError(f"variable {col!r} is constant{where} (no variance); it cannot be modelled. "
                                  "Remove it from the model.")


def _check_columns(observed: list[str], data: pd.DataFrame, group: str | None) -> None:
    """Every model variable (and the group column) is present, and model variables are numeric."""
    columns = [str(c) for c in data.columns]
    present = set(columns)
    missing = [v for v in observed if v not in present]
    if missing:
        raise ModelSpecError(f"model variable {missing[0]!r} is not a column of the data"
                             f"{f' ({len(missing) - 1} more missing)' if len(missing) > 1 else ''}."
                             + did_you_mean(missing[0], columns))
    if group is not None and group not in present:
        raise ModelSpecError(f"group column {group!r} is not in the data." + did_you_mean(group, columns))
    dtypes = dict(zip(columns, data.dtypes, strict=True))
    for col in observed:
        if not pd.api.types.is_numeric_dtype(dtypes[col]):
            raise ModelSpecError(f"column {col!r} is not numeric (dtype {dtypes[col]}); code answers as "
                                 "numbers before fitting.")


def _no_group(data: pd.DataFrame, group: str | None) -> int:
    """The rows without a value in the group column: left out of a multi-group fit whatever they hold."""
    return int(data[group].isna().sum()) if group is not None else 0


def _no_group_notes(n: int, group: str | None) -> list[str]:
    """The note that says so (lavaan warns: "group variable contains missing values")."""
    return [f"{n} row(s) without a value in the group column {group!r} left out: they belong to no group."] if n else []


def _model_data(observed: list[str], data: pd.DataFrame,
                group: str | None) -> tuple[list[tuple[str, pd.DataFrame]], list[tuple], int, np.ndarray | None]:
    """Complete rows per group (as frames indexed like ``data``), their (label, S, mean, N), the
    number of rows dropped listwise and the rows' data order (``group_split``); the data checks every estimation
    path shares."""
    _check_columns(observed, data, group)
    values = model_values(data, observed)
    empty = [v for v, has in zip(observed, (~np.isnan(values)).any(axis=0), strict=True) if not has]
    if empty:
        raise EstimationError(f"variable {empty[0]!r} has no observed value; it cannot be modelled. Remove it from "
                              "the model or check the data import.")
    keep = ~np.isnan(values).any(axis=1)
    if group is not None:
        keep &= data[group].notna().to_numpy()
    n_dropped = int(len(data) - keep.sum())
    order = None
    if group is None:
        parts = [("", values[keep] if n_dropped else values, data.index[keep] if n_dropped else data.index)]
    else:
        groups, order = group_split(data[group].to_numpy()[keep])
        index = data.index[keep]
        parts = [(label, values[keep][rows], index[rows]) for label, rows in groups]
    frames, moments = [], []
    for label, part, rows in parts:
        where = f" in group {label!r}" if group is not None else ""
        if len(part) <= len(observed):
            raise ModelSpecError(f"only {len(part)} complete rows{where} for {len(observed)} observed variables; "
                                 "the sample covariance matrix cannot be estimated.")
        constant = [v for v, c in zip(observed, np.ptp(part, axis=0) == 0, strict=True) if c]
        if constant:
            raise EstimationError(f"variable {constant[0]!r} is constant{where}; it cannot be modelled. "
                                  "Remove it from the model.")
        s_, m_ = sample_moments(part)
        try:
            np.linalg.cholesky(s_)
        except np.linalg.LinAlgError:
            raise EstimationError(f"the sample covariance matrix{where} is not positive definite (an item is a "
                                  "linear combination of others). Remove duplicated items.") from None
        frames.append((label, pd.DataFrame(part, index=rows, columns=observed)))
        moments.append((label, s_, m_, len(part)))
    return frames, moments, n_dropped, order


def group_split(labels: np.ndarray) -> tuple[list[tuple[str, np.ndarray]], np.ndarray]:
    """The groups of rows with these labels (none missing), in order of appearance: (label as text, row mask) per
    group, and where each row, in data order, sits among the groups' rows laid end to end (``order``: the groups'
    frames concatenated, then taken in ``order``, are back in data order)."""
    codes, uniques = pd.factorize(labels)
    stacked = np.argsort(codes, kind="stable")
    order = np.empty_like(stacked)
    order[stacked] = np.arange(len(stacked))
    return [(group_label(label), codes == k) for k, label in enumerate(uniques)], order


def group_label(value: object) -> str:
    """A group's value as text: a whole number read as a float (a numeric column with a gap is float) as the number
    it is, '7' not '7.0'."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def model_values(data: pd.DataFrame, observed: list[str]) -> np.ndarray:
    """The model variables as a float matrix (n, p), NaN where missing.

    Column by column: for pandas' nullable integer columns (how survey answers are read) this is
    several times faster than ``data[observed].to_numpy()``, which first builds a frame.
    """
    out = np.empty((len(data), len(observed)))
    for j, col in enumerate(observed):
        out[:, j] = data[col].to_numpy(dtype=float, na_value=np.nan)
    return out


def _solve_robustly(problem: Problem) -> Solution:
    try:
        return solve(problem)
    except EstimationError as first:
        if "not identified" in str(first):
            raise
        # A poor start can stall Fisher scoring: quasi-Newton gets close, then scoring finishes.
        try:
            return solve(problem, start=solve_quasi_newton(problem))
        except EstimationError:
            raise first from None


def _solve_constrained(problem: Problem) -> tuple[Problem, Solution]:
    """Fit; inequality constraints ('a > 0') that the free solution violates are made active (the
    parameter is fixed at its bound) and the model refitted, until all hold (an active-set method)."""
    problem, sol, _ = _hold_bounds(problem, lambda base, first: (base, _solve_robustly(base), None))
    return problem, sol


def solve_fiml_constrained(base: Problem, xs: list[np.ndarray], **options):
    """The FIML fit of ``base``'s model to the groups' data ``xs`` (``fiml.solve_fiml``; ``options`` passed on, e.g. a
    bootstrap resample's ``start``, ``step_matrix``, ``tol``, ``hessian=False``; without ``start`` the fit, and every
    refit, starts from the two-stage estimate on ``base``), holding inequality constraints by the active set of
    :func:`_solve_constrained`. Returns
    (FimlProblem, Solution, its Hessian or None); ``problem.active_bounds`` lists the constraints held."""
    from .fiml import FimlProblem, solve_fiml

    def fit(base: Problem, first: bool):
        problem = FimlProblem(base, xs)
        # a refit starts from the two-stage estimate, whose complete-data Hessian steps it (a given step matrix is
        # of the longer theta; the exact Hessian alone may not descend far from the estimate)
        given = options if first else {k: v for k, v in options.items() if k not in ("start", "step_matrix")}
        return (problem, *solve_fiml(problem, None if "start" in given else base, **given))

    return _hold_bounds(base, fit)


def _hold_bounds(base: Problem, fit):
    """The active set both fits share: ``fit(base, first)`` -> (problem, Solution, extra); while the solution violates
    inequality constraints, those parameters are fixed at their bounds (``Problem.with_fixed``) and ``base`` refitted.
    Returns the last (problem, Solution, extra), the problem's ``active_bounds`` the constraints held (the
    parameter's name, its bound)."""
    problem, sol, extra = fit(base, True)
    active: list[tuple[int, float]] = []
    for _ in range(len(base.bounds) + 1):
        violated = _violated(problem, sol.theta)
        if not violated:
            break
        active += [(_held_name(problem, k), value) for k, value in violated]
        base = base.with_fixed(violated)
        problem, sol, extra = fit(base, False)
    problem.active_bounds = active
    return problem, sol, extra


def _held_name(problem: Problem, k: int) -> str:
    """A parameter as a note names it: its label as the constraint wrote it, and the row it is ("'a' (f1 =~ x2)")."""
    name, row = problem.names[k], problem.describe(k)
    return f"'{name}'" if name == row else f"'{name}' ({row})"


def _violated(problem: Problem, theta: np.ndarray) -> list[tuple[int, float]]:
    """The inequality constraints (theta index, bound) that ``theta`` violates."""
    return [(k, value) for k, op, value in problem.bounds
            if (op == ">" and theta[k] < value - 1e-10) or (op == "<" and theta[k] > value + 1e-10)]


def _bound_notes(problem: Problem, se: str = "0") -> list[str]:
    """A note per inequality constraint held active; ``se`` what its SE is ("0"; "NA" after FIML, as lavaan's)."""
    return [f"inequality constraint active: {name} is held at its bound {value:g} (its SE is {se}, as lavaan's); "
            "the test statistic does not follow a chi-square distribution at a boundary."
            for name, value in getattr(problem, "active_bounds", [])]


def table_rows(problem: Problem) -> list[TableRow]:
    """The model rows of every group, in ParTable order, with the theta each one is (depends on the
    table and its equality basis only: kept on the layout, so a refit on new data reuses it)."""
    lay = getattr(problem, "layout", None)
    if lay is not None and "table_rows" in lay.cache:
        return list(lay.cache["table_rows"])  # a copy: callers may extend their list
    rows = _table_rows(problem)
    if lay is not None:
        lay.cache["table_rows"] = rows
    return rows


def _table_rows(problem: Problem) -> list[TableRow]:
    rows: list[TableRow] = []
    for g_no, g in enumerate(problem.groups):
        st = g.structure
        # a free row is one theta when its row of K has a single 1 and no offset
        nonzero = g.k_map != 0
        which = np.argmax(nonzero, axis=1) if g.k_map.shape[1] else np.zeros(len(g.k_map), dtype=int)
        single = (nonzero.sum(axis=1) == 1) & (g.x0 == 0)
        if g.k_map.shape[1]:
            single &= np.isclose(g.k_map[np.arange(len(g.k_map)), which], 1.0)
        free_of = {int(pos): (int(which[n]) if single[n] else None) for n, pos in enumerate(st.free)}
        used = {int(pos) for n, pos in enumerate(st.free) if nonzero[n].any()}
        for pos, r in enumerate(st.rows):
            index = (r.row,) if r.mat in ("nu", "alpha") else (r.row, r.col)
            rows.append(TableRow(g_no, r.lhs, r.op, r.rhs, r.label, free_of.get(pos), r.mat, index, r.id,
                                 fixed=pos not in used, exo=r.exo))
    return rows


def _covariance(problem: Problem, sol: Solution) -> np.ndarray:
    info = sol.information * problem.n_total / 2.0  # expected information, lavaan's default for ML
    error = problem.identification_error(info, unit_free=True)  # an income's variance is not thereby unidentified
    if error is not None:
        raise error
    return np.linalg.inv(info) if len(info) else np.zeros((0, 0))


def row_values(problem: Problem, rows: list[TableRow], theta: np.ndarray) -> np.ndarray:
    """Unstandardized value of every table row at ``theta`` (rows: group 1's, then group 2's, ...)."""
    return np.concatenate([g.structure.values(problem.local(g, theta)) for g in problem.groups])


def row_jacobian(problem: Problem, rows: list[TableRow]) -> np.ndarray:
    """d(row value)/d(theta) for every row (rows are linear in theta): K's rows at the free rows."""
    jac = np.zeros((len(rows), problem.n_free))
    offset = 0
    for g in problem.groups:
        jac[offset + g.structure.free] = g.k_map
        offset += len(g.structure.rows)
    return jac


def _estimate_table(problem: Problem, rows: list[TableRow], partable: ParTable, sol: Solution,
                    vcov: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    jac = row_jacobian(problem, rows)
    std_lv, std_all = group_standardized(problem, rows, sol.theta)
    return estimates_frame(rows, partable, [g.label for g in problem.groups], values, jac, vcov, std_lv, std_all,
                           grouped=len(problem.groups) > 1)


def estimates_frame(rows: list[TableRow], partable: ParTable, group_labels: list, values: np.ndarray,
                    jac: np.ndarray, vcov: np.ndarray, std_lv: np.ndarray, std_all: np.ndarray,
                    grouped: bool) -> pd.DataFrame:
    """The estimates table (ESTIMATE_COLUMNS; ``group`` after ``label`` when ``grouped``): one row per table
    row with its delta-method SE (``jac`` = d(row)/d(theta), ``vcov`` = cov(theta)), then the := rows.

    Shared by the continuous (ML family) and the categorical (WLSMV) fits, which differ only in how they get
    the values, the Jacobian, the covariance and the standardized columns.
    """
    se_rows = np.sqrt(np.clip(((jac @ vcov) * jac).sum(axis=1), 0, None))
    columns = {"lhs": [r.lhs for r in rows], "op": [r.op for r in rows], "rhs": [r.rhs for r in rows],
               "label": [r.label for r in rows], "group": [group_labels[r.group] for r in rows]}
    numbers = _inference(values, se_rows, np.array([not r.fixed for r in rows], dtype=bool))
    numbers.update(std_lv=std_lv, std_all=std_all)
    defined = defined_rows(rows, partable, values, jac, vcov, std_lv, std_all)
    if defined is not None:
        names, d_numbers = defined
        for key, col in zip(("lhs", "op", "rhs", "label", "group"), zip(*names, strict=True), strict=True):
            columns[key] = columns[key] + list(col)
        numbers = {key: np.concatenate([numbers[key], d_numbers[key]]) for key in numbers}
    order = ESTIMATE_COLUMNS if not grouped else ESTIMATE_COLUMNS[:4] + ["group"] + ESTIMATE_COLUMNS[4:]
    # object arrays: pandas takes them as they are instead of inspecting list items one by one
    return pd.DataFrame({key: np.array(columns[key], dtype=object) if key in columns else numbers[key]
                         for key in order})


def _inference(est: np.ndarray, se: np.ndarray, free: np.ndarray) -> dict[str, np.ndarray]:
    """Wald z, two-sided normal p-value and 95 % CI per row; fixed rows (or SE 0) get NaN and CI = est."""
    tested = free & (se > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(tested, est / np.where(tested, se, 1.0), np.nan)
    pvalue = 2 * special.ndtr(-np.abs(z))  # the normal tail, without scipy.stats' per-call overhead
    return {"est": est, "se": se, "z": z, "pvalue": pvalue,
            "ci_lower": np.where(tested, est - Z95 * se, est), "ci_upper": np.where(tested, est + Z95 * se, est)}


def label_rows(rows: list[TableRow], partable: ParTable) -> dict[str, int]:
    """Label (and plabel) -> position of its first row in ``rows``.

    The table rows follow the ParTable's model rows, so the map depends on the (frozen) table alone:
    it is kept per table (the bootstrap and standardized solutions ask for it many times).
    """
    key = (id(partable), len(rows))
    hit = _LABEL_ROWS.get(key)
    if hit is not None and hit[0] is partable:
        return hit[1]
    plabel = {r.id: r.plabel for r in partable.rows}
    out: dict[str, int] = {}
    for k, r in enumerate(rows):
        if r.label:
            out.setdefault(r.label, k)
        out.setdefault(plabel.get(r.id, ""), k)
    out.pop("", None)
    if len(_LABEL_ROWS) >= 256:
        _LABEL_ROWS.pop(next(iter(_LABEL_ROWS)))
    _LABEL_ROWS[key] = (partable, out)
    return out


_LABEL_ROWS: dict[tuple[int, int], tuple[ParTable, dict[str, int]]] = {}


def label_environment(rows: list[TableRow], partable: ParTable, column: np.ndarray) -> dict:
    """Label (and plabel) -> value of its first row, from a column of row values (floats or arrays)."""
    return {name: column[..., k] if isinstance(column, np.ndarray) else column[k]
            for name, k in label_rows(rows, partable).items()}


def defined_values(partable: ParTable, env: dict, functions: dict | None = None) -> list:
    """Values of the ':=' parameters, in order (each may use those before it)."""
    env = dict(env)
    out = []
    for d in partable.definitions():
        env[d.lhs] = evaluate(d.rhs.replace("^", "**"), env, functions)
        out.append(env[d.lhs])
    return out


def defined_rows(rows: list[TableRow], partable: ParTable, values: np.ndarray, row_jac: np.ndarray,
                 vcov: np.ndarray, std_lv: np.ndarray, std_all: np.ndarray) -> tuple[list, dict] | None:
    """Defined parameters with delta-method standard errors (numerical Jacobian, as lavaan)."""
    if not partable.definitions():
        return None

    # rows are linear in theta: differentiate the definitions by the labelled values they use only, then
    # chain with d(row)/d(theta) (a few evaluations instead of two per free parameter)
    where = label_rows(rows, partable)
    referenced = set().union(*(_names_in(d.rhs) for d in partable.definitions()))
    names = [n for n in where if n in referenced]
    index = np.array([where[n] for n in names], dtype=int)

    def values_of(labelled: np.ndarray) -> np.ndarray:
        return np.array(defined_values(partable, dict(zip(names, labelled, strict=True))), dtype=float)

    standardized_values, _ = defined_standardizer(rows, partable)
    labelled = values[index]
    try:
        point = values_of(labelled)
    except (ZeroDivisionError, ValueError, OverflowError) as exc:
        raise EstimationError(f"a defined parameter cannot be evaluated at the estimates ({exc}).") from None
    used = np.flatnonzero(np.abs(row_jac[index]).sum(axis=1) > 0)
    jac_labels = np.zeros((len(point), len(names)))
    if len(used):
        def of_used(v: np.ndarray) -> np.ndarray:
            full = labelled.copy()
            full[used] = v
            return values_of(full)

        jac_labels[:, used] = numerical_jacobian(of_used, labelled[used])
    jac = jac_labels @ row_jac[index]
    se = np.sqrt(np.clip(((jac @ vcov) * jac).sum(axis=1), 0, None))
    numbers = _inference(point, se, np.ones(len(point), dtype=bool))
    numbers.update(std_lv=standardized_values(std_lv), std_all=standardized_values(std_all))
    return [(d.lhs, ":=", d.rhs, d.lhs, "") for d in partable.definitions()], numbers


@functools.lru_cache(maxsize=1024)
def _names_in(expression: str) -> frozenset[str]:
    """Names an expression uses (a ':=' right-hand side)."""
    tree = ast.parse(expression.replace("^", "**"), mode="eval")
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name))


def defined_standardizer(rows: list, partable: ParTable):
    """(function of a standardized row column -> defined values, their table rows) or (None, [])."""
    if not partable.definitions():
        return None, []

    def fn(column: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            try:
                return np.array(defined_values(partable, label_environment(rows, partable, column)), dtype=float)
            except (ZeroDivisionError, ValueError, OverflowError):
                return np.full(len(partable.definitions()), np.nan)

    names = [(d.lhs, ":=", d.rhs, d.lhs) for d in partable.definitions()]
    return fn, names


def _heywood(problem: Problem, rows: list[TableRow], values: np.ndarray, theta: np.ndarray) -> list[str]:
    """lavaan's checks of an improper solution (``lav_object_post_check``): a note for every negative variance
    estimate (the table rows and their values, ``row_values``); then, where no latent variance is negative, one
    per group whose latent covariance matrix has an eigenvalue below -eps^(3/4) (a correlation beyond 1), and
    where no observed variance is negative, one per group whose residual covariance matrix of the continuous
    observed variables has one (residual covariances beyond what the variances allow)."""
    multi = len(problem.groups) > 1
    negative = [(r, float(v)) for r, v in zip(rows, values, strict=True) if r.op == "~~" and r.lhs == r.rhs and v < 0]
    notes = [_heywood_note(r.lhs, problem.groups[r.group].label if multi else "", v) for r, v in negative]
    structure = problem.groups[0].structure
    lv_ok = not any(r.lhs in structure.latent for r, _ in negative)
    ov_ok = not any(r.lhs in structure.observed for r, _ in negative)
    cut = -np.finfo(float).eps ** 0.75
    for g in problem.groups:
        st = g.structure
        where = f" in group {g.label!r}" if multi else ""
        mats = problem.matrices(g, theta)
        lat = [k for k, v in enumerate(st.inner) if v in st.latent]
        if lv_ok and lat:
            c = st.inverse_i_minus_b(mats["beta"])
            cov = (c @ mats["psi"] @ c.T)[np.ix_(lat, lat)]
            smallest = float(np.linalg.eigvalsh(cov)[0])
            if smallest < cut:
                notes.append(f"the covariance matrix of the latent variables{where} is not positive definite "
                             f"(smallest eigenvalue {smallest:.3g}{_beyond_one(cov, [st.inner[k] for k in lat])}), "
                             "as lavaan warns: an improper solution; the model may be mis-specified (e.g. two "
                             "factors that are one) or the sample too small.")
        ordered = getattr(g, "ordered", None)  # a CatGroup's ordered items: their residual variances are implied
        continuous = [j for j in range(len(st.observed)) if ordered is None or not ordered[j]]
        if ov_ok and continuous:
            resid = mats["theta"][np.ix_(continuous, continuous)]
            smallest = float(np.linalg.eigvalsh(resid)[0])
            if smallest < cut:
                notes.append(f"the residual covariance matrix of the observed variables{where} is not positive "
                             f"definite (smallest eigenvalue {smallest:.3g}"
                             f"{_beyond_one(resid, [st.observed[j] for j in continuous])}), as lavaan warns: an "
                             "improper solution; check the residual covariances (~~) the model frees.")
    return notes


def _beyond_one(cov: np.ndarray, names: list[str]) -> str:
    """'; A and B correlate 1.003' for the pair whose correlation is largest beyond 1 in absolute value, else ''."""
    sd = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    cor = cov / np.outer(sd, sd)
    np.fill_diagonal(cor, 0.0)
    i, j = np.unravel_index(np.argmax(np.abs(cor)), cor.shape)
    return f"; {names[i]} and {names[j]} correlate {cor[i, j]:.3f}" if abs(cor[i, j]) > 1 else ""


def _heywood_note(variable: str, group: str, value: float) -> str:
    return (f"Heywood case: the variance of {variable}{f' in group {group!r}' if group else ''} is negative "
            f"({value:.3f}); the model may be mis-specified or the sample too small.")
