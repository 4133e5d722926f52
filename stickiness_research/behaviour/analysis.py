"""One call from an event log and a survey to every behaviour analysis a report shows: :func:`analyze_behaviour`."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._summary import Reportable
from .._validation import InstanceOf, Interval, check
from ..errors import StickinessError
from ..questionnaire import Questionnaire
from .events import Events
from .metrics import cohort_retention, dau_mau, segment_metrics, user_metrics
from .rules import association_rules, content_preferences, reading_times
from .survey import behaviour_sem, churn_cox, churn_survival, criterion_validity, link_survey

#: Adjusted standardized residual above which a segment reads a content type clearly more than the others.
PREFERENCE_RESIDUAL = 2.0


@dataclass(frozen=True, eq=False)
class BehaviourResult(Reportable):
    """Behavioural stickiness and how the survey relates to it (from :func:`analyze_behaviour`).

    Attributes
    ----------
    events : Events
        The log (pseudonymous ids; its provenance names the files, engine and window).
    metrics : DataFrame
        :func:`~stickiness_research.behaviour.metrics.user_metrics`, one row per user of the log.
    linked : DataFrame
        Respondents joined to their metrics (:func:`~stickiness_research.behaviour.survey.link_survey`).
    segment : str or None
        The survey column segments are taken from.
    by_segment, dau_mau, cohorts, validity, survival, cox, preferences, times, rules : DataFrames / dicts
        The analyses of the same names; ``None`` where the data did not allow one (said in ``notes``).
    sem : SEMResult or None
        The structural model with the behavioural ``outcome`` (:func:`behaviour_sem`).
    suggestions : DataFrame
        Per segment: the content it prefers (residual > 2), when it visits most, and the rule's lift.
    truth : dict
        When the log was simulated: the behaviour model's true values (to compare with the estimates).
    notes : tuple of str
        What could not be estimated and why.

    Notes
    -----
    A frozen result of the results protocol: :meth:`tables` gives every table by name, ``summary()``,
    ``str(res)``, ``to_markdown()``, ``to_latex()`` and Jupyter's ``_repr_html_`` render them. The definitions
    of the metrics are those of :mod:`stickiness_research.behaviour.metrics`; each table's method and R
    counterpart is in the docstring of the function that made it.

    References
    ----------
    As :func:`analyze_behaviour`, which lists the papers and the R functions (``cor.test``,
    ``survival::coxph``, ``survfit``, ``survdiff``, ``chisq.test``) its tables are checked against.

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> res = sr.analyze_behaviour(ev, df, q)
    >>> res
    BehaviourResult(8,360 events, 120 users, 120 respondents linked, 2026-01-01 to 2026-03-01)
    >>> list(res.tables())[:6]
    ['dau_mau', 'cohort_retention', 'criterion_validity', 'suggestions', 'by_segment', 'churn_cox']
    >>> res.suggestions[["segment", "content", "residual"]].round(2)
         segment         content  residual
    0    banking   product_guide      6.92
    1     credit       promotion      8.57
    2       fund     market_news      8.28
    3  insurance  customer_story      7.68
    >>> res.notes  # everything could be estimated
    ()
    """

    events: Events
    metrics: pd.DataFrame
    linked: pd.DataFrame
    segment: str | None
    outcome: str
    construct: str
    by_segment: pd.DataFrame | None
    dau_mau: pd.DataFrame
    cohorts: pd.DataFrame
    validity: pd.DataFrame
    sem: Any
    survival: dict | None
    cox: pd.DataFrame | None
    preferences: dict | None
    times: pd.DataFrame | None
    rules: pd.DataFrame | None
    suggestions: pd.DataFrame
    truth: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    title = "Behaviour beside attitude"

    def headline(self) -> list[str]:
        p = self.events.provenance
        return [f"{p['n_events']:,} events of {p['n_users']:,} users, {self.events.start} to {self.events.end} "
                f"(engine {p['engine']}); {len(self.linked)} respondents linked"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result by name (segments, retention, validity, churn, content, rules): among them
        ``churn_cox_fit`` (the Cox model's n, events and concordance), ``churn_survival_curves`` (the Kaplan-Meier
        curve of each segment by day), ``content_reads`` (reads by segment and content type, the counts behind
        ``content_shares``) and ``content_residuals`` (the adjusted standardized residuals of ``content_test``)."""
        out = {"dau_mau": self.dau_mau, "cohort_retention": self.cohorts, "criterion_validity": self.validity,
               "suggestions": self.suggestions}
        optional = {"by_segment": self.by_segment, "churn_cox": self.cox, "reading_times": self.times,
                    "association_rules": self.rules}
        out.update({k: v for k, v in optional.items() if v is not None})
        if self.cox is not None:
            out["churn_cox_fit"] = pd.DataFrame({k: [self.cox.attrs[k]] for k in ("n", "events", "concordance")})
        if self.sem is not None:  # the behaviour path and each driver's total effect on behaviour
            est = self.sem.estimates
            out["behaviour_sem"] = est[((est["op"] == "~") & (est["lhs"] == self.outcome))
                                       | ((est["op"] == ":=") & est["lhs"].str.startswith("total_"))]
        if self.survival is not None:
            out["churn_survival"] = self.survival["summary"]
            out["churn_survival_curves"] = self.survival["curves"].rename_axis("day")
            if "logrank" in self.survival:
                out["logrank"] = self.survival["logrank"]
        if self.preferences is not None:
            out["content_shares"] = self.preferences["shares"]
            out["content_reads"] = self.preferences["events"]
            out["content_residuals"] = self.preferences["residuals"]
            out["content_test"] = self.preferences["test"]
        return out

    def meta(self) -> dict[str, Any]:
        """``events`` (n_events, n_users, engine, outside_window), ``window`` (first and last day), ``linked``
        (respondents joined to the log), ``segment``, ``outcome``, ``construct``, ``sem`` (the behavioural
        model's n_obs, estimator, fit measures and ``r2``; None without it) and ``truth`` (a simulated log's)."""
        p = self.events.provenance
        sem = None if self.sem is None else {**self.sem.meta(), "r2": {str(k): v for k, v in self.sem.r2.items()}}
        return {"events": {k: p[k] for k in ("n_events", "n_users", "engine", "outside_window") if k in p},
                "window": [str(self.events.start), str(self.events.end)], "linked": len(self.linked),
                "segment": self.segment, "outcome": self.outcome, "construct": self.construct, "sem": sem,
                "truth": dict(self.truth)}

    def __repr__(self) -> str:  # the dataclass repr would print every table
        p = self.events.provenance
        return (f"BehaviourResult({p['n_events']:,} events, {p['n_users']:,} users, {len(self.linked)} respondents "
                f"linked, {self.events.start} to {self.events.end})")


def analyze_behaviour(events: Events, responses: pd.DataFrame, q: Questionnaire, *, segment: str | None = None,
                      construct: str | None = None, outcome: str = "visits_per_week", churn_after: int = 14,
                      min_support: float = 0.05, min_lift: float = 1.2, truth: dict | None = None,
                      sem_options: dict | None = None) -> BehaviourResult:
    """Behavioural stickiness, criterion validity, a behavioural SEM, churn and content rules in one call.

    Parameters
    ----------
    events : Events
        From :func:`stickiness_research.read_events`.
    responses : DataFrame
        Cleaned survey responses with ``respondent_id`` (raw answers; reverse-keyed items are recoded here).
    q : Questionnaire
        The questionnaire answered (constructs, reverse-keyed items, hypotheses of the SEM).
    segment : str, optional
        A demographic column to segment by (default ``product_type`` when the responses have it).
    construct : str, optional
        The attitudinal stickiness construct (default the construct named ``stickiness``, else the last one).
    outcome : str
        The behavioural metric the SEM predicts (a column of :func:`~stickiness_research.user_metrics`;
        default ``visits_per_week``).
    churn_after : int
        Days of inactivity at the window's end that count as churn (>= 1; default 14).
    min_support, min_lift : float
        Thresholds of the association rules (support in (0, 1], default 0.05; lift >= 0, default 1.2).
    truth : dict, optional
        The simulation's true values, carried to the report beside the estimates.
    sem_options : dict, optional
        Options of :func:`stickiness_research.fit_sem` for the behavioural SEM (estimator, missing, ...).

    Returns
    -------
    BehaviourResult
        Every table; an analysis the data do not allow (no churn, an SEM that does not converge, no segment
        column) is ``None`` and said in ``notes`` instead of raising.

    Raises
    ------
    ParameterError
        An argument of the wrong type or out of range (``churn_after``, ``min_support``, ``min_lift``, ...).
    ResponseDataError
        Fewer than 30 respondents appear in the log (different pseudonymisation keys or ids).

    Notes
    -----
    The steps, in order: :func:`~stickiness_research.user_metrics` -> :func:`~stickiness_research.link_survey`
    -> :func:`~stickiness_research.criterion_validity` (``cor.test``) -> :func:`~stickiness_research.behaviour_sem`
    -> :func:`~stickiness_research.churn_cox` (``survival::coxph``) and
    :func:`~stickiness_research.churn_survival` (``survfit``, ``survdiff``) -> per segment,
    :func:`~stickiness_research.segment_metrics`, :func:`~stickiness_research.dau_mau`,
    :func:`~stickiness_research.content_preferences` (``chisq.test``), :func:`~stickiness_research.reading_times`
    and :func:`~stickiness_research.association_rules`. A segment's suggestion is the content type with the
    largest adjusted residual when it exceeds ``PREFERENCE_RESIDUAL`` (2), with its peak visiting time.

    References
    ----------
    The papers of each step are in its docstring: Fader, Hardie & Lee (2005) for the metrics, Cox (1972) and
    Kaplan & Meier (1958) for churn, Agrawal, Imielinski & Swami (1993) for the rules.
    R: ``cor.test``, ``survival::coxph(ties = "efron")``, ``survival::survfit`` and ``survdiff``, and
    ``chisq.test(correct = FALSE)`` with its ``$stdres``, on a frozen simulated fixture
    (tests/test_behaviour.py; tests/reference/behaviour_survival.R); the behavioural SEM is
    :func:`~stickiness_research.fit_sem`'s (lavaan's definitions).

    Examples
    --------
    >>> import stickiness_research as sr
    >>> q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    >>> df = sr.simulate_responses(q, n=120, seed=1)
    >>> ev = sr.read_events(sr.simulate_events(q, df, days=60, seed=1), key=b"0123456789abcdef")
    >>> res = sr.analyze_behaviour(ev, df, q)
    >>> res.validity.loc["visits_per_week", ["r", "ci_lower", "ci_upper"]].round(3).tolist()
    [0.778, 0.695, 0.84]
    >>> round(float(res.cox.loc["score_stickiness", "hr"]), 2)
    0.45
    >>> res.by_segment["users"].to_dict()
    {'banking': 16, 'credit': 35, 'fund': 33, 'insurance': 36}

    In R: ``cor.test(linked$score_stickiness, linked$visits_per_week)`` for the validity row, and the R calls
    named in the docstrings of the steps for the others.
    """
    check(events, "events", "analyze_behaviour", InstanceOf(Events, "Events (from sr.read_events)"))
    check(q, "q", "analyze_behaviour", InstanceOf(Questionnaire, "a Questionnaire"))
    check(churn_after, "churn_after", "analyze_behaviour", Interval(int, 1, None))
    check(min_support, "min_support", "analyze_behaviour", Interval(float, 0, 1, closed="right"))
    check(min_lift, "min_lift", "analyze_behaviour", Interval(float, 0, None))
    check(truth, "truth", "analyze_behaviour", InstanceOf(dict, "a dict of true values"), None)
    check(sem_options, "sem_options", "analyze_behaviour", InstanceOf(dict, "a dict of fit_sem options"), None)
    constructs = [c.id for c in q.constructs]
    construct = construct or ("stickiness" if "stickiness" in constructs else constructs[-1])
    if segment is None and "product_type" in responses.columns:
        segment = "product_type"
    notes: list[str] = []
    metrics = user_metrics(events, churn_after=churn_after)
    linked = link_survey(responses, q, metrics, events)
    segments = responses.set_index("respondent_id")[segment].dropna() if segment else None
    if linked.attrs.get("not_in_log"):
        notes.append(f"{linked.attrs['not_in_log']} respondents have no event in the log and are not linked")

    def attempt(what: str, run):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return run()
        except (StickinessError, ValueError, np.linalg.LinAlgError) as exc:  # said in the report, not a crash
            notes.append(f"{what}: not estimated ({exc})")
            return None

    sem = attempt("behavioural SEM", lambda: behaviour_sem(q, linked, outcome, construct, **(sem_options or {})))
    cox = attempt("Cox model of churn", lambda: churn_cox(linked))
    survival = attempt("churn survival", lambda: churn_survival(linked, by=segment))
    preferences = times = rules = None
    if segments is not None:
        preferences = attempt("content preferences", lambda: content_preferences(events, segments))
        times = attempt("reading times", lambda: reading_times(events, segments))
        rules = attempt("association rules", lambda: association_rules(events, segments, min_support=min_support,
                                                                       min_lift=min_lift))
    result = BehaviourResult(
        events=events, metrics=metrics, linked=linked, segment=segment, outcome=outcome, construct=construct,
        by_segment=segment_metrics(metrics, segments, events) if segments is not None else None,
        dau_mau=dau_mau(events, segments=segments), cohorts=cohort_retention(events),
        validity=criterion_validity(linked, construct), sem=sem, survival=survival, cox=cox,
        preferences=preferences, times=times, rules=rules,
        suggestions=_suggestions(preferences, times, rules), truth=dict(truth or {}), notes=tuple(notes))
    return result


def _suggestions(preferences: dict | None, times: pd.DataFrame | None, rules: pd.DataFrame | None) -> pd.DataFrame:
    """Per segment: the content it reads clearly more than others, its peak visiting time, and the evidence."""
    columns = ["segment", "content", "share", "share_others", "residual", "peak", "peak_share", "lift", "confidence"]
    if preferences is None:
        return pd.DataFrame(columns=columns)
    counts, residuals = preferences["events"], preferences["residuals"]
    rows = []
    for seg in residuals.index:
        content = residuals.loc[seg].idxmax()  # the users' favourite, clearly above other segments
        if residuals.loc[seg, content] < PREFERENCE_RESIDUAL:
            continue
        others = counts.drop(index=seg)
        rule = None
        if rules is not None and len(rules):
            match = rules[(rules["antecedents"] == f"product={seg}") & (rules["consequents"] == f"content={content}")]
            rule = match.iloc[0] if len(match) else None
        peak = times.loc[seg, "peak"] if times is not None and seg in times.index else None
        rows.append({"segment": seg, "content": content,
                     "share": float(counts.loc[seg, content] / counts.loc[seg].sum()),
                     "share_others": float(others[content].sum() / others.to_numpy().sum()) if len(others) else np.nan,
                     "residual": float(residuals.loc[seg, content]), "peak": peak,
                     "peak_share": float(times.loc[seg, peak]) if peak is not None else np.nan,
                     "lift": float(rule["lift"]) if rule is not None else np.nan,
                     "confidence": float(rule["confidence"]) if rule is not None else np.nan})
    return pd.DataFrame(rows, columns=columns)
