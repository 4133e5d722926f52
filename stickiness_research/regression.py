"""Regression on scale scores (statsmodels): OLS with standardized coefficients (std_all), HC3 SEs and VIF,
blocks; ordinal logit; moderation with simple slopes and Johnson-Neyman; PROCESS-style mediation
(models 4 and 7) with a vectorised bootstrap; and a table comparing SEM and regression conclusions.

Regression on observed scale means ignores measurement error, so its coefficients are attenuated
relative to SEM's; it is the robustness check reviewers ask for, not a replacement.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

# The two names used, not statsmodels.api: that imports every model and the formula layer (twice the import time).
from statsmodels.regression.linear_model import OLS
from statsmodels.tools.tools import add_constant

from ._deprecation import with_renamed_columns
from ._summary import Reportable
from ._validation import (
    BOOL,
    NON_NEGATIVE_INT,
    PROBABILITY_OPEN,
    STR,
    Interval,
    ListOf,
    Options,
    Satisfies,
    check,
)
from .errors import ModelSpecError, ResponseDataError, did_you_mean

# Old column names a returned table still answers (a FutureWarning) until 0.2: one name, std_all, for a standardized
# coefficient everywhere (lavaan's std.all).
OLS_RENAMED = {"beta": "std_all"}
ROBUSTNESS_RENAMED = {"sem_beta": "sem_std_all", "ols_beta": "ols_std_all"}


def _frame(data: pd.DataFrame, columns: list[str], function: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ResponseDataError(f"{function}: column {missing[0]!r} is not in the data; columns are "
                                f"{list(data.columns)[:12]}." + did_you_mean(missing[0], data.columns))
    frame = data[columns].apply(pd.to_numeric, errors="coerce").dropna().astype(float)
    _no_constant(frame, columns, function)
    return frame


def _no_constant(frame: pd.DataFrame, columns: list[str], function: str) -> None:
    """Refuse a variable without variance: its coefficient is undefined (a singular design), not zero."""
    for column in dict.fromkeys(columns):
        values = frame[column].dropna().unique() if column in frame.columns else []
        if len(frame) and len(values) < 2:
            shown = f" ({values[0]:g})" if len(values) else ""
            raise ResponseDataError(f"{function}: column {column!r} has the same value{shown} in every complete row; "
                                    "a constant cannot predict or be predicted. Drop it or check the data.")


def _design(data: pd.DataFrame, predictors: list[str]) -> pd.DataFrame:
    """Predictors with categorical columns dummy coded (first category as reference)."""
    parts = []
    for p in predictors:
        col = data[p]
        if col.dtype == object or isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col):
            parts.append(pd.get_dummies(col, prefix=p, drop_first=True, dtype=float))
        else:
            parts.append(pd.to_numeric(col, errors="coerce").rename(p))
    return pd.concat(parts, axis=1)


@dataclass(frozen=True, eq=False)
class OLSResult(Reportable):
    """Coefficients with classical and robust inference, standardized coefficients, VIF and model fit.

    Inference beyond the table is a method, as for :class:`~stickiness_research.SEMResult`:
    :meth:`conf_int` at any level and :meth:`wald_test` of linear hypotheses, both with the covariance
    the fit used (HC3 by default).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> res = sr.ols(sr.datasets.holzinger_swineford(), "x9", ["x7", "x8"])
    >>> res.table.columns.tolist()
    ['term', 'b', 'se', 't', 'pvalue', 'ci_lower', 'ci_upper', 'std_all', 'vif']
    """

    table: pd.DataFrame
    r2: float
    r2_adj: float
    f: float
    f_pvalue: float
    n: int
    outcome: str
    robust: str | None
    model: object = field(repr=False)

    @property
    def title(self) -> str:
        return f"OLS on {self.outcome}"

    def headline(self) -> list[str]:
        return [f"n = {self.n}, R² = {self.r2:.3f}, adj. R² = {self.r2_adj:.3f}, F = {self.f:.2f} (p = "
                f"{self.f_pvalue:.3g}), SEs: {self.robust or 'classical'}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``coefficients``: b, SE, t, p, CI, standardized coefficient (std_all) and VIF per predictor."""
        return {"coefficients": self.table}

    def summary_notes(self) -> list[str]:
        return []

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        r"""Confidence intervals of the coefficients at ``level``, with the covariance the fit used.

        Parameters
        ----------
        level : float
            Confidence level, in (0, 1).

        Returns
        -------
        DataFrame
            term, b, se, ci_lower, ci_upper: :math:`b \mp t_{n-k-1,\,(1+level)/2}\, se`, ``se`` the
            HC3 (HC1, HC0) standard error when the fit used one, else the classical one.

        Raises
        ------
        ParameterError
            ``level`` is not in (0, 1).

        Notes
        -----
        t intervals with the residual degrees of freedom for robust SEs too, as the table's:
        ``confint(lm)`` for classical SEs, ``lmtest::coefci(fit, vcov = sandwich::vcovHC(fit, "HC3"))``
        for HC3 (checked in tests/test_regression_inference.py against tests/reference/regression_inference.R).

        Examples
        --------
        >>> import stickiness_research as sr
        >>> res = sr.ols(sr.datasets.holzinger_swineford(), "x9", ["x7", "x8"])
        >>> ci = res.conf_int(0.90).set_index("term")  # In R: lmtest::coefci(fit, vcov = vcovHC(fit, "HC3"), level = .9)
        >>> ci.loc["x7", ["ci_lower", "ci_upper"]].round(4).tolist()
        [0.0602, 0.2362]
        """
        check(level, "level", "OLSResult.conf_int", PROBABILITY_OPEN)
        ci = self.model.conf_int(alpha=1 - level)
        return pd.DataFrame({"term": self.table["term"].to_numpy(), "b": self.model.params.to_numpy(),
                             "se": self.model.bse.to_numpy(), "ci_lower": ci[0].to_numpy(),
                             "ci_upper": ci[1].to_numpy()})

    def wald_test(self, constraints: str) -> pd.Series:
        r"""F test of linear hypotheses on the coefficients, as ``car::linearHypothesis``.

        Parameters
        ----------
        constraints : str
            One hypothesis per line (or separated by ``;``), each ``expression == expression`` (or
            ``=``) linear in the terms of the table, e.g. ``"x1 == x2"``, ``"x1 = 0; x2 = 0"``,
            ``"x1 + x2 == 1"``, ``"2*x1 == x2"``; the intercept is ``(Intercept)``, a dummy is named as
            in the table (``product_type_B``).

        Returns
        -------
        Series
            ``stat`` (the F statistic), ``df`` (hypotheses), ``df_denom`` (residual df) and ``pvalue``.

        Raises
        ------
        ParameterError
            ``constraints`` is not a string.
        ModelSpecError
            A hypothesis that is not ``lhs == rhs``, names a term not in the model, is not linear, or
            repeats (follows from) the others.

        Notes
        -----
        With the hypotheses written :math:`R b = r` (``q`` rows) and :math:`V` the coefficients'
        covariance the fit used (HC3 by default), :math:`F = (Rb - r)^\top (R V R^\top)^{-1} (Rb - r) / q`
        on ``q`` and :math:`n - k - 1` df. With classical SEs this is the F test of the nested models
        (``anova(restricted, full)``).

        References
        ----------
        Fox, J., & Weisberg, S. (2019). *An R companion to applied regression* (3rd ed.). Sage.
        R: ``car::linearHypothesis(fit, c("x7 = x8"), vcov. = sandwich::vcovHC(fit, "HC3"))`` (checked
        in tests/test_regression_inference.py against tests/reference/regression_inference.R).

        Examples
        --------
        >>> import stickiness_research as sr
        >>> res = sr.ols(sr.datasets.holzinger_swineford(), "x9", ["x7", "x8"])
        >>> test = res.wald_test("x7 == x8")  # In R: car::linearHypothesis(fit, "x7 = x8", vcov. = vcovHC(fit, "HC3"))
        >>> round(float(test["stat"]), 4), int(test["df"]), int(test["df_denom"]), round(float(test["pvalue"]), 4)
        (5.7004, 1, 298, 0.0176)
        """
        check(constraints, "constraints", "OLSResult.wald_test", STR)
        terms = list(self.table["term"])
        lines = [c.strip() for c in re.split(r"[\n;]+", constraints) if c.strip()]
        if not lines:
            raise ModelSpecError("wald_test: no hypothesis given; write one per line, e.g. 'x1 == x2'.")
        rows = [_linear_hypothesis(line, terms) for line in lines]
        r_mat = np.array([row for row, _ in rows])
        if np.linalg.matrix_rank(r_mat) < len(rows):
            raise ModelSpecError("wald_test: the hypotheses are redundant (one follows from the others); drop the "
                                 "redundant ones.")
        diff = r_mat @ self.model.params.to_numpy() - np.array([value for _, value in rows])
        middle = r_mat @ np.asarray(self.model.cov_params()) @ r_mat.T
        q, df_denom = len(rows), float(self.model.df_resid)
        stat = float(diff @ np.linalg.solve(middle, diff)) / q
        return pd.Series({"stat": stat, "df": q, "df_denom": df_denom, "pvalue": float(stats.f.sf(stat, q, df_denom))},
                         name="wald")

    def meta(self) -> dict:
        """``outcome``, ``n``, ``r2``, ``r2_adj``, ``f``, ``f_pvalue`` and ``robust`` (the SE type)."""
        return {"outcome": self.outcome, "n": self.n, "r2": self.r2, "r2_adj": self.r2_adj, "f": self.f,
                "f_pvalue": self.f_pvalue, "robust": self.robust}


def _linear_hypothesis(line: str, terms: list[str]) -> tuple[np.ndarray, float]:
    """One hypothesis ``lhs == rhs`` as a row of ``R`` and its right-hand side ``r`` (``R b = r``)."""
    sides = re.split(r"(?<![<>!=])==?(?!=)", line)
    if len(sides) != 2:
        raise ModelSpecError(f"wald_test: {line!r} is not a hypothesis; write 'lhs == rhs' (or 'lhs = rhs').")
    text = f"({sides[0]}) - ({sides[1]})"
    # terms as placeholders (longest first, whole names only): "(Intercept)" is no Python name
    for j in sorted(range(len(terms)), key=lambda j: -len(terms[j])):
        text = re.sub(rf"(?<![\w.]){re.escape(terms[j])}(?![\w.])", f"__term{j}__", text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ModelSpecError(f"wald_test: cannot read {line!r}; write e.g. 'x1 == x2' or 'x1 + x2 = 1'.") from None

    def linear(node: ast.AST) -> tuple[np.ndarray, float]:
        """(coefficients on the terms, constant) of a linear expression."""
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            return np.zeros(len(terms)), float(node.value)
        if isinstance(node, ast.Name):
            match = re.fullmatch(r"__term(\d+)__", node.id)
            if match is None:
                raise ModelSpecError(f"wald_test: {node.id!r} in {line!r} is not a term of the model; the terms are "
                                     f"{terms}.")
            return np.eye(len(terms))[int(match.group(1))], 0.0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            coef, const = linear(node.operand)
            return (-coef, -const) if isinstance(node.op, ast.USub) else (coef, const)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            (ca, a), (cb, b) = linear(node.left), linear(node.right)
            if isinstance(node.op, ast.Add | ast.Sub):
                sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
                return ca + sign * cb, a + sign * b
            if isinstance(node.op, ast.Mult) and not ca.any():
                return a * cb, a * b
            if not cb.any() and b != 0:
                return (ca * b, a * b) if isinstance(node.op, ast.Mult) else (ca / b, a / b)
        raise ModelSpecError(f"wald_test: {line!r} is not linear in the coefficients; use numbers, terms, + - and "
                             "a number times a term.")

    coef, const = linear(tree.body)
    if not coef.any():
        raise ModelSpecError(f"wald_test: {line!r} involves no term of the model; the terms are {terms}.")
    return coef, -const


def ols(data: pd.DataFrame, outcome: str, predictors: list[str], *, robust: str | None = "HC3") -> OLSResult:
    r"""Ordinary least squares with standardized coefficients, heteroskedasticity-robust SEs and VIF.

    Parameters
    ----------
    data : DataFrame
        Scale scores (and any controls); rows with a missing value are dropped.
    outcome : str
    predictors : list of str
        Numeric columns, or categorical ones (dummy coded, first category the reference).
    robust : {"HC3", "HC1", None}
        Robust covariance (HC3, as ``sandwich::vcovHC(type = "HC3")``), or classical SEs.

    Returns
    -------
    OLSResult
        ``table``: term, b, se, t, pvalue, ci_lower, ci_upper, std_all (coefficient on z-scored
        variables, lavaan's std.all), vif; ``conf_int(level)`` and ``wald_test("x1 == x2")`` for
        further inference with the same covariance.

        .. deprecated:: 0.1.1
            The ``beta`` column is now ``std_all``; ``table["beta"]`` still reads it, with a
            FutureWarning, until 0.2.

    Raises
    ------
    ParameterError
        ``robust`` is not one of the covariance types, or ``predictors`` is not a list of column names.
    ResponseDataError
        A column is missing, there are no more complete rows than predictors + 1, or a variable is constant.

    Notes
    -----
    :math:`\hat b = (X^\top X)^{-1} X^\top y`; HC3 is :math:`(X^\top X)^{-1} X^\top \operatorname{diag}
    (e_i^2 / (1 - h_{ii})^2) X (X^\top X)^{-1}` with :math:`h_{ii}` the leverages. Tests and intervals use
    :math:`t_{n-k-1}` with robust SEs too (as ``lmtest::coeftest``, SPSS and PROCESS). ``std_all`` refits on
    z-scored variables; VIF :math:`= 1 / (1 - R^2_j)`. :math:`R^2` and the F test are the classical ones.

    References
    ----------
    Long, J. S., & Ervin, L. H. (2000). Using heteroscedasticity consistent standard errors in the linear
    regression model. *The American Statistician*, 54(3), 217-224.
    R: ``lm`` and ``sandwich::vcovHC(type = "HC3")``.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.ols(hs, "x9", ["x7", "x8"])  # In R: lm(x9 ~ x7 + x8, HS); sandwich::vcovHC(fit, "HC3")
    >>> round(res.r2, 4)
    0.2211
    """
    check(robust, "robust", "ols", Options(("HC3", "HC1", "HC0")), None)
    check(predictors, "predictors", "ols", ListOf(STR))
    frame, x, xs, model = _ols_fit(data, outcome, predictors, robust)
    zx = (frame[x.columns] - frame[x.columns].mean()) / frame[x.columns].std(ddof=1)
    zy = (frame[outcome] - frame[outcome].mean()) / frame[outcome].std(ddof=1)
    betas = OLS(zy, add_constant(zx)).fit().params
    ci = model.conf_int()
    table = pd.DataFrame({"term": xs.columns, "b": model.params.to_numpy(), "se": model.bse.to_numpy(),
                          "t": model.tvalues.to_numpy(), "pvalue": model.pvalues.to_numpy(),
                          "ci_lower": ci[0].to_numpy(), "ci_upper": ci[1].to_numpy()})
    table["std_all"] = [np.nan] + [betas[c] for c in x.columns]
    table["vif"] = [np.nan] + list(vif(frame[x.columns]))
    table["term"] = table["term"].replace({"const": "(Intercept)"})
    plain = OLS(frame[outcome], xs).fit()
    return OLSResult(with_renamed_columns(table, OLS_RENAMED), float(plain.rsquared), float(plain.rsquared_adj), float(plain.fvalue),
                     float(plain.f_pvalue), len(frame), outcome, robust, model)


def _ols_fit(data: pd.DataFrame, outcome: str, predictors: list[str],
             robust: str | None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, object]:
    """The complete rows, the design's predictors, the design with its constant and the fitted statsmodels
    OLS behind :func:`ols`.

    Only the coefficients and their robust inference: callers that need nothing else (per-segment
    drivers, :func:`~stickiness_research.strategy.segment_priorities`) skip the standardized refit, the
    VIFs and the classical refit that :func:`ols` adds. Raises what :func:`ols` raises for bad data.
    """
    missing = [c for c in [outcome, *predictors] if c not in data.columns]
    if missing:
        raise ResponseDataError(f"ols: column {missing[0]!r} is not in the data." + did_you_mean(missing[0], data.columns))
    x = _design(data, predictors)
    y = pd.to_numeric(data[outcome], errors="coerce").rename(outcome)
    frame = pd.concat([y, x], axis=1).dropna()
    if len(frame) <= x.shape[1] + 1:
        raise ResponseDataError(f"ols: {len(frame)} complete rows are too few for {x.shape[1]} predictors.")
    _no_constant(frame, [outcome, *x.columns], "ols")
    xs = add_constant(frame[x.columns])
    # t(n - k - 1) for robust SEs too, as lmtest::coeftest, Stata, SPSS and PROCESS (statsmodels: normal)
    model = OLS(frame[outcome], xs).fit(cov_type=robust or "nonrobust", use_t=True)
    return frame, x, xs, model


def vif(x: pd.DataFrame) -> pd.Series:
    """Variance inflation factors, ``1 / (1 - R²_j)`` from regressing each predictor on the others."""
    out = {}
    for column in x.columns:
        others = x.drop(columns=column)
        if others.shape[1] == 0:
            out[column] = 1.0
            continue
        r2 = OLS(x[column], add_constant(others)).fit().rsquared
        out[column] = 1 / (1 - r2) if r2 < 1 else np.inf
    return pd.Series(out, name="vif")


def hierarchical(data: pd.DataFrame, outcome: str, blocks: dict[str, list[str]]) -> pd.DataFrame:
    """Hierarchical regression: blocks entered in order, with R², ΔR² and the F test of each change.

    All steps use the rows complete on every variable of every block, so steps are nested
    (as ``anova(m1, m2)`` in R).

    Parameters
    ----------
    data : DataFrame
        Scale scores and controls; rows with a missing value in any block are dropped.
    outcome : str
        The dependent variable's column.
    blocks : dict of str to list of str
        Block name -> predictors, entered in the dict's order; each predictor in one block only.

    Returns
    -------
    DataFrame
        One row per step: step, block, n_terms, r2, r2_adj, delta_r2, delta_f, df1, df2, pvalue.

    Raises
    ------
    ParameterError
        ``blocks`` is not a non-empty dict of non-empty lists of column names.
    ResponseDataError
        A column entered twice (or also the outcome), not in the data, or without variance.

    Notes
    -----
    ``delta_f = (delta_r2 / df1) / ((1 - r2) / df2)`` with ``df1`` the terms added and ``df2`` the
    residual df of the larger model; the first step's F is the model's overall F.

    References
    ----------
    Cohen, J., Cohen, P., West, S. G., & Aiken, L. S. (2003). *Applied multiple regression/correlation
    analysis for the behavioral sciences* (3rd ed.). Erlbaum.
    R: ``anova(lm(y ~ block1), lm(y ~ block1 + block2))`` (checked in tests/test_regression.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> steps = sr.hierarchical(hs, "x9", {"visual": ["x1", "x2", "x3"], "speed": ["x7", "x8"]})
    >>> steps[["r2", "delta_r2", "delta_f"]].round(4).values.tolist()  # In R: anova(m1, m2)
    [[0.1857, 0.1857, 22.5706], [0.3385, 0.1528, 34.0762]]
    """
    check(blocks, "blocks", "hierarchical", Satisfies(
        lambda b: isinstance(b, dict) and len(b) > 0 and all(v in ListOf(STR) for v in b.values()),
        "a non-empty dict of block name -> non-empty list of column names"))
    every = [c for cols in blocks.values() for c in cols]
    twice = sorted({c for c in every if every.count(c) > 1} | ({outcome} & set(every)))
    if twice:
        raise ResponseDataError(f"hierarchical: column {twice[0]!r} is entered twice (or is also the outcome); "
                                "each predictor belongs to one block.")
    missing = [c for c in [outcome, *every] if c not in data.columns]
    if missing:
        raise ResponseDataError(f"hierarchical: column {missing[0]!r} is not in the data."
                                + did_you_mean(missing[0], data.columns))
    frame = data[[outcome, *every]].dropna()
    y = pd.to_numeric(frame[outcome], errors="coerce")
    design = _design(frame, every)  # categorical predictors as their dummies
    _no_constant(pd.concat([y, design], axis=1), [outcome, *design.columns], "hierarchical")
    rows, previous, terms = [], None, []
    for step, (name, cols) in enumerate(blocks.items(), start=1):
        terms += cols
        x = add_constant(_design(frame, terms))
        fit = OLS(y, x).fit()
        if previous is None:
            d_r2, d_f, df1, p = fit.rsquared, fit.fvalue, fit.df_model, fit.f_pvalue
        else:
            df1 = fit.df_model - previous.df_model
            d_r2 = fit.rsquared - previous.rsquared
            d_f = (d_r2 / df1) / ((1 - fit.rsquared) / fit.df_resid)
            p = stats.f.sf(d_f, df1, fit.df_resid)
        rows.append({"step": step, "block": name, "n_terms": int(fit.df_model), "r2": fit.rsquared,
                     "r2_adj": fit.rsquared_adj, "delta_r2": d_r2, "delta_f": d_f, "df1": int(df1),
                     "df2": int(fit.df_resid), "pvalue": p})
        previous = fit
    return pd.DataFrame(rows)


def ordinal_logit(data: pd.DataFrame, outcome: str, predictors: list[str]) -> pd.DataFrame:
    """Proportional-odds (ordinal logit) model of one ordinal outcome (statsmodels ``OrderedModel``).

    Returns
    -------
    DataFrame
        term, kind ("slope" or "threshold"), est, se, z, pvalue, odds_ratio. Thresholds are the cut
        points on the logit scale, as ``MASS::polr``'s zeta (same sign convention: P(Y <= k) =
        logistic(zeta_k - x'b)).

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows with a missing value are dropped.
    outcome : str
        An ordered outcome (e.g. a 1..5 item), its sorted values the categories.
    predictors : list of str
        Numeric predictors (text that is not a number counts as missing).

    Raises
    ------
    ResponseDataError
        A column not in the data, an outcome with fewer than three categories, or a constant column.

    Notes
    -----
    ``P(Y <= k | x) = 1 / (1 + exp(-(zeta_k - x'b)))``; ``odds_ratio = exp(b)``, by ML.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. *JRSS B*, 42, 109-142.
    R: ``MASS::polr(factor(y) ~ x, Hess = TRUE)`` (checked in tests/test_regression.py).

    Examples
    --------
    >>> import numpy as np
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> hs["x9_level"] = np.digitize(hs["x9"], hs["x9"].quantile([0.33, 0.66])) + 1  # three levels
    >>> fit = sr.ordinal_logit(hs, "x9_level", ["x7", "x8"])  # In R: MASS::polr(factor(x9_level) ~ x7 + x8)
    >>> fit[["term", "kind", "est"]].round(3).values.tolist()
    [['x7', 'slope', 0.299], ['x8', 'slope', 0.682], ['1|2', 'threshold', 4.139], ['2|3', 'threshold', 5.75]]
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame = _frame(data, [outcome, *predictors], "ordinal_logit")
    y = frame[outcome].astype(int)
    levels = sorted(y.unique())
    if len(levels) < 3:
        raise ResponseDataError(f"ordinal_logit: {outcome!r} has {len(levels)} levels; use at least three.")
    model = OrderedModel(pd.Categorical(y, categories=levels, ordered=True), frame[predictors], distr="logit")
    fit = model.fit(method="bfgs", disp=False, maxiter=2000, gtol=1e-8)
    params = fit.params.to_numpy()
    k = len(predictors)
    # statsmodels stores thresholds as the first cut and log increments; convert them to cut points.
    cuts = model.transform_threshold_params(params)[1:-1]
    cov = fit.cov_params().to_numpy()
    jac = np.zeros((len(params) - k, len(params) - k))
    for i in range(len(params) - k):
        jac[i, 0] = 1.0
        for j in range(1, i + 1):
            jac[i, j] = np.exp(params[k + j])
    cut_se = np.sqrt(np.diag(jac @ cov[k:, k:] @ jac.T))
    slopes_se = np.sqrt(np.diag(cov)[:k])
    rows = [{"term": p, "kind": "slope", "est": params[i], "se": slopes_se[i]} for i, p in enumerate(predictors)]
    rows += [{"term": f"{levels[i]}|{levels[i + 1]}", "kind": "threshold", "est": cuts[i], "se": cut_se[i]}
             for i in range(len(cuts))]
    table = pd.DataFrame(rows)
    table["z"] = table["est"] / table["se"]
    table["pvalue"] = 2 * stats.norm.sf(table["z"].abs())
    table["odds_ratio"] = np.where(table["kind"] == "slope", np.exp(table["est"]), np.nan)
    return table


# ----- moderation ------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class ModerationResult(Reportable):
    """Interaction model, simple slopes and the Johnson-Neyman region."""

    table: pd.DataFrame
    simple_slopes: pd.DataFrame
    johnson_neyman: tuple[float, ...]
    jn_region: str
    w_range: tuple[float, float]
    x: str
    w: str
    y: str
    centered: bool
    model: object = field(repr=False)

    def plot(self):
        """Interaction plot: predicted outcome against x at low, mean and high w (a matplotlib Figure of its own,
        not pyplot's: the session's backend and rcParams stay as they were)."""
        from ._canvas import new_figure

        fig = new_figure(5.5, 4)
        ax = fig.subplots()
        b = self.model.params
        xs = np.linspace(-1.5, 1.5, 20) * self._sd_x
        for row in self.simple_slopes.itertuples():
            ws = row.w_value
            ax.plot(xs + (0 if self.centered else self._mean_x),
                    b["const"] + b[self.w] * ws + (b[self.x] + b[f"{self.x}:{self.w}"] * ws) * xs, label=row.at)
        ax.set_xlabel(self.x)
        ax.set_ylabel(self.y)
        ax.legend(title=self.w, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        fig.tight_layout()
        return fig

    _sd_x: float = 1.0
    _mean_x: float = 0.0

    @property
    def title(self) -> str:
        return f"Moderation of {self.x} -> {self.y} by {self.w}"

    def headline(self) -> list[str]:
        return [f"Johnson-Neyman: {self.jn_region}" + (" (predictors mean-centered)" if self.centered else "")]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``coefficients`` (the interaction model) and ``simple slopes`` of x at low, mean and high w."""
        return {"coefficients": self.table, "simple slopes": self.simple_slopes}

    def summary_notes(self) -> list[str]:
        return []

    def meta(self) -> dict:
        """``x``, ``w``, ``y``, ``centered``, ``johnson_neyman`` (the boundaries), ``jn_region`` and ``w_range``."""
        return {"x": self.x, "w": self.w, "y": self.y, "centered": self.centered,
                "johnson_neyman": list(self.johnson_neyman), "jn_region": self.jn_region,
                "w_range": list(self.w_range)}


def moderation(data: pd.DataFrame, x: str, w: str, y: str, *, covariates: tuple[str, ...] = (),
               center: bool = True, level: float = 0.95) -> ModerationResult:
    """Does ``w`` change the effect of ``x`` on ``y``? OLS with an x*w product term (PROCESS model 1).

    Simple slopes of x at the mean of w and one SD below and above; the Johnson-Neyman values of w
    where the slope of x crosses significance, from the quadratic
    ``(b1 + b3 w)^2 = t^2 (V11 + 2 w V13 + w^2 V33)``.

    Parameters
    ----------
    data : DataFrame
        Scale scores; rows with a missing value are dropped.
    x, w, y : str
        Focal predictor, moderator and outcome columns.
    covariates : tuple of str
        Further predictors held constant.
    center : bool
        Mean-centre x and w before forming the product (default True).
    level : float
        Confidence level of the intervals, in (0, 1).

    Returns
    -------
    ModerationResult
        ``table`` (term, b, se, t, pvalue, ci_lower, ci_upper), ``simple_slopes`` (at w's
        -1 SD, mean, +1 SD), ``johnson_neyman`` (the w values where the slope's significance
        changes), ``plot()``.

    Raises
    ------
    ParameterError
        ``center`` not a bool or ``level`` not in (0, 1).
    ResponseDataError
        A column not in the data, not numeric, or without variance.

    Notes
    -----
    ``y = b0 + b1 x + b2 w + b3 x w + e``; the slope of x at w is ``b1 + b3 w`` with variance
    ``V11 + 2 w V13 + w^2 V33`` (``V`` the coefficients' covariance).

    References
    ----------
    Hayes, A. F. (2022). *Introduction to mediation, moderation, and conditional process analysis*
    (3rd ed.). Guilford. (PROCESS model 1.)
    Johnson, P. O., & Neyman, J. (1936). Tests of certain linear hypotheses and their application
    to some educational problems. *Statistical Research Memoirs*, 1, 57-93.
    R: ``lm(y ~ x * w)`` with simple slopes and Johnson-Neyman points (checked in tests/test_regression.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> mod = sr.moderation(hs, "x7", "x8", "x9")  # In R: lm(x9 ~ x7c * x8c, HS)
    >>> mod.table.set_index("term").loc["x7:x8", ["b", "se"]].round(3).tolist()
    [-0.05, 0.043]
    >>> mod.simple_slopes["slope"].round(3).tolist()
    [0.195, 0.145, 0.094]
    """
    check(center, "center", "moderation", BOOL)
    check(level, "level", "moderation", PROBABILITY_OPEN)
    frame = _frame(data, [x, w, y, *covariates], "moderation")
    xv, wv = frame[x].copy(), frame[w].copy()
    mean_x = xv.mean()
    if center:
        xv, wv = xv - xv.mean(), wv - wv.mean()
    product = f"{x}:{w}"
    design = pd.DataFrame({x: xv, w: wv, product: xv * wv, **{c: frame[c] for c in covariates}})
    fit = OLS(frame[y], add_constant(design)).fit()
    ci = fit.conf_int(1 - level)
    table = pd.DataFrame({"term": fit.params.index.str.replace("const", "(Intercept)"), "b": fit.params.to_numpy(),
                          "se": fit.bse.to_numpy(), "t": fit.tvalues.to_numpy(), "pvalue": fit.pvalues.to_numpy(),
                          "ci_lower": ci[0].to_numpy(), "ci_upper": ci[1].to_numpy()})
    v = fit.cov_params()
    b1, b3 = fit.params[x], fit.params[product]
    v11, v13, v33 = v.loc[x, x], v.loc[x, product], v.loc[product, product]
    sd = wv.std(ddof=1)
    t_crit = stats.t.ppf(1 - (1 - level) / 2, fit.df_resid)
    slopes = []
    for label, value in [("-1 SD", wv.mean() - sd), ("mean", wv.mean()), ("+1 SD", wv.mean() + sd)]:
        est = b1 + b3 * value
        se = np.sqrt(v11 + 2 * value * v13 + value ** 2 * v33)
        slopes.append({"at": label, "w_value": value, "slope": est, "se": se, "t": est / se,
                       "pvalue": 2 * stats.t.sf(abs(est / se), fit.df_resid),
                       "ci_lower": est - t_crit * se, "ci_upper": est + t_crit * se})
    a = b3 ** 2 - t_crit ** 2 * v33
    bq = 2 * (b1 * b3 - t_crit ** 2 * v13)
    c = b1 ** 2 - t_crit ** 2 * v11
    disc = bq ** 2 - 4 * a * c
    roots = tuple(sorted(((-bq - np.sqrt(disc)) / (2 * a), (-bq + np.sqrt(disc)) / (2 * a)))) if disc >= 0 and a \
        else ()
    lo, hi = float(wv.min()), float(wv.max())
    inside = [r for r in roots if lo <= r <= hi]
    if not roots:
        region = "the slope of x is " + ("significant" if c > 0 else "not significant") + " at every value of w"
    elif a > 0:
        region = f"significant for w < {roots[0]:.3f} and for w > {roots[1]:.3f}"
    else:
        region = f"significant for {roots[0]:.3f} < w < {roots[1]:.3f}"
    region += f" (observed w from {lo:.3f} to {hi:.3f}; {len(inside)} boundary value(s) inside)"
    result = ModerationResult(table, pd.DataFrame(slopes), tuple(float(r) for r in roots), region, (lo, hi), x, w, y,
                              center, fit)
    object.__setattr__(result, "_sd_x", float(xv.std(ddof=1)))
    object.__setattr__(result, "_mean_x", float(mean_x))
    return result


# ----- mediation (PROCESS models 4 and 7) ------------------------------------------------------------
def _batched_ols(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares coefficients for a batch of designs (B, n, p) and outcomes (B, n)."""
    xtx = np.einsum("bni,bnj->bij", x, x)
    xty = np.einsum("bni,bn->bi", x, y)
    return np.linalg.solve(xtx, xty[..., None])[..., 0]


@dataclass(frozen=True, eq=False)
class MediationResult(Reportable):
    """Paths, direct and indirect effects with percentile bootstrap intervals."""

    paths: pd.DataFrame
    effects: pd.DataFrame
    n: int
    n_boot: int
    seed: int | None

    title = "Mediation"

    def headline(self) -> list[str]:
        return [f"n = {self.n}, {self.n_boot} bootstrap resamples (percentile), seed {self.seed}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``paths`` (a, b, c, c' with OLS inference) and ``effects`` (direct, indirect, total with bootstrap CIs)."""
        return {"paths": self.paths, "effects": self.effects}

    def summary_notes(self) -> list[str]:
        return []

    def meta(self) -> dict:
        """``n``, ``n_boot`` and ``seed``."""
        return {"n": self.n, "n_boot": self.n_boot, "seed": self.seed}


def mediation(data: pd.DataFrame, x: str, m: str | list[str], y: str, *, covariates: tuple[str, ...] = (),
              n_boot: int = 5000, seed: int | None = 1, level: float = 0.95) -> MediationResult:
    """PROCESS model 4: x -> m (parallel mediators) -> y, with percentile bootstrap CIs of the indirect effects.

    All resamples are fitted at once with batched least squares (no Python loop over resamples).

    Parameters
    ----------
    data : DataFrame
        Scale scores; rows with a missing value are dropped.
    x : str
        The cause.
    m : str or list of str
        One mediator, or several in parallel.
    y : str
        The outcome.
    covariates : tuple of str
        Further predictors of every mediator and of y.
    n_boot : int
        Bootstrap resamples, at least 100 (default 5000).
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the resamples (same seed, same intervals).
    level : float
        Confidence level, in (0, 1).

    Raises
    ------
    ParameterError
        ``n_boot`` below 100, a bad ``seed`` or ``level``, or ``m`` not a column name or list of them.
    ResponseDataError
        A column not in the data, not numeric, or without variance.

    Notes
    -----
    ``m = a0 + a x + e``, ``y = b0 + c' x + b m + e``; indirect effect ``a b``, total ``c = c' + a b``.
    Intervals are the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the resampled effects.

    References
    ----------
    Hayes, A. F. (2022). *Introduction to mediation, moderation, and conditional process analysis*
    (3rd ed.). Guilford. (PROCESS model 4.)

    Returns
    -------
    MediationResult
        ``paths``: a (x -> m), b (m -> y | x), c (total), c' (direct) with OLS SEs and p;
        ``effects``: total, direct, each indirect a*b and their sum, with bootstrap SE and CI.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> med = sr.mediation(hs, "x7", "x8", "x9", n_boot=500, seed=1)
    >>> med.effects[["effect", "est", "ci_lower", "ci_upper"]].round(3).values.tolist()[:3]
    [['total', 0.316, 0.224, 0.421], ['direct', 0.148, 0.056, 0.263], ['indirect via x8', 0.167, 0.11, 0.227]]
    """
    _check_bootstrap("mediation", n_boot, seed, level)
    check(m, "m", "mediation", STR, ListOf(STR))
    mediators = [m] if isinstance(m, str) else list(m)
    return _mediation(data, x, mediators, y, None, covariates, n_boot, seed, level)


def moderated_mediation(data: pd.DataFrame, x: str, m: str, y: str, w: str, *, covariates: tuple[str, ...] = (),
                        n_boot: int = 5000, seed: int | None = 1, level: float = 0.95) -> MediationResult:
    """PROCESS model 7: w moderates the a path (x -> m), with conditional indirect effects and their index.

    Conditional indirect effects at w's mean and +-1 SD, and the index of moderated mediation
    (a3 * b) with percentile bootstrap CIs; x and w are mean-centred.

    Parameters
    ----------
    data : DataFrame
        Scale scores; rows with a missing value are dropped.
    x, m, y, w : str
        Cause, mediator, outcome and the moderator of the x -> m path.
    covariates : tuple of str
        Further predictors of m and y.
    n_boot : int
        Bootstrap resamples, at least 100 (default 5000).
    seed : int or None
        Seed of the resampling.
    level : float
        Confidence level, in (0, 1).

    Returns
    -------
    MediationResult
        ``paths`` and ``effects``: direct, the indirect effect at w -1 SD, mean, +1 SD, and the index
        of moderated mediation, each with bootstrap SE and CI and ``excludes_zero``.

    Raises
    ------
    ParameterError
        ``n_boot`` below 100, or a bad ``seed`` or ``level``.
    ResponseDataError
        A column not in the data, not numeric, or without variance.

    Notes
    -----
    ``m = a0 + a1 x + a2 w + a3 x w``, ``y = b0 + c' x + b m``; the indirect effect at ``w`` is
    ``(a1 + a3 w) b`` and the index of moderated mediation ``a3 b``.

    References
    ----------
    Hayes, A. F. (2015). An index and test of linear moderated mediation. *Multivariate Behavioral
    Research*, 50, 1-22.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> mm = sr.moderated_mediation(hs, "x7", "x8", "x9", "x1", n_boot=500, seed=1)
    >>> mm.effects[["effect", "est"]].round(3).values.tolist()[-1]
    ['index of moderated mediation', -0.005]
    """
    _check_bootstrap("moderated_mediation", n_boot, seed, level)
    return _mediation(data, x, [m], y, w, covariates, n_boot, seed, level)


def _check_bootstrap(function: str, n_boot, seed, level) -> None:
    check(n_boot, "n_boot", function, Interval(int, 100, None))
    check(seed, "seed", function, NON_NEGATIVE_INT, None)
    check(level, "level", function, PROBABILITY_OPEN)


def _mediation(data, x, mediators, y, w, covariates, n_boot, seed, level) -> MediationResult:
    cols = [x, *mediators, y, *covariates] + ([w] if w else [])
    frame = _frame(data, cols, "mediation")
    n = len(frame)
    xv = frame[x].to_numpy()
    cov = frame[list(covariates)].to_numpy() if covariates else np.empty((n, 0))
    ones = np.ones((n, 1))
    if w:
        xv = xv - xv.mean()
        wv = frame[w].to_numpy() - frame[w].mean()
        a_design = np.column_stack([ones, xv, wv, xv * wv, cov])
    else:
        a_design = np.column_stack([ones, xv, cov])
    mv = frame[mediators].to_numpy()
    y_design = np.column_stack([ones, xv, mv, cov])
    yv = frame[y].to_numpy()

    def estimates(idx: np.ndarray) -> np.ndarray:
        """(B, k) effects for resample index arrays idx (B, n)."""
        a_coef = np.stack([_batched_ols(a_design[idx], mv[idx][..., j]) for j in range(len(mediators))], axis=1)
        y_coef = _batched_ols(y_design[idx], yv[idx])
        b = y_coef[:, 2:2 + len(mediators)]
        direct = y_coef[:, 1]
        if w:
            a1, a3 = a_coef[:, 0, 1], a_coef[:, 0, 3]
            sd = wv.std(ddof=1)
            cond = [(a1 + a3 * value) * b[:, 0] for value in (-sd, 0.0, sd)]
            return np.column_stack([direct, *cond, a3 * b[:, 0]])
        indirect = a_coef[:, :, 1] * b
        return np.column_stack([direct + indirect.sum(axis=1), direct, indirect, indirect.sum(axis=1)])

    point = estimates(np.arange(n)[None, :])[0]
    rng = np.random.default_rng(seed)
    draws = np.concatenate([estimates(rng.integers(0, n, (min(500, n_boot - s), n)))
                            for s in range(0, n_boot, 500)])
    tail = (1 - level) / 2
    if w:
        names = ["direct", f"indirect at {w} -1 SD", f"indirect at {w} mean", f"indirect at {w} +1 SD",
                 "index of moderated mediation"]
    else:
        names = ["total", "direct"] + [f"indirect via {m_}" for m_ in mediators] + (["total indirect"])
    effects = pd.DataFrame({"effect": names, "est": point, "boot_se": draws.std(axis=0, ddof=1),
                            "ci_lower": np.quantile(draws, tail, axis=0),
                            "ci_upper": np.quantile(draws, 1 - tail, axis=0)})
    effects["excludes_zero"] = (effects["ci_lower"] > 0) | (effects["ci_upper"] < 0)
    rows = []
    for j, med in enumerate(mediators):
        fit = OLS(mv[:, j], a_design).fit()
        rows.append({"path": f"a: {x} -> {med}", "b": fit.params[1], "se": fit.bse[1], "pvalue": fit.pvalues[1]})
        if w:
            rows.append({"path": f"a3: {x} x {w} -> {med}", "b": fit.params[3], "se": fit.bse[3],
                         "pvalue": fit.pvalues[3]})
    fit_y = OLS(yv, y_design).fit()
    for j, med in enumerate(mediators):
        rows.append({"path": f"b: {med} -> {y}", "b": fit_y.params[2 + j], "se": fit_y.bse[2 + j],
                     "pvalue": fit_y.pvalues[2 + j]})
    rows.append({"path": f"c': {x} -> {y}", "b": fit_y.params[1], "se": fit_y.bse[1], "pvalue": fit_y.pvalues[1]})
    return MediationResult(pd.DataFrame(rows), effects, n, n_boot, seed)


# ----- SEM vs regression -------------------------------------------------------------------------------
def robustness_table(sem_result, scores: pd.DataFrame, alpha: float = 0.05) -> pd.DataFrame:
    """Each structural path of a SEM next to the OLS standardized coefficient of the same equation on scale scores.

    Returns
    -------
    DataFrame
        outcome, predictor, sem_std_all, sem_pvalue, ols_std_all, ols_pvalue (HC3), same_conclusion (sign
        and significance at ``alpha`` agree).

        .. deprecated:: 0.1.1
            ``sem_beta`` and ``ols_beta`` are now ``sem_std_all`` and ``ols_std_all``; the old names
            still read them, with a FutureWarning, until 0.2.

    Parameters
    ----------
    sem_result : SEMResult
        A fitted structural model.
    scores : DataFrame
        Scale scores named as the model's constructs (:func:`~stickiness_research.scale_scores`).
    alpha : float
        Significance level, in (0, 1).

    Raises
    ------
    ParameterError
        ``alpha`` not in (0, 1).
    ResponseDataError
        A construct of the model has no column in ``scores``.

    Notes
    -----
    For each SEM equation ``eta_j ~ eta_k ...`` the OLS of the same equation on the scale means
    (HC3 SEs); ``sem_std_all`` is the SEM's standardized path (lavaan's std.all) and ``ols_std_all`` the
    OLS coefficient on z-scored scale scores. ``sem_pvalue`` is the standardized path's (delta-method SE,
    :meth:`SEMResult.standardized_solution`), ``ols_pvalue`` the HC3 t test's. ``same_conclusion`` holds when
    the two coefficients have the same sign and both or neither p-value is below ``alpha``. Scale means carry
    the measurement error the SEM models, so the two estimates differ even when both models hold.

    References
    ----------
    Long & Ervin (2000) for HC3: the full entry is under :func:`ols`.
    R: the OLS side as ``lm`` with ``sandwich::vcovHC(fit, type = "HC3")`` (tests/test_regression.py), the SEM side
    as ``lavaan::standardizedSolution(fit)`` (tests/test_sem_reference.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> data = sr.reverse_code(sr.simulate_responses(q, n=200, seed=1), q)
    >>> table = sr.robustness_table(sr.fit_sem(q.model_syntax(), data), sr.scale_scores(data, q))
    >>> table[["predictor", "sem_std_all", "ols_std_all", "same_conclusion"]].round(3).values.tolist()[0]
    ['interaction', 0.493, 0.406, True]
    """
    check(alpha, "alpha", "robustness_table", PROBABILITY_OPEN)
    std = sem_result.standardized_solution()
    paths = std[std["op"] == "~"]
    rows = []
    for outcome, group in paths.groupby("lhs", sort=False):
        predictors = list(group["rhs"])
        res = ols(scores, outcome, predictors).table.set_index("term")
        for r in group.itertuples():
            ols_std, ols_p = res.loc[r.rhs, "std_all"], res.loc[r.rhs, "pvalue"]
            same = (np.sign(ols_std) == np.sign(r.std_all)) and ((ols_p < alpha) == (r.pvalue < alpha))
            rows.append({"outcome": outcome, "predictor": r.rhs, "sem_std_all": r.std_all, "sem_pvalue": r.pvalue,
                         "ols_std_all": ols_std, "ols_pvalue": ols_p, "same_conclusion": bool(same)})
    return with_renamed_columns(pd.DataFrame(rows), ROBUSTNESS_RENAMED)
