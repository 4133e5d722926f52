"""SEMResult: the frozen outcome of :func:`fit_sem`, with tables in lavaan's names and renderings."""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._summary import Reportable
from ..errors import ModelSpecError, did_you_mean
from .effects import ModelEffects


@dataclass(frozen=True, eq=False)
class FitState:
    """What a fit keeps for later analyses (standardization, effects, bootstrap, modification indices)."""

    problem: Any
    solution: Any
    rows: list
    partable: Any
    vcov: np.ndarray
    data: list
    structure: Any
    sample_cov: np.ndarray
    sigma: np.ndarray
    # every group's sample and implied covariance matrices (multi-group fits; the two above are group 1's)
    group_covs: tuple = ()
    # several groups: the rows of ``data`` laid end to end, taken in this order, are in the fitted data's order
    order: np.ndarray | None = None


ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci_lower", "ci_upper",
                    "std_lv", "std_all"]
# The fit measures most papers report, in the order they are reported.
HEADLINE_MEASURES = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                     "srmr", "aic", "bic"]


@dataclass(frozen=True, eq=False)
class SEMResult(Reportable):
    """Estimates, fit measures and R-squared of a fitted structural equation model.

    Attributes
    ----------
    estimates : DataFrame
        One row per parameter, columns as lavaan's ``parameterEstimates(fit, standardized=TRUE)``:
        lhs op rhs label est se z pvalue ci_lower ci_upper std_lv std_all (95 % Wald intervals).
    fit_measures : Series
        lavaan ``fitMeasures()`` names: chisq df pvalue cfi tli rmsea rmsea.ci.lower rmsea.ci.upper
        srmr logl aic bic and more.
    r2 : Series
        R-squared of each indicator and endogenous latent variable.
    n_obs : int
        Observations used (after listwise deletion of incomplete rows).
    n_dropped : int
        Rows dropped because a model variable was missing.
    syntax : str
        The model syntax fitted.
    iterations : int
        Iterations the optimizer took.
    warnings : tuple of str
        Estimation warnings (Heywood cases, non-positive-definite matrices), each naming the parameter.
    vcov : DataFrame or None
        Covariance matrix of the free parameters.
    groups : tuple of str
        Group labels of a multi-group fit (empty for one group).
    estimator : str
        ``"ML"``, ``"MLR"``, ``"WLSMV"``, ...

    Raises
    ------
    ModelSpecError
        From :meth:`effects` of a multi-group fit, from :meth:`factor_scores` (see there), and from
        :meth:`bootstrap` (see there).
    ParameterError
        From :meth:`bootstrap`, for an argument out of range.

    Notes
    -----
    The fit measures follow lavaan's definitions (``T`` = ``chisq`` on ``df`` degrees of freedom, N F_ML for ML
    (:func:`~stickiness_research.fit_sem`), ``T_b`` and ``df_b`` those of the independence model, N the total
    sample size, G the number of groups):

    - ``cfi = 1 - max(T - df, 0) / max(T - df, T_b - df_b, 0)``
    - ``tli = (T_b / df_b - T / df) / (T_b / df_b - 1)``
    - ``rmsea = sqrt(max(T - df, 0) / (df N)) sqrt(G)`` (divisor N, not N - 1), its 90 % interval by
      inverting the noncentral chi-square, ``rmsea.pvalue`` the test of close fit (RMSEA <= .05)
    - ``srmr``: Bentler's, the root mean square of ``(s_ij - sigma_ij) / sqrt(s_ii s_jj)`` over the
      p (p + 1) / 2 elements with the diagonal (and the mean residuals scaled by the SDs when means are
      modelled), averaged over groups weighted by N_g
    - ``aic = -2 logl + 2 npar``, ``bic = -2 logl + npar log N``

    MLR adds the Yuan-Bentler scaled (``.scaled``) and robust (``.robust``) versions, WLSMV the
    scaled-shifted ones (:mod:`stickiness_research.sem.categorical`); ``r2`` of an endogenous variable is
    ``1 - (residual variance) / (model-implied variance)``.

    References
    ----------
    Rosseel, Y. (2012). lavaan: An R package for structural equation modeling. *Journal of Statistical
    Software*, 48(2), 1-36.
    Bentler, P. M. (1990). Comparative fit indexes in structural models. *Psychological Bulletin*, 107(2),
    238-246.
    Tucker, L. R., & Lewis, C. (1973). A reliability coefficient for maximum likelihood factor analysis.
    *Psychometrika*, 38(1), 1-10.
    Steiger, J. H. (1990). Structural model evaluation and modification: An interval estimation approach.
    *Multivariate Behavioral Research*, 25(2), 173-180.
    R: ``lavaan::parameterEstimates(fit, standardized = TRUE)``, ``fitMeasures(fit)`` and
    ``inspect(fit, "r2")`` (tests/test_sem_reference.py, tests/test_lavaan_battery.py); ``sample_cov``,
    ``implied_cov`` and ``residuals()`` as ``lavInspect(fit, "sampstat")``, ``fitted(fit)`` and ``resid(fit)``
    (tests/test_results_protocol.py, tests/reference/lavaan_multigroup_resid.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> res.n_obs, res.estimator, res.r2.round(3).tolist()[:3]  # In R: inspect(fit, "r2")
    (301, 'ML', [0.596, 0.179, 0.338])
    >>> print(res.fit_line())  # In R: fitMeasures(fit)
    chisq(24) = 85.306, p = 8.503e-09, CFI = 0.931, TLI = 0.896, RMSEA = 0.092 [0.071, 0.114], SRMR = 0.065
    """

    estimates: pd.DataFrame
    fit_measures: pd.Series
    r2: pd.Series
    n_obs: int
    n_dropped: int
    syntax: str
    iterations: int
    warnings: tuple[str, ...] = ()
    vcov: pd.DataFrame | None = field(default=None, repr=False)
    groups: tuple[str, ...] = ()
    estimator: str = "ML"
    _state: Any = field(default=None, repr=False)

    # ----- convenience views -----------------------------------------------------------------
    def paths(self) -> pd.DataFrame:
        """Structural regressions (``~``) and defined parameters (``:=``)."""
        return self.estimates[self.estimates["op"].isin(["~", ":="])].reset_index(drop=True)

    def loadings(self) -> pd.DataFrame:
        return self.estimates[self.estimates["op"] == "=~"].reset_index(drop=True)

    def fit_line(self) -> str:
        """One-line plain-text fit summary (the report layer formats APA style)."""
        from .fit_measures import headline, headline_notes

        h = headline(self.fit_measures)
        ci = "" if math.isnan(h["rmsea.ci.lower"]) else f" [{h['rmsea.ci.lower']:.3f}, {h['rmsea.ci.upper']:.3f}]"
        x = {k: "NA" if math.isnan(v) else format(v, ".4g" if k == "pvalue" else ".3f")  # NA as lavaan prints it
             for k, v in h.items() if k not in ("note", "df")}
        notes = headline_notes(h)
        return (f"chisq({int(h['df'])}) = {x['chisq']}, p = {x['pvalue']}, CFI = {x['cfi']}, TLI = {x['tli']}, "
                f"RMSEA = {x['rmsea']}{ci}, SRMR = {x['srmr']}" + (f" ({'; '.join(notes)})" if notes else ""))

    def standardized_solution(self, kind: str = "std_all") -> pd.DataFrame:
        """Standardized estimates with delta-method SEs, as lavaan's ``standardizedSolution(fit, type=)``.

        Parameters
        ----------
        kind : {"std_all", "std_lv"}

        Returns
        -------
        DataFrame
            lhs op rhs label, the standardized estimate named by ``kind`` (``std_all`` or ``std_lv``, as in
            ``estimates``; lavaan's column is ``est.std``), se z pvalue ci_lower ci_upper. The column was
            ``est_std`` before one vocabulary: ``table["est_std"]`` still reads it, with a FutureWarning, until
            0.2.
        """
        from .._deprecation import with_renamed_columns
        from .fit import defined_standardizer
        from .standardize import standardized_solution

        state = self._state
        from .categorical import CategoricalProblem, row_table

        rows, standardized = state.rows, None
        if isinstance(state.problem, CategoricalProblem):
            # ordered items: the thresholds and scale factors are rows too (lavaan lists them), outside the matrices
            rows = row_table(state.problem, state.solution.theta)[1]
            standardized = lambda t: row_table(state.problem, t)[4:6]  # noqa: E731
        fn, names = defined_standardizer(rows, state.partable)
        table = standardized_solution(state.problem, rows, state.solution.theta, state.vcov, fn, names, kind,
                                      standardized)
        return with_renamed_columns(table, {"est_std": kind})

    @property
    def partable(self) -> pd.DataFrame:
        """The parameter table (lavaan's ``parTable(fit)``): id lhs op rhs user block group free ustart exo
        label plabel start est se, in lavaan's order."""
        frame = self._state.partable.to_frame()
        est = self.estimates
        keys = ["lhs", "op", "rhs"] + (["group"] if "group" in est else [])
        rows = self._state.rows
        values = dict(((r.id), (e, s)) for r, e, s in zip(rows, est["est"], est["se"], strict=False))
        frame["est"] = [values.get(i, (np.nan, np.nan))[0] for i in frame["id"]]
        frame["se"] = [values.get(i, (np.nan, np.nan))[1] for i in frame["id"]]
        defined = est[est["op"] == ":="].set_index("lhs")
        for k in frame.index[frame["op"] == ":="]:
            name = frame.at[k, "lhs"]
            if name in defined.index:
                frame.at[k, "est"], frame.at[k, "se"] = defined.at[name, "est"], defined.at[name, "se"]
        del keys
        return frame

    @property
    def observed_variables(self) -> list[str]:
        """Observed variables of the model (the same in every group)."""
        return list(self._state.structure.observed)

    def _by_group(self, which: int) -> pd.DataFrame:
        """Group 1's matrix, or for a multi-group fit every group's stacked: rows (group, variable)."""
        names = self.observed_variables
        state = self._state
        if len(self.groups) > 1 and state.group_covs:
            return pd.concat({g: pd.DataFrame(mats[which], index=names, columns=names)
                              for g, mats in zip(self.groups, state.group_covs, strict=True)}, names=["group", None])
        return pd.DataFrame(state.sample_cov if which == 0 else state.sigma, index=names, columns=names)

    @property
    def sample_cov(self) -> pd.DataFrame:
        """Sample covariance matrix (divisor N, as lavaan's ML uses); multi-group: every group's, the rows indexed
        by (group, variable) as lavaan's ``lavInspect(fit, "sampstat")`` lists them."""
        return self._by_group(0)

    @property
    def implied_cov(self) -> pd.DataFrame:
        """Model-implied covariance matrix at the estimates (lavaan's ``fitted(fit)$cov``); multi-group: every
        group's, rows indexed by (group, variable)."""
        return self._by_group(1)

    def residuals(self, kind: str = "cor") -> pd.DataFrame:
        """Residual matrix, as lavaan's ``resid(fit, type=)``; multi-group: every group's, rows (group, variable).

        ``"raw"``: S - Sigma. ``"cor"`` (= ``"cor.bollen"``): cor(S) - cor(Sigma), each matrix
        standardized by its own variances. ``"cor.bentler"``: (S - Sigma) scaled by the observed SDs.
        """
        s, sigma = self.sample_cov, self.implied_cov
        if isinstance(s.index, pd.MultiIndex):
            return pd.concat({g: self._residual(s.loc[g], sigma.loc[g], kind) for g in self.groups},
                             names=["group", None])
        return self._residual(s, sigma, kind)

    @staticmethod
    def _residual(s: pd.DataFrame, sigma: pd.DataFrame, kind: str) -> pd.DataFrame:
        if kind == "raw":
            return s - sigma
        sd_s = np.sqrt(np.diag(s.to_numpy()))
        if kind in ("cor", "cor.bollen"):
            sd_m = np.sqrt(np.diag(sigma.to_numpy()))
            return s / np.outer(sd_s, sd_s) - sigma / np.outer(sd_m, sd_m)
        if kind == "cor.bentler":
            return (s - sigma) / np.outer(sd_s, sd_s)
        raise ValueError(f"kind must be 'raw', 'cor', 'cor.bollen' or 'cor.bentler'; got {kind!r}")

    def bootstrap(self, n_boot: int = 5000, seed: int | None = 1, *, ci: str = "percentile", level: float = 0.95,
                  n_jobs: int = 1, scheduler: Any = None, progress: bool = False):
        """Nonparametric bootstrap: intervals for parameters, standardized estimates, defined
        parameters and effects.

        Parameters
        ----------
        n_boot : int
            Resamples (5000 is usual for indirect effects).
        seed : int or None
            Seed of ``numpy.random.default_rng``, which draws every resample before any is fitted; same seed,
            same intervals, whatever ``n_jobs`` or ``scheduler``.
        ci : {"percentile", "bca"}
            Percentile (lavaan's ``boot.ci.type="perc"``) or bias-corrected and accelerated (Efron 1987), its
            acceleration from the jackknife (the model refitted once without each respondent: for a WLSMV fit
            ``n`` more fits from fresh sample statistics, about as long as ``n`` resamples).
        level : float
            Confidence level.
        n_jobs : int
            Threads fitting chunks of 500 resamples in parallel (joblib; -1 = every core; numpy releases the
            GIL, and threads start at once); 1 fits them in this thread. The results are identical for any value.
            ML fits refitted resample by resample (see Notes) run in this thread whatever the value: their time is
            in Python, where threads only contend.
        scheduler : dask.distributed.Client, str or None
            Fit the chunks on a Dask cluster instead: a Client (left open), or the address of a running
            scheduler such as ``"tcp://10.0.0.5:8786"`` (connected to for this call); ``n_jobs`` is then
            ignored. The results are identical to a local run (also for ordered-items (WLSMV) fits, whose
            resamples are refitted one by one in chunks of 50).
        progress : bool
            Show a progress bar (stderr), counting chunks, on every backend.

        Returns
        -------
        BootstrapResult

        Raises
        ------
        ParameterError
            An argument out of range, or a ``scheduler`` that is neither a Client nor the address of a scheduler
            answering within 10 seconds.
        ModelSpecError
            No resample of a refitted model could be fitted (e.g. every one lacked an answer category).

        Notes
        -----
        Several groups are resampled within each group (ML and WLSMV alike, as lavaan); such a model, one with a
        mean structure or a full-information fit (``missing="ml"``, whose resamples keep their missing answers) is
        refitted resample by resample (3-10 ms each) instead of in batches.
        """
        from .bootstrap import bootstrap

        return bootstrap(self, n_boot, seed, ci=ci, level=level, n_jobs=n_jobs, scheduler=scheduler,
                         progress=progress)

    def effects(self) -> pd.DataFrame:
        """Direct, specific indirect and total effects on every final outcome, with delta-method SEs; group by group
        in a multi-group model.

        The paths are the model's regressions (``~`` rows; not the loadings of a higher-order factor). A specific
        indirect effect is the product of the paths along one chain, a total the sum over a driver's chains to one
        outcome. Each equals lavaan's ``:=`` of the same product or sum (est, its delta-method se and std.all; with
        labels per group, ``c(a1, a2)*``, in a multi-group model).

        Returns
        -------
        DataFrame
            path, kind (direct/indirect/total), group (multi-group models only: the group's label), est, se, z,
            pvalue, ci_lower, ci_upper (95 %, normal), std_all. Empty when the model has no regressions.

        Raises
        ------
        ModelSpecError
            A non-recursive model (a loop of ``~`` paths): its effects run through infinitely many chains.

        Examples
        --------
        >>> import stickiness_research as sr
        >>> hs = sr.datasets.holzinger_swineford()
        >>> res = sr.fit_sem("x4 ~ a*x1; x7 ~ b*x4 + c*x1; x8 ~ d*x4 + x1", hs)
        >>> eff = res.effects().set_index(["path", "kind"])
        >>> round(float(eff.loc[("x1 -> x4 -> x7", "indirect"), "est"]), 4)
        0.0602
        >>> round(float(eff.loc[("x1 -> x7", "total"), "se"]), 4)
        0.0537

        lavaan 0.6.14 gives the same est and se for ``ind := a*b`` and ``tot := c + a*b`` in
        ``sem(model, data = HolzingerSwineford1939)`` (tests/test_effects.py compares three such models).
        """
        problem, theta = self._state.problem, self._state.solution.theta
        effects = self._model_effects("effects()")
        out = pd.DataFrame({"path": [n for n, _, _ in effects.names], "kind": [k for _, k, _ in effects.names]})
        if len(problem.groups) > 1:
            out["group"] = [g for _, _, g in effects.names]
        return self._delta_table(out, lambda t: effects.values(problem, t)).assign(
            std_all=effects.values(problem, theta, standardized=True))

    def effect_differences(self, reference: Any = None) -> pd.DataFrame:
        """Each group's effects minus the reference group's, with delta-method SEs (multi-group models).

        The difference of an indirect effect between two segments (say insurance and fund users) is what a
        mediation-by-group hypothesis asks; it equals lavaan's ``d := a2*b2 - a1*b1`` with the paths labelled per
        group (est and se). Where the model holds the paths equal across groups the difference is 0 with se 0.

        Parameters
        ----------
        reference : group label, optional
            The group subtracted (default: the first group, as lavaan orders them).

        Returns
        -------
        DataFrame
            path, kind (direct/indirect/total), group, reference, est (the group's effect minus the reference
            group's), se, z, pvalue, ci_lower, ci_upper (95 %, normal); one row per effect of each other group that
            the reference group has too.

        Raises
        ------
        ModelSpecError
            A single-group or a non-recursive model, or a reference that is not one of the groups.

        Examples
        --------
        >>> import stickiness_research as sr
        >>> hs = sr.datasets.holzinger_swineford()
        >>> res = sr.fit_sem("x4 ~ c(a1, a2)*x1; x7 ~ c(b1, b2)*x4 + c(c1, c2)*x1", hs, group="school")
        >>> d = res.effect_differences().set_index(["path", "kind"])
        >>> d.loc[("x1 -> x4 -> x7", "indirect"), ["est", "se"]].round(4).tolist()
        [-0.0531, 0.0483]

        lavaan 0.6.14: ``d := a2*b2 - a1*b1`` in ``sem(model, data = HolzingerSwineford1939, group = "school")``
        gives est -0.053087, se 0.048315.
        """
        problem = self._state.problem
        if len(problem.groups) < 2:
            raise ModelSpecError("effect_differences() compares groups: fit a multi-group model (fit_sem(..., "
                                 "group='segment column')).")
        effects = self._model_effects("effect_differences()")
        labels = [str(label) for label in effects.labels]
        reference = labels[0] if reference is None else str(reference)
        if reference not in labels:
            raise ModelSpecError(f"reference group {reference!r} is not one of the groups {labels}."
                                 + did_you_mean(reference, labels))
        at = {(path, kind, str(group)): k for k, (path, kind, group) in enumerate(effects.names)}
        rows = [(path, kind, str(group), k, at[(path, kind, reference)]) for k, (path, kind, group) in
                enumerate(effects.names) if str(group) != reference and (path, kind, reference) in at]
        mine, theirs = np.array([r[3] for r in rows], dtype=int), np.array([r[4] for r in rows], dtype=int)

        def differences(t: np.ndarray) -> np.ndarray:
            values = effects.values(problem, t)
            return values[mine] - values[theirs]

        out = pd.DataFrame({"path": [r[0] for r in rows], "kind": [r[1] for r in rows],
                            "group": [r[2] for r in rows], "reference": reference})
        return self._delta_table(out, differences)

    @functools.cached_property
    def _effects(self) -> ModelEffects:
        """The fit's effect chains, read once (tables() asks for them three times)."""
        return ModelEffects(self._state.problem, self._state.solution.theta)

    def _model_effects(self, what: str) -> ModelEffects:
        effects = self._effects
        if effects.loop:
            raise ModelSpecError(
                f"{what} needs a recursive model, but {', '.join(map(repr, effects.loop))} feed back on each other "
                "(a loop of ~ paths), so an effect runs through infinitely many chains. Write the effects you want "
                "with := (lavaan has no decomposition of a non-recursive model either).")
        return effects

    def _delta_table(self, out: pd.DataFrame, values) -> pd.DataFrame:
        """``out`` with est, se (delta method on the fit's vcov), z, pvalue and a 95 % normal interval of
        ``values(theta)``."""
        from scipy import stats

        from .numeric import numerical_jacobian

        theta = self._state.solution.theta
        point = values(theta)
        jac = numerical_jacobian(values, theta)
        se = np.sqrt(np.clip(((jac @ self._state.vcov) * jac).sum(axis=1), 0, None))
        z = np.divide(point, se, out=np.full_like(point, np.nan), where=se > 0)
        return out.assign(est=point, se=se, z=z, pvalue=2 * stats.norm.sf(np.abs(z)), ci_lower=point - 1.959964 * se,
                          ci_upper=point + 1.959964 * se)

    def factor_scores(self, data: pd.DataFrame | None = None, method: str = "regression", *,
                      group: str | None = None) -> pd.DataFrame:
        """Factor scores, as lavaan's ``lavPredict(fit, method=)``; see :func:`sem.predict.factor_scores`.

        Parameters
        ----------
        data : DataFrame, optional
            New respondents (default: the data the model was fitted on).
        method : {"regression", "Bartlett"}
            For ordered items lavaan's posterior modes ("regression", alias "EBM") or likelihood modes ("Bartlett",
            alias "ML").
        group : str, optional
            The group column of ``data`` for a multi-group model.
        """
        from .predict import factor_scores

        return factor_scores(self, data, method, group=group)

    def modification_indices(self, top: int | None = None, minimum: float = 0.0) -> pd.DataFrame:
        """Modification indices (lavaan's ``modindices()``): lhs op rhs mi epc sepc_lv sepc_all, largest first.

        Every row lavaan scores (its full table's rows that are not free parameters, fixed rows included) whose
        freeing would be identified; for ML, MLR, FIML and ordered items (WLSMV, DWLS, ULSMV); see
        stickiness_research/sem/modindices.py.

        Parameters
        ----------
        top : int, optional
            Keep only the ``top`` largest.
        minimum : float
            Keep only indices at least this large (3.84 is the 5 % critical value of chi-square(1)).

        Raises
        ------
        ParameterError
            ``top`` not a positive int (or None), ``minimum`` not a number >= 0.
        """
        from .._validation import POSITIVE_INT, Interval, check
        from .modindices import modification_indices

        check(top, "top", "SEMResult.modification_indices", POSITIVE_INT, None)
        check(minimum, "minimum", "SEMResult.modification_indices", Interval(float, 0, None))
        state = self._state
        table = modification_indices(state.problem, state.solution.theta)
        table = table[table["mi"] >= minimum]
        return (table.head(top) if top else table).reset_index(drop=True)

    def wald_test(self, constraints: str) -> pd.Series:
        """Wald test of equality constraints among labels, as ``lavaan::lavTestWald(fit, constraints)``.

        See :func:`stickiness_research.sem.wald.wald_test` (``"a == b"``, ``"s1 == s2; s2 == s3"``,
        ``"a*b == 0"``); returns ``stat``, ``df`` and ``pvalue``.
        """
        from .wald import wald_test

        return wald_test(self, constraints)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Wald confidence intervals of every estimate at ``level`` (``parameterEstimates(fit, level=)``)."""
        from .wald import conf_int

        return conf_int(self, level)

    # ----- renderings ----------------------------------------------------------------------------
    @property
    def title(self) -> str:
        return f"SEM ({self.estimator}, lavaan definitions)" + (f", {len(self.groups)} groups" if self.groups else "")

    def headline(self) -> list[str]:
        """Sample, convergence and the fit line."""
        n = f"N = {self.n_obs}" + (f" ({self.n_dropped} incomplete rows dropped)" if self.n_dropped else "")
        return [f"{n}; converged in {self.iterations} iterations", self.fit_line()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``estimates`` (every column, ``group`` too for a multi-group fit), ``fit`` (the headline measures;
        every measure is in ``meta()["fit_measures"]``), ``r2`` and, for a model with structural
        paths, ``effects`` (direct, indirect and total, delta-method SEs: :meth:`effects`)."""
        from .fit_measures import headline

        shown = [m for m in HEADLINE_MEASURES if m in self.fit_measures.index]
        fit = pd.DataFrame({"measure": shown, "value": [float(self.fit_measures[m]) for m in shown]})
        if headline(self.fit_measures)["note"]:  # MLR and WLSMV: the scaled and robust measures the fit line uses
            extra = [m for m in self.fit_measures.index if m.endswith((".scaled", ".robust"))
                     and m.split(".")[0] in ("chisq", "pvalue", "cfi", "tli", "rmsea")]
            fit = pd.concat([fit, pd.DataFrame({"measure": extra, "value": [float(self.fit_measures[m])
                                                                             for m in extra]})], ignore_index=True)
        r2 = self.r2.rename("r2").reset_index()
        r2.columns = [*(["group"] if len(r2.columns) == 3 else []), "variable", "r2"]
        out = {"estimates": self.estimates, "fit": fit, "r2": r2}
        if self._state is not None and self.vcov is not None and not self._effects.loop:
            effects = self.effects()
            if len(effects):
                out["effects"] = effects
                if self.groups:  # mediation by segment: each group's effects against the first group's
                    out["effect_differences"] = self.effect_differences()
        return out

    def meta(self) -> dict[str, Any]:
        """``n_obs``, ``n_dropped``, ``estimator``, ``groups``, ``iterations`` and ``fit_measures`` (every measure
        by its lavaan name, not only the headline ones)."""
        return {"n_obs": self.n_obs, "n_dropped": self.n_dropped, "estimator": self.estimator,
                "groups": list(self.groups), "iterations": self.iterations,
                "fit_measures": {str(k): v for k, v in self.fit_measures.items()}}

    def summary_notes(self) -> list[str]:
        return [f"warning: {w}" for w in self.warnings]

    def plot(self, path: str | Path | None = None, *, standardized: bool = True, labels: Any = None,
             language: str | None = None, group: Any = None, measurement: bool = True, covariances: bool = True,
             r2: bool = True, significance: str = "both", alpha: float = 0.05, digits: int = 2, dpi: int = 200):
        """Path diagram of the fitted model: latent variables as ellipses, observed ones as rectangles,
        loadings and regressions as arrows labelled with their estimates, covariances as curved
        double-headed arrows, R-squared under each endogenous variable.

        Causes stand left of their effects; each latent's indicators sit beside it. Drawn on its own
        matplotlib Figure: the backend and rcParams of the session are never changed.

        Parameters
        ----------
        path : str or Path, optional
            Also write the figure there, atomically; the format follows the suffix (.svg, .png, .pdf). SVG
            and PDF keep text as glyph outlines, so Chinese labels look the same on every machine.
        standardized : bool
            Label arrows with ``std_all`` (default) or, if False, with the unstandardized ``est``.
        labels : dict or Questionnaire, optional
            Display names by variable id (any not given keep their id), or a Questionnaire, whose construct
            names are used in ``language``.
        language : str, optional
            The questionnaire's language for the names ("zh", "en"; default: its own); only with a
            Questionnaire as ``labels``.
        group : str, optional
            For a multi-group model, draw this group only; by default one panel per group.
        measurement : bool
            Draw indicators and loadings; False draws the structural part only (latent variables and the
            paths between them), as the report does.
        covariances : bool
            Draw covariances between the drawn variables (exogenous latent covariances, residual covariances).
        r2 : bool
            Write R-squared under endogenous variables.
        significance : {"both", "stars", "dashed", "none"}
            Mark p < .05, .01, .001 with stars, draw arrows with p >= ``alpha`` dashed and grey, both or
            neither. Fixed parameters (no p-value) are drawn solid without stars.
        alpha : float
            The level below which an arrow counts as significant for the dashed style.
        digits : int
            Decimals of the labels (standardized values without a leading zero, APA style).
        dpi : int
            Resolution of a PNG file.

        Returns
        -------
        matplotlib.figure.Figure
            One panel (axes) per group drawn; shown by Jupyter as the cell's value.

        Raises
        ------
        ParameterError
            An argument is out of range (e.g. a path not ending in .svg/.png/.pdf, an unknown group or
            language).
        OutputPathError
            ``path`` is a directory, lies under a file or in a folder that cannot be written.

        Examples
        --------
        >>> import stickiness_research as sr
        >>> hs = sr.datasets.holzinger_swineford()
        >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", hs)
        >>> fig = res.plot()
        >>> {t.get_gid(): t.get_text() for t in fig.axes[0].texts if t.get_gid().startswith("label-loading-vis")}
        {'label-loading-visual-x1': '.78', 'label-loading-visual-x2': '.43***', 'label-loading-visual-x3': '.57***'}
        >>> res.estimates.query("lhs == 'visual' and op == '=~'")["std_all"].round(2).tolist()
        [0.78, 0.43, 0.57]
        >>> fig = res.plot(standardized=False, labels={"visual": "Visual", "textual": "Textual"})
        """
        from ..report.diagram import plot_sem

        return plot_sem(self, path, standardized=standardized, labels=labels, language=language, group=group,
                        measurement=measurement, covariances=covariances, r2=r2, significance=significance,
                        alpha=alpha, digits=digits, dpi=dpi)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def to_r(self, path: str | Path) -> Path:
        """Write an R script, and the data it needs, that refits this model with lavaan, so a reviewer can
        check any number.

        The data go to ``<script name>_data.csv`` beside the script: the model's observed variables
        (and, for a multi-group model, a ``group`` column) for the rows the fit used, nothing else, so no
        identifier leaves with them. The script calls lavaan's ``sem()`` (``growth()`` for growth models)
        with this fit's options (estimator ML, MLR, WLSMV, DWLS, ULSMV or ULS; ordered items and
        parameterization; ``missing = "ml"`` or ``"pairwise"``; group, group.label, group.equal,
        group.partial; std.lv; meanstructure; fixed.x), prints ``parameterEstimates(fit, standardized =
        TRUE)`` and ``fitMeasures(fit)``, then the largest differences from these estimates (embedded in
        the script). Both files are written atomically.

        Parameters
        ----------
        path : str or Path
            The R script to write, e.g. ``fit.R`` (also writes ``fit_data.csv``).

        Returns
        -------
        Path
            The script. Run it with ``Rscript fit.R`` (from any folder); ``Rscript fit.R out`` also writes
            lavaan's tables to ``out_estimates.csv`` and ``out_fit.csv``.

        Raises
        ------
        OutputPathError
            The script or its CSV would be a directory, lie under a file or in a folder that cannot be
            written.
        ModelSpecError
            The result carries no data (it was not made by :func:`fit_sem`).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> import stickiness_research as sr
        >>> hs = sr.datasets.holzinger_swineford()
        >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", hs, estimator="MLR")
        >>> script = res.to_r(pathlib.Path(tempfile.mkdtemp()) / "hs.R")
        >>> sorted(p.name for p in script.parent.iterdir())
        ['hs.R', 'hs_data.csv']
        >>> [line for line in script.read_text().splitlines() if line.startswith("fit <- ")]
        ['fit <- sem(model, data = data, estimator = "MLR", meanstructure = FALSE)']
        >>> # In R: source("hs.R") prints lavaan's estimates, equal to res.estimates to 1e-6
        """
        from .rscript import write_r_script

        return write_r_script(self, path)
