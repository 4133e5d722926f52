"""Turn a StudyResult into a self-contained HTML report (numbers formatted here, nowhere else)."""

from __future__ import annotations

import json
from pathlib import Path

import jinja2
import pandas as pd

from ..study import StudyResult
from . import apa
from .figures import path_diagram

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("stickiness_research.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty cell
    trim_blocks=True,
    lstrip_blocks=True,
)


def _demographic_tables(study: StudyResult, lang: str) -> list[dict]:
    q = study.questionnaire
    tables = []
    for d in q.demographics:
        if d.id not in study.raw.columns:
            continue
        counts = study.raw[d.id].value_counts()
        n = int(counts.sum())
        rows = [{"label": o.label[lang], "n": int(counts.get(o.value, 0)),
                 "pct": apa.num(100 * counts.get(o.value, 0) / n, 1)} for o in d.options]
        tables.append({"id": d.id, "title": d.text[lang], "rows": rows})
    return tables


def demo_context(study: StudyResult, lang: str = "en") -> dict:
    q = study.questionnaire
    sem = study.sem
    fm = sem.fit_measures
    names = {c: q.name_of(c, lang) for c in q.construct_ids}
    other = "zh" if lang == "en" and "zh" in q.meta.languages else None
    reliability_rows = [{
        "construct": names[r.construct], "other": q.name_of(r.construct, other) if other else "",
        "n_items": int(r.n_items), "alpha": apa.bounded(r.alpha, 2),
        "ci": apa.interval(r.ci_lower, r.ci_upper, 2, is_bounded=True), "average_r": apa.bounded(r.average_r, 2),
        "ok": r.alpha >= 0.70,
    } for r in study.reliability.itertuples()]
    hyp_rows = []
    for r in study.hypotheses.itertuples():
        h = next(x for x in q.hypotheses if x.id == r.hypothesis)
        true = study.truth.get(f"{h.from_} -> {h.to}") if not h.is_indirect else None
        if h.is_indirect:
            parts = [study.truth.get(f"{a} -> {b}") for a, b in zip(h.chain, h.chain[1:], strict=False)]
            true = None if any(p is None for p in parts) else float(pd.Series(parts).prod())
        hyp_rows.append({
            "id": r.hypothesis, "path": " \u2192 ".join(names[c] for c in h.chain), "sign": r.expected_sign,
            "b": apa.num(r.est), "se": apa.num(r.se), "ci": apa.interval(r.ci_lower, r.ci_upper),
            "beta": apa.bounded(r.std_all, 2), "p": apa.p_value(r.pvalue), "supported": bool(r.supported),
            "truth": apa.bounded(true, 2) if true is not None else "", "text": r.text,
        })
    effect_rows = [{
        "path": " \u2192 ".join(names.get(v, v) for v in r.lhs.split(" -> ")), "kind": r.rhs,
        "b": apa.num(r.est), "ci": apa.interval(r.ci_lower, r.ci_upper), "beta": apa.bounded(r.std_all, 2),
        "beta_ci": apa.interval(r.std_ci_lower, r.std_ci_upper, is_bounded=True),
        "excludes_zero": bool(r.ci_lower > 0 or r.ci_upper < 0),
        "_order": (q.construct_ids.index(r.lhs.split(" -> ")[0]) if r.lhs.split(" -> ")[0] in q.construct_ids
                   else 99, {"direct": 0, "indirect": 1, "total": 2}.get(r.rhs, 3))}
        for r in study.effects.itertuples()]
    effect_rows.sort(key=lambda e: e.pop("_order"))
    loadings = sem.loadings()
    loading_rows = [{"construct": names.get(r.lhs, r.lhs), "item": r.rhs, "est": apa.num(r.est),
                     "se": apa.num(r.se) if r.se > 0 else "(fixed)", "std": apa.bounded(r.std_all, 2)}
                    for r in loadings.itertuples()]
    structural = sem.estimates[sem.estimates["op"] == "~"]
    diagram = path_diagram(
        q.construct_ids, names,
        [{"from": r.rhs, "to": r.lhs, "beta": r.std_all, "pvalue": r.pvalue} for r in structural.itertuples()],
        {c: float(sem.r2[c]) for c in q.endogenous if c in sem.r2.index})
    r2_rows = [{"construct": names[c], "r2": apa.bounded(float(sem.r2[c]), 2)} for c in q.endogenous
               if c in sem.r2.index]
    supported = sum(r["supported"] for r in hyp_rows)
    fit_rows = [(label, value) for label, value in [
        ("\u03c7\u00b2", apa.num(fm["chisq"])), ("df", str(int(fm["df"]))), ("p", apa.p_value(fm["pvalue"])),
        ("\u03c7\u00b2/df", apa.num(fm["chisq.df"])), ("CFI", apa.bounded(fm["cfi"])),
        ("TLI", apa.bounded(fm["tli"])), ("RMSEA", apa.bounded(fm["rmsea"])),
        ("RMSEA 90% CI", apa.interval(fm["rmsea.ci.lower"], fm["rmsea.ci.upper"], 3, is_bounded=True)),
        ("SRMR", apa.bounded(fm["srmr"])), ("AIC", apa.num(fm["aic"], 1)), ("BIC", apa.num(fm["bic"], 1))]]
    return {
        "lang": lang,
        "title": q.meta.title[lang],
        "subtitle": f"{q.meta.id} v{q.meta.version} \u00b7 simulated data from the questionnaire's population model",
        "n": sem.n_obs,
        "n_items": len(q.items),
        "n_constructs": len(q.constructs),
        "fit_line": apa.fit_line(fm),
        "fit_rows": fit_rows,
        "supported": supported,
        "n_hypotheses": len(hyp_rows),
        "demographics": _demographic_tables(study, lang),
        "reliability": reliability_rows,
        "hypotheses": hyp_rows,
        "effects": effect_rows,
        "ci_method": str(study.hypotheses["ci_method"].iloc[0]) if len(study.hypotheses) else "",
        "loadings": loading_rows,
        "r2": r2_rows,
        "diagram": diagram,
        "warnings": list(sem.warnings),
        "provenance": json.dumps(study.provenance, indent=2, ensure_ascii=False),
    }


def write_demo_report(study: StudyResult, out_dir: str | Path, lang: str = "en") -> Path:
    """Write ``index.html`` (self-contained: inline CSS and SVG) to ``out_dir``; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html = _ENV.get_template("demo.html.j2").render(**demo_context(study, lang))
    path = out / "index.html"
    path.write_text(html, encoding="utf-8")
    (out / "provenance.json").write_text(json.dumps(study.provenance, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    return path
