"""The behaviour fixture behaviour_survival.R reads: 400 simulated respondents and their 90-day event log (seed 7),
linked, frozen as CSV. Run from the repository root: `.venv/bin/python tests/reference/behaviour_fixture.py`,
then `Rscript tests/reference/behaviour_survival.R`."""

import tempfile
from pathlib import Path

import stickiness_research as sr

HERE = Path(__file__).parent / "behaviour"
KEY = b"0123456789abcdef"


def main() -> None:
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    df = sr.simulate_responses(q, n=400, seed=7)
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "events.parquet"
        sr.simulate_events(q, df, days=90, seed=7).to_parquet(log)
        ev = sr.read_events(log, key=KEY)
        linked = sr.link_survey(df, q, sr.user_metrics(ev), ev)
        counts = sr.content_preferences(ev, df.set_index("respondent_id")["product_type"])["counts"]
    columns = ["product_type", "lifetime_days", "churned", "active_days", "visits_per_week", "read_completion",
               "share_rate", *[c for c in linked.columns if c.startswith("score_")]]
    out = linked[columns].reset_index(drop=True).astype({"churned": int})
    out.round(10).to_csv(HERE / "linked.csv", index=False)
    counts.to_csv(HERE / "content_counts.csv")


if __name__ == "__main__":  # a script: pytest imports it (doctest collection) and must not rewrite the fixture
    main()
