"""Behavioural stickiness: per-user and per-segment metrics, DAU/MAU, day-N and cohort retention, churn.

One Ibis query over :class:`~stickiness_research.behaviour.events.Events` (DuckDB by default, Spark or any Ibis
backend otherwise) aggregates the log per user, with the days of activity, pushes and opens as bitmasks; only
that table, one row per user, comes back, and the day-level metrics (active days, retention, DAU/MAU, cohorts)
follow from the bitmasks in numpy (see ``_day_masks`` for why).

Definitions (``push`` events are sent by the enterprise and never count as activity; days are calendar days in
the log's local time; the window ends on ``events.end``):

- *first_day*: the user's first event of any kind (following starts); *first_active_day*, *last_active_day*:
  first and last day with activity.
- *active_days*: distinct days with activity; *active_share*: active_days / observed_days, where
  *observed_days* = end - first_day + 1; *visits_per_week*: 7 x active_share (frequency, as in the
  recency-frequency description of non-contractual customers, Fader, Hardie & Lee 2005).
- *recency_days*: end - last_active_day (Fader, Hardie & Lee 2005).
- *sessions*: distinct session ids; *reads*, *shares*, *clicks*, *purchases*: counts of those events;
  *read_completion*: mean share of an article read; *share_rate*: shares / reads; *converted*: any purchase;
  *push_open_rate*: share of the days a push arrived on which the user opened the account.
- *retained_d1/d7/d30*: active on day 1, 7, 30 after the first active day ("classic" N-day retention); missing
  when that day lies after the window's end.
- *churned*: no activity in the last ``churn_after`` days of the window (the inactivity rule of
  non-contractual settings, where nobody cancels); *lifetime_days*: days from first_day to the last active day
  (churned) or to the window's end (still active: right-censored), the duration for survival analysis.
- *DAU/MAU* ("stickiness ratio"): the mean number of distinct active users per day over the last ``window`` days,
  divided by the distinct active users of those days.
- *Cohort retention*: users by the week (or month) of their first active day; the share of each cohort active in
  each following week.

References
----------
Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for customer base
analysis. *Journal of Marketing Research*, 42(4), 415-430.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import InstanceOf, Interval, Options, check
from ..errors import ResponseDataError
from .events import Events

RETENTION_DAYS = (1, 7, 30)
_EVENTS = InstanceOf(Events, "Events (from sr.read_events)")


_BITS = 63  # days per bitmask word: int64 without its sign bit
_BLOCK = 100_000  # users per block when day masks are expanded to a users x days matrix


def _popcount(words: np.ndarray) -> np.ndarray:
    """Set bits per int64 word (numpy >= 2 has it built in)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(words).astype(np.int64)
    as_bytes = words.astype("<i8").view(np.uint8).reshape(*words.shape, 8)
    return np.unpackbits(as_bytes, axis=-1).sum(axis=(-1)).astype(np.int64)


def _day_masks(events: Events) -> pd.DataFrame:
    """One pass over the log: per user (pseudonym), the days with activity, pushes and opens as bitmasks, and
    the counts and firsts the metrics need.

    Grouping events by (user, day) would build one group per active user-day (tens of millions for 100 M
    events); a bit per day OR-ed into a few int64 words per user keeps it one group per user, about ten times
    faster in DuckDB, and every day-level metric (active days, retention, DAU/MAU, cohorts) follows in numpy.
    """
    cached = events.cache.get("day_masks")
    if cached is not None:
        return cached
    import ibis

    r = events.raw
    r = r.mutate(d=r.day.delta(ibis.date(events.start), unit="day"))
    days = (events.end - events.start).days + 1
    act, kind = r.event_type != "push", r.event_type
    bit = ibis.literal(1).cast("int64") << (r.d % _BITS)
    aggregates = {
        "first": r.d.min(), "first_active": r.d.min(where=act), "last_active": r.d.max(where=act),
        "events": act.sum(), "pushes": (kind == "push").sum(), "reads": (kind == "read").sum(),
        "shares": (kind == "share").sum(), "clicks": (kind == "click").sum(),
        "purchases": (kind == "purchase").sum(), "read_completion": r.completion.mean(where=kind == "read")}
    n_words = -(-days // _BITS)
    if events.provenance["engine"] == "duckdb":
        for k in range(n_words):
            word = r.d.between(k * _BITS, (k + 1) * _BITS - 1)
            aggregates |= {f"a{k}": bit.bit_or(where=act & word),
                           f"p{k}": bit.bit_or(where=(kind == "push") & word),
                           f"o{k}": bit.bit_or(where=(kind == "open") & word)}
        per_user = r.group_by("user_id").aggregate(**aggregates)
    else:  # backends without BIT_OR (Spark through Ibis): the distinct days' bits summed, the same words
        days_of = r.group_by(["user_id", "d"]).aggregate(a=act.any(), p=(kind == "push").any(),
                                                         o=(kind == "open").any())
        value = (ibis.literal(2).cast("int64") ** (days_of.d % _BITS)).cast("int64")
        words = days_of.group_by("user_id").aggregate(**{
            f"{flag}{k}": value.sum(where=days_of[flag] & days_of.d.between(k * _BITS, (k + 1) * _BITS - 1))
            for k in range(n_words) for flag in "apo"})
        per_user = r.group_by("user_id").aggregate(**aggregates).join(words, "user_id")
    visits = r.filter(r.session_id.notnull()).select("user_id", "session_id").distinct()
    sessions = visits.group_by("user_id").aggregate(sessions=visits.count())
    joined = per_user.left_join(sessions, "user_id")
    table = joined.select(*per_user.columns, sessions=joined.sessions.fill_null(0))
    out = events.pseudonymous(table).to_pandas().set_index("user_id").sort_index()
    words = [c for c in out.columns if c[0] in "apo" and c[1:].isdigit()]
    out[words] = out[words].fillna(0).astype(np.int64)
    events.cache["day_masks"] = out
    return out


def _words(masks: pd.DataFrame, kind: str) -> np.ndarray:
    return masks[[c for c in masks.columns if c[0] == kind and c[1:].isdigit()]].to_numpy(np.int64)


def _day_matrix(words: np.ndarray, days: int) -> np.ndarray:
    """Bitmask words (users x words) as a boolean users x days matrix."""
    shifts = np.arange(_BITS, dtype=np.int64)
    bits = ((words[:, :, None] >> shifts) & 1).astype(bool).reshape(len(words), -1)
    return bits[:, :days]


def _bit(words: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each user's bit for ``day`` (one day per user; -1 or past the words: False) is set."""
    ok = (day >= 0) & (day < words.shape[1] * _BITS)
    safe = np.where(ok, day, 0)
    word = words[np.arange(len(words)), safe // _BITS]
    return ok & (((word >> (safe % _BITS)) & 1) == 1)


def user_metrics(events: Events, *, churn_after: int = 14) -> pd.DataFrame:
    """Behavioural stickiness of every user in the log, one row each (definitions in the module docstring).

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events`.
    churn_after : int
        Days without activity at the end of the window after which a user counts as churned (>= 1).

    Returns
    -------
    DataFrame
        Index ``user_id`` (pseudonyms), columns ``first_day`` ... ``churned`` as defined above; counts are ints,
        rates floats (missing where undefined: no reads, no pushes, a retention day after the window).

    Raises
    ------
    ParameterError
        ``events`` is not Events or ``churn_after`` is out of range.

    Notes
    -----
    Days count from the window's first day; ``end`` is its last, ``first`` the user's first event,
    ``first_active`` and ``last_active`` the first and last day with an event other than a push:

    - ``observed_days = end - first + 1``; ``active_share = active_days / observed_days``;
      ``visits_per_week = 7 x active_share``; ``recency_days = end - last_active``
    - ``share_rate = shares / reads`` (missing without reads); ``read_completion`` the mean completion of
      the reads; ``push_open_rate`` = (days with a push and an open) / (days with a push)
    - ``retained_dN``: active on day ``first_active + N`` (missing when that day is after ``end``)
    - ``churned``: ``end - last_active >= churn_after`` (a user never active counts as churned);
      ``lifetime_days = last_active - first + 1`` if churned, else ``end - first + 1`` (right-censored),
      at least 1.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for customer base
    analysis. *Journal of Marketing Research*, 42(4), 415-430.
    No R counterpart: checked against the definitions computed by hand on a small log (tests/test_behaviour.py);
    the analyses of its output (:func:`~stickiness_research.criterion_validity`,
    :func:`~stickiness_research.churn_cox`, :func:`~stickiness_research.churn_survival`) are checked against R.

    Examples
    --------
    >>> import stickiness_research as sr, tempfile, os
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=100, seed=1)
    >>> log = os.path.join(tempfile.mkdtemp(), "events.parquet")
    >>> sr.simulate_events(q, df, days=60, seed=1).to_parquet(log)
    >>> m = sr.user_metrics(sr.read_events(log, key=b"0123456789abcdef"))
    >>> m.shape[0], bool((m["active_days"] <= m["observed_days"]).all())
    (100, True)
    """
    check(events, "events", "user_metrics", _EVENTS)
    check(churn_after, "churn_after", "user_metrics", Interval(int, 1, None))
    masks = _day_masks(events)
    end = (events.end - events.start).days  # the window's last day, counted from its first (day 0)
    active, pushed, opened = _words(masks, "a"), _words(masks, "p"), _words(masks, "o")
    start = pd.Timestamp(events.start)
    first, first_active, last_active = (masks[c].astype(float) for c in ("first", "first_active", "last_active"))
    out = pd.DataFrame(index=masks.index)
    out["first_day"] = start + pd.to_timedelta(first, unit="D")
    out["first_active_day"] = start + pd.to_timedelta(first_active, unit="D")
    out["last_active_day"] = start + pd.to_timedelta(last_active, unit="D")
    out["observed_days"] = (end - first + 1).astype("int64")
    out["active_days"] = _popcount(active).sum(1)
    out["active_share"] = out["active_days"] / out["observed_days"]
    out["visits_per_week"] = 7 * out["active_share"]
    out["recency_days"] = (end - last_active).astype("Float64")
    counts = ["sessions", "events", "reads", "shares", "clicks", "purchases", "pushes"]
    masks_counts = masks[counts].fillna(0).astype("int64")
    for column in ("sessions", "events", "reads"):
        out[column] = masks_counts[column]
    out["read_completion"] = masks["read_completion"].astype(float)
    out["shares"] = masks_counts["shares"]
    out["share_rate"] = (masks_counts["shares"] / masks_counts["reads"].where(masks_counts["reads"] > 0)).astype(float)
    out["clicks"], out["purchases"] = masks_counts["clicks"], masks_counts["purchases"]
    out["converted"] = masks_counts["purchases"] > 0
    out["pushes"] = masks_counts["pushes"]
    push_days = _popcount(pushed).sum(1)
    out["push_open_rate"] = np.where(push_days > 0, _popcount(pushed & opened).sum(1) / np.maximum(push_days, 1),
                                     np.nan)
    known = first_active.notna().to_numpy()
    anchor = np.where(known, first_active.fillna(0).to_numpy(), 0).astype(np.int64)
    for n in RETENTION_DAYS:
        seen = known & (anchor + n <= end)
        flag = pd.array(_bit(active, np.where(seen, anchor + n, -1)), dtype="boolean")
        flag[~seen] = pd.NA
        out[f"retained_d{n}"] = flag
    last = last_active.fillna(first - 1)  # never active: churned from the start
    out["churned"] = (end - last) >= churn_after
    out["lifetime_days"] = np.where(out["churned"], last - first + 1, end - first + 1).astype("int64")
    out["lifetime_days"] = out["lifetime_days"].clip(lower=1)  # a duration is at least the first day
    return out


def dau_mau(events: Events, *, window: int = 30, segments: pd.Series | None = None) -> pd.DataFrame:
    r"""DAU/MAU over the last ``window`` days of the log, overall and per segment.

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events`.
    window : int
        Days (>= 2) ending on ``events.end``; 30 gives the usual monthly ratio. A window longer than the log
        is cut to the log (``days`` says how many were used).
    segments : Series, optional
        Segment per user (index: survey ids or pseudonyms, as :meth:`Events.pseudonyms` maps them); users
        without a segment count only in the overall row.

    Returns
    -------
    DataFrame
        Rows ``all`` and one per segment; columns ``dau`` (mean distinct active users per day), ``mau``
        (distinct active users in the window), ``dau_mau``, ``days``.

    Raises
    ------
    ParameterError
        ``events`` is not Events or ``window`` is out of range.

    Notes
    -----
    With :math:`A_d` the users active (any event but a push) on day :math:`d` of the last :math:`W` days,

    .. math::

        \mathrm{DAU} = \frac{1}{W}\sum_d |A_d|, \qquad \mathrm{MAU} = \Big|\bigcup_d A_d\Big|, \qquad
        \mathrm{DAU/MAU} = \mathrm{DAU} / \mathrm{MAU},

    the share of a month's users active on an average day (1/30 when each visits once, 1 when all visit
    daily). Missing when no user was active in the window.

    References
    ----------
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value curves for customer base
    analysis. *Journal of Marketing Research*, 42(4), 415-430 (frequency and recency of non-contractual
    customers; DAU/MAU is the industry's daily-frequency form of it).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> ratio = sr.dau_mau(ev, segments=df.set_index("respondent_id")["product_type"])
    >>> ratio.round(3)
                  dau  mau  dau_mau  days
    all        28.467   90    0.316    30
    banking     2.700   10    0.270    30
    credit      8.100   29    0.279    30
    fund        8.133   26    0.313    30
    insurance   9.533   25    0.381    30
    """
    check(events, "events", "dau_mau", _EVENTS)
    check(window, "window", "dau_mau", Interval(int, 2, None))
    masks = _day_masks(events)
    total = (events.end - events.start).days + 1
    days = min(window, total)
    groups = {"all": np.ones(len(masks), dtype=bool)}
    if segments is not None:
        segment = events.segment_of(segments)
        of_user = segment.reindex(masks.index).to_numpy()
        groups |= {name: of_user == name for name in sorted(segment.dropna().unique())}
    words = _words(masks, "a")
    user_days = np.zeros(len(groups))
    users = np.zeros(len(groups))
    for lo in range(0, len(masks), _BLOCK):  # a block of users at a time: memory stays bounded
        recent = _day_matrix(words[lo:lo + _BLOCK], total)[:, total - days:]
        per_user_days, any_day = recent.sum(1), recent.any(1)
        for g, member in enumerate(groups.values()):
            part = member[lo:lo + _BLOCK]
            user_days[g] += per_user_days[part].sum()
            users[g] += any_day[part].sum()
    out = pd.DataFrame({"dau": user_days / days, "mau": users.astype(int)}, index=list(groups))
    out["dau_mau"] = np.where(out["mau"] > 0, out["dau"] / out["mau"].where(out["mau"] > 0), np.nan)
    out["days"] = days
    return out


def cohort_retention(events: Events, *, period: str = "week") -> pd.DataFrame:
    r"""Cohort retention: users by the week (or month) of their first active day, share active in later periods.

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events`.
    period : {"week", "month"}
        Cohorts and columns by 7-day weeks counted from the window's start, or by calendar month.

    Returns
    -------
    DataFrame
        Index ``cohort`` (the period's first day), column ``users`` (cohort size) and columns ``0, 1, 2, ...``
        (periods since joining: share of the cohort active in that period; column 0 is 1 by definition;
        missing where the period lies beyond the window).

    Raises
    ------
    ParameterError
        ``period`` is not "week" or "month".
    ResponseDataError
        The log has no activity (only pushes) in its window.

    Notes
    -----
    With :math:`C_c` the users whose first active period is :math:`c` and :math:`A_p` the users active in
    period :math:`p`, the cell for cohort :math:`c` and :math:`k` periods later is
    :math:`|C_c \cap A_{c+k}| / |C_c|` (as classic N-day retention: active in that period, not necessarily
    in every period between). Pushes are not activity.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> sr.cohort_retention(ev).iloc[:, :5].round(2)  # doctest: +NORMALIZE_WHITESPACE
                users    0     1     2     3
    cohort
    2026-01-01     23  1.0  0.91  0.91  0.83
    2026-01-08     43  1.0  0.79  0.70  0.65
    2026-01-15     40  1.0  0.82  0.72  0.65
    2026-01-22     13  1.0  0.46  0.69  0.54
    2026-01-29      1  1.0  0.00  1.00  0.00
    """
    check(events, "events", "cohort_retention", _EVENTS)
    check(period, "period", "cohort_retention", Options(("week", "month")))
    masks = _day_masks(events)
    total = (events.end - events.start).days + 1
    dates = pd.date_range(events.start, periods=total, freq="D")
    if period == "week":
        of_day = np.arange(total) // 7
        labels = [(pd.Timestamp(events.start) + pd.Timedelta(days=7 * p)).date() for p in range(of_day[-1] + 1)]
    else:
        month = dates.year * 12 + dates.month - 1
        of_day = (month - month[0]).to_numpy()
        labels = [pd.Timestamp(year=int(m) // 12, month=int(m) % 12 + 1, day=1).date() for m in np.unique(month)]
    n_periods = int(of_day[-1]) + 1
    words = _words(masks, "a")
    counts = np.zeros((n_periods, n_periods), dtype=np.int64)  # cohort x periods since
    for lo in range(0, len(masks), _BLOCK):
        matrix = _day_matrix(words[lo:lo + _BLOCK], total)
        by_period = np.zeros((len(matrix), n_periods), dtype=bool)
        for p in range(n_periods):
            by_period[:, p] = matrix[:, of_day == p].any(1)
        has = by_period.any(1)
        cohort = np.where(has, by_period.argmax(1), -1)
        for c in np.unique(cohort[has]):
            members = by_period[cohort == c]
            counts[c, :n_periods - c] += members[:, c:].sum(0)
    present = counts[:, 0] > 0
    if not present.any():
        raise ResponseDataError("cohort_retention: the log has no activity (only pushes) in its window.")
    shares = counts / np.maximum(counts[:, :1], 1)
    for c in range(n_periods):  # periods after the window's end are unknown, not zero
        shares[c, n_periods - c:] = np.nan
    out = pd.DataFrame(shares[present], index=pd.Index([labels[c] for c in np.flatnonzero(present)], name="cohort"),
                       columns=list(range(n_periods)))
    out.insert(0, "users", counts[present, 0])
    return out


def segment_metrics(metrics: pd.DataFrame, segments: pd.Series, events: Events) -> pd.DataFrame:
    r"""Per-segment means of :func:`user_metrics` (rates averaged over users; ``users`` counts them).

    Parameters
    ----------
    metrics : DataFrame
        From :func:`user_metrics`.
    segments : Series
        Segment per survey respondent (index: survey ids, mapped to the log's pseudonyms by ``events``).
    events : Events
        The log the metrics came from (its key maps survey ids to pseudonyms).

    Returns
    -------
    DataFrame
        One row per segment: ``users`` and the mean of the numeric metrics (shares for the boolean ones).

    Raises
    ------
    ParameterError
        ``metrics`` is not a DataFrame, ``segments`` not a Series or ``events`` not Events.
    ResponseDataError
        No respondent of ``segments`` appears in the log.

    Notes
    -----
    For segment :math:`g` with linked users :math:`U_g`, each column is :math:`\frac{1}{|U_g|}\sum_{i \in U_g}
    m_i` over the users where :math:`m_i` is defined (a rate missing for a user, e.g. ``share_rate`` without
    reads, is left out of that column's mean): a mean of users' rates, not a rate of pooled counts.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> m = sr.user_metrics(ev)
    >>> by = sr.segment_metrics(m, df.set_index("respondent_id")["product_type"], ev)
    >>> by[["users", "active_days", "visits_per_week", "churned"]].round(2)  # doctest: +NORMALIZE_WHITESPACE
               users  active_days  visits_per_week  churned
    segment
    banking       16        10.81             1.51     0.50
    credit        35        13.00             1.89     0.37
    fund          33        13.73             1.87     0.33
    insurance     36        14.47             2.05     0.36
    """
    check(metrics, "metrics", "segment_metrics", InstanceOf(pd.DataFrame, "the DataFrame of sr.user_metrics"))
    check(segments, "segments", "segment_metrics", InstanceOf(pd.Series, "a Series of segments by respondent"))
    check(events, "events", "segment_metrics", _EVENTS)
    segment = events.segment_of(segments)
    linked = metrics.join(segment.rename("segment"), how="inner")
    if linked.empty:
        raise ResponseDataError("segment_metrics: no respondent of the survey appears in the event log; check "
                                "that both used the same pseudonymisation key (STICKINESS_HMAC_KEY).")
    numeric = [c for c in linked.columns if c != "segment" and (pd.api.types.is_numeric_dtype(linked[c])
                                                              or pd.api.types.is_bool_dtype(linked[c]))]
    out = linked.groupby("segment")[numeric].agg(lambda s: s.astype(float).mean())
    out.insert(0, "users", linked.groupby("segment").size())
    return out
