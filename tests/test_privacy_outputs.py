"""No raw identifier reaches any output of `clean` (rows 63, 64); keys shorter than 16 bytes are refused (A30).

Fixtures hold phone numbers (with and without +86), e-mail addresses, resident ID-card numbers and
IP addresses, as respondent ids, as a 问卷星 序号 and in extra columns. The clean pipeline runs through
the public API (written as the CLI writes) and through the CLI itself; every output file is scanned
for every raw identifier and its digits-only form.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.questionnaire.exporters import field_order
from stickiness_research.responses.privacy import (
    check_key,
    find_key,
    identifier_kind,
    pseudonym,
    pseudonymize,
)

N = 60
KEY = b"a-test-key-of-32-bytes-0123456789"


def identifiers(seed: int = 11) -> dict[str, list[str]]:
    """N identifiers of each kind, random enough that none can appear in an output by chance."""
    rng = np.random.default_rng(seed)
    digits = lambda k: "".join(map(str, rng.integers(0, 10, k)))  # noqa: E731
    phones = [f"1{rng.integers(3, 10)}{digits(9)}" for _ in range(N)]
    return {
        "phone": [p if k % 3 else f"+86 {p[:3]} {p[3:7]} {p[7:]}" for k, p in enumerate(phones)],
        "email": [f"user{digits(8)}@example.com" for _ in range(N)],
        "id_card": [f"11010{digits(12)}{'X' if k % 2 else digits(1)}" for k in range(N)],
        "ip": [f"{rng.integers(100, 224)}.{rng.integers(100, 256)}.{rng.integers(100, 256)}.{rng.integers(100, 256)}"
               for _ in range(N)],
    }


def forbidden(ids: dict[str, list[str]]) -> set[str]:
    """Every raw identifier and its digits-only form (+86 138 ... -> 86138...)."""
    out = set()
    for values in ids.values():
        for v in values:
            out.add(v)
            digits = re.sub(r"\D", "", v)
            if len(digits) >= 8:
                out.add(digits)
                out.add(digits.removeprefix("86"))
    return out


@pytest.fixture(scope="module")
def answers(default_q):
    # careless respondents fail the attention check, so the exclusions file holds ids too
    return sr.simulate_responses(default_q, n=N, seed=4, careless=0.3)


def generic_csv(tmp: Path, answers: pd.DataFrame, ids: dict, id_kind: str) -> Path:
    frame = answers.drop(columns=["careless_type"]).copy()
    frame["respondent_id"] = ids[id_kind]
    frame["name"] = [f"Testname{k}" for k in range(N)]
    frame["phone"] = ids["phone"]
    frame["ip"] = ids["ip"]
    frame["contact_email"] = ids["email"]  # not a known identifier column name: recognised by its values
    frame["id_number"] = ids["id_card"]
    path = tmp / f"r_csv_pii_{id_kind}.csv"
    frame.to_csv(path, index=False)
    return path


def wjx_export(tmp: Path, q, answers: pd.DataFrame, ids: dict) -> Path:
    coded = answers.copy()
    for d in q.demographics:
        coded[d.id] = coded[d.id].map({o.value: o.code for o in d.options})
    frame = pd.DataFrame({"序号": [re.sub(r"\D", "", p)[-11:] for p in ids["phone"]],
                          "提交答卷时间": "2026/11/20 20:15:03",
                          "所用时间": [f"{int(s)}秒" for s in answers["duration_seconds"]],
                          "来自IP": [f"{ip}(上海-上海)" for ip in ids["ip"]], "姓名": "Testname"})
    for question in field_order(q):
        frame[f"{question.number}、{question.text('zh')}"] = coded[question.id]
    path = tmp / "r_wjx_phone_ids.csv"
    frame.to_csv(path, index=False)
    return path


def clean_like_the_cli(q, data: Path, output: Path) -> list[Path]:
    """read_responses -> quality_flags -> apply_exclusions, written as `stickiness clean` writes them."""
    responses = sr.read_responses(data, q)
    flags = sr.quality_flags(responses.data, q)
    kept, audit = sr.apply_exclusions(responses.data, flags, {"attention": True, "speeder": True, "duplicate": True,
                                                              "missing_share": 0.5})
    assert len(audit) > 0  # the exclusions file carries respondent ids
    stem = output.with_suffix("")
    paths = [output, Path(f"{stem}_exclusions.csv"), Path(f"{stem}_flags.csv"), Path(f"{stem}_provenance.json")]
    kept.to_csv(paths[0], index=False)
    audit.to_csv(paths[1], index=False)
    flags.to_csv(paths[2], index=False)
    paths[3].write_text(json.dumps(responses.provenance, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths


def leaks(paths: list[Path], raw: set[str]) -> list[str]:
    found = []
    for path in paths:
        content = path.read_bytes()
        found += [f"{path.name}: {v}" for v in raw if v.encode("utf-8") in content]
    return found


def sources(tmp: Path, q, answers) -> list[tuple[str, Path]]:
    ids = identifiers()
    cases = [(kind, generic_csv(tmp, answers, ids, kind)) for kind in ("phone", "email", "id_card", "ip")]
    return cases + [("wjx", wjx_export(tmp, q, answers, ids))]


@pytest.mark.parametrize("with_key", [True, False], ids=["keyed", "no-key"])
def test_clean_pipeline_writes_no_identifier(default_q, answers, tmp_path, monkeypatch, with_key):
    if with_key:
        monkeypatch.setenv("STICKINESS_HMAC_KEY", KEY.decode())
    else:
        monkeypatch.delenv("STICKINESS_HMAC_KEY", raising=False)
    raw = forbidden(identifiers())
    for kind, data in sources(tmp_path, default_q, answers):
        before = data.read_bytes()
        assert any(v.encode() in before for v in raw)  # the fixture does hold the identifiers
        (tmp_path / f"api_{kind}").mkdir()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            api_paths = clean_like_the_cli(default_q, data, tmp_path / f"api_{kind}" / "cleaned.csv")
        assert leaks(api_paths, raw) == [], kind
        replaced = [str(w.message) for w in caught if issubclass(w.category, sr.responses.ResponseDataWarning)]
        assert (replaced == []) == with_key, (kind, replaced)  # without a key, ids become row numbers, loudly
        cli_out = tmp_path / f"cli_{kind}" / "cleaned.csv"
        result = CliRunner().invoke(app, ["clean", str(sr.builtin_questionnaire_path()), str(data), "-o",
                                          str(cli_out)])
        assert result.exit_code == 0, result.output
        cli_paths = sorted(cli_out.parent.iterdir())
        assert len(cli_paths) == 4
        assert leaks(cli_paths, raw) == [], kind
        assert not any(v in result.stdout + result.stderr for v in raw)
        assert data.read_bytes() == before
        cleaned = pd.read_csv(cli_out)
        provenance = json.loads((cli_out.parent / "cleaned_provenance.json").read_text(encoding="utf-8"))
        assert provenance["identifiers"]["replaced_by"].startswith("keyed" if with_key else "row numbers")
        if with_key:
            assert cleaned["respondent_id"].str.fullmatch(r"p-[0-9a-f]{16}").all()
        assert {"contact_email", "id_number"} <= set(provenance["pii_dropped"]) or kind == "wjx"


def test_keyed_pseudonyms_are_stable_and_link_waves(default_q, answers, tmp_path):
    ids = identifiers()
    data = generic_csv(tmp_path, answers, ids, "phone")
    first = sr.read_responses(data, default_q, key=KEY).data["respondent_id"]
    again = sr.read_responses(data, default_q, key=KEY).data["respondent_id"]
    other = sr.read_responses(data, default_q, key=b"another-key-of-enough-bytes").data["respondent_id"]
    assert first.tolist() == again.tolist() and first[0] != other[0]
    assert first[1] == f"p-{pseudonym(ids['phone'][1], KEY)}"


@pytest.mark.parametrize("values, kind", [
    (["1", "2", "13812345678"], "phone numbers"), (["+86 139-1234-5678"], "phone numbers"),
    (["008613912345678"], "phone numbers"), (["a.b@c.cn"], "e-mail addresses"),
    (["11010519491231002X"], "ID-card numbers"), (["110105194912310021"], "ID-card numbers"),
    (["10.0.0.1(上海-上海)"], "IP addresses"), (["2001:db8::1"], "IP addresses"),
    (["R_1", "wjx-3", "12345", "u-42"], None), (["1.5", "20261120"], None),
])
def test_identifier_kinds(values, kind):
    assert identifier_kind(pd.Series(values)) == kind


@pytest.mark.parametrize("key", [b"", b"short", "fifteen-chars!!", None, 12345])
def test_a30_short_keys_are_refused_everywhere(default_q, answers, tmp_path, key):
    frame = pd.DataFrame({"respondent_id": ["13812345678"]})
    with pytest.raises(sr.ParameterError, match="'key' parameter of pseudonymize must be bytes of length at least 16"):
        sr.pseudonymize(frame, ["respondent_id"], key)
    with pytest.raises(sr.ParameterError, match="'key' parameter of pseudonym"):
        pseudonym("x", key)
    if key is not None:  # read_responses(key=None) means "use the environment's key"
        data = generic_csv(tmp_path, answers, identifiers(), "phone")
        with pytest.raises(sr.ParameterError, match="'key' parameter of read_responses"):
            sr.read_responses(data, default_q, key=key)


def test_short_key_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("STICKINESS_HMAC_KEY", "tooshort")
    with pytest.raises(sr.ResponseDataError, match="has 8 bytes; use at least 16"):
        find_key()
    monkeypatch.delenv("STICKINESS_HMAC_KEY")
    assert find_key() is None
    assert check_key("x" * 16, "f") == b"x" * 16
    assert len(pseudonymize(pd.DataFrame({"a": ["x"]}), ["a"], KEY).loc[0, "a"]) == 16
