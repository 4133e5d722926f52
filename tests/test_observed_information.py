"""The analytic derivatives behind the fast ML/MLR path agree with slow, obviously-correct versions.

- ``Problem.hessian`` (observed Hessian of F, used for Newton steps and MLR's observed information)
  and ``FimlProblem.hessian`` (pattern by pattern; FIML's standard errors) against central
  differences of the analytic gradient, at the estimate and away from it, on every model of the
  lavaan battery (loadings, regressions, covariances, means, groups, equality constraints,
  second-order factors, fixed.x covariates, missing data);
- ``FimlProblem.gradient`` against central differences of the FIML discrepancy;
- ``casewise_scores`` against the dense formula 1/2 (w' dSigma w - tr(Sigma^-1 dSigma)) + w' dmu;
- the closed form of the saturated model's tr(A^-1 B) against the explicit duplication-matrix one.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, ROOT

import stickiness_research as sr
from stickiness_research.sem.fiml import FimlProblem
from stickiness_research.sem.numeric import hessian_from_gradient, numerical_jacobian
from stickiness_research.sem.robust import _saturated_trace, casewise_scores

BATTERY = sorted((REFERENCE / "battery").glob("*.json"))


def _fit(path):
    ref = json.loads(path.read_text(encoding="utf-8"))
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in ref["python_kwargs"].items()}
    return sr.fit_sem(ref["model"], pd.read_csv(ROOT / ref["data_file"]), **kwargs)


@pytest.mark.parametrize("path", BATTERY, ids=[p.stem for p in BATTERY])
def test_hessian_matches_numerical_derivatives(path):
    res = _fit(path)
    problem, theta = res._state.problem, res._state.solution.theta
    rng = np.random.default_rng(0)
    for point in (theta, theta + 0.03 * rng.standard_normal(len(theta))):
        analytic = problem.hessian(point)
        numeric = hessian_from_gradient(problem.gradient, point)
        scale = max(1.0, float(np.max(np.abs(numeric))))
        np.testing.assert_allclose(analytic, numeric, atol=1e-6 * scale, rtol=0)


def test_casewise_scores_match_dense_formula():
    hs = sr.datasets.holzinger_swineford()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual\nx1 ~ 1"
    res = sr.fit_sem(model, hs, estimator="MLR")
    problem, theta = res._state.problem, res._state.solution.theta
    x = res._state.data[0][1].to_numpy(dtype=float)
    fast = casewise_scores(problem, theta, [x])
    g = problem.groups[0]
    mom = problem.moments(g, theta)
    inv = np.linalg.inv(mom.sigma)
    w = (x - mom.mu) @ inv
    dense = np.stack([0.5 * (np.einsum("ni,ij,nj->n", w, ds, w) - np.trace(inv @ ds)) + w @ dmu
                      for ds, dmu in zip(mom.dsigma, mom.dmu, strict=True)], axis=1)
    np.testing.assert_allclose(fast, dense, rtol=1e-10, atol=1e-12)
    # and the scores sum to N times minus half the gradient of F at the estimate (zero there)
    assert np.max(np.abs(fast.sum(axis=0))) < 1e-6 * len(x)


@pytest.mark.parametrize("means", [True, False])
def test_saturated_trace_closed_form(means):
    rng = np.random.default_rng(3)
    n, p = 250, 5
    x = rng.standard_normal((n, p)) @ rng.standard_normal((p, p)) + rng.exponential(size=(n, p))
    d = x - x.mean(axis=0)
    s = d.T @ d / n
    a = np.linalg.inv(s)
    # explicit: vech scores, information 1/2 D'(A (x) A)D with the duplication matrix D
    rows, cols = np.tril_indices(p)
    dup = np.zeros((p * p, len(rows)))
    for k, (i, j) in enumerate(zip(rows, cols, strict=True)):
        dup[i * p + j, k] = dup[j * p + i, k] = 1.0
    w = d @ a
    g = 0.5 * (np.einsum("na,nb->nab", w, w) - a)
    scores = g.reshape(n, -1) @ dup
    info = 0.5 * dup.T @ np.kron(a, a) @ dup
    if means:
        scores = np.concatenate([w, scores], axis=1)
        info = np.block([[a, np.zeros((p, len(rows)))], [np.zeros((len(rows), p)), info]])
    explicit = float(np.trace(np.linalg.solve(info, scores.T @ scores / n)))
    assert _saturated_trace(s, x, means, np.array([], dtype=int)) == pytest.approx(explicit, rel=1e-10)


def test_fiml_gradient_matches_numerical_derivative():
    path = REFERENCE / "battery" / "fiml_hs_structural.json"
    res = _fit(path)
    problem = res._state.problem
    assert isinstance(problem, FimlProblem)
    point = res._state.solution.theta + 0.01
    numeric = numerical_jacobian(lambda t: np.array([problem.discrepancy(t)[0]]), point)[0]
    np.testing.assert_allclose(problem.gradient(point), numeric, atol=1e-7, rtol=0)
