"""Bootstrap: reproducible whatever n_jobs, agrees with lavaan's se="bootstrap" within Monte Carlo error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE, lavaan_reference

import stickiness_research as sr

MODEL = (REFERENCE / "models" / "stickiness_default.lav").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def fitted():
    return sr.fit_sem(MODEL, pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv"))


@pytest.fixture(scope="module")
def boot(fitted):
    return fitted.bootstrap(2000, seed=11)


def test_same_seed_same_numbers_whatever_n_jobs(fitted):
    a = fitted.bootstrap(300, seed=5)
    b = fitted.bootstrap(300, seed=5, n_jobs=2)
    pd.testing.assert_frame_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = fitted.bootstrap(300, seed=6)
    assert not np.allclose(a.draws.to_numpy(), c.draws.to_numpy())


def test_intervals_agree_with_lavaan_within_monte_carlo_error(boot):
    """lavaan: sem(..., se = "bootstrap", bootstrap = 2000), percentile CIs. With 2000 resamples on each
    side a 2.5 % quantile has a Monte Carlo SD of about .06 bootstrap SEs, so a difference of .35 SE
    (about 4 SDs of the difference) would mean a real disagreement."""
    ref = lavaan_reference("stickiness_default_bootstrap")
    table = boot.table
    checked = 0
    for e in ref["estimates"]:
        if e["op"] not in ("~", ":=", "=~") or e["se"] in (None, 0):
            continue
        key = (table["lhs"] == e["lhs"]) & (table["op"] == e["op"])
        if e["op"] != ":=":
            key &= table["rhs"] == e["rhs"]
        row = table[key].iloc[0]
        assert row["est"] == pytest.approx(e["est"], rel=1e-3)
        assert abs(row["boot_se"] - e["se"]) <= 0.15 * e["se"], (e["lhs"], e["op"], e["rhs"])
        for ours, theirs in (("ci_lower", "ci_lower"), ("ci_upper", "ci_upper")):
            assert abs(row[ours] - e[theirs]) <= 0.35 * e["se"], (e["lhs"], e["op"], e["rhs"], ours)
        checked += 1
    assert checked >= 20


def test_effects_decompose(fitted, boot):
    eff = fitted.effects().set_index("path")
    total = eff[eff["kind"] == "total"]
    # interaction's total effect = direct + the indirect path through attachment
    direct = eff[(eff["kind"] == "direct")].loc["interaction -> stickiness", "est"]
    indirect = eff.loc["interaction -> emotional_attachment -> stickiness", "est"]
    assert total.loc["interaction -> stickiness", "est"] == pytest.approx(direct + indirect)
    # the same numbers come out of the bootstrap table, which adds intervals
    b = boot.effects()
    row = b[(b["lhs"] == "interaction -> emotional_attachment -> stickiness")].iloc[0]
    assert row["est"] == pytest.approx(indirect) and row["ci_lower"] < indirect < row["ci_upper"]
    # and the indirect effect equals the defined parameter h8 := h1*h2
    h8 = fitted.estimates.set_index("lhs").loc["h8", "est"]
    assert indirect == pytest.approx(h8)


def test_bca_differs_from_percentile_but_covers_estimate(fitted):
    bca = fitted.bootstrap(1000, seed=3, ci="bca").table  # BCa needs >= 1000 resamples
    pct = fitted.bootstrap(1000, seed=3).table
    assert not np.allclose(bca["ci_lower"], pct["ci_lower"])
    free = bca[bca["boot_se"] > 0]
    assert ((free["ci_lower"] <= free["est"]) & (free["est"] <= free["ci_upper"])).mean() > 0.95


def test_failed_resamples_are_counted():
    # an item answered "1" by only two of 80 respondents: resamples that miss both have a constant item
    # and a singular covariance matrix, so they cannot be fitted and must be counted, not hidden
    hs = sr.datasets.holzinger_swineford().iloc[:80].copy()
    hs["rare"] = 0.0
    hs.loc[hs.index[:2], "rare"] = 1.0
    res = sr.fit_sem("visual =~ x1 + x2 + x3 + rare\ntextual =~ x4 + x5 + x6", hs)
    b = res.bootstrap(100, seed=1)
    assert 3 < b.n_failed < 40  # P(miss both) = (78/80)^80, about 13 %
    assert len(b.draws) == 100 - b.n_failed


def test_bad_arguments_are_named(fitted):
    with pytest.raises(sr.ParameterError, match=r"The 'n_boot' parameter of bootstrap must be an int in the "
                                                r"range \[1, inf\). Got -3 instead."):
        fitted.bootstrap(-3)
    with pytest.raises(sr.ParameterError, match="'ci' parameter"):
        fitted.bootstrap(10, ci="normal")


def test_batched_discrepancy_by_woodbury_matches_direct_inverse(fitted):
    """The batched fit works with Sigma^-1 in Woodbury factors (m x m matrices) where the model allows it;
    the discrepancy and the gradient equal those of the direct p x p inverse, for a different S per row."""
    from stickiness_research.sem.batched import CompiledModel, spd_inverse

    model = CompiledModel(fitted._state.problem.groups[0])
    assert model.woodbury
    rng = np.random.default_rng(0)
    theta = fitted._state.solution.theta + 0.02 * rng.standard_normal((40, model.k))
    x = fitted._state.data[0][1].to_numpy(dtype=float)
    s = np.stack([np.cov(x[rng.integers(0, len(x), len(x))], rowvar=False, bias=True) for _ in range(40)])
    logdet_s = spd_inverse(s)[1]
    fast_f, fast_cache = model.evaluate(theta, s, logdet_s)
    assert fast_cache.wood is not None and fast_cache.inv is None
    fast_grad = model.gradient(theta, s, fast_cache)
    model.woodbury = False
    slow_f, slow_cache = model.evaluate(theta, s, logdet_s)
    assert slow_cache.wood is None
    np.testing.assert_allclose(fast_f, slow_f, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast_grad, model.gradient(theta, s, slow_cache), rtol=1e-8, atol=1e-11)


@pytest.mark.parametrize("model", [
    MODEL,
    # equal loadings and a shared residual variance: theta is not the free rows themselves (x0 + theta K')
    "interaction =~ int1 + a*int2 + a*int3\nsecurity =~ sec1 + b*sec2 + b*sec3\n"
    "int2 ~~ v*int2\nsec2 ~~ v*sec2\nsecurity ~ interaction",
])
def test_woodbury_path_matrices_equal_the_full_ones(model):
    """The Woodbury path builds only Beta, Lambda, Psi and Theta's diagonal: they equal the model's full
    matrices, for free rows mapped one to one and through equality constraints."""
    from stickiness_research.sem.batched import CompiledModel

    res = sr.fit_sem(model, pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv"))
    compiled = CompiledModel(res._state.problem.groups[0])
    assert compiled.woodbury
    theta = res._state.solution.theta + 0.05 * np.random.default_rng(1).standard_normal((7, compiled.k))
    full, lean = compiled.matrices(theta), compiled.factor_matrices(theta)
    for key in ("beta", "lambda", "psi"):
        np.testing.assert_array_equal(lean[key], full[key])
    np.testing.assert_array_equal(lean["t"], np.diagonal(full["theta"], axis1=1, axis2=2))
    if model is not MODEL:
        assert not compiled.group.identity


# --- several groups or a mean structure: every resample refitted (bootstrap.ml_refits) ------------------------------

HS_CFA = (REFERENCE / "models" / "holzinger_swineford_cfa.lav").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def hs_metric():
    hs = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    return sr.fit_sem(HS_CFA, hs, group="school", group_equal=["loadings"])


def test_refits_reproduce_the_fit_and_a_refit_without_a_respondent(hs_metric):
    """The refit machinery on every row gives the fit's own values; without one respondent it gives what fit_sem
    gives on the data without him (an independent path: the data frame, its groups, the fit)."""
    from stickiness_research.sem.bootstrap import ml_refits

    sizes = [len(frame) for _, frame in hs_metric._state.data]
    whole = tuple(np.arange(n) for n in sizes)
    names, values, ok, point = ml_refits(hs_metric, [whole])
    assert ok.all() and len(names) == len(point) // 2
    np.testing.assert_allclose(values[0], point, rtol=1e-6, atol=1e-8)
    est = hs_metric.estimates
    first = est[(est["lhs"] == "visual") & (est["op"] == "=~") & (est["rhs"] == "x2")]
    assert point[[n[:3] + (n[4],) for n in names].index(("visual", "=~", "x2", first["group"].iloc[0]))] \
        == pytest.approx(first["est"].iloc[0])

    hs = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    first_school = hs["school"].iloc[0]
    drop = hs.index[hs["school"] == first_school][3]
    refit = sr.fit_sem(HS_CFA, hs.drop(index=drop), group="school", group_equal=["loadings"])
    without = tuple(np.delete(rows, 3) if g == 0 else rows for g, rows in enumerate(whole))
    _, loo, ok, _ = ml_refits(hs_metric, [without])
    assert ok.all()
    ours = dict(zip([n[:3] + (n[4],) for n in names], loo[0][:len(names)], strict=True))
    for row in refit.estimates[refit.estimates["op"].isin(["=~", "~~", "~1"])].itertuples():
        key = (row.lhs, row.op, row.rhs, row.group)
        key = key if key in ours else (row.rhs, row.op, row.lhs, row.group)
        assert ours[key] == pytest.approx(row.est, rel=1e-6, abs=1e-8), key


def test_a_mean_structure_refit_draws_what_the_batched_bootstrap_draws():
    """The same seed draws the same resamples on both paths: a single group with a mean structure (refitted one
    by one) gives the batched path's (no mean structure) values for every row they share, to their tolerance."""
    data = pd.read_csv(REFERENCE / "data" / "stickiness_demo.csv")
    batched = sr.fit_sem(MODEL, data).bootstrap(60, seed=4)
    refitted = sr.fit_sem(MODEL, data, meanstructure=True).bootstrap(60, seed=4)
    assert batched.n_failed == refitted.n_failed == 0
    shared = [c for c in batched.draws.columns if c in refitted.draws.columns and batched.draws[c].std() > 0]
    assert len(shared) > 40
    np.testing.assert_allclose(refitted.draws[shared].to_numpy(), batched.draws[shared].to_numpy(), rtol=2e-4,
                               atol=2e-5)
    table = refitted.table
    assert (table["op"] == "~1").any() and (table["op"] == "effect").any()


def test_groups_same_seed_same_numbers_whatever_n_jobs(hs_metric):
    a = hs_metric.bootstrap(40, seed=2)
    b = hs_metric.bootstrap(40, seed=2, n_jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert "group" in a.table.columns and set(a.table["group"]) >= {"Pasteur", "Grant-White"}


@pytest.mark.slow
def test_groups_agree_with_lavaan_within_monte_carlo_error(hs_metric):
    """lavaan: sem(..., group = "school", group.equal = "loadings", se = "bootstrap", bootstrap = 2000), which
    resamples within each school; the same bounds as the single-group comparison above."""
    checked = _agrees_with_lavaan_bootstrap(hs_metric.bootstrap(2000, seed=12).table,
                                            lavaan_reference("hs_school_metric_bootstrap"))
    assert checked >= 50


def _agrees_with_lavaan_bootstrap(table: pd.DataFrame, ref: dict) -> int:
    """Every free =~, ~~ and ~1 row of a lavaan se = 'bootstrap' reference against ours (by group where there are
    groups): estimate to 1e-3, SE within 15 %, percentile bounds within .35 SE (the bounds of the single-group
    comparison above); returns the number of rows compared."""
    checked = 0
    for e in ref["estimates"]:
        if e["op"] not in ("=~", "~~", "~1") or e["se"] in (None, 0):
            continue
        key = (table["op"] == e["op"]) & (((table["lhs"] == e["lhs"]) & (table["rhs"] == e["rhs"])) | (
            (table["lhs"] == e["rhs"]) & (table["rhs"] == e["lhs"])))
        group = ref["group_labels"][e["group"] - 1] if ref.get("ngroups", 1) > 1 else None
        if group is not None:
            key &= table["group"] == group
        row = table[key].iloc[0]
        what = (e["lhs"], e["op"], e["rhs"], group)
        assert row["est"] == pytest.approx(e["est"], rel=1e-3, abs=1e-6), what
        assert abs(row["boot_se"] - e["se"]) <= 0.15 * e["se"], what
        for side in ("ci_lower", "ci_upper"):
            assert abs(row[side] - e[side]) <= 0.35 * e["se"], (*what, side)
        checked += 1
    return checked


@pytest.fixture(scope="module")
def hs_fiml():
    return sr.fit_sem(HS_CFA, pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939_mcar10.csv"), missing="ml")


def test_fiml_refits_reproduce_the_fit_and_a_refit_without_a_respondent(hs_fiml):
    """A FIML fit's resamples keep their missing values: on every row the refit gives the fit's values; without one
    respondent, what fit_sem(missing="ml") gives on the data without him."""
    from stickiness_research.sem.bootstrap import ml_refits

    frame = hs_fiml._state.data[0][1]
    n = len(frame)
    names, values, ok, point = ml_refits(hs_fiml, [(np.arange(n),)])
    assert ok.all()
    np.testing.assert_allclose(values[0], point, rtol=1e-6, atol=1e-8)
    hs = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939_mcar10.csv")
    gone = int(np.flatnonzero(frame.isna().any(axis=1).to_numpy())[0])  # a respondent with a missing answer
    refit = sr.fit_sem(HS_CFA, hs.drop(index=frame.index[gone]), missing="ml")
    _, loo, ok, _ = ml_refits(hs_fiml, [(np.delete(np.arange(n), gone),)])
    assert ok.all()
    ours = dict(zip([n[:3] for n in names], loo[0][:len(names)], strict=True))
    for row in refit.estimates[refit.estimates["op"].isin(["=~", "~~", "~1"])].itertuples():
        assert ours[(row.lhs, row.op, row.rhs)] == pytest.approx(row.est, rel=1e-6, abs=1e-8), (row.lhs, row.rhs)


@pytest.mark.slow
def test_fiml_agrees_with_lavaan_within_monte_carlo_error(hs_fiml):
    """lavaan: sem(..., missing = "ml", se = "bootstrap", bootstrap = 2000): each resample refitted by FIML."""
    checked = _agrees_with_lavaan_bootstrap(hs_fiml.bootstrap(2000, seed=13).table,
                                            lavaan_reference("holzinger_swineford_fiml_bootstrap"))
    assert checked >= 25


@pytest.mark.parametrize(("options", "bound"), [({"group": "school"}, 0.08), ({"meanstructure": True}, 0.28),
                                               ({}, 0.28)])
def test_an_active_bound_is_refitted_in_every_resample(options, bound):
    """'b1 < bound' is active in the full sample (b1 would be 0.10 in the first school, 0.30 in one group): every
    resample is refitted under it, as lavaan does (before, the refits started from a theta one entry short, and the
    batched path held b1 at its bound throughout)."""
    hs = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    path = "c(b1, b2)*visual" if "group" in options else "b1*visual"
    res = sr.fit_sem(HS_CFA + f"\nspeed ~ {path} + textual\nb1 < {bound}", hs, **options)
    assert res.estimates.query("lhs == 'speed' and rhs == 'visual'")["est"].iloc[0] == pytest.approx(bound)
    boot = res.bootstrap(60, seed=2)
    assert boot.n_failed <= 2
    draws = boot.draws[[c for c in boot.draws.columns if c.startswith("speed ~ visual")][0]]
    assert (draws <= bound + 1e-9).all() and (draws < bound - 1e-3).sum() >= 5


def test_batched_point_std_all_is_the_estimates_table_s_also_for_a_heywood_case():
    """The batched path standardizes as the estimates table does (a covariance by sqrt(|residual variances|)): on the
    first 80 rows of HS, whose x1 has a negative residual variance, x1 ~~ x7 has a std.all (lavaan -0.522)."""
    hs = pd.read_csv(REFERENCE / "data" / "battery_hs_first80.csv")
    res = sr.fit_sem(HS_CFA + "\nx1 ~~ x7", hs)
    table = res.bootstrap(40, seed=1).table
    est = res.estimates
    merged = table.merge(est[["lhs", "op", "rhs", "std_all"]], on=["lhs", "op", "rhs"], suffixes=("", "_fit"))
    assert len(merged) == len(est)
    np.testing.assert_allclose(merged["std_all"], merged["std_all_fit"], rtol=1e-9, atol=1e-12)
    row = merged[(merged["lhs"] == "x1") & (merged["rhs"] == "x7")].iloc[0]
    assert row["std_all"] == pytest.approx(-0.522, abs=1e-3) and np.isfinite(row["std_ci_lower"])


@pytest.mark.parametrize("options", [{}, {"meanstructure": True}])
def test_fixed_x_rows_have_no_bootstrap_variance(options):
    """fixed.x: the covariates' (co)variances are fixed at the sample's, not estimated; lavaan's se = 'bootstrap'
    gives them SE 0, as the estimates table does, on the batched and the refit path alike."""
    hs = pd.read_csv(REFERENCE / "data" / "HolzingerSwineford1939.csv")
    res = sr.fit_sem("visual =~ x1 + x2 + x3\nvisual ~ ageyr + grade", hs, **options)
    table = res.bootstrap(30, seed=1).table
    fixed = table[table["lhs"].isin(["ageyr", "grade"]) & table["rhs"].isin(["ageyr", "grade"])]
    assert len(fixed) >= 3
    assert (fixed["boot_se"] == 0).all() and (fixed["ci_lower"] == fixed["est"]).all()
    assert (fixed["std_ci_upper"] == fixed["std_all"]).all()
    free = table[table["op"] == "~"]
    assert (free["boot_se"] > 0).all()
