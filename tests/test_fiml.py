"""Full-information ML uses incomplete rows; it agrees with lavaan (test_sem_reference) and beats listwise."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REFERENCE

import stickiness_research as sr

HS_MODEL = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8")


def test_fiml_is_closer_to_complete_data_than_listwise():
    complete = sr.datasets.holzinger_swineford()
    rng = np.random.default_rng(7)
    damaged = complete.copy()
    for col in [f"x{i}" for i in range(1, 10)]:
        damaged.loc[rng.random(len(damaged)) < 0.15, col] = np.nan
    truth = sr.fit_sem(HS_MODEL, complete).estimates.set_index(["lhs", "op", "rhs"])["est"]
    fiml = sr.fit_sem(HS_MODEL, damaged, missing="ml")
    listwise = sr.fit_sem(HS_MODEL, damaged)
    assert fiml.n_obs == 301 and listwise.n_obs < 301 * 0.3
    err_fiml = (fiml.estimates.set_index(["lhs", "op", "rhs"])["est"] - truth).abs().mean()
    err_list = (listwise.estimates.set_index(["lhs", "op", "rhs"])["est"] - truth).abs().mean()
    assert err_fiml < err_list
    assert "missingness patterns" in fiml.warnings[-1]
    assert "missing='ml'" in listwise.warnings[-1]


def test_fiml_options_are_checked():
    data = sr.datasets.holzinger_swineford()
    with pytest.raises(sr.ModelSpecError, match="missing must be 'listwise', 'ml'"):
        sr.fit_sem(HS_MODEL, data, missing="available")
    with pytest.raises(sr.ModelSpecError, match="missing='pairwise' is for ordered items"):
        sr.fit_sem(HS_MODEL, data, missing="pairwise")
    with pytest.raises(sr.ModelSpecError, match="MLR with missing=.ml. is available for single-group"):
        sr.fit_sem(HS_MODEL, data, missing="ml", group="school", estimator="MLR")
