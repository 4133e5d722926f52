"""factor_scores agrees with lavaan 0.6.14's lavPredict() (regression and Bartlett scores).

References: tests/reference/lavaan_predict.R -> tests/reference/lavaan/predict_<case>.json. The scoring
formulas are checked at lavaan's own estimates (plugged into our fit) to 1e-6 absolute / 1e-5
relative; with our own estimates the scores differ by lavaan's optimizer tolerance (about 1e-5).
"""

from __future__ import annotations

import dataclasses
from functools import cache

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, lavaan_reference

import stickiness_research as sr
from stickiness_research.sem.predict import factor_scores

CASES = ["hs_cfa", "hs_cfa_meanstructure", "political_democracy", "hs_school", "hs_covariate",
         "hs_covariate_meanstructure", "hs_observed_outcome", "hs_second_order", "hs_fiml"]
METHODS = ["regression", "Bartlett"]
HS_CFA = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"


@cache
def fitted(case: str) -> tuple[dict, sr.SEMResult]:
    ref = lavaan_reference(f"predict_{case}")
    return ref, sr.fit_sem(ref["model"], pd.read_csv(ROOT / ref["data_file"]), **ref["sem_args"])


def at_lavaan_estimates(res: sr.SEMResult, ref: dict) -> sr.SEMResult:
    """The fit with theta replaced by lavaan's estimates (each free parameter read off one of its rows)."""
    state = res._state
    lavaan = {(e["lhs"], e["op"], e["rhs"], e["group"]): e["est"] for e in ref["estimates"] if e["free"] > 0}
    theta = np.full(len(state.solution.theta), np.nan)
    for row in state.rows:
        if row.free is not None:
            theta[row.free] = lavaan[(row.lhs, row.op, row.rhs if row.op != "~1" else "", row.group + 1)]
    assert not np.isnan(theta).any()
    solution = dataclasses.replace(state.solution, theta=theta)
    return dataclasses.replace(res, _state=dataclasses.replace(state, solution=solution))


def compare(scores: pd.DataFrame, ref: dict, method: str, atol: float, rtol: float) -> float:
    """Assert our scores match lavaan's (first rows, means, SDs); return the largest absolute difference."""
    worst = 0.0
    for block in ref["methods"][method]["groups"]:
        ours = scores[scores["group"] == block["label"]] if block["label"] else scores
        ours = ours[ref["lv_names"]]
        pairs = [(ours.loc[np.array(block["rows"]) - 1].to_numpy(), np.array(block["scores"], dtype=float)),
                 (ours.mean().to_numpy(), np.array(block["mean"], dtype=float)),
                 (ours.std().to_numpy(), np.array(block["sd"], dtype=float))]
        for a, b in pairs:
            np.testing.assert_allclose(a, b, atol=atol, rtol=rtol)
            worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES)
def test_scores_match_lavaan_at_its_estimates(case: str, method: str) -> None:
    ref, res = fitted(case)
    compare(factor_scores(at_lavaan_estimates(res, ref), method=method), ref, method, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("case", CASES)
def test_scores_match_lavaan_with_our_estimates(case: str, method: str) -> None:
    ref, res = fitted(case)
    compare(factor_scores(res, method=method), ref, method, atol=1e-4, rtol=1e-4)


def test_multigroup_layout_and_new_data() -> None:
    _, res = fitted("hs_school")
    fs = factor_scores(res)
    hs = pd.read_csv(ROOT / "tests/reference/data/HolzingerSwineford1939.csv")
    assert list(fs.columns) == ["group", "visual", "textual", "speed"]
    assert list(fs.index) == list(hs.index)
    assert (fs["group"] == hs["school"]).all()
    sample = hs.sample(40, random_state=1)
    again = factor_scores(res, sample, method="Bartlett")
    pd.testing.assert_frame_equal(again, factor_scores(res, method="bartlett").loc[sample.index])
    pd.testing.assert_frame_equal(factor_scores(res, sample, group="school"), fs.loc[sample.index])


def test_new_data_single_group_and_incomplete_rows() -> None:
    _, res = fitted("hs_cfa")
    hs = pd.read_csv(ROOT / "tests/reference/data/HolzingerSwineford1939.csv")
    pd.testing.assert_frame_equal(factor_scores(res, hs), factor_scores(res))
    holes = hs.head(5).copy()
    holes.loc[2, "x4"] = np.nan
    fs = factor_scores(res, holes)
    assert fs.loc[2].isna().all() and not fs.drop(index=2).isna().any().any()
    pd.testing.assert_frame_equal(fs.drop(index=2), factor_scores(res).loc[[0, 1, 3, 4]])


def test_errors() -> None:
    _, res = fitted("hs_cfa")
    hs = pd.read_csv(ROOT / "tests/reference/data/HolzingerSwineford1939.csv")
    with pytest.raises(sr.ModelSpecError, match="unknown factor score method 'anderson'"):
        factor_scores(res, method="anderson")
    with pytest.raises(sr.ModelSpecError, match="'x5' is not a column"):
        factor_scores(res, hs.drop(columns="x5"))
    _, multi = fitted("hs_school")
    with pytest.raises(sr.ModelSpecError, match="pass group="):
        factor_scores(multi, hs.drop(columns="school"))
    with pytest.raises(sr.ModelSpecError, match="'Other' was not in the fitted data"):
        factor_scores(multi, hs.assign(school="Other"), group="school")


@pytest.mark.parametrize("kind", ["ML", "FIML", "WLSMV"])
def test_multigroup_scores_keep_the_data_order_of_any_index(kind: str) -> None:
    """Respondent IDs as the index, in file order: the scores come back in that order (they were sorted by label,
    so resp10 came before resp2 and .to_numpy() no longer lined up with the data)."""
    hs = pd.read_csv(ROOT / "tests/reference/data/HolzingerSwineford1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    data = hs[["x1", "x2", "x3", "x4", "x5", "x6", "school"]].copy()
    if kind == "WLSMV":
        data[["x1", "x2", "x3", "x4", "x5", "x6"]] = data[["x1", "x2", "x3", "x4", "x5", "x6"]].apply(
            lambda c: pd.qcut(c, 4, labels=False, duplicates="drop"))
    if kind == "FIML":
        data.loc[[3, 10], "x2"] = np.nan
    ids = pd.Index([f"resp{i}" for i in np.random.default_rng(7).permutation(len(data))])
    options = {"ML": {}, "FIML": {"missing": "ml"}, "WLSMV": {"ordered": True}}[kind]
    plain = sr.fit_sem(model, data, group="school", **options).factor_scores()
    named = sr.fit_sem(model, data.set_axis(ids), group="school", **options).factor_scores()
    assert list(named.index) == list(ids) and list(plain.index) == list(data.index)
    np.testing.assert_allclose(named.drop(columns="group").to_numpy(), plain.drop(columns="group").to_numpy())
    assert (named["group"].to_numpy() == data["school"].to_numpy()).all()


def test_new_data_group_labels_match_whatever_their_dtype() -> None:
    """Whole-number group labels: a missing label in the new data makes the column float (1.0), which is still
    group 1 (it was 'group 1.0 was not in the fitted data'); a label the model was not fitted on is named even
    when group= is not given (it was 'pass group=')."""
    hs = pd.read_csv(ROOT / "tests/reference/data/HolzingerSwineford1939.csv")
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    data = hs.assign(site=np.where(hs["school"] == "Pasteur", 1, 2))[["x1", "x2", "x3", "x4", "x5", "x6", "site"]]
    res = sr.fit_sem(model, data, group="site")
    new = data.head(6).astype({"site": float})
    new.loc[2, "site"] = np.nan
    fs = res.factor_scores(new, group="site")
    assert fs.loc[2, ["visual", "textual"]].isna().all()
    pd.testing.assert_frame_equal(fs.drop(index=2), res.factor_scores().loc[[0, 1, 3, 4, 5]], check_dtype=False)
    assert res.factor_scores(new).drop(index=2).notna().all().all()  # the column found without group=
    with pytest.raises(sr.ModelSpecError, match="group '3' was not in the fitted data"):
        res.factor_scores(data.head(4).assign(site=[1, 2, 3, 1]))
