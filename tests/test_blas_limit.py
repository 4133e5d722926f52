"""Tasks on threads keep one BLAS thread for as long as any of them runs (every executor task runs in a
one_blas_thread block, counted over threads): with threadpoolctl's per-thread ownership of OpenBLAS' pool size, the
first task to leave its own one-thread block gave the process back two BLAS threads while the other still computed,
and PLS bootstrap replicates differed in the last bit between n_jobs=1 and n_jobs=2 now and then (CI)."""

from __future__ import annotations

import threading

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from stickiness_research._blas import single_threaded_blas
from stickiness_research.executor import map_chunks


def _blas_threads() -> int:
    return max(info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas")


def test_a_task_on_a_thread_keeps_one_blas_thread_after_the_other_task_left():
    if not any(info["user_api"] == "blas" for info in threadpool_info()):
        pytest.skip("no BLAS library found by threadpoolctl")
    first_inside, first_left = threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    @single_threaded_blas  # as every numpy-bound task is
    def task(which: str) -> str:
        if which == "first":
            first_inside.set()
            return which
        first_inside.wait(5)
        first_left.wait(5)  # set by the first task's thread once its block has been left
        seen["second, after the first left"] = _blas_threads()
        return which

    def run(which: str) -> str:
        out = task(which)
        if which == "first":
            first_left.set()
        return out

    with threadpool_limits(2, "blas"):
        with threadpool_limits(2, "blas"):  # this thread set a limit and left it, as an earlier fit does
            pass
        assert map_chunks(run, ["first", "second"], n_jobs=2) == ["first", "second"]
        assert seen["second, after the first left"] == 1
        assert _blas_threads() == 2  # given back once the tasks are done


def test_a_block_left_on_one_thread_keeps_the_limit_for_another_thread_still_inside():
    """The same without the executor (a Dask worker's threads, a user's own threads): overlapping blocks on two
    threads, the first to leave neither ends the limit for the other nor keeps it once both have left."""
    if not any(info["user_api"] == "blas" for info in threadpool_info()):
        pytest.skip("no BLAS library found by threadpoolctl")
    from stickiness_research._blas import one_blas_thread

    first_inside, second_inside, first_left = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, int] = {}

    def first():
        with one_blas_thread():
            first_inside.set()
            second_inside.wait(5)
        first_left.set()

    def second():
        first_inside.wait(5)
        with one_blas_thread():
            second_inside.set()
            first_left.wait(5)
            seen["after the first left"] = _blas_threads()

    with threadpool_limits(2, "blas"):
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert seen["after the first left"] == 1
        assert _blas_threads() == 2
