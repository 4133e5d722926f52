"""Study configs, the end-to-end study run and the report files it writes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from docx import Document
from typer.testing import CliRunner

import stickiness_research as sr
from stickiness_research.cli import app
from stickiness_research.report import write_report
from stickiness_research.report.build import study_results
from stickiness_research.strategy import recommendations
from stickiness_research.study import model_without, outcome_of, run_study

SMALL = """\
study:
  id: small_study
  title: {en: "Small study", zh: "小型研究"}
questionnaire: QUESTIONNAIRE
data:
  simulate: {n: 300, seed: 11, careless: 0.05}
alternatives:
  - name: full_mediation
    drop_hypotheses: [H3, H6]
groups: [product_type]
analyses: {bootstrap: 60, htmt_bootstrap: 20, max_segments: 3}
seed: 5
"""


def write_config(tmp_path: Path, text: str = SMALL, name: str = "study.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text.replace("QUESTIONNAIRE", str(sr.builtin_questionnaire_path())), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("study")
    cfg = write_config(tmp)
    study = run_study(cfg)
    paths = write_report(study, tmp / "build")
    return study, paths, cfg, tmp


def test_builtin_worked_example_loads():
    cfg = sr.load_study_config(sr.builtin_study_path())
    assert cfg.study.id == "financial_wechat"
    assert cfg.resolve(cfg.questionnaire).is_file()
    assert {a.name for a in cfg.alternatives} == {"full_mediation", "no_convenience"}


@pytest.mark.parametrize(("edit", "message", "line"), [
    (("analyses: {", "analyses: {bootstrapp: 3, "), "unknown key 'bootstrapp'", 11),
    (("drop_hypotheses: [H3, H6]", "drop_hypotheses: [H3, H66]"), "'H66' is not a hypothesis", 9),
    (("groups: [product_type]", "groups: [income]"), "group 'income' is not a demographic question", 10),
    # a second alternative of the same name overwrote the first's fit in the alternatives table (reviewer)
    (("    drop_hypotheses: [H3, H6]\n", "    drop_hypotheses: [H3, H6]\n  - name: full_mediation\n"
      "    drop_hypotheses: [H3]\n"), "alternative model name 'full_mediation' is used twice", 10),
    (("  - name: full_mediation", "  - name: hypothesised"), "'hypothesised' is the hypothesised model's", 8),
    (("  simulate: {n: 300, seed: 11, careless: 0.05}", "  file: nowhere.csv"), "data file", 6),
])
def test_config_errors_name_file_and_line(tmp_path, edit, message, line):
    path = write_config(tmp_path, SMALL.replace(*edit))
    with pytest.raises(sr.StudyConfigError, match=re.escape(message)) as info:
        sr.load_study_config(path)
    assert info.value.line == line
    assert str(path) in str(info.value)


def test_config_needs_exactly_one_data_source(tmp_path):
    path = write_config(tmp_path, SMALL.replace("  simulate:", "  file: x.csv\n  simulate:"))
    with pytest.raises(sr.StudyConfigError, match="exactly one of 'file'"):
        sr.load_study_config(path)


def test_cli_report_bad_config_is_one_line_exit_2(tmp_path):
    path = write_config(tmp_path, SMALL.replace("seed: 5", "seed: five"))
    result = CliRunner().invoke(app, ["report", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "seed" in result.output and "study.yaml:12" in result.output


def test_every_format_is_written(built):
    _, paths, _, _ = built
    assert set(paths) == {"html", "md", "docx", "json", "provenance"}
    for path in paths.values():
        assert path.stat().st_size > 500


def test_html_is_self_contained_and_has_every_section(built):
    _, paths, _, _ = built
    html = paths["html"].read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']https?:""", html)  # no external assets
    assert "<link" not in html and "<script src" not in html
    for section in ["summary", "sample", "measurement", "structural", "groups", "robustness", "segments",
                    "strategy", "provenance"]:
        assert f'id="{section}"' in html
    assert html.count("<svg") == 2  # path diagram and importance-performance map
    assert "\u03c7\u00b2(" in html and "&lt; .001" in html  # APA fit line and p floor (escaped)
    assert "created" not in html  # time stamps live only in provenance.json


def test_results_json_carries_every_number(built):
    study, paths, _, _ = built
    results = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert results["study"]["n_read"] == 300
    assert results["study"]["n_read"] - results["study"]["n_excluded"] == results["study"]["n_analysed"]
    sem = results["results"]["sem"]  # each result of the study is its to_dict() of the results protocol
    assert sem["type"] == "SEMResult" and sem["meta"]["n_obs"] == study.sem.n_obs
    assert sem["meta"]["fit_measures"]["chisq"] == pytest.approx(study.sem.fit_measures["chisq"], rel=1e-10)
    first = study.sem.estimates.iloc[0]
    assert sem["tables"]["estimates"][0]["est"] == pytest.approx(first["est"], rel=1e-10)
    assert {h["hypothesis"] for h in results["hypotheses"]} == {f"H{i}" for i in range(1, 10)}
    assert list(results["results"]) == list(study_results(study))
    assert {"sem", "bootstrap", "cfa", "parallel_analysis", "method_bias", "invariance: product_type",
            "group_paths: product_type", "segments"} <= set(results["results"])
    for key in ["measurement", "efa_loadings", "alternatives", "groups", "segment_profile", "segment_priorities",
                "ipma", "recommendations", "exclusions", "regression"]:
        assert results[key], key
    excluded = {e["row"] for e in results["exclusions"]}  # rows of the data as read, never respondent ids
    assert len(excluded) == results["study"]["n_excluded"] and "respondent_id" not in results["exclusions"][0]
    analysed = set(study.raw.reset_index(drop=True).index[study.raw["respondent_id"].isin(study.scored["respondent_id"])]
                   + 1)
    assert analysed and not analysed & excluded  # nobody excluded is analysed
    prov = json.loads(paths["provenance"].read_text(encoding="utf-8"))
    assert prov["questionnaire"]["id"] == "financial_social_media_stickiness"
    assert all(len(h) == 64 for h in prov["inputs"].values()) and prov["seed"] == 5


def test_full_results_appendix_renders_every_result_through_its_summary(built):
    study, paths, _, _ = built
    md = paths["md"].read_text(encoding="utf-8")
    html = paths["html"].read_text(encoding="utf-8")
    appendix_md = md.split("\n## Full results\n", 1)[1]  # the last section of report.md
    appendix_html = html.split('<section id="full-results">', 1)[1]
    held = study_results(study)
    assert len(held) >= 8
    for name, result in held.items():
        summary = result.summary()
        assert f"### {name}\n\n{summary.as_markdown()}" in appendix_md, name  # the Summary itself, whole
        assert summary.as_html() in appendix_html, name
        assert f"**{result.title}**" in appendix_md
    # a number of a table shows as its Summary prints it: the SEM's first free loading
    loading = study.sem.estimates.query("op == '=~'").iloc[1]
    assert f"| {loading['lhs']} | =~ | {loading['rhs']} |  | {loading['est']:.3f} |" in appendix_md
    assert html.index('<section id="provenance">') < html.index('<section id="full-results">')


def test_a_section_asking_for_a_table_its_result_does_not_give_is_a_named_bug():
    from stickiness_research._summary import Reportable
    from stickiness_research.report.build import _Tables

    class Fitted(Reportable):
        def tables(self):
            return {"estimates": pd.DataFrame({"est": [0.5]})}

    tables = _Tables(Fitted())
    assert tables["estimates"]["est"].iloc[0] == 0.5 and tables.get("r2") is None
    with pytest.raises(LookupError, match=r"'r2' table, which Fitted.tables\(\) does not give \(it gives 'estimates'"):
        tables["r2"]


def test_building_twice_gives_identical_results_and_report(built, tmp_path):
    _, paths, cfg, _ = built
    again = write_report(run_study(cfg), tmp_path / "again")
    assert again["json"].read_bytes() == paths["json"].read_bytes()
    assert again["html"].read_bytes() == paths["html"].read_bytes()
    assert again["md"].read_bytes() == paths["md"].read_bytes()


def test_chinese_report_uses_chinese_names_and_levers(built, tmp_path):
    study, _, _, _ = built
    paths = write_report(study, tmp_path / "zh", formats=["html"], language="zh")
    html = paths["html"].read_text(encoding="utf-8")
    assert '<html lang="zh">' in html and "小型研究" in html
    assert "策略手册" in html and "互动性" in html  # section title and a construct name from the questionnaire
    assert "生物识别" in html  # a playbook lever in Chinese


def test_docx_holds_apa_tables(built):
    _, paths, _, _ = built
    doc = Document(str(paths["docx"]))
    assert len(doc.tables) >= 5
    header = [c.text for c in doc.tables[0].rows[0].cells]
    assert header[2] == "α" and "AVE" in header
    # the strategy playbook's ranking (the IPMA behind the recommendations) as a table too
    strategy = next(t for t in doc.tables if [c.text for c in t.rows[0].cells][:2] == ["Rank", "Construct"])
    rows = [[c.text for c in row.cells] for row in strategy.rows[1:]]
    assert [r[0] for r in rows] == [str(k) for k in range(1, len(rows) + 1)] and len(rows) >= 3
    assert all(r[3] and r[4] for r in rows)  # evidence and performance filled in


def test_docx_has_the_same_bytes_when_written_again_later(built, tmp_path):
    """python-docx dates zip members at the time of saving: the report normalises the dates, so a report written
    again (two seconds later: the zip format's time resolution) has the same bytes."""
    import time
    import zipfile

    study, paths, _, _ = built
    time.sleep(2.1)
    again = write_report(study, tmp_path / "again", formats=["docx"])
    assert again["docx"].read_bytes() == paths["docx"].read_bytes()
    with zipfile.ZipFile(paths["docx"]) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_alternatives_are_tested_against_the_hypothesised_model(built):
    study, _, _, _ = built
    table = study.alternatives.set_index("model")
    assert list(table.index) == ["hypothesised", "full_mediation"]
    assert table.loc["full_mediation", "df"] == table.loc["hypothesised", "df"] + 2
    assert table.loc["full_mediation", "delta_chisq"] > 0


def test_model_without_drops_paths_and_the_indirect_effects_using_them(default_q):
    syntax = model_without(default_q, ["H1"])
    assert "h1*" not in syntax and "h8 :=" not in syntax and "h9 :=" in syntax
    assert outcome_of(default_q) == "stickiness"


def test_non_significant_drivers_get_no_levers():
    ipma = pd.DataFrame({"construct": ["interaction", "security"], "importance": [0.4, 0.05],
                         "ci_lower": [0.3, -0.05], "ci_upper": [0.5, 0.15], "significant": [True, False],
                         "performance": [60.0, 55.0], "quadrant": ["keep up the good work", "low priority"]})
    recs = recommendations(ipma)
    assert [r.construct for r in recs] == ["interaction", "security"]
    assert recs[0].status == "recommended" and recs[0].levers
    assert recs[1].status == "not significant" and recs[1].levers == ()


def test_demographic_cells_below_min_cell_are_suppressed(built, tmp_path):
    from stickiness_research.report.build import _demographics

    study, _, _, _ = built
    tables = _demographics(study, "en", min_cell=100)
    cells = [r for t in tables for r in t["rows"]]
    assert any(r["n"] == "<100" and r["pct"] == "" for r in cells)
    assert all(r["n"].startswith("<") or int(r["n"]) >= 100 or int(r["n"]) == 0 for r in cells)


def test_cli_report_builds_next_to_the_config(tmp_path):
    small = SMALL.replace("bootstrap: 60", "bootstrap: 0").replace("groups: [product_type]", "groups: []")
    path = write_config(tmp_path, small)
    result = CliRunner().invoke(app, ["report", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "small_study" / "index.html").is_file()
    shutil.rmtree(tmp_path / "build")


def test_study_from_a_survey_file_logs_its_hash(tmp_path, default_q):
    answers = tmp_path / "answers.csv"
    sr.simulate_responses(default_q, n=250, seed=8, careless=0.05).to_csv(answers, index=False)
    text = SMALL.replace("  simulate: {n: 300, seed: 11, careless: 0.05}", "  file: answers.csv\n  source: csv")
    text = text.replace("analyses: {", "analyses: {segments: false, efa: false, method_bias: false, ")
    study = run_study(write_config(tmp_path, text))
    assert study.provenance["data"]["source"] == "csv" and study.provenance["data"]["rows_read"] == 250
    assert str(answers) in study.provenance["inputs"] and not study.truth
    assert study.segments is None and study.method_bias is None
    assert len(study.scored) == 250 - study.exclusions["respondent_id"].nunique()


def test_report_has_no_template_leftovers_or_nan(built):
    _, paths, _, _ = built
    for kind in ("html", "md"):
        text = paths[kind].read_text(encoding="utf-8")
        assert "{{" not in text and "{%" not in text and "Undefined" not in text
        assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), kind


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None and shutil.which("chromium-browser") is None,
                    reason="headless Chromium not installed (Debian: apt-get install chromium)")
@pytest.mark.parametrize("language", ["en", "zh"])
def test_report_renders_in_headless_chromium(built, tmp_path, language):
    import subprocess

    from PIL import Image

    study, _, _, _ = built
    html = write_report(study, tmp_path / language, formats=["html"], language=language)["html"]
    png = tmp_path / f"{language}.png"
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={png}",
                    "--window-size=1200,3000", html.resolve().as_uri()], capture_output=True, timeout=120, check=False)
    assert png.is_file(), "Chromium wrote no screenshot"
    gray = Image.open(png).convert("L")
    lo, hi = gray.getextrema()
    assert hi - lo > 100  # text on a background: not a blank page
    dark = sum(gray.histogram()[:128]) / (gray.width * gray.height)
    assert 0.005 < dark < 0.5  # some ink, not an all-black render


def test_no_python_object_reprs_leak_into_the_report(built, tmp_path):
    study, paths, _, _ = built
    for language in ("en", "zh"):
        html = write_report(study, tmp_path / language, formats=["html", "md"], language=language)
        for path in html.values():
            if path.suffix in (".html", ".md"):
                text = path.read_text(encoding="utf-8")
                assert "built-in method" not in text and "object at 0x" not in text, path


def test_screening_notes_are_shown_with_the_sample(built, tmp_path):
    import dataclasses

    from stickiness_research.report.build import write_report as write

    study, _, _, _ = built
    noted = dataclasses.replace(study, screening={"warnings": ["rule 'speeder' excludes 31 % of respondents"],
                                                  "not_applied": {"speeder": "the data carry no durations"}})
    paths = write(noted, tmp_path / "noted")
    html = (tmp_path / "noted" / "index.html").read_text(encoding="utf-8")
    md = (tmp_path / "noted" / "report.md").read_text(encoding="utf-8")
    for text in (html, md):
        assert "excludes 31 % of respondents" in text and "the data carry no durations" in text
    assert paths


def test_segment_priorities_are_estimated_within_each_segment(built):
    from stickiness_research.strategy import SEGMENT_STATUSES, adjustment_sets

    study, paths, _, _ = built
    q = study.questionnaire
    hypotheses = [(h.from_, h.to) for h in q.direct_hypotheses]
    drivers = adjustment_sets(hypotheses, study.outcome)
    # clustered on the drivers nothing in the model explains, described on every construct
    assert study.segments.on == tuple(c for c in drivers if c not in {to for _, to in hypotheses})
    assert study.outcome not in study.segments.on and study.outcome in study.segments.centers.columns
    table = study.segment_priorities
    assert {"n", "importance", "ci_lower", "ci_upper", "status", "rank"} <= set(table.columns)
    assert set(table["status"]) <= set(SEGMENT_STATUSES)
    for segment, rows in table.groupby("segment"):
        assert sorted(rows["construct"]) == sorted(drivers)
        assert (rows["n"] == study.segments.centers.loc[segment, "n"]).all()
        ranked = rows[rows["status"] == "ranked"]
        assert (ranked["ci_lower"] > 0).all() and list(ranked["rank"]) == list(range(1, len(ranked) + 1))
        assert ranked["priority"].is_monotonic_decreasing
        assert rows.loc[rows["status"] != "ranked", "rank"].isna().all()
    # segments differ in importance now, not only in performance
    importance = table.pivot(index="construct", columns="segment", values="importance")
    assert (importance.nunique(axis=1) == importance.shape[1]).all()
    results = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert results["results"]["segments"]["meta"]["on"] == list(study.segments.on)
    assert {r["status"] for r in results["segment_priorities"]} == set(table["status"])
    for kind in ("html", "md"):
        text = paths[kind].read_text(encoding="utf-8")
        assert "Priorities by segment" in text and "Importance (95% CI)" in text, kind
        assert "Caveat: segments are clusters on the drivers' own scores" in text.replace("&#39;", "'"), kind
        first = table[table["status"] == "ranked"].iloc[0]
        assert f"{first['importance']:.2f} [{first['ci_lower']:.2f}, {first['ci_upper']:.2f}]" in text, kind


def test_a_segment_too_small_to_estimate_is_reported_without_numbers(built, tmp_path):
    import dataclasses
    import html

    from stickiness_research.report.i18n import labels
    from stickiness_research.strategy import segment_priorities

    study, _, _, _ = built
    table = segment_priorities(study.scores, study.segments.labels, study.questionnaire, outcome=study.outcome,
                               min_n=int(study.segments.centers["n"].max()) + 1)
    assert set(table["status"]) == {"too small to estimate"}
    small = dataclasses.replace(study, segment_priorities=table)
    for language, words in (("en", "too small to estimate (n < "), ("zh", "样本过少，无法估计（n < ")):
        out = write_report(small, tmp_path / language, formats=["html", "md"], language=language)
        for kind in ("html", "md"):
            text = html.unescape(out[kind].read_text(encoding="utf-8"))
            if kind == "html":
                section = text[text.index('<section id="segments">'):].split("</section>")[0]
            else:
                section = text[text.index("\n## " + labels(language)["segments"] + "\n"):].split("\n## ")[1]
            assert words in section, (language, kind)
            assert "[" not in section, (language, kind)  # no interval: no numbers for a segment too small


def test_group_columns_and_verdict_name_the_groups_by_their_labels(built, tmp_path):
    from stickiness_research.report.build import _option_labels

    study, paths, _, _ = built
    codes = list(study.groups[0].invariance.groups)
    en = paths["html"].read_text(encoding="utf-8")
    zh = write_report(study, tmp_path / "zh", formats=["html", "md"], language="zh")
    zh_html = zh["html"].read_text(encoding="utf-8")
    for code in codes:
        option = next(o for o in study.questionnaire.demographic("product_type").options if o.value == code)
        assert f"&beta; {option.label['en']}" in en and f"&beta; {code}<" not in en
        assert f"&beta; {option.label['zh']}" in zh_html
        assert f"β {option.label['zh']} |" in zh["md"].read_text(encoding="utf-8")
    assert "Funds and wealth management" in en[en.index('id="groups"'):en.index('id="robustness"')]
    # exports coded by number map too (1, "1" and 1.0 are the same answer)
    labels = _option_labels(study, "product_type", "zh")
    assert labels["1"] == labels["1.0"] == labels["insurance"] == "保险"


def test_the_questionnaire_checked_with_the_config_is_reused_until_its_file_changes(tmp_path):
    q_path = tmp_path / "questionnaire.yaml"
    shutil.copy(sr.builtin_questionnaire_path(), q_path)
    cfg_path = tmp_path / "study.yaml"
    cfg_path.write_text(SMALL.replace("QUESTIONNAIRE", q_path.name), encoding="utf-8")
    cfg = sr.load_study_config(cfg_path)
    first, second = cfg.loaded_questionnaire(), cfg.loaded_questionnaire()
    assert first == second == sr.load_questionnaire(q_path)
    first.meta.title["en"] = "changed in one result"  # each caller gets its own copy
    assert second.meta.title["en"] != "changed in one result"
    assert cfg.loaded_questionnaire().meta.title["en"] != "changed in one result"
    # the file edited after the config was loaded: the edit is read, not the copy kept from the check
    q_path.write_text(q_path.read_text(encoding="utf-8").replace(
        'en: "Survey of User Stickiness', 'en: "Edited survey of User Stickiness', 1), encoding="utf-8")
    assert cfg.loaded_questionnaire().meta.title["en"].startswith("Edited survey")
    assert run_study(cfg).questionnaire.meta.title["en"].startswith("Edited survey")


def test_a_category_nobody_chose_counts_zero_not_another_categorys_count(default_q):
    """Series.get(code) on a text index fell back to a position under pandas 2: an empty category got the count
    of whichever category sat at that position."""
    from types import SimpleNamespace

    from stickiness_research.report.build import _demographics

    product = next(d for d in default_q.demographics if d.id == "product_type")
    values = [o.value for o in product.options]
    # nobody chose the second option (code 2): position 2 of the counts is the third option's count
    scored = pd.DataFrame({"product_type": [values[0]] * 30 + [values[2]] * 20 + [values[3]] * 10})
    rows = _demographics(SimpleNamespace(questionnaire=default_q, scored=scored), "en", 5)
    counts = {r["label"]: r["n"] for r in next(t for t in rows if t["id"] == "product_type")["rows"]}
    labels = [o.label["en"] for o in product.options]
    assert [counts[label] for label in labels] == ["30", "0", "20", "10"]


def test_provenance_names_the_commit_and_says_when_the_source_differs_from_it(built):
    """provenance.json's git_commit is the package's commit, "-dirty" when its source files differ from it."""
    import re
    import subprocess

    _, paths, _, _ = built
    commit = json.loads(paths["provenance"].read_text(encoding="utf-8"))["git_commit"]
    package = Path(sr.__file__).resolve().parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=package).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", str(package)],
                               capture_output=True, text=True, cwd=package).stdout.strip()
    except OSError:
        head = ""
    if not head:
        assert commit == "unknown"
        return
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", commit) and commit == head + ("-dirty" if dirty else "")
