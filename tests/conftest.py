"""Shared fixtures: the built-in questionnaire, a minimal one, and the frozen R references."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import stickiness_research as sr

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = Path(__file__).resolve().parent / "reference"

# PLS-SEM models of seminr's tests and demos on its data sets (tests/reference/seminr)
PLS_MOBI_SIMPLE = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Satisfaction ~ Image + Expectation + Value"""
PLS_ECSI = """Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation =~ CUEX1 + CUEX2 + CUEX3
Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints =~ CUSCO
Loyalty =~ CUSL1 + CUSL2 + CUSL3
Expectation + Satisfaction + Loyalty ~ Image
Quality + Value + Satisfaction ~ Expectation
Value + Satisfaction ~ Quality
Satisfaction ~ Value
Complaints + Loyalty ~ Satisfaction
Loyalty ~ Complaints"""


@pytest.fixture(scope="session")
def default_q() -> sr.Questionnaire:
    return sr.load_questionnaire(sr.builtin_questionnaire_path())


@pytest.fixture()
def minimal_text() -> str:
    return (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")


def lavaan_reference(case: str) -> dict:
    return json.loads((REFERENCE / "lavaan" / f"{case}.json").read_text(encoding="utf-8"))


def assert_refused(result, *fragments: str) -> str:
    """A CLI mistake: exit 2, exactly one 'error:' line holding every fragment, no traceback."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


def fit_measure_mismatches(fm, theirs: dict, rtol: float = 1e-4, floor: float = 1e-2) -> list[str]:
    """Every measure of lavaan's fitMeasures() (``theirs``, NA as None) against ours (``fm``): ours must exist and
    agree to ``rtol`` relative to ``max(|lavaan|, floor)``, or be NaN where lavaan's is NA."""
    bad = []
    for name, value in theirs.items():
        mine = float(fm[name]) if name in fm else None
        if value is None:
            if mine is not None and not math.isnan(mine):
                bad.append(f"{name}: ours {mine!r}, lavaan NA")
        elif mine is None or not abs(mine - value) <= rtol * max(abs(value), floor):
            bad.append(f"{name}: ours {mine!r}, lavaan {value!r}")
    return bad


PARTABLE_COLUMNS = ("id", "lhs", "op", "rhs", "user", "group", "free", "ustart", "exo", "label", "plabel")


def _same_cell(ours, theirs, column: str) -> bool:
    if column == "ustart":
        ours = math.nan if ours is None else float(ours)
        theirs = math.nan if theirs is None else float(theirs)
        return (math.isnan(ours) and math.isnan(theirs)) or ours == theirs
    if column in ("lhs", "op", "rhs", "label", "plabel"):
        return ("" if ours is None else str(ours)) == ("" if theirs is None else theirs)
    return ours == theirs  # id user group free exo: exact integers


def partable_mismatches(ours, theirs: dict) -> list[str]:
    """Cells where our ParTable frame differs from a lavaan parTable (JSON columns), row by row."""
    bad = []
    for i in range(min(len(theirs["id"]), len(ours))):
        for c in PARTABLE_COLUMNS:
            mine = ours[c].iloc[i]
            mine = mine.item() if hasattr(mine, "item") else mine
            if not _same_cell(mine, theirs[c][i], c):
                bad.append(f"row {i + 1} ({theirs['lhs'][i]} {theirs['op'][i]} {theirs['rhs'][i]}) "
                           f"{c}: ours {mine!r} lavaan {theirs[c][i]!r}")
    return bad
