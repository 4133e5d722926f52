"""Behavioural stickiness: per-user and per-segment metrics, DAU/MAU, day-N and cohort retention, churn.

Every metric is one Ibis expression over :class:`~stickiness_research.behaviour.events.Events` (DuckDB by
default, any Ibis backend otherwise); only the per-user result, one row per user, comes back to pandas.

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

from typing import Any

import numpy as np
import pandas as pd

from .._validation import InstanceOf, Interval, Options, check
from ..errors import ResponseDataError
from .events import Events

RETENTION_DAYS = (1, 7, 30)
_EVENTS = InstanceOf(Events, "Events (from sr.read_events)")


def _activity(events: Events) -> Any:
    t = events.table
    act = t.filter(t.event_type != "push")
    return act.mutate(dayno=act.day.epoch_days())


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
    t = events.table
    end = int((pd.Timestamp(events.end) - pd.Timestamp(0)).days)
    everyone = t.group_by("user_id").aggregate(first=t.day.min().epoch_days(),
                                               pushes=(t.event_type == "push").sum())
    act = _activity(events)
    is_ = act.event_type.__eq__
    per = act.group_by("user_id").aggregate(
        first_active=act.dayno.min(), last_active=act.dayno.max(), active_days=act.dayno.nunique(),
        sessions=act.session_id.nunique(), events=act.count(),
        reads=is_("read").sum(), read_completion=act.completion.mean(), shares=is_("share").sum(),
        clicks=is_("click").sum(), purchases=is_("purchase").sum())
    days = act.select("user_id", "dayno").distinct()
    days = days.join(per.select("user_id", "first_active"), "user_id")
    offset = days.dayno - days.first_active
    retention = days.group_by("user_id").aggregate(
        **{f"d{n}": (offset == n).sum() for n in RETENTION_DAYS})
    push_days = t.filter(t.event_type == "push").select("user_id", dayno=t.day.epoch_days()).distinct()
    open_days = act.filter(act.event_type == "open").select("user_id", "dayno").distinct() \
        .mutate(opened=1)
    both = push_days.left_join(open_days, ["user_id", "dayno"]).select(push_days.user_id, open_days.opened)
    opened = both.group_by("user_id").aggregate(push_days=both.count(), opened_push_days=both.opened.sum())
    table = everyone.left_join(per, "user_id").left_join(retention, "user_id").left_join(opened, "user_id")
    keep = ["user_id", "first", "pushes", "first_active", "last_active", "active_days", "sessions", "events",
            "reads", "read_completion", "shares", "clicks", "purchases", *[f"d{n}" for n in RETENTION_DAYS],
            "push_days", "opened_push_days"]
    raw = table.select(*keep).to_pandas().set_index("user_id").sort_index()
    return _derived(raw, end, churn_after)


def _derived(raw: pd.DataFrame, end: int, churn_after: int) -> pd.DataFrame:
    """The metrics from the per-user counts (plain pandas: a few columns over one row per user)."""
    counts = ["active_days", "sessions", "events", "reads", "shares", "clicks", "purchases", "pushes"]
    raw[counts] = raw[counts].fillna(0).astype("int64")
    epoch = pd.Timestamp(0)
    out = pd.DataFrame(index=raw.index)
    out["first_day"] = epoch + pd.to_timedelta(raw["first"], unit="D")
    out["first_active_day"] = epoch + pd.to_timedelta(raw["first_active"], unit="D")
    out["last_active_day"] = epoch + pd.to_timedelta(raw["last_active"], unit="D")
    out["observed_days"] = (end - raw["first"] + 1).astype("int64")
    out["active_days"] = raw["active_days"]
    out["active_share"] = raw["active_days"] / out["observed_days"]
    out["visits_per_week"] = 7 * out["active_share"]
    out["recency_days"] = (end - raw["last_active"]).astype("Float64")
    for column in ("sessions", "events", "reads"):
        out[column] = raw[column]
    out["read_completion"] = raw["read_completion"].astype(float)
    out["shares"] = raw["shares"]
    out["share_rate"] = (raw["shares"] / raw["reads"].where(raw["reads"] > 0)).astype(float)
    out["clicks"], out["purchases"] = raw["clicks"], raw["purchases"]
    out["converted"] = raw["purchases"] > 0
    out["pushes"] = raw["pushes"]
    out["push_open_rate"] = (raw["opened_push_days"].fillna(0)
                             / raw["push_days"].where(raw["push_days"] > 0)).astype(float)
    for n in RETENTION_DAYS:
        seen = raw["first_active"] + n <= end
        out[f"retained_d{n}"] = pd.array(np.where(seen, raw[f"d{n}"].fillna(0) > 0, False), dtype="boolean")
        out.loc[~seen.to_numpy(), f"retained_d{n}"] = pd.NA
    last = raw["last_active"].fillna(raw["first"] - 1)  # never active: churned from the start
    out["churned"] = (end - last) >= churn_after
    out["lifetime_days"] = np.where(out["churned"], last - raw["first"] + 1, end - raw["first"] + 1).astype("int64")
    out["lifetime_days"] = out["lifetime_days"].clip(lower=1)  # a duration is at least the first day
    return out


def dau_mau(events: Events, *, window: int = 30, segments: pd.Series | None = None) -> pd.DataFrame:
    """DAU/MAU over the last ``window`` days of the log, overall and per segment.

    Parameters
    ----------
    events : Events
    window : int
        Days (>= 2) ending on ``events.end``; 30 gives the usual monthly ratio.
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
        ``window`` out of range.
    """
    check(events, "events", "dau_mau", _EVENTS)
    check(window, "window", "dau_mau", Interval(int, 2, None))
    act = _activity(events)
    end = int((pd.Timestamp(events.end) - pd.Timestamp(0)).days)
    days = min(window, (events.end - events.start).days + 1)
    act = act.filter(act.dayno > end - days)
    rows = {"all": _ratio(act, days)}
    if segments is not None:
        import ibis

        seg = ibis.memtable(pd.DataFrame({"user_id": events.pseudonyms(pd.Series(segments.index)).to_numpy(),
                                          "segment": segments.astype(str).to_numpy()}))
        joined = act.join(seg, "user_id")
        for name in sorted(segments.dropna().astype(str).unique()):
            rows[name] = _ratio(joined.filter(joined.segment == name), days)
    out = pd.DataFrame(rows).T
    out["days"] = days
    return out


def _ratio(act: Any, days: int) -> dict[str, float]:
    daily = act.group_by("dayno").aggregate(users=act.user_id.nunique())
    dau = float(daily.users.sum().to_pandas() or 0) / days
    mau = int(act.user_id.nunique().to_pandas())
    return {"dau": dau, "mau": mau, "dau_mau": dau / mau if mau else np.nan}


def cohort_retention(events: Events, *, period: str = "week") -> pd.DataFrame:
    """Cohort retention: users by the week (or month) of their first active day, share active in later periods.

    Parameters
    ----------
    events : Events
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
    """
    check(events, "events", "cohort_retention", _EVENTS)
    check(period, "period", "cohort_retention", Options(("week", "month")))
    act = _activity(events)
    start = int((pd.Timestamp(events.start) - pd.Timestamp(0)).days)
    if period == "week":
        act = act.mutate(p=((act.dayno - start) // 7).cast("int64"))
    else:
        act = act.mutate(p=(act.day.year() * 12 + act.day.month() - 1).cast("int64"))
    active = act.select("user_id", "p").distinct()
    first = active.group_by("user_id").aggregate(cohort=active.p.min())
    joined = active.join(first, "user_id")
    table = joined.group_by(["cohort", "p"]).aggregate(users=joined.user_id.nunique()).to_pandas()
    if table.empty:
        raise ResponseDataError("cohort_retention: the log has no activity (only pushes) in its window.")
    table["since"] = table["p"] - table["cohort"]
    last = table["p"].max()
    grid = table.pivot(index="cohort", columns="since", values="users").sort_index() \
        .reindex(columns=range(int(last - table["cohort"].min()) + 1))
    size = grid[0]
    shares = grid.div(size, axis=0)
    for cohort in shares.index:  # periods after the window's end are unknown, not zero
        shares.loc[cohort, [c for c in shares.columns if cohort + c > last]] = np.nan
        shares.loc[cohort, [c for c in shares.columns if cohort + c <= last and pd.isna(grid.loc[cohort, c])]] = 0.0
    if period == "week":
        labels = [pd.Timestamp(events.start) + pd.Timedelta(days=7 * int(c)) for c in shares.index]
    else:
        labels = [pd.Timestamp(year=int(c) // 12, month=int(c) % 12 + 1, day=1) for c in shares.index]
    shares.index = pd.Index([d.date() for d in labels], name="cohort")
    shares.columns = [int(c) for c in shares.columns]
    shares.insert(0, "users", size.astype(int).to_numpy())
    return shares


def segment_metrics(metrics: pd.DataFrame, segments: pd.Series, events: Events) -> pd.DataFrame:
    """Per-segment means of :func:`user_metrics` (rates averaged over users; ``users`` counts them).

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
    ResponseDataError
        No respondent of ``segments`` appears in the log.
    """
    check(metrics, "metrics", "segment_metrics", InstanceOf(pd.DataFrame, "the DataFrame of sr.user_metrics"))
    check(segments, "segments", "segment_metrics", InstanceOf(pd.Series, "a Series of segments by respondent"))
    check(events, "events", "segment_metrics", _EVENTS)
    segment = pd.Series(segments.astype(str).to_numpy(), index=events.pseudonyms(pd.Series(segments.index)))
    linked = metrics.join(segment.rename("segment"), how="inner")
    if linked.empty:
        raise ResponseDataError("segment_metrics: no respondent of the survey appears in the event log; check "
                                "that both used the same pseudonymisation key (STICKINESS_HMAC_KEY).")
    numeric = [c for c in linked.columns if c != "segment" and (pd.api.types.is_numeric_dtype(linked[c])
                                                              or pd.api.types.is_bool_dtype(linked[c]))]
    out = linked.groupby("segment")[numeric].agg(lambda s: s.astype(float).mean())
    out.insert(0, "users", linked.groupby("segment").size())
    return out
