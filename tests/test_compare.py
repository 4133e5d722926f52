"""Model comparison and tests of path equality across groups."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REFERENCE, lavaan_reference

import stickiness_research as sr

DATA = pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv")
MODEL = (REFERENCE / "models" / "stickiness_default.lav").read_text(encoding="utf-8")


def test_group_path_wald_matches_lavaan():
    ref = lavaan_reference("wald_security_by_product")
    data = DATA[DATA["product_type"].isin(ref["group_labels"])]
    comp = sr.compare_group_paths(MODEL, data, "product_type")
    assert comp.result.fit_measures["chisq"] == pytest.approx(ref["chisq"], rel=1e-3)
    row = comp.table.set_index(["lhs", "rhs"]).loc[("stickiness", "security")]
    assert row["wald"] == pytest.approx(ref["wald"], rel=1e-3)
    assert row["df"] == ref["df"] and row["pvalue_equal"] == pytest.approx(ref["pvalue"], rel=1e-3)
    # paths are free per group (labels in the syntax must not tie them together)
    assert row["est[insurance]"] != pytest.approx(row["est[fund]"])


def test_compare_models_orders_and_tests_nested_models():
    full = sr.fit_sem(MODEL, DATA)
    no_direct = sr.fit_sem(MODEL.replace("h3*interaction + ", "").replace("h6*security + ", "")
                           .replace("h3*interaction", "").replace("h6*security", ""), DATA)
    table = sr.compare_models({"full mediation": no_direct, "partial mediation": full}).set_index("model")
    assert list(table.index) == ["partial mediation", "full mediation"]  # least constrained first
    assert table.loc["full mediation", "delta_df"] == 2
    expected = no_direct.fit_measures["chisq"] - full.fit_measures["chisq"]
    assert table.loc["full mediation", "delta_chisq"] == pytest.approx(expected)
    # the data were simulated with non-zero direct effects: dropping them must be rejected
    assert table.loc["full mediation", "delta_pvalue"] < 0.001
    assert table.loc["partial mediation", "delta_aic"] == 0


def test_compare_models_refuses_different_samples():
    a = sr.fit_sem(MODEL, DATA)
    b = sr.fit_sem(MODEL, DATA.iloc[:300])
    with pytest.raises(sr.ModelSpecError, match="different numbers of rows"):
        sr.compare_models({"a": a, "b": b})


def test_scaled_difference_for_mlr_matches_lavaan():
    ref = lavaan_reference("lrt_mlr_orthogonal")
    hs = sr.datasets.holzinger_swineford()
    free = sr.fit_sem(ref["models"]["free"], hs, estimator="MLR")
    orthogonal = sr.fit_sem(ref["models"]["orthogonal"], hs, estimator="MLR")
    row = sr.compare_models({"free": free, "orthogonal": orthogonal}).set_index("model").loc["orthogonal"]
    assert row["delta_df"] == ref["df_diff"]
    assert row["delta_chisq_scaled"] == pytest.approx(ref["chisq_diff"], rel=1e-3)
    assert row["delta_pvalue"] == pytest.approx(ref["pvalue"], rel=1e-3)
