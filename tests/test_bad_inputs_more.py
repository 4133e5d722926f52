"""Bad inputs the first suite never saw (issue 13, "and new ones"): files, configs, paths and API calls.

Every CLI mistake must end with exit code 2 and one line starting with "error:" that names what is
wrong, where (file, row, column, config line) and how to fix it; no traceback; every input file
byte-identical; nothing written. Where an odd input is valid (a BOM, CRLF line ends, a folder name
with spaces and Chinese characters, ``..`` in a path, a second sheet of notes) the command must
succeed with the right result.
"""

from __future__ import annotations

import hashlib
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, REFERENCE
from conftest import assert_refused as refused
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.responses.readers import parse_wjx_duration

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


class Files:
    """Every input file, written once: a minimal questionnaire, its answers, and broken variants of both."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.q = root / "minimal.yaml"
        self.q.write_text((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"), encoding="utf-8")
        self.answers = sr.simulate_responses(sr.load_questionnaire(self.q), n=60, seed=2)
        self.good = root / "r_good.csv"
        self.answers.to_csv(self.good, index=False)
        text = self.good.read_text(encoding="utf-8")
        header, *rows = text.splitlines()
        self.hs = root / "hs.csv"
        shutil.copy(REFERENCE / "data" / "HolzingerSwineford1939.csv", self.hs)
        hs = pd.read_csv(self.hs)
        qtext = self.q.read_text(encoding="utf-8")
        self.paths: dict[str, Path] = {}
        write = self._write
        # ----- response files
        write("empty.csv", b"")
        write("header_only.csv", header + "\n")
        write("bom.csv", b"\xef\xbb\xbf" + text.encode())
        write("crlf.csv", text.replace("\n", "\r\n").encode())
        write("bom_crlf.csv", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
        write("dup_column.csv", "\n".join([header + ",d1"] + [r + ",3" for r in rows]) + "\n")
        write("dup_unused.csv", "\n".join([header + ",note,note"] + [r + ",a,b" for r in rows]) + "\n")
        self._mutate("demographic_text.csv", segment=["A" if k % 2 else "B" for k in range(60)])
        self._mutate("answer_9.csv", d2={0: 9})
        self._mutate("answer_minus1.csv", o1={5: -1})
        self._mutate("answer_0.csv", o2={7: 0})
        self._mutate("answer_huge.csv", d1={0: "99999999999999999999999"})
        self._mutate("answer_inf.csv", d1={0: "inf"})
        self._mutate("answer_label.csv", d3={0: "Strongly agree"})
        self._mutate("duration_negative.csv", duration_seconds={0: -30})
        self._mutate("duration_text.csv", duration_seconds={3: "abc"})
        self._mutate("duplicate_ids.csv", respondent_id=["R1"] * 60)
        write("nul_bytes.csv", text.encode().replace(b"\n", b"\x00\n", 3))
        write("only_ids.csv", "respondent_id\nR1\nR2\n")
        write("latin1.csv", text.replace("R00001", "Ré1").encode("latin-1"))
        write("zip_named.xlsx", b"PK\x03\x04" + bytes(100))
        self.paths["数据 文件.csv"] = shutil.copy(self.good, root / "数据 文件.csv")
        with pd.ExcelWriter(root / "data_then_notes.xlsx") as book:
            self.answers.to_excel(book, sheet_name="data", index=False)
            pd.DataFrame({"note": ["exported 2026-11-20"]}).to_excel(book, sheet_name="notes", index=False)
        with pd.ExcelWriter(root / "notes_then_data.xlsx") as book:
            pd.DataFrame({"note": ["exported 2026-11-20"]}).to_excel(book, sheet_name="notes", index=False)
            self.answers.to_excel(book, sheet_name="data", index=False)
        self.paths["data_then_notes.xlsx"] = root / "data_then_notes.xlsx"
        self.paths["notes_then_data.xlsx"] = root / "notes_then_data.xlsx"
        write("wjx_duration_text.csv", pd.DataFrame({
            "序号": range(1, 61), "所用时间": ["95秒"] * 59 + ["很快"],
            **{c: self.answers[c] for c in ("d1", "d2", "d3", "o1", "o2", "o3")}}).to_csv(index=False))
        # ----- questionnaires
        write("q_tabs.yaml", qtext.replace("  - id: d1", "\t- id: d1"))
        write("q_duplicate_construct.yaml", qtext.replace("  - id: outcome\n", "  - id: driver\n"))
        write("q_nested_typo.yaml", qtext.replace("    reverse: true", "    revers: true"))
        write("q_huge_points.yaml", qtext.replace("    points: 5\n", "    points: 100000000000\n", 1))
        write("q_negative_points.yaml", qtext.replace("    points: 5\n", "    points: -5\n", 1))
        write("q_beta_5.yaml", qtext.replace("beta: 0.5", "beta: 5"))
        write("q_beta_nan.yaml", qtext.replace("beta: 0.5", "beta: .nan"))
        write("q_loading_1.5.yaml", qtext.replace("{min: 0.7, max: 0.85}", "{min: 0.7, max: 1.5}"))
        write("q_binary.yaml", b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
        write("q_scalar.yaml", "hello\n")
        write("q_bom.yaml", b"\xef\xbb\xbf" + qtext.encode())
        write("q_crlf.yaml", qtext.replace("\n", "\r\n").encode())
        write("q_expected_99.yaml", qtext.replace("expected: 4", "expected: 99"))
        write("q_id_space.yaml", qtext.replace("  - id: d1\n", "  - id: d 1\n"))
        # ----- models and model data
        write("empty.lav", "")
        write("crlf_tabs.lav", "visual =~\tx1 + x2 + x3\r\ntextual =~ x4 + x5 + x6\r\nspeed =~ x7 + x8 + x9\r\n")
        write("hs_inf.csv", hs.assign(x1=[np.inf] + list(hs.x1[1:])).to_csv(index=False))
        write("hs_header_only.csv", ",".join(hs.columns) + "\n")
        # ----- study configs (fast: no bootstrap, segments, EFA or method bias)
        base = (f"study: {{id: s, title: {{en: S}}}}\nquestionnaire: {self.q}\n"
                "data: {simulate: {n: 100, seed: 1}}\n"
                "analyses: {bootstrap: 0, htmt_bootstrap: 0, segments: false, efa: false, method_bias: false}\n")
        write("s_no_questionnaire.yaml", base.replace(str(self.q), "nowhere/q.yaml"))
        write("s_questionnaire_is_folder.yaml", base.replace(str(self.q), str(root)))
        write("s_questionnaire_tabs.yaml", base.replace(str(self.q), str(self.paths["q_tabs.yaml"])))
        write("s_seed_huge.yaml", base + "seed: 100000000000000000000000\n")
        write("s_seed_true.yaml", base + "seed: true\n")
        write("s_seed_text.yaml", base + "seed: '7'\n")
        write("s_n_huge.yaml", base.replace("n: 100", "n: 10000000000"))
        write("s_simulate_seed_huge.yaml", base.replace("seed: 1}", "seed: 100000000000000000000000}"))
        write("s_data_empty.yaml", base.replace("{simulate: {n: 100, seed: 1}}", "{file: empty.csv}"))
        write("s_data_dup_column.yaml", base.replace("{simulate: {n: 100, seed: 1}}", "{file: dup_column.csv}"))
        write("s_tabs.yaml", base.replace("data:", "data:\n\t"))
        write("s_empty.yaml", "")
        write("s_list.yaml", "- a\n- b\n")
        write("s_bootstrap_negative.yaml", base.replace("bootstrap: 0,", "bootstrap: -5,"))
        # ----- links
        (root / "link_to_data.csv").symlink_to(self.good)
        (root / "link_to_questionnaire.yaml").symlink_to(self.q)
        (root / "dangling.csv").symlink_to(root / "not_there.csv")
        self.files = sorted(p for p in root.iterdir() if p.is_file() and not p.is_symlink())

    def _write(self, name: str, content: str | bytes) -> Path:
        path = self.root / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        self.paths[name] = path
        return path

    def _mutate(self, name: str, **columns) -> Path:
        frame = self.answers.astype(object)
        for column, values in columns.items():
            if isinstance(values, dict):
                for row, value in values.items():
                    frame.loc[row, column] = value
            else:
                frame[column] = values
        frame.to_csv(self.root / name, index=False)
        self.paths[name] = self.root / name
        return self.paths[name]

    def __getitem__(self, name: str) -> Path:
        return self.paths[name]

    def digest(self) -> dict[str, str]:
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in self.files}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Files:
    return Files(tmp_path_factory.mktemp("inputs"))


# ----- CLI mistakes: exit 2, one line, inputs untouched, nothing written --------------------------------
def cli_cases(f: Files, out: Path) -> dict[str, tuple[list, tuple[str, ...]]]:
    q = f.q

    def clean(name: str, *extra: object) -> list:
        return ["clean", q, f[name], *extra, "-o", out / "cleaned.csv"]

    def report(name: str) -> list:
        return ["report", f[name], "-o", out / "report"]

    return {
        # response files
        "empty file": (clean("empty.csv"), ("empty.csv: the file is empty",)),
        "header only": (clean("header_only.csv"), ("header but no responses",)),
        "duplicate item column": (clean("dup_column.csv"), ("column 'd1' appears 2 times", "columns 3, 12",
                                                            "Delete or rename")),
        "demographic with text codes": (clean("demographic_text.csv"), ("row 2, column 'segment'", "'B'",
                                                                        "not an option")),
        "answer 9 on a 5-point scale": (clean("answer_9.csv"), ("row 2, column 'd2'", "code 9", "1-5")),
        "answer -1": (clean("answer_minus1.csv"), ("row 7, column 'o1'", "code -1")),
        "answer 0": (clean("answer_0.csv"), ("row 9, column 'o2'", "code 0")),
        "answer 10^22": (clean("answer_huge.csv"), ("row 2, column 'd1'", "outside the answer codes")),
        "answer inf": (clean("answer_inf.csv"), ("row 2, column 'd1'", "'inf' is not an answer code")),
        "negative duration": (clean("duration_negative.csv"), ("row 2, column 'duration_seconds'", "'-30'",
                                                              "not a duration")),
        "text duration": (clean("duration_text.csv"), ("row 5, column 'duration_seconds'", "'abc'")),
        "问卷星 duration without units": (clean("wjx_duration_text.csv"), ("row 61, column '所用时间'", "'很快'",
                                                                       "not a duration")),
        "one id for everyone": (clean("duplicate_ids.csv"), ("row 3, column 'respondent_id'", "more than once")),
        "only an id column": (clean("only_ids.csv"), ("no column for item(s) d1",)),
        "Latin-1 file": (clean("latin1.csv"), ("cannot decode", "UTF-8")),
        "zip named .xlsx": (clean("zip_named.xlsx"), ("not a readable Excel workbook",)),
        "workbook with notes as first sheet": (clean("notes_then_data.xlsx"), ("columns are ['note']",)),
        "SPSS source for a CSV": (["clean", q, f.good, "--source", "sav", "-o", out / "c.csv"],
                                  ("not a readable SPSS .sav file",)),
        "dangling symlink as data": (["clean", q, f.root / "dangling.csv", "-o", out / "c.csv"],
                                     ("dangling.csv: file not found",)),
        # output paths
        "-o with .. onto the input": (["clean", q, f.good, "-o", out / ".." / ".." / f.root.name / "r_good.csv"],
                                      ("is an input of this command",)),
        "-o a symlink to the input": (["clean", q, f.good, "-o", f.root / "link_to_data.csv"],
                                      ("link_to_data.csv: is an input",)),
        "data through a symlink, -o its target": (["clean", q, f.root / "link_to_data.csv", "-o", f.good],
                                                  ("r_good.csv: is an input",)),
        "-o the questionnaire": (["clean", q, f.good, "-o", q], ("minimal.yaml: is an input",)),
        "simulate -o a symlink to the questionnaire": (["simulate", q, "-o", f.root / "link_to_questionnaire.yaml"],
                                                       ("is an input",)),
        "export -o a symlink to the questionnaire": (["export", q, "--to", "lavaan", "-o",
                                                      f.root / "link_to_questionnaire.yaml"], ("is an input",)),
        "classroom -o a file": (["classroom", "--students", "2", "-o", f.good], ("is a file, not a folder",)),
        "report -o its own config": (["report", f["s_simulate_seed_huge.yaml"], "-o",
                                      f["s_simulate_seed_huge.yaml"]], ("is an input",)),
        # numbers
        "simulate -n 0": (["simulate", q, "-n", "0", "-o", out / "s.csv"], ("'-n' parameter", "Got 0 instead")),
        "demo --seed 2^32 (scikit-learn takes 32 bits)": (["demo", "--seed", str(2**32), "-o", out / "demo"],
                                                          ("seed", "4294967295")),
        "simulate --careless 1.5": (["simulate", q, "--careless", "1.5", "-o", out / "s.csv"],
                                    ("'--careless' parameter", "[0, 1)")),
        # questionnaires
        "questionnaire indented with a tab": (["validate", f["q_tabs.yaml"]], ("q_tabs.yaml:25", "'\\t'")),
        "two constructs with one id": (["validate", f["q_duplicate_construct.yaml"]], (":22", "duplicate id 'driver'")),
        "misspelt key inside an item": (["validate", f["q_nested_typo.yaml"]], ("items[2].revers", "unknown key")),
        "10^11 scale points": (["validate", f["q_huge_points.yaml"]], (":9", "points", "less than or equal to 11")),
        "negative scale points": (["validate", f["q_negative_points.yaml"]], (":9", "greater than or equal to 2")),
        "path coefficient 5": (["simulate", f["q_beta_5.yaml"], "-o", out / "s.csv"], (":64", "beta")),
        "path coefficient NaN": (["validate", f["q_beta_nan.yaml"]], (":64", "got nan")),
        "loading 1.5": (["simulate", f["q_loading_1.5.yaml"], "-o", out / "s.csv"], (":62", "loadings.max")),
        "binary file as questionnaire": (["validate", f["q_binary.yaml"]], ("neither UTF-8 nor GBK",)),
        "questionnaire that is one word": (["validate", f["q_scalar.yaml"]], ("must hold a mapping",)),
        "attention check expects 99": (["validate", f["q_expected_99.yaml"]], (":47", "expected answer 99")),
        "item id with a space": (["validate", f["q_id_space.yaml"]], (":25", "'d 1' is not a valid id")),
        "classroom from a tab-indented questionnaire": (["classroom", "--questionnaire", f["q_tabs.yaml"],
                                                         "--students", "2", "-o", out / "class"], ("q_tabs.yaml:25",)),
        # models
        "empty model file": (["fit", "--model", f["empty.lav"], "--data", f.hs], ("model syntax is empty",)),
        "inf in the data": (["fit", "--model", f["crlf_tabs.lav"], "--data", f["hs_inf.csv"]],
                            ("hs_inf.csv: row 2, column 'x1': inf is not a finite number",)),
        "model data with a header only": (["fit", "--model", f["crlf_tabs.lav"], "--data", f["hs_header_only.csv"]],
                                          ("no rows",)),
        "group column that is not there": (["fit", "--model", f["crlf_tabs.lav"], "--data", f.hs, "--group", "nosuch"],
                                           ("'nosuch'",)),
        # study configs
        "config naming a missing questionnaire": (report("s_no_questionnaire.yaml"),
                                                  ("s_no_questionnaire.yaml:2", "does not exist")),
        "config naming a folder as questionnaire": (report("s_questionnaire_is_folder.yaml"),
                                                    (":2", "is a directory, not a file")),
        "config naming a tab-indented questionnaire": (report("s_questionnaire_tabs.yaml"), ("q_tabs.yaml:25",)),
        "seed 10^23 (scikit-learn takes 32 bits)": (report("s_seed_huge.yaml"),
                                                    ("s_seed_huge.yaml:5", "seed", "4294967295")),
        "seed: true": (report("s_seed_true.yaml"), ("s_seed_true.yaml:5", "seed", "valid integer")),
        "seed: '7' (a string)": (report("s_seed_text.yaml"), (":5", "seed", "valid integer")),
        "simulate 10^10 respondents": (report("s_n_huge.yaml"), (":3", "data.simulate.n", "1000000")),
        "data file that is empty": (report("s_data_empty.yaml"), ("empty.csv: the file is empty",)),
        "data file with a repeated item column": (report("s_data_dup_column.yaml"), ("column 'd1' appears 2 times",)),
        "config indented with a tab": (report("s_tabs.yaml"), ("s_tabs.yaml:4", "'\\t'")),
        "empty config": (report("s_empty.yaml"), ("s_empty.yaml:1", "empty")),
        "config that is a list": (report("s_list.yaml"), ("must hold a mapping",)),
        "bootstrap: -5": (report("s_bootstrap_negative.yaml"), (":4", "analyses.bootstrap")),
        # grading
        "grade with a missing key": (["grade", f.root / "no_key.json", f.good], ("no_key.json: file not found",)),
        "grade a CSV as results": (["grade", f.good, f.good], ("not valid JSON",)),
    }


def _case_ids() -> list[str]:
    """The case names, without building the files (any path will do)."""
    class Stub(dict):
        def __getitem__(self, name):
            return Path(name)

    stub = Stub()
    stub.q = stub.good = stub.hs = stub.root = Path(".")
    return list(cli_cases(stub, Path("out")))


@pytest.mark.parametrize("case", _case_ids())
def test_cli_mistake_is_one_line_exit_2(files, tmp_path, case):
    out = tmp_path / "out"
    out.mkdir()
    args, fragments = cli_cases(files, out)[case]
    before = files.digest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refused(run(*args), *fragments)
    assert files.digest() == before
    assert not list(out.iterdir())  # nothing written, not even part of the outputs
    assert (files.root / "link_to_data.csv").is_symlink() and (files.root / "link_to_questionnaire.yaml").is_symlink()


def test_non_number_option_is_one_line(files, tmp_path):
    result = run("simulate", files.q, "-n", "nan", "-o", tmp_path / "s.csv")
    assert result.exit_code == 2 and "Traceback" not in result.output
    refused(result, "'-n'")


# ----- odd but valid inputs: the right result -------------------------------------------------------------
@pytest.mark.parametrize("name", ["bom.csv", "crlf.csv", "bom_crlf.csv", "数据 文件.csv", "data_then_notes.xlsx",
                                  "answer_label.csv", "nul_bytes.csv", "dup_unused.csv"])
def test_valid_variants_clean_to_the_same_data(files, tmp_path, name):
    reference = tmp_path / "reference" / "cleaned.csv"
    assert run("clean", files.q, files.good, "-o", reference).exit_code == 0
    target = tmp_path / "输出 目录" / "清洗 后.csv"
    before = files.digest()
    result = run("clean", files.q, files[name], "-o", target)
    assert result.exit_code == 0, result.output
    assert files.digest() == before
    got, expected = pd.read_csv(target), pd.read_csv(reference)
    if name == "answer_label.csv":  # "Strongly agree" is the label of code 5
        assert got.loc[0, "d3"] == 5
        expected.loc[0, "d3"] = 5
    pd.testing.assert_frame_equal(got.drop(columns="respondent_id"), expected.drop(columns="respondent_id"))


def test_valid_paths_and_files_for_the_other_commands(files, tmp_path):
    before = files.digest()
    nested = tmp_path / "sub" / ".." / "模拟 数据" / "s.csv"
    assert run("simulate", files.q, "-n", "30", "--seed", str(10**30), "-o", nested).exit_code == 0
    assert len(pd.read_csv(tmp_path / "模拟 数据" / "s.csv")) == 30
    for questionnaire in ("q_bom.yaml", "q_crlf.yaml"):
        assert "ok" in run("validate", files[questionnaire]).stdout
    html = tmp_path / "问卷 导出.html"
    assert run("export", files.q, "--to", "html", "-o", html).exit_code == 0 and html.stat().st_size > 0
    fitted = run("fit", "--model", files["crlf_tabs.lav"], "--data", files.hs, "--json")
    assert fitted.exit_code == 0 and '"cfi"' in fitted.stdout
    assert files.digest() == before


def test_report_in_a_folder_with_spaces_and_chinese_from_a_huge_simulation_seed(files, tmp_path):
    """A simulation seed of any size is fine (numpy); the report lands in a folder named with spaces and 汉字."""
    folder = tmp_path / "报告 输出"
    result = run("report", files["s_simulate_seed_huge.yaml"], "-o", folder)
    assert result.exit_code == 0, result.output
    assert {p.name for p in folder.iterdir()} >= {"index.html", "report.md", "provenance.json"}


# ----- the API --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(files):
    q = sr.load_questionnaire(files.q)
    big = sr.load_questionnaire(sr.builtin_questionnaire_path())
    raw = sr.simulate_responses(q, n=100, seed=1)
    scores = sr.scale_scores(sr.reverse_code(sr.simulate_responses(big, n=200, seed=1), big), big)
    text = raw.astype({"d1": object})
    text.loc[3, "d1"] = "agree"
    infinite = scores.copy()
    infinite.loc[0, "trust"] = np.inf
    return {"q": q, "raw": raw, "scores": scores, "text": text, "infinite": infinite,
            "constant": scores.assign(trust=1.0), "files": files}


API_CASES = {
    "read_responses with a questionnaire path": (
        lambda a: sr.read_responses(a["files"].good, str(a["files"].q)), sr.ParameterError,
        "The 'q' parameter of read_responses must be a Questionnaire"),
    "simulate_responses with a questionnaire path": (
        lambda a: sr.simulate_responses(a["files"].q, n=10), sr.ParameterError, "'q' parameter of simulate_responses"),
    "load_questionnaire(123)": (lambda a: sr.load_questionnaire(123), sr.ParameterError,
                                "The 'path' parameter of load_questionnaire must be a path"),
    "run_study with a dict": (lambda a: sr.run_study({"study": 1}), sr.ParameterError,
                              "'config' parameter of run_study must be a StudyConfig or a path"),
    "scale_scores on a text answer": (lambda a: sr.scale_scores(a["text"], a["q"]), sr.ResponseDataError,
                                      "scale_scores: column 'd1', row 3: 'agree' is not a number"),
    "quality_flags on a text answer": (lambda a: sr.quality_flags(a["text"], a["q"]), sr.ResponseDataError,
                                       "quality_flags: column 'd1', row 3"),
    "cronbach_alpha on a text answer": (lambda a: sr.cronbach_alpha(a["text"][["d1", "d2"]]), sr.ResponseDataError,
                                        "cronbach_alpha: column 'd1', row 3"),
    "item_descriptives on a text answer": (lambda a: sr.item_descriptives(a["text"], a["q"]), sr.ResponseDataError,
                                           "column 'd1', row 3: 'agree'"),
    "segments with an infinite score": (lambda a: sr.segment_respondents(a["infinite"]), sr.ResponseDataError,
                                        "column 'trust', row 0: inf is not a finite number"),
    "segments with a constant score": (lambda a: sr.segment_respondents(a["constant"]), sr.ResponseDataError,
                                       "score 'trust' is the same for every respondent"),
    "ols without predictors": (lambda a: sr.ols(a["scores"], "stickiness", []), sr.ParameterError,
                               "The 'predictors' parameter of ols must be a non-empty list"),
    "ols with a constant predictor": (lambda a: sr.ols(a["constant"], "stickiness", ["trust"]), sr.ResponseDataError,
                                      "ols: column 'trust' has the same value (1) in every complete row"),
    "mediation through a constant": (
        lambda a: sr.mediation(a["constant"], "security", "trust", "stickiness", n_boot=100), sr.ResponseDataError,
        "mediation: column 'trust' has the same value"),
    "moderation by a constant": (lambda a: sr.moderation(a["constant"], "security", "trust", "stickiness"),
                                 sr.ResponseDataError, "moderation: column 'trust'"),
    "hierarchical with an empty block": (lambda a: sr.hierarchical(a["scores"], "stickiness", {"a": []}),
                                         sr.ParameterError, "'blocks' parameter of hierarchical"),
    "power without hypotheses": (
        lambda a: sr.power(a["q"].model_copy(update={"hypotheses": []}), n=[50], replications=1), sr.ModelSpecError,
        "has no hypotheses"),
    "classroom pack into a file": (lambda a: sr.build_classroom(a["q"], 1, 1, a["files"].good, n=60),
                                   sr.OutputPathError, "is a file, not a folder"),
    "flags of other data": (lambda a: sr.apply_exclusions(a["raw"], sr.quality_flags(a["raw"].head(50), a["q"]),
                                                          {"attention": True}),
                            sr.ResponseDataError, "50 of 100 respondents have no row in the flags"),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_api_mistake_is_a_named_error(api, case):
    call, error, fragment = API_CASES[case]
    before = api["files"].digest()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error) as info:
            call(api)
    assert fragment in str(info.value), str(info.value)
    assert api["files"].digest() == before


def test_wjx_durations_that_say_nothing_are_missing_not_zero():
    """'很快' used to parse as 0 seconds, which made the respondent a speeder."""
    assert np.isnan(parse_wjx_duration("很快")) and np.isnan(parse_wjx_duration("ab:cd"))
    assert parse_wjx_duration("0秒") == 0 and parse_wjx_duration("1分") == 60
