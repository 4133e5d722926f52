"""Monte Carlo sample size: the bisection finds the first N on the grid whose simulated power reaches the target.

Every N is simulated from the same seeds (those of ``sr.power(q, n=[N], seed=seed)``), so the power at an N does
not depend on the search's path, on the criterion or on n_jobs. Replications are few here to keep the tests fast;
the properties checked hold for any number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr

TARGET = 0.8
SEARCH = {"n_min": 40, "n_max": 640, "step": 40, "replications": 16, "seed": 1}


@pytest.fixture(scope="module")
def found(default_q):
    return sr.sample_size(default_q, TARGET, hypotheses=["H1", "H6"], **SEARCH)


@pytest.fixture(scope="module")
def each(default_q):
    return sr.sample_size(default_q, TARGET, hypotheses=["H1", "H6"], criterion="each", n_jobs=2, **SEARCH)


def _min_power(result: sr.SampleSizeResult, n: int) -> float:
    return float(result.curve.loc[result.curve["n"] == n, "power"].min())


def test_the_n_found_reaches_the_target_and_the_n_below_does_not(found):
    row = found.sample_sizes.iloc[0]
    assert row["hypothesis"] == "all" and row["reached"] and found.n == row["n"]
    assert row["power"] >= TARGET and row["power"] == _min_power(found, found.n)
    assert row["n_below"] == found.n - SEARCH["step"]
    assert row["power_below"] < TARGET and row["power_below"] == _min_power(found, found.n - SEARCH["step"])
    # every step of the search is recorded with its verdict and its Monte Carlo standard error
    steps = found.search
    assert (steps["reached"] == (steps["power"] >= TARGET)).all()
    assert steps["step"].tolist() == list(range(1, len(steps) + 1))
    assert steps["n"].iloc[:3].tolist() == [40, 80, 160]  # doubling from n_min until the target is reached
    assert len(steps) == steps["n"].nunique()  # no N simulated twice


def test_monte_carlo_standard_errors(found):
    curve = found.curve
    assert np.allclose(curve["mc_se"], np.sqrt(curve["power"] * (1 - curve["power"]) / curve["replications"]))
    assert found.sample_sizes.iloc[0]["mc_se"] == pytest.approx(np.sqrt(0.875 * 0.125 / 16))


def test_the_power_at_n_is_sr_power_at_n(default_q, found):
    table = sr.power(default_q, n=[found.n], replications=SEARCH["replications"], seed=SEARCH["seed"])
    ours = found.curve[found.curve["n"] == found.n].set_index("hypothesis")
    theirs = table.set_index("hypothesis").loc[["H1", "H6"]]
    pd.testing.assert_series_equal(ours["power"], theirs["power"])
    pd.testing.assert_series_equal(ours["mean_estimate"], theirs["mean_estimate"])


def test_the_curve_rises_with_n(found):
    h6 = found.curve[found.curve["hypothesis"] == "H6"].set_index("n")
    doubling = h6.loc[[40, 80, 160, 320, 640]]
    assert doubling["power"].is_monotonic_increasing  # N doubling: far larger steps than the Monte Carlo error
    assert doubling["power"].iloc[-1] - doubling["power"].iloc[0] > 0.5
    # between neighbours the estimates rise up to their Monte Carlo error
    gaps = h6["power"].diff().iloc[1:]
    error = 2 * np.sqrt(h6["mc_se"] ** 2 + h6["mc_se"].shift() ** 2).iloc[1:]
    assert (gaps > -error).all()


def test_results_do_not_depend_on_the_path_the_criterion_or_n_jobs(found, each):
    by_n = found.curve.set_index(["n", "hypothesis"])
    again = each.curve.set_index(["n", "hypothesis"])
    common = by_n.index.intersection(again.index)
    assert len(common) >= 8
    pd.testing.assert_frame_equal(by_n.loc[common], again.loc[common])
    # "each": one N per hypothesis; the strong effect (H1, beta .50) needs far fewer respondents than H6 (.15)
    sizes = each.sample_sizes.set_index("hypothesis")["n"]
    assert sizes["H1"] < sizes["H6"] and each.n == sizes["H6"] == found.n
    for hypothesis, row in each.sample_sizes.set_index("hypothesis").iterrows():
        assert row["power"] >= TARGET > row["power_below"], hypothesis


def test_same_seed_same_result(default_q, found):
    again = sr.sample_size(default_q, TARGET, hypotheses=["H1", "H6"], **SEARCH)
    for name in ("sample_sizes", "search", "curve"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(found, name))


def test_a_target_beyond_n_max_is_reported_not_reached(default_q):
    result = sr.sample_size(default_q, 0.95, hypotheses=["H6"], n_min=30, n_max=60, replications=4, seed=2)
    assert result.n is None and not result.sample_sizes["reached"].any()
    assert result.search["n"].tolist() == [30, 60]
    assert "not reached by N = 60" in result.summary()


def test_reports_and_figure(found):
    text = found.summary()
    assert f"N = {found.n}" in text and "power curve" in text
    assert f"N = {found.n}" in found.to_markdown() and "<table" in found._repr_html_()
    assert "\\begin{tabular}" in found.to_latex()
    table = found.power_table()
    assert table.columns.tolist() == ["n", "H1", "H6", "all"]
    assert (table["all"] == table[["H1", "H6"]].min(axis=1)).all()
    import matplotlib.pyplot as plt

    fig = found.figure()
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["H1", "H6"]
    assert any(line.get_ydata()[0] == TARGET for line in ax.get_lines())  # the target line
    plt.close(fig)


# --- the command line: stickiness power QUESTIONNAIRE --target 0.8 ---------------------------------------------

def _cli(*args: str):
    from typer.testing import CliRunner

    from stickiness_research.cli import app

    return CliRunner().invoke(app, ["power", str(sr.builtin_questionnaire_path()), *args], catch_exceptions=False)


CLI_SEARCH = ["--hypotheses", "H1", "--n-min", "30", "--n-max", "60", "--step", "10", "--replications", "4",
              "--seed", "1"]


def test_cli_target_is_sr_sample_size(default_q, tmp_path):
    import json

    figure = tmp_path / "curve.png"
    result = _cli("--target", "0.8", *CLI_SEARCH, "--json", "--figure", str(figure))
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)["result"]
    expected = sr.sample_size(default_q, 0.8, hypotheses=["H1"], n_min=30, n_max=60, step=10, replications=4,
                              seed=1)
    assert payload["type"] == "SampleSizeResult" and payload["meta"]["n"] == expected.n == 50
    assert payload["meta"]["target_power"] == 0.8 and payload["meta"]["hypotheses"] == ["H1"]
    assert [step["n"] for step in payload["tables"]["search"]] == expected.search["n"].tolist()
    assert [row["H1"] for row in payload["tables"]["power curve"]] == expected.power_table()["H1"].tolist()
    assert figure.read_bytes()[:4] == b"\x89PNG"
    text = _cli("--target", "0.8", *CLI_SEARCH)
    assert text.exit_code == 0 and "N = 50" in text.stdout and "power curve" in text.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--target", "0.8", "-n", "100"], "'-n' parameter of stickiness power must be None with --target"),
    (["--target", "1.5"], "'--target' parameter of stickiness power"),
    (["--n-min", "40"], "'--n-min' parameter of stickiness power must be None without --target"),
    (["--target", "0.8", "--criterion", "some"], "'--criterion' parameter"),
    (["--target", "0.8", "--figure", "curve.gif"], "'--figure' parameter"),
    (["--target", "0.8", "--hypotheses", "H1,H99"], "'hypotheses' parameter of sample_size"),
    (["-n", "100", "--dask-scheduler", "tcp://127.0.0.1:1"], "'--dask-scheduler' parameter of stickiness power"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_cli_mistakes_are_one_named_line(args, fragment):
    result = _cli(*args)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
