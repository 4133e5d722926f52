"""Measurement quality: reliability of each construct's scale.

Functions take data whose reverse-keyed items are already recoded (:func:`reverse_code`) and a
Questionnaire or lavaan syntax naming which items measure which construct; :func:`ordinal_reliability`
takes a fit with ordered items instead (semTools' categorical omega and alpha).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import special, stats

from .._deprecation import level_from_ci
from .._validation import BOOL, PROBABILITY_OPEN, Options, Satisfies, check
from ..errors import ModelSpecError, ReliabilityWarning, ResponseDataError
from ..questionnaire import Questionnaire
from ..responses.scoring import numeric_answers
from ..sem.result import SEMResult
from ..sem.syntax import parse_syntax

USES = Options(("pairwise", "complete"))
ALPHA_INTERVALS = Options(("feldt",))  # the methods of alpha's confidence interval


def scales_of(q: Questionnaire | str) -> dict[str, list[str]]:
    """Construct -> item ids, from a Questionnaire or the ``=~`` lines of lavaan syntax."""
    if isinstance(q, Questionnaire):
        return {c: [i.id for i in q.items_of(c)] for c in q.construct_ids}
    formulas, _ = parse_syntax(q)
    scales: dict[str, list[str]] = {}
    for f in formulas:
        if f.op == "=~":
            scales.setdefault(f.lhs, []).append(f.rhs)
    if not scales:
        raise ModelSpecError("the syntax has no '=~' line, so it defines no scale.")
    return scales


def cronbach_alpha(items: pd.DataFrame, level: float = 0.95, *, ci: str = "feldt",
                   use: str = "pairwise") -> dict[str, float]:
    """Cronbach's alpha of one scale with Feldt's confidence interval, as ``psych::alpha``.

    Parameters
    ----------
    items : DataFrame
        One column per item, reverse-keyed items recoded; missing answers as NaN.
    level : float
        Confidence level of the interval, in (0, 1) (default 0.95).
    ci : {"feldt"}
        The interval's method: Feldt's F interval (psych's ``alpha.ci``).

        .. deprecated:: 0.1.1
            A number as ``ci`` (the level, before ``level`` existed) still works, with a
            FutureWarning, until 0.2: write ``level=``.
    use : {"pairwise", "complete"}
        Covariances from all available pairs of answers (psych's default, ``use = "pairwise"``)
        or from complete respondents only (``use = "complete.obs"``).

    Returns
    -------
    dict
        alpha, ci_lower, ci_upper, std_alpha, average_r, n_items, n (respondents with at least
        one answer, or complete ones), n_complete, use.

    Raises
    ------
    ParameterError
        ``level`` is not in (0, 1), or ``ci`` or ``use`` is not one of the options.
    ResponseDataError
        Fewer than two items or three respondents, an item without answers, or an answer that is
        not a number.

    Notes
    -----
    With ``C`` the k x k item covariance matrix, ``alpha = k / (k - 1) (1 - tr(C) / sum(C))``;
    ``std_alpha = k rbar / (1 + (k - 1) rbar)`` with ``rbar`` the mean inter-item correlation.
    Feldt's interval: ``1 - (1 - alpha) F_{1 - tail}`` to ``1 - (1 - alpha) F_{tail}``, ``F`` the
    quantiles of F(n - 1, (n - 1)(k - 1)), ``tail = (1 - level) / 2``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16, 297-334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
    alpha. *Applied Psychological Measurement*, 11, 93-103.
    R: ``psych::alpha`` (checked in tests/test_measurement.py and tests/test_reliability_cases.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> a = sr.cronbach_alpha(hs[["x1", "x2", "x3"]])  # In R: psych::alpha(HS[, c("x1","x2","x3")])
    >>> round(a["alpha"], 4), round(a["ci_lower"], 4), round(a["ci_upper"], 4)  # $total$raw_alpha, $feldt
    (0.6261, 0.5465, 0.6938)
    """
    ci, level = level_from_ci(ci, level, "cronbach_alpha", "feldt")
    check(level, "level", "cronbach_alpha", PROBABILITY_OPEN)
    check(ci, "ci", "cronbach_alpha", ALPHA_INTERVALS)
    check(use, "use", "cronbach_alpha", USES)
    frame = numeric_answers(items, list(items.columns), "cronbach_alpha")
    if frame.shape[1] < 2:
        raise ResponseDataError("alpha needs at least two items.")
    empty = [c for c in frame.columns if frame[c].notna().sum() == 0]
    if empty:
        raise ResponseDataError(f"item {empty[0]!r} has no answers; alpha cannot use it. Remove it from the scale "
                                "or check the data import.")
    complete = frame.dropna()
    used = complete if use == "complete" else frame[frame.notna().any(axis=1)]
    n, k = len(used), frame.shape[1]
    if n < 3:
        raise ResponseDataError(f"alpha needs at least three respondents; got {n} ({use}).")
    cov = used.cov().to_numpy()  # pandas: pairwise-complete covariances, as cov(x, use = "pairwise")
    alpha = _alpha(cov)
    sd = np.sqrt(np.diag(cov))
    corr = cov / np.outer(sd, sd)
    mean_r = corr[np.triu_indices(k, 1)].mean()
    tail = (1 - level) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * stats.f.ppf(1 - tail, df1, df2)
    upper = 1 - (1 - alpha) * stats.f.ppf(tail, df1, df2)
    return {"alpha": float(alpha), "ci_lower": float(lower), "ci_upper": float(upper),
            "std_alpha": float(k * mean_r / (1 + (k - 1) * mean_r)), "average_r": float(mean_r),
            "n_items": k, "n": n, "n_complete": len(complete), "use": use}


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    return k / (k - 1) * (1 - np.trace(cov) / cov.sum())


def item_statistics(items: pd.DataFrame, *, use: str = "pairwise") -> pd.DataFrame:
    """Item-rest correlation and alpha if the item is dropped, per item (psych's ``r.drop`` and
    ``alpha.drop``), from the same covariances as :func:`cronbach_alpha`.

    Parameters
    ----------
    items : DataFrame
        One column per item of one scale, reverse-keyed items recoded; missing answers as NaN.
    use : {"pairwise", "complete"}
        Pairwise-complete covariances (default) or complete respondents only.

    Returns
    -------
    DataFrame
        One row per item: item, item_rest_r, alpha_if_deleted (NaN for a two-item scale's items).

    Raises
    ------
    ParameterError
        ``use`` is not one of the options.
    ResponseDataError
        An answer is not a number.

    Notes
    -----
    With ``C`` the item covariance matrix and ``R_i`` the other items:
    ``item_rest_r_i = sum_{j in R_i} C_ij / sqrt(C_ii sum_{j,k in R_i} C_jk)``, and
    ``alpha_if_deleted_i`` is alpha of ``C[R_i, R_i]``.

    References
    ----------
    R: ``psych::alpha(x)$item.stats$r.drop`` and ``$alpha.drop$raw_alpha`` (checked in
    tests/test_measurement.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> sr.item_statistics(hs[["x1", "x2", "x3"]]).round(3).values.tolist()  # In R: psych::alpha(...)$item.stats$r.drop
    [['x1', 0.449, 0.507], ['x2', 0.375, 0.612], ['x3', 0.484, 0.458]]
    """
    check(use, "use", "item_statistics", USES)
    frame = numeric_answers(items, list(items.columns), "item_statistics")
    used = frame.dropna() if use == "complete" else frame
    cov = used.cov().to_numpy()
    out = []
    for i, name in enumerate(frame.columns):
        rest = [j for j in range(len(frame.columns)) if j != i]
        r = cov[i, rest].sum() / np.sqrt(cov[i, i] * cov[np.ix_(rest, rest)].sum())
        drop = _alpha(cov[np.ix_(rest, rest)]) if len(rest) > 1 else np.nan
        out.append({"item": name, "item_rest_r": float(r), "alpha_if_deleted": float(drop)})
    return pd.DataFrame(out)


def _warn_negative_items(construct: str, stats_: pd.DataFrame, reverse: set[str]) -> None:
    """Name every item that works against its scale (negative item-rest correlation)."""
    for r in stats_.itertuples():
        if r.item_rest_r < 0:
            why = ("the questionnaire marks it reverse-keyed: recode it first (sr.reverse_code)" if r.item in reverse
                   else "it is probably reverse-worded and not recoded, or does not measure the construct")
            warnings.warn(f"item {r.item!r} of scale {construct!r} correlates negatively with the rest of the scale "
                          f"(item-rest r = {r.item_rest_r:.3f}; alpha without it {r.alpha_if_deleted:.3f}): {why}.",
                          ReliabilityWarning, stacklevel=3)


def reliability(data: pd.DataFrame, q: Questionnaire | str, level: float = 0.95, *, ci: str = "feldt",
                cfa: bool = True, use: str = "pairwise") -> pd.DataFrame:
    """Reliability of every scale: Cronbach's alpha with its Feldt CI, and omega, CR and AVE from a CFA.

    Parameters
    ----------
    data : DataFrame
        Item answers with reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        Which items form which scale.
    level : float
        Confidence level of alpha's interval, in (0, 1) (default 0.95).
    ci : {"feldt"}
        The method of alpha's interval (see :func:`cronbach_alpha`).

        .. deprecated:: 0.1.1
            A number as ``ci`` (the level, before ``level`` existed) still works, with a
            FutureWarning, until 0.2: write ``level=``.
    use : {"pairwise", "complete"}
        How alpha treats missing answers (psych's default is pairwise); ``n`` and ``n_complete``
        say how many respondents that is.
    cfa : bool
        Also fit the measurement model (constructs correlated, ML, listwise) and add McDonald's
        omega and AVE (``semTools::compRelSEM`` / ``semTools::AVE``) and composite reliability from
        standardized loadings (see :func:`construct_reliability`).

    Returns
    -------
    DataFrame
        Columns: construct, n_items, n, n_complete, use, alpha, ci_lower, ci_upper, std_alpha,
        average_r, and with ``cfa`` omega, cr, ave.

    Raises
    ------
    ParameterError
        ``level`` is not in (0, 1), ``cfa`` is not a bool, or ``ci`` or ``use`` not one of the options.
    ResponseDataError
        An item column of a scale is not in the data, or :func:`cronbach_alpha` refuses a scale.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line (or, with ``cfa``, the model cannot be built).
    EstimationError
        With ``cfa``: the measurement model cannot be estimated.

    Warns
    -----
    ReliabilityWarning
        For an item whose item-rest correlation is negative (naming it, and saying when the
        questionnaire marks it reverse-keyed).

    Notes
    -----
    ``alpha`` as :func:`cronbach_alpha`; ``omega = (sum lambda)^2 psi / sum(S)``, ``ave =
    sum(lambda^2) psi / tr(S)`` (``S`` the items' sample covariances) and ``cr = (sum l)^2 /
    ((sum l)^2 + sum(1 - l^2))`` (``l`` standardized loadings) as :func:`construct_reliability`.

    References
    ----------
    R: ``psych::alpha`` for alpha (tests/test_measurement.py); ``semTools::compRelSEM`` and
    ``semTools::AVE`` for omega and AVE (tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> rel = sr.reliability(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> rel[["construct", "alpha", "omega", "ave"]].round(3).to_string(index=False).splitlines()[1]
    '   visual  0.626  0.612 0.371'

    (In R: ``psych::alpha(HS[, c("x1","x2","x3")])$total$raw_alpha``, ``semTools::compRelSEM(fit)``
    and ``semTools::AVE(fit)``.)
    """
    ci, level = level_from_ci(ci, level, "reliability", "feldt")
    check(level, "level", "reliability", PROBABILITY_OPEN)
    check(ci, "ci", "reliability", ALPHA_INTERVALS)
    check(cfa, "cfa", "reliability", BOOL)
    check(use, "use", "reliability", USES)
    rows = []
    reverse = {i.id for i in q.items if i.reverse} if isinstance(q, Questionnaire) else set()
    for construct, items in scales_of(q).items():
        missing = [i for i in items if i not in data.columns]
        if missing:
            raise ResponseDataError(f"item column {missing[0]!r} of scale {construct!r} is not in the data.")
        rows.append({"construct": construct, **cronbach_alpha(data[items], level, ci=ci, use=use)})
        _warn_negative_items(construct, item_statistics(data[items], use=use), reverse)
    cols = ["construct", "n_items", "n", "n_complete", "use", "alpha", "ci_lower", "ci_upper", "std_alpha",
            "average_r"]
    table = pd.DataFrame(rows)[cols]
    if not cfa:
        return table
    from ..sem.fit import fit_sem
    from .cfa import measurement_syntax
    from .validity import construct_reliability

    composite = construct_reliability(fit_sem(measurement_syntax(q), data))
    return table.merge(composite.drop(columns="n_items"), on="construct", how="left")


# ----- ordered (Likert) items: reliability from a categorical (WLSMV) fit ------------------------
ORDINAL_RELIABILITY_COLUMNS = ["construct", "n_items", "omega", "omega_latent", "alpha", "alpha_latent"]


def _is_categorical_fit(res: object) -> bool:
    from ..sem.categorical import CategoricalProblem

    state = getattr(res, "_state", None)
    return isinstance(res, SEMResult) and isinstance(getattr(state, "problem", None), CategoricalProblem)


def _item_score_covariance(thresholds: list[np.ndarray], corr: np.ndarray) -> float:
    """Sum over item pairs of the covariance of the item scores 0..C-1 implied by latent responses
    with these standardized thresholds and correlations (Green & Yang 2009, eq. 21's sums).

    ``cov(x_j, x_k) = sum_c sum_c' Phi2(t_jc, t_kc'; r_jk) - sum_c Phi(t_jc) sum_c' Phi(t_kc')``;
    semTools' ``omegaCat`` with ``mnormt::pmnorm``. A unit correlation (an item with itself in the
    observed matrix) makes the bivariate CDF ``Phi(min(h, k))``.
    """
    from ..sem.ordinal import _pbinorm

    total = 0.0
    below = [special.ndtr(t).sum() for t in thresholds]
    for j, tj in enumerate(thresholds):
        for k, tk in enumerate(thresholds):
            r = float(corr[j, k])
            h, kk = np.meshgrid(tj, tk, indexing="ij")
            if r == 1.0:
                joint = special.ndtr(np.minimum(h, kk)).sum()
            elif abs(r) < 1.0:
                joint = _pbinorm(h, kk, r).sum()
            else:  # not a correlation (a Heywood case): no probability
                return float("nan")
            total += joint - below[j] * below[k]
    return total


def ordinal_reliability(res: SEMResult, *, obs_var: bool = True) -> pd.DataFrame:
    """Reliability of each factor of a fit with ordered items, as ``semTools::compRelSEM`` (0.5.6).

    For a categorical fit (``sr.fit_sem(syntax, data, ordered=True)``, WLSMV or another estimator of
    the DWLS family), per factor with two or more observed indicators, with ``lambda`` its loadings,
    ``phi`` its model-implied variance (lavaan's ``cov.lv``: for an endogenous factor its total, not
    its residual, variance), ``C = lambda phi lambda'`` the common part and ``T`` the indicators'
    total covariance matrix (see ``obs_var``), all on the parameterization's latent-response scale:

    - ``omega``: ``compRelSEM(fit)`` (``ord.scale = TRUE``): Green & Yang's (2009) categorical
      omega, the reliability of the unit-weighted sum of the observed item scores. Numerator and
      denominator are ``sum_{j,k} cov(x_j, x_k)`` of the item scores ``0..C-1`` implied by the
      standardized thresholds ``s_j tau_j`` and the correlations ``s C s`` (common part) or
      ``cov2cor(T)`` (everything): ``cov(x_j, x_k) = sum_{c,c'} Phi2(t_jc, t_kc'; r_jk) -
      sum_c Phi(t_jc) sum_c' Phi(t_kc')`` (semTools' ``omegaCat``), ``s`` the scale factors.
    - ``omega_latent``: ``compRelSEM(fit, ord.scale = FALSE)``: ``sum(C) / sum(T)``, omega of the
      unit-weighted sum of the latent responses.
    - ``alpha``: ``compRelSEM(fit, tau.eq = TRUE)``: ``k / (k - 1) (1 - tr(T) / sum(T))`` with ``T``
      the covariance (divisor N - 1) of the item codes lavaan uses (``1..K`` per ordered item, the
      answers as given for continuous ones) of the complete respondents: Cronbach's alpha of the
      observed scores. semTools divides it by the scale factors first, which under the theta
      parameterization makes it differ from Cronbach's alpha; this function does the same.
    - ``alpha_latent``: ``compRelSEM(fit, tau.eq = TRUE, ord.scale = FALSE)``: the same formula on
      the polychoric matrix, the "ordinal alpha" of Zumbo, Gadermann & Zeisser (2007).

    Parameters
    ----------
    res : SEMResult
        A fit with ordered items (``sr.fit_sem(..., ordered=True)`` or ``ordered=[names]``).
    obs_var : bool
        semTools' ``obs.var``: ``T`` from the sample statistics (polychoric / polyserial correlations,
        continuous variances; default) or from the model-implied matrix (``obs.var = FALSE``),
        divided by the scale factors. ``alpha`` always uses the item codes.

    Returns
    -------
    DataFrame
        One row per factor (per group and factor, with a leading ``group`` column, for a multi-group
        fit), in the model's order; columns construct, n_items (observed indicators), omega,
        omega_latent, alpha, alpha_latent. NaN where semTools gives NA or leaves the factor out:
        fewer than two observed indicators (a single-indicator or higher-order factor); omega,
        omega_latent and alpha_latent of a factor with both ordered and continuous indicators;
        alpha of a factor with missing answers (a ``missing = "pairwise"`` fit).
        A factor with only continuous indicators gets the continuous ``sum(C) / sum(T)`` in both omegas.

    Raises
    ------
    ParameterError
        ``res`` is not a fit with ordered items (an ML or MLR fit: use
        :func:`~stickiness_research.measurement.validity.construct_reliability`), or ``obs_var`` is
        not a bool.
    ModelSpecError
        The model has no factor (no ``=~`` line).

    Notes
    -----
    As in semTools, each factor uses only its own loadings: an item that also loads on another
    factor is counted in this factor's total but not the other factor's share of it; thresholds
    enter without the latent responses' means (0 in a single-group model).

    References
    ----------
    Green, S. B., & Yang, Y. (2009). Reliability of summed item scores using structural equation modeling:
    An alternative to coefficient alpha. *Psychometrika*, 74(1), 155-167.
    Zumbo, B. D., Gadermann, A. M., & Zeisser, C. (2007). Ordinal versions of coefficients alpha and theta
    for Likert rating scales. *Journal of Modern Applied Statistical Methods*, 6(1), 21-29.
    R: ``semTools::compRelSEM`` (0.5.6) with all eight combinations of ``obs.var``, ``tau.eq`` and
    ``ord.scale``, on nine WLSMV fits (tests/test_ordinal_reliability.py at 1e-6;
    tests/reference/semtools_ordinal_reliability.R).

    Examples
    --------
    Holzinger-Swineford's x1..x6 cut at their quartiles into four ordered categories:

    >>> import numpy as np
    >>> import stickiness_research as sr
    >>> from stickiness_research.measurement.reliability import ordinal_reliability
    >>> hs = sr.datasets.holzinger_swineford()
    >>> items = hs[["x1", "x2", "x3", "x4", "x5", "x6"]].apply(
    ...     lambda x: np.digitize(x, x.quantile([0.25, 0.5, 0.75]), right=True) + 1)
    >>> fit = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6", items, ordered=True,
    ...                  model_type="cfa")
    >>> ordinal_reliability(fit).round(3)  # In R: semTools::compRelSEM(fit[, ord.scale = FALSE, tau.eq = TRUE])
      construct  n_items  omega  omega_latent  alpha  alpha_latent
    0    visual        3  0.543         0.594  0.555         0.603
    1   textual        3  0.859         0.897  0.854         0.894

    (In R the items are ``findInterval(x, quantile(x, c(.25, .5, .75)), left.open = TRUE) + 1`` and
    the fit ``cfa(model, data = items, ordered = TRUE)``; tests/reference/semtools_ordinal_reliability.R.)
    """
    check(res, "res", "ordinal_reliability",
          Satisfies(_is_categorical_fit, "a fit with ordered items (sr.fit_sem(..., ordered=True); for an ML "
                                         "fit use construct_reliability)"),
          shown=(f"a fit by {res.estimator} without ordered items" if isinstance(res, SEMResult)
                 else type(res).__name__))
    check(obs_var, "obs_var", "ordinal_reliability", BOOL)
    problem = res._state.problem
    theta = res._state.solution.theta
    factors = list(dict.fromkeys(r.lhs for r in problem.partable.rows if r.op == "=~"))
    if not factors:
        raise ModelSpecError("the model has no factor ('=~' line), so it has no scale whose reliability "
                             "could be computed.")
    ordered = set(problem.partable.ov_ord)
    frames = dict(res._state.data)
    observed = problem.groups[0].structure.observed
    # lavaan codes an ordered item 1..K over its categories in the data (gaps between codes closed)
    categories = {v: np.unique(np.concatenate([f[v].to_numpy(dtype=float) for f in frames.values()]))
                  for v in observed if v in ordered}
    rows = []
    for g in problem.groups:
        st = g.structure
        mats = st.matrices(problem.local(g, theta))
        c = st.inverse_i_minus_b(mats["beta"])
        cov_lv = c @ mats["psi"] @ c.T
        lam = mats["lambda"]
        # the latent responses' implied covariance; under the delta parameterization an ordered
        # item's residual variance is no parameter but whatever makes its variance 1 / delta^2
        sigma = lam @ cov_lv @ lam.T + mats["theta"]
        if problem.parameterization == "delta":
            delta = g.delta_c + g.delta_k @ theta
            o = np.flatnonzero(g.ordered)
            sigma[o, o] = 1 / delta[o] ** 2
        scales, _ = problem.scales(g, theta, sigma)
        inner = {v: i for i, v in enumerate(st.inner)}
        tau = g.tau_c + g.tau_k @ theta
        thresholds: dict[str, list[float]] = {}
        for r, t in zip(g.tau_rows, tau, strict=True):
            thresholds.setdefault(r.lhs, []).append(float(t))
        unscale = np.outer(1 / scales, 1 / scales)
        # semTools divides every total matrix by the scale factors: the sample one (polychoric), the
        # fitted one (D Sigma D, which becomes Sigma) and the item codes' covariance
        total = g.stats.covariance.to_numpy() * unscale if obs_var else sigma
        codes = frames[g.label].copy()
        for v, cats in categories.items():
            answers = codes[v].to_numpy(dtype=float)  # a missing answer stays missing (not a category above the top)
            codes[v] = np.where(np.isnan(answers), np.nan, np.searchsorted(cats, answers) + 1)
        # with missing answers (missing = "pairwise") the codes' covariance is NA, and so is alpha, as semTools'
        # cov() of the data gives it; the coefficients of the model (omega, alpha_latent) stand
        raw = np.cov(codes[observed].to_numpy(dtype=float), rowvar=False) * unscale
        for f in factors:
            col = lam[:, inner[f]]
            idx = np.flatnonzero(col != 0)
            row = {"group": g.label, "construct": f, "n_items": len(idx), "omega": np.nan, "omega_latent": np.nan,
                   "alpha": np.nan, "alpha_latent": np.nan}
            rows.append(row)
            if len(idx) < 2:
                continue
            kinds = {observed[j] in ordered for j in idx}
            mixed = len(kinds) == 2
            block = np.ix_(idx, idx)
            row["alpha"] = _alpha(raw[block])
            if mixed:
                continue
            row["alpha_latent"] = _alpha(total[block])
            common = np.outer(col[idx], col[idx]) * cov_lv[inner[f], inner[f]]
            row["omega_latent"] = common.sum() / total[block].sum()
            if kinds == {True}:
                s = scales[idx]
                t = total[block]
                sd = np.sqrt(np.diag(t))
                corr = t / np.outer(sd, sd)
                np.fill_diagonal(corr, 1.0)  # exactly, as R's cov2cor
                std_thresholds = [np.asarray(thresholds[observed[j]]) * scales[j] for j in idx]
                row["omega"] = (_item_score_covariance(std_thresholds, np.outer(s, s) * common)
                                / _item_score_covariance(std_thresholds, corr))
            else:
                row["omega"] = row["omega_latent"]
    table = pd.DataFrame(rows, columns=["group", *ORDINAL_RELIABILITY_COLUMNS])
    return table if res.groups else table.drop(columns="group")
