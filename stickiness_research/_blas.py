"""The BLAS thread limit shared by every layer (the SEM engine, screening): one place finds the
process's BLAS libraries (threadpoolctl) and caps them at one thread where products are small or narrow."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

from threadpoolctl import ThreadpoolController


@functools.cache
def _controller() -> ThreadpoolController:
    """The process's BLAS libraries, found once (finding them costs milliseconds per call)."""
    return ThreadpoolController()


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside the block."""
    with _controller().limit(limits=1, user_api="blas"):
        yield


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
