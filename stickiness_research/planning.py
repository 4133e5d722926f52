"""Study planning: how many respondents a study needs, analytically (RMSEA) or by simulation.

* :func:`rmsea_power` and :func:`rmsea_sample_size`: power of the RMSEA tests of exact, close and not-close
  fit from the noncentral chi-square (MacCallum, Browne & Sugawara, 1996), as semTools' ``findRMSEApower``
  and ``findRMSEAsamplesize`` compute it; instant, and need only the model's degrees of freedom.
* :func:`power`: Monte Carlo power of each hypothesis. For every sample size, ``replications`` datasets are
  simulated from the questionnaire's population model (the assumed truth), the hypothesised model is
  fitted, and each hypothesis' verdict is recorded (expected sign and Wald p < alpha). Seeds for the
  replications are spawned from one ``numpy.random.SeedSequence(seed)``, so results do not depend on
  ``n_jobs``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._validation import (
    N_JOBS,
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    PROBABILITY_OPEN,
    InstanceOf,
    Interval,
    ListOf,
    Satisfies,
    check,
)
from .errors import EstimationError, ModelSpecError
from .questionnaire import Questionnaire
from .responses.scoring import reverse_code
from .sem import SEMResult, fit_sem
from .sem.hypotheses import hypothesis_table
from .simulate import population_model, simulate_responses


def power(q: Questionnaire, n: list[int] | tuple[int, ...] = (200, 300, 500), replications: int = 200,
          seed: int = 1, *, alpha: float = 0.05, n_jobs: int = 1) -> pd.DataFrame:
    """Power of each hypothesis at each sample size, by simulation from the population model.

    Parameters
    ----------
    q : Questionnaire
        With a population block (the assumed truth) and hypotheses.
    n : sequence of int
        Sample sizes to try.
    replications : int
        Simulated datasets per sample size (200 gives power within about +-.035).
    seed : int or None
        Seed (>= 0) of the whole study.
    alpha : float
        Significance level of each hypothesis test.
    n_jobs : int
        Processes fitting replications in parallel (joblib); results are identical for any value.

    Returns
    -------
    DataFrame
        n, hypothesis, path, true_beta, power, mean_estimate (standardized), replications,
        failed (replications that did not converge; left out of the power).

    Raises
    ------
    ParameterError
        A sample size under 30, or ``replications``, ``seed``, ``alpha`` or ``n_jobs`` out of range.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> table = sr.power(q, n=[300], replications=3, seed=1)
    >>> sorted(table.columns)[:3]
    ['failed', 'hypothesis', 'mean_estimate']
    """
    check(q, "q", "power", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(n, "n", "power", ListOf(Interval(int, 30, None)))
    check(replications, "replications", "power", POSITIVE_INT)
    check(seed, "seed", "power", NON_NEGATIVE_INT, None)
    check(alpha, "alpha", "power", PROBABILITY_OPEN)
    check(n_jobs, "n_jobs", "power", *N_JOBS)
    if not q.hypotheses:
        raise ModelSpecError(f"questionnaire {q.meta.id!r} has no hypotheses; power is computed for each "
                             "hypothesis, so add a hypotheses: block.")
    sizes = [int(x) for x in n]
    truth = population_model(q)
    syntax = q.model_syntax()
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    rows = []
    for size, child in zip(sizes, children, strict=True):
        seeds = [int(s.generate_state(1)[0]) for s in child.spawn(replications)]
        if n_jobs == 1:
            outcomes = [_replicate(q, syntax, size, s, alpha) for s in seeds]
        else:
            from joblib import Parallel, delayed

            outcomes = Parallel(n_jobs=n_jobs)(delayed(_replicate)(q, syntax, size, s, alpha) for s in seeds)
        ok = [o for o in outcomes if o is not None]
        for h in q.hypotheses:
            beta = _true_beta(truth.paths, h.chain)
            verdicts = [o.loc[h.id, "supported"] for o in ok]
            estimates = [o.loc[h.id, "std_all"] for o in ok]
            rows.append({"n": size, "hypothesis": h.id, "path": " -> ".join(h.chain), "true_beta": beta,
                         "power": float(np.mean(verdicts)) if ok else np.nan,
                         "mean_estimate": float(np.mean(estimates)) if ok else np.nan,
                         "replications": len(ok), "failed": replications - len(ok)})
    return pd.DataFrame(rows)


def _true_beta(paths: dict[tuple[str, str], float], chain: list[str]) -> float:
    value = 1.0
    for a, b in zip(chain, chain[1:], strict=False):
        value *= paths.get((a, b), 0.0)
    return value


def _replicate(q: Questionnaire, syntax: str, n: int, seed: int, alpha: float) -> pd.DataFrame | None:
    data = reverse_code(simulate_responses(q, n=n, seed=seed), q)
    try:
        res = fit_sem(syntax, data)
    except EstimationError:
        return None
    return hypothesis_table(res, q, alpha=alpha).set_index("hypothesis")


# --- RMSEA-based power (MacCallum, Browne & Sugawara, 1996) ------------------------------------------------

RMSEA = Interval(float, 0, None)
DEGREES_OF_FREEDOM = Interval(float, 0, None, closed="neither")
LARGEST_N = 10**9  # rmsea_sample_size gives up beyond this: the two RMSEAs are too close to tell apart


def rmsea_power(*, rmsea0: float, rmsea_a: float, df: float | SEMResult, n: int, alpha: float = 0.05,
                groups: int | None = None) -> float:
    r"""Power of the RMSEA test of exact, close or not-close fit at sample size ``n``.

    MacCallum, Browne & Sugawara (1996): under :math:`H_0: \varepsilon = \varepsilon_0` the model's
    likelihood-ratio statistic follows a noncentral chi-square with ``df`` degrees of freedom and
    noncentrality :math:`\lambda_0`, under the alternative :math:`\varepsilon = \varepsilon_a` one with
    :math:`\lambda_a`, where for :math:`G` groups of :math:`N` respondents in all

    .. math:: \lambda_0 = (N - 1)\, df\, \varepsilon_0^2 / G, \qquad \lambda_a = (N - 1)\, df\, \varepsilon_a^2 / G

    (a multi-group RMSEA is :math:`\sqrt{G}` times the one-group formula, as in lavaan). Then

    * close fit (:math:`\varepsilon_0 < \varepsilon_a`, e.g. .05 against .08) and exact fit
      (:math:`\varepsilon_0 = 0`): reject when :math:`T > c = \chi^2_{df,\lambda_0;\,1-\alpha}`;
      power :math:`= P(\chi^2_{df,\lambda_a} > c)`;
    * not-close fit (:math:`\varepsilon_0 > \varepsilon_a`, e.g. .05 against .01): reject when
      :math:`T < c = \chi^2_{df,\lambda_0;\,\alpha}`; power :math:`= P(\chi^2_{df,\lambda_a} < c)`.

    This is ``semTools::findRMSEApower(rmsea0, rmseaA, df, n, alpha, group)`` (semTools 0.5.6): the same
    formulas, with ``N - 1``; the two agree to about 1e-13 (frozen references in ``tests/reference/rmsea_power``).

    Parameters
    ----------
    rmsea0 : float
        RMSEA under the null hypothesis, >= 0 (0 for the test of exact fit, .05 for close fit).
    rmsea_a : float
        RMSEA under the alternative, >= 0 and different from ``rmsea0`` (equal values leave the power at
        ``alpha`` for every N). Above ``rmsea0``: a test of (close or exact) fit; below: of not-close fit.
    df : float or SEMResult
        The model's degrees of freedom (> 0), or a fitted model (``sr.fit_sem`` or ``sr.cfa``) whose own
        df is used.
    n : int
        Total sample size (all groups together), >= 2.
    alpha : float
        Significance level, in (0, 1).
    groups : int or None
        Number of groups, >= 1. None: 1, or the fitted model's number of groups when ``df`` is a fit.

    Returns
    -------
    float
        The probability of rejecting :math:`H_0` when the population RMSEA is ``rmsea_a``.

    Raises
    ------
    ParameterError
        An argument out of range, ``rmsea_a`` equal to ``rmsea0``, or a fitted model with df 0 (saturated).

    See Also
    --------
    rmsea_sample_size : the smallest N reaching a power.
    power : Monte Carlo power of each hypothesis.

    References
    ----------
    MacCallum, R. C., Browne, M. W., & Sugawara, H. M. (1996). Power analysis and determination of sample
    size for covariance structure modeling. *Psychological Methods, 1*(2), 130-149.

    Examples
    --------
    Power of the test of close fit (.05 against .08) of the stickiness model (df 265) with 150 respondents:

    >>> import stickiness_research as sr
    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=265, n=150), 6)
    0.997154
    >>> # In R: semTools::findRMSEApower(rmsea0 = .05, rmseaA = .08, df = 265, n = 150)  # 0.9971540

    Not-close fit (.05 against .01) of a two-group model, and exact fit (0 against .05):

    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.01, df=24, n=400, alpha=.01, groups=2), 6)
    0.135753
    >>> # In R: semTools::findRMSEApower(.05, .01, df = 24, n = 400, alpha = .01, group = 2)  # 0.1357532
    >>> round(sr.rmsea_power(rmsea0=0, rmsea_a=.05, df=24, n=400), 6)
    0.832062

    A fitted model brings its own df (here 24), so the power of its test of close fit at its N is:

    >>> hs = sr.datasets.holzinger_swineford()
    >>> res = sr.fit_sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9", hs)
    >>> round(sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=res, n=res.n_obs), 6)
    0.701594
    >>> # In R: fit <- lavaan::cfa(model, HolzingerSwineford1939)
    >>> #       semTools::findRMSEApower(.05, .08, fitMeasures(fit)["df"], nobs(fit))  # 0.7015941
    """
    df, groups = _planning_args("rmsea_power", rmsea0, rmsea_a, df, alpha, groups)
    check(n, "n", "rmsea_power", Interval(int, 2, None))
    return float(_rmsea_power_at(n, rmsea0, rmsea_a, df, alpha, groups))


def rmsea_sample_size(*, rmsea0: float, rmsea_a: float, df: float | SEMResult, power: float = 0.80,
                      alpha: float = 0.05, groups: int | None = None) -> int:
    r"""The smallest total sample size at which the RMSEA test of fit reaches ``power``.

    Searches N (>= 2) for the first :math:`N` with :func:`rmsea_power` :math:`\ge` ``power`` (the power rises
    with N; the search brackets by doubling, then bisects, so it takes about 2 log2 N evaluations).

    Agrees with ``semTools::findRMSEAsamplesize(rmsea0, rmseaA, df, power, alpha, group)`` (semTools 0.5.6)
    multiplied by ``group``, with three deliberate differences. semTools scans the total N in blocks (5-500,
    505-1000, 1005-1500, ...) for the first power above the target and returns N / group, a per-group size
    that may be fractional (150.5); we return the total N itself, the ``n`` that :func:`rmsea_power` takes.
    Its blocks skip N = 501-504, 1001-1004, ..., so when the answer lies there semTools gives the next
    block's first N (505 for a power of .80 reached at 503 in the test of exact fit against .05 with df 24
    and alpha .01); we give the smallest N. It answers "Sample Size <= 5" when N = 5 is already enough;
    we give that N (2 to 5). (semTools asks for power strictly above the target and we for power reaching
    it; the two differ only when the power at some N equals the target exactly.)

    Parameters
    ----------
    rmsea0 : float
        RMSEA under the null hypothesis, >= 0 (0: exact fit; below ``rmsea_a``: close fit; above: not-close fit).
    rmsea_a : float
        RMSEA under the alternative, >= 0 and different from ``rmsea0``.
    df : float or SEMResult
        The model's degrees of freedom (> 0), or a fitted model whose own df is used.
    power : float
        Target power, in (0, 1).
    alpha : float
        Significance level, in (0, 1).
    groups : int or None
        Number of groups, >= 1. None: 1, or the fitted model's number of groups when ``df`` is a fit.

    Returns
    -------
    int
        The total sample size N (all groups together); ``N / groups`` respondents per group.

    Raises
    ------
    ParameterError
        An argument out of range, ``rmsea_a`` equal to ``rmsea0``, or a fitted model with df 0.
    EstimationError
        The power is not reached by N = 10^9 (the two RMSEAs are too close to tell apart).

    See Also
    --------
    rmsea_power : the power at a given N (MacCallum, Browne & Sugawara, 1996; formulas there).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=265, power=.80)
    71
    >>> # In R: semTools::findRMSEAsamplesize(rmsea0 = .05, rmseaA = .08, df = 265, power = .80)  # 71

    With two groups semTools gives a size per group, we give the total:

    >>> sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=24, power=.90, groups=2)
    982
    >>> # In R: semTools::findRMSEAsamplesize(.05, .08, df = 24, power = .90, group = 2)  # 491 per group
    """
    df, groups = _planning_args("rmsea_sample_size", rmsea0, rmsea_a, df, alpha, groups)
    check(power, "power", "rmsea_sample_size", PROBABILITY_OPEN)

    def reaches(n: int) -> bool:
        return bool(_rmsea_power_at(n, rmsea0, rmsea_a, df, alpha, groups) >= power)

    low, high = 1, 2  # the power at `low` is below the target (low = 1 only marks the start: N >= 2)
    while not reaches(high):
        if high >= LARGEST_N:
            reached = float(_rmsea_power_at(high, rmsea0, rmsea_a, df, alpha, groups))
            raise EstimationError(
                f"rmsea_sample_size: a power of {power:g} is not reached by N = {LARGEST_N:,} (power there "
                f"{reached:.3f}); rmsea0 = {rmsea0} and rmsea_a = {rmsea_a} are too close to tell apart, "
                "so choose values further apart.")
        low, high = high, min(2 * high, LARGEST_N)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if reaches(middle) else (middle, high)
    return int(high)


def _planning_args(function: str, rmsea0: float, rmsea_a: float, df: float | SEMResult, alpha: float,
                   groups: int | None) -> tuple[float, int]:
    """Check the arguments rmsea_power and rmsea_sample_size share; return (df, groups) as numbers."""
    check(rmsea0, "rmsea0", function, RMSEA)
    check(rmsea_a, "rmsea_a", function, Satisfies(
        lambda v: v in RMSEA and v != rmsea0,
        f"{RMSEA} other than rmsea0 ({rmsea0:g}), since equal values leave the power at alpha for every N"))
    check(alpha, "alpha", function, PROBABILITY_OPEN)
    check(groups, "groups", function, POSITIVE_INT, None)
    fitted = getattr(df, "sem", None) if not isinstance(df, SEMResult) else df  # a CFAResult holds its fit in .sem
    if isinstance(fitted, SEMResult):
        model_df = float(fitted.fit_measures["df"])
        check(model_df, "df", function, DEGREES_OF_FREEDOM,
              when="(the fitted model's degrees of freedom; a saturated model has no test of fit to plan)")
        return model_df, groups if groups is not None else max(len(fitted.groups), 1)
    shown = df if df is None or isinstance(df, int | float | str | np.number) else f"a {type(df).__name__}"
    check(df, "df", function, DEGREES_OF_FREEDOM, InstanceOf(SEMResult, "a fitted SEMResult (its own df)"),
          shown=shown)
    return float(df), groups if groups is not None else 1


def _rmsea_power_at(n: int | np.ndarray, rmsea0: float, rmsea_a: float, df: float, alpha: float,
                    groups: int) -> np.ndarray:
    """semTools::findRMSEApower's formulas (N - 1; a multi-group RMSEA carries sqrt(groups)); n may be an array."""
    from scipy.stats import ncx2

    scale = (np.asarray(n, dtype=float) - 1) * df / groups
    ncp0, ncp_a = scale * rmsea0**2, scale * rmsea_a**2
    if rmsea0 < rmsea_a:  # close or exact fit: reject for a large statistic
        critical = ncx2.isf(alpha, df, ncp0)
        return ncx2.sf(critical, df, ncp_a)
    critical = ncx2.ppf(alpha, df, ncp0)  # not-close fit: reject for a small statistic
    return ncx2.cdf(critical, df, ncp_a)
