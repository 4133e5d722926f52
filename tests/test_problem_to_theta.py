"""Group.to_theta (derivatives with respect to the free rows, as derivatives with respect to theta) places rows
where each free row is a theta of its own and multiplies by K' otherwise: both give K' d exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

import stickiness_research as sr

DATA = REFERENCE / "data" / "stickiness_demo.csv"


@pytest.mark.parametrize(("model", "options", "placed"), [
    ("interaction =~ int1 + int2 + int3\nsecurity =~ sec1 + sec2 + sec3\nsecurity ~ interaction", {}, True),
    ("interaction =~ int1 + a*int2 + a*int3\nsecurity =~ sec1 + sec2 + sec3\nsecurity ~ interaction", {}, False),
    # thresholds make theta longer than the free rows: still a placement
    ("interaction =~ int1 + int2 + int3\nsecurity =~ sec1 + sec2 + sec3\nsecurity ~ interaction",
     {"estimator": "WLSMV", "ordered": True}, True),
])
def test_to_theta_equals_k_transpose_times_the_rows(model, options, placed):
    res = sr.fit_sem(model, pd.read_csv(DATA), **options)
    group = res._state.problem.groups[0]
    rows = np.random.default_rng(0).standard_normal((group.k_map.shape[0], 4, 3))
    np.testing.assert_array_equal(group.to_theta(rows), np.tensordot(group.k_map.T, rows, axes=1))
    assert (group._selection[2] is not None) is placed
