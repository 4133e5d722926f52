"""The same Ibis expressions on a Spark cluster (issue #20): a local Spark session of 2 threads through Ibis'
PySpark backend gives the same behaviour tables as the embedded DuckDB. Runs where Java and pyspark are
installed (`make test` installs the `spark` extra when `java` is on the PATH); skipped with the reason otherwise."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import stickiness_research as sr

KEY = b"0123456789abcdef"

if shutil.which("java") is None:
    pytest.skip("no Java runtime on the PATH: the PySpark backend needs one (Debian: apt-get install "
                "default-jre-headless)", allow_module_level=True)
pyspark = pytest.importorskip("pyspark", reason="pyspark not installed (pip install -e '.[spark]'; make test "
                                                "installs it when java is on the PATH)")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("stickiness-test")
               .config("spark.ui.enabled", "false").config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "4").getOrCreate())
    yield session
    session.stop()


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    survey = sr.simulate_responses(q, n=150, seed=4)
    path = tmp_path_factory.mktemp("spark") / "events.parquet"
    # Spark reads microsecond timestamps (pandas writes nanoseconds unless told)
    sr.simulate_events(q, survey, days=40, seed=4).to_parquet(path, coerce_timestamps="us")
    return q, survey, path


def test_spark_gives_the_duckdb_numbers(spark, log):
    import ibis

    q, survey, path = log
    on_spark = sr.read_events(path, key=KEY, backend=ibis.pyspark.connect(spark))
    on_duckdb = sr.read_events(path, key=KEY)
    assert on_spark.provenance["engine"] == "pyspark" and on_duckdb.provenance["engine"] == "duckdb"
    assert on_spark.provenance["n_events"] == on_duckdb.provenance["n_events"]
    pd.testing.assert_frame_equal(sr.user_metrics(on_spark), sr.user_metrics(on_duckdb), check_dtype=False)
    pd.testing.assert_frame_equal(sr.cohort_retention(on_spark), sr.cohort_retention(on_duckdb))
    segment = survey.set_index("respondent_id")["product_type"]
    spark_shares = sr.content_preferences(on_spark, segment)["counts"]
    pd.testing.assert_frame_equal(spark_shares, sr.content_preferences(on_duckdb, segment)["counts"],
                                  check_dtype=False)
    pd.testing.assert_frame_equal(sr.association_rules(on_spark, segment), sr.association_rules(on_duckdb, segment))
