"""The zh report is in Chinese: no English sentence or word in index.html, report.md or tables.docx.

The worked study (reports/financial_wechat.yaml) is built once in zh and once in en. A scanner reads
what a reader sees (HTML text outside tags, style, script, the provenance block and SVG metadata;
Markdown; the paragraphs of word/document.xml) and flags English: any run of three or more English
words, and any single English word that is not a statistical symbol, a proper name, a package or
function name from the allow-list below, or an identifier (item, construct, variable and model ids).
The same scanner must find plenty of English in the en report, so it can fail.
"""

from __future__ import annotations

import dataclasses
import html
import re
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stickiness_research as sr
from stickiness_research.report.build import write_report
from stickiness_research.report.i18n import labels, translate

pytestmark = pytest.mark.slow  # one run of the worked study (~20 s)

# Statistical symbols and abbreviations, proper names (methods named after people), packages and functions.
ALLOWED_WORDS = {
    "CFA", "EFA", "CFI", "TLI", "RMSEA", "SRMR", "AVE", "CR", "CI", "SE", "SD", "AIC", "BIC", "HTMT", "MLR", "ML",
    "OLS", "SEM", "HC", "BCa", "df", "WLSMV", "Wald", "Cronbach", "McDonald", "Feldt", "Fornell", "Larcker", "Yuan",
    "Bentler", "Yuan-Bentler", "Satorra", "Mardia", "Heywood", "semTools", "compRelSEM", "lavaan",
    "IP", "Kobo", "SPSS", "PLS", "PLS-SEM", "CB-SEM", "seminr", "Dijkstra", "Henseler",
}
ALLOWED_PHRASES: set[str] = set()  # runs of 3+ words that are not English sentences (none needed today)
WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:['\u2019-][A-Za-z0-9_]+)*")
RUN_GAP = re.compile(r"[\s,;:()'\"/&.\u2013-]*")  # what may stand between two words of one English run
FILE_OR_URL = re.compile(r"https?://\S+|\b[\w.-]+\.(?:json|html|md|docx|yaml|csv|xlsx|sav)\b")
BLOCK = "\n|\n"  # between table cells, paragraphs and list items: ends a run
INLINE = {"b", "i", "a", "span", "strong", "em", "sup", "sub", "code"}
HIDDEN = {"style", "script", "pre", "metadata"}  # CSS, JS, the provenance JSON, SVG metadata
# The "Full results" appendix is the package's own output (its Summary of every result, English column names), and
# says so: lang="en" in HTML, between these comments in Markdown. Everything around it must be Chinese.
MD_ENGLISH = re.compile(r'<!-- lang="en".*?<!-- /lang="en" -->', re.S)


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.open: list[bool] = []  # per open div: is it marked lang="en"
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in HIDDEN
        if tag == "div":
            self.open.append(dict(attrs).get("lang") == "en")
            self.hidden += self.open[-1]
        if tag not in INLINE:
            self.parts.append(BLOCK)

    def handle_endtag(self, tag):
        self.hidden -= tag in HIDDEN
        if tag == "div" and self.open:
            self.hidden -= self.open.pop()
        if tag not in INLINE:
            self.parts.append(BLOCK)

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_text(page: str) -> str:
    parser = _VisibleText()
    parser.feed(page)
    return "".join(parser.parts)


def markdown_text(md: str) -> str:
    return MD_ENGLISH.sub(BLOCK, md).replace("\n", BLOCK)


def docx_text(path: Path) -> str:
    xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    return BLOCK.join(html.unescape("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p))) for p in paragraphs)


def _identifier(word: str, identifiers: set[str]) -> bool:
    return len(word) == 1 or word in identifiers or bool(re.search(r"[\d_]", word))  # x, int1, product_type


def english(text: str, identifiers: set[str]) -> list[str]:
    """English sentences (runs of 3+ words) and words outside the allow-list in ``text``."""
    text = FILE_OR_URL.sub(" ", text)
    runs: list[list[str]] = []
    last_end = None
    for m in WORD.finditer(text):
        if last_end is not None and RUN_GAP.fullmatch(text[last_end:m.start()]):
            runs[-1].append(m.group())
        else:
            runs.append([m.group()])
        last_end = m.end()
    found = []
    for run in runs:
        words = [w for w in run if not _identifier(w, identifiers)]
        if len(words) >= 3 and " ".join(run) not in ALLOWED_PHRASES:
            found.append(" ".join(run))
        else:
            found += [w for w in words if w not in ALLOWED_WORDS]
    return found


def identifiers_of(study) -> set[str]:
    """Ids a report may show as they are: constructs, items, variables, models, and the grouping codes."""
    q = study.questionnaire
    cfg = study.config
    # Group codes (banking, fund, ...) are not among them: groups are shown by their option labels.
    return {*q.construct_ids, *(i.id for i in q.items), *(d.id for d in q.demographics), *cfg.groups,
            *(a.name for a in cfg.alternatives), cfg.study.id, q.meta.id}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    study = sr.run_study(sr.builtin_study_path())
    tmp = tmp_path_factory.mktemp("zh_report")
    out = {}
    for language in ("zh", "en"):
        write_report(study, tmp / language, language=language, formats=["html", "md", "docx"])
        folder = tmp / language
        out[language] = {"index.html": html_text((folder / "index.html").read_text(encoding="utf-8")),
                         "report.md": markdown_text((folder / "report.md").read_text(encoding="utf-8")),
                         "tables.docx": docx_text(folder / "tables.docx")}
    return study, out, tmp


@pytest.mark.parametrize("name", ["index.html", "report.md", "tables.docx"])
def test_zh_report_has_no_english(reports, name):
    study, texts, _ = reports
    ids = identifiers_of(study)
    assert english(texts["zh"][name], ids) == []
    # the scanner can fail: the en report of the same study is full of English
    found = english(texts["en"][name], ids)
    assert len(found) >= 5, found
    assert any(len(f.split()) >= 3 for f in found), found


def test_the_scanner_flags_what_the_issue_found(reports):
    study, texts, _ = reports
    ids = identifiers_of(study)
    en_docx = english(texts["en"]["tables.docx"], ids)
    assert "Table" in en_docx and "Note" in en_docx
    assert english("少于 5 人的单元格已隐藏 (blank).", ids) == ["blank"]
    assert english("Scalar invariance holds across product_type", ids) == ["Scalar invariance holds across product_type"]
    assert english("χ²(265) = 276.69, p = .298, CFI = .998; sti1, product_type; 见 results.json", ids) == []


def test_zh_report_uses_one_term_for_stickiness(reports):
    study, texts, _ = reports
    title = study.config.study.title.get("zh", "")
    for name, text in texts["zh"].items():
        assert "粘性" not in text.replace(title, ""), name  # 黏性, the questionnaire's term, everywhere
    assert "用户黏性" in texts["zh"]["index.html"]
    for lang_labels in (labels("zh"),):
        assert not any("粘" in v for v in lang_labels.values())


def test_worked_study_title_uses_the_glossary_term():
    cfg = sr.load_study_config(sr.builtin_study_path())
    assert "粘性" not in cfg.study.title["zh"]


def test_screening_notes_reach_the_zh_report_translated(reports):
    """Notes of the responses layer (rules not applied, a rule excluding many) as the study passes them on."""
    study, _, tmp = reports
    raw = study.raw
    flags = sr.quality_flags(raw, study.questionnaire)
    for column in ("attention_failed", "seconds_per_item", "duplicate", "mahalanobis_d2", "irv"):
        flags[column] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = sr.apply_exclusions(raw, flags, {"attention": True, "speeder": True, "duplicate": True,
                                                  "mahalanobis": True, "irv_min": 1.0, "longstring": 2})
    notes = list(result.warnings)
    assert len(notes) >= 6 and result.not_applied
    noted = dataclasses.replace(study, screening={"warnings": notes, "not_applied": result.not_applied})
    paths = write_report(noted, tmp / "noted", language="zh", formats=["html", "md"])
    ids = identifiers_of(study)
    assert english(html_text(paths["html"].read_text(encoding="utf-8")), ids) == []
    assert english(markdown_text(paths["md"].read_text(encoding="utf-8")), ids) == []


def _group_errors() -> list[str]:
    """Why a group analysis cannot run (study._group_analysis keeps the sem layer's message), as produced today."""
    from stickiness_research.study import _group_analysis

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    data = sr.reverse_code(sr.simulate_responses(q, n=150, seed=3), q)
    syntax = q.model_syntax()
    small = _group_analysis(data, q, "product_type", syntax).error  # a group with fewer rows than items
    constant = data[data["product_type"].isin(["fund", "insurance"])].copy()
    constant.loc[constant["product_type"] == "fund", "int1"] = 3
    errors = [small, _group_analysis(constant, q, "product_type", syntax).error,
              _group_analysis(data.assign(single_group="fund"), q, "single_group", syntax).error]
    assert all(errors), errors
    return errors


def _verdicts() -> list[str]:
    from stickiness_research.sem.invariance import InvarianceResult

    out = []
    for held in range(4):
        models = ["configural", "metric", "scalar", "strict"]
        holds = [np.nan] + [k < held for k in range(3)]
        table = pd.DataFrame({"model": models, "holds": holds})
        out.append(InvarianceResult(table, {}, "product_type", ("banking", "fund")).verdict())
    return out


def _no_variance_note() -> str:
    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    raw = sr.simulate_responses(q, n=60, seed=1)
    raw["int1"], raw["int2"] = 3, np.nan
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sr.quality_flags(raw, q)
    return next(str(w.message) for w in caught if str(w.message).startswith("no variance"))


def _small_sample_note() -> str:
    from stickiness_research.study import _check_sample_size

    q = sr.load_questionnaire(sr.builtin_questionnaire_path())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _check_sample_size(120, 100, q, sr.load_study_config(sr.builtin_study_path()))[0]


def _heywood_notes() -> list[str]:
    from stickiness_research.sem.fit import _heywood_note

    return [_heywood_note("x1", "", -0.1), _heywood_note("x2", "Pasteur", -0.2)]


def _dropped_row_notes() -> list[str]:
    from stickiness_research.sem.fit import _bound_notes, _no_group_notes

    class Held:
        active_bounds = [("'a' (f1 =~ x2)", 0.5)]

    forced = "meanstructure=False overridden: {} needs the means and intercepts (lavaan sets meanstructure = TRUE there too)."
    from stickiness_research.sem.fit import _single_label_notes

    return (_no_group_notes(20, "product_type") + _bound_notes(Held()) + _single_label_notes("f =~ x1 + h1*x2 + x3")
            + [forced.format(why) for why in ("missing='ml'", "a growth model", "group_equal ['intercepts', 'means']")])


@pytest.mark.parametrize("make", [_verdicts, _no_variance_note, _small_sample_note, _heywood_notes, _group_errors,
                                  _dropped_row_notes],
                         ids=lambda f: f.__name__.strip("_"))
def test_english_sentences_of_the_statistics_layer_are_translated(make):
    """Each sentence the report passes through from elsewhere, as its producer writes it today."""
    sentences = make()
    for sentence in [sentences] if isinstance(sentences, str) else sentences:
        assert english(sentence, {"product_type", "banking", "fund"}), sentence  # it is English
        zh = translate(sentence, "zh")
        assert english(zh, {"product_type", "banking", "fund", "Pasteur"}) == [], zh


def test_group_errors_and_small_segments_reach_the_zh_report_in_chinese(reports):
    """A group analysis that could not run, an unknown error, and segments too small to estimate."""
    from stickiness_research.strategy import segment_priorities
    from stickiness_research.study import GroupAnalysis

    study, _, tmp = reports
    known = GroupAnalysis("product_type", None, None, "only 16 complete rows in group 'banking' for 25 observed "
                          "variables; the sample covariance matrix cannot be estimated.")
    unknown = GroupAnalysis("product_type", None, None, "something the translator has never seen.")
    small = segment_priorities(study.scores, study.segments.labels, study.questionnaire, outcome=study.outcome,
                               min_n=len(study.scores) + 1)
    changed = dataclasses.replace(study, groups=(known, unknown), segment_priorities=small)
    ids = identifiers_of(study)
    paths = write_report(changed, tmp / "errors", language="zh", formats=["html", "md"])
    for path in paths.values():
        if path.suffix not in (".html", ".md"):
            continue
        text = path.read_text(encoding="utf-8")
        visible = html_text(text) if path.suffix == ".html" else markdown_text(text)
        assert english(visible, ids) == [], path.name
        assert "“银行日常业务”组只有 16 行完整数据" in visible  # the group named by its label
        assert labels("zh")["group_error_untranslated"] in visible
        assert "样本过少，无法估计" in visible
    en = write_report(changed, tmp / "errors_en", language="en", formats=["md"])["md"].read_text(encoding="utf-8")
    assert "in group 'Everyday banking'" in en and "something the translator has never seen." in en


def test_the_full_results_appendix_is_there_and_marked_english(reports):
    """The scanner skips only what is marked English: the appendix of every result's own Summary."""
    from stickiness_research.report.build import study_results

    study, _, tmp = reports
    held = study_results(study)
    md = (tmp / "zh" / "report.md").read_text(encoding="utf-8")
    page = (tmp / "zh" / "index.html").read_text(encoding="utf-8")
    assert "## 完整结果" in md and "<h2>完整结果</h2>" in page
    marked = MD_ENGLISH.findall(md)
    assert len(marked) == 1 and all(f"**{r.title}**" in marked[0] for r in held.values())
    assert page.count('class="full-result"') == page.count('lang="en"') == len(held)
