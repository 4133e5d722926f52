"""The PLS bootstrap runs its chunks through the one executor (#18 item 3): the same table in process, on threads
and on a two-worker Dask LocalCluster, for the batched path, the staged path (an interaction term) and the
studentized interval's inner bootstraps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            distributed.Client(c, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def mobi():
    return sr.datasets.mobi()


MODEL = """Image =~ IMAG1 + IMAG2 + IMAG3
Expectation =~ CUEX1 + CUEX2 + CUEX3
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation ~ Image
Satisfaction ~ Image + Expectation
Loyalty ~ Satisfaction + Image"""


@pytest.mark.parametrize(("model", "options"), [
    (MODEL, {"n_boot": 300}),
    (MODEL + "\nLoyalty ~ Image:Satisfaction", {"n_boot": 60}),
    (MODEL, {"n_boot": 40, "ci": "studentized", "n_inner": 5}),
])
def test_pls_bootstrap_is_the_same_in_process_on_threads_and_on_the_cluster(mobi, cluster, model, options):
    res = sr.fit_pls(model, mobi)
    local = res.bootstrap(seed=3, **options)
    for other in (res.bootstrap(seed=3, n_jobs=2, **options), res.bootstrap(seed=3, scheduler=cluster, **options)):
        pd.testing.assert_frame_equal(other.table, local.table)
        np.testing.assert_array_equal(other.draws.to_numpy(), local.draws.to_numpy())
    assert local.n_failed == 0 and len(local.draws) == options["n_boot"]
