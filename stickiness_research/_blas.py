"""The BLAS thread limit shared by every layer (the SEM engine, screening): one place finds the
process's BLAS libraries (threadpoolctl) and caps them at one thread where products are small or narrow.

Why not a plain ``threadpoolctl`` limit per block: OpenBLAS' pool size is one setting for the whole process,
and tasks run on several threads at once (joblib threads, a Dask worker's threads). A block that restores the
count it found on entry gives the others back a multi-threaded BLAS while they still compute, whose sums round
differently (bootstrap replicates differed in the last bit between ``n_jobs=1`` and ``n_jobs=2``); and since
threadpoolctl 3.8 only the thread that first set the size can change it, so a task's own limit on a worker
thread may do nothing at all. Here the limit is counted over all threads: set when the first block is entered,
restored when the last one is left, by whichever thread that is. (OpenBLAS built on OpenMP keeps a count per
thread: that one each block sets for its own thread.) Every BLAS limit of this package goes through
:func:`one_blas_thread`; a plain ``threadpoolctl`` limit that another library (scikit-learn) holds on another
thread at the same time can still change the count under it.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    """The process's BLAS libraries, found once (finding them costs milliseconds per call)."""
    return ThreadpoolController()


@functools.cache
def _libraries() -> tuple[list, list]:
    """The BLAS libraries whose thread count is the process's (OpenBLAS on its own threads, MKL, BLIS), and
    those whose count is each calling thread's own (OpenBLAS built on OpenMP, which threadpoolctl sets through
    omp_set_num_threads; MKL's and BLIS' setters are global whatever their threading layer)."""
    blas = [c for c in _controller().lib_controllers if c.user_api == "blas"]
    per_thread = [c for c in blas if c.internal_api == "openblas" and getattr(c, "threading_layer", None) == "openmp"]
    return [c for c in blas if c not in per_thread], per_thread


_lock = threading.Lock()
_inside = 0  # one_blas_thread blocks entered and not yet left, over every thread of the process
_found: list[tuple[object, int]] = []  # each process-wide library's thread count when the first block was entered


def _set_blas_threads(counts: list[tuple[object, int]]) -> None:
    """Set each library's thread count from the calling thread, whichever it is: threadpoolctl >= 3.8 lets only
    a "controlling" thread change OpenBLAS' shared pool, so that claim is released before and after."""
    for library, count in counts:
        release = getattr(type(library), "clear_controlling_thread", None)
        if release is not None:
            release(force=True)
        library.set_num_threads(count)
        if release is not None:
            release(force=True)


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block, for as long as any thread is inside such a block (a library with
    per-thread counts is set for this thread, as a plain limit would)."""
    global _inside, _found
    shared, per_thread = _libraries()
    with _lock:
        if _inside == 0:
            _found = [(c, c.num_threads) for c in shared]
            _set_blas_threads([(c, 1) for c in shared])
        _inside += 1
    own = [(c, c.num_threads) for c in per_thread]
    for library, _ in own:
        library.set_num_threads(1)
    try:
        yield
    finally:
        for library, count in own:
            library.set_num_threads(count)
        with _lock:
            _inside -= 1
            if _inside == 0:
                _set_blas_threads(_found)
                _found = []


def single_threaded_blas(fn: Callable) -> Callable:
    """Run ``fn`` with BLAS on one thread.

    SEM matrices are small (p < 100): threads cost more than they save, 4-14x on a loaded 2-core
    machine (fits, invariance; shared/cases/performance.md). Parallelism, where wanted, is over
    resamples or models, not inside a 20 x 20 product.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper
