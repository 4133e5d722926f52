"""One vocabulary, with a deprecation path: the new spellings (``model`` first, ``level``, ``std_all``) give the
numbers the old ones gave, and the old spellings still work until 0.2 with a FutureWarning naming the new one."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research._deprecation import REMOVED_IN, RenamedColumnsFrame, model_first, renamed_arguments
from stickiness_research.sem.compare import compare_group_paths

HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PATHS = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\ntextual ~ visual"


@pytest.fixture(scope="module")
def hs():
    return sr.datasets.holzinger_swineford()


def quietly(call):
    """The call under the new spelling, which must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        return call()


def test_the_package_version_is_before_the_removal():
    major, minor = (int(p) for p in sr.__version__.split(".")[:2])
    assert (major, minor) < tuple(int(p) for p in REMOVED_IN.split("."))


# ----- model first, as lavaan's cfa(model, data) ---------------------------------------------------------
def test_cfa_in_the_old_order_is_the_same_fit_with_a_warning(hs):
    new = quietly(lambda: sr.cfa(HS_MODEL, hs))
    with pytest.warns(FutureWarning, match=r"cfa\(data, q\) is deprecated and will be removed in "
                                           r"stickiness_research 0\.2: use cfa\(q, data\) \(lavaan's order\)") as rec:
        old = sr.cfa(hs, HS_MODEL)
    assert rec[0].filename == __file__  # the warning points at the caller's line, not at the package
    pd.testing.assert_frame_equal(old.sem.estimates, new.sem.estimates)
    pd.testing.assert_series_equal(old.fit_measures, new.fit_measures)


@pytest.mark.parametrize("call", [
    lambda hs: sr.cfa(q=HS_MODEL, data=hs),
    lambda hs: sr.cfa(hs, q=HS_MODEL),
    lambda hs: sr.cfa(hs, model=HS_MODEL),
])
def test_cfa_with_the_old_keyword_still_fits(hs, call):
    with pytest.warns(FutureWarning, match="cfa"):
        res = call(hs)
    assert res.fit_measures["chisq"] == pytest.approx(quietly(lambda: sr.cfa(model=HS_MODEL, data=hs))
                                                      .fit_measures["chisq"], rel=1e-12)


def test_invariance_in_the_old_order(hs):
    levels = ("configural", "metric")
    new = quietly(lambda: sr.invariance(HS_MODEL, hs, "school", levels=levels))
    with pytest.warns(FutureWarning, match=r"invariance\(data, q\) is deprecated"):
        old = sr.invariance(hs, HS_MODEL, "school", levels=levels)
    pd.testing.assert_frame_equal(old.table, new.table)


def test_latent_interaction_in_the_old_order(default_q):
    data = sr.reverse_code(sr.simulate_responses(default_q, n=200, seed=1), default_q)
    new = quietly(lambda: sr.latent_interaction(default_q, data, "security", "trust", "stickiness"))
    with pytest.warns(FutureWarning, match=r"latent_interaction\(data, q\) is deprecated"):
        old = sr.latent_interaction(data, default_q, "security", "trust", "stickiness")
    pd.testing.assert_frame_equal(old.slopes, new.slopes)


@pytest.mark.parametrize(("fit", "model"), [(sr.fit_sem, HS_MODEL), (sr.fit_pls, PATHS)],
                         ids=["fit_sem", "fit_pls"])
def test_the_syntax_keyword_is_now_model(hs, fit, model):
    new = quietly(lambda: fit(model=model, data=hs))
    with pytest.warns(FutureWarning, match=rf"{fit.__name__}\(syntax=\.\.\.\) is deprecated .* use "
                                           rf"{fit.__name__}\(model=\.\.\.\)"):
        old = fit(syntax=model, data=hs)
    pd.testing.assert_frame_equal(old.estimates, new.estimates)
    with pytest.raises(TypeError, match="got both 'syntax'"):
        fit(syntax=model, model=model, data=hs)


def test_compare_group_paths_takes_model(hs):
    new = quietly(lambda: compare_group_paths(model=PATHS, data=hs, group="school"))
    with pytest.warns(FutureWarning, match=r"compare_group_paths\(syntax=\.\.\.\)"):
        old = compare_group_paths(syntax=PATHS, data=hs, group="school")
    pd.testing.assert_frame_equal(old.table, new.table)


def test_the_decorators_leave_new_calls_alone():
    @model_first("q")
    def fit(model, data, *, level=0.95):
        return model, data.shape, level

    @renamed_arguments(syntax="model")
    def other(model):
        return model

    frame = pd.DataFrame({"x": [1.0]})
    assert quietly(lambda: fit("m", frame, level=0.9)) == ("m", (1, 1), 0.9)
    # only a DataFrame first and something else second is the old order: two frames are left as given
    wide = pd.DataFrame({"x": [1.0], "y": [2.0]})
    assert quietly(lambda: fit(frame, wide))[0] is frame
    assert quietly(lambda: other("m")) == "m"
    with pytest.raises(TypeError, match="got both 'q'"):
        fit(q="m", model="m", data=frame)


# ----- a confidence level is `level`; `ci` is the interval's method ------------------------------------
def test_cronbach_alpha_level(hs):
    items = hs[["x1", "x2", "x3"]]
    new = quietly(lambda: sr.cronbach_alpha(items, level=0.9))
    assert quietly(lambda: sr.cronbach_alpha(items, 0.9, ci="feldt")) == new  # the level, positionally as before
    with pytest.warns(FutureWarning, match=r"cronbach_alpha\(ci=0\.9\) for a confidence level is deprecated .* "
                                           r"use cronbach_alpha\(level=0\.9\)"):
        old = sr.cronbach_alpha(items, ci=0.9)
    assert old == new
    assert new["ci_upper"] - new["ci_lower"] < quietly(lambda: sr.cronbach_alpha(items))["ci_upper"] - \
        quietly(lambda: sr.cronbach_alpha(items))["ci_lower"]  # a 90% interval is narrower than the 95% one


def test_reliability_level(hs):
    new = quietly(lambda: sr.reliability(hs, HS_MODEL, level=0.8, cfa=False))
    with pytest.warns(FutureWarning, match=r"reliability\(ci=0\.8\)"):
        old = sr.reliability(hs, HS_MODEL, ci=0.8, cfa=False)
    pd.testing.assert_frame_equal(old, new)


# ----- a returned table still answers a renamed column ---------------------------------------------------
@pytest.fixture
def table():
    return RenamedColumnsFrame({"term": ["a", "b", "c"], "std_all": [0.5, -0.2, 0.1], "p": [0.01, 0.2, 0.04]},
                               renamed={"beta": "std_all"})


@pytest.mark.parametrize("derive", [
    lambda t: t, lambda t: t.copy(), lambda t: t.head(2), lambda t: t[t["p"] < 0.1], lambda t: t.iloc[1:],
    lambda t: t.sort_values("p"), lambda t: t.reset_index(), lambda t: t.round(2), lambda t: t.loc[t.index[:2]],
    lambda t: pickle.loads(pickle.dumps(t)),
], ids=["itself", "copy", "head", "mask", "iloc", "sort", "reset_index", "round", "loc", "pickle"])
def test_derived_tables_still_answer_the_old_name(table, derive):
    derived = derive(table)
    with pytest.warns(FutureWarning, match="column 'beta' is deprecated .* use 'std_all'"):
        old = derived["beta"]
    pd.testing.assert_series_equal(old, derived["std_all"])


def test_old_names_by_attribute_list_and_row(table):
    with pytest.warns(FutureWarning):
        assert table.beta.tolist() == [0.5, -0.2, 0.1]
    with pytest.warns(FutureWarning):
        assert table[["term", "beta"]].columns.tolist() == ["term", "std_all"]
    with pytest.warns(FutureWarning):
        assert [row.beta for row in table.itertuples()] == [0.5, -0.2, 0.1]
    assert [tuple(row) for row in table.itertuples(name=None)] == [tuple(r) for r in table.itertuples()]


def test_only_renamed_names_are_answered(table):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        assert table["std_all"].tolist() == [0.5, -0.2, 0.1]
        with pytest.raises(KeyError):
            table["est_std"]
        with pytest.raises(AttributeError):
            _ = table.est_std
        # a table that has a column under the old name itself reads that column
        both = table.assign(beta=[9.0, 9.0, 9.0])
        assert both["beta"].tolist() == [9.0, 9.0, 9.0]
        # a table that lost the new name answers no alias
        with pytest.raises(KeyError):
            table.drop(columns="std_all")["beta"]
    assert table.equals(pd.DataFrame(table)) and "beta" not in table.columns
    np.testing.assert_array_equal(table.to_numpy(), pd.DataFrame(table).to_numpy())


def test_mahalanobis_level_renamed_from_confidence():
    """quality_flags(mahalanobis_level=) and mahalanobis(level=) are the confidence levels' new names; the old
    keywords give the same flags with a FutureWarning."""
    from stickiness_research.responses.quality import mahalanobis

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.simulate_responses(q, n=150, seed=3)
    new = sr.quality_flags(data, q, mahalanobis_level=0.9)
    assert new["mahalanobis_flag"].sum() > sr.quality_flags(data, q)["mahalanobis_flag"].sum()  # the level is used
    with pytest.warns(FutureWarning, match=r"mahalanobis_confidence=.*mahalanobis_level="):
        old = sr.quality_flags(data, q, mahalanobis_confidence=0.9)
    pd.testing.assert_frame_equal(old, new)
    items = data[q.item_ids]
    with pytest.warns(FutureWarning, match=r"mahalanobis\(confidence=.*level="):
        pd.testing.assert_frame_equal(mahalanobis(items, confidence=0.95), mahalanobis(items, level=0.95))


def test_standardized_solution_names_its_column_by_kind():
    """standardized_solution(kind) calls the estimate std_all or std_lv (as estimates does); the old est_std
    still reads the same numbers, with a FutureWarning."""
    res = sr.fit_sem("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6", sr.datasets.holzinger_swineford())
    for kind in ("std_all", "std_lv"):
        table = res.standardized_solution(kind)
        assert kind in table.columns and "est_std" not in table.columns
        with pytest.warns(FutureWarning, match=f"'est_std'.*'{kind}'"):
            np.testing.assert_array_equal(table["est_std"], table[kind])
    loadings = res.standardized_solution().query("op == '=~'")["std_all"].to_numpy()
    np.testing.assert_allclose(loadings, res.estimates.query("op == '=~'")["std_all"].to_numpy(), atol=1e-12)


def test_old_spellings_warn_once_and_two_levels_are_refused():
    """One FutureWarning per call, naming the whole old spelling (cfa(data, q=...)); a level given as level= and
    again as the deprecated ci= is an error, not one of them silently dropped."""
    hs = sr.datasets.holzinger_swineford()
    model = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6"
    for call, spelling in ((lambda: sr.cfa(hs, q=model), "cfa(data, q=...)"), (lambda: sr.cfa(hs, model), "cfa(data, q)"),
                           (lambda: sr.cfa(q=model, data=hs), "cfa(q=...)")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        messages = [str(w.message) for w in caught if w.category is FutureWarning]
        assert len(messages) == 1 and messages[0].startswith(spelling), messages
        assert caught[0].filename == __file__  # the user's line
    with pytest.raises(TypeError, match="level both as level=0.9 and as ci=0.8"):
        sr.cronbach_alpha(hs[["x1", "x2", "x3"]], level=0.9, ci=0.8)
    table = sr.fit_sem(model, hs).standardized_solution()
    with pytest.warns(FutureWarning) as caught:
        table.loc[:, "est_std"]  # through pandas' indexers, still pointing at this line
    assert caught[0].filename == __file__
