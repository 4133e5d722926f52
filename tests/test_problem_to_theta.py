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
    assert (group._selection[1] is not None) is placed


def test_a_model_whose_every_parameter_sits_at_its_bound_still_gives_modification_indices():
    """Every free parameter held at an active inequality bound folds every column of K away: to_theta of an
    (n, 0) map is the empty product, as the tensordot gave (argmax of nothing raised)."""
    model = ("interaction =~ int1 + a*int2 + b*int3\na > 5\nb > 5\nint1 ~~ c*int1\nint2 ~~ d*int2\n"
             "int3 ~~ e*int3\ninteraction ~~ f*interaction\nc > 9\nd > 9\ne > 9\nf > 9")
    res = sr.fit_sem(model, pd.read_csv(DATA))
    assert res._state.problem.groups[0].k_map.shape[1] == 0
    mi = res.modification_indices()
    assert len(mi) > 0 and np.isfinite(mi["mi"]).all()
