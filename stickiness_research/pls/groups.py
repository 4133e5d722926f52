"""Group comparisons of a PLS path model: PLS-MGA of the paths and MICOM of the composites' measurement.

Two analyses that belong together (Henseler, Ringle & Sarstedt 2016: establish at least partial
measurement invariance with MICOM before comparing paths across groups):

* :func:`pls_mga` - Henseler's nonparametric PLS multigroup analysis (Henseler, Ringle & Sinkovics
  2009; Sarstedt, Henseler & Ringle 2011), exactly as R seminr's ``estimate_pls_mga``: the model is
  re-estimated and bootstrapped in each group, and every path's group difference gets the share of
  pairs of bootstrap replicates that contradict it.
* :func:`micom` - the measurement invariance of composites procedure (Henseler, Ringle & Sarstedt
  2016): compositional invariance (step 2) and equal composite means and variances (step 3), by
  permutation of the group labels, with cSEM's ``testMICOM`` definitions of the p-values.

Both run on the indicators' correlation matrices: a resample or a permuted group is a vector of row
counts, its moments two matrix products, and the PLS algorithm runs on a stack of correlation
matrices at once (:func:`.estimate.estimate_batch`). Random draws come from
``numpy.random.default_rng(seed)`` up front, so results do not depend on ``n_jobs``.
"""

from __future__ import annotations

import inspect
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    PROBABILITY_OPEN,
    InstanceOf,
    Satisfies,
    check,
)
from ..errors import EstimationError, ModelSpecError, ParameterError, ResponseDataError, did_you_mean
from ..executor import map_chunks
from .estimate import estimate_batch
from .fit import PLSResult, fit_pls
from .model import PLSModel, pls_model

MGA_COLUMNS = ["lhs", "op", "rhs", "est", "est_group1", "est_group2", "diff", "boot_mean_group1",
               "boot_mean_group2", "boot_se_group1", "boot_se_group2", "pvalue_group1_greater",
               "pvalue_group2_greater", "pvalue", "significant"]
COMPOSITIONAL_COLUMNS = ["construct", "c", "perm_mean", "perm_quantile", "pvalue", "invariant"]
EQUALITY_COLUMNS = ["construct", "diff", "perm_mean", "perm_lower", "perm_upper", "pvalue", "equal"]
INVARIANCE_COLUMNS = ["construct", "compositional", "equal_means", "equal_variances", "invariance"]
CHUNK = 250
#: differences below this count as ties (rounding): c of a single-indicator composite is 1 in every group
TIE = 1e-12


# ----- shared preparation -----------------------------------------------------------------------

def _fit_settings(syntax_or_result, settings: dict, who: str) -> tuple[Any, dict]:
    """The syntax to refit and fit_pls's keyword arguments: a PLSResult's own settings, else ``settings``."""
    from ..questionnaire import Questionnaire

    if isinstance(syntax_or_result, PLSResult):
        if settings:
            name = next(iter(settings))
            raise ParameterError(name, who, "left out when a PLSResult is given (its own settings are used)",
                                 settings[name])
        accepted = inspect.signature(fit_pls).parameters
        return _syntax_of(syntax_or_result.spec or syntax_or_result.model), {k: v for k, v in syntax_or_result.settings.items()
                                                    if k in accepted}
    if isinstance(syntax_or_result, Questionnaire):
        return syntax_or_result.model_syntax(labels=False), settings
    check(syntax_or_result, "syntax_or_result", who,
          InstanceOf(str, "model syntax (str), a Questionnaire or a PLSResult (sr.fit_pls)"))
    return syntax_or_result, settings


def _syntax_of(model: PLSModel) -> str:
    """lavaan-like syntax that reads back into ``model`` (interaction constructs as ``iv:moderator`` terms)."""
    interactions = getattr(model, "interactions", {}) or {}
    lines = [f"{c} {'=~' if model.modes[c] == 'A' else '<~'} {' + '.join(model.blocks[c])}"
             for c in model.blocks if c not in interactions]  # blocks: higher-order dimensions too
    lines += [f"{t} ~ {s.replace('*', ':') if s in interactions else s}" for s, t in model.paths]
    return "\n".join(lines)


def _split(data, group, levels, who: str) -> tuple[np.ndarray, np.ndarray, tuple, list[str]]:
    """Boolean row masks of group 1 and group 2 (positions in ``data``), their labels and notes.

    Booleans: True is group 1 (seminr's ``condition``). Otherwise exactly two values (sorted) or
    ``levels=(group1, group2)``. Rows with a missing group, or outside ``levels``, are left out.
    """
    check(data, "data", who, InstanceOf(pd.DataFrame, "a pandas DataFrame"))
    if isinstance(group, str):
        if group not in data.columns:
            raise ModelSpecError(f"{who}: the group column {group!r} is not a column of the data."
                                 + did_you_mean(group, data.columns))
        values = data[group]
        name = group
    else:
        check(group, "group", who, Satisfies(lambda g: not np.isscalar(g) and np.ndim(g) == 1
                                             and len(g) == len(data),
                                             f"a column name or one value per row of data ({len(data)})"))
        values = pd.Series(np.asarray(group) if not isinstance(group, pd.Series) else group.to_numpy())
        name = getattr(group, "name", None) or "group"
    values = pd.Series(values.to_numpy(), dtype=object)
    present = values.notna().to_numpy()
    seen = list(dict.fromkeys(values[present]))
    if levels is None:
        if len(seen) != 2:
            shown = ", ".join(repr(v) for v in seen[:5]) + (", ..." if len(seen) > 5 else "")
            raise ResponseDataError(f"{who}: the group {name!r} has {len(seen)} distinct value(s) ({shown}); compare "
                                    "two groups: pass levels=(group1, group2) or a column with two values.")
        if all(isinstance(v, bool | np.bool_) for v in seen):
            labels = (True, False)  # seminr: condition TRUE is group 1
        else:
            try:
                labels = tuple(sorted(seen))
            except TypeError:
                labels = tuple(seen)
    else:
        check(levels, "levels", who, Satisfies(lambda v: isinstance(v, list | tuple) and len(v) == 2
                                               and v[0] != v[1] and all(x in seen for x in v),
                                               f"two different values of the group ({', '.join(map(repr, seen[:8]))})"))
        labels = tuple(levels)
    first = present & (values == labels[0]).to_numpy()
    second = present & (values == labels[1]).to_numpy()
    notes = []
    left_out = int(len(data) - first.sum() - second.sum())
    if left_out:
        notes.append(f"{left_out} row(s) in neither group (group missing or another value) left out.")
    return first, second, tuple(v.item() if hasattr(v, "item") else v for v in labels), notes


def _group_fit(syntax, frame: pd.DataFrame, settings: dict, label, who: str) -> PLSResult:
    try:
        return fit_pls(syntax, frame, **settings)
    except (ResponseDataError, EstimationError) as exc:
        raise type(exc)(f"{who}: group {label!r} ({len(frame)} rows): {exc}") from exc


def _henseler_p(b1: np.ndarray, b2: np.ndarray) -> tuple[float, float]:
    """Henseler's PLS-MGA p-values of one path from J bootstrap replicates per group.

    ``p1 = 1 - #{(j, i): 2 mean(b1) - b1_j - 2 mean(b2) + b2_i > 0} / J^2`` (seminr's ``pls_mga_p``:
    small when group 1's coefficient is larger), and ``p2`` the same with the groups swapped. The
    J^2 comparisons are counted exactly by sorting, not by building them.
    """
    j = len(b1)
    a = 2 * b1.mean() - b1  # each group's replicates reflected about their mean
    c = np.sort(2 * b2.mean() - b2)
    above = np.searchsorted(c, a, side="left").sum()  # pairs with a_j - c_i > 0
    below = (j - np.searchsorted(c, a, side="right")).sum()  # pairs with a_j - c_i < 0
    return 1.0 - above / j**2, 1.0 - below / j**2


# ----- PLS-MGA ----------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PLSMGAResult:
    """Henseler's PLS multigroup analysis of every path (see :func:`pls_mga`).

    Attributes
    ----------
    table : DataFrame
        One row per path, in the model's order: lhs (target) op (``~``) rhs (source); est (both
        groups pooled); est_group1, est_group2 and diff (group 1 - group 2); boot_mean_group1/2,
        boot_se_group1/2 (mean and SD of the J bootstrap replicates used); pvalue_group1_greater
        (seminr's ``pls_mga_p``: one-sided, H1 group 1's path is larger), pvalue_group2_greater
        (the other side), pvalue (two-sided: twice the smaller, at most 1) and significant
        (pvalue < alpha).
    groups : tuple
        The labels of group 1 and group 2.
    n_obs : tuple of int
        Rows used in each group.
    n_boot : int
        Resamples drawn per group.
    n_used : int
        J, replicates per group in the p-values (seminr: the smaller number of admissible
        resamples of the two groups, the first J of each).
    seed : int or None
    alpha : float
    fits : tuple of PLSResult
        The pooled fit and the two group fits.
    draws : tuple of DataFrame
        (J, paths) the bootstrap replicates of the paths in group 1 and group 2.
    notes : tuple of str
    """

    table: pd.DataFrame
    groups: tuple
    n_obs: tuple[int, int]
    n_boot: int
    n_used: int
    seed: int | None
    alpha: float
    fits: tuple[PLSResult, PLSResult, PLSResult] = field(repr=False)
    draws: tuple[pd.DataFrame, pd.DataFrame] = field(repr=False)
    notes: tuple[str, ...] = ()

    def _head(self) -> str:
        g1, g2 = self.groups
        return (f"PLS-MGA (Henseler 2009): group 1 = {g1!r} (N = {self.n_obs[0]}), group 2 = {g2!r} "
                f"(N = {self.n_obs[1]}); {self.n_used} of {self.n_boot} bootstrap resamples per group, seed "
                f"{self.seed}; two-sided p, alpha = {self.alpha:g}")

    def summary(self) -> str:
        with pd.option_context("display.width", 200, "display.max_columns", 30, "display.float_format",
                               "{:.3f}".format):
            return "\n".join([self._head(), "", self.table.to_string(index=False)]
                             + [f"note: {n}" for n in self.notes])

    __str__ = summary

    def _repr_html_(self) -> str:
        notes = "".join(f"<p>note: {n}</p>" for n in self.notes)
        return (f"<div><p><b>{self._head()}</b></p>" + self.table.to_html(index=False, float_format=lambda v:
                                                                             f"{v:.3f}") + notes + "</div>")

    def to_markdown(self) -> str:
        return f"**{self._head()}**\n\n" + self.table.to_markdown(index=False, floatfmt=".3f")

    def to_latex(self) -> str:
        return self.table.to_latex(index=False, float_format="%.3f")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: method, groups, n_obs, n_boot, n_used, seed, alpha, the table's rows, notes."""
        rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v.item() if hasattr(v, "item") else v)
                 for k, v in r.items()} for r in self.table.to_dict("records")]
        return {"method": "PLS-MGA", "groups": [str(g) for g in self.groups], "n_obs": list(self.n_obs),
                "n_boot": self.n_boot, "n_used": self.n_used, "seed": self.seed, "alpha": self.alpha,
                "paths": rows, "notes": list(self.notes)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def pls_mga(syntax_or_result, data: pd.DataFrame, group, *, levels=None, n_boot: int = 2000, seed: int | None = 1,
            alpha: float = 0.05, n_jobs: int = 1, indices=None, **settings) -> PLSMGAResult:
    """Henseler's nonparametric PLS multigroup analysis (PLS-MGA) of every path, as seminr's ``estimate_pls_mga``.

    The model is estimated in the pooled rows of both groups, then in each group alone (seminr's
    ``rerun``), and each group is bootstrapped (resamples within the group). With ``J`` replicates
    ``b1_j``, ``b2_i`` of a path in each group and their means ``m1``, ``m2``:

    ``p1 = 1 - (1 / J^2) sum_j sum_i Theta(2 m1 - b1_j - 2 m2 + b2_i)``, ``Theta(s) = 1 if s > 0 else 0``

    (Henseler, Ringle & Sinkovics 2009, p. 309; seminr's ``pls_mga_p``; ``2 m - b`` reflects a
    group's bootstrap distribution about its mean, a centred estimate of the sampling distribution).
    ``p1`` is one-sided: small when group 1's coefficient is larger (H1: beta1 > beta2). ``p2`` swaps
    the groups (H1: beta2 > beta1), so ``p1 + p2 = 1`` up to ties, and the two-sided p-value is
    ``2 min(p1, p2)``. The rule often quoted for Henseler's MGA, "different if p1 < .05 or
    p1 > .95" (Sarstedt, Henseler & Ringle 2011), is this two-sided test at 10 %; here
    ``significant`` is the two-sided p-value below ``alpha``.

    seminr truncates both groups to ``J`` = the smaller number of admissible resamples (the first
    ``J`` of each); so does this function. Rows are split as given: missing answers are handled
    within each group, as seminr's ``rerun`` on the group's data does.

    Henseler, J., Ringle, C. M. & Sinkovics, R. R. (2009). The use of partial least squares path
    modeling in international marketing. *Advances in International Marketing*, 20, 277-319.
    Sarstedt, M., Henseler, J. & Ringle, C. M. (2011). Multigroup analysis in partial least
    squares (PLS) path modeling: alternative methods and empirical results. *Advances in
    International Marketing*, 22, 195-218. Establish at least partial measurement invariance
    first (:func:`micom`; Henseler, Ringle & Sarstedt 2016).

    Parameters
    ----------
    syntax_or_result : str, Questionnaire or PLSResult
        The model: syntax as for :func:`~stickiness_research.pls.fit.fit_pls`, or a fitted result
        whose model and settings (scheme, PLSc, missing answers, ...) are reused.
    data : DataFrame
        The raw answers of both groups (a PLSResult keeps only standardized indicators).
    group : str or array-like
        A column of ``data`` or one value per row: booleans (True = group 1, as seminr's
        ``condition``) or exactly two values (group 1 the smaller when sorted). Rows with a
        missing group are left out.
    levels : (value, value), optional
        The two values of ``group`` to compare, group 1 first (other rows are left out).
    n_boot : int
        Bootstrap resamples per group (seminr's default 2000).
    seed : int or None
        Seed of ``numpy.random.default_rng`` drawing the resamples of group 1, then of group 2.
    alpha : float
        Significance level of the two-sided test.
    n_jobs : int
        Threads for the bootstrap; the numbers do not depend on it.
    indices : (array, array), optional
        ``(n_boot, n1)`` and ``(n_boot, n2)`` row numbers (0-based, within each group) of every
        resample instead of drawing them, e.g. R's ``set.seed(seed + i); sample.int(n_g, TRUE)``
        to replay seminr's bootstrap.
    **settings
        fit_pls's options (``scheme``, ``consistent``, ``missing``, ``missing_value``, ...) when
        ``syntax_or_result`` is syntax.

    Returns
    -------
    PLSMGAResult
        ``table`` (one row per path), ``groups``, ``n_obs``, ``n_used``, the fits and the replicates.

    Raises
    ------
    ModelSpecError
        Unreadable syntax, or ``group`` names no column of ``data``.
    ResponseDataError
        The group has not two values (without ``levels``), or a group's data cannot be fitted (too
        few rows, a constant indicator within the group); the message names the group.
    EstimationError
        No resample of a group could be estimated.
    ParameterError
        An argument out of range (``n_boot``, ``seed``, ``alpha``, ``n_jobs``, ``levels``,
        ``indices``, a fit option), or fit options given with a PLSResult.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.groups import pls_mga
    >>> mobi = sr.datasets.mobi()
    >>> model = '''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Satisfaction ~ Image + Expectation + Value'''
    >>> # high vs low perceived quality (median split of PERQ1, an item not in the model)
    >>> high_quality = mobi["PERQ1"] > mobi["PERQ1"].median()
    >>> mga = pls_mga(model, mobi, high_quality, seed=1)  # seminr: estimate_pls_mga(pls, condition, nboot = 2000)
    >>> mga.groups, mga.n_obs
    ((True, False), (81, 169))
    >>> cols = ["rhs", "est_group1", "est_group2", "pvalue_group1_greater", "pvalue", "significant"]
    >>> print(mga.table[cols].round(3).to_string(index=False))
            rhs  est_group1  est_group2  pvalue_group1_greater  pvalue  significant
          Image       0.234       0.509                  0.993   0.014         True
    Expectation       0.336       0.039                  0.004   0.008         True
          Value       0.361       0.309                  0.334   0.668        False
    """
    who = "pls_mga"
    check(n_boot, "n_boot", who, POSITIVE_INT)
    check(seed, "seed", who, NON_NEGATIVE_INT, None)
    check(alpha, "alpha", who, PROBABILITY_OPEN)
    check(n_jobs, "n_jobs", who, *N_JOBS)
    syntax, settings = _fit_settings(syntax_or_result, settings, who)
    first, second, labels, notes = _split(data, group, levels, who)
    pooled = _group_fit(syntax, data.iloc[np.flatnonzero(first | second)], settings, "pooled", who)
    fits = [_group_fit(syntax, data.iloc[np.flatnonzero(m)], settings, label, who)
            for m, label in zip((first, second), labels, strict=True)]
    sizes = tuple(f.n_obs for f in fits)
    if indices is None:
        rng = np.random.default_rng(seed)
        indices = [rng.integers(0, n, size=(n_boot, n)) for n in sizes]
    else:
        check(indices, "indices", who, Satisfies(
            lambda v: len(v) == 2 and all(np.ndim(a) == 2 and np.shape(a)[1] == n and len(a) == len(v[0])
                                          and np.min(a) >= 0 and np.max(a) < n for a, n in zip(v, sizes, strict=True)),
            f"two arrays of shapes (n_boot, {sizes[0]}) and (n_boot, {sizes[1]}) of row numbers within each group"),
            shown=f"shapes {[np.shape(a) for a in indices]}" if isinstance(indices, list | tuple) else indices)
        indices = [np.asarray(a) for a in indices]
        n_boot = len(indices[0])
    boots = [f.bootstrap(n_boot, seed, n_jobs=n_jobs, indices=idx) for f, idx in zip(fits, indices, strict=True)]
    names = [f"{t} ~ {s}" for s, t in pooled.model.paths]
    used = min(len(b.draws) for b in boots)
    if used < 2:
        raise EstimationError(f"{who}: fewer than 2 bootstrap resamples of a group could be estimated "
                              f"({[len(b.draws) for b in boots]} of {n_boot}); the groups are too small.")
    if used < n_boot:
        notes.append(f"{n_boot - used} resample(s) of a group could not be estimated; both groups use their first "
                     f"{used} admissible ones (as seminr).")
    draws = [b.draws[names].iloc[:used].reset_index(drop=True) for b in boots]
    rows = []
    for (s, t), name in zip(pooled.model.paths, names, strict=True):
        b1, b2 = (d[name].to_numpy() for d in draws)
        p1, p2 = _henseler_p(b1, b2)
        e1, e2 = (float(f.paths().loc[s, t]) for f in fits)
        p = min(1.0, 2 * min(p1, p2))
        rows.append((t, "~", s, float(pooled.paths().loc[s, t]), e1, e2, e1 - e2, float(b1.mean()),
                     float(b2.mean()), float(b1.std(ddof=1)), float(b2.std(ddof=1)), p1, p2, p, bool(p < alpha)))
    for label, f in zip(labels, fits, strict=True):
        notes += [f"group {label!r}: {w}" for w in f.warnings]
    return PLSMGAResult(table=pd.DataFrame(rows, columns=MGA_COLUMNS), groups=labels, n_obs=sizes, n_boot=n_boot,
                        n_used=used, seed=seed, alpha=alpha, fits=(pooled, *fits), draws=tuple(draws),
                        notes=tuple(notes))


# ----- MICOM ------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class MICOMResult:
    """Measurement invariance of composites (see :func:`micom`), one row per construct in every table.

    Attributes
    ----------
    compositional : DataFrame
        Step 2: construct, c (correlation of the pooled data's scores with group 1's and group 2's
        weights), perm_mean, perm_quantile (the alpha quantile of c under permutation), pvalue
        (share of permutations with c at most the observed one), invariant (pvalue > alpha).
    means : DataFrame
        Step 3a: construct, diff (mean of group 1 - mean of group 2 of the pooled standardized
        scores), perm_mean, perm_lower, perm_upper (alpha/2 and 1 - alpha/2 quantiles under
        permutation), pvalue (share of permutations with a larger absolute difference), equal
        (pvalue > alpha).
    variances : DataFrame
        Step 3b: as ``means`` for diff = log var(group 1) - log var(group 2).
    invariance : DataFrame
        construct, compositional, equal_means, equal_variances, invariance: ``"full"`` (steps 2,
        3a and 3b hold), ``"partial"`` (step 2 holds; compare paths by group, e.g. :func:`pls_mga`)
        or ``"none"``.
    groups : tuple
    n_obs : tuple of int
    n_permutations : int
    n_failed : int
        Permutations whose group estimates failed (left out of step 2, as cSEM's "drop").
    seed : int or None
    alpha : float
    permutations : dict of str to DataFrame
        (n_permutations, c) permutation values of ``c`` (admissible ones), ``mean_diff`` and
        ``log_var_ratio``.
    notes : tuple of str
    """

    compositional: pd.DataFrame
    means: pd.DataFrame
    variances: pd.DataFrame
    invariance: pd.DataFrame
    groups: tuple
    n_obs: tuple[int, int]
    n_permutations: int
    n_failed: int
    seed: int | None
    alpha: float
    permutations: dict = field(repr=False)
    notes: tuple[str, ...] = ()

    def _head(self) -> str:
        g1, g2 = self.groups
        return (f"MICOM (Henseler, Ringle & Sarstedt 2016): group 1 = {g1!r} (N = {self.n_obs[0]}), group 2 = "
                f"{g2!r} (N = {self.n_obs[1]}); {self.n_permutations} permutations ({self.n_failed} failed), seed "
                f"{self.seed}, alpha = {self.alpha:g}. Step 1 (configural invariance): same indicators, data "
                "treatment and algorithm settings in both groups by construction.")

    def _tables(self) -> list[tuple[str, pd.DataFrame]]:
        return [("Step 2: compositional invariance", self.compositional),
                ("Step 3a: equal composite means", self.means),
                ("Step 3b: equal composite variances (log ratio)", self.variances),
                ("Measurement invariance", self.invariance)]

    def summary(self) -> str:
        parts = [self._head()]
        with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
            for title, frame in self._tables():
                parts += ["", title, frame.to_string(index=False)]
        return "\n".join(parts + [f"note: {n}" for n in self.notes])

    __str__ = summary

    def _repr_html_(self) -> str:
        body = "".join(f"<p>{title}</p>" + frame.to_html(index=False, float_format=lambda v: f"{v:.3f}")
                       for title, frame in self._tables())
        return f"<div><p><b>{self._head()}</b></p>{body}" + "".join(f"<p>note: {n}</p>" for n in self.notes) + "</div>"

    def to_markdown(self) -> str:
        return f"**{self._head()}**\n\n" + "\n\n".join(f"*{title}*\n\n" + frame.to_markdown(index=False, floatfmt=".3f")
                                                      for title, frame in self._tables())

    def to_latex(self) -> str:
        return "\n".join(frame.to_latex(index=False, float_format="%.3f") for _, frame in self._tables())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: method, groups, n_obs, n_permutations, n_failed, seed, alpha, the four tables, notes."""
        def records(frame: pd.DataFrame) -> list[dict]:
            return [{k: v.item() if hasattr(v, "item") else v for k, v in r.items()} for r in frame.to_dict("records")]

        return {"method": "MICOM", "groups": [str(g) for g in self.groups], "n_obs": list(self.n_obs),
                "n_permutations": self.n_permutations, "n_failed": self.n_failed, "seed": self.seed,
                "alpha": self.alpha, "compositional": records(self.compositional), "means": records(self.means),
                "variances": records(self.variances), "invariance": records(self.invariance),
                "notes": list(self.notes)}

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)


def _group_cor(members: np.ndarray, z: np.ndarray, cross: np.ndarray, rows: np.ndarray, cols: np.ndarray,
               totals: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Correlation matrices (B, p, p) of both groups for a (B, n) 0/1 membership of group 1, and which are usable."""
    p = z.shape[1]
    out = []
    fine = np.ones(len(members), dtype=bool)
    for m, n_g in ((members, members.sum(axis=1)), (1.0 - members, (1.0 - members).sum(axis=1))):
        if m is members:
            sums, crosses = m @ z, m @ cross
        else:  # group 2: the totals minus group 1
            sums, crosses = totals[0][None, :] - members @ z, totals[1][None, :] - members @ cross
        means = sums / n_g[:, None]
        moment = crosses / n_g[:, None] - means[:, rows] * means[:, cols]
        cov = np.empty((len(m), p, p))
        cov[:, rows, cols] = moment
        cov[:, cols, rows] = moment
        sd = np.sqrt(np.clip(np.einsum("bii->bi", cov), 0, None))
        ok = (sd > 1e-12).all(axis=1)  # an indicator constant within a permuted group
        with np.errstate(all="ignore"):
            s = cov / (sd[:, :, None] * sd[:, None, :])
        s[~ok] = np.eye(p)
        fine &= ok
        out.append(s)
    return out[0], out[1], fine


def micom(syntax_or_result, data: pd.DataFrame, group, *, levels=None, n_permutations: int = 1000,
          seed: int | None = 1, alpha: float = 0.05, n_jobs: int = 1, permutations=None, **settings) -> MICOMResult:
    """Measurement invariance of composites (MICOM; Henseler, Ringle & Sarstedt 2016), by permutation.

    With ``Z`` the pooled rows of both groups standardized (``S = Z'Z / (n - 1)``), ``w1``, ``w2``
    the outer weights estimated in each group alone and ``w`` those of the pooled data:

    * Step 1, configural invariance: the same indicators, data treatment and algorithm settings in
      both groups - true by construction here.
    * Step 2, compositional invariance: per construct ``c = cor(Z w1, Z w2) = w1'S w2 /
      sqrt(w1'S w1 w2'S w2)``. Permuting the group labels (group sizes kept) and re-estimating both
      groups gives ``c`` under H0 (c = 1); p-value = share of permutations with ``c_perm <= c``;
      invariance if p > alpha (cSEM's decision; about the paper's rule "``c`` not below the
      alpha quantile of ``c_perm``").
    * Step 3, equal composite means (3a) and variances (3b): the pooled scores ``Y = Z w`` (unit
      variance), ``diff_mean = mean(Y_g1) - mean(Y_g2)`` and ``diff_logvar = log var(Y_g1) -
      log var(Y_g2)``; under the same permutations, p-value = share with a larger absolute value
      (two-sided); equal if p > alpha (about the paper's rule "``diff`` inside the alpha/2 and
      1 - alpha/2 quantiles").
    * Full invariance: steps 2, 3a and 3b hold (the groups may be pooled); partial: step 2 holds
      (compare the groups' paths, e.g. with :func:`pls_mga`); none: step 2 fails.

    The p-values are those of cSEM's ``testMICOM`` (steps 2 and 3 as written there; cSEM's log
    variance difference); unlike cSEM, step 3 reuses step 2's permutations. Missing answers are
    handled once in the pooled rows (fit_pls's ``missing``). Weights are the same with and without
    PLSc, so ``consistent`` changes nothing here. Differences below 1e-12 count as ties (a
    single-indicator composite has ``c = 1`` in every permutation).

    Henseler, J., Ringle, C. M. & Sarstedt, M. (2016). Testing measurement invariance of
    composites using partial least squares. *International Marketing Review*, 33(3), 405-431.

    Parameters
    ----------
    syntax_or_result : str, Questionnaire or PLSResult
        The model, as for :func:`pls_mga` (a PLSResult's settings are reused).
    data : DataFrame
        The raw answers of both groups.
    group : str or array-like
        A column of ``data`` or one value per row, as for :func:`pls_mga`.
    levels : (value, value), optional
        The two values of ``group`` to compare, group 1 first.
    n_permutations : int
        Permutations of the group labels (Henseler et al. 2016 recommend 5000 for a final report).
    seed : int or None
        Seed of ``numpy.random.default_rng`` drawing the permutations.
    alpha : float
        Significance level of every step.
    n_jobs : int
        Threads; the numbers do not depend on it.
    permutations : array of bool, optional
        ``(n_permutations, n)`` group-1 membership of the used rows (in data order) in every
        permutation, instead of drawing them; each row must keep group 1's size.
    **settings
        fit_pls's options when ``syntax_or_result`` is syntax.

    Returns
    -------
    MICOMResult
        ``compositional``, ``means``, ``variances``, ``invariance`` (one row per construct).

    Raises
    ------
    ModelSpecError
        Unreadable syntax, an interaction term (its "composite" is a product of scores, not
        measured by indicators), a two-stage higher-order construct (its indicators are pooled
        first-stage scores; ``hoc="repeated_indicators"`` is tested), or ``group`` names no column
        of ``data``.
    ResponseDataError
        The group has not two values (without ``levels``); a group has no more rows than the model
        has indicators, or an indicator constant within it (the message names the group).
    EstimationError
        A group's weights cannot be estimated, or no permutation could be.
    ParameterError
        An argument out of range (``n_permutations``, ``seed``, ``alpha``, ``n_jobs``, ``levels``,
        ``permutations``, a fit option), or fit options given with a PLSResult.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.groups import micom
    >>> mobi = sr.datasets.mobi()
    >>> model = '''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Satisfaction ~ Image + Expectation + Value'''
    >>> # high vs low perceived quality (median split of PERQ1, an item not in the model)
    >>> high_quality = mobi["PERQ1"] > mobi["PERQ1"].median()
    >>> m = micom(model, mobi, high_quality, seed=1)
    >>> print(m.compositional.round(3).to_string(index=False))
       construct     c  perm_mean  perm_quantile  pvalue  invariant
           Image 0.991      0.993          0.981   0.272       True
     Expectation 0.967      0.972          0.913   0.289       True
           Value 1.000      0.999          0.997   0.918       True
    Satisfaction 1.000      0.999          0.997   0.617       True
    >>> print(m.invariance.to_string(index=False))
       construct  compositional  equal_means  equal_variances invariance
           Image           True        False             True    partial
     Expectation           True        False             True    partial
           Value           True        False             True    partial
    Satisfaction           True        False            False    partial

    Partial invariance everywhere: the groups' paths can be compared (:func:`pls_mga`), the
    groups should not be pooled.
    """
    who = "micom"
    check(n_permutations, "n_permutations", who, POSITIVE_INT)
    check(seed, "seed", who, NON_NEGATIVE_INT, None)
    check(alpha, "alpha", who, PROBABILITY_OPEN)
    check(n_jobs, "n_jobs", who, *N_JOBS)
    syntax, settings = _fit_settings(syntax_or_result, settings, who)
    model = pls_model(syntax)
    if getattr(model, "interactions", None):
        raise ModelSpecError(f"{who}: MICOM compares how composites are measured; the interaction term(s) "
                             f"{', '.join(model.interactions)} are products of scores. Test the model without them.")
    if model.higher_order and settings.get("hoc", "two_stage") == "two_stage":
        raise ModelSpecError(f"{who}: the higher-order construct(s) {', '.join(model.higher_order)} are estimated in "
                             "two stages, and their indicators are first-stage scores of both groups pooled: a group's "
                             "own weights of the dimensions never enter the test, and the dimensions are not tested. "
                             "Fit with hoc='repeated_indicators', where every composite, the dimensions included, is "
                             "measured by the answers and tested.")
    first, second, labels, notes = _split(data, group, levels, who)
    rows_used = np.flatnonzero(first | second)
    pooled = fit_pls(syntax, data.iloc[rows_used].reset_index(drop=True), **settings)
    notes += list(pooled.warnings)
    kept = pooled.construct_scores.index.to_numpy()  # positions in the pooled frame (listwise may drop rows)
    g1 = first[rows_used][kept]
    z = pooled.data.to_numpy()
    n, p = z.shape
    sizes = (int(g1.sum()), int((~g1).sum()))
    for label, size in zip(labels, sizes, strict=True):
        if size <= p:
            raise ResponseDataError(f"{who}: group {label!r} has {size} usable rows for {p} indicators; MICOM "
                                    "estimates the model in each group and needs more respondents.")
    for label, rows_g in zip(labels, (g1, ~g1), strict=True):
        sd = z[rows_g].std(axis=0, ddof=1)
        if np.any(sd < 1e-12):
            item = pooled.model.items[int(np.argmin(sd))]
            raise ResponseDataError(f"{who}: indicator {item!r} has no variance in group {label!r}; the group's "
                                    "weights cannot be estimated. Drop the indicator or merge groups.")
    if permutations is None:
        labels_perm = np.random.default_rng(seed).permuted(np.tile(g1, (n_permutations, 1)), axis=1)
    else:
        check(permutations, "permutations", who, Satisfies(
            lambda v: np.ndim(v) == 2 and np.shape(v)[1] == n and np.isin(np.asarray(v), (0, 1)).all()
            and (np.asarray(v).sum(axis=1) == sizes[0]).all(),
            f"an (n_permutations, {n}) array of booleans with {sizes[0]} True (group 1) per row"),
            shown=f"shape {np.shape(permutations)}")
        labels_perm = np.asarray(permutations, dtype=bool)
        n_permutations = len(labels_perm)
    members = np.vstack([g1[None, :], labels_perm])  # row 0: the observed groups
    s_pooled = z.T @ z / (n - 1)
    tri_r, tri_c = np.tril_indices(p)
    cross = z[:, tri_r] * z[:, tri_c]
    totals = (z.sum(axis=0), cross.sum(axis=0))
    st = pooled.settings
    est = dict(scheme=st["scheme"], consistent=st["consistent"], max_iter=st["max_iter"],
               stop_criterion=st["stop_criterion"])

    def run(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s1, s2, fine = _group_cor(chunk.astype(float), z, cross, tri_r, tri_c, totals)
        f1, f2 = estimate_batch(s1, pooled.model, **est), estimate_batch(s2, pooled.model, **est)
        w1, w2 = f1["weights"], f2["weights"]
        sw2 = s_pooled @ w2
        num = np.einsum("bij,bij->bj", w1, sw2)
        den = np.sqrt(np.einsum("bij,bij->bj", w1, s_pooled @ w1) * np.einsum("bij,bij->bj", w2, sw2))
        with np.errstate(all="ignore"):
            c = num / den
        ok = fine & f1["ok"] & f2["ok"] & np.isfinite(c).all(axis=1)
        return c, ok

    chunks = [members[i:i + CHUNK] for i in range(0, len(members), CHUNK)]
    outputs = map_chunks(run, chunks, n_jobs=n_jobs, description="MICOM permutations")  # permutations drawn above
    c_all = np.concatenate([o[0] for o in outputs])
    ok_all = np.concatenate([o[1] for o in outputs])
    if not ok_all[0]:
        raise EstimationError(f"{who}: the weights of a group could not be estimated (a singular block of "
                              "formative indicators or no convergence within a group).")
    c_obs, c_perm = c_all[0], c_all[1:][ok_all[1:]]
    n_failed = int((~ok_all[1:]).sum())
    if not len(c_perm):
        raise EstimationError(f"{who}: no permutation's group weights could be estimated.")
    if n_failed:
        notes.append(f"{n_failed} permutation(s) could not be estimated in a group and are left out of step 2.")
    names = list(pooled.model.constructs)
    p2 = (c_perm <= c_obs + TIE).mean(axis=0)
    comp = pd.DataFrame({"construct": names, "c": c_obs, "perm_mean": c_perm.mean(axis=0),
                         "perm_quantile": np.quantile(c_perm, alpha, axis=0), "pvalue": p2,
                         "invariant": p2 > alpha}, columns=COMPOSITIONAL_COLUMNS)
    # step 3: the pooled model's unit-variance scores, split by the observed and the permuted labels
    y = z @ pooled.solution.weights
    y2 = y**2
    n1 = sizes[0]
    sums = [ch.astype(float) @ np.hstack([y, y2]) for ch in np.array_split(members, -(-len(members) // CHUNK))]
    sum1, sq1 = np.hsplit(np.concatenate(sums), 2)
    sum2, sq2 = y.sum(axis=0) - sum1, y2.sum(axis=0) - sq1
    mean1, mean2 = sum1 / n1, sum2 / (n - n1)
    var1 = (sq1 - n1 * mean1**2) / (n1 - 1)
    var2 = (sq2 - (n - n1) * mean2**2) / (n - n1 - 1)
    stats = {"mean_diff": mean1 - mean2, "log_var_ratio": np.log(var1) - np.log(var2)}
    tables = {}
    for key, values in stats.items():
        obs, perm = values[0], values[1:]
        pv = (np.abs(perm) > np.abs(obs) + TIE).mean(axis=0)
        lower, upper = np.quantile(perm, [alpha / 2, 1 - alpha / 2], axis=0)
        tables[key] = pd.DataFrame({"construct": names, "diff": obs, "perm_mean": perm.mean(axis=0),
                                    "perm_lower": lower, "perm_upper": upper, "pvalue": pv, "equal": pv > alpha},
                                   columns=EQUALITY_COLUMNS)
    compositional = comp["invariant"].to_numpy()
    equal_means, equal_vars = tables["mean_diff"]["equal"].to_numpy(), tables["log_var_ratio"]["equal"].to_numpy()
    verdict = np.where(~compositional, "none", np.where(equal_means & equal_vars, "full", "partial"))
    invariance = pd.DataFrame({"construct": names, "compositional": compositional, "equal_means": equal_means,
                               "equal_variances": equal_vars, "invariance": verdict}, columns=INVARIANCE_COLUMNS)
    permutations = {"c": pd.DataFrame(c_perm, columns=names),
                    **{k: pd.DataFrame(v[1:], columns=names) for k, v in stats.items()}}
    return MICOMResult(compositional=comp, means=tables["mean_diff"], variances=tables["log_var_ratio"],
                       invariance=invariance, groups=labels, n_obs=sizes, n_permutations=n_permutations,
                       n_failed=n_failed, seed=seed, alpha=alpha, permutations=permutations, notes=tuple(notes))
