"""The classroom pack and the HTMT bootstrap run through the one executor (#18 item 3): the same pack and the
same intervals in process, in local processes and on a two-worker Dask LocalCluster."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.classroom import _build, build_classroom, student_seeds
from stickiness_research.measurement.validity import _htmt


def _pack(path) -> tuple[dict[str, bytes], dict]:
    data = {p.name: p.read_bytes() for p in sorted((path / "data").iterdir())}
    return data, json.loads((path / "instructor" / "key.json").read_text(encoding="utf-8"))["students"]


@pytest.fixture(scope="module")
def scored(default_q):
    return sr.reverse_code(sr.simulate_responses(default_q, n=200, seed=2), default_q)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c, \
            distributed.Client(c) as client:
        yield client


def test_classroom_pack_is_the_same_for_any_worker_count(default_q, tmp_path, cluster):
    local = _pack(build_classroom(default_q, 3, 7, tmp_path / "one", n=120, vary_effects=True))
    assert local == _pack(_build(default_q, 3, 7, tmp_path / "two", n=120, vary_effects=True, n_jobs=2))
    assert local == _pack(_build(default_q, 3, 7, tmp_path / "dask", n=120, vary_effects=True, scheduler=cluster))
    # the documented seeding rule: student k's data seed from child k of SeedSequence(seed)
    assert [e["data_seed"] for e in local[1].values()] == [s for s, _ in student_seeds(7, 3)]
    assert len(set(local[0].values())) == 3  # three different datasets


def test_classroom_checks_n_jobs(default_q, tmp_path):
    with pytest.raises(sr.ParameterError, match="'n_jobs' parameter of build_classroom"):
        _build(default_q, 2, 1, tmp_path, n=120, vary_effects=False, n_jobs=0)


def test_htmt_bootstrap_is_the_same_for_any_worker_count(default_q, scored, cluster):
    local = sr.htmt(scored, default_q, n_boot=600, seed=9)  # three executor tasks of 250, 250, 100 resamples
    assert local["ci_lower"].lt(local["htmt"]).all() and local["ci_upper"].gt(local["htmt"]).all()
    options = {"htmt2": True, "n_boot": 600, "seed": 9, "level": 0.95, "threshold": 0.85}
    pd.testing.assert_frame_equal(local, _htmt(scored, default_q, **options, n_jobs=2))
    pd.testing.assert_frame_equal(local, _htmt(scored, default_q, **options, scheduler=cluster))


def test_htmt_resamples_come_from_the_one_seeded_stream(default_q, scored):
    """The resamples are those of numpy.random.default_rng(seed), drawn one after another (as before the
    executor): the interval equals one computed by hand from that stream."""
    table = sr.htmt(scored, default_q, n_boot=300, seed=4, htmt2=False)
    items = [i.id for i in default_q.items]
    x = scored[items].to_numpy(dtype=float)
    rng = np.random.default_rng(4)
    first, second = [i.id for i in default_q.items if i.construct == "interaction"], \
        [i.id for i in default_q.items if i.construct == "emotional_attachment"]
    a, b = [items.index(i) for i in first], [items.index(i) for i in second]
    draws = []
    for _ in range(300):
        r = np.abs(np.corrcoef(x[rng.integers(0, len(x), len(x))], rowvar=False))
        within = [r[np.ix_(s, s)][np.triu_indices(len(s), 1)].mean() for s in (a, b)]
        draws.append(r[np.ix_(a, b)].mean() / np.sqrt(within[0] * within[1]))
    row = table[(table["construct_a"] == "interaction") & (table["construct_b"] == "emotional_attachment")].iloc[0]
    assert row["ci_lower"] == pytest.approx(np.quantile(draws, 0.025), rel=1e-10)
    assert row["ci_upper"] == pytest.approx(np.quantile(draws, 0.975), rel=1e-10)
    with pytest.raises(sr.ParameterError, match="'n_jobs' parameter of htmt"):
        _htmt(scored, default_q, htmt2=True, n_boot=10, seed=1, level=0.95, threshold=0.85, n_jobs=0)
