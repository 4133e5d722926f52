"""Numerical derivatives (central differences), as lavaan uses for delta-method SEs and Hessians; and
the BLAS thread limit every SEM computation runs under."""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
from threadpoolctl import ThreadpoolController


def single_threaded_blas(fn: Callable) -> Callable:
    """Run ``fn`` with BLAS on one thread.

    SEM matrices are small (p < 100): threads cost more than they save, 4-14x on a loaded 2-core
    machine (fits, invariance; shared/cases/performance.md). Parallelism, where wanted, is over
    resamples or models, not inside a 20 x 20 product.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with _controller().limit(limits=1, user_api="blas"):
            return fn(*args, **kwargs)

    return wrapper


@functools.cache
def _controller() -> ThreadpoolController:
    """The process's BLAS libraries, found once (finding them costs milliseconds per call)."""
    return ThreadpoolController()


def numerical_jacobian(fn: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, rel_step: float = 1e-6) -> np.ndarray:
    """Jacobian of a vector function; steps are relative to each parameter's size."""
    base = np.atleast_1d(fn(theta))
    jac = np.empty((len(base), len(theta)))
    for i in range(len(theta)):
        h = rel_step * max(1.0, abs(theta[i]))
        up, down = theta.copy(), theta.copy()
        up[i] += h
        down[i] -= h
        jac[:, i] = (np.atleast_1d(fn(up)) - np.atleast_1d(fn(down))) / (2 * h)
    return jac


def hessian_from_gradient(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray) -> np.ndarray:
    """Symmetric Hessian from an analytic gradient."""
    jac = numerical_jacobian(gradient, theta, rel_step=1e-5)
    return 0.5 * (jac + jac.T)
