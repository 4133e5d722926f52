"""Convergent and discriminant validity: composite reliability, AVE, Fornell-Larcker, HTMT, cross-loadings."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from .._validation import BOOL, N_JOBS, NON_NEGATIVE_INT, PROBABILITY_OPEN, Interval, check
from ..errors import ParameterError, ResponseDataError
from ..executor import map_chunks
from ..questionnaire import Questionnaire
from ..sem.result import SEMResult
from .reliability import scales_of

HTMT_CHUNK = 250  # bootstrap resamples per executor task


def _measurement_parts(res: SEMResult) -> tuple[dict[str, list[str]], pd.DataFrame]:
    load = res.estimates[res.estimates["op"] == "=~"]
    scales: dict[str, list[str]] = {}
    for lhs, rhs in zip(load["lhs"], load["rhs"], strict=True):
        scales.setdefault(lhs, []).append(rhs)
    return scales, load


def _fitted(res: Any, function: str) -> SEMResult:
    """The fitted CB-SEM a validity function reads: an SEMResult, or a CFAResult's (its ``sem``)."""
    if isinstance(res, SEMResult):
        return res
    if isinstance(getattr(res, "sem", None), SEMResult):
        return res.sem
    raise ParameterError("res", function, "a fitted model from fit_sem or cfa (SEMResult or CFAResult)",
                         type(res).__name__)


def construct_reliability(res: SEMResult) -> pd.DataFrame:
    """McDonald's omega, composite reliability and AVE of each factor of a fitted CFA.

    - ``omega``: ``(sum lambda)^2 psi / var(sum of the items)``, the items' total variance taken from
      the sample covariance matrix, as ``semTools::compRelSEM(fit)`` (``obs.var = TRUE``, congeneric).
    - ``ave``: ``sum(lambda^2) psi / sum of the items' sample variances``, as ``semTools::AVE(fit)``.
    - ``cr``: Fornell & Larcker's composite reliability from standardized loadings,
      ``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))``, the form most papers print.

    Factors with fewer than two indicators, or with an indicator that loads on another factor, get
    missing values, as in semTools.

    Parameters
    ----------
    res : SEMResult
        A fitted CFA or SEM (continuous items, ML or MLR; for ordered items see
        :func:`~stickiness_research.ordinal_reliability`).

    Returns
    -------
    DataFrame
        One row per factor, in the model's order: construct, n_items, omega, cr, ave.

    Raises
    ------
    ParameterError
        ``res`` is not a fitted model (an SEMResult, or a CFAResult, whose ``sem`` is read).

    Notes
    -----
    With ``lambda`` a factor's unstandardized loadings, ``psi`` its variance, ``S`` its items'
    sample covariance matrix and ``l`` the standardized loadings:

    - ``omega = (sum lambda)^2 psi / sum(S)``
    - ``ave = sum(lambda^2) psi / tr(S)`` (with standardized items: the mean squared standardized loading)
    - ``cr = (sum l)^2 / ((sum l)^2 + sum(1 - l^2))``

    References
    ----------
    McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable
    variables and measurement error. *Journal of Marketing Research*, 18, 39-50.
    R: ``semTools::compRelSEM(fit)`` and ``semTools::AVE(fit)`` (checked in
    tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> fit = sr.fit_sem("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> cr = sr.construct_reliability(fit)
    >>> cr["omega"].round(4).tolist()  # In R: semTools::compRelSEM(fit)
    [0.612, 0.8851, 0.6858]
    >>> cr["ave"].round(4).tolist()  # In R: semTools::AVE(fit)
    [0.3706, 0.721, 0.4245]
    """
    res = _fitted(res, "construct_reliability")
    scales, load = _measurement_parts(res)
    est = res.estimates
    cov = res.sample_cov
    owners: dict[str, int] = {}
    for items in scales.values():
        for item in items:
            owners[item] = owners.get(item, 0) + 1
    rows = []
    for factor, items in scales.items():
        rows_f = load[load["lhs"] == factor]
        lam = rows_f["est"].to_numpy(dtype=float)
        lam_std = rows_f["std_all"].to_numpy(dtype=float)
        psi = est[(est["op"] == "~~") & (est["lhs"] == factor) & (est["rhs"] == factor)]["est"]
        if len(items) < 2 or len(psi) != 1 or any(owners[i] > 1 for i in items):
            rows.append({"construct": factor, "n_items": len(items), "omega": np.nan, "cr": np.nan, "ave": np.nan})
            continue
        psi = float(psi.iloc[0])
        s = cov.loc[items, items].to_numpy()
        common = lam.sum() ** 2 * psi
        rows.append({
            "construct": factor, "n_items": len(items),
            "omega": common / s.sum(),
            "cr": lam_std.sum() ** 2 / (lam_std.sum() ** 2 + np.sum(1 - lam_std ** 2)),
            "ave": float(np.sum(lam ** 2) * psi / np.trace(s)),
        })
    return pd.DataFrame(rows)


def latent_correlations(res: SEMResult) -> pd.DataFrame:
    """Correlations between the factors of a fitted CFA (lavaan's ``lavInspect(fit, "cor.lv")``)."""
    scales, _ = _measurement_parts(res)
    factors = list(scales)
    est = res.estimates
    out = pd.DataFrame(np.eye(len(factors)), index=factors, columns=factors)
    cov = est[(est["op"] == "~~") & est["lhs"].isin(factors) & est["rhs"].isin(factors) & (est["lhs"] != est["rhs"])]
    for lhs, rhs, r in zip(cov["lhs"], cov["rhs"], cov["std_all"], strict=True):
        out.loc[lhs, rhs] = out.loc[rhs, lhs] = r
    return out


def fornell_larcker(res: SEMResult) -> pd.DataFrame:
    """Fornell-Larcker table: square root of AVE on the diagonal, factor correlations below it.

    Discriminant validity holds for a construct when its sqrt(AVE) exceeds its correlation with
    every other construct; the ``holds`` column says whether it does. AVE as in
    :func:`construct_reliability` (semTools' definition).

    Parameters
    ----------
    res : SEMResult
        A fitted CFA or SEM with at least two factors.

    Returns
    -------
    DataFrame
        Indexed by construct (k x k + 2): one column per construct (sqrt(AVE) on the diagonal,
        factor correlations below it, NaN above), then ``sqrt_ave`` and ``holds``.

    Raises
    ------
    ParameterError
        ``res`` is not a fitted model (an SEMResult, or a CFAResult, whose ``sem`` is read).

    Notes
    -----
    Construct ``i`` passes when ``sqrt(AVE_i) > max_{j != i} |phi_ij|``, ``phi`` the latent
    correlations (lavaan's ``lavInspect(fit, "cor.lv")``).

    References
    ----------
    Fornell, C., & Larcker, D. F. (1981). Evaluating structural equation models with unobservable
    variables and measurement error. *Journal of Marketing Research*, 18, 39-50.
    R: ``semTools::AVE(fit)`` and ``lavInspect(fit, "cor.lv")`` (checked in
    tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.cfa("visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9", hs)
    >>> fl = sr.fornell_larcker(res.sem)
    >>> float(fl.loc["textual", "visual"].round(3)), fl["holds"].tolist()  # In R: lavInspect(fit, "cor.lv")
    (0.459, [True, True, True])
    """
    res = _fitted(res, "fornell_larcker")
    corr = latent_correlations(res)
    sqrt_ave = np.sqrt(construct_reliability(res).set_index("construct")["ave"]).reindex(corr.index)
    table = corr.where(np.tril(np.ones(corr.shape, dtype=bool), -1))
    for c in corr.index:
        table.loc[c, c] = sqrt_ave[c]
    off = corr.abs().where(~np.eye(len(corr), dtype=bool))
    table["sqrt_ave"] = sqrt_ave
    table["holds"] = [bool(sqrt_ave[c] > off.loc[c].max()) for c in corr.index]
    return table


def _htmt_matrices(r: np.ndarray, blocks: list[np.ndarray], geometric: bool) -> np.ndarray:
    """HTMT matrices of a stack of item correlation matrices, shape (n, p, p) -> (n, k, k).

    One pass over the stack instead of a Python loop over matrices and block pairs (the HTMT
    bootstrap). Each block's correlations are gathered into a contiguous row per matrix, in the
    order a single matrix's upper triangle or block would be read, so every mean is summed in the
    same order as for one matrix alone and the numbers do not change with the stack's size.
    """
    r = np.abs(r)
    k = len(blocks)

    def average(a: np.ndarray, b: np.ndarray, same: bool) -> np.ndarray:
        if same:
            rows, cols = np.triu_indices(len(a), 1)
            values = r[:, a[rows], b[cols]]
        else:
            values = r[:, a[:, None], b[None, :]].reshape(len(r), -1)
        # C order: a mean along contiguous rows is summed pairwise, as for one matrix's 1-d values
        values = np.ascontiguousarray(values)
        if not geometric:
            return values.mean(axis=1)
        with np.errstate(divide="ignore"):  # a zero correlation makes the geometric mean 0, its limit
            return np.exp(np.mean(np.log(values), axis=1))

    within = [average(b, b, True) for b in blocks]
    out = np.ones((len(r), k, k))
    for i in range(k):
        for j in range(i + 1, k):
            out[:, i, j] = out[:, j, i] = average(blocks[i], blocks[j], False) / np.sqrt(within[i] * within[j])
    return out


def htmt(data: pd.DataFrame, q: Questionnaire | str, *, htmt2: bool = True, n_boot: int = 0, seed: int | None = 1,
         level: float = 0.95, threshold: float = 0.85, n_jobs: int = 1, scheduler: Any = None) -> pd.DataFrame:
    """Heterotrait-monotrait ratio of correlations for every pair of constructs (Henseler et al., 2015).

    The mean of the between-construct item correlations over the geometric mean of the two
    within-construct mean correlations, on absolute correlations; ``htmt2=True`` uses geometric
    means throughout (Roemer et al., 2021), the default of ``semTools::htmt``. Complete cases.

    Parameters
    ----------
    data : DataFrame
        Item answers, reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        Which items measure which construct (``=~`` lines).
    htmt2 : bool
        Geometric (HTMT2) or arithmetic (classic HTMT) means.
    n_boot : int
        Percentile-bootstrap resamples for a confidence interval (0: none).
    seed : int or None
        Seed of the resampling.
    level : float
        Confidence level of the interval.
    threshold : float
        The cut-off discriminant validity is judged against (.85 strict, .90 liberal).
    n_jobs : int
        Local worker threads computing the bootstrap's correlation matrices (joblib; -1 = every core); 1
        computes them in this process. The intervals are identical for any value.
    scheduler : dask.distributed.Client, str or None
        Compute them on a Dask cluster instead: a Client (left open), or the address of a running scheduler
        such as ``"tcp://10.0.0.5:8786"`` (connected to for this call); ``n_jobs`` is then ignored. The
        intervals are identical to a local run.

    Returns
    -------
    DataFrame
        One row per pair of constructs (k (k - 1) / 2 rows): construct_a, construct_b, htmt, and
        with ``n_boot`` ci_lower, ci_upper; ``below_threshold`` says discriminant validity holds
        (the upper limit when a CI is computed, else the estimate).

    Raises
    ------
    ParameterError
        A bad ``htmt2``, ``n_boot``, ``seed``, ``level``, ``threshold`` or ``n_jobs``; a ``scheduler`` that is
        neither a Client nor an address, or no scheduler answering at the address.
    ResponseDataError
        Fewer than two constructs, a construct with a single item, or an item column not in the data.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    With ``r`` the absolute item correlations, for constructs ``i`` (items ``I``) and ``j``:

    ``HTMT_ij = mean_{a in I, b in J} r_ab / sqrt(mean_{a < a' in I} r_aa' * mean_{b < b' in J} r_bb')``

    HTMT2 replaces each arithmetic mean by the geometric mean. The bootstrap interval is the
    percentile interval of ``n_boot`` resamples of respondents.

    The bootstrap's resamples are drawn from ``numpy.random.default_rng(seed)``, one after another, and their
    correlation matrices computed in chunks of 250 resamples as tasks of
    :func:`stickiness_research.executor.map_chunks` (which draw nothing), so the intervals are the same in
    process, on local threads or on a Dask cluster (``n_jobs`` and ``scheduler``).

    References
    ----------
    Henseler, J., Ringle, C. M., & Sarstedt, M. (2015). A new criterion for assessing discriminant
    validity in variance-based structural equation modeling. *JAMS*, 43, 115-135.
    Roemer, E., Schuberth, F., & Henseler, J. (2021). HTMT2 - an improved criterion for assessing
    discriminant validity in structural equation modeling. *Industrial Management & Data Systems*,
    121, 2637-2650.
    R: ``semTools::htmt`` (``htmt2 = TRUE`` and ``FALSE``; checked in tests/test_measurement_validity.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> syntax = "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9"
    >>> print(round(sr.htmt(hs, syntax)["htmt"].iloc[0], 4))  # In R: semTools::htmt(syntax, HS)[2, 1]
    0.3841
    >>> print(round(sr.htmt(hs, syntax, htmt2=False)["htmt"].iloc[0], 4))  # semTools::htmt(..., htmt2 = FALSE)
    0.4243
    >>> sr.htmt(hs, syntax, n_boot=200, seed=1)[["ci_lower", "ci_upper"]].iloc[0].round(3).tolist()
    [0.163, 0.529]
    """
    from ..executor import connect

    with connect(scheduler, "htmt") as client:  # its errors name htmt (run_tasks would name itself)
        return _htmt(data, q, htmt2=htmt2, n_boot=n_boot, seed=seed, level=level, threshold=threshold,
                     n_jobs=n_jobs, scheduler=client)


def _htmt(data: pd.DataFrame, q: Questionnaire | str, *, htmt2: bool, n_boot: int, seed: int | None, level: float,
          threshold: float, n_jobs: int = 1, scheduler: Any = None) -> pd.DataFrame:
    """:func:`htmt`, with the executor's choice of workers for the bootstrap (identical results for any)."""
    check(htmt2, "htmt2", "htmt", BOOL)
    check(n_boot, "n_boot", "htmt", NON_NEGATIVE_INT)
    check(seed, "seed", "htmt", NON_NEGATIVE_INT, None)
    check(level, "level", "htmt", PROBABILITY_OPEN)
    check(threshold, "threshold", "htmt", Interval(float, 0, None, closed="neither"))
    check(n_jobs, "n_jobs", "htmt", *N_JOBS)
    scales = scales_of(q)
    if len(scales) < 2:
        raise ResponseDataError("HTMT compares constructs: the model needs at least two.")
    items = [i for s in scales.values() for i in s]
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise ResponseDataError(f"item column {missing[0]!r} is not in the data.")
    single = [c for c, s in scales.items() if len(s) < 2]
    if single:
        raise ResponseDataError(f"construct {single[0]!r} has one item; HTMT needs at least two per construct.")
    x = data[items].apply(pd.to_numeric, errors="coerce").dropna().to_numpy(dtype=float)
    offsets = np.cumsum([0] + [len(s) for s in scales.values()])
    blocks = [np.arange(a, b) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
    estimate = _htmt_matrices(np.corrcoef(x, rowvar=False)[None], blocks, htmt2)[0]
    names = list(scales)
    pairs = [(i, j) for i in range(len(names)) for j in range(i + 1, len(names))]
    table = pd.DataFrame({"construct_a": [names[i] for i, _ in pairs], "construct_b": [names[j] for _, j in pairs],
                          "htmt": [estimate[i, j] for i, j in pairs]})
    if n_boot:
        rng = np.random.default_rng(seed)
        n = len(x)
        # resamples drawn one at a time from the seeded stream; their correlations in chunks of HTMT_CHUNK
        # resamples on threads or a cluster (deterministic work: nothing drawn there); the HTMT in one pass
        indices = np.stack([rng.integers(0, n, n) for _ in range(n_boot)])
        chunks = [indices[i:i + HTMT_CHUNK] for i in range(0, n_boot, HTMT_CHUNK)]
        r = np.concatenate(map_chunks(partial(_resample_correlations, x), chunks, n_jobs=n_jobs,
                                      scheduler=scheduler, description="HTMT bootstrap"))
        upper = tuple(np.array(pairs).T)
        draws = _htmt_matrices(r, blocks, htmt2)[:, upper[0], upper[1]]
        tail = (1 - level) / 2
        table["ci_lower"] = np.nanquantile(draws, tail, axis=0)
        table["ci_upper"] = np.nanquantile(draws, 1 - tail, axis=0)
        table["below_threshold"] = table["ci_upper"] < threshold
    else:
        table["below_threshold"] = table["htmt"] < threshold
    return table


def _resample_correlations(x: np.ndarray, chunk: np.ndarray) -> np.ndarray:
    """Correlation matrices of the resamples ``chunk`` (rows of ``x``), one per resample."""
    return np.stack([np.corrcoef(x[rows], rowvar=False) for rows in chunk])


def cross_loadings(data: pd.DataFrame, q: Questionnaire | str) -> pd.DataFrame:
    """Correlation of every item with every construct's scale score (the mean of its items).

    An item should correlate more with its own construct than with any other; ``loads_highest_on_own``
    says whether it does.

    Parameters
    ----------
    data : DataFrame
        Item answers, reverse-keyed items recoded.
    q : Questionnaire or lavaan syntax
        Which items form which construct.

    Returns
    -------
    DataFrame
        Indexed by item: ``construct``, one column per construct, ``loads_highest_on_own``.

    Raises
    ------
    ResponseDataError
        An item column is not in the data.
    ModelSpecError
        ``q`` is syntax without an ``=~`` line.

    Notes
    -----
    The scale score of construct ``c`` is the mean of its items; the entry is the Pearson
    correlation ``cor(x_j, mean_{k in c} x_k)`` (an item's own scale score includes it).

    References
    ----------
    Chin, W. W. (1998). The partial least squares approach to structural equation modeling. In
    G. A. Marcoulides (Ed.), *Modern methods for business research* (pp. 295-336). Erlbaum.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> hs = sr.datasets.holzinger_swineford()
    >>> cl = sr.cross_loadings(hs, "visual =~ x1 + x2 + x3\\ntextual =~ x4 + x5 + x6\\nspeed =~ x7 + x8 + x9")
    >>> cl[["visual", "textual", "speed"]].loc["x1"].round(3).tolist()
    [0.767, 0.376, 0.284]
    >>> bool(cl["loads_highest_on_own"].all())
    True
    """
    scales = scales_of(q)
    items = [i for s in scales.values() for i in s]
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise ResponseDataError(f"item column {missing[0]!r} is not in the data.")
    x = data[items].apply(pd.to_numeric, errors="coerce")
    scores = pd.DataFrame({c: x[s].mean(axis=1) for c, s in scales.items()})
    table = pd.DataFrame({c: [x[i].corr(scores[c]) for i in items] for c in scales}, index=items)
    own = {i: c for c, s in scales.items() for i in s}
    table.insert(0, "construct", [own[i] for i in items])
    table["loads_highest_on_own"] = [table.loc[i, list(scales)].astype(float).idxmax() == own[i] for i in items]
    table.index.name = "item"
    return table
