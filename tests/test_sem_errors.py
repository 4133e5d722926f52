"""Errors that help: each failure names its cause and a remedy (issue: errors that help)."""

from __future__ import annotations

import pytest

import stickiness_research as sr

HS = sr.datasets.holzinger_swineford()


@pytest.mark.parametrize(("syntax", "error", "message"), [
    ("f =~ x1 + x2", sr.ModelSpecError, "4 free parameters but the data give only 3 sample moments"),
    ("f =~ x1 + x2 + x3\ng =~ x4 + x5\nh =~ x6\nx6 ~~ x6", sr.EstimationError,
     "not identified: the information matrix is singular, so h ~~ h, x6 ~~ x6 cannot be estimated separately. "
     "A construct measured by a single item is not identified"),
    ("f =~ x1 + x2 + x3\nf <- x4", sr.ModelSpecError, "model line 2: '<-' is not lavaan syntax"),
    ("f =~ x1 + x2 + x3\nx1 | t1", sr.ModelSpecError, "thresholds ('|') are for ordinal items"),
    ("f =~ x1 + x2 + x3\nf ~~ a*f\na == b^2", sr.ModelSpecError, "uses 'b', which is not a parameter label"),
    ("f =~ x1 + b*x2 + x3\nf ~~ a*f\na == b^2", sr.ModelSpecError, "nonlinear constraint"),
    ("f =~ x1 + c(a, b)*x2 + x3", sr.ModelSpecError, "2 labels in c(), but the model has 1 group(s)"),
    ("f =~ x1 + x2 + x33", sr.ModelSpecError, "model variable 'x33' is not a column of the data. Did you mean x3"),
    ("f =~ x1 + x2 + x3\nind := a*b", sr.ModelSpecError, "uses 'a', which is not a parameter label"),
    ("", sr.ModelSpecError, "the model syntax is empty"),
])
def test_model_errors_name_cause_and_remedy(syntax, error, message):
    with pytest.raises(error) as info:
        sr.fit_sem(syntax, HS)
    assert message in str(info.value)


def test_data_errors():
    data = HS.copy()
    data["dup"] = data["x1"] * 2
    with pytest.raises(sr.EstimationError, match="not positive definite.*Remove duplicated items"):
        sr.fit_sem("f =~ x1 + x2 + dup", data)
    data["const"] = 1.0
    with pytest.raises(sr.EstimationError, match="variable 'const' is constant"):
        sr.fit_sem("f =~ x1 + x2 + const", data)
    data["text"] = "a"
    with pytest.raises(sr.ModelSpecError, match="column 'text' is not numeric"):
        sr.fit_sem("f =~ x1 + x2 + text", data)
    with pytest.raises(sr.ModelSpecError, match="only 3 complete rows"):
        sr.fit_sem("f =~ x1 + x2 + x3", HS.head(3))
    with pytest.raises(sr.ParameterError, match="'data' parameter of fit_sem must be a pandas DataFrame"):
        sr.fit_sem("f =~ x1 + x2 + x3", HS.to_numpy())
    with pytest.raises(sr.ModelSpecError, match="estimator 'WLSMV' is for ordered items"):
        sr.fit_sem("f =~ x1 + x2 + x3", HS, estimator="WLSMV")


CONSTANT_ITEM = "tests/reference/data/case_constant_item_fiml.csv"  # ../shared/cases/constant_item_fiml


@pytest.mark.parametrize("missing", ["listwise", "ml"])
def test_constant_item_is_named_on_every_estimation_path(missing):
    import pandas as pd

    data = pd.read_csv(CONSTANT_ITEM)
    with pytest.raises(sr.EstimationError, match="'a4' is constant"):
        sr.fit_sem("F =~ a1 + a2 + a3 + a4", data, missing=missing)


def test_item_without_answers_is_named_under_fiml():
    data = HS.copy()
    data["x3"] = float("nan")
    with pytest.raises(sr.EstimationError, match="'x3' has no observed value"):
        sr.fit_sem("visual =~ x1 + x2 + x3", data, missing="ml")


def test_a_model_of_observed_covariances_only_fits():
    """No latent or structural variable at all (lavaan: sem('x1 ~~ x2')); standardizing once indexed an
    empty latent block and crashed."""
    res = sr.fit_sem("x1 ~~ x2", HS)
    row = res.estimates.set_index(["lhs", "op", "rhs"]).loc[("x1", "~~", "x2")]
    # In R: standardizedSolution(sem("x1 ~~ x2", HolzingerSwineford1939)): est.std .297, se .053
    assert row["std_all"] == pytest.approx(0.2973, abs=1e-4)
    std = res.standardized_solution().set_index(["lhs", "op", "rhs"]).loc[("x1", "~~", "x2")]
    assert std["se"] == pytest.approx(0.053, abs=1e-3)
