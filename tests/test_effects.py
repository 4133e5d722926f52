"""SEMResult.effects() and the bootstrap's effects agree with lavaan's ``:=`` of the same products and sums.

The battery cases ``effects_*`` (tests/reference/lavaan_battery.R) define every specific indirect effect and every
(driver, outcome) total of their model with ``:=``, named ``kind_chain[_gN]`` (``ind_x1_x4_x7``: the chain
x1 -> x4 -> x7; ``tot_x1_x7``: x1's total effect on x7; ``_g2``: in the second group): est, the delta-method se and
std.all of each are lavaan's for that effect.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_lavaan_battery import fitted, reference

import stickiness_research as sr

CASES = ["effects_two_outcomes", "effects_two_groups", "effects_latent_two_groups_equal"]
KINDS = {"ind": "indirect", "tot": "total", "dir": "direct"}


def lavaan_effects(name: str) -> pd.DataFrame:
    """The case's := rows as (path, kind, group label) -> est, se, std_all."""
    ref = reference(name)
    labels = ref.get("group_labels") or [""]
    out = []
    for row in ref["estimates"]:
        if row["op"] != ":=" or row["lhs"].startswith("diff_"):
            continue
        parts = row["lhs"].split("_")
        group = labels[int(parts.pop()[1:]) - 1] if parts[-1].startswith("g") and parts[-1][1:].isdigit() else ""
        out.append({"path": " -> ".join(parts[1:]), "kind": KINDS[parts[0]], "group": str(group),
                    "est": row["est"], "se": row["se"], "std_all": row["std.all"]})
    return pd.DataFrame(out)


def ours(res) -> pd.DataFrame:
    eff = res.effects()
    if "group" not in eff:
        eff["group"] = ""
    eff["group"] = eff["group"].astype(str)
    return eff


@pytest.mark.parametrize("name", CASES)
def test_every_defined_effect_equals_ours(name):
    theirs = lavaan_effects(name)
    assert len(theirs) >= 4
    mine = ours(fitted(name)).set_index(["path", "kind", "group"])
    for row in theirs.itertuples():
        key = (row.path, row.kind, row.group)
        assert key in mine.index, f"{name}: no effect {key} (ours: {list(mine.index)})"
        for column in ("est", "se", "std_all"):
            got, want = float(mine.loc[key, column]), float(getattr(row, column))
            assert got == pytest.approx(want, rel=1e-3, abs=1e-4), f"{name} {key} {column}: {got} vs lavaan {want}"


def test_group_differences_of_effects_equal_lavaans_defined_differences():
    """effect_differences(): the second group's effect minus the first's, as lavaan's ``diff_ind_x1_x4_x7 := a2*b2 -
    a1*b1`` (named diff_kind_chain), est and se at 1e-3; and in the tables."""
    res = fitted("effects_two_groups")
    diffs = res.effect_differences()
    assert set(diffs["reference"]) == {"Pasteur"} and set(diffs["group"]) == {"Grant-White"}
    mine = diffs.set_index(["path", "kind"])
    theirs = [r for r in reference("effects_two_groups")["estimates"] if r["lhs"].startswith("diff_")]
    assert len(theirs) == 3
    for row in theirs:
        parts = row["lhs"].split("_")[1:]
        key = (" -> ".join(parts[1:]), KINDS[parts[0]])
        for column, want in (("est", row["est"]), ("se", row["se"])):
            assert float(mine.loc[key, column]) == pytest.approx(want, rel=1e-3, abs=1e-4), (key, column)
    assert res.tables()["effect_differences"].equals(diffs)
    # the other way round: the negatives
    back = res.effect_differences(reference="Grant-White").set_index(["path", "kind"])
    np.testing.assert_allclose(back.loc[mine.index, "est"], -mine["est"], rtol=1e-12)
    np.testing.assert_allclose(back.loc[mine.index, "se"], mine["se"], rtol=1e-6)
    with pytest.raises(sr.errors.ModelSpecError, match="not one of the groups.*Grant-White"):
        res.effect_differences(reference="Grant White")
    with pytest.raises(sr.errors.ModelSpecError, match="multi-group"):
        fitted("effects_two_outcomes").effect_differences()


def test_paths_held_equal_across_groups_differ_by_nothing():
    diffs = fitted("effects_latent_two_groups_equal").effect_differences().set_index(["path", "kind"])
    row = diffs.loc[("visual -> textual -> speed", "indirect")]
    assert abs(row["est"]) < 1e-12 and row["se"] < 1e-6


def test_a_driver_of_two_outcomes_has_a_total_on_each():
    """The totals are per (driver, outcome): x1's total on x7 is c + ab, not its effects on x7 and x8 summed."""
    eff = ours(fitted("effects_two_outcomes"))
    totals = eff[eff["kind"] == "total"].set_index("path")["est"]
    assert {"x1 -> x7", "x1 -> x8", "x2 -> x7", "x2 -> x8", "x4 -> x7", "x4 -> x8"} == set(totals.index)
    paths = eff[eff["kind"] != "total"]
    for total, value in totals.items():
        driver, outcome = total.split(" -> ")
        chains = paths[paths["path"].str.startswith(f"{driver} -> ") & paths["path"].str.endswith(f" -> {outcome}")]
        assert value == pytest.approx(chains["est"].sum(), rel=1e-12)


def test_multi_group_effects_are_in_the_tables_and_the_bootstrap():
    res = fitted("effects_two_groups")
    eff = res.effects()
    assert list(eff.columns[:3]) == ["path", "kind", "group"]
    assert set(eff["group"]) == {"Pasteur", "Grant-White"}
    assert res.tables()["effects"].equals(eff)
    boot = res.bootstrap(200, seed=3)
    b = boot.effects()
    assert len(b) == len(eff)
    assert list(zip(b["lhs"], b["rhs"], b["group"], strict=True)) == list(
        zip(eff["path"], eff["kind"], eff["group"], strict=True))
    np.testing.assert_allclose(b["est"], eff["est"], rtol=1e-10)
    np.testing.assert_allclose(b["std_all"], eff["std_all"], rtol=1e-10)
    # each resample's effect is the product (sum) of that resample's paths, group by group
    draws = boot.draws
    for group, (a, b_) in {"Pasteur": ("x4 ~ x1", "x7 ~ x4"), "Grant-White": ("x4 ~ x1", "x7 ~ x4")}.items():
        product = draws[f"{a} [{group}]"] * draws[f"{b_} [{group}]"]
        np.testing.assert_allclose(draws[f"x1 -> x4 -> x7 effect indirect [{group}]"], product, rtol=1e-12)
        np.testing.assert_allclose(draws[f"x1 -> x7 effect total [{group}]"], product + draws[f"x7 ~ x1 [{group}]"],
                                   rtol=1e-12)
    assert draws["x1 -> x4 -> x7 effect indirect [Pasteur]"].std() > 0


def test_effects_of_ordered_items_by_group():
    """A multi-group WLSMV model has its effects group by group too, the bootstrap's agreeing with the fit's."""
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=700, seed=9), q)
    data = data[data["product_type"].isin(["insurance", "fund"])]
    syntax = ("ia =~ int1 + int2 + int3 + int4\nea =~ ea1 + ea2 + ea3 + ea4\nst =~ sti1 + sti2 + sti3 + sti4\n"
              "ea ~ ia\nst ~ ea + ia")
    res = sr.fit_sem(syntax, data, group="product_type", estimator="WLSMV", ordered=True)
    eff = res.effects()
    assert set(eff["group"]) == {"insurance", "fund"}
    est = res.estimates.set_index(["lhs", "op", "rhs", "group"])["est"]
    for group in ("insurance", "fund"):
        row = eff[(eff["group"] == group) & (eff["path"] == "ia -> ea -> st")].iloc[0]
        assert row["est"] == pytest.approx(est[("ea", "~", "ia", group)] * est[("st", "~", "ea", group)], rel=1e-12)
    boot = res.bootstrap(20, seed=1).effects()
    np.testing.assert_allclose(boot["est"], eff["est"], rtol=1e-10)


def test_a_non_recursive_model_has_no_effects_but_its_tables_and_bootstrap_work():
    """A feedback loop (x4 -> x5 -> x4) means infinitely many chains: effects() says so with a named error, and the
    tables, the summary and the bootstrap, which list effects where there are some, leave them out."""
    hs = sr.datasets.holzinger_swineford()
    for group in (None, "school"):
        res = sr.fit_sem("x4 ~ x1 + x5\nx5 ~ x2 + x4\nx7 ~ x4 + x5", hs, group=group)
        with pytest.raises(sr.errors.ModelSpecError, match="recursive model.*'x4', 'x5'"):
            res.effects()
        assert "effects" not in res.tables()
        assert "effects" not in res.summary() and "x5" in res.summary()  # it raised RecursionError
        boot = res.bootstrap(10, seed=1)
        assert len(boot.effects()) == 0 and len(boot.table) > 0


def test_loadings_are_not_paths_of_an_effect():
    """Beta holds a higher-order factor's loadings and those of an indicator that also predicts: neither is a path
    of an effect (only ~ rows are)."""
    hs = sr.datasets.holzinger_swineford()
    three = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
    second_order = sr.fit_sem(three + "g =~ visual + textual + speed", hs)
    assert len(second_order.effects()) == 0 and "effects" not in second_order.tables()
    res = sr.fit_sem(three + "textual ~ a*visual + k*x1\nspeed ~ b*textual + c*visual", hs)
    eff = res.effects().set_index(["path", "kind"])
    assert not any("x1 -> " in path and path.startswith("visual") for path, _ in eff.index)
    est = res.estimates.set_index(["lhs", "op", "rhs"])["est"]
    total = est[("speed", "~", "visual")] + est[("textual", "~", "visual")] * est[("speed", "~", "textual")]
    assert eff.loc[("visual -> speed", "total"), "est"] == pytest.approx(total, rel=1e-12)


def test_both_bootstrap_engines_name_the_effects_draws_alike():
    """The batched engine (single-group ML) and the refits (here a mean structure) name an effect's draws
    ``"<path> effect <kind>"``."""
    hs = sr.datasets.holzinger_swineford()
    syntax = "x4 ~ a*x1\nx7 ~ b*x4 + c*x1"
    batched = sr.fit_sem(syntax, hs).bootstrap(20, seed=2)
    refitted = sr.fit_sem(syntax, hs, meanstructure=True).bootstrap(20, seed=2)
    names = ["x1 -> x4 -> x7 effect indirect", "x1 -> x7 effect total", "x4 -> x7 effect direct"]
    for boot in (batched, refitted):
        assert set(names) <= set(boot.draws.columns)
    np.testing.assert_allclose(batched.draws[names], refitted.draws[names], rtol=2e-4, atol=1e-8)
