"""Confirmatory factor analysis: the measurement model with every table a reviewer asks for."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from .._deprecation import model_first
from .._summary import Reportable
from .._validation import POSITIVE_INT, InstanceOf, Interval, Options, check
from ..questionnaire import Questionnaire
from ..sem.fit import fit_sem
from ..sem.result import SEMResult
from .reliability import ordinal_reliability, reliability, scales_of
from .validity import construct_reliability, fornell_larcker, htmt, latent_correlations

ESTIMATORS = Options(("ML", "MLR", "WLSMV"), ignore_case=True)
MISSING = Options(("listwise", "ml", "fiml", "direct", "pairwise"), ignore_case=True)


def measurement_syntax(q: Questionnaire | str) -> str:
    """The measurement part of a model: every ``=~`` line (factors correlate freely) and any ``~~`` line."""
    if isinstance(q, Questionnaire):
        return q.model_syntax(structural=False)
    keep = [line.split("#", 1)[0].strip() for line in q.replace(";", "\n").splitlines()]
    keep = [line for line in keep if "=~" in line or ("~~" in line and ":=" not in line)]
    if not keep:
        scales_of(q)  # raises the named error for syntax without factors
    return "\n".join(keep) + "\n"


@dataclass(frozen=True, eq=False)
class CFAResult(Reportable):
    """A fitted measurement model and the tables reported with it.

    Attributes
    ----------
    sem : SEMResult
        The underlying fit (estimates, fit measures, modification indices, residuals).
    data : DataFrame
        The data it was fitted to (used by alpha and HTMT, which work on items).
    syntax : str
        The measurement model fitted.

    Raises
    ------
    ParameterError
        :meth:`modification_indices` with ``top`` not a positive int, :meth:`residual_correlations` with
        ``threshold`` outside [0, 1].

    Notes
    -----
    The tables, per construct: :meth:`reliability` joins Cronbach's alpha with Feldt's interval
    (:func:`~stickiness_research.reliability`) to ``omega = (sum lambda)^2 psi / sum(S)``,
    ``cr = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` and ``ave = sum(lambda^2) psi / tr(S)``
    (:func:`~stickiness_research.construct_reliability`; ``lambda`` unstandardized and ``l`` standardized
    loadings, ``psi`` the factor variance, ``S`` the items' sample covariances); :meth:`loadings` gives
    ``std_all`` with delta-method SEs (:meth:`SEMResult.standardized_solution`); :meth:`fornell_larcker`
    compares ``sqrt(ave)`` with the latent correlations; ``fit_measures["chisq/df"]`` is the reported
    chi-square (scaled for MLR and WLSMV) over its df; :meth:`residual_correlations` lists
    ``|cor(S) - cor(Sigma)| > threshold``.

    References
    ----------
    Cronbach (1951), McDonald (1999) and Fornell & Larcker (1981): the full entries are under
    :func:`~stickiness_research.cronbach_alpha` and :func:`~stickiness_research.construct_reliability`.
    R: ``lavaan::cfa(model, data)`` and ``standardizedSolution(fit)``; ``semTools::compRelSEM(fit)`` and
    ``semTools::AVE(fit)``; ``psych::alpha`` (tests/test_measurement_validity.py, tests/test_measurement.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> list(res.tables())
    ['Reliability and convergent validity', 'loadings', 'latent correlations', 'Fornell-Larcker']
    >>> res.loadings()["std_all"].round(3).tolist()[:3]  # In R: standardizedSolution(fit)$est.std
    [0.772, 0.424, 0.581]
    """

    sem: SEMResult
    data: pd.DataFrame = field(repr=False)
    syntax: str

    @property
    def fit_measures(self) -> pd.Series:
        """lavaan's fit measures plus ``chisq/df`` (of the chi-square the fit line reports: the scaled one
        for MLR and WLSMV)."""
        from ..sem.fit_measures import headline

        fm = self.sem.fit_measures.copy()
        fm["chisq/df"] = headline(fm)["chisq"] / fm["df"] if fm["df"] else float("nan")
        return fm

    @property
    def warnings(self) -> tuple[str, ...]:
        """Heywood cases and other estimation warnings, each naming the parameter."""
        return self.sem.warnings

    def loadings(self) -> pd.DataFrame:
        """Unstandardized and standardized loadings with SEs (delta method for the standardized).

        Returns
        -------
        DataFrame
            construct, item, est, se, pvalue, std_all, std_se, std_ci_lower, std_ci_upper.
        """
        return self._loadings.copy()

    # Computed once per fit (the delta-method SEs take a numerical Jacobian); the report and
    # results.json both ask for these tables, so the public methods hand out copies.
    @cached_property
    def _loadings(self) -> pd.DataFrame:
        est = self.sem.estimates
        std = self.sem.standardized_solution()
        load = est[est["op"] == "=~"].merge(std[std["op"] == "=~"], on=["lhs", "op", "rhs"], suffixes=("", "_std"))
        return pd.DataFrame({
            "construct": load["lhs"], "item": load["rhs"], "est": load["est"], "se": load["se"],
            "pvalue": load["pvalue"], "std_all": load["std_all_std"], "std_se": load["se_std"],
            "std_ci_lower": load["ci_lower_std"], "std_ci_upper": load["ci_upper_std"],
        }).reset_index(drop=True)

    @cached_property
    def _reliability(self) -> pd.DataFrame:
        alpha = reliability(self.data, self.syntax, level=0.95, cfa=False)
        composite = construct_reliability(self.sem)
        table = alpha.merge(composite.drop(columns="n_items"), on="construct", how="left")
        from ..sem.categorical import ESTIMATORS as CATEGORICAL

        if self.sem.estimator in CATEGORICAL:  # Green & Yang's omega of the observed item scores
            ordinal = ordinal_reliability(self.sem)[["construct", "omega"]].rename(columns={"omega": "omega_ordinal"})
            table = table.merge(ordinal, on="construct", how="left")
        return table

    def reliability(self) -> pd.DataFrame:
        """Cronbach's alpha with its Feldt CI, McDonald's omega, composite reliability and AVE per construct;
        for ordered items (WLSMV) also ``omega_ordinal``, the categorical omega of the item scores
        (``semTools::compRelSEM(fit)``, Green & Yang 2009; see :func:`ordinal_reliability`)."""
        return self._reliability.copy()

    @cached_property
    def _latent_correlations(self) -> pd.DataFrame:
        return latent_correlations(self.sem)

    @cached_property
    def _fornell_larcker(self) -> pd.DataFrame:
        return fornell_larcker(self.sem)

    def latent_correlations(self) -> pd.DataFrame:
        """Correlations between the factors (lavaan's ``lavInspect(fit, "cor.lv")``)."""
        return self._latent_correlations.copy()

    def fornell_larcker(self) -> pd.DataFrame:
        """Fornell-Larcker table (see :func:`~stickiness_research.measurement.fornell_larcker`)."""
        return self._fornell_larcker.copy()

    def htmt(self, **kwargs) -> pd.DataFrame:
        """HTMT for every pair of constructs; keyword arguments as :func:`stickiness_research.htmt`."""
        return htmt(self.data, self.syntax, **kwargs)

    def modification_indices(self, top: int | None = 10) -> pd.DataFrame:
        """The ``top`` largest modification indices (all when ``None``), as lavaan ``modindices``."""
        check(top, "top", "CFAResult.modification_indices", POSITIVE_INT, None)
        return self.sem.modification_indices(top=top)

    def residual_correlations(self, threshold: float = 0.10) -> pd.DataFrame:
        """Pairs of items whose residual correlation exceeds ``threshold`` in absolute value (local misfit).

        Returns
        -------
        DataFrame
            item_a, item_b, residual (lavaan ``resid(fit, type = "cor")``), largest first.
        """
        check(threshold, "threshold", "CFAResult.residual_correlations", Interval(float, 0, 1))
        res = self.sem.residuals("cor")
        names = list(res.index)
        rows = [{"item_a": a, "item_b": b, "residual": float(res.loc[a, b])}
                for i, a in enumerate(names) for b in names[i + 1:] if abs(res.loc[a, b]) > threshold]
        table = pd.DataFrame(rows, columns=["item_a", "item_b", "residual"])
        return table.reindex(table["residual"].abs().sort_values(ascending=False).index).reset_index(drop=True)

    @property
    def title(self) -> str:
        return f"CFA: {len(scales_of(self.syntax))} constructs, n = {self.sem.n_obs} ({self.sem.estimator})"

    def headline(self) -> list[str]:
        return [self.sem.fit_line() + f", chisq/df = {self.fit_measures['chisq/df']:.2f}"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``Reliability and convergent validity`` (alpha, omega, CR, AVE), ``loadings`` (standardized),
        ``latent correlations`` and ``Fornell-Larcker`` (discriminant validity; HTMT needs its own bootstrap:
        :meth:`htmt`)."""
        return {"Reliability and convergent validity": self.reliability(), "loadings": self.loadings(),
                "latent correlations": self.latent_correlations().rename_axis("construct"),
                "Fornell-Larcker": self.fornell_larcker().rename_axis("construct")}

    def meta(self) -> dict:
        """``n_obs``, ``estimator`` and ``fit_measures`` (every measure, ``chisq/df`` too)."""
        return {"n_obs": self.sem.n_obs, "estimator": self.sem.estimator,
                "fit_measures": {str(k): v for k, v in self.fit_measures.items()}}

    def summary_notes(self) -> list[str]:
        return [f"Warning: {w}" for w in self.warnings]


@model_first("q")
def cfa(model: Questionnaire | str, data: pd.DataFrame, *, estimator: str = "ML", missing: str = "listwise",
        ordered: bool | list[str] | None = None) -> CFAResult:
    """Fit the measurement model (every construct's items, constructs freely correlated).

    The model comes first and the data second, as ``lavaan::cfa(model, data)`` and every function
    that fits a model here.

    .. deprecated:: 0.1.1
        ``cfa(data, q)`` (the data first) and the keyword ``q=`` still work, with a FutureWarning,
        until 0.2: call ``cfa(model, data)``.

    Parameters
    ----------
    model : Questionnaire or lavaan syntax
        A questionnaire (its constructs and items) or syntax whose ``=~`` and ``~~`` lines are kept.
    data : DataFrame
        Item answers with reverse-keyed items recoded.
    estimator : {"ML", "MLR", "WLSMV"}
        MLR for non-normal Likert items (Yuan-Bentler scaled chi-square, sandwich SEs); WLSMV treats
        them as ordered categories (thresholds and polychoric correlations; lavaan ``ordered =``),
        the default when ``ordered`` is given.
    ordered : True or list of str, optional
        Items to treat as ordered (``True``: all); see :func:`stickiness_research.fit_sem`. The
        composite reliability and AVE are then on the latent-response scale (from the standardized
        loadings), alpha on the item scores.
    missing : {"listwise", "ml", "pairwise"}
        ``ml`` (also written ``fiml`` or ``direct``) is full-information ML over incomplete rows;
        ``pairwise`` is for ordered items (WLSMV; lavaan ``missing = "pairwise"``).

    Returns
    -------
    CFAResult
        The fit (``res.sem``), the data and the measurement syntax, with the tables reported with a
        CFA (loadings, reliability, Fornell-Larcker, HTMT, modification indices).

    Raises
    ------
    ParameterError
        ``estimator``, ``missing`` or ``ordered`` is not one of the allowed values.
    ModelSpecError
        ``model`` is syntax without an ``=~`` line, a model variable is not in the data or not numeric,
        or too few observations.
    EstimationError
        No convergence, a non-positive-definite sample covariance matrix, or an under-identified model.

    Notes
    -----
    Each construct ``f`` with items ``y_j``: ``y_j = lambda_j f + e_j``; the model-implied
    covariance ``Sigma = Lambda Phi Lambda' + Theta`` is fitted by ML (``F = ln|Sigma| + tr(S
    Sigma^-1) - ln|S| - p``), the first loading of each factor fixed at 1, as ``lavaan::cfa``.

    References
    ----------
    R: ``lavaan::cfa(model, data)`` (fit measures and estimates checked in
    tests/test_measurement_validity.py and tests/test_sem_reference.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> print(round(res.fit_measures["chisq"], 3))  # In R: lavaan::cfa(HS.model, data = HS)
    85.306
    >>> res.reliability().set_index("construct")["omega"].round(4).tolist()  # semTools::compRelSEM(fit)
    [0.612, 0.8851, 0.6858]
    """
    check(ordered, "ordered", "cfa", InstanceOf((bool, list, tuple), "True or a list of item names"), None)
    if ordered not in (None, False) and str(estimator).upper() == "ML":
        estimator = "WLSMV"  # lavaan's default with ordered items
    check(estimator, "estimator", "cfa", ESTIMATORS)
    check(missing, "missing", "cfa", MISSING)
    syntax = measurement_syntax(model)
    sem = fit_sem(syntax, data, estimator=estimator, missing=missing, ordered=ordered)
    return CFAResult(sem, data, syntax)
