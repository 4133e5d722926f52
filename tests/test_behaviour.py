"""Behaviour beside attitude: event logs, metrics by hand, R references (cor.test, coxph, survfit, chisq.test),
recovery of the simulated truth, privacy and determinism."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.behaviour.rules import independence_test
from stickiness_research.errors import EventDataError
from stickiness_research.responses.privacy import pseudonym

KEY = b"0123456789abcdef"
REF = Path(__file__).parent / "reference" / "behaviour"

# A log small enough to count by hand (window 2026-01-01 .. 2026-01-31).
TINY = [
    ("A", "2026-01-01 07:00:00", "push", None, "market_news", None, None),
    ("A", "2026-01-01 20:00:00", "open", "s1", None, None, None),
    ("A", "2026-01-01 20:01:00", "read", "s1", "customer_story", 0.5, None),
    ("A", "2026-01-01 20:02:00", "share", "s1", "customer_story", None, None),
    ("A", "2026-01-02 12:00:00", "open", "s2", None, None, None),
    ("A", "2026-01-02 12:01:00", "read", "s2", "market_news", 1.0, None),
    ("A", "2026-01-08 07:00:00", "push", None, "promotion", None, None),
    ("A", "2026-01-08 21:00:00", "open", "s3", None, None, None),
    ("A", "2026-01-31 19:30:00", "open", "s4", None, None, None),
    ("A", "2026-01-31 19:35:00", "purchase", "s4", None, None, "insurance"),
    ("B", "2026-01-05 07:00:00", "push", None, "market_news", None, None),
    ("B", "2026-01-10 07:00:00", "push", None, "market_news", None, None),
    ("B", "2026-01-10 09:00:00", "open", "s5", None, None, None),
    ("B", "2026-01-10 09:01:00", "read", "s5", "market_news", 0.2, None),
    ("C", "2026-01-20 07:00:00", "push", None, "promotion", None, None),
]
COLUMNS = ["user_id", "timestamp", "event_type", "session_id", "content_type", "completion", "product"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    frame = pd.DataFrame(TINY, columns=COLUMNS)
    frame.to_csv(folder / "log.csv", index=False)
    frame.assign(timestamp=pd.to_datetime(frame["timestamp"])).to_parquet(folder / "log.parquet")
    return folder


def p(user: str) -> str:
    return f"p-{pseudonym(user, KEY)}"


def test_csv_and_parquet_read_alike_with_pseudonyms_only(tiny):
    from_csv = sr.read_events(tiny / "log.csv", key=KEY)
    from_parquet = sr.read_events(tiny / "log.parquet", key=KEY)
    a = from_csv.table.to_pandas().sort_values(["user_id", "timestamp"]).reset_index(drop=True)
    b = from_parquet.table.to_pandas().sort_values(["user_id", "timestamp"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    assert set(a["user_id"]) == {p("A"), p("B"), p("C")}  # the survey readers' form: same key, same pseudonym
    assert (str(from_csv.start), str(from_csv.end)) == ("2026-01-01", "2026-01-31")
    assert from_csv.provenance["n_events"] == len(TINY) and from_csv.provenance["n_users"] == 3


def test_user_metrics_by_hand(tiny):
    m = sr.user_metrics(sr.read_events(tiny / "log.csv", key=KEY), churn_after=14)
    a, b, c = m.loc[p("A")], m.loc[p("B")], m.loc[p("C")]
    assert (a["active_days"], a["observed_days"], a["recency_days"], a["sessions"], a["events"]) == (4, 31, 0, 4, 8)
    assert a["read_completion"] == pytest.approx(0.75) and a["share_rate"] == pytest.approx(0.5)
    assert (a["pushes"], a["push_open_rate"], bool(a["converted"])) == (2, 1.0, True)
    assert (a["retained_d1"], a["retained_d7"], a["retained_d30"]) == (True, True, True)
    assert (bool(a["churned"]), a["lifetime_days"]) == (False, 31)
    assert a["visits_per_week"] == pytest.approx(7 * 4 / 31)
    # B: first seen on a push (5th), active once on the 10th, silent for 21 days -> churned after 6 days
    assert (b["first_day"], b["first_active_day"]) == (pd.Timestamp("2026-01-05"), pd.Timestamp("2026-01-10"))
    assert (b["observed_days"], b["active_days"], b["recency_days"], b["push_open_rate"]) == (27, 1, 21, 0.5)
    assert (b["retained_d1"], b["retained_d7"]) == (False, False) and pd.isna(b["retained_d30"])
    assert (bool(b["churned"]), b["lifetime_days"]) == (True, 6)
    # C: only a push 12 days before the end: never active, not yet churned, censored after 12 days
    assert (c["active_days"], c["push_open_rate"], bool(c["churned"]), c["lifetime_days"]) == (0, 0.0, False, 12)
    assert pd.isna(c["recency_days"]) and pd.isna(c["retained_d1"]) and pd.isna(c["share_rate"])


def test_dau_mau_and_cohorts_by_hand(tiny):
    ev = sr.read_events(tiny / "log.parquet", key=KEY)
    ratio = sr.dau_mau(ev, window=30, segments=pd.Series({"A": "insurance", "B": "fund"}))
    # days 2..31: A active on the 2nd, 8th, 31st, B on the 10th: 4 user-days over 30 days, 2 users
    assert ratio.loc["all", "dau"] == pytest.approx(4 / 30) and ratio.loc["all", "mau"] == 2
    assert ratio.loc["all", "dau_mau"] == pytest.approx(4 / 30 / 2)
    assert ratio.loc["insurance", "dau_mau"] == pytest.approx(3 / 30)
    cohorts = sr.cohort_retention(ev)
    assert list(cohorts["users"]) == [1, 1]
    assert cohorts.iloc[0][[0, 1, 2, 3, 4]].tolist() == [1.0, 1.0, 0.0, 0.0, 1.0]  # A: weeks 0, 1 and 4
    assert cohorts.iloc[1][[0, 1, 2, 3]].tolist() == [1.0, 0.0, 0.0, 0.0] and np.isnan(cohorts.iloc[1][4])


def test_window_and_mappings(tiny, tmp_path):
    ev = sr.read_events(tiny / "log.csv", key=KEY, start="2026-01-05", end="2026-01-20")
    assert ev.provenance["outside_window"] == 8 and ev.provenance["n_users"] == 3
    renamed = pd.DataFrame(TINY, columns=COLUMNS).rename(columns={"user_id": "openid", "event_type": "kind"})
    renamed["kind"] = renamed["kind"].replace({"read": "article_view"})
    renamed.to_csv(tmp_path / "theirs.csv", index=False)
    mapped = sr.read_events(tmp_path / "theirs.csv", key=KEY, columns={"user_id": "openid", "event_type": "kind"},
                            event_types={"article_view": "read"})
    counts = mapped.table.event_type.value_counts().to_pandas().set_index("event_type")
    assert counts.iloc[:, 0].to_dict() == {"push": 5, "open": 5, "read": 3, "share": 1, "purchase": 1}


@pytest.mark.parametrize("change, message", [
    (lambda d: d.drop(columns="event_type"), "column 'event_type' (one of push"),
    (lambda d: d.assign(timestamp=d["timestamp"].mask(d.index == 3, "31/02/2026")),
     "row 5, column 'timestamp': '31/02/2026' is not a timestamp"),
    (lambda d: d.assign(event_type=d["event_type"].mask(d.index == 5, "like")),
     "row 7, column 'event_type': 'like' is not a known event type"),
    (lambda d: d.assign(completion=d["completion"].mask(d.index == 2, 1.5)),
     "row 4, column 'completion': '1.5' is not a share in [0, 1]"),
    (lambda d: d.assign(user_id=d["user_id"].mask(d.index.isin([0, 7]), "")),
     "row 2, column 'user_id': '' is an empty user id (1 more rows: row 9, ...)"),
])
def test_bad_rows_are_named(tmp_path, change, message):
    change(pd.DataFrame(TINY, columns=COLUMNS)).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(EventDataError) as err:
        sr.read_events(tmp_path / "bad.csv", key=KEY)
    assert message in str(err.value) and str(tmp_path / "bad.csv") in str(err.value)


def test_bad_files_and_arguments(tiny, tmp_path):
    with pytest.raises(EventDataError, match="no such event file"):
        sr.read_events(tmp_path / "missing*.parquet", key=KEY)
    (tmp_path / "log.json").write_text("{}")
    with pytest.raises(EventDataError, match="all be Parquet"):
        sr.read_events([tiny / "log.csv", tmp_path / "log.json"], key=KEY)
    with pytest.raises(EventDataError, match="not one of ours"):
        sr.read_events(tiny / "log.csv", key=KEY, event_types={"view": "watch"})
    with pytest.raises(sr.ParameterError, match="'key' parameter of read_events"):
        sr.read_events(tiny / "log.csv", key=b"short")


# ---------------------------------------------------------------- R references on the frozen fixture
@pytest.fixture(scope="module")
def reference():
    return json.loads((REF / "reference.json").read_text()), pd.read_csv(REF / "linked.csv")


def test_criterion_validity_equals_cor_test(reference):
    ref, linked = reference
    ours = sr.criterion_validity(linked)
    for criterion, expected in ref["cor"].items():
        for column, value in expected.items():
            assert ours.loc[criterion, column] == pytest.approx(value, rel=1e-6, abs=1e-12), (criterion, column)


def test_cox_equals_coxph_efron(reference):
    ref, linked = reference
    ours = sr.churn_cox(linked)
    cox = ref["cox"]
    assert list(ours.index) == cox["covariate"]
    for column in ("coef", "se", "z", "pvalue", "hr_lower", "hr_upper"):
        np.testing.assert_allclose(ours[column], cox[column], rtol=1e-4, atol=1e-8, err_msg=column)
    assert ours.attrs["events"] == cox["events"] and ours.attrs["n"] == cox["n"]
    assert ours.attrs["concordance"] == pytest.approx(cox["concordance"], abs=1e-6)


def test_kaplan_meier_and_logrank_equal_survfit(reference):
    ref, linked = reference
    ours = sr.churn_survival(linked, by="product_type")
    for group, expected in ref["km"].items():
        for column, value in expected.items():
            value = np.nan if value == "NA" else value  # median not reached
            assert ours["summary"].loc[group, column] == pytest.approx(value, abs=1e-10, nan_ok=True), (group, column)
    for column in ("chisq", "df", "pvalue"):
        assert ours["logrank"].loc[0, column] == pytest.approx(ref["logrank"][column], rel=1e-8)


def test_content_independence_equals_chisq_test(reference):
    ref = reference[0]["chisq"]
    counts = pd.read_csv(REF / "content_counts.csv", index_col=0)
    test, residuals = independence_test(counts)
    assert test.loc[0, "chisq"] == pytest.approx(ref["chisq"], rel=1e-10)
    assert test.loc[0, "df"] == ref["df"] and test.loc[0, "pvalue"] == pytest.approx(ref["pvalue"], rel=1e-8)
    np.testing.assert_allclose(residuals.to_numpy(), np.array(ref["residuals"]), rtol=1e-10)


# ---------------------------------------------------------------- the simulated truth is recovered
@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    n = 1000
    df = sr.simulate_responses(q, n=n, seed=11)
    truth = sr.latent_scores(q, n=n, seed=11)
    log = sr.simulate_events(q, df, days=90, seed=11, scores=truth)
    path = tmp_path_factory.mktemp("sim") / "events.parquet"
    log.to_parquet(path)
    ev = sr.read_events(path, key=KEY)
    metrics = sr.user_metrics(ev)
    linked = sr.link_survey(df, q, metrics, ev)
    linked = linked.join(truth.set_axis(ev.pseudonyms(pd.Series(truth.index)).to_numpy()).add_prefix("true_"))
    return q, df, log, ev, metrics, linked


def test_churn_hazard_ratio_of_the_truth_is_recovered(simulated):
    linked = simulated[5]
    cox = sr.churn_cox(linked, ["true_stickiness"])
    truth = sr.BehaviourModel().churn_log_hr
    assert abs(cox.loc["true_stickiness", "coef"] - truth) < 3 * cox.loc["true_stickiness", "se"]
    # the observed scale carries measurement error: the same sign, attenuated toward 0
    observed = sr.churn_cox(linked, ["score_stickiness"]).loc["score_stickiness", "coef"]
    assert cox.loc["true_stickiness", "coef"] < observed < 0


def test_visits_follow_the_driver_and_pushes(simulated):
    q, df, log, ev, metrics, linked = simulated
    model = sr.BehaviourModel()
    logit = np.log(linked["active_share"].clip(1e-3, 1 - 1e-3))
    assert np.corrcoef(linked["true_stickiness"], logit)[0, 1] > 0.6
    validity = sr.criterion_validity(linked)
    assert validity.loc["active_days", "ci_lower"] > 0.3  # the stickiness scale predicts what users do
    sem = sr.behaviour_sem(q, linked)
    row = sem.estimates.query("lhs == 'visits_per_week' and op == '~'").iloc[0]
    assert row["rhs"] == "stickiness" and row["est"] > 0 and row["pvalue"] < 0.001
    assert model.push_lift > 0 and metrics["push_open_rate"].mean() > 0.2


def test_segments_prefer_their_content_at_their_time(simulated):
    q, df, log, ev, metrics, linked = simulated
    segment = df.set_index("respondent_id")["product_type"]
    shares = sr.content_preferences(ev, segment)["shares"]
    assert shares.idxmax(axis=1).to_dict() == {"banking": "product_guide", "credit": "promotion",
                                               "fund": "market_news", "insurance": "customer_story"}
    times = sr.reading_times(ev, segment)
    assert times.loc["insurance", "peak"] == "weekday evening (19-23)"
    rules = sr.association_rules(ev, segment, min_support=0.03, min_lift=1.2)
    story = rules.query("antecedents == 'product=insurance' and consequents == 'content=customer_story'")
    assert len(story) == 1 and story["lift"].iloc[0] > 2 and story["confidence"].iloc[0] > 0.5
    # completion follows interaction, shares emotional attachment (the levers of the truth)
    assert linked["read_completion"].corr(linked["true_interaction"]) > 0.2
    assert linked["share_rate"].corr(linked["true_emotional_attachment"]) > 0.2


def test_no_raw_id_in_any_table(simulated):
    q, df, log, ev, metrics, linked = simulated
    raw = set(df["respondent_id"])
    tables = [metrics.reset_index(), linked.reset_index(), ev.table.to_pandas(),
              sr.association_rules(ev, df.set_index("respondent_id")["product_type"])]
    for table in tables:
        for column in table.columns:
            assert not raw & set(table[column].astype(str)), column


def test_simulation_is_deterministic_and_follows_its_window(simulated):
    q, df, log = simulated[:3]
    truth = sr.latent_scores(q, n=len(df), seed=11)
    again = sr.simulate_events(q, df, days=90, seed=11, scores=truth)
    pd.testing.assert_frame_equal(log, again)
    assert not log.equals(sr.simulate_events(q, df, days=90, seed=12, scores=truth))
    assert log["timestamp"].min() >= pd.Timestamp("2026-01-01") and log["timestamp"].max() < pd.Timestamp("2026-04-01")
    reads = log[log["event_type"] == "read"]
    assert 0.6 < reads["completion"].mean() < 0.85  # the field's 65-82 % reading completion
    with pytest.raises(sr.ResponseDataError, match="no column 'loyalty'"):
        sr.simulate_events(q, df, scores=truth, model=sr.BehaviourModel(driver="loyalty"))


def test_an_empty_log_and_a_log_of_too_few_respondents_are_named(tmp_path):
    pd.DataFrame(columns=COLUMNS).to_csv(tmp_path / "empty.csv", index=False)
    with pytest.raises(EventDataError, match="holds no events"):
        sr.read_events(tmp_path / "empty.csv", key=KEY)
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    survey = sr.simulate_responses(q, n=100, seed=1)
    few = sr.read_events(sr.simulate_events(q, survey.head(15), days=30, seed=1), key=KEY)
    with pytest.raises(sr.ResponseDataError, match="only 15 of 100 respondents appear in the event log"):
        sr.link_survey(survey, q, sr.user_metrics(few), few)


def test_the_behavioural_sem_carries_each_drivers_total_effect(simulated):
    q, df, log, ev, metrics, linked = simulated
    sem = sr.behaviour_sem(q, linked)
    est = sem.estimates.set_index("lhs")
    paths = sem.estimates[sem.estimates["op"] == "~"].set_index("label")["est"]
    # interaction reaches stickiness directly (h3) and through emotional attachment (h1*h2)
    expected = (paths["h3"] + paths["h1"] * paths["h2"]) * paths["behaviour"]
    assert est.loc["total_interaction", "est"] == pytest.approx(expected, rel=1e-10)
    assert est.loc["total_convenience", "est"] == pytest.approx(paths["h7"] * paths["behaviour"], rel=1e-10)


def test_zoned_timestamps_count_in_the_users_time_zone(tmp_path):
    """A zoned Parquet column (any zone) and text with offsets give the same days and hours as the naive local
    times they stand for; another zone shifts them."""
    frame = pd.DataFrame(TINY, columns=COLUMNS).assign(timestamp=lambda d: pd.to_datetime(d["timestamp"]))
    frame.to_parquet(tmp_path / "naive.parquet")
    local = frame["timestamp"].dt.tz_localize("Asia/Shanghai")
    frame.assign(timestamp=local.dt.tz_convert("UTC")).to_parquet(tmp_path / "utc.parquet")
    frame.assign(timestamp=local.dt.strftime("%Y-%m-%dT%H:%M:%S+08:00")).to_csv(tmp_path / "offset.csv", index=False)
    expected = sr.read_events(tmp_path / "naive.parquet", key=KEY).table.to_pandas().sort_values(["user_id", "timestamp"])
    for name in ("utc.parquet", "offset.csv"):
        got = sr.read_events(tmp_path / name, key=KEY).table.to_pandas().sort_values(["user_id", "timestamp"])
        pd.testing.assert_series_equal(got["timestamp"].reset_index(drop=True),
                                       expected["timestamp"].reset_index(drop=True), check_names=False)
    in_london = sr.read_events(tmp_path / "utc.parquet", key=KEY, timezone="Europe/London")
    assert in_london.table.timestamp.min().to_pandas() == pd.Timestamp("2025-12-31 23:00:00")
    assert in_london.provenance["timezone"] == "Europe/London"


def test_rows_are_counted_as_the_survey_readers_count_them(tmp_path):
    """A CSV's row is its line with the header as row 1 (read_responses' count); a frame's is its position."""
    bad = pd.DataFrame(TINY, columns=COLUMNS)
    bad.loc[3, "timestamp"] = "31/02/2026"
    bad.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(EventDataError, match=r"bad.csv: row 5, column 'timestamp'"):
        sr.read_events(tmp_path / "bad.csv", key=KEY)
    with pytest.raises(EventDataError, match=r"DataFrame: row 4, column 'timestamp'"):
        sr.read_events(bad, key=KEY)
