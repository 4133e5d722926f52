"""A PLS-only study (config ``method: pls``): the shipped example end to end, its hypotheses against the PLS fit and
its bootstrap computed here by hand, the report's PLS reporting set without CB-SEM sections, and the CB-SEM-only
settings refused by name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import stickiness_research as sr
from stickiness_research.report import write_report
from stickiness_research.study import run_study

SHIPPED = Path(__file__).resolve().parents[1] / "reports" / "financial_wechat_pls.yaml"


@pytest.fixture(scope="module")
def study():
    return run_study(SHIPPED)


@pytest.fixture(scope="module")
def built(study, tmp_path_factory):
    return write_report(study, tmp_path_factory.mktemp("pls_build"))


def test_the_shipped_pls_study_estimates_pls_alone(study):
    assert study.method == "pls" and study.cfa is None and study.bootstrap is None
    assert study.sem is study.pls  # the structural model is the PLS fit (the CLI prints its fit line and N)
    q = study.questionnaire
    assert set(study.pls.model.constructs) == set(q.construct_ids)
    assert study.pls.n_obs == len(study.scored.dropna(subset=q.item_ids))  # complete rows
    assert study.pls_bootstrap.n_boot == 1000 and study.pls_bootstrap.seed == study.config.seed
    assert "SRMR" in study.sem.fit_line() and "CB-SEM" in study.sem.fit_line()


def test_hypotheses_are_the_pls_paths_and_their_bootstrap(study):
    res, boot, q = study.pls, study.pls_bootstrap, study.questionnaire
    table = study.hypotheses.set_index("hypothesis")
    assert list(table.index) == [h.id for h in q.hypotheses]
    draws = boot.draws
    for h in q.hypotheses:
        row = table.loc[h.id]
        links = list(zip(h.chain, h.chain[1:], strict=False))
        # the estimate: the path, or the product of the paths of an indirect hypothesis
        assert row["est"] == pytest.approx(np.prod([res.paths().loc[a, b] for a, b in links]), abs=1e-12)
        assert row["std_all"] == row["est"]
        product = np.prod([draws[f"{b} ~ {a}"].to_numpy() for a, b in links], axis=0)
        assert row["se"] == pytest.approx(np.std(product, ddof=1), rel=1e-12)
        assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(tuple(np.percentile(product, [2.5, 97.5])),
                                                                   rel=1e-12)
        side = row["ci_lower"] > 0 if h.sign == "+" else row["ci_upper"] < 0
        sign = row["est"] > 0 if h.sign == "+" else row["est"] < 0
        assert row["supported"] == bool(side and sign and row["pvalue"] < 0.05)
    assert table["supported"].any() and table["ci_method"].str.startswith("bootstrap percentile").all()


def test_effects_split_total_into_direct_and_indirect(study):
    eff = study.effects
    assert len(eff) and eff["lhs"].str.endswith(f" -> {study.outcome}").all()
    total = study.pls.effects().set_index(["source", "target"])
    for lhs, part in eff.groupby("lhs"):
        source, target = lhs.split(" -> ")
        kinds = part.set_index("rhs")["est"]
        assert kinds["total"] == pytest.approx(total.loc[(source, target), "total"], abs=1e-12)
        assert kinds.get("direct", 0.0) + kinds.get("indirect", 0.0) == pytest.approx(kinds["total"], abs=1e-12)


def test_the_report_shows_the_pls_reporting_set_and_no_cbsem_section(built, study):
    md = Path(built["md"]).read_text(encoding="utf-8")
    assert "## PLS-SEM: measurement and structural model" in md
    for header in ("| α | ρC | ρA | AVE |", "| HTMT |", "| λ | 95% CI | VIF |", "| β | SE | 95% CI | p | f² | VIF |",
                   "| R² | adjusted R² |"):
        assert header in md, header
    assert "## Measurement model" not in md and "CFA (" not in md and "CB-SEM β" not in md
    assert "SRMR = " in md and "χ², CFI and RMSEA are CB-SEM statistics" in md
    assert "CFA fit, χ²-based model comparisons, measurement invariance and power are CB-SEM analyses" in md
    f2 = study.pls.f_squared().set_index("rhs")
    assert f"{f2.loc['convenience', 'f2']:.3f}" in md
    html = Path(built["html"]).read_text(encoding="utf-8")
    assert 'id="pls"' in html and 'id="measurement"' not in html
    results = json.loads(Path(built["json"]).read_text(encoding="utf-8"))
    assert results["study"]["method"] == "pls" and results["study"]["estimator"] == "PLS-SEM"
    pls = results["results"]["sem"]  # a PLS-only study's structural model is its PLS model, once
    assert pls["type"] == "PLSResult" and "pls" not in results["results"]
    assert {r["measure"] for r in pls["tables"]["model_fit"]} == {"srmr", "d_uls", "d_g"}
    assert {"htmt", "f2", "item_vif", "inner_vif", "fornell_larcker"} <= set(pls["tables"])
    assert results["results"]["pls_bootstrap"]["meta"]["n_boot"] == study.pls_bootstrap.n_boot


@pytest.mark.parametrize(("extra", "named"), [
    ("groups: [product_type]\n", "groups"),
    ("alternatives:\n  - {name: r, drop_hypotheses: [H3]}\n", "alternatives"),
    ("model: {estimator: MLR}\n", "model.estimator"),
    ("power: {n: [200]}\n", "power"),
    ("analyses: {bootstrap: 0}\n", "analyses.bootstrap"),
])
def test_cbsem_only_settings_are_refused_by_name(tmp_path, extra, named):
    text = (f"study: {{id: p, title: {{en: P}}}}\nquestionnaire: {sr.builtin_questionnaire_path()}\n"
            f"data: {{simulate: {{n: 200, seed: 1}}}}\nmethod: pls\n{extra}")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sr.StudyConfigError, match=named.replace(".", r"\.")) as caught:
        sr.load_study_config(path)
    assert caught.value.line == 5  # the offending key's line, not the file's first
    path.write_text(text.replace("method: pls", "method: both"), encoding="utf-8")
    assert sr.load_study_config(path).method == "both"  # the same setting is fine beside CB-SEM


def test_the_playbook_follows_the_pls_ipma(study, built):
    assert study.ipma is not None and (study.ipma["basis"] == "pls_ipma").all()
    top = study.ipma.iloc[0]
    first = next(r for r in study.recommendations if r.status == "recommended")
    assert first.construct == top["construct"] and first.importance == top["importance"]
    md = Path(built["md"]).read_text(encoding="utf-8")
    assert "PLS IPMA (Ringle & Sarstedt 2016)" in md and "IPMA importance = " in md


def test_studentized_intervals_are_for_pls_studies(tmp_path):
    text = (f"study: {{id: p, title: {{en: P}}}}\nquestionnaire: {sr.builtin_questionnaire_path()}\n"
            f"data: {{simulate: {{n: 200, seed: 1}}}}\nmethod: pls\nanalyses: {{bootstrap: 100, ci: studentized}}\n")
    path = tmp_path / "study.yaml"
    path.write_text(text, encoding="utf-8")
    assert sr.load_study_config(path).analyses.ci == "studentized"
    path.write_text(text.replace("method: pls", "method: both"), encoding="utf-8")
    with pytest.raises(sr.StudyConfigError, match="studentized") as caught:
        sr.load_study_config(path)
    assert caught.value.line == 5
