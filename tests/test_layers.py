"""The layers contract (.importlinter) holds, and it is not vacuous: each recorded upward import breaks it."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

import stickiness_research as sr

ROOT = Path(sr.questionnaires_dir()).parent
CONFIG = ROOT / ".importlinter"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True)


def _ignored_imports() -> list[str]:
    parser = configparser.ConfigParser(comment_prefixes=(";",), inline_comment_prefixes=None)
    parser.read(CONFIG, encoding="utf-8")
    return [line.strip() for line in parser["importlinter:contract:layers"]["ignore_imports"].splitlines()
            if line.strip()]


def test_imports_point_down_the_layers():
    done = _lint(CONFIG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize("ignored", _ignored_imports())
def test_each_recorded_upward_import_would_break_the_contract(ignored, tmp_path):
    """Without its ignore line the contract fails and names that import (the ignore is needed, and checked)."""
    text = CONFIG.read_text(encoding="utf-8")
    without = tmp_path / "importlinter.ini"
    without.write_text("\n".join(line for line in text.splitlines() if line.strip() != ignored), encoding="utf-8")
    done = _lint(without)
    importer, imported = (name.strip() for name in ignored.split("->"))
    assert done.returncode == 1, done.stdout
    assert "BROKEN" in done.stdout
    assert importer in done.stdout and imported in done.stdout


def test_a_module_outside_every_layer_fails(tmp_path):
    """exhaustive = true: a new top-level module must be placed in a layer."""
    text = CONFIG.read_text(encoding="utf-8")
    assert " : datasets" in text
    without = tmp_path / "importlinter.ini"
    without.write_text(text.replace(" : datasets", ""), encoding="utf-8")
    done = _lint(without)
    assert done.returncode == 1
    assert "not listed as layers" in done.stdout and "stickiness_research.datasets" in done.stdout
