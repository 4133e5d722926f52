"""Common method bias: Harman's single-factor test, the one-factor CFA, and an unmeasured latent method factor.

All answers in a survey come from the same respondent through the same instrument, so part of
the item covariance may be method, not substance (Podsakoff et al., 2003). These are the three
checks reviewers of survey-based stickiness studies ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._summary import Reportable
from ..errors import EstimationError
from ..questionnaire import Questionnaire
from ..sem.compare import compare_models
from ..sem.fit import fit_sem
from ..sem.result import SEMResult
from .cfa import measurement_syntax
from .efa import _complete
from .reliability import scales_of


def harman_single_factor(data: pd.DataFrame, q: Questionnaire | str) -> pd.Series:
    """Share of the items' total variance taken by the first unrotated principal component.

    A share above 50 % suggests that one general (method) factor dominates. The test is weak —
    a share below 50 % does not rule method bias out — so report it next to :func:`method_bias`.

    Parameters
    ----------
    data : DataFrame
        Item answers, one row per respondent; complete cases are used.
    q : Questionnaire or lavaan syntax
        Which items enter (every item of every construct).

    Returns
    -------
    Series
        first_share (in [0, 1]), n_items, eigenvalue (the first), n_eigen_above_1.

    Raises
    ------
    ResponseDataError
        A listed item is missing from ``data``, the complete rows do not outnumber the items, or an
        item never varies.
    ModelSpecError
        The syntax defines no factor (no ``=~``).

    Notes
    -----
    ``first_share = lambda_1 / p``, the largest eigenvalue of the p x p item correlation matrix
    over its trace p: the share of standardized variance of the first unrotated principal component.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method biases
    in behavioral research. *Journal of Applied Psychology*, 88, 879-903.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> syntax = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> h = sr.harman_single_factor(hs, syntax)  # In R: eigen(cor(x))$values[1] / ncol(x)
    >>> print(round(h["first_share"], 4), int(h["n_eigen_above_1"]))
    0.3574 3
    """
    x = _complete(data, q)
    eig = np.linalg.eigvalsh(np.corrcoef(x.to_numpy(dtype=float), rowvar=False))[::-1]
    return pd.Series({"first_share": eig[0] / len(eig), "n_items": len(eig), "eigenvalue": eig[0],
                      "n_eigen_above_1": int(np.sum(eig > 1))})


def ulmc_syntax(q: Questionnaire | str, method: str = "method") -> str:
    """The measurement model plus a method factor on every item, uncorrelated with the traits."""
    scales = scales_of(q)
    items = [i for s in scales.values() for i in s]
    return (measurement_syntax(q) + f"{method} =~ " + " + ".join(items) + "\n"
            + f"{method} ~~ " + " + ".join(f"0*{c}" for c in scales) + "\n")


@dataclass(frozen=True, eq=False)
class MethodBiasResult(Reportable):
    """Harman's test, the one-factor comparison and the latent method factor, with a plain verdict.

    Returned by :func:`method_bias`.

    Attributes
    ----------
    harman : Series
        :func:`harman_single_factor`'s result.
    comparison : DataFrame
        :func:`~stickiness_research.compare_models` of the ``measurement`` and ``one_factor`` models.
    loadings : DataFrame
        Per item: construct, item, trait_loading (standardized, without the method factor) and,
        when the method model was estimated, trait_loading_with_method, method_loading, change.
    trait_model, one_factor : SEMResult
        The measurement model and the single-factor model.
    method_model : SEMResult or None
        The ULMC model; None when it could not be estimated.
    method_error : str or None
        Why it could not (the :class:`~stickiness_research.EstimationError` message).

    Notes
    -----
    ``harman["first_share"] = lambda_1 / p``, the first eigenvalue of the item correlation matrix over p.
    In ``loadings`` (standardized, std_all) ``change = trait_loading_with_method - trait_loading``, and
    :attr:`method_variance` is the mean of ``method_loading^2``: the share of an item's variance the method
    factor takes. :meth:`verdict` reads them against the 50 % mark for Harman's test, the CFI of the
    one-factor model against the measurement model's, and about 25 % method variance in published
    studies (Williams, Cote & Buckley, 1989).

    References
    ----------
    Podsakoff et al. (2003) and Williams, Cote & Buckley (1989): the full entries are under
    :func:`method_bias`.
    R: the measurement, one-factor and ULMC models as ``lavaan::cfa`` fits (tests/test_measurement_validity.py,
    tests/reference/measurement.R).

    Examples
    --------
    With three items per factor the method factor is not identified, and the result says so:

    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> mb = sr.method_bias(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> mb.comparison[["model", "chisq", "df"]].round(3).values.tolist()
    [['measurement', 85.306, 24], ['one_factor', 312.264, 27]]
    >>> mb.method_model is None, mb.method_error.startswith("the model is not identified")
    (True, True)
    """

    harman: pd.Series
    comparison: pd.DataFrame
    loadings: pd.DataFrame
    trait_model: SEMResult
    one_factor: SEMResult
    method_model: SEMResult | None
    method_error: str | None

    @property
    def method_variance(self) -> float:
        """Mean squared standardized method loading: the share of item variance due to the method factor."""
        if self.method_model is None:
            return float("nan")
        return float((self.loadings["method_loading"] ** 2).mean())

    def verdict(self) -> str:
        parts = []
        share = self.harman["first_share"]
        parts.append(f"The first unrotated component explains {share:.1%} of the variance "
                     f"({'above' if share > 0.5 else 'below'} the 50 % mark).")
        one = self.comparison.set_index("model")
        d_cfi = one.loc["measurement", "cfi"] - one.loc["one_factor", "cfi"]
        parts.append(f"A single factor fits worse than the measurement model (CFI {one.loc['one_factor', 'cfi']:.3f} "
                     f"vs {one.loc['measurement', 'cfi']:.3f}, delta CFI {d_cfi:.3f}).")
        if self.method_model is not None:
            change = self.loadings["change"].abs().max()
            parts.append(f"A latent method factor takes {self.method_variance:.1%} of item variance on average "
                         f"(Williams, Cote and Buckley, 1989, estimated about 25 % in published studies); the "
                         f"largest change in a standardized trait loading is {change:.3f}.")
            if self.method_model.warnings:
                parts.append("The method-factor solution is improper (" + "; ".join(self.method_model.warnings)
                             + "), so read its loadings with caution.")
        else:
            parts.append(f"The latent method factor model could not be estimated: {self.method_error}")
        return " ".join(parts)

    title = "Common method bias"

    def headline(self) -> list[str]:
        return [self.verdict()]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``comparison`` (one-factor against the measurement model) and ``loadings`` (with the method factor)."""
        return {"comparison": self.comparison, "loadings": self.loadings}

    def meta(self) -> dict:
        """``harman`` (first factor's share of the variance, eigenvalue, items, eigenvalues above 1),
        ``method_variance`` (the method factor's share, None when it could not be estimated) and ``verdict``."""
        return {"harman": {str(k): v for k, v in self.harman.items()}, "method_variance": self.method_variance,
                "method_error": self.method_error, "verdict": self.verdict()}

    def summary_notes(self) -> list[str]:
        return []


def method_bias(data: pd.DataFrame, q: Questionnaire | str) -> MethodBiasResult:
    """Check for common method variance three ways.

    1. Harman's single-factor test (:func:`harman_single_factor`).
    2. A one-factor CFA (every item on one factor) against the measurement model, by chi-square
       difference, CFI and AIC: method variance that dominated would make one factor fit nearly as well.
    3. An unmeasured latent method construct (ULMC; Podsakoff et al., 2003): the measurement model
       plus a factor loading on every item, uncorrelated with the traits. The table shows each item's
       standardized trait loading without and with the method factor, the change, and its method loading.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        The measurement model (constructs and their items).

    Returns
    -------
    MethodBiasResult
        Its ``verdict()`` states the three results in one paragraph. An ULMC model that cannot be
        estimated (e.g. under-identified) is reported in ``method_error``, not raised.

    Raises
    ------
    ResponseDataError
        An item column is missing, too few complete respondents, or a constant item.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line, or a model variable is not in the data.
    EstimationError
        The measurement or the one-factor model cannot be estimated.

    Notes
    -----
    The ULMC model is ``trait_k =~ items_k`` for every construct plus ``method =~ all items`` with
    ``method ~~ 0*trait_k``; ``method_variance`` is the mean squared standardized method loading.
    The one-factor model is compared by the chi-square difference (likelihood-ratio) test.

    References
    ----------
    Podsakoff, P. M., MacKenzie, S. B., Lee, J.-Y., & Podsakoff, N. P. (2003). Common method biases
    in behavioral research. *Journal of Applied Psychology*, 88, 879-903.
    Williams, L. J., Cote, J. A., & Buckley, M. R. (1989). Lack of method variance in self-reported
    affect and perceptions at work. *Journal of Applied Psychology*, 74, 462-468.
    R: the one-factor and ULMC models as ``lavaan::cfa`` fits (checked in
    tests/test_measurement_validity.py against tests/reference/measurement/stickiness_demo.json).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> data = sr.reverse_code(sr.simulate_responses(q, n=400, seed=3), q)
    >>> mb = sr.method_bias(data, q)
    >>> bool(mb.harman["first_share"] < 0.5)
    True
    """
    syntax = measurement_syntax(q)
    items = [i for s in scales_of(q).values() for i in s]
    trait = fit_sem(syntax, data)
    one = fit_sem("general =~ " + " + ".join(items) + "\n", data)
    comparison = compare_models({"measurement": trait, "one_factor": one})
    method_model, error = None, None
    try:
        method_model = fit_sem(ulmc_syntax(q), data)
    except EstimationError as exc:
        error = str(exc)
    # Standardized loadings from the estimates' std_all column (the values standardized_solution() gives
    # as std_all): only the point values are shown, so the delta-method SEs' Jacobian is not needed.
    std = trait.estimates
    base = std[std["op"] == "=~"][["lhs", "rhs", "std_all"]].rename(
        columns={"lhs": "construct", "rhs": "item", "std_all": "trait_loading"})
    if method_model is not None:
        with_m = method_model.estimates
        with_m = with_m[with_m["op"] == "=~"]
        traits = with_m[with_m["lhs"] != "method"][["lhs", "rhs", "std_all"]].rename(
            columns={"lhs": "construct", "rhs": "item", "std_all": "trait_loading_with_method"})
        meth = with_m[with_m["lhs"] == "method"][["rhs", "std_all"]].rename(
            columns={"rhs": "item", "std_all": "method_loading"})
        base = base.merge(traits, on=["construct", "item"]).merge(meth, on="item")
        base["change"] = base["trait_loading_with_method"] - base["trait_loading"]
    return MethodBiasResult(harman_single_factor(data, q), comparison, base.reset_index(drop=True), trait, one,
                            method_model, error)
