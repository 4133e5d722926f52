"""The WLSMV inference shortcuts equal the textbook formulas they expand.

``robust_parts`` and ``_catml`` avoid products of two k x k matrices (k the sample statistics) by expanding
``tr(U Gamma)``, ``tr((U Gamma)^2)``, the sandwich and Savalei's ``tr(A' V A Gamma)``; here each is formed
the direct way (as lavaan's lav_test_satorra_bentler, lav_model_vcov and lav_fit_catml_dwls write them) on a
two-group fit, where the f_g weights matter, and compared.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import linalg

import stickiness_research as sr
from stickiness_research.sem import categorical


def _two_group_fit():
    rng = np.random.default_rng(21)
    n = 700
    eta = rng.standard_normal((n, 2)) @ np.linalg.cholesky([[1, 0.4], [0.4, 1]]).T
    cols = {}
    for j in range(8):
        z = 0.7 * eta[:, j // 4] + rng.normal(scale=0.7, size=n)
        cols[f"y{j + 1}"] = np.digitize(z, [-1.0, -0.2, 0.6, 1.4]) + 1
    data = pd.DataFrame(cols)
    data["g"] = np.where(rng.random(n) < 0.4, "a", "b")
    model = "f1 =~ y1 + y2 + y3 + y4\nf2 =~ y5 + y6 + y7 + y8"
    return sr.fit_sem(model, data, estimator="WLSMV", ordered=True, group="g")


@pytest.fixture(scope="module")
def fit():
    return _two_group_fit()


def test_traces_and_sandwich_equal_the_direct_formulas(fit):
    problem, sol = fit._state.problem, fit._state.solution
    f = problem.fractions()
    delta = np.vstack(sol.deltas)
    w = np.concatenate([fg * g.weights for fg, g in zip(f, problem.groups, strict=True)])
    gamma = linalg.block_diag(*[g.gamma / fg for fg, g in zip(f, problem.groups, strict=True)])
    e = delta.T @ (w[:, None] * delta)
    assert np.allclose(e, sol.information, rtol=1e-12, atol=1e-12)
    u = np.diag(w) - (w[:, None] * delta) @ np.linalg.solve(e, delta.T * w[None, :])
    ug = u @ gamma
    parts = categorical.robust_parts(problem, sol)
    assert parts.tr1 == pytest.approx(np.trace(ug), rel=1e-10)
    assert parts.tr2 == pytest.approx(np.trace(ug @ ug), rel=1e-10)
    e_inv = np.linalg.inv(e)
    wd = delta * w[:, None]
    direct = e_inv @ (wd.T @ gamma @ wd) @ e_inv / (problem.n_total - len(problem.groups))
    assert np.allclose(categorical.robust_vcov(problem, sol), direct, rtol=1e-10, atol=1e-14)


def test_catml_scaling_equals_the_direct_formula(fit):
    problem, sol = fit._state.problem, fit._state.solution
    f = problem.fractions()
    v_blocks, w_blocks, g_blocks, d_blocks = [], [], [], []
    for fg, g, delta in zip(f, problem.groups, sol.deltas, strict=True):
        sigma = categorical.implied_star(problem, g, sol.theta)
        np.fill_diagonal(sigma, 1.0)
        s = np.linalg.inv(sigma)
        i, j, c = g.cor_i, g.cor_j, g.cor_pos
        v = np.array([[s[a, x] * s[b, y] + s[a, y] * s[b, x] for x, y in zip(i, j, strict=True)]
                      for a, b in zip(i, j, strict=True)])
        v_blocks.append(fg * v)
        w_blocks.append(fg * g.weights[c])
        g_blocks.append(g.gamma[np.ix_(c, c)] / fg)
        d_blocks.append(delta[c])
    v, gamma = linalg.block_diag(*v_blocks), linalg.block_diag(*g_blocks)
    w, d = np.concatenate(w_blocks), np.vstack(d_blocks)
    a = np.eye(len(w)) - d @ np.linalg.solve(sol.information, d.T * w[None, :])
    ks = np.trace(a.T @ v @ a @ gamma)
    cat = categorical._catml(problem, sol)
    assert cat["c.hat3"] == pytest.approx(ks / cat["df3"], rel=1e-10)
    assert cat["c.hat3.null"] == pytest.approx(np.trace(gamma) / cat["df3.null"], rel=1e-12)


def test_a_model_without_free_parameters_is_fitted():
    """Every loading, variance and threshold fixed: the thresholds' rows have no column to point at (the
    vectorised table once took argmax over an empty axis); chi-square as lavaan computes it for the fixed model."""
    rng = np.random.default_rng(8)
    z = rng.standard_normal((500, 1))
    data = pd.DataFrame({f"y{j}": np.digitize(0.7 * z[:, 0] + rng.normal(scale=0.7, size=500), [-1, 0, 1]) + 1
                         for j in (1, 2, 3)})
    model = ("F =~ 1*y1 + 0.8*y2 + 0.7*y3\nF ~~ 0.5*F\n"
             + "\n".join(f"y{j} | -1*t1 + 0*t2 + 1*t3" for j in (1, 2, 3)))
    for parameterization in ("delta", "theta"):
        res = sr.fit_sem(model, data, ordered=True, parameterization=parameterization)
        assert res.fit_measures["npar"] == 0
        assert res.fit_measures["chisq"] > 0
        thresholds = res.estimates[res.estimates["op"] == "|"]
        assert list(thresholds["est"]) == [-1.0, 0.0, 1.0] * 3


@pytest.mark.parametrize("tr2", [0.0, -1.0, math.inf, math.nan, 1e-320])
def test_scaled_shifted_test_without_a_usable_trace_is_nan_not_a_crash(tr2):
    """A degenerate NACOV (a correlation on a flat likelihood: 1e176) overflowed tr((U Gamma)^2), a = sqrt(df / tr2)
    became 0 and 1 / a raised ZeroDivisionError out of fit_sem; no usable trace now gives no scaled statistic."""
    stat, scale, shift = categorical._scaled_shifted(10.0, 5, 4.0, tr2)
    assert math.isnan(stat) and math.isnan(scale) and math.isnan(shift)
    a = math.sqrt(2.5)
    assert categorical._scaled_shifted(10.0, 5, 4.0, 2.0)[0] == pytest.approx(a * 10 + 5 - a * 4)


def test_a_negative_robust_chi_square_gives_nan_rmsea_bounds_not_a_crash():
    """19 usable rows, a Heywood case: Savalei's catML statistic is negative (-1.36), and its RMSEA interval made
    scipy's root finder raise ValueError out of fit_sem (a reviewer's fuzzing); lavaan gives NA bounds there."""
    from stickiness_research.sem.fit_measures import rmsea_ci

    assert all(math.isnan(b) for b in rmsea_ci(-1.36, 2, 19))
    assert all(math.isnan(b) for b in rmsea_ci(math.nan, 2, 19))
    data = pd.DataFrame({
        "y1": [1, 6, 2, 2, 6, 2, 5, 2, 6, 6, 2, 6, 5, 2, 2, 2, 2, 6, 6, 6],
        "y2": [5, 5, 4, 4, 5, 4, 5, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5, 4, 5, 5],
        "y3": [2, 3, 2, 2, 3, 3, 3, 2, 3, 3, 2, 3, 2, 2, 2, 2, 3, 3, 3, 3],
        "y4": [2, 2, 4, 3, 2, 2, 2, 4, 2, 2, 4, 2, 2, 4, 4, 3, 4, 4, 2, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sr.fit_sem("f =~ y1 + y2 + y3 + y4", data, ordered=True, estimator="WLSMV")
    assert math.isnan(fit.fit_measures["rmsea.ci.lower.robust"])
    assert fit.fit_measures["rmsea.ci.upper.scaled"] > fit.fit_measures["rmsea.ci.lower.scaled"] > 0
