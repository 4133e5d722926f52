"""Segment priorities from drivers estimated within each segment (strategy.segment_priorities).

Each driver's effect is re-estimated inside every segment by OLS (HC3, t(df) intervals) on the
driver and the drivers it does not cause; a driver is ranked only where its interval lies above
zero, and a segment too small for its regressions gets no numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import stickiness_research as sr
from stickiness_research.regression import ols
from stickiness_research.segments import segment_respondents
from stickiness_research.strategy import adjustment_sets, segment_priorities
from stickiness_research.study import segment_basis

TWO_DRIVERS = [("security", "stickiness"), ("convenience", "stickiness")]


def two_segments(n_a: int = 250, n_b: int = 250, seed: int = 3) -> tuple[pd.DataFrame, pd.Series]:
    """Segment A rates security high and stays for security; segment B rates convenience high and stays for it.

    Within A stickiness = 1 + .6 security (convenience has no effect); within B the reverse. The
    two segments sit apart on the driver scores, so clustering on them finds them again.
    """
    rng = np.random.default_rng(seed)
    a = pd.DataFrame({"security": rng.normal(4.0, 0.45, n_a), "convenience": rng.normal(2.0, 0.45, n_a)})
    b = pd.DataFrame({"security": rng.normal(2.0, 0.45, n_b), "convenience": rng.normal(4.0, 0.45, n_b)})
    a["stickiness"] = 1 + 0.6 * a["security"] + rng.normal(0, 0.35, n_a)
    b["stickiness"] = 1 + 0.6 * b["convenience"] + rng.normal(0, 0.35, n_b)
    scores = pd.concat([a, b], ignore_index=True)
    truth = pd.Series(["A"] * n_a + ["B"] * n_b, index=scores.index)
    return scores, truth


def by_segment(table: pd.DataFrame) -> dict:
    return {(r.segment, r.construct): r for r in table.itertuples()}


def test_segments_that_differ_in_their_drivers_get_different_priorities(default_q):
    scores, truth = two_segments()
    seg = segment_respondents(scores[["security", "convenience"]], k=2, seed=1)
    # the clusters are the two simulated segments (labels 1, 2 by size; here the same size, so map them)
    crossed = pd.crosstab(seg.labels, truth)
    assert (crossed.max(axis=1) / crossed.sum(axis=1)).min() > 0.98
    segment_of = {label: crossed.loc[label].idxmax() for label in crossed.index}
    table = segment_priorities(scores, seg.labels, default_q, outcome="stickiness", paths=TWO_DRIVERS)
    rows = {(segment_of[s], c): r for (s, c), r in by_segment(table).items()}
    # A: security ranked first, convenience has no demonstrable effect; B: the reverse
    assert rows[("A", "security")].rank == 1 and rows[("A", "security")].status == "ranked"
    assert rows[("A", "convenience")].status == "not significant" and pd.isna(rows[("A", "convenience")].rank)
    assert rows[("B", "convenience")].rank == 1 and rows[("B", "convenience")].status == "ranked"
    assert rows[("B", "security")].status == "not significant" and pd.isna(rows[("B", "security")].rank)
    # the segment-specific coefficients recover the simulated ones (b = .6 and 0) within their intervals
    sd = scores.std(ddof=1)
    for (segment, driver), true_b in {("A", "security"): 0.6, ("A", "convenience"): 0.0,
                                      ("B", "security"): 0.0, ("B", "convenience"): 0.6}.items():
        r = rows[(segment, driver)]
        scale = sd[driver] / sd["stickiness"]
        assert r.ci_lower / scale < true_b < r.ci_upper / scale, (segment, driver)
        assert abs(r.b - true_b) < 0.1
    # unranked drivers get no priority; the global-importance approach would have ranked both in both
    assert pd.isna(rows[("A", "convenience")].priority) and rows[("A", "security")].priority > 0


def test_the_segment_estimates_are_statsmodels_ols_with_hc3_and_t_intervals(default_q):
    scores, truth = two_segments(seed=5)
    paths = [("security", "convenience"), *TWO_DRIVERS]  # convenience mediates part of security's effect
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=paths).set_index(
        ["segment", "construct"])
    part = scores[truth == "A"]
    # security's total effect: convenience carries part of it, so it is not held constant
    fit = sm.OLS(part["stickiness"], sm.add_constant(part[["security"]])).fit(cov_type="HC3", use_t=True)
    row = table.loc[("A", "security")]
    assert row["b"] == pytest.approx(fit.params["security"], rel=1e-10)
    assert row["se"] == pytest.approx(fit.bse["security"], rel=1e-10)
    assert row["df"] == fit.df_resid == len(part) - 2
    assert row["pvalue"] == pytest.approx(fit.pvalues["security"], rel=1e-8)
    scale = scores["security"].std(ddof=1) / scores["stickiness"].std(ddof=1)  # whole-sample SDs
    lo, hi = fit.conf_int().loc["security"]
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((lo * scale, hi * scale), rel=1e-10)
    assert row["importance"] == pytest.approx(fit.params["security"] * scale, rel=1e-10)
    # convenience holds security constant (its cause), and matches the regression layer's robust OLS
    layer = ols(part, "stickiness", ["convenience", "security"], robust="HC3").table.set_index("term")
    row = table.loc[("A", "convenience")]
    assert row["adjusted_for"] == "security"
    for column in ("b", "se", "pvalue"):
        assert row[column] == pytest.approx(layer.loc["convenience", column], rel=1e-10)
    assert row["ci_lower"] == pytest.approx(layer.loc["convenience", "ci_lower"] * scores["convenience"].std()
                                            / scores["stickiness"].std(), rel=1e-10)


def test_performance_is_the_segments_own_with_its_t_interval(default_q):
    scores, truth = two_segments()
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS)
    row = table[(table["segment"] == "B") & (table["construct"] == "convenience")].iloc[0]
    values = scores.loc[truth == "B", "convenience"]
    rs = default_q.response_set_of(default_q.items_of("convenience")[0])
    expected = 100 * (values.mean() - rs.minimum) / (rs.maximum - rs.minimum)
    assert row["performance"] == pytest.approx(expected, rel=1e-12)
    assert row["perf_ci_lower"] < row["performance"] < row["perf_ci_upper"]
    assert row["priority"] == pytest.approx(row["importance"] * (100 - row["performance"]), rel=1e-12)


def test_a_small_segment_is_too_small_to_estimate(default_q):
    scores, truth = two_segments(n_a=300, n_b=19)  # 2 predictors x 10 = 20 respondents needed
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS)
    small = table[table["segment"] == "B"]
    assert set(small["status"]) == {"too small to estimate"} and (small["n"] == 19).all()
    assert small[["b", "importance", "ci_lower", "ci_upper", "performance", "priority"]].isna().all().all()
    assert small["rank"].isna().all() and (small["min_n"] == 20).all()
    assert set(table.loc[table["segment"] == "A", "status"]) == {"ranked", "not significant"}
    # 20 respondents are enough for two predictors; the report's min_cell can raise the floor
    scores, truth = two_segments(n_a=300, n_b=20)
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS)
    assert "too small to estimate" not in set(table["status"])
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS, min_n=25)
    assert set(table.loc[table["segment"] == "B", "status"]) == {"too small to estimate"}


def test_a_driver_without_variance_in_a_segment_is_not_estimable(default_q):
    scores, truth = two_segments()
    scores.loc[truth == "B", "convenience"] = 4.0
    table = segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS)
    assert set(table.loc[table["segment"] == "B", "status"]) == {"not estimable"}
    assert table.loc[table["segment"] == "B", "importance"].isna().all()


def test_total_effects_not_direct_ones_are_estimated():
    """A driver acting only through a mediator keeps its effect: the mediator is not held constant."""
    rng = np.random.default_rng(11)
    n = 4000
    x = rng.normal(size=n)
    w = 0.4 * x + rng.normal(size=n)  # a correlated second driver
    m = 0.7 * x + rng.normal(size=n)
    y = 0.5 * m + 0.3 * w + rng.normal(size=n)
    scores = pd.DataFrame({"security": x, "convenience": w, "trust": m, "stickiness": y})
    paths = [("security", "trust"), ("trust", "stickiness"), ("convenience", "stickiness")]
    assert adjustment_sets(paths, "stickiness") == {"security": ("convenience",),
                                                    "trust": ("security", "convenience"),
                                                    "convenience": ("security", "trust")}
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    table = segment_priorities(scores, pd.Series(1, index=scores.index), q, outcome="stickiness", paths=paths)
    b = table.set_index("construct")["b"]
    assert b["security"] == pytest.approx(0.7 * 0.5, abs=0.05)  # total effect; its direct effect is 0
    assert b["trust"] == pytest.approx(0.5, abs=0.05)
    assert b["convenience"] == pytest.approx(0.3, abs=0.05)


@pytest.mark.parametrize(("paths", "message"), [
    ([("a", "b"), ("b", "a"), ("a", "stickiness")], "loop back"),
    ([("a", "b")], "no structural path leads to 'stickiness'"),
])
def test_paths_that_cannot_give_total_effects_are_refused(paths, message):
    with pytest.raises(sr.ModelSpecError, match=message):
        adjustment_sets(paths, "stickiness")


def test_bad_inputs_are_named(default_q):
    scores, truth = two_segments()
    with pytest.raises(sr.ResponseDataError, match="no scores for 'trust'"):
        segment_priorities(scores, truth, default_q, outcome="stickiness", paths=[("trust", "stickiness")])
    with pytest.raises(sr.ResponseDataError, match="share no row"):
        segment_priorities(scores, truth.set_axis(truth.index + 10_000), default_q, outcome="stickiness",
                           paths=TWO_DRIVERS)
    with pytest.raises(sr.ParameterError, match="'min_per_predictor' parameter of segment_priorities"):
        segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS, min_per_predictor=0)
    with pytest.raises(sr.ParameterError, match="'level' parameter of segment_priorities"):
        segment_priorities(scores, truth, default_q, outcome="stickiness", paths=TWO_DRIVERS, level=1.5)


@pytest.mark.slow
def test_clustering_on_the_outcome_would_bias_within_segment_effects(default_q):
    """Why run_study clusters on the exogenous drivers only (segment_basis).

    In the questionnaire's population model every respondent has the same effects, so a segment's
    effects should match the whole sample's. Clusters on every score (stickiness included) select
    respondents by the outcome and shrink them; clusters on the exogenous drivers do not.
    """
    data = sr.reverse_code(sr.simulate_responses(default_q, n=1200, seed=7), default_q)
    scores = sr.scale_scores(data, default_q)
    paths = [(h.from_, h.to) for h in default_q.direct_hypotheses]
    whole = segment_priorities(scores, pd.Series(1, index=scores.index), default_q, outcome="stickiness",
                               paths=paths).set_index("construct")["b"]

    def mean_ratio(columns: list[str]) -> float:
        seg = segment_respondents(scores[columns], k=2, seed=1)
        table = segment_priorities(scores, seg.labels, default_q, outcome="stickiness", paths=paths)
        return float((table["b"] / table["construct"].map(whole)).mean())

    basis = segment_basis(paths, "stickiness", list(scores.columns))
    assert basis == ["interaction", "security", "convenience"]
    assert mean_ratio(basis) == pytest.approx(1, abs=0.15)
    assert mean_ratio(list(scores.columns)) < 0.75


def test_segment_labels_are_the_chosen_k_means_clustering():
    # the clustering kept is the one the silhouette chose (not a second fit): same partition, same silhouette
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    scores, _ = two_segments(seed=8)
    basis = scores[["security", "convenience", "stickiness"]]
    seg = segment_respondents(basis, k_range=(2, 4), seed=7)
    x = basis.to_numpy()
    z = (x - x.mean(axis=0)) / x.std(axis=0)
    raw = KMeans(n_clusters=seg.k, n_init=10, random_state=7).fit_predict(z)
    crossed = pd.crosstab(seg.labels, raw)
    assert ((crossed > 0).sum(axis=1) == 1).all() and ((crossed > 0).sum(axis=0) == 1).all()
    chosen = seg.selection.set_index("k").loc[seg.k]
    assert bool(chosen["chosen"]) and chosen["silhouette"] == pytest.approx(silhouette_score(z, raw), rel=1e-12)
    assert seg.selection["silhouette"].max() == chosen["silhouette"]
