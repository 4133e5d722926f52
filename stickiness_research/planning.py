"""Monte Carlo power and sample size: how often each hypothesis is supported at a given N.

For every sample size, ``replications`` datasets are simulated from the questionnaire's
population model (the assumed truth), the hypothesised model is fitted, and each hypothesis'
verdict is recorded (expected sign and Wald p < alpha). Seeds for the replications are spawned
from one ``numpy.random.SeedSequence(seed)``, so results do not depend on ``n_jobs``.
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
    check,
)
from .errors import EstimationError, ModelSpecError
from .questionnaire import Questionnaire
from .responses.scoring import reverse_code
from .sem import fit_sem
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
