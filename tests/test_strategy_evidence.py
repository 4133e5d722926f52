"""IPMA quadrants only where the evidence is: performance with t intervals, importance with bootstrap ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.strategy import (
    TOTAL_EFFECT_COLUMNS,
    importance_performance,
    performance_table,
    total_effects_from_bootstrap,
)

DRIVERS = ["interaction", "emotional_attachment", "security", "trust", "convenience"]


@pytest.fixture(scope="module")
def setup(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=500, seed=1), default_q)
    return default_q, sr.scale_scores(data, default_q)


def effects(est, half=0.1):
    return pd.DataFrame({"construct": DRIVERS, "std_all": est, "ci_lower": np.subtract(est, half),
                         "ci_upper": np.add(est, half)})


def test_performance_interval_is_the_rescaled_t_interval(setup):
    q, scores = setup
    table = performance_table(scores, q)
    rs = q.response_set_of(q.items_of("trust")[0])
    values = scores["trust"]
    scale = 100 / (rs.maximum - rs.minimum)
    half = scale * 1.9647 * values.std(ddof=1) / np.sqrt(len(values))  # t(499) 97.5 % quantile
    assert table.loc["trust", "perf_ci_upper"] - table.loc["trust", "performance"] == pytest.approx(half, rel=1e-3)


def test_one_point_differences_place_nobody_in_a_quadrant(setup):
    q, scores = setup
    ipma = importance_performance(effects([0.4, 0.3, 0.35, 0.2, 0.18]), scores, q)
    assert (ipma["performance"].max() - ipma["performance"].min()) < 3
    assert set(ipma["quadrant"]) == {"performance does not differ"}


def test_clear_differences_give_quadrants(setup):
    q, scores = setup
    shifted = scores.copy()
    shifted["interaction"] -= 1.0  # far below the others
    shifted["trust"] += 1.0  # far above
    ipma = importance_performance(effects([0.6, 0.3, 0.3, 0.05, 0.3], half=0.05), shifted, q).set_index("construct")
    assert ipma.loc["interaction", "quadrant"] == "concentrate here"
    assert ipma.loc["trust", "quadrant"] == "possible overkill"


def test_effects_with_the_old_est_std_column_give_the_same_map_with_a_warning(setup):
    q, scores = setup
    new = importance_performance(effects([0.6, 0.3, 0.3, 0.05, 0.3], half=0.05), scores, q)
    with pytest.warns(FutureWarning, match="'est_std' column .* use 'std_all'"):
        old = importance_performance(effects([0.6, 0.3, 0.3, 0.05, 0.3], half=0.05).rename(
            columns={"std_all": "est_std"}), scores, q)
    pd.testing.assert_frame_equal(old, new)


def test_total_effects_table_still_answers_est_std():
    boot_effects = pd.DataFrame({"lhs": ["trust -> stickiness", "trust -> security"], "rhs": ["total", "total"],
                                 "std_all": [0.4, 0.2], "std_ci_lower": [0.3, 0.1], "std_ci_upper": [0.5, 0.3]})
    table = total_effects_from_bootstrap(boot_effects, "stickiness")
    assert table.columns.tolist() == TOTAL_EFFECT_COLUMNS and table["std_all"].tolist() == [0.4]
    with pytest.warns(FutureWarning, match="column 'est_std'"):
        assert table["est_std"].tolist() == [0.4]
