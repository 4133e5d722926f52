"""Set Likert thresholds: simulated items have the cut points asked for, and the truth is known.

The truth is :func:`population_thresholds` (cut - mean_shift on the standardized response, mirrored for a
reverse-keyed item as answered); the check is lavaan's probit thresholds of the simulated answers
(:func:`ordinal_sample_stats`, itself checked against lavaan in test_ordinal_samplestats.py).
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.sem.ordinal import ordinal_sample_stats
from stickiness_research.simulate import likert_thresholds, population_thresholds

N = 20_000
SEED = 5
SHIFT = 0.5  # response_style.mean_shift of the built-in questionnaire
# pd.util.hash_pandas_object(df).sum() of the built-in questionnaire's data, computed with the code from before
# thresholds could be set (commit 5ce5bb9): the default must stay byte-for-byte the same.
FROZEN_HASH_N200_SEED3 = 1211792070948670200
FROZEN_HASH_N200_SEED3_CARELESS = 17696118599591474191  # careless=0.1, missing=0.05
PRESETS = ("symmetric", "skewed", "sparse_top", "sparse_bottom")
_NORMAL = NormalDist()


def frame_hash(df: pd.DataFrame) -> int:
    return int(pd.util.hash_pandas_object(df).sum())


def sample_thresholds(df: pd.DataFrame, item: str) -> np.ndarray:
    return ordinal_sample_stats(df, ordered=[item]).thresholds.to_numpy()


def tolerance(truth: np.ndarray, n: int) -> np.ndarray:
    """0.03, or 4 sampling standard errors of a probit threshold where that is wider.

    SE(t) = sqrt(p (1 - p) / n) / phi(t), p = Phi(t): at n = 20000 about 0.009 for a central threshold
    (0.03 is 3 SE) but 0.032 at t = -2.5 (the skewed preset minus the 0.5 shift), where a fixed 0.03 would
    fail for about a third of the seeds.
    """
    p = np.array([_NORMAL.cdf(t) for t in truth])
    density = np.array([_NORMAL.pdf(t) for t in truth])
    return np.maximum(0.03, 4 * np.sqrt(p * (1 - p) / n) / density)


def with_population_lines(default_q: sr.Questionnaire, tmp_path: Path, lines: str,
                          shift: float = SHIFT) -> Path:
    """The built-in questionnaire's YAML with ``lines`` added to its population block, written to tmp_path."""
    text = Path(sr.builtin_questionnaire_path()).read_text(encoding="utf-8")
    old = "  response_style: {mean_shift: 0.5}\n"
    assert text.endswith(old)
    path = tmp_path / "thresholds.yaml"
    path.write_text(text.replace(old, f"  response_style: {{mean_shift: {shift}}}\n{lines}"), encoding="utf-8")
    return path


# ----- the default stays byte-for-byte the same --------------------------------------------------------
def test_no_thresholds_gives_the_data_of_before(default_q):
    assert default_q.population.thresholds is None
    assert frame_hash(sr.simulate_responses(default_q, n=200, seed=3)) == FROZEN_HASH_N200_SEED3
    careless = sr.simulate_responses(default_q, n=200, seed=3, careless=0.1, missing=0.05)
    assert frame_hash(careless) == FROZEN_HASH_N200_SEED3_CARELESS
    # the symmetric preset is the default, explicitly
    assert frame_hash(sr.simulate_responses(default_q, n=200, seed=3, thresholds="symmetric")) == \
        FROZEN_HASH_N200_SEED3
    assert frame_hash(sr.simulate_responses(default_q, n=200, seed=3, thresholds="skewed")) != \
        FROZEN_HASH_N200_SEED3


def test_keyword_replaces_the_questionnaires_thresholds(default_q, tmp_path):
    q = sr.load_questionnaire(with_population_lines(default_q, tmp_path, "  thresholds: skewed\n"))
    assert q.population.thresholds == "skewed"
    assert frame_hash(sr.simulate_responses(q, n=200, seed=3, thresholds="symmetric")) == FROZEN_HASH_N200_SEED3
    from_yaml = sr.simulate_responses(q, n=200, seed=3)
    pd.testing.assert_frame_equal(from_yaml, sr.simulate_responses(default_q, n=200, seed=3, thresholds="skewed"))


# ----- presets --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("points", range(2, 12))
@pytest.mark.parametrize("preset", PRESETS)
def test_presets_are_increasing_cut_points(preset, points):
    cuts = likert_thresholds(points, preset)
    assert cuts.shape == (points - 1,)
    assert np.all(np.isfinite(cuts)) and np.all(np.diff(cuts) > 0)


def test_preset_values():
    np.testing.assert_array_equal(likert_thresholds(5), np.linspace(-1.5, 1.5, 4))  # the cuts of before
    np.testing.assert_array_equal(likert_thresholds(2), [0.0])
    np.testing.assert_allclose(likert_thresholds(5, "skewed"), [-2.0, -1.3, -0.5, 0.6], atol=1e-12)
    top = _NORMAL.inv_cdf(0.99)
    for points in (2, 5, 7):
        assert likert_thresholds(points, "sparse_top")[-1] == pytest.approx(top)
        assert 1 - _NORMAL.cdf(likert_thresholds(points, "sparse_top")[-1]) == pytest.approx(0.01)
        np.testing.assert_allclose(likert_thresholds(points, "sparse_bottom"),
                                   -likert_thresholds(points, "sparse_top")[::-1])
    skewed7 = likert_thresholds(7, "skewed")
    assert skewed7[0] == pytest.approx(-2.0) and skewed7[-1] == pytest.approx(0.6)


def test_unknown_preset_of_likert_thresholds_is_a_parameter_error():
    with pytest.raises(sr.ParameterError, match="'preset' parameter of likert_thresholds"):
        likert_thresholds(5, "lopsided")


# ----- the truth: shift, precedence, reverse keying --------------------------------------------------------
MIXED = {"agree5": "skewed", "int1": [-0.8, -0.1, 0.9, 1.9], "con4": [-1.9, -1.0, 0.2, 1.4], "sti5": "sparse_top"}


def test_population_thresholds_are_cuts_minus_shift_item_before_set(default_q):
    truth = population_thresholds(default_q, MIXED)
    assert list(truth) == default_q.item_ids
    np.testing.assert_allclose(truth["int1"], np.array(MIXED["int1"]) - SHIFT)  # item entry wins over agree5
    np.testing.assert_allclose(truth["int2"], likert_thresholds(5, "skewed") - SHIFT)
    np.testing.assert_allclose(truth["sti5"], likert_thresholds(5, "sparse_top") - SHIFT)
    # con4 is reverse-keyed: its answers as given have the mirrored, negated thresholds; recoded, the cuts
    assert default_q.item("con4").reverse
    np.testing.assert_allclose(truth["con4"], -(np.array(MIXED["con4"]) - SHIFT)[::-1])
    recoded = population_thresholds(default_q, MIXED, recoded=True)
    np.testing.assert_allclose(recoded["con4"], np.array(MIXED["con4"]) - SHIFT)
    np.testing.assert_allclose(recoded["int1"], truth["int1"])
    # no thresholds given: the symmetric cuts, minus the shift
    np.testing.assert_allclose(population_thresholds(default_q)["int2"], np.linspace(-1.5, 1.5, 4) - SHIFT)


CASES = {
    "symmetric": "symmetric",
    "skewed": "skewed",
    "sparse_top": "sparse_top",
    "sparse_bottom": "sparse_bottom",
    "explicit_list_for_the_response_set": {"agree5": [-1.2, -0.4, 0.3, 1.1]},
    "mixed_item_and_set_entries": MIXED,
}


@pytest.mark.parametrize("spec", list(CASES.values()), ids=list(CASES))
def test_sample_thresholds_recover_the_set_ones(default_q, spec):
    df = sr.simulate_responses(default_q, n=N, seed=SEED, thresholds=spec)
    truth = population_thresholds(default_q, spec)
    for item in default_q.item_ids:
        estimated = sample_thresholds(df, item)
        assert estimated.shape == truth[item].shape, item
        off = np.abs(estimated - truth[item])
        assert np.all(off < tolerance(truth[item], N)), (item, estimated.round(3), truth[item].round(3))
    # after reverse coding, the reverse-keyed item's thresholds are the cuts minus the shift again
    recoded = sr.reverse_code(df, default_q)
    truth_recoded = population_thresholds(default_q, spec, recoded=True)
    for item in default_q.reverse_items:
        estimated = sample_thresholds(recoded, item)
        assert np.all(np.abs(estimated - truth_recoded[item]) < tolerance(truth_recoded[item], N)), item


def test_sparse_top_holds_one_percent_in_the_top_category(default_q, tmp_path):
    q = sr.load_questionnaire(with_population_lines(default_q, tmp_path, "  thresholds: {agree5: sparse_top}\n",
                                                    shift=0.0))
    df = sr.simulate_responses(q, n=N, seed=SEED)
    items = df[q.item_ids].astype(int)
    # the top category of the continuous response; a reverse-keyed item's as answered is category 1
    top = pd.Series({i: (items[i] == (1 if q.item(i).reverse else 5)).mean() for i in q.item_ids})
    assert top.between(0.006, 0.014).all(), top.round(4).to_dict()  # SE of one share: 0.0007
    assert 0.009 < top.mean() < 0.011
    # the other end is not sparse (symmetric bottom cut -1.5: 6.7%)
    bottom = pd.Series({i: (items[i] == (5 if q.item(i).reverse else 1)).mean() for i in q.item_ids})
    assert bottom.between(0.055, 0.08).all()
    # the default questionnaire's shift of 0.5 moves answers up: 1 - Phi(2.326 - 0.5) = 3.4%
    shifted = sr.simulate_responses(default_q, n=N, seed=SEED, thresholds={"int1": "sparse_top"})
    assert (shifted["int1"] == 5).mean() == pytest.approx(1 - _NORMAL.cdf(_NORMAL.inv_cdf(0.99) - SHIFT), abs=0.005)


# ----- bad specs name the key ----------------------------------------------------------------------------
BAD = [
    # (entry under thresholds:, key, fragment of the message)
    ("agree5: [-1, 0, 1]", "agree5", "give 4 cut points, not 3"),
    ("int1: [-1, 0, 1, 2, 3]", "int1", "give 4 cut points, not 5"),
    ("int1: [-1, 0.5, 0.2, 1]", "int1", "strictly increasing"),
    ("int1: [-1, 0, 0, 1]", "int1", "strictly increasing"),
    ("int1: skewd", "int1", "unknown threshold preset 'skewd'"),
    ("int9: [-1, 0, 1, 2]", "int9", "neither an item nor a response set"),
    ("int1: [-1, 0, .inf, 2]", "int1", "finite"),
    ("int1: [low, mid, high, top]", "int1", "list of numbers"),
]


@pytest.mark.parametrize(("entry", "key", "fragment"), BAD, ids=[b[0] for b in BAD])
def test_bad_thresholds_in_the_yaml_name_the_key_and_line(default_q, tmp_path, entry, key, fragment):
    path = with_population_lines(default_q, tmp_path, f"  thresholds:\n    int2: skewed\n    {entry}\n")
    with pytest.raises(sr.QuestionnaireError) as info:
        sr.load_questionnaire(path)
    err = info.value
    assert err.field == f"population.thresholds.{key}"
    assert err.file == str(path)
    assert err.line == path.read_text(encoding="utf-8").splitlines().index(f"    {entry}") + 1
    assert repr(key) in str(err) and fragment in str(err), str(err)


def test_unknown_preset_for_all_items_in_the_yaml(default_q, tmp_path):
    path = with_population_lines(default_q, tmp_path, "  thresholds: lopsided\n")
    with pytest.raises(sr.QuestionnaireError, match="unknown threshold preset 'lopsided'") as info:
        sr.load_questionnaire(path)
    assert info.value.field == "population.thresholds"
    assert info.value.line == len(path.read_text(encoding="utf-8").splitlines())


KEYWORD_BAD = [
    ({"agree5": [-1, 0, 1]}, "agree5", "give 4 cut points, not 3"),
    ({"int1": [-1, 0.5, 0.2, 1]}, "int1", "strictly increasing"),
    ({"int1": "skewd"}, "int1", "unknown threshold preset 'skewd'"),
    ({"int9": [-1, 0, 1, 2]}, "int9", "neither an item nor a response set"),
    ({"int1": [-1, 0, float("nan"), 2]}, "int1", "finite"),
]


@pytest.mark.parametrize(("spec", "key", "fragment"), KEYWORD_BAD, ids=[k for _, k, _ in KEYWORD_BAD])
@pytest.mark.parametrize("function", ["simulate_responses", "population_thresholds"])
def test_bad_thresholds_keyword_names_the_key(default_q, function, spec, key, fragment):
    call = {"simulate_responses": lambda: sr.simulate_responses(default_q, n=10, seed=1, thresholds=spec),
            "population_thresholds": lambda: population_thresholds(default_q, spec)}[function]
    with pytest.raises(sr.QuestionnaireError) as info:
        call()
    assert info.value.field == f"thresholds.{key}"
    assert repr(key) in str(info.value) and fragment in str(info.value) and function in str(info.value)


def test_thresholds_set_in_code_are_checked_too(default_q):
    q = default_q.model_copy(deep=True)
    q.population.thresholds = {"int1": [0.5, 0.0, 1.0, 2.0]}  # assignment skips validation
    with pytest.raises(sr.QuestionnaireError, match="strictly increasing") as info:
        sr.simulate_responses(q, n=10, seed=1)
    assert info.value.field == "population.thresholds.int1"


def test_unknown_preset_for_all_items_as_keyword(default_q):
    with pytest.raises(sr.QuestionnaireError, match="unknown threshold preset 'lopsided'") as info:
        sr.simulate_responses(default_q, n=10, seed=1, thresholds="lopsided")
    assert info.value.field == "thresholds"


@pytest.mark.parametrize("spec", [3, ["skewed"]])
@pytest.mark.parametrize("function", ["simulate_responses", "population_thresholds"])
def test_thresholds_keyword_neither_str_nor_dict_is_a_parameter_error(default_q, function, spec):
    call = {"simulate_responses": lambda: sr.simulate_responses(default_q, n=10, seed=1, thresholds=spec),
            "population_thresholds": lambda: population_thresholds(default_q, spec)}[function]
    with pytest.raises(sr.ParameterError, match=f"The 'thresholds' parameter of {function} must be a preset name"):
        call()
