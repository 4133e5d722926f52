"""Exploratory factor analysis: sampling adequacy (KMO), Bartlett's test, parallel analysis and an oblique EFA.

The factor extraction and rotation come from statsmodels; the small formulas around it (KMO,
Bartlett, the eigenvalues parallel analysis compares) are written out because they are one line
each and must match psych exactly.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._summary import Reportable
from .._validation import NON_NEGATIVE_INT, POSITIVE_INT, PROBABILITY_OPEN, Interval, Options, check
from ..errors import ResponseDataError
from ..questionnaire import Questionnaire
from .descriptives import _item_columns


def _complete(data: pd.DataFrame, q: Questionnaire | str | None) -> pd.DataFrame:
    items = _item_columns(data, q)
    x = data[items].apply(pd.to_numeric, errors="coerce").dropna()
    if len(x) <= len(items):
        raise ResponseDataError(f"factor analysis needs more complete respondents ({len(x)}) than items "
                                f"({len(items)}).")
    constant = [c for c in items if x[c].nunique() < 2]
    if constant:
        raise ResponseDataError(f"item {constant[0]!r} has a single value in every response; drop it before "
                                "factor analysis.")
    return x


def kmo(data: pd.DataFrame, q: Questionnaire | str | None = None) -> pd.Series:
    """Kaiser-Meyer-Olkin measure of sampling adequacy, overall and per item, as ``psych::KMO``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; rows with a missing or non-numeric answer are dropped (complete cases).
    q : Questionnaire, lavaan syntax or None
        Which items to use (the ``=~`` items of the syntax, or the questionnaire's items); all
        columns when None.

    Returns
    -------
    Series
        Named ``msa``: ``overall`` followed by one MSA per item, in the items' order (length p + 1).

    Raises
    ------
    ResponseDataError
        An item column is not in the data, there are no more complete respondents than items, or
        an item has a single value in every response.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    With ``r_jk`` the item correlations and ``a_jk = -s_jk / sqrt(s_jj s_kk)`` the anti-image
    (partial) correlations from ``S = R^-1``, over the off-diagonal elements

    ``MSA = sum_{j != k} r_jk^2 / (sum_{j != k} r_jk^2 + sum_{j != k} a_jk^2)``,

    and the item's MSA the same sums over its own column. Values above .80 are meritorious,
    below .50 unacceptable (Kaiser, 1974).

    References
    ----------
    Kaiser, H. F. (1974). An index of factorial simplicity. *Psychometrika*, 39, 31-36.
    R: ``psych::KMO`` (checked in tests/test_measurement_validity.py against tests/reference/measurement/).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> x = sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> print(round(sr.kmo(x)["overall"], 4))  # In R: psych::KMO(cor(HS[, c("x1", ..., "x9")]))$MSA
    0.7522
    >>> sr.kmo(x)[["x1", "x7"]].round(4).tolist()  # In R: psych::KMO(...)$MSAi
    [0.805, 0.593]
    """
    x = _complete(data, q)
    r = np.corrcoef(x.to_numpy(dtype=float), rowvar=False)
    inv = np.linalg.inv(r)
    partial = -inv / np.sqrt(np.outer(np.diag(inv), np.diag(inv)))
    off = ~np.eye(len(r), dtype=bool)
    r2 = np.where(off, r ** 2, 0.0)
    a2 = np.where(off, partial ** 2, 0.0)
    overall = r2.sum() / (r2.sum() + a2.sum())
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + a2.sum(axis=0))
    return pd.Series([overall, *per_item], index=["overall", *x.columns], name="msa")


def bartlett_sphericity(data: pd.DataFrame, q: Questionnaire | str | None = None) -> pd.Series:
    """Bartlett's test that the item correlation matrix is an identity, as ``psych::cortest.bartlett``.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; complete cases are used.
    q : Questionnaire, lavaan syntax or None
        Which items to test (all columns when None).

    Returns
    -------
    Series
        ``chisq``, ``df``, ``pvalue``, ``n`` (complete respondents).

    Raises
    ------
    ResponseDataError
        An item column is not in the data, there are no more complete respondents than items, or
        an item is constant.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    With ``R`` the p x p item correlation matrix of ``n`` complete respondents,

    ``chisq = -(n - 1 - (2p + 5) / 6) ln |R|`` on ``df = p (p - 1) / 2`` degrees of freedom.

    A significant test says the items correlate enough to factor.

    References
    ----------
    Bartlett, M. S. (1951). The effect of standardization on a chi square approximation in factor
    analysis. *Biometrika*, 38, 337-344.
    R: ``psych::cortest.bartlett`` (checked in tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> x = sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> b = sr.bartlett_sphericity(x)  # In R: psych::cortest.bartlett(cor(x), n = nrow(x))
    >>> print(round(b["chisq"], 3), int(b["df"]))
    904.097 36
    """
    x = _complete(data, q)
    n, p = x.shape
    _, logdet = np.linalg.slogdet(np.corrcoef(x.to_numpy(dtype=float), rowvar=False))
    chisq = -(n - 1 - (2 * p + 5) / 6) * logdet
    df = p * (p - 1) / 2
    return pd.Series({"chisq": chisq, "df": df, "pvalue": float(stats.chi2.sf(chisq, df)), "n": n})


def _reduced_eigenvalues(r: np.ndarray) -> np.ndarray:
    # Common-factor eigenvalues: squared multiple correlations replace the unit diagonal.
    reduced = r.copy()
    np.fill_diagonal(reduced, 1 - 1 / np.diag(np.linalg.inv(r)))
    return np.linalg.eigvalsh(reduced)[::-1]


@dataclass(frozen=True)
class ParallelAnalysis(Reportable):
    """Observed eigenvalues against those of random normal data of the same size (Horn, 1965).

    Returned by :func:`parallel_analysis`.

    Attributes
    ----------
    table : DataFrame
        One row per eigenvalue (p rows): ``number``, ``eigen_pc`` and ``random_pc`` (components:
        eigenvalues of the correlation matrix, observed and the random data's quantile),
        ``eigen_fa`` and ``random_fa`` (common factors: of the reduced matrix with squared multiple
        correlations on the diagonal).
    n_factors : int
        Leading factor eigenvalues above the random ones: factors to retain.
    n_components : int
        The same count for components.
    n_iter : int
        Random data sets drawn.
    seed : int or None
        Seed they were drawn with.

    Notes
    -----
    ``eigen_pc`` are the eigenvalues of the item correlation matrix ``R``, ``eigen_fa`` those of
    ``R - I + diag(SMC)`` with ``SMC_j = 1 - 1 / (R^-1)_jj``; ``random_pc`` and ``random_fa`` are the
    same eigenvalues' quantile (0.95 by default) over ``n_iter`` independent standard normal data sets
    of the same n and p. ``n_factors`` (``n_components``) counts the leading eigenvalues above the random
    ones, up to the first that is not.

    References
    ----------
    Horn (1965) and Glorfeld (1995): the full entries are under :func:`parallel_analysis`.
    R: the observed eigenvalues are ``eigen(cor(x))`` and ``eigen(R)`` with ``diag(R) <- psych::smc(R)``, the
    matrices of psych's ``fa.parallel`` (tests/test_measurement_validity.py, tests/reference/measurement.R);
    the random ones come from numpy's generator, not R's.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> x = sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> pa = sr.parallel_analysis(x, n_iter=20, seed=1)
    >>> pa.n_factors, pa.n_components
    (3, 3)
    >>> list(pa.tables())
    ['eigenvalues']
    """

    table: pd.DataFrame
    n_factors: int
    n_components: int
    n_iter: int
    seed: int | None

    title = "Parallel analysis"

    def headline(self) -> list[str]:
        return [f"{self.n_iter} random data sets, seed {self.seed}: retain {self.n_factors} factor(s) and "
                f"{self.n_components} component(s)."]

    def tables(self) -> dict[str, pd.DataFrame]:
        """``eigenvalues``: observed against random data's, for factors and components."""
        return {"eigenvalues": self.table}

    def meta(self) -> dict:
        """``n_factors`` and ``n_components`` to retain, ``n_iter`` random data sets, ``seed``."""
        return {"n_factors": self.n_factors, "n_components": self.n_components, "n_iter": self.n_iter,
                "seed": self.seed}

    def summary_notes(self) -> list[str]:
        return []


def parallel_analysis(data: pd.DataFrame, q: Questionnaire | str | None = None, *, n_iter: int = 100,
                      quantile: float = 0.95, seed: int | None = 1) -> ParallelAnalysis:
    """How many factors to retain: keep those whose eigenvalue beats random data's.

    Compares the eigenvalues of the item correlation matrix (components) and of the reduced
    correlation matrix with squared multiple correlations on its diagonal (common factors) with
    the ``quantile`` of the same eigenvalues over ``n_iter`` normal data sets of the same n and p.
    The number retained is the count of leading eigenvalues above the random ones.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; complete cases are used.
    q : Questionnaire, lavaan syntax or None
        Which items to analyse (all columns when None).
    n_iter : int
        Random data sets (default 100).
    quantile : float
        Quantile of the random eigenvalues, in (0, 1): 0.95 (default) is Glorfeld's criterion;
        0.5 approximates Horn's mean.
    seed : int or None
        Seed of ``numpy.random.default_rng`` for the random data sets (same seed, same table).

    Returns
    -------
    ParallelAnalysis
        ``table`` with columns number, eigen_pc, random_pc, eigen_fa, random_fa (p rows);
        ``n_factors``; ``n_components``.

    Raises
    ------
    ParameterError
        ``n_iter`` is not a positive int, ``quantile`` not in (0, 1), or ``seed`` not a
        non-negative int or None.
    ResponseDataError
        An item column is not in the data, there are no more complete respondents than items, or
        an item is constant.

    Notes
    -----
    For each of ``n_iter`` data sets ``Z`` (n x p, independent standard normal) the eigenvalues
    ``lambda_k(cor(Z))`` and ``lambda_k(cor(Z) - I + diag(SMC))`` with
    ``SMC_j = 1 - 1 / (R^-1)_jj`` are computed; the criterion is their ``quantile``. The number
    retained is the first ``k`` whose observed eigenvalue does not exceed the criterion, minus one.
    The observed eigenvalues equal those in psych's ``fa.parallel`` (checked against
    ``eigen(cor(x))`` and ``eigen(R with smc diagonal)`` in tests/test_measurement_validity.py);
    the random ones depend on the generator, so they differ from R's draws.

    References
    ----------
    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika*, 30, 179-185.
    Glorfeld, L. W. (1995). An improvement on Horn's parallel analysis methodology for selecting
    the correct number of factors to retain. *Educational and Psychological Measurement*, 55, 377-393.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> x = sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> pa = sr.parallel_analysis(x, n_iter=20, seed=1)
    >>> pa.n_factors  # the three factors Holzinger and Swineford designed
    3
    >>> pa.table["eigen_pc"].round(3).tolist()[:3]  # In R: eigen(cor(x))$values
    [3.216, 1.639, 1.365]
    """
    check(n_iter, "n_iter", "parallel_analysis", POSITIVE_INT)
    check(quantile, "quantile", "parallel_analysis", PROBABILITY_OPEN)
    check(seed, "seed", "parallel_analysis", NON_NEGATIVE_INT, None)
    x = _complete(data, q).to_numpy(dtype=float)
    n, p = x.shape
    r = np.corrcoef(x, rowvar=False)
    rng = np.random.default_rng(seed)
    random_pc = np.empty((n_iter, p))
    random_fa = np.empty((n_iter, p))
    for i in range(n_iter):
        rr = np.corrcoef(rng.standard_normal((n, p)), rowvar=False)
        random_pc[i] = np.linalg.eigvalsh(rr)[::-1]
        random_fa[i] = _reduced_eigenvalues(rr)
    table = pd.DataFrame({
        "number": np.arange(1, p + 1),
        "eigen_pc": np.linalg.eigvalsh(r)[::-1], "random_pc": np.quantile(random_pc, quantile, axis=0),
        "eigen_fa": _reduced_eigenvalues(r), "random_fa": np.quantile(random_fa, quantile, axis=0),
    })

    def retained(observed: pd.Series, random: pd.Series) -> int:
        above = (observed > random).to_numpy()
        return int(np.argmin(above)) if not above.all() else len(above)

    return ParallelAnalysis(table, retained(table["eigen_fa"], table["random_fa"]),
                            retained(table["eigen_pc"], table["random_pc"]), n_iter, seed)


@dataclass(frozen=True)
class EFAResult(Reportable):
    """Rotated loadings, factor correlations and communalities of an exploratory factor analysis.

    Returned by :func:`efa`.

    Attributes
    ----------
    loadings : DataFrame
        Pattern matrix, items x factors (columns ``factor1`` .. ``factorK``).
    factor_correlations : DataFrame
        K x K factor correlations (identity for an orthogonal rotation).
    communalities : Series
        Per item: the variance the factors explain.
    variance : DataFrame
        Per factor: ``factor``, ``ss_loadings``, ``proportion`` (of the p items' total variance).
    rotation : str
        The rotation applied.
    method : str
        ``"minres"`` or ``"ml"``.
    cor : str
        ``"pearson"`` or ``"polychoric"``.

    Raises
    ------
    ParameterError
        :meth:`pattern` with ``cutoff`` outside [0, 1].

    Notes
    -----
    With ``L`` the p x K pattern matrix and ``Phi`` the factor correlations: communalities are
    ``diag(L Phi L')``, ``ss_loadings`` of factor k is ``(Phi L' L)_kk`` and ``proportion`` is
    ``ss_loadings / p``. Factors are ordered by ``ss_loadings`` and signed so that each column of ``L``
    sums to a positive number, as psych orders and signs them.

    References
    ----------
    Jennrich, R. I. (2002). A simple general method for oblique rotation. *Psychometrika*, 67, 7-19.
    R: ``psych::fa(x, nfactors, rotate = "oblimin", fm = "minres")``: loadings, ``Phi`` and communalities
    (tests/test_measurement_validity.py); on polychoric correlations ``psych::fa(r = lavCor(d, ordered =
    names(d)), ...)`` (tests/test_efa_polychoric.py; tests/reference/psych_fa_polychoric.R).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> res = sr.efa(sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]], 3)
    >>> res.factor_correlations.round(3).values.tolist()[0]  # In R: psych::fa(x, 3)$Phi[1, ]
    [1.0, 0.323, 0.213]
    >>> res.pattern(0.3).loc["x1"].notna().tolist()
    [False, True, False]
    """

    loadings: pd.DataFrame
    factor_correlations: pd.DataFrame
    communalities: pd.Series
    variance: pd.DataFrame
    rotation: str
    method: str
    cor: str = "pearson"

    def pattern(self, cutoff: float = 0.3) -> pd.DataFrame:
        """Loadings with those below ``cutoff`` in absolute value blanked, as papers print them."""
        check(cutoff, "cutoff", "EFAResult.pattern", Interval(float, 0, 1))
        return self.loadings.where(self.loadings.abs() >= cutoff)

    @property
    def title(self) -> str:
        return f"EFA ({self.method}, {self.rotation}, {self.cor} correlations), {self.loadings.shape[1]} factors"

    def tables(self) -> dict[str, pd.DataFrame]:
        """``loadings`` (pattern matrix), ``communalities``, ``variance`` explained and ``factor_correlations``."""
        return {"loadings": self.loadings.rename_axis("item"),
                "communalities": self.communalities.rename("communality").rename_axis("item").to_frame(),
                "variance": self.variance, "factor_correlations": self.factor_correlations.rename_axis("factor")}

    def meta(self) -> dict:
        """``n_factors``, ``rotation``, ``method`` and ``cor`` (the correlations factored)."""
        return {"n_factors": int(self.loadings.shape[1]), "rotation": self.rotation, "method": self.method,
                "cor": self.cor}

    def summary_notes(self) -> list[str]:
        return []


_ROTATIONS = ("oblimin", "promax", "varimax", "quartimax", "none")
_METHODS = {"minres": "pa", "ml": "ml"}


def efa(data: pd.DataFrame, n_factors: int, q: Questionnaire | str | None = None, *, rotation: str = "oblimin",
        method: str = "minres", cor: str = "pearson") -> EFAResult:
    """Exploratory factor analysis with an oblique (oblimin) rotation by default (statsmodels).

    ``minres`` is computed as principal-axis factoring iterated to convergence, which reaches the
    same least-squares (minres/ULS) solution as ``psych::fa(fm = "minres")``. Factors are ordered by
    the variance they explain after rotation and signed so that their loadings sum to a positive
    number, as psych does, so columns line up with psych's.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; complete cases are used.
    n_factors : int
        Factors to extract, 1 to p - 1 (see :func:`parallel_analysis`).
    q : Questionnaire, lavaan syntax or None
        Which items to factor (all columns when None).
    rotation : {"oblimin", "promax", "varimax", "quartimax", "none"}
        ``oblimin`` (default) is direct quartimin (gamma 0), as GPArotation's default.
    method : {"minres", "ml"}
        Least squares (default, psych's ``fm = "minres"``) or maximum likelihood.
    cor : {"pearson", "polychoric"}
        The correlations factored: Pearson's, or for ordered (Likert) items the polychoric ones
        lavaan estimates (two-step ML, ``lavCor(data, ordered = names(data))``; see
        :func:`stickiness_research.sem.ordinal.ordinal_sample_stats`), as ``psych::fa(r = R)``
        on that matrix. ``psych::fa(cor = "poly")`` computes its own polychorics, which add 0.5 to
        empty cells of a table, so its loadings can differ in the third decimal where items have
        unused categories.

    Returns
    -------
    EFAResult
        Loadings (p x n_factors), factor correlations, communalities and variance explained.

    Raises
    ------
    ParameterError
        ``n_factors`` is not an int in [1, p - 1], or ``rotation``, ``method`` or ``cor`` is not
        one of the options.
    ResponseDataError
        An item column is not in the data, there are no more complete respondents than items, or
        an item is constant.

    Notes
    -----
    minres minimizes the sum of squared off-diagonal residuals
    ``sum_{j<k} (r_jk - (L Phi L')_jk)^2``; the oblimin (quartimin) rotation minimizes
    ``sum_{k != l} sum_j lambda_jk^2 lambda_jl^2`` over oblique rotations.

    References
    ----------
    Jennrich, R. I. (2002). A simple general method for oblique rotation. *Psychometrika*, 67, 7-19.
    R: ``psych::fa(x, nfactors, rotate = "oblimin", fm = "minres")`` (checked in
    tests/test_measurement_validity.py, to 5e-5).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()[[f"x{i}" for i in range(1, 10)]]
    >>> res = sr.efa(hs, 3)  # In R: psych::fa(HS[, 7:15], 3, rotate = "oblimin", fm = "minres")
    >>> res.loadings.abs().idxmax(axis=1).tolist()
    ['factor2', 'factor2', 'factor2', 'factor1', 'factor1', 'factor1', 'factor3', 'factor3', 'factor3']
    >>> print(round(res.loadings.loc["x4", "factor1"], 3))
    0.846
    """
    from statsmodels.multivariate.factor import Factor

    check(n_factors, "n_factors", "efa", POSITIVE_INT)
    check(rotation, "rotation", "efa", Options(_ROTATIONS))
    check(method, "method", "efa", Options(tuple(_METHODS)))
    check(cor, "cor", "efa", Options(("pearson", "polychoric")))
    x = _complete(data, q)
    check(n_factors, "n_factors", "efa", Interval(int, 1, x.shape[1] - 1), when=f"for {x.shape[1]} items")
    if cor == "polychoric":
        from ..sem.ordinal import ordinal_sample_stats

        r = ordinal_sample_stats(x, ordered=list(x.columns)).correlation.to_numpy()
        model = Factor(None, n_factors, corr=r, nobs=len(x), method=_METHODS[method], smc=True)
    else:
        model = Factor(x.to_numpy(dtype=float), n_factors, method=_METHODS[method], smc=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(maxiter=5000, tol=1e-12)
        if rotation != "none" and n_factors > 1:
            fitted.rotate(rotation)
    loadings = np.asarray(fitted.loadings)
    oblique = rotation in ("oblimin", "promax") and n_factors > 1
    t = np.asarray(fitted.rotation_matrix) if oblique else None
    phi = t.T @ t if oblique else np.eye(n_factors)
    np.fill_diagonal(phi, 1.0)  # T's columns have unit length: a correlation matrix, its diagonal 1 up to rounding
    # psych's ordering: explained variance (diag of Phi L'L) descending; sign so column sums are positive.
    explained = np.diag(phi @ loadings.T @ loadings)
    order = np.argsort(-explained, kind="stable")
    signs = np.sign(loadings[:, order].sum(axis=0))
    signs[signs == 0] = 1
    loadings = loadings[:, order] * signs
    phi = phi[np.ix_(order, order)] * np.outer(signs, signs)
    names = [f"factor{i + 1}" for i in range(n_factors)]
    ss = np.diag(phi @ loadings.T @ loadings)
    variance = pd.DataFrame({"factor": names, "ss_loadings": ss, "proportion": ss / x.shape[1]})
    communal = pd.Series(np.diag(loadings @ phi @ loadings.T), index=x.columns, name="communality")
    return EFAResult(pd.DataFrame(loadings, index=x.columns, columns=names),
                     pd.DataFrame(phi, index=names, columns=names), communal, variance, rotation, method, cor)
