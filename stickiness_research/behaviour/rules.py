"""Mining the log for personalised service: content preferences and reading times by segment, and association
rules between content types and products (support, confidence, lift), for the strategy playbook.

Frequent itemsets and rules are ``mlxtend``'s (Apriori, Agrawal, Imielinski & Swami 1993; lift as Brin, Motwani,
Ullman & Tsur 1997); the contingency tests are scipy's (``chisq.test`` in R).

References
----------
Agrawal, R., Imielinski, T., & Swami, A. (1993). Mining association rules between sets of items in large
databases. *Proceedings of ACM SIGMOD*, 207-216.
Brin, S., Motwani, R., Ullman, J. D., & Tsur, S. (1997). Dynamic itemset counting and implication rules for market
basket data. *Proceedings of ACM SIGMOD*, 255-264.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import InstanceOf, Interval, Options, check
from ..errors import ResponseDataError
from .events import Events

_EVENTS = InstanceOf(Events, "Events (from sr.read_events)")
_SERIES = InstanceOf(pd.Series, "a Series of segments by respondent id")
#: Parts of the day a visit starts in (hours, local time).
DAYPARTS = {"morning (06-11)": (6, 11), "midday (11-14)": (11, 14), "afternoon (14-19)": (14, 19),
            "evening (19-23)": (19, 23), "night (23-06)": (23, 6)}


def content_preferences(events: Events, segments: pd.Series, *, event_type: str = "read") -> dict[str, pd.DataFrame]:
    r"""Which content each segment reads: shares by content type, and where a segment departs from the rest.

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events`.
    segments : Series
        Segment per survey respondent (index: survey ids; e.g. ``product_type``).
    event_type : {"read", "share", "click", "purchase"}
        The events counted (default ``read``).

    Returns
    -------
    dict
        ``shares``: each segment's events by content type (row shares of ``events``, the event counts);
        ``counts``: users by segment and favourite content type (the type a user has most of those events of,
        ties to the first by name), each user counted once; ``test`` (chi-square, df, p, Cramer's V, n users;
        as ``chisq.test(counts)`` in R) and ``residuals`` (its adjusted standardized residuals: above 2, a
        segment's users favour that type clearly more than others do). The test is on users, not events: one
        user's many reads are not independent observations.

    Raises
    ------
    ParameterError
        ``events`` is not Events, ``segments`` not a Series, or ``event_type`` not one of the four.
    ResponseDataError
        No counted event of a linked respondent carries a content type.

    Notes
    -----
    With :math:`O_{gc}` the users of segment :math:`g` whose favourite type is :math:`c`, :math:`E_{gc} =
    O_{g\cdot} O_{\cdot c} / N`, the test is Pearson's :math:`\chi^2 = \sum (O - E)^2 / E` on
    :math:`(G - 1)(C - 1)` df (no continuity correction), Cramer's :math:`V = \sqrt{\chi^2 / (N (\min(G, C) - 1))}`,
    and the adjusted residual :math:`(O - E) / \sqrt{E (1 - O_{g\cdot}/N)(1 - O_{\cdot c}/N)}`
    (:func:`independence_test`). Types no user favours are dropped from ``counts``.

    References
    ----------
    Agresti, A. (2013). *Categorical Data Analysis* (3rd ed.). Wiley (standardized residuals of a contingency table).
    R: ``chisq.test(counts, correct = FALSE)`` and its ``$stdres`` (the values
    tests/reference/behaviour_survival.R froze).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> product = df.set_index("respondent_id")["product_type"]
    >>> pref = sr.content_preferences(ev, product)
    >>> print(pref["counts"].to_string())  # doctest: +NORMALIZE_WHITESPACE
    content_type  customer_story  market_news  product_guide  promotion  topic_discussion
    segment
    banking                    0            2             11          1                 1
    credit                     3            1              3         28                 0
    fund                       4           27              2          0                 0
    insurance                 27            2              1          2                 2
    >>> pref["test"].round(3)
         chisq  df  pvalue  cramers_v  n_users
    0  192.366  12     0.0       0.74      117
    >>> pref["residuals"].idxmax(axis=1).to_dict()  # each segment's clearest preference
    {'banking': 'product_guide', 'credit': 'promotion', 'fund': 'market_news', 'insurance': 'customer_story'}

    In R: ``chisq.test(counts, correct = FALSE)`` gives the same statistic and ``$stdres`` the residuals.
    """
    check(events, "events", "content_preferences", _EVENTS)
    check(segments, "segments", "content_preferences", _SERIES)
    check(event_type, "event_type", "content_preferences", Options(("read", "share", "click", "purchase")))
    t = events.raw
    rows = t.filter((t.event_type == event_type) & t.content_type.notnull()).join(events.users_of(segments), "user_id")
    per_user = rows.group_by(["segment", "user_id", "content_type"]).aggregate(n=rows.count()).to_pandas()
    if per_user.empty:
        raise ResponseDataError(f"content_preferences: no {event_type} event with a content type from a survey "
                                "respondent; the log needs a content_type column and linked users.")
    by_events = per_user.pivot_table(index="segment", columns="content_type", values="n", aggfunc="sum",
                                     fill_value=0).sort_index()
    favourite = _top_per_user(per_user, "content_type")
    counts = pd.crosstab(favourite["segment"], favourite["content_type"]).reindex(
        index=by_events.index, columns=by_events.columns, fill_value=0)
    counts = counts.loc[:, counts.sum() > 0]
    test, residuals = independence_test(counts)
    test["n_users"] = int(counts.to_numpy().sum())
    return {"counts": counts, "shares": by_events.div(by_events.sum(1), axis=0), "events": by_events,
            "residuals": residuals, "test": test}


def independence_test(counts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pearson's chi-square test of independence of a contingency table, with adjusted standardized residuals.

    Parameters
    ----------
    counts : DataFrame
        Counts, rows x columns (at least 2 x 2 for Cramer's V).

    Returns
    -------
    (DataFrame, DataFrame)
        The test (``chisq``, ``df``, ``pvalue``, ``cramers_v``; no continuity correction) and the residuals
        (observed - expected) / sqrt(expected (1 - row share) (1 - column share)), as ``chisq.test(counts)$stdres``.

    Examples
    --------
    >>> import pandas as pd
    >>> from stickiness_research.behaviour.rules import independence_test
    >>> test, res = independence_test(pd.DataFrame([[30, 10], [10, 30]]))
    >>> round(float(test.loc[0, "chisq"]), 3), round(float(res.iloc[0, 0]), 3)  # R: chisq.test(m, correct = FALSE)
    (20.0, 4.472)
    """
    observed = counts.to_numpy(float)
    chi2, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    total = observed.sum()
    row, col = observed.sum(1, keepdims=True) / total, observed.sum(0, keepdims=True) / total
    residuals = (observed - expected) / np.sqrt(expected * (1 - row) * (1 - col))
    cramer = float(np.sqrt(chi2 / (total * (min(observed.shape) - 1)))) if min(observed.shape) > 1 else np.nan
    return (pd.DataFrame({"chisq": [float(chi2)], "df": [int(dof)], "pvalue": [float(p)], "cramers_v": [cramer]}),
            pd.DataFrame(residuals, index=counts.index, columns=counts.columns))


def reading_times(events: Events, segments: pd.Series) -> pd.DataFrame:
    """When each segment visits: share of sessions by part of day and weekday/weekend.

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events` (hours in its ``timezone``).
    segments : Series
        Segment per survey respondent (index: survey ids).

    Returns
    -------
    DataFrame
        Index segment; columns ``"weekday <daypart>"`` and ``"weekend <daypart>"`` with the share of the
        segment's ``open`` events, and ``peak`` (the most frequent combination) - the push time to try for that segment.
        Combinations no session of any segment falls in have no column.

    Raises
    ------
    ParameterError
        ``events`` is not Events or ``segments`` not a Series.
    ResponseDataError
        No ``open`` event of a survey respondent in the log.

    Notes
    -----
    Each ``open`` (one per session) counts once, at its local hour; parts of the day are :data:`DAYPARTS`
    (morning 06-11, midday 11-14, afternoon 14-19, evening 19-23, night 23-06, start hour inclusive);
    Saturday and Sunday are the weekend. A cell is (opens of the segment in it) / (opens of the segment):
    a share of sessions, so heavy users weigh more than light ones.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> product = df.set_index("respondent_id")["product_type"]
    >>> times = sr.reading_times(ev, product)
    >>> times[["weekday evening (19-23)", "weekday morning (06-11)"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
               weekday evening (19-23)  weekday morning (06-11)
    segment
    banking                       0.31                     0.17
    credit                        0.28                     0.20
    fund                          0.27                     0.16
    insurance                     0.49                     0.09
    >>> times.loc["insurance", "peak"]
    'weekday evening (19-23)'
    """
    check(events, "events", "reading_times", _EVENTS)
    check(segments, "segments", "reading_times", _SERIES)
    t = events.raw
    opens = t.filter(t.event_type == "open").join(events.users_of(segments), "user_id")
    opens = opens.mutate(hour=opens.timestamp.hour(), weekend=opens.timestamp.day_of_week.index() >= 5)
    counts = opens.group_by(["segment", "weekend", "hour"]).aggregate(n=opens.count()).to_pandas()
    if counts.empty:
        raise ResponseDataError("reading_times: no open event of a survey respondent in the log.")
    counts["daypart"] = [_daypart(h) for h in counts["hour"]]
    counts["days"] = np.where(counts["weekend"], "weekend", "weekday")
    table = counts.pivot_table(index="segment", columns=["days", "daypart"], values="n", aggfunc="sum",
                               fill_value=0)
    shares = table.div(table.sum(1), axis=0)
    shares.columns = [f"{days} {part}" for days, part in shares.columns]
    shares["peak"] = shares.idxmax(axis=1)
    return shares


def _daypart(hour: int) -> str:
    for name, (lo, hi) in DAYPARTS.items():
        if (lo <= hour < hi) if lo < hi else (hour >= lo or hour < hi):
            return name
    raise AssertionError(hour)  # the parts cover 0-23


def association_rules(events: Events, segments: pd.Series | None = None, *, min_support: float = 0.05,
                      min_confidence: float = 0.3, min_lift: float = 1.0) -> pd.DataFrame:
    """Association rules between users' product segment, favourite content, favourite visiting time and purchases.

    Each user is a basket of items: ``product=<segment>`` (the survey's product segment, when given),
    ``content=<type>`` (the content type the user reads most), ``time=<weekday|weekend> <daypart>`` (when the
    user opens the account most often) and ``bought=<product>`` (any purchase in the log). Rules X -> Y come
    with support (share of users with X and Y), confidence (P(Y | X)) and lift (confidence / P(Y)): lift above
    1 says X makes Y more likely than it is across users, e.g. ``product=insurance -> content=customer_story &
    time=weekday evening (19-23)``: stories for insurance users on weekday evenings.

    Parameters
    ----------
    events : Events
    segments : Series, optional
        Product segment per survey respondent (index: survey ids); users outside the survey get no product item.
    min_support, min_confidence : float
        Thresholds in (0, 1].
    min_lift : float
        Rules with lower lift are dropped (>= 0).

    Returns
    -------
    DataFrame
        ``antecedents``, ``consequents`` (items joined by " & "), ``support``, ``confidence``, ``lift``,
        ``users`` (baskets holding both sides), sorted by lift, then support.

    Raises
    ------
    ParameterError
        ``events`` is not Events, ``segments`` not a Series, or a threshold out of range.
    ResponseDataError
        The log has no reads with a content type (there is nothing to build baskets from).

    Notes
    -----
    Over the N baskets (users with a read of a known content type; a user's favourite content and time slot
    are the most frequent ones, ties broken by name): ``support(X -> Y) = |baskets holding X and Y| / N``,
    ``confidence = support(X and Y) / support(X)``, ``lift = confidence / support(Y)`` and
    ``users = support x N``. Frequent itemsets of up to three items are found by Apriori
    (``mlxtend.frequent_patterns.apriori``), rules by ``mlxtend``'s ``association_rules``; a rule is kept
    when its support, confidence and lift reach the thresholds.

    References
    ----------
    Agrawal, R., Imielinski, T., & Swami, A. (1993). Mining association rules between sets of items in large
    databases. *Proceedings of ACM SIGMOD*, 207-216.
    Brin, S., Motwani, R., Ullman, J. D., & Tsur, S. (1997). Dynamic itemset counting and implication rules for
    market basket data. *Proceedings of ACM SIGMOD*, 255-264.
    Computed with mlxtend; not compared with R's ``arules``.

    Examples
    --------
    >>> import stickiness_research as sr, tempfile, os
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=400, seed=1)
    >>> log = os.path.join(tempfile.mkdtemp(), "events.parquet")
    >>> sr.simulate_events(q, df, days=60, seed=1).to_parquet(log)
    >>> ev = sr.read_events(log, key=b"0123456789abcdef")
    >>> rules = sr.association_rules(ev, df.set_index("respondent_id")["product_type"], min_lift=1.5)
    >>> "content=customer_story" in set(rules.query("antecedents == 'product=insurance'")["consequents"])
    True
    """
    from mlxtend.frequent_patterns import apriori
    from mlxtend.frequent_patterns import association_rules as mine

    check(events, "events", "association_rules", _EVENTS)
    check(segments, "segments", "association_rules", _SERIES, None)
    for name, value in (("min_support", min_support), ("min_confidence", min_confidence)):
        check(value, name, "association_rules", Interval(float, 0, 1, closed="right"))
    check(min_lift, "min_lift", "association_rules", Interval(float, 0, None))
    t = events.raw
    reads = t.filter((t.event_type == "read") & t.content_type.notnull())
    favourite = _most_frequent(events.pseudonymous(reads.group_by(["user_id", "content_type"])
                                                   .aggregate(n=reads.count())).to_pandas(), "content_type", "content=")
    if favourite.empty:
        raise ResponseDataError("association_rules: no read with a content type in the log.")
    opens = t.filter(t.event_type == "open")
    opens = opens.mutate(hour=opens.timestamp.hour(), weekend=opens.timestamp.day_of_week.index() >= 5)
    times = events.pseudonymous(opens.group_by(["user_id", "weekend", "hour"]).aggregate(n=opens.count())).to_pandas()
    times["slot"] = np.where(times["weekend"], "weekend ", "weekday ") + [_daypart(h) for h in times["hour"]]
    peak = _most_frequent(times.groupby(["user_id", "slot"], as_index=False)["n"].sum(), "slot", "time=")
    purchases = t.filter((t.event_type == "purchase") & t.product.notnull())
    bought = events.pseudonymous(purchases.select("user_id", "product").distinct()).to_pandas()
    parts = [favourite, peak, pd.DataFrame({"user_id": bought["user_id"], "item": "bought=" + bought["product"]})]
    if segments is not None:
        segment = events.segment_of(segments)
        own = pd.DataFrame({"user_id": segment.index, "item": "product=" + segment.to_numpy()})
        parts.append(own[own["user_id"].isin(favourite["user_id"])])
    items = pd.concat(parts, ignore_index=True)
    baskets = pd.crosstab(items["user_id"], items["item"]).gt(0)
    columns = ["antecedents", "consequents", "support", "confidence", "lift", "users"]
    frequent = apriori(baskets, min_support=min_support, use_colnames=True, max_len=3)
    if frequent.empty or frequent["itemsets"].map(len).max() < 2:
        return pd.DataFrame(columns=columns)
    rules = mine(frequent, num_itemsets=len(baskets), metric="confidence", min_threshold=min_confidence)
    rules = rules[rules["lift"] >= min_lift]
    out = pd.DataFrame({
        "antecedents": [" & ".join(sorted(a)) for a in rules["antecedents"]],
        "consequents": [" & ".join(sorted(c)) for c in rules["consequents"]],
        "support": rules["support"].to_numpy(), "confidence": rules["confidence"].to_numpy(),
        "lift": rules["lift"].to_numpy(),
    })
    out["users"] = np.round(out["support"] * len(baskets)).astype(int)
    return out.sort_values(["lift", "support", "antecedents", "consequents"], ascending=[False, False, True, True],
                           kind="stable").reset_index(drop=True)[columns]


def _top_per_user(counts: pd.DataFrame, column: str) -> pd.DataFrame:
    """Each user's row with the largest ``n`` (ties: the first value of ``column`` by name)."""
    return counts.sort_values(["user_id", "n", column], ascending=[True, False, True], kind="stable") \
        .drop_duplicates("user_id")


def _most_frequent(counts: pd.DataFrame, column: str, prefix: str) -> pd.DataFrame:
    """Each user's most frequent value of ``column`` (ties: the first by name), as basket items."""
    if counts.empty:
        return pd.DataFrame(columns=["user_id", "item"])
    top = _top_per_user(counts, column)
    return pd.DataFrame({"user_id": top["user_id"].to_numpy(), "item": prefix + top[column].astype(str).to_numpy()})
