"""The built wheel installs anywhere: it carries the questionnaires, scales, study configs and schemas.

The wheel is built from a copy of the working tree (so no ``build/`` folder lands in the checkout), unpacked,
and imported from a temporary folder with ``PYTHONPATH`` pointing at the unpacked wheel: nothing may be read
from the repository tree.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import stickiness_research as sr

ROOT = Path(sr.questionnaires_dir()).parent
PACKAGE = "stickiness_research"
# The files the package reads at run time from the top-level folders, shipped as stickiness_research/data/<...>.
SHIPPED_PATTERNS = ("questionnaires/*.yaml", "questionnaires/*.json", "questionnaires/scales/*.yaml",
                    "reports/*.yaml", "reports/*.json")

slow = pytest.mark.slow  # building the wheel and importing it in a fresh interpreter: ~10 s

# Runs in a fresh interpreter from an empty folder; prints what it found as JSON.
PROBE = r"""
import json, sys, warnings
from pathlib import Path
from typer.testing import CliRunner
import stickiness_research as sr
from stickiness_research.cli import app

out = {"module": sr.__file__, "questionnaires_dir": str(sr.questionnaires_dir())}
path = sr.builtin_questionnaire_path()
out["questionnaire"] = str(path)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    out["questionnaire_id"] = sr.load_questionnaire(path).meta.id
    out["others"] = {p.stem: sr.load_questionnaire(p).meta.id for p in sr.questionnaires_dir().glob("*.yaml")}
studies = {}
for config in sorted(Path(sr.builtin_study_path()).parent.glob("*.yaml")):
    cfg = sr.load_study_config(sr.builtin_study_path(config.stem))
    studies[config.stem] = {"questionnaire_file": str(cfg.resolve(cfg.questionnaire).resolve()),
                            "questionnaire_id": cfg.loaded_questionnaire().meta.id}
out["studies"] = studies
scales = sr.questionnaires_dir() / "scales" / "stickiness_core.yaml"
reuse = Path("reuse.yaml")
reuse.write_text('meta: {id: reuse, version: "1", title: {zh: 复用, en: Reuse}, languages: [zh, en]}\n'
                 f"constructs:\n  - {{from: {json.dumps(str(scales))}, id: stickiness}}\n", encoding="utf-8")
out["scale_items"] = [item.id for item in sr.load_questionnaire(reuse).items]
result = CliRunner().invoke(app, ["validate", str(path)])
out["validate"] = [result.exit_code, result.output]
print(json.dumps(out))
"""


def _copy_tree(dest: Path) -> Path:
    """The files a wheel is built from, symlinks kept as symlinks (as a fresh checkout has them)."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "build", "*.egg-info")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, dest / name)
    for name in (PACKAGE, "questionnaires", "reports"):
        shutil.copytree(ROOT / name, dest / name, symlinks=True, ignore=skip)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    source = _copy_tree(tmp_path_factory.mktemp("source"))
    dist = tmp_path_factory.mktemp("dist")
    # Offline and quick: the dev extras bring setuptools (with bdist_wheel); no index, no build isolation.
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index",
                    "--no-build-isolation", "--disable-pip-version-check", "-w", str(dist), str(source)],
                   check=True, capture_output=True, text=True)
    (built,) = dist.glob(f"{PACKAGE}-*.whl")
    return built


@pytest.fixture(scope="module")
def unpacked(wheel, tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("site")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


@slow
def test_the_wheel_holds_the_questionnaires_scales_study_configs_and_schemas(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{PACKAGE}/data/{p.relative_to(ROOT).as_posix()}"
                for pattern in SHIPPED_PATTERNS for p in ROOT.glob(pattern)}
    # every study config (the worked example, the behaviour study, any added later) and both schemas
    assert {f"{PACKAGE}/data/reports/financial_wechat.yaml", f"{PACKAGE}/data/reports/study.schema.json",
            f"{PACKAGE}/data/questionnaires/questionnaire.schema.json",
            f"{PACKAGE}/data/questionnaires/scales/stickiness_core.yaml"} <= expected
    assert sorted(expected - names) == []
    # nothing but those: no README, no report builds from reports/build/
    shipped_data = {n for n in names if n.startswith((f"{PACKAGE}/data/questionnaires/", f"{PACKAGE}/data/reports/"))}
    assert sorted(shipped_data - expected) == []


@slow
def test_the_wheel_holds_every_file_of_the_package(wheel):
    """Templates, datasets and modules: whatever the package folder holds (Markdown notes aside)."""
    names = set(zipfile.ZipFile(wheel).namelist())
    package = ROOT / PACKAGE
    builds = package / "data" / "reports"  # its subfolders are report builds (reports/build/), not package data
    in_tree = {f"{PACKAGE}/{(Path(folder) / name).relative_to(package).as_posix()}"
               for folder, dirs, files in os.walk(package, followlinks=True)
               if "__pycache__" not in Path(folder).parts and Path(folder).parent != builds
               and builds not in Path(folder).parents
               for name in files if not name.endswith((".pyc", ".md"))}
    assert len(in_tree) > 100
    assert sorted(in_tree - names) == []


@slow
def test_an_installed_wheel_finds_its_questionnaires_and_study_configs(unpacked, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(unpacked), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    data = unpacked / PACKAGE / "data"
    # imported from the unpacked wheel, not from the checkout (the editable install's finder comes last)
    assert Path(found["module"]).is_relative_to(unpacked)
    assert found["questionnaires_dir"] == str((data / "questionnaires").resolve())
    assert found["questionnaire"] == str((data / "questionnaires" / f"{sr.DEFAULT_QUESTIONNAIRE}.yaml").resolve())
    assert found["questionnaire_id"] == sr.DEFAULT_QUESTIONNAIRE
    assert found["others"] == {p.stem: p.stem for p in ROOT.glob("questionnaires/*.yaml")}
    # every shipped study config loads, its `questionnaire: ../questionnaires/...` resolving inside the package
    assert sorted(found["studies"]) == sorted(p.stem for p in ROOT.glob("reports/*.yaml"))
    for name, study in found["studies"].items():
        assert Path(study["questionnaire_file"]).is_relative_to(data.resolve()), name
        assert Path(study["questionnaire_file"]).is_file(), name
    assert found["studies"]["financial_wechat"]["questionnaire_id"] == sr.DEFAULT_QUESTIONNAIRE
    # the scale library: its items come with the construct
    assert found["scale_items"] == ["sti1", "sti2", "sti3", "sti4"]
    exit_code, output = found["validate"]
    assert exit_code == 0, output
    assert output.startswith("ok ") and sr.DEFAULT_QUESTIONNAIRE in output


def test_a_checkout_whose_symlinks_are_plain_files_reads_the_top_level_folders(monkeypatch, tmp_path):
    """Git without symlink support (Windows) writes data/questionnaires as a file holding the link's target."""
    (tmp_path / "data").mkdir()
    for folder in ("questionnaires", "reports"):
        (tmp_path / "data" / folder).write_text(f"../../{folder}", encoding="utf-8")
    monkeypatch.setattr(sr._resources, "files", lambda package: tmp_path)
    assert sr.questionnaires_dir() == ROOT / "questionnaires"
    assert sr.builtin_study_path() == ROOT / "reports" / "financial_wechat.yaml"
