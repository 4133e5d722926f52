"""Overall fit (SRMR, d_ULS, d_G) and blindfolding Q^2 of a PLS path model, as cSEM and SmartPLS define them.

Model fit compares the indicators' correlation matrix ``S`` with the one the fitted model implies,
``Sigma``, for the *saturated* model (constructs correlate freely) and the *estimated* model
(construct correlations implied by the paths), the two columns SmartPLS reports. ``Sigma`` is
built as R's cSEM builds it (``fit()``), with PLS constructs read as composites and PLSc's
mode-A constructs as common factors (see :func:`implied_correlation`).

Q^2 is Stone-Geisser's cross-validated redundancy by blindfolding (Chin 1998; Hair et al. 2017,
ch. 6), as SmartPLS 3 reports it (SmartPLS 4 and seminr have no blindfolding).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import scipy.linalg

from .._validation import InstanceOf, Interval, Options, Satisfies, check
from ..errors import EstimationError, ModelSpecError
from .estimate import estimate
from .fit import PLSResult

FIT_MEASURES = ("srmr", "d_uls", "d_g")
STRUCTURES = ("saturated", "estimated")
Q2_COLUMNS = ["construct", "indicators", "sso", "sse", "q2"]
BASELINES = ("sample_mean", "kept_mean")
_RESULT = InstanceOf(PLSResult, "a PLSResult (sr.fit_pls)")


def _composite_constructs(res: PLSResult) -> list[int]:
    """Positions of the constructs read as composites: all under PLS, the mode-B ones under PLSc."""
    model = res.model
    return [j for j, c in enumerate(model.constructs)
            if not res.settings["consistent"] or model.modes[c] == "B"]


def _estimated_construct_cor(res: PLSResult) -> np.ndarray:
    """Construct correlations implied by the paths (cSEM's ``fit(.saturated = FALSE)``, recursive models)."""
    model = res.model
    sol = res.solution
    c = sol.construct_cor
    names = list(model.constructs)
    endo = [names.index(x) for x in model.endogenous]
    exo = [j for j in range(len(names)) if j not in endo]
    beta = sol.paths[np.ix_(endo, endo)].T  # B[row target, column source], as Bollen (1989)
    gamma = sol.paths[np.ix_(exo, endo)].T
    phi = c[np.ix_(exo, exo)]
    psi = np.diag(1.0 - sol.r2[endo])  # structural error variances 1 - R^2
    try:
        inv = np.linalg.inv(np.eye(len(endo)) - beta)
    except np.linalg.LinAlgError as exc:  # a feedback loop whose paths multiply to 1
        raise EstimationError("the structural model's paths imply no construct correlations (I - B is "
                              "singular); the estimated-model fit is undefined for this non-recursive "
                              "model.") from exc
    exo_endo = phi @ gamma.T @ inv.T
    endo_endo = inv @ (gamma @ phi @ gamma.T + psi) @ inv.T
    np.fill_diagonal(endo_endo, 1.0)
    out = np.empty_like(c)
    out[np.ix_(exo, exo)] = phi
    out[np.ix_(exo, endo)] = exo_endo
    out[np.ix_(endo, exo)] = exo_endo.T
    out[np.ix_(endo, endo)] = (endo_endo + endo_endo.T) / 2
    return out


def _implied(res: PLSResult, structure: str) -> np.ndarray:
    sol = res.solution
    lam = sol.loadings  # (p, c), zero outside a block
    phi = sol.construct_cor if structure == "saturated" else _estimated_construct_cor(res)
    sigma = lam @ phi @ lam.T
    sigma[np.diag_indices_from(sigma)] += 1.0 - np.einsum("ij,ij->i", lam, lam)  # Theta: unit diagonal
    s = res._s()
    for j in _composite_constructs(res):  # composites leave their indicators' correlations free
        rows = _block_rows(res, j)
        sigma[np.ix_(rows, rows)] = s[np.ix_(rows, rows)]
    return sigma


def _block_rows(res: PLSResult, j: int) -> np.ndarray:
    at = {v: k for k, v in enumerate(res.model.items)}
    return np.array([at[v] for v in res.model.blocks[res.model.constructs[j]]], dtype=int)


def implied_correlation(res: PLSResult, structure: str = "saturated") -> pd.DataFrame:
    """The indicators' correlation matrix implied by a fitted PLS path model.

    ``Sigma = Lambda Phi Lambda' + Theta`` (p x p, ``res.model.items`` order) with ``Lambda`` the
    loadings (p x c, zero outside a construct's block), ``Theta = diag(1 - sum_j lambda_ij^2)`` (so
    ``diag(Sigma) = 1``) and ``Phi`` the construct correlations; then, for every construct read as
    a *composite*, the correlations among its own indicators are replaced by the observed ones,
    ``Sigma[b, b] = S[b, b]``: a composite model leaves them unrestricted. This is R cSEM's
    ``fit()`` (``cSEMResults_default``; composite model: Henseler et al. 2014, Schuberth, Henseler
    & Dijkstra 2018; common factors: Dijkstra & Henseler 2015). Which constructs are composites:

    - **PLS** (``consistent=False``): every construct, mode A or B. ``Lambda`` holds the composite
      loadings (indicator-score correlations) and ``Phi = W'SW`` the score correlations, so between
      two blocks ``Sigma[b1, b2] = S_11 w_1 phi_12 w_2' S_22``. (cSEM treats ``=~`` constructs as
      common factors even without disattenuation, restricting their blocks to ``lambda lambda'``;
      a PLS composite carries no such restriction, so it is not imposed.)
    - **PLSc** (``consistent=True``): mode-A constructs are common factors, ``Lambda`` their PLSc
      loadings ``w sqrt(rho_A) / (w'w)``, ``Phi`` the disattenuated correlations (unit diagonal),
      and ``Theta`` the unique variances: ``Sigma = Lambda Phi Lambda' + Theta`` with no
      replacement, the factor model CB-SEM fits. Mode-B constructs stay composites.

    ``Phi`` is, for the ``"saturated"`` structure, the (PLSc: disattenuated) construct correlations
    themselves; for ``"estimated"`` the ones the paths imply (cSEM's ``.saturated = FALSE``): with
    ``B`` (endogenous on endogenous) and ``Gamma`` (endogenous on exogenous) the path coefficients,
    ``Phi_xx`` the exogenous constructs' correlations and ``Psi = diag(1 - R^2)``,
    ``Phi_xy = Phi_xx Gamma' (I - B)^-T``, ``Phi_yy = (I - B)^-1 (Gamma Phi_xx Gamma' + Psi)
    (I - B)^-T`` with its diagonal set to 1 (as cSEM: with endogenous predecessors the implied
    variances can differ slightly from 1). Meant for recursive models, as cSEM's.

    Parameters
    ----------
    res : PLSResult
        A model fitted by :func:`stickiness_research.fit_pls`.
    structure : {"saturated", "estimated"}
        Constructs correlating freely, or as the structural model implies.

    Returns
    -------
    DataFrame
        (p, p), indexed and labelled by indicator.

    Raises
    ------
    ParameterError
        ``res`` is not a PLSResult, or ``structure`` is neither ``"saturated"`` nor ``"estimated"``.
    EstimationError
        ``"estimated"`` for a non-recursive model whose ``I - B`` is singular.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.quality import implied_correlation
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Loyalty ~ Image''', sr.datasets.mobi())
    >>> sigma = implied_correlation(res)
    >>> float(round(sigma.loc["IMAG1", "CUSL1"], 6))  # l_IMAG1 * r(Image, Loyalty) * l_CUSL1
    0.300889
    >>> bool(sigma.loc["IMAG1", "IMAG2"] == res._s()[0, 1])  # a composite's block: observed
    True
    """
    check(res, "res", "implied_correlation", _RESULT)
    check(structure, "structure", "implied_correlation", Options(STRUCTURES))
    items = res.model.items
    return pd.DataFrame(_implied(res, structure), index=items, columns=items)


def _srmr(s: np.ndarray, sigma: np.ndarray) -> float:
    d = np.sqrt(np.diag(sigma))
    resid = s - sigma / np.outer(d, d)  # cSEM: cov2cor(S) - cov2cor(Sigma)
    low = np.tril_indices_from(resid)  # lower triangle with the diagonal: p(p + 1) / 2 elements
    return float(np.sqrt(np.mean(resid[low] ** 2)))


def _d_g(s: np.ndarray, sigma: np.ndarray) -> float:
    try:
        eig = scipy.linalg.eigh(sigma, s, eigvals_only=True)  # eigenvalues of S^-1 Sigma
    except np.linalg.LinAlgError:  # S not positive definite
        return math.nan
    if np.any(eig <= 0):  # Sigma not positive definite (a Heywood case under PLSc)
        return math.nan
    return float(0.5 * np.sum(np.log(eig) ** 2))


def model_fit(res: PLSResult) -> pd.DataFrame:
    """SRMR, d_ULS and d_G of the saturated and the estimated model (SmartPLS's "Fit Summary").

    With ``S`` the indicators' correlation matrix and ``Sigma`` the one the model implies
    (:func:`implied_correlation`: composites under PLS, common factors for PLSc's mode-A
    constructs), p indicators:

    - ``srmr = sqrt( sum_{i >= j} (s_ij - sigma_ij)^2 / (p (p + 1) / 2) )``, the lower triangle
      *with* the diagonal (whose residuals are 0) of the correlation residuals, as cSEM's
      ``calculateSRMR`` and Hu & Bentler (1999);
    - ``d_uls = 0.5 * sum_{i, j} (s_ij - sigma_ij)^2`` over the whole matrix, i.e. the sum over
      the lower triangle without the diagonal (Dijkstra & Henseler 2015; cSEM's ``calculateDL``);
    - ``d_g = 0.5 * sum_k (ln phi_k)^2`` with ``phi_k`` the eigenvalues of ``S^-1 Sigma``, the
      geodesic distance of Dijkstra & Henseler (2015), natural logarithm. (cSEM's ``calculateDG``
      takes base-10 logarithms, so its d_G is this one divided by ``(ln 10)^2 = 5.3019``.)
      NaN when ``S`` or ``Sigma`` is not positive definite.

    The *saturated* model lets the constructs correlate freely; the *estimated* model restricts
    their correlations to those the paths imply, so its distances are normally larger, and equal
    when every pair of constructs is joined by a path. SmartPLS's documentation cites SRMR < 0.10,
    or < 0.08 (Hu & Bentler 1999), as good fit; d_ULS and d_G have no thresholds and are tested by
    a Bollen-Stine bootstrap (Dijkstra & Henseler 2015), not computed here.

    Sources: Dijkstra, T. K. & Henseler, J. (2015). Consistent and asymptotically normal PLS
    estimators for linear structural equations. *Computational Statistics & Data Analysis*, 81,
    10-23. Henseler, J., Dijkstra, T. K., Sarstedt, M., Ringle, C. M., Diamantopoulos, A., Straub,
    D. W., Ketchen, D. J., Hair, J. F., Hult, G. T. M. & Calantone, R. J. (2014). Common beliefs and
    reality about PLS. *Organizational Research Methods*, 17(2), 182-209. Schuberth, F., Henseler, J.
    & Dijkstra, T. K. (2018). Confirmatory composite analysis. *Frontiers in Psychology*, 9, 2541.
    Implementation: cSEM (Rademaker & Schuberth), ``R/csem_fit.R`` and ``R/helper_assess.R``.

    Parameters
    ----------
    res : PLSResult
        A model fitted by :func:`stickiness_research.fit_pls` (PLS or PLSc).

    Returns
    -------
    DataFrame
        Index ``srmr``, ``d_uls``, ``d_g``; columns ``saturated``, ``estimated``.

    Raises
    ------
    ParameterError
        ``res`` is not a PLSResult.
    EstimationError
        A non-recursive model whose ``I - B`` is singular.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.quality import model_fit
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Expectation ~ Image
    ... Value ~ Expectation
    ... Satisfaction ~ Image + Expectation + Value
    ... Loyalty ~ Satisfaction + Image''', sr.datasets.mobi())
    >>> model_fit(res).round(4)  # cSEM's fit() + calculateSRMR/DL/DG x (ln 10)^2 on these estimates agree
           saturated  estimated
    srmr      0.0495     0.0881
    d_uls     0.3336     1.0557
    d_g       0.6878     0.9971
    """
    check(res, "res", "model_fit", _RESULT)
    s = res._s()
    table = {}
    for structure in STRUCTURES:
        sigma = _implied(res, structure)
        table[structure] = [_srmr(s, sigma), float(0.5 * np.sum((s - sigma) ** 2)), _d_g(s, sigma)]
    return pd.DataFrame(table, index=list(FIT_MEASURES))


def blindfolding_pattern(n: int, k: int, omission_distance: int) -> np.ndarray:
    """The blindfolding round (0 .. D - 1) in which each cell of an n x k block is omitted.

    The block's cells are counted down the first indicator's column (cases 1..n), then down the
    second, and so on (column by column, as semPLS's ``qSquared(dlines = FALSE)`` and matrixpls's
    ``matrixpls.crossvalidate(blindfold = TRUE)``), and cell number ``t = 0, 1, ...`` is omitted in
    round ``t mod D``: round 0 omits cells 1, D + 1, 2D + 1, ... (counting from 1). When n is not
    a multiple of D (Hair et al. 2017's rule), no round omits all of a case's indicators.

    Parameters
    ----------
    n, k : int
        Cases and indicators.
    omission_distance : int
        D.

    Returns
    -------
    ndarray of int
        (n, k).

    Examples
    --------
    >>> blindfolding_pattern(5, 2, 3)
    array([[0, 2],
           [1, 0],
           [2, 1],
           [0, 2],
           [1, 0]])
    """
    check(n, "n", "blindfolding_pattern", Interval(int, 1, None))
    check(k, "k", "blindfolding_pattern", Interval(int, 1, None))
    check(omission_distance, "omission_distance", "blindfolding_pattern", Interval(int, 2, None))
    return (np.arange(n * k).reshape(k, n).T % omission_distance).astype(int)


def q2_blindfolding(res: PLSResult, omission_distance: int = 7, *,
                    baseline: str = "sample_mean") -> pd.DataFrame:
    """Stone-Geisser's Q^2 (construct cross-validated redundancy) by blindfolding, per endogenous construct.

    For every endogenous construct with a reflective (``=~``) or single-indicator block (Hair et
    al. 2017: blindfolding does not apply to formative endogenous constructs), and rounds
    ``d = 0 .. D - 1`` (``D`` the omission distance):

    1. omit the block's cells of round ``d`` (:func:`blindfolding_pattern`: counted column by
       column, every D-th cell) from the standardized data ``res.data`` and replace each by the
       mean of its indicator's remaining values (mean replacement);
    2. standardize the completed data again and re-estimate the model with ``res``'s settings
       (scheme, PLSc, stop rule): weights ``W_d``, loadings ``L_d``, paths ``B_d``;
    3. predict the omitted cells by the redundancy approach: the predecessors' scores
       ``Y_d = X_d W_d``, the construct ``eta^ = Y_d[:, preds] B_d[preds, j]``, the indicator
       ``x^_i = l_ij eta^``, returned to the data's scale with the completed data's mean and SD
       (under PLSc with the consistent paths and loadings, as ``pls_predict``).

    With ``x`` the standardized observations (SD with n denominator, as SmartPLS: every indicator
    then has ``sum x^2 = n``), summed over all rounds and the block's indicators,
    ``SSE = sum (x - x^)^2``, ``SSO`` the squared error of the trivial prediction by a mean, and
    ``Q^2 = 1 - SSE / SSO``. ``baseline`` says which mean: ``"sample_mean"`` the full sample's, so
    ``SSO = sum x^2 = n k`` (SmartPLS's construct cross-validated redundancy); ``"kept_mean"`` the
    mean of the indicator's cells kept in the round (semPLS's ``qSquared(dlines = FALSE)``, whose
    Q^2 this reproduces). Q^2 > 0 means the model predicts the omitted cells better than the mean
    (predictive relevance; Hair et al. 2019 read values above 0, 0.25 and 0.50 as small, medium
    and large). Blindfolding omits cells, not cases, so Q^2 is in-sample predictive relevance, not
    out-of-sample power; :func:`stickiness_research.pls.predict.pls_predict` (Shmueli et al. 2019)
    measures that, as SmartPLS 4, which dropped blindfolding, advises.

    Sources: Stone, M. (1974). Cross-validatory choice and assessment of statistical predictions.
    *JRSS B*, 36(2), 111-147. Geisser, S. (1974). A predictive approach to the random effect model.
    *Biometrika*, 61(1), 101-107. Chin, W. W. (1998). The partial least squares approach to
    structural equation modeling. In G. A. Marcoulides (Ed.), *Modern methods for business
    research* (pp. 295-336). Hair, J. F., Hult, G. T. M., Ringle, C. M. & Sarstedt, M. (2017). *A
    primer on partial least squares structural equation modeling* (2nd ed.), ch. 6. Hair, J. F.,
    Risher, J. J., Sarstedt, M. & Ringle, C. M. (2019). When to use and how to report the results of
    PLS-SEM. *European Business Review*, 31(1), 2-24. The omission pattern and mean replacement
    are those of semPLS's ``qSquared`` (Monecke & Leisch 2012).

    Parameters
    ----------
    res : PLSResult
        A model fitted by :func:`stickiness_research.fit_pls`.
    omission_distance : int
        D in ``[2, n - 1]``, not a divisor of n: otherwise every round would omit whole cases
        (Hair et al. 2017 recommend 5-12; SmartPLS's default 7).
    baseline : {"sample_mean", "kept_mean"}
        The mean whose squared prediction errors make SSO (see above).

    Returns
    -------
    DataFrame
        One row per endogenous reflective or single-indicator construct: construct, indicators
        (k), sso, sse, q2.

    Raises
    ------
    ParameterError
        ``res`` is not a PLSResult, ``omission_distance`` is not an int in ``[2, n - 1]`` or
        divides n, or ``baseline`` is not one of the two.
    ModelSpecError
        Every endogenous construct is formative (mode B with several indicators).
    EstimationError
        A re-estimation fails (a singular block or collinear predictors).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.pls.quality import q2_blindfolding
    >>> res = sr.fit_pls('''
    ... Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
    ... Expectation =~ CUEX1 + CUEX2 + CUEX3
    ... Value =~ PERV1 + PERV2
    ... Satisfaction =~ CUSA1 + CUSA2 + CUSA3
    ... Loyalty =~ CUSL1 + CUSL2 + CUSL3
    ... Expectation ~ Image
    ... Value ~ Expectation
    ... Satisfaction ~ Image + Expectation + Value
    ... Loyalty ~ Satisfaction + Image''', sr.datasets.mobi())
    >>> q2_blindfolding(res).round(3)  # D = 7; as sr.fit_pls refitted to the blinded raw data predicts
          construct  indicators    sso      sse     q2
    0   Expectation           3  750.0  667.434  0.110
    1         Value           2  500.0  450.418  0.099
    2  Satisfaction           3  750.0  469.355  0.374
    3       Loyalty           3  750.0  595.662  0.206
    >>> q2_blindfolding(res, baseline="kept_mean").q2.round(6).tolist()  # semPLS: qSquared(d = 7, dlines = F)
    [0.115765, 0.104031, 0.383789, 0.214198]
    """
    check(res, "res", "q2_blindfolding", _RESULT)
    n = res.n_obs
    check(omission_distance, "omission_distance", "q2_blindfolding",
          Satisfies(lambda d: d in Interval(int, 2, n - 1) and n % d != 0,
                    f"an int in the range [2, {n - 1}] that does not divide the {n} cases"))
    check(baseline, "baseline", "q2_blindfolding", Options(BASELINES))
    model = res.model
    targets = [c for c in model.endogenous if model.modes[c] == "A" or len(model.blocks[c]) == 1]
    if not targets:
        raise ModelSpecError("q2_blindfolding: every endogenous construct is formative ('<~'); blindfolding "
                             "predicts reflective or single-indicator blocks only (Hair et al. 2017). Use "
                             "pls_predict for the construct scores' out-of-sample prediction.")
    z = res.data.to_numpy()
    settings = {k: res.settings[k] for k in ("scheme", "consistent", "max_iter", "stop_criterion")}
    at = {c: j for j, c in enumerate(model.constructs)}
    rescale = n / (n - 1)  # res.data has SD 1 with n - 1; SmartPLS's SSO = n per indicator
    rows = []
    for target in targets:
        j = at[target]
        cols = _block_rows(res, j)
        preds = [at[x] for x in model.predecessors(target)]
        pattern = blindfolding_pattern(n, len(cols), omission_distance)
        sse = sso = 0.0
        for d in range(omission_distance):
            omit = pattern == d
            x = z.copy()
            block = x[:, cols]
            kept_mean = np.nanmean(np.where(omit, np.nan, block), axis=0)
            x[:, cols] = np.where(omit, kept_mean, block)
            mean = x.mean(axis=0)
            sd = x.std(axis=0, ddof=1)
            xs = (x - mean) / sd
            sol = estimate(xs.T @ xs / (n - 1), model, **settings)
            eta = (xs @ sol.weights[:, preds]) @ sol.paths[preds, j]
            predicted = np.outer(eta, sol.loadings[cols, j]) * sd[cols] + mean[cols]
            actual = z[:, cols]
            sse += float(np.sum((actual - predicted)[omit] ** 2))
            trivial = 0.0 if baseline == "sample_mean" else kept_mean  # res.data's means are 0
            sso += float(np.sum((actual - trivial)[omit] ** 2))
        rows.append((target, len(cols), sso * rescale, sse * rescale, 1 - sse / sso))
    return pd.DataFrame(rows, columns=Q2_COLUMNS)
