"""Full-information ML uses incomplete rows; it agrees with lavaan (test_sem_reference) and beats listwise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

import stickiness_research as sr

HS_MODEL = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8")


def test_fiml_is_closer_to_complete_data_than_listwise():
    complete = sr.datasets.holzinger_swineford()
    rng = np.random.default_rng(7)
    damaged = complete.copy()
    for col in [f"x{i}" for i in range(1, 10)]:
        damaged.loc[rng.random(len(damaged)) < 0.15, col] = np.nan
    truth = sr.fit_sem(HS_MODEL, complete).estimates.set_index(["lhs", "op", "rhs"])["est"]
    fiml = sr.fit_sem(HS_MODEL, damaged, missing="ml")
    listwise = sr.fit_sem(HS_MODEL, damaged)
    assert fiml.n_obs == 301 and listwise.n_obs < 301 * 0.3
    err_fiml = (fiml.estimates.set_index(["lhs", "op", "rhs"])["est"] - truth).abs().mean()
    err_list = (listwise.estimates.set_index(["lhs", "op", "rhs"])["est"] - truth).abs().mean()
    assert err_fiml < err_list
    assert "missingness patterns" in fiml.warnings[-1]
    assert "missing='ml'" in listwise.warnings[-1]


def test_fiml_options_are_checked():
    data = sr.datasets.holzinger_swineford()
    with pytest.raises(sr.ModelSpecError, match="missing must be 'listwise', 'ml'"):
        sr.fit_sem(HS_MODEL, data, missing="available")
    with pytest.raises(sr.ModelSpecError, match="missing='pairwise' is for ordered items"):
        sr.fit_sem(HS_MODEL, data, missing="pairwise")
    with pytest.raises(sr.ModelSpecError, match="MLR with missing=.ml. is available for single-group"):
        sr.fit_sem(HS_MODEL, data, missing="ml", group="school", estimator="MLR")


def test_padded_patterns_equal_pattern_by_pattern_terms(monkeypatch):
    """Every pattern as a slice of padded arrays (PaddedPatterns) gives the discrepancy, G and h of the
    pattern-by-pattern sums (group_terms), and the Hessian as one Kronecker sum (also summed in chunks)
    equals the pattern-by-pattern k x k products, for one-respondent patterns, patterns of several respondents and complete rows, away from
    the optimum (where W != 0) and with a mean structure."""
    from stickiness_research.sem import fiml

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=300, seed=5), q)[q.item_ids[:12]]
    rng = np.random.default_rng(3)
    holes = data.mask(rng.random(data.shape) < 0.08)
    holes.iloc[:40, :2] = np.nan  # 40 respondents sharing a pattern
    res = sr.fit_sem("a =~ int1 + int2 + int3 + int4\nb =~ ea1 + ea2 + ea3 + ea4\nc =~ sec1 + sec2 + sec3 + sec4\n"
                     "c ~ a + b", holes, missing="ml")
    problem = res._state.problem
    padded_patterns = problem.padded[0]
    # patterns of several respondents: the complete one and some with missing values
    assert padded_patterns.complete is not None and len(padded_patterns.row_dev) >= 2
    theta = res._state.solution.theta + 0.01 * rng.standard_normal(problem.n_free)
    state = problem._fiml_evaluate(theta)[0]
    sigma, mu, u, v, dm = state["parts"][:5]
    f, big_g, h, terms = fiml.group_terms(problem.group_parts[0], sigma, mu)
    padded = state["padded"]
    np.testing.assert_allclose(padded["f"], f, rtol=1e-12)
    np.testing.assert_allclose(padded["G"], big_g, rtol=1e-10, atol=1e-10 * np.abs(big_g).max())
    np.testing.assert_allclose(padded["h"], h, rtol=1e-10, atol=1e-10 * np.abs(h).max())
    by_pattern = fiml.pattern_hessian(terms, sigma, u, v, dm)
    scale = np.abs(by_pattern).max()
    from_padded = fiml.kronecker_sum(padded_patterns.hessian_chunks(padded), u, v, dm)
    np.testing.assert_allclose(from_padded, by_pattern, rtol=1e-10, atol=1e-9 * scale)
    # in several chunks (bounded memory): the same sum
    monkeypatch.setattr(fiml, "HESSIAN_BUFFER", 5 * 12 * 12)
    assert sum(1 for _ in padded_patterns.hessian_chunks(padded)) > 2
    chunked = fiml.kronecker_sum(padded_patterns.hessian_chunks(padded), u, v, dm)
    np.testing.assert_allclose(chunked, by_pattern, rtol=1e-10, atol=1e-9 * scale)
    # the saturated and independence models' parameters (each dSigma one (co)variance; the means move no Sigma):
    # the selection path of kronecker_sum, against the pattern-by-pattern products at the same point
    from stickiness_research.sem.robust import _saturated_factors

    for diagonal in (False, True):
        u_s, v_s, dm_s, _ = _saturated_factors(12, diagonal, [2, 5] if diagonal else None)
        assert fiml._unit_columns(u_s, v_s) is not None and fiml._unit_columns(u, v) is None
        by_pattern = fiml.pattern_hessian(terms, sigma, u_s, v_s, dm_s)
        selected = fiml.kronecker_sum(padded_patterns.hessian_chunks(padded), u_s, v_s, dm_s)
        np.testing.assert_allclose(selected, by_pattern, rtol=1e-10, atol=1e-9 * np.abs(by_pattern).max())


def test_gathered_fold_equals_the_sparse_fold():
    """Above KRONECKER_MAX_P the Kronecker sum's symmetrisation gathers instead of building the sparse map: the same
    (vech x vech) matrix, to the order of the sums' terms (p = 7, 13: odd and even numbers of upper-triangle entries)."""
    from stickiness_research.sem import fiml

    rng = np.random.default_rng(11)
    for p in (7, 13):
        index = fiml._kronecker_index(p)
        n_upper = len(index.upper[0])
        kron_v = rng.standard_normal((n_upper, n_upper))
        sparse_fold = (index.fold @ kron_v.ravel()).reshape(n_upper, n_upper)
        np.testing.assert_allclose(fiml._fold_gathered(kron_v, index), sparse_fold, rtol=1e-14, atol=1e-14)


def test_em_moments_do_not_depend_on_the_arrays_memory_order():
    """A column-major array (what pandas' to_numpy often gives) gets the same EM moments as a row-major one: the
    E-step once wrote its imputations into a copy there (found by a reviewer; fit_sem passed row-major arrays)."""
    from stickiness_research.sem import fiml

    rng = np.random.default_rng(9)
    x = rng.multivariate_normal(np.zeros(5), 0.5 * np.eye(5) + 0.5, size=300)
    x[rng.random(x.shape) < 0.2] = np.nan
    mu_c, sigma_c = fiml.em_saturated(np.ascontiguousarray(x))
    mu_f, sigma_f = fiml.em_saturated(np.asfortranarray(x))
    np.testing.assert_array_equal(mu_f, mu_c)
    np.testing.assert_array_equal(sigma_f, sigma_c)
    assert np.abs(mu_c - np.nanmean(x, axis=0)).max() > 1e-4  # EM moves the means off the available-case ones


def test_accelerated_em_reaches_the_em_fixed_point():
    """SQUAREM's estimate is a fixed point of the plain EM map (one more EM step changes nothing)."""
    from stickiness_research.sem import fiml

    rng = np.random.default_rng(4)
    x = rng.multivariate_normal(np.zeros(6), 0.5 * np.eye(6) + 0.5, size=400)
    x[rng.random(x.shape) < 0.15] = np.nan
    mu, sigma = fiml.em_saturated(x)
    # one plain EM step from the estimate: fill with conditional means, add the residual covariances
    a = np.linalg.inv(sigma)
    filled, extra = x.copy(), np.zeros((6, 6))
    for i, row in enumerate(x):
        m = np.isnan(row)
        if m.any():
            resid = np.linalg.inv(a[np.ix_(m, m)])
            filled[i, m] = mu[m] - resid @ a[np.ix_(m, ~m)] @ (row[~m] - mu[~m])
            extra[np.ix_(m, m)] += resid
    step_mu = filled.mean(axis=0)
    step_sigma = (filled.T @ filled + extra) / len(x) - np.outer(step_mu, step_mu)
    np.testing.assert_allclose(step_mu, mu, atol=1e-10)
    np.testing.assert_allclose(step_sigma, sigma, atol=1e-10)


def test_inequality_constraints_are_held_in_the_fit_and_every_resample():
    """Bounds are held by the active set (lavaan: a > 0.9 holds 0.9, where the solver without it gave 0.543; the
    battery's fiml_inequality_binding compares the whole fit), with SE NA as lavaan's after FIML; every bootstrap
    refit holds them too (from the two-stage start: the exact Hessian alone stalled in 17 of 200 resamples)."""
    holes = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939_mcar10.csv")
    model = HS_MODEL.replace("x1 + x2", "x1 + a*x2") + "\na > 0.9"
    assert "a*x2" in model
    res = sr.fit_sem(model, holes, missing="ml")
    row = res.estimates.set_index(["lhs", "op", "rhs"]).loc[("visual", "=~", "x2")]
    assert row["est"] == pytest.approx(0.9, abs=1e-9) and np.isnan(row["se"])
    assert any("held at its bound 0.9 (its SE is NA" in w for w in res.warnings)
    boot = res.bootstrap(100, seed=3)
    assert boot.n_failed == 0
    ci = boot.table.set_index(["lhs", "op", "rhs"]).loc[("visual", "=~", "x2")]
    assert ci["ci_lower"] == pytest.approx(0.9, abs=1e-9) and ci["ci_upper"] > 0.9
