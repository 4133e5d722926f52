"""Reliability of factors with ordered items against semTools 0.5.6's compRelSEM (tests/reference/
semtools_ordinal_reliability.R): categorical omega (Green & Yang 2009), omega on the latent-response
scale, alpha of the item codes and ordinal alpha, for nine WLSMV fits and both obs.var settings.

Every value is compared at 1e-6 absolute. Our fits agree with lavaan's estimates to about 1e-7, and
the reliabilities inherit that: the largest difference measured is 2.1e-7 (sem_indirect).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.measurement.reliability import ordinal_reliability

REFERENCE = Path(__file__).parent / "reference"
FOLDER = REFERENCE / "ordinal_reliability"
TOL = 1e-6
CASES = ["holzinger_quartiles", "cfa5", "sem_indirect", "higher_order", "near_empty", "binary", "theta_param",
         "mixed", "multigroup"]
# (tau.eq, ord.scale) -> our column
COLUMN = {(False, True): "omega", (False, False): "omega_latent", (True, True): "alpha", (True, False): "alpha_latent"}
_FITS: dict[str, tuple] = {}


def _fit(case: str):
    if case not in _FITS:
        ref = json.loads((FOLDER / f"{case}.json").read_text())
        data = pd.read_csv(REFERENCE / ref["data"])
        args = ref["args"]
        kwargs = {k: args[k] for k in ("group", "parameterization", "estimator", "ordered") if k in args}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sr.StickinessWarning)
            res = sr.fit_sem(ref["model"], data, model_type="cfa" if ref["call"].startswith("cfa") else "sem",
                             **kwargs)
        _FITS[case] = (ref, data, res)
    return _FITS[case]


def _table(res, obs_var: bool) -> pd.DataFrame:
    table = ordinal_reliability(res, obs_var=obs_var)
    return table.set_index(["group", "construct"] if res.groups else "construct")


@pytest.mark.parametrize("obs_var", [True, False], ids=["obs_var", "implied"])
@pytest.mark.parametrize("case", CASES)
def test_every_value_agrees_with_semtools(case, obs_var):
    ref, _, res = _fit(case)
    table = _table(res, obs_var)
    checked = 0
    for v in ref["values"]:
        if v["obs_var"] != obs_var:
            continue
        key = (v["group"], v["construct"]) if res.groups else v["construct"]
        mine = float(table.loc[key, COLUMN[(v["tau_eq"], v["ord_scale"])]])
        where = (case, v["call"], key)
        if v["value"] is None:
            assert np.isnan(mine), where
        else:
            assert abs(mine - v["value"]) <= TOL, (*where, mine, v["value"])
            checked += 1
    assert checked >= 4, "semTools gave numbers to compare"


@pytest.mark.parametrize("case", CASES)
def test_rows_are_the_model_factors_and_only_they_are_filled(case):
    """One row per factor (per group), in the model's order; the factors semTools leaves out (no or
    one observed indicator) are there with NaN, the others are exactly semTools' list."""
    ref, _, res = _fit(case)
    table = ordinal_reliability(res)
    expected_cols = ["construct", "n_items", "omega", "omega_latent", "alpha", "alpha_latent"]
    assert list(table.columns) == (["group"] if res.groups else []) + expected_cols
    factors = list(dict.fromkeys(res.estimates.loc[res.estimates["op"] == "=~", "lhs"]))
    first = ref["values"][0]["call"]
    theirs = list(dict.fromkeys(v["construct"] for v in ref["values"] if v["call"] == first))
    for label in (res.groups or [None]):
        part = table[table["group"] == label] if res.groups else table
        assert list(part["construct"]) == factors
        filled = part.loc[part[["omega_latent", "alpha"]].notna().any(axis=1), "construct"].tolist()
        assert filled == theirs


def test_the_second_order_factor_is_left_out_as_in_semtools():
    _, _, res = _fit("higher_order")
    row = ordinal_reliability(res).set_index("construct").loc["experience"]
    assert row["n_items"] == 0
    assert row[["omega", "omega_latent", "alpha", "alpha_latent"]].isna().all()


def test_mixed_factor_has_only_the_observed_score_alpha():
    """A factor with ordered and continuous indicators: semTools gives NA for both omegas and the
    ordinal alpha, but alpha of the observed scores (continuous answers as given)."""
    _, data, res = _fit("mixed")
    row = ordinal_reliability(res).set_index("construct").loc["f2"]
    assert row[["omega", "omega_latent", "alpha_latent"]].isna().all()
    items = ["b1", "c1", "b2", "c2"]
    assert row["alpha"] == pytest.approx(sr.cronbach_alpha(data[items].dropna())["alpha"], abs=1e-12)


@pytest.mark.parametrize("case", ["holzinger_quartiles", "cfa5", "binary", "near_empty"])
def test_alpha_is_cronbachs_alpha_of_the_item_codes_under_delta(case):
    _, data, res = _fit(case)
    table = ordinal_reliability(res).set_index("construct")
    load = res.estimates[res.estimates["op"] == "=~"]
    for construct, items in load.groupby("lhs", sort=False)["rhs"]:
        expected = sr.cronbach_alpha(data[list(items)], use="complete")["alpha"]
        assert table.loc[construct, "alpha"] == pytest.approx(expected, abs=1e-12), construct


def test_alpha_of_a_pairwise_fit_with_missing_answers_is_na_as_semtools():
    """searchsorted put a missing answer above the top category, so alpha was Cronbach's alpha after filling every
    gap with k + 1 (0.40 where complete cases give 0.61 to 0.73; reviewer). semTools' compRelSEM(tau.eq = TRUE)
    gives NA there (its cov() of the data); omega and the latent coefficients come from the model and stand."""
    ref, data, full = _fit("cfa5")
    load = full.estimates[full.estimates["op"] == "=~"]
    first = load["lhs"].iloc[0]
    holes = data.astype(float)
    holes.loc[holes.index[::7], load["rhs"].iloc[1]] = np.nan  # an item of the first factor
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sr.fit_sem(ref["model"], holes, model_type="cfa", ordered=True, missing="pairwise")
    table = ordinal_reliability(res).set_index("construct")
    assert np.isnan(table.loc[first, "alpha"])
    assert table.loc[first, ["omega", "omega_latent", "alpha_latent"]].notna().all()
    assert table.drop(index=first)["alpha"].notna().all()  # the other factors' items are complete
    second = next(c for c in table.index if c != first)
    items = list(load.loc[load["lhs"] == second, "rhs"])
    assert table.loc[second, "alpha"] == pytest.approx(sr.cronbach_alpha(holes[items])["alpha"], abs=1e-12)


def test_omega_does_not_depend_on_the_parameterization_but_the_latent_composite_does():
    """Green & Yang's omega is about the observed scores, so delta and theta give the same value;
    the latent-response composite is unit-weighted on each parameterization's scale, so it differs."""
    delta = ordinal_reliability(_fit("binary")[2]).set_index("construct")
    theta = ordinal_reliability(_fit("theta_param")[2]).set_index("construct")
    assert np.allclose(delta["omega"], theta["omega"], atol=1e-6)
    assert (abs(delta["omega_latent"] - theta["omega_latent"]) > 1e-3).all()


def test_docstring_example_data_are_the_frozen_csv():
    """The docstring cuts Holzinger-Swineford at the quartiles with numpy; R wrote its own cut."""
    hs = sr.datasets.holzinger_swineford()
    items = hs[["x1", "x2", "x3", "x4", "x5", "x6"]].apply(
        lambda x: np.digitize(x, x.quantile([0.25, 0.5, 0.75]), right=True) + 1)
    frozen = pd.read_csv(FOLDER / "holzinger_quartiles.csv")
    pd.testing.assert_frame_equal(items.reset_index(drop=True), frozen, check_dtype=False)


def test_same_fit_same_numbers():
    _, _, res = _fit("cfa5")
    pd.testing.assert_frame_equal(ordinal_reliability(res), ordinal_reliability(res))


# ----- errors ------------------------------------------------------------------------------------
def test_refuses_a_fit_without_ordered_items():
    hs = sr.datasets.holzinger_swineford()
    fit = sr.fit_sem("visual =~ x1 + x2 + x3", hs)
    with pytest.raises(sr.ParameterError, match=r"'res' parameter of ordinal_reliability must be a fit with "
                                                r"ordered items .*Got 'a fit by ML without ordered items'"):
        ordinal_reliability(fit)


def test_refuses_something_that_is_not_a_fit():
    _, data, _ = _fit("binary")
    with pytest.raises(sr.ParameterError, match="Got 'DataFrame' instead"):
        ordinal_reliability(data)


@pytest.mark.parametrize("obs_var", ["yes", 1, None])
def test_refuses_a_non_bool_obs_var(obs_var):
    _, _, res = _fit("binary")
    with pytest.raises(sr.ParameterError, match="'obs_var' parameter of ordinal_reliability"):
        ordinal_reliability(res, obs_var=obs_var)


def test_obs_var_is_keyword_only():
    _, _, res = _fit("binary")
    with pytest.raises(TypeError):
        ordinal_reliability(res, False)  # type: ignore[misc]
