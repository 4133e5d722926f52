"""Simulate survey responses from a questionnaire's population model (the known truth).

Population model (standardized) -> latent construct scores -> continuous item responses ->
Likert categories with thresholds that give the agreement skew typical of satisfaction-type
surveys; demographics from the questionnaire's (conditional) weights; optional careless
respondents and MCAR missingness. Same seed, same data.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import NON_NEGATIVE_INT, POSITIVE_INT, InstanceOf, Interval, check
from .errors import QuestionnaireError
from .questionnaire import Questionnaire

CARELESS_KINDS = ("straightliner", "random", "alternating", "speeder")
SECONDS_PER_ITEM = 6.0  # median reading-and-answering time of an attentive respondent
SPEEDER_SECONDS_PER_ITEM = 1.2


@dataclass(frozen=True)
class PopulationModel:
    """The standardized truth behind simulated data."""

    constructs: list[str]
    latent_cov: np.ndarray  # model-implied latent covariance (unit diagonal)
    loadings: dict[str, float]  # item id -> standardized loading
    paths: dict[tuple[str, str], float]  # (from, to) -> standardized beta
    r2: dict[str, float]  # endogenous construct -> R-squared


def population_model(q: Questionnaire) -> PopulationModel:
    """Resolve the questionnaire's population block into latent covariances and loadings.

    Raises
    ------
    QuestionnaireError
        When the questionnaire has no population block, or its paths imply a residual variance
        below zero (an R-squared above 1).
    """
    pop = q.population
    if pop is None:
        raise QuestionnaireError("this questionnaire has no population block, so it cannot be simulated.",
                                 file=q.source, field="population",
                                 hint="Add population: with paths, correlations and loadings.")
    names = q.construct_ids
    index = {c: i for i, c in enumerate(names)}
    k = len(names)
    beta = np.zeros((k, k))
    paths = {}
    for p in pop.paths:
        beta[index[p.to], index[p.from_]] = p.beta
        paths[(p.from_, p.to)] = p.beta
    graph = {c: {p.from_ for p in pop.paths if p.to == c} for c in names}
    try:
        order = list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError:
        raise QuestionnaireError("population paths form a cycle.", file=q.source, field="population.paths",
                                 hint="Remove one path of the cycle.") from None
    endogenous = {p.to for p in pop.paths}
    cov = np.eye(k)
    for c in pop.correlations:
        a, b = index[c.between[0]], index[c.between[1]]
        cov[a, b] = cov[b, a] = c.r
    exo = [index[c] for c in names if c not in endogenous]
    if exo and np.linalg.eigvalsh(cov[np.ix_(exo, exo)])[0] <= 0:
        raise QuestionnaireError("the correlations among exogenous constructs are not a valid correlation matrix.",
                                 file=q.source, field="population.correlations",
                                 hint="Lower some correlations.")
    r2 = {}
    for c in order:  # each endogenous construct in causal order: fill its covariances, then its residual
        if c not in endogenous:
            continue
        j = index[c]
        b = beta[j]
        cov[j, :] = cov[:, j] = b @ cov  # Cov(eta_j, x) = sum_k beta_jk Cov(eta_k, x)
        explained = float(b @ cov @ b)  # variance explained by the predecessors (b_jj = 0)
        if explained >= 1:
            raise QuestionnaireError(f"the population paths into {c!r} explain {explained:.2f} of its variance "
                                     "(more than all of it).", file=q.source, field="population.paths",
                                     hint="Make the paths into this construct smaller.")
        cov[j, j] = 1.0
        r2[c] = explained
    loadings = _loadings(q)
    return PopulationModel(constructs=names, latent_cov=cov, loadings=loadings, paths=paths, r2=r2)


def _loadings(q: Questionnaire) -> dict[str, float]:
    pop = q.population
    out = {}
    for c in q.construct_ids:
        items = q.items_of(c)
        # Spread evenly across the range, strongest first, so each scale has a realistic mix.
        spread = np.linspace(pop.loadings.max, pop.loadings.min, len(items)) if len(items) > 1 else \
            np.array([(pop.loadings.max + pop.loadings.min) / 2])
        for item, value in zip(items, spread, strict=True):
            out[item.id] = float(pop.item_loadings.get(item.id, value))
    return out


def likert_thresholds(points: int) -> np.ndarray:
    """Cut points on the standardized continuous response for a ``points``-category scale."""
    if points == 2:
        return np.array([0.0])
    return np.linspace(-1.5, 1.5, points - 1)


def simulate_responses(q: Questionnaire, n: int = 500, seed: int | None = 1, *, careless: float = 0.0,
                       missing: float = 0.0) -> pd.DataFrame:
    """Simulate one questionnaire's answers from its population model.

    Parameters
    ----------
    q : Questionnaire
        Must have a ``population`` block.
    n : int
        Number of respondents (>= 1).
    seed : int or None
        Seed (>= 0) of ``numpy.random.default_rng``; same seed, same data.
    careless : float
        Share of careless respondents in [0, 1): straight-liners, random responders, alternators
        and speeders in equal parts. Their kind is in column ``careless_type`` ("" if attentive).
    missing : float
        Share of item answers set missing completely at random, in [0, 1).

    Returns
    -------
    DataFrame
        ``respondent_id``, demographics (option values), item answers as raw codes (reverse-keyed
        items as the respondent answered them, i.e. not yet recoded), attention checks,
        ``duration_seconds`` and ``careless_type``.

    Raises
    ------
    ParameterError
        ``n``, ``seed``, ``careless`` or ``missing`` out of range.
    QuestionnaireError
        The questionnaire has no (valid) population block.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=5, seed=1)
    >>> df.equals(sr.simulate_responses(q, n=5, seed=1))
    True
    """
    check(q, "q", "simulate_responses", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(n, "n", "simulate_responses", POSITIVE_INT)
    check(seed, "seed", "simulate_responses", NON_NEGATIVE_INT, None)
    for name, value in (("careless", careless), ("missing", missing)):
        check(value, name, "simulate_responses", Interval(float, 0, 1, closed="left"))
    pop = population_model(q)
    rng = np.random.default_rng(seed)

    frame = {"respondent_id": [f"R{i + 1:05d}" for i in range(n)]}
    frame.update(_demographics(q, n, rng))

    latent = rng.standard_normal((n, len(pop.constructs))) @ np.linalg.cholesky(pop.latent_cov).T
    shift = q.population.response_style.mean_shift
    answers: dict[str, np.ndarray] = {}
    for item in q.items:
        lam = pop.loadings[item.id]
        c = pop.constructs.index(item.construct)
        continuous = lam * latent[:, c] + np.sqrt(1 - lam**2) * rng.standard_normal(n) + shift
        rs = q.response_set_of(item)
        code = np.searchsorted(likert_thresholds(rs.points), continuous) + 1
        answers[item.id] = (rs.points + 1 - code) if item.reverse else code
    checks = {a.id: np.full(n, a.expected) for a in q.attention_checks}

    kinds = np.array([""] * n, dtype=object)
    n_careless = int(round(careless * n))
    if n_careless:
        who = rng.choice(n, size=n_careless, replace=False)
        kinds[who] = np.array(CARELESS_KINDS)[np.arange(n_careless) % len(CARELESS_KINDS)]
        _make_careless(q, answers, checks, kinds, rng)

    n_answered = len(q.items) + len(q.attention_checks)
    per_item = np.where(np.isin(kinds, ["straightliner", "speeder"]), SPEEDER_SECONDS_PER_ITEM, SECONDS_PER_ITEM)
    duration = np.round(n_answered * per_item * rng.lognormal(0.0, 0.35, n) + 20).astype(int)

    ordered = _questionnaire_order(q)
    for col in ordered:
        values = answers.get(col, checks.get(col))
        frame[col] = pd.array(values, dtype="Int64")
    df = pd.DataFrame(frame)
    if missing > 0:
        mask = rng.random((n, len(q.items))) < missing
        for j, item in enumerate(q.items):
            df.loc[mask[:, j], item.id] = pd.NA
    df["duration_seconds"] = duration
    df["careless_type"] = kinds.astype(str)
    return df


def _questionnaire_order(q: Questionnaire) -> list[str]:
    """Item and attention-check columns in the order respondents see them."""
    after: dict[str, list[str]] = {}
    for a in q.attention_checks:
        after.setdefault(a.after or q.items[-1].id, []).append(a.id)
    out = []
    for item in q.items:
        out.append(item.id)
        out.extend(after.get(item.id, []))
    return out


def _demographics(q: Questionnaire, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for d in q.demographics:
        values = np.array([o.value for o in d.options], dtype=object)
        if d.depends_on and d.conditional_weights:
            parent = out[d.depends_on]
            drawn = np.empty(n, dtype=object)
            for pv, weights in d.conditional_weights.items():
                idx = np.flatnonzero(parent == pv)
                drawn[idx] = rng.choice(values, size=len(idx), p=np.asarray(weights) / np.sum(weights))
            out[d.id] = drawn
        else:
            weights = [o.weight for o in d.options]
            p = None if any(w is None for w in weights) else np.asarray(weights) / np.sum(weights)
            out[d.id] = rng.choice(values, size=n, p=p)
    return {k: v.astype(str) for k, v in out.items()}


def _make_careless(q: Questionnaire, answers: dict[str, np.ndarray], checks: dict[str, np.ndarray],
                   kinds: np.ndarray, rng: np.random.Generator) -> None:
    cols = [i.id for i in q.items]
    points = {i.id: q.response_set_of(i).points for i in q.items}
    points.update({a.id: q.response_set_of(a).points for a in q.attention_checks})
    every = cols + list(checks)
    for r in np.flatnonzero(kinds != ""):
        kind = kinds[r]
        if kind == "straightliner":
            value = rng.integers(3, 6)  # "agree with everything" is the common pattern
            row = {c: min(value, points[c]) for c in every}
        elif kind == "alternating":
            start = rng.integers(0, 2)
            row = {c: (points[c] if (k + start) % 2 else 1) for k, c in enumerate(every)}
        else:  # random responders and speeders answer uniformly at random
            row = {c: rng.integers(1, points[c] + 1) for c in every}
        for c, v in row.items():
            (answers if c in answers else checks)[c][r] = v
