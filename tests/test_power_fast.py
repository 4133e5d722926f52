"""Monte Carlo power's fast path (#18 item 5): the model compiled once per sr.power call, each replication solved
from the population values, its data drawn without a DataFrame. Checked against fit_sem on the same data and
against the power tables of the implementation before it (one fit_sem per replication, frozen 2026-11-30)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.executor import task_seeds
from stickiness_research.planning import _Plan
from stickiness_research.sem.replicate import ReplicationFit, ReplicationModel, fit_partable

NUMBERS = ("est", "se", "pvalue", "std_all")


@pytest.fixture(scope="module")
def pilot():
    """x -> m -> y plus a direct path, with a defined indirect effect; x is an observed covariate (fixed.x)."""
    cov = np.array([[1.0, 0.4, 0.3], [0.4, 1.0, 0.35], [0.3, 0.35, 1.0]])
    data = np.random.default_rng(8).multivariate_normal(np.zeros(3), cov, size=150)
    return sr.fit_sem("m ~ a*x\ny ~ b*m + c*x\nab := a*b", pd.DataFrame(data, columns=["x", "m", "y"]))


def _same_fit(fast: ReplicationFit, full: ReplicationFit) -> None:
    for column in ("lhs", "op", "rhs", "label"):
        assert list(getattr(fast, column)) == list(getattr(full, column))
    for column in NUMBERS:
        a, b = getattr(fast, column), getattr(full, column)
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        np.testing.assert_allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=1e-6, atol=1e-12, err_msg=column)
    assert fast.theta_names == full.theta_names
    np.testing.assert_allclose(fast.vcov, full.vcov, rtol=1e-6, atol=1e-12)
    assert fast.chisq_p == pytest.approx(full.chisq_p, rel=1e-6, abs=1e-12, nan_ok=True)
    assert fast.close_p == pytest.approx(full.close_p, rel=1e-6, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_fast_fit_equals_fit_sem_on_the_same_data(default_q, seed):
    job = _Plan(default_q, 1, 0.05).job
    assert job.model is not None
    data_seed = int(task_seeds(seed, 1)[0].generate_state(1)[0])
    x = job.population.draw(300, data_seed, list(job.observed))
    # the data are simulate_responses' answers, reverse-keyed items recoded, as before the fast path
    frame = sr.reverse_code(sr.simulate_responses(default_q, n=300, seed=data_seed), default_q)
    np.testing.assert_array_equal(x, frame[list(job.observed)].to_numpy(dtype=float))
    fast = job.model.fit(x)
    assert fast is not None
    _same_fit(fast, ReplicationFit.from_result(sr.fit_sem(default_q.model_syntax(), frame)))


def test_fast_fit_of_a_pilot_population(pilot):
    job = _Plan(pilot, 1, 0.05).job
    np.testing.assert_allclose(job.model.start, pilot._state.solution.theta, rtol=1e-8)  # the population values
    for seed in (1, 2):
        x = job.population.draw(80, seed, list(job.observed))
        full = sr.fit_sem(pilot.syntax, pd.DataFrame(x, columns=list(job.observed)))
        _same_fit(job.model.fit(x), ReplicationFit.from_result(full))


def test_fit_sem_builds_the_same_model(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=200, seed=1), default_q)
    assert sr.fit_sem(default_q.model_syntax(), data)._state.partable is fit_partable(default_q.model_syntax())


def test_what_the_fast_path_declines_goes_to_fit_sem(pilot):
    bounded = "m ~ a*x\ny ~ b*m + x\nb > 0"
    data = pd.DataFrame(np.random.default_rng(3).standard_normal((60, 3)) @ np.linalg.cholesky(
        pilot.implied_cov.to_numpy()).T, columns=pilot.observed_variables)
    model = ReplicationModel(bounded, sr.fit_sem(bounded, data)._state.solution.theta)
    x = data[model.observed].to_numpy()
    assert model.fit(x) is None  # inequality constraints: fit_sem's active-set method decides
    job = _Plan(pilot, 1, 0.05).job
    constant = job.population.draw(60, 1, list(job.observed))
    constant[:, 0] = 1.0
    assert job.model.fit(constant) is None and job.fit(constant) is None  # fit_sem refuses it too: a failure
    good = job.population.draw(60, 1, list(job.observed))
    _same_fit(job.fit(good), ReplicationFit.from_result(sr.fit_sem(pilot.syntax, pd.DataFrame(
        good, columns=list(job.observed)))))


def test_power_equals_the_implementation_before_the_fast_path(default_q, pilot):
    """Same seeds, same data, same verdicts: the power of the one-fit_sem-per-replication implementation
    (git 9db786b, measured 2026-11-30) to the last digit."""
    table = sr.power(default_q, n=[80, 300], replications=20, seed=3)
    assert table.groupby("n")["power"].apply(list).to_dict() == {
        80: [1.0, 0.6, 0.35, 1.0, 0.45, 0.15, 0.55, 0.4, 0.35], 300: [1.0, 1.0, 0.75, 1.0, 1.0, 0.35, 1.0, 1.0, 1.0]}
    monte = sr.power(default_q, n=[150], replications=20, seed=2, indirect="montecarlo", parameters=True,
                     model_tests=True)
    assert monte[monte["kind"] == "hypothesis"]["power"].tolist() == [1.0, 0.9, 0.45, 1.0, 0.85, 0.45, 0.9, 0.9, 0.85]
    assert monte[monte["kind"] == "model"]["power"].tolist() == [0.25, 0.0]
    small = sr.power(pilot, n=[60], replications=40, seed=3, parameters=True, model_tests=True, indirect="montecarlo")
    assert small[["hypothesis", "power"]].values.tolist() == [
        ["a", 0.575], ["b", 0.225], ["c", 0.45], ["ab", 0.175], ["m ~ x", 0.575], ["y ~ m", 0.225], ["y ~ x", 0.45],
        ["rejects exact fit (chi-square)", 0.0], ["rejects close fit (RMSEA <= .05)", 0.0]]  # saturated: df 0


def test_every_option_is_the_same_for_any_worker_count(default_q, pilot):
    options = {"indirect": "montecarlo", "parameters": True, "model_tests": True}
    local = sr.power(default_q, n=[120], replications=10, seed=4, **options)
    pd.testing.assert_frame_equal(local, sr.power(default_q, n=[120], replications=10, seed=4, n_jobs=2, **options))
    local = sr.power(pilot, n=[50], replications=10, seed=4, **options)
    pd.testing.assert_frame_equal(local, sr.power(pilot, n=[50], replications=10, seed=4, n_jobs=2, **options))
