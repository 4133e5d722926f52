"""The classroom pack, the HTMT bootstrap and the SEM bootstrap run through the one executor (#18 item 3): the same
pack and the same intervals in process, in local workers and on a two-worker Dask LocalCluster (one cluster for
the module)."""

from __future__ import annotations

import json
import os

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

import stickiness_research as sr
from stickiness_research.classroom import build_classroom, student_seeds


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
            distributed.Client(c, set_as_default=False) as client:  # no default client, as in the CLI
        yield client


def test_classroom_pack_is_the_same_for_any_worker_count(default_q, tmp_path, cluster):
    local = _pack(build_classroom(default_q, 3, 7, tmp_path / "one", n=120, vary_effects=True))
    assert local == _pack(build_classroom(default_q, 3, 7, tmp_path / "two", n=120, vary_effects=True, n_jobs=2))
    assert local == _pack(build_classroom(default_q, 3, 7, tmp_path / "dask", n=120, vary_effects=True,
                                          scheduler=cluster))
    # the documented seeding rule: student k's data seed from child k of SeedSequence(seed)
    assert [e["data_seed"] for e in local[1].values()] == [s for s, _ in student_seeds(7, 3)]
    assert len(set(local[0].values())) == 3  # three different datasets


def test_classroom_checks_n_jobs(default_q, tmp_path):
    with pytest.raises(sr.ParameterError, match="'n_jobs' parameter of build_classroom"):
        build_classroom(default_q, 2, 1, tmp_path, n=120, n_jobs=0)
    with pytest.raises(sr.ParameterError, match="'scheduler' parameter of build_classroom .* none answered there"):
        build_classroom(default_q, 2, 1, tmp_path / "pack", n=120, scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "pack").exists()  # refused before a file is written


def test_htmt_bootstrap_is_the_same_for_any_worker_count(default_q, scored, cluster):
    local = sr.htmt(scored, default_q, n_boot=600, seed=9)  # three executor tasks of 250, 250, 100 resamples
    assert local["ci_lower"].lt(local["htmt"]).all() and local["ci_upper"].gt(local["htmt"]).all()
    pd.testing.assert_frame_equal(local, sr.htmt(scored, default_q, n_boot=600, seed=9, n_jobs=2))
    pd.testing.assert_frame_equal(local, sr.htmt(scored, default_q, n_boot=600, seed=9, scheduler=cluster))


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
        sr.htmt(scored, default_q, n_boot=10, n_jobs=0)
    with pytest.raises(sr.ParameterError, match="'scheduler' parameter of htmt .* none answered there"):
        sr.htmt(scored, default_q, n_boot=10, scheduler="tcp://127.0.0.1:1")


@pytest.fixture(scope="module")
def fitted():
    return sr.fit_sem((REFERENCE / "models" / "stickiness_default.lav").read_text(encoding="utf-8"),
                      pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv"))


def test_sem_bootstrap_is_the_same_in_process_on_threads_and_on_the_cluster(fitted, cluster, monkeypatch, capfd):
    """Its resamples are drawn up front from default_rng(seed); chunks of 500 are fitted where the executor puts
    them (1,200 resamples: three chunks, so both workers get work)."""
    local = fitted.bootstrap(1200, seed=5)
    threads = fitted.bootstrap(1200, seed=5, n_jobs=2)
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws the bar only on a terminal
    monkeypatch.setenv("TERM", "xterm")
    capfd.readouterr()
    remote = fitted.bootstrap(1200, seed=5, scheduler=cluster, progress=True)
    err = capfd.readouterr().err
    assert "bootstrap" in err and "3/3" in err  # the bar, fed from the cluster
    by_address = fitted.bootstrap(1200, seed=5, scheduler=cluster.scheduler.address)
    for other in (threads, remote, by_address):
        pd.testing.assert_frame_equal(local.draws, other.draws)
        pd.testing.assert_frame_equal(local.table, other.table)
    assert local.n_failed == 0 and len(local.draws) == 1200
    assert not local.draws.equals(fitted.bootstrap(1200, seed=6).draws)
    assert cluster.status == "running"  # a Client given is left open
    workers = set(cluster.run(os.getpid).values())
    assert len(workers) == 2 and os.getpid() not in workers


def test_sem_bootstrap_scheduler_errors_name_bootstrap_and_wlsmv_runs_on_the_cluster(fitted, cluster):
    with pytest.raises(sr.ParameterError, match="'scheduler' parameter of bootstrap .* none answered there"):
        fitted.bootstrap(200, seed=1, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(sr.ParameterError, match="'progress' parameter of bootstrap"):
        fitted.bootstrap(200, seed=1, progress="yes")
    ordinal = sr.fit_sem("trust =~ tru1 + tru2 + tru3 + tru4",
                         sr.simulate_responses(sr.load_questionnaire(sr.builtin_questionnaire_path()), n=150,
                                               seed=1), ordered=True)
    # a WLSMV fit's resamples (refitted one by one) run on the cluster too, with the local results
    local = ordinal.bootstrap(60, seed=1)
    pd.testing.assert_frame_equal(ordinal.bootstrap(60, seed=1, scheduler=cluster).table, local.table)
