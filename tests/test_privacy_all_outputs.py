"""No raw identifier in any output of `report`, `clean` or `demo` (issue 13, "privacy that holds").

A survey CSV carries personal identifiers in the id column (mobile numbers) and in id-like and extra
columns (resident ID-card numbers, e-mail addresses, IPv4 addresses, phone numbers written with +86
and separators, a remark quoting a phone number). A study config points at it; `stickiness report`
builds every format and `stickiness clean` writes its four files. Every byte of every output (the
XML parts of the .docx unzipped) and of the console output is scanned for each raw identifier and its
digits-only form.
"""

from __future__ import annotations

import re
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.responses.privacy import identifier_kind
from stickiness_research.study import DEMO_SEED

N = 300
KEY = "a-test-key-of-32-bytes-0123456789"


def run(*args: object):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def identifiers() -> dict[str, list[str]]:
    rng = np.random.default_rng(2026)
    digits = lambda k: "".join(map(str, rng.integers(0, 10, k)))  # noqa: E731
    return {
        "phone": [f"1{rng.integers(3, 10)}{digits(9)}" for _ in range(N)],
        "phone_formatted": [f"+86 13{rng.integers(0, 10)}-{digits(4)}-{digits(4)}" for _ in range(N)],
        "id_card": [f"{rng.integers(110000, 660000)}{digits(11)}{'X' if k % 3 else digits(1)}" for k in range(N)],
        "email": [f"wx{digits(8)}@example.cn" for _ in range(N)],
        "ip": [".".join(str(rng.integers(100, 250)) for _ in range(4)) for _ in range(N)],
    }


def forbidden(ids: dict[str, list[str]]) -> set[str]:
    """Each raw identifier, and its digits only (+86 138-1234-5678 -> 8613812345678 and 13812345678)."""
    out = set()
    for values in ids.values():
        for value in values:
            out.add(value)
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 8:
                out |= {digits, digits.removeprefix("86")}
    return out


def blobs(path: Path) -> list[tuple[str, bytes]]:
    """The bytes of a file; of a .docx (a zip), the bytes of every part, so compressed XML is scanned too."""
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as book:
            return [(f"{path.name}:{part}", book.read(part)) for part in book.namelist()]
    return [(path.name, path.read_bytes())]


def leaks(folder: Path, raw: set[str]) -> list[str]:
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        for name, content in blobs(path):
            found += [f"{name}: {value}" for value in raw if value.encode("utf-8") in content]
    return found


@pytest.fixture(scope="module")
def survey(tmp_path_factory, default_q):
    root = tmp_path_factory.mktemp("pii")
    ids = identifiers()
    answers = sr.simulate_responses(default_q, n=N, seed=31, careless=0.1).drop(columns=["careless_type"])
    answers["respondent_id"] = ids["phone"]  # the id column holds mobile numbers
    answers["user_id"] = ids["id_card"]  # id-like column names, not known to the reader
    answers["openid"] = ids["email"]
    answers["手机号"] = ids["phone_formatted"]
    answers["ip_address"] = ids["ip"]
    answers["来自IP"] = [f"{ip}(上海-上海)" for ip in ids["ip"]]  # 问卷星's IP column, used to group submissions
    answers["email"] = ids["email"]
    answers["备注"] = [f"请联系 {p}" for p in ids["phone"]]
    data = root / "survey_export.csv"
    answers.to_csv(data, index=False)
    config = root / "study.yaml"
    config.write_text(f"""\
study:
  id: pii_study
  title: {{en: "Privacy study", zh: "隐私研究"}}
questionnaire: {sr.builtin_questionnaire_path()}
data:
  file: survey_export.csv
  source: csv
groups: [product_type]
analyses: {{bootstrap: 60, htmt_bootstrap: 20, max_segments: 3}}
report:
  formats: [html, md, docx, json]
seed: 5
""", encoding="utf-8")
    raw = forbidden(ids)
    assert all(kind in {identifier_kind(answers[c]) for c in answers.columns}
               for kind in ("phone numbers", "ID-card numbers", "e-mail addresses", "IP addresses"))
    return root, data, config, raw


@pytest.mark.slow
@pytest.mark.parametrize("with_key", [True, False], ids=["keyed", "no-key"])
def test_report_and_clean_write_no_identifier(survey, tmp_path, monkeypatch, with_key):
    root, data, config, raw = survey
    content = data.read_bytes()
    assert sum(v.encode() in content for v in raw) > 4 * N  # the fixture does hold the identifiers
    if with_key:
        monkeypatch.setenv("STICKINESS_HMAC_KEY", KEY)
    else:
        monkeypatch.delenv("STICKINESS_HMAC_KEY", raising=False)
    outputs = []
    if with_key:  # one report build (the slow part); the keyed path carries pseudonyms into every table
        report = run("report", config, "-o", tmp_path / "report")
        assert report.exit_code == 0, report.output
        built = {p.name for p in (tmp_path / "report").iterdir()}
        assert built == {"index.html", "report.md", "tables.docx", "results.json", "provenance.json"}
        # the scan reads the .docx's XML uncompressed (the hypothesis table is there)
        assert any(b"H1" in part for _, part in blobs(tmp_path / "report" / "tables.docx"))
        outputs.append(report)
    cleaned = tmp_path / "clean" / "cleaned.csv"
    clean = run("clean", sr.builtin_questionnaire_path(), data, "-o", cleaned)
    assert clean.exit_code == 0, clean.output
    outputs.append(clean)
    assert len(list(cleaned.parent.iterdir())) == 4
    assert len(pd.read_csv(cleaned)) > 0 and len(pd.read_csv(cleaned.with_name("cleaned_exclusions.csv"))) > 0
    assert leaks(tmp_path, raw) == []
    for result in outputs:
        assert not [v for v in raw if v in result.stdout + result.stderr]
    assert data.read_bytes() == content


DEMO_PATTERNS = {
    "phone numbers": re.compile(rb"(?<![\w.])(?:\+?86[ -]?)?1[3-9]\d{9}(?![\w])"),
    "e-mail addresses": re.compile(rb"[\w.+-]+@[\w-]+\.[A-Za-z]{2,}"),
    "ID-card numbers": re.compile(rb"(?<![\w.])\d{17}[\dXx](?![\w])"),
    "IP addresses": re.compile(rb"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])"),
}


@pytest.mark.slow
def test_demo_outputs_hold_nothing_that_looks_like_an_identifier(tmp_path, default_q):
    """The demo simulates its respondents: ids are R00001 ..., and no column holds a phone number, e-mail,
    ID-card number or IP address (checked below), so there is no raw identifier of its own to look for.
    Its outputs are scanned anyway, for anything shaped like one."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        simulated = sr.simulate_responses(default_q, n=150, seed=DEMO_SEED, careless=0.05)
    assert {c: identifier_kind(simulated[c]) for c in simulated.columns if identifier_kind(simulated[c])} == {}
    result = run("demo", "-n", "150", "-o", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    found = []
    for path in sorted((tmp_path / "demo").iterdir()):
        for name, content in blobs(path):
            found += [f"{name}: {kind}: {m.group().decode()}" for kind, pattern in DEMO_PATTERNS.items()
                      for m in pattern.finditer(content)]
    assert found == []
    assert len(list((tmp_path / "demo").iterdir())) == 5
