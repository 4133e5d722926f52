"""Turn a StudyResult into report files: index.html, report.md, tables.docx, results.json, provenance.json.

Numbers are formatted here (APA style, :mod:`.apa`) and nowhere else. Everything except
provenance.json is a function of the inputs and seeds only, so building twice gives the same bytes.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from .._io import OutputPathError, atomic_path, check_output, write_text
from .._summary import protocol_dict
from .._validation import BOOL, ListOf, Options, check
from ..strategy import load_playbook
from ..study import StudyResult
from . import apa
from .figures import ipma_chart, path_diagram, survival_chart
from .i18n import labels

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("stickiness_research.report", "templates"),
    autoescape=jinja2.select_autoescape(["html", "html.j2"]),
    undefined=jinja2.StrictUndefined,  # a missing value is a bug, not an empty cell
    trim_blocks=True,
    lstrip_blocks=True,
)
_MD_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("stickiness_research.report", "templates"),
    autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
)
FORMATS = ("html", "md", "docx", "json")
REPORT_LANGUAGES = ("en", "zh")  # languages the report templates and labels are written in


# ----- raw numbers -------------------------------------------------------------------------------
def _clean(value: Any) -> Any:
    """JSON-safe value: NaN -> None, numpy scalars -> Python, floats to 12 significant digits."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else float(f"{v:.12g}")
    if isinstance(value, datetime.date):  # dates (cohorts, windows) as ISO text; datetime is a date too
        return value.isoformat()
    if isinstance(value, pd.DataFrame):
        return _clean(value.to_dict(orient="records"))
    if isinstance(value, pd.Series):
        return _clean(value.to_dict())
    return value


def _exclusions_by_row(study: StudyResult) -> pd.DataFrame:
    """The exclusion log with each respondent's row in the data as read (1-based) instead of their id: ids may be
    platform ids (openids, member numbers) that must not reach an output; the row finds them in the input."""
    table = study.exclusions
    if not len(table) or "respondent_id" not in table:
        return table
    row = pd.Series(np.arange(1, len(study.raw) + 1), index=study.raw["respondent_id"].astype(str).to_numpy())
    out = table.drop(columns="respondent_id")
    out.insert(0, "row", row.reindex(table["respondent_id"].astype(str)).to_numpy())
    return out


def study_results(study: StudyResult) -> dict[str, Any]:
    """Every result object the study holds, by name, in the report's order: the ``results`` of results.json and
    the report's "Full results" appendix (each renders itself through the results protocol, so a new result type
    needs no report code).

    Names: ``sem`` (the structural model: SEMResult, or the PLSResult of a PLS-only study), ``bootstrap``,
    ``cfa``, ``parallel_analysis``, ``method_bias``, ``invariance: <group>`` and ``group_paths: <group>`` per
    grouping variable, ``pls`` and ``pls_bootstrap``, ``power`` and ``sample_size`` (the config's power
    section), ``segments`` and ``behaviour``; those the config did not ask for are absent.
    """
    out: dict[str, Any] = {"sem": study.sem, "bootstrap": study.bootstrap, "cfa": study.cfa,
                           "parallel_analysis": study.parallel, "method_bias": study.method_bias}
    for g in study.groups:
        out[f"invariance: {g.group}"] = g.invariance
        out[f"group_paths: {g.group}"] = g.paths
    if study.pls is not study.sem:  # a PLS-only study's structural model is its PLS model: once, as "sem"
        out["pls"] = study.pls
    out["pls_bootstrap"] = study.pls_bootstrap
    plan = study.planning or {}
    out |= {"power": plan.get("power"), "sample_size": plan.get("sample_size"), "segments": study.segments,
            "behaviour": study.behaviour}
    return {name: result for name, result in out.items() if result is not None}


def results_dict(study: StudyResult) -> dict:
    """Every number of the study, as plain JSON-able data (the ``results.json`` file).

    Returns
    -------
    dict
        ``study``
            The study in numbers (:meth:`StudyResult.meta`): id, questionnaire and version, n_read,
            n_excluded, n_analysed, n_model, outcome, method, estimator, seed.
        ``results``
            Every result object of the study by name (:func:`study_results`: ``sem``, ``bootstrap``, ``cfa``,
            ``invariance: product_type``, ``pls``, ``power``, ``behaviour``, ...), each its ``to_dict()`` of the
            results protocol: ``{"type", "title", "lines", "notes", "meta", "tables"}``, e.g.
            ``results["sem"]["meta"]["fit_measures"]["cfi"]`` or ``results["sem"]["tables"]["estimates"]``.
        ``exclusions``
            The exclusion log, each respondent by row of the data as read (1-based), never by id.
        ``hypotheses``, ``effects``, ``truth``
            The hypothesis table, the bootstrapped direct, indirect and total effects, and (simulated data) the
            population value of each path.
        ``measurement``
            With a CFA: ``descriptives``, ``mardia``, ``htmt`` (bootstrapped), ``latent_correlations`` and
            ``fornell_larcker``.
        ``efa_loadings``, ``alternatives``, ``groups``, ``segment_profile``, ``segment_priorities``, ``ipma``,
        ``recommendations``, ``regression``, ``planning``
            The study-level tables that are not result objects, when the config asked for them (``groups``: each
            grouping variable and why its analysis could not run; ``planning``: the power settings and the RMSEA
            power of the fitted model).

        NaN is ``null`` and floats carry 12 significant digits, so rebuilding gives the same bytes.
    """
    out: dict[str, Any] = {
        "study": study.meta(),
        "results": {name: protocol_dict(result) for name, result in study_results(study).items()},
        "exclusions": _exclusions_by_row(study),
        "hypotheses": study.hypotheses,
        "effects": study.effects,
        "truth": study.truth,
    }
    if study.cfa is not None:
        out["measurement"] = {
            "descriptives": study.descriptives, "mardia": study.mardia, "htmt": study.htmt,
            "latent_correlations": study.cfa.latent_correlations().reset_index(names="construct"),
            "fornell_larcker": study.cfa.fornell_larcker().reset_index(names="construct")}
    if study.efa_loadings is not None:
        out["efa_loadings"] = study.efa_loadings.reset_index(names="item")
    if study.alternatives is not None:
        out["alternatives"] = study.alternatives
    out["groups"] = [{"group": g.group, "error": g.error} for g in study.groups]
    if study.segments is not None:
        out |= {"segment_profile": study.segment_profile, "segment_priorities": study.segment_priorities}
    if study.ipma is not None:
        out["ipma"] = study.ipma
        out["recommendations"] = [{"rank": r.rank, "construct": r.construct, "status": r.status,
                                   "importance": r.importance, "ci_lower": r.ci_lower, "ci_upper": r.ci_upper,
                                   "performance": r.performance, "quadrant": r.quadrant,
                                   "levers": [lv["id"] for lv in r.levers], "basis": r.basis}
                                  for r in study.recommendations]
    if study.regression is not None:
        out["regression"] = study.regression
    if study.planning is not None:
        out["planning"] = {"settings": study.planning["spec"], "rmsea": study.planning.get("rmsea")}
    return _clean(out)


def _appendix(study: StudyResult) -> list[dict]:
    """The "Full results" appendix: every result of the study rendered by its own Summary (HTML and Markdown)."""
    out = []
    for name, result in study_results(study).items():
        summary = result.summary()
        out.append({"name": name, "title": summary.title, "html": Markup(summary.as_html()),
                    "markdown": summary.as_markdown()})
    return out


# ----- formatted context -------------------------------------------------------------------------
class _Tables(dict):
    """A result's tables by name, as its ``tables()`` gives them: the sections take their numbers from here and
    from the result's ``meta()``, so that every number of the report is one that results.json states too."""

    def __init__(self, result: Any) -> None:
        super().__init__(result.tables())
        self.kind = type(result).__name__

    def __missing__(self, name: str) -> pd.DataFrame:
        raise LookupError(f"the report needs a {name!r} table, which {self.kind}.tables() does not give (it gives "
                          f"{', '.join(map(repr, self))}); add it there, so results.json states it too")


def _names(study: StudyResult, lang: str) -> dict[str, str]:
    q = study.questionnaire
    lang = lang if lang in q.meta.languages else q.meta.language
    return {c: q.name_of(c, lang) for c in q.construct_ids}


def _path_text(path: str, names: dict[str, str]) -> str:
    return " \u2192 ".join(names.get(v.strip(), v.strip()) for v in path.split("->"))


def _option_labels(study: StudyResult, variable: str, lang: str) -> dict[str, str]:
    """Data value -> option label of a demographic, in ``lang``; values and codes (``1``, ``"1"``, ``1.0``) alike.

    Survey exports carry either the option's value (``insurance``) or its numeric code (``1``); both
    map to the label the questionnaire gives (``Insurance`` / ``保险``). Unknown values map to nothing.
    """
    q = study.questionnaire
    d = next((x for x in q.demographics if x.id == variable), None)
    if d is None:
        return {}
    out: dict[str, str] = {}
    for o in d.options:
        label = o.label.get(lang) or o.label.get(q.meta.language) or str(o.value)
        for key in (o.value, o.code):
            if key is None:
                continue
            out[str(key)] = label
            if isinstance(key, (int, float)) and float(key).is_integer():
                out[str(float(key))] = out[str(int(key))] = label
    return out


def _demographic_title(study: StudyResult, variable: str, lang: str) -> str:
    d = next((x for x in study.questionnaire.demographics if x.id == variable), None)
    return d.text.get(lang, d.id) if d is not None else variable


def _demographics(study: StudyResult, lang: str, min_cell: int) -> list[dict]:
    q = study.questionnaire
    data = study.scored
    tables = []
    for d in q.demographics:
        if d.id not in data.columns:
            continue
        counts = data[d.id].value_counts()
        n = int(counts.sum())
        rows = []
        for o in d.options:
            # by label only: Series.get(int) on a text index falls back to a position under pandas 2 (a wrong count)
            key = o.value if o.value in counts.index else o.code if o.code in counts.index else None
            c = int(counts.loc[key]) if key is not None else 0
            small = 0 < c < min_cell
            rows.append({"label": o.label.get(lang, o.value), "n": f"<{min_cell}" if small else str(c),
                         "pct": "" if small or not n else apa.num(100 * c / n, 1)})
        tables.append({"id": d.id, "title": d.text.get(lang, d.id), "rows": rows})
    return tables


def _exclusion_rows(study: StudyResult, L: dict) -> list[dict]:
    ex = study.exclusions
    if ex is None or ex.empty:
        return []
    counts = ex.groupby("rule")["respondent_id"].nunique()
    return [{"rule": L.get(f"rule_{rule}", rule), "n": int(n)} for rule, n in counts.items()]


def _measurement(study: StudyResult, L: dict, names: dict) -> dict | None:
    if study.cfa is None:
        return None
    res = study.cfa
    tables, meta = _Tables(res), res.meta()
    fm = meta["fit_measures"]
    rel = [{"construct": names.get(r.construct, r.construct), "n_items": int(r.n_items),
            "alpha": apa.bounded(r.alpha, 2), "alpha_ci": apa.interval(r.ci_lower, r.ci_upper, 2, is_bounded=True),
            "omega": apa.bounded(r.omega, 2), "cr": apa.bounded(r.cr, 2), "ave": apa.bounded(r.ave, 2),
            "ok": bool(r.alpha >= 0.70 and r.cr >= 0.70 and r.ave >= 0.50)}
           for r in tables["Reliability and convergent validity"].itertuples()]
    fl = tables["Fornell-Larcker"]
    constructs = [c for c in fl.index]
    fl_rows = [{"construct": names.get(c, c),
                "cells": [("" if pd.isna(fl.loc[c, o]) else apa.bounded(fl.loc[c, o], 2), c == o)
                          for o in constructs], "holds": bool(fl.loc[c, "holds"])} for c in constructs]
    htmt_rows = [{"pair": f"{names.get(r.construct_a, r.construct_a)} \u2013 {names.get(r.construct_b, r.construct_b)}",
                  "htmt": apa.num(r.htmt, 2),
                  "ci": apa.interval(r.ci_lower, r.ci_upper, 2) if hasattr(r, "ci_lower") else "",
                  "ok": bool(r.below_threshold)} for r in study.htmt.itertuples()]
    loadings = [{"construct": names.get(r.construct, r.construct), "item": r.item, "std": apa.bounded(r.std_all, 2),
                 "se": apa.num(r.std_se, 3), "ci": apa.interval(r.std_ci_lower, r.std_ci_upper, 2, is_bounded=True),
                 "low": bool(r.std_all < 0.5)} for r in tables["loadings"].itertuples()]
    desc = [{"item": r.item, "mean": apa.num(r.mean), "sd": apa.num(r.sd), "skew": apa.num(r.skew),
             "kurtosis": apa.num(r.kurtosis), "floor": apa.num(r.floor_pct, 1), "ceiling": apa.num(r.ceiling_pct, 1)}
            for r in study.descriptives.itertuples()]
    m = study.mardia
    mardia = (f"Mardia's multivariate skewness = {apa.num(m['b1p'])}, \u03c7\u00b2({int(m['skew_df'])}) = "
              f"{apa.num(m['skew'])}, {apa.p_clause(m['p_skew'])}; kurtosis = {apa.num(m['b2p'])}, "
              f"z = {apa.num(m['kurtosis'])}, {apa.p_clause(m['p_kurtosis'])}.")
    return {"fit_line": apa.fit_line(fm, L), "chisq_df": apa.num(fm["chisq/df"]), "reliability": rel,
            "fl_header": [names.get(c, c) for c in constructs], "fornell_larcker": fl_rows, "htmt": htmt_rows,
            "loadings": loadings, "descriptives": desc, "mardia": mardia, "warnings": list(res.warnings),
            "estimator": meta["estimator"]}


def _structural(study: StudyResult, L: dict, names: dict, lang: str | None = None) -> dict:
    q = study.questionnaire
    sem = study.sem
    tables = _Tables(sem)
    hyp_rows = []
    for r in study.hypotheses.itertuples():
        h = next(x for x in q.hypotheses if x.id == r.hypothesis)
        true = None
        if study.truth:
            parts = [study.truth.get(f"{a} -> {b}") for a, b in zip(h.chain, h.chain[1:], strict=False)]
            true = None if any(p is None for p in parts) else float(np.prod(parts))
        hyp_rows.append({"id": r.hypothesis, "path": _path_text(r.path, names), "sign": r.expected_sign,
                         "b": apa.num(r.est), "se": apa.num(r.se), "ci": apa.interval(r.ci_lower, r.ci_upper),
                         "beta": apa.bounded(r.std_all, 2), "p": apa.p_value(r.pvalue),
                         "supported": bool(r.supported), "truth": "" if true is None else apa.bounded(true, 2),
                         "text": h.text.get(lang, r.text) if lang else r.text})
    effects = []
    if len(study.effects):
        order = {"direct": 0, "indirect": 1, "total": 2}
        rows = sorted(study.effects.itertuples(), key=lambda r: (r.lhs.split(" -> ")[0], order.get(r.rhs, 3)))
        effects = [{"path": _path_text(r.lhs, names), "kind": L.get(r.rhs, r.rhs), "b": apa.num(r.est),
                    "ci": apa.interval(r.ci_lower, r.ci_upper), "beta": apa.bounded(r.std_all, 2),
                    "beta_ci": apa.interval(r.std_ci_lower, r.std_ci_upper, is_bounded=True),
                    "excludes_zero": bool(r.ci_lower > 0 or r.ci_upper < 0), "total": r.rhs == "total"}
                   for r in rows]
    if study.method == "pls":  # PLS-SEM: paths of standardized scores, bootstrap p values, SRMR instead of chi-square
        boot = _Tables(study.pls_bootstrap)["estimates"]
        structural = boot[boot["op"] == "~"].rename(columns={"est": "std_all"})
        r2 = dict(zip(tables["r2"]["construct"], tables["r2"]["r2"], strict=True))
    else:
        estimates = tables["estimates"]
        structural = estimates[estimates["op"] == "~"]
        r2 = _cb_r2(tables)
    diagram = path_diagram(
        q.construct_ids, names,
        [{"from": r.rhs, "to": r.lhs, "beta": r.std_all, "pvalue": r.pvalue} for r in structural.itertuples()],
        {c: r2[c] for c in q.endogenous if c in r2})
    alternatives = []
    if study.alternatives is not None:
        alternatives = [{"model": r.model, "chisq": apa.num(r.chisq), "df": int(r.df), "cfi": apa.bounded(r.cfi),
                         "rmsea": apa.bounded(r.rmsea), "aic": apa.num(r.aic, 1), "bic": apa.num(r.bic, 1),
                         "delta": "" if pd.isna(r.delta_chisq) else
                         f"\u0394\u03c7\u00b2({int(abs(r.delta_df))}) = "
                         f"{apa.num(abs(getattr(r, 'delta_chisq_scaled', r.delta_chisq)))}, "
                         f"{apa.p_clause(r.delta_pvalue)}"} for r in study.alternatives.itertuples()]
    meta = sem.meta()
    fit = _pls_fit_line(tables, meta, L) if study.method == "pls" else apa.fit_line(meta["fit_measures"], L)
    return {"fit_line": fit, "hypotheses": hyp_rows, "effects": effects, "diagram": diagram,
            "r2": [{"construct": names[c], "r2": apa.bounded(r2[c], 2)} for c in q.endogenous if c in r2],
            "supported": sum(h["supported"] for h in hyp_rows), "n_hypotheses": len(hyp_rows),
            "ci_method": str(study.hypotheses["ci_method"].iloc[0]) if len(study.hypotheses) else "wald",
            "alternatives": alternatives, "warnings": list(sem.warnings)}


def _cb_r2(tables: _Tables) -> dict[str, float]:
    """R-squared of each variable of a (one-group) CB-SEM, from its ``r2`` table."""
    return {v: float(r2) for v, r2 in zip(tables["r2"]["variable"], tables["r2"]["r2"], strict=True)}


def _groups(study: StudyResult, names: dict, L: Any, lang: str) -> list[dict]:
    """Invariance and per-group paths of each grouping variable, groups named by their option labels."""
    out = []
    for g in study.groups:
        shown = _option_labels(study, g.group, lang)
        title = _demographic_title(study, g.group, lang)
        if g.invariance is None:
            out.append({"group": g.group, "title": title, "error": _group_error(g.error, shown, L),
                        "invariance": [], "verdict": "", "paths": [], "labels": []})
            continue
        inv = [{"model": r.model, "chisq": apa.num(r.chisq), "df": int(r.df), "cfi": apa.bounded(r.cfi),
                "rmsea": apa.bounded(r.rmsea),
                "d_cfi": "" if pd.isna(getattr(r, "delta_cfi", np.nan)) else apa.num(r.delta_cfi, 3),
                "holds": "" if pd.isna(getattr(r, "holds", np.nan)) else ("yes" if r.holds else "no")}
               for r in _Tables(g.invariance)["steps"].itertuples()]
        codes = g.invariance.meta()["groups"]
        labels_ = [shown.get(str(c), str(c)) for c in codes]
        paths = []
        for r in _Tables(g.paths)["paths"].to_dict(orient="records"):
            paths.append({"path": f"{names.get(r['rhs'], r['rhs'])} \u2192 {names.get(r['lhs'], r['lhs'])}",
                          "betas": [apa.bounded(r[f"std_all[{code}]"], 2) + apa.stars(r[f"pvalue[{code}]"])
                                    for code in codes],
                          "wald": "" if pd.isna(r["wald"]) else f"{apa.num(r['wald'])} ({int(r['df'])})",
                          "p": apa.p_value(r["pvalue_equal"]), "differs": bool(r["pvalue_equal"] < 0.05)})
        # the verdict names the groups by their labels, as the table headers do
        verdict = L.tr(replace(g.invariance, groups=tuple(labels_)).verdict())
        out.append({"group": g.group, "title": title, "error": None, "invariance": inv, "verdict": verdict,
                    "paths": paths, "labels": labels_})
    return out


def _group_error(error: str | None, shown: dict[str, str], L: Any) -> str:
    """Why a group analysis could not run, in the report's language, groups named by their labels.

    A sentence the translator does not know is replaced, in a non-English report, by one saying the
    analysis did not run; the original is kept in results.json (``groups[].error``).
    """
    error = error or ""
    for code, label in shown.items():  # before translating: the translator keeps quoted names as they are
        error = error.replace(f"'{code}'", f"'{label}'")
    text = L.tr(error)
    if L.language != "en" and text == error:
        return L["group_error_untranslated"]
    return text


def _robustness(study: StudyResult, names: dict) -> dict | None:
    table = study.regression
    if table is None or len(table) == 0:
        return None
    rows = [{"path": f"{names.get(r.predictor, r.predictor)} \u2192 {names.get(r.outcome, r.outcome)}",
             "sem": apa.bounded(r.sem_std_all, 2) + apa.stars(r.sem_pvalue),
             "ols": apa.bounded(r.ols_std_all, 2) + apa.stars(r.ols_pvalue), "same": bool(r.same_conclusion)}
            for r in table.itertuples()]
    return {"rows": rows, "agree": sum(r["same"] for r in rows), "n": len(rows)}


def _pls_fit_line(tables: _Tables, meta: dict, L: dict) -> str:
    """PLS-SEM's fit line in the report's language: SRMR, d_ULS and d_G of the estimated model (a PLSResult's
    ``model_fit`` table and ``meta()``)."""
    fit = tables["model_fit"]["estimated"]
    scheme = {"path_weighting": "path weighting", "factorial": "factorial", "centroid": "centroid"}[
        meta["settings"]["scheme"]]
    return L["pls_fit"].format(scheme=L.get(scheme, scheme), n=meta["n_obs"], srmr=apa.bounded(fit["srmr"]),
                               d_uls=apa.num(fit["d_uls"], 3), d_g=apa.num(fit["d_g"], 3))


def _pls_set(study: StudyResult, L: dict, names: dict) -> dict | None:
    """The PLS-SEM reporting set of a PLS-only study (config ``method: pls``; Hair et al.'s checklist): reliability
    (alpha, rho_C, rho_A, AVE), HTMT, Fornell-Larcker, loadings with bootstrap intervals, item and inner VIF,
    R-squared, f-squared, model fit (SRMR, d_ULS, d_G). Paths and hypotheses are in the structural section."""
    if study.method != "pls":
        return None
    res, boot = study.pls, _Tables(study.pls_bootstrap)["estimates"]
    tables, boot_meta = _Tables(res), study.pls_bootstrap.meta()
    rel = [{"construct": names.get(c, c), "n_items": len(res.model.blocks[c]), "alpha": apa.bounded(r.alpha, 2),
            "rho_c": apa.bounded(r.rhoC, 2), "rho_a": apa.bounded(r.rhoA, 2), "ave": apa.bounded(r.AVE, 2),
            "ok": bool(r.rhoC >= 0.70 and r.AVE >= 0.50)} for c, r in tables["reliability"].iterrows()]
    ht = tables["htmt"]
    htmt_rows = [{"pair": f"{names.get(a, a)} \u2013 {names.get(b, b)}", "htmt": apa.num(ht.loc[a, b], 2),
                  "ok": bool(ht.loc[a, b] < 0.85)} for a in ht.index for b in ht.columns if not pd.isna(ht.loc[a, b])]
    fl = tables["fornell_larcker"]
    fl_rows = [{"construct": names.get(c, c), "cells": [("" if pd.isna(fl.loc[c, o]) else apa.bounded(fl.loc[c, o], 2),
                                                          c == o) for o in fl.columns]} for c in fl.index]
    loads = boot[boot["op"].isin(["=~", "<~"])]
    item_vif = tables["item_vif"]["vif"]
    loadings = [{"construct": names.get(r.lhs, r.lhs), "item": r.rhs, "loading": apa.bounded(r.est, 2),
                 "ci": apa.interval(r.ci_lower, r.ci_upper, 2, is_bounded=True), "low": bool(r.est < 0.708),
                 "vif": apa.num(item_vif.get(f"{r.lhs}: {r.rhs}", np.nan), 2)} for r in loads.itertuples()]
    f2 = tables["f2"].set_index(["rhs", "lhs"])["f2"]
    inner = tables["inner_vif"]["vif"]
    paths = [{"path": f"{names.get(r.rhs, r.rhs)} \u2192 {names.get(r.lhs, r.lhs)}", "beta": apa.bounded(r.est, 2),
              "se": apa.num(r.boot_se, 3), "ci": apa.interval(r.ci_lower, r.ci_upper, 2, is_bounded=True),
              "p": apa.p_value(r.pvalue), "f2": apa.num(f2.get((r.rhs, r.lhs), np.nan), 3),
              "vif": apa.num(inner.get(f"{r.lhs}: {r.rhs}", np.nan), 2)}
             for r in boot[boot["op"] == "~"].itertuples()]
    r2 = [{"construct": names.get(r.construct, r.construct), "r2": apa.bounded(r.r2, 2),
           "r2_adj": apa.bounded(r.r2_adj, 2)} for r in tables["r2"].itertuples()]
    return {"reliability": rel, "htmt": htmt_rows, "fl_header": [names.get(c, c) for c in fl.columns],
            "fornell_larcker": fl_rows, "loadings": loadings, "paths": paths, "r2": r2,
            "fit_line": _pls_fit_line(tables, res.meta(), L),
            "ci_method": f"bootstrap {boot_meta['ci']} ({boot_meta['n_boot']})"}


def _pls(study: StudyResult, L: dict, names: dict) -> dict | None:
    """CB-SEM and PLS-SEM side by side: paths, reliability, R-squared (config ``method: both``)."""
    res = study.pls
    if res is None or study.method == "pls":
        return None
    boot = study.pls_bootstrap
    tables, cb_tables = _Tables(res), _Tables(study.sem)
    est, pls_est = cb_tables["estimates"], tables["estimates"]
    boot_paths = None
    if boot is not None:
        boot_est = _Tables(boot)["estimates"]
        boot_paths = boot_est[boot_est["op"] == "~"].set_index(["lhs", "rhs"])
    paths = []
    for src, tgt, b in pls_est.loc[pls_est["op"] == "~", ["rhs", "lhs", "est"]].itertuples(index=False):
        cb = est[(est["op"] == "~") & (est["lhs"] == tgt) & (est["rhs"] == src)]
        ci, sig_pls = "", None
        if boot_paths is not None:
            row = boot_paths.loc[(tgt, src)]
            ci = apa.interval(row["ci_lower"], row["ci_upper"], 2)
            sig_pls = bool(row["ci_lower"] > 0 or row["ci_upper"] < 0)
        cb_beta = float(cb["std_all"].iloc[0]) if len(cb) else float("nan")
        cb_p = float(cb["pvalue"].iloc[0]) if len(cb) else float("nan")
        same = None if sig_pls is None or not len(cb) else bool(sig_pls == (cb_p < 0.05) and
                                                                 (np.sign(b) == np.sign(cb_beta)))
        paths.append({"path": f"{names.get(src, src)} \u2192 {names.get(tgt, tgt)}",
                      "cbsem": apa.bounded(cb_beta, 2) + apa.stars(cb_p), "pls": apa.bounded(b, 2), "ci": ci,
                      "same": same})
    rel_pls = tables["reliability"]
    rel_cb = (_Tables(study.cfa)["Reliability and convergent validity"].set_index("construct")
              if study.cfa is not None else None)
    reliability = [{"construct": names.get(c, c),
                    "cb_cr": apa.bounded(rel_cb.loc[c, "cr"], 2) if rel_cb is not None and c in rel_cb.index else "",
                    "cb_ave": apa.bounded(rel_cb.loc[c, "ave"], 2) if rel_cb is not None and c in rel_cb.index else "",
                    "rho_c": apa.bounded(r.rhoC, 2), "ave": apa.bounded(r.AVE, 2), "rho_a": apa.bounded(r.rhoA, 2)}
                   for c, r in rel_pls.iterrows()]
    r2_cb = _cb_r2(cb_tables)
    r2 = [{"construct": names.get(r.construct, r.construct),
           "cbsem": apa.bounded(r2_cb[r.construct], 2) if r.construct in r2_cb else "",
           "pls": apa.bounded(r.r2, 2), "pls_adj": apa.bounded(r.r2_adj, 2)} for r in tables["r2"].itertuples()]
    judged = [p for p in paths if p["same"] is not None]
    return {"paths": paths, "reliability": reliability, "r2": r2, "agree": sum(p["same"] for p in judged),
            "n": len(judged), "n_boot": boot.meta()["n_boot"] if boot is not None else 0}


def _planning(study: StudyResult, L: dict, names: dict, lang: str) -> dict | None:
    """The planning section: power of each hypothesis by N, the N for the target, the RMSEA power."""
    plan = study.planning
    if plan is None:
        return None
    table = _Tables(plan["power"])["power"]
    sizes = sorted(int(x) for x in table["n"].unique())
    rows = []
    for h, part in table.groupby("hypothesis", sort=False):
        by_n = part.set_index("n")
        rows.append({"hypothesis": h, "path": _path_text(str(part["path"].iloc[0]), names),
                     "power": [apa.bounded(float(by_n.loc[k, "power"]), 2) for k in sizes]})
    out: dict[str, Any] = {"sizes": sizes, "rows": rows, "replications": plan["power"].meta()["replications"],
                           "target": None, "n_target": None, "rmsea": None}
    if "sample_size" in plan:
        found = plan["sample_size"].meta()
        out["target"] = apa.bounded(found["target_power"], 2)
        out["n_target"] = (str(found["n"]) if found["n"] is not None
                           else L["not_reached"] + f" (N \u2264 {found['n_max']})")
    rm = plan.get("rmsea")
    if rm is not None:
        out["rmsea"] = {"df": rm["df"], "n": rm["n"], "rmsea0": apa.bounded(rm["rmsea0"], 2),
                        "rmsea_a": apa.bounded(rm["rmsea_a"], 2), "power": apa.bounded(rm["power"], 2),
                        "n_for_80": rm["n_for_80"]}
    return out


def _behaviour(study: StudyResult, L: dict, names: dict, lang: str) -> dict | None:
    """The behaviour section: metrics by segment, criterion validity, attitude -> behaviour, churn, content."""
    b = study.behaviour
    if b is None:
        return None
    tables, meta = _Tables(b), b.meta()
    p, outcome, construct = meta["events"], meta["outcome"], meta["construct"]
    seg_label = _option_labels(study, meta["segment"], lang) if meta["segment"] else {}
    label = lambda key: L.get(key, key)  # noqa: E731 - one-line lookup with fallback
    content = lambda c: L.get(f"content_{c}", str(c).replace("_", " "))  # noqa: E731
    segment_rows = []
    ratio = tables["dau_mau"]
    if "by_segment" in tables:
        for seg, r in tables["by_segment"].iterrows():
            segment_rows.append({
                "segment": seg_label.get(str(seg), str(seg)), "users": int(r["users"]),
                "active_days": apa.num(r["active_days"], 1), "visits": apa.num(r["visits_per_week"], 2),
                "dau_mau": apa.bounded(float(ratio.loc[seg, "dau_mau"]), 2) if seg in ratio.index else "",
                "completion": apa.bounded(r["read_completion"], 2), "share_rate": apa.bounded(r["share_rate"], 2),
                "converted": apa.bounded(r["converted"], 2), "d7": apa.bounded(r["retained_d7"], 2),
                "d30": apa.bounded(r["retained_d30"], 2), "churned": apa.bounded(r["churned"], 2)})
    validity = [{"criterion": label(f"metric_{k}"), "n": int(r["n"]), "r": apa.bounded(r["r"], 2),
                 "ci": apa.interval(r["ci_lower"], r["ci_upper"], is_bounded=True), "p": apa.p_value(r["pvalue"]),
                 "rho": apa.bounded(r["rho"], 2)} for k, r in tables["criterion_validity"].iterrows()]
    sem = None
    if meta["sem"] is not None:
        est = tables["behaviour_sem"]
        path = est[(est["lhs"] == outcome) & (est["op"] == "~")].iloc[0]
        indirect = []
        for _, r in est[(est["op"] == ":=") & est["lhs"].str.startswith("total_")].iterrows():
            driver = r["lhs"].removeprefix("total_")
            indirect.append({"path": " \u2192 ".join([names.get(driver, driver), "\u2026", names.get(construct, construct),
                                                       label(f"metric_{outcome}")]),
                             "b": apa.num(r["est"]), "ci": apa.interval(r["ci_lower"], r["ci_upper"]),
                             "beta": apa.bounded(r["std_all"], 2), "p": apa.p_value(r["pvalue"])})
        sem = {"path": f"{names.get(construct, construct)} \u2192 {label('metric_' + outcome)}",
               "b": apa.num(path["est"]), "se": apa.num(path["se"]), "beta": apa.bounded(path["std_all"], 2),
               "p": apa.p_value(path["pvalue"]), "r2": apa.bounded(float(meta["sem"]["r2"].get(outcome, np.nan)), 2),
               "fit_line": apa.fit_line(meta["sem"]["fit_measures"], L), "indirect": indirect}
    cox_table = tables.get("churn_cox")
    cox = [] if cox_table is None else [
        {"construct": names.get(k.removeprefix("score_"), k), "hr": apa.num(r["hr"]),
         "ci": apa.interval(r["hr_lower"], r["hr_upper"]), "p": apa.p_value(r["pvalue"])}
        for k, r in cox_table.iterrows()]
    survival = None
    if "churn_survival" in tables:
        summary = tables["churn_survival"]
        curves = tables["churn_survival_curves"]
        chart = survival_chart({seg_label.get(str(g), str(g)): [(0.0, 1.0)] + [(float(t), float(v)) for t, v in
                                                                               curves[g].items() if t > 0]
                                for g in curves.columns}, L["days_since_first"], L["still_active"])
        logrank = tables.get("logrank")
        survival = {"rows": [{"segment": seg_label.get(str(g), str(g)), "users": int(r["users"]),
                              "churned": int(r["churned"]), "median": apa.num(r["median_lifetime"], 0) or "\u2013",
                              "s30": apa.bounded(r["survival_30"], 2), "s60": apa.bounded(r["survival_60"], 2)}
                             for g, r in summary.iterrows()],
                    "chart": chart, "logrank": (f"\u03c7\u00b2({int(logrank.loc[0, 'df'])}) = "
                                                f"{apa.num(logrank.loc[0, 'chisq'])}, {apa.p_clause(logrank.loc[0, 'pvalue'])}"
                                                if logrank is not None else None)}
    cohorts = tables["cohort_retention"]
    weeks = [c for c in cohorts.columns if c != "users"][:9]
    cohort_rows = [{"cohort": str(k), "users": int(r["users"]),
                    "shares": [apa.bounded(r[w], 2) if not pd.isna(r[w]) else "" for w in weeks]}
                   for k, r in cohorts.iterrows() if r["users"] >= study.config.report.min_cell]
    content_table = None
    if "content_shares" in tables:
        shares, residuals = tables["content_shares"], tables["content_residuals"]
        read = tables["content_reads"]
        overall = read.sum() / read.to_numpy().sum()
        test = tables["content_test"].iloc[0]
        content_table = {"types": [content(c) for c in shares.columns],
                         "rows": [{"segment": seg_label.get(str(g), str(g)),
                                   "cells": [{"value": apa.num(100 * shares.loc[g, c], 0),
                                              # favoured by its users beyond chance, and read more than overall
                                              "high": bool(c in residuals.columns and residuals.loc[g, c] > 2
                                                           and shares.loc[g, c] > overall[c])}
                                             for c in shares.columns]}
                                  for g in shares.index],
                         "test": (f"\u03c7\u00b2({int(test['df'])}, N = {int(test['n_users'])}) = "
                                  f"{apa.num(test['chisq'])}, {apa.p_clause(test['pvalue'])}, Cram\u00e9r's V = "
                                  f"{apa.bounded(test['cramers_v'], 2)}")}
    when = lambda slot: " ".join(L.get(w, w) for w in str(slot).split(" ", 1)) if slot else ""  # noqa: E731
    playbook = []
    for r in tables["suggestions"].itertuples():
        seg = seg_label.get(str(r.segment), str(r.segment))
        evidence = (f"{apa.num(100 * r.share, 0)}% {'的阅读' if lang == 'zh' else 'of their reads'} "
                    f"({'其他用户' if lang == 'zh' else 'others'} {apa.num(100 * r.share_others, 0)}%)")
        if not pd.isna(r.lift):
            evidence += f"; lift {apa.num(r.lift)}, {'置信度' if lang == 'zh' else 'confidence'} {apa.bounded(r.confidence, 2)}"
        playbook.append({"segment": seg, "content": content(r.content), "when": when(r.peak), "evidence": evidence})
    rules = []
    if "association_rules" in tables:
        def item(text: str) -> str:
            kind, _, value = text.partition("=")
            if kind == "content":
                return content(value)
            if kind == "time":
                return when(value)
            if kind in ("product", "bought"):
                shown = seg_label.get(value, value)
                return shown if kind == "product" else (f"购买{shown}" if lang == "zh" else f"bought {shown}")
            return text

        found = tables["association_rules"]
        top = found[found["antecedents"].str.startswith("product=") & ~found["antecedents"].str.contains("&")
                    & ~found["consequents"].str.contains("bought=")].head(8)
        rules = [{"if": " & ".join(item(x) for x in r.antecedents.split(" & ")),
                  "then": " & ".join(item(x) for x in r.consequents.split(" & ")),
                  "support": apa.bounded(r.support, 2), "confidence": apa.bounded(r.confidence, 2),
                  "lift": apa.num(r.lift)} for r in top.itertuples()]
    truth = None
    known = meta["truth"]
    if known and cox_table is not None and f"score_{known.get('driver')}" in cox_table.index:
        est = cox_table.loc[f"score_{known['driver']}"]
        truth = {"hr": apa.num(known["churn_hr"]), "hr_est": apa.num(est["hr"]),
                 "ci": apa.interval(est["hr_lower"], est["hr_upper"]), "construct": names.get(known["driver"]),
                 "scores": known["scores"]}
    start, end = meta["window"]
    return {"n_events": f"{p['n_events']:,}", "n_users": f"{p['n_users']:,}", "start": start, "end": end,
            "engine": p["engine"], "linked": meta["linked"],
            "dau_mau": apa.bounded(float(ratio.loc["all", "dau_mau"]), 2), "segments": segment_rows,
            "validity": validity, "construct": names.get(construct, construct), "sem": sem, "cox": cox,
            "concordance": apa.bounded(tables["churn_cox_fit"].loc[0, "concordance"], 2)
            if cox_table is not None else "",
            "survival": survival, "weeks": weeks, "cohorts": cohort_rows, "content": content_table,
            "playbook": playbook, "rules": rules, "truth": truth, "notes": list(b.notes),
            "note": L["note_behaviour"].format(churn_after=study.config.events.churn_after)}


def _segments(study: StudyResult, L: dict, names: dict, lang: str) -> dict | None:
    s = study.segments
    if s is None:
        return None
    tables, meta = _Tables(s), s.meta()
    constructs = [c for c in tables["centers"].columns if c not in ("n", "share")]
    centers = [{"segment": int(seg), "n": int(row["n"]), "share": apa.num(100 * row["share"], 1),
                "means": [apa.num(row[c]) for c in constructs]} for seg, row in tables["centers"].iterrows()]
    table = study.segment_priorities
    min_n = int(table["min_n"].iloc[0]) if table is not None and len(table) else None
    top: dict[int, str] = {}
    priorities = []
    if table is not None:
        for segment, rows in table.groupby("segment", sort=True):
            rows = rows.to_dict(orient="records")
            ranked = [r for r in rows if r["status"] == "ranked"]
            small = rows[0]["status"] == "too small to estimate"
            top[int(segment)] = (L["seg_too small to estimate"].format(min_n=min_n) if small else
                                 ("、" if lang == "zh" else ", ").join(names.get(r["construct"], r["construct"])
                                                                       for r in ranked[:2]))
            priorities.append({"segment": int(segment), "n": int(rows[0]["n"]), "small": small,
                               "status": L["seg_too small to estimate"].format(min_n=min_n) if small else "",
                               "rows": [] if small else [_segment_row(r, L, names, min_n) for r in rows]})
    for c in centers:
        c["priorities"] = top.get(c["segment"], "")
    q = study.questionnaire
    profile = []
    if study.segment_profile is not None and len(study.segment_profile):
        demographic_ids = [x.id for x in q.demographics]
        for r in study.segment_profile.to_dict(orient="records"):
            known = r["variable"] in demographic_ids
            label = _option_labels(study, r["variable"], lang).get(str(r["category"]), r["category"])
            profile.append({"variable": _demographic_title(study, r["variable"], lang) if known else r["variable"],
                            "category": label,
                            "shares": ["" if pd.isna(r.get(int(c["segment"]))) else apa.num(r[int(c["segment"])], 1)
                                       for c in centers]})
    selection = tables["selection"]
    chosen = selection[selection["chosen"]].iloc[0]
    outcome = names.get(study.outcome, study.outcome)
    sep = "、" if lang == "zh" else ", "
    on = meta["on"] or constructs
    basis = sep.join(names.get(c, c) for c in on)
    method = L.get(meta["method"], meta["method"])
    method = f" {method}" if lang == "zh" and method[:1].isascii() else method  # 采用 k 均值聚类: space before Latin
    notes = []
    if table is not None:
        notes = [L["note_segment_priorities"].format(outcome=outcome, min_n=min_n), L["note_segment_caveat"]]
    return {"k": meta["k"], "method": meta["method"], "constructs": [names.get(c, c) for c in constructs],
            "centers": centers, "profile": profile, "silhouette": apa.bounded(chosen["silhouette"], 2),
            "basis_note": L["segment_basis"].format(method=method, basis=basis,
                                                    silhouette=apa.bounded(chosen["silhouette"], 2), outcome=outcome),
            "priorities": priorities, "notes": notes}


def _segment_row(r: dict, L: dict, names: dict, min_n: int | None) -> dict:
    """One driver of one segment: importance and performance with their intervals, priority, rank, evidence."""
    estimated = r["status"] not in ("too small to estimate", "not estimable")
    return {"construct": names.get(r["construct"], r["construct"]),
            "importance": f"{apa.num(r['importance'])} {apa.interval(r['ci_lower'], r['ci_upper'])}"
            if estimated else "",
            "performance": f"{apa.num(r['performance'], 1)} {apa.interval(r['perf_ci_lower'], r['perf_ci_upper'], 1)}"
            if estimated else "",
            "priority": apa.num(r["priority"], 1) if r["status"] == "ranked" else "",
            "rank": "" if pd.isna(r["rank"]) else str(int(r["rank"])),
            "status": L[f"seg_{r['status']}"].format(min_n=min_n), "ranked": r["status"] == "ranked"}


def _strategy(study: StudyResult, L: dict, names: dict, lang: str) -> dict | None:
    if study.ipma is None:
        return None
    recs = []
    # the PLS IPMA (method pls or both): importance in points of the outcome's 0-100 score
    pls_map = "basis" in study.ipma and bool((study.ipma["basis"] == "pls_ipma").all())
    std = study.ipma.set_index("construct")["std_all"] if pls_map else None
    for r in study.recommendations:
        evidence = (L["evidence_ipma"].format(importance=apa.num(r.importance), ci=apa.interval(r.ci_lower, r.ci_upper),
                                              beta=apa.bounded(std[r.construct], 2)) if pls_map else
                    f"\u03b2 = {apa.bounded(r.importance, 2)}, 95% CI "
                    f"{apa.interval(r.ci_lower, r.ci_upper, 2, is_bounded=True)}")
        recs.append({"rank": r.rank, "construct": names.get(r.construct, r.construct), "status": L[r.status],
                     "recommended": r.status == "recommended", "evidence": evidence,
                     "performance": apa.num(r.performance, 1), "quadrant": L.get(r.quadrant, r.quadrant),
                     "levers": [lv.get(lang, lv.get("en", lv["id"])) for lv in r.levers]})
    missing = [names.get(c, c) for c in study.ipma["construct"] if c not in load_playbook()]
    chart = ipma_chart([{"label": names.get(r.construct, r.construct), "importance": r.importance,
                         "performance": r.performance, "significant": bool(r.significant)}
                        for r in study.ipma.itertuples()], L["importance_ipma" if pls_map else "importance"],
                       L["performance"])
    outcome = names.get(study.outcome, study.outcome)
    return {"recommendations": recs, "chart": chart, "no_playbook": missing, "outcome": outcome,
            "importance": L["importance_ipma" if pls_map else "importance"],
            "note": L["note_ipma_pls"].format(outcome=outcome) if pls_map else L["note_ipma"],
            "basis_note": L["note_ipma_pls"].format(outcome=outcome) if pls_map else None}


def report_context(study: StudyResult, lang: str | None = None) -> dict:
    """Everything the templates show, formatted (strings), in one language."""
    cfg = study.config
    lang = lang or cfg.report.language
    L = labels(lang)
    q = study.questionnaire
    names = _names(study, lang)
    title = cfg.study.title.get(lang) or next(iter(cfg.study.title.values()))
    source = L["simulated"] if cfg.data.simulate is not None else L["collected"]
    prov = {k: v for k, v in study.provenance.items() if k != "created"}  # time stamps only in provenance.json
    counts = study.meta()  # the study's sample sizes, as results.json states them
    return {
        "lang": lang, "L": L, "title": title,
        "subtitle": f"{q.meta.id} v{q.meta.version} \u00b7 {source}",
        "n_read": counts["n_read"], "n_excluded": counts["n_excluded"], "n": counts["n_model"],
        "n_items": len(q.items), "n_constructs": len(q.constructs),
        "exclusions": _exclusion_rows(study, L), "min_cell": cfg.report.min_cell,
        # screening notes (rules excluding > 20 %, rules not applied, too small a sample) shown with the sample
        "screening": list(study.screening.get("warnings", []))
        + [f"{L.get('rule_' + rule, rule)}: {L['not_applied']} ({why})"
           for rule, why in study.screening.get("not_applied", {}).items()
           if not any(why in w for w in study.screening.get("warnings", []))],  # once, not twice
        "demographics": _demographics(study, lang, cfg.report.min_cell),
        "measurement": _measurement(study, L, names),
        "structural": _structural(study, L, names, lang),
        "groups": _groups(study, names, L, lang),
        "robustness": _robustness(study, names),
        "pls": _pls(study, L, names),
        "pls_set": _pls_set(study, L, names),
        "planning": _planning(study, L, names, lang),
        "behaviour": _behaviour(study, L, names, lang),
        "segments": _segments(study, L, names, lang),
        "strategy": _strategy(study, L, names, lang),
        "appendix": _appendix(study),
        "provenance": json.dumps(prov, indent=2, ensure_ascii=False),
    }


# ----- writers -----------------------------------------------------------------------------------
REPORT_FILES = ("index.html", "report.md", "tables.docx", "results.json", "provenance.json")


def built_language(out_dir: str | Path) -> str | None:
    """Language of a report already built in ``out_dir`` (``None`` when there is none or it is unknown)."""
    out = Path(out_dir)
    try:
        prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
        if isinstance(prov, dict) and isinstance(prov.get("report_language"), str):
            return prov["report_language"]
    except (OSError, ValueError):
        pass
    try:
        with (out / "index.html").open(encoding="utf-8", errors="replace") as handle:
            found = re.search(r'<html lang="([^"]+)"', handle.read(512))
        return found.group(1) if found else None
    except OSError:
        return None


def check_report_folder(out_dir: str | Path, language: str, *, inputs: Iterable[str | Path | None] = (),
                        force: bool = False, option: str = "-o") -> Path:
    """Refuse a report folder before any work: not a writable folder, or one holding another language's build.

    A build in ``language`` into a folder that holds a report in another language would silently
    replace it; that is refused unless ``force`` (use one folder per language, e.g. ``build/zh``).

    Parameters
    ----------
    out_dir : str or Path
        The report folder (created later if missing).
    language : str
        Language of the report about to be built.
    inputs : iterable of paths
        The study's input files; no report file may be one of them.
    force : bool
        Allow replacing a report built in another language.
    option : str
        How the caller names ``out_dir`` in messages (``-o`` for the CLI).

    Returns
    -------
    Path

    Raises
    ------
    OutputPathError
        The folder is a file, lies under a file or in a read-only place, one of the report files is an
        input, or it holds a report built in another language (and ``force`` is false).
    """
    inputs = list(inputs)
    out = check_output(out_dir, inputs=inputs, kind="dir", option=option)
    for name in REPORT_FILES:
        check_output(out / name, inputs=inputs, option=option)
    previous = built_language(out)
    if previous is not None and previous != language and not force:
        raise OutputPathError(f"{out}: holds a report built in {previous!r}; building the {language!r} report there "
                              f"would replace it. Give another folder with {option} (e.g. {out / language}), or "
                              "replace it on purpose with --force (force=True).")
    return out


def write_report(study: StudyResult, out_dir: str | Path, *, formats: tuple[str, ...] | list[str] | None = None,
                 language: str | None = None, force: bool = False) -> dict[str, Path]:
    """Write the report files to ``out_dir``; returns format -> path (``provenance`` always written).

    The folder is checked first (:func:`check_report_folder`) and every file is written atomically.

    Parameters
    ----------
    formats : subset of ("html", "md", "docx", "json"); default: the study config's.
    language : "en" or "zh"; default: the study config's.
    force : bool
        Replace a report built in another language in ``out_dir`` (refused otherwise).

    Raises
    ------
    OutputPathError
        See :func:`check_report_folder`.
    ParameterError
        An unknown format or language.
    """
    check(formats, "formats", "write_report", ListOf(Options(FORMATS)), None)
    check(language, "language", "write_report", Options(REPORT_LANGUAGES), None)
    check(force, "force", "write_report", BOOL)
    language = language or study.config.report.language
    out = check_report_folder(out_dir, language, inputs=study.provenance.get("inputs", {}), force=force,
                              option="out_dir")
    formats = list(formats or study.config.report.formats)
    context = report_context(study, language)
    paths: dict[str, Path] = {}
    if "html" in formats:
        paths["html"] = write_text(out / "index.html", _ENV.get_template("report.html.j2").render(**context))
    if "md" in formats:
        paths["md"] = write_text(out / "report.md", _MD_ENV.get_template("report.md.j2").render(**context))
    if "docx" in formats:
        from .docx import write_docx

        paths["docx"] = out / "tables.docx"
        with atomic_path(paths["docx"]) as tmp:
            write_docx(context, tmp)
    if "json" in formats:
        paths["json"] = write_text(out / "results.json",
                                   json.dumps(results_dict(study), indent=1, ensure_ascii=False) + "\n")
    provenance = {**study.provenance, "report_language": language}  # read back by built_language
    paths["provenance"] = write_text(out / "provenance.json",
                                     json.dumps(provenance, indent=2, ensure_ascii=False) + "\n")
    return paths


def write_demo_report(study: StudyResult, out_dir: str | Path, lang: str = "en", *, force: bool = False) -> Path:
    """The demo's report: every format; returns the path of ``index.html``."""
    return write_report(study, out_dir, formats=FORMATS, language=lang, force=force)["html"]
