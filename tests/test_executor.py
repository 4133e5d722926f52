"""The executor: the same results in process, in joblib's local processes and on a Dask cluster.

Task i always gets child i of one SeedSequence(seed), so neither the backend nor the number of workers
changes a number; results come back in task order; a scheduler that is not there is a named error.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.executor import run_tasks, task_seeds


def draw(scale: float, seed: np.random.SeedSequence) -> tuple[float, int]:
    """A task: a normal draw scaled by the task, and the task's first seed word (to see which seed it got)."""
    return float(np.random.default_rng(seed).normal(0, scale)), int(seed.generate_state(1)[0])


def process_id(task: int, seed: np.random.SeedSequence) -> int:
    return os.getpid()


def fail_on_three(task: int, seed: np.random.SeedSequence) -> int:
    if task == 3:
        raise sr.EstimationError("task 3 failed")
    return task


TASKS = [1.0, 10.0, 100.0, 0.5, 2.0, 3.0, 7.0]


@pytest.fixture(scope="module")
def in_process():
    return run_tasks(draw, TASKS, seed=11)


def test_task_i_gets_child_i_of_one_seed_sequence(in_process):
    children = np.random.SeedSequence(11).spawn(len(TASKS))
    assert [word for _, word in in_process] == [int(c.generate_state(1)[0]) for c in children]
    # a shorter run's tasks get the same seeds: a task's numbers do not depend on how many tasks there are
    assert run_tasks(draw, TASKS[:3], seed=11) == in_process[:3]
    # a SeedSequence root: its children come from its spawn key, whatever it has spawned before
    root = np.random.SeedSequence(11)
    root.spawn(5)
    assert run_tasks(draw, TASKS, seed=root) == in_process
    assert run_tasks(draw, TASKS, seed=12) != in_process
    assert [int(s.generate_state(1)[0]) for s in task_seeds(root.spawn(1)[0], 3)] == [
        int(s.generate_state(1)[0]) for s in np.random.SeedSequence(11).spawn(6)[5].spawn(3)]


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_joblib_processes_give_the_in_process_results(in_process, n_jobs):
    assert run_tasks(draw, TASKS, seed=11, n_jobs=n_jobs) == in_process
    assert os.getpid() not in set(run_tasks(process_id, range(4), seed=1, n_jobs=n_jobs))  # other processes


def test_threads_give_the_in_process_results(in_process):
    """prefer="threads" (the SEM bootstrap's choice): the same results, in this process."""
    assert run_tasks(draw, TASKS, seed=11, n_jobs=2, prefer="threads") == in_process
    assert set(run_tasks(process_id, range(4), seed=1, n_jobs=2, prefer="threads")) == {os.getpid()}
    with pytest.raises(sr.EstimationError, match="task 3 failed"):
        run_tasks(fail_on_three, [1, 2, 3, 4], seed=1, n_jobs=2, prefer="threads")


def test_errors_of_a_task_keep_their_type():
    for n_jobs in (1, 2):
        with pytest.raises(sr.EstimationError, match="task 3 failed"):
            run_tasks(fail_on_three, [1, 2, 3, 4], seed=1, n_jobs=n_jobs)


def test_a_scheduler_that_is_not_there_is_a_named_error_at_once():
    start = time.perf_counter()
    with pytest.raises(sr.ParameterError, match=r"'scheduler' parameter of run_tasks .* none answered there "
                                                r"\(cannot connect to 127\.0\.0\.1:1"):
        run_tasks(draw, TASKS, seed=1, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(sr.ParameterError, match="unknown address scheme 'http'"):
        run_tasks(draw, TASKS, seed=1, scheduler="http://127.0.0.1:8786")
    with pytest.raises(sr.ParameterError, match="missing port number"):
        sr.power(sr.load_questionnaire(sr.builtin_questionnaire_path()), n=[100], scheduler="localhost")
    assert time.perf_counter() - start < 5  # refused at once, not after dask's connect timeout


def test_progress_bar_counts_every_task(monkeypatch, capfd, in_process):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws the bar only on a terminal; pytest's stderr is not one
    monkeypatch.setenv("TERM", "xterm")
    for n_jobs in (1, 2):
        assert run_tasks(draw, TASKS, seed=11, n_jobs=n_jobs, progress=True, description="draws") == in_process
        err = capfd.readouterr().err
        assert "draws" in err and f"{len(TASKS)}/{len(TASKS)}" in err


def test_a_two_worker_local_cluster_gives_the_local_results(default_q, in_process, monkeypatch, capfd):
    distributed = pytest.importorskip("distributed")
    local = sr.power(default_q, n=[150], replications=12, seed=3)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster, set_as_default=False) as client:  # as the CLI's: no default client
        workers = set(client.run(os.getpid).values())
        assert len(workers) == 2 and os.getpid() not in workers
        assert set(run_tasks(process_id, range(8), seed=1, scheduler=client)) <= workers  # ran on the workers
        assert run_tasks(draw, TASKS, seed=11, scheduler=client) == in_process
        assert run_tasks(draw, TASKS, seed=11, scheduler=cluster.scheduler_address) == in_process  # an address
        with pytest.raises(sr.EstimationError, match="task 3 failed"):
            run_tasks(fail_on_three, [1, 2, 3, 4], seed=1, scheduler=client)
        monkeypatch.setenv("FORCE_COLOR", "1")
        monkeypatch.setenv("TERM", "xterm")
        capfd.readouterr()
        remote = sr.power(default_q, n=[150], replications=12, seed=3, scheduler=client, progress=True)
        assert "N = 150" in capfd.readouterr().err  # the progress bar, fed from the cluster
        assert client.status == "running"  # a Client given is left open
    pd.testing.assert_frame_equal(remote, local)
