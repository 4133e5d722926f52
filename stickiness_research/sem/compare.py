"""Comparing models and groups: nested chi-square differences, information criteria, and tests of
whether each structural path is equal across groups."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._deprecation import renamed_arguments
from .._summary import Reportable
from ..errors import ModelSpecError
from .categorical import ESTIMATORS as CATEGORICAL
from .categorical import scaled_difference
from .fit import fit_sem
from .result import SEMResult


def compare_models(models: dict[str, SEMResult]) -> pd.DataFrame:
    """Fit table of alternative models, with chi-square difference tests between neighbours.

    Models are sorted by df (the least constrained first); each is tested against the previous one
    with the likelihood-ratio (chi-square difference) test, which is valid when the models are
    nested and fitted to the same data. AIC and BIC compare any models fitted to the same data
    (smaller is better).

    Parameters
    ----------
    models : dict
        Name -> fitted SEMResult (same observed variables and rows).

    Returns
    -------
    DataFrame
        model npar chisq df pvalue cfi tli rmsea srmr aic bic delta_chisq delta_df delta_pvalue
        delta_aic delta_bic (deltas against the best AIC/BIC model). chisq, pvalue, cfi, tli and rmsea
        are those of each fit's fit line: for MLR the Yuan-Bentler scaled chi-square, for WLSMV the
        scaled-shifted one, with the robust CFI/TLI/RMSEA (the scaled ones for every model when one
        has no robust ones). delta_chisq is the difference of the unscaled statistics; for MLR fits
        also delta_chisq_scaled (Satorra-Bentler 2001), on which delta_pvalue is then based; for
        WLSMV fits of ordered items the scaled-shifted difference (Satorra 2000, lavaan's
        ``lavTestLRT`` default there) and no AIC/BIC.

    Raises
    ------
    ModelSpecError
        Fewer than two models, models fitted to different numbers of rows, or a mix of
        ordered-item (WLSMV) and ML fits.

    Notes
    -----
    For neighbours ``A`` (fewer df) and ``B``: ``delta_chisq = chisq_B - chisq_A`` on
    ``delta_df = df_B - df_A``; for MLR the Satorra-Bentler scaled difference
    ``T_d = (T_B - T_A) / c_d`` with ``c_d = (df_B c_B - df_A c_A) / (df_B - df_A)``
    and ``T``, ``c`` the unscaled statistics and scaling factors.

    References
    ----------
    Satorra, A., & Bentler, P. M. (2001). A scaled difference chi-square test statistic for moment
    structure analysis. *Psychometrika*, 66, 507-514.
    R: ``lavaan::lavTestLRT(fit_a, fit_b)`` (the MLR scaled difference checked in tests/test_compare.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> three = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> one = sr.fit_sem("g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9", hs)
    >>> table = sr.compare_models({"one factor": one, "three factors": three})
    >>> table[["model", "chisq", "df", "delta_chisq", "delta_df"]].round(3).values.tolist()
    [['three factors', 85.306, 24, nan, nan], ['one factor', 312.264, 27, 226.959, 3.0]]
    """
    if len(models) < 2:
        raise ModelSpecError("compare_models needs at least two fitted models.")
    ns = {name: res.n_obs for name, res in models.items()}
    if len(set(ns.values())) > 1:
        raise ModelSpecError(f"the models were fitted to different numbers of rows ({ns}); compare models fitted "
                             "to the same data.")
    categorical = [r.estimator in CATEGORICAL for r in models.values()]
    if any(categorical) and not all(categorical):
        raise ModelSpecError("compare_models: the models mix ordered-item (WLSMV) and ML fits; compare fits of one "
                             "estimator.")
    shown = fit_columns(models)
    ranked = sorted(models.items(), key=lambda kv: kv[1].fit_measures["df"])
    rows = []
    for name, res in ranked:
        fm = res.fit_measures
        rows.append({"model": name, "npar": int(fm["npar"]), "chisq": shown[name]["chisq"], "df": int(fm["df"]),
                     **{k: shown[name][k] for k in ("pvalue", "cfi", "tli", "rmsea")},
                     # least-squares fits (WLSMV) have no likelihood, so no AIC/BIC (lavaan: NA)
                     "srmr": fm["srmr"], "aic": fm.get("aic", np.nan), "bic": fm.get("bic", np.nan)})
    table = pd.DataFrame(rows)
    # of the unscaled statistics; robust fits are tested on the scaled difference below
    d_chisq = pd.Series([res.fit_measures["chisq"] for _, res in ranked]).diff()
    d_df = table["df"].diff()
    table["delta_chisq"] = d_chisq
    table["delta_df"] = d_df
    ordered = [res for _, res in ranked]
    robust = all("chisq.scaling.factor" in r.fit_measures for r in ordered)
    if all(categorical) and robust:
        # lavaan's lavTestLRT for WLSMV: the scaled-shifted difference of Satorra (2000)
        table["delta_chisq_scaled"] = [np.nan] + [scaled_difference(m1, m0)[0]
                                                  for m1, m0 in zip(ordered, ordered[1:], strict=False)]
    elif robust:
        # Satorra-Bentler (2001) scaled difference, lavaan's lavTestLRT default for MLR:
        # T_d = (T0 - T1) / c_d,  c_d = (df0 c0 - df1 c1) / (df0 - df1), with unscaled ML statistics T
        scaled = [np.nan]
        for m1, m0 in zip(ordered, ordered[1:], strict=False):
            f1, f0 = m1.fit_measures, m0.fit_measures
            c_d = (f0["df"] * f0["chisq.scaling.factor"] - f1["df"] * f1["chisq.scaling.factor"]) / (f0["df"] - f1["df"])
            scaled.append((f0["chisq"] - f1["chisq"]) / c_d if f0["df"] > f1["df"] else np.nan)
        table["delta_chisq_scaled"] = scaled
    test_stat = table["delta_chisq_scaled"] if robust else d_chisq
    table["delta_pvalue"] = [float(stats.chi2.sf(c, d)) if d and d > 0 else np.nan for c, d in zip(test_stat, d_df,
                                                                                                   strict=True)]
    table["delta_aic"] = table["aic"] - table["aic"].min()
    table["delta_bic"] = table["bic"] - table["bic"].min()
    return table


def fit_columns(models: dict[str, SEMResult]) -> dict[str, dict[str, float]]:
    """Per model, the chisq, pvalue, cfi, tli and rmsea its fit line gives, of one kind for all of them: for fits
    with a scaled test (MLR, WLSMV) the scaled(-shifted) chi-square with the robust CFI/TLI/RMSEA, or the scaled
    ones for every model when one has no robust ones; the standard ones when a fit has no scaled test (ML, DWLS).

    Parameters
    ----------
    models : dict
        Name -> fitted SEMResult.

    Returns
    -------
    dict
        Name -> {"chisq", "pvalue", "cfi", "tli", "rmsea"}.
    """
    scaled = all("chisq.scaled" in r.fit_measures for r in models.values())
    robust = scaled and all(np.isfinite(r.fit_measures.get("cfi.robust", np.nan)) for r in models.values())
    test, family = (".scaled", ".robust" if robust else ".scaled") if scaled else ("", "")
    return {name: {"chisq": float(r.fit_measures["chisq" + test]), "pvalue": float(r.fit_measures["pvalue" + test]),
                   **{k: float(r.fit_measures[k + family]) for k in ("cfi", "tli", "rmsea")}}
            for name, r in models.items()}


def _unlabel_regressions(syntax: str) -> str:
    """Drop labels from regression terms (and the defined parameters that use them).

    In a multi-group model a label names one parameter shared by all groups (lavaan), which would
    force every labelled path to be equal across groups, the very thing being tested.
    """
    lines = []
    for line in syntax.splitlines():
        code = line.split("#", 1)[0]
        if ":=" in code:
            continue
        if "~" in code and "=~" not in code and "~~" not in code:
            lhs, rhs = code.split("~", 1)
            terms = [re.sub(r"^\s*[A-Za-z_.][A-Za-z0-9_.]*\s*\*\s*", "", t) for t in rhs.split("+")]
            line = f"{lhs.strip()} ~ " + " + ".join(t.strip() for t in terms)
        lines.append(line)
    return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class GroupPathComparison(Reportable):
    """Structural paths per group and a Wald test of their equality across groups."""

    table: pd.DataFrame
    result: SEMResult

    title = "Structural paths by group (Wald test of equality)"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``paths``: each path per group and the test of its equality across groups."""
        return {"paths": self.table}

    def summary_notes(self) -> list[str]:
        return []


@renamed_arguments(syntax="model")
def compare_group_paths(model, data: pd.DataFrame, group: str, group_equal: tuple[str, ...] | None = None,
                        ordered: bool | list[str] | None = None, missing: str = "listwise") -> GroupPathComparison:
    """Estimate each structural path per group and test whether it is equal across groups.

    Loadings are held equal by default (metric invariance), so that paths are on a common scale;
    test that assumption with :func:`invariance` first. The test of each path is a Wald test of
    H0: b_1 = b_2 = ... = b_G (df = G - 1) using the joint covariance of the estimates. With
    ``ordered`` items (WLSMV) thresholds and loadings are held equal by default (lavaan's
    ``group.equal = c("thresholds", "loadings")``), and the Wald tests use the robust covariance.

    Parameters
    ----------
    model : str or Questionnaire
        lavaan syntax with structural paths, or a questionnaire (its ``model_syntax()``). Path labels
        are removed so each group's paths are free.

        .. deprecated:: 0.1.1
            The keyword ``syntax=`` still works, with a FutureWarning, until 0.2: write ``model=``.
    data : DataFrame
        Item answers and the group column.
    group : str
        Column defining the groups.
    group_equal : tuple of str, optional
        lavaan's ``group.equal`` (default ``("loadings",)``; with ordered items
        ``("thresholds", "loadings")``).
    ordered : True or list of str, optional
        Items to treat as ordered (WLSMV), as in :func:`~stickiness_research.fit_sem`.
    missing : str
        As in :func:`~stickiness_research.fit_sem` (default ``"listwise"``).

    Returns
    -------
    GroupPathComparison
        ``table``: lhs op rhs, then ``est[g]``, ``std_all[g]``, ``pvalue[g]`` per group, wald, df,
        pvalue_equal; ``result``: the multi-group fit.

    Raises
    ------
    ModelSpecError
        Unreadable syntax, a variable or the group column missing from the data.
    EstimationError
        The multi-group model cannot be estimated.

    Notes
    -----
    For a path with estimates ``b`` (one per group) and their covariance ``V``, with ``C`` the
    (G - 1) x G contrast matrix of ``b_g - b_1``: ``wald = (C b)' (C V C')^-1 (C b)``, chi-square
    on G - 1 df.

    References
    ----------
    R: ``lavaan::lavTestWald(fit, "b1 == b2")`` on ``sem(model, group = , group.equal = "loadings")``
    (checked in tests/test_compare.py against tests/reference/lavaan/).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.sem.compare import compare_group_paths
    >>> hs = sr.datasets.holzinger_swineford()
    >>> comp = compare_group_paths("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\ntextual ~ visual",
    ...                            hs, "school")
    >>> comp.table[["est[Pasteur]", "est[Grant-White]", "wald", "pvalue_equal"]].round(3).values.tolist()
    [[0.524, 0.624, 0.359, 0.549]]
    """
    syntax = model if isinstance(model, str) else model.model_syntax()
    if group_equal is None:
        group_equal = ("loadings",) if ordered in (None, False) else ("thresholds", "loadings")
    res = fit_sem(_unlabel_regressions(syntax), data, group=group, group_equal=group_equal, ordered=ordered,
                  missing=missing)
    rows = res._state.rows
    problem = res._state.problem
    theta = res._state.solution.theta
    vcov = res._state.vcov
    est = res.estimates
    labels = [g.label for g in problem.groups]
    out = []
    paths = list(dict.fromkeys((r.lhs, r.rhs) for r in rows if r.op == "~"))
    for lhs, rhs in paths:
        record: dict = {"lhs": lhs, "op": "~", "rhs": rhs}
        idx = []
        for g_no, label in enumerate(labels):
            row = next(r for r in rows if r.group == g_no and r.op == "~" and r.lhs == lhs and r.rhs == rhs)
            line = est[(est["group"] == label) & (est["op"] == "~") & (est["lhs"] == lhs) & (est["rhs"] == rhs)]
            record[f"est[{label}]"] = float(line["est"].iloc[0])
            record[f"std_all[{label}]"] = float(line["std_all"].iloc[0])
            record[f"pvalue[{label}]"] = float(line["pvalue"].iloc[0])
            idx.append(row.free)
        if any(i is None for i in idx) or len(set(idx)) == 1:
            record.update(wald=np.nan, df=0, pvalue_equal=np.nan)  # fixed or constrained equal already
        else:
            r = np.zeros((len(idx) - 1, len(theta)))
            for k in range(1, len(idx)):
                r[k - 1, idx[k]], r[k - 1, idx[0]] = 1.0, -1.0
            diff = r @ theta
            wald = float(diff @ np.linalg.solve(r @ vcov @ r.T, diff))
            record.update(wald=wald, df=len(idx) - 1, pvalue_equal=float(stats.chi2.sf(wald, len(idx) - 1)))
        out.append(record)
    return GroupPathComparison(table=pd.DataFrame(out), result=res)
