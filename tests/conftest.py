"""Shared fixtures: the built-in questionnaire, a minimal one, and the frozen R references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import stickiness_research as sr

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERENCE = Path(__file__).resolve().parent / "reference"


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
