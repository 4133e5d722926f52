"""RMSEA-based power and sample size (MacCallum, Browne & Sugawara 1996) against semTools 0.5.6.

The frozen values come from ``tests/reference/semtools_rmsea_power.R`` (``findRMSEApower`` and
``findRMSEAsamplesize`` over close, not-close and exact fit, df 1-265, N 100-2000, alpha .05/.01, 1-3 groups,
power .80/.90). Power agrees to 1e-8 (measured: 2e-13); the sample size exactly, as a total N
(semTools returns N / group), except where semTools' scan skips N (see ``SEMTOOLS_SKIPPED``).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from conftest import REFERENCE
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.planning import _rmsea_power_at

SEMTOOLS = json.loads((REFERENCE / "rmsea_power" / "semtools.json").read_text(encoding="utf-8"))
POWER_CASES = SEMTOOLS["power"]
SIZE_CASES = SEMTOOLS["sample_size"]
HS_MODEL = "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
PAIRS = [(.05, .08), (.05, .10), (.02, .05), (.05, .01), (.08, .05), (.10, .06), (0, .05), (0, .08), (0, .03)]
# findRMSEAsamplesize scans N = 5:500, then 505:1000, ... and so never tries 501-504, 1001-1004, ...: where the
# smallest N lies in such a gap it returns the next block's first N. Ours is the smallest N: the call -> ours.
SEMTOOLS_SKIPPED = {
    "semTools::findRMSEAsamplesize(0, 0.05, 24, 0.8, 0.01, group = 1)": 503,
    "semTools::findRMSEAsamplesize(0, 0.05, 100, 0.9, 0.01, group = 2)": 501,
}
runner = CliRunner()


def _args(case: dict) -> dict:
    return {"rmsea0": case["rmsea0"], "rmsea_a": case["rmsea_a"], "df": case["df"], "alpha": case["alpha"],
            "groups": case["group"]}


def test_the_reference_grid_covers_the_brief():
    assert SEMTOOLS["semTools_version"] == "0.5.6"
    kinds = {("exact" if c["rmsea0"] == 0 else "close" if c["rmsea0"] < c["rmsea_a"] else "not-close")
             for c in POWER_CASES}
    assert kinds == {"exact", "close", "not-close"}
    assert {265, 1}.issubset({c["df"] for c in POWER_CASES}) and {c["group"] for c in POWER_CASES} == {1, 2, 3}
    assert {c["n"] for c in POWER_CASES} == {100, 150, 200, 500, 1000, 2000}
    assert {c["power"] for c in SIZE_CASES} == {0.8, 0.9} and {c["alpha"] for c in SIZE_CASES} == {0.05, 0.01}
    assert all("total_n" in c for c in SIZE_CASES)  # no "Sample Size <= 5" answers in this grid
    assert len(POWER_CASES) == 1512 and len(SIZE_CASES) == 300


@pytest.mark.parametrize("case", POWER_CASES, ids=[c["call"] for c in POWER_CASES])
def test_power_agrees_with_semtools(case):
    ours = sr.rmsea_power(n=case["n"], **_args(case))
    assert isinstance(ours, float)
    assert ours == pytest.approx(case["power"], abs=1e-8, rel=0)


@pytest.mark.parametrize("case", SIZE_CASES, ids=[c["call"] for c in SIZE_CASES])
def test_sample_size_agrees_with_semtools(case):
    ours = sr.rmsea_sample_size(power=case["power"], **_args(case))
    assert isinstance(ours, int)
    assert case["total_n"] == case["value"] * case["group"]
    expected = SEMTOOLS_SKIPPED.get(case["call"], case["total_n"])
    assert ours == expected
    if case["call"] in SEMTOOLS_SKIPPED:  # semTools gave the first N of its next block; ours lies in the gap
        assert case["total_n"] % 500 == 5 and case["total_n"] - 4 <= ours < case["total_n"]
    # the smallest N: reaches the power, one fewer does not
    assert sr.rmsea_power(n=ours, **_args(case)) >= case["power"] > sr.rmsea_power(n=ours - 1, **_args(case))


@pytest.mark.parametrize("pair", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
@pytest.mark.parametrize("df", [1, 5, 24, 265])
def test_power_rises_with_n_so_the_bisection_finds_the_first_n(pair, df):
    """The search brackets and bisects, which finds semTools' first crossing only if the power rises with N."""
    for alpha in (0.05, 0.01):
        power = _rmsea_power_at(np.arange(2, 6001), pair[0], pair[1], df, alpha, 1)
        assert np.all(np.diff(power) >= -1e-12)
        assert power[0] >= alpha * 0.99 and power[-1] > power[0]
        for target in (0.5, 0.8, 0.95):
            if power[-1] >= target:
                scanned = 2 + int(np.argmax(power >= target))
                assert sr.rmsea_sample_size(rmsea0=pair[0], rmsea_a=pair[1], df=df, power=target,
                                            alpha=alpha) == scanned


def test_round_trip_the_power_at_n_needs_n():
    """'Reaching' the power (>=), where semTools asks for more than it (>): the power at N gives back N."""
    for n in (2, 3, 50, 151, 503, 2000):
        for rmsea0, rmsea_a in ((.05, .08), (.05, .01), (0, .05)):
            reached = sr.rmsea_power(rmsea0=rmsea0, rmsea_a=rmsea_a, df=30, n=n)
            assert sr.rmsea_sample_size(rmsea0=rmsea0, rmsea_a=rmsea_a, df=30, power=reached) == n


def test_known_values_and_directions():
    # semTools::findRMSEApower(.05, .08, 100, 200) and (.05, .01, 100, 200), not in the frozen grid
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=100, n=200) == pytest.approx(0.9549499968, abs=1e-9)
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.01, df=100, n=200) == pytest.approx(0.8701364582, abs=1e-9)
    # a target at or below the power at N = 2 is met there (semTools: "Sample Size <= 5")
    assert sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=265, power=0.01) == 2
    # more groups with the same total N: smaller noncentrality, less power
    one = sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=50, n=300)
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=50, n=300, groups=2) < one
    # a stricter alpha costs power, a larger df gains it
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=50, n=300, alpha=.01) < one
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=100, n=300) > one


@pytest.fixture(scope="module")
def hs_fit():
    return sr.fit_sem(HS_MODEL, sr.datasets.holzinger_swineford())


def test_a_fitted_model_brings_its_own_df(hs_fit):
    assert hs_fit.fit_measures["df"] == 24
    by_number = sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=24, n=301)
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=hs_fit, n=hs_fit.n_obs) == by_number
    assert by_number == pytest.approx(0.7015941421552273, abs=1e-8)  # findRMSEApower(.05, .08, 24, 301)
    cfa = sr.cfa(HS_MODEL, sr.datasets.holzinger_swineford())
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=cfa, n=301) == by_number
    assert sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=hs_fit) == sr.rmsea_sample_size(
        rmsea0=.05, rmsea_a=.08, df=24)
    # the fit's degrees of freedom as a number (numpy float) work too
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=hs_fit.fit_measures["df"], n=301) == by_number


def test_a_multigroup_fit_brings_its_number_of_groups():
    res = sr.fit_sem(HS_MODEL, sr.datasets.holzinger_swineford(), group="school")
    assert len(res.groups) == 2 and res.fit_measures["df"] == 48
    two = sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=48, n=301, groups=2)
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=res, n=301) == two
    assert sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=res, n=301, groups=1) == sr.rmsea_power(
        rmsea0=.05, rmsea_a=.08, df=48, n=301)


ERRORS = [
    ("rmsea_power", {"rmsea0": -0.01}, "rmsea0"),
    ("rmsea_power", {"rmsea0": float("nan")}, "rmsea0"),
    ("rmsea_power", {"rmsea_a": 0.05}, "rmsea_a"),
    ("rmsea_power", {"rmsea_a": -1}, "rmsea_a"),
    ("rmsea_power", {"df": 0}, "df"),
    ("rmsea_power", {"df": "265"}, "df"),
    ("rmsea_power", {"df": None}, "df"),
    ("rmsea_power", {"n": 1}, "n"),
    ("rmsea_power", {"n": 150.0}, "n"),
    ("rmsea_power", {"alpha": 0}, "alpha"),
    ("rmsea_power", {"groups": 0}, "groups"),
    ("rmsea_sample_size", {"power": 1.0}, "power"),
    ("rmsea_sample_size", {"power": 0}, "power"),
    ("rmsea_sample_size", {"alpha": 1.5}, "alpha"),
    ("rmsea_sample_size", {"rmsea_a": 0.05}, "rmsea_a"),
    ("rmsea_sample_size", {"groups": True}, "groups"),
]


@pytest.mark.parametrize("function, bad, name", ERRORS, ids=[f"{f}-{n}-{b[n]!r}" for f, b, n in ERRORS])
def test_bad_arguments_raise_the_named_template(function, bad, name):
    valid = {"rmsea0": .05, "rmsea_a": .08, "df": 265} | ({"n": 150} if function == "rmsea_power" else {})
    with pytest.raises(sr.ParameterError) as info:
        getattr(sr, function)(**(valid | bad))
    message = str(info.value)
    assert re.fullmatch(rf"The '{name}' parameter of {function} must be .+\. Got .+ instead\.", message), message


def test_equal_rmseas_are_refused_with_the_reason():
    with pytest.raises(sr.ParameterError, match=r"other than rmsea0 \(0.05\), since equal values leave the power"):
        sr.rmsea_power(rmsea0=.05, rmsea_a=.05, df=10, n=100)


def test_a_saturated_or_foreign_model_is_refused():
    saturated = sr.fit_sem("visual =~ x1 + x2 + x3", sr.datasets.holzinger_swineford())
    assert saturated.fit_measures["df"] == 0
    with pytest.raises(sr.ParameterError, match="fitted model's degrees of freedom; a saturated model has no test"):
        sr.rmsea_power(rmsea0=.05, rmsea_a=.08, df=saturated, n=301)
    with pytest.raises(sr.ParameterError, match=r"or a fitted SEMResult \(its own df\)\. Got 'a DataFrame' instead"):
        sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.08, df=sr.datasets.holzinger_swineford())


def test_an_unreachable_power_is_a_named_error_not_a_hang():
    with pytest.raises(sr.EstimationError, match="not reached by N = 1,000,000,000"):
        sr.rmsea_sample_size(rmsea0=.05, rmsea_a=.0500001, df=1, power=.9)


# --- stickiness power --rmsea0 ... ---------------------------------------------------------------------------

def run(*args: str):
    return runner.invoke(app, ["power", *args], catch_exceptions=False)


def test_cli_power_at_n():
    result = run("--rmsea0", ".05", "--rmsea-a", ".08", "--df", "265", "-n", "150")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == ("power = 0.9972: test of close fit (RMSEA 0.05 against 0.08), df = 265, "
                                     "N = 150, alpha = 0.05")


def test_cli_sample_size_and_json_agree_with_the_library():
    result = run("--rmsea0", ".05", "--rmsea-a", ".08", "--df", "265", "--power", ".8")
    assert result.exit_code == 0 and result.stdout.startswith("N = 71: smallest sample size with power >= 0.8")
    assert len(result.stdout.strip().splitlines()) == 1
    result = run("--rmsea0", ".05", "--rmsea-a", ".08", "--df", "24", "--power", ".9", "--groups", "2", "--json")
    document = json.loads(result.stdout)
    assert document["command"] == "power" and document["result"]["type"] == "RMSEAPower"
    row = {"test": "close fit", "rmsea0": 0.05, "rmsea_a": 0.08, "df": 24, "alpha": 0.05, "groups": 2, "power": 0.9,
           "n": 982}  # semTools::findRMSEAsamplesize(.05, .08, 24, .9, group = 2) = 491
    assert document["result"]["tables"] == {"rmsea power": [row]}
    assert document["result"]["meta"] == {**row, "solved_for": "n"}
    result = run("--rmsea0", ".05", "--rmsea-a", ".01", "--df", "24", "-n", "400", "--alpha", ".01", "--json")
    payload = json.loads(result.stdout)["result"]["meta"]
    assert payload["test"] == "not-close fit" and payload["n"] == 400 and payload["solved_for"] == "power"
    assert payload["power"] == sr.rmsea_power(rmsea0=.05, rmsea_a=.01, df=24, n=400, alpha=.01)
    result = run("--rmsea0", "0", "--rmsea-a", ".05", "--df", "24", "-n", "400")
    assert "test of exact fit" in result.stdout


CLI_MISTAKES = [
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "265"], "'-n' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "265", "-n", "150", "--power", ".8"], "not both"),
    (["--rmsea0", ".05", "--rmsea-a", ".05", "--df", "265", "-n", "150"], "other than --rmsea0"),
    (["--rmsea0", ".05", "--df", "265", "-n", "150"], "'--rmsea-a' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "-n", "150"], "'--df' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "0", "-n", "150"], "'--df' parameter"),
    (["--rmsea0", "-1", "--rmsea-a", ".08", "--df", "5", "-n", "150"], "'--rmsea0' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "5", "-n", "150,200"], "'-n' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "5", "--power", "1.2"], "'--power' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "5", "-n", "150", "--alpha", "0"], "'--alpha' parameter"),
    (["--rmsea0", ".05", "--rmsea-a", ".08", "--df", "5", "-n", "150", "--groups", "0"], "'--groups' parameter"),
    (["--rmsea-a", ".08", "--df", "5"], "without --rmsea0"),
    (["--rmsea0", ".05", "--rmsea-a", ".0500001", "--df", "1", "--power", ".9"], "too close to tell apart"),
    ([], "'QUESTIONNAIRE' parameter"),
]


@pytest.mark.parametrize("args, fragment", CLI_MISTAKES, ids=[" ".join(a) or "nothing" for a, _ in CLI_MISTAKES])
def test_cli_mistakes_exit_2_with_one_named_line(args, fragment):
    result = run(*args)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], result.stderr
    assert "Traceback" not in result.output


def test_cli_monte_carlo_mode_is_sr_power(default_q):
    path = str(sr.builtin_questionnaire_path())
    result = run(path, "-n", "100", "--replications", "2", "--seed", "4", "--json")
    assert result.exit_code == 0, result.output
    table = sr.power(default_q, n=[100], replications=2, seed=4)
    document = json.loads(result.stdout)["result"]
    assert [row["power"] for row in document["tables"]["power"]] == table["power"].tolist()
    assert document["type"] == "PowerTable" and document["meta"] == {"replications": 2, "seed": 4, "alpha": 0.05,
                                                                      "indirect": "delta"}
    result = run(path, "-n", "20")
    assert result.exit_code == 2 and "'-n' parameter of stickiness power" in result.stderr
    result = run(path, "--rmsea0", ".05", "--rmsea-a", ".08", "--df", "5", "-n", "100")
    assert result.exit_code == 2 and "'QUESTIONNAIRE' parameter" in result.stderr
