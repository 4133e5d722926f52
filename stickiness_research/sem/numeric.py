"""Numerical derivatives (central differences), as lavaan uses for delta-method SEs and Hessians (the
BLAS thread limit every SEM computation runs under is in ``stickiness_research._blas``)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
