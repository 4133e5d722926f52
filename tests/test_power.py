"""Monte Carlo power: reproducible, and larger samples detect a fixed effect more often."""

from __future__ import annotations

import pandas as pd
import pytest

import stickiness_research as sr


@pytest.fixture(scope="module")
def table(default_q):
    return sr.power(default_q, n=[80, 400], replications=12, seed=3)


def test_power_grows_with_n_and_is_reproducible(default_q, table):
    by = table.set_index(["hypothesis", "n"])["power"]
    # the smallest direct effect (H6, beta .15) is hard to detect at N = 80 and easier at N = 400
    assert by[("H6", 80)] < by[("H6", 400)]
    assert by[("H1", 400)] == 1.0  # beta .50 is always detected at N = 400
    again = sr.power(default_q, n=[80, 400], replications=12, seed=3)
    pd.testing.assert_frame_equal(table, again)


def test_true_values_and_shape(default_q, table):
    assert set(table["n"]) == {80, 400}
    assert len(table) == 2 * len(default_q.hypotheses)
    h8 = table[(table["hypothesis"] == "H8")].iloc[0]
    assert h8["true_beta"] == pytest.approx(0.50 * 0.30)  # indirect: product of the chain's paths
    assert (table["replications"] + table["failed"] == 12).all()


def test_bad_arguments(default_q):
    with pytest.raises(sr.ParameterError, match="'n' parameter of power"):
        sr.power(default_q, n=[10])
    with pytest.raises(sr.ParameterError, match="'replications' parameter of power"):
        sr.power(default_q, n=[100], replications=0)
