"""A misspelt column gets the one "Did you mean" suggestion (errors.did_you_mean) wherever a column is looked up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.errors import did_you_mean

DATA = pd.DataFrame(np.random.default_rng(3).integers(1, 6, size=(60, 4)), columns=["trust", "loyal", "ease", "safe"])


def test_the_suggestion_names_close_columns_only():
    assert did_you_mean("loyl", DATA.columns) == " Did you mean loyal?"
    assert did_you_mean("zzz", DATA.columns) == ""
    assert did_you_mean(3, ["3", "4"]).startswith(" Did you mean 3")  # non-str names compare as text


@pytest.mark.parametrize("call", [
    lambda: sr.ols(DATA, "loyl", ["trust"]),
    lambda: sr.hierarchical(DATA, "loyl", {"first": ["trust"], "second": ["ease"]}),
    lambda: sr.fit_sem("f =~ trust + loyl + ease", DATA),
    lambda: sr.fit_sem("f =~ trust + loyal + ease", DATA, ordered=["loyl"]),
    lambda: sr.polychoric(DATA, ["trust", "loyl"]),
    lambda: sr.fit_pls("f =~ trust + loyl\ng =~ ease + safe\ng ~ f", DATA),
], ids=["ols", "hierarchical", "fit_sem", "fit_sem-ordered", "polychoric", "fit_pls"])
def test_a_misspelt_column_is_named_with_a_suggestion(call):
    with pytest.raises(sr.StickinessError, match=r"'loyl' .*Did you mean loyal\?"):
        call()
