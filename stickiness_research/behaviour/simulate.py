"""Event logs simulated from the respondents' latent constructs: behaviour with a known truth.

Each respondent follows the account on a join day in the first third of the window and churns after an
exponential lifetime whose hazard falls with the driver construct (a proportional-hazards truth a Cox model
should recover); the day before leaving is a last visit, so time to last activity is the lifetime and the
inactivity rule of :func:`~stickiness_research.behaviour.metrics.user_metrics` only censors it. While following, they visit on a day with a probability that rises with the driver and on
push days (the lever: a push every ``push_every`` days); each visit is a session of an ``open`` and reads whose
content type follows the respondent's product segment, with reading completion (interaction), shares
(emotional attachment), clicks and purchases (trust) drawn from their own constructs. The magnitudes follow
the field's reports: reading completion around 70 %, share rates around 20-30 % of reads for stories.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import NON_NEGATIVE_INT, InstanceOf, Interval, Satisfies, check
from ..errors import ResponseDataError
from ..questionnaire import Questionnaire

CONTENT_TYPES = ("market_news", "customer_story", "product_guide", "topic_discussion", "promotion")
# Which content each product's users prefer (weights; unlisted segments read every type alike).
_PREFERENCES = {
    "insurance": {"customer_story": 3.0},
    "fund": {"market_news": 3.0}, "funds": {"market_news": 3.0}, "stock_trading": {"market_news": 3.0},
    "credit": {"promotion": 3.0}, "margin": {"promotion": 2.0},
    "banking": {"product_guide": 3.0},
}
_SEGMENT_COLUMN = "product_type"


def preferred_content(segment: str) -> str | None:
    """The content type :func:`simulate_events` makes a product segment prefer (None: it reads every type alike)."""
    weights = _PREFERENCES.get(str(segment))
    return max(weights, key=weights.get) if weights else None


@dataclass(frozen=True)
class BehaviourModel:
    r"""The true behaviour model :func:`simulate_events` draws from (what analyses of its logs should recover).

    Probabilities are on the logit scale per standard deviation of a construct; ``levers`` names the construct
    each behaviour follows (a construct the questionnaire lacks falls back to ``driver``).

    Parameters
    ----------
    driver : str
        The construct that drives visiting and churn (default ``"stickiness"``).
    visit_logit, visit_slope : float
        Logit of the daily visit probability at an average driver, and its change per SD of the driver.
    push_every : float
        Days between pushes (2.5: a push every two or three days).
    push_lift : float
        Added to the visit logit on a day a push arrives.
    churn_hazard : float
        Daily churn hazard at an average driver (0.012 per day: median lifetime ln 2 / 0.012 = 58 days).
    churn_log_hr : float
        Log hazard ratio of churn per SD of the driver (-0.6: hazard ratio 0.55).
    extra_sessions, reads_per_session : float
        Poisson means of the sessions beyond the first on an active day, and of the reads per session.
    completion_mean, completion_slope : float
        Mean reading completion at an average ``levers["completion"]`` construct, and its logit slope per SD.
    share_logit, share_slope, story_share_lift : float
        Logit of sharing a read, its slope per SD of ``levers["share"]``, and the lift for customer stories.
    click_probability : float
        Probability that a read is followed by a click.
    purchase_logit, purchase_slope : float
        Logit of a purchase after a click, and its slope per SD of ``levers["purchase"]``.
    evening_share, insurance_evening_share : float
        Share of visits starting 19:00-22:59, for every segment but insurance and for insurance.
    levers : dict
        Behaviour (``completion``, ``share``, ``purchase``) -> the construct it follows.

    Notes
    -----
    For user :math:`i` with standardized driver score :math:`z_i`, on day :math:`d` while following,

    .. math::

        \operatorname{logit} P(\mathrm{visit}_{id}) = a + b\, z_i + c\, \mathrm{push}_{id},
        \qquad h_i = h_0 \exp(\beta z_i),

    with :math:`a` = ``visit_logit``, :math:`b` = ``visit_slope``, :math:`c` = ``push_lift``, :math:`h_0` =
    ``churn_hazard`` and :math:`\beta` = ``churn_log_hr``; the lifetime is exponential with hazard :math:`h_i`
    (a proportional-hazards truth: :func:`~stickiness_research.churn_cox` of the log should find a hazard ratio
    near :math:`e^\beta` per SD of the driver, attenuated when observed scale scores stand in for the latent
    ones).

    References
    ----------
    Cox (1972): the full entry is under :func:`~stickiness_research.churn_cox`.
    The truth is checked by recovery: the Cox model of a simulated log finds a hazard ratio near
    ``exp(churn_log_hr)`` and visits rise with the driver and with pushes (tests/test_behaviour.py).

    Examples
    --------
    >>> import math
    >>> import stickiness_research as sr
    >>> truth = sr.BehaviourModel()
    >>> round(math.exp(truth.churn_log_hr), 3), round(math.log(2) / truth.churn_hazard, 1)  # true HR, median days
    (0.549, 57.8)

    Pushing once a week instead of every 2.5 days: fewer pushes, fewer visits.

    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> often = sr.simulate_events(q, df, days=60, seed=1)
    >>> weekly = sr.simulate_events(q, df, days=60, seed=1, model=sr.BehaviourModel(push_every=7.0))
    >>> [int((log["event_type"] == kind).sum()) for log in (often, weekly) for kind in ("push", "open")]
    [2401, 2169, 861, 1902]
    """

    driver: str = "stickiness"
    visit_logit: float = -1.2  # daily visit probability 23 % at an average driver on a day without a push
    visit_slope: float = 0.8
    push_every: float = 2.5  # days between pushes: the lever studies of official accounts tune (every 2-3 days)
    push_lift: float = 0.9
    churn_hazard: float = 0.012  # per day at an average driver: median lifetime about 58 days
    churn_log_hr: float = -0.6  # log hazard ratio of churn per SD of the driver: HR 0.55
    extra_sessions: float = 0.35  # Poisson mean of sessions beyond the first on an active day
    reads_per_session: float = 1.3
    completion_mean: float = 0.72
    completion_slope: float = 0.35
    share_logit: float = -1.6
    share_slope: float = 0.5
    story_share_lift: float = 0.6  # customer stories are shared more
    click_probability: float = 0.15
    purchase_logit: float = -1.5
    purchase_slope: float = 0.5
    evening_share: float = 0.4  # share of visits 19:00-22:59; insurance users (stories) read more in the evening
    insurance_evening_share: float = 0.65
    levers: dict[str, str] = field(default_factory=lambda: {
        "completion": "interaction", "share": "emotional_attachment", "purchase": "trust"})


def simulate_events(q: Questionnaire, responses: pd.DataFrame, *, days: int = 90, seed: int | None = 1,
                    scores: pd.DataFrame | None = None, model: BehaviourModel | None = None,
                    start: str = "2026-01-01") -> pd.DataFrame:
    """Simulate each respondent's app / official-account event log from their constructs.

    Parameters
    ----------
    q : Questionnaire
        The questionnaire the respondents answered (its constructs name the levers).
    responses : DataFrame
        One row per respondent with ``respondent_id`` (becomes ``user_id``, as a platform log would hold it)
        and, when present, ``product_type`` (the segment whose content preferences apply).
    days : int
        Length of the observation window in days (>= 7).
    seed : int or None
        Seed (>= 0) of ``numpy.random.default_rng``; same inputs and seed, same log.
    scores : DataFrame, optional
        Construct scores per respondent (index ``respondent_id`` or aligned with ``responses``), standardized;
        pass :func:`stickiness_research.latent_scores` of the simulation for the true latent scores. Default:
        the respondents' standardized scale means (observed scores, measurement error included).
    model : BehaviourModel, optional
        The behaviour truth; default :class:`BehaviourModel`.
    start : str
        The window's first day (ISO date).

    Returns
    -------
    DataFrame
        One row per event, sorted by user and time: ``user_id``, ``timestamp``, ``event_type`` (push, open,
        read, share, click, purchase), ``session_id`` (int; null for pushes), ``content_type``, ``completion``
        (reads), ``product`` (purchases). Write it with ``to_parquet`` or ``to_csv`` and read it back with
        :func:`stickiness_research.read_events`.

    Raises
    ------
    ParameterError
        ``days``, ``seed`` or ``model`` invalid.
    ResponseDataError
        ``responses`` has no ``respondent_id``, or ``scores`` lacks the model's driver construct or some
        respondent.

    Notes
    -----
    Per user, with standardized scores ``z`` (the driver's and each lever's) and the parameters of
    ``model``: a join day uniform over the window's first third; a lifetime ``ceil(Exp(h))`` with
    ``h = churn_hazard x exp(churn_log_hr x z_driver)``, with a last visit on the day before leaving; a push
    every ``push_every`` days from a random offset; a visit on each following day with probability
    ``logistic(visit_logit + visit_slope x z_driver + push_lift x push)``. Each visit is ``1 + Poisson(
    extra_sessions)`` sessions (an ``open`` each, in the evening with probability ``evening_share``, or
    ``insurance_evening_share`` for insurance users), each with ``Poisson(reads_per_session)`` reads whose
    content type follows the segment's preferences; a read's completion is Beta with mean
    ``logistic(logit(completion_mean) + completion_slope x z_completion)`` and precision 8, it is shared with
    probability ``logistic(share_logit + share_slope x z_share + story_share_lift x story)``, clicked with
    ``click_probability``, and a click ends in a purchase with probability
    ``logistic(purchase_logit + purchase_slope x z_purchase)`` (``z_completion`` and the others: the scores
    of the constructs ``model.levers`` names).

    References
    ----------
    Cox (1972), for the proportional-hazards churn: the full entry is under
    :func:`~stickiness_research.churn_cox`. Checked by recovery, not against an R simulator
    (tests/test_behaviour.py).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=300, seed=1)
    >>> log = sr.simulate_events(q, df, days=60, seed=1, scores=sr.latent_scores(q, n=300, seed=1))
    >>> sorted(log["event_type"].unique())
    ['click', 'open', 'purchase', 'push', 'read', 'share']
    >>> log.equals(sr.simulate_events(q, df, days=60, seed=1, scores=sr.latent_scores(q, n=300, seed=1)))
    True
    """
    check(q, "q", "simulate_events", InstanceOf(Questionnaire, "a Questionnaire (from sr.load_questionnaire)"))
    check(responses, "responses", "simulate_events", InstanceOf(pd.DataFrame, "a DataFrame of responses"))
    check(days, "days", "simulate_events", Interval(int, 7, 3660))
    check(seed, "seed", "simulate_events", NON_NEGATIVE_INT, None)
    model = model if model is not None else BehaviourModel()
    check(model, "model", "simulate_events", InstanceOf(BehaviourModel, "a BehaviourModel"))
    check(start, "start", "simulate_events", Satisfies(lambda v: isinstance(v, str) and pd.Timestamp(v) is not pd.NaT,
                                                       "a date as 'YYYY-MM-DD'"))
    if "respondent_id" not in responses.columns:
        raise ResponseDataError("simulate_events: responses have no respondent_id column; pass the data of "
                                "sr.simulate_responses or sr.read_responses(...).data.")
    z = _standardized_scores(q, responses, scores, model)
    segments = (responses[_SEGMENT_COLUMN].astype(str).to_numpy() if _SEGMENT_COLUMN in responses.columns
                else np.full(len(responses), ""))
    rng = np.random.default_rng(seed)
    frame = generate(z, segments, days, model, rng, pd.Timestamp(start))
    frame.insert(0, "user_id", responses["respondent_id"].astype(str).to_numpy()[frame.pop("user")])
    return frame.sort_values(["user_id", "timestamp", "order"], kind="stable").drop(columns="order") \
        .reset_index(drop=True)


def _standardized_scores(q: Questionnaire, responses: pd.DataFrame, scores: pd.DataFrame | None,
                         model: BehaviourModel) -> dict[str, np.ndarray]:
    constructs = [c.id for c in q.constructs]
    if scores is None:
        from ..responses.scoring import reverse_code, scale_scores

        scores = scale_scores(reverse_code(responses, q), q)
        scores = (scores - scores.mean()) / scores.std()
    elif "respondent_id" in responses.columns and scores.index.name == "respondent_id":
        missing = set(responses["respondent_id"]) - set(scores.index)
        if missing:
            raise ResponseDataError(f"simulate_events: scores have no row for respondent {sorted(missing)[0]!r}; "
                                    "give scores for every respondent (sr.latent_scores(q, n, seed)).")
        scores = scores.loc[responses["respondent_id"]]
    if model.driver not in scores.columns:
        raise ResponseDataError(f"simulate_events: scores have no column {model.driver!r} (the model's driver); "
                                f"the constructs are {constructs}; set BehaviourModel(driver=...).")
    out = {"driver": scores[model.driver].to_numpy(float)}
    for behaviour, construct in model.levers.items():
        out[behaviour] = scores[construct if construct in scores.columns else model.driver].to_numpy(float)
    return {k: np.nan_to_num(v) for k, v in out.items()}  # an unscored respondent behaves as the average one


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def generate(z: dict[str, np.ndarray], segments: np.ndarray, days: int, model: BehaviourModel,
             rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
    """Events of users with scores ``z`` (arrays by lever) and segments, vectorised over users and days.

    Returns the events with ``user`` (the row of ``z``) instead of ids and an ``order`` column keeping an open
    before the reads of its session at equal timestamps. Used by :func:`simulate_events` and, chunk by chunk,
    by the scale benchmark.
    """
    n = len(z["driver"])
    drv = z["driver"]
    join = rng.integers(0, max(days // 3, 1), n)
    hazard = model.churn_hazard * np.exp(model.churn_log_hr * drv)
    leave = join + np.ceil(rng.exponential(1.0 / hazard)).astype(np.int64)
    day = np.arange(days)
    following = (day >= join[:, None])
    alive = following & (day < leave[:, None])
    offset = rng.uniform(0, model.push_every, n)
    pushed = np.zeros((n, days), dtype=bool)
    for k in range(int(days / model.push_every) + 2):
        d = np.floor(offset + k * model.push_every).astype(np.int64)
        ok = d < days
        pushed[np.flatnonzero(ok), d[ok]] = True
    pushed &= following
    logit = model.visit_logit + model.visit_slope * drv[:, None] + model.push_lift * pushed
    visit = alive & (rng.random((n, days)) < _sigmoid(logit))
    # a user leaves after a last visit: time to last activity is then the lifetime (inactivity only censors it)
    gone = np.flatnonzero(leave <= days)
    visit[gone, leave[gone] - 1] = True

    seg_codes, seg_names = pd.factorize(pd.Series(segments), sort=True)
    evening = np.array([model.insurance_evening_share if s == "insurance" else model.evening_share
                        for s in seg_names])
    prefs = np.ones((len(seg_names), len(CONTENT_TYPES)))
    for g, name in enumerate(seg_names):
        for content, weight in _PREFERENCES.get(name, {}).items():
            prefs[g, CONTENT_TYPES.index(content)] = weight
    cum = np.cumsum(prefs / prefs.sum(1, keepdims=True), axis=1)

    # sessions: one per active day plus a Poisson number more
    vu, vd = np.nonzero(visit)
    per_day = 1 + rng.poisson(model.extra_sessions, len(vu))
    su, sd = np.repeat(vu, per_day), np.repeat(vd, per_day)
    n_sessions = len(su)
    is_evening = rng.random(n_sessions) < evening[seg_codes[su]]
    hour = np.where(is_evening, rng.integers(19, 23, n_sessions),
                    rng.choice(np.array([7, 8, 9, 12, 13, 15, 17]), n_sessions))
    s_time = sd * 1440 + hour * 60 + rng.integers(0, 50, n_sessions)  # minutes from the start
    session_id = np.arange(n_sessions, dtype=np.int64) + 1

    reads = rng.poisson(model.reads_per_session, n_sessions)
    r_sess = np.repeat(np.arange(n_sessions), reads)
    ru = su[r_sess]
    within = np.arange(len(r_sess)) - np.repeat(np.cumsum(reads) - reads, reads)
    r_time = s_time[r_sess] + 1 + 3 * within
    content = (rng.random(len(ru))[:, None] > cum[seg_codes[ru]]).sum(1)
    mean = _sigmoid(np.log(model.completion_mean / (1 - model.completion_mean))
                    + model.completion_slope * z["completion"][ru])
    completion = rng.beta(mean * 8.0, (1 - mean) * 8.0)
    story = content == CONTENT_TYPES.index("customer_story")
    shared = rng.random(len(ru)) < _sigmoid(model.share_logit + model.share_slope * z["share"][ru]
                                           + model.story_share_lift * story)
    clicked = rng.random(len(ru)) < model.click_probability
    bought = clicked & (rng.random(len(ru)) < _sigmoid(model.purchase_logit + model.purchase_slope
                                                       * z["purchase"][ru]))
    pu, pd_ = np.nonzero(pushed)
    push_content = rng.integers(0, len(CONTENT_TYPES), len(pu))

    kinds = ("push", "open", "read", "share", "click", "purchase")
    parts = [  # (users, minutes, kind, session, content, completion)
        (pu, pd_ * 1440 + 7 * 60, 0, None, push_content, None),  # pushes go out at 07:00
        (su, s_time, 1, session_id, None, None),
        (ru, r_time, 2, session_id[r_sess], content, completion),
        (ru[shared], r_time[shared] + 1, 3, session_id[r_sess][shared], content[shared], None),
        (ru[clicked], r_time[clicked] + 2, 4, session_id[r_sess][clicked], content[clicked], None),
        (ru[bought], r_time[bought] + 2, 5, session_id[r_sess][bought], content[bought], None),
    ]
    users = np.concatenate([p[0] for p in parts])
    minutes = np.concatenate([p[1] for p in parts]).astype(np.int64)
    kind = np.concatenate([np.full(len(p[0]), p[2], dtype=np.int8) for p in parts])
    sessions = np.concatenate([np.full(len(p[0]), -1) if p[3] is None else p[3] for p in parts])
    contents = np.concatenate([np.full(len(p[0]), -1) if p[4] is None else p[4] for p in parts])
    completions = np.concatenate([np.full(len(p[0]), np.nan) if p[5] is None else p[5] for p in parts])
    segment_of_user = np.asarray(seg_names, dtype=object)[seg_codes]
    product = np.where(kind == 5, segment_of_user[users], None)
    return pd.DataFrame({
        "user": users,
        "timestamp": start + pd.to_timedelta(minutes, unit="min"),
        "event_type": pd.Categorical.from_codes(kind, categories=list(kinds)).astype(str),
        "session_id": pd.Series(sessions).astype("Int64").mask(sessions < 0),
        "content_type": np.where(contents < 0, None, np.asarray(CONTENT_TYPES, dtype=object)[contents]),
        "completion": np.round(completions, 3),
        "product": product,
        "order": kind,
    })
