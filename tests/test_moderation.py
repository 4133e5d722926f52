"""Latent interaction by double-mean-centred product indicators recovers a known moderation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.sem.moderation import latent_interaction

SYNTAX = "x =~ x1 + x2 + x3\nm =~ m1 + m2 + m3\ny =~ y1 + y2 + y3"


def simulate(n: int, interaction: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, m = rng.multivariate_normal([0, 0], [[1, 0.3], [0.3, 1]], size=n).T
    y = 0.3 * x + 0.2 * m + interaction * x * m + rng.normal(0, 0.8, n)
    cols = {}
    for name, latent in (("x", x), ("m", m), ("y", y)):
        for k, lam in enumerate((0.85, 0.8, 0.75), start=1):
            cols[f"{name}{k}"] = lam * latent + rng.normal(0, np.sqrt(1 - lam**2), n)
    return pd.DataFrame(cols)


@pytest.mark.parametrize("pairs", ["matched", "all"])
def test_recovers_a_true_interaction(pairs):
    fit = latent_interaction(SYNTAX, simulate(2000, 0.25, seed=3), "x", "m", "y", pairs=pairs)
    row = fit.interaction
    assert row["est"] > 0 and row["pvalue"] < 0.001
    # with x and m standardized, the true product coefficient is .25 (in y's latent metric)
    assert row["est"] == pytest.approx(0.25, abs=0.07)
    slopes = fit.slopes.set_index("moderator_sd")["slope"]
    assert slopes[-1.0] < slopes[0.0] < slopes[1.0]
    assert slopes[0.0] == pytest.approx(fit.result.estimates.set_index(["lhs", "op", "rhs"]).loc[("y", "~", "x"), "est"])


def test_no_interaction_is_not_significant():
    fit = latent_interaction(SYNTAX, simulate(2000, 0.0, seed=5), "x", "m", "y")
    assert fit.interaction["pvalue"] > 0.05


def test_plot_and_errors():
    fit = latent_interaction(SYNTAX, simulate(500, 0.25, seed=1), "x", "m", "y")
    fig = fit.plot()
    assert len(fig.axes[0].lines) == 3
    with pytest.raises(sr.ModelSpecError, match="construct 'z' has no items"):
        latent_interaction(SYNTAX, simulate(100, 0.0, seed=1), "x", "z", "y")
