"""APA-style tables in a Word file (python-docx), for pasting into a manuscript.

APA tables: a numbered bold label, an italic title, horizontal rules only above and below the
header and at the bottom, no vertical lines, notes under the table.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt


def _rule(cell, edge: str) -> None:
    borders = cell._tc.get_or_add_tcPr().first_child_found_in("w:tcBorders")
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        cell._tc.get_or_add_tcPr().append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), "8")
    line.set(qn("w:color"), "000000")
    borders.append(line)


def _table(doc, L: dict, number: int, title: str, header: list[str], rows: list[list[str]], note: str = "") -> None:
    label = doc.add_paragraph()
    label.add_run(L["table"].format(n=number)).bold = True
    doc.add_paragraph().add_run(title).italic = True
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    # each row's cells looked up once: python-docx rebuilds a row's cell list (a grid walk) per access
    table_rows = list(table.rows)
    for cell, text in zip(table_rows[0].cells, header, strict=True):
        cell.text = text
        _rule(cell, "top")
        _rule(cell, "bottom")
    for i, row in enumerate(rows, start=1):
        for j, (cell, text) in enumerate(zip(table_rows[i].cells, row, strict=False)):
            cell.text = str(text)
            if j > 0:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i == len(rows):
                _rule(cell, "bottom")
    if note:
        p = doc.add_paragraph()
        p.add_run(L["table_note"]).italic = True
        p.add_run(note)
    doc.add_paragraph()


def write_docx(context: dict, path: str | Path) -> Path:
    """Write the report's main tables to ``path`` (a .docx file) and return it."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")  # Chinese text: 宋体
    doc.core_properties.title = context["title"]
    doc.add_heading(context["title"], level=1)
    L = context["L"]
    tr = getattr(L, "tr", str)  # sentences made elsewhere in English, translated (i18n.Labels)
    number = 1
    m = context["measurement"]
    if m:
        _table(doc, L, number, L["reliability"], [L["construct"], L["items"], "α", "95% CI", "ω", "CR", "AVE"],
               [[r["construct"], r["n_items"], r["alpha"], r["alpha_ci"], r["omega"], r["cr"], r["ave"]]
                for r in m["reliability"]],
               L["docx_note_reliability"].format(fit=m["fit_line"]))
        number += 1
        _table(doc, L, number, L["loadings"], [L["construct"], L["item"], "λ", "SE", "95% CI"],
               [[r["construct"], r["item"], r["std"], r["se"], r["ci"]] for r in m["loadings"]])
        number += 1
        _table(doc, L, number, L["discriminant"], [L["construct"], "HTMT2", "95% CI"],
               [[r["pair"], r["htmt"], r["ci"]] for r in m["htmt"]], L["docx_note_htmt"])
        number += 1
    ps = context.get("pls_set")
    if ps:
        _table(doc, L, number, L["reliability"], [L["construct"], L["items"], "α", "ρC", "ρA", "AVE"],
               [[r["construct"], r["n_items"], r["alpha"], r["rho_c"], r["rho_a"], r["ave"]] for r in ps["reliability"]],
               ps["fit_line"])
        number += 1
        _table(doc, L, number, L["loadings"], [L["construct"], L["item"], "λ", "95% CI", "VIF"],
               [[r["construct"], r["item"], r["loading"], r["ci"], r["vif"]] for r in ps["loadings"]])
        number += 1
        _table(doc, L, number, L["discriminant"], [L["construct"], "HTMT"], [[r["pair"], r["htmt"]] for r in ps["htmt"]])
        number += 1
        _table(doc, L, number, "Fornell–Larcker", ["", *ps["fl_header"]],
               [[r["construct"], *[value for value, _ in r["cells"]]] for r in ps["fornell_larcker"]], L["note_fl"])
        number += 1
        _table(doc, L, number, L["pls_paths"], [L["path"], "β", "SE", "95% CI", "p", "f²", "VIF"],
               [[r["path"], r["beta"], r["se"], r["ci"], r["p"], r["f2"], r["vif"]] for r in ps["paths"]],
               L["note_pls_set"].format(ci_method=tr(ps["ci_method"])))
        number += 1
        _table(doc, L, number, L["r2"], [L["construct"], "R²", L["r2_adjusted"]],
               [[r["construct"], r["r2"], r["r2_adj"]] for r in ps["r2"]])
        number += 1
    s = context["structural"]
    _table(doc, L, number, L["hypotheses"], ["H", L["path"], "b", "SE", "95% CI", "β", "p", L["supported"]],
           [[h["id"], h["path"], h["b"], h["se"], h["ci"], h["beta"], h["p"], L["yes"] if h["supported"] else L["no"]]
            for h in s["hypotheses"]], L["docx_note_hypotheses"].format(fit=s["fit_line"], ci_method=tr(s["ci_method"])))
    number += 1
    if s["effects"]:
        _table(doc, L, number, L["effects"], [L["path"], L["effect"], "b", "95% CI", "β", "95% CI (β)"],
               [[e["path"], e["kind"], e["b"], e["ci"], e["beta"], e["beta_ci"]] for e in s["effects"]])
        number += 1
    if s["alternatives"]:
        _table(doc, L, number, L["alternatives"], [L["model"], "χ²", "df", "CFI", "RMSEA", "AIC", "BIC", "Δ"],
               [[L.get(a["model"], a["model"]), a["chisq"], a["df"], a["cfi"], a["rmsea"], a["aic"], a["bic"], a["delta"]]
                for a in s["alternatives"]])
        number += 1
    plan = context.get("planning")
    if plan:
        _table(doc, L, number, L["planning"], [L["hypothesis"], L["path"]] + [f"N = {k}" for k in plan["sizes"]],
               [[r["hypothesis"], r["path"], *r["power"]] for r in plan["rows"]], L["note_planning"])
        number += 1
    b = context.get("behaviour")
    if b:
        if b["segments"]:
            _table(doc, L, number, L["bh_segments"],
                   [L["segment"], L["users"], L["metric_active_days"], L["metric_visits_per_week"], L["metric_dau_mau"],
                    L["metric_read_completion"], L["metric_share_rate"], L["metric_retained_d30"], L["metric_churned_share"]],
                   [[r["segment"], r["users"], r["active_days"], r["visits"], r["dau_mau"], r["completion"],
                     r["share_rate"], r["d30"], r["churned"]] for r in b["segments"]], b["note"])
            number += 1
        _table(doc, L, number, L["bh_validity"], [L["criterion"], "n", "r", "95% CI", "p", "\u03c1"],
               [[r["criterion"], r["n"], r["r"], r["ci"], r["p"], r["rho"]] for r in b["validity"]],
               L["note_bh_validity"])
        number += 1
        if b["cox"]:
            _table(doc, L, number, L["bh_cox"], [L["construct"], "HR", "95% CI", "p"],
                   [[r["construct"], r["hr"], r["ci"], r["p"]] for r in b["cox"]], L["note_bh_cox"])
            number += 1
    strategy = context.get("strategy")
    if strategy:  # the playbook's ranking from the importance-performance map, with its evidence
        _table(doc, L, number, L["strategy"], [L["rank"], L["construct"], L["status"], L["evidence"],
                                                L["performance"], L["quadrant"], L["levers"]],
               [[r["rank"], r["construct"], r["status"], r["evidence"], r["performance"], r["quadrant"],
                 "; ".join(r["levers"])] for r in strategy["recommendations"]], strategy["note"])
        number += 1
    pls = context.get("pls")
    if pls:
        same = {True: L["plain_yes"], False: L["plain_no"], None: "\u2013"}
        _table(doc, L, number, L["pls"], [L["path"], "CB-SEM \u03b2", "PLS \u03b2", "95% CI", L["same_conclusion"]],
               [[r["path"], r["cbsem"], r["pls"], r["ci"], same[r["same"]]] for r in pls["paths"]], L["note_pls"])
        number += 1
        _table(doc, L, number, L["pls_reliability"],
               [L["construct"], "CB-SEM CR", "CB-SEM AVE", "PLS \u03c1C", "PLS AVE", "PLS \u03c1A"],
               [[r["construct"], r["cb_cr"], r["cb_ave"], r["rho_c"], r["ave"], r["rho_a"]] for r in pls["reliability"]])
    path = Path(path)
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(_without_timestamps(buffer.getvalue()))
    return path


def _without_timestamps(docx: bytes) -> bytes:
    """The .docx (a zip) with every member dated 1980-01-01: python-docx stamps members with the time of
    saving, so the same report written a second later had other bytes (same inputs, same bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info.filename),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
