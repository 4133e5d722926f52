"""Simulate survey responses from a questionnaire's population model (the known truth).

Population model (standardized) -> latent construct scores -> continuous item responses (plus the
response style's agreement shift) -> Likert categories at cut points that are either the default
symmetric ones or set per item / response set (``population.thresholds``: a preset or explicit
lists), so the true thresholds are known (:func:`population_thresholds`); demographics from the
questionnaire's (conditional) weights; optional careless respondents and MCAR missingness.
Same seed, same data.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from ._validation import BOOL, NON_NEGATIVE_INT, POSITIVE_INT, InstanceOf, Interval, Options, check
from .errors import QuestionnaireError
from .questionnaire import Questionnaire
from .questionnaire.schema import THRESHOLD_PRESETS, normalize_thresholds, threshold_reference_problems

CARELESS_KINDS = ("straightliner", "random", "alternating", "speeder")
SECONDS_PER_ITEM = 6.0  # median reading-and-answering time of an attentive respondent
SPEEDER_SECONDS_PER_ITEM = 1.2
SPARSE_SHARE = 0.01  # share of answers in the end category of the sparse_top / sparse_bottom presets
_SPARSE_CUT = NormalDist().inv_cdf(1 - SPARSE_SHARE)  # 2.326: the 99th percentile of N(0, 1)
_SKEWED_CUTS_5 = (-2.0, -1.3, -0.5, 0.6)  # 5 points: about 2%, 7%, 21%, 42%, 27% of answers
THRESHOLDS_ARGUMENT = InstanceOf((str, dict), "a preset name (str) or a dict mapping item or response-set ids "
                                "to a preset name or cut points")


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
    pop = _population_block(q)
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


def _population_block(q: Questionnaire):
    if q.population is None:
        raise QuestionnaireError("this questionnaire has no population block, so it cannot be simulated.",
                                 file=q.source, field="population",
                                 hint="Add population: with paths, correlations and loadings.")
    return q.population


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


def likert_thresholds(points: int, preset: str = "symmetric") -> np.ndarray:
    """Cut points of a named preset for a ``points``-category scale, lowest first.

    The simulator puts an answer in category ``k`` when the item's continuous response (standard
    normal, plus the questionnaire's ``response_style.mean_shift``) lies between cut ``k - 1`` and
    cut ``k``. With ``mean_shift`` 0 these cut points are the item's true thresholds; otherwise the
    thresholds are ``cut - mean_shift`` (see :func:`population_thresholds`).

    Parameters
    ----------
    points : int
        Categories of the scale (>= 2).
    preset : {"symmetric", "skewed", "sparse_top", "sparse_bottom"}
        * ``"symmetric"`` (the default, and the simulator's cuts when none are set): evenly spaced
          from -1.5 to 1.5 (0 for 2 points); 7%, 24%, 38%, 24%, 7% of answers on 5 points.
        * ``"skewed"``: the agreement skew typical of satisfaction surveys, few answers in the low
          categories: ``[-2.0, -1.3, -0.5, 0.6]`` on 5 points (about 2%, 7%, 21%, 42%, 27%),
          interpolated linearly between those four at other scale lengths.
        * ``"sparse_top"``: symmetric, with the top cut moved out to the 99th percentile (2.326),
          so the top category holds 1% of answers.
        * ``"sparse_bottom"``: the mirror image, the bottom category holding 1%.

    Returns
    -------
    ndarray
        Shape ``(points - 1,)``, strictly increasing.

    Raises
    ------
    ParameterError
        ``points`` below 2 or an unknown ``preset``.

    Examples
    --------
    >>> from stickiness_research.simulate import likert_thresholds
    >>> likert_thresholds(5).tolist()
    [-1.5, -0.5, 0.5, 1.5]
    >>> likert_thresholds(5, "skewed").tolist()
    [-2.0, -1.3, -0.5, 0.6]
    >>> likert_thresholds(5, "sparse_top").round(3).tolist()
    [-1.5, -0.5, 0.5, 2.326]
    """
    check(points, "points", "likert_thresholds", Interval(int, 2, None))
    check(preset, "preset", "likert_thresholds", Options(THRESHOLD_PRESETS))
    if preset == "sparse_bottom":
        return -likert_thresholds(points, "sparse_top")[::-1]
    if preset == "skewed":
        position = np.linspace(-1, 1, points - 1) if points > 2 else np.zeros(1)
        return np.interp(position, np.linspace(-1, 1, len(_SKEWED_CUTS_5)), _SKEWED_CUTS_5)
    cuts = np.array([0.0]) if points == 2 else np.linspace(-1.5, 1.5, points - 1)
    if preset == "sparse_top":
        cuts[-1] = _SPARSE_CUT
    return cuts


def _threshold_spec(q: Questionnaire, thresholds: Any, function: str) -> Any:
    """The thresholds in force: the argument if given, else the questionnaire's; checked as the YAML block is.

    The questionnaire's are checked again because a Questionnaire edited in code skips the loader.
    """
    check(thresholds, "thresholds", function, THRESHOLDS_ARGUMENT, None)
    given = thresholds is not None
    spec = thresholds if given else q.population.thresholds
    if spec is None:
        return None
    spec, problems = normalize_thresholds(spec)
    if not problems:
        problems = threshold_reference_problems(spec, q.items, q.response_sets)
    if problems:
        loc, message, _ = problems[0]
        where = f" (in the thresholds given to {function})" if given else ""
        more = f" ({len(problems) - 1} more problem(s) after this one.)" if len(problems) > 1 else ""
        raise QuestionnaireError(f"{message}{where}.{more}", file=None if given else q.source,
                                 field=".".join(("thresholds" if given else "population.thresholds", *loc)),
                                 hint=f"Give a preset name ({', '.join(THRESHOLD_PRESETS)}) or a dict mapping item or "
                                 "response-set ids to a preset name or to points - 1 strictly increasing cut points.")
    return spec


def _item_cuts(q: Questionnaire, spec: Any) -> dict[str, np.ndarray]:
    """Cut points of every item under a (checked) thresholds spec: its item entry, else its set's, else symmetric."""
    out = {}
    for item in q.items:
        set_id = item.response_set or q.default_response_set
        if isinstance(spec, dict):
            value = spec.get(item.id, spec.get(set_id, "symmetric"))
        else:
            value = spec or "symmetric"
        points = q.response_sets[set_id].points
        out[item.id] = likert_thresholds(points, value) if isinstance(value, str) else np.array(value, dtype=float)
    return out


def population_thresholds(q: Questionnaire, thresholds: str | dict | None = None, *,
                          recoded: bool = False) -> dict[str, np.ndarray]:
    """True thresholds of every item on its standardized latent response, as lavaan estimates them.

    :func:`simulate_responses` answers an item in category ``k`` when ``y* + mean_shift`` lies
    between cut ``k - 1`` and cut ``k``, with ``y*`` standard normal (``response_style.mean_shift``
    of the population block). The thresholds on the standardized ``y*`` scale, those lavaan's
    WLSMV (``lavCor(..., output = "th")``, ``|t1``, ``|t2``, ... rows) estimates, are therefore
    ``cut - mean_shift``; they equal the cut points only when ``mean_shift`` is 0.

    A reverse-keyed item's column holds the answer as given, ``points + 1 - k``: its ``y*`` is the
    negated one, so its thresholds are the negated cuts in reverse order,
    ``-(cut - mean_shift)[::-1]``. Once recoded (:func:`stickiness_research.reverse_code`), its
    thresholds are ``cut - mean_shift`` again (``recoded=True``).

    The truth holds for attentive respondents; careless ones (``careless`` of
    :func:`simulate_responses`) answer by other rules.

    Parameters
    ----------
    q : Questionnaire
        Must have a ``population`` block.
    thresholds : str or dict, optional
        As the ``thresholds`` argument of :func:`simulate_responses`; default: the questionnaire's
        ``population.thresholds`` (symmetric cut points when it sets none).
    recoded : bool
        Thresholds of reverse-keyed items after reverse coding (default: as simulated, not recoded).

    Returns
    -------
    dict of str to ndarray
        Item id -> thresholds, shape ``(points - 1,)``, lowest first, in questionnaire order.

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire, ``thresholds`` neither a str nor a dict, or ``recoded`` not a bool.
    QuestionnaireError
        The questionnaire has no population block, or ``thresholds`` is invalid (names the key).

    Notes
    -----
    With ``y* ~ N(0, 1)`` an item's standardized latent response, an answer falls in category ``k`` when
    ``cut_{k-1} < y* + mean_shift <= cut_k``, so ``P(x <= k) = Phi(cut_k - mean_shift)`` and the thresholds
    lavaan's probit model estimates, ``tau_k = Phi^-1(P(x <= k))``, are ``cut_k - mean_shift``. Answering a
    reverse-keyed item ``points + 1 - k`` turns ``P(x <= k)`` into ``1 - Phi(cut_{points-k} - mean_shift)``,
    whence the negated, reversed thresholds.

    References
    ----------
    Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical, and
    continuous latent variable indicators. *Psychometrika*, 49(1), 115-132.
    R: the sample thresholds of ``lavaan::lavCor(d, ordered = TRUE, output = "th")``
    (:func:`~stickiness_research.sem.ordinal.ordinal_sample_stats`, checked against lavaan) recover them
    within sampling error for every preset (tests/test_simulate_thresholds.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> from stickiness_research.simulate import population_thresholds
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())  # response_style: {mean_shift: 0.5}
    >>> truth = population_thresholds(q, "skewed")
    >>> truth["int1"].round(2).tolist()  # the skewed cuts [-2.0, -1.3, -0.5, 0.6], minus 0.5
    [-2.5, -1.8, -1.0, 0.1]
    >>> q.item("con4").reverse, truth["con4"].round(2).tolist()  # reverse-keyed, as answered
    (True, [-0.1, 1.0, 1.8, 2.5])

    Sample thresholds of simulated answers recover them:

    >>> from stickiness_research.sem.ordinal import ordinal_sample_stats
    >>> df = sr.simulate_responses(q, n=5000, seed=1, thresholds="skewed")
    >>> # In R (lavaan 0.6.14, same data): lavCor(df[c("int1", "con4")], ordered = TRUE, output = "th")
    >>> est = ordinal_sample_stats(df, ordered=["int1", "con4"]).thresholds
    >>> bool(np.all(np.abs(est.to_numpy() - np.concatenate([truth["int1"], truth["con4"]])) < 0.15))
    True
    """
    check(q, "q", "population_thresholds", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(recoded, "recoded", "population_thresholds", BOOL)
    shift = _population_block(q).response_style.mean_shift
    out = {}
    for item_id, cuts in _item_cuts(q, _threshold_spec(q, thresholds, "population_thresholds")).items():
        standardized = cuts - shift
        if q.item(item_id).reverse and not recoded:
            standardized = -standardized[::-1] + 0.0  # + 0.0: no -0.0
        out[item_id] = standardized
    return out


@dataclass(frozen=True)
class _DemographicDraw:
    """How one demographic question is drawn: its option values and weights, or weights per parent answer."""

    values: np.ndarray  # option values (object), then None for a respondent no conditional rule covers
    p: np.ndarray | None  # weights (None: uniform), or None when conditional
    parent: int | None  # position of the parent question among the demographics (conditional draws)
    # per parent value: (which parent answers it is, by position, the last for "none"; the weights)
    conditional: tuple[tuple[np.ndarray, np.ndarray], ...]


@dataclass(frozen=True)
class AnswerSampler:
    """Everything :func:`simulate_responses` draws from, resolved once: the people's demographics and latent
    scores, and the items' continuous responses cut into Likert codes.

    Built by :func:`answer_sampler`. :meth:`draw` consumes the random stream exactly as
    :func:`simulate_responses` does (demographics, latent scores, then one normal vector per item), so
    ``answer_sampler(q).draw(n, np.random.default_rng(seed))[2]`` holds the item columns of
    ``simulate_responses(q, n, seed)`` (careless respondents and missing answers, drawn after them, aside),
    without building a DataFrame. Monte Carlo power (:func:`stickiness_research.power`) draws its replications
    this way.
    """

    constructs: list[str]
    items: tuple[str, ...]
    chol: np.ndarray  # Cholesky factor of the latent covariance matrix
    loadings: np.ndarray  # (items,)
    construct_of: np.ndarray  # (items,) construct position of each item
    cuts: tuple[np.ndarray, ...]
    points: np.ndarray  # (items,)
    reverse: np.ndarray  # (items,) bool: answered reversed
    shift: float
    demographics: tuple[tuple[str, _DemographicDraw], ...]

    def people(self, n: int, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray]:
        """Demographic answers (as option positions; -1: no rule covered the respondent) and latent scores: the
        first draws of the stream."""
        codes: list[np.ndarray] = []
        for _, d in self.demographics:
            if d.parent is None:
                codes.append(rng.choice(len(d.values) - 1, size=n, p=d.p))
                continue
            drawn = np.full(n, -1)
            for chosen, weights in d.conditional:
                idx = np.flatnonzero(chosen[codes[d.parent]])
                drawn[idx] = rng.choice(len(d.values) - 1, size=len(idx), p=weights)
            codes.append(drawn)
        latent = rng.standard_normal((n, len(self.constructs))) @ self.chol.T
        return codes, latent

    def draw(self, n: int, rng: np.random.Generator) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
        """(demographic positions, latent scores, item codes (n, items) as answered) for ``n`` respondents."""
        codes, latent = self.people(n, rng)
        answers = np.empty((n, len(self.items)), dtype=np.int64)
        residual = np.sqrt(1 - self.loadings**2)
        for j, cuts in enumerate(self.cuts):
            continuous = (self.loadings[j] * latent[:, self.construct_of[j]] + residual[j] * rng.standard_normal(n)
                          + self.shift)
            answers[:, j] = np.searchsorted(cuts, continuous) + 1
        answers[:, self.reverse] = self.points[self.reverse] + 1 - answers[:, self.reverse]
        return codes, latent, answers

    def demographic_values(self, codes: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Demographic answers as text (option values), as :func:`simulate_responses` writes them."""
        return {name: d.values[c].astype(str) for (name, d), c in zip(self.demographics, codes, strict=True)}


def answer_sampler(q: Questionnaire, thresholds: str | dict | None = None) -> AnswerSampler:
    """The questionnaire's population model resolved for fast repeated drawing (see :class:`AnswerSampler`).

    Parameters
    ----------
    q : Questionnaire
        Must have a ``population`` block.
    thresholds : str or dict, optional
        As in :func:`simulate_responses`.

    Returns
    -------
    AnswerSampler

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire, or ``thresholds`` neither a str nor a dict.
    QuestionnaireError
        No (valid) population block, or invalid ``thresholds``.

    Examples
    --------
    >>> import numpy as np, stickiness_research as sr
    >>> from stickiness_research.simulate import answer_sampler
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> codes = answer_sampler(q).draw(50, np.random.default_rng(4))[2]
    >>> df = sr.simulate_responses(q, n=50, seed=4)
    >>> bool((codes == df[[i.id for i in q.items]].to_numpy()).all())
    True
    """
    check(q, "q", "answer_sampler", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    return _sampler(q, thresholds, "answer_sampler")


def _sampler(q: Questionnaire, thresholds: Any, function: str | None) -> AnswerSampler:
    """The sampler with ``thresholds`` checked for ``function`` (None: symmetric cuts, unchecked; for the
    people alone)."""
    pop = population_model(q)
    cuts = _item_cuts(q, _threshold_spec(q, thresholds, function) if function else None)
    demographics: list[tuple[str, _DemographicDraw]] = []
    position = {d.id: k for k, d in enumerate(q.demographics)}
    for d in q.demographics:
        values = np.array([o.value for o in d.options] + [None], dtype=object)
        if d.depends_on and d.conditional_weights:
            parent = q.demographics[position[d.depends_on]]
            parent_values = np.array([o.value for o in parent.options], dtype=object)
            rules = tuple((np.append(parent_values == pv, False), np.asarray(w) / np.sum(w))
                          for pv, w in d.conditional_weights.items())
            demographics.append((d.id, _DemographicDraw(values, None, position[d.depends_on], rules)))
        else:
            weights = [o.weight for o in d.options]
            p = None if any(w is None for w in weights) else np.asarray(weights) / np.sum(weights)
            demographics.append((d.id, _DemographicDraw(values, p, None, ())))
    index = {c: k for k, c in enumerate(pop.constructs)}
    return AnswerSampler(
        constructs=list(pop.constructs), items=tuple(i.id for i in q.items),
        chol=np.linalg.cholesky(pop.latent_cov), loadings=np.array([pop.loadings[i.id] for i in q.items]),
        construct_of=np.array([index[i.construct] for i in q.items], dtype=int),
        cuts=tuple(cuts[i.id] for i in q.items),
        points=np.array([q.response_set_of(i).points for i in q.items], dtype=np.int64),
        reverse=np.array([bool(i.reverse) for i in q.items]), shift=float(q.population.response_style.mean_shift),
        demographics=tuple(demographics))



def simulate_responses(q: Questionnaire, n: int = 500, seed: int | None = 1, *, careless: float = 0.0,
                       missing: float = 0.0, thresholds: str | dict | None = None) -> pd.DataFrame:
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
    thresholds : str or dict, optional
        Cut points of the Likert categories, replacing the questionnaire's ``population.thresholds``
        (the whole block, not entry by entry): a preset name for every item (``"symmetric"``,
        ``"skewed"``, ``"sparse_top"``, ``"sparse_bottom"``; see :func:`likert_thresholds`), or a
        dict mapping item ids and response-set ids (an item's entry wins over its set's) to a preset
        name or ``points - 1`` strictly increasing finite cut points; unnamed items keep the symmetric
        cuts. Default: the questionnaire's, or symmetric cuts for every item when it sets none (the
        same data as before thresholds could be set). Cuts apply to the standardized response plus
        ``response_style.mean_shift``: the true thresholds, as lavaan estimates them, are
        ``cut - mean_shift``, and a reverse-keyed item's are mirrored; :func:`population_thresholds`
        gives them.

    Returns
    -------
    DataFrame
        ``respondent_id``, demographics (option values), item answers as raw codes (reverse-keyed
        items as the respondent answered them, i.e. not yet recoded), attention checks,
        ``duration_seconds`` and ``careless_type``.

    Raises
    ------
    ParameterError
        ``n``, ``seed``, ``careless`` or ``missing`` out of range; ``thresholds`` neither a str nor a dict.
    QuestionnaireError
        The questionnaire has no (valid) population block, or ``thresholds`` is invalid (the
        message names the key: wrong number of cut points, not increasing, unknown preset, unknown
        item or response set).

    Notes
    -----
    The population block is standardized: exogenous constructs correlate as ``population.correlations``
    says, each endogenous construct is ``eta_j = sum_k beta_jk eta_k + zeta_j`` with the residual variance
    ``1 - R^2_j`` that gives it variance 1, and ``Phi`` is the implied latent correlation matrix. Per
    respondent ``eta = chol(Phi) z`` (the same draws as :func:`latent_scores`); per item, with standardized
    loading ``lambda_j``, ``y*_j = lambda_j eta_c(j) + sqrt(1 - lambda_j^2) e_j + mean_shift``,
    ``e_j ~ N(0, 1)``, cut into category ``k`` when ``cut_{k-1} < y*_j <= cut_k``; a reverse-keyed item is
    written as ``points + 1 - k``. Careless respondents then replace their answers: straight-liners one
    value (3 to 5) everywhere, alternators the two end points in turn, random responders and speeders
    uniform draws; durations are ``answers x seconds per item x lognormal(0, 0.35) + 20`` seconds (6 s per
    item, 1.2 s for straight-liners and speeders). Missing answers are MCAR.

    References
    ----------
    Muthén, B. (1984). A general structural equation model with dichotomous, ordered categorical, and
    continuous latent variable indicators. *Psychometrika*, 49(1), 115-132.
    Checked by recovery, not against an R simulator: :func:`~stickiness_research.fit_sem` (lavaan's
    definitions) of 5,000 simulated respondents recovers every population path within .05
    (tests/test_simulate.py), and lavaan's sample thresholds recover :func:`population_thresholds`
    (tests/test_simulate_thresholds.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=5, seed=1)
    >>> df.equals(sr.simulate_responses(q, n=5, seed=1))
    True

    A sparse top category on one item (mean_shift 0.5 moves answers up: 1 - Phi(2.326 - 0.5) = 3.4%):

    >>> df = sr.simulate_responses(q, n=20000, seed=1, thresholds={"int1": "sparse_top"})
    >>> round(float((df["int1"] == 5).mean()), 2)
    0.03
    """
    check(q, "q", "simulate_responses", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(n, "n", "simulate_responses", POSITIVE_INT)
    check(seed, "seed", "simulate_responses", NON_NEGATIVE_INT, None)
    for name, value in (("careless", careless), ("missing", missing)):
        check(value, name, "simulate_responses", Interval(float, 0, 1, closed="left"))
    sampler = _sampler(q, thresholds, "simulate_responses")  # draws nothing: same stream
    rng = np.random.default_rng(seed)

    frame = {"respondent_id": _respondent_ids(n)}
    codes, _, drawn = sampler.draw(n, rng)
    frame.update(sampler.demographic_values(codes))
    answers = {item.id: drawn[:, j] for j, item in enumerate(q.items)}
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


def latent_scores(q: Questionnaire, n: int = 500, seed: int | None = 1) -> pd.DataFrame:
    """The true latent construct scores behind ``simulate_responses(q, n, seed)``: the same people, same seed.

    Parameters
    ----------
    q : Questionnaire
        Must have a ``population`` block.
    n : int
        Number of respondents, as given to :func:`simulate_responses`.
    seed : int or None
        The seed given to :func:`simulate_responses`.

    Returns
    -------
    DataFrame
        Shape ``(n, constructs)``: standardized scores (population mean 0, variance 1, correlated as the
        population model says), indexed by ``respondent_id``, one column per construct.

    Raises
    ------
    ParameterError
        ``q`` is not a Questionnaire, or ``n`` or ``seed`` out of range.
    QuestionnaireError
        The questionnaire has no (valid) population block.

    Notes
    -----
    ``eta = chol(Phi) z`` per respondent, ``z`` the first standard normal draws of
    ``numpy.random.default_rng(seed)`` after the demographics and ``Phi`` the population model's latent
    correlation matrix (see :func:`simulate_responses`): exactly the scores its answers were drawn from.

    References
    ----------
    The population model is that of :func:`simulate_responses` (Muthén, 1984, there); checked by the
    correlation of a scale's mean with its true score (the example below) and as the truth the behaviour
    analyses recover (tests/test_behaviour.py).

    Examples
    --------
    >>> import numpy as np, stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> truth = sr.latent_scores(q, n=2000, seed=1)
    >>> df = sr.simulate_responses(q, n=2000, seed=1)
    >>> items = [i.id for i in q.items if i.construct == "stickiness"]
    >>> score = df[items].astype(float).mean(axis=1).to_numpy()
    >>> bool(np.corrcoef(score, truth["stickiness"])[0, 1] > 0.8)
    True
    """
    check(q, "q", "latent_scores", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(n, "n", "latent_scores", POSITIVE_INT)
    check(seed, "seed", "latent_scores", NON_NEGATIVE_INT, None)
    sampler = _sampler(q, None, None)  # the people only: no cut points are used
    _, latent = sampler.people(n, np.random.default_rng(seed))
    return pd.DataFrame(latent, columns=sampler.constructs,
                        index=pd.Index(_respondent_ids(n), name="respondent_id"))


def _respondent_ids(n: int) -> list[str]:
    return [f"R{i + 1:05d}" for i in range(n)]


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
