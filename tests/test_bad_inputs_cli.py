"""Bad inputs of ../shared/cases/bad-inputs.md (CLI and API rows): one named error, exit 2, inputs untouched.

Every CLI case asserts exit code 2, exactly one non-empty stderr line starting with "error:", no
traceback, and every input file byte-identical afterwards; a property-based test drives several
commands with random argument values and asserts the same for any failure.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import typer
from conftest import REFERENCE, assert_refused
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research._io import OutputPathError, check_output
from stickiness_research.cli import _user_errors, app
from stickiness_research.report.build import check_report_folder

runner = CliRunner()
HS_MODEL = REFERENCE / "models" / "holzinger_swineford_cfa.lav"
HS_DATA = REFERENCE / "data" / "HolzingerSwineford1939.csv"


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def digest(*paths: Path) -> dict[str, str]:
    """SHA-256 of every file under the given files and folders."""
    files = [f for p in paths for f in ([p] if p.is_file() else sorted(p.rglob("*")) if p.is_dir() else [])
             if f.is_file()]
    return {str(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


class Inputs:
    """The files of bad-inputs.md, built in one folder: minimal.yaml, r_good.csv, hs.csv, ..."""

    def __init__(self, root: Path, minimal_text: str):
        self.root = root
        self.q = root / "minimal.yaml"
        self.q.write_text(minimal_text, encoding="utf-8")
        self.good = root / "r_good.csv"
        sr.simulate_responses(sr.load_questionnaire(self.q), n=60, seed=2).to_csv(self.good, index=False)
        self.fake_xlsx = root / "r_fake.xlsx"
        shutil.copy(self.good, self.fake_xlsx)
        self.hs = root / "hs.csv"
        shutil.copy(HS_DATA, self.hs)
        self.model = root / "hs.lav"
        shutil.copy(HS_MODEL, self.model)
        self.gbk_model = root / "gbk.lav"
        self.gbk_model.write_bytes("视觉 =~ x1 + x2 + x3\n".encode("gbk"))
        self.study = root / "base.yaml"
        self.study.write_text(f"study: {{id: base, title: {{en: Base}}}}\nquestionnaire: {self.q}\n"
                              "data: {simulate: {n: 100, seed: 1}}\n", encoding="utf-8")
        for folder in ("q_dir.yaml", "r_dir.csv", "out"):
            (root / folder).mkdir()
        self.out = root / "out"
        self.files = sorted(p for p in root.iterdir() if p.is_file())

    def digest(self) -> dict[str, str]:
        return digest(*self.files)


@pytest.fixture()
def inputs(tmp_path, minimal_text) -> Inputs:
    return Inputs(tmp_path, minimal_text)


@pytest.fixture()
def romnt(inputs, monkeypatch) -> Path:
    """A read-only folder. As root chmod does not stop writes, so there the folder is made to look
    read-only to os.access (what the output check asks) instead."""
    folder = inputs.root / "romnt"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / ".probe").touch()
    except PermissionError:
        pass
    else:  # root: chmod is not enforced
        (folder / ".probe").unlink()
        real = os.access

        def access(path, mode, *args, **kwargs):
            inside = Path(path).resolve().is_relative_to(folder.resolve())
            return False if inside and mode & os.W_OK else real(path, mode, *args, **kwargs)

        monkeypatch.setattr(os, "access", access)
    yield folder
    folder.chmod(0o755)


# ----- the CLI rows of bad-inputs.md --------------------------------------------------------------
def cases(i: Inputs, ro: Path | None) -> dict[int, tuple[list, tuple[str, ...]]]:
    q, good, out = i.q, i.good, i.out
    return {
        24: (["validate", i.root / "q_dir.yaml"], ("is a directory, not a file",)),
        54: (["clean", q, i.fake_xlsx, "-o", out / "clean_r_fake.csv"], ("not an Excel workbook",)),
        55: (["clean", q, i.root / "r_dir.csv", "-o", out / "clean_r_dir.csv"], ("is a directory, not a data file",)),
        66: (["clean", q, good, "--longstring", "-1", "-o", out / "ls.csv"],
             ("The '--longstring' parameter of stickiness clean must be an int in the range [2, inf). Got -1",)),
        67: (["clean", q, good, "-o", (ro or out) / "c.csv"], ("is not writable",)),
        69: (["clean", q, good, "-o", out], ("is a directory, not a file",)),
        70: (["clean", q, good, "-o", good], ("is an input of this command", "never overwritten")),
        94: (["fit", "--model", i.model, "--data", i.hs, "--bootstrap", "2", "--ci", "bca"],
             ("'n_boot'", "[1000, inf)", "bca", "301 respondents", "Got 2 instead")),
        95: (["fit", "--model", i.model, "--data", i.hs, "--bootstrap", "20", "--n-jobs", "0"],
             ("'--n-jobs'", "(-inf, -1] or an int in the range [1, inf). Got 0 instead")),
        98: (["fit", "--model", i.model, "--data", out], ("is a directory, not a data file",)),
        99: (["fit", "--model", out, "--data", i.hs], ("is a directory, not a model file",)),
        107: (["simulate", q, "--seed", "-1", "-o", out / "seedneg.csv"],
              ("The '--seed' parameter of stickiness simulate must be an int in the range [0, inf)",)),
        113: (["simulate", q, "-o", (ro or out) / "s.csv"], ("is not writable",)),
        114: (["simulate", q, "-o", good / "s.csv"], ("r_good.csv is a file, not a folder",)),
        117: (["export", q, "--to", "xlsform", "-o", (ro or out) / "f.xlsx"], ("is not writable",)),
        119: (["demo", "-n", "5", "-o", out / "demo5"], ("'-n' parameter of stickiness demo", "[20, inf)")),
        120: (["demo", "--lang", "fr", "-o", out / "demofr"], ("'--lang'", "one of 'en', 'zh'. Got 'fr'")),
        122: (["demo", "-o", (ro or out) / "demo"], ("is not writable",)),
        130: (["report", i.study, "-o", (ro or out) / "r"], ("is not writable",)),
    }


READ_ONLY_ROWS = (67, 113, 117, 122, 130)


@pytest.mark.parametrize("row", [24, 54, 55, 66, 69, 70, 94, 95, 98, 99, 107, 114, 119, 120])
def test_bad_input_row(row, inputs):
    args, fragments = cases(inputs, None)[row]
    before = inputs.digest()
    assert_refused(run(*args), *fragments)
    assert inputs.digest() == before
    assert not list(inputs.out.iterdir())  # nothing written, not even part of the outputs


@pytest.mark.parametrize("row", READ_ONLY_ROWS)
def test_read_only_output_folder(row, inputs, romnt):
    args, fragments = cases(inputs, romnt)[row]
    before = inputs.digest()
    assert_refused(run(*args), *fragments, str(romnt))
    assert inputs.digest() == before
    assert not [p for p in romnt.iterdir()]


def test_clean_never_writes_any_output_onto_an_input(inputs):
    """Each of clean's four outputs is checked: here the flags file would land on a hard link to the raw export."""
    before = inputs.digest()
    target = inputs.root / "minimal.csv"  # flags go to minimal_flags.csv
    (inputs.root / "minimal_flags.csv").hardlink_to(inputs.good)
    assert_refused(run("clean", inputs.q, inputs.good, "-o", target), "minimal_flags.csv: is an input", "r_good.csv")
    assert inputs.digest() == before
    assert not target.exists()


# ----- API rows ----------------------------------------------------------------------------------
def test_a3_simulate_seed_must_be_an_int(inputs):
    q = sr.load_questionnaire(inputs.q)
    with pytest.raises(sr.ParameterError, match=r"The 'seed' parameter of simulate_responses must be an int in "
                                                r"the range \[0, inf\) or None. Got 'x' instead."):
        sr.simulate_responses(q, n=10, seed="x")
    with pytest.raises(sr.ParameterError, match="'seed' parameter"):
        sr.simulate_responses(q, n=10, seed=-1)


def test_a12_bootstrap_n_jobs_zero_and_bca_minimum():
    res = sr.fit_sem(HS_MODEL.read_text(encoding="utf-8"), pd.read_csv(HS_DATA))
    with pytest.raises(sr.ParameterError, match=r"'n_jobs' parameter of bootstrap .* Got 0 instead"):
        res.bootstrap(10, n_jobs=0)
    with pytest.raises(sr.ParameterError, match=r"\[1000, inf\) when ci='bca'"):
        res.bootstrap(999, ci="bca")
    few = res.bootstrap(10, seed=1, n_jobs=-1)  # joblib's -1 (all cores) is allowed
    assert few.warnings and "10 resamples" in few.warnings[0] and "warning:" in few.summary()
    assert not res.bootstrap(1000, seed=1).warnings


def test_a31_export_to_a_directory_is_refused(inputs):
    q = sr.load_questionnaire(inputs.q)
    before = inputs.digest()
    with pytest.raises(OutputPathError, match="is a directory, not a file"):
        sr.export_questionnaire(q, "html", inputs.out)
    with pytest.raises(OutputPathError, match="is an input"):
        sr.export_questionnaire(q, "lavaan", inputs.q)
    assert inputs.digest() == before and not list(inputs.out.iterdir())


# ----- atomic writes, language guard, error mapping ------------------------------------------------
def test_failed_write_leaves_the_old_file_and_no_temp_file(inputs, monkeypatch):
    target = inputs.out / "s.csv"
    target.write_text("previous\n", encoding="utf-8")
    real = pd.DataFrame.to_csv

    def disk_full(self, path, *args, **kwargs):
        real(self.head(3), path, *args, **kwargs)  # half the file is on disk ...
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(pd.DataFrame, "to_csv", disk_full)
    before = inputs.digest()
    assert_refused(run("simulate", inputs.q, "-n", "30", "-o", target), "No space left on device",
                   "free some disk space")
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in inputs.out.iterdir()] == ["s.csv"]
    assert inputs.digest() == before


def test_report_folder_of_another_language_is_refused_unless_forced(inputs):
    folder = inputs.out / "demo"
    folder.mkdir()
    (folder / "provenance.json").write_text(json.dumps({"report_language": "en"}), encoding="utf-8")
    before = digest(folder)
    assert_refused(run("demo", "--lang", "zh", "-o", folder), "holds a report built in 'en'", "--force")
    assert digest(folder) == before
    assert check_report_folder(folder, "en") == folder
    assert check_report_folder(folder, "zh", force=True) == folder
    (folder / "provenance.json").unlink()
    (folder / "index.html").write_text('<!DOCTYPE html>\n<html lang="zh">\n', encoding="utf-8")
    with pytest.raises(OutputPathError, match="built in 'zh'"):
        check_report_folder(folder, "en")


def test_output_checks_compare_resolved_paths(inputs, monkeypatch):
    monkeypatch.chdir(inputs.root)
    with pytest.raises(OutputPathError, match="is an input"):
        check_output(Path("out") / ".." / "r_good.csv", inputs=[inputs.good])
    link = inputs.out / "link.csv"
    link.symlink_to(inputs.good)
    with pytest.raises(OutputPathError, match="is an input"):
        check_output(link, inputs=[Path("r_good.csv")])
    with pytest.raises(OutputPathError, match="is a file, not a folder"):
        check_output(inputs.good, kind="dir")


def test_model_file_not_utf8_is_named(inputs):
    assert_refused(run("fit", "--model", inputs.gbk_model, "--data", inputs.hs), "gbk.lav", "not UTF-8")


def test_percentile_bootstrap_from_few_resamples_warns(inputs):
    result = run("fit", "--model", inputs.model, "--data", inputs.hs, "--bootstrap", "20", "--json")
    assert result.exit_code == 0, result.output
    assert "warning: percentile intervals from 20 resamples" in result.stderr
    assert json.loads(result.stdout)["bootstrap"]["notes"]  # the warning is also among the result's notes


def _validation_error():
    from pydantic import BaseModel, Field, ValidationError

    class Spec(BaseModel):
        n: int = Field(ge=20)

    try:
        Spec(n=5)
    except ValidationError as exc:
        return exc


@pytest.mark.parametrize("exc, fragment", [
    (OSError(errno.EROFS, "Read-only file system", "romnt/c.csv"), "romnt/c.csv: Read-only file system"),
    (PermissionError(errno.EACCES, "Permission denied", "x.csv"), "x.csv: Permission denied"),
    (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not UTF-8 text"),
    (pd.errors.ParserError("Error tokenizing data. C error\nmore"), "cannot be read as a table"),
    (zipfile.BadZipFile("File is not a zip file"), "not a valid Excel workbook"),
    (_validation_error(), "invalid setting n: Input should be greater than or equal to 20"),
])
def test_user_error_types_become_one_line(exc, fragment):
    probe = typer.Typer()

    @probe.command()
    @_user_errors
    def boom(path: Path = Path("data.csv")) -> None:
        raise exc

    assert_refused(runner.invoke(probe, [], catch_exceptions=False), fragment)


def test_genuine_bugs_keep_their_traceback():
    probe = typer.Typer()

    @probe.command()
    @_user_errors
    def boom() -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        runner.invoke(probe, [], catch_exceptions=False)


# ----- property-based: random argument values ---------------------------------------------------
@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Inputs:
    from conftest import FIXTURES

    return Inputs(tmp_path_factory.mktemp("bad_inputs"), (FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))


# each argument is valid about half the time, so that whole commands also run to the end
ODD = st.sampled_from(["", " ", "-", "--", "1e3", "0x10", "nan", "inf", "-inf", "٣", "3.5", "None", "é", "\t"])
INTS = st.integers(-(2**40), 2**40).map(str) | st.integers(-5, 40).map(str) | ODD
FLOATS = st.floats(allow_nan=True, allow_infinity=True).map(str) | st.floats(-0.5, 1.5).map(str) | ODD
PATH_KINDS = st.sampled_from(["fresh", "fresh", "fresh", "nested", "nested", "dir", "input", "under_file",
                              "missing_input", "odd"])


def sometimes_valid(valid: st.SearchStrategy, invalid: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(valid.map(str), invalid) | valid.map(str)


def _path(kind: str, i: Inputs, scratch: Path, suffix: str, input_file: Path) -> Path:
    return {"fresh": scratch / f"new{suffix}", "nested": scratch / "a" / "b" / f"new{suffix}", "dir": i.out,
            "input": input_file, "under_file": input_file / f"x{suffix}", "missing_input": scratch / "absent.csv",
            "odd": scratch / f" -x {suffix}"}[kind]


def _check_any_outcome(result, before: dict[str, str], i: Inputs) -> None:
    assert result.exit_code in (0, 2), (result.exit_code, result.output)
    assert "Traceback" not in result.output
    if result.exit_code == 2 and "Usage:" not in result.stderr:  # typer's own usage errors are boxed
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert i.digest() == before


PROPERTY = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@PROPERTY
@given(n=sometimes_valid(st.integers(1, 60), INTS), seed=sometimes_valid(st.integers(0, 2**32), INTS),
       careless=sometimes_valid(st.floats(0, 0.5), FLOATS), out_kind=PATH_KINDS)
def test_property_simulate(shared, n, seed, careless, out_kind):
    before = shared.digest()
    scratch = Path(tempfile.mkdtemp(dir=shared.out))
    if n.lstrip("-").isdigit() and int(n) > 200:
        n = "200"  # keep each example fast; the argument checks are what is under test
    result = run("simulate", shared.q, "-n", n, "--seed", seed, "--careless", careless,
                 "-o", _path(out_kind, shared, scratch, ".csv", shared.q))
    event(f"exit {result.exit_code}")
    _check_any_outcome(result, before, shared)


@PROPERTY
@given(longstring=sometimes_valid(st.integers(2, 12), INTS),
       data_kind=st.sampled_from(["good", "good", "good", "fake_xlsx", "dir", "missing", "questionnaire"]),
       out_kind=PATH_KINDS)
def test_property_clean(shared, longstring, data_kind, out_kind):
    before = shared.digest()
    scratch = Path(tempfile.mkdtemp(dir=shared.out))
    data = {"good": shared.good, "fake_xlsx": shared.fake_xlsx, "dir": shared.root / "r_dir.csv",
            "missing": scratch / "absent.csv", "questionnaire": shared.q}[data_kind]
    result = run("clean", shared.q, data, "--longstring", longstring,
                 "-o", _path(out_kind, shared, scratch, ".csv", shared.good))
    event(f"exit {result.exit_code}")
    _check_any_outcome(result, before, shared)


@PROPERTY
@given(boot=sometimes_valid(st.integers(0, 30), st.integers(-3, -1).map(str) | ODD),
       jobs=sometimes_valid(st.sampled_from([1, 2, -1]), st.integers(-3, 3).map(str) | ODD),
       seed=sometimes_valid(st.integers(0, 2**32), INTS),
       ci=st.sampled_from(["percentile", "percentile", "bca", "normal", ""]),
       model_kind=st.sampled_from(["model"] * 6 + ["dir", "missing", "gbk", "data"]),
       data_kind=st.sampled_from(["hs"] * 6 + ["dir", "missing", "fake_xlsx", "model"]))
def test_property_fit(shared, boot, jobs, seed, ci, model_kind, data_kind):
    before = shared.digest()
    files = {"model": shared.model, "dir": shared.out, "missing": shared.root / "absent.lav", "gbk": shared.gbk_model,
             "data": shared.hs, "hs": shared.hs, "fake_xlsx": shared.fake_xlsx}
    result = run("fit", "--model", files[model_kind], "--data", files[data_kind], "--bootstrap", boot,
                 "--n-jobs", jobs, "--seed", seed, "--ci", ci, "--json")
    event(f"exit {result.exit_code}")
    _check_any_outcome(result, before, shared)


@PROPERTY
@given(to=st.sampled_from(["xlsform", "wjx", "codebook", "html", "sav", "lavaan", "pdf", ""]),
       lang=st.sampled_from([None, "en", "zh", "fr", ""]), out_kind=PATH_KINDS,
       suffix=st.sampled_from([".xlsx", ".txt", ".html", ".sav", ".json", ""]))
def test_property_export(shared, to, lang, out_kind, suffix):
    before = shared.digest()
    scratch = Path(tempfile.mkdtemp(dir=shared.out))
    args = ["export", shared.q, "--to", to, "-o", _path(out_kind, shared, scratch, suffix, shared.q)]
    result = run(*args, *(["--lang", lang] if lang is not None else []))
    event(f"exit {result.exit_code}")
    _check_any_outcome(result, before, shared)


@PROPERTY
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8")),
       role=st.sampled_from(["data", "model"]), suffix=st.sampled_from([".csv", ".xlsx", ".lav", ".yaml"]))
def test_property_fit_random_file_contents(shared, content, role, suffix):
    scratch = Path(tempfile.mkdtemp(dir=shared.out))
    odd = scratch / f"random{suffix}"
    odd.write_bytes(content)
    before, before_odd = shared.digest(), digest(odd)
    model, data = (shared.model, odd) if role == "data" else (odd, shared.hs)
    result = run("fit", "--model", model, "--data", data)
    event(f"exit {result.exit_code}")
    _check_any_outcome(result, before, shared)
    assert digest(odd) == before_odd
