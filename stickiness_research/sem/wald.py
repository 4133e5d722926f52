"""Inference on a fitted model's labelled parameters: Wald tests of constraints (lavaan's ``lavTestWald``) and
confidence intervals at any level."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import STR, Interval, check
from ..errors import ModelSpecError
from .fit import defined_values, label_rows, row_jacobian, row_values
from .numeric import numerical_jacobian
from .syntax import evaluate

_SPLIT = re.compile(r"[\n;]+")


def wald_test(result, constraints: str) -> pd.Series:
    r"""Wald test of (possibly nonlinear) equality constraints among labelled parameters.

    Parameters
    ----------
    result : SEMResult
    constraints : str
        One constraint per line (or separated by ``;``), each ``expression == expression`` in the model's
        labels and defined (``:=``) parameters, e.g. ``"a == b"``, ``"s1 == s2; s2 == s3"``, ``"a*b == 0"``.

    Returns
    -------
    Series
        ``stat`` (chi-square), ``df`` (number of constraints) and ``pvalue``, as
        ``lavaan::lavTestWald(fit, constraints)``: W = r' (J V J')^-1 r with r the constraints' values at the
        estimates, J their Jacobian (numerical, as lavaan) and V the estimates' covariance (robust for MLR).

    Raises
    ------
    ModelSpecError
        A constraint is not ``lhs == rhs``, uses a name that is not a label of the model, or the constraints
        are redundant (their covariance is singular).

    Examples
    --------
    In R: ``lavTestWald(cfa("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6",
    HolzingerSwineford1939), "a == b")`` gives stat 1.6830, df 1, p 0.1945.

    >>> import stickiness_research as sr
    >>> res = sr.fit_sem("visual =~ x1 + a*x2 + b*x3\ntextual =~ x4 + x5 + x6", sr.datasets.holzinger_swineford())
    >>> test = res.wald_test("a == b")
    >>> round(float(test["stat"]), 4), int(test["df"]), round(float(test["pvalue"]), 4)
    (1.683, 1, 0.1945)
    """
    check(constraints, "constraints", "wald_test", STR)
    lines = [c.strip() for c in _SPLIT.split(constraints) if c.strip()]
    if not lines:
        raise ModelSpecError("wald_test: no constraint given; write one per line, e.g. 'a == b'.")
    parts = []
    for line in lines:
        if line.count("==") != 1:
            raise ModelSpecError(f"wald_test: {line!r} is not an equality constraint; write 'lhs == rhs' "
                                 "(inequalities are not Wald-testable).")
        lhs, rhs = (side.strip() for side in line.split("=="))
        parts.append(f"({lhs}) - ({rhs})")
    state = result._state
    rows, partable, problem = state.rows, state.partable, state.problem
    values = row_values(problem, rows, state.solution.theta)
    where = label_rows(rows, partable)
    names = list(where)
    index = np.array([where[n] for n in names], dtype=int)

    def constraint_values(labelled: np.ndarray) -> np.ndarray:
        env = dict(zip(names, labelled, strict=True))
        for d, value in zip(partable.definitions(), defined_values(partable, env), strict=True):
            env[d.lhs] = value
        try:
            return np.array([float(evaluate(p.replace("^", "**"), env)) for p in parts])
        except NameError as exc:
            raise ModelSpecError(f"wald_test: {exc}; the model's labels are {sorted(where)} and its defined "
                                 f"parameters {[d.lhs for d in partable.definitions()]}.") from None

    labelled = values[index]
    r = constraint_values(labelled)
    jac = numerical_jacobian(constraint_values, labelled) @ row_jacobian(problem, rows)[index]
    middle = jac @ state.vcov @ jac.T
    if np.linalg.matrix_rank(middle) < len(r):
        raise ModelSpecError("wald_test: the constraints are redundant (one follows from the others) or involve "
                             "only fixed parameters; drop the redundant ones.")
    stat = float(r @ np.linalg.solve(middle, r))
    return pd.Series({"stat": stat, "df": len(r), "pvalue": float(stats.chi2.sf(stat, len(r)))}, name="wald")


def conf_int(result, level: float = 0.95) -> pd.DataFrame:
    r"""Wald confidence intervals of every estimate at ``level`` (free and defined parameters).

    Parameters
    ----------
    result : SEMResult
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    DataFrame
        lhs op rhs (group) label est se ci_lower ci_upper: est -/+ z_(1+level)/2 * se, as
        ``parameterEstimates(fit, level = level)``; fixed parameters have equal bounds.

    Raises
    ------
    ParameterError
        ``level`` is not in (0, 1).

    Examples
    --------
    In R: ``parameterEstimates(fit, level = .9)`` gives [0.385, 0.732] for the loading of x2.

    >>> import stickiness_research as sr
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", sr.datasets.holzinger_swineford())
    >>> row = res.conf_int(0.9).iloc[1]
    >>> round(float(row["ci_lower"]), 3), round(float(row["ci_upper"]), 3)
    (0.385, 0.732)
    """
    check(level, "level", "conf_int", Interval(float, 0, 1, closed="neither"))
    est = result.estimates
    keys = [c for c in ("lhs", "op", "rhs", "group", "label") if c in est]
    z = stats.norm.ppf((1 + level) / 2)
    se = est["se"].fillna(0.0)
    out = est[keys + ["est", "se"]].copy()
    out["ci_lower"], out["ci_upper"] = est["est"] - z * se, est["est"] + z * se
    return out
